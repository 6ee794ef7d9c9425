/* test_outcome.c - every verdict to its SMTP, milter and HTTP reply and to
 * its log line, the refusal lines of each way in, the public reason */
#include "testutil.h"

#include "log.h"
#include "outcome.h"
#include "pipeline.h"

struct fx {
	char dir[64];
	char log[128];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-outcome-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	assert_int_equal(tr_log_open(fx->log, TR_LOG_INFO), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tr_log_close();
	tu_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* last_line - the log's last line from "level" on (the time varies);
 * free it */
static char *
last_line(struct fx *fx)
{
	unsigned char *log;
	size_t len;
	char *nl, *start, *out;

	log = tu_read(fx->log, &len);
	assert_true(len > 0 && log[len - 1] == '\n');
	log[len - 1] = '\0';
	nl = strrchr((char *)log, '\n');
	start = nl != NULL ? nl + 1 : (char *)log;
	assert_true(strncmp(start, "{\"time\":\"", 9) == 0);
	start = strstr(start, "\"level\"");
	assert_non_null(start);
	out = strdup(start);
	free(log);
	return out;
}

/* verdict - a verdict of outcome o with err (may be NULL) */
static struct tr_verdict
verdict(enum tr_outcome o, enum tr_err code, const char *msg)
{
	struct tr_verdict v;

	memset(&v, 0, sizeof(v));
	v.outcome = o;
	if (msg != NULL)
		tr_error_set(&v.err, code, "%s", msg);
	return v;
}

/* test_public_reason - the cause of an error, not where it happened */
static void
test_public_reason(void **state)
{
	(void)state;
	assert_string_equal(tr_outcome_public_reason(
	    "/var/lib/tlsrptd/x.db: writing reports: database is locked"),
	    "database is locked");
	assert_string_equal(tr_outcome_public_reason("disk full"), "disk full");
	assert_string_equal(tr_outcome_public_reason("store: "),
	    "storing failed");
	assert_string_equal(tr_outcome_public_reason(""), "storing failed");
}

/* test_smtp - every verdict's reply to DATA */
static void
test_smtp(void **state)
{
	struct tr_smtp_answer a;
	struct tr_verdict v;

	(void)state;
	v = verdict(TR_OUTCOME_STORED, TR_OK, NULL);
	tr_outcome_smtp(&v, 1, "QID1", &a);
	assert_int_equal(a.code, 250);
	assert_string_equal(a.status, "2.0.0");
	assert_string_equal(a.text, "Ok: queued as QID1");
	v = verdict(TR_OUTCOME_DUPLICATE, TR_OK, NULL);
	tr_outcome_smtp(&v, 0, "QID2", &a);
	assert_int_equal(a.code, 250);
	assert_string_equal(a.text, "Ok: queued as QID2");
	v = verdict(TR_OUTCOME_QUARANTINED, TR_ERR_JSON, "line 1: bad");
	tr_outcome_smtp(&v, 0, "QID3", &a);
	assert_int_equal(a.code, 250);
	assert_string_equal(a.text, "Ok: queued as QID3");
	tr_outcome_smtp(&v, 1, "QID3", &a);
	assert_int_equal(a.code, 550);
	assert_string_equal(a.status, "5.6.0");
	assert_string_equal(a.text, "not a valid TLS report: line 1: bad");
	v = verdict(TR_OUTCOME_TEMPFAIL, TR_ERR_STORE, "/db: disk I/O error");
	tr_outcome_smtp(&v, 1, "QID4", &a);
	assert_int_equal(a.code, 451);
	assert_string_equal(a.status, "4.3.0");
	assert_string_equal(a.text,
	    "tlsrptd: cannot store the report now: disk I/O error");
}

/* test_milter - every verdict's milter action, with and without other
 * recipients */
static void
test_milter(void **state)
{
	struct tr_milter_answer a;
	struct tr_verdict v;

	(void)state;
	v = verdict(TR_OUTCOME_STORED, TR_OK, NULL);
	tr_outcome_milter(&v, 1, 1, 1, &a);
	assert_int_equal(a.act, TR_MILTER_DISCARD);
	tr_outcome_milter(&v, 1, 1, 0, &a);
	assert_int_equal(a.act, TR_MILTER_CONTINUE);
	tr_outcome_milter(&v, 0, 1, 1, &a);
	assert_int_equal(a.act, TR_MILTER_CONTINUE);
	v = verdict(TR_OUTCOME_DUPLICATE, TR_OK, NULL);
	tr_outcome_milter(&v, 1, 0, 1, &a);
	assert_int_equal(a.act, TR_MILTER_DISCARD);

	v = verdict(TR_OUTCOME_QUARANTINED, TR_ERR_SCHEMA, "policies: missing");
	tr_outcome_milter(&v, 1, 1, 1, &a);
	assert_int_equal(a.act, TR_MILTER_REJECT);
	assert_string_equal(a.rcode, "550");
	assert_string_equal(a.xcode, "5.6.0");
	assert_string_equal(a.prefix, "not a valid TLS report: ");
	assert_string_equal(a.reason, "policies: missing");
	tr_outcome_milter(&v, 1, 1, 0, &a);
	assert_int_equal(a.act, TR_MILTER_CONTINUE);
	tr_outcome_milter(&v, 1, 0, 1, &a);
	assert_int_equal(a.act, TR_MILTER_CONTINUE);

	v = verdict(TR_OUTCOME_TEMPFAIL, TR_ERR_STORE, "x.db: database is "
	    "locked");
	tr_outcome_milter(&v, 0, 0, 0, &a);
	assert_int_equal(a.act, TR_MILTER_TEMPFAIL);
	assert_string_equal(a.rcode, "451");
	assert_string_equal(a.xcode, "4.3.0");
	assert_string_equal(a.prefix, "tlsrptd: cannot store the report now: ");
	assert_string_equal(a.reason, "database is locked");
}

/* test_http - every verdict's HTTP status and text */
static void
test_http(void **state)
{
	struct tr_http_answer a;
	struct tr_verdict v;

	(void)state;
	v = verdict(TR_OUTCOME_STORED, TR_OK, NULL);
	tr_outcome_http(&v, &a);
	assert_int_equal(a.status, 200);
	assert_false(a.retry);
	assert_string_equal(a.text, "stored");
	v = verdict(TR_OUTCOME_DUPLICATE, TR_OK, NULL);
	tr_outcome_http(&v, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.text, "already stored");
	v = verdict(TR_OUTCOME_QUARANTINED, TR_ERR_JSON, "offset 3: bad");
	tr_outcome_http(&v, &a);
	assert_int_equal(a.status, 400);
	assert_false(a.retry);
	assert_string_equal(a.text, "not a valid TLS report (json-syntax): "
	    "offset 3: bad");
	v = verdict(TR_OUTCOME_QUARANTINED, TR_ERR_TOO_LARGE, "over 1 MiB");
	tr_outcome_http(&v, &a);
	assert_int_equal(a.status, 413);
	assert_string_equal(a.text, "not a valid TLS report "
	    "(message-too-large): over 1 MiB");
	v = verdict(TR_OUTCOME_QUARANTINED, TR_ERR_NOMEM, "out of memory");
	tr_outcome_http(&v, &a);
	assert_int_equal(a.status, 503);
	assert_true(a.retry);
	assert_string_equal(a.text, "cannot check the report now: out of "
	    "memory");
	v = verdict(TR_OUTCOME_TEMPFAIL, TR_ERR_STORE, "/x.db: disk full");
	tr_outcome_http(&v, &a);
	assert_int_equal(a.status, 503);
	assert_true(a.retry);
	assert_string_equal(a.text, "cannot store the report now: disk full");
}

/* origin - a message over LMTP with every origin field */
static struct tr_origin
origin(void)
{
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_LMTP;
	o.source = "Q1";
	o.client = "192.0.2.7";
	o.envelope_from = "r@example.net";
	o.envelope_to = "tlsrpt@example.com";
	return o;
}

#define ORIGIN_JSON "\"way_in\":\"lmtp\",\"source\":\"Q1\",\"client\":" \
	"\"192.0.2.7\",\"envelope_from\":\"r@example.net\",\"envelope_to\":" \
	"\"tlsrpt@example.com\",\"size\":42"

/* test_verdict_lines - the log line (level included) of every outcome */
static void
test_verdict_lines(void **state)
{
	struct fx *fx = *state;
	struct tr_origin o = origin();
	struct tr_error why;
	struct tr_verdict v;
	char *line;

	v = verdict(TR_OUTCOME_STORED, TR_OK, NULL);
	v.fields = tr_origin_fields(&o, 42);
	tr_verdict_log(&v);
	assert_null(v.fields);
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"info\",\"event\":\"message\","
	    "\"outcome\":\"stored\"," ORIGIN_JSON "}");
	free(line);

	v = verdict(TR_OUTCOME_DUPLICATE, TR_OK, NULL);
	v.fields = tr_origin_fields(&o, 42);
	tr_verdict_log(&v);
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"info\",\"event\":\"message\","
	    "\"outcome\":\"duplicate\"," ORIGIN_JSON "}");
	free(line);

