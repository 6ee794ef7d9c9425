/* test_table.c - the output writer: alignment, UTF-8 widths, escapes, CSV, JSON */
#include <sys/resource.h>
#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include "testutil.h"

#include "table.h"
#include "term_text.h"

static const struct tr_column cols[] = {
	{ "name", TR_COL_TEXT, 8 },
	{ "n", TR_COL_INT, 0 },
	{ "rate", TR_COL_RATE, 0 },
};

/* written - t in format f as a string (free it) */
static char *
written(const struct tr_table *t, enum tr_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(tr_table_write(t, f, out), 0);
	fclose(out);
	return buf;
}

static struct tr_table *
sample(void)
{
	struct tr_table *t = tr_table_new(cols, 3);

	assert_non_null(t);
	tr_table_row(t);
	tr_table_text(t, "Grüße");
	tr_table_int(t, 12345);
	tr_table_real(t, 0.053828388);
	tr_table_row(t);
	tr_table_text(t, "日本語ドメイン");	/* 14 columns wide: cut */
	tr_table_int(t, -1);
	tr_table_null(t);
	tr_table_row(t);
	tr_table_text(t, "a,\"b\"\n\x1b[2J");
	tr_table_int(t, 0);
	tr_table_real(t, 1.0);
	return t;
}

/* test_table_aligned - display widths, not bytes; cut with an ellipsis;
 * control characters escaped */
static void
test_table_aligned(void **state)
{
	struct tr_table *t = sample();
	char *s = written(t, TR_FORMAT_TABLE);

	assert_string_equal(s,
	    "name          n     rate\n"
	    "--------  -----  -------\n"
	    "Grüße     12345    5.38%\n"
	    "日本語…      -1        -\n"
	    "a,\"b\"\\n…      0  100.00%\n");
	free(s);
	tr_table_free(t);
}

/* test_csv - RFC 4180 quoting, CRLF, empty for null, fractions, control
 * characters escaped */
static void
test_csv(void **state)
{
	struct tr_table *t = sample();
	char *s = written(t, TR_FORMAT_CSV);

	assert_string_equal(s,
	    "name,n,rate\r\n"
	    "Grüße,12345,0.053828\r\n"
	    "日本語ドメイン,-1,\r\n"
	    /* control characters escaped as in the table: no raw ESC
	     * reaches a terminal, a record stays on one line */
	    "\"a,\"\"b\"\"\\n\\x1b[2J\",0,1\r\n");
	free(s);
	tr_table_free(t);
}

/* test_json - an array of objects, null for null, invalid UTF-8 repaired */
static void
test_json(void **state)
{
	struct tr_table *t = tr_table_new(cols, 3);
	char *s;

	tr_table_row(t);
	tr_table_text(t, "bad\xff\xc0");
	tr_table_int(t, 7);
	tr_table_null(t);
	s = written(t, TR_FORMAT_JSON);
	assert_string_equal(s,
	    "[\n"
	    "  {\n"
	    "    \"name\":\"bad\xef\xbf\xbd\xef\xbf\xbd\",\n"
	    "    \"n\":7,\n"
	    "    \"rate\":null\n"
	    "  }\n"
	    "]\n");
	free(s);
	tr_table_free(t);
}

/* test_empty_and_record - a header alone; a record as name/value lines */
static void
test_empty_and_record(void **state)
{
	struct tr_table *t = tr_table_new(cols, 3);
	char *s = written(t, TR_FORMAT_TABLE), *buf = NULL;
	size_t len = 0;
	FILE *out;

	assert_string_equal(s, "name  n  rate\n----  -  ----\n");
	free(s);
	s = written(t, TR_FORMAT_JSON);
	assert_string_equal(s, "[\n]\n");
	free(s);
	tr_table_row(t);
	tr_table_text(t, "a very long name, not cut in a record");
	tr_table_int(t, 3);
	out = open_memstream(&buf, &len);
	assert_int_equal(tr_table_write_record(t, out), 0);
	fclose(out);
	assert_string_equal(buf, "name  a very long name, not cut in a record\n"
	    "n     3\n"
	    "rate  -\n");
	free(buf);
	assert_int_equal(tr_table_nrows(t), 1);
	tr_table_drop_last(t);
	assert_int_equal(tr_table_nrows(t), 0);
	tr_table_free(t);
}

/* test_width - combining marks take no column, wide characters two,
 * bidi overrides are escaped */
static void
test_width(void **state)
{
	assert_int_equal(tr_term_width("e\xcc\x81", 3), 1);
	assert_int_equal(tr_term_width("\xe4\xb8\xad", 3), 2);
	assert_int_equal(tr_term_width("\xe2\x80\xae", 3), 6);	/* \u202e */
	assert_int_equal(tr_term_width("\xff", 1), 4);		/* \xff */
	assert_int_equal(tr_term_width("", 0), 0);
}

static void
test_format_parse(void **state)
{
	enum tr_format f;

	assert_int_equal(tr_format_parse("csv", &f), 0);
	assert_int_equal(f, TR_FORMAT_CSV);
	assert_int_equal(tr_format_parse("json", &f), 0);
	assert_int_equal(f, TR_FORMAT_JSON);
	assert_int_equal(tr_format_parse("table", &f), 0);
	assert_int_equal(f, TR_FORMAT_TABLE);
	assert_int_equal(tr_format_parse("xml", &f), -1);
}

/* aborts - whether fn(t) makes a child process abort */
static int
aborts(void (*fn)(struct tr_table *))
{
	struct rlimit no_core = { 0, 0 };
	struct tr_table *t;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &no_core);
		/* the panic line goes to standard error: not into the output */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		if ((t = tr_table_new(cols, 3)) == NULL)
			_exit(3);
		fn(t);
		tr_table_free(t);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
full_row(struct tr_table *t)
{
	tr_table_row(t);
	tr_table_text(t, "a");
	tr_table_int(t, 1);
	tr_table_real(t, 0.5);
}

static void
past_the_row(struct tr_table *t)
{
	full_row(t);
	tr_table_null(t);
}

static void
before_a_row(struct tr_table *t)
{
	tr_table_text(t, "a");
}

/* test_misuse - a value outside a row is a bug in the caller: a panic,
 * not an error to pass on as if memory had run out */
static void
test_misuse(void **state)
{
	assert_false(aborts(full_row));
	assert_true(aborts(past_the_row));
	assert_true(aborts(before_a_row));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_aligned),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_empty_and_record),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
