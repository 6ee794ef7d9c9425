/* milter.c - libmilter receiver: buffer mail to rua addresses, answer from the verdict */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "budget.h"
#include "log.h"
#include "milter.h"
#include "outcome.h"
#include "way_in.h"

#define BUF_START	(64 * 1024)
#define REPLY_REASON_MAX 200	/* characters of a reason quoted in a reply */

/*
 * libmilter keeps one filter per process, so its settings live here. They
 * are written once before smfi_main starts and only read afterwards.
 */
static struct {
	const struct tr_config *cfg;
	struct tr_daemon *d;
	struct tr_budget *budget;	/* or NULL */
	_Atomic unsigned nconns;	/* connection contexts that count */
} M;

/* One message; exists from MAIL FROM until its end, abort or accept. */
struct msg {
	char *from;
	char **rcpt;
	size_t nrcpt, rcptcap;
	unsigned nrua, nother;		/* recipients by kind */
	char *queue_id;			/* macro i, as soon as the MTA has one */
	unsigned char *buf;		/* the rebuilt message */
	size_t len, cap;
	enum {
		MSG_BUFFER,		/* still taking content */
		MSG_TOO_BIG,		/* over max_message: buffer dropped */
		MSG_NOMEM,		/* an allocation failed: tempfail it */
		MSG_NO_BUDGET,		/* max_inflight_bytes in use: tempfail */
	} state;
};

/* One MTA connection; behind smfi_setpriv. */
struct conn {
	unsigned long pflags;		/* the protocol flags agreed on */
	int lost_rua;			/* a rua recipient came without a msg */
	int counted;			/* within milter_max_connections */
	struct msg *msg;
};

/* msg_free - release a message and everything it holds */
static void
msg_free(struct msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free(m->from);
	free(m->queue_id);
	free(m->buf);
	if (m->cap > 0 && M.budget != NULL)
		tr_budget_give(M.budget, m->cap);
	free(m);
}

/* get_conn - the connection context, made on first use (negotiate may be
 * skipped by old MTAs). NULL when out of memory. */
static struct conn *
get_conn(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	unsigned n;

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
		smfi_setpriv(ctx, c);
		/* past milter_max_connections a connection is served, but
		 * its report mail is tempfailed (mlfi_data) */
		n = atomic_fetch_add(&M.nconns, 1);
		if (n < M.cfg->milter_max_connections)
			c->counted = 1;
		else
			atomic_fetch_sub(&M.nconns, 1);
	}
	return c;
}

/* end_msg - the message is answered: drop its context */
static void
end_msg(struct conn *c)
{
	if (c != NULL) {
		msg_free(c->msg);
		c->msg = NULL;
	}
}

/* strip_addr - a copy of an envelope address without its <> */
static char *
strip_addr(const char *a)
{
	size_t n;

	if (a == NULL)
		return strdup("");
	n = strlen(a);
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>')
		return strndup(a + 1, n - 2);
	return strdup(a);
}

/*
 * reply_text - make text safe for smfi_setreply: at most REPLY_REASON_MAX
 * characters of printable ASCII (CR, LF and other bytes become spaces or
 * '?'), with '%' doubled because the MTA treats the text as a format.
 */
