/* record.c - the storing half: analysed reports into the store, the rest into quarantine */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "domain_count.h"
#include "log.h"
#include "outcome.h"
#include "pipeline.h"

#define QUARANTINE_HEAD	(1024 * 1024)

static void
add_str(struct json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/* What became of one valid report. */
struct put_result {
	const char *status;	/* stored, duplicate, conflict, superseded, verified */
	int64_t rowid;		/* the report stored under its key */
	int64_t other;		/* conflict id, or the superseded report's id */
};

/* report_fields - the log summary of one stored or duplicate report */
static struct json_object *
report_fields(const struct tr_report *r, const struct put_result *pr)
{
	struct json_object *o = json_object_new_object(), *notes;
	int64_t ok = 0, failed = 0;
	size_t i;

	add_str(o, "organization", r->organization_name);
	add_str(o, "report_id", r->report_id);
	json_object_object_add(o, "status", json_object_new_string(pr->status));
	json_object_object_add(o, "id", json_object_new_int64(pr->rowid));
	if (strcmp(pr->status, "conflict") == 0)
		json_object_object_add(o, "conflict_id",
		    json_object_new_int64(pr->other));
	else if (strcmp(pr->status, "superseded") == 0)
		json_object_object_add(o, "superseded_id",
		    json_object_new_int64(pr->other));
	add_str(o, "start", r->start_datetime);
	add_str(o, "end", r->end_datetime);
	/* counted as the store and the queries count them */
	tr_domain_totals(r->domains, r->ndomains, &ok, &failed);
	json_object_object_add(o, "policies",
	    json_object_new_int64((int64_t)r->npolicies));
	json_object_object_add(o, "successful_sessions", json_object_new_int64(ok));
	json_object_object_add(o, "failed_sessions", json_object_new_int64(failed));
	if (r->notes.n > 0) {
		notes = json_object_new_array();
		for (i = 0; i < r->notes.n; i++)
			json_object_array_add(notes,
			    json_object_new_string(r->notes.v[i]));
		json_object_object_add(o, "notes", notes);
	}
	return o;
}

/* tally_report - append a newly stored report's domains to v->tallies;
 * out of memory, the tallies of this report are left out */
static void
tally_report(const struct tr_report *r, struct tr_verdict *v)
{
	const struct tr_domain_count *d;
	const struct tr_policy *p;
	struct tr_tally *t;
	size_t i, j, k;
	int ti;

	if (r->ndomains == 0)
		return;
	t = reallocarray(v->tallies, v->ntallies + r->ndomains, sizeof(*t));
	if (t == NULL)
		return;
	v->tallies = t;
	for (i = 0; i < r->ndomains; i++) {
		d = &r->domains[i];
		t = &v->tallies[v->ntallies];
		memset(t, 0, sizeof(*t));
		/* the start is normalised: "YYYY-MM-DDTHH:MM:SSZ" */
		if (r->start_datetime != NULL)
			snprintf(t->day, sizeof(t->day), "%.10s",
			    r->start_datetime);
		t->successful = d->successful;
		t->failed = d->failed;
		/* every detail of every policy, a repeat counted once */
		for (j = 0; j < d->npolicies; j++) {
			p = d->policies[j];
			for (k = 0; k < p->nfailures; k++) {
				if (p->failures[k].repeated)
					continue;
				ti = tr_result_type_index(
				    p->failures[k].result_type);
				if (ti < 0)
					ti = TR_RESULT_TYPES;
				t->failed_by_type[ti] = tr_count_add(
				    t->failed_by_type[ti],
				    p->failures[k].failed_session_count);
			}
		}
		if (d->policy_domain != NULL &&
		    (t->policy_domain = strdup(d->policy_domain)) == NULL)
			break;
		v->ntallies++;
	}
}

/*
 * put_one - store one valid report. The first writer does not win blindly:
 * a copy under a stored key with other content is kept as a conflict (never
 * dropped, never counted), unless it is DKIM-verified and the stored one is
 * not: then it supersedes it. A verified copy of the same content upgrades
 * the stored verdict. *newly is set when the report's counts are new.
 */
static enum tr_err
put_one(struct tr_store *st, const struct tr_analysis *a,
    const struct tr_report *r, const struct tr_origin *o,
    struct put_result *pr, int *newly, struct tr_error *err)
{
	enum tr_dkim_status old;
	enum tr_put put;
	int same, verified = a->dkim.status == TR_DKIM_PASS;

	*newly = 0;
	memset(pr, 0, sizeof(*pr));
	if (tr_store_put_report(st, r, o, &put, &pr->rowid, err) != TR_OK)
		return TR_ERR_STORE;
	if (put == TR_PUT_DUPLICATE) {
		if (tr_store_report_state(st, pr->rowid, r, &same, &old,
		    err) != TR_OK)
			return TR_ERR_STORE;
		if (verified && old != TR_DKIM_PASS) {
			if (same) {
				pr->status = "verified";
				return tr_store_put_dkim(st, pr->rowid,
				    &a->dkim, a->dkim_policy, err);
			}
			pr->other = pr->rowid;
			if (tr_store_supersede(st, pr->rowid, err) != TR_OK ||
			    tr_store_put_report(st, r, o, &put, &pr->rowid,
			    err) != TR_OK)
				return TR_ERR_STORE;
			if (put != TR_PUT_STORED)
				return tr_error_set(err, TR_ERR_STORE,
				    "superseding report %lld: the key is "
				    "still taken", (long long)pr->other);
			if (tr_store_link_conflicts(st, r, pr->rowid, err) !=
			    TR_OK)
				return TR_ERR_STORE;
			pr->status = "superseded";
		} else if (!same) {
			pr->status = "conflict";
			return tr_store_put_conflict(st, pr->rowid, r, o,
			    a->dkim.status, &pr->other, err);
		} else {
			pr->status = "duplicate";
			return TR_OK;
		}
	} else
		pr->status = "stored";
	*newly = 1;
	if (a->dkim.status != TR_DKIM_UNCHECKED)
		return tr_store_put_dkim(st, pr->rowid, &a->dkim,
		    a->dkim_policy, err);
	return TR_OK;
}

/* dkim_fields - the log summary of a message's DKIM verdict */
static struct json_object *
dkim_fields(const struct tr_dkim_result *d)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "result", tr_dkim_status_name(d->status));
	if (d->status != TR_DKIM_PASS) {
		add_str(o, "cause", tr_dkim_cause_name(d->cause));
		add_str(o, "detail", d->detail);
	}
	if (d->domain[0] != '\0') {
		add_str(o, "domain", d->domain);
		add_str(o, "selector", d->selector);
		add_str(o, "algorithm", d->algorithm);
		json_object_object_add(o, "key_tlsrpt",
		    json_object_new_boolean(d->key_tlsrpt));
		json_object_object_add(o, "report_domain_signed",
		    json_object_new_boolean(d->report_domain_signed));
		json_object_object_add(o, "submitter_signed",
		    json_object_new_boolean(d->submitter_signed));
	}
	add_str(o, "via", d->via);
	return o;
}

