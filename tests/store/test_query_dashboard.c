/* test_query_dashboard.c - the dashboard's questions, each checked against
 * the stored rows by SQL of its own or against the summary, on a database
 * filled by ingesting tests/corpus */
#include <time.h>
#include <unistd.h>

#include "store_target.h"

#include "pipeline.h"
#include "query.h"
#include "source.h"
#include "store.h"

#define fixture tu_store

/* ingest_one - analyse and record one message, as tlsrptd ingest does */
static int
ingest_one(void *arg, const struct tr_source_msg *m)
{
	struct fixture *fx = arg;
	struct tr_analysis a;
	struct tr_verdict v;
	struct tr_origin o;

	if (m->err.code != TR_OK)
		return 0;
	tr_analyse(m->buf, m->len, m->kind, m->filename, &fx->limits, &a);
	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = strrchr(m->name, '/') + 1;
	o.received_at = 1795132800;	/* 2026-11-20T00:00:00Z */
	assert_int_equal(tr_record(fx->st, &a, m->buf, m->len, &o, &v), TR_OK);
	tr_verdict_free(&v);
	tr_analysis_free(&a);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *fx = tu_store_new_on("qdash");
	struct tr_error err;

	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	assert_int_equal(tr_source_walk(TESTDIR "/corpus", ingest_one, fx), 0);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	tu_store_free(*state);
	return 0;
}

/* q_int - one integer from SQL with ?1 and ?2 bound to a and b (may be
 * NULL: then unused) */
static int64_t
q_int(struct fixture *fx, const char *sql, const char *a, const char *b)
{
	return tu_sql_int(fx->st, sql, a, b);
}

/* days_between - whole days from day a to day b ("YYYY-MM-DD"), by the C
 * library */
static int64_t
days_between(const char *a, const char *b)
{
	struct tm ta, tb;

	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	assert_non_null(strptime(a, "%Y-%m-%d", &ta));
	assert_non_null(strptime(b, "%Y-%m-%d", &tb));
	return ((int64_t)timegm(&tb) - (int64_t)timegm(&ta)) / 86400;
}

/* cell_int - the integer in column name of row r */
static int64_t
cell_int(const struct tr_table *t, size_t r, const char *name)
{
	int c = tr_table_col_index(t, name);
	int64_t v;

	assert_true(c >= 0);
	assert_int_equal(tr_table_cell_int(t, r, (size_t)c, &v), 0);
	return v;
}

/* cell_text - the text in column name of row r (NULL for a null) */
static const char *
cell_text(const struct tr_table *t, size_t r, const char *name)
{
	int c = tr_table_col_index(t, name);

	assert_true(c >= 0);
	return tr_table_cell_text(t, r, (size_t)c);
}

