/* ziputil.h - zip archives written field by field for test_unzip.c, and
 * its expectations */
#ifndef TR_TEST_ZIPUTIL_H
#define TR_TEST_ZIPUTIL_H

#include <zlib.h>

#include "error.h"
#include "limits.h"
#include "unzip.h"

#define MIB	(1024 * 1024)

#define assert_code(rc, want, e) do {					\
	if ((rc) != (want))						\
		fail_msg("got %s (\"%s\"), want %s", tr_err_name(rc),	\
		    (e).msg, tr_err_name(want));			\
} while (0)

#define assert_msg_has(e, s) do {					\
	if (strstr((e).msg, (s)) == NULL)				\
		fail_msg("message \"%s\" lacks \"%s\"", (e).msg, (s));	\
} while (0)

static const char report[] = "{\"organization-name\":\"Example Inc.\","
    "\"date-range\":{\"start-datetime\":\"2024-01-01T00:00:00Z\","
    "\"end-datetime\":\"2024-01-01T23:59:59Z\"},\"contact-info\":"
    "\"tlsrpt@example.com\",\"report-id\":\"2024-01-01_example.net\","
    "\"policies\":[]}";
#define REPORT_LEN	(sizeof(report) - 1)

/* One member to write; the test controls every header field. */
struct zent {
	const char	*name;
	const void	*data;		/* uncompressed content */
	size_t		 len;
	unsigned	 method;	/* 0 stored, 8 deflate, else data as is */
	unsigned	 flags;		/* bit 3 writes a data descriptor */
	int		 strategy;	/* deflate strategy (0 = default) */
	uint32_t	 crc_xor;	/* corrupt the recorded CRC-32 */
	long long	 usize;		/* declared size if >= 0 */
};

struct zbuf {
	unsigned char	*p;
	size_t		 len, cap;
};

/* zb_put - append n bytes */
static void
zb_put(struct zbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* zb_u16 - append a little-endian 16-bit field */
static void
zb_u16(struct zbuf *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	zb_put(b, c, 2);
}

/* zb_u32 - append a little-endian 32-bit field */
static void
zb_u32(struct zbuf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	zb_put(b, c, 4);
}

/* put16 - overwrite a little-endian 16-bit field at p */
static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

/* put32 - overwrite a little-endian 32-bit field at p */
static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* get32 - read a little-endian 32-bit field at p */
static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* deflate_with - data deflated with zlib; windowbits -15 gives raw deflate
 * (a zip member), 31 gzip; flush_every > 0 forces a full flush that often */
static unsigned char *
deflate_with(const void *data, size_t len, int windowbits, int strategy,
    size_t flush_every, size_t *outlen)
{
	const unsigned char *in = data;
	unsigned char *out;
	size_t cap, pos = 0, step;
	z_stream z;
	int flush;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, windowbits, 8,
	    strategy), Z_OK);
	cap = deflateBound(&z, (uLong)len) + 64 +
	    (flush_every > 0 ? (len / flush_every + 1) * 16 : 0);
	out = malloc(cap);
	assert_non_null(out);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	do {
		step = len - pos;
		if (flush_every > 0 && step > flush_every)
			step = flush_every;
		z.next_in = (Bytef *)(uintptr_t)(in + pos);
		z.avail_in = (uInt)step;
		pos += step;
		flush = pos == len ? Z_FINISH :
		    flush_every > 0 ? Z_FULL_FLUSH : Z_NO_FLUSH;
		assert_true(deflate(&z, flush) != Z_STREAM_ERROR);
		assert_int_equal(z.avail_in, 0);
	} while (flush != Z_FINISH);
	assert_int_equal(deflateEnd(&z), Z_OK);
	*outlen = cap - z.avail_out;
	return out;
}

/* zip_build - an archive of ents: local headers and data, the central
 * directory, the end record (with comment) */
