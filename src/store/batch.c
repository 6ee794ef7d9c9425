/* batch.c - the batch engine: record analysed messages in one transaction, fan a failure out, count and log */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "db.h"

struct tr_batch {
	struct tr_store *st;
	struct tr_verdict *v;		/* cap of them, n in use */
	size_t n, cap;
	int open;			/* a transaction is open */
	int failed;			/* rolled back or doomed: all TEMPFAIL */
	struct tr_error err;		/* why it failed */
	enum tr_db_fail kind;		/* the store's word for it */
};

/* tr_batch_new - an engine over st with room for cap verdicts */
struct tr_batch *
tr_batch_new(struct tr_store *st, size_t cap)
{
	struct tr_batch *b;

	if (cap == 0)
		cap = 1;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->v = calloc(cap, sizeof(*b->v))) == NULL) {
		free(b);
		return NULL;
	}
	b->st = st;
	b->cap = cap;
	return b;
}

/* tr_batch_free - roll back what is open, release the verdicts */
void
tr_batch_free(struct tr_batch *b)
{
	if (b == NULL)
		return;
	if (b->open)
		tr_store_rollback(b->st);
	tr_batch_reset(b);
	free(b->v);
	free(b);
}

/* mark_failed - remember why (and the store's kind of failure, before a
 * rollback can answer for it); later adds are TEMPFAIL */
static void
mark_failed(struct tr_batch *b, const struct tr_error *why)
{
	if (!b->failed) {
		b->err = *why;
		b->kind = tr_db_last_fail(tr_store_conn(b->st));
	}
	b->failed = 1;
}

/* tr_batch_begin - the transaction, unless one is open */
enum tr_err
tr_batch_begin(struct tr_batch *b, struct tr_error *err)
{
	struct tr_error e;

	if (b->open)
		return TR_OK;
	if (b->failed) {
		if (err != NULL)
			*err = b->err;
		return TR_ERR_STORE;
	}
	tr_error_clear(&e);
	if (tr_store_begin(b->st, &e) != TR_OK) {
		mark_failed(b, &e);
		if (err != NULL)
			*err = e;
		return TR_ERR_STORE;
	}
	b->open = 1;
	return TR_OK;
}

/* tr_batch_open - whether messages wait for a commit */
int
tr_batch_open(const struct tr_batch *b)
{
	return b->open;
}

/* tr_batch_full - no room for another message */
int
tr_batch_full(const struct tr_batch *b)
{
	return b->n >= b->cap;
}

/* tr_batch_add - record one analysed message, or fail it with the batch */
enum tr_err
tr_batch_add(struct tr_batch *b, const struct tr_analysis *a,
    const unsigned char *raw, size_t rawlen, const struct tr_origin *o,
    struct tr_verdict **vp)
{
	struct tr_verdict *v;

	if (b->n >= b->cap)
		return TR_ERR_TOO_LARGE;
	v = &b->v[b->n++];
	if (vp != NULL)
		*vp = v;
	if (!b->failed)
		(void)tr_batch_begin(b, NULL);
	if (b->failed) {
		/* not recorded: its sender retries with the others */
		memset(v, 0, sizeof(*v));
		v->fields = tr_origin_fields(o, rawlen);
		tr_verdict_fail(v, &b->err);
		return TR_OK;
	}
	if (tr_record(b->st, a, raw, rawlen, o, v) == TR_ERR_STORE) {
		/* a store error leaves the batch half-written: it is rolled
		 * back whole and every sender in it retries */
		mark_failed(b, &v->err);
		return TR_ERR_STORE;
	}
	return TR_OK;
}

/* fan_out - every verdict of the batch TEMPFAIL with the batch's reason */
static void
fan_out(struct tr_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		tr_verdict_fail(&b->v[i], &b->err);
}

/* tr_batch_fail - roll back, and no message of the batch was kept */
void
tr_batch_fail(struct tr_batch *b, const struct tr_error *why)
{
	mark_failed(b, why);
	if (b->open) {
		tr_store_rollback(b->st);
		b->open = 0;
	}
	fan_out(b);
}

/* tr_batch_commit - commit, or roll back and fail every verdict */
enum tr_err
tr_batch_commit(struct tr_batch *b, struct tr_error *err)
{
	struct tr_error e;

	if (!b->failed && b->open &&
	    !tr_db_in_transaction(tr_store_conn(b->st))) {
		/* SQLite rolls the whole transaction back by itself on some
		 * errors (SQLITE_FULL, IOERR, NOMEM): what the verdicts
		 * claim is gone, so the batch failed as a whole. */
		tr_error_set(&e, TR_ERR_STORE, "the transaction was rolled "
		    "back by an earlier error");
		mark_failed(b, &e);
	}
	if (!b->failed && b->open) {
		tr_error_clear(&e);
		b->open = 0;
		if (tr_store_commit(b->st, &e) == TR_OK)
			return TR_OK;
		mark_failed(b, &e);
		tr_store_rollback(b->st);
	}
	if (!b->failed)
		return TR_OK;		/* nothing was added */
	tr_batch_fail(b, &b->err);
	if (err != NULL)
		*err = b->err;
	return TR_ERR_STORE;
}

/* tr_batch_fail_kind - how the store failed the batch (NONE: it did not,
 * or not the store) */
enum tr_db_fail
tr_batch_fail_kind(const struct tr_batch *b)
{
	return b->failed ? b->kind : TR_DB_FAIL_NONE;
}

/* tr_batch_failed - whether the batch failed, and why */
int
tr_batch_failed(const struct tr_batch *b, struct tr_error *why)
{
	if (b->failed && why != NULL)
		*why = b->err;
	return b->failed;
}

/* tr_batch_verdicts - the verdicts so far */
struct tr_verdict *
tr_batch_verdicts(struct tr_batch *b, size_t *n)
{
	*n = b->n;
	return b->v;
}

/* tr_batch_count - one final verdict into the counts */
void
tr_batch_count(struct tr_batch_counts *c, const struct tr_verdict *v)
{
	c->messages++;
	switch (v->outcome) {
	case TR_OUTCOME_STORED:
		c->stored++;
		break;
	case TR_OUTCOME_DUPLICATE:
		c->duplicates++;
		break;
	case TR_OUTCOME_QUARANTINED:
		c->quarantined++;
		break;
	case TR_OUTCOME_TEMPFAIL:
		c->tempfailed++;
		if (v->err.code == TR_ERR_DKIM_TEMP)
			c->retry++;
		break;
	}
	/* a stored message with an invalid extra part was quarantined too */
	if (v->outcome != TR_OUTCOME_QUARANTINED &&
	    v->outcome != TR_OUTCOME_TEMPFAIL && v->invalid > 0 &&
	    v->quarantine_id != 0)
		c->quarantined_parts++;
}

/* tr_batch_log - count and log every verdict once final */
void
tr_batch_log(struct tr_batch *b, struct tr_batch_counts *c)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (c != NULL)
			tr_batch_count(c, &b->v[i]);
		tr_verdict_log(&b->v[i]);
	}
}

/* tr_batch_reset - empty and healthy for the next batch */
void
tr_batch_reset(struct tr_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		tr_verdict_free(&b->v[i]);
	memset(b->v, 0, b->n * sizeof(*b->v));
	b->n = 0;
	b->failed = 0;
	b->kind = TR_DB_FAIL_NONE;
	tr_error_clear(&b->err);
}
