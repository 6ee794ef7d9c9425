/* config.c - tlsrptd.conf: a table of keys, each value checked at load */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "config.h"
#include "dkim_keys.h"

/* longer lines are refused, not cut; room for the longest value tlsrptd
 * itself writes back (--dump): a path of PATH_BYTES, every byte escaped */
#define LINE_MAX_BYTES	16384
#define FILE_MAX_BYTES	(1024 * 1024)	/* a config file is never this big */
#define RUA_MAX		1000		/* rua entries, all lines together */
#define ADDR_MAX	320		/* RFC 5321: 64 local + @ + 255 domain */
#define QUOTE_MAX	64		/* bytes of a bad value echoed in a message */
#define LISTEN_MAX	32		/* addresses in one listen list */
#define DOMAINS_MAX	10000		/* domains, all lines together */
#define PATH_BYTES	4096		/* Linux PATH_BYTES, with its NUL */
/* <limits.h> is shadowed by the project's own limits.h under -Iinclude */
#define NUM_MAX		(~0ULL)

/* enum fields are written through an int; make sure that is their size */
_Static_assert(sizeof(enum tr_loglevel) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tr_after_store) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tr_on_invalid) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tr_dkim_policy) == sizeof(int), "enum size");

enum ktype {
	K_STRING,	/* a name (user, group): printable, no spaces */
	K_PATH,		/* a file; relative to the config file's directory */
	K_LOG,		/* stdout, stderr or a path */
	K_SIZE,		/* bytes, with an optional K, M or G: size_t */
	K_UINT,		/* a decimal number: unsigned */
	K_ENUM,		/* one of choices, stored as its index: int */
	K_LIST,		/* rua: addresses that accumulate over lines */
	K_SOCKET,	/* unix:PATH, inet:PORT@HOST, inet6:PORT@HOST or none */
	K_LISTEN,	/* listen addresses that accumulate: struct tr_strlist */
	K_IPLIST,	/* IP address literals that accumulate: struct tr_strlist */
	K_DOMAINS,	/* domain names that accumulate: struct tr_strlist */
	K_HOST,		/* a domain name (smtp_hostname) */
	K_URLPATH,	/* an absolute URL path (http_path) */
	K_TOKEN,	/* an HTTP header name */
	K_PERCENT,	/* 0 to 100 with up to two decimals and an optional %: double */
	K_RESOLVER,	/* a DNS server: address[:port] */
};

struct key {
	const char *name;
	enum ktype type;
	size_t off;			/* of the field in struct tr_config */
	unsigned long long min, max;	/* K_SIZE, K_UINT */
	const char *const *choices;	/* K_ENUM, NULL-terminated, in value order */
	const char *def;		/* the default in the file's syntax, NULL: unset */
};

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

#define KB	1024ULL
#define MB	(1024ULL * KB)
#define GB	(1024ULL * MB)
#define OFF(f)	offsetof(struct tr_config, f)

/*
 * Every key of tlsrptd.conf(5). The defaults are applied through the same
 * setters as the file's values, so they obey the same ranges; the limit
 * defaults repeat tr_limits_default() and a unit test keeps the two equal.
 */
