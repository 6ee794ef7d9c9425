/* test_domain_count.c - a report's sessions counted once per policy domain */
#include "testutil.h"

#include "domain_count.h"
#include "report.h"
#include "report_fields.h"

struct fixture {
	struct tr_arena a;
	max_align_t block[64];
	struct tr_domain_count *d;
	size_t n;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	tr_arena_init(&fx->a, fx->block, sizeof(fx->block));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tr_arena_free(&fx->a);
	free(fx);
	return 0;
}

static struct tr_policy
pol(const char *type, const char *domain, int64_t ok, int64_t failed)
{
	struct tr_policy p;

	memset(&p, 0, sizeof(p));
	p.policy_type = type;
	p.policy_domain = domain;
	p.successful_sessions = ok;
	p.failed_sessions = failed;
	return p;
}

/* count - run tr_domain_count over p[n] into the fixture */
static void
count(struct fixture *fx, const struct tr_policy *p, size_t n)
{
	assert_int_equal(tr_domain_count(p, n, &fx->a, &fx->d, &fx->n), 0);
}

/* is - d is domain/type with ok/failed over np policies */
static void
is(const struct tr_domain_count *d, const char *domain, const char *type,
    int64_t ok, int64_t failed, size_t np)
{
	if (domain == NULL)
		assert_null(d->policy_domain);
	else
		assert_string_equal(d->policy_domain, domain);
	assert_string_equal(d->policy_type, type);
	assert_int_equal(d->successful, ok);
	assert_int_equal(d->failed, failed);
	assert_int_equal(d->npolicies, np);
}

static void
test_none(void **state)
{
	struct fixture *fx = *state;

	fx->n = 99;
	count(fx, NULL, 0);
	assert_int_equal(fx->n, 0);
	assert_null(fx->d);
}

/* one policy per domain: each counts as it is, domains in byte order */
static void
test_one_each(void **state)
{
	struct fixture *fx = *state;
	struct tr_policy p[3] = {
		pol("sts", "example.net", 5, 1),
		pol("tlsa", "example.com", 7, 0),
		pol("no-policy-found", "Example.org", 2, 2),
	};

	count(fx, p, 3);
	assert_int_equal(fx->n, 3);
	is(&fx->d[0], "Example.org", "no-policy-found", 2, 2, 1);
	is(&fx->d[1], "example.com", "tlsa", 7, 0, 1);
	is(&fx->d[2], "example.net", "sts", 5, 1, 1);
	assert_ptr_equal(fx->d[1].policies[0], &p[1]);
}

/* DANE and MTA-STS for one domain: the same sessions twice, counted once
 * by the type with the most sessions */
static void
test_most_sessions(void **state)
{
	struct fixture *fx = *state;
	struct tr_policy p[2] = {
		pol("tlsa", "example.com", 100, 7),
		pol("sts", "example.com", 101, 7),
	};

	count(fx, p, 2);
	assert_int_equal(fx->n, 1);
	is(&fx->d[0], "example.com", "sts", 101, 7, 1);
	assert_ptr_equal(fx->d[0].policies[0], &p[1]);
}

/* equal sessions: the most failures; then the first name */
static void
test_ties(void **state)
{
	struct fixture *fx = *state;
	struct tr_policy p[4] = {
		pol("tlsa", "a.example", 90, 10),
		pol("sts", "a.example", 95, 5),
		pol("tlsa", "b.example", 10, 0),
		pol("sts", "b.example", 10, 0),
	};

	count(fx, p, 4);
	assert_int_equal(fx->n, 2);
	is(&fx->d[0], "a.example", "tlsa", 90, 10, 1);
	is(&fx->d[1], "b.example", "sts", 10, 0, 1);
}

/* several policies of one type for a domain (one per MX set) add up, and
 * their sum is what is compared */
static void
test_sum_per_type(void **state)
{
	struct fixture *fx = *state;
	struct tr_policy p[4] = {
		pol("sts", "example.com", 60, 1),
		pol("tlsa", "example.com", 80, 0),
		pol("sts", "example.com", 30, 2),
		pol("sts", "example.net", 1, 0),
	};

	count(fx, p, 4);
	assert_int_equal(fx->n, 2);
	is(&fx->d[0], "example.com", "sts", 90, 3, 2);
	/* the counted type's policies, in report order */
	assert_ptr_equal(fx->d[0].policies[0], &p[0]);
	assert_ptr_equal(fx->d[0].policies[1], &p[2]);
	is(&fx->d[1], "example.net", "sts", 1, 0, 1);
}

/* sums saturate instead of overflowing */
static void
test_saturates(void **state)
{
	struct fixture *fx = *state;
	struct tr_policy p[3] = {
		pol("sts", "example.com", INT64_MAX - 1, INT64_MAX),
		pol("sts", "example.com", 5, 5),
		pol("tlsa", "example.com", 0, 0),
	};

	count(fx, p, 3);
	assert_int_equal(fx->n, 1);
	is(&fx->d[0], "example.com", "sts", INT64_MAX, INT64_MAX, 2);
}

/* a policy without a domain is a group of its own, first, as SQL orders
 * NULL */
static void
test_null_domain(void **state)
{
	struct fixture *fx = *state;
	struct tr_policy p[3] = {
		pol("sts", "example.com", 1, 0),
		pol("tlsa", NULL, 3, 0),
		pol("sts", NULL, 4, 0),
	};

	count(fx, p, 3);
	assert_int_equal(fx->n, 2);
	is(&fx->d[0], NULL, "sts", 4, 0, 1);
	is(&fx->d[1], "example.com", "sts", 1, 0, 1);
}

/* many policies: every domain once, sums right (the sort, not a scan) */
static void
test_many(void **state)
{
	struct fixture *fx = *state;
	enum { N = 3000 };
	static struct tr_policy p[N];
	static char names[N / 3][32];
	size_t i;

	for (i = 0; i < N; i++) {
		snprintf(names[i % (N / 3)], sizeof(names[0]), "d%04zu.example",
		    i % (N / 3));
		p[i] = pol(i % 2 ? "sts" : "tlsa", names[i % (N / 3)],
		    (int64_t)i, 1);
	}
	count(fx, p, N);
	assert_int_equal(fx->n, N / 3);
	/* d0000 has i = 0 (tlsa), 1000 (tlsa), 2000 (tlsa): no sts */
	is(&fx->d[0], "d0000.example", "tlsa", 3000, 3, 3);
	/* d0001 has 1 (sts), 1001 (sts), 2001 (sts) */
	is(&fx->d[1], "d0001.example", "sts", 3003, 3, 3);
	for (i = 1; i < fx->n; i++)
		assert_true(strcmp(fx->d[i - 1].policy_domain,
		    fx->d[i].policy_domain) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_most_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sum_per_type, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_saturates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_null_domain, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
