/* authres.c - Authentication-Results header fields (RFC 8601) */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "mime_header.h"

/*
 * Written here rather than taken from a library: the one C parser in
 * Debian (OpenDKIM/OpenDMARC's ares.c) is not shipped as a library, and
 * what is needed is small: the authserv-id, and per resinfo its method,
 * result and the header.* properties.
 */

#define HEADER_MAX	(256 * 1024)	/* header section walked at most */

struct cur {
	const char *p, *end;
};

/* skip_cfws - skip whitespace, line breaks and (nested) comments; -1 on an
 * unclosed comment */
static int
skip_cfws(struct cur *c)
{
	int depth;

	for (;;) {
		while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
		    *c->p == '\r' || *c->p == '\n'))
			c->p++;
		if (c->p >= c->end || *c->p != '(')
			return 0;
		depth = 0;
		while (c->p < c->end) {
			if (*c->p == '\\' && c->p + 1 < c->end)
				c->p++;
			else if (*c->p == '(')
				depth++;
			else if (*c->p == ')' && --depth == 0) {
				c->p++;
				break;
			}
			c->p++;
		}
		if (depth != 0)
			return -1;
	}
}

/* is_tspecial - RFC 2045 tspecials, which end a token (the dot does not:
 * domain names are tokens here) */
static int
is_tspecial(int ch)
{
	return strchr("()<>@,;:\\\"/[]?=", ch) != NULL;
}

/* get_value - a token or quoted string into out (cut to outsz - 1);
 * lower with lower_case. Length taken, or -1 when there is none. */
static int
get_value(struct cur *c, char *out, size_t outsz, int lower, int allow_at)
{
	size_t n = 0;
	int taken = 0;

	if (c->p < c->end && *c->p == '"') {
		c->p++;
		while (c->p < c->end && *c->p != '"') {
			if (*c->p == '\\' && c->p + 1 < c->end)
				c->p++;
			if (*c->p != '\r' && *c->p != '\n' && n + 1 < outsz)
				out[n++] = lower ? (char)tolower(
				    (unsigned char)*c->p) : *c->p;
			c->p++;
			taken++;
		}
		if (c->p >= c->end)
			return -1;	/* unclosed */
		c->p++;
		out[n] = '\0';
		return taken;
	}
	while (c->p < c->end && (unsigned char)*c->p > ' ' &&
	    (unsigned char)*c->p < 0x7f &&
	    (!is_tspecial(*c->p) || (allow_at && *c->p == '@'))) {
		if (n + 1 < outsz)
			out[n++] = lower ? (char)tolower((unsigned char)*c->p) :
			    *c->p;
		c->p++;
		taken++;
	}
	out[n] = '\0';
	return taken > 0 ? taken : -1;
}

