/* session.c - the accounts API (docs/api-incident.md "Accounts and sessions", docs/accounts.md) */
#include "session.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/auth.h"
#include "../lib/db.h"
#include "../lib/jsonw.h"
#include "../lib/token.h"

#include "../lib/banned.h"

struct session_api {
	char *db_path;
	struct account_config cfg;
	bool tls;
	pthread_key_t db_key;
};

static void db_close(void *p)
{
	sqlite3_close(p);
}

struct session_api *session_api_new(const char *db_path, const struct account_config *c, bool tls)
{
	struct session_api *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->db_path = strdup(db_path);
	a->cfg = *c;
	a->tls = tls;
	if (!a->db_path || pthread_key_create(&a->db_key, db_close) != 0) {
		free(a->db_path);
		free(a);
		return NULL;
	}
	return a;
}

void session_api_free(struct session_api *a)
{
	if (!a)
		return;
	sqlite3 *db = pthread_getspecific(a->db_key);
	if (db) {
		(void)pthread_setspecific(a->db_key, NULL);
		sqlite3_close(db);
	}
	(void)pthread_key_delete(a->db_key);
	free(a->db_path);
	free(a);
}

/* This thread's connection, opened on first use; NULL when the database cannot be opened. */
static sqlite3 *thread_db(struct session_api *a)
{
	sqlite3 *db = pthread_getspecific(a->db_key);
	if (db)
		return db;
	char err[256];
	if (db_open(a->db_path, &db, err, sizeof err) != 0)
		return NULL;
	if (pthread_setspecific(a->db_key, db) != 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

int session_api_caller(struct session_api *a, const char *bearer, const char *cookie, int64_t now,
		       struct session_caller *ret)
{
	memset(ret, 0, sizeof *ret);
	if (!bearer && !cookie)
		return 0;
	sqlite3 *db = thread_db(a);
	if (!db)
		return -1;
	if (bearer) {
		uint8_t h[TOKEN_HASH_LEN];
		token_hash(bearer, strlen(bearer), h);
		enum http_role role;
		char name[ACCOUNT_NAME_MAX + 1 - 6]; /* room for "token:" before it */
		int r = auth_token_role(db, h, &role, name, sizeof name);
		if (r < 0)
			return -1;
		if (r == 0) {
			/* a token of `keikai token add` belongs to no user: the audit names it */
			ret->role = role;
			(void)snprintf(ret->user_name, sizeof ret->user_name, "token:%s", name);
			return 0;
		}
		struct account_user u;
		r = account_token_user(db, h, now, &u);
		if (r != 0)
			return r;
		ret->role = u.role;
		ret->user_id = u.id;
		memcpy(ret->user_name, u.name, sizeof ret->user_name);
		return 0;
	}
	struct account_session s;
	int r = account_session_lookup(db, &a->cfg, cookie, now, &s);
	if (r != 0)
		return r;
	ret->role = s.user.role;
	ret->user_id = s.user.id;
	memcpy(ret->user_name, s.user.name, sizeof ret->user_name);
	ret->by_cookie = true;
	memcpy(ret->csrf, s.csrf, sizeof ret->csrf);
	return 0;
}

/* ---- answers ---------------------------------------------------------------------------- */

static void unavailable(struct http_resp *rs)
{
	http_error(rs, 503, "unavailable", "Try again later.",
		   "しばらくしてから再試行してください。");
}

static void finish(struct http_resp *rs, unsigned status, struct jsonw *w)
{
	size_t len = 0;
	char *t = jsonw_finish(w, &len, NULL);
	if (!t) {
		http_error(rs, 500, "internal", "The answer could not be made.",
			   "応答を作れませんでした。");
		return;
	}
	http_json(rs, status, t, len);
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

/* A string member: its value, NULL when absent; *bad set when present but not a string. */
static const char *str_member(json_t *o, const char *k, bool *bad)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

static void bad_field(struct http_resp *rs, const char *en, const char *ja)
{
	http_error(rs, 422, "bad_field", en, ja);
}

static void session_body(struct jsonw *w, const struct account_session *s)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "user");
	jsonw_str(w, s->user.name);
	jsonw_key(w, "display");
	jsonw_str(w, s->user.display);
	jsonw_key(w, "role");
	jsonw_str(w, account_role_name(s->user.role));
	jsonw_key(w, "lang");
	jsonw_str(w, s->user.lang);
	jsonw_key(w, "csrf");
	jsonw_str(w, s->csrf);
	jsonw_key(w, "expires");
	jsonw_i64(w, s->expires);
	jsonw_obj_end(w);
}

/* ---- sign-in and sessions --------------------------------------------------------------- */

static void h_login(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct session_api *a = ctx;
	json_t *o = body_object(rq, rs);
	if (!o)
		return;
	bool bad = false;
	const char *user = str_member(o, "user", &bad), *pw = str_member(o, "password", &bad);
	if (bad || !user || !pw) {
		json_decref(o);
		http_error(rs, 400, "bad_request", "Give user and password.",
			   "user と password を指定してください。");
		return;
	}
	sqlite3 *db = thread_db(a);
	struct account_session s;
	unsigned retry = 0;
	int r = db ? account_login(db, &a->cfg, user, pw, rq->client, rq->now, &s, &retry) : -1;
	json_decref(o);
	if (r < 0) {
		unavailable(rs);
		return;
	}
	if (r == ACCOUNT_LOGIN_THROTTLED) {
		http_error(rs, 429, "throttled", "Too many failed sign-ins; wait and try again.",
			   "サインインの失敗が多すぎます。しばらく待ってから再試行してください。");
		rs->retry_after = retry ? retry : 1;
		return;
	}
	if (r != ACCOUNT_LOGIN_OK) {
		http_error(rs, 401, "bad_login", "Wrong user name or password.",
			   "ユーザ名またはパスワードが違います。");
		return;
	}
	char cookie[160];
	(void)snprintf(cookie, sizeof cookie, "kk_session=%s; HttpOnly; SameSite=Strict; Path=/%s",
		       s.id, a->tls ? "; Secure" : "");
	rs->set_cookie = strdup(cookie);
	memset(cookie, 0, sizeof cookie);
	if (!rs->set_cookie) {
		unavailable(rs);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, 4096);
	session_body(&w, &s);
	memset(&s, 0, sizeof s);
	finish(rs, 200, &w);
}

/* The caller's session, answered with 401 no_session when it came without one. */
static int current_session(struct session_api *a, const struct http_req *rq, struct http_resp *rs,
			   sqlite3 **ret_db, struct account_session *s)
{
	if (!rq->session) {
		http_error(rs, 401, "no_session", "This needs a signed-in session.",
			   "サインインしたセッションが必要です。");
		return -1;
	}
	sqlite3 *db = thread_db(a);
	int r = db ? account_session_lookup(db, &a->cfg, rq->session, rq->now, s) : -1;
	if (r < 0) {
		unavailable(rs);
		return -1;
	}
	if (r == 1) {
		http_error(rs, 401, "no_session", "The session has ended; sign in again.",
			   "セッションが終了しました。もう一度サインインしてください。");
		return -1;
	}
	*ret_db = db;
	return 0;
}

static void h_session_get(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct session_api *a = ctx;
	sqlite3 *db;
	struct account_session s;
	if (current_session(a, rq, rs, &db, &s) != 0)
		return;
	struct jsonw w;
	jsonw_init(&w, 4096);
	session_body(&w, &s);
	finish(rs, 200, &w);
}

static void h_session_delete(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct session_api *a = ctx;
	sqlite3 *db;
	struct account_session s;
	if (current_session(a, rq, rs, &db, &s) != 0)
		return;
	if (account_session_end(db, rq->session) < 0) {
		unavailable(rs);
		return;
	}
	char cookie[128];
	(void)snprintf(cookie, sizeof cookie,
		       "kk_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
		       a->tls ? "; Secure" : "");
	rs->set_cookie = strdup(cookie);
	struct jsonw w;
	jsonw_init(&w, 64);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "signed_out");
	jsonw_bool(&w, true);
	jsonw_obj_end(&w);
	finish(rs, 200, &w);
}

