/* json_line.c - json-c values written as one line of JSON text, for the log
 *
 * json_object_to_json_string builds the text through a printbuf one escape
 * at a time and then the log checked every byte for UTF-8 once more: that
 * was about half of the cost of a message's log line. Here a string is
 * copied in runs, escaped and checked in one pass, and the result is what
 * json-c writes (tests/base/test_json_line.c compares the two). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json_line.h"

/* room - make space for n more bytes; 0, or -1 with nomem set */
static int
room(struct tr_json_line *l, size_t n)
{
	size_t cap;
	char *b;

	if (l->nomem)
		return -1;
	if (n <= l->cap - l->len)
		return 0;
	cap = l->cap == 0 ? 1024 : l->cap;
	while (cap - l->len < n) {
		if (cap > SIZE_MAX / 2) {
			l->nomem = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((b = realloc(l->buf, cap)) == NULL) {
		l->nomem = 1;
		return -1;
	}
	l->buf = b;
	l->cap = cap;
	return 0;
}

/* tr_json_line_raw - append s[0..n) as it is */
void
tr_json_line_raw(struct tr_json_line *l, const char *s, size_t n)
{
	if (n == 0 || room(l, n) == -1)
		return;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* utf8_seq - length of the well-formed UTF-8 sequence at p[0..n) (no
 * overlong forms, no surrogates, nothing past U+10FFFF), 0 when there is
 * none; p[0] is 0x80 or more */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* escape - the escape json-c writes for byte c below 0x20 or '"' or '\\',
 * in out (7 bytes); its length */
static size_t
escape(unsigned char c, char *out)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	switch (c) {
	case '\b': out[1] = 'b'; return 2;
	case '\n': out[1] = 'n'; return 2;
	case '\r': out[1] = 'r'; return 2;
	case '\t': out[1] = 't'; return 2;
	case '\f': out[1] = 'f'; return 2;
	case '"': out[1] = '"'; return 2;
	case '\\': out[1] = '\\'; return 2;
	}
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 0xf];
	return 6;
}

/* tr_json_line_string - s[0..n) as a JSON string, checked for UTF-8 */
void
tr_json_line_string(struct tr_json_line *l, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	char esc[8];

	tr_json_line_raw(l, "\"", 1);
	while (i < n) {
		/* the run of bytes written as they are */
		while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' &&
		    p[i] != '\\')
			i++;
		if (i == n)
			break;
		if (p[i] >= 0x80 && (k = utf8_seq(p + i, n - i)) != 0) {
			i += k;
			continue;
		}
		tr_json_line_raw(l, s + run, i - run);
		if (p[i] >= 0x80)
			tr_json_line_raw(l, "\\ufffd", 6);
		else
			tr_json_line_raw(l, esc, escape(p[i], esc));
		run = ++i;
	}
	tr_json_line_raw(l, s + run, i - run);
	tr_json_line_raw(l, "\"", 1);
}

/* decimal - v in decimal in out (at least 21 bytes, not NUL-terminated);
 * its length (snprintf cost more than the rest of a number) */
static size_t
decimal(char *out, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		out[k++] = '-';
	while (n > 0)
		out[k++] = tmp[--n];
	return k;
}

/* tr_json_line_value - v as json-c's plain text */
void
tr_json_line_value(struct tr_json_line *l, struct json_object *v)
{
	char num[32];
	const char *s;
	size_t i, n;
	int first = 1;

	switch (json_object_get_type(v)) {
	case json_type_null:
		tr_json_line_raw(l, "null", 4);
		break;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			tr_json_line_raw(l, "true", 4);
		else
			tr_json_line_raw(l, "false", 5);
		break;
	case json_type_int:
		n = decimal(num, json_object_get_int64(v));
		tr_json_line_raw(l, num, n);
		break;
	case json_type_double:
		/* json-c's format, or the text the double was made with */
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		tr_json_line_raw(l, s, strlen(s));
		break;
	case json_type_string:
		tr_json_line_string(l, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		tr_json_line_raw(l, "[", 1);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				tr_json_line_raw(l, ",", 1);
			tr_json_line_value(l, json_object_array_get_idx(v, i));
		}
		tr_json_line_raw(l, "]", 1);
		break;
	case json_type_object:
		tr_json_line_raw(l, "{", 1);
		json_object_object_foreach(v, key, val) {
			if (!first)
				tr_json_line_raw(l, ",", 1);
			first = 0;
			tr_json_line_string(l, key, strlen(key));
			tr_json_line_raw(l, ":", 1);
			tr_json_line_value(l, val);
		}
		tr_json_line_raw(l, "}", 1);
		break;
	}
}

/* tr_json_line_free - release the text */
void
tr_json_line_free(struct tr_json_line *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
