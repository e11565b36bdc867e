/* api.c - the observation domain's HTTP routes (docs/api-obs.md) */
#include "api.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/ckd.h"
#include "../lib/geo.h"
#include "../lib/jsonw.h"
#include "../lib/token.h"
#include "range.h"
#include "record.h"
#include "store.h"
#include "tag.h"

#include "../lib/banned.h"

#define JSON_MAX   (256u << 20)
#define RATE_SLOTS 4096

struct rate_slot {
	int64_t sensor;
	double tokens;
	double at; /* seconds */
};

struct obs_api {
	struct obs_api_config cfg;
	pthread_key_t tls;
	pthread_mutex_t rate_mu;
	struct rate_slot rate[RATE_SLOTS];
};

/* ---- per-thread store handles ----------------------------------------------------------- */

static void tls_close(void *p)
{
	obs_store_close(p);
}

static struct obs_store *store(struct obs_api *api, struct http_resp *rs)
{
	struct obs_store *s = pthread_getspecific(api->tls);
	if (s)
		return s;
	char err[256];
	s = obs_store_open(api->cfg.store_uri, err, sizeof err);
	if (!s || pthread_setspecific(api->tls, s) != 0) {
		obs_store_close(s);
		(void)fprintf(stderr, "keikaid: store: %s\n", err);
		http_error(rs, 503, "unavailable", "The store cannot be opened; try again later.",
			   "ストアを開けません。しばらくしてから再試行してください。");
		return NULL;
	}
	return s;
}

static void store_failed(struct obs_store *s, struct http_resp *rs)
{
	(void)fprintf(stderr, "keikaid: query: %s\n", s->ops->errmsg(s));
	http_error(rs, 500, "internal", "The query failed; the server log has the reason.",
		   "クエリに失敗しました。理由はサーバのログにあります。");
}

/* ---- JSON helpers ----------------------------------------------------------------------- */

static void finish(struct jsonw *w, struct http_resp *rs)
{
	size_t len = 0;
	int err = 0;
	char *text = jsonw_finish(w, &len, &err);
	if (!text) {
		http_error(rs, 500, "internal", "The answer could not be written.",
			   "応答を作成できませんでした。");
		return;
	}
	http_json(rs, 200, text, len);
	rs->cacheable = true;
}

static void key_str(struct jsonw *w, const char *k, const char *v)
{
	jsonw_key(w, k);
	jsonw_str(w, v);
}

static void key_u64(struct jsonw *w, const char *k, uint64_t v)
{
	jsonw_key(w, k);
	jsonw_u64(w, v);
}

static void key_i64(struct jsonw *w, const char *k, int64_t v)
{
	jsonw_key(w, k);
	jsonw_i64(w, v);
}

/* A number with up to 3 decimals; null when not finite. */
static void num(struct jsonw *w, double v)
{
	jsonw_double(w, v, 3);
}

static void key_num(struct jsonw *w, const char *k, double v)
{
	jsonw_key(w, k);
	num(w, v);
}

static void time_str(struct jsonw *w, const char *k, int64_t t)
{
	char buf[32];
	key_str(w, k, range_format_utc(t, buf, sizeof buf));
}

static void usec_str(struct jsonw *w, const char *k, int64_t usec)
{
	char buf[40];
	key_str(w, k, obs_format_time_usec(usec < 0 ? 0 : (uint64_t)usec, buf, sizeof buf));
}

static void raw_array(struct jsonw *w, const char *k, const char *text)
{
	/* a JSON array of small integers the store wrote itself ("[23,2323]") */
	jsonw_key(w, k);
	jsonw_arr_begin(w);
	const char *p = text;
	while (*p) {
		if (*p >= '0' && *p <= '9') {
			uint64_t v = 0;
			while (*p >= '0' && *p <= '9' && v < 100000)
				v = v * 10 + (uint64_t)(*p++ - '0');
			jsonw_u64(w, v);
		} else {
			p++;
		}
	}
	jsonw_arr_end(w);
}

/* ---- request parameters ----------------------------------------------------------------- */

struct params {
	struct range range;
	struct obs_filter f;
	int64_t bucket;
	bool csv;
};

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s || strlen(s) > 19)
		return false;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static int proto_of(const char *s)
{
	for (unsigned p = 0; p < OBS_PROTO_MAX; p++)
		if (strcmp(s, obs_proto_name(p)) == 0)
			return (int)p;
	return -1;
}

static void bad_param(struct http_resp *rs, const char *name)
{
	char en[160], ja[200];
	(void)snprintf(en, sizeof en, "The parameter %s is not valid.", name);
	(void)snprintf(ja, sizeof ja, "パラメータ %s が正しくありません。", name);
	http_error(rs, 400, "bad_parameter", en, ja);
}

/* Range, filters, bucket and format from the query. false: rs has the error. */
static bool get_params(struct obs_api *api, struct obs_store *s, const struct http_req *rq,
		       struct http_resp *rs, struct params *p)
{
	memset(p, 0, sizeof *p);
	const struct range_error *re = NULL;
	if (range_parse(rq->query(rq, "range"), rq->query(rq, "from"), rq->query(rq, "to"), rq->now,
			api->cfg.tz_offset, &p->range, &re) != 0) {
		http_error(rs, 400, re ? re->code : "bad_range",
			   re ? re->message : "The range is not valid.",
			   re ? re->message_ja : "期間が正しくありません。");
		return false;
	}
	p->f.from = p->range.from;
	p->f.to = p->range.to;
	p->f.proto = -1;
	p->f.tz_offset = api->cfg.tz_offset;
	const char *v = rq->query(rq, "proto");
	if (v && *v) {
		p->f.proto = proto_of(v);
		if (p->f.proto < 0) {
			bad_param(rs, "proto");
			return false;
		}
	}
	v = rq->query(rq, "sensor");
	if (v && *v) {
		int r = s->ops->sensor_id(s, v, &p->f.sensor_id);
		if (r != 0) {
			if (r < 0)
				store_failed(s, rs);
			else
				http_error(rs, 404, "no_sensor", "There is no sensor of that name.",
					   "その名前のセンサはありません。");
			return false;
		}
	}
	v = rq->query(rq, "org");
	if (v && *v) {
		int r = s->ops->org_id(s, v, &p->f.org_id);
		if (r != 0) {
			if (r < 0)
				store_failed(s, rs);
			else
				http_error(rs, 404, "no_org",
					   "There is no organisation of that name.",
					   "その名前の組織はありません。");
			return false;
		}
	}
	p->bucket = 86400;
	v = rq->query(rq, "bucket");
	if (v && *v) {
		if (strcmp(v, "hour") == 0)
			p->bucket = 3600;
		else if (strcmp(v, "day") != 0) {
			bad_param(rs, "bucket");
			return false;
		}
	}
	if (p->bucket == 3600 && p->f.to - p->f.from > (int64_t)31 * 86400) {
		http_error(rs, 400, "bad_bucket", "Hourly buckets are for ranges up to 31 days.",
			   "時間単位の集計は31日以内の期間に限ります。");
		return false;
	}
	v = rq->query(rq, "format");
	if (v && *v) {
		if (strcmp(v, "csv") == 0)
			p->csv = true;
		else if (strcmp(v, "json") != 0) {
			bad_param(rs, "format");
			return false;
		}
	}
	return true;
}

