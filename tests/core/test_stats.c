/* test_stats.c - verdict tallies against the SQL views; the daemon's metric families */
#include <sys/stat.h>

#include <glob.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zlib.h>

#include "store_fixture.h"

#include "daemon.h"
#include "limits.h"
#include "log.h"
#include "pipeline.h"
#include "stats.h"
#include "store.h"

static int
setup(void **state)
{
	*state = tu_store_new("stats");
	assert_int_equal(tr_log_open("/dev/null", TR_LOG_ERROR), 0);
	return 0;
}

static int
teardown(void **state)
{
	tu_store_free(*state);
	tr_log_close();
	return 0;
}

/* record - analyse and record buf in its own transaction */
static void
record(struct tu_store *fx, const unsigned char *buf, size_t len,
    enum tr_input kind, const char *hint, struct tr_verdict *v)
{
	struct tr_analysis a;
	struct tr_origin o;
	struct tr_error err;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = hint;
	o.received_at = 1700000000;
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	tr_analyse(buf, len, kind, hint, &fx->limits, &a);
	assert_int_equal(tr_record(fx->st, &a, buf, len, &o, v), TR_OK);
	tr_analysis_free(&a);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
}

/* sql_i64 - one integer from a query with up to three text parameters */
static int64_t
sql_i64(sqlite3 *db, const char *q, const char *a, const char *b,
    const char *c)
{
	sqlite3_stmt *st;
	int64_t v;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (c != NULL)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: no row", q);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The failed sessions of every detail of the domain, repeats once. */
#define Q_FAILED_BY_TYPE \
	"SELECT coalesce(sum(f.failed_sessions), 0) " \
	"  FROM report_domain_sessions s JOIN policies p " \
	"    ON p.report_ref = s.report_ref " \
	"   AND p.policy_domain = s.policy_domain " \
	"  JOIN failure_details f ON f.policy_ref = p.id " \
	"   AND f.repeated = 0 " \
	" WHERE s.report_ref = ?1 AND s.policy_domain = ?2 AND "

/*
 * check_tallies - each tally of v (the newest report's) is what the
 * report_domain_sessions view says for the report and domain, its failures
 * by result-type every detail of the domain not marked a repeat. Returns the
 * number of domains reported under more than one policy type.
 */
static size_t
check_tallies(sqlite3 *db, const struct tr_verdict *v)
{
	const struct tr_tally *t;
	char rid[32];
	size_t j, multi = 0;
	int k;

	snprintf(rid, sizeof(rid), "%lld", (long long)sql_i64(db,
	    "SELECT max(id) FROM reports WHERE ?1 IS ?2", NULL, NULL, NULL));
	assert_int_equal((int64_t)v->ntallies, sql_i64(db,
	    "SELECT count(*) FROM report_domain_sessions WHERE "
	    "report_ref = ?1 AND ?2 IS NULL", rid, NULL, NULL));
	for (j = 0; j < v->ntallies; j++) {
		t = &v->tallies[j];
		if (t->policy_domain == NULL)
			continue;
		if (sql_i64(db, "SELECT count(DISTINCT policy_type) FROM "
		    "policies WHERE report_ref = ?1 AND policy_domain = ?2",
		    rid, t->policy_domain, NULL) > 1)
			multi++;
		assert_int_equal(t->successful, sql_i64(db,
		    "SELECT successful_sessions FROM report_domain_sessions "
		    "WHERE report_ref = ?1 AND policy_domain = ?2", rid,
		    t->policy_domain, NULL));
		assert_int_equal(t->failed, sql_i64(db,
		    "SELECT failed_sessions FROM report_domain_sessions "
		    "WHERE report_ref = ?1 AND policy_domain = ?2", rid,
		    t->policy_domain, NULL));
		assert_int_equal(sql_i64(db, "SELECT date(start_time) = ?2 "
		    "FROM reports WHERE id = ?1", rid, t->day, NULL), 1);
		for (k = 0; k < TR_RESULT_TYPES; k++)
			assert_int_equal(t->failed_by_type[k],
			    sql_i64(db, Q_FAILED_BY_TYPE "f.result_type = ?3",
			    rid, t->policy_domain, tr_result_type_name(k)));
		assert_int_equal(t->failed_by_type[TR_RESULT_TYPES],
		    sql_i64(db, Q_FAILED_BY_TYPE "f.result_type_known = 0",
		    rid, t->policy_domain, NULL));
	}
	return multi;
}

/* test_tallies_match_views - every corpus report against the views */
static void
test_tallies_match_views(void **state)
{
	struct tu_store *fx = *state;
	struct tr_verdict v;
	glob_t g;
	unsigned char *buf;
	size_t i, len, ntallies = 0, multi = 0;

	assert_int_equal(glob(TESTDIR "/corpus/*.json", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		buf = tu_read(g.gl_pathv[i], &len);
		record(fx, buf, len, TR_INPUT_REPORT, g.gl_pathv[i], &v);
		free(buf);
		if (v.stored == 0)
			assert_int_equal(v.ntallies, 0);
		else
			multi += check_tallies(tr_store_db(fx->st), &v);
		ntallies += v.ntallies;
		tr_verdict_free(&v);
		assert_null(v.tallies);
	}
	globfree(&g);
	assert_true(ntallies >= 10);
	/* the Microsoft sample: one domain under a tlsa and an sts policy */
	assert_true(multi >= 1);
}

#define POLICY(type, domain, ok, failed, rt, n) \
	"{\"policy\":{\"policy-type\":\"" type "\",\"policy-domain\":\"" \
	domain "\"},\"summary\":{\"total-successful-session-count\":" #ok \
	",\"total-failure-session-count\":" #failed "},\"failure-details\":" \
	"[{\"result-type\":\"" rt "\",\"failed-session-count\":" #n "}]}"

/*
 * test_tallies_pick_a_policy_type - one domain under several policy types
 * is counted once: the type with the most sessions, on a tie the one with
 * the most failures; policies of one type add up
 */
static void
test_tallies_pick_a_policy_type(void **state)
{
	static const char json[] =
	    "{\"organization-name\":\"T\",\"report-id\":\"pick-1\","
	    "\"contact-info\":\"t@t.example\",\"date-range\":"
	    "{\"start-datetime\":\"2026-03-04T00:00:00Z\","
	    "\"end-datetime\":\"2026-03-04T23:59:59Z\"},\"policies\":["
	    /* most sessions: tlsa (12 against 10) */
	    POLICY("tlsa", "a.example", 10, 2, "dane-required", 2) ","
	    POLICY("sts", "a.example", 9, 1, "sts-policy-invalid", 1) ","
	    /* a tie at 6: the most failures, sts */
	    POLICY("tlsa", "b.example", 5, 1, "tlsa-invalid", 1) ","
	    POLICY("sts", "b.example", 4, 2, "certificate-expired", 2) ","
	    /* one type twice: added up, an unknown result-type */
	    POLICY("sts", "c.example", 1, 1, "made-up-type", 1) ","
	    POLICY("sts", "c.example", 2, 3, "certificate-expired", 3) "]}";
	struct tu_store *fx = *state;
	struct tr_verdict v;

	record(fx, (const unsigned char *)json, strlen(json), TR_INPUT_REPORT,
	    NULL, &v);
	assert_int_equal(v.stored, 1);
	assert_int_equal(v.ntallies, 3);
	assert_int_equal(check_tallies(tr_store_db(fx->st), &v), 2);
	assert_string_equal(v.tallies[0].policy_domain, "a.example");
	assert_string_equal(v.tallies[0].day, "2026-03-04");
	assert_int_equal(v.tallies[0].successful, 10);
	assert_int_equal(v.tallies[0].failed, 2);
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("dane-required")], 2);
	/* the sts policy's own failure is not hidden */
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("sts-policy-invalid")], 1);
	assert_string_equal(v.tallies[1].policy_domain, "b.example");
	assert_int_equal(v.tallies[1].successful, 4);
	assert_int_equal(v.tallies[1].failed, 2);
	assert_int_equal(v.tallies[1].failed_by_type[
	    tr_result_type_index("certificate-expired")], 2);
	assert_int_equal(v.tallies[1].failed_by_type[
	    tr_result_type_index("tlsa-invalid")], 1);
	assert_string_equal(v.tallies[2].policy_domain, "c.example");
	assert_int_equal(v.tallies[2].successful, 3);
	assert_int_equal(v.tallies[2].failed, 4);
	assert_int_equal(v.tallies[2].failed_by_type[TR_RESULT_TYPES], 1);
	assert_int_equal(v.tallies[2].failed_by_type[
	    tr_result_type_index("certificate-expired")], 3);
	tr_verdict_free(&v);
}

