/* test_pipeline.c - analyse and record: the verdict of a valid report, a
 * duplicate, an invalid report, an oversize message, a message with both,
 * a store that fails; the log line each verdict gives */
#include <json-c/json.h>
#include <sqlite3.h>

#include "store_fixture.h"

#include "log.h"
#include "pipeline.h"
#include "report.h"

#define RFC_ID		"5065427c-23d3-47ca-b6e0-946ea0e8c4be"
#define RECEIVED	1795132800	/* 2026-11-20T00:00:00Z */

static int
setup(void **state)
{
	*state = tu_store_logged(tu_store_new("pipeline"));
	return 0;
}

/* origin - a message received over HTTPS at RECEIVED */
static struct tr_origin
origin(const char *source)
{
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_HTTPS;
	o.source = source;
	o.client = "192.0.2.1";
	o.received_at = RECEIVED;
	return o;
}

/* record - analyse buf as kind and record it in a transaction of its own;
 * returns what tr_record returned, the verdict in *v, the analysis freed */
static enum tr_err
record(struct tu_store *fx, const void *buf, size_t len, enum tr_input kind,
    const char *source, struct tr_verdict *v)
{
	struct tr_origin o = origin(source);
	struct tr_analysis a;
	struct tr_error err;
	enum tr_err rc;

	tr_analyse(buf, len, kind, NULL, &fx->limits, &a);
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	rc = tr_record(fx->st, &a, buf, len, &o, v);
	if (rc == TR_OK)
		assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
	else
		tr_store_rollback(fx->st);
	tr_analysis_free(&a);
	return rc;
}

/* q_int - one integer from the store */
static int64_t
q_int(struct tu_store *fx, const char *sql)
{
	sqlite3_stmt *stmt;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(tr_store_db(fx->st), sql, -1,
	    &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* last_line - the log's last line, parsed (json_object_put it) */
static struct json_object *
last_line(struct tu_store *fx)
{
	struct json_object *o;
	unsigned char *log;
	size_t len;
	char *nl, *start;

	log = tu_read(fx->log, &len);
	assert_true(len > 0 && log[len - 1] == '\n');
	log[len - 1] = '\0';
	nl = strrchr((char *)log, '\n');
	start = nl != NULL ? nl + 1 : (char *)log;
	o = json_tokener_parse(start);
	if (o == NULL)
		fail_msg("not JSON: %s", start);
	free(log);
	return o;
}

/* str_field - o[key] as a string, "" when absent */
static const char *
str_field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

/* test_valid_report - one valid report: stored, counted, tallied, logged */
static void
test_valid_report(void **state)
{
	struct tu_store *fx = *state;
	struct tr_verdict v;
	struct tr_analysis a;
	struct json_object *line, *reports;
	unsigned char *buf;
	size_t len;

	buf = tu_read("corpus/parsedmarc__rfc8460.json", &len);
	tr_analyse(buf, len, TR_INPUT_REPORT, NULL, &fx->limits, &a);
	assert_int_equal(a.nitems, 1);
	assert_non_null(a.items[0].report);
	assert_int_equal(a.items[0].err.code, TR_OK);
	assert_string_equal(a.items[0].report->report_id, RFC_ID);
	tr_analysis_free(&a);

	assert_int_equal(record(fx, buf, len, TR_INPUT_REPORT, "one", &v),
	    TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_STORED);
	assert_int_equal(v.stored, 1);
	assert_int_equal(v.duplicates, 0);
	assert_int_equal(v.invalid, 0);
	assert_int_equal(v.quarantine_id, 0);
	assert_int_equal(v.ntallies, 1);
	assert_string_equal(v.tallies[0].policy_domain, "company-y.example");
	assert_string_equal(v.tallies[0].day, "2016-04-01");
	assert_int_equal(v.tallies[0].successful, 5326);
	assert_int_equal(v.tallies[0].failed, 303);
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("certificate-expired")], 100);
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("starttls-not-supported")], 200);
	assert_int_equal(v.tallies[0].failed_by_type[
	    tr_result_type_index("validation-failure")], 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports WHERE "
	    "report_id = '" RFC_ID "' AND way_in = 'https' AND source = 'one' "
	    "AND received_at = '2026-11-20T00:00:00Z'"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 0);

	tr_verdict_log(&v);
	assert_null(v.fields);
	tr_verdict_free(&v);
	line = last_line(fx);
	assert_string_equal(str_field(line, "level"), "info");
	assert_string_equal(str_field(line, "event"), "message");
	assert_string_equal(str_field(line, "outcome"), "stored");
	assert_string_equal(str_field(line, "way_in"), "https");
	assert_string_equal(str_field(line, "source"), "one");
	assert_string_equal(str_field(line, "client"), "192.0.2.1");
	assert_true(json_object_object_get_ex(line, "reports", &reports));
	assert_int_equal(json_object_array_length(reports), 1);
	assert_string_equal(str_field(json_object_array_get_idx(reports, 0),
	    "status"), "stored");
	assert_string_equal(str_field(json_object_array_get_idx(reports, 0),
	    "report_id"), RFC_ID);
	json_object_put(line);
	free(buf);
}

