/* dashboard_http.c - evhttp on the loop for the dashboard: routes, headers, TLS, bounds */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "accept.h"
#include "dashboard_auth.h"
#include "dashboard_http.h"
#include "db.h"
#include "http_listeners.h"
#include "listen.h"
#include "log.h"

/* One accepted connection, counted until evhttp closes it. */
struct conn {
	struct tr_dashboard *h;
	struct bufferevent *bev;	/* referenced until adopted */
	struct event *adopt;		/* runs once evhttp has set it up */
};

struct tr_dashboard {
	struct tr_hl ls;		/* the listening sockets */
	struct evhttp *http;
	struct tr_accept *acc;		/* the accept back-off */
	size_t nconns;			/* connections open now */
	int at_limit;			/* accept paused at TR_DASH_MAX_CONNS */
	int warned_limit;		/* said so once */
	struct tr_store *st;
	SSL_CTX *ssl;
	struct tr_dash_auth *auth;	/* basic authentication, or NULL */
	struct timespec deadline;	/* of the page being built; 0 = none */
	int timed_out;			/* the deadline check cut it off */
	unsigned query_ms;		/* the longest a page may query */
};

/* The pages, by path. */
static const struct {
	const char *path;
	tr_dash_page_fn *fn;
} routes[] = {
	{ "/", tr_dash_overview },
	{ "/domain", tr_dash_domain },
	{ "/reports", tr_dash_reports },
	{ "/report", tr_dash_report },
	{ "/quarantine", tr_dash_quarantine },
	{ "/message", tr_dash_message },
	{ "/message.eml", tr_dash_message_raw },
	{ "/senders", tr_dash_senders },
	{ "/style.css", tr_dash_style },
};

/* tr_dashboard_render - route, check the parameters, build the page */
void
tr_dashboard_render(struct tr_store *st, const char *path, const char *query,
    struct tr_dash_page *pg)
{
	struct tr_dash_params p;
	struct tr_error err;
	size_t i;

	memset(pg, 0, sizeof(*pg));
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(path, routes[i].path) == 0)
			break;
	if (i == sizeof(routes) / sizeof(routes[0])) {
		tr_dash_error_page(pg, 404, "no such page: try the overview");
		return;
	}
	if (tr_dash_params_parse(query, query != NULL ? strlen(query) : 0, &p,
	    &err) != TR_OK) {
		tr_dash_error_page(pg, err.code == TR_ERR_TOO_LARGE ? 414 : 400,
		    err.msg);
		return;
	}
	routes[i].fn(st, &p, pg);
	if (!tr_buf_ok(&pg->body))
		tr_dash_error_page(pg, 503, "out of memory");
}

/* tr_dashboard_listen - every socket bound and listening, or none */
struct tr_dashboard *
tr_dashboard_listen(const struct tr_strlist *addrs, uid_t uid, gid_t gid,
    struct tr_error *err)
{
	struct tr_dashboard *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "dashboard_listen: out of "
		    "memory");
		return NULL;
	}
	h->query_ms = TR_DASH_QUERY_MS;
	if (tr_hl_bind(&h->ls, addrs, "dashboard_listen", TR_DASH_BACKLOG,
	    uid, gid, err) == -1) {
		free(h);
		return NULL;
	}
	return h;
}

/* update_listeners - accept only under the connection limit and when
 * not backing off from EMFILE */
static void
update_listeners(struct tr_dashboard *h)
{
	size_t i;

	for (i = 0; i < h->ls.n; i++) {
		if (h->ls.s[i].lev == NULL)
			continue;
		if (h->at_limit || tr_accept_paused(h->acc))
			evconnlistener_disable(h->ls.s[i].lev);
		else
			evconnlistener_enable(h->ls.s[i].lev);
	}
}

/* resume - the accept back-off is over */
static void
resume(void *arg)
{
	update_listeners(arg);
}

/* over_time - the store's deadline check (tr_db_set_deadline): interrupt a
 * page's query once the page's deadline has passed, so a huge database
 * cannot hold the loop */
static int
over_time(void *arg)
{
	struct tr_dashboard *h = arg;
	struct timespec now;

	if (h->deadline.tv_sec == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > h->deadline.tv_sec || (now.tv_sec ==
	    h->deadline.tv_sec && now.tv_nsec >= h->deadline.tv_nsec)) {
		h->timed_out = 1;
		return 1;
	}
	return 0;
}

