/* enrich.c - address enrichment, the resolver queue and cache, and the resolver thread
 * (enrich.h) */
#include "enrich.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/db.h"
#include "../lib/geo.h"
#include "../lib/ipaddr.h"
#include "../lib/jsonw.h"
#include "canon.h"

#include "../lib/banned.h"

#define MAX_ADDRS 32 /* addresses kept per host */
#define BATCH	  32 /* hosts taken from the queue per round */

int enrich_ip(struct geo *g, const char *home_cc, const char *ip, struct enrich_addr *out)
{
	struct ip_addr a;
	if (!ip || ip_addr_parse(ip, &a) != 0)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	ip_addr_format(&a, out->ip, sizeof out->ip);
	if (!g)
		return 1;
	struct geo_info gi;
	int r = geo_lookup(g, &a, &gi);
	if (r != 0)
		return r;
	out->asn = gi.asn;
	(void)snprintf(out->as_name, sizeof out->as_name, "%s", gi.as_name);
	if (strlen(gi.prefix) < sizeof out->prefix)
		memcpy(out->prefix, gi.prefix, strlen(gi.prefix) + 1);
	(void)snprintf(out->cc, sizeof out->cc, "%s", gi.country);
	out->domestic = out->cc[0] && home_cc && strcasecmp(out->cc, home_cc) == 0;
	return 0;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

const char enrich_queue_sql[] = "INSERT OR IGNORE INTO resolve_queue(host, queued) SELECT ?1, ?2 "
				"WHERE NOT EXISTS (SELECT 1 FROM dns_cache WHERE host = ?1 AND "
				"expires > ?2)";

int enrich_queue_host_stmt(sqlite3_stmt *st, const char *host)
{
	if (!host || !*host || strlen(host) > 253 || canon_host_is_ip(host))
		return 0;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_s());
	int r = sqlite3_step(st);
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? 0 : -1;
}

int enrich_queue_host(sqlite3 *db, const char *host)
{
	if (!host || !*host || strlen(host) > 253 || canon_host_is_ip(host))
		return 0;
	char err[256];
	sqlite3_stmt *st = db_prepare(db, enrich_queue_sql, err, sizeof err);
	if (!st)
		return -1;
	int r = enrich_queue_host_stmt(st, host);
	sqlite3_finalize(st);
	return r;
}

int enrich_host_status(sqlite3 *db, const char *host, char *status, size_t size)
{
	char err[256];
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT status FROM dns_cache WHERE host = ?", err, sizeof err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	int rc = r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
	if (rc == 0)
		(void)snprintf(status, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc;
}

int enrich_host_queued(sqlite3 *db, const char *host)
{
	char err[256];
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT 1 FROM resolve_queue WHERE host = ?", err, sizeof err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

static void copy_str(json_t *o, const char *k, char *dst, size_t size)
{
	const char *s = json_string_value(json_object_get(o, k));
	(void)snprintf(dst, size, "%s", s ? s : "");
}

int enrich_host_cached(sqlite3 *db, const char *host, struct enrich_addr *out, size_t max,
		       size_t *n)
{
	*n = 0;
	char err[256];
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT addrs FROM dns_cache WHERE host = ?", err, sizeof err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_finalize(st);
		return r == SQLITE_DONE ? 1 : -1;
	}
	json_t *arr = json_loadb((const char *)sqlite3_column_text(st, 0),
				 (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(arr) && *n < max; i++) {
		json_t *o = json_array_get(arr, i);
		struct enrich_addr *e = &out[*n];
		memset(e, 0, sizeof *e);
		copy_str(o, "ip", e->ip, sizeof e->ip);
		json_int_t asn = json_integer_value(json_object_get(o, "asn"));
		e->asn = asn > 0 && asn <= (json_int_t)UINT32_MAX ? (uint32_t)asn : 0;
		copy_str(o, "as_name", e->as_name, sizeof e->as_name);
		copy_str(o, "prefix", e->prefix, sizeof e->prefix);
		copy_str(o, "cc", e->cc, sizeof e->cc);
		e->domestic = json_is_true(json_object_get(o, "domestic"));
		if (e->ip[0])
			(*n)++;
	}
	json_decref(arr);
	return 0;
}

int enrich_resolver_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
	char buf[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf)
		return -EINVAL;
	memcpy(buf, s, n + 1);
	const char *host = buf, *port_s = NULL;
	if (buf[0] == '[') { /* [IPv6] or [IPv6]:port */
		char *close = strchr(buf, ']');
		if (!close || (close[1] != 0 && close[1] != ':'))
			return -EINVAL;
		*close = 0;
		host = buf + 1;
		if (close[1] == ':')
			port_s = close + 2;
	} else if (strchr(buf, ':') == strrchr(buf, ':') && strchr(buf, ':')) {
		char *colon = strchr(buf, ':'); /* IPv4:port (one colon) */
		*colon = 0;
		port_s = colon + 1;
	}
	unsigned long p = 53;
	if (port_s) {
		char *end;
		errno = 0;
		p = strtoul(port_s, &end, 10);
		if (errno || *end || *port_s == 0 || p == 0 || p > 65535)
			return -EINVAL;
	}
	memset(ret, 0, sizeof *ret);
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ret;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ret;
	if (host == buf && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*ret_len = sizeof *s4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 && (host != buf || !port_s)) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*ret_len = sizeof *s6;
		return 0;
	}
	return -EINVAL;
}

