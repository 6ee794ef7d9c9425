/* smtp_session.c - the SMTP/LMTP protocol as a pure state machine: bytes in, replies and events out */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_data.h"
#include "smtp_session.h"
#include "smtp_syntax.h"

#define TEXT_MAX	TR_SMTP_TEXT_MAX
#define OUT_MAX		(16 * 1024)	/* replies queued before feed pauses */
#define JUNK_FACTOR	5	/* NOOP, RSET, VRFY, HELP: max_errors times this */

enum state {
	ST_GREETED,		/* no HELO/EHLO/LHLO yet */
	ST_READY,		/* may start a transaction with MAIL */
	ST_MAIL,		/* MAIL done; RCPT, DATA */
	ST_DATA,		/* receiving the message */
	ST_WAIT,		/* the message is out for storing */
	ST_CLOSED,		/* QUIT, too many errors, or closed */
};

struct tr_smtp_session {
	struct tr_smtp_settings set;
	enum state state;
	int esmtp;			/* EHLO (or LHLO) rather than HELO */
	int tls;			/* TLS is active */
	unsigned errors, junk;

	/* the command line being received */
	char *line;
	size_t linelen;
	int skipping;			/* discarding an overlong line */
	int linebad;			/* the line holds a NUL */

	/* the transaction */
	char *helo;
	char *from;
	char **rcpt;
	size_t nrcpt;
	struct tr_smtp_data msg;	/* the message of DATA */
	struct tr_smtp_envelope env;

	/* replies not yet taken by the caller */
	char *out;
	size_t outoff, outlen, outcap;
	int outfail;			/* a reply could not be queued */
};

/* out_add - append bytes to the replies; on allocation failure the
 * session ends (there is no way to answer) */
static void
out_add(struct tr_smtp_session *ss, const char *p, size_t n)
{
	size_t cap;
	char *nb;

	if (ss->outfail)
		return;
	if (ss->outoff > 0 && ss->outoff == ss->outlen)
		ss->outoff = ss->outlen = 0;
	if (ss->outlen + n > ss->outcap) {
		cap = ss->outcap > 0 ? ss->outcap : 512;
		while (cap < ss->outlen + n)
			cap *= 2;
		if ((nb = realloc(ss->out, cap)) == NULL) {
			ss->outfail = 1;
			ss->state = ST_CLOSED;
			return;
		}
		ss->out = nb;
		ss->outcap = cap;
	}
	memcpy(ss->out + ss->outlen, p, n);
	ss->outlen += n;
}

/* reply - queue one reply line "fmt" CRLF; a 4xx or 5xx counts as an error */
static void __attribute__((format(printf, 2, 3)))
reply(struct tr_smtp_session *ss, const char *fmt, ...)
{
	char buf[TEXT_MAX * 2 + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 3)
		n = (int)sizeof(buf) - 3;
	buf[n++] = '\r';
	buf[n++] = '\n';
	out_add(ss, buf, (size_t)n);
	if (buf[0] == '4' || buf[0] == '5')
		ss->errors++;
}

/* over_budget - whether a new message must wait for memory: then a 452
 * is queued (not counted as the client's error) */
static int
over_budget(struct tr_smtp_session *ss)
{
	unsigned errors = ss->errors;

	if (ss->set.admit == NULL || ss->set.admit(ss->set.mem_arg))
		return 0;
	reply(ss, "452 4.3.1 Insufficient system storage, try again later");
	ss->errors = errors;
	return 1;
}

/* reset_transaction - forget the envelope and the message */
static void
reset_transaction(struct tr_smtp_session *ss)
{
	size_t i;

	free(ss->from);
	ss->from = NULL;
	for (i = 0; i < ss->nrcpt; i++)
		free(ss->rcpt[i]);
	ss->nrcpt = 0;
	tr_smtp_data_reset(&ss->msg);
	if (ss->state == ST_MAIL || ss->state == ST_DATA ||
	    ss->state == ST_WAIT)
		ss->state = ST_READY;
}