/* headers - what every answer carries */
static void
headers(struct evkeyvalq *hdr, const char *content_type)
{
	evhttp_add_header(hdr, "Content-Type", content_type);
	evhttp_add_header(hdr, "Content-Security-Policy", TR_DASH_CSP);
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(hdr, "X-Frame-Options", "DENY");
	evhttp_add_header(hdr, "Referrer-Policy", "no-referrer");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
}

/* free_body - evbuffer_add_reference's clean-up of a page */
static void
free_body(const void *data, size_t len, void *arg)
{
	free(arg);
}

/* reason - the phrase of the statuses we send */
static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* authorized - with a users file, whether the request's credentials pass;
 * when not, pg holds the 401 (or 429) to send */
static int
authorized(struct tr_dashboard *h, struct evhttp_request *req,
    struct tr_dash_page *pg)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	char user[TR_AUTH_NAME_MAX + 1];
	const char *cred;

	if (h->auth == NULL)
		return 1;
	cred = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	memset(pg, 0, sizeof(*pg));
	switch (tr_dash_auth_check(h->auth, cred, time(NULL), user)) {
	case TR_AUTH_OK:
		return 1;
	case TR_AUTH_BUSY:
		tr_dash_error_page(pg, 429, "too many failed logins: try again "
		    "in a second");
		evhttp_add_header(hdr, "Retry-After", "1");
		return 0;
	case TR_AUTH_DENIED:
		break;
	}
	if (cred != NULL)
		log_info("dashboard: wrong credentials for user \"%s\"", user);
	tr_dash_error_page(pg, 401, "log in with a user of the dashboard's "
	    "users file");
	evhttp_add_header(hdr, "WWW-Authenticate",
	    "Basic realm=\"tlsrptd dashboard\", charset=\"UTF-8\"");
	return 0;
}

/* handle - one request: GET or HEAD of a page */
static void
handle(struct evhttp_request *req, void *arg)
{
	struct tr_dashboard *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct tr_dash_page pg;
	const char *path;
	char disp[128];

	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	if (!authorized(h, req, &pg))
		;	/* pg is the refusal */
	else if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		memset(&pg, 0, sizeof(pg));
		tr_dash_error_page(&pg, 405, "the dashboard is read-only: GET "
		    "or HEAD");
		evhttp_add_header(hdr, "Allow", "GET, HEAD");
	} else {
		clock_gettime(CLOCK_MONOTONIC, &h->deadline);
		h->deadline.tv_sec += h->query_ms / 1000;
		h->deadline.tv_nsec += (long)(h->query_ms % 1000) * 1000000L;
		if (h->deadline.tv_nsec >= 1000000000L) {
			h->deadline.tv_sec++;
			h->deadline.tv_nsec -= 1000000000L;
		}
		h->timed_out = 0;
		tr_dashboard_render(h->st, path, uri != NULL ?
		    evhttp_uri_get_query(uri) : NULL, &pg);
		h->deadline.tv_sec = 0;
		if (h->timed_out) {
			log_warnx("dashboard: %s took longer than %u ms: "
			    "cut off", path, h->query_ms);
			tr_dash_error_page(&pg, 503, "this page needs more "
			    "than the database can answer quickly: narrow "
			    "the date range or the filters");
		}
	}
	headers(hdr, pg.content_type);
	if (pg.filename[0] != '\0') {
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
		    pg.filename);
		evhttp_add_header(hdr, "Content-Disposition", disp);
	}
	if (pg.body.len > 0) {
		if (evbuffer_add_reference(out, pg.body.p, pg.body.len,
		    free_body, pg.body.p) == -1)
			tr_buf_free(&pg.body);
	} else
		tr_buf_free(&pg.body);
	evhttp_send_reply(req, pg.status, reason(pg.status), NULL);
}

/* conn_closed - evhttp's close callback: one connection fewer */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	struct tr_dashboard *h = c->h;

	h->nconns--;
	if (h->at_limit && h->nconns < TR_DASH_MAX_CONNS) {
		h->at_limit = 0;
		update_listeners(h);
	}
	free(c);
}

