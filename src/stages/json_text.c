/*
 * json_text.c - the checks on a report's JSON text before its schema walk:
 * well-formed UTF-8 (stricter than json-c's), the json-c strict parse with
 * a depth limit, and a scan for repeated member names, which json-c drops
 * silently and I-JSON (RFC 7493) forbids.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "json_text.h"
#include "report_fields.h"

/* Deeper than this costs json-c memory for nothing a report needs. */
#define DEPTH_CAP	4096

/* tr_json_text_is_ws - JSON whitespace (RFC 8259 section 2) */
int
tr_json_text_is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/*
 * tr_json_text_utf8 - the first NUL or malformed UTF-8 byte, or len.
 * json-c's own check only counts continuation bytes, so "\xc0\xaf" and
 * "\xed\xa0\x80" would get through it.
 */
size_t
tr_json_text_utf8(const unsigned char *s, size_t len, size_t *seq)
{
	const uint64_t high = UINT64_C(0x8080808080808080);
	const uint64_t ones = UINT64_C(0x0101010101010101);
	unsigned char b, lo, hi;
	size_t i = 0, n, k;
	uint64_t w;

	while (i < len) {
		/* eight ASCII bytes at a time: no high bit and no zero byte */
		if (len - i >= 8) {
			memcpy(&w, s + i, sizeof(w));
			if (((w & high) | ((w - ones) & ~w & high)) == 0) {
				i += 8;
				continue;
			}
		}
		b = s[i];
		if (b >= 0x01 && b < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (b >= 0xc2 && b <= 0xdf)
			n = 1;
		else if (b == 0xe0) {
			n = 2;
			lo = 0xa0;	/* overlong below U+0800 */
		} else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef)
			n = 2;
		else if (b == 0xed) {
			n = 2;
			hi = 0x9f;	/* surrogates U+D800..U+DFFF */
		} else if (b == 0xf0) {
			n = 3;
			lo = 0x90;	/* overlong below U+10000 */
		} else if (b >= 0xf1 && b <= 0xf3)
			n = 3;
		else if (b == 0xf4) {
			n = 3;
			hi = 0x8f;	/* past U+10FFFF */
		} else
			goto bad;
		if (n >= len - i || s[i + 1] < lo || s[i + 1] > hi)
			goto bad;
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
		i += n + 1;
	}
	*seq = 0;
	return len;
 bad:
	for (k = 1; k < 4 && i + k < len && (s[i + k] & 0xc0) == 0x80; k++)
		;
	*seq = b == 0 ? 1 : k;
	return i;
}

/*
 * tr_json_text_parse - json-c strict parse of text[0..len) (text[len] is
 * NUL). json-c's depth counts every value on the path, scalars included:
 * "[[1]]" is 3 deep, and a report with failure-details needs 6.
 */
