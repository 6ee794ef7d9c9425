/* dashboard_pages.c - overview, domain, reports, report, quarantine, senders as HTML */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dashboard_pages.h"
#include "datetime.h"
#include "query.h"
#include "result_types.h"
#include "svg_chart.h"
#include "table.h"

#define LIST_LIMIT	100	/* rows of a list when the URL names none */
#define DOMAINS_LIMIT	200	/* domains on the overview */
#define BREAKDOWN_LIMIT	25	/* rows of each breakdown on a domain page */
#define DAYS_MAX	366	/* columns of a daily chart */
#define DEFAULT_DAYS	30	/* days of the all-domain pages by default */
#define CHART_TYPES	7	/* result types drawn apart; the rest "other" */
#define SILENT_MIN_DAYS	3	/* a usual sender reported on this many days */
#define SILENT_GAP_DAYS	3	/* ... and has been silent this long */
#define RAW_PREVIEW	(64 * 1024)	/* bytes of a message shown inline */

#define COLOR_OK	"#009e73"
#define COLOR_FAILED	"#d55e00"

/* How a column of a result table is shown. */
enum show {
	S_TEXT,		/* escaped text */
	S_INT,		/* a count */
	S_RATE,		/* a fraction as a percentage */
	S_DOMAIN,	/* text linking to the domain page */
	S_REPORT,	/* an id linking to the report page */
	S_MESSAGE,	/* an id linking to the quarantined message */
	S_ORG,		/* text linking to the reports of that sender */
	S_CODE,		/* escaped text in <code> */
};

struct colspec {
	const char *col;	/* the query's column name */
	const char *head;	/* the header shown */
	enum show show;
};

/* ---- page frame ---------------------------------------------------------- */

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;"
    "background:#fafafa}"
    "header{background:#1f3a5f;padding:8px 16px}"
    "header a{color:#fff;margin-right:18px;text-decoration:none}"
    "header a.on{font-weight:bold;border-bottom:2px solid #fff}"
    "main{padding:8px 16px 24px}"
    "h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:20px 0 6px}"
    "h1,h2,td,dd,li,pre{unicode-bidi:isolate;overflow-wrap:anywhere}"
    "table{border-collapse:collapse;background:#fff;margin:4px 0}"
    "th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;"
    "vertical-align:top;max-width:40em}"
    "th{background:#eef1f5}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    "tr.bad td.rate{color:#b00020;font-weight:bold}"
    "form.filters{background:#fff;border:1px solid #ddd;padding:6px 8px;"
    "margin:6px 0}form.filters label{margin-right:10px}"
    "form.filters input[type=text]{width:12em}"
    "dl.rec{display:grid;grid-template-columns:max-content auto;"
    "gap:2px 12px;background:#fff;border:1px solid #ddd;padding:6px}"
    "dl.rec dt{font-weight:bold}dl.rec dd{margin:0}"
    ".cards{display:flex;gap:10px;flex-wrap:wrap}"
    ".card{background:#fff;border:1px solid #ddd;padding:6px 12px}"
    ".card b{display:block;font-size:20px}"
    "pre{background:#fff;border:1px solid #ddd;padding:8px;"
    "max-height:40em;overflow:auto;white-space:pre-wrap}"
    "svg.chart{background:#fff;border:1px solid #ddd;display:block;"
    "margin:4px 0}svg text{font-family:system-ui,sans-serif;fill:#333}"
    "svg .col:hover{fill:rgba(0,0,0,.06)}"
    ".note{color:#555}.muted{color:#888}footer{color:#888;padding:8px 16px}";

/* tr_dash_style - the one stylesheet (CSP: no inline styles anywhere) */
void
tr_dash_style(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	pg->status = 200;
	pg->content_type = "text/css; charset=utf-8";
	tr_buf_add(&pg->body, css, sizeof(css) - 1);
}

/* filter_qs - the filters of p as "name=value&amp;..." (empty when none);
 * the domain only with with_domain */
static void
filter_qs(struct tr_buf *b, const struct tr_dash_params *p, int with_domain)
{
	int sep = 0;

#define QS(bit, name, val)						\
	if (p->given & (bit)) {						\
		tr_buf_str(b, sep ? "&amp;" name "=" : name "=");	\
		tr_url_encode(b, (val));				\
		sep = 1;						\
	}
	QS(TR_DP_SINCE, "since", p->since_day);
	QS(TR_DP_UNTIL, "until", p->until_day);
	if (with_domain) {
		QS(TR_DP_DOMAIN, "domain", p->domain);
	}
	QS(TR_DP_ORG, "org", p->org);
	QS(TR_DP_TYPE, "type", p->type);
#undef QS
}

/* href - ' href="path?filters&amp;name=value"' (name may be NULL) */
static void
href(struct tr_buf *b, const char *path, const struct tr_dash_params *p,
    int with_domain, const char *name, const char *value)
{
	size_t before;

	tr_buf_str(b, " href=\"");
	tr_buf_str(b, path);
	tr_buf_str(b, "?");
	before = b->len;
	if (p != NULL)
		filter_qs(b, p, with_domain);
	if (name != NULL) {
		if (b->len > before)
			tr_buf_str(b, "&amp;");
		tr_buf_str(b, name);
		tr_buf_str(b, "=");
		tr_url_encode(b, value);
	}
	if (b->len == before && tr_buf_ok(b))
		b->p[--b->len] = '\0';	/* no parameter: no "?" */
	tr_buf_str(b, "\"");
}

/* page_start - doctype, head, navigation and the page's heading */
static void
page_start(struct tr_dash_page *pg, const char *title, const char *title2,
    const char *nav, const struct tr_dash_params *p)
{
	static const struct { const char *path, *name; } links[] = {
		{ "/", "Overview" }, { "/reports", "Reports" },
		{ "/senders", "Senders" }, { "/quarantine", "Quarantine" },
	};
	struct tr_buf *b = &pg->body;
	size_t i;

	pg->status = 200;
	pg->content_type = "text/html; charset=utf-8";
	tr_buf_str(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	tr_html_text(b, title);
	if (title2 != NULL) {
		tr_buf_str(b, " ");
		tr_html_text(b, title2);
	}
	tr_buf_str(b, " - tlsrptd</title><link rel=\"stylesheet\" "
	    "href=\"/style.css\"></head><body><header><nav>");
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		tr_buf_str(b, "<a");
		if (nav != NULL && strcmp(nav, links[i].path) == 0)
			tr_buf_str(b, " class=\"on\"");
		href(b, links[i].path, p, 0, NULL, NULL);
		tr_buf_str(b, ">");
		tr_buf_str(b, links[i].name);
		tr_buf_str(b, "</a>");
	}
	tr_buf_str(b, "</nav></header><main><h1>");
	tr_html_text(b, title);
	if (title2 != NULL) {
		tr_buf_str(b, " <span class=\"subject\">");
		tr_html_text(b, title2);
		tr_buf_str(b, "</span>");
	}
	tr_buf_str(b, "</h1>");
}

/* page_end - close the page */
static void
page_end(struct tr_dash_page *pg)
{
	tr_buf_str(&pg->body, "</main><footer>tlsrptd " TLSRPTD_VERSION
	    " &middot; read-only view of the report database</footer>"
	    "</body></html>\n");
}

/* input - one text or date field of the filter form */
static void
input(struct tr_buf *b, const char *label, const char *name,
    const char *type, const char *value, int given)
{
	tr_buf_printf(b, "<label>%s <input type=\"%s\" name=\"%s\" value=\"",
	    label, type, name);
	if (given)
		tr_html_text(b, value);
	tr_buf_str(b, "\"></label>");
}

/* filter_form - the filters as a GET form on path; the domain, sender
 * and policy type fields only where they apply */
static void
filter_form(struct tr_buf *b, const char *path, const struct tr_dash_params *p,
    int domain_field, int type_field, int org_field)
{
	static const char *const types[] = { "sts", "tlsa", "no-policy-found" };
	size_t i;

	tr_buf_printf(b, "<form class=\"filters\" method=\"get\" "
	    "action=\"%s\">", path);
	input(b, "From", "since", "date", p->since_day,
	    p->given & TR_DP_SINCE);
	input(b, "To", "until", "date", p->until_day, p->given & TR_DP_UNTIL);
	if (domain_field)
		input(b, "Domain", "domain", "text", p->domain,
		    p->given & TR_DP_DOMAIN);
	else if (p->given & TR_DP_DOMAIN) {
		tr_buf_str(b, "<input type=\"hidden\" name=\"domain\" value=\"");
		tr_html_text(b, p->domain);
		tr_buf_str(b, "\">");
	}
	if (org_field)
		input(b, "Sender", "org", "text", p->org,
		    p->given & TR_DP_ORG);
	if (type_field) {
		tr_buf_str(b, "<label>Policy <select name=\"type\">"
		    "<option value=\"\">any</option>");
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			tr_buf_printf(b, "<option%s>%s</option>",
			    (p->given & TR_DP_TYPE) &&
			    strcmp(p->type, types[i]) == 0 ? " selected" : "",
			    types[i]);
		tr_buf_str(b, "</select></label>");
	}
	tr_buf_printf(b, "<button type=\"submit\">Apply</button> "
	    "<a href=\"%s%s", path, (p->given & TR_DP_DOMAIN) &&
	    !domain_field ? "?domain=" : "");
	if ((p->given & TR_DP_DOMAIN) && !domain_field)
		tr_url_encode(b, p->domain);
	tr_buf_str(b, "\">clear</a></form>");
}

/* db_error - a 500 page naming what failed */
static void
db_error(struct tr_dash_page *pg, const struct tr_error *err)
{
	tr_dash_error_page(pg, err->code == TR_ERR_NOMEM ? 503 : 500,
	    err->msg);
}

/* tr_dash_error_page - a small HTML page with the status and message */
void
tr_dash_error_page(struct tr_dash_page *pg, int status, const char *message)
{
	struct tr_buf *b = &pg->body;

	tr_buf_free(b);
	pg->filename[0] = '\0';
	pg->status = status;
	pg->content_type = "text/html; charset=utf-8";
	tr_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>%d - tlsrptd</title>"
	    "<link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
	    "<header><nav><a href=\"/\">Overview</a></nav></header><main>"
	    "<h1>%d</h1><p class=\"error\">", status, status);
	tr_html_text(b, message);
	tr_buf_str(b, "</p></main></body></html>\n");
}

