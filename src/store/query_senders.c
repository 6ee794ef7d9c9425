/* query_senders.c - the senders: who reports, how often, and the regular
 * ones that fell silent */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "datetime.h"
#include "db.h"
#include "query_senders.h"
#include "query_sql.h"

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
	struct tr_sqlb b;

	/* the failure rate is worked out by fill, from sessions and failed */
	tr_sb_init(&b, tr_store_conn(st));
	tr_sb_add(&b, "SELECT s.organization_name, "
	    "count(DISTINCT s.report_ref), "
	    "count(DISTINCT substr(s.start_time, 1, 10)), "
	    "count(DISTINCT s.policy_domain), " SESSIONS_SQL
	    "substr(min(s.start_time), 1, 10), "
	    "substr(max(s.start_time), 1, 10) "
	    "FROM report_domains s WHERE 1 = 1");
	tr_q_add_filters(&b, f, "s", "start_time", "s.policy_domain = :domain");
	tr_sb_add(&b, " GROUP BY s.organization_name "
	    "ORDER BY substr(max(s.start_time), 1, 10) DESC, "
	    "s.organization_name%s "
	    "LIMIT :limit", b.c);
	return tr_q_run(st, &b, f, senders_cols, NCOLS(senders_cols), -1, out,
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
	struct tr_sqlb b;
	enum tr_step step;
	enum tr_err e;
	int64_t gap;
	int i, r;

	*out = NULL;
	if (more != NULL)
		*more = 0;
	tr_sb_init(&b, tr_store_conn(st));
	tr_sb_add(&b, "WITH o AS (SELECT s.policy_domain AS d, "
	    "s.organization_name AS org, "
	    "count(DISTINCT substr(s.start_time, 1, 10)) AS days, "
	    "substr(max(s.start_time), 1, 10) AS last_day "
	    "FROM report_domains s WHERE 1 = 1");
	tr_q_add_filters(&b, f, "s", "start_time", "s.policy_domain = :domain");
	tr_sb_add(&b, " GROUP BY s.policy_domain, s.organization_name), "
	    "l AS (SELECT max(last_day) AS latest FROM o) "
	    "SELECT o.d, o.org, o.days, o.last_day, l.latest "
	    "FROM o, l WHERE o.days >= :min_days "
	    "ORDER BY o.last_day, o.d%s NULLS FIRST, o.org%s NULLS FIRST "
	    "LIMIT :limit", b.c, b.c);
	e = tr_q_prepare(st, &b, f, &stmt, "silent senders", err);
	tr_sb_free(&b);
	if (e != TR_OK)
		return e;
	if ((i = tr_db_param_index(stmt, ":min_days")) == 0 ||
	    tr_db_bind_int64(stmt, i, min_days) != TR_OK ||
	    (*out = tr_table_new(silent_cols, NCOLS(silent_cols))) == NULL) {
		tr_db_finalize(stmt);
		return tr_q_nomem("silent senders", err);
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
			e = tr_q_nomem("silent senders", err);
			break;
		}
	}
	if (e == TR_OK && step == TR_STEP_ERROR)
		e = tr_q_dberr("silent senders", err);
	tr_db_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
}