/* test_duplicate - the same report again: a duplicate, nothing tallied */
static void
test_duplicate(void **state)
{
	struct tu_store *fx = *state;
	struct tr_verdict v;
	unsigned char *buf;
	size_t len;

	buf = tu_read("corpus/parsedmarc__rfc8460.json", &len);
	assert_int_equal(record(fx, buf, len, TR_INPUT_REPORT, "one", &v),
	    TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_STORED);
	tr_verdict_free(&v);
	assert_int_equal(record(fx, buf, len, TR_INPUT_REPORT, "two", &v),
	    TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_DUPLICATE);
	assert_int_equal(v.stored, 0);
	assert_int_equal(v.duplicates, 1);
	assert_int_equal(v.ntallies, 0);
	assert_null(v.tallies);
	tr_verdict_free(&v);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 1);
	free(buf);
}

/* test_invalid_report - not JSON, then not a report: quarantined with the
 * exact class and reason, the bytes kept as received, logged as a warning */
static void
test_invalid_report(void **state)
{
	static const char cut[] = "{\"organization-name\": \"Org\", \"date-";
	static const char noid[] = "{\"organization-name\":\"Org\","
	    "\"date-range\":{\"start-datetime\":\"2026-01-01T00:00:00Z\","
	    "\"end-datetime\":\"2026-01-01T23:59:59Z\"},\"contact-info\":"
	    "\"a@b.example\",\"policies\":[]}";
	struct tu_store *fx = *state;
	struct tr_verdict v;
	struct tr_analysis a;
	struct json_object *line;
	int64_t id;

	tr_analyse((const unsigned char *)cut, strlen(cut), TR_INPUT_REPORT,
	    NULL, &fx->limits, &a);
	assert_int_equal(a.nitems, 1);
	assert_null(a.items[0].report);
	assert_int_equal(a.items[0].err.code, TR_ERR_JSON);
	tr_analysis_free(&a);

	assert_int_equal(record(fx, cut, strlen(cut), TR_INPUT_REPORT, "cut",
	    &v), TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(v.stored, 0);
	assert_int_equal(v.invalid, 1);
	assert_int_equal(v.err.code, TR_ERR_JSON);
	assert_true(v.quarantine_id > 0);
	id = v.quarantine_id;
	tr_verdict_log(&v);
	tr_verdict_free(&v);
	line = last_line(fx);
	assert_string_equal(str_field(line, "level"), "warn");
	assert_string_equal(str_field(line, "outcome"), "quarantined");
	assert_string_equal(str_field(line, "reason_class"),
	    tr_err_name(TR_ERR_JSON));
	json_object_put(line);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine WHERE "
	    "reason_class = 'json-syntax' AND way_in = 'https' AND "
	    "source = 'cut' AND raw = CAST('{\"organization-name\": "
	    "\"Org\", \"date-' AS BLOB)"), 1);
	assert_int_equal(q_int(fx, "SELECT id FROM quarantine"), id);

	assert_int_equal(record(fx, noid, strlen(noid), TR_INPUT_REPORT,
	    "noid", &v), TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(v.err.code, TR_ERR_SCHEMA);
	assert_non_null(strstr(v.err.msg, "report-id"));
	assert_true(v.quarantine_id > id);
	tr_verdict_free(&v);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 2);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 0);
}

/* test_too_big - a message over max_message is refused before MIME and
 * kept by its first MiB; a bare report over max_report is refused too */
