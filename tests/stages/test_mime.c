/* test_mime.c - the MIME extractor on real samples and built-in messages */
#include "testutil.h"

#include <time.h>
#include <zlib.h>

#include "mime.h"
#include "mime_header.h"

/* gzip of {"organization-name":"X"} (45 bytes) */
#define GZ64	"H4sIAAAAAAACA6tWyi9KT8zLrEosyczP081LzE1VslKKUKoFALD+3gwZAAAA"
#define GZLEN	45
/* "PK\3\4" and a few bytes of a local file header */
#define ZIP64	"UEsDBBQAAAAIAA=="
#define JSON1	"{\"organization-name\":\"X\"}"

#define TOP(ct)	"From: reporter@example.org\n" \
		"To: tlsrpt@example.net\n" \
		"Message-ID: <t1@example.org>\n" \
		"TLS-Report-Domain: example.net\n" \
		"MIME-Version: 1.0\n" \
		"Content-Type: " ct "\n" \
		"\n"
#define REPORT(b)	TOP("multipart/report; report-type=tlsrpt; " \
			    "boundary=\"" b "\"")
#define TEXTPART(b)	"--" b "\n" \
			"Content-Type: text/plain; charset=us-ascii\n" \
			"\n" \
			"This is an aggregate TLS report.\n"

/* to_crlf - a copy of s with every LF made CRLF */
static char *
to_crlf(const char *s, size_t *len)
{
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(2 * n + 1);

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			out[o++] = '\r';
		out[o++] = s[i];
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* run_buf - extract from an exact-size copy, so a read past the end is
 * caught by ASan; the copy is freed before returning, so a result that
 * pointed into the message would be caught too */
static enum tr_err
run_buf(const void *msg, size_t len, const struct tr_limits *lim,
    struct tr_mime_result *r, struct tr_error *err)
{
	unsigned char *copy = malloc(len > 0 ? len : 1);
	enum tr_err rc;

	assert_non_null(copy);
	memcpy(copy, msg, len);
	rc = tr_mime_extract(copy, len, lim, r, err);
	free(copy);
	/* the code returned is the code recorded */
	assert_int_equal(err->code, rc);
	return rc;
}

/* run - extract from a C string, LF as written or converted to CRLF */
static enum tr_err
run(const char *msg, int crlf, const struct tr_limits *lim,
    struct tr_mime_result *r, struct tr_error *err)
{
	enum tr_err rc;
	size_t n;
	char *m;

	if (!crlf)
		return run_buf(msg, strlen(msg), lim, r, err);
	m = to_crlf(msg, &n);
	rc = run_buf(m, n, lim, r, err);
	free(m);
	return rc;
}

/* has_note - true when some note contains sub */
static int
has_note(const struct tr_mime_result *r, const char *sub)
{
	size_t i;

	for (i = 0; i < r->notes.n; i++)
		if (strstr(r->notes.v[i], sub) != NULL)
			return 1;
	return 0;
}

/* dump_notes - print the notes, to explain a failed note assertion */
static void
dump_notes(const struct tr_mime_result *r)
{
	size_t i;

	for (i = 0; i < r->notes.n; i++)
		print_message("note: %s\n", r->notes.v[i]);
}

/* assert_part - the checks every report part must pass */
static void
assert_part(const struct tr_part *p, enum tr_payload kind, const char *mt,
    const char *fn, unsigned index)
{
	size_t i;

	assert_non_null(p->data);
	assert_true(p->len > 0);
	assert_int_equal(p->data[p->len], '\0');
	assert_int_equal(p->payload, kind);
	assert_int_equal(p->index, index);
	if (mt == NULL)
		assert_null(p->media_type);
	else
		assert_string_equal(p->media_type, mt);
	if (fn == NULL)
		assert_null(p->filename);
	else
		assert_string_equal(p->filename, fn);
	switch (kind) {
	case TR_PAYLOAD_GZIP:
		assert_true(p->len >= 2);
		assert_int_equal(p->data[0], 0x1f);
		assert_int_equal(p->data[1], 0x8b);
		break;
	case TR_PAYLOAD_ZIP:
		assert_memory_equal(p->data, "PK\003\004", 4);
		break;
	case TR_PAYLOAD_JSON:
		for (i = 0; i < p->len && strchr(" \t\r\n", p->data[i]) != NULL;
		    i++)
			;
		assert_true(i < p->len);
		assert_int_equal(p->data[i], '{');
		break;
	}
}

/* gunzip - inflate a gzip member with zlib; the caller frees */
static unsigned char *
gunzip(const unsigned char *in, size_t len, size_t *outlen)
{
	size_t cap = 1 << 20;
	unsigned char *out = malloc(cap + 1);
	z_stream z;

	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = cap - z.avail_out;
	out[*outlen] = '\0';
	inflateEnd(&z);
	return out;
}

/* trimmed_equal - a and b equal once CRs and surrounding whitespace go */
static int
trimmed_equal(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	size_t i = 0, j = 0;

	while (alen > 0 && strchr(" \t\r\n", a[alen - 1]) != NULL)
		alen--;
	while (blen > 0 && strchr(" \t\r\n", b[blen - 1]) != NULL)
		blen--;
	for (;;) {
		while (i < alen && a[i] == '\r')
			i++;
		while (j < blen && b[j] == '\r')
			j++;
		if (i == alen || j == blen)
			return i == alen && j == blen;
		if (a[i++] != b[j++])
			return 0;
	}
}

/* ---------------------------------------------------------------- corpus */

struct corpus_case {
	const char *file;
	unsigned index;
	enum tr_payload payload;
	const char *media_type;
	const char *filename;
	const char *message_id;
	const char *domain;
	const char *submitter;
	const char *from;
	const char *notes[3];	/* the exact notes, NULL-terminated */
};

#define RFCNAME	"mail.sender.example!example.com!1013662812!1013749130"

static const struct corpus_case corpus[] = {
	{ "corpus/mail-auth__rpt01.eml", 1, TR_PAYLOAD_GZIP,
	    "application/tlsrpt+gzip", RFCNAME ".json.gz", NULL,
	    "example.net", "mail.sender.example.com",
	    "tlsrpt@mail.sender.example.com", { NULL } },
	{ "corpus/mox__example.eml", 1, TR_PAYLOAD_GZIP,
	    "application/tlsrpt+gzip",
	    "google.com!test.xmox.nl!1663200000!1663286399!001.json.gz",
	    "<000000000000f47cc505e8c8905c@google.com>", "test.xmox.nl",
	    "google.com", "noreply-smtp-tls-reporting@google.com", { NULL } },
	{ "corpus/mox__examples_test.go.ExampleParseMessage.eml", 0,
	    TR_PAYLOAD_GZIP, "application/tlsrpt+gzip", RFCNAME ".json.gz",
	    NULL, "example.net", "mail.sender.example.com",
	    "<tlsrpt@mail.sender.example.com>",
	    { "report sent as the whole message (application/tlsrpt+gzip) "
	    "instead of in multipart/report", NULL } },
	{ "corpus/mox__microsoft.eml", 1, TR_PAYLOAD_GZIP,
	    "application/tlsrpt+gzip", "microsoft.com!test.xmox.nl!"
	    "1673308800!1673395199!133198585438131172.json.gz",
	    "<133198585438131172+test.xmox.nl@test.xmox.nl>", "test.xmox.nl",
	    "microsoft.com", "<tlsrpt-noreply@microsoft.com>", { NULL } },
	{ "corpus/mox__report_test.go.tlsrptMessage.eml", 1,
	    TR_PAYLOAD_JSON, "application/tlsrpt+json", RFCNAME ".json.gz",
	    NULL, "example.net", "mail.sender.example.com",
	    "tlsrpt@mail.sender.example.com", { NULL } },
	{ "corpus/mox__report_test.go.tlsrptMessage2.eml", 0,
	    TR_PAYLOAD_JSON, "application/tlsrpt+json", RFCNAME ".json.gz",
	    NULL, "example.net", "mail.sender.example.com",
	    "tlsrpt@mail.sender.example.com",
	    { "report sent as the whole message (application/tlsrpt+json) "
	    "instead of in multipart/report", NULL } },
	{ "corpus/parsedmarc__google.com_smtp_tls_report.eml", 1,
	    TR_PAYLOAD_GZIP, "application/tlsrpt+gzip",
	    "google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz",
	    "<66d83c20.050a0220.a0566.1e8dtls@google.com>",
	    "cardinalhealth.ca", "google.com",
	    "noreply-smtp-tls-reporting@google.com", { NULL } },
	{ "corpus/tlsrpt-be__test.eml", 1, TR_PAYLOAD_GZIP,
	    "application/tlsrpt+gzip", RFCNAME ".json.gz", NULL,
	    "example.net", "mail.sender.example.com",
	    "tlsrpt@mail.sender.example.com",
	    { "multipart/report boundary "
	    "\"----=_NextPart_000_024E_01CC9B0A.AFE54C00\": close delimiter "
	    "missing", NULL } },
	{ "corpus/tlsrpt-digest__tlsrpt_failure.eml", 1, TR_PAYLOAD_GZIP,
	    "application/tlsrpt+gzip",
	    "google.com!example.com!1778544000!1778630399!001.json.gz",
	    "<6a049c05.00000000.3554e0.3524tls@google.com>", "example.com",
	    "google.com", "noreply-smtp-tls-reporting@google.com", { NULL } },
	{ "corpus/tlsrpt-digest__tlsrpt_success_google_1.eml", 1,
	    TR_PAYLOAD_GZIP, "application/tlsrpt+gzip",
	    "google.com!example.com!1778457600!1778543999!001.json.gz",
	    "<6a034af0.00000000.3a4de4.4c68tls@google.com>", "example.com",
	    "google.com", "noreply-smtp-tls-reporting@google.com", { NULL } },
	{ "corpus/tlsrpt-digest__tlsrpt_success_google_2.eml", 1,
	    TR_PAYLOAD_GZIP, "application/tlsrpt+gzip",
	    "google.com!example.com!1778544000!1778630399!001.json.gz",
	    "<6a049c05.00000000.3554e0.3524tls@google.com>", "example.com",
	    "google.com", "noreply-smtp-tls-reporting@google.com", { NULL } },
	/* negative fixtures elsewhere; tolerable deviations here */
	{ "corpus/invalid/mail-auth__rpt02.eml", 1, TR_PAYLOAD_JSON,
	    "application/tlsrpt", RFCNAME ".json", NULL, "example.net",
	    "mail.sender.example.com", "tlsrpt@mail.sender.example.com",
	    { "non-RFC media type application/tlsrpt for the report part",
	    NULL } },
	{ "corpus/invalid/mox__report_test.go.tlsrptMessage.application-json"
	    ".eml", 1, TR_PAYLOAD_JSON, "application/json",
	    RFCNAME ".json.gz", NULL, "example.net",
	    "mail.sender.example.com", "tlsrpt@mail.sender.example.com",
	    { "non-RFC media type application/json for the report part",
	    NULL } },
	{ "corpus/invalid/mox__report_test.go.tlsrptMessage.multipart-related"
	    ".eml", 1, TR_PAYLOAD_JSON, "application/tlsrpt+json",
	    RFCNAME ".json.gz", NULL, "example.net",
	    "mail.sender.example.com", "tlsrpt@mail.sender.example.com",
	    { "top-level type multipart/related instead of multipart/report",
	    NULL } },
};

/* check_corpus - one sample against its expectations */
static void
check_corpus(const struct corpus_case *cc)
{
	struct tr_mime_result r;
	struct tr_error err;
	unsigned char *msg, *json;
	size_t len, jlen, i, n;

	print_message("%s\n", cc->file);
	msg = tu_read(cc->file, &len);
	assert_int_equal(run_buf(msg, len, NULL, &r, &err), TR_OK);
	assert_string_equal(err.msg, "");
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], cc->payload, cc->media_type, cc->filename,
	    cc->index);
	if (cc->message_id == NULL)
		assert_null(r.meta.message_id);
	else
		assert_string_equal(r.meta.message_id, cc->message_id);
	assert_string_equal(r.meta.report_domain, cc->domain);
	assert_string_equal(r.meta.report_submitter, cc->submitter);
	assert_string_equal(r.meta.from, cc->from);
	assert_non_null(r.meta.subject);
	assert_non_null(strstr(r.meta.subject, cc->domain));
	for (n = 0; cc->notes[n] != NULL; n++)
		;
	if (r.notes.n != n)
		dump_notes(&r);
	assert_int_equal(r.notes.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(r.notes.v[i], cc->notes[i]);
	if (cc->payload == TR_PAYLOAD_GZIP) {
		/* the decoded bytes are the whole gzip member, no more */
		json = gunzip(r.parts[0].data, r.parts[0].len, &jlen);
		assert_true(jlen > 100);
		assert_non_null(strstr((char *)json, "\"policies\""));
		free(json);
	}
	tr_mime_result_free(&r);
	free(msg);
}

