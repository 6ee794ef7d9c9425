/* test_daemon.c - the loop and its store thread: group commit, queue limit, shutdown, threads */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "store_fixture.h"

#include "daemon.h"
#include "db.h"
#include "limits.h"
#include "log.h"
#include "pipeline.h"
#include "store.h"

#define REPORT_ID	"5065427c-23d3-47ca-b6e0-946ea0e8c4be"
#define NTHREADS	4
#define PER_THREAD	10

/* the RFC 8460 example report, read once for every test */
static unsigned char *rfc_report;
static size_t rfc_reportlen;

/* A job completed on the loop thread: what it was told. */
struct seen {
	struct tr_job job;
	unsigned char *buf;
	int done;
	enum tr_outcome outcome;
};

/* setup - an empty store in a fresh directory, the corpus report loaded */
static int
setup(void **state)
{
	*state = tu_store_new("daemon");
	rfc_report = tu_read("corpus/parsedmarc__rfc8460.json", &rfc_reportlen);
	assert_int_equal(tr_log_open("/dev/null", TR_LOG_ERROR), 0);
	return 0;
}

/* teardown - close and remove everything */
static int
teardown(void **state)
{
	tu_store_free(*state);
	free(rfc_report);
	rfc_report = NULL;
	return 0;
}

/* report - a copy of the example report with report-id ending in n */
static unsigned char *
report(const struct tu_store *fx, unsigned n)
{
	unsigned char *r = malloc(rfc_reportlen + 1);
	char *at, id[sizeof(REPORT_ID)];

	assert_non_null(r);
	memcpy(r, rfc_report, rfc_reportlen + 1);
	at = strstr((char *)r, REPORT_ID);
	assert_non_null(at);
	snprintf(id, sizeof(id), "00000000-0000-0000-0000-%012u", n);
	memcpy(at, id, strlen(id));
	return r;
}

/* count_reports - rows in the reports table */
static int
count_reports(struct tu_store *fx)
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
	s->job.origin.way_in = TR_WAY_SMTP;
	s->job.origin.source = "test";
	s->job.done = on_done;
	s->job.done_arg = s;
}

/* new_daemon - a loop over the fixture's store */
static struct tr_daemon *
new_daemon(struct tu_store *fx, unsigned queue_limit)
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

/* test_group_commit - what is queued before the loop runs is committed in
 * as few batches as the analysis threads hand it over (jobs reach the store
 * as they are analysed, so one or a few), each job answered from its own
 * verdict, two copies of a report included (either may come first) */
