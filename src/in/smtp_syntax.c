/* smtp_syntax.c - the words of SMTP command lines: verbs, paths,
 * parameters, and untrusted text made safe for a reply */
#include <string.h>
#include <strings.h>

#include "smtp_syntax.h"

#define PATH_MAX_LEN	256	/* RFC 5321 4.5.3.1.3, brackets included */

/* tr_smtp_syntax_clean - untrusted text made safe for a reply line */
void
tr_smtp_syntax_clean(char *out, size_t outsz, const char *in)
{
	size_t i, o = 0;
	unsigned char ch;

	for (i = 0; in[i] != '\0' && i < TR_SMTP_TEXT_MAX && o + 1 < outsz; i++) {
		ch = (unsigned char)in[i];
		out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (in[i] != '\0' && o + 4 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* tr_smtp_syntax_word - whether line starts with the verb */
int
tr_smtp_syntax_word(const char *line, const char *verb, const char **rest)
{
	size_t n = strlen(verb);

	if (strncasecmp(line, verb, n) != 0 ||
	    (line[n] != '\0' && line[n] != ' '))
		return 0;
	line += n;
	while (*line == ' ')
		line++;
	*rest = line;
	return 1;
}

/* tr_smtp_syntax_path - the address of a path, without brackets and
 * source route */
char *
tr_smtp_syntax_path(const char *p, const char **rest, int *nomem)
{
	const char *start, *end, *q;
	int quoted = 0, bracket;
	char *a;

	*nomem = 0;
	while (*p == ' ')
		p++;
	bracket = *p == '<';
	start = bracket ? p + 1 : p;
	for (q = start; *q != '\0'; q++) {
		if ((unsigned char)*q < 0x20 || (unsigned char)*q == 0x7f)
			return NULL;
		if (quoted) {
			if (*q == '\\' && q[1] != '\0')
				q++;
			else if (*q == '"')
				quoted = 0;
			continue;
		}
		if (*q == '"')
			quoted = 1;
		else if (bracket && *q == '>')
			break;
		else if (*q == ' ' || *q == '<' || *q == '>')
			break;
	}
	if (quoted || (bracket && *q != '>'))
		return NULL;
	end = q;
	if (bracket)
		q++;
	if (*q != '\0' && *q != ' ')
		return NULL;
	if ((size_t)(end - start) + 2 > PATH_MAX_LEN)
		return NULL;
	if (!bracket && end == start)
		return NULL;
	/* a source route "@a,@b:" is ignored (RFC 5321 4.1.2) */
	if (*start == '@') {
		const char *colon = memchr(start, ':', (size_t)(end - start));

		if (colon == NULL)
			return NULL;
		start = colon + 1;
	}
	while (*q == ' ')
		q++;
	*rest = q;
	if ((a = strndup(start, (size_t)(end - start))) == NULL)
		*nomem = 1;
	return a;
}

/* tr_smtp_syntax_param - the next "KEY[=VALUE]" of rest */
int
tr_smtp_syntax_param(const char **rest, char *key, size_t keysz, char *val,
    size_t valsz)
{
	const char *p = *rest, *e, *eq;
	size_t kl, vl;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 0;
	e = p + strcspn(p, " ");
	eq = memchr(p, '=', (size_t)(e - p));
	kl = (size_t)((eq != NULL ? eq : e) - p);
	vl = eq != NULL ? (size_t)(e - eq - 1) : 0;
	if (kl == 0 || kl >= keysz || vl >= valsz)
		return -1;
	memcpy(key, p, kl);
	key[kl] = '\0';
	if (eq != NULL)
		memcpy(val, eq + 1, vl);
	val[vl] = '\0';
	*rest = e;
	return 1;
}
