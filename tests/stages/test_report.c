/* test_report.c - report parsing and validation (RFC 8460 section 4) */
#include "testutil.h"

#include <glob.h>
#include <inttypes.h>
#include <time.h>

#include "report.h"
#include "report_fields.h"

/* ---- helpers ---- */

/* Header of a minimal valid report; the policies array follows. */
#define HEAD \
	"{\"organization-name\":\"Org\",\"date-range\":{" \
	"\"start-datetime\":\"2024-01-01T00:00:00Z\"," \
	"\"end-datetime\":\"2024-01-01T23:59:59Z\"}," \
	"\"contact-info\":\"c@example.org\",\"report-id\":\"r1\"," \
	"\"policies\":["
#define TAIL "]}"
#define POLICY_STS \
	"\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"example.com\"}"
#define SUMMARY(ok, fail) \
	"\"summary\":{\"total-successful-session-count\":" ok \
	",\"total-failure-session-count\":" fail "}"
#define ITEM_OK "{" POLICY_STS "," SUMMARY("1", "0") "}"

/* doc - a report whose single policies[] entry is item (caller frees) */
static char *
doc(const char *item)
{
	char *s;

	assert_true(asprintf(&s, HEAD "%s" TAIL, item) > 0);
	return s;
}

/* doc_policy - a report whose policy object holds fields */
static char *
doc_policy(const char *fields)
{
	char *s;

	assert_true(asprintf(&s, HEAD "{\"policy\":{%s}," SUMMARY("1", "0")
	    "}" TAIL, fields) > 0);
	return s;
}

/* doc_summary - a report whose summary object holds fields */
static char *
doc_summary(const char *fields)
{
	char *s;

	assert_true(asprintf(&s, HEAD "{" POLICY_STS ",\"summary\":{%s}}"
	    TAIL, fields) > 0);
	return s;
}

/* doc_detail - a report with one failure-details entry (1 failed session) */
static char *
doc_detail(const char *detail)
{
	char *s;

	assert_true(asprintf(&s, HEAD "{" POLICY_STS "," SUMMARY("0", "1")
	    ",\"failure-details\":[%s]}" TAIL, detail) > 0);
	return s;
}

/* doc_range - a report with this date-range object body */
static char *
doc_range(const char *range)
{
	char *s;

	assert_true(asprintf(&s, "{\"organization-name\":\"Org\","
	    "\"date-range\":{%s},\"contact-info\":\"c@example.org\","
	    "\"report-id\":\"r1\",\"policies\":[" ITEM_OK "]}", range) > 0);
	return s;
}

/* parse_full - tr_report_parse of len bytes copied into a fresh buffer */
static enum tr_err
parse_full(const char *json, size_t len, const struct tr_limits *lim,
    const char *fallback, struct tr_report **r, struct tr_error *err)
{
	struct tr_limits def;
	enum tr_err code;
	char *buf;

	/* an exact-size copy lets ASan see any read past json[len] */
	buf = malloc(len + 1);
	assert_non_null(buf);
	memcpy(buf, json, len);
	buf[len] = '\0';
	if (lim == NULL) {
		tr_limits_default(&def);
		lim = &def;
	}
	code = tr_report_parse(buf, len, lim, fallback, r, err);
	/* the report must not depend on the caller's buffer */
	memset(buf, 'X', len);
	free(buf);
	return code;
}

/* ok_fb - parse json (with a fallback domain), asserting success */
static struct tr_report *
ok_fb(const char *json, const char *fallback)
{
	struct tr_report *r = (void *)1;
	struct tr_error err;
	enum tr_err code;

	code = parse_full(json, strlen(json), NULL, fallback, &r, &err);
	if (code != TR_OK)
		fail_msg("rejected (%s): %s", tr_err_name(code), err.msg);
	assert_non_null(r);
	assert_int_equal(err.code, TR_OK);
	assert_string_equal(err.msg, "");
	return r;
}

/* ok - parse json, asserting success */
static struct tr_report *
ok(const char *json)
{
	return ok_fb(json, NULL);
}

/* bad_len - parse len bytes with lim and fallback: exact code and message */
static void
bad_len(const char *json, size_t len, const struct tr_limits *lim,
    const char *fallback, enum tr_err code, const char *msg)
{
	struct tr_report *r = (void *)1;
	struct tr_error err;
	enum tr_err got;

	got = parse_full(json, len, lim, fallback, &r, &err);
	if (got != code || strcmp(err.msg, msg) != 0)
		fail_msg("got %s \"%s\"\n   expected %s \"%s\"",
		    tr_err_name(got), err.msg, tr_err_name(code), msg);
	assert_int_equal(err.code, code);
	assert_null(r);
}

/* bad - parse json with default limits: exact code and message */
static void
bad(const char *json, enum tr_err code, const char *msg)
{
	bad_len(json, strlen(json), NULL, NULL, code, msg);
}

/* bad_free - bad() on a string from doc*(), then free it */
static void
bad_free(char *json, enum tr_err code, const char *msg)
{
	bad(json, code, msg);
	free(json);
}

/* ok_free - ok() on a string from doc*(), then free it */
static struct tr_report *
ok_free(char *json)
{
	struct tr_report *r = ok(json);

	free(json);
	return r;
}

/* assert_notes - the report's notes are exactly want (NULL-terminated) */
static void
assert_notes(const struct tr_report *r, const char *const *want)
{
	size_t i, j, n = 0;

	for (n = 0; want[n] != NULL; n++) {
		for (j = 0; j < r->notes.n; j++)
			if (strcmp(r->notes.v[j], want[n]) == 0)
				break;
		if (j == r->notes.n) {
			for (i = 0; i < r->notes.n; i++)
				print_message("  note: %s\n", r->notes.v[i]);
			fail_msg("missing note: %s", want[n]);
		}
	}
	if (r->notes.n != n) {
		for (i = 0; i < r->notes.n; i++)
			print_message("  note: %s\n", r->notes.v[i]);
		fail_msg("%zu notes, expected %zu", r->notes.n, n);
	}
	assert_int_equal(r->notes.dropped, 0);
}

#define NOTES(r, ...) do {						\
	const char *const want_[] = { __VA_ARGS__, NULL };		\
	assert_notes((r), want_);					\
} while (0)

/* ---- the corpus ---- */

struct pol_exp {
	const char *type, *domain;
	int64_t ok, fail;
	size_t nfail;
};

struct corpus_exp {
	const char *file;
	const char *org, *id, *start, *end;
	size_t npol;
	struct pol_exp pol[3];
	const char *notes[6];
};

#define GOOGLE "Google Inc."
#define D16S "2016-04-01T00:00:00Z"
#define D16E "2016-04-01T23:59:59Z"
#define RFCID "5065427c-23d3-47ca-b6e0-946ea0e8c4be"

static const struct corpus_exp corpus[] = {
	{ "dmarc-report-viewer__google.json", GOOGLE,
	    "2025-05-22T00:00:00Z_foo-bar.io", "2025-05-22T00:00:00Z",
	    "2025-05-22T23:59:59Z", 1,
	    { { "sts", "foo-bar.io", 1, 0, 0 } }, { NULL } },
	{ "dmarc-report-viewer__google.json@bbd2196.json", GOOGLE,
	    "2025-04-12T00:00:00Z_domain.de", "2025-04-12T00:00:00Z",
	    "2025-04-12T23:59:59Z", 1,
	    { { "no-policy-found", "domain.de", 2, 0, 0 } }, { NULL } },
	{ "dmarc-report-viewer__microsoft.json", "Microsoft Corporation",
	    "133925885310113267+random.net", "2025-05-23T00:00:00Z",
	    "2025-05-23T23:59:59Z", 2,
	    { { "sts", "random.net", 2, 0, 0 },
	      { "tlsa", "random.net", 2, 0, 0 } },
	    { "policies[1].policy.policy-string: one JSON-encoded array "
	      "string, expanded", NULL } },
	{ "dmarc-report-viewer__no-contact.json", "server.com", "123_456",
	    "2026-01-11T00:00:00Z", "2026-01-12T00:00:00Z", 1,
	    { { "sts", "server.com", 1, 0, 0 } },
	    { "contact-info: null, read as absent",
	      "policies[0].policy.mx-host: \"mx:\" prefix removed", NULL } },
	{ "dmarc-report-viewer__no-policy.json", GOOGLE,
	    "2025-03-27T00:00:00Z_foo-bar.io", "2025-03-27T00:00:00Z",
	    "2025-03-27T23:59:59Z", 1,
	    { { "no-policy-found", "foo-bar.io", 1, 0, 0 } }, { NULL } },
	{ "dmarc-report-viewer__no_ip_and_mx.json", "Microsoft Corporation",
	    "1234567890+", "2025-06-14T00:00:00Z", "2025-06-14T23:59:59Z", 1,
	    { { "sts", "xxxxxxxx.xx", 0, 3, 1 } }, { NULL } },
	{ "dmarc-report-viewer__rfc-example.json", "Company-X", RFCID, D16S,
	    D16E, 1, { { "sts", "company-y.example", 5326, 303, 3 } },
	    { NULL } },
	{ "email-report-processor__google.com!example.com!1667520000!"
	    "1667606399!001.json", GOOGLE, "2022-11-04T00:00:00Z_example.com",
	    "2022-11-04T00:00:00Z", "2022-11-04T23:59:59Z", 1,
	    { { "sts", "example.com", 2, 0, 0 } }, { NULL } },
	{ "mail-auth__rpt01.json", "Company-X", RFCID, D16S, D16E, 1,
	    { { "sts", "company-y.example", 5326, 303, 3 } }, { NULL } },
	{ "mail-auth__rpt02.json", GOOGLE, "2020-01-01T00:00:00Z_example.com",
	    "2020-01-01T00:00:00Z", "2020-01-07T23:59:59Z", 1,
	    { { "sts", "example.com", 23, 1, 1 } }, { NULL } },
	{ "mail-tls-rpt__report.json", GOOGLE,
	    "2020-03-02T00:00:00Z_fastmaildmarc.com", "2020-03-02T00:00:00Z",
	    "2020-03-02T23:59:59Z", 1,
	    { { "no-policy-found", "fastmaildmarc.com", 343, 0, 0 } },
	    { NULL } },
	{ "mox__report_test.go.reportJSON.json", "Company-X", RFCID, D16S,
	    D16E, 1, { { "sts", "company-y.example", 5326, 303, 3 } },
	    { NULL } },
	{ "mox__smtpserver_server_test.go.tlsrpt.json", "Example.org", "1",
	    "2022-01-07T00:00:00Z", "2022-01-07T23:59:59Z", 1,
	    { { "no-policy-found", "xmox.nl", 1, 0, 0 } }, { NULL } },
	{ "mox__tlsrptdb_report_test.go.reportMixedJSON.json",
	    "remote.example", "20240225.test.xmox.nl@remote.example",
	    "2024-02-25T00:00:00Z", "2024-02-25T23:59:59Z", 3,
	    { { "tlsa", "mail.mox.example", 1, 0, 0 },
	      { "sts", "unknown.xmox.nl", 1, 0, 0 },
	      { "sts", "test.xmox.nl", 1, 0, 0 } }, { NULL } },
	{ "mox__tlsrptdb_report_test.go.reportMultipleJSON.json",
	    "remote.example", "20240225.mail.mox.example@remote.example",
	    "2024-02-25T00:00:00Z", "2024-02-25T23:59:59Z", 2,
	    { { "tlsa", "test2.xmox.nl", 1, 0, 0 },
	      { "tlsa", "test.xmox.nl", 1, 0, 0 } }, { NULL } },
	{ "mox__tlsrptdb_report_test.go.reportUnknownJSON.json",
	    "remote.example", "20240225.test.xmox.nl@remote.example",
	    "2024-02-25T00:00:00Z", "2024-02-25T23:59:59Z", 2,
	    { { "tlsa", "unknown.mox.example", 1, 0, 0 },
	      { "sts", "unknown.xmox.nl", 1, 0, 0 } }, { NULL } },
	{ "../corpus-more/mta-sts-exporter__google.json", GOOGLE,
	    "2024-02-17T00:00:00Z_example.com", "2024-02-17T00:00:00Z",
	    "2024-02-17T23:59:59Z", 1,
	    { { "sts", "example.com", 53, 0, 0 } }, { NULL } },
	{ "../corpus-more/mta-sts-exporter__microsoft.json", "Microsoft Corporation",
	    "133526718584528772+example.com", "2024-02-16T00:00:00Z",
	    "2024-02-16T23:59:59Z", 1,
	    { { "sts", "example.com", 18, 0, 0 } }, { NULL } },
	{ "../corpus-more/mta-sts-exporter__microsoft-2.json", "Microsoft Corporation",
	    "133561180919336230+example.com", "2024-03-26T00:00:00Z",
	    "2024-03-26T23:59:59Z", 1,
	    { { "sts", "example.com", 7, 0, 0 } },
	    { "date-range.start-datetime: no time zone, read as UTC",
	      "date-range.end-datetime: no time zone, read as UTC", NULL } },
	{ "parsedmarc__empty_failure_detail_fields.json", "Reporter Example",
	    "2024-06-01T00:00:00Z_example.com", "2024-06-01T00:00:00Z",
	    "2024-06-01T23:59:59Z", 1, { { "sts", "example.com", 0, 1, 1 } },
	    { "policies[0].failure-details[0].sending-mta-ip: empty, read as "
	      "absent",
	      "policies[0].failure-details[0].receiving-mx-hostname: empty, "
	      "read as absent",
	      "policies[0].failure-details[0].receiving-ip: empty, read as "
	      "absent",
	      "policies[0].failure-details[0].additional-information: empty, "
	      "read as absent", NULL } },
	{ "parsedmarc__mail.ru.json", "Mail.ru",
	    "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru",
	    "2024-02-22T00:00:00Z", "2024-02-23T00:00:00Z", 1,
	    { { "sts", "example.com", 0, 1, 2 } },
	    { "policies[0]: failed-session-count of the failure-details adds "
	      "up to 2, total-failure-session-count is 1", NULL } },
	{ "parsedmarc__rfc8460.json", "Company-X", RFCID, D16S, D16E, 1,
	    { { "sts", "company-y.example", 5326, 303, 3 } },
	    { "policies[0].policy.mx-host: a string, not an array", NULL } },
	{ "parsedmarc__smtp_tls.json", "Example Inc.",
	    "2024-01-09T00:00:00Z_example.com", "2024-01-09T00:00:00Z",
	    "2024-01-09T23:59:59Z", 1, { { "sts", "example.com", 0, 3, 2 } },
	    { NULL } },
	{ "smtp_tls_reporting__example.json", "Company-X", RFCID, D16S, D16E,
	    1, { { "sts", "company-y.example", 5326, 303, 3 } },
	    { "policies[0].policy.mx-host: a string, not an array",
	      "policies[0].failure-details[2]: \"failure-error-code\" read as "
	      "\"failure-reason-code\"", NULL } },
	{ "smtp_tls_reporting__no-policies.json", "Company-X", RFCID, D16S,
	    D16E, 0, { { NULL, NULL, 0, 0, 0 } },
	    { "report has no policies", NULL } },
	{ "tlsrpt-be__report-2.json", "Example LLC.",
	    "2025-08-04T00:00:00Z_example.org", "2025-08-04T00:00:00Z",
	    "2025-08-04T23:59:59Z", 1,
	    { { "no-policy-found", "example.org", 13, 0, 0 } }, { NULL } },
	{ "tlsrpt-be__report.json", "Example Inc.",
	    "report-id-from-report.json", "2025-08-04T00:00:00Z",
	    "2025-08-04T23:59:59Z", 1,
	    { { "no-policy-found", "xn--gpher-jua.test", 99, 102, 0 } },
	    { NULL } },
	{ "tlsrpt-be__testing.json", "Company-X",
	    "report-id-of-report-over-email-1234", D16S, D16E, 1,
	    { { "sts", "xn--gpher-jua.test", 5326, 303, 3 } },
	    { "policies[0].policy.mx-host: a string, not an array", NULL } },
};

