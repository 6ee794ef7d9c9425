/* cmd_dashboard.c - tlsrptd dashboard: the web view of a database, read-only */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "cmd.h"
#include "cmd_args.h"
#include "cmd_db.h"
#include "dashboard_auth.h"
#include "dashboard_http.h"
#include "log.h"
#include "tls.h"

#define DEFAULT_LISTEN	"127.0.0.1:8467"

/* on_signal - SIGINT or SIGTERM: leave the loop */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

static const struct option dash_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "tls-cert", required_argument, NULL, 'C' },
	{ "tls-key", required_argument, NULL, 'K' },
	{ "users", required_argument, NULL, 'u' },
	{ "query-timeout", required_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The command line of one run. */
struct dash_args {
	struct tr_cmd_db db;
	const char *cert, *key, *users;
	char *listen_addr;
	unsigned query_s;		/* --query-timeout, 0: not given */
};

/* query_seconds - --query-timeout's value into *out; 0, or -1 (said) */
static int
query_seconds(const char *arg, unsigned *out)
{
	long v;

	if ((v = tr_cmd_number(arg, 1, 600)) == -1) {
		fprintf(stderr, "tlsrptd dashboard: --query-timeout: seconds "
		    "from 1 to 600, not \"%s\"\n", arg);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* dash_parse - the options into a: -1 to go on, else the exit status */
static int
dash_parse(int argc, char **argv, struct dash_args *a)
{
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", dash_opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			a->db.db = optarg;
			break;
		case 'c':
			a->db.config = optarg;
			break;
		case 'l':
			a->listen_addr = optarg;
			break;
		case 'C':
			a->cert = optarg;
			break;
		case 'K':
			a->key = optarg;
			break;
		case 'u':
			a->users = optarg;
			break;
		case 'q':
			if (query_seconds(optarg, &a->query_s) == -1)
				return tr_cmd_usage(&tr_cmd_dashboard);
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_dashboard);
		default:
			return tr_cmd_usage(&tr_cmd_dashboard);
		}
	}
	if (optind != argc)
		return tr_cmd_usage(&tr_cmd_dashboard);
	if ((a->cert == NULL) != (a->key == NULL)) {
		fprintf(stderr, "tlsrptd dashboard: --tls-cert and --tls-key go "
		    "together\n");
		return tr_cmd_usage(&tr_cmd_dashboard);
	}
	return -1;
}

/* The event loop and its stop signals. */
struct loop {
	struct event_base *base;
	struct event *sigint, *sigterm;
};

/* loop_free - the signal events, then the base */
static void
loop_free(struct loop *lp)
{
	if (lp->sigint != NULL)
		event_free(lp->sigint);
	if (lp->sigterm != NULL)
		event_free(lp->sigterm);
	if (lp->base != NULL)
		event_base_free(lp->base);
}

/* serve - the dashboard h on a new loop until SIGINT or SIGTERM, after
 * saying where; the exit status */
static int
serve(struct loop *lp, struct tr_dashboard *h, struct tr_store *st,
    SSL_CTX *ssl, struct tr_dash_auth *auth, const char *path,
    const struct tr_strlist *addrs)
{
	size_t i;

	if ((lp->base = event_base_new()) == NULL ||
	    (lp->sigint = evsignal_new(lp->base, SIGINT, on_signal,
	    lp->base)) == NULL ||
	    (lp->sigterm = evsignal_new(lp->base, SIGTERM, on_signal,
	    lp->base)) == NULL ||
	    evsignal_add(lp->sigint, NULL) == -1 ||
	    evsignal_add(lp->sigterm, NULL) == -1 ||
	    tr_dashboard_start(h, lp->base, st, ssl, auth) == -1) {
		fprintf(stderr, "tlsrptd dashboard: cannot set up the event "
		    "loop\n");
		return TR_EXIT_SOFTWARE;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < addrs->n; i++)
		fprintf(stderr, "tlsrptd dashboard: %s on %s%s%s (read-only; "
		    "Ctrl-C stops)\n", path, strncmp(addrs->v[i], "unix:",
		    5) == 0 ? "" : ssl != NULL ? "https://" : "http://",
		    addrs->v[i], strncmp(addrs->v[i], "unix:", 5) == 0 ? "" :
		    "/");
	fflush(stderr);
	return event_base_dispatch(lp->base) == -1 ? TR_EXIT_SOFTWARE :
	    TR_EXIT_OK;
}

