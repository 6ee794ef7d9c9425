/* alert.c - failure-rate alerts after each commit; the alert command, spawned and reaped */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "alert.h"
#include "alert_day.h"
#include "datetime.h"
#include "db.h"
#include "domain_count.h"
#include "log.h"

extern char **environ;

/* One alert command, from spawn to reaping. */
struct child {
	struct tr_alerter *a;
	pid_t pid;
	int fd;				/* our end of its stdin, or -1 */
	char *input;			/* the alert, one JSON line */
	size_t len, off;
	struct event *write_ev;		/* fd writable */
	struct event *timer;		/* the time limit */
	int timed_out;
	char *domain;			/* for its log line */
	char day[11];
};

/* An alert whose command could not start yet: it runs when it can. */
struct pending {
	char *domain;
	char day[11];
	char *input;			/* the alert, one JSON line */
};

struct tr_alerter {
	struct event_base *base;
	struct tr_store *st;
	struct tr_alert_settings s;
	char *command;
	struct tr_stats *stats;
	struct event *sigchld;
	struct child *running[TR_ALERT_MAX_RUNNING];
	size_t nrunning;
	struct pending *pending;	/* TR_ALERT_MAX_PENDING, oldest first */
	size_t npending;
	struct event *retry;		/* tries the pending ones again */
	time_t hour_start;		/* the current hour's window */
	unsigned hour_count;		/* alerts raised in it */
	size_t held_back;		/* due, left for a later report */
	int stopping;			/* tr_alerter_free: start nothing */
};

static int start_command(struct tr_alerter *, const char *, const char *,
    char **);
static void start_pending(struct tr_alerter *);

/* close_input - done writing (or cannot): the command sees end of file */
static void
close_input(struct child *c)
{
	if (c->write_ev != NULL) {
		event_free(c->write_ev);
		c->write_ev = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	free(c->input);
	c->input = NULL;
}

/* child_free - a reaped (or abandoned) command */
static void
child_free(struct child *c)
{
	close_input(c);
	if (c->timer != NULL)
		event_free(c->timer);
	free(c->domain);
	free(c);
}

/* write_input - as much of the alert as the pipe takes, never blocking */
static void
write_input(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;
	ssize_t w;

	while (c->off < c->len) {
		w = write(c->fd, c->input + c->off, c->len - c->off);
		if (w > 0) {
			c->off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN) {
			if (c->write_ev == NULL && (c->write_ev = event_new(
			    c->a->base, c->fd, EV_WRITE | EV_PERSIST,
			    write_input, c)) == NULL)
				break;
			event_add(c->write_ev, NULL);
			return;
		}
		/* EPIPE: it closed its input without reading it all; its
		 * exit status says whether that was fine */
		break;
	}
	close_input(c);
}

/* time_up - the command overran its time: kill it (reaped on SIGCHLD) */
static void
time_up(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;

	c->timed_out = 1;
	kill(c->pid, SIGKILL);
}

/* log_command - the alert_command event for one command */
static void
log_command(const struct tr_alerter *a, const char *domain, const char *day,
    pid_t pid, const char *result, int status, const char *error)
{
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "command", json_object_new_string(a->command));
	json_object_object_add(f, "policy_domain", json_object_new_string(domain));
	json_object_object_add(f, "day", json_object_new_string(day));
	if (pid > 0)
		json_object_object_add(f, "pid", json_object_new_int((int)pid));
	json_object_object_add(f, "result", json_object_new_string(result));
	if (error != NULL)
		json_object_object_add(f, "error", json_object_new_string(error));
	else if (WIFEXITED(status))
		json_object_object_add(f, "exit_status",
		    json_object_new_int(WEXITSTATUS(status)));
	else if (WIFSIGNALED(status))
		json_object_object_add(f, "signal",
		    json_object_new_string(strsignal(WTERMSIG(status))));
	tr_log_event(strcmp(result, "ok") == 0 ? TR_LOG_INFO : TR_LOG_WARN,
	    "alert_command", f);
}