static const struct key keys[] = {
	{ "database", K_PATH, OFF(database), 0, 0, NULL,
	    "/var/lib/tlsrptd/tlsrptd.db" },
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
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* where a value comes from: its file, line, and the directory it is relative to */
struct origin {
	const char *name;	/* file name for messages, NULL for the defaults */
	const char *basedir;	/* relative paths are resolved here; NULL: kept */
	unsigned line;
	struct tr_error *err;
};

/* bad - set a content error "name:line: ..." and return TR_ERR_SCHEMA */
static enum tr_err __attribute__((format(printf, 2, 3)))
bad(const struct origin *o, const char *fmt, ...)
{
	char msg[TR_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o->name == NULL)
		return tr_error_set(o->err, TR_ERR_SCHEMA, "defaults: %s", msg);
	return tr_error_set(o->err, TR_ERR_SCHEMA, "%s:%u: %s", o->name,
	    o->line, msg);
}

/* nomem - the one error that is not the file's fault */
static enum tr_err
nomem(const struct origin *o)
{
	return tr_error_set(o->err, TR_ERR_NOMEM, "%s: out of memory",
	    o->name != NULL ? o->name : "defaults");
}

/* quote - a bounded, printable rendering of a value for a message */
static const char *
quote(char *buf, size_t bufsz, const char *v)
{
	tr_quote(buf, bufsz, v, strlen(v), QUOTE_MAX);
	return buf;
}

/* field - the address of a key's field in c */
static void *
field(struct tr_config *c, const struct key *k)
{
	return (char *)c + k->off;
}

/* replace - store a malloc'ed string in a char * field, freeing the old one */
static void
replace(struct tr_config *c, const struct key *k, char *s)
{
	char **fp = field(c, k);

	free(*fp);
	*fp = s;
}

/* resolve - v made absolute against basedir (a new string), or NULL */
static char *
resolve(const struct origin *o, const char *v)
{
	char *s;

	if (v[0] == '/' || o->basedir == NULL)
		return strdup(v);
	if (asprintf(&s, "%s/%s", o->basedir, v) == -1)
		return NULL;
	return s;
}

/* parse_number - digits only into *n; 0, or -1 when not a number. An
 * overflow saturates so that it is reported as "above the maximum". */
static int
parse_number(const char *s, const char **end, unsigned long long *n)
{
	unsigned long long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (NUM_MAX - 9) / 10)
			v = NUM_MAX;
		else
			v = v * 10 + (unsigned)(*p - '0');
	}
	*end = p;
	*n = v;
	return p == s ? -1 : 0;
}

/* fmt_size - n in the largest unit that divides it exactly ("10M") */
static void
fmt_size(char *buf, size_t bufsz, unsigned long long n)
{
	if (n != 0 && n % GB == 0)
		snprintf(buf, bufsz, "%lluG", n / GB);
	else if (n != 0 && n % MB == 0)
		snprintf(buf, bufsz, "%lluM", n / MB);
	else if (n != 0 && n % KB == 0)
		snprintf(buf, bufsz, "%lluK", n / KB);
	else
		snprintf(buf, bufsz, "%llu", n);
}

/* set_number - K_UINT and K_SIZE: parse, check the range, store */
static enum tr_err
set_number(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	unsigned long long n, mult = 1;
	const char *end;
	char q[QUOTE_MAX * 4 + 8], lim[32];

	if (parse_number(v, &end, &n) == -1)
		goto notnum;
	if (k->type == K_SIZE) {
		switch (*end) {
		case 'k': case 'K': mult = KB; end++; break;
		case 'm': case 'M': mult = MB; end++; break;
		case 'g': case 'G': mult = GB; end++; break;
		}
	}
	if (*end != '\0')
		goto notnum;
	n = n > NUM_MAX / mult ? NUM_MAX : n * mult;

	/* the value is digits and a unit here, but may be long: bound it */
	if (n < k->min) {
		if (k->type == K_SIZE)
			fmt_size(lim, sizeof(lim), k->min);
		else
			snprintf(lim, sizeof(lim), "%llu", k->min);
		return bad(o, "%s: %.24s%s is below the minimum %s", k->name, v,
		    strlen(v) > 24 ? "..." : "", lim);
	}
	if (n > k->max) {
		if (k->type == K_SIZE)
			fmt_size(lim, sizeof(lim), k->max);
		else
			snprintf(lim, sizeof(lim), "%llu", k->max);
		return bad(o, "%s: %.24s%s is above the maximum %s", k->name, v,
		    strlen(v) > 24 ? "..." : "", lim);
	}
	if (k->type == K_SIZE)
		*(size_t *)field(c, k) = (size_t)n;
	else
		*(unsigned *)field(c, k) = (unsigned)n;
	return TR_OK;

notnum:
	if (k->type == K_SIZE)
		return bad(o, "%s: %s is not a size (use a number with an "
		    "optional K, M or G)", k->name, quote(q, sizeof(q), v));
	return bad(o, "%s: %s is not a number", k->name,
	    quote(q, sizeof(q), v));
}

