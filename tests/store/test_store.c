/* test_store.c - the SQLite store: schema, inserts, dedup, views, failures */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_fixture.h"

#include "error.h"
#include "notes.h"
#include "report.h"
#include "schema.h"
#include "store.h"

/* -Iinclude puts our limits.h before the system's, so no TPATH. */
#define TPATH 1024

static const char raw_json[] = "{\"organization-name\":\"Example Org\"}";

/* setup - a fresh directory and an open, empty store in it */
static int
setup(void **state)
{
	*state = tu_store_new("store");
	return 0;
}

/* teardown - close the store and remove the directory */
static int
teardown(void **state)
{
	tu_store_free(*state);
	return 0;
}

/* pol - a policy without failure details */
static struct tr_policy
pol(const char *type, const char *domain, int64_t ok, int64_t failed)
{
	struct tr_policy p;

	memset(&p, 0, sizeof(p));
	p.policy_type = type;
	p.policy_domain = domain;
	p.successful_sessions = ok;
	p.failed_sessions = failed;
	return p;
}

/* mkreport - a report over policies p[np] */
static void
mkreport(struct tr_report *r, const char *org, const char *id,
    const char *start, struct tr_policy *p, size_t np)
{
	memset(r, 0, sizeof(*r));
	r->organization_name = org;
	r->report_id = id;
	r->contact_info = "tlsrpt@example.org";
	r->start_datetime = start;
	r->end_datetime = "2024-05-01T23:59:59Z";
	r->policies = p;
	r->npolicies = np;
	r->raw = raw_json;
	r->rawlen = sizeof(raw_json) - 1;
}

/* origin - a file origin without header metadata */
static struct tr_origin
origin(void)
{
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.received_at = 1714608000;	/* 2024-05-02T00:00:00Z */
	return o;
}

/* put - store r, expecting outcome want; returns the row id */
static int64_t
put(struct tr_store *st, const struct tr_report *r, enum tr_put want)
{
	struct tr_origin o = origin();
	struct tr_error err;
	enum tr_put res;
	int64_t id = -1;

	if (tr_store_put_report(st, r, &o, &res, &id, &err) != TR_OK)
		fail_msg("put_report: %s", err.msg);
	assert_int_equal(res, want);
	assert_true(id > 0);
	return id;
}

/* prep - prepare sql or fail the test */
static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	return s;
}

/* q_int - the one integer sql yields */
static int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v;

	s = prep(db, sql);
	if (sqlite3_step(s) != SQLITE_ROW)
		fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* q_text_eq - sql yields one text value equal to want (NULL: SQL NULL) */
static void
q_text_eq(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *s;

	s = prep(db, sql);
	if (sqlite3_step(s) != SQLITE_ROW)
		fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
	if (want == NULL)
		assert_int_equal(sqlite3_column_type(s, 0), SQLITE_NULL);
	else
		assert_string_equal((const char *)sqlite3_column_text(s, 0),
		    want);
	sqlite3_finalize(s);
}

/* col_text - column col of s is the text want (NULL: SQL NULL) */
static void
col_text(sqlite3_stmt *s, int col, const char *want)
{
	if (want == NULL) {
		if (sqlite3_column_type(s, col) != SQLITE_NULL)
			fail_msg("column %s: want NULL, got \"%s\"",
			    sqlite3_column_name(s, col),
			    sqlite3_column_text(s, col));
		return;
	}
	if (sqlite3_column_type(s, col) != SQLITE_TEXT)
		fail_msg("column %s: want \"%s\", got type %d",
		    sqlite3_column_name(s, col), want,
		    sqlite3_column_type(s, col));
	assert_string_equal((const char *)sqlite3_column_text(s, col), want);
}

/* col_int - column col of s is the integer want */
static void
col_int(sqlite3_stmt *s, int col, int64_t want)
{
	if (sqlite3_column_type(s, col) != SQLITE_INTEGER)
		fail_msg("column %s: want %lld, got type %d",
		    sqlite3_column_name(s, col), (long long)want,
		    sqlite3_column_type(s, col));
	assert_int_equal(sqlite3_column_int64(s, col), want);
}

/* rows - rows in table */
static int64_t
rows(sqlite3 *db, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return q_int(db, sql);
}

/* file_bytes - the whole file, or NULL when missing */
static unsigned char *
file_bytes(const char *path, size_t *len)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return NULL;
	return tu_read(path, len);
}

/* exists - path exists */
static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* raw_exec - run sql on a database opened without the store */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* test_open_fresh - a new database gets the schema, marker and pragmas */
static void
test_open_fresh(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);

	assert_int_equal(tr_store_schema_version(), 7);
	assert_int_equal(q_int(db, "PRAGMA user_version"),
	    tr_store_schema_version());
	q_text_eq(db, "SELECT value FROM tlsrptd_meta WHERE key = "
	    "'application'", "tlsrptd");
	q_text_eq(db, "PRAGMA journal_mode", "wal");
	assert_int_equal(q_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(q_int(db, "PRAGMA synchronous"), 2);	/* FULL */
	assert_int_equal(q_int(db, "PRAGMA temp_store"), 2);	/* MEMORY */
	assert_int_equal(q_int(db, "PRAGMA page_size"), 16384);	/* new file */
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'view' AND name IN ('domain_daily', 'failures_daily', "
	    "'report_summary')"), 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index' AND name IN ('policies_report_ref', "
	    "'policies_policy_domain', 'failure_details_policy_ref', "
	    "'reports_start_time', 'quarantine_received_at', "
	    "'report_domains_domain')"), 6);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'alerts'"), 1);
	q_text_eq(db, "PRAGMA integrity_check", "ok");
}

/* schema_text - every object of db and the marker rows, as one text */
static char *
schema_text(sqlite3 *db)
{
	sqlite3_stmt *s;
	char *all = NULL, *more;

	s = prep(db, "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || "
	    "coalesce(sql, '') FROM sqlite_master UNION ALL SELECT key || "
	    "'=' || value FROM tlsrptd_meta UNION ALL SELECT 'version ' || "
	    "user_version FROM pragma_user_version ORDER BY 1");
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_true(asprintf(&more, "%s%s\n", all != NULL ? all : "",
		    (const char *)sqlite3_column_text(s, 0)) != -1);
		free(all);
		all = more;
	}
	sqlite3_finalize(s);
	assert_non_null(all);
	return all;
}

/* test_fresh_is_steps - a new database made from tr_schema_fresh (as
 * tr_store_open makes one) holds what the migrations one by one make */
static void
test_fresh_is_steps(void **state)
{
	struct tu_store *fx = *state;
	struct tr_error err;
	char path[TPATH], *fresh, *steps;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/steps.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (tr_schema_steps(db, path, &err) != TR_OK)
		fail_msg("steps: %s", err.msg);
	steps = schema_text(db);
	sqlite3_close(db);
	fresh = schema_text(tr_store_db(fx->st));
	assert_string_equal(fresh, steps);
	assert_non_null(strstr(fresh, "version 7\n"));
	assert_non_null(strstr(fresh, "application=tlsrptd\n"));
	free(fresh);
	free(steps);
	/* and it was made from the one text: the text alone gives the same */
	snprintf(path, sizeof(path), "%s/text.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, tr_schema_fresh, NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 7", NULL,
	    NULL, NULL), SQLITE_OK);
	fresh = schema_text(db);
	steps = schema_text(tr_store_db(fx->st));
	assert_string_equal(fresh, steps);
	free(fresh);
	free(steps);
	sqlite3_close(db);
}

/* test_migrate_v1 - a version 1 database gets report_domains filled from
 * what it holds, counted once; the triggers of version 2 are gone */
