/* test_dkim_pkey.c - decoded DKIM keys kept by their bytes (dkim_pkey.c) */
#include "testutil.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim.h"

/* der_of - the SubjectPublicKeyInfo bytes of k (freed by the caller) */
static unsigned char *
der_of(EVP_PKEY *k, int *len)
{
	unsigned char *der = NULL;

	*len = i2d_PUBKEY(k, &der);
	assert_true(*len > 0);
	return der;
}

/* decode - d2i_PUBKEY_bio over a memory BIO holding der, as libopendkim
 * calls it; *left gets what the BIO still holds afterwards */
static EVP_PKEY *
decode(const unsigned char *der, int len, int *left)
{
	BIO *b = BIO_new_mem_buf(der, len);
	EVP_PKEY *k;
	char *rest;

	assert_non_null(b);
	k = d2i_PUBKEY_bio(b, NULL);
	*left = (int)BIO_get_mem_data(b, &rest);
	BIO_free(b);
	return k;
}

/* the same bytes twice: one decode, then the same key, equal to the original */
static void
test_same_bytes_decoded_once(void **state)
{
	EVP_PKEY *orig = EVP_RSA_gen(2048), *a, *b;
	uint64_t h0, m0, h1, m1;
	int len, left;
	unsigned char *der;

	(void)state;
	assert_non_null(orig);
	der = der_of(orig, &len);
	tr_dkim_pkey_stats(&h0, &m0);
	a = decode(der, len, &left);
	assert_non_null(a);
	assert_int_equal(left, 0);
	b = decode(der, len, &left);
	assert_non_null(b);
	assert_int_equal(left, 0);
	tr_dkim_pkey_stats(&h1, &m1);
	assert_int_equal(m1 - m0, 1);
	assert_int_equal(h1 - h0, 1);
	assert_ptr_equal(a, b);
	assert_int_equal(EVP_PKEY_eq(a, orig), 1);
	/* the caller's free does not take the kept key away */
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	b = decode(der, len, &left);
	assert_non_null(b);
	assert_int_equal(EVP_PKEY_eq(b, orig), 1);
	EVP_PKEY_free(b);
	OPENSSL_free(der);
	EVP_PKEY_free(orig);
}

/* other bytes are another key; broken bytes are refused and not kept */
static void
test_other_and_broken_bytes(void **state)
{
	EVP_PKEY *k1 = EVP_EC_gen("P-256"), *k2 = EVP_EC_gen("P-256"), *a, *b;
	unsigned char *d1, *d2;
	uint64_t h0, m0, h1, m1;
	int l1, l2, left;

	(void)state;
	d1 = der_of(k1, &l1);
	d2 = der_of(k2, &l2);
	a = decode(d1, l1, &left);
	b = decode(d2, l2, &left);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(EVP_PKEY_eq(a, k1), 1);
	assert_int_equal(EVP_PKEY_eq(b, k2), 1);
	assert_int_not_equal(EVP_PKEY_eq(a, b), 1);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	/* one byte changed in the key itself */
	d2[l2 - 1] ^= 0x01;
	tr_dkim_pkey_stats(&h0, &m0);
	b = decode(d2, l2, &left);
	if (b != NULL) {
		assert_int_not_equal(EVP_PKEY_eq(b, k2), 1);
		EVP_PKEY_free(b);
	}
	/* not DER at all */
	assert_null(decode((const unsigned char *)"not a key", 9, &left));
	assert_null(decode((const unsigned char *)"not a key", 9, &left));
	tr_dkim_pkey_stats(&h1, &m1);
	assert_int_equal(h1 - h0, 0);
	OPENSSL_free(d1);
	OPENSSL_free(d2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

/* more keys than slots: all still decode right; the oldest are decoded
 * again, the recently used one is kept */
static void
test_many_keys(void **state)
{
	enum { N = 80 };
	EVP_PKEY *k[N], *x;
	unsigned char *d[N];
	int l[N], i, left;
	uint64_t h0, m0, h1, m1;

	(void)state;
	for (i = 0; i < N; i++) {
		k[i] = EVP_EC_gen("P-256");
		assert_non_null(k[i]);
		d[i] = der_of(k[i], &l[i]);
	}
	for (i = 0; i < N; i++) {
		x = decode(d[i], l[i], &left);
		assert_non_null(x);
		assert_int_equal(EVP_PKEY_eq(x, k[i]), 1);
		EVP_PKEY_free(x);
		/* key 0 stays in use */
		x = decode(d[0], l[0], &left);
		assert_int_equal(EVP_PKEY_eq(x, k[0]), 1);
		EVP_PKEY_free(x);
	}
	tr_dkim_pkey_stats(&h0, &m0);
	x = decode(d[0], l[0], &left);
	EVP_PKEY_free(x);
	x = decode(d[1], l[1], &left);		/* long since pushed out */
	assert_int_equal(EVP_PKEY_eq(x, k[1]), 1);
	EVP_PKEY_free(x);
	tr_dkim_pkey_stats(&h1, &m1);
	assert_int_equal(h1 - h0, 1);
	assert_int_equal(m1 - m0, 1);
	for (i = 0; i < N; i++) {
		OPENSSL_free(d[i]);
		EVP_PKEY_free(k[i]);
	}
}

/* a call that is not libopendkim's (an object to fill) goes to OpenSSL */
static void
test_other_calls_pass_through(void **state)
{
	EVP_PKEY *orig = EVP_EC_gen("P-256"), *into = NULL, *got;
	uint64_t h0, m0, h1, m1;
	unsigned char *der;
	int len;
	BIO *b;

	(void)state;
	der = der_of(orig, &len);
	tr_dkim_pkey_stats(&h0, &m0);
	b = BIO_new_mem_buf(der, len);
	got = d2i_PUBKEY_bio(b, &into);
	BIO_free(b);
	assert_non_null(got);
	assert_ptr_equal(got, into);
	assert_int_equal(EVP_PKEY_eq(got, orig), 1);
	tr_dkim_pkey_stats(&h1, &m1);
	assert_int_equal(h1 - h0, 0);
	assert_int_equal(m1 - m0, 0);
	EVP_PKEY_free(got);
	OPENSSL_free(der);
	EVP_PKEY_free(orig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_decoded_once),
		cmocka_unit_test(test_other_and_broken_bytes),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_other_calls_pass_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
