/* db_pg_session.c - the PostgreSQL driver's session: failures classified,
 * commands settled under a deadline (cancelled when it passes), a lost
 * session reset with a back-off */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pq_lib.h"

#include "db.h"
#include "db_pg_session.h"

/* mono_ms - a monotonic clock in milliseconds */
static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* tr_pg_one_line - copy s into out with each run of white space as one space */
void
tr_pg_one_line(char *out, size_t outsz, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < outsz; s++) {
		if (isspace((unsigned char)*s)) {
			if (n > 0 && out[n - 1] != ' ')
				out[n++] = ' ';
			continue;
		}
		out[n++] = *s;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* tr_pg_abbrev - the start of a statement, for messages */
void
tr_pg_abbrev(char *out, size_t outsz, const char *sql)
{
	char buf[72];

	while (isspace((unsigned char)*sql))
		sql++;
	tr_pg_one_line(buf, sizeof(buf), sql);
	snprintf(out, outsz, "%s%s", buf, strlen(sql) >= sizeof(buf) - 1 ?
	    "..." : "");
}

/* classify - the failure kind of an SQLSTATE (NULL: none known) */
static enum tr_db_fail
classify(const char *state)
{
	if (state == NULL || strlen(state) != 5)
		return TR_DB_FAIL_OTHER;
	if (strcmp(state, "23505") == 0)
		return TR_DB_FAIL_UNIQUE;
	if (strncmp(state, "53", 2) == 0)
		return TR_DB_FAIL_FULL;
	if (strcmp(state, "25006") == 0)
		return TR_DB_FAIL_READONLY;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return TR_DB_FAIL_BUSY;
	if (strcmp(state, "57014") == 0)
		return TR_DB_FAIL_INTERRUPTED;
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
		return TR_DB_FAIL_GONE;
	return TR_DB_FAIL_OTHER;
}

/* failed - record and report the failure of what: r (may be NULL) and the
 * connection's state say which */
static enum tr_err
failed(struct tr_pg_db *d, PGresult *r, const char *what, struct tr_error *err)
{
	const char *state = r != NULL ?
	    PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r != NULL ?
	    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char line[320];

	/* no SQLSTATE: libpq's own failure (the connection closed, a write
	 * failed, a protocol error): the session is in doubt */
	d->fail = state != NULL ? classify(state) : TR_DB_FAIL_GONE;
	if (PQstatus(d->conn) == CONNECTION_BAD)
		d->fail = TR_DB_FAIL_GONE;
	if (d->fail == TR_DB_FAIL_GONE) {
		d->broken = 1;
		if (d->txn_open)
			d->lost_txn = 1;
		d->txn_open = 0;
	}
	tr_pg_one_line(line, sizeof(line), msg != NULL ? msg :
	    PQerrorMessage(d->conn));
	if (line[0] == '\0')
		snprintf(line, sizeof(line), "%s", d->fail == TR_DB_FAIL_GONE ?
		    "connection lost" : "failed");
	if (state != NULL)
		return tr_error_set(err, TR_ERR_STORE, "%s: %s: %s (SQLSTATE %s)",
		    d->shown, what, line, state);
	return tr_error_set(err, TR_ERR_STORE, "%s: %s: %s", d->shown, what,
	    line);
}

/* gone - a GONE failure that did not come from the server */
static enum tr_err
gone(struct tr_pg_db *d, struct tr_error *err, const char *fmt, const char *arg)
{
	char line[400];

	d->fail = TR_DB_FAIL_GONE;
	snprintf(line, sizeof(line), fmt, arg);
	return tr_error_set(err, TR_ERR_STORE, "%s: %s", d->shown, line);
}

/* result_ok - whether r says the command succeeded */
static int
result_ok(const PGresult *r)
{
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return 1;
	default:
		return 0;
	}
}

/* note_changes - the rows changed, when r is an INSERT, UPDATE, DELETE or
 * MERGE (other commands leave the count alone, as in SQLite) */
