/* stats.c - the daemon's metric families, fed by the loop, rendered for GET /metrics */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim.h"
#include "error.h"
#include "metrics.h"
#include "stats.h"

/* Pipeline time of one message: from a bare report to a large mail. */
static const double pipeline_bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
	2.5, 5, 10
};
/* One commit: an fsync or two, or a wait for a lock. */
static const double commit_bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
	2.5, 5, 10, 30
};
static const double batch_bounds[] = {
	1, 2, 5, 10, 20, 50, 100, 200, 500, 1000
};

struct tr_stats {
	struct tr_metrics *reg;
	struct tr_label_set *domains;
	struct tr_metric *build_info, *start_time;
	struct tr_metric *received, *messages, *refused, *reports,
	    *quarantined;
	struct tr_metric *sessions, *failed_by_type;
	struct tr_metric *pipeline, *commit, *batch, *commits;
	struct tr_metric *queue_depth, *queue_limit;
	struct tr_metric *inflight, *inflight_limit, *budget_refused;
	struct tr_metric *alerts, *alert_commands;
	struct tr_metric *dkim, *dkim_keys;
};

#define L(...)	((const char *const []){ __VA_ARGS__, NULL })
#define V(...)	((const char *const []){ __VA_ARGS__ })
#define NB(a)	(sizeof(a) / sizeof((a)[0]))

/* tr_stats_new - the registry with every family */
/* register_messages - the families of messages, reports and sessions */
static void
register_messages(struct tr_stats *s, struct tr_metrics *r)
{
	size_t nd = TR_STATS_MAX_DOMAINS + 1;

	s->build_info = tr_metrics_gauge(r, "tlsrptd_build_info",
	    "Always 1; the version of the running tlsrptd.", L("version"), 1);
	s->start_time = tr_metrics_gauge(r, "tlsrptd_start_time_seconds",
	    "When the daemon started, in seconds since the epoch; every "
	    "counter starts at 0 then.", NULL, 1);
	s->received = tr_metrics_counter(r, "tlsrptd_messages_received_total",
	    "Messages (mails or report bodies) that reached the pipeline, "
	    "per way in.", L("way_in"), TR_WAYS_IN);
	s->messages = tr_metrics_counter(r, "tlsrptd_messages_total",
	    "Messages answered after their commit, per way in and outcome "
	    "(stored, duplicate, quarantined, tempfail).",
	    L("way_in", "outcome"), TR_WAYS_IN * 4);
	s->refused = tr_metrics_counter(r, "tlsrptd_messages_refused_total",
	    "Messages answered with a temporary failure without reaching "
	    "the pipeline: queue full or shutting down.", NULL, 1);
	s->reports = tr_metrics_counter(r, "tlsrptd_reports_total",
	    "Reports in committed messages: newly stored or already stored "
	    "(duplicate).", L("status"), 2);
	s->quarantined = tr_metrics_counter(r, "tlsrptd_quarantined_total",
	    "Messages quarantined because they held an invalid report part "
	    "or none, per reason class.", L("reason_class"), TR_ERR__COUNT);
	s->sessions = tr_metrics_counter(r, "tlsrptd_sessions_total",
	    "Sessions in newly stored reports, per policy domain and result "
	    "(successful, failed), each report's sessions counted once per "
	    "domain.", L("policy_domain", "result"), nd * 2);
	s->failed_by_type = tr_metrics_counter(r,
	    "tlsrptd_failed_sessions_by_result_type_total",
	    "Failed sessions in the failure details of newly stored reports, "
	    "per policy domain and RFC 8460 result-type (\"other\": not in "
	    "the registry).", L("policy_domain", "result_type"),
	    nd * TR_TALLY_TYPES);
}

/* register_loop - the families of the loop, the commits, the budget, the
 * alerts and DKIM */
