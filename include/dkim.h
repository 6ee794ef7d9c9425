/* dkim.h - is a report mail signed by its sender? DKIM verification and alignment (RFC 8460 section 3) */
#ifndef TR_DKIM_H
#define TR_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * A pure stage, as MIME and gunzip: message bytes, the From header and a
 * key-lookup function in, a result out. It knows nothing of threads,
 * storage or policy; the lookup may block (bounded), so tr_dkim_verify runs
 * on analysis threads only. One struct tr_dkim serves every thread at once.
 */
struct tr_dkim;

/* dkim = off | record | require (zero: off, what a bare analysis does) */
enum tr_dkim_policy {
	TR_DKIM_OFF,		/* not checked */
	TR_DKIM_RECORD,		/* stored either way, with the result */
	TR_DKIM_REQUIRE,	/* no acceptable signature: quarantined */
};

enum tr_dkim_status {
	TR_DKIM_UNCHECKED,	/* policy off, or not a mail (HTTPS, .json) */
	TR_DKIM_PASS,		/* an acceptable signature */
	TR_DKIM_FAIL,		/* signatures, none acceptable */
	TR_DKIM_NONE,		/* no signature at all */
	TR_DKIM_TEMPERROR,	/* a key could not be fetched now: retry */
};
#define TR_DKIM_STATUSES	5

/* The exact cause when the status is not PASS; stable names (tr_dkim_cause_name). */
enum tr_dkim_cause {
	TR_DKIM_OK,
	TR_DKIM_NO_SIGNATURE,	/* "no-signature" */
	TR_DKIM_NO_FROM,	/* "no-from-domain" */
	TR_DKIM_BODY_HASH,	/* "body-hash-mismatch" */
	TR_DKIM_BAD_SIGNATURE,	/* "signature-failed": headers changed or forged */
	TR_DKIM_KEY_NOT_FOUND,	/* "key-not-found" */
	TR_DKIM_KEY_REVOKED,	/* "key-revoked": p= empty */
	TR_DKIM_KEY_INVALID,	/* "key-invalid" */
	TR_DKIM_LENGTH_TAG,	/* "l-tag-used" (RFC 8460 forbids l=) */
	TR_DKIM_NOT_ALIGNED,	/* "domain-not-aligned": d= unrelated to From */
	TR_DKIM_SIG_INVALID,	/* "signature-invalid": syntax, expiry, ... */
	TR_DKIM_KEY_TEMPFAIL,	/* "key-lookup-tempfail" */
	TR_DKIM_VERIFIER,	/* "verifier-error": out of memory, library */
};

#define TR_DKIM_NAME_MAX	256

struct tr_dkim_result {
	enum tr_dkim_status status;
	enum tr_dkim_cause cause;
	char detail[TR_ERRMSG_MAX];	/* the cause in words, naming d= and s= */
	/* The accepted signature (PASS), else the one the cause is about;
	 * empty when there is none. */
	char domain[TR_DKIM_NAME_MAX];	/* d= */
	char selector[TR_DKIM_NAME_MAX];/* s= */
	char algorithm[32];		/* a=, e.g. rsa-sha256, ed25519-sha256 */
	int key_tlsrpt;			/* the key record says s=tlsrpt or s=* */
	int report_domain_signed;	/* h= covers TLS-Report-Domain */
	int submitter_signed;		/* h= covers TLS-Report-Submitter */
	char via[80];			/* "dns", or "authres:<authserv-id>" */
	unsigned nsigs;			/* signatures seen */
};

/* How report mail is checked: the policy and, unless it is off, the
 * verifier (shared by the analysis threads). */
struct tr_dkim_settings {
	enum tr_dkim_policy policy;
	struct tr_dkim *verifier;
	const char *trusted_authserv_id;	/* or NULL: always DNS */
};

enum tr_key_status;

/* Fetch the TXT record at qname into buf (NUL-terminated); why explains
 * NOTFOUND and TEMPFAIL. May block, within a bound. */
typedef enum tr_key_status (*tr_dkim_key_fn)(void *arg, const char *qname,
    char *buf, size_t bufsz, char *why, size_t whysz);

/* tr_dkim_new - the library handle and the public suffix list; NULL with
 * err set when libopendkim cannot start */
struct tr_dkim *tr_dkim_new(tr_dkim_key_fn lookup, void *lookup_arg,
    struct tr_error *err);

void tr_dkim_free(struct tr_dkim *v);

/*
 * tr_dkim_verify - check every DKIM-Signature of msg (LF or CRLF line ends)
 * and pick the acceptable one: verified, body hash matching, no l=, d=
 * equal to the From domain or under the same organizational domain (the
 * public suffix list). from is the From header value (NULL: none). Without
 * an acceptable signature the status says why: TEMPERROR only when a
 * signature that could have been acceptable lacks its key for a temporary
 * reason. Any thread.
 *
 * With authserv_id (else NULL), the Authentication-Results fields our own
 * MTA put on top with that authserv-id (tr_authres_trusted) are taken
 * instead of a lookup: a dkim=pass there for an aligned header.d whose
 * DKIM-Signature in the message has no l= is acceptable (via
 * "authres:ID"); without such fields the signatures are verified as usual.
 */
void tr_dkim_verify(struct tr_dkim *v, const unsigned char *msg, size_t len,
    const char *from, const char *authserv_id, struct tr_dkim_result *out);

/* tr_dkim_org_domain - the organizational domain of name (lower case) into
 * out; name itself when it is a public suffix or unknown */
void tr_dkim_org_domain(struct tr_dkim *v, const char *name, char *out,
    size_t outsz);

/* tr_dkim_from_domain - the domain of the (first) address in a From
 * header value, lower-cased; 0, or -1 when there is none */
int tr_dkim_from_domain(const char *from, char *out, size_t outsz);

/* tr_dkim_status_name - "unchecked", "pass", "fail", "none", "temperror" */
const char *tr_dkim_status_name(enum tr_dkim_status s);

/* tr_dkim_status_parse - the status named s, or -1 */
int tr_dkim_status_parse(const char *s);

/* tr_dkim_cause_name - the stable name of a cause ("ok" for TR_DKIM_OK) */
const char *tr_dkim_cause_name(enum tr_dkim_cause c);

/* tr_dkim_policy_name - "require", "record", "off" */
const char *tr_dkim_policy_name(enum tr_dkim_policy p);

/* tr_dkim_pkey_stats - DKIM public keys found already decoded (*hits) and
 * decoded (*misses) since the start (dkim_pkey.c) */
void tr_dkim_pkey_stats(uint64_t *hits, uint64_t *misses);

#endif
