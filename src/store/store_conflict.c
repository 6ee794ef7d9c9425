/* store_conflict.c - a stored report's DKIM verdict, and the copies set
 * aside when another copy of the same report differs or supersedes it */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "dkim.h"
#include "error.h"
#include "json_text.h"
#include "db.h"
#include "store_conflict.h"
#include "store_stmt.h"

/* nonempty - s, or NULL when it is empty */
static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* tr_store_put_dkim - the DKIM verdict of stored report rowid */
enum tr_err
tr_store_put_dkim(struct tr_store *st, int64_t rowid,
    const struct tr_dkim_result *d, enum tr_dkim_policy policy,
    struct tr_error *err)
{
	struct tr_stmt *stmt = st->stmt[S_INS_DKIM];
	int bad;

	if (stmt == NULL)
		return tr_store_no_writes(st, err);
	if (tr_store_txn_lost(st, err))
		return TR_ERR_STORE;
	bad = bi(stmt, 1, rowid);
	bad |= bt(stmt, 2, tr_dkim_status_name(d->status));
	bad |= bt(stmt, 3, tr_dkim_cause_name(d->cause));
	bad |= bt(stmt, 4, nonempty(d->detail));
	bad |= bt(stmt, 5, nonempty(d->domain));
	bad |= bt(stmt, 6, nonempty(d->selector));
	bad |= bt(stmt, 7, nonempty(d->algorithm));
	bad |= bi(stmt, 8, d->key_tlsrpt != 0);
	bad |= bi(stmt, 9, d->report_domain_signed != 0);
	bad |= bi(stmt, 10, d->submitter_signed != 0);
	bad |= bt(stmt, 11, d->via[0] != '\0' ? d->via : "dns");
	bad |= bt(stmt, 12, tr_dkim_policy_name(policy));
	if (bad)
		return tr_store_bind_failed(st, "a DKIM result", err);
	return tr_store_run(st, S_INS_DKIM, "storing a DKIM result", err);
}

/* adhoc - prepare sql for a rare write (conflicts): not worth a slot */
static enum tr_err
adhoc(struct tr_store *st, const char *sql, struct tr_stmt **stmt,
    struct tr_error *err)
{
	if (st->readonly)
		return tr_store_no_writes(st, err);
	if (tr_store_txn_lost(st, err))
		return TR_ERR_STORE;
	tr_error_clear(err);
	if (tr_db_prepare(st->conn, sql, stmt, err) != TR_OK)
		return tr_store_dberr(st, "preparing a conflict statement",
		    err);
	return TR_OK;
}

/* tr_store_report_state - same content? and the stored DKIM result */
enum tr_err
tr_store_report_state(struct tr_store *st, int64_t rowid,
    const struct tr_report *r, int *same, enum tr_dkim_status *dkim,
    struct tr_error *err)
{
	struct tr_stmt *stmt;
	const char *raw, *res;
	enum tr_step step;
	size_t n;
	int rc;

	*same = 0;
	*dkim = TR_DKIM_UNCHECKED;
	tr_error_clear(err);
	if (tr_db_prepare(st->conn, "SELECT raw_json, (SELECT result "
	    "FROM report_dkim WHERE report_ref = r.id) FROM reports r "
	    "WHERE id = ?1", &stmt, err) != TR_OK)
		return tr_store_dberr(st, "reading a stored report", err);
	if (bi(stmt, 1, rowid)) {
		tr_db_finalize(stmt);
		return tr_store_bind_failed(st, "a report id", err);
	}
	step = tr_db_step(stmt, err);
	if (step != TR_STEP_ROW) {
		if (step == TR_STEP_DONE)
			tr_error_set(err, TR_ERR_STORE, "%s: reading a stored "
			    "report: report %lld is not there", st->path,
			    (long long)rowid);
		else
			tr_store_dberr(st, "reading a stored report", err);
		tr_db_finalize(stmt);
		return TR_ERR_STORE;
	}
	/* report JSON holds no NUL (the parser refuses one, and
	 * PostgreSQL's TEXT cannot hold one): its length is strlen's */
	raw = tr_db_col_text(stmt, 0);
	n = raw != NULL ? strlen(raw) : 0;
	*same = r->raw != NULL && raw != NULL &&
	    tr_json_text_same(raw, n, r->raw, r->rawlen);
	if ((res = tr_db_col_text(stmt, 1)) != NULL &&
	    (rc = tr_dkim_status_parse(res)) >= 0)
		*dkim = (enum tr_dkim_status)rc;
	tr_db_finalize(stmt);
	return TR_OK;
}

