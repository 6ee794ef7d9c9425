/* smtp_listener.c - the SMTP and LMTP listeners: bind, admit within the limits, back off, stop */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "accept.h"
#include "listen.h"
#include "log.h"
#include "smtp_listener.h"
#include "smtp_server.h"
#include "tls.h"

#define BACKLOG		511
#define STOP_WRITE_SECONDS 5		/* for the last reply when stopping */

/* rcpt_ok - the session's recipient check: rua addresses only */
static int
rcpt_ok(const char *addr, void *arg)
{
	return tr_config_is_rua(arg, addr);
}

/* budget_full - log, at most once a second, that messages wait for memory */
static void
budget_full(struct tr_smtp_server *srv)
{
	tr_budget_refused(srv->budget, &srv->last_budget_log, "smtp",
	    "new messages get 452 4.3.1");
}

/* mem_admit - the session's question at MAIL and DATA */
static int
mem_admit(void *arg)
{
	struct tr_smtp_server *srv = arg;

	if (tr_budget_admit(srv->budget))
		return 1;
	budget_full(srv);
	return 0;
}

/* mem_grow - the session's message buffer wants n more bytes */
static int
mem_grow(size_t n, void *arg)
{
	struct tr_smtp_server *srv = arg;

	if (tr_budget_take(srv->budget, n) == 0)
		return 1;
	budget_full(srv);
	return 0;
}

/* mem_shrink - n bytes of a message buffer are freed */
static void
mem_shrink(size_t n, void *arg)
{
	struct tr_smtp_server *srv = arg;

	tr_budget_give(srv->budget, n);
}

/* settings - the session settings of a client of srv */
static void
settings(struct tr_smtp_server *srv, int lmtp, struct tr_smtp_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->lmtp = lmtp;
	set->hostname = srv->hostname;
	set->max_message = srv->cfg->limits.max_message;
	set->max_line = TR_SMTP_LINE_MAX;
	set->max_rcpt = TR_SMTP_RCPT_MAX;
	set->max_errors = TR_SMTP_ERRORS_MAX;
	set->starttls = srv->tls != NULL;
	set->rcpt_ok = rcpt_ok;
	set->rcpt_arg = (void *)srv->cfg;
	if (srv->budget != NULL) {
		set->admit = mem_admit;
		set->grow = mem_grow;
		set->shrink = mem_shrink;
		set->mem_arg = srv;
	}
}

/* tr_smtp_listen - every configured listener, bound now */
enum tr_err
tr_smtp_listen(const struct tr_config *cfg, uid_t uid, gid_t gid,
    struct tr_smtp_server **out, struct tr_error *err)
{
	struct tr_smtp_server *srv;
	const struct tr_strlist *lists[2] = { &cfg->smtp_listen,
	    &cfg->lmtp_listen };
	struct listener *l;
	size_t i, k, n = cfg->smtp_listen.n + cfg->lmtp_listen.n;
	enum tr_err rc;

	*out = NULL;
	if (n == 0)
		return TR_OK;
	if ((srv = calloc(1, sizeof(*srv))) == NULL ||
	    (srv->ls = calloc(n, sizeof(*srv->ls))) == NULL) {
		free(srv);
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
	}
	srv->cfg = cfg;
	LIST_INIT(&srv->conns);
	if (cfg->smtp_hostname != NULL)
		snprintf(srv->hostname, sizeof(srv->hostname), "%s",
		    cfg->smtp_hostname);
	else if (gethostname(srv->hostname, sizeof(srv->hostname)) == -1 ||
	    srv->hostname[0] == '\0')
		snprintf(srv->hostname, sizeof(srv->hostname), "localhost");
	srv->hostname[TR_SMTP_HOSTNAME_MAX] = '\0';
	for (k = 0; k < 2; k++)
		for (i = 0; i < lists[k]->n; i++) {
			l = &srv->ls[srv->nls++];
			l->srv = srv;
			l->fd = -1;
			l->lmtp = k == 1;
			if ((l->spec = strdup(lists[k]->v[i])) == NULL) {
				rc = tr_error_set(err, TR_ERR_NOMEM, "out of "
				    "memory");
				goto fail;
			}
			l->fd = tr_listen_open(l->spec, BACKLOG, uid, gid, err);
			rc = l->fd == -1 ? err->code : TR_OK;
			if (rc == TR_OK && tr_listen_unix_path(l->spec) != NULL &&
			    (l->path = strdup(tr_listen_unix_path(l->spec))) ==
			    NULL)
				rc = tr_error_set(err, TR_ERR_NOMEM, "out of "
				    "memory");
			if (rc != TR_OK) {
				tr_error_prefix(err, "%s", k == 0 ?
				    "smtp_listen" : "lmtp_listen");
				goto fail;
			}
		}
	/* the key may be readable by root alone: load it now */
	if (cfg->tls_certificate != NULL && (srv->tls = tr_tls_server_ctx(
	    cfg->tls_certificate, cfg->tls_key, err)) == NULL) {
		rc = err->code;
		goto fail;
	}
	*out = srv;
	return TR_OK;
fail:
	tr_smtp_free(srv);
	return rc;
}

