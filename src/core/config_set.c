/* config_set.c - the setters: one value checked and stored in its key's field */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config_set.h"
#include "db.h"
#include "dkim_keys.h"
#include "listen.h"

#define RUA_MAX		1000		/* rua entries, all lines together */
#define LISTEN_MAX	32		/* addresses in one listen list */
#define DOMAINS_MAX	10000		/* domains, all lines together */
#define PATH_BYTES	4096		/* Linux PATH_BYTES, with its NUL */
#define NUM_MAX		TR_CONFIG_NUM_MAX
#define KB		TR_CONFIG_KB
#define MB		TR_CONFIG_MB
#define GB		TR_CONFIG_GB

/* enum fields are written through an int; make sure that is their size */
_Static_assert(sizeof(enum tr_loglevel) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tr_after_store) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tr_on_invalid) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tr_dkim_policy) == sizeof(int), "enum size");

/* tr_config_bad - set a content error "name:line: ..." and return
 * TR_ERR_SCHEMA */
enum tr_err
tr_config_bad(const struct tr_config_origin *o, const char *fmt, ...)
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

/* tr_config_nomem - the one error that is not the file's fault */
enum tr_err
tr_config_nomem(const struct tr_config_origin *o)
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
field(struct tr_config *c, const struct tr_config_key *k)
{
	return (char *)c + k->off;
}

/* replace - store a malloc'ed string in a char * field, freeing the old one */
static void
replace(struct tr_config *c, const struct tr_config_key *k, char *s)
{
	char **fp = field(c, k);

	free(*fp);
	*fp = s;
}

/* resolve - v made absolute against basedir (a new string), or NULL */
static char *
resolve(const struct tr_config_origin *o, const char *v)
{
	char *s;

	if (v[0] == '/' || o->basedir == NULL)
		return strdup(v);
	if (asprintf(&s, "%s/%s", o->basedir, v) == -1)
		return NULL;
	return s;
}

/* set_number - K_UINT and K_SIZE: parse, check the range, store */
static enum tr_err
set_number(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	unsigned long long n, mult = 1;
	const char *end;
	char q[QUOTE_MAX * 4 + 8], lim[32];

	if (tr_config_parse_number(v, &end, &n) == -1)
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
			tr_config_fmt_size(lim, sizeof(lim), k->min);
		else
			snprintf(lim, sizeof(lim), "%llu", k->min);
		return tr_config_bad(o, "%s: %.24s%s is below the minimum %s",
		    k->name, v, strlen(v) > 24 ? "..." : "", lim);
	}
	if (n > k->max) {
		if (k->type == K_SIZE)
			tr_config_fmt_size(lim, sizeof(lim), k->max);
		else
			snprintf(lim, sizeof(lim), "%llu", k->max);
		return tr_config_bad(o, "%s: %.24s%s is above the maximum %s",
		    k->name, v, strlen(v) > 24 ? "..." : "", lim);
	}
	if (k->type == K_SIZE)
		*(size_t *)field(c, k) = (size_t)n;
	else
		*(unsigned *)field(c, k) = (unsigned)n;
	return TR_OK;

notnum:
	if (k->type == K_SIZE)
		return tr_config_bad(o, "%s: %s is not a size (use a number "
		    "with an optional K, M or G)", k->name,
		    quote(q, sizeof(q), v));
	return tr_config_bad(o, "%s: %s is not a number", k->name,
	    quote(q, sizeof(q), v));
}

/* set_enum - one of the key's choices, case-insensitive */
static enum tr_err
set_enum(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
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
	return tr_config_bad(o, "%s: %s is not one of %s", k->name,
	    quote(q, sizeof(q), v), list);
}

/* set_copy - store a copy of v in the key's char * field */
static enum tr_err
set_copy(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	char *s;

	if ((s = strdup(v)) == NULL)
		return tr_config_nomem(o);
	replace(c, k, s);
	return TR_OK;
}

/* unix_spec - "unix:PATH" (v, len bytes) as "unix:ABSOLUTE" in *out, its
 * path checked against sun_path: a longer one would fail only at bind(),
 * long after the check */
