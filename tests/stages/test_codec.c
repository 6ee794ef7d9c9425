/* test_codec.c - lenient base64 and quoted-printable decoding */
#include "testutil.h"

#include <time.h>

#include "codec.h"

/* b64 - decode a C string; returns the code, output in out/outlen */
static enum tr_err
b64(const char *in, unsigned char **out, size_t *outlen, struct tr_error *err)
{
	size_t n = strlen(in);

	*out = malloc(n * 3 / 4 + 3 + 1);
	assert_non_null(*out);
	tr_error_clear(err);
	return tr_base64_decode(in, n, *out, outlen, err);
}

/* expect_b64 - in decodes to exactly want */
static void
expect_b64(const char *in, const char *want)
{
	struct tr_error err;
	unsigned char *out;
	size_t n;

	assert_int_equal(b64(in, &out, &n, &err), TR_OK);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	free(out);
}

/* expect_b64_err - in is refused with a message containing want */
static void
expect_b64_err(const char *in, const char *want)
{
	struct tr_error err;
	unsigned char *out;
	size_t n;

	assert_int_equal(b64(in, &out, &n, &err), TR_ERR_ENCODING);
	assert_int_equal(err.code, TR_ERR_ENCODING);
	assert_string_equal(err.msg, want);
	free(out);
}

/* encode - plain base64 with '=' padding, wrapped every width chars
 * (0: no wrapping); a reference for round trips */
static char *
encode(const unsigned char *in, size_t n, size_t width, const char *eol,
    int pad)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out, *o, q[4];
	size_t i, col = 0, k, nq;
	uint32_t v;

	out = malloc((n + 2) / 3 * 4 * (1 + strlen(eol)) + 8);
	assert_non_null(out);
	o = out;
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		q[0] = a[v >> 18 & 63];
		q[1] = a[v >> 12 & 63];
		q[2] = i + 1 < n ? a[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? a[v & 63] : '=';
		nq = 4;
		if (!pad)
			while (nq > 0 && q[nq - 1] == '=')
				nq--;
		for (k = 0; k < nq; k++) {
			*o++ = q[k];
			if (width > 0 && ++col == width) {
				strcpy(o, eol);
				o += strlen(eol);
				col = 0;
			}
		}
	}
	*o = '\0';
	return out;
}

static void
test_b64_rfc4648_vectors(void **state)
{
	(void)state;
	expect_b64("", "");
	expect_b64("Zg==", "f");
	expect_b64("Zm8=", "fo");
	expect_b64("Zm9v", "foo");
	expect_b64("Zm9vYg==", "foob");
	expect_b64("Zm9vYmE=", "fooba");
	expect_b64("Zm9vYmFy", "foobar");
	/* both extra characters of the alphabet */
	expect_b64("+/+/", "\xfb\xff\xbf");
}

static void
test_b64_missing_padding(void **state)
{
	(void)state;
	expect_b64("Zg", "f");
	expect_b64("Zm8", "fo");
	expect_b64("Zm9vYg", "foob");
	expect_b64("Zm9vYmE", "fooba");
	/* one '=' where two belong */
	expect_b64("Zg=", "f");
	expect_b64("Zm9vYg=\r\n", "foob");
}

static void
test_b64_whitespace_everywhere(void **state)
{
	(void)state;
	expect_b64(" Z m\r\n9v\tY g = = \n", "foob");
	expect_b64("\r\n\r\nZm9v\r\nYmFy\r\n\r\n", "foobar");
	expect_b64("Z\nm\n9\nv\nY\nm\nF\ny", "foobar");
	expect_b64("Zm9vYmFy\v\f", "foobar");
	expect_b64(" \t\r\n", "");
}

static void
test_b64_bad_character(void **state)
{
	(void)state;
	expect_b64_err("Zm9v*mFy", "invalid character 0x2a at offset 4");
	expect_b64_err("Zm9vYmFy\r\nZm-v",
	    "invalid character 0x2d at offset 12");
	expect_b64_err("Zm9v\xc3\xa9", "invalid character 0xc3 at offset 4");
	/* URL-safe alphabet is not what MIME uses */
	expect_b64_err("Zm9_", "invalid character 0x5f at offset 3");
	/* a NUL inside the data is not the end of it */
	{
		struct tr_error err;
		unsigned char out[16];
		size_t n;

		assert_int_equal(tr_base64_decode("Zm9v\0Zm9v", 9, out, &n,
		    &err), TR_ERR_ENCODING);
		assert_string_equal(err.msg,
		    "invalid character 0x00 at offset 4");
	}
	/* after padding a bad character is still named as such */
	expect_b64_err("Zg==!", "invalid character 0x21 at offset 4");
}

static void
test_b64_data_after_padding(void **state)
{
	(void)state;
	expect_b64_err("Zg==Zm8=", "data after padding at offset 4");
	expect_b64_err("Zg=\r\nZ", "data after padding at offset 5");
	expect_b64_err("Zg===", "data after padding at offset 4");
	expect_b64_err("Zm8==", "data after padding at offset 4");
	expect_b64_err("Zm9v=", "unexpected padding at offset 4");
	expect_b64_err("=", "unexpected padding at offset 0");
	expect_b64_err("Z===", "unexpected padding at offset 1");
}