#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))

/* test_corpus - every sample is accepted with the expected values */
static void
test_corpus(void **state)
{
	const struct corpus_exp *c;
	const struct pol_exp *pe;
	struct tr_report *r;
	char path[512];
	unsigned char *buf;
	size_t i, k, len;

	for (i = 0; i < NCORPUS; i++) {
		c = &corpus[i];
		snprintf(path, sizeof(path), "corpus/%s", c->file);
		buf = tu_read(path, &len);
		print_message("  %s\n", c->file);
		r = ok((const char *)buf);
		assert_string_equal(r->organization_name, c->org);
		assert_string_equal(r->report_id, c->id);
		assert_string_equal(r->start_datetime, c->start);
		assert_string_equal(r->end_datetime, c->end);
		assert_int_equal(r->npolicies, c->npol);
		for (k = 0; k < c->npol; k++) {
			pe = &c->pol[k];
			assert_string_equal(r->policies[k].policy_type,
			    pe->type);
			assert_string_equal(r->policies[k].policy_domain,
			    pe->domain);
			assert_int_equal(r->policies[k].successful_sessions,
			    pe->ok);
			assert_int_equal(r->policies[k].failed_sessions,
			    pe->fail);
			assert_int_equal(r->policies[k].nfailures, pe->nfail);
		}
		assert_notes(r, c->notes);
		/* raw is a copy of the whole input */
		assert_int_equal(r->rawlen, len);
		assert_memory_equal(r->raw, buf, len);
		assert_ptr_not_equal(r->raw, (const char *)buf);
		assert_int_equal(r->raw[len], '\0');
		tr_report_free(r);
		free(buf);
	}
}

/* test_corpus_complete - every JSON sample in tests/corpus and in
 * tests/corpus-more (samples kept out of the fixture whose totals the query
 * tests assume) has expectations */
static void
test_corpus_complete(void **state)
{
	const char *base;
	char name[512];
	glob_t g;
	size_t i, k;

	assert_int_equal(glob(TESTDIR "/corpus/*.json", 0, NULL, &g), 0);
	assert_int_equal(glob(TESTDIR "/corpus-more/*.json", GLOB_APPEND, NULL,
	    &g), 0);
	assert_int_equal(g.gl_pathc, NCORPUS);
	for (i = 0; i < g.gl_pathc; i++) {
		/* named as test_corpus opens them, from tests/corpus */
		base = g.gl_pathv[i] + strlen(TESTDIR "/");
		if (strncmp(base, "corpus/", 7) == 0)
			base += 7;
		else {
			snprintf(name, sizeof(name), "../%s", base);
			base = name;
		}
		for (k = 0; k < NCORPUS; k++)
			if (strcmp(base, corpus[k].file) == 0)
				break;
		if (k == NCORPUS)
			fail_msg("no expectations for %s", base);
	}
	globfree(&g);
}

/* test_corpus_details - stored strings of the RFC example, field by field */
static void
test_corpus_details(void **state)
{
	const struct tr_failure *f;
	struct tr_report *r;
	unsigned char *buf;
	size_t len;

	buf = tu_read("corpus/dmarc-report-viewer__rfc-example.json", &len);
	r = ok((const char *)buf);
	free(buf);
	assert_string_equal(r->contact_info, "sts-reporting@company-x.example");
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"version: STSv1\",\"mode: testing\","
	    "\"mx: *.mail.company-y.example\",\"max_age: 86400\"]");
	assert_string_equal(r->policies[0].mx_host_json,
	    "[\"*.mail.company-y.example\"]");
	f = r->policies[0].failures;
	assert_string_equal(f[0].result_type, "certificate-expired");
	assert_int_equal(f[0].result_type_known, 1);
	assert_string_equal(f[0].sending_mta_ip, "2001:db8:abcd:0012::1");
	assert_string_equal(f[0].receiving_mx_hostname,
	    "mx1.mail.company-y.example");
	assert_null(f[0].receiving_ip);
	assert_null(f[0].receiving_mx_helo);
	assert_null(f[0].additional_information);
	assert_null(f[0].failure_reason_code);
	assert_int_equal(f[0].failed_session_count, 100);
	assert_string_equal(f[1].receiving_ip, "203.0.113.56");
	assert_string_equal(f[1].additional_information,
	    "https://reports.company-x.example/report_info?id=5065427c-23d3"
	    "#StarttlsNotSupported");
	assert_int_equal(f[1].failed_session_count, 200);
	assert_string_equal(f[2].result_type, "validation-failure");
	assert_string_equal(f[2].failure_reason_code,
	    "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
	assert_int_equal(f[2].failed_session_count, 3);
	tr_report_free(r);

	/* Mail.ru: both numbers stored as sent */
	buf = tu_read("corpus/parsedmarc__mail.ru.json", &len);
	r = ok((const char *)buf);
	free(buf);
	f = r->policies[0].failures;
	assert_int_equal(r->policies[0].failed_sessions, 1);
	assert_int_equal(f[0].failed_session_count, 1);
	assert_int_equal(f[1].failed_session_count, 1);
	assert_null(f[0].sending_mta_ip);
	assert_null(f[0].receiving_mx_hostname);
	assert_string_equal(f[1].failure_reason_code,
	    "bad https response code: 500");
	assert_null(r->policies[0].policy_string_json);
	assert_null(r->policies[0].mx_host_json);
	tr_report_free(r);
}

/* ---- tests/corpus/invalid ---- */

struct invalid_exp {
	const char *file;
	const char *fallback;
	enum tr_err code;
	const char *msg;
};

static const struct invalid_exp invalid[] = {
	/* a missing policy-domain is noted, not a fault: no count is */
	{ "mail-auth__rpt03.json", NULL, TR_ERR_SCHEMA,
	    "policies[0].summary: missing required field "
	    "\"total-failure-session-count\"" },
	{ "mail-auth__rpt03.json", "example.org", TR_ERR_SCHEMA,
	    "policies[0].summary: missing required field "
	    "\"total-failure-session-count\"" },
	{ "smtp_tls_reporting__date_error.json", NULL, TR_ERR_SCHEMA,
	    "date-range.start-datetime: not an RFC 3339 date-time: "
	    "\"April fools\"" },
	{ "smtp_tls_reporting__test_MtaStsReport.py.invalid_json.json", NULL,
	    TR_ERR_JSON,
	    "JSON syntax error at byte offset 37: unexpected end of data" },
	{ "tlsrpt-digest__tlsrpt_test.go.missing-date-range.json", NULL,
	    TR_ERR_SCHEMA, "missing required field \"date-range\"" },
	{ "tlsrpt-digest__tlsrpt_test.go.missing-end-datetime.json", NULL,
	    TR_ERR_SCHEMA,
	    "date-range: missing required field \"end-datetime\"" },
	{ "tlsrpt-digest__tlsrpt_test.go.missing-organization-name.json", NULL,
	    TR_ERR_SCHEMA, "missing required field \"organization-name\"" },
	{ "tlsrpt-digest__tlsrpt_test.go.missing-policies.json", NULL,
	    TR_ERR_SCHEMA, "missing required field \"policies\"" },
	{ "tlsrpt-digest__tlsrpt_test.go.missing-report-id.json", NULL,
	    TR_ERR_SCHEMA, "missing required field \"report-id\"" },
	{ "tlsrpt-digest__tlsrpt_test.go.missing-start-datetime.json", NULL,
	    TR_ERR_SCHEMA,
	    "date-range: missing required field \"start-datetime\"" },
};

/* test_invalid_corpus - our decision for each negative sample */
static void
test_invalid_corpus(void **state)
{
	unsigned char *buf;
	char path[512];
	size_t i, len;
	glob_t g;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		snprintf(path, sizeof(path), "corpus/invalid/%s",
		    invalid[i].file);
		buf = tu_read(path, &len);
		print_message("  %s\n", invalid[i].file);
		bad_len((const char *)buf, len, NULL, invalid[i].fallback,
		    invalid[i].code, invalid[i].msg);
		free(buf);
	}
	/* every JSON sample in invalid/ is decided above */
	assert_int_equal(glob(TESTDIR "/corpus/invalid/*.json", 0, NULL, &g),
	    0);
	assert_int_equal(g.gl_pathc, 10);
	globfree(&g);
}

/* replace - copy of s with the first from replaced by to (caller frees) */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *out;

	assert_non_null(at);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - s), s, to,
	    at + strlen(from)) > 0);
	return out;
}

