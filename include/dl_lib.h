/* dl_lib.h - a shared library loaded when it is first needed
 *
 * libpq (pq_lib.h) and libarchive (archive_lib.h) are compiled against but
 * not linked: most daemons never use them, and each brings a tail of
 * libraries (Kerberos and LDAP; libxml2, ICU and the C++ runtime) whose
 * symbol lookups were most of the start-up. Each keeps a table of the
 * functions it calls, filled once through a struct tr_dl_lib.
 */
#ifndef TR_DL_LIB_H
#define TR_DL_LIB_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#define TR_DL_RETRY_SECONDS	60	/* a failed file is not tried again
					 * sooner (glibc keeps a little of
					 * every failed dlopen) */

struct tr_dl_lib {
	pthread_mutex_t	 mtx;		/* orders loads from any thread */
	int		 filled;	/* the table holds every function */
	const char *const *names;	/* the functions, in table order */
	size_t		 n;
	void		(*fill)(void *const *fns); /* fns[i] into the table */
	char		 failed[64];	/* the file that failed last, */
	time_t		 failed_at;	/* when (CLOCK_MONOTONIC), */
	char		 why[256];	/* and why */
	unsigned long	 tries;		/* dlopen calls, for tests */
};

#define TR_DL_LIB(names, fill) \
	{ PTHREAD_MUTEX_INITIALIZER, 0, (names), \
	    sizeof(names) / sizeof((names)[0]), (fill), "", 0, "", 0 }

/*
 * tr_dl_load - once per process: dlopen file for good (RTLD_NOW: a library
 * without one of the functions fails here, not at its first call), look up
 * every name and hand them to fill; all or nothing. 0 when the table is
 * filled (now or before), else -1 with why set to "FILE cannot be loaded:
 * ..." or "FILE has no NAME". The same file failing again within
 * TR_DL_RETRY_SECONDS gets the same answer without another dlopen.
 */
int tr_dl_load(struct tr_dl_lib *l, const char *file, char *why,
    size_t whysz);

#endif
