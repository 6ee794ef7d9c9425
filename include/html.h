/* html.h - a growing text buffer and the one HTML escaper every page uses */
#ifndef TR_HTML_H
#define TR_HTML_H

#include <stddef.h>

/*
 * A text buffer that grows as needed. Out of memory is remembered: every
 * later write is a no-op and tr_buf_ok says 0, so page builders check once
 * at the end. Zero-initialised is empty and valid.
 */
struct tr_buf {
	char *p;		/* NUL-terminated once anything was written */
	size_t len;
	size_t cap;
	int oom;
};

/* tr_buf_add - append n bytes */
void tr_buf_add(struct tr_buf *b, const void *s, size_t n);

/* tr_buf_str - append a C string (our own text: it is not escaped) */
void tr_buf_str(struct tr_buf *b, const char *s);

/* tr_buf_printf - append formatted text (numbers and our own text only) */
void tr_buf_printf(struct tr_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* tr_buf_ok - 1 unless a write ran out of memory */
int tr_buf_ok(const struct tr_buf *b);

/* tr_buf_free - release the text and empty the buffer */
void tr_buf_free(struct tr_buf *b);

/*
 * tr_html_escape - append s[0..n) as text safe inside an element or a
 * double- or single-quoted attribute value: & < > " ' become entities;
 * C0 controls but tab and newline, DEL, C1 controls, invalid UTF-8, NUL
 * and the bidi embeddings, overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069) become U+FFFD, so a terminal escape, a stray byte or
 * text that reorders itself shows as one visible mark. Strings from
 * reports are written only through this.
 */
void tr_html_escape(struct tr_buf *b, const char *s, size_t n);

/* tr_html_text - tr_html_escape of a C string; NULL appends nothing */
void tr_html_text(struct tr_buf *b, const char *s);

/*
 * tr_url_encode - append s percent-encoded for a query-string value: every
 * byte but A-Z a-z 0-9 - . _ ~ becomes %XX (so the result also needs no
 * HTML escaping inside an attribute)
 */
void tr_url_encode(struct tr_buf *b, const char *s);

#endif