static void
test_migrate_v1(void **state)
{
	struct tu_store *fx = *state;
	struct tr_store *st;
	struct tr_error err;
	char path[TPATH], sql[32768];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/v1.db", fx->dir);
	assert_true(strlen(tr_schema_migrations[0]) + 1024 < sizeof(sql));
	snprintf(sql, sizeof(sql), "BEGIN; %s PRAGMA user_version = 1; "
	    "INSERT INTO reports (id, organization_name, report_id, "
	    "start_time, end_time, way_in, received_at, raw_json) VALUES "
	    "(1, 'Microsoft Corporation', 'm1', '2026-11-20T00:00:00Z', "
	    "'2026-11-20T23:59:59Z', 'file', '2026-11-21T00:00:00Z', '{}'); "
	    "INSERT INTO policies (report_ref, position, policy_type, "
	    "policy_domain, successful_sessions, failed_sessions) VALUES "
	    "(1, 0, 'tlsa', 'example.com', 100, 7), "
	    "(1, 1, 'sts', 'example.com', 100, 7), "
	    "(1, 2, 'sts', 'example.net', 5, 0); COMMIT;",
	    tr_schema_migrations[0]);
	raw_exec(path, sql);
	if (tr_store_open(path, 0, &st, &err) != TR_OK)
		fail_msg("open: %s", err.msg);
	db = tr_store_db(st);
	assert_int_equal(q_int(db, "PRAGMA user_version"), 7);
	assert_int_equal(q_int(db, "SELECT count(*) FROM report_domains"), 2);
	q_text_eq(db, "SELECT policy_type || ' ' || successful_sessions || ' ' "
	    "|| failed_sessions || ' ' || organization_name || ' ' || "
	    "start_time FROM report_domains WHERE policy_domain = "
	    "'example.com'", "sts 100 7 Microsoft Corporation "
	    "2026-11-20T00:00:00Z");
	q_text_eq(db, "SELECT group_concat(day || ' ' || policy_domain || ' ' "
	    "|| reports || ' ' || successful_sessions || ' ' || "
	    "failed_sessions, '; ') FROM domain_daily", "2026-11-20 example.com "
	    "1 100 7; 2026-11-20 example.net 1 5 0");
	/* from version 4 the store writes report_domains, no trigger */
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'trigger'"), 0);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM reports", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(q_int(db, "SELECT count(*) FROM report_domains"), 0);
	tr_store_close(st);
}

/* test_migrate_v4 - version 5 recounts report_domains of a version 4
 * database (no-policy-found added, sts/tlsa once), marks the failure
 * details a report repeats under its second type, and gives the
 * quarantine its counter */
static void
test_migrate_v4(void **state)
{
	struct tu_store *fx = *state;
	struct tr_store *st;
	struct tr_error err;
	char path[TPATH], sql[65536];
	size_t n;
	int v;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/v4.db", fx->dir);
	n = (size_t)snprintf(sql, sizeof(sql), "BEGIN; ");
	for (v = 0; v < 4; v++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s\n",
		    tr_schema_migrations[v]);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n,
	    "PRAGMA user_version = 4; "
	    "INSERT INTO reports (id, organization_name, report_id, "
	    "start_time, end_time, way_in, received_at, raw_json) VALUES "
	    "(1, 'Google Inc.', 'g1', '2026-11-20T00:00:00Z', "
	    "'2026-11-20T23:59:59Z', 'file', '2026-11-21T00:00:00Z', '{}'), "
	    "(2, 'Microsoft Corporation', 'm1', '2026-11-20T00:00:00Z', "
	    "'2026-11-20T23:59:59Z', 'file', '2026-11-21T00:00:00Z', '{}'); "
	    "INSERT INTO policies (id, report_ref, position, policy_type, "
	    "policy_domain, successful_sessions, failed_sessions) VALUES "
	    "(1, 1, 0, 'no-policy-found', 'example.com', 1, 0), "
	    "(2, 1, 1, 'sts', 'example.com', 0, 6), "
	    "(3, 1, 2, 'sts', 'example.com', 0, 7), "
	    "(4, 2, 0, 'tlsa', 'example.net', 0, 4), "
	    "(5, 2, 1, 'sts', 'example.net', 0, 4); "
	    "INSERT INTO failure_details (policy_ref, result_type, "
	    "result_type_known, receiving_mx_hostname, failed_sessions) VALUES "
	    "(2, 'certificate-expired', 1, 'mx.example.com', 6), "
	    "(3, 'certificate-expired', 1, 'mx.example.com', 7), "
	    "(4, 'dane-required', 1, 'mx.example.net', 1), "
	    "(4, 'certificate-expired', 1, 'mx.example.net', 3), "
	    "(5, 'certificate-expired', 1, 'mx.example.net', 3); "
	    /* what version 4 counted: the type with the most sessions */
	    "INSERT INTO report_domains VALUES "
	    "(1, 'example.com', 'sts', '2026-11-20T00:00:00Z', 'Google Inc.', "
	    "0, 13), (2, 'example.net', 'sts', '2026-11-20T00:00:00Z', "
	    "'Microsoft Corporation', 0, 4); "
	    "INSERT INTO quarantine (received_at, way_in, reason_class, reason, "
	    "raw, raw_sha256) VALUES ('2026-11-21T00:00:00Z', 'https', "
	    "'schema', 'x', x'7b7d', 'ab'); COMMIT;");
	assert_true(n < sizeof(sql));
	raw_exec(path, sql);
	if (tr_store_open(path, 0, &st, &err) != TR_OK)
		fail_msg("open: %s", err.msg);
	db = tr_store_db(st);
	assert_int_equal(q_int(db, "PRAGMA user_version"), 7);
	q_text_eq(db, "SELECT group_concat(policy_domain || ' ' || policy_type "
	    "|| ' ' || successful_sessions || '/' || failed_sessions, '; ') "
	    "FROM (SELECT * FROM report_domains ORDER BY report_ref)",
	    "example.com sts 1/13; example.net sts 0/4");
	/* the tlsa copy of the sts detail is a repeat, dane-required is not */
	q_text_eq(db, "SELECT group_concat(result_type || ' ' || repeated, "
	    "'; ') FROM (SELECT * FROM failure_details WHERE policy_ref IN "
	    "(4, 5) ORDER BY id)", "dane-required 0; certificate-expired 1; "
	    "certificate-expired 0");
	assert_int_equal(q_int(db, "SELECT sum(repeated) FROM "
	    "failure_details"), 1);
	assert_int_equal(q_int(db, "SELECT times_seen FROM quarantine"), 1);
	q_text_eq(db, "PRAGMA integrity_check", "ok");
	tr_store_close(st);
}

