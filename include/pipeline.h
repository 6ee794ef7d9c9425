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

enum tr_outcome {
	TR_OUTCOME_STORED,	/* at least one report newly stored */
	TR_OUTCOME_DUPLICATE,	/* every report was already stored */
	TR_OUTCOME_QUARANTINED,	/* no valid report: kept in quarantine */
	TR_OUTCOME_TEMPFAIL,	/* storing failed: nothing kept, retry later */
};

/* Failures by result-type: the RFC 8460 registry in its order, then the
 * result-types outside it together. */
#define TR_TALLY_TYPES	(TR_RESULT_TYPES + 1)

/*
 * What one newly stored report says about one policy domain, for metrics
 * and alerts, counted as tr_domain_count counts (the report_domains table):
 * sts or tlsa once, no-policy-found added; the failures by result-type are
 * every failure detail of the domain's policies, a detail repeated under
 * both sts and tlsa counted once. Counts saturate at INT64_MAX.
 */
struct tr_tally {
	char *policy_domain;		/* NULL when the report names none */
	char day[11];			/* "YYYY-MM-DD", UTC: the report's start */
	int64_t successful, failed;
	int64_t failed_by_type[TR_TALLY_TYPES];
};

struct tr_verdict {
	enum tr_outcome outcome;
	size_t stored, duplicates, invalid;
	size_t conflicts;		/* of the duplicates: other content
					 * under a stored key, kept aside */
	struct tr_error err;		/* first invalid reason, or the store error */
	int64_t quarantine_id;		/* 0 when nothing was quarantined */
	struct json_object *fields;	/* the log line's fields (owned) */
	struct tr_tally *tallies;	/* the stored reports' domains (owned) */
	size_t ntallies;
	enum tr_dkim_status dkim;	/* the message's DKIM result */
	enum tr_dkim_cause dkim_cause;
};

/* tr_outcome_name - "stored", "duplicate", "quarantined", "tempfail" */
const char *tr_outcome_name(enum tr_outcome o);

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

/* tr_origin_fields - a message's log fields from its origin (and o->meta when
 * set), "outcome" first and still null: the start of every "message" line */
struct json_object *tr_origin_fields(const struct tr_origin *o, size_t rawlen);

/* tr_verdict_fail - turn a verdict into TEMPFAIL (its batch did not commit);
 * the tallies go: nothing was stored */
void tr_verdict_fail(struct tr_verdict *v, const struct tr_error *why);

/* tr_verdict_log - write the message's one log line; consumes v->fields */
void tr_verdict_log(struct tr_verdict *v);

/* tr_verdict_free - release the log fields (if still held) and the tallies */
void tr_verdict_free(struct tr_verdict *v);

#endif
