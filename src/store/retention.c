/* retention.c - prune old reports and quarantined messages in bounded steps */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"
#include "datetime.h"
#include "db.h"
#include "log.h"
#include "retention.h"

#define DAY	86400
#define STR_(x)	#x
#define STR(x)	STR_(x)

/* tr_retention_cutoffs - now minus each retention, or "" when kept */
void
tr_retention_cutoffs(const struct tr_retention *r, int64_t now,
    char reports[32], char quarantine[32])
{
	reports[0] = quarantine[0] = '\0';
	if (r->report_days > 0 &&
	    tr_dt_format(now - (int64_t)r->report_days * DAY, reports) == -1)
		reports[0] = '\0';
	if (r->quarantine_days > 0 && tr_dt_format(now -
	    (int64_t)r->quarantine_days * DAY, quarantine) == -1)
		quarantine[0] = '\0';
}

/*
 * A report's period has ended before the cut when its end_time has; the
 * start_time condition adds nothing (the end is never before the start)
 * but lets the walk follow the start_time index, oldest first (id breaks
 * ties, so that both engines pick the same rows for a step).
 */
static const char reports_sql[] =
    "DELETE FROM reports WHERE id IN (SELECT id FROM reports "
    "WHERE start_time < ?1 AND end_time < ?1 ORDER BY start_time, id "
    "LIMIT ?2)";
static const char quarantine_sql[] =
    "DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine "
    "WHERE received_at < ?1 ORDER BY received_at, id LIMIT ?2)";

/* delete_some - run sql with the cut and a limit; *n gets the rows gone */
static enum tr_err
delete_some(struct tr_db *db, const char *sql, const char *cut,
    unsigned limit, unsigned *n, struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;

	*n = 0;
	if (cut[0] == '\0' || limit == 0)
		return TR_OK;
	if ((e = tr_db_prepare(db, sql, &stmt, err)) != TR_OK) {
		tr_error_prefix(err, "prune");
		return e;
	}
	if (tr_db_bind_text(stmt, 1, cut) != TR_OK ||
	    tr_db_bind_int64(stmt, 2, limit) != TR_OK) {
		tr_db_finalize(stmt);
		return tr_error_set(err, TR_ERR_NOMEM, "prune: out of memory");
	}
	if (tr_db_step(stmt, err) != TR_STEP_DONE) {
		tr_db_finalize(stmt);
		tr_error_prefix(err, "prune: deleting");
		return TR_ERR_STORE;
	}
	tr_db_finalize(stmt);
	*n = (unsigned)tr_db_changes(db);
	return TR_OK;
}

/* tr_prune_step - one bounded transaction */
enum tr_err
tr_prune_step(struct tr_store *st, const struct tr_retention *r, int64_t now,
    unsigned max, struct tr_pruned *done, int *more, struct tr_error *err)
{
	struct tr_db *db = tr_store_conn(st);
	char rcut[32], qcut[32];
	unsigned nr = 0, nq = 0;

	*more = 0;
	tr_retention_cutoffs(r, now, rcut, qcut);
	if ((rcut[0] == '\0' && qcut[0] == '\0') || max == 0)
		return TR_OK;
	if (tr_store_begin(st, err) != TR_OK)
		return TR_ERR_STORE;
	if (delete_some(db, reports_sql, rcut, max, &nr, err) != TR_OK ||
	    delete_some(db, quarantine_sql, qcut, max - nr, &nq, err) != TR_OK ||
	    tr_store_commit(st, err) != TR_OK) {
		tr_store_rollback(st);
		return TR_ERR_STORE;
	}
	done->reports += nr;
	done->quarantined += nq;
	*more = nr + nq == max;
	return TR_OK;
}

/* count_rows - count(*) of sql with the cut, 0 when kept */
static enum tr_err
count_rows(struct tr_db *db, const char *sql, const char *cut, uint64_t *n,
    struct tr_error *err)
{
	struct tr_stmt *stmt;
	enum tr_err e;

