/* admin_http.h - the admin listener: GET /metrics and GET /healthz over HTTP */
#ifndef TR_ADMIN_HTTP_H
#define TR_ADMIN_HTTP_H

#include <sys/types.h>

#include "config.h"
#include "daemon.h"
#include "error.h"
#include "stats.h"

struct event_base;
struct evhttp_request;
struct tr_admin_http;

/* Bounds on what a client of the admin listener may cost. */
#define TR_ADMIN_TIMEOUT	10		/* seconds for one request */
#define TR_ADMIN_MAX_HEADERS	8192		/* bytes of request headers */
#define TR_ADMIN_MAX_BODY	1024		/* bytes of a request body */
#define TR_ADMIN_BACKLOG	16

/*
 * tr_admin_http_listen - bind and listen on every address of the list
 * (metrics_listen: "IPv4:PORT", "[IPv6]:PORT", "*:PORT", "unix:PATH"),
 * while still privileged. A unix socket replaces a stale one, gets mode
 * 0660 and, when uid/gid are not -1, that owner. NULL with err set
 * (TR_ERR_IO naming the address) on failure; nothing is left bound then.
 */
struct tr_admin_http *tr_admin_http_listen(const struct tr_strlist *addrs,
    uid_t uid, gid_t gid, struct tr_error *err);

/*
 * tr_admin_http_start - serve on base (the daemon's loop): GET or HEAD of
 * /metrics renders s with d's queue figures, /healthz answers "ok", or
 * 503 "store unreachable: REASON" when tr_daemon_store_health says the
 * store does not answer; other paths 404, other methods 405. Returns 0 or
 * -1 (logged).
 */
int tr_admin_http_start(struct tr_admin_http *h, struct event_base *base,
    struct tr_stats *s, struct tr_daemon *d);

/*
 * tr_admin_http_handle - the request handler, with a started h as arg: for
 * mounting the same answers on another evhttp (e.g. a public listener)
 */
void tr_admin_http_handle(struct evhttp_request *req, void *arg);

/* tr_admin_http_free - close the listeners (before the event base goes)
 * and remove unix sockets */
void tr_admin_http_free(struct tr_admin_http *h);

#endif
