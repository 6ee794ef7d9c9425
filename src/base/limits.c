/* limits.c - the documented default limits */
#include "limits.h"

const struct tr_limits tr_limits_defaults = {
	.max_message = 10 * 1024 * 1024,	/* RFC 8460 5.2: commonly 10 MB */
	.max_mime_depth = 8,
	.max_mime_parts = 100,
	.max_header_bytes = 256 * 1024,
	.max_reports = 16,
	.max_report = 16 * 1024 * 1024,
	.max_ratio = 200,
	.ratio_grace = 1024 * 1024,
	.max_json_depth = 16,
	/* a real report has a few policies and a few dozen failure details:
	 * these bound the store's work and the rows of one message */
	.max_policies = 1000,
	.max_failure_details = 100000,
	.max_report_details = 10000,
	.max_message_policies = 2000,
	.max_message_details = 20000,
	.max_string = 64 * 1024,
};

/* tr_limits_default - fill with the documented defaults */
void
tr_limits_default(struct tr_limits *l)
{
	*l = tr_limits_defaults;
}