/* test_put_readback - every column of a two-policy report reads back */
static void
test_put_readback(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_failure f1[2] = {
		{ .result_type = "certificate-expired", .result_type_known = 1,
		  .sending_mta_ip = "192.0.2.1",
		  .receiving_mx_hostname = "mx1.example.com",
		  .receiving_mx_helo = "mx1-helo.example.com",
		  .receiving_ip = "2001:db8::25",
		  .failed_session_count = 3,
		  .additional_information = "https://example.com/why",
		  .failure_reason_code = "X509_V_ERR_CERT_HAS_EXPIRED" },
		{ .result_type = "x-vendor-thing", .result_type_known = 0,
		  .failed_session_count = 2 },
	};
	struct tr_failure f2[1] = {
		{ .result_type = "dane-required", .result_type_known = 1,
		  .receiving_mx_hostname = "mx2.example.com",
		  .failed_session_count = 7 },
	};
	struct tr_policy p[2];
	struct tr_msgmeta meta = {
		.message_id = "<r1@example.org>", .from = "tlsrpt@example.org",
		.date = "Thu, 02 May 2024 00:00:00 +0000",
		.subject = "Report Domain: example.com",
		.report_domain = "example.com",
		.report_submitter = "example.org",
	};
	struct tr_origin o = origin();
	struct tr_report r;
	struct tr_error err;
	enum tr_put res;
	sqlite3_stmt *s;
	int64_t id, pid1, pid2;

	p[0] = pol("sts", "example.com", 100, 5);
	p[0].policy_string_json = "[\"version: STSv1\",\"mode: enforce\"]";
	p[0].mx_host_json = "[\"*.mail.example.com\"]";
	p[0].failures = f1;
	p[0].nfailures = 2;
	p[1] = pol("tlsa", "example.com", 40, 7);
	p[1].policy_string_json = "[\"3 1 1 ABCD\"]";
	p[1].failures = f2;
	p[1].nfailures = 1;
	mkreport(&r, "Example Org", "2024-05-01T00:00:00Z_example.com",
	    "2024-05-01T00:00:00Z", p, 2);
	o.way_in = TR_WAY_MILTER;
	o.source = "4VXyz12abc";
	o.envelope_from = "bounces@example.org";
	o.envelope_to = "tlsrpt@example.com,tlsrpt2@example.com";
	o.meta = &meta;

	if (tr_store_put_report(fx->st, &r, &o, &res, &id, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(res, TR_PUT_STORED);

	s = prep(db, "SELECT organization_name, report_id, start_time, "
	    "end_time, contact_info, report_domain, submitter, message_id, "
	    "mail_from, mail_date, subject, way_in, source, envelope_from, "
	    "envelope_to, received_at, conformance_notes, raw_json "
	    "FROM reports WHERE id = ?");
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "Example Org");
	col_text(s, 1, "2024-05-01T00:00:00Z_example.com");
	col_text(s, 2, "2024-05-01T00:00:00Z");
	col_text(s, 3, "2024-05-01T23:59:59Z");
	col_text(s, 4, "tlsrpt@example.org");
	col_text(s, 5, "example.com");
	col_text(s, 6, "example.org");
	col_text(s, 7, "<r1@example.org>");
	col_text(s, 8, "tlsrpt@example.org");
	col_text(s, 9, "Thu, 02 May 2024 00:00:00 +0000");
	col_text(s, 10, "Report Domain: example.com");
	col_text(s, 11, "milter");
	col_text(s, 12, "4VXyz12abc");
	col_text(s, 13, "bounces@example.org");
	col_text(s, 14, "tlsrpt@example.com,tlsrpt2@example.com");
	col_text(s, 15, "2024-05-02T00:00:00Z");
	col_text(s, 16, NULL);
	col_text(s, 17, raw_json);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	s = prep(db, "SELECT id, position, policy_type, policy_domain, "
	    "policy_string, mx_host, successful_sessions, failed_sessions "
	    "FROM policies WHERE report_ref = ? ORDER BY position");
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	pid1 = sqlite3_column_int64(s, 0);
	col_int(s, 1, 0);
	col_text(s, 2, "sts");
	col_text(s, 3, "example.com");
	col_text(s, 4, "[\"version: STSv1\",\"mode: enforce\"]");
	col_text(s, 5, "[\"*.mail.example.com\"]");
	col_int(s, 6, 100);
	col_int(s, 7, 5);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	pid2 = sqlite3_column_int64(s, 0);
	col_int(s, 1, 1);
	col_text(s, 2, "tlsa");
	col_text(s, 3, "example.com");
	col_text(s, 4, "[\"3 1 1 ABCD\"]");
	col_text(s, 5, NULL);
	col_int(s, 6, 40);
	col_int(s, 7, 7);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	s = prep(db, "SELECT policy_ref, result_type, result_type_known, "
	    "sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, "
	    "receiving_ip, failed_sessions, additional_information, "
	    "failure_reason_code FROM failure_details ORDER BY id");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_int(s, 0, pid1);
	col_text(s, 1, "certificate-expired");
	col_int(s, 2, 1);
	col_text(s, 3, "192.0.2.1");
	col_text(s, 4, "mx1.example.com");
	col_text(s, 5, "mx1-helo.example.com");
	col_text(s, 6, "2001:db8::25");
	col_int(s, 7, 3);
	col_text(s, 8, "https://example.com/why");
	col_text(s, 9, "X509_V_ERR_CERT_HAS_EXPIRED");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_int(s, 0, pid1);
	col_text(s, 1, "x-vendor-thing");
	col_int(s, 2, 0);
	col_text(s, 3, NULL);
	col_text(s, 4, NULL);
	col_text(s, 5, NULL);
	col_text(s, 6, NULL);
	col_int(s, 7, 2);
	col_text(s, 8, NULL);
	col_text(s, 9, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_int(s, 0, pid2);
	col_text(s, 1, "dane-required");
	col_int(s, 2, 1);
	col_text(s, 4, "mx2.example.com");
	col_int(s, 7, 7);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	/* the report's sessions for example.com, counted once: sts has the
	 * most (105 against 47), with the report's start and sender beside */
	s = prep(db, "SELECT report_ref, policy_domain, policy_type, "
	    "start_time, organization_name, successful_sessions, "
	    "failed_sessions FROM report_domains");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_int(s, 0, id);
	col_text(s, 1, "example.com");
	col_text(s, 2, "sts");
	col_text(s, 3, "2024-05-01T00:00:00Z");
	col_text(s, 4, "Example Org");
	col_int(s, 5, 100);
	col_int(s, 6, 5);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	assert_int_equal(rows(db, "reports"), 1);
	assert_int_equal(rows(db, "policies"), 2);
	assert_int_equal(rows(db, "failure_details"), 3);
	assert_int_equal(rows(db, "quarantine"), 0);
}

/* test_no_meta - without header metadata those columns are NULL */
static void
test_no_meta(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[1];
	struct tr_report r;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "r1", "2024-05-01T00:00:00Z", p, 1);
	r.contact_info = NULL;
	put(fx->st, &r, TR_PUT_STORED);
	assert_int_equal(q_int(db, "SELECT count(*) FROM reports WHERE "
	    "contact_info IS NULL AND report_domain IS NULL AND submitter IS "
	    "NULL AND message_id IS NULL AND mail_from IS NULL AND mail_date "
	    "IS NULL AND subject IS NULL AND source IS NULL AND envelope_from "
	    "IS NULL AND envelope_to IS NULL AND way_in = 'file'"), 1);
}

/* test_duplicate - the same organization and report-id is not stored again */
static void
test_duplicate(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	static const char other_raw[] = "{\"second\":\"copy\"}";
	struct tr_failure f[1] = {
		{ .result_type = "validation-failure", .result_type_known = 1,
		  .failed_session_count = 1 },
	};
	struct tr_policy p[2];
	struct tr_report r;
	int64_t first, again;

	p[0] = pol("sts", "example.com", 10, 1);
	p[0].failures = f;
	p[0].nfailures = 1;
	p[1] = pol("tlsa", "example.com", 10, 1);
	mkreport(&r, "Example Org", "dup-1", "2024-05-01T00:00:00Z", p, 2);
	first = put(fx->st, &r, TR_PUT_STORED);

	/* A resent copy may differ in its body; the first copy stays. */
	r.raw = other_raw;
	r.rawlen = sizeof(other_raw) - 1;
	p[0].successful_sessions = 999;
	again = put(fx->st, &r, TR_PUT_DUPLICATE);
	assert_int_equal(again, first);
	assert_int_equal(rows(db, "reports"), 1);
	assert_int_equal(rows(db, "policies"), 2);
	assert_int_equal(rows(db, "failure_details"), 1);
	q_text_eq(db, "SELECT raw_json FROM reports", raw_json);
	assert_int_equal(q_int(db, "SELECT max(successful_sessions) FROM "
	    "policies"), 10);

	/* Also a duplicate inside a batch, and the batch commits. */
	assert_int_equal(tr_store_begin(fx->st, NULL), TR_OK);
	assert_int_equal(put(fx->st, &r, TR_PUT_DUPLICATE), first);
	assert_int_equal(tr_store_commit(fx->st, NULL), TR_OK);
	assert_int_equal(rows(db, "reports"), 1);
}

/* test_same_id_other_org - report-ids are unique per sender only */
static void
test_same_id_other_org(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[1];
	struct tr_report r;
	int64_t a, b;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org A", "shared-id", "2024-05-01T00:00:00Z", p, 1);
	a = put(fx->st, &r, TR_PUT_STORED);
	r.organization_name = "Org B";
	b = put(fx->st, &r, TR_PUT_STORED);
	assert_true(a != b);
	assert_int_equal(rows(db, "reports"), 2);
	assert_int_equal(rows(db, "policies"), 2);
	/* Case matters: "org a" is another sender as far as the key goes. */
	r.organization_name = "org a";
	put(fx->st, &r, TR_PUT_STORED);
	assert_int_equal(rows(db, "reports"), 3);
}

/* test_quarantine - every column, and the raw bytes exactly, NUL included */
static void
test_quarantine(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	static const unsigned char raw[] = "From: a@example.org\r\n\r\n"
	    "body\0after the NUL \xff\xfe end";
	struct tr_msgmeta meta = {
		.message_id = "<q1@example.org>", .from = "a@example.org",
		.subject = "=?utf-8?q?Re=3A_hello?=",
	};
	struct tr_origin o = origin();
	struct tr_error err;
	sqlite3_stmt *s;
	int64_t id, id2;

	o.way_in = TR_WAY_SMTP;
	o.source = "[192.0.2.9]:4711";
	o.envelope_from = "a@example.org";
	o.envelope_to = "tlsrpt@example.com";
	o.meta = &meta;
	if (tr_store_put_quarantine(fx->st, &o, raw, sizeof(raw) - 1,
	    "no-report-part", "no report part in the message", NULL, &id,
	    &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_true(id > 0);

	s = prep(db, "SELECT received_at, way_in, source, envelope_from, "
	    "envelope_to, message_id, mail_from, subject, reason_class, "
	    "reason, raw, typeof(raw) FROM quarantine WHERE id = ?");
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "2024-05-02T00:00:00Z");
	col_text(s, 1, "smtp");
	col_text(s, 2, "[192.0.2.9]:4711");
	col_text(s, 3, "a@example.org");
	col_text(s, 4, "tlsrpt@example.com");
	col_text(s, 5, "<q1@example.org>");
	col_text(s, 6, "a@example.org");
	col_text(s, 7, "=?utf-8?q?Re=3A_hello?=");
	col_text(s, 8, "no-report-part");
	col_text(s, 9, "no report part in the message");
	col_text(s, 11, "blob");
	assert_int_equal(sqlite3_column_bytes(s, 10), sizeof(raw) - 1);
	assert_memory_equal(sqlite3_column_blob(s, 10), raw, sizeof(raw) - 1);
	sqlite3_finalize(s);

	/* An empty message and missing labels still make a row. */
	o = origin();
	o.way_in = TR_WAY_UNKNOWN;
	if (tr_store_put_quarantine(fx->st, &o, NULL, 0, NULL, NULL, NULL, &id2,
	    &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_true(id2 > id);
	s = prep(db, "SELECT way_in, reason_class, reason, typeof(raw), "
	    "length(raw), message_id FROM quarantine WHERE id = ?");
	sqlite3_bind_int64(s, 1, id2);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "unknown");
	col_text(s, 1, "unknown");
	col_text(s, 2, "");
	col_text(s, 3, "blob");
	col_int(s, 4, 0);
	col_text(s, 5, NULL);
	sqlite3_finalize(s);
	assert_int_equal(rows(db, "quarantine"), 2);
	assert_int_equal(rows(db, "reports"), 0);

	/* The same bytes again are a duplicate of the first row. */
	{
		enum tr_put put = TR_PUT_STORED;
		int64_t id3 = 0;

		if (tr_store_put_quarantine(fx->st, &o, raw, sizeof(raw) - 1,
		    "no-report-part", "again", &put, &id3, &err) != TR_OK)
			fail_msg("%s", err.msg);
		assert_int_equal(put, TR_PUT_DUPLICATE);
		assert_int_equal(id3, id);
		assert_int_equal(rows(db, "quarantine"), 2);
	}
}

/* test_notes_json - conformance notes become a valid JSON array */
static void
test_notes_json(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[1];
	struct tr_report r;
	int i;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "notes-1", "2024-05-01T00:00:00Z", p, 1);
	assert_int_equal(tr_notes_add(&r.notes, "date-range.start-datetime: "
	    "no time zone, read as UTC"), 0);
	assert_int_equal(tr_notes_add(&r.notes, "quote \" back\\slash "
	    "nl\n tab\t bell\a caf\xc3\xa9"), 0);
	put(fx->st, &r, TR_PUT_STORED);
	tr_notes_free(&r.notes);

	assert_int_equal(q_int(db, "SELECT json_valid(conformance_notes) "
	    "FROM reports WHERE report_id = 'notes-1'"), 1);
	assert_int_equal(q_int(db, "SELECT json_array_length("
	    "conformance_notes) FROM reports WHERE report_id = 'notes-1'"), 2);
	q_text_eq(db, "SELECT json_extract(conformance_notes, '$[0]') FROM "
	    "reports WHERE report_id = 'notes-1'",
	    "date-range.start-datetime: no time zone, read as UTC");
	q_text_eq(db, "SELECT json_extract(conformance_notes, '$[1]') FROM "
	    "reports WHERE report_id = 'notes-1'",
	    "quote \" back\\slash nl\n tab\t bell\a caf\xc3\xa9");

	/* Past TR_NOTES_MAX the count of the rest is the last element. */
	mkreport(&r, "Org", "notes-2", "2024-05-01T00:00:00Z", p, 1);
	for (i = 0; i < TR_NOTES_MAX + 3; i++)
		assert_int_equal(tr_notes_add(&r.notes, "note %d", i), 0);
	assert_int_equal(r.notes.dropped, 3);
	put(fx->st, &r, TR_PUT_STORED);
	tr_notes_free(&r.notes);
	assert_int_equal(q_int(db, "SELECT json_array_length("
	    "conformance_notes) FROM reports WHERE report_id = 'notes-2'"),
	    TR_NOTES_MAX + 1);
	q_text_eq(db, "SELECT json_extract(conformance_notes, '$[63]') FROM "
	    "reports WHERE report_id = 'notes-2'", "note 63");
	q_text_eq(db, "SELECT json_extract(conformance_notes, '$[#-1]') FROM "
	    "reports WHERE report_id = 'notes-2'", "3 further notes not kept");
}

/* test_microsoft_no_double_count - tlsa and sts for one domain count once */
static void
test_microsoft_no_double_count(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[2];
	struct tr_report r;
	sqlite3_stmt *s;
	int64_t id;

	p[0] = pol("tlsa", "random.net", 2, 0);
	p[1] = pol("sts", "random.net", 2, 0);
	mkreport(&r, "Microsoft Corporation", "133xxx+random.net",
	    "2024-05-01T00:00:00Z", p, 2);
	id = put(fx->st, &r, TR_PUT_STORED);

	s = prep(db, "SELECT day, reports, organizations, successful_sessions,"
	    " failed_sessions, failure_rate FROM domain_daily WHERE "
	    "policy_domain = 'random.net'");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "2024-05-01");
	col_int(s, 1, 1);
	col_int(s, 2, 1);
	col_int(s, 3, 2);
	col_int(s, 4, 0);
	assert_int_equal(sqlite3_column_type(s, 5), SQLITE_FLOAT);
	assert_true(sqlite3_column_double(s, 5) == 0.0);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	s = prep(db, "SELECT policies, successful_sessions, failed_sessions "
	    "FROM report_summary WHERE id = ?");
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_int(s, 0, 2);
	col_int(s, 1, 2);
	col_int(s, 2, 0);
	sqlite3_finalize(s);

	/* Both policies are kept as sent. */
	assert_int_equal(q_int(db, "SELECT sum(successful_sessions) FROM "
	    "policies"), 4);
}

/* test_double_report_takes_larger - the policy type with more sessions
 * counts, other domains of the same report add up */
static void
test_double_report_takes_larger(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_failure f[1] = {
		{ .result_type = "validation-failure", .result_type_known = 1,
		  .receiving_mx_hostname = "mx.random.net",
		  .failed_session_count = 1 },
	};
	struct tr_policy p[4];
	struct tr_report r;

	p[0] = pol("tlsa", "random.net", 2, 0);
	p[1] = pol("sts", "random.net", 2, 1);
	p[1].failures = f;
	p[1].nfailures = 1;
	p[2] = pol("sts", "other.net", 5, 0);
	p[3] = pol("sts", "other.net", 1, 1);	/* same type: added */
	mkreport(&r, "Microsoft Corporation", "m-2", "2024-05-01T00:00:00Z",
	    p, 4);
	put(fx->st, &r, TR_PUT_STORED);

	assert_int_equal(q_int(db, "SELECT successful_sessions * 100 + "
	    "failed_sessions FROM domain_daily WHERE policy_domain = "
	    "'random.net'"), 201);
	assert_int_equal(q_int(db, "SELECT successful_sessions * 100 + "
	    "failed_sessions FROM domain_daily WHERE policy_domain = "
	    "'other.net'"), 601);
	assert_int_equal(q_int(db, "SELECT successful_sessions * 100 + "
	    "failed_sessions FROM report_summary"), 802);
	q_text_eq(db, "SELECT policy_type FROM report_domain_sessions WHERE "
	    "policy_domain = 'random.net'", "sts");
	/* failures_daily keeps the policy type so a reader can filter. */
	q_text_eq(db, "SELECT policy_type || ' ' || receiving_mx_hostname || "
	    "' ' || failed_sessions FROM failures_daily",
	    "sts mx.random.net 1");
}

/* test_reports_add_up - different reports for one domain and day add up */
static void
test_reports_add_up(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[1];
	struct tr_report r;
	sqlite3_stmt *s;

	p[0] = pol("sts", "example.com", 10, 2);
	mkreport(&r, "Org A", "a-1", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);
	p[0] = pol("sts", "example.com", 5, 3);
	mkreport(&r, "Org B", "b-1", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);
	p[0] = pol("tlsa", "example.com", 5, 0);
	mkreport(&r, "Org B", "b-2", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);
	p[0] = pol("sts", "example.com", 7, 0);
	mkreport(&r, "Org A", "a-2", "2024-05-02T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);

	s = prep(db, "SELECT day, reports, organizations, successful_sessions,"
	    " failed_sessions, failure_rate FROM domain_daily WHERE "
	    "policy_domain = 'example.com' ORDER BY day");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "2024-05-01");
	col_int(s, 1, 3);
	col_int(s, 2, 2);
	col_int(s, 3, 20);
	col_int(s, 4, 5);
	assert_float_equal(sqlite3_column_double(s, 5), 0.2, 1e-12);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "2024-05-02");
	col_int(s, 1, 1);
	col_int(s, 2, 1);
	col_int(s, 3, 7);
	col_int(s, 4, 0);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

/* test_failure_rate - REAL ratio, NULL without sessions */
static void
test_failure_rate(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[3];
	struct tr_report r;
	sqlite3_stmt *s;

	p[0] = pol("sts", "quarter.example", 3, 1);
	p[1] = pol("sts", "none.example", 0, 0);
	p[2] = pol("no-policy-found", "all.example", 0, 4);
	mkreport(&r, "Org", "rate-1", "2024-05-01T00:00:00Z", p, 3);
	put(fx->st, &r, TR_PUT_STORED);

	s = prep(db, "SELECT policy_domain, failure_rate, typeof(failure_rate)"
	    " FROM domain_daily ORDER BY policy_domain");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "all.example");
	col_text(s, 2, "real");
	assert_float_equal(sqlite3_column_double(s, 1), 1.0, 1e-12);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "none.example");
	col_text(s, 1, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	col_text(s, 0, "quarter.example");
	col_text(s, 2, "real");
	assert_float_equal(sqlite3_column_double(s, 1), 0.25, 1e-12);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

/* test_huge_counts - absurd counts from a sender do not break the views */
static void
test_huge_counts(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[1];
	struct tr_report r;

	p[0] = pol("sts", "big.example", INT64_MAX, INT64_MAX);
	mkreport(&r, "Org", "big-1", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);
	mkreport(&r, "Org", "big-2", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);
	/* sum() would stop the query with "integer overflow". */
	assert_int_equal(q_int(db, "SELECT reports FROM domain_daily"), 2);
	assert_int_equal(q_int(db, "SELECT count(*) FROM report_summary"), 2);
	assert_float_equal((double)q_int(db, "SELECT failure_rate * 1000 "
	    "FROM domain_daily"), 500.0, 1.0);
}

/* test_no_policies - a report without policies is stored and summarised */
static void
test_no_policies(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_report r;

	mkreport(&r, "Org", "empty-1", "2024-05-01T00:00:00Z", NULL, 0);
	put(fx->st, &r, TR_PUT_STORED);
	assert_int_equal(q_int(db, "SELECT policies * 100 + "
	    "successful_sessions * 10 + failed_sessions FROM report_summary"),
	    0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM report_summary"), 1);
}

/* test_cascade - deleting a report removes its policies and details */
static void
test_cascade(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_failure f[1] = {
		{ .result_type = "validation-failure", .result_type_known = 1,
		  .failed_session_count = 1 },
	};
	struct tr_policy p[1];
	struct tr_report r;

	p[0] = pol("sts", "example.com", 1, 1);
	p[0].failures = f;
	p[0].nfailures = 1;
	mkreport(&r, "Org", "c-1", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);
	assert_int_equal(rows(db, "failure_details"), 1);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM reports", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(rows(db, "policies"), 0);
	assert_int_equal(rows(db, "failure_details"), 0);
}

/* put_quarantine_simple - one quarantine row */
static void
put_quarantine_simple(struct tr_store *st)
{
	struct tr_origin o = origin();
	struct tr_error err;
	int64_t id;

	if (tr_store_put_quarantine(st, &o, (const unsigned char *)"x", 1,
	    "schema", "bad", NULL, &id, &err) != TR_OK)
		fail_msg("%s", err.msg);
}

/* test_rollback - a rolled back batch leaves nothing */
static void
test_rollback(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_failure f[1] = {
		{ .result_type = "validation-failure", .result_type_known = 1,
		  .failed_session_count = 1 },
	};
	struct tr_policy p[1];
	struct tr_report r, r2;
	struct tr_error err;

	p[0] = pol("sts", "example.com", 1, 1);
	p[0].failures = f;
	p[0].nfailures = 1;
	mkreport(&r, "Org", "rb-1", "2024-05-01T00:00:00Z", p, 1);
	mkreport(&r2, "Org", "rb-2", "2024-05-01T00:00:00Z", p, 1);
	if (tr_store_begin(fx->st, &err) != TR_OK)
		fail_msg("%s", err.msg);
	put(fx->st, &r, TR_PUT_STORED);
	put(fx->st, &r2, TR_PUT_STORED);
	put_quarantine_simple(fx->st);
	assert_int_equal(rows(db, "reports"), 2);
	tr_store_rollback(fx->st);
	assert_int_equal(rows(db, "reports"), 0);
	assert_int_equal(rows(db, "policies"), 0);
	assert_int_equal(rows(db, "failure_details"), 0);
	assert_int_equal(rows(db, "quarantine"), 0);
	assert_true(sqlite3_get_autocommit(db));
	/* Rolling back twice is harmless; the report is new again. */
	tr_store_rollback(fx->st);
	put(fx->st, &r, TR_PUT_STORED);
	assert_int_equal(rows(db, "reports"), 1);
}

/* test_reopen - an existing database opens without running migrations */
static void
test_reopen(void **state)
{
	struct tu_store *fx = *state;
	struct tr_policy p[1];
	struct tr_report r;
	struct tr_error err;
	int64_t id, cookie;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "keep-1", "2024-05-01T00:00:00Z", p, 1);
	id = put(fx->st, &r, TR_PUT_STORED);
	cookie = q_int(tr_store_db(fx->st), "PRAGMA schema_version");
	tr_store_close(fx->st);
	fx->st = NULL;

	if (tr_store_open(fx->db, 0, &fx->st, &err) != TR_OK)
		fail_msg("%s", err.msg);
	/* Any CREATE would have bumped the schema cookie. */
	assert_int_equal(q_int(tr_store_db(fx->st), "PRAGMA schema_version"),
	    cookie);
	assert_int_equal(rows(tr_store_db(fx->st), "reports"), 1);
	assert_int_equal(rows(tr_store_db(fx->st), "policies"), 1);
	assert_int_equal(put(fx->st, &r, TR_PUT_DUPLICATE), id);
}

/* test_old_page_size - a file made with 4 KiB pages keeps them and works */
static void
test_old_page_size(void **state)
{
	struct tu_store *fx = *state;
	struct tr_policy p[1];
	struct tr_report r;
	struct tr_error err;
	char path[TPATH];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/old.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA page_size = 4096; "
	    "PRAGMA journal_mode = WAL", NULL, NULL, NULL), SQLITE_OK);
	if (tr_schema_migrate(db, path, &err) != TR_OK)
		fail_msg("%s", err.msg);
	sqlite3_close(db);

	tr_store_close(fx->st);
	if (tr_store_open(path, 0, &fx->st, &err) != TR_OK)
		fail_msg("%s", err.msg);
	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "old-1", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);
	assert_int_equal(q_int(tr_store_db(fx->st), "PRAGMA page_size"), 4096);
	q_text_eq(tr_store_db(fx->st), "PRAGMA integrity_check", "ok");
}

