/* test_listen.c - listening sockets: the address forms, the socket's
 * flags, unix socket files (mode, owner, stale, live, too long), and the
 * addresses that are refused */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include "testutil.h"

#include "listen.h"

struct fixture {
	char dir[256];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tlsrptd-listen-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tu_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* free_port - a TCP port of family af nobody listens on just now */
static unsigned
free_port(int af)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned port;
	int fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	assert_true((fd = socket(af, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, af == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	close(fd);
	return port;
}

/* have_ipv6 - whether this host can bind the IPv6 loopback */
static int
have_ipv6(void)
{
	struct sockaddr_in6 sin6;
	int fd, ok;

	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

/* check_listening - fd is a listening, non-blocking, close-on-exec socket
 * of family af */
static void
check_listening(int fd, int af)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int v = 0;
	socklen_t vlen = sizeof(v);

	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vlen),
	    0);
	assert_int_equal(v, 1);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(ss.ss_family, af);
}

/* connects - a client reaches addr */
static void
check_connects(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM, 0);

	assert_true(fd != -1);
	assert_int_equal(connect(fd, sa, len), 0);
	close(fd);
}

/* test_unix_path - the path of a "unix:" address, NULL otherwise */
static void
test_unix_path(void **state)
{
	assert_string_equal(tr_listen_unix_path("unix:/run/x.sock"),
	    "/run/x.sock");
	assert_string_equal(tr_listen_unix_path("unix:"), "");
	assert_null(tr_listen_unix_path("127.0.0.1:25"));
	assert_null(tr_listen_unix_path("unix"));
	assert_null(tr_listen_unix_path("UNIX:/x"));
	assert_null(tr_listen_unix_path(" unix:/x"));
}

/* test_ipv4 - "IPv4:PORT": bound there, listening, reachable */
static void
test_ipv4(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct tr_error err;
	char spec[64];
	unsigned port = free_port(AF_INET);
	int fd;

	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	fd = tr_listen_open(spec, 16, (uid_t)-1, (gid_t)-1, &err);
	if (fd == -1)
		fail_msg("%s: %s", spec, err.msg);
	check_listening(fd, AF_INET);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(ntohs(sin.sin_port), port);
	assert_int_equal(ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
	check_connects((struct sockaddr *)&sin, sizeof(sin));
	close(fd);
}

/* test_ipv6 - "[IPv6]:PORT" is IPv6 only; "*:PORT" takes both */
static void
test_ipv6(void **state)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin6);
	struct tr_error err;
	char spec[64];
	unsigned port;
	int fd, v = -1;
	socklen_t vlen = sizeof(v);

	if (!have_ipv6())
		skip();
	port = free_port(AF_INET6);
	snprintf(spec, sizeof(spec), "[::1]:%u", port);
	fd = tr_listen_open(spec, 16, (uid_t)-1, (gid_t)-1, &err);
	if (fd == -1)
		fail_msg("%s: %s", spec, err.msg);
	check_listening(fd, AF_INET6);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
	assert_int_equal(ntohs(sin6.sin6_port), port);
	assert_memory_equal(&sin6.sin6_addr, &in6addr_loopback,
	    sizeof(in6addr_loopback));
	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vlen),
	    0);
	assert_int_equal(v, 1);
	check_connects((struct sockaddr *)&sin6, sizeof(sin6));
	close(fd);

	/* the wildcard: one socket answering IPv4 and IPv6 */
	port = free_port(AF_INET);
	snprintf(spec, sizeof(spec), "*:%u", port);
	fd = tr_listen_open(spec, 16, (uid_t)-1, (gid_t)-1, &err);
	if (fd == -1)
		fail_msg("%s: %s", spec, err.msg);
	check_listening(fd, AF_INET6);
	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vlen),
	    0);
	assert_int_equal(v, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	check_connects((struct sockaddr *)&sin, sizeof(sin));
	sin6.sin6_port = htons((uint16_t)port);
	check_connects((struct sockaddr *)&sin6, sizeof(sin6));
	close(fd);
}

/* refused - spec gives -1, TR_ERR_IO and a message starting with spec
 * that contains what */
static void
refused(const char *spec, const char *what)
{
	struct tr_error err;
	int fd;

	tr_error_clear(&err);
	fd = tr_listen_open(spec, 16, (uid_t)-1, (gid_t)-1, &err);
	if (fd != -1) {
		close(fd);
		fail_msg("%s: accepted", spec);
	}
	assert_int_equal(err.code, TR_ERR_IO);
	if (strncmp(err.msg, spec, strlen(spec)) != 0 ||
	    strstr(err.msg, what) == NULL)
		fail_msg("%s: message [%s], expected the address and [%s]",
		    spec, err.msg, what);
}

