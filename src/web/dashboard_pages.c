/* dashboard_pages.c - the overview, domain, reports, report and senders
 * pages as HTML, and the stylesheet */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_charts.h"
#include "dashboard_days.h"
#include "dashboard_pages.h"
#include "dashboard_table.h"
#include "query.h"
#include "result_types.h"

#define LIST_LIMIT	100	/* rows of a list when the URL names none */
#define DOMAINS_LIMIT	200	/* domains on the overview */
#define BREAKDOWN_LIMIT	25	/* rows of each breakdown on a domain page */
#define SILENT_MIN_DAYS	3	/* a usual sender reported on this many days */
#define SILENT_GAP_DAYS	3	/* ... and has been silent this long */

/* ---- stylesheet ------------------------------------------------------- */

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


/* list_limit - the URL's limit or the page's own */
static size_t
list_limit(const struct tr_dash_params *p, size_t dflt)
{
	return (p->given & TR_DP_LIMIT) ? p->limit : dflt;
}

/* ---- overview --------------------------------------------------------- */

/* alerts_of - the alerts column for domain, 0 when none */
static int64_t
alerts_of(const struct tr_table *alerts, const char *domain)
{
	size_t r;
	const char *s;

	for (r = 0; alerts != NULL && r < tr_table_nrows(alerts); r++)
		if ((s = tr_table_text_at(alerts, r, "domain")) != NULL &&
		    strcmp(s, domain) == 0)
			return tr_table_int_at(alerts, r, "alerts");
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
		if ((v = tr_dash_days_number(tr_table_text_at(t, r, "first_day"))) >= 0 &&
		    (*lo < 0 || v < *lo))
			*lo = v;
		if ((v = tr_dash_days_number(tr_table_text_at(t, r, "last_day"))) > *hi)
			*hi = v;
	}
}

/* The overview's questions and the days of its trends. */
struct overview {
	struct tr_dash_params p;	/* the URL's, with the default range */
	int defaulted;			/* p's range is the default one */
	struct tr_query_filter f;
	struct tr_table *sum, *alerts, *silent;
	int more;			/* sum left domains out */
	struct tr_dash_days *d;
	double *v;			/* scratch for a trend */
};

/* The overview's columns that are plain figures: the first four stand
 * before the trend and the alerts, the others after them. */
static const struct tr_dash_col domain_cols[] = {
	{ "domain", "Domain", TR_DS_DOMAIN },
	{ "sessions", "Sessions", TR_DS_INT },
	{ "failed", "Failed", TR_DS_INT },
	{ "failure_rate", "Failure rate", TR_DS_RATE },
	{ "reports", "Reports", TR_DS_INT },
	{ "organizations", "Senders", TR_DS_INT },
	{ "last_day", "Last report day", TR_DS_TEXT },
};

/* overview_load - ask the overview's questions and find the days of its
 * trends: 0, -1 with err when a query fails, -2 when out of memory */
static int
overview_load(struct tr_store *st, const struct tr_dash_params *p0,
    struct overview *ov, struct tr_error *err)
{
	const struct tr_dash_params *p = &ov->p;
	int more;
	long lo, hi;

	if (tr_dash_days_default(st, p0, &ov->p, &ov->defaulted, err) == -1)
		return -1;
	tr_dash_params_filter(p, list_limit(p, DOMAINS_LIMIT), &ov->f);
	if (tr_query_summary(st, &ov->f, TR_BY_PERIOD, &ov->sum, &ov->more,
	    err) != TR_OK)
		return -1;
	ov->f.limit = DOMAINS_LIMIT;
	if (tr_query_alert_counts(st, &ov->f, &ov->alerts, &more, err) !=
	    TR_OK)
		return -1;
	ov->f.limit = LIST_LIMIT;
	if (tr_query_silent_senders(st, &ov->f, SILENT_MIN_DAYS,
	    SILENT_GAP_DAYS, &ov->silent, &more, err) != TR_OK)
		return -1;
	if ((ov->d = malloc(sizeof(*ov->d))) == NULL ||
	    (ov->v = calloc(TR_DASH_DAYS_MAX, sizeof(*ov->v))) == NULL)
		return -2;
	/* the trends cover the range asked for, else the days with reports */
	if ((p->given & TR_DP_SINCE) && (p->given & TR_DP_UNTIL))
		tr_dash_days_range(ov->d, tr_dash_days_number(p->since_day),
		    tr_dash_days_number(p->until_day));
	else {
		overall_days(ov->sum, &lo, &hi);
		tr_dash_days_range(ov->d, lo, hi);
	}
	return 0;
}

