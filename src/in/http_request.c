/* http_request.c - classify a request to the report endpoint; map verdicts to replies */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "daemon.h"
#include "http_request.h"
#include "mime.h"
#include "outcome.h"

#define QUOTE_MAX	64	/* bytes of an untrusted value quoted in a reason */
#define RETRY_AFTER	60	/* seconds a sender is asked to wait after a 503 */

enum expect { EXPECT_ANY = -1 };	/* else an enum tr_payload */

/* The media types a report is taken under. */
static const struct mtype {
	const char *name;
	int rfc;			/* registered by RFC 8460 section 6 */
	int expect;			/* the payload it announces, or EXPECT_ANY */
} mtypes[] = {
	{ "application/tlsrpt+gzip", 1, TR_PAYLOAD_GZIP },
	{ "application/tlsrpt+json", 1, TR_PAYLOAD_JSON },
	/* seen from real senders (docs/real-world-reports.md, item 13) */
	{ "application/json", 0, TR_PAYLOAD_JSON },
	{ "application/gzip", 0, TR_PAYLOAD_GZIP },
	{ "application/x-gzip", 0, TR_PAYLOAD_GZIP },
	{ "application/tlsrpt+x-gzip", 0, TR_PAYLOAD_GZIP },
	{ "application/tlsrpt", 0, EXPECT_ANY },
	{ "application/octet-stream", 0, EXPECT_ANY },
};

static const struct {
	int status;
	const char *phrase;
} phrases[] = {
	{ 200, "OK" },
	{ 400, "Bad Request" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 413, "Payload Too Large" },
	{ 415, "Unsupported Media Type" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
};

/* tr_http_phrase - the reason phrase of a status we send */
const char *
tr_http_phrase(int status)
{
	size_t i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].status == status)
			return phrases[i].phrase;
	return "Error";
}

