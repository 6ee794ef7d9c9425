/* smtp_data.h - the message of an SMTP DATA command: dot-unstuffing up to
 * the final dot (RFC 5321 4.5.2), kept in a buffer bounded by max_message
 * and by the session's memory budget */
#ifndef TR_SMTP_DATA_H
#define TR_SMTP_DATA_H

#include <stddef.h>

#include "smtp_session.h"

/* Where DATA is within a line: the end is CRLF "." CRLF, a leading dot of
 * any other line is removed. */
enum tr_smtp_dstate {
	TR_SMTP_D_BOL,		/* at the beginning of a line */
	TR_SMTP_D_TEXT,		/* inside a line */
	TR_SMTP_D_CR,		/* after a CR */
	TR_SMTP_D_DOT,		/* after a dot at the beginning of a line */
	TR_SMTP_D_DOTCR,	/* after "." CR at the beginning of a line */
};

/* One session's message; zero-initialised with set pointed at the
 * session's settings (max_message and the budget hooks). */
struct tr_smtp_data {
	const struct tr_smtp_settings *set;
	enum tr_smtp_dstate dstate;
	unsigned char *data;		/* the message, unstuffed */
	size_t len, cap;
	size_t received;		/* bytes of the message, kept or not */
	int too_big;			/* over max_message: only counted */
	int nomem;			/* the budget or malloc said no */
};

/* tr_smtp_data_start - a new message begins (after "354") */
void tr_smtp_data_start(struct tr_smtp_data *d);

/*
 * tr_smtp_data_feed - message bytes p[0..len); returns the bytes consumed.
 * *done = 1 when the final dot ended the message (consumed with it, what
 * follows is the next command), else 0 (all of p was consumed).
 */
size_t tr_smtp_data_feed(struct tr_smtp_data *d, const unsigned char *p,
    size_t len, int *done);

/* tr_smtp_data_reset - forget the message; the buffer is kept for the
 * next one unless it is large or a budget is in use */
void tr_smtp_data_reset(struct tr_smtp_data *d);

/* tr_smtp_data_free - the buffer goes, and its bytes back to the budget */
void tr_smtp_data_free(struct tr_smtp_data *d);

#endif
