/* milter_main.c - the milter's socket and thread: bind, run smfi_main, stop */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "milter.h"
#include "privilege.h"

/* Written before the milter thread starts, read after it has ended;
 * stop_requested is the one field two threads touch at once. */
static struct {
	struct tr_daemon *d;
	char *sockpath;			/* unix socket path, or NULL */
	pthread_t thread;
	int started;
	int status;			/* smfi_main's result */
	int failed;			/* it failed with no stop asked for */
	atomic_int stop_requested;	/* tr_milter_stop was called */
	atomic_int ended;		/* smfi_main has returned */
	pthread_t stopper;		/* the thread that calls smfi_stop */
	int stopper_started;
} M;

/* unix_path - the file name of a unix:/local: socket spec, or NULL */
static const char *
unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/*
 * make_parent - create the socket's directory when it is missing (0750,
 * owned by the daemon's user): a fresh /run/tlsrptd outside systemd, or
 * var/ of the development configuration. One level only: a missing
 * grandparent is a configuration mistake worth reporting. The directory is
 * given away through a descriptor opened without following links, so a
 * link swapped in after mkdir() is refused rather than followed.
 */
static enum tr_err
make_parent(const char *path, uid_t uid, gid_t gid, struct tr_error *err)
{
	char dir[4096];
	char *slash;
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return tr_error_set(err, TR_ERR_IO, "milter: socket path too "
		    "long");
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return TR_OK;
	*slash = '\0';
	if (mkdir(dir, 0750) == -1) {
		if (errno == EEXIST)
			return TR_OK;
		return tr_error_set(err, TR_ERR_IO, "milter: cannot create %s: "
		    "%s", dir, strerror(errno));
	}
	if (uid == (uid_t)-1 && gid == (gid_t)-1)
		return TR_OK;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return tr_error_set(err, TR_ERR_IO, "milter: cannot open %s: %s",
		    dir, strerror(errno));
	if (fchown(fd, uid, gid) == -1) {
		tr_error_set(err, TR_ERR_IO, "milter: chown %s: %s", dir,
		    strerror(errno));
		close(fd);
		return TR_ERR_IO;
	}
	close(fd);
	return TR_OK;
}

/* tr_milter_listen - register and bind, before privileges are dropped */
enum tr_err
tr_milter_listen(const struct tr_config *cfg, uid_t uid, gid_t gid,
    struct tr_error *err)
{
	struct tr_ids ids;
	const char *path;
	mode_t old;
	int rc;

	if (tr_milter_register(cfg) == -1)
		return tr_error_set(err, TR_ERR_IO, "milter: smfi_register "
		    "failed");
	if (smfi_setconn(cfg->milter_socket) != MI_SUCCESS)
		return tr_error_set(err, TR_ERR_IO, "milter: bad socket "
		    "\"%s\"", cfg->milter_socket);
	path = unix_path(cfg->milter_socket);
	if (path != NULL && make_parent(path, uid, gid, err) != TR_OK)
		return err->code;
	/*
	 * libmilter binds the socket itself, by name. It is created 0660
	 * (umask) and by the daemon's user and group (effective ids while
	 * root), so nothing is chmod()ed or chown()ed by name afterwards:
	 * that would follow a link swapped in by whoever may write the
	 * directory (see listen.c).
	 */
	if (tr_ids_assume(uid, gid, &ids) == -1)
		return tr_error_set(err, TR_ERR_IO, "milter: cannot take the "
		    "ids of the user: %s", strerror(errno));
	old = umask(0117);
	rc = smfi_opensocket(true);
	umask(old);
	tr_ids_restore(&ids);
	if (rc != MI_SUCCESS)
		return tr_error_set(err, TR_ERR_IO, "milter: cannot listen on "
		    "%s (does its directory exist and is it writable%s?)",
		    cfg->milter_socket, ids.switched ? " by the user" : "");
	if (path != NULL) {
		if ((M.sockpath = strdup(path)) == NULL)
			return tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		/* not root: lchown never follows a link, and only gives away
		 * a file of our own to a group of ours */
		if (!ids.switched && gid != (gid_t)-1 && gid != getegid() &&
		    lchown(path, (uid_t)-1, gid) == -1)
			return tr_error_set(err, TR_ERR_IO, "milter: chown %s: "
			    "%s", path, strerror(errno));
	}
	return TR_OK;
}

/*
 * sigwait - what libmilter's signal thread calls. smfi_main starts a thread
 * that sigwait()s for SIGHUP, SIGTERM and SIGINT and stops the milter (for
 * SIGINT: aborts it, a failure) when one arrives. The daemon's loop owns
 * those signals: it logs them and stops every receiver in order, the
 * milter through smfi_stop. A signal sent to the process goes to whichever
 * thread takes it; the kernel mostly picks the loop's, but not under
 * valgrind, nor for a signal aimed at that thread's id, and then the daemon
 * ended without a word, with status 70 after SIGINT. This definition,
 * found before the C library's, parks a wait for the stop signals (only
 * libmilter's asks for SIGTERM) with every signal blocked until exit. Any
 * other wait (libpq may consume a SIGPIPE it caused) is the C library's,
 * done here through sigwaitinfo.
 */