enum tr_err
tr_json_text_parse(const char *text, size_t len, size_t base, unsigned depth,
    struct json_object **root, struct tr_error *err)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end, lead;
	int nomem;

	if (depth < 1)
		depth = 1;
	if (depth > DEPTH_CAP)
		depth = DEPTH_CAP;
	if ((tok = json_tokener_new_ex((int)depth)) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	/* no JSON_TOKENER_VALIDATE_UTF8: tr_json_text_utf8 has already refused
	 * what it would, and more */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/*
	 * json-c 0.16 has no out-of-memory error: a failed allocation ends
	 * the parse with no value and "success", or drops what it could not
	 * add. malloc's ENOMEM is the one sign left, and a report we could
	 * not read whole must be retried, not judged (see tr_analyse).
	 */
	errno = 0;
	/* with the NUL, a bare number at the end is complete, not pending */
	*root = json_tokener_parse_ex(tok, text, (int)(len + 1));
	nomem = errno == ENOMEM;
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	for (lead = 0; lead < len && tr_json_text_is_ws(text[lead]); lead++)
		;
	if (nomem || (*root == NULL && jerr == json_tokener_success &&
	    (len - lead < 4 || memcmp(text + lead, "null", 4) != 0))) {
		json_object_put(*root);
		*root = NULL;
		return tr_error_set(err, TR_ERR_NOMEM,
		    "out of memory parsing %zu bytes of JSON", len);
	}
	if (*root == NULL) {
		switch (jerr) {
		case json_tokener_success:
			/* the text was "null" */
			return tr_error_set(err, TR_ERR_SCHEMA, "expected a "
			    "JSON object at the top level, got null");
		case json_tokener_error_depth:
			return tr_error_set(err, TR_ERR_JSON_DEPTH,
			    "JSON nested deeper than %u level%s at byte offset "
			    "%zu", depth, depth == 1 ? "" : "s", base + end);
		case json_tokener_error_parse_utf8_string:
			return tr_error_set(err, TR_ERR_UTF8,
			    "invalid UTF-8 at byte offset %zu", base + end);
		case json_tokener_continue:
			jerr = json_tokener_error_parse_eof;
			/* FALLTHROUGH */
		default:
			return tr_error_set(err, TR_ERR_JSON,
			    "JSON syntax error at byte offset %zu: %s",
			    base + end, json_tokener_error_desc(jerr));
		}
	}
	while (end < len && tr_json_text_is_ws(text[end]))
		end++;
	if (end < len) {
		json_object_put(*root);
		*root = NULL;
		return tr_error_set(err, TR_ERR_JSON,
		    "unexpected data after the JSON value at byte offset %zu",
		    base + end);
	}
	return TR_OK;
}

/* tr_json_text_same - the same text but for whitespace between tokens (two
 * copies of one report, sent pretty-printed and on one line, are one
 * report, not a conflict). Both sides step over equal bytes together, so
 * one flag says whether they are inside a string, where every byte counts. */
int
tr_json_text_same(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;
	int in_string = 0, escaped = 0;

	for (;;) {
		if (!in_string) {
			while (i < an && tr_json_text_is_ws(a[i]))
				i++;
			while (j < bn && tr_json_text_is_ws(b[j]))
				j++;
		}
		if (i == an || j == bn)
			return i == an && j == bn;
		if (a[i] != b[j])
			return 0;
		if (escaped)
			escaped = 0;
		else if (in_string && a[i] == '\\')
			escaped = 1;
		else if (a[i] == '"')
			in_string = !in_string;
		i++;
		j++;
	}
}

/*
 * Duplicate member names: json-c keeps the last silently, so a report with
 * two "total-failure-session-count" members would lose one unseen. I-JSON
 * (RFC 7493 2.3), which RFC 8460 section 4 requires, forbids them. json-c
 * has no hook for it, so the text it accepted is scanned once more. Names are
 * compared as written: "a" and "\u0061" are not taken for the same name.
 */
struct dup_key {
	uint64_t hash;
	const char *p;
	size_t len;
};

struct dup_frame {
	char obj;		/* 1 for an object, 0 for an array */
	char expect_key;	/* next string in this object is a name */
	size_t index;		/* array: current element */
	const char *key;	/* object: current member name, for the path */
	size_t keylen;
	size_t first;		/* object: its first name on the key stack */
};

/* the bytes tr_json_text_dups acts on; a table, as strcspn's set-up per
 * call cost more than the short runs between them */
static const unsigned char dup_stop[256] = {
	['"'] = 1, ['\''] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
	[','] = 1, ['\0'] = 1,
};
#define DUP_LINEAR		16	/* names checked one by one as they come */
#define DUP_LOCAL_KEYS		64
#define DUP_LOCAL_FRAMES	32