static void
register_loop(struct tr_stats *s, struct tr_metrics *r)
{
	s->pipeline = tr_metrics_histogram(r,
	    "tlsrptd_pipeline_duration_seconds",
	    "Time to analyse and record one message (MIME, gunzip, "
	    "validation, SQL statements), before its commit.", NULL, 1,
	    pipeline_bounds, NB(pipeline_bounds));
	s->commit = tr_metrics_histogram(r, "tlsrptd_commit_duration_seconds",
	    "Time of one group commit.", NULL, 1, commit_bounds,
	    NB(commit_bounds));
	s->batch = tr_metrics_histogram(r, "tlsrptd_commit_messages",
	    "Messages per group commit.", NULL, 1, batch_bounds,
	    NB(batch_bounds));
	s->commits = tr_metrics_counter(r, "tlsrptd_commits_total",
	    "Group commits, committed or failed (every sender in a failed "
	    "one was answered with a temporary failure).", L("result"), 2);
	s->queue_depth = tr_metrics_gauge(r, "tlsrptd_queue_depth",
	    "Messages waiting for the loop.", NULL, 1);
	s->queue_limit = tr_metrics_gauge(r, "tlsrptd_queue_limit",
	    "queue_limit: beyond it messages get a temporary failure.", NULL,
	    1);
	s->inflight = tr_metrics_gauge(r, "tlsrptd_inflight_bytes",
	    "Memory held by messages between their first byte and their "
	    "commit.", NULL, 1);
	s->inflight_limit = tr_metrics_gauge(r, "tlsrptd_inflight_limit_bytes",
	    "max_inflight_bytes: beyond it new messages get a temporary "
	    "failure.", NULL, 1);
	s->budget_refused = tr_metrics_counter(r,
	    "tlsrptd_inflight_refusals_total",
	    "Messages turned away (or cut short) because max_inflight_bytes "
	    "was in use.", NULL, 1);
	s->alerts = tr_metrics_counter(r, "tlsrptd_failure_rate_alerts_total",
	    "failure_rate_alert events raised.", NULL, 1);
	s->alert_commands = tr_metrics_counter(r,
	    "tlsrptd_alert_commands_total",
	    "alert_command runs by how they ended: ok, failed, timeout, "
	    "error (not started), skipped (too many running).", L("result"),
	    5);
	s->dkim = tr_metrics_counter(r, "tlsrptd_dkim_results_total",
	    "Report mails checked for DKIM, per result (pass, fail, none, "
	    "temperror) and cause (ok, no-signature, body-hash-mismatch, "
	    "key-not-found, ...).", L("result", "cause"), 64);
	s->dkim_keys = tr_metrics_gauge(r, "tlsrptd_dkim_key_decodes",
	    "DKIM public keys since the start: found already decoded (kept) "
	    "or decoded from their DNS record (decoded).", L("result"), 2);
}

/* (over 80 lines: one registration per metric family, read as a list) */
struct tr_stats *
tr_stats_new(void)
{
	struct tr_stats *s;
	struct tr_metrics *r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->reg = r = tr_metrics_new()) == NULL ||
	    (s->domains = tr_label_set_new(TR_STATS_MAX_DOMAINS)) == NULL)
		goto fail;
	register_messages(s, r);
	register_loop(s, r);
	if (s->dkim == NULL || s->dkim_keys == NULL)
		goto fail;
	if (s->build_info == NULL || s->start_time == NULL ||
	    s->received == NULL || s->messages == NULL || s->refused == NULL ||
	    s->reports == NULL || s->quarantined == NULL ||
	    s->sessions == NULL || s->failed_by_type == NULL ||
	    s->pipeline == NULL || s->commit == NULL || s->batch == NULL ||
	    s->commits == NULL || s->queue_depth == NULL ||
	    s->queue_limit == NULL || s->alerts == NULL ||
	    s->inflight == NULL || s->inflight_limit == NULL ||
	    s->budget_refused == NULL ||
	    s->alert_commands == NULL)
		goto fail;
	tr_metric_set(s->build_info, V(TLSRPTD_VERSION), 1);
	tr_metric_set(s->start_time, NULL, (double)time(NULL));
	/* present from the start, so that rate() sees the first increase */
	tr_metric_add(s->refused, NULL, 0);
	tr_metric_add(s->reports, V("stored"), 0);
	tr_metric_add(s->reports, V("duplicate"), 0);
	tr_metric_add(s->commits, V("committed"), 0);
	tr_metric_add(s->commits, V("failed"), 0);
	tr_metric_add(s->alerts, NULL, 0);
	return s;
fail:
	tr_stats_free(s);
	return NULL;
}

/* tr_stats_free - the registry and the domain set */
void
tr_stats_free(struct tr_stats *s)
{
	if (s == NULL)
		return;
	tr_metrics_free(s->reg);
	tr_label_set_free(s->domains);
	free(s);
}

