/* cmd_run.c - tlsrptd run: the long-running daemon (event loop, milter, SMTP/LMTP listeners) */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "alert.h"
#include "budget.h"
#include "cmd.h"
#include "config.h"
#include "dkim_env.h"
#include "daemon.h"
#include "db.h"
#include "log.h"
#include "privilege.h"
#include "receivers.h"
#include "retention.h"
#include "stats.h"
#include "store.h"
#include "way_in.h"

#define DEFAULT_CONFIG	"/etc/tlsrptd/tlsrptd.conf"

struct run {
	struct tr_config cfg;
	struct tr_store *st;
	struct tr_daemon *d;
	struct tr_pruner *pruner;	/* retention, or NULL */
	uid_t uid;			/* -1: stay who we are */
	gid_t gid;
	int milter;			/* a milter socket is configured */
	struct tr_receiver_env env;	/* what the receivers are given */
	struct tr_receiver_set *recv;	/* every way in, bound */
	struct tr_stats *stats;		/* with metrics_listen */
	struct tr_budget *budget;	/* max_inflight_bytes */
	struct tr_alerter *alerter;	/* with alert_failure_rate */
	struct tr_dkim_env dkim;	/* DKIM of report mail */
	char status[512];		/* what sd_notify STATUS names */
};

/* after_commit - a batch is committed: look for failure-rate alerts */
static void
after_commit(const struct tr_verdict *v, size_t n, void *arg)
{
	struct run *r = arg;

	tr_alerter_check(r->alerter, v, n);
}

/* add_list - a listener list as an array, when it is not empty */
static void
add_list(struct json_object *f, const char *key, const struct tr_strlist *l)
{
	struct json_object *a;
	size_t i;

	if (l->n == 0)
		return;
	a = json_object_new_array();
	for (i = 0; i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->v[i]));
	json_object_object_add(f, key, a);
}

/* status_text - "receiving reports on unix:..., smtp 127.0.0.1:25, ..." */
static void
status_text(struct run *r)
{
	const struct tr_strlist *l[4] = { &r->cfg.smtp_listen,
	    &r->cfg.lmtp_listen, &r->cfg.http_listen, &r->cfg.https_listen };
	const enum tr_way_in way[4] = { TR_WAY_SMTP, TR_WAY_LMTP,
	    TR_WAY_HTTP, TR_WAY_HTTPS };
	size_t i, k, n;
	int sep = 0;

	n = (size_t)snprintf(r->status, sizeof(r->status), "receiving reports");
	if (r->milter) {
		n += (size_t)snprintf(r->status + n, sizeof(r->status) - n,
		    " on %s", r->cfg.milter_socket);
		sep = 1;
	}
	for (k = 0; k < 4; k++)
		for (i = 0; i < l[k]->n && n < sizeof(r->status); i++) {
			n += (size_t)snprintf(r->status + n, sizeof(r->status) -
			    n, "%s%s %s", sep ? ", " : " on ",
			    tr_way_in_name(way[k]), l[k]->v[i]);
			sep = 1;
		}
}

/* base_fields - version, socket and rua list for the lifecycle log lines */
static struct json_object *
base_fields(const struct run *r)
{
	struct json_object *f = json_object_new_object(), *rua;
	char shown[1024];
	size_t i;

	json_object_object_add(f, "version",
	    json_object_new_string(TLSRPTD_VERSION));
	json_object_object_add(f, "pid", json_object_new_int((int)getpid()));
	rua = json_object_new_array();
	for (i = 0; i < r->cfg.nrua; i++)
		json_object_array_add(rua, json_object_new_string(r->cfg.rua[i]));
	json_object_object_add(f, "rua", rua);
	json_object_object_add(f, "milter_socket", r->milter ?
	    json_object_new_string(r->cfg.milter_socket) : NULL);
	add_list(f, "http_listen", &r->cfg.http_listen);
	add_list(f, "https_listen", &r->cfg.https_listen);
	add_list(f, "smtp_listen", &r->cfg.smtp_listen);
	add_list(f, "lmtp_listen", &r->cfg.lmtp_listen);
	json_object_object_add(f, "dkim",
	    json_object_new_string(tr_dkim_policy_name(r->cfg.dkim)));
	tr_db_redact(r->cfg.database, shown, sizeof(shown));
	json_object_object_add(f, "database", json_object_new_string(shown));
	add_list(f, "metrics_listen", &r->cfg.metrics_listen);
	add_list(f, "dashboard_listen", &r->cfg.dashboard_listen);
	return f;
}

/* stopping - the loop began its orderly shutdown */
static void
stopping(void *arg)
{
	struct run *r = arg;

	tr_receivers_stop(r->recv);
	sd_notify(0, "STOPPING=1\nSTATUS=finishing queued messages");
	tr_log_event(TR_LOG_INFO, "stopping", base_fields(r));
}

