/* daemon.c - the loop receives, a store thread group-commits what it queued */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <json-c/json.h>

#include "batch.h"
#include "budget.h"
#include "daemon.h"
#include "db.h"
#include "log.h"
#include "stats.h"

struct tr_daemon {
	struct event_base *base;
	struct tr_store *st;
	struct tr_limits limits;
	const char *const *own_domains;	/* quarantine the others, when n > 0 */
	size_t nown_domains;
	unsigned queue_limit;
	unsigned shutdown_timeout;

	/* The hand-off: receivers append to the analysis queue under mtx,
	 * analysis threads move each job to the ready queue once analysed,
	 * the loop takes the ready queue. nqueued counts both. */
	pthread_mutex_t mtx;
	struct tr_job *ahead, **atailp;	/* waiting for an analysis thread */
	pthread_cond_t acond;		/* a job to analyse, or astop */
	int astop;
	struct tr_job *head, **tailp;	/* analysed, waiting for the store */
	unsigned nqueued;
	struct tr_dkim_settings dkim;
	int have_dkim;
	pthread_t *athreads;
	unsigned nathreads;
	int closing;			/* submit refuses; the loop finishes */
	unsigned long refused;

	struct event *wake_ev;		/* activated by submit and shutdown */
	struct event *sig_ev[4];
	int announced, finished;
	void (*on_stopping)(void *);
	void *on_stopping_arg;
	unsigned holds;			/* loop-thread receivers still busy */
	struct tr_stats *metrics;	/* or NULL */
	struct tr_budget *budget;	/* or NULL; not ours */
	void (*after_commit)(const struct tr_verdict *, size_t, void *);
	void *after_commit_arg;

	/*
	 * The store thread. The loop hands it a batch under smtx (state
	 * BUSY) and the store with it; the store thread records the
	 * analysed jobs through the batch engine and commits, sets DONE and
	 * activates committed_ev; the loop takes the store back (IDLE),
	 * answers the batch and hands over the next.
	 * So one thread at a time uses the connection, and the arrays below
	 * belong to whichever side the state names.
	 */
	pthread_t store_thread;
	int store_running;		/* started and not yet joined */
	pthread_mutex_t smtx;
	pthread_cond_t scond;
	enum { STORE_IDLE, STORE_BUSY, STORE_DONE } state;
	int store_stop;			/* the thread ends when idle */
	struct event *committed_ev;	/* DONE: answer on the loop */
	struct tr_daemon_task *tasks, **tasktailp; /* waiting for IDLE */

	/* One batch at a time, sized once: a batch never exceeds queue_limit. */
	struct tr_job **batch;
	struct tr_batch *eng;		/* their verdicts, with the store */
	struct tr_batch_counts counts;	/* loop thread: verdicts so far */
	double *pipeline_time;		/* each job's analysis and record */
	size_t nbatch;
	int batch_failed;
	double commit_time;
	struct tr_error batch_err;

	/*
	 * The store's health, for the health checks. The store thread sets
	 * it after each batch or check (under smtx); a check is a batch of
	 * no jobs (probe) that runs SELECT 1. busy_since is when the batch
	 * or check out was handed over, contact when the store last
	 * answered; both on the monotonic clock.
	 */
	double probe_age;
	int probe;
	int store_down;
	char store_why[TR_ERRMSG_MAX];
	double busy_since, contact;

	struct tr_daemon_stats stats;	/* loop thread only, but refused */
};

/* Submitting threads wait on one of these per job. */
struct waiter {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	int done;
};

static unsigned watchdog_seconds;

/* now - a monotonic clock in seconds, for the latency metrics */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* watchdog_expired - the final drain overran shutdown_timeout: give up */
static void
watchdog_expired(int sig)
{
	static const char msg[] = "tlsrptd: shutdown_timeout reached, "
	    "exiting with work unfinished (nothing unacknowledged is lost)\n";

	(void)sig;
	/* Only async-signal-safe calls here. Unfinished jobs were never
	 * acknowledged, so their senders retry. */
	(void)write(2, msg, sizeof(msg) - 1);
	_exit(70);
}

