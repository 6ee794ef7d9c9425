/* codec.h - content transfer decodings: base64 (lenient) and quoted-printable */
#ifndef TR_CODEC_H
#define TR_CODEC_H

#include <stddef.h>

#include "error.h"

/*
 * tr_base64_decode - decode base64, skipping whitespace and line breaks and
 * tolerating missing final padding (Google's encoder). Characters outside the
 * alphabet, data after the padding, or a lone trailing sextet are errors
 * (TR_ERR_ENCODING, with the offset). out must hold len*3/4+3 bytes.
 */
enum tr_err tr_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen, struct tr_error *err);

/*
 * tr_qp_decode - decode quoted-printable (soft line breaks, =XX in either
 * case); a malformed escape is kept literally as RFC 2045 suggests. out must
 * hold len bytes.
 */
void tr_qp_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen);

/* tr_hexval - value of a hex digit in either case, or -1 */
int tr_hexval(unsigned char c);

/*
 * tr_cte_decode - body[0..n) with the Content-Transfer-Encoding token
 * tok[0..toklen) (any case; toklen 0: none) removed, in a new
 * NUL-terminated buffer *out of *outlen bytes (the caller frees it).
 * base64 and quoted-printable are decoded; 7bit, 8bit, binary, none and
 * any other token are taken as they are, *unknown = 1 for another token.
 * TR_OK, else TR_ERR_NOMEM or base64's TR_ERR_ENCODING with err.
 */
enum tr_err tr_cte_decode(const char *tok, size_t toklen, const char *body,
    size_t n, unsigned char **out, size_t *outlen, int *unknown,
    struct tr_error *err);

#endif
