/* query_show.c - one stored report or one quarantined message in full,
 * and the walk over the quarantine's ids */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"
#include "query_show.h"
#include "query_sql.h"

static const struct tr_column report_info_cols[] = {
	{ "id", TR_COL_INT, 0 },
	{ "organization", TR_COL_TEXT, 0 },
	{ "report_id", TR_COL_TEXT, 0 },
	{ "start", TR_COL_TEXT, 0 },
	{ "end", TR_COL_TEXT, 0 },
	{ "contact_info", TR_COL_TEXT, 0 },
	{ "sessions", TR_COL_INT, 0 },
	{ "failed", TR_COL_INT, 0 },
	{ "received_at", TR_COL_TEXT, 0 },
	{ "way_in", TR_COL_TEXT, 0 },
	{ "source", TR_COL_TEXT, 0 },
	{ "envelope_from", TR_COL_TEXT, 0 },
	{ "envelope_to", TR_COL_TEXT, 0 },
	{ "message_id", TR_COL_TEXT, 0 },
	{ "mail_from", TR_COL_TEXT, 0 },
	{ "subject", TR_COL_TEXT, 0 },
	{ "report_domain", TR_COL_TEXT, 0 },
	{ "submitter", TR_COL_TEXT, 0 },
	{ "dkim", TR_COL_TEXT, 0 },
	{ "other_copies", TR_COL_TEXT, 0 },
};

static const struct tr_column report_policy_cols[] = {
	{ "policy", TR_COL_INT, 0 },
	{ "policy_type", TR_COL_TEXT, 0 },
	{ "domain", TR_COL_TEXT, 40 },
	{ "counted", TR_COL_TEXT, 0 },
	{ "successful", TR_COL_INT, 0 },
	{ "failed", TR_COL_INT, 0 },
	{ "mx_host", TR_COL_TEXT, 40 },
	{ "policy_string", TR_COL_TEXT, 60 },
};

static const struct tr_column report_failure_cols[] = {
	{ "policy", TR_COL_INT, 0 },
	{ "result_type", TR_COL_TEXT, 40 },
	{ "failed", TR_COL_INT, 0 },
	{ "receiving_mx", TR_COL_TEXT, 40 },
	{ "receiving_ip", TR_COL_TEXT, 40 },
	{ "sending_ip", TR_COL_TEXT, 40 },
	{ "receiving_mx_helo", TR_COL_TEXT, 40 },
	{ "failure_reason_code", TR_COL_TEXT, 40 },
	{ "additional_information", TR_COL_TEXT, 60 },
	{ "counted", TR_COL_TEXT, 0 },
};

static const struct tr_column report_note_cols[] = {
	{ "note", TR_COL_TEXT, 0 },
};


static const struct tr_column qitem_cols[] = {
	{ "id", TR_COL_INT, 0 },
	{ "received_at", TR_COL_TEXT, 0 },
	{ "way_in", TR_COL_TEXT, 0 },
	{ "source", TR_COL_TEXT, 0 },
	{ "envelope_from", TR_COL_TEXT, 0 },
	{ "envelope_to", TR_COL_TEXT, 0 },
	{ "message_id", TR_COL_TEXT, 0 },
	{ "mail_from", TR_COL_TEXT, 0 },
	{ "subject", TR_COL_TEXT, 0 },
	{ "reason_class", TR_COL_TEXT, 0 },
	{ "reason", TR_COL_TEXT, 0 },
	{ "bytes", TR_COL_INT, 0 },
	{ "sha256", TR_COL_TEXT, 0 },
	{ "times_seen", TR_COL_INT, 0 },
	{ "last_seen_at", TR_COL_TEXT, 0 },
	{ "content_sha256", TR_COL_TEXT, 0 },
	{ "organization", TR_COL_TEXT, 0 },
	{ "report_id", TR_COL_TEXT, 0 },
};


