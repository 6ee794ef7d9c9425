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

/* is - d is domain/type with ok/failed, np of its policies counted */
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
	assert_int_equal(d->ncounted, np);
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

/*
 * The counting model as a table: each row is the policies of one report;
 * what it must give is, per domain, "domain type ok/failed" and the failure
 * details that count, in report order. A policy is "type domain ok/failed"
 * followed by its details "result-type@mx=n" (mx "-" for none). A domain
 * "-" is a policy without one.
 */
struct golden {
	const char *what;
	const char *policies[6];
	const char *want;
};

static const struct golden golden[] = {
	{ "one sts policy",
	  { "sts a.example 10/2 certificate-expired@mx1=2" },
	  "a.example sts 10/2 [certificate-expired@mx1=2]" },
	{ "Microsoft: the same sessions and details under tlsa and sts",
	  { "tlsa a.example 4/4 certificate-expired@mx1=4",
	    "sts a.example 4/4 certificate-expired@mx1=4" },
	  "a.example sts 4/4 [certificate-expired@mx1=4]" },
	{ "Google: no-policy-found next to two sts policies is added",
	  { "no-policy-found a.example 1/0",
	    "sts a.example 0/6 certificate-expired@mx1=6",
	    "sts a.example 0/7 certificate-expired@mx1=7" },
	  "a.example sts 1/13 [certificate-expired@mx1=6 "
	  "certificate-expired@mx1=7]" },
	{ "several policies of one type are added",
	  { "tlsa a.example 5/0", "tlsa a.example 6/1 tlsa-invalid@mx2=1" },
	  "a.example tlsa 11/1 [tlsa-invalid@mx2=1]" },
	{ "the larger of sts and tlsa counts; the other's own details stay",
	  { "tlsa a.example 85/2 dane-required@mx1=2",
	    "sts a.example 80/2 sts-webpki-invalid@mx1=2" },
	  "a.example tlsa 85/2 [dane-required@mx1=2 sts-webpki-invalid@mx1=2]" },
	{ "a detail listed twice under sts, three times under tlsa: three",
	  { "sts a.example 0/3 starttls-not-supported@mx1=1 "
	    "starttls-not-supported@mx1=1 validation-failure@-=1",
	    "tlsa a.example 0/3 starttls-not-supported@mx1=1 "
	    "starttls-not-supported@mx1=1 starttls-not-supported@mx1=1" },
	  "a.example sts 0/3 [starttls-not-supported@mx1=1 "
	  "starttls-not-supported@mx1=1 validation-failure@-=1 "
	  "starttls-not-supported@mx1=1]" },
	{ "same result type, other counts: not the same detail",
	  { "tlsa a.example 0/2 certificate-expired@mx1=2",
	    "sts a.example 0/3 certificate-expired@mx1=3" },
	  "a.example sts 0/3 [certificate-expired@mx1=2 "
	  "certificate-expired@mx1=3]" },
	{ "Postfix: tlsa under the MX name, sts and no-policy-found under "
	  "the domain",
	  { "no-policy-found a.example 32/0",
	    "tlsa mx1.a.example 85/0",
	    "sts a.example 10/1 sts-policy-fetch-error@-=1" },
	  "a.example sts 42/1 [sts-policy-fetch-error@-=1]; "
	  "mx1.a.example tlsa 85/0 []" },
	{ "no-policy-found alone",
	  { "no-policy-found a.example 3/1 validation-failure@mx1=1" },
	  "a.example no-policy-found 3/1 [validation-failure@mx1=1]" },
	{ "a policy without a domain is a domain of its own, counted alike",
	  { "no-policy-found - 32/0", "tlsa b.example 85/0",
	    "sts - 3/0" },
	  "- sts 35/0 []; b.example tlsa 85/0 []" },
	{ "an unknown type is added like no-policy-found",
	  { "x-new a.example 2/0", "sts a.example 1/0", "tlsa a.example 1/0" },
	  "a.example sts 3/0 []" },
	{ NULL, { NULL }, NULL },
};

/* parse_policy - one golden policy into p, its details in f (max 8) */
static void
parse_policy(const char *spec, struct tr_policy *p, struct tr_failure *f,
    char *strings, size_t strsz)
{
	char *save = NULL, *tok, *at, *eq;
	long long ok, failed;

	memset(p, 0, sizeof(*p));
	snprintf(strings, strsz, "%s", spec);
	p->policy_type = strtok_r(strings, " ", &save);
	tok = strtok_r(NULL, " ", &save);
	p->policy_domain = strcmp(tok, "-") == 0 ? NULL : tok;
	tok = strtok_r(NULL, " ", &save);
	assert_int_equal(sscanf(tok, "%lld/%lld", &ok, &failed), 2);
	p->successful_sessions = ok;
	p->failed_sessions = failed;
	p->failures = f;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		assert_true(p->nfailures < 8);
		at = strchr(tok, '@');
		eq = strchr(tok, '=');
		assert_non_null(at);
		assert_non_null(eq);
		*at = *eq = '\0';
		memset(&f[p->nfailures], 0, sizeof(f[0]));
		f[p->nfailures].result_type = tok;
		f[p->nfailures].receiving_mx_hostname =
		    strcmp(at + 1, "-") == 0 ? NULL : at + 1;
		f[p->nfailures].failed_session_count = atoll(eq + 1);
		p->nfailures++;
	}
}

