/* report_fields.c - field readers behind tr_report_parse */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "error.h"
#include "json_line.h"
#include "notes.h"
#include "report_fields.h"

#define NOTE_MAX	512

/*
 * tr_rf_push - append a segment to the path; returns the mark. Valid
 * reports are the common case and need no path at all, so it is kept as
 * parts and written out only by where().
 */
size_t
tr_rf_push(struct tr_rctx *c, const char *name, size_t index)
{
	size_t mark = c->depth;

	if (c->depth < TR_RF_DEPTH) {
		c->path[c->depth].name = name;
		c->path[c->depth].index = index;
	}
	c->depth++;
	return mark;
}

/* tr_rf_pop - cut the path back to a mark from tr_rf_push */
void
tr_rf_pop(struct tr_rctx *c, size_t mark)
{
	c->depth = mark;
}

/* path_text - the path as "a.b[1].c" into buf[TR_RF_PATH_MAX]; its length */
static size_t
path_text(const struct tr_rctx *c, char *buf)
{
	const struct tr_rf_seg *s;
	size_t i, o = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < c->depth && i < TR_RF_DEPTH; i++) {
		s = &c->path[i];
		/* "a" + "b" is "a.b", "a" + "[1]" is "a[1]" */
		if (s->index == TR_RF_NOINDEX)
			n = snprintf(buf + o, TR_RF_PATH_MAX - o, "%s%s",
			    o > 0 && s->name[0] != '\0' ? "." : "", s->name);
		else
			n = snprintf(buf + o, TR_RF_PATH_MAX - o, "%s%s[%zu]",
			    o > 0 && s->name[0] != '\0' ? "." : "", s->name,
			    s->index);
		if (n < 0)
			break;
		o += (size_t)n;
		if (o >= TR_RF_PATH_MAX) {
			o = TR_RF_PATH_MAX - 1;
			break;
		}
	}
	return o;
}

/* where - "<path>.<key>: " prefix of a message into buf */
static void
where(const struct tr_rctx *c, const char *key, char *buf, size_t bufsz)
{
	char path[TR_RF_PATH_MAX];
	size_t pathlen;

	pathlen = path_text(c, path);
	if (pathlen > 0 && key != NULL)
		snprintf(buf, bufsz, "%s%s%s: ", path,
		    key[0] == '[' ? "" : ".", key);
	else if (pathlen > 0)
		snprintf(buf, bufsz, "%s: ", path);
	else if (key != NULL)
		snprintf(buf, bufsz, "%s: ", key);
	else
		buf[0] = '\0';
}

/* tr_rf_fail - set err to "<path>.<key>: <message>" */
enum tr_err
tr_rf_fail(struct tr_rctx *c, enum tr_err code, const char *key,
    const char *fmt, ...)
{
	char pre[TR_RF_PATH_MAX + 64], msg[TR_ERRMSG_MAX];
	va_list ap;

	where(c, key, pre, sizeof(pre));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tr_error_set(c->err, code, "%s%s", pre, msg);
}

/* tr_rf_note - add the note "<path>.<key>: <message>" */
enum tr_err
tr_rf_note(struct tr_rctx *c, const char *key, const char *fmt, ...)
{
	char pre[TR_RF_PATH_MAX + 64], msg[NOTE_MAX];
	struct tr_notes *notes = &c->r->notes;
	va_list ap;

	/*
	 * Past the cap a note is only counted: a report with 100,000 unknown
	 * keys must not cost 100,000 formatted strings. (Unlike
	 * tr_notes_add, repeats of a kept note are then counted too.)
	 */
	if (notes->n >= TR_NOTES_MAX) {
		notes->dropped++;
		return TR_OK;
	}
	where(c, key, pre, sizeof(pre));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (tr_notes_add(notes, "%s%s", pre, msg) == -1)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	return TR_OK;
}

/* tr_rf_describe - bounded, printable rendering of a JSON value */
const char *
tr_rf_describe(struct json_object *v, char *buf, size_t bufsz)
{
	const char *s;
	size_t n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return json_object_get_boolean(v) ? "true" : "false";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		tr_quote(buf, bufsz, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), TR_RF_QUOTE_MAX);
		return buf;
	case json_type_int:
	case json_type_double:
		/* a parsed double keeps its source text: "1e30", "NaN" */
		if ((s = json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN)) == NULL)
			return "a number";
		n = strlen(s);
		if (n > 40)
			snprintf(buf, bufsz, "%.40s...", s);
		else
			snprintf(buf, bufsz, "%s", s);
		return buf;
	}
	return "a value";
}