static void
test_group_commit(void **state)
{
	struct tu_store *fx = *state;
	struct tr_daemon *d = new_daemon(fx, 100);
	struct tr_daemon_stats st;
	struct seen s[4];
	size_t i;

	prepare(&s[0], report(fx, 1), rfc_reportlen, TR_INPUT_REPORT);
	prepare(&s[1], report(fx, 1), rfc_reportlen, TR_INPUT_REPORT);
	prepare(&s[2], (unsigned char *)strdup("Subject: hi\r\n\r\nno report\r\n"),
	    26, TR_INPUT_MESSAGE);
	prepare(&s[3], report(fx, 2), rfc_reportlen, TR_INPUT_REPORT);
	for (i = 0; i < 4; i++)
		assert_int_equal(tr_daemon_submit(d, &s[i].job), 0);
	tr_daemon_shutdown(d);
	assert_int_equal(tr_daemon_run(d), 0);

	for (i = 0; i < 4; i++)
		assert_int_equal(s[i].done, 1);
	assert_true((s[0].outcome == TR_OUTCOME_STORED &&
	    s[1].outcome == TR_OUTCOME_DUPLICATE) ||
	    (s[0].outcome == TR_OUTCOME_DUPLICATE &&
	    s[1].outcome == TR_OUTCOME_STORED));
	assert_int_equal(s[2].outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(s[3].outcome, TR_OUTCOME_STORED);
	tr_daemon_stats(d, &st);
	assert_true(st.batches >= 1 && st.batches <= 4);
	assert_int_equal(st.jobs, 4);
	assert_true(st.max_batch >= 1 && st.max_batch <= 4);
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
	struct tu_store *fx = *state;
	struct tr_daemon *d = new_daemon(fx, 2);
	struct tr_daemon_stats st;
	struct seen s[3];
	size_t i;

	for (i = 0; i < 3; i++)
		prepare(&s[i], report(fx, (unsigned)i + 10), rfc_reportlen,
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
	struct tu_store *fx;
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
		job.len = rfc_reportlen;
		job.kind = TR_INPUT_REPORT;
		job.origin.way_in = TR_WAY_MILTER;
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
	struct tu_store *fx = *state;
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

/*
 * A gate on the store thread: SQLite's progress handler on the store's
 * connection, which runs inside the statements of a batch. While closed it
 * holds the batch out, as a slow disk would hold a commit.
 */
struct gate {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	int open;
	pthread_t loop;			/* the loop thread: not gated */
	pthread_t store;		/* the thread that reached the gate */
	char order[32];			/* g: a batch at the gate, A/B: done,
					 * c: after_commit, t: store task */
	size_t n;
};

/* gate_record - note one step in order */
static void
gate_record(struct gate *g, char what)
{
	pthread_mutex_lock(&g->mtx);
	if (g->n < sizeof(g->order) - 1)
		g->order[g->n++] = what;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->mtx);
}

/* gate_pass - the progress handler: note a new batch, wait while closed */
static int
gate_pass(void *arg)
{
	struct gate *g = arg;

	if (pthread_equal(pthread_self(), g->loop))
		return 0;	/* the loop's own queries between batches */
	pthread_mutex_lock(&g->mtx);
	if (g->n == 0 || g->order[g->n - 1] != 'g') {
		g->order[g->n++] = 'g';
		g->store = pthread_self();
		pthread_cond_broadcast(&g->cond);
	}
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->mtx);
	pthread_mutex_unlock(&g->mtx);
	return 0;
}

/* A commit held at the gate while a client keeps talking to the loop. */
struct slow {
	struct tu_store *fx;
	struct tr_daemon *d;
	struct gate g;
	struct seen a, b;		/* a: held at the gate; b: meanwhile */
	int fd[2];			/* the loop serves fd[0], the client fd[1] */
	struct event *ev;
	int pings;			/* served by the loop */
	int served_while_out;		/* with a's batch out, unanswered */
	int pongs;			/* the client got its answer */
	int off_loop;			/* callbacks that ran on another thread */
	int task_ran, cancelled_ran, stopping;
	int reports_in_task, reports_after[2], naftercommit;
	unsigned long queued_in_task;	/* b still waiting, not handed out */
	struct tr_daemon_task task, cancelled;
};

/* slow_done - done for a and b: on the loop thread, in order */
static void
slow_done(struct tr_job *job, void *arg)
{
	struct slow *sl = arg;
	struct seen *s = job == &sl->a.job ? &sl->a : &sl->b;

	if (!pthread_equal(pthread_self(), sl->g.loop))
		sl->off_loop++;
	s->done++;
	s->outcome = job->verdict.outcome;
	gate_record(&sl->g, s == &sl->a ? 'A' : 'B');
}

/* slow_after_commit - the loop holds the store: it reads it */
static void
slow_after_commit(const struct tr_verdict *v, size_t n, void *arg)
{
	struct slow *sl = arg;

	if (!pthread_equal(pthread_self(), sl->g.loop))
		sl->off_loop++;
	if (sl->naftercommit < 2)
		sl->reports_after[sl->naftercommit++] = count_reports(sl->fx);
	gate_record(&sl->g, 'c');
}

/* slow_task - a store task (as the pruner's steps): between batches */
static void
slow_task(void *arg)
{
	struct slow *sl = arg;
	struct tr_daemon_stats st;

	if (!pthread_equal(pthread_self(), sl->g.loop))
		sl->off_loop++;
	sl->task_ran++;
	tr_daemon_stats(sl->d, &st);
	sl->queued_in_task = st.queued;
	sl->reports_in_task = count_reports(sl->fx);
	if (!sqlite3_get_autocommit(tr_store_db(sl->fx->st)))
		sl->reports_in_task = -1;	/* inside someone's batch */
	gate_record(&sl->g, 't');
}

/* cancelled_task - queued and cancelled: never runs */
static void
cancelled_task(void *arg)
{
	struct slow *sl = arg;

	sl->cancelled_ran++;
}

/* slow_stopping - on_stopping */
static void
slow_stopping(void *arg)
{
	struct slow *sl = arg;

	sl->stopping++;
}

/* serve - a receiver on the loop: answer each ping with a pong; on the
 * first, queue a store task and submit b (a is out with the store) */
static void
serve(evutil_socket_t fd, short what, void *arg)
{
	struct slow *sl = arg;
	struct tr_daemon_stats st;
	char c;

	if (read(fd, &c, 1) != 1)
		return;
	sl->pings++;
	tr_daemon_stats(sl->d, &st);
	if (sl->a.done == 0 && (sl->pings > 1 || st.queued == 0))
		sl->served_while_out++;
	if (sl->pings == 1) {
		tr_daemon_store_task(sl->d, &sl->task);
		tr_daemon_store_task(sl->d, &sl->cancelled);
		tr_daemon_task_cancel(sl->d, &sl->cancelled);
		if (sl->task_ran != 0)
			sl->task_ran = 100;	/* ran with a batch out */
		if (tr_daemon_submit(sl->d, &sl->b.job) != 0)
			sl->pings = 100;
	}
	c = 'P';
	if (write(fd, &c, 1) != 1)
		sl->pings = 100;
}

/* client - once a's batch is at the gate, ping the loop three times, stop
 * the daemon with the batch still out, then open the gate */
static void *
client(void *arg)
{
	struct slow *sl = arg;
	char c;
	int i;

	pthread_mutex_lock(&sl->g.mtx);
	while (sl->g.n == 0)
		pthread_cond_wait(&sl->g.cond, &sl->g.mtx);
	pthread_mutex_unlock(&sl->g.mtx);
	for (i = 0; i < 3; i++) {
		c = 'p';
		if (write(sl->fd[1], &c, 1) != 1 || read(sl->fd[1], &c, 1) != 1)
			break;
		if (c == 'P')
			sl->pongs++;
	}
	tr_daemon_shutdown(sl->d);
	pthread_mutex_lock(&sl->g.mtx);
	sl->g.open = 1;
	pthread_cond_broadcast(&sl->g.cond);
	pthread_mutex_unlock(&sl->g.mtx);
	return NULL;
}

/*
 * test_slow_commit - while the store thread is held inside a batch, the
 * loop keeps serving a receiver; what is submitted meanwhile is the next
 * batch; done, after_commit and store tasks run on the loop thread, after
 * the commit and before the next batch is handed over; a shutdown with a
 * batch out still commits and answers everything
 */
static void
test_slow_commit(void **state)
{
	struct tu_store *fx = *state;
	struct tr_daemon_settings ds;
	struct tr_daemon_stats st;
	struct slow sl;
	pthread_t t;
	sqlite3 *db = tr_store_db(fx->st);

	memset(&sl, 0, sizeof(sl));
	sl.fx = fx;
	pthread_mutex_init(&sl.g.mtx, NULL);
	pthread_cond_init(&sl.g.cond, NULL);
	sl.g.loop = pthread_self();
	sl.task.fn = slow_task;
	sl.task.arg = &sl;
	sl.cancelled.fn = cancelled_task;
	sl.cancelled.arg = &sl;
	prepare(&sl.a, report(fx, 21), rfc_reportlen, TR_INPUT_REPORT);
	prepare(&sl.b, report(fx, 22), rfc_reportlen, TR_INPUT_REPORT);
	sl.a.job.done = sl.b.job.done = slow_done;
	sl.a.job.done_arg = sl.b.job.done_arg = &sl;

	memset(&ds, 0, sizeof(ds));
	ds.limits = &fx->limits;
	ds.queue_limit = 10;
	ds.after_commit = slow_after_commit;
	ds.after_commit_arg = &sl;
	ds.on_stopping = slow_stopping;
	ds.on_stopping_arg = &sl;
	assert_non_null(sl.d = tr_daemon_new(fx->st, &ds));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sl.fd), 0);
	sl.ev = event_new(tr_daemon_base(sl.d), sl.fd[0], EV_READ | EV_PERSIST,
	    serve, &sl);
	assert_non_null(sl.ev);
	assert_int_equal(event_add(sl.ev, NULL), 0);

	/* idle store: a task runs at once */
	tr_daemon_store_task(sl.d, &sl.task);
	assert_int_equal(sl.task_ran, 1);
	sl.task_ran = 0;
	sl.g.n = 0;

	sqlite3_progress_handler(db, 1, gate_pass, &sl.g);
	assert_int_equal(tr_daemon_submit(sl.d, &sl.a.job), 0);
	assert_int_equal(pthread_create(&t, NULL, client, &sl), 0);
	assert_int_equal(tr_daemon_run(sl.d), 0);
	pthread_join(t, NULL);
	sqlite3_progress_handler(db, 0, NULL, NULL);

	assert_int_equal(sl.pongs, 3);
	assert_int_equal(sl.pings, 3);
	assert_int_equal(sl.served_while_out, 3);
	assert_int_equal(sl.a.done, 1);
	assert_int_equal(sl.b.done, 1);
	assert_int_equal(sl.a.outcome, TR_OUTCOME_STORED);
	assert_int_equal(sl.b.outcome, TR_OUTCOME_STORED);
	assert_int_equal(sl.off_loop, 0);
	assert_false(pthread_equal(sl.g.store, sl.g.loop));
	sl.g.order[sl.g.n] = '\0';
	assert_string_equal(sl.g.order, "gActgBc");
	assert_int_equal(sl.task_ran, 1);
	assert_int_equal(sl.reports_in_task, 1);
	assert_int_equal(sl.queued_in_task, 1);
	assert_int_equal(sl.reports_after[0], 1);
	assert_int_equal(sl.reports_after[1], 2);
	assert_int_equal(sl.cancelled_ran, 0);
	assert_int_equal(sl.stopping, 1);
	tr_daemon_stats(sl.d, &st);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.jobs, 2);
	assert_int_equal(count_reports(fx), 2);

	event_free(sl.ev);
	close(sl.fd[0]);
	close(sl.fd[1]);
	tr_daemon_free(sl.d);
	pthread_cond_destroy(&sl.g.cond);
	pthread_mutex_destroy(&sl.g.mtx);
	free(sl.a.buf);
	free(sl.b.buf);
}