static bool get_count(const struct http_req *rq, struct http_resp *rs, const char *name,
		      uint64_t def, uint64_t max, size_t *out)
{
	const char *v = rq->query(rq, name);
	uint64_t x = def;
	if (v && *v && !parse_uint(v, max, &x)) {
		bad_param(rs, name);
		return false;
	}
	*out = (size_t)x;
	return true;
}

static void range_obj(struct jsonw *w, const struct params *p)
{
	jsonw_key(w, "range");
	jsonw_obj_begin(w);
	key_str(w, "id", p->range.id);
	time_str(w, "from", p->range.from);
	time_str(w, "to", p->range.to);
	jsonw_key(w, "label");
	jsonw_obj_begin(w);
	key_str(w, "en", p->range.label_en);
	key_str(w, "ja", p->range.label_ja);
	jsonw_obj_end(w);
	jsonw_obj_end(w);
}

/* An average per sensor: sum / sensors, or null when no sensor reported. */
static void avg(struct jsonw *w, uint64_t sum, uint32_t sensors)
{
	if (sum == UINT64_MAX || sensors == 0)
		jsonw_null(w);
	else
		num(w, (double)sum / sensors);
}

static void series_head(struct jsonw *w, const struct obs_series *x)
{
	jsonw_key(w, "t");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < x->n; i++)
		jsonw_i64(w, x->t[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "sensors");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < x->n; i++)
		jsonw_u64(w, x->sensors[i]);
	jsonw_arr_end(w);
}

static void series_col(struct jsonw *w, const char *k, const struct obs_series *x, size_t c)
{
	jsonw_key(w, k);
	jsonw_arr_begin(w);
	for (size_t i = 0; i < x->n; i++)
		avg(w, x->v[c * x->n + i], x->sensors[i]);
	jsonw_arr_end(w);
}

/* ---- CSV -------------------------------------------------------------------------------- */

struct csv {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void csv_raw(struct csv *c, const char *s, size_t n)
{
	if (c->failed || n == 0)
		return;
	size_t need;
	if (!ckd_size_add(c->len, n + 1, &need) || need > JSON_MAX) {
		c->failed = true;
		return;
	}
	if (need > c->cap) {
		size_t nc = c->cap ? c->cap : 4096;
		while (nc < need)
			nc *= 2;
		char *p = realloc(c->buf, nc);
		if (!p) {
			c->failed = true;
			return;
		}
		c->buf = p;
		c->cap = nc;
	}
	if (!c->buf) {
		c->failed = true;
		return;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = 0;
}

/* One field, quoted when it needs to be (RFC 4180); a leading = + - @ is prefixed with ' so a
 * spreadsheet does not run it as a formula. */
static void csv_field(struct csv *c, const char *s, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (strchr("=+-@", s[0]) && s[0] && !(s[0] == '-' && s[1] >= '0' && s[1] <= '9'))
		csv_raw(c, "'", 1);
	if (quote)
		csv_raw(c, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			csv_raw(c, "\"\"", 2);
		else
			csv_raw(c, p, 1);
	}
	if (quote)
		csv_raw(c, "\"", 1);
	csv_raw(c, last ? "\r\n" : ",", last ? 2 : 1);
}

static void csv_u64(struct csv *c, uint64_t v, bool last)
{
	char b[24];
	(void)snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	csv_field(c, b, last);
}

static void csv_finish(struct csv *c, struct http_resp *rs, const char *filename)
{
	if (c->failed) {
		free(c->buf);
		http_error(rs, 500, "internal", "The answer could not be written.",
			   "応答を作成できませんでした。");
		return;
	}
	free(rs->body);
	rs->body = c->buf ? c->buf : strdup("");
	rs->len = c->len;
	rs->status = 200;
	rs->type = "text/csv; charset=utf-8";
	rs->disposition = filename;
	rs->cacheable = true;
}

/* ---- ingest ----------------------------------------------------------------------------- */

static bool rate_take(struct obs_api *api, int64_t sensor, double now, double *retry)
{
	if (api->cfg.rate <= 0)
		return true;
	pthread_mutex_lock(&api->rate_mu);
	struct rate_slot *r = &api->rate[(uint64_t)sensor % RATE_SLOTS];
	if (r->sensor != sensor) { /* a new sensor in this slot starts full */
		r->sensor = sensor;
		r->tokens = api->cfg.burst;
		r->at = now;
	}
	r->tokens += (now - r->at) * api->cfg.rate;
	if (r->tokens > api->cfg.burst)
		r->tokens = api->cfg.burst;
	r->at = now;
	bool ok = r->tokens >= 1.0;
	if (ok)
		r->tokens -= 1.0;
	else
		*retry = (1.0 - r->tokens) / api->cfg.rate;
	pthread_mutex_unlock(&api->rate_mu);
	return ok;
}

static void h_ingest(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	const char *ct = rq->header(rq, "Content-Type");
	if (!ct || strncmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';')) {
		http_error(rs, 415, "bad_content_type", "Send the record as application/json.",
			   "レコードは application/json で送ってください。");
		return;
	}
	if (!rq->bearer) {
		http_error(rs, 401, "unauthorized", "A sensor token is needed.",
			   "センサのトークンが必要です。");
		return;
	}
	struct obs_store *s = store(api, rs);
	if (!s)
		return;
	uint8_t h[TOKEN_HASH_LEN];
	token_hash(rq->bearer, strlen(rq->bearer), h);
	struct obs_sensor_ref ref;
	int r = s->ops->sensor_by_token(s, h, &ref);
	if (r < 0) {
		http_error(rs, 503, "unavailable", "The store is not available; try again later.",
			   "ストアが利用できません。しばらくしてから再試行してください。");
		return;
	}
	if (r > 0) {
		http_error(rs, 401, "unauthorized", "The token is not a sensor's token.",
			   "このトークンはセンサのトークンではありません。");
		return;
	}
	if (!ref.enabled) {
		http_error(rs, 403, "wrong_sensor", "This sensor is disabled.",
			   "このセンサは無効にされています。");
		return;
	}
	double retry = 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!rate_take(api, ref.id, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, &retry)) {
		http_error(rs, 429, "rate_limited", "Too many records from this sensor; slow down.",
			   "このセンサからのレコードが多すぎます。間隔を空けてください。");
		rs->retry_after = (unsigned)ceil(retry) + 1;
		return;
	}
	struct obs_record rec;
	struct obs_parse_error pe;
	if (obs_record_from_json(rq->body, rq->body_len, &rec, &pe) != 0) {
		if (strcmp(pe.code, "no_memory") == 0)
			http_error(rs, 503, "unavailable", pe.message, pe.message_ja);
		else
			http_error(rs, strcmp(pe.code, "bad_json") == 0 ? 400 : 422,
				   strcmp(pe.code, "bad_json") == 0 ? "bad_json" : "bad_record",
				   pe.message, pe.message_ja);
		return;
	}
	if (strcmp(rec.sensor, ref.name) != 0) {
		obs_record_done(&rec);
		http_error(rs, 403, "wrong_sensor",
			   "The record names another sensor than the token's.",
			   "レコードのセンサ名がトークンのセンサと一致しません。");
		return;
	}
	/* countries and AS of the listed addresses, looked up here, outside the writer */
	struct obs_record_geo geo;
	if (obs_tag_record(api->cfg.geo, &rec, &geo) != 0) {
		obs_record_done(&rec);
		http_error(rs, 503, "unavailable", "Out of memory; try again later.",
			   "メモリが足りません。しばらくしてから再試行してください。");
		return;
	}
	enum obs_put_result pr = obs_ingest_submit(api->cfg.ingest, ref.id, &rec, &geo, rq->now);
	obs_tag_free(&geo);
	if (pr == OBS_PUT_ERROR) {
		obs_record_done(&rec);
		http_error(rs, 503, "unavailable", "The record could not be stored; try again.",
			   "レコードを保存できませんでした。再試行してください。");
		return;
	}
	if (pr == OBS_PUT_DUPLICATE) {
		obs_record_done(&rec);
		http_error(rs, 409, "duplicate", "This record is already stored.",
			   "このレコードは保存済みです。");
		return;
	}
	struct jsonw w;
	jsonw_init(&w, 4096);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "stored");
	jsonw_bool(&w, true);
	key_str(&w, "sensor", rec.sensor);
	key_i64(&w, "start_unix", rec.start);
	jsonw_obj_end(&w);
	obs_record_done(&rec);
	size_t len;
	char *text = jsonw_finish(&w, &len, NULL);
	if (!text) {
		http_error(rs, 500, "internal", "The answer could not be written.",
			   "応答を作成できませんでした。");
		return;
	}
	http_json(rs, 201, text, len);
}

