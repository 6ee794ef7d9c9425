/* test_retention.c - retention: the cut-off times, pruning an empty and a
 * populated store at the exact edges, in bounded steps, a store that
 * cannot write, and the pruner's timer and log line */
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "store_target.h"

#include "log.h"
#include "pipeline.h"
#include "retention.h"

#define NOW	1795132800	/* 2026-11-20T00:00:00Z */
#define DAY	86400

static int
setup(void **state)
{
	*state = tu_store_logged(tu_store_new_on("retention"));
	return 0;
}

/* q_int - one integer from the store */
static int64_t
q_int(struct tu_store *fx, const char *sql)
{
	return tu_sql_int(fx->st, sql, NULL, NULL);
}

/* add_report - store a report id covering start..end */
static void
add_report(struct tu_store *fx, const char *id, const char *start,
    const char *end)
{
	struct tr_analysis a;
	struct tr_verdict v;
	struct tr_origin o;
	struct tr_error err;
	char json[1024];
	int n;

	n = snprintf(json, sizeof(json), "{\"organization-name\":\"Org\","
	    "\"date-range\":{\"start-datetime\":\"%s\",\"end-datetime\":"
	    "\"%s\"},\"contact-info\":\"tlsrpt@org.example\",\"report-id\":"
	    "\"%s\",\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\"],\"policy-domain\":"
	    "\"example.com\",\"mx-host\":[\"mx.example.com\"]},\"summary\":"
	    "{\"total-successful-session-count\":5,"
	    "\"total-failure-session-count\":1},\"failure-details\":[{"
	    "\"result-type\":\"certificate-expired\",\"sending-mta-ip\":"
	    "\"192.0.2.1\",\"receiving-mx-hostname\":\"mx.example.com\","
	    "\"failed-session-count\":1}]}]}", start, end, id);
	assert_true(n > 0 && (size_t)n < sizeof(json));
	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = id;
	o.received_at = NOW;
	tr_analyse((unsigned char *)json, (size_t)n, TR_INPUT_REPORT, NULL,
	    &fx->limits, &a);
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	assert_int_equal(tr_record(fx->st, &a, (unsigned char *)json,
	    (size_t)n, &o, &v), TR_OK);
	if (v.outcome != TR_OUTCOME_STORED)
		fail_msg("%s not stored: %s", id, v.err.msg);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
	tr_verdict_free(&v);
	tr_analysis_free(&a);
}

/* add_quarantined - quarantine a message named id received at t */
static void
add_quarantined(struct tu_store *fx, const char *id, int64_t t)
{
	struct tr_origin o;
	struct tr_error err;
	int64_t rowid;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = id;
	o.received_at = t;
	if (tr_store_put_quarantine(fx->st, &o, (const unsigned char *)id,
	    strlen(id), "no-report-part", "no report", NULL, &rowid,
	    &err) != TR_OK)
		fail_msg("%s: %s", id, err.msg);
}

/*
 * populate - around the cuts of 1 day (reports) and 2 days (quarantine)
 * before NOW: one of each past its cut, one exactly at it (kept: only what
 * is older goes), and newer ones.
 */
static void
populate(struct tu_store *fx)
{
	add_report(fx, "old", "2026-11-18T00:00:00Z", "2026-11-18T23:59:59Z");
	add_report(fx, "edge", "2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z");
	add_report(fx, "across", "2026-11-18T00:00:00Z",
	    "2026-11-19T00:00:01Z");
	add_report(fx, "new", "2026-11-19T00:00:00Z", "2026-11-19T23:59:59Z");
	add_quarantined(fx, "q-old", NOW - 2 * DAY - 1);
	add_quarantined(fx, "q-edge", NOW - 2 * DAY);
	add_quarantined(fx, "q-new", NOW - DAY);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM policies"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM failure_details"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM report_domains"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 3);
}

/* test_cutoffs - now minus the days, "" for 0 (kept) and for a retention
 * reaching before year 0 (nothing is that old) */
static void
test_cutoffs(void **state)
{
	struct tr_retention r = { .report_days = 1, .quarantine_days = 2 };
	char rc[32], qc[32];

	tr_retention_cutoffs(&r, NOW, rc, qc);
	assert_string_equal(rc, "2026-11-19T00:00:00Z");
	assert_string_equal(qc, "2026-11-18T00:00:00Z");
	r.report_days = 365;
	r.quarantine_days = 0;
	tr_retention_cutoffs(&r, NOW + 1, rc, qc);
	assert_string_equal(rc, "2025-11-20T00:00:01Z");
	assert_string_equal(qc, "");
	r.report_days = 0;
	r.quarantine_days = 4000000000u;
	tr_retention_cutoffs(&r, NOW, rc, qc);
	assert_string_equal(rc, "");
	assert_string_equal(qc, "");
}

