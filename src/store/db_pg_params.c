/* db_pg_params.c - SQLite's parameters renumbered as PostgreSQL's $N.
 * Written here because libpq has no parser for either dialect. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_pg_params.h"

/* ident_char - whether c continues a name (SQLite: also bytes >= 0x80) */
static int
ident_char(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* tr_pg_params_index - the number of named parameter name (len bytes),
 * 0: none */
int
tr_pg_params_index(const struct tr_pg_params *p, const char *name,
    size_t len)
{
	int i;

	for (i = 0; i < p->nnames; i++)
		if (strlen(p->names[i].name) == len &&
		    memcmp(p->names[i].name, name, len) == 0)
			return p->names[i].index;
	return 0;
}

/* add_name - remember that name (len bytes) is parameter index */
static int
add_name(struct tr_pg_params *p, const char *name, size_t len, int index)
{
	struct tr_pg_param_name *n;

	n = realloc(p->names, (size_t)(p->nnames + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	p->names = n;
	if ((n[p->nnames].name = strndup(name, len)) == NULL)
		return -1;
	n[p->nnames++].index = index;
	return 0;
}

/* copy_quoted - copy the string literal or quoted name at *sp ('...',
 * "...", `...`) to *pp, both then past it */
static void
copy_quoted(const char *sql, const char **sp, char **pp)
{
	const char *s = *sp;
	char *p = *pp, q = *s;
	int esc;

	/* E'...' takes backslash escapes */
	esc = q == '\'' && s > sql && (s[-1] == 'E' || s[-1] == 'e') &&
	    (s - 1 == sql || !ident_char((unsigned char)s[-2]));
	*p++ = *s++;
	while (*s != '\0') {
		if (esc && *s == '\\' && s[1] != '\0') {
			*p++ = *s++;
			*p++ = *s++;
		} else if (*s == q && s[1] == q) {
			*p++ = *s++;
			*p++ = *s++;
		} else if (*s == q) {
			break;
		} else {
			*p++ = *s++;
		}
	}
	if (*s != '\0')
		*p++ = *s++;
	*sp = s;
	*pp = p;
}

/* copy_comment - copy the comment at *sp (-- to the end of the line, or a
 * block comment) to *pp, both then past it */
static void
copy_comment(const char **sp, char **pp)
{
	const char *s = *sp;
	char *p = *pp;
	int depth = 0;

	if (s[0] == '-') {
		while (*s != '\0' && *s != '\n')
			*p++ = *s++;
	} else {
		/* PostgreSQL nests block comments */
		while (*s != '\0') {
			if (s[0] == '/' && s[1] == '*') {
				depth++;
				*p++ = *s++;
			} else if (s[0] == '*' && s[1] == '/') {
				*p++ = *s++;
				if (--depth == 0) {
					*p++ = *s++;
					break;
				}
			}
			*p++ = *s++;
		}
	}
	*sp = s;
	*pp = p;
}

/* copy_dollar_quoted - copy the $tag$ ... $tag$ body (PostgreSQL's dollar
 * quoting) at *sp to *pp, both then past it; 0 when *sp starts none */
static int
copy_dollar_quoted(const char **sp, char **pp)
{
	const char *s = *sp, *t, *end, *close = NULL;
	size_t tl;

	for (t = s + 1; ident_char((unsigned char)*t); t++)
		;
	if (*t != '$')
		return 0;
	tl = (size_t)(t - s) + 1;
	for (end = t + 1; *end != '\0'; end++)
		if (strncmp(end, s, tl) == 0) {
			close = end;
			break;
		}
	end = close != NULL ? close + tl : s + strlen(s);
	memcpy(*pp, s, (size_t)(end - s));
	*pp += end - s;
	*sp = end;
	return 1;
}

/* param_ref - the parameter at s (?, ?N, :name, @name, $name) numbered as
 * SQLite does after max in *idx, *end past it; *idx 0 when s starts none */
static enum tr_err
param_ref(const char *shown, struct tr_pg_params *p, const char *s, int max,
    int *idx, const char **end, struct tr_error *err)
{
	const char *t;
	long n;

	*idx = 0;
	if (*s == '?') {
		for (t = s + 1; isdigit((unsigned char)*t); t++)
			;
		if (t > s + 1) {
			n = (t - s > 7) ? PG_PARAM_MAX + 1 :
			    strtol(s + 1, NULL, 10);
			if (n < 1 || n > PG_PARAM_MAX)
				return tr_error_set(err, TR_ERR_STORE,
				    "%s: parameter %.*s: out of range 1..%d",
				    shown, (int)(t - s), s, PG_PARAM_MAX);
			*idx = (int)n;
			if (tr_pg_params_index(p, s, (size_t)(t - s)) == 0 &&
			    add_name(p, s, (size_t)(t - s), *idx) < 0)
				goto nomem;
		} else {
			*idx = max + 1;
		}
	} else if ((*s == ':' || *s == '@' || *s == '$') &&
	    ident_char((unsigned char)s[1])) {
		for (t = s + 1; ident_char((unsigned char)*t); t++)
			;
		if ((*idx = tr_pg_params_index(p, s, (size_t)(t - s))) == 0) {
			*idx = max + 1;
			if (add_name(p, s, (size_t)(t - s), *idx) < 0)
				goto nomem;
		}
	} else {
		return TR_OK;
	}
	*end = t;
	return TR_OK;
nomem:
	return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory", shown);
}

/*
 * tr_pg_params_translate - sql with each SQLite parameter (?, ?N, :name,
 * @name, $name) as $N, numbered the way SQLite numbers them; string
 * literals, quoted names, comments and dollar-quoted bodies are copied as
 * they are. Sets p->sql, p->nparams and the names.
 */
enum tr_err
tr_pg_params_translate(const char *shown, struct tr_pg_params *p,
    const char *sql, struct tr_error *err)
{
	size_t len = strlen(sql);
	const char *s = sql, *t = sql;
	unsigned char c;
	char *o, *q;
	int max = 0, idx;
	enum tr_err e;

	/* the largest growth: "?" (1 byte) becomes "$32766" (6) */
	if ((o = malloc(len * 6 + 1)) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory",
		    shown);
	q = o;
	while (*s != '\0') {
		c = (unsigned char)*s;
		if (c == '\'' || c == '"' || c == '`') {
			copy_quoted(sql, &s, &q);
			continue;
		}
		if ((c == '-' && s[1] == '-') || (c == '/' && s[1] == '*')) {
			copy_comment(&s, &q);
			continue;
		}
		if (c == '$' && !isdigit((unsigned char)s[1]) &&
		    copy_dollar_quoted(&s, &q))
			continue;
		if (ident_char(c)) {
			/* a name or number, with PostgreSQL's $ inside names */
			while (ident_char((unsigned char)*s) || *s == '$')
				*q++ = *s++;
			continue;
		}
		if (c == ':' && s[1] == ':') {
			*q++ = *s++;	/* a PostgreSQL cast */
			*q++ = *s++;
			continue;
		}
		if ((e = param_ref(shown, p, s, max, &idx, &t, err)) != TR_OK) {
			free(o);
			return e;
		}
		if (idx == 0) {
			*q++ = *s++;
			continue;
		}
		if (idx > PG_PARAM_MAX) {
			free(o);
			return tr_error_set(err, TR_ERR_STORE, "%s: more than %d "
			    "parameters", shown, PG_PARAM_MAX);
		}
		q += sprintf(q, "$%d", idx);
		if (idx > max)
			max = idx;
		s = t;
	}
	*q = '\0';
	p->sql = o;
	p->nparams = max;
	return TR_OK;
}

/* tr_pg_params_free - free what p holds (not p) */
void
tr_pg_params_free(struct tr_pg_params *p)
{
	int i;

	for (i = 0; i < p->nnames; i++)
		free(p->names[i].name);
	free(p->names);
	free(p->sql);
	memset(p, 0, sizeof(*p));
}

/* tr_db_pg_translate - sql as the PostgreSQL driver sends it */
enum tr_err
tr_db_pg_translate(const char *sql, char **out, int *nparams,
    struct tr_error *err)
{
	struct tr_pg_params p;
	enum tr_err e;

	memset(&p, 0, sizeof(p));
	*out = NULL;
	*nparams = 0;
	e = tr_pg_params_translate("statement", &p, sql, err);
	if (e == TR_OK) {
		*out = p.sql;
		*nparams = p.nparams;
		p.sql = NULL;
	}
	tr_pg_params_free(&p);
	return e;
}
