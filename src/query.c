/* query.c - the operator's questions: summary, failures, reports, quarantine */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "datetime.h"
#include "db.h"
#include "query.h"
#include "result_types.h"

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
 * The SQL is written once for SQLite and PostgreSQL (db.h). Where the two
 * differ the text is chosen per connection:
 *   - text sort keys and lower() take COLLATE "C" on PostgreSQL, so that
 *     rows come in byte order (SQLite's BINARY) and lower() folds ASCII
 *     only, whatever the database's locale;
 *   - lists are joined by group_concat() over an ordered subquery in
 *     SQLite and by string_agg(... ORDER BY) in PostgreSQL;
 *   - json_array_length() takes the TEXT column as json in PostgreSQL.
 * A NULL sorts first ascending and last descending, as SQLite has it:
 * NULLS FIRST / NULLS LAST (both engines know them) say so to PostgreSQL.
 * Every ORDER BY is total where LIMIT cuts the rows. Dates are compared
 * as text; the days between two are counted here (day_number).
 * Sums are added as doubles, as SQLite's total() did: a sender's absurd
 * counts give a large number, never an integer overflow that stops the
 * question; below 2^53 the double is exact, and CLAMP turns it back into
 * an integer the way SQLite's CAST does (at most INT64_MAX). Failure rates
 * are worked out here, from those integers, so that both engines give the
 * same double (past 2^63 sessions, that of the clamped numbers).
 */
#define DSUM(x)	"SUM(CAST(" x " AS DOUBLE PRECISION))"
#define CLAMP(d) "(CASE WHEN " d " >= 9223372036854775807.0 " \
	"THEN 9223372036854775807 ELSE CAST(" d " AS BIGINT) END)"
#define ZERO(d)	"COALESCE(" d ", 0)"
#define SESSIONS_D	ZERO(DSUM("s.successful_sessions") " + " \
	DSUM("s.failed_sessions"))
#define FAILED_D	ZERO(DSUM("s.failed_sessions"))
/* the failure rate, for ordering by it (NULL without sessions) */
#define RATE_SQL	"(CASE WHEN " SESSIONS_D " = 0 THEN NULL ELSE " \
	FAILED_D " / (" SESSIONS_D ") END)"
/* sessions and failed of the rows s as integers */
#define SESSIONS_SQL	CLAMP(SESSIONS_D) " AS sessions, " \
	CLAMP(FAILED_D) " AS failed, "

/* A statement being written: grows as needed. */
struct sqlb {
	char *s;
	size_t len, cap;
	int oom;
	struct tr_db *db;
	const char *c;		/* " COLLATE \"C\"" on PostgreSQL, else "" */
};

/* sb_init - an empty statement for db */
static void
sb_init(struct sqlb *b, struct tr_db *db)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	b->c = tr_db_sql(db, "", " COLLATE \"C\"");
}

