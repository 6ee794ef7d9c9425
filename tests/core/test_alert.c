/* test_alert.c - failure-rate alerts: the day's figures, the threshold, once only, the command */
#include <sys/stat.h>

#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "store_fixture.h"

#include "alert.h"
#include "db.h"
#include "limits.h"
#include "log.h"
#include "pipeline.h"
#include "schema.h"
#include "stats.h"
#include "store.h"

static int
setup(void **state)
{
	*state = tu_store_logged(tu_store_new("alert"));
	return 0;
}

/* record - analyse and record buf in its own transaction */
static void
record(struct tu_store *fx, const void *buf, size_t len, struct tr_verdict *v)
{
	struct tr_analysis a;
	struct tr_origin o;
	struct tr_error err;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.received_at = 1700000000;
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	tr_analyse(buf, len, TR_INPUT_REPORT, NULL, &fx->limits, &a);
	assert_int_equal(tr_record(fx->st, &a, buf, len, &o, v), TR_OK);
	tr_analysis_free(&a);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
}

/* report - the RFC 8460 example under another report-id: 5326 successful
 * and 303 failed sessions for company-y.example on 2016-04-01 */
static char *
report(const char *id, size_t *len)
{
	unsigned char *buf = tu_read("corpus/parsedmarc__rfc8460.json", len);
	char *p = strstr((char *)buf, "5065427c-23d3-47ca-b6e0-946ea0e8c4be");

	assert_non_null(p);
	assert_true(strlen(id) <= 36);
	memset(p, 'x', 36);
	memcpy(p, id, strlen(id));
	return (char *)buf;
}

/* test_read_day_matches_domain_daily - every row of the view, read back */
static void
test_read_day_matches_domain_daily(void **state)
{
	struct tu_store *fx = *state;
	sqlite3 *db = tr_store_db(fx->st);
	struct tr_alert_day d;
	struct tr_verdict v;
	struct tr_error err;
	sqlite3_stmt *st;
	unsigned char *buf;
	size_t i, len, rows = 0;
	glob_t g;

	assert_int_equal(glob(TESTDIR "/corpus/*.json", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		buf = tu_read(g.gl_pathv[i], &len);
		record(fx, buf, len, &v);
		tr_verdict_free(&v);
		free(buf);
	}
	globfree(&g);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT day, policy_domain, "
	    "reports, organizations, successful_sessions, failed_sessions, "
	    "coalesce(failure_rate, 0) FROM domain_daily WHERE policy_domain "
	    "IS NOT NULL", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *day = (const char *)sqlite3_column_text(st, 0);
		const char *dom = (const char *)sqlite3_column_text(st, 1);

		if (tr_alert_read_day(tr_store_conn(fx->st), dom, day, &d,
		    &err) != TR_OK)
			fail_msg("%s", err.msg);
		assert_string_equal(d.day, day);
		assert_int_equal(d.reports, sqlite3_column_int64(st, 2));
		assert_int_equal(d.organizations, sqlite3_column_int64(st, 3));
		assert_int_equal(d.successful, sqlite3_column_int64(st, 4));
		assert_int_equal(d.failed, sqlite3_column_int64(st, 5));
		assert_true(d.rate == sqlite3_column_double(st, 6));
		rows++;
	}
	sqlite3_finalize(st);
	assert_true(rows >= 10);

	/* a day without reports */
	assert_int_equal(tr_alert_read_day(tr_store_conn(fx->st),
	    "nowhere.example", "2020-01-01", &d, &err), TR_OK);
	assert_int_equal(d.reports, 0);
	assert_int_equal(d.successful + d.failed, 0);
	assert_true(d.rate == 0);
	assert_int_equal(d.ntop, 0);
}

