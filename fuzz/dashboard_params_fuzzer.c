/*
 * dashboard_params_fuzzer.c - libFuzzer harness for the dashboard's
 * query-string parser
 *
 * The input is a query string as it follows "?" in a URL. The checks are
 * the contracts of dashboard_params.h: on success every value is within
 * its bounds, the strings are NUL-terminated, the domain has no upper
 * case, org and domain have no control character, and since is before
 * until; on failure p is all zero and the message is printable ASCII. A
 * decoded value then goes through the HTML escaper, whose output must hold
 * no raw markup character. Seeds in fuzz/corpus/dashboard_params are
 * written by hand.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_params.h"
#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* printable_text - no C0 control or DEL in s */
static void
printable_text(const char *s, size_t max)
{
	size_t i, n = strnlen(s, max + 1);

	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

/* escaped_clean - s through tr_html_escape has no raw < > " ' */
static void
escaped_clean(const char *s)
{
	struct tr_buf b = { 0 };

	tr_html_text(&b, s);
	if (b.p != NULL && strpbrk(b.p, "<>\"'") != NULL)
		abort();
	tr_buf_free(&b);
}

/* LLVMFuzzerTestOneInput - parse, then check the result's contracts */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tr_dash_params zero;
	struct tr_dash_params p;
	struct tr_error err;
	size_t i;

	if (tr_dash_params_parse((const char *)data, size, &p, &err) !=
	    TR_OK) {
		if (memcmp(&p, &zero, sizeof(p)) != 0)
			abort();
		for (i = 0; err.msg[i] != '\0'; i++)
			if (err.msg[i] < 0x20 || err.msg[i] >= 0x7f)
				abort();
		return 0;
	}
	printable_text(p.domain, TR_DASH_DOMAIN_MAX);
	printable_text(p.org, TR_DASH_ORG_MAX);
	for (i = 0; p.domain[i] != '\0'; i++)
		if ((p.domain[i] >= 'A' && p.domain[i] <= 'Z') ||
		    p.domain[i] == ' ')
			abort();
	if ((p.given & TR_DP_DOMAIN) && p.domain[0] == '\0')
		abort();
	if ((p.given & TR_DP_ID) && (p.id < 1 || p.id > TR_DASH_ID_MAX))
		abort();
	if ((p.given & TR_DP_LIMIT) && (p.limit < 1 ||
	    p.limit > TR_DASH_LIMIT_MAX))
		abort();
	if ((p.given & TR_DP_TYPE) && strcmp(p.type, "sts") != 0 &&
	    strcmp(p.type, "tlsa") != 0 &&
	    strcmp(p.type, "no-policy-found") != 0)
		abort();
	if ((p.given & TR_DP_SINCE) && (strlen(p.since) != TR_DT_UTC_LEN ||
	    strncmp(p.since, p.since_day, 10) != 0))
		abort();
	if ((p.given & TR_DP_UNTIL) && strlen(p.until) != TR_DT_UTC_LEN)
		abort();
	if ((p.given & TR_DP_SINCE) && (p.given & TR_DP_UNTIL) &&
	    strcmp(p.since, p.until) >= 0)
		abort();
	escaped_clean(p.domain);
	escaped_clean(p.org);
	return 0;
}
