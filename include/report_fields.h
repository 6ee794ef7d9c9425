/* report_fields.h - field readers behind tr_report_parse (internal to it) */
#ifndef TR_REPORT_FIELDS_H
#define TR_REPORT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"
#include "error.h"
#include "limits.h"
#include "report.h"

/*
 * Counts are capped at 2^53 - 1: RFC 8460 section 4 says the report is I-JSON
 * (RFC 7493), whose section 2.2 tells receivers not to expect integers beyond
 * that to be exact. The cap also keeps INT64_MAX, which json-c produces when
 * it silently clamps a larger number, out of the accepted range.
 */
#define TR_RF_COUNT_MAX		INT64_C(9007199254740991)

#define TR_RF_PATH_MAX	160	/* "policies[N].failure-details[M].key" */
#define TR_RF_DEPTH	8	/* path segments kept; a report needs 4 */
#define TR_RF_NOINDEX	SIZE_MAX	/* a segment that is a name only */
#define TR_RF_QUOTE_MAX	64	/* bytes of a value quoted in a message */

/* One step of a JSON path: "name", "name[index]", or "[index]" when name
 * is "". Kept as parts, it is only written out for an error or a note. */
struct tr_rf_seg {
	const char *name;
	size_t index;			/* TR_RF_NOINDEX: none */
};

/* Parse state: where we are (for messages) and what we build. */
struct tr_rctx {
	const struct tr_limits *lim;
	struct tr_report *r;
	struct tr_arena *arena;
	struct tr_error *err;
	const char *fallback_domain;	/* for a missing policy-domain */
	struct tr_rf_seg path[TR_RF_DEPTH];	/* JSON path of the current object */
	size_t depth;			/* segments pushed (past TR_RF_DEPTH: not kept) */
};

/* An object being read: known keys seen so far, to skip the unknown scan. */
struct tr_rf_obj {
	struct json_object *o;
	size_t found;
};

/* How a string field is read. */
#define TR_RF_REQUIRED	0x01	/* missing is an error */
#define TR_RF_NONEMPTY	0x02	/* "" is an error */

/* Kinds of string list, normalised differently. */
enum tr_rf_list {
	TR_RF_POLICY_STRING,
	TR_RF_MX_HOST
};

/* tr_rf_push - append "name" or "name[index]" (index TR_RF_NOINDEX: none)
 * to the path; name must outlive the push. Returns a mark for tr_rf_pop. */
size_t tr_rf_push(struct tr_rctx *c, const char *name, size_t index);

/* tr_rf_pop - cut the path back to a mark from tr_rf_push */
void tr_rf_pop(struct tr_rctx *c, size_t mark);

/* tr_rf_fail - set err to "<path>.<key>: <message>" (key may be NULL) */
enum tr_err tr_rf_fail(struct tr_rctx *c, enum tr_err code, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* tr_rf_note - add the note "<path>.<key>: <message>" (or TR_ERR_NOMEM) */
enum tr_err tr_rf_note(struct tr_rctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* tr_rf_describe - bounded, printable rendering of a JSON value for messages */
const char *tr_rf_describe(struct json_object *v, char *buf, size_t bufsz);

/*
 * tr_rf_get - look key up, or when absent a drifted name of it (the table
 * in report_fields.c: "receiving-mx-host-name" for "receiving-mx-hostname"),
 * read in its place with a note; 1 when present (*v NULL for JSON null), 0
 * when absent. *name is the name found, for messages. TR_ERR_NOMEM is
 * returned as -1.
 */
int tr_rf_get(struct tr_rctx *c, struct tr_rf_obj *ob, const char *key,
    struct json_object **v, const char **name);

/* tr_rf_rfc_name - the RFC 8460 name a drifted field name stands for, or
 * NULL when name is not in the table */
const char *tr_rf_rfc_name(const char *name);

/* tr_rf_object - the object at key; absent, null or not an object: error */
enum tr_err tr_rf_object(struct tr_rctx *c, struct tr_rf_obj *ob,
    const char *key, struct json_object **out);

/* tr_rf_check_string - v is a string within max_string and without NUL */
enum tr_err tr_rf_check_string(struct tr_rctx *c, const char *key,
    struct json_object *v, int flags);

/*
 * tr_rf_string - read a string field (pointing into the tree) into *out;
 * absent, or an optional null or "" (noted), leaves NULL.
 */
enum tr_err tr_rf_string(struct tr_rctx *c, struct tr_rf_obj *ob,
    const char *key, int flags, const char **out);

/* tr_rf_count - read a required count: a JSON integer in 0..TR_RF_COUNT_MAX */
enum tr_err tr_rf_count(struct tr_rctx *c, struct tr_rf_obj *ob,
    const char *key, int64_t *out);

/* tr_rf_ip - read an optional IPv4 or IPv6 address (inet_pton syntax); a
 * string that is none is noted and read as absent */
enum tr_err tr_rf_ip(struct tr_rctx *c, struct tr_rf_obj *ob,
    const char *key, const char **out);

/*
 * tr_rf_domain - s lower-cased without its trailing dot: s itself when that
 * changes nothing and borrowed (s lives as long as the report), else a copy
 * in the arena; NULL when out of memory.
 */
const char *tr_rf_domain(struct tr_rctx *c, const char *s, size_t len,
    int borrowed);

/*
 * tr_rf_list - normalise a policy-string or mx-host value into a compact JSON
 * array of strings (*json), tolerating the real-world forms with a note.
 */
enum tr_err tr_rf_list(struct tr_rctx *c, const char *key,
    struct json_object *v, enum tr_rf_list kind, const char **json);

/* tr_rf_unknown - note every key of ob outside known (NULL-terminated) */
enum tr_err tr_rf_unknown(struct tr_rctx *c, struct tr_rf_obj *ob,
    const char *const *known);

#endif
