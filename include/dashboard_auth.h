/* dashboard_auth.h - HTTP basic authentication for the dashboard against crypt(3) hashes */
#ifndef TR_DASHBOARD_AUTH_H
#define TR_DASHBOARD_AUTH_H

#include <time.h>

#include "error.h"

#define TR_AUTH_MAX_USERS	1000
#define TR_AUTH_NAME_MAX	64
#define TR_AUTH_HASH_MAX	256
#define TR_AUTH_HEADER_MAX	1024	/* bytes of an Authorization value */
#define TR_AUTH_CACHE_SECONDS	300	/* a verified header is trusted this long */
#define TR_AUTH_FAILS_PER_SECOND 5	/* hash checks that fail, per second */

struct tr_dash_auth;

enum tr_auth {
	TR_AUTH_OK,		/* a user of the file, right password */
	TR_AUTH_DENIED,		/* missing, malformed, unknown or wrong */
	TR_AUTH_BUSY,		/* too many failed checks this second: retry */
};

/*
 * tr_dash_auth_load - the users file at path: one "name:hash" a line, the
 * hash as crypt(3) writes it (yescrypt "$y$...", also "$gy$", "$7$",
 * "$2b$", "$6$", "$5$"); blank lines and "#" comments ignored. A name is
 * 1 to TR_AUTH_NAME_MAX printable ASCII bytes without ':'. NULL with
 * err set (TR_ERR_IO for the file, TR_ERR_SCHEMA "path:line: ..." for its
 * content) on failure; a message never quotes a hash.
 */
struct tr_dash_auth *tr_dash_auth_load(const char *path,
    struct tr_error *err);

void tr_dash_auth_free(struct tr_dash_auth *a);

/* tr_dash_auth_users - how many users the file holds */
size_t tr_dash_auth_users(const struct tr_dash_auth *a);

/*
 * tr_dash_auth_check - the value of a request's Authorization header
 * (NULL when absent) at time now: "Basic base64(name:password)" checked
 * with crypt_rn against the user's hash (an unknown name is checked
 * against a dummy hash, so that timing does not tell names apart). A
 * header verified in the last TR_AUTH_CACHE_SECONDS is accepted without
 * hashing again; after TR_AUTH_FAILS_PER_SECOND failed checks in one
 * second, further checks that second answer TR_AUTH_BUSY without
 * hashing, so that guessing cannot hold the loop. *user (may be NULL)
 * gets the name tried, printable, for the log ("" when none).
 */
enum tr_auth tr_dash_auth_check(struct tr_dash_auth *a, const char *header,
    time_t now, char user[TR_AUTH_NAME_MAX + 1]);

#endif
