/* dkim_keys.h - DKIM key records from DNS: a bounded-wait TXT lookup and a TTL cache */
#ifndef TR_DKIM_KEYS_H
#define TR_DKIM_KEYS_H

#include <stddef.h>

#include "error.h"

/*
 * Threads: a tr_dkim_keys is shared by every analysis thread; lookups take
 * its lock only to read and fill the cache, never while waiting on the
 * network. A lookup blocks its calling thread for at most the timeout, so
 * it must run on an analysis worker, never on the event loop or the store
 * thread.
 */
struct tr_dkim_keys;

enum tr_key_status {
	TR_KEY_FOUND,		/* buf holds the TXT record (strings joined) */
	TR_KEY_NOTFOUND,	/* NXDOMAIN or no TXT record: a permanent answer */
	TR_KEY_TEMPFAIL,	/* timeout, SERVFAIL, REFUSED: ask again later */
};

/*
 * tr_dkim_keys_new - a resolver for key records: server is "address[:port]"
 * (IPv4 "192.0.2.1:5353", IPv6 "[2001:db8::1]:53" or bare; port 53 when
 * omitted), or NULL for the first nameserver of /etc/resolv.conf. timeout
 * bounds the wait for one answer in milliseconds; cache_max bounds the
 * cached records. NULL with err set (TR_ERR_SCHEMA for a bad server).
 */
struct tr_dkim_keys *tr_dkim_keys_new(const char *server, unsigned timeout_ms,
    size_t cache_max, struct tr_error *err);

void tr_dkim_keys_free(struct tr_dkim_keys *k);

/* tr_dkim_resolver_check - whether spec is a valid "address[:port]";
 * 0, or -1 with why (a short text) filled */
int tr_dkim_resolver_check(const char *spec, char *why, size_t whysz);

/*
 * tr_dkim_keys_lookup - the TXT record at qname ("sel._domainkey.example.com"),
 * from the cache while its TTL lasts, else from the server. why gets a short
 * explanation for NOTFOUND and TEMPFAIL ("no answer within 5000 ms",
 * "SERVFAIL", "NXDOMAIN"). Temporary failures are never cached. Any thread.
 */
enum tr_key_status tr_dkim_keys_lookup(struct tr_dkim_keys *k,
    const char *qname, char *buf, size_t bufsz, char *why, size_t whysz);

/* Counters since start (for metrics): answers from the cache and the network. */
struct tr_dkim_keys_stats {
	unsigned long hits, misses, tempfails;
};
void tr_dkim_keys_stats(struct tr_dkim_keys *k, struct tr_dkim_keys_stats *out);

#endif
