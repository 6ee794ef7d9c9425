/* report.c - parse and validate a TLS-RPT report (RFC 8460 section 4) */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "datetime.h"
#include "domain_count.h"
#include "error.h"
#include "json_text.h"
#include "limits.h"
#include "notes.h"
#include "report.h"
#include "report_fields.h"
#include "result_types.h"

/* Most reports fit their policies, failures and copies in this block. */
#define ARENA_FIRST	2048

/*
 * One allocation holds the report, its private state and the copy of the
 * input: the caller may free its buffer as soon as we return.
 */
struct report_priv {
	struct json_object *root;	/* while parsing; strings then copied */
	struct tr_arena arena;
	char start[TR_DT_UTC_LEN + 1];
	char end[TR_DT_UTC_LEN + 1];
	max_align_t first[ARENA_FIRST / sizeof(max_align_t)];
};

struct report_box {
	struct tr_report r;
	struct report_priv p;
	char raw[];
};

/* Known names per object, as RFC 8460 spells them; the drifted names
 * senders use instead are mapped by the table in report_fields.c. */
static const char *const top_keys[] = {
	"organization-name", "date-range", "contact-info", "report-id",
	"policies", NULL
};
static const char *const range_keys[] = {
	"start-datetime", "end-datetime", NULL
};
static const char *const item_keys[] = {
	"policy", "summary", "failure-details", NULL
};
static const char *const policy_keys[] = {
	"policy-type", "policy-string", "policy-domain", "mx-host", NULL
};
static const char *const summary_keys[] = {
	"total-successful-session-count", "total-failure-session-count", NULL
};
static const char *const failure_keys[] = {
	"result-type", "sending-mta-ip", "receiving-mx-hostname",
	"receiving-mx-helo", "receiving-ip", "failed-session-count",
	"additional-information", "failure-reason-code", NULL
};

/* read_datetime - a required RFC 3339 date-time field, normalised into dt */
static enum tr_err
read_datetime(struct tr_rctx *c, struct tr_rf_obj *ob, const char *key,
    struct tr_dt *dt)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	const char *s, *why;
	enum tr_err e;

	if ((e = tr_rf_string(c, ob, key, TR_RF_REQUIRED, &s)) != TR_OK)
		return e;
	if (tr_dt_parse(s, strlen(s), dt, &why) == -1) {
		tr_quote(buf, sizeof(buf), s, strlen(s), TR_RF_QUOTE_MAX);
		return tr_rf_fail(c, TR_ERR_SCHEMA, key,
		    "not an RFC 3339 date-time: %s%s%s%s", buf,
		    why != NULL ? " (" : "", why != NULL ? why : "",
		    why != NULL ? ")" : "");
	}
	if (!dt->zoned)
		return tr_rf_note(c, key, "no time zone, read as UTC");
	return TR_OK;
}

/* parse_range - date-range: two date-times, the end not before the start */
static enum tr_err
parse_range(struct tr_rctx *c, struct tr_rf_obj *top, struct report_priv *p)
{
	struct json_object *o;
	struct tr_rf_obj ob;
	struct tr_dt start, end;
	enum tr_err e;
	size_t mark;

	if ((e = tr_rf_object(c, top, "date-range", &o)) != TR_OK)
		return e;
	ob.o = o;
	ob.found = 0;
	mark = tr_rf_push(c, "date-range", TR_RF_NOINDEX);
	if ((e = read_datetime(c, &ob, "start-datetime", &start)) != TR_OK ||
	    (e = read_datetime(c, &ob, "end-datetime", &end)) != TR_OK)
		return e;
	/* 23:59:59Z and the next day's 00:00:00Z are both fine ends */
	if (end.epoch < start.epoch)
		return tr_rf_fail(c, TR_ERR_SCHEMA, NULL,
		    "end-datetime %s is before start-datetime %s", end.utc,
		    start.utc);
	if ((e = tr_rf_unknown(c, &ob, range_keys)) != TR_OK)
		return e;
	tr_rf_pop(c, mark);
	memcpy(p->start, start.utc, sizeof(p->start));
	memcpy(p->end, end.utc, sizeof(p->end));
	c->r->start_datetime = p->start;
	c->r->end_datetime = p->end;
	return TR_OK;
}

