/* schema.h - the store's SQL schema as ordered migrations */
#ifndef TR_SCHEMA_H
#define TR_SCHEMA_H

#include "error.h"

struct sqlite3;

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
 * tr_schema_migrate - bring db up to tr_schema_latest, one transaction per
 * version. Safe against another process migrating the same file at the same
 * time: each step re-reads the version under the write lock.
 */
enum tr_err tr_schema_migrate(struct sqlite3 *db, const char *path,
    struct tr_error *err);

/*
 * tr_schema_dberror - set err to TR_ERR_STORE with "path: what: sqlite
 * message [SQLITE_CODE]", using the last error on db (rc when db has none).
 */
enum tr_err tr_schema_dberror(struct tr_error *err, struct sqlite3 *db,
    int rc, const char *path, const char *what);

/* tr_schema_rcname - "SQLITE_FULL" and so on for a (possibly extended) code */
const char *tr_schema_rcname(int rc);

#endif
