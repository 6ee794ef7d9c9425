/* schema.h - the store's SQL schema as ordered migrations */
#ifndef TR_SCHEMA_H
#define TR_SCHEMA_H

#include "error.h"

struct sqlite3;
struct tr_db;

/*
 * Migration N (N >= 1) is tr_schema_migrations[N - 1]. Each runs in a
 * transaction of its own that also sets PRAGMA user_version = N, so a
 * database is always at exactly one version. Entries are only ever
 * appended: a released migration is never edited.
 */
extern const char *const tr_schema_migrations[];

/* tr_schema_latest - the version this build creates (number of migrations) */
extern const int tr_schema_latest;

/* The marker that tells our databases from everyone else's. */
#define TR_SCHEMA_MARKER_TABLE	"tlsrptd_meta"
#define TR_SCHEMA_APPLICATION	"tlsrptd"

/*
 * tr_schema_identify - read, without writing anything, what db holds: *version
 * gets 0 for an empty database and the schema version of a tlsrptd database.
 * A file that is not SQLite, a database of another application and one from a
 * newer tlsrptd are refused with TR_ERR_STORE and a message starting with
 * path.
 */
enum tr_err tr_schema_identify(struct sqlite3 *db, const char *path,
    int *version, struct tr_error *err);

/*
 * tr_schema_fresh - the schema at tr_schema_latest as one SQL text (every
 * table, index and view as the migrations leave them, and the marker row),
 * generated at build time by tools/schema_gen.c from tr_schema_migrations:
 * each ALTER TABLE of a migration makes SQLite read the whole schema again,
 * so a new database is created from this instead.
 */
extern const char tr_schema_fresh[];

/*
 * tr_schema_migrate - bring db up to tr_schema_latest: an empty database
 * from tr_schema_fresh in one transaction, an older one by tr_schema_steps.
 * Safe against another process migrating the same file at the same time:
 * the version is read again under the write lock.
 */
enum tr_err tr_schema_migrate(struct sqlite3 *db, const char *path,
    struct tr_error *err);

/* tr_schema_steps - run the migrations after db's version, one transaction
 * per version (what tools/schema_gen.c and the upgrade of a database use) */
enum tr_err tr_schema_steps(struct sqlite3 *db, const char *path,
    struct tr_error *err);

/*
 * tr_schema_dberror - set err to TR_ERR_STORE with "path: what: sqlite
 * message [SQLITE_CODE]", using the last error on db (rc when db has none).
 */
enum tr_err tr_schema_dberror(struct tr_error *err, struct sqlite3 *db,
    int rc, const char *path, const char *what);

/* tr_schema_rcname - "SQLITE_FULL" and so on for a (possibly extended) code */
const char *tr_schema_rcname(int rc);

/*
 * PostgreSQL. tr_schema_pg_create is the schema at tr_schema_latest, one
 * statement an entry, NULL-terminated: the same tables, columns, indexes,
 * unique keys and views as the SQLite migrations end with, in PostgreSQL
 * types. A database that predates version tr_schema_pg_first has no
 * PostgreSQL form; later versions append their migration to
 * tr_schema_pg_migrations (entry N - tr_schema_pg_first - 1 for version N).
 * The version is kept in tlsrptd_meta under key 'schema_version'.
 */
extern const char *const tr_schema_pg_create[];
extern const char *const *const tr_schema_pg_migrations[];
extern const int tr_schema_pg_first;

/*
 * tr_schema_pg_identify - what the connection's current schema holds, as
 * tr_schema_identify: 0 for no tables at all, the version of ours; tables
 * of another application, and a newer version, are refused (TR_ERR_STORE,
 * a message starting with name).
 */
enum tr_err tr_schema_pg_identify(struct tr_db *db, const char *name,
    int *version, struct tr_error *err);

/*
 * tr_schema_pg_migrate - create the schema, or bring it up to
 * tr_schema_latest, in one transaction holding the advisory lock
 * TR_SCHEMA_PG_LOCK: a second instance starting at the same moment waits,
 * then finds the work done.
 */
enum tr_err tr_schema_pg_migrate(struct tr_db *db, const char *name,
    struct tr_error *err);

/* the advisory lock key of migrations ("tlsrptd" in ASCII, then 1) */
#define TR_SCHEMA_PG_LOCK	"8389207141234533377"

#endif