/*
 * conn_adopt - right after the accept callback in which evhttp made its
 * connection around our bufferevent: learn that connection from the
 * bufferevent's callback argument and ask to hear of its end. No argument
 * means evhttp already gave the connection up.
 */
static void
conn_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct tr_dashboard *h = c->h;
	void *evcon = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	bufferevent_decref(c->bev);
	event_free(c->adopt);
	c->adopt = NULL;
	if (evcon == NULL) {
		conn_closed(NULL, c);
		return;
	}
	evhttp_connection_set_closecb(evcon, conn_closed, c);
	(void)h;
}

/*
 * new_conn - evhttp's bufferevent callback, once per accepted connection:
 * TLS when configured; the connection is counted, and at
 * TR_DASH_MAX_CONNS the listeners pause until one ends (new clients wait
 * in the kernel's queue), so that the dashboard cannot take the
 * descriptors the daemon's other listeners need
 */
static struct bufferevent *
new_conn(struct event_base *base, void *arg)
{
	struct tr_dashboard *h = arg;
	struct conn *c;
	SSL *ssl = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->h = h;
	if ((c->adopt = event_new(base, -1, 0, conn_adopt, c)) == NULL)
		goto fail;
	if (h->ssl != NULL) {
		if ((ssl = SSL_new(h->ssl)) == NULL)
			goto fail;
		c->bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (c->bev != NULL)
			/* OpenSSL 3: a browser closing without close_notify
			 * is not an error */
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev,
			    1);
	} else
		c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	bufferevent_incref(c->bev);
	event_active(c->adopt, 0, 0);
	if (++h->nconns >= TR_DASH_MAX_CONNS) {
		if (!h->warned_limit)
			log_warnx("dashboard: %d connections open: new ones "
			    "wait until one ends", TR_DASH_MAX_CONNS);
		h->warned_limit = 1;
		h->at_limit = 1;
		update_listeners(h);
	}
	return c->bev;
fail:
	/* evhttp makes a plain bufferevent of its own: uncounted (and with
	 * TLS configured, a client that speaks it fails its handshake) */
	if (ssl != NULL && c->bev == NULL)
		SSL_free(ssl);
	if (c->adopt != NULL)
		event_free(c->adopt);
	free(c);
	return NULL;
}

/* tr_dashboard_start - hand the bound sockets to an evhttp on base */
int
tr_dashboard_start(struct tr_dashboard *h, struct event_base *base,
    struct tr_store *st, SSL_CTX *ssl, struct tr_dash_auth *auth)
{
	h->st = st;
	h->ssl = ssl;
	h->auth = auth;
	if ((h->http = evhttp_new(base)) == NULL ||
	    (h->acc = tr_accept_new(base, "dashboard_listen", resume, h)) ==
	    NULL) {
		log_warnx("dashboard_listen: cannot set up the HTTP server");
		return -1;
	}
	tr_db_set_deadline(tr_store_conn(st), over_time, h);
	evhttp_set_timeout(h->http, TR_DASH_TIMEOUT);
	evhttp_set_max_headers_size(h->http, TR_DASH_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, TR_DASH_MAX_BODY);
	/* every method reaches the handler, which answers 405 */
	tr_hl_every_method(h->http);
	evhttp_set_gencb(h->http, handle, h);
	evhttp_set_bevcb(h->http, new_conn, h);
	return tr_hl_attach(&h->ls, h->acc, h->http);
}

/* tr_dashboard_set_query_ms - the longest a page may query from now on */
void
tr_dashboard_set_query_ms(struct tr_dashboard *h, unsigned ms)
{
	h->query_ms = ms > 0 ? ms : TR_DASH_QUERY_MS;
}

/* tr_dashboard_free - close everything, remove the unix sockets */
void
tr_dashboard_free(struct tr_dashboard *h)
{
	size_t i;

	if (h == NULL)
		return;
	if (h->st != NULL)
		tr_db_set_deadline(tr_store_conn(h->st), NULL, NULL);
	/* evhttp frees the listeners before the connections, whose close
	 * callbacks must then not touch them */
	for (i = 0; i < h->ls.n; i++)
		h->ls.s[i].lev = NULL;
	if (h->http != NULL)
		evhttp_free(h->http);
	tr_accept_free(h->acc);
	tr_hl_close(&h->ls);
	free(h);
}