/* gzip_at - json gzipped with mtime in its header (a sender's retry made
 * at another second); returns the length, the bytes in out */
static size_t
gzip_at(const char *json, unsigned long mtime, unsigned char *out,
    size_t outsz)
{
	z_stream z;
	gz_header h;

	memset(&z, 0, sizeof(z));
	memset(&h, 0, sizeof(h));
	h.time = mtime;
	h.os = 3;
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	assert_int_equal(deflateSetHeader(&z, &h), Z_OK);
	z.next_in = (unsigned char *)json;
	z.avail_in = (uInt)strlen(json);
	z.next_out = out;
	z.avail_out = (uInt)outsz;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return outsz - z.avail_out;
}

/* test_quarantine_one_row_per_content - retries of one invalid report in
 * gzip bodies that differ only in their header time are one quarantine
 * row, counted; so is another copy of the same organization and
 * report-id; another report is a row of its own */
static void
test_quarantine_one_row_per_content(void **state)
{
#define BAD(id, extra) "{\"organization-name\":\"Org\",\"report-id\":\"" \
	id "\",\"date-range\":{\"start-datetime\":\"2026-03-04T00:00:00Z\"," \
	"\"end-datetime\":\"2026-03-04T23:59:59Z\"},\"policies\":[{\"policy\":" \
	"{\"policy-type\":\"sts\",\"policy-domain\":\"a.example\"}," \
	"\"summary\":{\"total-successful-session-count\":1" extra "}}]}"
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	unsigned char gz1[1024], gz2[1024];
	size_t n1, n2;
	struct tr_verdict v;
	int64_t first;
	const char *other = BAD("q-1", ",\"x\":1");
	const char *third = BAD("q-2", "");

	n1 = gzip_at(BAD("q-1", ""), 1700000000, gz1, sizeof(gz1));
	n2 = gzip_at(BAD("q-1", ""), 1700000007, gz2, sizeof(gz2));
	assert_true(n1 != n2 || memcmp(gz1, gz2, n1) != 0);

	record(fx, gz1, n1, TR_INPUT_REPORT, NULL, &v);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	first = v.quarantine_id;
	assert_true(first > 0);
	tr_verdict_free(&v);
	record(fx, gz2, n2, TR_INPUT_REPORT, NULL, &v);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(v.quarantine_id, first);
	tr_verdict_free(&v);
	assert_int_equal(sql_i64(db, "SELECT count(*) FROM quarantine WHERE "
	    "?1 IS ?2", NULL, NULL, NULL), 1);
	assert_int_equal(sql_i64(db, "SELECT times_seen FROM quarantine WHERE "
	    "?1 IS ?2", NULL, NULL, NULL), 2);
	assert_int_equal(sql_i64(db, "SELECT last_seen_at IS NOT NULL AND "
	    "organization_name = 'Org' AND report_id = 'q-1' AND "
	    "length(content_sha256) = 64 FROM quarantine WHERE ?1 IS ?2",
	    NULL, NULL, NULL), 1);

	/* other bytes, the same report key */
	record(fx, (const unsigned char *)other, strlen(other),
	    TR_INPUT_REPORT, NULL, &v);
	assert_int_equal(v.quarantine_id, first);
	tr_verdict_free(&v);
	assert_int_equal(sql_i64(db, "SELECT times_seen FROM quarantine WHERE "
	    "?1 IS ?2", NULL, NULL, NULL), 3);

	/* another report */
	record(fx, (const unsigned char *)third, strlen(third),
	    TR_INPUT_REPORT, NULL, &v);
	assert_true(v.quarantine_id != first);
	tr_verdict_free(&v);
	assert_int_equal(sql_i64(db, "SELECT count(*) FROM quarantine WHERE "
	    "?1 IS ?2", NULL, NULL, NULL), 2);
#undef BAD
}

