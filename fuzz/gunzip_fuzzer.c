/*
 * gunzip_fuzzer.c - libFuzzer harness for the bounded gunzip and unzip
 *
 * The first byte picks where the rest is split into two feeds, so every
 * run also checks the push parser against the one-shot tr_gunzip_buf: the
 * same code, and on success the same bytes. The only allowed difference is
 * the ratio cap, which is checked whenever zlib returns and may fire at one
 * split and not another. The same bytes then go through tr_unzip_json and
 * tr_unzip_each (libarchive underneath), which must agree on the first
 * report member.
 * Seeds in fuzz/corpus/gunzip therefore start with one split byte (0x80,
 * about the middle) before the gzip or zip data; SOURCES.tsv there says
 * where each came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gunzip.h"
#include "unzip.h"
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

/* Members seen by each_member. */
struct walk {
	const struct tr_limits *lim;
	int nreports;
	enum tr_err first;		/* the first report member's result */
	size_t firstlen;
};

/* each_member - tr_unzip_each callback: a report member has its JSON or
 * its reason; any other member neither */
static enum tr_err
each_member(void *arg, const struct tr_zip_member *m)
{
	struct walk *w = arg;

	if (m->name == NULL)
		abort();
	if (!m->report) {
		if (m->json != NULL)
			abort();
		return TR_OK;
	}
	if (m->json != NULL)
		check_output(m->json, m->len, w->lim);
	else if (m->err.code == TR_OK || m->err.msg[0] == '\0')
		abort();
	if (w->nreports++ == 0) {
		w->first = m->json != NULL ? TR_OK : m->err.code;
		w->firstlen = m->len;
	}
	return TR_OK;
}

/* LLVMFuzzerTestOneInput - split feed vs one shot, then unzip */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_limits lim;
	struct tr_error err, err1;
	struct tr_gunzip *gz;
	struct walk w;
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

	memset(&w, 0, sizeof(w));
	w.lim = &lim;
	rc1 = tr_unzip_each(data, size, &lim, each_member, &w, &err1);
	if (rc1 != TR_OK && err1.code != rc1)
		abort();
	/* a directory error may lie past the first member: only when the
	 * whole walk succeeded must the first member agree */
	if (rc1 == TR_OK && (w.nreports == 0 || w.first != rc ||
	    (rc == TR_OK && w.firstlen != outlen)))
		abort();
	return 0;
}