/* start_watchdog - bound the rest of the process's life once stopping */
static void
start_watchdog(unsigned seconds)
{
	struct sigaction sa;

	if (seconds == 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog_expired;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	watchdog_seconds = seconds;
	alarm(seconds);
}

/*
 * analyse_job - the pure half, on an analysis thread: touches neither the
 * store nor the loop, and may wait on DNS for DKIM keys
 */
static void
analyse_job(struct tr_daemon *d, struct tr_job *job)
{
	double t0 = now();

	tr_analyse(job->buf, job->len, job->kind, job->hint, &d->limits,
	    &job->analysis);
	if (job->note != NULL)
		tr_analysis_note(&job->analysis, job->note);
	if (d->nown_domains > 0)
		tr_analysis_own_domains(&job->analysis, d->own_domains,
		    d->nown_domains);
	tr_analysis_dkim(&job->analysis, job->buf, job->len, job->kind,
	    d->have_dkim ? &d->dkim : NULL);
	job->took = now() - t0;
}

/* analysis_main - an analysis thread: analyse queued jobs, hand each to
 * the loop, until told to stop with the queue empty */
static void *
analysis_main(void *arg)
{
	struct tr_daemon *d = arg;
	struct tr_job *job;

	pthread_mutex_lock(&d->mtx);
	for (;;) {
		while (d->ahead == NULL && !d->astop)
			pthread_cond_wait(&d->acond, &d->mtx);
		if ((job = d->ahead) == NULL)
			break;
		if ((d->ahead = job->next) == NULL)
			d->atailp = &d->ahead;
		pthread_mutex_unlock(&d->mtx);
		job->next = NULL;
		analyse_job(d, job);
		pthread_mutex_lock(&d->mtx);
		*d->tailp = job;
		d->tailp = &job->next;
		pthread_mutex_unlock(&d->mtx);
		event_active(d->wake_ev, EV_READ, 0);
		pthread_mutex_lock(&d->mtx);
	}
	pthread_mutex_unlock(&d->mtx);
	return NULL;
}

/*
 * process_job - record one analysed job in the open batch, on the store
 * thread; only the batch engine (tr_record) needs the store. *took stays
 * -1 for a job of a batch that has already failed (not recorded).
 */
static void
process_job(struct tr_daemon *d, struct tr_job *job, double *took)
{
	struct tr_origin o = job->origin;
	int recorded = !tr_batch_failed(d->eng, NULL);
	double t0 = now();

	if (o.received_at == 0)
		o.received_at = (int64_t)time(NULL);
	o.meta = NULL;		/* the message's own headers, from the analysis */
	(void)tr_batch_add(d->eng, &job->analysis, job->buf, job->len, &o,
	    NULL);
	*took = recorded ? job->took + (now() - t0) : -1;
}

/* set_health - what the last batch or check says of the store, for
 * tr_daemon_store_health; on the store thread */
static void
set_health(struct tr_daemon *d, int down, const struct tr_error *err)
{
	pthread_mutex_lock(&d->smtx);
	d->store_down = down;
	if (down)
		snprintf(d->store_why, sizeof(d->store_why), "%s",
		    err->msg[0] != '\0' ? err->msg : "the store failed");
	else
		d->store_why[0] = '\0';
	d->contact = now();
	pthread_mutex_unlock(&d->smtx);
}

/*
 * commit_batch - group commit, on the store thread: one transaction for
 * every job of the batch, and every verdict TEMPFAIL when that commit
 * fails (the batch engine's fan-out). Touches only the store and the
 * batch; the loop answers.
 */
static void
commit_batch(struct tr_daemon *d, size_t n)
{
	struct tr_error err;
	size_t i;
	int doomed;
	double t0;

	tr_error_clear(&err);
	d->commit_time = 0;
	(void)tr_batch_begin(d->eng, NULL);
	for (i = 0; i < n; i++)
		process_job(d, d->batch[i], &d->pipeline_time[i]);
	doomed = tr_batch_failed(d->eng, NULL);
	t0 = now();
	d->batch_failed = tr_batch_commit(d->eng, &err) != TR_OK;
	if (!doomed)
		d->commit_time = now() - t0;
	d->batch_err = err;
	/* a batch that failed for a lost connection says the store is gone;
	 * any other outcome, that it answers */
	set_health(d, d->batch_failed &&
	    tr_batch_fail_kind(d->eng) == TR_DB_FAIL_GONE, &err);
}

/* probe_store - the health check's SELECT 1, on the store thread */
static void
probe_store(struct tr_daemon *d)
{
	struct tr_error err;
	int64_t one;

	tr_error_clear(&err);
	set_health(d, tr_db_query_int64(tr_store_conn(d->st), "SELECT 1",
	    &one, NULL, &err) != TR_OK, &err);
}

/* store_main - the store thread: commit each batch handed over, until told
 * to stop while idle */
static void *
store_main(void *arg)
{
	struct tr_daemon *d = arg;
	size_t n;
	int probe;

	pthread_mutex_lock(&d->smtx);
	for (;;) {
		while (d->state != STORE_BUSY && !d->store_stop)
			pthread_cond_wait(&d->scond, &d->smtx);
		if (d->state != STORE_BUSY)
			break;
		n = d->nbatch;
		probe = d->probe;
		pthread_mutex_unlock(&d->smtx);
		if (probe)
			probe_store(d);
		else
			commit_batch(d, n);
		pthread_mutex_lock(&d->smtx);
		d->state = STORE_DONE;
		pthread_mutex_unlock(&d->smtx);
		event_active(d->committed_ev, EV_READ, 0);
		pthread_mutex_lock(&d->smtx);
	}
	pthread_mutex_unlock(&d->smtx);
	return NULL;
}

/* start_analysis_threads - n threads, every asynchronous signal blocked */
static int
start_analysis_threads(struct tr_daemon *d, unsigned n)
{
	sigset_t all, old;
	unsigned i;
	int e = 0;

	if ((d->athreads = calloc(n, sizeof(*d->athreads))) == NULL) {
		log_warn("analysis threads");
		return -1;
	}
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < n; i++) {
		if ((e = pthread_create(&d->athreads[i], NULL, analysis_main,
		    d)) != 0)
			break;
		d->nathreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (d->nathreads == 0) {
		errno = e;
		log_warn("cannot start the analysis threads");
		return -1;
	}
	return 0;
}

/* stop_analysis_threads - let them finish the queue and join them */
static void
stop_analysis_threads(struct tr_daemon *d)
{
	unsigned i;

	pthread_mutex_lock(&d->mtx);
	d->astop = 1;
	pthread_cond_broadcast(&d->acond);
	pthread_mutex_unlock(&d->mtx);
	for (i = 0; i < d->nathreads; i++)
		pthread_join(d->athreads[i], NULL);
	d->nathreads = 0;
}

/* start_store_thread - with every signal blocked: they are the loop's and
 * libmilter's to take */
static int
start_store_thread(struct tr_daemon *d)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	/* faults stay deliverable to the thread that causes them */
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&d->store_thread, NULL, store_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("cannot start the store thread");
		return -1;
	}
	d->store_running = 1;
	return 0;
}

