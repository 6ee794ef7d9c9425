/* domain_count.c - a report's sessions counted once per policy domain */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain_count.h"

/* cmp_str - strcmp with NULL first, as SQLite orders NULL */
static int
cmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* cmp_policy - by domain, then policy type, then position (a stable order) */
static int
cmp_policy(const void *x, const void *y)
{
	const struct tr_policy *a = *(const struct tr_policy *const *)x;
	const struct tr_policy *b = *(const struct tr_policy *const *)y;
	int c;

	if ((c = cmp_str(a->policy_domain, b->policy_domain)) != 0)
		return c;
	if ((c = cmp_str(a->policy_type, b->policy_type)) != 0)
		return c;
	return (a > b) - (a < b);
}

/* better - whether sessions (ok, failed) beat the best so far (bok, bfailed):
 * more sessions, then more failures; on a tie the earlier name stays */
static int
better(int64_t ok, int64_t failed, int64_t bok, int64_t bfailed)
{
	int64_t all = tr_count_add(ok, failed), ball = tr_count_add(bok, bfailed);

	return all > ball || (all == ball && failed > bfailed);
}

/* count_one - the domain of p[0..n), sorted by type, into d */
static void
count_one(const struct tr_policy *const *p, size_t n, struct tr_domain_count *d)
{
	size_t i, j, best = 0, bestend = 0;
	int64_t ok, failed, bok = -1, bfailed = -1;

	for (i = 0; i < n; i = j) {
		ok = failed = 0;
		for (j = i; j < n && cmp_str(p[j]->policy_type,
		    p[i]->policy_type) == 0; j++) {
			ok = tr_count_add(ok, p[j]->successful_sessions);
			failed = tr_count_add(failed, p[j]->failed_sessions);
		}
		if (bok < 0 || better(ok, failed, bok, bfailed)) {
			bok = ok;
			bfailed = failed;
			best = i;
			bestend = j;
		}
	}
	d->policy_domain = p[0]->policy_domain;
	d->policy_type = p[best]->policy_type;
	d->successful = bok;
	d->failed = bfailed;
	d->policies = p + best;
	d->npolicies = bestend - best;
}

int
tr_domain_count(const struct tr_policy *policies, size_t npolicies,
    struct tr_arena *a, struct tr_domain_count **out, size_t *nout)
{
	const struct tr_policy **p;
	struct tr_domain_count *d;
	size_t i, j, n = 0;

	if (npolicies == 0) {
		*out = NULL;
		*nout = 0;
		return 0;
	}
	if (npolicies > SIZE_MAX / sizeof(*p) ||
	    (p = tr_arena_alloc(a, npolicies * sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < npolicies; i++)
		p[i] = &policies[i];
	/* one policy, or several of one domain in one type: the usual reports */
	if (npolicies > 1)
		qsort(p, npolicies, sizeof(*p), cmp_policy);
	for (i = 0; i < npolicies; i++)
		if (i == 0 || cmp_str(p[i]->policy_domain,
		    p[i - 1]->policy_domain) != 0)
			n++;
	if ((d = tr_arena_alloc(a, n * sizeof(*d))) == NULL)
		return -1;
	n = 0;
	for (i = 0; i < npolicies; i = j) {
		for (j = i + 1; j < npolicies && cmp_str(p[j]->policy_domain,
		    p[i]->policy_domain) == 0; j++)
			;
		count_one(p + i, j - i, &d[n++]);
	}
	*out = d;
	*nout = n;
	return 0;
}
