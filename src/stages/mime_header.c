/* mime_header.c - RFC 5322 header sections and RFC 2045/2231 parameters */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "mime_header.h"

/* Real senders split a filename into a handful of RFC 2231 sections, never
 * thousands: later sections are ignored, which also keeps the bookkeeping
 * for one parameter to a few tens of kilobytes whatever the header holds. */
#define MAX_SEGMENT	999	/* highest section number read */
#define MAX_SEGMENTS	1000	/* sections collected for one parameter */

/* is_wsp - space or tab */
static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* is_fws - whitespace that may appear inside a folded structured value */
static int
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_ftext - a byte allowed in a field name (RFC 5322 3.6.8) */
static int
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* is_token - a byte allowed in an RFC 2045 token (no tspecials) */
static int
is_token(unsigned char c)
{
	if (c <= 32 || c >= 127)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* skip_cfws - the first byte at or after p that is not folding whitespace
 * or inside a (possibly nested) comment; never past end */
static const char *
skip_cfws(const char *p, const char *end)
{
	size_t depth;

	while (p < end) {
		if (is_fws((unsigned char)*p)) {
			p++;
		} else if (*p == '(') {
			/* a counter, not recursion: nesting costs no stack */
			depth = 1;
			p++;
			while (p < end && depth > 0) {
				if (*p == '\\') {
					p++;
					if (p < end)
						p++;
					continue;
				}
				if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			}
		} else {
			break;
		}
	}
	return p;
}

/* skip_quoted - p at an opening '"': the byte after the closing one, or end */
static const char *
skip_quoted(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				break;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return end;
}

/* tr_mimeh_split - find where the header section of an entity ends */
int
tr_mimeh_split(const char *buf, size_t len, size_t max, size_t *hdrlen,
    size_t *bodyoff)
{
	const char *nl;
	size_t p = 0, cur = 0, scan;

	for (;;) {
		if (p >= len) {
			/* no empty line: the entity is all header */
			*hdrlen = *bodyoff = len;
			if (len > max) {
				*hdrlen = cur;
				return -1;
			}
			return 0;
		}
		if (p > max) {
			*hdrlen = cur;
			return -1;
		}
		if (buf[p] == '\n') {
			*hdrlen = p;
			*bodyoff = p + 1;
			return 0;
		}
		if (buf[p] == '\r' && (p + 1 == len || buf[p + 1] == '\n')) {
			*hdrlen = p;
			*bodyoff = p + 1 == len ? len : p + 2;
			return 0;
		}
		cur = p;
		/* Look no further than the limit: a 10 MB line without a
		 * newline is refused after max bytes, not after 10 MB. */
		scan = len - p;
		if (scan - 1 > max - p)	/* scan >= 1; no overflow at SIZE_MAX */
			scan = max - p + 1;
		nl = memchr(buf + p, '\n', scan);
		if (nl == NULL) {
			if (p + scan < len) {
				*hdrlen = cur;
				return -1;
			}
			p = len;
			continue;
		}
		p = (size_t)(nl - buf) + 1;
	}
}

/* tr_mimeh_init - start walking the header fields hdr[0..len) */
void
tr_mimeh_init(struct tr_mimeh_reader *r, const char *hdr, size_t len)
{
	r->p = hdr;
	r->end = hdr + len;
}

/* tr_mimeh_next - the next field, a skipped malformed line, or the end */
enum tr_mimeh_kind
tr_mimeh_next(struct tr_mimeh_reader *r, struct tr_mimeh_field *f)
{
	const char *start, *lineend, *next, *nl, *vend, *q;

	if (r->p >= r->end)
		return TR_MIMEH_END;
	start = r->p;
	nl = memchr(start, '\n', (size_t)(r->end - start));
	lineend = nl != NULL ? nl : r->end;
	next = nl != NULL ? nl + 1 : r->end;
	/* RFC 5322 2.2.3: a line starting with whitespace continues a field */
	while (next < r->end && is_wsp((unsigned char)*next)) {
		nl = memchr(next, '\n', (size_t)(r->end - next));
		next = nl != NULL ? nl + 1 : r->end;
	}
	r->p = next;
	vend = next;
	if (vend > start && vend[-1] == '\n')
		vend--;
	if (vend > start && vend[-1] == '\r')
		vend--;

	for (q = start; q < lineend && is_ftext((unsigned char)*q); q++)
		;
	f->name = start;
	f->namelen = (size_t)(q - start);
	/* obsolete syntax (RFC 5322 4.5) allows space before the colon */
	while (q < lineend && is_wsp((unsigned char)*q))
		q++;
	if (f->namelen > 0 && q < lineend && *q == ':') {
		f->value = q + 1;
		f->valuelen = (size_t)(vend - f->value);
		return TR_MIMEH_FIELD;
	}
	f->value = start;
	f->valuelen = (size_t)(vend - start);
	if (memchr(start, ':', (size_t)(lineend - start)) == NULL)
		return TR_MIMEH_NOCOLON;
	return TR_MIMEH_BADNAME;
}

/* tr_mimeh_name_is - true when the field is called name (any case) */
int
tr_mimeh_name_is(const struct tr_mimeh_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->namelen == n && strncasecmp(f->name, name, n) == 0;
}

/* tr_mimeh_unfold - the value unfolded, trimmed and cut at max bytes */
char *
tr_mimeh_unfold(const char *v, size_t len, size_t max)
{
	const char *end = v + len;
	size_t o = 0, cap;
	char *out;
	int cut = 0;

	while (v < end && is_fws((unsigned char)*v))
		v++;
	while (end > v && is_fws((unsigned char)end[-1]))
		end--;
	cap = (size_t)(end - v);
	if (cap > max)
		cap = max;
	if ((out = malloc(cap + 1)) == NULL)
		return NULL;
	for (; v < end; v++) {
		if (*v == '\n' || (*v == '\r' && v + 1 < end && v[1] == '\n'))
			continue;
		if (o == max) {
			cut = 1;
			break;
		}
		out[o++] = *v;
	}
	if (cut && ((unsigned char)*v & 0xc0) == 0x80) {
		/* the cut fell inside a UTF-8 sequence: drop its first part */
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && (unsigned char)out[o - 1] >= 0xc0)
			o--;
	}
	while (o > 0 && is_wsp((unsigned char)out[o - 1]))
		o--;
	out[o] = '\0';
	return out;
}

