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
 * This is the one counting rule of tlsrptd (docs/schema.md, "Counting"):
 * the report_domains table, the views, tlsrptd query, the metrics, the
 * alerts and the log line all read what it gives.
 *
 * - Several policies of one type for a domain (a policy that changed during
 *   the day, one per MX set) are different sessions: added.
 * - sts and tlsa may describe the same sessions (Microsoft reports each
 *   session under both, docs/real-world-reports.md): of the two, the type
 *   with the most sessions counts (ties: the most failures, then the first
 *   name), the other not.
 * - no-policy-found sessions found no policy, so they are never sessions
 *   of an sts or tlsa policy (RFC 8460 section 4.3): added. So is any other
 *   type a report built by hand may carry.
 * - Failure details are never hidden: a detail of the type not counted is
 *   marked repeated (tr_failure.repeated) only when the counted type lists
 *   the same detail; every other detail counts.
 *
 * Sums saturate at INT64_MAX. Everything is allocated in a (the report's
 * arena). Returns 0, or -1 when out of memory (*out and *nout then
 * untouched).
 */
int tr_domain_count(const struct tr_policy *policies, size_t npolicies,
    struct tr_arena *a, struct tr_domain_count **out, size_t *nout);

/* tr_policy_types_overlap - 1 for "sts" and "tlsa": the types whose
 * sessions may be the same sessions, counted once */
int tr_policy_types_overlap(const char *type);

/*
 * tr_domain_owner - which of the site's domains[0..n) (lower case, no final
 * dot) the policy domain d counts under. An entry "host=domain" names an MX
 * host elsewhere that belongs to domain: d equal to host counts under
 * domain. Otherwise the longest entry that d equals or ends in after a dot,
 * so that a tlsa policy named after the MX host mx1.example.net counts under
 * example.net. NULL when none (or d is NULL).
 */
const char *tr_domain_owner(const char *d, const char *const *domains,
    size_t n);

/* tr_domain_totals - a report's sessions: the n domains' counts added
 * (saturating), as the log line and the report lists give them */
void tr_domain_totals(const struct tr_domain_count *d, size_t n,
    int64_t *successful, int64_t *failed);

#endif
