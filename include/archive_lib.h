/* archive_lib.h - libarchive, loaded at the first zip archive
 *
 * Zip archives are rare among reports; libarchive brings libxml2, ICU and
 * the C++ runtime, whose symbol lookups were 40% of the start-up. The zip
 * stage (unzip.c) includes this header after <archive.h>: each archive_...
 * name below calls through tr_archive, filled by tr_archive_load.
 */
#ifndef TR_ARCHIVE_LIB_H
#define TR_ARCHIVE_LIB_H

#include <archive.h>
#include <archive_entry.h>

#include "error.h"

/* every libarchive function the zip stage calls */
#define TR_ARCHIVE_FUNCS(X) \
	X(archive_entry_is_encrypted) \
	X(archive_entry_pathname) \
	X(archive_entry_pathname_utf8) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_format_name) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_memory) \
	X(archive_read_support_format_zip_seekable)

#define TR_ARCHIVE_FIELD(f) __typeof__(f) *f;
struct tr_archive {
	TR_ARCHIVE_FUNCS(TR_ARCHIVE_FIELD)
};
#undef TR_ARCHIVE_FIELD

extern struct tr_archive tr_archive;

/*
 * tr_archive_load - load libarchive.so.13 once (any thread, any number of
 * times); TR_OK when tr_archive is filled, else TR_ERR_IO (temporary: the
 * message is answered with a temporary failure and comes again) saying
 * what is missing (install libarchive13); the same file is not tried
 * again for TR_DL_RETRY_SECONDS (dl_lib.h). tr_archive_load_from - the
 * same from the library named (for tests).
 */
enum tr_err tr_archive_load(struct tr_error *err);
enum tr_err tr_archive_load_from(const char *name, struct tr_error *err);

#ifndef TR_ARCHIVE_LIB_C
#define archive_entry_is_encrypted	(tr_archive.archive_entry_is_encrypted)
#define archive_entry_pathname		(tr_archive.archive_entry_pathname)
#define archive_entry_pathname_utf8	(tr_archive.archive_entry_pathname_utf8)
#define archive_entry_size		(tr_archive.archive_entry_size)
#define archive_entry_size_is_set	(tr_archive.archive_entry_size_is_set)
#define archive_errno			(tr_archive.archive_errno)
#define archive_error_string		(tr_archive.archive_error_string)
#define archive_format_name		(tr_archive.archive_format_name)
#define archive_read_data_block		(tr_archive.archive_read_data_block)
#define archive_read_free		(tr_archive.archive_read_free)
#define archive_read_new		(tr_archive.archive_read_new)
#define archive_read_next_header	(tr_archive.archive_read_next_header)
#define archive_read_open_memory	(tr_archive.archive_read_open_memory)
#define archive_read_support_format_zip_seekable \
	(tr_archive.archive_read_support_format_zip_seekable)
#endif

#endif
