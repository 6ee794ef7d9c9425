/* gunzip.h - bounded, streaming gzip decompression (zlib) */
#ifndef TR_GUNZIP_H
#define TR_GUNZIP_H

#include <stddef.h>

#include "error.h"
#include "limits.h"

struct tr_gunzip;

/* tr_gunzip_new - a streaming gunzip bounded by limits->max_report and
 * limits->max_ratio (checked once output exceeds limits->ratio_grace).
 * Multi-member streams are joined. NULL when out of memory. */
struct tr_gunzip *tr_gunzip_new(const struct tr_limits *limits);

/* tr_gunzip_feed - push len more compressed bytes (any split). Returns TR_OK
 * or a specific error: TR_ERR_GZIP (corrupt, bad header, CRC),
 * TR_ERR_GZIP_TRAILING (bytes after a member that are not a new member),
 * TR_ERR_DECOMPRESS_LIMIT, TR_ERR_NOMEM. After an error, further feeds
 * return the same error. */
enum tr_err tr_gunzip_feed(struct tr_gunzip *gz, const unsigned char *in,
    size_t len, struct tr_error *err);

/* tr_gunzip_finish - end of input: TR_OK when the stream ended cleanly,
 * TR_ERR_GZIP_TRUNCATED when it stopped early (including empty input).
 * On TR_OK *out / *outlen give the output, NUL-terminated (not counted),
 * owned by the caller (free()). */
enum tr_err tr_gunzip_finish(struct tr_gunzip *gz, unsigned char **out,
    size_t *outlen, struct tr_error *err);

void tr_gunzip_free(struct tr_gunzip *gz);

/* tr_gunzip_buf - one-shot convenience: new + feed + finish + free */
enum tr_err tr_gunzip_buf(const unsigned char *in, size_t len,
    const struct tr_limits *limits, unsigned char **out, size_t *outlen,
    struct tr_error *err);

#endif