/* stop_store_thread - let an idle store thread end and join it */
static void
stop_store_thread(struct tr_daemon *d)
{
	if (!d->store_running)
		return;
	pthread_mutex_lock(&d->smtx);
	d->store_stop = 1;
	pthread_cond_signal(&d->scond);
	pthread_mutex_unlock(&d->smtx);
	pthread_join(d->store_thread, NULL);
	d->store_running = 0;
}

/* store_idle - whether the loop thread holds the store (no batch out) */
static int
store_idle(struct tr_daemon *d)
{
	int idle;

	pthread_mutex_lock(&d->smtx);
	idle = d->state == STORE_IDLE;
	pthread_mutex_unlock(&d->smtx);
	return idle;
}

/* run_tasks - what waited for the store, now that the loop holds it */
static void
run_tasks(struct tr_daemon *d)
{
	struct tr_daemon_task *t;

	while ((t = d->tasks) != NULL) {
		d->tasks = t->next;
		if (d->tasks == NULL)
			d->tasktailp = &d->tasks;
		t->next = NULL;
		t->queued = 0;
		t->fn(t->arg);
	}
}

static void drain(evutil_socket_t, short, void *);

/*
 * committed - the store thread is done with a batch: take the store back,
 * answer each receiver (after the commit that holds its message), log,
 * run after_commit and the waiting tasks, then hand over the next batch.
 */
