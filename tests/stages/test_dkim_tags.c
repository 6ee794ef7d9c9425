/* test_dkim_tags.c - DKIM tag=value lists: tags of a signature, the items
 * of a colon list, a key record's s= tag, a signature found by d= and s= */
#include "testutil.h"

#include "dkim_tags.h"

/* test_get - a tag's value with the folding white space removed */
static void
test_get(void **state)
{
	const char *sig = "v=1; a=rsa-sha256; d=example.org;\r\n\t s=sel;"
	    " h=From : Subject:\r\n TLS-Report-Domain; b=ab c\r\n d=";
	char out[64];

	assert_int_equal(tr_dkim_tags_get(sig, "d", out, sizeof(out)), 0);
	assert_string_equal(out, "example.org");
	assert_int_equal(tr_dkim_tags_get(sig, "S", out, sizeof(out)), 0);
	assert_string_equal(out, "sel");
	assert_int_equal(tr_dkim_tags_get(sig, "h", out, sizeof(out)), 0);
	assert_string_equal(out, "From:Subject:TLS-Report-Domain");
	assert_int_equal(tr_dkim_tags_get(sig, "b", out, sizeof(out)), 0);
	assert_string_equal(out, "abcd=");
	assert_int_equal(tr_dkim_tags_get(sig, "l", out, sizeof(out)), -1);
	assert_int_equal(tr_dkim_tags_get(sig, "h", out, 5), 0);
	assert_string_equal(out, "From");
}

/* test_list_has - any case, white space around items */
static void
test_list_has(void **state)
{
	assert_true(tr_dkim_tags_list_has("from : tls-report-domain",
	    "TLS-Report-Domain"));
	assert_true(tr_dkim_tags_list_has("email:tlsrpt", "tlsrpt"));
	assert_false(tr_dkim_tags_list_has("email:tlsrptx", "tlsrpt"));
	assert_false(tr_dkim_tags_list_has("", "tlsrpt"));
}

/* test_strip_service - s= goes, and says whether it allows tlsrpt */
static void
test_strip_service(void **state)
{
	char out[128];

	assert_int_equal(tr_dkim_tags_strip_service("v=DKIM1; k=rsa; "
	    "s=email:tlsrpt; p=AAAA", out, sizeof(out)), 1);
	assert_string_equal(out, "v=DKIM1; k=rsa; p=AAAA");
	assert_int_equal(tr_dkim_tags_strip_service("v=DKIM1; s = *; p=B",
	    out, sizeof(out)), 1);
	assert_string_equal(out, "v=DKIM1; p=B");
	assert_int_equal(tr_dkim_tags_strip_service("v=DKIM1; s=email; p=C",
	    out, sizeof(out)), 0);
	assert_int_equal(tr_dkim_tags_strip_service("v=DKIM1; p=D", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "v=DKIM1; p=D");
}

/* test_find_signature - by d= (any case) and s=, in the header only */
static void
test_find_signature(void **state)
{
	static const char msg[] =
	    "DKIM-Signature: v=1; d=other.example; s=a; b=x\r\n"
	    "DKIM-Signature: v=1; d=Example.ORG; s=one;\r\n b=y\r\n"
	    "DKIM-Signature: v=1; d=example.org; s=two; b=z\r\n"
	    "From: a@example.org\r\n"
	    "\r\n"
	    "DKIM-Signature: v=1; d=body.example; s=x; b=w\r\n";
	const unsigned char *m = (const unsigned char *)msg;
	char out[256], tag[32];

	assert_int_equal(tr_dkim_tags_find_signature(m, strlen(msg),
	    "example.org", "", out, sizeof(out)), 0);
	assert_int_equal(tr_dkim_tags_get(out, "s", tag, sizeof(tag)), 0);
	assert_string_equal(tag, "one");
	assert_int_equal(tr_dkim_tags_find_signature(m, strlen(msg),
	    "example.org", "two", out, sizeof(out)), 0);
	assert_int_equal(tr_dkim_tags_get(out, "b", tag, sizeof(tag)), 0);
	assert_string_equal(tag, "z");
	assert_int_equal(tr_dkim_tags_find_signature(m, strlen(msg),
	    "example.org", "three", out, sizeof(out)), -1);
	assert_int_equal(tr_dkim_tags_find_signature(m, strlen(msg),
	    "body.example", "", out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_list_has),
		cmocka_unit_test(test_strip_service),
		cmocka_unit_test(test_find_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
