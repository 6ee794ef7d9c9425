/* test_query.c - the questions, quarantine retry and retention on a database
 * filled by ingesting tests/corpus */
#include <sys/stat.h>

#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "store_target.h"

#include "domain_count.h"

#include "pipeline.h"
#include "quarantine.h"
#include "query.h"
#include "retention.h"
#include "source.h"
#include "store.h"

/* Every message of the corpus is received at this time. */
#define RECEIVED	1795132800	/* 2026-11-20T00:00:00Z */

/* ingest_one - analyse and record one message, as tlsrptd ingest does */
static int
ingest_one(void *arg, const struct tr_source_msg *m)
{
	struct tu_store *fx = arg;
	struct tr_analysis a;
	struct tr_verdict v;
	struct tr_origin o;

	if (m->err.code != TR_OK)
		return 0;
	tr_analyse(m->buf, m->len, m->kind, m->filename, &fx->limits, &a);
	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = strrchr(m->name, '/') + 1;
	o.received_at = RECEIVED;
	assert_int_equal(tr_record(fx->st, &a, m->buf, m->len, &o, &v), TR_OK);
	tr_verdict_free(&v);
	tr_analysis_free(&a);
	return 0;
}

/* setup - a database holding the whole corpus (its SOURCES.tsv and the
 * invalid samples end up in the quarantine) */
static int
setup(void **state)
{
	struct tu_store *fx = tu_store_new_on("query");
	struct tr_error err;

	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	assert_int_equal(tr_source_walk(TESTDIR "/corpus", ingest_one, fx), 0);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	tu_store_free(*state);
	return 0;
}

/* out - t written in format f (free the result) */
static char *
out(const struct tr_table *t, enum tr_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	assert_non_null(o);
	assert_int_equal(tr_table_write(t, f, o), 0);
	fclose(o);
	return buf;
}

/* expect - t in format f is exactly want */
static void
expect(struct tr_table *t, enum tr_format f, const char *want)
{
	char *s = out(t, f);

	if (strcmp(s, want) != 0)
		fail_msg("got:\n%s\nwanted:\n%s", s, want);
	free(s);
}

/* q_int - one integer from the store, whichever engine holds it */
static int64_t
q_int(struct tu_store *fx, const char *sql)
{
	return tu_sql_int(fx->st, sql, NULL, NULL);
}

/* id_of - reports.id of the report with that report-id */
static int64_t
id_of(struct tu_store *fx, const char *report_id)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT id FROM reports WHERE report_id = "
	    "'%s'", report_id);
	return q_int(fx, sql);
}

