/* test_pipeline_limits - tr_analyse's bounds on the work of one message */
#include "testutil.h"

#include "pipeline.h"

/* report - a report body with npol policies of ndet failure details each */
static char *
report(const char *id, unsigned npol, unsigned ndet)
{
	size_t cap = 4096 + (size_t)npol * (512 + (size_t)ndet * 128), n;
	char *s = malloc(cap);
	unsigned p, d;

	assert_non_null(s);
	n = (size_t)snprintf(s, cap, "{\"organization-name\":\"Org\","
	    "\"date-range\":{\"start-datetime\":\"2026-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2026-01-01T23:59:59Z\"},\"contact-info\":"
	    "\"a@b.example\",\"report-id\":\"%s\",\"policies\":[", id);
	for (p = 0; p < npol; p++) {
		n += (size_t)snprintf(s + n, cap - n, "%s{\"policy\":{"
		    "\"policy-type\":\"sts\",\"policy-domain\":\"d%u.example\"},"
		    "\"summary\":{\"total-successful-session-count\":1,"
		    "\"total-failure-session-count\":%u},\"failure-details\":[",
		    p ? "," : "", p, ndet);
		for (d = 0; d < ndet; d++)
			n += (size_t)snprintf(s + n, cap - n, "%s{\"result-type\":"
			    "\"certificate-expired\",\"failed-session-count\":1}",
			    d ? "," : "");
		n += (size_t)snprintf(s + n, cap - n, "]}");
	}
	snprintf(s + n, cap - n, "]}");
	return s;
}

/* message - a report mail with one JSON part per body */
static char *
message(char **bodies, unsigned n)
{
	size_t cap = 1024, len;
	unsigned i;
	char *m;

	for (i = 0; i < n; i++)
		cap += strlen(bodies[i]) + 256;
	assert_non_null(m = malloc(cap));
	len = (size_t)snprintf(m, cap, "From: r@s.example\r\nSubject: "
	    "Report Domain: d0.example\r\nMIME-Version: 1.0\r\nContent-Type: "
	    "multipart/report; report-type=tlsrpt; boundary=\"b\"\r\n\r\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(m + len, cap - len, "--b\r\n"
		    "Content-Type: application/tlsrpt+json\r\n"
		    "Content-Disposition: attachment; filename=\"r%u.json\"\r\n"
		    "\r\n%s\r\n", i, bodies[i]);
	snprintf(m + len, cap - len, "--b--\r\n");
	return m;
}

/* analyse - a message of the given reports under lim */
static void
analyse(char **bodies, unsigned n, const struct tr_limits *lim,
    struct tr_analysis *a)
{
	char *m = message(bodies, n);

	tr_analyse((const unsigned char *)m, strlen(m), TR_INPUT_MESSAGE,
	    NULL, lim, a);
	free(m);
}

static void
free_bodies(char **b, unsigned n)
{
	while (n-- > 0)
		free(b[n]);
}

/* failure details and policies of all reports together, per message */
static void
test_message_totals(void **state)
{
	struct tr_limits lim;
	struct tr_analysis a;
	char *b[3];

	(void)state;
	tr_limits_default(&lim);
	lim.max_message_details = 4;
	lim.max_message_policies = 3;

	b[0] = report("r0", 1, 2);
	b[1] = report("r1", 1, 2);
	analyse(b, 2, &lim, &a);
	assert_int_equal(a.nitems, 2);
	assert_non_null(a.items[0].report);
	assert_non_null(a.items[1].report);
	tr_analysis_free(&a);
	free_bodies(b, 2);

	/* 2 + 3 details: the message fails whole, nothing of it is valid */
	b[0] = report("r0", 1, 2);
	b[1] = report("r1", 1, 3);
	b[2] = report("r2", 1, 0);
	analyse(b, 3, &lim, &a);
	assert_int_equal(a.nitems, 0);
	assert_int_equal(a.err.code, TR_ERR_REPORT_LIMIT);
	assert_string_equal(a.err.msg, "message: 5 failure-details in its "
	    "reports so far, over the limit of 4 per message");
	tr_analysis_free(&a);
	free_bodies(b, 3);

	/* 2 + 2 policies */
	b[0] = report("r0", 2, 0);
	b[1] = report("r1", 2, 0);
	analyse(b, 2, &lim, &a);
	assert_int_equal(a.nitems, 0);
	assert_int_equal(a.err.code, TR_ERR_REPORT_LIMIT);
	assert_string_equal(a.err.msg, "message: 4 policies in its reports "
	    "so far, over the limit of 3 per message");
	tr_analysis_free(&a);
	free_bodies(b, 2);

	/* a bare report body is held to the message's limits too */
	b[0] = report("r0", 4, 0);
	tr_analyse((const unsigned char *)b[0], strlen(b[0]), TR_INPUT_REPORT,
	    NULL, &lim, &a);
	assert_int_equal(a.nitems, 0);
	assert_int_equal(a.err.code, TR_ERR_REPORT_LIMIT);
	assert_string_equal(a.err.msg, "message: 4 policies in its reports "
	    "so far, over the limit of 3 per message");
	tr_analysis_free(&a);
	free_bodies(b, 1);
}

/* a part over a limit of its own fails the whole message, and the parts
 * after it are not analysed: the reason names the part */
static void
test_part_over_its_limit(void **state)
{
	struct tr_limits lim;
	struct tr_analysis a;
	char *b[3];

	(void)state;
	tr_limits_default(&lim);
	lim.max_report_details = 3;
	b[0] = report("r0", 1, 1);
	b[1] = report("r1", 2, 2);
	b[2] = report("r2", 1, 1);
	analyse(b, 3, &lim, &a);
	assert_int_equal(a.nitems, 0);
	assert_int_equal(a.err.code, TR_ERR_REPORT_LIMIT);
	assert_string_equal(a.err.msg, "part 1 (r1.json): policies: 4 "
	    "failure-details in all, over the limit of 3 per report");
	tr_analysis_free(&a);

	/* alone in its message, the part keeps its own reason */
	analyse(b + 1, 1, &lim, &a);
	assert_int_equal(a.nitems, 1);
	assert_null(a.items[0].report);
	assert_string_equal(a.items[0].err.msg, "policies: 4 failure-details "
	    "in all, over the limit of 3 per report");
	tr_analysis_free(&a);
	free_bodies(b, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_totals),
		cmocka_unit_test(test_part_over_its_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
