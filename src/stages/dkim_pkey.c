/*
 * dkim_pkey.c - decoded DKIM public keys, kept for the next signature
 *
 * libopendkim decodes the key record's DER bytes with d2i_PUBKEY_bio() for
 * every signature it verifies, even when its key came from our cache of
 * TXT records (dkim_keys.c). With OpenSSL 3 that decode goes through the
 * provider decoder search and costs more than the RSA verification itself,
 * and the RSA form libopendkim then asks for (EVP_PKEY_get1_RSA) is
 * exported again each time. A mail host receiving reports sees the same few
 * dozen reporter keys every day.
 *
 * So tlsrptd defines d2i_PUBKEY_bio itself: libopendkim's calls resolve to
 * this definition in the executable (ordinary ELF symbol interposition),
 * which hands out another reference to the key decoded earlier from the
 * very same bytes, and otherwise calls OpenSSL's own function
 * (dlsym(RTLD_NEXT)) and keeps the result. Only a memory BIO read whole,
 * with no object to reuse (a == NULL), of at most MAX_DER bytes is kept -
 * exactly libopendkim's call; anything else goes straight to OpenSSL.
 * Same bytes, same key: the cache cannot change what a key is. The least
 * recently used of SLOTS entries makes room; keys are never modified, and
 * OpenSSL 3 lets threads share one EVP_PKEY.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim.h"

#define SLOTS	64
#define MAX_DER	2048		/* an RSA-8192 SubjectPublicKeyInfo is ~1.1 KiB */

struct slot {
	unsigned char	 der[MAX_DER];
	size_t		 len;
	EVP_PKEY	*pk;
	uint64_t	 used;		/* tick of the last hit */
};

static struct {
	pthread_mutex_t	 mtx;
	struct slot	 slot[SLOTS];
	uint64_t	 tick;
	uint64_t	 hits, misses;
} C = { .mtx = PTHREAD_MUTEX_INITIALIZER };

typedef EVP_PKEY *(*d2i_fn)(BIO *, EVP_PKEY **);
static d2i_fn real_d2i;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void
find_real(void)
{
	real_d2i = (d2i_fn)dlsym(RTLD_NEXT, "d2i_PUBKEY_bio");
}

/* lookup - a new reference to the key decoded from der, or NULL */
static EVP_PKEY *
lookup(const unsigned char *der, size_t len)
{
	EVP_PKEY *pk = NULL;
	int i;

	pthread_mutex_lock(&C.mtx);
	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &C.slot[i];

		if (s->pk != NULL && s->len == len &&
		    memcmp(s->der, der, len) == 0) {
			if (EVP_PKEY_up_ref(s->pk) == 1) {
				pk = s->pk;
				s->used = ++C.tick;
				C.hits++;
			}
			break;
		}
	}
	pthread_mutex_unlock(&C.mtx);
	return pk;
}

/* keep - remember pk (a reference of the cache's own) as decoded from der */
static void
keep(const unsigned char *der, size_t len, EVP_PKEY *pk)
{
	struct slot *victim = &C.slot[0];
	EVP_PKEY *old;
	int i;

	if (EVP_PKEY_up_ref(pk) != 1)
		return;
	pthread_mutex_lock(&C.mtx);
	C.misses++;
	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &C.slot[i];

		if (s->pk != NULL && s->len == len &&
		    memcmp(s->der, der, len) == 0) {
			/* another thread kept it meanwhile */
			pthread_mutex_unlock(&C.mtx);
			EVP_PKEY_free(pk);
			return;
		}
		if (s->pk == NULL || s->used < victim->used)
			victim = s;
		if (s->pk == NULL)
			break;
	}
	old = victim->pk;
	memcpy(victim->der, der, len);
	victim->len = len;
	victim->pk = pk;
	victim->used = ++C.tick;
	pthread_mutex_unlock(&C.mtx);
	EVP_PKEY_free(old);
}

/* d2i_PUBKEY_bio - OpenSSL's function, with the decoded keys kept (above) */
EVP_PKEY *
d2i_PUBKEY_bio(BIO *bp, EVP_PKEY **a)
{
	char *data;
	long len;
	EVP_PKEY *pk;
	unsigned char der[MAX_DER];

	pthread_once(&real_once, find_real);
	if (real_d2i == NULL || real_d2i == d2i_PUBKEY_bio)
		return NULL;
	if (a != NULL || bp == NULL || BIO_method_type(bp) != BIO_TYPE_MEM)
		return real_d2i(bp, a);
	len = BIO_get_mem_data(bp, &data);
	if (len <= 0 || len > MAX_DER)
		return real_d2i(bp, a);
	memcpy(der, data, (size_t)len);
	if ((pk = lookup(der, (size_t)len)) != NULL) {
		/* consumed, as the decoder would have */
		(void)BIO_read(bp, der, (int)len);
		return pk;
	}
	if ((pk = real_d2i(bp, NULL)) != NULL)
		keep(der, (size_t)len, pk);
	return pk;
}

/* tr_dkim_pkey_stats - keys found decoded and keys decoded, so far */
void
tr_dkim_pkey_stats(uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&C.mtx);
	*hits = C.hits;
	*misses = C.misses;
	pthread_mutex_unlock(&C.mtx);
}