/* render - the domains as the golden rows write them */
static void
render(const struct tr_policy *p, size_t np, const struct tr_domain_count *d,
    size_t nd, char *out, size_t outsz)
{
	const struct tr_failure *f;
	size_t i, j, k, n = 0;
	int first;

	out[0] = '\0';
	for (i = 0; i < nd; i++) {
		n += (size_t)snprintf(out + n, outsz - n, "%s%s %s %lld/%lld [",
		    i > 0 ? "; " : "", d[i].policy_domain != NULL ?
		    d[i].policy_domain : "-", d[i].policy_type,
		    (long long)d[i].successful, (long long)d[i].failed);
		first = 1;
		/* in report order, as a reader sees the report */
		for (j = 0; j < np; j++) {
			if ((p[j].policy_domain == NULL) !=
			    (d[i].policy_domain == NULL) ||
			    (p[j].policy_domain != NULL && strcmp(
			    p[j].policy_domain, d[i].policy_domain) != 0))
				continue;
			for (k = 0; k < p[j].nfailures; k++) {
				f = &p[j].failures[k];
				if (f->repeated)
					continue;
				n += (size_t)snprintf(out + n, outsz - n,
				    "%s%s@%s=%lld", first ? "" : " ",
				    f->result_type, f->receiving_mx_hostname ?
				    f->receiving_mx_hostname : "-",
				    (long long)f->failed_session_count);
				first = 0;
			}
		}
		n += (size_t)snprintf(out + n, outsz - n, "]");
		assert_true(n < outsz);
	}
}

/* test_golden - every row of the table gives what it says */
static void
test_golden(void **state)
{
	const struct golden *g;
	struct tr_policy p[6];
	struct tr_failure f[6][8];
	char strings[6][512], got[2048];
	struct fixture *fx = *state;
	size_t n, i, nfail = 0;

	for (g = golden; g->what != NULL; g++) {
		for (n = 0; n < 6 && g->policies[n] != NULL; n++)
			parse_policy(g->policies[n], &p[n], f[n], strings[n],
			    sizeof(strings[n]));
		count(fx, p, n);
		render(p, n, fx->d, fx->n, got, sizeof(got));
		if (strcmp(got, g->want) != 0) {
			print_error("%s:\n  got    %s\n  wanted %s\n", g->what,
			    got, g->want);
			nfail++;
		}
		/* the counted policies' sessions are the domain's */
		for (i = 0; i < fx->n; i++)
			assert_true(fx->d[i].ncounted >= 1 &&
			    fx->d[i].ncounted <= fx->d[i].npolicies);
	}
	assert_int_equal(nfail, 0);
}

/* test_owner - the longest listed domain a policy domain equals or ends
 * in after a dot */
static void
test_owner(void **state)
{
	static const char *const own[] = { "example.net", "sub.example.net",
	    "example.com", "mx.hoster.example=example.com",
	    "mx2.example.net=example.com" };

	assert_string_equal(tr_domain_owner("example.net", own, 3),
	    "example.net");
	assert_string_equal(tr_domain_owner("mx1.example.net", own, 3),
	    "example.net");
	assert_string_equal(tr_domain_owner("mx.sub.example.net", own, 3),
	    "sub.example.net");
	assert_string_equal(tr_domain_owner("sub.example.net", own, 3),
	    "sub.example.net");
	assert_null(tr_domain_owner("badexample.net", own, 3));
	assert_null(tr_domain_owner("example.org", own, 3));
	assert_null(tr_domain_owner("net", own, 3));
	assert_null(tr_domain_owner(NULL, own, 3));
	assert_null(tr_domain_owner("example.net", own, 0));
	/* an MX host elsewhere, named; a host=domain entry wins */
	assert_string_equal(tr_domain_owner("mx.hoster.example", own, 5),
	    "example.com");
	assert_string_equal(tr_domain_owner("mx2.example.net", own, 5),
	    "example.com");
	assert_null(tr_domain_owner("a.mx.hoster.example", own, 5));
	assert_null(tr_domain_owner("hoster.example", own, 5));
	assert_null(tr_domain_owner("mx.hoster.example=example.com", own, 5));
}

/* test_totals - the report's totals are its domains' counts added */
static void
test_totals(void **state)
{
	struct fixture *fx = *state;
	struct tr_policy p[4] = {
		pol("tlsa", "a.example", 4, 4),
		pol("sts", "a.example", 4, 4),
		pol("no-policy-found", "b.example", 3, 0),
		pol("sts", "b.example", INT64_MAX, 1),
	};
	int64_t ok, failed;

	count(fx, p, 4);
	tr_domain_totals(fx->d, fx->n, &ok, &failed);
	assert_int_equal(ok, INT64_MAX);
	assert_int_equal(failed, 5);
	count(fx, p, 2);
	tr_domain_totals(fx->d, fx->n, &ok, &failed);
	assert_int_equal(ok, 4);
	assert_int_equal(failed, 4);
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
		cmocka_unit_test_setup_teardown(test_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