/* set_enum - one of the key's choices, case-insensitive */
static enum tr_err
set_enum(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8], list[128];
	size_t i, n = 0;

	for (i = 0; k->choices[i] != NULL; i++)
		if (strcasecmp(v, k->choices[i]) == 0) {
			*(int *)field(c, k) = (int)i;
			return TR_OK;
		}
	list[0] = '\0';
	for (i = 0; k->choices[i] != NULL; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i > 0 ? ", " : "", k->choices[i]);
	return bad(o, "%s: %s is not one of %s", k->name,
	    quote(q, sizeof(q), v), list);
}

/* set_copy - store a copy of v in the key's char * field */
static enum tr_err
set_copy(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char *s;

	if ((s = strdup(v)) == NULL)
		return nomem(o);
	replace(c, k, s);
	return TR_OK;
}

/* unix_spec - "unix:PATH" (v, len bytes) as "unix:ABSOLUTE" in *out, its
 * path checked against sun_path: a longer one would fail only at bind(),
 * long after the check */
static enum tr_err
unix_spec(const struct origin *o, const struct key *k, const char *v,
    size_t len, char **out)
{
	char q[QUOTE_MAX * 4 + 8], *rel, *path;
	size_t maxpath = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	*out = NULL;
	if ((rel = strndup(v + 5, len - 5)) == NULL)
		return nomem(o);
	path = resolve(o, rel);
	free(rel);
	if (path == NULL)
		return nomem(o);
	if (strlen(path) > maxpath) {
		free(path);
		tr_quote(q, sizeof(q), v, len, QUOTE_MAX);
		return bad(o, "%s: %s: a unix socket path may have at most "
		    "%zu bytes", k->name, q, maxpath);
	}
	if (asprintf(out, "unix:%s", path) == -1)
		*out = NULL;
	free(path);
	return *out != NULL ? TR_OK : nomem(o);
}

/* set_string - a user or group name: printable, no spaces */
static enum tr_err
set_string(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8];
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':' || *p == '/')
			return bad(o, "%s: %s is not a user or group name",
			    k->name, quote(q, sizeof(q), v));
	if (strlen(v) > 64)
		return bad(o, "%s: %s is longer than 64 bytes", k->name,
		    quote(q, sizeof(q), v));
	return set_copy(o, k, c, v);
}

/* set_path - a file, made absolute against the config file's directory */
static enum tr_err
set_path(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8], *s;

	if (k->type == K_LOG &&
	    (strcmp(v, "stdout") == 0 || strcmp(v, "stderr") == 0))
		s = strdup(v);
	else
		s = resolve(o, v);
	if (s == NULL)
		return nomem(o);
	if (strlen(s) >= PATH_BYTES) {
		free(s);
		return bad(o, "%s: %s: path longer than %d bytes", k->name,
		    quote(q, sizeof(q), v), PATH_BYTES - 1);
	}
	replace(c, k, s);
	return TR_OK;
}

/* valid_host - a host name or an address literal, as libmilter takes it */
static int
valid_host(const char *h)
{
	const unsigned char *p;

	if (*h == '\0' || strlen(h) > 255)
		return 0;
	for (p = (const unsigned char *)h; *p != '\0'; p++)
		if (!isalnum(*p) && strchr(".-_:[]", *p) == NULL)
			return 0;
	return 1;
}

/* set_socket - the milter listener; unix paths made absolute */
static enum tr_err
set_socket(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8], *s;
	const char *rest, *end;
	unsigned long long port;
	enum tr_err e;

	if (strcmp(v, "none") == 0) {
		replace(c, k, NULL);
		return TR_OK;
	}
	if (strncmp(v, "unix:", 5) == 0 && v[5] != '\0') {
		if ((e = unix_spec(o, k, v, strlen(v), &s)) != TR_OK)
			return e;
		replace(c, k, s);
		return TR_OK;
	}
	if (strncmp(v, "inet:", 5) == 0)
		rest = v + 5;
	else if (strncmp(v, "inet6:", 6) == 0)
		rest = v + 6;
	else
		goto invalid;
	if (parse_number(rest, &end, &port) == -1 || *end != '@' ||
	    !valid_host(end + 1))
		goto invalid;
	if (port < 1 || port > 65535)
		return bad(o, "%s: %s: the port must be 1 to 65535", k->name,
		    quote(q, sizeof(q), v));
	return set_copy(o, k, c, v);

invalid:
	return bad(o, "%s: %s is not unix:PATH, inet:PORT@HOST, "
	    "inet6:PORT@HOST or none", k->name, quote(q, sizeof(q), v));
}

