/* store_target.h - the unit tests' store on either engine: the SQLite
 * scratch store of store_fixture.h, or a PostgreSQL database named by
 * TLSRPTD_TEST_PG (a libpq connection string or postgresql:// URI of a
 * throwaway database: every table in its public schema is dropped) or,
 * without it, in a cluster the test program starts itself; and
 * the few SQL calls the tests make of their own, through db.h */
#ifndef TR_STORE_TARGET_H
#define TR_STORE_TARGET_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_cluster.h"
#include "store_fixture.h"

#include "db.h"

/* The engine the next fixture opens: NULL for SQLite, else the target. */
static const char *tu_target;

/* A cluster of the test program's own, when TLSRPTD_TEST_PG names none */
static struct tu_pg tu_pg_own;

/*
 * tu_pg_target - the PostgreSQL database to run the tests on a second
 * time: TLSRPTD_TEST_PG (a libpq connection string or URI of a throwaway
 * database), else a cluster of our own (tests/pg/cluster.sh). NULL with
 * why filled in when PostgreSQL cannot be had here (no server installed).
 * A target given that cannot be connected to fails the test program.
 */
static inline const char *
tu_pg_target(char *why, size_t whysz)
{
	const char *t = getenv("TLSRPTD_TEST_PG");
	struct tr_error err;
	struct tr_db *db;

	if (t == NULL || *t == '\0') {
		if (tu_pg_cluster_start(&tu_pg_own, why, whysz) == -1)
			return NULL;
		t = tu_pg_own.conninfo;
	}
	if (tr_db_pg_open(t, NULL, &db, &err) != TR_OK) {
		fprintf(stderr, "PostgreSQL test database: %s\n", err.msg);
		tu_pg_cluster_stop(&tu_pg_own);
		exit(1);
	}
	tr_db_close(db);
	return t;
}

/* tu_run_groups - the tests on SQLite, then on PostgreSQL when it can be
 * had (else the reason it cannot, printed); the failures of both */
static inline int
tu_run_groups(const char *name, const struct CMUnitTest *tests, size_t n)
{
	char why[512];
	int failed;

	tu_target = NULL;
	failed = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
	if ((tu_target = tu_pg_target(why, sizeof(why))) == NULL) {
		printf("[  SKIPPED ] %s on PostgreSQL: %s\n", name, why);
		return failed;
	}
	failed += _cmocka_run_group_tests(name, tests, n, NULL, NULL);
	tu_target = NULL;
	tu_pg_cluster_stop(&tu_pg_own);
	return failed;
}

/* tu_pg_empty - drop everything in the target's public schema */
static inline void
tu_pg_empty(const char *target)
{
	struct tr_error err;
	struct tr_db *db;

	if (tr_db_pg_open(target, NULL, &db, &err) != TR_OK)
		fail_msg("%s", err.msg);
	if (tr_db_exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
	    &err) != TR_OK)
		fail_msg("emptying the test database: %s", err.msg);
	tr_db_close(db);
}

/* tu_store_new_on - tu_store_new on tu_target's engine: for PostgreSQL the
 * scratch directory holds the log only, and fx->db is the target */
static inline struct tu_store *
tu_store_new_on(const char *tag)
{
	struct tu_store *fx;

	if (tu_target == NULL)
		return tu_store_new(tag);
	fx = tu_store_dir(tag);
	snprintf(fx->db, sizeof(fx->db), "%s", tu_target);
	tu_pg_empty(tu_target);
	return tu_store_open(fx);
}

/* tu_sql_int - the first column of the first row of sql on st, with ?1
 * and ?2 bound to a and b (text; NULL binds nothing) */
static inline int64_t
tu_sql_int(struct tr_store *st, const char *sql, const char *a,
    const char *b)
{
	struct tr_stmt *s;
	struct tr_error err;
	int64_t v;

	memset(&err, 0, sizeof(err));
	if (tr_db_prepare(tr_store_conn(st), sql, &s, &err) != TR_OK)
		fail_msg("%s: %s", sql, err.msg);
	if (a != NULL)
		assert_int_equal(tr_db_bind_text(s, 1, a), TR_OK);
	if (b != NULL)
		assert_int_equal(tr_db_bind_text(s, 2, b), TR_OK);
	if (tr_db_step(s, &err) != TR_STEP_ROW)
		fail_msg("%s: no row (%s)", sql, err.msg);
	v = tr_db_col_int64(s, 0);
	tr_db_finalize(s);
	return v;
}

/* tu_sql_exec - run sql on st, which must succeed */
static inline void
tu_sql_exec(struct tr_store *st, const char *sql)
{
	struct tr_error err;

	if (tr_db_exec(tr_store_conn(st), sql, &err) != TR_OK)
		fail_msg("%s: %s", sql, err.msg);
}

#endif
