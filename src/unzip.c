/*
 * unzip.c - the .json members of a zip archive, bounded
 *
 * A few senders mail their reports as a .zip holding report.json (or
 * report.json.gz). We need exactly one member, stored or deflated, from an
 * archive that is already in memory, so the archive is read by hand: the
 * end-of-central-directory record, the central directory, one local header,
 * then zlib's raw inflate (-MAX_WBITS) for the data. minizip could do it, but
 * reading from memory needs a zlib_filefunc64_def of open/read/seek/tell/
 * close callbacks -- more glue than this whole file -- and it is not a
 * project dependency; libarchive would bring every format for one method.
 *
 * Every offset and length comes from the sender and is checked against the
 * buffer before use. Sizes and CRC come from the central directory, so
 * members written with a data descriptor (general purpose flag bit 3, zero
 * sizes in the local header) work without trusting the descriptor. Refused:
 * encryption, methods other than stored and deflate, ZIP64, multi-volume
 * archives and more than ZIP_MAX_ENTRIES entries. The output obeys the same
 * limits as gunzip: the declared size is checked against max_report and the
 * ratio cap before anything is allocated, and inflate can never write more
 * than the declared size plus one byte, so a lying header costs nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "gunzip.h"

#define ZIP_EOCD_SIG	0x06054b50u	/* end of central directory */
#define ZIP_EOCD_LEN	22
#define ZIP_CDH_SIG	0x02014b50u	/* central directory header */
#define ZIP_CDH_LEN	46
#define ZIP_LFH_SIG	0x04034b50u	/* local file header */
#define ZIP_LFH_LEN	30
#define ZIP64_LOC_SIG	0x07064b50u	/* ZIP64 end of central dir locator */
#define ZIP64_LOC_LEN	20
#define ZIP_MAX_COMMENT	0xffffu
#define ZIP_MAX_ENTRIES	1000		/* a report archive holds one or two */
/* largest uInt; <limits.h> is shadowed by the project's include/limits.h */
#define ZUINT_MAX	((uInt)-1)

#define ZIP_FLAG_ENCRYPTED	0x0001u
#define ZIP_FLAG_STRONG_ENC	0x0040u
#define ZIP_METHOD_STORED	0
#define ZIP_METHOD_DEFLATE	8

/* One central directory entry, as declared (untrusted). */
struct zip_entry {
	const unsigned char *name;
	size_t		 namelen;
	char		 qname[96];	/* name quoted for messages */
	unsigned	 flags;
	unsigned	 method;
	uint32_t	 crc;
	uint32_t	 csize;
	uint32_t	 usize;
	uint32_t	 lho;		/* offset of the local header */
	int		 gzipped;	/* *.json.gz */
};

/* rd16 - little-endian 16-bit field */
static unsigned
rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* rd32 - little-endian 32-bit field */
static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* ends_with_ci - true when name ends in the lower-case ASCII suffix */
static int
ends_with_ci(const unsigned char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix), i;
	unsigned char c;

	if (len < n)
		return 0;
	for (i = 0; i < n; i++) {
		c = name[len - n + i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)suffix[i])
			return 0;
	}
	return 1;
}

/* is_macos_sidecar - true for the AppleDouble copies macOS adds to archives
 * ("__MACOSX/._report.json"): binary, and named like the report */
static int
is_macos_sidecar(const unsigned char *name, size_t len)
{
	size_t base = len;

	if (len >= 9 && memcmp(name, "__MACOSX/", 9) == 0)
		return 1;
	while (base > 0 && name[base - 1] != '/')
		base--;
	return len - base >= 2 && name[base] == '.' && name[base + 1] == '_';
}

/* ratio_exceeded - true when out/in > max (max 0 disables the check) */
static int
ratio_exceeded(uint64_t out, uint64_t in, unsigned max)
{
	if (max == 0)
		return 0;
	if (in > UINT64_MAX / max)
		return 0;
	return out > in * max;
}

/* find_eocd - offset of the end-of-central-directory record: the last one
 * whose comment fits in the buffer (the comment may itself hold a copy of
 * the signature, so scan from the end) */
static enum tr_err
find_eocd(const unsigned char *in, size_t len, size_t *eocd,
    struct tr_error *err)
{
	size_t off, lowest;

	if (len < ZIP_EOCD_LEN)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: %zu bytes is too short for an archive", len);
	off = len - ZIP_EOCD_LEN;
	lowest = off > ZIP_MAX_COMMENT ? off - ZIP_MAX_COMMENT : 0;
	for (;;) {
		if (rd32(in + off) == ZIP_EOCD_SIG &&
		    rd16(in + off + 20) <= len - off - ZIP_EOCD_LEN) {
			*eocd = off;
			return TR_OK;
		}
		if (off == lowest)
			break;
		off--;
	}
	return tr_error_set(err, TR_ERR_ZIP,
	    "zip: no end of central directory record (truncated or not a zip)");
}

