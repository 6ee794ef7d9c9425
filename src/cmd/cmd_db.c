/* cmd_db.c - choose and open the database of a query or maintenance command */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_db.h"
#include "db.h"

/* open_target - tr_store_open, its failure on stderr (without a password) */
static int
open_target(const char *name, const char *target, int flags,
    struct tr_store **st)
{
	struct tr_error err;

	/* the store's messages name a PostgreSQL target without its
	 * password (tr_db_redact) */
	if (tr_store_open(target, flags, st, &err) != TR_OK) {
		fprintf(stderr, "tlsrptd %s: %s\n", name, err.msg);
		return TR_EXIT_IOERR;
	}
	return TR_EXIT_OK;
}

/* tr_cmd_db_open - resolve, check it exists, open */
int
tr_cmd_db_open(const char *name, struct tr_cmd_db *d, int flags,
    struct tr_store **st)
{
	struct tr_error err;
	struct stat sb;
	const char *env;

	*st = NULL;
	if (d->db != NULL && d->config != NULL) {
		fprintf(stderr, "tlsrptd %s: give --db or -c, not both\n", name);
		return TR_EXIT_USAGE;
	}
	if (d->config != NULL) {
		if (tr_config_load(d->config, &d->cfg, &err) != TR_OK) {
			fprintf(stderr, "tlsrptd %s: %s\n", name, err.msg);
			return TR_EXIT_CONFIG;
		}
		d->have_cfg = 1;
		d->path = d->cfg.database;
	} else if (d->db != NULL)
		d->path = d->db;
	else if ((env = getenv("TLSRPTD_DB")) != NULL && *env != '\0')
		d->path = env;
	else
		d->path = TR_DEFAULT_DB;

	/* A PostgreSQL target is the store's to reach and to explain. */
	if (tr_db_target_kind(d->path) == TR_DB_POSTGRESQL)
		return open_target(name, d->path, flags, st);
	d->path = tr_db_sqlite_path(d->path);
	/* Opening would create an empty database: say what is wrong. */
	if (stat(d->path, &sb) == -1) {
		fprintf(stderr, "tlsrptd %s: %s: %s; give the daemon's database "
		    "with --db PATH or -c CONFIG\n", name, d->path,
		    errno == ENOENT ? "no such database" : strerror(errno));
		return errno == ENOENT ? TR_EXIT_NOINPUT : TR_EXIT_IOERR;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "tlsrptd %s: %s: not a database file\n", name,
		    d->path);
		return TR_EXIT_NOINPUT;
	}
	return open_target(name, d->path, flags, st);
}

/* tr_cmd_db_create - open d->db, creating a SQLite file or the schema */
int
tr_cmd_db_create(const char *name, struct tr_cmd_db *d, struct tr_store **st)
{
	*st = NULL;
	if (tr_db_target_kind(d->db) == TR_DB_POSTGRESQL)
		d->path = d->db;
	else
		d->path = tr_db_sqlite_path(d->db);
	return open_target(name, d->path, 0, st);
}

void
tr_cmd_db_free(struct tr_cmd_db *d)
{
	if (d->have_cfg)
		tr_config_free(&d->cfg);
	d->have_cfg = 0;
}
