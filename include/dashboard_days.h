/* dashboard_days.h - the days of the dashboard's daily charts, and the
 * range a page over every domain shows when the URL names none */
#ifndef TR_DASHBOARD_DAYS_H
#define TR_DASHBOARD_DAYS_H

#include <stddef.h>

#include "dashboard_params.h"
#include "error.h"
#include "html.h"
#include "store.h"
#include "table.h"

#define TR_DASH_DAYS_MAX	366	/* columns of a daily chart */
#define TR_DASH_DEFAULT_DAYS	30	/* days of the all-domain pages */

/* A run of consecutive days, the axis of the daily charts. */
struct tr_dash_days {
	long first;		/* day number of column 0 */
	size_t n;		/* columns, at most TR_DASH_DAYS_MAX */
	char label[TR_DASH_DAYS_MAX][11];	/* YYYY-MM-DD */
	const char *x[TR_DASH_DAYS_MAX];	/* label[i] */
};

/* tr_dash_days_number - "YYYY-MM-DD..." (s may be NULL) as days since
 * 1970, -1 when it is not a day */
long tr_dash_days_number(const char *s);

/* tr_dash_days_range - d = the days lo..hi (day numbers), the latest
 * TR_DASH_DAYS_MAX of them at most; no days when lo < 0 or hi < lo */
void tr_dash_days_range(struct tr_dash_days *d, long lo, long hi);

/* tr_dash_days_span - d = the days from the earliest to the latest day in
 * column col of t (as tr_dash_days_range); no days for no rows */
void tr_dash_days_span(struct tr_dash_days *d, const struct tr_table *t,
    const char *col);

/* tr_dash_days_index - the column of day s in d, -1 outside it */
long tr_dash_days_index(const struct tr_dash_days *d, const char *s);

/*
 * tr_dash_days_default - *q = p, with the TR_DASH_DEFAULT_DAYS days up to
 * the latest report as its range when p gives neither since nor until
 * (then *defaulted = 1), so that pages over every domain stay fast over
 * years of reports. 0, or -1 with err when the query fails.
 */
int tr_dash_days_default(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_params *q, int *defaulted, struct tr_error *err);

/* tr_dash_days_note - the note that says which days a defaulted page on
 * path shows, and how to see them all */
void tr_dash_days_note(struct tr_buf *b, const struct tr_dash_params *q,
    const char *path);

#endif
