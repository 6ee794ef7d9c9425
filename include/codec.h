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

#endif