/* tr_mimeh_token - the first token of a structured value */
size_t
tr_mimeh_token(const char *v, size_t len, const char **tok)
{
	const char *end = v + len, *p;

	p = skip_cfws(v, end);
	*tok = p;
	while (p < end && is_token((unsigned char)*p))
		p++;
	return (size_t)(p - *tok);
}

/* tr_mimeh_mediatype - the "type/subtype" that opens a Content-Type value */
int
tr_mimeh_mediatype(const char *v, size_t len, const char **type,
    size_t *typelen, const char **sub, size_t *sublen)
{
	const char *end = v + len, *p;

	p = skip_cfws(v, end);
	*type = p;
	while (p < end && is_token((unsigned char)*p))
		p++;
	*typelen = (size_t)(p - *type);
	p = skip_cfws(p, end);
	if (*typelen == 0 || p >= end || *p != '/')
		return -1;
	p = skip_cfws(p + 1, end);
	*sub = p;
	while (p < end && is_token((unsigned char)*p))
		p++;
	*sublen = (size_t)(p - *sub);
	return *sublen == 0 ? -1 : 0;
}

/* One attribute=value pair as written. */
struct param {
	const char *attr;
	size_t attrlen;
	const char *val;	/* inside the quotes when quoted */
	size_t vallen;
	int quoted;
};

/* param_next - the next attribute=value after a ';' at top level, from *pp;
 * returns 0 at the end. Garbage up to the next ';' is passed over. */
static int
param_next(const char **pp, const char *end, struct param *pm)
{
	const char *p = *pp, *q;

	for (;;) {
		/* to the next ';' outside quoted strings and comments */
		while (p < end && *p != ';') {
			if (*p == '"')
				p = skip_quoted(p, end);
			else if (*p == '(')
				p = skip_cfws(p, end);
			else
				p++;
		}
		if (p >= end) {
			*pp = end;
			return 0;
		}
		p = skip_cfws(p + 1, end);
		pm->attr = p;
		while (p < end && is_token((unsigned char)*p))
			p++;
		pm->attrlen = (size_t)(p - pm->attr);
		p = skip_cfws(p, end);
		if (pm->attrlen == 0 || p >= end || *p != '=')
			continue;
		p = skip_cfws(p + 1, end);
		if (p < end && *p == '"') {
			/* an unclosed quote runs to the end of the value */
			for (q = p + 1; q < end && *q != '"'; q++)
				if (*q == '\\' && q + 1 < end)
					q++;
			pm->val = p + 1;
			pm->vallen = (size_t)(q - pm->val);
			pm->quoted = 1;
			p = q < end ? q + 1 : end;
		} else {
			/* Lenient: senders leave boundaries with '=' and '/'
			 * unquoted, so read up to ';' or whitespace. */
			pm->val = p;
			while (p < end && *p != ';' && *p != '"' &&
			    !is_fws((unsigned char)*p))
				p++;
			pm->vallen = (size_t)(p - pm->val);
			pm->quoted = 0;
		}
		*pp = p;
		return 1;
	}
}

/* unquote - copy a parameter value to dst, removing quoted-pair escapes and
 * folding line breaks inside quotes; returns the bytes written */
static size_t
unquote(const struct param *pm, char *dst)
{
	const char *p = pm->val, *end = pm->val + pm->vallen;
	size_t o = 0;

	if (!pm->quoted) {
		memcpy(dst, p, pm->vallen);
		return pm->vallen;
	}
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '\r' || *p == '\n')
			continue;
		dst[o++] = *p;
	}
	return o;
}

/* decode_ext - RFC 2231 extended value in s[0..n), in place: drop the
 * charset'language' prefix when first, then %XX; returns the new length */
