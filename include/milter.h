/* milter.h - the libmilter receiver: mail to the rua addresses goes to the loop */
#ifndef TR_MILTER_H
#define TR_MILTER_H

#include <sys/types.h>

#include "config.h"
#include "daemon.h"
#include "error.h"

/*
 * tr_milter_listen - register the filter with libmilter and bind the socket
 * named by cfg->milter_socket ("unix:PATH", "local:PATH", "inet:PORT@HOST",
 * "inet6:PORT@HOST"). A stale unix socket is removed first; the new one gets
 * mode 0660 and, when uid/gid are not -1, that owner, so the MTA's group can
 * reach it after privileges are dropped. cfg must outlive the milter.
 */
enum tr_err tr_milter_listen(const struct tr_config *cfg, uid_t uid,
    gid_t gid, struct tr_error *err);

/*
 * tr_milter_start - run smfi_main on a thread of its own, handing messages
 * to d. The thread and libmilter's signal thread have SIGTERM, SIGINT and
 * SIGHUP blocked, so those go to the loop, whose stop calls tr_milter_stop;
 * should smfi_main end on its own, the milter thread starts
 * tr_daemon_shutdown. Returns 0 or -1.
 */
int tr_milter_start(struct tr_daemon *d);

/* tr_milter_join - wait for the milter thread; 0 when smfi_main ended well
 * or ended because tr_milter_stop asked it to, at whatever point of its
 * start-up */
int tr_milter_join(void);

/* tr_milter_stop - ask smfi_main to return (once; later calls do nothing).
 * smfi_stop waits up to ~5 s for libmilter's listener, so it runs on a
 * thread of its own and this returns at once: safe on the loop thread. */
void tr_milter_stop(void);

/* tr_milter_close - remove the unix socket after the milter has stopped */
void tr_milter_close(void);

/* Between milter_main.c (socket, thread) and milter.c (callbacks). */
int tr_milter_register(const struct tr_config *cfg);	/* smfi_register */
void tr_milter_use(struct tr_daemon *d);		/* where jobs go */

#endif
