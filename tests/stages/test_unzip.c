/* test_unzip.c - the members of a zip archive, bounded (libarchive) */
#include "testutil.h"

#include <unistd.h>

#include "ziputil.h"

/* test_stored - a stored member */
static void
test_stored(void **state)
{
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_one("report.json", report, REPORT_LEN, 0, &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	expect_json(zip, len, NULL, report, REPORT_LEN);
	free(zip);
}

/* test_deflated - a deflated member, and one with a data descriptor */
static void
test_deflated(void **state)
{
	struct zent e = { "google.com!example.com!1704067200!1704153599.json",
	    report, REPORT_LEN, 8, 0, 0, 0, -1 };
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_build(&e, 1, "an archive comment", &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	free(zip);

	e.flags = 8;	/* zero sizes in the local header */
	zip = zip_build(&e, 1, NULL, &len);
	assert_int_equal(get32(zip + 18), 0);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	free(zip);
}

/* test_json_gz_member - a .json.gz member is gunzipped */
static void
test_json_gz_member(void **state)
{
	struct tr_limits lim;
	unsigned char *gz, *zip;
	size_t gzlen, len;

	(void)state;
	tr_limits_default(&lim);
	gz = deflate_with(report, REPORT_LEN, 16 + MAX_WBITS, 0, 0, &gzlen);
	zip = zip_one("report.json.gz", gz, gzlen, 8, &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	free(zip);
	zip = zip_one("REPORT.JSON.GZ", gz, gzlen, 0, &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	free(zip);

	/* a broken gzip inside keeps gunzip's code, names the member */
	gz[gzlen - 8] ^= 1;
	zip = zip_one("report.json.gz", gz, gzlen, 0, &len);
	expect_fail(zip, len, &lim, TR_ERR_GZIP, "incorrect data check");
	expect_fail(zip, len, &lim, TR_ERR_GZIP,
	    "zip member \"report.json.gz\": ");
	free(zip);
	free(gz);
}

/* test_first_json_wins - directories, other files and macOS sidecars are
 * skipped; the first .json (any case) is taken */
static void
test_first_json_wins(void **state)
{
	static const char other[] = "{\"second\":true}";
	static const char junk[] = "\0\5\26\7\0\2\0\0Mac OS X";
	struct zent e[] = {
		{ "README.txt", "hello", 5, 0, 0, 0, 0, -1 },
		{ "reports/", "", 0, 0, 0, 0, 0, -1 },
		{ "__MACOSX/reports/._Report.JSON", junk, sizeof(junk), 0, 0,
		    0, 0, -1 },
		{ "reports/._x.json", junk, sizeof(junk), 0, 0, 0, 0, -1 },
		{ "reports/Report.JSON", report, REPORT_LEN, 8, 0, 0, 0, -1 },
		{ "second.json", other, sizeof(other) - 1, 8, 0, 0, 0, -1 },
	};
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_build(e, 6, NULL, &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	free(zip);
	zip = zip_build(e + 5, 1, NULL, &len);
	expect_json(zip, len, &lim, other, sizeof(other) - 1);
	free(zip);
}

/* What a tr_unzip_each walk saw, in order: "R name json" / "E name code" /
 * "S name" lines. */
struct seen {
	char text[2048];
};

/* record_member - tr_unzip_each callback for test_each_member */
static enum tr_err
record_member(void *arg, const struct tr_zip_member *m)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	if (!m->report)
		snprintf(s->text + n, sizeof(s->text) - n, "S %s\n", m->name);
	else if (m->json == NULL)
		snprintf(s->text + n, sizeof(s->text) - n, "E %s %s\n", m->name,
		    tr_err_name(m->err.code));
	else {
		assert_int_equal(m->json[m->len], '\0');
		snprintf(s->text + n, sizeof(s->text) - n, "R %s %s\n", m->name,
		    (const char *)m->json);
	}
	return TR_OK;
}

/* test_each_member - every member is handed over: reports decompressed (a
 * corrupt one with its error, the others still), the rest by name; sidecars
 * and directories are left out */
static void
test_each_member(void **state)
{
	static const char one[] = "{\"one\":1}", two[] = "{\"two\":2}";
	static const char junk[] = "\0\5\26\7\0\2\0\0Mac OS X";
	struct zent e[] = {
		{ "a.json", one, sizeof(one) - 1, 8, 0, 0, 0, -1 },
		{ "README.txt", "hello", 5, 0, 0, 0, 0, -1 },
		{ "dir/", "", 0, 0, 0, 0, 0, -1 },
		{ "__MACOSX/._a.json", junk, sizeof(junk), 0, 0, 0, 0, -1 },
		{ "bad.json", two, sizeof(two) - 1, 8, 0, 0, 1, -1 },
		{ "dir/b.JSON", two, sizeof(two) - 1, 0, 0, 0, 0, -1 },
	};
	struct zent pair[2];
	struct tr_limits lim;
	struct tr_error err;
	struct seen s;
	unsigned char *zip;
	size_t len;
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_build(e, 6, NULL, &len);
	memset(&s, 0, sizeof(s));
	rc = tr_unzip_each(zip, len, &lim, record_member, &s, &err);
	assert_code(rc, TR_OK, err);
	assert_string_equal(s.text,
	    "R \"a.json\" {\"one\":1}\n"
	    "S \"README.txt\"\n"
	    "E \"bad.json\" zip-invalid\n"
	    "R \"dir/b.JSON\" {\"two\":2}\n");
	free(zip);
	/* a member whose deflate data is corrupt stops libarchive's reader
	 * for good: the walk goes on with a new one, the next member too */
	pair[0] = pair[1] = e[0];
	pair[1].name = "broken.json";
	zip = zip_build(pair, 2, NULL, &len);
	/* second member (after the first's 46 + 6 directory bytes): BTYPE 11 */
	zip[get32(cdh_of(zip, len) + 46 + 6 + 42) + 30 + 11] |= 0x06;
	memset(&s, 0, sizeof(s));
	rc = tr_unzip_each(zip, len, &lim, record_member, &s, &err);
	assert_code(rc, TR_OK, err);
	assert_string_equal(s.text,
	    "R \"a.json\" {\"one\":1}\n"
	    "E \"broken.json\" zip-invalid\n");
	free(zip);
	pair[0].name = "broken.json";
	pair[1].name = "after.json";
	zip = zip_build(pair, 2, NULL, &len);
	zip[30 + 11] |= 0x06;		/* first member: BTYPE 11 */
	memset(&s, 0, sizeof(s));
	rc = tr_unzip_each(zip, len, &lim, record_member, &s, &err);
	assert_code(rc, TR_OK, err);
	assert_string_equal(s.text,
	    "E \"broken.json\" zip-invalid\n"
	    "R \"after.json\" {\"one\":1}\n");
	free(zip);
	/* without any report member the archive is refused */
	zip = zip_build(e + 1, 1, NULL, &len);
	memset(&s, 0, sizeof(s));
	rc = tr_unzip_each(zip, len, &lim, record_member, &s, &err);
	assert_code(rc, TR_ERR_ZIP, err);
	assert_msg_has(err, "no .json member");
	assert_string_equal(s.text, "S \"README.txt\"\n");
	free(zip);
}

/* test_no_json - archives without a .json member */
static void
test_no_json(void **state)
{
	struct zent e[] = {
		{ "report.txt", report, REPORT_LEN, 8, 0, 0, 0, -1 },
		{ "report.json.bak", report, REPORT_LEN, 0, 0, 0, 0, -1 },
	};
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_build(e, 2, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "zip: no .json member (2 entries)");
	free(zip);
	/* an end record alone is no archive to libarchive */
	zip = zip_build(e, 0, NULL, &len);
	assert_int_equal(len, 22);
	expect_fail(zip, len, &lim, TR_ERR_ZIP, "zip: ");
	free(zip);
}

/* test_encrypted - the flag in either header refuses the member */
static void
test_encrypted(void **state)
{
	struct zent e = { "report.json", report, REPORT_LEN, 8, 1, 0, 0, -1 };
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "zip: member \"report.json\" is encrypted");
	free(zip);

	zip = zip_one("report.json", report, REPORT_LEN, 8, &len);
	put16(zip + 6, 1);		/* local header only */
	expect_fail(zip, len, &lim, TR_ERR_ZIP, "is encrypted");
	free(zip);
}

/* test_bad_method - bzip2 (12) and AES (99) are refused, named as
 * libarchive names them */
static void
test_bad_method(void **state)
{
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_one("report.json", report, REPORT_LEN, 12, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP, "uses compression method bzip");
	free(zip);
	zip = zip_one("report.json", report, REPORT_LEN, 99, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP, "uses compression method aes");
	free(zip);

	/* the two headers disagree */
	zip = zip_one("report.json", report, REPORT_LEN, 8, &len);
	put16(zip + 8, 0);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "zip: member \"report.json\": ");
	free(zip);
}

/* test_truncated - every prefix fails cleanly; so does a comment cut
 * short and an archive missing its first bytes */
static void
test_truncated(void **state)
{
	struct zent e[] = {
		{ "a.txt", "some text", 9, 8, 0, 0, 0, -1 },
		{ "report.json", report, REPORT_LEN, 8, 0, 0, 0, -1 },
	};
	struct tr_limits lim;
	struct tr_error err;
	unsigned char *zip, *out;
	size_t len, n, outlen;
	enum tr_err rc;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_build(e, 2, NULL, &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	for (n = 0; n < len; n++) {
		rc = tr_unzip_json(zip, n, &lim, &out, &outlen, &err);
		if (rc != TR_ERR_ZIP)
			fail_msg("prefix of %zu bytes: %s (%s)", n,
			    tr_err_name(rc), err.msg);
		assert_null(out);
	}
	expect_fail(zip, 21, &lim, TR_ERR_ZIP, "Unrecognized archive format");
	expect_fail(zip, len - 1, &lim, TR_ERR_ZIP,
	    "Unrecognized archive format");
	/* the member data gone: the directory points past the end */
	expect_fail(zip + 40, len - 40, &lim, TR_ERR_ZIP, "zip: ");
	free(zip);

	/* a comment cut short: libarchive reads on, the members are whole
	 * and their CRC-32 checked */
	zip = zip_build(e, 2, "a comment that gets cut", &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	expect_json(zip, len - 5, &lim, report, REPORT_LEN);
	free(zip);
}

/* test_offsets_outside - every offset and length is bounds-checked */
static void
test_offsets_outside(void **state)
{
	struct tr_limits lim;
	unsigned char *zip, *eocd, *cdh;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_one("report.json", report, REPORT_LEN, 8, &len);
	eocd = eocd_of(zip, len);
	cdh = cdh_of(zip, len);

#define MUTATE(stmt, code, text) do {					\
	unsigned char *copy = malloc(len);				\
	assert_non_null(copy);						\
	memcpy(copy, zip, len);						\
	eocd = eocd_of(copy, len);					\
	cdh = cdh_of(zip, len) - zip + copy;				\
	stmt;								\
	expect_fail(copy, len, &lim, code, text);			\
	free(copy);							\
} while (0)

	MUTATE(put32(eocd + 16, 0xfffff000u), TR_ERR_ZIP,
	    "zip: Unrecognized archive format");
	MUTATE(put32(eocd + 12, 0x7fffffffu), TR_ERR_ZIP, "zip: ");
	MUTATE(put32(eocd + 16, (uint32_t)len), TR_ERR_ZIP, "zip: ");
	MUTATE(put32(cdh + 42, (uint32_t)len), TR_ERR_ZIP,
	    "zip: Truncated ZIP file header");
	MUTATE(put32(cdh + 42, 0xfffffff0u), TR_ERR_ZIP, "zip: ");
	MUTATE(put16(cdh + 28, 0xffff), TR_ERR_ZIP, "zip: ");
	MUTATE(put16(cdh + 30, 200), TR_ERR_ZIP, "zip: ");
	MUTATE(put16(cdh + 32, 1), TR_ERR_ZIP, "zip: ");
	MUTATE(put32(cdh, 0x02014b51), TR_ERR_ZIP, "zip: ");
	MUTATE(put16(copy + 28, 0xffff), TR_ERR_ZIP, "zip: ");
	MUTATE(put32(copy, 0x04034b51), TR_ERR_ZIP, "zip: Damaged");
	MUTATE(put32(eocd + 16, 0xffffffffu), TR_ERR_ZIP, "zip: ");
	MUTATE(put16(eocd + 4, 1), TR_ERR_ZIP, "zip: ");

	/* Fields libarchive does not need, with the member whole and its
	 * CRC-32 checked: a count the directory does not hold, a compressed
	 * size it reads past (deflate ends itself), ZIP64 markers without
	 * ZIP64 records, a comment running past the end. */
#define READABLE(stmt) do {						\
	unsigned char *copy = malloc(len);				\
	assert_non_null(copy);						\
	memcpy(copy, zip, len);						\
	eocd = eocd_of(copy, len);					\
	cdh = cdh_of(zip, len) - zip + copy;				\
	stmt;								\
	expect_json(copy, len, &lim, report, REPORT_LEN);		\
	free(copy);							\
} while (0)
	READABLE(put16(eocd + 8, 2); put16(eocd + 10, 2));
	READABLE(put32(cdh + 20, 0x7fffffffu));
	READABLE(put32(cdh + 20, 0xffffffffu));
	READABLE(put16(eocd + 8, 0xffff); put16(eocd + 10, 0xffff));
	READABLE(put16(eocd + 20, 1));
#undef READABLE
#undef MUTATE
	free(zip);
}

/* test_zip64_locator - a ZIP64 locator with no ZIP64 record is refused */
static void
test_zip64_locator(void **state)
{
	struct tr_limits lim;
	unsigned char *zip, *z64;
	size_t len, i;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_one("report.json", report, REPORT_LEN, 0, &len);
	z64 = malloc(len + 20);
	assert_non_null(z64);
	memcpy(z64, zip, len - 22);
	put32(z64 + len - 22, 0x07064b50);
	for (i = 4; i < 20; i++)
		z64[len - 22 + i] = 0;
	memcpy(z64 + len - 2, zip + len - 22, 22);
	expect_fail(z64, len + 20, &lim, TR_ERR_ZIP, "zip: ");
	free(z64);
	free(zip);
}

/* test_crc_mismatch - a wrong CRC-32 fails, stored or deflated */
static void
test_crc_mismatch(void **state)
{
	struct zent e = { "report.json", report, REPORT_LEN, 8, 0, 0, 1, -1 };
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "zip: member \"report.json\": ZIP bad CRC");
	free(zip);
	e.method = 0;
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP, "bad CRC");
	free(zip);
}

