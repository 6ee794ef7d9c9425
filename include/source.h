/* source.h - messages from files: .eml, .json(.gz), mbox, Maildir, directories, stdin */
#ifndef TR_SOURCE_H
#define TR_SOURCE_H

#include <stddef.h>

#include "error.h"
#include "pipeline.h"

/* One message found in the input. buf is valid only during the callback. */
struct tr_source_msg {
	const unsigned char *buf;
	size_t len;
	enum tr_input kind;	/* message, or a bare report body */
	const char *name;	/* "path", or "path#N" for the Nth mbox message */
	const char *filename;	/* the file's path (report-domain hint) */
	struct tr_error err;	/* TR_ERR_IO when the input could not be read,
				 * TR_ERR_NOMEM when out of memory */
};

/* return non-zero from the callback to stop the walk */
typedef int (*tr_source_cb)(void *arg, const struct tr_source_msg *m);

/*
 * tr_source_walk - call cb for every message under path: a file (sniffed: an
 * mbox is split, .json / .json.gz / .zip / gzip or JSON content is a report
 * body, anything else one RFC 5322 message), a Maildir (cur/ and new/), a
 * directory (walked recursively in name order, dot-files skipped, symbolic
 * links to directories not followed), or "-" for standard input. An
 * unreadable path is reported through cb with err set. Returns the callback's
 * non-zero value if it stopped the walk, else 0.
 */
int tr_source_walk(const char *path, tr_source_cb cb, void *arg);

/*
 * tr_source_is_report - whether p[0..len) from path (may be "") is a bare
 * report body (.json, .json.gz, .gz or .zip name; gzip, zip or JSON
 * content) rather than a mail message: how tr_source_walk decides.
 */
int tr_source_is_report(const char *path, const unsigned char *p, size_t len);

#endif
