/* dashboard_pages.h - the dashboard's pages as HTML text, from the query module */
#ifndef TR_DASHBOARD_PAGES_H
#define TR_DASHBOARD_PAGES_H

#include "dashboard_params.h"
#include "html.h"
#include "store.h"

/* A rendered answer: what the HTTP side sends. */
struct tr_dash_page {
	int status;			/* 200, 400, 404 or 500 */
	const char *content_type;	/* static */
	struct tr_buf body;
	char filename[64];		/* a download's file name, or "" */
};

/*
 * The pages. Each reads st (a read-only store) through the query module
 * only, every question bounded by a LIMIT, and fills pg: 200 with the
 * page, 400 for a missing or wrong parameter, 404 for an id that is not
 * there, 500 with SQLite's message when the database fails. Every string
 * that came from a report or a message is escaped (html.h).
 */
typedef void tr_dash_page_fn(struct tr_store *st,
    const struct tr_dash_params *p, struct tr_dash_page *pg);

tr_dash_page_fn tr_dash_overview;	/* /: every domain, worst first */
tr_dash_page_fn tr_dash_domain;		/* /domain?domain=D */
tr_dash_page_fn tr_dash_reports;	/* /reports */
tr_dash_page_fn tr_dash_report;		/* /report?id=N */
tr_dash_page_fn tr_dash_quarantine;	/* /quarantine */
tr_dash_page_fn tr_dash_message;	/* /message?id=N */
tr_dash_page_fn tr_dash_message_raw;	/* /message.eml?id=N: the bytes */
tr_dash_page_fn tr_dash_senders;	/* /senders */
tr_dash_page_fn tr_dash_style;		/* /style.css */

/* tr_dash_error_page - an HTML page for status with message (escaped) */
void tr_dash_error_page(struct tr_dash_page *pg, int status,
    const char *message);

#endif
