/*
 * svg_chart.c - stacked bar charts and sparklines as SVG text.
 *
 * Written here rather than taken from a library: Debian has no C charting
 * library that writes SVG without pulling in a drawing stack (cairo,
 * gnuplot), and what the dashboard draws is a few rectangles and lines.
 * Server-side SVG needs no script, so the charts work with JavaScript off.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg_chart.h"

/* Colours for series that bring none; readable on white, colour-blind safe. */
static const char *const palette[] = {
	"#d55e00", "#e69f00", "#cc79a7", "#56b4e9", "#0072b2", "#f0e442",
	"#009e73", "#999999",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

#define RATE_COLOR	"#222222"
#define MARGIN_LEFT	64
#define MARGIN_TOP	12
#define MARGIN_BOTTOM	56
/* the same right margin with or without a rate axis, so that charts of the
 * same days stacked on a page put each day at the same x */
#define MARGIN_RIGHT	56
#define SPAN_ROW	26	/* pixels per row of a timeline */
#define MAX_XLABELS	8
#define YTICKS		4

/* tr_svg_nice - round up to 1, 2, 2.5 or 5 times a power of ten */
double
tr_svg_nice(double v)
{
	double p, m;

	if (!(v > 0) || !isfinite(v))
		return 1;
	p = pow(10, floor(log10(v)));
	m = v / p;
	if (m <= 1.0000001)
		return p;
	if (m <= 2.0000001)
		return 2 * p;
	if (m <= 2.5000001)
		return 2.5 * p;
	if (m <= 5.0000001)
		return 5 * p;
	return 10 * p;
}

/* value - v as a count for axes and hover text: integer when whole */
static void
value(char *buf, size_t sz, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, sz, "%.0f", v);
	else
		snprintf(buf, sz, "%.3g", v);
}

/* cell - series s at column i, with anything not a count read as 0 */
static double
cell(const struct tr_svg_series *s, size_t i)
{
	double v = s->v != NULL ? s->v[i] : 0;

	return isfinite(v) && v > 0 ? v : 0;
}

/* series_color - the series' own colour or the palette's k-th */
static const char *
series_color(const struct tr_svg_series *s, size_t k, size_t *pal)
{
	if (s->color != NULL)
		return s->color;
	return palette[(*pal)++ % NPALETTE];
}

/* axes - gridlines and labels of the left axis (and the right one) */
static void
axes(struct tr_buf *b, const struct tr_svg_chart *c, double ymax,
    double rmax, int pw, int ph, int right)
{
	char num[32];
	int k, y;

	for (k = 0; k <= YTICKS; k++) {
		y = MARGIN_TOP + ph - ph * k / YTICKS;
		tr_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#dddddd\"/>", MARGIN_LEFT, y, MARGIN_LEFT + pw,
		    y);
		value(num, sizeof(num), ymax * k / YTICKS);
		tr_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
		    "font-size=\"11\">%s</text>", MARGIN_LEFT - 6, y + 4, num);
		if (right)
			tr_buf_printf(b, "<text x=\"%d\" y=\"%d\" "
			    "font-size=\"11\">%.3g%%</text>",
			    MARGIN_LEFT + pw + 6, y + 4,
			    100 * rmax * k / YTICKS);
	}
	tr_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#555555\"/>", MARGIN_LEFT, MARGIN_TOP + ph,
	    MARGIN_LEFT + pw, MARGIN_TOP + ph);
	tr_buf_printf(b, "<text transform=\"translate(14 %d) rotate(-90)\" "
	    "text-anchor=\"middle\" font-size=\"11\">",
	    MARGIN_TOP + ph / 2);
	tr_html_text(b, c->unit != NULL ? c->unit : "");
	tr_buf_str(b, "</text>");
}

/* xlabels - at most MAX_XLABELS column labels, evenly spaced */
static void
xlabels(struct tr_buf *b, const struct tr_svg_chart *c, double bw, int ph)
{
	size_t i, step = (c->n + MAX_XLABELS - 1) / MAX_XLABELS;

	if (step == 0)
		step = 1;
	for (i = 0; i < c->n; i += step) {
		tr_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\" font-size=\"11\">",
		    MARGIN_LEFT + bw * ((double)i + 0.5), MARGIN_TOP + ph + 16);
		tr_html_text(b, c->x[i]);
		tr_buf_str(b, "</text>");
	}
}

