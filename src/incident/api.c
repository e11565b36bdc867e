/* api.c - the incident domain's HTTP routes (docs/api-incident.md) */
#include "api.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/hash.h"
#include "../lib/jsonw.h"
#include "contact.h"
#include "enrich.h"
#include "extract.h"
#include "store-impl.h"
#include "taxonomy.h"

#include "../lib/banned.h"

#define JSON_MAX   (64u << 20)
#define RATE_SLOTS 1024
#define LIST_MAX   500
#define LIST_DEF   50
#define IDS_MAX	   1000
#define FIELD_MAX  4096 /* bytes of a one-line field (subject, reporter, ...) */

struct rate_slot {
	char addr[46];
	double tokens;
	double at;
};

struct inc_api {
	struct inc_api_config cfg;
	pthread_key_t tls;
	pthread_mutex_t rate_mu;
	struct rate_slot rate[RATE_SLOTS];
};

/* ---- store handles, answers ------------------------------------------------------------- */

static void tls_close(void *p)
{
	inc_store_close(p);
}

static void fail(struct http_resp *rs, int code)
{
	switch (code) {
	case INC_E_NOTFOUND:
		http_error(rs, 404, "not_found", "There is no such report or incident.",
			   "そのような報告またはインシデントはありません。");
		break;
	case INC_E_CONFLICT:
		http_error(rs, 409, "conflict", inc_strerror(code, "en"), inc_strerror(code, "ja"));
		break;
	case INC_E_TOOBIG:
		http_error(rs, 413, "too_large", inc_strerror(code, "en"),
			   inc_strerror(code, "ja"));
		break;
	case INC_E_BAD:
		http_error(rs, 422, "bad_input", inc_strerror(code, "en"),
			   inc_strerror(code, "ja"));
		break;
	case INC_E_BUSY:
		http_error(rs, 503, "busy", inc_strerror(code, "en"), inc_strerror(code, "ja"));
		rs->retry_after = 2;
		break;
	default:
		http_error(rs, 500, "internal", inc_strerror(INC_E_DB, "en"),
			   inc_strerror(INC_E_DB, "ja"));
	}
}

static struct inc_store *store(struct inc_api *api, struct http_resp *rs)
{
	struct inc_store *s = pthread_getspecific(api->tls);
	if (s)
		return s;
	char err[256];
	s = inc_store_open(api->cfg.store_uri, &api->cfg.inc, err, sizeof err);
	if (!s || pthread_setspecific(api->tls, s) != 0) {
		inc_store_close(s);
		(void)fprintf(stderr, "keikaid: incident store: %s\n", err);
		http_error(rs, 503, "unavailable", "The store cannot be opened; try again later.",
			   "ストアを開けません。しばらくしてから再試行してください。");
		return NULL;
	}
	return s;
}

static void bad_field(struct http_resp *rs, const char *field)
{
	struct jsonw w;
	jsonw_init(&w, 4096);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "error");
	jsonw_obj_begin(&w);
	jsonw_key(&w, "code");
	jsonw_str(&w, "bad_field");
	jsonw_key(&w, "field");
	jsonw_str(&w, field);
	char en[160], ja[200];
	(void)snprintf(en, sizeof en, "The field %s is missing or has a value it may not have.",
		       field);
	(void)snprintf(ja, sizeof ja, "項目 %s がないか、使えない値です。", field);
	jsonw_key(&w, "message");
	jsonw_str(&w, en);
	jsonw_key(&w, "message_ja");
	jsonw_str(&w, ja);
	jsonw_obj_end(&w);
	jsonw_obj_end(&w);
	size_t len;
	char *t = jsonw_finish(&w, &len, NULL);
	if (!t) {
		http_error(rs, 422, "bad_field", en, ja);
		return;
	}
	http_json(rs, 422, t, len);
}

static void bad_json(struct http_resp *rs)
{
	http_error(rs, 400, "bad_json", "The body is not a JSON object.",
		   "本文が JSON オブジェクトではありません。");
}

static void bad_param(struct http_resp *rs, const char *name)
{
	char en[160], ja[200];
	(void)snprintf(en, sizeof en, "The parameter %s is not valid.", name);
	(void)snprintf(ja, sizeof ja, "パラメータ %s が正しくありません。", name);
	http_error(rs, 400, "bad_parameter", en, ja);
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

static void key_str(struct jsonw *w, const char *k, const char *v)
{
	jsonw_key(w, k);
	if (v)
		jsonw_str(w, v);
	else
		jsonw_null(w);
}

static void key_i64(struct jsonw *w, const char *k, int64_t v)
{
	jsonw_key(w, k);
	jsonw_i64(w, v);
}

/* Column i as a JSON value under key k: text, integer or null. */
static void key_col(struct jsonw *w, const char *k, sqlite3_stmt *st, int i)
{
	jsonw_key(w, k);
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		jsonw_i64(w, sqlite3_column_int64(st, i));
		break;
	case SQLITE_NULL:
		jsonw_null(w);
		break;
	default:
		jsonw_str(w, (const char *)sqlite3_column_text(st, i));
	}
}

static bool parse_id(const char *s, int64_t *ret)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v <= 0)
		return false;
	*ret = v;
	return true;
}

/* limit and before from the query; false: rs has the error. */
static bool paging(const struct http_req *rq, struct http_resp *rs, int64_t *limit, int64_t *before)
{
	const char *l = rq->query(rq, "limit"), *b = rq->query(rq, "before");
	*limit = LIST_DEF;
	*before = INT64_MAX;
	if (l && (!parse_id(l, limit) || *limit > LIST_MAX)) {
		bad_param(rs, "limit");
		return false;
	}
	if (b && !parse_id(b, before)) {
		bad_param(rs, "before");
		return false;
	}
	return true;
}

static json_t *body_object(const struct http_req *rq, struct http_resp *rs)
{
	json_error_t je;
	json_t *o = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		bad_json(rs);
		return NULL;
	}
	return o;
}

