/* metrics.c - counters, gauges and histograms with bounded label sets; Prometheus text */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

enum kind { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM };

static const char *const kind_names[] = {
	[KIND_COUNTER] = "counter",
	[KIND_GAUGE] = "gauge",
	[KIND_HISTOGRAM] = "histogram",
};

/* One label set of a family and its value(s). */
struct series {
	char *values[TR_METRICS_LABELS_MAX];
	double value;			/* counter, gauge; histogram: sum */
	uint64_t count;			/* histogram: observations */
	uint64_t *buckets;		/* histogram: per bound, not cumulative */
};

struct tr_metric {
	char *name;
	char *help;
	enum kind kind;
	char *labels[TR_METRICS_LABELS_MAX];
	size_t nlabels;
	size_t max_series;		/* then everything goes to "other" */
	double bounds[TR_METRICS_BUCKETS_MAX];
	size_t nbounds;
	struct series *series;
	size_t nseries, cap;
	struct tr_metric *next;
};

struct tr_metrics {
	struct tr_metric *head, **tailp;
};

struct tr_label_set {
	char **v;
	size_t n, max;
};

/* tr_metrics_new - an empty registry */
struct tr_metrics *
tr_metrics_new(void)
{
	struct tr_metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->tailp = &m->head;
	return m;
}

/* family_free - a family with its series */
static void
family_free(struct tr_metric *f)
{
	size_t i, j;

	for (i = 0; i < f->nseries; i++) {
		for (j = 0; j < f->nlabels; j++)
			free(f->series[i].values[j]);
		free(f->series[i].buckets);
	}
	for (j = 0; j < f->nlabels; j++)
		free(f->labels[j]);
	free(f->series);
	free(f->name);
	free(f->help);
	free(f);
}

/* tr_metrics_free - the registry and every family in it */
void
tr_metrics_free(struct tr_metrics *m)
{
	struct tr_metric *f, *next;

	if (m == NULL)
		return;
	for (f = m->head; f != NULL; f = next) {
		next = f->next;
		family_free(f);
	}
	free(m);
}

/* valid_name - [a-zA-Z_:][a-zA-Z0-9_:]*, without ':' for label names */
static int
valid_name(const char *s, int colon)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (colon && c == ':') ||
		    (i > 0 && c >= '0' && c <= '9'))
			continue;
		return 0;
	}
	return 1;
}

