/* test_gunzip.c - bounded streaming gunzip: corpus, splits, members, bombs */
#include "testutil.h"

#include <malloc.h>
#include <zlib.h>

#include "error.h"
#include "gunzip.h"
#include "limits.h"

#define MIB	(1024 * 1024)

/* A feed of this size means "everything in one feed". */
#define ALL	((size_t)-1)

#define assert_code(rc, want, e) do {					\
	if ((rc) != (want))						\
		fail_msg("got %s (\"%s\"), want %s", tr_err_name(rc),	\
		    (e).msg, tr_err_name(want));			\
} while (0)

#define assert_msg_has(e, s) do {					\
	if (strstr((e).msg, (s)) == NULL)				\
		fail_msg("message \"%s\" lacks \"%s\"", (e).msg, (s));	\
} while (0)

/* gz_make - gzip data with zlib; hdr adds FEXTRA, FNAME, FCOMMENT, FHCRC
 * so that splits and cuts also land inside the optional header fields */
static unsigned char *
gz_make(const void *data, size_t len, int hdr, size_t *outlen)
{
	static unsigned char extra[] = { 'T', 'R', 4, 0, 1, 2, 3, 4 };
	static char name[] = "report.json";
	static char comment[] = "tlsrptd test";
	gz_header h;
	z_stream z;
	unsigned char *out;
	size_t cap;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	if (hdr) {
		memset(&h, 0, sizeof(h));
		h.extra = extra;
		h.extra_len = sizeof(extra);
		h.name = (Bytef *)name;
		h.comment = (Bytef *)comment;
		h.hcrc = 1;
		h.os = 3;
		assert_int_equal(deflateSetHeader(&z, &h), Z_OK);
	}
	cap = deflateBound(&z, (uLong)len) + 64;
	out = malloc(cap);
	assert_non_null(out);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* gz_zeros - gzip of n zero bytes, streamed through deflate 1 MiB at a
 * time so that even a gigabyte needs no gigabyte buffer */
static unsigned char *
gz_zeros(size_t n, size_t *outlen)
{
	unsigned char *in, *out;
	size_t cap = 64 * 1024, len = 0, step;
	z_stream z;
	int flush, ret;

	in = calloc(1, MIB);
	out = malloc(cap);
	assert_non_null(in);
	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	/* Z_RLE finds the same distance-1 matches as the default, faster */
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_RLE), Z_OK);
	do {
		step = n > MIB ? MIB : n;
		n -= step;
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = in;
		z.avail_in = (uInt)step;
		do {
			if (cap - len < 64 * 1024) {
				cap *= 2;
				out = realloc(out, cap);
				assert_non_null(out);
			}
			z.next_out = out + len;
			z.avail_out = (uInt)(cap - len);
			ret = deflate(&z, flush);
			assert_true(ret == Z_OK || ret == Z_STREAM_END ||
			    ret == Z_BUF_ERROR);
			len = cap - z.avail_out;
		} while (z.avail_out == 0 || (flush == Z_FINISH &&
		    ret != Z_STREAM_END));
	} while (flush != Z_FINISH);
	deflateEnd(&z);
	free(in);
	*outlen = len;
	return out;
}

/* synth_report - n report-like failure-detail records; pseudo-random
 * addresses and names keep the compression ratio realistic (4-8:1) */
static unsigned char *
synth_report(size_t n, uint32_t seed, size_t *len)
{
	static const char *types[] = { "starttls-not-supported",
	    "certificate-expired", "validation-failure", "sts-policy-invalid" };
	size_t cap = n * 200 + 64, o = 0, i;
	unsigned char *buf;
	uint32_t x = seed;

	buf = malloc(cap);
	assert_non_null(buf);
	o += (size_t)snprintf((char *)buf, cap, "{\"failure-details\":[\n");
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		o += (size_t)snprintf((char *)buf + o, cap - o,
		    "{\"result-type\":\"%s\",\"sending-mta-ip\":"
		    "\"%u.%u.%u.%u\",\"receiving-mx-hostname\":"
		    "\"mx%u.example%u.net\",\"failed-session-count\":%u},\n",
		    types[(x >> 7) & 3], (x >> 24) & 255, (x >> 16) & 255,
		    (x >> 8) & 255, (x >> 3) & 255, (x >> 11) & 7,
		    (x >> 14) & 1023, (x >> 5) & 4095);
	}
	o += (size_t)snprintf((char *)buf + o, cap - o, "{}]}\n");
	*len = o;
	return buf;
}

