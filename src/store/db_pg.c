/* db_pg.c - the PostgreSQL driver of db.h (libpq)
 *
 * Statements are written with SQLite's parameters; they are renumbered as
 * $N here and prepared on the server once per session (a cache by text,
 * so the same SQL prepared again and again costs one PREPARE). Values
 * travel as text with their types left to the server, blobs in binary;
 * results come back whole, as text, so a caller may run other statements
 * between two steps the way SQLite allows.
 *
 * A lost session (server restart, network cut) marks the connection
 * broken: the next call resets it, at most once a second and backing off
 * to once every 30 s, and a transaction that was open is gone with it: the
 * caller gets TR_DB_FAIL_GONE until it rolls back.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pq_lib.h"

#include "db.h"
#include "db_pg_params.h"
#include "db_pg_session.h"

#define OID_BOOL	16
#define OID_BYTEA	17

struct pg_stmt {
	struct tr_stmt base;
	struct tr_pg_params p;		/* the text sent, its parameters */
	char what[96];			/* the text as written, for messages */
	char **values;			/* nparams each; NULL value = SQL NULL */
	int *lengths;
	int *formats;
	PGresult *res;			/* the rows being stepped through */
	int row, nrows;
	unsigned char **blobs;		/* the current row's decoded bytea */
	size_t *bloblens;
};

#define PS(st)	((struct pg_stmt *)(st))

static void
pg_close(struct tr_db *db)
{
	struct tr_pg_db *d = PD(db);

	PQfinish(d->conn);
	tr_pg_forget_prepared(d);
	free(d);
}

static enum tr_err
pg_exec(struct tr_db *db, const char *sql, struct tr_error *err)
{
	struct tr_pg_db *d = PD(db);
	char what[96];
	enum tr_err e;

	if (d->lost_txn && tr_pg_is_rollback(sql)) {
		/* the transaction ended with the session it belonged to */
		d->lost_txn = 0;
		d->fail = TR_DB_FAIL_NONE;
		return TR_OK;
	}
	if ((e = tr_pg_lost_txn_check(d, err)) != TR_OK ||
	    (e = tr_pg_ensure(d, err)) != TR_OK)
		return e;
	tr_pg_abbrev(what, sizeof(what), sql);
	if ((e = tr_pg_over_already(d, what, err)) != TR_OK)
		return e;
	return tr_pg_finish(d, PQsendQuery(d->conn, sql), what, NULL, err);
}

/* stmt_free - a statement and all it holds */
static void
stmt_free(struct pg_stmt *st);

static enum tr_err
pg_prepare(struct tr_db *db, const char *sql, struct tr_stmt **out,
    struct tr_error *err)
{
	struct tr_pg_db *d = PD(db);
	struct pg_stmt *st;
	enum tr_err e;
	size_t n;

	if (d->broken && (e = tr_pg_ensure(d, err)) != TR_OK)
		return e;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory",
		    d->shown);
	st->base.db = db;
	tr_pg_abbrev(st->what, sizeof(st->what), sql);
	if ((e = tr_pg_params_translate(d->shown, &st->p, sql,
	    err)) != TR_OK) {
		d->fail = TR_DB_FAIL_OTHER;
		stmt_free(st);
		return e;
	}
	n = (size_t)st->p.nparams + 1;
	st->values = calloc(n, sizeof(*st->values));
	st->lengths = calloc(n, sizeof(*st->lengths));
	st->formats = calloc(n, sizeof(*st->formats));
	if (st->values == NULL || st->lengths == NULL || st->formats == NULL) {
		stmt_free(st);
		return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory",
		    d->shown);
	}
	*out = &st->base;
	return TR_OK;
}

/* drop_blobs - the decoded bytea of the current row */
static void
drop_blobs(struct pg_stmt *st)
{
	int i, nf;

	if (st->blobs == NULL)
		return;
	nf = st->res != NULL ? PQnfields(st->res) : 0;
	for (i = 0; i < nf; i++)
		if (st->blobs[i] != NULL)
			PQfreemem(st->blobs[i]);
	free(st->blobs);
	free(st->bloblens);
	st->blobs = NULL;
	st->bloblens = NULL;
}

