/* query.c - the operator's questions: summary, failures, reports, quarantine */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "query.h"
#include "result_types.h"
#include "schema.h"

#define SQL_MAX	4096

/* Result columns; the names are the JSON keys and CSV header fields. */
static const struct tr_column summary_cols[] = {
	{ "domain", TR_COL_TEXT, 40 },
	{ "sessions", TR_COL_INT, 0 },
	{ "failed", TR_COL_INT, 0 },
	{ "failure_rate", TR_COL_RATE, 0 },
	{ "organizations", TR_COL_INT, 0 },
	{ "reports", TR_COL_INT, 0 },
	{ "first_day", TR_COL_TEXT, 0 },
	{ "last_day", TR_COL_TEXT, 0 },
};

static const struct tr_column summary_day_cols[] = {
	{ "day", TR_COL_TEXT, 0 },
	{ "domain", TR_COL_TEXT, 40 },
	{ "sessions", TR_COL_INT, 0 },
	{ "failed", TR_COL_INT, 0 },
	{ "failure_rate", TR_COL_RATE, 0 },
	{ "organizations", TR_COL_INT, 0 },
	{ "reports", TR_COL_INT, 0 },
};

/* The failure dimensions in output order: bit, column, SQL expression. */
static const struct {
	unsigned dim;
	struct tr_column col;
	const char *expr;
} dims_def[] = {
	{ TR_DIM_TYPE, { "result_type", TR_COL_TEXT, 40 }, "f.result_type" },
	{ TR_DIM_DOMAIN, { "domain", TR_COL_TEXT, 40 }, "s.policy_domain" },
	{ TR_DIM_MX, { "receiving_mx", TR_COL_TEXT, 40 },
	  "f.receiving_mx_hostname" },
	{ TR_DIM_IP, { "sending_ip", TR_COL_TEXT, 40 }, "f.sending_mta_ip" },
	{ TR_DIM_ORG, { "organization", TR_COL_TEXT, 32 },
	  "s.organization_name" },
};
#define NDIMS (sizeof(dims_def) / sizeof(dims_def[0]))

static const struct tr_column failures_tail[] = {
	{ "failed", TR_COL_INT, 0 },
	{ "reports", TR_COL_INT, 0 },
	{ "first_day", TR_COL_TEXT, 0 },
	{ "last_day", TR_COL_TEXT, 0 },
	{ "meaning", TR_COL_TEXT, 0 },
	{ "fix", TR_COL_TEXT, 0 },
};

/* Every combination of dimensions gets its column list built once, before
 * any query reads it (failures_once), so concurrent questions share it. */
static struct tr_column failures_cols[1 << NDIMS][NDIMS + 6];
static pthread_once_t failures_once = PTHREAD_ONCE_INIT;

static const struct tr_column reports_cols[] = {
	{ "id", TR_COL_INT, 0 },
	{ "organization", TR_COL_TEXT, 24 },
	{ "report_id", TR_COL_TEXT, 32 },
	{ "start", TR_COL_TEXT, 0 },
	{ "end", TR_COL_TEXT, 0 },
	{ "domains", TR_COL_TEXT, 32 },
	{ "sessions", TR_COL_INT, 0 },
	{ "failed", TR_COL_INT, 0 },
	{ "notes", TR_COL_INT, 0 },
};

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

