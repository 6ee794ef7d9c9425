/* db_sqlite.c - the SQLite driver of db.h */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"

struct sq_db {
	struct tr_db base;
	sqlite3 *h;
	char *path;			/* for messages */
	enum tr_db_fail fail;
	int (*over)(void *);
	void *over_arg;
};

struct sq_stmt {
	struct tr_stmt base;
	sqlite3_stmt *s;
};

#define SQ(db)	((struct sq_db *)(db))
#define SS(st)	((struct sq_stmt *)(st))

static enum tr_db_fail
classify(int xrc)
{
	switch (xrc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:	return TR_DB_FAIL_NONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:	return TR_DB_FAIL_BUSY;
	case SQLITE_FULL:	return TR_DB_FAIL_FULL;
	case SQLITE_READONLY:	return TR_DB_FAIL_READONLY;
	case SQLITE_INTERRUPT:	return TR_DB_FAIL_INTERRUPTED;
	case SQLITE_CONSTRAINT:
		return xrc == SQLITE_CONSTRAINT_UNIQUE ||
		    xrc == SQLITE_CONSTRAINT_PRIMARYKEY ?
		    TR_DB_FAIL_UNIQUE : TR_DB_FAIL_OTHER;
	default:		return TR_DB_FAIL_OTHER;
	}
}

/* fail - remember and report a failure of the last call on d */
static enum tr_err
fail(struct sq_db *d, int rc, const char *what, struct tr_error *err)
{
	int xrc = sqlite3_extended_errcode(d->h);

	d->fail = classify(xrc != SQLITE_OK ? xrc : rc);
	if (rc == SQLITE_NOMEM)
		return tr_error_set(err, TR_ERR_NOMEM, "%s: %s: out of memory",
		    d->path, what);
	return tr_error_set(err, TR_ERR_STORE, "%s: %s: %s (%s)", d->path,
	    what, sqlite3_errmsg(d->h), sqlite3_errstr(xrc));
}

static void
sq_close(struct tr_db *db)
{
	sqlite3_close_v2(SQ(db)->h);
	free(SQ(db)->path);
	free(db);
}

static enum tr_err
sq_exec(struct tr_db *db, const char *sql, struct tr_error *err)
{
	int rc = sqlite3_exec(SQ(db)->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail(SQ(db), rc, sql, err);
	SQ(db)->fail = TR_DB_FAIL_NONE;
	return TR_OK;
}

static enum tr_err
sq_prepare(struct tr_db *db, const char *sql, struct tr_stmt **out,
    struct tr_error *err)
{
	struct sq_stmt *st;
	int rc;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory",
		    SQ(db)->path);
	st->base.db = db;
	rc = sqlite3_prepare_v3(SQ(db)->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st->s, NULL);
	if (rc != SQLITE_OK) {
		free(st);
		return fail(SQ(db), rc, "preparing a statement", err);
	}
	*out = &st->base;
	return TR_OK;
}

static void
sq_finalize(struct tr_stmt *s)
{
	sqlite3_finalize(SS(s)->s);
	free(s);
}

static void
sq_reset(struct tr_stmt *s)
{
	sqlite3_reset(SS(s)->s);
}

static int
sq_param_index(struct tr_stmt *s, const char *name)
{
	return sqlite3_bind_parameter_index(SS(s)->s, name);
}

/* bound - the result of a sqlite3_bind_* call */
static enum tr_err
bound(struct tr_stmt *s, int rc)
{
	if (rc == SQLITE_OK)
		return TR_OK;
	SQ(s->db)->fail = classify(rc);
	return rc == SQLITE_NOMEM ? TR_ERR_NOMEM : TR_ERR_STORE;
}

static enum tr_err
sq_bind_int64(struct tr_stmt *s, int i, int64_t v)
{
	return bound(s, sqlite3_bind_int64(SS(s)->s, i, v));
}

static enum tr_err
sq_bind_double(struct tr_stmt *s, int i, double v)
{
	return bound(s, sqlite3_bind_double(SS(s)->s, i, v));
}

static enum tr_err
sq_bind_text(struct tr_stmt *s, int i, const char *v, size_t len)
{
	return bound(s, sqlite3_bind_text64(SS(s)->s, i, v, len,
	    SQLITE_TRANSIENT, SQLITE_UTF8));
}

