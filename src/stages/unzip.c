/*
 * unzip.c - the members of a zip archive, bounded (libarchive)
 *
 * A few senders mail their reports as a .zip holding report.json (or
 * report.json.gz). The archive is already in memory; libarchive's seekable
 * zip reader (archive_read_open_memory) parses the central directory, the
 * local headers and the data, checks each member's CRC-32, and is fuzzed
 * and kept far beyond what a hand-written reader would be. Only the zip
 * format is enabled: no outer filters, no other archive formats.
 *
 * What stays ours is the policy on top of it, the same as before:
 * - at most ZIP_MAX_ENTRIES entries, counted in a first walk of the headers
 *   before any member is handed over;
 * - only stored and deflate members, never encrypted ones;
 * - a member's declared size within max_report and within the ratio cap
 *   before anything is allocated, and never more output than it declared
 *   (one byte more shows the lie), so a lying header costs nothing;
 * - the ratio cap for the archive as a whole: everything decompressed from
 *   it (a .json.gz member after gunzip included) at most max_ratio times
 *   the archive's size once past ratio_grace. libarchive does not tell a
 *   member's compressed size, and the archive's size bounds their sum.
 * A member that libarchive cannot read (a fatal error leaves the reader
 * unusable) is reported with its reason and the walk goes on from a fresh
 * reader, so every other member is still analysed. libarchive is loaded
 * at the first archive (archive_lib.h); without it an archive is a
 * temporary failure, never a rejected report.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive_lib.h"
#include "gunzip.h"
#include "unzip.h"

#define ZIP_MAX_ENTRIES	1000		/* a report archive holds one or two */

/* One tr_unzip_each call. */
struct zip_walk {
	const unsigned char	*in;
	size_t			 len;
	const struct tr_limits	*limits;
	tr_unzip_cb		 cb;
	void			*arg;
	unsigned		 entries;	/* counted by zip_count */
	unsigned		 nreports;
	uint64_t		 total;		/* bytes decompressed so far */
};

/* ends_with_ci - true when name ends in the lower-case ASCII suffix */
static int
ends_with_ci(const char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix), i;
	unsigned char c;

	if (len < n)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)name[len - n + i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)suffix[i])
			return 0;
	}
	return 1;
}

/* is_macos_sidecar - true for the AppleDouble copies macOS adds to archives
 * ("__MACOSX/._report.json"): binary, and named like the report */
static int
is_macos_sidecar(const char *name, size_t len)
{
	size_t base = len;

	if (len >= 9 && memcmp(name, "__MACOSX/", 9) == 0)
		return 1;
	while (base > 0 && name[base - 1] != '/')
		base--;
	return len - base >= 2 && name[base] == '.' && name[base + 1] == '_';
}

/* ratio_exceeded - true when out/in > max (max 0 disables the check) */
static int
ratio_exceeded(uint64_t out, uint64_t in, unsigned max)
{
	if (max == 0)
		return 0;
	if (in > UINT64_MAX / max)
		return 0;
	return out > in * max;
}

/* zip_fail - err from libarchive's last error on a, about member qname
 * (NULL: the archive); its text is the sender's business, so only
 * printable ASCII of it is kept */
static enum tr_err
zip_fail(struct archive *a, const char *qname, struct tr_error *err)
{
	const char *why = archive_error_string(a);
	char text[200];
	size_t i;

	if (archive_errno(a) == ENOMEM)
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory reading "
		    "zip%s%s", qname != NULL ? " member " : "",
		    qname != NULL ? qname : "");
	if (why == NULL)
		why = "unreadable";
	for (i = 0; why[i] != '\0' && i < sizeof(text) - 1; i++)
		text[i] = why[i] >= 0x20 && why[i] < 0x7f ? why[i] : '?';
	while (i > 0 && (text[i - 1] == '?' || text[i - 1] == ' ') &&
	    (unsigned char)why[i - 1] <= 0x20 && why[i - 1] > 0)
		i--;			/* a trailing newline or blank */
	text[i] = '\0';
	if (qname != NULL)
		return tr_error_set(err, TR_ERR_ZIP, "zip: member %s: %s",
		    qname, text);
	return tr_error_set(err, TR_ERR_ZIP, "zip: %s", text);
}