static void
committed(evutil_socket_t fd, short what, void *arg)
{
	struct tr_daemon *d = arg;
	struct tr_job *job;
	struct tr_verdict *v;
	size_t i, n, nv;
	int failed, probe;

	pthread_mutex_lock(&d->smtx);
	if (d->state != STORE_DONE) {
		pthread_mutex_unlock(&d->smtx);
		return;
	}
	d->state = STORE_IDLE;
	n = d->nbatch;
	probe = d->probe;
	d->probe = 0;
	pthread_mutex_unlock(&d->smtx);
	if (probe) {
		/* a health check: no batch to answer */
		run_tasks(d);
		drain(-1, 0, d);
		return;
	}
	failed = d->batch_failed;

	for (i = 0; i < n; i++)
		if (d->pipeline_time[i] >= 0)
			tr_stats_pipeline(d->metrics, d->pipeline_time[i]);
	tr_stats_commit(d->metrics, n, !failed, d->commit_time);
	if (failed)
		log_warnx("batch of %zu message%s not committed: %s", n,
		    n == 1 ? "" : "s", d->batch_err.msg);

	/* Answer first (a sender waits on each), then log. The log fields stay
	 * with the daemon: the receiver may free its job once done runs. */
	v = tr_batch_verdicts(d->eng, &nv);
	if (nv != n)
		fatalx("batch of %zu jobs has %zu verdicts", n, nv);
	for (i = 0; i < n; i++) {
		job = d->batch[i];
		tr_analysis_free(&job->analysis);
		/* the job may be gone once done has run: count it first */
		tr_stats_verdict(d->metrics, job->origin.way_in, &v[i]);
		job->verdict = v[i];
		job->verdict.fields = NULL;
		job->verdict.tallies = NULL;
		job->verdict.ntallies = 0;
		job->done(job, job->done_arg);
	}
	tr_batch_log(d->eng, &d->counts);
	d->stats.stored = d->counts.stored;
	d->stats.duplicates = d->counts.duplicates;
	d->stats.quarantined = d->counts.quarantined;
	d->stats.tempfailed = d->counts.tempfailed;
	if (!failed && d->after_commit != NULL)
		d->after_commit(v, n, d->after_commit_arg);
	tr_batch_reset(d->eng);
	for (i = 0; i < n; i++)
		d->batch[i] = NULL;
	d->nbatch = 0;
	d->stats.batches++;
	d->stats.jobs += n;
	if (n > d->stats.max_batch)
		d->stats.max_batch = n;

	run_tasks(d);
	/* what came during the commit is the next batch, at once */
	drain(-1, 0, d);
}

/*
 * drain - the wake event: announce a stop, hand every queued job to the
 * store thread as one batch unless one is already out, or end a stopping
 * loop once nothing is left
 */
static void
drain(evutil_socket_t fd, short what, void *arg)
{
	struct tr_daemon *d = arg;
	struct tr_job *job;
	size_t i, n = 0;
	int closing, idle;

	idle = store_idle(d);
	pthread_mutex_lock(&d->mtx);
	/* Activations coalesce, so take the whole queue, not one job. While
	 * a batch is out, the queue waits: committed() comes back here. */
	if (idle) {
		for (job = d->head; job != NULL && n < d->queue_limit;
		    job = job->next)
			d->batch[n++] = job;
		d->head = job;
		if (d->head == NULL)
			d->tailp = &d->head;
		d->nqueued -= (unsigned)n;
	}
	closing = d->closing;
	pthread_mutex_unlock(&d->mtx);

	if (closing && !d->announced) {
		d->announced = 1;
		if (d->on_stopping != NULL)
			d->on_stopping(d->on_stopping_arg);
	}
	if (!idle)
		return;
	if (n > 0) {
		for (i = 0; i < n; i++)
			tr_stats_received(d->metrics,
			    d->batch[i]->origin.way_in);
		pthread_mutex_lock(&d->smtx);
		d->nbatch = n;
		d->busy_since = now();
		d->state = STORE_BUSY;
		pthread_cond_signal(&d->scond);
		pthread_mutex_unlock(&d->smtx);
		return;
	}
	pthread_mutex_lock(&d->mtx);
	n = d->nqueued;		/* jobs still being analysed */
	pthread_mutex_unlock(&d->mtx);
	if (closing && !d->finished && d->holds == 0 && n == 0) {
		/* closing was set under the lock before this drain took the
		 * queue (empty), nothing is queued or analysed after it, no
		 * batch is out and no receiver on the loop still has a reply
		 * to deliver: all done. */
		d->finished = 1;
		event_base_loopbreak(d->base);
	}
}