/* valid_domain - dot-separated LDH labels, as in a mailto: rua */
static int
valid_domain(const char *d, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)d[i]) && d[i] != '-' && d[i] != '_')
			return 0;
		if (label == 0 && d[i] == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && d[len - 1] != '-';
}

/* valid_local - an unquoted local part: printable, none of the specials */
static int
valid_local(const char *l, size_t len)
{
	size_t i;

	if (len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)l[i] <= ' ' || (unsigned char)l[i] >= 0x7f ||
		    strchr("<>()[]\\,;:@\"", l[i]) != NULL)
			return 0;
	return 1;
}

/* add_rua - one "user@domain" or "@domain", lower-cased, kept once */
static enum tr_err
add_rua(const struct origin *o, struct tr_config *c, const char *v,
    size_t len)
{
	char q[QUOTE_MAX * 4 + 8], *s, **n;
	const char *at;
	size_t i;

	at = memchr(v, '@', len);
	if (at == NULL || (at > v && !valid_local(v, (size_t)(at - v))) ||
	    !valid_domain(at + 1, len - (size_t)(at - v) - 1)) {
		tr_quote(q, sizeof(q), v, len, QUOTE_MAX);
		return bad(o, "rua: %s is not an address (use user@domain or "
		    "@domain)", q);
	}
	if ((s = strndup(v, len)) == NULL)
		return nomem(o);
	for (i = 0; s[i] != '\0'; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	for (i = 0; i < c->nrua; i++)
		if (strcmp(c->rua[i], s) == 0) {
			free(s);
			return TR_OK;
		}
	if (c->nrua >= RUA_MAX) {
		free(s);
		return bad(o, "rua: more than %d addresses", RUA_MAX);
	}
	if ((n = reallocarray(c->rua, c->nrua + 1, sizeof(*n))) == NULL) {
		free(s);
		return nomem(o);
	}
	c->rua = n;
	c->rua[c->nrua++] = s;
	return TR_OK;
}

/* set_list - rua: addresses separated by commas and/or spaces */
static enum tr_err
set_list(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	enum tr_err e;
	size_t n;
	int any = 0;

	for (;;) {
		v += strspn(v, ", \t");
		if (*v == '\0')
			break;
		n = strcspn(v, ", \t");
		if ((e = add_rua(o, c, v, n)) != TR_OK)
			return e;
		any = 1;
		v += n;
	}
	/* "rua = ," is as empty as "rua =" */
	return any ? TR_OK : bad(o, "%s: empty value", k->name);
}

/* strlist_add - append a copy of v[0..len) unless it is already there */
static enum tr_err
strlist_add(const struct origin *o, const struct key *k, struct tr_strlist *l,
    const char *v, size_t len)
{
	char *s, **n;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && memcmp(l->v[i], v, len) == 0)
			return TR_OK;
	if (l->n >= (k->type == K_DOMAINS ? DOMAINS_MAX : LISTEN_MAX))
		return bad(o, "%s: more than %d values", k->name,
		    k->type == K_DOMAINS ? DOMAINS_MAX : LISTEN_MAX);
	if ((s = strndup(v, len)) == NULL)
		return nomem(o);
	if ((n = reallocarray(l->v, l->n + 1, sizeof(*n))) == NULL) {
		free(s);
		return nomem(o);
	}
	l->v = n;
	l->v[l->n++] = s;
	return TR_OK;
}