/* dkim_refused - dkim = require and no acceptable signature: the message
 * is quarantined whole, or (a key lookup failed for now) not kept at all */
static enum tr_err
dkim_refused(struct tr_store *st, const struct tr_analysis *a,
    const unsigned char *raw, size_t rawlen, const struct tr_origin *o,
    struct tr_verdict *v)
{
	const struct tr_dkim_result *d = &a->dkim;
	struct tr_error serr;
	enum tr_put qput = TR_PUT_STORED;

	if (d->status == TR_DKIM_TEMPERROR) {
		tr_error_set(&v->err, TR_ERR_DKIM_TEMP, "DKIM key lookup "
		    "failed for now, retry later: %s", d->detail);
		v->outcome = TR_OUTCOME_TEMPFAIL;
		add_str(v->fields, "reason_class", tr_err_name(v->err.code));
		add_str(v->fields, "reason", v->err.msg);
		return TR_OK;
	}
	tr_error_set(&v->err, TR_ERR_DKIM, "%s: %s", tr_dkim_cause_name(d->cause),
	    d->detail);
	v->invalid = a->nitems;
	if (tr_store_put_quarantine(st, o, raw, rawlen, tr_err_name(TR_ERR_DKIM),
	    v->err.msg, &qput, &v->quarantine_id, &serr) != TR_OK) {
		tr_verdict_fail(v, &serr);
		return TR_ERR_STORE;
	}
	v->outcome = TR_OUTCOME_QUARANTINED;
	add_str(v->fields, "reason_class", tr_err_name(v->err.code));
	add_str(v->fields, "reason", v->err.msg);
	json_object_object_add(v->fields, "quarantine_id",
	    json_object_new_int64(v->quarantine_id));
	if (qput == TR_PUT_DUPLICATE)
		json_object_object_add(v->fields, "already_quarantined",
		    json_object_new_boolean(1));
	return TR_OK;
}

