/* daemon_threads.c - the daemon's threads: analysis threads take queued
 * jobs off the loop, the store thread records and group-commits a batch */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "batch.h"
#include "daemon.h"
#include "daemon_threads.h"
#include "db.h"
#include "log.h"

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

/* block_signals - block every asynchronous signal in the calling thread,
 * the old mask in *old, so that the threads it creates leave them to the
 * loop; faults stay deliverable to the thread that causes them */
static void
block_signals(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

/* tr_daemon_start_analysis_threads - n threads, every asynchronous signal blocked */
int
tr_daemon_start_analysis_threads(struct tr_daemon *d, unsigned n)
{
	sigset_t old;
	unsigned i;
	int e = 0;

	if ((d->athreads = calloc(n, sizeof(*d->athreads))) == NULL) {
		log_warn("analysis threads");
		return -1;
	}
	block_signals(&old);
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

/* tr_daemon_stop_analysis_threads - let them finish the queue and join them */
void
tr_daemon_stop_analysis_threads(struct tr_daemon *d)
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

/* tr_daemon_start_store_thread - with every signal blocked: they are the loop's and
 * libmilter's to take */
int
tr_daemon_start_store_thread(struct tr_daemon *d)
{
	sigset_t old;
	int e;

	block_signals(&old);
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

/* tr_daemon_stop_store_thread - let an idle store thread end and join it */
void
tr_daemon_stop_store_thread(struct tr_daemon *d)
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
