/* test_json_text.c - UTF-8 check, strict parse and duplicate names of a
 * report's JSON text, each on its own */
#include "testutil.h"

#include <json-c/json.h>

#include "error.h"
#include "json_text.h"

#define assert_code(rc, want, e) do {					\
	if ((rc) != (want))						\
		fail_msg("got %s (\"%s\"), want %s", tr_err_name(rc),	\
		    (e).msg, tr_err_name(want));			\
} while (0)

/* utf8_at - tr_json_text_utf8 of the NUL-terminated s, *seq too */
static size_t
utf8_at(const char *s, size_t len, size_t *seq)
{
	return tr_json_text_utf8((const unsigned char *)s, len, seq);
}

/* test_utf8_good - ASCII, every sequence length and the edges of the
 * ranges pass, in whatever word alignment */
static void
test_utf8_good(void **state)
{
	static const char *good[] = {
		"", "plain ASCII that is longer than eight bytes {}",
		"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7",
	};
	char buf[80];
	size_t i, pad, seq, len;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		for (pad = 0; pad < 9; pad++) {
			memset(buf, 'x', pad);
			len = strlen(good[i]);
			memcpy(buf + pad, good[i], len + 1);
			seq = 99;
			assert_int_equal(utf8_at(buf, pad + len, &seq),
			    pad + len);
			assert_int_equal(seq, 0);
		}
}

/* test_utf8_bad - the offset and length of each kind of bad sequence */
static void
test_utf8_bad(void **state)
{
	static const struct {
		const char *s;
		size_t len, off, seq;
	} bad[] = {
		{ "ab\xc0\xaf", 4, 2, 2 },		/* overlong '/' */
		{ "\xc1\xbf", 2, 0, 2 },		/* overlong */
		{ "\xe0\x9f\xbf", 3, 0, 3 },		/* overlong, 3 bytes */
		{ "12345678\xed\xa0\x80", 11, 8, 3 },	/* surrogate */
		{ "\xf0\x8f\xbf\xbf", 4, 0, 4 },	/* overlong, 4 bytes */
		{ "\xf4\x90\x80\x80", 4, 0, 4 },	/* past U+10FFFF */
		{ "\xf5\x80\x80\x80", 4, 0, 4 },	/* no such lead */
		{ "x\x80", 2, 1, 1 },			/* lone continuation */
		{ "x\xe2\x82", 3, 1, 2 },		/* cut short */
		{ "\xc3(", 2, 0, 1 },			/* no continuation */
		{ "abc\0def", 7, 3, 1 },		/* NUL */
		{ "abcdefgh\0", 9, 8, 1 },		/* NUL after a word */
	};
	size_t i, seq;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		seq = 0;
		if (utf8_at(bad[i].s, bad[i].len, &seq) != bad[i].off ||
		    seq != bad[i].seq)
			fail_msg("case %zu: offset %zu seq %zu, want %zu %zu",
			    i, utf8_at(bad[i].s, bad[i].len, &seq), seq,
			    bad[i].off, bad[i].seq);
	}
}

/* parse - tr_json_text_parse of s; the tree is released */
static enum tr_err
parse(const char *s, unsigned depth, struct tr_error *err)
{
	struct json_object *root = NULL;
	enum tr_err rc;

	rc = tr_json_text_parse(s, strlen(s), 10, depth, &root, err);
	if (rc == TR_OK)
		assert_non_null(root);
	else
		assert_null(root);
	json_object_put(root);
	return rc;
}

/* test_parse - strict JSON, depth, trailing data, offsets from base */
static void
test_parse(void **state)
{
	struct tr_error err;
	enum tr_err rc;

	(void)state;
	rc = parse(" {\"a\":[1,{\"b\":null}]} \r\n", 4, &err);
	assert_code(rc, TR_OK, err);
	rc = parse("{\"a\":[1,{\"b\":null}]}", 3, &err);
	assert_code(rc, TR_ERR_JSON_DEPTH, err);
	assert_non_null(strstr(err.msg, "deeper than 3 levels"));
	rc = parse("{\"a\":1} x", 16, &err);
	assert_code(rc, TR_ERR_JSON, err);
	/* base 10 plus the 8 bytes before the x */
	assert_non_null(strstr(err.msg, "at byte offset 18"));
	rc = parse("{\"a\":01}", 16, &err);
	assert_code(rc, TR_ERR_JSON, err);
	assert_non_null(strstr(err.msg, "JSON syntax error at byte offset"));
	rc = parse("{\"a\":", 16, &err);
	assert_code(rc, TR_ERR_JSON, err);
	rc = parse("null", 16, &err);
	assert_code(rc, TR_ERR_SCHEMA, err);
	assert_non_null(strstr(err.msg, "got null"));
}

/* dups - tr_json_text_dups of s, which must parse */
static enum tr_err
dups(const char *s, struct tr_error *err)
{
	assert_code(parse(s, 64, err), TR_OK, *err);
	tr_error_clear(err);
	return tr_json_text_dups(s, strlen(s), err);
}

/* test_dups - a repeated name is found with its path; the same name in
 * other objects, in strings or in arrays is not a repeat */