/* per_client - connections from one address with a socket */
static unsigned
per_client(struct tr_smtp_server *srv, const char *addr)
{
	struct conn *c;
	unsigned n = 0;

	LIST_FOREACH(c, &srv->conns, entry)
		if (c->bev != NULL && strcmp(c->client, addr) == 0)
			n++;
	return n;
}

/*
 * evict - make room for a newcomer when every slot is taken: the session
 * that has been slowest so far (fewest bytes per second since it
 * connected) is closed, provided it has had evict_after seconds and
 * is neither storing a message nor already closing. Idle sessions and
 * slow talkers go first, so that tricklers cannot keep a sender that
 * talks at a normal pace out. Returns 0 when a slot was freed.
 */
static int
evict(struct tr_smtp_server *srv)
{
	struct conn *c, *victim;
	struct tr_evict pick;
	struct timeval now;
	struct evbuffer *out;

	event_base_gettimeofday_cached(srv->base, &now);
	tr_evict_start(&pick, &now, srv->cfg->evict_after);
	LIST_FOREACH(c, &srv->conns, entry)
		if (c->bev != NULL && !c->waiting && !c->closing)
			tr_evict_offer(&pick, c, &c->since, c->received);
	if ((victim = pick.victim) == NULL)
		return -1;
	log_debug("smtp: %s: closed to make room (%llu bytes in its session)",
	    victim->client, victim->received);
	tr_evict_count(&srv->evictions, &srv->last_evict_log, "smtp",
	    "slow sessions");
	if (!victim->tls && !victim->handshaking) {
		/* the last word, if the socket takes it at once */
		tr_smtp_close(victim->ss, "4.7.0", "Error: too slow, the "
		    "connection slot is needed");
		tr_smtp_conn_flush(victim);
		out = bufferevent_get_output(victim->bev);
		(void)evbuffer_write(out, victim->fd);
	}
	tr_smtp_conn_free(victim);
	return 0;
}

/* refuse - a 421 to a connection over a limit, without a session */
static void
refuse(struct tr_smtp_server *srv, evutil_socket_t fd, const char *client,
    const char *why)
{
	char buf[TR_SMTP_HOSTNAME_MAX + 128];
	time_t now = time(NULL);
	int n;

	n = snprintf(buf, sizeof(buf), "421 4.7.0 %s Error: %s\r\n",
	    srv->hostname, why);
	/* a fresh socket's buffer takes one short line; if not, no matter */
	(void)send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	evutil_closesocket(fd);
	if (now != srv->last_refusal_log) {
		srv->last_refusal_log = now;
		log_info("smtp: refused %s: %s", client, why);
	}
}

/* accept_cb - a new client: within the limits, a session and a greeting */
static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener *l = arg;
	struct tr_smtp_server *srv = l->srv;
	struct tr_smtp_settings set;
	char client[TR_SMTP_ADDR_MAX];
	int on = 1;

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
		    client, sizeof(client));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    client, sizeof(client));
	else
		snprintf(client, sizeof(client), "local");
	if (srv->stopping) {
		refuse(srv, fd, client, "shutting down");
		return;
	}
	if (srv->nconns >= srv->cfg->smtp_max_connections &&
	    evict(srv) == -1) {
		refuse(srv, fd, client, "too many connections");
		return;
	}
	if (sa->sa_family != AF_UNIX &&
	    per_client(srv, client) >= srv->cfg->smtp_max_per_client) {
		refuse(srv, fd, client, "too many connections from you");
		return;
	}
	if (sa->sa_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));

	settings(srv, l->lmtp, &set);
	tr_smtp_conn_open(srv, fd, client, l->lmtp, l->spec, &set);
}

