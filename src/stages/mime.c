/* mime.c - find every TLS-RPT report part in an RFC 5322 message */

/*
 * The whole message is in memory anyway (it is kept for quarantine), so this
 * is a whole-buffer parser: entities are spans of the caller's buffer, header
 * fields are walked in place, and the only allocations are the decoded
 * report parts, their names, a few header values and the boundary strings.
 * Every scan is bounded by the span it works on; recursion is bounded by the
 * nesting limit (and a hard ceiling whatever the configuration says).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "mime.h"
#include "mime_header.h"
#include "mime_kind.h"

#define DEPTH_CEILING	64	/* nesting bound even if configured higher */
#define SEC_MAX		96	/* room for a section label such as "2.1.3" */
#define SEEN_MAX	4	/* leaf types named when there is no report */
#define NOTE_MAX	512	/* a note longer than this is cut */
#define BADLINE_NOTES	3	/* malformed header lines quoted in notes */

/* What one walk over a message keeps between entities. */
struct ctx {
	const struct tr_limits *lim;
	struct tr_mime_result *out;
	struct tr_error *err;
	size_t cap;			/* parts allocated in out->parts */
	unsigned nleaves;		/* leaf parts seen so far */
	unsigned maxdepth;		/* effective multipart nesting limit */
	unsigned nseen;			/* leaf types listed in seen */
	size_t badlines;		/* malformed header lines skipped */
	char top[64];			/* media type of the message */
	char seen[160];			/* "text/plain, text/html" */
	char empty[160];		/* the first empty report part */
};

/* One entity: its headers of interest and its body, all spans of msg. */
struct entity {
	const char *type, *sub;		/* media type; text/plain by default */
	size_t typelen, sublen;
	const char *ct, *cd, *cte;	/* header values, NULL when absent */
	size_t ctlen, cdlen, ctelen;
	const char *body;
	size_t bodylen;
	char mt[64];			/* lower-cased type for messages */
};

static enum tr_err walk(struct ctx *, const char *, size_t, unsigned,
    const char *);