/* zip_open - a reader of the zip archive in[0..len) and nothing else, or
 * NULL with err set */
static struct archive *
zip_open(const unsigned char *in, size_t len, struct tr_error *err)
{
	struct archive *a;

	if ((a = archive_read_new()) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "out of memory starting the "
		    "zip reader");
		return NULL;
	}
	if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, in, len) != ARCHIVE_OK) {
		zip_fail(a, NULL, err);
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* zip_count - the number of entries, in a first walk of the headers only:
 * a bad directory or too many entries refuse the archive before any member
 * is handed over */
static enum tr_err
zip_count(const unsigned char *in, size_t len, unsigned *n,
    struct tr_error *err)
{
	struct archive_entry *e;
	struct archive *a;
	enum tr_err rc = TR_OK;
	int r;

	*n = 0;
	if ((a = zip_open(in, len, err)) == NULL)
		return err->code;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN)
		if (++*n > ZIP_MAX_ENTRIES) {
			rc = tr_error_set(err, TR_ERR_ZIP, "zip: more than %u "
			    "entries, over the limit", ZIP_MAX_ENTRIES);
			break;
		}
	if (rc == TR_OK && r != ARCHIVE_EOF)
		rc = zip_fail(a, NULL, err);
	archive_read_free(a);
	return rc;
}

/* zip_method_ok - TR_OK for a stored or deflated member that is not
 * encrypted; libarchive names the method of the entry just read in the
 * format name, "ZIP 2.0 (deflation)" */
static enum tr_err
zip_method_ok(struct archive *a, struct archive_entry *e, const char *qname,
    struct tr_error *err)
{
	const char *fmt = archive_format_name(a), *open;
	size_t n;

	if (archive_entry_is_encrypted(e))
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: member %s is encrypted", qname);
	if (fmt == NULL)
		fmt = "";
	if (strstr(fmt, "(uncompressed)") != NULL ||
	    strstr(fmt, "(deflation)") != NULL)
		return TR_OK;
	if ((open = strchr(fmt, '(')) == NULL)
		open = "(unknown)";
	n = strcspn(open + 1, ")");
	return tr_error_set(err, TR_ERR_ZIP, "zip: member %s uses compression "
	    "method %.*s; only stored and deflate are supported", qname,
	    (int)(n > 40 ? 40 : n), open + 1);
}

/* zip_declared - the size e declares, checked against max_report and the
 * archive's ratio cap before anything is allocated; -1 when unknown */
static enum tr_err
zip_declared(const struct zip_walk *w, struct archive_entry *e,
    const char *qname, int64_t *size, struct tr_error *err)
{
	const struct tr_limits *lim = w->limits;
	int64_t n;

	*size = -1;
	if (!archive_entry_size_is_set(e) || (n = archive_entry_size(e)) < 0)
		return TR_OK;
	if ((uint64_t)n > lim->max_report)
		return tr_error_set(err, TR_ERR_DECOMPRESS_LIMIT,
		    "decompressed report exceeds the limit of %zu bytes "
		    "(zip member %s declares %lld)", lim->max_report, qname,
		    (long long)n);
	if ((uint64_t)n > lim->ratio_grace &&
	    ratio_exceeded(w->total + (uint64_t)n, w->len, lim->max_ratio))
		return tr_error_set(err, TR_ERR_DECOMPRESS_LIMIT,
		    "decompression ratio over %u:1 (a zip bomb?): member %s "
		    "declares %lld bytes in an archive of %zu", lim->max_ratio,
		    qname, (long long)n, w->len);
	*size = n;
	return TR_OK;
}

/* zip_read - the data of the entry just read into buf, at most cap bytes:
 * one byte more is an error (a lie about the size, or max_report); *fatal
 * when the reader can no longer be used */
static enum tr_err
zip_read(struct archive *a, const char *qname, int64_t declared,
    unsigned char *buf, size_t cap, size_t *got, int *fatal,
    struct tr_error *err)
{
	const void *blk;
	size_t size;
	int64_t off;
	int r;

