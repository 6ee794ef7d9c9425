/* dashboard_quarantine.c - quarantine reasons and list, one quarantined
 * message, and its bytes as a download */
#include <inttypes.h>
#include <stdio.h>

#include "dashboard_quarantine.h"
#include "dashboard_table.h"
#include "query.h"

#define LIST_LIMIT	100	/* rows of a list when the URL names none */
#define RAW_PREVIEW	(64 * 1024)	/* bytes of a message shown inline */

/* tr_dash_quarantine - reasons, then the messages */
void
tr_dash_quarantine(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	static const struct tr_dash_col reason_spec[] = {
		{ "reason_class", "Reason", TR_DS_CODE },
		{ "messages", "Messages", TR_DS_INT },
		{ "first", "First", TR_DS_TEXT },
		{ "latest", "Latest", TR_DS_TEXT },
	};
	static const struct tr_dash_col list_spec[] = {
		{ "id", "Id", TR_DS_MESSAGE },
		{ "received_at", "Received", TR_DS_TEXT },
		{ "way_in", "Way in", TR_DS_TEXT },
		{ "from", "From", TR_DS_TEXT },
		{ "reason_class", "Reason class", TR_DS_CODE },
		{ "reason", "Reason", TR_DS_TEXT },
		{ "bytes", "Bytes", TR_DS_INT },
	};
	struct tr_table *reasons = NULL, *list = NULL;
	struct tr_query_filter f;
	struct tr_error err;
	int more, more_r;

	tr_dash_params_filter(p, (p->given & TR_DP_LIMIT) ? p->limit :
	    LIST_LIMIT, &f);
	if (tr_query_quarantine_reasons(st, &f, &reasons, &more_r, &err) !=
	    TR_OK || tr_query_quarantine(st, &f, &list, &more, &err) != TR_OK) {
		tr_dash_frame_db_error(pg, &err);
		goto out;
	}
	tr_dash_frame_start(pg, "Quarantine", NULL, "/quarantine", p);
	tr_buf_str(&pg->body, "<p class=\"note\">Messages that reached "
	    "tlsrptd but held no valid report, kept whole with the exact "
	    "reason. From and To apply to when they were received.</p>");
	tr_dash_frame_filters(&pg->body, "/quarantine", p, 0, 0, 0);
	tr_buf_str(&pg->body, "<h2>By reason</h2>");
	tr_dash_table(&pg->body, "reasons", reasons, reason_spec,
	    TR_DASH_NCOLS(reason_spec), more_r, p);
	tr_buf_str(&pg->body, "<h2>Messages, the latest first</h2>");
	tr_dash_table(&pg->body, "messages", list, list_spec,
	    TR_DASH_NCOLS(list_spec), more, p);
	tr_dash_frame_end(pg);
out:
	tr_table_free(reasons);
	tr_table_free(list);
}

/* qitem_find - *q = the message p's id names: 0, or -1 with the error
 * page (usage: the path shown when the id is missing) */
static int
qitem_find(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg, const char *usage, struct tr_query_qitem *q)
{
	struct tr_error err;
	char msg[64];
	int found;

	if (!(p->given & TR_DP_ID)) {
		snprintf(msg, sizeof(msg), "id: required (%s?id=1)", usage);
		tr_dash_error_page(pg, 400, msg);
		return -1;
	}
	if (tr_query_quarantine_show(st, p->id, q, &found, &err) != TR_OK) {
		tr_dash_frame_db_error(pg, &err);
		return -1;
	}
	if (!found) {
		tr_dash_error_page(pg, 404, "no quarantined message with this "
		    "id");
		return -1;
	}
	return 0;
}

/* tr_dash_message - one quarantined message with its reason */
void
tr_dash_message(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	struct tr_query_qitem q;
	struct tr_buf *b = &pg->body;
	char title[32];

	if (qitem_find(st, p, pg, "/message", &q) == -1)
		return;
	snprintf(title, sizeof(title), "%" PRId64, p->id);
	tr_dash_frame_start(pg, "Quarantined message", title, "/quarantine",
	    NULL);
	tr_dash_table_record(b, "message", q.info);
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
	tr_dash_frame_end(pg);
	tr_query_qitem_free(&q);
}

/* tr_dash_message_raw - the message's bytes as a download */
void
tr_dash_message_raw(struct tr_store *st, const struct tr_dash_params *p,
    struct tr_dash_page *pg)
{
	struct tr_query_qitem q;

	if (qitem_find(st, p, pg, "/message.eml", &q) == -1)
		return;
	pg->status = 200;
	/* never rendered by the browser: a download of opaque bytes */
	pg->content_type = "application/octet-stream";
	snprintf(pg->filename, sizeof(pg->filename), "quarantine-%" PRId64
	    ".eml", p->id);
	tr_buf_add(&pg->body, q.raw, q.raw_len);
	tr_query_qitem_free(&q);
}
