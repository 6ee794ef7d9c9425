/* codec.c - content transfer decodings: lenient base64 and quoted-printable */

/*
 * Both decoders are written here rather than borrowed: zlib and json-c have
 * none, and OpenSSL's EVP_Decode* insists on the line structure it would
 * have produced itself (it rejects Google's unevenly wrapped lines and
 * reports nothing useful about where the input went wrong). Each is a few
 * dozen lines and works on a whole buffer, which is all the MIME stage needs.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"

#define B64_WS	0x40	/* skipped: SP, HT, CR, LF, VT, FF */
#define B64_PAD	0x41	/* '=' */
#define B64_BAD	0xff	/* anything else outside the alphabet */

/* Built at compile time so the hot loop is one load per input byte. */
#define R4(x)	B64_BAD, B64_BAD, B64_BAD, B64_BAD
#define R16	R4(0), R4(0), R4(0), R4(0)
static const unsigned char b64val[256] = {
	/* 0x00 */ B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD,
	B64_BAD, B64_BAD, B64_BAD, B64_WS, B64_WS, B64_WS, B64_WS, B64_WS,
	B64_BAD, B64_BAD,
	/* 0x10 */ R16,
	/* 0x20 */ B64_WS, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD,
	B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, 62, B64_BAD, B64_BAD,
	B64_BAD, 63,
	/* 0x30 */ 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, B64_BAD, B64_BAD,
	B64_BAD, B64_PAD, B64_BAD, B64_BAD,
	/* 0x40 */ B64_BAD, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	/* 0x50 */ 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, B64_BAD, B64_BAD,
	B64_BAD, B64_BAD, B64_BAD,
	/* 0x60 */ B64_BAD, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
	39, 40,
	/* 0x70 */ 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, B64_BAD, B64_BAD,
	B64_BAD, B64_BAD, B64_BAD,
	/* 0x80 - 0xff */ R16, R16, R16, R16, R16, R16, R16, R16,
};
#undef R16
#undef R4

/* b64_tail - check what follows the first '=' at in[i]; q sextets precede it */
static enum tr_err
b64_tail(const char *in, size_t len, size_t i, unsigned q,
    struct tr_error *err)
{
	unsigned pads = 0, need = 4 - q;
	unsigned char v;

	if (q < 2)
		return tr_error_set(err, TR_ERR_ENCODING,
		    "unexpected padding at offset %zu", i);
	for (; i < len; i++) {
		v = b64val[(unsigned char)in[i]];
		if (v == B64_WS)
			continue;
		if (v == B64_PAD && pads < need) {
			pads++;
			continue;
		}
		if (v == B64_BAD)
			return tr_error_set(err, TR_ERR_ENCODING,
			    "invalid character 0x%02x at offset %zu",
			    (unsigned char)in[i], i);
		return tr_error_set(err, TR_ERR_ENCODING,
		    "data after padding at offset %zu", i);
	}
	/* One '=' where two belong is the "missing final padding" we allow. */
	return TR_OK;
}

/* tr_base64_decode - lenient whole-buffer base64 decoding, see codec.h */
enum tr_err
tr_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen, struct tr_error *err)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned char *o = out;
	uint32_t acc = 0, a, b, c, d;
	size_t i = 0, lastdata = 0;
	unsigned q = 0;
	unsigned char v;
	enum tr_err rc;

	*outlen = 0;
	while (i < len) {
		/*
		 * Fast path: whole quanta between line breaks. Every value is
		 * below 64 exactly when their OR is, so one test covers four.
		 */
		if (q == 0) {
			while (i + 4 <= len) {
				a = b64val[s[i]];
				b = b64val[s[i + 1]];
				c = b64val[s[i + 2]];
				d = b64val[s[i + 3]];
				if ((a | b | c | d) >= 64)
					break;
				acc = a << 18 | b << 12 | c << 6 | d;
				o[0] = (unsigned char)(acc >> 16);
				o[1] = (unsigned char)(acc >> 8);
				o[2] = (unsigned char)acc;
				o += 3;
				i += 4;
			}
			if (i >= len)
				break;
		}
		v = b64val[s[i]];
		if (v < 64) {
			acc = acc << 6 | v;
			lastdata = i;
			if (++q == 4) {
				o[0] = (unsigned char)(acc >> 16);
				o[1] = (unsigned char)(acc >> 8);
				o[2] = (unsigned char)acc;
				o += 3;
				q = 0;
				acc = 0;
			}
		} else if (v == B64_PAD) {
			if ((rc = b64_tail(in, len, i, q, err)) != TR_OK)
				return rc;
			break;
		} else if (v != B64_WS) {
			return tr_error_set(err, TR_ERR_ENCODING,
			    "invalid character 0x%02x at offset %zu", s[i], i);
		}
		i++;
	}
	switch (q) {
	case 1:
		/* Six bits cannot make a byte: the input was cut short. */
		return tr_error_set(err, TR_ERR_ENCODING,
		    "lone trailing base64 character at offset %zu", lastdata);
	case 2:
		*o++ = (unsigned char)(acc >> 4);
		break;
	case 3:
		*o++ = (unsigned char)(acc >> 10);
		*o++ = (unsigned char)(acc >> 2);
		break;
	}
	*outlen = (size_t)(o - out);
	return TR_OK;
}

