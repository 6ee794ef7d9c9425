/* cmd_quarantine.c - tlsrptd query quarantine: list, show, retry (through the batch engine) and delete */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "batch.h"
#include "cmd.h"
#include "cmd_quarantine.h"
#include "cmd_query.h"
#include "dkim_env.h"
#include "limits.h"
#include "quarantine.h"
#include "query.h"
#include "table.h"

#define MAX_IDS		10000		/* IDs on one command line */
#define RETRY_BATCH	100		/* messages per transaction */

/* printable_text - valid UTF-8 without controls but tab, CR and LF */
static int
printable_text(const unsigned char *p, size_t len)
{
	struct json_object *s;
	size_t i;
	int ok;

	for (i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n') || p[i] == 0x7f)
			return 0;
	/* tr_json_string repairs invalid UTF-8: unchanged means valid */
	if ((s = tr_json_string((const char *)p, len)) == NULL)
		return 0;
	ok = (size_t)json_object_get_string_len(s) == len &&
	    memcmp(json_object_get_string(s), p, len) == 0;
	json_object_put(s);
	return ok;
}

static int
q_quarantine_show(struct tr_cq_opts *o, struct tr_store *st, const char *arg)
{
	struct tr_query_qitem q;
	struct tr_error err;
	struct json_object *doc;
	unsigned char *b64;
	int64_t id;
	size_t i;
	int found;

	if (tr_cq_parse_id(arg, &id) == -1)
		return tr_cq_usage_err("quarantine show takes a message id, not "
		    "\"%s\"", arg);
	if (o->format == TR_FORMAT_CSV && !o->raw)
		return tr_cq_usage_err("%s", "quarantine show prints one message: "
		    "--format table or json");
	if (tr_query_quarantine_show(st, id, &q, &found, &err) != TR_OK)
		return tr_cq_store_error(&err);
	if (!found) {
		fprintf(stderr, "tlsrptd query: no quarantined message with "
		    "id %s\n", arg);
		return TR_EXIT_NOINPUT;
	}
	if (o->raw)
		fwrite(q.raw, 1, q.raw_len, stdout);
	else if (o->format == TR_FORMAT_JSON) {
		doc = tr_table_json_row(q.info, 0);
		if (printable_text(q.raw, q.raw_len))
			json_object_object_add(doc, "raw", tr_json_string(
			    (const char *)q.raw, q.raw_len));
		else if ((b64 = malloc(4 * (q.raw_len / 3 + 1) + 1)) != NULL) {
			EVP_EncodeBlock(b64, q.raw, (int)q.raw_len);
			json_object_object_add(doc, "raw_base64",
			    json_object_new_string((char *)b64));
			free(b64);
		}
		printf("%s\n", json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
	} else {
		tr_table_write_record(q.info, stdout);
		printf("\nMessage (%zu bytes)\n", q.raw_len);
		if (printable_text(q.raw, q.raw_len)) {
			for (i = 0; i < q.raw_len; i++)
				if (q.raw[i] != '\r')
					putchar(q.raw[i]);
			if (q.raw_len > 0 && q.raw[q.raw_len - 1] != '\n')
				putchar('\n');
		} else
			printf("(binary or control characters: --raw writes "
			    "the bytes as they are)\n");
	}
	tr_query_qitem_free(&q);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "tlsrptd query: writing the output failed\n");
		return TR_EXIT_IOERR;
	}
	return TR_EXIT_OK;
}

static const struct tr_column retry_cols[] = {
	{ "id", TR_COL_INT, 0 },
	{ "outcome", TR_COL_TEXT, 0 },
	{ "reports_stored", TR_COL_INT, 0 },
	{ "reports_duplicate", TR_COL_INT, 0 },
	{ "reason", TR_COL_TEXT, 60 },
};

/* One batch of quarantine retry: the messages and what became of them. */
struct retry_batch {
	int64_t ids[RETRY_BATCH];
	size_t n;
	struct tr_retry_msg m[RETRY_BATCH];
	struct tr_retry_result res[RETRY_BATCH];
	int found[RETRY_BATCH];
};

/* record_batch - the read and analysed messages of rb, recorded and
 * settled in one transaction through the batch engine; TR_OK once
 * committed, else err says why and nothing of the batch was kept */
static enum tr_err
record_batch(struct tr_store *st, struct tr_batch *eng,
    struct retry_batch *rb, struct tr_error *err)
{
	struct tr_retry_msg *m;
	struct tr_verdict *v;
	enum tr_err rc = TR_OK;
	size_t i;

	for (i = 0; i < rb->n && rc == TR_OK; i++) {
		m = &rb->m[i];
		if (!rb->found[i] || m->skip)
			continue;
		if (tr_batch_add(eng, &m->a, m->raw, m->rawlen, &m->origin,
		    &v) != TR_OK)
			rc = TR_ERR_STORE;	/* the engine knows why */
		else if ((rc = tr_quarantine_settle(st, m, v, &rb->res[i],
		    err)) != TR_OK)
			tr_batch_fail(eng, err);
	}
	rc = tr_batch_commit(eng, err);
	tr_batch_reset(eng);
	return rc;
}

