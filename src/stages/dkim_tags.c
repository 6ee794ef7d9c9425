/* dkim_tags.c - DKIM tag=value lists (RFC 6376 3.2): a signature's tags,
 * colon-separated tag values, the s= tag of a key record, and the
 * DKIM-Signature field of a message header with given d= and s= */
#include <string.h>
#include <strings.h>

#include "dkim.h"
#include "dkim_tags.h"
#include "mime_header.h"

/* tr_dkim_tags_list_has - whether a colon-separated tag value lists name
 * (no case) */
int
tr_dkim_tags_list_has(const char *list, const char *name)
{
	const char *p = list, *e;
	size_t n = strlen(name), len;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		e = p + strcspn(p, ":");
		len = (size_t)(e - p);
		while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL)
			len--;
		if (len == n && strncasecmp(p, name, n) == 0)
			return 1;
		p = *e == ':' ? e + 1 : e;
	}
	return 0;
}

/*
 * tr_dkim_tags_strip_service - copy the key record without its s= tag and
 * tell whether that tag lists tlsrpt or *. libopendkim refuses a key whose
 * s= lacks "email", while RFC 8460 asks reporters for s=tlsrpt: the tag
 * is ours to judge, the rest of the record the library's.
 */
int
tr_dkim_tags_strip_service(const char *rec, char *out, size_t outsz)
{
	const char *p = rec, *e, *name, *eq;
	size_t n = 0, len;
	int tlsrpt = 0;
	char val[256];

	out[0] = '\0';
	while (*p != '\0') {
		e = p + strcspn(p, ";");
		name = p;
		while (name < e && (*name == ' ' || *name == '\t'))
			name++;
		eq = memchr(name, '=', (size_t)(e - name));
		if (eq != NULL && eq - name >= 1 && *name == 's' &&
		    (eq - name == 1 || strspn(name + 1, " \t") ==
		    (size_t)(eq - name - 1))) {
			len = (size_t)(e - eq - 1);
			if (len >= sizeof(val))
				len = sizeof(val) - 1;
			memcpy(val, eq + 1, len);
			val[len] = '\0';
			tlsrpt = tr_dkim_tags_list_has(val, "tlsrpt") ||
			    tr_dkim_tags_list_has(val, "*");
		} else {
			len = (size_t)(e - p);
			if (n + len + 2 < outsz) {
				if (n > 0)
					out[n++] = ';';
				memcpy(out + n, p, len);
				n += len;
				out[n] = '\0';
			}
		}
		p = *e == ';' ? e + 1 : e;
	}
	return tlsrpt;
}

/* tr_dkim_tags_get - tag name of a DKIM-Signature value into out, folding
 * whitespace removed; 0, or -1 when the tag is absent */
int
tr_dkim_tags_get(const char *sig, const char *name, char *out, size_t outsz)
{
	const char *p = sig, *e, *n, *eq;
	size_t k = 0, nlen = strlen(name);

	while (*p != '\0') {
		e = p + strcspn(p, ";");
		n = p;
		while (n < e && strchr(" \t\r\n", *n) != NULL)
			n++;
		eq = memchr(n, '=', (size_t)(e - n));
		if (eq != NULL) {
			const char *ne = eq;

			while (ne > n && strchr(" \t\r\n", ne[-1]) != NULL)
				ne--;
			if ((size_t)(ne - n) == nlen &&
			    strncasecmp(n, name, nlen) == 0) {
				for (n = eq + 1; n < e; n++)
					if (strchr(" \t\r\n", *n) == NULL &&
					    k + 1 < outsz)
						out[k++] = *n;
				out[k] = '\0';
				return 0;
			}
		}
		p = *e == ';' ? e + 1 : e;
	}
	return -1;
}

/* tr_dkim_tags_find_signature - the DKIM-Signature with d= (and s=, when
 * given) in msg's header, unfolded into out; -1 when there is none */
int
tr_dkim_tags_find_signature(const unsigned char *msg, size_t len,
    const char *d, const char *s, char *out, size_t outsz)
{
	struct tr_mimeh_reader rd;
	struct tr_mimeh_field f;
	enum tr_mimeh_kind k;
	size_t hdrlen, bodyoff, n;
	char tag[TR_DKIM_NAME_MAX];

	(void)tr_mimeh_split((const char *)msg, len, 256 * 1024, &hdrlen,
	    &bodyoff);
	tr_mimeh_init(&rd, (const char *)msg, hdrlen);
	while ((k = tr_mimeh_next(&rd, &f)) != TR_MIMEH_END) {
		if (k != TR_MIMEH_FIELD ||
		    !tr_mimeh_name_is(&f, "DKIM-Signature"))
			continue;
		n = f.valuelen < outsz - 1 ? f.valuelen : outsz - 1;
		memcpy(out, f.value, n);
		out[n] = '\0';
		if (tr_dkim_tags_get(out, "d", tag, sizeof(tag)) == -1 ||
		    strcasecmp(tag, d) != 0)
			continue;
		if (s[0] != '\0' && (tr_dkim_tags_get(out, "s", tag, sizeof(tag)) ==
		    -1 || strcmp(tag, s) != 0))
			continue;
		return 0;
	}
	return -1;
}
