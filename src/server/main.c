/* keikaid - the keikai server: JSON API, ingest, statistics and the web UI's files
 *
 * libmicrohttpd with an epoll event loop on a pool of threads; domain routes are mounted from
 * the domains (src/obs/api.c). Answers to cacheable GET requests are kept in memory until the
 * data they were computed from changes (the ingest generation). docs/server.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/account.h"
#include "../lib/auth.h"
#include "../lib/db.h"
#include "../lib/fileio.h"
#include "../lib/geo.h"
#include "../lib/hash.h"
#include "../lib/i18n.h"
#include "../lib/token.h"
#include "../incident/api.h"
#include "../incident/maildir.h"
#include "../obs/api.h"
#include "../obs/ingest.h"
#include "../incident/api-contact.h"
#include "../incident/contact.h"
#include "../incident/enrich.h"
#include "keikai-config.h"
#include "server.h"
#include "session.h"

#include "../lib/banned.h"

#define MAX_ROUTES  96
#define MAX_ARGS    4
#define CACHE_SLOTS 4096

/* A cached answer keeps its finished libmicrohttpd response (body and headers), which may be
 * queued on any number of connections at once. */
struct cache_entry {
	uint64_t key_hash;
	char *key;
	uint64_t generation;
	struct MHD_Response *resp;
	size_t len;
};

struct server {
	struct server_config cfg;
	struct obs_ingest *ingest;
	struct obs_api *obs;
	struct inc_writer *inc_writer;
	struct inc_api *inc;
	struct geo *geo;
	struct session_api *sess;
	struct contact_api *contacts;
	struct enrich_resolver *resolver;
	struct http_route routes[MAX_ROUTES];
	size_t n_routes;
	pthread_mutex_t cache_mu;
	struct cache_entry cache[CACHE_SLOTS];
	size_t cache_used;
};

struct conn {
	char *body;
	size_t len, cap;
	bool too_large;
};

struct req_impl {
	struct MHD_Connection *c;
};

static const char *q_get(const struct http_req *rq, const char *key)
{
	const struct req_impl *ri = rq->impl;
	return MHD_lookup_connection_value(ri->c, MHD_GET_ARGUMENT_KIND, key);
}

static const char *h_get(const struct http_req *rq, const char *name)
{
	const struct req_impl *ri = rq->impl;
	return MHD_lookup_connection_value(ri->c, MHD_HEADER_KIND, name);
}

static void add_common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; style-src 'self'; "
				"script-src 'self'; object-src 'none'; base-uri 'none'; "
				"frame-ancestors 'none'");
}

static void add_headers(struct MHD_Response *r, const char *type, const char *disposition,
			unsigned retry_after)
{
	MHD_add_response_header(r, "Content-Type", type ? type : "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (disposition)
		MHD_add_response_header(r, "Content-Disposition", disposition);
	if (retry_after) {
		char b[16];
		(void)snprintf(b, sizeof b, "%u", retry_after);
		MHD_add_response_header(r, "Retry-After", b);
	}
	add_common_headers(r);
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *body,
				size_t len, const char *type, const char *disposition,
				unsigned retry_after, const char *set_cookie)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	add_headers(r, type, disposition, retry_after);
	if (set_cookie)
		MHD_add_response_header(r, "Set-Cookie", set_cookie);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct http_resp *rs)
{
	if (!rs->body) {
		http_error(rs, 500, "internal", "No answer was made.", "応答がありません。");
		if (!rs->body) {
			free(rs->set_cookie);
			return MHD_NO;
		}
	}
	char *b = rs->body;
	rs->body = NULL;
	enum MHD_Result ret = send_buf(c, rs->status, b, rs->len, rs->type, rs->disposition,
				       rs->retry_after, rs->set_cookie);
	free(rs->set_cookie);
	rs->set_cookie = NULL;
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code,
				  const char *en, const char *ja)
{
	struct http_resp rs = {0};
	http_error(&rs, status, code, en, ja);
	return send_resp(c, &rs);
}

/* ---- route matching --------------------------------------------------------------------- */