/* parse_failure - one failure-details entry */
static enum tr_err
parse_failure(struct tr_rctx *c, struct json_object *o, struct tr_failure *f)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	const char *known;
	struct tr_rf_obj ob;
	enum tr_err e;

	if (!json_object_is_type(o, json_type_object))
		return tr_rf_fail(c, TR_ERR_SCHEMA, NULL,
		    "expected an object, got %s",
		    tr_rf_describe(o, buf, sizeof(buf)));
	ob.o = o;
	ob.found = 0;
	if ((e = tr_rf_string(c, &ob, "result-type",
	    TR_RF_REQUIRED | TR_RF_NONEMPTY, &f->result_type)) != TR_OK)
		return e;
	/* the registry grows by expert review: keep what we do not know */
	if ((known = tr_result_type_name(
	    tr_result_type_index(f->result_type))) != NULL)
		f->result_type = known;		/* no copy needed */
	f->result_type_known = known != NULL;
	if (!f->result_type_known) {
		tr_quote(buf, sizeof(buf), f->result_type,
		    strlen(f->result_type), TR_RF_QUOTE_MAX);
		if ((e = tr_rf_note(c, NULL, "unknown result-type %s", buf)) !=
		    TR_OK)
			return e;
	}
	if ((e = tr_rf_ip(c, &ob, "sending-mta-ip", &f->sending_mta_ip)) !=
	    TR_OK ||
	    (e = tr_rf_string(c, &ob, "receiving-mx-hostname", 0,
	    &f->receiving_mx_hostname)) != TR_OK ||
	    (e = tr_rf_string(c, &ob, "receiving-mx-helo", 0,
	    &f->receiving_mx_helo)) != TR_OK ||
	    (e = tr_rf_ip(c, &ob, "receiving-ip", &f->receiving_ip)) != TR_OK ||
	    (e = tr_rf_count(c, &ob, "failed-session-count",
	    &f->failed_session_count)) != TR_OK ||
	    (e = tr_rf_string(c, &ob, "additional-information", 0,
	    &f->additional_information)) != TR_OK ||
	    (e = tr_rf_string(c, &ob, "failure-reason-code", 0,
	    &f->failure_reason_code)) != TR_OK)
		return e;
	return tr_rf_unknown(c, &ob, failure_keys);
}

