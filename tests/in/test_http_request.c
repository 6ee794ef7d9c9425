/* test_http_request.c - the HTTP endpoint's classifier and its replies */
#include "testutil.h"

#include "daemon.h"
#include "http_request.h"
#include "limits.h"
#include "pipeline.h"

static const unsigned char json_body[] = "{\"organization-name\":\"x\"}";
static const unsigned char gzip_body[] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0 };

/* classify - one request against path "/tlsrpt" and the default limits */
static void
classify(const char *method, const char *uri, const char *ctype,
    const char *cenc, const unsigned char *body, size_t len,
    struct tr_http_decision *d)
{
	struct tr_http_request rq;
	struct tr_limits lim;

	tr_limits_default(&lim);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.uri = uri;
	rq.content_type = ctype;
	rq.content_encoding = cenc;
	rq.body = body;
	rq.len = len;
	tr_http_classify(&rq, "/tlsrpt", &lim, d);
}

#define JSON	json_body, sizeof(json_body) - 1
#define GZIP	gzip_body, sizeof(gzip_body)

static void
test_rfc_types(void **state)
{
	struct tr_http_decision d;

	classify("POST", "/tlsrpt", "application/tlsrpt+gzip", NULL, GZIP, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_int_equal(d.kind, TR_INPUT_REPORT);
	assert_string_equal(d.media_type, "application/tlsrpt+gzip");
	assert_string_equal(d.note, "");

	classify("POST", "/tlsrpt", "Application/TLSRPT+JSON; charset=utf-8",
	    NULL, JSON, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_string_equal(d.media_type, "application/tlsrpt+json");
	assert_string_equal(d.note, "");

	/* a query string and the absolute form name the same resource */
	classify("POST", "/tlsrpt?x=1", "application/tlsrpt+json", NULL, JSON,
	    &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	classify("POST", "HTTPS://mta.example/tlsrpt", "application/tlsrpt+json",
	    NULL, JSON, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	/* HTTP-level gzip of a JSON report is plain HTTP, not a deviation */
	classify("POST", "/tlsrpt", "application/tlsrpt+json", "gzip", GZIP, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_string_equal(d.note, "");
}

static void
test_tolerated_with_note(void **state)
{
	struct tr_http_decision d;

	classify("POST", "/tlsrpt", "application/json", NULL, JSON, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_string_equal(d.note, "non-RFC media type application/json "
	    "for the HTTP report");

	classify("POST", "/tlsrpt", "application/tlsrpt+json", NULL, GZIP, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_string_equal(d.note, "HTTP report declared as JSON "
	    "(application/tlsrpt+json) but holds gzip");

	classify("POST", "/tlsrpt", "application/json", NULL, GZIP, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_string_equal(d.note, "non-RFC media type application/json "
	    "for the HTTP report; HTTP report declared as JSON "
	    "(application/json) but holds gzip");

	classify("POST", "/tlsrpt", "application/tlsrpt+gzip", NULL, JSON, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_non_null(strstr(d.note, "declared as gzip"));

	classify("POST", "/tlsrpt", "application/octet-stream", NULL, GZIP, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_string_equal(d.note, "non-RFC media type "
	    "application/octet-stream for the HTTP report");

	classify("POST", "/tlsrpt", NULL, NULL, JSON, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
	assert_string_equal(d.note, "HTTP report without a Content-Type");
}

static void
test_refusals(void **state)
{
	struct tr_http_decision d;
	struct tr_http_request rq;
	struct tr_limits lim;

	classify("POST", "/tlsrpt", "text/plain", NULL, JSON, &d);
	assert_int_equal(d.action, TR_HTTP_REFUSE);
	assert_int_equal(d.status, 415);
	assert_string_equal(d.reason_class, "media-type");
	assert_non_null(strstr(d.reason, "text/plain"));

	classify("POST", "/tlsrpt", "application/tlsrpt+json", "br", JSON, &d);
	assert_int_equal(d.status, 415);
	assert_string_equal(d.reason_class, "content-encoding");
	classify("POST", "/tlsrpt", "application/tlsrpt+json", "gzip, gzip",
	    JSON, &d);
	assert_int_equal(d.status, 415);

	classify("POST", "/tlsrpt", "application/tlsrpt+json", NULL, json_body,
	    0, &d);
	assert_int_equal(d.status, 400);
	assert_string_equal(d.reason_class, "empty");

	classify("GET", "/tlsrpt", NULL, NULL, NULL, 0, &d);
	assert_int_equal(d.status, 405);
	assert_string_equal(d.allow, "POST");
	classify("PUT", "/tlsrpt", "application/tlsrpt+json", NULL, JSON, &d);
	assert_int_equal(d.status, 405);

	classify("POST", "/tlsrpt/", "application/tlsrpt+json", NULL, JSON, &d);
	assert_int_equal(d.status, 404);
	classify("POST", "/other", "application/tlsrpt+json", NULL, JSON, &d);
	assert_int_equal(d.status, 404);
	assert_string_equal(d.reason_class, "not-found");
	classify("OPTIONS", "*", NULL, NULL, NULL, 0, &d);
	assert_int_equal(d.status, 400);

	/* one byte over message_size_limit */
	tr_limits_default(&lim);
	lim.max_message = sizeof(json_body) - 2;
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.uri = "/tlsrpt";
	rq.content_type = "application/tlsrpt+json";
	rq.body = json_body;
	rq.len = sizeof(json_body) - 1;
	tr_http_classify(&rq, "/tlsrpt", &lim, &d);
	assert_int_equal(d.status, 413);
	assert_string_equal(d.reason_class, "too-large");
	lim.max_message = sizeof(json_body) - 1;
	tr_http_classify(&rq, "/tlsrpt", &lim, &d);
	assert_int_equal(d.action, TR_HTTP_SUBMIT);
}

static void
test_untrusted_values_quoted(void **state)
{
	struct tr_http_decision d;
	struct tr_http_reply r;
	char longtype[400];

	classify("POST", "/tlsrpt", "text/\x01\xff", NULL, JSON, &d);
	assert_int_equal(d.status, 415);
	assert_non_null(strstr(d.reason, "\\x01\\xff"));

	memset(longtype, 'a', sizeof(longtype) - 1);
	longtype[sizeof(longtype) - 1] = '\0';
	classify("POST", "/tlsrpt", longtype, NULL, JSON, &d);
	assert_int_equal(d.status, 415);
	assert_true(strlen(d.reason) < 200);

	classify("GET", "/\r\nX-Evil: 1", NULL, NULL, NULL, 0, &d);
	assert_int_equal(d.status, 404);
	tr_http_decision_reply(&d, 1, &r);
	assert_null(strchr(r.body, '\r'));
	assert_ptr_equal(strchr(r.body, '\n'), r.body + strlen(r.body) - 1);
}

static void
test_health(void **state)
{
	struct tr_http_decision d;
	struct tr_http_reply r;

	classify("GET", "/healthz", NULL, NULL, NULL, 0, &d);
	assert_int_equal(d.action, TR_HTTP_HEALTH);
	tr_http_decision_reply(&d, 1, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	tr_http_decision_reply(&d, 0, &r);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "stopping\n");
	/* the store: named, never its path or error */
	tr_http_health_reply(1, 0, &r);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "store unreachable\n");
	tr_http_health_reply(0, 0, &r);
	assert_string_equal(r.body, "stopping\n");
	tr_http_health_reply(1, 1, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	classify("HEAD", "/healthz?probe", NULL, NULL, NULL, 0, &d);
	assert_int_equal(d.action, TR_HTTP_HEALTH);
	classify("POST", "/healthz", NULL, NULL, JSON, &d);
	assert_int_equal(d.status, 405);
	assert_string_equal(d.allow, "GET, HEAD");
}

static void
test_verdict_replies(void **state)
{
	struct tr_verdict v;
	struct tr_http_reply r;

	memset(&v, 0, sizeof(v));
	v.outcome = TR_OUTCOME_STORED;
	tr_http_verdict_reply(&v, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.phrase, "OK");
	assert_int_equal(r.retry_after, 0);

	v.outcome = TR_OUTCOME_DUPLICATE;
	tr_http_verdict_reply(&v, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "already stored\n");

	v.outcome = TR_OUTCOME_QUARANTINED;
	tr_error_set(&v.err, TR_ERR_SCHEMA, "policies[0].summary: missing");
	tr_http_verdict_reply(&v, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body, "not a valid TLS report (schema): "
	    "policies[0].summary: missing\n");

	tr_error_set(&v.err, TR_ERR_NOMEM, "out of memory");
	tr_http_verdict_reply(&v, &r);
	assert_int_equal(r.status, 503);
	assert_true(r.retry_after > 0);

	v.outcome = TR_OUTCOME_TEMPFAIL;
	tr_error_set(&v.err, TR_ERR_STORE, "/var/lib/tlsrptd/tlsrptd.db: "
	    "commit: database or disk is full");
	tr_http_verdict_reply(&v, &r);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.phrase, "Service Unavailable");
	assert_true(r.retry_after > 0);
	assert_null(strstr(r.body, "/var/lib"));
	assert_non_null(strstr(r.body, "database or disk is full"));

	tr_http_busy_reply(TR_SUBMIT_FULL, &r);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "overloaded"));
	tr_http_busy_reply(TR_SUBMIT_CLOSED, &r);
	assert_non_null(strstr(r.body, "shutting down"));
}

static void
test_forwarded_addr(void **state)
{
	char a[64];

	assert_int_equal(tr_http_forwarded_addr("203.0.113.7", a, sizeof(a)), 0);
	assert_string_equal(a, "203.0.113.7");
	assert_int_equal(tr_http_forwarded_addr("198.51.100.1, 203.0.113.7 ",
	    a, sizeof(a)), 0);
	assert_string_equal(a, "203.0.113.7");
	assert_int_equal(tr_http_forwarded_addr("a, 203.0.113.7:8443", a,
	    sizeof(a)), 0);
	assert_string_equal(a, "203.0.113.7");
	assert_int_equal(tr_http_forwarded_addr("2001:DB8:0::1", a, sizeof(a)),
	    0);
	assert_string_equal(a, "2001:db8::1");
	assert_int_equal(tr_http_forwarded_addr("[2001:db8::1]:443", a,
	    sizeof(a)), 0);
	assert_string_equal(a, "2001:db8::1");
	assert_int_equal(tr_http_forwarded_addr("[::1]", a, sizeof(a)), 0);
	assert_string_equal(a, "::1");

	assert_int_equal(tr_http_forwarded_addr("203.0.113.7, unknown", a,
	    sizeof(a)), -1);
	assert_string_equal(a, "");
	assert_int_equal(tr_http_forwarded_addr("", a, sizeof(a)), -1);
	assert_int_equal(tr_http_forwarded_addr("1.2.3.4:x", a, sizeof(a)), -1);
	assert_int_equal(tr_http_forwarded_addr("[::1]x", a, sizeof(a)), -1);
	assert_int_equal(tr_http_forwarded_addr("[::1", a, sizeof(a)), -1);
	assert_int_equal(tr_http_forwarded_addr("1.2.3.4.5", a, sizeof(a)), -1);
	assert_int_equal(tr_http_forwarded_addr(NULL, a, sizeof(a)), -1);
}

/* the classifier's note reaches the report through the pipeline */
static void
test_analysis_note(void **state)
{
	struct tr_analysis a;
	struct tr_limits lim;
	unsigned char *buf;
	size_t len, i;
	int found = 0;

	tr_limits_default(&lim);
	buf = tu_read("corpus/parsedmarc__rfc8460.json", &len);
	tr_analyse(buf, len, TR_INPUT_REPORT, "application/json", &lim, &a);
	assert_int_equal(a.nitems, 1);
	assert_non_null(a.items[0].report);
	tr_analysis_note(&a, "non-RFC media type application/json for the "
	    "HTTP report");
	for (i = 0; i < a.items[0].report->notes.n; i++)
		found += strcmp(a.items[0].report->notes.v[i], "non-RFC media "
		    "type application/json for the HTTP report") == 0;
	assert_int_equal(found, 1);
	tr_analysis_free(&a);

	/* an invalid body stays invalid, with its own reason */
	tr_analyse((const unsigned char *)"{", 1, TR_INPUT_REPORT, NULL, &lim,
	    &a);
	tr_analysis_note(&a, "a note");
	assert_null(a.items[0].report);
	assert_int_equal(a.items[0].err.code, TR_ERR_JSON);
	tr_analysis_free(&a);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_types),
		cmocka_unit_test(test_tolerated_with_note),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_untrusted_values_quoted),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_verdict_replies),
		cmocka_unit_test(test_forwarded_addr),
		cmocka_unit_test(test_analysis_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