static void
test_dups(void **state)
{
	struct tr_error err;
	enum tr_err rc;

	(void)state;
	rc = dups("{\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}],"
	    "\"d\":\"{\\\"a\\\":1,\\\"a\\\":2}\",\"e\":[\"a\",\"a\"]}", &err);
	assert_code(rc, TR_OK, err);
	rc = dups("{\"a\":1,\"b\":2,\"a\":3}", &err);
	assert_code(rc, TR_ERR_SCHEMA, err);
	assert_string_equal(err.msg, "duplicate field \"a\"");
	rc = dups("{\"p\":[{},{\"s\":{\"x\\\"y\":1,\"x\\\"y\":2}}]}", &err);
	assert_code(rc, TR_ERR_SCHEMA, err);
	assert_string_equal(err.msg,
	    "p[1].s: duplicate field \"x\\\\\\\"y\"");
	/* written differently, the same name to json-c: not taken as one */
	rc = dups("{\"a\":1,\"\\u0061\":2}", &err);
	assert_code(rc, TR_OK, err);
}

/* test_dups_big - objects past the one-by-one check are sorted when they
 * close; the repeat is found wherever it is, and nesting past the frames
 * kept on the stack works */
static void
test_dups_big(void **state)
{
	struct tr_error err;
	char *s;
	size_t o = 0, i, cap = 64 * 1024;
	enum tr_err rc;

	(void)state;
	s = malloc(cap);
	assert_non_null(s);
	o += (size_t)snprintf(s + o, cap - o, "{");
	for (i = 0; i < 500; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s\"k%zu\":%zu",
		    i > 0 ? "," : "", i, i);
	o += (size_t)snprintf(s + o, cap - o, "}");
	rc = dups(s, &err);
	assert_code(rc, TR_OK, err);
	s[o - 1] = '\0';
	o--;
	o += (size_t)snprintf(s + o, cap - o, ",\"k250\":0}");
	rc = dups(s, &err);
	assert_code(rc, TR_ERR_SCHEMA, err);
	assert_string_equal(err.msg, "duplicate field \"k250\"");

	/* 40 levels, deeper than the frames kept on the stack */
	for (o = 0, i = 0; i < 40; i++)
		o += (size_t)snprintf(s + o, cap - o, "{\"n\":");
	o += (size_t)snprintf(s + o, cap - o, "{\"z\":1,\"z\":2}");
	for (i = 0; i < 40; i++)
		s[o++] = '}';
	s[o] = '\0';
	rc = dups(s, &err);
	assert_code(rc, TR_ERR_SCHEMA, err);
	assert_non_null(strstr(err.msg, "n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n"));
	assert_non_null(strstr(err.msg, ": duplicate field \"z\""));
	free(s);
}

/* same - tr_json_text_same of two C strings */
static int
same(const char *a, const char *b)
{
	return tr_json_text_same(a, strlen(a), b, strlen(b));
}

/* test_same - the same text whatever the whitespace between tokens; any
 * other difference counts, and whitespace inside a string counts */
static void
test_same(void **state)
{
	const char *r = "{\"organization-name\":\"Org\",\"policies\":"
	    "[{\"summary\":{\"total-successful-session-count\":5}}]}";

	(void)state;
	assert_int_equal(same(r, r), 1);
	assert_int_equal(same(r, "{ \"organization-name\" : \"Org\",\n"
	    "  \"policies\": [ { \"summary\": {\r\n\t"
	    "\"total-successful-session-count\": 5 } } ] }\n"), 1);
	assert_int_equal(same(" [1, 2]\n", "[1,2]"), 1);
	/* a value, a name, an array's order, a member more, a type */
	assert_int_equal(same(r, "{\"organization-name\":\"Org\",\"policies\":"
	    "[{\"summary\":{\"total-successful-session-count\":6}}]}"), 0);
	assert_int_equal(same(r, "{\"organization-name\":\"org\",\"policies\":"
	    "[{\"summary\":{\"total-successful-session-count\":5}}]}"), 0);
	assert_int_equal(same("[1,2]", "[2,1]"), 0);
	assert_int_equal(same("{\"a\":1}", "{\"a\":1,\"b\":1}"), 0);
	assert_int_equal(same("{\"a\":1}", "{\"a\":\"1\"}"), 0);
	/* counted as written: member order, escapes, number forms */
	assert_int_equal(same("{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}"), 0);
	assert_int_equal(same("[\"O\"]", "[\"\\u004f\"]"), 0);
	assert_int_equal(same("[1.0]", "[1]"), 0);
	/* whitespace inside a string, after an escaped quote too, counts */
	assert_int_equal(same("[\"a b\"]", "[\"ab\"]"), 0);
	assert_int_equal(same("[\"a\\\" b\"]", "[\"a\\\"b\"]"), 0);
	assert_int_equal(same("[\"a\\\\\", \"b\"]",
	    "[\"a\\\\\",\"b\"]"), 1);
	/* one text a prefix of the other */
	assert_int_equal(same("[1]", "[1] x"), 0);
	assert_int_equal(same("", "  "), 1);
}

/* main - run every json_text test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_good),
		cmocka_unit_test(test_utf8_bad),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_dups),
		cmocka_unit_test(test_dups_big),
		cmocka_unit_test(test_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
