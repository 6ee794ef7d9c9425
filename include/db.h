/* db.h - one SQL connection, SQLite or PostgreSQL, behind one set of calls
 *
 * The store, the queries, retention, alerts and the quarantine speak SQL
 * through these calls only; a driver (db_sqlite.c, db_pg.c) fills struct
 * tr_db_driver, the way OpenSMTPD's table backends fill struct table_backend.
 * The SQL text is written once, in the dialect both engines share:
 *   - parameters as ?, ?N or :name (SQLite's numbering rules; the
 *     PostgreSQL driver renumbers them as $N);
 *   - INSERT ... ON CONFLICT ... DO NOTHING / DO UPDATE; a new row's id
 *     from tr_db_last_id where the driver has it (SQLite), else from
 *     RETURNING id (PostgreSQL), never from SQL's last_insert_rowid();
 *   - COALESCE(SUM(x), 0) rather than total(x); CASE WHEN rather than a
 *     comparison used as a number; every non-aggregated column grouped;
 *   - tr_db_sql(db, sqlite_text, postgresql_text) where they differ
 *     (dates, DDL).
 * Integers are 64-bit on both sides (BIGINT in PostgreSQL).
 */
#ifndef TR_DB_H
#define TR_DB_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum tr_db_kind { TR_DB_SQLITE, TR_DB_POSTGRESQL };

/* What tr_db_step says */
enum tr_step {
	TR_STEP_ERROR = -1,	/* err is set (TR_ERR_STORE, or _NOMEM) */
	TR_STEP_DONE = 0,	/* no (more) rows */
	TR_STEP_ROW = 1,	/* a row: read it with tr_db_col_* */
};

/* Why the last call failed, as far as the caller acts on it */
enum tr_db_fail {
	TR_DB_FAIL_NONE = 0,
	TR_DB_FAIL_OTHER,	/* anything else (still temporary) */
	TR_DB_FAIL_BUSY,	/* locked by another writer, timed out */
	TR_DB_FAIL_FULL,	/* disk full, quota */
	TR_DB_FAIL_UNIQUE,	/* a unique key already holds the row */
	TR_DB_FAIL_GONE,	/* connection lost (PostgreSQL): reconnect */
	TR_DB_FAIL_READONLY,	/* a read-only file or a hot standby */
	TR_DB_FAIL_INTERRUPTED,	/* the deadline (tr_db_set_deadline) passed */
};

struct tr_db;
struct tr_stmt;

struct tr_db_driver {
	const char *name;		/* "sqlite", "postgresql" */
	enum tr_db_kind kind;
	void (*close)(struct tr_db *);
	enum tr_err (*exec)(struct tr_db *, const char *sql, struct tr_error *);
	enum tr_err (*prepare)(struct tr_db *, const char *sql,
	    struct tr_stmt **, struct tr_error *);
	void (*finalize)(struct tr_stmt *);
	void (*reset)(struct tr_stmt *);
	int (*param_index)(struct tr_stmt *, const char *name);
	enum tr_err (*bind_int64)(struct tr_stmt *, int, int64_t);
	enum tr_err (*bind_double)(struct tr_stmt *, int, double);
	enum tr_err (*bind_text)(struct tr_stmt *, int, const char *, size_t);
	enum tr_err (*bind_text_ref)(struct tr_stmt *, int, const char *,
	    size_t);
	enum tr_err (*bind_blob)(struct tr_stmt *, int, const void *, size_t);
	enum tr_err (*bind_null)(struct tr_stmt *, int);
	enum tr_step (*step)(struct tr_stmt *, struct tr_error *);
	int (*col_count)(struct tr_stmt *);
	int (*col_is_null)(struct tr_stmt *, int);
	int64_t (*col_int64)(struct tr_stmt *, int);
	double (*col_double)(struct tr_stmt *, int);
	const char *(*col_text)(struct tr_stmt *, int);
	const void *(*col_blob)(struct tr_stmt *, int, size_t *);
	int64_t (*changes)(struct tr_db *);
	int64_t (*last_id)(struct tr_db *);	/* NULL: use RETURNING id */
	int (*in_transaction)(struct tr_db *);
	void (*set_deadline)(struct tr_db *, int (*over)(void *), void *);
	enum tr_db_fail (*last_fail)(struct tr_db *);
};