/* test_bad_addresses - what is not an address is refused by name */
static void
test_bad_addresses(void **state)
{
	refused("127.0.0.1", "not an address");
	refused("127.0.0.1:", "not an address");
	refused("127.0.0.1:0", "not an address");
	refused("127.0.0.1:65536", "not an address");
	refused("127.0.0.1:99999999999999999999", "not an address");
	refused("localhost:2525", "not an address");
	refused("256.0.0.1:2525", "not an address");
	refused("1.2.3:2525", "not an address");
	refused(":2525", "not an address");
	refused("127.0.0.1:25x", "not an address");
	refused("127.0.0.1:+25", "not an address");
	refused("127.0.0.1: 25", "not an address");
	refused("[::1:2525", "not an address");
	refused("[::1]x:2525", "not an address");
	refused("::1:2525", "not an address");
	refused("[127.0.0.1]:2525", "not an address");
	refused("[*]:2525", "not an address");
	refused("[]:2525", "not an address");
	refused("[fe80::zz]:2525", "not an address");
	refused("[0000:0000:0000:0000:0000:ffff:192.168.100.228:2525]:25",
	    "not an address");
	refused("", "not an address");
}

/* parsed - what tr_listen_parse_inet makes of s, read up to len only */
static enum tr_listen_parse
parsed(const char *s, size_t len, int *family, unsigned *port, int *any)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	enum tr_listen_parse r;

	*family = -1;
	*port = 0;
	r = tr_listen_parse_inet(s, len, &ss, &sl, any);
	if (r == TR_LISTEN_PARSED) {
		*family = ss.ss_family;
		*port = ntohs(ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port);
		assert_int_equal(sl, ss.ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	}
	return r;
}

/* test_parse_inet - the one parser the configuration and the binding
 * share: the address forms, a port out of range told apart from a bad
 * form, and only len bytes read */
static void
test_parse_inet(void **state)
{
	int fam, any;
	unsigned port;

	assert_int_equal(parsed("127.0.0.1:2525", 14, &fam, &port, &any),
	    TR_LISTEN_PARSED);
	assert_int_equal(fam, AF_INET);
	assert_int_equal(port, 2525);
	assert_int_equal(any, 0);
	assert_int_equal(parsed("[::1]:25", 8, &fam, &port, &any),
	    TR_LISTEN_PARSED);
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(port, 25);
	assert_int_equal(parsed("*:65535", 7, &fam, &port, &any),
	    TR_LISTEN_PARSED);
	assert_int_equal(any, 1);
	assert_int_equal(port, 65535);
	/* a list entry: the comma and what follows are not read */
	assert_int_equal(parsed("127.0.0.1:25,x", 12, &fam, &port, &any),
	    TR_LISTEN_PARSED);
	assert_int_equal(port, 25);
	assert_int_equal(parsed("127.0.0.1:0", 11, &fam, &port, &any),
	    TR_LISTEN_BAD_PORT);
	assert_int_equal(parsed("[::1]:65536", 11, &fam, &port, &any),
	    TR_LISTEN_BAD_PORT);
	assert_int_equal(parsed("*:99999999999999999999", 22, &fam, &port,
	    &any), TR_LISTEN_BAD_PORT);
	assert_int_equal(parsed("127.0.0.1:", 10, &fam, &port, &any),
	    TR_LISTEN_BAD_ADDRESS);
	assert_int_equal(parsed("::1:25", 6, &fam, &port, &any),
	    TR_LISTEN_BAD_ADDRESS);
	assert_int_equal(parsed("[*]:25", 6, &fam, &port, &any),
	    TR_LISTEN_BAD_ADDRESS);
	assert_int_equal(parsed("1.2.3.4:+25", 11, &fam, &port, &any),
	    TR_LISTEN_BAD_ADDRESS);
	assert_int_equal(parsed("", 0, &fam, &port, &any),
	    TR_LISTEN_BAD_ADDRESS);
}

/* test_port_taken - a port another socket listens on: "cannot listen"
 * with the system's reason */
static void
test_port_taken(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char spec[64], what[128];
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", ntohs(sin.sin_port));
	snprintf(what, sizeof(what), "cannot listen: %s", strerror(EADDRINUSE));
	refused(spec, what);
	close(fd);
}

/* unix_spec - "unix:DIR/name" into spec */
static void
unix_spec(const struct fixture *fx, const char *name, char *spec, size_t n)
{
	snprintf(spec, n, "unix:%s/%s", fx->dir, name);
}

/* unix_addr - the socket address of a "unix:PATH" spec */
static void
unix_addr(const char *spec, struct sockaddr_un *sun)
{
	size_t len = strlen(spec + 5);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	assert_true(len < sizeof(sun->sun_path));
	memcpy(sun->sun_path, spec + 5, len + 1);
}

