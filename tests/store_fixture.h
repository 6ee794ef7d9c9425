/* store_fixture.h - the unit tests' scratch store: a fresh directory with an
 * empty SQLite store in it, removed again at the end */
#ifndef TR_STORE_FIXTURE_H
#define TR_STORE_FIXTURE_H

#include <errno.h>
#include <stdlib.h>

#include "testutil.h"

#include "error.h"
#include "limits.h"
#include "store.h"

struct tu_store {
	char dir[256];			/* /tmp/tlsrptd-TAG-XXXXXX */
	char db[1024];			/* dir/tlsrptd.db, open as st */
	char log[1024];			/* dir/log, for a test to log to */
	struct tr_store *st;		/* NULL once a test has closed it */
	struct tr_limits limits;	/* the defaults */
};

/* tu_store_new - a fresh directory named after tag with an open, empty
 * store in it; fails the test when it cannot be made */
static inline struct tu_store *
tu_store_new(const char *tag)
{
	struct tu_store *fx = calloc(1, sizeof(*fx));
	struct tr_error err;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-%s-XXXXXX", tag);
	if (mkdtemp(fx->dir) == NULL)
		fail_msg("mkdtemp %s: %s", fx->dir, strerror(errno));
	snprintf(fx->db, sizeof(fx->db), "%s/tlsrptd.db", fx->dir);
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	if (tr_store_open(fx->db, 0, &fx->st, &err) != TR_OK)
		fail_msg("open %s: %s", fx->db, err.msg);
	tr_limits_default(&fx->limits);
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

#endif