/* ---- users (administrators) ------------------------------------------------------------- */

static void user_body(struct jsonw *w, const struct account_user *u)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "name");
	jsonw_str(w, u->name);
	jsonw_key(w, "display");
	jsonw_str(w, u->display);
	jsonw_key(w, "role");
	jsonw_str(w, account_role_name(u->role));
	jsonw_key(w, "lang");
	jsonw_str(w, u->lang);
	jsonw_key(w, "disabled");
	jsonw_bool(w, u->disabled);
	jsonw_key(w, "created");
	jsonw_i64(w, u->created);
	jsonw_key(w, "last_login");
	if (u->last_login)
		jsonw_i64(w, u->last_login);
	else
		jsonw_null(w);
	jsonw_obj_end(w);
}

static void h_users(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	(void)rq;
	struct session_api *a = ctx;
	sqlite3 *db = thread_db(a);
	struct account_user *v = NULL;
	size_t n = 0;
	if (!db || account_user_list(db, &v, &n) != 0) {
		unavailable(rs);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, 16u << 20);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "users");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++)
		user_body(&w, &v[i]);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	free(v);
	finish(rs, 200, &w);
}

static void password_refused(struct http_resp *rs)
{
	bad_field(rs, "The password must have 10 to 1024 bytes.",
		  "パスワードは 10 から 1024 バイトにしてください。");
}