/* tr_store_put_conflict - keep a copy that was not taken */
enum tr_err
tr_store_put_conflict(struct tr_store *st, int64_t rowid,
    const struct tr_report *r, const struct tr_origin *o,
    enum tr_dkim_status dkim, int64_t *conflict_id, struct tr_error *err)
{
	static const struct tr_msgmeta nometa;
	const struct tr_msgmeta *m = o->meta != NULL ? o->meta : &nometa;
	struct tr_stmt *stmt;
	char received[32], now[32];
	enum tr_err e;
	int bad, found;

	if (tr_store_time_text(st, o->received_at, "received_at", received,
	    sizeof(received), err) != TR_OK ||
	    tr_store_time_text(st, (int64_t)time(NULL), "the clock", now,
	    sizeof(now), err) != TR_OK)
		return TR_ERR_STORE;
	if (adhoc(st, "INSERT INTO report_conflicts (organization_name, "
	    "report_id, kind, stored_ref, received_at, way_in, source, "
	    "envelope_from, message_id, mail_from, dkim_result, noted_at, "
	    "raw_json, instance_name) VALUES (?1, ?2, 'conflict', ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id", &stmt,
	    err) != TR_OK)
		return TR_ERR_STORE;
	bad = bt(stmt, 1, r->organization_name);
	bad |= bt(stmt, 2, r->report_id);
	bad |= bi(stmt, 3, rowid);
	bad |= bt(stmt, 4, received);
	bad |= bt(stmt, 5, tr_way_in_name(o->way_in));
	bad |= bt(stmt, 6, o->source);
	bad |= bt(stmt, 7, o->envelope_from);
	bad |= bt(stmt, 8, m->message_id);
	bad |= bt(stmt, 9, m->from);
	bad |= bt(stmt, 10, dkim == TR_DKIM_UNCHECKED ? NULL :
	    tr_dkim_status_name(dkim));
	bad |= bt(stmt, 11, now);
	if (r->raw != NULL)
		bad |= tr_db_bind_textn(stmt, 12, r->raw, r->rawlen) != TR_OK;
	else
		bad |= bt(stmt, 12, "");
	bad |= bt(stmt, 13, st->instance);
	if (bad)
		e = tr_store_bind_failed(st, "a conflicting report", err);
	else if ((e = tr_store_step_to_end(st, stmt,
	    "keeping a conflicting report", conflict_id, &found,
	    err)) == TR_OK && !found)
		e = tr_error_set(err, TR_ERR_STORE, "%s: keeping a "
		    "conflicting report: no id came back", st->path);
	tr_db_finalize(stmt);
	return e;
}

/* tr_store_supersede - the stored copy steps aside for a verified one */
enum tr_err
tr_store_supersede(struct tr_store *st, int64_t rowid, struct tr_error *err)
{
	static const char *const sql[] = {
		"INSERT INTO report_conflicts (organization_name, report_id, "
		"kind, stored_ref, received_at, way_in, source, envelope_from, "
		"message_id, mail_from, dkim_result, noted_at, raw_json, "
		"instance_name) "
		"SELECT organization_name, report_id, 'superseded', NULL, "
		"received_at, way_in, source, envelope_from, message_id, "
		"mail_from, (SELECT result FROM report_dkim WHERE "
		"report_ref = r.id), CAST(?2 AS TEXT), raw_json, instance_name "
		"FROM reports r WHERE id = ?1",
		"DELETE FROM reports WHERE id = ?1",
	};
	struct tr_stmt *stmt;
	char now[32];
	enum tr_err e;
	size_t i;

	if (tr_store_time_text(st, (int64_t)time(NULL), "the clock", now,
	    sizeof(now), err) != TR_OK)
		return TR_ERR_STORE;
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (adhoc(st, sql[i], &stmt, err) != TR_OK)
			return TR_ERR_STORE;
		if (bi(stmt, 1, rowid) || (i == 0 && bt(stmt, 2, now)))
			e = tr_store_bind_failed(st, "a report id", err);
		else
			e = tr_store_step_to_end(st, stmt,
			    "superseding a report", NULL, NULL, err);
		tr_db_finalize(stmt);
		if (e != TR_OK)
			return TR_ERR_STORE;
	}
	return TR_OK;
}

/* tr_store_link_conflicts - the copies aside now name the new report */
enum tr_err
tr_store_link_conflicts(struct tr_store *st, const struct tr_report *r,
    int64_t rowid, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;
	int bad;

	if (adhoc(st, "UPDATE report_conflicts SET stored_ref = ?3 WHERE "
	    "organization_name = ?1 AND report_id = ?2", &stmt, err) != TR_OK)
		return TR_ERR_STORE;
	bad = bt(stmt, 1, r->organization_name);
	bad |= bt(stmt, 2, r->report_id);
	bad |= bi(stmt, 3, rowid);
	if (bad)
		e = tr_store_bind_failed(st, "a report key", err);
	else
		e = tr_store_step_to_end(st, stmt,
		    "linking conflicting reports", NULL, NULL, err);
	tr_db_finalize(stmt);
	return e;
}
