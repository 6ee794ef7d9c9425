/* daemon_threads.h - inside the daemon: its struct, shared by the loop
 * (daemon.c) and its threads (daemon_threads.c); nothing else includes
 * this */
#ifndef TR_DAEMON_THREADS_H
#define TR_DAEMON_THREADS_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include <event2/event.h>

#include "batch.h"
#include "budget.h"
#include "daemon.h"
#include "error.h"
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

/* now - a monotonic clock in seconds, for the latency metrics */
static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tr_daemon_start_analysis_threads - n threads, every asynchronous signal
 * blocked; -1 (logged) when none starts */
int tr_daemon_start_analysis_threads(struct tr_daemon *d, unsigned n);

/* tr_daemon_stop_analysis_threads - let them finish the queue and join
 * them */
void tr_daemon_stop_analysis_threads(struct tr_daemon *d);

/* tr_daemon_start_store_thread - the store thread, every signal blocked;
 * -1 (logged) when it cannot start */
int tr_daemon_start_store_thread(struct tr_daemon *d);

/* tr_daemon_stop_store_thread - let an idle store thread end and join it */
void tr_daemon_stop_store_thread(struct tr_daemon *d);

#endif
