/* tls.h - the server-side TLS context shared by STARTTLS and HTTPS */
#ifndef TR_TLS_H
#define TR_TLS_H

#include "error.h"

typedef struct ssl_ctx_st SSL_CTX;

/*
 * tr_tls_server_ctx - a TLS server context (TLS 1.2 and later) with the PEM
 * certificate chain at cert and the private key at key, checked to match.
 * Returns the context, or NULL with TR_ERR_IO and a message that names the
 * file and OpenSSL's reason. Free with SSL_CTX_free.
 */
SSL_CTX *tr_tls_server_ctx(const char *cert, const char *key,
    struct tr_error *err);

/* tr_tls_error - the latest OpenSSL error queue entry as text (static
 * buffer); the queue is cleared */
const char *tr_tls_error(void);

#endif