/* test_corrupt_deflate - bad deflate data fails with libarchive's reason */
static void
test_corrupt_deflate(void **state)
{
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;

	(void)state;
	tr_limits_default(&lim);
	zip = zip_one("report.json", report, REPORT_LEN, 8, &len);
	zip[30 + 11] |= 0x06;		/* first block: BTYPE 11 */
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "zip: member \"report.json\": ZIP decompression failed");
	free(zip);

	/* deflate data damaged in the middle */
	zip = zip_one("report.json", report, REPORT_LEN, 8, &len);
	memset(zip + 30 + 11 + 20, 0, 30);
	expect_fail(zip, len, &lim, TR_ERR_ZIP, "zip: member \"report.json\"");
	free(zip);
}

/* test_size_limit - the declared and the real size both obey max_report;
 * a member that lies about its size is refused without overrunning */
static void
test_size_limit(void **state)
{
	struct zent e = { "report.json", NULL, 0, 8, 0, 0, 0, -1 };
	struct tr_limits lim;
	unsigned char *text, *zip;
	size_t len, i;

	(void)state;
	tr_limits_default(&lim);
	text = malloc(2000);
	assert_non_null(text);
	for (i = 0; i < 2000; i++)
		text[i] = (unsigned char)('a' + (i * 7919) % 26);
	e.data = text;
	e.len = 2000;
	zip = zip_build(&e, 1, NULL, &len);
	lim.max_report = 2000;
	expect_json(zip, len, &lim, text, 2000);
	lim.max_report = 1999;
	expect_fail(zip, len, &lim, TR_ERR_DECOMPRESS_LIMIT,
	    "decompressed report exceeds the limit of 1999 bytes");
	free(zip);

	tr_limits_default(&lim);
	e.usize = 1999;		/* says one byte less than it holds */
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "wrong size (read 2000, expected 1999)");
	free(zip);
	e.usize = 1000;		/* says much less */
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "wrong size (read 2000, expected 1000)");
	free(zip);
	e.usize = 2010;		/* says more */
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "wrong size (read 2000, expected 2010)");
	free(zip);
	e.method = 0;
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "zip: member \"report.json\": ZIP uncompressed data is wrong size");
	free(zip);
	free(text);
}

