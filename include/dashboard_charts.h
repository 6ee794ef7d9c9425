/* dashboard_charts.h - the dashboard's charts (SVG, svg_chart.h) drawn from
 * query results over the days of a struct tr_dash_days */
#ifndef TR_DASHBOARD_CHARTS_H
#define TR_DASHBOARD_CHARTS_H

#include "dashboard_days.h"
#include "error.h"
#include "html.h"
#include "query.h"
#include "store.h"
#include "table.h"

/*
 * tr_dash_chart_trend - a sparkline of domain's daily failure rate over
 * the days d, from the per-day summary of that domain under filter f;
 * v is scratch space for TR_DASH_DAYS_MAX values. 0, or -1 with err when
 * the query fails.
 */
int tr_dash_chart_trend(struct tr_store *st, struct tr_buf *b,
    const struct tr_query_filter *f, const char *domain,
    const struct tr_dash_days *d, double *v, struct tr_error *err);

/* tr_dash_chart_sessions - successful and failed sessions per day from the
 * per-day summary days_t (columns day, sessions, failed); -1 when out of
 * memory */
int tr_dash_chart_sessions(struct tr_buf *b, const struct tr_table *days_t,
    const struct tr_dash_days *d);

/* tr_dash_chart_failures - failed sessions per day from fd (day,
 * result_type, failed) stacked by the largest types of types, the rest as
 * "other", with the failure rate of days_t as a line; -1 when out of
 * memory */
int tr_dash_chart_failures(struct tr_buf *b, const struct tr_table *days_t,
    const struct tr_table *fd, const struct tr_table *types,
    const struct tr_dash_days *d);

/* tr_dash_chart_policies - each policy of pol (the policies-seen query) as
 * a bar from its first to its last day on the days d; nothing for no days
 * or no policies; -1 when out of memory */
int tr_dash_chart_policies(struct tr_buf *b, const struct tr_table *pol,
    const struct tr_dash_days *d);

#endif