/* expect - the character ch after CFWS */
static int
expect(struct cur *c, int ch)
{
	if (skip_cfws(c) == -1 || c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* set_prop - keep a header.* property of interest */
static void
set_prop(struct tr_authres_result *r, const char *ptype, const char *prop,
    const char *val)
{
	char *dst = NULL;
	size_t sz = 0;

	if (strcmp(ptype, "header") != 0)
		return;
	if (strcmp(prop, "d") == 0) {
		dst = r->d;
		sz = sizeof(r->d);
	} else if (strcmp(prop, "s") == 0) {
		dst = r->s;
		sz = sizeof(r->s);
	} else if (strcmp(prop, "a") == 0) {
		dst = r->a;
		sz = sizeof(r->a);
	} else if (strcmp(prop, "b") == 0) {
		dst = r->b;
		sz = sizeof(r->b);
	} else if (strcmp(prop, "i") == 0) {
		dst = r->i;
		sz = sizeof(r->i);
	}
	if (dst != NULL)
		snprintf(dst, sz, "%s", val);
}

/* bad - a parse error at the cursor */
static enum tr_err
bad(struct tr_error *err, const struct cur *c, const char *start,
    const char *what)
{
	return tr_error_set(err, TR_ERR_SCHEMA, "Authentication-Results: %s "
	    "at byte %zu", what, (size_t)(c->p - start));
}

/* parse_head - the authserv-id (the same as out's, if out has one) and an
 * authres-version: NULL, or what was wrong */
static const char *
parse_head(struct cur *c, struct tr_authres *out)
{
	char id[TR_AUTHRES_NAME_MAX];

	if (skip_cfws(c) == -1)
		return "unclosed comment";
	if (get_value(c, id, sizeof(id), 1, 0) == -1)
		return "no authserv-id";
	if (out->authserv_id[0] != '\0' &&
	    strcasecmp(out->authserv_id, id) != 0)
		return "another authserv-id";
	snprintf(out->authserv_id, sizeof(out->authserv_id), "%s", id);
	if (skip_cfws(c) == -1)
		return "unclosed comment";
	/* an authres-version: digits */
	if (c->p < c->end && isdigit((unsigned char)*c->p)) {
		while (c->p < c->end && isdigit((unsigned char)*c->p))
			c->p++;
		if (skip_cfws(c) == -1)
			return "unclosed comment";
	}
	return c->p >= c->end ? "no result" : NULL;
}

/* parse_props - the reasonspec and propspecs of r up to the next ";":
 * NULL, or what was wrong */
static const char *
parse_props(struct cur *c, struct tr_authres_result *r)
{
	char ptype[32], prop[32], val[TR_AUTHRES_NAME_MAX], *dot;

	for (;;) {
		if (skip_cfws(c) == -1)
			return "unclosed comment";
		if (c->p >= c->end || *c->p == ';')
			return NULL;
		if (get_value(c, ptype, sizeof(ptype), 1, 0) == -1)
			return "expected a property";
		if (strcmp(ptype, "reason") == 0) {
			if (expect(c, '=') == -1 || skip_cfws(c) == -1 ||
			    get_value(c, val, sizeof(val), 0, 0) == -1)
				return "bad reason";
			continue;
		}
		if (expect(c, '.') == -1) {
			/* a "." inside the token: ptype.property */
			if ((dot = strchr(ptype, '.')) == NULL)
				return "expected ptype.property";
			*dot = '\0';
			snprintf(prop, sizeof(prop), "%s", dot + 1);
		} else if (skip_cfws(c) == -1 ||
		    get_value(c, prop, sizeof(prop), 1, 0) == -1)
			return "no property";
		if (expect(c, '=') == -1 || skip_cfws(c) == -1 ||
		    get_value(c, val, sizeof(val), 0, 1) == -1)
			return "no property value";
		set_prop(r, ptype, prop, val);
	}
}

/* parse_result - one resinfo after its ";": method, result, properties
 * into r (*none for a lone "none"): NULL, or what was wrong */
static const char *
parse_result(struct cur *c, struct tr_authres_result *r, int *none)
{
	char word[TR_AUTHRES_NAME_MAX];
	const char *save;

	*none = 0;
	memset(r, 0, sizeof(*r));
	if (get_value(c, r->method, sizeof(r->method), 1, 0) == -1)
		return "no method";
	save = c->p;
	if (skip_cfws(c) == -1)
		return "unclosed comment";
	if (c->p >= c->end || *c->p == ';') {
		if (strcmp(r->method, "none") != 0)
			return "method without a result";
		*none = 1;
		return NULL;
	}
	c->p = save;
	if (expect(c, '/') == 0) {	/* method-version */
		if (skip_cfws(c) == -1 ||
		    get_value(c, word, sizeof(word), 1, 0) == -1)
			return "no method version";
	} else
		c->p = save;
	if (expect(c, '=') == -1)
		return "expected \"=\" after the method";
	if (skip_cfws(c) == -1 ||
	    get_value(c, r->result, sizeof(r->result), 1, 0) == -1)
		return "no result";
	return parse_props(c, r);
}

/* tr_authres_parse - authserv-id, then each resinfo */
enum tr_err
tr_authres_parse(const char *v, size_t len, struct tr_authres *out,
    struct tr_error *err)
{
	struct cur c = { v, v + len };
	struct tr_authres_result r;
	const char *why;
	int none;

	if ((why = parse_head(&c, out)) != NULL)
		return bad(err, &c, v, why);
	while (c.p < c.end) {
		if (expect(&c, ';') == -1)
			return bad(err, &c, v, "expected \";\"");
		if (skip_cfws(&c) == -1)
			return bad(err, &c, v, "unclosed comment");
		if (c.p >= c.end)
			break;		/* a trailing ";" is common enough */
		if ((why = parse_result(&c, &r, &none)) != NULL)
			return bad(err, &c, v, why);
		if (none)
			out->none = 1;
		else if (out->n < TR_AUTHRES_MAX)
			out->res[out->n++] = r;
		else
			out->dropped++;
	}
	return TR_OK;
}

/* tr_authres_trusted - the fields our MTA added on top */
int
tr_authres_trusted(const unsigned char *msg, size_t len,
    const char *authserv_id, struct tr_authres *out)
{
	struct tr_mimeh_reader rd;
	struct tr_mimeh_field f;
	struct tr_authres one;
	struct tr_error err;
	enum tr_mimeh_kind k;
	size_t hdrlen, bodyoff;
	int taken = 0;

	memset(out, 0, sizeof(*out));
	(void)tr_mimeh_split((const char *)msg, len, HEADER_MAX, &hdrlen,
	    &bodyoff);
	tr_mimeh_init(&rd, (const char *)msg, hdrlen);
	while ((k = tr_mimeh_next(&rd, &f)) != TR_MIMEH_END) {
		if (k != TR_MIMEH_FIELD ||
		    !tr_mimeh_name_is(&f, "Authentication-Results"))
			continue;
		memset(&one, 0, sizeof(one));
		if (tr_authres_parse(f.value, f.valuelen, &one, &err) != TR_OK ||
		    strcasecmp(one.authserv_id, authserv_id) != 0)
			break;		/* not ours: the run on top is over */
		snprintf(out->authserv_id, sizeof(out->authserv_id), "%s",
		    one.authserv_id);
		for (size_t i = 0; i < one.n; i++) {
			if (out->n < TR_AUTHRES_MAX)
				out->res[out->n++] = one.res[i];
			else
				out->dropped++;
		}
		out->none |= one.none;
		taken++;
	}
	return taken;
}
