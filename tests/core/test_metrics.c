/* test_metrics.c - the registry: text format, label bounds, escaping, histograms */
#include <math.h>

#include "testutil.h"

#include "metrics.h"

/* render - the registry's text, checked for success */
static char *
render(struct tr_metrics *m)
{
	char *out;
	size_t len;

	assert_int_equal(tr_metrics_render(m, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

static void
test_empty(void **state)
{
	struct tr_metrics *m = tr_metrics_new();
	char *out = render(m);

	assert_string_equal(out, "");
	free(out);
	tr_metrics_free(m);
}

static void
test_counter_and_gauge_text(void **state)
{
	static const char *const way[] = { "way_in", NULL };
	struct tr_metrics *m = tr_metrics_new();
	struct tr_metric *c, *g;
	char *out;

	c = tr_metrics_counter(m, "t_received_total", "Messages received.",
	    way, 10);
	g = tr_metrics_gauge(m, "t_queue_depth", "Jobs waiting.", NULL, 1);
	assert_non_null(c);
	assert_non_null(g);
	tr_metric_add(c, (const char *[]){ "milter" }, 1);
	tr_metric_add(c, (const char *[]){ "https" }, 2);
	tr_metric_add(c, (const char *[]){ "milter" }, 1);
	tr_metric_add(c, (const char *[]){ "milter" }, -5);	/* ignored */
	tr_metric_set(g, NULL, 7);
	tr_metric_add(g, NULL, -2.5);
	out = render(m);
	assert_string_equal(out,
	    "# HELP t_received_total Messages received.\n"
	    "# TYPE t_received_total counter\n"
	    "t_received_total{way_in=\"milter\"} 2\n"
	    "t_received_total{way_in=\"https\"} 2\n"
	    "# HELP t_queue_depth Jobs waiting.\n"
	    "# TYPE t_queue_depth gauge\n"
	    "t_queue_depth 4.5\n");
	assert_true(tr_metric_value(c, (const char *[]){ "milter" }) == 2);
	assert_true(tr_metric_value(c, (const char *[]){ "smtp" }) == 0);
	free(out);
	tr_metrics_free(m);
}

static void
test_family_without_series(void **state)
{
	struct tr_metrics *m = tr_metrics_new();
	char *out;

	assert_non_null(tr_metrics_counter(m, "t_total", "Nothing yet.",
	    NULL, 1));
	out = render(m);
	assert_string_equal(out,
	    "# HELP t_total Nothing yet.\n"
	    "# TYPE t_total counter\n");
	free(out);
	tr_metrics_free(m);
}

static void
test_histogram_text(void **state)
{
	static const double b[] = { 0.001, 0.01, 0.1 };
	static const char *const l[] = { "stage", NULL };
	struct tr_metrics *m = tr_metrics_new();
	struct tr_metric *h;
	char *out;

	h = tr_metrics_histogram(m, "t_seconds", "Time taken.", l, 4, b, 3);
	assert_non_null(h);
	tr_metric_observe(h, (const char *[]){ "x" }, 0.0005);
	tr_metric_observe(h, (const char *[]){ "x" }, 0.001);	/* le is <= */
	tr_metric_observe(h, (const char *[]){ "x" }, 0.05);
	tr_metric_observe(h, (const char *[]){ "x" }, 3);
	tr_metric_observe(h, (const char *[]){ "x" }, NAN);	/* ignored */
	out = render(m);
	assert_string_equal(out,
	    "# HELP t_seconds Time taken.\n"
	    "# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{stage=\"x\",le=\"0.001\"} 2\n"
	    "t_seconds_bucket{stage=\"x\",le=\"0.01\"} 2\n"
	    "t_seconds_bucket{stage=\"x\",le=\"0.1\"} 3\n"
	    "t_seconds_bucket{stage=\"x\",le=\"+Inf\"} 4\n"
	    "t_seconds_sum{stage=\"x\"} 3.0515\n"
	    "t_seconds_count{stage=\"x\"} 4\n");
	assert_true(tr_metric_value(h, (const char *[]){ "x" }) == 4);
	free(out);
	tr_metrics_free(m);
}

static void
test_histogram_no_labels(void **state)
{
	static const double b[] = { 1 };
	struct tr_metrics *m = tr_metrics_new();
	struct tr_metric *h;
	char *out;

	h = tr_metrics_histogram(m, "t_h", "H.", NULL, 1, b, 1);
	tr_metric_observe(h, NULL, 0.25);
	out = render(m);
	assert_string_equal(out,
	    "# HELP t_h H.\n"
	    "# TYPE t_h histogram\n"
	    "t_h_bucket{le=\"1\"} 1\n"
	    "t_h_bucket{le=\"+Inf\"} 1\n"
	    "t_h_sum 0.25\n"
	    "t_h_count 1\n");
	free(out);
	tr_metrics_free(m);
}

static void
test_escaping(void **state)
{
	static const char *const l[] = { "d", NULL };
	struct tr_metrics *m = tr_metrics_new();
	struct tr_metric *c;
	char *out;

	c = tr_metrics_counter(m, "t_total", "A \\ back\nslash \"quoted\".",
	    l, 10);
	tr_metric_add(c, (const char *[]){ "a\"b\\c\nd" }, 1);
	tr_metric_add(c, (const char *[]){ "gr\xc3\xbc\xc3\x9f" }, 1);
	tr_metric_add(c, (const char *[]){ NULL }, 1);
	out = render(m);
	assert_string_equal(out,
	    "# HELP t_total A \\\\ back\\nslash \"quoted\".\n"
	    "# TYPE t_total counter\n"
	    "t_total{d=\"a\\\"b\\\\c\\nd\"} 1\n"
	    "t_total{d=\"gr\xc3\xbc\xc3\x9f\"} 1\n"
	    "t_total{d=\"\"} 1\n");
	free(out);
	tr_metrics_free(m);
}

static void
test_series_bound(void **state)
{
	static const char *const l[] = { "domain", "type", NULL };
	struct tr_metrics *m = tr_metrics_new();
	struct tr_metric *c;
	char name[32], *out;
	int i;

	c = tr_metrics_counter(m, "t_total", "Bounded.", l, 3);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		tr_metric_add(c, (const char *[]){ name, "x" }, 1);
	}
	/* a known series still counts as itself */
	tr_metric_add(c, (const char *[]){ "d1.example", "x" }, 1);
	out = render(m);
	assert_string_equal(out,
	    "# HELP t_total Bounded.\n"
	    "# TYPE t_total counter\n"
	    "t_total{domain=\"d0.example\",type=\"x\"} 1\n"
	    "t_total{domain=\"d1.example\",type=\"x\"} 2\n"
	    "t_total{domain=\"d2.example\",type=\"x\"} 1\n"
	    "t_total{domain=\"other\",type=\"other\"} 997\n");
	free(out);
	tr_metrics_free(m);
}

static void
test_long_value(void **state)
{
	static const char *const l[] = { "d", NULL };
	struct tr_metrics *m = tr_metrics_new();
	struct tr_metric *c;
	char big[TR_METRICS_VALUE_MAX + 2];
	char *out;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c = tr_metrics_counter(m, "t_total", "Long.", l, 10);
	tr_metric_add(c, (const char *[]){ big }, 1);
	big[TR_METRICS_VALUE_MAX] = '\0';	/* exactly at the limit: kept */
	tr_metric_add(c, (const char *[]){ big }, 1);
	out = render(m);
	assert_non_null(strstr(out, "t_total{d=\"other\"} 1\n"));
	assert_non_null(strstr(out, big));
	free(out);
	tr_metrics_free(m);
}

static void
test_numbers(void **state)
{
	struct tr_metrics *m = tr_metrics_new();
	struct tr_metric *g[6];
	char *out;
	int i;
	static const char *const names[] = { "a", "b", "c", "d", "e", "f" };
	static const double v[] = { 0.1, 1e20, -3, 123456789012, 1.0 / 3,
	    INFINITY };

	for (i = 0; i < 6; i++) {
		g[i] = tr_metrics_gauge(m, names[i], "n", NULL, 1);
		tr_metric_set(g[i], NULL, v[i]);
	}
	out = render(m);
	assert_string_equal(out,
	    "# HELP a n\n# TYPE a gauge\na 0.1\n"
	    "# HELP b n\n# TYPE b gauge\nb 1e+20\n"
	    "# HELP c n\n# TYPE c gauge\nc -3\n"
	    "# HELP d n\n# TYPE d gauge\nd 123456789012\n"
	    "# HELP e n\n# TYPE e gauge\ne 0.3333333333333333\n"
	    "# HELP f n\n# TYPE f gauge\nf +Inf\n");
	free(out);
	tr_metrics_free(m);
}

static void
test_bad_definitions(void **state)
{
	static const char *const le[] = { "le", NULL };
	static const char *const reserved[] = { "__x", NULL };
	static const char *const colon[] = { "a:b", NULL };
	static const char *const five[] = { "a", "b", "c", "d", "e", NULL };
	static const double b[] = { 1, 1 };
	struct tr_metrics *m = tr_metrics_new();

	assert_null(tr_metrics_counter(m, "9lives", "x", NULL, 1));
	assert_null(tr_metrics_counter(m, "has space", "x", NULL, 1));
	assert_null(tr_metrics_counter(m, "", "x", NULL, 1));
	assert_null(tr_metrics_counter(m, "ok", "x", NULL, 0));
	assert_null(tr_metrics_counter(m, "ok", "x", reserved, 1));
	assert_null(tr_metrics_counter(m, "ok", "x", colon, 1));
	assert_null(tr_metrics_counter(m, "ok", "x", five, 1));
	assert_null(tr_metrics_histogram(m, "ok", "x", le, 1, b, 1));
	assert_null(tr_metrics_histogram(m, "ok", "x", NULL, 1, b, 2));
	assert_null(tr_metrics_histogram(m, "ok", "x", NULL, 1, b, 0));
	assert_non_null(tr_metrics_counter(m, "ns:ok_total", "x", NULL, 1));
	assert_null(tr_metrics_gauge(m, "ns:ok_total", "x", NULL, 1));
	/* the wrong update for a kind does nothing */
	tr_metric_observe(tr_metrics_gauge(m, "g", "x", NULL, 1), NULL, 1);
	tr_metrics_free(m);
}

static void
test_label_set(void **state)
{
	struct tr_label_set *s = tr_label_set_new(2);
	char big[TR_METRICS_VALUE_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(tr_label_set_get(s, "a.example"), "a.example");
	assert_string_equal(tr_label_set_get(s, "b.example"), "b.example");
	assert_string_equal(tr_label_set_get(s, "c.example"), "other");
	assert_string_equal(tr_label_set_get(s, "a.example"), "a.example");
	assert_string_equal(tr_label_set_get(s, "other"), "other");
	assert_string_equal(tr_label_set_get(s, big), "other");
	tr_label_set_free(s);

	s = tr_label_set_new(0);
	assert_string_equal(tr_label_set_get(s, "a.example"), "other");
	tr_label_set_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_counter_and_gauge_text),
		cmocka_unit_test(test_family_without_series),
		cmocka_unit_test(test_histogram_text),
		cmocka_unit_test(test_histogram_no_labels),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_series_bound),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_bad_definitions),
		cmocka_unit_test(test_label_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
