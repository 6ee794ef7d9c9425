/* query_sql.c - how the questions are asked: the statement builder, the
 * site's domains as a CTE, the filters bound by name, rows read into a
 * table */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "query_sql.h"
#include "result_types.h"

/* tr_sb_init - an empty statement for db */
void
tr_sb_init(struct tr_sqlb *b, struct tr_db *db)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	b->c = tr_db_sql(db, "", " COLLATE \"C\"");
}

/* tr_sb_add - append printf-style text (out of memory is remembered) */
void
tr_sb_add(struct tr_sqlb *b, const char *fmt, ...)
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

/* tr_sb_free - free the statement's text */
void
tr_sb_free(struct tr_sqlb *b)
{
	free(b->s);
	b->s = NULL;
}

/* tr_q_owned - whether f gathers policy domains under the site's domains */
int
tr_q_owned(const struct tr_query_filter *f)
{
	return f != NULL && f->nown_domains > 0;
}

/* tr_q_domain_sql - the domain column of s for f */
const char *
tr_q_domain_sql(const struct tr_query_filter *f)
{
	return tr_q_owned(f) ? "w.dom" : "s.policy_domain";
}

/*
 * tr_q_owners_cte - with the site's domains, "WITH owners(pd, dom) AS ..."
 * mapping each distinct policy domain (pd) to the domain it counts under
 * (dom) as tr_domain_owner does: the first "host=domain" entry for it,
 * else the longest listed domain it equals or ends in after a dot, else
 * itself. Worked out once per distinct policy domain, which are few beside
 * the rows; report_domains rows s join it as w (OWNERS_JOIN). The entries
 * are bound as :hN/:dN (host, domain) and :oN/:sN (domain, "." domain) by
 * bind_filter.
 */
void
tr_q_owners_cte(struct tr_sqlb *b, const struct tr_query_filter *f)
{
	const char *e;
	size_t i, j, len, best;
	unsigned char *done;

	if (!tr_q_owned(f))
		return;
	tr_sb_add(b, "WITH owners(pd, dom) AS MATERIALIZED (SELECT p.pd, "
	    "CASE");
	for (i = 0; i < f->nown_domains; i++)
		if (strchr(f->own_domains[i], '=') != NULL)
			tr_sb_add(b, " WHEN p.pd = :h%zu THEN :d%zu", i, i);
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
		tr_sb_add(b, " WHEN p.pd = :o%zu OR (length(p.pd) > %zu AND "
		    "substr(p.pd, length(p.pd) - %zu) = :s%zu) THEN :o%zu",
		    best, len, len, best, best);
	}
	free(done);
	tr_sb_add(b, " ELSE p.pd END FROM (SELECT DISTINCT policy_domain AS pd "
	    "FROM report_domains) p) ");
}


/* tr_q_nomem - the table ran out of memory */
enum tr_err
tr_q_nomem(const char *what, struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory", what);
}

/* tr_q_dberr - the driver's error in err, named after the question */
enum tr_err
tr_q_dberr(const char *what, struct tr_error *err)
{
	if (err != NULL && err->code == TR_ERR_NOMEM)
		return TR_ERR_NOMEM;
	tr_error_prefix(err, "%s", what);
	return TR_ERR_STORE;
}

/*
 * tr_q_add_filters - append " AND ..." for each filter set, on a table aliased
 * a that has start_time and organization_name (reports, report_domains,
 * quarantine has neither domain nor org). domain_cond is the condition for
 * the domain, with :domain, or NULL when it does not apply.
 */
void
tr_q_add_filters(struct tr_sqlb *b, const struct tr_query_filter *f,
    const char *a, const char *time_col, const char *domain_cond)
{
	if (f->domain != NULL && domain_cond != NULL)
		tr_sb_add(b, " AND %s", domain_cond);
	/* :org is the text lower-cased, its % _ \ escaped, within %...% */
	if (f->org != NULL)
		tr_sb_add(b, " AND lower(%s.organization_name%s) LIKE :org "
		    "ESCAPE '\\'", a, b->c);
	if (f->since != NULL)
		tr_sb_add(b, " AND %s.%s >= :since", a, time_col);
	if (f->until != NULL)
		tr_sb_add(b, " AND %s.%s < :until", a, time_col);
	if (f->policy_type != NULL) {
		if (strcmp(a, "r") == 0)
			tr_sb_add(b, " AND r.id IN (SELECT report_ref FROM "
			    "report_domains WHERE policy_type = :ptype)");
		else
			tr_sb_add(b, " AND %s.policy_type = :ptype", a);
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

	if (tr_q_owned(f) && bind_owners(stmt, f) == -1)
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

/* tr_q_prepare - compile the statement in b and bind the filter (may be
 * NULL) */
enum tr_err
tr_q_prepare(struct tr_store *st, struct tr_sqlb *b,
    const struct tr_query_filter *f, struct tr_stmt **stmt, const char *what,
    struct tr_error *err)
{
	*stmt = NULL;
	if (b->oom)
		return tr_q_nomem(what, err);
	if (tr_db_prepare(tr_store_conn(st), b->s, stmt, err) != TR_OK)
		return tr_q_dberr(what, err);
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
			return tr_q_nomem(what, err);
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
				return tr_q_nomem(what, err);
		}
		if (explain_col >= 0) {
			rt = tr_result_type_explain(tr_db_col_text(stmt,
			    explain_col));
			if (tr_table_text(t, rt->meaning) == -1 ||
			    tr_table_text(t, rt->fix) == -1)
				return tr_q_nomem(what, err);
		}
	}
	if (step == TR_STEP_ERROR)
		return tr_q_dberr(what, err);
	return TR_OK;
}

/* tr_q_run - prepare b with f, fill a new table of cols, finalize; frees b */
enum tr_err
tr_q_run(struct tr_store *st, struct tr_sqlb *b,
    const struct tr_query_filter *f, const struct tr_column *cols,
    size_t ncols, int explain_col,
    struct tr_table **out, int *more, const char *what, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;

	*out = NULL;
	e = tr_q_prepare(st, b, f, &stmt, what, err);
	tr_sb_free(b);
	if (e != TR_OK)
		return e;
	if ((*out = tr_table_new(cols, ncols)) == NULL) {
		tr_db_finalize(stmt);
		return tr_q_nomem(what, err);
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

/* tr_q_by_id - run sql with ?1 = id into a new table */
enum tr_err
tr_q_by_id(struct tr_store *st, const char *sql, int64_t id,
    const struct tr_column *cols, size_t ncols, struct tr_table **out,
    const char *what, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;

	*out = NULL;
	if (tr_db_prepare(tr_store_conn(st), sql, &stmt, err) != TR_OK)
		return tr_q_dberr(what, err);
	if (tr_db_bind_int64(stmt, 1, id) != TR_OK) {
		tr_db_finalize(stmt);
		return tr_q_nomem(what, err);
	}
	if ((*out = tr_table_new(cols, ncols)) == NULL) {
		tr_db_finalize(stmt);
		return tr_q_nomem(what, err);
	}
	e = fill(stmt, *out, cols, ncols, 0, -1, NULL, what, err);
	tr_db_finalize(stmt);
	if (e != TR_OK) {
		tr_table_free(*out);
		*out = NULL;
	}
	return e;
}
