/* outcome.c - a verdict becomes each protocol's reply and the message's log line */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "outcome.h"
#include "way_in.h"

/* add_str - a string field, left out when v is NULL */
static void
add_str(struct json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

static const char *const outcome_names[] = {
	[TR_OUTCOME_STORED] = "stored",
	[TR_OUTCOME_DUPLICATE] = "duplicate",
	[TR_OUTCOME_QUARANTINED] = "quarantined",
	[TR_OUTCOME_TEMPFAIL] = "tempfail",
};

/* tr_outcome_name - the outcome as logged */
const char *
tr_outcome_name(enum tr_outcome o)
{
	return outcome_names[o];
}

/* tallies_free - release a verdict's tallies */
static void
tallies_free(struct tr_verdict *v)
{
	size_t i;

	for (i = 0; i < v->ntallies; i++)
		free(v->tallies[i].policy_domain);
	free(v->tallies);
	v->tallies = NULL;
	v->ntallies = 0;
}

/* tr_origin_fields - where the message came from, for its log line */
struct json_object *
tr_origin_fields(const struct tr_origin *o, size_t rawlen)
{
	const struct tr_msgmeta *m = o->meta;
	struct json_object *f = json_object_new_object();

	/* placeholder: keeps "outcome" first in the line; set after commit */
	json_object_object_add(f, "outcome", NULL);
	add_str(f, "way_in", tr_way_in_name(o->way_in));
	add_str(f, "source", o->source);
	add_str(f, "client", o->client);
	add_str(f, "envelope_from", o->envelope_from);
	add_str(f, "envelope_to", o->envelope_to);
	if (m != NULL) {
		add_str(f, "message_id", m->message_id);
		add_str(f, "from", m->from);
		add_str(f, "subject", m->subject);
	}
	json_object_object_add(f, "size", json_object_new_int64((int64_t)rawlen));
	return f;
}

/* tr_verdict_fail - the message was not kept: answer with a temporary failure */
void
tr_verdict_fail(struct tr_verdict *v, const struct tr_error *why)
{
	v->outcome = TR_OUTCOME_TEMPFAIL;
	v->stored = v->duplicates = 0;
	v->quarantine_id = 0;
	v->err = *why;
	tallies_free(v);
	if (v->fields != NULL) {
		json_object_object_del(v->fields, "reports");
		json_object_object_del(v->fields, "invalid_parts");
		json_object_object_del(v->fields, "quarantine_id");
		json_object_object_add(v->fields, "reason_class",
		    json_object_new_string(tr_err_name(why->code)));
		json_object_object_add(v->fields, "reason",
		    json_object_new_string(why->msg));
	}
}

/* tr_verdict_log - the message's one log line, after its commit */
void
tr_verdict_log(struct tr_verdict *v)
{
	struct json_object *f = v->fields;
	enum tr_loglevel level = TR_LOG_INFO;

	v->fields = NULL;
	if (f == NULL)
		f = json_object_new_object();
	json_object_object_add(f, "outcome",
	    json_object_new_string(tr_outcome_name(v->outcome)));
	if (v->outcome == TR_OUTCOME_QUARANTINED || v->invalid > 0)
		level = TR_LOG_WARN;
	if (v->outcome == TR_OUTCOME_TEMPFAIL)
		level = TR_LOG_ERROR;
	tr_log_event(level, "message", f);
}

/* tr_verdict_free - release the verdict's log fields if still held */
void
tr_verdict_free(struct tr_verdict *v)
{
	json_object_put(v->fields);
	v->fields = NULL;
	tallies_free(v);
}

/* tr_outcome_public_reason - the cause of an error without its place */
const char *
tr_outcome_public_reason(const char *msg)
{
	const char *p, *last = msg;

	for (p = msg; (p = strstr(p, ": ")) != NULL; p += 2)
		last = p + 2;
	return *last != '\0' ? last : "storing failed";
}

/* tr_outcome_smtp - the reply to DATA once the message's batch is over */
void
tr_outcome_smtp(const struct tr_verdict *v, int reject_invalid,
    const char *qid, struct tr_smtp_answer *out)
{
	switch (v->outcome) {
	case TR_OUTCOME_QUARANTINED:
		if (reject_invalid) {
			out->code = 550;
			out->status = "5.6.0";
			snprintf(out->text, sizeof(out->text), "not a valid "
			    "TLS report: %s", v->err.msg);
			return;
		}
		/* quarantined and accepted */
		/* FALLTHROUGH */
	case TR_OUTCOME_STORED:
	case TR_OUTCOME_DUPLICATE:
		out->code = 250;
		out->status = "2.0.0";
		snprintf(out->text, sizeof(out->text), "Ok: queued as %s", qid);
		return;
	case TR_OUTCOME_TEMPFAIL:
	default:
		out->code = 451;
		out->status = "4.3.0";
		snprintf(out->text, sizeof(out->text), "tlsrptd: cannot store "
		    "the report now: %s", tr_outcome_public_reason(v->err.msg));
		return;
	}
}

/* tr_outcome_milter - the milter's action once the message's batch is over */
void
tr_outcome_milter(const struct tr_verdict *v, int discard_stored,
    int reject_invalid, int rua_only, struct tr_milter_answer *out)
{
	memset(out, 0, sizeof(*out));
	switch (v->outcome) {
	case TR_OUTCOME_STORED:
	case TR_OUTCOME_DUPLICATE:
		out->act = discard_stored && rua_only ? TR_MILTER_DISCARD :
		    TR_MILTER_CONTINUE;
		return;
	case TR_OUTCOME_QUARANTINED:
		/* kept in quarantine either way; rejecting would also bounce
		 * the mail of the other recipients */
		if (reject_invalid && rua_only) {
			out->act = TR_MILTER_REJECT;
			out->rcode = "550";
			out->xcode = "5.6.0";
			out->prefix = "not a valid TLS report: ";
			out->reason = v->err.msg;
			return;
		}
		out->act = TR_MILTER_CONTINUE;
		return;
	case TR_OUTCOME_TEMPFAIL:
	default:
		out->act = TR_MILTER_TEMPFAIL;
		out->rcode = "451";
		out->xcode = "4.3.0";
		out->prefix = "tlsrptd: cannot store the report now: ";
		out->reason = tr_outcome_public_reason(v->err.msg);
		return;
	}
}

/* tr_outcome_http - the answer to a POST once the report's batch is over */
void
tr_outcome_http(const struct tr_verdict *v, struct tr_http_answer *out)
{
	memset(out, 0, sizeof(*out));
	switch (v->outcome) {
	case TR_OUTCOME_STORED:
	case TR_OUTCOME_DUPLICATE:
		out->status = 200;
		snprintf(out->text, sizeof(out->text), "%s",
		    v->outcome == TR_OUTCOME_STORED ? "stored" :
		    "already stored");
		return;
	case TR_OUTCOME_QUARANTINED:
		if (tr_err_is_temporary(v->err.code)) {
			out->status = 503;
			out->retry = 1;
			snprintf(out->text, sizeof(out->text), "cannot check "
			    "the report now: %s", v->err.msg);
		} else {
			out->status = v->err.code == TR_ERR_TOO_LARGE ? 413 :
			    400;
			snprintf(out->text, sizeof(out->text), "not a valid "
			    "TLS report (%s): %s", tr_err_name(v->err.code),
			    v->err.msg);
		}
		return;
	case TR_OUTCOME_TEMPFAIL:
	default:
		out->status = 503;
		out->retry = 1;
		snprintf(out->text, sizeof(out->text), "cannot store the report "
		    "now: %s", tr_outcome_public_reason(v->err.msg));
		return;
	}
}

/* tr_outcome_log_refusal - the one line of a message the pipeline never saw */
void
tr_outcome_log_refusal(enum tr_loglevel level, const char *outcome,
    const struct tr_origin *o, int64_t size, const char *reason_class,
    const char *reason)
{
	struct json_object *f;

	f = tr_origin_fields(o, size >= 0 ? (size_t)size : 0);
	json_object_object_add(f, "outcome", json_object_new_string(outcome));
	if (size < 0)
		json_object_object_del(f, "size");
	add_str(f, "reason_class", reason_class);
	add_str(f, "reason", reason);
	tr_log_event(level, "message", f);
}

/* tr_outcome_log_totals - a run's closing line with its counts */
void
tr_outcome_log_totals(enum tr_loglevel level, const char *event,
    const struct tr_totals *t, const char *dkim, double seconds)
{
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "messages", json_object_new_int64((int64_t)t->messages));
	json_object_object_add(f, "stored", json_object_new_int64((int64_t)t->stored));
	json_object_object_add(f, "duplicates", json_object_new_int64((int64_t)t->duplicates));
	json_object_object_add(f, "quarantined", json_object_new_int64((int64_t)t->quarantined));
	json_object_object_add(f, "to_retry", json_object_new_int64((int64_t)t->retry));
	json_object_object_add(f, "errors", json_object_new_int64((int64_t)t->errors));
	json_object_object_add(f, "tempfailed", json_object_new_int64((int64_t)t->tempfailed));
	json_object_object_add(f, "dkim", json_object_new_string(dkim));
	json_object_object_add(f, "seconds", json_object_new_double(seconds));
	tr_log_event(level, event, f);
}
