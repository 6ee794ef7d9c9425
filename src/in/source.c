/* source.c - find messages in files, mboxes, Maildirs, directories and stdin */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

#define MAX_DIR_DEPTH	32
#define MAX_STDIN	(1024UL * 1024 * 1024)
#define READ_MAX	(64UL * 1024 * 1024)	/* larger files are read in steps */

static int walk(const char *path, int depth, tr_source_cb cb, void *arg);

/* io_error - report an unreadable input through the callback */
static int
io_error(const char *path, tr_source_cb cb, void *arg, const char *what)
{
	struct tr_source_msg m;

	memset(&m, 0, sizeof(m));
	m.name = path;
	m.filename = path;
	/* out of memory (or descriptors) is not the input's fault */
	tr_error_set(&m.err, errno == ENOMEM ? TR_ERR_NOMEM : TR_ERR_IO,
	    "%s: %s: %s", path, what, strerror(errno));
	return cb(arg, &m);
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* tr_source_is_report - a bare report rather than a mail message */
int
tr_source_is_report(const char *path, const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (has_suffix(path, ".json") || has_suffix(path, ".json.gz") ||
	    has_suffix(path, ".gz") || has_suffix(path, ".zip"))
		return 1;
	if (tr_payload_sniff(p, len) != TR_PAYLOAD_JSON)
		return 1;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i < len && p[i] == '{';
}

/* unescape_from - mboxrd/mboxo: ">From " lines lose one '>'; returns a copy */
static unsigned char *
unescape_from(const unsigned char *p, size_t len, size_t *outlen)
{
	unsigned char *out, *o;
	size_t i = 0, j;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	o = out;
	while (i < len) {
		/* at the start of a line */
		j = i;
		while (j < len && p[j] == '>')
			j++;
		if (j > i && len - j >= 5 && memcmp(p + j, "From ", 5) == 0)
			i++;	/* drop one '>' */
		while (i < len && p[i] != '\n')
			*o++ = p[i++];
		if (i < len)
			*o++ = p[i++];
	}
	*outlen = (size_t)(o - out);
	out[*outlen] = '\0';
	return out;
}

/* mbox_message - hand one mbox message (From_ line stripped) to cb */
static int
mbox_message(const char *path, unsigned n, const unsigned char *p, size_t len,
    tr_source_cb cb, void *arg)
{
	struct tr_source_msg m;
	unsigned char *copy = NULL;
	char name[4200];
	const unsigned char *nl;
	int rc;

	/* the From_ separator line is mbox framing, not part of the message */
	if ((nl = memchr(p, '\n', len)) != NULL) {
		len -= (size_t)(nl + 1 - p);
		p = nl + 1;
	} else
		len = 0;
	memset(&m, 0, sizeof(m));
	if (memmem(p, len, ">From ", 6) != NULL) {
		if ((copy = unescape_from(p, len, &m.len)) == NULL) {
			errno = ENOMEM;
			return io_error(path, cb, arg, "reading mbox");
		}
		m.buf = copy;
	} else {
		m.buf = p;
		m.len = len;
	}
	snprintf(name, sizeof(name), "%s#%u", path, n);
	m.kind = TR_INPUT_MESSAGE;
	m.name = name;
	m.filename = path;
	rc = cb(arg, &m);
	free(copy);
	return rc;
}

/* next_separator - the '\n' that ends the line before the next "From "
 * separator line in p[from..len) (a "From " line after an empty line,
 * LF or CRLF), or NULL */
static const unsigned char *
next_separator(const unsigned char *p, size_t len, size_t from)
{
	const unsigned char *end = p + len, *q = p + from, *hit;

	while (q < end) {
		hit = memmem(q, (size_t)(end - q), "\nFrom ", 6);
		if (hit == NULL)
			return NULL;
		if ((hit - p >= 1 && hit[-1] == '\n') ||
		    (hit - p >= 2 && hit[-1] == '\r' && hit[-2] == '\n'))
			return hit;
		q = hit + 1;
	}
	return NULL;
}

/* split_mbox - every message of an mbox: a "From " line after a blank line */
static int
split_mbox(const char *path, const unsigned char *p, size_t len,
    tr_source_cb cb, void *arg)
{
	const unsigned char *start = p, *hit;
	unsigned n = 0;
	int rc;

	for (;;) {
		hit = next_separator(p, len, (size_t)(start - p));
		if (hit == NULL)
			return mbox_message(path, ++n, start,
			    (size_t)(p + len - start), cb, arg);
		/* the blank line before the separator belongs to mbox framing */
		if ((rc = mbox_message(path, ++n, start, (size_t)(hit - start),
		    cb, arg)) != 0)
			return rc;
		start = hit + 1;
	}
}

/* deliver - one file's bytes to the callback, split when it is an mbox */
static int
deliver(const char *path, const unsigned char *p, size_t len, tr_source_cb cb,
    void *arg)
{
	struct tr_source_msg m;

	if (len >= 5 && memcmp(p, "From ", 5) == 0)
		return split_mbox(path, p, len, cb, arg);
	memset(&m, 0, sizeof(m));
	m.buf = p;
	m.len = len;
	m.kind = tr_source_is_report(path, p, len) ? TR_INPUT_REPORT :
	    TR_INPUT_MESSAGE;
	m.name = path;
	m.filename = path;
	return cb(arg, &m);
}

/*
 * read_large - a file over READ_MAX, read in steps rather than mapped: a
 * map of a file that shrinks meanwhile kills the process with SIGBUS, and a
 * file of another user is not ours to map. An mbox is split as it is read,
 * so memory holds one message (at most MAX_STDIN) and not the whole mbox;
 * anything else is one message of at most MAX_STDIN bytes.
 */
static int
read_large(const char *path, int fd, tr_source_cb cb, void *arg)
{
	unsigned char *buf = NULL, *nbuf;
	const unsigned char *hit;
	size_t cap = 0, fill = 0, start = 0, scan = 0, ncap;
	unsigned n = 0;
	int mbox = -1, eof = 0, rc = 0;
	ssize_t got;

	for (;;) {
		if (!eof) {
			if (fill == cap && start > 0) {
				memmove(buf, buf + start, fill - start);
				fill -= start;
				scan -= start;
				start = 0;
			}
			if (fill == cap) {
				if (cap >= MAX_STDIN) {
					errno = EFBIG;
					rc = io_error(path, cb, arg,
					    "a message over 1 GiB");
					break;
				}
				ncap = cap == 0 ? READ_MAX : cap * 2;
				if ((nbuf = realloc(buf, ncap + 1)) == NULL) {
					rc = io_error(path, cb, arg, "reading");
					break;
				}
				buf = nbuf;
				cap = ncap;
			}
			got = read(fd, buf + fill, cap - fill);
			if (got == -1) {
				if (errno == EINTR)
					continue;
				rc = io_error(path, cb, arg, "reading");
				break;
			}
			if (got == 0)
				eof = 1;
			fill += (size_t)got;
		}
		if (mbox == -1 && (fill >= 5 || eof))
			mbox = fill >= 5 && memcmp(buf, "From ", 5) == 0;
		if (mbox != 1) {
			if (!eof)
				continue;
			buf[fill] = '\0';
			rc = deliver(path, buf, fill, cb, arg);
			break;
		}
		while ((hit = next_separator(buf, fill, scan)) != NULL) {
			if ((rc = mbox_message(path, ++n, buf + start,
			    (size_t)(hit - buf) - start, cb, arg)) != 0)
				goto out;
			start = scan = (size_t)(hit - buf) + 1;
		}
		if (eof) {
			rc = mbox_message(path, ++n, buf + start, fill - start,
			    cb, arg);
			break;
		}
		/* a separator may straddle the next read: look back a little */
		scan = fill - start > 8 ? fill - 8 : start;
	}
out:
	free(buf);
	return rc;
}

/*
 * shared_dir - whether the directory holding path may be written by
 * another user (group or other write, or another owner than us or root):
 * such a user can swap a link in place of a file between our look and our
 * open, so files there are opened without following links.
 */
static int
shared_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &sb) == -1)
		return 1;
	return (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    (sb.st_uid != 0 && sb.st_uid != geteuid());
}

