/*
 * gunzip.c - bounded, streaming gzip decompression (zlib)
 *
 * Reports come from strangers, and a few hundred kilobytes of gzip can claim
 * to be a gigabyte (1 GB of zeros deflates to about 1 MB). The output is
 * bounded two ways: an absolute cap (limits->max_report), enforced through
 * avail_out so that at most max_report + 1 bytes are ever written -- the one
 * extra byte tells "exactly at the limit" from "over it" -- and a ratio cap
 * (limits->max_ratio) once the output has passed limits->ratio_grace, so a
 * bomb is stopped long before the absolute cap when its input is tiny.
 *
 * tr_gunzip_feed is a push parser: the input may arrive split anywhere, one
 * byte at a time included, and the result at tr_gunzip_finish is the same.
 * Only the moment a ratio-cap error is noticed can depend on the split, as
 * the ratio is checked whenever zlib returns.
 *
 * After a member ends, what follows decides: 1f 8b starts another member
 * (RFC 1952 2.2, concatenated members are one file); NUL bytes and ASCII
 * whitespace to the end are padding some encoders add; anything else is
 * trailing garbage and an error, since it may be a second report we would
 * otherwise drop without a word.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "gunzip.h"

#define GZ_MIN_OUT	(16 * 1024)	/* first output buffer, at least */
#define GZ_SLACK	(64 * 1024)	/* give back more spare than this at finish */
/* largest uInt; <limits.h> is shadowed by the project's include/limits.h */
#define ZUINT_MAX	((uInt)-1)

enum gz_state {
	GZ_MEMBER,	/* inside a member: header, deflate data or trailer */
	GZ_BETWEEN,	/* a member ended; the next byte decides what follows */
	GZ_MAGIC1,	/* 1f seen after a member; 8b must follow */
	GZ_PADDING,	/* NUL / whitespace after the last member */
	GZ_FAILED,	/* an error is latched in gz->error */
	GZ_DONE		/* finish handed the output over */
};

struct tr_gunzip {
	z_stream	 z;
	struct tr_limits lim;
	enum gz_state	 state;
	unsigned char	*out;
	size_t		 outcap;	/* bytes allocated at out */
	size_t		 outlen;	/* bytes of output so far */
	size_t		 outmax;	/* never write more: max_report + 1 */
	size_t		 fed;		/* input bytes seen: offset of the next one */
	size_t		 member_end;	/* offset just past the last whole member */
	unsigned	 members;	/* members started */
	int		 trailing;	/* the latched error is TR_ERR_GZIP_TRAILING */
	struct tr_error	 error;		/* the latched error */
};

/* The first byte of a member, replayed to zlib when the 1f and the 8b of a
 * second member's magic came in different feeds. */
static const unsigned char gz_magic1[1] = { 0x1f };

/* is_padding - true for the bytes an encoder may leave after the stream */
static int
is_padding(unsigned char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n' ||
	    c == '\r' || c == '\f' || c == '\v';
}

/* ratio_exceeded - true when out/in > max (max 0 disables the check) */
static int
ratio_exceeded(size_t out, size_t in, unsigned max)
{
	if (max == 0)
		return 0;
	if (in > SIZE_MAX / max)
		return 0;	/* in * max cannot be beaten by any size_t */
	return out > in * max;
}

/* gz_latch - remember err's error so later calls answer the same */
static enum tr_err
gz_latch(struct tr_gunzip *gz, struct tr_error *err)
{
	gz->state = GZ_FAILED;
	if (err != NULL)
		*err = gz->error;
	return gz->error.code;
}

/* gz_trailing_msg - (re)write the trailing-data message: N counts every
 * byte seen after the last member, so it is exact once all input is fed */
static void
gz_trailing_msg(struct tr_gunzip *gz)
{
	tr_error_set(&gz->error, TR_ERR_GZIP_TRAILING,
	    "%zu bytes of trailing data after the gzip stream at offset %zu",
	    gz->fed - gz->member_end, gz->member_end);
}

