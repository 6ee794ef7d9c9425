/* report.h - parse and validate a TLS-RPT report (RFC 8460 section 4) */
#ifndef TR_REPORT_H
#define TR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"
#include "notes.h"
#include "result_types.h"	/* the registry, for the users of result_type */

/* All strings are NUL-terminated UTF-8 owned by the report; NULL = absent. */

struct tr_failure {
	const char *result_type;	/* as sent, e.g. "certificate-expired" */
	int result_type_known;		/* 1 when in the RFC 8460 registry */
	const char *sending_mta_ip;	/* syntax-checked IPv4/IPv6 */
	const char *receiving_mx_hostname;
	const char *receiving_mx_helo;
	const char *receiving_ip;	/* syntax-checked IPv4/IPv6 */
	int64_t failed_session_count;
	const char *additional_information;
	const char *failure_reason_code;
	int repeated;			/* 1: the same detail is listed under the
					 * domain's other policy type (sts/tlsa)
					 * of this report: counted once there */
};

struct tr_policy {
	const char *policy_type;	/* "tlsa", "sts" or "no-policy-found" */
	const char *policy_domain;
	const char *policy_string_json;	/* JSON array of strings, or NULL */
	const char *mx_host_json;	/* JSON array of strings, or NULL */
	int64_t successful_sessions;
	int64_t failed_sessions;
	struct tr_failure *failures;
	size_t nfailures;
};

/*
 * A report's sessions for one policy domain, counted once (see
 * domain_count.h for the rule): the sts or tlsa type with the most
 * sessions, plus the no-policy-found sessions.
 */
struct tr_domain_count {
	const char *policy_domain;	/* NULL when the policies name none */
	const char *policy_type;	/* the sts/tlsa type counted, else
					 * "no-policy-found" */
	int64_t successful;		/* its sessions, saturating at INT64_MAX */
	int64_t failed;
	const struct tr_policy *const *policies; /* every policy of the domain,
					 * by type, then report order */
	size_t npolicies;
	size_t ncounted;		/* the first ncounted of policies are
					 * those whose sessions count */
};

struct tr_report {
	const char *organization_name;
	const char *report_id;
	const char *contact_info;	/* NULL when missing or null (noted) */
	const char *start_datetime;	/* normalised UTC "YYYY-MM-DDTHH:MM:SSZ" */
	const char *end_datetime;
	struct tr_policy *policies;
	size_t npolicies;
	struct tr_domain_count *domains;	/* one per policy domain, in order */
	size_t ndomains;
	struct tr_notes notes;		/* conformance notes */
	const char *raw;		/* the JSON as received */
	size_t rawlen;
	void *priv;			/* the parse tree and allocations */
};

/*
 * tr_report_parse - parse JSON json[0..len) (json-c strict tokener, depth limit, UTF-8
 * validated) and check it against RFC 8460 section 4, tolerating the
 * deviations documented in docs/real-world-reports.md with a conformance note.
 * fallback_domain (may be NULL) stands in for a missing policy-domain (taken
 * from the TLS-Report-Domain header). On TR_OK *out is a new report (free with
 * tr_report_free); on error err names the place
 * ("policies[1].summary.total-failure-session-count: expected a non-negative
 * integer, got \"12\"") and *out is NULL. Codes: TR_ERR_JSON,
 * TR_ERR_JSON_DEPTH, TR_ERR_UTF8, TR_ERR_SCHEMA, TR_ERR_REPORT_LIMIT,
 * TR_ERR_NOMEM.
 */
enum tr_err tr_report_parse(const char *json, size_t len,
    const struct tr_limits *limits, const char *fallback_domain,
    struct tr_report **out, struct tr_error *err);

void tr_report_free(struct tr_report *r);

#endif
