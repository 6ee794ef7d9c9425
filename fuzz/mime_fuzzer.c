/* mime_fuzzer.c - libFuzzer harness for the MIME extractor */
#include <stddef.h>
#include <stdint.h>

#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one message through tr_mime_extract; anything
 * but a clean answer (or a crash, leak or overread) is a bug */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tr_limits lim;
	static int ready;
	struct tr_mime_result r;
	struct tr_error err;
	enum tr_err rc;
	volatile unsigned char sum = 0;
	size_t i, j;

	if (!ready) {
		tr_limits_default(&lim);
		ready = 1;
	}
	rc = tr_mime_extract(data, size, &lim, &r, &err);
	if (rc == TR_OK) {
		if (r.nparts == 0)
			__builtin_trap();
		for (i = 0; i < r.nparts; i++) {
			if (r.parts[i].len == 0 ||
			    r.parts[i].data[r.parts[i].len] != '\0')
				__builtin_trap();
			/* touch every byte: ASan checks the length is real */
			for (j = 0; j < r.parts[i].len; j++)
				sum ^= r.parts[i].data[j];
		}
		(void)sum;
	} else if (err.code != rc || err.msg[0] == '\0' || r.nparts != 0) {
		__builtin_trap();
	}
	tr_mime_result_free(&r);
	return 0;
}
