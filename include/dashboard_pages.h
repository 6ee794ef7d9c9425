/* dashboard_pages.h - the dashboard's pages as HTML text, from the query
 * module: the lists and charts here, one report (dashboard_report.h), the
 * quarantine (dashboard_quarantine.h); what a page is: dashboard_frame.h */
#ifndef TR_DASHBOARD_PAGES_H
#define TR_DASHBOARD_PAGES_H

#include "dashboard_frame.h"
#include "dashboard_quarantine.h"
#include "dashboard_report.h"

tr_dash_page_fn tr_dash_overview;	/* /: every domain, worst first */
tr_dash_page_fn tr_dash_domain;		/* /domain?domain=D */
tr_dash_page_fn tr_dash_reports;	/* /reports */
tr_dash_page_fn tr_dash_senders;	/* /senders */
tr_dash_page_fn tr_dash_style;		/* /style.css */

#endif
