/* smtp_session.h - the SMTP/LMTP protocol as a pure state machine: bytes in, replies and events out */
#ifndef TR_SMTP_SESSION_H
#define TR_SMTP_SESSION_H

#include <stddef.h>

struct tr_smtp_session;

/* Limits and choices of one session; the strings must outlive it. */
struct tr_smtp_settings {
	int lmtp;			/* LMTP (RFC 2033): LHLO, a reply per rcpt */
	const char *hostname;		/* in the greeting and the EHLO reply */
	size_t max_message;		/* SIZE: larger messages get 552 5.3.4 */
	size_t max_line;		/* a command line, CRLF included */
	unsigned max_rcpt;		/* recipients of one message */
	unsigned max_errors;		/* bad or idle commands before 421 */
	int starttls;			/* offer STARTTLS */
	/* whether a recipient (without <>) is one we take: nonzero = yes */
	int (*rcpt_ok)(const char *addr, void *arg);
	void *rcpt_arg;
	/*
	 * The memory budget, or NULL for none. admit: whether a new message
	 * may begin (asked at MAIL and at DATA; no: 452 4.3.1). grow: may
	 * the message buffer take n more bytes (asked before it grows;
	 * nonzero = granted; no: the rest of the message is dropped and the
	 * final dot gets 452 4.3.1). shrink: n granted bytes are freed. With
	 * these hooks the session frees its buffer at the end of every
	 * transaction, so that an idle session holds none of the budget.
	 */
	int (*admit)(void *arg);
	int (*grow)(size_t n, void *arg);
	void (*shrink)(size_t n, void *arg);
	void *mem_arg;
};

/* Defaults for the limits of tr_smtp_settings. */
#define TR_SMTP_LINE_MAX	2048	/* Postfix's line_length_limit */
#define TR_SMTP_RCPT_MAX	100	/* RFC 5321 4.5.3.1.8 minimum */
#define TR_SMTP_ERRORS_MAX	20

/* What the caller must do once tr_smtp_feed returns. */
enum tr_smtp_event {
	TR_SMTP_NONE,		/* nothing: send the replies, read more */
	TR_SMTP_MESSAGE,	/* a message is complete (tr_smtp_envelope):
				 * store it, then tr_smtp_finish */
	TR_SMTP_TOO_BIG,	/* a message was over max_message: 552 is
				 * already queued; tr_smtp_envelope for the log */
	TR_SMTP_STARTTLS,	/* send the replies, discard any unread input,
				 * then start TLS and tr_smtp_tls_started */
	TR_SMTP_CLOSE,		/* send the replies, then close */
};

/* A message and its envelope: valid until the next feed or finish. */
struct tr_smtp_envelope {
	const char *helo;		/* as the client named itself */
	const char *from;		/* "" for the null sender */
	const char *const *rcpt;	/* accepted recipients, without <> */
	size_t nrcpt;
	const unsigned char *data;	/* dot-unstuffed, CRLF as received;
					 * NULL for TR_SMTP_TOO_BIG */
	size_t len;			/* bytes received (also when too big) */
};

/*
 * tr_smtp_session_new - a session that has queued its 220 greeting; NULL
 * when out of memory. s is copied, its strings are not.
 */
struct tr_smtp_session *tr_smtp_session_new(const struct tr_smtp_settings *s);

void tr_smtp_session_free(struct tr_smtp_session *ss);

/*
 * tr_smtp_feed - process received bytes: commands are answered into the
 * output (tr_smtp_output), the message is collected. Returns how many of
 * the len bytes were consumed, which is fewer than len only when an event
 * other than TR_SMTP_NONE is returned in *ev: the caller acts on it first,
 * and after TR_SMTP_MESSAGE feeds nothing more until tr_smtp_finish. After
 * TR_SMTP_CLOSE every further feed consumes nothing.
 */
size_t tr_smtp_feed(struct tr_smtp_session *ss, const void *buf, size_t len,
    enum tr_smtp_event *ev);

/* tr_smtp_envelope - the message of the last TR_SMTP_MESSAGE or
 * TR_SMTP_TOO_BIG event */
const struct tr_smtp_envelope *tr_smtp_envelope(const struct tr_smtp_session *ss);

/*
 * tr_smtp_finish - the answer to the message of TR_SMTP_MESSAGE: "code
 * ecode text" once, or in LMTP once per recipient with the recipient named.
 * The message is released and the session waits for the next MAIL. code is
 * 250 or a 4xx/5xx; text is made printable and cut if needed.
 */
void tr_smtp_finish(struct tr_smtp_session *ss, int code, const char *ecode,
    const char *text);

/* tr_smtp_tls_started - TLS is up: the client must say EHLO again */
void tr_smtp_tls_started(struct tr_smtp_session *ss);

/* tr_smtp_close - queue a 421 reply with ecode and text (a timeout, a stop)
 * and end the session: every further feed consumes nothing */
void tr_smtp_close(struct tr_smtp_session *ss, const char *ecode,
    const char *text);

/* tr_smtp_output, tr_smtp_output_drain - the replies queued so far, and
 * how many of them the caller has sent */
const char *tr_smtp_output(const struct tr_smtp_session *ss, size_t *len);
void tr_smtp_output_drain(struct tr_smtp_session *ss, size_t n);

/* tr_smtp_in_data - whether a message's DATA is being received (for the
 * caller's DATA timeout) */
int tr_smtp_in_data(const struct tr_smtp_session *ss);

/* tr_smtp_waiting - whether the session awaits tr_smtp_finish */
int tr_smtp_waiting(const struct tr_smtp_session *ss);

/* tr_smtp_closed - whether the session has ended (QUIT, errors, close) */
int tr_smtp_closed(const struct tr_smtp_session *ss);

#endif
