/* test_dkim.c - DKIM verification and alignment, and the key-record resolver */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <opendkim/dkim.h>

#include "dkim.h"
#include "dkim_keys.h"

/* --- From and organizational domains ---------------------------------------- */

static void
test_from_domain(void **state)
{
	static const char *const cases[][2] = {
		{ "TLS reports <noreply-smtp-tls-reporting@Google.COM>", "google.com" },
		{ "noreply@example.org", "example.org" },
		{ "  noreply@example.org (comment)", "example.org" },
		{ "\"a@b.example\" <x@c.example>", "c.example" },
		{ "x@sub.example.net.", "sub.example.net" },
		{ "no address", NULL },
		{ "<x@>", NULL },
		{ "Name <broken@example.org", NULL },
	};
	char out[TR_DKIM_NAME_MAX];
	size_t i;
	int rc;

	(void)state;
	assert_int_equal(tr_dkim_from_domain(NULL, out, sizeof(out)), -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = tr_dkim_from_domain(cases[i][0], out, sizeof(out));
		if (cases[i][1] == NULL) {
			if (rc != -1)
				fail_msg("[%s]: got [%s]", cases[i][0], out);
		} else if (rc != 0 || strcmp(out, cases[i][1]) != 0)
			fail_msg("[%s]: got [%s]", cases[i][0], rc ? "-" : out);
	}
}

/* --- verification with keys handed in ------------------------------------- */

struct keys {
	char qname[300];
	char record[4096];		/* what the lookup answers */
	enum tr_key_status status;
	unsigned asked;
};

/* fake_lookup - the key record of the test, whatever the name asked */
static enum tr_key_status
fake_lookup(void *arg, const char *qname, char *buf, size_t bufsz, char *why,
    size_t whysz)
{
	struct keys *k = arg;

	k->asked++;
	snprintf(k->qname, sizeof(k->qname), "%s", qname);
	if (k->status == TR_KEY_FOUND)
		snprintf(buf, bufsz, "%s", k->record);
	else
		snprintf(why, whysz, "%s", k->status == TR_KEY_NOTFOUND ?
		    "NXDOMAIN" : "SERVFAIL");
	return k->status;
}

struct fixture {
	char *pem;			/* private key */
	char p[1024];			/* public key, base64 DER */
	struct keys keys;
	struct tr_dkim *v;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct tr_error err;
	EVP_PKEY *pk;
	BIO *b;
	unsigned char *der = NULL;
	char *data;
	long n;
	int dlen;

	assert_non_null(fx);
	pk = EVP_RSA_gen(2048);
	assert_non_null(pk);
	b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	n = BIO_get_mem_data(b, &data);
	fx->pem = strndup(data, (size_t)n);
	BIO_free(b);
	dlen = i2d_PUBKEY(pk, &der);
	assert_true(dlen > 0);
	EVP_EncodeBlock((unsigned char *)fx->p, der, dlen);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	fx->v = tr_dkim_new(fake_lookup, &fx->keys, &err);
	assert_non_null(fx->v);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tr_dkim_free(fx->v);
	free(fx->pem);
	free(fx);
	return 0;
}

#define MSG(from, extra) \
	"From: TLS reports <noreply@" from ">\r\n" \
	"To: tlsrpt@example.net\r\n" \
	"Subject: Report Domain: example.net\r\n" \
	"TLS-Report-Domain: example.net\r\n" \
	"TLS-Report-Submitter: " from "\r\n" \
	extra \
	"\r\n" \
	"the report\r\n"

/* sign - msg signed by libopendkim for d=domain s=sel (l= with length),
 * into a new string */