static void
test_corpus_all(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		check_corpus(&corpus[i]);
}

static void
test_corpus_content(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	unsigned char *msg, *want, *json;
	size_t len, wlen, jlen;

	(void)state;
	/* rpt01: the gzip part inflates to exactly rpt01.json */
	msg = tu_read("corpus/mail-auth__rpt01.eml", &len);
	assert_int_equal(run_buf(msg, len, NULL, &r, &err), TR_OK);
	want = tu_read("corpus/mail-auth__rpt01.json", &wlen);
	json = gunzip(r.parts[0].data, r.parts[0].len, &jlen);
	assert_int_equal(jlen, wlen);
	assert_memory_equal(json, want, wlen);
	free(json);
	free(want);
	tr_mime_result_free(&r);
	free(msg);

	/* rpt02: the uncompressed part is rpt02.json */
	msg = tu_read("corpus/invalid/mail-auth__rpt02.eml", &len);
	assert_int_equal(run_buf(msg, len, NULL, &r, &err), TR_OK);
	want = tu_read("corpus/mail-auth__rpt02.json", &wlen);
	assert_true(trimmed_equal(r.parts[0].data, r.parts[0].len, want,
	    wlen));
	free(want);
	tr_mime_result_free(&r);
	free(msg);

	/* mox's 8bit part is its reportJSON (sent with CRLF) */
	msg = tu_read("corpus/mox__report_test.go.tlsrptMessage.eml", &len);
	assert_int_equal(run_buf(msg, len, NULL, &r, &err), TR_OK);
	want = tu_read("corpus/mox__report_test.go.reportJSON.json", &wlen);
	assert_true(trimmed_equal(r.parts[0].data, r.parts[0].len, want,
	    wlen));
	/* the line break before the delimiter is not part of the body, the
	 * blank line before it is */
	assert_true(r.parts[0].len > 3);
	assert_memory_equal(r.parts[0].data + r.parts[0].len - 3, "}\r\n",
	    3);
	free(want);
	tr_mime_result_free(&r);
	free(msg);
}

/* swap_line_ends - CRLF made LF, or LF made CRLF when there was no CR */
static unsigned char *
swap_line_ends(const unsigned char *in, size_t len, size_t *outlen)
{
	unsigned char *out = malloc(2 * len + 1);
	int had_cr = memchr(in, '\r', len) != NULL;
	size_t i, o = 0;

	assert_non_null(out);
	for (i = 0; i < len; i++) {
		if (had_cr && in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		if (!had_cr && in[i] == '\n')
			out[o++] = '\r';
		out[o++] = in[i];
	}
	*outlen = o;
	return out;
}

static void
test_corpus_line_ends_do_not_matter(void **state)
{
	struct tr_mime_result a, b;
	struct tr_error err;
	unsigned char *msg, *sw;
	size_t len, swlen, i;

	(void)state;
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		msg = tu_read(corpus[i].file, &len);
		sw = swap_line_ends(msg, len, &swlen);
		assert_true(swlen != len);
		assert_int_equal(run_buf(msg, len, NULL, &a, &err), TR_OK);
		assert_int_equal(run_buf(sw, swlen, NULL, &b, &err), TR_OK);
		assert_int_equal(a.nparts, b.nparts);
		assert_int_equal(a.parts[0].payload, b.parts[0].payload);
		assert_int_equal(a.parts[0].index, b.parts[0].index);
		assert_string_equal(a.parts[0].filename, b.parts[0].filename);
		assert_string_equal(a.meta.subject, b.meta.subject);
		if (a.parts[0].payload == TR_PAYLOAD_GZIP) {
			assert_int_equal(a.parts[0].len, b.parts[0].len);
			assert_memory_equal(a.parts[0].data, b.parts[0].data,
			    a.parts[0].len);
		} else {
			assert_true(trimmed_equal(a.parts[0].data,
			    a.parts[0].len, b.parts[0].data, b.parts[0].len));
		}
		assert_int_equal(a.notes.n, b.notes.n);
		tr_mime_result_free(&a);
		tr_mime_result_free(&b);
		free(sw);
		free(msg);
	}
}

