/* listen.c - the listening sockets of smtp_listen, http_listen and friends */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "privilege.h"

#define SOCK_FLAGS	(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC)

/* tr_listen_unix_path - the path of a "unix:PATH" address, else NULL */
const char *
tr_listen_unix_path(const char *spec)
{
	return strncmp(spec, "unix:", 5) == 0 ? spec + 5 : NULL;
}

/* fail - close fd (when open), set the error, return -1 */
static int
fail(int fd, struct tr_error *err, const char *spec, const char *what)
{
	int e = errno;

	if (fd != -1)
		close(fd);
	tr_error_set(err, TR_ERR_IO, "%s: %s: %s", spec, what, strerror(e));
	return -1;
}

/* bind_unix - a listening unix socket at path, with the current ids */
static int
bind_unix(const char *spec, const char *path, int backlog,
    struct tr_error *err)
{
	struct sockaddr_un sun;
	struct stat sb;
	mode_t old;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		tr_error_set(err, TR_ERR_IO, "%s: path too long", spec);
		return -1;
	}
	strcpy(sun.sun_path, path);
	/* a socket left by a killed daemon goes; a live one or anything
	 * else stays */
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			tr_error_set(err, TR_ERR_IO, "%s: %s exists and is "
			    "not a socket", spec, path);
			return -1;
		}
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) !=
		    -1) {
			rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
			close(fd);
			if (rc == 0) {
				tr_error_set(err, TR_ERR_IO, "%s: another "
				    "process listens on %s", spec, path);
				return -1;
			}
		}
		if (unlink(path) == -1)
			return fail(-1, err, spec,
			    "cannot remove the stale socket");
	}
	if ((fd = socket(AF_UNIX, SOCK_FLAGS, 0)) == -1)
		return fail(-1, err, spec, "socket");
	/* 0660 from the start, not after a window where anyone connects */
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(fd, backlog) == -1)
		return fail(fd, err, spec, "cannot listen");
	return fd;
}

/* open_unix - a listening unix socket at path, created by its owner */
static int
open_unix(const char *spec, const char *path, int backlog, uid_t uid,
    gid_t gid, struct tr_error *err)
{
	struct tr_ids ids;
	int fd;

	/*
	 * A socket cannot be given away through its descriptor: fchown()
	 * and fchmod() on it change the socket, not the file bind() made,
	 * and changing the file by name after bind() follows whatever link
	 * the user who may write the directory put there meanwhile. So the
	 * file is made by the daemon's user and group in the first place
	 * (effective ids for the time of bind) and nothing is changed by
	 * name: the directory must be writable by that user, as it is for
	 * /run/tlsrptd (RuntimeDirectory=) or one the daemon created.
	 */
	if (tr_ids_assume(uid, gid, &ids) == -1)
		return fail(-1, err, spec, "cannot take the user's ids");
	fd = bind_unix(spec, path, backlog, err);
	tr_ids_restore(&ids);
	if (fd == -1)
		return -1;
	/* not root: the group may still be one of ours to give; lchown
	 * never follows a link and we can only give away our own files */
	if (!ids.switched && gid != (gid_t)-1 && gid != getegid() &&
	    lchown(path, (uid_t)-1, gid) == -1) {
		fail(fd, err, spec, "chown");
		unlink(path);
		return -1;
	}
	return fd;
}

/* host_part - the host of spec[0..n) (the text before the port's colon)
 * into host, without brackets: 0, or -1 when it is no IPv4 literal, "*" or
 * bracketed IPv6 literal; an IPv6 address in brackets, and only there:
 * "[::1:25" or "::1:25" must not turn into another address */
static int
host_part(const char *spec, size_t n, char *host, size_t hostsz,
    int *bracketed)
{
	*bracketed = n > 0 && spec[0] == '[';
	if (*bracketed) {
		if (n < 2 || spec[n - 1] != ']')
			return -1;
		spec++;
		n -= 2;
	}
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	return *bracketed != (memchr(host, ':', n) != NULL) ? -1 : 0;
}

/* tr_listen_parse_inet - one address of a listen list into a socket
 * address (see listen.h) */
enum tr_listen_parse
tr_listen_parse_inet(const char *spec, size_t len,
    struct sockaddr_storage *ss, socklen_t *sslen, int *any)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *p;
	unsigned long port = 0;
	int bracketed;

	for (colon = spec + len; colon > spec && colon[-1] != ':'; colon--)
		;
	if (colon == spec || colon == spec + len)
		return TR_LISTEN_BAD_ADDRESS;
	colon--;
	if (host_part(spec, (size_t)(colon - spec), host, sizeof(host),
	    &bracketed) == -1)
		return TR_LISTEN_BAD_ADDRESS;
	/* digits only; a long number saturates and is a bad port */
	for (p = colon + 1; p < spec + len; p++) {
		if (*p < '0' || *p > '9')
			return TR_LISTEN_BAD_ADDRESS;
		if (port <= 65535)
			port = port * 10 + (unsigned long)(*p - '0');
	}
	memset(ss, 0, sizeof(*ss));
	*any = strcmp(host, "*") == 0;
	if (*any || bracketed) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (!*any && inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return TR_LISTEN_BAD_ADDRESS;
		*sslen = sizeof(*in6);
	} else {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
			return TR_LISTEN_BAD_ADDRESS;
		*sslen = sizeof(*in4);
	}
	return port < 1 || port > 65535 ? TR_LISTEN_BAD_PORT :
	    TR_LISTEN_PARSED;
}

/* open_inet - a listening TCP socket */
static int
open_inet(const char *spec, int backlog, struct tr_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, any, one = 1, v6only;

	if (tr_listen_parse_inet(spec, strlen(spec), &ss, &len, &any) !=
	    TR_LISTEN_PARSED) {
		tr_error_set(err, TR_ERR_IO, "%s: not an address", spec);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_FLAGS, 0);
	if (fd == -1 && any && errno == EAFNOSUPPORT) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		uint16_t port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		memset(&ss, 0, sizeof(ss));
		in4->sin_family = AF_INET;
		in4->sin_port = port;
		len = sizeof(*in4);
		fd = socket(AF_INET, SOCK_FLAGS, 0);
	}
	if (fd == -1)
		return fail(-1, err, spec, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6) {
		v6only = !any;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, backlog) == -1)
		return fail(fd, err, spec, "cannot listen");
	return fd;
}

/* tr_listen_open - a listening socket for one configured address */
int
tr_listen_open(const char *spec, int backlog, uid_t uid, gid_t gid,
    struct tr_error *err)
{
	const char *path = tr_listen_unix_path(spec);

	if (path != NULL)
		return open_unix(spec, path, backlog, uid, gid, err);
	return open_inet(spec, backlog, err);
}