/* quarantine_reason - one reason text for every invalid part of a message */
static void
quarantine_reason(const struct tr_analysis *a, struct tr_error *why)
{
	char buf[TR_ERRMSG_MAX];
	size_t i, n = 0;
	int first = 1;

	if (a->nitems == 0) {
		*why = a->err;
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < a->nitems; i++) {
		const struct tr_item *it = &a->items[i];

		if (it->report != NULL)
			continue;
		if (first)
			why->code = it->err.code;
		if (a->nitems > 1)
			n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0,
			    "%spart %u%s%s%s%s%s%s: %s", first ? "" : "; ",
			    it->part, it->filename ? " (" : "",
			    it->filename ? it->filename : "",
			    it->filename ? ")" : "",
			    it->member ? " member \"" : "",
			    it->member ? it->member : "",
			    it->member ? "\"" : "", it->err.msg);
		else
			n += (size_t)snprintf(buf, sizeof(buf), "%s", it->err.msg);
		first = 0;
		if (n >= sizeof(buf))
			break;
	}
	snprintf(why->msg, sizeof(why->msg), "%s", buf);
}

/*
 * quarantine_key - what makes this message's quarantine row: the content
 * of its one invalid part (or a hash of its invalid parts' hashes), and the
 * report key of the first that has one; a message without a report part
 * has no key but its bytes
 */
static void
quarantine_key(const struct tr_analysis *a, struct tr_quarantine_key *k,
    char *hex)
{
	EVP_MD_CTX *ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, j;
	size_t i, n = 0;
	const struct tr_item *it, *one = NULL;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < a->nitems; i++) {
		it = &a->items[i];
		if (it->report != NULL || it->content_sha256[0] == '\0')
			continue;
		if (one == NULL)
			one = it;
		if (k->report_id == NULL && it->report_id != NULL &&
		    it->organization_name != NULL) {
			k->organization_name = it->organization_name;
			k->report_id = it->report_id;
		}
		n++;
	}
	if (n == 0)
		return;
	if (n == 1) {
		k->content_sha256 = one->content_sha256;
		return;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		for (i = 0; i < a->nitems; i++)
			if (a->items[i].report == NULL)
				EVP_DigestUpdate(ctx, a->items[i].content_sha256,
				    strlen(a->items[i].content_sha256));
		if (EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32) {
			for (j = 0; j < mdlen; j++)
				snprintf(hex + 2 * j, 3, "%02x", md[j]);
			k->content_sha256 = hex;
		}
	}
	EVP_MD_CTX_free(ctx);
}

/* temporary_failure - whether the analysis failed for want of a resource
 * (memory) rather than because of the message; *why says where */
static int
temporary_failure(const struct tr_analysis *a, struct tr_error *why)
{
	size_t i;

	if (a->nitems == 0 && tr_err_is_temporary(a->err.code)) {
		*why = a->err;
		return 1;
	}
	for (i = 0; i < a->nitems; i++)
		if (a->items[i].report == NULL &&
		    tr_err_is_temporary(a->items[i].err.code)) {
			*why = a->items[i].err;
			return 1;
		}
	return 0;
}

/* invalid_fields - the log detail of one invalid item */
static struct json_object *
invalid_fields(const struct tr_item *it)
{
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "part", json_object_new_int((int)it->part));
	add_str(f, "filename", it->filename);
	add_str(f, "member", it->member);
	add_str(f, "reason_class", tr_err_name(it->err.code));
	add_str(f, "reason", it->err.msg);
	return f;
}

/* The log detail gathered while recording, until it joins the fields. */
struct detail {
	struct json_object *reports, *invalid;
	enum tr_put qput;
};

/*
 * record_items - store every valid item (or find it a duplicate), count
 * the invalid ones, into v and d; TR_ERR_STORE with serr set when the store
 * failed. The per-report detail is only built when it will be logged.
 */
static enum tr_err
record_items(struct tr_store *st, const struct tr_analysis *a,
    const struct tr_origin *o, struct tr_verdict *v, struct detail *d,
    struct tr_error *serr)
{
	struct put_result pr;
	int detail = tr_log_enabled(TR_LOG_INFO), newly;
	size_t i;