static const struct tr_column quarantine_cols[] = {
	{ "id", TR_COL_INT, 0 },
	{ "received_at", TR_COL_TEXT, 0 },
	{ "way_in", TR_COL_TEXT, 0 },
	{ "source", TR_COL_TEXT, 32 },
	{ "from", TR_COL_TEXT, 32 },
	{ "reason_class", TR_COL_TEXT, 0 },
	{ "reason", TR_COL_TEXT, 60 },
	{ "bytes", TR_COL_INT, 0 },
	{ "seen", TR_COL_INT, 0 },
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

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * With the site's domains (:own, a JSON array): owners maps each distinct
 * policy domain (pd) to the domain it counts under (dom) as tr_domain_owner
 * does: a "host=domain" entry for it, else the longest listed domain it
 * equals or ends in after a dot, else itself. Worked out once per distinct policy domain, which are few
 * beside the rows; report_domains rows s join it as w. Domains are compared
 * as stored: lower case, no final dot.
 */
#define OWNERS_CTE \
	"WITH owners(pd, dom) AS MATERIALIZED (SELECT p.pd, " \
	"coalesce((SELECT substr(o.value, instr(o.value, '=') + 1) " \
	"FROM json_each(:own) o WHERE instr(o.value, '=') > 0 AND " \
	"substr(o.value, 1, instr(o.value, '=') - 1) = p.pd LIMIT 1), " \
	"(SELECT o.value FROM json_each(:own) o WHERE instr(o.value, '=') = 0 " \
	"AND (p.pd = o.value OR substr(p.pd, -length(o.value) - 1) = " \
	"'.' || o.value) ORDER BY length(o.value) DESC LIMIT 1), p.pd) " \
	"FROM (SELECT DISTINCT policy_domain AS pd FROM report_domains) p) "
#define OWNERS_JOIN	" JOIN owners w ON w.pd IS s.policy_domain"

/* owned - whether f gathers policy domains under the site's domains */
static int
owned(const struct tr_query_filter *f)
{
	return f != NULL && f->nown_domains > 0;
}

/* domain_sql - the domain column of s for f */
static const char *
domain_sql(const struct tr_query_filter *f)
{
	return owned(f) ? "w.dom" : "s.policy_domain";
}

/* own_json - f's own domains as a JSON array of strings (free it); they
 * are LDH names (config.c checks them), so need no escaping. NULL when
 * there are none or out of memory (*nomem set). */
static char *
own_json(const struct tr_query_filter *f, int *nomem)
{
	size_t i, n = 3;
	char *j, *p;

	*nomem = 0;
	if (f == NULL || f->nown_domains == 0)
		return NULL;
	for (i = 0; i < f->nown_domains; i++)
		n += strlen(f->own_domains[i]) + 3;
	if ((p = j = malloc(n)) == NULL) {
		*nomem = 1;
		return NULL;
	}
	*p++ = '[';
	for (i = 0; i < f->nown_domains; i++)
		p += sprintf(p, "%s\"%s\"", i > 0 ? "," : "",
		    f->own_domains[i]);
	*p++ = ']';
	*p = '\0';
	return j;
}

/* dberr - TR_ERR_STORE naming the question and SQLite's error */
static enum tr_err
dberr(sqlite3 *db, int rc, const char *what, struct tr_error *err)
{
	return tr_schema_dberror(err, db, rc, what, "query");
}

/* append - strcat bounded by sz (the SQL is ours and fits SQL_MAX) */
static void
append(char *dst, const char *s, size_t sz)
{
	size_t n = strlen(dst);

	if (n < sz)
		snprintf(dst + n, sz - n, "%s", s);
}

/* nomem - the table ran out of memory */
static enum tr_err
nomem(const char *what, struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory", what);
}

/*
 * add_filters - append " AND ..." for each filter set, on a table aliased
 * a that has start_time and organization_name (reports, report_domains,
 * quarantine has neither domain nor org). domain_sql is the condition for
 * the domain, with :domain, or NULL when it does not apply.
 */
static void
add_filters(char *sql, size_t sz, const struct tr_query_filter *f,
    const char *a, const char *time_col, const char *domain_sql)
{
	size_t n = strlen(sql);

	if (f->domain != NULL && domain_sql != NULL)
		n += (size_t)snprintf(sql + n, sz - n, " AND %s", domain_sql);
	if (f->org != NULL && n < sz)
		n += (size_t)snprintf(sql + n, sz - n, " AND "
		    "instr(lower(%s.organization_name), lower(:org)) > 0", a);
	if (f->since != NULL && n < sz)
		n += (size_t)snprintf(sql + n, sz - n, " AND %s.%s >= :since",
		    a, time_col);
	if (f->until != NULL && n < sz)
		n += (size_t)snprintf(sql + n, sz - n, " AND %s.%s < :until", a,
		    time_col);
	if (f->policy_type != NULL && n < sz)
		snprintf(sql + n, sz - n, strcmp(a, "r") == 0 ?
		    " AND r.id IN (SELECT report_ref FROM report_domains "
		    "WHERE policy_type = :ptype)" :
		    " AND %s.policy_type = :ptype", a);
}

/* bind_named - bind text s to :name when the statement has it */
static int
bind_named(sqlite3_stmt *stmt, const char *name, const char *s)
{
	int i;

	if (s == NULL || (i = sqlite3_bind_parameter_index(stmt, name)) == 0)
		return SQLITE_OK;
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

/* prepare - compile sql and bind the filter (limit + 1 to see "more") */
static enum tr_err
prepare(struct tr_store *st, const char *sql, const struct tr_query_filter *f,
    sqlite3_stmt **stmt, const char *what, struct tr_error *err)
{
	sqlite3 *db = tr_store_db(st);
	char *own;
	int rc, i, oom;

	rc = sqlite3_prepare_v2(db, sql, -1, stmt, NULL);
	if (rc != SQLITE_OK)
		return dberr(db, rc, what, err);
	if (f == NULL)
		return TR_OK;
	rc = SQLITE_OK;
	if ((own = own_json(f, &oom)) != NULL &&
	    (i = sqlite3_bind_parameter_index(*stmt, ":own")) != 0)
		rc = sqlite3_bind_text(*stmt, i, own, -1, SQLITE_TRANSIENT);
	free(own);
	if (oom) {
		sqlite3_finalize(*stmt);
		*stmt = NULL;
		return nomem(what, err);
	}
	rc |= bind_named(*stmt, ":domain", f->domain);
	rc |= bind_named(*stmt, ":org", f->org);
	rc |= bind_named(*stmt, ":since", f->since);
	rc |= bind_named(*stmt, ":until", f->until);
	rc |= bind_named(*stmt, ":ptype", f->policy_type);
	rc |= bind_named(*stmt, ":dkim", f->dkim);
	if ((i = sqlite3_bind_parameter_index(*stmt, ":limit")) != 0)
		rc |= sqlite3_bind_int64(*stmt, i, (sqlite3_int64)f->limit + 1);
	if (rc != SQLITE_OK) {
		dberr(db, rc, what, err);
		sqlite3_finalize(*stmt);
		*stmt = NULL;
		return TR_ERR_STORE;
	}
	return TR_OK;
}

/* add_value - column i of the current row as the next cell */
static int
add_value(struct tr_table *t, sqlite3_stmt *stmt, int i)
{
	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
		return tr_table_int(t, sqlite3_column_int64(stmt, i));
	case SQLITE_FLOAT:
		return tr_table_real(t, sqlite3_column_double(stmt, i));
	case SQLITE_NULL:
		return tr_table_null(t);
	default:
		return tr_table_textn(t, (const char *)sqlite3_column_text(stmt,
		    i), (size_t)sqlite3_column_bytes(stmt, i));
	}
}

/*
 * fill - step stmt to the end, one table row per result row with every
 * column; with explain_col >= 0, the meaning and fix of the result type in
 * that column follow. Stops past limit rows (*more set when given).
 */
static enum tr_err
fill(struct tr_store *st, sqlite3_stmt *stmt, struct tr_table *t,
    size_t limit, int explain_col, int *more, const char *what,
    struct tr_error *err)
{
	const struct tr_result_type *rt;
	int rc, i, n = sqlite3_column_count(stmt);

	if (more != NULL)
		*more = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (limit > 0 && tr_table_nrows(t) == limit) {
			if (more != NULL)
				*more = 1;
			break;
		}
		if (tr_table_row(t) == -1)
			return nomem(what, err);
		for (i = 0; i < n; i++)
			if (add_value(t, stmt, i) == -1)
				return nomem(what, err);
		if (explain_col >= 0) {
			rt = tr_result_type_explain((const char *)
			    sqlite3_column_text(stmt, explain_col));
			if (tr_table_text(t, rt->meaning) == -1 ||
			    tr_table_text(t, rt->fix) == -1)
				return nomem(what, err);
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(tr_store_db(st), rc, what, err);
	return TR_OK;
}

/* run - prepare sql with f, fill a new table of cols, finalize */
static enum tr_err
run(struct tr_store *st, const char *sql, const struct tr_query_filter *f,
    const struct tr_column *cols, size_t ncols, int explain_col,
    struct tr_table **out, int *more, const char *what, struct tr_error *err)
{
	sqlite3_stmt *stmt;
	enum tr_err e;

	*out = NULL;
	if ((e = prepare(st, sql, f, &stmt, what, err)) != TR_OK)
		return e;
	if ((*out = tr_table_new(cols, ncols)) == NULL) {
		sqlite3_finalize(stmt);
		return nomem(what, err);
	}
	e = fill(st, stmt, *out, f != NULL ? f->limit : 0, explain_col, more,
	    what, err);
	sqlite3_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
}

/* run_with_ints - run, with two integer parameters bound besides f */
static enum tr_err
run_with_ints(struct tr_store *st, const char *sql,
    const struct tr_query_filter *f, const char *n1, int64_t v1,
    const char *n2, int64_t v2, const struct tr_column *cols, size_t ncols,
    struct tr_table **out, int *more, const char *what, struct tr_error *err)
{
	sqlite3_stmt *stmt;
	enum tr_err e;

	*out = NULL;
	if ((e = prepare(st, sql, f, &stmt, what, err)) != TR_OK)
		return e;
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, n1), v1);
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, n2), v2);
	if ((*out = tr_table_new(cols, ncols)) == NULL) {
		sqlite3_finalize(stmt);
		return nomem(what, err);
	}
	e = fill(st, stmt, *out, f->limit, -1, more, what, err);
	sqlite3_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
}