/*
 * retry_batch - rb->ids again through the pipeline: each row is read and
 * analysed first, DKIM included (its key lookups may wait on DNS), outside
 * any transaction; only then is the batch recorded. TR_OK, or the error
 * of a batch of which nothing was kept.
 */
static enum tr_err
retry_batch(struct tr_store *st, struct tr_batch *eng, struct retry_batch *rb,
    const struct tr_limits *limits, const struct tr_dkim_settings *dkim,
    struct tr_error *err)
{
	enum tr_err rc = TR_OK;
	size_t i, nread;

	for (nread = 0; nread < rb->n && rc == TR_OK; nread++) {
		rc = tr_quarantine_load(st, rb->ids[nread], &rb->m[nread],
		    &rb->res[nread], &rb->found[nread], err);
		if (rc == TR_OK && rb->found[nread] && !rb->m[nread].skip)
			tr_quarantine_analyse(&rb->m[nread], limits, dkim);
	}
	if (rc == TR_OK)
		rc = record_batch(st, eng, rb, err);
	for (i = 0; i < nread; i++)
		tr_quarantine_msg_free(&rb->m[i]);
	return rc;
}

/* add_rows - one table row a message of the committed batch rb; the exit
 * status they call for */
static int
add_rows(struct tr_table *t, const struct retry_batch *rb)
{
	const struct tr_retry_result *res;
	int status = TR_EXIT_OK;
	size_t i;

	for (i = 0; i < rb->n; i++) {
		res = &rb->res[i];
		tr_table_row(t);
		tr_table_int(t, rb->ids[i]);
		if (!rb->found[i]) {
			tr_table_text(t, "not-found");
			status = TR_EXIT_QUARANTINED;
			continue;
		}
		tr_table_text(t, tr_retry_outcome_name(res->outcome));
		tr_table_int(t, (int64_t)res->stored);
		tr_table_int(t, (int64_t)res->duplicates);
		if (res->outcome == TR_RETRY_STORED ||
		    res->outcome == TR_RETRY_DUPLICATE)
			tr_table_null(t);
		else {
			tr_table_text(t, res->reason.msg);
			status = TR_EXIT_QUARANTINED;
		}
	}
	return status;
}

/* retry_dkim - the DKIM check of quarantine retry, as the daemon would:
 * the configuration's dkim, else require; --dkim overrides. -1, or the
 * exit status of a usage or configuration error */
static int
retry_dkim(const struct tr_cq_opts *o, struct tr_dkim_env *dkim)
{
	enum tr_dkim_policy policy;
	struct tr_error err;

	policy = o->db.have_cfg ? o->db.cfg.dkim : TR_DKIM_REQUIRE;
	if (o->dkim != NULL) {
		if (strcmp(o->dkim, "require") == 0)
			policy = TR_DKIM_REQUIRE;
		else if (strcmp(o->dkim, "record") == 0)
			policy = TR_DKIM_RECORD;
		else if (strcmp(o->dkim, "off") == 0)
			policy = TR_DKIM_OFF;
		else
			return tr_cq_usage_err("quarantine retry: --dkim takes "
			    "require, record or off, not \"%s\"", o->dkim);
	}
	if (tr_dkim_env_open(dkim, policy, o->db.have_cfg ?
	    o->db.cfg.dkim_resolver : NULL, o->db.have_cfg ?
	    o->db.cfg.dkim_timeout : 5, o->db.have_cfg ?
	    o->db.cfg.dkim_trusted_authserv_id : NULL, &err) == -1) {
		fprintf(stderr, "tlsrptd query: %s\n", err.msg);
		return TR_EXIT_CONFIG;
	}
	return -1;
}

/* next_ids - the next batch of ids into rb: from the command line (*arg
 * on) or the table (after last). 0, -1 with err set when the table could
 * not be read, or 1 when argv[*arg - 1] is not an id */
static int
next_ids(const struct tr_cq_opts *o, struct tr_store *st, int argc, char **argv,
    size_t *arg, int64_t last, struct retry_batch *rb, struct tr_error *err)
{
	rb->n = 0;
	if (o->all)
		return tr_query_quarantine_ids(st, last, rb->ids, RETRY_BATCH,
		    &rb->n, err) != TR_OK ? -1 : 0;
	for (; rb->n < RETRY_BATCH && *arg < (size_t)argc; (*arg)++)
		if (tr_cq_parse_id(argv[*arg], &rb->ids[rb->n++]) == -1) {
			(*arg)++;
			return 1;
		}
	return 0;
}

/* q_quarantine_retry - quarantine retry ID... | --all, RETRY_BATCH
 * messages a transaction */
