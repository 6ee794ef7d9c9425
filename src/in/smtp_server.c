/* smtp_server.c - SMTP and LMTP sessions on the daemon's loop: sockets, TLS, timers, jobs */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "budget.h"
#include "log.h"
#include "outcome.h"
#include "smtp_listener.h"
#include "smtp_server.h"
#include "smtp_session.h"
#include "tls.h"
#include "way_in.h"

#define READ_HIGH	(64 * 1024)	/* input buffered before reading pauses */
#define WRITE_HIGH	(64 * 1024)	/* replies unsent before reading pauses */
#define CLOSE_WRITE_SECONDS 5		/* for the last reply of any session */

static int process(struct conn *);

/* way_in - how c's messages come in */
static enum tr_way_in
way_in(const struct conn *c)
{
	return c->lmtp ? TR_WAY_LMTP : TR_WAY_SMTP;
}

/* log_msg - the log line of a message that never reached the loop */
static void
log_msg(struct conn *c, enum tr_loglevel level, const char *outcome,
    size_t size, const char *reason_class, const char *reason)
{
	const struct tr_smtp_envelope *e = tr_smtp_envelope(c->ss);
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = way_in(c);
	o.source = c->qid;
	o.client = c->client;
	o.envelope_from = e->from;
	o.envelope_to = c->to;
	tr_outcome_log_refusal(level, outcome, &o, (int64_t)size,
	    reason_class, reason);
}

/* new_qid - a queue id for the message: time, then a counter */
static void
new_qid(struct conn *c)
{
	struct tr_smtp_server *srv = c->srv;

	snprintf(c->qid, sizeof(c->qid), "%08llX%06lX",
	    (unsigned long long)time(NULL), srv->seq++ & 0xffffff);
}

/* join_rcpts - "a,b,c" of the envelope's recipients, or NULL */
static char *
join_rcpts(const struct tr_smtp_envelope *e)
{
	size_t i, n = 1;
	char *s, *p;

	for (i = 0; i < e->nrcpt; i++)
		n += strlen(e->rcpt[i]) + 1;
	if ((s = malloc(n)) == NULL)
		return NULL;
	p = s;
	for (i = 0; i < e->nrcpt; i++) {
		if (i > 0)
			*p++ = ',';
		n = strlen(e->rcpt[i]);
		memcpy(p, e->rcpt[i], n);
		p += n;
	}
	*p = '\0';
	return s;
}

/* tr_smtp_conn_flush - move the session's replies to the socket */
void
tr_smtp_conn_flush(struct conn *c)
{
	const char *o;
	size_t n;

	o = tr_smtp_output(c->ss, &n);
	if (n == 0)
		return;
	if (c->bev != NULL)
		bufferevent_write(c->bev, o, n);
	tr_smtp_output_drain(c->ss, n);
	/* a reply: the next command line has smtp_command_timeout from now
	 * (DATA and a message being stored have deadlines of their own) */
	if (!c->waiting && !c->closing && !c->handshaking &&
	    !tr_smtp_in_data(c->ss) && !tr_smtp_closed(c->ss))
		evtimer_add(c->cmd_timer, &c->srv->ctimeout);
}

/* release - the reply the daemon was held for is on its way */
static void
release(struct conn *c)
{
	if (c->held) {
		c->held = 0;
		tr_daemon_release(c->srv->d);
	}
}

/* tr_smtp_conn_finish - no more reading; free once the replies are out, or
 * after CLOSE_WRITE_SECONDS for a client that does not take them */
