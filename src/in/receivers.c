/* receivers.c - the table of receivers, and binding, starting, stopping and freeing them as one */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "admin_http.h"
#include "dashboard_auth.h"
#include "dashboard_http.h"
#include "http_server.h"
#include "milter.h"
#include "receivers.h"
#include "smtp_listener.h"
#include "store.h"
#include "tls.h"

/* --- the HTTP(S) report endpoint ------------------------------------------ */

static enum tr_err
http_bind(const struct tr_receiver_env *env, void **state,
    struct tr_error *err)
{
	struct tr_http *h = NULL;
	enum tr_err rc;

	rc = tr_http_listen(env->cfg, env->uid, env->gid, &h, err);
	*state = h;
	return rc;
}

static enum tr_err
http_start(void *state, const struct tr_receiver_env *env,
    struct tr_error *err)
{
	if (tr_http_start(state, env->d) == -1)
		return tr_error_set(err, TR_ERR_IO, "cannot start the HTTP "
		    "report endpoint");
	return TR_OK;
}

static void
http_stop(void *state)
{
	tr_http_stop(state);
}

static void
http_free(void *state)
{
	tr_http_free(state);
}

static const struct tr_receiver_ops recv_http = {
	.name = "http",
	.bind = http_bind,
	.start = http_start,
	.stop = http_stop,
	.free = http_free,
};

/* --- the SMTP and LMTP listeners ------------------------------------------ */

static enum tr_err
smtp_bind(const struct tr_receiver_env *env, void **state,
    struct tr_error *err)
{
	struct tr_smtp_server *srv = NULL;
	enum tr_err rc;

	rc = tr_smtp_listen(env->cfg, env->uid, env->gid, &srv, err);
	*state = srv;
	return rc;
}

static enum tr_err
smtp_start(void *state, const struct tr_receiver_env *env,
    struct tr_error *err)
{
	if (tr_smtp_start(state, env->d) == -1)
		return tr_error_set(err, TR_ERR_IO, "cannot start the SMTP "
		    "and LMTP listeners");
	return TR_OK;
}

static void
smtp_stop(void *state)
{
	/* no new sessions; idle ones are told, busy ones get their reply */
	tr_smtp_stop(state);
}

static void
smtp_free(void *state)
{
	tr_smtp_free(state);
}

static const struct tr_receiver_ops recv_smtp = {
	.name = "smtp",
	.bind = smtp_bind,
	.start = smtp_start,
	.stop = smtp_stop,
	.free = smtp_free,
};

/* --- the metrics listener (metrics_listen) -------------------------------- */

static enum tr_err
metrics_bind(const struct tr_receiver_env *env, void **state,
    struct tr_error *err)
{
	*state = NULL;
	if (env->cfg->metrics_listen.n == 0)
		return TR_OK;
	if ((*state = tr_admin_http_listen(&env->cfg->metrics_listen,
	    env->uid, env->gid, err)) == NULL)
		return err->code;
	return TR_OK;
}

static enum tr_err
metrics_start(void *state, const struct tr_receiver_env *env,
    struct tr_error *err)
{
	if (tr_admin_http_start(state, tr_daemon_base(env->d), env->stats,
	    env->d) == -1)
		return tr_error_set(err, TR_ERR_IO, "cannot start the metrics "
		    "listener");
	return TR_OK;
}

static void
metrics_free(void *state)
{
	tr_admin_http_free(state);
}

static const struct tr_receiver_ops recv_metrics = {
	.name = "metrics",
	.bind = metrics_bind,
	.start = metrics_start,
	.free = metrics_free,
};

/* --- the dashboard (dashboard_listen) ------------------------------------- */

struct dash {
	struct tr_dashboard *h;
	SSL_CTX *ssl;			/* with dashboard_tls */
	struct tr_dash_auth *auth;	/* with dashboard_users */
	struct tr_store *st;		/* its own read-only connection */
};

static void
dash_free(void *state)
{
	struct dash *x = state;

	if (x == NULL)
		return;
	tr_dashboard_free(x->h);
	tr_store_close(x->st);
	if (x->ssl != NULL)
		SSL_CTX_free(x->ssl);
	tr_dash_auth_free(x->auth);
	free(x);
}

/* dash_bind - the sockets, the TLS context and the file of users: the
 * file of hashes need not be readable by the user the daemon becomes */
static enum tr_err
dash_bind(const struct tr_receiver_env *env, void **state,
    struct tr_error *err)
{
	const struct tr_config *cfg = env->cfg;
	struct dash *x;

	*state = NULL;
	if (cfg->dashboard_listen.n == 0)
		return TR_OK;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "dashboard: out of "
		    "memory");
	if ((x->h = tr_dashboard_listen(&cfg->dashboard_listen, env->uid,
	    env->gid, err)) == NULL)
		goto fail;
	tr_dashboard_set_query_ms(x->h, cfg->dashboard_query_timeout * 1000);
	if (cfg->dashboard_tls && (x->ssl = tr_tls_server_ctx(
	    cfg->tls_certificate, cfg->tls_key, err)) == NULL) {
		tr_error_prefix(err, "dashboard_tls");
		goto fail;
	}
	if (cfg->dashboard_users != NULL && (x->auth = tr_dash_auth_load(
	    cfg->dashboard_users, err)) == NULL) {
		tr_error_prefix(err, "dashboard_users");
		/* an unreadable file is a file's error, the rest its text's */
		if (err->code != TR_ERR_IO)
			err->code = TR_ERR_SCHEMA;
		goto fail;
	}
	*state = x;
	return TR_OK;
fail:
	dash_free(x);
	return err->code != TR_OK ? err->code : TR_ERR_IO;
}