/* gz_trailing - latch TR_ERR_GZIP_TRAILING; rest = unseen bytes of this feed */
static enum tr_err
gz_trailing(struct tr_gunzip *gz, size_t rest, struct tr_error *err)
{
	gz->fed += rest;
	gz->trailing = 1;
	gz_trailing_msg(gz);
	return gz_latch(gz, err);
}

/* gz_grow - make room for more output, geometrically, never past outmax;
 * hint is the size of the current feed, used to size the first buffer */
static int
gz_grow(struct tr_gunzip *gz, size_t hint)
{
	unsigned char *p;
	size_t want;

	if (gz->outcap == 0)
		want = hint > SIZE_MAX / 4 ? SIZE_MAX : hint * 4;
	else
		want = gz->outcap > SIZE_MAX / 2 ? SIZE_MAX : gz->outcap * 2;
	if (want < GZ_MIN_OUT)
		want = GZ_MIN_OUT;
	if (want > gz->outmax)
		want = gz->outmax;
	if (want <= gz->outcap)
		return -1;	/* cannot happen: outlen > max_report first */
	if ((p = realloc(gz->out, want)) == NULL)
		return -1;
	gz->out = p;
	gz->outcap = want;
	return 0;
}

/* over_limits - whether the output so far is over the size or the ratio
 * limit: then 1, with gz->error set */
static int
over_limits(struct tr_gunzip *gz)
{
	if (gz->outlen > gz->lim.max_report) {
		tr_error_set(&gz->error, TR_ERR_DECOMPRESS_LIMIT,
		    "decompressed report exceeds the limit of %zu bytes",
		    gz->lim.max_report);
		return 1;
	}
	if (gz->outlen > gz->lim.ratio_grace &&
	    ratio_exceeded(gz->outlen, gz->fed, gz->lim.max_ratio)) {
		tr_error_set(&gz->error, TR_ERR_DECOMPRESS_LIMIT,
		    "decompression ratio over %u:1 (a gzip bomb?): "
		    "%zu bytes from the first %zu input bytes",
		    gz->lim.max_ratio, gz->outlen, gz->fed);
		return 1;
	}
	return 0;
}

/* gz_inflate - run zlib over in[0..len) until it needs more input or a
 * member ends; *used = bytes consumed. counted is 0 for the replayed magic
 * byte, which was already counted in gz->fed when it arrived. */
static enum tr_err
gz_inflate(struct tr_gunzip *gz, const unsigned char *in, size_t len,
    size_t hint, int counted, size_t *used, struct tr_error *err)
{
	z_stream *z = &gz->z;
	size_t room, produced, consumed;
	uInt before;
	int ret;

	*used = 0;
	/* avail_in is a uInt: hand over at most ZUINT_MAX, the caller loops */
	z->next_in = in;
	z->avail_in = len > ZUINT_MAX ? ZUINT_MAX : (uInt)len;
	for (;;) {
		if (gz->outlen == gz->outcap && gz_grow(gz, hint) != 0) {
			tr_error_set(&gz->error, TR_ERR_NOMEM,
			    "out of memory growing the gunzip buffer past "
			    "%zu bytes", gz->outcap);
			return gz_latch(gz, err);
		}
		room = gz->outcap - gz->outlen;
		if (room > ZUINT_MAX)
			room = ZUINT_MAX;
		z->next_out = gz->out + gz->outlen;
		z->avail_out = (uInt)room;
		before = z->avail_in;

		ret = inflate(z, Z_NO_FLUSH);

		produced = room - z->avail_out;
		consumed = before - z->avail_in;
		gz->outlen += produced;
		*used += consumed;
		if (counted)
			gz->fed += consumed;

		if (over_limits(gz))
			return gz_latch(gz, err);

		switch (ret) {
		case Z_STREAM_END:
			/* zlib has checked the CRC-32 and ISIZE trailer */
			gz->member_end = gz->fed;
			gz->state = GZ_BETWEEN;
			return TR_OK;
		case Z_OK:
		case Z_BUF_ERROR:
			if (z->avail_out == 0)
				continue;	/* more output pending: grow */
			if (z->avail_in == 0)
				return TR_OK;	/* wants more input */
			if (produced == 0 && consumed == 0) {
				tr_error_set(&gz->error, TR_ERR_GZIP,
				    "corrupt gzip data in member %u at input "
				    "offset %zu: zlib made no progress",
				    gz->members, gz->fed);
				return gz_latch(gz, err);
			}
			continue;
		case Z_MEM_ERROR:
			tr_error_set(&gz->error, TR_ERR_NOMEM,
			    "out of memory in zlib inflate");
			return gz_latch(gz, err);
		default:
			/* Z_DATA_ERROR: bad header, bad deflate data, CRC or
			 * length mismatch; zlib's message says which */
			tr_error_set(&gz->error, TR_ERR_GZIP,
			    "corrupt gzip data in member %u at input offset "
			    "%zu: %s", gz->members, gz->fed,
			    z->msg != NULL ? z->msg : "inflate failed");
			return gz_latch(gz, err);
		}
	}
}