	*got = 0;
	while ((r = archive_read_data_block(a, &blk, &size, &off)) ==
	    ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off != *got)
			return tr_error_set(err, TR_ERR_ZIP, "zip: member %s: "
			    "data out of order", qname);
		if (size > cap - *got) {
			if (declared >= 0)
				return tr_error_set(err, TR_ERR_ZIP, "zip: "
				    "member %s inflates to more than its "
				    "declared %lld bytes", qname,
				    (long long)declared);
			return tr_error_set(err, TR_ERR_DECOMPRESS_LIMIT,
			    "decompressed report exceeds the limit of %zu "
			    "bytes (zip member %s)", cap, qname);
		}
		if (size > 0)	/* an empty block may come with no buffer */
			memcpy(buf + *got, blk, size);
		*got += size;
	}
	if (r != ARCHIVE_EOF) {
		*fatal = r == ARCHIVE_FATAL;
		return zip_fail(a, qname, err);
	}
	if (declared >= 0 && *got != (uint64_t)declared)
		return tr_error_set(err, TR_ERR_ZIP, "zip: member %s inflates "
		    "to %zu bytes, the central directory says %lld", qname,
		    *got, (long long)declared);
	return TR_OK;
}

/* zip_extract - the checked, decompressed (and gunzipped) data of the entry
 * just read, NUL-terminated, caller frees; counted in w->total */
static enum tr_err
zip_extract(struct zip_walk *w, struct archive *a, struct archive_entry *e,
    const char *qname, int gzipped, unsigned char **out, size_t *outlen,
    int *fatal, struct tr_error *err)
{
	const struct tr_limits *lim = w->limits;
	unsigned char *buf;
	int64_t declared;
	size_t cap, n;
	enum tr_err rc;

	if ((rc = zip_method_ok(a, e, qname, err)) != TR_OK ||
	    (rc = zip_declared(w, e, qname, &declared, err)) != TR_OK)
		return rc;
	cap = declared >= 0 ? (size_t)declared : lim->max_report;
	if ((buf = malloc(cap + 1)) == NULL)
		return tr_error_set(err, TR_ERR_NOMEM, "out of memory for zip "
		    "member %s (%zu bytes)", qname, cap);
	if ((rc = zip_read(a, qname, declared, buf, cap, &n, fatal, err)) !=
	    TR_OK) {
		free(buf);
		return rc;
	}
	if (!gzipped) {
		buf[n] = '\0';
		*out = buf;
		*outlen = n;
	} else {
		rc = tr_gunzip_buf(buf, n, lim, out, outlen, err);
		free(buf);
		if (rc != TR_OK) {
			tr_error_prefix(err, "zip member %s", qname);
			return rc;
		}
	}
	/* gunzip bounded its own ratio; bound the archive as a whole too */
	w->total += *outlen;
	if (*outlen > lim->ratio_grace &&
	    ratio_exceeded(w->total, w->len, lim->max_ratio)) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return tr_error_set(err, TR_ERR_DECOMPRESS_LIMIT,
		    "decompression ratio over %u:1 (a zip bomb?): member %s "
		    "gives %llu bytes from an archive of %zu", lim->max_ratio,
		    qname, (unsigned long long)w->total, w->len);
	}
	tr_error_clear(err);
	return TR_OK;
}

/* zip_entry - hand the entry just read to the callback: a report member
 * with its data or its reason, any other by name; directories and macOS
 * sidecars not at all */
static enum tr_err
zip_entry(struct zip_walk *w, struct archive *a, struct archive_entry *e,
    int *fatal, struct tr_error *err)
{
	struct tr_zip_member m;
	const char *name;
	unsigned char *out = NULL;
	char qname[96];
	size_t nlen, outlen = 0;
	int gzipped = 0;
	enum tr_err rc;

	if ((name = archive_entry_pathname(e)) == NULL &&
	    (name = archive_entry_pathname_utf8(e)) == NULL)
		name = "";
	nlen = strlen(name);
	/* AppleDouble copies are metadata, a directory is structure */
	if (is_macos_sidecar(name, nlen) ||
	    (nlen > 0 && name[nlen - 1] == '/'))
		return TR_OK;
	memset(&m, 0, sizeof(m));
	tr_quote(qname, sizeof(qname), name, nlen, 64);
	m.name = qname;
	if (ends_with_ci(name, nlen, ".json.gz"))
		gzipped = 1;
	else if (!ends_with_ci(name, nlen, ".json")) {
		if ((rc = w->cb(w->arg, &m)) != TR_OK)
			return tr_error_set(err, rc, "zip: stopped at member %s",
			    qname);
		return TR_OK;
	}
	m.report = 1;
	w->nreports++;
	if (zip_extract(w, a, e, qname, gzipped, &out, &outlen, fatal,
	    &m.err) == TR_OK) {
		m.json = out;
		m.len = outlen;
	}
	rc = w->cb(w->arg, &m);
	free(out);
	if (rc != TR_OK)
		return tr_error_set(err, rc, "zip: stopped at member %s", qname);
	return TR_OK;
}

