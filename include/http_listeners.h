/* http_listeners.h - the listening sockets of an evhttp server (metrics,
 * dashboard): bound early, all or none, handed to evhttp once the loop
 * runs, closed and their unix socket files removed at the end */
#ifndef TR_HTTP_LISTENERS_H
#define TR_HTTP_LISTENERS_H

#include <sys/types.h>

#include <stddef.h>

#include "accept.h"
#include "config.h"
#include "error.h"

#define TR_HL_MAX	16	/* more addresses than anyone lists */

struct evconnlistener;

/* One listening socket. */
struct tr_hl_socket {
	int fd;				/* -1 once evhttp has it */
	char *addr;			/* as configured, for messages */
	char *unix_path;		/* to remove at the end, or NULL */
	struct evconnlistener *lev;	/* once handed over; evhttp owns it */
};

/* The sockets of one server; zero-initialised is empty. */
struct tr_hl {
	struct tr_hl_socket s[TR_HL_MAX];
	size_t n;
};

/*
 * tr_hl_bind - every address of addrs bound and listening into hl (empty
 * before), with backlog, unix sockets owned by uid:gid; name (the
 * configuration key) prefixes the messages. 0, or -1 with err and hl
 * left empty, every socket bound so far closed.
 */
int tr_hl_bind(struct tr_hl *hl, const struct tr_strlist *addrs,
    const char *name, int backlog, uid_t uid, gid_t gid,
    struct tr_error *err);

/* tr_hl_attach - hand every socket to http under the accept back-off acc
 * (tr_accept_evhttp), keeping each one's listener; 0, or -1 (logged) */
int tr_hl_attach(struct tr_hl *hl, struct tr_accept *acc,
    struct evhttp *http);

/* tr_hl_every_method - let every method reach http's handlers, which
 * answer 405 themselves (evhttp's own answer to a method it does not
 * allow is 501) */
void tr_hl_every_method(struct evhttp *http);

/* tr_hl_close - close the sockets evhttp does not hold, remove the unix
 * socket files, free the names; hl is empty after */
void tr_hl_close(struct tr_hl *hl);

#endif
