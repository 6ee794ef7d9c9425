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

/* tr_policy_types_overlap - whether sessions of this policy type may be
 * the same sessions as those of another type of the domain */
int
tr_policy_types_overlap(const char *type)
{
	return type != NULL &&
	    (strcmp(type, "sts") == 0 || strcmp(type, "tlsa") == 0);
}

/* better - whether sessions (ok, failed) beat the best so far (bok, bfailed):
 * more sessions, then more failures; on a tie the earlier name stays */
static int
better(int64_t ok, int64_t failed, int64_t bok, int64_t bfailed)
{
	int64_t all = tr_count_add(ok, failed), ball = tr_count_add(bok, bfailed);

	return all > ball || (all == ball && failed > bfailed);
}

/* One failure detail of an overlapping type, for finding repeats. */
struct fref {
	struct tr_failure *f;
	int side;		/* 0: the counted type, 1: the other */
	size_t order;		/* place in report order */
};

/* cmp_failure - the fields that make two details the same detail */
static int
cmp_failure(const struct tr_failure *a, const struct tr_failure *b)
{
	int c;

	if ((c = cmp_str(a->result_type, b->result_type)) != 0 ||
	    (c = cmp_str(a->sending_mta_ip, b->sending_mta_ip)) != 0 ||
	    (c = cmp_str(a->receiving_mx_hostname,
	    b->receiving_mx_hostname)) != 0 ||
	    (c = cmp_str(a->receiving_mx_helo, b->receiving_mx_helo)) != 0 ||
	    (c = cmp_str(a->receiving_ip, b->receiving_ip)) != 0 ||
	    (c = cmp_str(a->additional_information,
	    b->additional_information)) != 0 ||
	    (c = cmp_str(a->failure_reason_code, b->failure_reason_code)) != 0)
		return c;
	return (a->failed_session_count > b->failed_session_count) -
	    (a->failed_session_count < b->failed_session_count);
}

/* cmp_fref - by detail, then side, then report order */
static int
cmp_fref(const void *x, const void *y)
{
	const struct fref *a = x, *b = y;
	int c;

	if ((c = cmp_failure(a->f, b->f)) != 0)
		return c;
	if (a->side != b->side)
		return a->side - b->side;
	return (a->order > b->order) - (a->order < b->order);
}

/*
 * mark_repeats - the other type's details that repeat one of the counted
 * type's: the k-th copy of a detail under the other type is a repeat when
 * the counted type lists it k times or more. So a detail listed under both
 * types is counted once, and one listed under only one of them is kept.
 * Sorting keeps a hostile report with many details in n log n.
 */
static int
mark_repeats(const struct tr_policy *const *pol, size_t n,
    const char *counted, struct tr_arena *a)
{
	struct fref *r;
	size_t i, j, k, m = 0, na, order = 0;

	for (i = 0; i < n; i++)
		if (tr_policy_types_overlap(pol[i]->policy_type))
			m += pol[i]->nfailures;
	if (m == 0)
		return 0;
	if (m > SIZE_MAX / sizeof(*r) ||
	    (r = tr_arena_alloc(a, m * sizeof(*r))) == NULL)
		return -1;
	m = 0;
	for (i = 0; i < n; i++) {
		if (!tr_policy_types_overlap(pol[i]->policy_type))
			continue;
		for (j = 0; j < pol[i]->nfailures; j++) {
			r[m].f = &pol[i]->failures[j];
			r[m].side = strcmp(pol[i]->policy_type, counted) != 0;
			r[m].order = order++;
			m++;
		}
	}
	qsort(r, m, sizeof(*r), cmp_fref);
	for (i = 0; i < m; i = j) {
		for (j = i + 1; j < m && cmp_failure(r[i].f, r[j].f) == 0; j++)
			;
		for (na = 0, k = i; k < j && r[k].side == 0; k++)
			na++;
		for (; k < j && na > 0; k++, na--)
			r[k].f->repeated = 1;
	}
	return 0;
}

/*
 * count_one - the domain of p[0..n), sorted by type, into d; its policies
 * are written to out[0..n), the counted ones first
 */
