/* apool.h - analyse messages on worker threads, hand results back in order */
#ifndef TR_APOOL_H
#define TR_APOOL_H

#include <stddef.h>

#include "limits.h"
#include "pipeline.h"
#include "source.h"

/*
 * The analysis half of the pipeline is pure, so bulk ingestion runs it on
 * worker threads while one thread owns the store. The workers also check
 * DKIM (tr_apool_set_dkim), whose key lookups may wait on DNS: that wait is
 * theirs, never the consumer's, which may hold a write transaction. Items come back in the
 * order they were pushed: the log reads in input order and, of two copies
 * of a report, the first is the one stored. Memory is bounded by an item
 * count and a byte count in flight.
 */
struct tr_apool;

struct tr_apool_item {
	unsigned char *raw;	/* a copy of the message */
	size_t len;
	enum tr_input kind;
	char *name;		/* as in struct tr_source_msg */
	char *filename;
	struct tr_error ioerr;	/* the input could not be read (no analysis) */
	struct tr_analysis a;
};

/* tr_apool_new - nworkers threads (0: one per CPU), at most depth items
 * and max_bytes of messages in flight; NULL when threads cannot start */
struct tr_apool *tr_apool_new(unsigned nworkers, size_t depth,
    size_t max_bytes, const struct tr_limits *limits);

/* tr_apool_set_dkim - check messages for DKIM per s (which must outlive
 * the pool) from now on; call before the first push */
void tr_apool_set_dkim(struct tr_apool *p, const struct tr_dkim_settings *s);

/* tr_apool_wait_ready - wait up to ms milliseconds for the next item in
 * push order to be analysed (consumer thread): 1 when it is (or the pool
 * is closed and drained), 0 on timeout. A consumer holding a transaction
 * commits it on 0 rather than keep the write lock over a DNS wait. */
int tr_apool_wait_ready(struct tr_apool *p, unsigned ms);

/* tr_apool_push - copy a message in (producer thread; blocks when full).
 * Returns 0, or -1 once the consumer has stopped the pool or out of memory. */
int tr_apool_push(struct tr_apool *p, const struct tr_source_msg *m);

/* tr_apool_close - the producer has no more messages */
void tr_apool_close(struct tr_apool *p);

/* tr_apool_next - the next item in push order once analysed, NULL when the
 * pool is closed and drained (consumer thread) */
struct tr_apool_item *tr_apool_next(struct tr_apool *p);

/* tr_apool_done - release the item returned by tr_apool_next */
void tr_apool_done(struct tr_apool *p, struct tr_apool_item *it);

/* tr_apool_stop - the consumer gives up: pushes fail from now on */
void tr_apool_stop(struct tr_apool *p);

/* tr_apool_free - join the workers and free what is left */
void tr_apool_free(struct tr_apool *p);

#endif
