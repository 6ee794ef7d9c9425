/* unzip.h - the members of a zip archive, bounded (libarchive) */
#ifndef TR_UNZIP_H
#define TR_UNZIP_H

#include <stddef.h>

#include "error.h"
#include "limits.h"

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
 * tr_unzip_each - every member of a zip archive in archive order, except
 * directories and macOS AppleDouble sidecars: *.json and *.json.gz members
 * decompressed (each within limits->max_report, and all of them together
 * within limits->max_ratio times the archive's size), or with the reason
 * they could not be (corrupt, encrypted, other method, over a limit);
 * other members by name only, so the caller can say they were not
 * reports. json is valid only during the call. Returns TR_OK, the
 * archive's own error (TR_ERR_ZIP: not a zip, corrupt directory, more than
 * 1000 entries, no .json member at all; checked before cb is first called,
 * but for the last), TR_ERR_IO when libarchive cannot be loaded
 * (temporary), or what cb returned to stop.
 */
enum tr_err tr_unzip_each(const unsigned char *in, size_t len,
    const struct tr_limits *limits, tr_unzip_cb cb, void *arg,
    struct tr_error *err);

/* tr_unzip_json - the first *.json member of a zip archive (stored or
 * deflated), with the same limits; a member that is *.json.gz is gunzipped.
 * Output NUL-terminated, caller frees. TR_ERR_ZIP when the archive is
 * corrupt, encrypted, uses another method or holds no .json member;
 * TR_ERR_IO when libarchive cannot be loaded (temporary). */
enum tr_err tr_unzip_json(const unsigned char *in, size_t len,
    const struct tr_limits *limits, unsigned char **out, size_t *outlen,
    struct tr_error *err);

#endif
