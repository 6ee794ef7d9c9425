/* test_smtp_session.c - the SMTP/LMTP state machine: replies, limits, and every split of the input */
#include "testutil.h"

#include "budget.h"
#include "smtp_session.h"

#define ALL	((size_t)-1)

/* What a conversation gave: the replies (with markers for events) and
 * the messages, each as "from|rcpt,rcpt|data". */
struct transcript {
	char out[64 * 1024];
	size_t outlen;
	char msgs[64 * 1024];
	size_t msglen;
	unsigned nmsg, ntoobig, ntls;
	int closed;
};

static void
put(char *buf, size_t *len, size_t cap, const void *p, size_t n)
{
	if (*len + n >= cap)
		fail_msg("transcript buffer too small");
	memcpy(buf + *len, p, n);
	*len += n;
	buf[*len] = '\0';
}

/* take_output - move the session's replies into the transcript */
static void
take_output(struct tr_smtp_session *ss, struct transcript *t)
{
	const char *o;
	size_t n;

	o = tr_smtp_output(ss, &n);
	put(t->out, &t->outlen, sizeof(t->out), o, n);
	tr_smtp_output_drain(ss, n);
}

/* record - a message as the test sees it */
static void
record(struct transcript *t, const struct tr_smtp_envelope *e)
{
	size_t i;

	put(t->msgs, &t->msglen, sizeof(t->msgs), e->from, strlen(e->from));
	put(t->msgs, &t->msglen, sizeof(t->msgs), "|", 1);
	for (i = 0; i < e->nrcpt; i++) {
		if (i > 0)
			put(t->msgs, &t->msglen, sizeof(t->msgs), ",", 1);
		put(t->msgs, &t->msglen, sizeof(t->msgs), e->rcpt[i],
		    strlen(e->rcpt[i]));
	}
	put(t->msgs, &t->msglen, sizeof(t->msgs), "|", 1);
	put(t->msgs, &t->msglen, sizeof(t->msgs), e->data, e->len);
	put(t->msgs, &t->msglen, sizeof(t->msgs), "#", 1);
}

/* converse - feed input in pieces of chunk bytes, answering every message
 * 250 (or code from answer), and record everything */
static void
converse(const struct tr_smtp_settings *set, const char *in, size_t inlen,
    size_t chunk, struct transcript *t)
{
	struct tr_smtp_session *ss = tr_smtp_session_new(set);
	enum tr_smtp_event ev;
	size_t off = 0, n, end, used;
	const struct tr_smtp_envelope *e;
	char tag[64];

	assert_non_null(ss);
	memset(t, 0, sizeof(*t));
	take_output(ss, t);
	while (off < inlen && !t->closed) {
		end = chunk == ALL || inlen - off < chunk ? inlen : off + chunk;
		while (off < end) {
			n = end - off;
			used = tr_smtp_feed(ss, in + off, n, &ev);
			if (used > n)
				fail_msg("consumed %zu of %zu", used, n);
			off += used;
			take_output(ss, t);
			if (ev == TR_SMTP_MESSAGE) {
				e = tr_smtp_envelope(ss);
				assert_true(tr_smtp_waiting(ss));
				/* nothing is taken while the message is out */
				if (off < inlen)
					assert_int_equal(tr_smtp_feed(ss,
					    in + off, inlen - off, &ev), 0);
				record(t, e);
				t->nmsg++;
				snprintf(tag, sizeof(tag), "Ok: queued as Q%u",
				    t->nmsg);
				tr_smtp_finish(ss, 250, "2.0.0", tag);
				take_output(ss, t);
			} else if (ev == TR_SMTP_TOO_BIG) {
				e = tr_smtp_envelope(ss);
				assert_null(e->data);
				snprintf(tag, sizeof(tag), "[too big %zu]",
				    e->len);
				put(t->out, &t->outlen, sizeof(t->out), tag,
				    strlen(tag));
				t->ntoobig++;
			} else if (ev == TR_SMTP_STARTTLS) {
				put(t->out, &t->outlen, sizeof(t->out),
				    "[TLS]", 5);
				tr_smtp_tls_started(ss);
				t->ntls++;
			} else if (ev == TR_SMTP_CLOSE) {
				assert_true(tr_smtp_closed(ss));
				put(t->out, &t->outlen, sizeof(t->out),
				    "[CLOSE]", 7);
				t->closed = 1;
				break;
			} else if (used < n) {
				/* paused for the replies: go on */
				assert_int_equal(ev, TR_SMTP_NONE);
			}
		}
	}
	tr_smtp_session_free(ss);
}

