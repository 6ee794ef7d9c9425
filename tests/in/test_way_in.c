/* test_way_in.c - the one table of way-in names: every way has its stored
 * name and reads back from it; anything else is unknown */
#include "testutil.h"

#include "way_in.h"

/* test_names - the names stored in databases written so far */
static void
test_names(void **state)
{
	static const char *const stored[] = {
		"file", "milter", "smtp", "lmtp", "http", "https"
	};
	unsigned i;

	for (i = 0; i < sizeof(stored) / sizeof(stored[0]); i++) {
		enum tr_way_in w = tr_way_in_parse(stored[i]);

		assert_int_not_equal(w, TR_WAY_UNKNOWN);
		assert_string_equal(tr_way_in_name(w), stored[i]);
	}
	assert_string_equal(tr_way_in_name(TR_WAY_HTTP), "http");
	assert_string_equal(tr_way_in_name(TR_WAY_LMTP), "lmtp");
}

/* test_unknown - no name, another name, or a value out of range */
static void
test_unknown(void **state)
{
	assert_int_equal(tr_way_in_parse(NULL), TR_WAY_UNKNOWN);
	assert_int_equal(tr_way_in_parse("HTTPS"), TR_WAY_UNKNOWN);
	assert_int_equal(tr_way_in_parse("unknown"), TR_WAY_UNKNOWN);
	assert_int_equal(tr_way_in_parse(""), TR_WAY_UNKNOWN);
	assert_string_equal(tr_way_in_name(TR_WAY_UNKNOWN), "unknown");
	assert_string_equal(tr_way_in_name((enum tr_way_in)TR_WAYS_IN),
	    "unknown");
}

/* test_bare - only HTTP and HTTPS bring a report without a mail */
static void
test_bare(void **state)
{
	unsigned w;

	for (w = 0; w < TR_WAYS_IN; w++)
		assert_int_equal(tr_way_in_is_bare((enum tr_way_in)w),
		    w == TR_WAY_HTTP || w == TR_WAY_HTTPS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_bare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