/* test_microsoft_monitor_quirks - with a real address the rest are notes */
static void
test_microsoft_monitor_quirks(void **state)
{
	const struct tr_failure *f;
	struct tr_report *r;
	unsigned char *buf;
	size_t len;
	char *fixed;

	/* as it is: the anonymised address is noted and left out */
	buf = tu_read("corpus/invalid/tls-rpt-monitor__microsoft-report.json",
	    &len);
	r = ok((const char *)buf);
	assert_null(r->policies[0].failures[0].sending_mta_ip);
	NOTES(r, "policies[0].failure-details[0].sending-mta-ip: not an IPv4 "
	    "or IPv6 address: \"x.x.x.x\", read as absent",
	    "policies[0].failure-details[0]: unknown result-type \"Testing\"",
	    "policies[0].failure-details[0]: \"additional-info-uri\" read as "
	    "\"additional-information\"",
	    "policies[0]: failed-session-count of the failure-details adds up "
	    "to 3, total-failure-session-count is 2");
	tr_report_free(r);
	fixed = replace((const char *)buf, "x.x.x.x", "192.0.2.7");
	free(buf);
	r = ok_free(fixed);
	NOTES(r,
	    "policies[0].failure-details[0]: unknown result-type \"Testing\"",
	    "policies[0].failure-details[0]: \"additional-info-uri\" read as "
	    "\"additional-information\"",
	    "policies[0]: failed-session-count of the failure-details adds up "
	    "to 3, total-failure-session-count is 2");
	f = r->policies[0].failures;
	assert_string_equal(f->result_type, "Testing");
	assert_int_equal(f->result_type_known, 0);
	assert_string_equal(f->sending_mta_ip, "192.0.2.7");
	assert_string_equal(f->additional_information, "testing.josh.scot");
	assert_string_equal(f->failure_reason_code, "123");
	assert_int_equal(f->failed_session_count, 3);
	assert_int_equal(r->policies[0].failed_sessions, 2);
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"version: STSv1\",\"mode: enforce\",\"mx: mail.protonmail.ch\","
	    "\"mx: mailsec.protonmail.ch\",\"max_age: 86401\"]");
	tr_report_free(r);
}

/* test_rpt03_policy_type - with the other faults mended, the bad type */
static void
test_rpt03_policy_type(void **state)
{
	unsigned char *buf;
	size_t len;
	char *fixed, *tmp;

	buf = tu_read("corpus/invalid/mail-auth__rpt03.json", &len);
	tmp = replace((const char *)buf,
	    "\"total-successful-session-count\": 1\n",
	    "\"total-successful-session-count\": 1, "
	    "\"total-failure-session-count\": 0\n");
	free(buf);
	fixed = replace(tmp, "\"policy-type\": \"no-policy-found\"",
	    "\"policy-type\": \"no-policy-found\", "
	    "\"policy-domain\": \"x.org\"");
	free(tmp);
	bad_len(fixed, strlen(fixed), NULL, "example.org", TR_ERR_SCHEMA,
	    "policies[1].policy.policy-type: expected \"tlsa\", \"sts\" or "
	    "\"no-policy-found\", got \"invalid-policy-type\"");
	free(fixed);
}

/* ---- deviations from real senders (docs/real-world-reports.md) ---- */

/* test_dev1_no_zone - Microsoft's zoneless datetimes: noted, read as UTC */
static void
test_dev1_no_zone(void **state)
{
	struct tr_report *r;

	r = ok_free(doc_range("\"start-datetime\":\"2023-01-10T00:00:00\","
	    "\"end-datetime\":\"2023-01-10T23:59:59\""));
	assert_string_equal(r->start_datetime, "2023-01-10T00:00:00Z");
	assert_string_equal(r->end_datetime, "2023-01-10T23:59:59Z");
	NOTES(r, "date-range.start-datetime: no time zone, read as UTC",
	    "date-range.end-datetime: no time zone, read as UTC");
	tr_report_free(r);

	/* offsets and fractions are normalised silently */
	r = ok_free(doc_range(
	    "\"start-datetime\":\"2023-01-10T05:30:00.5+05:30\","
	    "\"end-datetime\":\"2023-01-10t23:59:59z\""));
	assert_string_equal(r->start_datetime, "2023-01-10T00:00:00Z");
	assert_string_equal(r->end_datetime, "2023-01-10T23:59:59Z");
	NOTES(r, NULL);
	tr_report_free(r);
}

/* test_dev2_tlsa_encoded - one element holding a JSON array: expanded */
static void
test_dev2_tlsa_encoded(void **state)
{
	struct tr_report *r;

	r = ok_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":[\"[\\\"3 1 1 AA\\\",\\\"3 1 1 BB\\\"]\"],"
	    "\"policy-domain\":\"example.com\""));
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"3 1 1 AA\",\"3 1 1 BB\"]");
	NOTES(r, "policies[0].policy.policy-string: one JSON-encoded array "
	    "string, expanded");
	tr_report_free(r);

	/* the same as a plain string: wrapped, then expanded */
	r = ok_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":\" [\\\"3 1 1 AA\\\"] \","
	    "\"policy-domain\":\"example.com\""));
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"3 1 1 AA\"]");
	NOTES(r, "policies[0].policy.policy-string: a string, not an array",
	    "policies[0].policy.policy-string: one JSON-encoded array string, "
	    "expanded");
	tr_report_free(r);

	/* a bracket that is not a JSON array of strings stays as sent */
	r = ok_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":[\"[3 1 1 AA\"],\"policy-domain\":\"e.com\""));
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"[3 1 1 AA\"]");
	NOTES(r, NULL);
	tr_report_free(r);
	r = ok_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":[\"[1,2]\"],\"policy-domain\":\"e.com\""));
	assert_string_equal(r->policies[0].policy_string_json, "[\"[1,2]\"]");
	NOTES(r, NULL);
	tr_report_free(r);
	r = ok_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":[\"[]\"],\"policy-domain\":\"e.com\""));
	assert_string_equal(r->policies[0].policy_string_json, "[\"[]\"]");
	NOTES(r, NULL);
	tr_report_free(r);
	/* two elements: not the quirk */
	r = ok_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":[\"[\\\"a\\\"]\",\"b\"],"
	    "\"policy-domain\":\"e.com\""));
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"[\\\"a\\\"]\",\"b\"]");
	NOTES(r, NULL);
	tr_report_free(r);

	/* a NUL inside the encoded array is still refused */
	bad_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":[\"[\\\"a\\\\u0000b\\\"]\"],"
	    "\"policy-domain\":\"e.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.policy-string[0][0]: string contains a NUL "
	    "character: \"a\\x00b\"");
}

/* test_dev3_tlsa_and_sts - both policies of one domain are stored */
static void
test_dev3_tlsa_and_sts(void **state)
{
	struct tr_report *r;

	r = ok_free(doc("{\"policy\":{\"policy-type\":\"tlsa\","
	    "\"policy-domain\":\"example.com\"}," SUMMARY("5", "1") "},"
	    "{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-domain\":\"example.com\"}," SUMMARY("5", "1") "}"));
	assert_int_equal(r->npolicies, 2);
	assert_string_equal(r->policies[0].policy_type, "tlsa");
	assert_string_equal(r->policies[1].policy_type, "sts");
	assert_int_equal(r->policies[0].successful_sessions, 5);
	assert_int_equal(r->policies[1].successful_sessions, 5);
	NOTES(r, NULL);
	tr_report_free(r);
}

/* test_dev4_fetch_error_odd_id - no addresses, report-id "1234567890+" */
static void
test_dev4_fetch_error_odd_id(void **state)
{
	struct tr_report *r;
	char *s;

	s = replace(HEAD "{" POLICY_STS "," SUMMARY("0", "3")
	    ",\"failure-details\":[{\"result-type\":\"sts-policy-fetch-error\","
	    "\"failed-session-count\":3}]}" TAIL, "\"r1\"", "\"1234567890+\"");
	r = ok_free(s);
	assert_string_equal(r->report_id, "1234567890+");
	assert_int_equal(r->policies[0].nfailures, 1);
	assert_null(r->policies[0].failures[0].sending_mta_ip);
	assert_null(r->policies[0].failures[0].receiving_mx_hostname);
	assert_int_equal(r->policies[0].failures[0].result_type_known, 1);
	NOTES(r, NULL);
	tr_report_free(r);
}

/* test_dev6_mx_host - array, plain string, "mx: " prefix, [] */
static void
test_dev6_mx_host(void **state)
{
	static const struct {
		const char *in, *json, *note;
	} cases[] = {
		{ "[\"mx1.example.com\",\"*.example.com\"]",
		    "[\"mx1.example.com\",\"*.example.com\"]", NULL },
		{ "\"*.example.com\"", "[\"*.example.com\"]",
		    "policies[0].policy.mx-host: a string, not an array" },
		{ "[\"mx: mx1.example.com\",\"mx:mx2.example.com\","
		    "\"MX:  mx3.example.com\",\"mx4.example.com\"]",
		    "[\"mx1.example.com\",\"mx2.example.com\","
		    "\"mx3.example.com\",\"mx4.example.com\"]",
		    "policies[0].policy.mx-host: \"mx:\" prefix removed" },
		{ "[]", "[]", NULL },
		/* "/" is not escaped in what we store */
		{ "[\"a/b\"]", "[\"a/b\"]", NULL },
	};
	struct tr_report *r;
	char *fields;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(asprintf(&fields, "\"policy-type\":\"sts\","
		    "\"policy-domain\":\"example.com\",\"mx-host\":%s",
		    cases[i].in) > 0);
		r = ok_free(doc_policy(fields));
		free(fields);
		assert_string_equal(r->policies[0].mx_host_json,
		    cases[i].json);
		if (cases[i].note != NULL)
			NOTES(r, cases[i].note, NULL);
		else
			NOTES(r, NULL);
		tr_report_free(r);
	}

	/* plain string with the prefix: both fixes */
	r = ok_free(doc_policy("\"policy-type\":\"sts\","
	    "\"policy-domain\":\"example.com\",\"mx-host\":\"mx: a.example\""));
	assert_string_equal(r->policies[0].mx_host_json, "[\"a.example\"]");
	NOTES(r, "policies[0].policy.mx-host: a string, not an array",
	    "policies[0].policy.mx-host: \"mx:\" prefix removed");
	tr_report_free(r);
}

/* test_dev7_field_names - old names mapped to the RFC ones, with a note */
static void
test_dev7_field_names(void **state)
{
	struct tr_report *r;
	char *s;

	r = ok_free(doc_policy("\"policy-type\":\"sts\","
	    "\"policy-domain\":\"example.com\",\"mx-host-pattern\":[\"a.b\"]"));
	assert_string_equal(r->policies[0].mx_host_json, "[\"a.b\"]");
	NOTES(r, "policies[0].policy: \"mx-host-pattern\" read as \"mx-host\"");
	tr_report_free(r);

	r = ok_free(doc_detail("{\"result-type\":\"validation-failure\","
	    "\"failed-session-count\":1,\"additional-info-uri\":\"https://x/\","
	    "\"failure-error-code\":\"E1\"}"));
	assert_string_equal(r->policies[0].failures[0].additional_information,
	    "https://x/");
	assert_string_equal(r->policies[0].failures[0].failure_reason_code,
	    "E1");
	NOTES(r, "policies[0].failure-details[0]: \"additional-info-uri\" read "
	    "as \"additional-information\"",
	    "policies[0].failure-details[0]: \"failure-error-code\" read as "
	    "\"failure-reason-code\"");
	tr_report_free(r);

	s = replace(HEAD ITEM_OK TAIL, "\"contact-info\"", "\"email-address\"");
	r = ok_free(s);
	assert_string_equal(r->contact_info, "c@example.org");
	NOTES(r, "\"email-address\" read as \"contact-info\"");
	tr_report_free(r);

	/* both names: the RFC one wins, the other is noted */
	r = ok_free(doc_detail("{\"result-type\":\"validation-failure\","
	    "\"failed-session-count\":1,\"failure-reason-code\":\"new\","
	    "\"failure-error-code\":\"old\"}"));
	assert_string_equal(r->policies[0].failures[0].failure_reason_code,
	    "new");
	NOTES(r, "policies[0].failure-details[0]: \"failure-error-code\" "
	    "ignored, \"failure-reason-code\" present");
	tr_report_free(r);
}

/* test_dev8_contact_info - null or missing: accepted, noted, NULL */
static void
test_dev8_contact_info(void **state)
{
	struct tr_report *r;
	char *s;

	s = replace(HEAD ITEM_OK TAIL, "\"c@example.org\"", "null");
	r = ok_free(s);
	assert_null(r->contact_info);
	NOTES(r, "contact-info: null, read as absent");
	tr_report_free(r);

	s = replace(HEAD ITEM_OK TAIL, "\"contact-info\":\"c@example.org\",",
	    "");
	r = ok_free(s);
	assert_null(r->contact_info);
	NOTES(r, "contact-info: missing");
	tr_report_free(r);

	s = replace(HEAD ITEM_OK TAIL, "\"c@example.org\"", "[\"a@b\"]");
	bad_free(s, TR_ERR_SCHEMA, "contact-info: expected a string, got an "
	    "array");
}

