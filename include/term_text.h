/* term_text.h - text as a terminal shows it: UTF-8 decoding, display
 * width, and escapes so that no text can move the cursor or reorder a line */
#ifndef TR_TERM_TEXT_H
#define TR_TERM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "html.h"

/*
 * tr_term_utf8_next - decode one code point of s[0..len) (len > 0) into
 * *cp; the bytes used, or 0 for an invalid sequence (overlong, surrogate,
 * beyond U+10FFFF, cut short).
 */
size_t tr_term_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

/*
 * tr_term_render - out = s[0..len) as a terminal shows it safely, cut to
 * max columns with "…" (max 0: never); *width = the columns used. Escapes:
 * \n \r \t, \xNN for other control or invalid bytes, \uXXXX for C1 and
 * bidi controls. Wide characters count two columns, combining marks none.
 * out is emptied first; out of memory is left in out (tr_buf_ok).
 */
void tr_term_render(const char *s, size_t len, unsigned max,
    struct tr_buf *out, size_t *width);

/* tr_term_width - terminal columns of s[0..len) as tr_term_render shows it */
size_t tr_term_width(const char *s, size_t len);

#endif
