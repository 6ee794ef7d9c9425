/* term_text.c - text as a terminal shows it: UTF-8 decoding, display
 * width, escapes for controls, bidi overrides and invalid bytes */
#include <stdint.h>
#include <stdio.h>

#include "term_text.h"

/*
 * tr_term_utf8_next - decode one code point of s[0..len) into *cp; the
 * bytes used, or 0 for an invalid sequence (overlong, surrogate, beyond
 * U+10FFFF, cut).
 */
size_t
tr_term_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	size_t n, i;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* cp_width - terminal columns of a printable code point: 0, 1 or 2 */
static int
cp_width(uint32_t c)
{
	static const uint32_t zero[][2] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
		{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x1ab0, 0x1aff },
		{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff },
		{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xe0100, 0xe01ef },
	};
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
		{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
		{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
		{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x3fffd },
	};
	size_t i;

	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (c >= zero[i][0] && c <= zero[i][1])
			return 0;
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

/* needs_escape - C0/C1 controls, DEL, and the bidirectional overrides
 * that could make a terminal show text other than what is there */
static int
needs_escape(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/*
 * tr_term_render - s as a terminal shows it safely, cut to max columns
 * with "…" (max 0: never); *width gets the columns used. Escapes: \n \r
 * \t, \xNN for other control or invalid bytes, \uXXXX for C1 and bidi
 * controls.
 */
void
tr_term_render(const char *s, size_t len, unsigned max, struct tr_buf *out,
    size_t *width)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[16];
	size_t i = 0, n, w = 0, cw, elen;
	uint32_t c;

	out->len = 0;
	tr_buf_add(out, "", 0);
	while (i < len) {
		n = tr_term_utf8_next(p + i, len - i, &c);
		elen = 0;
		if (n == 0) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			n = 1;
		} else if (c == '\n')
			elen = (size_t)snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\r')
			elen = (size_t)snprintf(esc, sizeof(esc), "\\r");
		else if (c == '\t')
			elen = (size_t)snprintf(esc, sizeof(esc), "\\t");
		else if (c < 0x80 && needs_escape(c))
			elen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		else if (needs_escape(c))
			elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		cw = elen > 0 ? elen : (size_t)cp_width(c);
		if (max > 0 && w + cw > max - 1 && (w + cw > max ||
		    i + n < len)) {
			/* it does not fit, or it fits but more follows */
			tr_buf_add(out, "\xe2\x80\xa6", 3);
			w++;
			break;
		}
		if (elen > 0)
			tr_buf_add(out, esc, elen);
		else
			tr_buf_add(out, s + i, n);
		w += cw;
		i += n;
	}
	*width = w;
}

/* tr_term_width - columns of s as rendered */
size_t
tr_term_width(const char *s, size_t len)
{
	struct tr_buf b = { 0 };
	size_t w;

	tr_term_render(s, len, 0, &b, &w);
	tr_buf_free(&b);
	return w;
}