/* ---- tables ---------------------------------------------------------------- */

/* rate_text - a fraction as "12.34%" */
static void
rate_text(struct tr_buf *b, double v)
{
	tr_buf_printf(b, "%.2f%%", 100 * v);
}

/* cell - one cell of row r shown as spec says */
static void
cell(struct tr_buf *b, const struct tr_table *t, size_t r, int c,
    const struct colspec *spec, const struct tr_dash_params *p)
{
	const char *s = c >= 0 ? tr_table_cell_text(t, r, (size_t)c) : NULL;
	struct tr_dash_params q;
	int64_t i;
	double d;
	int num = spec->show == S_INT || spec->show == S_RATE ||
	    spec->show == S_REPORT || spec->show == S_MESSAGE;

	tr_buf_printf(b, "<td%s%s data-col=\"%s\">", num ? " class=\"n" : "",
	    num ? (spec->show == S_RATE ? " rate\"" : "\"") : "", spec->col);
	if (c < 0) {
		tr_buf_str(b, "</td>");
		return;
	}
	switch (spec->show) {
	case S_INT:
		if (tr_table_cell_int(t, r, (size_t)c, &i) == 0)
			tr_buf_printf(b, "%" PRId64, i);
		else
			tr_buf_str(b, "-");
		break;
	case S_RATE:
		if (tr_table_cell_num(t, r, (size_t)c, &d) == 0)
			rate_text(b, d);
		else
			tr_buf_str(b, "-");
		break;
	case S_REPORT:
	case S_MESSAGE:
		if (tr_table_cell_int(t, r, (size_t)c, &i) == 0)
			tr_buf_printf(b, "<a href=\"/%s?id=%" PRId64 "\">%"
			    PRId64 "</a>", spec->show == S_REPORT ? "report" :
			    "message", i, i);
		break;
	case S_DOMAIN:
	case S_ORG:
		if (s == NULL) {
			tr_buf_str(b, "<span class=\"muted\">(none)</span>");
			break;
		}
		tr_buf_str(b, "<a");
		if (spec->show == S_DOMAIN)
			href(b, "/domain", p, 0, "domain", s);
		else {
			q = *p;
			q.given &= ~TR_DP_ORG;
			href(b, "/reports", &q, 1, "org", s);
		}
		tr_buf_str(b, ">");
		tr_html_text(b, s);
		tr_buf_str(b, "</a>");
		break;
	case S_CODE:
		if (s != NULL) {
			tr_buf_str(b, "<code>");
			tr_html_text(b, s);
			tr_buf_str(b, "</code>");
		}
		break;
	case S_TEXT:
		if (s != NULL)
			tr_html_text(b, s);
		else if (tr_table_cell_int(t, r, (size_t)c, &i) == 0)
			tr_buf_printf(b, "%" PRId64, i);
		else
			tr_buf_str(b, "<span class=\"muted\">-</span>");
		break;
	}
	tr_buf_str(b, "</td>");
}

/*
 * table - the rows of t as an HTML table with id, the columns spec names
 * (looked up by name, so the query's column order does not matter); a
 * note when the query left rows out
 */