/* test_not_ours - with the site's domains, a report about none of them is
 * quarantined as not-ours; one about an MX host below them is ours */
static void
test_not_ours(void **state)
{
#define REPORT(id, domain) "{\"organization-name\":\"T\",\"report-id\":\"" \
	id "\",\"contact-info\":\"t@t.example\",\"date-range\":" \
	"{\"start-datetime\":\"2026-03-04T00:00:00Z\"," \
	"\"end-datetime\":\"2026-03-04T23:59:59Z\"},\"policies\":[" \
	POLICY("tlsa", domain, 5, 0, "dane-required", 0) "]}"
	static const char ours[] = REPORT("o-1", "mx1.example.net");
	static const char theirs[] = REPORT("t-1", "example.org");
	static const char *const own[] = { "example.net" };
	struct tu_store *fx = *state;
	struct tr_analysis a;
	struct tr_origin o;
	struct tr_verdict v;
	struct tr_error err;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_HTTPS;
	o.received_at = 1700000000;
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	tr_analyse((const unsigned char *)ours, strlen(ours), TR_INPUT_REPORT,
	    NULL, &fx->limits, &a);
	tr_analysis_own_domains(&a, own, 1);
	assert_int_equal(tr_record(fx->st, &a, (const unsigned char *)ours,
	    strlen(ours), &o, &v), TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_STORED);
	tr_verdict_free(&v);
	tr_analysis_free(&a);
	tr_analyse((const unsigned char *)theirs, strlen(theirs),
	    TR_INPUT_REPORT, NULL, &fx->limits, &a);
	tr_analysis_own_domains(&a, own, 1);
	assert_int_equal(tr_record(fx->st, &a, (const unsigned char *)theirs,
	    strlen(theirs), &o, &v), TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(v.err.code, TR_ERR_NOT_OURS);
	assert_string_equal(v.err.msg, "the report is about example.org, none "
	    "of them in domains (tlsrptd.conf)");
	tr_verdict_free(&v);
	tr_analysis_free(&a);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
	assert_int_equal(sql_i64(tr_store_db(fx->st), "SELECT count(*) FROM "
	    "quarantine WHERE reason_class = 'not-ours' AND report_id = 't-1' "
	    "AND ?1 IS ?2", NULL, NULL, NULL), 1);
#undef REPORT
}

/* test_duplicate_and_failed - no tallies for what was not newly stored */
static void
test_duplicate_and_failed(void **state)
{
	struct tu_store *fx = *state;
	struct tr_verdict v;
	struct tr_error why;
	unsigned char *buf;
	size_t len;

	buf = tu_read("corpus/parsedmarc__rfc8460.json", &len);
	record(fx, buf, len, TR_INPUT_REPORT, NULL, &v);
	assert_int_equal(v.stored, 1);
	assert_int_equal(v.ntallies, 1);
	assert_string_equal(v.tallies[0].policy_domain, "company-y.example");
	assert_string_equal(v.tallies[0].day, "2016-04-01");
	assert_int_equal(v.tallies[0].successful, 5326);
	assert_int_equal(v.tallies[0].failed, 303);
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("certificate-expired")], 100);
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("starttls-not-supported")], 200);
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("validation-failure")], 3);
	assert_int_equal(v.tallies[0].failed_by_type[TR_RESULT_TYPES], 0);
	tr_error_set(&why, TR_ERR_STORE, "disk full");
	tr_verdict_fail(&v, &why);
	assert_null(v.tallies);
	assert_int_equal(v.ntallies, 0);
	tr_verdict_free(&v);

	record(fx, buf, len, TR_INPUT_REPORT, NULL, &v);
	assert_int_equal(v.duplicates, 1);
	assert_int_equal(v.ntallies, 0);
	tr_verdict_free(&v);
	free(buf);
}

