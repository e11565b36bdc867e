/* api-contact.c - the contact registry's and the enrichment's HTTP routes (api-contact.h) */
#include "api-contact.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/db.h"
#include "../lib/jsonw.h"
#include "canon.h"
#include "contact.h"
#include "enrich.h"

#include "../lib/banned.h"

#define JSON_MAX       (64u << 20)
#define LIST_MAX       500
#define CANDIDATES_MAX 20
#define ADDRS_MAX      32

struct contact_api {
	struct contact_api_config cfg;
	char home_cc[3];
	pthread_key_t tls;
};

static void tls_close(void *p)
{
	sqlite3_close(p);
}

static sqlite3 *conn(struct contact_api *api, struct http_resp *rs)
{
	sqlite3 *db = pthread_getspecific(api->tls);
	if (db)
		return db;
	char err[256];
	if (db_open(api->cfg.db_path, &db, err, sizeof err) != 0 ||
	    pthread_setspecific(api->tls, db) != 0) {
		sqlite3_close(db);
		(void)fprintf(stderr, "keikaid: contacts: %s\n", err);
		http_error(rs, 503, "unavailable",
			   "The database cannot be opened; try again later.",
			   "データベースを開けません。しばらくしてから再試行してください。");
		return NULL;
	}
	return db;
}

static void fail(struct http_resp *rs, int code, const char *field)
{
	unsigned status = code == CONTACT_E_NOTFOUND			    ? 404
			  : code == CONTACT_E_EXISTS			    ? 409
			  : code == CONTACT_E_JSON			    ? 400
			  : code == CONTACT_E_DB || code == CONTACT_E_NOMEM ? 500
									    : 422;
	if (status == 500 || !field || !*field) {
		http_error(rs, status, contact_error_code(code), contact_strerror(code, "en"),
			   contact_strerror(code, "ja"));
		return;
	}
	/* the field named in both messages */
	char en[512], ja[512];
	(void)snprintf(en, sizeof en, "%s (%s)", contact_strerror(code, "en"), field);
	(void)snprintf(ja, sizeof ja, "%s (%s)", contact_strerror(code, "ja"), field);
	http_error(rs, status, contact_error_code(code), en, ja);
}

static void finish(struct jsonw *w, struct http_resp *rs, unsigned status)
{
	size_t len = 0;
	char *text = jsonw_finish(w, &len, NULL);
	if (!text) {
		http_error(rs, 500, "internal", "The answer could not be written.",
			   "応答を作成できませんでした。");
		return;
	}
	http_json(rs, status, text, len);
}

/* the ID segment: a positive decimal number */
static int64_t path_id(const struct http_req *rq)
{
	const char *s = rq->args ? rq->args[0] : NULL;
	if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return 0;
	return strtoll(s, NULL, 10);
}

static struct contact_actor actor(const struct http_req *rq)
{
	return (struct contact_actor){rq->user_id, rq->user_name};
}

/* ---- /api/v1/contacts --------------------------------------------------------------------- */

static void h_list(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct contact_api *api = ctx;
	sqlite3 *db = conn(api, rs);
	if (!db)
		return;
	const char *q = rq->query(rq, "q");
	if (q && strlen(q) > 256) {
		http_error(rs, 400, "bad_query", "The search text is too long (256 bytes at most).",
			   "検索文字列が長すぎます (最大 256 バイト)。");
		return;
	}
	int64_t ids[LIST_MAX];
	size_t n;
	int rc = contact_search(db, q, ids, LIST_MAX, &n);
	if (rc) {
		fail(rs, rc, NULL);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "contacts");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		struct contact_org o;
		rc = contact_get(db, ids[i], &o);
		if (rc == CONTACT_E_NOTFOUND)
			continue;
		if (rc) {
			free(jsonw_finish(&w, NULL, NULL));
			fail(rs, rc, NULL);
			return;
		}
		contact_write_json(&w, &o, true);
		contact_org_free(&o);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

static void h_create(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct contact_api *api = ctx;
	struct contact_org o;
	char field[64];
	int rc =
	    contact_parse(rq->body ? rq->body : "", rq->body_len, false, &o, field, sizeof field);
	if (rc) {
		fail(rs, rc, field);
		return;
	}
	sqlite3 *db = conn(api, rs);
	if (!db) {
		contact_org_free(&o);
		return;
	}
	struct contact_actor who = actor(rq);
	rc = contact_create(db, &o, rq->now, &who);
	int64_t id = o.id;
	contact_org_free(&o);
	if (rc) {
		fail(rs, rc, rc == CONTACT_E_EXISTS ? "name" : NULL);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, 256);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "id");
	jsonw_i64(&w, id);
	jsonw_obj_end(&w);
	finish(&w, rs, 201);
}