/* zip_walk_from - hand over the entries from *done on with a new reader,
 * until the end or a member that leaves the reader unusable; *done counts
 * the entries handed over */
static enum tr_err
zip_walk_from(struct zip_walk *w, unsigned *done, struct tr_error *err)
{
	struct archive_entry *e;
	struct archive *a;
	enum tr_err rc = TR_OK;
	unsigned i;
	int r, fatal = 0;

	if ((a = zip_open(w->in, w->len, err)) == NULL)
		return err->code;
	for (i = 0; !fatal && rc == TR_OK; i++) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF) {
			*done = w->entries;
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = zip_fail(a, NULL, err);
			break;
		}
		if (i < *done)
			continue;
		rc = zip_entry(w, a, e, &fatal, err);
		*done = i + 1;
	}
	archive_read_free(a);
	return rc;
}

/* tr_unzip_each - every member of a zip archive, reports decompressed */
enum tr_err
tr_unzip_each(const unsigned char *in, size_t len,
    const struct tr_limits *limits, tr_unzip_cb cb, void *arg,
    struct tr_error *err)
{
	struct zip_walk w;
	unsigned done = 0;
	enum tr_err rc;

	tr_error_clear(err);
	if (tr_archive_load(err) != TR_OK)
		return err->code;
	if (limits == NULL)
		limits = &tr_limits_defaults;
	memset(&w, 0, sizeof(w));
	w.in = in;
	w.len = len;
	w.limits = limits;
	w.cb = cb;
	w.arg = arg;
	if ((rc = zip_count(in, len, &w.entries, err)) != TR_OK)
		return rc;
	while (done < w.entries)
		if ((rc = zip_walk_from(&w, &done, err)) != TR_OK)
			return rc;
	if (w.nreports == 0)
		return tr_error_set(err, TR_ERR_ZIP,
		    "zip: no .json member (%u entries)", w.entries);
	return TR_OK;
}

/* One report member kept by tr_unzip_json. */
struct first_json {
	unsigned char *out;
	size_t outlen;
	struct tr_error err;
	int found;
};

/* keep_first - tr_unzip_each callback: a copy of the first report member
 * (or its error), then stop */
static enum tr_err
keep_first(void *arg, const struct tr_zip_member *m)
{
	struct first_json *f = arg;

	if (!m->report || f->found)
		return TR_OK;
	f->found = 1;
	if (m->json == NULL) {
		f->err = m->err;
		return TR_OK;
	}
	if ((f->out = malloc(m->len + 1)) == NULL) {
		tr_error_set(&f->err, TR_ERR_NOMEM, "out of memory for zip "
		    "member %s", m->name);
		return TR_OK;
	}
	memcpy(f->out, m->json, m->len + 1);
	f->outlen = m->len;
	return TR_OK;
}

/* tr_unzip_json - the first *.json (or *.json.gz) member of a zip archive */
enum tr_err
tr_unzip_json(const unsigned char *in, size_t len,
    const struct tr_limits *limits, unsigned char **out, size_t *outlen,
    struct tr_error *err)
{
	struct first_json f;
	enum tr_err rc;

	*out = NULL;
	*outlen = 0;
	memset(&f, 0, sizeof(f));
	if ((rc = tr_unzip_each(in, len, limits, keep_first, &f, err)) !=
	    TR_OK) {
		free(f.out);
		return rc;
	}
	if (f.out == NULL) {
		*err = f.err;
		return f.err.code;
	}
	*out = f.out;
	*outlen = f.outlen;
	tr_error_clear(err);
	return TR_OK;
}