/* overview_domains - the table of domains, each with its trend and its
 * alerts: 0, or -1 with err when a trend's query fails */
static int
overview_domains(struct tr_store *st, struct tr_buf *b,
    const struct overview *ov, struct tr_error *err)
{
	const struct tr_table *sum = ov->sum;
	const char *dom;
	size_t r, i;
	double rate;

	if (tr_table_nrows(sum) == 0) {
		tr_buf_str(b, "<p class=\"muted\" id=\"domains\">No reports "
		    "match.</p>");
		return 0;
	}
	tr_buf_str(b, "<table class=\"data\" id=\"domains\"><thead><tr>"
	    "<th>Domain</th><th>Sessions</th><th>Failed</th>"
	    "<th>Failure rate</th><th>Trend</th><th>Alerts</th>"
	    "<th>Reports</th><th>Senders</th><th>Last report day</th>"
	    "</tr></thead><tbody>");
	for (r = 0; r < tr_table_nrows(sum); r++) {
		dom = tr_table_text_at(sum, r, "domain");
		rate = -1;
		tr_table_cell_num(sum, r, (size_t)tr_table_col_index(sum,
		    "failure_rate"), &rate);
		tr_buf_str(b, rate > 0 ? "<tr class=\"bad\">" : "<tr>");
		for (i = 0; i < 4; i++)
			tr_dash_table_cell(b, sum, r, &domain_cols[i], &ov->p);
		tr_buf_str(b, "<td data-col=\"trend\">");
		if (dom != NULL && tr_dash_chart_trend(st, b, &ov->f, dom,
		    ov->d, ov->v, err) == -1)
			return -1;
		tr_buf_printf(b, "</td><td class=\"n\" data-col=\"alerts\">%"
		    PRId64 "</td>", dom != NULL ? alerts_of(ov->alerts, dom) :
		    0);
		for (; i < TR_DASH_NCOLS(domain_cols); i++)
			tr_dash_table_cell(b, sum, r, &domain_cols[i], &ov->p);
		tr_buf_str(b, "</tr>");
	}
	tr_buf_str(b, "</tbody></table>");
	if (ov->more)
		tr_buf_printf(b, "<p class=\"note\">Only the first %zu "
		    "domains are shown: narrow the filters.</p>",
		    tr_table_nrows(sum));
	return 0;
}

/* tr_dash_overview - every domain worst first, with trends and alerts */
void
tr_dash_overview(struct tr_store *st, const struct tr_dash_params *p0,
    struct tr_dash_page *pg)
{
	static const struct tr_dash_col silent_spec[] = {
		{ "domain", "Domain", TR_DS_DOMAIN },
		{ "organization", "Sender", TR_DS_ORG },
		{ "days", "Days it reported", TR_DS_INT },
		{ "last_day", "Its last report", TR_DS_TEXT },
		{ "latest_day", "Latest report of anyone", TR_DS_TEXT },
		{ "days_silent", "Days silent", TR_DS_INT },
	};
	struct overview ov;
	struct tr_error err;
	struct tr_buf *b = &pg->body;
	size_t n;
	int rc;

