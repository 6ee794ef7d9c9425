/* limits.c - the documented default limits */
#include "limits.h"

/* tr_limits_default - fill with the documented defaults */
void
tr_limits_default(struct tr_limits *l)
{
	l->max_message = 10 * 1024 * 1024;	/* RFC 8460 5.2: commonly 10 MB */
	l->max_mime_depth = 8;
	l->max_mime_parts = 100;
	l->max_header_bytes = 256 * 1024;
	l->max_reports = 16;
	l->max_report = 16 * 1024 * 1024;
	l->max_ratio = 200;
	l->ratio_grace = 1024 * 1024;
	l->max_json_depth = 16;
	/* a real report has a few policies and a few dozen failure details:
	 * these bound the store's work and the rows of one message */
	l->max_policies = 1000;
	l->max_failure_details = 100000;
	l->max_report_details = 10000;
	l->max_message_policies = 2000;
	l->max_message_details = 20000;
	l->max_string = 64 * 1024;
}