static void
note_changes(struct tr_pg_db *d, PGresult *r)
{
	const char *st = PQcmdStatus(r);

	if (strncmp(st, "INSERT ", 7) == 0 || strncmp(st, "UPDATE ", 7) == 0 ||
	    strncmp(st, "DELETE ", 7) == 0 || strncmp(st, "MERGE ", 6) == 0)
		d->changes = strtoll(PQcmdTuples(r), NULL, 10);
}

/* cancel - ask the server to stop the running statement */
static void
cancel(struct tr_pg_db *d)
{
	PGcancel *c = PQgetCancel(d->conn);
	char buf[256];

	if (c != NULL) {
		(void)PQcancel(c, buf, sizeof(buf));
		PQfreeCancel(c);
	}
}

/* what a statement under a deadline has asked of the server so far */
struct pg_cancel_state {
	int cancelled;
	int64_t first;			/* ms: the first cancel request */
	int64_t next;			/* ms: the next one */
};

/* wait_ready - wait until a result can be read without blocking, asking
 * the deadline every PG_POLL_STEP ms; -1: the server did not answer a
 * cancel in time (the session is then given up) */
static int
wait_ready(struct tr_pg_db *d, struct pg_cancel_state *c)
{
	struct pollfd pfd;
	int64_t now;

	while (PQisBusy(d->conn)) {
		now = mono_ms();
		if (!c->cancelled && d->over(d->over_arg)) {
			c->cancelled = 1;
			c->first = now;
			c->next = now;
		}
		if (c->cancelled) {
			if (now - c->first > PG_CANCEL_WAIT)
				return -1;
			/* a cancel that reaches the server before the
			 * statement does is dropped: ask again */
			if (now >= c->next) {
				cancel(d);
				c->next = now + PG_CANCEL_AGAIN;
			}
		}
		pfd.fd = PQsocket(d->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return 0;	/* PQgetResult reports the loss */
		if (poll(&pfd, 1, PG_POLL_STEP) < 0 && errno != EINTR)
			return 0;
		if (PQconsumeInput(d->conn) == 0)
			return 0;
	}
	return 0;
}

/* collect - the outcome of what was sent: the first failed result, else
 * the last one (NULL when none came); counts the changes of each */
static PGresult *
collect(struct tr_pg_db *d, int *interrupted)
{
	struct pg_cancel_state c = { 0, 0, 0 };
	PGresult *r, *keep = NULL;

	*interrupted = 0;
	for (;;) {
		if (d->over != NULL && wait_ready(d, &c) < 0) {
			/* the server does not answer: the session is lost
			 * to us, whatever it is doing */
			PQclear(keep);
			d->broken = 1;
			if (d->txn_open)
				d->lost_txn = 1;
			d->txn_open = 0;
			*interrupted = 1;
			return NULL;
		}
		if ((r = PQgetResult(d->conn)) == NULL)
			break;
		if (PQresultStatus(r) == PGRES_COPY_IN ||
		    PQresultStatus(r) == PGRES_COPY_OUT ||
		    PQresultStatus(r) == PGRES_COPY_BOTH) {
			/* COPY is not driven here: the session is given up
			 * (failed() sees no SQLSTATE) */
			PQclear(keep);
			keep = r;
			break;
		}
		if (result_ok(r))
			note_changes(d, r);
		if (keep == NULL || (result_ok(keep) && !result_ok(r))) {
			PQclear(keep);
			keep = r;
		} else if (result_ok(keep)) {
			PQclear(keep);
			keep = r;
		} else {
			PQclear(r);
		}
		if (PQstatus(d->conn) == CONNECTION_BAD)
			break;
	}
	return keep;
}

/* note_txn - whether the next call begins inside a transaction (a lost
 * session keeps the state it was lost in, for failed()) */
static void
note_txn(struct tr_pg_db *d)
{
	PGTransactionStatusType t;

	if (d->broken || PQstatus(d->conn) != CONNECTION_OK)
		return;
	t = PQtransactionStatus(d->conn);
	d->txn_open = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* tr_pg_finish - settle a sent command; *out (may be NULL) takes a successful
 * result */
enum tr_err
tr_pg_finish(struct tr_pg_db *d, int sent, const char *what, PGresult **out,
    struct tr_error *err)
{
	PGresult *r;
	int interrupted = 0;
	enum tr_err e;

	if (!sent)
		return failed(d, NULL, what, err);
	r = collect(d, &interrupted);
	if (interrupted) {
		d->fail = TR_DB_FAIL_INTERRUPTED;
		return tr_error_set(err, TR_ERR_STORE, "%s: %s: interrupted, "
		    "and the server did not answer the cancel request", d->shown,
		    what);
	}
	if (r == NULL || !result_ok(r)) {
		/* failed() needs the state this call began in */
		e = failed(d, r, what, err);
		note_txn(d);
		PQclear(r);
		return e;
	}
	note_txn(d);
	d->fail = TR_DB_FAIL_NONE;
	if (out != NULL)
		*out = r;
	else
		PQclear(r);
	return TR_OK;
}

/* tr_pg_over_already - whether the deadline passed before anything was sent */
enum tr_err
tr_pg_over_already(struct tr_pg_db *d, const char *what, struct tr_error *err)
{
	if (d->over == NULL || !d->over(d->over_arg))
		return TR_OK;
	d->fail = TR_DB_FAIL_INTERRUPTED;
	return tr_error_set(err, TR_ERR_STORE, "%s: %s: interrupted (deadline)",
	    d->shown, what);
}

/* tr_pg_forget_prepared - the statement cache emptied (its session is gone) */
void
tr_pg_forget_prepared(struct tr_pg_db *d)
{
	int i;

	for (i = 0; i < d->ncache; i++) {
		free(d->cache[i].sql);
		d->cache[i].sql = NULL;
	}
	d->ncache = 0;
	d->cache_next = 0;
}

/* tr_pg_ensure - a usable session: after a loss, one reset attempt when the
 * back-off allows it */
enum tr_err
tr_pg_ensure(struct tr_pg_db *d, struct tr_error *err)
{
	int64_t now;
	char line[256];

	if (!d->broken && PQstatus(d->conn) == CONNECTION_OK)
		return TR_OK;
	if (!d->broken) {
		/* lost between two calls */
		d->broken = 1;
		if (d->txn_open) {
			d->lost_txn = 1;
			d->txn_open = 0;
			return tr_pg_lost_txn_check(d, err);
		}
	}
	now = mono_ms();
	if (now < d->retry_at) {
		snprintf(line, sizeof(line), "%lld",
		    (long long)((d->retry_at - now + 999) / 1000));
		return gone(d, err, "connection lost; next attempt to "
		    "reconnect in %s s", line);
	}
	tr_pg_forget_prepared(d);
	PQreset(d->conn);
	d->txn_open = 0;
	if (PQstatus(d->conn) == CONNECTION_OK) {
		d->broken = 0;
		d->backoff = 0;
		d->retry_at = 0;
		return TR_OK;
	}
	d->broken = 1;
	d->backoff = d->backoff == 0 ? 1 : d->backoff * 2;
	if (d->backoff > PG_BACKOFF_MAX)
		d->backoff = PG_BACKOFF_MAX;
	d->retry_at = now + (int64_t)d->backoff * 1000;
	tr_pg_one_line(line, sizeof(line), PQerrorMessage(d->conn));
	return gone(d, err, "reconnecting: %s", line);
}

/* tr_pg_lost_txn_check - refuse work while a lost transaction is not rolled
 * back: what the caller sends now would run outside it */
enum tr_err
tr_pg_lost_txn_check(struct tr_pg_db *d, struct tr_error *err)
{
	if (!d->lost_txn)
		return TR_OK;
	return gone(d, err, "%s", "the connection was lost in a transaction; "
	    "roll back and start again");
}

/* tr_pg_is_rollback - whether sql is a plain ROLLBACK */
int
tr_pg_is_rollback(const char *sql)
{
	size_t n;

	while (isspace((unsigned char)*sql))
		sql++;
	if (strncasecmp(sql, "ROLLBACK", 8) != 0)
		return 0;
	for (n = 8; sql[n] != '\0'; n++)
		if (!isspace((unsigned char)sql[n]) && sql[n] != ';')
			return 0;
	return 1;
}
