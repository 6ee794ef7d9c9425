/* dashboard_table.c - query results as HTML tables and records */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dashboard_frame.h"
#include "dashboard_table.h"

/* rate_text - a fraction as "12.34%" */
static void
rate_text(struct tr_buf *b, double v)
{
	tr_buf_printf(b, "%.2f%%", 100 * v);
}

/* cell - one cell of row r shown as spec says */
static void
cell(struct tr_buf *b, const struct tr_table *t, size_t r, int c,
    const struct tr_dash_col *spec, const struct tr_dash_params *p)
{
	const char *s = c >= 0 ? tr_table_cell_text(t, r, (size_t)c) : NULL;
	struct tr_dash_params q;
	int64_t i;
	double d;
	int num = spec->show == TR_DS_INT || spec->show == TR_DS_RATE ||
	    spec->show == TR_DS_REPORT || spec->show == TR_DS_MESSAGE;

	tr_buf_printf(b, "<td%s%s data-col=\"%s\">", num ? " class=\"n" : "",
	    num ? (spec->show == TR_DS_RATE ? " rate\"" : "\"") : "", spec->col);
	if (c < 0) {
		tr_buf_str(b, "</td>");
		return;
	}
	switch (spec->show) {
	case TR_DS_INT:
		if (tr_table_cell_int(t, r, (size_t)c, &i) == 0)
			tr_buf_printf(b, "%" PRId64, i);
		else
			tr_buf_str(b, "-");
		break;
	case TR_DS_RATE:
		if (tr_table_cell_num(t, r, (size_t)c, &d) == 0)
			rate_text(b, d);
		else
			tr_buf_str(b, "-");
		break;
	case TR_DS_REPORT:
	case TR_DS_MESSAGE:
		if (tr_table_cell_int(t, r, (size_t)c, &i) == 0)
			tr_buf_printf(b, "<a href=\"/%s?id=%" PRId64 "\">%"
			    PRId64 "</a>", spec->show == TR_DS_REPORT ? "report" :
			    "message", i, i);
		break;
	case TR_DS_DOMAIN:
	case TR_DS_ORG:
		if (s == NULL) {
			tr_buf_str(b, "<span class=\"muted\">(none)</span>");
			break;
		}
		tr_buf_str(b, "<a");
		if (spec->show == TR_DS_DOMAIN)
			tr_dash_frame_href(b, "/domain", p, 0, "domain", s);
		else {
			q = *p;
			q.given &= ~TR_DP_ORG;
			tr_dash_frame_href(b, "/reports", &q, 1, "org", s);
		}
		tr_buf_str(b, ">");
		tr_html_text(b, s);
		tr_buf_str(b, "</a>");
		break;
	case TR_DS_CODE:
		if (s != NULL) {
			tr_buf_str(b, "<code>");
			tr_html_text(b, s);
			tr_buf_str(b, "</code>");
		}
		break;
	case TR_DS_TEXT:
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
 * tr_dash_table - the rows of t as an HTML table with id, the columns spec
 * names (looked up by name, so the query's column order does not matter);
 * a note when the query left rows out
 */
void
tr_dash_table(struct tr_buf *b, const char *id, const struct tr_table *t,
    const struct tr_dash_col *spec, size_t nspec, int more,
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

/* tr_dash_table_cell - one cell of row r, its column found by name */
void
tr_dash_table_cell(struct tr_buf *b, const struct tr_table *t, size_t r,
    const struct tr_dash_col *spec, const struct tr_dash_params *p)
{
	cell(b, t, r, tr_table_col_index(t, spec->col), spec, p);
}

/* tr_dash_table_record - the columns of row 0 of t as a definition list */
void
tr_dash_table_record(struct tr_buf *b, const char *id, const struct tr_table *t)
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