/* test_release_without_hold - a release with no hold is our own bug: the
 * process logs a panic and aborts rather than carrying on */
static void
test_release_without_hold(void **state)
{
	struct tu_store *fx = *state;
	struct rlimit no_core = { 0, 0 };
	struct tr_daemon *d;
	unsigned char *log;
	size_t len;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &no_core);
		/* the panic's copy on standard error is not the test's output */
		if (freopen("/dev/null", "w", stderr) == NULL ||
		    tr_log_open(fx->log, TR_LOG_ERROR) != 0)
			_exit(3);
		d = new_daemon(fx, 10);
		tr_daemon_hold(d);
		tr_daemon_release(d);
		tr_daemon_release(d);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	log = tu_read(fx->log, &len);
	assert_non_null(strstr((char *)log, "\"event\":\"panic\""));
	assert_non_null(strstr((char *)log,
	    "\"msg\":\"tr_daemon_release without a hold\""));
	assert_non_null(strstr((char *)log,
	    "\"function\":\"tr_daemon_release\""));
	free(log);
}

/* A connection whose server went away: no transaction is open any more
 * (the batch is lost), statements cannot be prepared, and the failure is
 * a lost connection. The SQLite driver's table with these in place. */
static const struct tr_db_driver *real_driver;
static struct tr_db_driver gone_driver;