/* test_dev9_policy_domain - missing: the fallback domain, noted */
static void
test_dev9_policy_domain(void **state)
{
	struct tr_report *r;
	char *s;

	s = doc_policy("\"policy-type\":\"no-policy-found\"");
	r = ok_fb(s, "Example.ORG.");
	assert_string_equal(r->policies[0].policy_domain, "example.org");
	NOTES(r, "policies[0].policy.policy-domain: missing, using "
	    "\"example.org\"");
	tr_report_free(r);
	/* no fallback and no other policy: stored under no domain, noted;
	 * a fallback of "" counts as none */
	r = ok(s);
	assert_null(r->policies[0].policy_domain);
	NOTES(r, "policies[0].policy.policy-domain: missing",
	    "policies[0].policy.policy-domain: unknown: no other policy "
	    "names one; stored under no domain");
	assert_int_equal(r->ndomains, 1);
	assert_null(r->domains[0].policy_domain);
	assert_int_equal(r->domains[0].successful, 1);
	tr_report_free(r);
	r = ok_fb(s, "");
	assert_null(r->policies[0].policy_domain);
	tr_report_free(r);
	free(s);

	s = doc_policy("\"policy-type\":\"no-policy-found\","
	    "\"policy-domain\":null");
	r = ok_fb(s, "example.org");
	assert_string_equal(r->policies[0].policy_domain, "example.org");
	NOTES(r, "policies[0].policy.policy-domain: null, using "
	    "\"example.org\"");
	tr_report_free(r);
	r = ok(s);
	assert_null(r->policies[0].policy_domain);
	NOTES(r, "policies[0].policy.policy-domain: null",
	    "policies[0].policy.policy-domain: unknown: no other policy "
	    "names one; stored under no domain");
	tr_report_free(r);
	free(s);

	/* "" is as good as missing: the fallback */
	s = doc_policy("\"policy-type\":\"no-policy-found\","
	    "\"policy-domain\":\"\"");
	r = ok_fb(s, "example.org");
	assert_string_equal(r->policies[0].policy_domain, "example.org");
	NOTES(r, "policies[0].policy.policy-domain: empty, using "
	    "\"example.org\"");
	tr_report_free(r);
	free(s);

	/* a domain that is there wins over the fallback, normalised */
	s = doc_policy("\"policy-type\":\"sts\","
	    "\"policy-domain\":\"Mail.Example.COM.\"");
	r = ok_fb(s, "other.org");
	assert_string_equal(r->policies[0].policy_domain, "mail.example.com");
	NOTES(r, NULL);
	tr_report_free(r);
	free(s);
}

/* test_dev19_domain_from_others - Postfix over HTTPS: a no-policy-found
 * policy without policy-domain next to policies that name one domain takes
 * it; next to policies of several domains it stays without one */
static void
test_dev19_domain_from_others(void **state)
{
	static const char one[] = "{\"organization-name\":\"Org\","
	    "\"date-range\":{\"start-datetime\":\"2026-11-20T00:00:00Z\","
	    "\"end-datetime\":\"2026-11-21T00:00:00Z\"},"
	    "\"contact-info\":\"c@example.org\",\"report-id\":\"r1\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"no-policy-found\"},"
	    "\"summary\":{\"total-successful-session-count\":30,"
	    "\"total-failure-session-count\":2}},"
	    "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-domain\":"
	    "\"Example.NET\"},\"summary\":{\"total-successful-session-count\":"
	    "85,\"total-failure-session-count\":0}}]}";
	struct tr_report *r;
	char *s, *t;

	r = ok(one);
	assert_string_equal(r->policies[0].policy_domain, "example.net");
	NOTES(r, "policies[0].policy.policy-domain: missing",
	    "policies[0].policy.policy-domain: using \"example.net\", the "
	    "domain of the report's other policies");
	/* counted with the tlsa sessions: no-policy-found is added */
	assert_int_equal(r->ndomains, 1);
	assert_int_equal(r->domains[0].successful, 115);
	assert_int_equal(r->domains[0].failed, 2);
	tr_report_free(r);

	/* the header or the file name comes first */
	r = ok_fb(one, "example.org");
	assert_string_equal(r->policies[0].policy_domain, "example.org");
	assert_int_equal(r->ndomains, 2);
	tr_report_free(r);

	s = replace(one, "0}}]}", "0}},{\"policy\":"
	    "{\"policy-type\":\"sts\",\"policy-domain\":\"example.com\"},"
	    "\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":0}}]}");
	r = ok(s);
	assert_null(r->policies[0].policy_domain);
	NOTES(r, "policies[0].policy.policy-domain: missing",
	    "policies[0].policy.policy-domain: unknown: the other policies "
	    "name several; stored under no domain");
	assert_int_equal(r->ndomains, 3);
	assert_null(r->domains[0].policy_domain);
	assert_int_equal(r->domains[0].successful, 30);
	tr_report_free(r);
	free(s);

	/* Postfix: tlsa under the MX name, sts under the domain above it */
	s = replace(one, "0}}]}", "0}},{\"policy\":"
	    "{\"policy-type\":\"sts\",\"policy-domain\":\"example.net\"},"
	    "\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":0}}]}");
	t = replace(s, "\"Example.NET\"", "\"mx1.example.net\"");
	r = ok(t);
	assert_string_equal(r->policies[0].policy_domain, "example.net");
	NOTES(r, "policies[0].policy.policy-domain: missing",
	    "policies[0].policy.policy-domain: using \"example.net\", the "
	    "domain of the report's other policies");
	assert_int_equal(r->ndomains, 2);
	assert_string_equal(r->domains[0].policy_domain, "example.net");
	assert_int_equal(r->domains[0].successful, 31);
	tr_report_free(r);
	free(t);
	free(s);
}

/* test_dev21_empty_optional - "" in an optional failure-detail field reads
 * as absent, with a note; the same field left out gives no note */
static void
test_dev21_empty_optional(void **state)
{
	struct tr_report *r;
	char *s;

	s = doc_detail("{\"result-type\":\"certificate-expired\","
	    "\"sending-mta-ip\":\"\",\"receiving-ip\":\"\","
	    "\"receiving-mx-hostname\":\"\",\"receiving-mx-helo\":\"\","
	    "\"failure-reason-code\":\"\",\"additional-information\":\"\","
	    "\"failed-session-count\":1}");
	r = ok(s);
	assert_null(r->policies[0].failures[0].sending_mta_ip);
	assert_null(r->policies[0].failures[0].receiving_ip);
	assert_null(r->policies[0].failures[0].receiving_mx_hostname);
	assert_null(r->policies[0].failures[0].receiving_mx_helo);
	assert_null(r->policies[0].failures[0].failure_reason_code);
	assert_null(r->policies[0].failures[0].additional_information);
	NOTES(r, "policies[0].failure-details[0].sending-mta-ip: empty, read "
	    "as absent",
	    "policies[0].failure-details[0].receiving-mx-hostname: empty, "
	    "read as absent",
	    "policies[0].failure-details[0].receiving-mx-helo: empty, read "
	    "as absent",
	    "policies[0].failure-details[0].receiving-ip: empty, read as "
	    "absent",
	    "policies[0].failure-details[0].additional-information: empty, "
	    "read as absent",
	    "policies[0].failure-details[0].failure-reason-code: empty, read "
	    "as absent");
	tr_report_free(r);
	free(s);
}

/* test_dev22_drifted_names - the drift table: receiving-mx-host-name is
 * read as receiving-mx-hostname, noted, not reported unknown; the RFC name
 * wins when both are there */
static void
test_dev22_drifted_names(void **state)
{
	struct tr_report *r;
	char *s;

	s = doc_detail("{\"result-type\":\"starttls-not-supported\","
	    "\"receiving-mx-host-name\":\"mx1.example.com\","
	    "\"failed-session-count\":1}");
	r = ok(s);
	assert_string_equal(r->policies[0].failures[0].receiving_mx_hostname,
	    "mx1.example.com");
	NOTES(r, "policies[0].failure-details[0]: \"receiving-mx-host-name\" "
	    "read as \"receiving-mx-hostname\"");
	tr_report_free(r);
	free(s);

	s = doc_detail("{\"result-type\":\"starttls-not-supported\","
	    "\"receiving-mx-host-name\":\"mx1.example.com\","
	    "\"receiving-mx-hostname\":\"mx2.example.com\","
	    "\"failed-session-count\":1}");
	r = ok(s);
	assert_string_equal(r->policies[0].failures[0].receiving_mx_hostname,
	    "mx2.example.com");
	NOTES(r, "policies[0].failure-details[0]: \"receiving-mx-host-name\" "
	    "ignored, \"receiving-mx-hostname\" present");
	tr_report_free(r);
	free(s);
	assert_string_equal(tr_rf_rfc_name("receiving-mx-host-name"),
	    "receiving-mx-hostname");
	assert_string_equal(tr_rf_rfc_name("email-address"), "contact-info");
	assert_null(tr_rf_rfc_name("receiving-mx-hostname"));
}

/* test_dev10_empty_arrays - [] everywhere, and no failure-details at all */
static void
test_dev10_empty_arrays(void **state)
{
	struct tr_report *r;

	r = ok_free(doc("{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[],\"policy-domain\":\"example.com\","
	    "\"mx-host\":[]}," SUMMARY("7", "0") ",\"failure-details\":[]}"));
	assert_string_equal(r->policies[0].policy_string_json, "[]");
	assert_string_equal(r->policies[0].mx_host_json, "[]");
	assert_int_equal(r->policies[0].nfailures, 0);
	assert_null(r->policies[0].failures);
	NOTES(r, NULL);
	tr_report_free(r);

	r = ok_free(doc(ITEM_OK));
	assert_null(r->policies[0].policy_string_json);
	assert_null(r->policies[0].mx_host_json);
	assert_int_equal(r->policies[0].nfailures, 0);
	NOTES(r, NULL);
	tr_report_free(r);
}

/* test_dev11_sum_mismatch - noted, both stored as sent */
static void
test_dev11_sum_mismatch(void **state)
{
	struct tr_report *r;

	r = ok_free(doc("{" POLICY_STS "," SUMMARY("0", "5")
	    ",\"failure-details\":[{\"result-type\":\"dane-required\","
	    "\"failed-session-count\":2},{\"result-type\":\"tlsa-invalid\","
	    "\"failed-session-count\":2}]}"));
	assert_int_equal(r->policies[0].failed_sessions, 5);
	assert_int_equal(r->policies[0].failures[0].failed_session_count, 2);
	assert_int_equal(r->policies[0].failures[1].failed_session_count, 2);
	NOTES(r, "policies[0]: failed-session-count of the failure-details "
	    "adds up to 4, total-failure-session-count is 5");
	tr_report_free(r);

	/* equal: no note */
	r = ok_free(doc("{" POLICY_STS "," SUMMARY("0", "4")
	    ",\"failure-details\":[{\"result-type\":\"dane-required\","
	    "\"failed-session-count\":2},{\"result-type\":\"tlsa-invalid\","
	    "\"failed-session-count\":2}]}"));
	NOTES(r, NULL);
	tr_report_free(r);

	/* the sum itself overflowing int64 is a mismatch, not a wrap */
	r = ok_free(doc("{" POLICY_STS "," SUMMARY("0", "5")
	    ",\"failure-details\":["
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":"
	    "9007199254740991}," "{\"result-type\":\"dane-required\","
	    "\"failed-session-count\":9007199254740991}]}"));
	NOTES(r, "policies[0]: failed-session-count of the failure-details "
	    "adds up to 18014398509481982, total-failure-session-count is 5");
	tr_report_free(r);
}

/* test_dev12_range_ends - 23:59:59Z and the next day's 00:00:00Z */
static void
test_dev12_range_ends(void **state)
{
	struct tr_report *r;

	r = ok_free(doc_range("\"start-datetime\":\"2024-02-22T00:00:00Z\","
	    "\"end-datetime\":\"2024-02-23T00:00:00Z\""));
	assert_string_equal(r->end_datetime, "2024-02-23T00:00:00Z");
	NOTES(r, NULL);
	tr_report_free(r);
	r = ok_free(doc_range("\"start-datetime\":\"2024-02-22T00:00:00Z\","
	    "\"end-datetime\":\"2024-02-22T23:59:59Z\""));
	assert_string_equal(r->end_datetime, "2024-02-22T23:59:59Z");
	tr_report_free(r);
	/* an empty range (end == start) is not an error */
	r = ok_free(doc_range("\"start-datetime\":\"2024-02-22T00:00:00Z\","
	    "\"end-datetime\":\"2024-02-22T01:00:00+01:00\""));
	assert_string_equal(r->end_datetime, "2024-02-22T00:00:00Z");
	tr_report_free(r);
}