/* resolve_user - uid/gid of the configured user and group, -1 if none */
static int
resolve_user(struct run *r)
{
	struct passwd *pw;
	struct group *gr;

	r->uid = (uid_t)-1;
	r->gid = (gid_t)-1;
	if (r->cfg.user == NULL) {
		if (r->cfg.group != NULL) {
			fprintf(stderr, "tlsrptd run: %s: group is set but user "
			    "is not\n", r->cfg.path);
			return -1;
		}
		return 0;
	}
	if ((pw = getpwnam(r->cfg.user)) == NULL) {
		fprintf(stderr, "tlsrptd run: %s: no such user \"%s\"\n",
		    r->cfg.path, r->cfg.user);
		return -1;
	}
	r->uid = pw->pw_uid;
	r->gid = pw->pw_gid;
	if (r->cfg.group != NULL) {
		if ((gr = getgrnam(r->cfg.group)) == NULL) {
			fprintf(stderr, "tlsrptd run: %s: no such group "
			    "\"%s\"\n", r->cfg.path, r->cfg.group);
			return -1;
		}
		r->gid = gr->gr_gid;
	}
	if (geteuid() != 0 && geteuid() != r->uid) {
		fprintf(stderr, "tlsrptd run: cannot become user %s: not "
		    "started as root\n", r->cfg.user);
		return -1;
	}
	return 0;
}

/* drop_privileges - become the configured user for good (when root) */
static int
drop_privileges(const struct run *r)
{
	if (r->uid == (uid_t)-1) {
		if (geteuid() == 0)
			log_warnx("running as root: set user (and group) in %s",
			    r->cfg.path);
		return 0;
	}
	if (geteuid() != 0)
		return 0;	/* already that user (checked in resolve_user) */
	if (initgroups(r->cfg.user, r->gid) == -1 || setgid(r->gid) == -1 ||
	    setuid(r->uid) == -1) {
		log_warn("cannot switch to user %s", r->cfg.user);
		return -1;
	}
	if (setuid(0) != -1) {
		log_warnx("could regain root after switching to %s", r->cfg.user);
		return -1;
	}
	return 0;
}

/* open_log - the log, opened (and created) as the daemon's user even while
 * still root: root never writes through a link planted by someone else,
 * and the file is the user's to reopen after rotation */
static int
open_log(const struct run *r)
{
	struct tr_ids ids;
	int rc, e;

	if (tr_ids_assume(r->uid, r->gid, &ids) == -1)
		return -1;
	rc = tr_log_open(r->cfg.log_target, r->cfg.log_level);
	e = errno;
	tr_ids_restore(&ids);
	errno = e;
	return rc;
}

/* block_stop_signals - blocked before any thread exists, so that every
 * thread inherits the mask; unblocked on the loop's thread once the loop's
 * signal events are in place, so that it alone takes them */
