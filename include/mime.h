/* mime.h - find every TLS-RPT report part in an RFC 5322 message */
#ifndef TR_MIME_H
#define TR_MIME_H

#include <stddef.h>

#include "error.h"
#include "limits.h"
#include "mime_kind.h"
#include "msgmeta.h"
#include "notes.h"

/* One report part, transfer encoding removed (still compressed if it was);
 * data[len] is always a NUL byte (not counted). */
struct tr_part {
	unsigned char *data;
	size_t len;
	enum tr_payload payload;
	char *media_type;	/* lower-cased "type/subtype" as declared, or NULL */
	char *filename;		/* decoded (RFC 2231 joined), or NULL */
	unsigned index;		/* position among all leaf parts, from 0 */
};

struct tr_mime_result {
	struct tr_msgmeta meta;
	struct tr_part *parts;	/* report parts found, in message order */
	size_t nparts;
	struct tr_notes notes;	/* e.g. "non-RFC media type application/json" */
};

/*
 * tr_mime_extract - parse msg (CRLF or LF line ends) and collect every report
 * part. On success returns TR_OK with at least one part. Otherwise returns a
 * specific error (TR_ERR_NO_REPORT, TR_ERR_MIME, TR_ERR_MIME_LIMIT,
 * TR_ERR_ENCODING, TR_ERR_TOO_LARGE, TR_ERR_NOMEM) with err filled; out->meta
 * is still filled as far as the headers could be read, so the caller can log
 * and quarantine with it. Always call tr_mime_result_free afterwards.
 */
enum tr_err tr_mime_extract(const unsigned char *msg, size_t len,
    const struct tr_limits *limits, struct tr_mime_result *out,
    struct tr_error *err);

/* tr_mime_result_free - release everything in r and zero it */
void tr_mime_result_free(struct tr_mime_result *r);

#endif
