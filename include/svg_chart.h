/* svg_chart.h - charts as SVG text: numbers in, markup out, nothing else */
#ifndef TR_SVG_CHART_H
#define TR_SVG_CHART_H

#include <stddef.h>

#include "html.h"

/* One stacked series of a bar chart. */
struct tr_svg_series {
	const char *name;	/* legend and hover text (escaped here) */
	const char *color;	/* "#rrggbb", or NULL for the palette's next */
	const double *v;	/* n values, 0 or more (others count as 0) */
};

/*
 * A bar chart over n labelled columns (days): the series stacked bottom
 * first against a left axis in unit, and optionally a rate (0 to 1, NAN
 * where there is none) drawn as a line against a right axis in percent.
 * Every bar, column and rate point carries an SVG <title>, the value a
 * browser shows on hover without any script.
 */
struct tr_svg_chart {
	const char *title;		/* the chart's accessible name */
	const char *const *x;		/* n column labels */
	size_t n;
	const struct tr_svg_series *series;
	size_t nseries;
	const double *rate;		/* n values, or NULL for no line */
	const char *rate_name;		/* its legend text */
	const char *unit;		/* left axis caption, e.g. "sessions" */
	unsigned width, height;		/* pixels; at least 200 x 120 */
};

/* Bounds that keep a chart's markup small whatever the data. */
#define TR_SVG_MAX_COLUMNS	1000
#define TR_SVG_MAX_SERIES	16

/*
 * tr_svg_bar_chart - append the chart as an <svg> element. A chart with
 * no columns says "no data" in its frame. Returns 0, or -1 when c is out
 * of bounds (more than TR_SVG_MAX_COLUMNS columns or TR_SVG_MAX_SERIES
 * series, a size below the minimum) and nothing was written.
 */
int tr_svg_bar_chart(struct tr_buf *b, const struct tr_svg_chart *c);

/*
 * tr_svg_sparkline - append a small line of v[0..n) (NAN: no value, the
 * line breaks there; a value alone between gaps is a dot) scaled from 0 to
 * its largest value, in w x h pixels, with title as the hover text. n of 0
 * gives an empty frame.
 */
void tr_svg_sparkline(struct tr_buf *b, const double *v, size_t n,
    unsigned w, unsigned h, const char *title);

/* One bar of a timeline: from and to are column indices, both included
 * (clipped to the columns; a span wholly outside shows its label only). */
struct tr_svg_span {
	const char *label;	/* written above the bar (escaped here) */
	const char *title;	/* the bar's hover text (escaped here) */
	double from, to;
};

#define TR_SVG_MAX_SPANS	64

/*
 * tr_svg_timeline - append a chart of one labelled bar per span over n
 * labelled columns, with the bar charts' margins so that a timeline under
 * them puts each column at the same x. -1 (nothing written) for no
 * columns, more than TR_SVG_MAX_COLUMNS or TR_SVG_MAX_SPANS, or a width
 * out of 200..10000.
 */
int tr_svg_timeline(struct tr_buf *b, const char *title,
    const char *const *x, size_t n, const struct tr_svg_span *spans,
    size_t nspans, unsigned width);

/* tr_svg_nice - the smallest 1, 2, 2.5 or 5 times a power of ten >= v (v > 0);
 * 1 for v <= 0 */
double tr_svg_nice(double v);

#endif