/* expect_refused - opening path fails with exactly msg, and the file is
 * left as it was (and not switched to WAL when nowal) */
static void
expect_refused(const char *path, int flags, const char *msg, int nowal)
{
	unsigned char *before, *after;
	size_t blen = 0, alen = 0;
	struct tr_store *st = (struct tr_store *)&st;
	struct tr_error err;
	char wal[TPATH];

	before = file_bytes(path, &blen);
	assert_int_equal(tr_store_open(path, flags, &st, &err), TR_ERR_STORE);
	assert_null(st);
	assert_int_equal(err.code, TR_ERR_STORE);
	assert_string_equal(err.msg, msg);
	after = file_bytes(path, &alen);
	assert_non_null(after);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	/* Merely reading a WAL database makes SQLite create its -wal. */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (nowal)
		assert_false(exists(wal));
	free(before);
	free(after);
}

/* test_foreign_refused - another application's database is not touched */
static void
test_foreign_refused(void **state)
{
	struct tu_store *fx = *state;
	char path[TPATH], msg[TPATH + 128];

	snprintf(path, sizeof(path), "%s/other.db", fx->dir);
	raw_exec(path, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, "
	    "name TEXT); INSERT INTO accounts (name) VALUES ('alice');");
	snprintf(msg, sizeof(msg), "%s: a SQLite database of another "
	    "application (no tlsrptd schema); refusing to modify it", path);
	expect_refused(path, 0, msg, 1);
	expect_refused(path, TR_STORE_READONLY, msg, 1);

	/* A marker table that names someone else is not ours either. */
	snprintf(path, sizeof(path), "%s/other2.db", fx->dir);
	raw_exec(path, "CREATE TABLE tlsrptd_meta (key TEXT PRIMARY KEY, "
	    "value TEXT); INSERT INTO tlsrptd_meta VALUES ('application', "
	    "'something-else'); PRAGMA user_version = 1;");
	snprintf(msg, sizeof(msg), "%s: a SQLite database of another "
	    "application (no tlsrptd schema); refusing to modify it", path);
	expect_refused(path, 0, msg, 1);

	/* No tables, but a version: some other program's database. */
	snprintf(path, sizeof(path), "%s/other3.db", fx->dir);
	raw_exec(path, "PRAGMA user_version = 42;");
	snprintf(msg, sizeof(msg), "%s: a SQLite database of another "
	    "application (no tlsrptd schema); refusing to modify it", path);
	expect_refused(path, 0, msg, 1);
}

