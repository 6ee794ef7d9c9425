/* test_http_listeners.c - an evhttp server's sockets: bound all or none,
 * their unix socket files removed at the end */
#include <unistd.h>

#include "testutil.h"

#include "http_listeners.h"

/* addr - "unix:DIR/NAME" into buf */
static char *
addr(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "unix:%s/%s", dir, name);
	return buf;
}

/* test_bind_close - every address listens; close removes the files */
static void
test_bind_close(void **state)
{
	char dir[] = "/tmp/test_hl.XXXXXX", a[2][256], path[300];
	char *v[2];
	struct tr_strlist l = { v, 2 };
	struct tr_hl hl;
	struct tr_error err;

	assert_non_null(mkdtemp(dir));
	v[0] = addr(a[0], sizeof(a[0]), dir, "one.sock");
	v[1] = addr(a[1], sizeof(a[1]), dir, "two.sock");
	memset(&hl, 0, sizeof(hl));
	assert_int_equal(tr_hl_bind(&hl, &l, "metrics_listen", 8, getuid(),
	    getgid(), &err), 0);
	assert_int_equal(hl.n, 2);
	assert_true(hl.s[0].fd >= 0 && hl.s[1].fd >= 0);
	assert_string_equal(hl.s[1].addr, a[1]);
	snprintf(path, sizeof(path), "%s/two.sock", dir);
	assert_int_equal(access(path, F_OK), 0);
	tr_hl_close(&hl);
	assert_int_equal(hl.n, 0);
	assert_int_equal(access(path, F_OK), -1);
	tu_rmtree(dir);
}

/* test_none - one address that cannot be bound: none stays bound, the
 * message names the key */
static void
test_none(void **state)
{
	char dir[] = "/tmp/test_hl.XXXXXX", a[2][256], path[300];
	char *v[2];
	struct tr_strlist l = { v, 2 };
	struct tr_hl hl;
	struct tr_error err;

	assert_non_null(mkdtemp(dir));
	v[0] = addr(a[0], sizeof(a[0]), dir, "one.sock");
	v[1] = addr(a[1], sizeof(a[1]), dir, "no/such/dir.sock");
	memset(&hl, 0, sizeof(hl));
	assert_int_equal(tr_hl_bind(&hl, &l, "dashboard_listen", 8, getuid(),
	    getgid(), &err), -1);
	assert_int_equal(hl.n, 0);
	assert_non_null(strstr(err.msg, "dashboard_listen: "));
	snprintf(path, sizeof(path), "%s/one.sock", dir);
	assert_int_equal(access(path, F_OK), -1);
	tu_rmtree(dir);
}

/* test_too_many - more addresses than TR_HL_MAX */
static void
test_too_many(void **state)
{
	char *v[TR_HL_MAX + 1];
	struct tr_strlist l = { v, TR_HL_MAX + 1 };
	struct tr_hl hl;
	struct tr_error err;
	size_t i;

	for (i = 0; i < TR_HL_MAX + 1; i++)
		v[i] = "127.0.0.1:1";
	memset(&hl, 0, sizeof(hl));
	assert_int_equal(tr_hl_bind(&hl, &l, "metrics_listen", 8, getuid(),
	    getgid(), &err), -1);
	assert_int_equal(hl.n, 0);
	assert_string_equal(err.msg, "metrics_listen: at most 16 addresses");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_close),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
