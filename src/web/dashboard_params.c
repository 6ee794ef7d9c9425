/*
 * dashboard_params.c - the dashboard's query-string parser. evhttp's
 * evhttp_parse_query_str decodes too, but keeps repeated names, accepts any
 * name and any bytes, and says nothing of what was wrong: this one is
 * small, bounded and gives the specific 400 message a user needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_params.h"

/* The longest value we decode (the org filter is the longest allowed). */
#define VALUE_MAX	(TR_DASH_ORG_MAX * 4)

/* hexval - the value of a hex digit, -1 for anything else */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* decode - percent-decode s[0..n) into out (VALUE_MAX + 1 bytes); -1 on a
 * bad escape or NUL, -2 when too long */
static int
decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t i, k = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (k == VALUE_MAX)
			return -2;
		if (s[i] == '+')
			out[k++] = ' ';
		else if (s[i] != '%')
			out[k++] = s[i];
		else {
			if (n - i < 3)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			out[k++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	out[k] = '\0';
	*outlen = k;
	return 0;
}

/* utf8_printable - well-formed UTF-8 without C0, DEL or C1 controls */
static int
utf8_printable(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len, k;
	unsigned long v;

	while (i < n) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 0;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] >= 0xc2 && u[i] <= 0xdf)
			len = 2, v = u[i] & 0x1f;
		else if (u[i] >= 0xe0 && u[i] <= 0xef)
			len = 3, v = u[i] & 0x0f;
		else if (u[i] >= 0xf0 && u[i] <= 0xf4)
			len = 4, v = u[i] & 0x07;
		else
			return 0;
		if (len > n - i)
			return 0;
		for (k = 1; k < len; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
			v = (v << 6) | (u[i + k] & 0x3f);
		}
		if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
		    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff ||
		    (len == 2 && v < 0xa0))
			return 0;
		i += len;
	}
	return 1;
}

/* day - a real UTC day "YYYY-MM-DD" (years 1970-9998) as its start */
static int
day(const char *v, size_t n, char out_day[11], char out[TR_DT_UTC_LEN + 1],
    int next)
{
	char buf[32];
	struct tr_dt dt;

	if (n != 10 || v[4] != '-' || v[7] != '-')
		return -1;
	snprintf(buf, sizeof(buf), "%.10sT00:00:00Z", v);
	if (tr_dt_parse(buf, strlen(buf), &dt, NULL) == -1 || dt.epoch < 0 ||
	    memcmp(dt.utc, v, 10) != 0)
		return -1;
	memcpy(out_day, v, 10);
	out_day[10] = '\0';
	return tr_dt_format(dt.epoch + (next ? 86400 : 0), out);
}

/* number - decimal digits only, in [1, max] */
static int
number(const char *v, size_t n, long long max, long long *out)
{
	long long x = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
		if (x > max)
			return -1;
	}
	if (x < 1)
		return -1;
	*out = x;
	return 0;
}

/* bad - a 400 message (names are ours; a value is never echoed) */
static enum tr_err
bad(struct tr_dash_params *p, struct tr_error *err, const char *msg)
{
	memset(p, 0, sizeof(*p));
	return tr_error_set(err, TR_ERR_SCHEMA, "%s", msg);
}

/* The parameters, in the order of their TR_DP_* bits. */
static const char *const names[] = {
	"since", "until", "domain", "org", "type", "id", "limit",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))

/* lookup - the index of name[0..nlen) in names, -1 when unknown */
static int
lookup(const char *name, size_t nlen)
{
	size_t i;

	for (i = 0; i < NNAMES; i++)
		if (strlen(names[i]) == nlen && memcmp(names[i], name, nlen) == 0)
			return (int)i;
	return -1;
}

/* param - one decoded value of names[k] into p */
static enum tr_err
param(struct tr_dash_params *p, int k, const char *v, size_t n,
    struct tr_error *err)
{
	unsigned bit = 1u << k;
	long long x;
	size_t i;

