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
#include "http_listeners.h"
#include "log.h"

struct tr_admin_http {
	struct tr_hl ls;		/* the listening sockets */
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

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "metrics_listen: out of memory");
		return NULL;
	}
	if (tr_hl_bind(&h->ls, addrs, "metrics_listen", TR_ADMIN_BACKLOG, uid,
	    gid, err) == -1) {
		free(h);
		return NULL;
	}
	return h;
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
	/* every method reaches the handler, which answers 405 */
	tr_hl_every_method(h->http);
	evhttp_set_gencb(h->http, tr_admin_http_handle, h);
	return tr_hl_attach(&h->ls, h->acc, h->http);
}

/* tr_admin_http_free - close everything, remove the unix sockets */
void
tr_admin_http_free(struct tr_admin_http *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	tr_accept_free(h->acc);
	tr_hl_close(&h->ls);
	free(h);
}