/* render - the stats text with the given queue figures */
static char *
render(struct tr_stats *s, unsigned long queued)
{
	struct tr_daemon_stats ds;
	char *out;
	size_t len;

	memset(&ds, 0, sizeof(ds));
	ds.queued = queued;
	ds.queue_limit = 1000;
	ds.refused = 2;
	assert_int_equal(tr_stats_render(s, &ds, &out, &len), 0);
	return out;
}

/* has - out contains the line */
static void
has(const char *out, const char *line)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "\n%s\n", line);
	if (strstr(out, buf) == NULL)
		fail_msg("no line [%s] in:\n%s", line, out);
}

/* test_stats_families - a verdict's numbers in the families */
static void
test_stats_families(void **state)
{
	struct tr_stats *s = tr_stats_new();
	struct tr_verdict v;
	struct tr_tally t[2];
	char *out;

	assert_non_null(s);
	memset(&v, 0, sizeof(v));
	memset(t, 0, sizeof(t));
	t[0].policy_domain = "a.example";
	strcpy(t[0].day, "2026-01-01");
	t[0].successful = 90;
	t[0].failed = 10;
	t[0].failed_by_type[tr_result_type_index("dane-required")] = 7;
	t[0].failed_by_type[TR_RESULT_TYPES] = 3;
	t[1].policy_domain = "b\"x\".example";
	t[1].successful = 5;
	v.outcome = TR_OUTCOME_STORED;
	v.stored = 2;
	v.duplicates = 1;
	v.invalid = 1;
	v.err.code = TR_ERR_GZIP_TRUNCATED;
	v.tallies = t;
	v.ntallies = 2;
	tr_stats_received(s, TR_WAY_MILTER);
	tr_stats_received(s, TR_WAY_UNKNOWN);
	tr_stats_verdict(s, TR_WAY_MILTER, &v);
	v.outcome = TR_OUTCOME_TEMPFAIL;	/* nothing but the outcome */
	tr_stats_verdict(s, TR_WAY_HTTPS, &v);
	tr_stats_pipeline(s, 0.003);
	tr_stats_commit(s, 2, 1, 0.002);
	tr_stats_commit(s, 1, 0, 5);
	tr_stats_alert(s);
	tr_stats_alert_command(s, "timeout");
	out = render(s, 3);
	has(out, "tlsrptd_messages_received_total{way_in=\"milter\"} 1");
	has(out, "tlsrptd_messages_received_total{way_in=\"other\"} 1");
	has(out, "tlsrptd_messages_total{way_in=\"milter\",outcome=\"stored\"} 1");
	has(out, "tlsrptd_messages_total{way_in=\"https\",outcome=\"tempfail\"} 1");
	has(out, "tlsrptd_reports_total{status=\"stored\"} 2");
	has(out, "tlsrptd_reports_total{status=\"duplicate\"} 1");
	has(out, "tlsrptd_quarantined_total{reason_class=\"gzip-truncated\"} 1");
	has(out, "tlsrptd_sessions_total{policy_domain=\"a.example\",result=\"successful\"} 90");
	has(out, "tlsrptd_sessions_total{policy_domain=\"a.example\",result=\"failed\"} 10");
	has(out, "tlsrptd_sessions_total{policy_domain=\"b\\\"x\\\".example\",result=\"successful\"} 5");
	has(out, "tlsrptd_failed_sessions_by_result_type_total{policy_domain=\"a.example\",result_type=\"dane-required\"} 7");
	has(out, "tlsrptd_failed_sessions_by_result_type_total{policy_domain=\"a.example\",result_type=\"other\"} 3");
	has(out, "tlsrptd_pipeline_duration_seconds_bucket{le=\"0.0025\"} 0");
	has(out, "tlsrptd_pipeline_duration_seconds_bucket{le=\"0.005\"} 1");
	has(out, "tlsrptd_commit_duration_seconds_count 1");
	has(out, "tlsrptd_commit_messages_sum 3");
	has(out, "tlsrptd_commits_total{result=\"committed\"} 1");
	has(out, "tlsrptd_commits_total{result=\"failed\"} 1");
	has(out, "tlsrptd_queue_depth 3");
	has(out, "tlsrptd_queue_limit 1000");
	has(out, "tlsrptd_messages_refused_total 2");
	has(out, "tlsrptd_failure_rate_alerts_total 1");
	has(out, "tlsrptd_alert_commands_total{result=\"timeout\"} 1");
	has(out, "# TYPE tlsrptd_pipeline_duration_seconds histogram");
	free(out);
	tr_stats_free(s);
}

