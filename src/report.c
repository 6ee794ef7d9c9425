/* report.c - parse and validate a TLS-RPT report (RFC 8460 section 4) */
#include <errno.h>
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
#include "limits.h"
#include "notes.h"
#include "report.h"
#include "report_fields.h"

/* Most reports fit their policies, failures and copies in this block. */
#define ARENA_FIRST	2048

/* Deeper than this costs json-c memory for nothing a report needs. */
#define DEPTH_CAP	4096

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

/* RFC 8460 section 6.6, "STARTTLS Validation Result Types" */
static const char *const result_types[] = {
	"starttls-not-supported",
	"certificate-host-mismatch",
	"certificate-expired",
	"tlsa-invalid",
	"dnssec-invalid",
	"dane-required",
	"certificate-not-trusted",
	"sts-policy-invalid",
	"sts-webpki-invalid",
	"validation-failure",
	"sts-policy-fetch-error",
	NULL
};
_Static_assert(sizeof(result_types) / sizeof(result_types[0]) ==
    TR_RESULT_TYPES + 1, "TR_RESULT_TYPES is the registry's size");

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

/* tr_result_type_index - a result-type's place in the registry, or -1 */
int
tr_result_type_index(const char *result_type)
{
	int i;

	if (result_type == NULL)
		return -1;
	for (i = 0; result_types[i] != NULL; i++)
		if (strcmp(result_type, result_types[i]) == 0)
			return i;
	return -1;
}

/* tr_result_type_name - the registry's result-type i */
const char *
tr_result_type_name(int i)
{
	if (i < 0 || i >= TR_RESULT_TYPES)
		return NULL;
	return result_types[i];
}

/* known_name - the registry's own copy of a known result-type */
static const char *
known_name(const char *result_type)
{
	return tr_result_type_name(tr_result_type_index(result_type));
}

/* tr_result_type_known - true for a result-type in the RFC 8460 registry */
int
tr_result_type_known(const char *result_type)
{
	return tr_result_type_index(result_type) >= 0;
}

/*
 * text_check - offset of the first byte that is NUL or not well-formed UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), or
 * len. json-c's own check only counts continuation bytes, so "\xc0\xaf" and
 * "\xed\xa0\x80" would get through it. *seq is the length of the bad sequence.
 */
static size_t
text_check(const unsigned char *s, size_t len, size_t *seq)
{
	const uint64_t high = UINT64_C(0x8080808080808080);
	const uint64_t ones = UINT64_C(0x0101010101010101);
	unsigned char b, lo, hi;
	size_t i = 0, n, k;
	uint64_t w;

	while (i < len) {
		/* eight ASCII bytes at a time: no high bit and no zero byte */
		if (len - i >= 8) {
			memcpy(&w, s + i, sizeof(w));
			if (((w & high) | ((w - ones) & ~w & high)) == 0) {
				i += 8;
				continue;
			}
		}
		b = s[i];
		if (b >= 0x01 && b < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (b >= 0xc2 && b <= 0xdf)
			n = 1;
		else if (b == 0xe0) {
			n = 2;
			lo = 0xa0;	/* overlong below U+0800 */
		} else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef)
			n = 2;
		else if (b == 0xed) {
			n = 2;
			hi = 0x9f;	/* surrogates U+D800..U+DFFF */
		} else if (b == 0xf0) {
			n = 3;
			lo = 0x90;	/* overlong below U+10000 */
		} else if (b >= 0xf1 && b <= 0xf3)
			n = 3;
		else if (b == 0xf4) {
			n = 3;
			hi = 0x8f;	/* past U+10FFFF */
		} else
			goto bad;
		if (n >= len - i || s[i + 1] < lo || s[i + 1] > hi)
			goto bad;
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
		i += n + 1;
	}
	*seq = 0;
	return len;
 bad:
	for (k = 1; k < 4 && i + k < len && (s[i + k] & 0xc0) == 0x80; k++)
		;
	*seq = b == 0 ? 1 : k;
	return i;
}

/* is_ws - JSON whitespace (RFC 8259 section 2) */
static int
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

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
	if ((known = known_name(f->result_type)) != NULL)
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

