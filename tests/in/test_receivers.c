/* test_receivers.c - the table of receivers, and binding them as one:
 * nothing configured binds nothing, a failure leaves nothing bound and
 * names the address, the dashboard's files answer with their own codes */
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "config.h"
#include "receivers.h"

struct fx {
	char dir[64];
	struct tr_config cfg;
	struct tr_receiver_env env;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-recv-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->env.cfg = &fx->cfg;
	fx->env.uid = (uid_t)-1;
	fx->env.gid = (gid_t)-1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tr_config_free(&fx->cfg);
	tu_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* load - the configuration text fmt (with %s: the scratch directory),
 * without the default milter socket */
static void
load(struct fx *fx, const char *fmt)
{
	char text[1024], body[900];
	struct tr_error err;
	int n;

	n = snprintf(body, sizeof(body), fmt, fx->dir, fx->dir, fx->dir);
	assert_true(n >= 0 && (size_t)n < sizeof(body));
	n = snprintf(text, sizeof(text), "milter_socket = none\n%s", body);
	assert_true(n >= 0 && (size_t)n < sizeof(text));
	if (tr_config_load_buf(text, (size_t)n, "test.conf", &fx->cfg,
	    &err) != TR_OK)
		fail_msg("%s", err.msg);
}

/* exists - whether path is there */
static int
exists(const char *dir, const char *name)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &sb) == 0;
}

/* test_table - every receiver has a name and the calls it must have; the
 * milter, with threads of its own, comes last */
static void
test_table(void **state)
{
	size_t i, k, n = 0;

	(void)state;
	for (i = 0; tr_receivers[i] != NULL; i++, n++) {
		assert_non_null(tr_receivers[i]->name);
		assert_non_null(tr_receivers[i]->bind);
		assert_non_null(tr_receivers[i]->start);
		assert_non_null(tr_receivers[i]->free);
		for (k = 0; k < i; k++)
			assert_string_not_equal(tr_receivers[k]->name,
			    tr_receivers[i]->name);
	}
	assert_int_equal(n, 5);
	assert_string_equal(tr_receivers[n - 1]->name, "milter");
	assert_non_null(tr_receivers[n - 1]->join);
}

/* test_nothing - a configuration without listeners binds and starts
 * nothing (there is no loop to start on) */
static void
test_nothing(void **state)
{
	struct fx *fx = *state;
	struct tr_receiver_set *rs;
	struct tr_error err;

	load(fx, "");
	assert_int_equal(tr_receivers_bind(&fx->env, &rs, &err), TR_OK);
	assert_non_null(rs);
	assert_int_equal(tr_receivers_start(rs, &fx->env, &err), TR_OK);
	tr_receivers_stop(rs);
	assert_int_equal(tr_receivers_join(rs), 0);
	tr_receivers_free(rs);
	tr_receivers_free(NULL);
}

/* test_bind_and_free - bound sockets are there until freed */
static void
test_bind_and_free(void **state)
{
	struct fx *fx = *state;
	struct tr_receiver_set *rs;
	struct tr_error err;

	load(fx, "metrics_listen = unix:%s/m.sock\n"
	    "dashboard_listen = unix:%s/d.sock\n");
	assert_int_equal(tr_receivers_bind(&fx->env, &rs, &err), TR_OK);
	assert_true(exists(fx->dir, "m.sock"));
	assert_true(exists(fx->dir, "d.sock"));
	tr_receivers_free(rs);
	assert_false(exists(fx->dir, "m.sock"));
	assert_false(exists(fx->dir, "d.sock"));
}

/* test_bind_fails - the dashboard cannot bind: the error names its
 * address, and the metrics socket bound before it is gone again */
static void
test_bind_fails(void **state)
{
	struct fx *fx = *state;
	struct tr_receiver_set *rs = (void *)1;
	struct tr_error err;

	load(fx, "metrics_listen = unix:%s/m.sock\n"
	    "dashboard_listen = unix:%s/no/such/dir/d.sock\n");
	assert_int_equal(tr_receivers_bind(&fx->env, &rs, &err), TR_ERR_IO);
	assert_null(rs);
	assert_non_null(strstr(err.msg, "d.sock"));
	assert_false(exists(fx->dir, "m.sock"));
}

/* test_dashboard_users - an unreadable file of users is a file's error
 * (exit 74), a wrong one the configuration's (exit 78); both named */
static void
test_dashboard_users(void **state)
{
	struct fx *fx = *state;
	struct tr_receiver_set *rs;
	struct tr_error err;
	char path[256];
	FILE *f;

	load(fx, "dashboard_listen = unix:%s/d.sock\n"
	    "dashboard_users = %s/missing\n");
	assert_int_equal(tr_receivers_bind(&fx->env, &rs, &err), TR_ERR_IO);
	assert_true(strncmp(err.msg, "dashboard_users: ", 17) == 0);
	assert_false(exists(fx->dir, "d.sock"));
	tr_config_free(&fx->cfg);

	snprintf(path, sizeof(path), "%s/users", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("no colon here\n", f);
	fclose(f);
	load(fx, "dashboard_listen = unix:%s/d.sock\n"
	    "dashboard_users = %s/users\n");
	assert_int_equal(tr_receivers_bind(&fx->env, &rs, &err),
	    TR_ERR_SCHEMA);
	assert_true(strncmp(err.msg, "dashboard_users: ", 17) == 0);
	assert_false(exists(fx->dir, "d.sock"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test_setup_teardown(test_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_and_free, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dashboard_users, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
