/* test_batch.c - the batch engine: add and commit, the fan-out of a failed
 * batch (rolled back by the caller, by the engine, or at commit), a full
 * batch, reset, the counts and the log lines */
#include <sqlite3.h>

#include "store_fixture.h"

#include "batch.h"
#include "log.h"
#include "pipeline.h"

#define REPORT		"corpus/mail-tls-rpt__report.json"
#define RECEIVED	1795132800	/* 2026-11-20T00:00:00Z */

struct fx {
	struct tu_store *s;
	unsigned char *good;
	size_t goodlen;
	struct tr_analysis a_good, a_bad;
};

static const char bad[] = "{\"organization-name\": 1}";

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->s = tu_store_new("batch");
	assert_int_equal(tr_log_open(fx->s->log, TR_LOG_INFO), 0);
	fx->good = tu_read(REPORT, &fx->goodlen);
	/* analysed once, before and outside any transaction, as the
	 * engine's callers do */
	tr_analyse(fx->good, fx->goodlen, TR_INPUT_REPORT, NULL,
	    &fx->s->limits, &fx->a_good);
	assert_int_equal(fx->a_good.nitems, 1);
	assert_non_null(fx->a_good.items[0].report);
	tr_analyse((const unsigned char *)bad, sizeof(bad) - 1,
	    TR_INPUT_REPORT, NULL, &fx->s->limits, &fx->a_bad);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tr_analysis_free(&fx->a_good);
	tr_analysis_free(&fx->a_bad);
	free(fx->good);
	tr_log_close();
	tu_store_free(fx->s);
	free(fx);
	return 0;
}

/* origin - a file named source */
static struct tr_origin
origin(const char *source)
{
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = source;
	o.received_at = RECEIVED;
	return o;
}

/* add_good, add_bad - one analysed message into b */
static enum tr_err
add_good(struct fx *fx, struct tr_batch *b, struct tr_verdict **v)
{
	struct tr_origin o = origin("good.json");

	return tr_batch_add(b, &fx->a_good, fx->good, fx->goodlen, &o, v);
}

static enum tr_err
add_bad(struct fx *fx, struct tr_batch *b, struct tr_verdict **v)
{
	struct tr_origin o = origin("bad.json");

	return tr_batch_add(b, &fx->a_bad, (const unsigned char *)bad,
	    sizeof(bad) - 1, &o, v);
}

