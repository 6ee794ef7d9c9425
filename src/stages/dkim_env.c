/* dkim_env.c - the DKIM verifier and its key cache, set up from the configuration */
#include <string.h>

#include "dkim_env.h"

/* keys_lookup - the verifier's key lookup: the shared cache and resolver */
static enum tr_key_status
keys_lookup(void *arg, const char *qname, char *buf, size_t bufsz, char *why,
    size_t whysz)
{
	return tr_dkim_keys_lookup(arg, qname, buf, bufsz, why, whysz);
}

/* tr_dkim_env_open - resolver, cache and verifier for policy */
int
tr_dkim_env_open(struct tr_dkim_env *e, enum tr_dkim_policy policy,
    const char *resolver, unsigned timeout_s, const char *authserv_id,
    struct tr_error *err)
{
	memset(e, 0, sizeof(*e));
	e->settings.policy = policy;
	e->settings.trusted_authserv_id = authserv_id;
	if (policy == TR_DKIM_OFF)
		return 0;
	if ((e->keys = tr_dkim_keys_new(resolver, timeout_s * 1000,
	    TR_DKIM_CACHE_MAX, err)) == NULL)
		return -1;
	if ((e->verifier = tr_dkim_new(keys_lookup, e->keys, err)) == NULL) {
		tr_dkim_keys_free(e->keys);
		e->keys = NULL;
		return -1;
	}
	e->settings.verifier = e->verifier;
	return 0;
}

/* tr_dkim_env_close - the verifier, then the cache it used */
void
tr_dkim_env_close(struct tr_dkim_env *e)
{
	tr_dkim_free(e->verifier);
	tr_dkim_keys_free(e->keys);
	memset(e, 0, sizeof(*e));
}