static void h_user_add(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct session_api *a = ctx;
	json_t *o = body_object(rq, rs);
	if (!o)
		return;
	bool bad = false;
	const char *name = str_member(o, "name", &bad), *pw = str_member(o, "password", &bad),
		   *role_s = str_member(o, "role", &bad), *display = str_member(o, "display", &bad),
		   *lang = str_member(o, "lang", &bad);
	enum http_role role = HTTP_READER;
	if (bad || !account_name_valid(name)) {
		bad_field(
		    rs, "name: 1 to 64 letters, digits, '.', '_' or '-'; a string each field.",
		    "name は英数字と '.'、'_'、'-' の 1 から 64 文字です。各項目は文字列です。");
	} else if (!pw) {
		password_refused(rs);
	} else if (role_s && account_role_parse(role_s, &role) != 0) {
		bad_field(rs, "role: analyst, handler or admin.",
			  "role は analyst、handler、admin のいずれかです。");
	} else {
		sqlite3 *db = thread_db(a);
		int r = db ? account_user_add(db, name, display ? display : "", role,
					      lang ? lang : "en", pw, rq->now, NULL)
			   : -1;
		if (r == -EEXIST)
			http_error(rs, 409, "exists", "A user of this name exists.",
				   "この名前のユーザは既にあります。");
		else if (r == -EINVAL)
			bad_field(rs,
				  "Check display (at most 128 bytes), lang (en or ja) and the "
				  "password (10 to 1024 bytes).",
				  "display (128 バイトまで)、lang (en か ja)、パスワード (10 から "
				  "1024 バイト) を確認してください。");
		else if (r != 0)
			unavailable(rs);
		else {
			struct account_user u;
			if (account_user_get(db, name, &u) != 0) {
				unavailable(rs);
			} else {
				struct jsonw w;
				jsonw_init(&w, 4096);
				user_body(&w, &u);
				finish(rs, 201, &w);
			}
		}
	}
	json_decref(o);
}

static void h_user_patch(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct session_api *a = ctx;
	json_t *o = body_object(rq, rs);
	if (!o)
		return;
	bool bad = false;
	struct account_change ch = {.role = -1, .disabled = -1};
	const char *role_s = str_member(o, "role", &bad);
	ch.password = str_member(o, "password", &bad);
	ch.display = str_member(o, "display", &bad);
	ch.lang = str_member(o, "lang", &bad);
	json_t *dis = json_object_get(o, "disabled");
	if (dis && !json_is_boolean(dis))
		bad = true;
	else if (dis)
		ch.disabled = json_is_true(dis) ? 1 : 0;
	enum http_role role;
	if (role_s && account_role_parse(role_s, &role) == 0)
		ch.role = (int)role;
	else if (role_s)
		bad = true;
	if (bad) {
		json_decref(o);
		bad_field(rs,
			  "role: analyst, handler or admin; disabled: true or false; strings "
			  "otherwise.",
			  "role は analyst、handler、admin、disabled は true か false、その他は"
			  "文字列です。");
		return;
	}
	sqlite3 *db = thread_db(a);
	int r = db ? account_user_change(db, rq->args[0], &ch) : -1;
	json_decref(o);
	struct account_user u;
	if (r == 1)
		http_error(rs, 404, "not_found", "There is no such user.",
			   "そのユーザはありません。");
	else if (r == -EBUSY)
		http_error(
		    rs, 409, "last_admin",
		    "This is the last active administrator: make another user an administrator "
		    "first.",
		    "有効な管理者はこのユーザだけです。先に別のユーザを管理者にしてください。");
	else if (r == -EINVAL)
		bad_field(rs,
			  "Check display (at most 128 bytes), lang (en or ja) and the password "
			  "(10 to 1024 bytes).",
			  "display (128 バイトまで)、lang (en か ja)、パスワード (10 から 1024 "
			  "バイト) を確認してください。");
	else if (r != 0 || account_user_get(db, rq->args[0], &u) != 0)
		unavailable(rs);
	else {
		struct jsonw w;
		jsonw_init(&w, 4096);
		user_body(&w, &u);
		finish(rs, 200, &w);
	}
}

