/* pipeline.h - raw bytes to validated reports (analyse), reports to the store (record) */
#ifndef TR_PIPELINE_H
#define TR_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "dkim.h"
#include "error.h"
#include "limits.h"
#include "mime.h"
#include "notes.h"
#include "outcome.h"
#include "report.h"
#include "store.h"

struct json_object;

enum tr_input {
	TR_INPUT_MESSAGE,	/* an RFC 5322 message (mail, .eml) */
	TR_INPUT_REPORT,	/* a bare report body: JSON, gzip or zip (HTTPS, .json, .json.gz) */
};

/* One report of a message (a part, or a member of a zip part): parsed, or
 * the reason it is not a report. */
struct tr_item {
	unsigned part;			/* leaf part index in the message */
	const char *filename;		/* part filename or NULL */
	char *member;			/* zip member name (owned), or NULL */
	struct tr_report *report;	/* NULL when invalid */
	struct tr_error err;		/* why, when report is NULL */
	/* when invalid, what makes a retry of it the same quarantine row */
	char content_sha256[65];	/* hex SHA-256 of the decompressed
					 * bytes ("" when none were hashed) */
	char *organization_name;	/* read from JSON the report check */
	char *report_id;		/* refused, when it has them; or NULL */
};

struct tr_analysis {
	struct tr_mime_result mime;	/* meta, parts, message-level notes */
	struct tr_item *items;
	size_t nitems;
	struct tr_error err;		/* message-level failure when nitems == 0 */
	enum tr_dkim_policy dkim_policy;	/* OFF unless tr_analysis_dkim ran */
	struct tr_dkim_result dkim;	/* its verdict (UNCHECKED when off) */
};


/*
 * tr_analyse - the pure half of the pipeline: MIME extraction (for a message),
 * decompression and report validation of every report part, within limits:
 * one item per report part, one per .json member of a zip part (members
 * that are not reports are noted on the message's reports), at most
 * limits->max_reports in all.
 * hint (may be NULL) is a filename or media type used to find the policy
 * domain when a report lacks one. Knows nothing of storage. Free with
 * tr_analysis_free.
 */
void tr_analyse(const unsigned char *buf, size_t len, enum tr_input kind,
    const char *hint, const struct tr_limits *limits, struct tr_analysis *out);

void tr_analysis_free(struct tr_analysis *a);

/*
 * tr_analysis_dkim - the DKIM stage, after tr_analyse, for a message
 * (kind TR_INPUT_MESSAGE) that holds at least one valid report: records
 * s->policy in a and verifies (may wait on DNS, within dkim_timeout: an
 * analysis thread's work, never the loop's or the store's). Anything else
 * is left UNCHECKED. s may be NULL (off).
 */
void tr_analysis_dkim(struct tr_analysis *a, const unsigned char *buf,
    size_t len, enum tr_input kind, const struct tr_dkim_settings *s);

/* tr_analysis_note - add a conformance note from the way in (e.g. the HTTP
 * media type) to every valid report; a report that cannot take it (out of
 * memory) becomes an invalid item with TR_ERR_NOMEM */
void tr_analysis_note(struct tr_analysis *a, const char *note);

/* tr_analysis_own_domains - every valid report none of whose policy
 * domains is one of domains[0..n) or below one (tr_domain_owner) becomes
 * an invalid item, TR_ERR_NOT_OURS ("not-ours"); a report naming no domain
 * at all stays, as nothing says it is not ours */
void tr_analysis_own_domains(struct tr_analysis *a, const char *const *domains,
    size_t n);

/*
 * tr_record - the storing half, inside the caller's open transaction: every
 * valid report is stored (or found a duplicate); invalid parts and messages
 * without a valid report are quarantined with the exact reason. An analysis
 * that failed anywhere for want of a resource (TR_ERR_NOMEM: a temporary
 * error) keeps nothing and gives a TEMPFAIL verdict with TR_OK: the sender
 * retries, and the message is never quarantined for it. Under
 * dkim = require, a message without an acceptable signature is quarantined
 * whole (reason class "dkim"), and one whose key lookup failed for now is
 * a TEMPFAIL verdict with TR_ERR_DKIM_TEMP and nothing written (TR_OK is
 * returned: the batch goes on). A message
 * with both valid and invalid parts stores the valid ones and quarantines
 * the message for the others. On a store error the verdict is TEMPFAIL and
 * TR_ERR_STORE is returned: the transaction then holds part of the message,
 * so the caller must roll the whole batch back and fail every verdict in it
 * (the senders retry). Storage errors (disk full, I/O, locks) doom a batch
 * anyway, and a per-message savepoint would double SQLite's write work.
 * The verdict's fields are ready for tr_verdict_log after commit; its
 * tallies hold the policy domains of the newly stored reports (best effort:
 * none when out of memory).
 */
enum tr_err tr_record(struct tr_store *st, const struct tr_analysis *a,
    const unsigned char *raw, size_t rawlen, const struct tr_origin *o,
    struct tr_verdict *v);

#endif
