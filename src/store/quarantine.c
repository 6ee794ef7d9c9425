/* quarantine.c - retry quarantined messages through the pipeline, delete them */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "db.h"
#include "pipeline.h"
#include "quarantine.h"
#include "source.h"
#include "way_in.h"

/* The pipeline keeps an oversize message by its first MiB only. */
#define HEAD_ONLY	(1024 * 1024)

const char *
tr_retry_outcome_name(enum tr_retry_outcome o)
{
	switch (o) {
	case TR_RETRY_STORED:
		return "stored";
	case TR_RETRY_DUPLICATE:
		return "duplicate";
	case TR_RETRY_PARTLY:
		return "partly-stored";
	case TR_RETRY_INVALID:
		return "still-invalid";
	case TR_RETRY_LATER:
		return "try-later";
	default:
		return "skipped";
	}
}

/* exec_id - run sql with ?1 = id (and ?2, ?3 text when given); changes */
static enum tr_err
exec_id(struct tr_db *db, const char *sql, int64_t id, const char *a,
    const char *b, int *changes, struct tr_error *err)
{
	struct tr_stmt *stmt;

	if (tr_db_prepare(db, sql, &stmt, err) != TR_OK) {
		tr_error_prefix(err, "quarantine: preparing");
		return TR_ERR_STORE;
	}
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK ||
	    (a != NULL && tr_db_bind_text(stmt, 2, a) != TR_OK) ||
	    (b != NULL && tr_db_bind_text(stmt, 3, b) != TR_OK)) {
		tr_db_finalize(stmt);
		return tr_error_set(err, TR_ERR_STORE, "quarantine: binding");
	}
	if (tr_db_step(stmt, err) != TR_STEP_DONE) {
		tr_error_prefix(err, "quarantine: writing");
		tr_db_finalize(stmt);
		return TR_ERR_STORE;
	}
	tr_db_finalize(stmt);
	if (changes != NULL)
		*changes = (int)tr_db_changes(db);
	return TR_OK;
}

/* tr_quarantine_delete - delete one row */
enum tr_err
tr_quarantine_delete(struct tr_store *st, int64_t id, int *found,
    struct tr_error *err)
{
	int n = 0;
	enum tr_err e;

	e = exec_id(tr_store_conn(st), "DELETE FROM quarantine WHERE id = ?1",
	    id, NULL, NULL, &n, err);
	*found = n > 0;
	return e;
}

/* The stored fields of one quarantined message. */
struct qrow {
	char *received_at, *way_in, *source, *envelope_from, *envelope_to;
	char *reason_class, *last_seen_at;
	int64_t times_seen;
	unsigned char *raw;
	size_t rawlen;
};

static char *
col_dup(struct tr_stmt *stmt, int i)
{
	const char *s = tr_db_col_text(stmt, i);

	return s != NULL ? strdup(s) : NULL;
}

static void
qrow_free(struct qrow *q)
{
	free(q->received_at);
	free(q->way_in);
	free(q->source);
	free(q->envelope_from);
	free(q->envelope_to);
	free(q->reason_class);
	free(q->last_seen_at);
	free(q->raw);
}

/* qrow_read - the row, or *found 0 */
static enum tr_err
qrow_read(struct tr_db *db, int64_t id, struct qrow *q, int *found,
    struct tr_error *err)
{
	struct tr_stmt *stmt;
	const void *raw;
	enum tr_step rc;

