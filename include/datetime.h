/* datetime.h - RFC 3339 date-time parsing, normalised to UTC */
#ifndef TR_DATETIME_H
#define TR_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#define TR_DT_UTC_LEN	20	/* strlen("YYYY-MM-DDTHH:MM:SSZ") */

struct tr_dt {
	int64_t epoch;			/* seconds since 1970-01-01T00:00:00Z */
	int zoned;			/* 0: no offset given, read as UTC */
	char utc[TR_DT_UTC_LEN + 1];	/* "YYYY-MM-DDTHH:MM:SSZ" */
};

/*
 * tr_dt_parse - parse len bytes of an RFC 3339 section 5.6 date-time
 * ("2016-04-01T00:00:00Z", "2016-04-01t05:30:00.25+05:30") into dt, with the
 * fraction dropped and the offset applied. A missing offset is tolerated
 * (Microsoft sends "2023-01-10T00:00:00"): dt->zoned is 0 and the time is
 * read as UTC. Returns 0, or -1 with *why (may be NULL) set to a static
 * reason for a field out of range, or to NULL when the text does not have
 * the date-time form at all.
 */
int tr_dt_parse(const char *s, size_t len, struct tr_dt *dt,
    const char **why);

/* tr_dt_format - write epoch as "YYYY-MM-DDTHH:MM:SSZ"; -1 outside 0000-9999 */
int tr_dt_format(int64_t epoch, char out[TR_DT_UTC_LEN + 1]);

/* tr_dt_days_in_month - days in month (1-12) of a proleptic Gregorian year */
int tr_dt_days_in_month(int year, int month);

#endif
