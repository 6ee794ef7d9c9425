/* dashboard_quarantine.h - the dashboard's quarantine pages: the reasons
 * and the list, one message, and its bytes as a download */
#ifndef TR_DASHBOARD_QUARANTINE_H
#define TR_DASHBOARD_QUARANTINE_H

#include "dashboard_frame.h"

tr_dash_page_fn tr_dash_quarantine;	/* /quarantine */
tr_dash_page_fn tr_dash_message;	/* /message?id=N */
tr_dash_page_fn tr_dash_message_raw;	/* /message.eml?id=N: the bytes */

#endif
