/* http_server.h - the HTTP(S) report endpoint (rua=https:, RFC 8460 section
 * 5.4) on the loop: its interface, and its own types, shared by its
 * connections (http_server.c) and reports (http_report.c) */
#ifndef TR_HTTP_SERVER_H
#define TR_HTTP_SERVER_H

#include <sys/queue.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <stddef.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "budget.h"
#include "config.h"
#include "daemon.h"
#include "error.h"
#include "http_framing.h"
#include "http_request.h"
#include "log.h"

#define MAX_HEADERS	(64 * 1024)	/* request line and header section */
#define HASH_MAX	65536		/* buckets of the connection table */
#define SOURCE_MAX	(INET6_ADDRSTRLEN + 8)
#define HEADROOM	(64 * 1024)	/* budget taken ahead of what is read:
					 * more than one read (16 KiB) */
#define LIMIT_RETRY	1		/* seconds between evictions at the
					 * connection limit */

struct tr_http;

/* One listening socket, with an evhttp of its own: plain or TLS, and
 * whether its peers are local processes (a unix socket). */
struct lsock {
	struct tr_http *h;
	char *spec;			/* as configured, for messages */
	char *unix_path;		/* to remove at the end, or NULL */
	int fd;				/* until evhttp owns it */
	int tls;
	struct evhttp *eh;
	struct evhttp_bound_socket *bound;
};

/* One client connection, from accept until evhttp frees it. */
struct conn {
	struct tr_http *h;
	struct lsock *ls;
	struct bufferevent *bev;
	struct tr_http_guard *guard;	/* on bev's input while it lives */
	struct evhttp_connection *evcon; /* NULL until adopted */
	struct event *ev;		/* adoption, then the request deadline */
	struct hjob *job;		/* a report awaiting its commit */
	int held;			/* a reply is on its way: the loop waits */
	int in_deadline, closed;
	/* The request being read counts against the budget from its first
	 * byte: what evhttp holds of it (in the bufferevent, then in the
	 * request) is at most reserved. */
	size_t reserved;		/* taken from the budget */
	size_t seen;			/* read since the request began */
	int refused;			/* no budget: it gets 503 */
	int kill_pending;		/* conn_event is to answer 503 and close */
	unsigned long long received;	/* bytes read on the connection */
	struct timeval since;		/* accepted (loop time) */
	struct conn *hnext;		/* hash chain by evcon */
	TAILQ_ENTRY(conn) entry;	/* every connection */
};

/* One report handed to the loop. */
struct hjob {
	struct tr_job job;
	struct tr_http *h;
	unsigned char *body;		/* the report, owned; its len bytes
					 * stay taken from the budget */
	struct evhttp_request *req;	/* NULL once the connection is gone */
	struct conn *c;
	char source[SOURCE_MAX];
	char media_type[128];
	char note[TR_HTTP_TEXT_MAX];
};

struct tr_http {
	const struct tr_config *cfg;
	struct tr_daemon *d;
	struct event_base *base;
	SSL_CTX *ssl;
	struct lsock *ls;
	size_t nls;
	unsigned nconns;
	int at_limit, stopping, warned_limit;
	struct tr_accept *acc;		/* the accept back-off */
	struct conn **hash;
	size_t hmask;
	TAILQ_HEAD(, conn) conns;
	struct tr_budget *budget;	/* or NULL */
	time_t last_budget_log, last_evict_log;
	struct event *limit_ev;		/* at the limit: try an eviction */
	unsigned long evictions;
};

/* Connections (http_server.c), for the request handler. */

/* tr_http_conn_find - the connection of evcon, or NULL */
struct conn *tr_http_conn_find(struct tr_http *h,
    const struct evhttp_connection *evcon);

/* tr_http_give_back - the request's share of the budget goes back */
void tr_http_give_back(struct conn *c);

/* tr_http_budget_full - log, at most once a second, that reports wait
 * for memory */
void tr_http_budget_full(struct tr_http *h);

/* tr_http_conn_release - the reply the daemon was held for is out */
void tr_http_conn_release(struct conn *c);

/* tr_http_conn_arm - bound the time the next request may take */
void tr_http_conn_arm(struct conn *c);

/* Reports (http_report.c), for the connections and the life cycle. */

/* tr_http_log_refusal - the log line of a report the endpoint turned
 * away before the pipeline saw it */
void tr_http_log_refusal(const struct lsock *ls, const char *source,
    size_t len, const char *outcome, const char *reason_class,
    const char *reason, enum tr_loglevel level);

/* tr_http_on_request - evhttp's callback for every complete request;
 * arg is the struct lsock it came in on */
void tr_http_on_request(struct evhttp_request *req, void *arg);

/* The endpoint, as the receivers table drives it. */
struct tr_http;

/*
 * tr_http_listen - bind every http_listen and https_listen address and load
 * the TLS certificate and key, while still privileged. A unix: socket gets
 * mode 0660 and, when uid/gid are not -1, that owner; a stale one is
 * replaced. *out is NULL (and TR_OK) when no HTTP listener is configured.
 * cfg must outlive the endpoint. Errors name the address (TR_ERR_IO).
 */
enum tr_err tr_http_listen(const struct tr_config *cfg, uid_t uid, gid_t gid,
    struct tr_http **out, struct tr_error *err);

/*
 * tr_http_start - serve on d's loop (after tr_daemon_new): each report is
 * answered after the commit that holds it, and the loop is held until that
 * answer is written. Ignores SIGPIPE process-wide. 0, or -1 (logged). h may
 * be NULL.
 */
int tr_http_start(struct tr_http *h, struct tr_daemon *d);

/* tr_http_stop - on the loop thread when the daemon begins to stop: close
 * the listening sockets; the health check answers 503 from then on */
void tr_http_stop(struct tr_http *h);

/* tr_http_free - close every connection and socket, remove unix sockets;
 * after tr_daemon_run and before tr_daemon_free. h may be NULL. */
void tr_http_free(struct tr_http *h);

#endif
