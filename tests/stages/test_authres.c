/* test_authres.c - Authentication-Results parsing and which fields are trusted */
#include "testutil.h"

#include "authres.h"

/* parse - v into a fresh result; the return code */
static enum tr_err
parse(const char *v, struct tr_authres *ar, struct tr_error *err)
{
	char *copy = malloc(strlen(v) + 1);	/* exact size: ASan sees overreads */
	enum tr_err rc;

	assert_non_null(copy);
	memcpy(copy, v, strlen(v));
	memset(ar, 0, sizeof(*ar));
	rc = tr_authres_parse(copy, strlen(v), ar, err);
	free(copy);
	return rc;
}

static const char *const GOOGLE_AR =
    "mx.example.org;\r\n"
    "       dkim=pass header.i=@google.com header.s=20230601 header.b=Tz2mGq0f;\r\n"
    "       spf=pass (example.org: domain of noreply-smtp-tls-reporting@google.com "
    "designates 209.85.220.73 as permitted sender) "
    "smtp.mailfrom=noreply-smtp-tls-reporting@google.com;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=google.com";

static void
test_google(void **state)
{
	struct tr_authres ar;
	struct tr_error err;

	(void)state;
	assert_int_equal(parse(GOOGLE_AR, &ar, &err), TR_OK);
	assert_string_equal(ar.authserv_id, "mx.example.org");
	assert_int_equal(ar.n, 3);
	assert_string_equal(ar.res[0].method, "dkim");
	assert_string_equal(ar.res[0].result, "pass");
	assert_string_equal(ar.res[0].i, "@google.com");
	assert_string_equal(ar.res[0].s, "20230601");
	assert_string_equal(ar.res[0].b, "Tz2mGq0f");
	assert_string_equal(ar.res[0].d, "");
	assert_string_equal(ar.res[1].method, "spf");
	assert_string_equal(ar.res[2].method, "dmarc");
	assert_string_equal(ar.res[2].result, "pass");
}

static void
test_forms(void **state)
{
	struct tr_authres ar;
	struct tr_error err;

	(void)state;
	/* version, method version, comments everywhere, quoted values,
	 * property with spaces around the dot, a reason */
	assert_int_equal(parse("(c) \"MX.Example.ORG\" (c) 1 (c); "
	    "DKIM/1 (c) = (c) Pass (c) reason=\"good; key\" header . d = "
	    "\"example.com\" header.s=sel (c) header.a=rsa-sha256; "
	    "spf=none", &ar, &err), TR_OK);
	assert_string_equal(ar.authserv_id, "mx.example.org");
	assert_int_equal(ar.n, 2);
	assert_string_equal(ar.res[0].method, "dkim");
	assert_string_equal(ar.res[0].result, "pass");
	assert_string_equal(ar.res[0].d, "example.com");
	assert_string_equal(ar.res[0].s, "sel");
	assert_string_equal(ar.res[0].a, "rsa-sha256");

	/* no result at all */
	assert_int_equal(parse("mx.example.org; none", &ar, &err), TR_OK);
	assert_int_equal(ar.n, 0);
	assert_true(ar.none);
	/* a trailing semicolon */
	assert_int_equal(parse("mx; dkim=fail header.d=a.example;", &ar, &err),
	    TR_OK);
	assert_int_equal(ar.n, 1);
	assert_string_equal(ar.res[0].result, "fail");
}

static void
test_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"(unclosed mx.example.org; dkim=pass",
		"mx.example.org",
		"mx.example.org dkim=pass",
		"mx.example.org; dkim",
		"mx.example.org; dkim=",
		"mx.example.org; dkim=pass header",
		"mx.example.org; dkim=pass header.d",
		"mx.example.org; dkim=pass header.d=",
		"mx.example.org; dkim=pass header.d=\"unclosed",
		"mx.example.org; dkim=pass (unclosed",
		"mx.example.org; =pass",
	};
	struct tr_authres ar;
	struct tr_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		if (parse(bad[i], &ar, &err) != TR_ERR_SCHEMA)
			fail_msg("accepted: [%s]", bad[i]);
		if (strncmp(err.msg, "Authentication-Results: ", 24) != 0)
			fail_msg("[%s]: message [%s]", bad[i], err.msg);
	}
}

