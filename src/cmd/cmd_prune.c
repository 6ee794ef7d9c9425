/* cmd_prune.c - tlsrptd prune: delete what is past its retention, in small steps */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cmd.h"
#include "cmd_args.h"
#include "cmd_db.h"
#include "log.h"
#include "retention.h"

#define DEFAULT_STEP	500

static const struct option prune_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "retention-days", required_argument, NULL, 'r' },
	{ "quarantine-days", required_argument, NULL, 'q' },
	{ "step", required_argument, NULL, 's' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The command line of one run. */
struct prune_args {
	struct tr_cmd_db d;
	long rdays, qdays, step;	/* -1: not given */
	int dry;
};

/* prune_parse - the options into a: -1 to go on, else the exit status */
static int
prune_parse(int argc, char **argv, struct prune_args *a)
{
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:c:nh", prune_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			a->d.db = optarg;
			break;
		case 'c':
			a->d.config = optarg;
			break;
		case 'r':
		case 'q':
			if ((ch == 'r' ? (a->rdays = tr_cmd_number(optarg, 0, 36500)) :
			    (a->qdays = tr_cmd_number(optarg, 0, 36500))) == -1) {
				fprintf(stderr, "tlsrptd prune: --%s takes 0 "
				    "to 36500, not \"%s\"\n", ch == 'r' ?
				    "retention-days" : "quarantine-days",
				    optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 's':
			if ((a->step = tr_cmd_number(optarg, 0, 100000)) < 1) {
				fprintf(stderr, "tlsrptd prune: --step takes 1 "
				    "to 100000, not \"%s\"\n", optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 'n':
			a->dry = 1;
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_prune);
		default:
			return tr_cmd_usage(&tr_cmd_prune);
		}
	}
	return optind != argc ? tr_cmd_usage(&tr_cmd_prune) : -1;
}

/* log_pruned - the "pruned" log line on standard output */
static void
log_pruned(const struct tr_retention *r, int64_t now, int dry,
    const struct tr_pruned *done, const char *path)
{
	struct json_object *f;
	char rcut[32], qcut[32];

	tr_log_open("-", TR_LOG_INFO);
	tr_retention_cutoffs(r, now, rcut, qcut);
	f = json_object_new_object();
	json_object_object_add(f, "dry_run", json_object_new_boolean(dry));
	json_object_object_add(f, "reports",
	    json_object_new_int64((int64_t)done->reports));
	json_object_object_add(f, "quarantined",
	    json_object_new_int64((int64_t)done->quarantined));
	json_object_object_add(f, "reports_ended_before", rcut[0] != '\0' ?
	    json_object_new_string(rcut) : NULL);
	json_object_object_add(f, "quarantine_received_before",
	    qcut[0] != '\0' ? json_object_new_string(qcut) : NULL);
	json_object_object_add(f, "database", json_object_new_string(path));
	tr_log_event(TR_LOG_INFO, "pruned", f);
	tr_log_close();
}

/* cmd_prune - tlsrptd prune [--db PATH | -c FILE] [...] */
static int
cmd_prune(int argc, char **argv)
{
	struct prune_args a = { .rdays = -1, .qdays = -1,
	    .step = DEFAULT_STEP };
	struct tr_retention r;
	struct tr_pruned done;
	struct tr_store *st;
	struct tr_error err;
	int rc, held, more = 1;
	int64_t now;

	if ((rc = prune_parse(argc, argv, &a)) != -1)
		return rc;
	if ((rc = tr_cmd_db_open("prune", &a.d, 0, &st)) != TR_EXIT_OK) {
		tr_cmd_db_free(&a.d);
		return rc;
	}
	/* the options override the configuration's keys */
	memset(&r, 0, sizeof(r));
	if (a.d.have_cfg) {
		r.report_days = a.d.cfg.retention_days;
		r.quarantine_days = a.d.cfg.quarantine_retention_days;
	}
	if (a.rdays >= 0)
		r.report_days = (unsigned)a.rdays;
	if (a.qdays >= 0)
		r.quarantine_days = (unsigned)a.qdays;
	if (r.report_days == 0 && r.quarantine_days == 0) {
		fprintf(stderr, "tlsrptd prune: nothing to do: no retention "
		    "set (--retention-days, --quarantine-days, or "
		    "retention_days in the configuration given with -c)\n");
		tr_store_close(st);
		tr_cmd_db_free(&a.d);
		return TR_EXIT_USAGE;
	}

	now = (int64_t)time(NULL);
	memset(&done, 0, sizeof(done));
	if (a.dry) {
		if (tr_prune_count(st, &r, now, &done, &err) != TR_OK)
			goto failed;
	} else {
		/* a database several hosts share is pruned by one at a time */
		if (tr_prune_lock(st, &held, &err) != TR_OK)
			goto failed;
		if (!held) {
			fprintf(stderr, "tlsrptd prune: another instance is "
			    "pruning this database now: nothing done, run it "
			    "again later\n");
			tr_store_close(st);
			tr_cmd_db_free(&a.d);
			return TR_EXIT_TEMPFAIL;
		}
		while (more && tr_prune_step(st, &r, now, (unsigned)a.step,
		    &done, &more, &err) == TR_OK)
			;
		tr_prune_unlock(st);
		if (more)
			goto failed;
	}
	log_pruned(&r, now, a.dry, &done, a.d.path);
	tr_store_close(st);
	tr_cmd_db_free(&a.d);
	return TR_EXIT_OK;

failed:
	fprintf(stderr, "tlsrptd prune: %s (removed before the failure: %llu "
	    "reports, %llu quarantined messages)\n", err.msg,
	    (unsigned long long)done.reports,
	    (unsigned long long)done.quarantined);
	tr_store_close(st);
	tr_cmd_db_free(&a.d);
	return TR_EXIT_IOERR;
}

const struct tr_cmd tr_cmd_prune = {
	.name = "prune",
	.usage = "[--db PATH | -c FILE] [--retention-days N] "
	    "[--quarantine-days N] [--step N] [--dry-run]",
	.help =
	    "Delete the reports whose period ended more than N days ago (with\n"
	    "their policies and failure details) and the quarantined messages\n"
	    "received more than N days ago, a few hundred rows per transaction\n"
	    "so that a running daemon is never held up for long. Prints one\n"
	    "JSON line with what it removed. The daemon does the same by\n"
	    "itself every hour when retention_days or quarantine_retention_days\n"
	    "is set.\n"
	    "\n"
	    "  --db PATH              database (default: -c's, else $TLSRPTD_DB,\n"
	    "                         else " TR_DEFAULT_DB ")\n"
	    "  -c FILE                database and retention from a tlsrptd.conf\n"
	    "  --retention-days N     reports (overrides retention_days; 0 keeps)\n"
	    "  --quarantine-days N    quarantine (overrides\n"
	    "                         quarantine_retention_days; 0 keeps)\n"
	    "  --step N               rows per transaction (default 500)\n"
	    "  --dry-run              count what would go, delete nothing\n"
	    "\n"
	    "Exit status: 0 done; 64 usage error or no retention set; 66 no such\n"
	    "database; 74 the database could not be opened or written (what was\n"
	    "removed before stays removed; run it again); 78 configuration\n"
	    "error.\n",
	.exec = cmd_prune,
};
