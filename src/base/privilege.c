/* privilege.c - create files as the daemon's user while still root */
#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "privilege.h"

/* tr_ids_assume - the daemon's ids as effective ids, when root */
int
tr_ids_assume(uid_t uid, gid_t gid, struct tr_ids *saved)
{
	int e;

	saved->switched = 0;
	if (geteuid() != 0 || (uid == (uid_t)-1 && gid == (gid_t)-1))
		return 0;
	if (gid != (gid_t)-1 && setegid(gid) == -1)
		return -1;
	if (uid != (uid_t)-1 && seteuid(uid) == -1) {
		e = errno;
		if (setegid(0) == -1)
			fatal("cannot take back group root");
		errno = e;
		return -1;
	}
	saved->switched = 1;
	return 0;
}

/* tr_ids_restore - root again */
void
tr_ids_restore(const struct tr_ids *saved)
{
	if (!saved->switched)
		return;
	if (seteuid(0) == -1 || setegid(0) == -1)
		fatal("cannot take back root after creating files");
}