/* strlist_free - release a list's strings; it is then empty */
static void
strlist_free(struct tr_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* valid_ip - an IPv4 or IPv6 address literal (no brackets) */
static int
valid_ip(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ||
	    inet_pton(AF_INET6, buf, a) == 1;
}

/* valid_listen - "IPv4:PORT", "[IPv6]:PORT" or "*:PORT" */
static int
valid_listen(const char *s, size_t len, int *badport)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];
	const char *colon, *end;
	unsigned long long port;
	size_t hl;

	*badport = 0;
	if (len > 0 && s[0] == '[') {
		if ((colon = memchr(s, ']', len)) == NULL ||
		    (size_t)(colon - s) + 1 >= len || colon[1] != ':')
			return 0;
		hl = (size_t)(colon - s) - 1;
		if (hl == 0 || hl >= sizeof(buf))
			return 0;
		memcpy(buf, s + 1, hl);
		buf[hl] = '\0';
		if (inet_pton(AF_INET6, buf, a) != 1)
			return 0;
		colon++;
	} else {
		for (colon = s + len; colon > s && colon[-1] != ':'; colon--)
			;
		if (colon == s)
			return 0;
		colon--;
		hl = (size_t)(colon - s);
		if (!(hl == 1 && s[0] == '*')) {
			if (hl == 0 || hl >= sizeof(buf))
				return 0;
			memcpy(buf, s, hl);
			buf[hl] = '\0';
			if (inet_pton(AF_INET, buf, a) != 1)
				return 0;
		}
	}
	/* colon points at the ':' before the port */
	if (parse_number(colon + 1, &end, &port) == -1 || end != s + len)
		return 0;
	if (port < 1 || port > 65535) {
		*badport = 1;
		return 0;
	}
	return 1;
}

/* copy_domain - v[0..n) lower-cased without a final dot into d (256
 * bytes); its length, or -1 when it is no domain name */
static ssize_t
copy_domain(const char *v, size_t n, char *d)
{
	size_t i;

	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n >= 256 || !valid_domain(v, n))
		return -1;
	for (i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)v[i]);
	d[n] = '\0';
	return (ssize_t)n;
}

/* add_domain - one entry of K_DOMAINS, "domain" or "host=domain" (an MX
 * host name elsewhere that belongs to domain): lower-cased, without final
 * dots, kept once */
static enum tr_err
add_domain(const struct origin *o, const struct key *k,
    struct tr_strlist *l, const char *v, size_t n)
{
	char q[QUOTE_MAX * 4 + 8], d[520];
	const char *eq = memchr(v, '=', n);
	ssize_t a, b = 0;

	tr_quote(q, sizeof(q), v, n, QUOTE_MAX);
	if (eq == NULL)
		a = copy_domain(v, n, d);
	else if ((a = copy_domain(v, (size_t)(eq - v), d)) != -1 &&
	    (b = copy_domain(eq + 1, n - (size_t)(eq - v) - 1,
	    d + a + 1)) != -1)
		d[a] = '=';
	if (a == -1 || b == -1)
		return bad(o, "%s: %s is not a domain name or host=domain",
		    k->name, q);
	return strlist_add(o, k, l, d, (size_t)(a + (eq != NULL ? 1 + b : 0)));
}

/* set_addrs - K_LISTEN, K_IPLIST and K_DOMAINS: values separated by commas
 * and/or spaces, added to the list; "none" empties it */
static enum tr_err
set_addrs(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	struct tr_strlist *l = field(c, k);
	char q[QUOTE_MAX * 4 + 8], *s;
	size_t n;
	enum tr_err e;
	int badport;

	if (strcmp(v, "none") == 0) {
		strlist_free(l);
		return TR_OK;
	}
	for (;;) {
		v += strspn(v, ", \t");
		if (*v == '\0')
			break;
		n = strcspn(v, ", \t");
		tr_quote(q, sizeof(q), v, n, QUOTE_MAX);
		if (k->type == K_IPLIST) {
			if (!valid_ip(v, n))
				return bad(o, "%s: %s is not an IP address",
				    k->name, q);
			e = strlist_add(o, k, l, v, n);
		} else if (k->type == K_DOMAINS) {
			if ((e = add_domain(o, k, l, v, n)) != TR_OK)
				return e;
		} else if (n > 5 && strncmp(v, "unix:", 5) == 0) {
			if ((e = unix_spec(o, k, v, n, &s)) != TR_OK)
				return e;
			e = strlist_add(o, k, l, s, strlen(s));
			free(s);
		} else {
			if (!valid_listen(v, n, &badport)) {
				if (badport)
					return bad(o, "%s: %s: the port must "
					    "be 1 to 65535", k->name, q);
				return bad(o, "%s: %s is not IPv4:PORT, "
				    "[IPv6]:PORT, *:PORT or unix:PATH",
				    k->name, q);
			}
			e = strlist_add(o, k, l, v, n);
		}
		if (e != TR_OK)
			return e;
		v += n;
	}
	return TR_OK;
}

