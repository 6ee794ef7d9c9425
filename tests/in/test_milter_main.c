/* test_milter_main.c - the sigwait that libmilter's signal thread resolves
 * to: a wait for the stop signals is parked, any other is the C library's */
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "testutil.h"

#include "milter.h"

static atomic_int parked_returned;

/* parked - wait as libmilter's signal thread does */
static void *
parked(void *arg)
{
	sigset_t set;
	int sig = 0;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
	atomic_store(&parked_returned, 1);
	return NULL;
}

/* test_other_waits - a wait for another signal returns it, as the C
 * library's does (libpq consumes a SIGPIPE of its own this way) */
static void
test_other_waits(void **state)
{
	sigset_t set, old;
	int sig = 0;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(sigwait(&set, &sig), 0);
	assert_int_equal(sig, SIGUSR2);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

/* test_stop_waits_parked - the stop signals, even sent to the waiting
 * thread itself, do not end its wait: they are the loop's */
static void
test_stop_waits_parked(void **state)
{
	struct timespec pause = { 0, 300 * 1000 * 1000 };
	sigset_t set, old;
	pthread_t t;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* the thread inherits the blocked mask, as libmilter's does */
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	assert_int_equal(pthread_create(&t, NULL, parked, NULL), 0);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	nanosleep(&pause, NULL);
	assert_int_equal(pthread_kill(t, SIGTERM), 0);
	assert_int_equal(pthread_kill(t, SIGINT), 0);
	nanosleep(&pause, NULL);
	/* the C library's sigwait would have returned SIGTERM by now */
	assert_int_equal(atomic_load(&parked_returned), 0);
	tr_milter_close();	/* nothing to close; links milter_main.c */
}

/* main - run every milter_main test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_waits),
		cmocka_unit_test(test_stop_waits_parked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