static void
test_corpus_every_prefix(void **state)
{
	static const char *const files[] = {
		"corpus/mox__example.eml",
		"corpus/mail-auth__rpt01.eml",
		"corpus/mox__report_test.go.tlsrptMessage.eml",
	};
	struct tr_mime_result r;
	struct tr_error err;
	unsigned char *msg;
	size_t len, n, f, i;
	enum tr_err rc;
	unsigned ok = 0;

	(void)state;
	/* a message cut anywhere (a dropped connection, a full disk) gives a
	 * clean answer and never a read past the cut */
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		msg = tu_read(files[f], &len);
		for (n = 0; n <= len; n++) {
			rc = run_buf(msg, n, NULL, &r, &err);
			assert_true(rc == TR_OK || rc == TR_ERR_NO_REPORT ||
			    rc == TR_ERR_MIME || rc == TR_ERR_ENCODING);
			if (rc == TR_OK) {
				ok++;
				assert_true(r.nparts >= 1);
				for (i = 0; i < r.nparts; i++) {
					assert_true(r.parts[i].len > 0);
					assert_int_equal(
					    r.parts[i].data[r.parts[i].len], 0);
				}
			} else {
				assert_int_equal(r.nparts, 0);
				assert_true(err.msg[0] != '\0');
			}
			tr_mime_result_free(&r);
		}
		free(msg);
	}
	/* and the longer prefixes, at least, still find their report */
	assert_true(ok > 100);
}

static void
test_fast(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	unsigned char *msg;
	size_t len;
	clock_t t0;
	double us;
	int i, iters = 20000;

	(void)state;
	msg = tu_read("corpus/mox__example.eml", &len);
	t0 = clock();
	for (i = 0; i < iters; i++) {
		assert_int_equal(tr_mime_extract(msg, len, NULL, &r, &err),
		    TR_OK);
		tr_mime_result_free(&r);
	}
	us = (double)(clock() - t0) / CLOCKS_PER_SEC * 1e6 / iters;
	print_message("%zu-byte report mail: %.2f us per message\n", len, us);
	/* a few us in a plain build; generous for sanitizers and busy CI */
	assert_true(us < 500.0);
	free(msg);
}

/* --------------------------------------------------------- built-in mail */

static const char basic[] =
    REPORT("b1")
    "preamble, ignored\n"
    TEXTPART("b1")
    "--b1\n"
    "Content-Type: application/tlsrpt+json\n"
    "Content-Disposition: attachment; filename=\"r.json\"\n"
    "\n"
    JSON1 "\n"
    "--b1--\n"
    "epilogue, ignored\n";

/* check_basic - the expectations for basic, whatever the line ends */
static void
check_basic(const struct tr_mime_result *r)
{
	assert_int_equal(r->nparts, 1);
	assert_part(&r->parts[0], TR_PAYLOAD_JSON, "application/tlsrpt+json",
	    "r.json", 1);
	assert_int_equal(r->parts[0].len, strlen(JSON1));
	assert_memory_equal(r->parts[0].data, JSON1, strlen(JSON1));
	assert_string_equal(r->meta.message_id, "<t1@example.org>");
	assert_string_equal(r->meta.report_domain, "example.net");
	assert_string_equal(r->meta.from, "reporter@example.org");
	assert_null(r->meta.report_submitter);
	assert_null(r->meta.date);
	if (r->notes.n != 0)
		dump_notes(r);
	assert_int_equal(r->notes.n, 0);
}

static void
test_lf_line_ends(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(basic, 0, NULL, &r, &err), TR_OK);
	check_basic(&r);
	tr_mime_result_free(&r);
}

static void
test_crlf_line_ends(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(basic, 1, NULL, &r, &err), TR_OK);
	check_basic(&r);
	tr_mime_result_free(&r);
}

static void
test_mixed_line_ends(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	size_t n = strlen(basic), i, o = 0, line = 0;
	char *m = malloc(2 * n);

	(void)state;
	assert_non_null(m);
	for (i = 0; i < n; i++) {
		if (basic[i] == '\n' && line++ % 2 == 0)
			m[o++] = '\r';
		m[o++] = basic[i];
	}
	assert_int_equal(run_buf(m, o, NULL, &r, &err), TR_OK);
	check_basic(&r);
	tr_mime_result_free(&r);
	free(m);
}

static void
test_report_type_forms(void **state)
{
	static const struct {
		const char *ct;
		const char *note;	/* NULL: none expected */
	} cases[] = {
		{ "multipart/report; report-type=tlsrpt; boundary=b1", NULL },
		{ "multipart/report; report-type=\"tlsrpt\"; boundary=b1",
		    NULL },
		{ "multipart/report; boundary=b1; REPORT-TYPE=\"TLSRPT\"",
		    NULL },
		{ "Multipart/Report (a comment); boundary=b1;\n"
		    "\treport-type=tlsrpt (another)", NULL },
		{ "multipart/report; boundary=b1",
		    "multipart/report without a report-type parameter" },
		{ "multipart/report; report-type=delivery-status; boundary=b1",
		    "multipart/report report-type \"delivery-status\" instead "
		    "of \"tlsrpt\"" },
		{ "multipart/mixed; boundary=b1",
		    "top-level type multipart/mixed instead of "
		    "multipart/report" },
	};
	struct tr_mime_result r;
	struct tr_error err;
	char msg[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), "Content-Type: %s\n\n"
		    "--b1\nContent-Type: application/tlsrpt+json\n\n"
		    JSON1 "\n--b1--\n", cases[i].ct);
		assert_int_equal(run(msg, i % 2, NULL, &r, &err), TR_OK);
		assert_int_equal(r.nparts, 1);
		assert_part(&r.parts[0], TR_PAYLOAD_JSON,
		    "application/tlsrpt+json", NULL, 0);
		if (cases[i].note == NULL) {
			if (r.notes.n != 0)
				dump_notes(&r);
			assert_int_equal(r.notes.n, 0);
		} else {
			assert_int_equal(r.notes.n, 1);
			assert_string_equal(r.notes.v[0], cases[i].note);
		}
		tr_mime_result_free(&r);
	}
}

static const char nested[] =
    REPORT("outer")
    TEXTPART("outer")
    "--outer\n"
    "Content-Type: multipart/mixed; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain\n"
    "\n"
    "more words\n"
    "--inner\n"
    "Content-Type: application/tlsrpt+gzip\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    GZ64 "\n"
    "--inner--\n"
    "inner epilogue\n"
    "--outer--\n";

static void
test_nested_multipart(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	int crlf;

	(void)state;
	for (crlf = 0; crlf <= 1; crlf++) {
		assert_int_equal(run(nested, crlf, NULL, &r, &err), TR_OK);
		assert_int_equal(r.nparts, 1);
		/* leaves: text 0, text 1, report 2 */
		assert_part(&r.parts[0], TR_PAYLOAD_GZIP,
		    "application/tlsrpt+gzip", NULL, 2);
		assert_int_equal(r.parts[0].len, GZLEN);
		assert_int_equal(r.notes.n, 0);
		tr_mime_result_free(&r);
	}
}

static void
test_rfc2231_split_filename(void **state)
{
	static const char msg[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment;\n"
	    "\tfilename*0*=utf-8''foo%20bar;\n"
	    "\tfilename*1*=.json.gz\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    GZ64 "\n"
	    "--b--\n";
	static const char reversed[] =
	    REPORT("b")
	    "--b\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename*1=\".json\";\n"
	    " filename*0*=us-ascii'en'r%65port; filename=\"fallback.bin\"\n"
	    "\n"
	    JSON1 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 1, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], TR_PAYLOAD_GZIP, "application/octet-stream",
	    "foo bar.json.gz", 1);
	tr_mime_result_free(&r);

	/* sections out of order, and RFC 2231 wins over the plain name */
	assert_int_equal(run(reversed, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], TR_PAYLOAD_JSON, "application/octet-stream",
	    "report.json", 0);
	tr_mime_result_free(&r);
}

