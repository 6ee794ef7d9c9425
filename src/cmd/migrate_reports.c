/* migrate_reports.c - tlsrptd migrate's reports: each stored report read
 * back, rebuilt and stored through the store API, with its DKIM verdict */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd_migrate.h"
#include "db.h"
#include "dkim.h"
#include "migrate_reports.h"
#include "report.h"
#include "store.h"
#include "way_in.h"

/* A stored report as read from the source. */
struct srow {
	int64_t id;
	char *org, *report_id, *contact, *report_domain, *submitter;
	char *message_id, *mail_from, *mail_date, *subject, *way_in, *source;
	char *envelope_from, *envelope_to, *received_at, *notes, *raw;
	size_t rawlen;
};

static void
srow_free(struct srow *r)
{
	free(r->org);
	free(r->report_id);
	free(r->contact);
	free(r->report_domain);
	free(r->submitter);
	free(r->message_id);
	free(r->mail_from);
	free(r->mail_date);
	free(r->subject);
	free(r->way_in);
	free(r->source);
	free(r->envelope_from);
	free(r->envelope_to);
	free(r->received_at);
	free(r->notes);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

static const char q_reports[] =
    "SELECT id, organization_name, report_id, contact_info, report_domain,\n"
    "       submitter, message_id, mail_from, mail_date, subject, way_in,\n"
    "       source, envelope_from, envelope_to, received_at,\n"
    "       conformance_notes, raw_json\n"
    "  FROM reports WHERE id > ?1 ORDER BY id LIMIT ?2";

/* srow_read - the current row of q_reports */
static int
srow_read(struct tr_stmt *st, struct srow *r)
{
	const char *raw;
	int bad = 0;

	memset(r, 0, sizeof(*r));
	r->id = tr_db_col_int64(st, 0);
	r->org = col_dup(st, 1, &bad);
	r->report_id = col_dup(st, 2, &bad);
	r->contact = col_dup(st, 3, &bad);
	r->report_domain = col_dup(st, 4, &bad);
	r->submitter = col_dup(st, 5, &bad);
	r->message_id = col_dup(st, 6, &bad);
	r->mail_from = col_dup(st, 7, &bad);
	r->mail_date = col_dup(st, 8, &bad);
	r->subject = col_dup(st, 9, &bad);
	r->way_in = col_dup(st, 10, &bad);
	r->source = col_dup(st, 11, &bad);
	r->envelope_from = col_dup(st, 12, &bad);
	r->envelope_to = col_dup(st, 13, &bad);
	r->received_at = col_dup(st, 14, &bad);
	r->notes = col_dup(st, 15, &bad);
	raw = tr_db_col_text(st, 16);
	r->rawlen = raw != NULL ? strlen(raw) : 0;
	if ((r->raw = malloc(r->rawlen + 1)) == NULL)
		bad = 1;
	else {
		memcpy(r->raw, raw != NULL ? raw : "", r->rawlen);
		r->raw[r->rawlen] = '\0';
	}
	return bad ? -1 : 0;
}

/*
 * restore_notes - the conformance notes as stored (they came from the
 * message and the way in as well as from the JSON): the JSON array of
 * conformance_notes, its last element "N further notes not kept" read
 * back as the count it was written from
 */
static int
restore_notes(struct tr_report *r, const char *stored)
{
	struct json_object *a, *e;
	const char *s;
	size_t i, n, dropped;
	char tail;
	int rc = 0;

	tr_notes_free(&r->notes);
	if (stored == NULL)
		return 0;
	if ((a = json_tokener_parse(stored)) == NULL ||
	    !json_object_is_type(a, json_type_array)) {
		json_object_put(a);
		return -1;
	}
	n = json_object_array_length(a);
	for (i = 0; i < n && rc == 0; i++) {
		e = json_object_array_get_idx(a, i);
		s = json_object_get_string(e);
		if (s == NULL)
			continue;
		if (i == n - 1 && sscanf(s, "%zu further notes not kept%c",
		    &dropped, &tail) == 1 && r->notes.n == TR_NOTES_MAX) {
			r->notes.dropped = dropped;
			break;
		}
		rc = tr_notes_add(&r->notes, "%s", s);
	}
	json_object_put(a);
	return rc;
}

/*
 * restore_domains - each policy's domain as stored: one the report left
 * out was taken from the mail header, the file name or a zip member's name
 * when it arrived, none of which the JSON holds. When any differs, the
 * store counts the report's domains again (r->domains emptied).
 */
static enum tr_err
restore_domains(struct tr_stmt *pol, int64_t sid, struct tr_report *r,
    char ***keep, size_t *nkeep, struct tr_error *err)
{
	enum tr_step rc;
	const char *dom;
	int64_t pos;
	char **k;
	int changed = 0;

	if (bound(tr_db_bind_int64(pol, 1, sid), "policies", err) != TR_OK)
		return TR_ERR_STORE;
	while ((rc = tr_db_step(pol, err)) == TR_STEP_ROW) {
		pos = tr_db_col_int64(pol, 0);
		dom = tr_db_col_text(pol, 1);
		if (pos < 0 || (size_t)pos >= r->npolicies)
			continue;
		if ((dom == NULL && r->policies[pos].policy_domain == NULL) ||
		    (dom != NULL && r->policies[pos].policy_domain != NULL &&
		    strcmp(dom, r->policies[pos].policy_domain) == 0))
			continue;
		if ((k = realloc(*keep, (*nkeep + 1) * sizeof(*k))) == NULL) {
			tr_db_reset(pol);
			return tr_error_set(err, TR_ERR_NOMEM,
			    "out of memory");
		}
		*keep = k;
		k[*nkeep] = NULL;
		if (dom != NULL && (k[*nkeep] = strdup(dom)) == NULL) {
			tr_db_reset(pol);
			return tr_error_set(err, TR_ERR_NOMEM,
			    "out of memory");
		}
		r->policies[pos].policy_domain = k[(*nkeep)++];
		changed = 1;
	}
	if (rc == TR_STEP_ERROR) {
		tr_error_prefix(err, "reading policies");
		return TR_ERR_STORE;
	}
	if (changed) {
		r->domains = NULL;	/* in the report's arena: freed with it */
		r->ndomains = 0;
	}
	return TR_OK;
}

/* cause_parse - the DKIM cause named s, or -1 */
static int
cause_parse(const char *s)
{
	int c;

	for (c = TR_DKIM_OK; c <= TR_DKIM_VERIFIER; c++)
		if (strcmp(tr_dkim_cause_name((enum tr_dkim_cause)c), s) == 0)
			return c;
	return -1;
}

/* copy_dkim - the DKIM verdict of source report sid onto stored rowid */
static enum tr_err
copy_dkim(struct tr_mig *m, struct tr_stmt *q, int64_t sid, int64_t rowid,
    struct tr_error *err)
{
	struct tr_dkim_result d;
	enum tr_dkim_policy policy;
	enum tr_step rc;
	const char *s;
	int v;
	enum tr_err e;

	if (bound(tr_db_bind_int64(q, 1, sid), "report_dkim", err) != TR_OK)
		return TR_ERR_STORE;
	if ((rc = tr_db_step(q, err)) == TR_STEP_DONE)
		return TR_OK;
	if (rc == TR_STEP_ERROR) {
		tr_error_prefix(err, "reading a DKIM verdict");
		return TR_ERR_STORE;
	}
	memset(&d, 0, sizeof(d));
	v = tr_dkim_status_parse(tr_db_col_text(q, 0) != NULL ?
	    tr_db_col_text(q, 0) : "");
	d.status = v >= 0 ? (enum tr_dkim_status)v : TR_DKIM_UNCHECKED;
	v = cause_parse(tr_db_col_text(q, 1) != NULL ? tr_db_col_text(q, 1) :
	    "");
	d.cause = v >= 0 ? (enum tr_dkim_cause)v : TR_DKIM_VERIFIER;
	if ((s = tr_db_col_text(q, 2)) != NULL)
		snprintf(d.detail, sizeof(d.detail), "%s", s);
	if ((s = tr_db_col_text(q, 3)) != NULL)
		snprintf(d.domain, sizeof(d.domain), "%s", s);
	if ((s = tr_db_col_text(q, 4)) != NULL)
		snprintf(d.selector, sizeof(d.selector), "%s", s);
	if ((s = tr_db_col_text(q, 5)) != NULL)
		snprintf(d.algorithm, sizeof(d.algorithm), "%s", s);
	d.key_tlsrpt = tr_db_col_int64(q, 6) != 0;
	d.report_domain_signed = tr_db_col_int64(q, 7) != 0;
	d.submitter_signed = tr_db_col_int64(q, 8) != 0;
	if ((s = tr_db_col_text(q, 9)) != NULL)
		snprintf(d.via, sizeof(d.via), "%s", s);
	s = tr_db_col_text(q, 10);
	policy = s != NULL && strcmp(s, "require") == 0 ? TR_DKIM_REQUIRE :
	    TR_DKIM_RECORD;
	tr_db_reset(q);
	if ((e = tr_store_put_dkim(m->dst, rowid, &d, policy, err)) != TR_OK)
		tr_error_prefix(err, "copying a DKIM verdict");
	return e;
}

/* report_limits - whatever the source's daemon was configured to take: a
 * stored report passed its limits once, it must not fail ours now */
static void
report_limits(struct tr_limits *l)
{
	tr_limits_default(l);
	l->max_report = SIZE_MAX;
	l->max_json_depth = 1000;
	l->max_policies = SIZE_MAX;
	l->max_failure_details = SIZE_MAX;
	l->max_report_details = SIZE_MAX;
	l->max_string = SIZE_MAX;
}

/*
 * copy_report - parse one stored report back and store it at the
 * destination with its origin, domains, notes and DKIM verdict; one the
 * destination holds already is counted and left alone. TR_ERR_STORE (or
 * _NOMEM) ends the batch; a report that does not parse is named and
 * counted, and the copy goes on.
 */
static enum tr_err
copy_report(struct tr_mig *m, struct srow *sr, struct tr_stmt *pol,
    struct tr_stmt *dk, struct tr_error *err)
{
	struct tr_limits lim;
	struct tr_msgmeta meta;
	struct tr_origin o;
	struct tr_report *r;
	struct tr_error perr;
	enum tr_put put;
	int64_t rowid;
	char **keep = NULL;
	size_t i, nkeep = 0;
	enum tr_err e;

	report_limits(&lim);
	if (tr_report_parse(sr->raw, sr->rawlen, &lim, NULL, &r, &perr) !=
	    TR_OK) {
		fprintf(stderr, "tlsrptd migrate: report %lld (%s, %s) cannot "
		    "be read back: %s\n", (long long)sr->id,
		    sr->org != NULL ? sr->org : "", sr->report_id != NULL ?
		    sr->report_id : "", perr.msg);
		m->t.unreadable++;
		return perr.code == TR_ERR_NOMEM ? tr_error_set(err,
		    TR_ERR_NOMEM, "out of memory") : TR_OK;
	}
	if (restore_notes(r, sr->notes) == -1) {
		e = tr_error_set(err, TR_ERR_STORE, "report %lld: its "
		    "conformance notes are not a JSON array of strings",
		    (long long)sr->id);
		goto out;
	}
	if ((e = restore_domains(pol, sr->id, r, &keep, &nkeep, err)) != TR_OK)
		goto out;

	memset(&meta, 0, sizeof(meta));
	meta.message_id = sr->message_id;
	meta.from = sr->mail_from;
	meta.date = sr->mail_date;
	meta.subject = sr->subject;
	meta.report_domain = sr->report_domain;
	meta.report_submitter = sr->submitter;
	memset(&o, 0, sizeof(o));
	o.way_in = tr_way_in_parse(sr->way_in != NULL ? sr->way_in : "");
	o.source = sr->source;
	o.envelope_from = sr->envelope_from;
	o.envelope_to = sr->envelope_to;
	o.received_at = parse_time(sr->received_at);
	o.meta = &meta;
	if ((e = tr_store_put_report(m->dst, r, &o, &put, &rowid, err)) !=
	    TR_OK)
		goto out;
	if (put == TR_PUT_DUPLICATE) {
		m->t.reports_there++;
		goto out;
	}
	m->t.reports++;
	e = copy_dkim(m, dk, sr->id, rowid, err);
out:
	tr_report_free(r);
	for (i = 0; i < nkeep; i++)
		free(keep[i]);
	free(keep);
	return e;
}


/* tr_mig_copy_reports - every stored report, in id order, m->batch at a time */
enum tr_err
tr_mig_copy_reports(struct tr_mig *m, struct tr_error *err)
{
	struct tr_stmt *page = NULL, *pol = NULL, *dk = NULL;
	struct srow sr;
	enum tr_step rc = TR_STEP_ERROR;
	enum tr_err e = TR_ERR_STORE;
	int64_t last = 0;
	long n;

	if (prepare(m->s, q_reports, &page, "reading reports", err) != TR_OK ||
	    prepare(m->s, "SELECT position, policy_domain FROM policies "
	    "WHERE report_ref = ?1 ORDER BY position", &pol,
	    "reading policies", err) != TR_OK ||
	    prepare(m->s, "SELECT result, cause, detail, domain, selector, "
	    "algorithm, key_tlsrpt, report_domain_signed, submitter_signed, "
	    "via, policy FROM report_dkim WHERE report_ref = ?1", &dk,
	    "reading DKIM verdicts", err) != TR_OK)
		goto out;
	for (;;) {
		if (bound(tr_db_bind_int64(page, 1, last), "reports", err) !=
		    TR_OK || bound(tr_db_bind_int64(page, 2, m->batch),
		    "reports", err) != TR_OK)
			goto out;
		if (begin(m, err) != TR_OK)
			goto out;
		n = 0;
		while ((rc = tr_db_step(page, err)) == TR_STEP_ROW) {
			n++;
			if (srow_read(page, &sr) == -1) {
				srow_free(&sr);
				tr_error_set(err, TR_ERR_NOMEM, "out of memory");
				goto fail;
			}
			last = sr.id;
			if (copy_report(m, &sr, pol, dk, err) != TR_OK) {
				srow_free(&sr);
				goto fail;
			}
			srow_free(&sr);
		}
		if (rc == TR_STEP_ERROR) {
			tr_error_prefix(err, "reading reports");
			goto fail;
		}
		if (commit(m, err) != TR_OK)
			goto out;
		if (n < m->batch)
			break;
	}
	e = TR_OK;
	goto out;
fail:
	tr_db_reset(page);
	tr_store_rollback(m->dst);
out:
	tr_db_finalize(page);
	tr_db_finalize(pol);
	tr_db_finalize(dk);
	return e;
}