static size_t
decode_ext(char *s, size_t n, int first)
{
	size_t i = 0, o = 0;
	char *a, *b;
	int hi, lo;

	if (first && (a = memchr(s, '\'', n)) != NULL &&
	    (b = memchr(a + 1, '\'', n - (size_t)(a + 1 - s))) != NULL)
		i = (size_t)(b + 1 - s);
	while (i < n) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = tr_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = tr_hexval((unsigned char)s[i + 2])) >= 0) {
			s[o++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			s[o++] = s[i++];
		}
	}
	return o;
}

/* A piece of an RFC 2231 continued parameter. */
struct segment {
	unsigned n;		/* section number */
	unsigned order;		/* position in the header, to keep the first */
	struct param pm;
	int ext;		/* name*N*= : percent-encoded */
};

/* segcmp - order segments by section number, then by position */
static int
segcmp(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* classify - how attr relates to name: 0 not it, 1 plain, 2 name*,
 * 3 name*N, 4 name*N* (section number in *n) */
static int
classify(const struct param *pm, const char *name, size_t namelen,
    unsigned *n)
{
	const char *r = pm->attr + namelen;
	size_t rl, i;
	unsigned v = 0;

	if (pm->attrlen < namelen || strncasecmp(pm->attr, name, namelen) != 0)
		return 0;
	rl = pm->attrlen - namelen;
	if (rl == 0)
		return 1;
	if (r[0] != '*')
		return 0;
	if (rl == 1)
		return 2;
	for (i = 1; i < rl && r[i] >= '0' && r[i] <= '9'; i++) {
		v = v * 10 + (unsigned)(r[i] - '0');
		if (v > MAX_SEGMENT)
			return 0;
	}
	if (i == 1)
		return 0;
	*n = v;
	if (i == rl)
		return 3;
	if (i + 1 == rl && r[i] == '*')
		return 4;
	return 0;
}

/* join_segments - the continued value from the sorted segments, or NULL
 * (with *found = 0) when section 0 is missing */
static char *
join_segments(struct segment *seg, size_t nseg, int *found)
{
	size_t i, total = 1, o = 0, w;
	unsigned want = 0;
	char *out;

	for (i = 0; i < nseg; i++)
		total += seg[i].pm.vallen;
	if ((out = malloc(total)) == NULL) {
		*found = -1;
		return NULL;
	}
	for (i = 0; i < nseg; i++) {
		if (seg[i].n < want)
			continue;	/* a repeated section: first one wins */
		if (seg[i].n != want)
			break;		/* RFC 2231 3: stop at a gap */
		w = unquote(&seg[i].pm, out + o);
		if (seg[i].ext)
			w = decode_ext(out + o, w, seg[i].n == 0);
		o += w;
		want++;
	}
	if (want == 0) {
		free(out);
		*found = 0;
		return NULL;
	}
	out[o] = '\0';
	*found = 1;
	return out;
}

/* tr_mimeh_param - the decoded value of parameter name */
char *
tr_mimeh_param(const char *v, size_t len, const char *name, int *found)
{
	const char *end = v + len, *p;
	struct param pm, plain, ext;
	struct segment *seg;
	size_t namelen = strlen(name), nseg = 0, i;
	unsigned n = 0, order = 0;
	int have_plain = 0, have_ext = 0, kind;
	char *out;

	*found = 0;
	for (p = v; param_next(&p, end, &pm);) {
		switch (classify(&pm, name, namelen, &n)) {
		case 1:
			if (!have_plain)
				plain = pm;
			have_plain = 1;
			break;
		case 2:
			if (!have_ext)
				ext = pm;
			have_ext = 1;
			break;
		case 3:
		case 4:
			if (nseg < MAX_SEGMENTS)
				nseg++;
			break;
		}
	}
	if (have_ext) {
		if ((out = malloc(ext.vallen + 1)) == NULL) {
			*found = -1;
			return NULL;
		}
		out[decode_ext(out, unquote(&ext, out), 1)] = '\0';
		*found = 1;
		return out;
	}
	if (nseg > 0) {
		if ((seg = calloc(nseg, sizeof(*seg))) == NULL) {
			*found = -1;
			return NULL;
		}
		i = 0;
		for (p = v; param_next(&p, end, &pm) && i < nseg;) {
			kind = classify(&pm, name, namelen, &n);
			if (kind != 3 && kind != 4)
				continue;
			seg[i].n = n;
			seg[i].order = order++;
			seg[i].pm = pm;
			seg[i].ext = kind == 4;
			i++;
		}
		qsort(seg, nseg, sizeof(*seg), segcmp);
		out = join_segments(seg, nseg, found);
		free(seg);
		if (out != NULL || *found == -1)
			return out;
	}
	if (have_plain) {
		if ((out = malloc(plain.vallen + 1)) == NULL) {
			*found = -1;
			return NULL;
		}
		out[unquote(&plain, out)] = '\0';
		*found = 1;
		return out;
	}
	return NULL;
}
