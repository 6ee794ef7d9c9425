/* dl_lib.c - a shared library loaded when it is first needed */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dl_lib.h"

/* try - dlopen file and look up every name of l into fns; 0, or -1 with
 * l->why set */
static int
try(struct tr_dl_lib *l, const char *file, void **fns)
{
	const char *dlwhy;
	void *lib;
	size_t i;

	l->tries++;
	if ((lib = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		dlwhy = dlerror();
		snprintf(l->why, sizeof(l->why), "%s cannot be loaded: %s",
		    file, dlwhy != NULL ? dlwhy : "no reason given");
		return -1;
	}
	for (i = 0; i < l->n; i++)
		if ((fns[i] = dlsym(lib, l->names[i])) == NULL) {
			snprintf(l->why, sizeof(l->why), "%s has no %s", file,
			    l->names[i]);
			dlclose(lib);
			return -1;
		}
	return 0;
}

/* tr_dl_load - the table of l filled from file, once */
int
tr_dl_load(struct tr_dl_lib *l, const char *file, char *why, size_t whysz)
{
	void *fns[64];
	struct timespec now;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&l->mtx);
	if (l->filled)
		goto out;
	if (l->failed_at != 0 && strcmp(l->failed, file) == 0 &&
	    now.tv_sec - l->failed_at < TR_DL_RETRY_SECONDS) {
		rc = -1;
		goto out;
	}
	if (l->n > sizeof(fns) / sizeof(fns[0])) {
		snprintf(l->why, sizeof(l->why), "%s: too many functions",
		    file);
		rc = -1;
	} else
		rc = try(l, file, fns);
	if (rc == -1) {
		snprintf(l->failed, sizeof(l->failed), "%s", file);
		/* 0 means never: a clock at 0 s counts as 1 */
		l->failed_at = now.tv_sec > 0 ? now.tv_sec : 1;
		goto out;
	}
	l->fill(fns);
	l->filled = 1;
out:
	if (rc == -1)
		snprintf(why, whysz, "%s", l->why);
	pthread_mutex_unlock(&l->mtx);
	return rc;
}
