/* authres.h - Authentication-Results header fields (RFC 8601): parse, and find the ones our own MTA added */
#ifndef TR_AUTHRES_H
#define TR_AUTHRES_H

#include <stddef.h>

#include "error.h"

#define TR_AUTHRES_MAX		32	/* results kept from one message */
#define TR_AUTHRES_NAME_MAX	256

/* One resinfo: "dkim=pass header.d=example.com header.s=sel ..." */
struct tr_authres_result {
	char method[32];		/* lower case: dkim, spf, dmarc, ... */
	char result[32];		/* lower case: pass, fail, temperror, ... */
	char d[TR_AUTHRES_NAME_MAX];	/* header.d, or empty */
	char s[TR_AUTHRES_NAME_MAX];	/* header.s, or empty */
	char a[32];			/* header.a, or empty */
	char b[64];			/* header.b (a prefix of b=), or empty */
	char i[TR_AUTHRES_NAME_MAX];	/* header.i, or empty */
};

struct tr_authres {
	char authserv_id[TR_AUTHRES_NAME_MAX];
	struct tr_authres_result res[TR_AUTHRES_MAX];
	size_t n;			/* results kept */
	size_t dropped;			/* results beyond TR_AUTHRES_MAX */
	int none;			/* the field said "none" */
};

/*
 * tr_authres_parse - one Authentication-Results field value (after the
 * colon, folded or not): the authserv-id, then each resinfo with its
 * method, result and header.* properties; comments and an authres-version
 * are skipped, quoted strings unquoted. Values longer than their field are
 * cut. Adds to out->res (out->authserv_id must agree when already set, or
 * the field is refused). TR_OK, or TR_ERR_SCHEMA with err naming the place.
 */
enum tr_err tr_authres_parse(const char *v, size_t len, struct tr_authres *out,
    struct tr_error *err);

/*
 * tr_authres_trusted - the results our MTA vouches for in message msg:
 * the Authentication-Results fields at the top of the header section whose
 * authserv-id is authserv_id (any case), taken from the top down and
 * stopping at the first field with another authserv-id (RFC 8601 section
 * 5: an MTA adds its own on top and removes any arriving with its id;
 * anything below another host's is the sender's word). Fields that do not
 * parse end the run too. Returns how many fields were taken (0: none).
 */
int tr_authres_trusted(const unsigned char *msg, size_t len,
    const char *authserv_id, struct tr_authres *out);

#endif
