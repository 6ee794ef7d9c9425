/* test_log.c - the JSON-lines log: levels, one line per event whatever the
 * text, errno kept, reopening, threads, and the panic path */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testutil.h"

#include "log.h"

#define NTHREADS	4
#define PER_THREAD	500

struct fixture {
	char dir[256];
	char path[512];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-log-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/log", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tr_log_close();
	tu_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* lines - the file's lines, each parsed as one JSON object (fails the test
 * on a line that is not); *n gets their number. Free with free_lines. */
static struct json_object **
lines(const char *path, size_t *n)
{
	struct json_object **v = NULL;
	unsigned char *buf;
	char *p, *nl;
	size_t len;

	buf = tu_read(path, &len);
	*n = 0;
	assert_true(len == 0 || buf[len - 1] == '\n');
	for (p = (char *)buf; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		v = realloc(v, (*n + 1) * sizeof(*v));
		assert_non_null(v);
		if ((v[*n] = json_tokener_parse(p)) == NULL)
			fail_msg("line %zu is not JSON: %s", *n + 1, p);
		assert_true(json_object_is_type(v[*n], json_type_object));
		(*n)++;
	}
	free(buf);
	return v;
}

static void
free_lines(struct json_object **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_object_put(v[i]);
	free(v);
}

/* field - o[key] as a string, NULL when absent */
static const char *
field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* test_level_parse - the four names, nothing else */
static void
test_level_parse(void **state)
{
	assert_int_equal(tr_log_level_parse("error"), TR_LOG_ERROR);
	assert_int_equal(tr_log_level_parse("warn"), TR_LOG_WARN);
	assert_int_equal(tr_log_level_parse("info"), TR_LOG_INFO);
	assert_int_equal(tr_log_level_parse("debug"), TR_LOG_DEBUG);
	assert_int_equal(tr_log_level_parse("Error"), -1);
	assert_int_equal(tr_log_level_parse("warning"), -1);
	assert_int_equal(tr_log_level_parse(""), -1);
	assert_int_equal(tr_log_level_parse("info "), -1);
}

/* test_levels - below the level nothing is written; each line has time,
 * level and event first */
static void
test_levels(void **state)
{
	struct fixture *fx = *state;
	struct json_object **v, *f;
	struct json_object_iterator it;
	const char *t;
	size_t n;

	assert_int_equal(tr_log_open(fx->path, TR_LOG_WARN), 0);
	assert_true(tr_log_enabled(TR_LOG_ERROR));
	assert_true(tr_log_enabled(TR_LOG_WARN));
	assert_false(tr_log_enabled(TR_LOG_INFO));
	assert_false(tr_log_enabled(TR_LOG_DEBUG));
	log_debug("not this %d", 1);
	log_info("nor this %d", 2);
	log_warnx("this %d", 3);
	f = json_object_new_object();
	json_object_object_add(f, "n", json_object_new_int(4));
	tr_log_event(TR_LOG_ERROR, "custom", f);
	/* a disabled event still consumes its fields (the leak checkers see) */
	f = json_object_new_object();
	json_object_object_add(f, "n", json_object_new_int(5));
	tr_log_event(TR_LOG_DEBUG, "custom", f);
	tr_log_event(TR_LOG_WARN, "bare", NULL);

	v = lines(fx->path, &n);
	assert_int_equal(n, 3);
	assert_string_equal(field(v[0], "level"), "warn");
	assert_string_equal(field(v[0], "event"), "message");
	assert_string_equal(field(v[0], "msg"), "this 3");
	assert_string_equal(field(v[1], "level"), "error");
	assert_string_equal(field(v[1], "event"), "custom");
	assert_string_equal(field(v[1], "n"), "4");
	assert_string_equal(field(v[2], "event"), "bare");
	it = json_object_iter_begin(v[1]);
	assert_string_equal(json_object_iter_peek_name(&it), "time");
	t = json_object_get_string(json_object_iter_peek_value(&it));
	/* "YYYY-MM-DDTHH:MM:SS.mmmZ", UTC */
	assert_int_equal(strlen(t), 24);
	assert_true(t[4] == '-' && t[10] == 'T' && t[19] == '.');
	assert_true(t[23] == 'Z');
	json_object_iter_next(&it);
	assert_string_equal(json_object_iter_peek_name(&it), "level");
	json_object_iter_next(&it);
	assert_string_equal(json_object_iter_peek_name(&it), "event");
	free_lines(v, n);
}

