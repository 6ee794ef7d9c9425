/* test_daemon.c - the loop: group commit, queue limit, shutdown, threads */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testutil.h"

#include "daemon.h"
#include "limits.h"
#include "log.h"
#include "pipeline.h"
#include "store.h"

#define REPORT_ID	"5065427c-23d3-47ca-b6e0-946ea0e8c4be"
#define NTHREADS	4
#define PER_THREAD	10

struct fixture {
	char dir[256];
	char db[512];
	struct tr_store *st;
	struct tr_limits limits;
	unsigned char *report;		/* the RFC 8460 example report */
	size_t reportlen;
};

/* A job completed on the loop thread: what it was told. */
struct seen {
	struct tr_job job;
	unsigned char *buf;
	int done;
	enum tr_outcome outcome;
};

/* rm_entry - nftw callback removing one entry */
static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* setup - an empty store in a fresh directory, the corpus report loaded */
static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct tr_error err;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-daemon-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->db, sizeof(fx->db), "%s/tlsrptd.db", fx->dir);
	if (tr_store_open(fx->db, 0, &fx->st, &err) != TR_OK)
		fail_msg("open: %s", err.msg);
	tr_limits_default(&fx->limits);
	fx->report = tu_read("corpus/parsedmarc__rfc8460.json", &fx->reportlen);
	assert_int_equal(tr_log_open("/dev/null", TR_LOG_ERROR), 0);
	*state = fx;
	return 0;
}

/* teardown - close and remove everything */
static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tr_store_close(fx->st);
	nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(fx->report);
	free(fx);
	return 0;
}

/* report - a copy of the example report with report-id ending in n */
static unsigned char *
report(const struct fixture *fx, unsigned n)
{
	unsigned char *r = malloc(fx->reportlen + 1);
	char *at, id[sizeof(REPORT_ID)];

	assert_non_null(r);
	memcpy(r, fx->report, fx->reportlen + 1);
	at = strstr((char *)r, REPORT_ID);
	assert_non_null(at);
	snprintf(id, sizeof(id), "00000000-0000-0000-0000-%012u", n);
	memcpy(at, id, strlen(id));
	return r;
}

