/* smtp_fuzzer.c - libFuzzer harness for the SMTP/LMTP state machine */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rcpt_ok - take every other address, by its length */
static int
rcpt_ok(const char *addr, void *arg)
{
	(void)arg;
	return strlen(addr) % 2 == 0;
}

/* A memory budget of the caller's: what the session holds must come
 * back whole, and never pass the ceiling. */
static size_t held, ceiling;

static int
admit(void *arg)
{
	(void)arg;
	return held < ceiling / 2;
}

static int
grow(size_t n, void *arg)
{
	(void)arg;
	if (held + n > ceiling)
		return 0;
	held += n;
	return 1;
}

static void
shrink(size_t n, void *arg)
{
	(void)arg;
	if (n > held)
		__builtin_trap();
	held -= n;
}

/* check_output - every reply is "ddd" then ' ' or '-', printable, CRLF */
static void
check_output(struct tr_smtp_session *ss)
{
	const char *o, *e;
	size_t n, i;

	o = tr_smtp_output(ss, &n);
	if (n > 0 && (n < 6 || o[n - 2] != '\r' || o[n - 1] != '\n'))
		__builtin_trap();
	for (i = 0; i < n; i = (size_t)(e - o) + 2) {
		e = memchr(o + i, '\r', n - i);
		if (e == NULL || e[1] != '\n' || e - (o + i) < 3)
			__builtin_trap();
		if (o[i] < '2' || o[i] > '5' || o[i + 1] < '0' ||
		    o[i + 1] > '9' || o[i + 2] < '0' || o[i + 2] > '9')
			__builtin_trap();
		if (e - (o + i) > 3 && o[i + 3] != ' ' && o[i + 3] != '-')
			__builtin_trap();
	}
	tr_smtp_output_drain(ss, n);
}

/*
 * LLVMFuzzerTestOneInput - the first byte chooses LMTP, STARTTLS and the
 * size of the pieces the rest is fed in; the input's length modulo 3 the
 * memory budget (none, too small for any message, ample); messages are
 * answered 250 or 451 in turn. Every byte must be consumed unless an event
 * says why not, a message must stay within the size limit, and the budget
 * must be all given back at the end.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_smtp_settings s;
	struct tr_smtp_session *ss;
	const struct tr_smtp_envelope *e;
	enum tr_smtp_event ev;
	volatile unsigned char sum = 0;
	size_t off = 1, chunk, n, used, i;
	unsigned nmsg = 0;

	if (size < 1)
		return 0;
	memset(&s, 0, sizeof(s));
	s.lmtp = data[0] & 1;
	s.starttls = (data[0] >> 1) & 1;
	s.hostname = "mx.example";
	s.max_message = 4096;
	s.max_line = 256;
	s.max_rcpt = 4;
	s.max_errors = 10;
	s.rcpt_ok = rcpt_ok;
	held = 0;
	if (size % 3 != 0) {
		ceiling = size % 3 == 1 ? 2048 : 1 << 20;
		s.admit = admit;
		s.grow = grow;
		s.shrink = shrink;
	}
	chunk = (size_t)(data[0] >> 2) + 1;
	if ((ss = tr_smtp_session_new(&s)) == NULL)
		return 0;
	check_output(ss);
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		used = tr_smtp_feed(ss, data + off, n, &ev);
		if (used > n)
			__builtin_trap();
		off += used;
		check_output(ss);
		switch (ev) {
		case TR_SMTP_MESSAGE:
			e = tr_smtp_envelope(ss);
			if (e->len > s.max_message || e->nrcpt == 0 ||
			    e->nrcpt > s.max_rcpt || e->data == NULL)
				__builtin_trap();
			for (i = 0; i < e->len; i++)
				sum ^= e->data[i];
			for (i = 0; i < e->nrcpt; i++)
				sum ^= (unsigned char)e->rcpt[i][0];
			if (nmsg++ % 2 == 0)
				tr_smtp_finish(ss, 250, "2.0.0", "Ok");
			else
				tr_smtp_finish(ss, 451, "4.3.0", "later\r\n");
			check_output(ss);
			break;
		case TR_SMTP_TOO_BIG:
			e = tr_smtp_envelope(ss);
			if (e->len <= s.max_message || e->data != NULL)
				__builtin_trap();
			break;
		case TR_SMTP_STARTTLS:
			tr_smtp_tls_started(ss);
			break;
		case TR_SMTP_CLOSE:
			if (!tr_smtp_closed(ss))
				__builtin_trap();
			off = size;
			break;
		case TR_SMTP_NONE:
			break;
		}
	}
	(void)sum;
	tr_smtp_close(ss, "4.3.2", "bye");
	check_output(ss);
	tr_smtp_session_free(ss);
	if (held != 0)
		__builtin_trap();
	return 0;
}