	/* a duplicate with a quarantined part is a warning */
	v.invalid = 1;
	v.fields = tr_origin_fields(&o, 42);
	tr_verdict_log(&v);
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"warn\",\"event\":\"message\","
	    "\"outcome\":\"duplicate\"," ORIGIN_JSON "}");
	free(line);

	v = verdict(TR_OUTCOME_QUARANTINED, TR_ERR_JSON, "bad");
	v.fields = tr_origin_fields(&o, 42);
	tr_verdict_log(&v);
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"warn\",\"event\":\"message\","
	    "\"outcome\":\"quarantined\"," ORIGIN_JSON "}");
	free(line);

	v = verdict(TR_OUTCOME_STORED, TR_OK, NULL);
	v.fields = tr_origin_fields(&o, 42);
	tr_error_set(&why, TR_ERR_STORE, "db: locked");
	tr_verdict_fail(&v, &why);
	assert_int_equal(v.outcome, TR_OUTCOME_TEMPFAIL);
	tr_verdict_log(&v);
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"error\",\"event\":\"message\","
	    "\"outcome\":\"tempfail\"," ORIGIN_JSON ",\"reason_class\":"
	    "\"store-failed\",\"reason\":\"db: locked\"}");
	free(line);
	tr_verdict_free(&v);
}

