/* alert_day.c - a domain's day against the alert threshold: its figures
 * read, whether it is due, the alert claimed (or unclaimed) once across
 * instances, and the alert's fields */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "alert.h"
#include "alert_day.h"
#include "datetime.h"
#include "db.h"
#include "domain_count.h"
#include "log.h"

/*
 * domain_daily for one domain and day; the view itself would compute every
 * domain's every day first, this lets the engine use policies_policy_domain.
 * The day is the first ten characters of the start time (UTC text). The
 * sums: SQLite's total() never fails on absurd counts (SUM would overflow),
 * PostgreSQL's SUM of BIGINT is NUMERIC and does not overflow either.
 */
#define Q_DAY(SUM_OK, SUM_FAILED)					\
    "SELECT count(*), count(DISTINCT r.organization_name),\n"		\
    "       " SUM_OK ", " SUM_FAILED "\n"				\
    "  FROM report_domain_sessions s\n"					\
    "  JOIN reports r ON r.id = s.report_ref\n"				\
    " WHERE s.policy_domain = ?1 AND substr(r.start_time, 1, 10) = ?2"

static const char q_day_sqlite[] = Q_DAY(
    "CAST(total(s.successful_sessions) AS INTEGER)",
    "CAST(total(s.failed_sessions) AS INTEGER)");
static const char q_day_pg[] = Q_DAY(
    "COALESCE(SUM(s.successful_sessions), 0)",
    "COALESCE(SUM(s.failed_sessions), 0)");

/* the day's top result-types; ties in byte order on both engines */
#define Q_TOP(SUM, BYTES)						\
    "SELECT f.result_type, " SUM " AS n\n"				\
    "  FROM report_domain_sessions s\n"					\
    "  JOIN reports r ON r.id = s.report_ref\n"				\
    "  JOIN policies p ON p.report_ref = s.report_ref\n"		\
    "   AND p.policy_domain = s.policy_domain\n"			\
    "  JOIN failure_details f ON f.policy_ref = p.id AND f.repeated = 0\n" \
    " WHERE s.policy_domain = ?1 AND substr(r.start_time, 1, 10) = ?2\n" \
    " GROUP BY f.result_type\n"						\
    " ORDER BY n DESC, f.result_type " BYTES "\n"			\
    " LIMIT " "5"
_Static_assert(TR_ALERT_TOP == 5, "q_top's LIMIT is TR_ALERT_TOP");

static const char q_top_sqlite[] = Q_TOP(
    "CAST(total(f.failed_sessions) AS INTEGER)", "COLLATE BINARY");
static const char q_top_pg[] = Q_TOP(
    "COALESCE(SUM(f.failed_sessions), 0)", "COLLATE \"C\"");

/* One row per domain and day: the unique key decides which claim (of this
 * host's or another's sharing the store) is first, in one statement. */
static const char q_claim[] =
    "INSERT INTO alerts (policy_domain, day, raised_at,\n"
    "    failure_rate, successful_sessions, failed_sessions, threshold)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)\n"
    "ON CONFLICT (policy_domain, day) DO NOTHING";

static const char q_unclaim[] =
    "DELETE FROM alerts WHERE policy_domain = ?1 AND day = ?2";

/* copy_utf8 - s cut to fit out, never inside a UTF-8 sequence */
static void
copy_utf8(char *out, size_t outsz, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n >= outsz) {
		n = outsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s != NULL ? s : "", n);
	out[n] = '\0';
}

/* bind_key - ?1 the domain, ?2 the day */
static enum tr_err
bind_key(struct tr_stmt *st, const char *policy_domain, const char *day)
{
	enum tr_err e;

	if ((e = tr_db_bind_text(st, 1, policy_domain)) != TR_OK)
		return e;
	return tr_db_bind_text(st, 2, day);
}

/* tr_alert_read_day - a domain's day from the store */
enum tr_err
tr_alert_read_day(struct tr_db *db, const char *policy_domain,
    const char *day, struct tr_alert_day *out, struct tr_error *err)
{
	struct tr_stmt *st = NULL;
	enum tr_step rc;
	const char *rt;
	double all;

	memset(out, 0, sizeof(*out));
	out->policy_domain = policy_domain;
	snprintf(out->day, sizeof(out->day), "%s", day);
	if (tr_db_prepare(db, tr_db_sql(db, q_day_sqlite, q_day_pg), &st,
	    err) != TR_OK)
		goto fail;
	if (bind_key(st, policy_domain, out->day) != TR_OK) {
		tr_error_set(err, TR_ERR_STORE, "binding");
		goto fail;
	}
	if ((rc = tr_db_step(st, err)) != TR_STEP_ROW) {
		if (rc == TR_STEP_DONE)
			tr_error_set(err, TR_ERR_STORE, "no row");
		goto fail;
	}
	out->reports = tr_db_col_int64(st, 0);
	out->organizations = tr_db_col_int64(st, 1);
	out->successful = tr_db_col_int64(st, 2);
	out->failed = tr_db_col_int64(st, 3);
	tr_db_finalize(st);
	st = NULL;
	/* as the view: in doubles, so that huge counts cannot overflow */
	all = (double)out->successful + (double)out->failed;
	out->rate = all == 0 ? 0 : (double)out->failed / all;

	if (tr_db_prepare(db, tr_db_sql(db, q_top_sqlite, q_top_pg), &st,
	    err) != TR_OK)
		goto fail;
	if (bind_key(st, policy_domain, out->day) != TR_OK) {
		tr_error_set(err, TR_ERR_STORE, "binding");
		goto fail;
	}
	while (out->ntop < TR_ALERT_TOP && (rc = tr_db_step(st, err)) ==
	    TR_STEP_ROW) {
		rt = tr_db_col_text(st, 0);
		copy_utf8(out->top[out->ntop].result_type,
		    sizeof(out->top[out->ntop].result_type), rt);
		out->top[out->ntop].failed = tr_db_col_int64(st, 1);
		out->ntop++;
	}
	if (rc == TR_STEP_ERROR)
		goto fail;
	tr_db_finalize(st);
	return TR_OK;
fail:
	tr_error_prefix(err, "reading a domain's day for alerts");
	tr_db_finalize(st);
	return TR_ERR_STORE;
}

