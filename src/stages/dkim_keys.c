/* dkim_keys.c - DKIM key records: one UDP query with a deadline, a TTL cache */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dkim_keys.h"

/*
 * Why a query of our own rather than res_nquery or evdns: res_nquery folds a
 * timeout, SERVFAIL and REFUSED into one TRY_AGAIN, takes servers on port 53
 * only and retries on its own schedule; the cause of a temporary failure is
 * what the operator needs to see, and the wait must have one bound. evdns
 * needs an event loop on the calling thread, and the lookups run on
 * analysis workers that have none. One UDP datagram with EDNS0 (a 4096-byte
 * answer covers a 4096-bit RSA key) is all a key record needs; libresolv's
 * ns_initparse/ns_parserr read the answer and its TTL.
 */

#define TTL_MAX		86400	/* keys rotate: re-ask at least daily */
#define NEG_TTL		60	/* a missing key is asked again after a minute */
#define ANSWER_MAX	4096
#define RECORD_MAX	8192

struct entry {
	char *qname;
	char *record;		/* NULL: a cached NOTFOUND */
	char *why;
	time_t expires;		/* CLOCK_MONOTONIC seconds */
};

struct tr_dkim_keys {
	struct sockaddr_storage server;
	socklen_t serverlen;
	unsigned timeout_ms;
	pthread_mutex_t mtx;
	struct entry *cache;
	size_t ncache, cache_max;
	struct tr_dkim_keys_stats stats;
};

/* mono - monotonic seconds, for TTL expiry */
static time_t
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* parse_server - "addr", "addr:port", "[v6]" or "[v6]:port" into ss */
static int
parse_server(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
    char *why, size_t whysz)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	unsigned long p = 53;
	char *e;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		if ((end = strchr(spec, ']')) == NULL)
			goto bad;
		n = (size_t)(end - spec - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			goto bad;
		spec++;
	} else {
		end = strrchr(spec, ':');
		if (end != NULL && strchr(spec, ':') != end)
			end = NULL;	/* a bare IPv6 address */
		n = end != NULL ? (size_t)(end - spec) : strlen(spec);
		if (end != NULL)
			port = end + 1;
	}
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (port != NULL) {
		errno = 0;
		p = strtoul(port, &e, 10);
		if (*port == '\0' || *e != '\0' || p == 0 || p > 65535) {
			snprintf(why, whysz, "bad port");
			return -1;
		}
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)p);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)p);
		*len = sizeof(*s6);
		return 0;
	}
bad:
	snprintf(why, whysz, "not an IP address with an optional port "
	    "(192.0.2.1:5353, [2001:db8::1]:53)");
	return -1;
}

/* tr_dkim_resolver_check - validate "address[:port]" */
int
tr_dkim_resolver_check(const char *spec, char *why, size_t whysz)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_server(spec, &ss, &len, why, whysz);
}

/* system_server - the first nameserver of /etc/resolv.conf */
static int
system_server(struct sockaddr_storage *ss, socklen_t *len)
{
	struct __res_state rs;
	int rc = -1;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (rs.nscount > 0 && rs.nsaddr_list[0].sin_family == AF_INET) {
		memcpy(ss, &rs.nsaddr_list[0], sizeof(rs.nsaddr_list[0]));
		*len = sizeof(struct sockaddr_in);
		rc = 0;
	} else if (rs._u._ext.nsaddrs[0] != NULL) {
		memcpy(ss, rs._u._ext.nsaddrs[0], sizeof(struct sockaddr_in6));
		*len = sizeof(struct sockaddr_in6);
		rc = 0;
	}
	res_nclose(&rs);
	if (rc == -1) {
		/* resolv.conf(5): no nameserver line means the local one */
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(53);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*s4);
		rc = 0;
	}
	return rc;
}

/* tr_dkim_keys_new - a resolver and an empty cache */
struct tr_dkim_keys *
tr_dkim_keys_new(const char *server, unsigned timeout_ms, size_t cache_max,
    struct tr_error *err)
{
	struct tr_dkim_keys *k;
	char why[128];

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (server != NULL) {
		if (parse_server(server, &k->server, &k->serverlen, why,
		    sizeof(why)) == -1) {
			tr_error_set(err, TR_ERR_SCHEMA, "dkim_resolver: "
			    "\"%s\": %s", server, why);
			free(k);
			return NULL;
		}
	} else
		(void)system_server(&k->server, &k->serverlen);
	k->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	k->cache_max = cache_max > 0 ? cache_max : 1;
	if ((k->cache = calloc(k->cache_max, sizeof(*k->cache))) == NULL) {
		free(k);
		tr_error_set(err, TR_ERR_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&k->mtx, NULL);
	return k;
}

static void
entry_free(struct entry *e)
{
	free(e->qname);
	free(e->record);
	free(e->why);
	memset(e, 0, sizeof(*e));
}

/* tr_dkim_keys_free - the cache and the resolver */
void
tr_dkim_keys_free(struct tr_dkim_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->ncache; i++)
		entry_free(&k->cache[i]);
	free(k->cache);
	pthread_mutex_destroy(&k->mtx);
	free(k);
}