/* dup_path - "a.b[2].c" of the frames below top, into buf */
static void
dup_path(const struct dup_frame *f, size_t top, char *buf, size_t bufsz)
{
	size_t i, o = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < top && o < bufsz; i++) {
		if (f[i].obj)
			n = snprintf(buf + o, bufsz - o, "%s%.*s",
			    o > 0 ? "." : "", (int)(f[i].keylen > 64 ? 64 :
			    f[i].keylen), f[i].key);
		else
			n = snprintf(buf + o, bufsz - o, "[%zu]", f[i].index);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	/* names are the sender's: json-c lets raw tabs and CRs through */
	for (o = 0; buf[o] != '\0'; o++)
		if ((unsigned char)buf[o] < 0x20 || buf[o] == 0x7f)
			buf[o] = '?';
}

/* dup_cmp - qsort order of names: hash, length, bytes */
static int
dup_cmp(const void *a, const void *b)
{
	const struct dup_key *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->p, y->p, x->len);
}

/* dup_sorted - sort the n names of one object; a repeated one, or NULL */
static struct dup_key *
dup_sorted(struct dup_key *k, size_t n)
{
	size_t i;

	/* O(n log n): an object with a million names must not take n^2 */
	qsort(k, n, sizeof(*k), dup_cmp);
	for (i = 1; i < n; i++)
		if (dup_cmp(&k[i - 1], &k[i]) == 0)
			return &k[i];
	return NULL;
}

/* dup_same - index of a name among keys[first..n-1] equal to keys[n-1], or n */
static size_t
dup_same(const struct dup_key *k, size_t first, size_t n)
{
	const struct dup_key *last = &k[n - 1];
	size_t i;

	/* objects in a report have a handful of names: a scan beats a sort */
	for (i = first; i < n - 1; i++)
		if (k[i].hash == last->hash && k[i].len == last->len &&
		    memcmp(k[i].p, last->p, last->len) == 0)
			return i;
	return n;
}

/* skip_string - offset of the quote closing the string opened at text[i] */
static size_t
skip_string(const char *text, size_t len, size_t i)
{
	const char *p;
	size_t j = i + 1, bs;

	/* memchr runs a word or more at a time; escapes are rare */
	while ((p = memchr(text + j, text[i], len - j)) != NULL) {
		j = (size_t)(p - text);
		for (bs = 0; j - bs > i + 1 && text[j - bs - 1] == '\\'; bs++)
			;
		if (bs % 2 == 0)
			return j;
		j++;
	}
	return len;
}

/* The stacks of one tr_json_text_dups scan: on the C stack while small. */
struct dup_scan {
	struct dup_key lkeys[DUP_LOCAL_KEYS], *keys;
	struct dup_frame lframes[DUP_LOCAL_FRAMES], *frames;
	size_t nkeys, capkeys, top, capframes;
};

/* dup_add_key - push the name key[0..len) of the innermost object;
 * -1 when out of memory */
static int
dup_add_key(struct dup_scan *s, const char *key, size_t len)
{
	struct dup_key *nk;
	uint64_t h;
	size_t d;

	if (s->nkeys == s->capkeys) {
		if (s->capkeys > SIZE_MAX / 2 / sizeof(*s->keys) ||
		    (nk = malloc(2 * s->capkeys * sizeof(*nk))) == NULL)
			return -1;
		memcpy(nk, s->keys, s->nkeys * sizeof(*nk));
		if (s->keys != s->lkeys)
			free(s->keys);
		s->keys = nk;
		s->capkeys *= 2;
	}
	/* FNV-1a: cheap, and a clash only costs a memcmp */
	for (h = UINT64_C(0xcbf29ce484222325), d = 0; d < len; d++)
		h = (h ^ (unsigned char)key[d]) * UINT64_C(0x100000001b3);
	s->keys[s->nkeys].hash = h;
	s->keys[s->nkeys].p = key;
	s->keys[s->nkeys++].len = len;
	return 0;
}

/* dup_push - open an object (obj 1) or array frame; NULL when out of
 * memory */