/* test_unix - mode 0660 from the start, listening, reachable */
static void
test_unix(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sun;
	struct tr_error err;
	struct stat sb;
	char spec[512];
	mode_t old;
	int fd;

	unix_spec(fx, "a.sock", spec, sizeof(spec));
	/* a permissive umask must not widen it */
	old = umask(0);
	fd = tr_listen_open(spec, 16, (uid_t)-1, (gid_t)-1, &err);
	umask(old);
	if (fd == -1)
		fail_msg("%s: %s", spec, err.msg);
	check_listening(fd, AF_UNIX);
	assert_int_equal(stat(spec + 5, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0660);
	unix_addr(spec, &sun);
	check_connects((struct sockaddr *)&sun, sizeof(sun));

	/* a live socket is not taken over */
	refused(spec, "another process listens");
	close(fd);
}

/* test_unix_stale - a socket file nobody answers on is replaced */
static void
test_unix_stale(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sun;
	struct tr_error err;
	char spec[512];
	int fd;

	unix_spec(fx, "stale.sock", spec, sizeof(spec));
	unix_addr(spec, &sun);
	/* what a killed daemon leaves: the file, nobody behind it */
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	fd = tr_listen_open(spec, 16, (uid_t)-1, (gid_t)-1, &err);
	if (fd == -1)
		fail_msg("%s: %s", spec, err.msg);
	check_listening(fd, AF_UNIX);
	check_connects((struct sockaddr *)&sun, sizeof(sun));
	close(fd);
}

/* test_unix_not_socket - a file that is not a socket stays as it was */
static void
test_unix_not_socket(void **state)
{
	struct fixture *fx = *state;
	char spec[512];
	struct stat sb;
	FILE *f;

	unix_spec(fx, "file", spec, sizeof(spec));
	assert_non_null(f = fopen(spec + 5, "w"));
	fputs("keep me\n", f);
	fclose(f);
	refused(spec, "exists and is not a socket");
	assert_int_equal(stat(spec + 5, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, 8);
}

/* test_unix_too_long - a path one byte over sun_path is refused; one that
 * just fits works */
static void
test_unix_too_long(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sun;
	struct tr_error err;
	char spec[600], path[512];
	size_t max = sizeof(sun.sun_path) - 1, dirlen = strlen(fx->dir);
	int fd;

	assert_true(dirlen + 2 < max);
	/* DIR/xxx...x exactly max bytes: fits with its NUL */
	snprintf(path, sizeof(path), "%s/", fx->dir);
	memset(path + dirlen + 1, 'x', max - dirlen - 1);
	path[max] = '\0';
	snprintf(spec, sizeof(spec), "unix:%s", path);
	fd = tr_listen_open(spec, 16, (uid_t)-1, (gid_t)-1, &err);
	if (fd == -1)
		fail_msg("%zu bytes: %s", strlen(path), err.msg);
	check_listening(fd, AF_UNIX);
	close(fd);

	/* one more byte */
	strcat(spec, "y");
	refused(spec, "path too long");
	/* far too long */
	memset(spec + 5, 'z', 400);
	spec[405] = '\0';
	refused(spec, "path too long");
	/* no directory to put it in */
	snprintf(spec, sizeof(spec), "unix:%s/no/such/dir/s.sock", fx->dir);
	refused(spec, "cannot listen");
}

/* test_unix_owner - given a uid and a gid, the socket file is theirs,
 * created as them (so in a directory they may write), never chown()ed */
static void
test_unix_owner(void **state)
{
	struct fixture *fx = *state;
	struct tr_error err;
	struct stat sb;
	char spec[512];
	int fd;

	if (geteuid() != 0)
		skip();
	/* the daemon's user creates the socket: its directory must let it */
	assert_int_equal(chown(fx->dir, 65534, 65534), 0);
	unix_spec(fx, "owned.sock", spec, sizeof(spec));
	fd = tr_listen_open(spec, 16, 65534, 65534, &err);
	if (fd == -1)
		fail_msg("%s: %s", spec, err.msg);
	assert_int_equal(stat(spec + 5, &sb), 0);
	assert_int_equal(sb.st_uid, 65534);
	assert_int_equal(sb.st_gid, 65534);
	assert_int_equal(sb.st_mode & 07777, 0660);
	close(fd);

	/* only the group */
	unix_spec(fx, "group.sock", spec, sizeof(spec));
	fd = tr_listen_open(spec, 16, (uid_t)-1, 65534, &err);
	if (fd == -1)
		fail_msg("%s: %s", spec, err.msg);
	assert_int_equal(stat(spec + 5, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_gid, 65534);
	close(fd);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix_path),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_parse_inet),
		cmocka_unit_test(test_port_taken),
		T(test_unix),
		T(test_unix_stale),
		T(test_unix_not_socket),
		T(test_unix_too_long),
		T(test_unix_owner),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