/* Match path against a pattern whose "*" segments capture; args get copies in buf. */
static bool match(const char *pat, const char *path, const char **args, char *buf, size_t size)
{
	size_t na = 0, used = 0;
	while (*pat && *path) {
		if (*pat == '*') {
			const char *end = strchr(path, '/');
			size_t n = end ? (size_t)(end - path) : strlen(path);
			if (n == 0 || na + 1 >= MAX_ARGS || used + n + 1 > size)
				return false;
			memcpy(buf + used, path, n);
			buf[used + n] = 0;
			args[na++] = buf + used;
			used += n + 1;
			pat++;
			path += n;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	args[na] = NULL;
	return !*pat && !*path;
}

/* ---- answer cache ----------------------------------------------------------------------- */

static bool cache_get(struct server *s, const char *key, uint64_t gen, struct MHD_Connection *c,
		      enum MHD_Result *ret)
{
	uint64_t h = hash_bytes(key, strlen(key));
	pthread_mutex_lock(&s->cache_mu);
	struct cache_entry *e = &s->cache[h % CACHE_SLOTS];
	bool hit = e->key && e->key_hash == h && e->generation == gen && strcmp(e->key, key) == 0;
	if (hit)
		*ret = MHD_queue_response(c, 200, e->resp);
	pthread_mutex_unlock(&s->cache_mu);
	return hit;
}

static void cache_drop(struct server *s, struct cache_entry *e)
{
	if (!e->key)
		return;
	s->cache_used -= e->len;
	free(e->key);
	MHD_destroy_response(e->resp);
	memset(e, 0, sizeof *e);
}

static void cache_put(struct server *s, const char *key, uint64_t gen, const struct http_resp *rs)
{
	if (rs->len > s->cfg.cache_bytes / 16)
		return;
	uint64_t h = hash_bytes(key, strlen(key));
	char *k = strdup(key);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(rs->len, rs->body, MHD_RESPMEM_MUST_COPY);
	if (!k || !r) {
		free(k);
		if (r)
			MHD_destroy_response(r);
		return;
	}
	add_headers(r, rs->type, rs->disposition, 0);
	pthread_mutex_lock(&s->cache_mu);
	struct cache_entry *e = &s->cache[h % CACHE_SLOTS];
	cache_drop(s, e);
	if (s->cache_used + rs->len > s->cfg.cache_bytes) /* full: start again */
		for (size_t i = 0; i < CACHE_SLOTS; i++)
			cache_drop(s, &s->cache[i]);
	*e = (struct cache_entry){h, k, gen, r, rs->len};
	s->cache_used += rs->len;
	pthread_mutex_unlock(&s->cache_mu);
}

struct keybuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	(void)kind;
	struct keybuf *k = cls;
	int n = snprintf(k->p + k->len, k->cap - k->len, "&%s=%s", key, value ? value : "");
	if (n < 0 || (size_t)n >= k->cap - k->len) {
		k->overflow = true;
		return MHD_NO;
	}
	k->len += (size_t)n;
	return MHD_YES;
}

/* ---- authentication --------------------------------------------------------------------- */

/* The peer's address as text into buf ("" when unknown). */
static void client_text(struct MHD_Connection *c, char *buf, size_t size)
{
	buf[0] = 0;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				buf, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		(void)inet_ntop(AF_INET6,
				&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
				(socklen_t)size);
}

/* Whether a state-changing request a browser may have sent comes from another site: by
 * Sec-Fetch-Site when the browser sends it, else by Origin against Host. */
static bool cross_site(struct MHD_Connection *c, bool tls)
{
	const char *sfs = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (sfs && strcmp(sfs, "same-origin") != 0 && strcmp(sfs, "none") != 0)
		return true;
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!origin)
		return false;
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *scheme = tls ? "https://" : "http://";
	size_t sl = strlen(scheme);
	return !host || strncmp(origin, scheme, sl) != 0 || strcmp(origin + sl, host) != 0;
}

/* ---- static files ----------------------------------------------------------------------- */

static const char *mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	static const struct {
		const char *ext, *type;
	} m[] = {{".html", "text/html; charset=utf-8"},
		 {".js", "text/javascript; charset=utf-8"},
		 {".mjs", "text/javascript; charset=utf-8"},
		 {".css", "text/css; charset=utf-8"},
		 {".json", "application/json; charset=utf-8"},
		 {".svg", "image/svg+xml"},
		 {".png", "image/png"},
		 {".ico", "image/x-icon"},
		 {".txt", "text/plain; charset=utf-8"}};
	for (size_t i = 0; dot && i < sizeof m / sizeof m[0]; i++)
		if (strcmp(dot, m[i].ext) == 0)
			return m[i].type;
	return "application/octet-stream";
}