/* Sums as integers; the rate NULL when there were no sessions. */
#define SESSIONS_SQL \
	"CAST(total(s.successful_sessions) + total(s.failed_sessions) " \
	"AS INTEGER) AS sessions, " \
	"CAST(total(s.failed_sessions) AS INTEGER) AS failed, " \
	"CASE WHEN total(s.successful_sessions) + total(s.failed_sessions) " \
	"= 0 THEN NULL ELSE total(s.failed_sessions) / " \
	"(total(s.successful_sessions) + total(s.failed_sessions)) END " \
	"AS failure_rate, " \
	"count(DISTINCT s.organization_name) AS organizations, "
/* one row per report and policy domain, but a domain gathering its MX
 * names may hold two rows of one report */
#define REPORTS_SQL(f) (owned(f) ? \
	"count(DISTINCT s.report_ref) AS reports" : "count(*) AS reports")

/* tr_query_summary - per domain (and day), counted once */
enum tr_err
tr_query_summary(struct tr_store *st, const struct tr_query_filter *f,
    enum tr_query_by by, struct tr_table **out, int *more,
    struct tr_error *err)
{
	char sql[SQL_MAX], dom[SQL_MAX / 4];
	const char *d = domain_sql(f);

	if (by == TR_BY_DAY)
		snprintf(sql, sizeof(sql), "%sSELECT substr(s.start_time, 1, "
		    "10) AS day, %s AS dom, " SESSIONS_SQL "%s"
		    " FROM report_domains s%s WHERE 1", owned(f) ? OWNERS_CTE :
		    "", d, REPORTS_SQL(f), owned(f) ? OWNERS_JOIN : "");
	else
		snprintf(sql, sizeof(sql), "%sSELECT %s AS dom, "
		    SESSIONS_SQL "%s, substr(min(s.start_time), 1, 10), "
		    "substr(max(s.start_time), 1, 10) "
		    "FROM report_domains s%s WHERE 1", owned(f) ? OWNERS_CTE :
		    "", d, REPORTS_SQL(f), owned(f) ? OWNERS_JOIN : "");
	snprintf(dom, sizeof(dom), "%s = :domain", d);
	add_filters(sql, sizeof(sql), f, "s", "start_time", dom);
	if (by == TR_BY_DAY)
		append(sql, " GROUP BY day, dom "
		    "ORDER BY day DESC, dom LIMIT :limit", sizeof(sql));
	else
		append(sql, " GROUP BY dom ORDER BY "
		    "failure_rate DESC, failed DESC, dom "
		    "LIMIT :limit", sizeof(sql));
	if (by == TR_BY_DAY)
		return run(st, sql, f, summary_day_cols,
		    NCOLS(summary_day_cols), -1, out, more, "summary", err);
	return run(st, sql, f, summary_cols, NCOLS(summary_cols), -1, out,
	    more, "summary", err);
}

