/* domain_count.h - a report's sessions counted once per policy domain */
#ifndef TR_DOMAIN_COUNT_H
#define TR_DOMAIN_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "report_fields.h"

/* tr_count_add - a + b for non-negative session counts, saturating at
 * INT64_MAX: a report may claim counts whose sum overflows */
static inline int64_t
tr_count_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/*
 * tr_domain_count - r's policies grouped by policy domain, one
 * struct tr_domain_count each, in domain order (NULL first, then by bytes).
 *
 * A sender that applies both DANE and MTA-STS to a domain reports the same
 * sessions once per policy type (docs/real-world-reports.md), so summing
 * every policy would count them twice. Of the policy types given for a
 * domain, the one with the most sessions counts (ties: the most failures,
 * then the first name); its policies' sessions are summed, saturating at
 * INT64_MAX. This is the rule of the report_domains table, the
 * report_domain_sessions view, the metrics and the alerts.
 *
 * Everything is allocated in a (the report's arena). Returns 0, or -1 when
 * out of memory (*out and *nout then untouched).
 */
int tr_domain_count(const struct tr_policy *policies, size_t npolicies,
    struct tr_arena *a, struct tr_domain_count **out, size_t *nout);

#endif
