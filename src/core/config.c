/* config.c - tlsrptd.conf: the table of keys, and the file read line by line into it */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_set.h"

/* longer lines are refused, not cut; room for the longest value tlsrptd
 * itself writes back (--dump): a path of PATH_BYTES, every byte escaped */
#define LINE_MAX_BYTES	16384
#define FILE_MAX_BYTES	(1024 * 1024)	/* a config file is never this big */

#define KB	TR_CONFIG_KB
#define MB	TR_CONFIG_MB
#define GB	TR_CONFIG_GB

static const char *const level_choices[] = {
	"error", "warn", "info", "debug", NULL	/* = enum tr_loglevel */
};
static const char *const after_choices[] = {
	"continue", "discard", NULL		/* = enum tr_after_store */
};
static const char *const invalid_choices[] = {
	"accept", "reject", NULL		/* = enum tr_on_invalid */
};
static const char *const yesno_choices[] = {
	"no", "yes", NULL			/* = 0, 1 */
};
static const char *const dkim_choices[] = {
	"off", "record", "require", NULL	/* = enum tr_dkim_policy */
};

#define OFF(f)	offsetof(struct tr_config, f)


/*
 * Every key of tlsrptd.conf(5). The defaults are applied through the same
 * setters as the file's values, so they obey the same ranges; the limit
 * defaults repeat tr_limits_default() and a unit test keeps the two equal.
 */