static void
test_octet_stream_json_gz(void **state)
{
	static const char msg[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment;\n"
	    "  filename=\"google.com!example.net!1!2!001.json.gz\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    GZ64 "\n"
	    "--b--\n";
	static const char gz_only[] =
	    REPORT("b")
	    "--b\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename=example.GZ\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    GZ64 "\n"
	    "--b--\n";
	static const char notreport[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/octet-stream; name=\"logo.png\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    GZ64 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], TR_PAYLOAD_GZIP, "application/octet-stream",
	    "google.com!example.net!1!2!001.json.gz", 1);
	assert_int_equal(r.notes.n, 1);
	assert_string_equal(r.notes.v[0], "non-RFC media type "
	    "application/octet-stream for the report part");
	tr_mime_result_free(&r);

	/* a bare .gz name (smtp_tls_reporting's example.gz) counts too */
	assert_int_equal(run(gz_only, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], TR_PAYLOAD_GZIP, "application/octet-stream",
	    "example.GZ", 0);
	assert_int_equal(r.notes.n, 1);
	tr_mime_result_free(&r);

	/* an octet-stream without a report-like name is not a report */
	assert_int_equal(run(notreport, 0, NULL, &r, &err), TR_ERR_NO_REPORT);
	assert_string_equal(err.msg, "no report part (top-level type "
	    "multipart/report; parts: text/plain, application/octet-stream)");
	assert_int_equal(r.nparts, 0);
	tr_mime_result_free(&r);
}

static void
test_name_parameter_fallback(void **state)
{
	static const char msg[] =
	    REPORT("b")
	    "--b\n"
	    "Content-Type: application/octet-stream; name=\"Report.JSON\"\n"
	    "\n"
	    "  " JSON1 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], TR_PAYLOAD_JSON, "application/octet-stream",
	    "Report.JSON", 0);
	tr_mime_result_free(&r);
}

static void
test_zip_by_magic(void **state)
{
	static const char zip[] =
	    REPORT("b")
	    "--b\n"
	    "Content-Type: application/zip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    ZIP64 "\n"
	    "--b--\n";
	static const char named[] =
	    REPORT("b")
	    "--b\n"
	    "Content-Type: application/octet-stream; name=r.zip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    ZIP64 "\n"
	    "--b--\n";
	static const char mislabelled[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    ZIP64 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(zip, 0, NULL, &r, &err), TR_OK);
	assert_part(&r.parts[0], TR_PAYLOAD_ZIP, "application/zip", NULL, 0);
	assert_int_equal(r.notes.n, 1);
	assert_string_equal(r.notes.v[0],
	    "non-RFC media type application/zip for the report part");
	tr_mime_result_free(&r);

	assert_int_equal(run(named, 1, NULL, &r, &err), TR_OK);
	assert_part(&r.parts[0], TR_PAYLOAD_ZIP, "application/octet-stream",
	    "r.zip", 0);
	tr_mime_result_free(&r);

	/* the bytes decide, and the disagreement is recorded */
	assert_int_equal(run(mislabelled, 0, NULL, &r, &err), TR_OK);
	assert_part(&r.parts[0], TR_PAYLOAD_ZIP, "application/tlsrpt+gzip",
	    NULL, 1);
	assert_int_equal(r.notes.n, 1);
	assert_string_equal(r.notes.v[0], "part 2 declared as gzip "
	    "(application/tlsrpt+gzip) but holds zip");
	tr_mime_result_free(&r);
}

static void
test_sniff_beats_declared_type(void **state)
{
	static const char json_named_gz[] =
	    REPORT("b")
	    "--b\n"
	    "Content-Type: application/x-gzip; name=\"r.json.gz\"\n"
	    "\n"
	    JSON1 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;
	char msg[512];

	(void)state;
	snprintf(msg, sizeof(msg), "Content-Type: application/tlsrpt+json\n"
	    "Content-Transfer-Encoding: base64\n\n" GZ64 "\n");
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_part(&r.parts[0], TR_PAYLOAD_GZIP, "application/tlsrpt+json",
	    NULL, 0);
	assert_true(has_note(&r, "part 1 declared as JSON "
	    "(application/tlsrpt+json) but holds gzip"));
	tr_mime_result_free(&r);

	assert_int_equal(run(json_named_gz, 0, NULL, &r, &err), TR_OK);
	assert_part(&r.parts[0], TR_PAYLOAD_JSON, "application/x-gzip",
	    "r.json.gz", 0);
	assert_int_equal(r.notes.n, 2);
	assert_string_equal(r.notes.v[0],
	    "non-RFC media type application/x-gzip for the report part");
	assert_string_equal(r.notes.v[1], "part 1 declared as gzip "
	    "(application/x-gzip) but holds JSON");
	tr_mime_result_free(&r);
}

static void
test_non_rfc_types(void **state)
{
	static const char *const types[] = {
		"application/json", "application/gzip", "application/x-gzip",
		"application/tlsrpt", "application/tlsrpt+x-gzip",
		"application/x-tlsrpt+gzip", "application/zip",
		"application/x-zip-compressed",
	};
	struct tr_mime_result r;
	struct tr_error err;
	char msg[512], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(msg, sizeof(msg), "Content-Type: %s\n"
		    "Content-Transfer-Encoding: base64\n\n" GZ64 "\n",
		    types[i]);
		assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
		assert_part(&r.parts[0], TR_PAYLOAD_GZIP, types[i], NULL, 0);
		snprintf(want, sizeof(want), "non-RFC media type %s for the "
		    "report part", types[i]);
		assert_true(has_note(&r, want));
		tr_mime_result_free(&r);
	}
	/* and the RFC ones carry no such note */
	snprintf(msg, sizeof(msg), "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n\n" GZ64 "\n");
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_false(has_note(&r, "non-RFC"));
	tr_mime_result_free(&r);
}