static void
test_too_big(void **state)
{
	struct tu_store *fx = *state;
	size_t len = 1536 * 1024, hlen;
	struct tr_verdict v;
	struct tr_analysis a;
	unsigned char *msg, *rep;
	size_t replen;

	msg = malloc(len);
	assert_non_null(msg);
	hlen = (size_t)snprintf((char *)msg, len, "From: a@b.example\r\n"
	    "Subject: big\r\n\r\n");
	memset(msg + hlen, 'x', len - hlen);
	fx->limits.max_message = 1024 * 1024;

	tr_analyse(msg, len, TR_INPUT_MESSAGE, NULL, &fx->limits, &a);
	assert_int_equal(a.nitems, 0);
	assert_int_equal(a.err.code, TR_ERR_TOO_LARGE);
	tr_analysis_free(&a);
	assert_int_equal(record(fx, msg, len, TR_INPUT_MESSAGE, "big", &v),
	    TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(v.err.code, TR_ERR_TOO_LARGE);
	assert_int_equal(v.invalid, 1);
	assert_true(v.quarantine_id > 0);
	tr_verdict_free(&v);
	assert_int_equal(q_int(fx, "SELECT length(raw) FROM quarantine WHERE "
	    "reason_class = 'message-too-large'"), 1024 * 1024);

	/* one byte under the limit is analysed as usual */
	tr_analyse(msg, fx->limits.max_message, TR_INPUT_MESSAGE, NULL,
	    &fx->limits, &a);
	assert_int_equal(a.err.code, TR_ERR_NO_REPORT);
	tr_analysis_free(&a);

	rep = tu_read("corpus/parsedmarc__rfc8460.json", &replen);
	fx->limits.max_report = replen - 1;
	assert_int_equal(record(fx, rep, replen, TR_INPUT_REPORT, "rep", &v),
	    TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(v.err.code, TR_ERR_DECOMPRESS_LIMIT);
	tr_verdict_free(&v);
	fx->limits.max_report = replen;
	assert_int_equal(record(fx, rep, replen, TR_INPUT_REPORT, "rep", &v),
	    TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_STORED);
	tr_verdict_free(&v);
	free(rep);
	free(msg);
}

/* mail - a multipart message with each of bodies as a report attachment */
static char *
mail(const char *const *bodies, size_t n)
{
	size_t cap = 64 * 1024, used = 0, i;
	char *m = malloc(cap);

	assert_non_null(m);
	used += (size_t)snprintf(m + used, cap - used,
	    "From: reporter@sender.example\r\nTo: tlsrpt@example.com\r\n"
	    "Subject: Report Domain: example.com\r\n"
	    "Message-ID: <mixed@sender.example>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=tlsrpt; "
	    "boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
	    "reports attached\r\n");
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(m + used, cap - used,
		    "--b\r\nContent-Type: application/tlsrpt+json\r\n"
		    "Content-Disposition: attachment; filename=\"r%zu.json\""
		    "\r\n\r\n%s\r\n", i, bodies[i]);
	used += (size_t)snprintf(m + used, cap - used, "--b--\r\n");
	assert_true(used < cap);
	return m;
}

/* test_mixed_message - a valid and an invalid part: the valid one is
 * stored, the message quarantined for the other, naming its part */
static void
test_mixed_message(void **state)
{
	struct tu_store *fx = *state;
	const char *bodies[2];
	struct tr_verdict v;
	struct tr_analysis a;
	struct json_object *line, *parts;
	unsigned char *rep;
	size_t replen;
	char *m;

	rep = tu_read("corpus/parsedmarc__rfc8460.json", &replen);
	bodies[0] = (const char *)rep;
	bodies[1] = "{\"organization-name\": 12}";
	m = mail(bodies, 2);
	tr_analyse((unsigned char *)m, strlen(m), TR_INPUT_MESSAGE, NULL,
	    &fx->limits, &a);
	assert_int_equal(a.nitems, 2);
	assert_non_null(a.items[0].report);
	assert_null(a.items[1].report);
	assert_string_equal(a.items[1].filename, "r1.json");
	assert_int_equal(a.items[1].err.code, TR_ERR_SCHEMA);
	tr_analysis_free(&a);

	assert_int_equal(record(fx, m, strlen(m), TR_INPUT_MESSAGE, "mixed",
	    &v), TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_STORED);
	assert_int_equal(v.stored, 1);
	assert_int_equal(v.invalid, 1);
	assert_int_equal(v.err.code, TR_ERR_SCHEMA);
	assert_non_null(strstr(v.err.msg, "(r1.json)"));
	assert_true(v.quarantine_id > 0);
	tr_verdict_log(&v);
	tr_verdict_free(&v);
	line = last_line(fx);
	/* stored, but a part was not: a warning */
	assert_string_equal(str_field(line, "level"), "warn");
	assert_string_equal(str_field(line, "outcome"), "stored");
	assert_string_equal(str_field(line, "message_id"),
	    "<mixed@sender.example>");
	assert_true(json_object_object_get_ex(line, "invalid_parts", &parts));
	assert_int_equal(json_object_array_length(parts), 1);
	assert_string_equal(str_field(json_object_array_get_idx(parts, 0),
	    "filename"), "r1.json");
	json_object_put(line);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine WHERE "
	    "message_id = '<mixed@sender.example>'"), 1);

	/* the same message again: a duplicate, already quarantined */
	assert_int_equal(record(fx, m, strlen(m), TR_INPUT_MESSAGE, "again",
	    &v), TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_DUPLICATE);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 1);
	tr_verdict_free(&v);
	free(m);
	free(rep);
}