/* test_zip_bomb - 10 MiB of zeros: the ratio stops it, whether it is
 * honest about its size, says it is small, or hides in a .json.gz */
static void
test_zip_bomb(void **state)
{
	struct zent e = { "bomb.json", NULL, 10 * MIB, 8, 0, Z_RLE, 0, -1 };
	struct tr_limits lim;
	unsigned char *zeros, *zip, *gz;
	size_t len, gzlen;

	(void)state;
	tr_limits_default(&lim);
	zeros = calloc(1, 10 * MIB);
	assert_non_null(zeros);
	e.data = zeros;
	zip = zip_build(&e, 1, NULL, &len);
	assert_true(len < 20 * 1024);
	expect_fail(zip, len, &lim, TR_ERR_DECOMPRESS_LIMIT,
	    "decompression ratio over 200:1 (a zip bomb?)");
	free(zip);

	e.usize = 1000;		/* a small size so no check fires early */
	zip = zip_build(&e, 1, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "inflates to more than its declared 1000 bytes");
	free(zip);

	/* stored .json.gz: the zip layer is 1:1, gunzip sees the bomb */
	gz = deflate_with(zeros, 10 * MIB, 16 + MAX_WBITS, Z_RLE, 0, &gzlen);
	zip = zip_one("bomb.json.gz", gz, gzlen, 0, &len);
	expect_fail(zip, len, &lim, TR_ERR_DECOMPRESS_LIMIT,
	    "decompression ratio over 200:1 (a gzip bomb?)");
	free(zip);
	free(gz);
	free(zeros);
}