/* concat - a || b (|| c) in a new buffer */
static unsigned char *
concat(const void *a, size_t alen, const void *b, size_t blen,
    const void *c, size_t clen, size_t *len)
{
	unsigned char *p = malloc(alen + blen + clen + 1);

	assert_non_null(p);
	memcpy(p, a, alen);
	if (blen > 0)
		memcpy(p + alen, b, blen);
	if (clen > 0)
		memcpy(p + alen + blen, c, clen);
	*len = alen + blen + clen;
	return p;
}

/* run_feeds - feed in[0..len) split at cut (ALL: no split) and then in
 * pieces of chunk bytes (ALL: the rest at once), always to the end, then
 * finish. Checks that an error, once returned, is returned by every later
 * feed and by finish. */
static enum tr_err
run_feeds(const unsigned char *in, size_t len, size_t cut, size_t chunk,
    const struct tr_limits *lim, unsigned char **out, size_t *outlen,
    struct tr_error *err)
{
	struct tr_gunzip *gz;
	enum tr_err rc, first = TR_OK;
	size_t pos = 0, n;

	gz = tr_gunzip_new(lim);
	assert_non_null(gz);
	while (pos < len) {
		if (cut != ALL && pos < cut)
			n = cut - pos;
		else if (chunk == ALL)
			n = len - pos;
		else
			n = len - pos < chunk ? len - pos : chunk;
		if (n == 0)
			n = len - pos;
		rc = tr_gunzip_feed(gz, in + pos, n, err);
		if (first != TR_OK)
			assert_code(rc, first, *err);
		else
			first = rc;
		pos += n;
	}
	if (cut == 0 || cut == len) {
		/* an empty feed is allowed and changes nothing */
		rc = tr_gunzip_feed(gz, in, 0, err);
		assert_code(rc, first, *err);
	}
	rc = tr_gunzip_finish(gz, out, outlen, err);
	if (first != TR_OK)
		assert_code(rc, first, *err);
	if (rc != TR_OK)
		assert_null(*out);
	tr_gunzip_free(gz);
	return rc;
}

/* expect_output - in gunzips (in one feed) to exactly want */
static void
expect_output(const unsigned char *in, size_t len,
    const struct tr_limits *lim, const unsigned char *want, size_t wantlen)
{
	struct tr_error err;
	unsigned char *out;
	size_t outlen;
	enum tr_err rc;

	rc = tr_gunzip_buf(in, len, lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen);
	assert_int_equal(out[outlen], '\0');
	free(out);
}

/* expect_error - in fails with code and a message containing text, both
 * in one feed and byte at a time */
static void
expect_error(const unsigned char *in, size_t len,
    const struct tr_limits *lim, enum tr_err code, const char *text)
{
	struct tr_error err;
	unsigned char *out;
	size_t outlen;
	enum tr_err rc;

	rc = tr_gunzip_buf(in, len, lim, &out, &outlen, &err);
	assert_code(rc, code, err);
	assert_int_equal(err.code, code);
	assert_msg_has(err, text);
	assert_null(out);
	assert_int_equal(outlen, 0);
	rc = run_feeds(in, len, ALL, 1, lim, &out, &outlen, &err);
	assert_code(rc, code, err);
	assert_msg_has(err, text);
}

/* check_corpus - a corpus .gz gunzips to exactly its .json, however fed */
static void
check_corpus(const char *gzname, const char *jsonname)
{
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *gz, *json, *out;
	size_t gzlen, jsonlen, outlen;
	enum tr_err rc;

	tr_limits_default(&lim);
	gz = tu_read(gzname, &gzlen);
	json = tu_read(jsonname, &jsonlen);
	expect_output(gz, gzlen, &lim, json, jsonlen);
	rc = run_feeds(gz, gzlen, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, jsonlen);
	assert_memory_equal(out, json, jsonlen);
	free(out);
	free(gz);
	free(json);
}

