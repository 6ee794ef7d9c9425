/* http.h - the HTTP(S) report endpoint (rua=https:, RFC 8460 section 5.4) on the loop */
#ifndef TR_HTTP_H
#define TR_HTTP_H

#include <sys/types.h>

#include "config.h"
#include "daemon.h"
#include "error.h"

struct tr_http;

/*
 * tr_http_listen - bind every http_listen and https_listen address and load
 * the TLS certificate and key, while still privileged. A unix: socket gets
 * mode 0660 and, when uid/gid are not -1, that owner; a stale one is
 * replaced. *out is NULL (and TR_OK) when no HTTP listener is configured.
 * cfg must outlive the endpoint. Errors name the address (TR_ERR_IO).
 */
enum tr_err tr_http_listen(const struct tr_config *cfg, uid_t uid, gid_t gid,
    struct tr_http **out, struct tr_error *err);

/*
 * tr_http_start - serve on d's loop (after tr_daemon_new): each report is
 * answered after the commit that holds it, and the loop is held until that
 * answer is written. Ignores SIGPIPE process-wide. 0, or -1 (logged). h may
 * be NULL.
 */
int tr_http_start(struct tr_http *h, struct tr_daemon *d);

/* tr_http_stop - on the loop thread when the daemon begins to stop: close
 * the listening sockets; the health check answers 503 from then on */
void tr_http_stop(struct tr_http *h);

/* tr_http_free - close every connection and socket, remove unix sockets;
 * after tr_daemon_run and before tr_daemon_free. h may be NULL. */
void tr_http_free(struct tr_http *h);

#endif
