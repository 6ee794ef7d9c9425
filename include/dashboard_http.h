/* dashboard_http.h - the dashboard listener: routing and serving the pages over HTTP(S) */
#ifndef TR_DASHBOARD_HTTP_H
#define TR_DASHBOARD_HTTP_H

#include <sys/types.h>

#include "config.h"
#include "dashboard_pages.h"
#include "error.h"
#include "store.h"
#include "tls.h"

struct event_base;
struct tr_dashboard;
struct tr_dash_auth;

/* Bounds on what one client of the dashboard may cost. */
#define TR_DASH_TIMEOUT		30		/* seconds for one request */
#define TR_DASH_MAX_HEADERS	8192		/* bytes of request headers */
#define TR_DASH_MAX_BODY	0		/* GET and HEAD only */
#define TR_DASH_BACKLOG		16
#define TR_DASH_MAX_CONNS	64		/* connections open at once */
#define TR_DASH_QUERY_MS	2000		/* the longest a page may query,
						 * unless set otherwise */

/* The headers every answer carries: nothing is loaded from another
 * host, no script runs, no other site may frame the pages. */
#define TR_DASH_CSP	"default-src 'none'; style-src 'self'; " \
	"img-src 'self'; form-action 'self'; frame-ancestors 'none'; " \
	"base-uri 'none'"

/*
 * tr_dashboard_listen - bind every address of the list ("IPv4:PORT",
 * "[IPv6]:PORT", "*:PORT", "unix:PATH", as metrics_listen) while still
 * privileged. NULL with err set (TR_ERR_IO naming the address) on
 * failure; nothing is left bound then.
 */
struct tr_dashboard *tr_dashboard_listen(const struct tr_strlist *addrs,
    uid_t uid, gid_t gid, struct tr_error *err);

/*
 * tr_dashboard_start - serve the pages on base from st, a store opened
 * read-only and used by this loop only; with ssl (may be NULL) every
 * connection speaks TLS; with auth (may be NULL) every request needs a
 * user of it (401 otherwise, with WWW-Authenticate; 429 while guesses
 * are braked). Each page's queries are cut off after its query time
 * (503) so that the loop is never held for long. st, ssl and auth stay
 * the caller's. Returns 0 or -1 (logged).
 */
int tr_dashboard_start(struct tr_dashboard *h, struct event_base *base,
    struct tr_store *st, SSL_CTX *ssl, struct tr_dash_auth *auth);

/* tr_dashboard_set_query_ms - the longest a page may query from now on
 * (dashboard_query_timeout), in milliseconds; 0 keeps TR_DASH_QUERY_MS */
void tr_dashboard_set_query_ms(struct tr_dashboard *h, unsigned ms);

/* tr_dashboard_free - close the listeners (before the event base goes) and
 * remove unix sockets; st and ssl stay the caller's */
void tr_dashboard_free(struct tr_dashboard *h);

/*
 * tr_dashboard_render - the answer to a GET of path with the query string
 * query (may be NULL): the route table, the parameter check (400 with the
 * parser's message) and the page. Pure: no sockets, for tests and tools.
 */
void tr_dashboard_render(struct tr_store *st, const char *path,
    const char *query, struct tr_dash_page *pg);

#endif
