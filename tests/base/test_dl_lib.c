/* test_dl_lib.c - a library loaded once, all or nothing, and a file that
 * failed not tried again before TR_DL_RETRY_SECONDS */
#include "testutil.h"

#include <zlib.h>

#include "dl_lib.h"

static const char *const names[] = { "zlibVersion", "crc32" };
static void *got[2];
static int fills;

/* fill - keep what tr_dl_load looked up */
static void
fill(void *const *fns)
{
	got[0] = fns[0];
	got[1] = fns[1];
	fills++;
}

/* test_load_once - the tries, the answers and the table, step by step */
static void
test_load_once(void **state)
{
	struct tr_dl_lib lib = TR_DL_LIB(names, fill);
	char why[256];

	(void)state;
	/* a file that is not there: named, and not tried again at once */
	assert_int_equal(tr_dl_load(&lib, "libnot-here.so.1", why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "libnot-here.so.1 cannot be loaded: "));
	assert_int_equal(lib.tries, 1);
	why[0] = '\0';
	assert_int_equal(tr_dl_load(&lib, "libnot-here.so.1", why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "libnot-here.so.1 cannot be loaded: "));
	assert_int_equal(lib.tries, 1);
	/* once the pause is over it is */
	lib.failed_at -= TR_DL_RETRY_SECONDS;
	assert_int_equal(tr_dl_load(&lib, "libnot-here.so.1", why,
	    sizeof(why)), -1);
	assert_int_equal(lib.tries, 2);
	/* another file is tried at once; one without a function is refused
	 * whole */
	assert_int_equal(tr_dl_load(&lib, "libm.so.6", why, sizeof(why)), -1);
	assert_string_equal(why, "libm.so.6 has no zlibVersion");
	assert_int_equal(lib.tries, 3);
	assert_int_equal(fills, 0);
	assert_false(lib.filled);
	/* the right one fills the table, once */
	assert_int_equal(tr_dl_load(&lib, "libz.so.1", why, sizeof(why)), 0);
	assert_int_equal(fills, 1);
	assert_non_null(got[0]);
	assert_non_null(got[1]);
	assert_string_equal(((const char *(*)(void))got[0])(), zlibVersion());
	assert_int_equal(tr_dl_load(&lib, "libnot-here.so.1", why,
	    sizeof(why)), 0);
	assert_int_equal(lib.tries, 4);
	assert_int_equal(fills, 1);
}

/* main - run every dl_lib test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