/* test_corpus_loaded - what the fixture holds, as the other tests assume */
static void
test_corpus_loaded(void **state)
{
	struct tu_store *fx = *state;

	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 27);
	/* four of the invalid files share one organization and report-id:
	 * one row, seen four times */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 9);
	assert_int_equal(q_int(fx, "SELECT times_seen FROM quarantine WHERE "
	    "organization_name = 'Corp' AND report_id = 'r1'"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM report_domains"), 30);
}

/* test_summary_period - every domain, worst first, in all three formats */
static void
test_summary_period(void **state)
{
	struct tu_store *fx = *state;
	struct tr_query_filter f = { .limit = 1000 };
	struct tr_error err;
	struct tr_table *t;
	int more;

	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	assert_false(more);
	expect(t, TR_FORMAT_CSV,
	    "domain,sessions,failed,failure_rate,organizations,reports,first_day,last_day\r\n"
	    "xxxxxxxx.xx,3,3,1,1,1,2025-06-14,2025-06-14\r\n"
	    "josh.scot,4,2,0.5,1,1,2025-08-03,2025-08-03\r\n"
	    "xn--gpher-jua.test,5830,405,0.069468,2,2,2016-04-01,2025-08-04\r\n"
	    "company-y.example,5629,303,0.053828,1,1,2016-04-01,2016-04-01\r\n"
	    "example.com,4563,8,0.001753,5,9,2020-01-01,2026-05-13\r\n"
	    "cardinalhealth.ca,48,0,0,1,1,2024-09-03,2024-09-03\r\n"
	    "domain.de,2,0,0,1,1,2025-04-12,2025-04-12\r\n"
	    "example.org,13,0,0,1,1,2025-08-04,2025-08-04\r\n"
	    "fastmaildmarc.com,343,0,0,1,1,2020-03-02,2020-03-02\r\n"
	    "foo-bar.io,2,0,0,1,2,2025-03-27,2025-05-22\r\n"
	    "mail.mox.example,1,0,0,1,1,2024-02-25,2024-02-25\r\n"
	    "random.net,2,0,0,1,1,2025-05-23,2025-05-23\r\n"
	    "server.com,1,0,0,1,1,2026-01-11,2026-01-11\r\n"
	    "test.xmox.nl,7,0,0,3,4,2022-09-15,2024-02-25\r\n"
	    "test2.xmox.nl,1,0,0,1,1,2024-02-25,2024-02-25\r\n"
	    "unknown.xmox.nl,1,0,0,1,1,2024-02-25,2024-02-25\r\n"
	    "xmox.nl,1,0,0,1,1,2022-01-07,2022-01-07\r\n");
	tr_table_free(t);

	/* one domain, a period, each format */
	f.domain = "example.com";
	f.since = "2024-01-01T00:00:00Z";
	f.until = "2026-03-01T00:00:00Z";
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	expect(t, TR_FORMAT_TABLE,
	    "domain       sessions  failed  failure_rate  organizations  reports  first_day   last_day\n"
	    "-----------  --------  ------  ------------  -------------  -------  ----------  ----------\n"
	    "example.com      4530       7         0.15%              4        4  2024-01-09  2026-02-08\n");
	tr_table_free(t);
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	expect(t, TR_FORMAT_JSON,
	    "[\n"
	    "  {\n"
	    "    \"domain\":\"example.com\",\n"
	    "    \"sessions\":4530,\n"
	    "    \"failed\":7,\n"
	    "    \"failure_rate\":0.001545,\n"
	    "    \"organizations\":4,\n"
	    "    \"reports\":4,\n"
	    "    \"first_day\":\"2024-01-09\",\n"
	    "    \"last_day\":\"2026-02-08\"\n"
	    "  }\n"
	    "]\n");
	tr_table_free(t);
}

/* test_summary_by_day - latest day first; org filter in any case */
static void
test_summary_by_day(void **state)
{
	struct tu_store *fx = *state;
	struct tr_query_filter f = { .limit = 3, .domain = "example.com" };
	struct tr_error err;
	struct tr_table *t;
	int more;

	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_DAY, &t, &more,
	    &err), TR_OK);
	assert_true(more);	/* seven days, three shown */
	expect(t, TR_FORMAT_CSV,
	    "day,domain,sessions,failed,failure_rate,organizations,reports\r\n"
	    "2026-05-13,example.com,2,0,0,1,1\r\n"
	    "2026-05-12,example.com,4,0,0,1,1\r\n"
	    "2026-05-11,example.com,1,0,0,1,1\r\n");
	tr_table_free(t);

	f.limit = 100;
	f.domain = NULL;
	f.org = "MAIL.RU";
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_DAY, &t, &more,
	    &err), TR_OK);
	assert_false(more);
	expect(t, TR_FORMAT_CSV,
	    "day,domain,sessions,failed,failure_rate,organizations,reports\r\n"
	    "2024-02-22,example.com,1,1,1,1,1\r\n");
	tr_table_free(t);
}

/* test_failures - by the default dimensions, then by type with the
 * explanation, then by MX */