static struct inc_actor actor(const struct http_req *rq)
{
	return (struct inc_actor){rq->user_id, rq->user_name};
}

/* ---- report bodies ------------------------------------------------------------------------ */

static bool one_line_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return false;
	return true;
}

static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	return one_line_ok(s, 254) && at && at != s && at[1] && !strchr(at + 1, '@') &&
	       !strchr(s, ' ');
}

int inc_report_body_parse(const char *text, size_t len, bool public_form, size_t max_body,
			  struct inc_report_body *ret, const char **ret_field)
{
	struct inc_report_body b = {0};
	json_error_t je;
	b.root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!b.root || !json_is_object(b.root)) {
		json_decref(b.root);
		return INC_E_BAD;
	}
	static const char *const form_keys[] = {"name", "email", "body", "lang", NULL};
	static const char *const api_keys[] = {
	    "channel", "received", "reporter",	 "reporter_email", "subject",
	    "body",    "tlp",	   "rsit_class", "rsit_type",	   NULL};
	const char *const *keys = public_form ? form_keys : api_keys;
	const char *k;
	json_t *v;
	json_object_foreach(b.root, k, v)
	{
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], k) != 0)
			i++;
		if (!keys[i]) {
			*ret_field = "(unknown)";
			goto bad;
		}
		*ret_field = keys[i];
		if (strcmp(k, "received") == 0) {
			if (json_is_null(v))
				continue;
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 253402300799)
				goto bad;
			b.received = json_integer_value(v);
			continue;
		}
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			goto bad;
		const char *s = json_string_value(v);
		size_t sl = json_string_length(v);
		if (strlen(s) != sl) /* an embedded NUL */
			goto bad;
		if (strcmp(k, "body") == 0) {
			if (sl == 0 || sl > max_body)
				goto bad;
			b.body = s;
			continue;
		}
		if (!one_line_ok(s, FIELD_MAX))
			goto bad;
		if (strcmp(k, "channel") == 0) {
			if (strcmp(s, "api") != 0 && strcmp(s, "fax") != 0 &&
			    strcmp(s, "phone") != 0)
				goto bad;
			b.channel = s;
		} else if (strcmp(k, "name") == 0 || strcmp(k, "reporter") == 0) {
			b.reporter = s;
		} else if (strcmp(k, "email") == 0 || strcmp(k, "reporter_email") == 0) {
			if (sl && !email_ok(s))
				goto bad;
			b.reporter_email = sl ? s : NULL;
		} else if (strcmp(k, "subject") == 0) {
			b.subject = s;
		} else if (strcmp(k, "tlp") == 0) {
			if (!tax_tlp_canon(s))
				goto bad;
			b.tlp = s;
		} else if (strcmp(k, "lang") == 0) {
			if (strcmp(s, "en") != 0 && strcmp(s, "ja") != 0)
				goto bad;
			b.lang = s;
		} else if (strcmp(k, "rsit_class") == 0) {
			if (!tax_find(tax_rsit_classes, s))
				goto bad;
			b.rsit_class = s;
		} else if (strcmp(k, "rsit_type") == 0) {
			b.rsit_type = s;
		}
	}
	if (b.rsit_class || b.rsit_type) {
		*ret_field = b.rsit_class ? "rsit_type" : "rsit_class";
		if (!b.rsit_class || !b.rsit_type || !tax_rsit_find(b.rsit_class, b.rsit_type))
			goto bad;
	}
	if (!b.body && !(b.subject && b.subject[0])) {
		*ret_field = "body";
		goto bad;
	}
	if (!public_form && !b.channel)
		b.channel = "api";
	if (public_form)
		b.channel = "web";
	*ret = b;
	return 0;
bad:
	json_decref(b.root);
	return INC_E_FIELD;
}

void inc_report_body_done(struct inc_report_body *b)
{
	json_decref(b->root);
	b->root = NULL;
}

/* ---- reports ---------------------------------------------------------------------------- */

/* A token bucket per client address; false when the address is over its rate (retry_after
 * set). */
static bool rate_take(struct inc_api *api, const char *addr, double now, unsigned *retry_after)
{
	if (!addr)
		addr = "";
	double per_s = api->cfg.public_form_rate / 3600.0, burst = api->cfg.public_form_burst;
	if (per_s <= 0 || burst < 1)
		return true;
	uint64_t h = hash_bytes(addr, strlen(addr));
	pthread_mutex_lock(&api->rate_mu);
	struct rate_slot *sl = &api->rate[h % RATE_SLOTS];
	if (strcmp(sl->addr, addr) != 0) {
		/* a new address takes the slot with a full bucket */
		(void)snprintf(sl->addr, sizeof sl->addr, "%s", addr);
		sl->tokens = burst;
		sl->at = now;
	}
	sl->tokens = fmin(burst, sl->tokens + (now - sl->at) * per_s);
	sl->at = now;
	bool ok = sl->tokens >= 1.0;
	if (ok)
		sl->tokens -= 1.0;
	else
		*retry_after = (unsigned)ceil((1.0 - sl->tokens) / per_s);
	pthread_mutex_unlock(&api->rate_mu);
	return ok;
}

static void receipt_answer(struct http_resp *rs, const struct inc_receipt *rc, bool public_form)
{
	struct jsonw w;
	jsonw_init(&w, 4096);
	jsonw_obj_begin(&w);
	key_str(&w, "ack", rc->ack);
	if (!public_form) {
		key_i64(&w, "id", rc->report_id);
		key_i64(&w, "incident", rc->incident_id);
		jsonw_key(&w, "new_incident");
		jsonw_bool(&w, rc->new_incident);
		jsonw_key(&w, "duplicate");
		jsonw_bool(&w, rc->duplicate);
	}
	jsonw_obj_end(&w);
	finish(&w, rs, rc->duplicate && !public_form ? 200 : 201);
}