static void h_get(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct contact_api *api = ctx;
	int64_t id = path_id(rq);
	if (id <= 0) {
		fail(rs, CONTACT_E_NOTFOUND, NULL);
		return;
	}
	sqlite3 *db = conn(api, rs);
	if (!db)
		return;
	struct contact_org o;
	int rc = contact_get(db, id, &o);
	if (rc) {
		fail(rs, rc, NULL);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	contact_write_json(&w, &o, true);
	contact_org_free(&o);
	finish(&w, rs, 200);
}

static void h_patch(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct contact_api *api = ctx;
	int64_t id = path_id(rq);
	if (id <= 0) {
		fail(rs, CONTACT_E_NOTFOUND, NULL);
		return;
	}
	struct contact_org p;
	char field[64];
	int rc =
	    contact_parse(rq->body ? rq->body : "", rq->body_len, true, &p, field, sizeof field);
	if (rc) {
		fail(rs, rc, field);
		return;
	}
	sqlite3 *db = conn(api, rs);
	if (!db) {
		contact_org_free(&p);
		return;
	}
	struct contact_actor who = actor(rq);
	char *changes = NULL;
	rc = contact_update(db, id, &p, rq->now, &who, &changes);
	contact_org_free(&p);
	if (rc) {
		fail(rs, rc, rc == CONTACT_E_EXISTS ? "name" : NULL);
		return;
	}
	/* {"id": N, "changes": {...}}: changes is JSON text we wrote */
	size_t cl = strlen(changes);
	size_t cap = cl + 64;
	char *text = malloc(cap);
	if (!text) {
		free(changes);
		fail(rs, CONTACT_E_NOMEM, NULL);
		return;
	}
	int len = snprintf(text, cap, "{\"id\":%lld,\"changes\":%s}", (long long)id, changes);
	free(changes);
	if (len < 0 || (size_t)len >= cap) {
		free(text);
		fail(rs, CONTACT_E_NOMEM, NULL);
		return;
	}
	http_json(rs, 200, text, (size_t)len);
}

static void h_delete(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct contact_api *api = ctx;
	int64_t id = path_id(rq);
	if (id <= 0) {
		fail(rs, CONTACT_E_NOTFOUND, NULL);
		return;
	}
	sqlite3 *db = conn(api, rs);
	if (!db)
		return;
	struct contact_actor who = actor(rq);
	int rc = contact_delete(db, id, rq->now, &who);
	if (rc) {
		fail(rs, rc, NULL);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, 256);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "id");
	jsonw_i64(&w, id);
	jsonw_key(&w, "deleted");
	jsonw_bool(&w, true);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

/* ---- /api/v1/enrich ----------------------------------------------------------------------- */

static void write_addr(struct jsonw *w, const struct enrich_addr *e)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "ip");
	jsonw_str(w, e->ip);
	jsonw_key(w, "asn");
	jsonw_u64(w, e->asn);
	jsonw_key(w, "as_name");
	jsonw_str(w, e->as_name);
	jsonw_key(w, "prefix");
	jsonw_str(w, e->prefix);
	jsonw_key(w, "cc");
	jsonw_str(w, e->cc);
	jsonw_key(w, "domestic");
	jsonw_bool(w, e->domestic);
	jsonw_obj_end(w);
}

static void write_candidate(struct jsonw *w, const struct contact_candidate *c)
{
	char ja[200];
	contact_reason_text(c, "ja", ja, sizeof ja);
	jsonw_obj_begin(w);
	jsonw_key(w, "id");
	jsonw_i64(w, c->org_id);
	jsonw_key(w, "name");
	jsonw_str(w, c->name);
	jsonw_key(w, "type");
	jsonw_str(w, c->type);
	jsonw_key(w, "abuse");
	jsonw_str(w, c->abuse);
	jsonw_key(w, "lang");
	jsonw_str(w, c->lang);
	jsonw_key(w, "reason");
	jsonw_str(w, c->reason);
	jsonw_key(w, "detail");
	jsonw_str(w, c->detail);
	jsonw_key(w, "why");
	jsonw_str(w, c->why);
	jsonw_key(w, "why_ja");
	jsonw_str(w, ja);
	jsonw_key(w, "score");
	jsonw_i64(w, c->score);
	jsonw_obj_end(w);
}