	memset(&ov, 0, sizeof(ov));
	if ((rc = overview_load(st, p0, &ov, &err)) != 0)
		goto fail;
	n = tr_table_nrows(ov.sum);
	tr_dash_frame_start(pg, "Overview", NULL, "/", &ov.p);
	tr_dash_frame_filters(b, "/", &ov.p, 1, 1, 1);
	if (ov.defaulted)
		tr_dash_days_note(b, &ov.p, "/");
	tr_buf_printf(b, "<p class=\"note\">%zu policy domain%s, the worst "
	    "failure rate first. Sessions are counted once per report and "
	    "domain.", n, n == 1 ? "" : "s");
	if (ov.d->n > 0)
		tr_buf_printf(b, " Trends cover %s to %s.", ov.d->label[0],
		    ov.d->label[ov.d->n - 1]);
	tr_buf_str(b, "</p>");
	if ((rc = overview_domains(st, b, &ov, &err)) != 0)
		goto fail;
	tr_buf_printf(b, "<h2>Usual senders that stopped reporting</h2>"
	    "<p class=\"note\">Senders that reported a domain on at least %d "
	    "days and whose last report is %d or more days older than the "
	    "latest report in view.</p>", SILENT_MIN_DAYS, SILENT_GAP_DAYS);
	tr_dash_table(b, "silent", ov.silent, silent_spec,
	    TR_DASH_NCOLS(silent_spec), 0, &ov.p);
	tr_dash_frame_end(pg);
fail:
	if (rc == -1)
		tr_dash_frame_db_error(pg, &err);
	else if (rc == -2)
		tr_dash_error_page(pg, 503, "out of memory");
	free(ov.d);
	free(ov.v);
	tr_table_free(ov.sum);
	tr_table_free(ov.alerts);
	tr_table_free(ov.silent);
}

/* ---- domain ----------------------------------------------------------- */


/* card - one headline figure */
static void
card(struct tr_buf *b, const char *id, const char *label, const char *value)
{
	tr_buf_printf(b, "<div class=\"card\"><b id=\"%s\">", id);
	tr_html_text(b, value);
	tr_buf_printf(b, "</b>%s</div>", label);
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
		type = tr_table_text_at(t, r, "result_type");
		rt = tr_result_type_explain(type);
		tr_buf_str(b, "<tr><td data-col=\"result_type\"><code>");
		tr_html_text(b, type != NULL ? type : "(none)");
		tr_buf_printf(b, "</code></td><td class=\"n\" "
		    "data-col=\"failed\">%" PRId64 "</td><td class=\"n\" "
		    "data-col=\"reports\">%" PRId64 "</td>"
		    "<td data-col=\"first_day\">", tr_table_int_at(t, r, "failed"),
		    tr_table_int_at(t, r, "reports"));
		tr_html_text(b, tr_table_text_at(t, r, "first_day"));
		tr_buf_str(b, "</td><td data-col=\"last_day\">");
		tr_html_text(b, tr_table_text_at(t, r, "last_day"));
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

/* A domain page's questions. */
struct domain {
	struct tr_table *sum, *days_t, *fd, *types, *mx, *ip, *org, *senders,
	    *pol;
	int more_t, more_mx, more_ip, more_org, more_s, more_p;
	struct tr_dash_days *d;
};

/* domain_load - ask a domain page's questions and find the days of its
 * charts: 0, -1 with err when a query fails, -2 when out of memory */
static int
domain_load(struct tr_store *st, const struct tr_dash_params *p,
    struct domain *dm, struct tr_error *err)
{
	struct tr_query_filter f;
	int more;

	tr_dash_params_filter(p, 1, &f);
	if (tr_query_summary(st, &f, TR_BY_PERIOD, &dm->sum, &more, err) !=
	    TR_OK)
		return -1;
	f.limit = TR_DASH_DAYS_MAX;
	if (tr_query_summary(st, &f, TR_BY_DAY, &dm->days_t, &more, err) !=
	    TR_OK)
		return -1;
	f.limit = TR_DASH_DAYS_MAX * 16;
	if (tr_query_failures_daily(st, &f, &dm->fd, &more, err) != TR_OK)
		return -1;
	f.limit = list_limit(p, BREAKDOWN_LIMIT);
	if (tr_query_failures(st, &f, TR_DIM_TYPE, 1, &dm->types, &dm->more_t,
	    err) != TR_OK ||
	    tr_query_failures(st, &f, TR_DIM_MX, 0, &dm->mx, &dm->more_mx,
	    err) != TR_OK ||
	    tr_query_failures(st, &f, TR_DIM_IP, 0, &dm->ip, &dm->more_ip,
	    err) != TR_OK ||
	    tr_query_failures(st, &f, TR_DIM_ORG, 0, &dm->org, &dm->more_org,
	    err) != TR_OK ||
	    tr_query_senders(st, &f, &dm->senders, &dm->more_s, err) !=
	    TR_OK ||
	    tr_query_policies_seen(st, &f, &dm->pol, &dm->more_p, err) !=
	    TR_OK)
		return -1;
	if ((dm->d = malloc(sizeof(*dm->d))) == NULL)
		return -2;
	tr_dash_days_span(dm->d, dm->days_t, "day");
	return 0;
}

/* card_int - a headline figure: the integer of column id of row 0 */
static void
card_int(struct tr_buf *b, const struct tr_table *sum, const char *id,
    const char *label)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRId64, tr_table_int_at(sum, 0, id));
	card(b, id, label, num);
}