/* test_not_sqlite_refused - a text file is refused and left alone */
static void
test_not_sqlite_refused(void **state)
{
	struct tu_store *fx = *state;
	char path[TPATH], msg[TPATH + 128];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/notes.txt", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < 200; i++)
		fprintf(f, "line %d of a text file, not a database\n", i);
	fclose(f);
	snprintf(msg, sizeof(msg), "%s: not a SQLite database (file is not a "
	    "database)", path);
	expect_refused(path, 0, msg, 1);
	expect_refused(path, TR_STORE_READONLY, msg, 1);

	snprintf(path, sizeof(path), "%s/short.txt", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("hi\n", f);
	fclose(f);
	snprintf(msg, sizeof(msg), "%s: not a SQLite database (file is not a "
	    "database)", path);
	expect_refused(path, 0, msg, 1);
}

/* test_future_version_refused - a newer tlsrptd's database is not touched */
static void
test_future_version_refused(void **state)
{
	struct tu_store *fx = *state;
	char msg[TPATH + 128];

	tr_store_close(fx->st);
	fx->st = NULL;
	raw_exec(fx->db, "PRAGMA user_version = 8;");
	snprintf(msg, sizeof(msg), "%s: schema version 8 is newer than this "
	    "tlsrptd supports (%d)", fx->db, tr_store_schema_version());
	expect_refused(fx->db, 0, msg, 0);
	expect_refused(fx->db, TR_STORE_READONLY, msg, 0);
}

/* test_readonly_missing - READONLY does not create a missing file */
static void
test_readonly_missing(void **state)
{
	struct tu_store *fx = *state;
	struct tr_store *st = (struct tr_store *)&st;
	struct tr_error err;
	char path[TPATH];

	snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
	assert_int_equal(tr_store_open(path, TR_STORE_READONLY, &st, &err),
	    TR_ERR_STORE);
	assert_null(st);
	assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
	assert_non_null(strstr(err.msg, "unable to open database file"));
	assert_false(exists(path));

	/* An empty file holds no schema to read. */
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0644)), 0);
	assert_int_equal(tr_store_open(path, TR_STORE_READONLY, &st, &err),
	    TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "no tlsrptd schema yet"));
}

