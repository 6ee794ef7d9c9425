/* dashboard_table.h - query results as HTML: tables whose columns are
 * chosen and shown by name, cells, and one record as a definition list */
#ifndef TR_DASHBOARD_TABLE_H
#define TR_DASHBOARD_TABLE_H

#include <stddef.h>

#include "dashboard_params.h"
#include "html.h"
#include "table.h"

/* How a column of a result table is shown. */
enum tr_dash_show {
	TR_DS_TEXT,	/* escaped text */
	TR_DS_INT,	/* a count */
	TR_DS_RATE,	/* a fraction as a percentage */
	TR_DS_DOMAIN,	/* text linking to the domain page */
	TR_DS_REPORT,	/* an id linking to the report page */
	TR_DS_MESSAGE,	/* an id linking to the quarantined message */
	TR_DS_ORG,	/* text linking to the reports of that sender */
	TR_DS_CODE,	/* escaped text in <code> */
};

struct tr_dash_col {
	const char *col;	/* the query's column name */
	const char *head;	/* the header shown */
	enum tr_dash_show show;
};

/* the number of columns of a static spec array */
#define TR_DASH_NCOLS(spec)	(sizeof(spec) / sizeof((spec)[0]))

/*
 * tr_dash_table - the rows of t as an HTML table with id, the nspec
 * columns spec names (looked up by name, so the query's column order does
 * not matter); a row with a failure_rate above 0 is marked; "none" for no
 * rows; with more, a note that the query left rows out. Links keep p's
 * filters.
 */
void tr_dash_table(struct tr_buf *b, const char *id, const struct tr_table *t,
    const struct tr_dash_col *spec, size_t nspec, int more,
    const struct tr_dash_params *p);

/* tr_dash_table_cell - the <td> of column spec->col in row r of t, shown
 * as spec says (an empty cell when t has no such column) */
void tr_dash_table_cell(struct tr_buf *b, const struct tr_table *t, size_t r,
    const struct tr_dash_col *spec, const struct tr_dash_params *p);

/* tr_dash_table_record - the known columns of row 0 of t as a definition
 * list with id */
void tr_dash_table_record(struct tr_buf *b, const char *id,
    const struct tr_table *t);

#endif