/* test_dev16_policy_string_cr - trailing CR stripped, noted */
static void
test_dev16_policy_string_cr(void **state)
{
	struct tr_report *r;

	r = ok_free(doc_policy("\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\\r\",\"mode: enforce\\r\","
	    "\"mx: a.example\",\"max_age: 86400\\r\\r\"],"
	    "\"policy-domain\":\"example.com\""));
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"version: STSv1\",\"mode: enforce\",\"mx: a.example\","
	    "\"max_age: 86400\"]");
	NOTES(r, "policies[0].policy.policy-string: trailing CR removed");
	tr_report_free(r);

	/* a plain string policy-string is wrapped */
	r = ok_free(doc_policy("\"policy-type\":\"sts\","
	    "\"policy-string\":\"version: STSv1\","
	    "\"policy-domain\":\"example.com\""));
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"version: STSv1\"]");
	NOTES(r, "policies[0].policy.policy-string: a string, not an array");
	tr_report_free(r);
}

/* ---- other accepted forms ---- */

/* test_no_policies - [] accepted with a note */
static void
test_no_policies(void **state)
{
	struct tr_report *r;

	r = ok(HEAD TAIL);
	assert_int_equal(r->npolicies, 0);
	assert_null(r->policies);
	NOTES(r, "report has no policies");
	tr_report_free(r);
}

/* test_bom - a UTF-8 byte order mark is skipped with a note */
static void
test_bom(void **state)
{
	struct tr_report *r;

	r = ok("\xef\xbb\xbf" HEAD ITEM_OK TAIL);
	NOTES(r, "UTF-8 byte order mark skipped");
	/* raw keeps the input as received */
	assert_int_equal(r->rawlen, strlen(HEAD ITEM_OK TAIL) + 3);
	assert_memory_equal(r->raw, "\xef\xbb\xbf{", 4);
	tr_report_free(r);
	/* offsets in messages count the BOM */
	bad("\xef\xbb\xbf{\"a\":}", TR_ERR_JSON,
	    "JSON syntax error at byte offset 8: unexpected character");
	bad("\xef\xbb\xbf", TR_ERR_JSON, "empty input");
}

/* test_unknown_keys - ignored with a note at every level */
static void
test_unknown_keys(void **state)
{
	struct tr_report *r;

	r = ok("{\"organization-name\":\"Org\",\"x-top\":1,\"date-range\":{"
	    "\"start-datetime\":\"2024-01-01T00:00:00Z\",\"x-range\":[],"
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\"},"
	    "\"contact-info\":\"c@example.org\",\"report-id\":\"r1\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-domain\":\"example.com\",\"x-pol\":null},"
	    "\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":1,\"x-sum\":{}},\"x-item\":true,"
	    "\"failure-details\":[{\"result-type\":\"certificate-expired\","
	    "\"failed-session-count\":1,\"x-det\\\"\\n\":\"v\"}]}]}");
	NOTES(r, "unknown field \"x-top\" ignored",
	    "date-range: unknown field \"x-range\" ignored",
	    "policies[0].policy: unknown field \"x-pol\" ignored",
	    "policies[0].summary: unknown field \"x-sum\" ignored",
	    "policies[0]: unknown field \"x-item\" ignored",
	    "policies[0].failure-details[0]: unknown field \"x-det\\\"\\x0a\" "
	    "ignored");
	tr_report_free(r);
}

/* test_notes_cap - a flood of unknown keys is counted, not kept */
static void
test_notes_cap(void **state)
{
	struct tr_report *r;
	char *s, *p;
	size_t i;

	s = malloc(100 * 16 + 512);
	assert_non_null(s);
	p = s + sprintf(s, "{");
	for (i = 0; i < 100; i++)
		p += sprintf(p, "\"x%zu\":%zu,", i, i);
	/* the report's own fields follow, after its opening brace */
	sprintf(p, "%s", HEAD ITEM_OK TAIL + 1);
	r = ok_free(s);
	assert_int_equal(r->notes.n, TR_NOTES_MAX);
	assert_int_equal(r->notes.dropped, 100 - TR_NOTES_MAX);
	assert_string_equal(r->notes.v[0], "unknown field \"x0\" ignored");
	tr_report_free(r);
}

/* test_optional_nulls - null in an optional field: absent, with a note */
static void
test_optional_nulls(void **state)
{
	const struct tr_failure *f;
	struct tr_report *r;

	r = ok_free(doc("{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":null,\"policy-domain\":\"example.com\","
	    "\"mx-host\":null}," SUMMARY("0", "1") ",\"failure-details\":["
	    "{\"result-type\":\"starttls-not-supported\","
	    "\"sending-mta-ip\":null,\"receiving-ip\":null,"
	    "\"receiving-mx-hostname\":null,\"receiving-mx-helo\":null,"
	    "\"additional-information\":null,\"failure-reason-code\":null,"
	    "\"failed-session-count\":1}]}"));
	f = r->policies[0].failures;
	assert_null(f->sending_mta_ip);
	assert_null(f->receiving_ip);
	assert_null(f->receiving_mx_hostname);
	assert_null(f->receiving_mx_helo);
	assert_null(f->additional_information);
	assert_null(f->failure_reason_code);
	assert_null(r->policies[0].policy_string_json);
	assert_null(r->policies[0].mx_host_json);
	NOTES(r, "policies[0].policy.policy-string: null, read as absent",
	    "policies[0].policy.mx-host: null, read as absent",
	    "policies[0].failure-details[0].sending-mta-ip: null, read as "
	    "absent",
	    "policies[0].failure-details[0].receiving-mx-hostname: null, read "
	    "as absent",
	    "policies[0].failure-details[0].receiving-mx-helo: null, read as "
	    "absent",
	    "policies[0].failure-details[0].receiving-ip: null, read as absent",
	    "policies[0].failure-details[0].additional-information: null, read "
	    "as absent",
	    "policies[0].failure-details[0].failure-reason-code: null, read as "
	    "absent");
	tr_report_free(r);

	r = ok_free(doc("{" POLICY_STS "," SUMMARY("1", "0")
	    ",\"failure-details\":null}"));
	assert_int_equal(r->policies[0].nfailures, 0);
	NOTES(r, "policies[0].failure-details: null, read as absent");
	tr_report_free(r);
}

/* test_failure_fields - every failure field stored; addresses of both kinds */
static void
test_failure_fields(void **state)
{
	const struct tr_failure *f;
	struct tr_report *r;

	r = ok_free(doc_detail("{\"result-type\":\"sts-webpki-invalid\","
	    "\"sending-mta-ip\":\"::ffff:192.0.2.1\","
	    "\"receiving-mx-hostname\":\"mx.example.com\","
	    "\"receiving-mx-helo\":\"mx.example.com ESMTP\","
	    "\"receiving-ip\":\"2001:db8::25\",\"failed-session-count\":1,"
	    "\"additional-information\":\"https://example.org/a/b\","
	    "\"failure-reason-code\":\"X509_V_ERR\"}"));
	f = r->policies[0].failures;
	assert_string_equal(f->result_type, "sts-webpki-invalid");
	assert_int_equal(f->result_type_known, 1);
	assert_string_equal(f->sending_mta_ip, "::ffff:192.0.2.1");
	assert_string_equal(f->receiving_mx_hostname, "mx.example.com");
	assert_string_equal(f->receiving_mx_helo, "mx.example.com ESMTP");
	assert_string_equal(f->receiving_ip, "2001:db8::25");
	assert_string_equal(f->additional_information,
	    "https://example.org/a/b");
	assert_string_equal(f->failure_reason_code, "X509_V_ERR");
	assert_int_equal(f->failed_session_count, 1);
	NOTES(r, NULL);
	tr_report_free(r);
}

/* test_many_members - a failure-details entry with more members than are
 * walked (over 16: looked up by hash) reads the same fields and drifted
 * names as a small one; 7 + extra members, 16 and 17 the boundary */
static void
test_many_members(void **state)
{
	static const size_t extra[] = { 0, 8, 9, 10, 30 };
	const struct tr_failure *f;
	struct tr_report *r;
	char body[4096];
	size_t i, k, o;

	(void)state;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		o = (size_t)snprintf(body, sizeof(body), "{");
		for (k = 0; k < extra[i]; k++)
			o += (size_t)snprintf(body + o, sizeof(body) - o,
			    "\"x-%zu\":%zu,", k, k);
		snprintf(body + o, sizeof(body) - o,
		    "\"result-type\":\"sts-webpki-invalid\","
		    "\"sending-mta-ip\":\"192.0.2.1\","
		    "\"receiving-mx-host-name\":\"mx.example.com\","
		    "\"receiving-ip\":\"2001:db8::25\","
		    "\"failed-session-count\":1,"
		    "\"additional-information\":\"https://example.org/a\","
		    "\"failure-reason-code\":\"X509_V_ERR\"}");
		r = ok_free(doc_detail(body));
		f = r->policies[0].failures;
		assert_string_equal(f->result_type, "sts-webpki-invalid");
		assert_string_equal(f->sending_mta_ip, "192.0.2.1");
		assert_string_equal(f->receiving_mx_hostname,
		    "mx.example.com");
		assert_string_equal(f->receiving_ip, "2001:db8::25");
		assert_int_equal(f->failed_session_count, 1);
		assert_string_equal(f->additional_information,
		    "https://example.org/a");
		assert_string_equal(f->failure_reason_code, "X509_V_ERR");
		assert_null(f->receiving_mx_helo);
		/* the drifted name, then one note per unknown member */
		assert_int_equal(r->notes.n + r->notes.dropped, 1 + extra[i]);
		assert_string_equal(r->notes.v[0], "policies[0]."
		    "failure-details[0]: \"receiving-mx-host-name\" read as "
		    "\"receiving-mx-hostname\"");
		tr_report_free(r);
	}
}

/* test_unknown_result_type - kept, flagged, noted */
static void
test_unknown_result_type(void **state)
{
	struct tr_report *r;

	r = ok_free(doc_detail("{\"result-type\":\"Certificate-Expired\","
	    "\"failed-session-count\":1}"));
	assert_string_equal(r->policies[0].failures[0].result_type,
	    "Certificate-Expired");
	assert_int_equal(r->policies[0].failures[0].result_type_known, 0);
	NOTES(r, "policies[0].failure-details[0]: unknown result-type "
	    "\"Certificate-Expired\"");
	tr_report_free(r);
}

