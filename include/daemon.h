/* daemon.h - the event loop and its store thread: receivers hand in jobs, batches are group-committed */
#ifndef TR_DAEMON_H
#define TR_DAEMON_H

/*
 * Threads and the store. The loop thread runs every receiver on the loop,
 * the done callbacks, the log lines, after_commit, the metrics and the
 * timers. Analysis threads own a job from submit until it is analysed:
 * MIME, decompression, validation and DKIM (whose key lookups wait on DNS,
 * within dkim_timeout) run there, outside any transaction and off the
 * loop. An analysed job waits for the loop, which hands every waiting job
 * to the store thread as one batch; the store thread only records and
 * commits, and the loop keeps receiving while it works (fsync included);
 * what arrives meanwhile is the next batch, handed over once the loop has
 * answered this one. One batch is out at a time.
 *
 * The store (its SQLite connection is opened NOMUTEX) belongs to one
 * thread at a time, and ownership goes with the batch: the store thread's
 * from the hand-over until the loop takes the result back, the loop
 * thread's between batches. So after_commit may use the store (it runs
 * before the next hand-over), and other loop-thread users (the retention
 * pruner) go through tr_daemon_store_task, which runs them between
 * batches. Nothing else may touch the store while tr_daemon_run runs.
 */

#include <errno.h>
#include <stddef.h>

#include "limits.h"
#include "pipeline.h"
#include "store.h"

struct event_base;
struct tr_daemon;
struct tr_job;
struct tr_stats;
struct tr_budget;

/* Called on the loop thread once the job's batch is committed (or failed).
 * The job's verdict is final; the receiver may free the job from here on. */
typedef void (*tr_job_done_fn)(struct tr_job *job, void *arg);

/*
 * One message for the pipeline. The receiver owns the job and everything it
 * points to until done() runs; it fills the first group, the daemon fills
 * verdict (without its log fields: the log line is the daemon's to write).
 */
struct tr_job {
	const unsigned char *buf;	/* raw bytes: a message or a report body */
	size_t len;
	enum tr_input kind;
	const char *hint;		/* filename or media type, or NULL */
	const char *note;		/* the way in's conformance note for
					 * every valid report (an HTTP media
					 * type), or NULL */
	struct tr_origin origin;	/* way_in, source, envelope; meta ignored */
	tr_job_done_fn done;
	void *done_arg;

	struct tr_verdict verdict;	/* outcome, counts and reason (fields NULL) */

	/* the daemon's own */
	struct tr_job *next;
	struct tr_analysis analysis;	/* by an analysis thread, for the store */
	double took;			/* seconds spent analysing */
};

struct tr_daemon_settings {
	const struct tr_limits *limits;
	unsigned queue_limit;		/* jobs waiting before submit refuses */
	unsigned shutdown_timeout;	/* seconds the final drain may take */
	int handle_stop_signals;	/* SIGTERM/SIGINT/SIGHUP via libevent (no milter) */
	void (*on_stopping)(void *);	/* on the loop thread when shutdown begins */
	void *on_stopping_arg;

	/* DKIM of report mail (NULL: off), and the analysis threads (0: two
	 * per CPU, at least 4: they may wait on DNS) */
	const struct tr_dkim_settings *dkim;
	unsigned analysis_threads;

	/* Metrics and alerts, both optional (NULL). */
	struct tr_stats *stats;		/* counted on the loop thread */
	/* after each committed batch, on the loop thread, once every job of
	 * it is answered and logged: the verdicts (tallies included). The
	 * loop holds the store meanwhile: it may read and write it (outside
	 * a transaction) */
	void (*after_commit)(const struct tr_verdict *v, size_t n, void *arg);
	void *after_commit_arg;

	/* With not_ours_domains set (n > 0), a report about none of these
	 * domains is quarantined as "not-ours" (tr_analysis_own_domains).
	 * The strings must outlive the daemon. */
	const char *const *not_ours_domains;
	size_t n_not_ours_domains;
	/* The memory budget of messages in flight (max_inflight_bytes), or
	 * NULL for none; the caller owns it and frees it after the daemon.
	 * Receivers take from it as a message grows and give back once its
	 * buffer is freed after the commit (their done callbacks). */
	struct tr_budget *budget;
	/* Seconds an idle store may go without a word before the health
	 * check asks it (tr_daemon_store_health); 0: TR_DAEMON_PROBE_AGE */
	double store_probe_age;
};

/* Why tr_daemon_submit refused a job (errno values). */
#define TR_SUBMIT_FULL		EAGAIN		/* queue_limit jobs waiting */
#define TR_SUBMIT_CLOSED	ESHUTDOWN	/* shutting down */

/*
 * tr_daemon_new - a loop on a fresh event base (evthread_use_pthreads is
 * called first) and its store thread (every asynchronous signal blocked),
 * which will own st. SIGUSR1 reopens the log; with handle_stop_signals,
 * SIGTERM/SIGINT/SIGHUP start tr_daemon_shutdown. NULL on failure (logged).
 */