static enum tr_err
unix_spec(const struct tr_config_origin *o, const struct tr_config_key *k,
    const char *v,
    size_t len, char **out)
{
	char q[QUOTE_MAX * 4 + 8], *rel, *path;
	size_t maxpath = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	*out = NULL;
	if ((rel = strndup(v + 5, len - 5)) == NULL)
		return tr_config_nomem(o);
	path = resolve(o, rel);
	free(rel);
	if (path == NULL)
		return tr_config_nomem(o);
	if (strlen(path) > maxpath) {
		free(path);
		tr_quote(q, sizeof(q), v, len, QUOTE_MAX);
		return tr_config_bad(o, "%s: %s: a unix socket path may have "
		    "at most %zu bytes", k->name, q, maxpath);
	}
	if (asprintf(out, "unix:%s", path) == -1)
		*out = NULL;
	free(path);
	return *out != NULL ? TR_OK : tr_config_nomem(o);
}

/* set_string - a user or group name: printable, no spaces */
static enum tr_err
set_string(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	char q[QUOTE_MAX * 4 + 8];
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':' || *p == '/')
			return tr_config_bad(o,
			    "%s: %s is not a user or group name", k->name,
			    quote(q, sizeof(q), v));
	if (strlen(v) > 64)
		return tr_config_bad(o, "%s: %s is longer than 64 bytes",
		    k->name, quote(q, sizeof(q), v));
	return set_copy(o, k, c, v);
}

/* set_path - a file, made absolute against the config file's directory */
static enum tr_err
set_path(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	char q[QUOTE_MAX * 4 + 8], *s;

	if (k->type == K_LOG &&
	    (strcmp(v, "stdout") == 0 || strcmp(v, "stderr") == 0))
		s = strdup(v);
	else
		s = resolve(o, v);
	if (s == NULL)
		return tr_config_nomem(o);
	if (strlen(s) >= PATH_BYTES) {
		free(s);
		return tr_config_bad(o, "%s: %s: path longer than %d bytes",
		    k->name, quote(q, sizeof(q), v), PATH_BYTES - 1);
	}
	replace(c, k, s);
	return TR_OK;
}

/* set_database - a PostgreSQL target as written (a URI or libpq keywords,
 * which no directory changes); else a SQLite path ("sqlite:" optional),
 * made absolute */
static enum tr_err
set_database(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	char q[QUOTE_MAX * 4 + 8];

	if (tr_db_target_kind(v) != TR_DB_POSTGRESQL) {
		if (*tr_db_sqlite_path(v) == '\0')
			return tr_config_bad(o, "%s: empty path", k->name);
		return set_path(o, k, c, tr_db_sqlite_path(v));
	}
	if (strlen(v) >= PATH_BYTES)
		return tr_config_bad(o, "%s: %s: longer than %d bytes",
		    k->name, quote(q, sizeof(q), v), PATH_BYTES - 1);
	return set_copy(o, k, c, v);
}

/* set_socket - the milter listener; unix paths made absolute */
static enum tr_err
set_socket(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
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
	if (tr_config_parse_number(rest, &end, &port) == -1 || *end != '@' ||
	    !tr_config_valid_host(end + 1))
		goto invalid;
	if (port < 1 || port > 65535)
		return tr_config_bad(o, "%s: %s: the port must be 1 to 65535",
		    k->name, quote(q, sizeof(q), v));
	return set_copy(o, k, c, v);

invalid:
	return tr_config_bad(o, "%s: %s is not unix:PATH, inet:PORT@HOST, "
	    "inet6:PORT@HOST or none", k->name, quote(q, sizeof(q), v));
}

