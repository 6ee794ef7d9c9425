/* dashboard_frame.c - the frame every dashboard page shares: head,
 * navigation, footer, filter links and form, error pages */
#include <stdio.h>
#include <string.h>

#include "dashboard_frame.h"

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

/* tr_dash_frame_href - ' href="path?filters&amp;name=value"' (name may be
 * NULL) */
void
tr_dash_frame_href(struct tr_buf *b, const char *path,
    const struct tr_dash_params *p, int with_domain, const char *name,
    const char *value)
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

/* tr_dash_frame_start - doctype, head, navigation and the page's heading */
void
tr_dash_frame_start(struct tr_dash_page *pg, const char *title,
    const char *title2, const char *nav, const struct tr_dash_params *p)
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
		tr_dash_frame_href(b, links[i].path, p, 0, NULL, NULL);
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

/* tr_dash_frame_end - close the page */
void
tr_dash_frame_end(struct tr_dash_page *pg)
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

/* tr_dash_frame_filters - the filters as a GET form on path; the domain,
 * sender and policy type fields only where they apply */
void
tr_dash_frame_filters(struct tr_buf *b, const char *path,
    const struct tr_dash_params *p, int domain_field, int type_field,
    int org_field)
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

/* tr_dash_frame_db_error - a 500 page naming what failed */
void
tr_dash_frame_db_error(struct tr_dash_page *pg, const struct tr_error *err)
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

