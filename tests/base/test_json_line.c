/* test_json_line.c - json-c values as one line of JSON: the same text as
 * json-c's own writer for well-formed UTF-8, \ufffd for every byte that is
 * not */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include <json-c/json.h>

#include "json_line.h"

/* text - v written by tr_json_line_value, NUL-terminated (free it) */
static char *
text(struct json_object *v)
{
	struct tr_json_line l = { 0 };
	char *s;

	tr_json_line_value(&l, v);
	assert_false(l.nomem);
	s = malloc(l.len + 1);
	assert_non_null(s);
	memcpy(s, l.buf, l.len);
	s[l.len] = '\0';
	tr_json_line_free(&l);
	return s;
}

/* same_as_jsonc - our text of v is json-c's */
static void
same_as_jsonc(struct json_object *v)
{
	char *ours = text(v);

	assert_string_equal(ours, json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	free(ours);
}

/* rnd - a small xorshift generator, so every run draws the same trees */
static uint64_t seed = 0x9e3779b97f4a7c15ULL;
static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* rnd_string - a string of ASCII (controls, quotes, backslashes and slashes
 * included) and well-formed UTF-8 of every length */
static struct json_object *
rnd_string(void)
{
	static const char *const pieces[] = {
		"a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t",
		"\x01", "\x1f", "\x7f", "</script>", "\xc3\xa9", "\xe2\x80\xa8",
		"\xef\xbf\xbd", "\xf0\x9f\x94\x92", "\xf4\x8f\xbf\xbf",
		"\xed\x9f\xbf", "\xee\x80\x80", "{", "}", ":", ",",
	};
	char buf[256];
	size_t n = 0, k, i, count = rnd() % 12;

	for (i = 0; i < count; i++) {
		const char *p = pieces[rnd() % (sizeof(pieces) /
		    sizeof(pieces[0]))];
		k = strlen(p);
		memcpy(buf + n, p, k);
		n += k;
	}
	return json_object_new_string_len(buf, (int)n);
}

/* rnd_value - a value of any kind, nested at most depth deep */
static struct json_object *
rnd_value(int depth)
{
	static const int64_t ints[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN,
	    1000000007, -9000000000LL };
	static const double dbls[] = { 0.0, 0.5, -2.25, 1e300, 1.0 / 3,
	    0.0018198959987785202, 100.0 };
	struct json_object *v;
	char key[8];
	size_t i, n;

	switch (rnd() % (depth > 0 ? 8 : 6)) {
	case 0:
		return NULL;
	case 1:
		return json_object_new_boolean(rnd() % 2);
	case 2:
		return json_object_new_int64(ints[rnd() % 8]);
	case 3:
		return json_object_new_double(dbls[rnd() % 7]);
	case 4:
	case 5:
		return rnd_string();
	case 6:
		v = json_object_new_array();
		for (i = 0, n = rnd() % 5; i < n; i++)
			json_object_array_add(v, rnd_value(depth - 1));
		return v;
	default:
		v = json_object_new_object();
		for (i = 0, n = rnd() % 5; i < n; i++) {
			struct json_object *k = rnd_string();

			/* names with escapes, and plain ones */
			if (rnd() % 2) {
				snprintf(key, sizeof(key), "k%zu", i);
				json_object_object_add(v, key,
				    rnd_value(depth - 1));
			} else
				json_object_object_add(v,
				    json_object_get_string(k),
				    rnd_value(depth - 1));
			json_object_put(k);
		}
		return v;
	}
}

/* test_like_jsonc - 5,000 random trees come out as json-c writes them */
static void
test_like_jsonc(void **state)
{
	struct json_object *v;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		v = rnd_value(4);
		same_as_jsonc(v);
		json_object_put(v);
	}
	/* the fixed cases: empty containers, a double made from text */
	v = json_object_new_object();
	json_object_object_add(v, "a", json_object_new_array());
	json_object_object_add(v, "b", json_object_new_object());
	json_object_object_add(v, "c", NULL);
	json_object_object_add(v, "d", json_object_new_double_s(0.25,
	    "0.250"));
	same_as_jsonc(v);
	json_object_put(v);
}

/* str - tr_json_line_string of a C string (free it) */
static char *
str(const char *s)
{
	struct tr_json_line l = { 0 };
	char *out;

	tr_json_line_string(&l, s, strlen(s));
	tr_json_line_raw(&l, "", 1);
	assert_false(l.nomem);
	out = strdup(l.buf);
	tr_json_line_free(&l);
	return out;
}

/* check_str - str(s) is want */
static void
check_str(const char *s, const char *want)
{
	char *got = str(s);

	assert_string_equal(got, want);
	free(got);
}

/* test_bad_utf8 - each byte that is not part of well-formed UTF-8 is one
 * \ufffd; the well-formed sequences around it stay */
static void
test_bad_utf8(void **state)
{
	(void)state;
	check_str("caf\xe9", "\"caf\\ufffd\"");
	check_str("\xff\xfe", "\"\\ufffd\\ufffd\"");
	/* overlong, surrogate, past U+10FFFF, cut short */
	check_str("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	check_str("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	check_str("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check_str("a\xe2\x82", "\"a\\ufffd\\ufffd\"");
	check_str("\xe2\x82\xac\x80\xe2\x82\xac",
	    "\"\xe2\x82\xac\\ufffd\xe2\x82\xac\"");
	/* with escapes beside it */
	check_str("\"\xff\n", "\"\\\"\\ufffd\\n\"");
	check_str("", "\"\"");
}

/* test_grows - a line far past the first allocation is whole */
static void
test_grows(void **state)
{
	struct tr_json_line l = { 0 };
	char *big = malloc(100001);
	size_t i;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < 100000; i++)
		big[i] = (char)('a' + i % 26);
	big[100000] = '\0';
	tr_json_line_string(&l, big, 100000);
	assert_false(l.nomem);
	assert_int_equal(l.len, 100002);
	assert_int_equal(l.buf[0], '"');
	assert_memory_equal(l.buf + 1, big, 100000);
	tr_json_line_free(&l);
	assert_null(l.buf);
	assert_int_equal(l.len, 0);
	free(big);
}

/* main - run every json_line test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_like_jsonc),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