/* test_zip_bomb_layers - each layer under 200:1, together over it: a
 * .json.gz whose gzip flushes often (about 160:1), Huffman-coded again
 * (about 2:1) */
static void
test_zip_bomb_layers(void **state)
{
	struct zent e = { "layers.json.gz", NULL, 0, 8, 0, Z_HUFFMAN_ONLY, 0,
	    -1 };
	struct tr_limits lim;
	unsigned char *zeros, *gz, *zip, *inner;
	size_t gzlen, len, innerlen;

	(void)state;
	tr_limits_default(&lim);
	zeros = calloc(1, 4 * MIB);
	assert_non_null(zeros);
	gz = deflate_with(zeros, 4 * MIB, 16 + MAX_WBITS, Z_RLE, 4096,
	    &gzlen);
	assert_true(4 * MIB < gzlen * 200);	/* gunzip alone lets it by */
	e.data = gz;
	e.len = gzlen;
	zip = zip_build(&e, 1, NULL, &len);
	inner = cdh_of(zip, len);
	innerlen = get32(inner + 20);		/* compressed size */
	assert_true(gzlen < innerlen * 200);	/* the zip layer too */
	assert_true(4 * MIB > innerlen * 200);	/* together they do not */
	expect_fail(zip, len, &lim, TR_ERR_DECOMPRESS_LIMIT,
	    "decompression ratio over 200:1 (a zip bomb?): member "
	    "\"layers.json.gz\" gives 4194304 bytes");
	free(zip);
	free(gz);
	free(zeros);
}