/*
 * Duplicate member names: json-c keeps the last silently, so a report with
 * two "total-failure-session-count" members would lose one unseen. I-JSON
 * (RFC 7493 2.3), which RFC 8460 section 4 requires, forbids them. json-c
 * has no hook for it, so the text it accepted is scanned once more. Names are
 * compared as written: "a" and "\u0061" are not taken for the same name.
 */
struct dup_key {
	uint64_t hash;
	const char *p;
	size_t len;
};

struct dup_frame {
	char obj;		/* 1 for an object, 0 for an array */
	char expect_key;	/* next string in this object is a name */
	size_t index;		/* array: current element */
	const char *key;	/* object: current member name, for the path */
	size_t keylen;
	size_t first;		/* object: its first name on the key stack */
};

#define DUP_STOPS		"\"'{}[],"	/* the bytes dup_check acts on */
#define DUP_LINEAR		16	/* names checked one by one as they come */
#define DUP_LOCAL_KEYS		64
#define DUP_LOCAL_FRAMES	32

/* dup_path - "a.b[2].c" of the frames below top, into buf */
static void
dup_path(const struct dup_frame *f, size_t top, char *buf, size_t bufsz)
{
	size_t i, o = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < top && o < bufsz; i++) {
		if (f[i].obj)
			n = snprintf(buf + o, bufsz - o, "%s%.*s",
			    o > 0 ? "." : "", (int)(f[i].keylen > 64 ? 64 :
			    f[i].keylen), f[i].key);
		else
			n = snprintf(buf + o, bufsz - o, "[%zu]", f[i].index);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	/* names are the sender's: json-c lets raw tabs and CRs through */
	for (o = 0; buf[o] != '\0'; o++)
		if ((unsigned char)buf[o] < 0x20 || buf[o] == 0x7f)
			buf[o] = '?';
}

/* dup_cmp - qsort order of names: hash, length, bytes */
static int
dup_cmp(const void *a, const void *b)
{
	const struct dup_key *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->p, y->p, x->len);
}

/* dup_sorted - sort the n names of one object; a repeated one, or NULL */
static struct dup_key *
dup_sorted(struct dup_key *k, size_t n)
{
	size_t i;

	/* O(n log n): an object with a million names must not take n^2 */
	qsort(k, n, sizeof(*k), dup_cmp);
	for (i = 1; i < n; i++)
		if (dup_cmp(&k[i - 1], &k[i]) == 0)
			return &k[i];
	return NULL;
}

/* dup_same - index of a name among keys[first..n-1] equal to keys[n-1], or n */
static size_t
dup_same(const struct dup_key *k, size_t first, size_t n)
{
	const struct dup_key *last = &k[n - 1];
	size_t i;

	/* objects in a report have a handful of names: a scan beats a sort */
	for (i = first; i < n - 1; i++)
		if (k[i].hash == last->hash && k[i].len == last->len &&
		    memcmp(k[i].p, last->p, last->len) == 0)
			return i;
	return n;
}

/* skip_string - offset of the quote closing the string opened at text[i] */
static size_t
skip_string(const char *text, size_t len, size_t i)
{
	const char *p;
	size_t j = i + 1, bs;

	/* memchr runs a word or more at a time; escapes are rare */
	while ((p = memchr(text + j, text[i], len - j)) != NULL) {
		j = (size_t)(p - text);
		for (bs = 0; j - bs > i + 1 && text[j - bs - 1] == '\\'; bs++)
			;
		if (bs % 2 == 0)
			return j;
		j++;
	}
	return len;
}