static unsigned char *
zip_build(const struct zent *ents, size_t n, const char *comment,
    size_t *len)
{
	struct zbuf b = { NULL, 0, 0 };
	unsigned char **cdata;
	size_t *clen, i, cd_off, cd_end, nlen;
	uint32_t *crc, *lho, *usize;

	cdata = calloc(n + 1, sizeof(*cdata));
	clen = calloc(n + 1, sizeof(*clen));
	crc = calloc(n + 1, sizeof(*crc));
	lho = calloc(n + 1, sizeof(*lho));
	usize = calloc(n + 1, sizeof(*usize));
	assert_true(cdata && clen && crc && lho && usize);
	for (i = 0; i < n; i++) {
		const struct zent *e = &ents[i];

		if (e->method == 8)
			cdata[i] = deflate_with(e->data, e->len, -MAX_WBITS,
			    e->strategy, 0, &clen[i]);
		else {
			cdata[i] = malloc(e->len + 1);
			assert_non_null(cdata[i]);
			memcpy(cdata[i], e->data, e->len);
			clen[i] = e->len;
		}
		crc[i] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), e->data,
		    (uInt)e->len) ^ e->crc_xor;
		usize[i] = e->usize >= 0 ? (uint32_t)e->usize :
		    (uint32_t)e->len;
		nlen = strlen(e->name);
		lho[i] = (uint32_t)b.len;
		zb_u32(&b, 0x04034b50);
		zb_u16(&b, 20);
		zb_u16(&b, e->flags);
		zb_u16(&b, e->method);
		zb_u16(&b, 0);			/* time */
		zb_u16(&b, 0x21);		/* 1980-01-01 */
		if (e->flags & 8) {		/* sizes follow the data */
			zb_u32(&b, 0);
			zb_u32(&b, 0);
			zb_u32(&b, 0);
		} else {
			zb_u32(&b, crc[i]);
			zb_u32(&b, (uint32_t)clen[i]);
			zb_u32(&b, usize[i]);
		}
		zb_u16(&b, (unsigned)nlen);
		zb_u16(&b, 0);
		zb_put(&b, e->name, nlen);
		zb_put(&b, cdata[i], clen[i]);
		if (e->flags & 8) {
			zb_u32(&b, 0x08074b50);
			zb_u32(&b, crc[i]);
			zb_u32(&b, (uint32_t)clen[i]);
			zb_u32(&b, usize[i]);
		}
	}
	cd_off = b.len;
	for (i = 0; i < n; i++) {
		const struct zent *e = &ents[i];

		nlen = strlen(e->name);
		zb_u32(&b, 0x02014b50);
		zb_u16(&b, 0x031e);		/* made by: Unix, 3.0 */
		zb_u16(&b, 20);
		zb_u16(&b, e->flags);
		zb_u16(&b, e->method);
		zb_u16(&b, 0);
		zb_u16(&b, 0x21);
		zb_u32(&b, crc[i]);
		zb_u32(&b, (uint32_t)clen[i]);
		zb_u32(&b, usize[i]);
		zb_u16(&b, (unsigned)nlen);
		zb_u16(&b, 0);			/* extra */
		zb_u16(&b, 0);			/* comment */
		zb_u16(&b, 0);			/* disk */
		zb_u16(&b, 0);			/* internal attributes */
		zb_u32(&b, 0100644u << 16);	/* external attributes */
		zb_u32(&b, lho[i]);
		zb_put(&b, e->name, nlen);
		free(cdata[i]);
	}
	cd_end = b.len;
	zb_u32(&b, 0x06054b50);
	zb_u16(&b, 0);
	zb_u16(&b, 0);
	zb_u16(&b, (unsigned)n);
	zb_u16(&b, (unsigned)n);
	zb_u32(&b, (uint32_t)(cd_end - cd_off));
	zb_u32(&b, (uint32_t)cd_off);
	zb_u16(&b, comment != NULL ? (unsigned)strlen(comment) : 0);
	if (comment != NULL)
		zb_put(&b, comment, strlen(comment));
	free(cdata);
	free(clen);
	free(crc);
	free(lho);
	free(usize);
	*len = b.len;
	return b.p;
}

/* zip_one - an archive of one member */
static unsigned char *
zip_one(const char *name, const void *data, size_t dlen, unsigned method,
    size_t *len)
{
	struct zent e = { name, data, dlen, method, 0, 0, 0, -1 };

	return zip_build(&e, 1, NULL, len);
}

/* eocd_of - the end record of an archive built without a comment */
static unsigned char *
eocd_of(unsigned char *zip, size_t len)
{
	return zip + len - 22;
}

/* cdh_of - the first central directory header */
static unsigned char *
cdh_of(unsigned char *zip, size_t len)
{
	return zip + get32(eocd_of(zip, len) + 16);
}

/* expect_json - unzip gives exactly want (NUL-terminated) */
static void
expect_json(const unsigned char *zip, size_t len,
    const struct tr_limits *lim, const void *want, size_t wantlen)
{
	struct tr_error err;
	unsigned char *out;
	size_t outlen;
	enum tr_err rc;

	rc = tr_unzip_json(zip, len, lim, &out, &outlen, &err);
	assert_code(rc, TR_OK, err);
	assert_int_equal(outlen, wantlen);
	assert_memory_equal(out, want, wantlen);
	assert_int_equal(out[outlen], '\0');
	free(out);
}

/* expect_fail - unzip fails with code and text in the message */
static void
expect_fail(const unsigned char *zip, size_t len,
    const struct tr_limits *lim, enum tr_err code, const char *text)
{
	struct tr_error err;
	unsigned char *out = (unsigned char *)"x";
	size_t outlen = 1;
	enum tr_err rc;

	rc = tr_unzip_json(zip, len, lim, &out, &outlen, &err);
	assert_code(rc, code, err);
	assert_int_equal(err.code, code);
	assert_msg_has(err, text);
	assert_null(out);
	assert_int_equal(outlen, 0);
}

#endif
