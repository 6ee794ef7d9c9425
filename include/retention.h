/* retention.h - delete reports and quarantined messages past their keeping time */
#ifndef TR_RETENTION_H
#define TR_RETENTION_H

#include <stdint.h>

#include "error.h"
#include "store.h"

struct event_base;
struct tr_daemon;

struct tr_retention {
	unsigned report_days;		/* reports whose period ended earlier; 0 = keep */
	unsigned quarantine_days;	/* messages received earlier; 0 = keep */
};

struct tr_pruned {
	uint64_t reports;		/* with their policies and details */
	uint64_t quarantined;
};

/* tr_retention_cutoffs - the UTC times before which rows go ("" = keep) */
void tr_retention_cutoffs(const struct tr_retention *r, int64_t now,
    char reports[32], char quarantine[32]);

/*
 * tr_prune_step - one transaction deleting at most max rows (reports first,
 * then quarantined messages) older than their retention at time now; adds
 * what it removed to *done and sets *more when rows may remain. A report
 * goes with its policies, failure details and report_domains rows. Must
 * not be called inside an open transaction. TR_ERR_STORE on failure
 * (rolled back).
 */
enum tr_err tr_prune_step(struct tr_store *st, const struct tr_retention *r,
    int64_t now, unsigned max, struct tr_pruned *done, int *more,
    struct tr_error *err);

/* tr_prune_count - what a prune at time now would remove (a dry run) */
enum tr_err tr_prune_count(struct tr_store *st, const struct tr_retention *r,
    int64_t now, struct tr_pruned *out, struct tr_error *err);

/*
 * tr_prune_lock - on a store shared by several hosts (PostgreSQL), take the
 * advisory lock TR_RETENTION_LOCK for a pass of tr_prune_step calls, so that
 * one host prunes at a time: *held 1 when taken, 0 when another session
 * holds it (then skip the pass). SQLite: *held 1, nothing taken. Call it
 * outside a transaction; TR_ERR_STORE when the database could not be asked.
 * tr_prune_unlock - give it back after the pass (a no-op for SQLite).
 */
#define TR_RETENTION_LOCK	8460002
enum tr_err tr_prune_lock(struct tr_store *st, int *held,
    struct tr_error *err);
void tr_prune_unlock(struct tr_store *st);

/*
 * The daemon's pruner: a timer on the loop thread. Each step runs as a
 * tr_daemon_store_task, between the daemon's batches, so it never uses the
 * store while the store thread does. Every interval it prunes in steps of
 * step_rows, step_delay_ms apart so that the daemon's commits go between
 * them, and logs one "pruned" event for a run that removed rows. On a
 * shared store a run holds tr_prune_lock; a run that finds it taken is
 * skipped with a log line.
 */
struct tr_pruner_settings {
	struct tr_retention retention;
	unsigned step_rows;		/* rows per transaction (500) */
	unsigned interval;		/* seconds between checks (3600) */
	unsigned first_delay_ms;	/* the first check after start (5000) */
	unsigned step_delay_ms;		/* between the steps of a run (50) */
	/* after each run, on the loop thread (tests); may be NULL */
	void (*on_run)(const struct tr_pruned *run, void *arg);
	void *on_run_arg;
	/* the daemon whose store thread shares the store, or NULL when
	 * nothing else uses the store */
	struct tr_daemon *daemon;
};

struct tr_pruner;

/* tr_pruner_defaults - the values in parentheses above, nothing retained */
void tr_pruner_defaults(struct tr_pruner_settings *s);

/* tr_pruner_start - arm the timer on base; NULL when out of memory */
struct tr_pruner *tr_pruner_start(struct event_base *base,
    struct tr_store *st, const struct tr_pruner_settings *s);

/* tr_pruner_free - stop the timer and free (loop thread, or after it) */
void tr_pruner_free(struct tr_pruner *p);

#endif
