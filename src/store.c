/* store.c - the SQLite store: open, transactions, reports, quarantine */
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
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_PUT_SAVEPOINT,
	S_PUT_RELEASE,
	S_PUT_ROLLBACK_TO,
	S_INS_REPORT,		/* first write statement */
	S_SEL_REPORT,
	S_INS_POLICY,
	S_INS_FAILURE,
	S_INS_DOMAIN,
	S_INS_QUARANTINE,
	S_FIND_QUARANTINE,
	S_SEEN_QUARANTINE,
	S_INS_DKIM,
	S__COUNT
};

static const char *const stmt_sql[S__COUNT] = {
	/* IMMEDIATE: a writer takes the lock up front and waits for it under
	 * busy_timeout, instead of failing with SQLITE_BUSY half-way. */
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	/* Outside a transaction, around one report: all or nothing. */
	[S_PUT_SAVEPOINT] = "SAVEPOINT tr_put",
	[S_PUT_RELEASE] = "RELEASE tr_put",
	[S_PUT_ROLLBACK_TO] = "ROLLBACK TO tr_put",
	/*
	 * ON CONFLICT on the unique key rather than INSERT OR IGNORE: OR
	 * IGNORE would also swallow a NOT NULL violation and make a broken
	 * report look like a duplicate.
	 */
	[S_INS_REPORT] = "INSERT INTO reports (organization_name, report_id, "
	    "start_time, end_time, contact_info, report_domain, submitter, "
	    "message_id, mail_from, mail_date, subject, way_in, source, "
	    "envelope_from, envelope_to, received_at, conformance_notes, "
	    "raw_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15, ?16, ?17, ?18) "
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
	[S_INS_QUARANTINE] = "INSERT INTO quarantine (received_at, way_in, "
	    "source, envelope_from, envelope_to, message_id, mail_from, "
	    "subject, reason_class, reason, raw, raw_sha256, content_sha256, "
	    "organization_name, report_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15)",
	/* the same bytes, the same content, or the same report's key */
	[S_FIND_QUARANTINE] = "SELECT id FROM quarantine WHERE raw_sha256 = ?1 "
	    "UNION ALL SELECT id FROM quarantine WHERE content_sha256 = ?2 "
	    "UNION ALL SELECT id FROM quarantine WHERE organization_name = ?3 "
	    "AND report_id = ?4 LIMIT 1",
	[S_SEEN_QUARANTINE] = "UPDATE quarantine SET times_seen = "
	    "times_seen + 1, last_seen_at = ?2, reason_class = ?3, reason = ?4 "
	    "WHERE id = ?1",
	[S_INS_DKIM] = "INSERT OR REPLACE INTO report_dkim (report_ref, result, "
	    "cause, detail, domain, selector, algorithm, key_tlsrpt, "
	    "report_domain_signed, submitter_signed, via, policy) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
};

struct tr_store {
	sqlite3		*db;
	struct tr_db	*conn;		/* db behind db.h; owns the handle */
	char		*path;
	int		 readonly;
	int		 in_txn;	/* between tr_store_begin and its end */
	sqlite3_stmt	*stmt[S__COUNT];
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

/* dberr - TR_ERR_STORE naming this store's path, the step and SQLite's error */
static enum tr_err
dberr(struct tr_store *st, int rc, const char *what, struct tr_error *err)
{
	return tr_schema_dberror(err, st->db, rc, st->path, what);
}

/* run - step a statement that yields no rows and reset it */
static enum tr_err
run(struct tr_store *st, enum stmt_id id, const char *what,
    struct tr_error *err)
{
	sqlite3_stmt *stmt = st->stmt[id];
	int rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(stmt);
		return TR_OK;
	}
	/* Take the message before reset, which may replace it. */
	dberr(st, rc, what, err);
	sqlite3_reset(stmt);
	return TR_ERR_STORE;
}

/* run_quiet - run for the undo paths, where the first error is the one
 * worth reporting; returns the SQLite code */