/* test_top_result_types - most failed first, from the counted policy type */
static void
test_top_result_types(void **state)
{
	struct tu_store *fx = *state;
	struct tr_alert_day d;
	struct tr_verdict v;
	struct tr_error err;
	char *buf;
	size_t len;

	buf = report("top-1", &len);
	record(fx, buf, len, &v);
	tr_verdict_free(&v);
	free(buf);
	assert_int_equal(tr_alert_read_day(tr_store_conn(fx->st),
	    "company-y.example", "2016-04-01", &d, &err), TR_OK);
	assert_int_equal(d.reports, 1);
	assert_int_equal(d.successful, 5326);
	assert_int_equal(d.failed, 303);
	assert_int_equal(d.ntop, 3);
	assert_string_equal(d.top[0].result_type, "starttls-not-supported");
	assert_int_equal(d.top[0].failed, 200);
	assert_string_equal(d.top[1].result_type, "certificate-expired");
	assert_int_equal(d.top[1].failed, 100);
	assert_string_equal(d.top[2].result_type, "validation-failure");
	assert_int_equal(d.top[2].failed, 3);
}

/* test_top_counts_every_detail - Microsoft's tlsa + sts report counts 4
 * sessions, not 8 (tlsa: a tie, with more failures); the certificate-expired
 * detail both list counts once, the dane-required failure only the tlsa
 * policy lists is not hidden; Google's no-policy-found session the same day
 * is added */
static void
test_top_counts_every_detail(void **state)
{
	static const char ms[] = "{\"organization-name\":\"Microsoft "
	    "Corporation\",\"date-range\":{\"start-datetime\":"
	    "\"2026-11-20T00:00:00Z\",\"end-datetime\":\"2026-11-20T23:59:59Z\"},"
	    "\"contact-info\":\"tlsrpt-noreply@microsoft.com\",\"report-id\":"
	    "\"1+a.example\",\"policies\":["
	    "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-domain\":"
	    "\"a.example\"},\"summary\":{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":3},\"failure-details\":["
	    "{\"result-type\":\"certificate-expired\",\"receiving-mx-hostname\":"
	    "\"mx.a.example\",\"failed-session-count\":2},"
	    "{\"result-type\":\"dane-required\",\"receiving-mx-hostname\":"
	    "\"mx.a.example\",\"failed-session-count\":1}]},"
	    "{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
	    "\"a.example\"},\"summary\":{\"total-successful-session-count\":2,"
	    "\"total-failure-session-count\":2},\"failure-details\":["
	    "{\"result-type\":\"certificate-expired\",\"receiving-mx-hostname\":"
	    "\"mx.a.example\",\"failed-session-count\":2}]}]}";
	static const char google[] = "{\"organization-name\":\"Google Inc.\","
	    "\"date-range\":{\"start-datetime\":\"2026-11-20T00:00:00Z\","
	    "\"end-datetime\":\"2026-11-20T23:59:59Z\"},\"contact-info\":"
	    "\"smtp-tls-reporting@google.com\",\"report-id\":\"g1\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"no-policy-found\","
	    "\"policy-domain\":\"a.example\"},\"summary\":"
	    "{\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":0}}]}";
	struct tu_store *fx = *state;
	struct tr_alert_day d;
	struct tr_verdict v;
	struct tr_error err;

	record(fx, ms, strlen(ms), &v);
	tr_verdict_free(&v);
	record(fx, google, strlen(google), &v);
	tr_verdict_free(&v);
	assert_int_equal(tr_alert_read_day(tr_store_conn(fx->st), "a.example",
	    "2026-11-20", &d, &err), TR_OK);
	assert_int_equal(d.reports, 2);
	/* tlsa 1/3 and sts 2/2 tie at 4: the more failures, tlsa; plus 1/0 */
	assert_int_equal(d.successful, 2);
	assert_int_equal(d.failed, 3);
	assert_int_equal(d.ntop, 2);
	assert_string_equal(d.top[0].result_type, "certificate-expired");
	assert_int_equal(d.top[0].failed, 2);
	assert_string_equal(d.top[1].result_type, "dane-required");
	assert_int_equal(d.top[1].failed, 1);
}

