/* pipeline.c - analyse a message into reports (the storing half is record.c) */
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