/* on_sigchld - reap whichever of our commands have ended */
static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct tr_alerter *a = arg;
	struct child *c;
	const char *result;
	size_t i = 0;
	pid_t r;
	int status;

	/* only our own children, by pid: never anybody else's */
	while (i < a->nrunning) {
		c = a->running[i];
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == 0 || (r == -1 && errno == EINTR)) {
			i++;
			continue;
		}
		if (r == -1) {
			log_command(a, c->domain, c->day, c->pid, "failed", 0,
			    strerror(errno));
			result = "failed";
		} else {
			if (c->timed_out)
				result = "timeout";
			else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				result = "ok";
			else
				result = "failed";
			log_command(a, c->domain, c->day, c->pid, result,
			    status, NULL);
		}
		tr_stats_alert_command(a->stats, result);
		child_free(c);
		a->running[i] = a->running[--a->nrunning];
	}
	/* a slot is free: the commands that waited for one go first */
	start_pending(a);
}

/* spawn_command - start command with fd as its stdin, stdout and stderr
 * on /dev/null, default signals; posix_spawn's result (0: *pid runs) */
static int
spawn_command(char *command, int fd, pid_t *pid)
{
	static const int dflt[] = { SIGPIPE, SIGCHLD, SIGHUP, SIGINT,
	    SIGTERM, SIGUSR1, SIGUSR2, SIGALRM };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t set;
	char *argv[2];
	size_t i;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
#ifdef __GLIBC__
	/* the milter socket, the database and the listeners stay ours */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	posix_spawnattr_init(&at);
	/* the loop thread may block the stop signals; ignored SIGPIPE
	 * would be inherited too: the command starts clean */
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&at, &set);
	for (i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
		sigaddset(&set, dflt[i]);
	posix_spawnattr_setsigdefault(&at, &set);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	argv[0] = command;
	argv[1] = NULL;
	rc = posix_spawn(pid, command, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc;
}

/*
 * start_command - spawn alert_command with *input (one JSON line, taken on
 * success) on its stdin. -1 when it cannot start now (too many running, no
 * memory, no pipe, spawn failed: logged), for the caller to keep it.
 */
static int
start_command(struct tr_alerter *a, const char *domain, const char *day,
    char **input)
{
	struct timeval tv = { a->s.command_timeout, 0 };
	struct child *c;
	int p[2], rc;

	if (a->nrunning == TR_ALERT_MAX_RUNNING) {
		log_command(a, domain, day, 0, "skipped", 0,
		    "too many alert commands still running; it runs when one "
		    "ends");
		tr_stats_alert_command(a->stats, "skipped");
		return -1;
	}
	/* posix_spawn may report a failed exec only as exit status 127 */
	if (access(a->command, X_OK) == -1) {
		log_command(a, domain, day, 0, "error", 0, strerror(errno));
		tr_stats_alert_command(a->stats, "error");
		return -1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	c->a = a;
	c->fd = -1;
	snprintf(c->day, sizeof(c->day), "%s", day);
	if ((c->domain = strdup(domain)) == NULL) {
		child_free(c);
		goto nomem;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_command(a, domain, day, 0, "error", 0, strerror(errno));
		tr_stats_alert_command(a->stats, "error");
		child_free(c);
		return -1;
	}

	rc = spawn_command(a->command, p[0], &c->pid);
	close(p[0]);
	c->fd = p[1];
	if (rc != 0) {
		log_command(a, domain, day, 0, "error", 0, strerror(rc));
		tr_stats_alert_command(a->stats, "error");
		child_free(c);
		return -1;
	}
	c->input = *input;
	*input = NULL;
	c->len = strlen(c->input);
	a->running[a->nrunning++] = c;
	if ((c->timer = evtimer_new(a->base, time_up, c)) != NULL)
		evtimer_add(c->timer, &tv);
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) == -1)
		close_input(c);
	else
		write_input(c->fd, EV_WRITE, c);
	return 0;
nomem:
	log_command(a, domain, day, 0, "error", 0, "out of memory");
	tr_stats_alert_command(a->stats, "error");
	return -1;
}

