/* quarantine.h - quarantined messages: run the pipeline again, or delete */
#ifndef TR_QUARANTINE_H
#define TR_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "dkim.h"
#include "limits.h"
#include "pipeline.h"
#include "store.h"

enum tr_retry_outcome {
	TR_RETRY_STORED,	/* every report now passes; stored, row deleted */
	TR_RETRY_DUPLICATE,	/* every report passes, already stored; row deleted */
	TR_RETRY_PARTLY,	/* some reports stored, others still invalid; row kept */
	TR_RETRY_INVALID,	/* still not a valid report; row kept, reason renewed */
	TR_RETRY_SKIPPED,	/* only the head of an oversize message was kept */
	TR_RETRY_LATER,		/* a DKIM key lookup failed for now; row kept */
};

struct tr_retry_result {
	enum tr_retry_outcome outcome;
	size_t stored, duplicates;	/* reports */
	struct tr_error reason;		/* why it is still invalid (or skipped) */
};

/* tr_retry_outcome_name - "stored", "duplicate", "partly-stored",
 * "still-invalid", "skipped", "try-later" */
const char *tr_retry_outcome_name(enum tr_retry_outcome o);

/*
 * tr_quarantine_retry - analyse quarantined message id again with limits
 * and record it inside the caller's open transaction (as tr_record does,
 * with the message's original origin and received time): reports that now
 * pass are stored and the row is deleted once nothing of it is invalid;
 * otherwise the row stays with the reason the pipeline gives today.
 * *found is 0 when there is no such row. TR_ERR_STORE means the caller
 * must roll back.
 */
enum tr_err tr_quarantine_retry(struct tr_store *st, int64_t id,
    const struct tr_limits *limits, struct tr_retry_result *res, int *found,
    struct tr_error *err);

/* tr_quarantine_retry_dkim - tr_quarantine_retry with the DKIM check of
 * dkim (NULL: off) for messages; a key lookup that fails for now leaves
 * the row as it is (TR_RETRY_LATER). It may wait on DNS inside the
 * caller's transaction: for the command line, not for the daemon. */
enum tr_err tr_quarantine_retry_dkim(struct tr_store *st, int64_t id,
    const struct tr_limits *limits, const struct tr_dkim_settings *dkim,
    struct tr_retry_result *res, int *found, struct tr_error *err);

/*
 * A quarantined message on its way through the pipeline again, in steps,
 * so that its analysis (DKIM may wait on DNS) runs outside the write
 * transaction: tr_quarantine_load reads the row, tr_quarantine_analyse
 * analyses it (no store), the batch engine records it (tr_batch_add of a,
 * raw and origin), then tr_quarantine_settle, in the same transaction,
 * deletes the row once nothing of it is invalid or puts its arrival
 * count back. Free with tr_quarantine_msg_free.
 */
struct tr_retry_row;
struct tr_retry_msg {
	int64_t id;
	int skip;			/* nothing to retry: res says why */
	enum tr_input kind;
	const unsigned char *raw;	/* the stored bytes */
	size_t rawlen;
	struct tr_origin origin;	/* as first received */
	struct tr_analysis a;		/* once analysed */
	int analysed;
	struct tr_retry_row *row;	/* the row as read */
};

/* tr_quarantine_load - read row id into m (*found 0 when there is none);
 * an oversize message kept by its head is m->skip with res SKIPPED */
enum tr_err tr_quarantine_load(struct tr_store *st, int64_t id,
    struct tr_retry_msg *m, struct tr_retry_result *res, int *found,
    struct tr_error *err);

/* tr_quarantine_analyse - analyse m again, with dkim (NULL: off); pure */
void tr_quarantine_analyse(struct tr_retry_msg *m,
    const struct tr_limits *limits, const struct tr_dkim_settings *dkim);

/* tr_quarantine_settle - after m's verdict v was recorded, inside that
 * transaction: fill res, delete or renew the row. TR_ERR_STORE: roll back */
enum tr_err tr_quarantine_settle(struct tr_store *st, struct tr_retry_msg *m,
    const struct tr_verdict *v, struct tr_retry_result *res,
    struct tr_error *err);

/* tr_quarantine_msg_free - release m */
void tr_quarantine_msg_free(struct tr_retry_msg *m);

/* tr_quarantine_delete - delete row id; *found 0 when there was none */
enum tr_err tr_quarantine_delete(struct tr_store *st, int64_t id, int *found,
    struct tr_error *err);

#endif