/* tr_smtp_session_new - allocate and greet */
struct tr_smtp_session *
tr_smtp_session_new(const struct tr_smtp_settings *s)
{
	struct tr_smtp_session *ss;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return NULL;
	ss->set = *s;
	ss->msg.set = &ss->set;
	if (ss->set.hostname == NULL)
		ss->set.hostname = "localhost";
	if (ss->set.max_line < 64)
		ss->set.max_line = 64;
	if (ss->set.max_rcpt == 0)
		ss->set.max_rcpt = 1;
	if (ss->set.max_errors == 0)
		ss->set.max_errors = 1;
	ss->line = malloc(ss->set.max_line + 1);
	ss->rcpt = calloc(ss->set.max_rcpt, sizeof(*ss->rcpt));
	if (ss->line == NULL || ss->rcpt == NULL) {
		tr_smtp_session_free(ss);
		return NULL;
	}
	reply(ss, "220 %s %s tlsrptd", ss->set.hostname,
	    ss->set.lmtp ? "LMTP" : "ESMTP");
	if (ss->outfail) {
		tr_smtp_session_free(ss);
		return NULL;
	}
	return ss;
}

/* tr_smtp_session_free - everything the session holds */
void
tr_smtp_session_free(struct tr_smtp_session *ss)
{
	if (ss == NULL)
		return;
	if (ss->rcpt != NULL)
		reset_transaction(ss);
	free(ss->rcpt);
	tr_smtp_data_free(&ss->msg);
	free(ss->line);
	free(ss->helo);
	free(ss->out);
	free(ss);
}

/* cmd_helo - HELO, EHLO or LHLO: a fresh start, with the extensions */
static void
cmd_helo(struct tr_smtp_session *ss, const char *verb, const char *arg,
    int esmtp)
{
	char name[TEXT_MAX + 8];
	const char *ext[6];
	size_t i, n = 0;

	if (*arg == '\0') {
		reply(ss, "501 5.5.4 Syntax: %s hostname", verb);
		return;
	}
	reset_transaction(ss);
	free(ss->helo);
	tr_smtp_syntax_clean(name, sizeof(name), arg);
	ss->helo = strdup(name);
	ss->esmtp = esmtp;
	ss->state = ST_READY;
	if (!esmtp) {
		reply(ss, "250 %s", ss->set.hostname);
		return;
	}
	ext[n++] = "PIPELINING";
	ext[n++] = "SIZE";
	ext[n++] = "8BITMIME";
	ext[n++] = "ENHANCEDSTATUSCODES";
	if (ss->set.starttls && !ss->tls)
		ext[n++] = "STARTTLS";
	reply(ss, "250-%s", ss->set.hostname);
	for (i = 0; i < n; i++) {
		if (strcmp(ext[i], "SIZE") == 0)
			reply(ss, "250%cSIZE %zu", i + 1 < n ? '-' : ' ',
			    ss->set.max_message);
		else
			reply(ss, "250%c%s", i + 1 < n ? '-' : ' ', ext[i]);
	}
}