static int
run_quiet(struct tr_store *st, enum stmt_id id)
{
	int rc;

	rc = sqlite3_step(st->stmt[id]);
	sqlite3_reset(st->stmt[id]);
	return rc;
}

/*
 * bind_text - bind s, or NULL, without copying: s must live until the step.
 * The pointer stays in the statement after reset, which is safe because
 * every parameter of a statement is bound afresh before each step.
 */
static int
bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
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

/* txn_lost - SQLite ended the caller's batch on an earlier error (it may
 * do so on SQLITE_FULL or IOERR); writing on would autocommit each row */
static int
txn_lost(struct tr_store *st, struct tr_error *err)
{
	if (st->in_txn && sqlite3_get_autocommit(st->db)) {
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
	sqlite3_stmt *fs = st->stmt[S_INS_FAILURE];
	int rc;

	rc = sqlite3_bind_int64(fs, 1, pid);
	rc |= bind_text(fs, 2, f->result_type);
	rc |= sqlite3_bind_int(fs, 3, f->result_type_known != 0);
	rc |= bind_text(fs, 4, f->sending_mta_ip);
	rc |= bind_text(fs, 5, f->receiving_mx_hostname);
	rc |= bind_text(fs, 6, f->receiving_mx_helo);
	rc |= bind_text(fs, 7, f->receiving_ip);
	rc |= sqlite3_bind_int64(fs, 8, f->failed_session_count);
	rc |= bind_text(fs, 9, f->additional_information);
	rc |= bind_text(fs, 10, f->failure_reason_code);
	rc |= sqlite3_bind_int(fs, 11, f->repeated != 0);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "binding a failure detail", err);
	return run(st, S_INS_FAILURE, "storing a failure detail", err);
}

/* put_policies - insert r's policies and failure details under report id */
static enum tr_err
put_policies(struct tr_store *st, const struct tr_report *r, int64_t id,
    struct tr_error *err)
{
	sqlite3_stmt *ps = st->stmt[S_INS_POLICY];
	const struct tr_policy *p;
	int64_t pid;
	size_t i, j;
	int rc;

	for (i = 0; i < r->npolicies; i++) {
		p = &r->policies[i];
		rc = sqlite3_bind_int64(ps, 1, id);
		rc |= sqlite3_bind_int64(ps, 2, (int64_t)i);
		rc |= bind_text(ps, 3, p->policy_type);
		rc |= bind_text(ps, 4, p->policy_domain);
		rc |= bind_text(ps, 5, p->policy_string_json);
		rc |= bind_text(ps, 6, p->mx_host_json);
		rc |= sqlite3_bind_int64(ps, 7, p->successful_sessions);
		rc |= sqlite3_bind_int64(ps, 8, p->failed_sessions);
		if (rc != SQLITE_OK)
			return dberr(st, rc, "binding a policy", err);
		if (run(st, S_INS_POLICY, "storing a policy", err) != TR_OK)
			return TR_ERR_STORE;
		pid = sqlite3_last_insert_rowid(st->db);
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
	sqlite3_stmt *ds = st->stmt[S_INS_DOMAIN];
	struct tr_domain_count *d = r->domains;
	size_t i, n = r->ndomains;
	max_align_t block[256 / sizeof(max_align_t)];
	struct tr_arena a;
	enum tr_err e = TR_OK;
	int rc;

	/* tr_report_parse counts them; a report built by hand may not */
	tr_arena_init(&a, block, sizeof(block));
	if (n == 0 && r->npolicies > 0 && tr_domain_count(r->policies,
	    r->npolicies, &a, &d, &n) == -1) {
		tr_arena_free(&a);
		return tr_error_set(err, TR_ERR_STORE, "%s: out of memory "
		    "counting a report's domains", st->path);
	}
	for (i = 0; i < n && e == TR_OK; i++) {
		rc = sqlite3_bind_int64(ds, 1, id);
		rc |= bind_text(ds, 2, d[i].policy_domain);
		rc |= bind_text(ds, 3, d[i].policy_type);
		rc |= bind_text(ds, 4, r->start_datetime);
		rc |= bind_text(ds, 5, r->organization_name);
		rc |= sqlite3_bind_int64(ds, 6, d[i].successful);
		rc |= sqlite3_bind_int64(ds, 7, d[i].failed);
		if (rc != SQLITE_OK)
			e = dberr(st, rc, "binding a report domain", err);
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
	sqlite3_stmt *stmt = st->stmt[S_SEL_REPORT];
	int rc;

	rc = bind_text(stmt, 1, r->organization_name);
	rc |= bind_text(stmt, 2, r->report_id);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "binding a report key", err);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
		return TR_OK;
	}
	if (rc == SQLITE_DONE)
		tr_error_set(err, TR_ERR_STORE, "%s: looking up a duplicate "
		    "report: the stored copy has vanished", st->path);
	else
		dberr(st, rc, "looking up a duplicate report", err);
	sqlite3_reset(stmt);
	return TR_ERR_STORE;
}