static int
gone_in_transaction(struct tr_db *db)
{
	return 0;
}

static enum tr_err
gone_prepare(struct tr_db *db, const char *sql, struct tr_stmt **out,
    struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_STORE, "server closed the connection "
	    "unexpectedly");
}

static enum tr_db_fail
gone_last_fail(struct tr_db *db)
{
	return TR_DB_FAIL_GONE;
}

/* break_store - the fixture's connection as if its server went away */
static void
break_store(struct tu_store *fx)
{
	struct tr_db *db = tr_store_conn(fx->st);

	real_driver = db->drv;
	gone_driver = *real_driver;
	gone_driver.in_transaction = gone_in_transaction;
	gone_driver.prepare = gone_prepare;
	gone_driver.last_fail = gone_last_fail;
	db->drv = &gone_driver;
}

/* mend_store - the connection back to its own driver */
static void
mend_store(struct tu_store *fx)
{
	tr_store_conn(fx->st)->drv = real_driver;
	/* the batch the "lost" connection took along is still open here */
	tr_store_rollback(fx->st);
}

/* The health test's course, step by step on the loop thread. */
struct health {
	struct tu_store *fx;
	struct tr_daemon *d;
	struct seen s[2];
	int ok[2];
	char why[2][TR_ERRMSG_MAX];
};

