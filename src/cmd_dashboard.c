/* cmd_dashboard.c - tlsrptd dashboard: the web view of a database, read-only */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "cmd.h"
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

/* cmd_dashboard - tlsrptd dashboard [--db PATH | -c FILE] [--listen ADDR] */
static int
cmd_dashboard(int argc, char **argv)
{
	struct tr_cmd_db db;
	struct tr_store *st = NULL;
	struct tr_dashboard *h = NULL;
	struct event_base *base = NULL;
	struct event *sigint = NULL, *sigterm = NULL;
	struct tr_strlist one;
	const struct tr_strlist *addrs;
	const char *cert = NULL, *key = NULL, *users = NULL;
	struct tr_dash_auth *auth = NULL;
	char *listen_addr = NULL;
	struct tr_error err;
	SSL_CTX *ssl = NULL;
	unsigned query_s = 0;
	size_t i;
	int ch, rc;
	char *end;

	memset(&db, 0, sizeof(db));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", dash_opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db.db = optarg;
			break;
		case 'c':
			db.config = optarg;
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'u':
			users = optarg;
			break;
		case 'q':
			errno = 0;
			query_s = (unsigned)strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    query_s < 1 || query_s > 600) {
				fprintf(stderr, "tlsrptd dashboard: "
				    "--query-timeout: seconds from 1 to 600, "
				    "not \"%s\"\n", optarg);
				return tr_cmd_usage(&tr_cmd_dashboard);
			}
			break;
		case 'h':
			return tr_cmd_help(&tr_cmd_dashboard);
		default:
			return tr_cmd_usage(&tr_cmd_dashboard);
		}
	}
	if (optind != argc)
		return tr_cmd_usage(&tr_cmd_dashboard);
	if ((cert == NULL) != (key == NULL)) {
		fprintf(stderr, "tlsrptd dashboard: --tls-cert and --tls-key go "
		    "together\n");
		return tr_cmd_usage(&tr_cmd_dashboard);
	}
	if ((rc = tr_cmd_db_open("dashboard", &db, TR_STORE_READONLY, &st)) !=
	    TR_EXIT_OK) {
		tr_cmd_db_free(&db);
		return rc;
	}
	/* the address: --listen, else the configuration's, else loopback */
	one.n = 1;
	one.v = &listen_addr;
	addrs = &one;
	if (listen_addr == NULL && db.have_cfg && db.cfg.dashboard_listen.n > 0)
		addrs = &db.cfg.dashboard_listen;
	else if (listen_addr == NULL)
		listen_addr = DEFAULT_LISTEN;
	if (cert == NULL && db.have_cfg && db.cfg.dashboard_tls) {
		cert = db.cfg.tls_certificate;
		key = db.cfg.tls_key;
	}
	if (users == NULL && db.have_cfg)
		users = db.cfg.dashboard_users;
	rc = TR_EXIT_IOERR;
	if (users != NULL && (auth = tr_dash_auth_load(users, &err)) == NULL) {
		fprintf(stderr, "tlsrptd dashboard: %s\n", err.msg);
		rc = err.code == TR_ERR_IO ? TR_EXIT_IOERR : TR_EXIT_CONFIG;
		goto out;
	}
	if (cert != NULL && (ssl = tr_tls_server_ctx(cert, key, &err)) ==
	    NULL) {
		fprintf(stderr, "tlsrptd dashboard: %s\n", err.msg);
		goto out;
	}
	if ((h = tr_dashboard_listen(addrs, (uid_t)-1, (gid_t)-1, &err)) ==
	    NULL) {
		fprintf(stderr, "tlsrptd dashboard: %s\n", err.msg);
		goto out;
	}
	if (query_s == 0 && db.have_cfg)
		query_s = db.cfg.dashboard_query_timeout;
	tr_dashboard_set_query_ms(h, query_s * 1000);
	rc = TR_EXIT_SOFTWARE;
	if ((base = event_base_new()) == NULL ||
	    (sigint = evsignal_new(base, SIGINT, on_signal, base)) == NULL ||
	    (sigterm = evsignal_new(base, SIGTERM, on_signal, base)) == NULL ||
	    evsignal_add(sigint, NULL) == -1 ||
	    evsignal_add(sigterm, NULL) == -1 ||
	    tr_dashboard_start(h, base, st, ssl, auth) == -1) {
		fprintf(stderr, "tlsrptd dashboard: cannot set up the event "
		    "loop\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < addrs->n; i++)
		fprintf(stderr, "tlsrptd dashboard: %s on %s%s%s (read-only; "
		    "Ctrl-C stops)\n", db.path, strncmp(addrs->v[i], "unix:",
		    5) == 0 ? "" : ssl != NULL ? "https://" : "http://",
		    addrs->v[i], strncmp(addrs->v[i], "unix:", 5) == 0 ? "" :
		    "/");
	fflush(stderr);
	rc = event_base_dispatch(base) == -1 ? TR_EXIT_SOFTWARE : TR_EXIT_OK;
out:
	tr_dashboard_free(h);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	if (base != NULL)
		event_base_free(base);
	if (ssl != NULL)
		SSL_CTX_free(ssl);
	tr_dash_auth_free(auth);
	tr_store_close(st);
	tr_cmd_db_free(&db);
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