/* test_empty_store - nothing to count or remove, no transaction left open */
static void
test_empty_store(void **state)
{
	struct tu_store *fx = *state;
	struct tr_retention r = { .report_days = 1, .quarantine_days = 1 };
	struct tr_pruned done = { 0 }, count;
	struct tr_error err;
	int more = -1;

	assert_int_equal(tr_prune_count(fx->st, &r, NOW, &count, &err), TR_OK);
	assert_int_equal(count.reports, 0);
	assert_int_equal(count.quarantined, 0);
	assert_int_equal(tr_prune_step(fx->st, &r, NOW, 500, &done, &more,
	    &err), TR_OK);
	assert_int_equal(done.reports, 0);
	assert_int_equal(done.quarantined, 0);
	assert_int_equal(more, 0);
	assert_false(tr_db_in_transaction(tr_store_conn(fx->st)));
}

/* test_populated - exactly what is older than the cut goes, with its
 * policies, failure details and domain rows, in steps of max rows */
static void
test_populated(void **state)
{
	struct tu_store *fx = *state;
	struct tr_retention r = { .report_days = 1, .quarantine_days = 2 };
	struct tr_pruned done = { 0 }, count;
	struct tr_error err;
	int more;

	populate(fx);
	assert_int_equal(tr_prune_count(fx->st, &r, NOW, &count, &err), TR_OK);
	assert_int_equal(count.reports, 1);
	assert_int_equal(count.quarantined, 1);

	/* one row a step: the report, then the message, then nothing */
	assert_int_equal(tr_prune_step(fx->st, &r, NOW, 1, &done, &more, &err),
	    TR_OK);
	assert_int_equal(done.reports, 1);
	assert_int_equal(done.quarantined, 0);
	assert_true(more);
	assert_int_equal(tr_prune_step(fx->st, &r, NOW, 1, &done, &more, &err),
	    TR_OK);
	assert_int_equal(done.reports, 1);
	assert_int_equal(done.quarantined, 1);
	assert_true(more);
	assert_int_equal(tr_prune_step(fx->st, &r, NOW, 1, &done, &more, &err),
	    TR_OK);
	assert_int_equal(done.reports, 1);
	assert_int_equal(done.quarantined, 1);
	assert_false(more);

	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports WHERE "
	    "report_id = 'old'"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports WHERE "
	    "report_id IN ('edge', 'across', 'new')"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM policies"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM failure_details"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM report_domains"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine WHERE "
	    "source IN ('q-edge', 'q-new')"), 2);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 2);
	assert_int_equal(tr_prune_count(fx->st, &r, NOW, &count, &err), TR_OK);
	assert_int_equal(count.reports, 0);
	assert_int_equal(count.quarantined, 0);

	/* a second later the rows at the edge are past it */
	memset(&done, 0, sizeof(done));
	assert_int_equal(tr_prune_step(fx->st, &r, NOW + 1, 500, &done, &more,
	    &err), TR_OK);
	assert_int_equal(done.reports, 1);
	assert_int_equal(done.quarantined, 1);
	assert_false(more);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports WHERE "
	    "report_id = 'edge'"), 0);
}

/* test_kept - no retention, or no rows allowed: nothing goes */
static void
test_kept(void **state)
{
	struct tu_store *fx = *state;
	struct tr_retention keep = { 0, 0 };
	struct tr_retention r = { .report_days = 1, .quarantine_days = 2 };
	struct tr_pruned done = { 0 }, count;
	struct tr_error err;
	int more = -1;

	populate(fx);
	assert_int_equal(tr_prune_count(fx->st, &keep, NOW + 1000 * DAY,
	    &count, &err), TR_OK);
	assert_int_equal(count.reports, 0);
	assert_int_equal(count.quarantined, 0);
	assert_int_equal(tr_prune_step(fx->st, &keep, NOW + 1000 * DAY, 500,
	    &done, &more, &err), TR_OK);
	assert_int_equal(more, 0);
	more = -1;
	assert_int_equal(tr_prune_step(fx->st, &r, NOW, 0, &done, &more, &err),
	    TR_OK);
	assert_int_equal(more, 0);
	assert_int_equal(done.reports, 0);
	assert_int_equal(done.quarantined, 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 3);
}

/* test_store_fails - a store that cannot write: TR_ERR_STORE with the
 * reason, nothing removed, nothing counted, no transaction left open */
