/* pq_lib.c - libpq, loaded when the first PostgreSQL store is opened */
#define TR_PQ_LIB_C
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "pq_lib.h"

struct tr_pq tr_pq;

/* filled is set once tr_pq holds every function; load_mtx orders loads */
static pthread_mutex_t load_mtx = PTHREAD_MUTEX_INITIALIZER;
static int filled;

/* tr_pq_load_from - dlopen name and take every function of TR_PQ_FUNCS */
enum tr_err
tr_pq_load_from(const char *name, struct tr_error *err)
{
	struct tr_pq pq;
	const char *missing = NULL;
	void *lib;

	pthread_mutex_lock(&load_mtx);
	if (filled) {
		pthread_mutex_unlock(&load_mtx);
		return TR_OK;
	}
	/* RTLD_NOW: a libpq without one of our functions fails here, not at
	 * its first call; it stays loaded for the life of the process */
	if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		tr_error_set(err, TR_ERR_STORE, "PostgreSQL needs libpq, "
		    "which cannot be loaded (install libpq5): %s", dlerror());
		pthread_mutex_unlock(&load_mtx);
		return TR_ERR_STORE;
	}
	memset(&pq, 0, sizeof(pq));
#define TR_PQ_TAKE(f) \
	if (missing == NULL && \
	    (*(void **)&pq.f = dlsym(lib, #f)) == NULL) \
		missing = #f;
	TR_PQ_FUNCS(TR_PQ_TAKE)
#undef TR_PQ_TAKE
	if (missing != NULL) {
		dlclose(lib);
		tr_error_set(err, TR_ERR_STORE, "PostgreSQL needs libpq, but "
		    "%s has no %s (libpq 10 or later is needed)", name,
		    missing);
		pthread_mutex_unlock(&load_mtx);
		return TR_ERR_STORE;
	}
	tr_pq = pq;
	filled = 1;
	pthread_mutex_unlock(&load_mtx);
	return TR_OK;
}

/* tr_pq_load - libpq.so.5, the library of libpq5 */
enum tr_err
tr_pq_load(struct tr_error *err)
{
	return tr_pq_load_from("libpq.so.5", err);
}
