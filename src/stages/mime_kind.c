/* mime_kind.c - whether a MIME leaf is a report part, by its media type or
 * its file name, and which payload it claims to hold */
#include <string.h>
#include <strings.h>

#include "mime_kind.h"

/* ends_with - true when s ends with suffix, ignoring case */
static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* tr_mime_kind_of_type - whether application/sub marks a report part */
int
tr_mime_kind_of_type(const char *sub, size_t sublen, int *decl)
{
	static const struct {
		const char *sub;
		int decl;
		int rfc;
	} types[] = {
		{ "tlsrpt+gzip", TR_PAYLOAD_GZIP, 1 },
		{ "tlsrpt+json", TR_PAYLOAD_JSON, 1 },
		{ "json", TR_PAYLOAD_JSON, 0 },
		{ "gzip", TR_PAYLOAD_GZIP, 0 },
		{ "x-gzip", TR_PAYLOAD_GZIP, 0 },
		{ "tlsrpt", TR_MIME_DECL_NONE, 0 },
		{ "tlsrpt+x-gzip", TR_PAYLOAD_GZIP, 0 },
		{ "x-tlsrpt+gzip", TR_PAYLOAD_GZIP, 0 },
		{ "zip", TR_PAYLOAD_ZIP, 0 },
		{ "x-zip-compressed", TR_PAYLOAD_ZIP, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strlen(types[i].sub) == sublen &&
		    strncasecmp(sub, types[i].sub, sublen) == 0) {
			*decl = types[i].decl;
			return types[i].rfc ? 1 : 2;
		}
	}
	return 0;
}

/* tr_mime_kind_of_name - the payload a file name promises */
int
tr_mime_kind_of_name(const char *fn)
{
	if (fn == NULL)
		return TR_MIME_DECL_NONE;
	if (ends_with(fn, ".json"))
		return TR_PAYLOAD_JSON;
	if (ends_with(fn, ".gz"))	/* .json.gz too */
		return TR_PAYLOAD_GZIP;
	if (ends_with(fn, ".zip"))
		return TR_PAYLOAD_ZIP;
	return TR_MIME_DECL_NONE;
}

/* tr_mime_kind_name - "JSON", "gzip" or "zip" */
const char *
tr_mime_kind_name(enum tr_payload kind)
{
	static const char *const names[] = { "JSON", "gzip", "zip" };

	return (size_t)kind < sizeof(names) / sizeof(names[0]) ?
	    names[kind] : "?";
}

/* tr_payload_sniff - the payload kind by its first bytes: a media type or a
 * file name is only a claim */
enum tr_payload
tr_payload_sniff(const unsigned char *d, size_t n)
{
	if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
		return TR_PAYLOAD_GZIP;
	if (n >= 4 && memcmp(d, "PK\003\004", 4) == 0)
		return TR_PAYLOAD_ZIP;
	return TR_PAYLOAD_JSON;
}