/* unclaim - tr_alert_unclaim on the alerter's store */
static void
unclaim(struct tr_alerter *a, const char *domain, const char *day)
{
	tr_alert_unclaim(tr_store_conn(a->st), domain, day);
}

/* pending_free - release a pending entry's strings */
static void
pending_free(struct pending *p)
{
	free(p->domain);
	free(p->input);
	memset(p, 0, sizeof(*p));
}

/* keep_pending - a command that could not start waits for a free slot
 * (or the retry timer); when even the queue is full the alert is
 * unrecorded instead, never recorded as done without its command */
static void
keep_pending(struct tr_alerter *a, const char *domain, const char *day,
    char **input)
{
	struct timeval tv = { TR_ALERT_RETRY, 0 };
	struct pending *p;

	if (a->npending == TR_ALERT_MAX_PENDING ||
	    (a->pending == NULL && (a->pending = calloc(TR_ALERT_MAX_PENDING,
	    sizeof(*a->pending))) == NULL)) {
		log_warnx("alert for %s on %s: %d alert commands already wait "
		    "to run; the next report of the day raises it again",
		    domain, day, TR_ALERT_MAX_PENDING);
		unclaim(a, domain, day);
		return;
	}
	p = &a->pending[a->npending];
	if ((p->domain = strdup(domain)) == NULL) {
		unclaim(a, domain, day);
		return;
	}
	snprintf(p->day, sizeof(p->day), "%s", day);
	p->input = *input;
	*input = NULL;
	a->npending++;
	if (a->retry != NULL && !evtimer_pending(a->retry, NULL))
		evtimer_add(a->retry, &tv);
}

/* start_pending - start the waiting commands, oldest first, while they
 * start */
static void
start_pending(struct tr_alerter *a)
{
	struct timeval tv = { TR_ALERT_RETRY, 0 };
	size_t i, done = 0;

	if (a->stopping)
		return;
	while (done < a->npending && a->nrunning < TR_ALERT_MAX_RUNNING) {
		struct pending *p = &a->pending[done];

		if (start_command(a, p->domain, p->day, &p->input) == -1)
			break;
		pending_free(p);
		done++;
	}
	if (done > 0) {
		for (i = done; i < a->npending; i++)
			a->pending[i - done] = a->pending[i];
		a->npending -= done;
		memset(&a->pending[a->npending], 0, done * sizeof(*a->pending));
	}
	if (a->npending > 0 && a->retry != NULL &&
	    !evtimer_pending(a->retry, NULL))
		evtimer_add(a->retry, &tv);
}

/* retry_pending - the retry timer */
static void
retry_pending(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_pending(arg);
}

/* run_command - the command for a newly raised alert: now, or when it can */
static void
run_command(struct tr_alerter *a, struct json_object *alert,
    const struct tr_alert_day *d)
{
	const char *s = json_object_to_json_string_ext(alert,
	    JSON_C_TO_STRING_PLAIN);
	char *input = NULL;

	if (s == NULL || asprintf(&input, "%s\n", s) == -1) {
		log_command(a, d->policy_domain, d->day, 0, "error", 0,
		    "out of memory");
		tr_stats_alert_command(a->stats, "error");
		unclaim(a, d->policy_domain, d->day);
		return;
	}
	/* behind the ones already waiting, so the oldest alert runs first */
	if (a->npending > 0 || start_command(a, d->policy_domain, d->day,
	    &input) == -1)
		keep_pending(a, d->policy_domain, d->day, &input);
	free(input);
}

