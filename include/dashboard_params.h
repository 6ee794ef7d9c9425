/* dashboard_params.h - the dashboard's query string: parsed, validated, bounded */
#ifndef TR_DASHBOARD_PARAMS_H
#define TR_DASHBOARD_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "datetime.h"
#include "error.h"
#include "query.h"

#define TR_DASH_QUERY_MAX	2048	/* bytes of a whole query string */
#define TR_DASH_DOMAIN_MAX	253
#define TR_DASH_ORG_MAX		256
#define TR_DASH_LIMIT_MAX	1000	/* rows of a list page */
#define TR_DASH_ID_MAX		9007199254740991LL	/* 2^53 - 1 */

/* Which parameters were given (bits of tr_dash_params.given). */
#define TR_DP_SINCE	0x01
#define TR_DP_UNTIL	0x02
#define TR_DP_DOMAIN	0x04
#define TR_DP_ORG	0x08
#define TR_DP_TYPE	0x10
#define TR_DP_ID	0x20
#define TR_DP_LIMIT	0x40

/*
 * The filters and selectors of a dashboard URL. since and until are whole
 * UTC days, until included; as query filters they become the day's start
 * and the next day's start.
 */
struct tr_dash_params {
	unsigned given;				/* TR_DP_* */
	char since_day[11], until_day[11];	/* YYYY-MM-DD as given */
	char since[TR_DT_UTC_LEN + 1];		/* since_day 00:00:00Z */
	char until[TR_DT_UTC_LEN + 1];		/* the day after until_day */
	char domain[TR_DASH_DOMAIN_MAX + 1];	/* lower case, no final dot */
	char org[TR_DASH_ORG_MAX + 1];
	char type[16];				/* sts, tlsa, no-policy-found */
	int64_t id;				/* 1 to TR_DASH_ID_MAX */
	unsigned limit;				/* 1 to TR_DASH_LIMIT_MAX */
};

/*
 * tr_dash_params_parse - read the query string q[0..len) (without "?";
 * NULL or empty is no parameter) of name=value pairs joined by "&", values
 * percent-decoded ("+" is a space). Parameters: since, until (YYYY-MM-DD,
 * a real day, since not after until), domain, org (printable UTF-8, no
 * control character), type (sts, tlsa, no-policy-found), id and limit
 * (decimal, in range). An empty value is the same as leaving it out. On
 * anything else - an unknown or repeated name, a bad %-escape, a value out
 * of range, more than TR_DASH_QUERY_MAX bytes - returns TR_ERR_SCHEMA (or
 * TR_ERR_TOO_LARGE) with a message naming the parameter, printable ASCII
 * only, and p is left zeroed.
 */
enum tr_err tr_dash_params_parse(const char *q, size_t len,
    struct tr_dash_params *p, struct tr_error *err);

/* tr_dash_params_filter - p as the query module's filter (pointers into p) */
void tr_dash_params_filter(const struct tr_dash_params *p, size_t limit,
    struct tr_query_filter *f);

#endif
