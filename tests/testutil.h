/* testutil.h - small helpers shared by the cmocka unit tests */
#ifndef TR_TESTUTIL_H
#define TR_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>

#ifndef TESTDIR
#define TESTDIR "tests"
#endif

/* tu_read - whole file under TESTDIR (or absolute path), NUL-terminated */
static inline unsigned char *
tu_read(const char *name, size_t *lenp)
{
	char path[4096];
	unsigned char *buf;
	FILE *f;
	long n;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", TESTDIR, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("short read on %s", path);
	fclose(f);
	buf[n] = '\0';
	*lenp = (size_t)n;
	return buf;
}

/* tu_rm_entry - nftw callback removing one entry */
static inline int
tu_rm_entry(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* tu_rmtree - remove dir and everything below it (a test's scratch dir) */
static inline void
tu_rmtree(const char *dir)
{
	nftw(dir, tu_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
