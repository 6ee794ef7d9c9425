/* cmd_migrate.c - tlsrptd migrate: copy a SQLite database into another store, through the store API */
#include <sys/stat.h>

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd.h"
#include "cmd_args.h"
#include "cmd_db.h"
#include "cmd_migrate.h"
#include "datetime.h"
#include "db.h"
#include "dkim.h"
#include "log.h"
#include "migrate_reports.h"
#include "report.h"
#include "store.h"
#include "way_in.h"

#define DEFAULT_BATCH	500

static const struct option migrate_opts[] = {
	{ "from", required_argument, NULL, 'f' },
	{ "to", required_argument, NULL, 't' },
	{ "batch", required_argument, NULL, 'b' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};


/* find_report - the destination's id of the report under org, report_id;
 * 0 when it holds none */
static enum tr_err
find_report(struct tr_stmt *q, const char *org, const char *rid,
    int64_t *id, struct tr_error *err)
{
	enum tr_step rc;

	*id = 0;
	if (bound(tr_db_bind_text_or_null(q, 1, org), "reports", err) !=
	    TR_OK || bound(tr_db_bind_text_or_null(q, 2, rid), "reports",
	    err) != TR_OK)
		return TR_ERR_STORE;
	if ((rc = tr_db_step(q, err)) == TR_STEP_ROW) {
		*id = tr_db_col_int64(q, 0);
		tr_db_reset(q);
	} else if (rc == TR_STEP_ERROR) {
		tr_error_prefix(err, "finding a report");
		return TR_ERR_STORE;
	}
	return TR_OK;
}

/* exists - whether q (bound) yields a row; -1 on an error */
static int
exists(struct tr_stmt *q, struct tr_error *err)
{
	enum tr_step rc = tr_db_step(q, err);

	if (rc == TR_STEP_ROW)
		tr_db_reset(q);
	return rc == TR_STEP_ERROR ? -1 : rc == TR_STEP_ROW;
}

/* count_of - the count q (bound) yields; -1 on an error */
static int64_t
count_of(struct tr_stmt *q, struct tr_error *err)
{
	int64_t n;

	if (tr_db_step(q, err) != TR_STEP_ROW)
		return -1;
	n = tr_db_col_int64(q, 0);
	tr_db_reset(q);
	return n;
}

/* run - step a statement that yields no rows */
static enum tr_err
run(struct tr_stmt *q, const char *what, struct tr_error *err)
{
	if (tr_db_step(q, err) != TR_STEP_DONE) {
		tr_error_prefix(err, "%s", what);
		return TR_ERR_STORE;
	}
	return TR_OK;
}

static const char q_conflicts[] =
    "SELECT id, organization_name, report_id, kind, stored_ref,\n"
    "       received_at, way_in, source, envelope_from, message_id,\n"
    "       mail_from, dkim_result, noted_at, raw_json\n"
    "  FROM report_conflicts WHERE id > ?1 ORDER BY id LIMIT ?2";

/* The copies kept aside that are the same as one of the source's: the
 * same key, kind, arrival, source and content; the source's count stops
 * at the row being copied (?7), so that copies alike are copied alike. */
#define Q_SAME_CONFLICTS(UPTO)						\
    "SELECT count(*) FROM report_conflicts WHERE organization_name = ?1 " \
    "AND report_id = ?2 AND kind = ?3 AND received_at = ?4 "		\
    "AND raw_json = ?5 "						\
    "AND COALESCE(source, '') = COALESCE(CAST(?6 AS TEXT), '')" UPTO

/* bind_same - the parameters of Q_SAME_CONFLICTS from row */
static enum tr_err
bind_same(struct tr_stmt *q, struct tr_stmt *row, struct tr_error *err)
{
	static const int col[] = { 1, 2, 3, 5, 13, 7 };
	size_t i;

	for (i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		if (bound(tr_db_bind_text_or_null(q, (int)i + 1,
		    tr_db_col_text(row, col[i])), "conflicts", err) != TR_OK)
			return TR_ERR_STORE;
	return TR_OK;
}

/*
 * copy_conflict - one copy kept aside under a stored key, unless the
 * destination holds as many alike as the source up to it: through
 * tr_store_put_conflict, then its kind, noted_at and the report it names
 * (none once that was deleted) as the source has them, which the store
 * call sets for a copy arriving now
 */
static enum tr_err
copy_conflict(struct tr_mig *m, struct tr_stmt *row, struct tr_stmt *there,
    struct tr_stmt *mine, struct tr_stmt *find, struct tr_stmt *fix,
    struct tr_error *err)
{
	int64_t nthere, nmine;
	struct tr_msgmeta meta;
	struct tr_report r;
	struct tr_origin o;
	const char *org = tr_db_col_text(row, 1), *rid = tr_db_col_text(row, 2);
	const char *kind = tr_db_col_text(row, 3), *dkim;
	const char *received = tr_db_col_text(row, 5);
	int64_t ref = 0, cid;
	int had_ref = !tr_db_col_is_null(row, 4), v;

	memset(&r, 0, sizeof(r));
	r.organization_name = org;
	r.report_id = rid;
	r.raw = tr_db_col_text(row, 13);
	r.rawlen = r.raw != NULL ? strlen(r.raw) : 0;
	if (bind_same(there, row, err) != TR_OK ||
	    bind_same(mine, row, err) != TR_OK ||
	    bound(tr_db_bind_int64(mine, 7, tr_db_col_int64(row, 0)),
	    "conflicts", err) != TR_OK)
		return TR_ERR_STORE;
	if ((nthere = count_of(there, err)) == -1 ||
	    (nmine = count_of(mine, err)) == -1) {
		tr_error_prefix(err, "finding a kept copy");
		return TR_ERR_STORE;
	}
	if (nthere >= nmine) {
		m->t.conflicts_there++;
		return TR_OK;
	}
	if (had_ref && find_report(find, org, rid, &ref, err) != TR_OK)
		return TR_ERR_STORE;

	memset(&meta, 0, sizeof(meta));
	meta.message_id = (char *)tr_db_col_text(row, 9);
	meta.from = (char *)tr_db_col_text(row, 10);
	memset(&o, 0, sizeof(o));
	o.way_in = tr_way_in_parse(tr_db_col_text(row, 6) != NULL ?
	    tr_db_col_text(row, 6) : "");
	o.source = tr_db_col_text(row, 7);
	o.envelope_from = tr_db_col_text(row, 8);
	o.received_at = parse_time(received);
	o.meta = &meta;
	dkim = tr_db_col_text(row, 11);
	v = dkim != NULL ? tr_dkim_status_parse(dkim) : -1;
	if (tr_store_put_conflict(m->dst, ref, &r, &o, v >= 0 ?
	    (enum tr_dkim_status)v : TR_DKIM_UNCHECKED, &cid, err) != TR_OK) {
		tr_error_prefix(err, "copying a kept copy");
		return TR_ERR_STORE;
	}
	if (bound(tr_db_bind_int64(fix, 1, cid), "conflicts", err) != TR_OK ||
	    bound(tr_db_bind_text(fix, 2, kind != NULL ? kind : "conflict"),
	    "conflicts", err) != TR_OK ||
	    bound(tr_db_bind_text_or_null(fix, 3, tr_db_col_text(row, 12)),
	    "conflicts", err) != TR_OK ||
	    bound(ref != 0 ? tr_db_bind_int64(fix, 4, ref) :
	    tr_db_bind_null(fix, 4), "conflicts", err) != TR_OK ||
	    run(fix, "copying a kept copy", err) != TR_OK)
		return TR_ERR_STORE;
	m->t.conflicts++;
	return TR_OK;
}

static const char q_quarantine[] =
    "SELECT id, received_at, way_in, source, envelope_from, envelope_to,\n"
    "       message_id, mail_from, subject, reason_class, reason, raw,\n"
    "       content_sha256, organization_name, report_id, times_seen,\n"
    "       last_seen_at, raw_sha256\n"
    "  FROM quarantine WHERE id > ?1 ORDER BY id LIMIT ?2";

/*
 * copy_quarantined - one quarantined message: a destination row with the
 * same bytes, content or report key is the same message (counted, left
 * alone, since storing it again would count an arrival); otherwise it is
 * kept through tr_store_put_quarantine_keyed, then given the source's
 * arrival count and last arrival
 */
static enum tr_err
copy_quarantined(struct tr_mig *m, struct tr_stmt *row, struct tr_stmt *there,
    struct tr_stmt *fix, struct tr_error *err)
{
	struct tr_quarantine_key key;
	struct tr_msgmeta meta;
	struct tr_origin o;
	const unsigned char *raw;
	size_t rawlen;
	enum tr_put put;
	int64_t qid;

	key.content_sha256 = tr_db_col_text(row, 12);
	key.organization_name = tr_db_col_text(row, 13);
	key.report_id = tr_db_col_text(row, 14);
	if (bound(tr_db_bind_text_or_null(there, 1, tr_db_col_text(row, 17)),
	    "quarantine", err) != TR_OK ||
	    bound(tr_db_bind_text_or_null(there, 2, key.content_sha256),
	    "quarantine", err) != TR_OK ||
	    bound(tr_db_bind_text_or_null(there, 3, key.organization_name),
	    "quarantine", err) != TR_OK ||
	    bound(tr_db_bind_text_or_null(there, 4, key.report_id),
	    "quarantine", err) != TR_OK)
		return TR_ERR_STORE;
	switch (exists(there, err)) {
	case -1:
		tr_error_prefix(err, "finding a quarantined message");
		return TR_ERR_STORE;
	case 1:
		m->t.quarantine_there++;
		return TR_OK;
	}

	memset(&meta, 0, sizeof(meta));
	meta.message_id = (char *)tr_db_col_text(row, 6);
	meta.from = (char *)tr_db_col_text(row, 7);
	meta.subject = (char *)tr_db_col_text(row, 8);
	memset(&o, 0, sizeof(o));
	o.way_in = tr_way_in_parse(tr_db_col_text(row, 2) != NULL ?
	    tr_db_col_text(row, 2) : "");
	o.source = tr_db_col_text(row, 3);
	o.envelope_from = tr_db_col_text(row, 4);
	o.envelope_to = tr_db_col_text(row, 5);
	o.received_at = parse_time(tr_db_col_text(row, 1));
	o.meta = &meta;
	raw = tr_db_col_blob(row, 11, &rawlen);
	if (tr_store_put_quarantine_keyed(m->dst, &o, raw, rawlen, &key,
	    tr_db_col_text(row, 9), tr_db_col_text(row, 10), &put, &qid,
	    err) != TR_OK) {
		tr_error_prefix(err, "copying a quarantined message");
		return TR_ERR_STORE;
	}
	if (bound(tr_db_bind_int64(fix, 1, qid), "quarantine", err) != TR_OK ||
	    bound(tr_db_bind_int64(fix, 2, tr_db_col_int64(row, 15)),
	    "quarantine", err) != TR_OK ||
	    bound(tr_db_bind_text_or_null(fix, 3, tr_db_col_text(row, 16)),
	    "quarantine", err) != TR_OK ||
	    run(fix, "copying a quarantined message", err) != TR_OK)
		return TR_ERR_STORE;
	m->t.quarantine++;
	return TR_OK;
}

static const char q_alerts[] =
    "SELECT id, policy_domain, day, raised_at, failure_rate,\n"
    "       successful_sessions, failed_sessions, threshold\n"
    "  FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2";

/* copy_alert - an alert raised: the destination's row for its domain and
 * day, unless it has one (so no host raises it again) */
static enum tr_err
copy_alert(struct tr_mig *m, struct tr_stmt *row, struct tr_stmt *ins,
    struct tr_error *err)
{
	int i;

	for (i = 1; i <= 3; i++)
		if (bound(tr_db_bind_text_or_null(ins, i,
		    tr_db_col_text(row, i)), "alerts", err) != TR_OK)
			return TR_ERR_STORE;
	if (bound(tr_db_bind_double(ins, 4, tr_db_col_double(row, 4)),
	    "alerts", err) != TR_OK ||
	    bound(tr_db_bind_int64(ins, 5, tr_db_col_int64(row, 5)), "alerts",
	    err) != TR_OK ||
	    bound(tr_db_bind_int64(ins, 6, tr_db_col_int64(row, 6)), "alerts",
	    err) != TR_OK ||
	    bound(tr_db_bind_double(ins, 7, tr_db_col_double(row, 7)),
	    "alerts", err) != TR_OK ||
	    run(ins, "copying an alert", err) != TR_OK)
		return TR_ERR_STORE;
	if (tr_db_changes(m->d) == 1)
		m->t.alerts++;
	else
		m->t.alerts_there++;
	return TR_OK;
}

enum kind { K_CONFLICTS, K_QUARANTINE, K_ALERTS };

/* prepare_kind - the statements copying one kind of row needs: a, b, c
 * and d as copy_conflict, copy_quarantined and copy_alert take them */
static enum tr_err
prepare_kind(struct tr_mig *m, enum kind k, struct tr_stmt **a,
    struct tr_stmt **b, struct tr_stmt **c, struct tr_stmt **d,
    struct tr_error *err)
{
	switch (k) {
	case K_CONFLICTS:
		if (prepare(m->d, Q_SAME_CONFLICTS(""), a,
		    "finding kept copies", err) != TR_OK ||
		    prepare(m->s, Q_SAME_CONFLICTS(" AND id <= ?7"), d,
		    "finding kept copies", err) != TR_OK ||
		    prepare(m->d, "SELECT id FROM reports WHERE "
		    "organization_name = ?1 AND report_id = ?2", b,
		    "finding reports", err) != TR_OK ||
		    prepare(m->d, "UPDATE report_conflicts SET kind = ?2, "
		    "noted_at = ?3, stored_ref = ?4 WHERE id = ?1", c,
		    "copying kept copies", err) != TR_OK)
			return TR_ERR_STORE;
		break;
	case K_QUARANTINE:
		if (prepare(m->d, "SELECT id FROM quarantine WHERE "
		    "raw_sha256 = ?1 UNION ALL SELECT id FROM quarantine "
		    "WHERE content_sha256 = ?2 UNION ALL SELECT id FROM "
		    "quarantine WHERE organization_name = ?3 AND report_id = ?4 "
		    "LIMIT 1", a, "finding quarantined messages", err) !=
		    TR_OK ||
		    prepare(m->d, "UPDATE quarantine SET times_seen = ?2, "
		    "last_seen_at = ?3 WHERE id = ?1", b,
		    "copying quarantined messages", err) != TR_OK)
			return TR_ERR_STORE;
		break;
	case K_ALERTS:
		if (prepare(m->d, "INSERT INTO alerts (policy_domain, day, "
		    "raised_at, failure_rate, successful_sessions, "
		    "failed_sessions, threshold) VALUES (?1, ?2, ?3, ?4, ?5, "
		    "?6, ?7) ON CONFLICT (policy_domain, day) DO NOTHING", a,
		    "copying alerts", err) != TR_OK)
			return TR_ERR_STORE;
		break;
	}
	return TR_OK;
}

/* copy_rows - every row of one table in id order, m->batch per
 * destination transaction */
static enum tr_err
copy_rows(struct tr_mig *m, enum kind k, struct tr_error *err)
{
	static const char *const page_sql[] = { q_conflicts, q_quarantine,
	    q_alerts };
	struct tr_stmt *page = NULL, *a = NULL, *b = NULL, *c = NULL;
	struct tr_stmt *d = NULL;
	enum tr_step rc;
	enum tr_err e = TR_ERR_STORE, r;
	int64_t last = 0;
	long n;

	if (prepare(m->s, page_sql[k], &page, "reading the source", err) !=
	    TR_OK || prepare_kind(m, k, &a, &b, &c, &d, err) != TR_OK)
		goto out;
	for (;;) {
		if (bound(tr_db_bind_int64(page, 1, last), "source", err) !=
		    TR_OK || bound(tr_db_bind_int64(page, 2, m->batch),
		    "source", err) != TR_OK || begin(m, err) != TR_OK)
			goto out;
		n = 0;
		while ((rc = tr_db_step(page, err)) == TR_STEP_ROW) {
			n++;
			last = tr_db_col_int64(page, 0);
			r = k == K_CONFLICTS ? copy_conflict(m, page, a, d, b,
			    c, err) : k == K_QUARANTINE ? copy_quarantined(m, page,
			    a, b, err) : copy_alert(m, page, a, err);
			if (r != TR_OK) {
				tr_db_reset(page);
				tr_store_rollback(m->dst);
				goto out;
			}
		}
		if (rc == TR_STEP_ERROR) {
			tr_error_prefix(err, "reading the source");
			tr_store_rollback(m->dst);
			goto out;
		}
		if (commit(m, err) != TR_OK)
			goto out;
		if (n < m->batch)
			break;
	}
	e = TR_OK;
out:
	tr_db_finalize(page);
	tr_db_finalize(a);
	tr_db_finalize(b);
	tr_db_finalize(c);
	tr_db_finalize(d);
	return e;
}

/* same_file - whether two SQLite paths name one file */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* print_tally - what was done, one JSON line */
static void
print_tally(const struct tr_mig_tally *t, const char *from, const char *to)
{
	struct json_object *f = json_object_new_object();
	char shown[512];

	tr_db_redact(to, shown, sizeof(shown));
	json_object_object_add(f, "from", json_object_new_string(from));
	json_object_object_add(f, "to", json_object_new_string(shown));
#define N(name, v) json_object_object_add(f, name, \
    json_object_new_int64((int64_t)(v)))
	N("reports_copied", t->reports);
	N("reports_already_there", t->reports_there);
	N("reports_unreadable", t->unreadable);
	N("quarantine_copied", t->quarantine);
	N("quarantine_already_there", t->quarantine_there);
	N("conflicts_copied", t->conflicts);
	N("conflicts_already_there", t->conflicts_there);
	N("alerts_copied", t->alerts);
	N("alerts_already_there", t->alerts_there);
#undef N
	tr_log_open("-", TR_LOG_INFO);
	tr_log_event(TR_LOG_INFO, "migrated", f);
	tr_log_close();
}

/* cmd_migrate - tlsrptd migrate --from sqlite:PATH --to TARGET */
static int
cmd_migrate(int argc, char **argv)
{
	struct tr_cmd_db from, to;
	struct tr_error err;
	struct tr_mig m;
	const char *src = NULL, *dst = NULL;
	int ch, rc;

	memset(&m, 0, sizeof(m));
	m.batch = DEFAULT_BATCH;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", migrate_opts, NULL)) != -1)
		switch (ch) {
		case 'f':
			src = optarg;
			break;
		case 't':
			dst = optarg;
			break;
		case 'b':
			if ((m.batch = tr_cmd_number(optarg, 1, 100000)) == -1) {
				fprintf(stderr, "tlsrptd migrate: --batch "
				    "takes 1 to 100000, not \"%s\"\n", optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_migrate);
		default:
			return tr_cmd_usage(&tr_cmd_migrate);
		}
	if (optind != argc || src == NULL || dst == NULL)
		return tr_cmd_usage(&tr_cmd_migrate);
	if (tr_db_target_kind(src) != TR_DB_SQLITE) {
		fprintf(stderr, "tlsrptd migrate: --from takes a SQLite "
		    "database (sqlite:PATH)\n");
		return TR_EXIT_USAGE;
	}
	if (tr_db_target_kind(dst) == TR_DB_SQLITE &&
	    same_file(tr_db_sqlite_path(src), tr_db_sqlite_path(dst))) {
		fprintf(stderr, "tlsrptd migrate: --from and --to are the "
		    "same database\n");
		return TR_EXIT_USAGE;
	}

	/* the source only read; the destination created when new */
	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	from.db = src;
	to.db = dst;
	if ((rc = tr_cmd_db_open("migrate", &from, TR_STORE_READONLY,
	    &m.src)) != TR_EXIT_OK)
		return rc;
	if ((rc = tr_cmd_db_create("migrate", &to, &m.dst)) != TR_EXIT_OK) {
		tr_store_close(m.src);
		return rc;
	}
	m.s = tr_store_conn(m.src);
	m.d = tr_store_conn(m.dst);
	tr_error_clear(&err);
	rc = TR_EXIT_OK;
	/* reports first: the kept copies name them */
	if (tr_mig_copy_reports(&m, &err) != TR_OK ||
	    copy_rows(&m, K_CONFLICTS, &err) != TR_OK ||
	    copy_rows(&m, K_QUARANTINE, &err) != TR_OK ||
	    copy_rows(&m, K_ALERTS, &err) != TR_OK) {
		fprintf(stderr, "tlsrptd migrate: %s (what was committed "
		    "before stays; run it again to go on)\n", err.msg);
		rc = TR_EXIT_IOERR;
	} else if (m.t.unreadable > 0)
		rc = 1;
	print_tally(&m.t, from.path, to.path);
	tr_store_close(m.dst);
	tr_store_close(m.src);
	return rc;
}

const struct tr_cmd tr_cmd_migrate = {
	.name = "migrate",
	.usage = "--from sqlite:PATH --to TARGET [--batch N]",
	.help =
	    "Copy a tlsrptd SQLite database into another store: TARGET is a\n"
	    "postgresql:// URI or libpq connection string, or sqlite:PATH\n"
	    "(created when it does not exist). Every stored report is read\n"
	    "back from its JSON and stored again with where and when it\n"
	    "arrived, its mail headers, policy domains, conformance notes and\n"
	    "DKIM verdict; then the copies kept aside under a stored key, the\n"
	    "quarantine (with its arrival counts) and the alerts raised. What\n"
	    "the target already holds is counted and left alone, so running\n"
	    "it again copies nothing twice, and an interrupted run goes on\n"
	    "where it stopped. The source is only read; the daemon may keep\n"
	    "running on it, but what it stores meanwhile needs another run.\n"
	    "Prints one JSON line with the counts.\n"
	    "\n"
	    "  --from sqlite:PATH     the database to copy\n"
	    "  --to TARGET            where to copy it\n"
	    "  --batch N              rows per transaction (default 500)\n"
	    "\n"
	    "Exit status: 0 done; 1 some reports could not be read back (named\n"
	    "on stderr; the rest was copied); 64 usage error; 66 no such\n"
	    "source; 74 a database could not be opened, read or written (what\n"
	    "was committed stays; run it again).\n",
	.exec = cmd_migrate,
};