/* gz_next_member - start a new member whose 1f 8b magic is being read;
 * zlib is given the 1f again, the 8b is still in the caller's input */
static enum tr_err
gz_next_member(struct tr_gunzip *gz, struct tr_error *err)
{
	size_t used;

	if (inflateReset(&gz->z) != Z_OK) {
		tr_error_set(&gz->error, TR_ERR_GZIP,
		    "cannot reset zlib for gzip member %u at input offset %zu",
		    gz->members + 1, gz->member_end);
		return gz_latch(gz, err);
	}
	gz->members++;
	gz->state = GZ_MEMBER;
	return gz_inflate(gz, gz_magic1, sizeof(gz_magic1), GZ_MIN_OUT, 0,
	    &used, err);
}

/* tr_gunzip_new - a streaming gunzip bounded by limits */
struct tr_gunzip *
tr_gunzip_new(const struct tr_limits *limits)
{
	struct tr_gunzip *gz;

	if ((gz = calloc(1, sizeof(*gz))) == NULL)
		return NULL;
	if (limits != NULL)
		gz->lim = *limits;
	else
		tr_limits_default(&gz->lim);
	/* one byte past the limit tells "over" from "exactly at" */
	gz->outmax = gz->lim.max_report < SIZE_MAX - 1 ?
	    gz->lim.max_report + 1 : SIZE_MAX - 1;
	gz->state = GZ_MEMBER;
	gz->members = 1;
	/* 16 + MAX_WBITS: gzip only, so a zlib or raw stream is "corrupt" */
	if (inflateInit2(&gz->z, 16 + MAX_WBITS) != Z_OK) {
		free(gz);
		return NULL;
	}
	return gz;
}

/* tr_gunzip_feed - push len more compressed bytes (any split) */
enum tr_err
tr_gunzip_feed(struct tr_gunzip *gz, const unsigned char *in, size_t len,
    struct tr_error *err)
{
	enum tr_err rc;
	size_t i = 0, used;

	if (gz->state == GZ_FAILED) {
		/* keep counting so the trailing-data size ends up exact */
		if (gz->trailing) {
			gz->fed += len;
			gz_trailing_msg(gz);
		}
		return gz_latch(gz, err);
	}
	if (gz->state == GZ_DONE)
		return tr_error_set(err, TR_ERR_GZIP,
		    "gzip input after the end of the stream was declared");

