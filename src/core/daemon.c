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
#include "daemon_threads.h"
#include "db.h"
#include "log.h"
#include "stats.h"

/* Submitting threads wait on one of these per job. */
struct waiter {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	int done;
};

static unsigned watchdog_seconds;

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
	if (tr_daemon_start_store_thread(d) == -1)
		goto fail;
	if (tr_daemon_start_analysis_threads(d,
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
	tr_daemon_stop_store_thread(d);
	tr_daemon_stop_analysis_threads(d);
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
	tr_daemon_stop_store_thread(d);
	if (d->athreads != NULL)
		tr_daemon_stop_analysis_threads(d);
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
