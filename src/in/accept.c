/* accept.c - one accept back-off for every listener: out of descriptors pauses accepting for a second */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "accept.h"
#include "log.h"

#define BACKOFF_SECONDS	1

struct member {
	struct evconnlistener *lev;
	char *spec;
};

struct tr_accept {
	struct tr_accept *next;		/* in sets */
	char *name;
	struct event *timer;
	tr_accept_resume_fn *resume;
	void *arg;
	struct member *m;
	size_t n;
	int paused;
};

/*
 * Every live set. evconnlistener passes its error callback the
 * listener's own argument, which for an evhttp listener belongs to
 * evhttp: the set is found from the listener here instead. Loop thread
 * only.
 */
static struct tr_accept *sets;

/* set_all - every listener of a on or off */
static void
set_all(struct tr_accept *a, int on)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (on)
			evconnlistener_enable(a->m[i].lev);
		else
			evconnlistener_disable(a->m[i].lev);
	}
}

/* over - the second is over: accept again */
static void
over(evutil_socket_t fd, short what, void *arg)
{
	struct tr_accept *a = arg;

	a->paused = 0;
	if (a->resume != NULL)
		a->resume(a->arg);
	else
		set_all(a, 1);
}

/* find - the set and member of lev, or NULL */
static struct tr_accept *
find(struct evconnlistener *lev, const char **spec)
{
	struct tr_accept *a;
	size_t i;

	for (a = sets; a != NULL; a = a->next)
		for (i = 0; i < a->n; i++)
			if (a->m[i].lev == lev) {
				*spec = a->m[i].spec;
				return a;
			}
	return NULL;
}

/* accept_error - evconnlistener's error callback for every member */
static void
accept_error(struct evconnlistener *lev, void *unused)
{
	struct timeval tv = { BACKOFF_SECONDS, 0 };
	int e = EVUTIL_SOCKET_ERROR();
	struct tr_accept *a;
	const char *spec;

	if ((a = find(lev, &spec)) == NULL)
		return;
	if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
		return;
	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
		log_warnx("%s: accept on %s: %s", a->name, spec, strerror(e));
		return;
	}
	if (a->paused)
		return;
	a->paused = 1;
	log_warnx("%s: accept on %s: %s: not accepting for %d s", a->name,
	    spec, strerror(e), BACKOFF_SECONDS);
	set_all(a, 0);
	evtimer_add(a->timer, &tv);
}

/* tr_accept_new - an empty set on base */
struct tr_accept *
tr_accept_new(struct event_base *base, const char *name,
    tr_accept_resume_fn *resume, void *arg)
{
	struct tr_accept *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((a->name = strdup(name)) == NULL ||
	    (a->timer = evtimer_new(base, over, a)) == NULL) {
		free(a->name);
		free(a);
		return NULL;
	}
	a->resume = resume;
	a->arg = arg;
	a->next = sets;
	sets = a;
	return a;
}

/* tr_accept_add - one more listener in the set */
int
tr_accept_add(struct tr_accept *a, struct evconnlistener *lev,
    const char *spec)
{
	struct member *m;
	char *s;

	if ((s = strdup(spec)) == NULL)
		return -1;
	if ((m = reallocarray(a->m, a->n + 1, sizeof(*m))) == NULL) {
		free(s);
		return -1;
	}
	a->m = m;
	a->m[a->n].lev = lev;
	a->m[a->n++].spec = s;
	evconnlistener_set_error_cb(lev, accept_error);
	return 0;
}

/* tr_accept_paused - whether the set is backing off now */
int
tr_accept_paused(const struct tr_accept *a)
{
	return a != NULL && a->paused;
}

/* tr_accept_free - the timer and the set */
void
tr_accept_free(struct tr_accept *a)
{
	struct tr_accept **pp;
	size_t i;

	if (a == NULL)
		return;
	for (pp = &sets; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	event_free(a->timer);
	for (i = 0; i < a->n; i++)
		free(a->m[i].spec);
	free(a->m);
	free(a->name);
	free(a);
}

/* tr_accept_evhttp - the socket to evhttp, its listener to the set */
struct evhttp_bound_socket *
tr_accept_evhttp(struct tr_accept *a, struct evhttp *http, int *fd,
    const char *spec)
{
	struct evhttp_bound_socket *bs;

	if ((bs = evhttp_accept_socket_with_handle(http, *fd)) == NULL) {
		log_warnx("%s %s: cannot accept on the socket", a->name, spec);
		return NULL;
	}
	*fd = -1;	/* evhttp closes it from now on */
	if (tr_accept_add(a, evhttp_bound_socket_get_listener(bs), spec) ==
	    -1) {
		log_warnx("%s: out of memory", a->name);
		return NULL;
	}
	return bs;
}

/* tr_evict_start - no victim yet, at loop time now */
void
tr_evict_start(struct tr_evict *e, const struct timeval *now,
    unsigned evict_after)
{
	e->now = *now;
	e->after = evict_after;
	e->victim = NULL;
	e->best = 0;
}

/* tr_evict_offer - conn becomes the victim if old enough and slower */
void
tr_evict_offer(struct tr_evict *e, void *conn, const struct timeval *since,
    unsigned long long received)
{
	double age = (double)(e->now.tv_sec - since->tv_sec) +
	    (double)(e->now.tv_usec - since->tv_usec) / 1e6, rate;

	if (age < (double)e->after)
		return;
	rate = (double)received / (age > 1 ? age : 1);
	if (e->victim == NULL || rate < e->best) {
		e->victim = conn;
		e->best = rate;
	}
}

/* tr_evict_count - count an eviction; say so once a second at most */
void
tr_evict_count(unsigned long *n, time_t *last, const char *name,
    const char *what)
{
	time_t now = time(NULL);

	(*n)++;
	if (now == *last)
		return;
	*last = now;
	log_info("%s: every connection slot taken: %s closed to make room "
	    "(%lu so far)", name, what, *n);
}