/* cmd_dashboard - tlsrptd dashboard [options] */
static int
cmd_dashboard(int argc, char **argv)
{
	struct dash_args a;
	struct tr_store *st = NULL;
	struct tr_dashboard *h = NULL;
	struct loop lp = { NULL, NULL, NULL };
	struct tr_strlist one;
	const struct tr_strlist *addrs;
	struct tr_dash_auth *auth = NULL;
	struct tr_error err;
	SSL_CTX *ssl = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = dash_parse(argc, argv, &a)) != -1)
		return rc;
	if ((rc = tr_cmd_db_open("dashboard", &a.db, TR_STORE_READONLY,
	    &st)) != TR_EXIT_OK) {
		tr_cmd_db_free(&a.db);
		return rc;
	}
	/* the address: --listen, else the configuration's, else loopback */
	one.n = 1;
	one.v = &a.listen_addr;
	addrs = &one;
	if (a.listen_addr == NULL && a.db.have_cfg &&
	    a.db.cfg.dashboard_listen.n > 0)
		addrs = &a.db.cfg.dashboard_listen;
	else if (a.listen_addr == NULL)
		a.listen_addr = DEFAULT_LISTEN;
	if (a.cert == NULL && a.db.have_cfg && a.db.cfg.dashboard_tls) {
		a.cert = a.db.cfg.tls_certificate;
		a.key = a.db.cfg.tls_key;
	}
	if (a.users == NULL && a.db.have_cfg)
		a.users = a.db.cfg.dashboard_users;
	rc = TR_EXIT_IOERR;
	if (a.users != NULL && (auth = tr_dash_auth_load(a.users, &err)) ==
	    NULL) {
		fprintf(stderr, "tlsrptd dashboard: %s\n", err.msg);
		rc = err.code == TR_ERR_IO ? TR_EXIT_IOERR : TR_EXIT_CONFIG;
	} else if (a.cert != NULL && (ssl = tr_tls_server_ctx(a.cert, a.key,
	    &err)) == NULL)
		fprintf(stderr, "tlsrptd dashboard: %s\n", err.msg);
	else if ((h = tr_dashboard_listen(addrs, (uid_t)-1, (gid_t)-1,
	    &err)) == NULL)
		fprintf(stderr, "tlsrptd dashboard: %s\n", err.msg);
	else {
		if (a.query_s == 0 && a.db.have_cfg)
			a.query_s = a.db.cfg.dashboard_query_timeout;
		tr_dashboard_set_query_ms(h, a.query_s * 1000);
		rc = serve(&lp, h, st, ssl, auth, a.db.path, addrs);
	}
	tr_dashboard_free(h);
	loop_free(&lp);
	if (ssl != NULL)
		SSL_CTX_free(ssl);
	tr_dash_auth_free(auth);
	tr_store_close(st);
	tr_cmd_db_free(&a.db);
	return rc;
}

const struct tr_cmd tr_cmd_dashboard = {
	.name = "dashboard",
	.usage = "[--db PATH | -c FILE] [--listen ADDR]\n"
	    "       [--tls-cert FILE --tls-key FILE] [--users FILE]\n"
	    "       [--query-timeout SECONDS]",
	.help =
	    "Serve the web dashboard of a database, read-only: an overview of\n"
	    "every policy domain, a page per domain with daily charts and\n"
	    "breakdowns, the reports, the quarantine and the senders. The\n"
	    "pages are HTML with SVG charts: no script, nothing loaded from\n"
	    "another host. The running daemon serves the same pages on\n"
	    "dashboard_listen (tlsrptd.conf(5)).\n"
	    "\n"
	    "  --db PATH        database (default: -c's, else $TLSRPTD_DB, else\n"
	    "                   " TR_DEFAULT_DB ")\n"
	    "  -c FILE          take the database, and dashboard_listen,\n"
	    "                   dashboard_tls, dashboard_users and\n"
	    "                   dashboard_query_timeout, from a tlsrptd.conf\n"
	    "  --listen ADDR    where to listen: IPv4:PORT, [IPv6]:PORT, *:PORT\n"
	    "                   or unix:PATH (default " DEFAULT_LISTEN "; keep it\n"
	    "                   on loopback, or use --users and TLS, or a proxy\n"
	    "                   that authenticates)\n"
	    "  --tls-cert FILE  serve HTTPS with this PEM certificate chain\n"
	    "  --tls-key FILE   ... and this key\n"
	    "  --users FILE     HTTP basic authentication: lines name:hash, the\n"
	    "                   hash from crypt(3) (mkpasswd -m yescrypt)\n"
	    "  --query-timeout SECONDS\n"
	    "                   the longest one page's queries may take; a\n"
	    "                   page that needs more is answered 503 (default\n"
	    "                   2)\n"
	    "\n"
	    "SIGINT or SIGTERM stop it.\n"
	    "\n"
	    "Exit status: 0 after a stop; 64 usage error; 66 no such database;\n"
	    "74 the database, certificate, users file or address could not be\n"
	    "opened; 78 configuration error (a bad users file included).\n",
	.exec = cmd_dashboard,
};
