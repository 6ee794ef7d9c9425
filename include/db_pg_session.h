/* db_pg_session.h - inside the PostgreSQL driver: the connection and the
 * session helpers db_pg.c runs its statements with */
#ifndef TR_DB_PG_SESSION_H
#define TR_DB_PG_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "pq_lib.h"

#include "db.h"
#include "error.h"

#define PG_SHOWN_MAX	256
#define PG_CACHE_MAX	256	/* statements kept prepared per session */
#define PG_BACKOFF_MAX	30	/* seconds between two reconnection attempts */
#define PG_CANCEL_WAIT	5000	/* ms to wait for a cancelled statement */
#define PG_POLL_STEP	100	/* ms between two looks at the deadline */
#define PG_CANCEL_AGAIN	500	/* ms between two cancel requests */

struct tr_pg_prepared {
	char *sql;			/* as sent (with $N) */
	char name[24];			/* "tr_<serial>" */
};

struct tr_pg_db {
	struct tr_db base;
	PGconn *conn;
	char shown[PG_SHOWN_MAX];	/* the target, redacted */
	enum tr_db_fail fail;
	int64_t changes;
	int broken;			/* session lost: reset before the next use */
	int lost_txn;			/* a transaction went with it */
	int txn_open;			/* a transaction open after the last call */
	int64_t retry_at;		/* ms (monotonic): no reset before */
	int backoff;			/* s: wait after the next failed reset */
	unsigned long serial;
	struct tr_pg_prepared cache[PG_CACHE_MAX];
	int ncache;			/* slots in use (some may be empty) */
	int cache_next;			/* the next to go when full */
	int (*over)(void *);
	void *over_arg;
};

#define PD(db)	((struct tr_pg_db *)(db))

/* tr_pg_one_line - copy s into out with each run of white space as one
 * space */
void tr_pg_one_line(char *out, size_t outsz, const char *s);

/* tr_pg_abbrev - the start of a statement, for messages */
void tr_pg_abbrev(char *out, size_t outsz, const char *sql);

/* tr_pg_finish - settle a sent command (sent 0: sending failed); *out (may
 * be NULL) takes a successful result */
enum tr_err tr_pg_finish(struct tr_pg_db *d, int sent, const char *what,
    PGresult **out, struct tr_error *err);

/* tr_pg_over_already - whether the deadline passed before anything was
 * sent */
enum tr_err tr_pg_over_already(struct tr_pg_db *d, const char *what,
    struct tr_error *err);

/* tr_pg_forget_prepared - the statement cache emptied (its session is
 * gone) */
void tr_pg_forget_prepared(struct tr_pg_db *d);

/* tr_pg_ensure - a usable session: after a loss, one reset attempt when
 * the back-off allows it */
enum tr_err tr_pg_ensure(struct tr_pg_db *d, struct tr_error *err);

/* tr_pg_lost_txn_check - refuse work while a lost transaction is not
 * rolled back */
enum tr_err tr_pg_lost_txn_check(struct tr_pg_db *d, struct tr_error *err);

/* tr_pg_is_rollback - whether sql is a plain ROLLBACK */
int tr_pg_is_rollback(const char *sql);

#endif