static int
rua_only(const char *addr, void *arg)
{
	(void)arg;
	return strcasecmp(addr, "tlsrpt@example.com") == 0;
}

static void
settings(struct tr_smtp_settings *s, int lmtp)
{
	memset(s, 0, sizeof(*s));
	s->lmtp = lmtp;
	s->hostname = "mx.example.com";
	s->max_message = 1000;
	s->max_line = TR_SMTP_LINE_MAX;
	s->max_rcpt = 3;
	s->max_errors = 10;
	s->starttls = 1;
	s->rcpt_ok = rua_only;
}

/* check_splits - the same transcript whatever the pieces are */
static void
check_splits(const struct tr_smtp_settings *set, const char *in,
    const char *want_out, const char *want_msgs)
{
	static struct transcript whole, part;
	size_t len = strlen(in), k;

	converse(set, in, len, ALL, &whole);
	if (want_out != NULL && strcmp(whole.out, want_out) != 0)
		fail_msg("replies:\n%s\nwant:\n%s", whole.out, want_out);
	if (want_msgs != NULL && strcmp(whole.msgs, want_msgs) != 0)
		fail_msg("messages:\n%s\nwant:\n%s", whole.msgs, want_msgs);
	for (k = 1; k <= len && k <= 64; k++) {
		converse(set, in, len, k, &part);
		if (strcmp(whole.out, part.out) != 0)
			fail_msg("%zu-byte pieces: replies\n%s\ndiffer from\n%s",
			    k, part.out, whole.out);
		if (strcmp(whole.msgs, part.msgs) != 0)
			fail_msg("%zu-byte pieces: messages\n%s\ndiffer from\n%s",
			    k, part.msgs, whole.msgs);
	}
}

/* a whole session: the replies, the dot-unstuffing, pipelined commands */
static void
test_session(void **state)
{
	struct tr_smtp_settings s;

	settings(&s, 0);
	check_splits(&s,
	    "EHLO client.example\r\n"
	    "MAIL FROM:<reports@sender.example> SIZE=200 BODY=8BITMIME\r\n"
	    "RCPT TO:<someone@example.com>\r\n"
	    "RCPT TO:<TLSRPT@example.com>\r\n"
	    "DATA\r\n"
	    "Subject: x\r\n\r\n"
	    "..leading dot\r\n"
	    ".x\r\n"
	    "a.\r\n"
	    "\r\n"
	    "bare\nlf\n.\nnot the end\r\n"
	    ".\r\n"
	    "NOOP\r\n"
	    "VRFY someone\r\n"
	    "QUIT\r\n"
	    "NOOP\r\n",
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 STARTTLS\r\n"
	    "250 2.1.0 Ok\r\n"
	    "550 5.1.1 <someone@example.com>: Recipient address rejected: "
	    "not a TLS report address here\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: queued as Q1\r\n"
	    "250 2.0.0 Ok\r\n"
	    "252 2.0.0 Cannot VRFY user, send a message with RCPT\r\n"
	    "221 2.0.0 Bye\r\n"
	    "[CLOSE]",
	    "reports@sender.example|TLSRPT@example.com|"
	    "Subject: x\r\n\r\n"
	    ".leading dot\r\n"
	    "x\r\n"
	    "a.\r\n"
	    "\r\n"
	    "bare\nlf\n.\nnot the end\r\n#");
}