/* family_new - check the arguments and append a new family to m */
static struct tr_metric *
family_new(struct tr_metrics *m, enum kind kind, const char *name,
    const char *help, const char *const *labels, size_t max_series)
{
	struct tr_metric *f, *g;
	size_t n = 0;

	if (m == NULL || !valid_name(name, 1) || help == NULL ||
	    max_series == 0)
		return NULL;
	for (g = m->head; g != NULL; g = g->next)
		if (strcmp(g->name, name) == 0)
			return NULL;
	while (labels != NULL && labels[n] != NULL) {
		/* "le" is the histograms' own; "__" names are reserved */
		if (n == TR_METRICS_LABELS_MAX || !valid_name(labels[n], 0) ||
		    strncmp(labels[n], "__", 2) == 0 ||
		    (kind == KIND_HISTOGRAM && strcmp(labels[n], "le") == 0))
			return NULL;
		n++;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->kind = kind;
	f->max_series = max_series;
	f->name = strdup(name);
	f->help = strdup(help);
	if (f->name == NULL || f->help == NULL)
		goto fail;
	for (f->nlabels = 0; f->nlabels < n; f->nlabels++)
		if ((f->labels[f->nlabels] = strdup(labels[f->nlabels])) ==
		    NULL)
			goto fail;
	*m->tailp = f;
	m->tailp = &f->next;
	return f;
fail:
	family_free(f);
	return NULL;
}

/* tr_metrics_counter - a family of counters */
struct tr_metric *
tr_metrics_counter(struct tr_metrics *m, const char *name, const char *help,
    const char *const *labels, size_t max_series)
{
	return family_new(m, KIND_COUNTER, name, help, labels, max_series);
}

/* tr_metrics_gauge - a family of gauges */
struct tr_metric *
tr_metrics_gauge(struct tr_metrics *m, const char *name, const char *help,
    const char *const *labels, size_t max_series)
{
	return family_new(m, KIND_GAUGE, name, help, labels, max_series);
}

/* tr_metrics_histogram - a family of histograms with fixed buckets */
struct tr_metric *
tr_metrics_histogram(struct tr_metrics *m, const char *name, const char *help,
    const char *const *labels, size_t max_series, const double *bounds,
    size_t nbounds)
{
	struct tr_metric *f;
	size_t i;

	if (nbounds == 0 || nbounds > TR_METRICS_BUCKETS_MAX)
		return NULL;
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
			return NULL;
	if ((f = family_new(m, KIND_HISTOGRAM, name, help, labels,
	    max_series)) == NULL)
		return NULL;
	memcpy(f->bounds, bounds, nbounds * sizeof(bounds[0]));
	f->nbounds = nbounds;
	return f;
}

/* label_value - what a given value is kept as */
static const char *
label_value(const char *v)
{
	if (v == NULL)
		return "";
	if (strlen(v) > TR_METRICS_VALUE_MAX)
		return TR_METRICS_OTHER;
	return v;
}

/* find - the series with exactly these values, or NULL */
static struct series *
find(struct tr_metric *f, const char *const *vals)
{
	size_t i, j;

	for (i = 0; i < f->nseries; i++) {
		for (j = 0; j < f->nlabels; j++)
			if (strcmp(f->series[i].values[j], vals[j]) != 0)
				break;
		if (j == f->nlabels)
			return &f->series[i];
	}
	return NULL;
}

/* add_series - a new series with these values, or NULL */
static struct series *
add_series(struct tr_metric *f, const char *const *vals)
{
	struct series *s, *ns;
	size_t j, cap;

	if (f->nseries == f->cap) {
		cap = f->cap == 0 ? 4 : f->cap * 2;
		if ((ns = reallocarray(f->series, cap, sizeof(*ns))) == NULL)
			return NULL;
		f->series = ns;
		f->cap = cap;
	}
	s = &f->series[f->nseries];
	memset(s, 0, sizeof(*s));
	if (f->kind == KIND_HISTOGRAM &&
	    (s->buckets = calloc(f->nbounds, sizeof(*s->buckets))) == NULL)
		return NULL;
	for (j = 0; j < f->nlabels; j++)
		if ((s->values[j] = strdup(vals[j])) == NULL) {
			while (j-- > 0)
				free(s->values[j]);
			free(s->buckets);
			return NULL;
		}
	f->nseries++;
	return s;
}

/*
 * get - the series for values: an existing one, a new one while there is
 * room, else the one whose every label is "other" (which may exceed
 * max_series by one). NULL when out of memory.
 */
static struct series *
get(struct tr_metric *f, const char *const *values, int create)
{
	const char *vals[TR_METRICS_LABELS_MAX];
	struct series *s;
	size_t j;

	for (j = 0; j < f->nlabels; j++)
		vals[j] = label_value(values != NULL ? values[j] : NULL);
	if ((s = find(f, vals)) != NULL || !create)
		return s;
	if (f->nseries < f->max_series)
		return add_series(f, vals);
	for (j = 0; j < f->nlabels; j++)
		vals[j] = TR_METRICS_OTHER;
	if ((s = find(f, vals)) != NULL)
		return s;
	return add_series(f, vals);
}

/* tr_metric_add - add v (counters: only v >= 0) */
void
tr_metric_add(struct tr_metric *f, const char *const *values, double v)
{
	struct series *s;

	if (f == NULL || f->kind == KIND_HISTOGRAM || isnan(v) ||
	    (f->kind == KIND_COUNTER && v < 0))
		return;
	if ((s = get(f, values, 1)) != NULL)
		s->value += v;
}

/* tr_metric_set - set the value (a gauge, or a counter kept elsewhere) */
void
tr_metric_set(struct tr_metric *f, const char *const *values, double v)
{
	struct series *s;

	if (f == NULL || f->kind == KIND_HISTOGRAM)
		return;
	if ((s = get(f, values, 1)) != NULL)
		s->value = v;
}

/* tr_metric_observe - one observation into its bucket */
void
tr_metric_observe(struct tr_metric *f, const char *const *values, double v)
{
	struct series *s;
	size_t i;

	if (f == NULL || f->kind != KIND_HISTOGRAM || isnan(v))
		return;
	if ((s = get(f, values, 1)) == NULL)
		return;
	for (i = 0; i < f->nbounds && v > f->bounds[i]; i++)
		;
	if (i < f->nbounds)
		s->buckets[i]++;
	s->count++;
	s->value += v;
}

/* tr_metric_value - the current value of a label set */
double
tr_metric_value(const struct tr_metric *f, const char *const *values)
{
	struct series *s;

	if (f == NULL || (s = get((struct tr_metric *)f, values, 0)) == NULL)
		return 0;
	return f->kind == KIND_HISTOGRAM ? (double)s->count : s->value;
}

/* fmt_number - a sample value as Prometheus reads it: integers without a
 * fraction, others in the shortest form that reads back the same */
static void
fmt_number(char *buf, size_t sz, double v)
{
	int prec;

	if (isnan(v))
		snprintf(buf, sz, "NaN");
	else if (isinf(v))
		snprintf(buf, sz, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v > -9007199254740992.0 && v < 9007199254740992.0 &&
	    v == (double)(long long)v)
		snprintf(buf, sz, "%lld", (long long)v);
	else
		for (prec = 15; prec <= 17; prec++) {
			snprintf(buf, sz, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
}

/* put_escaped - text with \\, \n (and \" in label values) escaped */
static void
put_escaped(FILE *f, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (quote && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

/* put_sample - one line: name[suffix]{labels[,le="x"]} value */
static void
put_sample(FILE *out, const struct tr_metric *f, const struct series *s,
    const char *suffix, const char *le, double v)
{
	char num[64];
	size_t j;
	int any = 0;

	fputs(f->name, out);
	fputs(suffix, out);
	for (j = 0; j < f->nlabels; j++) {
		fputs(any++ ? "," : "{", out);
		fprintf(out, "%s=\"", f->labels[j]);
		put_escaped(out, s->values[j], 1);
		fputc('"', out);
	}
	if (le != NULL) {
		fputs(any++ ? "," : "{", out);
		fprintf(out, "le=\"%s\"", le);
	}
	if (any)
		fputc('}', out);
	fmt_number(num, sizeof(num), v);
	fprintf(out, " %s\n", num);
}

/* put_family - HELP, TYPE and every series of one family */
static void
put_family(FILE *out, const struct tr_metric *f)
{
	const struct series *s;
	char le[64];
	uint64_t cum;
	size_t i, b;

	fprintf(out, "# HELP %s ", f->name);
	put_escaped(out, f->help, 0);
	fprintf(out, "\n# TYPE %s %s\n", f->name, kind_names[f->kind]);
	for (i = 0; i < f->nseries; i++) {
		s = &f->series[i];
		if (f->kind != KIND_HISTOGRAM) {
			put_sample(out, f, s, "", NULL, s->value);
			continue;
		}
		cum = 0;
		for (b = 0; b < f->nbounds; b++) {
			cum += s->buckets[b];
			fmt_number(le, sizeof(le), f->bounds[b]);
			put_sample(out, f, s, "_bucket", le, (double)cum);
		}
		put_sample(out, f, s, "_bucket", "+Inf", (double)s->count);
		put_sample(out, f, s, "_sum", NULL, s->value);
		put_sample(out, f, s, "_count", NULL, (double)s->count);
	}
}

/* tr_metrics_render - the whole registry as exposition text */
int
tr_metrics_render(const struct tr_metrics *m, char **out, size_t *len)
{
	const struct tr_metric *f;
	FILE *mf;

	*out = NULL;
	*len = 0;
	if ((mf = open_memstream(out, len)) == NULL)
		return -1;
	for (f = m->head; f != NULL; f = f->next)
		put_family(mf, f);
	if (ferror(mf)) {
		fclose(mf);
		free(*out);
		*out = NULL;
		*len = 0;
		return -1;
	}
	if (fclose(mf) != 0) {
		free(*out);
		*out = NULL;
		*len = 0;
		return -1;
	}
	return 0;
}

/* tr_label_set_new - room for max distinct values */
struct tr_label_set *
tr_label_set_new(size_t max)
{
	struct tr_label_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (max > 0 && (s->v = calloc(max, sizeof(*s->v))) == NULL) {
		free(s);
		return NULL;
	}
	s->max = max;
	return s;
}

/* tr_label_set_get - value while it fits in the set, "other" beyond */
const char *
tr_label_set_get(struct tr_label_set *s, const char *value)
{
	size_t i;

	value = label_value(value);
	if (strcmp(value, TR_METRICS_OTHER) == 0)
		return TR_METRICS_OTHER;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], value) == 0)
			return s->v[i];
	if (s->n == s->max || (s->v[s->n] = strdup(value)) == NULL)
		return TR_METRICS_OTHER;
	return s->v[s->n++];
}

/* tr_label_set_free - the set and its copies of the values */
void
tr_label_set_free(struct tr_label_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s);
}