/* ---- statistics ------------------------------------------------------------------------- */

static void h_ranges(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct range_list l;
	if (range_list_around(rq->now, api->cfg.tz_offset, &l) != 0) {
		http_error(rs, 500, "internal", "The clock is out of range.", "時計が範囲外です。");
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	key_i64(&w, "now", rq->now);
	char off[16];
	key_str(&w, "timezone", range_format_offset(api->cfg.tz_offset, off, sizeof off));
	key_str(&w, "current_quarter", l.current_quarter);
	key_str(&w, "current_year", l.current_year);
	jsonw_key(&w, "ranges");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < l.n; i++) {
		jsonw_obj_begin(&w);
		key_str(&w, "id", l.r[i].id);
		key_str(&w, "kind", range_kind_name(l.r[i].kind));
		time_str(&w, "from", l.r[i].from);
		time_str(&w, "to", l.r[i].to);
		jsonw_key(&w, "label");
		jsonw_obj_begin(&w);
		key_str(&w, "en", l.r[i].label_en);
		key_str(&w, "ja", l.r[i].label_ja);
		jsonw_obj_end(&w);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	finish(&w, rs);
	rs->cacheable = false; /* depends on the clock */
}

/* The top-ports block: "sensors", "sensor_days", "ports": [...] into the open object. */
static bool write_top(struct jsonw *w, struct obs_store *s, const struct params *p, size_t offset,
		      size_t n, struct obs_port_rank **ret, size_t *ret_n)
{
	uint64_t sensor_days = 0, sensors = 0;
	if (s->ops->top_ports(s, &p->f, offset, n, ret, ret_n, &sensor_days, &sensors) != 0)
		return false;
	key_u64(w, "sensors", sensors);
	key_u64(w, "sensor_days", sensor_days);
	jsonw_key(w, "ports");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < *ret_n; i++) {
		const struct obs_port_rank *x = &(*ret)[i];
		jsonw_obj_begin(w);
		key_u64(w, "rank", offset + i + 1);
		key_str(w, "proto", obs_proto_name(x->proto));
		key_u64(w, "port", x->port);
		key_u64(w, "packets", x->packets);
		key_num(w, "per_sensor_day",
			sensor_days ? (double)x->packets / (double)sensor_days : 0.0);
		key_u64(w, "sources", x->sources);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	return true;
}

static void h_top(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	size_t n, offset;
	if (!s || !get_params(api, s, rq, rs, &p) || !get_count(rq, rs, "n", 10, 1000, &n) ||
	    !get_count(rq, rs, "offset", 0, 100000, &offset))
		return;
	struct obs_port_rank *v = NULL;
	size_t nv = 0;
	if (p.csv) {
		uint64_t sd = 0, ns = 0;
		if (s->ops->top_ports(s, &p.f, offset, n, &v, &nv, &sd, &ns) != 0) {
			store_failed(s, rs);
			return;
		}
		struct csv c = {0};
		csv_raw(&c, "rank,proto,port,packets,per_sensor_day,sources\r\n", 48);
		for (size_t i = 0; i < nv; i++) {
			char b[400];
			csv_u64(&c, offset + i + 1, false);
			csv_field(&c, obs_proto_name(v[i].proto), false);
			csv_u64(&c, v[i].port, false);
			csv_u64(&c, v[i].packets, false);
			(void)snprintf(b, sizeof b, "%.3f",
				       sd ? (double)v[i].packets / (double)sd : 0.0);
			csv_field(&c, b, false);
			csv_u64(&c, v[i].sources, true);
		}
		free(v);
		csv_finish(&c, rs, "attachment; filename=\"keikai-top-ports.csv\"");
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	bool ok = write_top(&w, s, &p, offset, n, &v, &nv);
	free(v);
	jsonw_obj_end(&w);
	if (!ok) {
		free(jsonw_finish(&w, &n, NULL));
		store_failed(s, rs);
		return;
	}
	finish(&w, rs);
}

/* "ports=tcp/23,udp/53" into keys; false with rs set. */
static bool get_ports(const struct http_req *rq, struct http_resp *rs, struct obs_port_key *keys,
		      size_t max, size_t *n)
{
	const char *v = rq->query(rq, "ports");
	*n = 0;
	if (!v || !*v || strlen(v) > 1024) {
		bad_param(rs, "ports");
		return false;
	}
	char buf[1100];
	(void)snprintf(buf, sizeof buf, "%s", v);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(tok, '/');
		uint64_t port;
		if (!slash || *n >= max)
			goto bad;
		*slash = 0;
		int proto = proto_of(tok);
		if (proto < 0 || !parse_uint(slash + 1, 65535, &port))
			goto bad;
		keys[*n].proto = (uint8_t)proto;
		keys[*n].port = (uint16_t)port;
		(*n)++;
	}
	if (*n > 0)
		return true;
bad:
	bad_param(rs, "ports");
	return false;
}

static bool write_series(struct jsonw *w, struct obs_store *s, const struct params *p,
			 const struct obs_port_key *keys, size_t n, bool head)
{
	struct obs_series pk, src;
	if (s->ops->port_series(s, &p->f, p->bucket, keys, n, &pk, &src) != 0)
		return false;
	if (head)
		series_head(w, &pk);
	jsonw_key(w, "series");
	jsonw_arr_begin(w);
	for (size_t c = 0; c < n; c++) {
		jsonw_obj_begin(w);
		key_str(w, "proto", obs_proto_name(keys[c].proto));
		key_u64(w, "port", keys[c].port);
		series_col(w, "packets", &pk, c);
		series_col(w, "sources", &src, c);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	obs_series_done(&pk);
	obs_series_done(&src);
	return true;
}

static void h_series(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	struct obs_port_key keys[20];
	size_t n;
	if (!s || !get_params(api, s, rq, rs, &p) || !get_ports(rq, rs, keys, 20, &n))
		return;
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	key_str(&w, "bucket", p.bucket == 3600 ? "hour" : "day");
	bool ok = write_series(&w, s, &p, keys, n, true);
	jsonw_obj_end(&w);
	if (!ok) {
		free(jsonw_finish(&w, &n, NULL));
		store_failed(s, rs);
		return;
	}
	finish(&w, rs);
}

/* Top ports and their series into the open object. */
static bool write_top_series(struct jsonw *w, struct obs_store *s, const struct params *p,
			     size_t offset, size_t n, bool head)
{
	struct obs_port_rank *v = NULL;
	size_t nv = 0;
	if (!write_top(w, s, p, offset, n, &v, &nv))
		return false;
	struct obs_port_key keys[50];
	size_t k = 0;
	for (; k < nv && k < 50; k++) {
		keys[k].proto = v[k].proto;
		keys[k].port = v[k].port;
	}
	free(v);
	if (k == 0) {
		if (head) {
			struct obs_series pk, src;
			if (s->ops->port_series(s, &p->f, p->bucket, keys, 0, &pk, &src) != 0)
				return false;
			series_head(w, &pk);
			obs_series_done(&pk);
			obs_series_done(&src);
		}
		jsonw_key(w, "series");
		jsonw_arr_begin(w);
		jsonw_arr_end(w);
		return true;
	}
	return write_series(w, s, p, keys, k, head);
}

static void h_top_series(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	size_t n, offset;
	if (!s || !get_params(api, s, rq, rs, &p) || !get_count(rq, rs, "n", 5, 50, &n) ||
	    !get_count(rq, rs, "offset", 0, 100000, &offset))
		return;
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	key_str(&w, "bucket", p.bucket == 3600 ? "hour" : "day");
	bool ok = write_top_series(&w, s, &p, offset, n, true);
	jsonw_obj_end(&w);
	if (!ok) {
		free(jsonw_finish(&w, &n, NULL));
		store_failed(s, rs);
		return;
	}
	finish(&w, rs);
}

static const char *const total_names[OBS_TOTAL_COLS] = {"packets", "tcp",   "udp",   "icmp",
							"icmp6",   "other", "probe", "backscatter"};

static bool write_totals(struct jsonw *w, struct obs_store *s, const struct params *p, bool head)
{
	struct obs_series x;
	if (s->ops->totals(s, &p->f, p->bucket, &x) != 0)
		return false;
	if (head)
		series_head(w, &x);
	for (size_t c = 0; c < OBS_TOTAL_COLS; c++)
		series_col(w, total_names[c], &x, c);
	obs_series_done(&x);
	return true;
}

static void h_totals(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	if (!s || !get_params(api, s, rq, rs, &p))
		return;
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	key_str(&w, "bucket", p.bucket == 3600 ? "hour" : "day");
	bool ok = write_totals(&w, s, &p, true);
	jsonw_obj_end(&w);
	if (!ok) {
		size_t n;
		free(jsonw_finish(&w, &n, NULL));
		store_failed(s, rs);
		return;
	}
	finish(&w, rs);
}

static bool get_by(const struct http_req *rq, struct http_resp *rs, bool *by_as)
{
	const char *v = rq->query(rq, "by");
	*by_as = false;
	if (!v || !*v || strcmp(v, "country") == 0)
		return true;
	if (strcmp(v, "as") == 0) {
		*by_as = true;
		return true;
	}
	bad_param(rs, "by");
	return false;
}

static void region_name(struct jsonw *w, const struct obs_region_rank *x, bool by_as)
{
	jsonw_key(w, "name");
	jsonw_obj_begin(w);
	if (by_as) {
		key_str(w, "en", x->code);
		key_str(w, "ja", x->code);
	} else {
		const char *en = geo_country_name(x->code, "en"),
			   *ja = geo_country_name(x->code, "ja");
		key_str(w, "en", en ? en : x->code);
		key_str(w, "ja", ja ? ja : (en ? en : x->code));
	}
	jsonw_obj_end(w);
}

static bool write_regions(struct jsonw *w, struct obs_store *s, const struct params *p, bool by_as,
			  size_t offset, size_t n)
{
	struct obs_region_rank *v = NULL;
	size_t nv = 0;
	uint64_t attributed = 0, all = 0, sensor_days = 0, sensors = 0;
	if (s->ops->top_regions(s, &p->f, by_as, offset, n, &v, &nv, &attributed, &all) != 0)
		return false;
	struct obs_port_rank *none = NULL;
	size_t nn = 0;
	if (s->ops->top_ports(s, &p->f, 0, 0, &none, &nn, &sensor_days, &sensors) != 0) {
		free(v);
		return false;
	}
	free(none);
	key_str(w, "by", by_as ? "as" : "country");
	key_num(w, "coverage", all ? (double)attributed / (double)all : 0.0);
	jsonw_key(w, "regions");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < nv; i++) {
		jsonw_obj_begin(w);
		key_u64(w, "rank", offset + i + 1);
		key_str(w, "code", v[i].code);
		region_name(w, &v[i], by_as);
		key_u64(w, "packets", v[i].packets);
		key_num(w, "per_sensor_day",
			sensor_days ? (double)v[i].packets / (double)sensor_days : 0.0);
		key_u64(w, "sources", v[i].sources);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	free(v);
	return true;
}

static void h_regions(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	size_t n, offset;
	bool by_as;
	if (!s || !get_params(api, s, rq, rs, &p) || !get_count(rq, rs, "n", 10, 1000, &n) ||
	    !get_count(rq, rs, "offset", 0, 100000, &offset) || !get_by(rq, rs, &by_as))
		return;
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	bool ok = write_regions(&w, s, &p, by_as, offset, n);
	jsonw_obj_end(&w);
	if (!ok) {
		free(jsonw_finish(&w, &n, NULL));
		store_failed(s, rs);
		return;
	}
	finish(&w, rs);
}

static void h_region_series(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	bool by_as;
	if (!s || !get_params(api, s, rq, rs, &p) || !get_by(rq, rs, &by_as))
		return;
	const char *v = rq->query(rq, "regions");
	if (!v || !*v || strlen(v) > 512) {
		bad_param(rs, "regions");
		return;
	}
	char buf[600];
	(void)snprintf(buf, sizeof buf, "%s", v);
	const char *codes[20];
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t l = strlen(tok);
		if (n >= 20 || l == 0 || l > 12) {
			bad_param(rs, "regions");
			return;
		}
		codes[n++] = tok;
	}
	struct obs_series x;
	if (s->ops->region_series(s, &p.f, by_as, p.bucket, codes, n, &x) != 0) {
		store_failed(s, rs);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	key_str(&w, "bucket", "day");
	key_str(&w, "by", by_as ? "as" : "country");
	series_head(&w, &x);
	jsonw_key(&w, "series");
	jsonw_arr_begin(&w);
	for (size_t c = 0; c < n; c++) {
		jsonw_obj_begin(&w);
		key_str(&w, "code", codes[c]);
		series_col(&w, "packets", &x, c);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	obs_series_done(&x);
	finish(&w, rs);
}

/* ---- events ----------------------------------------------------------------------------- */

static void as_name_of(struct obs_api *api, const char *addr, char *buf, size_t size)
{
	struct ip_addr a;
	struct geo_info gi;
	buf[0] = 0;
	if (api->cfg.geo && ip_addr_parse(addr, &a) == 0 && geo_lookup(api->cfg.geo, &a, &gi) == 0)
		(void)snprintf(buf, size, "%s", gi.as_name);
}

static void h_scanners(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	size_t limit;
	if (!s || !get_params(api, s, rq, rs, &p) ||
	    !get_count(rq, rs, "limit", 100, 10000, &limit))
		return;
	const char *tool = rq->query(rq, "tool");
	if (tool && *tool && strcmp(tool, "zmap") != 0 && strcmp(tool, "masscan") != 0 &&
	    strcmp(tool, "mirai") != 0) {
		bad_param(rs, "tool");
		return;
	}
	if (tool && !*tool)
		tool = NULL;
	struct obs_scanner_row *v = NULL;
	size_t n = 0;
	if (s->ops->scanners(s, &p.f, tool, limit, &v, &n) != 0) {
		store_failed(s, rs);
		return;
	}
	char asn[128];
	if (p.csv) {
		struct csv c = {0};
		const char *h = "src,country,asn,as_name,packets,intervals,sensors,proto,ports,"
				"destinations,targets,tool,first,last\r\n";
		csv_raw(&c, h, strlen(h));
		for (size_t i = 0; i < n; i++) {
			char b[40];
			as_name_of(api, v[i].src, asn, sizeof asn);
			csv_field(&c, v[i].src, false);
			csv_field(&c, v[i].cc, false);
			csv_u64(&c, v[i].asn, false);
			csv_field(&c, asn, false);
			csv_u64(&c, v[i].packets, false);
			csv_u64(&c, v[i].intervals, false);
			csv_u64(&c, v[i].sensors, false);
			csv_field(&c, obs_proto_name(v[i].proto), false);
			csv_field(&c, v[i].ports, false);
			csv_u64(&c, v[i].destinations, false);
			csv_u64(&c, v[i].targets, false);
			csv_field(&c, v[i].tool, false);
			csv_field(&c, obs_format_time_usec((uint64_t)v[i].first_usec, b, sizeof b),
				  false);
			csv_field(&c, obs_format_time_usec((uint64_t)v[i].last_usec, b, sizeof b),
				  true);
		}
		free(v);
		csv_finish(&c, rs, "attachment; filename=\"keikai-scanners.csv\"");
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	jsonw_key(&w, "scanners");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct obs_scanner_row *x = &v[i];
		as_name_of(api, x->src, asn, sizeof asn);
		jsonw_obj_begin(&w);
		key_str(&w, "src", x->src);
		key_str(&w, "country", x->cc);
		key_u64(&w, "asn", x->asn);
		key_str(&w, "as_name", asn);
		key_u64(&w, "packets", x->packets);
		key_u64(&w, "intervals", x->intervals);
		key_u64(&w, "sensors", x->sensors);
		key_str(&w, "proto", obs_proto_name(x->proto));
		raw_array(&w, "ports", x->ports);
		key_u64(&w, "destinations", x->destinations);
		key_u64(&w, "targets", x->targets);
		jsonw_key(&w, "tool");
		if (x->tool[0])
			jsonw_str(&w, x->tool);
		else
			jsonw_null(&w);
		usec_str(&w, "first", x->first_usec);
		usec_str(&w, "last", x->last_usec);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	free(v);
	finish(&w, rs);
}

static void h_dos(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	size_t limit;
	if (!s || !get_params(api, s, rq, rs, &p) ||
	    !get_count(rq, rs, "limit", 100, 10000, &limit))
		return;
	struct obs_dos_row *v = NULL;
	size_t n = 0;
	if (s->ops->dos(s, &p.f, limit, &v, &n) != 0) {
		store_failed(s, rs);
		return;
	}
	char asn[128];
	if (p.csv) {
		struct csv c = {0};
		const char *h = "victim,country,asn,as_name,proto,ports,sensors,packets,"
				"destinations,peak_per_min,start,end,duration,ongoing\r\n";
		csv_raw(&c, h, strlen(h));
		for (size_t i = 0; i < n; i++) {
			char b[40];
			as_name_of(api, v[i].victim, asn, sizeof asn);
			csv_field(&c, v[i].victim, false);
			csv_field(&c, v[i].cc, false);
			csv_u64(&c, v[i].asn, false);
			csv_field(&c, asn, false);
			csv_field(&c, obs_proto_name(v[i].proto), false);
			csv_field(&c, v[i].ports, false);
			csv_u64(&c, v[i].sensors, false);
			csv_u64(&c, v[i].packets, false);
			csv_u64(&c, v[i].destinations, false);
			csv_u64(&c, v[i].peak_per_min, false);
			csv_field(&c, obs_format_time_usec((uint64_t)v[i].start_usec, b, sizeof b),
				  false);
			csv_field(&c, obs_format_time_usec((uint64_t)v[i].last_usec, b, sizeof b),
				  false);
			csv_u64(&c, (uint64_t)(v[i].last_usec - v[i].start_usec) / 1000000, false);
			csv_field(&c, v[i].ongoing ? "true" : "false", true);
		}
		free(v);
		csv_finish(&c, rs, "attachment; filename=\"keikai-dos.csv\"");
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	jsonw_key(&w, "attacks");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct obs_dos_row *x = &v[i];
		as_name_of(api, x->victim, asn, sizeof asn);
		jsonw_obj_begin(&w);
		key_str(&w, "victim", x->victim);
		key_str(&w, "country", x->cc);
		key_u64(&w, "asn", x->asn);
		key_str(&w, "as_name", asn);
		key_str(&w, "proto", obs_proto_name(x->proto));
		raw_array(&w, "ports", x->ports);
		key_u64(&w, "sensors", x->sensors);
		key_u64(&w, "packets", x->packets);
		key_u64(&w, "destinations", x->destinations);
		key_u64(&w, "peak_per_min", x->peak_per_min);
		usec_str(&w, "start", x->start_usec);
		usec_str(&w, "end", x->last_usec);
		key_i64(&w, "duration", (x->last_usec - x->start_usec) / 1000000);
		jsonw_key(&w, "ongoing");
		jsonw_bool(&w, x->ongoing);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	free(v);
	finish(&w, rs);
}

static void day_str(int64_t t, int32_t off, char *buf, size_t size)
{
	char u[32];
	range_format_utc(t + off, u, sizeof u); /* the zone's calendar date */
	(void)snprintf(buf, size, "%.10s", u);
}

static void write_surges(struct jsonw *w, struct obs_api *api, const struct obs_surge_row *v,
			 size_t n)
{
	jsonw_key(w, "surges");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		char d[16];
		day_str(v[i].day, api->cfg.tz_offset, d, sizeof d);
		jsonw_obj_begin(w);
		key_str(w, "day", d);
		key_i64(w, "t", v[i].day);
		key_str(w, "proto", obs_proto_name(v[i].proto));
		key_u64(w, "port", v[i].port);
		key_str(w, "kind", v[i].kind);
		key_num(w, "value", v[i].value);
		key_num(w, "median", v[i].median);
		key_num(w, "iqr", v[i].iqr);
		key_num(w, "mean", v[i].mean);
		key_num(w, "sd", v[i].sd);
		key_u64(w, "rank", v[i].rank);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void h_surges(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	if (!s || !get_params(api, s, rq, rs, &p))
		return;
	struct obs_surge_row *v = NULL;
	size_t n = 0;
	if (s->ops->surges(s, &p.f, &v, &n) != 0) {
		store_failed(s, rs);
		return;
	}
	if (p.csv) {
		struct csv c = {0};
		const char *h = "day,proto,port,kind,value,median,iqr,mean,sd,rank\r\n";
		csv_raw(&c, h, strlen(h));
		for (size_t i = 0; i < n; i++) {
			char d[16], b[400];
			day_str(v[i].day, api->cfg.tz_offset, d, sizeof d);
			csv_field(&c, d, false);
			csv_field(&c, obs_proto_name(v[i].proto), false);
			csv_u64(&c, v[i].port, false);
			csv_field(&c, v[i].kind, false);
			const double xs[] = {v[i].value, v[i].median, v[i].iqr, v[i].mean, v[i].sd};
			for (size_t k = 0; k < 5; k++) {
				(void)snprintf(b, sizeof b, "%.3f", xs[k]);
				csv_field(&c, b, false);
			}
			csv_u64(&c, v[i].rank, true);
		}
		free(v);
		csv_finish(&c, rs, "attachment; filename=\"keikai-surges.csv\"");
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	write_surges(&w, api, v, n);
	jsonw_obj_end(&w);
	free(v);
	finish(&w, rs);
}

/* ---- sensors ---------------------------------------------------------------------------- */

static const char *sensor_status(const struct obs_sensor_info *x, int64_t now)
{
	if (x->last_received == 0)
		return "never";
	int64_t iv = x->interval ? x->interval : 300;
	if (x->last_end >= now - 2 * iv - 60)
		return "ok";
	if (x->last_end >= now - 86400)
		return "late";
	return "silent";
}

static void h_sensors(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	if (!s)
		return;
	struct obs_sensor_info *v = NULL;
	size_t n = 0;
	if (s->ops->sensors(s, rq->now, &v, &n) != 0) {
		store_failed(s, rs);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "sensors");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct obs_sensor_info *x = &v[i];
		jsonw_obj_begin(&w);
		key_str(&w, "name", x->name);
		key_str(&w, "org", x->org);
		key_str(&w, "region", x->region);
		key_str(&w, "location", x->location);
		jsonw_key(&w, "prefixes");
		jsonw_arr_begin(&w);
		char buf[sizeof x->prefixes], *save = NULL;
		(void)snprintf(buf, sizeof buf, "%s", x->prefixes);
		for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			jsonw_str(&w, t);
		jsonw_arr_end(&w);
		jsonw_key(&w, "enabled");
		jsonw_bool(&w, x->enabled);
		jsonw_key(&w, "last_record");
		if (x->last_received) {
			char b[32];
			jsonw_str(&w, range_format_utc(x->last_received, b, sizeof b));
			time_str(&w, "last_start", x->last_start);
			time_str(&w, "last_end", x->last_end);
		} else {
			jsonw_null(&w);
		}
		key_u64(&w, "records_24h", x->records_24h);
		/* intervals missing in the last 24 h (or since the sensor was added) */
		int64_t span = rq->now - x->created < 86400 ? rq->now - x->created : 86400;
		uint64_t expected = x->interval && span > 0 ? (uint64_t)span / x->interval : 0;
		uint64_t covered = x->interval ? x->seconds_24h / x->interval : 0;
		key_u64(&w, "gaps_24h",
			x->last_received && expected > covered ? expected - covered : 0);
		key_u64(&w, "kernel_drops_24h", x->kernel_drops_24h);
		key_u64(&w, "if_drops_24h", x->if_drops_24h);
		key_str(&w, "status", sensor_status(x, rq->now));
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	free(v);
	finish(&w, rs);
	rs->cacheable = false; /* health depends on the clock */
}

static void h_orgs(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	(void)rq;
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	if (!s)
		return;
	struct obs_org_info *v = NULL;
	size_t n = 0;
	if (s->ops->orgs(s, &v, &n) != 0) {
		store_failed(s, rs);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "orgs");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		jsonw_obj_begin(&w);
		key_str(&w, "name", v[i].name);
		key_u64(&w, "sensors", v[i].sensors);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	free(v);
	finish(&w, rs);
}

/* ---- the ISDAS page --------------------------------------------------------------------- */

static void h_overview(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	struct params p;
	if (!s || !get_params(api, s, rq, rs, &p))
		return;
	struct obs_surge_row *sv = NULL;
	size_t ns = 0;
	struct jsonw w;
	jsonw_init(&w, JSON_MAX);
	jsonw_obj_begin(&w);
	range_obj(&w, &p);
	key_str(&w, "bucket", p.bucket == 3600 ? "hour" : "day");
	/* one set of buckets for the whole page, as in docs/api-obs.md */
	struct obs_series x;
	bool ok = s->ops->totals(s, &p.f, p.bucket, &x) == 0;
	if (ok) {
		series_head(&w, &x);
		jsonw_key(&w, "totals");
		jsonw_obj_begin(&w);
		for (size_t c = 0; c < OBS_TOTAL_COLS; c++)
			series_col(&w, total_names[c], &x, c);
		jsonw_obj_end(&w);
		obs_series_done(&x);
	}
	jsonw_key(&w, "top1_5");
	jsonw_obj_begin(&w);
	ok = ok && write_top_series(&w, s, &p, 0, 5, false);
	jsonw_obj_end(&w);
	jsonw_key(&w, "top6_10");
	jsonw_obj_begin(&w);
	ok = ok && write_top_series(&w, s, &p, 5, 5, false);
	jsonw_obj_end(&w);
	jsonw_key(&w, "regions");
	jsonw_obj_begin(&w);
	ok = ok && write_regions(&w, s, &p, false, 0, 10);
	jsonw_obj_end(&w);
	ok = ok && s->ops->surges(s, &p.f, &sv, &ns) == 0;
	if (ok)
		write_surges(&w, api, sv, ns);
	free(sv);
	jsonw_obj_end(&w);
	if (!ok) {
		size_t n;
		free(jsonw_finish(&w, &n, NULL));
		store_failed(s, rs);
		return;
	}
	finish(&w, rs);
}

/* ---- administration --------------------------------------------------------------------- */

static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

static json_t *body_object(const struct http_req *rq, struct http_resp *rs)
{
	json_error_t je;
	json_t *o = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		http_error(rs, 400, "bad_json", "The body is not a JSON object.",
			   "本文が JSON オブジェクトではありません。");
		return NULL;
	}
	return o;
}

static const char *opt_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void created(struct http_resp *rs, const char *k1, const char *v1, const char *k2,
		    const char *v2)
{
	struct jsonw w;
	jsonw_init(&w, 4096);
	jsonw_obj_begin(&w);
	key_str(&w, k1, v1);
	if (k2)
		key_str(&w, k2, v2);
	jsonw_obj_end(&w);
	size_t len;
	char *t = jsonw_finish(&w, &len, NULL);
	if (t)
		http_json(rs, 201, t, len);
	else
		http_error(rs, 500, "internal", "The answer could not be written.",
			   "応答を作成できませんでした。");
}

static void store_write_error(struct obs_store *s, struct http_resp *rs, int r)
{
	if (r == -EEXIST)
		http_error(rs, 409, "exists", "An object of that name exists already.",
			   "同じ名前のものが既にあります。");
	else if (r == -ENOENT)
		http_error(rs, 404, "not_found", s->ops->errmsg(s), "見つかりません。");
	else
		store_failed(s, rs);
}

static void h_org_add(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	json_t *o = s ? body_object(rq, rs) : NULL;
	if (!o)
		return;
	const char *name = opt_str(o, "name");
	if (!name || strlen(name) == 0 || strlen(name) >= OBS_NAME_MAX) {
		json_decref(o);
		http_error(rs, 422, "bad_name", "An organisation needs a name of 1 to 127 bytes.",
			   "組織名は1〜127バイトで指定してください。");
		return;
	}
	int r = s->ops->org_add(s, name);
	if (r != 0)
		store_write_error(s, rs, r);
	else
		created(rs, "name", name, NULL, NULL);
	json_decref(o);
}

static void h_sensor_add(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	json_t *o = s ? body_object(rq, rs) : NULL;
	if (!o)
		return;
	const char *name = opt_str(o, "name"), *org = opt_str(o, "org");
	const char *region = opt_str(o, "region"), *loc = opt_str(o, "location");
	const char *prefixes = opt_str(o, "prefixes");
	if (!name || !valid_name(name, OBS_SENSOR_ID_MAX) || !org ||
	    (region && strlen(region) > 7) || (loc && strlen(loc) >= OBS_NAME_MAX) ||
	    (prefixes && strlen(prefixes) >= 512)) {
		json_decref(o);
		http_error(rs, 422, "bad_sensor",
			   "A sensor needs name (1-63 of A-Z a-z 0-9 . _ -) and org; region, "
			   "location and prefixes are optional.",
			   "センサには name (A-Z a-z 0-9 . _ - の1〜63文字) と org が必要です。"
			   "region、location、prefixes は任意です。");
		return;
	}
	char tok[TOKEN_LEN + 1];
	uint8_t h[TOKEN_HASH_LEN];
	token_new(tok, sizeof tok);
	token_hash(tok, strlen(tok), h);
	int r = s->ops->sensor_add(s, name, org, region, loc, prefixes, h);
	if (r != 0)
		store_write_error(s, rs, r);
	else
		created(rs, "name", name, "token", tok);
	json_decref(o);
}

static void h_sensor_token(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	if (!s)
		return;
	const char *name = rq->args[0];
	char tok[TOKEN_LEN + 1];
	uint8_t h[TOKEN_HASH_LEN];
	token_new(tok, sizeof tok);
	token_hash(tok, strlen(tok), h);
	int r = s->ops->sensor_set_token(s, name, h);
	if (r != 0)
		store_write_error(s, rs, r);
	else
		created(rs, "name", name, "token", tok);
}

static void sensor_enable(void *ctx, const struct http_req *rq, struct http_resp *rs, bool on)
{
	struct obs_api *api = ctx;
	struct obs_store *s = store(api, rs);
	if (!s)
		return;
	int r = s->ops->sensor_enable(s, rq->args[0], on);
	if (r != 0)
		store_write_error(s, rs, r);
	else
		created(rs, "name", rq->args[0], "state", on ? "enabled" : "disabled");
	if (r == 0)
		rs->status = 200;
}

static void h_sensor_enable(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	sensor_enable(ctx, rq, rs, true);
}

static void h_sensor_disable(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	sensor_enable(ctx, rq, rs, false);
}

static void h_rollup(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	(void)rq;
	struct obs_api *api = ctx;
	if (obs_ingest_flush(api->cfg.ingest) != 0) {
		http_error(rs, 500, "internal", "The rollup failed; the server log has the reason.",
			   "集計に失敗しました。理由はサーバのログにあります。");
		return;
	}
	struct obs_ingest_stats st;
	obs_ingest_stats(api->cfg.ingest, &st);
	struct jsonw w;
	jsonw_init(&w, 4096);
	jsonw_obj_begin(&w);
	key_u64(&w, "stored", st.stored);
	key_u64(&w, "duplicates", st.duplicates);
	key_u64(&w, "failed", st.failed);
	key_u64(&w, "commits", st.commits);
	key_u64(&w, "rolled_records", st.rolled_records);
	key_u64(&w, "generation", obs_ingest_generation(api->cfg.ingest));
	jsonw_obj_end(&w);
	size_t len;
	char *t = jsonw_finish(&w, &len, NULL);
	if (t)
		http_json(rs, 200, t, len);
	else
		http_error(rs, 500, "internal", "The answer could not be written.",
			   "応答を作成できませんでした。");
}

/* ---- wiring ----------------------------------------------------------------------------- */

struct obs_api *obs_api_new(const struct obs_api_config *cfg)
{
	struct obs_api *api = calloc(1, sizeof *api);
	if (!api)
		return NULL;
	api->cfg = *cfg;
	if (api->cfg.burst < 1)
		api->cfg.burst = 1;
	for (size_t i = 0; i < RATE_SLOTS; i++)
		api->rate[i].sensor = -1;
	if (pthread_key_create(&api->tls, tls_close) != 0) {
		free(api);
		return NULL;
	}
	pthread_mutex_init(&api->rate_mu, NULL);
	return api;
}

void obs_api_free(struct obs_api *api)
{
	if (!api)
		return;
	/* the calling thread's own handle; the server threads closed theirs when they ended */
	tls_close(pthread_getspecific(api->tls));
	(void)pthread_setspecific(api->tls, NULL);
	pthread_key_delete(api->tls);
	pthread_mutex_destroy(&api->rate_mu);
	free(api);
}

size_t obs_api_routes(struct obs_api *api, struct http_route *out, size_t max)
{
	enum http_role stats = api->cfg.public_stats ? HTTP_ANON : HTTP_READER;
	enum http_role events = api->cfg.public_events ? HTTP_ANON : HTTP_READER;
	const struct http_route r[] = {
	    {"POST", "/api/v1/obs/intervals", h_ingest, api, HTTP_ANON},
	    {"GET", "/api/v1/obs/ranges", h_ranges, api, stats},
	    {"GET", "/api/v1/obs/ports/top", h_top, api, stats},
	    {"GET", "/api/v1/obs/ports/series", h_series, api, stats},
	    {"GET", "/api/v1/obs/ports/top-series", h_top_series, api, stats},
	    {"GET", "/api/v1/obs/totals", h_totals, api, stats},
	    {"GET", "/api/v1/obs/regions/top", h_regions, api, stats},
	    {"GET", "/api/v1/obs/regions/series", h_region_series, api, stats},
	    {"GET", "/api/v1/obs/surges", h_surges, api, stats},
	    {"GET", "/api/v1/obs/overview", h_overview, api, stats},
	    {"GET", "/api/v1/obs/sensors", h_sensors, api, stats},
	    {"GET", "/api/v1/obs/orgs", h_orgs, api, stats},
	    {"GET", "/api/v1/obs/scanners", h_scanners, api, events},
	    {"GET", "/api/v1/obs/dos", h_dos, api, events},
	    {"POST", "/api/v1/admin/orgs", h_org_add, api, HTTP_ADMIN},
	    {"POST", "/api/v1/admin/sensors", h_sensor_add, api, HTTP_ADMIN},
	    {"POST", "/api/v1/admin/sensors/*/token", h_sensor_token, api, HTTP_ADMIN},
	    {"POST", "/api/v1/admin/sensors/*/enable", h_sensor_enable, api, HTTP_ADMIN},
	    {"POST", "/api/v1/admin/sensors/*/disable", h_sensor_disable, api, HTTP_ADMIN},
	    {"POST", "/api/v1/admin/rollup", h_rollup, api, HTTP_ADMIN},
	};
	size_t n = sizeof r / sizeof r[0];
	if (n > max)
		n = max;
	memcpy(out, r, n * sizeof r[0]);
	return n;
}