static void
test_store_fails(void **state)
{
	struct tu_store *fx = *state;
	struct tr_retention r = { .report_days = 1, .quarantine_days = 2 };
	struct tr_pruned done = { 0 }, count;
	struct tr_error err;
	int more;

	populate(fx);
	tr_store_close(fx->st);
	if (tr_store_open(fx->db, TR_STORE_READONLY, &fx->st, &err) != TR_OK)
		fail_msg("read-only open: %s", err.msg);
	/* counting only reads */
	assert_int_equal(tr_prune_count(fx->st, &r, NOW, &count, &err), TR_OK);
	assert_int_equal(count.reports, 1);
	tr_error_clear(&err);
	assert_int_equal(tr_prune_step(fx->st, &r, NOW, 500, &done, &more,
	    &err), TR_ERR_STORE);
	assert_int_equal(err.code, TR_ERR_STORE);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(done.reports, 0);
	assert_int_equal(done.quarantined, 0);
	assert_false(tr_db_in_transaction(tr_store_conn(fx->st)));
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 3);
}

/* test_pruner_defaults - the documented values, nothing retained */
static void
test_pruner_defaults(void **state)
{
	struct tr_pruner_settings s;

	memset(&s, 0xff, sizeof(s));
	tr_pruner_defaults(&s);
	assert_int_equal(s.step_rows, 500);
	assert_int_equal(s.interval, 3600);
	assert_int_equal(s.first_delay_ms, 5000);
	assert_int_equal(s.step_delay_ms, 50);
	assert_int_equal(s.retention.report_days, 0);
	assert_int_equal(s.retention.quarantine_days, 0);
	assert_null(s.on_run);
	assert_null(s.daemon);
}

struct run_seen {
	struct event_base *base;
	struct tr_pruned run;
	int runs;
};

static void
on_run(const struct tr_pruned *run, void *arg)
{
	struct run_seen *rs = arg;

	rs->run = *run;
	rs->runs++;
	event_base_loopbreak(rs->base);
}