const struct tr_config_key tr_config_keys[] = {
	{ "database", K_DATABASE, OFF(database), 0, 0, NULL,
	    "/var/lib/tlsrptd/tlsrptd.db" },
	{ "database_password_file", K_PATH, OFF(database_password_file), 0, 0,
	    NULL, NULL },
	{ "instance_name", K_HOST, OFF(instance_name), 0, 0, NULL, NULL },
	{ "log", K_LOG, OFF(log_target), 0, 0, NULL, "stderr" },
	{ "log_level", K_ENUM, OFF(log_level), 0, 0, level_choices, "info" },
	{ "rua", K_LIST, OFF(rua), 0, 0, NULL, NULL },
	{ "milter_socket", K_SOCKET, OFF(milter_socket), 0, 0, NULL,
	    "unix:/run/tlsrptd/milter.sock" },
	{ "after_store", K_ENUM, OFF(after_store), 0, 0, after_choices,
	    "continue" },
	{ "invalid_report", K_ENUM, OFF(on_invalid), 0, 0, invalid_choices,
	    "accept" },
	{ "user", K_STRING, OFF(user), 0, 0, NULL, NULL },
	{ "group", K_STRING, OFF(group), 0, 0, NULL, NULL },
	{ "queue_limit", K_UINT, OFF(queue_limit), 1, 1000000, NULL, "1000" },
	{ "shutdown_timeout", K_UINT, OFF(shutdown_timeout), 1, 3600, NULL,
	    "30" },
	{ "message_size_limit", K_SIZE, OFF(limits.max_message), KB, GB, NULL,
	    "10M" },
	{ "report_size_limit", K_SIZE, OFF(limits.max_report), KB, GB, NULL,
	    "16M" },
	{ "mime_nesting_limit", K_UINT, OFF(limits.max_mime_depth), 1, 64,
	    NULL, "8" },
	{ "mime_part_limit", K_UINT, OFF(limits.max_mime_parts), 1, 10000,
	    NULL, "100" },
	{ "decompression_ratio_limit", K_UINT, OFF(limits.max_ratio), 10,
	    100000, NULL, "200" },
	{ "json_depth_limit", K_UINT, OFF(limits.max_json_depth), 4, 64, NULL,
	    "16" },
	{ "report_part_limit", K_UINT, OFF(limits.max_reports), 1, 1000, NULL,
	    "16" },
	{ "report_policy_limit", K_SIZE, OFF(limits.max_policies), 1, 1000000,
	    NULL, "1000" },
	{ "report_failure_detail_limit", K_SIZE,
	    OFF(limits.max_report_details), 1, 10000000, NULL, "10000" },
	{ "message_policy_limit", K_SIZE, OFF(limits.max_message_policies), 1,
	    1000000, NULL, "2000" },
	{ "message_failure_detail_limit", K_SIZE,
	    OFF(limits.max_message_details), 1, 10000000, NULL, "20000" },
	{ "max_inflight_bytes", K_SIZE, OFF(max_inflight_bytes), MB, 1024 * GB,
	    NULL, "256M" },
	{ "smtp_listen", K_LISTEN, OFF(smtp_listen), 0, 0, NULL, NULL },
	{ "lmtp_listen", K_LISTEN, OFF(lmtp_listen), 0, 0, NULL, NULL },
	{ "smtp_hostname", K_HOST, OFF(smtp_hostname), 0, 0, NULL, NULL },
	{ "smtp_max_connections", K_UINT, OFF(smtp_max_connections), 1, 100000,
	    NULL, "200" },
	{ "smtp_max_per_client", K_UINT, OFF(smtp_max_per_client), 1, 100000,
	    NULL, "20" },
	{ "smtp_timeout", K_UINT, OFF(smtp_timeout), 1, 3600, NULL, "300" },
	{ "smtp_data_timeout", K_UINT, OFF(smtp_data_timeout), 1, 86400, NULL,
	    "600" },
	{ "smtp_command_timeout", K_UINT, OFF(smtp_command_timeout), 1, 3600,
	    NULL, "300" },
	{ "smtp_session_timeout", K_UINT, OFF(smtp_session_timeout), 1, 86400,
	    NULL, "1800" },
	{ "smtp_tls_timeout", K_UINT, OFF(smtp_tls_timeout), 1, 3600, NULL,
	    "30" },
	{ "evict_after", K_UINT, OFF(evict_after), 0, 3600, NULL,
	    "10" },
	{ "tls_certificate", K_PATH, OFF(tls_certificate), 0, 0, NULL, NULL },
	{ "tls_key", K_PATH, OFF(tls_key), 0, 0, NULL, NULL },
	{ "http_listen", K_LISTEN, OFF(http_listen), 0, 0, NULL, NULL },
	{ "https_listen", K_LISTEN, OFF(https_listen), 0, 0, NULL, NULL },
	{ "http_path", K_URLPATH, OFF(http_path), 0, 0, NULL, "/tlsrpt" },
	{ "http_trusted_proxies", K_IPLIST, OFF(http_trusted_proxies), 0, 0,
	    NULL, NULL },
	{ "http_proxy_header", K_TOKEN, OFF(http_proxy_header), 0, 0, NULL,
	    "X-Forwarded-For" },
	{ "http_max_connections", K_UINT, OFF(http_max_connections), 1, 100000,
	    NULL, "200" },
	{ "http_timeout", K_UINT, OFF(http_timeout), 1, 3600, NULL, "60" },
	{ "milter_max_connections", K_UINT, OFF(milter_max_connections), 1,
	    100000, NULL, "200" },
	{ "metrics_listen", K_LISTEN, OFF(metrics_listen), 0, 0, NULL, NULL },
	{ "dashboard_listen", K_LISTEN, OFF(dashboard_listen), 0, 0, NULL,
	    NULL },
	{ "dashboard_tls", K_ENUM, OFF(dashboard_tls), 0, 0, yesno_choices,
	    "no" },
	{ "dashboard_users", K_PATH, OFF(dashboard_users), 0, 0, NULL, NULL },
	{ "dashboard_query_timeout", K_UINT, OFF(dashboard_query_timeout), 1,
	    600, NULL, "2" },
	{ "alert_failure_rate", K_PERCENT, OFF(alert_failure_rate), 0, 0, NULL,
	    "0" },
	{ "alert_min_sessions", K_UINT, OFF(alert_min_sessions), 1, 1000000000,
	    NULL, "100" },
	{ "alert_command", K_PATH, OFF(alert_command), 0, 0, NULL, NULL },
	{ "alert_max_per_report", K_UINT, OFF(alert_max_per_report), 1, 100000,
	    NULL, "20" },
	{ "alert_max_per_hour", K_UINT, OFF(alert_max_per_hour), 1, 1000000,
	    NULL, "200" },
	{ "retention_days", K_UINT, OFF(retention_days), 0, 36500, NULL, "0" },
	{ "domains", K_DOMAINS, OFF(domains), 0, 0, NULL, NULL },
	{ "quarantine_not_ours", K_ENUM, OFF(quarantine_not_ours), 0, 0,
	  yesno_choices, "no" },
	{ "quarantine_retention_days", K_UINT, OFF(quarantine_retention_days),
	    0, 36500, NULL, "0" },
	{ "dkim", K_ENUM, OFF(dkim), 0, 0, dkim_choices, "require" },
	{ "dkim_timeout", K_UINT, OFF(dkim_timeout), 1, 60, NULL, "5" },
	{ "dkim_resolver", K_RESOLVER, OFF(dkim_resolver), 0, 0, NULL, NULL },
	{ "dkim_trusted_authserv_id", K_TOKEN, OFF(dkim_trusted_authserv_id),
	    0, 0, NULL, NULL },
};
#define NKEYS	(sizeof(tr_config_keys) / sizeof(tr_config_keys[0]))
const size_t tr_config_nkeys = NKEYS;

