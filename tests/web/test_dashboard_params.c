/* test_dashboard_params.c - the dashboard's query-string parser: values, bounds, errors */
#include "testutil.h"

#include "dashboard_params.h"

/* parse - q as a query string; TR_OK or the error code */
static enum tr_err
parse(const char *q, struct tr_dash_params *p, struct tr_error *err)
{
	tr_error_clear(err);
	return tr_dash_params_parse(q, q != NULL ? strlen(q) : 0, p, err);
}

/* refused - q is a 400 whose message is want, and p is left empty */
static void
refused(const char *q, const char *want)
{
	struct tr_dash_params p;
	struct tr_error err;
	size_t i;

	assert_int_equal(parse(q, &p, &err), TR_ERR_SCHEMA);
	assert_string_equal(err.msg, want);
	assert_int_equal(p.given, 0);
	assert_string_equal(p.domain, "");
	/* a message is printable ASCII whatever the input */
	for (i = 0; err.msg[i] != '\0'; i++)
		assert_true(err.msg[i] >= 0x20 && err.msg[i] < 0x7f);
}

static void
test_none(void **state)
{
	struct tr_dash_params p;
	struct tr_error err;
	struct tr_query_filter f;

	assert_int_equal(parse(NULL, &p, &err), TR_OK);
	assert_int_equal(p.given, 0);
	assert_int_equal(parse("", &p, &err), TR_OK);
	assert_int_equal(parse("&&", &p, &err), TR_OK);
	assert_int_equal(p.given, 0);
	tr_dash_params_filter(&p, 7, &f);
	assert_null(f.domain);
	assert_null(f.org);
	assert_null(f.since);
	assert_null(f.until);
	assert_null(f.policy_type);
	assert_int_equal(f.limit, 7);
}

static void
test_all(void **state)
{
	struct tr_dash_params p;
	struct tr_error err;
	struct tr_query_filter f;

	assert_int_equal(parse("since=2026-01-31&until=2026-02-28&"
	    "domain=Example.COM.&org=Google+Inc%2E&type=no-policy-found&"
	    "id=42&limit=1000", &p, &err), TR_OK);
	assert_int_equal(p.given, TR_DP_SINCE | TR_DP_UNTIL | TR_DP_DOMAIN |
	    TR_DP_ORG | TR_DP_TYPE | TR_DP_ID | TR_DP_LIMIT);
	assert_string_equal(p.since_day, "2026-01-31");
	assert_string_equal(p.since, "2026-01-31T00:00:00Z");
	assert_string_equal(p.until_day, "2026-02-28");
	/* until includes its day */
	assert_string_equal(p.until, "2026-03-01T00:00:00Z");
	assert_string_equal(p.domain, "example.com");
	assert_string_equal(p.org, "Google Inc.");
	assert_string_equal(p.type, "no-policy-found");
	assert_int_equal(p.id, 42);
	assert_int_equal(p.limit, 1000);
	tr_dash_params_filter(&p, 5, &f);
	assert_string_equal(f.domain, "example.com");
	assert_string_equal(f.org, "Google Inc.");
	assert_string_equal(f.since, "2026-01-31T00:00:00Z");
	assert_string_equal(f.until, "2026-03-01T00:00:00Z");
	assert_string_equal(f.policy_type, "no-policy-found");
	assert_int_equal(f.limit, 5);
}

static void
test_empty_values(void **state)
{
	struct tr_dash_params p;
	struct tr_error err;

	/* what an empty form field sends: the same as leaving it out */
	assert_int_equal(parse("since=&until=&domain=&org=&type=", &p, &err),
	    TR_OK);
	assert_int_equal(p.given, 0);
	assert_int_equal(parse("domain", &p, &err), TR_OK);
	assert_int_equal(p.given, 0);
	/* the same day twice is a one-day range */
	assert_int_equal(parse("since=2024-02-29&until=2024-02-29", &p, &err),
	    TR_OK);
	assert_string_equal(p.until, "2024-03-01T00:00:00Z");
	/* UTF-8 in a sender's name and an IDN */
	assert_int_equal(parse("org=Mail.%D0%A0%D0%A3&domain=%C3%BC.de", &p,
	    &err), TR_OK);
	assert_string_equal(p.org, "Mail.\xd0\xa0\xd0\xa3");
	assert_string_equal(p.domain, "\xc3\xbc.de");
}

