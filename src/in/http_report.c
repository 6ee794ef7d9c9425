/* http_report.c - a POSTed report: from the request to a job, from its verdict to the reply */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http_server.h"
#include "outcome.h"
#include "way_in.h"

/* --- requests ------------------------------------------------------------- */

/* method_name - the request method as sent */
static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

/*
 * client_source - who sent the request: the peer's address (IPv4 clients
 * of a dual-stack socket without their ::ffff: prefix) or, when the peer
 * is a trusted proxy or a local process on a unix socket, the last
 * address of http_proxy_header
 */
static void
client_source(const struct lsock *ls, struct evhttp_request *req,
    char *out, size_t outsz)
{
	const struct tr_config *cfg = ls->h->cfg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const char *hdr;
	char *peer = NULL;
	ev_uint16_t port;
	int trusted;

	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &peer, &port);
	if (ls->unix_path != NULL) {
		snprintf(out, outsz, "unix");
		trusted = 1;
	} else {
		if (peer == NULL)
			peer = "?";
		if (strncmp(peer, "::ffff:", 7) == 0 && strchr(peer + 7, ':') ==
		    NULL)
			peer += 7;
		snprintf(out, outsz, "%s", peer);
		trusted = tr_config_is_trusted_proxy(cfg, out);
	}
	if (!trusted)
		return;
	hdr = evhttp_find_header(evhttp_request_get_input_headers(req),
	    cfg->http_proxy_header);
	if (hdr != NULL) {
		char a[SOURCE_MAX];

		if (tr_http_forwarded_addr(hdr, a, sizeof(a)) == 0)
			snprintf(out, outsz, "%s", a);
		else
			log_debug("http: %s from %s is not an address; using "
			    "the peer's", cfg->http_proxy_header, out);
	}
}

/* reply_done - the reply is written: a stopping loop may end now */
static void
reply_done(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;

	tr_http_conn_release(c);
	if (!c->h->stopping)
		tr_http_conn_arm(c);
}

/* answer - one text/plain reply; c (may be NULL) is held until it is out */
static void
answer(struct tr_http *h, struct evhttp_request *req, struct conn *c,
    const struct tr_http_reply *r, const char *allow)
{
	struct evkeyvalq *hdrs = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	char num[16];

	evhttp_add_header(hdrs, "Content-Type", "text/plain; charset=utf-8");
	if (r->retry_after > 0) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		evhttp_add_header(hdrs, "Retry-After", num);
	}
	if (allow != NULL)
		evhttp_add_header(hdrs, "Allow", allow);
	if (h->stopping)
		evhttp_add_header(hdrs, "Connection", "close");
	if (c != NULL)
		evhttp_request_set_on_complete_cb(req, reply_done, c);
	if (b != NULL)
		evbuffer_add(b, r->body, strlen(r->body));
	evhttp_send_reply(req, r->status, r->phrase, b);
	if (b != NULL)
		evbuffer_free(b);
}

/* way_in - how the reports of ls come in */
static enum tr_way_in
way_in(const struct lsock *ls)
{
	return ls->tls ? TR_WAY_HTTPS : TR_WAY_HTTP;
}

/* tr_http_log_refusal - the log line of a report the endpoint turned away before
 * the pipeline saw it; other paths only at debug level (scanners) */
void
tr_http_log_refusal(const struct lsock *ls, const char *source, size_t len,
    const char *outcome, const char *reason_class, const char *reason,
    enum tr_loglevel level)
{
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = way_in(ls);
	o.source = source;
	tr_outcome_log_refusal(level, outcome, &o, (int64_t)len, reason_class,
	    reason);
}