/* dup_check - TR_OK, or TR_ERR_SCHEMA naming the first repeated name */
static enum tr_err
dup_check(const char *text, size_t len, struct tr_error *err)
{
	struct dup_key lkeys[DUP_LOCAL_KEYS], *keys = lkeys, *nk;
	struct dup_frame lframes[DUP_LOCAL_FRAMES], *frames = lframes, *nf;
	size_t nkeys = 0, capkeys = DUP_LOCAL_KEYS, top = 0;
	size_t capframes = DUP_LOCAL_FRAMES, i, j, d;
	char path[TR_RF_PATH_MAX], qbuf[TR_RF_QUOTE_MAX * 4 + 16];
	struct dup_key *dup;
	enum tr_err e = TR_OK;
	struct dup_frame *f;
	uint64_t h;

	/* text has no NUL before len (text_check) and one at len */
	for (i = strcspn(text, DUP_STOPS); i < len;
	    i += 1 + strcspn(text + i + 1, DUP_STOPS)) {
		f = top > 0 ? &frames[top - 1] : NULL;
		switch (text[i]) {
		case '"':
		case '\'':	/* json-c's strict mode still takes 'name' */
			/* unterminated: json-c would not have passed it */
			if ((j = skip_string(text, len, i)) >= len)
				goto out;
			if (f == NULL || !f->obj || !f->expect_key) {
				i = j;
				break;
			}
			f->expect_key = 0;
			f->key = text + i + 1;
			f->keylen = j - i - 1;
			/* FNV-1a: cheap, and a clash only costs a memcmp */
			for (h = UINT64_C(0xcbf29ce484222325), d = 0;
			    d < f->keylen; d++)
				h = (h ^ (unsigned char)f->key[d]) *
				    UINT64_C(0x100000001b3);
			if (nkeys == capkeys) {
				if (capkeys > SIZE_MAX / 2 / sizeof(*keys) ||
				    (nk = malloc(2 * capkeys *
				    sizeof(*keys))) == NULL)
					goto nomem;
				memcpy(nk, keys, nkeys * sizeof(*keys));
				if (keys != lkeys)
					free(keys);
				keys = nk;
				capkeys *= 2;
			}
			keys[nkeys].hash = h;
			keys[nkeys].p = f->key;
			keys[nkeys++].len = f->keylen;
			/* big objects are sorted once when they close */
			if (nkeys - f->first <= DUP_LINEAR &&
			    dup_same(keys, f->first, nkeys) < nkeys) {
				dup = &keys[nkeys - 1];
				goto found;
			}
			i = j;
			break;
		case '{':
		case '[':
			if (top == capframes) {
				if ((nf = malloc(2 * capframes *
				    sizeof(*frames))) == NULL)
					goto nomem;
				memcpy(nf, frames, top * sizeof(*frames));
				if (frames != lframes)
					free(frames);
				frames = nf;
				capframes *= 2;
			}
			f = &frames[top++];
			memset(f, 0, sizeof(*f));
			f->obj = text[i] == '{';
			f->expect_key = f->obj;
			f->first = nkeys;
			break;
		case '}':
		case ']':
			if (f == NULL)
				break;
			if (f->obj && nkeys - f->first > DUP_LINEAR &&
			    (dup = dup_sorted(keys + f->first,
			    nkeys - f->first)) != NULL)
				goto found;
			if (f->obj)
				nkeys = f->first;
			top--;
			break;
		case ',':
			if (f != NULL && f->obj)
				f->expect_key = 1;
			else if (f != NULL)
				f->index++;
			break;
		}
	}
	goto out;
 found:
	dup_path(frames, top - 1, path, sizeof(path));
	tr_quote(qbuf, sizeof(qbuf), dup->p, dup->len, TR_RF_QUOTE_MAX);
	e = tr_error_set(err, TR_ERR_SCHEMA, "%s%sduplicate field %s", path,
	    path[0] != '\0' ? ": " : "", qbuf);
	goto out;
 nomem:
	e = tr_error_set(err, TR_ERR_NOMEM, "out of memory");
 out:
	if (keys != lkeys)
		free(keys);
	if (frames != lframes)
		free(frames);
	return e;
}

/*
 * tokenize - json-c strict parse of text[0..len) (text[len] is NUL).
 * json-c's depth counts every value on the path, scalars included: "[[1]]"
 * is 3 deep, and a report with failure-details needs 6.
 */
