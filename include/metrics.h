/* metrics.h - a small metrics registry rendered in the Prometheus text format */
#ifndef TR_METRICS_H
#define TR_METRICS_H

#include <stddef.h>

/*
 * A registry holds metric families (counters, gauges, histograms with fixed
 * buckets), each with a fixed list of label names and a bound on the label
 * sets (series) it keeps: past max_series, a new label set is counted under
 * one series whose every label is TR_METRICS_OTHER. A label value longer
 * than TR_METRICS_VALUE_MAX bytes also becomes TR_METRICS_OTHER. So memory
 * stays bounded whatever strangers put in their reports.
 *
 * Not thread-safe: the daemon updates and renders it on its loop thread.
 */

#define TR_METRICS_OTHER	"other"
#define TR_METRICS_VALUE_MAX	255
#define TR_METRICS_LABELS_MAX	4	/* label names per family */
#define TR_METRICS_BUCKETS_MAX	32	/* bucket bounds per histogram */

struct tr_metrics;
struct tr_metric;

/* tr_metrics_new - an empty registry, or NULL when out of memory */
struct tr_metrics *tr_metrics_new(void);

void tr_metrics_free(struct tr_metrics *m);

/*
 * tr_metrics_counter, tr_metrics_gauge - a new family in m. name must match
 * [a-zA-Z_:][a-zA-Z0-9_:]* and be new; labels is a NULL-terminated list of
 * label names (or NULL for none). NULL on a bad argument or out of memory.
 */
struct tr_metric *tr_metrics_counter(struct tr_metrics *m, const char *name,
    const char *help, const char *const *labels, size_t max_series);
struct tr_metric *tr_metrics_gauge(struct tr_metrics *m, const char *name,
    const char *help, const char *const *labels, size_t max_series);

/*
 * tr_metrics_histogram - a family of histograms with the nbounds upper
 * bounds given (strictly increasing, finite; "+Inf" is implicit).
 */
struct tr_metric *tr_metrics_histogram(struct tr_metrics *m, const char *name,
    const char *help, const char *const *labels, size_t max_series,
    const double *bounds, size_t nbounds);

/*
 * Updates. values holds one value per label name, in order (NULL when the
 * family has no labels); a NULL value is rendered as an empty one. An update
 * that cannot allocate its series is dropped.
 */
void tr_metric_add(struct tr_metric *f, const char *const *values, double v);
void tr_metric_set(struct tr_metric *f, const char *const *values, double v);
void tr_metric_observe(struct tr_metric *f, const char *const *values,
    double v);

/* tr_metric_value - a counter's or gauge's value, a histogram's count; 0
 * for a label set never seen (for tests and for the daemon's own use) */
double tr_metric_value(const struct tr_metric *f, const char *const *values);

/*
 * tr_metrics_render - the registry in the Prometheus text exposition format
 * (version 0.0.4): per family a HELP and a TYPE line, then its series in the
 * order first seen. *out is a new NUL-terminated string of *len bytes.
 * Returns 0, or -1 when out of memory.
 */
int tr_metrics_render(const struct tr_metrics *m, char **out, size_t *len);

/*
 * A bounded set of label values: tr_label_set_get returns value while the
 * set holds it or has room for it (at most max values), otherwise
 * TR_METRICS_OTHER. For labels shared by several families (the policy
 * domain) so that they all keep the same values.
 */
struct tr_label_set;
struct tr_label_set *tr_label_set_new(size_t max);
const char *tr_label_set_get(struct tr_label_set *s, const char *value);
void tr_label_set_free(struct tr_label_set *s);

#endif
