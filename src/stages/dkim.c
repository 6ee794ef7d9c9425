/* dkim.c - DKIM verification with libopendkim, alignment with libpsl */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>
#include <libpsl.h>

#include "mime_header.h"

#include "authres.h"
#include "dkim.h"
#include "dkim_keys.h"
#include "dkim_tags.h"

#define MAX_SIGS	8	/* signatures whose keys one message may ask for */
#define KEY_MAX		8192

struct tr_dkim {
	DKIM_LIB *lib;
	psl_ctx_t *psl;		/* read-only once loaded: shared by threads */
	tr_dkim_key_fn lookup;
	void *lookup_arg;
};

/* What the key lookup saw for one signature (the library keeps none of it). */
struct sigkey {
	DKIM_SIGINFO *sig;
	enum tr_key_status status;
	int tlsrpt;
	char why[128];
};

struct msgctx {
	struct tr_dkim *v;
	struct sigkey keys[MAX_SIGS];
	unsigned nkeys;
};

static const char *const status_names[TR_DKIM_STATUSES] = {
	[TR_DKIM_UNCHECKED] = "unchecked",
	[TR_DKIM_PASS] = "pass",
	[TR_DKIM_FAIL] = "fail",
	[TR_DKIM_NONE] = "none",
	[TR_DKIM_TEMPERROR] = "temperror",
};

static const char *const cause_names[] = {
	[TR_DKIM_OK] = "ok",
	[TR_DKIM_NO_SIGNATURE] = "no-signature",
	[TR_DKIM_NO_FROM] = "no-from-domain",
	[TR_DKIM_BODY_HASH] = "body-hash-mismatch",
	[TR_DKIM_BAD_SIGNATURE] = "signature-failed",
	[TR_DKIM_KEY_NOT_FOUND] = "key-not-found",
	[TR_DKIM_KEY_REVOKED] = "key-revoked",
	[TR_DKIM_KEY_INVALID] = "key-invalid",
	[TR_DKIM_LENGTH_TAG] = "l-tag-used",
	[TR_DKIM_NOT_ALIGNED] = "domain-not-aligned",
	[TR_DKIM_SIG_INVALID] = "signature-invalid",
	[TR_DKIM_KEY_TEMPFAIL] = "key-lookup-tempfail",
	[TR_DKIM_VERIFIER] = "verifier-error",
};

/* tr_dkim_status_name - the status as logged and stored */
const char *
tr_dkim_status_name(enum tr_dkim_status s)
{
	if ((unsigned)s >= TR_DKIM_STATUSES)
		return "unknown";
	return status_names[s];
}