static int
q_quarantine_retry(struct tr_cq_opts *o, struct tr_store *st, int argc,
    char **argv)
{
	struct tr_limits limits;
	struct tr_dkim_env dkim;
	struct tr_error err;
	struct tr_table *t = NULL;
	struct tr_batch *eng = NULL;
	struct retry_batch *rb = NULL;
	int64_t last = 0;
	size_t arg = 2;
	int rc, status = TR_EXIT_OK;

	if (o->all == (argc > 2))
		return tr_cq_usage_err("%s", "quarantine retry takes message ids, "
		    "or --all");
	if (o->db.have_cfg)
		limits = o->db.cfg.limits;
	else
		tr_limits_default(&limits);
	if ((rc = retry_dkim(o, &dkim)) != -1)
		return rc;
	if ((t = tr_table_new(retry_cols, sizeof(retry_cols) /
	    sizeof(retry_cols[0]))) == NULL ||
	    (eng = tr_batch_new(st, RETRY_BATCH)) == NULL ||
	    (rb = calloc(1, sizeof(*rb))) == NULL) {
		status = TR_EXIT_SOFTWARE;
		goto out;
	}
	for (;;) {
		if ((rc = next_ids(o, st, argc, argv, &arg, last, rb,
		    &err)) == 1) {
			status = tr_cq_usage_err("quarantine retry: not a message "
			    "id: \"%s\"", argv[arg - 1]);
			goto out;
		}
		if (rc == -1 || (rb->n > 0 && retry_batch(st, eng, rb,
		    &limits, &dkim.settings, &err) != TR_OK)) {
			/* the batches before this one are committed */
			tr_cq_write_rows(o, t, 0);
			fprintf(stderr, "tlsrptd query: %s; the messages of "
			    "the failed batch are still quarantined, run the "
			    "command again\n", err.msg);
			status = TR_EXIT_IOERR;
			goto out;
		}
		if (rb->n == 0)
			break;
		if (add_rows(t, rb) != TR_EXIT_OK)
			status = TR_EXIT_QUARANTINED;
		last = rb->ids[rb->n - 1];
		if (!o->all && arg >= (size_t)argc)
			break;
	}
	if (tr_cq_write_rows(o, t, 0) != TR_EXIT_OK)
		status = TR_EXIT_IOERR;
out:
	free(rb);
	tr_batch_free(eng);
	tr_table_free(t);
	tr_dkim_env_close(&dkim);
	return status;
}

static int
q_quarantine_delete(struct tr_cq_opts *o, struct tr_store *st, int argc,
    char **argv)
{
	struct tr_error err;
	int64_t id;
	int i, found, deleted = 0, status = TR_EXIT_OK;

	if (argc < 3)
		return tr_cq_usage_err("%s", "quarantine delete takes message ids");
	if (argc - 2 > MAX_IDS)
		return tr_cq_usage_err("%s", "quarantine delete: too many ids at once");
	for (i = 2; i < argc; i++)
		if (tr_cq_parse_id(argv[i], &id) == -1)
			return tr_cq_usage_err("quarantine delete: not a message id: "
			    "\"%s\"", argv[i]);
	/* one transaction: all of them or none */
	if (tr_store_begin(st, &err) != TR_OK)
		return tr_cq_store_error(&err);
	for (i = 2; i < argc; i++) {
		tr_cq_parse_id(argv[i], &id);
		if (tr_quarantine_delete(st, id, &found, &err) != TR_OK) {
			tr_store_rollback(st);
			return tr_cq_store_error(&err);
		}
		if (found)
			deleted++;
		else {
			fprintf(stderr, "tlsrptd query: no quarantined message "
			    "with id %s\n", argv[i]);
			status = TR_EXIT_QUARANTINED;
		}
	}
	if (tr_store_commit(st, &err) != TR_OK) {
		tr_store_rollback(st);
		return tr_cq_store_error(&err);
	}
	printf("deleted %d quarantined message%s\n", deleted,
	    deleted == 1 ? "" : "s");
	return status;
}

int
tr_cq_quarantine_run(struct tr_cq_opts *o, struct tr_store *st, int argc, char **argv)
{
	struct tr_table *t;
	struct tr_error err;
	int more, rc;

	if (argc == 1) {
		if (tr_query_quarantine(st, &o->f, &t, &more, &err) != TR_OK)
			return tr_cq_store_error(&err);
		rc = tr_cq_write_rows(o, t, more);
		tr_table_free(t);
		return rc;
	}
	if (strcmp(argv[1], "show") == 0 && argc == 3)
		return q_quarantine_show(o, st, argv[2]);
	if (strcmp(argv[1], "retry") == 0)
		return q_quarantine_retry(o, st, argc, argv);
	if (strcmp(argv[1], "delete") == 0)
		return q_quarantine_delete(o, st, argc, argv);
	return tr_cq_usage_err("%s", "quarantine takes show ID, retry ID... | --all, "
	    "or delete ID...");
}
