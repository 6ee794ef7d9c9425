/* test_datetime.c - RFC 3339 date-time parsing and UTC normalisation */
#include "testutil.h"

#include "datetime.h"

struct valid_case {
	const char *in;
	const char *utc;
	int zoned;
};

static const struct valid_case valid[] = {
	{ "2016-04-01T00:00:00Z", "2016-04-01T00:00:00Z", 1 },
	{ "2016-04-01t00:00:00z", "2016-04-01T00:00:00Z", 1 },
	{ "2025-05-22T23:59:59Z", "2025-05-22T23:59:59Z", 1 },
	/* Microsoft: no zone at all */
	{ "2023-01-10T00:00:00", "2023-01-10T00:00:00Z", 0 },
	{ "2023-01-10T12:34:56.789", "2023-01-10T12:34:56Z", 0 },
	/* fractions are dropped, never rounded up */
	{ "2023-01-10T00:00:00.123Z", "2023-01-10T00:00:00Z", 1 },
	{ "2023-01-10T23:59:59.999999999Z", "2023-01-10T23:59:59Z", 1 },
	{ "2023-01-10T00:00:00.5+00:00", "2023-01-10T00:00:00Z", 1 },
	/* offsets */
	{ "2023-01-10T05:30:00+05:30", "2023-01-10T00:00:00Z", 1 },
	{ "2023-01-10T00:00:00+05:30", "2023-01-09T18:30:00Z", 1 },
	{ "2023-01-09T23:00:00-02:00", "2023-01-10T01:00:00Z", 1 },
	{ "2024-12-31T23:59:59-00:01", "2025-01-01T00:00:59Z", 1 },
	{ "2025-01-01T00:00:00+23:59", "2024-12-31T00:01:00Z", 1 },
	{ "2023-01-10T00:00:00-00:00", "2023-01-10T00:00:00Z", 1 },
	{ "2023-01-10T00:00:00+00:00", "2023-01-10T00:00:00Z", 1 },
	/* crossing the end of February */
	{ "2023-03-01T00:30:00+01:00", "2023-02-28T23:30:00Z", 1 },
	{ "2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z", 1 },
	/* leap years: 4, not 100, but 400 */
	{ "2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z", 1 },
	{ "2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z", 1 },
	{ "1600-02-29T12:00:00Z", "1600-02-29T12:00:00Z", 1 },
	/* a leap second lands on the next minute */
	{ "2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z", 1 },
	/* the ends of the four-digit years and of 1970 */
	{ "0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", 1 },
	{ "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z", 1 },
	{ "1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z", 1 },
	{ "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", 1 },
	{ "2023-04-30T00:00:00Z", "2023-04-30T00:00:00Z", 1 },
	{ "2023-12-31T23:59:59Z", "2023-12-31T23:59:59Z", 1 },
};

struct invalid_case {
	const char *in;
	const char *why;	/* NULL: not the date-time form at all */
};

static const struct invalid_case invalid[] = {
	{ "April fools", NULL },
	{ "", NULL },
	{ "2023-01-10", NULL },
	{ "2023-01-10T00:00Z", NULL },
	{ "2023-01-10 00:00:00Z", NULL },
	{ "2023-1-10T00:00:00Z", NULL },
	{ "2023/01/10T00:00:00Z", NULL },
	{ "23-01-10T00:00:00Z", NULL },
	{ "+2023-01-10T00:00:00Z", NULL },
	{ "2023-01-10T00:00:00.Z", NULL },
	{ "2023-01-10T00:00:00.", NULL },
	{ "2023-01-10T00:00:00ZZ", NULL },
	{ "2023-01-10T00:00:00 Z", NULL },
	{ "2023-01-10T00:00:00Z ", NULL },
	{ "2023-01-10T00:00:00UTC", NULL },
	{ "2023-01-10T00:00:00GMT+1", NULL },
	{ "2023-01-10T00:00:00+0530", NULL },
	{ "2023-01-10T00:00:00+05", NULL },
	{ "2023-01-10T00:00:00+05:3x", NULL },
	{ "2023-01-10T00:00:00+5:30", NULL },
	{ "2023-01-10T00:00:00+05:300", NULL },
	{ "2023-0a-10T00:00:00Z", NULL },
	{ "2023-01-10T0:00:00Z", NULL },
	{ "2023-01-10T00:00:00,5Z", NULL },
	{ "2023-13-01T00:00:00Z", "month out of range" },
	{ "2023-00-01T00:00:00Z", "month out of range" },
	{ "2023-01-00T00:00:00Z", "day out of range for the month" },
	{ "2023-01-32T00:00:00Z", "day out of range for the month" },
	{ "2023-02-29T00:00:00Z", "day out of range for the month" },
	{ "2024-02-30T00:00:00Z", "day out of range for the month" },
	{ "1900-02-29T00:00:00Z", "day out of range for the month" },
	{ "2023-04-31T00:00:00Z", "day out of range for the month" },
	{ "2023-01-10T24:00:00Z", "hour out of range" },
	{ "2023-01-10T00:60:00Z", "minute out of range" },
	{ "2023-01-10T00:00:61Z", "second out of range" },
	{ "2023-01-10T00:00:00+24:00", "time zone offset out of range" },
	{ "2023-01-10T00:00:00-05:60", "time zone offset out of range" },
	{ "0000-01-01T00:00:00+00:01",
	    "year out of range after conversion to UTC" },
	{ "9999-12-31T23:59:59-00:01",
	    "year out of range after conversion to UTC" },
};

