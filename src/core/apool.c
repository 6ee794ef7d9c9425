/* apool.c - analyse messages on worker threads, results in push order */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apool.h"

#define MAX_WORKERS	8
#define RUN_MAX		32	/* items a worker claims at once */
#define WAKE_BATCH	16	/* queued items that wake an idle worker */
#define RECLAIM_BATCH	16	/* consumed items the producer frees at once */

/*
 * Every wake-up is a futex call and a context switch, which on two CPUs
 * cost more than analysing a small message. So sleepers are woken for a
 * batch: a worker when WAKE_BATCH items wait (or the producer is about to
 * sleep, or input ends, or the consumer has nothing else to wait for), the
 * producer when a quarter of the pool is free, the consumer when the item
 * it waits for is ready.
 *
 * The producer, not the consumer, frees the items the consumer is done
 * with: in bulk the consumer (the one thread that writes the database) is
 * the bottleneck, and a free on it of what other threads allocated costs
 * their malloc arenas' locks. They are freed a batch at a time, and always
 * before their slot is reused, so they add at most a pool's worth to the
 * memory in flight.
 */

enum slot_state { SLOT_EMPTY, SLOT_QUEUED, SLOT_BUSY, SLOT_READY };

struct slot {
	enum slot_state state;
	struct tr_apool_item item;
};

struct tr_apool {
	pthread_mutex_t mtx;
	pthread_cond_t work;		/* an item is queued, or closed */
	pthread_cond_t ready;		/* an item is analysed, or closed */
	pthread_cond_t space;		/* a slot was freed, or stopped */
	struct slot *slots;
	size_t depth;
	size_t max_bytes, bytes;	/* message bytes in flight */
	unsigned long head;		/* next seq to push */
	unsigned long next;		/* next seq for a worker */
	unsigned long tail;		/* next seq for the consumer */
	unsigned long reclaimed;	/* producer only: items before it are
					 * freed; [reclaimed, tail) await it */
	int closed, stopped;
	unsigned idle_workers;		/* waiting on work */
	int consumer_waiting;		/* waiting on ready */
	int producer_waiting;		/* waiting on space */
	size_t want;			/* bytes the waiting producer holds */
	struct tr_limits limits;
	const struct tr_dkim_settings *dkim;	/* or NULL: not checked */
	pthread_t workers[MAX_WORKERS];
	unsigned nworkers;
};

/* worker - claim runs of queued items, analyse them, publish the run */
static void *
worker(void *arg)
{
	struct tr_apool *p = arg;
	unsigned long first, end, seq;
	const struct tr_dkim_settings *dkim;
	struct slot *s;
	int skip;

	pthread_mutex_lock(&p->mtx);
	for (;;) {
		while (p->next == p->head && !p->closed) {
			p->idle_workers++;
			pthread_cond_wait(&p->work, &p->mtx);
			p->idle_workers--;
		}
		if (p->next == p->head)
			break;		/* closed and nothing left */
		/* a run per wake-up: hand-offs cost more than the work on a
		 * busy or virtualised machine; a share of what is queued keeps
		 * the other workers fed */
		first = p->next;
		end = first + (p->head - first + p->nworkers - 1) / p->nworkers;
		if (end - first > RUN_MAX)
			end = first + RUN_MAX;
		p->next = end;
		skip = p->stopped;	/* the consumer will throw them away */
		dkim = p->dkim;
		/* more left: let the next worker share them */
		if (p->next != p->head && p->idle_workers > 0)
			pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->mtx);

		for (seq = first; seq != end; seq++) {
			s = &p->slots[seq % p->depth];
			if (s->item.ioerr.code != TR_OK || skip)
				continue;
			tr_analyse(s->item.raw, s->item.len, s->item.kind,
			    s->item.filename, &p->limits, &s->item.a);
			/* may wait on DNS: this thread's to do, not the
			 * consumer's, which may hold a transaction */
			tr_analysis_dkim(&s->item.a, s->item.raw, s->item.len,
			    s->item.kind, dkim);
		}

		pthread_mutex_lock(&p->mtx);
		for (seq = first; seq != end; seq++)
			p->slots[seq % p->depth].state = SLOT_READY;
		/* the consumer waits for the item at tail, maybe in this run */
		if (p->consumer_waiting && p->tail - first < end - first)
			pthread_cond_signal(&p->ready);
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

/* tr_apool_new - start the workers */
struct tr_apool *
tr_apool_new(unsigned nworkers, size_t depth, size_t max_bytes,
    const struct tr_limits *limits)
{
	struct tr_apool *p;
	long ncpu;
	unsigned i;

	if (nworkers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		nworkers = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	if (depth < 1)
		depth = 1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->slots = calloc(depth, sizeof(*p->slots))) == NULL) {
		free(p);
		return NULL;
	}
	p->depth = depth;
	p->max_bytes = max_bytes;
	p->limits = *limits;
	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->ready, NULL);
	pthread_cond_init(&p->space, NULL);
	for (i = 0; i < nworkers; i++) {
		if (pthread_create(&p->workers[i], NULL, worker, p) != 0)
			break;
		p->nworkers++;
	}
	if (p->nworkers == 0) {
		tr_apool_free(p);
		return NULL;
	}
	return p;
}