static void submit(struct inc_api *api, const struct inc_submission *sub, struct http_resp *rs,
		   bool public_form)
{
	struct inc_receipt rc;
	char err[256];
	int r = inc_writer_submit(api->cfg.writer, sub, &rc, err, sizeof err);
	if (r != 0) {
		if (r != INC_E_BAD && r != INC_E_TOOBIG)
			(void)fprintf(stderr, "keikaid: report: %s\n", err);
		fail(rs, r);
		return;
	}
	receipt_answer(rs, &rc, public_form);
}

static void h_public_report(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	struct inc_report_body b;
	const char *field = NULL;
	int r = inc_report_body_parse(rq->body, rq->body_len, true, api->cfg.inc.max_report_bytes,
				      &b, &field);
	if (r == INC_E_BAD)
		return bad_json(rs);
	if (r != 0)
		return bad_field(rs, field);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned retry = 0;
	if (!rate_take(api, rq->client, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, &retry)) {
		inc_report_body_done(&b);
		http_error(rs, 429, "rate_limited",
			   "Too many reports from this address; try later.",
			   "このアドレスからの報告が多すぎます。しばらくしてから送ってください。");
		rs->retry_after = retry ? retry : 1;
		return;
	}
	struct inc_submission sub = {.channel = "web",
				     .received = rq->now,
				     .raw = rq->body,
				     .raw_len = rq->body_len,
				     .raw_type = "application/json",
				     .reporter = b.reporter,
				     .reporter_email = b.reporter_email,
				     .body = b.body,
				     .client = rq->client};
	submit(api, &sub, rs, true);
	inc_report_body_done(&b);
}

static void h_report_add(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	const char *ct = rq->header(rq, "Content-Type");
	if (ct && strncasecmp(ct, "message/rfc822", 14) == 0) {
		struct inc_submission sub = {.channel = "email",
					     .received = rq->now,
					     .raw = rq->body,
					     .raw_len = rq->body_len,
					     .raw_type = "message/rfc822",
					     .user_id = rq->user_id,
					     .user_name = rq->user_name};
		submit(api, &sub, rs, false);
		return;
	}
	struct inc_report_body b;
	const char *field = NULL;
	int r = inc_report_body_parse(rq->body, rq->body_len, false, api->cfg.inc.max_report_bytes,
				      &b, &field);
	if (r == INC_E_BAD)
		return bad_json(rs);
	if (r != 0)
		return bad_field(rs, field);
	struct inc_submission sub = {.channel = b.channel,
				     .received = b.received ? b.received : rq->now,
				     .raw = rq->body,
				     .raw_len = rq->body_len,
				     .raw_type = "application/json",
				     .reporter = b.reporter,
				     .reporter_email = b.reporter_email,
				     .subject = b.subject,
				     .body = b.body,
				     .tlp = b.tlp,
				     .rsit_class = b.rsit_class,
				     .rsit_type = b.rsit_type,
				     .user_id = rq->user_id,
				     .user_name = rq->user_name};
	submit(api, &sub, rs, false);
	inc_report_body_done(&b);
}

static void h_reports(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t limit, before;
	if (!paging(rq, rs, &limit, &before))
		return;
	const char *status = rq->query(rq, "status");
	if (status && !tax_find(tax_report_status, status))
		return bad_param(rs, "status");
	struct inc_store *s = store(api, rs);
	if (!s)
		return;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT r.id, r.ack, r.channel, r.received, r.reporter, r.subject, r.status,"
	    " r.incident_id, i.ref, i.category, r.tlp FROM reports r JOIN incidents i"
	    " ON i.id = r.incident_id WHERE r.id < ?1 AND (?2 IS NULL OR r.status = ?2)"
	    " ORDER BY r.id DESC LIMIT ?3",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rs, inc_sqlite_err(rc));
	sqlite3_bind_int64(st, 1, before);
	if (status)
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit);
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "reports");
	jsonw_arr_begin(&w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jsonw_obj_begin(&w);
		static const char *const k[] = {"id",		"ack",	    "channel", "received",
						"reporter",	"subject",  "status",  "incident",
						"incident_ref", "category", "tlp"};
		for (int i = 0; i < 11; i++)
			key_col(&w, k[i], st, i);
		jsonw_obj_end(&w);
	}
	sqlite3_finalize(st);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	if (rc != SQLITE_DONE) {
		free(jsonw_finish(&w, NULL, NULL));
		return fail(rs, inc_sqlite_err(rc));
	}
	finish(&w, rs, 200);
}

/* ---- indicators with enrichment and candidate parties ----------------------------------- */

#define ENRICH_ADDRS 256

struct enriched {
	struct indicator_set set;
	struct enrich_addr addr[ENRICH_ADDRS];
	size_t naddr;
};

static bool type_of(const char *name, enum ind_type *ret)
{
	for (int t = IND_URL; t <= IND_SHA256; t++)
		if (strcmp(ind_type_name((enum ind_type)t), name) == 0) {
			*ret = (enum ind_type)t;
			return true;
		}
	return false;
}

/* The host of a canonical URL ("http://host/..." or "http://[v6]/..."), into buf. */
static const char *url_host(const char *url, char *buf, size_t n)
{
	const char *p = strstr(url, "://");
	if (!p)
		return NULL;
	p += 3;
	size_t l = *p == '[' ? strcspn(p, "]") + 1 : strcspn(p, "/:?#");
	if (l == 0 || l >= n)
		return NULL;
	memcpy(buf, p, l);
	buf[l] = 0;
	if (buf[0] == '[') { /* an IPv6 literal: the address without brackets */
		memmove(buf, buf + 1, l - 1);
		buf[l - 2] = 0;
	}
	return buf;
}