/* tr_daemon_store_health - the store's last word, and a check when due */
int
tr_daemon_store_health(struct tr_daemon *d, char *why, size_t whysz)
{
	double t = now(), busy = 0;
	int down, closing;

	pthread_mutex_lock(&d->mtx);
	closing = d->closing;
	pthread_mutex_unlock(&d->mtx);
	pthread_mutex_lock(&d->smtx);
	down = d->store_down;
	snprintf(why, whysz, "%s", d->store_why);
	if (d->state == STORE_BUSY)
		busy = t - d->busy_since;
	else if (d->state == STORE_IDLE && !closing &&
	    t - d->contact >= d->probe_age) {
		/* idle long enough for the store to have gone away unseen:
		 * a check, whose answer the next call gives */
		d->probe = 1;
		d->nbatch = 0;
		d->busy_since = t;
		d->state = STORE_BUSY;
		pthread_cond_signal(&d->scond);
	}
	pthread_mutex_unlock(&d->smtx);
	if (!down && busy >= TR_DAEMON_STORE_STUCK) {
		snprintf(why, whysz, "the store has not answered for %.0f s",
		    busy);
		down = 1;
	}
	return !down;
}

/* tr_daemon_store_task - run t on the loop thread while it holds the store */
void
tr_daemon_store_task(struct tr_daemon *d, struct tr_daemon_task *t)
{
	if (t->queued)
		return;
	if (store_idle(d)) {
		t->fn(t->arg);
		return;
	}
	t->next = NULL;
	t->queued = 1;
	*d->tasktailp = t;
	d->tasktailp = &t->next;
}

/* tr_daemon_task_cancel - forget a task still waiting */
void
tr_daemon_task_cancel(struct tr_daemon *d, struct tr_daemon_task *t)
{
	struct tr_daemon_task **tp;

	if (!t->queued)
		return;
	for (tp = &d->tasks; *tp != NULL; tp = &(*tp)->next)
		if (*tp == t) {
			*tp = t->next;
			if (*tp == NULL)
				d->tasktailp = tp;
			break;
		}
	t->next = NULL;
	t->queued = 0;
}

/* on_signal - SIGUSR1 reopens the log; the stop signals (no milter) stop */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct tr_daemon *d = arg;
	struct json_object *f;

	if (sig == SIGUSR1) {
		if (tr_log_reopen() == -1)
			log_warn("reopening the log");
		else
			tr_log_event(TR_LOG_INFO, "log_reopened", NULL);
		return;
	}
	f = json_object_new_object();
	json_object_object_add(f, "signal", json_object_new_string(strsignal(sig)));
	tr_log_event(TR_LOG_INFO, "signal", f);
	tr_daemon_shutdown(d);
}

/* libevent_log - route libevent's own complaints into our log */
static void
libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* take_settings - st and the settings s that the loop keeps */
static void
take_settings(struct tr_daemon *d, struct tr_store *st,
    const struct tr_daemon_settings *s)
{
	d->st = st;
	d->limits = *s->limits;
	d->own_domains = s->not_ours_domains;
	d->nown_domains = s->n_not_ours_domains;
	d->queue_limit = s->queue_limit > 0 ? s->queue_limit : 1;
	d->shutdown_timeout = s->shutdown_timeout;
	d->on_stopping = s->on_stopping;
	d->on_stopping_arg = s->on_stopping_arg;
	d->metrics = s->stats;
	d->budget = s->budget;
	d->after_commit = s->after_commit;
	d->after_commit_arg = s->after_commit_arg;
}

/* analysis_threads - the analysis threads to start: n, or when 0 two per
 * CPU, 4 to 16 */
static unsigned
analysis_threads(unsigned n)
{
	long ncpu;

	if (n != 0)
		return n;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	n = ncpu > 0 ? 2 * (unsigned)ncpu : 4;
	if (n < 4)
		n = 4;
	if (n > 16)
		n = 16;
	return n;
}