/* sq_bind_text_ref - not copied: SQLite reads v during the steps */
static enum tr_err
sq_bind_text_ref(struct tr_stmt *s, int i, const char *v, size_t len)
{
	return bound(s, sqlite3_bind_text64(SS(s)->s, i, v, len,
	    SQLITE_STATIC, SQLITE_UTF8));
}

static enum tr_err
sq_bind_blob(struct tr_stmt *s, int i, const void *v, size_t len)
{
	/* a zero-length blob is a blob, not NULL */
	if (len == 0)
		return bound(s, sqlite3_bind_zeroblob(SS(s)->s, i, 0));
	return bound(s, sqlite3_bind_blob64(SS(s)->s, i, v, len,
	    SQLITE_TRANSIENT));
}

static enum tr_err
sq_bind_null(struct tr_stmt *s, int i)
{
	return bound(s, sqlite3_bind_null(SS(s)->s, i));
}

static enum tr_step
sq_step(struct tr_stmt *s, struct tr_error *err)
{
	struct sq_db *d = SQ(s->db);
	int rc = sqlite3_step(SS(s)->s);

	if (rc == SQLITE_ROW)
		return TR_STEP_ROW;
	if (rc == SQLITE_DONE) {
		d->fail = TR_DB_FAIL_NONE;
		sqlite3_reset(SS(s)->s);
		return TR_STEP_DONE;
	}
	fail(d, rc, sqlite3_sql(SS(s)->s), err);
	sqlite3_reset(SS(s)->s);
	return TR_STEP_ERROR;
}

static int
sq_col_count(struct tr_stmt *s)
{
	return sqlite3_column_count(SS(s)->s);
}

static int
sq_col_is_null(struct tr_stmt *s, int i)
{
	return sqlite3_column_type(SS(s)->s, i) == SQLITE_NULL;
}

static int64_t
sq_col_int64(struct tr_stmt *s, int i)
{
	return sqlite3_column_int64(SS(s)->s, i);
}

static double
sq_col_double(struct tr_stmt *s, int i)
{
	return sqlite3_column_double(SS(s)->s, i);
}

static const char *
sq_col_text(struct tr_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(SS(s)->s, i);
}

static const void *
sq_col_blob(struct tr_stmt *s, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(SS(s)->s, i);

	*len = (size_t)sqlite3_column_bytes(SS(s)->s, i);
	return p;
}

static int64_t
sq_changes(struct tr_db *db)
{
	return sqlite3_changes64(SQ(db)->h);
}

static int64_t
sq_last_id(struct tr_db *db)
{
	return sqlite3_last_insert_rowid(SQ(db)->h);
}

static int
sq_in_transaction(struct tr_db *db)
{
	return !sqlite3_get_autocommit(SQ(db)->h);
}

static int
progress(void *arg)
{
	struct sq_db *d = arg;

	return d->over != NULL && d->over(d->over_arg);
}

static void
sq_set_deadline(struct tr_db *db, int (*over)(void *), void *arg)
{
	struct sq_db *d = SQ(db);

	d->over = over;
	d->over_arg = arg;
	sqlite3_progress_handler(d->h, over != NULL ? 1000 : 0,
	    over != NULL ? progress : NULL, d);
}

static enum tr_db_fail
sq_last_fail(struct tr_db *db)
{
	return SQ(db)->fail;
}

static const struct tr_db_driver sqlite_driver = {
	.name = "sqlite",
	.kind = TR_DB_SQLITE,
	.close = sq_close,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.param_index = sq_param_index,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_text_ref = sq_bind_text_ref,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_count = sq_col_count,
	.col_is_null = sq_col_is_null,
	.col_int64 = sq_col_int64,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.changes = sq_changes,
	.last_id = sq_last_id,
	.in_transaction = sq_in_transaction,
	.set_deadline = sq_set_deadline,
	.last_fail = sq_last_fail,
};

enum tr_err
tr_db_sqlite_wrap(sqlite3 *h, const char *path, struct tr_db **out,
    struct tr_error *err)
{
	struct sq_db *d;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->path = strdup(path != NULL ? path : "(sqlite)")) == NULL) {
		free(d);
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	}
	d->base.drv = &sqlite_driver;
	d->h = h;
	*out = &d->base;
	return TR_OK;
}

sqlite3 *
tr_db_sqlite_handle(struct tr_db *db)
{
	return db->drv->kind == TR_DB_SQLITE ? SQ(db)->h : NULL;
}
