/* test_result_types.c - the one registry of RFC 8460 result types */
#include "testutil.h"

#include "result_types.h"

/* RFC 8460 section 6.6, in the registry's order */
static const char *const rfc[] = {
	"starttls-not-supported", "certificate-host-mismatch",
	"certificate-expired", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "certificate-not-trusted", "sts-policy-invalid",
	"sts-webpki-invalid", "validation-failure", "sts-policy-fetch-error",
};

/* test_registry - each type of the RFC at its place, known, explained;
 * names, places and explanations agree with one another */
static void
test_registry(void **state)
{
	const struct tr_result_type *t;
	int i;

	(void)state;
	assert_int_equal(TR_RESULT_TYPES, sizeof(rfc) / sizeof(rfc[0]));
	for (i = 0; i < TR_RESULT_TYPES; i++) {
		assert_string_equal(tr_result_type_name(i), rfc[i]);
		assert_int_equal(tr_result_type_index(rfc[i]), i);
		assert_int_equal(tr_result_type_known(rfc[i]), 1);
		t = tr_result_type_explain(rfc[i]);
		assert_string_equal(t->name, rfc[i]);
		assert_int_equal(t->known, 1);
		assert_true(strlen(t->meaning) > 20 && strlen(t->fix) > 20);
		/* the registry's own copy, for callers that keep it */
		assert_ptr_equal(tr_result_type_name(i), t->name);
	}
	assert_null(tr_result_type_name(-1));
	assert_null(tr_result_type_name(TR_RESULT_TYPES));
}

/* test_unknown - anything else, compared exactly, gets the fallback */
static void
test_unknown(void **state)
{
	static const char *const other[] = {
		"Testing", "certificate-expired ", "CERTIFICATE-EXPIRED", "",
		"sts-policy", NULL,
	};
	const struct tr_result_type *t, *fallback;
	size_t i;

	(void)state;
	fallback = tr_result_type_explain(NULL);
	assert_int_equal(fallback->known, 0);
	assert_string_equal(fallback->name, "");
	assert_non_null(strstr(fallback->meaning, "outside the RFC 8460"));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		t = tr_result_type_explain(other[i]);
		assert_ptr_equal(t, fallback);
		assert_int_equal(tr_result_type_known(other[i]), 0);
		assert_int_equal(tr_result_type_index(other[i]), -1);
	}
}

/* main - run every result-type test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