/* test_stats_domain_bound - past TR_STATS_MAX_DOMAINS, domains are "other",
 * the same in every family */
static void
test_stats_domain_bound(void **state)
{
	struct tr_stats *s = tr_stats_new();
	struct tr_verdict v;
	struct tr_tally t;
	char name[64], line[256], *out, *p;
	int i, n = 0;

	memset(&v, 0, sizeof(v));
	v.outcome = TR_OUTCOME_STORED;
	v.tallies = &t;
	v.ntallies = 1;
	for (i = 0; i < TR_STATS_MAX_DOMAINS + 50; i++) {
		memset(&t, 0, sizeof(t));
		snprintf(name, sizeof(name), "d%03d.example", i);
		t.policy_domain = name;
		t.successful = 1;
		t.failed = 1;
		t.failed_by_type[0] = 1;
		tr_stats_verdict(s, TR_WAY_MILTER, &v);
	}
	out = render(s, 0);
	snprintf(line, sizeof(line), "tlsrptd_sessions_total{policy_domain="
	    "\"d%03d.example\",result=\"failed\"} 1", TR_STATS_MAX_DOMAINS - 1);
	has(out, line);
	has(out, "tlsrptd_sessions_total{policy_domain=\"other\",result=\"failed\"} 50");
	snprintf(line, sizeof(line), "tlsrptd_failed_sessions_by_result_type_total"
	    "{policy_domain=\"other\",result_type=\"%s\"} 50",
	    tr_result_type_name(0));
	has(out, line);
	for (p = out; (p = strstr(p, "\ntlsrptd_sessions_total{")) != NULL; p++)
		n++;
	assert_int_equal(n, 2 * (TR_STATS_MAX_DOMAINS + 1));
	free(out);
	tr_stats_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tallies_match_views,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tallies_pick_a_policy_type,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_quarantine_one_row_per_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_and_failed,
		    setup, teardown),
		cmocka_unit_test(test_stats_families),
		cmocka_unit_test(test_stats_domain_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
