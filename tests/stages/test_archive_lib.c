/* test_archive_lib.c - libarchive loaded at the first zip: a temporary
 * failure naming the package without it, every function once it is there */
#include "testutil.h"

/* the table itself, not the archive_... names that call through it */
#define TR_ARCHIVE_LIB_C
#include "archive_lib.h"
#include "unzip.h"

/* test_missing_then_loaded - a library that is not there is named in a
 * temporary error and not remembered; a library without libarchive's
 * functions is refused whole; libarchive.so.13 then fills every function
 * and a later load of anything is a no-op */
static void
test_missing_then_loaded(void **state)
{
	struct tr_error err;

	(void)state;
	assert_int_equal(tr_archive_load_from("libarchive-not-here.so.13",
	    &err), TR_ERR_IO);
	assert_true(tr_err_is_temporary(err.code));
	assert_non_null(strstr(err.msg, "install libarchive13"));
	assert_non_null(strstr(err.msg, "libarchive-not-here.so.13"));
	assert_null(tr_archive.archive_read_new);
	assert_int_equal(tr_archive_load_from("libz.so.1", &err), TR_ERR_IO);
	assert_non_null(strstr(err.msg, "libz.so.1 has no archive_"));
	assert_null(tr_archive.archive_entry_is_encrypted);

	if (tr_archive_load(&err) != TR_OK)
		fail_msg("%s", err.msg);
#define TR_ARCHIVE_FILLED(f) assert_non_null(tr_archive.f);
	TR_ARCHIVE_FUNCS(TR_ARCHIVE_FILLED)
#undef TR_ARCHIVE_FILLED
	assert_int_equal(tr_archive_load_from("libarchive-not-here.so.13",
	    &err), TR_OK);
	/* a call through the table reaches libarchive */
	assert_int_equal(tr_archive.archive_read_free(NULL), ARCHIVE_OK);
}

/* main - run every archive_lib test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_then_loaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
