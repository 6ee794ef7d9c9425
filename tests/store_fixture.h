/* store_fixture.h - the unit tests' scratch store: a fresh directory with an
 * empty SQLite store in it, removed again at the end */
#ifndef TR_STORE_FIXTURE_H
#define TR_STORE_FIXTURE_H

#include <errno.h>
#include <stdlib.h>

#include "testutil.h"

#include "error.h"
#include "limits.h"
#include "log.h"
#include "store.h"

struct tu_store {
	char dir[256];			/* /tmp/tlsrptd-TAG-XXXXXX */
	char db[1024];			/* dir/tlsrptd.db, open as st */
	char log[1024];			/* dir/log, for a test to log to */
	struct tr_store *st;		/* NULL once a test has closed it */
	struct tr_limits limits;	/* the defaults */
};

/* tu_store_dir - a new fixture with its fresh directory named after tag
 * and the log's path in it; fails the test when it cannot be made */
static inline struct tu_store *
tu_store_dir(const char *tag)
{
	struct tu_store *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-%s-XXXXXX", tag);
	if (mkdtemp(fx->dir) == NULL)
		fail_msg("mkdtemp %s: %s", fx->dir, strerror(errno));
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	tr_limits_default(&fx->limits);
	return fx;
}

/* tu_store_open - open fx->db as fx->st, or fail the test; fx */
static inline struct tu_store *
tu_store_open(struct tu_store *fx)
{
	struct tr_error err;

	if (tr_store_open(fx->db, 0, &fx->st, &err) != TR_OK)
		fail_msg("open %s: %s", fx->db, err.msg);
	return fx;
}

/* tu_store_new - tu_store_dir with an open, empty SQLite store in it */
static inline struct tu_store *
tu_store_new(const char *tag)
{
	struct tu_store *fx = tu_store_dir(tag);

	snprintf(fx->db, sizeof(fx->db), "%s/tlsrptd.db", fx->dir);
	return tu_store_open(fx);
}

/* tu_store_logged - fx, with the log opened on fx->log at level info */
static inline struct tu_store *
tu_store_logged(struct tu_store *fx)
{
	assert_int_equal(tr_log_open(fx->log, TR_LOG_INFO), 0);
	return fx;
}

/* tu_store_free - close the store (when still open) and remove the
 * directory with everything a test left in it */
static inline void
tu_store_free(struct tu_store *fx)
{
	if (fx == NULL)
		return;
	if (fx->st != NULL)
		tr_store_close(fx->st);
	tu_rmtree(fx->dir);
	free(fx);
}

/* tu_store_teardown - a cmocka teardown: the log closed, the fixture in
 * *state freed */
static inline int
tu_store_teardown(void **state)
{
	tr_log_close();
	tu_store_free(*state);
	return 0;
}

#endif
