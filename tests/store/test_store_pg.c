/*
 * test_store_pg.c - the store's writes through db.h, the same tests on
 * both engines: a SQLite file, and a PostgreSQL database in a cluster the
 * test starts (tests/pg/cluster.sh) and removes. The PostgreSQL runs are
 * skipped, with the reason printed, while this build has no PostgreSQL
 * driver or tests/pg/cluster.sh is missing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pg_cluster.h"
#include "testutil.h"

#include "db.h"
#include "dkim.h"
#include "error.h"
#include "report.h"
#include "schema.h"
#include "store.h"

#define CLUSTER	TESTDIR "/pg/cluster.sh"

static const char *pg_skip;		/* why PostgreSQL is not tested */
static struct tu_pg pg;		/* the cluster */
static char pg_host[512], pg_user[128];	/* from its conninfo */
static int pg_seq;

/* One database to test in: a fresh file, or a fresh PostgreSQL database */
struct target {
	enum tr_db_kind kind;
	char dir[256];
	char name[1024];		/* what tr_store_open_opts takes */
};

static const char raw_a[] = "{\"organization-name\":\"Org A\",\"v\":1}";
static const char raw_b[] = "{\"organization-name\":\"Org A\",\"v\":2}";
static const char raw_a_spaced[] =
    "{ \"organization-name\": \"Org A\",\n  \"v\": 1 }\n";

/* kw - the value of keyword key in a libpq keyword string, into out */
static int
kw(const char *conninfo, const char *key, char *out, size_t outsz)
{
	const char *p = conninfo, *e;
	size_t klen = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == conninfo || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			e = p + strcspn(p, " \n");
			if ((size_t)(e - p) >= outsz)
				return -1;
			memcpy(out, p, (size_t)(e - p));
			out[e - p] = '\0';
			return 0;
		}
		p += klen;
	}
	return -1;
}

/* pg_uri - a URI for database db of the cluster (a URI, because a
 * keyword string with a socket directory holds a '/') */
static void
pg_uri(const char *db, char *out, size_t outsz)
{
	snprintf(out, outsz, "postgresql:///%s?host=%s&user=%s", db, pg_host,
	    pg_user);
}

/* pg_probe - whether tr_db_pg_open is more than the placeholder */
static int
pg_probe(void)
{
	struct tr_db *db = NULL;
	struct tr_error err;

	memset(&err, 0, sizeof(err));
	if (tr_db_pg_open("postgresql:///probe?host=/nonexistent-tlsrptd",
	    NULL, &db, &err) == TR_OK) {
		tr_db_close(db);
		return 1;
	}
	return strstr(err.msg, "no PostgreSQL driver") == NULL;
}

/* group_setup - start a cluster when PostgreSQL can be tested at all */
static int
group_setup(void **state)
{
	char why[512] = "no conninfo";

	if (!pg_probe()) {
		pg_skip = "tr_db_pg_open: this build has no PostgreSQL driver "
		    "yet";
		return 0;
	}
	if (access(CLUSTER, R_OK) == -1) {
		pg_skip = "tests/pg/cluster.sh is not there";
		return 0;
	}
	if (tu_pg_cluster_start(&pg, why, sizeof(why)) == -1 ||
	    kw(pg.conninfo, "host", pg_host, sizeof(pg_host)) == -1) {
		fprintf(stderr, "%s (conninfo: %s)\n", why, pg.conninfo);
		tu_pg_cluster_stop(&pg);
		return -1;
	}
	if (kw(pg.conninfo, "user", pg_user, sizeof(pg_user)) == -1)
		snprintf(pg_user, sizeof(pg_user), "%s", "tlsrptd");
	return 0;
}

static int
group_teardown(void **state)
{
	tu_pg_cluster_stop(&pg);
	return 0;
}

/* raw_conn - a connection of the test's own to t */
static struct tr_db *
raw_conn(const struct target *t)
{
	struct tr_db *db = NULL;
	struct tr_error err;
	sqlite3 *h = NULL;

	if (t->kind == TR_DB_POSTGRESQL) {
		if (tr_db_pg_open(t->name, NULL, &db, &err) != TR_OK)
			fail_msg("%s", err.msg);
		return db;
	}
	if (sqlite3_open(t->name, &h) != SQLITE_OK)
		fail_msg("%s: %s", t->name, sqlite3_errmsg(h));
	sqlite3_busy_timeout(h, 5000);
	if (tr_db_sqlite_wrap(h, t->name, &db, &err) != TR_OK)
		fail_msg("%s", err.msg);
	return db;
}