/* drop_result - forget the rows (the statement runs anew at its next step) */
static void
drop_result(struct pg_stmt *st)
{
	drop_blobs(st);
	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = 0;
}

static void
stmt_free(struct pg_stmt *st)
{
	int i;

	drop_result(st);
	if (st->values != NULL)
		for (i = 0; i < st->p.nparams; i++)
			free(st->values[i]);
	free(st->values);
	free(st->lengths);
	free(st->formats);
	tr_pg_params_free(&st->p);
	free(st);
}

static void
pg_finalize(struct tr_stmt *s)
{
	/* its server-side statement stays in the session's cache */
	stmt_free(PS(s));
}

static void
pg_reset(struct tr_stmt *s)
{
	drop_result(PS(s));
}

static int
pg_param_index(struct tr_stmt *s, const char *name)
{
	return tr_pg_params_index(&PS(s)->p, name, strlen(name));
}

/* bind - param i takes len bytes of v (NULL: SQL NULL) in format fmt */
static enum tr_err
bind(struct tr_stmt *s, int i, const void *v, size_t len, int fmt)
{
	struct pg_stmt *st = PS(s);
	struct tr_pg_db *d = PD(s->db);
	char *copy = NULL;

	if (i < 1 || i > st->p.nparams) {
		d->fail = TR_DB_FAIL_OTHER;
		return TR_ERR_STORE;
	}
	if (len > INT32_MAX) {
		d->fail = TR_DB_FAIL_OTHER;
		return TR_ERR_TOO_LARGE;
	}
	if (v != NULL) {
		/* one byte more: a text value is NUL-terminated, and an empty
		 * blob still needs a pointer (NULL would mean SQL NULL) */
		if ((copy = malloc(len + 1)) == NULL) {
			d->fail = TR_DB_FAIL_OTHER;
			return TR_ERR_NOMEM;
		}
		if (len > 0)
			memcpy(copy, v, len);
		copy[len] = '\0';
	}
	free(st->values[i - 1]);
	st->values[i - 1] = copy;
	st->lengths[i - 1] = (int)len;
	st->formats[i - 1] = fmt;
	return TR_OK;
}

static enum tr_err
pg_bind_int64(struct tr_stmt *s, int i, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	return bind(s, i, buf, (size_t)n, 0);
}

static enum tr_err
pg_bind_double(struct tr_stmt *s, int i, double v)
{
	char buf[32];
	int n;

	if (isnan(v))
		n = snprintf(buf, sizeof(buf), "NaN");
	else if (isinf(v))
		n = snprintf(buf, sizeof(buf), "%sInfinity", v < 0 ? "-" : "");
	else
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	return bind(s, i, buf, (size_t)n, 0);
}

static enum tr_err
pg_bind_text(struct tr_stmt *s, int i, const char *v, size_t len)
{
	/* text travels NUL-terminated: a NUL inside would cut it */
	if (memchr(v, '\0', len) != NULL) {
		PD(s->db)->fail = TR_DB_FAIL_OTHER;
		return TR_ERR_STORE;
	}
	return bind(s, i, v, len, 0);
}

static enum tr_err
pg_bind_blob(struct tr_stmt *s, int i, const void *v, size_t len)
{
	return bind(s, i, v != NULL ? v : "", len, 1);
}

static enum tr_err
pg_bind_null(struct tr_stmt *s, int i)
{
	return bind(s, i, NULL, 0, 0);
}

/* prepared_name - the name st's text is prepared under in this session,
 * preparing it on first use */
static enum tr_err
prepared_name(struct tr_pg_db *d, struct pg_stmt *st, const char **name,
    struct tr_error *err)
{
	struct tr_pg_prepared *slot;
	char drop[48];
	enum tr_err e;
	int i, fresh = 0;