/* tr_alerter_new - watch commits on base; NULL on failure (logged) */
struct tr_alerter *
tr_alerter_new(struct event_base *base, struct tr_store *st,
    const struct tr_alert_settings *s, struct tr_stats *stats)
{
	struct tr_alerter *a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		log_warn("alerts");
		return NULL;
	}
	a->base = base;
	a->st = st;
	a->s = *s;
	a->stats = stats;
	if (a->s.command_timeout == 0)
		a->s.command_timeout = TR_ALERT_COMMAND_TIMEOUT;
	if (a->s.max_per_report == 0)
		a->s.max_per_report = TR_ALERT_MAX_PER_REPORT;
	if (a->s.max_per_hour == 0)
		a->s.max_per_hour = TR_ALERT_MAX_PER_HOUR;
	if (s->command != NULL) {
		if ((a->command = strdup(s->command)) == NULL) {
			log_warn("alerts");
			free(a);
			return NULL;
		}
		a->s.command = a->command;
		if ((a->sigchld = evsignal_new(base, SIGCHLD, on_sigchld,
		    a)) == NULL || event_add(a->sigchld, NULL) == -1 ||
		    (a->retry = evtimer_new(base, retry_pending, a)) == NULL) {
			log_warnx("alerts: cannot watch SIGCHLD");
			tr_alerter_free(a);
			return NULL;
		}
	}
	return a;
}

/* One domain-day to look at. */
struct check {
	const char *domain;
	const char *day;
	size_t verdict;			/* the report that brought it */
	int foreign;			/* 1: not one of the site's domains */
};

/* order_checks - the site's own domains first, each side in the order the
 * reports brought them (a stable insertion sort: nc is small) */