/* expect_put_fails - put_report and put_quarantine answer TR_ERR_STORE
 * naming a read-only database */
static void
expect_put_fails(struct tr_store *st, const char *path)
{
	struct tr_origin o = origin();
	struct tr_policy p[1];
	struct tr_report r;
	struct tr_error err;
	enum tr_put res;
	int64_t id;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "ro-2", "2024-05-01T00:00:00Z", p, 1);
	assert_int_equal(tr_store_put_report(st, &r, &o, &res, &id, &err),
	    TR_ERR_STORE);
	assert_int_equal(err.code, TR_ERR_STORE);
	assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
	assert_non_null(strstr(err.msg, "readonly"));
	assert_non_null(strstr(err.msg, "SQLITE_READONLY"));
	assert_int_equal(tr_store_put_quarantine(st, &o,
	    (const unsigned char *)"x", 1, "schema", "bad", NULL, &id, &err),
	    TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "SQLITE_READONLY"));
}

/* test_readonly_writes_fail - writes to a read-only store fail cleanly */
static void
test_readonly_writes_fail(void **state)
{
	struct tu_store *fx = *state;
	struct tr_policy p[1];
	struct tr_report r;
	struct tr_store *ro;
	struct tr_error err;
	unsigned char *bytes;
	char copy[TPATH];
	size_t len;
	FILE *f;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "ro-1", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);

	/* SQLITE_OPEN_READONLY beside a live writer: reads, never writes. */
	if (tr_store_open(fx->db, TR_STORE_READONLY, &ro, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(rows(tr_store_db(ro), "reports"), 1);
	assert_int_equal(tr_store_begin(ro, &err), TR_OK);
	assert_int_equal(q_int(tr_store_db(ro), "SELECT successful_sessions "
	    "FROM domain_daily"), 1);
	assert_int_equal(tr_store_commit(ro, &err), TR_OK);
	expect_put_fails(ro, fx->db);
	tr_store_close(ro);
	assert_int_equal(rows(tr_store_db(fx->st), "reports"), 1);

	/* A writable store whose connection refuses writes (query_only):
	 * the same clean error, and the store works again afterwards. */
	assert_int_equal(sqlite3_exec(tr_store_db(fx->st),
	    "PRAGMA query_only = 1", NULL, NULL, NULL), SQLITE_OK);
	expect_put_fails(fx->st, fx->db);
	assert_int_equal(sqlite3_exec(tr_store_db(fx->st),
	    "PRAGMA query_only = 0", NULL, NULL, NULL), SQLITE_OK);
	mkreport(&r, "Org", "ro-2", "2024-05-01T00:00:00Z", p, 1);
	put(fx->st, &r, TR_PUT_STORED);

	/* A write-protected copy (root ignores the mode, so only as others). */
	tr_store_close(fx->st);
	fx->st = NULL;
	snprintf(copy, sizeof(copy), "%s/copy.db", fx->dir);
	bytes = tu_read(fx->db, &len);
	assert_non_null(f = fopen(copy, "wb"));
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	free(bytes);
	assert_int_equal(chmod(copy, 0444), 0);
	if (geteuid() == 0) {
		print_message("    (running as root: the 0444 copy is "
		    "writable, skipping that part)\n");
		return;
	}
	if (tr_store_open(copy, 0, &ro, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(rows(tr_store_db(ro), "reports"), 2);
	expect_put_fails(ro, copy);
	tr_store_close(ro);
}

/* big_report - a report whose bulk is in its policies, so that running out
 * of space strikes in the middle of it */
static void
big_report(struct tr_report *r, struct tr_policy *p, size_t np,
    struct tr_failure *f, const char *pstr, const char *id)
{
	size_t i;

	for (i = 0; i < np; i++) {
		p[i] = pol("sts", "full.example", 1, 1);
		p[i].policy_string_json = pstr;
		p[i].failures = f;
		p[i].nfailures = 1;
	}
	mkreport(r, "Org", id, "2024-05-01T00:00:00Z", p, np);
}

/* expect_consistent - no partial report, no orphan, intact file */
static void
expect_consistent(sqlite3 *db, size_t np)
{
	char sql[256];

	q_text_eq(db, "PRAGMA integrity_check", "ok");
	assert_int_equal(q_int(db, "SELECT count(*) FROM pragma_foreign_key_"
	    "check"), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM reports r WHERE "
	    "(SELECT count(*) FROM policies p WHERE p.report_ref = r.id) "
	    "!= %zu", np);
	assert_int_equal(q_int(db, sql), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM policies p WHERE "
	    "(SELECT count(*) FROM failure_details f WHERE f.policy_ref = "
	    "p.id) != 1"), 0);
}

/* test_storage_full - SQLITE_FULL is TR_ERR_STORE; nothing half-written */
static void
test_storage_full(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_failure f[1] = {
		{ .result_type = "validation-failure", .result_type_known = 1,
		  .failed_session_count = 1 },
	};
	enum { NP = 40 };
	struct tr_policy p[NP];
	struct tr_origin o = origin();
	struct tr_report r;
	struct tr_error err;
	enum tr_put res;
	char pstr[1200], id[32], sql[128];
	int64_t rowid, before;
	enum tr_err e = TR_OK;
	int i;

	memset(pstr, 0, sizeof(pstr));
	pstr[0] = '[';
	pstr[1] = '"';
	memset(pstr + 2, 'x', sizeof(pstr) - 5);
	pstr[sizeof(pstr) - 3] = '"';
	pstr[sizeof(pstr) - 2] = ']';

	big_report(&r, p, NP, f, pstr, "full-0");
	put(fx->st, &r, TR_PUT_STORED);
	before = rows(db, "reports");
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
	    (long long)q_int(db, "PRAGMA page_count") + 40);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);

	/* In a batch: the error, then a rollback leaves the earlier state. */
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	for (i = 1; i < 1000; i++) {
		snprintf(id, sizeof(id), "full-%d", i);
		big_report(&r, p, NP, f, pstr, id);
		if ((e = tr_store_put_report(fx->st, &r, &o, &res, &rowid,
		    &err)) != TR_OK)
			break;
	}
	assert_int_equal(e, TR_ERR_STORE);
	assert_true(i > 1);
	assert_non_null(strstr(err.msg, "SQLITE_FULL"));
	assert_non_null(strstr(err.msg, "full"));
	assert_int_equal(strncmp(err.msg, fx->db, strlen(fx->db)), 0);
	tr_store_rollback(fx->st);
	assert_int_equal(rows(db, "reports"), before);
	expect_consistent(db, NP);

	/* Outside a batch each report commits alone; the one that did not
	 * fit must leave no trace, even though it failed half-way. */
	for (i = 1; i < 1000; i++) {
		snprintf(id, sizeof(id), "auto-%d", i);
		big_report(&r, p, NP, f, pstr, id);
		if ((e = tr_store_put_report(fx->st, &r, &o, &res, &rowid,
		    &err)) != TR_OK)
			break;
	}
	assert_int_equal(e, TR_ERR_STORE);
	assert_true(i > 1);
	assert_non_null(strstr(err.msg, "SQLITE_FULL"));
	/* It failed after the report row, in its policies or details. */
	assert_null(strstr(err.msg, "storing a report"));
	assert_true(sqlite3_get_autocommit(db));
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM reports WHERE "
	    "report_id = '%s'", id);
	assert_int_equal(q_int(db, sql), 0);
	assert_int_equal(rows(db, "reports"), before + i - 1);
	expect_consistent(db, NP);

	/* Room again: the refused report goes in whole. */
	assert_int_equal(sqlite3_exec(db, "PRAGMA max_page_count = 1000000",
	    NULL, NULL, NULL), SQLITE_OK);
	put(fx->st, &r, TR_PUT_STORED);
	expect_consistent(db, NP);
}