/* add_rua - one "user@domain" or "@domain", lower-cased, kept once */
static enum tr_err
add_rua(const struct tr_config_origin *o, struct tr_config *c, const char *v,
    size_t len)
{
	char q[QUOTE_MAX * 4 + 8], *s, **n;
	const char *at;
	size_t i;

	at = memchr(v, '@', len);
	if (at == NULL || (at > v && !tr_config_valid_local(v,
	    (size_t)(at - v))) || !tr_config_valid_domain(at + 1,
	    len - (size_t)(at - v) - 1)) {
		tr_quote(q, sizeof(q), v, len, QUOTE_MAX);
		return tr_config_bad(o, "rua: %s is not an address (use "
		    "user@domain or @domain)", q);
	}
	if ((s = strndup(v, len)) == NULL)
		return tr_config_nomem(o);
	for (i = 0; s[i] != '\0'; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	for (i = 0; i < c->nrua; i++)
		if (strcmp(c->rua[i], s) == 0) {
			free(s);
			return TR_OK;
		}
	if (c->nrua >= RUA_MAX) {
		free(s);
		return tr_config_bad(o, "rua: more than %d addresses", RUA_MAX);
	}
	if ((n = reallocarray(c->rua, c->nrua + 1, sizeof(*n))) == NULL) {
		free(s);
		return tr_config_nomem(o);
	}
	c->rua = n;
	c->rua[c->nrua++] = s;
	return TR_OK;
}

/* set_list - rua: addresses separated by commas and/or spaces */
static enum tr_err
set_list(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
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
	return any ? TR_OK : tr_config_bad(o, "%s: empty value", k->name);
}

/* strlist_add - append a copy of v[0..len) unless it is already there */
static enum tr_err
strlist_add(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_strlist *l,
    const char *v, size_t len)
{
	char *s, **n;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && memcmp(l->v[i], v, len) == 0)
			return TR_OK;
	if (l->n >= (k->type == K_DOMAINS ? DOMAINS_MAX : LISTEN_MAX))
		return tr_config_bad(o, "%s: more than %d values", k->name,
		    k->type == K_DOMAINS ? DOMAINS_MAX : LISTEN_MAX);
	if ((s = strndup(v, len)) == NULL)
		return tr_config_nomem(o);
	if ((n = reallocarray(l->v, l->n + 1, sizeof(*n))) == NULL) {
		free(s);
		return tr_config_nomem(o);
	}
	l->v = n;
	l->v[l->n++] = s;
	return TR_OK;
}