static void
order_checks(struct check *c, size_t nc)
{
	struct check t;
	size_t i, j;

	for (i = 1; i < nc; i++) {
		t = c[i];
		for (j = i; j > 0 && c[j - 1].foreign > t.foreign; j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
}

/* hour_full - whether this hour's alerts are used up (the window starts
 * with the first alert after the last one ended) */
static int
hour_full(struct tr_alerter *a)
{
	time_t now = time(NULL);

	if (now - a->hour_start >= 3600 || now < a->hour_start) {
		a->hour_start = now;
		a->hour_count = 0;
	}
	return a->hour_count >= a->s.max_per_hour;
}

/* raise_alert - one domain-day: due and not yet claimed, then log and run;
 * 1 when raised. A due day over a bound is left unclaimed, for a later
 * report of the day to raise. */
static int
raise_alert(struct tr_alerter *a, const char *domain, const char *day,
    int report_full)
{
	struct tr_alert_day d;
	struct tr_error err;
	struct json_object *f;
	struct tr_db *db = tr_store_conn(a->st);

	if (tr_alert_read_day(db, domain, day, &d, &err) != TR_OK) {
		log_warnx("%s", err.msg);
		return 0;
	}
	if (!tr_alert_due(&d, &a->s))
		return 0;
	if (report_full || hour_full(a)) {
		a->held_back++;
		return 0;
	}
	switch (tr_alert_claim(db, &d, a->s.threshold, &err)) {
	case -1:
		log_warnx("failure_rate_alert for %s on %s not raised: %s",
		    domain, day, err.msg);
		return 0;
	case 0:
		return 0;	/* raised before, maybe before a restart */
	}
	a->hour_count++;
	f = tr_alert_fields(&d, &a->s);
	tr_stats_alert(a->stats);
	if (a->command != NULL) {
		json_object_object_add(f, "event",
		    json_object_new_string("failure_rate_alert"));
		run_command(a, f, &d);
		json_object_object_del(f, "event");
	}
	tr_log_event(TR_LOG_WARN, "failure_rate_alert", f);
	return 1;
}

/* tr_alerter_check - every stored domain-day of a committed batch */
void
tr_alerter_check(struct tr_alerter *a, const struct tr_verdict *v, size_t n)
{
	struct check *c;
	size_t i, j, k, nc = 0, held;
	unsigned *raised;
	int capped = 0;

	if (a == NULL || a->s.threshold <= 0)
		return;
	for (i = 0; i < n; i++)
		nc += v[i].ntallies;
	if (nc == 0)
		return;
	if (nc > TR_ALERT_MAX_CHECKS)
		nc = TR_ALERT_MAX_CHECKS;
	if ((c = calloc(nc, sizeof(*c))) == NULL) {
		log_warn("alerts");
		return;
	}
	nc = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < v[i].ntallies; j++) {
			const struct tr_tally *t = &v[i].tallies[j];

			/* no failures of its own, a report may still bring
			 * the day up to alert_min_sessions */
			if (t->policy_domain == NULL || t->day[0] == '\0')
				continue;
			for (k = 0; k < nc; k++)
				if (strcmp(c[k].domain, t->policy_domain) == 0 &&
				    strcmp(c[k].day, t->day) == 0)
					break;
			if (k < nc)
				continue;
			if (nc == TR_ALERT_MAX_CHECKS) {
				capped = 1;
				continue;
			}
			c[nc].domain = t->policy_domain;
			c[nc].day = t->day;
			c[nc].verdict = i;
			c[nc].foreign = a->s.nown_domains > 0 &&
			    tr_domain_owner(t->policy_domain, a->s.own_domains,
			    a->s.nown_domains) == NULL;
			nc++;
		}
	if (capped)
		log_warnx("alerts: more than %d domain-days in one commit; "
		    "the others are checked with their next report",
		    TR_ALERT_MAX_CHECKS);
	/*
	 * At most max_per_report alerts from one report and max_per_hour in
	 * all: a report naming a thousand domains must not drown the alerts
	 * (and the commands) of the others. What is held back stays
	 * unclaimed and alerts with a later report of its day.
	 */
	if ((raised = calloc(n, sizeof(*raised))) == NULL) {
		log_warn("alerts");
		free(c);
		return;
	}
	order_checks(c, nc);
	held = a->held_back;
	for (k = 0; k < nc; k++)
		raised[c[k].verdict] += (unsigned)raise_alert(a, c[k].domain,
		    c[k].day, raised[c[k].verdict] >= a->s.max_per_report);
	free(raised);
	if (a->held_back > held)
		log_warnx("alerts: %zu due alert%s held back (at most %u per "
		    "report, %u per hour); a later report of the day raises "
		    "them", a->held_back - held, a->held_back - held == 1 ?
		    "" : "s", a->s.max_per_report, a->s.max_per_hour);
	free(c);
}

/* tr_alerter_running - commands not yet reaped */
size_t
tr_alerter_running(const struct tr_alerter *a)
{
	return a != NULL ? a->nrunning : 0;
}

/* tr_alerter_waiting - commands waiting to start */
size_t
tr_alerter_waiting(const struct tr_alerter *a)
{
	return a != NULL ? a->npending : 0;
}

/* tr_alerter_free - stop watching; running commands finish on their own */
void
tr_alerter_free(struct tr_alerter *a)
{
	size_t i;

	if (a == NULL)
		return;
	a->stopping = 1;
	/* a last look: some may have ended without a SIGCHLD seen yet */
	if (a->nrunning > 0)
		on_sigchld(SIGCHLD, EV_SIGNAL, a);
	for (i = 0; i < a->nrunning; i++) {
		log_warnx("alert_command %s (pid %ld) still running at exit",
		    a->command, (long)a->running[i]->pid);
		child_free(a->running[i]);
	}
	/* commands that never ran: their alerts are raised again after a
	 * restart, by the next report of the day */
	for (i = 0; i < a->npending; i++) {
		log_warnx("alert for %s on %s: alert_command did not run before "
		    "the stop; the next report of the day raises it again",
		    a->pending[i].domain, a->pending[i].day);
		unclaim(a, a->pending[i].domain, a->pending[i].day);
		pending_free(&a->pending[i]);
	}
	free(a->pending);
	if (a->retry != NULL)
		event_free(a->retry);
	if (a->sigchld != NULL)
		event_free(a->sigchld);
	free(a->command);
	free(a);
}
