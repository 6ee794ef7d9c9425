/* cmd_prune.c - tlsrptd prune: delete what is past its retention, in small steps */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cmd.h"
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

/* days_arg - 0 to 36500, as in tlsrptd.conf; -1 when bad */
static long
days_arg(const char *s, long max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtol(s, &end, 10);
	return *end != '\0' || v > max ? -1 : v;
}

/* cmd_prune - tlsrptd prune [--db PATH | -c FILE] [...] */
static int
cmd_prune(int argc, char **argv)
{
	struct tr_cmd_db d;
	struct tr_retention r;
	struct tr_pruned done;
	struct tr_store *st;
	struct tr_error err;
	struct json_object *f;
	char rcut[32], qcut[32];
	long rdays = -1, qdays = -1, step = DEFAULT_STEP;
	int ch, rc, dry = 0, more = 1, held;
	int64_t now;

	memset(&d, 0, sizeof(d));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:c:nh", prune_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			d.db = optarg;
			break;
		case 'c':
			d.config = optarg;
			break;
		case 'r':
		case 'q':
			if ((ch == 'r' ? (rdays = days_arg(optarg, 36500)) :
			    (qdays = days_arg(optarg, 36500))) == -1) {
				fprintf(stderr, "tlsrptd prune: --%s takes 0 "
				    "to 36500, not \"%s\"\n", ch == 'r' ?
				    "retention-days" : "quarantine-days",
				    optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 's':
			if ((step = days_arg(optarg, 100000)) < 1) {
				fprintf(stderr, "tlsrptd prune: --step takes 1 "
				    "to 100000, not \"%s\"\n", optarg);
				return TR_EXIT_USAGE;
			}
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_prune);
		default:
			return tr_cmd_usage(&tr_cmd_prune);
		}
	}
	if (optind != argc)
		return tr_cmd_usage(&tr_cmd_prune);
	if ((rc = tr_cmd_db_open("prune", &d, 0, &st)) != TR_EXIT_OK) {
		tr_cmd_db_free(&d);
		return rc;
	}
	/* the options override the configuration's keys */
	memset(&r, 0, sizeof(r));
	if (d.have_cfg) {
		r.report_days = d.cfg.retention_days;
		r.quarantine_days = d.cfg.quarantine_retention_days;
	}
	if (rdays >= 0)
		r.report_days = (unsigned)rdays;
	if (qdays >= 0)
		r.quarantine_days = (unsigned)qdays;
	if (r.report_days == 0 && r.quarantine_days == 0) {
		fprintf(stderr, "tlsrptd prune: nothing to do: no retention "
		    "set (--retention-days, --quarantine-days, or "
		    "retention_days in the configuration given with -c)\n");
		tr_store_close(st);
		tr_cmd_db_free(&d);
		return TR_EXIT_USAGE;
	}

	now = (int64_t)time(NULL);
	memset(&done, 0, sizeof(done));
	if (dry) {
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
			tr_cmd_db_free(&d);
			return TR_EXIT_TEMPFAIL;
		}
		while (more)
			if (tr_prune_step(st, &r, now, (unsigned)step, &done,
			    &more, &err) != TR_OK) {
				tr_prune_unlock(st);
				goto failed;
			}
		tr_prune_unlock(st);
	}

	tr_log_open("-", TR_LOG_INFO);
	tr_retention_cutoffs(&r, now, rcut, qcut);
	f = json_object_new_object();
	json_object_object_add(f, "dry_run", json_object_new_boolean(dry));
	json_object_object_add(f, "reports",
	    json_object_new_int64((int64_t)done.reports));
	json_object_object_add(f, "quarantined",
	    json_object_new_int64((int64_t)done.quarantined));
	json_object_object_add(f, "reports_ended_before", rcut[0] != '\0' ?
	    json_object_new_string(rcut) : NULL);
	json_object_object_add(f, "quarantine_received_before",
	    qcut[0] != '\0' ? json_object_new_string(qcut) : NULL);
	json_object_object_add(f, "database", json_object_new_string(d.path));
	tr_log_event(TR_LOG_INFO, "pruned", f);
	tr_log_close();
	tr_store_close(st);
	tr_cmd_db_free(&d);
	return TR_EXIT_OK;

failed:
	fprintf(stderr, "tlsrptd prune: %s (removed before the failure: %llu "
	    "reports, %llu quarantined messages)\n", err.msg,
	    (unsigned long long)done.reports,
	    (unsigned long long)done.quarantined);
	tr_store_close(st);
	tr_cmd_db_free(&d);
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
	    "removed before stays removed; run it again); 75 another instance\n"
	    "is pruning the shared database now; 78 configuration error.\n",
	.exec = cmd_prune,
};