/* failures_build - every combination's column list (run once) */
static void
failures_build(void)
{
	struct tr_column *c;
	unsigned dims;
	size_t i, n;

	for (dims = 0; dims < (1u << NDIMS); dims++) {
		c = failures_cols[dims];
		n = 0;
		for (i = 0; i < NDIMS; i++)
			if (dims & dims_def[i].dim)
				c[n++] = dims_def[i].col;
		for (i = 0; i < NCOLS(failures_tail); i++)
			c[n++] = failures_tail[i];
	}
}

/* failures_columns - the column list for a set of dimensions (read-only
 * after failures_build, so questions on several threads may share it) */
static const struct tr_column *
failures_columns(unsigned dims, int explain, size_t *ncols)
{
	size_t i, n = 0;

	pthread_once(&failures_once, failures_build);
	for (i = 0; i < NDIMS; i++)
		if (dims & dims_def[i].dim)
			n++;
	*ncols = n + NCOLS(failures_tail) - (explain ? 0 : 2);
	return failures_cols[dims & ((1u << NDIMS) - 1)];
}

/* tr_query_failures - failed sessions by the chosen dimensions */
enum tr_err
tr_query_failures(struct tr_store *st, const struct tr_query_filter *f,
    unsigned dims, int explain, struct tr_table **out, int *more,
    struct tr_error *err)
{
	const struct tr_column *cols;
	char sql[SQL_MAX], group[512] = "", col[32], dom[SQL_MAX / 4];
	size_t i, ncols;
	int type_col = -1, k = 0;

	dims &= (1u << NDIMS) - 1;
	if (dims == 0)
		return tr_error_set(err, TR_ERR_SCHEMA, "failures: no "
		    "dimension to group by");
	explain = explain && (dims & TR_DIM_TYPE);
	snprintf(sql, sizeof(sql), "%sSELECT ", owned(f) ? OWNERS_CTE : "");
	for (i = 0; i < NDIMS; i++) {
		if (!(dims & dims_def[i].dim))
			continue;
		if (dims_def[i].dim == TR_DIM_TYPE)
			type_col = k;
		append(sql, dims_def[i].dim == TR_DIM_DOMAIN ? domain_sql(f) :
		    dims_def[i].expr, sizeof(sql));
		snprintf(col, sizeof(col), " AS c%d, ", k);
		append(sql, col, sizeof(sql));
		snprintf(col, sizeof(col), "%sc%d", k > 0 ? ", " : "", k);
		append(group, col, sizeof(group));
		k++;
	}
	/*
	 * Every failure detail of every policy, but a detail that a report
	 * lists under both its sts and its tlsa policy of a domain (Microsoft)
	 * once: the repeat is marked when stored (src/domain_count.c).
	 * Driven by the failure details, which are few beside the reports.
	 */
	append(sql, "CAST(total(f.failed_sessions) AS INTEGER) AS failed, "
	    "count(DISTINCT s.report_ref) AS reports, "
	    "substr(min(s.start_time), 1, 10), "
	    "substr(max(s.start_time), 1, 10) "
	    "FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref "
	    "JOIN report_domains s ON s.report_ref = p.report_ref "
	    "AND s.policy_domain IS p.policy_domain", sizeof(sql));
	if (owned(f))
		append(sql, OWNERS_JOIN, sizeof(sql));
	append(sql, " WHERE f.repeated = 0", sizeof(sql));
	snprintf(dom, sizeof(dom), "%s = :domain", domain_sql(f));
	add_filters(sql, sizeof(sql), f, "s", "start_time", dom);
	append(sql, " GROUP BY ", sizeof(sql));
	append(sql, group, sizeof(sql));
	append(sql, " ORDER BY failed DESC, ", sizeof(sql));
	append(sql, group, sizeof(sql));
	append(sql, " LIMIT :limit", sizeof(sql));
	cols = failures_columns(dims, explain, &ncols);
	return run(st, sql, f, cols, ncols, explain ? type_col : -1, out, more,
	    "failures", err);
}

