/* smtp_listener.h - the SMTP and LMTP listeners: sessions on the daemon's loop, messages to its pipeline */
#ifndef TR_SMTP_LISTENER_H
#define TR_SMTP_LISTENER_H

#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "daemon.h"
#include "error.h"

struct tr_smtp_server;

/*
 * tr_smtp_listen - bind every smtp_listen and lmtp_listen address and load
 * tls_certificate and tls_key, while still privileged. A stale unix socket
 * is replaced; the new one gets mode 0660 and, when uid/gid are not -1,
 * that owner. *out is NULL when nothing is configured. cfg must outlive
 * the server.
 */
enum tr_err tr_smtp_listen(const struct tr_config *cfg, uid_t uid,
    gid_t gid, struct tr_smtp_server **out, struct tr_error *err);

/* tr_smtp_start - accept connections on d's loop; messages go to d.
 * Returns 0 or -1 (logged). */
int tr_smtp_start(struct tr_smtp_server *srv, struct tr_daemon *d);

/*
 * tr_smtp_stop - for the daemon's on_stopping: close the listeners, answer
 * idle sessions 421 4.3.2 and close them; a session whose message is being
 * stored gets its reply first. Loop thread.
 */
void tr_smtp_stop(struct tr_smtp_server *srv);

/* tr_smtp_free - close what is left and remove the unix sockets (after
 * the loop has ended, before the daemon is freed) */
void tr_smtp_free(struct tr_smtp_server *srv);

#endif