/* tr_dkim_status_parse - a status name back to its value */
int
tr_dkim_status_parse(const char *s)
{
	int i;

	for (i = 0; i < TR_DKIM_STATUSES; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/* tr_dkim_cause_name - the cause as logged and stored */
const char *
tr_dkim_cause_name(enum tr_dkim_cause c)
{
	if ((unsigned)c >= sizeof(cause_names) / sizeof(cause_names[0]))
		return "unknown";
	return cause_names[c];
}

/* tr_dkim_policy_name - the policy as configured */
const char *
tr_dkim_policy_name(enum tr_dkim_policy p)
{
	switch (p) {
	case TR_DKIM_REQUIRE:
		return "require";
	case TR_DKIM_RECORD:
		return "record";
	case TR_DKIM_OFF:
		return "off";
	}
	return "unknown";
}

/* lower_copy - s lower-cased into out (cut to fit) */
static void
lower_copy(char *out, size_t outsz, const char *s, size_t n)
{
	size_t i;

	if (n >= outsz)
		n = outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
}

/* tr_dkim_from_domain - the domain of the first From address */
int
tr_dkim_from_domain(const char *from, char *out, size_t outsz)
{
	const char *p, *at, *end;

	if (from == NULL)
		return -1;
	/* "Name <addr>": the address is in the brackets; a display name
	 * may hold an @ of its own */
	if ((p = strchr(from, '<')) != NULL) {
		p++;
		if ((end = strchr(p, '>')) == NULL)
			return -1;
	} else {
		p = from;
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, " \t,;()");
	}
	at = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			at = q;
	if (at == NULL || at + 1 >= end)
		return -1;
	at++;
	while (end > at && (end[-1] == '.' || end[-1] == ' '))
		end--;
	if (end == at)
		return -1;
	lower_copy(out, outsz, at, (size_t)(end - at));
	return 0;
}

/* tr_dkim_org_domain - the registrable domain per the public suffix list */
void
tr_dkim_org_domain(struct tr_dkim *v, const char *name, char *out,
    size_t outsz)
{
	char low[TR_DKIM_NAME_MAX];
	const char *reg;

	lower_copy(low, sizeof(low), name, strlen(name));
	reg = v->psl != NULL ? psl_registrable_domain(v->psl, low) : NULL;
	snprintf(out, outsz, "%s", reg != NULL ? reg : low);
}

/* aligned - d= is the From domain or shares its organizational domain */
static int
aligned(struct tr_dkim *v, const char *d, const char *from_domain)
{
	char a[TR_DKIM_NAME_MAX], b[TR_DKIM_NAME_MAX];

	if (strcasecmp(d, from_domain) == 0)
		return 1;
	tr_dkim_org_domain(v, d, a, sizeof(a));
	tr_dkim_org_domain(v, from_domain, b, sizeof(b));
	return strcmp(a, b) == 0;
}

/* key_lookup - libopendkim asks for a signature's key: ours to fetch */
static DKIM_CBSTAT
key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	struct msgctx *ctx = dkim_get_user_context(dkim);
	struct sigkey *k;
	const char *d, *s;
	char qname[600], *rec;
	enum tr_key_status st;

	if (ctx == NULL || ctx->nkeys >= MAX_SIGS)
		return DKIM_CBSTAT_NOTFOUND;	/* a bound on the lookups */
	k = &ctx->keys[ctx->nkeys++];
	k->sig = sig;
	d = (const char *)dkim_sig_getdomain(sig);
	s = (const char *)dkim_sig_getselector(sig);
	if (d == NULL || s == NULL || snprintf(qname, sizeof(qname),
	    "%s._domainkey.%s", s, d) >= (int)sizeof(qname)) {
		k->status = TR_KEY_NOTFOUND;
		snprintf(k->why, sizeof(k->why), "no valid key name");
		return DKIM_CBSTAT_NOTFOUND;
	}
	if ((rec = malloc(KEY_MAX)) == NULL) {
		k->status = TR_KEY_TEMPFAIL;
		snprintf(k->why, sizeof(k->why), "out of memory");
		return DKIM_CBSTAT_TRYAGAIN;
	}
	st = ctx->v->lookup(ctx->v->lookup_arg, qname, rec, KEY_MAX, k->why,
	    sizeof(k->why));
	k->status = st;
	if (st == TR_KEY_FOUND)
		k->tlsrpt = tr_dkim_tags_strip_service(rec, (char *)buf, buflen);
	free(rec);
	switch (st) {
	case TR_KEY_FOUND:
		return DKIM_CBSTAT_CONTINUE;
	case TR_KEY_NOTFOUND:
		return DKIM_CBSTAT_NOTFOUND;
	default:
		return DKIM_CBSTAT_TRYAGAIN;
	}
}

/* tr_dkim_new - start libopendkim with our key lookup */
struct tr_dkim *
tr_dkim_new(tr_dkim_key_fn lookup, void *lookup_arg, struct tr_error *err)
{
	struct tr_dkim *v;
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		return NULL;
	}
	v->lookup = lookup;
	v->lookup_arg = lookup_arg;
	if ((v->lib = dkim_init(NULL, NULL)) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "libopendkim does not start");
		free(v);
		return NULL;
	}
	if (dkim_options(v->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(v->lib, key_lookup) != DKIM_STAT_OK) {
		tr_error_set(err, TR_ERR_NOMEM, "libopendkim refuses its "
		    "options");
		tr_dkim_free(v);
		return NULL;
	}
	/* the system's list when newer than the built-in one */
	v->psl = psl_latest(NULL);
	return v;
}

