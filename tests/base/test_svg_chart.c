/* test_svg_chart.c - the SVG charts: scale, stacking, titles, escaping, bounds */
#include <math.h>

#include "testutil.h"

#include "svg_chart.h"

/* count - occurrences of needle in s */
static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/*
 * well_formed - the markup is balanced XML of the kind we write: every
 * open tag closed in order, attribute values double-quoted with no raw
 * < or " inside, no raw < or > in text
 */
static void
well_formed(const char *s)
{
	const char *stack[64], *p = s, *name;
	size_t depth = 0, nlen;

	while (*p != '\0') {
		if (*p == '>')
			fail_msg("raw > in text at %.40s", p);
		if (*p != '<') {
			p++;
			continue;
		}
		if (p[1] == '/') {
			assert_true(depth > 0);
			name = stack[--depth];
			nlen = strcspn(name, " >/");
			if (strncmp(p + 2, name, nlen) != 0 || p[2 + nlen] != '>')
				fail_msg("</%.*s> expected at %.40s", (int)nlen,
				    name, p);
			p += 3 + nlen;
			continue;
		}
		name = p + 1;
		p = name + strcspn(name, " >/");
		while (*p != '>' && !(p[0] == '/' && p[1] == '>')) {
			assert_true(*p != '\0' && *p != '<');
			if (*p == '"') {
				p++;
				while (*p != '"') {
					assert_true(*p != '\0' && *p != '<');
					p++;
				}
			}
			p++;
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		assert_true(depth < 64);
		stack[depth++] = name;
		p++;
	}
	assert_int_equal(depth, 0);
}

static void
test_nice(void **state)
{
	assert_true(tr_svg_nice(0) == 1);
	assert_true(tr_svg_nice(-3) == 1);
	assert_true(tr_svg_nice(NAN) == 1);
	assert_true(tr_svg_nice(1) == 1);
	assert_true(tr_svg_nice(1.2) == 2);
	assert_true(tr_svg_nice(2.2) == 2.5);
	assert_true(tr_svg_nice(3) == 5);
	assert_true(tr_svg_nice(7) == 10);
	assert_true(tr_svg_nice(1140) == 2000);
	assert_true(fabs(tr_svg_nice(0.0031) - 0.005) < 1e-12);
}

static void
test_stacked_bars(void **state)
{
	const char *x[3] = { "2026-01-01", "2026-01-02", "2026-01-03" };
	double ok[3] = { 90, 0, 40 }, bad[3] = { 10, 0, 0 };
	double rate[3] = { 0.1, NAN, 0 };
	struct tr_svg_series s[2] = {
		{ "successful", "#009e73", ok }, { "failed", NULL, bad },
	};
	struct tr_svg_chart c = { "Sessions per day", x, 3, s, 2, rate,
	    "failure rate", "sessions", 600, 240 };
	struct tr_buf b = { 0 };

	assert_int_equal(tr_svg_bar_chart(&b, &c), 0);
	assert_true(tr_buf_ok(&b));
	well_formed(b.p);
	/* three bars with a value (a zero draws nothing), one column each */
	assert_int_equal(count(b.p, "class=\"bar\""), 3);
	assert_int_equal(count(b.p, "class=\"col\""), 3);
	/* the hover values */
	assert_non_null(strstr(b.p, "<title>2026-01-01: 90 successful</title>"));
	assert_non_null(strstr(b.p, "<title>2026-01-01: 10 failed</title>"));
	assert_non_null(strstr(b.p, "<title>2026-01-01: 90 successful, 10 "
	    "failed; 10.00%</title>"));
	assert_non_null(strstr(b.p, "<title>2026-01-03: failure rate "
	    "0.00%</title>"));
	/* the axis goes to 100 in steps of 25; the rate axis to 10% */
	assert_non_null(strstr(b.p, ">100</text>"));
	assert_non_null(strstr(b.p, ">25</text>"));
	assert_non_null(strstr(b.p, ">10%</text>"));
	assert_non_null(strstr(b.p, ">2.5%</text>"));
	/* the NAN day breaks the rate line into two polylines of one point,
	 * with a hoverable point each */
	assert_int_equal(count(b.p, "<polyline"), 2);
	assert_int_equal(count(b.p, "class=\"pt\""), 2);
	/* the successful bar of day 1 is 90% of the plot height (172 px):
	 * 154.8 px; the failed one sits on it */
	assert_non_null(strstr(b.p, "height=\"154.8\" fill=\"#009e73\""));
	assert_non_null(strstr(b.p, "height=\"17.2\" fill=\"#d55e00\""));
	/* labels and legend */
	assert_non_null(strstr(b.p, ">2026-01-02</text>"));
	assert_non_null(strstr(b.p, ">successful</text>"));
	assert_non_null(strstr(b.p, ">failure rate</text>"));
	assert_int_equal(strncmp(b.p, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
	    39), 0);
	tr_buf_free(&b);
}

static void
test_hostile_names(void **state)
{
	const char *x[1] = { "<script>alert(1)</script>" };
	double v[1] = { 5 };
	struct tr_svg_series s[1] = {
		{ "</svg><img src=x onerror=alert(1)>", "\"><script>", v },
	};
	struct tr_svg_chart c = { "\"onload=\"alert(1)", x, 1, s, 1, NULL,
	    NULL, "</text>", 300, 150 };
	struct tr_buf b = { 0 };

	assert_int_equal(tr_svg_bar_chart(&b, &c), 0);
	well_formed(b.p);
	assert_null(strstr(b.p, "<script"));
	assert_null(strstr(b.p, "<img"));
	assert_int_equal(count(b.p, "</svg>"), 1);
	assert_non_null(strstr(b.p, "&lt;/svg&gt;&lt;img src=x "
	    "onerror=alert(1)&gt;"));
	assert_non_null(strstr(b.p, "aria-label=\"&quot;onload=&quot;"));
	tr_buf_free(&b);
}

static void
test_empty_and_bounds(void **state)
{
	struct tr_svg_chart c = { "Nothing", NULL, 0, NULL, 0, NULL, NULL,
	    "sessions", 400, 200 };
	struct tr_svg_series s[TR_SVG_MAX_SERIES + 1];
	struct tr_buf b = { 0 };

	assert_int_equal(tr_svg_bar_chart(&b, &c), 0);
	well_formed(b.p);
	assert_non_null(strstr(b.p, ">no data</text>"));
	tr_buf_free(&b);

	c.width = 100;
	assert_int_equal(tr_svg_bar_chart(&b, &c), -1);
	assert_int_equal(b.len, 0);
	c.width = 400;
	c.n = TR_SVG_MAX_COLUMNS + 1;
	assert_int_equal(tr_svg_bar_chart(&b, &c), -1);
	c.n = 0;
	memset(s, 0, sizeof(s));
	c.series = s;
	c.nseries = TR_SVG_MAX_SERIES + 1;
	assert_int_equal(tr_svg_bar_chart(&b, &c), -1);
	assert_int_equal(b.len, 0);
}

static void
test_many_columns(void **state)
{
	static const char *x[TR_SVG_MAX_COLUMNS];
	static double v[TR_SVG_MAX_COLUMNS];
	struct tr_svg_series s[1] = { { "n", NULL, v } };
	struct tr_svg_chart c = { "Many", x, TR_SVG_MAX_COLUMNS, s, 1, NULL,
	    NULL, "n", 900, 260 };
	struct tr_buf b = { 0 };
	size_t i;

	for (i = 0; i < TR_SVG_MAX_COLUMNS; i++) {
		x[i] = "d";
		/* negative, infinite and NAN values count as 0 */
		v[i] = i % 4 == 0 ? -1 : i % 4 == 1 ? INFINITY : i % 4 == 2 ?
		    NAN : 1;
	}
	assert_int_equal(tr_svg_bar_chart(&b, &c), 0);
	well_formed(b.p);
	assert_int_equal(count(b.p, "class=\"bar\""), TR_SVG_MAX_COLUMNS / 4);
	/* at most 8 x labels */
	assert_true(count(b.p, ">d</text>") <= 8);
	tr_buf_free(&b);
}

static void
test_sparkline(void **state)
{
	double v[5] = { 0, 0.5, NAN, 1, 0.25 };
	struct tr_buf b = { 0 };

	tr_svg_sparkline(&b, v, 5, 102, 22, "rate <trend>");
	well_formed(b.p);
	assert_int_equal(count(b.p, "<polyline"), 2);
	assert_non_null(strstr(b.p, "<title>rate &lt;trend&gt;</title>"));
	/* the largest value at the top (y = 3), 0 on the baseline (y = 21) */
	assert_non_null(strstr(b.p, "points=\"1.0,21.0 26.0,12.0\""));
	assert_non_null(strstr(b.p, "points=\"76.0,3.0 101.0,16.5\""));
	tr_buf_free(&b);
	tr_svg_sparkline(&b, v, 0, 100, 20, "none");
	well_formed(b.p);
	assert_int_equal(count(b.p, "<polyline"), 0);
	tr_buf_free(&b);
	/* a day alone between gaps is a dot, not an invisible line */
	v[1] = NAN;
	tr_svg_sparkline(&b, v, 5, 102, 22, "dots");
	well_formed(b.p);
	assert_int_equal(count(b.p, "<polyline"), 1);
	assert_int_equal(count(b.p, "<circle"), 1);
	assert_non_null(strstr(b.p, "<circle cx=\"1.0\" cy=\"21.0\""));
	tr_buf_free(&b);
	tr_svg_sparkline(&b, v + 4, 1, 100, 20, "one");
	assert_int_equal(count(b.p, "<circle cx=\"50.0\""), 1);
	tr_buf_free(&b);
}

static void
test_timeline(void **state)
{
	const char *x[4] = { "d1", "d2", "d3", "d4" };
	struct tr_svg_span sp[3] = {
		{ "sts testing", "mode: testing <mx>", 0, 1 },
		{ "sts enforce", "mode: enforce", 2, 9 },	/* clipped to 3 */
		{ "</text><script>", "old", -5, -1 },		/* before d1 */
	};
	struct tr_buf b = { 0 };

	/* 600 px: 64 left, 56 right, 480 for 4 columns of 120 */
	assert_int_equal(tr_svg_timeline(&b, "Policies", x, 4, sp, 3, 600), 0);
	well_formed(b.p);
	assert_int_equal(count(b.p, "class=\"span\""), 2);
	assert_non_null(strstr(b.p, "x=\"64.0\" y=\"25\" width=\"240.0\""));
	assert_non_null(strstr(b.p, "x=\"304.0\" y=\"51\" width=\"240.0\""));
	assert_non_null(strstr(b.p, "<title>mode: testing &lt;mx&gt;</title>"));
	assert_non_null(strstr(b.p, "&lt;/text&gt;&lt;script&gt;"));
	assert_null(strstr(b.p, "<script"));
	assert_non_null(strstr(b.p, ">d3</text>"));
	tr_buf_free(&b);
	assert_int_equal(tr_svg_timeline(&b, "none", x, 0, sp, 3, 600), -1);
	assert_int_equal(tr_svg_timeline(&b, "narrow", x, 4, sp, 3, 100), -1);
	assert_int_equal(b.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nice),
		cmocka_unit_test(test_stacked_bars),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_empty_and_bounds),
		cmocka_unit_test(test_many_columns),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_timeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