static struct dup_frame *
dup_push(struct dup_scan *s, int obj)
{
	struct dup_frame *nf, *f;

	if (s->top == s->capframes) {
		if ((nf = malloc(2 * s->capframes * sizeof(*nf))) == NULL)
			return NULL;
		memcpy(nf, s->frames, s->top * sizeof(*nf));
		if (s->frames != s->lframes)
			free(s->frames);
		s->frames = nf;
		s->capframes *= 2;
	}
	f = &s->frames[s->top++];
	memset(f, 0, sizeof(*f));
	f->obj = (char)obj;
	f->expect_key = (char)obj;
	f->first = s->nkeys;
	return f;
}

/* dup_found - the TR_ERR_SCHEMA message for name dup in the open frames */
static enum tr_err
dup_found(const struct dup_scan *s, const struct dup_key *dup,
    struct tr_error *err)
{
	char path[TR_RF_PATH_MAX], qbuf[TR_RF_QUOTE_MAX * 4 + 16];

	dup_path(s->frames, s->top - 1, path, sizeof(path));
	tr_quote(qbuf, sizeof(qbuf), dup->p, dup->len, TR_RF_QUOTE_MAX);
	return tr_error_set(err, TR_ERR_SCHEMA, "%s%sduplicate field %s", path,
	    path[0] != '\0' ? ": " : "", qbuf);
}

/* tr_json_text_dups - TR_OK, or TR_ERR_SCHEMA naming the first repeated
 * name, in one pass over the text */
enum tr_err
tr_json_text_dups(const char *text, size_t len, struct tr_error *err)
{
	struct dup_scan s;
	struct dup_key *dup = NULL;
	struct dup_frame *f;
	enum tr_err e = TR_OK;
	size_t i, j;

	s.keys = s.lkeys;
	s.frames = s.lframes;
	s.nkeys = s.top = 0;
	s.capkeys = DUP_LOCAL_KEYS;
	s.capframes = DUP_LOCAL_FRAMES;
	/* text has no NUL before len (tr_json_text_utf8) and one at len,
	 * which stops the scan */
	for (i = 0; i < len && dup == NULL; i++) {
		while (!dup_stop[(unsigned char)text[i]])
			i++;
		if (i >= len)
			break;
		f = s.top > 0 ? &s.frames[s.top - 1] : NULL;
		switch (text[i]) {
		case '"':
		case '\'':	/* json-c's strict mode still takes 'name' */
			/* unterminated: json-c would not have passed it */
			if ((j = skip_string(text, len, i)) >= len)
				goto out;
			if (f != NULL && f->obj && f->expect_key) {
				f->expect_key = 0;
				f->key = text + i + 1;
				f->keylen = j - i - 1;
				if (dup_add_key(&s, f->key, f->keylen) == -1)
					goto nomem;
				/* big objects are sorted once when they close */
				if (s.nkeys - f->first <= DUP_LINEAR &&
				    dup_same(s.keys, f->first, s.nkeys) <
				    s.nkeys)
					dup = &s.keys[s.nkeys - 1];
			}
			i = j;
			break;
		case '{':
		case '[':
			if (dup_push(&s, text[i] == '{') == NULL)
				goto nomem;
			break;
		case '}':
		case ']':
			if (f == NULL)
				break;
			if (f->obj && s.nkeys - f->first > DUP_LINEAR &&
			    (dup = dup_sorted(s.keys + f->first,
			    s.nkeys - f->first)) != NULL)
				break;
			if (f->obj)
				s.nkeys = f->first;
			s.top--;
			break;
		case ',':
			if (f != NULL && f->obj)
				f->expect_key = 1;
			else if (f != NULL)
				f->index++;
			break;
		}
	}
	if (dup != NULL)
		e = dup_found(&s, dup, err);
	goto out;
 nomem:
	e = tr_error_set(err, TR_ERR_NOMEM, "out of memory");
 out:
	if (s.keys != s.lkeys)
		free(s.keys);
	if (s.frames != s.lframes)
		free(s.frames);
	return e;
}