/* cmd_mail - MAIL FROM:<addr> [SIZE=n] [BODY=7BIT|8BITMIME] */
static void
cmd_mail(struct tr_smtp_session *ss, const char *arg)
{
	char key[32], val[32], *from, *end;
	const char *rest;
	unsigned long long size;
	int nomem, r;

	if (ss->state == ST_GREETED) {
		reply(ss, "503 5.5.1 Error: send %s first",
		    ss->set.lmtp ? "LHLO" : "HELO/EHLO");
		return;
	}
	if (ss->state == ST_MAIL) {
		reply(ss, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (strncasecmp(arg, "FROM:", 5) != 0) {
		reply(ss, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (over_budget(ss))
		return;
	if ((from = tr_smtp_syntax_path(arg + 5, &rest, &nomem)) == NULL) {
		if (nomem)
			reply(ss, "452 4.3.1 Insufficient system storage");
		else
			reply(ss, "501 5.1.7 Bad sender address syntax");
		return;
	}
	while ((r = tr_smtp_syntax_param(&rest, key, sizeof(key), val,
	    sizeof(val))) != 0) {
		if (r == -1 || !ss->esmtp) {
			reply(ss, "555 5.5.4 Unsupported option");
			goto bad;
		}
		if (strcasecmp(key, "SIZE") == 0) {
			if (val[0] < '0' || val[0] > '9' ||
			    (size = strtoull(val, &end, 10), *end != '\0')) {
				reply(ss, "501 5.5.4 Bad SIZE syntax");
				goto bad;
			}
			if (size > ss->set.max_message) {
				reply(ss, "552 5.3.4 Message size exceeds "
				    "fixed limit");
				goto bad;
			}
		} else if (strcasecmp(key, "BODY") == 0) {
			if (strcasecmp(val, "7BIT") != 0 &&
			    strcasecmp(val, "8BITMIME") != 0) {
				reply(ss, "501 5.5.4 Bad BODY syntax");
				goto bad;
			}
		} else {
			tr_smtp_syntax_clean(val, sizeof(val), key);
			reply(ss, "555 5.5.4 Unsupported option: %s", val);
			goto bad;
		}
	}
	reset_transaction(ss);
	ss->from = from;
	ss->state = ST_MAIL;
	reply(ss, "250 2.1.0 Ok");
	return;
bad:
	free(from);
}

/* cmd_rcpt - RCPT TO:<addr>: only the recipients the caller takes */
static void
cmd_rcpt(struct tr_smtp_session *ss, const char *arg)
{
	char key[32], val[32], shown[TEXT_MAX + 8], *to;
	const char *rest;
	int nomem;

	if (ss->state != ST_MAIL) {
		reply(ss, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (strncasecmp(arg, "TO:", 3) != 0) {
		reply(ss, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if ((to = tr_smtp_syntax_path(arg + 3, &rest, &nomem)) == NULL ||
	    *to == '\0') {
		free(to);
		if (nomem)
			reply(ss, "452 4.3.1 Insufficient system storage");
		else
			reply(ss, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	if (tr_smtp_syntax_param(&rest, key, sizeof(key), val, sizeof(val)) != 0) {
		reply(ss, "555 5.5.4 Unsupported option");
		free(to);
		return;
	}
	tr_smtp_syntax_clean(shown, sizeof(shown), to);
	if (ss->set.rcpt_ok != NULL && !ss->set.rcpt_ok(to, ss->set.rcpt_arg)) {
		reply(ss, "550 5.1.1 <%s>: Recipient address rejected: not a "
		    "TLS report address here", shown);
		free(to);
		return;
	}
	if (ss->nrcpt >= ss->set.max_rcpt) {
		reply(ss, "452 4.5.3 Error: too many recipients");
		free(to);
		return;
	}
	ss->rcpt[ss->nrcpt++] = to;
	reply(ss, "250 2.1.5 Ok");
}

/* cmd_data - DATA: the message follows */
static void
cmd_data(struct tr_smtp_session *ss, const char *arg)
{
	if (*arg != '\0') {
		reply(ss, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (ss->state != ST_MAIL) {
		reply(ss, "503 5.5.1 Error: need RCPT command");
		return;
	}
	if (ss->nrcpt == 0) {
		reply(ss, "554 5.5.1 Error: no valid recipients");
		return;
	}
	if (over_budget(ss))
		return;
	ss->state = ST_DATA;
	tr_smtp_data_start(&ss->msg);
	reply(ss, "354 End data with <CR><LF>.<CR><LF>");
}

/* cmd_starttls - STARTTLS: the reply, then the caller starts TLS */
static int
cmd_starttls(struct tr_smtp_session *ss, const char *arg)
{
	if (!ss->set.starttls) {
		reply(ss, "502 5.5.1 Error: command not implemented");
		return 0;
	}
	if (*arg != '\0') {
		reply(ss, "501 5.5.4 Syntax: STARTTLS");
		return 0;
	}
	if (ss->tls) {
		reply(ss, "554 5.5.1 Error: TLS already active");
		return 0;
	}
	if (!ss->esmtp || ss->state == ST_GREETED) {
		reply(ss, "503 5.5.1 Error: send %s first",
		    ss->set.lmtp ? "LHLO" : "EHLO");
		return 0;
	}
	if (ss->state != ST_READY) {
		reply(ss, "503 5.5.1 Error: MAIL transaction in progress");
		return 0;
	}
	reply(ss, "220 2.0.0 Ready to start TLS");
	return 1;
}

/* command - one command line (NUL-terminated, without CRLF) */
static enum tr_smtp_event
command(struct tr_smtp_session *ss, const char *line)
{
	const char *arg;
	const unsigned char *p;

	for (p = (const unsigned char *)line; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f) {
			reply(ss, "500 5.5.2 Error: bad characters in "
			    "command");
			return TR_SMTP_NONE;
		}
	if (tr_smtp_syntax_word(line, "EHLO", &arg) ||
	    tr_smtp_syntax_word(line, "HELO", &arg)) {
		if (ss->set.lmtp)
			reply(ss, "500 5.5.1 Error: this is LMTP, say LHLO");
		else
			cmd_helo(ss, toupper((unsigned char)line[0]) == 'E' ?
			    "EHLO" : "HELO", arg,
			    toupper((unsigned char)line[0]) == 'E');
	} else if (tr_smtp_syntax_word(line, "LHLO", &arg)) {
		if (ss->set.lmtp)
			cmd_helo(ss, "LHLO", arg, 1);
		else
			reply(ss, "500 5.5.1 Error: this is SMTP, say EHLO");
	} else if (tr_smtp_syntax_word(line, "MAIL", &arg))
		cmd_mail(ss, arg);
	else if (tr_smtp_syntax_word(line, "RCPT", &arg))
		cmd_rcpt(ss, arg);
	else if (tr_smtp_syntax_word(line, "DATA", &arg))
		cmd_data(ss, arg);
	else if (tr_smtp_syntax_word(line, "RSET", &arg)) {
		ss->junk++;
		reset_transaction(ss);
		reply(ss, "250 2.0.0 Ok");
	} else if (tr_smtp_syntax_word(line, "NOOP", &arg)) {
		ss->junk++;
		reply(ss, "250 2.0.0 Ok");
	} else if (tr_smtp_syntax_word(line, "VRFY", &arg)) {
		ss->junk++;
		reply(ss, "252 2.0.0 Cannot VRFY user, send a message with "
		    "RCPT");
	} else if (tr_smtp_syntax_word(line, "HELP", &arg)) {
		ss->junk++;
		reply(ss, "214 2.0.0 See RFC 5321%s",
		    ss->set.lmtp ? " and RFC 2033" : "");
	} else if (tr_smtp_syntax_word(line, "QUIT", &arg)) {
		reply(ss, "221 2.0.0 Bye");
		ss->state = ST_CLOSED;
		return TR_SMTP_CLOSE;
	} else if (tr_smtp_syntax_word(line, "STARTTLS", &arg)) {
		if (cmd_starttls(ss, arg))
			return TR_SMTP_STARTTLS;
	} else
		reply(ss, "500 5.5.2 Error: command not recognized");
	return TR_SMTP_NONE;
}

/* limits_hit - too many errors or idle commands: say so and end */
static int
limits_hit(struct tr_smtp_session *ss)
{
	if (ss->errors <= ss->set.max_errors &&
	    ss->junk <= ss->set.max_errors * JUNK_FACTOR)
		return 0;
	reply(ss, "421 4.7.0 %s Error: too many %s", ss->set.hostname,
	    ss->errors > ss->set.max_errors ? "errors" : "commands");
	ss->state = ST_CLOSED;
	return 1;
}

/* data_end - the final dot: hand the message out, or answer it here */
static enum tr_smtp_event
data_end(struct tr_smtp_session *ss)
{
	ss->env.helo = ss->helo != NULL ? ss->helo : "";
	ss->env.from = ss->from != NULL ? ss->from : "";
	ss->env.rcpt = (const char *const *)ss->rcpt;
	ss->env.nrcpt = ss->nrcpt;
	ss->env.data = ss->msg.too_big || ss->msg.nomem ? NULL : ss->msg.data;
	ss->env.len = ss->msg.too_big || ss->msg.nomem ? ss->msg.received :
	    ss->msg.len;
	if (ss->msg.too_big) {
		reply(ss, "552 5.3.4 Error: message too large (limit %zu "
		    "bytes)", ss->set.max_message);
		/* the envelope stays readable until the next feed: the
		 * transaction is forgotten at the next command */
		ss->state = ST_READY;
		return TR_SMTP_TOO_BIG;
	}
	if (ss->msg.nomem) {
		reply(ss, "452 4.3.1 Insufficient system storage");
		reset_transaction(ss);
		return TR_SMTP_NONE;
	}
	if (ss->env.data == NULL)
		ss->env.data = (const unsigned char *)"";
	ss->state = ST_WAIT;
	ss->junk = 0;
	return TR_SMTP_MESSAGE;
}

/* feed_commands - command lines until an event, the end of the input, or
 * enough queued replies; returns bytes consumed */
static size_t
feed_commands(struct tr_smtp_session *ss, const unsigned char *p, size_t len,
    enum tr_smtp_event *ev)
{
	const unsigned char *lf;
	size_t i = 0, n;

	while (i < len && ss->state != ST_DATA && ss->state != ST_CLOSED &&
	    ss->outlen - ss->outoff < OUT_MAX) {
		lf = memchr(p + i, '\n', len - i);
		n = lf != NULL ? (size_t)(lf - (p + i)) : len - i;
		if (ss->skipping) {
			i += n;
			if (lf != NULL) {
				ss->skipping = 0;
				i++;
			}
			continue;
		}
		/* refuse an overlong line before its end arrives; the line
		 * holds its CR, max_line counts CR and LF */
		if (ss->linelen + n > ss->set.max_line - 1) {
			reply(ss, "500 5.5.2 Error: line too long");
			ss->linelen = 0;
			ss->linebad = 0;
			ss->skipping = 1;
			if (limits_hit(ss)) {
				*ev = TR_SMTP_CLOSE;
				return i;
			}
			continue;
		}
		if (memchr(p + i, '\0', n) != NULL)
			ss->linebad = 1;
		memcpy(ss->line + ss->linelen, p + i, n);
		ss->linelen += n;
		i += n;
		if (lf == NULL)
			break;
		i++;
		if (ss->linelen > 0 && ss->line[ss->linelen - 1] == '\r')
			ss->linelen--;
		ss->line[ss->linelen] = '\0';
		ss->linelen = 0;
		if (ss->linebad) {
			ss->linebad = 0;
			reply(ss, "500 5.5.2 Error: bad characters in "
			    "command");
			*ev = TR_SMTP_NONE;
		} else
			*ev = command(ss, ss->line);
		if (ss->outfail) {
			*ev = TR_SMTP_CLOSE;
			return i;
		}
		if (*ev != TR_SMTP_NONE)
			return i;
		if (limits_hit(ss)) {
			*ev = TR_SMTP_CLOSE;
			return i;
		}
	}
	return i;
}

/* tr_smtp_feed - commands and data, until an event or the end */
size_t
tr_smtp_feed(struct tr_smtp_session *ss, const void *buf, size_t len,
    enum tr_smtp_event *ev)
{
	const unsigned char *p = buf;
	size_t i = 0;
	int done = 0;

	*ev = TR_SMTP_NONE;
	if (ss->state == ST_CLOSED) {
		*ev = TR_SMTP_CLOSE;
		return 0;
	}
	if (ss->state == ST_WAIT)
		return 0;
	while (i < len && *ev == TR_SMTP_NONE &&
	    ss->outlen - ss->outoff < OUT_MAX) {
		if (ss->state == ST_DATA) {
			i += tr_smtp_data_feed(&ss->msg, p + i, len - i, &done);
			if (done)
				*ev = data_end(ss);
		} else {
			i += feed_commands(ss, p + i, len - i, ev);
			if (ss->state == ST_CLOSED)
				*ev = TR_SMTP_CLOSE;
			if (ss->state != ST_DATA)
				break;
		}
	}
	if (ss->outfail)
		*ev = TR_SMTP_CLOSE;
	return i;
}

/* tr_smtp_envelope - the message just completed */
const struct tr_smtp_envelope *
tr_smtp_envelope(const struct tr_smtp_session *ss)
{
	return &ss->env;
}

/* tr_smtp_finish - the answer to the message out for storing */
void
tr_smtp_finish(struct tr_smtp_session *ss, int code, const char *ecode,
    const char *text)
{
	char t[TEXT_MAX + 8], r[TEXT_MAX + 8];
	unsigned errors = ss->errors;
	size_t i;

	if (ss->state != ST_WAIT)
		return;
	tr_smtp_syntax_clean(t, sizeof(t), text != NULL ? text : "");
	if (!ss->set.lmtp)
		reply(ss, "%03d %s %s", code, ecode, t);
	else
		for (i = 0; i < ss->nrcpt; i++) {
			tr_smtp_syntax_clean(r, sizeof(r), ss->rcpt[i]);
			reply(ss, "%03d %s <%s> %s", code, ecode, r, t);
		}
	/* a rejected or deferred message is not the client's error */
	ss->errors = errors;
	reset_transaction(ss);
}

/* tr_smtp_tls_started - RFC 3207: forget everything said before TLS */
void
tr_smtp_tls_started(struct tr_smtp_session *ss)
{
	if (ss->state == ST_CLOSED)
		return;
	reset_transaction(ss);
	free(ss->helo);
	ss->helo = NULL;
	ss->esmtp = 0;
	ss->tls = 1;
	ss->linelen = 0;
	ss->skipping = 0;
	ss->state = ST_GREETED;
}

/* tr_smtp_close - a 421 and the end */
void
tr_smtp_close(struct tr_smtp_session *ss, const char *ecode, const char *text)
{
	char t[TEXT_MAX + 8];

	if (ss->state == ST_CLOSED)
		return;
	tr_smtp_syntax_clean(t, sizeof(t), text != NULL ? text : "");
	reply(ss, "421 %s %s %s", ecode, ss->set.hostname, t);
	ss->state = ST_CLOSED;
}

/* tr_smtp_output - the replies the caller has not sent yet */
const char *
tr_smtp_output(const struct tr_smtp_session *ss, size_t *len)
{
	*len = ss->outlen - ss->outoff;
	return ss->out != NULL ? ss->out + ss->outoff : "";
}

/* tr_smtp_output_drain - n bytes of the replies are sent */
void
tr_smtp_output_drain(struct tr_smtp_session *ss, size_t n)
{
	if (n > ss->outlen - ss->outoff)
		n = ss->outlen - ss->outoff;
	ss->outoff += n;
	if (ss->outoff == ss->outlen)
		ss->outoff = ss->outlen = 0;
}

int
tr_smtp_in_data(const struct tr_smtp_session *ss)
{
	return ss->state == ST_DATA;
}

int
tr_smtp_waiting(const struct tr_smtp_session *ss)
{
	return ss->state == ST_WAIT;
}

int
tr_smtp_closed(const struct tr_smtp_session *ss)
{
	return ss->state == ST_CLOSED;
}
