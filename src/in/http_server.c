/* http_server.c - evhttp on the daemon's loop: sockets, TLS, connection limits, life cycle */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
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
#include "budget.h"
#include "http_framing.h"
#include "http_request.h"
#include "http_server.h"
#include "listen.h"
#include "log.h"
#include "tls.h"

/* --- sockets, bound before privileges are dropped ------------------------ */

/* tr_http_listen - bind every configured address; load the certificate */
enum tr_err
tr_http_listen(const struct tr_config *cfg, uid_t uid, gid_t gid,
    struct tr_http **out, struct tr_error *err)
{
	const struct tr_strlist *lists[2] = { &cfg->http_listen,
	    &cfg->https_listen };
	struct tr_http *h;
	struct lsock *ls;
	size_t i, n = cfg->http_listen.n + cfg->https_listen.n;
	int tls;

	*out = NULL;
	if (n == 0)
		return TR_OK;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->ls = calloc(n, sizeof(*h->ls))) == NULL) {
		free(h);
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	}
	h->cfg = cfg;
	TAILQ_INIT(&h->conns);
	*out = h;
	/* the key is often readable by root alone: load it now */
	if (cfg->https_listen.n > 0 && (h->ssl = tr_tls_server_ctx(
	    cfg->tls_certificate, cfg->tls_key, err)) == NULL)
		return err->code;
	for (tls = 0; tls < 2; tls++)
		for (i = 0; i < lists[tls]->n; i++) {
			ls = &h->ls[h->nls++];
			ls->h = h;
			ls->fd = -1;
			ls->tls = tls;
			if ((ls->spec = strdup(lists[tls]->v[i])) == NULL)
				return tr_error_set(err, TR_ERR_NOMEM,
				    "out of memory");
			if ((ls->fd = tr_listen_open(ls->spec, SOMAXCONN, uid,
			    gid, err)) == -1) {
				tr_error_prefix(err, "%s", tls ?
				    "https_listen" : "http_listen");
				return err->code;
			}
			if (tr_listen_unix_path(ls->spec) != NULL &&
			    (ls->unix_path = strdup(tr_listen_unix_path(
			    ls->spec))) == NULL)
				return tr_error_set(err, TR_ERR_NOMEM,
				    "out of memory");
		}
	return TR_OK;
}

/* --- connections ---------------------------------------------------------- */

/* bucket - the hash chain of a connection's evcon */
static struct conn **
bucket(struct tr_http *h, const struct evhttp_connection *evcon)
{
	uintptr_t k = (uintptr_t)evcon;

	k ^= k >> 17;
	k *= 0x9e3779b97f4a7c15ULL & UINTPTR_MAX;
	return &h->hash[(k >> 7) & h->hmask];
}

/* tr_http_conn_find - our record of evhttp's connection, or NULL */
struct conn *
tr_http_conn_find(struct tr_http *h, const struct evhttp_connection *evcon)
{
	struct conn *c;

	for (c = *bucket(h, evcon); c != NULL; c = c->hnext)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* conn_unhash - take c out of the table */
static void
conn_unhash(struct conn *c)
{
	struct conn **pp;

	if (c->evcon == NULL)
		return;
	for (pp = bucket(c->h, c->evcon); *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
}

/* update_listeners - accept only while running, under the connection
 * limit and not backing off from EMFILE */
static void
update_listeners(struct tr_http *h)
{
	struct evconnlistener *l;
	int want = !h->stopping && !h->at_limit &&
	    !tr_accept_paused(h->acc);
	size_t i;

	for (i = 0; i < h->nls; i++) {
		if (h->ls[i].bound == NULL)
			continue;
		l = evhttp_bound_socket_get_listener(h->ls[i].bound);
		if (want)
			evconnlistener_enable(l);
		else
			evconnlistener_disable(l);
	}
}

/* tr_http_give_back - the request's share of the budget goes back */
void
tr_http_give_back(struct conn *c)
{
	if (c->reserved > 0 && c->h->budget != NULL)
		tr_budget_give(c->h->budget, c->reserved);
	c->reserved = 0;
	c->seen = 0;
}

/* tr_http_budget_full - log, at most once a second, that reports wait for memory */
void
tr_http_budget_full(struct tr_http *h)
{
	tr_budget_refused(h->budget, &h->last_budget_log, "http",
	    "new reports get 503");
}

/*
 * input_cb - bytes were added to the connection's input: the request they
 * belong to takes budget ahead of them (HEADROOM beyond what is read, so
 * that the next read is covered too). A new request when the budget has
 * no room, or one that cannot grow, is refused: reading stops, and it is
 * answered 503 with Retry-After (by on_request if it is already complete,
 * else by conn_event) and the connection closed.
 */
static void
input_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	struct tr_http *h = c->h;
	size_t want, more;

	if (info->n_added == 0)
		return;
	c->received += info->n_added;
	if (h->budget == NULL || c->refused || c->closed)
		return;
	if (c->reserved == 0 && !tr_budget_admit(h->budget))
		goto refuse;
	c->seen += info->n_added;
	want = c->seen + HEADROOM;
	if (want <= c->reserved)
		return;
	/* double, so that a large body takes few steps */
	more = want - c->reserved;
	if (more < c->reserved)
		more = c->reserved;
	if (tr_budget_take(h->budget, more) == -1 && (more == want -
	    c->reserved || tr_budget_take(h->budget, more = want -
	    c->reserved) == -1))
		goto refuse;
	c->reserved += more;
	return;
refuse:
	c->refused = 1;
	tr_http_budget_full(h);
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_READ);
	if (!c->kill_pending && c->ev != NULL && c->evcon != NULL) {
		c->kill_pending = 1;
		event_active(c->ev, 0, 0);
	}
}

