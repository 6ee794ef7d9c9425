/* cmd_query.h - between the parts of tlsrptd query: the questions (cmd_query.c) and the quarantine (cmd_quarantine.c) */
#ifndef TR_CMD_QUERY_H
#define TR_CMD_QUERY_H

#include <stdint.h>

#include "cmd_db.h"
#include "datetime.h"
#include "error.h"
#include "query.h"
#include "store.h"
#include "table.h"

#define MAX_IDS		10000		/* IDs on one command line */
#define RETRY_BATCH	100		/* messages per transaction */
#define DOMAIN_MAX	253

struct qopts {
	struct tr_cmd_db db;
	enum tr_format format;
	struct tr_query_filter f;
	char since[TR_DT_UTC_LEN + 1], until[TR_DT_UTC_LEN + 1];
	char domain[DOMAIN_MAX + 2];
	const char *by;
	int days;			/* -1: not given */
	int raw, all;
	const char *dkim;		/* --dkim: a result (reports) or a
					 * policy (quarantine retry) */
};

/* tr_qusage - a message and the usage line: exit 64 */
int tr_qusage(const char *fmt, const char *arg);

/* tr_qparse_id - a row id: 0, or -1 when s is not one */
int tr_qparse_id(const char *s, int64_t *id);

/* tr_qwrite_rows - a result table in the chosen format: the exit status */
int tr_qwrite_rows(const struct qopts *o, const struct tr_table *t, int more);

/* tr_qstore_err - the exit status of a failed question, told */
int tr_qstore_err(const struct tr_error *err);

/* tr_qquarantine - quarantine [show ID | retry ID... | --all | delete ID...] */
int tr_qquarantine(struct qopts *o, struct tr_store *st, int argc,
    char **argv);

#endif
