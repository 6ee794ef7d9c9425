/* http_listeners.c - an evhttp server's listening sockets, from binding to
 * removing their files */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/http.h>

#include "http_listeners.h"
#include "listen.h"

/* tr_hl_bind - every address bound and listening, or none */
int
tr_hl_bind(struct tr_hl *hl, const struct tr_strlist *addrs,
    const char *name, int backlog, uid_t uid, gid_t gid,
    struct tr_error *err)
{
	struct tr_hl_socket *l;
	const char *a;
	size_t i;

	if (addrs->n > TR_HL_MAX) {
		tr_error_set(err, TR_ERR_IO, "%s: at most %d addresses", name,
		    TR_HL_MAX);
		return -1;
	}
	for (i = 0; i < addrs->n; i++) {
		a = addrs->v[i];
		l = &hl->s[hl->n];
		memset(l, 0, sizeof(*l));
		if ((l->addr = strdup(a)) == NULL) {
			tr_error_set(err, TR_ERR_NOMEM, "out of memory");
			goto fail;
		}
		if ((l->fd = tr_listen_open(a, backlog, uid, gid, err)) == -1) {
			tr_error_prefix(err, "%s", name);
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
		hl->n++;
	}
	return 0;
fail:
	tr_hl_close(hl);
	return -1;
}

/* tr_hl_attach - every socket to http */
int
tr_hl_attach(struct tr_hl *hl, struct tr_accept *acc, struct evhttp *http)
{
	struct evhttp_bound_socket *bs;
	size_t i;

	for (i = 0; i < hl->n; i++) {
		if ((bs = tr_accept_evhttp(acc, http, &hl->s[i].fd,
		    hl->s[i].addr)) == NULL)
			return -1;
		hl->s[i].lev = evhttp_bound_socket_get_listener(bs);
	}
	return 0;
}

/* tr_hl_every_method - every method to the handlers */
void
tr_hl_every_method(struct evhttp *http)
{
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
}

/* tr_hl_close - close, remove, free */
void
tr_hl_close(struct tr_hl *hl)
{
	size_t i;

	for (i = 0; i < hl->n; i++) {
		if (hl->s[i].fd != -1)
			close(hl->s[i].fd);
		if (hl->s[i].unix_path != NULL)
			unlink(hl->s[i].unix_path);
		free(hl->s[i].unix_path);
		free(hl->s[i].addr);
	}
	hl->n = 0;
}
