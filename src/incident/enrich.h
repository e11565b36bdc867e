/* enrich.h - what is known about an address (AS, AS name, network, country) and the addresses
 * of a host name
 *
 * Addresses are looked up offline in libloc's database (geo.h). Host names are resolved in the
 * background: the intake queues them (enrich_queue_host, inside its own transaction) and
 * keikaid's resolver thread (enrich_resolver_start) asks the configured DNS server, enriches
 * the answers and writes them to the cache that enrich_host_cached reads. Resolution is off
 * unless configured ([enrich] resolve = on), so a fresh installation sends no queries.
 * The queue and the cache are tables of the schema domain "contact" (contact_migrate).
 */
#ifndef KEIKAI_INCIDENT_ENRICH_H
#define KEIKAI_INCIDENT_ENRICH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct geo;

struct enrich_addr {
	char ip[46];	   /* canonical text form */
	uint32_t asn;	   /* 0: unknown */
	char as_name[128]; /* "" when unknown */
	char prefix[50];   /* the database's network containing ip, "" when none */
	char cc[3];	   /* ISO 3166 alpha-2, "" when unknown */
	bool domestic;	   /* cc equals the home country */
};

/* Enrich one address (IPv4 or IPv6 text). g may be NULL (only ip is filled). Returns 0 when the
 * database knows the address, 1 when it does not (ip filled, the rest empty), -EINVAL for text
 * that is not an address, -EIO when the lookup fails. */
int enrich_ip(struct geo *g, const char *home_cc, const char *ip, struct enrich_addr *out);

/* Queue a canonical host name for the resolver (no-op for an address, or for a host whose
 * cache entry is still valid). Runs in the caller's transaction. Returns 0 or -1. */
int enrich_queue_host(sqlite3 *db, const char *host);

/* The statement enrich_queue_host() runs, for a caller that prepares it once and queues many
 * hosts with it (the intake: one per domain indicator). */
extern const char enrich_queue_sql[];

/* enrich_queue_host() with st, prepared from enrich_queue_sql on the database; st is reset
 * afterwards. Returns 0 or -1. */
int enrich_queue_host_stmt(sqlite3_stmt *st, const char *host);

/* Addresses of a host from the resolver cache: 0 and *n (0 for a name that does not exist or
 * has no addresses), or 1 when not resolved yet; -1 on a database error. At most max are
 * returned. */
int enrich_host_cached(sqlite3 *db, const char *host, struct enrich_addr *out, size_t max,
		       size_t *n);
/* The cache entry's status ("ok", "nxdomain", "nodata", "error") into status: 0, 1 when there
 * is no entry, -1 on a database error. */
int enrich_host_status(sqlite3 *db, const char *host, char *status, size_t size);

/* Whether a host waits in the resolver's queue: 1 yes, 0 no, -1 on a database error. */
int enrich_host_queued(sqlite3 *db, const char *host);

struct enrich_config {
	bool resolve; /* [enrich] resolve; off: the thread is not started */
	/* [enrich] resolver, "127.0.0.1:5353" or "[::1]:5353"; "" = the system's (getaddrinfo) */
	char resolver[64];
	unsigned timeout_ms; /* per query; 0 = 2000 */
	unsigned poll_ms;    /* how often the queue is read; 0 = 200 */
	unsigned min_ttl;    /* cache lifetime bounds, seconds; 0 = 60 and 86400 */
	unsigned max_ttl;
	unsigned neg_ttl;    /* lifetime of nxdomain/nodata/error entries; 0 = 300 */
	const char *home_cc; /* "JP" */
	struct geo *geo;     /* may be NULL */
};

/* Parse the resolver's address: "127.0.0.1:5353", "127.0.0.1", "[::1]:5353", "::1" or "[::1]"
 * (port 53 when none is given) into *ret, *ret_len bytes of it. Returns 0 or -EINVAL. */
int enrich_resolver_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);

struct enrich_resolver;

/* Start the resolver thread on its own connection to the database at db_path. Returns NULL
 * with a message when it cannot. */
struct enrich_resolver *enrich_resolver_start(const char *db_path, const struct enrich_config *cfg,
					      char *err, size_t errlen);
/* Stop and join the thread. NULL-safe. */
void enrich_resolver_stop(struct enrich_resolver *r);

/* Resolve the queued hosts once on db (what the thread does each round); returns how many
 * were resolved or -1. For tests and for `keikai` batch use. */
int enrich_resolve_pending(sqlite3 *db, const struct enrich_config *cfg, int64_t now);

#endif
