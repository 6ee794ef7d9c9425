/* archive_lib.c - libarchive, loaded at the first zip archive */
#define TR_ARCHIVE_LIB_C
#include "archive_lib.h"
#include "dl_lib.h"

struct tr_archive tr_archive;

#define TR_ARCHIVE_NAME(f) #f,
static const char *const names[] = { TR_ARCHIVE_FUNCS(TR_ARCHIVE_NAME) };
#undef TR_ARCHIVE_NAME

/* fill - the looked-up functions into tr_archive, in TR_ARCHIVE_FUNCS
 * order */
static void
fill(void *const *fns)
{
	size_t i = 0;

#define TR_ARCHIVE_FILL(f) *(void **)&tr_archive.f = fns[i++];
	TR_ARCHIVE_FUNCS(TR_ARCHIVE_FILL)
#undef TR_ARCHIVE_FILL
}

/* the analysis runs on several threads: tr_dl_load orders them */
static struct tr_dl_lib lib = TR_DL_LIB(names, fill);

/* tr_archive_load_from - tr_archive filled from the library named */
enum tr_err
tr_archive_load_from(const char *name, struct tr_error *err)
{
	char why[256];

	if (tr_dl_load(&lib, name, why, sizeof(why)) == -1)
		return tr_error_set(err, TR_ERR_IO, "zip: reading zip archives "
		    "needs libarchive (install libarchive13): %s", why);
	return TR_OK;
}

/* tr_archive_load - libarchive.so.13, the library of libarchive13 */
enum tr_err
tr_archive_load(struct tr_error *err)
{
	return tr_archive_load_from("libarchive.so.13", err);
}