/* health_second - the batch after the store came back */
static void
health_second(struct tr_job *job, void *arg)
{
	struct health *h = arg;

	h->s[1].done++;
	h->s[1].outcome = job->verdict.outcome;
	h->ok[1] = tr_daemon_store_health(h->d, h->why[1], sizeof(h->why[1]));
	tr_daemon_shutdown(h->d);
}

/* health_first - the batch the lost connection failed: the store is said
 * to be unreachable; then it comes back and another report is sent */
static void
health_first(struct tr_job *job, void *arg)
{
	struct health *h = arg;

	h->s[0].done++;
	h->s[0].outcome = job->verdict.outcome;
	h->ok[0] = tr_daemon_store_health(h->d, h->why[0], sizeof(h->why[0]));
	mend_store(h->fx);
	prepare(&h->s[1], report(h->fx, 2), rfc_reportlen, TR_INPUT_REPORT);
	h->s[1].job.done = health_second;
	h->s[1].job.done_arg = h;
	assert_int_equal(tr_daemon_submit(h->d, &h->s[1].job), 0);
}

/* test_store_health - a batch lost with the connection makes the health
 * check say the store is unreachable, the next committed batch clears it */
static void
test_store_health(void **state)
{
	struct health h;

	memset(&h, 0, sizeof(h));
	h.fx = *state;
	h.d = new_daemon(h.fx, 10);
	break_store(h.fx);
	prepare(&h.s[0], report(h.fx, 1), rfc_reportlen, TR_INPUT_REPORT);
	h.s[0].job.done = health_first;
	h.s[0].job.done_arg = &h;
	assert_int_equal(tr_daemon_submit(h.d, &h.s[0].job), 0);
	assert_int_equal(tr_daemon_run(h.d), 0);

	assert_int_equal(h.s[0].done, 1);
	assert_int_equal(h.s[0].outcome, TR_OUTCOME_TEMPFAIL);
	assert_int_equal(h.ok[0], 0);
	assert_non_null(strstr(h.why[0], "rolled back"));
	assert_int_equal(h.s[1].done, 1);
	assert_int_equal(h.s[1].outcome, TR_OUTCOME_STORED);
	assert_int_equal(h.ok[1], 1);
	assert_string_equal(h.why[1], "");
	assert_int_equal(count_reports(h.fx), 1);
	tr_daemon_free(h.d);
	free(h.s[0].buf);
	free(h.s[1].buf);
}

/* test_store_probe - an idle store is asked (SELECT 1) when the health
 * check finds it quiet for store_probe_age; a failed check is seen by the
 * next health check */
static void
test_store_probe(void **state)
{
	struct tu_store *fx = *state;
	struct tr_daemon_settings ds;
	struct tr_daemon *d;
	char why[TR_ERRMSG_MAX];

	memset(&ds, 0, sizeof(ds));
	ds.limits = &fx->limits;
	ds.queue_limit = 10;
	ds.store_probe_age = 1e-9;	/* always quiet long enough */
	assert_non_null(d = tr_daemon_new(fx->st, &ds));
	break_store(fx);
	/* the last word is the open's; this call hands over a check */
	assert_int_equal(tr_daemon_store_health(d, why, sizeof(why)), 1);
	tr_daemon_shutdown(d);
	assert_int_equal(tr_daemon_run(d), 0);
	assert_int_equal(tr_daemon_store_health(d, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "server closed the connection"));
	tr_daemon_free(d);
	mend_store(fx);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_group_commit),
		T(test_queue_limit),
		T(test_threads),
		T(test_slow_commit),
		T(test_release_without_hold),
		T(test_store_health),
		T(test_store_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