/* ---- the caller's own API tokens -------------------------------------------------------- */

static sqlite3 *token_owner(struct session_api *a, const struct http_req *rq, struct http_resp *rs)
{
	if (rq->user_id <= 0) {
		http_error(rs, 403, "no_user",
			   "Only a signed-in user (or a user's token) has own tokens.",
			   "自分のトークンを持てるのはサインインしたユーザだけです。");
		return NULL;
	}
	sqlite3 *db = thread_db(a);
	if (!db)
		unavailable(rs);
	return db;
}

static void h_tokens(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	sqlite3 *db = token_owner(ctx, rq, rs);
	if (!db)
		return;
	struct account_token *v = NULL;
	size_t n = 0;
	if (account_token_list(db, rq->user_id, &v, &n) != 0) {
		unavailable(rs);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, 4u << 20);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "tokens");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		jsonw_obj_begin(&w);
		jsonw_key(&w, "name");
		jsonw_str(&w, v[i].name);
		jsonw_key(&w, "created");
		jsonw_i64(&w, v[i].created);
		jsonw_key(&w, "last_used");
		if (v[i].last_used)
			jsonw_i64(&w, v[i].last_used);
		else
			jsonw_null(&w);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	free(v);
	finish(rs, 200, &w);
}

static void h_token_add(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	sqlite3 *db = token_owner(ctx, rq, rs);
	if (!db)
		return;
	json_t *o = body_object(rq, rs);
	if (!o)
		return;
	bool bad = false;
	const char *name = str_member(o, "name", &bad);
	char tok[TOKEN_LEN + 1];
	int r = bad || !name ? -EINVAL
			     : account_token_add(db, rq->user_id, name, rq->now, tok, sizeof tok);
	if (r == -EINVAL) {
		bad_field(rs, "name: 1 to 64 letters, digits, '.', '_' or '-'.",
			  "name は英数字と '.'、'_'、'-' の 1 から 64 文字です。");
	} else if (r == -EEXIST) {
		http_error(rs, 409, "exists", "You have a token of this name.",
			   "この名前のトークンは既にあります。");
	} else if (r != 0) {
		unavailable(rs);
	} else {
		struct jsonw w;
		jsonw_init(&w, 4096);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "name");
		jsonw_str(&w, name);
		jsonw_key(&w, "token");
		jsonw_str(&w, tok);
		jsonw_obj_end(&w);
		memset(tok, 0, sizeof tok);
		finish(rs, 201, &w);
	}
	json_decref(o);
}

static void h_token_delete(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	sqlite3 *db = token_owner(ctx, rq, rs);
	if (!db)
		return;
	int r = account_token_remove(db, rq->user_id, rq->args[0]);
	if (r == 1) {
		http_error(rs, 404, "not_found", "You have no token of this name.",
			   "この名前のトークンはありません。");
		return;
	}
	if (r != 0) {
		unavailable(rs);
		return;
	}
	struct jsonw w;
	jsonw_init(&w, 256);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "deleted");
	jsonw_str(&w, rq->args[0]);
	jsonw_obj_end(&w);
	finish(rs, 200, &w);
}

size_t session_api_routes(struct session_api *a, struct http_route *out, size_t max)
{
	const struct http_route r[] = {
	    {"POST", "/api/v1/session", h_login, a, HTTP_ANON},
	    {"GET", "/api/v1/session", h_session_get, a, HTTP_READER},
	    {"DELETE", "/api/v1/session", h_session_delete, a, HTTP_READER},
	    {"GET", "/api/v1/users", h_users, a, HTTP_ADMIN},
	    {"POST", "/api/v1/users", h_user_add, a, HTTP_ADMIN},
	    {"PATCH", "/api/v1/users/*", h_user_patch, a, HTTP_ADMIN},
	    {"GET", "/api/v1/me/tokens", h_tokens, a, HTTP_READER},
	    {"POST", "/api/v1/me/tokens", h_token_add, a, HTTP_READER},
	    {"DELETE", "/api/v1/me/tokens/*", h_token_delete, a, HTTP_READER},
	};
	size_t n = sizeof r / sizeof r[0];
	if (n > max)
		n = max;
	memcpy(out, r, n * sizeof r[0]);
	return n;
}
