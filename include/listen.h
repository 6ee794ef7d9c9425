/* listen.h - the listening sockets of smtp_listen, http_listen and friends */
#ifndef TR_LISTEN_H
#define TR_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "error.h"

/*
 * tr_listen_open - a bound, listening, non-blocking, close-on-exec socket
 * for a listen address as tlsrptd.conf(5) has them: "IPv4:PORT",
 * "[IPv6]:PORT", "*:PORT" (IPv6 and IPv4 together; IPv4 alone on a host
 * without IPv6) or "unix:PATH". A unix socket is mode 0660 from the start
 * and, when either of uid/gid is not -1, created as that user and group
 * (effective ids while root: never chown()ed by name, so its directory must
 * be writable by the user); a socket file nobody answers
 * on (left by a killed daemon) is replaced, while a live socket or a file
 * that is not a socket is an error. Returns the descriptor, or -1 with
 * TR_ERR_IO (TR_ERR_NOMEM) and a message that starts with the address;
 * callers prefix the configuration key.
 */
int tr_listen_open(const char *spec, int backlog, uid_t uid, gid_t gid,
    struct tr_error *err);

/* What tr_listen_parse_inet made of an address. */
enum tr_listen_parse {
	TR_LISTEN_PARSED,	/* a socket address */
	TR_LISTEN_BAD_ADDRESS,	/* not IPv4:PORT, [IPv6]:PORT or *:PORT */
	TR_LISTEN_BAD_PORT,	/* the form is right, the port not 1 to 65535 */
};

/*
 * tr_listen_parse_inet - spec[0..len), "IPv4:PORT", "[IPv6]:PORT" or
 * "*:PORT", into *ss and *sslen; *any is set for the wildcard (an IPv6
 * address in ss, all zeros). The one parser of listen addresses: the
 * configuration checks them with it, tr_listen_open binds what it made.
 */
enum tr_listen_parse tr_listen_parse_inet(const char *spec, size_t len,
    struct sockaddr_storage *ss, socklen_t *sslen, int *any);

/* tr_listen_unix_path - the path of a "unix:PATH" address, else NULL */
const char *tr_listen_unix_path(const char *spec);

#endif