static void
test_failures(void **state)
{
	struct tu_store *fx = *state;
	struct tr_query_filter f = { .limit = 1000 };
	struct tr_error err;
	struct tr_table *t;
	int more;

	assert_int_equal(tr_query_failures(fx->st, &f, TR_DIM_TYPE |
	    TR_DIM_MX | TR_DIM_IP | TR_DIM_ORG, 0, &t, &more, &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "result_type,receiving_mx,sending_ip,organization,failed,reports,first_day,last_day\r\n"
	    "starttls-not-supported,mx2.mail.company-y.example,2001:db8:abcd:0013::1,Company-X,400,2,2016-04-01,2016-04-01\r\n"
	    "certificate-expired,mx1.mail.company-y.example,2001:db8:abcd:0012::1,Company-X,200,2,2016-04-01,2016-04-01\r\n"
	    "validation-failure,mx-backup.mail.company-y.example,198.51.100.62,Company-X,6,2,2016-04-01,2016-04-01\r\n"
	    "Testing,testing.josh.scot,,Microsoft Corporation,3,1,2025-08-03,2025-08-03\r\n"
	    "sts-policy-fetch-error,,,Microsoft Corporation,3,1,2025-06-14,2025-06-14\r\n"
	    "certificate-expired,mail.example.com,192.0.2.1,Google Inc.,2,1,2026-02-08,2026-02-08\r\n"
	    "sts-policy-fetch-error,,,Mail.ru,2,1,2024-02-22,2024-02-22\r\n"
	    "validation-failure,example.com,209.85.222.201,Example Inc.,2,1,2024-01-09,2024-01-09\r\n"
	    "certificate-host-mismatch,demo.example.com,123.123.123.123,Google Inc.,1,1,2020-01-01,2020-01-01\r\n"
	    "sts-policy-fetch-error,,,Reporter Example,1,1,2024-06-01,2024-06-01\r\n"
	    "validation-failure,example.com,209.85.208.176,Example Inc.,1,1,2024-01-09,2024-01-09\r\n");
	tr_table_free(t);

	f.domain = "example.com";
	assert_int_equal(tr_query_failures(fx->st, &f, TR_DIM_TYPE, 1, &t,
	    &more, &err), TR_OK);
	expect(t, TR_FORMAT_JSON,
	    "[\n"
	    "  {\n"
	    "    \"result_type\":\"sts-policy-fetch-error\",\n"
	    "    \"failed\":3,\n"
	    "    \"reports\":2,\n"
	    "    \"first_day\":\"2024-02-22\",\n"
	    "    \"last_day\":\"2024-06-01\",\n"
	    "    \"meaning\":\"The sender could not fetch your MTA-STS policy from https://mta-sts.<domain>/.well-known/mta-sts.txt (DNS, connection, TLS or HTTP error).\",\n"
	    "    \"fix\":\"Make the policy reachable over HTTPS, answering 200 with the policy as text/plain.\"\n"
	    "  },\n"
	    "  {\n"
	    "    \"result_type\":\"validation-failure\",\n"
	    "    \"failed\":3,\n"
	    "    \"reports\":1,\n"
	    "    \"first_day\":\"2024-01-09\",\n"
	    "    \"last_day\":\"2024-01-09\",\n"
	    "    \"meaning\":\"The sender refused the TLS connection for a reason none of the other types describes.\",\n"
	    "    \"fix\":\"Read failure_reason_code and additional_information in the report's details, and test the MX with a TLS checker.\"\n"
	    "  },\n"
	    "  {\n"
	    "    \"result_type\":\"certificate-expired\",\n"
	    "    \"failed\":2,\n"
	    "    \"reports\":1,\n"
	    "    \"first_day\":\"2026-02-08\",\n"
	    "    \"last_day\":\"2026-02-08\",\n"
	    "    \"meaning\":\"The certificate your MX presents has expired.\",\n"
	    "    \"fix\":\"Renew it, reload the mail server, and automate the renewal.\"\n"
	    "  },\n"
	    "  {\n"
	    "    \"result_type\":\"certificate-host-mismatch\",\n"
	    "    \"failed\":1,\n"
	    "    \"reports\":1,\n"
	    "    \"first_day\":\"2020-01-01\",\n"
	    "    \"last_day\":\"2020-01-01\",\n"
	    "    \"meaning\":\"The certificate your MX presents does not name the MX host (or match your MTA-STS mx patterns or DANE records).\",\n"
	    "    \"fix\":\"Install a certificate whose subject alternative names cover the MX hostname exactly as your MX records spell it.\"\n"
	    "  }\n"
	    "]\n");
	tr_table_free(t);
}

/* put - store a report built here */
static int64_t
put(struct tu_store *fx, struct tr_report *r)
{
	struct tr_origin o = { .way_in = TR_WAY_FILE, .received_at = RECEIVED };
	struct tr_error err;
	enum tr_put p;
	int64_t id;

	if (tr_store_put_report(fx->st, r, &o, &p, &id, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(p, TR_PUT_STORED);
	return id;
}

/* test_own_domains - with the site's domains, a tlsa policy named after
 * the MX host counts under the domain: summary, failures and reports */
static void
test_own_domains(void **state)
{
	static const char *const own[] = { "pf.example", "sub.pf.example",
	    "mx.hoster.example=pf.example" };
	struct tu_store *fx = *state;
	struct tr_failure fail = { .result_type = "validation-failure",
	    .result_type_known = 1, .receiving_mx_hostname = "mx1.pf.example",
	    .failed_session_count = 1 };
	struct tr_policy pol[4] = {
		{ .policy_type = "no-policy-found", .policy_domain = "pf.example",
		  .successful_sessions = 32 },
		{ .policy_type = "tlsa", .policy_domain = "mx.hoster.example",
		  .successful_sessions = 1000 },
		{ .policy_type = "tlsa", .policy_domain = "mx1.pf.example",
		  .successful_sessions = 85 },
		{ .policy_type = "sts", .policy_domain = "pf.example",
		  .successful_sessions = 10, .failed_sessions = 1,
		  .failures = &fail, .nfailures = 1 },
	};
	struct tr_report r = { .organization_name = "mail.example.org",
	    .report_id = "pf-1", .start_datetime = "2026-11-21T00:00:00Z",
	    .end_datetime = "2026-11-22T00:00:00Z", .policies = pol,
	    .npolicies = 4, .raw = "{}", .rawlen = 2 };
	struct tr_query_filter f = { .limit = 10, .org = "mail.example.org" };
	struct tr_error err;
	struct tr_table *t;
	int more;

	put(fx, &r);
	/* as reported: two domains */
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "domain,sessions,failed,failure_rate,organizations,reports,first_day,last_day\r\n"
	    "pf.example,43,1,0.023256,1,1,2026-11-21,2026-11-21\r\n"
	    "mx.hoster.example,1000,0,0,1,1,2026-11-21,2026-11-21\r\n"
	    "mx1.pf.example,85,0,0,1,1,2026-11-21,2026-11-21\r\n");
	tr_table_free(t);
	/* with the site's domains: one, the report once */
	f.own_domains = own;
	f.nown_domains = 3;
	f.domain = "pf.example";
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "domain,sessions,failed,failure_rate,organizations,reports,first_day,last_day\r\n"
	    "pf.example,1128,1,0.000887,1,1,2026-11-21,2026-11-21\r\n");
	tr_table_free(t);
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_DAY, &t, &more,
	    &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "day,domain,sessions,failed,failure_rate,organizations,reports\r\n"
	    "2026-11-21,pf.example,1128,1,0.000887,1,1\r\n");
	tr_table_free(t);
	assert_int_equal(tr_query_failures(fx->st, &f, TR_DIM_DOMAIN |
	    TR_DIM_TYPE, 0, &t, &more, &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "result_type,domain,failed,reports,first_day,last_day\r\n"
	    "validation-failure,pf.example,1,1,2026-11-21,2026-11-21\r\n");
	tr_table_free(t);
	assert_int_equal(tr_query_reports(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_table_nrows(t), 1);
	tr_table_free(t);
	/* the MX name alone is not one of them */
	f.domain = "mx1.pf.example";
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);
}

/* cell_i - column col of row r of t, an integer */
static int64_t
cell_i(const struct tr_table *t, size_t r, size_t col)
{
	int64_t v;

	assert_int_equal(tr_table_cell_int(t, r, col, &v), 0);
	return v;
}

/* owners_as_c - summary's sessions and failures per domain, gathered under
 * own[0..n) by the query, equal those of every policy domain added up
 * under tr_domain_owner here */
static void
owners_as_c(struct tu_store *fx, const char *const *own, size_t n)
{
	struct tr_query_filter f = { .limit = 1000 };
	struct tr_table *raw, *by;
	struct tr_error err;
	const char *pd, *o, *d;
	int64_t s, fl;
	size_t i, j;
	int more;

	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &raw,
	    &more, &err), TR_OK);
	f.own_domains = own;
	f.nown_domains = n;
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &by,
	    &more, &err), TR_OK);
	assert_true(tr_table_nrows(by) <= tr_table_nrows(raw));
	for (i = 0; i < tr_table_nrows(by); i++) {
		d = tr_table_cell_text(by, i, 0);
		s = fl = 0;
		for (j = 0; j < tr_table_nrows(raw); j++) {
			pd = tr_table_cell_text(raw, j, 0);
			o = tr_domain_owner(pd, own, n);
			if (o == NULL)
				o = pd;
			if (d == NULL ? o == NULL : o != NULL &&
			    strcmp(o, d) == 0) {
				s += cell_i(raw, j, 1);
				fl += cell_i(raw, j, 2);
			}
		}
		if (s != cell_i(by, i, 1) || fl != cell_i(by, i, 2))
			fail_msg("%s: %lld/%lld by the query, %lld/%lld here",
			    d != NULL ? d : "(none)",
			    (long long)cell_i(by, i, 1),
			    (long long)cell_i(by, i, 2), (long long)s,
			    (long long)fl);
	}
	tr_table_free(raw);
	tr_table_free(by);
}