/* quote - tr_quote of a NUL-terminated string with the message bound */
static const char *
quote(const char *s, char *buf, size_t bufsz)
{
	tr_quote(buf, bufsz, s, strlen(s), TR_RF_QUOTE_MAX);
	return buf;
}

/*
 * Field names senders write instead of RFC 8460's (drafts, typos), each
 * read as the RFC name with a note. One table, so that every object of the
 * report reads them alike and tr_rf_unknown does not call them unknown.
 */
static const struct {
	const char *drifted;
	const char *rfc;
} drift_names[] = {
	{ "email-address", "contact-info" },		/* early drafts */
	{ "mx-host-pattern", "mx-host" },		/* early drafts */
	{ "additional-info-uri", "additional-information" },
	{ "failure-error-code", "failure-reason-code" },	/* drafts */
	{ "receiving-mx-host-name", "receiving-mx-hostname" },	/* SocketLabs */
};
#define NDRIFT (sizeof(drift_names) / sizeof(drift_names[0]))

/*
 * member - json_object_object_get_ex for the objects of a report, which
 * have a handful of members: walking them is cheaper than hashing the
 * name; a larger object is looked up by its hash
 */
#define MEMBER_SCAN_MAX	16
static int
member(struct json_object *o, const char *key, struct json_object **v)
{
	struct lh_entry *e;
	const char *k;

	if (json_object_object_length(o) > MEMBER_SCAN_MAX)
		return json_object_object_get_ex(o, key, v);
	for (e = lh_table_head(json_object_get_object(o)); e != NULL;
	    e = lh_entry_next(e)) {
		k = (const char *)lh_entry_k(e);
		if (k[0] == key[0] && strcmp(k, key) == 0) {
			*v = (struct json_object *)lh_entry_v(e);
			return 1;
		}
	}
	*v = NULL;
	return 0;
}

/* tr_rf_rfc_name - the RFC name a drifted field name stands for, or NULL */
const char *
tr_rf_rfc_name(const char *name)
{
	size_t i;

	for (i = 0; i < NDRIFT; i++)
		if (strcmp(name, drift_names[i].drifted) == 0)
			return drift_names[i].rfc;
	return NULL;
}

/* tr_rf_get - look key (or a drifted name of it) up */
int
tr_rf_get(struct tr_rctx *c, struct tr_rf_obj *ob, const char *key,
    struct json_object **v, const char **name)
{
	struct json_object *av;
	const char *alias = NULL;
	int has_key;
	size_t i;

	has_key = member(ob->o, key, v);
	ob->found += (size_t)has_key;
	*name = key;
	for (i = 0; i < NDRIFT; i++) {
		/* the first byte first: most keys have no drifted name */
		if (drift_names[i].rfc[0] != key[0] ||
		    strcmp(drift_names[i].rfc, key) != 0 ||
		    !member(ob->o, drift_names[i].drifted, &av))
			continue;
		ob->found++;
		if (has_key || alias != NULL) {
			if (tr_rf_note(c, NULL, "\"%s\" ignored, \"%s\" "
			    "present", drift_names[i].drifted, has_key ? key :
			    alias) != TR_OK)
				return -1;
			continue;
		}
		alias = drift_names[i].drifted;
		*v = av;
	}
	if (has_key)
		return 1;
	if (alias == NULL)
		return 0;
	if (tr_rf_note(c, NULL, "\"%s\" read as \"%s\"", alias, key) != TR_OK)
		return -1;
	*name = alias;
	return 1;
}

/* tr_rf_object - the object at key; absent, null or not an object: error */
enum tr_err
tr_rf_object(struct tr_rctx *c, struct tr_rf_obj *ob, const char *key,
    struct json_object **out)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	const char *name;
	int has;

	if ((has = tr_rf_get(c, ob, key, out, &name)) == -1)
		return TR_ERR_NOMEM;
	if (!has)
		return tr_rf_fail(c, TR_ERR_SCHEMA, NULL,
		    "missing required field \"%s\"", key);
	if (!json_object_is_type(*out, json_type_object))
		return tr_rf_fail(c, TR_ERR_SCHEMA, name,
		    "expected an object, got %s",
		    tr_rf_describe(*out, buf, sizeof(buf)));
	return TR_OK;
}