/* test_corpus_mail_tls_rpt - marcbradshaw/mail-tls-rpt's report.json.gz */
static void
test_corpus_mail_tls_rpt(void **state)
{
	(void)state;
	check_corpus("corpus/mail-tls-rpt__report.json.gz",
	    "corpus/mail-tls-rpt__report.json");
}

/* test_corpus_example - YnkDK/smtp_tls_reporting's example.gz */
static void
test_corpus_example(void **state)
{
	(void)state;
	check_corpus("corpus/smtp_tls_reporting__example.gz",
	    "corpus/smtp_tls_reporting__example.json");
}

/* test_magic_only - the 2-byte 1f 8b file is a truncated stream */
static void
test_magic_only(void **state)
{
	struct tr_limits lim;
	unsigned char *in;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	in = tu_read("corpus/invalid/"
	    "smtp_tls_reporting__test_MtaStsReport.py.magic_only.gz", &len);
	assert_int_equal(len, 2);
	expect_error(in, len, &lim, TR_ERR_GZIP_TRUNCATED,
	    "gzip stream truncated after 2 input bytes");
	free(in);
}

/* test_empty - no input at all is a truncated stream, fed or not */
static void
test_empty(void **state)
{
	struct tr_limits lim;
	struct tr_error err;
	struct tr_gunzip *gz;
	unsigned char *out;
	size_t outlen;
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	expect_error((const unsigned char *)"", 0, &lim,
	    TR_ERR_GZIP_TRUNCATED, "gzip stream truncated after 0 input bytes");

	gz = tr_gunzip_new(&lim);
	assert_non_null(gz);
	rc = tr_gunzip_finish(gz, &out, &outlen, &err);
	assert_code(rc, TR_ERR_GZIP_TRUNCATED, err);
	assert_string_equal(err.msg,
	    "gzip stream truncated after 0 input bytes");
	tr_gunzip_free(gz);
}

/* test_empty_member - a valid gzip of nothing gives "" (NUL-terminated) */
static void
test_empty_member(void **state)
{
	struct tr_limits lim;
	unsigned char *gz;
	size_t gzlen;

	(void)state;
	tr_limits_default(&lim);
	gz = gz_make("", 0, 0, &gzlen);
	expect_output(gz, gzlen, &lim, (const unsigned char *)"", 0);
	free(gz);
}

/* test_split_every_position - a 2-4 KB gzip: every two-feed split and byte
 * at a time give exactly the one-feed output */
static void
test_split_every_position(void **state)
{
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *text, *gz, *out;
	size_t tlen, gzlen, outlen, k;
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	text = synth_report(120, 7, &tlen);
	gz = gz_make(text, tlen, 1, &gzlen);
	assert_in_range(gzlen, 2048, 4096);
	expect_output(gz, gzlen, &lim, text, tlen);

	for (k = 0; k <= gzlen; k++) {
		rc = run_feeds(gz, gzlen, k, ALL, &lim, &out, &outlen, &err);
		if (rc != TR_OK)
			fail_msg("split at %zu: %s", k, err.msg);
		assert_int_equal(outlen, tlen);
		if (memcmp(out, text, tlen) != 0)
			fail_msg("split at %zu: output differs", k);
		free(out);
	}
	rc = run_feeds(gz, gzlen, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, tlen);
	assert_memory_equal(out, text, tlen);
	free(out);
	free(gz);
	free(text);
}

/* test_split_truncated - a cut stream is TRUNCATED, with the same
 * message, at every split */
static void
test_split_truncated(void **state)
{
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *text, *gz, *out;
	size_t tlen, gzlen, outlen, k, cut;
	char want[128];
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	text = synth_report(120, 7, &tlen);
	gz = gz_make(text, tlen, 1, &gzlen);
	cut = gzlen - 5;	/* inside the CRC-32 of the trailer */
	snprintf(want, sizeof(want),
	    "gzip stream truncated after %zu input bytes", cut);
	for (k = 0; k <= cut; k++) {
		rc = run_feeds(gz, cut, k, ALL, &lim, &out, &outlen, &err);
		assert_code(rc, TR_ERR_GZIP_TRUNCATED, err);
		assert_string_equal(err.msg, want);
	}
	rc = run_feeds(gz, cut, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_ERR_GZIP_TRUNCATED, err);
	assert_string_equal(err.msg, want);
	free(gz);
	free(text);
}