/* tr_query_reports - the list of stored reports */
enum tr_err
tr_query_reports(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	char sql[SQL_MAX], dom[SQL_MAX / 2];

	snprintf(sql, sizeof(sql), "%sSELECT r.id, r.organization_name, "
	    "r.report_id, r.start_time, r.end_time, "
	    "(SELECT group_concat(policy_domain, ' ') FROM "
	    "(SELECT policy_domain FROM report_domains WHERE report_ref = r.id "
	    "ORDER BY policy_domain)), "
	    "(SELECT CAST(total(successful_sessions) + total(failed_sessions) "
	    "AS INTEGER) FROM report_domains WHERE report_ref = r.id), "
	    "(SELECT CAST(total(failed_sessions) AS INTEGER) "
	    "FROM report_domains WHERE report_ref = r.id), "
	    "coalesce(json_array_length(r.conformance_notes), 0) "
	    "FROM reports r WHERE 1", owned(f) ? OWNERS_CTE : "");
	snprintf(dom, sizeof(dom), "r.id IN (SELECT s.report_ref FROM "
	    "report_domains s%s WHERE %s = :domain)", owned(f) ? OWNERS_JOIN :
	    "", domain_sql(f));
	add_filters(sql, sizeof(sql), f, "r", "start_time", dom);
	if (f->dkim != NULL)
		append(sql, " AND coalesce((SELECT result FROM report_dkim "
		    "WHERE report_ref = r.id), 'unchecked') = :dkim",
		    sizeof(sql));
	append(sql, " ORDER BY r.start_time DESC, r.id DESC LIMIT :limit",
	    sizeof(sql));
	return run(st, sql, f, reports_cols, NCOLS(reports_cols), -1, out, more,
	    "reports", err);
}

/* one_row - run sql with ?1 = id into a new table; *found = rows > 0 */
static enum tr_err
by_id(struct tr_store *st, const char *sql, int64_t id,
    const struct tr_column *cols, size_t ncols, struct tr_table **out,
    const char *what, struct tr_error *err)
{
	sqlite3_stmt *stmt;
	enum tr_err e;

	*out = NULL;
	if ((e = prepare(st, sql, NULL, &stmt, what, err)) != TR_OK)
		return e;
	sqlite3_bind_int64(stmt, 1, id);
	if ((*out = tr_table_new(cols, ncols)) == NULL) {
		sqlite3_finalize(stmt);
		return nomem(what, err);
	}
	e = fill(st, stmt, *out, 0, -1, NULL, what, err);
	sqlite3_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
}

/* tr_query_report_show - one report with its policies, details and notes */
enum tr_err
tr_query_report_show(struct tr_store *st, int64_t id,
    struct tr_query_report *out, int *found, struct tr_error *err)
{
	sqlite3 *db = tr_store_db(st);
	sqlite3_stmt *stmt;
	enum tr_err e;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	e = by_id(st, "SELECT r.id, r.organization_name, r.report_id, "
	    "r.start_time, r.end_time, r.contact_info, "
	    "(SELECT CAST(total(successful_sessions) + total(failed_sessions) "
	    "AS INTEGER) FROM report_domains WHERE report_ref = r.id), "
	    "(SELECT CAST(total(failed_sessions) AS INTEGER) "
	    "FROM report_domains WHERE report_ref = r.id), "
	    "r.received_at, r.way_in, r.source, r.envelope_from, "
	    "r.envelope_to, r.message_id, r.mail_from, r.subject, "
	    "r.report_domain, r.submitter, "
	    /* which signature was accepted, or why none was */
	    "(SELECT result || CASE WHEN result <> 'pass' THEN ' (' || cause "
	    "|| ': ' || coalesce(detail, '') || ')' ELSE '' END "
	    "|| coalesce(' d=' || domain || ' s=' || selector || ' a=' "
	    "|| algorithm, '') "
	    "|| CASE WHEN key_tlsrpt THEN ' key s=tlsrpt' ELSE '' END "
	    "|| CASE WHEN domain IS NULL THEN '' "
	    "WHEN report_domain_signed OR submitter_signed THEN ', signed:' "
	    "|| CASE WHEN report_domain_signed THEN ' TLS-Report-Domain' "
	    "ELSE '' END || CASE WHEN submitter_signed "
	    "THEN ' TLS-Report-Submitter' ELSE '' END "
	    "ELSE ', TLS-Report headers not signed' END "
	    "|| ', via ' || via || ', dkim = ' || policy "
	    "FROM report_dkim WHERE report_ref = r.id), "
	    /* copies under the same key kept aside (report_conflicts) */
	    "(SELECT group_concat(kind || ' #' || id || ' from ' || way_in "
	    "|| ' (dkim ' || coalesce(dkim_result, 'unchecked') || ')', '; ') "
	    "FROM report_conflicts WHERE stored_ref = r.id) "
	    "FROM reports r WHERE r.id = ?1",
	    id, report_info_cols, NCOLS(report_info_cols), &out->info,
	    "reports show", err);
	if (e != TR_OK || tr_table_nrows(out->info) == 0)
		goto out;
	*found = 1;
	if ((e = by_id(st, "SELECT p.position, p.policy_type, p.policy_domain, "
	    "CASE WHEN p.policy_type NOT IN ('sts', 'tlsa') "
	    "OR EXISTS (SELECT 1 FROM report_domains s "
	    "WHERE s.report_ref = p.report_ref "
	    "AND s.policy_domain IS p.policy_domain "
	    "AND s.policy_type IS p.policy_type) THEN 'yes' ELSE 'no' END, "
	    "p.successful_sessions, p.failed_sessions, p.mx_host, "
	    "p.policy_string FROM policies p WHERE p.report_ref = ?1 "
	    "ORDER BY p.position", id, report_policy_cols,
	    NCOLS(report_policy_cols), &out->policies, "reports show",
	    err)) != TR_OK)
		goto out;
	if ((e = by_id(st, "SELECT p.position, f.result_type, "
	    "f.failed_sessions, f.receiving_mx_hostname, f.receiving_ip, "
	    "f.sending_mta_ip, f.receiving_mx_helo, f.failure_reason_code, "
	    "f.additional_information, "
	    "CASE WHEN f.repeated THEN 'repeat' ELSE 'yes' END "
	    "FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref WHERE p.report_ref = ?1 "
	    "ORDER BY p.position, f.id", id, report_failure_cols,
	    NCOLS(report_failure_cols), &out->failures, "reports show",
	    err)) != TR_OK)
		goto out;
	if ((e = by_id(st, "SELECT j.value FROM reports r, "
	    "json_each(r.conformance_notes) j WHERE r.id = ?1 ORDER BY j.key",
	    id, report_note_cols, NCOLS(report_note_cols), &out->notes,
	    "reports show", err)) != TR_OK)
		goto out;