/* parse_policy_fields - the "policy" object of one policies[] entry */
static enum tr_err
parse_policy_fields(struct tr_rctx *c, struct json_object *o,
    struct tr_policy *p)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct json_object *v;
	struct tr_rf_obj ob;
	const char *name, *t, *what;
	enum tr_err e;
	int has;

	ob.o = o;
	ob.found = 0;
	if ((e = tr_rf_string(c, &ob, "policy-type",
	    TR_RF_REQUIRED | TR_RF_NONEMPTY, &t)) != TR_OK)
		return e;
	if (strcmp(t, "tlsa") != 0 && strcmp(t, "sts") != 0 &&
	    strcmp(t, "no-policy-found") != 0) {
		tr_quote(buf, sizeof(buf), t, strlen(t), TR_RF_QUOTE_MAX);
		return tr_rf_fail(c, TR_ERR_SCHEMA, "policy-type",
		    "expected \"tlsa\", \"sts\" or \"no-policy-found\", got %s",
		    buf);
	}
	p->policy_type = t;

	if ((has = tr_rf_get(c, &ob, "policy-string", &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (has && v == NULL)
		e = tr_rf_note(c, name, "null, read as absent");
	else if (has)
		e = tr_rf_list(c, name, v, TR_RF_POLICY_STRING,
		    &p->policy_string_json);
	if (e != TR_OK)
		return e;

	if ((has = tr_rf_get(c, &ob, "policy-domain", &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (has && v != NULL && (e = tr_rf_check_string(c, name, v, 0)) !=
	    TR_OK)
		return e;
	if (!has || v == NULL || json_object_get_string_len(v) == 0) {
		/*
		 * Postfix + libtlsrpt leave it out on no-policy-found. The
		 * counts can still be read: take the TLS-Report-Domain header
		 * or the file name's domain here, else what the report's
		 * other policies name (resolve_domains), else none.
		 */
		what = !has ? "missing" : v == NULL ? "null" : "empty";
		if (c->fallback_domain == NULL)
			return tr_rf_note(c, "policy-domain", "%s", what);
		if ((p->policy_domain = tr_rf_domain(c, c->fallback_domain,
		    strlen(c->fallback_domain), 0)) == NULL)
			return tr_error_set(c->err, TR_ERR_NOMEM,
			    "out of memory");
		tr_quote(buf, sizeof(buf), p->policy_domain,
		    strlen(p->policy_domain), TR_RF_QUOTE_MAX);
		if ((e = tr_rf_note(c, "policy-domain", "%s, using %s", what,
		    buf)) != TR_OK)
			return e;
	} else {
		if ((p->policy_domain = tr_rf_domain(c,
		    json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), 1)) == NULL)
			return tr_error_set(c->err, TR_ERR_NOMEM,
			    "out of memory");
		if (p->policy_domain[0] == '\0')
			return tr_rf_fail(c, TR_ERR_SCHEMA, name,
			    "expected a domain name, got %s",
			    tr_rf_describe(v, buf, sizeof(buf)));
	}

	if ((has = tr_rf_get(c, &ob, "mx-host", &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (has && v == NULL)
		e = tr_rf_note(c, name, "null, read as absent");
	else if (has)
		e = tr_rf_list(c, name, v, TR_RF_MX_HOST, &p->mx_host_json);
	if (e != TR_OK)
		return e;
	return tr_rf_unknown(c, &ob, policy_keys);
}

/* alloc_entries - zeroed room for the n entries of array name, refused past
 * limit; *out stays NULL when n is 0 */
static enum tr_err
alloc_entries(struct tr_rctx *c, const char *name, size_t n, size_t limit,
    size_t size, void **out)
{
	*out = NULL;
	if (n > limit)
		return tr_rf_fail(c, TR_ERR_REPORT_LIMIT, name,
		    "%zu entries, over the limit of %zu", n, limit);
	if (n == 0)
		return TR_OK;
	if (n > SIZE_MAX / size || (*out = tr_arena_alloc(c->arena,
	    n * size)) == NULL)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	memset(*out, 0, n * size);
	return TR_OK;
}

/* parse_details - failure-details of one policy (missing or [] is fine) */
static enum tr_err
parse_details(struct tr_rctx *c, struct tr_rf_obj *ob, struct tr_policy *p)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct json_object *v;
	const char *name;
	int64_t sum = 0;
	size_t i, n, mark;
	enum tr_err e;
	void *mem;
	int has, over = 0;

	if ((has = tr_rf_get(c, ob, "failure-details", &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (!has)
		return TR_OK;
	if (v == NULL)
		return tr_rf_note(c, name, "null, read as absent");
	if (!json_object_is_type(v, json_type_array))
		return tr_rf_fail(c, TR_ERR_SCHEMA, name,
		    "expected an array, got %s",
		    tr_rf_describe(v, buf, sizeof(buf)));
	n = json_object_array_length(v);
	if ((e = alloc_entries(c, name, n, c->lim->max_failure_details,
	    sizeof(*p->failures), &mem)) != TR_OK || n == 0)
		return e;
	p->failures = mem;
	for (i = 0; i < n; i++) {
		mark = tr_rf_push(c, "failure-details", i);
		if ((e = parse_failure(c, json_object_array_get_idx(v, i),
		    &p->failures[i])) != TR_OK)
			return e;
		tr_rf_pop(c, mark);
		p->nfailures++;
		if (__builtin_add_overflow(sum,
		    p->failures[i].failed_session_count, &sum))
			over = 1;
	}
	/* Mail.ru: both numbers are kept as sent, the reader decides */
	if (over)
		return tr_rf_note(c, NULL, "failed-session-count of the "
		    "failure-details overflows, total-failure-session-count "
		    "is %" PRId64, p->failed_sessions);
	if (sum != p->failed_sessions)
		return tr_rf_note(c, NULL, "failed-session-count of the "
		    "failure-details adds up to %" PRId64 ", "
		    "total-failure-session-count is %" PRId64, sum,
		    p->failed_sessions);
	return TR_OK;
}

/* parse_policy - one policies[] entry: policy, summary, failure-details */
static enum tr_err
parse_policy(struct tr_rctx *c, struct json_object *o, struct tr_policy *p)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct json_object *v;
	struct tr_rf_obj ob, sob;
	enum tr_err e;
	size_t mark;

	if (!json_object_is_type(o, json_type_object))
		return tr_rf_fail(c, TR_ERR_SCHEMA, NULL,
		    "expected an object, got %s",
		    tr_rf_describe(o, buf, sizeof(buf)));
	ob.o = o;
	ob.found = 0;
	if ((e = tr_rf_object(c, &ob, "policy", &v)) != TR_OK)
		return e;
	mark = tr_rf_push(c, "policy", TR_RF_NOINDEX);
	if ((e = parse_policy_fields(c, v, p)) != TR_OK)
		return e;
	tr_rf_pop(c, mark);

	if ((e = tr_rf_object(c, &ob, "summary", &v)) != TR_OK)
		return e;
	mark = tr_rf_push(c, "summary", TR_RF_NOINDEX);
	sob.o = v;
	sob.found = 0;
	if ((e = tr_rf_count(c, &sob, "total-successful-session-count",
	    &p->successful_sessions)) != TR_OK ||
	    (e = tr_rf_count(c, &sob, "total-failure-session-count",
	    &p->failed_sessions)) != TR_OK ||
	    (e = tr_rf_unknown(c, &sob, summary_keys)) != TR_OK)
		return e;
	tr_rf_pop(c, mark);

	if ((e = parse_details(c, &ob, p)) != TR_OK)
		return e;
	return tr_rf_unknown(c, &ob, item_keys);
}

/* at_or_below - whether domain d is p or a name below it */
static int
at_or_below(const char *d, const char *p)
{
	size_t dl = strlen(d), pl = strlen(p);

	return dl >= pl && strcmp(d + dl - pl, p) == 0 &&
	    (dl == pl || d[dl - pl - 1] == '.');
}

/*
 * resolve_domains - a policy left without a domain (no header or file name
 * to take it from: an HTTPS POST) takes the one domain the report's other
 * policies all name, or are at or below (Postfix names a tlsa policy after
 * the MX host, mx1.example.net, beside an sts policy for example.net); when
 * they name none or unrelated ones, it stays without one (stored under
 * NULL) rather than losing its sessions. Noted either way.
 */
static enum tr_err
resolve_domains(struct tr_rctx *c)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct tr_report *r = c->r;
	const char *one = NULL, *d;
	size_t i, mark, missing = 0;
	enum tr_err e;
	int several = 0;

	/* the shortest domain named: the only one all others can be below */
	for (i = 0; i < r->npolicies; i++) {
		d = r->policies[i].policy_domain;
		if (d == NULL)
			missing++;
		else if (one == NULL || strlen(d) < strlen(one))
			one = d;
	}
	if (missing == 0)
		return TR_OK;
	for (i = 0; one != NULL && i < r->npolicies; i++) {
		d = r->policies[i].policy_domain;
		if (d != NULL && !at_or_below(d, one))
			several = 1;
	}
	if (one != NULL)
		tr_quote(buf, sizeof(buf), one, strlen(one), TR_RF_QUOTE_MAX);
	for (i = 0; i < r->npolicies; i++) {
		if (r->policies[i].policy_domain != NULL)
			continue;
		mark = tr_rf_push(c, "policies", i);
		tr_rf_push(c, "policy", TR_RF_NOINDEX);
		if (one != NULL && !several) {
			r->policies[i].policy_domain = one;
			e = tr_rf_note(c, "policy-domain", "using %s, the "
			    "domain of the report's other policies", buf);
		} else
			e = tr_rf_note(c, "policy-domain", "unknown: %s; "
			    "stored under no domain", one == NULL ? "no other "
			    "policy names one" : "the other policies name "
			    "several");
		tr_rf_pop(c, mark);
		if (e != TR_OK)
			return e;
	}
	return TR_OK;
}

/* check_report_details - the failure-details of all n policies together
 * within max_report_details, counted before any of them is parsed */
static enum tr_err
check_report_details(struct tr_rctx *c, struct json_object *policies,
    size_t n)
{
	struct json_object *fd;
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		if (json_object_object_get_ex(json_object_array_get_idx(
		    policies, i), "failure-details", &fd) &&
		    json_object_is_type(fd, json_type_array))
			total += json_object_array_length(fd);
	if (total > c->lim->max_report_details)
		return tr_rf_fail(c, TR_ERR_REPORT_LIMIT, "policies",
		    "%zu failure-details in all, over the limit of %zu per "
		    "report", total, c->lim->max_report_details);
	return TR_OK;
}

/* parse_policies - the policies array, within max_policies */
static enum tr_err
parse_policies(struct tr_rctx *c, struct tr_rf_obj *top)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct tr_report *r = c->r;
	struct json_object *v;
	const char *name;
	size_t i, n, mark;
	enum tr_err e;
	void *mem;
	int has;

	if ((has = tr_rf_get(c, top, "policies", &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (!has)
		return tr_rf_fail(c, TR_ERR_SCHEMA, NULL,
		    "missing required field \"policies\"");
	/* RFC 8460 section 4: an array even when there is one policy */
	if (!json_object_is_type(v, json_type_array))
		return tr_rf_fail(c, TR_ERR_SCHEMA, name,
		    "expected an array, got %s",
		    tr_rf_describe(v, buf, sizeof(buf)));
	n = json_object_array_length(v);
	if ((e = alloc_entries(c, name, n, c->lim->max_policies,
	    sizeof(*r->policies), &mem)) != TR_OK ||
	    (e = check_report_details(c, v, n)) != TR_OK)
		return e;
	if (n == 0)
		return tr_rf_note(c, NULL, "report has no policies");
	r->policies = mem;
	for (i = 0; i < n; i++) {
		mark = tr_rf_push(c, "policies", i);
		if ((e = parse_policy(c, json_object_array_get_idx(v, i),
		    &r->policies[i])) != TR_OK)
			return e;
		tr_rf_pop(c, mark);
		r->npolicies++;
	}
	return resolve_domains(c);
}

/* parse_report - the top-level object, in RFC 8460 section 4.4 order */
static enum tr_err
parse_report(struct tr_rctx *c, struct report_priv *p)
{
	struct tr_report *r = c->r;
	struct json_object *v;
	struct tr_rf_obj top;
	const char *name;
	enum tr_err e;
	int has;

	top.o = p->root;
	top.found = 0;
	if ((e = tr_rf_string(c, &top, "organization-name",
	    TR_RF_REQUIRED | TR_RF_NONEMPTY, &r->organization_name)) != TR_OK ||
	    (e = parse_range(c, &top, p)) != TR_OK)
		return e;

	/* smaller senders leave contact-info out or send null */
	if ((has = tr_rf_get(c, &top, "contact-info", &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (!has)
		e = tr_rf_note(c, "contact-info", "missing");
	else if (v == NULL)
		e = tr_rf_note(c, name, "null, read as absent");
	else if ((e = tr_rf_check_string(c, name, v, 0)) == TR_OK)
		r->contact_info = json_object_get_string(v);
	if (e != TR_OK)
		return e;

	if ((e = tr_rf_string(c, &top, "report-id",
	    TR_RF_REQUIRED | TR_RF_NONEMPTY, &r->report_id)) != TR_OK ||
	    (e = parse_policies(c, &top)) != TR_OK)
		return e;
	return tr_rf_unknown(c, &top, top_keys);
}

/* own - *s copied into the arena (NULL stays NULL); -1 when out of memory */
static int
own(struct tr_arena *a, const char **s)
{
	if (*s == NULL)
		return 0;
	return (*s = tr_arena_strndup(a, *s, strlen(*s))) == NULL ? -1 : 0;
}

/*
 * detach - copy what the report points at in the json-c tree into the arena
 * and free the tree. The thread that parsed does the many small frees, and
 * a report waiting for its turn to be stored holds a few blocks, not the
 * tree (several times the size of the JSON).
 */
static enum tr_err
detach(struct tr_rctx *c, struct report_priv *p)
{
	struct tr_report *r = c->r;
	struct tr_arena *a = c->arena;
	struct tr_policy *pol;
	struct tr_failure *f;
	size_t i, j;
	int rc;

	rc = own(a, &r->organization_name) | own(a, &r->report_id) |
	    own(a, &r->contact_info);
	for (i = 0; i < r->npolicies; i++) {
		pol = &r->policies[i];
		/* validated: one of three names, which need no copy */
		pol->policy_type = strcmp(pol->policy_type, "tlsa") == 0 ?
		    "tlsa" : strcmp(pol->policy_type, "sts") == 0 ? "sts" :
		    "no-policy-found";
		rc |= own(a, &pol->policy_domain) |
		    own(a, &pol->policy_string_json) | own(a, &pol->mx_host_json);
		for (j = 0; j < pol->nfailures; j++) {
			f = &pol->failures[j];
			if (!f->result_type_known)
				rc |= own(a, &f->result_type);
			rc |= own(a, &f->sending_mta_ip) |
			    own(a, &f->receiving_mx_hostname) |
			    own(a, &f->receiving_mx_helo) |
			    own(a, &f->receiving_ip) |
			    own(a, &f->additional_information) |
			    own(a, &f->failure_reason_code);
		}
	}
	if (rc != 0)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	json_object_put(p->root);
	p->root = NULL;
	return TR_OK;
}

/* check_text - the text before it is parsed: not empty, well-formed UTF-8
 * without NUL, not too large; *skip is the length of a byte order mark */
static enum tr_err
check_text(const char *json, size_t len, size_t *skip, struct tr_error *err)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	size_t off, seq;

	/* some Windows tools write one; JSON (RFC 8259 8.1) has none */
	*skip = len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (off = *skip; off < len && tr_json_text_is_ws(json[off]); off++)
		;
	if (off == len)
		return tr_error_set(err, TR_ERR_JSON, "empty input");
	if ((off = tr_json_text_utf8((const unsigned char *)json + *skip,
	    len - *skip, &seq) + *skip) < len) {
		if (json[off] == '\0')
			return tr_error_set(err, TR_ERR_JSON,
			    "NUL byte at byte offset %zu", off);
		tr_quote(buf, sizeof(buf), json + off, seq, 4);
		return tr_error_set(err, TR_ERR_UTF8,
		    "invalid UTF-8 at byte offset %zu: %s", off, buf);
	}
	if (len - *skip >= INT32_MAX)
		return tr_error_set(err, TR_ERR_REPORT_LIMIT,
		    "report of %zu bytes is too large to parse", len);
	return TR_OK;
}

/* tr_report_parse - parse JSON and check it against RFC 8460 section 4 */
enum tr_err
tr_report_parse(const char *json, size_t len, const struct tr_limits *limits,
    const char *fallback_domain, struct tr_report **out, struct tr_error *err)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct report_box *box;
	struct report_priv *p;
	struct tr_rctx c;
	size_t skip = 0;
	enum tr_err e;

	*out = NULL;
	tr_error_clear(err);
	if (limits == NULL)
		limits = &tr_limits_defaults;
	if (json == NULL) {
		json = "";
		len = 0;
	}
	if ((e = check_text(json, len, &skip, err)) != TR_OK)
		return e;

	if ((box = malloc(sizeof(*box) + len + 1)) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	memset(box, 0, sizeof(*box));
	memcpy(box->raw, json, len);
	box->raw[len] = '\0';
	p = &box->p;
	box->r.raw = box->raw;
	box->r.rawlen = len;
	box->r.priv = p;
	tr_arena_init(&p->arena, p->first, sizeof(p->first));

	if ((e = tr_json_text_parse(box->raw + skip, len - skip, skip,
	    limits->max_json_depth, &p->root, err)) != TR_OK ||
	    (e = tr_json_text_dups(box->raw + skip, len - skip, err)) != TR_OK)
		goto fail;
	if (!json_object_is_type(p->root, json_type_object)) {
		e = tr_error_set(err, TR_ERR_SCHEMA,
		    "expected a JSON object at the top level, got %s",
		    tr_rf_describe(p->root, buf, sizeof(buf)));
		goto fail;
	}

	memset(&c, 0, sizeof(c));
	c.lim = limits;
	c.r = &box->r;
	c.arena = &p->arena;
	c.err = err;
	c.fallback_domain = fallback_domain != NULL &&
	    fallback_domain[0] != '\0' ? fallback_domain : NULL;
	if (skip > 0 && (e = tr_rf_note(&c, NULL,
	    "UTF-8 byte order mark skipped")) != TR_OK)
		goto fail;
	if ((e = parse_report(&c, p)) != TR_OK || (e = detach(&c, p)) != TR_OK)
		goto fail;
	if (tr_domain_count(box->r.policies, box->r.npolicies, &p->arena,
	    &box->r.domains, &box->r.ndomains) == -1) {
		e = tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		goto fail;
	}
	*out = &box->r;
	return TR_OK;
 fail:
	tr_report_free(&box->r);
	return e;
}

/* tr_report_free - release the report, its tree, notes and copies */
void
tr_report_free(struct tr_report *r)
{
	struct report_priv *p;

	if (r == NULL)
		return;
	p = r->priv;
	json_object_put(p->root);
	tr_arena_free(&p->arena);
	tr_notes_free(&r->notes);
	/* r is the first member of its box */
	free(r);
}