static void addr_json(struct jsonw *w, const struct enrich_addr *a)
{
	jsonw_obj_begin(w);
	key_str(w, "ip", a->ip);
	key_i64(w, "asn", a->asn);
	key_str(w, "as_name", a->as_name);
	key_str(w, "prefix", a->prefix);
	key_str(w, "cc", a->cc);
	jsonw_key(w, "domestic");
	jsonw_bool(w, a->domestic);
	jsonw_obj_end(w);
}

static void keep_addr(struct enriched *e, const struct enrich_addr *a)
{
	if (e->naddr < ENRICH_ADDRS)
		e->addr[e->naddr++] = *a;
}

/* The indicators sql selects (type, raw, value, registrable for id), each with its enrichment:
 * an address from the geo database, a host from the resolver's cache. */
static void indicators_json(struct inc_api *api, struct jsonw *w, sqlite3 *db, const char *sql,
			    int64_t id, struct enriched *e)
{
	sqlite3_stmt *st = NULL;
	const char *home = api->cfg.inc.home_cc;
	jsonw_key(w, "indicators");
	jsonw_arr_begin(w);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *type = (const char *)sqlite3_column_text(st, 0);
			const char *raw = (const char *)sqlite3_column_text(st, 1);
			const char *value = (const char *)sqlite3_column_text(st, 2);
			const char *reg = (const char *)sqlite3_column_text(st, 3);
			if (!type || !raw || !value)
				continue;
			jsonw_obj_begin(w);
			key_str(w, "type", type);
			key_str(w, "raw", raw);
			key_str(w, "value", value);
			key_str(w, "registrable", reg);
			jsonw_key(w, "enrich");
			enum ind_type t;
			if (type_of(type, &t))
				(void)indicator_set_add(&e->set, t, raw, strlen(raw), value, reg);
			struct enrich_addr a;
			char hostbuf[300];
			const char *host = NULL;
			if (type_of(type, &t) && (t == IND_IPV4 || t == IND_IPV6)) {
				if (enrich_ip(api->cfg.inc.geo, home, value, &a) >= 0) {
					addr_json(w, &a);
					keep_addr(e, &a);
				} else {
					jsonw_null(w);
				}
			} else if (type_of(type, &t) && (t == IND_DOMAIN || t == IND_URL) &&
				   (host = t == IND_URL ? url_host(value, hostbuf, sizeof hostbuf)
							: value) != NULL) {
				struct enrich_addr as[8];
				size_t n = 0;
				int r = enrich_host_cached(db, host, as, 8, &n);
				jsonw_obj_begin(w);
				key_str(w, "host", host);
				jsonw_key(w, "resolved");
				jsonw_bool(w, r == 0);
				jsonw_key(w, "addresses");
				jsonw_arr_begin(w);
				for (size_t i = 0; r == 0 && i < n; i++) {
					addr_json(w, &as[i]);
					keep_addr(e, &as[i]);
				}
				jsonw_arr_end(w);
				jsonw_obj_end(w);
			} else {
				jsonw_null(w);
			}
			jsonw_obj_end(w);
		}
	}
	sqlite3_finalize(st);
	jsonw_arr_end(w);
}

static void candidates_json(struct inc_api *api, struct jsonw *w, sqlite3 *db,
			    const struct enriched *e)
{
	struct contact_candidate c[16];
	size_t n = 0;
	jsonw_key(w, "candidates");
	jsonw_arr_begin(w);
	if (contact_candidates(db, e->set.items, e->set.count, e->addr, e->naddr,
			       api->cfg.inc.home_cc, c, 16, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			jsonw_obj_begin(w);
			key_i64(w, "org_id", c[i].org_id);
			key_str(w, "name", c[i].name);
			key_str(w, "type", c[i].type);
			key_str(w, "abuse", c[i].abuse);
			key_str(w, "lang", c[i].lang);
			key_str(w, "why", c[i].why);
			key_str(w, "reason", c[i].reason);
			key_str(w, "detail", c[i].detail);
			key_i64(w, "score", c[i].score);
			jsonw_obj_end(w);
		}
	}
	jsonw_arr_end(w);
}

static void h_report(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t id;
	if (!parse_id(rq->args[0], &id))
		return fail(rs, INC_E_NOTFOUND);
	struct inc_store *s = store(api, rs);
	if (!s)
		return;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT r.id, r.ack, r.channel, r.received, r.sent, r.reporter, r.reporter_email,"
	    " r.subject, r.text, r.raw_type, length(r.raw), r.message_id, r.status, r.tlp,"
	    " r.entered_by, i.id, i.ref, i.title, i.status, i.category FROM reports r"
	    " JOIN incidents i ON i.id = r.incident_id WHERE r.id = ?1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rs, inc_sqlite_err(rc));
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(rs, rc == SQLITE_DONE ? INC_E_NOTFOUND : inc_sqlite_err(rc));
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	static const char *const k[] = {"id",	  "ack",      "channel",	"received",
					"sent",	  "reporter", "reporter_email", "subject",
					"text",	  "raw_type", "raw_size",	"message_id",
					"status", "tlp",      "entered_by"};
	for (int i = 0; i < 15; i++)
		key_col(&w, k[i], st, i);
	jsonw_key(&w, "incident");
	jsonw_obj_begin(&w);
	key_col(&w, "id", st, 15);
	key_col(&w, "ref", st, 16);
	key_col(&w, "title", st, 17);
	key_col(&w, "status", st, 18);
	key_col(&w, "category", st, 19);
	jsonw_obj_end(&w);
	sqlite3_finalize(st);
	jsonw_key(&w, "attachments");
	jsonw_arr_begin(&w);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT name, type, size FROM attachments WHERE report_id = ?1"
			       " ORDER BY id",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			jsonw_obj_begin(&w);
			key_col(&w, "name", st, 0);
			key_col(&w, "type", st, 1);
			key_col(&w, "size", st, 2);
			jsonw_obj_end(&w);
		}
	}
	sqlite3_finalize(st);
	jsonw_arr_end(&w);
	struct enriched *e = calloc(1, sizeof *e);
	if (e) {
		indicator_set_init(&e->set, api->cfg.inc.max_indicators);
		indicators_json(api, &w, s->db,
				"SELECT type, raw, value, registrable FROM indicators WHERE"
				" report_id = ?1 ORDER BY id",
				id, e);
		indicator_set_free(&e->set);
		free(e);
	}
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