static enum MHD_Result serve_file(struct server *s, struct MHD_Connection *c, const char *url)
{
	if (!s->cfg.web_root[0])
		return send_error(c, 404, "not_found", "Not found.", "見つかりません。");
	const char *rel = strcmp(url, "/") == 0 ? "index.html" : url + 1;
	/* no hidden files, no "..", no absolute or odd paths */
	if (strlen(rel) > 200 || strstr(rel, "/.") || rel[0] == '.' || rel[0] == '/' ||
	    strchr(rel, '\\'))
		return send_error(c, 404, "not_found", "Not found.", "見つかりません。");
	char path[800];
	(void)snprintf(path, sizeof path, "%s/%s", s->cfg.web_root, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			(void)close(fd);
		return send_error(c, 404, "not_found", "Not found.", "見つかりません。");
	}
	struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		(void)close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", mime_of(path));
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	add_common_headers(r);
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- the request handler ---------------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct server *s = cls;
	struct conn *cn = *con_cls;
	if (!cn) {
		cn = calloc(1, sizeof *cn);
		if (!cn)
			return MHD_NO;
		*con_cls = cn;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body)
			cn->too_large = true;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size, need;
		*upload_size = 0;
		if (cn->too_large || cn->len + n > s->cfg.max_body) {
			cn->too_large = true;
			free(cn->body);
			cn->body = NULL;
			cn->len = cn->cap = 0;
			return MHD_YES;
		}
		need = cn->len + n + 1;
		if (need > cn->cap) {
			size_t nc = cn->cap ? cn->cap : 16384;
			while (nc < need)
				nc *= 2;
			char *p = realloc(cn->body, nc);
			if (!p)
				return MHD_NO;
			cn->body = p;
			cn->cap = nc;
		}
		memcpy(cn->body + cn->len, upload, n);
		cn->len += n;
		cn->body[cn->len] = 0;
		return MHD_YES;
	}
	if (cn->too_large)
		return send_error(c, 413, "too_large", "The request body is too large.",
				  "リクエストの本文が大きすぎます。");

	/* route */
	const char *args[MAX_ARGS];
	char argbuf[256];
	const struct http_route *rt = NULL;
	bool path_known = false;
	for (size_t i = 0; i < s->n_routes; i++) {
		if (!match(s->routes[i].pattern, url, args, argbuf, sizeof argbuf))
			continue;
		path_known = true;
		if (strcmp(s->routes[i].method, method) == 0) {
			rt = &s->routes[i];
			break;
		}
	}
	if (!rt) {
		if (path_known)
			return send_error(c, 405, "method_not_allowed",
					  "This method is not allowed here.",
					  "このメソッドは使えません。");
		if (strncmp(url, "/api/", 5) == 0)
			return send_error(c, 404, "not_found", "There is no such API endpoint.",
					  "そのような API はありません。");
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return send_error(c, 405, "method_not_allowed",
					  "This method is not allowed here.",
					  "このメソッドは使えません。");
		return serve_file(s, c, url);
	}

	/* who is asking */
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *bearer = NULL;
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) == 0 ||
		    strlen(auth + 7) > 4096)
			return send_error(c, 401, "unauthorized",
					  "Use Authorization: Bearer <token>.",
					  "Authorization: Bearer <トークン> を使ってください。");
		bearer = auth + 7;
	}
	/* an API token, a user's token, or the session cookie (not when signing in anew) */
	bool unsafe = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	bool login = strcmp(method, "POST") == 0 && strcmp(url, "/api/v1/session") == 0;
	const char *cookie =
	    bearer || login ? NULL : MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "kk_session");
	int64_t now = (int64_t)time(NULL);
	struct session_caller who = {.role = HTTP_ANON};
	/* the ingest route checks sensor tokens itself */
	if (rt->need != HTTP_ANON || strncmp(url, "/api/v1/obs/intervals", 21) != 0) {
		int r = session_api_caller(s->sess, bearer, cookie, now, &who);
		if (r < 0)
			return send_error(c, 503, "unavailable", "Try again later.",
					  "しばらくしてから再試行してください。");
		if (r == 1 && bearer && rt->need != HTTP_ANON)
			return send_error(c, 401, "unauthorized", "The token is not valid.",
					  "トークンが正しくありません。");
		if (r == 1 && rt->need != HTTP_ANON)
			return send_error(
			    c, 401, "unauthorized", "The session has ended; sign in again.",
			    "セッションが終了しました。もう一度サインインしてください。");
	}
	enum http_role role = who.role;
	if (unsafe && (who.by_cookie || login) && cross_site(c, s->cfg.tls_cert[0] != 0))
		return send_error(c, 403, "csrf", "Cross-site requests are refused.",
				  "他のサイトからのリクエストは受け付けません。");
	if (unsafe && who.by_cookie &&
	    !account_csrf_equal(who.csrf,
				MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token")))
		return send_error(c, 403, "csrf", "Send the session's X-CSRF-Token.",
				  "セッションの X-CSRF-Token を送ってください。");
	if (role < rt->need) {
		if (role == HTTP_ANON)
			return send_error(c, 401, "unauthorized", "This needs a token.",
					  "トークンが必要です。");
		return send_error(c, 403, "forbidden", "Your token may not do this.",
				  "このトークンには権限がありません。");
	}

	/* cached answer? */
	char keymem[2048];
	struct keybuf kb = {keymem, 0, sizeof keymem, false};
	uint64_t gen = obs_ingest_generation(s->ingest);
	bool cacheable = strcmp(method, "GET") == 0;
	if (cacheable) {
		int n = snprintf(keymem, sizeof keymem, "%d %s?", (int)role, url);
		kb.len = n > 0 ? (size_t)n : 0;
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &kb);
		cacheable = !kb.overflow;
		enum MHD_Result ret;
		if (cacheable && cache_get(s, keymem, gen, c, &ret))
			return ret;
	}

	struct req_impl ri = {c};
	char client[INET6_ADDRSTRLEN];
	client_text(c, client, sizeof client);
	struct http_req rq = {
	    .method = method,
	    .path = url,
	    .args = args,
	    .body = cn->body,
	    .body_len = cn->len,
	    .role = role,
	    .bearer = bearer,
	    .now = now,
	    .user_id = who.user_id,
	    .user_name = who.user_name[0] ? who.user_name : NULL,
	    .client = client,
	    .session = who.by_cookie ? cookie : NULL,
	    .query = q_get,
	    .header = h_get,
	    .impl = &ri,
	};
	struct http_resp rs = {0};
	rt->fn(rt->ctx, &rq, &rs);
	if (cacheable && rs.cacheable && rs.status == 200 && rs.body)
		cache_put(s, keymem, gen, &rs);
	return send_resp(c, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn *cn = *con_cls;
	if (cn) {
		free(cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

/* ---- start and stop --------------------------------------------------------------------- */

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || strlen(colon + 1) == 0)
		return -1;
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535)
		return -1;
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof host)
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -1;
		*len = sizeof *a;
		return 6;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	*len = sizeof *a;
	return 4;
}

