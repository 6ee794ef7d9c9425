/* http_framing.c - an HTTP/1.1 request-framing guard in front of evhttp */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "http_framing.h"

#define LINE_MAX_BYTES	4096	/* a chunk size or trailer line */

enum state {
	S_HEAD,		/* collecting a request's header section */
	S_BODY,		/* left bytes of a Content-Length body */
	S_CHUNK_LINE,	/* collecting a chunk size line */
	S_CHUNK_DATA,	/* left bytes of a chunk and its CRLF */
	S_TRAILER,	/* trailer lines up to the empty one */
	S_PASS,		/* no longer followed: everything goes on */
	S_REFUSED,	/* refused: everything is dropped */
};

struct tr_http_framing {
	enum state st;
	size_t max_header;
	uint64_t left;		/* S_BODY, S_CHUNK_DATA */
};

/* tr_http_framing_new - a guard at the start of a request stream */
struct tr_http_framing *
tr_http_framing_new(size_t max_header)
{
	struct tr_http_framing *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->st = S_HEAD;
	f->max_header = max_header;
	return f;
}

/* tr_http_framing_free - release the state */
void
tr_http_framing_free(struct tr_http_framing *f)
{
	free(f);
}

/* name_is - the field at line[0..len) is named name (any case) */
static int
name_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* has_token - the comma-separated list v[0..len) holds token (any case) */
static int
has_token(const char *v, size_t len, const char *token)
{
	size_t i = 0, s, e, n = strlen(token);

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == n && strncasecmp(v + s, token, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * judge_head - the framing of the header section h[0..len) (ending with
 * its empty line): -1 to refuse (Content-Length twice or a list), else 0
 * with the state for what follows
 */
static int
judge_head(struct tr_http_framing *f, const char *h, size_t len)
{
	const char *p = h, *end = h + len, *nl, *v;
	size_t n, vlen, ncl = 0;
	uint64_t cl = 0;
	int chunked = 0, first = 1;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end - 1;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (first) {		/* the request line */
			first = 0;
			continue;
		}
		if (n == 0)
			break;
		if (name_is(p, n, "Content-Length")) {
			v = (const char *)memchr(p, ':', n) + 1;
			vlen = n - (size_t)(v - p);
			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			if (++ncl > 1 || vlen == 0 || vlen > 18 ||
			    strspn(v, "0123456789") < vlen)
				return ncl > 1 || memchr(v, ',', vlen) != NULL ?
				    -1 : (f->st = S_PASS, 0);
			cl = strtoull(v, NULL, 10);
		} else if (name_is(p, n, "Transfer-Encoding")) {
			v = (const char *)memchr(p, ':', n) + 1;
			if (has_token(v, n - (size_t)(v - p), "chunked"))
				chunked = 1;
		}
	}
	if (chunked)
		f->st = S_CHUNK_LINE;
	else if (cl > 0) {
		f->st = S_BODY;
		f->left = cl;
	} else
		f->st = S_HEAD;
	return 0;
}

/* chunk_line - a chunk size line without its extensions, into dst; -1 when
 * it is not one (the stream is then passed on as it is) */
static int
chunk_line(struct tr_http_framing *f, const char *line, size_t n,
    struct evbuffer *dst)
{
	size_t i = 0;
	uint64_t size = 0;
	int d;

	while (i < n) {
		char c = line[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (size > (UINT64_MAX >> 8))
			return -1;
		size = size * 16 + (uint64_t)d;
		i++;
	}
	if (i == 0 || i > 16)
		return -1;
	/* what may follow the size: whitespace, then ";ext" */
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < n && line[i] != ';')
		return -1;
	evbuffer_add(dst, line, strspn(line, "0123456789abcdefABCDEF"));
	evbuffer_add(dst, "\r\n", 2);
	if (size == 0)
		f->st = S_TRAILER;
	else {
		f->st = S_CHUNK_DATA;
		f->left = size + 2;	/* the data and its CRLF */
	}
	return 0;
}

/* What a step of the run says. */
enum step {
	STEP_WAIT,		/* wait for more input: return 0 */
	STEP_REFUSED,		/* the request is refused: return 1 */
	STEP_GO,		/* go on with the new state */
};

/* step_head - the header section, once it is whole in src (have bytes) */
static enum step
step_head(struct tr_http_framing *f, struct evbuffer *src,
    struct evbuffer *dst, size_t have)
{
	struct evbuffer_ptr eol, lf;
	size_t n;
	char *line;

	/* the header section ends with an empty line (CRLF, or a bare LF as
	 * evhttp also takes): the first one */
	eol = evbuffer_search(src, "\n\r\n", 3, NULL);
	lf = evbuffer_search(src, "\n\n", 2, NULL);
	if (eol.pos == -1 && lf.pos == -1) {
		if (have > f->max_header) {
			f->st = S_PASS;
			return STEP_GO;
		}
		return STEP_WAIT;
	}
	if (lf.pos != -1 && (eol.pos == -1 || lf.pos < eol.pos))
		n = (size_t)lf.pos + 2;
	else
		n = (size_t)eol.pos + 3;
	if (n > f->max_header || (line = malloc(n)) == NULL) {
		f->st = S_PASS;
		return STEP_GO;
	}
	evbuffer_copyout(src, line, n);
	if (judge_head(f, line, n) == -1) {
		free(line);
		evbuffer_drain(src, have);
		/* evhttp answers an invalid request line with 400 and closes
		 * the connection */
		evbuffer_add(dst, "INVALID\r\n\r\n", 11);
		f->st = S_REFUSED;
		return STEP_REFUSED;
	}
	evbuffer_remove_buffer(src, dst, n);
	free(line);
	return STEP_GO;
}

/* step_line - a chunk-size line or a trailer line, once whole in src */
static enum step
step_line(struct tr_http_framing *f, struct evbuffer *src,
    struct evbuffer *dst, size_t have)
{
	struct evbuffer_ptr eol;
	size_t n, eollen;
	char *line;

	eol = evbuffer_search_eol(src, NULL, &eollen, EVBUFFER_EOL_CRLF);
	if (eol.pos == -1) {
		if (have > LINE_MAX_BYTES) {
			f->st = S_PASS;
			return STEP_GO;
		}
		return STEP_WAIT;
	}
	n = (size_t)eol.pos + eollen;
	if (f->st == S_TRAILER) {
		evbuffer_remove_buffer(src, dst, n);
		if ((size_t)eol.pos == 0)
			f->st = S_HEAD;
		return STEP_GO;
	}
	if ((line = malloc(n + 1)) == NULL) {
		f->st = S_PASS;
		return STEP_GO;
	}
	evbuffer_copyout(src, line, n);
	line[eol.pos] = '\0';
	if (chunk_line(f, line, (size_t)eol.pos, dst) == -1)
		f->st = S_PASS;	/* evhttp will refuse it */
	else
		evbuffer_drain(src, n);
	free(line);
	return STEP_GO;
}

/* tr_http_framing_run - move what can be decided of src to dst */
int
tr_http_framing_run(struct tr_http_framing *f, struct evbuffer *src,
    struct evbuffer *dst)
{
	enum step st = STEP_WAIT;
	size_t have, n;

	for (;;) {
		have = evbuffer_get_length(src);
		switch (f->st) {
		case S_REFUSED:
			evbuffer_drain(src, have);
			return 1;
		case S_PASS:
			evbuffer_remove_buffer(src, dst, have);
			return 0;
		case S_BODY:
		case S_CHUNK_DATA:
			if (have == 0)
				return 0;
			n = f->left < have ? (size_t)f->left : have;
			evbuffer_remove_buffer(src, dst, n);
			if ((f->left -= n) == 0)
				f->st = f->st == S_BODY ? S_HEAD : S_CHUNK_LINE;
			continue;
		case S_HEAD:
			st = step_head(f, src, dst, have);
			break;
		case S_CHUNK_LINE:
		case S_TRAILER:
			st = step_line(f, src, dst, have);
			break;
		}
		if (st != STEP_GO)
			return st == STEP_REFUSED;
	}
}

/* One guarded connection. */
struct tr_http_guard {
	struct tr_http_framing *f;
	struct evbuffer *in;		/* the connection's input */
	struct evbuffer_cb_entry *cb;
	struct evbuffer *hold;		/* received, not yet decided */
	size_t done;			/* bytes at the front of in: passed */
	int busy;			/* our own changes to in */
};

/*
 * input_added - bytes arrived on the connection, before evhttp reads them
 * (the bufferevent's read callback runs after the buffer's callbacks):
 * what follows the part already passed is taken out, run through the
 * guard, and what it decides put back; what it cannot decide yet waits in
 * hold, out of evhttp's sight. evhttp only ever removes from the front.
 */
static void
input_added(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct tr_http_guard *g = arg;
	struct evbuffer *front, *out;

	if (g->busy)
		return;
	g->done -= info->n_deleted < g->done ? info->n_deleted : g->done;
	if (info->n_added == 0)
		return;
	g->busy = 1;
	front = evbuffer_new();
	out = evbuffer_new();
	if (front == NULL || out == NULL) {
		/* out of memory: stop judging, pass everything on */
		g->f->st = S_PASS;
		evbuffer_add_buffer(in, g->hold);
		g->done = evbuffer_get_length(in);
	} else {
		evbuffer_remove_buffer(in, front, g->done);
		evbuffer_add_buffer(g->hold, in);
		tr_http_framing_run(g->f, g->hold, out);
		evbuffer_add_buffer(in, front);
		evbuffer_add_buffer(in, out);
		g->done = evbuffer_get_length(in);
	}
	if (front != NULL)
		evbuffer_free(front);
	if (out != NULL)
		evbuffer_free(out);
	g->busy = 0;
}

/* tr_http_guard_attach - guard the input of bev */
struct tr_http_guard *
tr_http_guard_attach(struct bufferevent *bev, size_t max_header)
{
	struct tr_http_guard *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->in = bufferevent_get_input(bev);
	g->done = evbuffer_get_length(g->in);
	if ((g->f = tr_http_framing_new(max_header)) == NULL ||
	    (g->hold = evbuffer_new()) == NULL ||
	    (g->cb = evbuffer_add_cb(g->in, input_added, g)) == NULL) {
		tr_http_guard_detach(g);
		return NULL;
	}
	return g;
}

/* tr_http_guard_detach - stop guarding (bev still alive) and free */
void
tr_http_guard_detach(struct tr_http_guard *g)
{
	if (g == NULL)
		return;
	if (g->cb != NULL)
		evbuffer_remove_cb_entry(g->in, g->cb);
	if (g->hold != NULL)
		evbuffer_free(g->hold);
	tr_http_framing_free(g->f);
	free(g);
}
