/* http_request.h - what an HTTP request to the report endpoint is, and what to answer */
#ifndef TR_HTTP_REQUEST_H
#define TR_HTTP_REQUEST_H

#include <stddef.h>

#include "limits.h"
#include "pipeline.h"

#define TR_HTTP_TEXT_MAX	600	/* a reason, note or reply body */
#define TR_HTTP_HEALTH_PATH	"/healthz"

/* One request as evhttp hands it over; every string may be NULL but method
 * and uri. Nothing here is trusted. */
struct tr_http_request {
	const char *method;		/* "POST", "GET", ... */
	const char *uri;		/* request target: origin or absolute form */
	const char *content_type;	/* the header's value */
	const char *content_encoding;
	const unsigned char *body;
	size_t len;
};

enum tr_http_action {
	TR_HTTP_SUBMIT,		/* a report body for the pipeline */
	TR_HTTP_HEALTH,		/* GET or HEAD of the health check */
	TR_HTTP_REFUSE,		/* answer status and reason; nothing stored */
};

struct tr_http_decision {
	enum tr_http_action action;
	int status;			/* REFUSE: 400, 404, 405, 413, 415 */
	const char *reason_class;	/* REFUSE: "not-found", "media-type", ... */
	const char *allow;		/* 405: the Allow header */
	enum tr_input kind;		/* SUBMIT: always a bare report body */
	char media_type[128];		/* lower-cased type/subtype as sent, or "" */
	char reason[TR_HTTP_TEXT_MAX];	/* REFUSE: what was wrong */
	char note[TR_HTTP_TEXT_MAX];	/* SUBMIT: a conformance note, or "" */
};

/*
 * tr_http_classify - decide what a request is: a report POSTed to
 * report_path with an RFC 8460 media type (application/tlsrpt+gzip or
 * +json; a few real-world types are tolerated with a note, as is a body
 * whose content disagrees with its type), the health check, or something
 * refused with a status and a specific reason: 404 another path, 405 another
 * method (with Allow), 415 another media type or content coding, 413 a body
 * over limits->max_message, 400 an empty body. Pure: no I/O, no allocation.
 */
void tr_http_classify(const struct tr_http_request *rq, const char *report_path,
    const struct tr_limits *limits, struct tr_http_decision *out);

/* A reply to send: status, its reason phrase, a text/plain body. */
struct tr_http_reply {
	int status;
	const char *phrase;		/* "OK", "Bad Request", ... */
	unsigned retry_after;		/* seconds for Retry-After, 0: none */
	char body[TR_HTTP_TEXT_MAX + 64];	/* one line, ends in "\n" */
};

/*
 * tr_http_verdict_reply - the answer to a committed (or failed) report:
 * stored or already stored 200; quarantined 400 naming the reason (413 when
 * it was too large, 503 when the reason is temporary); storing failed 503
 * with Retry-After. The body never names the database's path.
 */
void tr_http_verdict_reply(const struct tr_verdict *v,
    struct tr_http_reply *out);

/* tr_http_decision_reply - the answer to a decision that is not a SUBMIT:
 * the refusal, or the health check (200 "ok" while running, 503 once the
 * daemon is stopping) */
void tr_http_decision_reply(const struct tr_http_decision *d, int running,
    struct tr_http_reply *out);

/* tr_http_health_reply - the health check: 200 "ok", else 503
 * "stopping" once the daemon stops or "store unreachable" when store_ok is
 * 0 (tr_daemon_store_health) */
void tr_http_health_reply(int running, int store_ok,
    struct tr_http_reply *out);

/* tr_http_busy_reply - the answer when the loop refused the job: 503 with
 * Retry-After, e is TR_SUBMIT_FULL or TR_SUBMIT_CLOSED (see daemon.h), or
 * ENOMEM when the memory budget of messages in flight is used up */
void tr_http_busy_reply(int e, struct tr_http_reply *out);

/*
 * tr_http_forwarded_addr - the last address of a proxy header such as
 * X-Forwarded-For ("client, proxy1"), brackets and an IPv4 port removed,
 * as inet_ntop would print it. Returns 0, or -1 when the last element is
 * not an IP address (out is then "").
 */
int tr_http_forwarded_addr(const char *value, char *out, size_t outsz);

/* tr_http_phrase - the reason phrase of a status code we send */
const char *tr_http_phrase(int status);

#endif