/* Each driver's connection and statement begin with these. */
struct tr_db {
	const struct tr_db_driver *drv;
};
struct tr_stmt {
	struct tr_db *db;
};

/*
 * tr_db_target_kind - which driver a "database =" value names:
 * "postgresql://...", "postgres://..." or a libpq keyword string
 * ("host=... dbname=...") is PostgreSQL; "sqlite:PATH" or a path is SQLite.
 * tr_db_sqlite_path - the path of a SQLite target (past "sqlite:").
 */
enum tr_db_kind tr_db_target_kind(const char *target);
const char *tr_db_sqlite_path(const char *target);

static inline enum tr_db_kind
tr_db_kind(const struct tr_db *db)
{
	return db->drv->kind;
}

/* tr_db_sql - the text for this engine, where the dialects differ */
static inline const char *
tr_db_sql(const struct tr_db *db, const char *sqlite, const char *pg)
{
	return db->drv->kind == TR_DB_POSTGRESQL ? pg : sqlite;
}

void tr_db_close(struct tr_db *db);
enum tr_err tr_db_exec(struct tr_db *db, const char *sql,
    struct tr_error *err);
enum tr_err tr_db_prepare(struct tr_db *db, const char *sql,
    struct tr_stmt **out, struct tr_error *err);
void tr_db_finalize(struct tr_stmt *s);	/* NULL is fine */
void tr_db_reset(struct tr_stmt *s);	/* keeps the bindings */
int tr_db_param_index(struct tr_stmt *s, const char *name); /* 0: none */

/* Parameters count from 1. Text and blobs are copied. */
enum tr_err tr_db_bind_int64(struct tr_stmt *s, int i, int64_t v);
enum tr_err tr_db_bind_double(struct tr_stmt *s, int i, double v);
enum tr_err tr_db_bind_text(struct tr_stmt *s, int i, const char *v);
enum tr_err tr_db_bind_textn(struct tr_stmt *s, int i, const char *v,
    size_t len);
enum tr_err tr_db_bind_blob(struct tr_stmt *s, int i, const void *v,
    size_t len);
enum tr_err tr_db_bind_null(struct tr_stmt *s, int i);
/* tr_db_bind_text_or_null - text, or NULL for a NULL pointer */
enum tr_err tr_db_bind_text_or_null(struct tr_stmt *s, int i, const char *v);
/*
 * tr_db_bind_ref_or_null, tr_db_bind_textn_ref - the same without a copy
 * where the driver can (SQLite): v must stay as it is until the statement
 * has been stepped to its end (or failed) or v is bound again. For the
 * store's hot path, whose values live in the report being stored.
 */
enum tr_err tr_db_bind_ref_or_null(struct tr_stmt *s, int i, const char *v);
enum tr_err tr_db_bind_textn_ref(struct tr_stmt *s, int i, const char *v,
    size_t len);

enum tr_step tr_db_step(struct tr_stmt *s, struct tr_error *err);

/* Columns count from 0; valid until the next step, reset or finalize. */
int tr_db_col_count(struct tr_stmt *s);
int tr_db_col_is_null(struct tr_stmt *s, int i);
int64_t tr_db_col_int64(struct tr_stmt *s, int i);
double tr_db_col_double(struct tr_stmt *s, int i);
const char *tr_db_col_text(struct tr_stmt *s, int i);	/* NULL for NULL */
const void *tr_db_col_blob(struct tr_stmt *s, int i, size_t *len);

/* rows changed by the last INSERT, UPDATE or DELETE */
int64_t tr_db_changes(struct tr_db *db);
/* tr_db_has_last_id - whether tr_db_last_id works (SQLite); otherwise an
 * INSERT says its id with RETURNING id (PostgreSQL).
 * tr_db_last_id - the id of the row the last INSERT put in */
int tr_db_has_last_id(const struct tr_db *db);
int64_t tr_db_last_id(struct tr_db *db);
/* whether a transaction is open */
int tr_db_in_transaction(struct tr_db *db);
/* tr_db_set_deadline - over(arg) is asked now and then while a statement
 * runs; non-zero interrupts it (TR_DB_FAIL_INTERRUPTED). NULL removes it. */
