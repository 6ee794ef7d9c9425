/* authres_fuzzer.c - libFuzzer harness for the Authentication-Results parser */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* terminated - every kept string ends within its field */
static void
terminated(const struct tr_authres *ar)
{
	size_t i;

	if (memchr(ar->authserv_id, '\0', sizeof(ar->authserv_id)) == NULL ||
	    ar->n > TR_AUTHRES_MAX)
		__builtin_trap();
	for (i = 0; i < ar->n; i++)
		if (memchr(ar->res[i].method, '\0', sizeof(ar->res[i].method))
		    == NULL || memchr(ar->res[i].d, '\0',
		    sizeof(ar->res[i].d)) == NULL ||
		    memchr(ar->res[i].b, '\0', sizeof(ar->res[i].b)) == NULL)
			__builtin_trap();
}

/* LLVMFuzzerTestOneInput - the input as one field value, then as a whole
 * message whose topmost fields may be trusted */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_authres ar;
	struct tr_error err;
	enum tr_err rc;
	char *copy;

	/* an exact-size copy: a read past the end is caught */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&ar, 0, sizeof(ar));
	err.msg[0] = '\0';
	rc = tr_authres_parse(copy, size, &ar, &err);
	if (rc != TR_OK && (rc != TR_ERR_SCHEMA || err.code != rc ||
	    err.msg[0] == '\0'))
		__builtin_trap();
	terminated(&ar);
	(void)tr_authres_trusted((const unsigned char *)copy, size,
	    "mx.example.org", &ar);
	terminated(&ar);
	free(copy);
	return 0;
}
