/* error.h - specific errors: a stable class plus a message naming the place */
#ifndef TR_ERROR_H
#define TR_ERROR_H

#include <stddef.h>

/*
 * Every stage of the pipeline answers with one of these codes. The code is the
 * "reason class" stored in the quarantine table and used for metrics; the message
 * says exactly what was wrong and where (e.g.
 * "policies[1].summary.total-failure-session-count: expected a non-negative
 * integer, got \"12\"").
 */
enum tr_err {
	TR_OK = 0,
	TR_ERR_NOMEM,		/* allocation failed (temporary) */
	TR_ERR_TOO_LARGE,	/* message over the size limit */
	TR_ERR_MIME,		/* malformed MIME structure (boundary, headers) */
	TR_ERR_MIME_LIMIT,	/* MIME nesting depth, part count or header size */
	TR_ERR_NO_REPORT,	/* no report part in the message */
	TR_ERR_ENCODING,	/* broken base64 / quoted-printable */
	TR_ERR_GZIP,		/* corrupt gzip stream */
	TR_ERR_GZIP_TRUNCATED,	/* gzip stream ends early */
	TR_ERR_GZIP_TRAILING,	/* garbage after the gzip stream */
	TR_ERR_DECOMPRESS_LIMIT,/* absolute size or ratio cap hit (a bomb) */
	TR_ERR_ZIP,		/* corrupt or unsupported zip archive */
	TR_ERR_JSON,		/* not well-formed JSON */
	TR_ERR_JSON_DEPTH,	/* JSON nested too deep */
	TR_ERR_UTF8,		/* invalid UTF-8 */
	TR_ERR_SCHEMA,		/* does not follow RFC 8460 section 4 */
	TR_ERR_REPORT_LIMIT,	/* too many policies / failure details / reports */
	TR_ERR_STORE,		/* the database failed (temporary) */
	TR_ERR_IO,		/* reading input failed */
	TR_ERR_NOT_OURS,	/* a report about domains this site does not list */
	TR_ERR_DKIM,		/* no acceptable DKIM signature (dkim = require) */
	TR_ERR_DKIM_TEMP,	/* a DKIM key could not be fetched now (temporary) */
	TR_ERR__COUNT
};

#define TR_ERRMSG_MAX 512

struct tr_error {
	enum tr_err code;
	char msg[TR_ERRMSG_MAX];
};

/* tr_err_name - stable short name of a code ("no-report-part", "gzip-truncated") */
const char *tr_err_name(enum tr_err code);

/* tr_err_is_temporary - true when retrying later may succeed (store, memory) */
int tr_err_is_temporary(enum tr_err code);

/* tr_error_set - fill err (may be NULL) and return code */
enum tr_err tr_error_set(struct tr_error *err, enum tr_err code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* tr_error_prefix - prepend "prefix: " to err's message (keeps the code) */
void tr_error_prefix(struct tr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* tr_error_clear - reset to TR_OK with an empty message */
void tr_error_clear(struct tr_error *err);

/* tr_quote - printable, bounded rendering of untrusted bytes for messages:
 * at most max input bytes, non-printables as \xNN, wrapped in double quotes,
 * "..." appended when cut. Always NUL-terminates out (outsz > 0). */
void tr_quote(char *out, size_t outsz, const void *in, size_t len, size_t max);

#endif
