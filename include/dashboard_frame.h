/* dashboard_frame.h - what every dashboard page shares: the answer, the
 * frame around a page (head, navigation, footer), links that keep the
 * filters, the filter form and the error pages */
#ifndef TR_DASHBOARD_FRAME_H
#define TR_DASHBOARD_FRAME_H

#include "dashboard_params.h"
#include "error.h"
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
 * A page. Each reads st (a read-only store) through the query module
 * only, every question bounded by a LIMIT, and fills pg: 200 with the
 * page, 400 for a missing or wrong parameter, 404 for an id that is not
 * there, 500 with SQLite's message when the database fails. Every string
 * that came from a report or a message is escaped (html.h).
 */
typedef void tr_dash_page_fn(struct tr_store *st,
    const struct tr_dash_params *p, struct tr_dash_page *pg);

/* tr_dash_frame_start - status 200, doctype, head, the navigation (nav: the
 * path shown as the current one, or NULL; its links keep p's filters, p may
 * be NULL) and the heading: title, then title2 unless NULL */
void tr_dash_frame_start(struct tr_dash_page *pg, const char *title,
    const char *title2, const char *nav, const struct tr_dash_params *p);

/* tr_dash_frame_end - the footer; closes the page */
void tr_dash_frame_end(struct tr_dash_page *pg);

/* tr_dash_frame_href - ' href="path?filters&amp;name=value"': p's filters
 * (p may be NULL; the domain only with with_domain), then name=value
 * unless name is NULL; no "?" when no parameter follows */
void tr_dash_frame_href(struct tr_buf *b, const char *path,
    const struct tr_dash_params *p, int with_domain, const char *name,
    const char *value);

/* tr_dash_frame_filters - p's filters as a GET form on path; the domain,
 * the policy type and the sender fields only where the flags ask for them
 * (a domain that has no field is kept as a hidden one) */
void tr_dash_frame_filters(struct tr_buf *b, const char *path,
    const struct tr_dash_params *p, int domain_field, int type_field,
    int org_field);

/* tr_dash_error_page - an HTML page for status with message (escaped),
 * in place of whatever pg held */
void tr_dash_error_page(struct tr_dash_page *pg, int status,
    const char *message);

/* tr_dash_frame_db_error - the error page for a failed query: 503 when
 * out of memory, else 500, naming what failed */
void tr_dash_frame_db_error(struct tr_dash_page *pg,
    const struct tr_error *err);

#endif