/* set_host - smtp_hostname: a domain name */
static enum tr_err
set_host(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8];

	if (!valid_domain(v, strlen(v)))
		return bad(o, "%s: %s is not a host name", k->name,
		    quote(q, sizeof(q), v));
	return set_copy(o, k, c, v);
}

/* set_urlpath - http_path: "/" then printable characters, no query */
static enum tr_err
set_urlpath(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8];
	const unsigned char *p;

	if (v[0] != '/' || strlen(v) > 1024)
		goto invalid;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '?' || *p == '#' ||
		    *p == '%')
			goto invalid;
	return set_copy(o, k, c, v);
invalid:
	return bad(o, "%s: %s is not a URL path (\"/\" then printable "
	    "characters without ?, # or %%)", k->name, quote(q, sizeof(q), v));
}

/* set_token - an HTTP header name (RFC 9110 token) */
static enum tr_err
set_token(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8];
	const unsigned char *p;

	if (strlen(v) > 64)
		goto invalid;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (!isalnum(*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL)
			goto invalid;
	return set_copy(o, k, c, v);
invalid:
	return bad(o, "%s: %s is not a header name", k->name,
	    quote(q, sizeof(q), v));
}

/* set_resolver - "address[:port]" of a DNS server */
static enum tr_err
set_resolver(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8], why[128];

	if (tr_dkim_resolver_check(v, why, sizeof(why)) == -1)
		return bad(o, "%s: %s: %s", k->name, quote(q, sizeof(q), v),
		    why);
	return set_copy(o, k, c, v);
}

/* set_percent - "5", "2.5%", "0.25": 0 to 100, at most two decimals */
static enum tr_err
set_percent(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	char q[QUOTE_MAX * 4 + 8];
	const char *p = v;
	unsigned long long whole = 0, frac = 0;
	int nfrac = 0;

	if (parse_number(p, &p, &whole) == -1)
		goto invalid;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++nfrac > 2)
				goto invalid;
			frac = frac * 10 + (unsigned)(*p - '0');
		}
		if (nfrac == 0)
			goto invalid;
	}
	if (nfrac == 1)
		frac *= 10;
	if (*p == '%')
		p++;
	if (*p != '\0')
		goto invalid;
	if (whole > 100 || (whole == 100 && frac > 0))
		return bad(o, "%s: %s is above 100%%", k->name,
		    quote(q, sizeof(q), v));
	*(double *)field(c, k) = (double)whole + (double)frac / 100.0;
	return TR_OK;
invalid:
	return bad(o, "%s: %s is not a percentage (like 5 or 2.5%%)", k->name,
	    quote(q, sizeof(q), v));
}

/* set - apply one value to its key */
static enum tr_err
set(const struct origin *o, const struct key *k, struct tr_config *c,
    const char *v)
{
	if (*v == '\0')
		return bad(o, "%s: empty value", k->name);
	switch (k->type) {
	case K_STRING:
		return set_string(o, k, c, v);
	case K_PATH:
	case K_LOG:
		return set_path(o, k, c, v);
	case K_SIZE:
	case K_UINT:
		return set_number(o, k, c, v);
	case K_ENUM:
		return set_enum(o, k, c, v);
	case K_LIST:
		return set_list(o, k, c, v);
	case K_SOCKET:
		return set_socket(o, k, c, v);
	case K_LISTEN:
	case K_IPLIST:
	case K_DOMAINS:
		return set_addrs(o, k, c, v);
	case K_HOST:
		return set_host(o, k, c, v);
	case K_URLPATH:
		return set_urlpath(o, k, c, v);
	case K_TOKEN:
		return set_token(o, k, c, v);
	case K_PERCENT:
		return set_percent(o, k, c, v);
	case K_RESOLVER:
		return set_resolver(o, k, c, v);
	}
	return bad(o, "%s: internal error: unknown type", k->name);
}

/* tr_config_defaults - the built-in defaults (see tlsrptd.conf(5)) */
void
tr_config_defaults(struct tr_config *c)
{
	struct origin o = { NULL, NULL, 0, NULL };
	size_t i;

	memset(c, 0, sizeof(*c));
	/* the limits without a key of their own */
	tr_limits_default(&c->limits);
	/* only strdup can fail here; tr_config_load checks for it */
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL)
			(void)set(&o, &keys[i], c, keys[i].def);
}

