/* pipeline.c - analyse a message into reports; record the reports or quarantine it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "domain_count.h"
#include "gunzip.h"
#include "unzip.h"
#include "log.h"
#include "pipeline.h"

#define QUARANTINE_HEAD	(1024 * 1024)

/* domain_from_filename - the policy domain of a "sender!domain!begin!end..." name */
static char *
domain_from_filename(const char *name)
{
	const char *base, *a, *b;

	if (name == NULL)
		return NULL;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if ((a = strchr(base, '!')) == NULL || (b = strchr(a + 1, '!')) == NULL ||
	    b == a + 1 || b - a > 254)
		return NULL;
	return strndup(a + 1, (size_t)(b - a - 1));
}

/* fallback_domain - the TLS-Report-Domain header, else the filename's domain */
static char *
fallback_domain(const struct tr_msgmeta *meta, const char *filename)
{
	if (meta != NULL && meta->report_domain != NULL &&
	    meta->report_domain[0] != '\0')
		return strdup(meta->report_domain);
	return domain_from_filename(filename);
}

/* hash_content - the hex SHA-256 of an invalid part's bytes, for the
 * quarantine: the same content arriving again is the same row */
static void
hash_content(const unsigned char *data, size_t len, struct tr_item *item)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	item->content_sha256[0] = '\0';
	if (EVP_Digest(data != NULL ? data : (const unsigned char *)"", len,
	    md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return;
	for (i = 0; i < mdlen; i++)
		snprintf(item->content_sha256 + 2 * i, 3, "%02x", md[i]);
}

/* string_member - a copy of o's string member key, or NULL */
static char *
string_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0 ||
	    json_object_get_string_len(v) > 1024)
		return NULL;
	return strndup(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v));
}

/*
 * refused_key - the organization-name and report-id of JSON that parsed
 * but was refused (a schema error), so that the sender's retries of one
 * report keep to one quarantine row. Depth-limited like the real parse.
 */
static void
refused_key(const unsigned char *json, size_t len,
    const struct tr_limits *limits, struct tr_item *item)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (item->err.code != TR_ERR_SCHEMA || len > (size_t)INT32_MAX ||
	    (tok = json_tokener_new_ex((int)limits->max_json_depth)) == NULL)
		return;
	o = json_tokener_parse_ex(tok, (const char *)json, (int)len);
	if (o != NULL && json_object_is_type(o, json_type_object)) {
		item->organization_name = string_member(o,
		    "organization-name");
		item->report_id = string_member(o, "report-id");
	}
	json_object_put(o);
	json_tokener_free(tok);
}

/* Where tr_analyse puts what it finds. */
struct sink {
	struct tr_analysis *a;
	size_t cap;			/* items allocated */
	const struct tr_limits *limits;
	struct tr_notes *notes;		/* for what is not a report */
	unsigned part;			/* the part being analysed */
	const char *filename;		/* its filename, or NULL */
	const char *fallback;		/* its policy domain hint, or NULL */
};

/* add_item - a new, zeroed item for the current part; NULL out of memory */
static struct tr_item *
add_item(struct sink *k)
{
	struct tr_analysis *a = k->a;
	struct tr_item *items, *it;
	size_t ncap;

	if (a->nitems == k->cap) {
		ncap = k->cap == 0 ? 2 : k->cap * 2;
		if ((items = reallocarray(a->items, ncap, sizeof(*items))) ==
		    NULL)
			return NULL;
		a->items = items;
		k->cap = ncap;
	}
	it = &a->items[a->nitems++];
	memset(it, 0, sizeof(*it));
	it->part = k->part;
	it->filename = k->filename;
	return it;
}

/* parse_json - validate one decompressed report body into item */
static void
parse_json(const unsigned char *data, size_t len, const char *fallback,
    const struct tr_limits *limits, struct tr_item *item)
{
	if (len > limits->max_report) {
		tr_error_set(&item->err, TR_ERR_DECOMPRESS_LIMIT,
		    "report is %zu bytes, over the limit of %zu bytes",
		    len, limits->max_report);
		return;
	}
	/* the parser keeps a copy of its own: no need for one here */
	if (tr_report_parse((const char *)data, len, limits, fallback,
	    &item->report, &item->err) != TR_OK) {
		/* decompressed: a retry's gzip header differs, this not */
		hash_content(data, len, item);
		refused_key(data, len, limits, item);
	}
}

/* zip_member - tr_unzip_each callback: every report member becomes an
 * item; any other member is noted as not a report */