/* tr_dkim_free - the library handle and the suffix list */
void
tr_dkim_free(struct tr_dkim *v)
{
	if (v == NULL)
		return;
	if (v->lib != NULL)
		dkim_close(v->lib);
	psl_free(v->psl);
	free(v);
}

/* set_cause - the cause with its words */
static void __attribute__((format(printf, 3, 4)))
set_cause(struct tr_dkim_result *r, enum tr_dkim_cause c, const char *fmt, ...)
{
	va_list ap;

	r->cause = c;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* pass_if - the last checks of a verified signature r: no l= tag
 * (has_l), and its d= aligned with the From domain (is_aligned); then it
 * passes, else r says which check failed */
static void
pass_if(struct tr_dkim_result *r, int has_l, int is_aligned,
    const char *from_domain)
{
	if (has_l)
		set_cause(r, TR_DKIM_LENGTH_TAG, "signature d=%s s=%s uses l= "
		    "(RFC 8460 section 3 forbids it)", r->domain, r->selector);
	else if (!is_aligned)
		set_cause(r, TR_DKIM_NOT_ALIGNED, "signature d=%s is not "
		    "aligned with the From domain %s", r->domain, from_domain);
	else {
		r->status = TR_DKIM_PASS;
		r->cause = TR_DKIM_OK;
	}
}

/* judge - one signature's verdict into r (domain, selector, cause) */
static void
judge(struct tr_dkim *v, DKIM *dkim, DKIM_SIGINFO *sig,
    const struct msgctx *ctx, const char *from_domain,
    struct tr_dkim_result *r)
{
	const struct sigkey *k = NULL;
	const char *d, *s, *a, *h;
	unsigned flags = dkim_sig_getflags(sig);
	int e = dkim_sig_geterror(sig), bh = dkim_sig_getbh(sig), has_l;
	unsigned i;

	memset(r, 0, sizeof(*r));
	d = (const char *)dkim_sig_getdomain(sig);
	s = (const char *)dkim_sig_getselector(sig);
	a = (const char *)dkim_sig_gettagvalue(sig, 0, (u_char *)"a");
	h = (const char *)dkim_sig_gettagvalue(sig, 0, (u_char *)"h");
	snprintf(r->domain, sizeof(r->domain), "%s", d != NULL ? d : "");
	snprintf(r->selector, sizeof(r->selector), "%s", s != NULL ? s : "");
	snprintf(r->algorithm, sizeof(r->algorithm), "%s", a != NULL ? a : "");
	snprintf(r->via, sizeof(r->via), "dns");
	if (h != NULL) {
		r->report_domain_signed = tr_dkim_tags_list_has(h, "TLS-Report-Domain");
		r->submitter_signed = tr_dkim_tags_list_has(h, "TLS-Report-Submitter");
	}
	for (i = 0; i < ctx->nkeys; i++)
		if (ctx->keys[i].sig == sig)
			k = &ctx->keys[i];
	if (k != NULL)
		r->key_tlsrpt = k->tlsrpt;

	r->status = TR_DKIM_FAIL;
	if (k != NULL && k->status == TR_KEY_TEMPFAIL) {
		r->status = TR_DKIM_TEMPERROR;
		set_cause(r, TR_DKIM_KEY_TEMPFAIL, "key %s._domainkey.%s: %s",
		    r->selector, r->domain, k->why);
	} else if ((k != NULL && k->status == TR_KEY_NOTFOUND) ||
	    e == DKIM_SIGERROR_NOKEY)
		set_cause(r, TR_DKIM_KEY_NOT_FOUND, "key %s._domainkey.%s "
		    "not found (%s)", r->selector, r->domain,
		    k != NULL && k->why[0] != '\0' ? k->why : "no record");
	else if (e == DKIM_SIGERROR_KEYREVOKED)
		set_cause(r, TR_DKIM_KEY_REVOKED, "key %s._domainkey.%s is "
		    "revoked (empty p=)", r->selector, r->domain);
	else if ((flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MISMATCH)
		set_cause(r, TR_DKIM_BODY_HASH, "body hash mismatch "
		    "(d=%s s=%s)", r->domain, r->selector);
	else if ((flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MATCH) {
		has_l = dkim_sig_gettagvalue(sig, 0, (u_char *)"l") != NULL;
		pass_if(r, has_l, !has_l && aligned(v, r->domain,
		    from_domain), from_domain);
	} else if (e == DKIM_SIGERROR_BADSIG || e == DKIM_SIGERROR_OK)
		set_cause(r, TR_DKIM_BAD_SIGNATURE, "signature d=%s s=%s does "
		    "not verify (signed headers changed or forged)",
		    r->domain, r->selector);
	else if (e >= DKIM_SIGERROR_KEYVERSION && e <= DKIM_SIGERROR_KEYTOOSMALL)
		set_cause(r, TR_DKIM_KEY_INVALID, "key %s._domainkey.%s: %s",
		    r->selector, r->domain, dkim_sig_geterrorstr(e));
	else
		set_cause(r, TR_DKIM_SIG_INVALID, "signature d=%s s=%s: %s",
		    r->domain, r->selector, dkim_sig_geterrorstr(e));
	(void)dkim;
}

/* authres_pass - a dkim=pass of ar for r->d: the signature it names must
 * be in the header, without l=, and aligned (a) */
static void
authres_pass(const unsigned char *msg, size_t len,
    const struct tr_authres *ar, const struct tr_authres_result *r, int a,
    const char *from_domain, struct tr_dkim_result *cand)
{
	char sig[8192], tag[1024];

	if (r->d[0] == '\0') {
		set_cause(cand, TR_DKIM_SIG_INVALID, "Authentication-Results by "
		    "%s: dkim=pass without header.d", ar->authserv_id);
		return;
	}
	if (tr_dkim_tags_find_signature(msg, len, r->d, r->s, sig,
	    sizeof(sig)) == -1) {
		set_cause(cand, TR_DKIM_SIG_INVALID, "Authentication-Results by "
		    "%s: dkim=pass for d=%s, but no such DKIM-Signature",
		    ar->authserv_id, r->d);
		return;
	}
	if (tr_dkim_tags_get(sig, "h", tag, sizeof(tag)) == 0) {
		cand->report_domain_signed = tr_dkim_tags_list_has(tag,
		    "TLS-Report-Domain");
		cand->submitter_signed = tr_dkim_tags_list_has(tag,
		    "TLS-Report-Submitter");
	}
	if (cand->algorithm[0] == '\0' &&
	    tr_dkim_tags_get(sig, "a", tag, sizeof(tag)) == 0)
		snprintf(cand->algorithm, sizeof(cand->algorithm), "%.*s",
		    (int)sizeof(cand->algorithm) - 1, tag);
	if (cand->selector[0] == '\0' &&
	    tr_dkim_tags_get(sig, "s", tag, sizeof(tag)) == 0)
		snprintf(cand->selector, sizeof(cand->selector), "%.*s",
		    (int)sizeof(cand->selector) - 1, tag);
	pass_if(cand, tr_dkim_tags_get(sig, "l", tag, sizeof(tag)) == 0, a,
	    from_domain);
}

/* authres_candidate - the verdict of one dkim result r of ar into cand;
 * returns whether its d= is aligned */
static int
authres_candidate(struct tr_dkim *v, const unsigned char *msg, size_t len,
    const struct tr_authres *ar, const struct tr_authres_result *r,
    const char *from_domain, const char *via, struct tr_dkim_result *cand)
{
	int a;

	memset(cand, 0, sizeof(*cand));
	snprintf(cand->via, sizeof(cand->via), "%s", via);
	snprintf(cand->domain, sizeof(cand->domain), "%s", r->d);
	snprintf(cand->selector, sizeof(cand->selector), "%s", r->s);
	snprintf(cand->algorithm, sizeof(cand->algorithm), "%s", r->a);
	a = r->d[0] != '\0' && aligned(v, r->d, from_domain);
	cand->status = TR_DKIM_FAIL;
	if (strcmp(r->result, "pass") == 0)
		authres_pass(msg, len, ar, r, a, from_domain, cand);
	else if (strcmp(r->result, "temperror") == 0) {
		cand->status = a ? TR_DKIM_TEMPERROR : TR_DKIM_FAIL;
		set_cause(cand, a ? TR_DKIM_KEY_TEMPFAIL : TR_DKIM_NOT_ALIGNED,
		    "Authentication-Results by %s: dkim=temperror for d=%s",
		    ar->authserv_id, r->d);
	} else if (strcmp(r->result, "none") == 0)
		set_cause(cand, TR_DKIM_NO_SIGNATURE, "Authentication-Results "
		    "by %s: dkim=none", ar->authserv_id);
	else
		set_cause(cand, strcmp(r->result, "fail") == 0 ?
		    TR_DKIM_BAD_SIGNATURE : TR_DKIM_SIG_INVALID,
		    "Authentication-Results by %s: dkim=%s for d=%s",
		    ar->authserv_id, r->result, r->d);
	return a;
}

/* authres_judge - what the trusted Authentication-Results say, as a
 * verification would have said it */
static void
authres_judge(struct tr_dkim *v, const unsigned char *msg, size_t len,
    const struct tr_authres *ar, const char *from_domain,
    struct tr_dkim_result *out)
{
	struct tr_dkim_result cand;
	size_t i;
	int have = 0, a;

	memset(out, 0, sizeof(*out));
	out->status = TR_DKIM_NONE;
	snprintf(out->via, sizeof(out->via), "authres:%.*s",
	    (int)sizeof(out->via) - 9, ar->authserv_id);
	set_cause(out, TR_DKIM_NO_SIGNATURE, "Authentication-Results by %s: "
	    "no dkim result", ar->authserv_id);
	for (i = 0; i < ar->n; i++) {
		if (strcmp(ar->res[i].method, "dkim") != 0)
			continue;
		a = authres_candidate(v, msg, len, ar, &ar->res[i],
		    from_domain, out->via, &cand);
		if (cand.status == TR_DKIM_PASS) {
			*out = cand;
			return;
		}
		/* the first aligned failure is the one that mattered */
		if (!have || (a && have < 2) || (a &&
		    cand.status == TR_DKIM_TEMPERROR &&
		    out->status != TR_DKIM_TEMPERROR)) {
			*out = cand;
			have = a ? 2 : 1;
		}
	}
}

/* header_has_nul - whether msg's header section holds a NUL byte */
static int
header_has_nul(const unsigned char *msg, size_t len)
{
	size_t hdrlen, bodyoff;

	(void)tr_mimeh_split((const char *)msg, len, len, &hdrlen, &bodyoff);
	return memchr(msg, '\0', hdrlen) != NULL;
}

/*
 * settled_before - the verdicts found before libopendkim runs: no From
 * domain, the trusted Authentication-Results, a message libopendkim
 * cannot take. 1 with out filled, else 0.
 */
static int
settled_before(struct tr_dkim *v, const unsigned char *msg, size_t len,
    const char *authserv_id, const char *from_domain,
    struct tr_dkim_result *out)
{
	struct tr_authres *ar;

	if (authserv_id != NULL) {
		ar = malloc(sizeof(*ar));
		if (ar != NULL && tr_authres_trusted(msg, len, authserv_id,
		    ar) > 0) {
			authres_judge(v, msg, len, ar, from_domain, out);
			free(ar);
			return 1;
		}
		free(ar);
	}
	/* libopendkim asserts (aborts the process) on an empty first line:
	 * a message without a header section has no signature anyway */
	if (len == 0 || msg[0] == '\n' || (msg[0] == '\r' && (len == 1 ||
	    msg[1] == '\n'))) {
		out->status = TR_DKIM_NONE;
		set_cause(out, TR_DKIM_NO_SIGNATURE, "no DKIM signature (no "
		    "header section)");
		return 1;
	}
	/* nor a NUL byte in the header section: it reads past its buffers */
	if (header_has_nul(msg, len)) {
		set_cause(out, TR_DKIM_SIG_INVALID, "a NUL byte in the header "
		    "section: cannot be verified");
		return 1;
	}
	return 0;
}

/*
 * choose - the verdict over the signatures sigs[0..nsigs) (nsigs > 0).
 * The first acceptable signature wins. Failing that, the cause reported
 * is the first aligned signature's (the one that mattered), else the
 * first one's; a temporary failure only counts when it hit a signature
 * that could have been acceptable.
 */
static void
choose(struct tr_dkim *v, DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs,
    const struct msgctx *ctx, const char *from_domain,
    struct tr_dkim_result *out)
{
	struct tr_dkim_result r, chosen;
	int i, have = 0, chosen_aligned = 0, a;

	for (i = 0; i < nsigs; i++) {
		judge(v, dkim, sigs[i], ctx, from_domain, &r);
		if (r.status == TR_DKIM_PASS) {
			chosen = r;
			have = 1;
			break;
		}
		a = r.domain[0] != '\0' && aligned(v, r.domain, from_domain);
		if (!have || (a && !chosen_aligned) ||
		    (a && r.status == TR_DKIM_TEMPERROR &&
		    chosen.status != TR_DKIM_TEMPERROR)) {
			chosen = r;
			chosen_aligned = a;
			have = 1;
		}
	}
	if (chosen.status == TR_DKIM_TEMPERROR && !chosen_aligned) {
		/* its key would not have made it acceptable anyway */
		chosen.status = TR_DKIM_FAIL;
		set_cause(&chosen, TR_DKIM_NOT_ALIGNED, "signature d=%s is "
		    "not aligned with the From domain %s", chosen.domain,
		    from_domain);
	}
	chosen.nsigs = out->nsigs;
	*out = chosen;
}

/* tr_dkim_verify - verify, then pick the acceptable signature */
void
tr_dkim_verify(struct tr_dkim *v, const unsigned char *msg, size_t len,
    const char *from, const char *authserv_id, struct tr_dkim_result *out)
{
	struct msgctx *ctx;
	char from_domain[TR_DKIM_NAME_MAX];
	DKIM_SIGINFO **sigs = NULL, *keysigs[MAX_SIGS];
	DKIM_STAT st;
	DKIM *dkim;
	int nsigs = 0, i;

	memset(out, 0, sizeof(*out));
	out->status = TR_DKIM_FAIL;
	snprintf(out->via, sizeof(out->via), "dns");
	if (tr_dkim_from_domain(from, from_domain, sizeof(from_domain)) == -1) {
		set_cause(out, TR_DKIM_NO_FROM, "no From address to align "
		    "a signature with");
		return;
	}
	if (settled_before(v, msg, len, authserv_id, from_domain, out))
		return;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		out->status = TR_DKIM_TEMPERROR;
		set_cause(out, TR_DKIM_VERIFIER, "out of memory");
		return;
	}
	ctx->v = v;
	dkim = dkim_verify(v->lib, (const unsigned char *)"tlsrptd", NULL, &st);
	if (dkim == NULL) {
		free(ctx);
		out->status = TR_DKIM_TEMPERROR;
		set_cause(out, TR_DKIM_VERIFIER, "libopendkim: %s",
		    dkim_getresultstr(st));
		return;
	}
	dkim_set_user_context(dkim, ctx);
	st = dkim_chunk(dkim, (u_char *)msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		(void)dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	if (nsigs == 0 && ctx->nkeys > 0) {
		/* a lookup that asked to try again ends the library's work
		 * early, without a signature list: the lookups say which
		 * signatures there were */
		for (i = 0; i < (int)ctx->nkeys; i++)
			keysigs[i] = ctx->keys[i].sig;
		sigs = keysigs;
		nsigs = (int)ctx->nkeys;
	}
	out->nsigs = nsigs > 0 ? (unsigned)nsigs : 0;
	if (nsigs == 0) {
		out->status = TR_DKIM_NONE;
		set_cause(out, TR_DKIM_NO_SIGNATURE, "no DKIM signature");
	} else
		choose(v, dkim, sigs, nsigs, ctx, from_domain, out);
	dkim_free(dkim);
	free(ctx);
}