/* defaults_complete - whether tr_config_defaults got all its memory */
static int
defaults_complete(const struct tr_config *c)
{
	return c->database != NULL && c->log_target != NULL &&
	    c->milter_socket != NULL && c->http_path != NULL &&
	    c->http_proxy_header != NULL;
}

/* trim - strip spaces and tabs from both ends of [*s, *e) */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* unquote - the value of [s, e) into out (LINE_MAX_BYTES + 1): a "quoted"
 * value may hold \" and \\ and keeps its spaces and # signs */
static enum tr_err
unquote(const struct origin *o, const char *s, const char *e, char *out)
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
		return bad(o, "unterminated quoted value");
	if (s + 1 != e)
		return bad(o, "text after the closing quote");
	out[n] = '\0';
	return TR_OK;
}

/* parse_line - one line without its newline: blank, comment or key = value */
static enum tr_err
parse_line(struct origin *o, const char *s, const char *e,
    struct tr_config *c, unsigned *seen)
{
	char q[QUOTE_MAX * 4 + 8], value[LINE_MAX_BYTES + 1];
	const char *p, *eq, *ks, *ke;
	enum tr_err err;
	size_t i, klen;

	for (p = s; p < e; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') || *p == 0x7f)
			return bad(o, "control character 0x%02x in the line",
			    (unsigned char)*p);
	trim(&s, &e);
	if (s == e || *s == '#')
		return TR_OK;
	if ((eq = memchr(s, '=', (size_t)(e - s))) == NULL)
		return bad(o, "expected \"key = value\"");
	ks = s;
	ke = eq;
	trim(&ks, &ke);
	if (ks == ke)
		return bad(o, "expected \"key = value\"");
	for (p = ks; p < ke; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' &&
		    *p != '.')
			return bad(o, "expected \"key = value\"");
	klen = (size_t)(ke - ks);
	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == klen &&
		    memcmp(keys[i].name, ks, klen) == 0)
			break;
	if (i == NKEYS) {
		tr_quote(q, sizeof(q), ks, klen, QUOTE_MAX);
		return bad(o, "unknown key %s", q);
	}
	if (seen[i] != 0 && keys[i].type != K_LIST &&
	    keys[i].type != K_LISTEN && keys[i].type != K_IPLIST &&
	    keys[i].type != K_DOMAINS)
		return bad(o, "%s given twice (first at line %u)",
		    keys[i].name, seen[i]);
	if (seen[i] == 0)
		seen[i] = o->line;
	s = eq + 1;
	trim(&s, &e);
	if ((err = unquote(o, s, e, value)) != TR_OK)
		return err;
	return set(o, &keys[i], c, value);
}

/* parse - every line of buf over the defaults already in c */
static enum tr_err
parse(struct origin *o, const char *buf, size_t len, struct tr_config *c)
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
			return bad(o, "line longer than %d bytes",
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
	struct origin o;
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
		return nomem(&o);
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
	free(c->log_target);
	for (i = 0; i < c->nrua; i++)
		free(c->rua[i]);
	free(c->rua);
	free(c->milter_socket);
	free(c->user);
	free(c->group);
	strlist_free(&c->smtp_listen);
	strlist_free(&c->lmtp_listen);
	free(c->smtp_hostname);
	free(c->tls_certificate);
	free(c->tls_key);
	strlist_free(&c->http_listen);
	strlist_free(&c->https_listen);
	free(c->http_path);
	strlist_free(&c->http_trusted_proxies);
	free(c->http_proxy_header);
	strlist_free(&c->metrics_listen);
	strlist_free(&c->dashboard_listen);
	free(c->dashboard_users);
	free(c->alert_command);
	strlist_free(&c->domains);
	free(c->dkim_resolver);
	free(c->dkim_trusted_authserv_id);
	memset(c, 0, sizeof(*c));
}

