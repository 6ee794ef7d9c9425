/* http_framing.h - an HTTP/1.1 request-framing guard in front of evhttp */
#ifndef TR_HTTP_FRAMING_H
#define TR_HTTP_FRAMING_H

#include <stddef.h>

struct bufferevent;
struct evbuffer;

/*
 * libevent 2.1's evhttp takes the first of two Content-Length fields (so a
 * request with two lengths frames differently for it than for a proxy in
 * front: request smuggling) and refuses a chunk size line with an extension
 * ("5;name=value"), which RFC 9112 7.1.1 says a recipient must ignore when
 * it does not know it. This guard reads the request stream before evhttp
 * (a bufferevent_filter would do, but libevent 2.1 reports a filter's
 * output as written once it is handed to the socket's buffer, so evhttp
 * closes a "Connection: close" reply before it is sent):
 *
 *  - a request whose header section has Content-Length more than once (or
 *    one field with a list of values) reaches evhttp as an invalid request
 *    line, so evhttp answers 400 and closes the connection; nothing after
 *    it is read;
 *  - chunk extensions are removed from chunk size lines;
 *  - everything else passes unchanged. What the guard cannot follow (a
 *    header section over max_header bytes, a malformed chunk size line) is
 *    passed on as it is from there on, for evhttp to refuse.
 */
struct tr_http_framing;
struct tr_http_guard;

/* tr_http_framing_new - a guard's state; NULL when out of memory */
struct tr_http_framing *tr_http_framing_new(size_t max_header);

/* tr_http_framing_free - release the state */
void tr_http_framing_free(struct tr_http_framing *f);

/*
 * tr_http_framing_run - move what can be decided of src to dst (what
 * cannot yet stays in src: a partial header section or chunk size line).
 * Any split of the stream gives the same output. Returns 1 when the request
 * stream was refused (dst then holds the invalid line, src is drained and
 * everything that follows is dropped), else 0.
 */
int tr_http_framing_run(struct tr_http_framing *f, struct evbuffer *src,
    struct evbuffer *dst);

/*
 * tr_http_guard_attach - guard the input of bev (a socket or TLS
 * bufferevent evhttp reads): every byte that arrives goes through a new
 * guard before evhttp's read callback sees it. Detach before bev is freed.
 * NULL when out of memory.
 */
struct tr_http_guard *tr_http_guard_attach(struct bufferevent *bev,
    size_t max_header);

/* tr_http_guard_detach - remove the guard from its bufferevent (which must
 * still exist) and free it; NULL is ignored */
void tr_http_guard_detach(struct tr_http_guard *g);

#endif
