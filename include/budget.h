/* budget.h - the memory budget of messages in flight, shared by every way in */
#ifndef TR_BUDGET_H
#define TR_BUDGET_H

#include <stddef.h>
#include <time.h>

/*
 * One budget for the bytes of every message between its first byte and
 * its commit (max_inflight_bytes): the receivers take bytes before they
 * grow a message buffer and give them back once the buffer is freed after
 * the commit (or the message is given up). Any thread: libmilter's workers
 * and the loop thread share it. Lock-free; the count never exceeds max.
 */
struct tr_budget;

/* Free room a new message needs to be let in (tr_budget_admit). */
#define TR_BUDGET_ADMIT_MIN	(64 * 1024)

/* tr_budget_new - an empty budget of max bytes (max > 0); NULL when out
 * of memory */
struct tr_budget *tr_budget_new(size_t max);

void tr_budget_free(struct tr_budget *b);

/* tr_budget_take - reserve n bytes: 0, or -1 (nothing taken) when that
 * would pass max */
int tr_budget_take(struct tr_budget *b, size_t n);

/* tr_budget_give - return n bytes taken before; more than is held is a
 * bug (fatal) */
void tr_budget_give(struct tr_budget *b, size_t n);

/* tr_budget_admit - whether a new message may begin: at least
 * TR_BUDGET_ADMIT_MIN bytes (or max/16 when smaller) are free. Messages
 * already in flight keep taking what is left. */
int tr_budget_admit(const struct tr_budget *b);

/* tr_budget_used, tr_budget_max - bytes held now; the limit */
size_t tr_budget_used(const struct tr_budget *b);
size_t tr_budget_max(const struct tr_budget *b);

/* tr_budget_refusals, tr_budget_note_refusal - messages turned away for
 * the budget, for the metrics and the log */
unsigned long tr_budget_refusals(const struct tr_budget *b);
void tr_budget_note_refusal(struct tr_budget *b);

/* tr_budget_refusal_to_log - count one refusal; 1 when the caller should
 * log it, at most once a second (*last_log: the caller's last time, 0 at
 * first), else 0 */
int tr_budget_refusal_to_log(struct tr_budget *b, time_t *last_log);

/* tr_budget_refused - count one refusal and, at most once a second, log
 * "WHO: max_inflight_bytes (N) in use: ANSWER until stored ones free it" */
void tr_budget_refused(struct tr_budget *b, time_t *last_log, const char *who,
    const char *answer);

#endif
