/* pq_lib.c - libpq, loaded when the first PostgreSQL store is opened */
#define TR_PQ_LIB_C
#include <pthread.h>

#include "dl_lib.h"
#include "pq_lib.h"

struct tr_pq tr_pq;

/* filled is set once tr_pq holds every function; load_mtx orders loads */
static pthread_mutex_t load_mtx = PTHREAD_MUTEX_INITIALIZER;
static int filled;

#define TR_PQ_NAME(f) #f,
static const char *const names[] = { TR_PQ_FUNCS(TR_PQ_NAME) };
#undef TR_PQ_NAME
#define NFUNCS	(sizeof(names) / sizeof(names[0]))

/* tr_pq_load_from - dlopen name and take every function of TR_PQ_FUNCS */
enum tr_err
tr_pq_load_from(const char *name, struct tr_error *err)
{
	void *fns[NFUNCS];
	char why[256];
	size_t i = 0;
	enum tr_err e = TR_OK;

	pthread_mutex_lock(&load_mtx);
	if (!filled && tr_dl_open(name, names, fns, NFUNCS, why,
	    sizeof(why)) == -1)
		e = tr_error_set(err, TR_ERR_STORE, "PostgreSQL needs libpq "
		    "(install libpq5, version 10 or later): %s", why);
	else if (!filled) {
#define TR_PQ_FILL(f) *(void **)&tr_pq.f = fns[i++];
		TR_PQ_FUNCS(TR_PQ_FILL)
#undef TR_PQ_FILL
		filled = 1;
	}
	pthread_mutex_unlock(&load_mtx);
	return e;
}

/* tr_pq_load - libpq.so.5, the library of libpq5 */
enum tr_err
tr_pq_load(struct tr_error *err)
{
	return tr_pq_load_from("libpq.so.5", err);
}