/* target_new - a fresh, empty database of kind */
static void
target_new(struct target *t, enum tr_db_kind kind)
{
	struct tr_db *admin = NULL;
	struct tr_error err;
	char sql[128], db[64], uri[1024];

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	if (kind == TR_DB_SQLITE) {
		snprintf(t->dir, sizeof(t->dir), "/tmp/tlsrptd-storepg-XXXXXX");
		if (mkdtemp(t->dir) == NULL)
			fail_msg("mkdtemp: %s", strerror(errno));
		snprintf(t->name, sizeof(t->name), "%s/t.db", t->dir);
		return;
	}
	snprintf(db, sizeof(db), "tlsrptd_%d_%d", (int)getpid(), ++pg_seq);
	pg_uri("postgres", uri, sizeof(uri));
	if (tr_db_pg_open(uri, NULL, &admin, &err) != TR_OK)
		fail_msg("%s", err.msg);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
	if (tr_db_exec(admin, sql, &err) != TR_OK)
		fail_msg("%s", err.msg);
	tr_db_close(admin);
	pg_uri(db, t->name, sizeof(t->name));
}

static void
target_free(struct target *t)
{
	if (t->kind == TR_DB_SQLITE && t->dir[0] != '\0')
		tu_rmtree(t->dir);
}

/* open_as - the store of t, writing as instance */
static struct tr_store *
open_as(const struct target *t, const char *instance)
{
	struct tr_store_opts o;
	struct tr_store *st;
	struct tr_error err;

	memset(&o, 0, sizeof(o));
	o.instance_name = instance;
	if (tr_store_open_opts(t->name, &o, &st, &err) != TR_OK)
		fail_msg("open %s: %s", t->name, err.msg);
	return st;
}

/* q_int - the integer sql (no parameters) gives on st's connection */
static int64_t
q_int(struct tr_store *st, const char *sql)
{
	struct tr_error err;
	int64_t v;
	int found;

	if (tr_db_query_int64(tr_store_conn(st), sql, &v, &found,
	    &err) != TR_OK)
		fail_msg("%s: %s", sql, err.msg);
	if (!found)
		fail_msg("%s: no row", sql);
	return v;
}

/* q_text_eq - the text sql gives is want (NULL: SQL NULL) */
static void
q_text_eq(struct tr_store *st, const char *sql, const char *want)
{
	struct tr_stmt *s;
	struct tr_error err;
	const char *v;

	if (tr_db_prepare(tr_store_conn(st), sql, &s, &err) != TR_OK)
		fail_msg("%s: %s", sql, err.msg);
	if (tr_db_step(s, &err) != TR_STEP_ROW)
		fail_msg("%s: no row", sql);
	v = tr_db_col_text(s, 0);
	if (want == NULL ? v != NULL : v == NULL || strcmp(v, want) != 0)
		fail_msg("%s: got %s, want %s", sql, v != NULL ? v : "NULL",
		    want != NULL ? want : "NULL");
	tr_db_finalize(s);
}

/* mkreport - Org A's report id: sts 100/1 with one failure, tlsa 100/0,
 * for one domain (counted once: 100/1) */
static void
mkreport(struct tr_report *r, struct tr_policy p[2], struct tr_failure *f,
    const char *id, const char *raw)
{
	memset(f, 0, sizeof(*f));
	f->result_type = "certificate-expired";
	f->result_type_known = 1;
	f->sending_mta_ip = "192.0.2.1";
	f->receiving_mx_hostname = "mx.example.com";
	f->failed_session_count = 1;
	memset(p, 0, 2 * sizeof(*p));
	p[0].policy_type = "sts";
	p[0].policy_domain = "example.com";
	p[0].policy_string_json = "[\"version: STSv1\",\"mode: enforce\"]";
	p[0].mx_host_json = "[\"mx.example.com\"]";
	p[0].successful_sessions = 100;
	p[0].failed_sessions = 1;
	p[0].failures = f;
	p[0].nfailures = 1;
	p[1].policy_type = "tlsa";
	p[1].policy_domain = "example.com";
	p[1].successful_sessions = 100;
	memset(r, 0, sizeof(*r));
	r->organization_name = "Org A";
	r->report_id = id;
	r->contact_info = "tlsrpt@example.org";
	r->start_datetime = "2026-11-20T00:00:00Z";
	r->end_datetime = "2026-11-20T23:59:59Z";
	r->policies = p;
	r->npolicies = 2;
	r->raw = raw;
	r->rawlen = strlen(raw);
}