	for (i = 0; i < a->nitems; i++) {
		const struct tr_item *it = &a->items[i];

		if (it->report == NULL) {
			v->invalid++;
			if (d->invalid == NULL)
				d->invalid = json_object_new_array();
			json_object_array_add(d->invalid, invalid_fields(it));
			continue;
		}
		if (put_one(st, a, it->report, o, &pr, &newly, serr) != TR_OK)
			return TR_ERR_STORE;
		if (newly) {
			v->stored++;
			tally_report(it->report, v);
		} else
			v->duplicates++;
		if (strcmp(pr.status, "conflict") == 0)
			v->conflicts++;
		if (!detail)
			continue;
		if (d->reports == NULL)
			d->reports = json_object_new_array();
		json_object_array_add(d->reports, report_fields(it->report,
		    &pr));
	}
	return TR_OK;
}

/* finish - the outcome, and the detail joins the log fields */
static void
finish(struct tr_verdict *v, struct detail *d)
{
	if (v->stored > 0)
		v->outcome = TR_OUTCOME_STORED;
	else if (v->duplicates > 0)
		v->outcome = TR_OUTCOME_DUPLICATE;	/* maybe with a quarantined part */
	else
		v->outcome = TR_OUTCOME_QUARANTINED;
	if (d->reports != NULL)
		json_object_object_add(v->fields, "reports", d->reports);
	if (v->conflicts > 0)
		json_object_object_add(v->fields, "conflicts",
		    json_object_new_int64((int64_t)v->conflicts));
	if (d->invalid != NULL)
		json_object_object_add(v->fields, "invalid_parts", d->invalid);
	if (v->invalid > 0) {
		add_str(v->fields, "reason_class", tr_err_name(v->err.code));
		add_str(v->fields, "reason", v->err.msg);
		json_object_object_add(v->fields, "quarantine_id",
		    json_object_new_int64(v->quarantine_id));
		if (d->qput == TR_PUT_DUPLICATE)
			json_object_object_add(v->fields, "already_quarantined",
			    json_object_new_boolean(1));
	}
}

/* tr_record - store the valid reports; quarantine what is not valid */
enum tr_err
tr_record(struct tr_store *st, const struct tr_analysis *a,
    const unsigned char *raw, size_t rawlen, const struct tr_origin *origin,
    struct tr_verdict *v)
{
	struct tr_origin o = *origin;
	struct tr_quarantine_key qkey;
	struct detail d = { NULL, NULL, TR_PUT_STORED };
	char qhex[65];
	struct tr_error serr;

	memset(v, 0, sizeof(*v));
	if (o.meta == NULL)
		o.meta = &a->mime.meta;
	v->fields = tr_origin_fields(&o, rawlen);
	/* out of memory (or any resource) while analysing says nothing of
	 * the message: answer with a temporary failure, keep nothing */
	if (temporary_failure(a, &serr)) {
		tr_verdict_fail(v, &serr);
		return TR_OK;
	}
	v->dkim = a->dkim.status;
	v->dkim_cause = a->dkim.cause;
	if (a->dkim.status != TR_DKIM_UNCHECKED)
		json_object_object_add(v->fields, "dkim", dkim_fields(&a->dkim));
	if (a->dkim_policy == TR_DKIM_REQUIRE &&
	    a->dkim.status != TR_DKIM_UNCHECKED &&
	    a->dkim.status != TR_DKIM_PASS)
		return dkim_refused(st, a, raw, rawlen, &o, v);

	if (record_items(st, a, &o, v, &d, &serr) != TR_OK)
		goto store_failed;
	if (a->nitems == 0 || v->invalid > 0) {
		quarantine_reason(a, &v->err);
		if (a->nitems == 0)
			v->invalid = 1;
		/* an oversize message is kept by its head: enough to see what
		 * it was without letting one message fill the database */
		if (v->err.code == TR_ERR_TOO_LARGE && rawlen > QUARANTINE_HEAD)
			rawlen = QUARANTINE_HEAD;
		quarantine_key(a, &qkey, qhex);
		if (tr_store_put_quarantine_keyed(st, &o, raw, rawlen, &qkey,
		    tr_err_name(v->err.code), v->err.msg, &d.qput,
		    &v->quarantine_id, &serr) != TR_OK)
			goto store_failed;
	}
	finish(v, &d);
	return TR_OK;

store_failed:
	json_object_put(d.reports);
	json_object_put(d.invalid);
	tr_verdict_fail(v, &serr);
	return TR_ERR_STORE;
}