void tr_db_set_deadline(struct tr_db *db, int (*over)(void *), void *arg);
/* tr_db_last_fail - the kind of the last failure on this connection */
enum tr_db_fail tr_db_last_fail(struct tr_db *db);

/* Transactions */
enum tr_err tr_db_begin(struct tr_db *db, struct tr_error *err);
enum tr_err tr_db_commit(struct tr_db *db, struct tr_error *err);
void tr_db_rollback(struct tr_db *db);

/*
 * tr_db_query_int64 - run sql (with no parameters) and read the first
 * column of its first row into *out (*found, may be NULL, says whether there
 * was a row; without a row *out is 0).
 */
enum tr_err tr_db_query_int64(struct tr_db *db, const char *sql,
    int64_t *out, int *found, struct tr_error *err);

/* The SQLite driver (db_sqlite.c): a connection around an open handle,
 * which tr_db_close then closes. tr_db_sqlite_handle - the handle. */
struct sqlite3;
enum tr_err tr_db_sqlite_wrap(struct sqlite3 *h, const char *path,
    struct tr_db **out, struct tr_error *err);
struct sqlite3 *tr_db_sqlite_handle(struct tr_db *db);

/*
 * The PostgreSQL driver (db_pg.c). tr_db_pg_open - connect to target (a
 * postgresql:// URI or a libpq keyword string); password_file (may be NULL)
 * names a file whose first line is the password, else libpq's own ways
 * (PGPASSFILE, ~/.pgpass) apply. Every message names the target through
 * tr_db_redact, never with its password.
 */
enum tr_err tr_db_pg_open(const char *target, const char *password_file,
    struct tr_db **out, struct tr_error *err);

/*
 * Where the PostgreSQL driver differs from SQLite (callers rely on these):
 *   - statements are prepared on the server at their first step (once per
 *     session and text), so an SQL error shows at tr_db_step, not at
 *     tr_db_prepare; tr_db_col_count is 0 before the first step;
 *   - the rows come back whole at the first step: other statements may run
 *     between two steps, and memory follows the result's size;
 *   - parameter types are the server's guess: write CAST(? AS TEXT) where
 *     it cannot guess (SELECT ?, ? IS NULL); text must not hold a NUL;
 *     an unbound parameter is NULL (as in SQLite);
 *   - tr_db_col_int64 reads text: "12" exactly, "12.0" or "12.7" (a
 *     numeric SUM or AVG) as 12, "-12.7" as -12, "1e3" as 1000 (clamped
 *     to the int64 range), a boolean as 0/1, NULL as 0; tr_db_col_text of
 *     a boolean is "t"/"f" and of a bytea "\x..." (use tr_db_col_blob);
 *   - an empty blob reads as a non-NULL pointer with length 0 (SQLite:
 *     NULL, length 0): tell NULL from empty with tr_db_col_is_null;
 *   - tr_db_changes: the rows of the last INSERT, UPDATE, DELETE (0 for an
 *     INSERT that ON CONFLICT DO NOTHING skipped, 1 for a row DO UPDATE
 *     changed); other statements leave it alone, as in SQLite;
 *   - a lost session (TR_DB_FAIL_GONE) is reset by the next call: the first
 *     attempt at once, then not before 1, 2, 4 ... 30 s (each attempt may
 *     block up to connect_timeout, 10 s unless the target says otherwise);
 *     a transaction open when it was lost is gone: tr_db_in_transaction
 *     stays true and every call fails with GONE until tr_db_rollback;
 *     a COMMIT that fails with GONE may or may not have committed;
 *   - under a deadline a statement is sent asynchronously and over() is
 *     asked before sending and every 100 ms; then it is cancelled (asked
 *     again every 500 ms); one that finishes anyway reports its real
 *     outcome; a server silent for 5 s after the cancel loses the session.
 */

/* tr_db_redact - target for messages: a password in it as "***" */
void tr_db_redact(const char *target, char *out, size_t outsz);

/*
 * tr_db_pg_translate - sql as the PostgreSQL driver sends it: each SQLite
 * parameter (?, ?N, :name, @name, $name) as $N, numbered as SQLite numbers
 * them, literals, quoted names and comments untouched; *nparams the
 * highest number. *out is the caller's to free. (Tests and the fuzzer.)
 */
enum tr_err tr_db_pg_translate(const char *sql, char **out, int *nparams,
    struct tr_error *err);

#endif
