/* test_source.c - messages found in files, mboxes, Maildirs and directories */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

#define MAXMSG 16

struct seen {
	int n;
	char name[MAXMSG][256];
	char body[MAXMSG][512];
	enum tr_input kind[MAXMSG];
	enum tr_err err[MAXMSG];
};

static int
collect(void *arg, const struct tr_source_msg *m)
{
	struct seen *s = arg;

	assert_true(s->n < MAXMSG);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", m->name);
	snprintf(s->body[s->n], sizeof(s->body[0]), "%.*s", (int)m->len,
	    m->buf ? (const char *)m->buf : "");
	s->kind[s->n] = m->kind;
	s->err[s->n] = m->err.code;
	s->n++;
	return 0;
}

static char tmpdir[64];

static void
put(const char *rel, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_non_null(f = fopen(path, "wb"));
	fputs(content, f);
	fclose(f);
}

static void
sub(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

static int
setup(void **state __attribute__((unused)))
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tlsrptd-source-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state __attribute__((unused)))
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static void
test_mbox_split_and_unescape(void **state __attribute__((unused)))
{
	struct seen s = { 0 };
	char path[512];

	put("box", "From a@b Mon Jan  1 00:00:00 2026\n"
	    "Subject: one\nStatus: RO\nContent-Length: 9\n\nbody one\n"
	    ">From here, escaped\n\n"
	    "From c@d Mon Jan  1 00:00:01 2026\n"
	    "Subject: two\n\nbody\nFrom not after a blank line\n"
	    "\n"
	    "From e@f Mon Jan  1 00:00:02 2026\r\n"
	    "Subject: three\r\n\r\n>>From stays one level\r\n");
	snprintf(path, sizeof(path), "%s/box", tmpdir);
	assert_int_equal(tr_source_walk(path, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.body[0], "Subject: one\nStatus: RO\n"
	    "Content-Length: 9\n\nbody one\nFrom here, escaped\n");
	assert_string_equal(s.body[1], "Subject: two\n\nbody\n"
	    "From not after a blank line\n");
	assert_string_equal(s.body[2], "Subject: three\r\n\r\n>From stays one level\r\n");
	assert_true(strstr(s.name[1], "/box#2") != NULL);
	assert_int_equal(s.kind[0], TR_INPUT_MESSAGE);
}

static void
test_maildir_new_then_cur_skips_tmp(void **state __attribute__((unused)))
{
	struct seen s = { 0 };
	char path[512];

	sub("md");
	sub("md/cur");
	sub("md/new");
	sub("md/tmp");
	put("md/cur/2.host:2,S", "Subject: cur\n\nx\n");
	put("md/new/1.host", "Subject: new\n\nx\n");
	put("md/tmp/3.host", "Subject: partial\n\nx\n");
	snprintf(path, sizeof(path), "%s/md", tmpdir);
	assert_int_equal(tr_source_walk(path, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(strstr(s.body[0], "Subject: new") != NULL);
	assert_true(strstr(s.body[1], "Subject: cur") != NULL);
}

static void
test_directory_sniffs_kinds_in_name_order(void **state __attribute__((unused)))
{
	struct seen s = { 0 };
	char path[512];

	sub("dir");
	sub("dir/sub");
	put("dir/b.json", "{\"organization-name\":\"x\"}");
	put("dir/a.eml", "Subject: mail\n\nhello\n");
	put("dir/sub/c", "  \n{\"a\":1}");
	put("dir/.hidden", "Subject: skipped\n\n");
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	assert_int_equal(tr_source_walk(path, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(strstr(s.name[0], "/a.eml") != NULL);
	assert_int_equal(s.kind[0], TR_INPUT_MESSAGE);
	assert_true(strstr(s.name[1], "/b.json") != NULL);
	assert_int_equal(s.kind[1], TR_INPUT_REPORT);
	assert_true(strstr(s.name[2], "/sub/c") != NULL);
	assert_int_equal(s.kind[2], TR_INPUT_REPORT);	/* sniffed '{' */
}

static void
test_gzip_magic_is_report_body(void **state __attribute__((unused)))
{
	struct seen s = { 0 };
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/noext", tmpdir);
	assert_non_null(f = fopen(path, "wb"));
	fwrite("\x1f\x8b\x08\x00", 1, 4, f);
	fclose(f);
	assert_int_equal(tr_source_walk(path, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], TR_INPUT_REPORT);
}

static void
test_missing_path_is_reported(void **state __attribute__((unused)))
{
	struct seen s = { 0 };
	char path[512];

	snprintf(path, sizeof(path), "%s/does-not-exist", tmpdir);
	assert_int_equal(tr_source_walk(path, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.err[0], TR_ERR_IO);
}

static void
test_empty_file_is_one_empty_message(void **state __attribute__((unused)))
{
	struct seen s = { 0 };
	char path[512];

	put("empty.eml", "");
	snprintf(path, sizeof(path), "%s/empty.eml", tmpdir);
	assert_int_equal(tr_source_walk(path, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.err[0], TR_OK);
	assert_string_equal(s.body[0], "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mbox_split_and_unescape),
		cmocka_unit_test(test_maildir_new_then_cur_skips_tmp),
		cmocka_unit_test(test_directory_sniffs_kinds_in_name_order),
		cmocka_unit_test(test_gzip_magic_is_report_body),
		cmocka_unit_test(test_missing_path_is_reported),
		cmocka_unit_test(test_empty_file_is_one_empty_message),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
