/* smtp_server.h - the SMTP server's own types, shared by its sessions (smtp_server.c) and listeners (smtp_listener.c) */
#ifndef TR_SMTP_SERVER_H
#define TR_SMTP_SERVER_H

#include <sys/queue.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "budget.h"
#include "config.h"
#include "daemon.h"
#include "smtp_session.h"

#define TR_SMTP_HOSTNAME_MAX	255
#define TR_SMTP_ADDR_MAX	(INET6_ADDRSTRLEN + 1)

struct tr_smtp_server;

struct listener {
	struct tr_smtp_server *srv;
	evutil_socket_t fd;		/* until the evconnlistener owns it */
	struct evconnlistener *lev;
	int lmtp;
	char *spec;			/* as configured */
	char *path;			/* a unix socket to remove, or NULL */
};

/* One client connection. It outlives its socket while its message is out
 * for storing: the job (and the message in the session) are in here. */
struct conn {
	struct tr_smtp_server *srv;
	LIST_ENTRY(conn) entry;
	struct bufferevent *bev;	/* NULL once the peer is gone */
	evutil_socket_t fd;
	int tls;			/* bev is TLS and owns fd */
	int starttls;			/* TLS begins once the 220 is out */
	struct tr_smtp_session *ss;
	int lmtp;
	char client[TR_SMTP_ADDR_MAX];	/* IP address, or "local" */
	struct event *data_timer;	/* the whole DATA of one message */
	struct event *cmd_timer;	/* one whole command line */
	struct event *session_timer;	/* the whole session */
	struct timeval since;		/* connected (loop time) */
	unsigned long long received;	/* bytes taken by the session */
	int handshaking;		/* TLS handshake under smtp_tls_timeout */
	int expired;			/* the session deadline passed while
					 * its message was being stored */
	int in_data;
	int waiting;			/* the job is with the daemon */
	int held;			/* holding the daemon for a reply */
	int closing;			/* free once the replies are out */
	int paused;			/* reading off: replies not taken */
	int eof;			/* the client has sent all it will */
	struct tr_job job;
	char qid[24];
	char *to;			/* the recipients, joined */
};

struct tr_smtp_server {
	const struct tr_config *cfg;
	struct tr_daemon *d;
	struct event_base *base;
	SSL_CTX *tls;
	char hostname[TR_SMTP_HOSTNAME_MAX + 1];
	struct listener *ls;
	size_t nls;
	struct tr_accept *acc;		/* the accept back-off */
	LIST_HEAD(, conn) conns;
	unsigned nconns;		/* with a socket */
	unsigned long seq;		/* queue id counter */
	time_t last_refusal_log, last_budget_log, last_evict_log;
	int stopping;
	struct tr_budget *budget;	/* or NULL */
	unsigned long evictions;
	struct timeval rtimeout, wtimeout, dtimeout, ctimeout, stimeout,
	    ttimeout;
};

/* tr_smtp_conn_open - a session with settings set for a client accepted
 * on fd by the listener spec (client: its address or "local"): the
 * connection is counted and greeted; out of memory closes fd (logged) */
void tr_smtp_conn_open(struct tr_smtp_server *srv, evutil_socket_t fd,
    const char *client, int lmtp, const char *spec,
    const struct tr_smtp_settings *set);

/* tr_smtp_conn_flush - move the session's replies to the socket */
void tr_smtp_conn_flush(struct conn *c);

/* tr_smtp_conn_finish - no more reading; free once the replies are out */
void tr_smtp_conn_finish(struct conn *c);

/* tr_smtp_conn_free - the connection and everything it holds; never
 * while its job is with the daemon */
void tr_smtp_conn_free(struct conn *c);

#endif