static void
reply_text(char *out, size_t outsz, const char *in)
{
	size_t i, o = 0;
	unsigned char ch;

	for (i = 0; in[i] != '\0' && i < REPLY_REASON_MAX && o + 3 < outsz;
	    i++) {
		ch = (unsigned char)in[i];
		if (ch == '\r' || ch == '\n' || ch == '\t')
			out[o++] = ' ';
		else if (ch < 0x20 || ch >= 0x7f)
			out[o++] = '?';
		else if (ch == '%') {
			out[o++] = '%';
			out[o++] = '%';
		} else
			out[o++] = (char)ch;
	}
	if (in[i] != '\0' && o + 4 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* set_reply - a custom reply; its class must agree with the return value */
static void
set_reply(SMFICTX *ctx, const char *rcode, const char *xcode,
    const char *prefix, const char *reason)
{
	char text[2 * REPLY_REASON_MAX + 8], all[3 * REPLY_REASON_MAX];

	reply_text(text, sizeof(text), reason);
	snprintf(all, sizeof(all), "%s%s", prefix, text);
	if (smfi_setreply(ctx, (char *)rcode, (char *)xcode, all) != MI_SUCCESS)
		log_warnx("milter: the MTA refused reply %s %s %s", rcode,
		    xcode, all);
}

/* join_rcpts - "a,b,c" of the recipients, or NULL */
static char *
join_rcpts(const struct msg *m)
{
	size_t i, n = 1;
	char *s;

	for (i = 0; i < m->nrcpt; i++)
		n += strlen(m->rcpt[i]) + 1;
	if ((s = malloc(n)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < m->nrcpt; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, m->rcpt[i]);
	}
	return s;
}

/* log_msg - a log line for a message that never reached the loop */
static void
log_msg(enum tr_loglevel level, const struct msg *m, const char *outcome,
    const char *reason_class, const char *reason)
{
	struct tr_origin o;
	char *to = join_rcpts(m);

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_MILTER;
	o.source = m->queue_id;
	o.envelope_from = m->from;
	o.envelope_to = to;
	tr_outcome_log_refusal(level, outcome, &o, (int64_t)m->len,
	    reason_class, reason);
	free(to);
}

/* tempfail - the fail-safe answer for mail to a rua: retry later */
static sfsistat
tempfail(SMFICTX *ctx, struct conn *c, const char *cause)
{
	set_reply(ctx, "451", "4.3.0", "tlsrptd: ", cause);
	if (c != NULL && c->msg != NULL)
		log_msg(TR_LOG_ERROR, c->msg, "tempfail", "milter", cause);
	end_msg(c);
	return SMFIS_TEMPFAIL;
}

/* no_budget - the answer to report mail while max_inflight_bytes is in
 * use: retry later */
static sfsistat
no_budget(SMFICTX *ctx, struct conn *c)
{
	set_reply(ctx, "452", "4.3.1", "tlsrptd: ", "insufficient system "
	    "storage, try again later");
	if (c != NULL && c->msg != NULL)
		log_msg(TR_LOG_WARN, c->msg, "tempfail", "milter",
		    "max_inflight_bytes in use");
	end_msg(c);
	return SMFIS_TEMPFAIL;
}

/* note_queue_id - remember macro i once the MTA has assigned it */
static void
note_queue_id(SMFICTX *ctx, struct msg *m)
{
	char *qid = smfi_getsymval(ctx, (char *)"i");

	if (qid == NULL || *qid == '\0')
		return;
	if (m->queue_id != NULL && strcmp(m->queue_id, qid) == 0)
		return;
	free(m->queue_id);
	m->queue_id = strdup(qid);
}

/* quiet - the answer to a step the MTA agreed not to wait for (NR flags):
 * replying there would break the protocol, so decisions wait for DATA or
 * the end of the message */
static sfsistat
quiet(const struct conn *c, unsigned long nr_bit)
{
	return c != NULL && (c->pflags & nr_bit) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* ours - the message being buffered, or NULL when its content is not ours
 * to keep: no rua recipient, too big, or an allocation failed */
static struct msg *
ours(const struct conn *c)
{
	if (c == NULL || c->msg == NULL || c->msg->nrua == 0 ||
	    c->msg->state != MSG_BUFFER)
		return NULL;
	return c->msg;
}

/* add - append bytes to the rebuilt message, within max_message; past it
 * or on allocation failure the buffer goes and the state says why */
static void
add(struct msg *m, const void *p, size_t n)
{
	size_t limit = M.cfg->limits.max_message, want = m->len + n, cap;
	unsigned char *nb;

	if (m->state != MSG_BUFFER)
		return;
	if (want > limit) {
		m->state = MSG_TOO_BIG;
		goto drop;
	}
	if (want > m->cap) {
		cap = m->cap > 0 ? m->cap : BUF_START;
		while (cap < want)
			cap *= 2;
		if (cap > limit)
			cap = limit;
		if (M.budget != NULL &&
		    tr_budget_take(M.budget, cap - m->cap) == -1) {
			tr_budget_note_refusal(M.budget);
			m->state = MSG_NO_BUDGET;
			goto drop;
		}
		if ((nb = realloc(m->buf, cap)) == NULL) {
			if (M.budget != NULL)
				tr_budget_give(M.budget, cap - m->cap);
			m->state = MSG_NOMEM;
			goto drop;
		}
		m->buf = nb;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, n);
	m->len = want;
	return;
drop:
	free(m->buf);
	m->buf = NULL;
	if (m->cap > 0 && M.budget != NULL)
		tr_budget_give(M.budget, m->cap);
	m->cap = 0;
	m->len = want;		/* the size seen so far, for the log */
}

/*
 * too_big - the message passed max_message: refuse it only when it is
 * addressed to rua recipients alone, so that ordinary mail is never
 * rejected because of us.
 */
static sfsistat
too_big(SMFICTX *ctx, struct conn *c)
{
	char why[128];

	snprintf(why, sizeof(why), "message too big for tlsrptd (limit %zu "
	    "bytes)", M.cfg->limits.max_message);
	if (c->msg->nother == 0) {
		set_reply(ctx, "552", "5.3.4", "", why);
		log_msg(TR_LOG_WARN, c->msg, "rejected", "too-large", why);
		end_msg(c);
		return SMFIS_REJECT;
	}
	log_msg(TR_LOG_WARN, c->msg, "passed", "too-large", why);
	end_msg(c);
	return SMFIS_CONTINUE;
}

/* mlfi_negotiate - ask only for the steps we use, and macro i at EOM */
static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = get_conn(ctx);
	unsigned long want = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN |
	    SMFIP_HDR_LEADSPC;

	/*
	 * Only DATA (to let mail without a rua recipient go at once) and
	 * the end of the message need an answer; the MTA streams the rest
	 * without waiting, which saves a round trip per header line.
	 */
	if (c != NULL)
		want |= SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR |
		    SMFIP_NR_EOH | SMFIP_NR_BODY;
	/* We never change a message: the only action is choosing macros. */
	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	if (c != NULL)
		c->pflags = *pf1;
	if ((*pf0 & SMFIF_SETSYMLIST) &&
	    smfi_setsymlist(ctx, SMFIM_EOM, (char *)"i") != MI_SUCCESS)
		log_warnx("milter: cannot ask for the queue id at end of message");
	return SMFIS_CONTINUE;
}

/* mlfi_envfrom - a new message begins */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = get_conn(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;	/* envrcpt tempfails rua recipients */
	end_msg(c);
	c->lost_rua = 0;
	if ((c->msg = calloc(1, sizeof(*c->msg))) != NULL) {
		if ((c->msg->from = strip_addr(argv[0])) == NULL)
			c->msg->state = MSG_NOMEM;
		note_queue_id(ctx, c->msg);
	}
	return quiet(c, SMFIP_NR_MAIL);
}

/* mlfi_envrcpt - note each recipient and whether it is a rua address */
static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = c != NULL ? c->msg : NULL;
	int rua = tr_config_is_rua(M.cfg, argv[0]);
	char **nr, *a;
	size_t cap;

	if (m == NULL) {
		/* Without a context we cannot take a report: refuse the rua
		 * recipient now, or the whole message at DATA. */
		if (c == NULL)
			return rua ? SMFIS_TEMPFAIL : SMFIS_CONTINUE;
		c->lost_rua |= rua;
		return quiet(c, SMFIP_NR_RCPT);
	}
	if (rua)
		m->nrua++;
	else
		m->nother++;
	note_queue_id(ctx, m);
	if (m->nrcpt == m->rcptcap) {
		cap = m->rcptcap > 0 ? m->rcptcap * 2 : 4;
		if ((nr = reallocarray(m->rcpt, cap, sizeof(*nr))) == NULL) {
			m->state = MSG_NOMEM;
			return quiet(c, SMFIP_NR_RCPT);
		}
		m->rcpt = nr;
		m->rcptcap = cap;
	}
	if ((a = strip_addr(argv[0])) == NULL)
		m->state = MSG_NOMEM;
	else
		m->rcpt[m->nrcpt++] = a;
	return quiet(c, SMFIP_NR_RCPT);
}

/*
 * mlfi_data - every recipient is known: mail without a rua recipient goes
 * on untouched, and none of its content is even sent to us; rua mail we
 * could not keep track of is tempfailed (fail safe).
 */
static sfsistat
mlfi_data(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_ACCEPT;	/* rua recipients were tempfailed */
	if (c->lost_rua) {
		c->lost_rua = 0;
		return tempfail(ctx, c, "out of memory");
	}
	if (c->msg == NULL || c->msg->nrua == 0) {
		end_msg(c);
		return SMFIS_ACCEPT;
	}
	if (c->msg->state == MSG_NOMEM)
		return tempfail(ctx, c, "out of memory");
	if (!c->counted)
		return tempfail(ctx, c, "too many milter connections "
		    "(milter_max_connections), try again later");
	if (M.budget != NULL && !tr_budget_admit(M.budget)) {
		tr_budget_note_refusal(M.budget);
		return no_budget(ctx, c);
	}
	return SMFIS_CONTINUE;
}

/* mlfi_header - rebuild "name: value" CRLF, folded lines with CRLF */
static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = ours(c);
	const char *p, *lf;

	if (m == NULL)
		return quiet(c, SMFIP_NR_HDR);
	add(m, name, strlen(name));
	add(m, ":", 1);
	if (!(c->pflags & SMFIP_HDR_LEADSPC))
		add(m, " ", 1);
	/* MTAs hand folded values over with bare LF between the lines. */
	for (p = value; (lf = strchr(p, '\n')) != NULL; p = lf + 1) {
		if (lf > p && lf[-1] == '\r')
			add(m, p, (size_t)(lf - p) + 1);
		else {
			add(m, p, (size_t)(lf - p));
			add(m, "\r\n", 2);
		}
	}
	add(m, p, strlen(p));
	add(m, "\r\n", 2);
	return quiet(c, SMFIP_NR_HDR);
}