/* legend - a swatch and a name per series, then the rate line */
static void
legend(struct tr_buf *b, const struct tr_svg_chart *c, const char **colors,
    int y)
{
	size_t k;
	int x = MARGIN_LEFT, w;

	for (k = 0; k < c->nseries; k++) {
		tr_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"10\" "
		    "height=\"10\" fill=\"", x, y - 9);
		tr_html_text(b, colors[k]);
		tr_buf_printf(b, "\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">",
		    x + 14, y);
		tr_html_text(b, c->series[k].name);
		tr_buf_str(b, "</text>");
		/* about 6.5 pixels a character at 11 pixels */
		w = c->series[k].name != NULL ?
		    (int)strlen(c->series[k].name) : 0;
		x += 24 + (w > 40 ? 40 : w) * 13 / 2;
	}
	if (c->rate != NULL) {
		tr_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"" RATE_COLOR "\" stroke-width=\"2\"/>"
		    "<text x=\"%d\" y=\"%d\" font-size=\"11\">", x, y - 4,
		    x + 14, y - 4, x + 18, y);
		tr_html_text(b, c->rate_name != NULL ? c->rate_name : "rate");
		tr_buf_str(b, "</text>");
	}
}

/* rate_line - the rate as polylines (broken at NAN) with hoverable points */
static void
rate_line(struct tr_buf *b, const struct tr_svg_chart *c, double rmax,
    double bw, int ph)
{
	size_t i;
	int open = 0;
	double x, y;

	for (i = 0; i < c->n; i++) {
		if (!isfinite(c->rate[i]) || c->rate[i] < 0) {
			if (open)
				tr_buf_str(b, "\"/>");
			open = 0;
			continue;
		}
		x = MARGIN_LEFT + bw * ((double)i + 0.5);
		y = MARGIN_TOP + ph - ph * (c->rate[i] / rmax);
		if (!open)
			tr_buf_str(b, "<polyline fill=\"none\" stroke=\""
			    RATE_COLOR "\" stroke-width=\"2\" points=\"");
		tr_buf_printf(b, "%s%.1f,%.1f", open ? " " : "", x, y);
		open = 1;
	}
	if (open)
		tr_buf_str(b, "\"/>");
	for (i = 0; i < c->n; i++) {
		if (!isfinite(c->rate[i]) || c->rate[i] < 0)
			continue;
		tr_buf_printf(b, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"3\" fill=\"" RATE_COLOR "\"><title>",
		    MARGIN_LEFT + bw * ((double)i + 0.5),
		    MARGIN_TOP + ph - ph * (c->rate[i] / rmax));
		tr_html_text(b, c->x[i]);
		tr_buf_str(b, ": ");
		tr_html_text(b, c->rate_name != NULL ? c->rate_name : "rate");
		tr_buf_printf(b, " %.2f%%</title></circle>", 100 * c->rate[i]);
	}
}

/* column - column i: a hoverable column with every series' value, then
 * its stacked bars */
