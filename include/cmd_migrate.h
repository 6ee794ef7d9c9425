/* cmd_migrate.h - one run of tlsrptd migrate: its two stores, what it copied,
 * and the small helpers its copying steps share (inline: each is a line or
 * two) */
#ifndef TR_CMD_MIGRATE_H
#define TR_CMD_MIGRATE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"

#include "db.h"
#include "error.h"
#include "store.h"

/* What was copied and what the destination already held. */
struct tr_mig_tally {
	uint64_t reports, reports_there, unreadable;
	uint64_t quarantine, quarantine_there;
	uint64_t conflicts, conflicts_there;
	uint64_t alerts, alerts_there;
};

/* One run: the two stores, their connections, the batch size. */
struct tr_mig {
	struct tr_store *src, *dst;
	struct tr_db *s, *d;
	long batch;
	struct tr_mig_tally t;
};

/* col_dup - a copy of text column i (NULL stays NULL); *bad on no memory */
static inline char *
col_dup(struct tr_stmt *st, int i, int *bad)
{
	const char *s = tr_db_col_text(st, i);
	char *c;

	if (s == NULL)
		return NULL;
	if ((c = strdup(s)) == NULL)
		*bad = 1;
	return c;
}

/* parse_time - a stored time (UTC text, or unix seconds) as unix seconds */
static inline int64_t
parse_time(const char *s)
{
	struct tr_dt dt;
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtoll(s, &end, 10);
	if (*end == '\0')
		return (int64_t)v;
	return tr_dt_parse(s, strlen(s), &dt, NULL) == 0 ? dt.epoch : 0;
}

/* prepare - sql on db, err naming what */
static inline enum tr_err
prepare(struct tr_db *db, const char *sql, struct tr_stmt **st,
    const char *what, struct tr_error *err)
{
	if (tr_db_prepare(db, sql, st, err) != TR_OK) {
		tr_error_prefix(err, "%s", what);
		return TR_ERR_STORE;
	}
	return TR_OK;
}

/* bound - a bind's result as a store error */
static inline enum tr_err
bound(enum tr_err e, const char *what, struct tr_error *err)
{
	return e == TR_OK ? TR_OK : tr_error_set(err, TR_ERR_STORE,
	    "%s: binding a value failed", what);
}

/* begin - one destination transaction per batch */
static inline enum tr_err
begin(struct tr_mig *m, struct tr_error *err)
{
	return tr_store_begin(m->dst, err);
}

/* commit - commit the batch, rolled back when that fails */
static inline enum tr_err
commit(struct tr_mig *m, struct tr_error *err)
{
	if (tr_store_commit(m->dst, err) != TR_OK) {
		tr_store_rollback(m->dst);
		return TR_ERR_STORE;
	}
	return TR_OK;
}

#endif