/* job_done - the report's batch is over: answer from the verdict */
static void
job_done(struct tr_job *job, void *arg)
{
	struct hjob *j = arg;
	struct tr_http_reply r;

	tr_http_verdict_reply(&job->verdict, &r);
	if (j->c != NULL)
		j->c->job = NULL;
	if (j->req != NULL)
		answer(j->c->h, j->req, j->c, &r, NULL);
	free(j->body);
	if (j->h->budget != NULL && j->job.len > 0)
		tr_budget_give(j->h->budget, j->job.len);
	free(j);
}

/* submit - hand a classified report to the loop; answer if it refuses */
static void
submit(struct lsock *ls, struct evhttp_request *req, struct conn *c,
    const struct tr_http_decision *dec, unsigned char *body, size_t len,
    const char *source)
{
	struct tr_http *h = ls->h;
	struct tr_http_reply r;
	struct hjob *j;
	int e;

	if (c == NULL || (j = calloc(1, sizeof(*j))) == NULL) {
		/* an unadopted connection cannot hold the loop for its
		 * answer, so it gets no commit to wait for */
		tr_http_busy_reply(TR_SUBMIT_FULL, &r);
		tr_http_log_refusal(ls, source, len, "tempfail", "http",
		    c == NULL ? "connection not tracked" : "out of memory",
		    TR_LOG_ERROR);
		free(body);
		if (c != NULL)
			tr_http_give_back(c);
		answer(h, req, c, &r, NULL);
		return;
	}
	j->h = h;
	j->body = body;
	j->req = req;
	j->c = c;
	snprintf(j->source, sizeof(j->source), "%s", source);
	snprintf(j->media_type, sizeof(j->media_type), "%s", dec->media_type);
	snprintf(j->note, sizeof(j->note), "%s", dec->note);
	j->job.buf = body;
	j->job.len = len;
	j->job.kind = dec->kind;
	j->job.hint = j->media_type[0] != '\0' ? j->media_type : NULL;
	j->job.note = j->note[0] != '\0' ? j->note : NULL;
	j->job.origin.way_in = way_in(ls);
	j->job.origin.source = j->source;
	j->job.origin.received_at = (int64_t)time(NULL);
	j->job.done = job_done;
	j->job.done_arg = j;
	if (tr_daemon_submit(h->d, &j->job) == -1) {
		e = errno;
		tr_http_busy_reply(e, &r);
		tr_http_log_refusal(ls, source, len, "tempfail", "http",
		    e == TR_SUBMIT_FULL ? "overloaded" : "shutting down",
		    TR_LOG_ERROR);
		free(j);
		free(body);
		tr_http_give_back(c);
		answer(h, req, c, &r, NULL);
		return;
	}
	c->job = j;
	/* the job holds len bytes of the budget (taken in claim_body) until
	 * job_done; the rest of the request's share goes back */
	c->reserved -= len;
	tr_http_give_back(c);
}

/* claim_body - len bytes of the request's share of the budget for its
 * job: normally there already (the share runs ahead of what is read);
 * -1 when it cannot be had */
static int
claim_body(struct conn *c, size_t len)
{
	if (c->h->budget == NULL) {
		c->reserved = len;	/* only counted, never taken */
		return 0;
	}
	if (c->reserved >= len)
		return 0;
	if (tr_budget_take(c->h->budget, len - c->reserved) == -1)
		return -1;
	c->reserved = len;
	return 0;
}

/*
 * take_body - the request body as one contiguous buffer of its own: each
 * piece of evhttp's buffer is freed as soon as it is copied, so the body
 * is never held twice (evbuffer_pullup would keep both until the reply).
 * NULL when out of memory.
 */
static unsigned char *
take_body(struct evbuffer *b, size_t len)
{
	struct evbuffer_iovec v;
	unsigned char *out;
	size_t off = 0;

	if ((out = malloc(len)) == NULL)
		return NULL;
	while (off < len && evbuffer_peek(b, -1, NULL, &v, 1) == 1 &&
	    v.iov_len > 0) {
		if (v.iov_len > len - off)
			v.iov_len = len - off;
		memcpy(out + off, v.iov_base, v.iov_len);
		off += v.iov_len;
		evbuffer_drain(b, v.iov_len);
	}
	if (off != len) {
		free(out);
		return NULL;
	}
	return out;
}