static enum tr_err
zip_member(void *arg, const struct tr_zip_member *m)
{
	struct sink *k = arg;
	struct tr_item *it;
	const char *name = m->name;
	size_t n = strlen(name);
	char *fallback;

	if (!m->report)
		return tr_notes_add(k->notes, "zip member %s is not a report "
		    "(not *.json or *.json.gz); skipped", m->name) == 0 ?
		    TR_OK : TR_ERR_NOMEM;
	if (k->a->nitems >= k->limits->max_reports)
		return TR_ERR_REPORT_LIMIT;
	if ((it = add_item(k)) == NULL)
		return TR_ERR_NOMEM;
	/* the name without tr_quote's quotes, for the log and messages */
	if (n >= 2 && name[0] == '"') {
		name++;
		n -= name[n - 2] == '"' ? 2 : 1;
	}
	if ((it->member = strndup(name, n)) == NULL)
		return TR_ERR_NOMEM;
	if (m->json == NULL) {
		it->err = m->err;
		return TR_OK;
	}
	fallback = domain_from_filename(it->member);
	parse_json(m->json, m->len, fallback != NULL ? fallback : k->fallback,
	    k->limits, it);
	free(fallback);
	if (it->report == NULL)
		tr_error_prefix(&it->err, "zip member %s", m->name);
	return TR_OK;
}

/* analyse_payload - decompress as needed and validate the report bodies of
 * one part (a zip archive may hold several) into new items */
static void
analyse_payload(struct sink *k, const unsigned char *data, size_t len,
    enum tr_payload kind)
{
	unsigned char *json = NULL;
	size_t jsonlen = 0, first = k->a->nitems;
	struct tr_error err;
	struct tr_item *item;
	enum tr_err rc;

	if (kind == TR_PAYLOAD_ZIP) {
		rc = tr_unzip_each(data, len, k->limits, zip_member, k, &err);
		if (rc == TR_OK)
			return;
		if (rc == TR_ERR_REPORT_LIMIT)
			tr_error_set(&err, rc, "zip: more than %u report "
			    "members in the message", k->limits->max_reports);
		else if (rc == TR_ERR_NOMEM)
			tr_error_set(&err, rc, "out of memory");
		/* out of memory the items of this archive go: the message is
		 * answered with a temporary failure anyway */
		if (rc == TR_ERR_NOMEM)
			while (k->a->nitems > first) {
				item = &k->a->items[--k->a->nitems];
				tr_report_free(item->report);
				free(item->member);
			}
		if ((item = add_item(k)) == NULL) {
			tr_error_set(&k->a->err, TR_ERR_NOMEM, "out of memory");
			return;
		}
		item->err = err;
		return;
	}
	if ((item = add_item(k)) == NULL) {
		tr_error_set(&k->a->err, TR_ERR_NOMEM, "out of memory");
		return;
	}
	if (kind == TR_PAYLOAD_GZIP) {
		if (tr_gunzip_buf(data, len, k->limits, &json, &jsonlen,
		    &item->err) == TR_OK)
			parse_json(json, jsonlen, k->fallback, k->limits, item);
		free(json);
		return;
	}
	parse_json(data, len, k->fallback, k->limits, item);
}

/* drop_items - free every item of a and leave it with none */
static void
drop_items(struct tr_analysis *a)
{
	size_t i;

	for (i = 0; i < a->nitems; i++) {
		tr_report_free(a->items[i].report);
		free(a->items[i].member);
		free(a->items[i].organization_name);
		free(a->items[i].report_id);
	}
	free(a->items);
	a->items = NULL;
	a->nitems = 0;
}

/* fail_whole - the message fails as a whole with why: no item is left,
 * so it is quarantined with that one reason */
static void
fail_whole(struct tr_analysis *a, const struct tr_error *why)
{
	drop_items(a);
	a->err = *why;
}

/*
 * over_message_limits - whether the work of items[0..n) is over what one
 * message may make: a part over a work limit of its own (report-limit:
 * policies, failure details, string sizes), or valid reports that hold
 * more policies or failure details together than max_message_policies or
 * max_message_details. If so, every item of the message becomes invalid
 * with TR_ERR_REPORT_LIMIT: the message is quarantined whole rather than
 * stored in part, and the parts not yet analysed are not parsed at all,
 * so that one message cannot keep the store thread busy for seconds.
 */
