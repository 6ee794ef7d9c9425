/* dashboard_report.h - the dashboard's page of one stored report */
#ifndef TR_DASHBOARD_REPORT_H
#define TR_DASHBOARD_REPORT_H

#include "dashboard_frame.h"

tr_dash_page_fn tr_dash_report;		/* /report?id=N */

#endif