/* test_no_report - a mail without a report part is quarantined */
static void
test_no_report(void **state)
{
	static const char m[] = "From: a@b.example\r\nSubject: hello\r\n\r\n"
	    "Is this the right address?\r\n";
	struct tu_store *fx = *state;
	struct tr_verdict v;

	assert_int_equal(record(fx, m, strlen(m), TR_INPUT_MESSAGE, "human",
	    &v), TR_OK);
	assert_int_equal(v.outcome, TR_OUTCOME_QUARANTINED);
	assert_int_equal(v.err.code, TR_ERR_NO_REPORT);
	assert_int_equal(v.invalid, 1);
	tr_verdict_free(&v);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine WHERE "
	    "reason_class = 'no-report-part' AND subject = 'hello'"), 1);
}

/* test_store_fails - a store that cannot write: TEMPFAIL and TR_ERR_STORE,
 * the verdict names the store error, its log line is an error */
static void
test_store_fails(void **state)
{
	struct tu_store *fx = *state;
	struct tr_origin o = origin("ro");
	struct tr_verdict v;
	struct tr_analysis a;
	struct tr_error err;
	struct json_object *line;
	unsigned char *buf;
	size_t len;

	tr_store_close(fx->st);
	if (tr_store_open(fx->db, TR_STORE_READONLY, &fx->st, &err) != TR_OK)
		fail_msg("read-only open: %s", err.msg);
	buf = tu_read("corpus/parsedmarc__rfc8460.json", &len);
	tr_analyse(buf, len, TR_INPUT_REPORT, NULL, &fx->limits, &a);
	assert_int_equal(tr_record(fx->st, &a, buf, len, &o, &v),
	    TR_ERR_STORE);
	assert_int_equal(v.outcome, TR_OUTCOME_TEMPFAIL);
	assert_int_equal(v.err.code, TR_ERR_STORE);
	assert_int_equal(v.stored, 0);
	assert_int_equal(v.ntallies, 0);
	tr_verdict_log(&v);
	tr_verdict_free(&v);
	line = last_line(fx);
	assert_string_equal(str_field(line, "level"), "error");
	assert_string_equal(str_field(line, "outcome"), "tempfail");
	assert_string_equal(str_field(line, "reason_class"),
	    "store-failed");
	json_object_put(line);
	tr_analysis_free(&a);
	free(buf);
}

/* test_verdict_fail - a stored verdict whose batch did not commit becomes
 * TEMPFAIL: nothing stored, no tallies, the reason in its log fields */
