/* store.c - the store (SQLite or PostgreSQL through db.h): reports and
 * their policies, failure details and domains; transactions */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_count.h"
#include "error.h"
#include "notes.h"
#include "report.h"
#include "schema.h"
#include "db.h"
#include "store.h"
#include "store_stmt.h"

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

/* put_failure - insert one failure detail of policy pid */
static enum tr_err
put_failure(struct tr_store *st, int64_t pid, const struct tr_failure *f,
    struct tr_error *err)
{
	struct tr_stmt *fs = st->stmt[S_INS_FAILURE];
	int bad;

	bad = bi(fs, 1, pid);
	bad |= br(fs, 2, f->result_type);
	bad |= bi(fs, 3, f->result_type_known != 0);
	bad |= br(fs, 4, f->sending_mta_ip);
	bad |= br(fs, 5, f->receiving_mx_hostname);
	bad |= br(fs, 6, f->receiving_mx_helo);
	bad |= br(fs, 7, f->receiving_ip);
	bad |= bi(fs, 8, f->failed_session_count);
	bad |= br(fs, 9, f->additional_information);
	bad |= br(fs, 10, f->failure_reason_code);
	bad |= bi(fs, 11, f->repeated != 0);
	if (bad)
		return tr_store_bind_failed(st, "a failure detail", err);
	return tr_store_run(st, S_INS_FAILURE, "storing a failure detail", err);
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
		bad |= br(ps, 3, p->policy_type);
		bad |= br(ps, 4, p->policy_domain);
		bad |= br(ps, 5, p->policy_string_json);
		bad |= br(ps, 6, p->mx_host_json);
		bad |= bi(ps, 7, p->successful_sessions);
		bad |= bi(ps, 8, p->failed_sessions);
		if (bad)
			return tr_store_bind_failed(st, "a policy", err);
		if (tr_store_run_id(st, S_INS_POLICY, "storing a policy",
		    &pid, &found, err) != TR_OK)
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
		bad |= br(ds, 2, d[i].policy_domain);
		bad |= br(ds, 3, d[i].policy_type);
		bad |= br(ds, 4, r->start_datetime);
		bad |= br(ds, 5, r->organization_name);
		bad |= bi(ds, 6, d[i].successful);
		bad |= bi(ds, 7, d[i].failed);
		if (bad)
			e = tr_store_bind_failed(st, "a report domain", err);
		else
			e = tr_store_run(st, S_INS_DOMAIN,
			    "storing a report domain", err);
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

	if (br(stmt, 1, r->organization_name) | br(stmt, 2, r->report_id))
		return tr_store_bind_failed(st, "a report key", err);
	if (tr_store_step_to_end(st, stmt, "looking up a duplicate report", id,
	    &found, err) != TR_OK)
		return TR_ERR_STORE;
	if (!found)
		return tr_error_set(err, TR_ERR_STORE, "%s: looking up a "
		    "duplicate report: the stored copy has vanished",
		    st->path);
	return TR_OK;
}

/* bind_report - r, its origin o, the time received and the notes (JSON)
 * into the report INSERT; 1 when a bind fails */
static int
bind_report(struct tr_store *st, const struct tr_report *r,
    const struct tr_origin *o, const char *received, const char *notes)
{
	static const struct tr_msgmeta nometa;
	struct tr_stmt *stmt = st->stmt[S_INS_REPORT];
	const struct tr_msgmeta *m = o->meta != NULL ? o->meta : &nometa;
	int bad;

	bad = br(stmt, 1, r->organization_name);
	bad |= br(stmt, 2, r->report_id);
	bad |= br(stmt, 3, r->start_datetime);
	bad |= br(stmt, 4, r->end_datetime);
	bad |= br(stmt, 5, r->contact_info);
	bad |= br(stmt, 6, m->report_domain);
	bad |= br(stmt, 7, m->report_submitter);
	bad |= br(stmt, 8, m->message_id);
	bad |= br(stmt, 9, m->from);
	bad |= br(stmt, 10, m->date);
	bad |= br(stmt, 11, m->subject);
	bad |= br(stmt, 12, tr_way_in_name(o->way_in));
	bad |= br(stmt, 13, o->source);
	bad |= br(stmt, 14, o->envelope_from);
	bad |= br(stmt, 15, o->envelope_to);
	bad |= br(stmt, 16, received);
	bad |= br(stmt, 17, notes);
	if (r->raw != NULL)
		bad |= tr_db_bind_textn_ref(stmt, 18, r->raw,
		    r->rawlen) != TR_OK;
	else
		bad |= tr_db_bind_null(stmt, 18) != TR_OK;
	bad |= br(stmt, 19, st->instance);
	return bad;
}

/* tr_store_put_report - insert a report, all or nothing, unless stored */
enum tr_err
tr_store_put_report(struct tr_store *st, const struct tr_report *r,
    const struct tr_origin *o, enum tr_put *result, int64_t *rowid,
    struct tr_error *err)
{
	const char *notes;
	char received[32];
	int64_t id = 0;
	int own_sp, found;

	if (tr_store_write_start(st, S_INS_REPORT, o->received_at, received,
	    sizeof(received), err) != TR_OK)
		return TR_ERR_STORE;
	if (notes_json(st, &r->notes, &notes) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: out of memory "
		    "for the conformance notes", st->path);

	/* Inside a transaction the caller undoes a half-stored report by
	 * rolling the batch back; a savepoint would only cost. */
	own_sp = !st->in_txn;
	if (own_sp && tr_store_own_begin(st, err) != TR_OK)
		return TR_ERR_STORE;
	if (bind_report(st, r, o, received, notes)) {
		tr_store_bind_failed(st, "a report", err);
		goto undo;
	}
	if (tr_store_run_id(st, S_INS_REPORT, "storing a report", &id, &found,
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
	if (own_sp && tr_store_own_end(st, err) != TR_OK)
		goto undo;
	*rowid = id;
	return TR_OK;
undo:
	if (own_sp)
		tr_store_own_undo(st);
	return TR_ERR_STORE;
}

/* tr_store_begin - start a batch; a writer takes SQLite's lock at once */
enum tr_err
tr_store_begin(struct tr_store *st, struct tr_error *err)
{
	tr_error_clear(err);
	/* A reader's transaction need not block writers. */
	if ((st->readonly ? tr_db_exec(st->conn, "BEGIN", err) :
	    tr_db_begin(st->conn, err)) != TR_OK)
		return tr_store_dberr(st, "beginning a transaction", err);
	st->in_txn = 1;
	return TR_OK;
}

/* tr_store_commit - make the batch durable (synchronous=FULL) */
enum tr_err
tr_store_commit(struct tr_store *st, struct tr_error *err)
{
	tr_error_clear(err);
	if (tr_db_commit(st->conn, err) != TR_OK)
		return tr_store_dberr(st, "committing", err);
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