static int
over_message_limits(struct tr_analysis *a, size_t n,
    const struct tr_limits *lim)
{
	size_t i, k, policies = 0, details = 0;
	struct tr_report *r;
	struct tr_error why;

	for (i = 0; i < n; i++)
		if (a->items[i].report == NULL &&
		    a->items[i].err.code == TR_ERR_REPORT_LIMIT) {
			if (a->nitems == 1)
				return 1;	/* its own reason says it all */
			why = a->items[i].err;
			if (a->items[i].filename != NULL)
				tr_error_prefix(&why, "part %u (%s)",
				    a->items[i].part, a->items[i].filename);
			else
				tr_error_prefix(&why, "part %u", a->items[i].part);
			fail_whole(a, &why);
			return 1;
		}

	for (i = 0; i < n; i++) {
		if ((r = a->items[i].report) == NULL)
			continue;
		policies += r->npolicies;
		for (k = 0; k < r->npolicies; k++)
			details += r->policies[k].nfailures;
	}
	if (policies > lim->max_message_policies)
		tr_error_set(&why, TR_ERR_REPORT_LIMIT, "message: %zu policies "
		    "in its reports so far, over the limit of %zu per message",
		    policies, lim->max_message_policies);
	else if (details > lim->max_message_details)
		tr_error_set(&why, TR_ERR_REPORT_LIMIT, "message: %zu "
		    "failure-details in its reports so far, over the limit of "
		    "%zu per message", details, lim->max_message_details);
	else
		return 0;
	fail_whole(a, &why);
	return 1;
}

/* tr_analyse - MIME, decompression and validation of every report part */
void
tr_analyse(const unsigned char *buf, size_t len, enum tr_input kind,
    const char *hint, const struct tr_limits *limits, struct tr_analysis *out)
{
	struct tr_item *item;
	struct sink k;
	char *fallback;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&k, 0, sizeof(k));
	k.a = out;
	k.limits = limits;
	k.notes = &out->mime.notes;
	if (kind == TR_INPUT_REPORT) {
		fallback = domain_from_filename(hint);
		k.fallback = fallback;
		analyse_payload(&k, buf, len, tr_payload_sniff(buf, len));
		free(fallback);
		(void)over_message_limits(out, out->nitems, limits);
	} else {
		if (tr_mime_extract(buf, len, limits, &out->mime, &out->err) !=
		    TR_OK)
			return;
		for (i = 0; i < out->mime.nparts && out->err.code == TR_OK;
		    i++) {
			struct tr_part *p = &out->mime.parts[i];

			k.part = p->index;
			k.filename = p->filename;
			fallback = fallback_domain(&out->mime.meta,
			    p->filename);
			k.fallback = fallback;
			analyse_payload(&k, p->data, p->len, p->payload);
			free(fallback);
			if (over_message_limits(out, out->nitems, limits))
				break;
		}
	}
	if (out->err.code != TR_OK) {
		drop_items(out);
		return;
	}
	/* the message's notes (and what was not a report) on every report */
	for (i = 0; i < out->nitems; i++) {
		item = &out->items[i];
		if (item->report != NULL && out->mime.notes.n > 0 &&
		    tr_notes_append(&item->report->notes, &out->mime.notes) == -1) {
			tr_report_free(item->report);
			item->report = NULL;
			tr_error_set(&item->err, TR_ERR_NOMEM, "out of memory");
		}
	}
}

/* tr_analysis_dkim - verify the signatures of a message that holds reports */
void
tr_analysis_dkim(struct tr_analysis *a, const unsigned char *buf, size_t len,
    enum tr_input kind, const struct tr_dkim_settings *s)
{
	size_t i;
	int valid = 0;

	if (s == NULL || s->policy == TR_DKIM_OFF || s->verifier == NULL ||
	    kind != TR_INPUT_MESSAGE)
		return;
	a->dkim_policy = s->policy;
	for (i = 0; i < a->nitems; i++)
		if (a->items[i].report != NULL)
			valid = 1;
	/* nothing would be stored: no key lookups for it */
	if (!valid)
		return;
	tr_dkim_verify(s->verifier, buf, len, a->mime.meta.from,
	    s->trusted_authserv_id, &a->dkim);
}

/* tr_analysis_note - a note of the way in, on every valid report */
void
tr_analysis_note(struct tr_analysis *a, const char *note)
{
	struct tr_item *item;
	size_t i;

	for (i = 0; i < a->nitems; i++) {
		item = &a->items[i];
		if (item->report == NULL ||
		    tr_notes_add(&item->report->notes, "%s", note) == 0)
			continue;
		tr_report_free(item->report);
		item->report = NULL;
		tr_error_set(&item->err, TR_ERR_NOMEM, "out of memory");
	}
}

/* not_ours - whether r names domains and none of them is ours */
static int
not_ours(const struct tr_report *r, const char *const *domains, size_t n)
{
	size_t i, named = 0;

	for (i = 0; i < r->ndomains; i++) {
		if (r->domains[i].policy_domain == NULL)
			continue;
		named++;
		if (tr_domain_owner(r->domains[i].policy_domain, domains, n) !=
		    NULL)
			return 0;
	}
	return named > 0;
}