/* tr_http_conn_release - the reply of c's request is written (or will never be) */
void
tr_http_conn_release(struct conn *c)
{
	if (c->held) {
		c->held = 0;
		tr_daemon_release(c->h->d);
	}
}

/* conn_free - forget a connection evhttp has freed */
static void
conn_free(struct conn *c)
{
	struct tr_http *h = c->h;

	tr_http_give_back(c);
	if (c->ev != NULL)
		event_free(c->ev);
	TAILQ_REMOVE(&h->conns, c, entry);
	free(c);
	h->nconns--;
	if (h->at_limit && h->nconns < h->cfg->http_max_connections) {
		h->at_limit = 0;
		update_listeners(h);
	}
}

/* conn_closed - evhttp's close callback: the connection is going away */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;

	/* the bufferevent goes right after this callback */
	tr_http_guard_detach(c->guard);
	c->guard = NULL;
	conn_unhash(c);
	c->evcon = NULL;
	c->closed = 1;
	if (c->job != NULL) {	/* not expected: reads are off meanwhile */
		c->job->req = NULL;
		c->job->c = NULL;
		c->job = NULL;
	}
	tr_http_conn_release(c);
	/* what was read of a request cut off goes back now */
	tr_http_give_back(c);
	if (!c->in_deadline)
		conn_free(c);
}

/* tr_http_conn_arm - bound the time the next request may take to arrive */
void
tr_http_conn_arm(struct conn *c)
{
	struct timeval tv = { (time_t)c->h->cfg->http_timeout, 0 };

	if (c->ev != NULL)
		evtimer_add(c->ev, &tv);
}

/*
 * answer_early - a 503 with Retry-After straight to the socket, for a
 * request refused before evhttp has all of it; the connection is closed
 * right after (the reply is short: a fresh socket buffer takes it)
 */
static void
answer_early(struct conn *c)
{
	struct tr_http_reply r;
	char buf[TR_HTTP_TEXT_MAX + 256];
	evutil_socket_t fd;
	int n;

	if (c->bev == NULL || (fd = bufferevent_getfd(c->bev)) == -1 ||
	    c->ls->tls)
		return;		/* no plaintext can reach a TLS client */
	tr_http_busy_reply(ENOMEM, &r);
	n = snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\nContent-Type: "
	    "text/plain; charset=utf-8\r\nRetry-After: %u\r\nConnection: "
	    "close\r\nContent-Length: %zu\r\n\r\n%s", r.status, r.phrase,
	    r.retry_after, strlen(r.body), r.body);
	if (n > 0 && (size_t)n < sizeof(buf)) {
		(void)send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		/* the client may still be sending: end our side first, so
		 * that it reads the reply before the close */
		(void)shutdown(fd, SHUT_WR);
	}
}

/*
 * evict - at http_max_connections: close the connection that has been
 * slowest so far (fewest bytes per second), if it has had evict_after
 * seconds and no request of it is being answered. Idle keep-alive
 * connections and slow senders go first. Returns 0 when one was closed.
 */
static int
evict(struct tr_http *h)
{
	struct conn *c, *victim;
	struct tr_evict pick;
	struct timeval now;

	event_base_gettimeofday_cached(h->base, &now);
	tr_evict_start(&pick, &now, h->cfg->evict_after);
	TAILQ_FOREACH(c, &h->conns, entry)
		if (c->evcon != NULL && !c->closed && c->job == NULL &&
		    !c->held && !c->in_deadline)
			tr_evict_offer(&pick, c, &c->since, c->received);
	if ((victim = pick.victim) == NULL)
		return -1;
	log_debug("http: %s: connection closed to make room (%llu bytes "
	    "read)", victim->ls->spec, victim->received);
	tr_evict_count(&h->evictions, &h->last_evict_log, "http",
	    "slow connections");
	victim->in_deadline = 1;
	evhttp_connection_free(victim->evcon);
	if (victim->closed)
		conn_free(victim);
	else
		victim->in_deadline = 0;
	return 0;
}