int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t all;
	int got;

	if (sigismember(set, SIGTERM) == 1) {
		sigfillset(&all);
		for (;;)
			sigsuspend(&all);
	}
	for (;;) {
		if ((got = sigwaitinfo(set, NULL)) > 0) {
			*sig = got;
			return 0;
		}
		if (errno != EINTR)
			return errno;
	}
}

/* milter_thread - run libmilter until it is stopped */
static void *
milter_thread(void *arg)
{
	(void)arg;
	M.status = smfi_main();
	/* A stop asked for while smfi_main was still starting can make it
	 * return a failure (its socket is closed under its listener): that
	 * is the orderly stop we asked for, not an error. */
	M.failed = M.status != MI_SUCCESS && !atomic_load(&M.stop_requested);
	if (M.failed)
		log_warnx("milter: smfi_main failed");
	atomic_store(&M.ended, 1);
	/* Normally the loop is stopping already; if libmilter ended on its
	 * own, the loop may be waiting for nothing else: wake it. */
	tr_daemon_shutdown(M.d);
	return NULL;
}

/*
 * tr_milter_start - the milter thread, created with the stop signals
 * blocked whatever the caller's mask: libmilter's signal thread inherits
 * that mask, so the stop signals stay with the thread that did not block
 * them (the loop's), and libmilter is stopped through tr_milter_stop.
 */
int
tr_milter_start(struct tr_daemon *d)
{
	pthread_attr_t attr;
	sigset_t set;
	int e;

	M.d = d;
	tr_milter_use(d);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if ((e = pthread_attr_init(&attr)) != 0 ||
	    (e = pthread_attr_setsigmask_np(&attr, &set)) != 0 ||
	    (e = pthread_create(&M.thread, &attr, milter_thread, NULL)) != 0) {
		errno = e;
		log_warn("milter: cannot start its thread");
		return -1;
	}
	pthread_attr_destroy(&attr);
	M.started = 1;
	return 0;
}

/*
 * wake_listener - connect to our own unix socket and hang up, until
 * smfi_main has returned (6 s at most). libmilter's listener holds its lock
 * through a poll of up to 5 s, and smfi_stop waits for that lock; a
 * connection ends the poll, so the stop takes milliseconds, not seconds.
 */
static void
wake_listener(void)
{
	struct sockaddr_un sun;
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int fd, i;

	if (M.sockpath == NULL ||
	    strlen(M.sockpath) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, M.sockpath, strlen(M.sockpath) + 1);
	for (i = 0; i < 300 && !atomic_load(&M.ended); i++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return;
		(void)connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		close(fd);
		nanosleep(&pause, NULL);
	}
}

/* waker_thread - wake_listener, beside the thread blocked in smfi_stop */
static void *
waker_thread(void *arg)
{
	(void)arg;
	wake_listener();
	return NULL;
}

/* stopper_thread - smfi_stop, which waits out libmilter's poll round
 * unless the waker ends it sooner */
static void *
stopper_thread(void *arg)
{
	pthread_t waker;
	int woken;

	(void)arg;
	woken = pthread_create(&waker, NULL, waker_thread, NULL) == 0;
	smfi_stop();
	if (woken)
		pthread_join(waker, NULL);
	return NULL;
}

/* tr_milter_stop - make smfi_main return, without waiting for it */
void
tr_milter_stop(void)
{
	int e;

	if (!M.started || atomic_exchange(&M.stop_requested, 1))
		return;
	if ((e = pthread_create(&M.stopper, NULL, stopper_thread, NULL)) != 0) {
		/* no thread to spare: wait here instead */
		errno = e;
		log_warn("milter: stopping on the caller's thread");
		smfi_stop();
		return;
	}
	M.stopper_started = 1;
}

/* tr_milter_join - wait for smfi_main to have returned */
int
tr_milter_join(void)
{
	if (!M.started)
		return 0;
	pthread_join(M.thread, NULL);
	if (M.stopper_started)
		pthread_join(M.stopper, NULL);
	M.started = 0;
	M.stopper_started = 0;
	return M.failed ? -1 : 0;
}

/* tr_milter_close - remove our unix socket once the milter is gone */
void
tr_milter_close(void)
{
	if (M.sockpath != NULL) {
		/* libmilter leaves the socket behind; the next start would
		 * remove it anyway, but a stale socket misleads operators. */
		unlink(M.sockpath);
		free(M.sockpath);
		M.sockpath = NULL;
	}
}