/* zip_inflate - raw-inflate exactly e->usize bytes from data into out,
 * which holds e->usize + 1 bytes so that one byte too many shows */
static enum tr_err
zip_inflate(const struct zip_entry *e, const unsigned char *data,
    unsigned char *out, struct tr_error *err)
{
	z_stream z;
	int ret;

	memset(&z, 0, sizeof(z));
	/* negative window bits: raw deflate, zip has its own framing */
	if ((ret = inflateInit2(&z, -MAX_WBITS)) != Z_OK)
		return tr_error_set(err, ret == Z_MEM_ERROR ? TR_ERR_NOMEM :
		    TR_ERR_ZIP, "zip: cannot start inflate for member %s",
		    e->qname);
	z.next_in = data;
	z.avail_in = e->csize;
	z.next_out = out;
	z.avail_out = (uInt)e->usize + 1;	/* usize < 2^32 - 1 here */
	ret = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	switch (ret) {
	case Z_STREAM_END:
		if (z.total_out != e->usize)
			return tr_error_set(err, TR_ERR_ZIP,
			    "zip: member %s inflates to %lu bytes, the central "
			    "directory says %lu", e->qname, (unsigned long)
			    z.total_out, (unsigned long)e->usize);
		return TR_OK;
	case Z_OK:
	case Z_BUF_ERROR:
		if (z.avail_out == 0)
			return tr_error_set(err, TR_ERR_ZIP,
			    "zip: member %s inflates to more than its declared "
			    "%lu bytes", e->qname, (unsigned long)e->usize);
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: deflate data of member %s ends early (after %lu of "
		    "%lu compressed bytes)", e->qname, (unsigned long)z.total_in,
		    (unsigned long)e->csize);
	case Z_MEM_ERROR:
		return tr_error_set(err, TR_ERR_NOMEM,
		    "out of memory inflating zip member %s", e->qname);
	default:
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: corrupt deflate data in member %s at compressed "
		    "offset %lu: %s", e->qname, (unsigned long)z.total_in,
		    z.msg != NULL ? z.msg : "inflate failed");
	}
}

/* zip_crc32 - CRC-32 of len bytes, in uInt-sized steps */
static uint32_t
zip_crc32(const unsigned char *p, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	uInt n;

	while (len > 0) {
		n = len > ZUINT_MAX ? ZUINT_MAX : (uInt)len;
		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)crc;
}

/* zip_extract - the checked, decompressed (and gunzipped) data of e;
 * cd_off bounds the member data, which must lie before the directory */
static enum tr_err
zip_extract(const unsigned char *in, size_t cd_off, const struct zip_entry *e,
    const struct tr_limits *limits, unsigned char **out, size_t *outlen,
    struct tr_error *err)
{
	const unsigned char *lfh;
	unsigned char *buf;
	uint64_t data_off;
	uint32_t got;
	enum tr_err rc;
	size_t n;