/* tr_store_put_report - insert a report, all or nothing, unless stored */
enum tr_err
tr_store_put_report(struct tr_store *st, const struct tr_report *r,
    const struct tr_origin *o, enum tr_put *result, int64_t *rowid,
    struct tr_error *err)
{
	static const struct tr_msgmeta nometa;
	sqlite3_stmt *stmt = st->stmt[S_INS_REPORT];
	const struct tr_msgmeta *m;
	const char *notes;
	char received[32];
	int64_t id = 0;
	int rc, own_sp;

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
	if (own_sp && run(st, S_PUT_SAVEPOINT, "starting a report", err) != TR_OK)
		return TR_ERR_STORE;
	rc = bind_text(stmt, 1, r->organization_name);
	rc |= bind_text(stmt, 2, r->report_id);
	rc |= bind_text(stmt, 3, r->start_datetime);
	rc |= bind_text(stmt, 4, r->end_datetime);
	rc |= bind_text(stmt, 5, r->contact_info);
	rc |= bind_text(stmt, 6, m->report_domain);
	rc |= bind_text(stmt, 7, m->report_submitter);
	rc |= bind_text(stmt, 8, m->message_id);
	rc |= bind_text(stmt, 9, m->from);
	rc |= bind_text(stmt, 10, m->date);
	rc |= bind_text(stmt, 11, m->subject);
	rc |= bind_text(stmt, 12, tr_way_in_name(o->way_in));
	rc |= bind_text(stmt, 13, o->source);
	rc |= bind_text(stmt, 14, o->envelope_from);
	rc |= bind_text(stmt, 15, o->envelope_to);
	rc |= bind_text(stmt, 16, received);
	rc |= bind_text(stmt, 17, notes);
	if (r->raw != NULL)
		rc |= sqlite3_bind_text64(stmt, 18, r->raw, r->rawlen,
		    SQLITE_STATIC, SQLITE_UTF8);
	else
		rc |= sqlite3_bind_null(stmt, 18);
	if (rc != SQLITE_OK) {
		dberr(st, rc, "binding a report", err);
		goto undo;
	}
	if (run(st, S_INS_REPORT, "storing a report", err) != TR_OK)
		goto undo;
	if (sqlite3_changes(st->db) == 0) {
		if (find_report(st, r, &id, err) != TR_OK)
			goto undo;
		*result = TR_PUT_DUPLICATE;
	} else {
		id = sqlite3_last_insert_rowid(st->db);
		/* the domains first: counting them marks the repeated
		 * failure details of a report built without them */
		if (put_domains(st, r, id, err) != TR_OK ||
		    put_policies(st, r, id, err) != TR_OK)
			goto undo;
		*result = TR_PUT_STORED;
	}
	/* Outside a transaction this RELEASE is the commit. */
	if (own_sp && run(st, S_PUT_RELEASE, "finishing a report", err) != TR_OK)
		goto undo;
	*rowid = id;
	return TR_OK;
undo:
	/* Fails harmlessly when SQLite already rolled the transaction back. */
	if (own_sp && run_quiet(st, S_PUT_ROLLBACK_TO) == SQLITE_DONE)
		run_quiet(st, S_PUT_RELEASE);
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
	sqlite3_stmt *find = st->stmt[S_FIND_QUARANTINE];
	int rc;