/* test_truncated_every_length - every strict prefix of a gzip (headers
 * with every optional field included) is TRUNCATED, never corrupt */
static void
test_truncated_every_length(void **state)
{
	static const char json[] = "{\"organization-name\":\"Example\","
	    "\"report-id\":\"2024-01-01T00:00:00Z_example.com\"}";
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *gz, *out;
	size_t gzlen, n, outlen;
	char want[128];
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	gz = gz_make(json, sizeof(json) - 1, 1, &gzlen);
	for (n = 0; n < gzlen; n++) {
		snprintf(want, sizeof(want),
		    "gzip stream truncated after %zu input bytes", n);
		rc = tr_gunzip_buf(gz, n, &lim, &out, &outlen, &err);
		if (rc != TR_ERR_GZIP_TRUNCATED)
			fail_msg("prefix of %zu bytes: %s (%s)", n,
			    tr_err_name(rc), err.msg);
		assert_string_equal(err.msg, want);
		rc = run_feeds(gz, n, ALL, 1, &lim, &out, &outlen, &err);
		assert_code(rc, TR_ERR_GZIP_TRUNCATED, err);
		assert_string_equal(err.msg, want);
	}
	expect_output(gz, gzlen, &lim, (const unsigned char *)json,
	    sizeof(json) - 1);
	free(gz);
}

/* test_multi_member - concatenated members are joined, however split */
static void
test_multi_member(void **state)
{
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *a, *b, *ga, *gb, *gc, *in, *want, *out;
	size_t alen, blen, glena, glenb, glenc, inlen, wantlen, outlen, k;
	char msg[128];
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	a = synth_report(20, 1, &alen);
	b = synth_report(30, 2, &blen);
	ga = gz_make(a, alen, 1, &glena);
	gb = gz_make(b, blen, 0, &glenb);
	gc = gz_make("", 0, 0, &glenc);		/* an empty member between */
	want = concat(a, alen, b, blen, NULL, 0, &wantlen);

	in = concat(ga, glena, gb, glenb, NULL, 0, &inlen);
	expect_output(in, inlen, &lim, want, wantlen);
	free(in);

	in = concat(ga, glena, gc, glenc, gb, glenb, &inlen);
	expect_output(in, inlen, &lim, want, wantlen);
	for (k = 0; k <= inlen; k++) {
		rc = run_feeds(in, inlen, k, ALL, &lim, &out, &outlen, &err);
		if (rc != TR_OK)
			fail_msg("split at %zu: %s", k, err.msg);
		assert_int_equal(outlen, wantlen);
		assert_memory_equal(out, want, wantlen);
		free(out);
	}
	rc = run_feeds(in, inlen, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen);
	free(out);
	free(in);

	/* a second member cut anywhere, even right after its 1f */
	in = concat(ga, glena, gb, glenb, NULL, 0, &inlen);
	for (k = glena + 1; k < inlen; k++) {
		snprintf(msg, sizeof(msg), "gzip stream truncated after "
		    "%zu input bytes (in member 2)", k);
		rc = tr_gunzip_buf(in, k, &lim, &out, &outlen, &err);
		assert_code(rc, TR_ERR_GZIP_TRUNCATED, err);
		assert_string_equal(err.msg, msg);
	}
	free(in);

	/* offsets stay exact across members: garbage after the second */
	in = concat(ga, glena, gb, glenb, "junk", 4, &inlen);
	snprintf(msg, sizeof(msg), "4 bytes of trailing data after the "
	    "gzip stream at offset %zu", glena + glenb);
	rc = run_feeds(in, inlen, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_ERR_GZIP_TRAILING, err);
	assert_string_equal(err.msg, msg);
	rc = tr_gunzip_buf(in, inlen, &lim, &out, &outlen, &err);
	assert_code(rc, TR_ERR_GZIP_TRAILING, err);
	assert_string_equal(err.msg, msg);
	free(in);
	free(a);
	free(b);
	free(ga);
	free(gb);
	free(gc);
	free(want);
}

/* test_trailing_garbage - bytes after the stream that are neither a
 * member nor padding: TRAILING with size and offset, for every split */