/* test_due - the threshold and the minimum, at their edges */
static void
test_due(void **state)
{
	struct tr_alert_settings s = { .threshold = 5, .min_sessions = 100 };
	struct tr_alert_day d;

	memset(&d, 0, sizeof(d));
	d.successful = 95;
	d.failed = 5;				/* 5 % of 100: due */
	assert_true(tr_alert_due(&d, &s));
	d.successful = 96;			/* 4.95 % */
	assert_false(tr_alert_due(&d, &s));
	d.successful = 94;
	d.failed = 5;				/* 99 sessions: too few */
	assert_false(tr_alert_due(&d, &s));
	s.min_sessions = 1;
	d.successful = 0;
	d.failed = 0;				/* nothing at all */
	assert_false(tr_alert_due(&d, &s));
	s.threshold = 2.25;
	d.successful = 9775;
	d.failed = 225;				/* exactly 2.25 % */
	assert_true(tr_alert_due(&d, &s));
	s.threshold = 0;			/* off */
	assert_false(tr_alert_due(&d, &s));
	s.threshold = 100;
	d.successful = 0;
	d.failed = INT64_MAX;			/* huge counts do not overflow */
	assert_true(tr_alert_due(&d, &s));
}

/* test_claim_once - one claim per domain and day, across a reopen */
static void
test_claim_once(void **state)
{
	struct tu_store *fx = *state;
	struct tr_alert_day d;
	struct tr_error err;

	memset(&d, 0, sizeof(d));
	d.policy_domain = "a.example";
	strcpy(d.day, "2026-01-02");
	d.successful = 1;
	d.failed = 9;
	d.rate = 0.9;
	assert_int_equal(tr_alert_claim(tr_store_conn(fx->st), &d, 5, &err), 1);
	assert_int_equal(tr_alert_claim(tr_store_conn(fx->st), &d, 5, &err), 0);
	strcpy(d.day, "2026-01-03");
	assert_int_equal(tr_alert_claim(tr_store_conn(fx->st), &d, 5, &err), 1);
	tr_store_close(fx->st);
	if (tr_store_open(fx->db, 0, &fx->st, &err) != TR_OK)
		fail_msg("reopen: %s", err.msg);
	assert_int_equal(tr_alert_claim(tr_store_conn(fx->st), &d, 5, &err), 0);
	d.policy_domain = "b.example";
	assert_int_equal(tr_alert_claim(tr_store_conn(fx->st), &d, 5, &err), 1);
}

#define HOST_DAYS	100

/* One host sharing the store: its own connection, its claims. */
struct host {
	struct tr_store *st;
	int won[HOST_DAYS];
	int errors;
};

/* claim_days - claim every day of the range, as a host whose reports
 * made them all due */
static void *
claim_days(void *arg)
{
	struct host *h = arg;
	struct tr_alert_day d;
	struct tr_error err;
	int i, r;

	memset(&d, 0, sizeof(d));
	d.policy_domain = "shared.example";
	d.successful = 1;
	d.failed = 9;
	d.rate = 0.9;
	for (i = 0; i < HOST_DAYS; i++) {
		snprintf(d.day, sizeof(d.day), "2026-%02u-%02u",
		    (unsigned)(1 + i / 28) % 13u, (unsigned)(1 + i % 28) % 29u);
		if ((r = tr_alert_claim(tr_store_conn(h->st), &d, 5, &err)) ==
		    -1)
			h->errors++;
		else
			h->won[i] = r;
	}
	return NULL;
}

/* test_claim_two_hosts - two connections to one store claiming the same
 * domain-days at once: each day is raised by exactly one of them */
static void
test_claim_two_hosts(void **state)
{
	struct tu_store *fx = *state;
	struct host h[2];
	struct tr_error err;
	pthread_t t[2];
	int64_t rows;
	int i, j;

	memset(h, 0, sizeof(h));
	for (j = 0; j < 2; j++)
		if (tr_store_open(fx->db, 0, &h[j].st, &err) != TR_OK)
			fail_msg("%s", err.msg);
	for (j = 0; j < 2; j++)
		assert_int_equal(pthread_create(&t[j], NULL, claim_days,
		    &h[j]), 0);
	for (j = 0; j < 2; j++)
		assert_int_equal(pthread_join(t[j], NULL), 0);
	for (j = 0; j < 2; j++) {
		assert_int_equal(h[j].errors, 0);
		tr_store_close(h[j].st);
	}
	for (i = 0; i < HOST_DAYS; i++)
		assert_int_equal(h[0].won[i] + h[1].won[i], 1);
	assert_int_equal(tr_db_query_int64(tr_store_conn(fx->st),
	    "SELECT count(*) FROM alerts", &rows, NULL, &err), TR_OK);
	assert_int_equal(rows, HOST_DAYS);
}