/* walk_file - read a regular file and deliver it */
static int
walk_file(const char *path, tr_source_cb cb, void *arg)
{
	/* one buffer reused for every small file: a map per file would cost a
	 * TLB shoot-down on every munmap, most of the time of a bulk ingest */
	static unsigned char *buf;
	static size_t cap;
	unsigned char *nbuf;
	struct stat sb;
	size_t len = 0, want;
	ssize_t n;
	int fd, rc, flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	if (shared_dir(path))
		flags |= O_NOFOLLOW;
	if ((fd = open(path, flags)) == -1) {
		if (errno == ELOOP && (flags & O_NOFOLLOW) != 0)
			return io_error(path, cb, arg, "a symbolic link in a "
			    "directory other users can write, not followed");
		return io_error(path, cb, arg, "cannot open");
	}
	if (fstat(fd, &sb) == -1) {
		rc = io_error(path, cb, arg, "cannot stat");
		close(fd);
		return rc;
	}
	/* what was opened, not what lstat saw: it may have been swapped */
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		errno = EINVAL;
		return io_error(path, cb, arg, "not a regular file");
	}
	if ((size_t)sb.st_size > READ_MAX) {
		rc = read_large(path, fd, cb, arg);
		close(fd);
		return rc;
	}
	want = (size_t)sb.st_size + 1;
	if (want > cap) {
		if ((nbuf = realloc(buf, want)) == NULL) {
			rc = io_error(path, cb, arg, "reading");
			close(fd);
			return rc;
		}
		buf = nbuf;
		cap = want;
	}
	/*
	 * read to EOF within the buffer: the file may have changed size. A
	 * regular file returns less than asked for only at its end, so the
	 * usual file takes one read, not a second one to see the 0.
	 */
	while (len < cap - 1) {
		want = cap - 1 - len;
		n = read(fd, buf + len, want);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			rc = io_error(path, cb, arg, "reading");
			close(fd);
			return rc;
		}
		len += (size_t)n;
		if ((size_t)n < want)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return deliver(path, buf, len, cb, arg);
}