/* tr_config_defaults - the built-in defaults (see tlsrptd.conf(5)) */
void
tr_config_defaults(struct tr_config *c)
{
	struct tr_config_origin o = { NULL, NULL, 0, NULL };
	size_t i;

	memset(c, 0, sizeof(*c));
	/* the limits without a key of their own */
	tr_limits_default(&c->limits);
	/* only strdup can fail here; tr_config_load checks for it */
	for (i = 0; i < NKEYS; i++)
		if (tr_config_keys[i].def != NULL)
			(void)tr_config_set(&o, &tr_config_keys[i], c,
			    tr_config_keys[i].def);
}

/* defaults_complete - whether tr_config_defaults got all its memory */
static int
defaults_complete(const struct tr_config *c)
{
	return c->database != NULL && c->log_target != NULL &&
	    c->milter_socket != NULL && c->http_path != NULL &&
	    c->http_proxy_header != NULL;
}

/* tr_config_trim - strip spaces and tabs from both ends of [*s, *e) */
void
tr_config_trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* unquote - the value of [s, e) into out (LINE_MAX_BYTES + 1): a "quoted"
 * value may hold \" and \\ and keeps its spaces and # signs */
static enum tr_err
unquote(const struct tr_config_origin *o, const char *s, const char *e,
    char *out)
{
	size_t n = 0;

	if (s == e || *s != '"') {
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
		return TR_OK;
	}
	for (s++; s < e && *s != '"'; s++) {
		if (*s == '\\' && s + 1 < e && (s[1] == '"' || s[1] == '\\'))
			s++;
		out[n++] = *s;
	}
	if (s == e)
		return tr_config_bad(o, "unterminated quoted value");
	if (s + 1 != e)
		return tr_config_bad(o, "text after the closing quote");
	out[n] = '\0';
	return TR_OK;
}

/* parse_line - one line without its newline: blank, comment or key = value */
static enum tr_err
parse_line(struct tr_config_origin *o, const char *s, const char *e,
    struct tr_config *c, unsigned *seen)
{
	char q[QUOTE_MAX * 4 + 8], value[LINE_MAX_BYTES + 1];
	const char *p, *eq, *ks, *ke;
	const struct tr_config_key *k;
	enum tr_err err;
	size_t i, klen;

	for (p = s; p < e; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') || *p == 0x7f)
			return tr_config_bad(o,
			    "control character 0x%02x in the line",
			    (unsigned char)*p);
	tr_config_trim(&s, &e);
	if (s == e || *s == '#')
		return TR_OK;
	if ((eq = memchr(s, '=', (size_t)(e - s))) == NULL)
		return tr_config_bad(o, "expected \"key = value\"");
	ks = s;
	ke = eq;
	tr_config_trim(&ks, &ke);
	if (ks == ke)
		return tr_config_bad(o, "expected \"key = value\"");
	for (p = ks; p < ke; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' &&
		    *p != '.')
			return tr_config_bad(o, "expected \"key = value\"");
	klen = (size_t)(ke - ks);
	for (i = 0; i < NKEYS; i++)
		if (strlen(tr_config_keys[i].name) == klen &&
		    memcmp(tr_config_keys[i].name, ks, klen) == 0)
			break;
	if (i == NKEYS) {
		tr_quote(q, sizeof(q), ks, klen, QUOTE_MAX);
		return tr_config_bad(o, "unknown key %s", q);
	}
	k = &tr_config_keys[i];
	if (seen[i] != 0 && k->type != K_LIST && k->type != K_LISTEN &&
	    k->type != K_IPLIST && k->type != K_DOMAINS)
		return tr_config_bad(o, "%s given twice (first at line %u)",
		    k->name, seen[i]);
	if (seen[i] == 0)
		seen[i] = o->line;
	s = eq + 1;
	tr_config_trim(&s, &e);
	if ((err = unquote(o, s, e, value)) != TR_OK)
		return err;
	return tr_config_set(o, k, c, value);
}

/* parse - every line of buf over the defaults already in c */
static enum tr_err
parse(struct tr_config_origin *o, const char *buf, size_t len,
    struct tr_config *c)
{
	unsigned seen[NKEYS];
	const char *p = buf, *end = buf + len, *nl, *le;
	enum tr_err err;

