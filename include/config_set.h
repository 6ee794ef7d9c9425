/* config_set.h - the key table's row type and the setters that apply one value to one key */
#ifndef TR_CONFIG_SET_H
#define TR_CONFIG_SET_H

#include <stddef.h>

#include "config.h"
#include "config_valid.h"

#define QUOTE_MAX	64	/* bytes of a bad value echoed in a message */

/* The value types of tlsrptd.conf. The short K_ names fill every row of
 * the key table in config.c, so they stay short. */
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
	K_DATABASE,	/* a SQLite path (as K_PATH), or a PostgreSQL target
			 * kept as written */
};

/* One row of the key table. */
struct tr_config_key {
	const char *name;
	enum ktype type;
	size_t off;			/* of the field in struct tr_config */
	unsigned long long min, max;	/* K_SIZE, K_UINT */
	const char *const *choices;	/* K_ENUM, NULL-terminated, in value order */
	const char *def;		/* the default in the file's syntax, NULL: unset */
};

/* where a value comes from: its file, line, and the directory it is relative to */
struct tr_config_origin {
	const char *name;	/* file name for messages, NULL for the defaults */
	const char *basedir;	/* relative paths are resolved here; NULL: kept */
	unsigned line;
	struct tr_error *err;
};

/* The key table, in tlsrptd.conf(5) order (config.c). */
extern const struct tr_config_key tr_config_keys[];
extern const size_t tr_config_nkeys;

/* tr_config_trim - strip spaces and tabs from both ends of [*s, *e)
 * (config.c) */
void tr_config_trim(const char **s, const char **e);

/* tr_config_set - apply one value v to key k of c (an empty one is an
 * error): TR_OK, TR_ERR_SCHEMA with a "name:line: key: ..." message, or
 * TR_ERR_NOMEM */
enum tr_err tr_config_set(const struct tr_config_origin *o,
    const struct tr_config_key *k, struct tr_config *c, const char *v);

/* tr_config_bad - set a content error "name:line: ..." (or "defaults:
 * ...") and return TR_ERR_SCHEMA */
enum tr_err tr_config_bad(const struct tr_config_origin *o, const char *fmt,
    ...) __attribute__((format(printf, 2, 3)));

/* tr_config_nomem - set and return TR_ERR_NOMEM, naming the file */
enum tr_err tr_config_nomem(const struct tr_config_origin *o);

/* tr_config_strlist_free - release a list's strings; it is then empty */
void tr_config_strlist_free(struct tr_strlist *l);

#endif