/* test_result_type_known - the RFC 8460 6.6 registry and nothing else */
static void
test_result_type_known(void **state)
{
	static const char *const known[] = {
		"starttls-not-supported", "certificate-host-mismatch",
		"certificate-expired", "tlsa-invalid", "dnssec-invalid",
		"dane-required", "certificate-not-trusted",
		"sts-policy-invalid", "sts-webpki-invalid",
		"validation-failure", "sts-policy-fetch-error",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_int_equal(tr_result_type_known(known[i]), 1);
	assert_int_equal(tr_result_type_known("Testing"), 0);
	assert_int_equal(tr_result_type_known("certificate-expired "), 0);
	assert_int_equal(tr_result_type_known("CERTIFICATE-EXPIRED"), 0);
	assert_int_equal(tr_result_type_known(""), 0);
	assert_int_equal(tr_result_type_known(NULL), 0);
}

/* test_count_bounds - 0 and 2^53-1 accepted; "-0" reads as 0 */
static void
test_count_bounds(void **state)
{
	struct tr_report *r;

	r = ok_free(doc_summary("\"total-successful-session-count\":"
	    "9007199254740991,\"total-failure-session-count\":-0"));
	assert_int_equal(r->policies[0].successful_sessions,
	    INT64_C(9007199254740991));
	assert_int_equal(r->policies[0].failed_sessions, 0);
	tr_report_free(r);
}

/* test_depth_limit - nesting exactly at the limit passes, one more fails */
static void
test_depth_limit(void **state)
{
	struct tr_limits lim;
	struct tr_report *r;
	char deep[256], *s;
	int i, n;

	/* the top object is level 1: 15 empty arrays under it make 16 */
	n = 0;
	for (i = 0; i < 15; i++)
		deep[n++] = '[';
	for (i = 0; i < 15; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	assert_true(asprintf(&s, "{\"x\":%s,%s", deep, HEAD ITEM_OK TAIL + 1)
	    > 0);
	r = ok_free(s);
	NOTES(r, "unknown field \"x\" ignored");
	tr_report_free(r);

	assert_true(asprintf(&s, "{\"x\":[%s],%s", deep, HEAD ITEM_OK TAIL + 1)
	    > 0);
	bad_free(s, TR_ERR_JSON_DEPTH,
	    "JSON nested deeper than 16 levels at byte offset 20");

	/*
	 * A small configured limit. json-c counts every value on the path,
	 * scalars too: "sts" in policies[0].policy is at level 5.
	 */
	tr_limits_default(&lim);
	lim.max_json_depth = 3;
	bad_len(HEAD ITEM_OK TAIL, strlen(HEAD ITEM_OK TAIL), &lim, NULL,
	    TR_ERR_JSON_DEPTH,
	    "JSON nested deeper than 3 levels at byte offset 190");
	lim.max_json_depth = 4;
	bad_len(HEAD ITEM_OK TAIL, strlen(HEAD ITEM_OK TAIL), &lim, NULL,
	    TR_ERR_JSON_DEPTH,
	    "JSON nested deeper than 4 levels at byte offset 205");
	lim.max_json_depth = 5;
	r = NULL;
	assert_int_equal(tr_report_parse(HEAD ITEM_OK TAIL,
	    strlen(HEAD ITEM_OK TAIL), &lim, NULL, &r, NULL), TR_OK);
	tr_report_free(r);
}

/* test_limits - policies, failure details and string sizes */
static void
test_limits(void **state)
{
	struct tr_limits lim;
	struct tr_report *r;
	char *s;

	tr_limits_default(&lim);
	lim.max_policies = 2;
	s = doc(ITEM_OK "," ITEM_OK "," ITEM_OK);
	bad_len(s, strlen(s), &lim, NULL, TR_ERR_REPORT_LIMIT,
	    "policies: 3 entries, over the limit of 2");
	free(s);
	s = doc(ITEM_OK "," ITEM_OK);
	assert_int_equal(parse_full(s, strlen(s), &lim, NULL, &r, NULL),
	    TR_OK);
	assert_int_equal(r->npolicies, 2);
	tr_report_free(r);
	free(s);

	tr_limits_default(&lim);
	lim.max_failure_details = 1;
	s = doc("{" POLICY_STS "," SUMMARY("0", "2") ",\"failure-details\":["
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1},"
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1}]}");
	bad_len(s, strlen(s), &lim, NULL, TR_ERR_REPORT_LIMIT,
	    "policies[0].failure-details: 2 entries, over the limit of 1");
	free(s);

	/* failure details of all policies together, within the report's
	 * limit: two policies of two are over 3, of one and two are not */
	tr_limits_default(&lim);
	lim.max_report_details = 3;
#define TWO_DETAILS "{" POLICY_STS "," SUMMARY("0", "2") \
	    ",\"failure-details\":[" \
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1}," \
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1}]}"
#define ONE_DETAIL "{" POLICY_STS "," SUMMARY("0", "1") \
	    ",\"failure-details\":[" \
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1}]}"
	s = doc(TWO_DETAILS "," TWO_DETAILS);
	bad_len(s, strlen(s), &lim, NULL, TR_ERR_REPORT_LIMIT,
	    "policies: 4 failure-details in all, over the limit of 3 per "
	    "report");
	free(s);
	s = doc(ONE_DETAIL "," TWO_DETAILS);
	assert_int_equal(parse_full(s, strlen(s), &lim, NULL, &r, NULL),
	    TR_OK);
	assert_int_equal(r->policies[0].nfailures + r->policies[1].nfailures,
	    3);
	tr_report_free(r);
	free(s);
#undef TWO_DETAILS
#undef ONE_DETAIL

	tr_limits_default(&lim);
	lim.max_string = 3;
	s = replace(HEAD ITEM_OK TAIL, "\"Org\"", "\"Orga\"");
	bad_len(s, strlen(s), &lim, NULL, TR_ERR_REPORT_LIMIT,
	    "organization-name: string of 4 bytes, over the limit of 3");
	free(s);
	/* a policy-string entry is a string too */
	lim.max_string = 20;
	s = doc_policy("\"policy-type\":\"sts\",\"policy-domain\":\"e.com\","
	    "\"policy-string\":[\"short\",\"0123456789abcdefghijk\"]");
	bad_len(s, strlen(s), &lim, NULL, TR_ERR_REPORT_LIMIT,
	    "policies[0].policy.policy-string[1]: string of 21 bytes, over "
	    "the limit of 20");
	free(s);
}

/* test_duplicates - a repeated name anywhere is refused, with its place */
static void
test_duplicates(void **state)
{
	struct tr_report *r;
	char *s;

	s = replace(HEAD ITEM_OK TAIL, "\"report-id\":\"r1\"",
	    "\"report-id\":\"r1\",\"report-id\":\"r2\"");
	bad_free(s, TR_ERR_SCHEMA, "duplicate field \"report-id\"");
	bad_free(doc_summary("\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":0,"
	    "\"total-failure-session-count\":5"), TR_ERR_SCHEMA,
	    "policies[0].summary: duplicate field "
	    "\"total-failure-session-count\"");
	bad_free(doc(ITEM_OK "," ITEM_OK ",{" POLICY_STS "," POLICY_STS ","
	    SUMMARY("1", "0") "}"), TR_ERR_SCHEMA,
	    "policies[2]: duplicate field \"policy\"");
	/* the sender's names in the path are made printable */
	bad("{\"a\tb\":{\"k\":1,\"k\":2}}", TR_ERR_SCHEMA,
	    "a?b: duplicate field \"k\"");
	/* the same name in sibling objects, or inside strings, is fine */
	r = ok_free(doc(ITEM_OK "," ITEM_OK ",{" POLICY_STS ","
	    SUMMARY("1", "0") ",\"x\":\"{\\\"a\\\":1,\\\"a\\\":1}\"}"));
	assert_int_equal(r->npolicies, 3);
	NOTES(r, "policies[2]: unknown field \"x\" ignored");
	tr_report_free(r);
}

/* test_duplicates_big - objects past the one-by-one check are sorted */
static void
test_duplicates_big(void **state)
{
	char *s, *p;
	size_t i;

	/* 40 names, the last repeating the fourth, at the top level */
	s = malloc(40 * 16 + 1024);
	assert_non_null(s);
	p = s + sprintf(s, "{");
	for (i = 0; i < 40; i++)
		p += sprintf(p, "\"x%zu\":0,", i == 39 ? (size_t)3 : i);
	sprintf(p, "%s", HEAD ITEM_OK TAIL + 1);
	bad_free(s, TR_ERR_SCHEMA, "duplicate field \"x3\"");

	/* and inside policies[1].policy */
	s = malloc(40 * 16 + 1024);
	assert_non_null(s);
	p = s + sprintf(s, HEAD ITEM_OK ",{\"policy\":{");
	for (i = 0; i < 39; i++)
		p += sprintf(p, "\"p%zu\":1,", i);
	sprintf(p, "\"p20\":2}," SUMMARY("1", "0") "}" TAIL);
	bad_free(s, TR_ERR_SCHEMA, "policies[1].policy: duplicate field "
	    "\"p20\"");
}

/* many_names - a report whose first member has n names k0 ... k(n-1),
 * and then one more, dup, when not NULL (malloc'd) */
static char *
many_names(size_t n, const char *dup)
{
	size_t i, cap, o;
	char *s;

	cap = n * 16 + 1024;
	s = malloc(cap);
	assert_non_null(s);
	o = (size_t)sprintf(s, "{\"x\":{");
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "%s\"k%zu\":0", i > 0 ? "," : "", i);
	if (dup != NULL)
		o += (size_t)sprintf(s + o, ",\"%s\":1", dup);
	snprintf(s + o, cap - o, "},%s", HEAD ITEM_OK TAIL + 1);
	return s;
}

/* test_many_names - 160,000 names in one object: all distinct is fine, a
 * repeat of the first or of the last is found (how the check scales is a
 * benchmark's business, not a test's) */
static void
test_many_names(void **state)
{
	struct tr_report *r;

	r = ok_free(many_names(160000, NULL));
	NOTES(r, "unknown field \"x\" ignored");
	tr_report_free(r);
	bad_free(many_names(160000, "k0"), TR_ERR_SCHEMA,
	    "x: duplicate field \"k0\"");
	bad_free(many_names(160000, "k159999"), TR_ERR_SCHEMA,
	    "x: duplicate field \"k159999\"");
}

/* test_prefixes - every truncation of a real report is an error */
static void
test_prefixes(void **state)
{
	struct tr_report *r;
	struct tr_error err;
	unsigned char *buf;
	size_t len, n;

	buf = tu_read("corpus/dmarc-report-viewer__rfc-example.json", &len);
	/* stop where only the whitespace after the closing brace is cut */
	for (n = 0; n < len && buf[n + strspn((char *)buf + n, " \r\n")] !=
	    '\0'; n++) {
		r = (void *)1;
		assert_int_not_equal(parse_full((const char *)buf, n, NULL,
		    NULL, &r, &err), TR_OK);
		assert_null(r);
	}
	free(buf);
}

/* test_no_err - err may be NULL; out is still cleared */
static void
test_no_err(void **state)
{
	struct tr_report *r = (void *)1;

	assert_int_equal(tr_report_parse("[]", 2, NULL, NULL, &r, NULL),
	    TR_ERR_SCHEMA);
	assert_null(r);
	tr_report_free(NULL);
}

/* test_utf8_valid - every length of well-formed UTF-8 is kept intact */
static void
test_utf8_valid(void **state)
{
	/* U+00E4, U+20AC, U+D7FF, U+1F600, U+40000, U+10FFFF */
	static const char org[] = "Ex\xc3\xa4mple \xe2\x82\xac \xed\x9f\xbf "
	    "\xf0\x9f\x98\x80 \xf1\x80\x80\x80 \xf4\x8f\xbf\xbf";
	struct tr_report *r;
	char *s;

	assert_true(asprintf(&s, "{\"organization-name\":\"%s\"%s", org,
	    HEAD ITEM_OK TAIL + strlen("{\"organization-name\":\"Org\"")) >
	    0);
	r = ok_free(s);
	assert_string_equal(r->organization_name, org);
	NOTES(r, NULL);
	tr_report_free(r);
	/* an escaped lone surrogate becomes U+FFFD in json-c, not bad bytes */
	s = replace(HEAD ITEM_OK TAIL, "\"Org\"", "\"O\\ud800rg\"");
	r = ok_free(s);
	assert_string_equal(r->organization_name, "O\xef\xbf\xbdrg");
	tr_report_free(r);
}