static void
block_stop_signals(int block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* stopped - the final log line, with what the daemon did */
static void
stopped(struct run *r, int status)
{
	struct tr_daemon_stats s;
	struct json_object *f = base_fields(r);

	if (r->d != NULL) {
		tr_daemon_stats(r->d, &s);
		json_object_object_add(f, "messages", json_object_new_int64((int64_t)s.jobs));
		json_object_object_add(f, "stored", json_object_new_int64((int64_t)s.stored));
		json_object_object_add(f, "duplicates", json_object_new_int64((int64_t)s.duplicates));
		json_object_object_add(f, "quarantined", json_object_new_int64((int64_t)s.quarantined));
		json_object_object_add(f, "tempfailed", json_object_new_int64((int64_t)s.tempfailed));
		json_object_object_add(f, "refused", json_object_new_int64((int64_t)s.refused));
		json_object_object_add(f, "commits", json_object_new_int64((int64_t)s.batches));
		json_object_object_add(f, "largest_commit", json_object_new_int64((int64_t)s.max_batch));
	}
	json_object_object_add(f, "status", json_object_new_int(status));
	tr_log_event(status == 0 ? TR_LOG_INFO : TR_LOG_ERROR, "stopped", f);
}

/* start_pruner - retention between the loop's batches, when any is configured */
static int
start_pruner(struct run *r)
{
	struct tr_pruner_settings ps;

	if (r->cfg.retention_days == 0 && r->cfg.quarantine_retention_days == 0)
		return 0;
	tr_pruner_defaults(&ps);
	ps.retention.report_days = r->cfg.retention_days;
	ps.retention.quarantine_days = r->cfg.quarantine_retention_days;
	ps.daemon = r->d;
	r->pruner = tr_pruner_start(tr_daemon_base(r->d), r->st, &ps);
	return r->pruner != NULL ? 0 : -1;
}

/* start_alerter - failure-rate alerts after each commit, when asked for */
static int
start_alerter(struct run *r)
{
	struct tr_alert_settings as;

	if (r->cfg.alert_failure_rate <= 0)
		return 0;
	memset(&as, 0, sizeof(as));
	as.threshold = r->cfg.alert_failure_rate;
	as.min_sessions = r->cfg.alert_min_sessions;
	as.command = r->cfg.alert_command;
	as.max_per_report = r->cfg.alert_max_per_report;
	as.own_domains = (const char *const *)r->cfg.domains.v;
	as.nown_domains = r->cfg.domains.n;
	as.max_per_hour = r->cfg.alert_max_per_hour;
	if ((r->alerter = tr_alerter_new(tr_daemon_base(r->d), r->st,
	    &as, r->stats)) == NULL)
		return -1;
	return 0;
}

/* failed - a start-up error: logged, and told on standard error; the exit
 * status */
static int
failed(const struct tr_error *err, int status)
{
	log_warnx("%s", err->msg);
	fprintf(stderr, "tlsrptd run: %s\n", err->msg);
	return status;
}

/* settings - the daemon's settings from the configuration */
static void
settings(struct run *r, struct tr_daemon_settings *ds)
{
	memset(ds, 0, sizeof(*ds));
	ds->limits = &r->cfg.limits;
	ds->queue_limit = r->cfg.queue_limit;
	ds->shutdown_timeout = r->cfg.shutdown_timeout;
	ds->handle_stop_signals = 1;
	ds->on_stopping = stopping;
	ds->on_stopping_arg = r;
	ds->dkim = &r->dkim.settings;
	ds->stats = r->stats;
	ds->after_commit = after_commit;
	ds->after_commit_arg = r;
	if (r->cfg.quarantine_not_ours && r->cfg.domains.n > 0) {
		ds->not_ours_domains = (const char *const *)r->cfg.domains.v;
		ds->n_not_ours_domains = r->cfg.domains.n;
	}
	ds->budget = r->budget;
}

/* prepare - configuration, user and log: what comes before any socket;
 * -1 when the run goes on, else the exit status */
static int
prepare(struct run *r, const char *path)
{
	struct tr_error err;

	if (tr_config_load(path, &r->cfg, &err) != TR_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return TR_EXIT_CONFIG;
	}
	if (tr_config_check_run(&r->cfg, &err) != TR_OK) {
		fprintf(stderr, "%s\n", err.msg);
		tr_config_free(&r->cfg);
		return TR_EXIT_CONFIG;
	}
	r->milter = r->cfg.milter_socket != NULL;
	if (resolve_user(r) == -1) {
		tr_config_free(&r->cfg);
		return TR_EXIT_CONFIG;
	}
	if (open_log(r) == -1) {
		fprintf(stderr, "tlsrptd run: cannot open log %s: %s\n",
		    r->cfg.log_target, strerror(errno));
		tr_config_free(&r->cfg);
		return TR_EXIT_IOERR;
	}
	return -1;
}

/* open_all - bind every receiver while still privileged, then become the
 * user and open the store, the metrics, DKIM and the memory budget; 0 or
 * the exit status */
static int
open_all(struct run *r)
{
	struct tr_store_opts so;
	struct tr_error err;

	r->env.cfg = &r->cfg;
	r->env.uid = r->uid;
	r->env.gid = r->gid;
	if (tr_receivers_bind(&r->env, &r->recv, &err) != TR_OK)
		return failed(&err, err.code == TR_ERR_SCHEMA ?
		    TR_EXIT_CONFIG : TR_EXIT_IOERR);
	/* a scraper or an alert command that goes away must not kill us */
	signal(SIGPIPE, SIG_IGN);
	if (drop_privileges(r) == -1)
		return TR_EXIT_SOFTWARE;
	/* Opened as the final user: the -wal and -shm files SQLite creates
	 * next to the database must belong to whoever writes them later. */
	memset(&so, 0, sizeof(so));
	so.flags = r->cfg.group != NULL ? TR_STORE_GROUP_READ : 0;
	so.password_file = r->cfg.database_password_file;
	so.instance_name = r->cfg.instance_name;
	if (tr_store_open_opts(r->cfg.database, &so, &r->st, &err) != TR_OK)
		return failed(&err, TR_EXIT_IOERR);
	if (r->cfg.metrics_listen.n > 0 && (r->stats = tr_stats_new()) ==
	    NULL) {
		log_warnx("cannot set up the metrics");
		return TR_EXIT_SOFTWARE;
	}
	r->env.stats = r->stats;
	if (tr_dkim_env_open(&r->dkim, r->cfg.dkim, r->cfg.dkim_resolver,
	    r->cfg.dkim_timeout, r->cfg.dkim_trusted_authserv_id, &err) == -1)
		return failed(&err, TR_EXIT_SOFTWARE);
	if ((r->budget = tr_budget_new(r->cfg.max_inflight_bytes)) == NULL) {
		log_warnx("cannot set up the memory budget");
		return TR_EXIT_SOFTWARE;
	}
	if (r->cfg.max_inflight_bytes < r->cfg.limits.max_message)
		log_warnx("max_inflight_bytes (%zu) is below message_size_limit "
		    "(%zu): a message may need up to message_size_limit of it, "
		    "so large ones may be deferred again and again",
		    r->cfg.max_inflight_bytes, r->cfg.limits.max_message);
	return 0;
}

/* serve - the loop, the pruner, the alerter and every receiver; run until
 * stopped; the exit status */
static int
serve(struct run *r)
{
	struct tr_daemon_settings ds;
	struct tr_error err;
	int status = TR_EXIT_OK;

	settings(r, &ds);
	if ((r->d = tr_daemon_new(r->st, &ds)) == NULL)
		return TR_EXIT_SOFTWARE;
	r->env.d = r->d;
	if (start_pruner(r) == -1 || start_alerter(r) == -1)
		return TR_EXIT_SOFTWARE;
	/*
	 * From here the loop's signal events take the stop signals: the
	 * threads made so far keep them blocked, and the milter thread (and
	 * libmilter's signal thread within it) is made with them blocked, so
	 * a stop at any moment of start-up is the loop's orderly stop.
	 */
	block_stop_signals(0);
	if (tr_receivers_start(r->recv, &r->env, &err) != TR_OK)
		return failed(&err, err.code == TR_ERR_STORE ? TR_EXIT_IOERR :
		    TR_EXIT_SOFTWARE);

	tr_log_event(TR_LOG_INFO, "started", base_fields(r));
	status_text(r);
	sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", r->status,
	    (unsigned long)getpid());

	if (tr_daemon_run(r->d) == -1)
		status = TR_EXIT_SOFTWARE;
	if (tr_receivers_join(r->recv) == -1 && status == TR_EXIT_OK)
		status = TR_EXIT_SOFTWARE;
	return status;
}

