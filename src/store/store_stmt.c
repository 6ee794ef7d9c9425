/* store_stmt.c - the store's prepared statements and the helpers every
 * store_*.c file writes with: errors, steps, savepoints, timestamps */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "error.h"
#include "schema.h"
#include "db.h"
#include "store_stmt.h"

/*
 * Every statement is prepared once, on open; per report the work is binds,
 * steps and resets, which is what keeps bulk ingestion at tens of thousands
 * of reports a second.
 */


/*
 * Written once for both engines (db.h): ON CONFLICT instead of INSERT OR
 * IGNORE/REPLACE; " RETURNING id" is added where the driver cannot tell a
 * new row's id (PostgreSQL).
 */
static const char *const stmt_sql[S__COUNT] = {
	/*
	 * ON CONFLICT on the unique key rather than INSERT OR IGNORE: OR
	 * IGNORE would also swallow a NOT NULL violation and make a broken
	 * report look like a duplicate. On PostgreSQL a second host inserting
	 * the same report at the same moment waits for the first one's
	 * transaction and then gets no row back: stored once.
	 */
	[S_INS_REPORT] = "INSERT INTO reports (organization_name, report_id, "
	    "start_time, end_time, contact_info, report_domain, submitter, "
	    "message_id, mail_from, mail_date, subject, way_in, source, "
	    "envelope_from, envelope_to, received_at, conformance_notes, "
	    "raw_json, instance_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
	    "ON CONFLICT (organization_name, report_id) DO NOTHING",
	[S_SEL_REPORT] = "SELECT id FROM reports "
	    "WHERE organization_name = ?1 AND report_id = ?2",
	[S_INS_POLICY] = "INSERT INTO policies (report_ref, position, "
	    "policy_type, policy_domain, policy_string, mx_host, "
	    "successful_sessions, failed_sessions) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_INS_FAILURE] = "INSERT INTO failure_details (policy_ref, "
	    "result_type, result_type_known, sending_mta_ip, "
	    "receiving_mx_hostname, receiving_mx_helo, receiving_ip, "
	    "failed_sessions, additional_information, failure_reason_code, "
	    "repeated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[S_INS_DOMAIN] = "INSERT INTO report_domains (report_ref, "
	    "policy_domain, policy_type, start_time, organization_name, "
	    "successful_sessions, failed_sessions) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* DO NOTHING without a target: any of the quarantine's unique keys
	 * (raw, content, report key) held by a row that another host has
	 * just written makes this a duplicate, not a failure */
	[S_INS_QUARANTINE] = "INSERT INTO quarantine (received_at, way_in, "
	    "source, envelope_from, envelope_to, message_id, mail_from, "
	    "subject, reason_class, reason, raw, raw_sha256, content_sha256, "
	    "organization_name, report_id, instance_name) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16) ON CONFLICT DO NOTHING",
	/* the same bytes, the same content, or the same report's key */
	[S_FIND_QUARANTINE] = "SELECT id FROM quarantine WHERE raw_sha256 = ?1 "
	    "UNION ALL SELECT id FROM quarantine WHERE content_sha256 = ?2 "
	    "UNION ALL SELECT id FROM quarantine WHERE organization_name = ?3 "
	    "AND report_id = ?4 LIMIT 1",
	[S_SEEN_QUARANTINE] = "UPDATE quarantine SET times_seen = "
	    "times_seen + 1, last_seen_at = ?2, reason_class = ?3, reason = ?4 "
	    "WHERE id = ?1",
	[S_INS_DKIM] = "INSERT INTO report_dkim (report_ref, result, "
	    "cause, detail, domain, selector, algorithm, key_tlsrpt, "
	    "report_domain_signed, submitter_signed, via, policy) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
	    "ON CONFLICT (report_ref) DO UPDATE SET result = excluded.result, "
	    "cause = excluded.cause, detail = excluded.detail, "
	    "domain = excluded.domain, selector = excluded.selector, "
	    "algorithm = excluded.algorithm, "
	    "key_tlsrpt = excluded.key_tlsrpt, "
	    "report_domain_signed = excluded.report_domain_signed, "
	    "submitter_signed = excluded.submitter_signed, "
	    "via = excluded.via, policy = excluded.policy",
};

/*
 * returns_id - the INSERTs whose new id the store needs. PostgreSQL returns it
 * (RETURNING id, which also says whether ON CONFLICT DO NOTHING inserted
 * anything). SQLite could too, but its RETURNING collects the rows in a
 * temporary table on every execution, which doubled the CPU time of bulk
 * ingestion (20,000 reports: 1.26 s against 0.69 s); there the statement
 * stays without it and the id is read with last_insert_rowid(), the row
 * count saying whether a row went in.
 */
static int
returns_id(enum stmt_id id)
{
	return id == S_INS_REPORT || id == S_INS_POLICY ||
	    id == S_INS_QUARANTINE;
}

/*
 * tr_store_dberr - TR_ERR_STORE naming this store, the step and the
 * engine's error.
 * SQLite's message names its result code ([SQLITE_FULL], [SQLITE_BUSY]),
 * which is what an operator searches for; PostgreSQL's driver has already
 * set err with the server's message, which gets the step in front.
 */
enum tr_err
tr_store_dberr(struct tr_store *st, const char *what, struct tr_error *err)
{
	if (st->db != NULL)
		return tr_schema_dberror(err, st->db, SQLITE_ERROR, st->path,
		    what);
	if (err != NULL && err->msg[0] != '\0') {
		tr_error_prefix(err, "%s", what);
		err->code = TR_ERR_STORE;
		return TR_ERR_STORE;
	}
	return tr_error_set(err, TR_ERR_STORE, "%s: %s failed", st->path,
	    what);
}

/* tr_store_bind_failed - a parameter could not be bound (out of memory) */
enum tr_err
tr_store_bind_failed(struct tr_store *st, const char *what,
    struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_STORE, "%s: binding %s: out of memory",
	    st->path, what);
}

/* tr_store_step_to_end - step s until it is done; the first column of its first
 * row (a RETURNING id) into *id and *found (both may be NULL) */
enum tr_err
tr_store_step_to_end(struct tr_store *st, struct tr_stmt *s, const char *what,
    int64_t *id, int *found, struct tr_error *err)
{
	enum tr_step r;

	if (found != NULL)
		*found = 0;
	if (err != NULL)
		tr_error_clear(err);
	while ((r = tr_db_step(s, err)) == TR_STEP_ROW) {
		if (found != NULL && !*found) {
			*found = 1;
			if (id != NULL)
				*id = tr_db_col_int64(s, 0);
		}
	}
	if (r == TR_STEP_DONE)
		return TR_OK;
	return tr_store_dberr(st, what, err);
}

/* tr_store_run - step a prepared statement to its end (it resets itself) */
enum tr_err
tr_store_run(struct tr_store *st, enum stmt_id id, const char *what,
    struct tr_error *err)
{
	return tr_store_step_to_end(st, st->stmt[id], what, NULL, NULL, err);
}

/* tr_store_run_id - run an INSERT of returns_id(); *rowid gets the new
 * row's id,
 * *found 0 when nothing was inserted (ON CONFLICT DO NOTHING) */
enum tr_err
tr_store_run_id(struct tr_store *st, enum stmt_id id, const char *what,
    int64_t *rowid, int *found, struct tr_error *err)
{
	if (!tr_db_has_last_id(st->conn))
		return tr_store_step_to_end(st, st->stmt[id], what, rowid,
		    found, err);
	if (tr_store_step_to_end(st, st->stmt[id], what, NULL, NULL,
	    err) != TR_OK)
		return TR_ERR_STORE;
	*found = tr_db_changes(st->conn) != 0;
	if (*found)
		*rowid = tr_db_last_id(st->conn);
	return TR_OK;
}

/* tr_store_exec - run sql without parameters or rows */
enum tr_err
tr_store_exec(struct tr_store *st, const char *sql, const char *what,
    struct tr_error *err)
{
	if (err != NULL)
		tr_error_clear(err);
	if (tr_db_exec(st->conn, sql, err) != TR_OK)
		return tr_store_dberr(st, what, err);
	return TR_OK;
}

/*
 * One report stored outside a batch is all or nothing. SQLite: a
 * savepoint, which outside a transaction is one. PostgreSQL refuses a
 * savepoint outside a transaction block: a transaction of its own.
 */
/* tr_store_own_begin - begin storing one report outside a batch */
enum tr_err
tr_store_own_begin(struct tr_store *st, struct tr_error *err)
{
	return tr_store_exec(st, tr_db_sql(st->conn, "SAVEPOINT tr_put",
	    "BEGIN"), "starting a report", err);
}

/* tr_store_own_end - finish storing one report outside a batch */
enum tr_err
tr_store_own_end(struct tr_store *st, struct tr_error *err)
{
	return tr_store_exec(st, tr_db_sql(st->conn, "RELEASE tr_put",
	    "COMMIT"), "finishing a report", err);
}

/* tr_store_own_undo - the first error is the one worth reporting: none here */
void
tr_store_own_undo(struct tr_store *st)
{
	if (tr_db_kind(st->conn) == TR_DB_POSTGRESQL) {
		tr_db_rollback(st->conn);
		return;
	}
	/* Fails harmlessly when SQLite already rolled the transaction back. */
	if (tr_db_exec(st->conn, "ROLLBACK TO tr_put", NULL) == TR_OK)
		(void)tr_db_exec(st->conn, "RELEASE tr_put", NULL);
}

/* tr_store_utc_time - t as "YYYY-MM-DDTHH:MM:SSZ"; -1 when gmtime cannot */
int
tr_store_utc_time(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}


/* tr_store_txn_lost - the engine ended the caller's batch on an earlier error
 * (SQLite may on SQLITE_FULL or IOERR); writing on would autocommit each
 * row */
int
tr_store_txn_lost(struct tr_store *st, struct tr_error *err)
{
	if (st->in_txn && !tr_db_in_transaction(st->conn)) {
		tr_error_set(err, TR_ERR_STORE, "%s: the transaction was "
		    "rolled back by an earlier error; roll back and begin "
		    "again", st->path);
		return 1;
	}
	return 0;
}

/* tr_store_no_writes - the write statements are missing: read-only on an
 * old schema */
enum tr_err
tr_store_no_writes(struct tr_store *st, struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_STORE, "%s: opened read-only on "
	    "schema older than version %d; cannot write", st->path,
	    tr_schema_latest);
}