	*id = 0;
	rc = bind_text(find, 1, raw_hex);
	rc |= bind_text(find, 2, content_hex);
	rc |= bind_text(find, 3, key != NULL ? key->organization_name : NULL);
	rc |= bind_text(find, 4, key != NULL ? key->report_id : NULL);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "binding a quarantine lookup", err);
	rc = sqlite3_step(find);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(find, 0);
	sqlite3_reset(find);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(st, rc, "finding a quarantined message", err);
	return TR_OK;
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
	sqlite3_stmt *stmt = st->stmt[S_INS_DKIM];
	int rc;

	if (stmt == NULL)
		return no_writes(st, err);
	if (txn_lost(st, err))
		return TR_ERR_STORE;
	rc = sqlite3_bind_int64(stmt, 1, rowid);
	rc |= bind_text(stmt, 2, tr_dkim_status_name(d->status));
	rc |= bind_text(stmt, 3, tr_dkim_cause_name(d->cause));
	rc |= bind_text(stmt, 4, nonempty(d->detail));
	rc |= bind_text(stmt, 5, nonempty(d->domain));
	rc |= bind_text(stmt, 6, nonempty(d->selector));
	rc |= bind_text(stmt, 7, nonempty(d->algorithm));
	rc |= sqlite3_bind_int(stmt, 8, d->key_tlsrpt != 0);
	rc |= sqlite3_bind_int(stmt, 9, d->report_domain_signed != 0);
	rc |= sqlite3_bind_int(stmt, 10, d->submitter_signed != 0);
	rc |= bind_text(stmt, 11, d->via[0] != '\0' ? d->via : "dns");
	rc |= bind_text(stmt, 12, tr_dkim_policy_name(policy));
	if (rc != SQLITE_OK)
		return dberr(st, rc, "binding a DKIM result", err);
	return run(st, S_INS_DKIM, "storing a DKIM result", err);
}

/* adhoc - prepare sql for a rare write (conflicts): not worth a slot */
static enum tr_err
adhoc(struct tr_store *st, const char *sql, sqlite3_stmt **stmt,
    struct tr_error *err)
{
	int rc;

	if (st->readonly)
		return no_writes(st, err);
	if (txn_lost(st, err))
		return TR_ERR_STORE;
	if ((rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL)) != SQLITE_OK)
		return dberr(st, rc, "preparing a conflict statement", err);
	return TR_OK;
}

/* tr_store_report_state - same content? and the stored DKIM result */
enum tr_err
tr_store_report_state(struct tr_store *st, int64_t rowid,
    const struct tr_report *r, int *same, enum tr_dkim_status *dkim,
    struct tr_error *err)
{
	sqlite3_stmt *stmt;
	const void *raw;
	const unsigned char *res;
	int rc, n;

