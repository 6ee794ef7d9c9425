/* config_lookup.c - questions the running daemon asks of a loaded configuration */
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "config.h"
#include "config_set.h"

#define ADDR_MAX	320		/* RFC 5321: 64 local + @ + 255 domain */

/* tr_config_is_rua - whether addr (with or without <>) is a rua recipient */
int
tr_config_is_rua(const struct tr_config *c, const char *addr)
{
	const char *s = addr, *e, *at;
	size_t i, len, dlen;

	if (addr == NULL)
		return 0;
	e = s + strlen(s);
	tr_config_trim(&s, &e);
	if (s < e && *s == '<')
		s++;
	if (e > s && e[-1] == '>')
		e--;
	tr_config_trim(&s, &e);
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
