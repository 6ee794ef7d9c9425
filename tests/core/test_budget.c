/* test_budget - the in-flight memory budget: ceiling, admission, threads */
#include "testutil.h"

#include <pthread.h>

#include "budget.h"

/* take and give within the ceiling; a take past it takes nothing */
static void
test_ceiling(void **state)
{
	struct tr_budget *b;

	(void)state;
	assert_non_null(b = tr_budget_new(1000));
	assert_int_equal(tr_budget_max(b), 1000);
	assert_int_equal(tr_budget_take(b, 600), 0);
	assert_int_equal(tr_budget_take(b, 400), 0);
	assert_int_equal(tr_budget_used(b), 1000);
	assert_int_equal(tr_budget_take(b, 1), -1);
	assert_int_equal(tr_budget_used(b), 1000);
	tr_budget_give(b, 400);
	assert_int_equal(tr_budget_take(b, 401), -1);
	assert_int_equal(tr_budget_take(b, 400), 0);
	tr_budget_give(b, 1000);
	assert_int_equal(tr_budget_used(b), 0);
	/* sizes near SIZE_MAX do not wrap around */
	assert_int_equal(tr_budget_take(b, (size_t)-1), -1);
	assert_int_equal(tr_budget_take(b, 10), 0);
	assert_int_equal(tr_budget_take(b, (size_t)-5), -1);
	assert_int_equal(tr_budget_used(b), 10);
	tr_budget_give(b, 10);
	tr_budget_free(b);
	assert_null(tr_budget_new(0));
}

/* a new message needs TR_BUDGET_ADMIT_MIN free (max/16 for a small budget) */
static void
test_admit(void **state)
{
	struct tr_budget *b;

	(void)state;
	assert_non_null(b = tr_budget_new(32 * TR_BUDGET_ADMIT_MIN));
	assert_true(tr_budget_admit(b));
	assert_int_equal(tr_budget_take(b, 31 * TR_BUDGET_ADMIT_MIN), 0);
	assert_true(tr_budget_admit(b));
	assert_int_equal(tr_budget_take(b, 1), 0);
	assert_false(tr_budget_admit(b));
	tr_budget_give(b, 1);
	assert_true(tr_budget_admit(b));
	tr_budget_give(b, 31 * TR_BUDGET_ADMIT_MIN);
	tr_budget_free(b);

	assert_non_null(b = tr_budget_new(1600));
	assert_int_equal(tr_budget_take(b, 1500), 0);
	assert_true(tr_budget_admit(b));
	assert_int_equal(tr_budget_take(b, 1), 0);
	assert_false(tr_budget_admit(b));
	tr_budget_give(b, 1501);
	tr_budget_free(b);

	assert_non_null(b = tr_budget_new(100));
	tr_budget_note_refusal(b);
	tr_budget_note_refusal(b);
	assert_int_equal(tr_budget_refusals(b), 2);
	tr_budget_free(b);
}

#define THREADS	8
#define ROUNDS	20000

struct worker {
	struct tr_budget *b;
	size_t chunk;
	unsigned long got, refused;
	size_t peak_seen;
};

/* worker - take and give chunks as fast as possible, checking that the
 * count it sees never passes the ceiling */
static void *
worker(void *arg)
{
	struct worker *w = arg;
	size_t held = 0, u;
	unsigned i;

	for (i = 0; i < ROUNDS; i++) {
		if (tr_budget_take(w->b, w->chunk) == 0) {
			held += w->chunk;
			w->got++;
		} else
			w->refused++;
		u = tr_budget_used(w->b);
		if (u > w->peak_seen)
			w->peak_seen = u;
		if (held > 0 && (i % 3 == 0 || held >= 4 * w->chunk)) {
			tr_budget_give(w->b, held);
			held = 0;
		}
	}
	if (held > 0)
		tr_budget_give(w->b, held);
	return NULL;
}

/* many threads against a budget smaller than what they all want: the
 * ceiling holds, some takes are refused, and everything comes back */
static void
test_threads(void **state)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	unsigned long got = 0, refused = 0;
	size_t max = 10000;
	int i;

	(void)state;
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		assert_true(i == 0 || w[0].b != NULL);
		w[i].b = i == 0 ? tr_budget_new(max) : w[0].b;
		w[i].chunk = 300 + 97 * (size_t)i;
	}
	assert_non_null(w[0].b);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(w[i].peak_seen <= max);
		got += w[i].got;
		refused += w[i].refused;
	}
	assert_int_equal(got + refused, (unsigned long)THREADS * ROUNDS);
	assert_true(got > 0);
	assert_int_equal(tr_budget_used(w[0].b), 0);
	tr_budget_free(w[0].b);
}

/* test_refusal_log - every refusal counts; the log at most once a second */
static void
test_refusal_log(void **state)
{
	struct tr_budget *b;
	time_t last = 0, t;
	int r;

	assert_non_null(b = tr_budget_new(100));
	assert_int_equal(tr_budget_refusal_to_log(b, &last), 1);
	assert_true(last > 0);
	/* within one second the same caller is not told again */
	do {
		t = time(NULL);
		last = t;
		r = tr_budget_refusal_to_log(b, &last);
	} while (time(NULL) != t);
	assert_int_equal(r, 0);
	assert_int_equal(last, t);
	assert_true(tr_budget_refusals(b) >= 2);
	tr_budget_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_refusal_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
