/* config_valid.h - the pure checks behind tlsrptd.conf values: numbers, sizes, names, addresses */
#ifndef TR_CONFIG_VALID_H
#define TR_CONFIG_VALID_H

#include <stddef.h>
#include <sys/types.h>

#define TR_CONFIG_KB	1024ULL
#define TR_CONFIG_MB	(1024ULL * TR_CONFIG_KB)
#define TR_CONFIG_GB	(1024ULL * TR_CONFIG_MB)
/* <limits.h> is shadowed by the project's own limits.h under -Iinclude */
#define TR_CONFIG_NUM_MAX	(~0ULL)

/* tr_config_parse_number - digits only into *n, *end after them; 0, or -1
 * when not a number. An overflow saturates at TR_CONFIG_NUM_MAX, so that
 * it is reported as "above the maximum". */
int tr_config_parse_number(const char *s, const char **end,
    unsigned long long *n);

/* tr_config_fmt_size - n in the largest unit that divides it exactly
 * ("10M"), as a size key is written back */
void tr_config_fmt_size(char *buf, size_t bufsz, unsigned long long n);

/* tr_config_valid_host - a host name or an address literal, as libmilter
 * takes it (NUL-terminated h) */
int tr_config_valid_host(const char *h);

/* tr_config_valid_domain - d[0..len) is dot-separated LDH labels */
int tr_config_valid_domain(const char *d, size_t len);

/* tr_config_valid_local - l[0..len) is an unquoted local part */
int tr_config_valid_local(const char *l, size_t len);

/* tr_config_valid_ip - s[0..len) is an IPv4 or IPv6 literal (no brackets) */
int tr_config_valid_ip(const char *s, size_t len);

/* tr_config_copy_domain - v[0..n) lower-cased without a final dot into d
 * (256 bytes); its length, or -1 when it is no domain name */
ssize_t tr_config_copy_domain(const char *v, size_t n, char *d);

#endif
