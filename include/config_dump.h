/* config_dump.h - the effective configuration as tlsrptd.conf text (check-config --dump) */
#ifndef TR_CONFIG_DUMP_H
#define TR_CONFIG_DUMP_H

#include <stdio.h>

struct tr_config;

/* tr_config_dump - write the effective configuration, one key per line,
 * as text that loads back to the same configuration */
void tr_config_dump(const struct tr_config *c, FILE *f);

#endif