/* roomy - a waiting producer may go on: the pool is empty, or a quarter
 * of it is free and len bytes fit */
static int
roomy(const struct tr_apool *p, size_t len)
{
	return p->head == p->tail ||
	    (p->head - p->tail <= p->depth - (p->depth + 3) / 4 &&
	    p->bytes + len <= p->max_bytes);
}

static void item_free(struct tr_apool_item *);

/* reclaim - free the consumed items before seq end (producer, unlocked) */
static void
reclaim(struct tr_apool *p, unsigned long end)
{
	for (; p->reclaimed != end; p->reclaimed++)
		item_free(&p->slots[p->reclaimed % p->depth].item);
}

/* tr_apool_push - copy a message in, waiting for room */
int
tr_apool_push(struct tr_apool *p, const struct tr_source_msg *m)
{
	struct tr_apool_item it;
	struct slot *s;
	unsigned long end;

	memset(&it, 0, sizeof(it));
	it.len = m->len;
	it.kind = m->kind;
	it.ioerr = m->err;
	if ((it.raw = malloc(m->len + 1)) == NULL ||
	    (m->name != NULL && (it.name = strdup(m->name)) == NULL) ||
	    (m->filename != NULL && (it.filename = strdup(m->filename)) == NULL)) {
		/* not dropped: the consumer reports it (a temporary failure),
		 * under its name when even that could be kept */
		free(it.raw);
		free(it.filename);
		it.raw = NULL;
		it.filename = NULL;
		it.len = 0;
		tr_error_set(&it.ioerr, TR_ERR_NOMEM, "out of memory for a "
		    "message of %zu bytes", m->len);
		if (it.name == NULL && m->name != NULL)
			it.name = strdup(m->name);
	} else {
		if (m->len > 0)
			memcpy(it.raw, m->buf, m->len);
		it.raw[m->len] = '\0';
	}

	pthread_mutex_lock(&p->mtx);
	/* one item always fits, however large, so a big message cannot wedge */
	if (!p->stopped && (p->head - p->tail >= p->depth ||
	    (p->head != p->tail && p->bytes + m->len > p->max_bytes))) {
		/* what is queued must be analysed for room to come */
		if (p->next != p->head && p->idle_workers > 0)
			pthread_cond_broadcast(&p->work);
		p->want = m->len;
		do {
			p->producer_waiting = 1;
			pthread_cond_wait(&p->space, &p->mtx);
			p->producer_waiting = 0;
		} while (!p->stopped && !roomy(p, m->len));
	}
	/* a batch to free, or the slot to fill still holds a consumed item */
	if (p->tail - p->reclaimed >= RECLAIM_BATCH ||
	    p->head - p->reclaimed >= p->depth) {
		end = p->tail;
		pthread_mutex_unlock(&p->mtx);
		reclaim(p, end);
		pthread_mutex_lock(&p->mtx);
	}
	if (p->stopped) {
		pthread_mutex_unlock(&p->mtx);
		free(it.raw);
		free(it.name);
		free(it.filename);
		return -1;
	}
	s = &p->slots[p->head % p->depth];
	s->item = it;
	s->state = SLOT_QUEUED;
	p->bytes += m->len;
	p->head++;
	if (p->idle_workers > 0 && p->head - p->next >= WAKE_BATCH)
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mtx);
	return 0;
}

