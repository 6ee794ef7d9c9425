/* dkim_env.h - the DKIM verifier and its key cache, set up from the configuration */
#ifndef TR_DKIM_ENV_H
#define TR_DKIM_ENV_H

#include "dkim.h"
#include "dkim_keys.h"
#include "error.h"

#define TR_DKIM_CACHE_MAX	1024	/* key records kept, with their TTL */

/* What a command that analyses mail holds for DKIM; settings is what it
 * hands to the analysis (tr_analysis_dkim). */
struct tr_dkim_env {
	struct tr_dkim_keys *keys;
	struct tr_dkim *verifier;
	struct tr_dkim_settings settings;
};

/*
 * tr_dkim_env_open - a verifier asking resolver ("address[:port]", NULL:
 * resolv.conf) with timeout_s seconds per lookup; authserv_id (or NULL) is
 * the Authentication-Results authserv-id to trust. With policy off nothing
 * is started. 0, or -1 with err set.
 */
int tr_dkim_env_open(struct tr_dkim_env *e, enum tr_dkim_policy policy,
    const char *resolver, unsigned timeout_s, const char *authserv_id,
    struct tr_error *err);

void tr_dkim_env_close(struct tr_dkim_env *e);

#endif