/* way_label - a way in as a label value; an unknown one is "other" */
static const char *
way_label(enum tr_way_in way_in)
{
	if (way_in == TR_WAY_UNKNOWN || (unsigned)way_in >= TR_WAYS_IN)
		return TR_METRICS_OTHER;
	return tr_way_in_name(way_in);
}

/* tr_stats_received - count a job as it reaches the loop */
void
tr_stats_received(struct tr_stats *s, enum tr_way_in way_in)
{
	if (s != NULL)
		tr_metric_add(s->received, V(way_label(way_in)), 1);
}

/* tr_stats_pipeline - one job's time in the pipeline */
void
tr_stats_pipeline(struct tr_stats *s, double seconds)
{
	if (s != NULL)
		tr_metric_observe(s->pipeline, NULL, seconds);
}

/* tally - the sessions of one domain of a newly stored report */
static void
tally(struct tr_stats *s, const struct tr_tally *t)
{
	const char *d, *rt;
	int i;

	d = tr_label_set_get(s->domains, t->policy_domain);
	tr_metric_add(s->sessions, V(d, "successful"), (double)t->successful);
	tr_metric_add(s->sessions, V(d, "failed"), (double)t->failed);
	for (i = 0; i < TR_TALLY_TYPES; i++) {
		if (t->failed_by_type[i] == 0)
			continue;
		rt = i < TR_RESULT_TYPES ? tr_result_type_name(i) :
		    TR_METRICS_OTHER;
		tr_metric_add(s->failed_by_type, V(d, rt),
		    (double)t->failed_by_type[i]);
	}
}

/* tr_stats_verdict - what a committed (or failed) job came to */
void
tr_stats_verdict(struct tr_stats *s, enum tr_way_in way_in,
    const struct tr_verdict *v)
{
	size_t i;

	if (s == NULL)
		return;
	tr_metric_add(s->messages, V(way_label(way_in),
	    tr_outcome_name(v->outcome)), 1);
	if (v->dkim != TR_DKIM_UNCHECKED)
		tr_metric_add(s->dkim, V(tr_dkim_status_name(v->dkim),
		    tr_dkim_cause_name(v->dkim_cause)), 1);
	if (v->outcome == TR_OUTCOME_TEMPFAIL)
		return;
	tr_metric_add(s->reports, V("stored"), (double)v->stored);
	tr_metric_add(s->reports, V("duplicate"), (double)v->duplicates);
	if (v->invalid > 0)
		tr_metric_add(s->quarantined, V(tr_err_name(v->err.code)), 1);
	for (i = 0; i < v->ntallies; i++)
		tally(s, &v->tallies[i]);
}

/* tr_stats_commit - one group commit */
void
tr_stats_commit(struct tr_stats *s, size_t jobs, int committed,
    double seconds)
{
	if (s == NULL)
		return;
	tr_metric_add(s->commits, V(committed ? "committed" : "failed"), 1);
	tr_metric_observe(s->batch, NULL, (double)jobs);
	if (committed)
		tr_metric_observe(s->commit, NULL, seconds);
}

/* tr_stats_alert - one failure_rate_alert */
void
tr_stats_alert(struct tr_stats *s)
{
	if (s != NULL)
		tr_metric_add(s->alerts, NULL, 1);
}

/* tr_stats_alert_command - how one alert command ended */
void
tr_stats_alert_command(struct tr_stats *s, const char *result)
{
	if (s != NULL)
		tr_metric_add(s->alert_commands, V(result), 1);
}

/* tr_stats_render - the queue figures, then the whole registry */
int
tr_stats_render(struct tr_stats *s, const struct tr_daemon_stats *ds,
    char **out, size_t *len)
{
	uint64_t kept, decoded;

	tr_metric_set(s->queue_depth, NULL, (double)ds->queued);
	tr_metric_set(s->queue_limit, NULL, (double)ds->queue_limit);
	tr_metric_set(s->refused, NULL, (double)ds->refused);
	tr_metric_set(s->inflight, NULL, (double)ds->inflight_bytes);
	tr_metric_set(s->inflight_limit, NULL, (double)ds->inflight_limit);
	tr_metric_set(s->budget_refused, NULL, (double)ds->budget_refusals);
	tr_dkim_pkey_stats(&kept, &decoded);
	tr_metric_set(s->dkim_keys, V("kept"), (double)kept);
	tr_metric_set(s->dkim_keys, V("decoded"), (double)decoded);
	return tr_metrics_render(s->reg, out, len);
}
