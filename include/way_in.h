/* way_in.h - the ways a report comes in, and the one table of their names */
#ifndef TR_WAY_IN_H
#define TR_WAY_IN_H

/*
 * A message's way in, as the log, the store (reports.way_in,
 * quarantine.way_in), the metrics (the way_in label) and quarantine retry
 * know it. The names are stored: never rename one.
 */
enum tr_way_in {
	TR_WAY_UNKNOWN,		/* none given, or a stored name not in the table */
	TR_WAY_FILE,		/* tlsrptd ingest */
	TR_WAY_MILTER,		/* the milter */
	TR_WAY_SMTP,		/* smtp_listen */
	TR_WAY_LMTP,		/* lmtp_listen */
	TR_WAY_HTTP,		/* http_listen: a report POSTed in plain HTTP */
	TR_WAY_HTTPS,		/* https_listen: a report POSTed over TLS */
};
#define TR_WAYS_IN	(TR_WAY_HTTPS + 1)

/* tr_way_in_name - "file", "milter", "smtp", "lmtp", "http", "https", or
 * "unknown" (for TR_WAY_UNKNOWN and anything out of range) */
const char *tr_way_in_name(enum tr_way_in w);

/* tr_way_in_parse - the way in named name (exactly as stored), or
 * TR_WAY_UNKNOWN for NULL and any other text */
enum tr_way_in tr_way_in_parse(const char *name);

/* tr_way_in_is_bare - whether what comes in this way is a report by
 * itself (an HTTP(S) body), not a mail that carries one */
int tr_way_in_is_bare(enum tr_way_in w);

#endif
