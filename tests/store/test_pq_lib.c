/* test_pq_lib.c - libpq loaded on demand: a clear error without it, every
 * function once it is there */
#include "testutil.h"

/* the table itself, not the PQ... names that call through it */
#define TR_PQ_LIB_C
#include "pq_lib.h"

/* test_missing_then_loaded - a library that is not there is named in the
 * error and not remembered; libpq.so.5 then fills every function, and a
 * later load of anything is a no-op */
static void
test_missing_then_loaded(void **state)
{
	struct tr_error err;

	(void)state;
	assert_int_equal(tr_pq_load_from("libpq-not-installed.so.5", &err),
	    TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "install libpq5"));
	assert_non_null(strstr(err.msg, "libpq-not-installed.so.5"));
	assert_null(tr_pq.PQconnectdbParams);
	/* a library without libpq's functions */
	assert_int_equal(tr_pq_load_from("libz.so.1", &err), TR_ERR_STORE);
	assert_non_null(strstr(err.msg, "has no PQ"));
	assert_null(tr_pq.PQclear);

	if (tr_pq_load(&err) != TR_OK)
		fail_msg("%s", err.msg);
#define TR_PQ_FILLED(f) assert_non_null(tr_pq.f);
	TR_PQ_FUNCS(TR_PQ_FILLED)
#undef TR_PQ_FILLED
	assert_int_equal(tr_pq_load_from("libpq-not-installed.so.5", &err),
	    TR_OK);
	/* a call through the table reaches libpq */
	assert_int_equal(tr_pq.PQresultStatus(NULL), PGRES_FATAL_ERROR);
}

/* main - run every pq_lib test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_then_loaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