/* tr_hexval - value of a hex digit in either case, or -1 */
int
tr_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* tr_qp_decode - quoted-printable decoding, see codec.h */
void
tr_qp_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, j, o = 0;
	int hi, lo;

	while (i < len) {
		unsigned char ch = s[i];

		if (ch == '=') {
			/* Soft line break, allowing the transport's trailing
			 * whitespace between '=' and the line end. */
			j = i + 1;
			while (j < len && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j < len && s[j] == '\n') {
				i = j + 1;
				continue;
			}
			if (j + 1 < len && s[j] == '\r' && s[j + 1] == '\n') {
				i = j + 2;
				continue;
			}
			if (j == len) {
				/* "=" ending the body: a soft break at EOF */
				i = len;
				continue;
			}
			if (i + 2 < len && (hi = tr_hexval(s[i + 1])) >= 0 &&
			    (lo = tr_hexval(s[i + 2])) >= 0) {
				out[o++] = (unsigned char)(hi << 4 | lo);
				i += 3;
				continue;
			}
			/* RFC 2045 6.7 note (2): keep a bad escape as it is */
			out[o++] = '=';
			i++;
			continue;
		}
		if (ch == ' ' || ch == '\t') {
			/* Trailing whitespace on a line was added in transit
			 * (RFC 2045 6.7 rule 3): drop it before a hard break */
			j = i;
			while (j < len && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j == len || s[j] == '\n' ||
			    (s[j] == '\r' && j + 1 < len && s[j + 1] == '\n')) {
				i = j;
				continue;
			}
			memcpy(out + o, s + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		out[o++] = ch;
		i++;
	}
	*outlen = o;
}

/* token_is - tok[0..n) is name, any case */
static int
token_is(const char *tok, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(tok, name, n) == 0;
}

/* tr_cte_decode - a body with its transfer encoding removed */
enum tr_err
tr_cte_decode(const char *tok, size_t toklen, const char *body, size_t n,
    unsigned char **out, size_t *outlen, int *unknown, struct tr_error *err)
{
	unsigned char *d;
	enum tr_err rc;

	*out = NULL;
	*unknown = 0;
	if (toklen > 0 && token_is(tok, toklen, "base64")) {
		/* tr_base64_decode asks for len*3/4+3; n/4*3+6 covers it
		 * plus NUL */
		if ((d = malloc(n / 4 * 3 + 6)) == NULL)
			return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		if ((rc = tr_base64_decode(body, n, d, outlen, err)) != TR_OK) {
			free(d);
			return rc;
		}
	} else if (toklen > 0 && token_is(tok, toklen, "quoted-printable")) {
		if ((d = malloc(n + 1)) == NULL)
			return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		tr_qp_decode(body, n, d, outlen);
	} else {
		*unknown = toklen > 0 && !token_is(tok, toklen, "7bit") &&
		    !token_is(tok, toklen, "8bit") &&
		    !token_is(tok, toklen, "binary") &&
		    !token_is(tok, toklen, "none");
		if ((d = malloc(n + 1)) == NULL)
			return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		memcpy(d, body, n);
		*outlen = n;
	}
	d[*outlen] = '\0';
	*out = d;
	return TR_OK;
}