/* listeners_enable - accept again, or not */
static void
listeners_enable(struct tr_smtp_server *srv, int on)
{
	size_t i;

	for (i = 0; i < srv->nls; i++)
		if (srv->ls[i].lev != NULL) {
			if (on)
				evconnlistener_enable(srv->ls[i].lev);
			else
				evconnlistener_disable(srv->ls[i].lev);
		}
}

/* resume - the accept back-off is over: accept again unless stopping */
static void
resume(void *arg)
{
	struct tr_smtp_server *srv = arg;

	if (!srv->stopping)
		listeners_enable(srv, 1);
}

/* tr_smtp_start - listeners and timers on the loop */
int
tr_smtp_start(struct tr_smtp_server *srv, struct tr_daemon *d)
{
	struct listener *l;
	size_t i;

	srv->d = d;
	srv->base = tr_daemon_base(d);
	srv->rtimeout.tv_sec = srv->cfg->smtp_timeout;
	srv->wtimeout.tv_sec = srv->cfg->smtp_timeout;
	srv->dtimeout.tv_sec = srv->cfg->smtp_data_timeout;
	srv->ctimeout.tv_sec = srv->cfg->smtp_command_timeout;
	srv->stimeout.tv_sec = srv->cfg->smtp_session_timeout;
	srv->ttimeout.tv_sec = srv->cfg->smtp_tls_timeout;
	srv->budget = tr_daemon_budget(d);
	srv->seq = (unsigned long)getpid() << 12;
	/* a client gone mid-write must not kill the daemon */
	signal(SIGPIPE, SIG_IGN);
	if ((srv->acc = tr_accept_new(srv->base, "smtp", resume, srv)) ==
	    NULL) {
		log_warnx("smtp: cannot create a timer");
		return -1;
	}
	for (i = 0; i < srv->nls; i++) {
		l = &srv->ls[i];
		l->lev = evconnlistener_new(srv->base, accept_cb, l,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, l->fd);
		if (l->lev == NULL) {
			log_warnx("smtp: cannot listen on %s", l->spec);
			return -1;
		}
		l->fd = -1;
		if (tr_accept_add(srv->acc, l->lev, l->spec) == -1) {
			log_warnx("smtp: out of memory");
			return -1;
		}
	}
	return 0;
}

/* close_listeners - no new connections; unix sockets removed */
static void
close_listeners(struct tr_smtp_server *srv)
{
	struct listener *l;
	size_t i;

	for (i = 0; i < srv->nls; i++) {
		l = &srv->ls[i];
		if (l->lev != NULL)
			evconnlistener_free(l->lev);
		else if (l->fd != -1)
			close(l->fd);
		l->lev = NULL;
		l->fd = -1;
		if (l->path != NULL) {
			unlink(l->path);
			free(l->path);
			l->path = NULL;
		}
	}
}

/* tr_smtp_stop - the daemon is stopping */
void
tr_smtp_stop(struct tr_smtp_server *srv)
{
	struct timeval tv = { STOP_WRITE_SECONDS, 0 };
	struct conn *c, *next;

	if (srv == NULL || srv->stopping)
		return;
	srv->stopping = 1;
	close_listeners(srv);
	/* no back-off timer may keep the loop running */
	tr_accept_free(srv->acc);
	srv->acc = NULL;
	for (c = LIST_FIRST(&srv->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		/* a session whose message is out is answered, then closed
		 * (job_done); one already closing is on its way */
		if (c->waiting || c->closing || c->bev == NULL)
			continue;
		tr_smtp_close(c->ss, "4.3.2", "Service shutting down");
		tr_smtp_conn_flush(c);
		/* the loop waits for this last reply, briefly */
		bufferevent_set_timeouts(c->bev, NULL, &tv);
		bufferevent_enable(c->bev, EV_WRITE);
		if (!c->held) {
			c->held = 1;
			tr_daemon_hold(srv->d);
		}
		tr_smtp_conn_finish(c);
	}
}

/* tr_smtp_free - everything, once the loop is over */
void
tr_smtp_free(struct tr_smtp_server *srv)
{
	struct conn *c;
	size_t i;

	if (srv == NULL)
		return;
	while ((c = LIST_FIRST(&srv->conns)) != NULL) {
		c->waiting = 0;		/* the loop is over: no job is left */
		c->held = 0;
		tr_smtp_conn_free(c);
	}
	close_listeners(srv);
	for (i = 0; i < srv->nls; i++)
		free(srv->ls[i].spec);
	free(srv->ls);
	tr_accept_free(srv->acc);
	if (srv->tls != NULL)
		SSL_CTX_free(srv->tls);
	free(srv);
}