static void
test_two_report_parts(void **state)
{
	static const char msg[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    GZ64 "\n"
	    "--b\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    JSON1 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 1, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 2);
	assert_part(&r.parts[0], TR_PAYLOAD_GZIP, "application/tlsrpt+gzip",
	    NULL, 1);
	assert_part(&r.parts[1], TR_PAYLOAD_JSON, "application/tlsrpt+json",
	    NULL, 2);
	assert_int_equal(r.parts[0].len, GZLEN);
	assert_int_equal(r.parts[1].len, strlen(JSON1));
	tr_mime_result_free(&r);
}

static void
test_trailing_text_parts(void **state)
{
	static const char msg[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Description: the report\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    GZ64 "\n"
	    "--b\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "A footer added by a list server.\n"
	    "--b\n"
	    "Content-Type: text/html; charset=\"us-ascii\"\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "<p>External email =E2=80=93 be caref=\n"
	    "ul</p>\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 1, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], TR_PAYLOAD_GZIP, "application/tlsrpt+gzip",
	    NULL, 1);
	assert_int_equal(r.notes.n, 0);
	tr_mime_result_free(&r);
}

static void
test_human_reply_no_report(void **state)
{
	static const char reply[] =
	    TOP("text/plain; charset=utf-8")
	    "Thanks for your report! We will look into it.\n";
	static const char alternative[] =
	    TOP("multipart/alternative; boundary=alt")
	    "--alt\n"
	    "Content-Type: text/plain\n\nI am out of office.\n"
	    "--alt\n"
	    "Content-Type: text/html\n\n<p>I am out of office.</p>\n"
	    "--alt--\n";
	static const char forwarded[] =
	    TOP("multipart/mixed; boundary=fw")
	    "--fw\n"
	    "Content-Type: text/plain\n\nSee the attached report.\n"
	    "--fw\n"
	    "Content-Type: message/rfc822\n\n"
	    "Content-Type: application/tlsrpt+json\n\n" JSON1 "\n"
	    "--fw--\n";
#define LONGP(x)	"--m\nContent-Type: " x \
	"/X-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\nno\n"
#define LONGT	"tttttttttttttttttttttttttttttt/x-aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHORTT	"text/plain"
	static const char many[] =
	    TOP("multipart/mixed; boundary=m")
	    LONGP("TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT")
	    LONGP("TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT")
	    "--m\nContent-Type: Text/Plain\n\nno\n"
	    LONGP("TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT")
	    LONGP("TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT")
	    LONGP("TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT")
	    "--m--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(reply, 0, NULL, &r, &err), TR_ERR_NO_REPORT);
	assert_string_equal(err.msg,
	    "no report part (top-level type text/plain)");
	assert_int_equal(r.nparts, 0);
	assert_null(r.parts);
	/* the caller still has something to log and quarantine with */
	assert_string_equal(r.meta.message_id, "<t1@example.org>");
	assert_string_equal(r.meta.from, "reporter@example.org");
	tr_mime_result_free(&r);

	assert_int_equal(run(alternative, 1, NULL, &r, &err),
	    TR_ERR_NO_REPORT);
	assert_string_equal(err.msg, "no report part (top-level type "
	    "multipart/alternative; parts: text/plain, text/html)");
	tr_mime_result_free(&r);

	/* long types: each half cut at 30 bytes, lower-cased; the list of
	 * parts cut to its room (159 bytes) */
	assert_int_equal(run(many, 0, NULL, &r, &err), TR_ERR_NO_REPORT);
	assert_string_equal(err.msg, "no report part (top-level type "
	    "multipart/mixed; parts: " LONGT ", " LONGT ", " SHORTT
	    ", ttttttttttttttttttttt)");
	tr_mime_result_free(&r);

	/* a forwarded report mail is descended: its report is found */
	assert_int_equal(run(forwarded, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_string_equal((const char *)r.parts[0].data, JSON1);
	tr_mime_result_free(&r);

	/* no Content-Type at all, and nothing at all */
	assert_int_equal(run("Subject: hi\n\nhello\n", 0, NULL, &r, &err),
	    TR_ERR_NO_REPORT);
	assert_string_equal(err.msg,
	    "no report part (top-level type text/plain)");
	assert_string_equal(r.meta.subject, "hi");
	tr_mime_result_free(&r);
	assert_int_equal(run("", 0, NULL, &r, &err), TR_ERR_NO_REPORT);
	tr_mime_result_free(&r);
}

/* deep - n multiparts nested, the innermost holding a JSON report */
static char *
deep(unsigned n)
{
	size_t cap = 256 + n * 128, o = 0;
	char *m = malloc(cap);
	unsigned i;

	assert_non_null(m);
	o += (size_t)snprintf(m + o, cap - o,
	    "Content-Type: multipart/mixed; boundary=d0\n\n");
	for (i = 1; i < n; i++)
		o += (size_t)snprintf(m + o, cap - o, "--d%u\nContent-Type: "
		    "multipart/mixed; boundary=d%u\n\n", i - 1, i);
	o += (size_t)snprintf(m + o, cap - o, "--d%u\nContent-Type: "
	    "application/tlsrpt+json\n\n" JSON1 "\n", n - 1);
	for (i = n; i > 0; i--)
		o += (size_t)snprintf(m + o, cap - o, "--d%u--\n", i - 1);
	assert_true(o < cap);
	return m;
}

/* test_forwarded_reports - every report inside message/rfc822 parts is
 * found, next to the message's own, whatever the enclosed message's shape;
 * an enclosed message without a report is noted */
static void
test_forwarded_reports(void **state)
{
	static const char msg[] =
	    TOP("multipart/mixed; boundary=fw")
	    "--fw\n"
	    "Content-Type: application/tlsrpt+json\n\n" JSON1 "\n"
	    "--fw\n"
	    "Content-Type: message/rfc822\n\n"
	    "From: other@example.com\n"
	    "Subject: a forwarded report\n"
	    "Content-Type: multipart/report; report-type=tlsrpt; boundary=in\n"
	    "\n"
	    "--in\n"
	    "Content-Type: text/plain\n\nThe report.\n"
	    "--in\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "Content-Disposition: attachment; filename=inner.json\n\n"
	    "{\"inner\":1}\n"
	    "--in--\n"
	    "--fw\n"
	    "Content-Type: message/rfc822\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    /* "Content-Type: application/tlsrpt+json\n\n{\"b64\":2}\n" */
	    "Q29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi90bHNycHQranNvbgoKeyJiNjQiOjJ9Cg==\n"
	    "--fw\n"
	    "Content-Type: message/rfc822\n\n"
	    "Subject: only words\n\nNothing to see.\n"
	    "--fw--\n";
	struct tr_mime_result r;
	struct tr_error err;
	int crlf;

	(void)state;
	for (crlf = 0; crlf <= 1; crlf++) {
		assert_int_equal(run(msg, crlf, NULL, &r, &err), TR_OK);
		assert_int_equal(r.nparts, 3);
		assert_string_equal((const char *)r.parts[0].data, JSON1);
		assert_string_equal((const char *)r.parts[1].data,
		    "{\"inner\":1}");
		assert_string_equal(r.parts[1].filename, "inner.json");
		/* the body of the decoded message, its line end included */
		assert_string_equal((const char *)r.parts[2].data,
		    "{\"b64\":2}\n");
		/* the outer message's headers, not the enclosed one's */
		assert_string_equal(r.meta.from, "reporter@example.org");
		assert_null(r.meta.subject);
		assert_true(has_note(&r, "part 4 (message/rfc822): the "
		    "enclosed message holds no report"));
		tr_mime_result_free(&r);
	}
}

/* test_forwarded_nesting - enclosed messages count against the nesting
 * limit: a chain of them cannot recurse without bound */
static void
test_forwarded_nesting(void **state)
{
	char msg[4096];
	struct tr_mime_result r;
	struct tr_error err;
	struct tr_limits lim;
	size_t n;
	int i;

	(void)state;
	tr_limits_default(&lim);
	n = (size_t)snprintf(msg, sizeof(msg), "%s", TOP("message/rfc822"));
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
		    "Content-Type: message/rfc822\n\n");
	snprintf(msg + n, sizeof(msg) - n,
	    "Content-Type: application/tlsrpt+json\n\n" JSON1 "\n");
	assert_int_equal(run(msg, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	assert_non_null(strstr(err.msg, "nested deeper than 8 levels"));
	tr_mime_result_free(&r);
	/* within the limit the report at the bottom is found */
	n = (size_t)snprintf(msg, sizeof(msg), "%s", TOP("message/rfc822"));
	for (i = 0; i < 3; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
		    "Content-Type: message/rfc822\n\n");
	snprintf(msg + n, sizeof(msg) - n,
	    "Content-Type: application/tlsrpt+json\n\n" JSON1 "\n");
	assert_int_equal(run(msg, 0, &lim, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	tr_mime_result_free(&r);
}

static void
test_nesting_limit(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	struct tr_limits lim;
	char *m;

	(void)state;
	tr_limits_default(&lim);
	lim.max_mime_depth = 3;
	m = deep(3);
	assert_int_equal(run(m, 0, &lim, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	tr_mime_result_free(&r);
	free(m);

	m = deep(4);
	assert_int_equal(run(m, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	assert_string_equal(err.msg, "part 1.1.1 (multipart/mixed): "
	    "multipart nesting deeper than 3 levels");
	assert_int_equal(r.nparts, 0);
	tr_mime_result_free(&r);
	free(m);

	/* a configuration asking for more still has a ceiling */
	lim.max_mime_depth = 1000000;
	m = deep(200);
	assert_int_equal(run(m, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	assert_non_null(strstr(err.msg, "multipart nesting deeper than 64 "
	    "levels"));
	tr_mime_result_free(&r);
	free(m);
}

/* many - a multipart/report with ntext text parts and njson reports */
static char *
many(unsigned ntext, unsigned njson)
{
	size_t cap = 256 + (ntext + njson) * 96, o = 0;
	char *m = malloc(cap);
	unsigned i;

	assert_non_null(m);
	o += (size_t)snprintf(m + o, cap - o, "Content-Type: multipart/report; "
	    "report-type=tlsrpt; boundary=m\n\n");
	for (i = 0; i < ntext; i++)
		o += (size_t)snprintf(m + o, cap - o,
		    "--m\nContent-Type: text/plain\n\ntext %u\n", i);
	for (i = 0; i < njson; i++)
		o += (size_t)snprintf(m + o, cap - o, "--m\nContent-Type: "
		    "application/tlsrpt+json\n\n" JSON1 "\n");
	o += (size_t)snprintf(m + o, cap - o, "--m--\n");
	assert_true(o < cap);
	return m;
}

static void
test_part_limits(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	struct tr_limits lim;
	char *m;

	(void)state;
	tr_limits_default(&lim);
	lim.max_mime_parts = 4;
	m = many(3, 1);
	assert_int_equal(run(m, 0, &lim, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_int_equal(r.parts[0].index, 3);
	tr_mime_result_free(&r);
	free(m);
	m = many(4, 1);
	assert_int_equal(run(m, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	assert_string_equal(err.msg, "message has more than 4 MIME parts");
	tr_mime_result_free(&r);
	free(m);

	/* report parts have their own, lower limit */
	tr_limits_default(&lim);
	lim.max_reports = 3;
	m = many(1, 3);
	assert_int_equal(run(m, 0, &lim, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 3);
	tr_mime_result_free(&r);
	free(m);
	m = many(1, 4);
	assert_int_equal(run(m, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	assert_string_equal(err.msg, "message has more than 3 report parts");
	assert_int_equal(r.nparts, 0);
	tr_mime_result_free(&r);
	free(m);

	/* the default limits hold a large but sane message */
	m = many(60, 16);
	assert_int_equal(run(m, 1, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 16);
	assert_int_equal(r.parts[15].index, 75);
	tr_mime_result_free(&r);
	free(m);
}

static void
test_header_limit(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	struct tr_limits lim;
	char msg[2048], fill[300];
	size_t hdr;
	int n;

	(void)state;
	memset(fill, 'x', sizeof(fill) - 1);
	fill[sizeof(fill) - 1] = '\0';
	tr_limits_default(&lim);
	lim.max_header_bytes = 200;
	n = snprintf(msg, sizeof(msg), "Message-ID: <big@example.org>\n"
	    "X-Filler: %s\nContent-Type: application/tlsrpt+json\n\n" JSON1,
	    fill);
	assert_true(n > 0 && (size_t)n < sizeof(msg));
	assert_int_equal(run(msg, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	assert_string_equal(err.msg,
	    "message: header section over the limit of 200 bytes");
	/* what fitted was still read */
	assert_string_equal(r.meta.message_id, "<big@example.org>");
	tr_mime_result_free(&r);

	/* a body part's header has the same limit */
	n = snprintf(msg, sizeof(msg), "Content-Type: multipart/report; "
	    "boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\n"
	    "X-Filler: %s\nContent-Type: application/tlsrpt+json\n\n" JSON1
	    "\n--b--\n", fill);
	assert_int_equal(run(msg, 1, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	assert_string_equal(err.msg,
	    "part 2: header section over the limit of 200 bytes");
	tr_mime_result_free(&r);

	/* exactly at the limit is fine, one byte over is not */
	hdr = strlen("Content-Type: application/tlsrpt+json\n");
	n = snprintf(msg, sizeof(msg), "Content-Type: application/tlsrpt+json"
	    "\nX: %.*s\n\n" JSON1, (int)(200 - hdr - 4), fill);
	lim.max_header_bytes = 200;
	assert_int_equal(run(msg, 0, &lim, &r, &err), TR_OK);
	tr_mime_result_free(&r);
	lim.max_header_bytes = 199;
	assert_int_equal(run(msg, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	tr_mime_result_free(&r);

	/* a header that never ends is refused at the limit, not the end */
	n = snprintf(msg, sizeof(msg), "Subject: %s%s%s", fill, fill, fill);
	lim.max_header_bytes = 100;
	assert_int_equal(run(msg, 0, &lim, &r, &err), TR_ERR_MIME_LIMIT);
	tr_mime_result_free(&r);
}

static void
test_message_size_limit(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	struct tr_limits lim;
	size_t n = strlen(basic);
	char want[128];

	(void)state;
	tr_limits_default(&lim);
	lim.max_message = n - 1;
	assert_int_equal(run(basic, 0, &lim, &r, &err), TR_ERR_TOO_LARGE);
	snprintf(want, sizeof(want), "message is %zu bytes, over the limit "
	    "of %zu", n, n - 1);
	assert_string_equal(err.msg, want);
	/* refused before any parsing: no meta */
	assert_null(r.meta.message_id);
	assert_int_equal(r.nparts, 0);
	tr_mime_result_free(&r);
	lim.max_message = n;
	assert_int_equal(run(basic, 0, &lim, &r, &err), TR_OK);
	tr_mime_result_free(&r);
}

static void
test_broken_base64(void **state)
{
	static const char msg[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "H4sIAAAAAAAAA6tWK*AAAA\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 1, NULL, &r, &err), TR_ERR_ENCODING);
	assert_string_equal(err.msg, "part 2 (application/tlsrpt+gzip): "
	    "base64: invalid character 0x2a at offset 17");
	assert_int_equal(r.nparts, 0);
	assert_string_equal(r.meta.message_id, "<t1@example.org>");
	tr_mime_result_free(&r);
}

static void
test_missing_boundary_parameter(void **state)
{
	static const char top[] =
	    TOP("multipart/report; report-type=tlsrpt")
	    "--b\nContent-Type: application/tlsrpt+json\n\n" JSON1 "\n--b--\n";
	static const char inner[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: multipart/mixed\n"
	    "\n"
	    "--c\nContent-Type: application/tlsrpt+json\n\n" JSON1 "\n"
	    "--c--\n"
	    "--b--\n";
	static const char empty[] =
	    TOP("multipart/report; report-type=tlsrpt; boundary=\"\"")
	    "--\nContent-Type: application/tlsrpt+json\n\n" JSON1 "\n----\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(top, 0, NULL, &r, &err), TR_ERR_MIME);
	assert_string_equal(err.msg,
	    "message (multipart/report) has no boundary parameter");
	assert_string_equal(r.meta.report_domain, "example.net");
	tr_mime_result_free(&r);

	assert_int_equal(run(inner, 1, NULL, &r, &err), TR_ERR_MIME);
	assert_string_equal(err.msg,
	    "part 2 (multipart/mixed) has no boundary parameter");
	tr_mime_result_free(&r);

	assert_int_equal(run(empty, 0, NULL, &r, &err), TR_ERR_MIME);
	assert_string_equal(err.msg,
	    "message (multipart/report) has an empty boundary parameter");
	tr_mime_result_free(&r);
}

static void
test_boundary_not_found(void **state)
{
	static const char msg[] =
	    REPORT("XYZ")
	    "--b\nContent-Type: application/tlsrpt+json\n\n" JSON1 "\n--b--\n";
	static const char inner[] =
	    REPORT("b")
	    "--b\n"
	    "Content-Type: multipart/mixed; boundary=nope\n"
	    "\n"
	    "--c\nContent-Type: application/tlsrpt+json\n\n" JSON1 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_ERR_MIME);
	assert_string_equal(err.msg,
	    "multipart/report boundary \"XYZ\" not found");
	tr_mime_result_free(&r);

	assert_int_equal(run(inner, 0, NULL, &r, &err), TR_ERR_MIME);
	assert_string_equal(err.msg,
	    "part 1 (multipart/mixed): boundary \"nope\" not found");
	tr_mime_result_free(&r);
}

static void
test_missing_close_delimiter(void **state)
{
	static const char msg[] =
	    REPORT("b1")
	    TEXTPART("b1")
	    "--b1\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    JSON1 "\n";
	struct tr_mime_result r;
	struct tr_error err;
	int crlf;

	(void)state;
	for (crlf = 0; crlf <= 1; crlf++) {
		assert_int_equal(run(msg, crlf, NULL, &r, &err), TR_OK);
		assert_int_equal(r.nparts, 1);
		assert_part(&r.parts[0], TR_PAYLOAD_JSON,
		    "application/tlsrpt+json", NULL, 1);
		assert_memory_equal(r.parts[0].data, JSON1, strlen(JSON1));
		assert_int_equal(r.notes.n, 1);
		assert_string_equal(r.notes.v[0], "multipart/report boundary "
		    "\"b1\": close delimiter missing");
		tr_mime_result_free(&r);
	}
}

static void
test_delimiter_lines(void **state)
{
	/* "--b1x" and "--b1-" are not delimiters of b1; "--b1 \t" is */
	static const char msg[] =
	    REPORT("b1")
	    "--b1 \t\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    "{\"a\":\n"
	    "--b1x\n"
	    " --b1\n"
	    "--b1-\n"
	    "1}\n"
	    "--b1--  \n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 1, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_int_equal(r.parts[0].len,
	    strlen("{\"a\":\r\n--b1x\r\n --b1\r\n--b1-\r\n1}"));
	assert_memory_equal(r.parts[0].data,
	    "{\"a\":\r\n--b1x\r\n --b1\r\n--b1-\r\n1}", r.parts[0].len);
	assert_int_equal(r.notes.n, 0);
	tr_mime_result_free(&r);
}

/* odd_b64 - base64 of in, lines of uneven lengths, no '=' padding, as
 * Google's encoder sends it */
static char *
odd_b64(const unsigned char *in, size_t n, const char *eol)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const size_t widths[] = { 73, 61, 77, 19, 1, 76 };
	size_t i, k, col = 0, w = 0, cap = n * 3 + 64, o = 0;
	char *out = malloc(cap), q[4];
	uint32_t v;

	assert_non_null(out);
	for (i = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		q[0] = a[v >> 18 & 63];
		q[1] = a[v >> 12 & 63];
		q[2] = a[v >> 6 & 63];
		q[3] = a[v & 63];
		for (k = 0; k < (i + 2 < n ? 4u : i + 1 < n ? 3u : 2u); k++) {
			out[o++] = q[k];
			if (++col == widths[w]) {
				o += (size_t)snprintf(out + o, cap - o, "%s",
				    eol);
				col = 0;
				if (++w == sizeof(widths) / sizeof(widths[0]))
					w = 0;
			}
		}
	}
	out[o] = '\0';
	assert_true(o < cap);
	return out;
}

static void
test_google_base64(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	unsigned char *gz;
	size_t gzlen, cap, n;
	char *enc, *msg;
	int crlf;

	(void)state;
	gz = tu_read("corpus/mail-tls-rpt__report.json.gz", &gzlen);
	/* pick a length the padding would be needed for */
	assert_true(gzlen % 3 != 0);
	for (crlf = 0; crlf <= 1; crlf++) {
		enc = odd_b64(gz, gzlen, crlf ? "\r\n" : "\n");
		assert_null(strchr(enc, '='));
		cap = strlen(enc) + 1024;
		msg = malloc(cap);
		assert_non_null(msg);
		n = (size_t)snprintf(msg, cap, "Content-Type: multipart/report;"
		    " boundary=\"g\"; report-type=tlsrpt%s%s--g%sContent-Type: "
		    "application/tlsrpt+gzip;%s\tname=\"google.json.gz\"%s"
		    "Content-Transfer-Encoding: base64%s%s%s%s--g--%s",
		    crlf ? "\r\n" : "\n", crlf ? "\r\n" : "\n",
		    crlf ? "\r\n" : "\n", crlf ? "\r\n" : "\n",
		    crlf ? "\r\n" : "\n", crlf ? "\r\n" : "\n",
		    crlf ? "\r\n" : "\n", enc, crlf ? "\r\n" : "\n",
		    crlf ? "\r\n" : "\n");
		assert_int_equal(run_buf(msg, n, NULL, &r, &err), TR_OK);
		assert_int_equal(r.nparts, 1);
		assert_part(&r.parts[0], TR_PAYLOAD_GZIP,
		    "application/tlsrpt+gzip", "google.json.gz", 0);
		assert_int_equal(r.parts[0].len, gzlen);
		assert_memory_equal(r.parts[0].data, gz, gzlen);
		tr_mime_result_free(&r);
		free(msg);
		free(enc);
	}
	free(gz);
}

static void
test_quoted_printable_json(void **state)
{
	static const char msg[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "Content-Transfer-Encoding: Quoted-Printable\n"
	    "\n"
	    "{\"organization-name\"=3A\"Company=\n"
	    "-X\",\"note\":\"=e2=80=93\"}\n"
	    "--b--\n";
	static const char want[] =
	    "{\"organization-name\":\"Company-X\",\"note\":\"\xe2\x80\x93\"}";
	struct tr_mime_result r;
	struct tr_error err;
	int crlf;

	(void)state;
	for (crlf = 0; crlf <= 1; crlf++) {
		assert_int_equal(run(msg, crlf, NULL, &r, &err), TR_OK);
		assert_int_equal(r.nparts, 1);
		assert_part(&r.parts[0], TR_PAYLOAD_JSON,
		    "application/tlsrpt+json", NULL, 1);
		assert_int_equal(r.parts[0].len, strlen(want));
		assert_memory_equal(r.parts[0].data, want, strlen(want));
		tr_mime_result_free(&r);
	}
}

static void
test_mbox_from_line(void **state)
{
	static const char msg[] =
	    "From MAILER-DAEMON Fri Jul  8 12:08:34 2022\n"
	    "Return-Path: <reporter@example.org>\n"
	    "Status: RO\n"
	    "Content-Length: 412\n"
	    "Lines: 14\n"
	    "From: reporter@example.org\n"
	    "Message-ID: <mbox@example.org>\n"
	    "Content-Type: multipart/report; report-type=tlsrpt; boundary=b\n"
	    "\n"
	    "--b\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    JSON1 "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_string_equal(r.meta.from, "reporter@example.org");
	assert_string_equal(r.meta.message_id, "<mbox@example.org>");
	/* the envelope line is expected in mbox, not a malformed header */
	if (r.notes.n != 0)
		dump_notes(&r);
	assert_int_equal(r.notes.n, 0);
	tr_mime_result_free(&r);
}

static void
test_meta_folded(void **state)
{
	static const char msg[] =
	    "message-id:\n"
	    " <fold@example.org>\n"
	    "Subject: Report Domain: example.net\n"
	    "\tSubmitter: example.org\n"
	    "TLS-REPORT-DOMAIN:   example.net   \n"
	    "tls-report-submitter: example.org\n"
	    "tls-report-submitter: second.example\n"
	    "Date: Fri, 16 Sep 2022\n"
	    "  03:10:06 -0700\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    JSON1;
	struct tr_mime_result r;
	struct tr_error err;
	int crlf;

	(void)state;
	for (crlf = 0; crlf <= 1; crlf++) {
		assert_int_equal(run(msg, crlf, NULL, &r, &err), TR_OK);
		assert_string_equal(r.meta.message_id, "<fold@example.org>");
		assert_string_equal(r.meta.subject,
		    "Report Domain: example.net\tSubmitter: example.org");
		assert_string_equal(r.meta.report_domain, "example.net");
		/* the first of a repeated field is the one kept */
		assert_string_equal(r.meta.report_submitter, "example.org");
		assert_string_equal(r.meta.date,
		    "Fri, 16 Sep 2022  03:10:06 -0700");
		assert_null(r.meta.from);
		tr_mime_result_free(&r);
	}
}

static void
test_meta_cut_at_1000(void **state)
{
	struct tr_mime_result r;
	struct tr_error err;
	char msg[4096];
	char a[1500];

	(void)state;
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	snprintf(msg, sizeof(msg), "Subject: %s\nFrom: %.999s\xc3\xa9zz\n"
	    "Content-Type: application/tlsrpt+json\n\n" JSON1, a, a);
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(strlen(r.meta.subject), 1000);
	/* never half a UTF-8 sequence */
	assert_int_equal(strlen(r.meta.from), 999);
	tr_mime_result_free(&r);
}

static void
test_header_line_without_colon(void **state)
{
	static const char msg[] =
	    "Subject: Report Domain: example.net\n"
	    "Submitter example.org\n"
	    "Bad Name: x\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    JSON1;
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 1, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_string_equal(r.meta.subject, "Report Domain: example.net");
	assert_true(has_note(&r, "header line without a colon skipped: "
	    "\"Submitter example.org\""));
	assert_true(has_note(&r, "malformed header line skipped: "
	    "\"Bad Name: x\""));
	assert_false(has_note(&r, "in all"));
	tr_mime_result_free(&r);
}

static void
test_header_line_notes_bounded(void **state)
{
	static const char msg[] =
	    "one\ntwo\nthree\nfour\nfive\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    JSON1;
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	/* a hostile header of millions of such lines must not cost a note
	 * each: the first few are quoted, the rest counted */
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.notes.n, 5);
	assert_string_equal(r.notes.v[0],
	    "header line without a colon skipped: \"one\"");
	assert_string_equal(r.notes.v[2],
	    "header line without a colon skipped: \"three\"");
	assert_string_equal(r.notes.v[3],
	    "5 malformed header lines skipped in all");
	assert_true(has_note(&r, "report sent as the whole message"));
	tr_mime_result_free(&r);
}

static void
test_empty_report_part(void **state)
{
	static const char with_other[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "\n"
	    "--b\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n"
	    JSON1 "\n"
	    "--b--\n";
	static const char alone[] =
	    REPORT("b")
	    TEXTPART("b")
	    "--b\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "--b--\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(with_other, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.nparts, 1);
	assert_part(&r.parts[0], TR_PAYLOAD_JSON, "application/tlsrpt+json",
	    NULL, 2);
	assert_int_equal(r.notes.n, 1);
	assert_string_equal(r.notes.v[0],
	    "part 2 (application/tlsrpt+gzip) is empty; skipped");
	tr_mime_result_free(&r);

	assert_int_equal(run(alone, 1, NULL, &r, &err), TR_ERR_NO_REPORT);
	assert_string_equal(err.msg, "no report part (top-level type "
	    "multipart/report; parts: text/plain, application/tlsrpt+gzip; "
	    "part 2 (application/tlsrpt+gzip) is empty)");
	tr_mime_result_free(&r);

	assert_int_equal(run("Content-Type: application/tlsrpt+json\n\n \n",
	    0, NULL, &r, &err), TR_ERR_NO_REPORT);
	assert_string_equal(err.msg, "no report part (top-level type "
	    "application/tlsrpt+json; part 1 (application/tlsrpt+json) is "
	    "empty)");
	tr_mime_result_free(&r);
}

static void
test_transfer_encodings(void **state)
{
	static const char *const identity[] = {
		"7bit", "8BIT", "binary", "  8bit (sent as is)", "none",
	};
	struct tr_mime_result r;
	struct tr_error err;
	char msg[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(identity) / sizeof(identity[0]); i++) {
		snprintf(msg, sizeof(msg), "Content-Type: application/tlsrpt+"
		    "json\nContent-Transfer-Encoding: %s\n\n" JSON1,
		    identity[i]);
		assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
		assert_int_equal(r.parts[0].len, strlen(JSON1));
		assert_false(has_note(&r, "Content-Transfer-Encoding"));
		tr_mime_result_free(&r);
	}
	snprintf(msg, sizeof(msg), "Content-Type: application/tlsrpt+json\n"
	    "Content-Transfer-Encoding: x-uuencode\n\n" JSON1);
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_OK);
	assert_int_equal(r.parts[0].len, strlen(JSON1));
	assert_true(has_note(&r, "part 1: unknown Content-Transfer-Encoding "
	    "\"x-uuencode\" taken as binary"));
	tr_mime_result_free(&r);
}

static void
test_case_insensitive_types(void **state)
{
	static const char msg[] =
	    "CONTENT-TYPE: Application/TLSRPT+GZIP; NAME=\"r.json.gz\"\n"
	    "content-transfer-encoding: BASE64\n"
	    "\n"
	    GZ64 "\n";
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 1, NULL, &r, &err), TR_OK);
	assert_part(&r.parts[0], TR_PAYLOAD_GZIP, "application/tlsrpt+gzip",
	    "r.json.gz", 0);
	assert_int_equal(r.parts[0].len, GZLEN);
	tr_mime_result_free(&r);
}

static void
test_unreadable_content_type(void **state)
{
	static const char msg[] =
	    "Content-Type: tlsrpt\n"
	    "\n"
	    JSON1;
	struct tr_mime_result r;
	struct tr_error err;

	(void)state;
	assert_int_equal(run(msg, 0, NULL, &r, &err), TR_ERR_NO_REPORT);
	assert_string_equal(err.msg,
	    "no report part (top-level type text/plain)");
	assert_true(has_note(&r, "message: unreadable Content-Type "
	    "\"tlsrpt\" taken as text/plain"));
	tr_mime_result_free(&r);
}

/* param - tr_mimeh_param on a C string, the result compared with want
 * (NULL: absent) */
static void
param(const char *value, const char *name, const char *want)
{
	char *got;
	int found;

	got = tr_mimeh_param(value, strlen(value), name, &found);
	if (want == NULL) {
		assert_int_equal(found, 0);
		assert_null(got);
		return;
	}
	assert_int_equal(found, 1);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_header_parameters(void **state)
{
	(void)state;
	param("attachment; filename=\"a b.json\"", "filename", "a b.json");
	param("attachment; filename=plain.json", "filename", "plain.json");
	param("attachment; FileName = \"x\\\"y\\\\z\"", "filename",
	    "x\"y\\z");
	param("attachment (c; filename=no); filename=yes", "filename", "yes");
	param("attachment; name=\"n\"; filename=\"f\"", "name", "n");
	param("attachment; filename=\"f\"", "name", NULL);
	param("attachment; filenames=x", "filename", NULL);
	param("text/plain; boundary=----=_NextPart_000_0000", "boundary",
	    "----=_NextPart_000_0000");
	param("multipart/report; boundary=\"a;b\"; x=1", "boundary", "a;b");
	/* folding inside a quoted string */
	param("attachment; filename=\"long\r\n name.json\"", "filename",
	    "long name.json");
	/* RFC 2231 */
	param("attachment; filename*=utf-8''%e2%82%ac.json", "filename",
	    "\xe2\x82\xac.json");
	param("attachment; filename*=UTF-8'de'a%2", "filename", "a%2");
	param("attachment; filename*0=\"a\"; filename*1=\"b\"; "
	    "filename*2=c", "filename", "abc");
	param("attachment; filename*2=c; filename*0=a; filename*1*=%62",
	    "filename", "abc");
	/* a gap ends the value; without section 0 the plain one is used */
	param("attachment; filename*0=a; filename*2=c", "filename", "a");
	param("attachment; filename*1=b; filename=p", "filename", "p");
	/* a charset prefix only in section 0 */
	param("x; filename*0*=utf-8''a%20; filename*1*=b'c'd", "filename",
	    "a b'c'd");
	param("x; filename*99999=a", "filename", NULL);
	param("x; filename*1000=a; filename=p", "filename", "p");
	param("x; filename*0=a; filename*999=z", "filename", "a");
	param("x; filename=\"unterminated", "filename", "unterminated");
	param("x; filename=", "filename", "");
	param("x; =a; ; filename", "filename", NULL);
}

static void
test_header_split(void **state)
{
	const char *s;
	size_t hdr, body;

	(void)state;
	s = "A: 1\r\nB: 2\r\n\r\nbody";
	assert_int_equal(tr_mimeh_split(s, strlen(s), 100, &hdr, &body), 0);
	assert_int_equal(hdr, 12);
	assert_int_equal(body, 14);
	s = "A: 1\nB: 2\n\nbody";
	assert_int_equal(tr_mimeh_split(s, strlen(s), 100, &hdr, &body), 0);
	assert_int_equal(hdr, 10);
	assert_int_equal(body, 11);
	s = "\nbody";
	assert_int_equal(tr_mimeh_split(s, strlen(s), 0, &hdr, &body), 0);
	assert_int_equal(hdr, 0);
	assert_int_equal(body, 1);
	s = "A: no body";
	assert_int_equal(tr_mimeh_split(s, strlen(s), 100, &hdr, &body), 0);
	assert_int_equal(hdr, strlen(s));
	assert_int_equal(body, strlen(s));
	assert_int_equal(tr_mimeh_split(s, strlen(s), 5, &hdr, &body), -1);
	/* "no limit" configured as the largest size must not wrap around */
	s = "A: 1\nB: 2\n\nbody";
	assert_int_equal(tr_mimeh_split(s, strlen(s), SIZE_MAX, &hdr, &body),
	    0);
	assert_int_equal(hdr, 10);
	s = "A: no body";
	assert_int_equal(tr_mimeh_split(s, strlen(s), SIZE_MAX, &hdr, &body),
	    0);
	assert_int_equal(hdr, strlen(s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_all),
		cmocka_unit_test(test_corpus_content),
		cmocka_unit_test(test_corpus_line_ends_do_not_matter),
		cmocka_unit_test(test_corpus_every_prefix),
		cmocka_unit_test(test_fast),
		cmocka_unit_test(test_lf_line_ends),
		cmocka_unit_test(test_crlf_line_ends),
		cmocka_unit_test(test_mixed_line_ends),
		cmocka_unit_test(test_report_type_forms),
		cmocka_unit_test(test_nested_multipart),
		cmocka_unit_test(test_rfc2231_split_filename),
		cmocka_unit_test(test_octet_stream_json_gz),
		cmocka_unit_test(test_name_parameter_fallback),
		cmocka_unit_test(test_zip_by_magic),
		cmocka_unit_test(test_sniff_beats_declared_type),
		cmocka_unit_test(test_non_rfc_types),
		cmocka_unit_test(test_two_report_parts),
		cmocka_unit_test(test_trailing_text_parts),
		cmocka_unit_test(test_human_reply_no_report),
		cmocka_unit_test(test_forwarded_reports),
		cmocka_unit_test(test_forwarded_nesting),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_part_limits),
		cmocka_unit_test(test_header_limit),
		cmocka_unit_test(test_message_size_limit),
		cmocka_unit_test(test_broken_base64),
		cmocka_unit_test(test_missing_boundary_parameter),
		cmocka_unit_test(test_boundary_not_found),
		cmocka_unit_test(test_missing_close_delimiter),
		cmocka_unit_test(test_delimiter_lines),
		cmocka_unit_test(test_google_base64),
		cmocka_unit_test(test_quoted_printable_json),
		cmocka_unit_test(test_mbox_from_line),
		cmocka_unit_test(test_meta_folded),
		cmocka_unit_test(test_meta_cut_at_1000),
		cmocka_unit_test(test_header_line_without_colon),
		cmocka_unit_test(test_header_line_notes_bounded),
		cmocka_unit_test(test_empty_report_part),
		cmocka_unit_test(test_transfer_encodings),
		cmocka_unit_test(test_case_insensitive_types),
		cmocka_unit_test(test_unreadable_content_type),
		cmocka_unit_test(test_header_parameters),
		cmocka_unit_test(test_header_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