/* report_notes - the report's conformance notes (a JSON array of strings
 * as stored, or NULL) as rows of t, in order; -1 when out of memory */
static int
report_notes(struct tr_table *t, const char *notes)
{
	struct json_object *a, *v;
	size_t i, n;
	int rc = 0;

	if (notes == NULL || (a = json_tokener_parse(notes)) == NULL)
		return 0;
	if (json_object_is_type(a, json_type_array)) {
		n = json_object_array_length(a);
		for (i = 0; i < n && rc == 0; i++) {
			v = json_object_array_get_idx(a, i);
			if (tr_table_row(t) == -1 ||
			    (v == NULL ? tr_table_null(t) :
			    tr_table_text(t, json_object_is_type(v,
			    json_type_string) ? json_object_get_string(v) :
			    json_object_to_json_string_ext(v,
			    JSON_C_TO_STRING_PLAIN))) == -1)
				rc = -1;
		}
	}
	json_object_put(a);
	return rc;
}


/* report_info - the report's own row (sessions, origin, DKIM, copies aside)
 * into out->info */
static enum tr_err
report_info(struct tr_store *st, int64_t id, struct tr_query_report *out,
    struct tr_error *err)
{
	struct tr_db *db = tr_store_conn(st);
	char sql[2048];

	snprintf(sql, sizeof(sql), "SELECT r.id, r.organization_name, "
	    "r.report_id, r.start_time, r.end_time, r.contact_info, "
	    "(SELECT " CLAMP(ZERO(DSUM("successful_sessions") " + "
	    DSUM("failed_sessions"))) " FROM report_domains "
	    "WHERE report_ref = r.id), "
	    "(SELECT " CLAMP(ZERO(DSUM("failed_sessions"))) " "
	    "FROM report_domains WHERE report_ref = r.id), "
	    "r.received_at, r.way_in, r.source, r.envelope_from, "
	    "r.envelope_to, r.message_id, r.mail_from, r.subject, "
	    "r.report_domain, r.submitter, "
	    /* which signature was accepted, or why none was */
	    "(SELECT result || CASE WHEN result <> 'pass' THEN ' (' || cause "
	    "|| ': ' || coalesce(detail, '') || ')' ELSE '' END "
	    "|| coalesce(' d=' || domain || ' s=' || selector || ' a=' "
	    "|| algorithm, '') "
	    "|| CASE WHEN key_tlsrpt <> 0 THEN ' key s=tlsrpt' ELSE '' END "
	    "|| CASE WHEN domain IS NULL THEN '' "
	    "WHEN report_domain_signed <> 0 OR submitter_signed <> 0 "
	    "THEN ', signed:' "
	    "|| CASE WHEN report_domain_signed <> 0 THEN ' TLS-Report-Domain' "
	    "ELSE '' END || CASE WHEN submitter_signed <> 0 "
	    "THEN ' TLS-Report-Submitter' ELSE '' END "
	    "ELSE ', TLS-Report headers not signed' END "
	    "|| ', via ' || via || ', dkim = ' || policy "
	    "FROM report_dkim WHERE report_ref = r.id), "
	    /* copies under the same key kept aside (report_conflicts) */
	    "%s FROM reports r WHERE r.id = ?1",
	    tr_db_sql(db, "(SELECT group_concat(c, '; ') FROM (SELECT kind "
	    "|| ' #' || id || ' from ' || way_in || ' (dkim ' || "
	    "coalesce(dkim_result, 'unchecked') || ')' AS c FROM "
	    "report_conflicts WHERE stored_ref = r.id ORDER BY id))",
	    "(SELECT string_agg(kind || ' #' || id || ' from ' || way_in || "
	    "' (dkim ' || coalesce(dkim_result, 'unchecked') || ')', '; ' "
	    "ORDER BY id) FROM report_conflicts WHERE stored_ref = r.id)"));
	return tr_q_by_id(st, sql, id, report_info_cols,
	    NCOLS(report_info_cols), &out->info, "reports show", err);
}