	if (p->given & bit)
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: given twice",
		    names[k]);
	if (n == 0)
		return TR_OK;	/* an empty form field: not given */
	switch (bit) {
	case TR_DP_SINCE:
		if (day(v, n, p->since_day, p->since, 0) == -1)
			return tr_error_set(err, TR_ERR_SCHEMA, "since: "
			    "expected a day YYYY-MM-DD");
		break;
	case TR_DP_UNTIL:
		if (day(v, n, p->until_day, p->until, 1) == -1)
			return tr_error_set(err, TR_ERR_SCHEMA, "until: "
			    "expected a day YYYY-MM-DD");
		break;
	case TR_DP_DOMAIN:
		if (n > 0 && v[n - 1] == '.')
			n--;
		if (n == 0 || n > TR_DASH_DOMAIN_MAX || !utf8_printable(v, n) ||
		    memchr(v, ' ', n) != NULL)
			return tr_error_set(err, TR_ERR_SCHEMA, "domain: "
			    "expected a domain name of at most 253 bytes");
		for (i = 0; i < n; i++)
			p->domain[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ?
			    v[i] - 'A' + 'a' : v[i]);
		p->domain[n] = '\0';
		break;
	case TR_DP_ORG:
		if (n > TR_DASH_ORG_MAX || !utf8_printable(v, n))
			return tr_error_set(err, TR_ERR_SCHEMA, "org: expected "
			    "printable text of at most 256 bytes");
		memcpy(p->org, v, n);
		p->org[n] = '\0';
		break;
	case TR_DP_TYPE:
		if (!((n == 3 && memcmp(v, "sts", 3) == 0) ||
		    (n == 4 && memcmp(v, "tlsa", 4) == 0) ||
		    (n == 15 && memcmp(v, "no-policy-found", 15) == 0)))
			return tr_error_set(err, TR_ERR_SCHEMA, "type: expected "
			    "sts, tlsa or no-policy-found");
		memcpy(p->type, v, n);
		p->type[n] = '\0';
		break;
	case TR_DP_ID:
		if (number(v, n, TR_DASH_ID_MAX, &x) == -1)
			return tr_error_set(err, TR_ERR_SCHEMA, "id: expected "
			    "a positive whole number");
		p->id = x;
		break;
	case TR_DP_LIMIT:
		if (number(v, n, TR_DASH_LIMIT_MAX, &x) == -1)
			return tr_error_set(err, TR_ERR_SCHEMA, "limit: "
			    "expected 1 to 1000");
		p->limit = (unsigned)x;
		break;
	}
	p->given |= bit;
	return TR_OK;
}

/* tr_dash_params_parse - split on &, decode, validate each */
enum tr_err
tr_dash_params_parse(const char *q, size_t len, struct tr_dash_params *p,
    struct tr_error *err)
{
	char value[VALUE_MAX + 1], quoted[160];
	const char *s, *end, *amp, *eq;
	size_t nlen, vlen;
	int rc, k;

	memset(p, 0, sizeof(*p));
	if (q == NULL || len == 0)
		return TR_OK;
	if (len > TR_DASH_QUERY_MAX) {
		tr_error_set(err, TR_ERR_TOO_LARGE, "query string: longer "
		    "than %d bytes", TR_DASH_QUERY_MAX);
		return TR_ERR_TOO_LARGE;
	}
	for (s = q, end = q + len; s <= end; s = amp + 1) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp == s) {
			if (amp == end)
				break;
			continue;	/* "a=1&&b=2": an empty pair */
		}
		if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
			eq = amp;
		/* names are ours, plain ASCII: never encoded */
		nlen = (size_t)(eq - s);
		if ((k = lookup(s, nlen)) < 0) {
			memset(p, 0, sizeof(*p));
			tr_quote(quoted, sizeof(quoted), s, nlen, 32);
			return tr_error_set(err, TR_ERR_SCHEMA, "unknown "
			    "parameter %s: use since, until, domain, org, "
			    "type, id or limit", quoted);
		}
		if (eq == amp)
			vlen = 0, value[0] = '\0';
		else if ((rc = decode(eq + 1, (size_t)(amp - eq - 1), value,
		    &vlen)) != 0) {
			memset(p, 0, sizeof(*p));
			return tr_error_set(err, TR_ERR_SCHEMA, "%s: %s",
			    names[k], rc == -2 ? "value too long" :
			    "bad %-escape in the value");
		}
		if (param(p, k, value, vlen, err) != TR_OK) {
			memset(p, 0, sizeof(*p));
			return TR_ERR_SCHEMA;
		}
		if (amp == end)
			break;
	}
	if ((p->given & TR_DP_SINCE) && (p->given & TR_DP_UNTIL) &&
	    strcmp(p->since, p->until) >= 0)
		return bad(p, err, "since: after until");
	return TR_OK;
}

/* tr_dash_params_filter - the given filters, the rest NULL */
void
tr_dash_params_filter(const struct tr_dash_params *p, size_t limit,
    struct tr_query_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->domain = (p->given & TR_DP_DOMAIN) ? p->domain : NULL;
	f->org = (p->given & TR_DP_ORG) ? p->org : NULL;
	f->since = (p->given & TR_DP_SINCE) ? p->since : NULL;
	f->until = (p->given & TR_DP_UNTIL) ? p->until : NULL;
	f->policy_type = (p->given & TR_DP_TYPE) ? p->type : NULL;
	f->limit = limit;
}
