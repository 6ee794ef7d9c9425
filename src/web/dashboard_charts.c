/* dashboard_charts.c - the dashboard's charts from query results: a
 * domain's trend, sessions and failures per day, policies over time */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_charts.h"
#include "svg_chart.h"

#define CHART_TYPES	7	/* result types drawn apart; the rest "other" */

#define COLOR_OK	"#009e73"
#define COLOR_FAILED	"#d55e00"

/*
 * tr_dash_chart_trend - a sparkline of the domain's daily failure rate
 * over the days, from the per-day summary of that domain alone (an index
 * range: cheap even when the database holds years of reports)
 */
int
tr_dash_chart_trend(struct tr_store *st, struct tr_buf *b,
    const struct tr_query_filter *f, const char *domain,
    const struct tr_dash_days *d, double *v, struct tr_error *err)
{
	struct tr_query_filter df = *f;
	struct tr_table *t;
	size_t r, i, seen = 0;
	long k;
	int64_t sessions;
	char title[160];
	int more;

	df.domain = domain;
	df.limit = TR_DASH_DAYS_MAX;
	if (tr_query_summary(st, &df, TR_BY_DAY, &t, &more, err) != TR_OK)
		return -1;
	for (i = 0; i < d->n; i++)
		v[i] = NAN;
	for (r = 0; r < tr_table_nrows(t); r++) {
		if ((k = tr_dash_days_index(d, tr_table_text_at(t, r, "day"))) < 0)
			continue;
		sessions = tr_table_int_at(t, r, "sessions");
		if (sessions > 0) {
			v[k] = (double)tr_table_int_at(t, r, "failed") /
			    (double)sessions;
			seen++;
		}
	}
	tr_table_free(t);
	snprintf(title, sizeof(title), "daily failure rate, %zu days with "
	    "reports", seen);
	tr_svg_sparkline(b, v, d->n, 120, 24, title);
	return 0;
}

/* tr_dash_chart_sessions - successful and failed sessions per day */
int
tr_dash_chart_sessions(struct tr_buf *b, const struct tr_table *days_t,
    const struct tr_dash_days *d)
{
	struct tr_svg_series s[2];
	struct tr_svg_chart c;
	double *ok, *bad;
	size_t r;
	long k;
	int rc;

	if ((ok = calloc(TR_DASH_DAYS_MAX * 2, sizeof(*ok))) == NULL)
		return -1;
	bad = ok + TR_DASH_DAYS_MAX;
	for (r = 0; r < tr_table_nrows(days_t); r++) {
		if ((k = tr_dash_days_index(d, tr_table_text_at(days_t, r, "day"))) < 0)
			continue;
		bad[k] = (double)tr_table_int_at(days_t, r, "failed");
		ok[k] = (double)tr_table_int_at(days_t, r, "sessions") - bad[k];
	}
	s[0] = (struct tr_svg_series){ "successful", COLOR_OK, ok };
	s[1] = (struct tr_svg_series){ "failed", COLOR_FAILED, bad };
	c = (struct tr_svg_chart){ .title = "Sessions per day", .x = d->x,
	    .n = d->n, .series = s, .nseries = 2, .unit = "sessions",
	    .width = 900, .height = 260 };
	rc = tr_svg_bar_chart(b, &c);
	free(ok);
	return rc;
}

/*
 * tr_dash_chart_failures - failed sessions per day stacked by result type
 * (the CHART_TYPES largest apart, the rest as "other") with the day's
 * failure rate as a line
 */