/* build_query - a recursive TXT query for qname with an EDNS0 OPT record;
 * its length, or -1 when qname is not a valid name */
static int
build_query(const char *qname, uint16_t id, unsigned char *q, size_t qsz)
{
	size_t n = 12, lablen;
	const char *p = qname, *dot;

	if (qsz < 12 + 256 + 4 + 11)
		return -1;
	memset(q, 0, 12);
	q[0] = id >> 8;
	q[1] = id & 0xff;
	q[2] = 0x01;			/* RD */
	q[5] = 1;			/* QDCOUNT */
	q[11] = 1;			/* ARCOUNT: the OPT record */
	while (*p != '\0') {
		dot = strchr(p, '.');
		lablen = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (lablen == 0 || lablen > 63 || n + 1 + lablen > 12 + 254)
			return -1;
		q[n++] = (unsigned char)lablen;
		memcpy(q + n, p, lablen);
		n += lablen;
		p += lablen;
		if (*p == '.')
			p++;
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = ns_t_txt;
	q[n++] = 0;
	q[n++] = ns_c_in;
	/* OPT: root name, type 41, payload 4096, no extended flags */
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = 41;
	q[n++] = ANSWER_MAX >> 8;
	q[n++] = ANSWER_MAX & 0xff;
	memset(q + n, 0, 6);
	n += 6;
	return (int)n;
}

/* elapsed_ms - milliseconds since t0 */
static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* read_txt - the answer's TXT record joined, with its TTL */
static enum tr_key_status
read_txt(const unsigned char *ans, int len, char *buf, size_t bufsz,
    unsigned *ttl, char *why, size_t whysz)
{
	ns_msg msg;
	ns_rr rr;
	int i, count, found = 0;
	size_t n = 0, slen;
	const unsigned char *d, *end;

	if (ns_initparse(ans, len, &msg) == -1) {
		snprintf(why, whysz, "malformed DNS answer");
		return TR_KEY_TEMPFAIL;
	}
	switch (ns_msg_getflag(msg, ns_f_rcode)) {
	case ns_r_noerror:
		break;
	case ns_r_nxdomain:
		snprintf(why, whysz, "NXDOMAIN");
		*ttl = NEG_TTL;
		return TR_KEY_NOTFOUND;
	case ns_r_servfail:
		snprintf(why, whysz, "SERVFAIL");
		return TR_KEY_TEMPFAIL;
	case ns_r_refused:
		snprintf(why, whysz, "REFUSED");
		return TR_KEY_TEMPFAIL;
	default:
		snprintf(why, whysz, "DNS error %d",
		    (int)ns_msg_getflag(msg, ns_f_rcode));
		return TR_KEY_TEMPFAIL;
	}
	if (ns_msg_getflag(msg, ns_f_tc)) {
		snprintf(why, whysz, "answer truncated");
		return TR_KEY_TEMPFAIL;
	}
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count && !found; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1) {
			snprintf(why, whysz, "malformed DNS answer");
			return TR_KEY_TEMPFAIL;
		}
		if (ns_rr_type(rr) != ns_t_txt)
			continue;	/* the CNAME chain leading to it */
		/* the TXT strings of one record join into one value
		 * (RFC 6376 section 3.6.2.2) */
		d = ns_rr_rdata(rr);
		end = d + ns_rr_rdlen(rr);
		while (d < end) {
			slen = *d++;
			if (slen > (size_t)(end - d))
				break;
			if (n + slen + 1 > bufsz) {
				snprintf(why, whysz, "key record over %zu "
				    "bytes", bufsz - 1);
				return TR_KEY_NOTFOUND;
			}
			memcpy(buf + n, d, slen);
			n += slen;
			d += slen;
		}
		buf[n] = '\0';
		*ttl = ns_rr_ttl(rr);
		found = 1;
	}
	if (!found) {
		snprintf(why, whysz, "no TXT record");
		*ttl = NEG_TTL;
		return TR_KEY_NOTFOUND;
	}
	return TR_KEY_FOUND;
}