static char *
sign(struct fixture *fx, const char *msg, const char *domain, int length)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM *d;
	DKIM_STAT st;
	unsigned char hdr[4096];
	char *out;

	assert_non_null(lib);
	d = dkim_sign(lib, (const unsigned char *)"t", NULL,
	    (dkim_sigkey_t)fx->pem, (const unsigned char *)"sel",
	    (const unsigned char *)domain, DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, length ? 4 : -1, &st);
	assert_non_null(d);
	assert_int_equal(dkim_chunk(d, (u_char *)msg, strlen(msg)),
	    DKIM_STAT_OK);
	assert_int_equal(dkim_chunk(d, NULL, 0), DKIM_STAT_OK);
	assert_int_equal(dkim_eom(d, NULL), DKIM_STAT_OK);
	assert_int_equal(dkim_getsighdr(d, hdr, sizeof(hdr),
	    strlen(DKIM_SIGNHEADER) + 2), DKIM_STAT_OK);
	assert_true(asprintf(&out, "%s: %s\r\n%s", DKIM_SIGNHEADER, hdr,
	    msg) > 0);
	dkim_free(d);
	dkim_close(lib);
	return out;
}

/* verify - msg with From domain from through the verifier */
static void
verify(struct fixture *fx, const char *msg, const char *from,
    struct tr_dkim_result *r)
{
	char f[300];

	snprintf(f, sizeof(f), "TLS reports <noreply@%s>", from);
	tr_dkim_verify(fx->v, (const unsigned char *)msg, strlen(msg), f,
	    NULL, r);
}

static void
test_pass_and_service(void **state)
{
	struct fixture *fx = *state;
	struct tr_dkim_result r;
	char *m = sign(fx, MSG("reports.example.com", ""), "example.com", 0);

	/* s=tlsrpt alone: libopendkim would refuse it as "not an e-mail
	 * key"; RFC 8460 asks for exactly that */
	snprintf(fx->keys.record, sizeof(fx->keys.record),
	    "v=DKIM1; k=rsa; s=tlsrpt; p=%s", fx->p);
	fx->keys.status = TR_KEY_FOUND;
	verify(fx, m, "reports.example.com", &r);
	assert_int_equal(r.status, TR_DKIM_PASS);
	assert_int_equal(r.cause, TR_DKIM_OK);
	assert_string_equal(fx->keys.qname, "sel._domainkey.example.com");
	assert_string_equal(r.domain, "example.com");
	assert_string_equal(r.selector, "sel");
	assert_string_equal(r.algorithm, "rsa-sha256");
	assert_true(r.key_tlsrpt);
	assert_string_equal(r.via, "dns");

	/* without s=: a pass, key_tlsrpt 0 */
	snprintf(fx->keys.record, sizeof(fx->keys.record),
	    "v=DKIM1; k=rsa; p=%s", fx->p);
	verify(fx, m, "reports.example.com", &r);
	assert_int_equal(r.status, TR_DKIM_PASS);
	assert_false(r.key_tlsrpt);
	/* s=email:* counts as tlsrpt too */
	snprintf(fx->keys.record, sizeof(fx->keys.record),
	    "v=DKIM1; k=rsa; s = email:* ; p=%s", fx->p);
	verify(fx, m, "reports.example.com", &r);
	assert_int_equal(r.status, TR_DKIM_PASS);
	assert_true(r.key_tlsrpt);
	free(m);
}