/* test_fields - the alert's JSON */
static void
test_fields(void **state)
{
	struct tr_alert_settings s = { .threshold = 2.5, .min_sessions = 10 };
	struct tr_alert_day d;
	struct json_object *f;

	memset(&d, 0, sizeof(d));
	d.policy_domain = "a.example";
	strcpy(d.day, "2026-01-02");
	d.reports = 2;
	d.organizations = 1;
	d.successful = 2;
	d.failed = 1;
	d.rate = 1.0 / 3;
	strcpy(d.top[0].result_type, "dane-required");
	d.top[0].failed = 1;
	d.ntop = 1;
	f = tr_alert_fields(&d, &s);
	assert_string_equal(json_object_to_json_string_ext(f,
	    JSON_C_TO_STRING_PLAIN),
	    "{\"policy_domain\":\"a.example\",\"day\":\"2026-01-02\","
	    "\"failure_rate_percent\":33.33,\"threshold_percent\":2.50,"
	    "\"sessions\":3,\"successful_sessions\":2,\"failed_sessions\":1,"
	    "\"min_sessions\":10,\"reports\":2,\"organizations\":1,"
	    "\"top_result_types\":[{\"result_type\":\"dane-required\","
	    "\"failed_sessions\":1}]}");
	json_object_put(f);
}