static void
test_trailing_garbage(void **state)
{
	static const char json[] = "{\"report-id\":\"x\"}";
	static const unsigned char junk[] = "garbage!";
	static const unsigned char notgz[] = { 0x1f, 0x41, 0x42 };
	static const unsigned char padjunk[] = "\n\n\0x";
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *gz, *in, *out;
	size_t gzlen, inlen, outlen, k;
	char want[128];
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	gz = gz_make(json, sizeof(json) - 1, 0, &gzlen);

	in = concat(gz, gzlen, junk, 8, NULL, 0, &inlen);
	snprintf(want, sizeof(want), "8 bytes of trailing data after the "
	    "gzip stream at offset %zu", gzlen);
	expect_error(in, inlen, &lim, TR_ERR_GZIP_TRAILING, want);
	for (k = 0; k <= inlen; k++) {
		rc = run_feeds(in, inlen, k, ALL, &lim, &out, &outlen, &err);
		assert_code(rc, TR_ERR_GZIP_TRAILING, err);
		assert_string_equal(err.msg, want);
	}
	free(in);

	/* 1f that is not followed by 8b is not a member */
	in = concat(gz, gzlen, notgz, sizeof(notgz), NULL, 0, &inlen);
	snprintf(want, sizeof(want), "3 bytes of trailing data after the "
	    "gzip stream at offset %zu", gzlen);
	expect_error(in, inlen, &lim, TR_ERR_GZIP_TRAILING, want);
	free(in);

	/* padding, then something else: the padding counts as trailing */
	in = concat(gz, gzlen, padjunk, 4, NULL, 0, &inlen);
	snprintf(want, sizeof(want), "4 bytes of trailing data after the "
	    "gzip stream at offset %zu", gzlen);
	expect_error(in, inlen, &lim, TR_ERR_GZIP_TRAILING, want);
	free(in);

	/* padding, then another member: padding only ends the input */
	in = concat(gz, gzlen, "\n", 1, gz, gzlen, &inlen);
	expect_error(in, inlen, &lim, TR_ERR_GZIP_TRAILING,
	    "trailing data after the gzip stream");
	free(in);
	free(gz);
}

/* test_trailing_padding - NULs and whitespace after the stream are fine */
static void
test_trailing_padding(void **state)
{
	static const char json[] = "{\"report-id\":\"x\"}";
	static const char *pads[] = { "\n", "\r\n", "\0\0\0\0", " \t\r\n\f\v\0" };
	static const size_t padlens[] = { 1, 2, 4, 7 };
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *gz, *in, *out;
	size_t gzlen, inlen, outlen, i, k;
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	gz = gz_make(json, sizeof(json) - 1, 0, &gzlen);
	for (i = 0; i < sizeof(padlens) / sizeof(padlens[0]); i++) {
		in = concat(gz, gzlen, pads[i], padlens[i], NULL, 0, &inlen);
		expect_output(in, inlen, &lim, (const unsigned char *)json,
		    sizeof(json) - 1);
		for (k = 0; k <= inlen; k++) {
			rc = run_feeds(in, inlen, k, 1, &lim, &out, &outlen,
			    &err);
			assert_code(rc, TR_OK, err);
			assert_int_equal(outlen, sizeof(json) - 1);
			free(out);
		}
		free(in);
	}
	free(gz);
}