/* test_big_report - hundreds of policies and details: the arena grows */
static void
test_big_report(void **state)
{
	const struct tr_policy *p;
	struct tr_report *r;
	size_t i, o, cap;
	char *s;

	cap = 300 * 600 + 1024;
	s = malloc(cap);
	assert_non_null(s);
	o = (size_t)sprintf(s, "%s", HEAD);
	for (i = 0; i < 300; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s{\"policy\":{"
		    "\"policy-type\":\"sts\","
		    "\"policy-domain\":\"D%zu.Example\","
		    "\"mx-host\":[\"mx: mx%zu.example\"]},"
		    "\"summary\":{\"total-successful-session-count\":%zu,"
		    "\"total-failure-session-count\":3},\"failure-details\":["
		    "{\"result-type\":\"dane-required\","
		    "\"failed-session-count\":1},"
		    "{\"result-type\":\"tlsa-invalid\","
		    "\"failed-session-count\":1},"
		    "{\"result-type\":\"x-new\",\"failed-session-count\":1}]}",
		    i > 0 ? "," : "", i, i, i);
	snprintf(s + o, cap - o, "%s", TAIL);
	r = ok_free(s);
	assert_int_equal(r->npolicies, 300);
	for (i = 0; i < 300; i += 299) {
		p = &r->policies[i];
		assert_int_equal(p->successful_sessions, i);
		assert_int_equal(p->nfailures, 3);
		assert_string_equal(p->failures[2].result_type, "x-new");
		assert_int_equal(p->failures[2].result_type_known, 0);
	}
	assert_string_equal(r->policies[0].policy_domain, "d0.example");
	assert_string_equal(r->policies[299].policy_domain, "d299.example");
	assert_string_equal(r->policies[299].mx_host_json,
	    "[\"mx299.example\"]");
	/* two notes per policy: the cap keeps 64 and counts the rest */
	assert_int_equal(r->notes.n, TR_NOTES_MAX);
	assert_int_equal(r->notes.dropped, 600 - TR_NOTES_MAX);
	tr_report_free(r);
}

/* test_sum_overflow - details adding up past INT64_MAX: noted, no wrap */
static void
test_sum_overflow(void **state)
{
	struct tr_report *r;
	size_t i, o, cap;
	char *s;

	cap = 1025 * 80 + 1024;
	s = malloc(cap);
	assert_non_null(s);
	o = (size_t)sprintf(s, HEAD "{" POLICY_STS "," SUMMARY("0", "1")
	    ",\"failure-details\":[");
	for (i = 0; i < 1025; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s{\"result-type\":"
		    "\"dane-required\",\"failed-session-count\":"
		    "9007199254740991}", i > 0 ? "," : "");
	snprintf(s + o, cap - o, "]}" TAIL);
	r = ok_free(s);
	assert_int_equal(r->policies[0].nfailures, 1025);
	NOTES(r, "policies[0]: failed-session-count of the failure-details "
	    "overflows, total-failure-session-count is 1");
	tr_report_free(r);
}

/* test_deep_duplicate - the duplicate scan past its first 32 levels */
static void
test_deep_duplicate(void **state)
{
	char *s, *msg, open[64], close[64], path[256];
	struct tr_limits lim;
	size_t i, o = 0;

	for (i = 0; i < 40; i++) {
		open[i] = '[';
		close[i] = ']';
		o += (size_t)sprintf(path + o, "[0]");
	}
	open[40] = close[40] = '\0';
	assert_true(asprintf(&s, "{\"x\":%s{\"a\":1,\"a\":2}%s,%s", open,
	    close, HEAD ITEM_OK TAIL + 1) > 0);
	assert_true(asprintf(&msg, "x%s: duplicate field \"a\"", path) > 0);
	tr_limits_default(&lim);
	lim.max_json_depth = 64;
	bad_len(s, strlen(s), &lim, NULL, TR_ERR_SCHEMA, msg);
	free(msg);
	free(s);
}

/* test_odd_limits - depth 0 is read as 1; NULL json is empty input */
static void
test_odd_limits(void **state)
{
	struct tr_limits lim;
	struct tr_report *r = (void *)1;
	struct tr_error err;

	tr_limits_default(&lim);
	lim.max_json_depth = 0;
	bad_len("{\"a\":1}", 7, &lim, NULL, TR_ERR_JSON_DEPTH,
	    "JSON nested deeper than 1 level at byte offset 5");
	assert_int_equal(tr_report_parse(NULL, 0, &lim, NULL, &r, &err),
	    TR_ERR_JSON);
	assert_string_equal(err.msg, "empty input");
	assert_null(r);
}

/* test_odd_values - long numbers cut in messages; near-miss encodings */
static void
test_odd_values(void **state)
{
	struct tr_report *r;

	bad_free(doc_summary("\"total-successful-session-count\":"
	    "1.0000000000000000000000000000000000000000000001,"
	    "\"total-failure-session-count\":0"), TR_ERR_SCHEMA,
	    "policies[0].summary.total-successful-session-count: expected a "
	    "non-negative integer, got "
	    "1.00000000000000000000000000000000000000...");
	/* an array followed by more text is not an encoded array */
	r = ok_free(doc_policy("\"policy-type\":\"tlsa\","
	    "\"policy-string\":[\"[\\\"a\\\"] x\"],"
	    "\"policy-domain\":\"e.com\""));
	assert_string_equal(r->policies[0].policy_string_json,
	    "[\"[\\\"a\\\"] x\"]");
	NOTES(r, NULL);
	tr_report_free(r);
	/* upper case alone (no trailing dot) is folded too */
	r = ok_free(doc_policy("\"policy-type\":\"sts\","
	    "\"policy-domain\":\"Example.com\""));
	assert_string_equal(r->policies[0].policy_domain, "example.com");
	tr_report_free(r);
}

/* ---- malformed input: exact code and message ---- */

struct bad_case {
	const char *name;
	const char *json;	/* NULL: built in the test */
	enum tr_err code;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", TR_ERR_JSON, "empty input" },
	{ "whitespace", " \r\n\t ", TR_ERR_JSON, "empty input" },
	{ "array top", "[]", TR_ERR_SCHEMA,
	    "expected a JSON object at the top level, got an array" },
	{ "null top", "null", TR_ERR_SCHEMA,
	    "expected a JSON object at the top level, got null" },
	{ "string top", "\"tlsrpt\"", TR_ERR_SCHEMA,
	    "expected a JSON object at the top level, got \"tlsrpt\"" },
	{ "number top", "12", TR_ERR_SCHEMA,
	    "expected a JSON object at the top level, got 12" },
	{ "trailing garbage", "{} x", TR_ERR_JSON,
	    "JSON syntax error at byte offset 3: unexpected character" },
	{ "two objects", "{}{}", TR_ERR_JSON,
	    "JSON syntax error at byte offset 2: unexpected character" },
	{ "truncated", "{\"organization-name\":", TR_ERR_JSON,
	    "JSON syntax error at byte offset 21: unexpected end of data" },
	{ "trailing comma", "{\"a\":1,}", TR_ERR_JSON,
	    "JSON syntax error at byte offset 7: unexpected character" },
	{ "bad escape", "{\"a\":\"\\x\"}", TR_ERR_JSON,
	    "JSON syntax error at byte offset 7: invalid string sequence" },
	{ "invalid UTF-8 byte", "{\"a\":\"\xff\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xff\"" },
	{ "lone continuation", "{\"a\":\"x\x80\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 7: \"\\x80\"" },
	{ "overlong slash", "{\"a\":\"\xc0\xaf\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xc0\\xaf\"" },
	{ "overlong 3-byte", "{\"a\":\"\xe0\x80\xaf\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xe0\\x80\\xaf\"" },
	{ "overlong 4-byte", "{\"a\":\"\xf0\x8f\xbf\xbf\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xf0\\x8f\\xbf\\xbf\"" },
	{ "5-byte lead", "{\"a\":\"\xf8\x88\x80\x80\x80\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xf8\\x88\\x80\\x80\"" },
	{ "surrogate", "{\"a\":\"\xed\xa0\x80\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xed\\xa0\\x80\"" },
	{ "past U+10FFFF", "{\"a\":\"\xf4\x90\x80\x80\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xf4\\x90\\x80\\x80\"" },
	{ "cut sequence", "{\"a\":\"\xe2\x82\"}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 6: \"\\xe2\\x82\"" },
	{ "UTF-8 in a name", "{\"\xc3\x28\":1}", TR_ERR_UTF8,
	    "invalid UTF-8 at byte offset 2: \"\\xc3\"" },
};

/* test_bad_table - the table above */
static void
test_bad_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		print_message("  %s\n", bad_cases[i].name);
		bad(bad_cases[i].json, bad_cases[i].code, bad_cases[i].msg);
	}
}

