/* accept.h - one accept back-off for every listener: out of descriptors pauses accepting for a second */
#ifndef TR_ACCEPT_H
#define TR_ACCEPT_H

#include <sys/time.h>
#include <time.h>

#include <event2/event.h>
#include <event2/listener.h>

/*
 * The listeners of one server (the SMTP and LMTP sockets, the HTTP(S)
 * endpoint, metrics, the dashboard) share one back-off. An accept error
 * of EAGAIN or EINTR is nothing; EMFILE, ENFILE, ENOBUFS or ENOMEM turn
 * every listener of the set off and a 1 s timer on (a pending connection
 * would otherwise wake the loop endlessly); anything else is logged. All
 * on the loop's thread.
 */
struct tr_accept;

/* resume callback: the pause is over; the owner turns on what its own
 * rules allow (tr_accept_paused is 0 by then) */
typedef void tr_accept_resume_fn(void *arg);

/* tr_accept_new - an empty set on base; name starts its log lines
 * ("smtp", "metrics_listen"); resume may be NULL: every listener of the
 * set is then turned on again. NULL when out of memory. */
struct tr_accept *tr_accept_new(struct event_base *base, const char *name,
    tr_accept_resume_fn *resume, void *arg);

/* tr_accept_add - put lev (named spec in messages, copied) in the set and
 * route its accept errors here; it replaces lev's error callback, whose
 * argument (evhttp's, for an evhttp listener) is not used. -1 when out of
 * memory. */
int tr_accept_add(struct tr_accept *a, struct evconnlistener *lev,
    const char *spec);

struct evhttp;
struct evhttp_bound_socket;

/* tr_accept_evhttp - give the bound, listening socket *fd (named spec) to
 * http and its listener to the set: *fd is then evhttp's, and -1 here.
 * NULL, logged, when evhttp cannot take it or out of memory. */
struct evhttp_bound_socket *tr_accept_evhttp(struct tr_accept *a,
    struct evhttp *http, int *fd, const char *spec);

/* tr_accept_paused - whether the set is backing off now */
int tr_accept_paused(const struct tr_accept *a);

/*
 * Slowest-first eviction, for the SMTP and HTTP listeners at their
 * connection limit. tr_evict_start, then tr_evict_offer for each
 * connection that may be closed (open since `since`, loop time, having
 * sent `received` bytes): victim is then the one with the fewest bytes per
 * second among those evict_after seconds old or more (younger than a
 * second counts as a second), or NULL; best is its rate.
 */
struct tr_evict {
	struct timeval now;
	unsigned after;
	void *victim;
	double best;
};
void tr_evict_start(struct tr_evict *e, const struct timeval *now,
    unsigned evict_after);
void tr_evict_offer(struct tr_evict *e, void *conn,
    const struct timeval *since, unsigned long long received);

/* tr_evict_count - one more eviction in *n, logged at most once a second
 * (*last): "NAME: every connection slot taken: WHAT closed to make room" */
void tr_evict_count(unsigned long *n, time_t *last, const char *name,
    const char *what);

/* tr_accept_free - the timer and the set, before or after the listeners
 * themselves are freed; NULL is nothing */
void tr_accept_free(struct tr_accept *a);

#endif