static void h_report_raw(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t id;
	if (!parse_id(rq->args[0], &id))
		return fail(rs, INC_E_NOTFOUND);
	struct inc_store *s = store(api, rs);
	if (!s)
		return;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT raw FROM reports WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rs, inc_sqlite_err(rc));
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(rs, rc == SQLITE_DONE ? INC_E_NOTFOUND : inc_sqlite_err(rc));
	}
	int n = sqlite3_column_bytes(st, 0);
	const void *p = sqlite3_column_blob(st, 0);
	char *body = malloc(n > 0 ? (size_t)n : 1);
	if (!body) {
		sqlite3_finalize(st);
		return fail(rs, INC_E_NOMEM);
	}
	if (n > 0)
		memcpy(body, p, (size_t)n);
	sqlite3_finalize(st);
	free(rs->body);
	rs->body = body;
	rs->len = n > 0 ? (size_t)n : 0;
	rs->status = 200;
	rs->type = "application/octet-stream";
	rs->disposition = "attachment; filename=\"report.raw\"";
}

static void h_report_patch(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t id;
	if (!parse_id(rq->args[0], &id))
		return fail(rs, INC_E_NOTFOUND);
	json_t *o = body_object(rq, rs);
	if (!o)
		return;
	const char *status = NULL, *tlp = NULL, *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "status") == 0 && json_is_string(v) &&
		    strcmp(json_string_value(v), "new") != 0)
			status = json_string_value(v);
		else if (strcmp(k, "tlp") == 0 && json_is_string(v))
			tlp = json_string_value(v);
		else {
			bad_field(rs, strcmp(k, "status") == 0 || strcmp(k, "tlp") == 0
					  ? k
					  : "(unknown)");
			json_decref(o);
			return;
		}
	}
	struct inc_store *s = store(api, rs);
	if (!s) {
		json_decref(o);
		return;
	}
	char field[32] = "";
	struct inc_actor who = actor(rq);
	int r = inc_report_update(s, id, status, tlp, &who, rq->now, field, sizeof field);
	json_decref(o);
	if (r == INC_E_FIELD)
		return bad_field(rs, field);
	if (r)
		return fail(rs, r);
	struct jsonw w;
	jsonw_init(&w, 256);
	jsonw_obj_begin(&w);
	key_i64(&w, "id", id);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

static void h_search(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t limit, before;
	if (!paging(rq, rs, &limit, &before))
		return;
	const char *q = rq->query(rq, "q");
	if (!q || !*q || strlen(q) > 1024)
		return bad_param(rs, "q");
	struct inc_store *s = store(api, rs);
	if (!s)
		return;
	int64_t ids[LIST_MAX];
	size_t n = 0;
	int r = inc_search(s, q, before == INT64_MAX ? 0 : before, (size_t)limit, ids, &n);
	if (r == INC_E_BAD)
		return bad_param(rs, "q");
	if (r)
		return fail(rs, r);
	sqlite3_stmt *st = NULL;
	int rc =
	    sqlite3_prepare_v2(s->db,
			       "SELECT r.id, r.ack, r.channel, r.received, r.reporter, r.subject,"
			       " r.status, r.incident_id, i.ref FROM reports r JOIN incidents i"
			       " ON i.id = r.incident_id WHERE r.id = ?1",
			       -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rs, inc_sqlite_err(rc));
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "reports");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			jsonw_obj_begin(&w);
			static const char *const k[] = {"id",	    "ack",	"channel",
							"received", "reporter", "subject",
							"status",   "incident", "incident_ref"};
			for (int c = 0; c < 9; c++)
				key_col(&w, k[c], st, c);
			jsonw_obj_end(&w);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

/* ---- incidents ---------------------------------------------------------------------------- */

#define INCIDENT_COLS                                                                              \
	"i.id, i.ref, i.title, i.status, i.category, i.rsit_class, i.rsit_type, i.tlp,"            \
	" i.priority, i.owner, i.due, i.opened, i.updated, i.last_report, i.merged_into,"          \
	" (SELECT count(*) FROM reports r WHERE r.incident_id = i.id)"
static const char *const incident_keys[] = {
    "id",	"ref",	 "title", "status", "category", "rsit_class",  "rsit_type",   "tlp",
    "priority", "owner", "due",	  "opened", "updated",	"last_report", "merged_into", "reports"};

static void h_incidents(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t limit, before;
	if (!paging(rq, rs, &limit, &before))
		return;
	const char *status = rq->query(rq, "status"), *cat = rq->query(rq, "category"),
		   *owner = rq->query(rq, "owner");
	if (status && !tax_find(tax_incident_status, status))
		return bad_param(rs, "status");
	if (cat && !tax_find(tax_categories, cat))
		return bad_param(rs, "category");
	if (owner && !one_line_ok(owner, 256))
		return bad_param(rs, "owner");
	struct inc_store *s = store(api, rs);
	if (!s)
		return;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT " INCIDENT_COLS " FROM incidents i WHERE i.id < ?1"
				    " AND (?2 IS NULL OR i.status = ?2) AND (?3 IS NULL OR"
				    " coalesce(i.category, 'other') = ?3) AND (?4 IS NULL OR"
				    " i.owner = ?4) ORDER BY i.id DESC LIMIT ?5",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rs, inc_sqlite_err(rc));
	sqlite3_bind_int64(st, 1, before);
	if (status)
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (cat)
		sqlite3_bind_text(st, 3, cat, -1, SQLITE_STATIC);
	if (owner)
		sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, limit);
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "incidents");
	jsonw_arr_begin(&w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jsonw_obj_begin(&w);
		for (int i = 0; i < 16; i++)
			key_col(&w, incident_keys[i], st, i);
		jsonw_obj_end(&w);
	}
	sqlite3_finalize(st);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	if (rc != SQLITE_DONE) {
		free(jsonw_finish(&w, NULL, NULL));
		return fail(rs, inc_sqlite_err(rc));
	}
	finish(&w, rs, 200);
}