/* test_txn_lost_detected - after SQLite ends a batch, writes are refused
 * instead of silently autocommitting */
static void
test_txn_lost_detected(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_policy p[1];
	struct tr_report r;
	struct tr_origin o = origin();
	struct tr_error err;
	enum tr_put res;
	int64_t id;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "lost-1", "2024-05-01T00:00:00Z", p, 1);
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	put(fx->st, &r, TR_PUT_STORED);
	/* Stand-in for an IOERR that made SQLite roll everything back. */
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(tr_store_put_report(fx->st, &r, &o, &res, &id, &err),
	    TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "rolled back"));
	assert_int_equal(tr_store_commit(fx->st, &err), TR_ERR_STORE);
	tr_store_rollback(fx->st);
	assert_int_equal(rows(db, "reports"), 0);
	put(fx->st, &r, TR_PUT_STORED);
}

/* test_busy - a second writer that cannot get the lock gets TR_ERR_STORE
 * naming SQLITE_BUSY, and works once the lock is free */
static void
test_busy(void **state)
{
	struct tu_store *fx = *state;
	struct tr_policy p[1];
	struct tr_report r;
	struct tr_origin o = origin();
	struct tr_store *other;
	struct tr_error err;
	enum tr_put res;
	int64_t id;

	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "busy-1", "2024-05-01T00:00:00Z", p, 1);
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	put(fx->st, &r, TR_PUT_STORED);

	if (tr_store_open(fx->db, 0, &other, &err) != TR_OK)
		fail_msg("%s", err.msg);
	/* Not the daemon's 5 s: the test need not wait that long. */
	sqlite3_busy_timeout(tr_store_db(other), 20);
	assert_int_equal(tr_store_begin(other, &err), TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "SQLITE_BUSY"));
	mkreport(&r, "Org", "busy-2", "2024-05-01T00:00:00Z", p, 1);
	assert_int_equal(tr_store_put_report(other, &r, &o, &res, &id, &err),
	    TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "SQLITE_BUSY"));
	assert_true(sqlite3_get_autocommit(tr_store_db(other)));

	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
	put(other, &r, TR_PUT_STORED);
	tr_store_close(other);
	assert_int_equal(rows(tr_store_db(fx->st), "reports"), 2);
}

/* test_memory_db - ":memory:" works for callers' own tests */
static void
test_memory_db(void **state)
{
	struct tr_policy p[1];
	struct tr_report r;
	struct tr_store *st;
	struct tr_error err;

	(void)state;
	if (tr_store_open(":memory:", 0, &st, &err) != TR_OK)
		fail_msg("%s", err.msg);
	p[0] = pol("sts", "example.com", 1, 0);
	mkreport(&r, "Org", "mem-1", "2024-05-01T00:00:00Z", p, 1);
	put(st, &r, TR_PUT_STORED);
	put(st, &r, TR_PUT_DUPLICATE);
	assert_int_equal(rows(tr_store_db(st), "policies"), 1);
	tr_store_close(st);
}

