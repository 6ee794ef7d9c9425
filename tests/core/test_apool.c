/* test_apool - parallel analysis hands results back in push order */
#include "testutil.h"

#include "apool.h"

/* a report body whose report-id is its sequence number */
static void
report_json(char *buf, size_t sz, unsigned n)
{
	snprintf(buf, sz, "{\"organization-name\":\"Org\",\"date-range\":"
	    "{\"start-datetime\":\"2026-01-01T00:00:00Z\",\"end-datetime\":"
	    "\"2026-01-01T23:59:59Z\"},\"contact-info\":\"a@b.example\","
	    "\"report-id\":\"r%u\",\"policies\":[]}", n);
}

static void
push_n(struct tr_apool *p, unsigned n, int with_errors)
{
	struct tr_source_msg m;
	char buf[512], name[32];
	unsigned i;

	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		report_json(buf, sizeof(buf), i);
		snprintf(name, sizeof(name), "m%u", i);
		m.buf = (const unsigned char *)buf;
		m.len = strlen(buf);
		m.kind = TR_INPUT_REPORT;
		m.name = name;
		if (with_errors && i % 7 == 3)
			tr_error_set(&m.err, TR_ERR_IO, "unreadable %u", i);
		assert_int_equal(tr_apool_push(p, &m), 0);
	}
	tr_apool_close(p);
}

struct producer {
	struct tr_apool *p;
	unsigned n;
};

static void *
produce(void *arg)
{
	struct producer *pr = arg;

	push_n(pr->p, pr->n, 1);
	return NULL;
}

static void
test_order_and_results(void **state __attribute__((unused)))
{
	struct tr_limits l;
	struct producer pr;
	struct tr_apool_item *it;
	pthread_t tid;
	char want[32];
	unsigned seen = 0;

	tr_limits_default(&l);
	/* a small window and byte cap force the producer to wait often */
	pr.p = tr_apool_new(3, 4, 600, &l);
	pr.n = 500;
	assert_non_null(pr.p);
	assert_int_equal(pthread_create(&tid, NULL, produce, &pr), 0);
	while ((it = tr_apool_next(pr.p)) != NULL) {
		snprintf(want, sizeof(want), "m%u", seen);
		assert_string_equal(it->name, want);
		if (seen % 7 == 3) {
			assert_int_equal(it->ioerr.code, TR_ERR_IO);
			assert_int_equal(it->a.nitems, 0);
		} else {
			assert_int_equal(it->a.nitems, 1);
			assert_non_null(it->a.items[0].report);
			snprintf(want, sizeof(want), "r%u", seen);
			assert_string_equal(it->a.items[0].report->report_id, want);
		}
		tr_apool_done(pr.p, it);
		seen++;
	}
	assert_int_equal(seen, 500);
	pthread_join(tid, NULL);
	tr_apool_free(pr.p);
}

static void
test_stop_releases_a_blocked_producer(void **state __attribute__((unused)))
{
	struct tr_limits l;
	struct tr_source_msg m;
	struct tr_apool *p;
	struct tr_apool_item *it;

	tr_limits_default(&l);
	p = tr_apool_new(1, 2, 1 << 20, &l);
	assert_non_null(p);
	memset(&m, 0, sizeof(m));
	m.buf = (const unsigned char *)"{}";
	m.len = 2;
	m.kind = TR_INPUT_REPORT;
	m.name = "x";
	assert_int_equal(tr_apool_push(p, &m), 0);
	assert_int_equal(tr_apool_push(p, &m), 0);
	it = tr_apool_next(p);
	assert_non_null(it);
	tr_apool_stop(p);
	/* the window is full: without stop this push would wait for ever */
	assert_int_equal(tr_apool_push(p, &m), -1);
	tr_apool_done(p, it);
	tr_apool_close(p);
	it = tr_apool_next(p);
	assert_non_null(it);	/* the second item is still handed back */
	tr_apool_done(p, it);
	assert_null(tr_apool_next(p));
	tr_apool_free(p);
}

/* test_fewer_than_a_batch - a few items come back before the pool closes,
 * although workers are woken for batches */
static void
test_fewer_than_a_batch(void **state __attribute__((unused)))
{
	struct tr_limits l;
	struct tr_source_msg m;
	struct tr_apool *p;
	struct tr_apool_item *it;
	unsigned round, i;

	tr_limits_default(&l);
	p = tr_apool_new(1, 64, 1 << 20, &l);
	assert_non_null(p);
	memset(&m, 0, sizeof(m));
	m.buf = (const unsigned char *)"{}";
	m.len = 2;
	m.kind = TR_INPUT_REPORT;
	m.name = "x";
	/* after the first round the worker is (as a rule) asleep again */
	for (round = 1; round <= 3; round++) {
		for (i = 0; i < round; i++)
			assert_int_equal(tr_apool_push(p, &m), 0);
		for (i = 0; i < round; i++) {
			it = tr_apool_next(p);
			assert_non_null(it);
			assert_int_equal(it->a.nitems, 1);
			tr_apool_done(p, it);
		}
	}
	tr_apool_close(p);
	assert_null(tr_apool_next(p));
	tr_apool_free(p);
}

/* test_free_with_items_left - items never consumed, and consumed ones the
 * producer has not freed yet, are freed with the pool (no leak under ASan
 * and valgrind) */
static void
test_free_with_items_left(void **state __attribute__((unused)))
{
	struct tr_limits l;
	struct tr_apool *p;
	struct tr_apool_item *it;
	unsigned i;

	tr_limits_default(&l);
	p = tr_apool_new(2, 16, 1 << 20, &l);
	assert_non_null(p);
	push_n(p, 10, 0);
	tr_apool_free(p);

	p = tr_apool_new(2, 16, 1 << 20, &l);
	assert_non_null(p);
	push_n(p, 10, 0);
	for (i = 0; i < 5; i++) {
		assert_non_null(it = tr_apool_next(p));
		tr_apool_done(p, it);
	}
	tr_apool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_results),
		cmocka_unit_test(test_stop_releases_a_blocked_producer),
		cmocka_unit_test(test_fewer_than_a_batch),
		cmocka_unit_test(test_free_with_items_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
