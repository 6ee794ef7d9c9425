/* cmd_ingest.c - tlsrptd ingest: backfill files, mboxes and Maildirs into the store */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apool.h"
#include "batch.h"
#include "cmd.h"
#include "cmd_args.h"
#include "config.h"
#include "dkim_env.h"
#include "limits.h"
#include "log.h"
#include "outcome.h"
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
	struct tr_batch *eng;		/* the open batch and its verdicts */
	struct tr_limits limits;
	size_t batch;
	unsigned long jobs;		/* analysis threads, 0: one per CPU */
	double batch_started, started, last_progress;
	int progress;
	struct tr_batch_counts c;	/* the logged verdicts */
	unsigned long messages, errors;
	unsigned long nomem;		/* unreadable for want of memory */
	int store_failed;
	int no_threads;			/* the analysis threads did not start */
	struct tr_dkim_env dkim;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* totals - what the run came to so far, as the user is told it: a
 * message with a quarantined part counts as quarantined too, a DKIM key
 * not found for now as to retry, not as tempfailed */
static void
totals(const struct ingest *in, struct tr_totals *t)
{
	t->messages = in->messages;
	t->stored = in->c.stored;
	t->duplicates = in->c.duplicates;
	t->quarantined = in->c.quarantined + in->c.quarantined_parts;
	t->retry = in->c.retry;
	t->errors = in->errors;
	t->tempfailed = in->c.tempfailed - in->c.retry + in->nomem;
}

/* progress - a one-line status on a terminal for long runs */
static void
progress(struct ingest *in, int final)
{
	struct tr_totals t;
	double now_ = now();

	if (!in->progress || (!final && now_ - in->last_progress < 0.5) ||
	    now_ - in->started < 1.0)
		return;
	in->last_progress = now_;
	totals(in, &t);
	fprintf(stderr, "\rtlsrptd ingest: %lu messages, %lu stored, "
	    "%lu duplicate, %lu quarantined, %lu to retry, %lu errors "
	    "(%.0f/s)%s", t.messages, t.stored, t.duplicates,
	    t.quarantined, t.retry, t.errors,
	    t.messages / (now_ - in->started), final ? "\n" : "");
}

/* log_batch - count and log every verdict of the batch, then empty it */
static void
log_batch(struct ingest *in)
{
	tr_batch_log(in->eng, &in->c);
	tr_batch_reset(in->eng);
}

/* flush - commit the open batch, then log every message in it (a failed
 * commit logs them as tempfail: none of them was kept) */
static int
flush(struct ingest *in)
{
	struct tr_error err;
	int rc = 0;

	if (!tr_batch_open(in->eng))
		return 0;
	if (tr_batch_commit(in->eng, &err) != TR_OK) {
		in->store_failed = 1;
		rc = -1;
	}
	log_batch(in);
	return rc;
}

/* log_unreadable - the line of an input that could not be read */
static void
log_unreadable(const struct tr_apool_item *it)
{
	struct tr_origin o;

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = it->name != NULL ? it->name : "-";
	/* out of memory says nothing of the input: run again */
	tr_outcome_log_refusal(TR_LOG_ERROR, it->ioerr.code == TR_ERR_NOMEM ?
	    "tempfail" : "error", &o, -1, tr_err_name(it->ioerr.code),
	    it->ioerr.msg);
}

