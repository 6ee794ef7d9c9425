/* dkim_fuzzer.c - libFuzzer harness: a message through DKIM verification
 * (libopendkim's header and tag parsing, alignment, the Authentication-
 * Results path), with key lookups answered from memory */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"
#include "dkim_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* lookup - a fixed RSA key for selector "sel", nothing for others, "try
 * again" for "tmp" */
static enum tr_key_status
lookup(void *arg, const char *qname, char *buf, size_t bufsz, char *why,
    size_t whysz)
{
	(void)arg;
	if (strncmp(qname, "sel.", 4) == 0) {
		snprintf(buf, bufsz, "v=DKIM1; k=rsa; s=tlsrpt; p="
		    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDUS9bNZ3+3VIVY8u7Ot+Z8"
		    "B5Ve8OVNmZ/dGfqzyonmfSBOCPp4HBu5HA9ijE2jyJF0p+TD2j0a/MAPCH0V"
		    "UXRMoVBdqzFdauYJpGeKgRoruqxjj16QgY7zg1zz/4qPv7wk4mQ5MW4wsau1"
		    "ksYVlONWSjE9ouhPDa87Ap2HiEoIRwIDAQAB");
		return TR_KEY_FOUND;
	}
	snprintf(why, whysz, "%s", strncmp(qname, "tmp.", 4) == 0 ?
	    "SERVFAIL" : "NXDOMAIN");
	return strncmp(qname, "tmp.", 4) == 0 ? TR_KEY_TEMPFAIL :
	    TR_KEY_NOTFOUND;
}

/* LLVMFuzzerTestOneInput - verify the message, once through DNS and once
 * trusting Authentication-Results; the result must be well-formed */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tr_dkim *v;
	struct tr_dkim_result r;
	struct tr_error err;
	unsigned char *copy;
	int pass;

	if (v == NULL && (v = tr_dkim_new(lookup, NULL, &err)) == NULL)
		__builtin_trap();
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	for (pass = 0; pass < 2; pass++) {
		tr_dkim_verify(v, copy, size, "TLS reports <r@example.com>",
		    pass ? "mx.example.org" : NULL, &r);
		if ((unsigned)r.status >= TR_DKIM_STATUSES ||
		    r.status == TR_DKIM_UNCHECKED ||
		    (r.status == TR_DKIM_PASS) != (r.cause == TR_DKIM_OK) ||
		    memchr(r.detail, '\0', sizeof(r.detail)) == NULL ||
		    memchr(r.domain, '\0', sizeof(r.domain)) == NULL)
			__builtin_trap();
	}
	free(copy);
	return 0;
}