/* tr_config_strlist_free - release a list's strings; it is then empty */
void
tr_config_strlist_free(struct tr_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* add_domain - one entry of K_DOMAINS, "domain" or "host=domain" (an MX
 * host name elsewhere that belongs to domain): lower-cased, without final
 * dots, kept once */
static enum tr_err
add_domain(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_strlist *l, const char *v, size_t n)
{
	char q[QUOTE_MAX * 4 + 8], d[520];
	const char *eq = memchr(v, '=', n);
	ssize_t a, b = 0;

	tr_quote(q, sizeof(q), v, n, QUOTE_MAX);
	if (eq == NULL)
		a = tr_config_copy_domain(v, n, d);
	else if ((a = tr_config_copy_domain(v, (size_t)(eq - v), d)) != -1 &&
	    (b = tr_config_copy_domain(eq + 1, n - (size_t)(eq - v) - 1,
	    d + a + 1)) != -1)
		d[a] = '=';
	if (a == -1 || b == -1)
		return tr_config_bad(o,
		    "%s: %s is not a domain name or host=domain", k->name, q);
	return strlist_add(o, k, l, d, (size_t)(a + (eq != NULL ? 1 + b : 0)));
}

/* add_listen - one "IPv4:PORT", "[IPv6]:PORT" or "*:PORT" of K_LISTEN,
 * checked by the parser that later binds it */
static enum tr_err
add_listen(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_strlist *l, const char *v, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char q[QUOTE_MAX * 4 + 8];
	int any;

	tr_quote(q, sizeof(q), v, n, QUOTE_MAX);
	switch (tr_listen_parse_inet(v, n, &ss, &sslen, &any)) {
	case TR_LISTEN_PARSED:
		return strlist_add(o, k, l, v, n);
	case TR_LISTEN_BAD_PORT:
		return tr_config_bad(o, "%s: %s: the port must be 1 to 65535",
		    k->name, q);
	default:
		return tr_config_bad(o, "%s: %s is not IPv4:PORT, [IPv6]:PORT, "
		    "*:PORT or unix:PATH", k->name, q);
	}
}

/* set_addrs - K_LISTEN, K_IPLIST and K_DOMAINS: values separated by commas
 * and/or spaces, added to the list; "none" empties it */
static enum tr_err
set_addrs(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	struct tr_strlist *l = field(c, k);
	char q[QUOTE_MAX * 4 + 8], *s;
	size_t n;
	enum tr_err e;

	if (strcmp(v, "none") == 0) {
		tr_config_strlist_free(l);
		return TR_OK;
	}
	for (;;) {
		v += strspn(v, ", \t");
		if (*v == '\0')
			break;
		n = strcspn(v, ", \t");
		tr_quote(q, sizeof(q), v, n, QUOTE_MAX);
		if (k->type == K_IPLIST) {
			if (!tr_config_valid_ip(v, n))
				return tr_config_bad(o,
				    "%s: %s is not an IP address", k->name, q);
			e = strlist_add(o, k, l, v, n);
		} else if (k->type == K_DOMAINS) {
			if ((e = add_domain(o, k, l, v, n)) != TR_OK)
				return e;
		} else if (n > 5 && strncmp(v, "unix:", 5) == 0) {
			if ((e = unix_spec(o, k, v, n, &s)) != TR_OK)
				return e;
			e = strlist_add(o, k, l, s, strlen(s));
			free(s);
		} else if ((e = add_listen(o, k, l, v, n)) != TR_OK)
			return e;
		if (e != TR_OK)
			return e;
		v += n;
	}
	return TR_OK;
}

/* set_host - smtp_hostname: a domain name */
static enum tr_err
set_host(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	char q[QUOTE_MAX * 4 + 8];

	if (!tr_config_valid_domain(v, strlen(v)))
		return tr_config_bad(o, "%s: %s is not a host name", k->name,
		    quote(q, sizeof(q), v));
	return set_copy(o, k, c, v);
}

/* set_urlpath - http_path: "/" then printable characters, no query */
static enum tr_err
set_urlpath(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
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
	return tr_config_bad(o, "%s: %s is not a URL path (\"/\" then "
	    "printable characters without ?, # or %%)", k->name, quote(q, sizeof(q), v));
}

/* set_token - an HTTP header name (RFC 9110 token) */
static enum tr_err
set_token(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
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
	return tr_config_bad(o, "%s: %s is not a header name", k->name,
	    quote(q, sizeof(q), v));
}

/* set_resolver - "address[:port]" of a DNS server */
static enum tr_err
set_resolver(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	char q[QUOTE_MAX * 4 + 8], why[128];

	if (tr_dkim_resolver_check(v, why, sizeof(why)) == -1)
		return tr_config_bad(o, "%s: %s: %s", k->name,
		    quote(q, sizeof(q), v), why);
	return set_copy(o, k, c, v);
}

/* set_percent - "5", "2.5%", "0.25": 0 to 100, at most two decimals */
static enum tr_err
set_percent(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	char q[QUOTE_MAX * 4 + 8];
	const char *p = v;
	unsigned long long whole = 0, frac = 0;
	int nfrac = 0;

	if (tr_config_parse_number(p, &p, &whole) == -1)
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
		return tr_config_bad(o, "%s: %s is above 100%%", k->name,
		    quote(q, sizeof(q), v));
	*(double *)field(c, k) = (double)whole + (double)frac / 100.0;
	return TR_OK;
invalid:
	return tr_config_bad(o, "%s: %s is not a percentage (like 5 or 2.5%%)",
	    k->name, quote(q, sizeof(q), v));
}

/* tr_config_set - apply one value to its key */
enum tr_err
tr_config_set(const struct tr_config_origin *o, const struct tr_config_key *k,
    struct tr_config *c, const char *v)
{
	if (*v == '\0')
		return tr_config_bad(o, "%s: empty value", k->name);
	switch (k->type) {
	case K_STRING:
		return set_string(o, k, c, v);
	case K_PATH:
	case K_LOG:
		return set_path(o, k, c, v);
	case K_DATABASE:
		return set_database(o, k, c, v);
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
	return tr_config_bad(o, "%s: internal error: unknown type", k->name);
}