/* tr_apool_close - no more input */
void
tr_apool_close(struct tr_apool *p)
{
	pthread_mutex_lock(&p->mtx);
	p->closed = 1;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->ready);
	pthread_mutex_unlock(&p->mtx);
}

/* tr_apool_set_dkim - the DKIM settings for the items pushed from now on */
void
tr_apool_set_dkim(struct tr_apool *p, const struct tr_dkim_settings *s)
{
	pthread_mutex_lock(&p->mtx);
	p->dkim = s;
	pthread_mutex_unlock(&p->mtx);
}

/* tr_apool_wait_ready - whether the next item is ready within ms */
int
tr_apool_wait_ready(struct tr_apool *p, unsigned ms)
{
	struct timespec until;
	int ready = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->mtx);
	for (;;) {
		if (p->tail == p->head ? p->closed :
		    p->slots[p->tail % p->depth].state == SLOT_READY) {
			ready = 1;
			break;
		}
		if (p->next != p->head && p->idle_workers > 0)
			pthread_cond_signal(&p->work);
		p->consumer_waiting = 1;
		if (pthread_cond_timedwait(&p->ready, &p->mtx, &until) != 0) {
			p->consumer_waiting = 0;
			break;
		}
		p->consumer_waiting = 0;
	}
	pthread_mutex_unlock(&p->mtx);
	return ready;
}

/* tr_apool_next - the next analysed item in push order */
struct tr_apool_item *
tr_apool_next(struct tr_apool *p)
{
	struct slot *s;

	pthread_mutex_lock(&p->mtx);
	for (;;) {
		if (p->tail == p->head) {
			if (p->closed)
				break;
		} else if (p->slots[p->tail % p->depth].state == SLOT_READY) {
			s = &p->slots[p->tail % p->depth];
			pthread_mutex_unlock(&p->mtx);
			return &s->item;
		}
		/* fewer than a batch queued and the producer busy elsewhere:
		 * the items must not wait for company */
		if (p->next != p->head && p->idle_workers > 0)
			pthread_cond_signal(&p->work);
		p->consumer_waiting = 1;
		pthread_cond_wait(&p->ready, &p->mtx);
		p->consumer_waiting = 0;
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

static void
item_free(struct tr_apool_item *it)
{
	tr_analysis_free(&it->a);
	free(it->raw);
	free(it->name);
	free(it->filename);
	memset(it, 0, sizeof(*it));
}

/* tr_apool_done - release the consumer's current item (the producer frees
 * it later) */
void
tr_apool_done(struct tr_apool *p, struct tr_apool_item *it)
{
	size_t len = it->len;

	pthread_mutex_lock(&p->mtx);
	p->slots[p->tail % p->depth].state = SLOT_EMPTY;
	p->tail++;
	p->bytes -= len;
	if (p->producer_waiting && roomy(p, p->want))
		pthread_cond_signal(&p->space);
	pthread_mutex_unlock(&p->mtx);
}

/* tr_apool_stop - refuse further pushes */
void
tr_apool_stop(struct tr_apool *p)
{
	pthread_mutex_lock(&p->mtx);
	p->stopped = 1;
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->mtx);
}

/* tr_apool_free - join the workers, free items never consumed */
void
tr_apool_free(struct tr_apool *p)
{
	unsigned i;
	unsigned long seq;

	if (p == NULL)
		return;
	tr_apool_close(p);
	for (i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i], NULL);
	/* the consumed items not yet freed, then those never consumed */
	for (seq = p->reclaimed; seq != p->head; seq++)
		item_free(&p->slots[seq % p->depth].item);
	pthread_mutex_destroy(&p->mtx);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->ready);
	pthread_cond_destroy(&p->space);
	free(p->slots);
	free(p);
}