	*n = 0;
	if (cut[0] == '\0')
		return TR_OK;
	if ((e = tr_db_prepare(db, sql, &stmt, err)) != TR_OK) {
		tr_error_prefix(err, "prune");
		return e;
	}
	if (tr_db_bind_text(stmt, 1, cut) != TR_OK) {
		tr_db_finalize(stmt);
		return tr_error_set(err, TR_ERR_NOMEM, "prune: out of memory");
	}
	if (tr_db_step(stmt, err) != TR_STEP_ROW) {
		tr_db_finalize(stmt);
		tr_error_prefix(err, "prune: counting");
		return TR_ERR_STORE;
	}
	*n = (uint64_t)tr_db_col_int64(stmt, 0);
	tr_db_finalize(stmt);
	return TR_OK;
}

/* tr_prune_count - what would go */
enum tr_err
tr_prune_count(struct tr_store *st, const struct tr_retention *r, int64_t now,
    struct tr_pruned *out, struct tr_error *err)
{
	struct tr_db *db = tr_store_conn(st);
	char rcut[32], qcut[32];

	memset(out, 0, sizeof(*out));
	tr_retention_cutoffs(r, now, rcut, qcut);
	if (count_rows(db, "SELECT count(*) FROM reports WHERE start_time < ?1 "
	    "AND end_time < ?1", rcut, &out->reports, err) != TR_OK ||
	    count_rows(db, "SELECT count(*) FROM quarantine WHERE "
	    "received_at < ?1", qcut, &out->quarantined, err) != TR_OK)
		return TR_ERR_STORE;
	return TR_OK;
}

/*
 * tr_prune_lock - one host prunes a shared store at a time. PostgreSQL's
 * advisory lock belongs to the session, so it outlives the step
 * transactions and goes with the connection if that is lost. SQLite
 * serves one host: nothing to take.
 */
enum tr_err
tr_prune_lock(struct tr_store *st, int *held, struct tr_error *err)
{
	struct tr_db *db = tr_store_conn(st);
	int64_t got;

	*held = 1;
	if (tr_db_kind(db) != TR_DB_POSTGRESQL)
		return TR_OK;
	/* the boolean as 0 or 1: drivers read integers, not t/f */
	if (tr_db_query_int64(db, "SELECT CASE WHEN pg_try_advisory_lock("
	    STR(TR_RETENTION_LOCK) ") THEN 1 ELSE 0 END", &got, NULL, err) !=
	    TR_OK) {
		*held = 0;
		return TR_ERR_STORE;
	}
	*held = got == 1;
	return TR_OK;
}

/* tr_prune_unlock - give the lock of tr_prune_lock back */
void
tr_prune_unlock(struct tr_store *st)
{
	struct tr_db *db = tr_store_conn(st);
	struct tr_error err;
	int64_t v;

	if (tr_db_kind(db) != TR_DB_POSTGRESQL)
		return;
	if (tr_db_query_int64(db, "SELECT CASE WHEN pg_advisory_unlock("
	    STR(TR_RETENTION_LOCK) ") THEN 1 ELSE 0 END", &v, NULL, &err) !=
	    TR_OK)
		log_warnx("pruning: releasing the retention lock: %s "
		    "(it goes with the connection)", err.msg);
}

struct tr_pruner {
	struct tr_pruner_settings s;
	struct tr_store *st;
	struct event *timer;
	struct tr_pruned run;		/* the run in progress */
	int64_t run_now;		/* its reference time, fixed per run */
	int running;
	int lock_pending;		/* the run's first step takes the lock */
	int locked;			/* the run holds tr_prune_lock */
	struct tr_daemon_task task;	/* a step waiting for the store */
};

/* tr_pruner_defaults - hourly, 500 rows a step */
void
tr_pruner_defaults(struct tr_pruner_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->step_rows = 500;
	s->interval = 3600;
	s->first_delay_ms = 5000;
	s->step_delay_ms = 50;
}

