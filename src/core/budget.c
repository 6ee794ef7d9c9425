/* budget.c - the memory budget of messages in flight: an atomic counter with a ceiling */
#include <stdatomic.h>
#include <stdlib.h>

#include "budget.h"
#include "log.h"

struct tr_budget {
	size_t max;
	_Atomic size_t used;
	_Atomic unsigned long refusals;
};

/* tr_budget_new - an empty budget */
struct tr_budget *
tr_budget_new(size_t max)
{
	struct tr_budget *b;

	if (max == 0 || (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	atomic_init(&b->used, 0);
	atomic_init(&b->refusals, 0);
	return b;
}

/* tr_budget_free - release the budget (nothing may be held any more) */
void
tr_budget_free(struct tr_budget *b)
{
	free(b);
}

/* tr_budget_take - reserve n bytes under the ceiling: a compare-and-swap
 * loop, so that two threads can never both pass max together */
int
tr_budget_take(struct tr_budget *b, size_t n)
{
	size_t cur = atomic_load_explicit(&b->used, memory_order_relaxed);

	do {
		if (n > b->max || cur > b->max - n)
			return -1;
	} while (!atomic_compare_exchange_weak_explicit(&b->used, &cur,
	    cur + n, memory_order_acq_rel, memory_order_relaxed));
	return 0;
}

/* tr_budget_give - return n bytes */
void
tr_budget_give(struct tr_budget *b, size_t n)
{
	size_t was = atomic_fetch_sub_explicit(&b->used, n,
	    memory_order_acq_rel);

	if (was < n)
		fatalx("budget: %zu bytes given back, %zu held", n, was);
}

/* tr_budget_admit - room for a new message */
int
tr_budget_admit(const struct tr_budget *b)
{
	size_t need = b->max / 16 < TR_BUDGET_ADMIT_MIN ? b->max / 16 :
	    TR_BUDGET_ADMIT_MIN;
	size_t used = atomic_load_explicit(&((struct tr_budget *)b)->used,
	    memory_order_relaxed);

	return used < b->max && b->max - used >= need;
}

/* tr_budget_used - bytes held now */
size_t
tr_budget_used(const struct tr_budget *b)
{
	return atomic_load_explicit(&((struct tr_budget *)b)->used,
	    memory_order_relaxed);
}

/* tr_budget_max - the ceiling */
size_t
tr_budget_max(const struct tr_budget *b)
{
	return b->max;
}

/* tr_budget_refusals - messages refused for the budget so far */
unsigned long
tr_budget_refusals(const struct tr_budget *b)
{
	return atomic_load_explicit(&((struct tr_budget *)b)->refusals,
	    memory_order_relaxed);
}

/* tr_budget_note_refusal - count one refusal */
void
tr_budget_note_refusal(struct tr_budget *b)
{
	atomic_fetch_add_explicit(&b->refusals, 1, memory_order_relaxed);
}

/* tr_budget_refusal_to_log - count a refusal; whether to log it now */
int
tr_budget_refusal_to_log(struct tr_budget *b, time_t *last_log)
{
	time_t now = time(NULL);

	tr_budget_note_refusal(b);
	if (now == *last_log)
		return 0;
	*last_log = now;
	return 1;
}

/* tr_budget_refused - count a refusal and log it, at most once a second */
void
tr_budget_refused(struct tr_budget *b, time_t *last_log, const char *who,
    const char *answer)
{
	if (tr_budget_refusal_to_log(b, last_log))
		log_warnx("%s: max_inflight_bytes (%zu) in use: %s until "
		    "stored ones free it", who, tr_budget_max(b), answer);
}