/* inuse - bytes the C library has handed out, 0 when unknown (ASan) */
static size_t
inuse(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* test_bomb_gigabyte - 1 GiB of zeros (about 1 MB of gzip) stops at the
 * absolute cap in the first 64 KiB of input, holding about max_report */
static void
test_bomb_gigabyte(void **state)
{
	struct tr_limits lim;
	struct tr_error err;
	struct tr_gunzip *gz;
	unsigned char *bomb, *out;
	size_t bomblen, before, after, outlen;
	enum tr_err rc;

	(void)state;
	bomb = gz_zeros((size_t)1024 * MIB, &bomblen);
	assert_in_range(bomblen, 900 * 1000, 1200 * 1000);

	tr_limits_default(&lim);
	lim.max_report = MIB;
	lim.max_ratio = 0;	/* the absolute cap alone */
	before = inuse();
	gz = tr_gunzip_new(&lim);
	assert_non_null(gz);
	rc = tr_gunzip_feed(gz, bomb, 64 * 1024, &err);
	assert_code(rc, TR_ERR_DECOMPRESS_LIMIT, err);
	assert_string_equal(err.msg,
	    "decompressed report exceeds the limit of 1048576 bytes");
	after = inuse();
	if (before != 0 && after > before)	/* not under ASan */
		assert_true(after - before < MIB + 256 * 1024);
	rc = tr_gunzip_feed(gz, bomb + 64 * 1024, bomblen - 64 * 1024, &err);
	assert_code(rc, TR_ERR_DECOMPRESS_LIMIT, err);
	rc = tr_gunzip_finish(gz, &out, &outlen, &err);
	assert_code(rc, TR_ERR_DECOMPRESS_LIMIT, err);
	tr_gunzip_free(gz);

	/* the default limits stop it by ratio, before 16 MiB of output */
	tr_limits_default(&lim);
	rc = tr_gunzip_buf(bomb, bomblen, &lim, &out, &outlen, &err);
	assert_code(rc, TR_ERR_DECOMPRESS_LIMIT, err);
	assert_msg_has(err, "decompression ratio over 200:1 (a gzip bomb?)");
	free(bomb);
}

/* test_ratio - 900 KB of zeros trips a 200:1 cap past a 64 KiB grace, is
 * let through under the default 1 MiB grace; a real-looking report of a
 * few hundred KB passes the 64 KiB grace */
static void
test_ratio(void **state)
{
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *gz, *text, *out;
	size_t gzlen, tlen, outlen;
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	lim.max_report = 16 * MIB;
	lim.ratio_grace = 64 * 1024;
	lim.max_ratio = 200;
	gz = gz_zeros(900 * 1000, &gzlen);
	rc = tr_gunzip_buf(gz, gzlen, &lim, &out, &outlen, &err);
	assert_code(rc, TR_ERR_DECOMPRESS_LIMIT, err);
	assert_msg_has(err, "decompression ratio over 200:1 (a gzip bomb?)");
	rc = run_feeds(gz, gzlen, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_ERR_DECOMPRESS_LIMIT, err);
	assert_msg_has(err, "decompression ratio over 200:1");

	tr_limits_default(&lim);	/* 1 MiB grace */
	rc = tr_gunzip_buf(gz, gzlen, &lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, 900 * 1000);
	free(out);
	free(gz);

	lim.ratio_grace = 64 * 1024;
	text = synth_report(3000, 99, &tlen);
	gz = gz_make(text, tlen, 0, &gzlen);
	assert_true(tlen > 4 * lim.ratio_grace);
	assert_true(tlen < gzlen * 50);
	expect_output(gz, gzlen, &lim, text, tlen);
	rc = run_feeds(gz, gzlen, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, tlen);
	free(out);
	free(gz);
	free(text);
}

/* test_exact_limit - output of exactly max_report passes, one more fails */
static void
test_exact_limit(void **state)
{
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *text, *gz, *out;
	size_t tlen, gzlen, outlen;
	char want[128];
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	lim.max_ratio = 0;
	text = synth_report(40, 3, &tlen);
	gz = gz_make(text, tlen, 0, &gzlen);

	lim.max_report = tlen;
	expect_output(gz, gzlen, &lim, text, tlen);
	rc = run_feeds(gz, gzlen, ALL, 1, &lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, tlen);
	free(out);

	lim.max_report = tlen - 1;
	snprintf(want, sizeof(want),
	    "decompressed report exceeds the limit of %zu bytes", tlen - 1);
	expect_error(gz, gzlen, &lim, TR_ERR_DECOMPRESS_LIMIT, want);
	free(gz);
	free(text);

	/* the same across buffer growth: 100000 zeros past 16, 32, 64 KiB */
	gz = gz_zeros(100000, &gzlen);
	lim.max_report = 100000;
	rc = tr_gunzip_buf(gz, gzlen, &lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, 100000);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[99999], 0);
	free(out);
	lim.max_report = 99999;
	expect_error(gz, gzlen, &lim, TR_ERR_DECOMPRESS_LIMIT,
	    "exceeds the limit of 99999 bytes");
	free(gz);
}

