/* gunzip.h - bounded, streaming gzip and zip decompression (zlib) */
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

/* One member of a zip archive, as tr_unzip_each hands it over. */
struct tr_zip_member {
	const char *name;		/* quoted for messages: "\"a.json\"" */
	int report;			/* named *.json or *.json.gz */
	const unsigned char *json;	/* decompressed, NUL-terminated; NULL
					 * when not a report or unreadable */
	size_t len;
	struct tr_error err;		/* why a report member has no json */
};

/* return anything but TR_OK to stop the walk (tr_unzip_each returns it) */
typedef enum tr_err (*tr_unzip_cb)(void *arg, const struct tr_zip_member *m);

/*
 * tr_unzip_each - every member of a zip archive in directory order, except
 * directories and macOS AppleDouble sidecars: *.json and *.json.gz members
 * decompressed (each within limits->max_report and the ratio cap), or with
 * the reason they could not be (corrupt, encrypted, other method, over a
 * limit); other members by name only, so the caller can say they were not
 * reports. json is valid only during the call. Returns TR_OK, the archive's
 * own error (TR_ERR_ZIP: corrupt directory, ZIP64, no .json member at all),
 * or what cb returned to stop.
 */
enum tr_err tr_unzip_each(const unsigned char *in, size_t len,
    const struct tr_limits *limits, tr_unzip_cb cb, void *arg,
    struct tr_error *err);

/* tr_unzip_json - the first *.json member of a zip archive (stored or
 * deflated), with the same limits; a member that is *.json.gz is gunzipped.
 * Output NUL-terminated, caller frees. TR_ERR_ZIP when the archive is
 * corrupt, encrypted, uses another method or holds no .json member. */
enum tr_err tr_unzip_json(const unsigned char *in, size_t len,
    const struct tr_limits *limits, unsigned char **out, size_t *outlen,
    struct tr_error *err);

#endif
