/* test_http_framing.c - the request-framing guard in front of evhttp */
#include "testutil.h"

#include <event2/buffer.h>

#include "http_framing.h"

/* run_split - feed in[0..len) in pieces cut at cut1 and cut2 (or a byte at
 * a time when step is set); *refused gets the guard's answer; returns the
 * output (NUL-terminated, caller frees) */
static char *
run_split(const char *in, size_t len, size_t cut1, size_t cut2, int step,
    int *refused)
{
	struct tr_http_framing *f = tr_http_framing_new(1024);
	struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
	size_t at = 0, next, n;
	char *out;

	assert_non_null(f);
	*refused = 0;
	while (at < len) {
		if (step)
			next = at + 1;
		else if (at < cut1)
			next = cut1;
		else if (at < cut2)
			next = cut2;
		else
			next = len;
		evbuffer_add(src, in + at, next - at);
		at = next;
		if (tr_http_framing_run(f, src, dst))
			*refused = 1;
	}
	n = evbuffer_get_length(dst);
	out = malloc(n + 1);
	assert_non_null(out);
	evbuffer_remove(dst, out, n);
	out[n] = '\0';
	evbuffer_free(src);
	evbuffer_free(dst);
	tr_http_framing_free(f);
	return out;
}

/* expect - the same output and verdict for the stream in every split:
 * one piece, two pieces at every point, three pieces, a byte at a time */
static void
expect(const char *in, const char *want, int want_refused)
{
	size_t len = strlen(in), i, j;
	int refused;
	char *out;

	out = run_split(in, len, len, len, 1, &refused);
	assert_string_equal(out, want);
	assert_int_equal(refused, want_refused);
	free(out);
	for (i = 0; i <= len; i++)
		for (j = i; j <= len; j += (len / 7) + 1) {
			out = run_split(in, len, i, j, 0, &refused);
			if (strcmp(out, want) != 0 || refused != want_refused)
				fail_msg("split at %zu and %zu: got \"%s\" "
				    "(refused %d)", i, j, out, refused);
			free(out);
		}
}

/* test_duplicate_content_length - two lengths (either order), or a list,
 * are refused: evhttp gets an invalid request line, nothing else */
static void
test_duplicate_content_length(void **state)
{
	(void)state;
	expect("POST /tlsrpt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
	    "content-length: 40\r\n\r\nabcGET /smuggled HTTP/1.1\r\n\r\n",
	    "INVALID\r\n\r\n", 1);
	expect("POST /tlsrpt HTTP/1.1\r\nContent-Length: 40\r\n"
	    "Content-Length: 3\r\n\r\nabc", "INVALID\r\n\r\n", 1);
	expect("POST /tlsrpt HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc",
	    "INVALID\r\n\r\n", 1);
	/* the same in a second request on the connection: the first goes */
	expect("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"
	    "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	    "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"
	    "INVALID\r\n\r\n", 1);
}

/* test_pass_through - ordinary requests are not changed, a body that looks
 * like headers included */
static void
test_pass_through(void **state)
{
	static const char two[] =
	    "POST /tlsrpt HTTP/1.1\r\nContent-Length: 40\r\n\r\n"
	    "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"
	    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

	(void)state;
	expect(two, two, 0);
	expect("GET / HTTP/1.0\n\n", "GET / HTTP/1.0\n\n", 0);
}

/* test_chunk_extensions - extensions go, sizes, data (with ';' in it) and
 * trailers stay, and the next request is framed after the last chunk */
static void
test_chunk_extensions(void **state)
{
	(void)state;
	expect("POST /tlsrpt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5;name=value\r\nhe;lo\r\n"
	    "A ; a=\"b;c\"\r\n0123456789\r\n"
	    "0;last\r\nX-Trailer: 1\r\n\r\n"
	    "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	    "POST /tlsrpt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhe;lo\r\n"
	    "A\r\n0123456789\r\n"
	    "0\r\nX-Trailer: 1\r\n\r\n"
	    "INVALID\r\n\r\n", 1);
	/* a size line that is not one is left for evhttp to refuse */
	expect("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\nabc", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\nabc", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicate_content_length),
		cmocka_unit_test(test_pass_through),
		cmocka_unit_test(test_chunk_extensions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