/* test_valid - every valid form normalises to the expected UTC text */
static void
test_valid(void **state)
{
	struct tr_dt dt;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		memset(&dt, 0xa5, sizeof(dt));
		why = "unset";
		if (tr_dt_parse(valid[i].in, strlen(valid[i].in), &dt,
		    &why) != 0)
			fail_msg("rejected %s (%s)", valid[i].in,
			    why != NULL ? why : "syntax");
		assert_string_equal(dt.utc, valid[i].utc);
		assert_int_equal(dt.zoned, valid[i].zoned);
		assert_null(why);
	}
}

/* test_invalid - every invalid form is refused with the expected reason */
static void
test_invalid(void **state)
{
	struct tr_dt dt;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		why = "unset";
		if (tr_dt_parse(invalid[i].in, strlen(invalid[i].in), &dt,
		    &why) != -1)
			fail_msg("accepted %s as %s", invalid[i].in, dt.utc);
		if (invalid[i].why == NULL) {
			if (why != NULL)
				fail_msg("%s: reason %s, expected none",
				    invalid[i].in, why);
		} else {
			assert_non_null(why);
			assert_string_equal(why, invalid[i].why);
		}
	}
}

/* test_epoch - seconds since 1970 agree with date -u +%s */
static void
test_epoch(void **state)
{
	static const struct {
		const char *in;
		int64_t epoch;
	} cases[] = {
		{ "2016-04-01T00:00:00Z", INT64_C(1459468800) },
		{ "1969-12-31T23:59:59Z", INT64_C(-1) },
		{ "1970-01-01T00:00:00Z", INT64_C(0) },
		{ "2016-12-31T23:59:60Z", INT64_C(1483228800) },
		{ "0000-01-01T00:00:00Z", INT64_C(-62167219200) },
		{ "9999-12-31T23:59:59Z", INT64_C(253402300799) },
		{ "2023-01-10T00:00:00+05:30", INT64_C(1673289000) },
	};
	struct tr_dt dt;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tr_dt_parse(cases[i].in, strlen(cases[i].in),
		    &dt, NULL), 0);
		assert_int_equal(dt.epoch, cases[i].epoch);
	}
}

/* test_length_bound - only len bytes are read; the rest may be anything */
static void
test_length_bound(void **state)
{
	const char *s = "2016-04-01T00:00:00Zgarbage";
	struct tr_dt dt;

	assert_int_equal(tr_dt_parse(s, 20, &dt, NULL), 0);
	assert_string_equal(dt.utc, "2016-04-01T00:00:00Z");
	/* cut inside the zone: "+05:3" is not an offset */
	assert_int_equal(tr_dt_parse("2016-04-01T00:00:00+05:30", 24, &dt,
	    NULL), -1);
	/* cut before the zone: a zoneless time */
	assert_int_equal(tr_dt_parse("2016-04-01T00:00:00+05:30", 19, &dt,
	    NULL), 0);
	assert_int_equal(dt.zoned, 0);
	assert_int_equal(tr_dt_parse(s, 18, &dt, NULL), -1);
	assert_int_equal(tr_dt_parse(s, 0, &dt, NULL), -1);
}

/* test_days_in_month - the Gregorian table incl. century rules */
static void
test_days_in_month(void **state)
{
	static const int dim2023[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int m;

	for (m = 1; m <= 12; m++)
		assert_int_equal(tr_dt_days_in_month(2023, m), dim2023[m - 1]);
	assert_int_equal(tr_dt_days_in_month(2024, 2), 29);
	assert_int_equal(tr_dt_days_in_month(1900, 2), 28);
	assert_int_equal(tr_dt_days_in_month(2000, 2), 29);
	assert_int_equal(tr_dt_days_in_month(2100, 2), 28);
	assert_int_equal(tr_dt_days_in_month(2023, 0), 0);
	assert_int_equal(tr_dt_days_in_month(2023, 13), 0);
}

/* test_format - epoch to text, and the four-digit year bound */
static void
test_format(void **state)
{
	char out[TR_DT_UTC_LEN + 1];

	assert_int_equal(tr_dt_format(0, out), 0);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(tr_dt_format(INT64_C(951782400), out), 0);
	assert_string_equal(out, "2000-02-29T00:00:00Z");
	assert_int_equal(tr_dt_format(INT64_C(-86401), out), 0);
	assert_string_equal(out, "1969-12-30T23:59:59Z");
	assert_int_equal(tr_dt_format(INT64_C(253402300799), out), 0);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	assert_int_equal(tr_dt_format(INT64_C(253402300800), out), -1);
	assert_int_equal(tr_dt_format(INT64_C(-62167219201), out), -1);
}

/* test_roundtrip - every day of 1999-2001 formats and parses back */
static void
test_roundtrip(void **state)
{
	char out[TR_DT_UTC_LEN + 1];
	struct tr_dt dt;
	int64_t t;

	for (t = INT64_C(915148800); t < INT64_C(1009843200); t += 86399) {
		assert_int_equal(tr_dt_format(t, out), 0);
		assert_int_equal(tr_dt_parse(out, strlen(out), &dt, NULL), 0);
		assert_int_equal(dt.epoch, t);
		assert_string_equal(dt.utc, out);
	}
}

/* main - run every date-time test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