	*same = 0;
	*dkim = TR_DKIM_UNCHECKED;
	if ((rc = sqlite3_prepare_v2(st->db, "SELECT raw_json, (SELECT result "
	    "FROM report_dkim WHERE report_ref = r.id) FROM reports r "
	    "WHERE id = ?1", -1, &stmt, NULL)) != SQLITE_OK)
		return dberr(st, rc, "reading a stored report", err);
	sqlite3_bind_int64(stmt, 1, rowid);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		dberr(st, rc, "reading a stored report", err);
		sqlite3_finalize(stmt);
		return TR_ERR_STORE;
	}
	raw = sqlite3_column_blob(stmt, 0);
	n = sqlite3_column_bytes(stmt, 0);
	*same = r->raw != NULL && (size_t)n == r->rawlen &&
	    (n == 0 || memcmp(raw, r->raw, (size_t)n) == 0);
	if ((res = sqlite3_column_text(stmt, 1)) != NULL &&
	    (rc = tr_dkim_status_parse((const char *)res)) >= 0)
		*dkim = (enum tr_dkim_status)rc;
	sqlite3_finalize(stmt);
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
	sqlite3_stmt *stmt;
	char received[32];
	int rc;

	if (utc_time(o->received_at, received, sizeof(received)) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: received_at %lld "
		    "is out of range", st->path, (long long)o->received_at);
	if (adhoc(st, "INSERT INTO report_conflicts (organization_name, "
	    "report_id, kind, stored_ref, received_at, way_in, source, "
	    "envelope_from, message_id, mail_from, dkim_result, noted_at, "
	    "raw_json) VALUES (?1, ?2, 'conflict', ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?11)", &stmt,
	    err) != TR_OK)
		return TR_ERR_STORE;
	rc = bind_text(stmt, 1, r->organization_name);
	rc |= bind_text(stmt, 2, r->report_id);
	rc |= sqlite3_bind_int64(stmt, 3, rowid);
	rc |= bind_text(stmt, 4, received);
	rc |= bind_text(stmt, 5, tr_way_in_name(o->way_in));
	rc |= bind_text(stmt, 6, o->source);
	rc |= bind_text(stmt, 7, o->envelope_from);
	rc |= bind_text(stmt, 8, m->message_id);
	rc |= bind_text(stmt, 9, m->from);
	rc |= bind_text(stmt, 10, dkim == TR_DKIM_UNCHECKED ? NULL :
	    tr_dkim_status_name(dkim));
	if (r->raw != NULL)
		rc |= sqlite3_bind_text64(stmt, 11, r->raw, r->rawlen,
		    SQLITE_STATIC, SQLITE_UTF8);
	else
		rc |= bind_text(stmt, 11, "");
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		dberr(st, rc, "keeping a conflicting report", err);
		sqlite3_finalize(stmt);
		return TR_ERR_STORE;
	}
	sqlite3_finalize(stmt);
	*conflict_id = sqlite3_last_insert_rowid(st->db);
	return TR_OK;
}

/* tr_store_supersede - the stored copy steps aside for a verified one */
enum tr_err
tr_store_supersede(struct tr_store *st, int64_t rowid, struct tr_error *err)
{
	static const char *const sql[] = {
		"INSERT INTO report_conflicts (organization_name, report_id, "
		"kind, stored_ref, received_at, way_in, source, envelope_from, "
		"message_id, mail_from, dkim_result, noted_at, raw_json) "
		"SELECT organization_name, report_id, 'superseded', NULL, "
		"received_at, way_in, source, envelope_from, message_id, "
		"mail_from, (SELECT result FROM report_dkim WHERE "
		"report_ref = r.id), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
		"raw_json FROM reports r WHERE id = ?1",
		"DELETE FROM reports WHERE id = ?1",
	};
	sqlite3_stmt *stmt;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (adhoc(st, sql[i], &stmt, err) != TR_OK)
			return TR_ERR_STORE;
		sqlite3_bind_int64(stmt, 1, rowid);
		if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
			dberr(st, rc, "superseding a report", err);
			sqlite3_finalize(stmt);
			return TR_ERR_STORE;
		}
		sqlite3_finalize(stmt);
	}
	return TR_OK;
}

