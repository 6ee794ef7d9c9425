/* dkim_tags.h - DKIM tag=value lists (RFC 6376 3.2) read without
 * libopendkim: what the verifier needs to judge a key record's service
 * tag and to look into a signature that Authentication-Results vouched
 * for. Pure functions over NUL-terminated text. */
#ifndef TR_DKIM_TAGS_H
#define TR_DKIM_TAGS_H

#include <stddef.h>

/* tr_dkim_tags_list_has - whether the colon-separated tag value list
 * names name (any case, white space around the items ignored) */
int tr_dkim_tags_list_has(const char *list, const char *name);

/*
 * tr_dkim_tags_strip_service - out = the key record rec without its s=
 * tag (cut to outsz); 1 when that tag lists tlsrpt or *, else 0.
 * libopendkim refuses a key whose s= lacks "email", while RFC 8460 asks
 * reporters for s=tlsrpt: the tag is ours to judge.
 */
int tr_dkim_tags_strip_service(const char *rec, char *out, size_t outsz);

/* tr_dkim_tags_get - the value of tag name (any case) of the tag list sig
 * into out, white space removed, cut to outsz; 0, or -1 when the tag is
 * absent */
int tr_dkim_tags_get(const char *sig, const char *name, char *out,
    size_t outsz);

/* tr_dkim_tags_find_signature - the first DKIM-Signature field in msg's
 * header with d=d (any case) and, unless s is "", s=s, its value into out
 * (cut to outsz); 0, or -1 when there is none */
int tr_dkim_tags_find_signature(const unsigned char *msg, size_t len,
    const char *d, const char *s, char *out, size_t outsz);

#endif