/* test_owners_match_c - the owners the SQL works out are tr_domain_owner's:
 * host=domain first, the longest listed domain whatever the order, and
 * "ample.com" is not a domain that example.com is below */
static void
test_owners_match_c(void **state)
{
	static const char *const own1[] = { "com", "example.com",
	    "ample.com", "mx2.mail.company-y.example=example.net" };
	static const char *const own2[] = { "example", "company-y.example",
	    "mail.company-y.example", "net", "random.net" };
	static const char *const own3[] = { "xx", "example.com=xx" };
	struct tu_store *fx = *state;

	owners_as_c(fx, own1, 4);
	owners_as_c(fx, own2, 5);
	owners_as_c(fx, own3, 2);
}

/* test_org_filter - --org is a part of the name in any ASCII case; % and _
 * in it are plain characters */
static void
test_org_filter(void **state)
{
	struct tu_store *fx = *state;
	struct tr_query_filter f = { .limit = 1000, .org = "MAIL.ru" };
	struct tr_error err;
	struct tr_table *t;
	size_t i;
	int more;

	assert_int_equal(tr_query_senders(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_table_nrows(t), 1);
	assert_string_equal(tr_table_cell_text(t, 0, 0), "Mail.ru");
	tr_table_free(t);
	f.org = "EXAMPLE";
	assert_int_equal(tr_query_senders(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_table_nrows(t), q_int(fx, "SELECT count(DISTINCT "
	    "organization_name) FROM report_domains WHERE "
	    "organization_name LIKE '%xample%' OR "
	    "organization_name LIKE '%XAMPLE%'"));
	assert_true(tr_table_nrows(t) >= 2);
	for (i = 0; i < tr_table_nrows(t); i++)
		assert_non_null(strcasestr(tr_table_cell_text(t, i, 0),
		    "example"));
	tr_table_free(t);
	f.org = "%";
	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);
	f.org = "Mail_ru";
	assert_int_equal(tr_query_reports(fx->st, &f, &t, &more, &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);
	f.org = "\\";
	assert_int_equal(tr_query_failures(fx->st, &f, TR_DIM_TYPE, 0, &t,
	    &more, &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);
}

/* test_double_count - Microsoft reports the same sessions and failures
 * under tlsa and sts: summary and failures count them once */
static void
test_double_count(void **state)
{
	struct tu_store *fx = *state;
	struct tr_failure fail[2] = { { .result_type = "certificate-expired",
	    .result_type_known = 1, .receiving_mx_hostname = "mx.dc.example",
	    .sending_mta_ip = "192.0.2.9", .failed_session_count = 40 } };
	struct tr_policy pol[2] = {
		{ .policy_type = "tlsa", .policy_domain = "dc.example",
		  .successful_sessions = 960, .failed_sessions = 40,
		  .failures = &fail[0], .nfailures = 1 },
		{ .policy_type = "sts", .policy_domain = "dc.example",
		  .successful_sessions = 960, .failed_sessions = 40,
		  .failures = &fail[1], .nfailures = 1 },
	};
	struct tr_report r = { .organization_name = "Microsoft Corporation",
	    .report_id = "dc-1", .start_datetime = "2026-11-19T00:00:00Z",
	    .end_datetime = "2026-11-19T23:59:59Z", .policies = pol,
	    .npolicies = 2, .raw = "{}", .rawlen = 2 };
	struct tr_query_filter f = { .limit = 10, .domain = "dc.example" };
	struct tr_error err;
	struct tr_table *t;
	int more;

	fail[1] = fail[0];
	put(fx, &r);
	/* a second sender sees other sessions of the same domain */
	r.organization_name = "Google Inc.";
	r.report_id = "dc-2";
	r.npolicies = 1;
	pol[1].successful_sessions = 100;
	pol[1].failed_sessions = 0;
	pol[1].nfailures = 0;
	r.policies = &pol[1];
	put(fx, &r);

	assert_int_equal(tr_query_summary(fx->st, &f, TR_BY_PERIOD, &t, &more,
	    &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "domain,sessions,failed,failure_rate,organizations,reports,first_day,last_day\r\n"
	    "dc.example,1100,40,0.036364,2,2,2026-11-19,2026-11-19\r\n");
	tr_table_free(t);
	assert_int_equal(tr_query_failures(fx->st, &f, TR_DIM_TYPE | TR_DIM_ORG,
	    0, &t, &more, &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "result_type,organization,failed,reports,first_day,last_day\r\n"
	    "certificate-expired,Microsoft Corporation,40,1,2026-11-19,2026-11-19\r\n");
	tr_table_free(t);
	/* the raw rows hold both copies; only one is counted */
	assert_int_equal(q_int(fx, "SELECT sum(f.failed_sessions) FROM "
	    "failure_details f JOIN policies p ON p.id = f.policy_ref "
	    "WHERE p.policy_domain = 'dc.example'"), 80);
}

/* test_senders_same_day - senders whose last reports start the same day
 * come by name, whatever the hour */
static void
test_senders_same_day(void **state)
{
	struct tu_store *fx = *state;
	struct tr_policy pol = { .policy_type = "sts",
	    .policy_domain = "tie.example", .successful_sessions = 3,
	    .failed_sessions = 1 };
	struct tr_report late = { .organization_name = "zz late",
	    .report_id = "t-1", .start_datetime = "2030-01-01T12:00:00Z",
	    .end_datetime = "2030-01-01T23:59:59Z", .policies = &pol,
	    .npolicies = 1, .raw = "{}", .rawlen = 2 };
	struct tr_report early = late;
	struct tr_query_filter f = { .limit = 10,
	    .since = "2030-01-01T00:00:00Z" };
	struct tr_error err;
	struct tr_table *t;
	int more;

	early.organization_name = "aa early";
	early.report_id = "t-2";
	early.start_datetime = "2030-01-01T01:00:00Z";
	put(fx, &late);
	put(fx, &early);
	assert_int_equal(tr_query_senders(fx->st, &f, &t, &more, &err), TR_OK);
	expect(t, TR_FORMAT_CSV,
	    "organization,reports,days,domains,sessions,failed,failure_rate,first_day,last_day\r\n"
	    "aa early,1,1,1,4,1,0.25,2030-01-01,2030-01-01\r\n"
	    "zz late,1,1,1,4,1,0.25,2030-01-01,2030-01-01\r\n");
	tr_table_free(t);
}

/* test_silent_limit - the silent senders stop at the first pair silent for
 * less than asked, and say when the limit left some out */
static void
test_silent_limit(void **state)
{
	struct tu_store *fx = *state;
	struct tr_query_filter f = { .limit = 1000 };
	struct tr_error err;
	struct tr_table *t;
	size_t r, k = 0;
	int64_t days;
	int more;

	assert_int_equal(tr_query_silent_senders(fx->st, &f, 1, 0, &t, &more,
	    &err), TR_OK);
	assert_false(more);
	for (r = 0; r < tr_table_nrows(t); r++) {
		assert_int_equal(tr_table_cell_int(t, r, 5, &days), 0);
		if (days >= 30)
			k++;
	}
	assert_true(k >= 2 && k < tr_table_nrows(t));
	tr_table_free(t);
	f.limit = k;
	assert_int_equal(tr_query_silent_senders(fx->st, &f, 1, 30, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), k);
	assert_false(more);
	tr_table_free(t);
	f.limit = k - 1;
	assert_int_equal(tr_query_silent_senders(fx->st, &f, 1, 30, &t, &more,
	    &err), TR_OK);
	assert_int_equal(tr_table_nrows(t), k - 1);
	assert_true(more);
	tr_table_free(t);
}

/* test_reports - the list and one report in full */
static void
test_reports(void **state)
{
	struct tu_store *fx = *state;
	struct tr_query_filter f = { .limit = 10, .org = "microsoft" };
	struct tr_query_report r;
	struct tr_error err;
	struct tr_table *t;
	int more, found;
	int64_t id;
	char want[2048];

	assert_int_equal(tr_query_reports(fx->st, &f, &t, &more, &err), TR_OK);
	/* ids are the engine's: PostgreSQL's sequences skip the values of
	 * inserts that met a conflict, SQLite's rowids do not */
	snprintf(want, sizeof(want),
	    "id,organization,report_id,start,end,domains,sessions,failed,notes\r\n"
	    "%lld,Microsoft Corporation,134232617934286362+example.com,2026-05-13T00:00:00Z,2026-05-13T23:59:59Z,example.com,2,0,0\r\n"
	    "%lld,Microsoft Corporation,133988091029006454+josh.scot,2025-08-03T00:00:00Z,2025-08-03T23:59:59Z,josh.scot,4,2,4\r\n"
	    "%lld,Microsoft Corporation,1234567890+,2025-06-14T00:00:00Z,2025-06-14T23:59:59Z,xxxxxxxx.xx,3,3,0\r\n"
	    "%lld,Microsoft Corporation,133925885310113267+random.net,2025-05-23T00:00:00Z,2025-05-23T23:59:59Z,random.net,2,0,1\r\n"
	    "%lld,Microsoft Corporation,133198585438131172+test.xmox.nl,2023-01-10T00:00:00Z,2023-01-10T23:59:59Z,test.xmox.nl,2,0,2\r\n",
	    (long long)id_of(fx, "134232617934286362+example.com"),
	    (long long)id_of(fx, "133988091029006454+josh.scot"),
	    (long long)id_of(fx, "1234567890+"),
	    (long long)id_of(fx, "133925885310113267+random.net"),
	    (long long)id_of(fx, "133198585438131172+test.xmox.nl"));
	expect(t, TR_FORMAT_CSV, want);
	tr_table_free(t);

	id = q_int(fx, "SELECT id FROM reports WHERE report_id = "
	    "'133925885310113267+random.net'");
	assert_int_equal(tr_query_report_show(fx->st, id, &r, &found, &err),
	    TR_OK);
	assert_true(found);
	assert_int_equal(tr_table_nrows(r.info), 1);
	assert_string_equal(tr_table_cell_text(r.info, 0, 1),
	    "Microsoft Corporation");
	/* the same sessions under sts and tlsa: one of them counted */
	expect(r.policies, TR_FORMAT_CSV,
	    "policy,policy_type,domain,counted,successful,failed,mx_host,policy_string\r\n"
	    "0,sts,random.net,yes,2,0,,\"[\"\"version: STSv1\"\",\"\"mode: enforce\"\",\"\"mx: *.random.net\"\",\"\"max_age: 2592000\"\"]\"\r\n"
	    "1,tlsa,random.net,no,2,0,,\"[\"\"3 1 1 6007EEE553E85D8DF007A845D19EC343283D4E416E9A33F9EF3040C8B7C285BC\"\",\"\"3 1 1 837C773D54C2E2BD71871A3FC352BE8214D5646CBAE5E3091401A7274717998B\"\"]\"\r\n");
	assert_int_equal(tr_table_nrows(r.failures), 0);
	assert_int_equal(tr_table_nrows(r.notes), 1);
	assert_string_equal(tr_table_cell_text(r.notes, 0, 0),
	    "policies[1].policy.policy-string: one JSON-encoded array "
	    "string, expanded");
	assert_non_null(strstr(r.raw_json, "133925885310113267+random.net"));
	tr_query_report_free(&r);

	assert_int_equal(tr_query_report_show(fx->st, 999999, &r, &found,
	    &err), TR_OK);
	assert_false(found);
}

/* test_quarantine_list_show - latest first, the reason in full */
static void
test_quarantine_list_show(void **state)
{
	struct tu_store *fx = *state;
	struct tr_query_filter f = { .limit = 2 };
	struct tr_query_qitem q;
	struct tr_error err;
	struct tr_table *t;
	int more, found;
	int64_t id;

	assert_int_equal(tr_query_quarantine(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_true(more);
	assert_int_equal(tr_table_nrows(t), 2);
	tr_table_free(t);
	f.since = "2026-11-21T00:00:00Z";
	f.limit = 100;
	assert_int_equal(tr_query_quarantine(fx->st, &f, &t, &more, &err),
	    TR_OK);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);

	id = q_int(fx, "SELECT id FROM quarantine WHERE source = "
	    "'smtp_tls_reporting__date_error.json'");
	assert_int_equal(tr_query_quarantine_show(fx->st, id, &q, &found, &err),
	    TR_OK);
	assert_true(found);
	assert_string_equal(tr_table_cell_text(q.info, 0, 9), "schema");
	assert_string_equal(tr_table_cell_text(q.info, 0, 10),
	    "date-range.start-datetime: not an RFC 3339 date-time: "
	    "\"April fools\"");
	assert_int_equal(q.raw_len, 659);
	tr_query_qitem_free(&q);
}

/* test_retry - a quarantined message that passes today is stored and
 * leaves the quarantine; one that still fails stays, with today's reason */
static void
test_retry(void **state)
{
	struct tu_store *fx = *state;
	struct tr_origin o = { .way_in = TR_WAY_MILTER, .source = "4XyZ1",
	    .envelope_from = "noreply@example.net", .received_at = RECEIVED };
	struct tr_retry_result res;
	struct tr_error err;
	unsigned char *raw;
	size_t len;
	int64_t qid, bad;
	int found;

	/* as an older tlsrptd might have refused it */
	raw = tu_read("corpus/mox__microsoft.eml", &len);
	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	tu_sql_exec(fx->st, "DELETE FROM reports WHERE "
	    "organization_name = 'Microsoft Corporation' AND report_id = "
	    "'133198585438131172+test.xmox.nl'");
	assert_int_equal(tr_store_put_quarantine(fx->st, &o, raw, len,
	    "schema", "an old reason", NULL, &qid, &err), TR_OK);
	bad = q_int(fx, "SELECT id FROM quarantine WHERE source = "
	    "'smtp_tls_reporting__date_error.json'");
	tu_sql_exec(fx->st, "UPDATE quarantine SET reason = "
	    "'stale' WHERE source = 'smtp_tls_reporting__date_error.json'");

	assert_int_equal(tr_quarantine_retry(fx->st, qid, &fx->limits, &res,
	    &found, &err), TR_OK);
	assert_true(found);
	assert_int_equal(res.outcome, TR_RETRY_STORED);
	assert_int_equal(res.stored, 1);
	assert_int_equal(tr_quarantine_retry(fx->st, bad, &fx->limits, &res,
	    &found, &err), TR_OK);
	assert_int_equal(res.outcome, TR_RETRY_INVALID);
	assert_int_equal(tr_quarantine_retry(fx->st, 999999, &fx->limits, &res,
	    &found, &err), TR_OK);
	assert_false(found);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);

	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine WHERE "
	    "source = '4XyZ1'"), 0);
	/* stored with the message's origin and received time */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports WHERE "
	    "report_id = '133198585438131172+test.xmox.nl' AND way_in = "
	    "'milter' AND source = '4XyZ1' AND received_at = "
	    "'2026-11-20T00:00:00Z'"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine WHERE "
	    "reason LIKE 'date-range.start-datetime: not an RFC 3339%'"), 1);
	/* a retry is not an arrival: the count stays */
	assert_int_equal(q_int(fx, "SELECT times_seen FROM quarantine WHERE "
	    "reason LIKE 'date-range.start-datetime: not an RFC 3339%'"), 1);

	assert_int_equal(tr_quarantine_delete(fx->st, bad, &found, &err), TR_OK);
	assert_true(found);
	assert_int_equal(tr_quarantine_delete(fx->st, bad, &found, &err), TR_OK);
	assert_false(found);
	free(raw);
}

/* retried_class - the reason class a quarantined body gets when retried,
 * having come in way w */
static char *
retried_class(struct tu_store *fx, enum tr_way_in w, const char *body)
{
	struct tr_origin o = { .way_in = w, .source = "192.0.2.7",
	    .received_at = RECEIVED };
	struct tr_retry_result res;
	struct tr_error err;
	struct tr_stmt *s;
	char *class;
	int64_t qid;
	int found;

	assert_int_equal(tr_store_begin(fx->st, &err), TR_OK);
	assert_int_equal(tr_store_put_quarantine(fx->st, &o,
	    (const unsigned char *)body, strlen(body), "old-class",
	    "an old reason", NULL, &qid, &err), TR_OK);
	assert_int_equal(tr_quarantine_retry(fx->st, qid, &fx->limits, &res,
	    &found, &err), TR_OK);
	assert_true(found);
	assert_int_equal(res.outcome, TR_RETRY_INVALID);
	assert_int_equal(tr_store_commit(fx->st, &err), TR_OK);
	assert_int_equal(tr_db_prepare(tr_store_conn(fx->st), "SELECT "
	    "reason_class FROM quarantine WHERE id = ?1", &s, &err), TR_OK);
	assert_int_equal(tr_db_bind_int64(s, 1, qid), TR_OK);
	assert_int_equal(tr_db_step(s, &err), TR_STEP_ROW);
	class = strdup(tr_db_col_text(s, 0));
	tr_db_finalize(s);
	return class;
}

/* test_retry_bare - a body POSTed over HTTP, like one over HTTPS, is
 * retried as a bare report, even when it does not look like one; a mail
 * with the same text is read as a mail */
static void
test_retry_bare(void **state)
{
	struct tu_store *fx = *state;
	char *http, *https, *mail;

	http = retried_class(fx, TR_WAY_HTTP, "not a report (http)");
	https = retried_class(fx, TR_WAY_HTTPS, "not a report (https)");
	mail = retried_class(fx, TR_WAY_SMTP, "not a report (smtp)");
	assert_string_equal(https, "json-syntax");
	assert_string_equal(http, https);
	assert_string_not_equal(mail, https);
	free(http);
	free(https);
	free(mail);
}

/* test_prune_exact - the reports whose period ended before the cut and
 * the messages received before theirs, and nothing else, in steps */
static void
test_prune_exact(void **state)
{
	struct tu_store *fx = *state;
	struct tr_retention r = { .report_days = 365, .quarantine_days = 0 };
	struct tr_pruned done = { 0 }, count;
	struct tr_error err;
	int64_t now = 1767225600;	/* 2026-01-01T00:00:00Z */
	int more, steps = 0;

	/* ended before 2025-01-01T00:00:00Z */
	assert_int_equal(tr_prune_count(fx->st, &r, now, &count, &err), TR_OK);
	assert_int_equal(count.reports, 14);
	assert_int_equal(count.quarantined, 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports WHERE "
	    "end_time < '2025-01-01T00:00:00Z'"), 14);
	do {
		assert_int_equal(tr_prune_step(fx->st, &r, now, 4, &done, &more,
		    &err), TR_OK);
		steps++;
	} while (more);
	assert_int_equal(steps, 4);	/* 4 + 4 + 4 + 1 */
	assert_int_equal(done.reports, 14);
	assert_int_equal(done.quarantined, 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 13);
	assert_int_equal(q_int(fx, "SELECT CASE WHEN min(end_time) >= "
	    "'2025-01-01T00:00:00Z' THEN 1 ELSE 0 END FROM reports"), 1);
	/* the cascade took the policies, details and counted sessions */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM policies WHERE "
	    "report_ref NOT IN (SELECT id FROM reports)"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM report_domains WHERE "
	    "report_ref NOT IN (SELECT id FROM reports)"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM failure_details WHERE "
	    "policy_ref NOT IN (SELECT id FROM policies)"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 9);

	/* the quarantine by received time: 2026-11-20 is 3 days before */
	r.report_days = 0;
	r.quarantine_days = 4;
	memset(&done, 0, sizeof(done));
	assert_int_equal(tr_prune_step(fx->st, &r, RECEIVED + 3 * 86400, 100,
	    &done, &more, &err), TR_OK);
	assert_int_equal(done.quarantined, 0);
	r.quarantine_days = 3;
	assert_int_equal(tr_prune_step(fx->st, &r, RECEIVED + 3 * 86400 + 1,
	    100, &done, &more, &err), TR_OK);
	assert_int_equal(done.quarantined, 9);
	assert_false(more);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 13);
}