/* tr_config_is_rua - whether addr (with or without <>) is a rua recipient */
int
tr_config_is_rua(const struct tr_config *c, const char *addr)
{
	const char *s = addr, *e, *at;
	size_t i, len, dlen;

	if (addr == NULL)
		return 0;
	e = s + strlen(s);
	trim(&s, &e);
	if (s < e && *s == '<')
		s++;
	if (e > s && e[-1] == '>')
		e--;
	trim(&s, &e);
	len = (size_t)(e - s);
	if (len == 0 || len > ADDR_MAX)
		return 0;
	/* the last @: a quoted local part may hold one */
	for (at = e - 1; at >= s && *at != '@'; at--)
		;
	if (at <= s)
		return 0;	/* no @, or no local part */
	dlen = (size_t)(e - at - 1);
	for (i = 0; i < c->nrua; i++) {
		if (c->rua[i][0] == '@') {
			if (strlen(c->rua[i] + 1) == dlen &&
			    strncasecmp(c->rua[i] + 1, at + 1, dlen) == 0)
				return 1;
		} else if (strlen(c->rua[i]) == len &&
		    strncasecmp(c->rua[i], s, len) == 0)
			return 1;
	}
	return 0;
}

/* tr_config_is_trusted_proxy - addr is one of http_trusted_proxies */
int
tr_config_is_trusted_proxy(const struct tr_config *c, const char *addr)
{
	unsigned char a[16], b[16];
	int af;
	size_t i;

	if (addr == NULL)
		return 0;
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, a) != 1)
		return 0;
	/* compare binary forms: "::1" and "0::1" are one address */
	for (i = 0; i < c->http_trusted_proxies.n; i++) {
		const char *p = c->http_trusted_proxies.v[i];
		int bf = strchr(p, ':') != NULL ? AF_INET6 : AF_INET;

		if (bf == af && inet_pton(bf, p, b) == 1 &&
		    memcmp(a, b, af == AF_INET ? 4 : 16) == 0)
			return 1;
	}
	return 0;
}

/* put_value - v as the parser reads it back: quoted when it must be */
static void
put_value(FILE *f, const char *v)
{
	const char *p;

	if (*v != '\0' && strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/@:+-[]*") == strlen(v)) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* tr_config_dump - write the effective configuration, one key per line */
void
tr_config_dump(const struct tr_config *c, FILE *f)
{
	const struct key *k;
	const void *fp;
	char buf[32];
	size_t i, j;

	fprintf(f, "# tlsrptd effective configuration");
	if (c->path != NULL) {
		fprintf(f, " from ");
		put_value(f, c->path);
	}
	fputc('\n', f);
	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		fp = (const char *)c + k->off;
		switch (k->type) {
		case K_STRING:
		case K_PATH:
		case K_LOG:
		case K_HOST:
		case K_URLPATH:
		case K_TOKEN:
		case K_RESOLVER:
			if (*(char *const *)fp == NULL) {
				fprintf(f, "# %s is not set\n", k->name);
				break;
			}
			fprintf(f, "%s = ", k->name);
			put_value(f, *(char *const *)fp);
			fputc('\n', f);
			break;
		case K_SOCKET:
			fprintf(f, "%s = ", k->name);
			put_value(f, *(char *const *)fp != NULL ?
			    *(char *const *)fp : "none");
			fputc('\n', f);
			break;
		case K_SIZE:
			fmt_size(buf, sizeof(buf), *(const size_t *)fp);
			fprintf(f, "%s = %s\n", k->name, buf);
			break;
		case K_UINT:
			fprintf(f, "%s = %u\n", k->name, *(const unsigned *)fp);
			break;
		case K_PERCENT:
			fprintf(f, "%s = %.2f%%\n", k->name, *(const double *)fp);
			break;
		case K_ENUM:
			fprintf(f, "%s = %s\n", k->name,
			    k->choices[*(const int *)fp]);
			break;
		case K_LIST:
			if (c->nrua == 0)
				fprintf(f, "# %s is not set\n", k->name);
			for (j = 0; j < c->nrua; j++) {
				fprintf(f, "%s = ", k->name);
				put_value(f, c->rua[j]);
				fputc('\n', f);
			}
			break;
		case K_LISTEN:
		case K_IPLIST:
		case K_DOMAINS: {
			const struct tr_strlist *l = fp;

			if (l->n == 0)
				fprintf(f, "%s = none\n", k->name);
			for (j = 0; j < l->n; j++) {
				fprintf(f, "%s = ", k->name);
				put_value(f, l->v[j]);
				fputc('\n', f);
			}
			break;
		}
		}
	}
}