/* mlfi_eoh - the blank line between header and body */
static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = ours(c);

	if (m != NULL)
		add(m, "\r\n", 2);
	return quiet(c, SMFIP_NR_EOH);
}

/* mlfi_body - one chunk of the body (at most 64 KiB) */
static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = ours(c);

	if (m != NULL)
		add(m, chunk, len);
	return quiet(c, SMFIP_NR_BODY);
}

/* answer - turn a final verdict into the milter reply */
static sfsistat
answer(SMFICTX *ctx, struct conn *c, const struct tr_verdict *v)
{
	struct tr_milter_answer a;

	tr_outcome_milter(v, M.cfg->after_store == TR_AFTER_DISCARD,
	    M.cfg->on_invalid == TR_INVALID_REJECT, c->msg->nother == 0, &a);
	switch (a.act) {
	case TR_MILTER_DISCARD:
		return SMFIS_DISCARD;
	case TR_MILTER_REJECT:
		set_reply(ctx, a.rcode, a.xcode, a.prefix, a.reason);
		return SMFIS_REJECT;
	case TR_MILTER_TEMPFAIL:
		set_reply(ctx, a.rcode, a.xcode, a.prefix, a.reason);
		return SMFIS_TEMPFAIL;
	case TR_MILTER_CONTINUE:
	default:
		return SMFIS_CONTINUE;
	}
}