void
tr_smtp_conn_finish(struct conn *c)
{
	struct timeval tv = { CLOSE_WRITE_SECONDS, 0 };

	c->closing = 1;
	evtimer_del(c->cmd_timer);
	if (c->bev == NULL || evbuffer_get_length(bufferevent_get_output(
	    c->bev)) == 0) {
		tr_smtp_conn_free(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
}

/* answer - the message's reply from its verdict, after the commit */
static void
answer(struct conn *c, const struct tr_verdict *v)
{
	struct tr_smtp_answer a;

	tr_outcome_smtp(v, c->srv->cfg->on_invalid == TR_INVALID_REJECT,
	    c->qid, &a);
	tr_smtp_finish(c->ss, a.code, a.status, a.text);
}

/* say_bye - the last reply (status, text), sent; then the session ends */
static void
say_bye(struct conn *c, const char *status, const char *text)
{
	tr_smtp_close(c->ss, status, text);
	tr_smtp_conn_flush(c);
	tr_smtp_conn_finish(c);
}

/* job_done - the commit that holds the message is over: answer */
static void
job_done(struct tr_job *job, void *arg)
{
	struct conn *c = arg;

	c->waiting = 0;
	free(c->to);
	c->to = NULL;
	if (c->bev == NULL) {
		/* the client left meanwhile; its sender will retry */
		tr_smtp_conn_free(c);
		return;
	}
	answer(c, &job->verdict);
	tr_smtp_conn_flush(c);
	/* the hold ends when the reply has been written (write_cb) */
	if (c->srv->stopping || c->expired) {
		if (c->expired)
			say_bye(c, "4.4.2", "Error: session time limit "
			    "exceeded");
		else
			say_bye(c, "4.3.2", "Service shutting down");
		return;
	}
	/* what the client pipelined meanwhile; a client that has closed
	 * its side gets the replies, then the connection ends */
	if (process(c) && (c->eof || c->closing) && !c->waiting)
		tr_smtp_conn_finish(c);
}

/* submit - hand a complete message to the loop */
static void
submit(struct conn *c)
{
	const struct tr_smtp_envelope *e = tr_smtp_envelope(c->ss);
	struct tr_job *job = &c->job;
	char text[128];

	new_qid(c);
	free(c->to);
	if ((c->to = join_rcpts(e)) == NULL) {
		tr_smtp_finish(c->ss, 451, "4.3.0", "tlsrptd: out of memory");
		return;
	}
	memset(job, 0, sizeof(*job));
	job->buf = e->data;
	job->len = e->len;
	job->kind = TR_INPUT_MESSAGE;
	job->origin.way_in = way_in(c);
	job->origin.source = c->qid;
	job->origin.client = c->client;
	job->origin.envelope_from = e->from;
	job->origin.envelope_to = c->to;
	job->origin.received_at = (int64_t)time(NULL);
	job->done = job_done;
	job->done_arg = c;
	if (tr_daemon_submit(c->srv->d, job) == -1) {
		snprintf(text, sizeof(text), "tlsrptd: %s",
		    errno == TR_SUBMIT_FULL ? "overloaded, try again later" :
		    "shutting down");
		log_msg(c, TR_LOG_WARN, "tempfail", e->len, "smtp", text + 9);
		tr_smtp_finish(c->ss, 451, "4.3.0", text);
		free(c->to);
		c->to = NULL;
		return;
	}
	c->waiting = 1;
	evtimer_del(c->cmd_timer);
	if (!c->held) {
		c->held = 1;
		tr_daemon_hold(c->srv->d);
	}
	/* Reading goes on (up to READ_HIGH, then libevent pauses it) but
	 * nothing is processed until job_done: that notices a client that
	 * leaves, and spares two epoll_ctl calls per message. */
}

/* too_big - log a message refused at its end for its size */
static void
too_big(struct conn *c)
{
	const struct tr_smtp_envelope *e = tr_smtp_envelope(c->ss);
	char why[128];

	new_qid(c);
	free(c->to);
	c->to = join_rcpts(e);
	snprintf(why, sizeof(why), "message too big for tlsrptd (limit %zu "
	    "bytes)", c->srv->cfg->limits.max_message);
	log_msg(c, TR_LOG_WARN, "rejected", e->len, "too-large", why);
	free(c->to);
	c->to = NULL;
}

/* drop_socket - the bufferevent and the socket go */
static void
drop_socket(struct conn *c)
{
	if (c->bev == NULL)
		return;
	bufferevent_free(c->bev);
	if (!c->tls)
		evutil_closesocket(c->fd);
	c->bev = NULL;
	c->srv->nconns--;
}

/* starttls_begin - the 220 is queued: reading stops, and any plaintext the
 * client pipelined after STARTTLS is dropped (RFC 3207 section 5); the
 * handshake starts once the 220 is written (write_cb) */
static void
starttls_begin(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	c->starttls = 1;
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void setup_bev(struct conn *);

/*
 * starttls_switch - the 220 is out: the plain bufferevent makes way for
 * a TLS one on the same socket, which reads the client's handshake.
 * A socket bufferevent rather than a filter, so that "written" means
 * handed to the kernel, also for the last reply before a close.
 */
static void
starttls_switch(struct conn *c)
{
	struct tr_smtp_server *srv = c->srv;
	struct bufferevent *tb;
	SSL *ssl;

	c->starttls = 0;
	if ((ssl = SSL_new(srv->tls)) == NULL) {
		log_warnx("smtp: %s: TLS: %s", c->client, tr_tls_error());
		drop_socket(c);
		tr_smtp_conn_free(c);
		return;
	}
	bufferevent_free(c->bev);
	c->bev = NULL;
	tb = bufferevent_openssl_socket_new(srv->base, c->fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (tb == NULL) {
		SSL_free(ssl);
		evutil_closesocket(c->fd);
		srv->nconns--;
		log_warnx("smtp: %s: cannot start TLS", c->client);
		tr_smtp_conn_free(c);
		return;
	}
	c->bev = tb;
	c->tls = 1;
	bufferevent_openssl_set_allow_dirty_shutdown(tb, 1);
	tr_smtp_tls_started(c->ss);
	setup_bev(c);
	/* a client that never sends its ClientHello is gone in
	 * smtp_tls_timeout, not smtp_timeout: a timer of our own, as a TLS
	 * bufferevent's timeouts do not cover its handshake */
	c->handshaking = 1;
	evtimer_add(c->cmd_timer, &srv->ttimeout);
}

static void read_cb(struct bufferevent *, void *);
static void write_cb(struct bufferevent *, void *);
static void event_cb(struct bufferevent *, short, void *);

/* setup_bev - callbacks, timeouts and watermarks of the connection's
 * (plain or TLS) bufferevent */
static void
setup_bev(struct conn *c)
{
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_set_timeouts(c->bev, &c->srv->rtimeout, &c->srv->wtimeout);
	bufferevent_setwatermark(c->bev, EV_READ, 0, READ_HIGH);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* data_timer_update - DATA has a time limit of its own, however slowly
 * (or steadily) the message trickles in */
static void
data_timer_update(struct conn *c)
{
	int in = tr_smtp_in_data(c->ss);

	if (in == c->in_data)
		return;
	c->in_data = in;
	if (in) {
		evtimer_add(c->data_timer, &c->srv->dtimeout);
		evtimer_del(c->cmd_timer);
	} else
		evtimer_del(c->data_timer);
}

/*
 * process - feed what was received to the session and act on its events,
 * until the input is used up, a message goes out for storing, the replies
 * pile up unread, or the session ends. Returns 0 when c may be gone.
 */
static int
process(struct conn *c)
{
	struct evbuffer *in, *out;
	struct evbuffer_iovec v;
	enum tr_smtp_event ev;
	size_t used;

	while (c->bev != NULL && !c->waiting && !c->closing && !c->starttls) {
		out = bufferevent_get_output(c->bev);
		if (evbuffer_get_length(out) > WRITE_HIGH) {
			/* a client that pipelines but does not read */
			c->paused = 1;
			bufferevent_disable(c->bev, EV_READ);
			break;
		}
		in = bufferevent_get_input(c->bev);
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			break;
		used = tr_smtp_feed(c->ss, v.iov_base, v.iov_len, &ev);
		evbuffer_drain(in, used);
		c->received += used;
		tr_smtp_conn_flush(c);
		data_timer_update(c);
		switch (ev) {
		case TR_SMTP_MESSAGE:
			submit(c);
			tr_smtp_conn_flush(c);	/* a refusal is answered at once */
			break;
		case TR_SMTP_TOO_BIG:
			too_big(c);
			break;
		case TR_SMTP_STARTTLS:
			starttls_begin(c);
			return 1;
		case TR_SMTP_CLOSE:
			tr_smtp_conn_finish(c);
			return 0;
		case TR_SMTP_NONE:
			break;
		}
	}
	return 1;
}

/* read_cb - bytes from the client */
static void
read_cb(struct bufferevent *bev, void *arg)
{
	process(arg);
}

/* write_cb - every reply is written: the held daemon may go, a closing
 * connection ends, a paused one reads again */
static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->waiting)
		return;
	release(c);
	if (c->closing) {
		tr_smtp_conn_free(c);
		return;
	}
	if (c->starttls) {
		starttls_switch(c);
		return;
	}
	if (c->paused) {
		c->paused = 0;
		bufferevent_enable(c->bev, EV_READ);
		process(c);
	}
}

/* event_cb - end of file, errors, timeouts, and the TLS handshake */
static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	SSL *ssl;

	if (what & BEV_EVENT_CONNECTED) {
		if ((ssl = bufferevent_openssl_get_ssl(bev)) != NULL)
			log_debug("smtp: %s: %s with %s", c->client,
			    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
		if (c->handshaking) {
			/* the client's EHLO has smtp_command_timeout */
			c->handshaking = 0;
			evtimer_add(c->cmd_timer, &c->srv->ctimeout);
		}
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && c->handshaking) {
		/* no 421 can reach a client without TLS */
		log_debug("smtp: %s: no TLS handshake within smtp_tls_timeout",
		    c->client);
		tr_smtp_conn_free(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    c->waiting) {
		/* the client waits for us, not we for it */
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/* the client may have only shut down its side: what it sent
		 * is answered, then the connection ends */
		c->eof = 1;
		if (c->waiting || c->closing)
			return;
		if (process(c) && !c->waiting)
			tr_smtp_conn_finish(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    !c->closing) {
		tr_smtp_close(c->ss, "4.4.2", "Error: timeout exceeded");
		tr_smtp_conn_flush(c);
		bufferevent_enable(c->bev, EV_WRITE);
		tr_smtp_conn_finish(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		ssl = bufferevent_openssl_get_ssl(bev);
		if (ssl != NULL)
			log_debug("smtp: %s: TLS: %s", c->client,
			    tr_tls_error());
	}
	/* EOF, an error, or a client that does not take its replies */
	if (c->waiting) {
		/* the job holds the session's message: free the rest when
		 * it is done */
		drop_socket(c);
		evtimer_del(c->data_timer);
		evtimer_del(c->cmd_timer);
		evtimer_del(c->session_timer);
		return;
	}
	tr_smtp_conn_free(c);
}

/* data_timeout - DATA took longer than smtp_data_timeout */
static void
data_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->closing || c->bev == NULL)
		return;
	say_bye(c, "4.4.2", "Error: timeout exceeded");
}

/* cmd_timeout - a command line took longer than smtp_command_timeout,
 * however it trickled in */
static void
cmd_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->handshaking) {
		/* no 421 can reach a client without TLS */
		log_debug("smtp: %s: no TLS handshake within smtp_tls_timeout",
		    c->client);
		tr_smtp_conn_free(c);
		return;
	}
	if (c->closing || c->bev == NULL || c->waiting ||
	    tr_smtp_in_data(c->ss))
		return;
	say_bye(c, "4.4.2", "Error: command timeout exceeded");
}

/* session_timeout - the session took longer than smtp_session_timeout;
 * a message being stored is answered first (job_done) */
static void
session_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->closing || c->bev == NULL)
		return;
	if (c->waiting) {
		c->expired = 1;
		return;
	}
	if (c->handshaking) {
		tr_smtp_conn_free(c);
		return;
	}
	say_bye(c, "4.4.2", "Error: session time limit exceeded");
}