static void
column(struct tr_buf *b, const struct tr_svg_chart *c,
    const char *const *colors, size_t i, double bw, int ph, double ymax)
{
	double y0, h;
	size_t k;
	char num[32];
	int right = c->rate != NULL;

	/* the whole column answers hover too, even where bars are low */
	tr_buf_printf(b, "<rect class=\"col\" x=\"%.1f\" y=\"%d\" "
	    "width=\"%.1f\" height=\"%d\" fill=\"transparent\"><title>",
	    MARGIN_LEFT + bw * (double)i, MARGIN_TOP, bw, ph);
	tr_html_text(b, c->x[i]);
	for (k = 0; k < c->nseries; k++) {
		value(num, sizeof(num), cell(&c->series[k], i));
		tr_buf_str(b, k == 0 ? ": " : ", ");
		tr_buf_str(b, num);
		tr_buf_str(b, " ");
		tr_html_text(b, c->series[k].name);
	}
	if (right && isfinite(c->rate[i]))
		tr_buf_printf(b, "; %.2f%%", 100 * c->rate[i]);
	tr_buf_str(b, "</title></rect>");
	for (y0 = 0, k = 0; k < c->nseries; k++) {
		if ((h = cell(&c->series[k], i)) == 0)
			continue;
		tr_buf_printf(b, "<rect class=\"bar\" x=\"%.1f\" "
		    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"",
		    MARGIN_LEFT + bw * (double)i + bw * 0.1,
		    MARGIN_TOP + ph - ph * (y0 + h) / ymax,
		    bw * 0.8 > 1 ? bw * 0.8 : 1,
		    ph * h / ymax > 0.5 ? ph * h / ymax : 0.5);
		tr_html_text(b, colors[k]);
		tr_buf_str(b, "\"><title>");
		tr_html_text(b, c->x[i]);
		tr_buf_str(b, ": ");
		value(num, sizeof(num), h);
		tr_buf_str(b, num);
		tr_buf_str(b, " ");
		tr_html_text(b, c->series[k].name);
		tr_buf_str(b, "</title></rect>");
		y0 += h;
	}
}

/* tr_svg_bar_chart - axes, stacked bars, rate line, legend */
int
tr_svg_bar_chart(struct tr_buf *b, const struct tr_svg_chart *c)
{
	const char *colors[TR_SVG_MAX_SERIES];
	double ymax = 0, rmax = 0, total, bw;
	size_t i, k, pal = 0;
	int pw, ph, right = c->rate != NULL;

	if (c->n > TR_SVG_MAX_COLUMNS || c->nseries > TR_SVG_MAX_SERIES ||
	    c->width < 200 || c->height < 120 || c->width > 10000 ||
	    c->height > 10000)
		return -1;
	pw = (int)c->width - MARGIN_LEFT - MARGIN_RIGHT;
	ph = (int)c->height - MARGIN_TOP - MARGIN_BOTTOM;
	for (k = 0; k < c->nseries; k++)
		colors[k] = series_color(&c->series[k], k, &pal);
	for (i = 0; i < c->n; i++) {
		for (total = 0, k = 0; k < c->nseries; k++)
			total += cell(&c->series[k], i);
		if (total > ymax)
			ymax = total;
		if (right && isfinite(c->rate[i]) && c->rate[i] > rmax)
			rmax = c->rate[i];
	}
	/* a step of 1, 2 or 5 times a power of ten, so the ticks read well */
	ymax = tr_svg_nice(ymax / YTICKS) * YTICKS;
	if (ymax < YTICKS)
		ymax = YTICKS;
	rmax = rmax > 0 ? tr_svg_nice(rmax / YTICKS) * YTICKS : 1;
	if (rmax > 1)
		rmax = 1;

	tr_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
	    "role=\"img\" aria-label=\"", c->width, c->height, c->width,
	    c->height);
	tr_html_text(b, c->title);
	tr_buf_str(b, "\"><title>");
	tr_html_text(b, c->title);
	tr_buf_str(b, "</title>");
	axes(b, c, ymax, rmax, pw, ph, right);
	if (c->n == 0) {
		tr_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
		    "font-size=\"13\">no data</text></svg>",
		    MARGIN_LEFT + pw / 2, MARGIN_TOP + ph / 2);
		return 0;
	}
	bw = (double)pw / (double)c->n;
	for (i = 0; i < c->n; i++)
		column(b, c, colors, i, bw, ph, ymax);
	if (right)
		rate_line(b, c, rmax, bw, ph);
	xlabels(b, c, bw, ph);
	legend(b, c, colors, (int)c->height - 10);
	tr_buf_str(b, "</svg>");
	return 0;
}

/* tr_svg_sparkline - polylines scaled to the largest value; a value with
 * none beside it is a dot, so a lone day still shows */
