/* dashboard_days.c - the days of the dashboard's daily charts and the
 * default range of the pages over every domain */
#include <stdio.h>
#include <string.h>

#include "dashboard_days.h"
#include "query.h"

/* tr_dash_days_number - "YYYY-MM-DD..." as days since 1970, -1 when not
 * a day */
long
tr_dash_days_number(const char *s)
{
	char buf[32];
	struct tr_dt dt;

	if (s == NULL || strlen(s) < 10)
		return -1;
	snprintf(buf, sizeof(buf), "%.10sT00:00:00Z", s);
	if (tr_dt_parse(buf, strlen(buf), &dt, NULL) == -1)
		return -1;
	return (long)(dt.epoch / 86400);
}

/* tr_dash_days_range - the days lo..hi (day numbers), the latest
 * TR_DASH_DAYS_MAX at most */
void
tr_dash_days_range(struct tr_dash_days *d, long lo, long hi)
{
	char buf[TR_DT_UTC_LEN + 1];
	size_t r;

	d->n = 0;
	if (lo < 0 || hi < lo)
		return;
	if (hi - lo + 1 > TR_DASH_DAYS_MAX)
		lo = hi - TR_DASH_DAYS_MAX + 1;
	d->first = lo;
	d->n = (size_t)(hi - lo + 1);
	for (r = 0; r < d->n; r++) {
		tr_dt_format((int64_t)(lo + (long)r) * 86400, buf);
		memcpy(d->label[r], buf, 10);
		d->label[r][10] = '\0';
		d->x[r] = d->label[r];
	}
}

/* tr_dash_days_span - from the earliest to the latest day in col of t */
void
tr_dash_days_span(struct tr_dash_days *d, const struct tr_table *t,
    const char *col)
{
	long lo = -1, hi = -1, v;
	size_t r;

	for (r = 0; r < tr_table_nrows(t); r++) {
		if ((v = tr_dash_days_number(tr_table_text_at(t, r, col))) < 0)
			continue;
		if (lo < 0 || v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	tr_dash_days_range(d, lo, hi);
}

/* tr_dash_days_index - the column of day s, -1 outside the span */
long
tr_dash_days_index(const struct tr_dash_days *d, const char *s)
{
	long v = tr_dash_days_number(s);

	if (v < d->first || v >= d->first + (long)d->n)
		return -1;
	return v - d->first;
}

/* tr_dash_days_default - the default range of the pages over every domain:
 * the days up to the latest report */
int
tr_dash_days_default(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_params *q, int *defaulted, struct tr_error *err)
{
	char latest[11];
	long last;

	*q = *p;
	*defaulted = 0;
	if (p->given & (TR_DP_SINCE | TR_DP_UNTIL))
		return 0;
	if (tr_query_latest_day(st, latest, err) != TR_OK)
		return -1;
	if ((last = tr_dash_days_number(latest)) < 0)
		return 0;	/* no reports at all */
	tr_dt_format((int64_t)(last - TR_DASH_DEFAULT_DAYS + 1) * 86400, q->since);
	memcpy(q->since_day, q->since, 10);
	q->since_day[10] = '\0';
	tr_dt_format((int64_t)(last + 1) * 86400, q->until);
	memcpy(q->until_day, latest, 11);
	q->given |= TR_DP_SINCE | TR_DP_UNTIL;
	*defaulted = 1;
	return 0;
}

/* tr_dash_days_note - say which days a defaulted page shows, and how to
 * see all */
void
tr_dash_days_note(struct tr_buf *b, const struct tr_dash_params *q,
    const char *path)
{
	tr_buf_printf(b, "<p class=\"note\" id=\"range\">The %d days up to the "
	    "latest report: %s to %s. Choose From and To for other days, or "
	    "see <a href=\"%s?since=1970-01-01\">every day</a> (slower over "
	    "a large database).</p>", TR_DASH_DEFAULT_DAYS, q->since_day,
	    q->until_day, path);
}