/* count_reports - rows in the reports table */
static int
count_reports(struct fixture *fx)
{
	sqlite3_stmt *s;
	int n;

	assert_int_equal(sqlite3_prepare_v2(tr_store_db(fx->st),
	    "SELECT count(*) FROM reports", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* on_done - the completion callback of a loop-thread receiver */
static void
on_done(struct tr_job *job, void *arg)
{
	struct seen *s = arg;

	s->done++;
	s->outcome = job->verdict.outcome;
	assert_null(job->verdict.fields);	/* the log line is the loop's */
}

/* prepare - a job over buf that reports to s */
static void
prepare(struct seen *s, unsigned char *buf, size_t len, enum tr_input kind)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->job.buf = buf;
	s->job.len = len;
	s->job.kind = kind;
	s->job.origin.way_in = "smtp";
	s->job.origin.source = "test";
	s->job.done = on_done;
	s->job.done_arg = s;
}

/* new_daemon - a loop over the fixture's store */
static struct tr_daemon *
new_daemon(struct fixture *fx, unsigned queue_limit)
{
	struct tr_daemon_settings ds;
	struct tr_daemon *d;

	memset(&ds, 0, sizeof(ds));
	ds.limits = &fx->limits;
	ds.queue_limit = queue_limit;
	ds.shutdown_timeout = 0;	/* no watchdog in tests */
	d = tr_daemon_new(fx->st, &ds);
	assert_non_null(d);
	return d;
}

/* test_group_commit - what is queued before the loop runs is one batch,
 * each job answered from its own verdict, a duplicate inside the same
 * batch included */
static void
test_group_commit(void **state)
{
	struct fixture *fx = *state;
	struct tr_daemon *d = new_daemon(fx, 100);
	struct tr_daemon_stats st;
	struct seen s[4];
	size_t i;

	prepare(&s[0], report(fx, 1), fx->reportlen, TR_INPUT_REPORT);
	prepare(&s[1], report(fx, 1), fx->reportlen, TR_INPUT_REPORT);
	prepare(&s[2], (unsigned char *)strdup("Subject: hi\r\n\r\nno report\r\n"),
	    26, TR_INPUT_MESSAGE);
	prepare(&s[3], report(fx, 2), fx->reportlen, TR_INPUT_REPORT);
	for (i = 0; i < 4; i++)
		assert_int_equal(tr_daemon_submit(d, &s[i].job), 0);
	tr_daemon_shutdown(d);
	assert_int_equal(tr_daemon_run(d), 0);

	for (i = 0; i < 4; i++)
		assert_int_equal(s[i].done, 1);
	assert_int_equal(s[0].outcome, TR_OUTCOME_STORED);
	assert_int_equal(s[1].outcome, TR_OUTCOME_DUPLICATE);
	assert_int_equal(s[2].outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(s[3].outcome, TR_OUTCOME_STORED);
	tr_daemon_stats(d, &st);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.max_batch, 4);
	assert_int_equal(st.stored, 2);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.quarantined, 1);
	assert_int_equal(count_reports(fx), 2);
	tr_daemon_free(d);
	for (i = 0; i < 4; i++)
		free(s[i].buf);
}

/* test_queue_limit - submit refuses once queue_limit jobs wait, and
 * refuses everything once shutdown began */
static void
test_queue_limit(void **state)
{
	struct fixture *fx = *state;
	struct tr_daemon *d = new_daemon(fx, 2);
	struct tr_daemon_stats st;
	struct seen s[3];
	size_t i;

	for (i = 0; i < 3; i++)
		prepare(&s[i], report(fx, (unsigned)i + 10), fx->reportlen,
		    TR_INPUT_REPORT);
	assert_int_equal(tr_daemon_submit(d, &s[0].job), 0);
	assert_int_equal(tr_daemon_submit(d, &s[1].job), 0);
	errno = 0;
	assert_int_equal(tr_daemon_submit(d, &s[2].job), -1);
	assert_int_equal(errno, TR_SUBMIT_FULL);
	tr_daemon_shutdown(d);
	errno = 0;
	assert_int_equal(tr_daemon_submit(d, &s[2].job), -1);
	assert_int_equal(errno, TR_SUBMIT_CLOSED);
	assert_int_equal(tr_daemon_run(d), 0);
	assert_int_equal(s[0].done + s[1].done + s[2].done, 2);
	tr_daemon_stats(d, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(count_reports(fx), 2);
	tr_daemon_free(d);
	for (i = 0; i < 3; i++)
		free(s[i].buf);
}

struct sender {
	struct fixture *fx;
	struct tr_daemon *d;
	unsigned first;
	int stored;
};

/* sender - a receiver thread: submit_wait one report after another */
static void *
sender(void *arg)
{
	struct sender *sd = arg;
	struct tr_job job;
	unsigned char *buf;
	unsigned i;

	for (i = 0; i < PER_THREAD; i++) {
		buf = report(sd->fx, sd->first + i);
		memset(&job, 0, sizeof(job));
		job.buf = buf;
		job.len = sd->fx->reportlen;
		job.kind = TR_INPUT_REPORT;
		job.origin.way_in = "milter";
		if (tr_daemon_submit_wait(sd->d, &job) == 0 &&
		    job.verdict.outcome == TR_OUTCOME_STORED)
			sd->stored++;
		free(buf);
	}
	return NULL;
}

struct stopper {
	pthread_t *threads;
	struct tr_daemon *d;
};

/* stopper - once every sender is answered, stop the loop from outside,
 * as the milter thread does */
static void *
stopper(void *arg)
{
	struct stopper *sp = arg;
	int i;

	for (i = 0; i < NTHREADS; i++)
		pthread_join(sp->threads[i], NULL);
	tr_daemon_shutdown(sp->d);
	return NULL;
}

/* test_threads - receivers on other threads wait for their commit; every
 * report is stored once, in fewer or as many commits as messages */
static void
test_threads(void **state)
{
	struct fixture *fx = *state;
	struct tr_daemon *d = new_daemon(fx, 1000);
	struct tr_daemon_stats st;
	struct sender sd[NTHREADS];
	struct stopper sp;
	pthread_t t[NTHREADS], stop;
	int i, stored = 0;

	for (i = 0; i < NTHREADS; i++) {
		sd[i].fx = fx;
		sd[i].d = d;
		sd[i].first = 1000 + (unsigned)i * PER_THREAD;
		sd[i].stored = 0;
		assert_int_equal(pthread_create(&t[i], NULL, sender, &sd[i]), 0);
	}
	sp.threads = t;
	sp.d = d;
	assert_int_equal(pthread_create(&stop, NULL, stopper, &sp), 0);
	assert_int_equal(tr_daemon_run(d), 0);
	pthread_join(stop, NULL);

	for (i = 0; i < NTHREADS; i++)
		stored += sd[i].stored;
	assert_int_equal(stored, NTHREADS * PER_THREAD);
	assert_int_equal(count_reports(fx), NTHREADS * PER_THREAD);
	tr_daemon_stats(d, &st);
	assert_int_equal(st.jobs, NTHREADS * PER_THREAD);
	assert_true(st.batches <= st.jobs);
	tr_daemon_free(d);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_group_commit),
		T(test_queue_limit),
		T(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
