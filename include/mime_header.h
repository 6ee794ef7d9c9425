/* mime_header.h - RFC 5322 header sections and RFC 2045/2231 parameters
 * (internal to the MIME stage) */
#ifndef TR_MIME_HEADER_H
#define TR_MIME_HEADER_H

#include <stddef.h>

/*
 * Everything here works on spans of the caller's buffer and allocates only
 * the decoded strings it returns, so walking a header section costs no
 * allocation per line. Spans never reach past the length they were given.
 */

/* A header field as it stands in the message: value still folded. */
struct tr_mimeh_field {
	const char *name;
	size_t namelen;
	const char *value;	/* after the colon; may hold folding line breaks */
	size_t valuelen;
};

/* A walk over one header section (see tr_mimeh_split). */
struct tr_mimeh_reader {
	const char *p;
	const char *end;
};

enum tr_mimeh_kind {
	TR_MIMEH_END = 0,	/* no more fields */
	TR_MIMEH_FIELD,		/* a field, in the tr_mimeh_field */
	TR_MIMEH_NOCOLON,	/* a line with no colon, skipped (span in field) */
	TR_MIMEH_BADNAME,	/* a line whose name is not a field name, skipped */
};

/*
 * tr_mimeh_split - find where the header section of entity buf[0..len) ends.
 * *hdrlen gets the length of the fields (without the empty line), *bodyoff
 * the offset of the body. An entity without an empty line is all header.
 * Returns 0, or -1 when the fields would exceed max bytes; then *hdrlen is
 * the size of the whole fields that fit within max.
 */
int tr_mimeh_split(const char *buf, size_t len, size_t max, size_t *hdrlen,
    size_t *bodyoff);

/* tr_mimeh_init - start walking the header fields hdr[0..len) */
void tr_mimeh_init(struct tr_mimeh_reader *r, const char *hdr, size_t len);

/* tr_mimeh_next - the next field (continuation lines joined into its span),
 * or a skipped malformed line, or TR_MIMEH_END */
enum tr_mimeh_kind tr_mimeh_next(struct tr_mimeh_reader *r,
    struct tr_mimeh_field *f);

/* tr_mimeh_name_is - true when the field is called name (any case) */
int tr_mimeh_name_is(const struct tr_mimeh_field *f, const char *name);

/*
 * tr_mimeh_unfold - the value unfolded (line breaks removed), trimmed of
 * surrounding whitespace and cut at max bytes (never inside a UTF-8
 * sequence), as a new string; NULL when out of memory.
 */
char *tr_mimeh_unfold(const char *v, size_t len, size_t max);

/*
 * tr_mimeh_token - the first token of a structured value (comments and
 * folding skipped), e.g. the Content-Transfer-Encoding. Returns its length
 * and sets *tok, or 0 when there is none.
 */
size_t tr_mimeh_token(const char *v, size_t len, const char **tok);

/*
 * tr_mimeh_mediatype - the "type/subtype" that opens a Content-Type value,
 * comments and folding skipped. Returns 0 with *type / *sub spans set, or
 * -1 when the value does not start with one.
 */
int tr_mimeh_mediatype(const char *v, size_t len, const char **type,
    size_t *typelen, const char **sub, size_t *sublen);

/*
 * tr_mimeh_param - the decoded value of parameter name in a Content-Type or
 * Content-Disposition value: quoted strings unescaped, RFC 2231
 * continuations (name*0, name*1*, ...) joined in order, charset'language'
 * prefixes dropped and %XX decoded. An RFC 2231 value wins over a plain
 * one. Returns a new string (*found = 1), or NULL with *found = 0 when the
 * parameter is absent, or NULL with *found = -1 when out of memory.
 */
char *tr_mimeh_param(const char *v, size_t len, const char *name, int *found);

#endif