	memset(q, 0, sizeof(*q));
	*found = 0;
	if (tr_db_prepare(db, "SELECT received_at, way_in, source, "
	    "envelope_from, envelope_to, reason_class, raw, times_seen, "
	    "last_seen_at FROM quarantine WHERE id = ?1", &stmt, err) !=
	    TR_OK) {
		tr_error_prefix(err, "quarantine: reading");
		return TR_ERR_STORE;
	}
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK) {
		tr_db_finalize(stmt);
		return tr_error_set(err, TR_ERR_STORE, "quarantine: binding");
	}
	rc = tr_db_step(stmt, err);
	if (rc == TR_STEP_ROW) {
		*found = 1;
		q->received_at = col_dup(stmt, 0);
		q->way_in = col_dup(stmt, 1);
		q->source = col_dup(stmt, 2);
		q->envelope_from = col_dup(stmt, 3);
		q->envelope_to = col_dup(stmt, 4);
		q->reason_class = col_dup(stmt, 5);
		q->times_seen = tr_db_col_int64(stmt, 7);
		q->last_seen_at = col_dup(stmt, 8);
		raw = tr_db_col_blob(stmt, 6, &q->rawlen);
		if ((q->raw = malloc(q->rawlen + 1)) != NULL && q->rawlen > 0)
			memcpy(q->raw, raw, q->rawlen);
		if (q->raw == NULL || q->received_at == NULL ||
		    q->way_in == NULL || q->reason_class == NULL) {
			tr_db_finalize(stmt);
			qrow_free(q);
			return tr_error_set(err, TR_ERR_NOMEM, "quarantine: "
			    "out of memory");
		}
	} else if (rc == TR_STEP_ERROR) {
		tr_error_prefix(err, "quarantine: reading");
		tr_db_finalize(stmt);
		return TR_ERR_STORE;
	}
	tr_db_finalize(stmt);
	return TR_OK;
}

/* restore_seen - row id's times_seen and last_seen_at as q read them */
static enum tr_err
restore_seen(struct tr_db *db, int64_t id, const struct qrow *q,
    struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_step rc;

	if (tr_db_prepare(db, "UPDATE quarantine SET times_seen = ?2, "
	    "last_seen_at = ?3 WHERE id = ?1", &stmt, err) != TR_OK) {
		tr_error_prefix(err, "quarantine: preparing");
		return TR_ERR_STORE;
	}
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK ||
	    tr_db_bind_int64(stmt, 2, q->times_seen) != TR_OK ||
	    tr_db_bind_text_or_null(stmt, 3, q->last_seen_at) != TR_OK) {
		tr_db_finalize(stmt);
		return tr_error_set(err, TR_ERR_STORE, "quarantine: binding");
	}
	rc = tr_db_step(stmt, err);
	tr_db_finalize(stmt);
	if (rc != TR_STEP_DONE) {
		tr_error_prefix(err, "quarantine: writing");
		return TR_ERR_STORE;
	}
	return TR_OK;
}

/* The row as read, for settling it afterwards. */
struct tr_retry_row {
	struct qrow q;
};

/* tr_quarantine_load - the row, its kind and origin; no analysis yet */
enum tr_err
tr_quarantine_load(struct tr_store *st, int64_t id, struct tr_retry_msg *m,
    struct tr_retry_result *res, int *found, struct tr_error *err)
{
	struct tr_db *db = tr_store_conn(st);
	struct tr_retry_row *row;
	struct tr_dt dt;
	struct qrow *q;
	enum tr_err e;

	memset(m, 0, sizeof(*m));
	memset(res, 0, sizeof(*res));
	m->id = id;
	*found = 0;
	if ((row = calloc(1, sizeof(*row))) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "quarantine: out of "
		    "memory");
	q = &row->q;
	if ((e = qrow_read(db, id, q, found, err)) != TR_OK || !*found) {
		free(row);
		return e;
	}
	m->row = row;
	if (strcmp(q->reason_class, tr_err_name(TR_ERR_TOO_LARGE)) == 0 &&
	    q->rawlen >= HEAD_ONLY) {
		m->skip = 1;
		res->outcome = TR_RETRY_SKIPPED;
		tr_error_set(&res->reason, TR_ERR_TOO_LARGE, "only the first "
		    "%d bytes of this oversize message were kept", HEAD_ONLY);
		return TR_OK;
	}
	/* HTTP(S) bodies are bare reports; anything else is sniffed as
	 * tlsrptd ingest does. */
	m->kind = tr_way_in_is_bare(tr_way_in_parse(q->way_in)) ||
	    tr_source_is_report(q->source != NULL ? q->source : "", q->raw,
	    q->rawlen) ? TR_INPUT_REPORT : TR_INPUT_MESSAGE;
	m->raw = q->raw;
	m->rawlen = q->rawlen;
	m->origin.way_in = tr_way_in_parse(q->way_in);
	m->origin.source = q->source;
	m->origin.envelope_from = q->envelope_from;
	m->origin.envelope_to = q->envelope_to;
	m->origin.received_at = tr_dt_parse(q->received_at,
	    strlen(q->received_at), &dt, NULL) == 0 ? dt.epoch : 0;
	return TR_OK;
}

