/* receivers.h - the ways in behind one interface, registered in one table (receivers.c) */
#ifndef TR_RECEIVERS_H
#define TR_RECEIVERS_H

/*
 * Every listener of tlsrptd run is a receiver: the HTTP(S) report
 * endpoint, the SMTP and LMTP listeners, the metrics listener, the
 * dashboard and the milter. Each fills a struct tr_receiver_ops, and the
 * table in receivers.c lists them; tlsrptd run walks the table, in order:
 *
 *   bind   while still root, before the store is opened: bind what the
 *          configuration asks for (nothing, state NULL, when it asks for
 *          nothing), load certificates and files only root may read
 *   start  as the final user, once the daemon's loop exists: serve on it
 *   stop   on the loop thread when the daemon begins to stop
 *   join   after the loop has ended: wait for threads of its own
 *   free   last: close what is left, remove unix sockets
 *
 * bind and start answer alike: TR_OK, or a code and a message naming the
 * setting or address (err). A bind error is the configuration's
 * (TR_ERR_SCHEMA, exit 78) or a socket's or file's (any other code, 74);
 * a start error is the database's (TR_ERR_STORE, 74) or an internal one
 * (any other code, 70).
 */

#include <sys/types.h>

#include "config.h"
#include "daemon.h"
#include "error.h"
#include "stats.h"

/* What the receivers are given; the caller fills it and keeps it. */
struct tr_receiver_env {
	const struct tr_config *cfg;	/* outlives every receiver */
	uid_t uid;			/* the user the daemon becomes, or -1 */
	gid_t gid;
	struct tr_daemon *d;		/* set before start */
	struct tr_stats *stats;		/* the metrics, or NULL */
};

struct tr_receiver_ops {
	const char *name;		/* "http", "smtp", "metrics", ... */
	enum tr_err (*bind)(const struct tr_receiver_env *env, void **state,
	    struct tr_error *err);
	enum tr_err (*start)(void *state, const struct tr_receiver_env *env,
	    struct tr_error *err);
	void (*stop)(void *state);	/* may be NULL */
	int (*join)(void *state);	/* 0 or -1; may be NULL */
	void (*free)(void *state);
};

/* The table, ending in NULL, in the order receivers are bound, started,
 * stopped, joined and freed. */
extern const struct tr_receiver_ops *const tr_receivers[];

/* The receivers of one run: each one's state. */
struct tr_receiver_set;

/*
 * tr_receivers_bind - bind every receiver of the table the configuration
 * asks for, in order. On an error nothing stays bound (*out NULL) and err
 * names the setting or address. Root's part: before privileges go.
 */
enum tr_err tr_receivers_bind(const struct tr_receiver_env *env,
    struct tr_receiver_set **out, struct tr_error *err);

/* tr_receivers_start - start every bound receiver, in order; on an error
 * the ones started stay for tr_receivers_free */
enum tr_err tr_receivers_start(struct tr_receiver_set *rs,
    const struct tr_receiver_env *env, struct tr_error *err);

/* tr_receivers_stop - the daemon is stopping (loop thread) */
void tr_receivers_stop(struct tr_receiver_set *rs);

/* tr_receivers_join - after the loop: wait for the started receivers'
 * threads; -1 when one of them ended badly */
int tr_receivers_join(struct tr_receiver_set *rs);

/* tr_receivers_free - free every bound receiver; rs may be NULL */
void tr_receivers_free(struct tr_receiver_set *rs);

#endif