	for (i = 0; i < d->ncache; i++)
		if (d->cache[i].sql != NULL &&
		    strcmp(d->cache[i].sql, st->p.sql) == 0) {
			*name = d->cache[i].name;
			return TR_OK;
		}
	if (d->ncache < PG_CACHE_MAX) {
		slot = &d->cache[d->ncache++];
		slot->sql = NULL;
		fresh = 1;
	} else {
		/* full: the oldest goes (in an aborted transaction nothing
		 * runs and the PREPARE below fails too; the name then stays
		 * on the server until the session ends) */
		slot = &d->cache[d->cache_next];
		d->cache_next = (d->cache_next + 1) % PG_CACHE_MAX;
		if (slot->sql != NULL) {
			snprintf(drop, sizeof(drop), "DEALLOCATE %s",
			    slot->name);
			PQclear(PQexec(d->conn, drop));
			free(slot->sql);
			slot->sql = NULL;
		}
	}
	/* a slot whose PREPARE fails is given back, or stays empty (sql
	 * NULL) when it was taken from another statement */
	snprintf(slot->name, sizeof(slot->name), "tr_%lu", ++d->serial);
	if ((e = tr_pg_finish(d, PQsendPrepare(d->conn, slot->name,
	    st->p.sql, 0, NULL), st->what, NULL, err)) != TR_OK) {
		if (fresh)
			d->ncache--;
		return e;
	}
	if ((slot->sql = strdup(st->p.sql)) == NULL) {
		snprintf(drop, sizeof(drop), "DEALLOCATE %s", slot->name);
		PQclear(PQexec(d->conn, drop));
		if (fresh)
			d->ncache--;
		return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory",
		    d->shown);
	}
	*name = slot->name;
	return TR_OK;
}

static enum tr_step
pg_step(struct tr_stmt *s, struct tr_error *err)
{
	struct pg_stmt *st = PS(s);
	struct tr_pg_db *d = PD(s->db);
	const char *name = NULL;

	if (st->res == NULL) {
		if (tr_pg_lost_txn_check(d, err) != TR_OK ||
		    tr_pg_ensure(d, err) != TR_OK)
			return TR_STEP_ERROR;
		if (tr_pg_over_already(d, st->what, err) != TR_OK ||
		    prepared_name(d, st, &name, err) != TR_OK)
			return TR_STEP_ERROR;
		if (tr_pg_finish(d, PQsendQueryPrepared(d->conn, name,
		    st->p.nparams, (const char *const *)st->values,
		    st->lengths, st->formats, 0), st->what, &st->res,
		    err) != TR_OK)
			return TR_STEP_ERROR;
		st->row = -1;
		st->nrows = PQntuples(st->res);
	}
	drop_blobs(st);
	if (++st->row < st->nrows)
		return TR_STEP_ROW;
	drop_result(st);
	d->fail = TR_DB_FAIL_NONE;
	return TR_STEP_DONE;
}

/* has_value - whether column i of the current row exists and is not NULL */
static int
has_value(struct pg_stmt *st, int i)
{
	return st->res != NULL && st->row >= 0 && st->row < st->nrows &&
	    i >= 0 && i < PQnfields(st->res) &&
	    !PQgetisnull(st->res, st->row, i);
}

static int
pg_col_count(struct tr_stmt *s)
{
	return PS(s)->res != NULL ? PQnfields(PS(s)->res) : 0;
}

static int
pg_col_is_null(struct tr_stmt *s, int i)
{
	return !has_value(PS(s), i);
}

static int64_t
pg_col_int64(struct tr_stmt *s, int i)
{
	struct pg_stmt *st = PS(s);
	const char *v, *f;
	char *end;
	long long ll;
	long double x;

	if (!has_value(st, i))
		return 0;
	v = PQgetvalue(st->res, st->row, i);
	if (PQftype(st->res, i) == OID_BOOL)
		return v[0] == 't';
	ll = strtoll(v, &end, 10);	/* clamps on overflow */
	if (*end == '.') {
		/* numeric "12.0" (a SUM): the integer part, exact; the
		 * fraction is dropped, as SQLite drops it */
		for (f = end + 1; isdigit((unsigned char)*f); f++)
			;
		if (*f == '\0')
			return ll;
	}
	if (*end == '\0' || (*end != '.' && *end != 'e' && *end != 'E' &&
	    end != v))
		return ll;
	/* an exponent (or "NaN", "Infinity"): through a float */
	x = strtold(v, &end);
	if (end == v || isnan(x))
		return 0;
	if (x >= 9223372036854775807.0L)
		return INT64_MAX;
	if (x <= -9223372036854775808.0L)
		return INT64_MIN;
	return (int64_t)x;
}

