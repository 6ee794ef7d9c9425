/* alert.h - failure-rate alerts: a domain's day over the threshold, once, with a command */
#ifndef TR_ALERT_H
#define TR_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pipeline.h"
#include "stats.h"
#include "store.h"

struct event_base;
struct json_object;
struct tr_db;

#define TR_ALERT_TOP		5	/* result-types named in an alert */
#define TR_ALERT_MAX_CHECKS	1000	/* domain-days checked per commit */
#define TR_ALERT_MAX_RUNNING	8	/* alert commands at once */
#define TR_ALERT_COMMAND_TIMEOUT 60	/* seconds before a command is killed */
#define TR_ALERT_MAX_PENDING	1000	/* commands waiting for a slot */
#define TR_ALERT_RETRY		30	/* seconds between tries to start them */
#define TR_ALERT_MAX_PER_REPORT	20	/* default alert_max_per_report */
#define TR_ALERT_MAX_PER_HOUR	200	/* default alert_max_per_hour */

struct tr_alert_settings {
	double threshold;		/* percent, > 0 (alert_failure_rate) */
	unsigned min_sessions;		/* alert_min_sessions */
	const char *command;		/* alert_command, or NULL */
	unsigned command_timeout;	/* seconds; 0: TR_ALERT_COMMAND_TIMEOUT */
	unsigned max_per_report;	/* alerts one report may raise; 0: default */
	unsigned max_per_hour;		/* alerts in any hour; 0: default */
	/* The site's own domains (tlsrptd.conf "domains"), or none: their
	 * alerts go first when the caps above leave room for only some. */
	const char *const *own_domains;
	size_t nown_domains;
};

/* A policy domain's day, its sessions counted once (domain_daily). */
struct tr_alert_day {
	const char *policy_domain;
	char day[11];			/* "YYYY-MM-DD" */
	int64_t reports, organizations;
	int64_t successful, failed;
	double rate;			/* failed / (successful + failed), 0..1 */
	struct {
		char result_type[128];	/* cut to fit */
		int64_t failed;
	} top[TR_ALERT_TOP];		/* most failed sessions first */
	size_t ntop;
};

/*
 * tr_alert_read_day - the figures of domain_daily for one domain and day
 * (by an equivalent query that uses the policy_domain index) and the day's
 * top result-types, counted as the sessions are: from the policy type
 * report_domain_sessions picks. TR_OK or TR_ERR_STORE.
 */
enum tr_err tr_alert_read_day(struct tr_db *db, const char *policy_domain,
    const char *day, struct tr_alert_day *out, struct tr_error *err);

/* tr_alert_due - whether a day crosses the threshold: at least min_sessions
 * sessions and a failure rate of threshold percent or more */
int tr_alert_due(const struct tr_alert_day *d,
    const struct tr_alert_settings *s);

/*
 * tr_alert_claim - record in the alerts table that the domain's day has
 * alerted; 1 when this call recorded it, 0 when it already had (no alert
 * then), -1 on a store error (err set; no alert now, the next stored report
 * of the day tries again). One INSERT ... ON CONFLICT DO NOTHING on the
 * unique (policy_domain, day): of several hosts sharing a store, exactly
 * one gets 1. Autocommit (the statement is its own transaction) or inside
 * the caller's.
 */
int tr_alert_claim(struct tr_db *db, const struct tr_alert_day *d,
    double threshold, struct tr_error *err);

/* tr_alert_fields - the alert as JSON fields: the failure_rate_alert log
 * event, and what alert_command reads */
struct json_object *tr_alert_fields(const struct tr_alert_day *d,
    const struct tr_alert_settings *s);

/*
 * The daemon's alerter: after each commit it looks at the domain-days of
 * the newly stored reports (at most TR_ALERT_MAX_CHECKS per commit), logs a
 * failure_rate_alert for each that is due and not yet claimed (at most
 * max_per_report from one report and max_per_hour in an hour; a due day
 * over a bound stays unclaimed, for a later report of the day), and runs
 * the command: posix_spawn without a shell, the alert on its standard
 * input through a non-blocking pipe, standard output and error to
 * /dev/null, killed after the timeout, reaped on SIGCHLD, its end logged
 * as an alert_command event. A command that cannot start (too many
 * running, spawn failed) waits and starts when a command ends or every
 * TR_ALERT_RETRY seconds; one that never ran (queue full, daemon stopped)
 * has its alert unrecorded, so it is raised again. Loop thread only.
 */
struct tr_alerter;

struct tr_alerter *tr_alerter_new(struct event_base *base,
    struct tr_store *st, const struct tr_alert_settings *s,
    struct tr_stats *stats);

/* tr_alerter_check - the verdicts of a committed batch */
void tr_alerter_check(struct tr_alerter *a, const struct tr_verdict *v,
    size_t n);

/* tr_alerter_running - alert commands not yet reaped */
size_t tr_alerter_running(const struct tr_alerter *a);

/* tr_alerter_waiting - alert commands waiting to start */
size_t tr_alerter_waiting(const struct tr_alerter *a);

/* tr_alerter_free - stop watching; commands still running are left to
 * finish on their own (logged) */
void tr_alerter_free(struct tr_alerter *a);

#endif
