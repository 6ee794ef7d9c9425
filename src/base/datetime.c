/* datetime.c - RFC 3339 date-time parsing, normalised to UTC */

/*
 * Handwritten on purpose: strptime(3) depends on the locale, differs between
 * libcs (%z accepts "+0530" but not always "+05:30", glibc skips spaces where
 * RFC 3339 allows none) and cannot report a missing zone, and timegm(3) is not
 * in POSIX. The grammar is small enough to check byte by byte.
 */

#include <stdint.h>
#include <stdio.h>

#include "datetime.h"

#define SECS_PER_DAY	86400

/* digits - value of n ASCII digits at s, or -1 when one is not a digit */
static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* tr_dt_days_in_month - days in month (1-12) of a proleptic Gregorian year */
int
tr_dt_days_in_month(int year, int month)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap;

	if (month < 1 || month > 12)
		return 0;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return dim[month - 1] + (month == 2 && leap);
}

/*
 * days_from_civil - days since 1970-01-01 of a Gregorian date; the era
 * arithmetic (H. Hinnant's algorithm) keeps it exact for years before 1970.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* civil_from_days - inverse of days_from_civil */
static void
civil_from_days(int64_t z, int64_t *yp, int *mp, int *dp)
{
	int64_t era, doe, yoe, doy, mp0;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp0 = (5 * doy + 2) / 153;
	*dp = (int)(doy - (153 * mp0 + 2) / 5 + 1);
	*mp = (int)(mp0 < 10 ? mp0 + 3 : mp0 - 9);
	*yp = yoe + era * 400 + (*mp <= 2);
}

/* put_digits - v (0 <= v < 10^n) as n decimal digits, zero-padded */
static void
put_digits(char *out, int n, int v)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* tr_dt_format - write epoch as "YYYY-MM-DDTHH:MM:SSZ"; -1 outside 0000-9999 */
int
tr_dt_format(int64_t epoch, char out[TR_DT_UTC_LEN + 1])
{
	int64_t days, secs, y;
	int m, d;

	/* floor division: times before 1970 have a negative remainder */
	days = epoch / SECS_PER_DAY;
	secs = epoch % SECS_PER_DAY;
	if (secs < 0) {
		secs += SECS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return -1;
	/* by hand: snprintf's format parsing cost more than the rest of a
	 * report's two dates together */
	put_digits(out, 4, (int)y);
	out[4] = '-';
	put_digits(out + 5, 2, m);
	out[7] = '-';
	put_digits(out + 8, 2, d);
	out[10] = 'T';
	put_digits(out + 11, 2, (int)(secs / 3600));
	out[13] = ':';
	put_digits(out + 14, 2, (int)(secs / 60 % 60));
	out[16] = ':';
	put_digits(out + 17, 2, (int)(secs % 60));
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

/* fail - set the reason and return -1 */
static int
fail(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return -1;
}

/* tr_dt_parse - parse an RFC 3339 date-time into UTC */
int
tr_dt_parse(const char *s, size_t len, struct tr_dt *dt, const char **why)
{
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	int64_t epoch;
	size_t i;

	if (why != NULL)
		*why = NULL;
	/* full-date "T" partial-time: exactly 19 bytes before the options */
	if (len < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return fail(why, NULL);
	if ((year = digits(s, 4)) < 0 || (mon = digits(s + 5, 2)) < 0 ||
	    (day = digits(s + 8, 2)) < 0 || (hour = digits(s + 11, 2)) < 0 ||
	    (min = digits(s + 14, 2)) < 0 || (sec = digits(s + 17, 2)) < 0)
		return fail(why, NULL);
	i = 19;
	/* time-secfrac: at least one digit; dropped, not rounded */
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail(why, NULL);
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i == len) {
		dt->zoned = 0;
	} else if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		dt->zoned = 1;
	} else if ((s[i] == '+' || s[i] == '-') && i + 6 == len &&
	    s[i + 3] == ':') {
		sign = s[i] == '+' ? 1 : -1;
		if ((oh = digits(s + i + 1, 2)) < 0 ||
		    (om = digits(s + i + 4, 2)) < 0)
			return fail(why, NULL);
		dt->zoned = 1;
	} else
		return fail(why, NULL);

	if (mon < 1 || mon > 12)
		return fail(why, "month out of range");
	if (day < 1 || day > tr_dt_days_in_month(year, mon))
		return fail(why, "day out of range for the month");
	if (hour > 23)
		return fail(why, "hour out of range");
	if (min > 59)
		return fail(why, "minute out of range");
	/* 60 is a leap second (RFC 3339 5.7); it lands on the next minute */
	if (sec > 60)
		return fail(why, "second out of range");
	if (oh > 23 || om > 59)
		return fail(why, "time zone offset out of range");

	/* local time minus the offset is UTC; "-00:00" is UTC too (4.3) */
	epoch = days_from_civil(year, mon, day) * SECS_PER_DAY +
	    hour * 3600 + min * 60 + sec - sign * (oh * 3600 + om * 60);
	if (tr_dt_format(epoch, dt->utc) == -1)
		return fail(why, "year out of range after conversion to UTC");
	dt->epoch = epoch;
	return 0;
}