	if ((e->flags & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG_ENC)) != 0)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: member %s is encrypted", e->qname);
	if (e->method != ZIP_METHOD_STORED && e->method != ZIP_METHOD_DEFLATE)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: member %s uses compression method %u; only stored "
		    "(0) and deflate (8) are supported", e->qname, e->method);
	if (e->csize == 0xffffffffu || e->usize == 0xffffffffu ||
	    e->lho == 0xffffffffu)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: member %s needs ZIP64, which is not supported",
		    e->qname);

	/* the local header: only its own length fields matter to us */
	if ((uint64_t)e->lho + ZIP_LFH_LEN > cd_off)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: local header of member %s at offset %lu lies outside "
		    "the archive data (%zu bytes)", e->qname,
		    (unsigned long)e->lho, cd_off);
	lfh = in + e->lho;
	if (rd32(lfh) != ZIP_LFH_SIG)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: no local header for member %s at offset %lu",
		    e->qname, (unsigned long)e->lho);
	if ((rd16(lfh + 6) & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG_ENC)) != 0)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: member %s is encrypted", e->qname);
	if (rd16(lfh + 8) != e->method)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: member %s: local header says method %u, central "
		    "directory %u", e->qname, rd16(lfh + 8), e->method);
	data_off = (uint64_t)e->lho + ZIP_LFH_LEN + rd16(lfh + 26) +
	    rd16(lfh + 28);
	if (data_off + e->csize > cd_off)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: data of member %s (offset %llu, %lu bytes) runs past "
		    "the archive data (%zu bytes)", e->qname,
		    (unsigned long long)data_off, (unsigned long)e->csize,
		    cd_off);

	/* limits on what the header declares, before allocating anything;
	 * a member that lies about its size fails in zip_inflate */
	if (e->usize > limits->max_report)
		return tr_error_set(err, TR_ERR_DECOMPRESS_LIMIT,
		    "decompressed report exceeds the limit of %zu bytes "
		    "(zip member %s declares %lu)", limits->max_report,
		    e->qname, (unsigned long)e->usize);
	if (e->usize > limits->ratio_grace &&
	    ratio_exceeded(e->usize, e->csize, limits->max_ratio))
		return tr_error_set(err, TR_ERR_DECOMPRESS_LIMIT,
		    "decompression ratio over %u:1 (a zip bomb?): member %s "
		    "declares %lu bytes from %lu", limits->max_ratio, e->qname,
		    (unsigned long)e->usize, (unsigned long)e->csize);

	if ((buf = malloc((size_t)e->usize + 1)) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM,
		    "out of memory for zip member %s (%lu bytes)", e->qname,
		    (unsigned long)e->usize);
	if (e->method == ZIP_METHOD_STORED) {
		if (e->csize != e->usize) {
			free(buf);
			return tr_error_set(err, TR_ERR_ZIP,
			    "zip: stored member %s has %lu compressed but %lu "
			    "uncompressed bytes", e->qname,
			    (unsigned long)e->csize, (unsigned long)e->usize);
		}
		memcpy(buf, in + data_off, e->usize);
	} else if ((rc = zip_inflate(e, in + data_off, buf, err)) != TR_OK) {
		free(buf);
		return rc;
	}
	n = e->usize;
	if ((got = zip_crc32(buf, n)) != e->crc) {
		free(buf);
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: CRC-32 mismatch in member %s (computed %08lx, "
		    "stored %08lx)", e->qname, (unsigned long)got,
		    (unsigned long)e->crc);
	}

	if (!e->gzipped) {
		buf[n] = '\0';
		*out = buf;
		*outlen = n;
		tr_error_clear(err);
		return TR_OK;
	}
	rc = tr_gunzip_buf(buf, n, limits, out, outlen, err);
	free(buf);
	if (rc != TR_OK) {
		tr_error_prefix(err, "zip member %s", e->qname);
		return rc;
	}
	/* gunzip bounded its own ratio; bound the product of both too */
	if (*outlen > limits->ratio_grace &&
	    ratio_exceeded(*outlen, e->csize, limits->max_ratio)) {
		rc = tr_error_set(err, TR_ERR_DECOMPRESS_LIMIT,
		    "decompression ratio over %u:1 (a zip bomb?): member %s "
		    "gives %zu bytes from %lu", limits->max_ratio, e->qname,
		    *outlen, (unsigned long)e->csize);
		free(*out);
		*out = NULL;
		*outlen = 0;
		return rc;
	}
	return TR_OK;
}

/* tr_unzip_each - every member of a zip archive, reports decompressed */
enum tr_err
tr_unzip_each(const unsigned char *in, size_t len,
    const struct tr_limits *limits, tr_unzip_cb cb, void *arg,
    struct tr_error *err)
{
	struct tr_limits deflim;
	struct tr_zip_member m;
	struct zip_entry e;
	const unsigned char *eocd, *cd;
	unsigned char *out;
	size_t eocd_off = 0, pos, cd_end, outlen;
	unsigned entries, i, nreports = 0;
	uint32_t cd_size, cd_off;
	enum tr_err rc;

