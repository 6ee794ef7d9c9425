/* log.h - the structured log: one JSON object per line */
#ifndef TR_LOG_H
#define TR_LOG_H

#include <stdarg.h>

struct json_object;

enum tr_loglevel { TR_LOG_ERROR, TR_LOG_WARN, TR_LOG_INFO, TR_LOG_DEBUG };

/* tr_log_open - log to path ("-" or "stdout": standard output, "stderr")
 * at level and above. Returns 0 or -1 (errno set). */
int tr_log_open(const char *path, enum tr_loglevel level);

/* tr_log_reopen - reopen the log file (logrotate); no-op on stdout/stderr */
int tr_log_reopen(void);

void tr_log_close(void);

/* tr_log_level_parse - "error", "warn", "info", "debug"; -1 otherwise */
int tr_log_level_parse(const char *s);

/* tr_log_enabled - whether level would be written */
int tr_log_enabled(enum tr_loglevel level);

/* tr_log_event - write {"time","level","event",...fields} as one line. fields
 * (an object, may be NULL) is consumed. Every string is serialised by json-c,
 * so attacker-controlled text cannot break the line. Thread-safe. */
void tr_log_event(enum tr_loglevel level, const char *event,
    struct json_object *fields);

/* printf-style conveniences: event "message" with field "msg" */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* appends strerror(errno) */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fatal - the environment failed beyond recovery: log at error level with
 * strerror(errno) appended, then exit(1) */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * fatalx - our own bug, a state that cannot happen: log event "panic" at
 * error level with the message and where it was found (file, line,
 * function), say so on standard error too when the log goes elsewhere, then
 * abort() for a core to look at. Never for bad input or a failing
 * environment: those have errors of their own.
 */
#define fatalx(...)	tr_fatalx(__FILE__, __LINE__, __func__, __VA_ARGS__)
void tr_fatalx(const char *file, int line, const char *func,
    const char *fmt, ...) __attribute__((format(printf, 4, 5), noreturn));

#endif
