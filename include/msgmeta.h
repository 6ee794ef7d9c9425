/* msgmeta.h - what is kept of a report message's top-level header:
 * Message-ID, From, Date, Subject and the TLS-Report-* fields */
#ifndef TR_MSGMETA_H
#define TR_MSGMETA_H

#include "error.h"
#include "mime_header.h"

/* Header values worth keeping; unfolded, RFC 2047 words left as sent,
 * NULL when absent. */
struct tr_msgmeta {
	char *message_id;
	char *from;
	char *date;
	char *subject;
	char *report_domain;	/* TLS-Report-Domain */
	char *report_submitter;	/* TLS-Report-Submitter */
};

/*
 * tr_msgmeta_keep - when f is one of the fields kept and m has none of it
 * yet, m takes its value unfolded (at most 1000 bytes); the first one
 * wins. TR_OK, or TR_ERR_NOMEM with err.
 */
enum tr_err tr_msgmeta_keep(struct tr_msgmeta *m,
    const struct tr_mimeh_field *f, struct tr_error *err);

/* tr_msgmeta_free - release the strings of m and zero it */
void tr_msgmeta_free(struct tr_msgmeta *m);

#endif
