/* tls.c - the server-side TLS context shared by STARTTLS and HTTPS */
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

/* tr_tls_error - the first queued OpenSSL error as text; the queue cleared */
const char *
tr_tls_error(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, sizeof(buf), "unknown TLS error");
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* tr_tls_server_ctx - certificate chain and key, TLS 1.2 or later */
SSL_CTX *
tr_tls_server_ctx(const char *cert, const char *key, struct tr_error *err)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tr_error_set(err, TR_ERR_IO, "TLS: %s", tr_tls_error());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* no renegotiation, no compression; the server picks the cipher */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tr_error_set(err, TR_ERR_IO, "tls_certificate %s: %s", cert,
		    tr_tls_error());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tr_error_set(err, TR_ERR_IO, "tls_key %s: %s", key,
		    tr_tls_error());
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tr_error_set(err, TR_ERR_IO, "tls_key %s does not match "
		    "tls_certificate %s: %s", key, cert, tr_tls_error());
		goto fail;
	}
	return ctx;

fail:
	SSL_CTX_free(ctx);
	return NULL;
}
