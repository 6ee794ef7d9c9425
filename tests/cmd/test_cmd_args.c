/* test_cmd_args.c - the command-line numbers every subcommand reads alike */
#include "testutil.h"

#include "cmd_args.h"

/* in range, at both ends, and everything else refused */
static void
test_number(void **state)
{
	(void)state;
	assert_int_equal(tr_cmd_number("5", 1, 8), 5);
	assert_int_equal(tr_cmd_number("1", 1, 8), 1);
	assert_int_equal(tr_cmd_number("8", 1, 8), 8);
	assert_int_equal(tr_cmd_number("0", 0, 36500), 0);
	assert_int_equal(tr_cmd_number("0", 1, 8), -1);
	assert_int_equal(tr_cmd_number("9", 1, 8), -1);
	assert_int_equal(tr_cmd_number("", 1, 8), -1);
	assert_int_equal(tr_cmd_number("+5", 1, 8), -1);
	assert_int_equal(tr_cmd_number("-1", 0, 8), -1);
	assert_int_equal(tr_cmd_number(" 5", 1, 8), -1);
	assert_int_equal(tr_cmd_number("5x", 1, 8), -1);
	assert_int_equal(tr_cmd_number("99999999999999999999999", 1, 100000),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