/* ---- resolving ---------------------------------------------------------------------------- */

struct answer {
	char addrs[MAX_ADDRS][IP_ADDR_STRLEN];
	size_t n;
	uint32_t ttl; /* smallest TTL seen; UINT32_MAX = none */
	bool nxdomain, error;
};

static void answer_add(struct answer *a, const struct ip_addr *ip, uint32_t ttl)
{
	char t[IP_ADDR_STRLEN];
	ip_addr_format(ip, t, sizeof t);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->addrs[i], t) == 0)
			return;
	if (a->n < MAX_ADDRS)
		(void)snprintf(a->addrs[a->n++], IP_ADDR_STRLEN, "%s", t);
	if (ttl < a->ttl)
		a->ttl = ttl;
}

/* The answer section's A and AAAA records of a reply into *a. */
static void take_answers(const unsigned char *buf, int len, struct answer *a)
{
	ns_msg msg;
	if (ns_initparse(buf, len, &msg) != 0) {
		a->error = true;
		return;
	}
	int rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain) {
		a->nxdomain = true;
		return;
	}
	if (rcode != ns_r_noerror) {
		a->error = true;
		return;
	}
	int count = ns_msg_count(msg, ns_s_an);
	for (int i = 0; i < count; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			break;
		struct ip_addr ip;
		if (ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4) {
			uint32_t v;
			memcpy(&v, ns_rr_rdata(rr), 4);
			ip_addr_set4(&ip, ntohl(v));
		} else if (ns_rr_type(rr) == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
			ip_addr_set6(&ip, ns_rr_rdata(rr));
		} else {
			continue;
		}
		answer_add(a, &ip, ns_rr_ttl(rr));
	}
}

/* Ask the server at sa one question (name fq, type) over UDP, IPv4 or IPv6, waiting at most
 * timeout_ms for the reply with the question's id (other datagrams are ignored). */