/* tr_store_time_text - a time for a row, as text */
enum tr_err
tr_store_time_text(struct tr_store *st, int64_t t, const char *name,
    char *out, size_t n, struct tr_error *err)
{
	if (tr_store_utc_time(t, out, n) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: %s %lld is out of "
		    "range", st->path, name, (long long)t);
	return TR_OK;
}

/* tr_store_write_start - the checks before a row is written, and its
 * received_at as text */
enum tr_err
tr_store_write_start(struct tr_store *st, enum stmt_id id,
    int64_t received_at, char *received, size_t n, struct tr_error *err)
{
	if (st->stmt[id] == NULL)
		return tr_store_no_writes(st, err);
	if (tr_store_txn_lost(st, err))
		return TR_ERR_STORE;
	return tr_store_time_text(st, received_at, "received_at", received, n,
	    err);
}

/* tr_store_prepare_all - prepare the statements; writes only on a current
 * schema */
enum tr_err
tr_store_prepare_all(struct tr_store *st, int version, struct tr_error *err)
{
	char sql[2048];
	int i;

	/* An older schema opened read-only may lack the columns. */
	if (version != tr_schema_latest)
		return TR_OK;
	for (i = 0; i < S__COUNT; i++) {
		snprintf(sql, sizeof(sql), "%s%s", stmt_sql[i],
		    !tr_db_has_last_id(st->conn) &&
		    returns_id((enum stmt_id)i) ? " RETURNING id" : "");
		tr_error_clear(err);
		if (tr_db_prepare(st->conn, sql, &st->stmt[i], err) != TR_OK)
			return tr_store_dberr(st, "preparing statements", err);
	}
	return TR_OK;
}