/*
 * read_values - columns 0..n-1 of the row that sql selects by id (?1), each
 * copied into a new buffer with a NUL after its len[i] bytes (as text, up
 * to its NUL, when text: report JSON holds none; else as a blob); a column
 * that is NULL, or every one when there is no row, is empty
 */
static enum tr_err
read_values(struct tr_store *st, const char *sql, int64_t id, int text,
    size_t n, char **out, size_t *len, const char *what, struct tr_error *err)
{
	struct tr_stmt *stmt;
	const void *v;
	enum tr_step step = TR_STEP_DONE;
	enum tr_err e = TR_OK;
	size_t i;

	for (i = 0; i < n; i++) {
		out[i] = NULL;
		len[i] = 0;
	}
	if (tr_db_prepare(tr_store_conn(st), sql, &stmt, err) != TR_OK)
		return tr_q_dberr(what, err);
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK)
		e = tr_q_nomem(what, err);
	else if ((step = tr_db_step(stmt, err)) == TR_STEP_ERROR)
		e = tr_q_dberr(what, err);
	for (i = 0; i < n && e == TR_OK; i++) {
		v = NULL;
		if (step == TR_STEP_ROW && !tr_db_col_is_null(stmt, (int)i)) {
			if (text) {
				v = tr_db_col_text(stmt, (int)i);
				len[i] = strlen(v);
			} else
				v = tr_db_col_blob(stmt, (int)i, &len[i]);
		}
		if ((out[i] = malloc(len[i] + 1)) == NULL)
			e = tr_q_nomem(what, err);
		else {
			if (len[i] > 0)
				memcpy(out[i], v, len[i]);
			out[i][len[i]] = '\0';
		}
	}
	tr_db_finalize(stmt);
	return e;
}

/* report_raw - the report's conformance notes into out->notes and its
 * JSON as stored into out->raw_json */
static enum tr_err
report_raw(struct tr_store *st, int64_t id, struct tr_query_report *out,
    struct tr_error *err)
{
	char *v[2];
	size_t len[2];
	enum tr_err e;

	/* the notes are split here, the same for both engines */
	if ((out->notes = tr_table_new(report_note_cols,
	    NCOLS(report_note_cols))) == NULL)
		return tr_q_nomem("reports show", err);
	e = read_values(st, "SELECT conformance_notes, raw_json FROM reports "
	    "WHERE id = ?1", id, 1, 2, v, len, "reports show", err);
	if (e == TR_OK && report_notes(out->notes, v[0]) == -1)
		e = tr_q_nomem("reports show", err);
	free(v[0]);
	out->raw_json = v[1];
	out->raw_len = len[1];
	return e;
}

/* tr_query_report_show - one report with its policies, details and notes */
enum tr_err
tr_query_report_show(struct tr_store *st, int64_t id,
    struct tr_query_report *out, int *found, struct tr_error *err)
{
	enum tr_err e;

	memset(out, 0, sizeof(*out));
	*found = 0;
	e = report_info(st, id, out, err);
	if (e != TR_OK || tr_table_nrows(out->info) == 0)
		goto out;
	*found = 1;
	if ((e = tr_q_by_id(st, "SELECT p.position, p.policy_type, "
	    "p.policy_domain, "
	    "CASE WHEN p.policy_type NOT IN ('sts', 'tlsa') "
	    "OR EXISTS (SELECT 1 FROM report_domains s "
	    "WHERE s.report_ref = p.report_ref "
	    "AND s.policy_domain IS NOT DISTINCT FROM p.policy_domain "
	    "AND s.policy_type IS NOT DISTINCT FROM p.policy_type) "
	    "THEN 'yes' ELSE 'no' END, "
	    "p.successful_sessions, p.failed_sessions, p.mx_host, "
	    "p.policy_string FROM policies p WHERE p.report_ref = ?1 "
	    "ORDER BY p.position, p.id", id, report_policy_cols,
	    NCOLS(report_policy_cols), &out->policies, "reports show",
	    err)) != TR_OK)
		goto out;
	if ((e = tr_q_by_id(st, "SELECT p.position, f.result_type, "
	    "f.failed_sessions, f.receiving_mx_hostname, f.receiving_ip, "
	    "f.sending_mta_ip, f.receiving_mx_helo, f.failure_reason_code, "
	    "f.additional_information, "
	    "CASE WHEN f.repeated <> 0 THEN 'repeat' ELSE 'yes' END "
	    "FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref WHERE p.report_ref = ?1 "
	    "ORDER BY p.position, f.id", id, report_failure_cols,
	    NCOLS(report_failure_cols), &out->failures, "reports show",
	    err)) != TR_OK)
		goto out;
	e = report_raw(st, id, out, err);
out:
	if (e != TR_OK || !*found) {
		tr_query_report_free(out);
		*found = 0;
	}
	return e;
}