static void query_server(res_state rs, const struct sockaddr *sa, socklen_t salen, const char *fq,
			 int type, unsigned timeout_ms, struct answer *a)
{
	unsigned char q[512], buf[4096];
	int qlen = res_nmkquery(rs, ns_o_query, fq, ns_c_in, type, NULL, 0, NULL, q, (int)sizeof q);
	if (qlen < 12) {
		a->error = true;
		return;
	}
	int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		a->error = true;
		return;
	}
	if (connect(fd, sa, salen) != 0 || send(fd, q, (size_t)qlen, 0) != (ssize_t)qlen) {
		(void)close(fd);
		a->error = true;
		return;
	}
	struct timespec t0;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec now;
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		long long spent =
		    (now.tv_sec - t0.tv_sec) * 1000LL + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= (long long)timeout_ms) {
			a->error = true; /* no answer in time */
			break;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, (int)((long long)timeout_ms - spent));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			a->error = true;
			break;
		}
		ssize_t got = recv(fd, buf, sizeof buf, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			a->error = true; /* e.g. ICMP port unreachable */
			break;
		}
		/* a reply (QR set) to this question (same id), else not ours */
		if (got < 12 || buf[0] != q[0] || buf[1] != q[1] || !(buf[2] & 0x80))
			continue;
		take_answers(buf, (int)got, a);
		break;
	}
	(void)close(fd);
}

static void resolve_one(const struct enrich_config *cfg, const char *host, struct answer *a)
{
	memset(a, 0, sizeof *a);
	a->ttl = UINT32_MAX;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	if (cfg->resolver[0] && enrich_resolver_parse(cfg->resolver, &ss, &sslen) == 0) {
		struct __res_state rs;
		memset(&rs, 0, sizeof rs);
		if (res_ninit(&rs) != 0) { /* for the query ids */
			a->error = true;
			return;
		}
		unsigned t = cfg->timeout_ms ? cfg->timeout_ms : 2000;
		/* a name with a final dot is not searched in any domain */
		char fq[300];
		size_t hl = strlen(host);
		if (hl > 253) {
			a->error = true;
			res_nclose(&rs);
			return;
		}
		memcpy(fq, host, hl);
		fq[hl] = '.';
		fq[hl + 1] = 0;
		const struct sockaddr *sa = (const struct sockaddr *)(const void *)&ss;
		query_server(&rs, sa, sslen, fq, ns_t_a, t, a);
		bool nx = a->nxdomain, err = a->error;
		a->error = false;
		query_server(&rs, sa, sslen, fq, ns_t_aaaa, t, a);
		a->nxdomain = nx && a->nxdomain;
		a->error = a->n == 0 && (err || a->error) && !a->nxdomain;
		res_nclose(&rs);
		return;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int r = getaddrinfo(host, NULL, &hints, &res);
	if (r != 0) {
		a->nxdomain = r == EAI_NONAME;
		a->error = !a->nxdomain && r != EAI_NODATA;
		return;
	}
	for (struct addrinfo *p = res; p; p = p->ai_next) {
		struct ip_addr ip;
		if (p->ai_family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)p->ai_addr;
			ip_addr_set4(&ip, ntohl(s4->sin_addr.s_addr));
		} else if (p->ai_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const void *)p->ai_addr;
			ip_addr_set6(&ip, s6->sin6_addr.s6_addr);
		} else {
			continue;
		}
		answer_add(a, &ip, UINT32_MAX);
	}
	freeaddrinfo(res);
}

