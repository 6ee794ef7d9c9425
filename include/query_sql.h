/* query_sql.h - how the questions are asked: a statement builder, the SQL
 * both engines share, the filters bound by name, and rows read into a table */
#ifndef TR_QUERY_SQL_H
#define TR_QUERY_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "query.h"

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
struct tr_sqlb {
	char *s;
	size_t len, cap;
	int oom;
	struct tr_db *db;
	const char *c;		/* " COLLATE \"C\"" on PostgreSQL, else "" */
};


/* tr_sb_init - an empty statement for db */
void tr_sb_init(struct tr_sqlb *b, struct tr_db *db);

/* tr_sb_add - append printf-style text (out of memory is remembered) */
void tr_sb_add(struct tr_sqlb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* tr_sb_free - free the statement's text */
void tr_sb_free(struct tr_sqlb *b);

/* tr_q_owned - whether f gathers policy domains under the site's domains */
int tr_q_owned(const struct tr_query_filter *f);

/* tr_q_domain_sql - the domain column of s for f */
const char *tr_q_domain_sql(const struct tr_query_filter *f);

/* tr_q_owners_cte - with the site's domains, "WITH owners(pd, dom) AS ..."
 * mapping each policy domain to the domain it counts under */
void tr_q_owners_cte(struct tr_sqlb *b, const struct tr_query_filter *f);

#define OWNERS_JOIN \
	" JOIN owners w ON w.pd IS NOT DISTINCT FROM s.policy_domain"

/* tr_q_nomem - the table ran out of memory */
enum tr_err tr_q_nomem(const char *what, struct tr_error *err);

/* tr_q_dberr - the driver's error in err, named after the question */
enum tr_err tr_q_dberr(const char *what, struct tr_error *err);

/* tr_q_add_filters - append " AND ..." for each filter of f set, on the
 * table aliased a; domain_cond (with :domain) or NULL */
void tr_q_add_filters(struct tr_sqlb *b, const struct tr_query_filter *f,
    const char *a, const char *time_col, const char *domain_cond);

/* tr_q_prepare - compile the statement in b and bind the filter f (may be
 * NULL) */
enum tr_err tr_q_prepare(struct tr_store *st, struct tr_sqlb *b,
    const struct tr_query_filter *f, struct tr_stmt **stmt,
    const char *what, struct tr_error *err);

/* tr_q_run - prepare b with f, fill a new table of cols, finalize; frees
 * b */
enum tr_err tr_q_run(struct tr_store *st, struct tr_sqlb *b,
    const struct tr_query_filter *f, const struct tr_column *cols,
    size_t ncols, int explain_col, struct tr_table **out, int *more,
    const char *what, struct tr_error *err);

/* tr_q_by_id - run sql with ?1 = id into a new table */
enum tr_err tr_q_by_id(struct tr_store *st, const char *sql, int64_t id,
    const struct tr_column *cols, size_t ncols, struct tr_table **out,
    const char *what, struct tr_error *err);

#endif