static void
test_verdict_fail(void **state)
{
	struct tu_store *fx = *state;
	struct tr_verdict v;
	struct tr_error why;
	struct json_object *line, *x;
	unsigned char *buf;
	size_t len;

	buf = tu_read("corpus/parsedmarc__rfc8460.json", &len);
	assert_int_equal(record(fx, buf, len, TR_INPUT_REPORT, "f", &v), TR_OK);
	assert_int_equal(v.ntallies, 1);
	tr_error_set(&why, TR_ERR_STORE, "store: commit: disk I/O error");
	tr_verdict_fail(&v, &why);
	assert_int_equal(v.outcome, TR_OUTCOME_TEMPFAIL);
	assert_int_equal(v.stored, 0);
	assert_int_equal(v.duplicates, 0);
	assert_int_equal(v.ntallies, 0);
	assert_null(v.tallies);
	assert_string_equal(v.err.msg, "store: commit: disk I/O error");
	tr_verdict_log(&v);
	tr_verdict_free(&v);
	line = last_line(fx);
	assert_string_equal(str_field(line, "outcome"), "tempfail");
	assert_string_equal(str_field(line, "reason"),
	    "store: commit: disk I/O error");
	assert_false(json_object_object_get_ex(line, "reports", &x));
	json_object_put(line);
	free(buf);
}

/* test_analysis_note - a way-in note reaches every valid report only */
static void
test_analysis_note(void **state)
{
	struct tu_store *fx = *state;
	const char *bodies[2];
	struct tr_analysis a;
	struct tr_notes *n;
	unsigned char *rep;
	size_t replen;
	char *m;

	rep = tu_read("corpus/parsedmarc__rfc8460.json", &replen);
	bodies[0] = "[]";
	bodies[1] = (const char *)rep;
	m = mail(bodies, 2);
	tr_analyse((unsigned char *)m, strlen(m), TR_INPUT_MESSAGE, NULL,
	    &fx->limits, &a);
	assert_int_equal(a.nitems, 2);
	assert_null(a.items[0].report);
	assert_non_null(a.items[1].report);
	n = &a.items[1].report->notes;
	tr_analysis_note(&a, "posted as text/plain");
	assert_true(n->n > 0);
	assert_string_equal(n->v[n->n - 1], "posted as text/plain");
	/* the same note twice is kept once */
	tr_analysis_note(&a, "posted as text/plain");
	assert_string_equal(n->v[n->n - 1], "posted as text/plain");
	assert_true(n->n < 2 || strcmp(n->v[n->n - 2],
	    "posted as text/plain") != 0);
	assert_null(a.items[0].report);
	tr_analysis_free(&a);
	assert_null(a.items);
	assert_int_equal(a.nitems, 0);
	free(m);
	free(rep);
}

/* test_origin_fields - "outcome" first and null, then the origin */
static void
test_origin_fields(void **state)
{
	struct tr_msgmeta meta = { .message_id = "<m@x>", .subject = "s" };
	struct tr_origin o = origin("q1");
	struct json_object *f, *x;
	struct json_object_iterator it;

	o.envelope_from = "a@b.example";
	o.meta = &meta;
	f = tr_origin_fields(&o, 1234);
	it = json_object_iter_begin(f);
	assert_string_equal(json_object_iter_peek_name(&it), "outcome");
	assert_null(json_object_iter_peek_value(&it));
	assert_string_equal(str_field(f, "way_in"), "https");
	assert_string_equal(str_field(f, "source"), "q1");
	assert_string_equal(str_field(f, "envelope_from"), "a@b.example");
	assert_string_equal(str_field(f, "message_id"), "<m@x>");
	assert_string_equal(str_field(f, "subject"), "s");
	assert_false(json_object_object_get_ex(f, "envelope_to", &x));
	assert_true(json_object_object_get_ex(f, "size", &x));
	assert_int_equal(json_object_get_int64(x), 1234);
	json_object_put(f);
}

/* test_outcome_names - the names the log and the metrics use */
static void
test_outcome_names(void **state)
{
	assert_string_equal(tr_outcome_name(TR_OUTCOME_STORED), "stored");
	assert_string_equal(tr_outcome_name(TR_OUTCOME_DUPLICATE), "duplicate");
	assert_string_equal(tr_outcome_name(TR_OUTCOME_QUARANTINED),
	    "quarantined");
	assert_string_equal(tr_outcome_name(TR_OUTCOME_TEMPFAIL), "tempfail");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tu_store_teardown)
	const struct CMUnitTest tests[] = {
		T(test_valid_report),
		T(test_duplicate),
		T(test_invalid_report),
		T(test_too_big),
		T(test_mixed_message),
		T(test_no_report),
		T(test_store_fails),
		T(test_verdict_fail),
		T(test_analysis_note),
		cmocka_unit_test(test_origin_fields),
		cmocka_unit_test(test_outcome_names),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
