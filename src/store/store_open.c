/* store_open.c - opening the store: the SQLite file (created private,
 * WAL, migrated) or the PostgreSQL connection, and closing it */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "schema.h"
#include "db.h"
#include "store_open.h"
#include "store_stmt.h"

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* page size of a newly created database file */
#define PAGE_SIZE_NEW	"16384"

/* sqerr - TR_ERR_STORE for a failed sqlite3_* call of the open path */
static enum tr_err
sqerr(struct tr_store *st, int rc, const char *what, struct tr_error *err)
{
	return tr_schema_dberror(err, st->db, rc, st->path, what);
}

/* wal_checkpoint_bytes - automatic checkpoints at about bytes of WAL */
static int
wal_checkpoint_bytes(struct tr_store *st, int bytes)
{
	sqlite3_stmt *s;
	int rc, page = 4096;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA page_size", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0)
		page = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return sqlite3_wal_autocheckpoint(st->db, bytes / page);
}

/* set_journal_wal - switch to WAL, which must take (":memory:" cannot) */
static enum tr_err
set_journal_wal(struct tr_store *st, struct tr_error *err)
{
	sqlite3_stmt *stmt;
	const char *mode;
	enum tr_err e = TR_OK;
	int rc, tries;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1,
	    &stmt, NULL);
	if (rc != SQLITE_OK)
		return sqerr(st, rc, "setting WAL journal mode", err);
	/* Switching a new database to WAL needs it to itself for a moment,
	 * and SQLite answers BUSY at once, without the busy timeout, while
	 * another process opens it too (the daemon and a query started
	 * together): try again for up to the busy timeout (5 s). */
	for (tries = 0; (rc = sqlite3_step(stmt)) == SQLITE_BUSY &&
	    tries < 250; tries++) {
		sqlite3_reset(stmt);
		sqlite3_sleep(20);
	}
	if (rc != SQLITE_ROW) {
		e = sqerr(st, rc, "setting WAL journal mode", err);
	} else {
		mode = (const char *)sqlite3_column_text(stmt, 0);
		if (mode == NULL || (strcasecmp(mode, "wal") != 0 &&
		    strcasecmp(mode, "memory") != 0))
			e = tr_error_set(err, TR_ERR_STORE, "%s: cannot use "
			    "WAL journal mode (got %s)", st->path,
			    mode != NULL ? mode : "nothing");
	}
	sqlite3_finalize(stmt);
	return e;
}

/*
 * sqlite_setup - process-wide settings, before SQLite initialises. Memory
 * statistics (which we never read) take a global mutex on every
 * allocation: about 80 lock pairs per stored report. Harmless if another
 * part of the process initialised SQLite first: the call is then refused.
 */
static void
sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * create_private - create the database file empty with mode, unless it
 * exists: SQLite would create it 0644 (less the umask), and its -wal and
 * -shm files copy the database's mode, reports and quarantined mail
 * included. A link at path is refused, not followed.
 */
static enum tr_err
create_private(const char *path, mode_t mode, struct tr_error *err)
{
	int fd;

	if (path[0] == '\0' || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return TR_OK;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, mode);
	if (fd == -1) {
		if (errno == EEXIST)
			return TR_OK;	/* SQLite says what is wrong with it */
		return tr_error_set(err, TR_ERR_STORE, "%s: cannot create the "
		    "database: %s", path, strerror(errno));
	}
	/* the umask may have taken bits we want: mode is the whole truth */
	if (fchmod(fd, mode) == -1) {
		tr_error_set(err, TR_ERR_STORE, "%s: chmod: %s", path,
		    strerror(errno));
		close(fd);
		return TR_ERR_STORE;
	}
	close(fd);
	return TR_OK;
}

/* open_sqlite - open, identify, configure and migrate the file at path;
 * *version gets the schema version it is then at */
static enum tr_err
open_sqlite(struct tr_store *st, const char *path, int flags, int *version,
    struct tr_error *err)
{
	int oflags, rc;

	pthread_once(&sqlite_once, sqlite_setup);
	/* one thread owns a connection: SQLite's own mutexes would only cost */
	oflags = SQLITE_OPEN_NOMUTEX | (st->readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (!st->readonly && create_private(path, (flags &
	    TR_STORE_GROUP_READ) != 0 ? 0640 : 0600, err) != TR_OK)
		return TR_ERR_STORE;
	rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		sqerr(st, rc, "opening the database", err);
		/* a handle is made even when the open fails */
		sqlite3_close_v2(st->db);
		st->db = NULL;
		return TR_ERR_STORE;
	}
	if (tr_db_sqlite_wrap(st->db, path, &st->conn, err) != TR_OK) {
		sqlite3_close_v2(st->db);
		st->db = NULL;
		return TR_ERR_STORE;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);

