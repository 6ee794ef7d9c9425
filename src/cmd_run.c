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

#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "smtp.h"
#include "store.h"

#define DEFAULT_CONFIG	"/etc/tlsrptd/tlsrptd.conf"

struct run {
	struct tr_config cfg;
	struct tr_store *st;
	struct tr_daemon *d;
	uid_t uid;			/* -1: stay who we are */
	gid_t gid;
	int milter;			/* a milter socket is configured */
	struct tr_smtp_server *smtp;	/* SMTP and LMTP listeners, or NULL */
	char status[512];		/* what sd_notify STATUS names */
};

/* add_list - a listener list as a JSON array */
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

/* status_text - "receiving reports on unix:..., smtp 127.0.0.1:25" */
static void
status_text(struct run *r)
{
	const struct tr_strlist *l[2] = { &r->cfg.smtp_listen,
	    &r->cfg.lmtp_listen };
	const char *name[2] = { "smtp", "lmtp" };
	size_t i, k, n;
	int sep = 0;

	n = (size_t)snprintf(r->status, sizeof(r->status), "receiving reports");
	if (r->milter) {
		n += (size_t)snprintf(r->status + n, sizeof(r->status) - n,
		    " on %s", r->cfg.milter_socket);
		sep = 1;
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < l[k]->n && n < sizeof(r->status); i++) {
			n += (size_t)snprintf(r->status + n, sizeof(r->status) -
			    n, "%s%s %s", sep ? ", " : " on ", name[k],
			    l[k]->v[i]);
			sep = 1;
		}
}

/* base_fields - version, socket and rua list for the lifecycle log lines */
static struct json_object *
base_fields(const struct run *r)
{
	struct json_object *f = json_object_new_object(), *rua;
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
	add_list(f, "smtp_listen", &r->cfg.smtp_listen);
	add_list(f, "lmtp_listen", &r->cfg.lmtp_listen);
	json_object_object_add(f, "database",
	    json_object_new_string(r->cfg.database));
	return f;
}

/* stopping - the loop began its orderly shutdown */
static void
stopping(void *arg)
{
	struct run *r = arg;

	/* no new sessions; idle ones are told, busy ones get their reply */
	tr_smtp_stop(r->smtp);
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

/* block_stop_signals - before any thread exists, so that every thread
 * inherits the mask and libmilter's sigwait thread alone gets them */
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
	struct tr_error err;
	struct tr_daemon_settings ds;
	const char *path = DEFAULT_CONFIG;
	int ch, status = TR_EXIT_OK;

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

	if (tr_config_load(path, &r.cfg, &err) != TR_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return TR_EXIT_CONFIG;
	}
	if (tr_config_check_run(&r.cfg, &err) != TR_OK) {
		fprintf(stderr, "%s\n", err.msg);
		tr_config_free(&r.cfg);
		return TR_EXIT_CONFIG;
	}
	r.milter = r.cfg.milter_socket != NULL;
	if (resolve_user(&r) == -1) {
		tr_config_free(&r.cfg);
		return TR_EXIT_CONFIG;
	}
	if (tr_log_open(r.cfg.log_target, r.cfg.log_level) == -1) {
		fprintf(stderr, "tlsrptd run: cannot open log %s: %s\n",
		    r.cfg.log_target, strerror(errno));
		tr_config_free(&r.cfg);
		return TR_EXIT_IOERR;
	}

	/* Bind while still privileged, then give the socket to the user. */
	if (r.milter && tr_milter_listen(&r.cfg, r.uid, r.gid, &err) != TR_OK) {
		log_warnx("%s", err.msg);
		fprintf(stderr, "tlsrptd run: %s\n", err.msg);
		status = TR_EXIT_IOERR;
		goto out;
	}
	if (tr_smtp_listen(&r.cfg, r.uid, r.gid, &r.smtp, &err) != TR_OK) {
		log_warnx("%s", err.msg);
		fprintf(stderr, "tlsrptd run: %s\n", err.msg);
		status = TR_EXIT_IOERR;
		goto out;
	}
	if (drop_privileges(&r) == -1) {
		status = TR_EXIT_SOFTWARE;
		goto out;
	}
	/* Opened as the final user: the -wal and -shm files SQLite creates
	 * next to the database must belong to whoever writes them later. */
	if (tr_store_open(r.cfg.database, 0, &r.st, &err) != TR_OK) {
		log_warnx("%s", err.msg);
		fprintf(stderr, "tlsrptd run: %s\n", err.msg);
		status = TR_EXIT_IOERR;
		goto out;
	}

	memset(&ds, 0, sizeof(ds));
	ds.limits = &r.cfg.limits;
	ds.queue_limit = r.cfg.queue_limit;
	ds.shutdown_timeout = r.cfg.shutdown_timeout;
	ds.handle_stop_signals = !r.milter;
	ds.on_stopping = stopping;
	ds.on_stopping_arg = &r;
	if ((r.d = tr_daemon_new(r.st, &ds)) == NULL) {
		status = TR_EXIT_SOFTWARE;
		goto out;
	}
	if (!r.milter)
		/* no libmilter signal thread: the loop's signal events take
		 * the stop signals (nothing else runs threads yet) */
		block_stop_signals(0);
	else if (tr_milter_start(r.d) == -1) {
		status = TR_EXIT_SOFTWARE;
		goto out;
	}

	if (r.smtp != NULL && tr_smtp_start(r.smtp, r.d) == -1) {
		status = TR_EXIT_SOFTWARE;
		if (r.milter) {
			tr_milter_stop();
			tr_milter_join();
		}
		goto out;
	}

	tr_log_event(TR_LOG_INFO, "started", base_fields(&r));
	status_text(&r);
	sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", r.status,
	    (unsigned long)getpid());

	if (tr_daemon_run(r.d) == -1)
		status = TR_EXIT_SOFTWARE;
	if (r.milter) {
		/* Normally smfi_main has already returned (it started the
		 * shutdown); if the loop failed, stop libmilter now. */
		if (status != TR_EXIT_OK)
			tr_milter_stop();
		if (tr_milter_join() == -1 && status == TR_EXIT_OK)
			status = TR_EXIT_SOFTWARE;
	}

out:
	tr_smtp_free(r.smtp);
	tr_milter_close();
	if (r.st != NULL)
		tr_store_close(r.st);
	stopped(&r, status);
	tr_daemon_free(r.d);
	tr_daemon_watchdog_stop();
	tr_log_close();
	tr_config_free(&r.cfg);
	return status;
}

const struct tr_cmd tr_cmd_run = {
	.name = "run",
	.usage = "[-c FILE] [-f]",
	.help =
	    "Run the daemon: one event loop owns the database and commits the\n"
	    "messages handed to it by the receivers in groups; each sender is\n"
	    "answered only after the commit that holds its message. With\n"
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