/* limit_retry - at the limit and no one to evict before: try again */
static void
limit_retry(evutil_socket_t fd, short what, void *arg)
{
	struct tr_http *h = arg;
	struct timeval tv = { LIMIT_RETRY, 0 };

	if (!h->at_limit || h->stopping)
		return;
	if (evict(h) == -1)
		evtimer_add(h->limit_ev, &tv);
}

/*
 * conn_event - first the adoption, right after evhttp has set up the
 * connection in the same accept callback: learn its evhttp_connection from
 * the bufferevent's callback argument and ask to hear of its end. Then the
 * deadline: a request that is still not complete http_timeout after the
 * connection (or the previous reply) began is cut off, however slowly it
 * trickles in (evhttp's own timeout only bounds each pause).
 */
static void
conn_event(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct tr_http *h = c->h;
	void *cbarg = NULL;

	if (c->evcon == NULL) {
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		/* our extra reference kept the bufferevent: no callback
		 * argument means evhttp gave the connection up already */
		if (cbarg == NULL) {
			tr_http_guard_detach(c->guard);
			c->guard = NULL;
		}
		bufferevent_decref(c->bev);
		if (cbarg == NULL) {
			conn_free(c);
			return;
		}
		c->evcon = cbarg;
		c->hnext = *bucket(h, c->evcon);
		*bucket(h, c->evcon) = c;
		evhttp_connection_set_closecb(c->evcon, conn_closed, c);
		tr_http_conn_arm(c);
		return;
	}
	if (c->kill_pending) {
		c->kill_pending = 0;
		if (!c->refused)
			return;		/* on_request answered it */
		answer_early(c);
		tr_http_log_refusal(c->ls, "-", c->seen, "tempfail", "http",
		    "max_inflight_bytes in use", TR_LOG_WARN);
	} else
		log_debug("http: %s: request not complete within http_timeout "
		    "(%u s); connection closed", c->ls->spec,
		    h->cfg->http_timeout);
	c->in_deadline = 1;
	evhttp_connection_free(c->evcon);
	if (c->closed)
		conn_free(c);
	else
		c->in_deadline = 0;
}