/* dash_start - the pages read through a connection of their own, opened
 * read-only as the final user: WAL lets them read while the store thread
 * writes */
static enum tr_err
dash_start(void *state, const struct tr_receiver_env *env,
    struct tr_error *err)
{
	struct dash *x = state;
	struct tr_store_opts so;

	memset(&so, 0, sizeof(so));
	so.flags = TR_STORE_READONLY;
	so.password_file = env->cfg->database_password_file;
	so.instance_name = env->cfg->instance_name;
	if (tr_store_open_opts(env->cfg->database, &so, &x->st, err) !=
	    TR_OK) {
		tr_error_prefix(err, "dashboard");
		err->code = TR_ERR_STORE;
		return TR_ERR_STORE;
	}
	if (tr_dashboard_start(x->h, tr_daemon_base(env->d), x->st, x->ssl,
	    x->auth) == -1)
		return tr_error_set(err, TR_ERR_IO, "cannot start the "
		    "dashboard");
	return TR_OK;
}

static const struct tr_receiver_ops recv_dashboard = {
	.name = "dashboard",
	.bind = dash_bind,
	.start = dash_start,
	.free = dash_free,
};

/* --- the milter ------------------------------------------------------------ */

/* libmilter keeps one filter per process: the state only says "bound" */
static int milter_bound;

static enum tr_err
milter_bind(const struct tr_receiver_env *env, void **state,
    struct tr_error *err)
{
	enum tr_err rc;

	*state = NULL;
	if (env->cfg->milter_socket == NULL)
		return TR_OK;
	if ((rc = tr_milter_listen(env->cfg, env->uid, env->gid, err)) !=
	    TR_OK) {
		tr_milter_close();	/* whatever of the socket was made */
		return rc;
	}
	*state = &milter_bound;
	return TR_OK;
}

/* milter_start - its thread, and libmilter's, with the stop signals
 * blocked: they stay the loop's */
static enum tr_err
milter_start(void *state, const struct tr_receiver_env *env,
    struct tr_error *err)
{
	if (tr_milter_start(env->d) == -1)
		return tr_error_set(err, TR_ERR_IO, "cannot start the milter");
	return TR_OK;
}

static void
milter_stop(void *state)
{
	tr_milter_stop();
}

/* milter_join - the stop has asked libmilter to end; if the loop failed
 * instead, ask now */
static int
milter_join(void *state)
{
	tr_milter_stop();
	return tr_milter_join();
}

static void
milter_free(void *state)
{
	tr_milter_close();
}

static const struct tr_receiver_ops recv_milter = {
	.name = "milter",
	.bind = milter_bind,
	.start = milter_start,
	.stop = milter_stop,
	.join = milter_join,
	.free = milter_free,
};

/* --- the table ------------------------------------------------------------- */

/* The milter comes last: it is the one receiver with threads of its own,
 * started once every listener on the loop is in place. */
const struct tr_receiver_ops *const tr_receivers[] = {
	&recv_http,
	&recv_smtp,
	&recv_metrics,
	&recv_dashboard,
	&recv_milter,
	NULL,
};

#define NRECEIVERS	(sizeof(tr_receivers) / sizeof(tr_receivers[0]) - 1)

struct tr_receiver_set {
	void *state[NRECEIVERS];	/* NULL: not configured */
	int started[NRECEIVERS];
};

/* tr_receivers_bind - every configured receiver, or none */
enum tr_err
tr_receivers_bind(const struct tr_receiver_env *env,
    struct tr_receiver_set **out, struct tr_error *err)
{
	struct tr_receiver_set *rs;
	enum tr_err rc;
	size_t i;

	*out = NULL;
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "receivers: out of "
		    "memory");
	for (i = 0; i < NRECEIVERS; i++) {
		tr_error_clear(err);
		if ((rc = tr_receivers[i]->bind(env, &rs->state[i], err)) !=
		    TR_OK) {
			rs->state[i] = NULL;
			tr_receivers_free(rs);
			return rc;
		}
	}
	*out = rs;
	return TR_OK;
}

/* tr_receivers_start - each bound receiver, in the table's order */
enum tr_err
tr_receivers_start(struct tr_receiver_set *rs,
    const struct tr_receiver_env *env, struct tr_error *err)
{
	enum tr_err rc;
	size_t i;

	for (i = 0; i < NRECEIVERS; i++) {
		if (rs->state[i] == NULL)
			continue;
		tr_error_clear(err);
		if ((rc = tr_receivers[i]->start(rs->state[i], env, err)) !=
		    TR_OK)
			return rc;
		rs->started[i] = 1;
	}
	return TR_OK;
}

/* tr_receivers_stop - tell each started receiver the daemon is stopping */
void
tr_receivers_stop(struct tr_receiver_set *rs)
{
	size_t i;

	for (i = 0; rs != NULL && i < NRECEIVERS; i++)
		if (rs->started[i] && tr_receivers[i]->stop != NULL)
			tr_receivers[i]->stop(rs->state[i]);
}

/* tr_receivers_join - wait for the started receivers' threads */
int
tr_receivers_join(struct tr_receiver_set *rs)
{
	size_t i;
	int rc = 0;

	for (i = 0; rs != NULL && i < NRECEIVERS; i++)
		if (rs->started[i] && tr_receivers[i]->join != NULL &&
		    tr_receivers[i]->join(rs->state[i]) == -1)
			rc = -1;
	return rc;
}

/* tr_receivers_free - free whatever is bound */
void
tr_receivers_free(struct tr_receiver_set *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < NRECEIVERS; i++)
		if (rs->state[i] != NULL)
			tr_receivers[i]->free(rs->state[i]);
	free(rs);
}