	memset(seen, 0, sizeof(seen));
	for (o->line = 1; p < end; o->line++, p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		le = nl;
		if (le > p && le[-1] == '\r')
			le--;
		if (le - p > LINE_MAX_BYTES)
			return tr_config_bad(o, "line longer than %d bytes",
			    LINE_MAX_BYTES);
		if ((err = parse_line(o, p, le, c, seen)) != TR_OK)
			return err;
	}
	return TR_OK;
}

/* basedir_of - the absolute directory of name when it exists, else its
 * dirname as written (a new string, or NULL when out of memory) */
static char *
basedir_of(const char *name)
{
	char *copy, *dir, *real;

	if ((copy = strdup(name)) == NULL)
		return NULL;
	dir = dirname(copy);
	if ((real = realpath(dir, NULL)) == NULL)
		real = strdup(dir);
	free(copy);
	return real;
}

/*
 * tr_config_load_buf - defaults, then the configuration text buf; name is
 * used in messages and its directory for relative paths. Errors as for
 * tr_config_load.
 */
enum tr_err
tr_config_load_buf(const char *buf, size_t len, const char *name,
    struct tr_config *c, struct tr_error *err)
{
	struct tr_config_origin o;
	enum tr_err e;
	char *basedir;

	tr_error_clear(err);
	tr_config_defaults(c);
	o.name = name;
	o.line = 0;
	o.err = err;
	o.basedir = NULL;
	if (!defaults_complete(c) || (c->path = strdup(name)) == NULL ||
	    (basedir = basedir_of(name)) == NULL) {
		tr_config_free(c);
		return tr_config_nomem(&o);
	}
	o.basedir = basedir;
	e = parse(&o, buf, len, c);
	free(basedir);
	if (e != TR_OK)
		tr_config_free(c);
	return e;
}

/*
 * trusted_file - refuse a configuration that someone other than root or
 * the user running us could have written: it names the commands, files and
 * sockets the daemon uses while still root (alert_command, log, database),
 * so a file writable by group or others, or owned by another user, would
 * hand root to them. Checked on the open descriptor: what is read is what
 * was checked.
 */
static enum tr_err
trusted_file(const char *path, int fd, struct tr_error *err)
{
	struct stat sb;

	if (fstat(fd, &sb) == -1)
		return tr_error_set(err, TR_ERR_IO, "%s: cannot stat: %s",
		    path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return tr_error_set(err, TR_ERR_IO, "%s: not a regular file",
		    path);
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return tr_error_set(err, TR_ERR_IO, "%s: writable by %s (mode "
		    "%04o): refusing a configuration others could change; "
		    "chmod go-w it", path, (sb.st_mode & S_IWOTH) != 0 ?
		    "anyone" : "its group", (unsigned)(sb.st_mode & 07777));
	if (sb.st_uid != 0 && sb.st_uid != geteuid())
		return tr_error_set(err, TR_ERR_IO, "%s: owned by uid %lu, "
		    "neither root nor the user running tlsrptd (uid %lu): "
		    "refusing a configuration another user could change",
		    path, (unsigned long)sb.st_uid, (unsigned long)geteuid());
	return TR_OK;
}

/* read_file - the whole file at path, bounded, into a new buffer */
static enum tr_err
read_file(const char *path, char **bufp, size_t *lenp, struct tr_error *err)
{
	char *buf;
	size_t len = 0, n;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return tr_error_set(err, TR_ERR_IO, "%s: cannot open: %s", path,
		    strerror(errno));
	if (trusted_file(path, fd, err) != TR_OK) {
		close(fd);
		return err->code;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory",
		    path);
	}
	if ((buf = malloc(FILE_MAX_BYTES + 1)) == NULL) {
		fclose(f);
		return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory",
		    path);
	}
	/* one byte more than allowed tells a too-large file from a full one */
	while (len <= FILE_MAX_BYTES &&
	    (n = fread(buf + len, 1, FILE_MAX_BYTES + 1 - len, f)) > 0)
		len += n;
	if (ferror(f)) {
		tr_error_set(err, TR_ERR_IO, "%s: cannot read: %s", path,
		    strerror(errno));
		fclose(f);
		free(buf);
		return TR_ERR_IO;
	}
	fclose(f);
	if (len > FILE_MAX_BYTES) {
		free(buf);
		return tr_error_set(err, TR_ERR_IO, "%s: larger than %d bytes",
		    path, FILE_MAX_BYTES);
	}
	*bufp = buf;
	*lenp = len;
	return TR_OK;
}