static double
pg_col_double(struct tr_stmt *s, int i)
{
	struct pg_stmt *st = PS(s);
	const char *v;

	if (!has_value(st, i))
		return 0;
	v = PQgetvalue(st->res, st->row, i);
	if (PQftype(st->res, i) == OID_BOOL)
		return v[0] == 't';
	return strtod(v, NULL);
}

static const char *
pg_col_text(struct tr_stmt *s, int i)
{
	struct pg_stmt *st = PS(s);

	return has_value(st, i) ? PQgetvalue(st->res, st->row, i) : NULL;
}

static const void *
pg_col_blob(struct tr_stmt *s, int i, size_t *len)
{
	struct pg_stmt *st = PS(s);
	int nf;

	*len = 0;
	if (!has_value(st, i))
		return NULL;
	if (PQftype(st->res, i) != OID_BYTEA) {
		*len = (size_t)PQgetlength(st->res, st->row, i);
		return PQgetvalue(st->res, st->row, i);
	}
	nf = PQnfields(st->res);
	if (st->blobs == NULL) {
		st->blobs = calloc((size_t)nf, sizeof(*st->blobs));
		st->bloblens = calloc((size_t)nf, sizeof(*st->bloblens));
		if (st->blobs == NULL || st->bloblens == NULL) {
			free(st->blobs);
			free(st->bloblens);
			st->blobs = NULL;
			st->bloblens = NULL;
			return NULL;
		}
	}
	if (st->blobs[i] == NULL)
		st->blobs[i] = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(st->res, st->row, i), &st->bloblens[i]);
	*len = st->blobs[i] != NULL ? st->bloblens[i] : 0;
	return st->blobs[i];
}

static int64_t
pg_changes(struct tr_db *db)
{
	return PD(db)->changes;
}

static int
pg_in_transaction(struct tr_db *db)
{
	struct tr_pg_db *d = PD(db);
	PGTransactionStatusType t;

	if (d->lost_txn)
		return 1;	/* until the caller rolls back */
	if (d->broken)
		return 0;	/* libpq may not have noticed yet */
	t = PQtransactionStatus(d->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR ||
	    t == PQTRANS_ACTIVE;
}

static void
pg_set_deadline(struct tr_db *db, int (*over)(void *), void *arg)
{
	PD(db)->over = over;
	PD(db)->over_arg = over != NULL ? arg : NULL;
}

static enum tr_db_fail
pg_last_fail(struct tr_db *db)
{
	return PD(db)->fail;
}

static const struct tr_db_driver pg_driver = {
	.name = "postgresql",
	.kind = TR_DB_POSTGRESQL,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.param_index = pg_param_index,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_text_ref = pg_bind_text,	/* copied into the request */
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_count = pg_col_count,
	.col_is_null = pg_col_is_null,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.changes = pg_changes,
	.in_transaction = pg_in_transaction,
	.set_deadline = pg_set_deadline,
	.last_fail = pg_last_fail,
};

/* put - append len bytes of s to out (outsz, *n used), cutting at the end */
static void
put(char *out, size_t outsz, size_t *n, const char *s, size_t len)
{
	while (len-- > 0 && *n + 1 < outsz)
		out[(*n)++] = *s++;
	out[*n] = '\0';
}

/* redact_uri - a postgresql:// URI with its password as "***": in the
 * user info and as a password= query parameter. The user info is taken to
 * end at the last '@' of the whole URI, so that a password holding '/',
 * '?' or '@' unencoded is hidden too (at worst more than the password). */
static void
redact_uri(const char *t, char *out, size_t outsz)
{
	const char *auth = strstr(t, "://") + 3, *at, *colon, *q, *v;
	size_t n = 0;

	at = strrchr(auth, '@');
	colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon != NULL) {
		put(out, outsz, &n, t, (size_t)(colon + 1 - t));
		put(out, outsz, &n, "***", 3);
		t = at;
	}
	/* the query: "?a=b&password=c" */
	for (q = t; *q != '\0'; q++) {
		if ((*q != '?' && *q != '&') ||
		    strncasecmp(q + 1, "password=", 9) != 0)
			continue;
		v = q + 10;
		put(out, outsz, &n, t, (size_t)(v - t));
		put(out, outsz, &n, "***", 3);
		t = v + strcspn(v, "&#");
		q = t - 1;
	}
	put(out, outsz, &n, t, strlen(t));
}

