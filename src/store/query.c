/* query.c - the operator's questions: summary, failures, reports, the
 * quarantine list, policies, alerts */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "query.h"
#include "query_sql.h"

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


/* one row per report and policy domain, but a domain gathering its MX
 * names may hold two rows of one report */
#define REPORTS_SQL(f) (tr_q_owned(f) ? \
	"count(DISTINCT s.report_ref) AS reports" : "count(*) AS reports")

/* tr_query_summary - per domain (and day), counted once */
enum tr_err
tr_query_summary(struct tr_store *st, const struct tr_query_filter *f,
    enum tr_query_by by, struct tr_table **out, int *more,
    struct tr_error *err)
{
	const char *d = tr_q_domain_sql(f);
	struct tr_sqlb b;
	char dom[64];

	tr_sb_init(&b, tr_store_conn(st));
	tr_q_owners_cte(&b, f);
	if (by == TR_BY_DAY)
		tr_sb_add(&b, "SELECT substr(s.start_time, 1, 10) AS day, "
		    "%s AS dom, " SESSIONS_SQL "count(DISTINCT "
		    "s.organization_name) AS organizations, %s", d,
		    REPORTS_SQL(f));
	else
		tr_sb_add(&b, "SELECT %s AS dom, " SESSIONS_SQL
		    "count(DISTINCT s.organization_name) AS organizations, %s, "
		    "substr(min(s.start_time), 1, 10), "
		    "substr(max(s.start_time), 1, 10)", d, REPORTS_SQL(f));
	tr_sb_add(&b, " FROM report_domains s%s WHERE 1 = 1",
	    tr_q_owned(f) ? OWNERS_JOIN : "");
	snprintf(dom, sizeof(dom), "%s = :domain", d);
	tr_q_add_filters(&b, f, "s", "start_time", dom);
	if (by == TR_BY_DAY)
		tr_sb_add(&b, " GROUP BY substr(s.start_time, 1, 10), %s "
		    "ORDER BY substr(s.start_time, 1, 10) DESC, "
		    "%s%s NULLS FIRST LIMIT :limit", d, d, b.c);
	else
		tr_sb_add(&b, " GROUP BY %s ORDER BY " RATE_SQL
		    " DESC NULLS LAST, failed DESC, %s%s NULLS FIRST "
		    "LIMIT :limit", d, d, b.c);
	if (by == TR_BY_DAY)
		return tr_q_run(st, &b, f, summary_day_cols,
		    NCOLS(summary_day_cols), -1, out, more, "summary", err);
	return tr_q_run(st, &b, f, summary_cols, NCOLS(summary_cols), -1, out,
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
	struct tr_sqlb b;
	char dom[64];
	size_t i, k = 0, ncols;
	int type_col = -1;

	dims &= (1u << NDIMS) - 1;
	if (dims == 0)
		return tr_error_set(err, TR_ERR_SCHEMA, "failures: no "
		    "dimension to group by");
	explain = explain && (dims & TR_DIM_TYPE);
	tr_sb_init(&b, tr_store_conn(st));
	tr_q_owners_cte(&b, f);
	tr_sb_add(&b, "SELECT ");
	for (i = 0; i < NDIMS; i++) {
		if (!(dims & dims_def[i].dim))
			continue;
		if (dims_def[i].dim == TR_DIM_TYPE)
			type_col = (int)k;
		expr[k] = dims_def[i].dim == TR_DIM_DOMAIN ?
		    tr_q_domain_sql(f) : dims_def[i].expr;
		tr_sb_add(&b, "%s AS c%zu, ", expr[k], k);
		k++;
	}
	/*
	 * Every failure detail of every policy, but a detail that a report
	 * lists under both its sts and its tlsa policy of a domain (Microsoft)
	 * once: the repeat is marked when stored (src/domain_count.c).
	 * Driven by the failure details, which are few beside the reports.
	 */
	tr_sb_add(&b, CLAMP(ZERO(DSUM("f.failed_sessions"))) " AS failed, "
	    "count(DISTINCT s.report_ref) AS reports, "
	    "substr(min(s.start_time), 1, 10), "
	    "substr(max(s.start_time), 1, 10) "
	    "FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref "
	    "JOIN report_domains s ON s.report_ref = p.report_ref "
	    "AND s.policy_domain IS NOT DISTINCT FROM p.policy_domain%s "
	    "WHERE f.repeated = 0", tr_q_owned(f) ? OWNERS_JOIN : "");
	snprintf(dom, sizeof(dom), "%s = :domain", tr_q_domain_sql(f));
	tr_q_add_filters(&b, f, "s", "start_time", dom);
	tr_sb_add(&b, " GROUP BY ");
	for (i = 0; i < k; i++)
		tr_sb_add(&b, "%s%s", i > 0 ? ", " : "", expr[i]);
	tr_sb_add(&b, " ORDER BY failed DESC");
	for (i = 0; i < k; i++)
		tr_sb_add(&b, ", %s%s NULLS FIRST", expr[i], b.c);
	tr_sb_add(&b, " LIMIT :limit");
	cols = failures_columns(dims, explain, &ncols);
	return tr_q_run(st, &b, f, cols, ncols, explain ? type_col : -1, out,
	    more, "failures", err);
}

/* tr_query_reports - the list of stored reports */
enum tr_err
tr_query_reports(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	struct tr_sqlb b;

	tr_sb_init(&b, tr_store_conn(st));
	tr_q_owners_cte(&b, f);
	tr_sb_add(&b, "SELECT r.id, r.organization_name, r.report_id, "
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
	tr_q_add_filters(&b, f, "r", "start_time", NULL);
	if (f->domain != NULL)
		tr_sb_add(&b, " AND r.id IN (SELECT s.report_ref FROM "
		    "report_domains s%s WHERE %s = :domain)",
		    tr_q_owned(f) ? OWNERS_JOIN : "", tr_q_domain_sql(f));
	if (f->dkim != NULL)
		tr_sb_add(&b, " AND coalesce((SELECT result FROM report_dkim "
		    "WHERE report_ref = r.id), 'unchecked') = :dkim");
	tr_sb_add(&b, " ORDER BY r.start_time DESC, r.id DESC LIMIT :limit");
	return tr_q_run(st, &b, f, reports_cols, NCOLS(reports_cols), -1, out,
	    more, "reports", err);
}


/* tr_query_quarantine - the quarantine list, latest first */
enum tr_err
tr_query_quarantine(struct tr_store *st, const struct tr_query_filter *f,
    struct tr_table **out, int *more, struct tr_error *err)
{
	struct tr_sqlb b;

	tr_sb_init(&b, tr_store_conn(st));
	tr_sb_add(&b, "SELECT q.id, q.received_at, q.way_in, "
	    "q.source, coalesce(q.envelope_from, q.mail_from), q.reason_class, "
	    "q.reason, length(q.raw), q.times_seen FROM quarantine q "
	    "WHERE 1 = 1");
	tr_q_add_filters(&b, &(struct tr_query_filter){
	    .since = f->since, .until = f->until }, "q", "received_at", NULL);
	tr_sb_add(&b, " ORDER BY q.received_at DESC, q.id DESC LIMIT :limit");
	return tr_q_run(st, &b, f, quarantine_cols, NCOLS(quarantine_cols), -1,
	    out, more, "quarantine", err);
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
	struct tr_sqlb b;

	/* the details of the policy type each report is counted under, as in
	 * tr_query_failures */
	tr_sb_init(&b, tr_store_conn(st));
	tr_sb_add(&b, "SELECT substr(s.start_time, 1, 10) AS day, "
	    "f.result_type, " CLAMP(ZERO(DSUM("f.failed_sessions")))
	    " AS failed FROM failure_details f "
	    "JOIN policies p ON p.id = f.policy_ref "
	    "JOIN report_domains s ON s.report_ref = p.report_ref "
	    "AND s.policy_domain IS NOT DISTINCT FROM p.policy_domain "
	    "AND s.policy_type IS NOT DISTINCT FROM p.policy_type "
	    "WHERE 1 = 1");
	tr_q_add_filters(&b, f, "s", "start_time", "s.policy_domain = :domain");
	tr_sb_add(&b, " GROUP BY substr(s.start_time, 1, 10), f.result_type "
	    "ORDER BY substr(s.start_time, 1, 10) DESC, failed DESC, "
	    "f.result_type%s NULLS FIRST LIMIT :limit", b.c);
	return tr_q_run(st, &b, f, failures_daily_cols,
	    NCOLS(failures_daily_cols), -1, out, more, "failures daily", err);
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
	struct tr_sqlb b;

	if (f->domain == NULL)
		return tr_error_set(err, TR_ERR_SCHEMA, "policies: a domain "
		    "is needed");
	/* every policy row of the domain, whichever type was counted */
	rf.policy_type = NULL;
	tr_sb_init(&b, tr_store_conn(st));
	tr_sb_add(&b, "SELECT p.policy_type, p.mx_host, "
	    "p.policy_string, count(DISTINCT p.report_ref), "
	    "substr(min(r.start_time), 1, 10), "
	    "substr(max(r.start_time), 1, 10) "
	    "FROM policies p JOIN reports r ON r.id = p.report_ref "
	    "WHERE 1 = 1");
	tr_q_add_filters(&b, &rf, "r", "start_time",
	    "p.policy_domain = :domain");
	if (f->policy_type != NULL)
		tr_sb_add(&b, " AND p.policy_type = :ptype");
	tr_sb_add(&b, " GROUP BY p.policy_type, p.mx_host, p.policy_string "
	    "ORDER BY substr(max(r.start_time), 1, 10) DESC, "
	    "min(r.start_time) DESC, p.policy_type%s NULLS FIRST, "
	    "p.mx_host%s NULLS FIRST, p.policy_string%s NULLS FIRST "
	    "LIMIT :limit", b.c, b.c, b.c);
	return tr_q_run(st, &b, f, policies_seen_cols,
	    NCOLS(policies_seen_cols), -1, out, more, "policies", err);
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
	struct tr_sqlb b;

	/* alerts are per domain and day: no sender, no policy type */
	af.org = NULL;
	af.policy_type = NULL;
	tr_sb_init(&b, tr_store_conn(st));
	tr_sb_add(&b, "SELECT a.policy_domain, count(*), max(a.day) "
	    "FROM alerts a WHERE 1 = 1");
	if (f->domain != NULL)
		tr_sb_add(&b, " AND a.policy_domain = :domain");
	if (f->since != NULL)
		tr_sb_add(&b, " AND a.day >= "
		    "substr(CAST(:since AS TEXT), 1, 10)");
	if (f->until != NULL)
		tr_sb_add(&b, " AND a.day < "
		    "substr(CAST(:until AS TEXT), 1, 10)");
	tr_sb_add(&b, " GROUP BY a.policy_domain ORDER BY count(*) DESC, "
	    "a.policy_domain%s NULLS FIRST LIMIT :limit", b.c);
	return tr_q_run(st, &b, &af, alert_count_cols,
	    NCOLS(alert_count_cols), -1, out, more, "alerts", err);
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
	struct tr_sqlb b;

	tr_sb_init(&b, tr_store_conn(st));
	tr_sb_add(&b, "SELECT q.reason_class, count(*), "
	    "min(q.received_at), max(q.received_at) FROM quarantine q "
	    "WHERE 1 = 1");
	tr_q_add_filters(&b, &qf, "q", "received_at", NULL);
	tr_sb_add(&b, " GROUP BY q.reason_class ORDER BY count(*) DESC, "
	    "q.reason_class%s NULLS FIRST LIMIT :limit", b.c);
	return tr_q_run(st, &b, &qf, quarantine_reason_cols,
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
		return tr_q_dberr("latest day", err);
	if ((step = tr_db_step(stmt, err)) == TR_STEP_ROW &&
	    (s = tr_db_col_text(stmt, 0)) != NULL && strlen(s) == 10)
		memcpy(day, s, 11);
	tr_db_finalize(stmt);
	if (step == TR_STEP_ERROR)
		return tr_q_dberr("latest day", err);
	return TR_OK;
}