static int
count_one(const struct tr_policy *const *p, size_t n,
    const struct tr_policy **out, struct tr_domain_count *d,
    struct tr_arena *a)
{
	size_t i, j, k, m = 0;
	int64_t ok, failed, bok = -1, bfailed = -1, aok = 0, afailed = 0;
	const char *best = NULL, *other = NULL, *first = NULL;

	for (i = 0; i < n; i = j) {
		ok = failed = 0;
		for (j = i; j < n && cmp_str(p[j]->policy_type,
		    p[i]->policy_type) == 0; j++) {
			ok = tr_count_add(ok, p[j]->successful_sessions);
			failed = tr_count_add(failed, p[j]->failed_sessions);
		}
		if (first == NULL)
			first = p[i]->policy_type;
		/* no-policy-found sessions are other sessions: added */
		if (!tr_policy_types_overlap(p[i]->policy_type)) {
			aok = tr_count_add(aok, ok);
			afailed = tr_count_add(afailed, failed);
			continue;
		}
		if (bok < 0 || better(ok, failed, bok, bfailed)) {
			other = best;
			bok = ok;
			bfailed = failed;
			best = p[i]->policy_type;
		} else
			other = p[i]->policy_type;
	}
	for (i = 0; i < n; i++)
		if (!tr_policy_types_overlap(p[i]->policy_type) ||
		    cmp_str(p[i]->policy_type, best) == 0)
			out[m++] = p[i];
	d->ncounted = m;
	for (i = 0, k = m; i < n; i++)
		if (tr_policy_types_overlap(p[i]->policy_type) &&
		    cmp_str(p[i]->policy_type, best) != 0)
			out[k++] = p[i];
	d->policy_domain = p[0]->policy_domain;
	d->policy_type = best != NULL ? best : first;
	d->successful = tr_count_add(aok, bok < 0 ? 0 : bok);
	d->failed = tr_count_add(afailed, bfailed < 0 ? 0 : bfailed);
	d->policies = out;
	d->npolicies = n;
	for (i = 0; i < n; i++)
		for (j = 0; j < p[i]->nfailures; j++)
			p[i]->failures[j].repeated = 0;
	if (other != NULL)
		return mark_repeats(p, n, best, a);
	return 0;
}

int
tr_domain_count(const struct tr_policy *policies, size_t npolicies,
    struct tr_arena *a, struct tr_domain_count **out, size_t *nout)
{
	const struct tr_policy **p, **o;
	struct tr_domain_count *d;
	size_t i, j, n = 0;

	if (npolicies == 0) {
		*out = NULL;
		*nout = 0;
		return 0;
	}
	if (npolicies > SIZE_MAX / 2 / sizeof(*p) ||
	    (p = tr_arena_alloc(a, 2 * npolicies * sizeof(*p))) == NULL)
		return -1;
	o = p + npolicies;
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
		if (count_one(p + i, j - i, o + i, &d[n++], a) == -1)
			return -1;
	}
	*out = d;
	*nout = n;
	return 0;
}

/* tr_domain_owner - a host=domain entry for d, else the longest listed
 * domain d equals or ends in */
const char *
tr_domain_owner(const char *d, const char *const *domains, size_t n)
{
	const char *best = NULL, *eq;
	size_t i, dl, ol, bl = 0;

	if (d == NULL)
		return NULL;
	dl = strlen(d);
	for (i = 0; i < n; i++)
		if ((eq = strchr(domains[i], '=')) != NULL &&
		    (size_t)(eq - domains[i]) == dl &&
		    memcmp(domains[i], d, dl) == 0)
			return eq + 1;
	for (i = 0; i < n; i++) {
		if (strchr(domains[i], '=') != NULL)
			continue;
		ol = strlen(domains[i]);
		if (ol > dl || ol <= bl ||
		    strcmp(d + dl - ol, domains[i]) != 0 ||
		    (ol < dl && d[dl - ol - 1] != '.'))
			continue;
		best = domains[i];
		bl = ol;
	}
	return best;
}

/* tr_domain_totals - a report's sessions: its domains' counts added */
void
tr_domain_totals(const struct tr_domain_count *d, size_t n,
    int64_t *successful, int64_t *failed)
{
	size_t i;

	*successful = *failed = 0;
	for (i = 0; i < n; i++) {
		*successful = tr_count_add(*successful, d[i].successful);
		*failed = tr_count_add(*failed, d[i].failed);
	}
}