/* answer_refused - the busy answer to a request whose body went over the
 * budget while it was read; the connection closes after it */
static void
answer_refused(struct lsock *ls, struct evhttp_request *req, struct conn *c,
    const char *source, size_t len)
{
	struct tr_http_reply r;

	c->refused = 0;
	tr_http_give_back(c);
	tr_http_busy_reply(ENOMEM, &r);
	tr_http_log_refusal(ls, source, len, "tempfail", "http",
	    "max_inflight_bytes in use", TR_LOG_WARN);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Connection", "close");
	answer(ls->h, req, c, &r, NULL);
}

/* tr_http_on_request - evhttp's callback for every complete request */
void
tr_http_on_request(struct evhttp_request *req, void *arg)
{
	struct lsock *ls = arg;
	struct tr_http *h = ls->h;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	struct tr_http_request rq;
	struct tr_http_decision dec;
	struct tr_http_reply r;
	char source[SOURCE_MAX];
	char why[TR_ERRMSG_MAX];
	unsigned char *owned = NULL;
	struct conn *c;

	c = evcon != NULL ? tr_http_conn_find(h, evcon) : NULL;
	if (c != NULL) {
		/* the request is here: no deadline while it is served, and
		 * a stopping loop waits for its answer */
		evtimer_del(c->ev);
		if (!c->held) {
			c->held = 1;
			tr_daemon_hold(h->d);
		}
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = method_name(evhttp_request_get_command(req));
	rq.uri = evhttp_request_get_uri(req);
	rq.content_type = evhttp_find_header(in, "Content-Type");
	rq.content_encoding = evhttp_find_header(in, "Content-Encoding");
	client_source(ls, req, source, sizeof(source));
	if (c != NULL && c->refused) {
		/* over the budget: what was read of it is gone already */
		answer_refused(ls, req, c, source, evbuffer_get_length(body));
		return;
	}
	rq.len = evbuffer_get_length(body);
	if (rq.len > 0 && (owned = take_body(body, rq.len)) == NULL) {
		if (c != NULL)
			tr_http_give_back(c);
		rq.len = 0;
		tr_http_busy_reply(TR_SUBMIT_FULL, &r);
		answer(h, req, c, &r, NULL);
		return;
	}
	rq.body = owned;
	tr_http_classify(&rq, h->cfg->http_path, &h->cfg->limits, &dec);

	if (dec.action == TR_HTTP_SUBMIT && c != NULL &&
	    claim_body(c, rq.len) == -1) {
		free(owned);
		tr_http_give_back(c);
		tr_http_budget_full(h);
		tr_http_busy_reply(ENOMEM, &r);
		tr_http_log_refusal(ls, source, rq.len, "tempfail", "http",
		    "max_inflight_bytes in use", TR_LOG_WARN);
		answer(h, req, c, &r, NULL);
		return;
	}
	if (dec.action == TR_HTTP_SUBMIT) {
		submit(ls, req, c, &dec, owned, rq.len, source);
		return;
	}
	free(owned);
	if (c != NULL)
		tr_http_give_back(c);
	if (dec.action == TR_HTTP_REFUSE)
		tr_http_log_refusal(ls, source, rq.len, "rejected",
		    dec.reason_class, dec.reason, dec.status == 404 ||
		    dec.status == 400 ? TR_LOG_DEBUG : TR_LOG_WARN);
	if (dec.action == TR_HTTP_HEALTH)
		tr_http_health_reply(!h->stopping, h->stopping ||
		    tr_daemon_store_health(h->d, why, sizeof(why)), &r);
	else
		tr_http_decision_reply(&dec, !h->stopping, &r);
	answer(h, req, c, &r, dec.allow);
}
