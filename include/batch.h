/* batch.h - the batch engine: analysed messages recorded in one transaction, answered and logged after it */
#ifndef TR_BATCH_H
#define TR_BATCH_H

/*
 * One engine for every writer: the daemon's store thread, tlsrptd ingest
 * and quarantine retry. A batch is a transaction and the verdicts of the
 * messages recorded in it:
 *
 *   tr_batch_begin    open the transaction (lazily: at the first add too)
 *   tr_batch_add      record one ANALYSED message (tr_record); only the
 *                     store is touched, never MIME, gzip, JSON or DKIM
 *   tr_batch_commit   commit; a failed batch is rolled back and every
 *                     verdict in it becomes TEMPFAIL (the fan-out)
 *   tr_batch_fail     the same fan-out for a reason of the caller's
 *   tr_batch_log      count and log each verdict, after the commit
 *   tr_batch_reset    release the verdicts for the next batch
 *
 * Threads. Analysis (tr_analyse, tr_analysis_dkim) runs before add, on an
 * analysis thread (the daemon's pool, ingest's tr_apool), outside any
 * transaction: nothing slow holds the database. A batch belongs to the
 * thread that holds its store: begin, add, commit and fail run there (the
 * daemon's store thread; ingest's and quarantine retry's main thread). The
 * verdicts go with the store when it is handed back: the daemon's loop
 * thread answers the senders from them, then calls log and reset. Only the
 * store.h API is used: no SQL here.
 */

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "outcome.h"
#include "pipeline.h"
#include "store.h"

struct tr_batch;

/* What the verdicts logged so far came to. */
struct tr_batch_counts {
	unsigned long messages;		/* verdicts logged */
	unsigned long stored, duplicates, quarantined, tempfailed;
	unsigned long retry;		/* of tempfailed: a DKIM key lookup
					 * failed for now (TR_ERR_DKIM_TEMP) */
	unsigned long quarantined_parts; /* stored or duplicate messages
					 * with a part kept in quarantine */
};

/* tr_batch_new - an engine for st, for at most cap messages a batch;
 * NULL when out of memory. st stays the caller's. */
struct tr_batch *tr_batch_new(struct tr_store *st, size_t cap);

/* tr_batch_free - release the engine (rolling back an open transaction);
 * b may be NULL */
void tr_batch_free(struct tr_batch *b);

/* tr_batch_begin - open the batch's transaction unless one is open;
 * TR_ERR_STORE (err set) when it cannot be, and the batch is failed: the
 * messages added to it are TEMPFAIL */
enum tr_err tr_batch_begin(struct tr_batch *b, struct tr_error *err);

/* tr_batch_open - whether a transaction is open (messages wait for it) */
int tr_batch_open(const struct tr_batch *b);

/* tr_batch_full - whether the batch holds cap messages */
int tr_batch_full(const struct tr_batch *b);

/*
 * tr_batch_add - record analysed message a (raw bytes raw, origin o) in the
 * open batch (begun here when none is); *vp (may be NULL) gets its verdict,
 * which stays in the batch. In a failed batch the message is not recorded:
 * its verdict is TEMPFAIL with the batch's reason. Returns TR_OK, or
 * TR_ERR_STORE when recording failed: the batch is failed from then on
 * (the transaction holds part of a message; commit rolls it back).
 * Returns TR_ERR_TOO_LARGE when the batch is full (nothing done).
 */
enum tr_err tr_batch_add(struct tr_batch *b, const struct tr_analysis *a,
    const unsigned char *raw, size_t rawlen, const struct tr_origin *o,
    struct tr_verdict **vp);

/*
 * tr_batch_commit - end the batch: commit it, or, when it failed, when the
 * engine dropped the transaction by itself (SQLite does on a full disk or
 * an I/O error) or when the commit fails, roll it back and turn every
 * verdict TEMPFAIL. TR_OK (also for an empty batch) or TR_ERR_STORE with
 * err set to why. The verdicts stay for log.
 */
enum tr_err tr_batch_commit(struct tr_batch *b, struct tr_error *err);

/* tr_batch_fail - roll the open batch back and turn every verdict in it
 * TEMPFAIL with why; later adds are TEMPFAIL too, until reset */
void tr_batch_fail(struct tr_batch *b, const struct tr_error *why);

/* tr_batch_fail_kind - the store's kind of failure of a failed batch
 * (TR_DB_FAIL_GONE: the connection to the database was lost) */
enum tr_db_fail tr_batch_fail_kind(const struct tr_batch *b);

/* tr_batch_failed - whether the batch failed; *why (may be NULL) gets the
 * reason */
int tr_batch_failed(const struct tr_batch *b, struct tr_error *why);

/* tr_batch_verdicts - the verdicts, in the order of the adds; *n their
 * number */
struct tr_verdict *tr_batch_verdicts(struct tr_batch *b, size_t *n);

/* tr_batch_log - after commit (or fail): add each verdict to c (may be
 * NULL) and write its log line (tr_verdict_log) */
void tr_batch_log(struct tr_batch *b, struct tr_batch_counts *c);

/* tr_batch_reset - release every verdict; the next batch starts empty and
 * not failed */
void tr_batch_reset(struct tr_batch *b);

/* tr_batch_count - add verdict v to c */
void tr_batch_count(struct tr_batch_counts *c, const struct tr_verdict *v);

#endif