/* domain_cards - the headline figures of the domain's summary */
static void
domain_cards(struct tr_buf *b, const struct tr_table *sum)
{
	char num[64];
	double rate;

	if (tr_table_nrows(sum) == 0) {
		tr_buf_str(b, "<p class=\"muted\" id=\"summary\">No reports "
		    "for this domain match the filters.</p>");
		return;
	}
	tr_buf_str(b, "<div class=\"cards\" id=\"summary\">");
	card_int(b, sum, "sessions", "sessions");
	card_int(b, sum, "failed", "failed");
	if (tr_table_cell_num(sum, 0, (size_t)tr_table_col_index(sum,
	    "failure_rate"), &rate) == 0)
		snprintf(num, sizeof(num), "%.2f%%", 100 * rate);
	else
		snprintf(num, sizeof(num), "-");
	card(b, "failure_rate", "failure rate", num);
	card_int(b, sum, "reports", "reports");
	card_int(b, sum, "organizations", "senders");
	card(b, "first_day", "first report day",
	    tr_table_text_at(sum, 0, "first_day"));
	card(b, "last_day", "last report day",
	    tr_table_text_at(sum, 0, "last_day"));
	tr_buf_str(b, "</div>");
}

/* domain_charts - sessions, failures and policies over the days: 0, or -1
 * when out of memory */
static int
domain_charts(struct tr_buf *b, const struct domain *dm)
{
	tr_buf_str(b, "<h2>Sessions per day</h2>");
	if (dm->d->n == TR_DASH_DAYS_MAX)
		tr_buf_printf(b, "<p class=\"note\">The last %d days with "
		    "reports; choose From and To for others.</p>",
		    TR_DASH_DAYS_MAX);
	if (tr_dash_chart_sessions(b, dm->days_t, dm->d) == -1)
		return -1;
	tr_buf_str(b, "<h2>Failures per day by result type</h2>");
	if (tr_dash_chart_failures(b, dm->days_t, dm->fd, dm->types,
	    dm->d) == -1)
		return -1;
	tr_buf_str(b, "<h2>Policies seen</h2><p class=\"note\">Each distinct "
	    "policy the senders applied (MTA-STS mode and mx lines, TLSA "
	    "records) from the first to the last day it was seen, on the days "
	    "of the charts above: a policy change lines up with the failures. "
	    "Hover a bar for the policy.</p>");
	return tr_dash_chart_policies(b, dm->pol, dm->d);
}

/* breakdown - failures by one dimension: its column, then the counts and
 * the days */