/* test_corrupt - CRC, length, header CRC, deflate data, magic, method */
static void
test_corrupt(void **state)
{
	static const char json[] = "{\"organization-name\":\"Example Inc.\","
	    "\"report-id\":\"2024-01-01T00:00:00Z_example.com\"}";
	struct tr_limits lim;
	unsigned char *gz, *bad, *hgz;
	size_t gzlen, hlen;

	(void)state;
	tr_limits_default(&lim);
	gz = gz_make(json, sizeof(json) - 1, 0, &gzlen);
	bad = malloc(gzlen);
	assert_non_null(bad);

	memcpy(bad, gz, gzlen);
	bad[gzlen - 8] ^= 0x01;		/* CRC-32 */
	expect_error(bad, gzlen, &lim, TR_ERR_GZIP, "incorrect data check");

	memcpy(bad, gz, gzlen);
	bad[gzlen - 4] ^= 0x01;		/* ISIZE */
	expect_error(bad, gzlen, &lim, TR_ERR_GZIP, "incorrect length check");

	memcpy(bad, gz, gzlen);
	bad[10] |= 0x06;		/* first block: BTYPE 11 (reserved) */
	expect_error(bad, gzlen, &lim, TR_ERR_GZIP, "invalid block type");
	expect_error(bad, gzlen, &lim, TR_ERR_GZIP, "at input offset 11");

	memcpy(bad, gz, gzlen);
	bad[1] = 0x8c;
	expect_error(bad, gzlen, &lim, TR_ERR_GZIP, "incorrect header check");

	memcpy(bad, gz, gzlen);
	bad[2] = 7;
	expect_error(bad, gzlen, &lim, TR_ERR_GZIP,
	    "unknown compression method");

	/* plain JSON is not gzip */
	expect_error((const unsigned char *)json, sizeof(json) - 1, &lim,
	    TR_ERR_GZIP, "incorrect header check");

	/* header CRC: FHCRC covers the name and comment */
	hgz = gz_make(json, sizeof(json) - 1, 1, &hlen);
	hgz[14] ^= 0x01;	/* inside FEXTRA's data */
	expect_error(hgz, hlen, &lim, TR_ERR_GZIP, "header crc mismatch");
	free(hgz);
	free(bad);
	free(gz);
}

/* test_zlib_stream - a zlib (RFC 1950) stream is not accepted as gzip */
static void
test_zlib_stream(void **state)
{
	static const char json[] = "{\"report-id\":\"x\"}";
	struct tr_limits lim;
	unsigned char z[128];
	uLongf zlen = sizeof(z);

	(void)state;
	tr_limits_default(&lim);
	assert_int_equal(compress(z, &zlen, (const Bytef *)json,
	    sizeof(json) - 1), Z_OK);
	expect_error(z, zlen, &lim, TR_ERR_GZIP, "incorrect header check");
}

/* test_error_sticky - after an error, later feeds answer the same */
static void
test_error_sticky(void **state)
{
	static const char json[] = "{\"report-id\":\"x\"}";
	struct tr_limits lim;
	struct tr_error err;
	struct tr_gunzip *gz;
	unsigned char *good, *out;
	size_t glen, outlen;
	char first[TR_ERRMSG_MAX];
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	good = gz_make(json, sizeof(json) - 1, 0, &glen);
	gz = tr_gunzip_new(&lim);
	assert_non_null(gz);
	rc = tr_gunzip_feed(gz, (const unsigned char *)"PK\3\4", 4, &err);
	assert_code(rc, TR_ERR_GZIP, err);
	snprintf(first, sizeof(first), "%s", err.msg);
	rc = tr_gunzip_feed(gz, good, glen, &err);
	assert_code(rc, TR_ERR_GZIP, err);
	assert_string_equal(err.msg, first);
	rc = tr_gunzip_finish(gz, &out, &outlen, &err);
	assert_code(rc, TR_ERR_GZIP, err);
	assert_null(out);
	tr_gunzip_free(gz);
	tr_gunzip_free(NULL);
	free(good);
}

/* main - run every gunzip test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_mail_tls_rpt),
		cmocka_unit_test(test_corpus_example),
		cmocka_unit_test(test_magic_only),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_empty_member),
		cmocka_unit_test(test_split_every_position),
		cmocka_unit_test(test_split_truncated),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_multi_member),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_trailing_padding),
		cmocka_unit_test(test_bomb_gigabyte),
		cmocka_unit_test(test_ratio),
		cmocka_unit_test(test_exact_limit),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_zlib_stream),
		cmocka_unit_test(test_error_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
