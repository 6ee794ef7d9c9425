/* store.h - the store (SQLite or PostgreSQL): reports, policies, failure
 * details, quarantine */
#ifndef TR_STORE_H
#define TR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dkim.h"
#include "error.h"
#include "mime.h"
#include "report.h"
#include "way_in.h"

struct tr_store;

/* Where a message came from; every pointer may be NULL. */
struct tr_origin {
	enum tr_way_in way_in;		/* stored by its tr_way_in_name */
	const char *source;		/* file path, MTA queue id, client address */
	const char *client;		/* the peer's address (own listeners) */
	const char *envelope_from;
	const char *envelope_to;	/* recipients, comma-separated */
	int64_t received_at;		/* unix time */
	const struct tr_msgmeta *meta;	/* header metadata, or NULL */
};

enum tr_store_flags {
	TR_STORE_READONLY = 1,		/* open for queries; no migration */
	TR_STORE_GROUP_READ = 2,	/* a new database is 0640, not 0600 */
};

/*
 * tr_store_open - open (creating if needed, unless READONLY) the database at
 * path, set WAL and synchronous=FULL, run the schema migrations up to the
 * current version and prepare every statement. A file that is not a SQLite
 * database, or a SQLite database that is not ours (tables but no tlsrptd
 * schema version) or is from a newer tlsrptd, is refused with a clear message
 * (TR_ERR_STORE). A database that does not exist yet is created 0600 (0640
 * with TR_STORE_GROUP_READ), without following a link in its place; SQLite
 * gives its -wal and -shm files the database's mode.
 */
enum tr_err tr_store_open(const char *path, int flags, struct tr_store **out,
    struct tr_error *err);

/* What else tr_store_open_opts needs; every pointer may be NULL. */
struct tr_store_opts {
	int flags;			/* enum tr_store_flags */
	const char *password_file;	/* PostgreSQL: first line is the
					 * password (database_password_file) */
	const char *instance_name;	/* names this tlsrptd in every stored
					 * row; NULL: the host name */
};

/*
 * tr_store_open_opts - tr_store_open of a "database =" target: a path (or
 * "sqlite:PATH") opens SQLite as above; a postgresql:// URI or a libpq
 * keyword string ("host=... dbname=...") connects to PostgreSQL, checks
 * that the database holds no one else's tables and is not newer than this
 * build, and (unless READONLY) creates or migrates the schema under an
 * advisory lock, so that instances starting together migrate once.
 * Messages name the target with its password redacted.
 */
enum tr_err tr_store_open_opts(const char *target,
    const struct tr_store_opts *o, struct tr_store **out,
    struct tr_error *err);

/* tr_store_instance - the instance_name written into reports, quarantine
 * and report_conflicts rows */
const char *tr_store_instance(const struct tr_store *st);

void tr_store_close(struct tr_store *st);

/* tr_store_schema_version - the version this build creates */
int tr_store_schema_version(void);

/* Transactions: many reports per transaction when ingesting in bulk. */
enum tr_err tr_store_begin(struct tr_store *st, struct tr_error *err);
enum tr_err tr_store_commit(struct tr_store *st, struct tr_error *err);
void tr_store_rollback(struct tr_store *st);


enum tr_put { TR_PUT_STORED, TR_PUT_DUPLICATE };

/*
 * tr_store_put_report - insert a report with its policies, failure details
 * and report_domains rows (r->domains, as tr_report_parse counts them; a
 * report built by other means without them is counted here) inside the
 * current transaction. A report whose organization-name and
 * report-id are already stored is a duplicate (*result = TR_PUT_DUPLICATE,
 * nothing written). *rowid gets the reports.id (of the earlier copy for a
 * duplicate). Returns TR_OK or TR_ERR_STORE; inside a transaction the
 * report may then be half-written, so the caller rolls the batch back.
 */
enum tr_err tr_store_put_report(struct tr_store *st, const struct tr_report *r,
    const struct tr_origin *o, enum tr_put *result, int64_t *rowid,
    struct tr_error *err);

/* tr_store_put_quarantine - keep a message that is not a valid report, with
 * the reason class (tr_err_name) and exact reason. The same bytes again are
 * a duplicate (*result, may be NULL): *rowid is then the earlier row, whose
 * times_seen and last_seen_at count the arrival and whose reason is
 * renewed. */
enum tr_err tr_store_put_quarantine(struct tr_store *st,
    const struct tr_origin *o, const unsigned char *raw, size_t rawlen,
    const char *reason_class, const char *reason, enum tr_put *result,
    int64_t *rowid, struct tr_error *err);

/* What else makes a quarantined message the same as one already kept;
 * every field may be NULL. */
struct tr_quarantine_key {
	const char *content_sha256;	/* hex SHA-256 of the decompressed
					 * report part(s) */
	const char *organization_name;	/* with report_id, when readable */
	const char *report_id;
};

/* tr_store_put_quarantine_keyed - tr_store_put_quarantine, where the same
 * content or the same organization-name and report-id as a kept row is a
 * duplicate as well (key may be NULL) */
enum tr_err tr_store_put_quarantine_keyed(struct tr_store *st,
    const struct tr_origin *o, const unsigned char *raw, size_t rawlen,
    const struct tr_quarantine_key *key, const char *reason_class,
    const char *reason, enum tr_put *result, int64_t *rowid,
    struct tr_error *err);

/* tr_store_put_dkim - record the DKIM verdict d of the report stored as
 * rowid (policy: the dkim setting it was stored under), inside the current
 * transaction; replaces an earlier verdict of that report. TR_ERR_STORE
 * means the caller rolls back. */
enum tr_err tr_store_put_dkim(struct tr_store *st, int64_t rowid,
    const struct tr_dkim_result *d, enum tr_dkim_policy policy,
    struct tr_error *err);

/*
 * Two copies under one key (organization-name and report-id), for
 * tr_record. tr_store_report_state - whether stored report rowid holds
 * r's JSON but for whitespace between tokens (*same; see
 * tr_json_text_same), and its DKIM result (*dkim, UNCHECKED without one).
 * tr_store_put_conflict - keep r as a copy that was not taken (kind
 * "conflict"), naming stored report rowid. tr_store_supersede - move
 * stored report rowid into the conflicts (kind "superseded") and delete it,
 * so that a DKIM-verified copy can take its place. All inside the current
 * transaction; TR_ERR_STORE means roll back.
 */
enum tr_err tr_store_report_state(struct tr_store *st, int64_t rowid,
    const struct tr_report *r, int *same, enum tr_dkim_status *dkim,
    struct tr_error *err);
enum tr_err tr_store_put_conflict(struct tr_store *st, int64_t rowid,
    const struct tr_report *r, const struct tr_origin *o,
    enum tr_dkim_status dkim, int64_t *conflict_id, struct tr_error *err);
enum tr_err tr_store_supersede(struct tr_store *st, int64_t rowid,
    struct tr_error *err);
/* tr_store_link_conflicts - point the conflicts of r's key at rowid */
enum tr_err tr_store_link_conflicts(struct tr_store *st,
    const struct tr_report *r, int64_t rowid, struct tr_error *err);

/* tr_store_conn - the store's connection, for queries through db.h */
struct tr_db *tr_store_conn(struct tr_store *st);

/* tr_store_db - the underlying sqlite3 handle (for queries); NULL for
 * PostgreSQL */
struct sqlite3 *tr_store_db(struct tr_store *st);

#endif