static void
breakdown(struct tr_buf *b, const char *id, const struct tr_table *t,
    const struct tr_dash_col *first, int more,
    const struct tr_dash_params *p)
{
	const struct tr_dash_col spec[] = {
		*first,
		{ "failed", "Failed", TR_DS_INT },
		{ "reports", "Reports", TR_DS_INT },
		{ "first_day", "First day", TR_DS_TEXT },
		{ "last_day", "Last day", TR_DS_TEXT },
	};

	tr_dash_table(b, id, t, spec, TR_DASH_NCOLS(spec), more, p);
}

/* domain_tables - the breakdowns, the senders and the policies */
static void
domain_tables(struct tr_buf *b, const struct domain *dm,
    const struct tr_dash_params *p)
{
	static const struct tr_dash_col mx = { "receiving_mx", "Receiving MX",
	    TR_DS_TEXT };
	static const struct tr_dash_col ip = { "sending_ip", "Sending IP",
	    TR_DS_TEXT };
	static const struct tr_dash_col org = { "organization", "Sender",
	    TR_DS_ORG };
	static const struct tr_dash_col senders_spec[] = {
		{ "organization", "Sender", TR_DS_ORG },
		{ "reports", "Reports", TR_DS_INT },
		{ "days", "Days", TR_DS_INT },
		{ "sessions", "Sessions", TR_DS_INT },
		{ "failed", "Failed", TR_DS_INT },
		{ "failure_rate", "Failure rate", TR_DS_RATE },
		{ "first_day", "First day", TR_DS_TEXT },
		{ "last_day", "Last day", TR_DS_TEXT },
	};
	static const struct tr_dash_col pol_spec[] = {
		{ "policy_type", "Type", TR_DS_TEXT },
		{ "policy_string", "Policy", TR_DS_CODE },
		{ "mx_host", "MX hosts", TR_DS_CODE },
		{ "reports", "Reports", TR_DS_INT },
		{ "first_day", "First seen", TR_DS_TEXT },
		{ "last_day", "Last seen", TR_DS_TEXT },
	};

	tr_buf_str(b, "<h2>Failures by result type</h2>");
	type_breakdown(b, dm->types, dm->more_t, p);
	tr_buf_str(b, "<h2>Failures by receiving MX</h2>");
	breakdown(b, "by-mx", dm->mx, &mx, dm->more_mx, p);
	tr_buf_str(b, "<h2>Failures by sending IP</h2>");
	breakdown(b, "by-ip", dm->ip, &ip, dm->more_ip, p);
	tr_buf_str(b, "<h2>Failures by sender</h2>");
	breakdown(b, "by-org", dm->org, &org, dm->more_org, p);
	tr_buf_str(b, "<h2>Senders</h2>");
	tr_dash_table(b, "senders", dm->senders, senders_spec,
	    TR_DASH_NCOLS(senders_spec), dm->more_s, p);
	tr_buf_str(b, "<h2>The policies in full</h2>");
	tr_dash_table(b, "policies", dm->pol, pol_spec,
	    TR_DASH_NCOLS(pol_spec), dm->more_p, p);
}

/* tr_dash_domain - one domain: charts, breakdowns, policies */
void
tr_dash_domain(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	struct domain dm;
	struct tr_error err;
	struct tr_buf *b = &pg->body;
	int rc;

	if (!(p->given & TR_DP_DOMAIN)) {
		tr_dash_error_page(pg, 400, "domain: required (/domain?domain="
		    "example.com)");
		return;
	}
	memset(&dm, 0, sizeof(dm));
	if ((rc = domain_load(st, p, &dm, &err)) != 0)
		goto out;
	tr_dash_frame_start(pg, "Domain", p->domain, NULL, p);
	tr_dash_frame_filters(b, "/domain", p, 0, 1, 1);
	domain_cards(b, dm.sum);
	if ((rc = domain_charts(b, &dm)) != 0) {
		rc = -2;
		goto out;
	}
	domain_tables(b, &dm, p);
	tr_buf_str(b, "<p><a");
	tr_dash_frame_href(b, "/reports", p, 1, NULL, NULL);
	tr_buf_str(b, ">The reports behind these figures</a></p>");
	tr_dash_frame_end(pg);
out:
	if (rc == -1)
		tr_dash_frame_db_error(pg, &err);
	else if (rc == -2)
		tr_dash_error_page(pg, 503, "out of memory");
	free(dm.d);
	tr_table_free(dm.sum);
	tr_table_free(dm.days_t);
	tr_table_free(dm.fd);
	tr_table_free(dm.types);
	tr_table_free(dm.mx);
	tr_table_free(dm.ip);
	tr_table_free(dm.org);
	tr_table_free(dm.senders);
	tr_table_free(dm.pol);
}

