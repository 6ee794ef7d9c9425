/* query.h - the operator's questions as SQL, answered as result rows */
#ifndef TR_QUERY_H
#define TR_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"
#include "table.h"

/*
 * Which reports a question covers. Reports are placed in time by the start
 * of their period, quarantined messages by when they were received.
 */
struct tr_query_filter {
	const char *domain;	/* policy domain, exactly (lower case), or NULL */
	const char *org;	/* part of organization-name, ASCII case-insensitive */
	const char *since;	/* UTC "YYYY-MM-DDTHH:MM:SSZ", inclusive, or NULL */
	const char *until;	/* the same, exclusive, or NULL */
	size_t limit;		/* rows at most (1 or more) */
	const char *dkim;	/* reports: DKIM result (pass, fail, none,
				 * temperror, unchecked), or NULL */
};

enum tr_query_by {
	TR_BY_PERIOD,		/* one row per domain for the whole period */
	TR_BY_DAY,		/* one row per domain and day */
};

/* Dimensions of the failure breakdown (tr_query_failures). */
#define TR_DIM_TYPE	0x01	/* result_type */
#define TR_DIM_DOMAIN	0x02	/* policy_domain */
#define TR_DIM_MX	0x04	/* receiving_mx_hostname */
#define TR_DIM_IP	0x08	/* sending_mta_ip */
#define TR_DIM_ORG	0x10	/* organization_name */

/*
 * Each question fills *out with a new table (free with tr_table_free) of at
 * most f->limit rows; *more is set when further rows were left out. Errors
 * are TR_ERR_STORE (with SQLite's message) or TR_ERR_NOMEM.
 */

/*
 * tr_query_summary - sessions, failures, failure rate, reports and
 * reporting organizations per policy domain (and per day with TR_BY_DAY),
 * worst failure rate first (latest day first by day). The same sessions
 * reported under two policy types of one domain by one report are counted
 * once (report_domains).
 */
enum tr_err tr_query_summary(struct tr_store *st,
    const struct tr_query_filter *f, enum tr_query_by by,
    struct tr_table **out, int *more, struct tr_error *err);

/*
 * tr_query_failures - failed sessions grouped by the dims chosen (at least
 * one TR_DIM_*), largest first, with the reports they came from and the
 * first and last day seen; counted once like the summary. With explain and
 * TR_DIM_TYPE, two more columns say what the result type means and its
 * usual fix.
 */
enum tr_err tr_query_failures(struct tr_store *st,
    const struct tr_query_filter *f, unsigned dims, int explain,
    struct tr_table **out, int *more, struct tr_error *err);

/* tr_query_reports - stored reports, the latest period first */
enum tr_err tr_query_reports(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err);

/* One stored report in full. */
struct tr_query_report {
	struct tr_table *info;		/* one row: the report and its message */
	struct tr_table *policies;	/* one row per policy */
	struct tr_table *failures;	/* one row per failure detail */
	struct tr_table *notes;		/* one row per conformance note */
	char *raw_json;			/* the report as received */
	size_t raw_len;
};

/* tr_query_report_show - report id in full; *found 0 when there is none */
enum tr_err tr_query_report_show(struct tr_store *st, int64_t id,
    struct tr_query_report *out, int *found, struct tr_error *err);

void tr_query_report_free(struct tr_query_report *r);

/* tr_query_quarantine - quarantined messages, the latest first (the
 * filter's since and until apply to received_at; domain and org do not) */
enum tr_err tr_query_quarantine(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err);

/* One quarantined message in full. */
struct tr_query_qitem {
	struct tr_table *info;		/* one row, the reason included */
	unsigned char *raw;		/* the message as received */
	size_t raw_len;
};

/* tr_query_quarantine_show - message id; *found 0 when there is none */
enum tr_err tr_query_quarantine_show(struct tr_store *st, int64_t id,
    struct tr_query_qitem *out, int *found, struct tr_error *err);

void tr_query_qitem_free(struct tr_query_qitem *q);

/* tr_query_quarantine_ids - up to n quarantined ids above after, in order */
enum tr_err tr_query_quarantine_ids(struct tr_store *st, int64_t after,
    int64_t *ids, size_t n, size_t *got, struct tr_error *err);

#endif
