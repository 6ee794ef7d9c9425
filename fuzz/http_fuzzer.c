/*
 * http_fuzzer.c - libFuzzer harness for the HTTP endpoint's classifier
 *
 * The input is five lines and a body: method, request target, Content-Type,
 * Content-Encoding and a proxy header value, each ending in "\n" (an empty
 * line is an absent header), then the body as it is. Each request is
 * classified against the path "/tlsrpt" with a small message_size_limit,
 * and every answer it leads to is built; the checks are the contracts of
 * http_request.h: a SUBMIT is a POST to the report path with a body within
 * the limit, a refusal has a known status and a reason, and no reply body
 * has a control character before its final newline. Seeds in
 * fuzz/corpus/http are written by hand in this format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "http_request.h"
#include "limits.h"
#include "pipeline.h"

#define FIELDS	5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_reply - a status we send, a phrase, one printable line; a 503 to
 * a report (retry) says when to try again */
static void
check_reply(const struct tr_http_reply *r, int retry)
{
	size_t i, n = strlen(r->body);

	if (r->status < 200 || r->status > 599 || r->phrase == NULL ||
	    n == 0 || r->body[n - 1] != '\n')
		abort();
	for (i = 0; i + 1 < n; i++)
		if ((unsigned char)r->body[i] < 0x20 ||
		    (unsigned char)r->body[i] >= 0x7f)
			abort();
	if (retry && r->status == 503 && r->retry_after == 0)
		abort();
}

/* LLVMFuzzerTestOneInput - split into fields, classify, build the replies */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tr_outcome outcomes[] = { TR_OUTCOME_STORED,
	    TR_OUTCOME_DUPLICATE, TR_OUTCOME_QUARANTINED, TR_OUTCOME_TEMPFAIL };
	char *field[FIELDS], *copy, addr[64];
	struct tr_http_request rq;
	struct tr_http_decision d;
	struct tr_http_reply r;
	struct tr_verdict v;
	struct tr_limits lim;
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t i, n;

	if ((copy = malloc(size + FIELDS)) == NULL)
		return 0;
	/* each field a NUL-terminated copy; a missing one is empty */
	n = 0;
	for (i = 0; i < FIELDS; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		field[i] = copy + n;
		memcpy(copy + n, p, (size_t)(nl - p));
		n += (size_t)(nl - p);
		copy[n++] = '\0';
		p = nl < end ? nl + 1 : end;
	}

	tr_limits_default(&lim);
	lim.max_message = 4096;
	memset(&rq, 0, sizeof(rq));
	rq.method = field[0];
	rq.uri = field[1];
	rq.content_type = field[2][0] != '\0' ? field[2] : NULL;
	rq.content_encoding = field[3][0] != '\0' ? field[3] : NULL;
	rq.body = (const unsigned char *)p;
	rq.len = (size_t)(end - p);
	tr_http_classify(&rq, "/tlsrpt", &lim, &d);

	switch (d.action) {
	case TR_HTTP_SUBMIT:
		if (strcmp(rq.method, "POST") != 0 || rq.len == 0 ||
		    rq.len > lim.max_message || d.kind != TR_INPUT_REPORT ||
		    strlen(d.note) >= sizeof(d.note))
			abort();
		break;
	case TR_HTTP_HEALTH:
		if (strcmp(rq.method, "GET") != 0 &&
		    strcmp(rq.method, "HEAD") != 0)
			abort();
		tr_http_decision_reply(&d, 1, &r);
		check_reply(&r, 0);
		tr_http_decision_reply(&d, 0, &r);
		check_reply(&r, 0);
		break;
	case TR_HTTP_REFUSE:
		if ((d.status != 400 && d.status != 404 && d.status != 405 &&
		    d.status != 413 && d.status != 415) ||
		    d.reason[0] == '\0' || d.reason_class == NULL ||
		    (d.status == 405) != (d.allow != NULL))
			abort();
		tr_http_decision_reply(&d, 1, &r);
		check_reply(&r, 0);
		if (r.status != d.status)
			abort();
		break;
	default:
		abort();
	}

	/* every verdict, with the request's bytes as its reason */
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.outcome = outcomes[i];
		tr_error_set(&v.err, (enum tr_err)(size % TR_ERR__COUNT), "%s: %s",
		    field[1], field[2]);
		tr_http_verdict_reply(&v, &r);
		check_reply(&r, 1);
	}
	tr_http_busy_reply(TR_SUBMIT_FULL, &r);
	check_reply(&r, 1);

	if (tr_http_forwarded_addr(field[4], addr, sizeof(addr)) == 0) {
		/* what comes out must read back as itself */
		char again[64];

		if (tr_http_forwarded_addr(addr, again, sizeof(again)) != 0 ||
		    strcmp(addr, again) != 0)
			abort();
	} else if (addr[0] != '\0')
		abort();
	free(copy);
	return 0;
}