/* ---- reports ----------------------------------------------------------------- */

/* tr_dash_reports - the report list with the filters */
void
tr_dash_reports(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	static const struct tr_dash_col spec[] = {
		{ "id", "Id", TR_DS_REPORT },
		{ "organization", "Sender", TR_DS_ORG },
		{ "report_id", "Report id", TR_DS_TEXT },
		{ "start", "Start", TR_DS_TEXT },
		{ "end", "End", TR_DS_TEXT },
		{ "domains", "Domains", TR_DS_TEXT },
		{ "sessions", "Sessions", TR_DS_INT },
		{ "failed", "Failed", TR_DS_INT },
		{ "notes", "Notes", TR_DS_INT },
	};
	struct tr_query_filter f;
	struct tr_table *t;
	struct tr_error err;
	int more;

	tr_dash_params_filter(p, list_limit(p, LIST_LIMIT), &f);
	if (tr_query_reports(st, &f, &t, &more, &err) != TR_OK) {
		tr_dash_frame_db_error(pg, &err);
		return;
	}
	tr_dash_frame_start(pg, "Reports", NULL, "/reports", p);
	tr_dash_frame_filters(&pg->body, "/reports", p, 1, 1, 1);
	tr_dash_table(&pg->body, "reports", t, spec, TR_DASH_NCOLS(spec),
	    more, p);
	tr_dash_frame_end(pg);
	tr_table_free(t);
}
/* ---- senders ------------------------------------------------------------------ */

/* tr_dash_senders - who reports, how often, last seen */
void
tr_dash_senders(struct tr_store *st, const struct tr_dash_params *p0,
    struct tr_dash_page *pg)
{
	static const struct tr_dash_col spec[] = {
		{ "organization", "Sender", TR_DS_ORG },
		{ "reports", "Reports", TR_DS_INT },
		{ "days", "Days reported", TR_DS_INT },
		{ "domains", "Domains", TR_DS_INT },
		{ "sessions", "Sessions", TR_DS_INT },
		{ "failed", "Failed", TR_DS_INT },
		{ "failure_rate", "Failure rate", TR_DS_RATE },
		{ "first_day", "First day", TR_DS_TEXT },
		{ "last_day", "Last seen", TR_DS_TEXT },
	};
	struct tr_dash_params pp, *p = &pp;
	struct tr_query_filter f;
	struct tr_table *t;
	struct tr_error err;
	int more, defaulted;

	if (tr_dash_days_default(st, p0, &pp, &defaulted, &err) == -1) {
		tr_dash_frame_db_error(pg, &err);
		return;
	}
	tr_dash_params_filter(p, list_limit(p, LIST_LIMIT), &f);
	if (tr_query_senders(st, &f, &t, &more, &err) != TR_OK) {
		tr_dash_frame_db_error(pg, &err);
		return;
	}
	tr_dash_frame_start(pg, "Senders", NULL, "/senders", p);
	tr_buf_str(&pg->body, "<p class=\"note\">The organizations that send "
	    "reports, the most recent first.</p>");
	tr_dash_frame_filters(&pg->body, "/senders", p, 1, 1, 1);
	if (defaulted)
		tr_dash_days_note(&pg->body, p, "/senders");
	tr_dash_table(&pg->body, "senders", t, spec, TR_DASH_NCOLS(spec),
	    more, p);
	tr_dash_frame_end(pg);
	tr_table_free(t);
}