static void
test_failures(void **state)
{
	struct fixture *fx = *state;
	struct tr_dkim_result r;
	char *m = sign(fx, MSG("example.com", ""), "example.com", 0), *t;

	snprintf(fx->keys.record, sizeof(fx->keys.record),
	    "v=DKIM1; k=rsa; p=%s", fx->p);
	fx->keys.status = TR_KEY_FOUND;

	/* unaligned: From another organization */
	verify(fx, m, "example.org", &r);
	assert_int_equal(r.status, TR_DKIM_FAIL);
	assert_int_equal(r.cause, TR_DKIM_NOT_ALIGNED);
	/* body changed */
	t = strdup(m);
	memcpy(strstr(t, "the report"), "THE", 3);
	verify(fx, t, "example.com", &r);
	assert_int_equal(r.cause, TR_DKIM_BODY_HASH);
	free(t);
	/* a signed header changed */
	t = strdup(m);
	memcpy(strstr(t, "Subject: Report"), "Subject: RePort", 15);
	verify(fx, t, "example.com", &r);
	assert_int_equal(r.cause, TR_DKIM_BAD_SIGNATURE);
	free(t);
	/* revoked key */
	snprintf(fx->keys.record, sizeof(fx->keys.record), "v=DKIM1; p=");
	verify(fx, m, "example.com", &r);
	assert_int_equal(r.cause, TR_DKIM_KEY_REVOKED);
	/* no key; a key that cannot be fetched now */
	fx->keys.status = TR_KEY_NOTFOUND;
	verify(fx, m, "example.com", &r);
	assert_int_equal(r.status, TR_DKIM_FAIL);
	assert_int_equal(r.cause, TR_DKIM_KEY_NOT_FOUND);
	assert_non_null(strstr(r.detail, "NXDOMAIN"));
	fx->keys.status = TR_KEY_TEMPFAIL;
	verify(fx, m, "example.com", &r);
	assert_int_equal(r.status, TR_DKIM_TEMPERROR);
	assert_int_equal(r.cause, TR_DKIM_KEY_TEMPFAIL);
	/* ... which does not matter for a signature that is not aligned */
	verify(fx, m, "example.org", &r);
	assert_int_equal(r.status, TR_DKIM_FAIL);
	assert_int_equal(r.cause, TR_DKIM_NOT_ALIGNED);
	free(m);

	/* l= */
	fx->keys.status = TR_KEY_FOUND;
	snprintf(fx->keys.record, sizeof(fx->keys.record),
	    "v=DKIM1; k=rsa; p=%s", fx->p);
	m = sign(fx, MSG("example.com", ""), "example.com", 1);
	verify(fx, m, "example.com", &r);
	assert_int_equal(r.cause, TR_DKIM_LENGTH_TAG);
	free(m);

	/* none at all, and no From */
	fx->keys.asked = 0;
	verify(fx, MSG("example.com", ""), "example.com", &r);
	assert_int_equal(r.status, TR_DKIM_NONE);
	assert_int_equal(r.cause, TR_DKIM_NO_SIGNATURE);
	assert_int_equal(fx->keys.asked, 0);
	tr_dkim_verify(fx->v, (const unsigned char *)"x", 1, NULL, NULL, &r);
	assert_int_equal(r.cause, TR_DKIM_NO_FROM);
}

static void
test_org_domain(void **state)
{
	static const char *const cases[][2] = {
		{ "Mail.Google.COM", "google.com" },
		{ "a.b.example.co.uk", "example.co.uk" },
		{ "co.uk", "co.uk" },		/* a public suffix: itself */
		{ "reports.reporter.example", "reporter.example" },
	};
	struct fixture *fx = *state;
	char out[TR_DKIM_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tr_dkim_org_domain(fx->v, cases[i][0], out, sizeof(out));
		if (strcmp(out, cases[i][1]) != 0)
			fail_msg("%s: got %s", cases[i][0], out);
	}
}

