/* limits.h - every size, depth, count and ratio the pipeline enforces */
#ifndef TR_LIMITS_H
#define TR_LIMITS_H

#include <stddef.h>

struct tr_limits {
	size_t max_message;		/* raw message bytes (default 10 MiB) */
	unsigned max_mime_depth;	/* multipart nesting (default 8) */
	unsigned max_mime_parts;	/* parts in one message (default 100) */
	size_t max_header_bytes;	/* header section of one entity (default 256 KiB) */
	unsigned max_reports;		/* report parts in one message (default 16) */
	size_t max_report;		/* decompressed report bytes (default 16 MiB) */
	unsigned max_ratio;		/* decompressed/compressed ratio (default 200) */
	size_t ratio_grace;		/* output below this is never ratio-checked (default 1 MiB) */
	unsigned max_json_depth;	/* JSON nesting (default 16) */
	size_t max_policies;		/* policies in one report (default 1000) */
	size_t max_failure_details;	/* failure-details in one policy (default 100000) */
	size_t max_report_details;	/* failure-details in one report, all
					 * policies together (default 10000) */
	size_t max_message_policies;	/* policies in one message, all reports
					 * together (default 2000) */
	size_t max_message_details;	/* failure-details in one message
					 * (default 20000) */
	size_t max_string;		/* one JSON string value in bytes (default 64 KiB) */
};

/* the documented defaults; a stage given no limits (NULL) uses these */
extern const struct tr_limits tr_limits_defaults;

/* tr_limits_default - fill with the documented defaults */
void tr_limits_default(struct tr_limits *l);

#endif