static void
table(struct tr_buf *b, const char *id, const struct tr_table *t,
    const struct colspec *spec, size_t nspec, int more,
    const struct tr_dash_params *p)
{
	int cols[32];
	size_t i, r;
	double d;
	int rc;

	if (tr_table_nrows(t) == 0) {
		tr_buf_printf(b, "<p class=\"muted\" id=\"%s\">none</p>", id);
		return;
	}
	tr_buf_printf(b, "<table class=\"data\" id=\"%s\"><thead><tr>", id);
	for (i = 0; i < nspec && i < 32; i++) {
		cols[i] = tr_table_col_index(t, spec[i].col);
		tr_buf_printf(b, "<th>%s</th>", spec[i].head);
	}
	tr_buf_str(b, "</tr></thead><tbody>");
	rc = tr_table_col_index(t, "failure_rate");
	for (r = 0; r < tr_table_nrows(t); r++) {
		/* a row with failures stands out */
		tr_buf_str(b, rc >= 0 && tr_table_cell_num(t, r, (size_t)rc,
		    &d) == 0 && d > 0 ? "<tr class=\"bad\">" : "<tr>");
		for (i = 0; i < nspec && i < 32; i++)
			cell(b, t, r, cols[i], &spec[i], p);
		tr_buf_str(b, "</tr>");
	}
	tr_buf_str(b, "</tbody></table>");
	if (more)
		tr_buf_printf(b, "<p class=\"note\">Only the first %zu rows are "
		    "shown: narrow the filters.</p>", tr_table_nrows(t));
}

/* text_at - the text of column name in row r, or NULL */
static const char *
text_at(const struct tr_table *t, size_t r, const char *name)
{
	int c = tr_table_col_index(t, name);

	return c >= 0 ? tr_table_cell_text(t, r, (size_t)c) : NULL;
}

/* int_at - the integer of column name in row r, or 0 */
static int64_t
int_at(const struct tr_table *t, size_t r, const char *name)
{
	int c = tr_table_col_index(t, name);
	int64_t v = 0;

	if (c >= 0)
		tr_table_cell_int(t, r, (size_t)c, &v);
	return v;
}

/* list_limit - the URL's limit or the page's own */
static size_t
list_limit(const struct tr_dash_params *p, size_t dflt)
{
	return (p->given & TR_DP_LIMIT) ? p->limit : dflt;
}

/* ---- days ------------------------------------------------------------------- */

/* day_number - "YYYY-MM-DD..." as days since 1970, -1 when not a day */
static long
day_number(const char *s)
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

/* A run of consecutive days, the axis of the daily charts. */
struct days {
	long first;		/* day number of column 0 */
	size_t n;		/* columns, at most DAYS_MAX */
	char label[DAYS_MAX][11];
	const char *x[DAYS_MAX];
};

/* days_range - the days lo..hi (day numbers), the latest DAYS_MAX at most */
static void
days_range(struct days *d, long lo, long hi)
{
	char buf[TR_DT_UTC_LEN + 1];
	size_t r;

	d->n = 0;
	if (lo < 0 || hi < lo)
		return;
	if (hi - lo + 1 > DAYS_MAX)
		lo = hi - DAYS_MAX + 1;
	d->first = lo;
	d->n = (size_t)(hi - lo + 1);
	for (r = 0; r < d->n; r++) {
		tr_dt_format((int64_t)(lo + (long)r) * 86400, buf);
		memcpy(d->label[r], buf, 10);
		d->label[r][10] = '\0';
		d->x[r] = d->label[r];
	}
}

/* days_span - the days from the earliest to the latest day in column col
 * of t, the latest DAYS_MAX of them at most; 0 columns for no rows */
