/* test_dashboard_days.c - the days of the dashboard's daily charts */
#include "testutil.h"

#include "dashboard_days.h"

/* test_number - whole days since 1970, -1 for anything else */
static void
test_number(void **state)
{
	assert_int_equal(tr_dash_days_number("1970-01-02"), 1);
	assert_int_equal(tr_dash_days_number("2016-04-01T23:59:59Z"), 16892);
	assert_int_equal(tr_dash_days_number("2016-02-30"), -1);
	assert_int_equal(tr_dash_days_number("2016-04"), -1);
	assert_int_equal(tr_dash_days_number(NULL), -1);
}

/* test_range - labels, the latest TR_DASH_DAYS_MAX at most, none when
 * the range is empty */
static void
test_range(void **state)
{
	struct tr_dash_days *d = malloc(sizeof(*d));

	assert_non_null(d);
	tr_dash_days_range(d, 16892, 16894);
	assert_int_equal(d->n, 3);
	assert_string_equal(d->label[0], "2016-04-01");
	assert_string_equal(d->x[2], "2016-04-03");
	assert_int_equal(tr_dash_days_index(d, "2016-04-02"), 1);
	assert_int_equal(tr_dash_days_index(d, "2016-04-04"), -1);
	assert_int_equal(tr_dash_days_index(d, "2016-03-31"), -1);
	assert_int_equal(tr_dash_days_index(d, "junk"), -1);
	tr_dash_days_range(d, 0, 1000);
	assert_int_equal(d->n, TR_DASH_DAYS_MAX);
	assert_int_equal(d->first, 1000 - TR_DASH_DAYS_MAX + 1);
	tr_dash_days_range(d, 5, 4);
	assert_int_equal(d->n, 0);
	tr_dash_days_range(d, -1, 4);
	assert_int_equal(d->n, 0);
	free(d);
}

/* test_span - from the earliest to the latest day of a column */
static void
test_span(void **state)
{
	static const struct tr_column cols[] = {
		{ "day", TR_COL_TEXT, 0 },
	};
	static const char *const days[] = {
		"2016-04-03", "not a day", "2016-04-01", NULL,
	};
	struct tr_dash_days *d = malloc(sizeof(*d));
	struct tr_table *t = tr_table_new(cols, 1);
	size_t i;

	assert_non_null(d);
	assert_non_null(t);
	tr_dash_days_span(d, t, "day");
	assert_int_equal(d->n, 0);
	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		assert_int_equal(tr_table_row(t), 0);
		assert_int_equal(tr_table_text(t, days[i]), 0);
	}
	tr_dash_days_span(d, t, "day");
	assert_int_equal(d->n, 3);
	assert_string_equal(d->label[0], "2016-04-01");
	assert_string_equal(d->label[2], "2016-04-03");
	tr_table_free(t);
	free(d);
}

/* test_note - the defaulted range and the way to every day */
static void
test_note(void **state)
{
	struct tr_dash_params q;
	struct tr_buf b = { 0 };

	memset(&q, 0, sizeof(q));
	memcpy(q.since_day, "2016-03-03", 11);
	memcpy(q.until_day, "2016-04-01", 11);
	tr_dash_days_note(&b, &q, "/senders");
	assert_true(tr_buf_ok(&b));
	assert_non_null(strstr(b.p, "2016-03-03 to 2016-04-01"));
	assert_non_null(strstr(b.p, "href=\"/senders?since=1970-01-01\""));
	tr_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