void
tr_svg_sparkline(struct tr_buf *b, const double *v, size_t n, unsigned w,
    unsigned h, const char *title)
{
	double max = 0, x, y;
	size_t i;
	int open = 0;

	for (i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > max)
			max = v[i];
	tr_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"spark\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
	    "role=\"img\" aria-label=\"", w, h, w, h);
	tr_html_text(b, title);
	tr_buf_str(b, "\"><title>");
	tr_html_text(b, title);
	tr_buf_printf(b, "</title><line x1=\"0\" y1=\"%u\" x2=\"%u\" y2=\"%u\" "
	    "stroke=\"#cccccc\"/>", h - 1, w, h - 1);
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]) || v[i] < 0) {
			if (open)
				tr_buf_str(b, "\"/>");
			open = 0;
			continue;
		}
		x = n > 1 ? (double)(w - 2) * (double)i / (double)(n - 1) + 1 :
		    (double)w / 2;
		y = (double)(h - 2) - (max > 0 ? (double)(h - 4) * v[i] / max :
		    0) + 1;
		if (!open && (i + 1 == n || !isfinite(v[i + 1]) ||
		    v[i + 1] < 0)) {
			tr_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"1.5\" fill=\"#d55e00\"/>", x, y);
			continue;
		}
		if (!open)
			tr_buf_str(b, "<polyline fill=\"none\" "
			    "stroke=\"#d55e00\" stroke-width=\"1.5\" points=\"");
		tr_buf_printf(b, "%s%.1f,%.1f", open ? " " : "", x, y);
		open = 1;
	}
	if (open)
		tr_buf_str(b, "\"/>");
	tr_buf_str(b, "</svg>");
}

/* tr_svg_timeline - one labelled bar per span over the columns */
int
tr_svg_timeline(struct tr_buf *b, const char *title, const char *const *x,
    size_t n, const struct tr_svg_span *spans, size_t nspans,
    unsigned width)
{
	unsigned height = MARGIN_TOP + SPAN_ROW * (unsigned)nspans + 24;
	double bw, from, to;
	int pw, y;
	size_t i, k, step;

	if (n == 0 || n > TR_SVG_MAX_COLUMNS || nspans > TR_SVG_MAX_SPANS ||
	    width < 200 || width > 10000)
		return -1;
	pw = (int)width - MARGIN_LEFT - MARGIN_RIGHT;
	bw = (double)pw / (double)n;
	tr_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart timeline\" width=\"%u\" height=\"%u\" "
	    "viewBox=\"0 0 %u %u\" role=\"img\" aria-label=\"", width, height,
	    width, height);
	tr_html_text(b, title);
	tr_buf_str(b, "\"><title>");
	tr_html_text(b, title);
	tr_buf_str(b, "</title>");
	for (k = 0; k < nspans; k++) {
		y = MARGIN_TOP + SPAN_ROW * (int)k;
		from = spans[k].from < 0 ? 0 : spans[k].from;
		to = spans[k].to > (double)n - 1 ? (double)n - 1 : spans[k].to;
		tr_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">",
		    MARGIN_LEFT + bw * (from > to ? 0 : from), y + 10);
		tr_html_text(b, spans[k].label);
		tr_buf_str(b, "</text>");
		if (from > to)
			continue;	/* outside the days shown */
		tr_buf_printf(b, "<rect class=\"span\" x=\"%.1f\" y=\"%d\" "
		    "width=\"%.1f\" height=\"9\" fill=\"%s\"><title>",
		    MARGIN_LEFT + bw * from, y + 13, bw * (to - from + 1),
		    palette[(k + 4) % NPALETTE]);
		tr_html_text(b, spans[k].title);
		tr_buf_str(b, "</title></rect>");
	}
	y = MARGIN_TOP + SPAN_ROW * (int)nspans;
	tr_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#555555\"/>", MARGIN_LEFT, y, MARGIN_LEFT + pw, y);
	step = (n + MAX_XLABELS - 1) / MAX_XLABELS;
	for (i = 0; i < n; i += step) {
		tr_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\" font-size=\"11\">",
		    MARGIN_LEFT + bw * ((double)i + 0.5), y + 16);
		tr_html_text(b, x[i]);
		tr_buf_str(b, "</text>");
	}
	tr_buf_str(b, "</svg>");
	return 0;
}