	while (i < len) {
		switch (gz->state) {
		case GZ_MEMBER:
			rc = gz_inflate(gz, in + i, len - i, len, 1, &used,
			    err);
			if (rc != TR_OK)
				return rc;
			i += used;
			break;
		case GZ_BETWEEN:
			if (in[i] == 0x1f)
				gz->state = GZ_MAGIC1;
			else if (is_padding(in[i]))
				gz->state = GZ_PADDING;
			else
				return gz_trailing(gz, len - i, err);
			i++;
			gz->fed++;
			break;
		case GZ_MAGIC1:
			if (in[i] != 0x8b)
				return gz_trailing(gz, len - i, err);
			if ((rc = gz_next_member(gz, err)) != TR_OK)
				return rc;
			break;
		case GZ_PADDING:
			/* padding only ends the input: a member after it is
			 * as suspicious as any other trailing data */
			if (!is_padding(in[i]))
				return gz_trailing(gz, len - i, err);
			i++;
			gz->fed++;
			break;
		default:
			return tr_error_set(err, TR_ERR_GZIP,
			    "gunzip in an impossible state %d", gz->state);
		}
	}
	return TR_OK;
}

/* tr_gunzip_finish - end of input: the output, or why the stream is bad */
enum tr_err
tr_gunzip_finish(struct tr_gunzip *gz, unsigned char **out, size_t *outlen,
    struct tr_error *err)
{
	unsigned char *p;
	unsigned member;

	*out = NULL;
	*outlen = 0;
	switch (gz->state) {
	case GZ_FAILED:
		return gz_latch(gz, err);
	case GZ_DONE:
		return tr_error_set(err, TR_ERR_GZIP,
		    "gzip stream finished twice");
	case GZ_MEMBER:
	case GZ_MAGIC1:
		/* GZ_MAGIC1: a next member cut after its first byte is a
		 * prefix of a valid stream like any other cut */
		member = gz->members + (gz->state == GZ_MAGIC1);
		if (member > 1)
			tr_error_set(&gz->error, TR_ERR_GZIP_TRUNCATED,
			    "gzip stream truncated after %zu input bytes "
			    "(in member %u)", gz->fed, member);
		else
			tr_error_set(&gz->error, TR_ERR_GZIP_TRUNCATED,
			    "gzip stream truncated after %zu input bytes",
			    gz->fed);
		return gz_latch(gz, err);
	default:
		break;
	}

	/* outlen <= max_report < outmax, but the buffer may be exactly full
	 * below outmax; and give back a large unused tail */
	if (gz->outcap == gz->outlen || gz->outcap - gz->outlen > GZ_SLACK) {
		p = realloc(gz->out, gz->outlen + 1);
		if (p == NULL && gz->outcap == gz->outlen) {
			tr_error_set(&gz->error, TR_ERR_NOMEM,
			    "out of memory terminating the gunzip output");
			return gz_latch(gz, err);
		}
		if (p != NULL) {
			gz->out = p;
			gz->outcap = gz->outlen + 1;
		}
	}
	gz->out[gz->outlen] = '\0';
	*out = gz->out;
	*outlen = gz->outlen;
	gz->out = NULL;
	gz->outcap = gz->outlen = 0;
	gz->state = GZ_DONE;
	tr_error_clear(err);
	return TR_OK;
}

/* tr_gunzip_free - release gz and any output not handed over (NULL is ok) */
void
tr_gunzip_free(struct tr_gunzip *gz)
{
	if (gz == NULL)
		return;
	inflateEnd(&gz->z);
	free(gz->out);
	free(gz);
}

/* tr_gunzip_buf - one-shot convenience: new + feed + finish + free */
enum tr_err
tr_gunzip_buf(const unsigned char *in, size_t len,
    const struct tr_limits *limits, unsigned char **out, size_t *outlen,
    struct tr_error *err)
{
	struct tr_gunzip *gz;
	enum tr_err rc;

	*out = NULL;
	*outlen = 0;
	if ((gz = tr_gunzip_new(limits)) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM,
		    "out of memory starting gunzip");
	rc = tr_gunzip_feed(gz, in, len, err);
	if (rc == TR_OK)
		rc = tr_gunzip_finish(gz, out, outlen, err);
	tr_gunzip_free(gz);
	return rc;
}