/* test_bulk - many reports in one batch; prints the rate */
static void
test_bulk(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_failure f[1] = {
		{ .result_type = "certificate-expired", .result_type_known = 1,
		  .sending_mta_ip = "192.0.2.1",
		  .receiving_mx_hostname = "mx.example.com",
		  .failed_session_count = 1 },
	};
	struct tr_policy p[2];
	struct tr_report r;
	struct tr_origin o = origin();
	struct tr_error err;
	struct timespec t0, t1;
	enum tr_put res;
	char id[32];
	int64_t rowid;
	double secs;
	int i, n = 20000;

	p[0] = pol("sts", "example.com", 100, 1);
	p[0].policy_string_json = "[\"version: STSv1\",\"mode: enforce\","
	    "\"mx: *.example.com\",\"max_age: 604800\"]";
	p[0].mx_host_json = "[\"*.example.com\"]";
	p[0].failures = f;
	p[0].nfailures = 1;
	p[1] = pol("tlsa", "example.com", 100, 0);
	mkreport(&r, "Bulk Org", id, "2024-05-01T00:00:00Z", p, 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "bulk-%d", i);
		if (tr_store_put_report(fx->st, &r, &o, &res, &rowid,
		    &err) != TR_OK)
			fail_msg("%s", err.msg);
	}
	if (tr_store_commit(fx->st, &err) != TR_OK)
		fail_msg("%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("    %d reports in %.3f s: %.0f reports/s\n", n, secs,
	    n / secs);
	assert_int_equal(rows(db, "reports"), n);
	assert_int_equal(rows(db, "policies"), 2 * n);
	assert_int_equal(rows(db, "failure_details"), n);
	assert_int_equal(q_int(db, "SELECT successful_sessions FROM "
	    "domain_daily"), 100 * n);
}

/* populate_sample - recent reports and a quarantined message, the data the
 * example queries of docs/schema.md are run against */
static void
populate_sample(struct tr_store *st)
{
	struct tr_failure fa[2] = {
		{ .result_type = "certificate-expired", .result_type_known = 1,
		  .sending_mta_ip = "192.0.2.10",
		  .receiving_mx_hostname = "mx1.example.com",
		  .receiving_ip = "198.51.100.25", .failed_session_count = 12 },
		{ .result_type = "starttls-not-supported",
		  .result_type_known = 1, .sending_mta_ip = "192.0.2.11",
		  .receiving_mx_hostname = "mx2.example.com",
		  .failed_session_count = 3 },
	};
	struct tr_failure fb[1] = {
		{ .result_type = "starttls-not-supported",
		  .result_type_known = 1, .sending_mta_ip = "203.0.113.5",
		  .receiving_mx_hostname = "mx2.example.com",
		  .failed_session_count = 2 },
	}, fb_copy[1];
	static const unsigned char reply[] = "Subject: Re: your TLS report\r\n"
	    "\r\nThanks!\r\n";
	struct tr_policy p[3];
	struct tr_msgmeta meta = { .message_id = "<human@example.net>",
	    .from = "Someone <someone@example.net>",
	    .subject = "Re: your TLS report" };
	struct tr_origin o = origin();
	struct tr_report r;
	struct tr_error err;
	char start[2][32], end[2][32], rid[64];
	enum tr_put res;
	time_t now = time(NULL);
	struct tm tm;
	int64_t id;
	int d;

	for (d = 0; d < 2; d++) {
		time_t t = now - (d + 1) * 86400;

		gmtime_r(&t, &tm);
		strftime(start[d], sizeof(start[d]), "%Y-%m-%dT00:00:00Z", &tm);
		strftime(end[d], sizeof(end[d]), "%Y-%m-%dT23:59:59Z", &tm);
	}
	o.received_at = now;
	for (d = 0; d < 2; d++) {
		p[0] = pol("sts", "example.com", 1200, 15);
		p[0].policy_string_json = "[\"version: STSv1\",\"mode: "
		    "enforce\",\"mx: *.example.com\",\"max_age: 86400\"]";
		p[0].mx_host_json = "[\"*.example.com\"]";
		p[0].failures = fa;
		p[0].nfailures = 2;
		p[1] = pol("no-policy-found", "example.net", 300, 0);
		mkreport(&r, "Google Inc.", rid, start[d], p, 2);
		r.end_datetime = end[d];
		snprintf(rid, sizeof(rid), "%.10s_example.com", start[d]);
		if (tr_store_put_report(st, &r, &o, &res, &id, &err) != TR_OK)
			fail_msg("%s", err.msg);

		/* Microsoft: the same sessions under tlsa and sts. */
		p[0] = pol("tlsa", "example.com", 80, 2);
		p[0].failures = fb;
		p[0].nfailures = 1;
		p[1] = pol("sts", "example.com", 80, 2);
		/* a copy, as a parsed report has: the repeat is marked */
		fb_copy[0] = fb[0];
		p[1].failures = fb_copy;
		p[1].nfailures = 1;
		mkreport(&r, "Microsoft Corporation", rid, start[d], p, 2);
		r.end_datetime = end[d];
		snprintf(rid, sizeof(rid), "1337%d+example.com", d);
		if (tr_store_put_report(st, &r, &o, &res, &id, &err) != TR_OK)
			fail_msg("%s", err.msg);
	}
	o.way_in = TR_WAY_SMTP;
	o.source = "[192.0.2.77]:51234";
	o.envelope_from = "someone@example.net";
	o.envelope_to = "tlsrpt@example.com";
	o.meta = &meta;
	if (tr_store_put_quarantine(st, &o, reply, sizeof(reply) - 1,
	    "no-report-part", "no report part in the message", NULL, &id,
	    &err) != TR_OK)
		fail_msg("%s", err.msg);
}

/* test_doc_queries - every ```sql block of docs/schema.md runs and finds
 * rows on sample data, so the documented queries cannot rot */
static void
test_doc_queries(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	const char *sample = getenv("TLSRPTD_SAMPLE_DB");
	struct tr_store *extra;
	struct tr_error err;
	char *doc, *p, *end;
	sqlite3_stmt *s;
	size_t len;
	int nq = 0, nrows;

	populate_sample(fx->st);
	/* For writing the docs: the same data in a file of one's choice. */
	if (sample != NULL && *sample != '\0') {
		if (tr_store_open(sample, 0, &extra, &err) != TR_OK)
			fail_msg("%s", err.msg);
		populate_sample(extra);
		tr_store_close(extra);
	}
	doc = (char *)tu_read(TESTDIR "/../docs/schema.md", &len);
	for (p = doc; (p = strstr(p, "```sql\n")) != NULL; p = end + 3) {
		p += 7;
		assert_non_null(end = strstr(p, "```"));
		*end = '\0';
		if (sqlite3_prepare_v2(db, p, -1, &s, NULL) != SQLITE_OK)
			fail_msg("docs/schema.md query %d: %s\n%s", nq + 1,
			    sqlite3_errmsg(db), p);
		nrows = 0;
		while (sqlite3_step(s) == SQLITE_ROW)
			nrows++;
		if (sqlite3_finalize(s) != SQLITE_OK)
			fail_msg("docs/schema.md query %d: %s\n%s", nq + 1,
			    sqlite3_errmsg(db), p);
		if (nrows == 0)
			fail_msg("docs/schema.md query %d found nothing:\n%s",
			    nq + 1, p);
		nq++;
	}
	free(doc);
	assert_true(nq >= 5);
}

/* main - run every store test, each in a fresh directory */
int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_fresh),
		T(test_fresh_is_steps),
		T(test_migrate_v1),
		T(test_migrate_v4),
		T(test_put_readback),
		T(test_no_meta),
		T(test_duplicate),
		T(test_same_id_other_org),
		T(test_quarantine),
		T(test_notes_json),
		T(test_microsoft_no_double_count),
		T(test_double_report_takes_larger),
		T(test_reports_add_up),
		T(test_failure_rate),
		T(test_huge_counts),
		T(test_no_policies),
		T(test_cascade),
		T(test_rollback),
		T(test_reopen),
		T(test_old_page_size),
		T(test_foreign_refused),
		T(test_not_sqlite_refused),
		T(test_future_version_refused),
		T(test_readonly_missing),
		T(test_readonly_writes_fail),
		T(test_storage_full),
		T(test_txn_lost_detected),
		T(test_busy),
		cmocka_unit_test(test_memory_db),
		T(test_bulk),
		T(test_doc_queries),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
