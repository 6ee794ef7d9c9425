/* cmd_db.h - the database a command works on: --db, -c, $TLSRPTD_DB or the default */
#ifndef TR_CMD_DB_H
#define TR_CMD_DB_H

#include "config.h"
#include "store.h"

#define TR_DEFAULT_DB		"/var/lib/tlsrptd/tlsrptd.db"
#define TR_DEFAULT_CONFIG	"/etc/tlsrptd/tlsrptd.conf"

struct tr_cmd_db {
	const char *db;		/* --db, or NULL */
	const char *config;	/* -c, or NULL */
	struct tr_config cfg;	/* loaded when config is set */
	int have_cfg;
	const char *path;	/* the database chosen */
};

/*
 * tr_cmd_db_open - choose the database (--db, else the database of the -c
 * configuration, else $TLSRPTD_DB, else TR_DEFAULT_DB) and open it with
 * flags: a path or sqlite:PATH, or a PostgreSQL target (postgresql://...
 * or a libpq connection string) handed to the store as it is. A missing
 * file is not created. On failure the reason goes to
 * stderr prefixed with "tlsrptd NAME: " and the exit status is returned:
 * 66 no such database, 74 not openable (not SQLite, another application's,
 * newer schema), 78 configuration error, 64 both --db and -c. 0 on success.
 */
int tr_cmd_db_open(const char *name, struct tr_cmd_db *d, int flags,
    struct tr_store **st);

/*
 * tr_cmd_db_create - open the target d->db (sqlite:PATH or a path,
 * created when missing; or a PostgreSQL target) read-write, its schema
 * created or migrated; d->path is what was opened. Failures as
 * tr_cmd_db_open (74).
 */
int tr_cmd_db_create(const char *name, struct tr_cmd_db *d,
    struct tr_store **st);

void tr_cmd_db_free(struct tr_cmd_db *d);

#endif