/* tr_quarantine_analyse - the pure half again, DKIM included */
void
tr_quarantine_analyse(struct tr_retry_msg *m, const struct tr_limits *limits,
    const struct tr_dkim_settings *dkim)
{
	const char *hint = m->row->q.source;

	tr_analyse(m->raw, m->rawlen, m->kind, hint, limits, &m->a);
	tr_analysis_dkim(&m->a, m->raw, m->rawlen, m->kind, dkim);
	m->analysed = 1;
}

/* tr_quarantine_settle - what the recorded verdict means for the row */
enum tr_err
tr_quarantine_settle(struct tr_store *st, struct tr_retry_msg *m,
    const struct tr_verdict *v, struct tr_retry_result *res,
    struct tr_error *err)
{
	struct tr_db *db = tr_store_conn(st);

	res->stored = v->stored;
	res->duplicates = v->duplicates;
	if (v->outcome == TR_OUTCOME_TEMPFAIL) {
		res->outcome = TR_RETRY_LATER;
		res->reason = v->err;
		return TR_OK;
	}
	if (v->invalid == 0) {
		res->outcome = v->stored > 0 ? TR_RETRY_STORED :
		    TR_RETRY_DUPLICATE;
		return exec_id(db, "DELETE FROM quarantine WHERE id = ?1",
		    m->id, NULL, NULL, NULL, err);
	}
	/* Still invalid: the same bytes are the same row; keep today's
	 * reason. Recording it counted an arrival that was not one: the
	 * row's count and last arrival are put back. A row the pipeline
	 * could not find again stays as it is. */
	res->outcome = v->stored + v->duplicates > 0 ? TR_RETRY_PARTLY :
	    TR_RETRY_INVALID;
	res->reason = v->err;
	if (v->quarantine_id == m->id)
		return restore_seen(db, m->id, &m->row->q, err);
	return TR_OK;
}

/* tr_quarantine_msg_free - the row and the analysis */
void
tr_quarantine_msg_free(struct tr_retry_msg *m)
{
	if (m->analysed)
		tr_analysis_free(&m->a);
	if (m->row != NULL) {
		qrow_free(&m->row->q);
		free(m->row);
	}
	memset(m, 0, sizeof(*m));
}

/* tr_quarantine_retry - the pipeline again, without DKIM */
enum tr_err
tr_quarantine_retry(struct tr_store *st, int64_t id,
    const struct tr_limits *limits, struct tr_retry_result *res, int *found,
    struct tr_error *err)
{
	return tr_quarantine_retry_dkim(st, id, limits, NULL, res, found, err);
}

/* tr_quarantine_retry_dkim - the pipeline again, on the stored bytes,
 * inside the caller's transaction */
enum tr_err
tr_quarantine_retry_dkim(struct tr_store *st, int64_t id,
    const struct tr_limits *limits, const struct tr_dkim_settings *dkim,
    struct tr_retry_result *res, int *found, struct tr_error *err)
{
	struct tr_retry_msg m;
	struct tr_verdict v;
	enum tr_err e;

	if ((e = tr_quarantine_load(st, id, &m, res, found, err)) != TR_OK ||
	    !*found || m.skip) {
		tr_quarantine_msg_free(&m);
		return e;
	}
	tr_quarantine_analyse(&m, limits, dkim);
	if (tr_record(st, &m.a, m.raw, m.rawlen, &m.origin, &v) != TR_OK) {
		*err = v.err;
		e = TR_ERR_STORE;
	} else
		e = tr_quarantine_settle(st, &m, &v, res, err);
	tr_verdict_free(&v);
	tr_quarantine_msg_free(&m);
	return e;
}