static void
test_senders(void **state)
{
	struct fixture *fx = *state;
	struct tr_query_filter f = { .limit = 100 }, sf;
	struct tr_table *t, *sum;
	struct tr_error err;
	const char *org, *prev = NULL;
	int64_t sessions, failed;
	size_t r, k;
	int more;

	assert_int_equal(tr_query_senders(fx->st, &f, &t, &more, &err), TR_OK);
	assert_int_equal(more, 0);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(DISTINCT "
	    "organization_name) FROM reports", NULL, NULL));
	for (r = 0; r < tr_table_nrows(t); r++) {
		org = cell_text(t, r, "organization");
		assert_int_equal(cell_int(t, r, "reports"), q_int(fx,
		    "SELECT count(*) FROM reports WHERE organization_name = ?1 "
		    "AND id IN (SELECT report_ref FROM policies)", org, NULL));
		assert_int_equal(cell_int(t, r, "domains"), q_int(fx,
		    "SELECT count(DISTINCT p.policy_domain) FROM policies p "
		    "JOIN reports r ON r.id = p.report_ref "
		    "WHERE r.organization_name = ?1", org, NULL));
		assert_int_equal(cell_int(t, r, "days"), q_int(fx,
		    "SELECT count(DISTINCT substr(start_time, 1, 10)) FROM "
		    "reports WHERE organization_name = ?1", org, NULL));
		/* the last day is the latest start of its reports, and the
		 * rows go from the most recent reporter down */
		assert_int_equal(q_int(fx, "SELECT CASE WHEN "
		    "substr(max(start_time), 1, 10) = ?2 THEN 1 ELSE 0 END "
		    "FROM reports WHERE organization_name = ?1", org,
		    cell_text(t, r, "last_day")), 1);
		if (prev != NULL)
			assert_true(strcmp(prev, cell_text(t, r, "last_day")) >=
			    0);
		prev = cell_text(t, r, "last_day");
		/* sessions and failures add up to the summary's for it */
		sf = (struct tr_query_filter){ .org = org, .limit = 100 };
		assert_int_equal(tr_query_summary(fx->st, &sf, TR_BY_PERIOD,
		    &sum, &more, &err), TR_OK);
		for (sessions = failed = 0, k = 0; k < tr_table_nrows(sum);
		    k++) {
			sessions += cell_int(sum, k, "sessions");
			failed += cell_int(sum, k, "failed");
		}
		tr_table_free(sum);
		assert_int_equal(cell_int(t, r, "sessions"), sessions);
		assert_int_equal(cell_int(t, r, "failed"), failed);
	}
	tr_table_free(t);
	/* a filter applies */
	f.domain = "example.com";
	assert_int_equal(tr_query_senders(fx->st, &f, &t, &more, &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(DISTINCT "
	    "r.organization_name) FROM reports r JOIN policies p "
	    "ON p.report_ref = r.id WHERE p.policy_domain = ?1", f.domain,
	    NULL));
	tr_table_free(t);
}