/* tr_store_link_conflicts - the copies aside now name the new report */
enum tr_err
tr_store_link_conflicts(struct tr_store *st, const struct tr_report *r,
    int64_t rowid, struct tr_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if (adhoc(st, "UPDATE report_conflicts SET stored_ref = ?3 WHERE "
	    "organization_name = ?1 AND report_id = ?2", &stmt, err) != TR_OK)
		return TR_ERR_STORE;
	rc = bind_text(stmt, 1, r->organization_name);
	rc |= bind_text(stmt, 2, r->report_id);
	rc |= sqlite3_bind_int64(stmt, 3, rowid);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return dberr(st, rc, "linking conflicting reports", err);
	return TR_OK;
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
	sqlite3_stmt *stmt = st->stmt[S_INS_QUARANTINE];
	const struct tr_msgmeta *m;
	char received[32];
	int64_t id;
	int rc;

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
	if (id != 0) {
		stmt = st->stmt[S_SEEN_QUARANTINE];
		rc = sqlite3_bind_int64(stmt, 1, id);
		rc |= bind_text(stmt, 2, received);
		rc |= bind_text(stmt, 3, reason_class);
		rc |= bind_text(stmt, 4, reason);
		if (rc != SQLITE_OK)
			return dberr(st, rc, "binding a quarantine update",
			    err);
		if (run(st, S_SEEN_QUARANTINE, "counting a quarantined "
		    "message", err) != TR_OK)
			return TR_ERR_STORE;
		*rowid = id;
		if (result != NULL)
			*result = TR_PUT_DUPLICATE;
		return TR_OK;
	}

	/* The quarantine is the last resort: never lose a message for want
	 * of a label, so missing ones get a placeholder. */
	rc = bind_text(stmt, 1, received);
	rc |= bind_text(stmt, 2, tr_way_in_name(o->way_in));
	rc |= bind_text(stmt, 3, o->source);
	rc |= bind_text(stmt, 4, o->envelope_from);
	rc |= bind_text(stmt, 5, o->envelope_to);
	rc |= bind_text(stmt, 6, m->message_id);
	rc |= bind_text(stmt, 7, m->from);
	rc |= bind_text(stmt, 8, m->subject);
	rc |= bind_text(stmt, 9, reason_class);
	rc |= bind_text(stmt, 10, reason);
	/* A NULL pointer would bind SQL NULL; an empty message is x''. */
	if (raw != NULL && rawlen > 0)
		rc |= sqlite3_bind_blob64(stmt, 11, raw, rawlen,
		    SQLITE_STATIC);
	else
		rc |= sqlite3_bind_zeroblob(stmt, 11, 0);
	rc |= bind_text(stmt, 12, hex);
	rc |= bind_text(stmt, 13, content);
	/* the key only when whole: half of it would match nothing anyway */
	rc |= bind_text(stmt, 14, key != NULL && key->report_id != NULL ?
	    key->organization_name : NULL);
	rc |= bind_text(stmt, 15, key != NULL &&
	    key->organization_name != NULL ? key->report_id : NULL);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "binding a quarantined message", err);
	if (run(st, S_INS_QUARANTINE, "quarantining a message", err) != TR_OK)
		return TR_ERR_STORE;
	*rowid = sqlite3_last_insert_rowid(st->db);
	if (result != NULL)
		*result = TR_PUT_STORED;
	return TR_OK;
}

/* tr_store_begin - start a batch; IMMEDIATE for a writer */
enum tr_err
tr_store_begin(struct tr_store *st, struct tr_error *err)
{
	if (run(st, S_BEGIN, "beginning a transaction", err) != TR_OK)
		return TR_ERR_STORE;
	st->in_txn = 1;
	return TR_OK;
}

/* tr_store_commit - make the batch durable (synchronous=FULL) */
enum tr_err
tr_store_commit(struct tr_store *st, struct tr_error *err)
{
	if (run(st, S_COMMIT, "committing", err) != TR_OK)
		return TR_ERR_STORE;
	st->in_txn = 0;
	return TR_OK;
}

/* tr_store_rollback - drop the batch; harmless when none is open */
void
tr_store_rollback(struct tr_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		run_quiet(st, S_ROLLBACK);
	st->in_txn = 0;
}

/* set_journal_wal - switch to WAL, which must take (":memory:" cannot) */
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