/* tr_alert_due - enough sessions and a failure rate at the threshold */
int
tr_alert_due(const struct tr_alert_day *d, const struct tr_alert_settings *s)
{
	double all = (double)d->successful + (double)d->failed;

	if (s->threshold <= 0 || all < (double)s->min_sessions || all == 0)
		return 0;
	/* failed / all >= threshold / 100, without rounding the rate first */
	return (double)d->failed * 100 >= s->threshold * all;
}

/* tr_alert_claim - one row per domain and day: the first claim wins */
int
tr_alert_claim(struct tr_db *db, const struct tr_alert_day *d,
    double threshold, struct tr_error *err)
{
	char now[TR_DT_UTC_LEN + 1];
	struct tr_stmt *st = NULL;
	int claimed;

	if (tr_dt_format((int64_t)time(NULL), now) == -1)
		snprintf(now, sizeof(now), "1970-01-01T00:00:00Z");
	if (tr_db_prepare(db, q_claim, &st, err) != TR_OK)
		goto fail;
	if (bind_key(st, d->policy_domain, d->day) != TR_OK ||
	    tr_db_bind_text(st, 3, now) != TR_OK ||
	    tr_db_bind_double(st, 4, d->rate) != TR_OK ||
	    tr_db_bind_int64(st, 5, d->successful) != TR_OK ||
	    tr_db_bind_int64(st, 6, d->failed) != TR_OK ||
	    tr_db_bind_double(st, 7, threshold) != TR_OK) {
		tr_error_set(err, TR_ERR_STORE, "binding");
		goto fail;
	}
	if (tr_db_step(st, err) != TR_STEP_DONE)
		goto fail;
	/* one statement: a row inserted is ours, a conflict another's */
	claimed = tr_db_changes(db) == 1;
	tr_db_finalize(st);
	return claimed;
fail:
	tr_error_prefix(err, "recording an alert");
	tr_db_finalize(st);
	return -1;
}

/* percent - a percentage with two decimals, as JSON */
static struct json_object *
percent(double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.2f", v);
	return json_object_new_double_s(v, buf);
}

/* tr_alert_fields - the alert as log fields / command input */
struct json_object *
tr_alert_fields(const struct tr_alert_day *d,
    const struct tr_alert_settings *s)
{
	struct json_object *f = json_object_new_object(), *top, *t;
	size_t i;

	json_object_object_add(f, "policy_domain",
	    json_object_new_string(d->policy_domain));
	json_object_object_add(f, "day", json_object_new_string(d->day));
	json_object_object_add(f, "failure_rate_percent",
	    percent(d->rate * 100));
	json_object_object_add(f, "threshold_percent", percent(s->threshold));
	json_object_object_add(f, "sessions", json_object_new_int64(
	    tr_count_add(d->successful, d->failed)));
	json_object_object_add(f, "successful_sessions",
	    json_object_new_int64(d->successful));
	json_object_object_add(f, "failed_sessions",
	    json_object_new_int64(d->failed));
	json_object_object_add(f, "min_sessions",
	    json_object_new_int64(s->min_sessions));
	json_object_object_add(f, "reports", json_object_new_int64(d->reports));
	json_object_object_add(f, "organizations",
	    json_object_new_int64(d->organizations));
	top = json_object_new_array();
	for (i = 0; i < d->ntop; i++) {
		t = json_object_new_object();
		json_object_object_add(t, "result_type",
		    json_object_new_string(d->top[i].result_type));
		json_object_object_add(t, "failed_sessions",
		    json_object_new_int64(d->top[i].failed));
		json_object_array_add(top, t);
	}
	json_object_object_add(f, "top_result_types", top);
	return f;
}

/* tr_alert_unclaim - forget that a domain's day alerted, so that its next
 * report raises the alert (and runs the command) again; best effort */
void
tr_alert_unclaim(struct tr_db *db, const char *domain, const char *day)
{
	struct tr_stmt *st = NULL;
	struct tr_error err;

	tr_error_clear(&err);
	if (tr_db_prepare(db, q_unclaim, &st, &err) == TR_OK) {
		if (bind_key(st, domain, day) != TR_OK)
			tr_error_set(&err, TR_ERR_STORE, "binding");
		else if (tr_db_step(st, &err) == TR_STEP_DONE) {
			tr_db_finalize(st);
			return;
		}
	}
	tr_db_finalize(st);
	log_warnx("alert for %s on %s: its command never ran and the alert "
	    "could not be unrecorded: %s", domain, day, err.msg);
}