static void
test_failures_daily(void **state)
{
	struct fixture *fx = *state;
	struct tr_query_filter f = { .limit = 1000 };
	struct tr_table *t, *types;
	struct tr_error err;
	const char *type;
	int64_t sum;
	size_t r, k;
	int more;

	assert_int_equal(tr_query_failures_daily(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_query_failures(fx->st, &f, TR_DIM_TYPE, 0, &types,
	    &more, &err), TR_OK);
	assert_true(tr_table_nrows(types) > 3);
	/* per result type, the days add up to the breakdown's figure */
	for (k = 0; k < tr_table_nrows(types); k++) {
		type = cell_text(types, k, "result_type");
		for (sum = 0, r = 0; r < tr_table_nrows(t); r++)
			if (strcmp(cell_text(t, r, "result_type"), type) == 0)
				sum += cell_int(t, r, "failed");
		assert_int_equal(sum, cell_int(types, k, "failed"));
	}
	/* the latest day first */
	for (r = 1; r < tr_table_nrows(t); r++)
		assert_true(strcmp(cell_text(t, r - 1, "day"),
		    cell_text(t, r, "day")) >= 0);
	tr_table_free(t);
	tr_table_free(types);
}

static void
test_silent_senders(void **state)
{
	struct fixture *fx = *state;
	struct tr_query_filter f = { .limit = 1000 };
	struct tr_table *t;
	struct tr_error err;
	size_t r;
	int more;

	/* every (domain, sender) pair reported on a day or more, silent for
	 * 0 days or more */
	assert_int_equal(tr_query_silent_senders(fx->st, &f, 1, 0, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(*) FROM "
	    "(SELECT DISTINCT p.policy_domain, r.organization_name FROM "
	    "policies p JOIN reports r ON r.id = p.report_ref) x", NULL,
	    NULL));
	for (r = 0; r < tr_table_nrows(t); r++) {
		assert_string_equal(cell_text(t, r, "latest_day"), "2026-05-13");
		assert_int_equal(cell_int(t, r, "days_silent"),
		    days_between(cell_text(t, r, "last_day"), "2026-05-13"));
		if (r > 0)
			assert_true(cell_int(t, r - 1, "days_silent") >=
			    cell_int(t, r, "days_silent"));
	}
	tr_table_free(t);
	/* pairs reported on two days or more, silent for 30 days or more */
	assert_int_equal(tr_query_silent_senders(fx->st, &f, 2, 30, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(*) FROM "
	    "(SELECT p.policy_domain, r.organization_name FROM policies p "
	    "JOIN reports r ON r.id = p.report_ref GROUP BY 1, 2 "
	    "HAVING count(DISTINCT substr(r.start_time, 1, 10)) >= 2 AND "
	    /* 30 days before the latest day, 2026-05-13 */
	    "max(substr(r.start_time, 1, 10)) <= '2026-04-13') x", NULL,
	    NULL));
	tr_table_free(t);
	assert_int_equal(tr_query_silent_senders(fx->st, &f, 1, 100000, &t,
	    &more, &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);
}

static void
test_policies_seen(void **state)
{
	struct fixture *fx = *state;
	struct tr_query_filter f = { .limit = 100 };
	struct tr_table *t;
	struct tr_error err;
	size_t r;
	int more;
	struct tr_stmt *s;

	assert_int_equal(tr_query_policies_seen(fx->st, &f, &t, &more, &err),
	    TR_ERR_SCHEMA);
	f.domain = "example.com";
	assert_int_equal(tr_query_policies_seen(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(*) FROM "
	    "(SELECT DISTINCT policy_type, mx_host, policy_string FROM "
	    "policies WHERE policy_domain = ?1) x", f.domain, NULL));
	for (r = 0; r < tr_table_nrows(t); r++) {
		assert_int_equal(tr_db_prepare(tr_store_conn(fx->st),
		    "SELECT count(DISTINCT report_ref) FROM policies "
		    "WHERE policy_domain = 'example.com' AND policy_type = ?1 "
		    "AND mx_host IS NOT DISTINCT FROM ?2 "
		    "AND policy_string IS NOT DISTINCT FROM ?3", &s, &err),
		    TR_OK);
		assert_int_equal(tr_db_bind_text_or_null(s, 1,
		    cell_text(t, r, "policy_type")), TR_OK);
		assert_int_equal(tr_db_bind_text_or_null(s, 2,
		    cell_text(t, r, "mx_host")), TR_OK);
		assert_int_equal(tr_db_bind_text_or_null(s, 3,
		    cell_text(t, r, "policy_string")), TR_OK);
		assert_int_equal(tr_db_step(s, &err), TR_STEP_ROW);
		assert_int_equal(cell_int(t, r, "reports"),
		    tr_db_col_int64(s, 0));
		tr_db_finalize(s);
		if (r > 0)
			assert_true(strcmp(cell_text(t, r - 1, "last_day"),
			    cell_text(t, r, "last_day")) >= 0);
	}
	tr_table_free(t);
}

static void
test_quarantine_reasons(void **state)
{
	struct fixture *fx = *state;
	struct tr_query_filter f = { .limit = 100 };
	struct tr_table *t;
	struct tr_error err;
	int64_t total = 0;
	size_t r;
	int more;

	assert_int_equal(tr_query_quarantine_reasons(fx->st, &f, &t, &more,
	    &err), TR_OK);
	for (r = 0; r < tr_table_nrows(t); r++) {
		assert_int_equal(cell_int(t, r, "messages"), q_int(fx,
		    "SELECT count(*) FROM quarantine WHERE reason_class = ?1",
		    cell_text(t, r, "reason_class"), NULL));
		total += cell_int(t, r, "messages");
		if (r > 0)
			assert_true(cell_int(t, r - 1, "messages") >=
			    cell_int(t, r, "messages"));
	}
	assert_int_equal(total, q_int(fx, "SELECT count(*) FROM quarantine",
	    NULL, NULL));
	tr_table_free(t);
	/* received 2026-11-20: nothing before */
	f.until = "2026-11-20T00:00:00Z";
	assert_int_equal(tr_query_quarantine_reasons(fx->st, &f, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);
}

static void
test_alert_counts(void **state)
{
	struct fixture *fx = *state;
	struct tr_query_filter f = { .limit = 100 };
	struct tr_table *t;
	struct tr_error err;
	int more;

	tu_sql_exec(fx->st,
	    "INSERT INTO alerts (policy_domain, day, raised_at, failure_rate, "
	    "successful_sessions, failed_sessions, threshold) VALUES "
	    "('example.com', '2026-05-10', '2026-05-10T01:00:00Z', 0.5, 1, 1, 10),"
	    "('example.com', '2026-05-13', '2026-05-13T01:00:00Z', 0.5, 1, 1, 10),"
	    "('random.net', '2026-05-11', '2026-05-11T01:00:00Z', 0.5, 1, 1, 10)");
	assert_int_equal(tr_query_alert_counts(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_table_nrows(t), 2);
	assert_string_equal(cell_text(t, 0, "domain"), "example.com");
	assert_int_equal(cell_int(t, 0, "alerts"), 2);
	assert_string_equal(cell_text(t, 0, "last_day"), "2026-05-13");
	tr_table_free(t);
	/* the range covers days: since included, until excluded */
	f.since = "2026-05-11T00:00:00Z";
	f.until = "2026-05-13T00:00:00Z";
	assert_int_equal(tr_query_alert_counts(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_table_nrows(t), 1);
	assert_string_equal(cell_text(t, 0, "domain"), "random.net");
	tr_table_free(t);
}

static void
test_latest_day_and_type(void **state)
{
	struct fixture *fx = *state;
	struct tr_query_filter f = { .limit = 100, .policy_type = "tlsa" };
	struct tr_table *t;
	struct tr_error err;
	char day[11];
	size_t r;
	int more;

	assert_int_equal(tr_query_latest_day(fx->st, day, &err), TR_OK);
	assert_string_equal(day, "2026-05-13");
	/* a policy type: only the sessions counted under it */
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(DISTINCT "
	    "policy_domain) FROM report_domains WHERE policy_type = 'tlsa'",
	    NULL, NULL));
	for (r = 0; r < tr_table_nrows(t); r++)
		assert_int_equal(cell_int(t, r, "sessions"), q_int(fx,
		    "SELECT sum(successful_sessions + failed_sessions) FROM "
		    "report_domains WHERE policy_type = 'tlsa' AND "
		    "policy_domain = ?1", cell_text(t, r, "domain"), NULL));
	tr_table_free(t);
	assert_int_equal(tr_query_reports(fx->st, &f, &t, &more, &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(DISTINCT "
	    "report_ref) FROM report_domains WHERE policy_type = 'tlsa'",
	    NULL, NULL));
	tr_table_free(t);
}

static void
test_latest_day_empty(void **state)
{
	char dir[] = "/tmp/tlsrptd-qdash-empty-XXXXXX", path[256], day[11];
	struct tr_store *st;
	struct tr_error err;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/e.db", dir);
	assert_int_equal(tr_store_open(path, 0, &st, &err), TR_OK);
	memcpy(day, "x", 2);
	assert_int_equal(tr_query_latest_day(st, day, &err), TR_OK);
	assert_string_equal(day, "");
	tr_store_close(st);
	tu_rmtree(dir);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_senders),
		T(test_failures_daily),
		T(test_silent_senders),
		T(test_policies_seen),
		T(test_quarantine_reasons),
		T(test_alert_counts),
		T(test_latest_day_and_type),
		cmocka_unit_test(test_latest_day_empty),
	};
#undef T

	return tu_run_groups("test_query_dashboard", tests,
	    sizeof(tests) / sizeof(tests[0]));
}
