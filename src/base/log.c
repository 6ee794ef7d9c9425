/* log.c - JSON-lines log: one line per event, written by json_line.c */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "json_line.h"
#include "log.h"

static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = 2;			/* stderr until opened */
static char *log_path;			/* NULL for stdout/stderr */
static enum tr_loglevel log_level = TR_LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* tr_log_level_parse - level name to level, -1 when unknown */
int
tr_log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* open_path - the log file; a symbolic link in its place is refused, not
 * followed (tlsrptd run opens it as the daemon's user, in a directory that
 * user owns, so nobody else can plant one) */
static int
open_path(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0640);
}

/* tr_log_open - choose the target and level */
int
tr_log_open(const char *path, enum tr_loglevel level)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0 ||
	    strcmp(path, "stdout") == 0)
		fd = 1;
	else if (strcmp(path, "stderr") == 0)
		fd = 2;
	else if ((fd = open_path(path)) == -1)
		return -1;
	pthread_mutex_lock(&log_mtx);
	if (log_fd > 2)
		close(log_fd);
	free(log_path);
	log_path = fd > 2 ? strdup(path) : NULL;
	log_fd = fd;
	log_level = level;
	pthread_mutex_unlock(&log_mtx);
	return 0;
}

/* tr_log_reopen - reopen the log file after rotation */
int
tr_log_reopen(void)
{
	int fd, rc = 0;

	pthread_mutex_lock(&log_mtx);
	if (log_path != NULL) {
		if ((fd = open_path(log_path)) == -1)
			rc = -1;	/* keep writing to the old file */
		else {
			close(log_fd);
			log_fd = fd;
		}
	}
	pthread_mutex_unlock(&log_mtx);
	return rc;
}

void
tr_log_close(void)
{
	pthread_mutex_lock(&log_mtx);
	if (log_fd > 2)
		close(log_fd);
	log_fd = 2;
	free(log_path);
	log_path = NULL;
	pthread_mutex_unlock(&log_mtx);
}

int
tr_log_enabled(enum tr_loglevel level)
{
	return level <= log_level;
}

static void
write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;		/* nowhere left to report it */
		}
		s += n;
		len -= (size_t)n;
	}
}

/* digits - v in width decimal digits at out */
static void
digits(char *out, int v, int width)
{
	while (width-- > 0) {
		out[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* stamp - "YYYY-MM-DDTHH:MM:SS.mmmZ" of tm and ms in ts (25 bytes at
 * least); snprintf cost as much as the rest of a line */
static void
stamp(char *ts, const struct tm *tm, int ms)
{
	memcpy(ts, "0000-00-00T00:00:00.000Z", 25);
	digits(ts, tm->tm_year + 1900, 4);
	digits(ts + 5, tm->tm_mon + 1, 2);
	digits(ts + 8, tm->tm_mday, 2);
	digits(ts + 11, tm->tm_hour, 2);
	digits(ts + 14, tm->tm_min, 2);
	digits(ts + 17, tm->tm_sec, 2);
	digits(ts + 20, ms, 3);
}

/* fixed - one of the three members every line starts with, after lead:
 * the caller's value when fields has one (it replaces ours, in our place),
 * else ours */
static void
fixed(struct tr_json_line *l, const char *lead, const char *name,
    struct json_object *fields, const char *ours)
{
	struct json_object *v;

	tr_json_line_raw(l, lead, 1);
	tr_json_line_string(l, name, strlen(name));
	tr_json_line_raw(l, ":", 1);
	if (fields != NULL && json_object_object_get_ex(fields, name, &v))
		tr_json_line_value(l, v);
	else
		tr_json_line_string(l, ours, strlen(ours));
}

/* tr_log_event - write one JSON object as one line; consumes fields */
void
tr_log_event(enum tr_loglevel level, const char *event,
    struct json_object *fields)
{
	struct tr_json_line l = { 0 };
	struct timeval tv;
	struct tm tm;
	char ts[64];
	int saved_errno = errno;

	if (!tr_log_enabled(level)) {
		json_object_put(fields);
		return;
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	stamp(ts, &tm, (int)(tv.tv_usec / 1000));

	fixed(&l, "{", "time", fields, ts);
	fixed(&l, ",", "level", fields, level_names[level]);
	fixed(&l, ",", "event", fields, event);
	if (fields != NULL) {
		json_object_object_foreach(fields, k, v) {
			if (strcmp(k, "time") == 0 || strcmp(k, "level") == 0 ||
			    strcmp(k, "event") == 0)
				continue;
			tr_json_line_raw(&l, ",", 1);
			tr_json_line_string(&l, k, strlen(k));
			tr_json_line_raw(&l, ":", 1);
			tr_json_line_value(&l, v);
		}
		json_object_put(fields);
	}
	tr_json_line_raw(&l, "}\n", 2);
	/* out of memory: the line is dropped rather than written in part */
	if (!l.nomem) {
		pthread_mutex_lock(&log_mtx);
		write_all(log_fd, l.buf, l.len);
		pthread_mutex_unlock(&log_mtx);
	}
	tr_json_line_free(&l);
	errno = saved_errno;
}

static void
vlog(enum tr_loglevel level, int with_errno, const char *fmt, va_list ap)
{
	char msg[2048];
	struct json_object *f;
	int saved_errno = errno;
	size_t n;

	if (!tr_log_enabled(level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved_errno));
	}
	f = json_object_new_object();
	json_object_object_add(f, "msg", json_object_new_string(msg));
	tr_log_event(level, "message", f);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(TR_LOG_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(TR_LOG_WARN, 1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(TR_LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(TR_LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* tr_fatalx - log our own bug with the place it was found, then abort */
void
tr_fatalx(const char *file, int line, const char *func, const char *fmt, ...)
{
	char msg[2048];
	struct json_object *f;
	va_list ap;
	int elsewhere;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f = json_object_new_object();
	json_object_object_add(f, "msg", json_object_new_string(msg));
	json_object_object_add(f, "file", json_object_new_string(file));
	json_object_object_add(f, "line", json_object_new_int(line));
	json_object_object_add(f, "function", json_object_new_string(func));
	tr_log_event(TR_LOG_ERROR, "panic", f);
	pthread_mutex_lock(&log_mtx);
	elsewhere = log_fd != 2;
	pthread_mutex_unlock(&log_mtx);
	/* standard error is what the service manager keeps (the journal):
	 * a panic shows there too, beside the core dump's notice */
	if (elsewhere)
		dprintf(2, "tlsrptd: panic at %s:%d (%s): %s\n", file, line,
		    func, msg);
	abort();
}

/* fatal - log with strerror(errno) and exit(1) */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(TR_LOG_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}
