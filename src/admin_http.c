/* admin_http.c - evhttp on the loop for GET /metrics and /healthz (the store included); sockets bound early */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "accept.h"
#include "admin_http.h"
#include "listen.h"
#include "log.h"

#define MAX_ADDRS	16	/* more than anyone lists in metrics_listen */

struct listener {
	int fd;
	char *addr;			/* as configured, for messages */
	char *unix_path;		/* to remove on free, or NULL */
	struct evconnlistener *lev;	/* once started; evhttp owns it */
};

struct tr_admin_http {
	struct listener l[MAX_ADDRS];
	size_t n;
	struct evhttp *http;
	struct tr_accept *acc;		/* the accept back-off */
	struct tr_stats *stats;
	struct tr_daemon *d;
};

/* tr_admin_http_listen - every socket bound and listening, or none */
struct tr_admin_http *
tr_admin_http_listen(const struct tr_strlist *addrs, uid_t uid, gid_t gid,
    struct tr_error *err)
{
	struct tr_admin_http *h;
	struct listener *l;
	const char *a;
	size_t i;

	if (addrs->n > MAX_ADDRS) {
		tr_error_set(err, TR_ERR_IO, "metrics_listen: at most %d "
		    "addresses", MAX_ADDRS);
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "metrics_listen: out of memory");
		return NULL;
	}
	for (i = 0; i < addrs->n; i++) {
		a = addrs->v[i];
		l = &h->l[h->n];
		if ((l->addr = strdup(a)) == NULL) {
			tr_error_set(err, TR_ERR_NOMEM, "out of memory");
			goto fail;
		}
		if ((l->fd = tr_listen_open(a, TR_ADMIN_BACKLOG, uid, gid,
		    err)) == -1) {
			tr_error_prefix(err, "metrics_listen");
			free(l->addr);
			goto fail;
		}
		if (tr_listen_unix_path(a) != NULL &&
		    (l->unix_path = strdup(tr_listen_unix_path(a))) == NULL) {
			tr_error_set(err, TR_ERR_NOMEM, "out of memory");
			close(l->fd);
			unlink(tr_listen_unix_path(a));
			free(l->addr);
			goto fail;
		}
		h->n++;
	}
	return h;
fail:
	tr_admin_http_free(h);
	return NULL;
}

/* reply - a short plain-text answer */
static void
reply(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evhttp_request_get_output_buffer(req);

	evhttp_add_header(hdr, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if (code == 405)
		evhttp_add_header(hdr, "Allow", "GET, HEAD");
	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, reason, NULL);
}

/* free_text - evbuffer_add_reference's clean-up of a rendered page */
static void
free_text(const void *data, size_t len, void *arg)
{
	free(arg);
}

/* metrics - the rendered registry */
static void
metrics(struct tr_admin_http *h, struct evhttp_request *req)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	struct tr_daemon_stats ds;
	char *text;
	size_t len;

	tr_daemon_stats(h->d, &ds);
	if (tr_stats_render(h->stats, &ds, &text, &len) == -1) {
		reply(req, 500, "Internal Server Error", "out of memory\n");
		return;
	}
	if (evbuffer_add_reference(b, text, len, free_text, text) == -1) {
		free(text);
		reply(req, 500, "Internal Server Error", "out of memory\n");
		return;
	}
	evhttp_add_header(hdr, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", NULL);
}

/* health - "ok", or 503 naming why the store does not answer (this
 * listener is the operator's: the reason may name the database) */
static void
health(struct tr_admin_http *h, struct evhttp_request *req)
{
	char why[TR_ERRMSG_MAX], text[TR_ERRMSG_MAX + 64];

	if (h->d == NULL || tr_daemon_store_health(h->d, why, sizeof(why))) {
		reply(req, 200, "OK", "ok\n");
		return;
	}
	snprintf(text, sizeof(text), "store unreachable: %s\n", why);
	reply(req, 503, "Service Unavailable", text);
}

/* tr_admin_http_handle - route one request */
void
tr_admin_http_handle(struct evhttp_request *req, void *arg)
{
	struct tr_admin_http *h = arg;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *path;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL)
		path = "";
	if (strcmp(path, "/metrics") != 0 && strcmp(path, "/healthz") != 0) {
		reply(req, 404, "Not Found", "not found: try /metrics\n");
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		reply(req, 405, "Method Not Allowed", "GET or HEAD only\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0)
		health(h, req);
	else
		metrics(h, req);
}

/* tr_admin_http_start - hand the bound sockets to an evhttp on base */
int
tr_admin_http_start(struct tr_admin_http *h, struct event_base *base,
    struct tr_stats *s, struct tr_daemon *d)
{
	struct evhttp_bound_socket *bs;
	size_t i;

	h->stats = s;
	h->d = d;
	if ((h->http = evhttp_new(base)) == NULL ||
	    (h->acc = tr_accept_new(base, "metrics_listen", NULL, NULL)) ==
	    NULL) {
		log_warnx("metrics_listen: cannot set up the HTTP server");
		return -1;
	}
	evhttp_set_timeout(h->http, TR_ADMIN_TIMEOUT);
	evhttp_set_max_headers_size(h->http, TR_ADMIN_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, TR_ADMIN_MAX_BODY);
	/* every method reaches the handler, which answers 405 (evhttp's own
	 * answer to a method not allowed is 501) */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, tr_admin_http_handle, h);
	for (i = 0; i < h->n; i++) {
		if ((bs = tr_accept_evhttp(h->acc, h->http, &h->l[i].fd,
		    h->l[i].addr)) == NULL)
			return -1;
		h->l[i].lev = evhttp_bound_socket_get_listener(bs);
	}
	return 0;
}

/* tr_admin_http_free - close everything, remove the unix sockets */
void
tr_admin_http_free(struct tr_admin_http *h)
{
	size_t i;

	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	tr_accept_free(h->acc);
	for (i = 0; i < h->n; i++) {
		if (h->l[i].fd != -1)
			close(h->l[i].fd);
		if (h->l[i].unix_path != NULL)
			unlink(h->l[i].unix_path);
		free(h->l[i].unix_path);
		free(h->l[i].addr);
	}
	free(h);
}
