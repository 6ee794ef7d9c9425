/* test_dashboard_auth.c - basic authentication against a users file of crypt(3) hashes */
#include <crypt.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "testutil.h"

#include "dashboard_auth.h"

struct fixture {
	char dir[64];
	char path[128];
	char hash[CRYPT_OUTPUT_SIZE];	/* yescrypt of "s3cret" */
};

/* hash_of - a fresh crypt(3) hash of pw with the method of prefix */
static void
hash_of(const char *pw, const char *prefix, char out[CRYPT_OUTPUT_SIZE])
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn(prefix, 0, NULL, 0, salt,
	    sizeof(salt)));
	assert_non_null(crypt_rn(pw, salt, &cd, sizeof(cd)));
	snprintf(out, CRYPT_OUTPUT_SIZE, "%s", cd.output);
}

/* basic - "Basic " and the base64 of s */
static const char *
basic(const char *s)
{
	static char buf[512];

	memcpy(buf, "Basic ", 6);
	EVP_EncodeBlock((unsigned char *)buf + 6, (const unsigned char *)s,
	    (int)strlen(s));
	return buf;
}

/* write_file - the users file with text */
static void
write_file(struct fixture *fx, const char *text)
{
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-auth.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/users", fx->dir);
	hash_of("s3cret", "$y$", fx->hash);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
test_check(void **state)
{
	struct fixture *fx = *state;
	struct tr_dash_auth *a;
	struct tr_error err;
	char text[1024], sha[CRYPT_OUTPUT_SIZE], user[TR_AUTH_NAME_MAX + 1];
	time_t t = 1000;

	hash_of("other pw", "$6$", sha);
	snprintf(text, sizeof(text), "# operators\n\nalice:%s\nbob:%s\r\n",
	    fx->hash, sha);
	write_file(fx, text);
	assert_non_null(a = tr_dash_auth_load(fx->path, &err));
	assert_int_equal(tr_dash_auth_users(a), 2);

	assert_int_equal(tr_dash_auth_check(a, basic("alice:s3cret"), t++,
	    user), TR_AUTH_OK);
	assert_string_equal(user, "alice");
	assert_int_equal(tr_dash_auth_check(a, basic("bob:other pw"), t++,
	    user), TR_AUTH_OK);
	/* the scheme's name in any case, a password with a colon */
	assert_int_equal(tr_dash_auth_check(a, "bAsIc YWxpY2U6czNjcmV0", t++,
	    NULL), TR_AUTH_OK);
	assert_int_equal(tr_dash_auth_check(a, basic("alice:S3cret"), t++,
	    user), TR_AUTH_DENIED);
	assert_string_equal(user, "alice");
	assert_int_equal(tr_dash_auth_check(a, basic("carol:s3cret"), t++,
	    user), TR_AUTH_DENIED);
	assert_int_equal(tr_dash_auth_check(a, basic("bob:s3cret"), t++, user),
	    TR_AUTH_DENIED);
	assert_int_equal(tr_dash_auth_check(a, basic("alice"), t++, user),
	    TR_AUTH_DENIED);
	assert_int_equal(tr_dash_auth_check(a, NULL, t++, user),
	    TR_AUTH_DENIED);
	assert_string_equal(user, "");
	assert_int_equal(tr_dash_auth_check(a, "Bearer abc", t++, user),
	    TR_AUTH_DENIED);
	assert_int_equal(tr_dash_auth_check(a, "Basic ****", t++, user),
	    TR_AUTH_DENIED);
	assert_int_equal(tr_dash_auth_check(a, "Basic YWxpY2U6czNjcmV0=", t++,
	    user), TR_AUTH_DENIED);
	/* a NUL hidden in the name */
	assert_int_equal(tr_dash_auth_check(a, "Basic YWwAaWNlOnMzY3JldA==",
	    t++, user), TR_AUTH_DENIED);
	/* the hash itself is not a password */
	snprintf(text, sizeof(text), "alice:%s", fx->hash);
	assert_int_equal(tr_dash_auth_check(a, basic(text), t++, user),
	    TR_AUTH_DENIED);
	tr_dash_auth_free(a);
}

static void
test_cache_and_brake(void **state)
{
	struct fixture *fx = *state;
	struct tr_dash_auth *a;
	struct tr_error err;
	char text[512];
	int i;

	snprintf(text, sizeof(text), "alice:%s\n", fx->hash);
	write_file(fx, text);
	assert_non_null(a = tr_dash_auth_load(fx->path, &err));
	/* five failures in second 50: the sixth guess is not even hashed */
	for (i = 0; i < TR_AUTH_FAILS_PER_SECOND; i++)
		assert_int_equal(tr_dash_auth_check(a, basic("alice:guess"),
		    50, NULL), TR_AUTH_DENIED);
	assert_int_equal(tr_dash_auth_check(a, basic("alice:s3cret"), 50,
	    NULL), TR_AUTH_BUSY);
	/* the next second the right password passes, and is remembered */
	assert_int_equal(tr_dash_auth_check(a, basic("alice:s3cret"), 51,
	    NULL), TR_AUTH_OK);
	for (i = 0; i < TR_AUTH_FAILS_PER_SECOND; i++)
		assert_int_equal(tr_dash_auth_check(a, basic("alice:guess"),
		    52, NULL), TR_AUTH_DENIED);
	/* a remembered login passes even while guesses are braked ... */
	assert_int_equal(tr_dash_auth_check(a, basic("alice:s3cret"), 52,
	    NULL), TR_AUTH_OK);
	/* ... until it is TR_AUTH_CACHE_SECONDS old: then it is hashed again */
	assert_int_equal(tr_dash_auth_check(a, basic("alice:s3cret"),
	    51 + TR_AUTH_CACHE_SECONDS, NULL), TR_AUTH_OK);
	tr_dash_auth_free(a);
}

/* refused - the users file text fails to load with a message starting
 * with want (after the path), and the message holds no hash */
static void
refused(struct fixture *fx, const char *text, const char *want)
{
	struct tr_error err;
	const char *m;

	write_file(fx, text);
	assert_null(tr_dash_auth_load(fx->path, &err));
	assert_int_equal(err.code, TR_ERR_SCHEMA);
	m = err.msg + strlen(fx->path);
	assert_memory_equal(m, want, strlen(want));
	assert_null(strstr(err.msg, "$y$"));
	assert_null(strstr(err.msg, "$6$"));
}

static void
test_bad_files(void **state)
{
	struct fixture *fx = *state;
	struct tr_error err;
	char text[1024];

	refused(fx, "", ": no user");
	refused(fx, "# nobody\n", ": no user");
	refused(fx, "alice\n", ":1: expected name:hash");
	refused(fx, ":$y$j9T$x$y\n", ":1: a name is 1 to 64 bytes");
	refused(fx, "al ice:$y$j9T$x$y\n", ":1: a name is printable ASCII");
	refused(fx, "alice:plaintext\n", ":1: the hash is not one crypt(3) "
	    "writes");
	/* DES and MD5 crypt are refused */
	refused(fx, "alice:$1$abc$def\n", ":1: the hash is not one");
	snprintf(text, sizeof(text), "alice:%s\nalice:%s\n", fx->hash,
	    fx->hash);
	refused(fx, text, ":2: user alice given twice");
	unlink(fx->path);
	assert_null(tr_dash_auth_load(fx->path, &err));
	assert_int_equal(err.code, TR_ERR_IO);
	assert_non_null(strstr(err.msg, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_and_brake, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
