/*
 * noop_http.c - the bench's peer for the HTTP endpoint: an evhttp server on
 * 127.0.0.1:PORT that reads every request in full and answers 200 "ok" at
 * once, storing nothing. What tlsrptd adds on top of it (classification,
 * decompression, validation, the commit before the answer) is what
 * bench/http_bench.sh measures. With a certificate and key it speaks
 * HTTPS, as tlsrptd's https_listen does. Stops on SIGTERM.
 *
 *   noop_http PORT [CERT KEY]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>

/* tls_bev - every connection as a TLS server bufferevent */
static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

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

	SSL_CTX *ctx;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: noop_http PORT [CERT KEY]\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	eh = evhttp_new(base);
	evhttp_set_gencb(eh, on_request, NULL);
	evhttp_set_max_body_size(eh, 10 * 1024 * 1024);
	if (argc == 4) {
		ctx = SSL_CTX_new(TLS_server_method());
		if (ctx == NULL ||
		    SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, argv[3],
		    SSL_FILETYPE_PEM) != 1) {
			fprintf(stderr, "noop_http: cannot load %s / %s\n",
			    argv[2], argv[3]);
			return 74;
		}
		evhttp_set_bevcb(eh, tls_bev, ctx);
	}
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