/* q_int - one integer from the store */
static int64_t
q_int(struct fx *fx, const char *sql)
{
	sqlite3_stmt *stmt;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(tr_store_db(fx->s->st), sql, -1,
	    &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* log_count - lines in the log holding needle */
static int
log_count(struct fx *fx, const char *needle)
{
	unsigned char *log;
	size_t len;
	char *p;
	int n = 0;

	log = tu_read(fx->s->log, &len);
	for (p = (char *)log; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(log);
	return n;
}

/* test_commit - a stored report and a quarantined message in one batch:
 * both kept, counted and logged once committed, and only then */
static void
test_commit(void **state)
{
	struct fx *fx = *state;
	struct tr_batch_counts c;
	struct tr_verdict *v1, *v2, *all;
	struct tr_error err;
	struct tr_batch *b;
	size_t n;

	memset(&c, 0, sizeof(c));
	assert_non_null(b = tr_batch_new(fx->s->st, 4));
	assert_false(tr_batch_open(b));
	assert_int_equal(add_good(fx, b, &v1), TR_OK);
	assert_true(tr_batch_open(b));
	assert_int_equal(add_bad(fx, b, &v2), TR_OK);
	assert_int_equal(v1->outcome, TR_OUTCOME_STORED);
	assert_int_equal(v2->outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(log_count(fx, "\"event\":\"message\""), 0);
	assert_int_equal(tr_batch_commit(b, &err), TR_OK);
	assert_false(tr_batch_open(b));
	assert_false(tr_batch_failed(b, NULL));
	all = tr_batch_verdicts(b, &n);
	assert_int_equal(n, 2);
	assert_ptr_equal(all, v1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 1);

	tr_batch_log(b, &c);
	assert_int_equal(c.messages, 2);
	assert_int_equal(c.stored, 1);
	assert_int_equal(c.quarantined, 1);
	assert_int_equal(c.tempfailed, 0);
	assert_int_equal(log_count(fx, "\"outcome\":\"stored\""), 1);
	assert_int_equal(log_count(fx, "\"outcome\":\"quarantined\""), 1);
	tr_batch_reset(b);
	tr_batch_verdicts(b, &n);
	assert_int_equal(n, 0);

	/* the same report again: a duplicate */
	assert_int_equal(add_good(fx, b, &v1), TR_OK);
	assert_int_equal(tr_batch_commit(b, &err), TR_OK);
	assert_int_equal(v1->outcome, TR_OUTCOME_DUPLICATE);
	tr_batch_log(b, &c);
	assert_int_equal(c.duplicates, 1);
	assert_int_equal(c.messages, 3);
	tr_batch_free(b);
}

/* test_fail - the caller's failure: rolled back, every verdict TEMPFAIL
 * with the reason, later adds too, until reset */
static void
test_fail(void **state)
{
	struct fx *fx = *state;
	struct tr_batch_counts c;
	struct tr_verdict *v1, *v2, *v3;
	struct tr_error why, got;
	struct tr_batch *b;

	memset(&c, 0, sizeof(c));
	assert_non_null(b = tr_batch_new(fx->s->st, 4));
	assert_int_equal(add_good(fx, b, &v1), TR_OK);
	assert_int_equal(add_bad(fx, b, &v2), TR_OK);
	tr_error_set(&why, TR_ERR_STORE, "test: disk full");
	tr_batch_fail(b, &why);
	assert_false(tr_batch_open(b));
	assert_true(tr_batch_failed(b, &got));
	assert_string_equal(got.msg, "test: disk full");
	assert_int_equal(v1->outcome, TR_OUTCOME_TEMPFAIL);
	assert_int_equal(v2->outcome, TR_OUTCOME_TEMPFAIL);
	assert_string_equal(v2->err.msg, "test: disk full");
	assert_int_equal(v1->ntallies, 0);
	/* nothing of it was kept */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 0);

	/* a later message of the failed batch is not recorded */
	assert_int_equal(add_good(fx, b, &v3), TR_OK);
	assert_int_equal(v3->outcome, TR_OUTCOME_TEMPFAIL);
	assert_int_equal(tr_batch_commit(b, &got), TR_ERR_STORE);
	assert_string_equal(got.msg, "test: disk full");
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 0);
	tr_batch_log(b, &c);
	assert_int_equal(c.tempfailed, 3);
	assert_int_equal(log_count(fx, "\"outcome\":\"tempfail\""), 3);
	assert_int_equal(log_count(fx, "\"reason\":\"test: disk full\""), 3);

	/* reset: the next batch is healthy again */
	tr_batch_reset(b);
	assert_false(tr_batch_failed(b, NULL));
	assert_int_equal(add_good(fx, b, &v1), TR_OK);
	assert_int_equal(tr_batch_commit(b, &got), TR_OK);
	assert_int_equal(v1->outcome, TR_OUTCOME_STORED);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 1);
	tr_batch_free(b);
}

/* test_lost_transaction - the database dropped the transaction by itself
 * (as SQLite does on a full disk): the commit fails every verdict, though
 * each claimed to be stored */
static void
test_lost_transaction(void **state)
{
	struct fx *fx = *state;
	struct tr_verdict *v1, *v2;
	struct tr_error err;
	struct tr_batch *b;

	assert_non_null(b = tr_batch_new(fx->s->st, 4));
	assert_int_equal(add_good(fx, b, &v1), TR_OK);
	assert_int_equal(add_bad(fx, b, &v2), TR_OK);
	assert_int_equal(v1->outcome, TR_OUTCOME_STORED);
	assert_int_equal(sqlite3_exec(tr_store_db(fx->s->st), "ROLLBACK",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(tr_batch_commit(b, &err), TR_ERR_STORE);
	assert_int_equal(err.code, TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "rolled back"));
	assert_int_equal(v1->outcome, TR_OUTCOME_TEMPFAIL);
	assert_int_equal(v2->outcome, TR_OUTCOME_TEMPFAIL);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 0);
	tr_batch_log(b, NULL);
	assert_int_equal(log_count(fx, "\"outcome\":\"tempfail\""), 2);
	tr_batch_free(b);
}

/* test_full - a batch takes cap messages; an empty commit is fine */
static void
test_full(void **state)
{
	struct fx *fx = *state;
	struct tr_verdict *v = NULL;
	struct tr_error err;
	struct tr_batch *b;
	size_t n;

	assert_non_null(b = tr_batch_new(fx->s->st, 2));
	assert_int_equal(tr_batch_commit(b, &err), TR_OK);
	assert_int_equal(tr_batch_begin(b, &err), TR_OK);
	assert_true(tr_batch_open(b));
	assert_int_equal(add_bad(fx, b, &v), TR_OK);
	assert_false(tr_batch_full(b));
	assert_int_equal(add_good(fx, b, &v), TR_OK);
	assert_true(tr_batch_full(b));
	v = NULL;
	assert_int_equal(add_good(fx, b, &v), TR_ERR_TOO_LARGE);
	assert_null(v);
	tr_batch_verdicts(b, &n);
	assert_int_equal(n, 2);
	assert_int_equal(tr_batch_commit(b, &err), TR_OK);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 1);
	/* freed with its verdicts unlogged: nothing leaks (ASan) */
	tr_batch_free(b);
}

/* test_counts - what each verdict adds to the counts */
static void
test_counts(void **state)
{
	struct tr_batch_counts c;
	struct tr_verdict v;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&v, 0, sizeof(v));
	v.outcome = TR_OUTCOME_STORED;
	v.invalid = 1;
	v.quarantine_id = 7;
	tr_batch_count(&c, &v);
	assert_int_equal(c.stored, 1);
	assert_int_equal(c.quarantined_parts, 1);
	v.outcome = TR_OUTCOME_QUARANTINED;
	tr_batch_count(&c, &v);
	assert_int_equal(c.quarantined, 1);
	assert_int_equal(c.quarantined_parts, 1);
	memset(&v, 0, sizeof(v));
	v.outcome = TR_OUTCOME_TEMPFAIL;
	v.err.code = TR_ERR_DKIM_TEMP;
	tr_batch_count(&c, &v);
	v.err.code = TR_ERR_NOMEM;
	tr_batch_count(&c, &v);
	assert_int_equal(c.tempfailed, 2);
	assert_int_equal(c.retry, 1);
	assert_int_equal(c.messages, 4);
	assert_int_equal(c.duplicates, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_transaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
