/* store.c - the store (SQLite or PostgreSQL through db.h): open,
 * transactions, reports, quarantine */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "domain_count.h"
#include "error.h"
#include "notes.h"
#include "report.h"
#include "schema.h"
#include "db.h"
#include "store.h"

/*
 * Every statement is prepared once, on open; per report the work is binds,
 * steps and resets, which is what keeps bulk ingestion at tens of thousands
 * of reports a second.
 */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* page size of a newly created database file */
#define PAGE_SIZE_NEW	"16384"

enum stmt_id {
	S_INS_REPORT,
	S_SEL_REPORT,
	S_INS_POLICY,
	S_INS_FAILURE,
	S_INS_DOMAIN,
	S_INS_QUARANTINE,
	S_FIND_QUARANTINE,
	S_SEEN_QUARANTINE,
	S_INS_DKIM,
	S_LAST_ID,		/* SQLite only */
	S__COUNT
};

/*
 * Written once for both engines (db.h): ON CONFLICT instead of INSERT OR
 * IGNORE/REPLACE, RETURNING id instead of last_insert_rowid().
 */
static const char *const stmt_sql[S__COUNT] = {
	/*
	 * ON CONFLICT on the unique key rather than INSERT OR IGNORE: OR
	 * IGNORE would also swallow a NOT NULL violation and make a broken
	 * report look like a duplicate. On PostgreSQL a second host inserting
	 * the same report at the same moment waits for the first one's
	 * transaction and then gets no row back: stored once.
	 */
	[S_INS_REPORT] = "INSERT INTO reports (organization_name, report_id, "
	    "start_time, end_time, contact_info, report_domain, submitter, "
	    "message_id, mail_from, mail_date, subject, way_in, source, "
	    "envelope_from, envelope_to, received_at, conformance_notes, "
	    "raw_json, instance_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
	    "ON CONFLICT (organization_name, report_id) DO NOTHING",
	[S_SEL_REPORT] = "SELECT id FROM reports "
	    "WHERE organization_name = ?1 AND report_id = ?2",
	[S_INS_POLICY] = "INSERT INTO policies (report_ref, position, "
	    "policy_type, policy_domain, policy_string, mx_host, "
	    "successful_sessions, failed_sessions) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_INS_FAILURE] = "INSERT INTO failure_details (policy_ref, "
	    "result_type, result_type_known, sending_mta_ip, "
	    "receiving_mx_hostname, receiving_mx_helo, receiving_ip, "
	    "failed_sessions, additional_information, failure_reason_code, "
	    "repeated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[S_INS_DOMAIN] = "INSERT INTO report_domains (report_ref, "
	    "policy_domain, policy_type, start_time, organization_name, "
	    "successful_sessions, failed_sessions) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* DO NOTHING without a target: any of the quarantine's unique keys
	 * (raw, content, report key) held by a row that another host has
	 * just written makes this a duplicate, not a failure */
	[S_INS_QUARANTINE] = "INSERT INTO quarantine (received_at, way_in, "
	    "source, envelope_from, envelope_to, message_id, mail_from, "
	    "subject, reason_class, reason, raw, raw_sha256, content_sha256, "
	    "organization_name, report_id, instance_name) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16) ON CONFLICT DO NOTHING",
	/* the same bytes, the same content, or the same report's key */
	[S_FIND_QUARANTINE] = "SELECT id FROM quarantine WHERE raw_sha256 = ?1 "
	    "UNION ALL SELECT id FROM quarantine WHERE content_sha256 = ?2 "
	    "UNION ALL SELECT id FROM quarantine WHERE organization_name = ?3 "
	    "AND report_id = ?4 LIMIT 1",
	[S_SEEN_QUARANTINE] = "UPDATE quarantine SET times_seen = "
	    "times_seen + 1, last_seen_at = ?2, reason_class = ?3, reason = ?4 "
	    "WHERE id = ?1",
	[S_INS_DKIM] = "INSERT INTO report_dkim (report_ref, result, "
	    "cause, detail, domain, selector, algorithm, key_tlsrpt, "
	    "report_domain_signed, submitter_signed, via, policy) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
	    "ON CONFLICT (report_ref) DO UPDATE SET result = excluded.result, "
	    "cause = excluded.cause, detail = excluded.detail, "
	    "domain = excluded.domain, selector = excluded.selector, "
	    "algorithm = excluded.algorithm, "
	    "key_tlsrpt = excluded.key_tlsrpt, "
	    "report_domain_signed = excluded.report_domain_signed, "
	    "submitter_signed = excluded.submitter_signed, "
	    "via = excluded.via, policy = excluded.policy",
	[S_LAST_ID] = "SELECT last_insert_rowid()",
};

/*
 * The INSERTs whose new id the store needs. PostgreSQL returns it
 * (RETURNING id, which also says whether ON CONFLICT DO NOTHING inserted
 * anything). SQLite could too, but its RETURNING collects the rows in a
 * temporary table on every execution, which doubled the CPU time of bulk
 * ingestion (20,000 reports: 1.26 s against 0.69 s); there the statement
 * stays without it and the id is read with last_insert_rowid(), the row
 * count saying whether a row went in.
 */
static int
returns_id(enum stmt_id id)
{
	return id == S_INS_REPORT || id == S_INS_POLICY ||
	    id == S_INS_QUARANTINE;
}

struct tr_store {
	struct tr_db	*conn;		/* the connection; owns the handle */
	sqlite3		*db;		/* SQLite only: the handle behind conn */
	char		*path;		/* for messages (a password redacted) */
	char		*instance;	/* instance_name of every stored row */
	int		 readonly;
	int		 in_txn;	/* between tr_store_begin and its end */
	struct tr_stmt	*stmt[S__COUNT];
	char		*buf;		/* conformance notes as JSON */
	size_t		 bufsz;
};

/* tr_store_schema_version - the version this build creates */
int
tr_store_schema_version(void)
{
	return tr_schema_latest;
}

/* tr_store_db - the underlying sqlite3 handle */
struct sqlite3 *
tr_store_db(struct tr_store *st)
{
	return st->db;
}

/* tr_store_conn - the connection behind db.h */
struct tr_db *
tr_store_conn(struct tr_store *st)
{
	return st->conn;
}

/*
 * dberr - TR_ERR_STORE naming this store, the step and the engine's error.
 * SQLite's message names its result code ([SQLITE_FULL], [SQLITE_BUSY]),
 * which is what an operator searches for; PostgreSQL's driver has already
 * set err with the server's message, which gets the step in front.
 */
static enum tr_err
dberr(struct tr_store *st, const char *what, struct tr_error *err)
{
	if (st->db != NULL)
		return tr_schema_dberror(err, st->db, SQLITE_ERROR, st->path,
		    what);
	if (err != NULL && err->msg[0] != '\0') {
		tr_error_prefix(err, "%s", what);
		err->code = TR_ERR_STORE;
		return TR_ERR_STORE;
	}
	return tr_error_set(err, TR_ERR_STORE, "%s: %s failed", st->path,
	    what);
}

/* bind_failed - a parameter could not be bound (out of memory) */
static enum tr_err
bind_failed(struct tr_store *st, const char *what, struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_STORE, "%s: binding %s: out of memory",
	    st->path, what);
}

/* bt, bi - bind text (NULL for a NULL pointer) or an integer; 1 on error */
static int
bt(struct tr_stmt *s, int i, const char *v)
{
	return tr_db_bind_text_or_null(s, i, v) != TR_OK;
}

static int
bi(struct tr_stmt *s, int i, int64_t v)
{
	return tr_db_bind_int64(s, i, v) != TR_OK;
}

/* step_to_end - step s until it is done; the first column of its first
 * row (a RETURNING id) into *id and *found (both may be NULL) */
static enum tr_err
step_to_end(struct tr_store *st, struct tr_stmt *s, const char *what,
    int64_t *id, int *found, struct tr_error *err)
{
	enum tr_step r;

	if (found != NULL)
		*found = 0;
	if (err != NULL)
		tr_error_clear(err);
	while ((r = tr_db_step(s, err)) == TR_STEP_ROW) {
		if (found != NULL && !*found) {
			*found = 1;
			if (id != NULL)
				*id = tr_db_col_int64(s, 0);
		}
	}
	if (r == TR_STEP_DONE)
		return TR_OK;
	return dberr(st, what, err);
}

/* run - step a prepared statement to its end (it resets itself) */
static enum tr_err
run(struct tr_store *st, enum stmt_id id, const char *what,
    struct tr_error *err)
{
	return step_to_end(st, st->stmt[id], what, NULL, NULL, err);
}

/* run_id - run an INSERT of returns_id(); *rowid gets the new row's id,
 * *found 0 when nothing was inserted (ON CONFLICT DO NOTHING) */
static enum tr_err
run_id(struct tr_store *st, enum stmt_id id, const char *what,
    int64_t *rowid, int *found, struct tr_error *err)
{
	if (tr_db_kind(st->conn) == TR_DB_POSTGRESQL)
		return step_to_end(st, st->stmt[id], what, rowid, found, err);
	if (step_to_end(st, st->stmt[id], what, NULL, NULL, err) != TR_OK)
		return TR_ERR_STORE;
	*found = 0;
	if (tr_db_changes(st->conn) == 0)
		return TR_OK;
	return step_to_end(st, st->stmt[S_LAST_ID], what, rowid, found, err);
}

/* exec - run sql without parameters or rows */
static enum tr_err
exec(struct tr_store *st, const char *sql, const char *what,
    struct tr_error *err)
{
	if (err != NULL)
		tr_error_clear(err);
	if (tr_db_exec(st->conn, sql, err) != TR_OK)
		return dberr(st, what, err);
	return TR_OK;
}

/*
 * One report stored outside a batch is all or nothing. SQLite: a
 * savepoint, which outside a transaction is one. PostgreSQL refuses a
 * savepoint outside a transaction block: a transaction of its own.
 */
static enum tr_err
own_begin(struct tr_store *st, struct tr_error *err)
{
	return exec(st, tr_db_sql(st->conn, "SAVEPOINT tr_put", "BEGIN"),
	    "starting a report", err);
}

static enum tr_err
own_end(struct tr_store *st, struct tr_error *err)
{
	return exec(st, tr_db_sql(st->conn, "RELEASE tr_put", "COMMIT"),
	    "finishing a report", err);
}

/* own_undo - the first error is the one worth reporting: none here */
static void
own_undo(struct tr_store *st)
{
	if (tr_db_kind(st->conn) == TR_DB_POSTGRESQL) {
		tr_db_rollback(st->conn);
		return;
	}
	/* Fails harmlessly when SQLite already rolled the transaction back. */
	if (tr_db_exec(st->conn, "ROLLBACK TO tr_put", NULL) == TR_OK)
		(void)tr_db_exec(st->conn, "RELEASE tr_put", NULL);
}

/* utc_time - t as "YYYY-MM-DDTHH:MM:SSZ"; -1 when gmtime cannot */
static int
utc_time(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

/* buf_reserve - room for n bytes in st->buf; -1 when out of memory */
static int
buf_reserve(struct tr_store *st, size_t n)
{
	char *p;

	if (n <= st->bufsz)
		return 0;
	if ((p = realloc(st->buf, n)) == NULL)
		return -1;
	st->buf = p;
	st->bufsz = n;
	return 0;
}

/* notes_json - the notes as a JSON array of strings in st->buf, or NULL
 * when there are none; -1 when out of memory */
static int
notes_json(struct tr_store *st, const struct tr_notes *notes,
    const char **out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s;
	size_t i, need, o;
	char *b;

	*out = NULL;
	if (notes->n == 0 && notes->dropped == 0)
		return 0;
	/* Worst case every byte becomes \u00XX; plus quotes and commas. */
	need = 2 + 64;
	for (i = 0; i < notes->n; i++)
		need += 6 * strlen(notes->v[i]) + 3;
	if (buf_reserve(st, need) == -1)
		return -1;
	b = st->buf;
	o = 0;
	b[o++] = '[';
	for (i = 0; i < notes->n; i++) {
		if (i > 0)
			b[o++] = ',';
		b[o++] = '"';
		for (s = (const unsigned char *)notes->v[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\') {
				b[o++] = '\\';
				b[o++] = (char)*s;
			} else if (*s == '\n') {
				b[o++] = '\\';
				b[o++] = 'n';
			} else if (*s < 0x20) {
				memcpy(b + o, "\\u00", 4);
				b[o + 4] = hex[*s >> 4];
				b[o + 5] = hex[*s & 0xf];
				o += 6;
			} else
				b[o++] = (char)*s;
		}
		b[o++] = '"';
	}
	if (notes->dropped > 0)
		o += (size_t)snprintf(b + o, need - o,
		    "%s\"%zu further notes not kept\"", notes->n > 0 ? "," : "",
		    notes->dropped);
	b[o++] = ']';
	b[o] = '\0';
	*out = b;
	return 0;
}

/* txn_lost - the engine ended the caller's batch on an earlier error
 * (SQLite may on SQLITE_FULL or IOERR); writing on would autocommit each
 * row */
static int
txn_lost(struct tr_store *st, struct tr_error *err)
{
	if (st->in_txn && !tr_db_in_transaction(st->conn)) {
		tr_error_set(err, TR_ERR_STORE, "%s: the transaction was "
		    "rolled back by an earlier error; roll back and begin "
		    "again", st->path);
		return 1;
	}
	return 0;
}

/* no_writes - the write statements are missing: read-only on an old schema */
static enum tr_err
no_writes(struct tr_store *st, struct tr_error *err)
{
	return tr_error_set(err, TR_ERR_STORE, "%s: opened read-only on "
	    "schema older than version %d; cannot write", st->path,
	    tr_schema_latest);
}

/* put_failure - insert one failure detail of policy pid */
static enum tr_err
put_failure(struct tr_store *st, int64_t pid, const struct tr_failure *f,
    struct tr_error *err)
{
	struct tr_stmt *fs = st->stmt[S_INS_FAILURE];
	int bad;

	bad = bi(fs, 1, pid);
	bad |= bt(fs, 2, f->result_type);
	bad |= bi(fs, 3, f->result_type_known != 0);
	bad |= bt(fs, 4, f->sending_mta_ip);
	bad |= bt(fs, 5, f->receiving_mx_hostname);
	bad |= bt(fs, 6, f->receiving_mx_helo);
	bad |= bt(fs, 7, f->receiving_ip);
	bad |= bi(fs, 8, f->failed_session_count);
	bad |= bt(fs, 9, f->additional_information);
	bad |= bt(fs, 10, f->failure_reason_code);
	bad |= bi(fs, 11, f->repeated != 0);
	if (bad)
		return bind_failed(st, "a failure detail", err);
	return run(st, S_INS_FAILURE, "storing a failure detail", err);
}

/* put_policies - insert r's policies and failure details under report id */
static enum tr_err
put_policies(struct tr_store *st, const struct tr_report *r, int64_t id,
    struct tr_error *err)
{
	struct tr_stmt *ps = st->stmt[S_INS_POLICY];
	const struct tr_policy *p;
	int64_t pid = 0;
	size_t i, j;
	int bad, found;

	for (i = 0; i < r->npolicies; i++) {
		p = &r->policies[i];
		bad = bi(ps, 1, id);
		bad |= bi(ps, 2, (int64_t)i);
		bad |= bt(ps, 3, p->policy_type);
		bad |= bt(ps, 4, p->policy_domain);
		bad |= bt(ps, 5, p->policy_string_json);
		bad |= bt(ps, 6, p->mx_host_json);
		bad |= bi(ps, 7, p->successful_sessions);
		bad |= bi(ps, 8, p->failed_sessions);
		if (bad)
			return bind_failed(st, "a policy", err);
		if (run_id(st, S_INS_POLICY, "storing a policy", &pid, &found,
		    err) != TR_OK)
			return TR_ERR_STORE;
		if (!found)
			return tr_error_set(err, TR_ERR_STORE, "%s: storing a "
			    "policy: no id came back", st->path);
		for (j = 0; j < p->nfailures; j++)
			if (put_failure(st, pid, &p->failures[j], err) != TR_OK)
				return TR_ERR_STORE;
	}
	return TR_OK;
}

/* put_domains - the report_domains rows of r, stored under report id:
 * its sessions counted once per policy domain */
static enum tr_err
put_domains(struct tr_store *st, const struct tr_report *r, int64_t id,
    struct tr_error *err)
{
	struct tr_stmt *ds = st->stmt[S_INS_DOMAIN];
	struct tr_domain_count *d = r->domains;
	size_t i, n = r->ndomains;
	max_align_t block[256 / sizeof(max_align_t)];
	struct tr_arena a;
	enum tr_err e = TR_OK;
	int bad;

	/* tr_report_parse counts them; a report built by hand may not */
	tr_arena_init(&a, block, sizeof(block));
	if (n == 0 && r->npolicies > 0 && tr_domain_count(r->policies,
	    r->npolicies, &a, &d, &n) == -1) {
		tr_arena_free(&a);
		return tr_error_set(err, TR_ERR_STORE, "%s: out of memory "
		    "counting a report's domains", st->path);
	}
	for (i = 0; i < n && e == TR_OK; i++) {
		bad = bi(ds, 1, id);
		bad |= bt(ds, 2, d[i].policy_domain);
		bad |= bt(ds, 3, d[i].policy_type);
		bad |= bt(ds, 4, r->start_datetime);
		bad |= bt(ds, 5, r->organization_name);
		bad |= bi(ds, 6, d[i].successful);
		bad |= bi(ds, 7, d[i].failed);
		if (bad)
			e = bind_failed(st, "a report domain", err);
		else
			e = run(st, S_INS_DOMAIN, "storing a report domain",
			    err);
	}
	tr_arena_free(&a);
	return e;
}

/* find_report - the id of the stored report with r's key */
static enum tr_err
find_report(struct tr_store *st, const struct tr_report *r, int64_t *id,
    struct tr_error *err)
{
	struct tr_stmt *stmt = st->stmt[S_SEL_REPORT];
	int found;

	if (bt(stmt, 1, r->organization_name) | bt(stmt, 2, r->report_id))
		return bind_failed(st, "a report key", err);
	if (step_to_end(st, stmt, "looking up a duplicate report", id,
	    &found, err) != TR_OK)
		return TR_ERR_STORE;
	if (!found)
		return tr_error_set(err, TR_ERR_STORE, "%s: looking up a "
		    "duplicate report: the stored copy has vanished",
		    st->path);
	return TR_OK;
}

/* tr_store_put_report - insert a report, all or nothing, unless stored */
enum tr_err
tr_store_put_report(struct tr_store *st, const struct tr_report *r,
    const struct tr_origin *o, enum tr_put *result, int64_t *rowid,
    struct tr_error *err)
{
	static const struct tr_msgmeta nometa;
	struct tr_stmt *stmt = st->stmt[S_INS_REPORT];
	const struct tr_msgmeta *m;
	const char *notes;
	char received[32];
	int64_t id = 0;
	int bad, own_sp, found;

	if (stmt == NULL)
		return no_writes(st, err);
	if (txn_lost(st, err))
		return TR_ERR_STORE;
	if (utc_time(o->received_at, received, sizeof(received)) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: received_at %lld "
		    "is out of range", st->path, (long long)o->received_at);
	if (notes_json(st, &r->notes, &notes) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: out of memory "
		    "for the conformance notes", st->path);
	m = o->meta != NULL ? o->meta : &nometa;

	/* Inside a transaction the caller undoes a half-stored report by
	 * rolling the batch back; a savepoint would only cost. */
	own_sp = !st->in_txn;
	if (own_sp && own_begin(st, err) != TR_OK)
		return TR_ERR_STORE;
	bad = bt(stmt, 1, r->organization_name);
	bad |= bt(stmt, 2, r->report_id);
	bad |= bt(stmt, 3, r->start_datetime);
	bad |= bt(stmt, 4, r->end_datetime);
	bad |= bt(stmt, 5, r->contact_info);
	bad |= bt(stmt, 6, m->report_domain);
	bad |= bt(stmt, 7, m->report_submitter);
	bad |= bt(stmt, 8, m->message_id);
	bad |= bt(stmt, 9, m->from);
	bad |= bt(stmt, 10, m->date);
	bad |= bt(stmt, 11, m->subject);
	bad |= bt(stmt, 12, tr_way_in_name(o->way_in));
	bad |= bt(stmt, 13, o->source);
	bad |= bt(stmt, 14, o->envelope_from);
	bad |= bt(stmt, 15, o->envelope_to);
	bad |= bt(stmt, 16, received);
	bad |= bt(stmt, 17, notes);
	if (r->raw != NULL)
		bad |= tr_db_bind_textn(stmt, 18, r->raw, r->rawlen) != TR_OK;
	else
		bad |= tr_db_bind_null(stmt, 18) != TR_OK;
	bad |= bt(stmt, 19, st->instance);
	if (bad) {
		bind_failed(st, "a report", err);
		goto undo;
	}
	if (run_id(st, S_INS_REPORT, "storing a report", &id, &found,
	    err) != TR_OK)
		goto undo;
	if (!found) {
		/* the unique key holds it: in this transaction, or committed
		 * by another connection (another host) before ours looked */
		if (find_report(st, r, &id, err) != TR_OK)
			goto undo;
		*result = TR_PUT_DUPLICATE;
	} else {
		/* the domains first: counting them marks the repeated
		 * failure details of a report built without them */
		if (put_domains(st, r, id, err) != TR_OK ||
		    put_policies(st, r, id, err) != TR_OK)
			goto undo;
		*result = TR_PUT_STORED;
	}
	/* Outside a transaction this is the commit. */
	if (own_sp && own_end(st, err) != TR_OK)
		goto undo;
	*rowid = id;
	return TR_OK;
undo:
	if (own_sp)
		own_undo(st);
	return TR_ERR_STORE;
}

/* sha256_hex - hex SHA-256 of buf[0..len) into hex (65 bytes); -1 on error */
static int
sha256_hex(const unsigned char *buf, size_t len, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(buf != NULL ? buf : (const unsigned char *)"", len, md,
	    &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* find_quarantined - the row holding raw, content or the report's key */
static enum tr_err
find_quarantined(struct tr_store *st, const char *raw_hex,
    const char *content_hex, const struct tr_quarantine_key *key,
    int64_t *id, struct tr_error *err)
{
	struct tr_stmt *find = st->stmt[S_FIND_QUARANTINE];
	int bad, found;

	*id = 0;
	bad = bt(find, 1, raw_hex);
	bad |= bt(find, 2, content_hex);
	bad |= bt(find, 3, key != NULL ? key->organization_name : NULL);
	bad |= bt(find, 4, key != NULL ? key->report_id : NULL);
	if (bad)
		return bind_failed(st, "a quarantine lookup", err);
	return step_to_end(st, find, "finding a quarantined message", id,
	    &found, err);
}

/* nonempty - s, or NULL when it is empty */
static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* tr_store_put_dkim - the DKIM verdict of stored report rowid */
enum tr_err
tr_store_put_dkim(struct tr_store *st, int64_t rowid,
    const struct tr_dkim_result *d, enum tr_dkim_policy policy,
    struct tr_error *err)
{
	struct tr_stmt *stmt = st->stmt[S_INS_DKIM];
	int bad;

	if (stmt == NULL)
		return no_writes(st, err);
	if (txn_lost(st, err))
		return TR_ERR_STORE;
	bad = bi(stmt, 1, rowid);
	bad |= bt(stmt, 2, tr_dkim_status_name(d->status));
	bad |= bt(stmt, 3, tr_dkim_cause_name(d->cause));
	bad |= bt(stmt, 4, nonempty(d->detail));
	bad |= bt(stmt, 5, nonempty(d->domain));
	bad |= bt(stmt, 6, nonempty(d->selector));
	bad |= bt(stmt, 7, nonempty(d->algorithm));
	bad |= bi(stmt, 8, d->key_tlsrpt != 0);
	bad |= bi(stmt, 9, d->report_domain_signed != 0);
	bad |= bi(stmt, 10, d->submitter_signed != 0);
	bad |= bt(stmt, 11, d->via[0] != '\0' ? d->via : "dns");
	bad |= bt(stmt, 12, tr_dkim_policy_name(policy));
	if (bad)
		return bind_failed(st, "a DKIM result", err);
	return run(st, S_INS_DKIM, "storing a DKIM result", err);
}

/* adhoc - prepare sql for a rare write (conflicts): not worth a slot */
static enum tr_err
adhoc(struct tr_store *st, const char *sql, struct tr_stmt **stmt,
    struct tr_error *err)
{
	if (st->readonly)
		return no_writes(st, err);
	if (txn_lost(st, err))
		return TR_ERR_STORE;
	tr_error_clear(err);
	if (tr_db_prepare(st->conn, sql, stmt, err) != TR_OK)
		return dberr(st, "preparing a conflict statement", err);
	return TR_OK;
}

/* tr_store_report_state - same content? and the stored DKIM result */
enum tr_err
tr_store_report_state(struct tr_store *st, int64_t rowid,
    const struct tr_report *r, int *same, enum tr_dkim_status *dkim,
    struct tr_error *err)
{
	struct tr_stmt *stmt;
	const char *raw, *res;
	enum tr_step step;
	size_t n;
	int rc;

	*same = 0;
	*dkim = TR_DKIM_UNCHECKED;
	tr_error_clear(err);
	if (tr_db_prepare(st->conn, "SELECT raw_json, (SELECT result "
	    "FROM report_dkim WHERE report_ref = r.id) FROM reports r "
	    "WHERE id = ?1", &stmt, err) != TR_OK)
		return dberr(st, "reading a stored report", err);
	if (bi(stmt, 1, rowid)) {
		tr_db_finalize(stmt);
		return bind_failed(st, "a report id", err);
	}
	step = tr_db_step(stmt, err);
	if (step != TR_STEP_ROW) {
		if (step == TR_STEP_DONE)
			tr_error_set(err, TR_ERR_STORE, "%s: reading a stored "
			    "report: report %lld is not there", st->path,
			    (long long)rowid);
		else
			dberr(st, "reading a stored report", err);
		tr_db_finalize(stmt);
		return TR_ERR_STORE;
	}
	/* report JSON holds no NUL (the parser refuses one, and
	 * PostgreSQL's TEXT cannot hold one): its length is strlen's */
	raw = tr_db_col_text(stmt, 0);
	n = raw != NULL ? strlen(raw) : 0;
	*same = r->raw != NULL && raw != NULL && n == r->rawlen &&
	    (n == 0 || memcmp(raw, r->raw, n) == 0);
	if ((res = tr_db_col_text(stmt, 1)) != NULL &&
	    (rc = tr_dkim_status_parse(res)) >= 0)
		*dkim = (enum tr_dkim_status)rc;
	tr_db_finalize(stmt);
	return TR_OK;
}

/* tr_store_put_conflict - keep a copy that was not taken */
enum tr_err
tr_store_put_conflict(struct tr_store *st, int64_t rowid,
    const struct tr_report *r, const struct tr_origin *o,
    enum tr_dkim_status dkim, int64_t *conflict_id, struct tr_error *err)
{
	static const struct tr_msgmeta nometa;
	const struct tr_msgmeta *m = o->meta != NULL ? o->meta : &nometa;
	struct tr_stmt *stmt;
	char received[32], now[32];
	enum tr_err e;
	int bad, found;

	if (utc_time(o->received_at, received, sizeof(received)) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: received_at %lld "
		    "is out of range", st->path, (long long)o->received_at);
	if (utc_time((int64_t)time(NULL), now, sizeof(now)) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: the clock is out "
		    "of range", st->path);
	if (adhoc(st, "INSERT INTO report_conflicts (organization_name, "
	    "report_id, kind, stored_ref, received_at, way_in, source, "
	    "envelope_from, message_id, mail_from, dkim_result, noted_at, "
	    "raw_json, instance_name) VALUES (?1, ?2, 'conflict', ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id", &stmt,
	    err) != TR_OK)
		return TR_ERR_STORE;
	bad = bt(stmt, 1, r->organization_name);
	bad |= bt(stmt, 2, r->report_id);
	bad |= bi(stmt, 3, rowid);
	bad |= bt(stmt, 4, received);
	bad |= bt(stmt, 5, tr_way_in_name(o->way_in));
	bad |= bt(stmt, 6, o->source);
	bad |= bt(stmt, 7, o->envelope_from);
	bad |= bt(stmt, 8, m->message_id);
	bad |= bt(stmt, 9, m->from);
	bad |= bt(stmt, 10, dkim == TR_DKIM_UNCHECKED ? NULL :
	    tr_dkim_status_name(dkim));
	bad |= bt(stmt, 11, now);
	if (r->raw != NULL)
		bad |= tr_db_bind_textn(stmt, 12, r->raw, r->rawlen) != TR_OK;
	else
		bad |= bt(stmt, 12, "");
	bad |= bt(stmt, 13, st->instance);
	if (bad)
		e = bind_failed(st, "a conflicting report", err);
	else if ((e = step_to_end(st, stmt, "keeping a conflicting report",
	    conflict_id, &found, err)) == TR_OK && !found)
		e = tr_error_set(err, TR_ERR_STORE, "%s: keeping a "
		    "conflicting report: no id came back", st->path);
	tr_db_finalize(stmt);
	return e;
}

/* tr_store_supersede - the stored copy steps aside for a verified one */
enum tr_err
tr_store_supersede(struct tr_store *st, int64_t rowid, struct tr_error *err)
{
	static const char *const sql[] = {
		"INSERT INTO report_conflicts (organization_name, report_id, "
		"kind, stored_ref, received_at, way_in, source, envelope_from, "
		"message_id, mail_from, dkim_result, noted_at, raw_json, "
		"instance_name) "
		"SELECT organization_name, report_id, 'superseded', NULL, "
		"received_at, way_in, source, envelope_from, message_id, "
		"mail_from, (SELECT result FROM report_dkim WHERE "
		"report_ref = r.id), CAST(?2 AS TEXT), raw_json, instance_name "
		"FROM reports r WHERE id = ?1",
		"DELETE FROM reports WHERE id = ?1",
	};
	struct tr_stmt *stmt;
	char now[32];
	enum tr_err e;
	size_t i;

	if (utc_time((int64_t)time(NULL), now, sizeof(now)) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: the clock is out "
		    "of range", st->path);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (adhoc(st, sql[i], &stmt, err) != TR_OK)
			return TR_ERR_STORE;
		if (bi(stmt, 1, rowid) || (i == 0 && bt(stmt, 2, now)))
			e = bind_failed(st, "a report id", err);
		else
			e = step_to_end(st, stmt, "superseding a report", NULL,
			    NULL, err);
		tr_db_finalize(stmt);
		if (e != TR_OK)
			return TR_ERR_STORE;
	}
	return TR_OK;
}

/* tr_store_link_conflicts - the copies aside now name the new report */
enum tr_err
tr_store_link_conflicts(struct tr_store *st, const struct tr_report *r,
    int64_t rowid, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;
	int bad;

	if (adhoc(st, "UPDATE report_conflicts SET stored_ref = ?3 WHERE "
	    "organization_name = ?1 AND report_id = ?2", &stmt, err) != TR_OK)
		return TR_ERR_STORE;
	bad = bt(stmt, 1, r->organization_name);
	bad |= bt(stmt, 2, r->report_id);
	bad |= bi(stmt, 3, rowid);
	if (bad)
		e = bind_failed(st, "a report key", err);
	else
		e = step_to_end(st, stmt, "linking conflicting reports", NULL,
		    NULL, err);
	tr_db_finalize(stmt);
	return e;
}

/* tr_store_put_quarantine - keep a message that is not a valid report */
enum tr_err
tr_store_put_quarantine(struct tr_store *st, const struct tr_origin *o,
    const unsigned char *raw, size_t rawlen, const char *reason_class,
    const char *reason, enum tr_put *result, int64_t *rowid,
    struct tr_error *err)
{
	return tr_store_put_quarantine_keyed(st, o, raw, rawlen, NULL,
	    reason_class, reason, result, rowid, err);
}

/* seen_again - quarantined row id arrived once more */
static enum tr_err
seen_again(struct tr_store *st, int64_t id, const char *received,
    const char *reason_class, const char *reason, struct tr_error *err)
{
	struct tr_stmt *stmt = st->stmt[S_SEEN_QUARANTINE];
	int bad;

	bad = bi(stmt, 1, id);
	bad |= bt(stmt, 2, received);
	bad |= bt(stmt, 3, reason_class);
	bad |= bt(stmt, 4, reason);
	if (bad)
		return bind_failed(st, "a quarantine update", err);
	return run(st, S_SEEN_QUARANTINE, "counting a quarantined message",
	    err);
}

/* tr_store_put_quarantine_keyed - one row per content: a new one, or the
 * earlier one seen once more */
enum tr_err
tr_store_put_quarantine_keyed(struct tr_store *st, const struct tr_origin *o,
    const unsigned char *raw, size_t rawlen,
    const struct tr_quarantine_key *key, const char *reason_class,
    const char *reason, enum tr_put *result, int64_t *rowid,
    struct tr_error *err)
{
	static const struct tr_msgmeta nometa;
	char hex[65];
	const char *content;
	struct tr_stmt *stmt = st->stmt[S_INS_QUARANTINE];
	const struct tr_msgmeta *m;
	char received[32];
	int64_t id;
	int bad, found;

	if (stmt == NULL)
		return no_writes(st, err);
	if (txn_lost(st, err))
		return TR_ERR_STORE;
	if (utc_time(o->received_at, received, sizeof(received)) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: received_at %lld "
		    "is out of range", st->path, (long long)o->received_at);
	m = o->meta != NULL ? o->meta : &nometa;
	if (reason_class == NULL)
		reason_class = "unknown";
	if (reason == NULL)
		reason = "";

	/* the content hash makes a second copy of the same message (ingest run
	 * twice, a sender's retry, a gzip of it made at another time) the
	 * same row instead of a new one */
	if (sha256_hex(raw, rawlen, hex) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: SHA-256 failed",
		    st->path);
	content = key != NULL && key->content_sha256 != NULL ?
	    key->content_sha256 : hex;
	if (find_quarantined(st, hex, content, key, &id, err) != TR_OK)
		return TR_ERR_STORE;
	if (id != 0)
		goto seen;

	/* The quarantine is the last resort: never lose a message for want
	 * of a label, so missing ones get a placeholder. */
	bad = bt(stmt, 1, received);
	bad |= bt(stmt, 2, tr_way_in_name(o->way_in));
	bad |= bt(stmt, 3, o->source);
	bad |= bt(stmt, 4, o->envelope_from);
	bad |= bt(stmt, 5, o->envelope_to);
	bad |= bt(stmt, 6, m->message_id);
	bad |= bt(stmt, 7, m->from);
	bad |= bt(stmt, 8, m->subject);
	bad |= bt(stmt, 9, reason_class);
	bad |= bt(stmt, 10, reason);
	/* A NULL pointer would bind SQL NULL; an empty message is x''. */
	bad |= tr_db_bind_blob(stmt, 11, raw != NULL ? raw :
	    (const unsigned char *)"", rawlen) != TR_OK;
	bad |= bt(stmt, 12, hex);
	bad |= bt(stmt, 13, content);
	/* the key only when whole: half of it would match nothing anyway */
	bad |= bt(stmt, 14, key != NULL && key->report_id != NULL ?
	    key->organization_name : NULL);
	bad |= bt(stmt, 15, key != NULL &&
	    key->organization_name != NULL ? key->report_id : NULL);
	bad |= bt(stmt, 16, st->instance);
	if (bad)
		return bind_failed(st, "a quarantined message", err);
	if (run_id(st, S_INS_QUARANTINE, "quarantining a message", &id,
	    &found, err) != TR_OK)
		return TR_ERR_STORE;
	if (found) {
		*rowid = id;
		if (result != NULL)
			*result = TR_PUT_STORED;
		return TR_OK;
	}
	/* another connection kept it between our look and our insert */
	if (find_quarantined(st, hex, content, key, &id, err) != TR_OK)
		return TR_ERR_STORE;
	if (id == 0)
		return tr_error_set(err, TR_ERR_STORE, "%s: quarantining a "
		    "message: a unique key holds it but no row matches",
		    st->path);
seen:
	if (seen_again(st, id, received, reason_class, reason, err) != TR_OK)
		return TR_ERR_STORE;
	*rowid = id;
	if (result != NULL)
		*result = TR_PUT_DUPLICATE;
	return TR_OK;
}

/* tr_store_begin - start a batch; a writer takes SQLite's lock at once */
enum tr_err
tr_store_begin(struct tr_store *st, struct tr_error *err)
{
	tr_error_clear(err);
	/* A reader's transaction need not block writers. */
	if ((st->readonly ? tr_db_exec(st->conn, "BEGIN", err) :
	    tr_db_begin(st->conn, err)) != TR_OK)
		return dberr(st, "beginning a transaction", err);
	st->in_txn = 1;
	return TR_OK;
}

/* tr_store_commit - make the batch durable (synchronous=FULL) */
enum tr_err
tr_store_commit(struct tr_store *st, struct tr_error *err)
{
	tr_error_clear(err);
	if (tr_db_commit(st->conn, err) != TR_OK)
		return dberr(st, "committing", err);
	st->in_txn = 0;
	return TR_OK;
}

/* tr_store_rollback - drop the batch; harmless when none is open */
void
tr_store_rollback(struct tr_store *st)
{
	tr_db_rollback(st->conn);
	st->in_txn = 0;
}

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

/* prepare_all - prepare the statements; writes only on a current schema */
static enum tr_err
prepare_all(struct tr_store *st, int version, struct tr_error *err)
{
	char sql[2048];
	int i, pg = tr_db_kind(st->conn) == TR_DB_POSTGRESQL;

	/* An older schema opened read-only may lack the columns. */
	if (version != tr_schema_latest)
		return TR_OK;
	for (i = 0; i < S__COUNT; i++) {
		if (i == S_LAST_ID && pg)
			continue;
		snprintf(sql, sizeof(sql), "%s%s", stmt_sql[i],
		    pg && returns_id((enum stmt_id)i) ? " RETURNING id" : "");
		tr_error_clear(err);
		if (tr_db_prepare(st->conn, sql, &st->stmt[i], err) != TR_OK)
			return dberr(st, "preparing statements", err);
	}
	return TR_OK;
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
	if (st->readonly && exec(st, "SET SESSION CHARACTERISTICS AS "
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
	if (prepare_all(st, version, err) != TR_OK)
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
