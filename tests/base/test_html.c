/* test_html.c - the dashboard's escaper and buffer, fed hostile strings */
#include "testutil.h"

#include "html.h"

/* escaped - s[0..n) through tr_html_escape (free it) */
static char *
escaped(const char *s, size_t n)
{
	struct tr_buf b = { 0 };

	tr_html_escape(&b, s, n);
	assert_true(tr_buf_ok(&b));
	if (b.p == NULL)
		return strdup("");
	return b.p;
}

/* check - s escapes to want */
static void
check(const char *s, const char *want)
{
	char *got = escaped(s, strlen(s));

	assert_string_equal(got, want);
	free(got);
}

static void
test_specials(void **state)
{
	check("", "");
	check("plain text, über", "plain text, über");
	check("<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	check("\"onload=\"x", "&quot;onload=&quot;x");
	check("a'b&c", "a&#39;b&amp;c");
	check("</svg><svg onload=alert(1)>",
	    "&lt;/svg&gt;&lt;svg onload=alert(1)&gt;");
	check("&amp;", "&amp;amp;");
	check("tab\tand\nnewline", "tab\tand\nnewline");
}

static void
test_controls_and_bad_utf8(void **state)
{
	char *got;

	/* a terminal escape, a carriage return, DEL and a C1 control (U+009B,
	 * the one-byte CSI) each become one U+FFFD */
	check("\x1b[31mred\x1b[0m", "\xef\xbf\xbd[31mred\xef\xbf\xbd[0m");
	check("a\rb\x7f" "c", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
	check("\xc2\x9b" "x", "\xef\xbf\xbd\xef\xbf\xbd" "x");
	/* invalid UTF-8: a lone continuation, an overlong '<', a surrogate,
	 * a truncated sequence at the end */
	check("\x80", "\xef\xbf\xbd");
	check("\xc0\xbc", "\xef\xbf\xbd\xef\xbf\xbd");
	check("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check("ok\xe2\x82", "ok\xef\xbf\xbd\xef\xbf\xbd");
	/* NUL inside the length is replaced, not a terminator */
	got = escaped("a\0<", 3);
	assert_string_equal(got, "a\xef\xbf\xbd&lt;");
	free(got);
	/* a right-to-left override would show "gnp.exe" as "exe.png": it and
	 * the other embeddings and isolates become one U+FFFD; the marks
	 * (U+200F) and right-to-left text itself stay */
	check("\xe2\x80\xaegnp.exe", "\xef\xbf\xbdgnp.exe");
	check("\xe2\x81\xa6x\xe2\x81\xa9", "\xef\xbf\xbdx\xef\xbf\xbd");
	check("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check("\xe2\x80\x8f\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
	    "\xe2\x80\x8f\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");
	check("\xe2\x80\xa9", "\xe2\x80\xa9");
	check("\xf0\x9f\x94\x92 lock", "\xf0\x9f\x94\x92 lock");
}

static void
test_no_markup_survives(void **state)
{
	/* every byte value, one at a time and in a long run: the output never
	 * holds a raw < > " ' or a control other than tab and newline */
	char in[256 * 3], *got;
	size_t i;

	for (i = 0; i < 256; i++) {
		in[3 * i] = (char)i;
		in[3 * i + 1] = (char)(255 - i);
		in[3 * i + 2] = '<';
	}
	got = escaped(in, sizeof(in));
	for (i = 0; got[i] != '\0'; i++) {
		assert_false(strchr("<>\"'", got[i]) != NULL);
		assert_false((unsigned char)got[i] < 0x20 && got[i] != '\t' &&
		    got[i] != '\n');
		assert_false((unsigned char)got[i] == 0x7f);
	}
	free(got);
}

static void
test_long_string(void **state)
{
	size_t n = 1 << 20, i;
	char *s = malloc(n), *got;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = i % 2 ? '<' : 'a';
	got = escaped(s, n);
	assert_int_equal(strlen(got), n / 2 * 5);
	assert_memory_equal(got, "a&lt;a&lt;", 10);
	free(got);
	free(s);
}

static void
test_url_encode(void **state)
{
	struct tr_buf b = { 0 };

	tr_url_encode(&b, "Google Inc.");
	tr_buf_str(&b, "|");
	tr_url_encode(&b, "a&b=c\"<>'/?#%+");
	tr_buf_str(&b, "|");
	tr_url_encode(&b, "\xc3\xbc~_-");
	assert_string_equal(b.p, "Google%20Inc.|a%26b%3Dc%22%3C%3E%27%2F%3F"
	    "%23%25%2B|%C3%BC~_-");
	tr_buf_free(&b);
	assert_null(b.p);
}

static void
test_buf(void **state)
{
	struct tr_buf b = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		tr_buf_printf(&b, "%d,", i);
	assert_true(tr_buf_ok(&b));
	assert_int_equal(b.len, strlen(b.p));
	assert_memory_equal(b.p, "0,1,2,", 6);
	assert_string_equal(b.p + b.len - 4, "999,");
	tr_buf_add(&b, "", 0);
	tr_html_text(&b, NULL);
	assert_string_equal(b.p + b.len - 4, "999,");
	tr_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_controls_and_bad_utf8),
		cmocka_unit_test(test_no_markup_survives),
		cmocka_unit_test(test_long_string),
		cmocka_unit_test(test_url_encode),
		cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
