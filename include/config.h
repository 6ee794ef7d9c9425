/* config.h - tlsrptd.conf: "key = value" lines, checked at load with file:line errors */
#ifndef TR_CONFIG_H
#define TR_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "dkim.h"
#include "error.h"
#include "limits.h"
#include "log.h"

enum tr_after_store {
	TR_AFTER_CONTINUE,	/* let the report mail go on to its mailbox */
	TR_AFTER_DISCARD,	/* drop it once stored (only if every rcpt is a rua) */
};

enum tr_on_invalid {
	TR_INVALID_ACCEPT,	/* quarantine and accept */
	TR_INVALID_REJECT,	/* quarantine and reject with a 5xx naming the reason */
};

/* A list of values that accumulates over repeated lines ("none" empties it). */
struct tr_strlist {
	char **v;
	size_t n;
};

struct tr_config {
	char *path;			/* the file it came from, or NULL */
	char *database;			/* database: a SQLite path or a
					 * PostgreSQL target */
	char *database_password_file;	/* database_password_file, or NULL */
	char *instance_name;		/* instance_name, NULL: gethostname() */
	char *log_target;		/* log: stdout, stderr or a file path */
	enum tr_loglevel log_level;	/* log_level */
	char **rua;			/* rua: "user@domain" or "@domain", lower-cased */
	size_t nrua;
	char *milter_socket;		/* milter_socket: unix:PATH, inet:PORT@HOST, or NULL = off */
	enum tr_after_store after_store;	/* after_store: continue | discard */
	enum tr_on_invalid on_invalid;	/* invalid_report: accept | reject */
	char *user;			/* user to run as after binding, or NULL */
	char *group;			/* group, or NULL (the user's group) */
	unsigned queue_limit;		/* queue_limit: messages waiting for the loop before tempfail */
	unsigned shutdown_timeout;	/* shutdown_timeout: seconds to finish in-flight work */
	struct tr_limits limits;	/* message_size_limit, report_size_limit, ... */
	size_t max_inflight_bytes;	/* max_inflight_bytes: messages between
					 * their first byte and their commit */
	unsigned milter_max_connections;	/* milter_max_connections */

	/* The SMTP and LMTP listener (tlsrptd's own MX). A listen address is
	 * "IPv4:PORT", "[IPv6]:PORT", "*:PORT" (every address) or "unix:PATH"
	 * (made absolute). */
	struct tr_strlist smtp_listen;	/* smtp_listen */
	struct tr_strlist lmtp_listen;	/* lmtp_listen */
	char *smtp_hostname;		/* smtp_hostname, NULL: gethostname() */
	unsigned smtp_max_connections;	/* smtp_max_connections: all clients */
	unsigned smtp_max_per_client;	/* smtp_max_per_client: per IP address */
	unsigned smtp_timeout;		/* smtp_timeout: seconds idle on a read */
	unsigned smtp_data_timeout;	/* smtp_data_timeout: seconds for one DATA */
	unsigned smtp_command_timeout;	/* smtp_command_timeout: seconds for one
					 * whole command line, from its prompt */
	unsigned smtp_session_timeout;	/* smtp_session_timeout: a whole session */
	unsigned smtp_tls_timeout;	/* smtp_tls_timeout: the TLS handshake */
	unsigned evict_after;		/* evict_after: seconds before an SMTP or
					 * HTTP connection may be closed to
					 * make room for a newcomer */

	/* TLS for STARTTLS and https_listen: PEM files, or NULL = no TLS */
	char *tls_certificate;		/* tls_certificate (chain allowed) */
	char *tls_key;			/* tls_key */

	/* The HTTP(S) report endpoint (rua=https:) */
	struct tr_strlist http_listen;	/* http_listen: plain HTTP */
	struct tr_strlist https_listen;	/* https_listen: HTTP over TLS */
	char *http_path;		/* http_path: where reports are POSTed */
	struct tr_strlist http_trusted_proxies;	/* IP literals */
	char *http_proxy_header;	/* http_proxy_header: client address from a proxy */
	unsigned http_max_connections;	/* http_max_connections */
	unsigned http_timeout;		/* http_timeout: seconds for one request */

	/* Operators' answers: metrics, alerts, retention */
	struct tr_strlist metrics_listen;	/* metrics_listen: GET /metrics */
	struct tr_strlist dashboard_listen;	/* dashboard_listen: the web view */
	int dashboard_tls;		/* dashboard_tls: 1 = HTTPS */
	char *dashboard_users;		/* dashboard_users: basic auth, or NULL */
	unsigned dashboard_query_timeout; /* dashboard_query_timeout: seconds
					 * a page may query */
	double alert_failure_rate;	/* alert_failure_rate: percent, 0 = off */
	unsigned alert_min_sessions;	/* alert_min_sessions */
	char *alert_command;		/* alert_command: run with the alert on stdin */
	unsigned alert_max_per_report;	/* alert_max_per_report */
	unsigned alert_max_per_hour;	/* alert_max_per_hour */
	unsigned retention_days;	/* retention_days: reports; 0 = keep */
	unsigned quarantine_retention_days;	/* quarantine_retention_days */

	/* The site's own domains: a policy domain counts under the longest
	 * listed domain it equals or ends in (an MX name under its domain) */
	struct tr_strlist domains;	/* domains: lower case, no final dot */
	int quarantine_not_ours;	/* quarantine_not_ours: 1 = yes */

	/* Trusted reports: DKIM of report mail (RFC 8460 section 3) */
	enum tr_dkim_policy dkim;	/* dkim: require | record | off */
	unsigned dkim_timeout;		/* dkim_timeout: seconds for a key lookup */
	char *dkim_resolver;		/* dkim_resolver: address[:port], NULL: resolv.conf */
	char *dkim_trusted_authserv_id;	/* dkim_trusted_authserv_id, or NULL */
};

/* tr_config_defaults - the built-in defaults (see tlsrptd.conf(5)) */
void tr_config_defaults(struct tr_config *c);

/*
 * tr_config_load - defaults, then the file at path. Unknown keys, bad values,
 * duplicate single-valued keys and a missing or unreadable file are errors
 * whose message starts with "path:line: " (TR_ERR_IO for the file itself,
 * TR_ERR_SCHEMA for its content). On error c is left freed.
 */
enum tr_err tr_config_load(const char *path, struct tr_config *c,
    struct tr_error *err);

/*
 * tr_config_load_buf - as tr_config_load, for configuration text already in
 * memory: name is used in messages and its directory for relative paths.
 */
enum tr_err tr_config_load_buf(const char *buf, size_t len, const char *name,
    struct tr_config *c, struct tr_error *err);

/* tr_config_check_run - what running the daemon needs beyond a loadable
 * file: at least one rua address, a listener, and a certificate and key
 * together when https_listen is set (TR_ERR_SCHEMA otherwise) */
enum tr_err tr_config_check_run(const struct tr_config *c,
    struct tr_error *err);

void tr_config_free(struct tr_config *c);

/* the run-time lookups and the dump, declared with their own modules */
#include "config_dump.h"
#include "config_lookup.h"

#endif