/* several messages on one connection, RSET, null sender, bad sequences */
static void
test_several_messages(void **state)
{
	struct tr_smtp_settings s;

	settings(&s, 0);
	check_splits(&s,
	    "MAIL FROM:<a@b>\r\n"
	    "HELO client\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "DATA\r\n"
	    "MAIL FROM:<>\r\n"
	    "MAIL FROM:<>\r\n"
	    "DATA\r\n"
	    "RCPT TO:<tlsrpt@example.com> NOTIFY=NEVER\r\n"
	    "RCPT TO:<@relay.example:tlsrpt@example.com>\r\n"
	    "DATA please\r\n"
	    "DATA\r\n"
	    "one\r\n"
	    ".\r\n"
	    "MAIL FROM: <x@y>\r\n"
	    "RSET\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "mail from:x@y\r\n"
	    "rcpt to:tlsrpt@example.com\r\n"
	    "data\r\n"
	    "two\r\n"
	    ".\r\n"
	    "QUIT\r\n",
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "503 5.5.1 Error: send HELO/EHLO first\r\n"
	    "250 mx.example.com\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "503 5.5.1 Error: need RCPT command\r\n"
	    "250 2.1.0 Ok\r\n"
	    "503 5.5.1 Error: nested MAIL command\r\n"
	    "554 5.5.1 Error: no valid recipients\r\n"
	    "555 5.5.4 Unsupported option\r\n"
	    "250 2.1.5 Ok\r\n"
	    "501 5.5.4 Syntax: DATA\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: queued as Q1\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.0.0 Ok\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: queued as Q2\r\n"
	    "221 2.0.0 Bye\r\n"
	    "[CLOSE]",
	    "|tlsrpt@example.com|one\r\n#"
	    "x@y|tlsrpt@example.com|two\r\n#");
}

