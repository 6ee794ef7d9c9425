/* mime_kind.h - what a MIME leaf claims to be: a report part by its media
 * type (RFC 8460's, or one that senders are known to use) or by its file
 * name, and which payload (JSON, gzip, zip) it declares. Claims only: the
 * bytes decide (tr_payload_sniff). */
#ifndef TR_MIME_KIND_H
#define TR_MIME_KIND_H

#include <stddef.h>

/* What a report part holds. */
enum tr_payload {
	TR_PAYLOAD_JSON,	/* the report JSON itself */
	TR_PAYLOAD_GZIP,	/* gzip of the report JSON */
	TR_PAYLOAD_ZIP,		/* zip archive holding a .json */
};

#define TR_MIME_DECL_NONE	(-1)	/* no payload declared */

/* tr_mime_kind_of_type - for the media type application/sub (sub[0..sublen),
 * any case): 1 for RFC 8460's types, 2 for a tolerated one, 0 for none;
 * with 1 or 2 *decl gets the declared enum tr_payload or TR_MIME_DECL_NONE */
int tr_mime_kind_of_type(const char *sub, size_t sublen, int *decl);

/* tr_mime_kind_of_name - the payload a file name (NULL: none) promises by
 * its ending (.json, .gz, .zip, any case), or TR_MIME_DECL_NONE */
int tr_mime_kind_of_name(const char *fn);

/* tr_mime_kind_name - "JSON", "gzip" or "zip" */
const char *tr_mime_kind_name(enum tr_payload kind);

/* tr_payload_sniff - GZIP (1f 8b), ZIP (PK 03 04), else JSON: the first
 * bytes decide, a media type or a file name is only a claim */
enum tr_payload tr_payload_sniff(const unsigned char *d, size_t n);

#endif