/* Folding may come wherever whitespace may: the result must not change. */
static void
test_folding_anywhere(void **state)
{
	const char *v = "mx.example.org; dkim=pass (2048-bit key) "
	    "header.d=example.com header.s=sel header.b=AbCd; dmarc=pass";
	struct tr_authres want, got;
	struct tr_error err;
	char buf[512];
	size_t i, n = strlen(v);

	(void)state;
	assert_int_equal(parse(v, &want, &err), TR_OK);
	for (i = 0; i < n; i++) {
		if (v[i] != ' ')
			continue;
		/* a line break before this blank */
		snprintf(buf, sizeof(buf), "%.*s\r\n%s", (int)i, v, v + i);
		assert_int_equal(parse(buf, &got, &err), TR_OK);
		if (memcmp(&want, &got, sizeof(want)) != 0)
			fail_msg("folded at %zu: a different result", i);
	}
}

static void
test_limits(void **state)
{
	struct tr_authres ar;
	struct tr_error err;
	char buf[8192], *p = buf;
	int i;

	(void)state;
	p += sprintf(p, "mx");
	for (i = 0; i < TR_AUTHRES_MAX + 5; i++)
		p += sprintf(p, "; dkim=pass header.d=d%d.example", i);
	assert_int_equal(parse(buf, &ar, &err), TR_OK);
	assert_int_equal(ar.n, TR_AUTHRES_MAX);
	assert_int_equal(ar.dropped, 5);
	/* a long value is cut, not overrun */
	p = buf;
	p += sprintf(p, "mx; dkim=pass header.d=");
	memset(p, 'a', 1000);
	p[1000] = '\0';
	assert_int_equal(parse(buf, &ar, &err), TR_OK);
	assert_int_equal(strlen(ar.res[0].d), TR_AUTHRES_NAME_MAX - 1);
}

/* trusted - tr_authres_trusted on a message */
static int
trusted(const char *msg, const char *id, struct tr_authres *ar)
{
	return tr_authres_trusted((const unsigned char *)msg, strlen(msg), id,
	    ar);
}

static void
test_trusted(void **state)
{
	struct tr_authres ar;

	(void)state;
	/* ours on top, two of them (OpenDKIM and OpenDMARC): both taken */
	assert_int_equal(trusted(
	    "Authentication-Results: MX.example.org; dkim=pass header.d=a.example\n"
	    "Received: from x by mx.example.org\n"
	    "Authentication-Results: mx.example.org; dmarc=pass\n"
	    "From: r@a.example\n\nbody\n", "mx.example.org", &ar), 2);
	assert_int_equal(ar.n, 2);
	assert_string_equal(ar.res[0].d, "a.example");
	assert_string_equal(ar.res[1].method, "dmarc");

	/* the sender's own claim below another host's: never taken */
	assert_int_equal(trusted(
	    "Authentication-Results: relay.example.net; dkim=fail\n"
	    "Authentication-Results: mx.example.org; dkim=pass header.d=a.example\n"
	    "From: r@a.example\n\nbody\n", "mx.example.org", &ar), 0);
	assert_int_equal(ar.n, 0);

	/* ours, then a foreign one, then a forged one with our id */
	assert_int_equal(trusted(
	    "Authentication-Results: mx.example.org; dkim=fail header.d=a.example\n"
	    "Authentication-Results: other.example; dkim=pass\n"
	    "Authentication-Results: mx.example.org; dkim=pass header.d=a.example\n"
	    "\nbody\n", "mx.example.org", &ar), 1);
	assert_int_equal(ar.n, 1);
	assert_string_equal(ar.res[0].result, "fail");

	/* none at all, or only in the body */
	assert_int_equal(trusted("From: r@a.example\n\n"
	    "Authentication-Results: mx.example.org; dkim=pass\n",
	    "mx.example.org", &ar), 0);
	/* one that does not parse ends the run */
	assert_int_equal(trusted(
	    "Authentication-Results: mx.example.org; dkim\n"
	    "Authentication-Results: mx.example.org; dkim=pass\n\n",
	    "mx.example.org", &ar), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_google),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_folding_anywhere),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_trusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