/* tr_config_load - defaults, then the file at path */
enum tr_err
tr_config_load(const char *path, struct tr_config *c, struct tr_error *err)
{
	enum tr_err e;
	char *buf = NULL;
	size_t len = 0;

	tr_error_clear(err);
	/* c is "left freed" on every error, including this first one */
	memset(c, 0, sizeof(*c));
	if ((e = read_file(path, &buf, &len, err)) != TR_OK)
		return e;
	e = tr_config_load_buf(buf, len, path, c, err);
	free(buf);
	return e;
}

/* tr_config_check_run - what running the daemon needs beyond a valid file */
enum tr_err
tr_config_check_run(const struct tr_config *c, struct tr_error *err)
{
	const char *name = c->path != NULL ? c->path : "defaults";

	if (c->nrua == 0)
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: no rua address: "
		    "set rua to the address(es) of your TLSRPT record", name);
	if (c->alert_command != NULL && c->alert_failure_rate == 0)
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: alert_command is "
		    "set but alert_failure_rate is 0 (alerts off)", name);
	if (c->milter_socket == NULL && c->smtp_listen.n == 0 &&
	    c->lmtp_listen.n == 0 && c->http_listen.n == 0 &&
	    c->https_listen.n == 0)
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: no listener: "
		    "milter_socket is none and smtp_listen, lmtp_listen, "
		    "http_listen and https_listen are not set", name);
	if ((c->tls_certificate == NULL) != (c->tls_key == NULL))
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: tls_certificate "
		    "and tls_key go together: set both or neither", name);
	if (c->https_listen.n > 0 && c->tls_certificate == NULL)
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: https_listen "
		    "needs tls_certificate and tls_key", name);
	if (c->quarantine_not_ours && c->domains.n == 0)
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: "
		    "quarantine_not_ours needs domains: without them every "
		    "report would be quarantined", name);
	if (c->dashboard_tls && c->tls_certificate == NULL)
		return tr_error_set(err, TR_ERR_SCHEMA, "%s: dashboard_tls "
		    "needs tls_certificate and tls_key", name);
	return TR_OK;
}

/* tr_config_free - release every string; c is then all zero */
void
tr_config_free(struct tr_config *c)
{
	size_t i;

	free(c->path);
	free(c->database);
	free(c->database_password_file);
	free(c->instance_name);
	free(c->log_target);
	for (i = 0; i < c->nrua; i++)
		free(c->rua[i]);
	free(c->rua);
	free(c->milter_socket);
	free(c->user);
	free(c->group);
	tr_config_strlist_free(&c->smtp_listen);
	tr_config_strlist_free(&c->lmtp_listen);
	free(c->smtp_hostname);
	free(c->tls_certificate);
	free(c->tls_key);
	tr_config_strlist_free(&c->http_listen);
	tr_config_strlist_free(&c->https_listen);
	free(c->http_path);
	tr_config_strlist_free(&c->http_trusted_proxies);
	free(c->http_proxy_header);
	tr_config_strlist_free(&c->metrics_listen);
	tr_config_strlist_free(&c->dashboard_listen);
	free(c->dashboard_users);
	free(c->alert_command);
	free(c->dkim_resolver);
	free(c->dkim_trusted_authserv_id);
	tr_config_strlist_free(&c->domains);
	memset(c, 0, sizeof(*c));
}