int
tr_dash_chart_failures(struct tr_buf *b, const struct tr_table *days_t,
    const struct tr_table *fd, const struct tr_table *types,
    const struct tr_dash_days *d)
{
	struct tr_svg_series s[CHART_TYPES + 1];
	const char *names[CHART_TYPES];
	struct tr_svg_chart c;
	double *v, *rate;
	size_t r, k, ntypes = 0, slot;
	const char *type;
	long i;
	int64_t sessions;
	int rc, other = 0;

	for (r = 0; r < tr_table_nrows(types) && ntypes < CHART_TYPES; r++)
		if ((type = tr_table_text_at(types, r, "result_type")) != NULL)
			names[ntypes++] = type;
	if ((v = calloc(TR_DASH_DAYS_MAX * (CHART_TYPES + 2), sizeof(*v))) == NULL)
		return -1;
	rate = v + TR_DASH_DAYS_MAX * (CHART_TYPES + 1);
	for (r = 0; r < d->n; r++)
		rate[r] = NAN;
	for (r = 0; r < tr_table_nrows(fd); r++) {
		if ((i = tr_dash_days_index(d, tr_table_text_at(fd, r, "day"))) < 0)
			continue;
		type = tr_table_text_at(fd, r, "result_type");
		for (slot = ntypes, k = 0; k < ntypes; k++)
			if (type != NULL && strcmp(type, names[k]) == 0)
				slot = k;
		if (slot == ntypes)
			other = 1;
		v[slot * TR_DASH_DAYS_MAX + (size_t)i] +=
		    (double)tr_table_int_at(fd, r, "failed");
	}
	for (r = 0; r < tr_table_nrows(days_t); r++) {
		if ((i = tr_dash_days_index(d, tr_table_text_at(days_t, r, "day"))) < 0)
			continue;
		if ((sessions = tr_table_int_at(days_t, r, "sessions")) > 0)
			rate[i] = (double)tr_table_int_at(days_t, r, "failed") /
			    (double)sessions;
	}
	for (k = 0; k < ntypes; k++)
		s[k] = (struct tr_svg_series){ names[k], NULL,
		    v + k * TR_DASH_DAYS_MAX };
	if (other)
		s[ntypes] = (struct tr_svg_series){ "other", "#999999",
		    v + ntypes * TR_DASH_DAYS_MAX };
	c = (struct tr_svg_chart){ .title = "Failed sessions per day by "
	    "result type, and the failure rate", .x = d->x, .n = d->n,
	    .series = s, .nseries = ntypes + (size_t)other, .rate = rate,
	    .rate_name = "failure rate", .unit = "failed sessions",
	    .width = 900, .height = 280 };
	rc = tr_svg_bar_chart(b, &c);
	free(v);
	return rc;
}

/*
 * tr_dash_chart_policies - each policy seen as a bar from its first to its
 * last day, on the days of the charts above (same margins, so a policy
 * change lines up with the failures); labelled with its type and MTA-STS
 * mode
 */
int
tr_dash_chart_policies(struct tr_buf *b, const struct tr_table *pol,
    const struct tr_dash_days *d)
{
	struct tr_svg_span sp[TR_SVG_MAX_SPANS];
	char label[TR_SVG_MAX_SPANS][48];
	struct tr_buf titles[TR_SVG_MAX_SPANS];
	const char *ps, *mode, *type;
	size_t r, n = 0;
	int rc;

	if (d->n == 0 || tr_table_nrows(pol) == 0)
		return 0;
	memset(titles, 0, sizeof(titles));
	for (r = 0; r < tr_table_nrows(pol) && n < TR_SVG_MAX_SPANS; r++, n++) {
		type = tr_table_text_at(pol, r, "policy_type");
		ps = tr_table_text_at(pol, r, "policy_string");
		mode = ps != NULL ? strstr(ps, "mode: ") : NULL;
		snprintf(label[n], sizeof(label[n]), "%s%s%.*s",
		    type != NULL ? type : "?", mode != NULL ? " " : "",
		    mode != NULL ? (int)strcspn(mode + 6, "\",]") : 0,
		    mode != NULL ? mode + 6 : "");
		tr_buf_printf(&titles[n], "%s to %s, %" PRId64 " reports: ",
		    tr_table_text_at(pol, r, "first_day"),
		    tr_table_text_at(pol, r, "last_day"),
		    tr_table_int_at(pol, r, "reports"));
		tr_buf_str(&titles[n], ps != NULL ? ps : "(no policy string)");
		if (tr_table_text_at(pol, r, "mx_host") != NULL) {
			tr_buf_str(&titles[n], "; mx-host ");
			tr_buf_str(&titles[n], tr_table_text_at(pol, r, "mx_host"));
		}
		sp[n].label = label[n];
		sp[n].title = tr_buf_ok(&titles[n]) ? titles[n].p : "";
		sp[n].from = (double)(tr_dash_days_number(
		    tr_table_text_at(pol, r, "first_day")) -
		    d->first);
		sp[n].to = (double)(tr_dash_days_number(
		    tr_table_text_at(pol, r, "last_day")) -
		    d->first);
	}
	rc = tr_svg_timeline(b, "Policies seen, from their first to their "
	    "last day", d->x, d->n, sp, n, 900);
	for (r = 0; r < n; r++)
		tr_buf_free(&titles[r]);
	return rc;
}
