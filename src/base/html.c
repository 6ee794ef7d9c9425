/*
 * html.c - the text buffer and the HTML escaper of the dashboard. Written
 * here: the escaping rule is a dozen lines, and the C HTML libraries Debian
 * ships (libxml2's serialiser, gumbo) build documents or parse them, which
 * the pages do not need; what matters is that every string from a report
 * goes through one function that the tests can hammer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

/* reserve - room for n more bytes and the NUL, or the buffer marked oom */
static int
reserve(struct tr_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->cap > 0 && b->cap - b->len > n)
		return 0;
	if (n > ((size_t)-1) / 4 - b->len) {
		b->oom = 1;
		return -1;
	}
	cap = b->cap > 0 ? b->cap : 256;
	while (cap - b->len <= n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

/* tr_buf_add - append bytes, keeping the text NUL-terminated */
void
tr_buf_add(struct tr_buf *b, const void *s, size_t n)
{
	if (reserve(b, n) == -1)
		return;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* tr_buf_str - append a C string */
void
tr_buf_str(struct tr_buf *b, const char *s)
{
	tr_buf_add(b, s, strlen(s));
}

/* tr_buf_printf - append formatted text */
void
tr_buf_printf(struct tr_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) == -1) {
		if (n < 0)
			b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* tr_buf_ok - no write failed */
int
tr_buf_ok(const struct tr_buf *b)
{
	return !b->oom;
}

/* tr_buf_free - release and reset */
void
tr_buf_free(struct tr_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * utf8_len - bytes of the well-formed UTF-8 sequence at s (at most n
 * bytes), 0 when it is not one (overlong forms, surrogates and values
 * past U+10FFFF included) or when it is a character we do not show
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned long v;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	/* C1 controls (U+0080..U+009F) are as unwelcome as C0 ones */
	if (len == 2 && v < 0xa0)
		return 0;
	/* bidi embeddings, overrides and isolates would let a sender's text
	 * reorder itself ("gnp.exe" shown as "exe.png"); marks stay */
	if ((v >= 0x202a && v <= 0x202e) || (v >= 0x2066 && v <= 0x2069))
		return 0;
	return len;
}

/* bidi_control - s starts with U+202A..U+202E or U+2066..U+2069 */
static int
bidi_control(const unsigned char *s, size_t n)
{
	return n >= 3 && s[0] == 0xe2 && ((s[1] == 0x80 && s[2] >= 0xaa &&
	    s[2] <= 0xae) || (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9));
}

/* tr_html_escape - entities for the five specials, U+FFFD for the rest */
void
tr_html_escape(struct tr_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	const char *ent;

	while (i < n) {
		ent = NULL;
		k = 1;
		switch (u[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		case '\t': case '\n': break;
		default:
			if (u[i] < 0x20 || u[i] == 0x7f)
				ent = REPLACEMENT;
			else if ((k = utf8_len(u + i, n - i)) == 0) {
				ent = REPLACEMENT;
				/* a hidden character is replaced whole */
				k = bidi_control(u + i, n - i) ? 3 : 1;
			}
		}
		if (ent == NULL) {
			i += k;
			run += k;
			continue;
		}
		tr_buf_add(b, s + i - run, run);
		tr_buf_str(b, ent);
		run = 0;
		i += k;
	}
	tr_buf_add(b, s + i - run, run);
}

/* tr_html_text - escape a C string */
void
tr_html_text(struct tr_buf *b, const char *s)
{
	if (s != NULL)
		tr_html_escape(b, s, strlen(s));
}

/* tr_url_encode - unreserved characters as they are, the rest as %XX */
void
tr_url_encode(struct tr_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	char esc[3];

	for (; *u != '\0'; u++) {
		if ((*u >= 'A' && *u <= 'Z') || (*u >= 'a' && *u <= 'z') ||
		    (*u >= '0' && *u <= '9') || *u == '-' || *u == '.' ||
		    *u == '_' || *u == '~') {
			tr_buf_add(b, u, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*u >> 4];
		esc[2] = hex[*u & 15];
		tr_buf_add(b, esc, 3);
	}
}