static struct tr_origin
origin(void)
{
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_SMTP;
	o.source = "[192.0.2.9]:25";
	o.envelope_from = "reports@example.org";
	o.received_at = 1795564800;	/* 2026-11-25T00:00:00Z */
	return o;
}

/* put - store r, expecting want; the row id */
static int64_t
put(struct tr_store *st, const struct tr_report *r, enum tr_put want)
{
	struct tr_origin o = origin();
	struct tr_error err;
	enum tr_put res;
	int64_t id = 0;

	if (tr_store_put_report(st, r, &o, &res, &id, &err) != TR_OK)
		fail_msg("put: %s", err.msg);
	assert_int_equal(res, want);
	assert_true(id > 0);
	return id;
}

/* run_put - a report, its policies, details, counts and instance */
static void
run_put(enum tr_db_kind kind)
{
	struct target t;
	struct tr_store *st;
	struct tr_report r;
	struct tr_policy p[2];
	struct tr_failure f;

	target_new(&t, kind);
	st = open_as(&t, "mx-a");
	assert_string_equal(tr_store_instance(st), "mx-a");
	mkreport(&r, p, &f, "r-1", raw_a);
	put(st, &r, TR_PUT_STORED);
	assert_int_equal(q_int(st, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q_int(st, "SELECT count(*) FROM policies"), 2);
	assert_int_equal(q_int(st, "SELECT count(*) FROM failure_details"), 1);
	assert_int_equal(q_int(st, "SELECT count(*) FROM report_domains"), 1);
	q_text_eq(st, "SELECT instance_name FROM reports", "mx-a");
	q_text_eq(st, "SELECT raw_json FROM reports", raw_a);
	q_text_eq(st, "SELECT way_in FROM reports", "smtp");
	q_text_eq(st, "SELECT received_at FROM reports",
	    "2026-11-25T00:00:00Z");
	/* the failure detail hangs under the sts policy */
	q_text_eq(st, "SELECT p.policy_type FROM failure_details f JOIN "
	    "policies p ON p.id = f.policy_ref", "sts");
	/* sts and tlsa of one domain count once, in the views too */
	assert_int_equal(q_int(st, "SELECT successful_sessions FROM "
	    "domain_daily"), 100);
	assert_int_equal(q_int(st, "SELECT failed_sessions FROM "
	    "report_summary"), 1);
	q_text_eq(st, "SELECT day FROM domain_daily", "2026-11-20");
	tr_store_close(st);
	target_free(&t);
}

/* run_duplicate - the same report from a second instance is stored once,
 * by itself and inside a batch; the first instance's name stays */
static void
run_duplicate(enum tr_db_kind kind)
{
	struct target t;
	struct tr_store *a, *b;
	struct tr_report r;
	struct tr_policy p[2];
	struct tr_failure f;
	struct tr_error err;
	int64_t id;

	target_new(&t, kind);
	a = open_as(&t, "mx-a");
	b = open_as(&t, "mx-b");
	mkreport(&r, p, &f, "r-dup", raw_a);
	id = put(a, &r, TR_PUT_STORED);
	assert_int_equal(put(b, &r, TR_PUT_DUPLICATE), id);
	assert_int_equal(put(a, &r, TR_PUT_DUPLICATE), id);
	if (tr_store_begin(b, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(put(b, &r, TR_PUT_DUPLICATE), id);
	if (tr_store_commit(b, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(q_int(b, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q_int(b, "SELECT count(*) FROM policies"), 2);
	assert_int_equal(q_int(b, "SELECT count(*) FROM report_domains"), 1);
	q_text_eq(b, "SELECT instance_name FROM reports", "mx-a");
	/* a batch rolled back leaves nothing of its reports */
	mkreport(&r, p, &f, "r-gone", raw_a);
	if (tr_store_begin(b, &err) != TR_OK)
		fail_msg("%s", err.msg);
	put(b, &r, TR_PUT_STORED);
	tr_store_rollback(b);
	assert_int_equal(q_int(a, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q_int(a, "SELECT count(*) FROM policies"), 2);
	tr_store_close(a);
	tr_store_close(b);
	target_free(&t);
}

/* quarantine - put raw (key may be NULL), expecting want; the row id */
static int64_t
quarantine(struct tr_store *st, const void *raw, size_t len,
    const struct tr_quarantine_key *key, enum tr_put want)
{
	struct tr_origin o = origin();
	struct tr_error err;
	enum tr_put res;
	int64_t id = 0;

	if (tr_store_put_quarantine_keyed(st, &o, raw, len, key, "schema",
	    "policies[0]: missing", &res, &id, &err) != TR_OK)
		fail_msg("quarantine: %s", err.msg);
	assert_int_equal(res, want);
	assert_true(id > 0);
	return id;
}

/* run_quarantine - one row per content, key or bytes; bytes kept exactly */
static void
run_quarantine(enum tr_db_kind kind)
{
	static const unsigned char bin[] = { 'a', 0, 0xff, '\\', '\'', 'z' };
	struct tr_quarantine_key key = { "c0ffee", NULL, NULL };
	struct tr_quarantine_key rk = { NULL, "Org Q", "q-1" };
	struct target t;
	struct tr_store *a, *b;
	struct tr_stmt *s;
	struct tr_error err;
	const void *blob;
	size_t len;
	int64_t q1, q2, q3;

	target_new(&t, kind);
	a = open_as(&t, "mx-a");
	b = open_as(&t, "mx-b");
	q1 = quarantine(a, bin, sizeof(bin), NULL, TR_PUT_STORED);
	assert_int_equal(quarantine(b, bin, sizeof(bin), NULL,
	    TR_PUT_DUPLICATE), q1);
	q2 = quarantine(a, "x", 1, &key, TR_PUT_STORED);
	assert_int_equal(quarantine(b, "y", 1, &key, TR_PUT_DUPLICATE), q2);
	q3 = quarantine(b, "r1", 2, &rk, TR_PUT_STORED);
	assert_int_equal(quarantine(a, "r2", 2, &rk, TR_PUT_DUPLICATE), q3);
	/* an empty message is kept, as an empty value */
	quarantine(a, "", 0, NULL, TR_PUT_STORED);
	assert_int_equal(q_int(a, "SELECT count(*) FROM quarantine"), 4);
	assert_int_equal(q_int(a, "SELECT COALESCE(SUM(times_seen), 0) FROM "
	    "quarantine"), 7);
	assert_int_equal(q_int(a, "SELECT count(*) FROM quarantine WHERE "
	    "length(raw) = 0"), 1);
	assert_int_equal(q_int(a, "SELECT count(*) FROM quarantine WHERE "
	    "instance_name = 'mx-b'"), 1);
	/* the bytes come back as they went in */
	if (tr_db_prepare(tr_store_conn(a), "SELECT raw FROM quarantine "
	    "WHERE id = ?1", &s, &err) != TR_OK ||
	    tr_db_bind_int64(s, 1, q1) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(tr_db_step(s, &err), TR_STEP_ROW);
	blob = tr_db_col_blob(s, 0, &len);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(blob, bin, sizeof(bin));
	tr_db_finalize(s);
	tr_store_close(a);
	tr_store_close(b);
	target_free(&t);
}

/* run_conflict_dkim - the DKIM verdict replaced, a conflicting copy kept,
 * the stored one superseded and the copies linked to its successor */
static void
run_conflict_dkim(enum tr_db_kind kind)
{
	struct target t;
	struct tr_store *st;
	struct tr_report r, r2;
	struct tr_policy p[2], p2[2];
	struct tr_failure f, f2;
	struct tr_dkim_result d;
	struct tr_origin o = origin();
	struct tr_error err;
	enum tr_dkim_status dk;
	int64_t id, id2, cid;
	int same;

	target_new(&t, kind);
	st = open_as(&t, "mx-a");
	mkreport(&r, p, &f, "r-c", raw_a);
	mkreport(&r2, p2, &f2, "r-c", raw_b);
	id = put(st, &r, TR_PUT_STORED);
	if (tr_store_report_state(st, id, &r, &same, &dk, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(same, 1);
	assert_int_equal(dk, TR_DKIM_UNCHECKED);
	/* the same report pretty-printed is the same report */
	mkreport(&r2, p2, &f2, "r-c", raw_a_spaced);
	if (tr_store_report_state(st, id, &r2, &same, &dk, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(same, 1);
	mkreport(&r2, p2, &f2, "r-c", raw_b);

	memset(&d, 0, sizeof(d));
	d.status = TR_DKIM_FAIL;
	d.cause = TR_DKIM_BODY_HASH;
	snprintf(d.domain, sizeof(d.domain), "example.org");
	if (tr_store_put_dkim(st, id, &d, TR_DKIM_RECORD, &err) != TR_OK)
		fail_msg("%s", err.msg);
	d.status = TR_DKIM_PASS;
	d.cause = TR_DKIM_OK;
	d.key_tlsrpt = 1;
	snprintf(d.selector, sizeof(d.selector), "sel");
	if (tr_store_put_dkim(st, id, &d, TR_DKIM_REQUIRE, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(q_int(st, "SELECT count(*) FROM report_dkim"), 1);
	q_text_eq(st, "SELECT result FROM report_dkim", "pass");
	q_text_eq(st, "SELECT policy FROM report_dkim", "require");
	q_text_eq(st, "SELECT selector FROM report_dkim", "sel");
	q_text_eq(st, "SELECT via FROM report_dkim", "dns");
	q_text_eq(st, "SELECT detail FROM report_dkim", NULL);

	if (tr_store_report_state(st, id, &r2, &same, &dk, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(same, 0);
	assert_int_equal(dk, TR_DKIM_PASS);
	if (tr_store_put_conflict(st, id, &r2, &o, TR_DKIM_NONE, &cid,
	    &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_true(cid > 0);
	if (tr_store_supersede(st, id, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(q_int(st, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q_int(st, "SELECT count(*) FROM policies"), 0);
	assert_int_equal(q_int(st, "SELECT count(*) FROM report_dkim"), 0);
	assert_int_equal(q_int(st, "SELECT count(*) FROM report_conflicts"),
	    2);
	q_text_eq(st, "SELECT dkim_result FROM report_conflicts WHERE "
	    "kind = 'superseded'", "pass");
	q_text_eq(st, "SELECT dkim_result FROM report_conflicts WHERE "
	    "kind = 'conflict'", "none");
	q_text_eq(st, "SELECT raw_json FROM report_conflicts WHERE "
	    "kind = 'superseded'", raw_a);
	q_text_eq(st, "SELECT min(instance_name) FROM report_conflicts",
	    "mx-a");
	assert_int_equal(q_int(st, "SELECT count(*) FROM report_conflicts "
	    "WHERE noted_at LIKE '20__-__-__T__:__:__Z'"), 2);

	id2 = put(st, &r2, TR_PUT_STORED);
	if (tr_store_link_conflicts(st, &r2, id2, &err) != TR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(q_int(st, "SELECT count(*) FROM report_conflicts "
	    "WHERE stored_ref = (SELECT id FROM reports)"), 2);
	tr_store_close(st);
	target_free(&t);
}

/* run_refused - reopened as it is; newer and foreign databases refused */
static void
run_refused(enum tr_db_kind kind)
{
	struct target t, other;
	struct tr_store_opts o;
	struct tr_store *st;
	struct tr_db *db;
	struct tr_error err;
	char want[64];

	memset(&o, 0, sizeof(o));
	target_new(&t, kind);
	st = open_as(&t, "mx-a");
	tr_store_close(st);
	st = open_as(&t, "mx-a");
	tr_store_close(st);
	o.flags = TR_STORE_READONLY;
	if (tr_store_open_opts(t.name, &o, &st, &err) != TR_OK)
		fail_msg("%s", err.msg);
	tr_store_close(st);
	o.flags = 0;

	db = raw_conn(&t);
	if (tr_db_exec(db, tr_db_sql(db, "PRAGMA user_version = 99",
	    "UPDATE tlsrptd_meta SET value = '99' WHERE key = "
	    "'schema_version'"), &err) != TR_OK)
		fail_msg("%s", err.msg);
	tr_db_close(db);
	snprintf(want, sizeof(want), "schema version 99 is newer than this "
	    "tlsrptd supports (%d)", tr_store_schema_version());
	assert_int_equal(tr_store_open_opts(t.name, &o, &st, &err),
	    TR_ERR_STORE);
	assert_null(st);
	if (strstr(err.msg, want) == NULL)
		fail_msg("%s", err.msg);

	target_new(&other, kind);
	db = raw_conn(&other);
	if (tr_db_exec(db, "CREATE TABLE accounts (id BIGINT, name TEXT)",
	    &err) != TR_OK)
		fail_msg("%s", err.msg);
	tr_db_close(db);
	assert_int_equal(tr_store_open_opts(other.name, &o, &st, &err),
	    TR_ERR_STORE);
	if (strstr(err.msg, "of another application") == NULL)
		fail_msg("%s", err.msg);
	/* and it was left as it was */
	db = raw_conn(&other);
	if (tr_db_query_int64(db, "SELECT count(*) FROM accounts", &(int64_t){
	    0 }, NULL, &err) != TR_OK)
		fail_msg("%s", err.msg);
	tr_db_close(db);
	target_free(&other);
	target_free(&t);
}

struct opener {
	const struct target *t;
	enum tr_err e;
	char msg[TR_ERRMSG_MAX];
};

static void *
open_thread(void *arg)
{
	struct opener *op = arg;
	struct tr_store_opts o;
	struct tr_store *st;
	struct tr_error err;

	memset(&o, 0, sizeof(o));
	op->e = tr_store_open_opts(op->t->name, &o, &st, &err);
	if (op->e == TR_OK)
		tr_store_close(st);
	else
		snprintf(op->msg, sizeof(op->msg), "%s", err.msg);
	return NULL;
}

/* run_open_together - instances starting at once create the schema once */
static void
run_open_together(enum tr_db_kind kind)
{
	struct opener op[4];
	pthread_t th[4];
	struct target t;
	struct tr_store *st;
	char host[256];
	int i;

	target_new(&t, kind);
	for (i = 0; i < 4; i++) {
		op[i].t = &t;
		op[i].e = TR_ERR_STORE;
		op[i].msg[0] = '\0';
		assert_int_equal(pthread_create(&th[i], NULL, open_thread,
		    &op[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (op[i].e != TR_OK)
			fail_msg("opener %d: %s", i, op[i].msg);
	}
	st = open_as(&t, NULL);
	/* without instance_name the host name is written */
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	assert_string_equal(tr_store_instance(st), host);
	assert_int_equal(q_int(st, "SELECT count(*) FROM tlsrptd_meta WHERE "
	    "key = 'application'"), 1);
	tr_store_close(st);
	target_free(&t);
}

/* Each test on SQLite, then on PostgreSQL unless that is skipped. */
#define BOTH(name)							\
static void								\
name##_sqlite(void **state)						\
{									\
	run_##name(TR_DB_SQLITE);					\
}									\
static void								\
name##_pg(void **state)							\
{									\
	if (pg_skip != NULL) {						\
		print_message("    PostgreSQL not tested: %s\n", pg_skip);\
		skip();							\
	}								\
	run_##name(TR_DB_POSTGRESQL);					\
}

BOTH(put)
BOTH(duplicate)
BOTH(quarantine)
BOTH(conflict_dkim)
BOTH(refused)
BOTH(open_together)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_sqlite),
		cmocka_unit_test(put_pg),
		cmocka_unit_test(duplicate_sqlite),
		cmocka_unit_test(duplicate_pg),
		cmocka_unit_test(quarantine_sqlite),
		cmocka_unit_test(quarantine_pg),
		cmocka_unit_test(conflict_dkim_sqlite),
		cmocka_unit_test(conflict_dkim_pg),
		cmocka_unit_test(refused_sqlite),
		cmocka_unit_test(refused_pg),
		cmocka_unit_test(open_together_sqlite),
		cmocka_unit_test(open_together_pg),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