static void
test_authres(void **state)
{
	struct fixture *fx = *state;
	struct tr_dkim_result r;
	char *m = sign(fx, MSG("example.com", ""), "example.com", 0), *t;

	fx->keys.status = TR_KEY_TEMPFAIL;	/* DNS must not be needed */
	fx->keys.asked = 0;
	assert_true(asprintf(&t, "Authentication-Results: mx.example.net; "
	    "dkim=pass header.d=example.com header.s=sel\r\n%s", m) > 0);
	tr_dkim_verify(fx->v, (const unsigned char *)t, strlen(t),
	    "noreply@example.com", "MX.example.net", &r);
	assert_int_equal(r.status, TR_DKIM_PASS);
	assert_string_equal(r.via, "authres:mx.example.net");
	assert_string_equal(r.algorithm, "rsa-sha256");
	assert_true(r.report_domain_signed);
	assert_int_equal(fx->keys.asked, 0);
	/* another authserv-id: verified by DNS (which fails for now) */
	tr_dkim_verify(fx->v, (const unsigned char *)t, strlen(t),
	    "noreply@example.com", "mx.other.example", &r);
	assert_int_equal(r.status, TR_DKIM_TEMPERROR);
	assert_int_equal(fx->keys.asked, 1);
	free(t);
	/* a trusted fail */
	assert_true(asprintf(&t, "Authentication-Results: mx.example.net; "
	    "dkim=fail header.d=example.com\r\n%s", m) > 0);
	tr_dkim_verify(fx->v, (const unsigned char *)t, strlen(t),
	    "noreply@example.com", "mx.example.net", &r);
	assert_int_equal(r.status, TR_DKIM_FAIL);
	assert_int_equal(r.cause, TR_DKIM_BAD_SIGNATURE);
	free(t);
	free(m);
}

/* --- the resolver, against a DNS server in a thread --------------------------- */

struct server {
	int fd;
	unsigned port;
	pthread_t tid;
	int mode;		/* answer: 0 TXT, 1 NXDOMAIN, 2 SERVFAIL, 3 none */
	unsigned queries;
};

/* serve - answer each query per mode until the socket is shut down */
static void *
serve(void *arg)
{
	struct server *s = arg;
	unsigned char q[512], a[1024];
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;
	size_t qend, al;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(s->fd, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &fl);
		if (n <= 12)
			break;
		__atomic_add_fetch(&s->queries, 1, __ATOMIC_SEQ_CST);
		if (s->mode == 3)
			continue;
		/* the question ends after its name and 4 bytes */
		for (qend = 12; qend < (size_t)n && q[qend] != 0;
		    qend += q[qend] + 1)
			;
		qend += 5;
		memcpy(a, q, qend);
		a[2] = 0x81;
		a[3] = s->mode == 1 ? 0x83 : s->mode == 2 ? 0x82 : 0x80;
		a[6] = 0;
		a[7] = s->mode == 0 ? 1 : 0;
		a[10] = a[11] = 0;	/* no OPT back */
		al = qend;
		if (s->mode == 0) {
			static const unsigned char rr[] = {
				0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0x0e, 0x10,
				0, 18,
				8, 'v', '=', 'D', 'K', 'I', 'M', '1', ';',
				8, ' ', 'p', '=', 'A', 'B', 'C', 'D', 'E',
			};
			memcpy(a + al, rr, sizeof(rr));
			al += sizeof(rr);
		}
		sendto(s->fd, a, al, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static void
server_start(struct server *s, int mode)
{
	struct sockaddr_in sin;
	socklen_t l = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(s->fd, (struct sockaddr *)&sin, &l);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&s->tid, NULL, serve, s), 0);
}

static void
server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	/* a zero-length datagram wakes the reader if shutdown does not */
	{
		int w = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((unsigned short)s->port);
		sendto(w, "", 0, 0, (struct sockaddr *)&sin, sizeof(sin));
		close(w);
	}
	pthread_join(s->tid, NULL);
	close(s->fd);
}

static struct tr_dkim_keys *
keys_for(const struct server *s, unsigned timeout_ms)
{
	struct tr_error err;
	struct tr_dkim_keys *k;
	char spec[64];

	snprintf(spec, sizeof(spec), "127.0.0.1:%u", s->port);
	k = tr_dkim_keys_new(spec, timeout_ms, 4, &err);
	if (k == NULL)
		fail_msg("%s", err.msg);
	return k;
}