static void h_enrich(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct contact_api *api = ctx;
	const char *ip = rq->query(rq, "ip"), *host = rq->query(rq, "host");
	if ((ip && host) || (!ip && !host)) {
		http_error(rs, 400, "bad_query", "Give either ip=ADDRESS or host=NAME.",
			   "ip=アドレス か host=名前 のどちらか一方を指定してください。");
		return;
	}
	struct enrich_addr addrs[ADDRS_MAX];
	size_t na = 0;
	struct indicator ind = {0};
	char canon[256];
	const char *status = "ok";
	char st[16] = "";
	sqlite3 *db = NULL;
	if (ip) {
		int r = enrich_ip(api->cfg.geo, api->home_cc, ip, &addrs[0]);
		if (r == -EINVAL) {
			http_error(rs, 422, "bad_ip", "Not an IPv4 or IPv6 address.",
				   "IPv4 または IPv6 のアドレスではありません。");
			return;
		}
		na = 1;
		status = r == 0 ? "ok" : "unknown";
		ind.type = strchr(addrs[0].ip, ':') ? IND_IPV6 : IND_IPV4;
		ind.value = addrs[0].ip;
	} else {
		int r = canon_host(host, strlen(host), canon, sizeof canon);
		if (r <= 0) {
			http_error(rs, 422, "bad_host", "Not a host name.",
				   "ホスト名ではありません。");
			return;
		}
		if (canon_host_is_ip(canon)) {
			r = enrich_ip(api->cfg.geo, api->home_cc, canon, &addrs[0]);
			na = r >= 0 ? 1 : 0;
			ind.type = strchr(canon, ':') ? IND_IPV6 : IND_IPV4;
		} else {
			if (!(db = conn(api, rs)))
				return;
			r = enrich_host_cached(db, canon, addrs, ADDRS_MAX, &na);
			if (r < 0) {
				fail(rs, CONTACT_E_DB, NULL);
				return;
			}
			if (r == 1 && rq->role < HTTP_HANDLER) {
				/* an analyst reads what is known; only a handler has a host
				 * looked up (a query to the configured DNS server). One that
				 * intake or a handler queued is on its way. */
				int q = api->cfg.resolve ? enrich_host_queued(db, canon) : 0;
				if (q < 0) {
					fail(rs, CONTACT_E_DB, NULL);
					return;
				}
				status = !api->cfg.resolve ? "off" : q ? "pending" : "unresolved";
			} else if (r == 1) {
				status = "pending";
				if (api->cfg.resolve && enrich_queue_host(db, canon) != 0) {
					fail(rs, CONTACT_E_DB, NULL);
					return;
				}
				if (!api->cfg.resolve)
					status = "off";
			} else if (enrich_host_status(db, canon, st, sizeof st) == 0) {
				status = st;
			}
			ind.type = IND_DOMAIN;
		}
		ind.value = canon;
	}
	if (!db && !(db = conn(api, rs)))
		return;
	struct contact_candidate c[CANDIDATES_MAX];
	size_t nc = 0;
	int rc = contact_candidates(db, &ind, 1, addrs, na, api->home_cc, c, CANDIDATES_MAX, &nc);
	if (rc) {
		fail(rs, rc, NULL);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	jsonw_key(&w, ip ? "ip" : "host");
	jsonw_str(&w, ip ? addrs[0].ip : canon);
	jsonw_key(&w, "status");
	jsonw_str(&w, status);
	jsonw_key(&w, "addresses");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < na; i++)
		write_addr(&w, &addrs[i]);
	jsonw_arr_end(&w);
	jsonw_key(&w, "candidates");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < nc; i++)
		write_candidate(&w, &c[i]);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

/* ---- wiring ------------------------------------------------------------------------------- */

struct contact_api *contact_api_new(const struct contact_api_config *cfg)
{
	struct contact_api *api = calloc(1, sizeof *api);
	if (!api)
		return NULL;
	api->cfg = *cfg;
	(void)snprintf(api->home_cc, sizeof api->home_cc, "%s", cfg->home_cc ? cfg->home_cc : "");
	api->cfg.home_cc = api->home_cc;
	if (pthread_key_create(&api->tls, tls_close) != 0) {
		free(api);
		return NULL;
	}
	return api;
}

void contact_api_free(struct contact_api *api)
{
	if (!api)
		return;
	tls_close(pthread_getspecific(api->tls));
	(void)pthread_setspecific(api->tls, NULL);
	pthread_key_delete(api->tls);
	free(api);
}

size_t contact_api_routes(struct contact_api *api, struct http_route *out, size_t max)
{
	const struct http_route r[] = {
	    {"GET", "/api/v1/contacts", h_list, api, HTTP_READER},
	    {"POST", "/api/v1/contacts", h_create, api, HTTP_HANDLER},
	    {"GET", "/api/v1/contacts/*", h_get, api, HTTP_READER},
	    {"PATCH", "/api/v1/contacts/*", h_patch, api, HTTP_HANDLER},
	    {"DELETE", "/api/v1/contacts/*", h_delete, api, HTTP_HANDLER},
	    {"GET", "/api/v1/enrich", h_enrich, api, HTTP_READER},
	};
	size_t n = sizeof r / sizeof r[0];
	if (n > max)
		n = max;
	memcpy(out, r, n * sizeof r[0]);
	return n;
}