/* tr_daemon_new - a loop owning st, with its wake and signal events */
struct tr_daemon *
tr_daemon_new(struct tr_store *st, const struct tr_daemon_settings *s)
{
	static const int stop_sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct tr_daemon *d;
	size_t i;

	/* Before the base exists, or the base has no locks and event_active
	 * from a milter worker would race with the loop. */
	if (evthread_use_pthreads() == -1) {
		log_warnx("libevent has no pthreads support");
		return NULL;
	}
	event_set_log_callback(libevent_log);
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		log_warn("daemon");
		return NULL;
	}
	take_settings(d, st, s);
	d->tailp = &d->head;
	d->atailp = &d->ahead;
	d->tasktailp = &d->tasks;
	if (s->dkim != NULL) {
		d->dkim = *s->dkim;
		d->have_dkim = 1;
	}
	pthread_mutex_init(&d->mtx, NULL);
	pthread_cond_init(&d->acond, NULL);
	pthread_mutex_init(&d->smtx, NULL);
	pthread_cond_init(&d->scond, NULL);
	d->state = STORE_IDLE;
	d->contact = now();	/* the store was just opened */
	d->probe_age = s->store_probe_age > 0 ? s->store_probe_age :
	    TR_DAEMON_PROBE_AGE;
	d->batch = calloc(d->queue_limit, sizeof(*d->batch));
	d->eng = tr_batch_new(st, d->queue_limit);
	d->pipeline_time = calloc(d->queue_limit, sizeof(*d->pipeline_time));
	if (d->batch == NULL || d->eng == NULL ||
	    d->pipeline_time == NULL) {
		log_warn("daemon: queue of %u", d->queue_limit);
		goto fail;
	}
	if ((d->base = event_base_new()) == NULL) {
		log_warnx("cannot create the event base");
		goto fail;
	}
	if ((d->wake_ev = event_new(d->base, -1, 0, drain, d)) == NULL ||
	    (d->committed_ev = event_new(d->base, -1, 0, committed, d)) ==
	    NULL)
		goto fail;
	if ((d->sig_ev[0] = evsignal_new(d->base, SIGUSR1, on_signal, d)) ==
	    NULL || event_add(d->sig_ev[0], NULL) == -1)
		goto fail;
	if (s->handle_stop_signals)
		for (i = 0; i < 3; i++) {
			d->sig_ev[i + 1] = evsignal_new(d->base, stop_sigs[i],
			    on_signal, d);
			if (d->sig_ev[i + 1] == NULL ||
			    event_add(d->sig_ev[i + 1], NULL) == -1)
				goto fail;
		}
	if (start_store_thread(d) == -1)
		goto fail;
	if (start_analysis_threads(d,
	    analysis_threads(s->analysis_threads)) == -1)
		goto fail;
	return d;
fail:
	log_warnx("cannot set up the event loop");
	tr_daemon_free(d);
	return NULL;
}

/* tr_daemon_budget - the memory budget of messages in flight */
struct tr_budget *
tr_daemon_budget(struct tr_daemon *d)
{
	return d->budget;
}

/* tr_daemon_base - the loop's event base */
struct event_base *
tr_daemon_base(struct tr_daemon *d)
{
	return d->base;
}

/* tr_daemon_submit - append to the queue unless full or closing */
int
tr_daemon_submit(struct tr_daemon *d, struct tr_job *job)
{
	int e = 0;

	job->next = NULL;
	memset(&job->verdict, 0, sizeof(job->verdict));
	pthread_mutex_lock(&d->mtx);
	if (d->closing)
		e = TR_SUBMIT_CLOSED;
	else if (d->nqueued >= d->queue_limit)
		e = TR_SUBMIT_FULL;
	else {
		memset(&job->analysis, 0, sizeof(job->analysis));
		*d->atailp = job;
		d->atailp = &job->next;
		d->nqueued++;
		pthread_cond_signal(&d->acond);
	}
	if (e != 0)
		d->refused++;
	pthread_mutex_unlock(&d->mtx);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

/* wake_waiter - completion of a job submitted by tr_daemon_submit_wait */
static void
wake_waiter(struct tr_job *job, void *arg)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->mtx);
	w->done = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mtx);
}

