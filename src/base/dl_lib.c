/* dl_lib.c - a shared library loaded when it is first needed */
#include <dlfcn.h>
#include <stdio.h>

#include "dl_lib.h"

/* tr_dl_open - load file and every function of names, or say why not */
int
tr_dl_open(const char *file, const char *const *names, void **fns,
    size_t n, char *why, size_t whysz)
{
	const char *dlwhy;
	void *lib;
	size_t i;

	if ((lib = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		dlwhy = dlerror();
		snprintf(why, whysz, "%s cannot be loaded: %s", file,
		    dlwhy != NULL ? dlwhy : "no reason given");
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((fns[i] = dlsym(lib, names[i])) == NULL) {
			snprintf(why, whysz, "%s has no %s", file, names[i]);
			dlclose(lib);
			return -1;
		}
	return 0;
}