static void
test_errors(void **state)
{
	char q[4096];

	refused("bogus=1", "unknown parameter \"bogus\": use since, until, "
	    "domain, org, type, id or limit");
	refused("%3Cscript%3E=1", "unknown parameter \"%3Cscript%3E\": use "
	    "since, until, domain, org, type, id or limit");
	refused("\x1b[2J=1", "unknown parameter \"\\x1b[2J\": use since, "
	    "until, domain, org, type, id or limit");
	refused("since=2026-01-01&since=2026-01-02", "since: given twice");
	refused("since=yesterday", "since: expected a day YYYY-MM-DD");
	refused("since=2026-02-30", "since: expected a day YYYY-MM-DD");
	refused("since=2026-1-01", "since: expected a day YYYY-MM-DD");
	refused("until=2026-01-01T00:00:00Z", "until: expected a day "
	    "YYYY-MM-DD");
	refused("since=1969-12-31", "since: expected a day YYYY-MM-DD");
	refused("since=2026-02-02&until=2026-02-01", "since: after until");
	refused("domain=.", "domain: expected a domain name of at most 253 "
	    "bytes");
	refused("domain=a%20b", "domain: expected a domain name of at most "
	    "253 bytes");
	refused("domain=a%0Ab", "domain: expected a domain name of at most "
	    "253 bytes");
	refused("org=%1B%5B31m", "org: expected printable text of at most "
	    "256 bytes");
	refused("org=%FF", "org: expected printable text of at most 256 "
	    "bytes");
	refused("org=%C2%9B", "org: expected printable text of at most 256 "
	    "bytes");
	refused("org=%00", "org: bad %-escape in the value");
	refused("org=%4", "org: bad %-escape in the value");
	refused("org=%zz", "org: bad %-escape in the value");
	refused("type=STS", "type: expected sts, tlsa or no-policy-found");
	refused("id=0", "id: expected a positive whole number");
	refused("id=-1", "id: expected a positive whole number");
	refused("id=9007199254740992", "id: expected a positive whole number");
	refused("id=1e3", "id: expected a positive whole number");
	refused("limit=1001", "limit: expected 1 to 1000");
	refused("limit=+5", "limit: expected 1 to 1000");

	memset(q, 'a', sizeof(q));
	memcpy(q, "domain=", 7);
	q[7 + 254] = '\0';
	refused(q, "domain: expected a domain name of at most 253 bytes");
	memcpy(q, "org=", 4);
	q[4 + 257] = '\0';
	refused(q, "org: expected printable text of at most 256 bytes");
	q[4 + 257] = 'a';
	q[4 + 1100] = '\0';
	refused(q, "org: value too long");
}

static void
test_bounds(void **state)
{
	struct tr_dash_params p;
	struct tr_error err;
	char q[TR_DASH_QUERY_MAX + 2];

	assert_int_equal(parse("id=9007199254740991&limit=1", &p, &err),
	    TR_OK);
	assert_int_equal(p.id, 9007199254740991LL);
	memset(q, '&', sizeof(q));
	q[TR_DASH_QUERY_MAX] = '\0';
	assert_int_equal(parse(q, &p, &err), TR_OK);
	q[TR_DASH_QUERY_MAX] = '&';
	q[TR_DASH_QUERY_MAX + 1] = '\0';
	assert_int_equal(parse(q, &p, &err), TR_ERR_TOO_LARGE);
	assert_string_equal(err.msg, "query string: longer than 2048 bytes");
	/* a length that stops short of the NUL is respected */
	assert_int_equal(tr_dash_params_parse("id=12bogus", 5, &p, &err),
	    TR_OK);
	assert_int_equal(p.id, 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