static const struct option run_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* cmd_run - tlsrptd run [-c FILE] [-f] */
static int
cmd_run(int argc, char **argv)
{
	struct run r;
	const char *path = DEFAULT_CONFIG;
	int ch, status;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:fh", run_opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			break;	/* we never fork: see the help text */
		case 'h':
			return tr_cmd_help(&tr_cmd_run);
		default:
			return tr_cmd_usage(&tr_cmd_run);
		}
	}
	if (optind != argc)
		return tr_cmd_usage(&tr_cmd_run);

	block_stop_signals(1);
	if ((status = prepare(&r, path)) != -1)
		return status;
	if ((status = open_all(&r)) == 0)
		status = serve(&r);

	tr_receivers_free(r.recv);
	tr_pruner_free(r.pruner);
	tr_alerter_free(r.alerter);
	if (r.st != NULL)
		tr_store_close(r.st);
	stopped(&r, status);
	tr_daemon_free(r.d);
	tr_budget_free(r.budget);
	tr_dkim_env_close(&r.dkim);
	tr_stats_free(r.stats);
	tr_daemon_watchdog_stop();
	tr_log_close();
	tr_config_free(&r.cfg);
	return status;
}

const struct tr_cmd tr_cmd_run = {
	.name = "run",
	.usage = "[-c FILE] [-f]",
	.help =
	    "Run the daemon: one event loop serves the receivers while a store\n"
	    "thread commits the messages they hand in, in groups; each sender\n"
	    "is answered only after the commit that holds its message. With\n"
	    "milter_socket set, Postfix or Sendmail pass mail to the rua\n"
	    "addresses through it; other mail passes untouched. With\n"
	    "smtp_listen or lmtp_listen set, tlsrptd takes the mail itself\n"
	    "(SMTP, with STARTTLS when tls_certificate is set, or LMTP).\n"
	    "\n"
	    "  -c FILE   configuration (default " DEFAULT_CONFIG ")\n"
	    "  -f        stay in the foreground. tlsrptd never forks, with or\n"
	    "            without -f: run it under systemd (Type=notify) or a\n"
	    "            supervisor; the flag is accepted for familiarity.\n"
	    "\n"
	    "Signals: SIGTERM, SIGINT and SIGHUP stop accepting, finish and\n"
	    "commit the queued messages and exit 0 within shutdown_timeout;\n"
	    "SIGUSR1 reopens the log file.\n"
	    "\n"
	    "Exit status: 0 after an orderly stop; 70 internal failure (or\n"
	    "shutdown_timeout overrun); 74 the database, log or socket could\n"
	    "not be opened; 78 configuration error.\n",
	.exec = cmd_run,
};
