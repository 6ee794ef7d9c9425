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
	/* The site's own domains (lower case, no final dot; "host=domain"
	 * names an MX host elsewhere), or none: each policy domain then counts
	 * under its owner (tr_domain_owner: mx1.example.net under
	 * example.net), in the domain column and for domain; others stay as
	 * they are. */
	const char *const *own_domains;
	size_t nown_domains;
	const char *policy_type;	/* sessions counted under this policy
					 * type (report_domains.policy_type),
					 * or NULL */
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
 * are TR_ERR_STORE (with the database's message) or TR_ERR_NOMEM. The
 * store may be SQLite or PostgreSQL: the same rows come in the same order
 * with the same numbers from both (text in byte order, NULL before any
 * value, failure rates worked out from the integer sums).
 */

/*
 * tr_query_summary - sessions, failures, failure rate, reports and
 * reporting organizations per policy domain (and per day with TR_BY_DAY),
 * worst failure rate first (latest day first by day). Sessions are counted
 * by the one rule of docs/schema.md "Counting" (report_domains): sts and
 * tlsa of one report and domain once, no-policy-found added.
 */
enum tr_err tr_query_summary(struct tr_store *st,
    const struct tr_query_filter *f, enum tr_query_by by,
    struct tr_table **out, int *more, struct tr_error *err);

/*
 * tr_query_failures - failed sessions grouped by the dims chosen (at least
 * one TR_DIM_*), largest first, with the reports they came from and the
 * first and last day seen: every failure detail of every policy, a detail
 * repeated under a report's sts and tlsa policy once. With explain and
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

/*
 * The dashboard's questions. Like the ones above they fill *out with a new
 * table of at most f->limit rows, set *more, and count sessions once per
 * (report, domain) from report_domains.
 */

/* tr_query_failures_daily - failed sessions per day and result type
 * (columns day, result_type, failed), latest day first */
enum tr_err tr_query_failures_daily(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err);

/* tr_query_senders - per reporting organization: reports, days reported,
 * domains, sessions, failed, failure rate, first and last day; the most
 * recent reporter first */
enum tr_err tr_query_senders(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err);

/*
 * tr_query_silent_senders - the usual senders that stopped: (domain,
 * organization) pairs with reports on at least min_days days whose last
 * report day is gap_days or more before the latest report day of the
 * filtered reports (columns domain, organization, days, last_day,
 * latest_day, days_silent), the longest silence first
 */
enum tr_err tr_query_silent_senders(struct tr_store *st,
    const struct tr_query_filter *f, unsigned min_days, unsigned gap_days,
    struct tr_table **out, int *more, struct tr_error *err);

/* tr_query_policies_seen - the distinct policies published for f->domain
 * (required) with the reports and days they were seen on (columns
 * policy_type, mx_host, policy_string, reports, first_day, last_day), the
 * latest first */
enum tr_err tr_query_policies_seen(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err);

/* tr_query_alert_counts - failure-rate alerts raised per domain (columns
 * domain, alerts, last_day) for days in the filter's range */
enum tr_err tr_query_alert_counts(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err);

/* tr_query_quarantine_reasons - quarantined messages per reason class
 * (columns reason_class, messages, first, latest), the most first; since
 * and until apply to received_at */
enum tr_err tr_query_quarantine_reasons(struct tr_store *st,
    const struct tr_query_filter *f, struct tr_table **out, int *more,
    struct tr_error *err);

/* tr_query_latest_day - the start day ("YYYY-MM-DD") of the latest stored
 * report into day; "" when there is none (one index lookup) */
enum tr_err tr_query_latest_day(struct tr_store *st, char day[11],
    struct tr_error *err);

#endif
