/* dashboard_auth.c - basic authentication: a users file of crypt(3) hashes, a cache, a brake */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "dashboard_auth.h"

#define CACHE_SLOTS	32

struct user {
	char name[TR_AUTH_NAME_MAX + 1];
	char hash[TR_AUTH_HASH_MAX + 1];
};

struct cached {
	unsigned char key[32];	/* SHA-256 of the salt and the header */
	time_t until;		/* 0: empty */
};

struct tr_dash_auth {
	struct user *users;
	size_t n;
	unsigned char salt[16];		/* so cache keys say nothing */
	struct cached cache[CACHE_SLOTS];
	size_t next;			/* the slot to reuse */
	time_t fail_second;		/* the second of the failures counted */
	unsigned fails;
	char dummy[CRYPT_OUTPUT_SIZE];	/* checked for unknown names */
};

/* known_prefix - a hash crypt(3) writes for one of the methods we take */
static int
known_prefix(const char *h)
{
	static const char *const prefixes[] = {
		"$y$", "$gy$", "$7$", "$2b$", "$2y$", "$6$", "$5$",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(h, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* parse_line - "name:hash" into u; a reason on failure */
static const char *
parse_line(char *line, struct user *u)
{
	char *colon = strchr(line, ':');
	size_t i, n;

	if (colon == NULL)
		return "expected name:hash";
	n = (size_t)(colon - line);
	if (n == 0 || n > TR_AUTH_NAME_MAX)
		return "a name is 1 to 64 bytes";
	for (i = 0; i < n; i++)
		if (line[i] <= ' ' || line[i] >= 0x7f)
			return "a name is printable ASCII without spaces";
	memcpy(u->name, line, n);
	u->name[n] = '\0';
	if (strlen(colon + 1) > TR_AUTH_HASH_MAX || !known_prefix(colon + 1))
		return "the hash is not one crypt(3) writes with yescrypt, "
		    "scrypt, bcrypt or SHA-crypt (make one with mkpasswd -m "
		    "yescrypt)";
	strcpy(u->hash, colon + 1);
	return NULL;
}

/* tr_dash_auth_load - read and check the users file */
struct tr_dash_auth *
tr_dash_auth_load(const char *path, struct tr_error *err)
{
	struct tr_dash_auth *a;
	struct crypt_data *cd = NULL;
	char line[512], salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *why;
	unsigned lineno = 0;
	size_t len, k;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		tr_error_set(err, TR_ERR_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->users = calloc(TR_AUTH_MAX_USERS, sizeof(*a->users))) ==
	    NULL || (cd = calloc(1, sizeof(*cd))) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			tr_error_set(err, TR_ERR_SCHEMA, "%s:%u: line too long",
			    path, lineno);
			goto fail;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (a->n == TR_AUTH_MAX_USERS) {
			tr_error_set(err, TR_ERR_SCHEMA, "%s:%u: more than %d "
			    "users", path, lineno, TR_AUTH_MAX_USERS);
			goto fail;
		}
		if ((why = parse_line(line, &a->users[a->n])) != NULL) {
			tr_error_set(err, TR_ERR_SCHEMA, "%s:%u: %s", path,
			    lineno, why);
			goto fail;
		}
		for (k = 0; k < a->n; k++)
			if (strcmp(a->users[k].name, a->users[a->n].name) == 0) {
				tr_error_set(err, TR_ERR_SCHEMA, "%s:%u: user "
				    "%s given twice", path, lineno,
				    a->users[k].name);
				goto fail;
			}
		a->n++;
	}
	if (ferror(f)) {
		tr_error_set(err, TR_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (a->n == 0) {
		tr_error_set(err, TR_ERR_SCHEMA, "%s: no user", path);
		goto fail;
	}
	/* a dummy hash of the first user's method for unknown names */
	if (RAND_bytes(a->salt, sizeof(a->salt)) != 1 ||
	    crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    crypt_rn("no user", salt, cd, sizeof(*cd)) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "%s: cannot set up hashing",
		    path);
		goto fail;
	}
	snprintf(a->dummy, sizeof(a->dummy), "%s", cd->output);
	free(cd);
	fclose(f);
	return a;
fail:
	free(cd);
	fclose(f);
	tr_dash_auth_free(a);
	return NULL;
}

/* tr_dash_auth_free - forget the users, wiping their hashes */
void
tr_dash_auth_free(struct tr_dash_auth *a)
{
	if (a == NULL)
		return;
	if (a->users != NULL)
		OPENSSL_cleanse(a->users, TR_AUTH_MAX_USERS * sizeof(*a->users));
	free(a->users);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

/* tr_dash_auth_users - the number of users */
size_t
tr_dash_auth_users(const struct tr_dash_auth *a)
{
	return a->n;
}

/* cache_key - SHA-256 of our salt and the header */
static int
cache_key(const struct tr_dash_auth *a, const char *header,
    unsigned char key[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, a->salt, sizeof(a->salt)) == 1 &&
	    EVP_DigestUpdate(c, header, strlen(header)) == 1 &&
	    EVP_DigestFinal_ex(c, key, NULL) == 1;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* decode - "Basic base64" into name and password (in buf); -1 if not */
static int
decode(const char *header, char *buf, size_t bufsz, char **pass)
{
	const char *b64;
	size_t n, pad = 0;
	int len;
	char *colon;

	if (strncasecmp(header, "Basic ", 6) != 0)
		return -1;
	for (b64 = header + 6; *b64 == ' '; b64++)
		;
	n = strlen(b64);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= bufsz ||
	    strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != n)
		return -1;
	if (b64[n - 1] == '=')
		pad = b64[n - 2] == '=' ? 2 : 1;
	if ((len = EVP_DecodeBlock((unsigned char *)buf,
	    (const unsigned char *)b64, (int)n)) < 0 || (size_t)len < pad)
		return -1;
	len -= (int)pad;
	buf[len] = '\0';
	if (memchr(buf, '\0', (size_t)len) != NULL ||
	    (colon = strchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	*pass = colon + 1;
	return 0;
}

/* tr_dash_auth_check - cached, braked, constant-shape password check */
enum tr_auth
tr_dash_auth_check(struct tr_dash_auth *a, const char *header, time_t now,
    char user[TR_AUTH_NAME_MAX + 1])
{
	char buf[TR_AUTH_HEADER_MAX], *pass;
	unsigned char key[32];
	struct crypt_data *cd;
	const char *hash, *out;
	size_t i;
	int ok, keyed;

	if (user != NULL)
		user[0] = '\0';
	if (header == NULL || strlen(header) >= sizeof(buf) ||
	    decode(header, buf, sizeof(buf), &pass) == -1)
		return TR_AUTH_DENIED;
	if (user != NULL) {
		/* printable, for the log line of a failure */
		for (i = 0; buf[i] != '\0' && i < TR_AUTH_NAME_MAX; i++)
			user[i] = buf[i] > ' ' && buf[i] < 0x7f ? buf[i] : '?';
		user[i] = '\0';
	}
	if ((keyed = cache_key(a, header, key) == 0))
		for (i = 0; i < CACHE_SLOTS; i++)
			if (a->cache[i].until > now &&
			    CRYPTO_memcmp(a->cache[i].key, key, 32) == 0) {
				OPENSSL_cleanse(buf, sizeof(buf));
				return TR_AUTH_OK;
			}
	if (a->fail_second == now && a->fails >= TR_AUTH_FAILS_PER_SECOND) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return TR_AUTH_BUSY;
	}
	hash = a->dummy;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->users[i].name, buf) == 0)
			hash = a->users[i].hash;
	ok = 0;
	if ((cd = calloc(1, sizeof(*cd))) != NULL) {
		out = crypt_rn(pass, hash, cd, sizeof(*cd));
		ok = out != NULL && hash != a->dummy &&
		    strlen(out) == strlen(hash) &&
		    CRYPTO_memcmp(out, hash, strlen(hash)) == 0;
		OPENSSL_cleanse(cd, sizeof(*cd));
		free(cd);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!ok) {
		if (a->fail_second != now) {
			a->fail_second = now;
			a->fails = 0;
		}
		a->fails++;
		return TR_AUTH_DENIED;
	}
	if (keyed) {
		memcpy(a->cache[a->next].key, key, 32);
		a->cache[a->next].until = now + TR_AUTH_CACHE_SECONDS;
		a->next = (a->next + 1) % CACHE_SLOTS;
	}
	return TR_AUTH_OK;
}
