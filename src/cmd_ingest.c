/* cmd_ingest.c - tlsrptd ingest: backfill files, mboxes and Maildirs into the store */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "apool.h"
#include "cmd.h"
#include "config.h"
#include "dkim_env.h"
#include "limits.h"
#include "log.h"
#include "pipeline.h"
#include "source.h"
#include "store.h"
#include "way_in.h"

#define DEFAULT_DB	"/var/lib/tlsrptd/tlsrptd.db"
/*
 * Each commit writes every page the batch touched, and the index pages are
 * touched all over: 5000 messages a commit write 30% fewer bytes than 1000
 * and ingest about 10% faster, for about 10 MiB more memory (the log lines
 * wait for their commit). A batch also ends after a second.
 */
#define DEFAULT_BATCH	5000

struct ingest {
	struct tr_store *st;
	struct tr_limits limits;
	struct tr_verdict *pending;	/* verdicts waiting for their commit */
	size_t npending, batch;
	unsigned long jobs;		/* analysis threads, 0: one per CPU */
	int in_txn;
	double batch_started, started, last_progress;
	int progress;
	unsigned long messages, stored, duplicates, quarantined, errors;
	unsigned long tempfailed;	/* analysis out of memory: run again */
	unsigned long retry;		/* DKIM keys not found for now */
	int store_failed;
	struct tr_dkim_env dkim;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* progress - a one-line status on a terminal for long runs */
static void
progress(struct ingest *in, int final)
{
	double t = now();

	if (!in->progress || (!final && t - in->last_progress < 0.5) ||
	    t - in->started < 1.0)
		return;
	in->last_progress = t;
	fprintf(stderr, "\rtlsrptd ingest: %lu messages, %lu stored, "
	    "%lu duplicate, %lu quarantined, %lu to retry, %lu errors "
	    "(%.0f/s)%s", in->messages, in->stored, in->duplicates,
	    in->quarantined, in->retry, in->errors,
	    in->messages / (t - in->started), final ? "\n" : "");
}

/* count - tally one verdict once it is final */
static void
count(struct ingest *in, const struct tr_verdict *v)
{
	switch (v->outcome) {
	case TR_OUTCOME_STORED:
		in->stored++;
		break;
	case TR_OUTCOME_DUPLICATE:
		in->duplicates++;
		break;
	case TR_OUTCOME_QUARANTINED:
		in->quarantined++;
		break;
	case TR_OUTCOME_TEMPFAIL:
		if (v->err.code == TR_ERR_DKIM_TEMP)
			in->retry++;
		else
			in->tempfailed++;
		break;
	}
	/* a stored message with an invalid extra part was quarantined too */
	if (v->outcome != TR_OUTCOME_QUARANTINED && v->invalid > 0 &&
	    v->quarantine_id != 0)
		in->quarantined++;
}

/* log_pending - count and log every verdict of the batch */
static void
log_pending(struct ingest *in)
{
	size_t i;

	for (i = 0; i < in->npending; i++) {
		count(in, &in->pending[i]);
		tr_verdict_log(&in->pending[i]);
		tr_verdict_free(&in->pending[i]);
	}
	in->npending = 0;
}

/* fail_batch - roll the open batch back; none of its messages was kept */
static void
fail_batch(struct ingest *in, const struct tr_error *why)
{
	struct tr_error err = *why;
	size_t i;

	tr_store_rollback(in->st);
	in->in_txn = 0;
	in->store_failed = 1;
	for (i = 0; i < in->npending; i++)
		tr_verdict_fail(&in->pending[i], &err);
	log_pending(in);
}

/* flush - commit the open batch, then log every message in it */
static int
flush(struct ingest *in)
{
	struct tr_error err;

	if (!in->in_txn)
		return 0;
	in->in_txn = 0;
	if (tr_store_commit(in->st, &err) != TR_OK) {
		fail_batch(in, &err);
		return -1;
	}
	log_pending(in);
	return 0;
}

/* record_one - store one analysed message in the open batch (main thread) */
static int
record_one(struct ingest *in, struct tr_apool_item *it)
{
	struct tr_origin o;
	struct tr_error err;
	struct tr_verdict *v;
	struct json_object *f;

	in->messages++;
	if (it->ioerr.code != TR_OK) {
		/* out of memory says nothing of the input: run again */
		if (it->ioerr.code == TR_ERR_NOMEM)
			in->tempfailed++;
		else
			in->errors++;
		f = json_object_new_object();
		json_object_object_add(f, "outcome", json_object_new_string(
		    it->ioerr.code == TR_ERR_NOMEM ? "tempfail" : "error"));
		json_object_object_add(f, "way_in",
	    json_object_new_string(tr_way_in_name(TR_WAY_FILE)));
		json_object_object_add(f, "source", json_object_new_string(
		    it->name != NULL ? it->name : "-"));
		json_object_object_add(f, "reason_class",
		    json_object_new_string(tr_err_name(it->ioerr.code)));
		json_object_object_add(f, "reason",
		    json_object_new_string(it->ioerr.msg));
		tr_log_event(TR_LOG_ERROR, "message", f);
		return 0;
	}
	if (!in->in_txn) {
		if (tr_store_begin(in->st, &err) != TR_OK) {
			log_warnx("%s", err.msg);
			in->store_failed = 1;
			return -1;
		}
		in->in_txn = 1;
		in->batch_started = now();
	}

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = it->name;
	o.received_at = time(NULL);
	v = &in->pending[in->npending++];
	if (tr_record(in->st, &it->a, it->raw, it->len, &o, v) != TR_OK) {
		/* the batch is half-written: drop it whole and stop */
		fail_batch(in, &v->err);
		return -1;
	}
	if (in->npending == in->batch || now() - in->batch_started > 1.0)
		if (flush(in) == -1)
			return -1;
	progress(in, 0);
	return 0;
}

struct walk_args {
	struct tr_apool *pool;
	char **paths;
	int npaths;
};

/* push_one - source callback: hand a message to the analysers */
static int
push_one(void *arg, const struct tr_source_msg *m)
{
	return tr_apool_push(arg, m) == -1 ? 1 : 0;
}

/* walker - read every input path, in order, into the pool (own thread) */
static void *
walker(void *arg)
{
	struct walk_args *w = arg;
	int i;

	for (i = 0; i < w->npaths; i++)
		if (tr_source_walk(w->paths[i], push_one, w->pool) != 0)
			break;
	tr_apool_close(w->pool);
	return NULL;
}

/*
 * ingest_all - read and analyse on other threads, record here in input order.
 * The analysis is pure, so it runs in parallel; the store has one owner.
 */
static void
ingest_all(struct ingest *in, char **paths, int npaths)
{
	struct walk_args w = { .paths = paths, .npaths = npaths };
	struct tr_apool_item *it;
	pthread_t tid;

	w.pool = tr_apool_new((unsigned)in->jobs, 256, 64UL * 1024 * 1024, &in->limits);
	/* before the first push: no message may escape the check */
	if (w.pool != NULL)
		tr_apool_set_dkim(w.pool, &in->dkim.settings);
	if (w.pool == NULL || pthread_create(&tid, NULL, walker, &w) != 0) {
		log_warnx("cannot start the analysis threads");
		tr_apool_free(w.pool);
		in->store_failed = 1;
		return;
	}
	while (1) {
		/* a message still waiting for its DKIM keys must not keep the
		 * database's write lock from the daemon: commit what is done */
		if (in->in_txn && in->dkim.settings.policy != TR_DKIM_OFF &&
		    !tr_apool_wait_ready(w.pool, 50) && flush(in) == -1)
			tr_apool_stop(w.pool);
		if ((it = tr_apool_next(w.pool)) == NULL)
			break;
		if (!in->store_failed && record_one(in, it) == -1)
			tr_apool_stop(w.pool);	/* drain what is left unrecorded */
		tr_apool_done(w.pool, it);
	}
	pthread_join(tid, NULL);
	tr_apool_free(w.pool);
}

static const struct option ingest_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "batch", required_argument, NULL, 'b' },
	{ "log", required_argument, NULL, 'l' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "config", required_argument, NULL, 'c' },
	{ "dkim", required_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* cmd_ingest - tlsrptd ingest [--db PATH] PATH... */
/* (over 80 lines until ingest, the daemon and quarantine retry share one
 * batch engine: its begin/commit/count code is still its own) */
static int
cmd_ingest(int argc, char **argv)
{
	struct ingest in;
	struct tr_store_opts so;
	struct tr_error err;
	struct json_object *f;
	const char *db = getenv("TLSRPTD_DB"), *logpath = "-";
	const char *config = NULL, *dkim = NULL;
	struct tr_config cfg;
	enum tr_dkim_policy policy = TR_DKIM_OFF;
	int ch, quiet = 0, status, have_cfg = 0;
	char *end;

	memset(&in, 0, sizeof(in));
	tr_limits_default(&in.limits);
	in.batch = DEFAULT_BATCH;
	if (db != NULL && *db == '\0')
		db = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:b:l:qj:c:h", ingest_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			dkim = optarg;
			if (strcmp(dkim, "require") != 0 &&
			    strcmp(dkim, "record") != 0 &&
			    strcmp(dkim, "off") != 0) {
				fprintf(stderr, "tlsrptd ingest: --dkim takes "
				    "require, record or off, not \"%s\"\n",
				    optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 'd':
			db = optarg;
			break;
		case 'b':
			in.batch = strtoul(optarg, &end, 10);
			if (*end != '\0' || in.batch < 1 || in.batch > 100000) {
				fprintf(stderr, "tlsrptd ingest: --batch takes "
				    "1 to 100000, not \"%s\"\n", optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 'l':
			logpath = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'j':
			in.jobs = strtoul(optarg, &end, 10);
			if (*end != '\0' || in.jobs < 1 || in.jobs > 8) {
				fprintf(stderr, "tlsrptd ingest: --jobs takes "
				    "1 to 8, not \"%s\"\n", optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_ingest);
		default:
			return tr_cmd_usage(&tr_cmd_ingest);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return tr_cmd_usage(&tr_cmd_ingest);

	/* the configuration gives the DKIM policy and resolver (and the
	 * database unless --db or TLSRPTD_DB says otherwise); --dkim wins */
	if (config != NULL) {
		if (tr_config_load(config, &cfg, &err) != TR_OK) {
			fprintf(stderr, "tlsrptd ingest: %s\n", err.msg);
			return TR_EXIT_CONFIG;
		}
		have_cfg = 1;
		policy = cfg.dkim;
		if (db == NULL)
			db = cfg.database;
	}
	if (db == NULL)
		db = DEFAULT_DB;
	if (dkim != NULL)
		policy = strcmp(dkim, "require") == 0 ? TR_DKIM_REQUIRE :
		    strcmp(dkim, "record") == 0 ? TR_DKIM_RECORD : TR_DKIM_OFF;
	if (tr_dkim_env_open(&in.dkim, policy,
	    have_cfg ? cfg.dkim_resolver : NULL,
	    have_cfg ? cfg.dkim_timeout : 5,
	    have_cfg ? cfg.dkim_trusted_authserv_id : NULL, &err) == -1) {
		fprintf(stderr, "tlsrptd ingest: %s\n", err.msg);
		if (have_cfg)
			tr_config_free(&cfg);
		return TR_EXIT_CONFIG;
	}

	if (tr_log_open(logpath, quiet ? TR_LOG_WARN : TR_LOG_INFO) == -1) {
		fprintf(stderr, "tlsrptd ingest: cannot open log %s: %m\n",
		    logpath);
		status = TR_EXIT_IOERR;
		goto early;
	}
	memset(&so, 0, sizeof(so));
	if (have_cfg) {
		so.password_file = cfg.database_password_file;
		so.instance_name = cfg.instance_name;
	}
	if (tr_store_open_opts(db, &so, &in.st, &err) != TR_OK) {
		fprintf(stderr, "tlsrptd ingest: %s\n", err.msg);
		status = TR_EXIT_IOERR;
		goto early;
	}
	if ((in.pending = calloc(in.batch, sizeof(*in.pending))) == NULL) {
		fprintf(stderr, "tlsrptd ingest: out of memory\n");
		tr_store_close(in.st);
		status = TR_EXIT_SOFTWARE;
		goto early;
	}
	in.progress = isatty(2) && !quiet;
	in.started = in.last_progress = now();

	ingest_all(&in, argv, argc);
	if (!in.store_failed)
		flush(&in);
	progress(&in, 1);

	f = json_object_new_object();
	json_object_object_add(f, "messages", json_object_new_int64((int64_t)in.messages));
	json_object_object_add(f, "stored", json_object_new_int64((int64_t)in.stored));
	json_object_object_add(f, "duplicates", json_object_new_int64((int64_t)in.duplicates));
	json_object_object_add(f, "quarantined", json_object_new_int64((int64_t)in.quarantined));
	json_object_object_add(f, "to_retry", json_object_new_int64((int64_t)in.retry));
	json_object_object_add(f, "errors", json_object_new_int64((int64_t)in.errors));
	json_object_object_add(f, "tempfailed", json_object_new_int64((int64_t)in.tempfailed));
	json_object_object_add(f, "dkim", json_object_new_string(
	    tr_dkim_policy_name(policy)));
	json_object_object_add(f, "seconds", json_object_new_double(now() - in.started));
	tr_log_event(in.store_failed ? TR_LOG_ERROR : TR_LOG_INFO, "ingest_done", f);

	free(in.pending);
	tr_store_close(in.st);
	tr_dkim_env_close(&in.dkim);
	if (have_cfg)
		tr_config_free(&cfg);
	tr_log_close();
	if (in.store_failed) {
		fprintf(stderr, "tlsrptd ingest: storing failed; nothing of the "
		    "failed batch was kept, run the same command again\n");
		status = TR_EXIT_IOERR;
	} else if (in.tempfailed > 0) {
		fprintf(stderr, "tlsrptd ingest: %lu message%s could not be "
		    "analysed for want of memory; run the same command again\n",
		    in.tempfailed, in.tempfailed == 1 ? "" : "s");
		status = TR_EXIT_TEMPFAIL;
	} else if (in.errors > 0)
		status = TR_EXIT_NOINPUT;
	else if (in.retry > 0) {
		fprintf(stderr, "tlsrptd ingest: %lu message%s could not be "
		    "checked for DKIM now (key lookup failed for the time "
		    "being); run the same command again later\n", in.retry,
		    in.retry == 1 ? "" : "s");
		status = TR_EXIT_TEMPFAIL;
	}
	else if (in.quarantined > 0)
		status = TR_EXIT_QUARANTINED;
	else
		status = TR_EXIT_OK;
	return status;

early:
	tr_dkim_env_close(&in.dkim);
	if (have_cfg)
		tr_config_free(&cfg);
	return status;
}

const struct tr_cmd tr_cmd_ingest = {
	.name = "ingest",
	.usage = "[-c FILE] [--dkim require|record|off] [--db PATH] [--batch N] "
	    "[--log PATH] [--quiet] [--jobs N] PATH...",
	.help =
	    "Store the TLS-RPT reports found in PATH: .eml files, .json,\n"
	    ".json.gz and .zip report files, mbox files, Maildirs, directories\n"
	    "of such files (walked recursively), or - for standard input.\n"
	    "Each message gets one JSON log line with its outcome: stored,\n"
	    "duplicate (already stored), quarantined (with the reason) or error.\n"
	    "Running it again on the same input adds nothing.\n"
	    "\n"
	    "  -c, --config FILE  take dkim, dkim_resolver, dkim_timeout and\n"
	    "                (unless --db or $TLSRPTD_DB) database from FILE\n"
	    "  --dkim POLICY require: a message without an acceptable DKIM\n"
	    "                signature is quarantined; record: stored with the\n"
	    "                result noted; off: not checked. Default: the\n"
	    "                configuration's dkim with -c, else off. Keys rotate:\n"
	    "                for mail older than a few weeks choose record (or\n"
	    "                off), then look at the results; see tlsrptd(8).\n"
	    "  --db PATH     database (default $TLSRPTD_DB, else the\n"
	    "                configuration's, else " DEFAULT_DB ")\n"
	    "  --batch N     messages per transaction (default 5000)\n"
	    "  --log PATH    where the log lines go (default - : standard output)\n"
	    "  --quiet       log only quarantined messages and errors; no progress\n"
	    "  --jobs N      analysis threads (1 to 8; default one per CPU)\n"
	    "\n"
	    "Exit status: 0 every message stored or already stored; 1 some were\n"
	    "quarantined; 64 usage error; 66 an input could not be read; 74 the\n"
	    "database could not be opened or written (run again: nothing of the\n"
	    "failed batch was kept); 75 some messages could not be analysed for\n"
	    "want of memory, or checked for DKIM now (a key lookup timed out or\n"
	    "failed with SERVFAIL), and were not kept: run the same command\n"
	    "again later; 78 configuration error.\n",
	.exec = cmd_ingest,
};