/* record_one - store one analysed message in the open batch (main thread) */
static int
record_one(struct ingest *in, struct tr_apool_item *it)
{
	struct tr_origin o;
	struct tr_error err;

	in->messages++;
	if (it->ioerr.code != TR_OK) {
		if (it->ioerr.code == TR_ERR_NOMEM)
			in->nomem++;
		else
			in->errors++;
		log_unreadable(it);
		return 0;
	}
	if (!tr_batch_open(in->eng)) {
		if (tr_batch_begin(in->eng, &err) != TR_OK) {
			log_warnx("%s", err.msg);
			in->store_failed = 1;
			return -1;
		}
		in->batch_started = now();
	}

	memset(&o, 0, sizeof(o));
	o.way_in = TR_WAY_FILE;
	o.source = it->name;
	o.received_at = time(NULL);
	if (tr_batch_add(in->eng, &it->a, it->raw, it->len, &o, NULL) !=
	    TR_OK) {
		/* the batch is half-written: drop it whole and stop */
		flush(in);
		return -1;
	}
	if (tr_batch_full(in->eng) || now() - in->batch_started > 1.0)
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
		/* memory or threads short: nothing was read, run again */
		log_warnx("cannot start the analysis threads: %s",
		    strerror(errno != 0 ? errno : ENOMEM));
		tr_apool_free(w.pool);
		in->no_threads = 1;
		return;
	}
	while (1) {
		/* a message still waiting for its DKIM keys must not keep the
		 * database's write lock from the daemon: commit what is done */
		if (tr_batch_open(in->eng) &&
		    in->dkim.settings.policy != TR_DKIM_OFF &&
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

/* What the command line says. */
struct ingest_args {
	const char *db, *logpath, *config, *dkim;
	int quiet;
};

/* parse_args - the options into in and a; -1 when ingest should go on,
 * else the exit status (usage, help) */
static int
parse_args(int argc, char **argv, struct ingest *in, struct ingest_args *a)
{
	int ch;
	long v;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:b:l:qj:c:h", ingest_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->config = optarg;
			break;
		case 'k':
			a->dkim = optarg;
			if (strcmp(a->dkim, "require") != 0 &&
			    strcmp(a->dkim, "record") != 0 &&
			    strcmp(a->dkim, "off") != 0) {
				fprintf(stderr, "tlsrptd ingest: --dkim takes "
				    "require, record or off, not \"%s\"\n",
				    optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 'd':
			a->db = optarg;
			break;
		case 'b':
			if ((v = tr_cmd_number(optarg, 1, 100000)) == -1) {
				fprintf(stderr, "tlsrptd ingest: --batch takes "
				    "1 to 100000, not \"%s\"\n", optarg);
				return TR_EXIT_USAGE;
			}
			in->batch = (size_t)v;
			break;
		case 'l':
			a->logpath = optarg;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'j':
			if ((v = tr_cmd_number(optarg, 1, 8)) == -1) {
				fprintf(stderr, "tlsrptd ingest: --jobs takes "
				    "1 to 8, not \"%s\"\n", optarg);
				return TR_EXIT_USAGE;
			}
			in->jobs = (unsigned long)v;
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_ingest);
		default:
			return tr_cmd_usage(&tr_cmd_ingest);
		}
	}
	if (optind == argc)
		return tr_cmd_usage(&tr_cmd_ingest);
	return -1;
}

/* exit_status - the status (and the advice on standard error) for what the
 * run came to */
static int
exit_status(const struct ingest *in, const struct tr_totals *t)
{
	if (in->no_threads) {
		fprintf(stderr, "tlsrptd ingest: cannot start the analysis "
		    "threads (memory or threads are short); nothing was read, "
		    "run the same command again\n");
		return TR_EXIT_TEMPFAIL;
	}
	if (in->store_failed) {
		fprintf(stderr, "tlsrptd ingest: storing failed; nothing of the "
		    "failed batch was kept, run the same command again\n");
		return TR_EXIT_IOERR;
	}
	if (t->tempfailed > 0) {
		fprintf(stderr, "tlsrptd ingest: %lu message%s could not be "
		    "analysed for now (the log says why); run the same command "
		    "again\n", t->tempfailed, t->tempfailed == 1 ? "" : "s");
		return TR_EXIT_TEMPFAIL;
	}
	if (t->errors > 0)
		return TR_EXIT_NOINPUT;
	if (t->retry > 0) {
		fprintf(stderr, "tlsrptd ingest: %lu message%s could not be "
		    "checked for DKIM now (key lookup failed for the time "
		    "being); run the same command again later\n", t->retry,
		    t->retry == 1 ? "" : "s");
		return TR_EXIT_TEMPFAIL;
	}
	if (t->quarantined > 0)
		return TR_EXIT_QUARANTINED;
	return TR_EXIT_OK;
}

/* run - open the log and the store, ingest every path, log the totals;
 * the exit status */
static int
run(struct ingest *in, const struct ingest_args *a, const char *db,
    const struct tr_store_opts *so, enum tr_dkim_policy policy,
    char **paths, int npaths)
{
	struct tr_error err;
	struct tr_totals t;
	int status;

	if (tr_log_open(a->logpath, a->quiet ? TR_LOG_WARN : TR_LOG_INFO) ==
	    -1) {
		fprintf(stderr, "tlsrptd ingest: cannot open log %s: %m\n",
		    a->logpath);
		return TR_EXIT_IOERR;
	}
	if (tr_store_open_opts(db, so, &in->st, &err) != TR_OK) {
		fprintf(stderr, "tlsrptd ingest: %s\n", err.msg);
		return TR_EXIT_IOERR;
	}
	if ((in->eng = tr_batch_new(in->st, in->batch)) == NULL) {
		fprintf(stderr, "tlsrptd ingest: out of memory\n");
		tr_store_close(in->st);
		return TR_EXIT_SOFTWARE;
	}
	in->progress = isatty(2) && !a->quiet;
	in->started = in->last_progress = now();

	ingest_all(in, paths, npaths);
	if (!in->store_failed)
		flush(in);
	progress(in, 1);

	totals(in, &t);
	tr_outcome_log_totals(in->store_failed || in->no_threads ?
	    TR_LOG_ERROR : TR_LOG_INFO,
	    "ingest_done", &t, tr_dkim_policy_name(policy), now() -
	    in->started);
	tr_batch_free(in->eng);
	tr_store_close(in->st);
	status = exit_status(in, &t);
	tr_log_close();
	return status;
}

/* cmd_ingest - tlsrptd ingest [--db PATH] PATH... */
static int
cmd_ingest(int argc, char **argv)
{
	struct ingest in;
	struct ingest_args a;
	struct tr_error err;
	struct tr_config cfg;
	struct tr_store_opts so;
	const char *db;
	enum tr_dkim_policy policy = TR_DKIM_OFF;
	int status, have_cfg = 0;

	memset(&in, 0, sizeof(in));
	memset(&a, 0, sizeof(a));
	tr_limits_default(&in.limits);
	in.batch = DEFAULT_BATCH;
	a.logpath = "-";
	if ((a.db = getenv("TLSRPTD_DB")) != NULL && *a.db == '\0')
		a.db = NULL;
	if ((status = parse_args(argc, argv, &in, &a)) != -1)
		return status;

	/* the configuration gives the DKIM policy and resolver (and the
	 * database unless --db or TLSRPTD_DB says otherwise); --dkim wins */
	db = a.db;
	if (a.config != NULL) {
		if (tr_config_load(a.config, &cfg, &err) != TR_OK) {
			fprintf(stderr, "tlsrptd ingest: %s\n", err.msg);
			return TR_EXIT_CONFIG;
		}
		have_cfg = 1;
		policy = cfg.dkim;
		if (db == NULL)
			db = cfg.database;
	}
	memset(&so, 0, sizeof(so));
	if (have_cfg) {
		so.password_file = cfg.database_password_file;
		so.instance_name = cfg.instance_name;
	}
	if (db == NULL)
		db = DEFAULT_DB;
	if (a.dkim != NULL)
		policy = strcmp(a.dkim, "require") == 0 ? TR_DKIM_REQUIRE :
		    strcmp(a.dkim, "record") == 0 ? TR_DKIM_RECORD : TR_DKIM_OFF;
	if (tr_dkim_env_open(&in.dkim, policy,
	    have_cfg ? cfg.dkim_resolver : NULL,
	    have_cfg ? cfg.dkim_timeout : 5,
	    have_cfg ? cfg.dkim_trusted_authserv_id : NULL, &err) == -1) {
		fprintf(stderr, "tlsrptd ingest: %s\n", err.msg);
		status = TR_EXIT_CONFIG;
	} else
		status = run(&in, &a, db, &so, policy, argv + optind,
		    argc - optind);
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