/* sb_add - append printf-style text (out of memory is remembered) */
static void __attribute__((format(printf, 2, 3)))
sb_add(struct sqlb *b, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *p;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL,
		    b->s != NULL ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		cap = b->cap > 0 ? b->cap : 1024;
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		if ((p = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
}

static void
sb_free(struct sqlb *b)
{
	free(b->s);
	b->s = NULL;
}

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

/*
 * owners_cte - with the site's domains, "WITH owners(pd, dom) AS ..."
 * mapping each distinct policy domain (pd) to the domain it counts under
 * (dom) as tr_domain_owner does: the first "host=domain" entry for it,
 * else the longest listed domain it equals or ends in after a dot, else
 * itself. Worked out once per distinct policy domain, which are few beside
 * the rows; report_domains rows s join it as w (OWNERS_JOIN). The entries
 * are bound as :hN/:dN (host, domain) and :oN/:sN (domain, "." domain) by
 * bind_filter.
 */
static void
owners_cte(struct sqlb *b, const struct tr_query_filter *f)
{
	const char *e;
	size_t i, j, len, best;
	unsigned char *done;

	if (!owned(f))
		return;
	sb_add(b, "WITH owners(pd, dom) AS MATERIALIZED (SELECT p.pd, "
	    "CASE");
	for (i = 0; i < f->nown_domains; i++)
		if (strchr(f->own_domains[i], '=') != NULL)
			sb_add(b, " WHEN p.pd = :h%zu THEN :d%zu", i, i);
	/* the longest first: CASE takes the first that matches */
	if ((done = calloc(f->nown_domains, 1)) == NULL) {
		b->oom = 1;
		return;
	}
	for (;;) {
		best = f->nown_domains;
		len = 0;
		for (j = 0; j < f->nown_domains; j++) {
			e = f->own_domains[j];
			if (!done[j] && strchr(e, '=') == NULL &&
			    (best == f->nown_domains || strlen(e) > len)) {
				best = j;
				len = strlen(e);
			}
		}
		if (best == f->nown_domains)
			break;
		done[best] = 1;
		sb_add(b, " WHEN p.pd = :o%zu OR (length(p.pd) > %zu AND "
		    "substr(p.pd, length(p.pd) - %zu) = :s%zu) THEN :o%zu",
		    best, len, len, best, best);
	}
	free(done);
	sb_add(b, " ELSE p.pd END FROM (SELECT DISTINCT policy_domain AS pd "
	    "FROM report_domains) p) ");
}
#define OWNERS_JOIN \
	" JOIN owners w ON w.pd IS NOT DISTINCT FROM s.policy_domain"

/* nomem - the table ran out of memory */
static enum tr_err
nomem(const char *what, struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory", what);
}

/* dberr - the driver's error in err, named after the question */
static enum tr_err
dberr(const char *what, struct tr_error *err)
{
	if (err != NULL && err->code == TR_ERR_NOMEM)
		return TR_ERR_NOMEM;
	tr_error_prefix(err, "%s", what);
	return TR_ERR_STORE;
}

/*
 * add_filters - append " AND ..." for each filter set, on a table aliased
 * a that has start_time and organization_name (reports, report_domains,
 * quarantine has neither domain nor org). domain_cond is the condition for
 * the domain, with :domain, or NULL when it does not apply.
 */
static void
add_filters(struct sqlb *b, const struct tr_query_filter *f, const char *a,
    const char *time_col, const char *domain_cond)
{
	if (f->domain != NULL && domain_cond != NULL)
		sb_add(b, " AND %s", domain_cond);
	/* :org is the text lower-cased, its % _ \ escaped, within %...% */
	if (f->org != NULL)
		sb_add(b, " AND lower(%s.organization_name%s) LIKE :org "
		    "ESCAPE '\\'", a, b->c);
	if (f->since != NULL)
		sb_add(b, " AND %s.%s >= :since", a, time_col);
	if (f->until != NULL)
		sb_add(b, " AND %s.%s < :until", a, time_col);
	if (f->policy_type != NULL) {
		if (strcmp(a, "r") == 0)
			sb_add(b, " AND r.id IN (SELECT report_ref FROM "
			    "report_domains WHERE policy_type = :ptype)");
		else
			sb_add(b, " AND %s.policy_type = :ptype", a);
	}
}

/* like_pattern - "%text%" for LIKE, ASCII lower case, with \ escaping the
 * wildcards (free it); NULL when out of memory */
static char *
like_pattern(const char *text)
{
	size_t n = strlen(text);
	char *p, *q;

	if ((p = q = malloc(2 * n + 3)) == NULL)
		return NULL;
	*q++ = '%';
	for (; *text != '\0'; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			*q++ = '\\';
		*q++ = *text >= 'A' && *text <= 'Z' ? (char)(*text - 'A' + 'a') :
		    *text;
	}
	*q++ = '%';
	*q = '\0';
	return p;
}

/* bind_named - bind text v to :name when the statement has it (v may be
 * NULL: then nothing); -1 when binding failed */
static int
bind_named(struct tr_stmt *stmt, const char *name, const char *v)
{
	int i;

	if (v == NULL || (i = tr_db_param_index(stmt, name)) == 0)
		return 0;
	return tr_db_bind_text(stmt, i, v) == TR_OK ? 0 : -1;
}

/* bind_owners - the site's domains into the parameters of owners_cte */
static int
bind_owners(struct tr_stmt *stmt, const struct tr_query_filter *f)
{
	const char *e, *eq;
	char name[32], *dot;
	size_t i;
	int i1, rc = 0;

	for (i = 0; i < f->nown_domains && rc == 0; i++) {
		e = f->own_domains[i];
		if ((eq = strchr(e, '=')) != NULL) {
			snprintf(name, sizeof(name), ":h%zu", i);
			if ((i1 = tr_db_param_index(stmt, name)) != 0 &&
			    tr_db_bind_textn(stmt, i1, e, (size_t)(eq - e)) !=
			    TR_OK)
				rc = -1;
			snprintf(name, sizeof(name), ":d%zu", i);
			if (rc == 0 && bind_named(stmt, name, eq + 1) == -1)
				rc = -1;
			continue;
		}
		snprintf(name, sizeof(name), ":o%zu", i);
		if (bind_named(stmt, name, e) == -1 ||
		    (dot = malloc(strlen(e) + 2)) == NULL) {
			rc = -1;
			break;
		}
		dot[0] = '.';
		memcpy(dot + 1, e, strlen(e) + 1);
		snprintf(name, sizeof(name), ":s%zu", i);
		rc = bind_named(stmt, name, dot);
		free(dot);
	}
	return rc;
}

/* bind_filter - f's values into the statement's named parameters (limit + 1
 * to see "more"); -1 when binding failed */
static int
bind_filter(struct tr_stmt *stmt, const struct tr_query_filter *f)
{
	char *org = NULL;
	int i, rc = 0;

	if (owned(f) && bind_owners(stmt, f) == -1)
		return -1;
	if (f->org != NULL && tr_db_param_index(stmt, ":org") != 0) {
		if ((org = like_pattern(f->org)) == NULL)
			return -1;
		rc = bind_named(stmt, ":org", org);
		free(org);
	}
	if (rc == -1 ||
	    bind_named(stmt, ":domain", f->domain) == -1 ||
	    bind_named(stmt, ":since", f->since) == -1 ||
	    bind_named(stmt, ":until", f->until) == -1 ||
	    bind_named(stmt, ":ptype", f->policy_type) == -1 ||
	    bind_named(stmt, ":dkim", f->dkim) == -1)
		return -1;
	if ((i = tr_db_param_index(stmt, ":limit")) != 0 &&
	    tr_db_bind_int64(stmt, i, (int64_t)f->limit + 1) != TR_OK)
		return -1;
	return 0;
}

/* prepare - compile the statement in b and bind the filter (may be NULL) */
static enum tr_err
prepare(struct tr_store *st, struct sqlb *b, const struct tr_query_filter *f,
    struct tr_stmt **stmt, const char *what, struct tr_error *err)
{
	*stmt = NULL;
	if (b->oom)
		return nomem(what, err);
	if (tr_db_prepare(tr_store_conn(st), b->s, stmt, err) != TR_OK)
		return dberr(what, err);
	if (f != NULL && bind_filter(*stmt, f) == -1) {
		tr_db_finalize(*stmt);
		*stmt = NULL;
		return tr_error_set(err, TR_ERR_NOMEM, "%s: binding the "
		    "question's values: out of memory", what);
	}
	return TR_OK;
}

/*
 * fill - step stmt to the end, one table row per result row. Each column
 * of the table is read by its kind from the next column of the result,
 * except a TR_COL_RATE: that is the two integer columns before it (sessions,
 * failed) divided here, NULL without sessions, and takes no result column.
 * With explain_col >= 0, the last two table columns are the meaning and fix
 * of the result type in that column. Stops past limit rows (*more set when
 * given).
 */
static enum tr_err
fill(struct tr_stmt *stmt, struct tr_table *t, const struct tr_column *cols,
    size_t ncols, size_t limit, int explain_col, int *more, const char *what,
    struct tr_error *err)
{
	const struct tr_result_type *rt;
	enum tr_step step;
	int64_t v, prev[2] = { 0, 0 };
	size_t i, nsql = ncols - (explain_col >= 0 ? 2 : 0);
	int j, r;

	if (more != NULL)
		*more = 0;
	while ((step = tr_db_step(stmt, err)) == TR_STEP_ROW) {
		if (limit > 0 && tr_table_nrows(t) == limit) {
			if (more != NULL)
				*more = 1;
			break;
		}
		if (tr_table_row(t) == -1)
			return nomem(what, err);
		for (i = 0, j = 0; i < nsql; i++) {
			if (cols[i].kind == TR_COL_RATE) {
				r = prev[0] == 0 ? tr_table_null(t) :
				    tr_table_real(t, (double)prev[1] /
				    (double)prev[0]);
			} else if (tr_db_col_is_null(stmt, j)) {
				r = tr_table_null(t);
				j++;
			} else if (cols[i].kind == TR_COL_INT) {
				v = tr_db_col_int64(stmt, j++);
				prev[0] = prev[1];
				prev[1] = v;
				r = tr_table_int(t, v);
			} else
				r = tr_table_text(t, tr_db_col_text(stmt, j++));
			if (r == -1)
				return nomem(what, err);
		}
		if (explain_col >= 0) {
			rt = tr_result_type_explain(tr_db_col_text(stmt,
			    explain_col));
			if (tr_table_text(t, rt->meaning) == -1 ||
			    tr_table_text(t, rt->fix) == -1)
				return nomem(what, err);
		}
	}
	if (step == TR_STEP_ERROR)
		return dberr(what, err);
	return TR_OK;
}

/* run - prepare b with f, fill a new table of cols, finalize; frees b */
static enum tr_err
run(struct tr_store *st, struct sqlb *b, const struct tr_query_filter *f,
    const struct tr_column *cols, size_t ncols, int explain_col,
    struct tr_table **out, int *more, const char *what, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;

	*out = NULL;
	e = prepare(st, b, f, &stmt, what, err);
	sb_free(b);
	if (e != TR_OK)
		return e;
	if ((*out = tr_table_new(cols, ncols)) == NULL) {
		tr_db_finalize(stmt);
		return nomem(what, err);
	}
	e = fill(stmt, *out, cols, ncols, f != NULL ? f->limit : 0,
	    explain_col, more, what, err);
	tr_db_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
}

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
	const char *d = domain_sql(f);
	struct sqlb b;
	char dom[64];

	sb_init(&b, tr_store_conn(st));
	owners_cte(&b, f);
	if (by == TR_BY_DAY)
		sb_add(&b, "SELECT substr(s.start_time, 1, 10) AS day, "
		    "%s AS dom, " SESSIONS_SQL "count(DISTINCT "
		    "s.organization_name) AS organizations, %s", d,
		    REPORTS_SQL(f));
	else
		sb_add(&b, "SELECT %s AS dom, " SESSIONS_SQL "count(DISTINCT "
		    "s.organization_name) AS organizations, %s, "
		    "substr(min(s.start_time), 1, 10), "
		    "substr(max(s.start_time), 1, 10)", d, REPORTS_SQL(f));
	sb_add(&b, " FROM report_domains s%s WHERE 1 = 1",
	    owned(f) ? OWNERS_JOIN : "");
	snprintf(dom, sizeof(dom), "%s = :domain", d);
	add_filters(&b, f, "s", "start_time", dom);
	if (by == TR_BY_DAY)
		sb_add(&b, " GROUP BY substr(s.start_time, 1, 10), %s "
		    "ORDER BY substr(s.start_time, 1, 10) DESC, "
		    "%s%s NULLS FIRST LIMIT :limit", d, d, b.c);
	else
		sb_add(&b, " GROUP BY %s ORDER BY " RATE_SQL " DESC NULLS LAST, "
		    "failed DESC, %s%s NULLS FIRST LIMIT :limit", d, d, b.c);
	if (by == TR_BY_DAY)
		return run(st, &b, f, summary_day_cols,
		    NCOLS(summary_day_cols), -1, out, more, "summary", err);
	return run(st, &b, f, summary_cols, NCOLS(summary_cols), -1, out,
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
	const char *expr[NDIMS];
	struct sqlb b;
	char dom[64];
	size_t i, k = 0, ncols;
	int type_col = -1;

	dims &= (1u << NDIMS) - 1;
	if (dims == 0)
		return tr_error_set(err, TR_ERR_SCHEMA, "failures: no "
		    "dimension to group by");
	explain = explain && (dims & TR_DIM_TYPE);
	sb_init(&b, tr_store_conn(st));
	owners_cte(&b, f);
	sb_add(&b, "SELECT ");
	for (i = 0; i < NDIMS; i++) {
		if (!(dims & dims_def[i].dim))
			continue;
		if (dims_def[i].dim == TR_DIM_TYPE)
			type_col = (int)k;
		expr[k] = dims_def[i].dim == TR_DIM_DOMAIN ? domain_sql(f) :
		    dims_def[i].expr;
		sb_add(&b, "%s AS c%zu, ", expr[k], k);
		k++;
	}
	/*
	 * Every failure detail of every policy, but a detail that a report
	 * lists under both its sts and its tlsa policy of a domain (Microsoft)
	 * once: the repeat is marked when stored (src/domain_count.c).
	 * Driven by the failure details, which are few beside the reports.
	 */
	sb_add(&b, CLAMP(ZERO(DSUM("f.failed_sessions"))) " AS failed, "
	    "count(DISTINCT s.report_ref) AS reports, "
	    "substr(min(s.start_time), 1, 10), "
	    "substr(max(s.start_time), 1, 10) "
	    "FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref "
	    "JOIN report_domains s ON s.report_ref = p.report_ref "
	    "AND s.policy_domain IS NOT DISTINCT FROM p.policy_domain%s "
	    "WHERE f.repeated = 0", owned(f) ? OWNERS_JOIN : "");
	snprintf(dom, sizeof(dom), "%s = :domain", domain_sql(f));
	add_filters(&b, f, "s", "start_time", dom);
	sb_add(&b, " GROUP BY ");
	for (i = 0; i < k; i++)
		sb_add(&b, "%s%s", i > 0 ? ", " : "", expr[i]);
	sb_add(&b, " ORDER BY failed DESC");
	for (i = 0; i < k; i++)
		sb_add(&b, ", %s%s NULLS FIRST", expr[i], b.c);
	sb_add(&b, " LIMIT :limit");
	cols = failures_columns(dims, explain, &ncols);
	return run(st, &b, f, cols, ncols, explain ? type_col : -1, out, more,
	    "failures", err);
}

/* tr_query_reports - the list of stored reports */
enum tr_err
tr_query_reports(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	struct sqlb b;

	sb_init(&b, tr_store_conn(st));
	owners_cte(&b, f);
	sb_add(&b, "SELECT r.id, r.organization_name, r.report_id, "
	    "r.start_time, r.end_time, %s, "
	    "(SELECT " CLAMP(ZERO(DSUM("successful_sessions") " + "
	    DSUM("failed_sessions"))) " FROM report_domains "
	    "WHERE report_ref = r.id), "
	    "(SELECT " CLAMP(ZERO(DSUM("failed_sessions"))) " "
	    "FROM report_domains WHERE report_ref = r.id), %s "
	    "FROM reports r WHERE 1 = 1",
	    /* the domains in byte order, separated by spaces */
	    tr_db_sql(b.db, "(SELECT group_concat(policy_domain, ' ') FROM "
	    "(SELECT policy_domain FROM report_domains WHERE report_ref = r.id "
	    "ORDER BY policy_domain))",
	    "(SELECT string_agg(policy_domain, ' ' ORDER BY policy_domain "
	    "COLLATE \"C\") FROM report_domains WHERE report_ref = r.id)"),
	    /* conformance_notes is a JSON array or NULL */
	    tr_db_sql(b.db, "coalesce(json_array_length(r.conformance_notes), "
	    "0)", "coalesce(json_array_length(CAST(r.conformance_notes AS "
	    "json)), 0)"));
	add_filters(&b, f, "r", "start_time", NULL);
	if (f->domain != NULL)
		sb_add(&b, " AND r.id IN (SELECT s.report_ref FROM "
		    "report_domains s%s WHERE %s = :domain)",
		    owned(f) ? OWNERS_JOIN : "", domain_sql(f));
	if (f->dkim != NULL)
		sb_add(&b, " AND coalesce((SELECT result FROM report_dkim "
		    "WHERE report_ref = r.id), 'unchecked') = :dkim");
	sb_add(&b, " ORDER BY r.start_time DESC, r.id DESC LIMIT :limit");
	return run(st, &b, f, reports_cols, NCOLS(reports_cols), -1, out, more,
	    "reports", err);
}

/* by_id - run sql with ?1 = id into a new table */
static enum tr_err
by_id(struct tr_store *st, const char *sql, int64_t id,
    const struct tr_column *cols, size_t ncols, struct tr_table **out,
    const char *what, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;

	*out = NULL;
	if (tr_db_prepare(tr_store_conn(st), sql, &stmt, err) != TR_OK)
		return dberr(what, err);
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK) {
		tr_db_finalize(stmt);
		return nomem(what, err);
	}
	if ((*out = tr_table_new(cols, ncols)) == NULL) {
		tr_db_finalize(stmt);
		return nomem(what, err);
	}
	e = fill(stmt, *out, cols, ncols, 0, -1, NULL, what, err);
	tr_db_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
}

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

/* tr_query_report_show - one report with its policies, details and notes */
enum tr_err
tr_query_report_show(struct tr_store *st, int64_t id,
    struct tr_query_report *out, int *found, struct tr_error *err)
{
	struct tr_db *db = tr_store_conn(st);
	struct tr_stmt *stmt;
	const char *raw;
	enum tr_step step;
	enum tr_err e;
	char sql[2048];

	memset(out, 0, sizeof(*out));
	*found = 0;
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
	e = by_id(st, sql, id, report_info_cols, NCOLS(report_info_cols),
	    &out->info, "reports show", err);
	if (e != TR_OK || tr_table_nrows(out->info) == 0)
		goto out;
	*found = 1;
	if ((e = by_id(st, "SELECT p.position, p.policy_type, p.policy_domain, "
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
	if ((e = by_id(st, "SELECT p.position, f.result_type, "
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
	/* the notes and the JSON as stored; the notes are split here, the
	 * same for both engines */
	if ((out->notes = tr_table_new(report_note_cols,
	    NCOLS(report_note_cols))) == NULL) {
		e = nomem("reports show", err);
		goto out;
	}
	if (tr_db_prepare(db, "SELECT conformance_notes, raw_json FROM reports "
	    "WHERE id = ?1", &stmt, err) != TR_OK) {
		e = dberr("reports show", err);
		goto out;
	}
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK)
		e = nomem("reports show", err);
	else if ((step = tr_db_step(stmt, err)) == TR_STEP_ROW) {
		raw = tr_db_col_text(stmt, 1);
		out->raw_len = raw != NULL ? strlen(raw) : 0;
		if (report_notes(out->notes, tr_db_col_text(stmt, 0)) == -1 ||
		    (out->raw_json = malloc(out->raw_len + 1)) == NULL)
			e = nomem("reports show", err);
		else {
			memcpy(out->raw_json, raw != NULL ? raw : "",
			    out->raw_len);
			out->raw_json[out->raw_len] = '\0';
		}
	} else if (step == TR_STEP_ERROR)
		e = dberr("reports show", err);
	tr_db_finalize(stmt);
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
	struct sqlb b;

	sb_init(&b, tr_store_conn(st));
	sb_add(&b, "SELECT q.id, q.received_at, q.way_in, "
	    "q.source, coalesce(q.envelope_from, q.mail_from), q.reason_class, "
	    "q.reason, length(q.raw), q.times_seen FROM quarantine q "
	    "WHERE 1 = 1");
	add_filters(&b, &(struct tr_query_filter){
	    .since = f->since, .until = f->until }, "q", "received_at", NULL);
	sb_add(&b, " ORDER BY q.received_at DESC, q.id DESC LIMIT :limit");
	return run(st, &b, f, quarantine_cols, NCOLS(quarantine_cols), -1,
	    out, more, "quarantine", err);
}

/* tr_query_quarantine_show - one quarantined message, raw bytes included */
enum tr_err
tr_query_quarantine_show(struct tr_store *st, int64_t id,
    struct tr_query_qitem *out, int *found, struct tr_error *err)
{
	struct tr_stmt *stmt;
	const void *raw;
	enum tr_step step;
	enum tr_err e;

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
	if (tr_db_prepare(tr_store_conn(st), "SELECT raw FROM quarantine "
	    "WHERE id = ?1", &stmt, err) != TR_OK) {
		e = dberr("quarantine show", err);
		goto out;
	}
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK)
		e = nomem("quarantine show", err);
	else if ((step = tr_db_step(stmt, err)) == TR_STEP_ROW) {
		raw = tr_db_col_blob(stmt, 0, &out->raw_len);
		/* one byte more so that an empty message is not NULL */
		if ((out->raw = malloc(out->raw_len + 1)) == NULL)
			e = nomem("quarantine show", err);
		else if (out->raw_len > 0)
			memcpy(out->raw, raw, out->raw_len);
	} else if (step == TR_STEP_ERROR)
		e = dberr("quarantine show", err);
	tr_db_finalize(stmt);
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
	struct tr_stmt *stmt;
	enum tr_step step;

	*got = 0;
	if (tr_db_prepare(tr_store_conn(st), "SELECT id FROM quarantine "
	    "WHERE id > ?1 ORDER BY id LIMIT ?2", &stmt, err) != TR_OK)
		return dberr("quarantine", err);
	if (tr_db_bind_int64(stmt, 1, after) != TR_OK ||
	    tr_db_bind_int64(stmt, 2, (int64_t)n) != TR_OK) {
		tr_db_finalize(stmt);
		return nomem("quarantine", err);
	}
	while ((step = tr_db_step(stmt, err)) == TR_STEP_ROW && *got < n)
		ids[(*got)++] = tr_db_col_int64(stmt, 0);
	tr_db_finalize(stmt);
	if (step == TR_STEP_ERROR)
		return dberr("quarantine", err);
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
	struct sqlb b;

	/* the details of the policy type each report is counted under, as in
	 * tr_query_failures */
	sb_init(&b, tr_store_conn(st));
	sb_add(&b, "SELECT substr(s.start_time, 1, 10) AS day, "
	    "f.result_type, " CLAMP(ZERO(DSUM("f.failed_sessions")))
	    " AS failed FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref "
	    "JOIN report_domains s ON s.report_ref = p.report_ref "
	    "AND s.policy_domain IS NOT DISTINCT FROM p.policy_domain "
	    "AND s.policy_type IS NOT DISTINCT FROM p.policy_type "
	    "WHERE 1 = 1");
	add_filters(&b, f, "s", "start_time", "s.policy_domain = :domain");
	sb_add(&b, " GROUP BY substr(s.start_time, 1, 10), f.result_type "
	    "ORDER BY substr(s.start_time, 1, 10) DESC, failed DESC, "
	    "f.result_type%s NULLS FIRST LIMIT :limit", b.c);
	return run(st, &b, f, failures_daily_cols,
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
	struct sqlb b;

	/* the failure rate is worked out by fill, from sessions and failed */
	sb_init(&b, tr_store_conn(st));
	sb_add(&b, "SELECT s.organization_name, "
	    "count(DISTINCT s.report_ref), "
	    "count(DISTINCT substr(s.start_time, 1, 10)), "
	    "count(DISTINCT s.policy_domain), " SESSIONS_SQL
	    "substr(min(s.start_time), 1, 10), "
	    "substr(max(s.start_time), 1, 10) "
	    "FROM report_domains s WHERE 1 = 1");
	add_filters(&b, f, "s", "start_time", "s.policy_domain = :domain");
	sb_add(&b, " GROUP BY s.organization_name "
	    "ORDER BY substr(max(s.start_time), 1, 10) DESC, "
	    "s.organization_name%s "
	    "LIMIT :limit", b.c);
	return run(st, &b, f, senders_cols, NCOLS(senders_cols), -1, out,
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
/* day_number - days since 1970-01-01 of "YYYY-MM-DD"; -1 if it is not one */
static int64_t
day_number(const char *day)
{
	struct tr_dt dt;
	char t[TR_DT_UTC_LEN + 1];

	if (day == NULL || strlen(day) != 10)
		return -1;
	snprintf(t, sizeof(t), "%sT00:00:00Z", day);
	if (tr_dt_parse(t, strlen(t), &dt, NULL) == -1)
		return -1;
	return dt.epoch / 86400;
}

/*
 * tr_query_silent_senders - regular reporters that fell silent. The days
 * of silence are counted here from the two days, not by the engines' date
 * functions: ordered by the last day, the longest silences come first, and
 * the rows stop at the first pair silent for less than gap_days.
 */
enum tr_err
tr_query_silent_senders(struct tr_store *st, const struct tr_query_filter *f,
    unsigned min_days, unsigned gap_days, struct tr_table **out, int *more,
    struct tr_error *err)
{
	struct tr_stmt *stmt;
	struct sqlb b;
	enum tr_step step;
	enum tr_err e;
	int64_t gap;
	int i, r;

	*out = NULL;
	if (more != NULL)
		*more = 0;
	sb_init(&b, tr_store_conn(st));
	sb_add(&b, "WITH o AS (SELECT s.policy_domain AS d, "
	    "s.organization_name AS org, "
	    "count(DISTINCT substr(s.start_time, 1, 10)) AS days, "
	    "substr(max(s.start_time), 1, 10) AS last_day "
	    "FROM report_domains s WHERE 1 = 1");
	add_filters(&b, f, "s", "start_time", "s.policy_domain = :domain");
	sb_add(&b, " GROUP BY s.policy_domain, s.organization_name), "
	    "l AS (SELECT max(last_day) AS latest FROM o) "
	    "SELECT o.d, o.org, o.days, o.last_day, l.latest "
	    "FROM o, l WHERE o.days >= :min_days "
	    "ORDER BY o.last_day, o.d%s NULLS FIRST, o.org%s NULLS FIRST "
	    "LIMIT :limit", b.c, b.c);
	e = prepare(st, &b, f, &stmt, "silent senders", err);
	sb_free(&b);
	if (e != TR_OK)
		return e;
	if ((i = tr_db_param_index(stmt, ":min_days")) == 0 ||
	    tr_db_bind_int64(stmt, i, min_days) != TR_OK ||
	    (*out = tr_table_new(silent_cols, NCOLS(silent_cols))) == NULL) {
		tr_db_finalize(stmt);
		return nomem("silent senders", err);
	}
	e = TR_OK;
	while ((step = tr_db_step(stmt, err)) == TR_STEP_ROW) {
		gap = day_number(tr_db_col_text(stmt, 4)) -
		    day_number(tr_db_col_text(stmt, 3));
		if (gap < (int64_t)gap_days)
			break;	/* and so are all that follow */
		if (tr_table_nrows(*out) == f->limit) {
			if (more != NULL)
				*more = 1;
			break;
		}
		r = tr_table_row(*out);
		for (i = 0; i < 5 && r == 0; i++)
			r = tr_db_col_is_null(stmt, i) ? tr_table_null(*out) :
			    i == 2 ? tr_table_int(*out, tr_db_col_int64(stmt,
			    i)) : tr_table_text(*out, tr_db_col_text(stmt, i));
		if (r == -1 || tr_table_int(*out, gap) == -1) {
			e = nomem("silent senders", err);
			break;
		}
	}
	if (e == TR_OK && step == TR_STEP_ERROR)
		e = dberr("silent senders", err);
	tr_db_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
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
	struct sqlb b;

	if (f->domain == NULL)
		return tr_error_set(err, TR_ERR_SCHEMA, "policies: a domain "
		    "is needed");
	/* every policy row of the domain, whichever type was counted */
	rf.policy_type = NULL;
	sb_init(&b, tr_store_conn(st));
	sb_add(&b, "SELECT p.policy_type, p.mx_host, "
	    "p.policy_string, count(DISTINCT p.report_ref), "
	    "substr(min(r.start_time), 1, 10), "
	    "substr(max(r.start_time), 1, 10) "
	    "FROM policies p JOIN reports r ON r.id = p.report_ref "
	    "WHERE 1 = 1");
	add_filters(&b, &rf, "r", "start_time", "p.policy_domain = :domain");
	if (f->policy_type != NULL)
		sb_add(&b, " AND p.policy_type = :ptype");
	sb_add(&b, " GROUP BY p.policy_type, p.mx_host, p.policy_string "
	    "ORDER BY substr(max(r.start_time), 1, 10) DESC, "
	    "min(r.start_time) DESC, p.policy_type%s NULLS FIRST, "
	    "p.mx_host%s NULLS FIRST, p.policy_string%s NULLS FIRST "
	    "LIMIT :limit", b.c, b.c, b.c);
	return run(st, &b, f, policies_seen_cols, NCOLS(policies_seen_cols),
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
	struct sqlb b;

	/* alerts are per domain and day: no sender, no policy type */
	af.org = NULL;
	af.policy_type = NULL;
	sb_init(&b, tr_store_conn(st));
	sb_add(&b, "SELECT a.policy_domain, count(*), max(a.day) "
	    "FROM alerts a WHERE 1 = 1");
	if (f->domain != NULL)
		sb_add(&b, " AND a.policy_domain = :domain");
	if (f->since != NULL)
		sb_add(&b, " AND a.day >= substr(CAST(:since AS TEXT), 1, 10)");
	if (f->until != NULL)
		sb_add(&b, " AND a.day < substr(CAST(:until AS TEXT), 1, 10)");
	sb_add(&b, " GROUP BY a.policy_domain ORDER BY count(*) DESC, "
	    "a.policy_domain%s NULLS FIRST LIMIT :limit", b.c);
	return run(st, &b, &af, alert_count_cols, NCOLS(alert_count_cols), -1,
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
	struct sqlb b;

	sb_init(&b, tr_store_conn(st));
	sb_add(&b, "SELECT q.reason_class, count(*), "
	    "min(q.received_at), max(q.received_at) FROM quarantine q "
	    "WHERE 1 = 1");
	add_filters(&b, &qf, "q", "received_at", NULL);
	sb_add(&b, " GROUP BY q.reason_class ORDER BY count(*) DESC, "
	    "q.reason_class%s NULLS FIRST LIMIT :limit", b.c);
	return run(st, &b, &qf, quarantine_reason_cols,
	    NCOLS(quarantine_reason_cols), -1, out, more, "quarantine", err);
}

/* tr_query_latest_day - max(start_time) through its index */
enum tr_err
tr_query_latest_day(struct tr_store *st, char day[11], struct tr_error *err)
{
	struct tr_stmt *stmt;
	const char *s;
	enum tr_step step;

	day[0] = '\0';
	if (tr_db_prepare(tr_store_conn(st), "SELECT substr(max(start_time), "
	    "1, 10) FROM reports", &stmt, err) != TR_OK)
		return dberr("latest day", err);
	if ((step = tr_db_step(stmt, err)) == TR_STEP_ROW &&
	    (s = tr_db_col_text(stmt, 0)) != NULL && strlen(s) == 10)
		memcpy(day, s, 11);
	tr_db_finalize(stmt);
	if (step == TR_STEP_ERROR)
		return dberr("latest day", err);
	return TR_OK;
}