/* write_script - an executable shell script at dir/name */
static void
write_script(const char *dir, const char *name, const char *body,
    char *path, size_t pathsz)
{
	FILE *f;

	snprintf(path, pathsz, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

/* run_until_reaped - dispatch until the alerter has no command left */
static void
run_until_reaped(struct event_base *base, struct tr_alerter *a)
{
	int i;

	/* each command is killed after its timeout, so this ends */
	for (i = 0; i < 1000 && tr_alerter_running(a) > 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(tr_alerter_running(a), 0);
}

/* count_lines - lines of path holding text */
static int
count_lines(const char *path, const char *text)
{
	char line[4096];
	FILE *f;
	int n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, text) != NULL)
			n++;
	fclose(f);
	return n;
}

/* test_alerter_runs_command_once - the second report of the day crosses
 * alert_min_sessions: one alert, one command with the alert on stdin; the
 * third raises nothing */
static void
test_alerter_runs_command_once(void **state)
{
	struct tu_store *fx = *state;
	struct tr_alert_settings s = { .threshold = 5, .min_sessions = 6000 };
	struct event_base *base = event_base_new();
	struct tr_stats *stats = tr_stats_new();
	struct tr_daemon_stats ds;
	struct tr_alerter *a;
	struct tr_verdict v;
	char cmd[600], out[600], body[1300], *buf, *got, *text;
	size_t len;
	int i;

	snprintf(out, sizeof(out), "%s/alerts.out", fx->dir);
	snprintf(body, sizeof(body), "cat >> '%s'", out);
	write_script(fx->dir, "alert", body, cmd, sizeof(cmd));
	s.command = cmd;
	assert_non_null(a = tr_alerter_new(base, fx->st, &s, stats));
	for (i = 1; i <= 3; i++) {
		char id[16];

		snprintf(id, sizeof(id), "once-%d", i);
		buf = report(id, &len);
		record(fx, buf, len, &v);
		free(buf);
		tr_alerter_check(a, &v, 1);
		tr_verdict_free(&v);
		run_until_reaped(base, a);
		assert_int_equal(count_lines(fx->log,
		    "\"event\":\"failure_rate_alert\""), i == 1 ? 0 : 1);
	}
	got = (char *)tu_read(out, &len);
	assert_string_equal(got,
	    "{\"policy_domain\":\"company-y.example\",\"day\":\"2016-04-01\","
	    "\"failure_rate_percent\":5.38,\"threshold_percent\":5.00,"
	    "\"sessions\":11258,\"successful_sessions\":10652,"
	    "\"failed_sessions\":606,\"min_sessions\":6000,\"reports\":2,"
	    "\"organizations\":1,\"top_result_types\":["
	    "{\"result_type\":\"starttls-not-supported\",\"failed_sessions\":400},"
	    "{\"result_type\":\"certificate-expired\",\"failed_sessions\":200},"
	    "{\"result_type\":\"validation-failure\",\"failed_sessions\":6}],"
	    "\"event\":\"failure_rate_alert\"}\n");
	free(got);
	assert_int_equal(count_lines(fx->log, "\"event\":\"alert_command\""), 1);
	assert_int_equal(count_lines(fx->log, "\"result\":\"ok\",\"exit_status\":0"), 1);
	memset(&ds, 0, sizeof(ds));
	assert_int_equal(tr_stats_render(stats, &ds, &text, &len), 0);
	assert_non_null(strstr(text, "\ntlsrptd_failure_rate_alerts_total 1\n"));
	assert_non_null(strstr(text,
	    "\ntlsrptd_alert_commands_total{result=\"ok\"} 1\n"));
	free(text);
	tr_alerter_free(a);
	tr_stats_free(stats);
	event_base_free(base);
}

/* test_alerter_command_failures - a command that fails, one that hangs
 * (killed at its timeout), one that cannot start, one that reads nothing */
static void
test_alerter_command_failures(void **state)
{
	static const struct {
		const char *body;	/* NULL: no such file */
		const char *result;
	} cases[] = {
		{ "exit 3", "\"result\":\"failed\",\"exit_status\":3" },
		{ "exec sleep 30", "\"result\":\"timeout\",\"signal\":\"Killed\"" },
		{ NULL, "\"result\":\"error\",\"error\":\"No such file or directory\"" },
		{ "exec 0<&-; exit 0", "\"result\":\"ok\",\"exit_status\":0" },
	};
	struct tu_store *fx = *state;
	struct tr_alert_settings s = { .threshold = 1, .min_sessions = 1,
	    .command_timeout = 1 };
	struct event_base *base = event_base_new();
	struct tr_alerter *a;
	struct tr_verdict v;
	char cmd[600], id[16], name[16], *buf, *p;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "cmd%zu", i);
		if (cases[i].body != NULL)
			write_script(fx->dir, name, cases[i].body, cmd,
			    sizeof(cmd));
		else
			snprintf(cmd, sizeof(cmd), "%s/no-such-command",
			    fx->dir);
		s.command = cmd;
		assert_non_null(a = tr_alerter_new(base, fx->st, &s, NULL));
		/* a new day each time: 2016-04-0N */
		snprintf(id, sizeof(id), "fail-%zu", i);
		buf = report(id, &len);
		for (p = buf; (p = strstr(p, "2016-04-01T")) != NULL; p++)
			p[9] = (char)('2' + i);
		record(fx, buf, len, &v);
		free(buf);
		assert_int_equal(v.stored, 1);
		tr_alerter_check(a, &v, 1);
		tr_verdict_free(&v);
		run_until_reaped(base, a);
		tr_alerter_free(a);
		if (count_lines(fx->log, cases[i].result) != 1)
			fail_msg("case %zu: no line with %s", i,
			    cases[i].result);
	}
	assert_int_equal(count_lines(fx->log, "\"event\":\"failure_rate_alert\""),
	    4);
	event_base_free(base);
}

/* many_domains - a report of id for day 2016-04-01 with n policy domains
 * d0.example ... (each 10 sessions, all failed: every one alerts) */
static char *
many_domains(const char *id, int n, size_t *len)
{
	size_t cap = 512 + (size_t)n * 400, o;
	char *buf = malloc(cap);
	int i;

	assert_non_null(buf);
	o = (size_t)snprintf(buf, cap, "{\"organization-name\":\"Many\","
	    "\"date-range\":{\"start-datetime\":\"2016-04-01T00:00:00Z\","
	    "\"end-datetime\":\"2016-04-01T23:59:59Z\"},"
	    "\"contact-info\":\"tlsrpt@many.example\",\"report-id\":\"%s\","
	    "\"policies\":[", id);
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s{\"policy\":{"
		    "\"policy-type\":\"no-policy-found\",\"policy-domain\":"
		    "\"d%d.example\"},\"summary\":{"
		    "\"total-successful-session-count\":0,"
		    "\"total-failure-session-count\":10},\"failure-details\":["
		    "{\"result-type\":\"validation-failure\","
		    "\"failed-session-count\":10}]}", i > 0 ? "," : "", i);
	o += (size_t)snprintf(buf + o, cap - o, "]}");
	*len = o;
	return buf;
}