	tr_error_clear(err);
	if (limits == NULL) {
		tr_limits_default(&deflim);
		limits = &deflim;
	}
	if ((rc = find_eocd(in, len, &eocd_off, err)) != TR_OK)
		return rc;
	eocd = in + eocd_off;
	if (eocd_off >= ZIP64_LOC_LEN &&
	    rd32(eocd - ZIP64_LOC_LEN) == ZIP64_LOC_SIG)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: ZIP64 archives are not supported");
	entries = rd16(eocd + 10);
	cd_size = rd32(eocd + 12);
	cd_off = rd32(eocd + 16);
	if (entries == 0xffffu || cd_size == 0xffffffffu ||
	    cd_off == 0xffffffffu)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: ZIP64 archives are not supported");
	if (rd16(eocd + 4) != 0 || rd16(eocd + 6) != 0 ||
	    rd16(eocd + 8) != entries)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: multi-volume archives are not supported");
	if (entries > ZIP_MAX_ENTRIES)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: %u entries, over the limit of %u", entries,
		    ZIP_MAX_ENTRIES);
	if ((uint64_t)cd_off + cd_size > eocd_off)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: central directory (offset %lu, %lu bytes) lies "
		    "outside the archive (%zu bytes before the end record)",
		    (unsigned long)cd_off, (unsigned long)cd_size, eocd_off);

	cd_end = (size_t)cd_off + cd_size;
	pos = cd_off;
	for (i = 0; i < entries; i++) {
		if (cd_end - pos < ZIP_CDH_LEN)
			return tr_error_set(err, TR_ERR_ZIP,
			    "zip: central directory entry %u at offset %zu "
			    "runs past the directory", i, pos);
		cd = in + pos;
		if (rd32(cd) != ZIP_CDH_SIG)
			return tr_error_set(err, TR_ERR_ZIP,
			    "zip: bad central directory entry %u at offset "
			    "%zu", i, pos);
		memset(&e, 0, sizeof(e));
		e.flags = rd16(cd + 8);
		e.method = rd16(cd + 10);
		e.crc = rd32(cd + 16);
		e.csize = rd32(cd + 20);
		e.usize = rd32(cd + 24);
		e.namelen = rd16(cd + 28);
		e.lho = rd32(cd + 42);
		if (cd_end - pos - ZIP_CDH_LEN < (size_t)e.namelen +
		    rd16(cd + 30) + rd16(cd + 32))
			return tr_error_set(err, TR_ERR_ZIP,
			    "zip: central directory entry %u at offset %zu "
			    "runs past the directory", i, pos);
		e.name = cd + ZIP_CDH_LEN;
		pos += ZIP_CDH_LEN + e.namelen + rd16(cd + 30) +
		    rd16(cd + 32);

		/* AppleDouble copies of a report are metadata, not reports */
		if (is_macos_sidecar(e.name, e.namelen))
			continue;
		memset(&m, 0, sizeof(m));
		tr_quote(e.qname, sizeof(e.qname), e.name, e.namelen, 64);
		m.name = e.qname;
		/* a directory entry is structure, not content */
		if (e.namelen > 0 && e.name[e.namelen - 1] == '/')
			continue;
		if (ends_with_ci(e.name, e.namelen, ".json"))
			e.gzipped = 0;
		else if (ends_with_ci(e.name, e.namelen, ".json.gz"))
			e.gzipped = 1;
		else {
			if ((rc = cb(arg, &m)) != TR_OK)
				return tr_error_set(err, rc, "zip: stopped at "
				    "member %s", e.qname);
			continue;
		}
		m.report = 1;
		nreports++;
		out = NULL;
		outlen = 0;
		if (zip_extract(in, cd_off, &e, limits, &out, &outlen,
		    &m.err) == TR_OK) {
			m.json = out;
			m.len = outlen;
		}
		rc = cb(arg, &m);
		free(out);
		if (rc != TR_OK)
			return tr_error_set(err, rc, "zip: stopped at member %s",
			    e.qname);
	}
	if (nreports == 0)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: no .json member (%u entries)", entries);
	return TR_OK;
}

/* One report member kept by tr_unzip_json. */
struct first_json {
	unsigned char *out;
	size_t outlen;
	struct tr_error err;
	int found;
};

/* keep_first - tr_unzip_each callback: a copy of the first report member
 * (or its error), then stop */
static enum tr_err
keep_first(void *arg, const struct tr_zip_member *m)
{
	struct first_json *f = arg;

	if (!m->report || f->found)
		return TR_OK;
	f->found = 1;
	if (m->json == NULL) {
		f->err = m->err;
		return TR_OK;
	}
	if ((f->out = malloc(m->len + 1)) == NULL) {
		tr_error_set(&f->err, TR_ERR_NOMEM, "out of memory for zip "
		    "member %s", m->name);
		return TR_OK;
	}
	memcpy(f->out, m->json, m->len + 1);
	f->outlen = m->len;
	return TR_OK;
}

/* tr_unzip_json - the first *.json (or *.json.gz) member of a zip archive */
enum tr_err
tr_unzip_json(const unsigned char *in, size_t len,
    const struct tr_limits *limits, unsigned char **out, size_t *outlen,
    struct tr_error *err)
{
	struct first_json f;
	enum tr_err rc;

	*out = NULL;
	*outlen = 0;
	memset(&f, 0, sizeof(f));
	if ((rc = tr_unzip_each(in, len, limits, keep_first, &f, err)) !=
	    TR_OK) {
		free(f.out);
		return rc;
	}
	if (f.out == NULL) {
		*err = f.err;
		return f.err.code;
	}
	*out = f.out;
	*outlen = f.outlen;
	tr_error_clear(err);
	return TR_OK;
}
