/* dl_lib.h - a shared library loaded when it is first needed
 *
 * libpq (pq_lib.h) and libarchive (archive_lib.h) are compiled against but
 * not linked: most daemons never use them, and each brings a tail of
 * libraries (Kerberos and LDAP; libxml2, ICU and the C++ runtime) whose
 * symbol lookups were most of the start-up. Each keeps a table of the
 * functions it calls, filled once by tr_dl_open.
 */
#ifndef TR_DL_LIB_H
#define TR_DL_LIB_H

#include <stddef.h>

/*
 * tr_dl_open - dlopen file for the life of the process (RTLD_NOW: a library
 * without one of the functions fails here, not at its first call) and look
 * up names[0..n) into fns[0..n); all or nothing. 0, or -1 with why set to
 * "FILE cannot be loaded: ..." or "FILE has no NAME".
 */
int tr_dl_open(const char *file, const char *const *names, void **fns,
    size_t n, char *why, size_t whysz);

#endif