/* refuse - fill d as a refusal with a formatted reason */
static void __attribute__((format(printf, 4, 5)))
refuse(struct tr_http_decision *d, int status, const char *reason_class,
    const char *fmt, ...)
{
	va_list ap;

	d->action = TR_HTTP_REFUSE;
	d->status = status;
	d->reason_class = reason_class;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/*
 * target_path - the path of a request target: origin form "/p?q", absolute
 * form "http://host/p?q" (RFC 9112 section 3.2.2). Sets *p and *n; returns
 * -1 for anything else ("*", garbage).
 */
static int
target_path(const char *uri, const char **p, size_t *n)
{
	const char *s = uri;

	if (strncasecmp(s, "http://", 7) == 0)
		s += 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (s[0] != '/')
		return -1;
	if (s != uri) {
		s += strcspn(s, "/?#");
		if (*s != '/') {
			*p = "/";
			*n = 1;
			return 0;
		}
	}
	*p = s;
	*n = strcspn(s, "?#");
	return 0;
}

/* is_ows - optional white space (RFC 9110 section 5.6.3) */
static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * token_lower - the first token of a header value (up to ';', ',' or white
 * space), lower-cased into out. Returns its length, or -1 when it does not
 * fit; out then holds the quoted start for messages.
 */
static int
token_lower(const char *v, char *out, size_t outsz)
{
	size_t i, n;

	while (is_ows(*v))
		v++;
	n = strcspn(v, "; \t,");
	if (n >= outsz) {
		tr_quote(out, outsz, v, n, QUOTE_MAX / 2);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : (char)ch;
	}
	out[n] = '\0';
	return (int)n;
}

/* only_token - nothing but white space after the first token */
static int
only_token(const char *v)
{
	while (is_ows(*v))
		v++;
	v += strcspn(v, "; \t,");
	while (is_ows(*v))
		v++;
	return *v == '\0';
}

/* post_encoding - the Content-Encoding: *gzip_coded when gzip; -1 when
 * refused (d filled) */
static int
post_encoding(const struct tr_http_request *rq, struct tr_http_decision *d,
    int *gzip_coded)
{
	char enc[32], q[QUOTE_MAX * 4 + 8];

	*gzip_coded = 0;
	if (rq->content_encoding == NULL)
		return 0;
	if (token_lower(rq->content_encoding, enc, sizeof(enc)) == -1 ||
	    !only_token(rq->content_encoding)) {
		tr_quote(q, sizeof(q), rq->content_encoding,
		    strlen(rq->content_encoding), QUOTE_MAX);
		refuse(d, 415, "content-encoding", "Content-Encoding %s is not "
		    "supported (only gzip)", q);
		return -1;
	}
	if (strcmp(enc, "gzip") == 0 || strcmp(enc, "x-gzip") == 0)
		*gzip_coded = 1;
	else if (enc[0] != '\0' && strcmp(enc, "identity") != 0) {
		refuse(d, 415, "content-encoding", "Content-Encoding %s is not "
		    "supported (only gzip)", enc);
		return -1;
	}
	return 0;
}

/* post_type - the Content-Type into d->media_type, *mt its row (NULL
 * without one); -1 when refused (d filled) */
static int
post_type(const struct tr_http_request *rq, struct tr_http_decision *d,
    const struct mtype **mt)
{
	char q[QUOTE_MAX * 4 + 8];
	size_t i;

	*mt = NULL;
	if (rq->content_type == NULL)
		return 0;
	if (token_lower(rq->content_type, d->media_type,
	    sizeof(d->media_type)) == -1) {
		refuse(d, 415, "media-type", "media type %s is not a TLS report "
		    "type", d->media_type);
		d->media_type[0] = '\0';
		return -1;
	}
	for (i = 0; i < sizeof(mtypes) / sizeof(mtypes[0]); i++)
		if (strcmp(d->media_type, mtypes[i].name) == 0)
			*mt = &mtypes[i];
	if (*mt == NULL) {
		tr_quote(q, sizeof(q), d->media_type, strlen(d->media_type),
		    QUOTE_MAX);
		refuse(d, 415, "media-type", "media type %s is not a TLS report "
		    "type (application/tlsrpt+gzip or application/tlsrpt+json)",
		    q);
		return -1;
	}
	return 0;
}

/* submit_notes - a submitted report's notes: no type, a non-RFC type, a
 * declared payload that the body's first bytes contradict */
static void
submit_notes(const struct tr_http_request *rq, const struct mtype *mt,
    int gzip_coded, struct tr_http_decision *d)
{
	char note2[TR_HTTP_TEXT_MAX];
	int expect = EXPECT_ANY;
	enum tr_payload got;
	size_t n;

	note2[0] = '\0';
	if (mt == NULL)
		snprintf(d->note, sizeof(d->note), "HTTP report without a "
		    "Content-Type");
	else if (!mt->rfc)
		snprintf(d->note, sizeof(d->note), "non-RFC media type %s for "
		    "the HTTP report", mt->name);
	if (mt != NULL)
		expect = mt->expect;
	if (gzip_coded)
		expect = TR_PAYLOAD_GZIP;
	/* the pipeline goes by content: say so when it disagrees */
	got = tr_payload_sniff(rq->body, rq->len);
	if (expect != EXPECT_ANY && (enum tr_payload)expect != got)
		snprintf(note2, sizeof(note2), "HTTP report declared as %s "
		    "(%s%s) but holds %s",
		    tr_mime_kind_name((enum tr_payload)expect),
		    mt != NULL ? mt->name : "no type",
		    gzip_coded ? ", Content-Encoding gzip" : "",
		    tr_mime_kind_name(got));
	if (note2[0] == '\0')
		return;
	if (d->note[0] == '\0')
		snprintf(d->note, sizeof(d->note), "%s", note2);
	else {
		n = strlen(d->note);
		snprintf(d->note + n, sizeof(d->note) - n, "; %s", note2);
	}
}

/* classify_post - a POST to the report path: content coding, size, type */
static void
classify_post(const struct tr_http_request *rq, const struct tr_limits *lim,
    struct tr_http_decision *d)
{
	const struct mtype *mt;
	int gzip_coded;

	if (post_encoding(rq, d, &gzip_coded) == -1 ||
	    post_type(rq, d, &mt) == -1)
		return;
	if (rq->len == 0) {
		refuse(d, 400, "empty", "the request has no body");
		return;
	}
	if (rq->len > lim->max_message) {
		refuse(d, 413, "too-large", "report body of %zu bytes is over "
		    "the limit of %zu bytes", rq->len, lim->max_message);
		return;
	}
	d->action = TR_HTTP_SUBMIT;
	d->status = 0;
	d->kind = TR_INPUT_REPORT;
	submit_notes(rq, mt, gzip_coded, d);
}

/* tr_http_classify - the endpoint's routing and admission, without I/O */
void
tr_http_classify(const struct tr_http_request *rq, const char *report_path,
    const struct tr_limits *limits, struct tr_http_decision *out)
{
	char q[QUOTE_MAX * 4 + 8];
	const char *path;
	size_t n;
	int post, read_only;

	memset(out, 0, sizeof(*out));
	out->kind = TR_INPUT_REPORT;
	if (target_path(rq->uri, &path, &n) == -1) {
		tr_quote(q, sizeof(q), rq->uri, strlen(rq->uri), QUOTE_MAX);
		refuse(out, 400, "bad-target", "request target %s is not a "
		    "path", q);
		return;
	}
	post = strcmp(rq->method, "POST") == 0;
	read_only = strcmp(rq->method, "GET") == 0 ||
	    strcmp(rq->method, "HEAD") == 0;
	if (n == strlen(report_path) && memcmp(path, report_path, n) == 0) {
		if (!post) {
			refuse(out, 405, "method", "reports are sent with "
			    "POST, not %s", rq->method);
			out->allow = "POST";
			return;
		}
		classify_post(rq, limits, out);
		return;
	}
	if (n == strlen(TR_HTTP_HEALTH_PATH) &&
	    memcmp(path, TR_HTTP_HEALTH_PATH, n) == 0) {
		if (!read_only) {
			refuse(out, 405, "method", "the health check answers "
			    "GET and HEAD, not %s", rq->method);
			out->allow = "GET, HEAD";
			return;
		}
		out->action = TR_HTTP_HEALTH;
		return;
	}
	tr_quote(q, sizeof(q), path, n, QUOTE_MAX);
	refuse(out, 404, "not-found", "no report endpoint at %s", q);
}

/* set_body - a one-line text body: printable ASCII, ends in a newline */
static void __attribute__((format(printf, 2, 3)))
set_body(struct tr_http_reply *r, const char *fmt, ...)
{
	va_list ap;
	size_t i, n;

	va_start(ap, fmt);
	vsnprintf(r->body, sizeof(r->body) - 1, fmt, ap);
	va_end(ap);
	n = strlen(r->body);
	for (i = 0; i < n; i++)
		if ((unsigned char)r->body[i] < 0x20 ||
		    (unsigned char)r->body[i] >= 0x7f)
			r->body[i] = '?';
	r->body[n] = '\n';
	r->body[n + 1] = '\0';
}

/* set_status - status, phrase and no Retry-After */
static void
set_status(struct tr_http_reply *r, int status)
{
	r->status = status;
	r->phrase = tr_http_phrase(status);
	r->retry_after = 0;
}

/* tr_http_verdict_reply - the answer once the report's batch is over */
void
tr_http_verdict_reply(const struct tr_verdict *v, struct tr_http_reply *out)
{
	struct tr_http_answer a;

	memset(out, 0, sizeof(*out));
	tr_outcome_http(v, &a);
	set_status(out, a.status);
	if (a.retry)
		out->retry_after = RETRY_AFTER;
	set_body(out, "%s", a.text);
}

/* tr_http_health_reply - the health check: running, and the store */
void
tr_http_health_reply(int running, int store_ok, struct tr_http_reply *out)
{
	memset(out, 0, sizeof(*out));
	set_status(out, running && store_ok ? 200 : 503);
	/* senders may ask too: the reason never names the database */
	set_body(out, !running ? "stopping" : !store_ok ? "store unreachable" :
	    "ok");
}

/* tr_http_decision_reply - refusals and the health check */
void
tr_http_decision_reply(const struct tr_http_decision *d, int running,
    struct tr_http_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (d->action == TR_HTTP_HEALTH) {
		tr_http_health_reply(running, 1, out);
		return;
	}
	if (d->action == TR_HTTP_SUBMIT) {	/* not ours to answer */
		set_status(out, 500);
		set_body(out, "internal error");
		return;
	}
	set_status(out, d->status);
	set_body(out, "%s", d->reason);
}

/* tr_http_busy_reply - the loop would not take the job */
void
tr_http_busy_reply(int e, struct tr_http_reply *out)
{
	memset(out, 0, sizeof(*out));
	set_status(out, 503);
	out->retry_after = RETRY_AFTER;
	set_body(out, "cannot take the report now: %s", e == TR_SUBMIT_FULL ?
	    "overloaded, try again later" : e == ENOMEM ? "too many reports "
	    "in flight (max_inflight_bytes), try again later" :
	    "shutting down");
}

/* port_ok - s..e is a port number (1 to 5 digits) */
static int
port_ok(const char *s, const char *e)
{
	const char *p;

	if (e - s < 1 || e - s > 5)
		return 0;
	for (p = s; p < e; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* tr_http_forwarded_addr - the last element of a proxy header */
int
tr_http_forwarded_addr(const char *value, char *out, size_t outsz)
{
	char buf[INET6_ADDRSTRLEN + 8], *colon;
	unsigned char bin[16];
	const char *s, *e;
	size_t n;
	int af;

	if (outsz > 0)
		out[0] = '\0';
	if (value == NULL)
		return -1;
	s = strrchr(value, ',');
	s = s != NULL ? s + 1 : value;
	while (is_ows(*s))
		s++;
	for (e = s + strlen(s); e > s && is_ows(e[-1]); e--)
		;
	n = (size_t)(e - s);
	if (n > 0 && s[0] == '[') {
		/* "[v6]" or "[v6]:port" */
		const char *close = memchr(s, ']', n);

		if (close == NULL || (close + 1 != e &&
		    (close[1] != ':' || !port_ok(close + 2, e))))
			return -1;
		s++;
		n = (size_t)(close - s);
	}
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* one colon: "v4:port"; more: a bare IPv6 address */
	if ((colon = strchr(buf, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		if (!port_ok(colon + 1, buf + n))
			return -1;
		*colon = '\0';
	}
	af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, bin) != 1 ||
	    inet_ntop(af, bin, out, (socklen_t)outsz) == NULL) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