static void h_incident(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t id;
	if (!parse_id(rq->args[0], &id))
		return fail(rs, INC_E_NOTFOUND);
	struct inc_store *s = store(api, rs);
	if (!s)
		return;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db, "SELECT " INCIDENT_COLS " FROM incidents i WHERE i.id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rs, inc_sqlite_err(rc));
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(rs, rc == SQLITE_DONE ? INC_E_NOTFOUND : inc_sqlite_err(rc));
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	for (int i = 0; i < 15; i++)
		key_col(&w, incident_keys[i], st, i);
	sqlite3_finalize(st);

	jsonw_key(&w, "reports");
	jsonw_arr_begin(&w);
	if (sqlite3_prepare_v2(
		s->db,
		"SELECT id, ack, channel, received, reporter, subject, status, tlp"
		" FROM reports WHERE incident_id = ?1 ORDER BY received DESC, id DESC"
		" LIMIT 1000",
		-1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		static const char *const k[] = {"id",	    "ack",     "channel", "received",
						"reporter", "subject", "status",  "tlp"};
		while (sqlite3_step(st) == SQLITE_ROW) {
			jsonw_obj_begin(&w);
			for (int c = 0; c < 8; c++)
				key_col(&w, k[c], st, c);
			jsonw_obj_end(&w);
		}
	}
	sqlite3_finalize(st);
	jsonw_arr_end(&w);
	struct enriched *e = calloc(1, sizeof *e);
	if (!e) {
		free(jsonw_finish(&w, NULL, NULL));
		return fail(rs, INC_E_NOMEM);
	}
	indicator_set_init(&e->set, 5000);
	indicators_json(api, &w, s->db,
			"SELECT n.type, min(n.raw), n.value, n.registrable FROM indicators n"
			" JOIN reports r ON r.id = n.report_id WHERE r.incident_id = ?1"
			" GROUP BY n.type, n.value ORDER BY min(n.id) LIMIT 5000",
			id, e);
	candidates_json(api, &w, s->db, e);
	indicator_set_free(&e->set);
	free(e);
	jsonw_key(&w, "timeline");
	jsonw_arr_begin(&w);
	if (sqlite3_prepare_v2(
		s->db,
		"SELECT at, user_id, user_name, object, object_id, action, changes"
		" FROM (SELECT at, user_id, user_name, object, object_id, action,"
		" changes, 1 AS k, id FROM audit WHERE (object = 'incident' AND"
		" object_id = ?1) OR (object = 'report' AND object_id IN (SELECT id"
		" FROM reports WHERE incident_id = ?1))"
		/* a report's arrival: from its row, which records who, when, how */
		" UNION ALL SELECT received, entered_by_id, coalesce(entered_by,"
		" channel), 'report', id, 'received', json_object('channel',"
		" json_array(NULL, channel)), 0, id FROM reports WHERE incident_id = ?1)"
		" ORDER BY at, k, id LIMIT 5000",
		-1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		static const char *const k[] = {"at",	     "user_id", "user",	  "object",
						"object_id", "action",	"changes"};
		while (sqlite3_step(st) == SQLITE_ROW) {
			jsonw_obj_begin(&w);
			for (int c = 0; c < 6; c++)
				key_col(&w, k[c], st, c);
			/* the changes are JSON the store wrote; give them as a string */
			key_col(&w, k[6], st, 6);
			jsonw_obj_end(&w);
		}
	}
	sqlite3_finalize(st);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

static bool patch_str(json_t *v, const char **out)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return false;
	*out = json_string_value(v);
	return true;
}

static void h_incident_patch(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t id;
	if (!parse_id(rq->args[0], &id))
		return fail(rs, INC_E_NOTFOUND);
	json_t *o = body_object(rq, rs);
	if (!o)
		return;
	struct inc_incident_patch p = {0};
	const char *k, *bad = NULL;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		bool ok;
		if (strcmp(k, "title") == 0)
			ok = patch_str(v, &p.title) && one_line_ok(p.title, 500);
		else if (strcmp(k, "status") == 0)
			ok = patch_str(v, &p.status);
		else if (strcmp(k, "category") == 0)
			ok = patch_str(v, &p.category);
		else if (strcmp(k, "rsit_class") == 0)
			ok = patch_str(v, &p.rsit_class);
		else if (strcmp(k, "rsit_type") == 0)
			ok = patch_str(v, &p.rsit_type);
		else if (strcmp(k, "tlp") == 0)
			ok = patch_str(v, &p.tlp);
		else if (strcmp(k, "priority") == 0)
			ok = patch_str(v, &p.priority);
		else if (strcmp(k, "owner") == 0) {
			p.clear_owner = json_is_null(v);
			ok = p.clear_owner ||
			     (patch_str(v, &p.owner) && one_line_ok(p.owner, 256) && p.owner[0]);
		} else if (strcmp(k, "due") == 0) {
			p.set_due = true;
			ok = json_is_null(v) || (json_is_integer(v) && json_integer_value(v) > 0 &&
						 json_integer_value(v) < 253402300799);
			p.due = json_is_integer(v) ? json_integer_value(v) : 0;
		} else {
			k = "(unknown)";
			ok = false;
		}
		if (!ok) {
			bad = k;
			break;
		}
	}
	if (bad) {
		bad_field(rs, bad);
		json_decref(o);
		return;
	}
	struct inc_store *s = store(api, rs);
	if (!s) {
		json_decref(o);
		return;
	}
	char field[32] = "";
	struct inc_actor who = actor(rq);
	int r = inc_incident_update(s, id, &p, &who, rq->now, field, sizeof field);
	json_decref(o);
	if (r == INC_E_FIELD)
		return bad_field(rs, field);
	if (r)
		return fail(rs, r);
	struct jsonw w;
	jsonw_init(&w, 256);
	jsonw_obj_begin(&w);
	key_i64(&w, "id", id);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

/* An array of ids under key in the body; false: rs has the error. */
static bool id_list(const struct http_req *rq, struct http_resp *rs, const char *key, int64_t *ids,
		    size_t *n)
{
	json_t *o = body_object(rq, rs);
	if (!o)
		return false;
	json_t *a = json_object_get(o, key);
	bool ok = json_object_size(o) == 1 && json_is_array(a) && json_array_size(a) > 0 &&
		  json_array_size(a) <= IDS_MAX;
	for (size_t i = 0; ok && i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		ok = json_is_integer(v) && json_integer_value(v) > 0;
		if (ok)
			ids[i] = json_integer_value(v);
	}
	if (ok)
		*n = json_array_size(a);
	else
		bad_field(rs, key);
	json_decref(o);
	return ok;
}

static void h_merge(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t id;
	if (!parse_id(rq->args[0], &id))
		return fail(rs, INC_E_NOTFOUND);
	int64_t *ids = malloc(IDS_MAX * sizeof *ids);
	size_t n = 0;
	if (!ids)
		return fail(rs, INC_E_NOMEM);
	struct inc_store *s;
	if (id_list(rq, rs, "from", ids, &n) && (s = store(api, rs)) != NULL) {
		struct inc_actor who = actor(rq);
		int r = inc_incident_merge(s, id, ids, n, &who, rq->now);
		if (r) {
			fail(rs, r);
		} else {
			struct jsonw w;
			jsonw_init(&w, 256);
			jsonw_obj_begin(&w);
			key_i64(&w, "id", id);
			jsonw_obj_end(&w);
			finish(&w, rs, 200);
		}
	}
	free(ids);
}

static void h_split(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int64_t id;
	if (!parse_id(rq->args[0], &id))
		return fail(rs, INC_E_NOTFOUND);
	int64_t *ids = malloc(IDS_MAX * sizeof *ids);
	size_t n = 0;
	if (!ids)
		return fail(rs, INC_E_NOMEM);
	struct inc_store *s;
	if (id_list(rq, rs, "reports", ids, &n) && (s = store(api, rs)) != NULL) {
		struct inc_actor who = actor(rq);
		int64_t nid = 0;
		int r = inc_incident_split(s, id, ids, n, &who, rq->now, &nid);
		if (r) {
			fail(rs, r);
		} else {
			struct jsonw w;
			jsonw_init(&w, 256);
			jsonw_obj_begin(&w);
			key_i64(&w, "id", nid);
			jsonw_obj_end(&w);
			finish(&w, rs, 201);
		}
	}
	free(ids);
}

/* ---- taxonomy and statistics ------------------------------------------------------------ */

static void terms(struct jsonw *w, const char *key, const struct tax_term *t)
{
	jsonw_key(w, key);
	jsonw_arr_begin(w);
	for (; t->key; t++) {
		jsonw_obj_begin(w);
		key_str(w, "key", t->key);
		key_str(w, "en", t->en);
		key_str(w, "ja", t->ja);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void h_taxonomy(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	(void)ctx;
	(void)rq;
	struct jsonw w;
	jsonw_init(&w, 1 << 20);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "rsit");
	jsonw_arr_begin(&w);
	for (const struct tax_term *c = tax_rsit_classes; c->key; c++) {
		jsonw_obj_begin(&w);
		key_str(&w, "key", c->key);
		key_str(&w, "en", c->en);
		key_str(&w, "ja", c->ja);
		jsonw_key(&w, "types");
		jsonw_arr_begin(&w);
		for (const struct rsit_type *t = tax_rsit_types; t->class_key; t++) {
			if (strcmp(t->class_key, c->key) != 0)
				continue;
			jsonw_obj_begin(&w);
			key_str(&w, "key", t->type_key);
			key_str(&w, "en", t->en);
			key_str(&w, "ja", t->ja);
			key_str(&w, "category", t->category);
			jsonw_obj_end(&w);
		}
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	terms(&w, "categories", tax_categories);
	terms(&w, "tlp", tax_tlp);
	terms(&w, "priorities", tax_priorities);
	terms(&w, "incident_statuses", tax_incident_status);
	terms(&w, "report_statuses", tax_report_status);
	terms(&w, "channels", tax_channels);
	jsonw_obj_end(&w);
	finish(&w, rs, 200);
}

static void change(struct jsonw *w, const char *k, uint64_t cur, uint64_t prev)
{
	int pct;
	jsonw_key(w, k);
	if (inc_pct_change(cur, prev, &pct))
		jsonw_i64(w, pct);
	else
		jsonw_null(w);
}

static void stat_row(struct jsonw *w, const struct inc_quarter_stats *q, size_t c)
{
	const struct inc_period *p = &q->cur;
	bool all = c == SIZE_MAX;
	uint64_t rt = all ? p->all_reports : p->reports_total[c];
	uint64_t it = all ? p->all_incidents : p->incidents_total[c];
	uint64_t rp = all ? q->prev.all_reports : q->prev.reports_total[c];
	uint64_t ip = all ? q->prev.all_incidents : q->prev.incidents_total[c];
	uint64_t ry = all ? q->year_ago.all_reports : q->year_ago.reports_total[c];
	uint64_t iy = all ? q->year_ago.all_incidents : q->year_ago.incidents_total[c];
	jsonw_key(w, "reports");
	jsonw_arr_begin(w);
	for (int m = 0; m < 3; m++) {
		uint64_t v = 0;
		for (size_t k = 0; k < q->ncat; k++)
			if (all || k == c)
				v += p->reports[k][m];
		jsonw_u64(w, v);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "incidents");
	jsonw_arr_begin(w);
	for (int m = 0; m < 3; m++) {
		uint64_t v = 0;
		for (size_t k = 0; k < q->ncat; k++)
			if (all || k == c)
				v += p->incidents[k][m];
		jsonw_u64(w, v);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "reports_total");
	jsonw_u64(w, rt);
	jsonw_key(w, "incidents_total");
	jsonw_u64(w, it);
	jsonw_key(w, "previous");
	jsonw_obj_begin(w);
	jsonw_key(w, "reports");
	jsonw_u64(w, rp);
	jsonw_key(w, "incidents");
	jsonw_u64(w, ip);
	change(w, "reports_change", rt, rp);
	change(w, "incidents_change", it, ip);
	jsonw_obj_end(w);
	jsonw_key(w, "year_ago");
	jsonw_obj_begin(w);
	jsonw_key(w, "reports");
	jsonw_u64(w, ry);
	jsonw_key(w, "incidents");
	jsonw_u64(w, iy);
	change(w, "reports_change", rt, ry);
	change(w, "incidents_change", it, iy);
	jsonw_obj_end(w);
}

static void h_stats(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct inc_api *api = ctx;
	int fy, q;
	const char *qs = rq->query(rq, "quarter");
	if (inc_quarter_parse(qs, &fy, &q) != 0)
		return bad_param(rs, "quarter");
	struct inc_store *s = store(api, rs);
	if (!s)
		return;
	struct inc_quarter_stats *st = malloc(sizeof *st);
	if (!st)
		return fail(rs, INC_E_NOMEM);
	int r = inc_stats_quarter(s, fy, q, st);
	if (r) {
		free(st);
		return fail(rs, r);
	}
	struct jsonw w;
	jsonw_init(&w, 1 << 20);
	jsonw_obj_begin(&w);
	char name[64];
	(void)snprintf(name, sizeof name, "%04dQ%d", fy, q);
	key_str(&w, "quarter", name);
	(void)snprintf(name, sizeof name, "%04dQ%d", st->prev.fy, st->prev.q);
	key_str(&w, "previous", name);
	(void)snprintf(name, sizeof name, "%04dQ%d", st->year_ago.fy, st->year_ago.q);
	key_str(&w, "year_ago", name);
	key_i64(&w, "from", st->cur.month_from[0]);
	key_i64(&w, "to", st->cur.month_from[3]);
	jsonw_key(&w, "months");
	jsonw_arr_begin(&w);
	for (int m = 0; m < 3; m++) {
		(void)snprintf(name, sizeof name, "%04d-%02d", st->cur.year[m], st->cur.month[m]);
		jsonw_str(&w, name);
	}
	jsonw_arr_end(&w);
	jsonw_key(&w, "categories");
	jsonw_arr_begin(&w);
	for (size_t c = 0; c < st->ncat; c++) {
		jsonw_obj_begin(&w);
		key_str(&w, "key", tax_categories[c].key);
		key_str(&w, "en", tax_categories[c].en);
		key_str(&w, "ja", tax_categories[c].ja);
		stat_row(&w, st, c);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_key(&w, "total");
	jsonw_obj_begin(&w);
	stat_row(&w, st, SIZE_MAX);
	jsonw_obj_end(&w);
	jsonw_obj_end(&w);
	free(st);
	finish(&w, rs, 200);
}

/* ---- setup ---------------------------------------------------------------------------------- */

struct inc_api *inc_api_new(const struct inc_api_config *cfg)
{
	struct inc_api *api = calloc(1, sizeof *api);
	if (!api)
		return NULL;
	api->cfg = *cfg;
	if (pthread_key_create(&api->tls, tls_close) != 0) {
		free(api);
		return NULL;
	}
	pthread_mutex_init(&api->rate_mu, NULL);
	return api;
}

void inc_api_free(struct inc_api *api)
{
	if (!api)
		return;
	tls_close(pthread_getspecific(api->tls));
	(void)pthread_setspecific(api->tls, NULL);
	pthread_key_delete(api->tls);
	pthread_mutex_destroy(&api->rate_mu);
	free(api);
}

size_t inc_api_routes(struct inc_api *api, struct http_route *out, size_t max)
{
	const struct http_route r[] = {
	    {"POST", "/api/v1/public/reports", h_public_report, api, HTTP_ANON},
	    {"POST", "/api/v1/reports", h_report_add, api, HTTP_HANDLER},
	    {"GET", "/api/v1/reports", h_reports, api, HTTP_READER},
	    {"GET", "/api/v1/reports/*", h_report, api, HTTP_READER},
	    {"PATCH", "/api/v1/reports/*", h_report_patch, api, HTTP_HANDLER},
	    {"GET", "/api/v1/reports/*/raw", h_report_raw, api, HTTP_READER},
	    {"GET", "/api/v1/search", h_search, api, HTTP_READER},
	    {"GET", "/api/v1/incidents", h_incidents, api, HTTP_READER},
	    {"GET", "/api/v1/incidents/*", h_incident, api, HTTP_READER},
	    {"PATCH", "/api/v1/incidents/*", h_incident_patch, api, HTTP_HANDLER},
	    {"POST", "/api/v1/incidents/*/merge", h_merge, api, HTTP_HANDLER},
	    {"POST", "/api/v1/incidents/*/split", h_split, api, HTTP_HANDLER},
	    {"GET", "/api/v1/taxonomy", h_taxonomy, api, HTTP_READER},
	    {"GET", "/api/v1/stats/incidents", h_stats, api, HTTP_READER},
	};
	size_t n = sizeof r / sizeof r[0];
	if (n > max)
		n = max;
	memcpy(out, r, n * sizeof r[0]);
	return n;
}
