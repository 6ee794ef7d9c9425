/*
 * noop_http.c - the bench's peer for the HTTP endpoint: an evhttp server on
 * 127.0.0.1:PORT that reads every request in full and answers 200 "ok" at
 * once, storing nothing. What tlsrptd adds on top of it (classification,
 * decompression, validation, the commit before the answer) is what
 * bench/http_bench.sh measures. Stops on SIGTERM.
 *
 *   noop_http PORT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, "ok\n", 3);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct event *term;
	struct evhttp *eh;

	if (argc != 2) {
		fprintf(stderr, "usage: noop_http PORT\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	eh = evhttp_new(base);
	evhttp_set_gencb(eh, on_request, NULL);
	evhttp_set_max_body_size(eh, 10 * 1024 * 1024);
	if (evhttp_bind_socket(eh, "127.0.0.1", (ev_uint16_t)atoi(argv[1])) != 0) {
		perror("noop_http: bind");
		return 74;
	}
	term = evsignal_new(base, SIGTERM, on_term, base);
	event_add(term, NULL);
	event_base_dispatch(base);
	event_free(term);
	evhttp_free(eh);
	event_base_free(base);
	return 0;
}
