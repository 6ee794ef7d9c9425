/* log.c - JSON-lines log; json-c serialises every string */
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

/* utf8_seq - length of the valid UTF-8 sequence at p[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), 0 when invalid */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * utf8_line - s[0..len) with every byte that is not part of valid UTF-8
 * replaced by the escape \ufffd, in a new buffer with room for a newline;
 * NULL when s is valid already (or out of memory: then the line is dropped
 * by the caller rather than written invalid). json-c copies string bytes as
 * they are, and header values (Subject, From...) come from the sender in
 * any charset: a strict JSON reader refuses the whole line for one such
 * byte. Such bytes can only sit inside JSON strings, where the six-byte
 * escape is valid, so the finished line is cleaned once here rather than
 * every field at every place that adds one.
 */
static char *
utf8_line(const char *s, size_t len, size_t *outlen, int *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, nbad = 0, o = 0;
	char *out;

	*bad = 0;
	while (i < len) {
		if ((k = utf8_seq(p + i, len - i)) == 0) {
			nbad++;
			k = 1;
		}
		i += k;
	}
	if (nbad == 0)
		return NULL;
	*bad = 1;
	if ((out = malloc(len + nbad * 5 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i += k) {
		if ((k = utf8_seq(p + i, len - i)) == 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			k = 1;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
		}
	}
	*outlen = o;
	return out;
}

/* tr_log_event - write one JSON object as one line; consumes fields */
void
tr_log_event(enum tr_loglevel level, const char *event,
    struct json_object *fields)
{
	struct json_object *line;
	struct timeval tv;
	struct tm tm;
	char ts[64];
	const char *s;
	size_t len;
	char *buf;
	int saved_errno = errno, bad;

	if (!tr_log_enabled(level)) {
		json_object_put(fields);
		return;
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));

	line = json_object_new_object();
	json_object_object_add(line, "time", json_object_new_string(ts));
	json_object_object_add(line, "level",
	    json_object_new_string(level_names[level]));
	json_object_object_add(line, "event", json_object_new_string(event));
	if (fields != NULL) {
		json_object_object_foreach(fields, k, v)
			json_object_object_add(line, k, json_object_get(v));
		json_object_put(fields);
	}
	s = json_object_to_json_string_length(line,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	buf = utf8_line(s, len, &len, &bad);
	if (buf == NULL && !bad && (buf = malloc(len + 1)) != NULL)
		memcpy(buf, s, len);
	if (buf != NULL) {
		buf[len] = '\n';
		pthread_mutex_lock(&log_mtx);
		write_all(log_fd, buf, len + 1);
		pthread_mutex_unlock(&log_mtx);
		free(buf);
	}
	json_object_put(line);
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