/* test_nul_bytes - a raw NUL in the text; "\u0000" in a stored string */
static void
test_nul_bytes(void **state)
{
	static const char raw[] = "{\"a\":\"x\0y\"}";
	char *s;

	bad_len(raw, sizeof(raw) - 1, NULL, NULL, TR_ERR_JSON,
	    "NUL byte at byte offset 7");
	bad_len("{}\0garbage", 10, NULL, NULL, TR_ERR_JSON,
	    "NUL byte at byte offset 2");
	s = replace(HEAD ITEM_OK TAIL, "\"Org\"", "\"O\\u0000rg\"");
	bad_free(s, TR_ERR_SCHEMA, "organization-name: string contains a NUL "
	    "character: \"O\\x00rg\"");
	bad_free(doc_detail("{\"result-type\":\"dane-required\","
	    "\"failed-session-count\":1,"
	    "\"receiving-mx-hostname\":\"mx\\u0000.evil\"}"), TR_ERR_SCHEMA,
	    "policies[0].failure-details[0].receiving-mx-hostname: string "
	    "contains a NUL character: \"mx\\x00.evil\"");
	bad_free(doc_policy("\"policy-type\":\"sts\","
	    "\"policy-domain\":\"a.com\\u0000b.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.policy-domain: string contains a NUL "
	    "character: \"a.com\\x00b.com\"");
}

/* test_top_fields - wrong types and values of the report metadata */
static void
test_top_fields(void **state)
{
	char *s;

	s = replace(HEAD ITEM_OK TAIL, "\"Org\"", "12");
	bad_free(s, TR_ERR_SCHEMA,
	    "organization-name: expected a string, got 12");
	s = replace(HEAD ITEM_OK TAIL, "\"Org\"", "\"\"");
	bad_free(s, TR_ERR_SCHEMA,
	    "organization-name: expected a non-empty string, got \"\"");
	s = replace(HEAD ITEM_OK TAIL, "\"Org\"", "null");
	bad_free(s, TR_ERR_SCHEMA,
	    "organization-name: expected a string, got null");
	s = replace(HEAD ITEM_OK TAIL, "\"r1\"", "5");
	bad_free(s, TR_ERR_SCHEMA, "report-id: expected a string, got 5");
	s = replace(HEAD ITEM_OK TAIL, "\"r1\"", "{\"id\":1}");
	bad_free(s, TR_ERR_SCHEMA, "report-id: expected a string, got an "
	    "object");
	s = replace(HEAD ITEM_OK TAIL, "\"policies\":[" ITEM_OK "]",
	    "\"policies\":" ITEM_OK);
	bad_free(s, TR_ERR_SCHEMA, "policies: expected an array, got an "
	    "object");
	s = replace(HEAD ITEM_OK TAIL, "\"policies\":[" ITEM_OK "]",
	    "\"policies\":null");
	bad_free(s, TR_ERR_SCHEMA, "policies: expected an array, got null");
	bad_free(doc("\"sts\""), TR_ERR_SCHEMA,
	    "policies[0]: expected an object, got \"sts\"");
	bad_free(doc(ITEM_OK ",[]"), TR_ERR_SCHEMA,
	    "policies[1]: expected an object, got an array");
}

/* test_range_fields - date-range shape and date-time values */
static void
test_range_fields(void **state)
{
	char *s;

	s = replace(HEAD ITEM_OK TAIL, "{\"start-datetime\":\"2024-01-01T00:00:"
	    "00Z\",\"end-datetime\":\"2024-01-01T23:59:59Z\"}", "\"today\"");
	bad_free(s, TR_ERR_SCHEMA,
	    "date-range: expected an object, got \"today\"");
	bad_free(doc_range("\"start-datetime\":20240101,"
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\""), TR_ERR_SCHEMA,
	    "date-range.start-datetime: expected a string, got 20240101");
	bad_free(doc_range("\"start-datetime\":\"2024-13-01T00:00:00Z\","
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\""), TR_ERR_SCHEMA,
	    "date-range.start-datetime: not an RFC 3339 date-time: "
	    "\"2024-13-01T00:00:00Z\" (month out of range)");
	bad_free(doc_range("\"start-datetime\":\"2024-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2023-02-30T00:00:00Z\""), TR_ERR_SCHEMA,
	    "date-range.end-datetime: not an RFC 3339 date-time: "
	    "\"2023-02-30T00:00:00Z\" (day out of range for the month)");
	bad_free(doc_range("\"start-datetime\":\"2024-01-01T24:00:00Z\","
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\""), TR_ERR_SCHEMA,
	    "date-range.start-datetime: not an RFC 3339 date-time: "
	    "\"2024-01-01T24:00:00Z\" (hour out of range)");
	bad_free(doc_range("\"start-datetime\":\"2024-01-01T00:00:00+05:3x\","
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\""), TR_ERR_SCHEMA,
	    "date-range.start-datetime: not an RFC 3339 date-time: "
	    "\"2024-01-01T00:00:00+05:3x\"");
	bad_free(doc_range("\"start-datetime\":\"2024-01-01T00:00:00+0530\","
	    "\"end-datetime\":\"2024-01-01T23:59:59Z\""), TR_ERR_SCHEMA,
	    "date-range.start-datetime: not an RFC 3339 date-time: "
	    "\"2024-01-01T00:00:00+0530\"");
	bad_free(doc_range("\"start-datetime\":\"2024-01-02T00:00:00Z\","
	    "\"end-datetime\":\"2024-01-01T00:00:00Z\""), TR_ERR_SCHEMA,
	    "date-range: end-datetime 2024-01-01T00:00:00Z is before "
	    "start-datetime 2024-01-02T00:00:00Z");
	/* before only once converted to UTC */
	bad_free(doc_range("\"start-datetime\":\"2024-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2024-01-01T00:30:00+01:00\""), TR_ERR_SCHEMA,
	    "date-range: end-datetime 2023-12-31T23:30:00Z is before "
	    "start-datetime 2024-01-01T00:00:00Z");
	bad_free(doc_range("\"start-datetime\":\"2024-01-01T00:00:00Z\","
	    "\"end-datetime\":\"\""), TR_ERR_SCHEMA,
	    "date-range.end-datetime: not an RFC 3339 date-time: \"\"");
}

/* ip_noted - a failure detail whose field holds value, not an address:
 * stored without it, noted */
static void
ip_noted(const char *field, const char *value)
{
	struct tr_report *r;
	char *s, note[256];

	assert_true(asprintf(&s, "{\"result-type\":\"dane-required\","
	    "\"%s\":\"%s\",\"failed-session-count\":1}", field, value) > 0);
	r = ok_free(doc_detail(s));
	free(s);
	assert_null(r->policies[0].failures[0].sending_mta_ip);
	assert_null(r->policies[0].failures[0].receiving_ip);
	snprintf(note, sizeof(note), "policies[0].failure-details[0].%s: not "
	    "an IPv4 or IPv6 address: \"%s\", read as absent", field, value);
	NOTES(r, note);
	tr_report_free(r);
}

/* test_policy_fields - the policy object */
static void
test_policy_fields(void **state)
{
	struct tr_report *r;

	bad_free(doc("{" SUMMARY("1", "0") "}"), TR_ERR_SCHEMA,
	    "policies[0]: missing required field \"policy\"");
	bad_free(doc("{" POLICY_STS "}"), TR_ERR_SCHEMA,
	    "policies[0]: missing required field \"summary\"");
	bad_free(doc("{\"policy\":[]," SUMMARY("1", "0") "}"), TR_ERR_SCHEMA,
	    "policies[0].policy: expected an object, got an array");
	bad_free(doc("{" POLICY_STS ",\"summary\":5}"), TR_ERR_SCHEMA,
	    "policies[0].summary: expected an object, got 5");
	bad_free(doc_policy("\"policy-domain\":\"example.com\""),
	    TR_ERR_SCHEMA,
	    "policies[0].policy: missing required field \"policy-type\"");
	bad_free(doc_policy("\"policy-type\":\"tls\","
	    "\"policy-domain\":\"example.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.policy-type: expected \"tlsa\", \"sts\" or "
	    "\"no-policy-found\", got \"tls\"");
	bad_free(doc_policy("\"policy-type\":\"STS\","
	    "\"policy-domain\":\"example.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.policy-type: expected \"tlsa\", \"sts\" or "
	    "\"no-policy-found\", got \"STS\"");
	bad_free(doc_policy("\"policy-type\":1,"
	    "\"policy-domain\":\"example.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.policy-type: expected a string, got 1");
	bad_free(doc_policy("\"policy-type\":\"sts\",\"policy-string\":5,"
	    "\"policy-domain\":\"example.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.policy-string: expected an array of strings, "
	    "got 5");
	bad_free(doc_policy("\"policy-type\":\"sts\",\"policy-string\":"
	    "[\"version: STSv1\",1],\"policy-domain\":\"example.com\""),
	    TR_ERR_SCHEMA,
	    "policies[0].policy.policy-string[1]: expected a string, got 1");
	bad_free(doc_policy("\"policy-type\":\"sts\",\"mx-host\":{},"
	    "\"policy-domain\":\"example.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.mx-host: expected an array of strings, got an "
	    "object");
	bad_free(doc_policy("\"policy-type\":\"sts\",\"mx-host\":[null],"
	    "\"policy-domain\":\"example.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.mx-host[0]: expected a string, got null");
	bad_free(doc_policy("\"policy-type\":\"sts\",\"mx-host-pattern\":true,"
	    "\"policy-domain\":\"example.com\""), TR_ERR_SCHEMA,
	    "policies[0].policy.mx-host-pattern: expected an array of "
	    "strings, got true");
	/* "" is no domain (noted; test_dev9_policy_domain), not a fault */
	r = ok_free(doc_policy("\"policy-type\":\"sts\",\"policy-domain\":\"\""));
	assert_null(r->policies[0].policy_domain);
	tr_report_free(r);
	bad_free(doc_policy("\"policy-type\":\"sts\",\"policy-domain\":\".\""),
	    TR_ERR_SCHEMA, "policies[0].policy.policy-domain: expected a "
	    "domain name, got \".\"");
	bad_free(doc_policy("\"policy-type\":\"sts\",\"policy-domain\":5"),
	    TR_ERR_SCHEMA,
	    "policies[0].policy.policy-domain: expected a string, got 5");
}

/* test_counts - every non-count refused, naming type and value */
static void
test_counts(void **state)
{
	static const struct {
		const char *val, *msg;
	} cases[] = {
		{ "\"12\"", "expected a non-negative integer, got \"12\"" },
		{ "-1", "expected a non-negative integer, got -1" },
		{ "1.5", "expected a non-negative integer, got 1.5" },
		{ "1.0", "expected a non-negative integer, got 1.0" },
		{ "1e2", "expected a non-negative integer, got 1e2" },
		{ "1e30", "expected a non-negative integer, got 1e30" },
		{ "true", "expected a non-negative integer, got true" },
		{ "false", "expected a non-negative integer, got false" },
		{ "null", "expected a non-negative integer, got null" },
		{ "NaN", "expected a non-negative integer, got NaN" },
		{ "Infinity", "expected a non-negative integer, got Infinity" },
		{ "-Infinity",
		    "expected a non-negative integer, got -Infinity" },
		{ "[]", "expected a non-negative integer, got an array" },
		{ "{}", "expected a non-negative integer, got an object" },
		{ "9007199254740992", "count out of range (maximum "
		    "9007199254740991), got 9007199254740992" },
		{ "9223372036854775807", "count out of range (maximum "
		    "9007199254740991), got 9223372036854775807" },
		{ "9223372036854775808", "count out of range (maximum "
		    "9007199254740991), got 9223372036854775808" },
		{ "18446744073709551614", "count out of range (maximum "
		    "9007199254740991), got 18446744073709551614" },
		{ "99999999999999999999", "count out of range (maximum "
		    "9007199254740991), got 18446744073709551615 or more" },
		{ "-9223372036854775809", "expected a non-negative integer, "
		    "got -9223372036854775808 or less" },
	};
	char *fields, *msg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("  count %s\n", cases[i].val);
		assert_true(asprintf(&fields, "\"total-successful-session-"
		    "count\":1,\"total-failure-session-count\":%s",
		    cases[i].val) > 0);
		assert_true(asprintf(&msg, "policies[0].summary."
		    "total-failure-session-count: %s", cases[i].msg) > 0);
		bad_free(doc_summary(fields), TR_ERR_SCHEMA, msg);
		free(fields);
		free(msg);
	}
	/* the contract's own example */
	bad_free(doc(ITEM_OK ",{" POLICY_STS ",\"summary\":{"
	    "\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":\"12\"}}"), TR_ERR_SCHEMA,
	    "policies[1].summary.total-failure-session-count: expected a "
	    "non-negative integer, got \"12\"");
	bad_free(doc_summary("\"total-failure-session-count\":0"),
	    TR_ERR_SCHEMA, "policies[0].summary: missing required field "
	    "\"total-successful-session-count\"");
	bad_free(doc_detail("{\"result-type\":\"dane-required\","
	    "\"failed-session-count\":-3}"), TR_ERR_SCHEMA,
	    "policies[0].failure-details[0].failed-session-count: expected a "
	    "non-negative integer, got -3");
}

/* test_failure_errors - failure-details shape and fields */
static void
test_failure_errors(void **state)
{
	bad_free(doc("{" POLICY_STS "," SUMMARY("0", "1")
	    ",\"failure-details\":{}}"), TR_ERR_SCHEMA,
	    "policies[0].failure-details: expected an array, got an object");
	bad_free(doc_detail("1"), TR_ERR_SCHEMA,
	    "policies[0].failure-details[0]: expected an object, got 1");
	bad_free(doc_detail("{\"failed-session-count\":1}"), TR_ERR_SCHEMA,
	    "policies[0].failure-details[0]: missing required field "
	    "\"result-type\"");
	bad_free(doc_detail("{\"result-type\":5,\"failed-session-count\":1}"),
	    TR_ERR_SCHEMA, "policies[0].failure-details[0].result-type: "
	    "expected a string, got 5");
	bad_free(doc_detail(
	    "{\"result-type\":\"\",\"failed-session-count\":1}"),
	    TR_ERR_SCHEMA, "policies[0].failure-details[0].result-type: "
	    "expected a non-empty string, got \"\"");
	bad_free(doc_detail("{\"result-type\":\"dane-required\"}"),
	    TR_ERR_SCHEMA, "policies[0].failure-details[0]: missing required "
	    "field \"failed-session-count\"");
	ip_noted("sending-mta-ip", "x.x.x.x");
	ip_noted("receiving-ip", "2001:db8:::1");
	ip_noted("receiving-ip", "fe80::1%eth0");
	ip_noted("sending-mta-ip", "192.0.2.1 ");
	ip_noted("sending-mta-ip", "256.0.0.1");
	ip_noted("sending-mta-ip", " ");
	bad_free(doc_detail("{\"result-type\":\"dane-required\","
	    "\"sending-mta-ip\":3232235777,\"failed-session-count\":1}"),
	    TR_ERR_SCHEMA, "policies[0].failure-details[0].sending-mta-ip: "
	    "expected a string, got 3232235777");
	bad_free(doc_detail("{\"result-type\":\"dane-required\","
	    "\"failed-session-count\":1,\"receiving-mx-helo\":[\"a\"]}"),
	    TR_ERR_SCHEMA, "policies[0].failure-details[0].receiving-mx-helo: "
	    "expected a string, got an array");
	bad_free(doc_detail("{\"result-type\":\"dane-required\","
	    "\"failed-session-count\":1,\"failure-error-code\":7}"),
	    TR_ERR_SCHEMA, "policies[0].failure-details[0].failure-error-code: "
	    "expected a string, got 7");
}

/* main - run every report test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_complete),
		cmocka_unit_test(test_corpus_details),
		cmocka_unit_test(test_invalid_corpus),
		cmocka_unit_test(test_microsoft_monitor_quirks),
		cmocka_unit_test(test_rpt03_policy_type),
		cmocka_unit_test(test_dev1_no_zone),
		cmocka_unit_test(test_dev2_tlsa_encoded),
		cmocka_unit_test(test_dev3_tlsa_and_sts),
		cmocka_unit_test(test_dev4_fetch_error_odd_id),
		cmocka_unit_test(test_dev6_mx_host),
		cmocka_unit_test(test_dev7_field_names),
		cmocka_unit_test(test_dev8_contact_info),
		cmocka_unit_test(test_dev9_policy_domain),
		cmocka_unit_test(test_dev19_domain_from_others),
		cmocka_unit_test(test_dev21_empty_optional),
		cmocka_unit_test(test_dev22_drifted_names),
		cmocka_unit_test(test_dev10_empty_arrays),
		cmocka_unit_test(test_dev11_sum_mismatch),
		cmocka_unit_test(test_dev12_range_ends),
		cmocka_unit_test(test_dev16_policy_string_cr),
		cmocka_unit_test(test_no_policies),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_notes_cap),
		cmocka_unit_test(test_optional_nulls),
		cmocka_unit_test(test_failure_fields),
		cmocka_unit_test(test_many_members),
		cmocka_unit_test(test_unknown_result_type),
		cmocka_unit_test(test_result_type_known),
		cmocka_unit_test(test_count_bounds),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_duplicates_big),
		cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_no_err),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_big_report),
		cmocka_unit_test(test_sum_overflow),
		cmocka_unit_test(test_deep_duplicate),
		cmocka_unit_test(test_odd_limits),
		cmocka_unit_test(test_odd_values),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_top_fields),
		cmocka_unit_test(test_range_fields),
		cmocka_unit_test(test_policy_fields),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_failure_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