/* alerts_rows - rows of the alerts table */
static int
alerts_rows(struct tu_store *fx)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(tr_store_db(fx->st),
	    "SELECT count(*) FROM alerts", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* test_alert_bounds - one report raises at most max_per_report alerts, an
 * hour at most max_per_hour; what is held back is not recorded, and a
 * later report of the day raises it */
static void
test_alert_bounds(void **state)
{
	struct tu_store *fx = *state;
	struct tr_alert_settings s = { .threshold = 1, .min_sessions = 1,
	    .max_per_report = 5, .max_per_hour = 8 };
	struct event_base *base = event_base_new();
	struct tr_alerter *a;
	struct tr_verdict v;
	size_t len;
	char *buf;

	assert_non_null(a = tr_alerter_new(base, fx->st, &s, NULL));
	buf = many_domains("many-1", 12, &len);
	record(fx, buf, len, &v);
	free(buf);
	assert_int_equal(v.stored, 1);
	tr_alerter_check(a, &v, 1);
	tr_verdict_free(&v);
	assert_int_equal(count_lines(fx->log,
	    "\"event\":\"failure_rate_alert\""), 5);
	assert_int_equal(alerts_rows(fx), 5);
	assert_int_equal(count_lines(fx->log, "7 due alerts held back"), 1);
	/* the next report of the day: 5 more would be due, the hour takes 3 */
	buf = many_domains("many-2", 12, &len);
	record(fx, buf, len, &v);
	free(buf);
	tr_alerter_check(a, &v, 1);
	tr_verdict_free(&v);
	assert_int_equal(count_lines(fx->log,
	    "\"event\":\"failure_rate_alert\""), 8);
	assert_int_equal(alerts_rows(fx), 8);
	tr_alerter_free(a);
	event_base_free(base);
}

/* test_alert_own_first - with the site's domains set, their alerts go
 * first when the per-report cap leaves room for only some */
static void
test_alert_own_first(void **state)
{
	static const char *const own[] = { "d9.example", "d11.example" };
	struct tu_store *fx = *state;
	struct tr_alert_settings s = { .threshold = 1, .min_sessions = 1,
	    .max_per_report = 3, .max_per_hour = 100, .own_domains = own,
	    .nown_domains = 2 };
	struct event_base *base = event_base_new();
	struct tr_alerter *a;
	struct tr_verdict v;
	size_t len;
	char *buf;

	assert_non_null(a = tr_alerter_new(base, fx->st, &s, NULL));
	buf = many_domains("own-1", 12, &len);
	record(fx, buf, len, &v);
	free(buf);
	tr_alerter_check(a, &v, 1);
	tr_verdict_free(&v);
	assert_int_equal(alerts_rows(fx), 3);
	/* the two own domains, though the report names them last, then the
	 * first of the others */
	assert_int_equal(count_lines(fx->log, "\"policy_domain\":\"d9.example\""),
	    1);
	assert_int_equal(count_lines(fx->log, "\"policy_domain\":\"d11.example\""),
	    1);
	assert_int_equal(count_lines(fx->log, "\"policy_domain\":\"d0.example\""),
	    1);
	assert_int_equal(count_lines(fx->log, "\"policy_domain\":\"d1.example\""),
	    0);
	tr_alerter_free(a);
	event_base_free(base);
}

/* test_alert_commands_wait - more alerts than commands may run at once:
 * the others wait and run as slots free, none is lost; a command that has
 * not run when the alerter stops leaves its alert unrecorded */
static void
test_alert_commands_wait(void **state)
{
	struct tu_store *fx = *state;
	struct tr_alert_settings s = { .threshold = 1, .min_sessions = 1 };
	struct event_base *base = event_base_new();
	struct tr_alerter *a;
	struct tr_verdict v;
	char cmd[600], out[600], body[1300], *buf, *got, *p;
	size_t len;
	int i, n;

	snprintf(out, sizeof(out), "%s/alerts.out", fx->dir);
	snprintf(body, sizeof(body), "sleep 0.2; cat >> '%s'", out);
	write_script(fx->dir, "alert", body, cmd, sizeof(cmd));
	s.command = cmd;
	assert_non_null(a = tr_alerter_new(base, fx->st, &s, NULL));
	buf = many_domains("wait-1", TR_ALERT_MAX_RUNNING + 4, &len);
	record(fx, buf, len, &v);
	free(buf);
	tr_alerter_check(a, &v, 1);
	tr_verdict_free(&v);
	assert_int_equal(tr_alerter_running(a), TR_ALERT_MAX_RUNNING);
	assert_int_equal(tr_alerter_waiting(a), 4);
	for (i = 0; i < 1000 && (tr_alerter_running(a) > 0 ||
	    tr_alerter_waiting(a) > 0); i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(tr_alerter_running(a) + tr_alerter_waiting(a), 0);
	got = (char *)tu_read(out, &len);
	for (n = 0, p = got; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	assert_int_equal(n, TR_ALERT_MAX_RUNNING + 4);
	free(got);
	assert_int_equal(alerts_rows(fx), TR_ALERT_MAX_RUNNING + 4);
	assert_int_equal(count_lines(fx->log, "\"result\":\"ok\""),
	    TR_ALERT_MAX_RUNNING + 4);
	tr_alerter_free(a);

	/* stopped with commands waiting: those alerts are not recorded */
	snprintf(body, sizeof(body), "exec sleep 1");
	write_script(fx->dir, "slow", body, cmd, sizeof(cmd));
	s.command = cmd;
	assert_non_null(a = tr_alerter_new(base, fx->st, &s, NULL));
	buf = many_domains("wait-2", TR_ALERT_MAX_RUNNING + 8, &len);
	for (p = buf; (p = strstr(p, "2016-04-01T")) != NULL; p++)
		p[9] = '5';
	record(fx, buf, len, &v);
	free(buf);
	tr_alerter_check(a, &v, 1);
	tr_verdict_free(&v);
	assert_int_equal(tr_alerter_waiting(a), 8);
	tr_alerter_free(a);
	assert_int_equal(alerts_rows(fx), 2 * TR_ALERT_MAX_RUNNING + 4);
	assert_int_equal(count_lines(fx->log, "did not run before the stop"), 8);
	event_base_free(base);
	/* the slow commands are no business of the next test */
	sleep(1);
}

/* test_migration_from_version_1 - an existing database gains the table */
static void
test_migration_from_version_1(void **state)
{
	struct tu_store *fx = *state;
	struct tr_store *st;
	struct tr_error err;
	sqlite3 *db;
	char path[600];

	snprintf(path, sizeof(path), "%s/v1.db", fx->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, tr_schema_migrations[0], NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	if (tr_store_open(path, 0, &st, &err) != TR_OK)
		fail_msg("%s", err.msg);
	db = tr_store_db(st);
	assert_int_equal(sqlite3_exec(db, "SELECT policy_domain, day, "
	    "raised_at, failure_rate, successful_sessions, failed_sessions, "
	    "threshold FROM alerts", NULL, NULL, NULL), SQLITE_OK);
	tr_store_close(st);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tu_store_teardown)
	const struct CMUnitTest tests[] = {
		T(test_read_day_matches_domain_daily),
		T(test_top_result_types),
		T(test_top_counts_every_detail),
		cmocka_unit_test(test_due),
		T(test_claim_once),
		T(test_claim_two_hosts),
		cmocka_unit_test(test_fields),
		T(test_alerter_runs_command_once),
		T(test_alerter_command_failures),
		T(test_alert_own_first),
		T(test_alert_bounds),
		T(test_alert_commands_wait),
		T(test_migration_from_version_1),
	};

	/* as in tlsrptd run: a command that exits before reading its
	 * input ("exit 3") must not end the process with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