/* walk_stdin - read standard input whole (bounded) and deliver it */
static int
walk_stdin(tr_source_cb cb, void *arg)
{
	unsigned char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;
	int rc;

	for (;;) {
		if (len == cap) {
			if (cap >= MAX_STDIN) {
				errno = EFBIG;
				free(buf);
				return io_error("-", cb, arg, "standard input over 1 GiB");
			}
			cap = cap ? cap * 2 : 65536;
			if ((nbuf = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return io_error("-", cb, arg, "reading");
			}
			buf = nbuf;
		}
		n = read(0, buf + len, cap - len);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return io_error("-", cb, arg, "reading");
		}
		len += (size_t)n;
	}
	rc = deliver("-", buf ? buf : (unsigned char *)"", len, cb, arg);
	free(buf);
	return rc;
}

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int
skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* walk_dir - every entry of a directory in name order */
static int
walk_dir(const char *path, int depth, tr_source_cb cb, void *arg)
{
	struct dirent **ents;
	char sub[4096];
	int i, n, rc = 0;

	if (depth > MAX_DIR_DEPTH) {
		errno = ELOOP;
		return io_error(path, cb, arg, "directories nested too deep");
	}
	if ((n = scandir(path, &ents, skip_dots, alphasort)) == -1)
		return io_error(path, cb, arg, "cannot read directory");
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			rc = walk(sub, depth + 1, cb, arg);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* walk_maildir - new/ then cur/ of a Maildir (tmp/ holds partial deliveries) */
static int
walk_maildir(const char *path, int depth, tr_source_cb cb, void *arg)
{
	char sub[4096];
	int rc;

	snprintf(sub, sizeof(sub), "%s/new", path);
	if ((rc = walk_dir(sub, depth + 1, cb, arg)) != 0)
		return rc;
	snprintf(sub, sizeof(sub), "%s/cur", path);
	return walk_dir(sub, depth + 1, cb, arg);
}

static int
walk(const char *path, int depth, tr_source_cb cb, void *arg)
{
	char sub[4096];
	struct stat sb;

	if (lstat(path, &sb) == -1)
		return io_error(path, cb, arg, "cannot stat");
	if (S_ISLNK(sb.st_mode)) {
		/* follow links to files, never to directories (loops) */
		if (stat(path, &sb) == -1)
			return io_error(path, cb, arg, "cannot stat");
		if (S_ISDIR(sb.st_mode))
			return depth == 0 ? walk_dir(path, depth, cb, arg) : 0;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(sub, sizeof(sub), "%s/cur", path);
		if (is_dir(sub)) {
			snprintf(sub, sizeof(sub), "%s/new", path);
			if (is_dir(sub))
				return walk_maildir(path, depth, cb, arg);
		}
		return walk_dir(path, depth, cb, arg);
	}
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		return io_error(path, cb, arg, "not a regular file");
	}
	return walk_file(path, cb, arg);
}

/* tr_source_walk - every message under path */
int
tr_source_walk(const char *path, tr_source_cb cb, void *arg)
{
	if (strcmp(path, "-") == 0)
		return walk_stdin(cb, arg);
	return walk(path, 0, cb, arg);
}
