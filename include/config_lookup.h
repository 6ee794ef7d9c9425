/* config_lookup.h - questions the running daemon asks of a loaded configuration */
#ifndef TR_CONFIG_LOOKUP_H
#define TR_CONFIG_LOOKUP_H

struct tr_config;

/* tr_config_is_rua - whether an address (with or without <>) is a rua
 * recipient: exact match, or its domain matches an "@domain" entry;
 * case-insensitive. */
int tr_config_is_rua(const struct tr_config *c, const char *addr);

/* tr_config_is_trusted_proxy - whether the IP literal addr (as printed by
 * inet_ntop) is one of http_trusted_proxies */
int tr_config_is_trusted_proxy(const struct tr_config *c, const char *addr);

#endif
