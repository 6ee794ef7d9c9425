/* config_dump.c - the effective configuration as tlsrptd.conf text (check-config --dump) */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_set.h"

/* put_value - v as the parser reads it back: quoted when it must be */
static void
put_value(FILE *f, const char *v)
{
	const char *p;

	if (*v != '\0' && strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/@:+-[]*") == strlen(v)) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* dump_key - write key k of c, one line per value (a comment when unset) */
static void
dump_key(const struct tr_config *c, const struct tr_config_key *k, FILE *f)
{
	const void *fp = (const char *)c + k->off;
	char buf[32];
	size_t j;

	switch (k->type) {
	case K_STRING:
	case K_PATH:
	case K_DATABASE:
	case K_LOG:
	case K_HOST:
	case K_URLPATH:
	case K_TOKEN:
	case K_RESOLVER:
		if (*(char *const *)fp == NULL) {
			fprintf(f, "# %s is not set\n", k->name);
			break;
		}
		fprintf(f, "%s = ", k->name);
		put_value(f, *(char *const *)fp);
		fputc('\n', f);
		break;
	case K_SOCKET:
		fprintf(f, "%s = ", k->name);
		put_value(f, *(char *const *)fp != NULL ?
		    *(char *const *)fp : "none");
		fputc('\n', f);
		break;
	case K_SIZE:
		tr_config_fmt_size(buf, sizeof(buf),
		    *(const size_t *)fp);
		fprintf(f, "%s = %s\n", k->name, buf);
		break;
	case K_UINT:
		fprintf(f, "%s = %u\n", k->name, *(const unsigned *)fp);
		break;
	case K_PERCENT:
		fprintf(f, "%s = %.2f%%\n", k->name,
		    *(const double *)fp);
		break;
	case K_ENUM:
		fprintf(f, "%s = %s\n", k->name,
		    k->choices[*(const int *)fp]);
		break;
	case K_LIST:
		if (c->nrua == 0)
			fprintf(f, "# %s is not set\n", k->name);
		for (j = 0; j < c->nrua; j++) {
			fprintf(f, "%s = ", k->name);
			put_value(f, c->rua[j]);
			fputc('\n', f);
		}
		break;
	case K_LISTEN:
	case K_IPLIST:
	case K_DOMAINS: {
		const struct tr_strlist *l = fp;

		if (l->n == 0)
			fprintf(f, "%s = none\n", k->name);
		for (j = 0; j < l->n; j++) {
			fprintf(f, "%s = ", k->name);
			put_value(f, l->v[j]);
			fputc('\n', f);
		}
		break;
	}
	}
}

/* tr_config_dump - write the effective configuration, one key per line */
void
tr_config_dump(const struct tr_config *c, FILE *f)
{
	size_t i;

	fprintf(f, "# tlsrptd effective configuration");
	if (c->path != NULL) {
		fprintf(f, " from ");
		put_value(f, c->path);
	}
	fputc('\n', f);
	for (i = 0; i < tr_config_nkeys; i++)
		dump_key(c, &tr_config_keys[i], f);
}
