/* test_accept.c - the accept back-off: out of descriptors pauses every
 * listener of a set and logs once; the timer turns them on again (through
 * the owner's callback, or by itself) and the waiting client is taken */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <valgrind/valgrind.h>

#include <errno.h>

#include "testutil.h"

#include "accept.h"
#include "log.h"

struct fixture {
	struct event_base *base;
	struct evconnlistener *lev[2];
	struct sockaddr_in sin[2];
	int accepted;
	int resumed;
	char logpath[64];
};

/* on_accept - count and close what the listener took */
static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct fixture *fx = arg;

	fx->accepted++;
	close(fd);
}

/* on_resume - an owner's resume callback: count, then turn all on */
static void
on_resume(void *arg)
{
	struct fixture *fx = arg;

	fx->resumed++;
	evconnlistener_enable(fx->lev[0]);
	evconnlistener_enable(fx->lev[1]);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	socklen_t sl;
	int i, fd;

	assert_non_null(fx);
	snprintf(fx->logpath, sizeof(fx->logpath), "/tmp/tlsrptd-accept-%d",
	    (int)getpid());
	assert_int_equal(tr_log_open(fx->logpath, TR_LOG_INFO), 0);
	assert_non_null(fx->base = event_base_new());
	for (i = 0; i < 2; i++) {
		assert_true((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
		    0)) != -1);
		memset(&fx->sin[i], 0, sizeof(fx->sin[i]));
		fx->sin[i].sin_family = AF_INET;
		fx->sin[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(fx->sin[i]);
		assert_int_equal(bind(fd, (struct sockaddr *)&fx->sin[i], sl),
		    0);
		assert_int_equal(listen(fd, 8), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&fx->sin[i],
		    &sl), 0);
		assert_non_null(fx->lev[i] = evconnlistener_new(fx->base,
		    on_accept, fx, LEV_OPT_CLOSE_ON_FREE, -1, fd));
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	evconnlistener_free(fx->lev[0]);
	evconnlistener_free(fx->lev[1]);
	event_base_free(fx->base);
	tr_log_close();
	unlink(fx->logpath);
	free(fx);
	return 0;
}

/* client - a connection to listener i, waiting in its backlog */
static int
client(struct fixture *fx, int i)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&fx->sin[i],
	    sizeof(fx->sin[i])), 0);
	return fd;
}

/* starve - one loop turn with no descriptor left for accept(): EMFILE;
 * -1 when the limit does not take, as under valgrind, which keeps
 * descriptors (and answers accept) its own way */
static int
starve(struct fixture *fx)
{
	struct rlimit old, rl;
	int lowest, probe;

	if (RUNNING_ON_VALGRIND)
		return -1;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true((lowest = dup(0)) != -1);
	close(lowest);
	rl = old;
	rl.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	if ((probe = dup(0)) != -1 || errno != EMFILE) {
		if (probe != -1)
			close(probe);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
		return -1;
	}
	event_base_loop(fx->base, EVLOOP_ONCE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	return 0;
}

/* count_lines - lines of the log that hold s */
static int
count_lines(const char *path, const char *s)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(f);
	return n;
}

/* backoff - a pause, one log line for two starving listeners, and the
 * waiting clients taken once the timer has turned accepting on again */
static void
backoff(struct fixture *fx, tr_accept_resume_fn *resume)
{
	struct tr_accept *a;
	int c0, c1;

	assert_non_null(a = tr_accept_new(fx->base, "test", resume, fx));
	assert_int_equal(tr_accept_add(a, fx->lev[0], "first"), 0);
	assert_int_equal(tr_accept_add(a, fx->lev[1], "second"), 0);
	assert_int_equal(tr_accept_paused(a), 0);
	c0 = client(fx, 0);
	c1 = client(fx, 1);
	if (starve(fx) == -1) {
		close(c0);
		close(c1);
		tr_accept_free(a);
		skip();
	}
	assert_int_equal(fx->accepted, 0);
	assert_int_equal(tr_accept_paused(a), 1);
	/* the first error paused both: the second listener never tried */
	assert_int_equal(count_lines(fx->logpath, "not accepting for 1 s"), 1);
	assert_int_equal(count_lines(fx->logpath, "test: accept on first: "
	    "Too many open files: not accepting for 1 s"), 1);
	/* the timer is the only event left: it ends the pause */
	event_base_loop(fx->base, EVLOOP_ONCE);
	assert_int_equal(tr_accept_paused(a), 0);
	assert_int_equal(fx->resumed, resume != NULL ? 1 : 0);
	while (fx->accepted < 2)
		event_base_loop(fx->base, EVLOOP_ONCE);
	assert_int_equal(fx->accepted, 2);
	close(c0);
	close(c1);
	tr_accept_free(a);
}

/* test_owner_resumes - the owner's callback turns the listeners on */
static void
test_owner_resumes(void **state)
{
	backoff(*state, on_resume);
}

/* test_set_resumes - without a callback the set turns them on itself */
static void
test_set_resumes(void **state)
{
	backoff(*state, NULL);
}

/* test_evict_pick - the slowest of those old enough, or none */
static void
test_evict_pick(void **state)
{
	struct timeval now = { 130, 500000 }, old = { 100, 500000 },
	    older = { 90, 500000 }, young = { 130, 0 };
	struct tr_evict e;
	int a, b, c, d;

	(void)state;
	/* 3000 bytes in 30 s is 100/s: old enough at 30, not at 31 */
	tr_evict_start(&e, &now, 31);
	tr_evict_offer(&e, &a, &old, 3000);
	assert_null(e.victim);
	tr_evict_start(&e, &now, 30);
	tr_evict_offer(&e, &a, &old, 3000);
	assert_ptr_equal(e.victim, &a);
	assert_true(e.best > 99.9 && e.best < 100.1);
	/* 3200 in 40 s is slower (80/s); 5000 in 40 s is not */
	tr_evict_offer(&e, &b, &older, 5000);
	assert_ptr_equal(e.victim, &a);
	tr_evict_offer(&e, &c, &older, 3200);
	assert_ptr_equal(e.victim, &c);
	assert_true(e.best > 79.9 && e.best < 80.1);
	/* younger than a second counts as a second: 50 bytes is 50/s */
	tr_evict_start(&e, &now, 0);
	tr_evict_offer(&e, &d, &young, 50);
	assert_ptr_equal(e.victim, &d);
	assert_true(e.best > 49.9 && e.best < 50.1);
	tr_evict_offer(&e, &a, &old, 3000);
	assert_ptr_equal(e.victim, &d);
}

/* test_evict_count - every eviction counted, the log line once a second */
static void
test_evict_count(void **state)
{
	unsigned long n = 0;
	time_t last = 0, t0;

	(void)state;
	tr_evict_count(&n, &last, "smtp", "slow sessions");
	assert_int_equal(n, 1);
	assert_true(last != 0);
	/* logged this second: not again (unless the second is over) */
	t0 = time(NULL);
	last = t0;
	tr_evict_count(&n, &last, "smtp", "slow sessions");
	assert_int_equal(n, 2);
	assert_true(last == t0 || time(NULL) != t0);
	/* logged a second ago: logged now */
	last = time(NULL) - 1;
	tr_evict_count(&n, &last, "smtp", "slow sessions");
	assert_int_equal(n, 3);
	assert_true(last >= t0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_owner_resumes),
		T(test_set_resumes),
		cmocka_unit_test(test_evict_pick),
		cmocka_unit_test(test_evict_count),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
