/* json_line.h - json-c values written as one line of JSON text, for the log */
#ifndef TR_JSON_LINE_H
#define TR_JSON_LINE_H

#include <stddef.h>

struct json_object;

/*
 * A growing line of text. Start it zeroed; tr_json_line_free releases it.
 * After a failed allocation nomem is set and nothing more is added: the
 * caller drops the line rather than write half of it.
 */
struct tr_json_line {
	char *buf;
	size_t len;
	size_t cap;
	int nomem;
};

/* tr_json_line_raw - append s[0..n) as it is */
void tr_json_line_raw(struct tr_json_line *l, const char *s, size_t n);

/*
 * tr_json_line_string - append s[0..n) as a JSON string: quotes, the
 * escapes json-c writes ('/' left as it is), and each byte that is not part
 * of well-formed UTF-8 (RFC 3629) written as \ufffd. Header values come
 * from senders in any charset, and a strict reader refuses a whole line for
 * one such byte.
 */
void tr_json_line_string(struct tr_json_line *l, const char *s, size_t n);

/*
 * tr_json_line_value - append v as json-c writes it with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (members in their
 * order, no spaces; a double as json-c formats it), strings and member
 * names as tr_json_line_string. NULL is null. For the log, where json-c's
 * own writer cost more than the rest of the line.
 */
void tr_json_line_value(struct tr_json_line *l, struct json_object *v);

/* tr_json_line_free - release the text; l can be used again */
void tr_json_line_free(struct tr_json_line *l);

#endif
