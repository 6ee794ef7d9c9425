/* store_stmt.h - inside the store: its struct, its prepared statements and
 * the helpers the store_*.c files write with; nothing outside them includes
 * this */
#ifndef TR_STORE_STMT_H
#define TR_STORE_STMT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "store.h"

struct sqlite3;

enum stmt_id {
	S_INS_REPORT,
	S_SEL_REPORT,
	S_INS_POLICY,
	S_INS_FAILURE,
	S_INS_DOMAIN,
	S_INS_QUARANTINE,
	S_FIND_QUARANTINE,
	S_SEEN_QUARANTINE,
	S_INS_DKIM,
	S__COUNT
};

struct tr_store {
	struct tr_db	*conn;		/* the connection; owns the handle */
	struct sqlite3	*db;		/* SQLite only: the handle behind conn */
	char		*path;		/* for messages (a password redacted) */
	char		*instance;	/* instance_name of every stored row */
	int		 readonly;
	int		 in_txn;	/* between tr_store_begin and its end */
	struct tr_stmt	*stmt[S__COUNT];
	char		*buf;		/* conformance notes as JSON */
	size_t		 bufsz;
};

/* bt, bi - bind text (NULL for a NULL pointer) or an integer; 1 on error */
static inline int
bt(struct tr_stmt *s, int i, const char *v)
{
	return tr_db_bind_text_or_null(s, i, v) != TR_OK;
}

/* br - bt without a copy (tr_db_bind_ref_or_null): v must live until the
 * statement has run; for the report's own fields and the caller's locals */
static inline int
br(struct tr_stmt *s, int i, const char *v)
{
	return tr_db_bind_ref_or_null(s, i, v) != TR_OK;
}

static inline int
bi(struct tr_stmt *s, int i, int64_t v)
{
	return tr_db_bind_int64(s, i, v) != TR_OK;
}

/* tr_store_dberr - TR_ERR_STORE naming this store, the step and the
 * engine's error */
enum tr_err tr_store_dberr(struct tr_store *st, const char *what,
    struct tr_error *err);

/* tr_store_bind_failed - a parameter could not be bound (out of memory) */
enum tr_err tr_store_bind_failed(struct tr_store *st, const char *what,
    struct tr_error *err);

/* tr_store_step_to_end - step s until it is done; the first column of its
 * first row (a RETURNING id) into *id and *found (both may be NULL) */
enum tr_err tr_store_step_to_end(struct tr_store *st, struct tr_stmt *s,
    const char *what, int64_t *id, int *found, struct tr_error *err);

/* tr_store_run - step prepared statement id to its end */
enum tr_err tr_store_run(struct tr_store *st, enum stmt_id id,
    const char *what, struct tr_error *err);

/* tr_store_run_id - run an INSERT that makes a row id: *rowid gets it,
 * *found 0 when nothing was inserted (ON CONFLICT DO NOTHING) */
enum tr_err tr_store_run_id(struct tr_store *st, enum stmt_id id,
    const char *what, int64_t *rowid, int *found, struct tr_error *err);

/* tr_store_exec - run sql without parameters or rows */
enum tr_err tr_store_exec(struct tr_store *st, const char *sql,
    const char *what, struct tr_error *err);

/* tr_store_own_begin - begin storing one report outside a batch */
enum tr_err tr_store_own_begin(struct tr_store *st, struct tr_error *err);

/* tr_store_own_end - finish storing one report outside a batch */
enum tr_err tr_store_own_end(struct tr_store *st, struct tr_error *err);

/* tr_store_own_undo - undo tr_store_own_begin; errors are not reported */
void tr_store_own_undo(struct tr_store *st);

/* tr_store_utc_time - t as "YYYY-MM-DDTHH:MM:SSZ"; -1 when gmtime cannot */
int tr_store_utc_time(int64_t t, char *out, size_t outsz);

/* tr_store_txn_lost - 1 (err set) when the engine ended the caller's
 * batch on an earlier error */
int tr_store_txn_lost(struct tr_store *st, struct tr_error *err);

/* tr_store_no_writes - the write statements are missing: read-only on an
 * old schema */
enum tr_err tr_store_no_writes(struct tr_store *st, struct tr_error *err);

/* tr_store_time_text - t as tr_store_utc_time text in out[0..n); else
 * TR_ERR_STORE saying that name (received_at, the clock) is out of range */
enum tr_err tr_store_time_text(struct tr_store *st, int64_t t,
    const char *name, char *out, size_t n, struct tr_error *err);

/* tr_store_write_start - TR_OK when statement id can run now (the store
 * writes, its transaction is alive), with received_at as
 * tr_store_utc_time text in received[0..n); else TR_ERR_STORE, err set */
enum tr_err tr_store_write_start(struct tr_store *st, enum stmt_id id,
    int64_t received_at, char *received, size_t n, struct tr_error *err);

/* tr_store_prepare_all - prepare the statements; writes only on a current
 * schema */
enum tr_err tr_store_prepare_all(struct tr_store *st, int version,
    struct tr_error *err);

#endif
