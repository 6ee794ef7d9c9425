/* db_sql_fuzzer.c - libFuzzer harness for the PostgreSQL driver's text
 * work: SQLite parameters renumbered as $N, and passwords redacted out of
 * a connection target */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_translate - the parameters renumbered within bounds; a text with
 * no parameter character comes out as it went in */
static void
check_translate(const char *sql, size_t len)
{
	struct tr_error err;
	char *out;
	int n;

	if (tr_db_pg_translate(sql, &out, &n, &err) != TR_OK) {
		if (out != NULL || err.msg[0] == '\0')
			__builtin_trap();
		return;
	}
	if (n < 0 || n > 32766 || strlen(out) > len * 6)
		__builtin_trap();
	if (strpbrk(sql, "?:@$") == NULL && strcmp(out, sql) != 0)
		__builtin_trap();
	free(out);
}

/* check_redact - whatever the password, none of it shows */
static void
check_redact(const char *pw, size_t len)
{
	char *target, *p, out[512];
	size_t i;

	tr_db_redact(pw, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		__builtin_trap();
	if ((target = malloc(len * 2 + 64)) == NULL)
		return;
	if (strchr(pw, '@') == NULL) {
		snprintf(target, len * 2 + 64, "postgresql://u:%s@h/d", pw);
		tr_db_redact(target, out, sizeof(out));
		if (strcmp(out, "postgresql://u:***@h/d") != 0)
			__builtin_trap();
	}
	/* the keyword form, quoted the way libpq reads it */
	p = target + sprintf(target, "host=h password='");
	for (i = 0; i < len; i++) {
		if (pw[i] == '\'' || pw[i] == '\\')
			*p++ = '\\';
		*p++ = pw[i];
	}
	strcpy(p, "' dbname=d");
	tr_db_redact(target, out, sizeof(out));
	if (strcmp(out, "host=h password=*** dbname=d") != 0)
		__builtin_trap();
	free(target);
}

/* LLVMFuzzerTestOneInput - the input (up to a NUL) as a statement and as
 * a password */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	check_translate(s, len);
	check_redact(s, len);
	free(s);
	return 0;
}