static enum tr_err
tokenize(const char *text, size_t len, size_t base, unsigned depth,
    struct json_object **root, struct tr_error *err)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end, lead;
	int nomem;

	if (depth < 1)
		depth = 1;
	if (depth > DEPTH_CAP)
		depth = DEPTH_CAP;
	if ((tok = json_tokener_new_ex((int)depth)) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	/* no JSON_TOKENER_VALIDATE_UTF8: text_check has already refused
	 * what it would, and more */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/*
	 * json-c 0.16 has no out-of-memory error: a failed allocation ends
	 * the parse with no value and "success", or drops what it could not
	 * add. malloc's ENOMEM is the one sign left, and a report we could
	 * not read whole must be retried, not judged (see tr_analyse).
	 */
	errno = 0;
	/* with the NUL, a bare number at the end is complete, not pending */
	*root = json_tokener_parse_ex(tok, text, (int)(len + 1));
	nomem = errno == ENOMEM;
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	for (lead = 0; lead < len && is_ws(text[lead]); lead++)
		;
	if (nomem || (*root == NULL && jerr == json_tokener_success &&
	    (len - lead < 4 || memcmp(text + lead, "null", 4) != 0))) {
		json_object_put(*root);
		*root = NULL;
		return tr_error_set(err, TR_ERR_NOMEM,
		    "out of memory parsing %zu bytes of JSON", len);
	}
	if (*root == NULL) {
		switch (jerr) {
		case json_tokener_success:
			/* the text was "null" */
			return tr_error_set(err, TR_ERR_SCHEMA, "expected a "
			    "JSON object at the top level, got null");
		case json_tokener_error_depth:
			return tr_error_set(err, TR_ERR_JSON_DEPTH,
			    "JSON nested deeper than %u level%s at byte offset "
			    "%zu", depth, depth == 1 ? "" : "s", base + end);
		case json_tokener_error_parse_utf8_string:
			return tr_error_set(err, TR_ERR_UTF8,
			    "invalid UTF-8 at byte offset %zu", base + end);
		case json_tokener_continue:
			jerr = json_tokener_error_parse_eof;
			/* FALLTHROUGH */
		default:
			return tr_error_set(err, TR_ERR_JSON,
			    "JSON syntax error at byte offset %zu: %s",
			    base + end, json_tokener_error_desc(jerr));
		}
	}
	while (end < len && is_ws(text[end]))
		end++;
	if (end < len) {
		json_object_put(*root);
		*root = NULL;
		return tr_error_set(err, TR_ERR_JSON,
		    "unexpected data after the JSON value at byte offset %zu",
		    base + end);
	}
	return TR_OK;
}

/* tr_report_parse - parse JSON and check it against RFC 8460 section 4 */
enum tr_err
tr_report_parse(const char *json, size_t len, const struct tr_limits *limits,
    const char *fallback_domain, struct tr_report **out, struct tr_error *err)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct tr_limits deflim;
	struct report_box *box;
	struct report_priv *p;
	struct tr_rctx c;
	size_t skip = 0, off, seq;
	enum tr_err e;

	*out = NULL;
	tr_error_clear(err);
	if (limits == NULL) {
		tr_limits_default(&deflim);
		limits = &deflim;
	}
	if (json == NULL) {
		json = "";
		len = 0;
	}
	/* some Windows tools write one; JSON (RFC 8259 8.1) has none */
	if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	for (off = skip; off < len && is_ws(json[off]); off++)
		;
	if (off == len)
		return tr_error_set(err, TR_ERR_JSON, "empty input");
	if ((off = text_check((const unsigned char *)json + skip, len - skip,
	    &seq) + skip) < len) {
		if (json[off] == '\0')
			return tr_error_set(err, TR_ERR_JSON,
			    "NUL byte at byte offset %zu", off);
		tr_quote(buf, sizeof(buf), json + off, seq, 4);
		return tr_error_set(err, TR_ERR_UTF8,
		    "invalid UTF-8 at byte offset %zu: %s", off, buf);
	}
	if (len - skip >= INT32_MAX)
		return tr_error_set(err, TR_ERR_REPORT_LIMIT,
		    "report of %zu bytes is too large to parse", len);

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

	if ((e = tokenize(box->raw + skip, len - skip, skip,
	    limits->max_json_depth, &p->root, err)) != TR_OK ||
	    (e = dup_check(box->raw + skip, len - skip, err)) != TR_OK)
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