/* tr_analysis_own_domains - reports about other sites' domains out */
void
tr_analysis_own_domains(struct tr_analysis *a, const char *const *domains,
    size_t n)
{
	struct tr_item *item;
	struct tr_report *r;
	size_t i, j, len;
	int first;

	for (i = 0; i < a->nitems; i++) {
		item = &a->items[i];
		if ((r = item->report) == NULL || !not_ours(r, domains, n))
			continue;
		len = (size_t)snprintf(item->err.msg, sizeof(item->err.msg),
		    "the report is about");
		for (j = 0, first = 1; j < r->ndomains &&
		    len < sizeof(item->err.msg); j++) {
			if (r->domains[j].policy_domain == NULL)
				continue;
			len += (size_t)snprintf(item->err.msg + len,
			    sizeof(item->err.msg) - len, "%s %s",
			    first ? "" : ",", r->domains[j].policy_domain);
			first = 0;
		}
		if (len < sizeof(item->err.msg))
			snprintf(item->err.msg + len, sizeof(item->err.msg) -
			    len, ", none of them in domains (tlsrptd.conf)");
		item->err.code = TR_ERR_NOT_OURS;
		hash_content((const unsigned char *)r->raw, r->rawlen, item);
		item->organization_name = strdup(r->organization_name);
		item->report_id = strdup(r->report_id);
		tr_report_free(r);
		item->report = NULL;
	}
}

/* tr_analysis_free - release an analysis */
void
tr_analysis_free(struct tr_analysis *a)
{
	drop_items(a);
	tr_mime_result_free(&a->mime);
	memset(a, 0, sizeof(*a));
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

/* tr_record - store the valid reports; quarantine what is not valid */
enum tr_err
tr_record(struct tr_store *st, const struct tr_analysis *a,
    const unsigned char *raw, size_t rawlen, const struct tr_origin *origin,
    struct tr_verdict *v)
{
	struct tr_origin o = *origin;
	struct json_object *reports = NULL, *invalid = NULL, *it_fields;
	struct tr_quarantine_key qkey;
	char qhex[65];
	struct tr_error serr;
	struct put_result pr;
	enum tr_put qput = TR_PUT_STORED;
	size_t i;
	int detail, newly;

	memset(v, 0, sizeof(*v));
	detail = tr_log_enabled(TR_LOG_INFO);
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

	for (i = 0; i < a->nitems; i++) {
		const struct tr_item *it = &a->items[i];

		if (it->report == NULL) {
			v->invalid++;
			if (invalid == NULL)
				invalid = json_object_new_array();
			it_fields = json_object_new_object();
			json_object_object_add(it_fields, "part",
			    json_object_new_int((int)it->part));
			add_str(it_fields, "filename", it->filename);
			add_str(it_fields, "member", it->member);
			add_str(it_fields, "reason_class", tr_err_name(it->err.code));
			add_str(it_fields, "reason", it->err.msg);
			json_object_array_add(invalid, it_fields);
			continue;
		}
		if (put_one(st, a, it->report, &o, &pr, &newly, &serr) != TR_OK)
			goto store_failed;
		if (newly) {
			v->stored++;
			tally_report(it->report, v);
		} else
			v->duplicates++;
		if (strcmp(pr.status, "conflict") == 0)
			v->conflicts++;
		/* the per-report detail is only worth building when logged */
		if (!detail)
			continue;
		if (reports == NULL)
			reports = json_object_new_array();
		json_object_array_add(reports, report_fields(it->report, &pr));
	}
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
		    tr_err_name(v->err.code), v->err.msg, &qput,
		    &v->quarantine_id, &serr) != TR_OK)
			goto store_failed;
	}

	if (v->stored > 0)
		v->outcome = TR_OUTCOME_STORED;
	else if (v->duplicates > 0)
		v->outcome = TR_OUTCOME_DUPLICATE;	/* maybe with a quarantined part */
	else
		v->outcome = TR_OUTCOME_QUARANTINED;
	if (reports != NULL)
		json_object_object_add(v->fields, "reports", reports);
	if (v->conflicts > 0)
		json_object_object_add(v->fields, "conflicts",
		    json_object_new_int64((int64_t)v->conflicts));
	if (invalid != NULL)
		json_object_object_add(v->fields, "invalid_parts", invalid);
	if (v->invalid > 0) {
		add_str(v->fields, "reason_class", tr_err_name(v->err.code));
		add_str(v->fields, "reason", v->err.msg);
		json_object_object_add(v->fields, "quarantine_id",
		    json_object_new_int64(v->quarantine_id));
		if (qput == TR_PUT_DUPLICATE)
			json_object_object_add(v->fields, "already_quarantined",
			    json_object_new_boolean(1));
	}
	return TR_OK;

store_failed:
	json_object_put(reports);
	json_object_put(invalid);
	tr_verdict_fail(v, &serr);
	return TR_ERR_STORE;
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
