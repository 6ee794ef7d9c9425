/* smtp_syntax.h - the words of SMTP command lines (RFC 5321 4.1): the
 * verb, a reverse- or forward-path, ESMTP parameters; pure functions */
#ifndef TR_SMTP_SYNTAX_H
#define TR_SMTP_SYNTAX_H

#include <stddef.h>

#define TR_SMTP_TEXT_MAX	400	/* characters of caller text in a reply */

/* tr_smtp_syntax_clean - out = printable ASCII of at most
 * TR_SMTP_TEXT_MAX characters of untrusted in ("?" for any other byte,
 * "..." when cut), NUL-terminated within outsz */
void tr_smtp_syntax_clean(char *out, size_t outsz, const char *in);

/* tr_smtp_syntax_word - 1 when line starts with verb (case-insensitive)
 * followed by the end or a space, *rest then at what follows the spaces;
 * else 0 */
int tr_smtp_syntax_word(const char *line, const char *verb,
    const char **rest);

/*
 * tr_smtp_syntax_path - "<addr>" (or a bare addr, as lenient MTAs allow)
 * at p: the address without brackets and source route as a new string,
 * *rest at the parameters. NULL on bad syntax (controls, unbalanced
 * quotes or brackets, longer than 256 bytes), or with *nomem set when out
 * of memory. "<>" gives "".
 */
char *tr_smtp_syntax_path(const char *p, const char **rest, int *nomem);

/* tr_smtp_syntax_param - the next "KEY[=VALUE]" of *rest into key and val
 * (val "" without "="), *rest past it: 1; 0 at the end; -1 when the key
 * is empty or either does not fit */
int tr_smtp_syntax_param(const char **rest, char *key, size_t keysz,
    char *val, size_t valsz);

#endif
