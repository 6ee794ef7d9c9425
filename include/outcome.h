/* outcome.h - a verdict becomes each protocol's reply and the message's log line, here only */
#ifndef TR_OUTCOME_H
#define TR_OUTCOME_H

/*
 * Every way in answers its sender and logs its messages through this
 * module: the receivers (milter, SMTP/LMTP, HTTP) and tlsrptd ingest know
 * the verdict, never the reply codes' choice nor the JSON of the log line.
 * The "message" log line has one field order, whatever the way in:
 * outcome, way_in, source, client, envelope_from, envelope_to,
 * [message_id, from, subject], size, then what the outcome adds.
 */

#include <stddef.h>
#include <stdint.h>

#include "dkim.h"
#include "error.h"
#include "log.h"
#include "result_types.h"
#include "store.h"

struct json_object;

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

/* tr_outcome_public_reason - what a sender may see of an error message: the
 * text after its last ": ", so that a store error names its cause but not
 * the database path ("storing failed" when nothing is left) */
const char *tr_outcome_public_reason(const char *msg);

/* The SMTP and LMTP reply to a message's DATA. */
struct tr_smtp_answer {
	int code;			/* 250, 550, 451 */
	const char *status;		/* its enhanced status code */
	char text[TR_ERRMSG_MAX + 64];
};

/* tr_outcome_smtp - stored, duplicate (and quarantined unless
 * reject_invalid) 250 "Ok: queued as qid"; quarantined with reject_invalid
 * 550 5.6.0 naming the reason; a temporary failure 451 4.3.0 */
void tr_outcome_smtp(const struct tr_verdict *v, int reject_invalid,
    const char *qid, struct tr_smtp_answer *out);

enum tr_milter_act {
	TR_MILTER_CONTINUE,	/* pass the mail on */
	TR_MILTER_DISCARD,	/* accept and drop it (after_store = discard) */
	TR_MILTER_REJECT,	/* 5xx with the reply below */
	TR_MILTER_TEMPFAIL,	/* 4xx with the reply below */
};

/* The milter's action, and for REJECT and TEMPFAIL its custom reply: the
 * receiver quotes reason (may be long, untrusted) after prefix. */
struct tr_milter_answer {
	enum tr_milter_act act;
	const char *rcode, *xcode;	/* "550" "5.6.0", "451" "4.3.0" */
	const char *prefix;
	const char *reason;		/* points into the verdict */
};

/* tr_outcome_milter - the milter's answer; rua_only says every recipient is
 * a rua address (rejecting or discarding would otherwise hit the others'
 * mail too) */
void tr_outcome_milter(const struct tr_verdict *v, int discard_stored,
    int reject_invalid, int rua_only, struct tr_milter_answer *out);

/* The HTTP answer to a POSTed report, before the receiver's framing. */
struct tr_http_answer {
	int status;			/* 200, 400, 413, 503 */
	int retry;			/* ask for Retry-After */
	char text[2 * TR_ERRMSG_MAX];
};

/* tr_outcome_http - stored or already stored 200; quarantined 400 naming the
 * reason class and reason (413 when too large, 503 and retry when the
 * reason is temporary); storing failed 503 and retry */
void tr_outcome_http(const struct tr_verdict *v, struct tr_http_answer *out);

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

/*
 * tr_outcome_log_refusal - the "message" line of a message turned away
 * before the pipeline saw it (too large, over a budget, a refused request):
 * outcome ("tempfail", "rejected", "passed", "error"), the origin's fields,
 * size unless it is negative, reason_class and reason, at level.
 */
void tr_outcome_log_refusal(enum tr_loglevel level, const char *outcome,
    const struct tr_origin *o, int64_t size, const char *reason_class,
    const char *reason);

/* Totals for a run's closing line (tr_outcome_log_totals). */
struct tr_totals {
	unsigned long messages, stored, duplicates, quarantined, retry,
	    errors, tempfailed;
};

/* tr_outcome_log_totals - event with messages, stored, duplicates,
 * quarantined, to_retry, errors, tempfailed, dkim and seconds */
void tr_outcome_log_totals(enum tr_loglevel level, const char *event,
    const struct tr_totals *t, const char *dkim, double seconds);

#endif
