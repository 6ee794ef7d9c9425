/* db.c - the calls of db.h, passed to the connection's driver */
#include <string.h>

#include "db.h"

enum tr_db_kind
tr_db_target_kind(const char *target)
{
	const char *s = target;

	if (strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0)
		return TR_DB_POSTGRESQL;
	if (strncmp(target, "sqlite:", 7) == 0)
		return TR_DB_SQLITE;
	/* a libpq keyword string begins with "keyword =" ("host=/run/pg
	 * dbname=tlsrpt"); a path never does */
	while (*s == ' ' || *s == '\t')
		s++;
	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return TR_DB_SQLITE;
	while ((*s >= 'a' && *s <= 'z') || *s == '_')
		s++;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '=' ? TR_DB_POSTGRESQL : TR_DB_SQLITE;
}

const char *
tr_db_sqlite_path(const char *target)
{
	return strncmp(target, "sqlite:", 7) == 0 ? target + 7 : target;
}

void
tr_db_close(struct tr_db *db)
{
	if (db != NULL)
		db->drv->close(db);
}

enum tr_err
tr_db_exec(struct tr_db *db, const char *sql, struct tr_error *err)
{
	return db->drv->exec(db, sql, err);
}

enum tr_err
tr_db_prepare(struct tr_db *db, const char *sql, struct tr_stmt **out,
    struct tr_error *err)
{
	*out = NULL;
	return db->drv->prepare(db, sql, out, err);
}

void
tr_db_finalize(struct tr_stmt *s)
{
	if (s != NULL)
		s->db->drv->finalize(s);
}

void
tr_db_reset(struct tr_stmt *s)
{
	s->db->drv->reset(s);
}

int
tr_db_param_index(struct tr_stmt *s, const char *name)
{
	return s->db->drv->param_index(s, name);
}

enum tr_err
tr_db_bind_int64(struct tr_stmt *s, int i, int64_t v)
{
	return s->db->drv->bind_int64(s, i, v);
}

enum tr_err
tr_db_bind_double(struct tr_stmt *s, int i, double v)
{
	return s->db->drv->bind_double(s, i, v);
}

enum tr_err
tr_db_bind_textn(struct tr_stmt *s, int i, const char *v, size_t len)
{
	return s->db->drv->bind_text(s, i, v, len);
}

enum tr_err
tr_db_bind_text(struct tr_stmt *s, int i, const char *v)
{
	return s->db->drv->bind_text(s, i, v, strlen(v));
}

enum tr_err
tr_db_bind_text_or_null(struct tr_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return s->db->drv->bind_null(s, i);
	return s->db->drv->bind_text(s, i, v, strlen(v));
}

enum tr_err
tr_db_bind_ref_or_null(struct tr_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return s->db->drv->bind_null(s, i);
	return s->db->drv->bind_text_ref(s, i, v, strlen(v));
}

enum tr_err
tr_db_bind_textn_ref(struct tr_stmt *s, int i, const char *v, size_t len)
{
	return s->db->drv->bind_text_ref(s, i, v, len);
}

enum tr_err
tr_db_bind_blob(struct tr_stmt *s, int i, const void *v, size_t len)
{
	return s->db->drv->bind_blob(s, i, v, len);
}

enum tr_err
tr_db_bind_null(struct tr_stmt *s, int i)
{
	return s->db->drv->bind_null(s, i);
}

enum tr_step
tr_db_step(struct tr_stmt *s, struct tr_error *err)
{
	return s->db->drv->step(s, err);
}

int
tr_db_col_count(struct tr_stmt *s)
{
	return s->db->drv->col_count(s);
}

int
tr_db_col_is_null(struct tr_stmt *s, int i)
{
	return s->db->drv->col_is_null(s, i);
}

int64_t
tr_db_col_int64(struct tr_stmt *s, int i)
{
	return s->db->drv->col_int64(s, i);
}

double
tr_db_col_double(struct tr_stmt *s, int i)
{
	return s->db->drv->col_double(s, i);
}

const char *
tr_db_col_text(struct tr_stmt *s, int i)
{
	return s->db->drv->col_text(s, i);
}

const void *
tr_db_col_blob(struct tr_stmt *s, int i, size_t *len)
{
	return s->db->drv->col_blob(s, i, len);
}

int64_t
tr_db_changes(struct tr_db *db)
{
	return db->drv->changes(db);
}

int
tr_db_has_last_id(const struct tr_db *db)
{
	return db->drv->last_id != NULL;
}

int64_t
tr_db_last_id(struct tr_db *db)
{
	return db->drv->last_id(db);
}

int
tr_db_in_transaction(struct tr_db *db)
{
	return db->drv->in_transaction(db);
}

void
tr_db_set_deadline(struct tr_db *db, int (*over)(void *), void *arg)
{
	db->drv->set_deadline(db, over, arg);
}

enum tr_db_fail
tr_db_last_fail(struct tr_db *db)
{
	return db->drv->last_fail(db);
}

enum tr_err
tr_db_begin(struct tr_db *db, struct tr_error *err)
{
	/* SQLite takes the write lock at once, so that a busy database is
	 * found here and not half-way through a batch */
	return db->drv->exec(db, tr_db_sql(db, "BEGIN IMMEDIATE", "BEGIN"),
	    err);
}

enum tr_err
tr_db_commit(struct tr_db *db, struct tr_error *err)
{
	return db->drv->exec(db, "COMMIT", err);
}

void
tr_db_rollback(struct tr_db *db)
{
	if (db->drv->in_transaction(db))
		(void)db->drv->exec(db, "ROLLBACK", NULL);
}

enum tr_err
tr_db_query_int64(struct tr_db *db, const char *sql, int64_t *out,
    int *found, struct tr_error *err)
{
	struct tr_stmt *s;
	enum tr_err e;
	enum tr_step st;

	*out = 0;
	if (found != NULL)
		*found = 0;
	if ((e = tr_db_prepare(db, sql, &s, err)) != TR_OK)
		return e;
	st = tr_db_step(s, err);
	if (st == TR_STEP_ROW) {
		*out = tr_db_col_int64(s, 0);
		if (found != NULL)
			*found = 1;
	}
	tr_db_finalize(s);
	return st == TR_STEP_ERROR ? (err != NULL ? err->code : TR_ERR_STORE) :
	    TR_OK;
}