/* test_entry_limit - 1000 entries are read, 1001 refused */
static void
test_entry_limit(void **state)
{
	struct zent *e;
	struct tr_limits lim;
	unsigned char *zip;
	char (*names)[16];
	size_t len, i;

	(void)state;
	tr_limits_default(&lim);
	e = calloc(1001, sizeof(*e));
	names = calloc(1001, sizeof(*names));
	assert_true(e != NULL && names != NULL);
	for (i = 0; i < 1001; i++) {
		snprintf(names[i], sizeof(names[i]), "f%04zu.txt", i);
		e[i].name = names[i];
		e[i].data = "x";
		e[i].len = 1;
		e[i].usize = -1;
	}
	e[999].name = "report.json";
	e[999].data = report;
	e[999].len = REPORT_LEN;
	zip = zip_build(e, 1000, NULL, &len);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	free(zip);
	zip = zip_build(e, 1001, NULL, &len);
	expect_fail(zip, len, &lim, TR_ERR_ZIP,
	    "zip: more than 1000 entries, over the limit");
	free(zip);
	free(e);
	free(names);
}

/* test_python_zipfile - an archive written by Python's zipfile module */
static void
test_python_zipfile(void **state)
{
	char path[] = "/tmp/tlsrptd-unzip-XXXXXX";
	char cmd[1024];
	struct tr_limits lim;
	unsigned char *zip;
	size_t len;
	int fd;

	(void)state;
	tr_limits_default(&lim);
	if ((fd = mkstemp(path)) < 0)
		fail_msg("mkstemp failed");
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import sys, zipfile\n"
	    "with zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED) "
	    "as z:\n"
	    "    z.writestr(\"notes.txt\", \"not this one\")\n"
	    "    z.writestr(\"report.json\", sys.argv[2])\n' %s '%s' "
	    "2>/dev/null", path, report);
	if (system(cmd) != 0) {
		unlink(path);
		skip();
	}
	zip = tu_read(path, &len);
	unlink(path);
	expect_json(zip, len, &lim, report, REPORT_LEN);
	free(zip);
}

/* main - run every unzip test; non-zero exit when one fails */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stored),
		cmocka_unit_test(test_deflated),
		cmocka_unit_test(test_json_gz_member),
		cmocka_unit_test(test_first_json_wins),
		cmocka_unit_test(test_no_json),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_bad_method),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_offsets_outside),
		cmocka_unit_test(test_zip64_locator),
		cmocka_unit_test(test_crc_mismatch),
		cmocka_unit_test(test_corrupt_deflate),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_zip_bomb_layers),
		cmocka_unit_test(test_entry_limit),
		cmocka_unit_test(test_python_zipfile),
		cmocka_unit_test(test_each_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