/* tr_smtp_conn_free - the connection and everything it holds; never while its
 * job is with the daemon */
void
tr_smtp_conn_free(struct conn *c)
{
	/* job_done would find it freed */
	if (c->waiting)
		fatalx("smtp: %s: freeing a connection whose message is being "
		    "stored", c->client);
	drop_socket(c);
	release(c);
	LIST_REMOVE(c, entry);
	if (c->data_timer != NULL)
		event_free(c->data_timer);
	if (c->cmd_timer != NULL)
		event_free(c->cmd_timer);
	if (c->session_timer != NULL)
		event_free(c->session_timer);
	tr_smtp_session_free(c->ss);
	free(c->to);
	free(c);
}

/* tr_smtp_conn_open - a session and its greeting for an accepted client */
void
tr_smtp_conn_open(struct tr_smtp_server *srv, evutil_socket_t fd,
    const char *client, int lmtp, const char *spec,
    const struct tr_smtp_settings *set)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->ss = tr_smtp_session_new(set)) == NULL ||
	    (c->data_timer = evtimer_new(srv->base, data_timeout, c)) == NULL ||
	    (c->cmd_timer = evtimer_new(srv->base, cmd_timeout, c)) == NULL ||
	    (c->session_timer = evtimer_new(srv->base, session_timeout, c)) ==
	    NULL ||
	    (c->bev = bufferevent_socket_new(srv->base, fd, 0)) == NULL) {
		log_warnx("smtp: no memory for a connection from %s", client);
		if (c != NULL) {
			tr_smtp_session_free(c->ss);
			if (c->data_timer != NULL)
				event_free(c->data_timer);
			if (c->cmd_timer != NULL)
				event_free(c->cmd_timer);
			if (c->session_timer != NULL)
				event_free(c->session_timer);
			free(c);
		}
		evutil_closesocket(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->lmtp = lmtp;
	snprintf(c->client, sizeof(c->client), "%s", client);
	LIST_INSERT_HEAD(&srv->conns, c, entry);
	srv->nconns++;
	event_base_gettimeofday_cached(srv->base, &c->since);
	evtimer_add(c->session_timer, &srv->stimeout);
	setup_bev(c);
	tr_smtp_conn_flush(c);
	log_debug("smtp: connection from %s on %s", client, spec);
}