static int store_answer(sqlite3 *db, const struct enrich_config *cfg, const char *host,
			const struct answer *a, int64_t now)
{
	struct jsonw w;
	jsonw_init(&w, 1u << 20);
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < a->n; i++) {
		struct enrich_addr e;
		if (enrich_ip(cfg->geo, cfg->home_cc, a->addrs[i], &e) < 0)
			continue;
		jsonw_obj_begin(&w);
		jsonw_key(&w, "ip");
		jsonw_str(&w, e.ip);
		jsonw_key(&w, "asn");
		jsonw_u64(&w, e.asn);
		jsonw_key(&w, "as_name");
		jsonw_str(&w, e.as_name);
		jsonw_key(&w, "prefix");
		jsonw_str(&w, e.prefix);
		jsonw_key(&w, "cc");
		jsonw_str(&w, e.cc);
		jsonw_key(&w, "domestic");
		jsonw_bool(&w, e.domestic);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	char *text = jsonw_finish(&w, NULL, NULL);
	if (!text)
		return -1;
	const char *status = a->n ? "ok" : a->nxdomain ? "nxdomain" : a->error ? "error" : "nodata";
	unsigned lo = cfg->min_ttl ? cfg->min_ttl : 60, hi = cfg->max_ttl ? cfg->max_ttl : 86400;
	unsigned neg = cfg->neg_ttl ? cfg->neg_ttl : 300;
	int64_t ttl = a->n ? (a->ttl == UINT32_MAX ? 3600 : a->ttl) : neg;
	if (a->n && ttl < lo)
		ttl = lo;
	if (a->n && ttl > hi)
		ttl = hi;
	char err[256];
	sqlite3_stmt *st = db_prepare(db,
				      "INSERT OR REPLACE INTO dns_cache(host, addrs, resolved_at, "
				      "expires, status) VALUES(?,?,?,?,?)",
				      err, sizeof err);
	int rc = -1;
	if (st) {
		sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, now + ttl);
		sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	free(text);
	if (rc == 0) {
		st = db_prepare(db, "DELETE FROM resolve_queue WHERE host = ?", err, sizeof err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	return rc;
}

int enrich_resolve_pending(sqlite3 *db, const struct enrich_config *cfg, int64_t now)
{
	char hosts[BATCH][256];
	size_t n = 0;
	char err[256];
	sqlite3_stmt *st = db_prepare(db, "SELECT host FROM resolve_queue ORDER BY queued LIMIT ?",
				      err, sizeof err);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, BATCH);
	while (n < BATCH && sqlite3_step(st) == SQLITE_ROW)
		(void)snprintf(hosts[n++], sizeof hosts[0], "%s",
			       (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	int done = 0;
	for (size_t i = 0; i < n; i++) {
		struct answer a;
		resolve_one(cfg, hosts[i], &a); /* outside any transaction: it may take seconds */
		if (store_answer(db, cfg, hosts[i], &a, now) != 0)
			return -1;
		done++;
	}
	return done;
}

/* ---- the thread --------------------------------------------------------------------------- */

struct enrich_resolver {
	struct enrich_config cfg;
	char home_cc[3];
	sqlite3 *db;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void *run(void *arg)
{
	struct enrich_resolver *r = arg;
	unsigned poll = r->cfg.poll_ms ? r->cfg.poll_ms : 200;
	for (;;) {
		int done = enrich_resolve_pending(r->db, &r->cfg, now_s());
		if (done < 0)
			(void)fprintf(stderr, "keikaid: resolver: %s\n", sqlite3_errmsg(r->db));
		pthread_mutex_lock(&r->mu);
		if (!r->stop && done <= 0) {
			struct timespec ts;
			(void)clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)(poll % 1000) * 1000000L;
			ts.tv_sec += (time_t)(poll / 1000) + ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			(void)pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		}
		bool stop = r->stop;
		pthread_mutex_unlock(&r->mu);
		if (stop)
			break;
	}
	return NULL;
}

struct enrich_resolver *enrich_resolver_start(const char *db_path, const struct enrich_config *cfg,
					      char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (cfg->resolver[0] && enrich_resolver_parse(cfg->resolver, &ss, &sslen) != 0) {
		(void)snprintf(err, errlen, "bad resolver address %s", cfg->resolver);
		return NULL;
	}
	struct enrich_resolver *r = calloc(1, sizeof *r);
	if (!r) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	(void)snprintf(r->home_cc, sizeof r->home_cc, "%s", cfg->home_cc ? cfg->home_cc : "");
	r->cfg.home_cc = r->home_cc;
	if (db_open(db_path, &r->db, err, errlen) != 0) {
		free(r);
		return NULL;
	}
	sqlite3_busy_timeout(r->db, 5000);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->th, NULL, run, r) != 0) {
		(void)snprintf(err, errlen, "cannot start the resolver thread");
		sqlite3_close(r->db);
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return NULL;
	}
	return r;
}

void enrich_resolver_stop(struct enrich_resolver *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	sqlite3_close(r->db);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
