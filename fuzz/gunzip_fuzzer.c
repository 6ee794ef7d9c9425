/*
 * gunzip_fuzzer.c - libFuzzer harness for the bounded gunzip and unzip
 *
 * The first byte picks where the rest is split into two feeds, so every
 * run also checks the push parser against the one-shot tr_gunzip_buf: the
 * same code, and on success the same bytes. The only allowed difference is
 * the ratio cap, which is checked whenever zlib returns and may fire at one
 * split and not another. The same bytes then go through tr_unzip_json.
 * Seeds in fuzz/corpus/gunzip therefore start with one split byte (0x80,
 * about the middle) before the gzip or zip data; SOURCES.tsv there says
 * where each came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gunzip.h"
#include "limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_output - a successful result is NUL-terminated and within limits */
static void
check_output(const unsigned char *out, size_t outlen,
    const struct tr_limits *lim)
{
	if (out == NULL || outlen > lim->max_report || out[outlen] != '\0')
		abort();
}

/* LLVMFuzzerTestOneInput - split feed vs one shot, then unzip */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_limits lim;
	struct tr_error err, err1;
	struct tr_gunzip *gz;
	unsigned char *out = NULL, *out1 = NULL;
	size_t outlen = 0, outlen1 = 0, split;
	enum tr_err rc, rc1, frc;

	if (size == 0)
		return 0;
	tr_limits_default(&lim);
	/* small caps keep each run fast; bombs still reach both checks */
	lim.max_report = 1024 * 1024;
	lim.ratio_grace = 64 * 1024;
	split = (size - 1) * data[0] / 255;
	data++;
	size--;

	if ((gz = tr_gunzip_new(&lim)) == NULL)
		return 0;
	frc = tr_gunzip_feed(gz, data, split, &err);
	rc = tr_gunzip_feed(gz, data + split, size - split, &err);
	if (frc != TR_OK && rc != frc)
		abort();	/* errors are sticky */
	rc = tr_gunzip_finish(gz, &out, &outlen, &err);
	if (frc != TR_OK && rc != frc)
		abort();
	tr_gunzip_free(gz);

	rc1 = tr_gunzip_buf(data, size, &lim, &out1, &outlen1, &err1);
	if (rc == TR_OK)
		check_output(out, outlen, &lim);
	if (rc1 == TR_OK)
		check_output(out1, outlen1, &lim);
	if (rc != TR_ERR_DECOMPRESS_LIMIT && rc1 != TR_ERR_DECOMPRESS_LIMIT) {
		if (rc != rc1)
			abort();
		if (rc == TR_OK && (outlen != outlen1 ||
		    memcmp(out, out1, outlen) != 0))
			abort();
	}
	free(out);
	free(out1);

	out = NULL;
	rc = tr_unzip_json(data, size, &lim, &out, &outlen, &err);
	if (rc == TR_OK)
		check_output(out, outlen, &lim);
	else if (out != NULL || err.code != rc)
		abort();
	free(out);
	return 0;
}
