/*
 * dashboard_auth_fuzzer.c - libFuzzer harness for the dashboard's check of
 * an Authorization header
 *
 * The input is the header's value as a client sends it. A users file with
 * one user ("alice", password "s3cret", a SHA-256 crypt hash of few rounds
 * so that the harness stays fast) is written and loaded once. The checks
 * are the contracts of dashboard_auth.h: the answer is one of the three,
 * OK only for alice's password, the name given back is printable and
 * bounded. Each input is checked at a later second than the one before,
 * so that the brake on failures does not hide the decoder. Seeds in
 * fuzz/corpus/dashboard_auth are written by hand.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dashboard_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "s3cret" under SHA-256 crypt, 1000 rounds */
#define HASH "$5$rounds=1000$tlsrptdfuzz$KSWQDjijcgkQrUo92bQOqzraqMRSP3EWdSgCJivwOk/"

static struct tr_dash_auth *auth;

/* load - the users file, once */
static void
load(void)
{
	char path[] = "/tmp/tlsrptd-auth-fuzz.XXXXXX";
	struct tr_error err;
	FILE *f;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fprintf(f, "alice:%s\n", HASH);
	fclose(f);
	auth = tr_dash_auth_load(path, &err);
	unlink(path);
	if (auth == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
}

/* LLVMFuzzerTestOneInput - check one header value */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static time_t now = 1;
	char header[2048], user[TR_AUTH_NAME_MAX + 1];
	enum tr_auth r;
	size_t i;

	if (auth == NULL)
		load();
	if (size >= sizeof(header))
		size = sizeof(header) - 1;
	memcpy(header, data, size);
	header[size] = '\0';
	memset(user, 'x', sizeof(user));
	r = tr_dash_auth_check(auth, header, now++, user);
	if (r != TR_AUTH_OK && r != TR_AUTH_DENIED && r != TR_AUTH_BUSY)
		abort();
	if (strnlen(user, sizeof(user)) > TR_AUTH_NAME_MAX)
		abort();
	for (i = 0; user[i] != '\0'; i++)
		if (user[i] <= ' ' || user[i] >= 0x7f)
			abort();
	if (r == TR_AUTH_OK && strcmp(user, "alice") != 0)
		abort();
	return 0;
}
