/* db_pg_params.h - SQLite's parameters (?, ?N, :name, @name, $name) in a
 * statement renumbered as PostgreSQL's $N, the way SQLite numbers them */
#ifndef TR_DB_PG_PARAMS_H
#define TR_DB_PG_PARAMS_H

#include <stddef.h>

#include "error.h"

#define PG_PARAM_MAX	32766	/* SQLite's default SQLITE_MAX_VARIABLE_NUMBER */

/* a parameter written by name or number, and the $N it became */
struct tr_pg_param_name {
	char *name;			/* with its prefix: ":day", "?3" */
	int index;
};

/* a statement as the driver sends it */
struct tr_pg_params {
	char *sql;			/* translated */
	int nparams;
	struct tr_pg_param_name *names;
	int nnames;
};

/* tr_pg_params_translate - sql into p (zeroed by the caller) with each
 * parameter as $N; shown names the database in messages. On error p may
 * hold names: tr_pg_params_free frees them */
enum tr_err tr_pg_params_translate(const char *shown, struct tr_pg_params *p,
    const char *sql, struct tr_error *err);

/* tr_pg_params_index - the number of the parameter written name (len
 * bytes, with its prefix); 0: none */
int tr_pg_params_index(const struct tr_pg_params *p, const char *name,
    size_t len);

/* tr_pg_params_free - free what p holds (not p) */
void tr_pg_params_free(struct tr_pg_params *p);

#endif