/* count_pruned - "pruned" lines in the log; the last one's fields */
static int
count_pruned(struct tu_store *fx, int64_t *reports, int64_t *quarantined)
{
	unsigned char *log;
	struct json_object *o, *v;
	char *line, *save = NULL;
	size_t len;
	int n = 0;

	log = tu_read(fx->log, &len);
	for (line = strtok_r((char *)log, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_non_null(o = json_tokener_parse(line));
		if (json_object_object_get_ex(o, "event", &v) &&
		    strcmp(json_object_get_string(v), "pruned") == 0) {
			n++;
			assert_true(json_object_object_get_ex(o, "reports",
			    &v));
			*reports = json_object_get_int64(v);
			assert_true(json_object_object_get_ex(o, "quarantined",
			    &v));
			*quarantined = json_object_get_int64(v);
		}
		json_object_put(o);
	}
	free(log);
	return n;
}

/* commit_later - the timer that ends the test's own transaction */
static void
commit_later(evutil_socket_t fd, short what, void *arg)
{
	struct tu_store *fx = arg;
	struct tr_error err;

	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
}

/* test_pruner - a run removes what is due in steps and logs one "pruned"
 * line; it waits while a transaction of the caller is open; a run with
 * nothing due logs nothing */
static void
test_pruner(void **state)
{
	struct tu_store *fx = *state;
	struct timeval later = { 0, 100 * 1000 };
	struct tr_pruner_settings s;
	struct run_seen rs = { 0 };
	struct tr_pruner *p;
	struct tr_error err;
	struct event *ev;
	int64_t reports = -1, quarantined = -1;

	/* three reports and three messages long past any retention, one of
	 * each far ahead of the clock */
	add_report(fx, "r1", "2020-01-01T00:00:00Z", "2020-01-01T23:59:59Z");
	add_report(fx, "r2", "2020-01-02T00:00:00Z", "2020-01-02T23:59:59Z");
	add_report(fx, "r3", "2020-01-03T00:00:00Z", "2020-01-03T23:59:59Z");
	add_report(fx, "future", "2099-01-01T00:00:00Z",
	    "2099-01-01T23:59:59Z");
	add_quarantined(fx, "q1", 0);
	add_quarantined(fx, "q2", 1577836800);	/* 2020 */
	add_quarantined(fx, "q3", 1577836801);
	add_quarantined(fx, "q-future", 4070908800);	/* 2099 */
	assert_non_null(rs.base = event_base_new());
	tr_pruner_defaults(&s);
	s.retention.report_days = 1;
	s.retention.quarantine_days = 1;
	s.step_rows = 2;
	s.first_delay_ms = 0;
	s.step_delay_ms = 1;
	s.on_run = on_run;
	s.on_run_arg = &rs;

	/* a transaction of ours is open: the pruner must wait for it */
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	assert_non_null(ev = evtimer_new(rs.base, commit_later, fx));
	evtimer_add(ev, &later);
	assert_non_null(p = tr_pruner_start(rs.base, fx->st, &s));
	assert_int_equal(event_base_dispatch(rs.base), 0);
	assert_int_equal(rs.runs, 1);
	assert_false(tr_db_in_transaction(tr_store_conn(fx->st)));
	assert_int_equal(rs.run.reports, 3);
	assert_int_equal(rs.run.quarantined, 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports WHERE "
	    "report_id = 'future'"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine WHERE "
	    "source = 'q-future'"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 1);
	assert_int_equal(count_pruned(fx, &reports, &quarantined), 1);
	assert_int_equal(reports, 3);
	assert_int_equal(quarantined, 3);
	tr_pruner_free(p);

	/* nothing due any more: a run, no line */
	assert_non_null(p = tr_pruner_start(rs.base, fx->st, &s));
	assert_int_equal(event_base_dispatch(rs.base), 0);
	assert_int_equal(rs.runs, 2);
	assert_int_equal(rs.run.reports, 0);
	assert_int_equal(rs.run.quarantined, 0);
	assert_int_equal(count_pruned(fx, &reports, &quarantined), 1);
	tr_pruner_free(p);
	event_free(ev);
	event_base_free(rs.base);
}

/*
 * test_prune_lock - on a shared PostgreSQL store one connection at a time
 * holds the retention lock, and a pruner that finds it taken skips its run
 * with a log line; SQLite has nothing to take: both connections prune
 */
static void
test_prune_lock(void **state)
{
	struct tu_store *fx = *state;
	struct tr_pruner_settings s;
	struct run_seen rs = { 0 };
	struct tr_pruned due;
	struct tr_store *other;
	struct tr_pruner *p;
	struct tr_error err;
	unsigned char *log;
	size_t len;
	int held, shared = tu_target != NULL;

	populate(fx);
	if (tr_store_open(fx->db, 0, &other, &err) != TR_OK)
		fail_msg("second connection: %s", err.msg);
	assert_int_equal(tr_prune_lock(fx->st, &held, &err), TR_OK);
	assert_int_equal(held, 1);
	assert_int_equal(tr_prune_lock(other, &held, &err), TR_OK);
	assert_int_equal(held, shared ? 0 : 1);
	if (!shared)
		tr_prune_unlock(other);

	/* the other's pruner, while this connection holds the lock */
	assert_non_null(rs.base = event_base_new());
	tr_pruner_defaults(&s);
	s.retention.report_days = 1;
	s.retention.quarantine_days = 2;
	s.first_delay_ms = 0;
	s.on_run = on_run;
	s.on_run_arg = &rs;
	/* the pruner's clock is the real one */
	assert_int_equal(tr_prune_count(fx->st, &s.retention, time(NULL),
	    &due, &err), TR_OK);
	assert_true(due.reports > 0 && due.quarantined > 0);
	assert_non_null(p = tr_pruner_start(rs.base, other, &s));
	assert_int_equal(event_base_dispatch(rs.base), 0);
	assert_int_equal(rs.runs, 1);
	assert_int_equal(rs.run.reports, shared ? 0 : due.reports);
	assert_int_equal(rs.run.quarantined, shared ? 0 : due.quarantined);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"),
	    shared ? 4 : 4 - (int64_t)due.reports);
	log = tu_read(fx->log, &len);
	assert_int_equal(strstr((char *)log, "another instance is pruning") !=
	    NULL, shared);
	free(log);
	tr_pruner_free(p);

	/* given back, the other takes it */
	tr_prune_unlock(fx->st);
	assert_int_equal(tr_prune_lock(other, &held, &err), TR_OK);
	assert_int_equal(held, 1);
	tr_prune_unlock(other);
	tr_store_close(other);
	event_base_free(rs.base);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tu_store_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cutoffs),
		T(test_empty_store),
		T(test_populated),
		T(test_kept),
		T(test_store_fails),
		cmocka_unit_test(test_pruner_defaults),
		T(test_pruner),
		T(test_prune_lock),
	};
#undef T

	return tu_run_groups("test_retention", tests,
	    sizeof(tests) / sizeof(tests[0]));
}