/* tr_rf_check_string - v is a string within max_string and without NUL */
enum tr_err
tr_rf_check_string(struct tr_rctx *c, const char *key, struct json_object *v,
    int flags)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return tr_rf_fail(c, TR_ERR_SCHEMA, key,
		    "expected a string, got %s",
		    tr_rf_describe(v, buf, sizeof(buf)));
	len = (size_t)json_object_get_string_len(v);
	if (len > c->lim->max_string)
		return tr_rf_fail(c, TR_ERR_REPORT_LIMIT, key,
		    "string of %zu bytes, over the limit of %zu", len,
		    c->lim->max_string);
	/* "\u0000" is legal JSON, but every consumer of ours is C */
	if (memchr(json_object_get_string(v), '\0', len) != NULL)
		return tr_rf_fail(c, TR_ERR_SCHEMA, key,
		    "string contains a NUL character: %s",
		    tr_rf_describe(v, buf, sizeof(buf)));
	if ((flags & TR_RF_NONEMPTY) && len == 0)
		return tr_rf_fail(c, TR_ERR_SCHEMA, key,
		    "expected a non-empty string, got \"\"");
	return TR_OK;
}

/* tr_rf_string - read a string field (pointing into the tree) */
enum tr_err
tr_rf_string(struct tr_rctx *c, struct tr_rf_obj *ob, const char *key,
    int flags, const char **out)
{
	struct json_object *v;
	const char *name;
	enum tr_err e;
	int has;

	*out = NULL;
	if ((has = tr_rf_get(c, ob, key, &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (!has) {
		if (flags & TR_RF_REQUIRED)
			return tr_rf_fail(c, TR_ERR_SCHEMA, NULL,
			    "missing required field \"%s\"", key);
		return TR_OK;
	}
	if (v == NULL && !(flags & TR_RF_REQUIRED))
		return tr_rf_note(c, name, "null, read as absent");
	if ((e = tr_rf_check_string(c, name, v, flags)) != TR_OK)
		return e;
	/* an optional field sent empty says as much as one left out */
	if (!(flags & TR_RF_REQUIRED) && json_object_get_string_len(v) == 0)
		return tr_rf_note(c, name, "empty, read as absent");
	*out = json_object_get_string(v);
	return TR_OK;
}

/* tr_rf_count - read a required count: a JSON integer in 0..TR_RF_COUNT_MAX */
enum tr_err
tr_rf_count(struct tr_rctx *c, struct tr_rf_obj *ob, const char *key,
    int64_t *out)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct json_object *v;
	const char *name;
	uint64_t u;
	int64_t i;
	int has;

	if ((has = tr_rf_get(c, ob, key, &v, &name)) == -1)
		return TR_ERR_NOMEM;
	if (!has)
		return tr_rf_fail(c, TR_ERR_SCHEMA, NULL,
		    "missing required field \"%s\"", key);
	/* json_object_get_int64 would turn "12", 1.5 and true into numbers */
	if (!json_object_is_type(v, json_type_int))
		return tr_rf_fail(c, TR_ERR_SCHEMA, name,
		    "expected a non-negative integer, got %s",
		    tr_rf_describe(v, buf, sizeof(buf)));
	/*
	 * json-c keeps 2^63..2^64-1 as unsigned and clamps beyond it, and
	 * json_object_get_int64 clamps both to INT64_MAX without a word:
	 * the unsigned view tells a real INT64_MAX from a clamped one.
	 */
	i = json_object_get_int64(v);
	if (i == INT64_MAX && (u = json_object_get_uint64(v)) > INT64_MAX)
		return tr_rf_fail(c, TR_ERR_SCHEMA, name,
		    "count out of range (maximum %" PRId64 "), got %" PRIu64
		    "%s", TR_RF_COUNT_MAX, u,
		    u == UINT64_MAX ? " or more" : "");
	if (i < 0)
		return tr_rf_fail(c, TR_ERR_SCHEMA, name,
		    "expected a non-negative integer, got %" PRId64 "%s", i,
		    i == INT64_MIN ? " or less" : "");
	if (i > TR_RF_COUNT_MAX)
		return tr_rf_fail(c, TR_ERR_SCHEMA, name,
		    "count out of range (maximum %" PRId64 "), got %" PRId64,
		    TR_RF_COUNT_MAX, i);
	*out = i;
	return TR_OK;
}

/* tr_rf_ip - read an optional IPv4 or IPv6 address (inet_pton syntax) */
enum tr_err
tr_rf_ip(struct tr_rctx *c, struct tr_rf_obj *ob, const char *key,
    const char **out)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	unsigned char addr[sizeof(struct in6_addr)];
	enum tr_err e;

	if ((e = tr_rf_string(c, ob, key, 0, out)) != TR_OK ||
	    *out == NULL)
		return e;
	if (inet_pton(AF_INET, *out, addr) == 1 ||
	    inet_pton(AF_INET6, *out, addr) == 1)
		return TR_OK;
	/* an optional field: the counts around it are still good */
	e = tr_rf_note(c, key, "not an IPv4 or IPv6 address: %s, read as "
	    "absent", quote(*out, buf, sizeof(buf)));
	*out = NULL;
	return e;
}

/* tr_rf_domain - lower-cased copy without the trailing dot */
const char *
tr_rf_domain(struct tr_rctx *c, const char *s, size_t len, int borrowed)
{
	size_t i;
	char *d;
	int clean = 1;

	if (len > 0 && s[len - 1] == '.') {
		len--;
		clean = 0;
	}
	for (i = 0; i < len && clean; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			clean = 0;
	/* the common case: already canonical and safe to point at */
	if (clean && borrowed)
		return s;
	if ((d = tr_arena_strndup(c->arena, s, len)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	return d;
}

/*
 * expand_encoded - Microsoft sends a TLSA policy-string as one element that
 * is itself a JSON-encoded array of strings; return that array (to put), or
 * NULL when s is anything else.
 */
static struct json_object *
expand_encoded(const char *s, size_t len)
{
	struct json_tokener *tok;
	struct json_object *a;
	size_t i, end;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (len == 0 || *s != '[' || len > INT32_MAX - 1)
		return NULL;
	/* an array of strings needs depth 2; deeper is not this quirk */
	if ((tok = json_tokener_new_ex(2)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	a = json_tokener_parse_ex(tok, s, (int)len + 1);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (a == NULL)
		return NULL;
	while (end < len && strchr(" \t\r\n", s[end]) != NULL)
		end++;
	/* "[]" says nothing more than the string itself: keep that */
	if (end < len || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) == 0)
		goto no;
	for (i = 0; i < json_object_array_length(a); i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i),
		    json_type_string))
			goto no;
	return a;
 no:
	json_object_put(a);
	return NULL;
}

/* list_fix - how entry s of a list must change: bytes to cut at each end */
static void
list_fix(enum tr_rf_list kind, const char *s, size_t len, size_t *head,
    size_t *tail)
{
	*head = *tail = 0;
	if (kind == TR_RF_POLICY_STRING) {
		/* from an MTA-STS policy file with CRLF line ends */
		while (*tail < len && s[len - 1 - *tail] == '\r')
			(*tail)++;
	} else if (len >= 3 && strncasecmp(s, "mx:", 3) == 0) {
		/* the policy line "mx: host" copied whole */
		*head = 3;
		while (*head < len && (s[*head] == ' ' || s[*head] == '\t'))
			(*head)++;
	}
}

/* list_entry - entry i of a list that is an array, or the string itself */
static struct json_object *
list_entry(struct json_object *src, size_t i)
{
	return json_object_is_type(src, json_type_array) ?
	    json_object_array_get_idx(src, i) : src;
}

/* list_check - v is an array of strings, or a string (noted); *n its
 * entries */
static enum tr_err
list_check(struct tr_rctx *c, const char *key, struct json_object *v,
    size_t *n)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	size_t i, mark;
	enum tr_err e;

	if (json_object_is_type(v, json_type_string)) {
		if ((e = tr_rf_check_string(c, key, v, 0)) != TR_OK ||
		    (e = tr_rf_note(c, key, "a string, not an array")) != TR_OK)
			return e;
	} else if (!json_object_is_type(v, json_type_array))
		return tr_rf_fail(c, TR_ERR_SCHEMA, key,
		    "expected an array of strings, got %s",
		    tr_rf_describe(v, buf, sizeof(buf)));
	*n = json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 1;
	for (i = 0; json_object_is_type(v, json_type_array) && i < *n; i++) {
		mark = tr_rf_push(c, key, i);
		if ((e = tr_rf_check_string(c, NULL,
		    json_object_array_get_idx(v, i), 0)) != TR_OK)
			return e;
		tr_rf_pop(c, mark);
	}
	return TR_OK;
}

/* list_expand - a policy-string of one entry that is itself a JSON-encoded
 * array: *inner = that array (checked, noted; *n its entries), else NULL */
static enum tr_err
list_expand(struct tr_rctx *c, const char *key, struct json_object *v,
    struct json_object **inner, size_t *n)
{
	struct json_object *el = list_entry(v, 0);
	size_t i, mark, inmark;
	enum tr_err e;

	if ((*inner = expand_encoded(json_object_get_string(el),
	    (size_t)json_object_get_string_len(el))) == NULL)
		return TR_OK;
	*n = json_object_array_length(*inner);
	mark = tr_rf_push(c, key, 0);
	for (i = 0; i < *n; i++) {
		inmark = tr_rf_push(c, "", i);
		if ((e = tr_rf_check_string(c, NULL,
		    json_object_array_get_idx(*inner, i), 0)) != TR_OK)
			return e;
		tr_rf_pop(c, inmark);
	}
	tr_rf_pop(c, mark);
	return tr_rf_note(c, key, "one JSON-encoded array string, expanded");
}

/*
 * list_text - the n entries of src fixed, as a JSON array (json-c's plain
 * form) in the arena. The strings were checked as UTF-8 with the report,
 * so tr_json_line writes them as json-c would.
 */
static enum tr_err
list_text(struct tr_rctx *c, enum tr_rf_list kind, struct json_object *src,
    size_t n, const char **json)
{
	struct tr_json_line l = { NULL, 0, 0, 0 };
	struct json_object *el;
	size_t i, len, head, tail;
	const char *s;

	tr_json_line_raw(&l, "[", 1);
	for (i = 0; i < n; i++) {
		el = list_entry(src, i);
		s = json_object_get_string(el);
		len = (size_t)json_object_get_string_len(el);
		list_fix(kind, s, len, &head, &tail);
		if (i > 0)
			tr_json_line_raw(&l, ",", 1);
		tr_json_line_string(&l, s + head, len - head - tail);
	}
	tr_json_line_raw(&l, "]", 1);
	*json = l.nomem ? NULL : tr_arena_strndup(c->arena, l.buf, l.len);
	tr_json_line_free(&l);
	if (*json == NULL)
		return tr_error_set(c->err, TR_ERR_NOMEM, "out of memory");
	return TR_OK;
}

/* tr_rf_list - normalise a policy-string or mx-host value into a JSON array */
enum tr_err
tr_rf_list(struct tr_rctx *c, const char *key, struct json_object *v,
    enum tr_rf_list kind, const char **json)
{
	struct json_object *src = v, *inner = NULL, *el;
	size_t i, n = 0, head, tail, fixed = 0;
	enum tr_err e;

	*json = NULL;
	if ((e = list_check(c, key, v, &n)) != TR_OK)
		return e;
	if (kind == TR_RF_POLICY_STRING && n == 1) {
		if ((e = list_expand(c, key, v, &inner, &n)) != TR_OK)
			goto out;
		if (inner != NULL)
			src = inner;
	}
	/* which entries need fixing, for the note */
	for (i = 0; i < n; i++) {
		el = list_entry(src, i);
		list_fix(kind, json_object_get_string(el),
		    (size_t)json_object_get_string_len(el), &head, &tail);
		if (head > 0 || tail > 0)
			fixed++;
	}
	if (fixed > 0 && (e = tr_rf_note(c, key, kind == TR_RF_POLICY_STRING ?
	    "trailing CR removed" : "\"mx:\" prefix removed")) != TR_OK)
		goto out;
	e = list_text(c, kind, src, n, json);
 out:
	json_object_put(inner);
	return e;
}

/* tr_rf_unknown - note every key of ob outside known */
enum tr_err
tr_rf_unknown(struct tr_rctx *c, struct tr_rf_obj *ob,
    const char *const *known)
{
	char buf[TR_RF_QUOTE_MAX * 4 + 16];
	struct lh_entry *ent;
	const char *k, *rfc;
	enum tr_err e;
	size_t i;

	/* every key was one we read: nothing to look at */
	if ((size_t)json_object_object_length(ob->o) <= ob->found)
		return TR_OK;
	for (ent = lh_table_head(json_object_get_object(ob->o)); ent != NULL;
	    ent = lh_entry_next(ent)) {
		k = (const char *)lh_entry_k(ent);
		/* a drifted name was read (or noted) as its RFC name */
		rfc = tr_rf_rfc_name(k);
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(k, known[i]) == 0 ||
			    (rfc != NULL && strcmp(rfc, known[i]) == 0))
				break;
		if (known[i] == NULL && (e = tr_rf_note(c, NULL,
		    "unknown field %s ignored", quote(k, buf, sizeof(buf)))) !=
		    TR_OK)
			return e;
	}
	return TR_OK;
}