	rc = sqlite3_prepare_v2(db, "SELECT raw_json FROM reports WHERE id = ?1",
	    -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		e = dberr(db, rc, "reports show", err);
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		out->raw_len = (size_t)sqlite3_column_bytes(stmt, 0);
		if ((out->raw_json = malloc(out->raw_len + 1)) == NULL)
			e = nomem("reports show", err);
		else {
			memcpy(out->raw_json, sqlite3_column_blob(stmt, 0),
			    out->raw_len);
			out->raw_json[out->raw_len] = '\0';
		}
	} else if (rc != SQLITE_DONE)
		e = dberr(db, rc, "reports show", err);
	sqlite3_finalize(stmt);
out:
	if (e != TR_OK || !*found) {
		tr_query_report_free(out);
		*found = 0;
	}
	return e;
}

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

/* tr_query_quarantine - the quarantine list, latest first */
enum tr_err
tr_query_quarantine(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	char sql[SQL_MAX];

	snprintf(sql, sizeof(sql), "SELECT q.id, q.received_at, q.way_in, "
	    "q.source, coalesce(q.envelope_from, q.mail_from), q.reason_class, "
	    "q.reason, length(q.raw), q.times_seen FROM quarantine q WHERE 1");
	add_filters(sql, sizeof(sql), &(struct tr_query_filter){
	    .since = f->since, .until = f->until }, "q", "received_at", NULL);
	append(sql, " ORDER BY q.received_at DESC, q.id DESC LIMIT :limit",
	    sizeof(sql));
	return run(st, sql, f, quarantine_cols, NCOLS(quarantine_cols), -1,
	    out, more, "quarantine", err);
}

/* tr_query_quarantine_show - one quarantined message, raw bytes included */
enum tr_err
tr_query_quarantine_show(struct tr_store *st, int64_t id,
    struct tr_query_qitem *out, int *found, struct tr_error *err)
{
	sqlite3 *db = tr_store_db(st);
	sqlite3_stmt *stmt;
	enum tr_err e;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	e = by_id(st, "SELECT id, received_at, way_in, source, envelope_from, "
	    "envelope_to, message_id, mail_from, subject, reason_class, "
	    "reason, length(raw), raw_sha256, times_seen, last_seen_at, "
	    "content_sha256, organization_name, report_id FROM quarantine "
	    "WHERE id = ?1",
	    id, qitem_cols, NCOLS(qitem_cols), &out->info, "quarantine show",
	    err);
	if (e != TR_OK || tr_table_nrows(out->info) == 0)
		goto out;
	*found = 1;
	rc = sqlite3_prepare_v2(db, "SELECT raw FROM quarantine WHERE id = ?1",
	    -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		e = dberr(db, rc, "quarantine show", err);
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		out->raw_len = (size_t)sqlite3_column_bytes(stmt, 0);
		/* one byte more so that an empty message is not NULL */
		if ((out->raw = malloc(out->raw_len + 1)) == NULL)
			e = nomem("quarantine show", err);
		else if (out->raw_len > 0)
			memcpy(out->raw, sqlite3_column_blob(stmt, 0),
			    out->raw_len);
	} else if (rc != SQLITE_DONE)
		e = dberr(db, rc, "quarantine show", err);
	sqlite3_finalize(stmt);
out:
	if (e != TR_OK || !*found) {
		tr_query_qitem_free(out);
		*found = 0;
	}
	return e;
}

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
	sqlite3 *db = tr_store_db(st);
	sqlite3_stmt *stmt;
	int rc;

	*got = 0;
	rc = sqlite3_prepare_v2(db, "SELECT id FROM quarantine WHERE id > ?1 "
	    "ORDER BY id LIMIT ?2", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return dberr(db, rc, "quarantine", err);
	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)n);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *got < n)
		ids[(*got)++] = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return dberr(db, rc, "quarantine", err);
	return TR_OK;
}