/* SIZE: refused at MAIL when declared, at the dot when not */
static void
test_too_big(void **state)
{
	struct tr_smtp_settings s;
	char in[4096], big[1100];

	settings(&s, 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(in, sizeof(in),
	    "EHLO c\r\n"
	    "MAIL FROM:<a@b> SIZE=1001\r\n"
	    "MAIL FROM:<a@b> SIZE=1000\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "DATA\r\n"
	    "%s\r\n"
	    "..\r\n"
	    ".\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "MAIL FROM:<a@b>\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "DATA\r\n"
	    "small\r\n"
	    ".\r\n", big);
	check_splits(&s, in,
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 STARTTLS\r\n"
	    "552 5.3.4 Message size exceeds fixed limit\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "552 5.3.4 Error: message too large (limit 1000 bytes)\r\n"
	    "[too big 1104]"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: queued as Q1\r\n",
	    "a@b|tlsrpt@example.com|small\r\n#");
}

/* exactly max_message is accepted, one byte more is not */
static void
test_size_boundary(void **state)
{
	struct tr_smtp_settings s;
	struct transcript *t = malloc(sizeof(*t));
	char in[2048], body[1000];

	assert_non_null(t);
	settings(&s, 0);
	memset(body, 'y', 998);
	body[998] = '\0';	/* 998 + CRLF = 1000 bytes */
	snprintf(in, sizeof(in), "HELO c\r\nMAIL FROM:<>\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\nDATA\r\n%s\r\n.\r\n", body);
	converse(&s, in, strlen(in), ALL, t);
	assert_int_equal(t->nmsg, 1);
	assert_int_equal(t->ntoobig, 0);
	snprintf(in, sizeof(in), "HELO c\r\nMAIL FROM:<>\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\nDATA\r\ny%s\r\n.\r\n", body);
	converse(&s, in, strlen(in), ALL, t);
	assert_int_equal(t->nmsg, 0);
	assert_int_equal(t->ntoobig, 1);
	assert_non_null(strstr(t->out, "[too big 1001]"));
	free(t);
}

/* a long line is refused before it ends, and none of it is a command */
static void
test_line_too_long(void **state)
{
	struct tr_smtp_settings s;
	char in[4096];
	size_t n;

	settings(&s, 0);
	s.max_line = 100;
	n = (size_t)snprintf(in, sizeof(in), "NOOP ");
	memset(in + n, 'a', 200);
	n += 200;
	snprintf(in + n, sizeof(in) - n, " QUIT\r\n"
	    "NOOP %s\r\n"	/* 100 bytes with CRLF: fits */
	    "NOOP %s\r\n"	/* 103: does not */
	    "NOOP\r\n",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	check_splits(&s, in,
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "500 5.5.2 Error: line too long\r\n"
	    "250 2.0.0 Ok\r\n"
	    "500 5.5.2 Error: line too long\r\n"
	    "250 2.0.0 Ok\r\n", "");
}

/* LMTP: LHLO only, one reply per recipient at the end of the data */
static void
test_lmtp(void **state)
{
	struct tr_smtp_settings s;

	settings(&s, 1);
	s.rcpt_ok = NULL;	/* every recipient */
	check_splits(&s,
	    "EHLO c\r\n"
	    "LHLO c\r\n"
	    "MAIL FROM:<a@b>\r\n"
	    "RCPT TO:<one@example.com>\r\n"
	    "RCPT TO:<two@example.com>\r\n"
	    "DATA\r\n"
	    "body\r\n"
	    ".\r\n"
	    "QUIT\r\n",
	    "220 mx.example.com LMTP tlsrptd\r\n"
	    "500 5.5.1 Error: this is LMTP, say LHLO\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 STARTTLS\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 <one@example.com> Ok: queued as Q1\r\n"
	    "250 2.0.0 <two@example.com> Ok: queued as Q1\r\n"
	    "221 2.0.0 Bye\r\n"
	    "[CLOSE]",
	    "a@b|one@example.com,two@example.com|body\r\n#");
}

/* STARTTLS: after EHLO only, then everything starts again */
static void
test_starttls(void **state)
{
	struct tr_smtp_settings s;

	settings(&s, 0);
	s.max_errors = 100;
	check_splits(&s,
	    "STARTTLS\r\n"
	    "EHLO c\r\n"
	    "STARTTLS now\r\n"
	    "MAIL FROM:<>\r\n"
	    "STARTTLS\r\n"
	    "RSET\r\n"
	    "STARTTLS\r\n"
	    "MAIL FROM:<>\r\n"
	    "EHLO c\r\n"
	    "STARTTLS\r\n"
	    "QUIT\r\n",
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "503 5.5.1 Error: send EHLO first\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 STARTTLS\r\n"
	    "501 5.5.4 Syntax: STARTTLS\r\n"
	    "250 2.1.0 Ok\r\n"
	    "503 5.5.1 Error: MAIL transaction in progress\r\n"
	    "250 2.0.0 Ok\r\n"
	    "220 2.0.0 Ready to start TLS\r\n"
	    "[TLS]"
	    "503 5.5.1 Error: send HELO/EHLO first\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n"
	    "250 ENHANCEDSTATUSCODES\r\n"
	    "554 5.5.1 Error: TLS already active\r\n"
	    "221 2.0.0 Bye\r\n"
	    "[CLOSE]", "");

	s.starttls = 0;
	check_splits(&s, "EHLO c\r\nSTARTTLS\r\n",
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n"
	    "250 ENHANCEDSTATUSCODES\r\n"
	    "502 5.5.1 Error: command not implemented\r\n", "");
}

/* errors and idle commands are counted; past the limit, 421 and the end */
static void
test_error_limit(void **state)
{
	struct tr_smtp_settings s;
	struct transcript *t = malloc(sizeof(*t));
	char in[8192];
	size_t n = 0;
	int i;

	assert_non_null(t);
	settings(&s, 0);
	s.max_errors = 3;
	check_splits(&s, "FOO\r\nBAR\r\nBAZ\r\nQUX\r\nNOOP\r\n",
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "500 5.5.2 Error: command not recognized\r\n"
	    "500 5.5.2 Error: command not recognized\r\n"
	    "500 5.5.2 Error: command not recognized\r\n"
	    "500 5.5.2 Error: command not recognized\r\n"
	    "421 4.7.0 mx.example.com Error: too many errors\r\n"
	    "[CLOSE]", "");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "NOOP\r\n");
	converse(&s, in, n, ALL, t);
	assert_true(t->closed);
	assert_non_null(strstr(t->out, "421 4.7.0 mx.example.com Error: too "
	    "many commands\r\n[CLOSE]"));
	free(t);
}

/* NUL and control bytes in a command are refused */
static void
test_bad_bytes(void **state)
{
	struct tr_smtp_settings s;
	struct transcript *t = malloc(sizeof(*t));
	static const char in[] = "NO\0OP\r\nHELO a\x01\r\nNOOP\r\n";

	assert_non_null(t);
	settings(&s, 0);
	converse(&s, in, sizeof(in) - 1, ALL, t);
	assert_string_equal(t->out,
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "500 5.5.2 Error: bad characters in command\r\n"
	    "500 5.5.2 Error: bad characters in command\r\n"
	    "250 2.0.0 Ok\r\n");
	free(t);
}

/* too many recipients; bad addresses */
static void
test_recipients(void **state)
{
	struct tr_smtp_settings s;

	settings(&s, 0);
	s.rcpt_ok = NULL;
	s.max_errors = 100;
	check_splits(&s,
	    "HELO c\r\n"
	    "MAIL FROM:<a b>\r\n"
	    "MAIL FROM:<\"a b\"@c>\r\n"
	    "RCPT TO:<>\r\n"
	    "RCPT TO:<x\r\n"
	    "RCPT TO:<1@x>\r\n"
	    "RCPT TO:<2@x>\r\n"
	    "RCPT TO:<3@x>\r\n"
	    "RCPT TO:<4@x>\r\n"
	    "RCPT TO <5@x>\r\n"
	    "MAIL FROM:<a@b> SIZE=1\r\n",
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "250 mx.example.com\r\n"
	    "501 5.1.7 Bad sender address syntax\r\n"
	    "250 2.1.0 Ok\r\n"
	    "501 5.1.3 Bad recipient address syntax\r\n"
	    "501 5.1.3 Bad recipient address syntax\r\n"
	    "250 2.1.5 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "452 4.5.3 Error: too many recipients\r\n"
	    "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
	    "503 5.5.1 Error: nested MAIL command\r\n", "");
}

/* the caller's answers: 4xx per recipient in LMTP, close with 421 */
static void
test_finish_and_close(void **state)
{
	struct tr_smtp_settings s;
	struct tr_smtp_session *ss;
	enum tr_smtp_event ev;
	const char *o;
	size_t n;
	static const char in[] = "LHLO c\r\nMAIL FROM:<a@b>\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n";

	settings(&s, 1);
	ss = tr_smtp_session_new(&s);
	assert_non_null(ss);
	n = tr_smtp_feed(ss, in, sizeof(in) - 1, &ev);
	assert_int_equal(ev, TR_SMTP_MESSAGE);
	assert_int_equal(n, sizeof(in) - 1 - strlen("NOOP\r\n"));
	assert_false(tr_smtp_in_data(ss));
	tr_smtp_output_drain(ss, (size_t)-1);
	tr_smtp_finish(ss, 451, "4.3.0", "cannot store\r\nnow");
	o = tr_smtp_output(ss, &n);
	assert_int_equal(n, strlen("451 4.3.0 <tlsrpt@example.com> cannot "
	    "store??now\r\n"));
	assert_memory_equal(o, "451 4.3.0 <tlsrpt@example.com> cannot "
	    "store??now\r\n", n);
	tr_smtp_output_drain(ss, n);
	tr_smtp_close(ss, "4.3.2", "Service shutting down");
	o = tr_smtp_output(ss, &n);
	assert_memory_equal(o, "421 4.3.2 mx.example.com Service shutting "
	    "down\r\n", n);
	assert_true(tr_smtp_closed(ss));
	assert_int_equal(tr_smtp_feed(ss, "NOOP\r\n", 6, &ev), 0);
	assert_int_equal(ev, TR_SMTP_CLOSE);
	tr_smtp_session_free(ss);
}

/* a flood of pipelined commands is answered in bounded portions */
static void
test_output_bounded(void **state)
{
	struct tr_smtp_settings s;
	struct tr_smtp_session *ss;
	enum tr_smtp_event ev;
	size_t len = 6 * 20000, off = 0, n, most = 0, rounds = 0;
	char *in = malloc(len);
	int i;

	assert_non_null(in);
	for (i = 0; i < 20000; i++)
		memcpy(in + i * 6, "NOOP\r\n", 6);
	settings(&s, 0);
	s.max_errors = 100000;
	ss = tr_smtp_session_new(&s);
	assert_non_null(ss);
	while (off < len) {
		off += tr_smtp_feed(ss, in + off, len - off, &ev);
		assert_int_equal(ev, TR_SMTP_NONE);
		tr_smtp_output(ss, &n);
		if (n > most)
			most = n;
		tr_smtp_output_drain(ss, n);
		rounds++;
	}
	assert_true(most < 20 * 1024);
	assert_true(rounds > 10);
	tr_smtp_session_free(ss);
	free(in);
}

static int
hook_admit(void *arg)
{
	return tr_budget_admit(arg);
}

static int
hook_grow(size_t n, void *arg)
{
	return tr_budget_take(arg, n) == 0;
}

static void
hook_shrink(size_t n, void *arg)
{
	tr_budget_give(arg, n);
}

/* the memory budget: a message that outgrows it gets 452 at its end and
 * the next fits; a full budget refuses MAIL; every byte comes back */
static void
test_budget(void **state)
{
	struct tr_smtp_settings s;
	struct tr_budget *b;
	static char in[40000];
	char big[30001];
	size_t i;

	assert_non_null(b = tr_budget_new(20000));
	settings(&s, 0);
	s.max_message = 100000;
	s.admit = hook_admit;
	s.grow = hook_grow;
	s.shrink = hook_shrink;
	s.mem_arg = b;
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 100 == 99 ? '\n' : 'x';
	big[sizeof(big) - 1] = '\0';
	snprintf(in, sizeof(in),
	    "EHLO c\r\n"
	    "MAIL FROM:<a@b>\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "DATA\r\n"
	    "%s\r\n"
	    ".\r\n"
	    "MAIL FROM:<a@b>\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "DATA\r\n"
	    "small\r\n"
	    ".\r\n", big);
	check_splits(&s, in,
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 100000\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 STARTTLS\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "452 4.3.1 Insufficient system storage\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: queued as Q1\r\n",
	    "a@b|tlsrpt@example.com|small\r\n#");
	assert_int_equal(tr_budget_used(b), 0);

	/* too little left for a new message: MAIL and DATA wait */
	assert_int_equal(tr_budget_take(b, 19000), 0);
	check_splits(&s,
	    "EHLO c\r\n"
	    "MAIL FROM:<a@b>\r\n"
	    "RCPT TO:<tlsrpt@example.com>\r\n"
	    "QUIT\r\n",
	    "220 mx.example.com ESMTP tlsrptd\r\n"
	    "250-mx.example.com\r\n"
	    "250-PIPELINING\r\n"
	    "250-SIZE 100000\r\n"
	    "250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250 STARTTLS\r\n"
	    "452 4.3.1 Insufficient system storage, try again later\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "221 2.0.0 Bye\r\n"
	    "[CLOSE]", "");
	assert_int_equal(tr_budget_used(b), 19000);
	tr_budget_give(b, 19000);

	/* the message holds its share until finish, an idle session none */
	{
		struct tr_smtp_session *ss = tr_smtp_session_new(&s);
		const char *in2 = "EHLO c\r\nMAIL FROM:<a@b>\r\n"
		    "RCPT TO:<tlsrpt@example.com>\r\nDATA\r\nhello\r\n.\r\n";
		enum tr_smtp_event ev;
		size_t off = 0, len = strlen(in2);

		assert_non_null(ss);
		while (off < len) {
			off += tr_smtp_feed(ss, in2 + off, len - off, &ev);
			if (ev == TR_SMTP_MESSAGE)
				break;
		}
		assert_int_equal(ev, TR_SMTP_MESSAGE);
		assert_true(tr_budget_used(b) > 0);
		tr_smtp_finish(ss, 250, "2.0.0", "Ok");
		assert_int_equal(tr_budget_used(b), 0);
		tr_smtp_session_free(ss);
	}
	tr_budget_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_several_messages),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_size_boundary),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_lmtp),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_finish_and_close),
		cmocka_unit_test(test_output_bounded),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