/* note - add a conformance note; TR_ERR_NOMEM when that fails */
static enum tr_err __attribute__((format(printf, 2, 3)))
note(struct ctx *c, const char *fmt, ...)
{
	char buf[NOTE_MAX];
	va_list ap;

	/* A full list only counts: formatting and comparing against 64
	 * notes for every one of millions of hostile lines costs seconds. */
	if (c->out->notes.n >= TR_NOTES_MAX) {
		c->out->notes.dropped++;
		return TR_OK;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (tr_notes_add(&c->out->notes, "%s", buf) == -1)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	return TR_OK;
}

/* label - how messages name an entity: "message" or "part 2.1" */
static const char *
label(const char *sec, char *buf, size_t size)
{
	if (sec[0] == '\0')
		return "message";
	snprintf(buf, size, "part %s", sec);
	return buf;
}

/* span_is - true when span s[0..n) equals str ignoring case */
static int
span_is(const char *s, size_t n, const char *str)
{
	return strlen(str) == n && strncasecmp(s, str, n) == 0;
}

/* type_is - true when the entity's media type is type/sub (any case) */
static int
type_is(const struct entity *e, const char *type, const char *sub)
{
	return span_is(e->type, e->typelen, type) &&
	    (sub == NULL || span_is(e->sub, e->sublen, sub));
}

/* put_type - "type/sub" lower-cased into s, which has room for tl + sl + 2 */
static void
put_type(char *s, const char *type, size_t tl, const char *sub, size_t sl)
{
	size_t i, n = tl + 1 + sl;

	memcpy(s, type, tl);
	s[tl] = '/';
	memcpy(s + tl + 1, sub, sl);
	s[n] = '\0';
	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/* lower_type - a new lower-cased "type/subtype" string, NULL on no memory */
static char *
lower_type(const struct entity *e)
{
	char *s;

	if ((s = malloc(e->typelen + e->sublen + 2)) != NULL)
		put_type(s, e->type, e->typelen, e->sub, e->sublen);
	return s;
}

/* read_fields - walk a header section: remember the MIME fields, fill the
 * meta when top, note malformed lines */
static enum tr_err
read_fields(struct ctx *c, const char *hdr, size_t len, int top,
    struct entity *e)
{
	struct tr_mimeh_reader r;
	struct tr_mimeh_field f;
	enum tr_mimeh_kind k;
	enum tr_err rc;
	char q[64];

	tr_mimeh_init(&r, hdr, len);
	while ((k = tr_mimeh_next(&r, &f)) != TR_MIMEH_END) {
		if (k != TR_MIMEH_FIELD) {
			/* quote the first few; the rest are only counted */
			if (++c->badlines > BADLINE_NOTES)
				continue;
			tr_quote(q, sizeof(q), f.value, f.valuelen, 40);
			rc = note(c, "%s skipped: %s", k == TR_MIMEH_NOCOLON ?
			    "header line without a colon" :
			    "malformed header line", q);
			if (rc != TR_OK)
				return rc;
			continue;
		}
		if (tr_mimeh_name_is(&f, "Content-Type")) {
			if (e->ct == NULL) {
				e->ct = f.value;
				e->ctlen = f.valuelen;
			}
		} else if (tr_mimeh_name_is(&f, "Content-Disposition")) {
			if (e->cd == NULL) {
				e->cd = f.value;
				e->cdlen = f.valuelen;
			}
		} else if (tr_mimeh_name_is(&f, "Content-Transfer-Encoding")) {
			if (e->cte == NULL) {
				e->cte = f.value;
				e->ctelen = f.valuelen;
			}
		} else if (top && (rc = tr_msgmeta_keep(&c->out->meta, &f,
		    c->err)) != TR_OK) {
			return rc;
		}
	}
	return TR_OK;
}

/* parse_entity - split buf into headers and body and read the headers */
static enum tr_err
parse_entity(struct ctx *c, const char *buf, size_t len, const char *sec,
    struct entity *e)
{
	size_t hdrlen, bodyoff, max = c->lim->max_header_bytes, tl, sl;
	int top = sec[0] == '\0';
	enum tr_err rc;
	char lb[SEC_MAX + 8], q[64];

	memset(e, 0, sizeof(*e));
	if (tr_mimeh_split(buf, len, max, &hdrlen, &bodyoff) == -1) {
		/* keep what fits, so a quarantined message still has a
		 * Message-ID and a From to show */
		if (top && (rc = read_fields(c, buf, hdrlen, top, e)) != TR_OK)
			return rc;
		return tr_error_set(c->err, TR_ERR_MIME_LIMIT,
		    "%s: header section over the limit of %zu bytes",
		    label(sec, lb, sizeof(lb)), max);
	}
	if ((rc = read_fields(c, buf, hdrlen, top, e)) != TR_OK)
		return rc;
	e->body = buf + bodyoff;
	e->bodylen = len - bodyoff;
	if (e->ct != NULL && tr_mimeh_mediatype(e->ct, e->ctlen, &e->type,
	    &e->typelen, &e->sub, &e->sublen) == -1) {
		/* RFC 2045 5.2: an unreadable Content-Type means text/plain */
		while (e->ctlen > 0 && (*e->ct == ' ' || *e->ct == '\t')) {
			e->ct++;
			e->ctlen--;
		}
		tr_quote(q, sizeof(q), e->ct, e->ctlen, 40);
		if ((rc = note(c, "%s: unreadable Content-Type %s taken as "
		    "text/plain", label(sec, lb, sizeof(lb)), q)) != TR_OK)
			return rc;
		e->ct = NULL;
	}
	if (e->ct == NULL) {
		e->type = "text";
		e->typelen = 4;
		e->sub = "plain";
		e->sublen = 5;
	}
	/* for messages: each half cut at 30 bytes (and at a NUL) */
	tl = strnlen(e->type, e->typelen > 30 ? 30 : e->typelen);
	sl = strnlen(e->sub, e->sublen > 30 ? 30 : e->sublen);
	put_type(e->mt, e->type, tl, e->sub, sl);
	if (top)
		memcpy(c->top, e->mt, tl + sl + 2);
	return TR_OK;
}

/* find_delim - the next delimiter line "--boundary[--][WSP]" at a line
 * start at or after from; sets *close and *after (the next line), or
 * returns (size_t)-1 */
static size_t
find_delim(const char *b, size_t blen, size_t from, const char *dash,
    size_t dlen, int *close, size_t *after)
{
	const char *hit, *nl;
	size_t h, q;
	int cl;

	while (from < blen) {
		hit = memmem(b + from, blen - from, dash, dlen);
		if (hit == NULL)
			return (size_t)-1;
		h = (size_t)(hit - b);
		if (h == 0 || b[h - 1] == '\n') {
			q = h + dlen;
			cl = 0;
			if (q + 2 <= blen && b[q] == '-' && b[q + 1] == '-') {
				cl = 1;
				q += 2;
			}
			while (q < blen && (b[q] == ' ' || b[q] == '\t'))
				q++;
			if (q == blen || b[q] == '\n' || (b[q] == '\r' &&
			    (q + 1 == blen || b[q + 1] == '\n'))) {
				*close = cl;
				if (q < blen && b[q] == '\r')
					q++;
				*after = q < blen ? q + 1 : blen;
				return h;
			}
		}
		/* A delimiter only ever starts a line: go to the next one
		 * rather than retrying every byte of this one. */
		if ((nl = memchr(b + h, '\n', blen - h)) == NULL)
			return (size_t)-1;
		from = (size_t)(nl - b) + 1;
	}
	return (size_t)-1;
}

/* check_report_type - note a multipart/report that is not for TLS-RPT */
static enum tr_err
check_report_type(struct ctx *c, const struct entity *e)
{
	enum tr_err rc = TR_OK;
	char *rt, q[64];
	int found;

	rt = tr_mimeh_param(e->ct, e->ctlen, "report-type", &found);
	if (found == -1)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	if (found == 0) {
		rc = note(c, "multipart/report without a report-type "
		    "parameter");
	} else if (strcasecmp(rt, "tlsrpt") != 0) {
		tr_quote(q, sizeof(q), rt, strlen(rt), 40);
		rc = note(c, "multipart/report report-type %s instead of "
		    "\"tlsrpt\"", q);
	}
	free(rt);
	return rc;
}

/* multipart - walk the body parts of e, children at nesting depth */
static enum tr_err
multipart(struct ctx *c, const struct entity *e, unsigned depth,
    const char *sec)
{
	char *boundary, *dash = NULL, lb[SEC_MAX + 8], child[SEC_MAX], q[96];
	size_t blen, dlen, pos, start, end, after = 0;
	unsigned n = 0;
	int found, close = 0;
	enum tr_err rc = TR_OK;

	boundary = tr_mimeh_param(e->ct, e->ctlen, "boundary", &found);
	if (found == -1)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	if (found == 0 || boundary[0] == '\0') {
		free(boundary);
		return tr_error_set(c->err, TR_ERR_MIME,
		    "%s (%s) has %s boundary parameter",
		    label(sec, lb, sizeof(lb)), e->mt,
		    found == 0 ? "no" : "an empty");
	}
	blen = strlen(boundary);
	dlen = blen + 2;
	if ((dash = malloc(dlen + 1)) == NULL) {
		free(boundary);
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	}
	dash[0] = dash[1] = '-';
	memcpy(dash + 2, boundary, blen + 1);
	tr_quote(q, sizeof(q), boundary, blen, 70);

	pos = find_delim(e->body, e->bodylen, 0, dash, dlen, &close, &after);
	if (pos == (size_t)-1) {
		if (sec[0] == '\0')
			rc = tr_error_set(c->err, TR_ERR_MIME,
			    "%s boundary %s not found", e->mt, q);
		else
			rc = tr_error_set(c->err, TR_ERR_MIME,
			    "%s (%s): boundary %s not found",
			    label(sec, lb, sizeof(lb)), e->mt, q);
		goto out;
	}
	/* the preamble before the first delimiter is ignored */
	while (!close) {
		start = after;
		pos = find_delim(e->body, e->bodylen, start, dash, dlen,
		    &close, &after);
		end = pos == (size_t)-1 ? e->bodylen : pos;
		/* the line break before a delimiter belongs to it */
		if (end > start && e->body[end - 1] == '\n')
			end--;
		if (end > start && e->body[end - 1] == '\r')
			end--;
		n++;
		if (sec[0] == '\0')
			snprintf(child, sizeof(child), "%u", n);
		else
			snprintf(child, sizeof(child), "%s.%u", sec, n);
		if ((rc = walk(c, e->body + start, end - start, depth,
		    child)) != TR_OK)
			goto out;
		if (pos == (size_t)-1) {
			rc = note(c, "%s boundary %s: close delimiter missing",
			    e->mt, q);
			break;
		}
	}
	/* the epilogue after the close delimiter is ignored */
out:
	free(dash);
	free(boundary);
	return rc;
}

/* filename_of - the part's file name: Content-Disposition filename, else
 * the Content-Type name; control bytes made '_' so logs stay one line */
static enum tr_err
filename_of(struct ctx *c, const struct entity *e, char **fn)
{
	int found = 0;
	char *p;

	*fn = NULL;
	if (e->cd != NULL)
		*fn = tr_mimeh_param(e->cd, e->cdlen, "filename", &found);
	if (found == 0 && e->ct != NULL)
		*fn = tr_mimeh_param(e->ct, e->ctlen, "name", &found);
	if (found == -1)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	for (p = *fn; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	return TR_OK;
}

/* decode_body - the body with its transfer encoding removed, in one new
 * NUL-terminated buffer */
static enum tr_err
decode_body(struct ctx *c, const struct entity *e, const char *sec,
    unsigned char **data, size_t *len)
{
	const char *tok = NULL;
	size_t toklen = 0;
	enum tr_err rc;
	int unknown;
	char q[64];

	if (e->cte != NULL)
		toklen = tr_mimeh_token(e->cte, e->ctelen, &tok);
	rc = tr_cte_decode(tok, toklen, e->body, e->bodylen, data, len,
	    &unknown, c->err);
	if (rc != TR_OK) {
		if (rc != TR_ERR_NOMEM)
			tr_error_prefix(c->err, "part %s (%s): base64", sec,
			    e->mt);
		return rc;
	}
	if (unknown) {
		tr_quote(q, sizeof(q), tok, toklen, 40);
		if ((rc = note(c, "part %s: unknown Content-Transfer-Encoding "
		    "%s taken as binary", sec, q)) != TR_OK) {
			free(*data);
			*data = NULL;
			return rc;
		}
	}
	return TR_OK;
}

/* blank - true when d[0..n) is empty or only whitespace */
static int
blank(const unsigned char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r' &&
		    d[i] != '\n')
			return 0;
	return 1;
}

/* seen_type - remember a leaf type for the no-report message; the list
 * is cut to its room as snprintf would */
static void
seen_type(struct ctx *c, const struct entity *e)
{
	const char *add[2] = { c->nseen > 0 ? ", " : "",
	    c->nseen == SEEN_MAX ? "..." : e->mt };
	size_t o = strlen(c->seen), i, n;

	if (c->nseen > SEEN_MAX)
		return;
	c->nseen++;
	for (i = 0; i < 2; i++) {
		if ((n = strlen(add[i])) > sizeof(c->seen) - 1 - o)
			n = sizeof(c->seen) - 1 - o;
		memcpy(c->seen + o, add[i], n);
		o += n;
	}
	c->seen[o] = '\0';
}

/* add_part - append a report part, taking data and fn */
static enum tr_err
add_part(struct ctx *c, const struct entity *e, unsigned char *data,
    size_t len, enum tr_payload kind, char *fn, unsigned idx)
{
	struct tr_mime_result *r = c->out;
	struct tr_part *p, *np;
	size_t ncap;

	if (r->nparts == c->cap) {
		ncap = c->cap == 0 ? 2 : c->cap * 2;
		if ((np = reallocarray(r->parts, ncap, sizeof(*np))) == NULL)
			goto nomem;
		r->parts = np;
		c->cap = ncap;
	}
	p = &r->parts[r->nparts];
	memset(p, 0, sizeof(*p));
	if ((p->media_type = lower_type(e)) == NULL)
		goto nomem;
	p->data = data;
	p->len = len;
	p->payload = kind;
	p->filename = fn;
	p->index = idx;
	r->nparts++;
	return TR_OK;
nomem:
	free(data);
	free(fn);
	return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
}

/* leaf - look at one leaf part and keep it when it is a report */
static enum tr_err
leaf(struct ctx *c, const struct entity *e, const char *sec)
{
	unsigned idx = c->nleaves;
	unsigned char *data = NULL;
	size_t len = 0;
	enum tr_payload kind;
	enum tr_err rc;
	char *fn = NULL;
	int decl = TR_MIME_DECL_NONE, rt;

	if (++c->nleaves > c->lim->max_mime_parts)
		return tr_error_set(c->err, TR_ERR_MIME_LIMIT,
		    "message has more than %u MIME parts",
		    c->lim->max_mime_parts);
	seen_type(c, e);
	/* text is the human-readable part; message/rfc822 went to enclosed() */
	if (type_is(e, "text", NULL) || type_is(e, "message", NULL))
		return TR_OK;
	if ((rc = filename_of(c, e, &fn)) != TR_OK)
		return rc;
	if (!type_is(e, "application", NULL) ||
	    (rt = tr_mime_kind_of_type(e->sub, e->sublen, &decl)) == 0) {
		/* any other type counts only with a report-like file name */
		if ((decl = tr_mime_kind_of_name(fn)) == TR_MIME_DECL_NONE) {
			free(fn);
			return TR_OK;
		}
		rt = 2;
	}
	if ((rc = decode_body(c, e, sec, &data, &len)) != TR_OK) {
		free(fn);
		return rc;
	}
	if (blank(data, len)) {
		free(data);
		free(fn);
		if (c->empty[0] == '\0')
			snprintf(c->empty, sizeof(c->empty), "part %s (%s) is "
			    "empty", sec, e->mt);
		return note(c, "part %s (%s) is empty; skipped", sec, e->mt);
	}
	if (c->out->nparts >= c->lim->max_reports) {
		free(data);
		free(fn);
		return tr_error_set(c->err, TR_ERR_MIME_LIMIT,
		    "message has more than %u report parts",
		    c->lim->max_reports);
	}
	kind = tr_payload_sniff(data, len);
	if ((rc = add_part(c, e, data, len, kind, fn, idx)) != TR_OK)
		return rc;
	if (rt == 2 && (rc = note(c, "non-RFC media type %s for the report "
	    "part", e->mt)) != TR_OK)
		return rc;
	if (decl != TR_MIME_DECL_NONE && (enum tr_payload)decl != kind)
		return note(c, "part %s declared as %s (%s) but holds %s", sec,
		    tr_mime_kind_name((enum tr_payload)decl), e->mt,
		    tr_mime_kind_name(kind));
	return TR_OK;
}

/*
 * enclosed - a message/rfc822 (or message/global) part: a forwarded report
 * mail, walked like the message itself (one nesting level deeper), so the
 * reports in it count as the message's own. When it holds none, that is
 * noted rather than passed over in silence.
 */
static enum tr_err
enclosed(struct ctx *c, const struct entity *e, unsigned depth,
    const char *sec)
{
	size_t before = c->out->nparts, len = 0;
	unsigned char *data = NULL;
	enum tr_err rc;

	if (++c->nleaves > c->lim->max_mime_parts)
		return tr_error_set(c->err, TR_ERR_MIME_LIMIT,
		    "message has more than %u MIME parts",
		    c->lim->max_mime_parts);
	seen_type(c, e);
	if (depth + 1 > c->maxdepth)
		return tr_error_set(c->err, TR_ERR_MIME_LIMIT,
		    "part %s (%s): messages and multiparts nested deeper than "
		    "%u levels", sec, e->mt, c->maxdepth);
	/* RFC 2046 5.2.1 allows no encoding here; some forwarders use one */
	if ((rc = decode_body(c, e, sec, &data, &len)) != TR_OK)
		return rc;
	rc = walk(c, (const char *)data, len, depth + 1, sec);
	free(data);
	if (rc == TR_OK && c->out->nparts == before)
		rc = note(c, "part %s (%s): the enclosed message holds no "
		    "report", sec, e->mt);
	return rc;
}

/* walk - one entity at nesting depth (multipart ancestors); sec is its
 * section number, "" for the message itself */
static enum tr_err
walk(struct ctx *c, const char *buf, size_t len, unsigned depth,
    const char *sec)
{
	struct entity e;
	enum tr_err rc;
	char lb[SEC_MAX + 8];

	if ((rc = parse_entity(c, buf, len, sec, &e)) != TR_OK)
		return rc;
	if (type_is(&e, "message", "rfc822") || type_is(&e, "message", "global"))
		return enclosed(c, &e, depth, sec[0] == '\0' ? "1" : sec);
	if (!type_is(&e, "multipart", NULL))
		return leaf(c, &e, sec[0] == '\0' ? "1" : sec);
	if (depth + 1 > c->maxdepth)
		return tr_error_set(c->err, TR_ERR_MIME_LIMIT,
		    "%s (%s): multipart nesting deeper than %u levels",
		    label(sec, lb, sizeof(lb)), e.mt, c->maxdepth);
	if (type_is(&e, "multipart", "report") &&
	    (rc = check_report_type(c, &e)) != TR_OK)
		return rc;
	return multipart(c, &e, depth + 1, sec);
}

/* drop_parts - release the parts of r, keeping its meta and notes */
static void
drop_parts(struct tr_mime_result *r)
{
	size_t i;

	for (i = 0; i < r->nparts; i++) {
		free(r->parts[i].data);
		free(r->parts[i].media_type);
		free(r->parts[i].filename);
	}
	free(r->parts);
	r->parts = NULL;
	r->nparts = 0;
}

/* tr_mime_extract - parse msg and collect every report part */
enum tr_err
tr_mime_extract(const unsigned char *msg, size_t len,
    const struct tr_limits *limits, struct tr_mime_result *out,
    struct tr_error *err)
{
	struct ctx c;
	const unsigned char *nl;
	enum tr_err rc;
	int multi;

	memset(out, 0, sizeof(*out));
	tr_error_clear(err);
	if (limits == NULL)
		limits = &tr_limits_defaults;
	if (len > limits->max_message)
		return tr_error_set(err, TR_ERR_TOO_LARGE,
		    "message is %zu bytes, over the limit of %zu", len,
		    limits->max_message);
	/* mbox and some Maildir tools keep the envelope "From " line */
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		nl = memchr(msg, '\n', len);
		len -= nl != NULL ? (size_t)(nl + 1 - msg) : len;
		msg = nl != NULL ? nl + 1 : msg + len;
	}

	memset(&c, 0, sizeof(c));
	c.lim = limits;
	c.out = out;
	c.err = err;
	c.maxdepth = limits->max_mime_depth < DEPTH_CEILING ?
	    limits->max_mime_depth : DEPTH_CEILING;
	rc = walk(&c, (const char *)msg, len, 0, "");
	if (c.badlines > BADLINE_NOTES && note(&c, "%zu malformed header "
	    "lines skipped in all", c.badlines) != TR_OK && rc == TR_OK)
		rc = TR_ERR_NOMEM;
	if (rc != TR_OK) {
		/* a failed message yields no parts, only what to log it by */
		drop_parts(out);
		return rc;
	}

	multi = strncmp(c.top, "multipart/", 10) == 0;
	if (out->nparts == 0)
		return tr_error_set(err, TR_ERR_NO_REPORT, "no report part "
		    "(top-level type %s%s%s%s%s)", c.top, multi ? "; parts: " :
		    "", !multi ? "" : c.nseen > 0 ? c.seen : "none",
		    c.empty[0] != '\0' ? "; " : "", c.empty);
	if (!multi)
		rc = note(&c, "report sent as the whole message (%s) instead "
		    "of in multipart/report", c.top);
	else if (strcmp(c.top, "multipart/report") != 0)
		rc = note(&c, "top-level type %s instead of multipart/report",
		    c.top);
	return rc;
}

/* tr_mime_result_free - release everything in r and zero it */
void
tr_mime_result_free(struct tr_mime_result *r)
{
	drop_parts(r);
	tr_msgmeta_free(&r->meta);
	tr_notes_free(&r->notes);
	memset(r, 0, sizeof(*r));
}