static const struct tr_column failures_daily_cols[] = {
	{ "day", TR_COL_TEXT, 0 },
	{ "result_type", TR_COL_TEXT, 40 },
	{ "failed", TR_COL_INT, 0 },
};

/* tr_query_failures_daily - failed sessions by day and result type */
enum tr_err
tr_query_failures_daily(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	char sql[SQL_MAX];

	/* the details of the policy type each report is counted under, as in
	 * tr_query_failures */
	snprintf(sql, sizeof(sql), "SELECT substr(s.start_time, 1, 10) AS day, "
	    "f.result_type, CAST(total(f.failed_sessions) AS INTEGER) AS failed "
	    "FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref "
	    "JOIN report_domains s ON s.report_ref = p.report_ref "
	    "AND s.policy_domain IS p.policy_domain "
	    "AND s.policy_type IS p.policy_type WHERE 1");
	add_filters(sql, sizeof(sql), f, "s", "start_time",
	    "s.policy_domain = :domain");
	append(sql, " GROUP BY day, f.result_type "
	    "ORDER BY day DESC, failed DESC, f.result_type LIMIT :limit",
	    sizeof(sql));
	return run(st, sql, f, failures_daily_cols,
	    NCOLS(failures_daily_cols), -1, out, more, "failures daily", err);
}

static const struct tr_column senders_cols[] = {
	{ "organization", TR_COL_TEXT, 32 },
	{ "reports", TR_COL_INT, 0 },
	{ "days", TR_COL_INT, 0 },
	{ "domains", TR_COL_INT, 0 },
	{ "sessions", TR_COL_INT, 0 },
	{ "failed", TR_COL_INT, 0 },
	{ "failure_rate", TR_COL_RATE, 0 },
	{ "first_day", TR_COL_TEXT, 0 },
	{ "last_day", TR_COL_TEXT, 0 },
};

/* tr_query_senders - who reports, how often, last seen */
enum tr_err
tr_query_senders(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	char sql[SQL_MAX];

	snprintf(sql, sizeof(sql), "SELECT s.organization_name, "
	    "count(DISTINCT s.report_ref), "
	    "count(DISTINCT substr(s.start_time, 1, 10)), "
	    "count(DISTINCT s.policy_domain), "
	    "CAST(total(s.successful_sessions) + total(s.failed_sessions) "
	    "AS INTEGER), CAST(total(s.failed_sessions) AS INTEGER), "
	    "CASE WHEN total(s.successful_sessions) + total(s.failed_sessions) "
	    "= 0 THEN NULL ELSE total(s.failed_sessions) / "
	    "(total(s.successful_sessions) + total(s.failed_sessions)) END, "
	    "substr(min(s.start_time), 1, 10), "
	    "substr(max(s.start_time), 1, 10) AS last "
	    "FROM report_domains s WHERE 1");
	add_filters(sql, sizeof(sql), f, "s", "start_time",
	    "s.policy_domain = :domain");
	append(sql, " GROUP BY s.organization_name "
	    "ORDER BY last DESC, s.organization_name LIMIT :limit",
	    sizeof(sql));
	return run(st, sql, f, senders_cols, NCOLS(senders_cols), -1, out,
	    more, "senders", err);
}

static const struct tr_column silent_cols[] = {
	{ "domain", TR_COL_TEXT, 40 },
	{ "organization", TR_COL_TEXT, 32 },
	{ "days", TR_COL_INT, 0 },
	{ "last_day", TR_COL_TEXT, 0 },
	{ "latest_day", TR_COL_TEXT, 0 },
	{ "days_silent", TR_COL_INT, 0 },
};

/* tr_query_silent_senders - regular reporters that fell silent */
enum tr_err
tr_query_silent_senders(struct tr_store *st, const struct tr_query_filter *f,
    unsigned min_days, unsigned gap_days, struct tr_table **out, int *more,
    struct tr_error *err)
{
	char sql[SQL_MAX];

	snprintf(sql, sizeof(sql), "WITH o AS (SELECT s.policy_domain AS d, "
	    "s.organization_name AS org, "
	    "count(DISTINCT substr(s.start_time, 1, 10)) AS days, "
	    "substr(max(s.start_time), 1, 10) AS last "
	    "FROM report_domains s WHERE 1");
	add_filters(sql, sizeof(sql), f, "s", "start_time",
	    "s.policy_domain = :domain");
	append(sql, " GROUP BY s.policy_domain, s.organization_name), "
	    "l AS (SELECT max(last) AS latest FROM o) "
	    "SELECT o.d, o.org, o.days, o.last, l.latest, "
	    "CAST(julianday(l.latest) - julianday(o.last) AS INTEGER) AS gap "
	    "FROM o, l WHERE o.days >= :min_days AND "
	    "julianday(l.latest) - julianday(o.last) >= :gap_days "
	    "ORDER BY gap DESC, o.d, o.org LIMIT :limit", sizeof(sql));
	return run_with_ints(st, sql, f, ":min_days", min_days, ":gap_days",
	    gap_days, silent_cols, NCOLS(silent_cols), out, more,
	    "silent senders", err);
}