/* tr_daemon_submit_wait - submit and sleep until the commit */
int
tr_daemon_submit_wait(struct tr_daemon *d, struct tr_job *job)
{
	struct waiter w;

	pthread_mutex_init(&w.mtx, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.done = 0;
	job->done = wake_waiter;
	job->done_arg = &w;
	if (tr_daemon_submit(d, job) == -1) {
		pthread_cond_destroy(&w.cond);
		pthread_mutex_destroy(&w.mtx);
		return -1;
	}
	/* No timeout: every accepted job is completed, shutdown included, and
	 * the job and w live on this stack until then. */
	pthread_mutex_lock(&w.mtx);
	while (!w.done)
		pthread_cond_wait(&w.cond, &w.mtx);
	pthread_mutex_unlock(&w.mtx);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.mtx);
	return 0;
}

/* tr_daemon_shutdown - close the queue and let the loop finish it */
void
tr_daemon_shutdown(struct tr_daemon *d)
{
	int first;

	pthread_mutex_lock(&d->mtx);
	first = !d->closing;
	d->closing = 1;
	pthread_mutex_unlock(&d->mtx);
	if (!first)
		return;
	start_watchdog(d->shutdown_timeout);
	event_active(d->wake_ev, EV_READ, 0);
}

/* tr_daemon_hold - a loop-thread receiver has work the stop must await */
void
tr_daemon_hold(struct tr_daemon *d)
{
	d->holds++;
}

/* tr_daemon_release - that work is done; a stopping loop may now end */
void
tr_daemon_release(struct tr_daemon *d)
{
	if (d->holds == 0)
		fatalx("tr_daemon_release without a hold");
	if (--d->holds == 0)
		event_active(d->wake_ev, EV_READ, 0);
}

/* tr_daemon_run - dispatch until the final drain is done */
int
tr_daemon_run(struct tr_daemon *d)
{
	int rc;

	rc = event_base_dispatch(d->base);
	/* a finished loop has no batch out: the thread is idle and ends */
	stop_store_thread(d);
	stop_analysis_threads(d);
	if (rc == -1) {
		log_warnx("event loop failed");
		return -1;
	}
	if (!d->finished) {
		log_warnx("event loop ended before shutdown");
		return -1;
	}
	return 0;
}

/* tr_daemon_stats - the counters so far */
void
tr_daemon_stats(struct tr_daemon *d, struct tr_daemon_stats *out)
{
	*out = d->stats;
	pthread_mutex_lock(&d->mtx);
	out->refused = d->refused;
	out->queued = d->nqueued;
	pthread_mutex_unlock(&d->mtx);
	out->queue_limit = d->queue_limit;
	if (d->budget != NULL) {
		out->inflight_bytes = tr_budget_used(d->budget);
		out->inflight_limit = tr_budget_max(d->budget);
		out->budget_refusals = tr_budget_refusals(d->budget);
	}
}

/* tr_daemon_free - events, base and queue arrays */
void
tr_daemon_free(struct tr_daemon *d)
{
	size_t i;

	if (d == NULL)
		return;
	stop_store_thread(d);
	if (d->athreads != NULL)
		stop_analysis_threads(d);
	free(d->athreads);
	for (i = 0; i < sizeof(d->sig_ev) / sizeof(d->sig_ev[0]); i++)
		if (d->sig_ev[i] != NULL)
			event_free(d->sig_ev[i]);
	if (d->wake_ev != NULL)
		event_free(d->wake_ev);
	if (d->committed_ev != NULL)
		event_free(d->committed_ev);
	if (d->base != NULL)
		event_base_free(d->base);
	pthread_mutex_destroy(&d->mtx);
	pthread_cond_destroy(&d->acond);
	pthread_mutex_destroy(&d->smtx);
	pthread_cond_destroy(&d->scond);
	free(d->batch);
	tr_batch_free(d->eng);
	free(d->pipeline_time);
	free(d);
}

/* tr_daemon_watchdog_stop - the process is about to exit cleanly */
void
tr_daemon_watchdog_stop(void)
{
	if (watchdog_seconds != 0)
		alarm(0);
}
