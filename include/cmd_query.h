/* cmd_query.h - what the parts of tlsrptd query share: the options of one
 * run and the ways a question ends (rows written, a usage or store error) */
#ifndef TR_CMD_QUERY_H
#define TR_CMD_QUERY_H

#include <stdint.h>

#include "cmd_db.h"
#include "datetime.h"
#include "error.h"
#include "query.h"
#include "table.h"

#define TR_CQ_DOMAIN_MAX	253

/* The options of one tlsrptd query run. */
struct tr_cq_opts {
	struct tr_cmd_db db;
	enum tr_format format;
	struct tr_query_filter f;
	char since[TR_DT_UTC_LEN + 1], until[TR_DT_UTC_LEN + 1];
	char domain[TR_CQ_DOMAIN_MAX + 2];
	const char *by;
	int days;			/* -1: not given */
	int raw, all;
	const char *dkim;		/* --dkim: a result (reports) or a
					 * policy (quarantine retry) */
};

/* tr_cq_usage_err - "tlsrptd query: " fmt (with arg), then the usage
 * line on stderr; returns the usage exit status (64) */
int tr_cq_usage_err(const char *fmt, const char *arg);

/* tr_cq_parse_id - *id = the row id s (decimal, 1 or more): 0, else -1 */
int tr_cq_parse_id(const char *s, int64_t *id);

/* tr_cq_write_rows - t on stdout in o's format ("(none)" for an empty
 * table), and a note on stderr when more rows were left out; TR_EXIT_OK
 * or TR_EXIT_IOERR */
int tr_cq_write_rows(const struct tr_cq_opts *o, const struct tr_table *t,
    int more);

/* tr_cq_store_error - err's message on stderr; the exit status for it */
int tr_cq_store_error(const struct tr_error *err);

#endif