/* redact_keywords - a keyword string with password=... as password=*** */
static void
redact_keywords(const char *t, char *out, size_t outsz)
{
	const char *s = t, *k, *ke, *v;
	size_t n = 0;

	out[0] = '\0';
	while (*s != '\0') {
		while (isspace((unsigned char)*s))
			s++;
		k = s;
		while (*s != '\0' && *s != '=' && !isspace((unsigned char)*s))
			s++;
		ke = s;
		while (isspace((unsigned char)*s))
			s++;
		if (*s != '=')
			break;		/* not a keyword string after all */
		s++;
		while (isspace((unsigned char)*s))
			s++;
		v = s;
		if (*s == '\'') {
			for (s++; *s != '\0' && *s != '\''; s++)
				if (*s == '\\' && s[1] != '\0')
					s++;
			if (*s == '\'')
				s++;
		} else {
			for (; *s != '\0' && !isspace((unsigned char)*s); s++)
				if (*s == '\\' && s[1] != '\0')
					s++;
		}
		if (ke - k == 8 && strncasecmp(k, "password", 8) == 0) {
			put(out, outsz, &n, t, (size_t)(v - t));
			put(out, outsz, &n, "***", 3);
			t = s;
		}
	}
	put(out, outsz, &n, t, strlen(t));
}

void
tr_db_redact(const char *target, char *out, size_t outsz)
{
	if (outsz == 0)
		return;
	/* libpq takes a URI only with its scheme first */
	if (strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0)
		redact_uri(target, out, outsz);
	else
		redact_keywords(target, out, outsz);
}

/* quiet - notices ("there is no transaction in progress") are not logged */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* read_password - the first line of path into buf */
static enum tr_err
read_password(const char *path, const char *shown, char *buf, size_t bufsz,
    struct tr_error *err)
{
	FILE *f = fopen(path, "re");
	int saved;

	if (f == NULL)
		return tr_error_set(err, TR_ERR_STORE, "%s: password file %s: %s",
		    shown, path, strerror(errno));
	if (fgets(buf, (int)bufsz, f) == NULL) {
		saved = ferror(f) ? errno : 0;
		fclose(f);
		return tr_error_set(err, TR_ERR_STORE, "%s: password file %s: %s",
		    shown, path, saved != 0 ? strerror(saved) : "empty");
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return TR_OK;
}

enum tr_err
tr_db_pg_open(const char *target, const char *password_file,
    struct tr_db **out, struct tr_error *err)
{
	/* defaults first: the target may set its own; the encoding and the
	 * password file come after it and win */
	const char *keys[] = { "application_name", "connect_timeout",
	    "keepalives", "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "dbname", "client_encoding", "password", NULL };
	const char *vals[] = { "tlsrptd", "10", "1", "30", "10", "3", target,
	    "UTF8", NULL, NULL };
	char password[1024], line[320];
	struct tr_pg_db *d;
	enum tr_err e;

	*out = NULL;
	if ((e = tr_pq_load(err)) != TR_OK)
		return e;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	d->base.drv = &pg_driver;
	tr_db_redact(target, d->shown, sizeof(d->shown));
	if (password_file != NULL) {
		if ((e = read_password(password_file, d->shown, password,
		    sizeof(password), err)) != TR_OK) {
			free(d);
			return e;
		}
		vals[8] = password;
	} else {
		keys[8] = NULL;
	}
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (password_file != NULL)
		explicit_bzero(password, sizeof(password));
	if (d->conn == NULL) {
		free(d);
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	}
	if (PQstatus(d->conn) != CONNECTION_OK) {
		tr_pg_one_line(line, sizeof(line), PQerrorMessage(d->conn));
		e = tr_error_set(err, TR_ERR_STORE, "%s: connecting: %s",
		    d->shown, line);
		PQfinish(d->conn);
		free(d);
		return e;
	}
	PQsetNoticeProcessor(d->conn, quiet, NULL);
	*out = &d->base;
	return TR_OK;
}
