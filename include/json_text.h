/* json_text.h - checks on a report's JSON text before its schema walk */
#ifndef TR_JSON_TEXT_H
#define TR_JSON_TEXT_H

#include <stddef.h>

#include "error.h"

struct json_object;

/* tr_json_text_is_ws - JSON whitespace (RFC 8259 section 2) */
int tr_json_text_is_ws(char ch);

/*
 * tr_json_text_utf8 - offset of the first byte of s[0..len) that is NUL or
 * not well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), or len when there is none. *seq is the length of
 * the bad sequence (1 for a NUL), 0 when there is none.
 */
size_t tr_json_text_utf8(const unsigned char *s, size_t len, size_t *seq);

/*
 * tr_json_text_parse - json-c strict parse of text[0..len) (text[len] is
 * NUL, the text already passed tr_json_text_utf8) at most depth levels
 * deep; base is added to the byte offsets in messages. On TR_OK *root is
 * the tree (json_object_put it). Codes: TR_ERR_JSON (syntax, data after the
 * value), TR_ERR_JSON_DEPTH, TR_ERR_UTF8, TR_ERR_SCHEMA (the text is
 * "null"), TR_ERR_NOMEM.
 */
enum tr_err tr_json_text_parse(const char *text, size_t len, size_t base,
    unsigned depth, struct json_object **root, struct tr_error *err);

/*
 * tr_json_text_same - 1 when a[0..an) and b[0..bn) are the same JSON text
 * but for whitespace outside strings (the same report pretty-printed, or
 * written on one line), else 0. Everything else counts as written: member
 * order, escapes, number forms. One pass, nothing allocated: it runs on the
 * store thread for every copy of a report that arrives again.
 */
int tr_json_text_same(const char *a, size_t an, const char *b, size_t bn);

/*
 * tr_json_text_dups - TR_OK, or TR_ERR_SCHEMA naming the first member name
 * repeated within one object, with its path ("policies[0].summary:
 * duplicate field \"x\""); TR_ERR_NOMEM. text[0..len) is text that
 * tr_json_text_parse accepted. Names are compared as written.
 */
enum tr_err tr_json_text_dups(const char *text, size_t len,
    struct tr_error *err);

#endif
