/* cmd_query_quarantine.c - tlsrptd query quarantine: the list, show ID,
 * retry ID... | --all, delete ID... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "cmd.h"
#include "cmd_query.h"
#include "cmd_query_quarantine.h"
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

/* retry_policy - *policy = how retry checks DKIM: as the daemon would
 * (the configuration's dkim, else require), --dkim overriding; -1 for a
 * --dkim that is none of them */
static int
retry_policy(const struct tr_cq_opts *o, enum tr_dkim_policy *policy)
{
	*policy = o->db.have_cfg ? o->db.cfg.dkim : TR_DKIM_REQUIRE;
	if (o->dkim == NULL)
		return 0;
	if (strcmp(o->dkim, "require") == 0)
		*policy = TR_DKIM_REQUIRE;
	else if (strcmp(o->dkim, "record") == 0)
		*policy = TR_DKIM_RECORD;
	else if (strcmp(o->dkim, "off") == 0)
		*policy = TR_DKIM_OFF;
	else
		return -1;
	return 0;
}

/* A retry run: what every batch needs, and the rows written at the end. */
struct retry {
	struct tr_store *st;
	struct tr_limits limits;
	struct tr_dkim_env dkim;
	struct tr_table *t;
	int status;		/* TR_EXIT_QUARANTINED once one stays */
};

/* retry_row - the row of message id after its retry */
static void
retry_row(struct retry *rt, int64_t id, int found,
    const struct tr_retry_result *res)
{
	tr_table_row(rt->t);
	tr_table_int(rt->t, id);
	if (!found) {
		tr_table_text(rt->t, "not-found");
		rt->status = TR_EXIT_QUARANTINED;
		return;
	}
	tr_table_text(rt->t, tr_retry_outcome_name(res->outcome));
	tr_table_int(rt->t, (int64_t)res->stored);
	tr_table_int(rt->t, (int64_t)res->duplicates);
	if (res->outcome == TR_RETRY_STORED ||
	    res->outcome == TR_RETRY_DUPLICATE)
		tr_table_null(rt->t);
	else {
		tr_table_text(rt->t, res->reason.msg);
		rt->status = TR_EXIT_QUARANTINED;
	}
}

/* retry_batch - the messages ids[0..n) again in one transaction: 0, or -1
 * with err (rolled back) */
static int
retry_batch(struct retry *rt, const int64_t *ids, size_t n,
    struct tr_error *err)
{
	struct tr_retry_result res;
	size_t i;
	int found;

	if (tr_store_begin(rt->st, err) != TR_OK)
		return -1;
	for (i = 0; i < n; i++) {
		if (tr_quarantine_retry_dkim(rt->st, ids[i], &rt->limits,
		    &rt->dkim.settings, &res, &found, err) != TR_OK) {
			tr_store_rollback(rt->st);
			return -1;
		}
		retry_row(rt, ids[i], found, &res);
	}
	if (tr_store_commit(rt->st, err) != TR_OK) {
		tr_store_rollback(rt->st);
		return -1;
	}
	return 0;
}

/* retry_all - every batch: of the ids on the command line from argv[2],
 * or with --all of the whole table; TR_EXIT_OK, a usage error's status,
 * or TR_EXIT_IOERR with err when a batch failed */
static int
retry_all(const struct tr_cq_opts *o, struct retry *rt, int argc,
    char **argv, struct tr_error *err)
{
	int64_t ids[RETRY_BATCH], last = 0;
	size_t n, arg = 2;
	int done = 0;

	while (!done) {
		/* the next batch of ids: from the command line or the table */
		n = 0;
		if (o->all) {
			if (tr_query_quarantine_ids(rt->st, last, ids,
			    RETRY_BATCH, &n, err) != TR_OK)
				return TR_EXIT_IOERR;
		} else
			for (; n < RETRY_BATCH && arg < (size_t)argc; arg++)
				if (tr_cq_parse_id(argv[arg], &ids[n++]) == -1)
					return tr_cq_usage_err("quarantine "
					    "retry: not a message id: \"%s\"",
					    argv[arg]);
		if (n == 0)
			break;
		done = !o->all && arg >= (size_t)argc;
		if (retry_batch(rt, ids, n, err) == -1)
			return TR_EXIT_IOERR;
		last = ids[n - 1];
	}
	return TR_EXIT_OK;
}

/* q_quarantine_retry - retry ID... | --all, with a row per message */
static int
q_quarantine_retry(struct tr_cq_opts *o, struct tr_store *st, int argc,
    char **argv)
{
	struct retry rt = { .st = st, .status = TR_EXIT_OK };
	struct tr_error err;
	enum tr_dkim_policy policy;
	int rc;

	if (o->all == (argc > 2))
		return tr_cq_usage_err("%s", "quarantine retry takes message "
		    "ids, or --all");
	if (o->db.have_cfg)
		rt.limits = o->db.cfg.limits;
	else
		tr_limits_default(&rt.limits);
	if (retry_policy(o, &policy) == -1)
		return tr_cq_usage_err("quarantine retry: --dkim takes "
		    "require, record or off, not \"%s\"", o->dkim);
	if (tr_dkim_env_open(&rt.dkim, policy, o->db.have_cfg ?
	    o->db.cfg.dkim_resolver : NULL, o->db.have_cfg ?
	    o->db.cfg.dkim_timeout : 5, o->db.have_cfg ?
	    o->db.cfg.dkim_trusted_authserv_id : NULL, &err) == -1) {
		fprintf(stderr, "tlsrptd query: %s\n", err.msg);
		return TR_EXIT_CONFIG;
	}
	if ((rt.t = tr_table_new(retry_cols, sizeof(retry_cols) /
	    sizeof(retry_cols[0]))) == NULL) {
		tr_dkim_env_close(&rt.dkim);
		return TR_EXIT_SOFTWARE;
	}
	rc = retry_all(o, &rt, argc, argv, &err);
	if (rc == TR_EXIT_IOERR) {
		/* the batches before this one are committed: show them */
		tr_cq_write_rows(o, rt.t, 0);
		fprintf(stderr, "tlsrptd query: %s; the messages of the failed "
		    "batch are still quarantined, run the command again\n",
		    err.msg);
	} else if (rc == TR_EXIT_OK) {
		rc = rt.status;
		if (tr_cq_write_rows(o, rt.t, 0) != TR_EXIT_OK)
			rc = TR_EXIT_IOERR;
	}
	tr_table_free(rt.t);
	tr_dkim_env_close(&rt.dkim);
	return rc;
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

/* tr_cq_quarantine_run - the quarantine list, or show, retry, delete */
int
tr_cq_quarantine_run(struct tr_cq_opts *o, struct tr_store *st, int argc,
    char **argv)
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