/* query - ask the server once, waiting at most timeout_ms */
static enum tr_key_status
query(struct tr_dkim_keys *k, const char *qname, char *buf, size_t bufsz,
    unsigned *ttl, char *why, size_t whysz)
{
	unsigned char q[512], ans[ANSWER_MAX];
	struct pollfd pfd;
	struct timespec t0;
	uint16_t id;
	ssize_t got;
	long left;
	int qlen, fd;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)random();
	if ((qlen = build_query(qname, id, q, sizeof(q))) == -1) {
		snprintf(why, whysz, "not a valid DNS name");
		*ttl = NEG_TTL;
		return TR_KEY_NOTFOUND;
	}
	fd = socket(k->server.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&k->server,
	    k->serverlen) == -1 || send(fd, q, (size_t)qlen, 0) != qlen) {
		snprintf(why, whysz, "cannot send a DNS query: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return TR_KEY_TEMPFAIL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		left = (long)k->timeout_ms - elapsed_ms(&t0);
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			snprintf(why, whysz, "no DNS answer within %u ms",
			    k->timeout_ms);
			break;
		}
		got = recv(fd, ans, sizeof(ans), 0);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			snprintf(why, whysz, "DNS server unreachable: %s",
			    strerror(errno));
			break;
		}
		/* an answer to some other query (or a spoof): keep waiting */
		if (got < 12 || ans[0] != q[0] || ans[1] != q[1] ||
		    !(ans[2] & 0x80) || got < qlen - 11 ||
		    memcmp(ans + 12, q + 12, (size_t)(qlen - 11 - 12)) != 0)
			continue;
		close(fd);
		return read_txt(ans, (int)got, buf, bufsz, ttl, why, whysz);
	}
	close(fd);
	return TR_KEY_TEMPFAIL;
}

/* cache_find - the live entry for qname, or NULL (lock held) */
static struct entry *
cache_find(struct tr_dkim_keys *k, const char *qname, time_t now)
{
	size_t i;

	for (i = 0; i < k->ncache; i++)
		if (strcasecmp(k->cache[i].qname, qname) == 0) {
			if (k->cache[i].expires > now)
				return &k->cache[i];
			entry_free(&k->cache[i]);
			k->cache[i] = k->cache[--k->ncache];
			memset(&k->cache[k->ncache], 0, sizeof(k->cache[0]));
			return NULL;
		}
	return NULL;
}

/* cache_put - remember an answer, dropping the entry that expires first
 * when full (lock held); out of memory it is simply not cached */
static void
cache_put(struct tr_dkim_keys *k, const char *qname, const char *record,
    const char *why, time_t expires)
{
	struct entry e = { 0 }, *slot;
	size_t i, victim = 0;

	if ((e.qname = strdup(qname)) == NULL ||
	    (record != NULL && (e.record = strdup(record)) == NULL) ||
	    (e.why = strdup(why)) == NULL) {
		entry_free(&e);
		return;
	}
	e.expires = expires;
	if (k->ncache < k->cache_max)
		slot = &k->cache[k->ncache++];
	else {
		for (i = 1; i < k->ncache; i++)
			if (k->cache[i].expires < k->cache[victim].expires)
				victim = i;
		slot = &k->cache[victim];
		entry_free(slot);
	}
	*slot = e;
}

/* tr_dkim_keys_lookup - from the cache, else one query */
enum tr_key_status
tr_dkim_keys_lookup(struct tr_dkim_keys *k, const char *qname, char *buf,
    size_t bufsz, char *why, size_t whysz)
{
	enum tr_key_status st;
	struct entry *e;
	unsigned ttl = 0;
	time_t now = mono();

	why[0] = '\0';
	pthread_mutex_lock(&k->mtx);
	if ((e = cache_find(k, qname, now)) != NULL) {
		k->stats.hits++;
		snprintf(why, whysz, "%s", e->why);
		if (e->record == NULL) {
			pthread_mutex_unlock(&k->mtx);
			return TR_KEY_NOTFOUND;
		}
		if (strlen(e->record) >= bufsz) {
			pthread_mutex_unlock(&k->mtx);
			snprintf(why, whysz, "key record too long");
			return TR_KEY_NOTFOUND;
		}
		strcpy(buf, e->record);
		pthread_mutex_unlock(&k->mtx);
		return TR_KEY_FOUND;
	}
	k->stats.misses++;
	pthread_mutex_unlock(&k->mtx);

	/* no lock while waiting: other workers' lookups go on */
	st = query(k, qname, buf, bufsz, &ttl, why, whysz);
	pthread_mutex_lock(&k->mtx);
	if (st == TR_KEY_TEMPFAIL)
		k->stats.tempfails++;
	else if (ttl > 0) {
		if (ttl > TTL_MAX)
			ttl = TTL_MAX;
		if (st == TR_KEY_NOTFOUND && ttl > NEG_TTL)
			ttl = NEG_TTL;
		if (cache_find(k, qname, now) == NULL)
			cache_put(k, qname, st == TR_KEY_FOUND ? buf : NULL,
			    why, now + (time_t)ttl);
	}
	pthread_mutex_unlock(&k->mtx);
	return st;
}

/* tr_dkim_keys_stats - the counters so far */
void
tr_dkim_keys_stats(struct tr_dkim_keys *k, struct tr_dkim_keys_stats *out)
{
	pthread_mutex_lock(&k->mtx);
	*out = k->stats;
	pthread_mutex_unlock(&k->mtx);
}