/* tr_query_report_free - free what tr_query_report_show filled */
void
tr_query_report_free(struct tr_query_report *r)
{
	tr_table_free(r->info);
	tr_table_free(r->policies);
	tr_table_free(r->failures);
	tr_table_free(r->notes);
	free(r->raw_json);
	memset(r, 0, sizeof(*r));
}


/* tr_query_quarantine_show - one quarantined message, raw bytes included */
enum tr_err
tr_query_quarantine_show(struct tr_store *st, int64_t id,
    struct tr_query_qitem *out, int *found, struct tr_error *err)
{
	char *raw = NULL;
	enum tr_err e;

	memset(out, 0, sizeof(*out));
	*found = 0;
	e = tr_q_by_id(st, "SELECT id, received_at, way_in, source, "
	    "envelope_from, envelope_to, message_id, mail_from, subject, "
	    "reason_class, reason, length(raw), raw_sha256, times_seen, "
	    "last_seen_at, content_sha256, organization_name, report_id "
	    "FROM quarantine WHERE id = ?1",
	    id, qitem_cols, NCOLS(qitem_cols), &out->info, "quarantine show",
	    err);
	if (e != TR_OK || tr_table_nrows(out->info) == 0)
		goto out;
	*found = 1;
	e = read_values(st, "SELECT raw FROM quarantine WHERE id = ?1", id, 0,
	    1, &raw, &out->raw_len, "quarantine show", err);
	out->raw = (unsigned char *)raw;
out:
	if (e != TR_OK || !*found) {
		tr_query_qitem_free(out);
		*found = 0;
	}
	return e;
}

/* tr_query_qitem_free - free what tr_query_quarantine_show filled */
void
tr_query_qitem_free(struct tr_query_qitem *q)
{
	tr_table_free(q->info);
	free(q->raw);
	memset(q, 0, sizeof(*q));
}

/* tr_query_quarantine_ids - the next ids, for walking the whole quarantine */
enum tr_err
tr_query_quarantine_ids(struct tr_store *st, int64_t after, int64_t *ids,
    size_t n, size_t *got, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_step step;

	*got = 0;
	if (tr_db_prepare(tr_store_conn(st), "SELECT id FROM quarantine "
	    "WHERE id > ?1 ORDER BY id LIMIT ?2", &stmt, err) != TR_OK)
		return tr_q_dberr("quarantine", err);
	if (tr_db_bind_int64(stmt, 1, after) != TR_OK ||
	    tr_db_bind_int64(stmt, 2, (int64_t)n) != TR_OK) {
		tr_db_finalize(stmt);
		return tr_q_nomem("quarantine", err);
	}
	while ((step = tr_db_step(stmt, err)) == TR_STEP_ROW && *got < n)
		ids[(*got)++] = tr_db_col_int64(stmt, 0);
	tr_db_finalize(stmt);
	if (step == TR_STEP_ERROR)
		return tr_q_dberr("quarantine", err);
	return TR_OK;
}