/* test_hostile_text - newlines, quotes, control bytes, a forged field in a
 * message and in a field name: still one line each, the text intact */
static void
test_hostile_text(void **state)
{
	static const char evil[] = "ok\"}\n{\"level\":\"error\",\"event\":"
	    "\"forged\"}\r\n\x01\x1b[2J\\\"\t</script>\xe2\x80\xa8 end";
	struct fixture *fx = *state;
	struct json_object **v, *f;
	unsigned char *raw;
	size_t n, len, i, nl = 0;

	assert_int_equal(tr_log_open(fx->path, TR_LOG_INFO), 0);
	log_info("subject: %s", evil);
	f = json_object_new_object();
	json_object_object_add(f, evil, json_object_new_string(evil));
	json_object_object_add(f, "level", json_object_new_string("debug"));
	tr_log_event(TR_LOG_WARN, "message", f);

	raw = tu_read(fx->path, &len);
	for (i = 0; i < len; i++) {
		if (raw[i] == '\n')
			nl++;
		/* no raw control byte reaches the file */
		assert_false(raw[i] < 0x20 && raw[i] != '\n');
	}
	assert_int_equal(nl, 2);
	free(raw);

	v = lines(fx->path, &n);
	assert_int_equal(n, 2);
	assert_string_equal(field(v[0], "event"), "message");
	assert_string_equal(field(v[0], "level"), "info");
	assert_true(strncmp(field(v[0], "msg"), "subject: ", 9) == 0);
	assert_string_equal(field(v[0], "msg") + 9, evil);
	assert_string_equal(field(v[1], evil), evil);
	/* a field cannot pass itself off as the line's level */
	assert_string_equal(field(v[1], "level"), "debug");
	free_lines(v, n);
}

/* test_long_message - a message longer than the line buffer is cut, and
 * still one line */
static void
test_long_message(void **state)
{
	struct fixture *fx = *state;
	struct json_object **v;
	char *big;
	size_t n;

	big = malloc(10000);
	assert_non_null(big);
	memset(big, 'a', 9999);
	big[9999] = '\0';
	assert_int_equal(tr_log_open(fx->path, TR_LOG_INFO), 0);
	log_info("%s", big);
	v = lines(fx->path, &n);
	assert_int_equal(n, 1);
	assert_true(strlen(field(v[0], "msg")) > 1000);
	assert_true(strlen(field(v[0], "msg")) < 9999);
	assert_int_equal(strspn(field(v[0], "msg"), "a"),
	    strlen(field(v[0], "msg")));
	free_lines(v, n);
	free(big);
}

/* test_errno - log_warn appends strerror(errno); errno is kept by all */
static void
test_errno(void **state)
{
	struct fixture *fx = *state;
	struct json_object **v;
	char want[256];
	size_t n;

	assert_int_equal(tr_log_open(fx->path, TR_LOG_INFO), 0);
	errno = ENOSPC;
	log_warn("writing %s", "x.db");
	assert_int_equal(errno, ENOSPC);
	errno = EACCES;
	log_info("plain");
	assert_int_equal(errno, EACCES);
	errno = EPIPE;
	log_debug("below the level");
	assert_int_equal(errno, EPIPE);
	tr_log_event(TR_LOG_INFO, "e", NULL);
	assert_int_equal(errno, EPIPE);

	v = lines(fx->path, &n);
	assert_int_equal(n, 3);
	snprintf(want, sizeof(want), "writing x.db: %s", strerror(ENOSPC));
	assert_string_equal(field(v[0], "msg"), want);
	assert_string_equal(field(v[0], "level"), "warn");
	assert_string_equal(field(v[1], "msg"), "plain");
	free_lines(v, n);
}

/* test_open_fails - a path that cannot be opened: -1 with errno, and the
 * log keeps going where it went */
static void
test_open_fails(void **state)
{
	struct fixture *fx = *state;
	char bad[600];
	struct json_object **v;
	size_t n;

	assert_int_equal(tr_log_open(fx->path, TR_LOG_INFO), 0);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/log", fx->dir);
	errno = 0;
	assert_int_equal(tr_log_open(bad, TR_LOG_DEBUG), -1);
	assert_int_equal(errno, ENOENT);
	log_info("still here");
	log_debug("level unchanged");
	v = lines(fx->path, &n);
	assert_int_equal(n, 1);
	assert_string_equal(field(v[0], "msg"), "still here");
	free_lines(v, n);
}