static enum tr_err
set_journal_wal(struct tr_store *st, struct tr_error *err)
{
	sqlite3_stmt *stmt;
	const char *mode;
	enum tr_err e = TR_OK;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1,
	    &stmt, NULL);
	if (rc != SQLITE_OK)
		return dberr(st, rc, "setting WAL journal mode", err);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		e = dberr(st, rc, "setting WAL journal mode", err);
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
	const char *sql;
	int i, rc;

	for (i = 0; i < S__COUNT; i++) {
		/* An older schema opened read-only may lack the columns. */
		if (i >= S_INS_REPORT && version != tr_schema_latest)
			continue;
		sql = stmt_sql[i];
		/* A reader's transaction need not block writers. */
		if (i == S_BEGIN && st->readonly)
			sql = "BEGIN";
		rc = sqlite3_prepare_v3(st->db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL);
		if (rc != SQLITE_OK)
			return dberr(st, rc, "preparing statements", err);
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

/* tr_store_open - open, identify, configure, migrate and prepare */
enum tr_err
tr_store_open(const char *path, int flags, struct tr_store **out,
    struct tr_error *err)
{
	struct tr_store *st;
	int oflags, rc, version;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		free(st);
		return tr_error_set(err, TR_ERR_STORE, "%s: out of memory",
		    path);
	}
	st->readonly = (flags & TR_STORE_READONLY) != 0;
	pthread_once(&sqlite_once, sqlite_setup);
	/* one thread owns a connection: SQLite's own mutexes would only cost */
	oflags = SQLITE_OPEN_NOMUTEX | (st->readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (!st->readonly && create_private(path, (flags &
	    TR_STORE_GROUP_READ) != 0 ? 0640 : 0600, err) != TR_OK)
		goto fail;
	rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		dberr(st, rc, "opening the database", err);
		goto fail;
	}
	if (tr_db_sqlite_wrap(st->db, path, &st->conn, err) != TR_OK)
		goto fail;
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);

	/* Identify before anything writes: a foreign file stays untouched. */
	if (tr_schema_identify(st->db, path, &version, err) != TR_OK)
		goto fail;
	if (!st->readonly) {
		/*
		 * A new file gets 16 KiB pages before WAL fixes the size: a
		 * reports row (with its raw JSON) is about 2 KiB, so 4 KiB
		 * pages hold one and waste a quarter of the file, and every
		 * byte is written twice (WAL, then checkpoint). Bulk
		 * ingestion writes about 15% less.
		 */
		if (version == 0 && (rc = sqlite3_exec(st->db,
		    "PRAGMA page_size = " PAGE_SIZE_NEW, NULL, NULL,
		    NULL)) != SQLITE_OK) {
			dberr(st, rc, "setting the page size", err);
			goto fail;
		}
		if (set_journal_wal(st, err) != TR_OK)
			goto fail;
		/*
		 * temp_store: a savepoint (a report stored outside a batch)
		 * or a multi-row statement keeps its undo pages in a
		 * sub-journal, which once past 64 KiB becomes a temporary
		 * file written page by page; in memory it stays that of one
		 * report's pages. The writer runs no large sorts.
		 */
		rc = sqlite3_exec(st->db, "PRAGMA synchronous = FULL; "
		    "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			dberr(st, rc, "setting synchronous mode", err);
			goto fail;
		}
		/*
		 * Checkpoint when the WAL holds about 4 MiB, whatever the
		 * page size (SQLite counts 1000 pages: 16 MiB with 16 KiB
		 * pages), so the WAL beside a database stays small.
		 */
		if ((rc = wal_checkpoint_bytes(st, 4 * 1024 * 1024)) !=
		    SQLITE_OK) {
			dberr(st, rc, "setting the WAL checkpoint size", err);
			goto fail;
		}
	}
	rc = sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    NULL);
	if (rc != SQLITE_OK) {
		dberr(st, rc, "enabling foreign keys", err);
		goto fail;
	}
	if (!st->readonly) {
		if (tr_schema_migrate(st->db, path, err) != TR_OK)
			goto fail;
		version = tr_schema_latest;
	} else if (version == 0) {
		tr_error_set(err, TR_ERR_STORE, "%s: no tlsrptd schema yet; "
		    "open it read-write once to create it", path);
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

/* tr_store_close - finalize, close (rolling back an open batch), free */
void
tr_store_close(struct tr_store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < S__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	/* _v2: a statement a caller left on tr_store_db() delays the close
	 * instead of leaking the handle. */
	if (st->conn != NULL)
		tr_db_close(st->conn);
	else
		sqlite3_close_v2(st->db);
	free(st->buf);
	free(st->path);
	free(st);
}