static void
arm(struct tr_pruner *p, unsigned ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

/* run_done - log the run (when it removed anything) and wait an interval */
static void
run_done(struct tr_pruner *p)
{
	struct json_object *f;

	if (p->locked) {
		tr_prune_unlock(p->st);
		p->locked = 0;
	}
	p->lock_pending = 0;
	if (p->run.reports > 0 || p->run.quarantined > 0) {
		f = json_object_new_object();
		json_object_object_add(f, "reports",
		    json_object_new_int64((int64_t)p->run.reports));
		json_object_object_add(f, "quarantined",
		    json_object_new_int64((int64_t)p->run.quarantined));
		json_object_object_add(f, "retention_days",
		    json_object_new_int64(p->s.retention.report_days));
		json_object_object_add(f, "quarantine_retention_days",
		    json_object_new_int64(p->s.retention.quarantine_days));
		tr_log_event(TR_LOG_INFO, "pruned", f);
	}
	if (p->s.on_run != NULL)
		p->s.on_run(&p->run, p->s.on_run_arg);
	p->running = 0;
	arm(p, p->s.interval * 1000);
}

/* step - one step of a run, on the loop thread while it holds the store */
static void
step(void *arg)
{
	struct tr_pruner *p = arg;
	struct tr_error err;
	int more, held;

	/* Between the daemon's batches no transaction is open; if one is
	 * (a caller of our own), try again after a pause. */
	if (tr_db_in_transaction(tr_store_conn(p->st))) {
		arm(p, p->s.step_delay_ms);
		return;
	}
	/* a shared store is pruned by one host at a time */
	if (p->lock_pending) {
		p->lock_pending = 0;
		if (tr_prune_lock(p->st, &held, &err) != TR_OK) {
			log_warnx("pruning: taking the retention lock: %s; "
			    "trying again in %u s", err.msg, p->s.interval);
			run_done(p);
			return;
		}
		if (!held) {
			log_info("pruning: another instance is pruning the "
			    "shared database; this run is skipped, the next "
			    "in %u s", p->s.interval);
			run_done(p);
			return;
		}
		p->locked = 1;
	}
	if (tr_prune_step(p->st, &p->s.retention, p->run_now, p->s.step_rows,
	    &p->run, &more, &err) != TR_OK) {
		log_warnx("pruning: %s; trying again in %u s", err.msg,
		    p->s.interval);
		run_done(p);
		return;
	}
	if (more)
		arm(p, p->s.step_delay_ms);
	else
		run_done(p);
}

/* tick - the timer: start a run if none is going, then its next step */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct tr_pruner *p = arg;

	if (!p->running) {
		p->running = 1;
		p->lock_pending = 1;
		memset(&p->run, 0, sizeof(p->run));
		p->run_now = (int64_t)time(NULL);
	}
	if (p->s.daemon != NULL)
		tr_daemon_store_task(p->s.daemon, &p->task);
	else
		step(p);
}

/* tr_pruner_start - the first check after first_delay_ms */
struct tr_pruner *
tr_pruner_start(struct event_base *base, struct tr_store *st,
    const struct tr_pruner_settings *s)
{
	struct tr_pruner *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->s = *s;
	p->st = st;
	p->task.fn = step;
	p->task.arg = p;
	if ((p->timer = evtimer_new(base, tick, p)) == NULL) {
		free(p);
		return NULL;
	}
	arm(p, s->first_delay_ms);
	return p;
}

void
tr_pruner_free(struct tr_pruner *p)
{
	if (p == NULL)
		return;
	if (p->s.daemon != NULL)
		tr_daemon_task_cancel(p->s.daemon, &p->task);
	/* with a daemon, its store thread may hold the connection: the lock
	 * then goes when the connection is closed */
	else if (p->locked)
		tr_prune_unlock(p->st);
	event_free(p->timer);
	free(p);
}