static void
days_span(struct days *d, const struct tr_table *t, const char *col)
{
	long lo = -1, hi = -1, v;
	size_t r;

	for (r = 0; r < tr_table_nrows(t); r++) {
		if ((v = day_number(text_at(t, r, col))) < 0)
			continue;
		if (lo < 0 || v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	days_range(d, lo, hi);
}

/* day_index - the column of day s, -1 outside the span */
static long
day_index(const struct days *d, const char *s)
{
	long v = day_number(s);

	if (v < d->first || v >= d->first + (long)d->n)
		return -1;
	return v - d->first;
}

/* ---- overview --------------------------------------------------------------- */

/*
 * default_range - pages over every domain read the DEFAULT_DAYS days up to
 * the latest report when the URL gives neither since nor until, so that
 * they stay fast over years of reports: *q is p with that range (or p as
 * it is), *defaulted says whether it was added. -1 with err on a failure.
 */
static int
default_range(struct tr_store *st, const struct tr_dash_params *p,
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
	if ((last = day_number(latest)) < 0)
		return 0;	/* no reports at all */
	tr_dt_format((int64_t)(last - DEFAULT_DAYS + 1) * 86400, q->since);
	memcpy(q->since_day, q->since, 10);
	q->since_day[10] = '\0';
	tr_dt_format((int64_t)(last + 1) * 86400, q->until);
	memcpy(q->until_day, latest, 11);
	q->given |= TR_DP_SINCE | TR_DP_UNTIL;
	*defaulted = 1;
	return 0;
}

/* range_note - say which days a defaulted page shows, and how to see all */
static void
range_note(struct tr_buf *b, const struct tr_dash_params *q, const char *path)
{
	tr_buf_printf(b, "<p class=\"note\" id=\"range\">The %d days up to the "
	    "latest report: %s to %s. Choose From and To for other days, or "
	    "see <a href=\"%s?since=1970-01-01\">every day</a> (slower over "
	    "a large database).</p>", DEFAULT_DAYS, q->since_day,
	    q->until_day, path);
}

/*
 * trend - a sparkline of the domain's daily failure rate over the days,
 * from the per-day summary of that domain alone (an index range: cheap
 * even when the database holds years of reports)
 */
static int
trend(struct tr_store *st, struct tr_buf *b, const struct tr_query_filter *f,
    const char *domain, const struct days *d, double *v,
    struct tr_error *err)
{
	struct tr_query_filter df = *f;
	struct tr_table *t;
	size_t r, i, seen = 0;
	long k;
	int64_t sessions;
	char title[160];
	int more;

	df.domain = domain;
	df.limit = DAYS_MAX;
	if (tr_query_summary(st, &df, TR_BY_DAY, &t, &more, err) != TR_OK)
		return -1;
	for (i = 0; i < d->n; i++)
		v[i] = NAN;
	for (r = 0; r < tr_table_nrows(t); r++) {
		if ((k = day_index(d, text_at(t, r, "day"))) < 0)
			continue;
		sessions = int_at(t, r, "sessions");
		if (sessions > 0) {
			v[k] = (double)int_at(t, r, "failed") /
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

/* alerts_of - the alerts column for domain, 0 when none */
static int64_t
alerts_of(const struct tr_table *alerts, const char *domain)
{
	size_t r;
	const char *s;

	for (r = 0; alerts != NULL && r < tr_table_nrows(alerts); r++)
		if ((s = text_at(alerts, r, "domain")) != NULL &&
		    strcmp(s, domain) == 0)
			return int_at(alerts, r, "alerts");
	return 0;
}

/* overall_days - the earliest first_day and latest last_day of t */
static void
overall_days(const struct tr_table *t, long *lo, long *hi)
{
	size_t r;
	long v;

	*lo = *hi = -1;
	for (r = 0; r < tr_table_nrows(t); r++) {
		if ((v = day_number(text_at(t, r, "first_day"))) >= 0 &&
		    (*lo < 0 || v < *lo))
			*lo = v;
		if ((v = day_number(text_at(t, r, "last_day"))) > *hi)
			*hi = v;
	}
}

/* tr_dash_overview - every domain worst first, with trends and alerts */
void
tr_dash_overview(struct tr_store *st, const struct tr_dash_params *p0,
    struct tr_dash_page *pg)
{
	static const struct colspec silent_spec[] = {
		{ "domain", "Domain", S_DOMAIN },
		{ "organization", "Sender", S_ORG },
		{ "days", "Days it reported", S_INT },
		{ "last_day", "Its last report", S_TEXT },
		{ "latest_day", "Latest report of anyone", S_TEXT },
		{ "days_silent", "Days silent", S_INT },
	};
	struct tr_table *sum = NULL, *alerts = NULL, *silent = NULL;
	struct tr_dash_params pp, *p = &pp;
	struct tr_query_filter f;
	struct tr_error err;
	struct tr_buf *b = &pg->body;
	struct days *d = NULL;
	double *v = NULL;
	const char *dom;
	size_t r;
	int more, more2, defaulted;
	long lo, hi;
	double rate;

	if (default_range(st, p0, &pp, &defaulted, &err) == -1)
		goto dberr;
	tr_dash_params_filter(p, list_limit(p, DOMAINS_LIMIT), &f);
	if (tr_query_summary(st, &f, TR_BY_PERIOD, &sum, &more, &err) != TR_OK)
		goto dberr;
	f.limit = DOMAINS_LIMIT;
	if (tr_query_alert_counts(st, &f, &alerts, &more2, &err) != TR_OK)
		goto dberr;
	f.limit = LIST_LIMIT;
	if (tr_query_silent_senders(st, &f, SILENT_MIN_DAYS, SILENT_GAP_DAYS,
	    &silent, &more2, &err) != TR_OK)
		goto dberr;
	if ((d = malloc(sizeof(*d))) == NULL ||
	    (v = calloc(DAYS_MAX, sizeof(*v))) == NULL) {
		tr_dash_error_page(pg, 503, "out of memory");
		goto out;
	}
	/* the trends cover the range asked for, else the days with reports */
	if ((p->given & TR_DP_SINCE) && (p->given & TR_DP_UNTIL))
		days_range(d, day_number(p->since_day),
		    day_number(p->until_day));
	else {
		overall_days(sum, &lo, &hi);
		days_range(d, lo, hi);
	}

	page_start(pg, "Overview", NULL, "/", p);
	filter_form(b, "/", p, 1, 1, 1);
	if (defaulted)
		range_note(b, p, "/");
	tr_buf_printf(b, "<p class=\"note\">%zu policy domain%s, the worst "
	    "failure rate first. Sessions are counted once per report and "
	    "domain.", tr_table_nrows(sum), tr_table_nrows(sum) == 1 ? "" :
	    "s");
	if (d->n > 0)
		tr_buf_printf(b, " Trends cover %s to %s.", d->label[0],
		    d->label[d->n - 1]);
	tr_buf_str(b, "</p>");
	if (tr_table_nrows(sum) == 0)
		tr_buf_str(b, "<p class=\"muted\" id=\"domains\">No reports "
		    "match.</p>");
	else {
		tr_buf_str(b, "<table class=\"data\" id=\"domains\"><thead><tr>"
		    "<th>Domain</th><th>Sessions</th><th>Failed</th>"
		    "<th>Failure rate</th><th>Trend</th><th>Alerts</th>"
		    "<th>Reports</th><th>Senders</th><th>Last report day</th>"
		    "</tr></thead><tbody>");
		for (r = 0; r < tr_table_nrows(sum); r++) {
			dom = text_at(sum, r, "domain");
			rate = -1;
			tr_table_cell_num(sum, r, (size_t)tr_table_col_index(
			    sum, "failure_rate"), &rate);
			tr_buf_str(b, rate > 0 ? "<tr class=\"bad\">" : "<tr>");
			tr_buf_str(b, "<td data-col=\"domain\">");
			if (dom != NULL) {
				tr_buf_str(b, "<a");
				href(b, "/domain", p, 0, "domain", dom);
				tr_buf_str(b, ">");
				tr_html_text(b, dom);
				tr_buf_str(b, "</a>");
			}
			tr_buf_printf(b, "</td><td class=\"n\" "
			    "data-col=\"sessions\">%" PRId64 "</td>"
			    "<td class=\"n\" data-col=\"failed\">%" PRId64
			    "</td><td class=\"n rate\" "
			    "data-col=\"failure_rate\">",
			    int_at(sum, r, "sessions"),
			    int_at(sum, r, "failed"));
			if (rate >= 0)
				rate_text(b, rate);
			else
				tr_buf_str(b, "-");
			tr_buf_str(b, "</td><td data-col=\"trend\">");
			if (dom != NULL && trend(st, b, &f, dom, d, v, &err) ==
			    -1)
				goto dberr;
			tr_buf_printf(b, "</td><td class=\"n\" "
			    "data-col=\"alerts\">%" PRId64 "</td>"
			    "<td class=\"n\" data-col=\"reports\">%" PRId64
			    "</td><td class=\"n\" data-col=\"organizations\">%"
			    PRId64 "</td><td data-col=\"last_day\">",
			    dom != NULL ? alerts_of(alerts, dom) : 0,
			    int_at(sum, r, "reports"),
			    int_at(sum, r, "organizations"));
			tr_html_text(b, text_at(sum, r, "last_day"));
			tr_buf_str(b, "</td></tr>");
		}
		tr_buf_str(b, "</tbody></table>");
		if (more)
			tr_buf_printf(b, "<p class=\"note\">Only the first %zu "
			    "domains are shown: narrow the filters.</p>",
			    tr_table_nrows(sum));
	}
	tr_buf_printf(b, "<h2>Usual senders that stopped reporting</h2>"
	    "<p class=\"note\">Senders that reported a domain on at least %d "
	    "days and whose last report is %d or more days older than the "
	    "latest report in view.</p>", SILENT_MIN_DAYS, SILENT_GAP_DAYS);
	table(b, "silent", silent, silent_spec,
	    sizeof(silent_spec) / sizeof(silent_spec[0]), 0, p);
	page_end(pg);
	goto out;
dberr:
	db_error(pg, &err);
out:
	free(d);
	free(v);
	tr_table_free(sum);
	tr_table_free(alerts);
	tr_table_free(silent);
}

/* ---- domain ------------------------------------------------------------------ */

/* card - one headline figure */
static void
card(struct tr_buf *b, const char *id, const char *label, const char *value)
{
	tr_buf_printf(b, "<div class=\"card\"><b id=\"%s\">", id);
	tr_html_text(b, value);
	tr_buf_printf(b, "</b>%s</div>", label);
}

/* sessions_chart - successful and failed sessions per day */
static int
sessions_chart(struct tr_buf *b, const struct tr_table *days_t,
    const struct days *d)
{
	struct tr_svg_series s[2];
	struct tr_svg_chart c;
	double *ok, *bad;
	size_t r;
	long k;
	int rc;

	if ((ok = calloc(DAYS_MAX * 2, sizeof(*ok))) == NULL)
		return -1;
	bad = ok + DAYS_MAX;
	for (r = 0; r < tr_table_nrows(days_t); r++) {
		if ((k = day_index(d, text_at(days_t, r, "day"))) < 0)
			continue;
		bad[k] = (double)int_at(days_t, r, "failed");
		ok[k] = (double)int_at(days_t, r, "sessions") - bad[k];
	}
	s[0] = (struct tr_svg_series){ "successful", COLOR_OK, ok };
	s[1] = (struct tr_svg_series){ "failed", COLOR_FAILED, bad };
	memset(&c, 0, sizeof(c));
	c.title = "Sessions per day";
	c.x = d->x;
	c.n = d->n;
	c.series = s;
	c.nseries = 2;
	c.unit = "sessions";
	c.width = 900;
	c.height = 260;
	rc = tr_svg_bar_chart(b, &c);
	free(ok);
	return rc;
}

/*
 * failures_chart - failed sessions per day stacked by result type (the
 * CHART_TYPES largest apart, the rest as "other") with the day's failure
 * rate as a line
 */
static int
failures_chart(struct tr_buf *b, const struct tr_table *days_t,
    const struct tr_table *fd, const struct tr_table *types,
    const struct days *d)
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
		if ((type = text_at(types, r, "result_type")) != NULL)
			names[ntypes++] = type;
	if ((v = calloc(DAYS_MAX * (CHART_TYPES + 2), sizeof(*v))) == NULL)
		return -1;
	rate = v + DAYS_MAX * (CHART_TYPES + 1);
	for (r = 0; r < d->n; r++)
		rate[r] = NAN;
	for (r = 0; r < tr_table_nrows(fd); r++) {
		if ((i = day_index(d, text_at(fd, r, "day"))) < 0)
			continue;
		type = text_at(fd, r, "result_type");
		for (slot = ntypes, k = 0; k < ntypes; k++)
			if (type != NULL && strcmp(type, names[k]) == 0)
				slot = k;
		if (slot == ntypes)
			other = 1;
		v[slot * DAYS_MAX + (size_t)i] +=
		    (double)int_at(fd, r, "failed");
	}
	for (r = 0; r < tr_table_nrows(days_t); r++) {
		if ((i = day_index(d, text_at(days_t, r, "day"))) < 0)
			continue;
		if ((sessions = int_at(days_t, r, "sessions")) > 0)
			rate[i] = (double)int_at(days_t, r, "failed") /
			    (double)sessions;
	}
	for (k = 0; k < ntypes; k++)
		s[k] = (struct tr_svg_series){ names[k], NULL,
		    v + k * DAYS_MAX };
	if (other)
		s[ntypes] = (struct tr_svg_series){ "other", "#999999",
		    v + ntypes * DAYS_MAX };
	memset(&c, 0, sizeof(c));
	c.title = "Failed sessions per day by result type, and the failure "
	    "rate";
	c.x = d->x;
	c.n = d->n;
	c.series = s;
	c.nseries = ntypes + (size_t)other;
	c.rate = rate;
	c.rate_name = "failure rate";
	c.unit = "failed sessions";
	c.width = 900;
	c.height = 280;
	rc = tr_svg_bar_chart(b, &c);
	free(v);
	return rc;
}

/*
 * policies_chart - each policy seen as a bar from its first to its last
 * day, on the days of the charts above (same margins, so a policy change
 * lines up with the failures); labelled with its type and MTA-STS mode
 */
static int
policies_chart(struct tr_buf *b, const struct tr_table *pol,
    const struct days *d)
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
		type = text_at(pol, r, "policy_type");
		ps = text_at(pol, r, "policy_string");
		mode = ps != NULL ? strstr(ps, "mode: ") : NULL;
		snprintf(label[n], sizeof(label[n]), "%s%s%.*s",
		    type != NULL ? type : "?", mode != NULL ? " " : "",
		    mode != NULL ? (int)strcspn(mode + 6, "\",]") : 0,
		    mode != NULL ? mode + 6 : "");
		tr_buf_printf(&titles[n], "%s to %s, %" PRId64 " reports: ",
		    text_at(pol, r, "first_day"), text_at(pol, r, "last_day"),
		    int_at(pol, r, "reports"));
		tr_buf_str(&titles[n], ps != NULL ? ps : "(no policy string)");
		if (text_at(pol, r, "mx_host") != NULL) {
			tr_buf_str(&titles[n], "; mx-host ");
			tr_buf_str(&titles[n], text_at(pol, r, "mx_host"));
		}
		sp[n].label = label[n];
		sp[n].title = tr_buf_ok(&titles[n]) ? titles[n].p : "";
		sp[n].from = (double)(day_number(text_at(pol, r, "first_day")) -
		    d->first);
		sp[n].to = (double)(day_number(text_at(pol, r, "last_day")) -
		    d->first);
	}
	rc = tr_svg_timeline(b, "Policies seen, from their first to their "
	    "last day", d->x, d->n, sp, n, 900);
	for (r = 0; r < n; r++)
		tr_buf_free(&titles[r]);
	return rc;
}

/* type_breakdown - failures by result type with meaning and fix */
static void
type_breakdown(struct tr_buf *b, const struct tr_table *t, int more,
    const struct tr_dash_params *p)
{
	const struct tr_result_type *rt;
	const char *type;
	size_t r;

	if (tr_table_nrows(t) == 0) {
		tr_buf_str(b, "<p class=\"muted\" id=\"by-type\">No failures."
		    "</p>");
		return;
	}
	tr_buf_str(b, "<table class=\"data\" id=\"by-type\"><thead><tr>"
	    "<th>Result type</th><th>Failed</th><th>Reports</th>"
	    "<th>First day</th><th>Last day</th><th>What it means</th>"
	    "<th>Usual fix</th></tr></thead><tbody>");
	for (r = 0; r < tr_table_nrows(t); r++) {
		type = text_at(t, r, "result_type");
		rt = tr_result_type_explain(type);
		tr_buf_str(b, "<tr><td data-col=\"result_type\"><code>");
		tr_html_text(b, type != NULL ? type : "(none)");
		tr_buf_printf(b, "</code></td><td class=\"n\" "
		    "data-col=\"failed\">%" PRId64 "</td><td class=\"n\" "
		    "data-col=\"reports\">%" PRId64 "</td>"
		    "<td data-col=\"first_day\">", int_at(t, r, "failed"),
		    int_at(t, r, "reports"));
		tr_html_text(b, text_at(t, r, "first_day"));
		tr_buf_str(b, "</td><td data-col=\"last_day\">");
		tr_html_text(b, text_at(t, r, "last_day"));
		tr_buf_str(b, "</td><td data-col=\"meaning\">");
		tr_html_text(b, rt->meaning);
		tr_buf_str(b, "</td><td data-col=\"fix\">");
		tr_html_text(b, rt->fix);
		tr_buf_str(b, "</td></tr>");
	}
	tr_buf_str(b, "</tbody></table>");
	if (more)
		tr_buf_printf(b, "<p class=\"note\">The %zu largest are "
		    "shown.</p>", tr_table_nrows(t));
	(void)p;
}

/* tr_dash_domain - one domain: charts, breakdowns, policies */
void
tr_dash_domain(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	static const struct colspec mx_spec[] = {
		{ "receiving_mx", "Receiving MX", S_TEXT },
		{ "failed", "Failed", S_INT },
		{ "reports", "Reports", S_INT },
		{ "first_day", "First day", S_TEXT },
		{ "last_day", "Last day", S_TEXT },
	};
	static const struct colspec ip_spec[] = {
		{ "sending_ip", "Sending IP", S_TEXT },
		{ "failed", "Failed", S_INT },
		{ "reports", "Reports", S_INT },
		{ "first_day", "First day", S_TEXT },
		{ "last_day", "Last day", S_TEXT },
	};
	static const struct colspec org_spec[] = {
		{ "organization", "Sender", S_ORG },
		{ "failed", "Failed", S_INT },
		{ "reports", "Reports", S_INT },
		{ "first_day", "First day", S_TEXT },
		{ "last_day", "Last day", S_TEXT },
	};
	static const struct colspec senders_spec[] = {
		{ "organization", "Sender", S_ORG },
		{ "reports", "Reports", S_INT },
		{ "days", "Days", S_INT },
		{ "sessions", "Sessions", S_INT },
		{ "failed", "Failed", S_INT },
		{ "failure_rate", "Failure rate", S_RATE },
		{ "first_day", "First day", S_TEXT },
		{ "last_day", "Last day", S_TEXT },
	};
	static const struct colspec pol_spec[] = {
		{ "policy_type", "Type", S_TEXT },
		{ "policy_string", "Policy", S_CODE },
		{ "mx_host", "MX hosts", S_CODE },
		{ "reports", "Reports", S_INT },
		{ "first_day", "First seen", S_TEXT },
		{ "last_day", "Last seen", S_TEXT },
	};
	struct tr_table *sum = NULL, *days_t = NULL, *fd = NULL, *types = NULL,
	    *mx = NULL, *ip = NULL, *org = NULL, *senders = NULL, *pol = NULL;
	int more_t = 0, more_mx = 0, more_ip = 0, more_org = 0, more_s = 0,
	    more_p = 0, more;
	struct tr_query_filter f;
	struct tr_error err;
	struct tr_buf *b = &pg->body;
	struct days *d = NULL;
	char num[64];
	double rate;

	if (!(p->given & TR_DP_DOMAIN)) {
		tr_dash_error_page(pg, 400, "domain: required (/domain?domain="
		    "example.com)");
		return;
	}
	tr_dash_params_filter(p, 1, &f);
	if (tr_query_summary(st, &f, TR_BY_PERIOD, &sum, &more, &err) != TR_OK)
		goto dberr;
	f.limit = DAYS_MAX;
	if (tr_query_summary(st, &f, TR_BY_DAY, &days_t, &more, &err) != TR_OK)
		goto dberr;
	f.limit = DAYS_MAX * 16;
	if (tr_query_failures_daily(st, &f, &fd, &more, &err) != TR_OK)
		goto dberr;
	f.limit = list_limit(p, BREAKDOWN_LIMIT);
	if (tr_query_failures(st, &f, TR_DIM_TYPE, 1, &types, &more_t,
	    &err) != TR_OK ||
	    tr_query_failures(st, &f, TR_DIM_MX, 0, &mx, &more_mx, &err) !=
	    TR_OK ||
	    tr_query_failures(st, &f, TR_DIM_IP, 0, &ip, &more_ip, &err) !=
	    TR_OK ||
	    tr_query_failures(st, &f, TR_DIM_ORG, 0, &org, &more_org, &err) !=
	    TR_OK ||
	    tr_query_senders(st, &f, &senders, &more_s, &err) != TR_OK ||
	    tr_query_policies_seen(st, &f, &pol, &more_p, &err) != TR_OK)
		goto dberr;
	if ((d = malloc(sizeof(*d))) == NULL) {
		tr_dash_error_page(pg, 503, "out of memory");
		goto out;
	}
	days_span(d, days_t, "day");

	page_start(pg, "Domain", p->domain, NULL, p);
	filter_form(b, "/domain", p, 0, 1, 1);
	if (tr_table_nrows(sum) == 0) {
		tr_buf_str(b, "<p class=\"muted\" id=\"summary\">No reports "
		    "for this domain match the filters.</p>");
	} else {
		tr_buf_str(b, "<div class=\"cards\" id=\"summary\">");
		snprintf(num, sizeof(num), "%" PRId64, int_at(sum, 0,
		    "sessions"));
		card(b, "sessions", "sessions", num);
		snprintf(num, sizeof(num), "%" PRId64, int_at(sum, 0,
		    "failed"));
		card(b, "failed", "failed", num);
		if (tr_table_cell_num(sum, 0, (size_t)tr_table_col_index(sum,
		    "failure_rate"), &rate) == 0)
			snprintf(num, sizeof(num), "%.2f%%", 100 * rate);
		else
			snprintf(num, sizeof(num), "-");
		card(b, "failure_rate", "failure rate", num);
		snprintf(num, sizeof(num), "%" PRId64, int_at(sum, 0,
		    "reports"));
		card(b, "reports", "reports", num);
		snprintf(num, sizeof(num), "%" PRId64, int_at(sum, 0,
		    "organizations"));
		card(b, "organizations", "senders", num);
		card(b, "first_day", "first report day",
		    text_at(sum, 0, "first_day"));
		card(b, "last_day", "last report day",
		    text_at(sum, 0, "last_day"));
		tr_buf_str(b, "</div>");
	}
	tr_buf_str(b, "<h2>Sessions per day</h2>");
	if (d->n == DAYS_MAX)
		tr_buf_printf(b, "<p class=\"note\">The last %d days with "
		    "reports; choose From and To for others.</p>", DAYS_MAX);
	if (sessions_chart(b, days_t, d) == -1 ||
	    (tr_buf_str(b, "<h2>Failures per day by result type</h2>"),
	    failures_chart(b, days_t, fd, types, d) == -1)) {
		tr_dash_error_page(pg, 503, "out of memory");
		goto out;
	}
	tr_buf_str(b, "<h2>Policies seen</h2><p class=\"note\">Each distinct "
	    "policy the senders applied (MTA-STS mode and mx lines, TLSA "
	    "records) from the first to the last day it was seen, on the days "
	    "of the charts above: a policy change lines up with the failures. "
	    "Hover a bar for the policy.</p>");
	if (policies_chart(b, pol, d) == -1) {
		tr_dash_error_page(pg, 503, "out of memory");
		goto out;
	}
	tr_buf_str(b, "<h2>Failures by result type</h2>");
	type_breakdown(b, types, more_t, p);
	tr_buf_str(b, "<h2>Failures by receiving MX</h2>");
	table(b, "by-mx", mx, mx_spec, sizeof(mx_spec) / sizeof(mx_spec[0]),
	    more_mx, p);
	tr_buf_str(b, "<h2>Failures by sending IP</h2>");
	table(b, "by-ip", ip, ip_spec, sizeof(ip_spec) / sizeof(ip_spec[0]),
	    more_ip, p);
	tr_buf_str(b, "<h2>Failures by sender</h2>");
	table(b, "by-org", org, org_spec,
	    sizeof(org_spec) / sizeof(org_spec[0]), more_org, p);
	tr_buf_str(b, "<h2>Senders</h2>");
	table(b, "senders", senders, senders_spec,
	    sizeof(senders_spec) / sizeof(senders_spec[0]), more_s, p);
	tr_buf_str(b, "<h2>The policies in full</h2>");
	table(b, "policies", pol, pol_spec,
	    sizeof(pol_spec) / sizeof(pol_spec[0]), more_p, p);
	tr_buf_str(b, "<p><a");
	href(b, "/reports", p, 1, NULL, NULL);
	tr_buf_str(b, ">The reports behind these figures</a></p>");
	page_end(pg);
	goto out;
dberr:
	db_error(pg, &err);
out:
	free(d);
	tr_table_free(sum);
	tr_table_free(days_t);
	tr_table_free(fd);
	tr_table_free(types);
	tr_table_free(mx);
	tr_table_free(ip);
	tr_table_free(org);
	tr_table_free(senders);
	tr_table_free(pol);
}

/* ---- reports ----------------------------------------------------------------- */

/* tr_dash_reports - the report list with the filters */
void
tr_dash_reports(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	static const struct colspec spec[] = {
		{ "id", "Id", S_REPORT },
		{ "organization", "Sender", S_ORG },
		{ "report_id", "Report id", S_TEXT },
		{ "start", "Start", S_TEXT },
		{ "end", "End", S_TEXT },
		{ "domains", "Domains", S_TEXT },
		{ "sessions", "Sessions", S_INT },
		{ "failed", "Failed", S_INT },
		{ "notes", "Notes", S_INT },
	};
	struct tr_query_filter f;
	struct tr_table *t;
	struct tr_error err;
	int more;

	tr_dash_params_filter(p, list_limit(p, LIST_LIMIT), &f);
	if (tr_query_reports(st, &f, &t, &more, &err) != TR_OK) {
		db_error(pg, &err);
		return;
	}
	page_start(pg, "Reports", NULL, "/reports", p);
	filter_form(&pg->body, "/reports", p, 1, 1, 1);
	table(&pg->body, "reports", t, spec, sizeof(spec) / sizeof(spec[0]),
	    more, p);
	page_end(pg);
	tr_table_free(t);
}

/* record - the columns of row 0 of t as a definition list */
static void
record(struct tr_buf *b, const char *id, const struct tr_table *t)
{
	static const char *const names[] = {
		"id", "organization", "report_id", "start", "end",
		"contact_info", "sessions", "failed", "received_at", "way_in",
		"source", "envelope_from", "envelope_to", "message_id",
		"mail_from", "subject", "report_domain", "submitter",
		"reason_class", "reason", "bytes", "sha256",
	};
	const char *s;
	size_t i;
	int c;
	int64_t v;

	tr_buf_printf(b, "<dl class=\"rec\" id=\"%s\">", id);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((c = tr_table_col_index(t, names[i])) < 0)
			continue;
		tr_buf_printf(b, "<dt>%s</dt><dd data-col=\"%s\">", names[i],
		    names[i]);
		if ((s = tr_table_cell_text(t, 0, (size_t)c)) != NULL)
			tr_html_text(b, s);
		else if (tr_table_cell_int(t, 0, (size_t)c, &v) == 0)
			tr_buf_printf(b, "%" PRId64, v);
		else
			tr_buf_str(b, "<span class=\"muted\">-</span>");
		tr_buf_str(b, "</dd>");
	}
	tr_buf_str(b, "</dl>");
}

/* pretty_json - the raw report pretty-printed, or as received when json-c
 * cannot read it */
static void
pretty_json(struct tr_buf *b, const char *raw, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	const char *s;

	if ((tok = json_tokener_new_ex(64)) != NULL) {
		o = json_tokener_parse_ex(tok, raw, (int)len + 1);
		json_tokener_free(tok);
	}
	tr_buf_str(b, "<pre id=\"raw\">");
	if (o != NULL && (s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) != NULL)
		tr_html_text(b, s);
	else
		tr_html_escape(b, raw, len);
	tr_buf_str(b, "</pre>");
	json_object_put(o);
}

/* tr_dash_report - one report in full */
void
tr_dash_report(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	static const struct colspec pol_spec[] = {
		{ "policy", "#", S_INT },
		{ "policy_type", "Type", S_TEXT },
		{ "domain", "Domain", S_DOMAIN },
		{ "counted", "Counted", S_TEXT },
		{ "successful", "Successful", S_INT },
		{ "failed", "Failed", S_INT },
		{ "mx_host", "MX hosts", S_CODE },
		{ "policy_string", "Policy", S_CODE },
	};
	static const struct colspec fail_spec[] = {
		{ "policy", "Policy #", S_INT },
		{ "result_type", "Result type", S_CODE },
		{ "failed", "Failed", S_INT },
		{ "receiving_mx", "Receiving MX", S_TEXT },
		{ "receiving_ip", "Receiving IP", S_TEXT },
		{ "sending_ip", "Sending IP", S_TEXT },
		{ "receiving_mx_helo", "MX HELO", S_TEXT },
		{ "failure_reason_code", "Reason code", S_TEXT },
		{ "additional_information", "More", S_TEXT },
	};
	struct tr_query_report r;
	struct tr_error err;
	struct tr_buf *b = &pg->body;
	char title[32];
	size_t i;
	int found;

	if (!(p->given & TR_DP_ID)) {
		tr_dash_error_page(pg, 400, "id: required (/report?id=1)");
		return;
	}
	if (tr_query_report_show(st, p->id, &r, &found, &err) != TR_OK) {
		db_error(pg, &err);
		return;
	}
	if (!found) {
		tr_dash_error_page(pg, 404, "no report with this id");
		return;
	}
	snprintf(title, sizeof(title), "%" PRId64, p->id);
	page_start(pg, "Report", title, "/reports", NULL);
	record(b, "report", r.info);
	tr_buf_str(b, "<h2>Conformance notes</h2>");
	if (tr_table_nrows(r.notes) == 0)
		tr_buf_str(b, "<p class=\"muted\" id=\"notes\">none: the report "
		    "follows RFC 8460</p>");
	else {
		tr_buf_str(b, "<ul id=\"notes\">");
		for (i = 0; i < tr_table_nrows(r.notes); i++) {
			tr_buf_str(b, "<li>");
			tr_html_text(b, tr_table_cell_text(r.notes, i, 0));
			tr_buf_str(b, "</li>");
		}
		tr_buf_str(b, "</ul>");
	}
	tr_buf_str(b, "<h2>Policies</h2>");
	table(b, "policies", r.policies, pol_spec,
	    sizeof(pol_spec) / sizeof(pol_spec[0]), 0, p);
	tr_buf_str(b, "<h2>Failure details</h2>");
	table(b, "failures", r.failures, fail_spec,
	    sizeof(fail_spec) / sizeof(fail_spec[0]), 0, p);
	tr_buf_str(b, "<h2>Raw JSON</h2>");
	pretty_json(b, r.raw_json, r.raw_len);
	page_end(pg);
	tr_query_report_free(&r);
}

/* ---- quarantine ------------------------------------------------------------- */

/* tr_dash_quarantine - reasons, then the messages */
void
tr_dash_quarantine(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	static const struct colspec reason_spec[] = {
		{ "reason_class", "Reason", S_CODE },
		{ "messages", "Messages", S_INT },
		{ "first", "First", S_TEXT },
		{ "latest", "Latest", S_TEXT },
	};
	static const struct colspec list_spec[] = {
		{ "id", "Id", S_MESSAGE },
		{ "received_at", "Received", S_TEXT },
		{ "way_in", "Way in", S_TEXT },
		{ "from", "From", S_TEXT },
		{ "reason_class", "Reason class", S_CODE },
		{ "reason", "Reason", S_TEXT },
		{ "bytes", "Bytes", S_INT },
	};
	struct tr_table *reasons = NULL, *list = NULL;
	struct tr_query_filter f;
	struct tr_error err;
	int more, more_r;

	tr_dash_params_filter(p, list_limit(p, LIST_LIMIT), &f);
	if (tr_query_quarantine_reasons(st, &f, &reasons, &more_r, &err) !=
	    TR_OK || tr_query_quarantine(st, &f, &list, &more, &err) != TR_OK) {
		db_error(pg, &err);
		goto out;
	}
	page_start(pg, "Quarantine", NULL, "/quarantine", p);
	tr_buf_str(&pg->body, "<p class=\"note\">Messages that reached "
	    "tlsrptd but held no valid report, kept whole with the exact "
	    "reason. From and To apply to when they were received.</p>");
	filter_form(&pg->body, "/quarantine", p, 0, 0, 0);
	tr_buf_str(&pg->body, "<h2>By reason</h2>");
	table(&pg->body, "reasons", reasons, reason_spec,
	    sizeof(reason_spec) / sizeof(reason_spec[0]), more_r, p);
	tr_buf_str(&pg->body, "<h2>Messages, the latest first</h2>");
	table(&pg->body, "messages", list, list_spec,
	    sizeof(list_spec) / sizeof(list_spec[0]), more, p);
	page_end(pg);
out:
	tr_table_free(reasons);
	tr_table_free(list);
}

/* tr_dash_message - one quarantined message with its reason */
void
tr_dash_message(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	struct tr_query_qitem q;
	struct tr_error err;
	struct tr_buf *b = &pg->body;
	char title[32];
	int found;

	if (!(p->given & TR_DP_ID)) {
		tr_dash_error_page(pg, 400, "id: required (/message?id=1)");
		return;
	}
	if (tr_query_quarantine_show(st, p->id, &q, &found, &err) != TR_OK) {
		db_error(pg, &err);
		return;
	}
	if (!found) {
		tr_dash_error_page(pg, 404, "no quarantined message with this "
		    "id");
		return;
	}
	snprintf(title, sizeof(title), "%" PRId64, p->id);
	page_start(pg, "Quarantined message", title, "/quarantine", NULL);
	record(b, "message", q.info);
	tr_buf_printf(b, "<p><a id=\"download\" href=\"/message.eml?id=%"
	    PRId64 "\" download>Download the message (%zu bytes)</a></p>"
	    "<h2>Message</h2>", p->id, q.raw_len);
	if (q.raw_len > RAW_PREVIEW)
		tr_buf_printf(b, "<p class=\"note\">The first %d bytes:</p>",
		    RAW_PREVIEW);
	tr_buf_str(b, "<pre id=\"raw\">");
	tr_html_escape(b, (const char *)q.raw, q.raw_len > RAW_PREVIEW ?
	    RAW_PREVIEW : q.raw_len);
	tr_buf_str(b, "</pre>");
	page_end(pg);
	tr_query_qitem_free(&q);
}

/* tr_dash_message_raw - the message's bytes as a download */
void
tr_dash_message_raw(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	struct tr_query_qitem q;
	struct tr_error err;
	int found;

	if (!(p->given & TR_DP_ID)) {
		tr_dash_error_page(pg, 400, "id: required (/message.eml?id=1)");
		return;
	}
	if (tr_query_quarantine_show(st, p->id, &q, &found, &err) != TR_OK) {
		db_error(pg, &err);
		return;
	}
	if (!found) {
		tr_dash_error_page(pg, 404, "no quarantined message with this "
		    "id");
		return;
	}
	pg->status = 200;
	/* never rendered by the browser: a download of opaque bytes */
	pg->content_type = "application/octet-stream";
	snprintf(pg->filename, sizeof(pg->filename), "quarantine-%" PRId64
	    ".eml", p->id);
	tr_buf_add(&pg->body, q.raw, q.raw_len);
	tr_query_qitem_free(&q);
}

/* ---- senders ------------------------------------------------------------------ */

/* tr_dash_senders - who reports, how often, last seen */
void
tr_dash_senders(struct tr_store *st, const struct tr_dash_params *p0,
    struct tr_dash_page *pg)
{
	static const struct colspec spec[] = {
		{ "organization", "Sender", S_ORG },
		{ "reports", "Reports", S_INT },
		{ "days", "Days reported", S_INT },
		{ "domains", "Domains", S_INT },
		{ "sessions", "Sessions", S_INT },
		{ "failed", "Failed", S_INT },
		{ "failure_rate", "Failure rate", S_RATE },
		{ "first_day", "First day", S_TEXT },
		{ "last_day", "Last seen", S_TEXT },
	};
	struct tr_dash_params pp, *p = &pp;
	struct tr_query_filter f;
	struct tr_table *t;
	struct tr_error err;
	int more, defaulted;

	if (default_range(st, p0, &pp, &defaulted, &err) == -1) {
		db_error(pg, &err);
		return;
	}
	tr_dash_params_filter(p, list_limit(p, LIST_LIMIT), &f);
	if (tr_query_senders(st, &f, &t, &more, &err) != TR_OK) {
		db_error(pg, &err);
		return;
	}
	page_start(pg, "Senders", NULL, "/senders", p);
	tr_buf_str(&pg->body, "<p class=\"note\">The organizations that send "
	    "reports, the most recent first.</p>");
	filter_form(&pg->body, "/senders", p, 1, 1, 1);
	if (defaulted)
		range_note(&pg->body, p, "/senders");
	table(&pg->body, "senders", t, spec, sizeof(spec) / sizeof(spec[0]),
	    more, p);
	page_end(pg);
	tr_table_free(t);
}
