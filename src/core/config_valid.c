/* config_valid.c - the pure checks behind tlsrptd.conf values: numbers, sizes, names, addresses */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "config_valid.h"

#define NUM_MAX		TR_CONFIG_NUM_MAX
#define KB		TR_CONFIG_KB
#define MB		TR_CONFIG_MB
#define GB		TR_CONFIG_GB

/* tr_config_parse_number - digits only into *n; 0, or -1 when not a number. An
 * overflow saturates so that it is reported as "above the maximum". */
int
tr_config_parse_number(const char *s, const char **end, unsigned long long *n)
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

/* tr_config_fmt_size - n in the largest unit that divides it exactly ("10M") */
void
tr_config_fmt_size(char *buf, size_t bufsz, unsigned long long n)
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

/* tr_config_valid_host - a host name or an address literal, as libmilter
 * takes it */
int
tr_config_valid_host(const char *h)
{
	const unsigned char *p;

	if (*h == '\0' || strlen(h) > 255)
		return 0;
	for (p = (const unsigned char *)h; *p != '\0'; p++)
		if (!isalnum(*p) && strchr(".-_:[]", *p) == NULL)
			return 0;
	return 1;
}

/* tr_config_valid_domain - dot-separated LDH labels, as in a mailto: rua */
int
tr_config_valid_domain(const char *d, size_t len)
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

/* tr_config_valid_local - an unquoted local part: printable, none of the
 * specials */
int
tr_config_valid_local(const char *l, size_t len)
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

/* tr_config_valid_ip - an IPv4 or IPv6 address literal (no brackets) */
int
tr_config_valid_ip(const char *s, size_t len)
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

/* tr_config_copy_domain - v[0..n) lower-cased without a final dot into d (256
 * bytes); its length, or -1 when it is no domain name */
ssize_t
tr_config_copy_domain(const char *v, size_t n, char *d)
{
	size_t i;

	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n >= 256 || !tr_config_valid_domain(v, n))
		return -1;
	for (i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)v[i]);
	d[n] = '\0';
	return (ssize_t)n;
}