struct tr_daemon *tr_daemon_new(struct tr_store *st,
    const struct tr_daemon_settings *s);

/* tr_daemon_budget - the settings' memory budget, or NULL; any thread */
struct tr_budget *tr_daemon_budget(struct tr_daemon *d);

/* tr_daemon_base - the event base, for receivers living on the loop thread */
struct event_base *tr_daemon_base(struct tr_daemon *d);

/*
 * tr_daemon_submit - queue a job for the loop; any thread. Returns 0, or -1
 * with errno TR_SUBMIT_FULL or TR_SUBMIT_CLOSED (the job was not taken and
 * done will not be called: answer with a temporary failure).
 */
int tr_daemon_submit(struct tr_daemon *d, struct tr_job *job);

/*
 * tr_daemon_submit_wait - for receivers on their own threads (libmilter
 * workers): submit, then block until the job's batch is committed. Returns
 * 0 with job->verdict final, or -1 as tr_daemon_submit. Never call it on the
 * loop thread. Overwrites job->done and job->done_arg.
 */
int tr_daemon_submit_wait(struct tr_daemon *d, struct tr_job *job);

/*
 * tr_daemon_shutdown - begin the orderly stop: refuse new jobs, finish and
 * commit the queued ones, then leave tr_daemon_run. Any thread; idempotent.
 * A watchdog ends the process (status 70) if the final drain overruns
 * shutdown_timeout.
 */
void tr_daemon_shutdown(struct tr_daemon *d);

/*
 * tr_daemon_hold, tr_daemon_release - for receivers on the loop thread: a
 * hold keeps a stopping loop running (after its queue is drained) until it
 * is released, so that a session can deliver the replies to its committed
 * messages before tr_daemon_run returns. Holds nest; loop thread only.
 * The shutdown watchdog still bounds the wait.
 */
void tr_daemon_hold(struct tr_daemon *d);
void tr_daemon_release(struct tr_daemon *d);

/* tr_daemon_run - run the loop until shutdown has drained, then end the
 * store thread; 0, or -1 on a loop failure. Every job accepted by submit
 * has been completed, and the store is the caller's again. */
int tr_daemon_run(struct tr_daemon *d);

/* tr_daemon_watchdog_stop - cancel the shutdown watchdog before exiting */
void tr_daemon_watchdog_stop(void);

/* Seconds without a word from an idle store before the health check asks
 * it (SELECT 1); seconds a batch or check may be out before the health
 * check calls the store stuck. */
#define TR_DAEMON_PROBE_AGE	5
#define TR_DAEMON_STORE_STUCK	30

/*
 * tr_daemon_store_health - for the health checks: 0 with a reason in why
 * (whysz bytes) when the last batch failed because the connection to the
 * store was lost (TR_DB_FAIL_GONE), when the last check (SELECT 1) failed,
 * or when a batch or check has been out for TR_DAEMON_STORE_STUCK seconds
 * or more; 1 otherwise. A batch that commits, or a check that answers,
 * makes it 1 again. When the store is idle and has not answered for
 * store_probe_age (TR_DAEMON_PROBE_AGE) seconds, the call hands the store thread a check,
 * whose result the next call gives (a check never blocks the loop). Loop
 * thread only.
 */
int tr_daemon_store_health(struct tr_daemon *d, char *why, size_t whysz);

/* tr_daemon_free - end the store thread if still running (it finishes a
 * batch it holds) and release the loop (not the store) */
void tr_daemon_free(struct tr_daemon *d);

/*
 * Work on the store from the loop thread, run while the loop holds it.
 * The caller owns the task, as a receiver owns its job, and fills the
 * first group.
 */
struct tr_daemon_task {
	void (*fn)(void *arg);
	void *arg;

	/* the daemon's own */
	struct tr_daemon_task *next;
	int queued;
};

/*
 * tr_daemon_store_task - run t->fn on the loop thread while no batch is
 * out: at once when the store is idle, else right after the batch out is
 * answered (and after_commit has run), before the next one is handed over,
 * so a busy daemon still gets to it within one commit. A task already
 * waiting is not queued twice. Loop thread only.
 */
void tr_daemon_store_task(struct tr_daemon *d, struct tr_daemon_task *t);

/* tr_daemon_task_cancel - drop t if it is still waiting; loop thread only */
void tr_daemon_task_cancel(struct tr_daemon *d, struct tr_daemon_task *t);

/* Counters since start, for the "stopped" log line and the metrics. */
struct tr_daemon_stats {
	unsigned long jobs, batches, stored, duplicates, quarantined,
	    tempfailed, refused, max_batch;
	unsigned long queued, queue_limit;	/* now waiting; the limit */
	/* the memory budget (zero without one): bytes held by messages in
	 * flight, max_inflight_bytes, messages turned away for it */
	unsigned long long inflight_bytes, inflight_limit;
	unsigned long budget_refusals;
};
void tr_daemon_stats(struct tr_daemon *d, struct tr_daemon_stats *out);

#endif
