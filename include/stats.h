/* stats.h - the daemon's metrics: what the loop counts, as Prometheus families */
#ifndef TR_STATS_H
#define TR_STATS_H

#include <stddef.h>

#include "daemon.h"
#include "pipeline.h"
#include "way_in.h"

/*
 * Policy domains that get a label of their own, the first ones seen since
 * the daemon started; later ones are counted under policy_domain="other".
 */
#define TR_STATS_MAX_DOMAINS	100

struct tr_stats;

/* tr_stats_new - every family registered, all counts zero; NULL on failure */
struct tr_stats *tr_stats_new(void);

void tr_stats_free(struct tr_stats *s);

/* Updates, all on the loop thread; s may be NULL (no metrics). */

/* tr_stats_received - a job reached the loop */
void tr_stats_received(struct tr_stats *s, enum tr_way_in way_in);

/* tr_stats_pipeline - one job's analysis and recording took seconds */
void tr_stats_pipeline(struct tr_stats *s, double seconds);

/* tr_stats_verdict - a job's final verdict, after its batch's commit (or
 * its failure): outcome, reports, quarantine class, and the tallies of
 * newly stored reports (sessions per domain and result-type) */
void tr_stats_verdict(struct tr_stats *s, enum tr_way_in way_in,
    const struct tr_verdict *v);

/* tr_stats_commit - a batch of jobs committed (or not); the commit took
 * seconds */
void tr_stats_commit(struct tr_stats *s, size_t jobs, int committed,
    double seconds);

/* tr_stats_alert - a failure_rate_alert was raised */
void tr_stats_alert(struct tr_stats *s);

/* tr_stats_alert_command - how an alert command ended: "ok", "failed"
 * (non-zero exit or a signal), "timeout", "error" (could not start) or
 * "skipped" (too many still running) */
void tr_stats_alert_command(struct tr_stats *s, const char *result);

/* tr_stats_render - the text for GET /metrics, with the queue figures of ds
 * (taken just before); *out is new, see tr_metrics_render */
int tr_stats_render(struct tr_stats *s, const struct tr_daemon_stats *ds,
    char **out, size_t *len);

#endif
