/* test_mime_kind.c - what a MIME leaf claims (media type, file name) and
 * what its first bytes are */
#include "testutil.h"

#include "mime_kind.h"

/* kind_of - tr_mime_kind_of_type on a C string */
static int
kind_of(const char *sub, int *decl)
{
	return tr_mime_kind_of_type(sub, strlen(sub), decl);
}

/* test_types - RFC 8460's types, the tolerated ones, and others */
static void
test_types(void **state)
{
	int decl = 99;

	assert_int_equal(kind_of("tlsrpt+gzip", &decl), 1);
	assert_int_equal(decl, TR_PAYLOAD_GZIP);
	assert_int_equal(kind_of("TLSRPT+JSON", &decl), 1);
	assert_int_equal(decl, TR_PAYLOAD_JSON);
	assert_int_equal(kind_of("x-zip-compressed", &decl), 2);
	assert_int_equal(decl, TR_PAYLOAD_ZIP);
	assert_int_equal(kind_of("tlsrpt", &decl), 2);
	assert_int_equal(decl, TR_MIME_DECL_NONE);
	decl = 99;
	assert_int_equal(kind_of("pdf", &decl), 0);
	assert_int_equal(kind_of("tlsrpt+gzipx", &decl), 0);
	assert_int_equal(tr_mime_kind_of_type("jsonx", 4, &decl), 2);
	assert_int_equal(decl, TR_PAYLOAD_JSON);
}

/* test_names - by the ending, any case */
static void
test_names(void **state)
{
	assert_int_equal(tr_mime_kind_of_name("google.com!example.com!1!2.json"),
	    TR_PAYLOAD_JSON);
	assert_int_equal(tr_mime_kind_of_name("R.JSON.GZ"), TR_PAYLOAD_GZIP);
	assert_int_equal(tr_mime_kind_of_name("r.zip"), TR_PAYLOAD_ZIP);
	assert_int_equal(tr_mime_kind_of_name("r.txt"), TR_MIME_DECL_NONE);
	assert_int_equal(tr_mime_kind_of_name(".gz"), TR_PAYLOAD_GZIP);
	assert_int_equal(tr_mime_kind_of_name(NULL), TR_MIME_DECL_NONE);
	assert_string_equal(tr_mime_kind_name(TR_PAYLOAD_ZIP), "zip");
	assert_string_equal(tr_mime_kind_name(TR_PAYLOAD_JSON), "JSON");
}

/* test_sniff - the first bytes decide */
static void
test_sniff(void **state)
{
	assert_int_equal(tr_payload_sniff((const unsigned char *)"\x1f\x8b\x08",
	    3), TR_PAYLOAD_GZIP);
	assert_int_equal(tr_payload_sniff((const unsigned char *)"PK\003\004x",
	    5), TR_PAYLOAD_ZIP);
	assert_int_equal(tr_payload_sniff((const unsigned char *)"PK\003", 3),
	    TR_PAYLOAD_JSON);
	assert_int_equal(tr_payload_sniff((const unsigned char *)"\x1f", 1),
	    TR_PAYLOAD_JSON);
	assert_int_equal(tr_payload_sniff((const unsigned char *)"", 0),
	    TR_PAYLOAD_JSON);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
