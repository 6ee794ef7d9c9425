/* pq_lib.c - libpq, loaded when the first PostgreSQL store is opened */
#define TR_PQ_LIB_C
#include "dl_lib.h"
#include "pq_lib.h"

struct tr_pq tr_pq;

#define TR_PQ_NAME(f) #f,
static const char *const names[] = { TR_PQ_FUNCS(TR_PQ_NAME) };
#undef TR_PQ_NAME

/* fill - the looked-up functions into tr_pq, in TR_PQ_FUNCS order */
static void
fill(void *const *fns)
{
	size_t i = 0;

#define TR_PQ_FILL(f) *(void **)&tr_pq.f = fns[i++];
	TR_PQ_FUNCS(TR_PQ_FILL)
#undef TR_PQ_FILL
}

static struct tr_dl_lib lib = TR_DL_LIB(names, fill);

/* tr_pq_load_from - tr_pq filled from the library named */
enum tr_err
tr_pq_load_from(const char *name, struct tr_error *err)
{
	char why[256];

	if (tr_dl_load(&lib, name, why, sizeof(why)) == -1)
		return tr_error_set(err, TR_ERR_STORE, "PostgreSQL needs libpq "
		    "(install libpq5, version 10 or later): %s", why);
	return TR_OK;
}

/* tr_pq_load - libpq.so.5, the library of libpq5 */
enum tr_err
tr_pq_load(struct tr_error *err)
{
	return tr_pq_load_from("libpq.so.5", err);
}