/* mlfi_eom - hand the message to the loop and wait for its commit */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct tr_job job;
	struct msg *m;
	char *to;
	sfsistat r;

	/* Also reached without DATA (MTAs that skip it): decide here too. */
	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->lost_rua) {
		c->lost_rua = 0;
		return tempfail(ctx, c, "out of memory");
	}
	if ((m = c->msg) == NULL || m->nrua == 0) {
		end_msg(c);
		return SMFIS_CONTINUE;
	}
	if (m->state == MSG_TOO_BIG)
		return too_big(ctx, c);
	if (m->state == MSG_NOMEM)
		return tempfail(ctx, c, "out of memory");
	if (m->state == MSG_NO_BUDGET)
		return no_budget(ctx, c);
	if (!c->counted)
		return tempfail(ctx, c, "too many milter connections "
		    "(milter_max_connections), try again later");
	note_queue_id(ctx, m);
	if ((to = join_rcpts(m)) == NULL)
		return tempfail(ctx, c, "out of memory");

	memset(&job, 0, sizeof(job));
	job.buf = m->buf != NULL ? m->buf : (const unsigned char *)"";
	job.len = m->len;
	job.kind = TR_INPUT_MESSAGE;
	job.origin.way_in = TR_WAY_MILTER;
	job.origin.source = m->queue_id;
	job.origin.envelope_from = m->from;
	job.origin.envelope_to = to;
	job.origin.received_at = (int64_t)time(NULL);
	if (tr_daemon_submit_wait(M.d, &job) == -1) {
		free(to);
		return tempfail(ctx, c, errno == TR_SUBMIT_FULL ?
		    "overloaded, try again later" : "shutting down");
	}
	free(to);
	r = answer(ctx, c, &job.verdict);
	end_msg(c);
	return r;
}

/* mlfi_abort - the MTA dropped the message; may come more than once */
static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	end_msg(smfi_getpriv(ctx));
	return SMFIS_CONTINUE;
}

/* mlfi_close - the connection is gone */
static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		end_msg(c);
		if (c->counted)
			atomic_fetch_sub(&M.nconns, 1);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc filter = {
	.xxfi_name = "tlsrptd",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_NONE,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_data = mlfi_data,
	.xxfi_negotiate = mlfi_negotiate,
};

/* tr_milter_register - hand our callbacks to libmilter */
int
tr_milter_register(const struct tr_config *cfg)
{
	M.cfg = cfg;
	return smfi_register(filter) == MI_SUCCESS ? 0 : -1;
}

/* tr_milter_use - the loop that messages go to */
void
tr_milter_use(struct tr_daemon *d)
{
	M.d = d;
	M.budget = tr_daemon_budget(d);
}