static void usage(FILE *f)
{
	(void)fprintf(f, "%s",
		      T("Usage: keikaid [-c CONFIG] [--listen ADDR:PORT] [--db PATH] [--web DIR]\n"
			"               [--lang en|ja] [--help] [--version]\n"
			"The keikai server: ingest of sensor records, statistics API, web UI.\n"
			"See keikaid(8) and docs/server.md.\n",
			"使い方: keikaid [-c 設定ファイル] [--listen アドレス:ポート] [--db パス]\n"
			"               [--web ディレクトリ] [--lang en|ja] [--help] [--version]\n"
			"keikai のサーバ: センサのレコード受信、統計 API、Web 画面。\n"
			"keikaid(8) と docs/server.md を参照してください。\n"));
}

static char *read_pem(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		(void)close(fd);
		return NULL;
	}
	char *p = calloc(1, (size_t)st.st_size + 1);
	if (p && fileio_read_full(fd, p, (size_t)st.st_size) != (ssize_t)st.st_size) {
		free(p);
		p = NULL;
	}
	(void)close(fd);
	return p;
}

int main(int argc, char **argv)
{
	const char *config = NULL, *listen = NULL, *db = NULL, *web = NULL, *lang = NULL;
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'}, {"listen", required_argument, NULL, 'l'},
	    {"db", required_argument, NULL, 'd'},     {"web", required_argument, NULL, 'w'},
	    {"lang", required_argument, NULL, 'L'},   {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
	int o;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): parsed before any thread starts */
	while ((o = getopt_long(argc, argv, "c:l:d:w:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'w':
			web = optarg;
			break;
		case 'L':
			lang = optarg;
			break;
		case 'h':
			(void)i18n_init(lang);
			usage(stdout);
			return 0;
		case 'V':
			(void)printf("keikaid %s\n", KEIKAI_VERSION);
			return 0;
		default:
			(void)i18n_init(lang);
			usage(stderr);
			return 2;
		}
	}
	if (i18n_init(lang) != 0) {
		(void)fprintf(stderr, "keikaid: --lang en or ja\n");
		return 2;
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	static struct server srv;
	struct server *s = &srv;
	if (server_config_load(&s->cfg, config) != 0)
		return 1;
	if ((listen && snprintf(s->cfg.listen, sizeof s->cfg.listen, "%s", listen) < 0) ||
	    (db && snprintf(s->cfg.db, sizeof s->cfg.db, "%s", db) < 0) ||
	    (web && snprintf(s->cfg.web_root, sizeof s->cfg.web_root, "%s", web) < 0))
		return 1;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam = parse_listen(s->cfg.listen, &ss, &sl);
	if (fam < 0) {
		(void)fprintf(
		    stderr,
		    T("keikaid: bad listen address %s (use 127.0.0.1:8080 or [::1]:8080)\n",
		      "keikaid: listen のアドレス %s が不正です (127.0.0.1:8080 や [::1]:8080 "
		      "の形式)\n"),
		    s->cfg.listen);
		return 1;
	}
	if (token_init() != 0) {
		(void)fprintf(stderr, "keikaid: libsodium\n");
		return 1;
	}
	hash_seed_random();

	/* schema: auth, then the domains (the ingest opens and migrates the obs store) */
	char err[512];
	sqlite3 *adb;
	if (db_open(s->cfg.db, &adb, err, sizeof err) != 0 ||
	    auth_migrate(adb, err, sizeof err) != 0 || account_migrate(adb, err, sizeof err) != 0 ||
	    contact_migrate(adb, err, sizeof err) != 0) {
		(void)fprintf(stderr,
			      T("keikaid: database %s: %s\n", "keikaid: データベース %s: %s\n"),
			      s->cfg.db, err);
		return 1;
	}
	sqlite3_close(adb);
	struct obs_ingest_config ic = {.store_uri = s->cfg.db,
				       .retention = s->cfg.retention,
				       .tz_offset = s->cfg.tz_offset,
				       .rollup_ms = s->cfg.rollup_ms};
	s->ingest = obs_ingest_start(&ic, err, sizeof err);
	if (!s->ingest) {
		(void)fprintf(stderr,
			      T("keikaid: database %s: %s\n", "keikaid: データベース %s: %s\n"),
			      s->cfg.db, err);
		return 1;
	}
	if (strcmp(s->cfg.geo_db, "none") != 0) {
		s->geo = geo_open(s->cfg.geo_db[0] ? s->cfg.geo_db : NULL, err, sizeof err);
		if (!s->geo)
			(void)fprintf(stderr,
				      T("keikaid: no country and AS lookups: %s\n",
					"keikaid: 国と AS の検索は行いません: %s\n"),
				      err);
	}
	struct obs_api_config ac = {.store_uri = s->cfg.db,
				    .ingest = s->ingest,
				    .geo = s->geo,
				    .tz_offset = s->cfg.tz_offset,
				    .public_stats = s->cfg.public_stats,
				    .public_events = s->cfg.public_events,
				    .rate = s->cfg.rate,
				    .burst = s->cfg.burst};
	s->obs = obs_api_new(&ac);
	s->sess = session_api_new(s->cfg.db, &s->cfg.accounts, s->cfg.tls_cert[0] != 0);
	if (!s->obs || !s->sess) {
		(void)fprintf(stderr, "keikaid: out of memory\n");
		return 1;
	}
	pthread_mutex_init(&s->cache_mu, NULL);
	s->n_routes = obs_api_routes(s->obs, s->routes, MAX_ROUTES);
	s->n_routes +=
	    session_api_routes(s->sess, s->routes + s->n_routes, MAX_ROUTES - s->n_routes);
	/* the incident domain: reports through its single writer */
	s->cfg.incident.tz_offset = s->cfg.tz_offset;
	s->cfg.incident.geo = s->geo;
	s->cfg.incident.resolve = s->cfg.enrich_resolve;
	s->inc_writer = inc_writer_open(s->cfg.db, &s->cfg.incident, err, sizeof err);
	if (!s->inc_writer) {
		(void)fprintf(stderr,
			      T("keikaid: database %s: %s\n", "keikaid: データベース %s: %s\n"),
			      s->cfg.db, err);
		return 1;
	}
	struct inc_api_config ic2 = {.store_uri = s->cfg.db,
				     .writer = s->inc_writer,
				     .inc = s->cfg.incident,
				     .public_form_rate = s->cfg.form_rate,
				     .public_form_burst = s->cfg.form_burst};
	s->inc = inc_api_new(&ic2);
	if (!s->inc) {
		(void)fprintf(stderr, "keikaid: out of memory\n");
		return 1;
	}
	s->n_routes += inc_api_routes(s->inc, s->routes + s->n_routes, MAX_ROUTES - s->n_routes);

	/* contacts and enrichment share the incident domain's home country ([incident]
	 * home_country) */
	struct contact_api_config cc = {.db_path = s->cfg.db,
					.geo = s->geo,
					.home_cc = s->cfg.incident.home_cc,
					.resolve = s->cfg.enrich_resolve};
	s->contacts = contact_api_new(&cc);
	if (!s->contacts) {
		(void)fprintf(stderr, "keikaid: out of memory\n");
		return 1;
	}
	s->n_routes +=
	    contact_api_routes(s->contacts, s->routes + s->n_routes, MAX_ROUTES - s->n_routes);
	if (s->cfg.enrich_resolve) {
		struct enrich_config ec = {
		    .resolve = true, .home_cc = s->cfg.incident.home_cc, .geo = s->geo};
		_Static_assert(sizeof ec.resolver == sizeof s->cfg.enrich_resolver, "same size");
		memcpy(ec.resolver, s->cfg.enrich_resolver, sizeof ec.resolver);
		s->resolver = enrich_resolver_start(s->cfg.db, &ec, err, sizeof err);
		if (!s->resolver) {
			(void)fprintf(stderr,
				      T("keikaid: resolver: %s\n", "keikaid: 名前解決: %s\n"), err);
			return 1;
		}
	}

	/* signals: handled by sigwait in this thread only */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	(void)signal(SIGPIPE, SIG_IGN);

	/* mail delivered into a Maildir (docs/intake.md); started with the signals blocked */
	struct maildir_watch *mw = NULL;
	if (s->cfg.maildir[0]) {
		struct maildir_config mc = {.path = s->cfg.maildir,
					    .rescan_s = s->cfg.maildir_rescan_s,
					    .workers = s->cfg.maildir_workers,
					    .max_bytes = s->cfg.incident.max_report_bytes};
		mw = maildir_watch_start(&mc, s->inc_writer, err, sizeof err);
		if (!mw) {
			(void)fprintf(stderr, "keikaid: %s\n", err);
			return 1;
		}
	}

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (fam == 6)
		flags |= MHD_USE_IPv6;
	char *cert = NULL, *key = NULL;
	if (s->cfg.tls_cert[0] || s->cfg.tls_key[0]) {
		cert = read_pem(s->cfg.tls_cert);
		key = read_pem(s->cfg.tls_key);
		if (!cert || !key) {
			(void)fprintf(stderr, T("keikaid: cannot read tls_cert and tls_key\n",
						"keikaid: tls_cert と tls_key を読めません\n"));
			return 1;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem tls_opts[] = {
	    {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
	    {key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key},
	    {MHD_OPTION_END, 0, NULL}};
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, MHD_OPTION_CONNECTION_LIMIT,
	    s->cfg.max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_END);
	if (!d) {
		(void)fprintf(stderr,
			      T("keikaid: cannot listen on %s: %m\n",
				"keikaid: %s で待ち受けできません: %m\n"),
			      s->cfg.listen);
		return 1;
	}
	(void)printf(T("keikaid %s listening on %s://%s/ (database %s)\n",
		       "keikaid %s: %s://%s/ で待ち受けています (データベース %s)\n"),
		     KEIKAI_VERSION, cert ? "https" : "http", s->cfg.listen, s->cfg.db);
	(void)fflush(stdout);

	int sig = 0;
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
	}
	MHD_stop_daemon(d);
	obs_ingest_stop(s->ingest);
	obs_api_free(s->obs);
	maildir_watch_stop(mw);
	inc_api_free(s->inc);
	inc_writer_close(s->inc_writer);
	session_api_free(s->sess);
	enrich_resolver_stop(s->resolver);
	contact_api_free(s->contacts);
	geo_close(s->geo);
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		cache_drop(s, &s->cache[i]);
	free(cert);
	free(key);
	(void)printf(T("keikaid: stopped (signal %d)\n", "keikaid: 停止しました (シグナル %d)\n"),
		     sig);
	return 0;
}