/* test_refusal_lines - the line of a message the pipeline never saw, as
 * each way in writes it */
static void
test_refusal_lines(void **state)
{
	struct fx *fx = *state;
	struct tr_origin o = origin();
	char *line;

	tr_outcome_log_refusal(TR_LOG_WARN, "rejected", &o, 42, "too-large",
	    "over the limit");
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"warn\",\"event\":\"message\","
	    "\"outcome\":\"rejected\"," ORIGIN_JSON ",\"reason_class\":"
	    "\"too-large\",\"reason\":\"over the limit\"}");
	free(line);

	/* HTTP: way in and source only */
	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_HTTPS;
	o.source = "198.51.100.1";
	tr_outcome_log_refusal(TR_LOG_ERROR, "tempfail", &o, 7, "http",
	    "overloaded");
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"error\",\"event\":\"message\","
	    "\"outcome\":\"tempfail\",\"way_in\":\"https\",\"source\":"
	    "\"198.51.100.1\",\"size\":7,\"reason_class\":\"http\",\"reason\":"
	    "\"overloaded\"}");
	free(line);

	/* ingest: no size */
	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = "-";
	tr_outcome_log_refusal(TR_LOG_ERROR, "error", &o, -1, "io",
	    "cannot read");
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"error\",\"event\":\"message\","
	    "\"outcome\":\"error\",\"way_in\":\"file\",\"source\":\"-\","
	    "\"reason_class\":\"io\",\"reason\":\"cannot read\"}");
	free(line);

	/* below the log level: nothing */
	tr_outcome_log_refusal(TR_LOG_DEBUG, "rejected", &o, 1, "http", "x");
	line = last_line(fx);
	assert_non_null(strstr(line, "\"cannot read\""));
	free(line);
}

/* test_totals_line - a run's closing line, its fields in order */
static void
test_totals_line(void **state)
{
	struct fx *fx = *state;
	struct tr_totals t = { 9, 4, 1, 2, 1, 0, 1 };
	char *line;

	tr_outcome_log_totals(TR_LOG_INFO, "ingest_done", &t, "record", 1.5);
	line = last_line(fx);
	assert_string_equal(line, "\"level\":\"info\",\"event\":\"ingest_done\","
	    "\"messages\":9,\"stored\":4,\"duplicates\":1,\"quarantined\":2,"
	    "\"to_retry\":1,\"errors\":0,\"tempfailed\":1,\"dkim\":\"record\","
	    "\"seconds\":1.5}");
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_reason),
		cmocka_unit_test(test_smtp),
		cmocka_unit_test(test_milter),
		cmocka_unit_test(test_http),
		cmocka_unit_test_setup_teardown(test_verdict_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusal_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_totals_line, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