static void
test_resolver(void **state)
{
	struct tr_dkim_keys_stats ks;
	struct tr_dkim_keys *k;
	struct server s;
	char buf[256], why[128];

	(void)state;
	/* two strings joined; the second ask comes from the cache */
	server_start(&s, 0);
	k = keys_for(&s, 2000);
	assert_int_equal(tr_dkim_keys_lookup(k, "sel._domainkey.example.com",
	    buf, sizeof(buf), why, sizeof(why)), TR_KEY_FOUND);
	assert_string_equal(buf, "v=DKIM1; p=ABCDE");
	assert_int_equal(tr_dkim_keys_lookup(k, "SEL._domainkey.example.com",
	    buf, sizeof(buf), why, sizeof(why)), TR_KEY_FOUND);
	tr_dkim_keys_stats(k, &ks);
	assert_int_equal(ks.hits, 1);
	assert_int_equal(ks.misses, 1);
	assert_int_equal(s.queries, 1);
	/* the cache is bounded (4): six names, all answered */
	for (int i = 0; i < 6; i++) {
		snprintf(why, sizeof(why), "s%d._domainkey.example.com", i);
		assert_int_equal(tr_dkim_keys_lookup(k, why, buf, sizeof(buf),
		    why, sizeof(why)), TR_KEY_FOUND);
	}
	/* a record too long for the buffer is no key */
	assert_int_equal(tr_dkim_keys_lookup(k, "sel._domainkey.example.com",
	    buf, 8, why, sizeof(why)), TR_KEY_NOTFOUND);
	/* not a name */
	assert_int_equal(tr_dkim_keys_lookup(k, "a..b", buf, sizeof(buf),
	    why, sizeof(why)), TR_KEY_NOTFOUND);
	tr_dkim_keys_free(k);
	server_stop(&s);

	server_start(&s, 1);
	k = keys_for(&s, 2000);
	assert_int_equal(tr_dkim_keys_lookup(k, "x._domainkey.example.com",
	    buf, sizeof(buf), why, sizeof(why)), TR_KEY_NOTFOUND);
	assert_string_equal(why, "NXDOMAIN");
	/* a missing key is cached too (for a minute) */
	assert_int_equal(tr_dkim_keys_lookup(k, "x._domainkey.example.com",
	    buf, sizeof(buf), why, sizeof(why)), TR_KEY_NOTFOUND);
	assert_int_equal(s.queries, 1);
	tr_dkim_keys_free(k);
	server_stop(&s);

	server_start(&s, 2);
	k = keys_for(&s, 2000);
	assert_int_equal(tr_dkim_keys_lookup(k, "x._domainkey.example.com",
	    buf, sizeof(buf), why, sizeof(why)), TR_KEY_TEMPFAIL);
	assert_string_equal(why, "SERVFAIL");
	/* never cached */
	assert_int_equal(tr_dkim_keys_lookup(k, "x._domainkey.example.com",
	    buf, sizeof(buf), why, sizeof(why)), TR_KEY_TEMPFAIL);
	assert_int_equal(s.queries, 2);
	tr_dkim_keys_free(k);
	server_stop(&s);

	server_start(&s, 3);
	k = keys_for(&s, 100);
	assert_int_equal(tr_dkim_keys_lookup(k, "x._domainkey.example.com",
	    buf, sizeof(buf), why, sizeof(why)), TR_KEY_TEMPFAIL);
	assert_string_equal(why, "no DNS answer within 100 ms");
	tr_dkim_keys_free(k);
	server_stop(&s);
}

static void
test_resolver_spec(void **state)
{
	static const char *const good[] = {
		"127.0.0.1", "127.0.0.1:5353", "[::1]", "[::1]:53", "::1",
	};
	static const char *const bad[] = {
		"", "localhost", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"[::1", "[::1]x", "1.2.3.4:53x",
	};
	char why[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (tr_dkim_resolver_check(good[i], why, sizeof(why)) != 0)
			fail_msg("refused [%s]: %s", good[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tr_dkim_resolver_check(bad[i], why, sizeof(why)) != -1)
			fail_msg("accepted [%s]", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_domain),
		cmocka_unit_test_setup_teardown(test_pass_and_service, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authres, setup, teardown),
		cmocka_unit_test_setup_teardown(test_org_domain, setup,
		    teardown),
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_resolver_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