static const struct tr_column policies_seen_cols[] = {
	{ "policy_type", TR_COL_TEXT, 0 },
	{ "mx_host", TR_COL_TEXT, 40 },
	{ "policy_string", TR_COL_TEXT, 60 },
	{ "reports", TR_COL_INT, 0 },
	{ "first_day", TR_COL_TEXT, 0 },
	{ "last_day", TR_COL_TEXT, 0 },
};

/* tr_query_policies_seen - a domain's published policies over time */
enum tr_err
tr_query_policies_seen(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	struct tr_query_filter rf = *f;
	char sql[SQL_MAX];

	if (f->domain == NULL)
		return tr_error_set(err, TR_ERR_SCHEMA, "policies: a domain "
		    "is needed");
	/* every policy row of the domain, whichever type was counted */
	rf.policy_type = NULL;
	snprintf(sql, sizeof(sql), "SELECT p.policy_type, p.mx_host, "
	    "p.policy_string, count(DISTINCT p.report_ref), "
	    "substr(min(r.start_time), 1, 10), "
	    "substr(max(r.start_time), 1, 10) AS last "
	    "FROM policies p JOIN reports r ON r.id = p.report_ref WHERE 1");
	add_filters(sql, sizeof(sql), &rf, "r", "start_time",
	    "p.policy_domain = :domain");
	if (f->policy_type != NULL)
		append(sql, " AND p.policy_type = :ptype", sizeof(sql));
	append(sql, " GROUP BY p.policy_type, p.mx_host, p.policy_string "
	    "ORDER BY last DESC, min(r.start_time) DESC, p.policy_type "
	    "LIMIT :limit", sizeof(sql));
	return run(st, sql, f, policies_seen_cols, NCOLS(policies_seen_cols),
	    -1, out, more, "policies", err);
}

static const struct tr_column alert_count_cols[] = {
	{ "domain", TR_COL_TEXT, 40 },
	{ "alerts", TR_COL_INT, 0 },
	{ "last_day", TR_COL_TEXT, 0 },
};

/* tr_query_alert_counts - alerts per domain in the range */
enum tr_err
tr_query_alert_counts(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	struct tr_query_filter af = *f;
	char sql[SQL_MAX];

	/* alerts are per domain and day: no sender, no policy type */
	af.org = NULL;
	af.policy_type = NULL;
	snprintf(sql, sizeof(sql), "SELECT a.policy_domain, count(*), "
	    "max(a.day) FROM alerts a WHERE 1");
	if (f->domain != NULL)
		append(sql, " AND a.policy_domain = :domain", sizeof(sql));
	if (f->since != NULL)
		append(sql, " AND a.day >= substr(:since, 1, 10)", sizeof(sql));
	if (f->until != NULL)
		append(sql, " AND a.day < substr(:until, 1, 10)", sizeof(sql));
	append(sql, " GROUP BY a.policy_domain ORDER BY count(*) DESC, "
	    "a.policy_domain LIMIT :limit", sizeof(sql));
	return run(st, sql, &af, alert_count_cols, NCOLS(alert_count_cols), -1,
	    out, more, "alerts", err);
}

static const struct tr_column quarantine_reason_cols[] = {
	{ "reason_class", TR_COL_TEXT, 0 },
	{ "messages", TR_COL_INT, 0 },
	{ "first", TR_COL_TEXT, 0 },
	{ "latest", TR_COL_TEXT, 0 },
};

/* tr_query_quarantine_reasons - the quarantine by reason class */
enum tr_err
tr_query_quarantine_reasons(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err)
{
	struct tr_query_filter qf = { .since = f->since, .until = f->until,
	    .limit = f->limit };
	char sql[SQL_MAX];

	snprintf(sql, sizeof(sql), "SELECT q.reason_class, count(*), "
	    "min(q.received_at), max(q.received_at) FROM quarantine q WHERE 1");
	add_filters(sql, sizeof(sql), &qf, "q", "received_at", NULL);
	append(sql, " GROUP BY q.reason_class ORDER BY count(*) DESC, "
	    "q.reason_class LIMIT :limit", sizeof(sql));
	return run(st, sql, &qf, quarantine_reason_cols,
	    NCOLS(quarantine_reason_cols), -1, out, more, "quarantine", err);
}

/* tr_query_latest_day - max(start_time) through its index */
enum tr_err
tr_query_latest_day(struct tr_store *st, char day[11], struct tr_error *err)
{
	sqlite3 *db = tr_store_db(st);
	sqlite3_stmt *stmt;
	const unsigned char *s;
	int rc;

	day[0] = '\0';
	rc = sqlite3_prepare_v2(db, "SELECT substr(max(start_time), 1, 10) "
	    "FROM reports", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return dberr(db, rc, "latest day", err);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW &&
	    (s = sqlite3_column_text(stmt, 0)) != NULL &&
	    strlen((const char *)s) == 10)
		memcpy(day, s, 11);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(db, rc, "latest day", err);
	return TR_OK;
}
