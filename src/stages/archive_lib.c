/* archive_lib.c - libarchive, loaded at the first zip archive */
#define TR_ARCHIVE_LIB_C
#include <pthread.h>

#include "archive_lib.h"
#include "dl_lib.h"

struct tr_archive tr_archive;

/* filled is set once tr_archive holds every function; load_mtx orders
 * loads (the analysis runs on several threads) */
static pthread_mutex_t load_mtx = PTHREAD_MUTEX_INITIALIZER;
static int filled;

#define TR_ARCHIVE_NAME(f) #f,
static const char *const names[] = { TR_ARCHIVE_FUNCS(TR_ARCHIVE_NAME) };
#undef TR_ARCHIVE_NAME
#define NFUNCS	(sizeof(names) / sizeof(names[0]))

/* tr_archive_load_from - dlopen name and take every function of
 * TR_ARCHIVE_FUNCS */
enum tr_err
tr_archive_load_from(const char *name, struct tr_error *err)
{
	void *fns[NFUNCS];
	char why[256];
	size_t i = 0;
	enum tr_err e = TR_OK;

	pthread_mutex_lock(&load_mtx);
	if (!filled && tr_dl_open(name, names, fns, NFUNCS, why,
	    sizeof(why)) == -1)
		e = tr_error_set(err, TR_ERR_IO, "zip: reading zip archives "
		    "needs libarchive (install libarchive13): %s", why);
	else if (!filled) {
#define TR_ARCHIVE_FILL(f) *(void **)&tr_archive.f = fns[i++];
		TR_ARCHIVE_FUNCS(TR_ARCHIVE_FILL)
#undef TR_ARCHIVE_FILL
		filled = 1;
	}
	pthread_mutex_unlock(&load_mtx);
	return e;
}

/* tr_archive_load - libarchive.so.13, the library of libarchive13 */
enum tr_err
tr_archive_load(struct tr_error *err)
{
	return tr_archive_load_from("libarchive.so.13", err);
}