	/* Identify before anything writes: a foreign file stays untouched. */
	if (tr_schema_identify(st->db, path, version, err) != TR_OK)
		return TR_ERR_STORE;
	if (!st->readonly) {
		/*
		 * A new file gets 16 KiB pages before WAL fixes the size: a
		 * reports row (with its raw JSON) is about 2 KiB, so 4 KiB
		 * pages hold one and waste a quarter of the file, and every
		 * byte is written twice (WAL, then checkpoint). Bulk
		 * ingestion writes about 15% less.
		 */
		if (*version == 0 && (rc = sqlite3_exec(st->db,
		    "PRAGMA page_size = " PAGE_SIZE_NEW, NULL, NULL,
		    NULL)) != SQLITE_OK)
			return sqerr(st, rc, "setting the page size", err);
		if (set_journal_wal(st, err) != TR_OK)
			return TR_ERR_STORE;
		/*
		 * temp_store: a savepoint (a report stored outside a batch)
		 * or a multi-row statement keeps its undo pages in a
		 * sub-journal, which once past 64 KiB becomes a temporary
		 * file written page by page; in memory it stays that of one
		 * report's pages. The writer runs no large sorts.
		 */
		rc = sqlite3_exec(st->db, "PRAGMA synchronous = FULL; "
		    "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return sqerr(st, rc, "setting synchronous mode", err);
		/*
		 * Checkpoint when the WAL holds about 4 MiB, whatever the
		 * page size (SQLite counts 1000 pages: 16 MiB with 16 KiB
		 * pages), so the WAL beside a database stays small.
		 */
		if ((rc = wal_checkpoint_bytes(st, 4 * 1024 * 1024)) !=
		    SQLITE_OK)
			return sqerr(st, rc, "setting the WAL checkpoint size",
			    err);
	}
	rc = sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    NULL);
	if (rc != SQLITE_OK)
		return sqerr(st, rc, "enabling foreign keys", err);
	if (!st->readonly) {
		if (tr_schema_migrate(st->db, path, err) != TR_OK)
			return TR_ERR_STORE;
		*version = tr_schema_latest;
	}
	return TR_OK;
}

/* open_pg - connect, identify and (unless read-only) create or migrate
 * the schema under the migration lock */
static enum tr_err
open_pg(struct tr_store *st, const char *target, const char *password_file,
    int *version, struct tr_error *err)
{
	if (tr_db_pg_open(target, password_file, &st->conn, err) != TR_OK)
		return TR_ERR_STORE;
	/* a reader cannot write by mistake; the server enforces it */
	if (st->readonly && tr_store_exec(st, "SET SESSION CHARACTERISTICS AS "
	    "TRANSACTION READ ONLY", "opening read-only", err) != TR_OK)
		return TR_ERR_STORE;
	if (!st->readonly) {
		if (tr_schema_pg_migrate(st->conn, st->path, err) != TR_OK)
			return TR_ERR_STORE;
		*version = tr_schema_latest;
		return TR_OK;
	}
	return tr_schema_pg_identify(st->conn, st->path, version, err);
}

/* instance_default - the host name, the default instance_name */
static char *
instance_default(void)
{
	char host[256];

	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		return strdup("localhost");
	host[sizeof(host) - 1] = '\0';
	return strdup(host);
}

/* tr_store_open - open with flags and the defaults of everything else */
enum tr_err
tr_store_open(const char *path, int flags, struct tr_store **out,
    struct tr_error *err)
{
	struct tr_store_opts o;

	memset(&o, 0, sizeof(o));
	o.flags = flags;
	return tr_store_open_opts(path, &o, out, err);
}

/* tr_store_open_opts - open, identify, configure, migrate and prepare */
enum tr_err
tr_store_open_opts(const char *target, const struct tr_store_opts *o,
    struct tr_store **out, struct tr_error *err)
{
	char shown[1024];
	struct tr_store *st;
	int pg, version = 0;

	*out = NULL;
	pg = tr_db_target_kind(target) == TR_DB_POSTGRESQL;
	if (pg)
		tr_db_redact(target, shown, sizeof(shown));
	else
		snprintf(shown, sizeof(shown), "%s", tr_db_sqlite_path(target));
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(shown)) == NULL ||
	    (st->instance = o->instance_name != NULL ?
	    strdup(o->instance_name) : instance_default()) == NULL) {
		if (st != NULL)
			free(st->path);
		free(st);
		return tr_error_set(err, TR_ERR_STORE, "%s: out of memory",
		    shown);
	}
	st->readonly = (o->flags & TR_STORE_READONLY) != 0;
	if ((pg ? open_pg(st, target, o->password_file, &version, err) :
	    open_sqlite(st, tr_db_sqlite_path(target), o->flags, &version,
	    err)) != TR_OK)
		goto fail;
	if (st->readonly && version == 0) {
		tr_error_set(err, TR_ERR_STORE, "%s: no tlsrptd schema yet; "
		    "open it read-write once to create it", st->path);
		goto fail;
	}
	if (tr_store_prepare_all(st, version, err) != TR_OK)
		goto fail;
	*out = st;
	return TR_OK;
fail:
	tr_store_close(st);
	return TR_ERR_STORE;
}

/* tr_store_instance - the instance_name this store writes */
const char *
tr_store_instance(const struct tr_store *st)
{
	return st->instance;
}

/* tr_store_close - finalize, close (rolling back an open batch), free */
void
tr_store_close(struct tr_store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < S__COUNT; i++)
		tr_db_finalize(st->stmt[i]);
	/* SQLite's close is _v2: a statement a caller left on tr_store_db()
	 * delays the close instead of leaking the handle. */
	tr_db_close(st->conn);
	free(st->buf);
	free(st->instance);
	free(st->path);
	free(st);
}