/* new_conn - evhttp's bufferevent callback, once per accepted connection */
static struct bufferevent *
new_conn(struct event_base *base, void *arg)
{
	struct lsock *ls = arg;
	struct tr_http *h = ls->h;
	struct conn *c;
	SSL *ssl = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->h = h;
	c->ls = ls;
	if ((c->ev = event_new(base, -1, 0, conn_event, c)) == NULL)
		goto fail;
	if (ls->tls) {
		if ((ssl = SSL_new(h->ssl)) == NULL)
			goto fail;
		c->bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (c->bev != NULL)
			/* OpenSSL 3: a peer closing without close_notify is
			 * an end of file, not an error */
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else
		c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	/* evhttp reads through the framing guard (http_framing.h): two
	 * Content-Lengths get 400, chunk extensions are ignored */
	if ((c->guard = tr_http_guard_attach(c->bev, MAX_HEADERS)) == NULL) {
		bufferevent_free(c->bev);
		ssl = NULL;	/* freed with its bufferevent */
		goto fail;
	}
	bufferevent_incref(c->bev);
	if (evbuffer_add_cb(bufferevent_get_input(c->bev), input_cb, c) ==
	    NULL) {
		bufferevent_decref(c->bev);
		bufferevent_free(c->bev);
		goto fail;
	}
	event_base_gettimeofday_cached(base, &c->since);
	event_active(c->ev, 0, 0);
	TAILQ_INSERT_TAIL(&h->conns, c, entry);
	if (++h->nconns >= h->cfg->http_max_connections && evict(h) == -1) {
		struct timeval tv = { LIMIT_RETRY, 0 };

		if (!h->warned_limit)
			log_warnx("http: http_max_connections (%u) reached: "
			    "new connections wait until one ends or can be "
			    "closed (evict_after)",
			    h->cfg->http_max_connections);
		h->warned_limit = 1;
		h->at_limit = 1;
		update_listeners(h);
		evtimer_add(h->limit_ev, &tv);
	}
	return c->bev;
fail:
	/* evhttp makes a plain bufferevent of its own: the connection is
	 * not counted, and a report on it is answered 503 (see submit in
	 * http_report.c) */
	log_warnx("http: %s: out of memory for a connection", ls->spec);
	if (ssl != NULL)
		SSL_free(ssl);
	if (c != NULL && c->ev != NULL)
		event_free(c->ev);
	free(c);
	return NULL;
}

/* resume - the accept back-off is over */
static void
resume(void *arg)
{
	update_listeners(arg);
}

/* --- life cycle ----------------------------------------------------------- */

/* tr_http_start - an evhttp per socket on the loop */
int
tr_http_start(struct tr_http *h, struct tr_daemon *d)
{
	struct lsock *ls;
	size_t i, nb;

	if (h == NULL)
		return 0;
	h->d = d;
	h->base = tr_daemon_base(d);
	h->budget = tr_daemon_budget(d);
	/* a client that goes away must not kill the daemon with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	for (nb = 16; nb < 2 * (size_t)h->cfg->http_max_connections &&
	    nb < HASH_MAX; nb *= 2)
		;
	if ((h->hash = calloc(nb, sizeof(*h->hash))) == NULL) {
		log_warn("http");
		return -1;
	}
	h->hmask = nb - 1;
	if ((h->limit_ev = evtimer_new(h->base, limit_retry, h)) == NULL) {
		log_warnx("http: cannot create a timer");
		return -1;
	}
	if ((h->acc = tr_accept_new(h->base, "http", resume, h)) == NULL) {
		log_warnx("http: cannot create a timer");
		return -1;
	}
	for (i = 0; i < h->nls; i++) {
		ls = &h->ls[i];
		if ((ls->eh = evhttp_new(h->base)) == NULL) {
			log_warnx("http: %s: evhttp_new failed", ls->spec);
			return -1;
		}
		evhttp_set_gencb(ls->eh, tr_http_on_request, ls);
		evhttp_set_bevcb(ls->eh, new_conn, ls);
		/* others (TRACE, CONNECT, ...) get evhttp's 501 */
		evhttp_set_allowed_methods(ls->eh, EVHTTP_REQ_GET |
		    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
		    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
		/* a larger body gets evhttp's 413 before it is read */
		evhttp_set_max_body_size(ls->eh,
		    (ev_ssize_t)h->cfg->limits.max_message);
		evhttp_set_max_headers_size(ls->eh, MAX_HEADERS);
		evhttp_set_timeout(ls->eh, (int)h->cfg->http_timeout);
		evhttp_set_default_content_type(ls->eh,
		    "text/plain; charset=utf-8");
		if ((ls->bound = tr_accept_evhttp(h->acc, ls->eh, &ls->fd,
		    ls->spec)) == NULL)
			return -1;
	}
	return 0;
}

/* tr_http_stop - no new connections; the health check says stopping */
void
tr_http_stop(struct tr_http *h)
{
	size_t i;

	if (h == NULL || h->stopping)
		return;
	h->stopping = 1;
	for (i = 0; i < h->nls; i++)
		if (h->ls[i].bound != NULL) {
			evhttp_del_accept_socket(h->ls[i].eh, h->ls[i].bound);
			h->ls[i].bound = NULL;
		}
	/* no back-off timer may keep the loop running */
	tr_accept_free(h->acc);
	h->acc = NULL;
}

/* tr_http_free - everything, connections first */
void
tr_http_free(struct tr_http *h)
{
	struct lsock *ls;
	struct conn *c;
	size_t i;

	if (h == NULL)
		return;
	/* evhttp_free frees the listeners: no changes to them from here */
	h->stopping = 1;
	for (i = 0; i < h->nls; i++)
		h->ls[i].bound = NULL;
	for (i = 0; i < h->nls; i++)
		if (h->ls[i].eh != NULL)
			evhttp_free(h->ls[i].eh);	/* calls conn_closed */
	/* accepted as the loop ended, never adopted: only ours is left */
	while ((c = TAILQ_FIRST(&h->conns)) != NULL) {
		if (c->evcon == NULL) {
			tr_http_guard_detach(c->guard);
			c->guard = NULL;
			bufferevent_decref(c->bev);
		}
		conn_free(c);
	}
	for (i = 0; i < h->nls; i++) {
		ls = &h->ls[i];
		if (ls->fd != -1)
			close(ls->fd);
		if (ls->unix_path != NULL) {
			unlink(ls->unix_path);
			free(ls->unix_path);
		}
		free(ls->spec);
	}
	tr_accept_free(h->acc);
	if (h->limit_ev != NULL)
		event_free(h->limit_ev);
	if (h->ssl != NULL)
		SSL_CTX_free(h->ssl);
	free(h->hash);
	free(h->ls);
	free(h);
}