static void
test_b64_lone_sextet(void **state)
{
	(void)state;
	expect_b64_err("Zm9vY", "lone trailing base64 character at offset 4");
	expect_b64_err("Zm9vYmFyZ\r\n",
	    "lone trailing base64 character at offset 8");
	expect_b64_err("Z", "lone trailing base64 character at offset 0");
}

static void
test_b64_round_trip_any_wrapping(void **state)
{
	unsigned char data[1000], *out;
	struct tr_error err;
	size_t n, i, width;
	char *enc;
	int pad;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7919 + (i >> 3));
	for (width = 0; width <= 80; width += (width < 10 ? 1 : 7)) {
		for (pad = 0; pad <= 1; pad++) {
			for (i = sizeof(data) - 3; i <= sizeof(data); i++) {
				enc = encode(data, i, width, width % 2 ?
				    "\n" : "\r\n", pad);
				out = malloc(strlen(enc) * 3 / 4 + 3);
				assert_non_null(out);
				assert_int_equal(tr_base64_decode(enc,
				    strlen(enc), out, &n, &err), TR_OK);
				assert_int_equal(n, i);
				assert_memory_equal(out, data, i);
				free(out);
				free(enc);
			}
		}
	}
}

static void
test_b64_fast(void **state)
{
	size_t n = 8 << 20, outlen, i;
	unsigned char *data, *out;
	struct tr_error err;
	clock_t t0;
	double secs;
	char *enc;

	(void)state;
	data = malloc(n);
	assert_non_null(data);
	for (i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 24);
	enc = encode(data, n, 76, "\r\n", 1);
	out = malloc(strlen(enc) * 3 / 4 + 3);
	assert_non_null(out);
	t0 = clock();
	assert_int_equal(tr_base64_decode(enc, strlen(enc), out, &outlen,
	    &err), TR_OK);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_int_equal(outlen, n);
	assert_memory_equal(out, data, n);
	/* ~11 MB of text: tens of ms even under sanitizers; a byte-at-a-time
	 * decoder with branches per character is several times slower */
	assert_true(secs < 1.0);
	free(out);
	free(enc);
	free(data);
}

/* qp - decode a C string into a fresh string */
static char *
qp(const char *in, size_t *outlen)
{
	size_t n = strlen(in);
	unsigned char *out = malloc(n + 1);

	assert_non_null(out);
	tr_qp_decode(in, n, out, outlen);
	assert_true(*outlen <= n);
	out[*outlen] = '\0';
	return (char *)out;
}

/* expect_qp - in decodes to exactly want */
static void
expect_qp(const char *in, const char *want)
{
	size_t n;
	char *out = qp(in, &n);

	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
	free(out);
}

static void
test_qp_escapes(void **state)
{
	(void)state;
	expect_qp("a=3Db", "a=b");
	expect_qp("a=3db", "a=b");
	expect_qp("=E2=80=93", "\xe2\x80\x93");
	expect_qp("=e2=80=93", "\xe2\x80\x93");
	expect_qp("=ff=FF=af=Fa=0a", "\xff\xff\xaf\xfa\n");
	expect_qp("{\"k\"=3A 1}", "{\"k\": 1}");
	expect_qp("plain text", "plain text");
}

static void
test_qp_soft_breaks(void **state)
{
	(void)state;
	expect_qp("abc=\r\ndef", "abcdef");
	expect_qp("abc=\ndef", "abcdef");
	expect_qp("abc= \t\r\ndef", "abcdef");
	expect_qp("attachme=\nnts", "attachments");
	/* "=" closing the body: an encoder avoiding a final line break */
	expect_qp("end=", "end");
	/* hard breaks stay as sent */
	expect_qp("a\r\nb\nc", "a\r\nb\nc");
}

static void
test_qp_malformed_kept(void **state)
{
	(void)state;
	expect_qp("a=XYb", "a=XYb");
	expect_qp("a=4", "a=4");
	expect_qp("a=4g", "a=4g");
	expect_qp("100=% sure", "100=% sure");
	expect_qp("= x", "= x");
}

static void
test_qp_trailing_whitespace(void **state)
{
	(void)state;
	/* RFC 2045 6.7 (3): trailing blanks were added in transport */
	expect_qp("ab  \r\ncd", "ab\r\ncd");
	expect_qp("ab\t\ncd", "ab\ncd");
	expect_qp("ab  ", "ab");
	expect_qp("a b\tc", "a b\tc");
	expect_qp("a=20\r\n", "a \r\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_rfc4648_vectors),
		cmocka_unit_test(test_b64_missing_padding),
		cmocka_unit_test(test_b64_whitespace_everywhere),
		cmocka_unit_test(test_b64_bad_character),
		cmocka_unit_test(test_b64_data_after_padding),
		cmocka_unit_test(test_b64_lone_sextet),
		cmocka_unit_test(test_b64_round_trip_any_wrapping),
		cmocka_unit_test(test_b64_fast),
		cmocka_unit_test(test_qp_escapes),
		cmocka_unit_test(test_qp_soft_breaks),
		cmocka_unit_test(test_qp_malformed_kept),
		cmocka_unit_test(test_qp_trailing_whitespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
