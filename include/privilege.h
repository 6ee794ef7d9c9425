/* privilege.h - create files as the daemon's user while still root */
#ifndef TR_PRIVILEGE_H
#define TR_PRIVILEGE_H

#include <sys/types.h>

/* What tr_ids_assume changed, for tr_ids_restore. */
struct tr_ids {
	int switched;		/* the effective ids were changed */
};

/*
 * tr_ids_assume - when running as root and uid or gid is not -1, make them
 * the effective ids (gid first) so that files, directories and unix sockets
 * created from now on belong to the daemon's user and group from birth and
 * path lookups get only that user's rights: nothing has to be chown()ed by
 * name afterwards, which a symbolic link swapped in between would redirect.
 * Otherwise nothing changes. Call only while a single thread runs (at
 * start-up). Returns 0, or -1 with errno when the ids cannot be taken.
 */
int tr_ids_assume(uid_t uid, gid_t gid, struct tr_ids *saved);

/* tr_ids_restore - back to root after tr_ids_assume; exits when it cannot
 * (a half-switched process must not carry on) */
void tr_ids_restore(const struct tr_ids *saved);

#endif
