/* test_smtp_syntax.c - the words of SMTP command lines: verbs, paths,
 * parameters and reply-safe text */
#include "testutil.h"

#include "smtp_syntax.h"

/* test_word - the verb, any case, then the end or spaces */
static void
test_word(void **state)
{
	const char *rest = NULL;

	assert_true(tr_smtp_syntax_word("mail  FROM:<a@b>", "MAIL", &rest));
	assert_string_equal(rest, "FROM:<a@b>");
	assert_true(tr_smtp_syntax_word("QUIT", "QUIT", &rest));
	assert_string_equal(rest, "");
	assert_false(tr_smtp_syntax_word("MAILX FROM:<>", "MAIL", &rest));
	assert_false(tr_smtp_syntax_word("MAI", "MAIL", &rest));
}

/* test_path - brackets, bare addresses, source routes and what is refused */
static void
test_path(void **state)
{
	const char *rest = NULL;
	char *a;
	int nomem = 1;

	a = tr_smtp_syntax_path(" <a@b.example> SIZE=10", &rest, &nomem);
	assert_non_null(a);
	assert_int_equal(nomem, 0);
	assert_string_equal(a, "a@b.example");
	assert_string_equal(rest, "SIZE=10");
	free(a);
	a = tr_smtp_syntax_path("<>", &rest, &nomem);
	assert_non_null(a);
	assert_string_equal(a, "");
	free(a);
	a = tr_smtp_syntax_path("bare@b.example", &rest, &nomem);
	assert_non_null(a);
	assert_string_equal(a, "bare@b.example");
	free(a);
	a = tr_smtp_syntax_path("<@relay.example,@r2:x@y.example>", &rest,
	    &nomem);
	assert_non_null(a);
	assert_string_equal(a, "x@y.example");
	free(a);
	a = tr_smtp_syntax_path("<\"a >b\"@c.example>", &rest, &nomem);
	assert_non_null(a);
	assert_string_equal(a, "\"a >b\"@c.example");
	free(a);
	assert_null(tr_smtp_syntax_path("<a@b", &rest, &nomem));
	assert_null(tr_smtp_syntax_path("<a@b>x", &rest, &nomem));
	assert_null(tr_smtp_syntax_path("<\"open@b>", &rest, &nomem));
	assert_null(tr_smtp_syntax_path("<a\001@b>", &rest, &nomem));
	assert_null(tr_smtp_syntax_path("", &rest, &nomem));
	assert_int_equal(nomem, 0);
}

/* test_path_length - 256 bytes with the brackets, not one more */
static void
test_path_length(void **state)
{
	char in[300], *a;
	const char *rest;
	int nomem;

	memset(in, 'x', sizeof(in));
	in[0] = '<';
	in[255] = '>';
	in[256] = '\0';
	a = tr_smtp_syntax_path(in, &rest, &nomem);
	assert_non_null(a);
	assert_int_equal(strlen(a), 254);
	free(a);
	in[255] = 'x';
	in[256] = '>';
	in[257] = '\0';
	assert_null(tr_smtp_syntax_path(in, &rest, &nomem));
}

/* test_param - KEY[=VALUE] one after another, and the bounds */
static void
test_param(void **state)
{
	const char *rest = "SIZE=123  BODY=8BITMIME SMTPUTF8";
	char key[16], val[16];

	assert_int_equal(tr_smtp_syntax_param(&rest, key, sizeof(key), val,
	    sizeof(val)), 1);
	assert_string_equal(key, "SIZE");
	assert_string_equal(val, "123");
	assert_int_equal(tr_smtp_syntax_param(&rest, key, sizeof(key), val,
	    sizeof(val)), 1);
	assert_string_equal(key, "BODY");
	assert_string_equal(val, "8BITMIME");
	assert_int_equal(tr_smtp_syntax_param(&rest, key, sizeof(key), val,
	    sizeof(val)), 1);
	assert_string_equal(key, "SMTPUTF8");
	assert_string_equal(val, "");
	assert_int_equal(tr_smtp_syntax_param(&rest, key, sizeof(key), val,
	    sizeof(val)), 0);
	rest = "=x";
	assert_int_equal(tr_smtp_syntax_param(&rest, key, sizeof(key), val,
	    sizeof(val)), -1);
	rest = "K=0123456789abcdefg";
	assert_int_equal(tr_smtp_syntax_param(&rest, key, sizeof(key), val,
	    sizeof(val)), -1);
}

/* test_clean - printable ASCII only, cut at TR_SMTP_TEXT_MAX with "..." */
static void
test_clean(void **state)
{
	char in[TR_SMTP_TEXT_MAX + 20], out[TR_SMTP_TEXT_MAX + 8];

	tr_smtp_syntax_clean(out, sizeof(out), "h\x1b[2Ji\xc3\xa9");
	assert_string_equal(out, "h?[2Ji??");
	memset(in, 'a', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	tr_smtp_syntax_clean(out, sizeof(out), in);
	assert_int_equal(strlen(out), TR_SMTP_TEXT_MAX + 3);
	assert_string_equal(out + TR_SMTP_TEXT_MAX, "...");
	tr_smtp_syntax_clean(out, 4, "abcdef");
	assert_string_equal(out, "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