/* test_reopen - after a rename (logrotate) the next lines go to a new file
 * at the same path; the old one keeps what was written before */
static void
test_reopen(void **state)
{
	struct fixture *fx = *state;
	struct json_object **v;
	char old[600];
	size_t n;

	assert_int_equal(tr_log_open(fx->path, TR_LOG_INFO), 0);
	log_info("before");
	snprintf(old, sizeof(old), "%s.1", fx->path);
	assert_int_equal(rename(fx->path, old), 0);
	log_info("still the old file");
	assert_int_equal(tr_log_reopen(), 0);
	log_info("after");

	v = lines(old, &n);
	assert_int_equal(n, 2);
	assert_string_equal(field(v[1], "msg"), "still the old file");
	free_lines(v, n);
	v = lines(fx->path, &n);
	assert_int_equal(n, 1);
	assert_string_equal(field(v[0], "msg"), "after");
	free_lines(v, n);

	/* on standard error there is nothing to reopen */
	assert_int_equal(tr_log_open("stderr", TR_LOG_INFO), 0);
	assert_int_equal(tr_log_reopen(), 0);
}

static void *
writer(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		log_info("thread %ld line %d %s", id, i,
		    "padding to make the lines long enough to interleave if "
		    "the writes were not serialised ......................");
	return NULL;
}

/* test_threads - lines written at once from several threads are whole */
static void
test_threads(void **state)
{
	struct fixture *fx = *state;
	pthread_t th[NTHREADS];
	struct json_object **v;
	int seen[NTHREADS] = { 0 };
	size_t n, i;
	long t;
	int line;

	assert_int_equal(tr_log_open(fx->path, TR_LOG_INFO), 0);
	for (t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, writer,
		    (void *)t), 0);
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	v = lines(fx->path, &n);
	assert_int_equal(n, NTHREADS * PER_THREAD);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(field(v[i], "msg"),
		    "thread %ld line %d", &t, &line), 2);
		assert_true(t >= 0 && t < NTHREADS);
		/* each thread's lines in its own order */
		assert_int_equal(line, seen[t]);
		seen[t]++;
	}
	free_lines(v, n);
}

/* panic_child - in a child: log to path, standard error to errpath, then
 * a panic */
static void
panic_child(const char *path, const char *errpath)
{
	struct rlimit no_core = { 0, 0 };
	int fd;

	setrlimit(RLIMIT_CORE, &no_core);
	if ((fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    dup2(fd, 2) == -1 || tr_log_open(path, TR_LOG_ERROR) != 0)
		_exit(3);
	fatalx("state %d of %s cannot happen", 7, "the machine");
}
/* the line of the fatalx above */
static const int panic_line = __LINE__ - 3;

/* test_fatalx - the panic is logged at error level with where it was
 * found, copied to standard error, and the process aborts */
static void
test_fatalx(void **state)
{
	struct fixture *fx = *state;
	struct json_object **v;
	char want[128], errpath[600];
	unsigned char *err;
	size_t errlen;
	int status;
	pid_t pid;
	size_t n;

	snprintf(errpath, sizeof(errpath), "%s/stderr", fx->dir);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		panic_child(fx->path, errpath);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);

	v = lines(fx->path, &n);
	assert_int_equal(n, 1);
	assert_string_equal(field(v[0], "level"), "error");
	assert_string_equal(field(v[0], "event"), "panic");
	assert_string_equal(field(v[0], "msg"),
	    "state 7 of the machine cannot happen");
	assert_non_null(strstr(field(v[0], "file"), "test_log.c"));
	assert_string_equal(field(v[0], "function"), "panic_child");
	snprintf(want, sizeof(want), "%d", panic_line);
	assert_string_equal(field(v[0], "line"), want);
	err = tu_read(errpath, &errlen);
	snprintf(want, sizeof(want), "tlsrptd: panic at %s:%d (panic_child): "
	    "state 7 of the machine cannot happen\n", __FILE__, panic_line);
	assert_string_equal((char *)err, want);
	free(err);
	free_lines(v, n);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_parse),
		T(test_levels),
		T(test_hostile_text),
		T(test_long_message),
		T(test_errno),
		T(test_open_fails),
		T(test_reopen),
		T(test_threads),
		T(test_fatalx),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
