/* config_fuzzer.c - tlsrptd.conf parser: no crash, and a dump loads back */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* dump - the configuration as text (malloc'ed, *len bytes) */
static char *
dump(const struct tr_config *c, size_t *len)
{
	char *text = NULL;
	FILE *f;

	if ((f = open_memstream(&text, len)) == NULL)
		abort();
	tr_config_dump(c, f);
	fclose(f);
	return text;
}

/* LLVMFuzzerTestOneInput - load the input; when it loads, its dump must load
 * to the same configuration (the --dump promise) */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_config c, d;
	struct tr_error err;
	char *t1, *t2, addr[400];
	size_t n1, n2;

	if (tr_config_load_buf((const char *)data, size, "fuzz.conf", &c,
	    &err) != TR_OK) {
		/* every content error names the file and line */
		if (err.code == TR_ERR_SCHEMA &&
		    strncmp(err.msg, "fuzz.conf:", 10) != 0)
			abort();
		return 0;
	}
	/* the input's first bytes as an address, NUL-terminated */
	n1 = size < sizeof(addr) - 1 ? size : sizeof(addr) - 1;
	memcpy(addr, data, n1);
	addr[n1] = '\0';
	(void)tr_config_is_rua(&c, addr);
	(void)tr_config_is_rua(&c, "<Tlsrpt@Example.COM>");
	t1 = dump(&c, &n1);
	if (tr_config_load_buf(t1, n1, "fuzz.conf", &d, &err) != TR_OK) {
		fprintf(stderr, "dump does not load: %s\n%s", err.msg, t1);
		abort();
	}
	t2 = dump(&d, &n2);
	if (n1 != n2 || memcmp(t1, t2, n1) != 0) {
		fprintf(stderr, "dump changed on reload:\n%s---\n%s", t1, t2);
		abort();
	}
	free(t1);
	free(t2);
	tr_config_free(&c);
	tr_config_free(&d);
	return 0;
}