static void
pruner_ran(const struct tr_pruned *run, void *arg)
{
	struct event_base *base = arg;

	event_base_loopbreak(base);
}

/* test_pruner_loop - the daemon's timer prunes everything due in steps
 * and stops for an interval */
static void
test_pruner_loop(void **state)
{
	struct tu_store *fx = *state;
	struct tr_pruner_settings s;
	struct event_base *base = event_base_new();
	struct tr_pruner *p;

	assert_non_null(base);
	tr_pruner_defaults(&s);
	/* everything ended more than a day ago; the quarantine is kept */
	s.retention.report_days = 1;
	s.step_rows = 5;
	s.first_delay_ms = 0;
	s.step_delay_ms = 0;
	s.on_run = pruner_ran;
	s.on_run_arg = base;
	assert_non_null(p = tr_pruner_start(base, fx->st, &s));
	assert_int_equal(event_base_dispatch(base), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM quarantine"), 9);
	tr_pruner_free(p);
	event_base_free(base);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_corpus_loaded),
		T(test_summary_period),
		T(test_summary_by_day),
		T(test_failures),
		T(test_double_count),
		T(test_own_domains),
		T(test_owners_match_c),
		T(test_org_filter),
		T(test_senders_same_day),
		T(test_silent_limit),
		T(test_reports),
		T(test_quarantine_list_show),
		T(test_retry),
		T(test_retry_bare),
		T(test_prune_exact),
		T(test_pruner_loop),
	};
#undef T

	return tu_run_groups("test_query", tests, sizeof(tests) / sizeof(tests[0]));
}
