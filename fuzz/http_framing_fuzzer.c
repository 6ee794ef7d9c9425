/*
 * http_framing_fuzzer.c - libFuzzer harness for the HTTP framing guard
 *
 * The first byte picks where the rest is split into two feeds: the guard
 * must give the same output and the same verdict as with one feed (and,
 * for short inputs, as with one byte at a time). Seeds in
 * fuzz/corpus/http_framing start with that byte (0x80, about the middle).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "http_framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* run - the guard over data cut at the given points (step: every byte);
 * returns the output, its length in *len and the verdict in *refused */
static unsigned char *
run(const uint8_t *data, size_t size, size_t cut, int step, size_t *len,
    int *refused)
{
	struct tr_http_framing *f = tr_http_framing_new(1024);
	struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
	unsigned char *out;
	size_t at = 0, next;

	if (f == NULL || src == NULL || dst == NULL)
		abort();
	*refused = 0;
	while (at < size) {
		next = step ? at + 1 : at < cut ? cut : size;
		evbuffer_add(src, data + at, next - at);
		at = next;
		if (tr_http_framing_run(f, src, dst))
			*refused = 1;
	}
	*len = evbuffer_get_length(dst);
	if ((out = malloc(*len + 1)) == NULL)
		abort();
	evbuffer_remove(dst, out, *len);
	evbuffer_free(src);
	evbuffer_free(dst);
	tr_http_framing_free(f);
	return out;
}

/* LLVMFuzzerTestOneInput - one feed, two feeds, byte by byte: the same */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *a, *b;
	size_t alen, blen, cut;
	int ra, rb;

	if (size == 0)
		return 0;
	cut = (size - 1) * data[0] / 255;
	data++;
	size--;
	a = run(data, size, size, 0, &alen, &ra);
	b = run(data, size, cut, 0, &blen, &rb);
	if (ra != rb || alen != blen || memcmp(a, b, alen) != 0)
		abort();
	free(b);
	if (size <= 4096) {
		b = run(data, size, 0, 1, &blen, &rb);
		if (ra != rb || alen != blen || memcmp(a, b, alen) != 0)
			abort();
		free(b);
	}
	/* refused: the invalid line is the last thing evhttp sees */
	if (ra && (alen < 11 || memcmp(a + alen - 11, "INVALID\r\n\r\n",
	    11) != 0))
		abort();
	free(a);
	return 0;
}
