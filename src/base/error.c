/* error.c - specific errors with stable class names */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const names[TR_ERR__COUNT] = {
	[TR_OK] = "ok",
	[TR_ERR_NOMEM] = "out-of-memory",
	[TR_ERR_TOO_LARGE] = "message-too-large",
	[TR_ERR_MIME] = "mime-malformed",
	[TR_ERR_MIME_LIMIT] = "mime-limit",
	[TR_ERR_NO_REPORT] = "no-report-part",
	[TR_ERR_ENCODING] = "bad-transfer-encoding",
	[TR_ERR_GZIP] = "gzip-corrupt",
	[TR_ERR_GZIP_TRUNCATED] = "gzip-truncated",
	[TR_ERR_GZIP_TRAILING] = "gzip-trailing-garbage",
	[TR_ERR_DECOMPRESS_LIMIT] = "decompression-limit",
	[TR_ERR_ZIP] = "zip-invalid",
	[TR_ERR_JSON] = "json-syntax",
	[TR_ERR_JSON_DEPTH] = "json-too-deep",
	[TR_ERR_UTF8] = "invalid-utf8",
	[TR_ERR_SCHEMA] = "schema",
	[TR_ERR_REPORT_LIMIT] = "report-limit",
	[TR_ERR_NOT_OURS] = "not-ours",
	[TR_ERR_STORE] = "store-failed",
	[TR_ERR_IO] = "io-error",
	[TR_ERR_DKIM] = "dkim",
	[TR_ERR_DKIM_TEMP] = "dkim-tempfail",
};

/* tr_err_name - stable short name of a code */
const char *
tr_err_name(enum tr_err code)
{
	if ((unsigned)code >= TR_ERR__COUNT || names[code] == NULL)
		return "unknown";
	return names[code];
}

/* tr_err_is_temporary - true when retrying later may succeed */
int
tr_err_is_temporary(enum tr_err code)
{
	return code == TR_ERR_NOMEM || code == TR_ERR_STORE ||
	    code == TR_ERR_IO || code == TR_ERR_DKIM_TEMP;
}

/* tr_error_set - fill err (may be NULL) and return code */
enum tr_err
tr_error_set(struct tr_error *err, enum tr_err code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* tr_error_prefix - prepend "prefix: " to err's message */
void
tr_error_prefix(struct tr_error *err, const char *fmt, ...)
{
	char prefix[TR_ERRMSG_MAX], old[TR_ERRMSG_MAX];
	size_t n, k;
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* build in place: prefix, ": ", then as much of the old text as fits */
	n = strlen(prefix);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	n += 2;
	k = strnlen(old, sizeof(old) - 1);
	if (k > sizeof(err->msg) - 1 - n)
		k = sizeof(err->msg) - 1 - n;
	memcpy(err->msg + n, old, k);
	err->msg[n + k] = '\0';
}

/* tr_error_clear - reset to TR_OK with an empty message */
void
tr_error_clear(struct tr_error *err)
{
	if (err == NULL)
		return;
	err->code = TR_OK;
	err->msg[0] = '\0';
}

/* tr_quote - printable, bounded rendering of untrusted bytes */
void
tr_quote(char *out, size_t outsz, const void *in, size_t len, size_t max)
{
	const unsigned char *p = in;
	size_t o = 0, i;
	int cut = 0;

	if (outsz == 0)
		return;
	if (len > max) {
		len = max;
		cut = 1;
	}
	if (outsz < 8) {
		out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (i = 0; i < len; i++) {
		/* room for \xNN, closing quote, "..." and NUL */
		if (o + 4 + 1 + 3 + 1 > outsz) {
			cut = 1;
			break;
		}
		if (p[i] == '"' || p[i] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)p[i];
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i];
		} else {
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", p[i]);
		}
	}
	out[o++] = '"';
	if (cut) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}
