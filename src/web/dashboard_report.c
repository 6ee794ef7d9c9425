/* dashboard_report.c - one stored report in full: its record, notes,
 * policies, failure details and the raw JSON */
#include <inttypes.h>
#include <stdio.h>

#include <json-c/json.h>

#include "dashboard_report.h"
#include "dashboard_table.h"
#include "query.h"

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
	static const struct tr_dash_col pol_spec[] = {
		{ "policy", "#", TR_DS_INT },
		{ "policy_type", "Type", TR_DS_TEXT },
		{ "domain", "Domain", TR_DS_DOMAIN },
		{ "counted", "Counted", TR_DS_TEXT },
		{ "successful", "Successful", TR_DS_INT },
		{ "failed", "Failed", TR_DS_INT },
		{ "mx_host", "MX hosts", TR_DS_CODE },
		{ "policy_string", "Policy", TR_DS_CODE },
	};
	static const struct tr_dash_col fail_spec[] = {
		{ "policy", "Policy #", TR_DS_INT },
		{ "result_type", "Result type", TR_DS_CODE },
		{ "failed", "Failed", TR_DS_INT },
		{ "receiving_mx", "Receiving MX", TR_DS_TEXT },
		{ "receiving_ip", "Receiving IP", TR_DS_TEXT },
		{ "sending_ip", "Sending IP", TR_DS_TEXT },
		{ "receiving_mx_helo", "MX HELO", TR_DS_TEXT },
		{ "failure_reason_code", "Reason code", TR_DS_TEXT },
		{ "additional_information", "More", TR_DS_TEXT },
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
		tr_dash_frame_db_error(pg, &err);
		return;
	}
	if (!found) {
		tr_dash_error_page(pg, 404, "no report with this id");
		return;
	}
	snprintf(title, sizeof(title), "%" PRId64, p->id);
	tr_dash_frame_start(pg, "Report", title, "/reports", NULL);
	tr_dash_table_record(b, "report", r.info);
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
	tr_dash_table(b, "policies", r.policies, pol_spec,
	    TR_DASH_NCOLS(pol_spec), 0, p);
	tr_buf_str(b, "<h2>Failure details</h2>");
	tr_dash_table(b, "failures", r.failures, fail_spec,
	    TR_DASH_NCOLS(fail_spec), 0, p);
	tr_buf_str(b, "<h2>Raw JSON</h2>");
	pretty_json(b, r.raw_json, r.raw_len);
	tr_dash_frame_end(pg);
	tr_query_report_free(&r);
}
