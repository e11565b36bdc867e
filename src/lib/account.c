/* account.c - users, sessions, CSRF tokens, users' API tokens and sign-in throttling */
#include "account.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "token.h"

#include "banned.h"

static const char *const migrations[] = {
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " display TEXT NOT NULL DEFAULT '',"
    " role TEXT NOT NULL CHECK(role IN ('analyst', 'handler', 'admin')),"
    " lang TEXT NOT NULL DEFAULT 'en' CHECK(lang IN ('en', 'ja')),"
    " password TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0 CHECK(disabled IN (0, 1)),"
    " created INTEGER NOT NULL, last_login INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE sessions(id_hash BLOB PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, csrf TEXT NOT NULL,"
    " created INTEGER NOT NULL, last_seen INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE user_tokens(id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,"
    " token_hash BLOB NOT NULL UNIQUE, created INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL DEFAULT 0, UNIQUE(user_id, name));"
    "CREATE TABLE login_failures(key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
    " last INTEGER NOT NULL) WITHOUT ROWID",
};

int account_migrate(sqlite3 *db, char *err, size_t errlen)
{
	return db_migrate(db, "account", migrations, 1, err, errlen);
}

void account_config_default(struct account_config *c)
{
	*c = (struct account_config){.idle = 1800,
				     .lifetime = 43200,
				     .max_failures = 5,
				     .max_failures_client = 20,
				     .window = 900,
				     .backoff = 1,
				     .backoff_max = 900};
}

const char *account_role_name(enum http_role r)
{
	switch (r) {
	case HTTP_READER:
		return "analyst";
	case HTTP_HANDLER:
		return "handler";
	case HTTP_ADMIN:
		return "admin";
	case HTTP_ANON:
		break;
	}
	return "anonymous";
}

int account_role_parse(const char *s, enum http_role *ret)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "analyst") == 0 || strcmp(s, "reader") == 0)
		*ret = HTTP_READER;
	else if (strcmp(s, "handler") == 0)
		*ret = HTTP_HANDLER;
	else if (strcmp(s, "admin") == 0)
		*ret = HTTP_ADMIN;
	else
		return -EINVAL;
	return 0;
}

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool account_name_valid(const char *s)
{
	if (!s || !is_alnum(s[0]))
		return false;
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= ACCOUNT_NAME_MAX ||
		    !(is_alnum(s[n]) || s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return false;
	return true;
}

static bool display_valid(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= ACCOUNT_DISPLAY_MAX || (unsigned char)s[n] < 0x20 ||
		    (unsigned char)s[n] == 0x7f)
			return false;
	return true;
}

static bool lang_valid(const char *s)
{
	return strcmp(s, "en") == 0 || strcmp(s, "ja") == 0;
}

static bool password_len_ok(const char *pw)
{
	size_t n = strnlen(pw, ACCOUNT_PASSWORD_MAX + 1);
	return n >= ACCOUNT_PASSWORD_MIN && n <= ACCOUNT_PASSWORD_MAX;
}

/* The gate around argon2id: each hash holds crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB) while
 * it runs, so at most ACCOUNT_HASH_PARALLEL run at once and the others wait their turn; the
 * memory of sign-ins is bounded however many arrive. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_in, gate_peak;

static void gate_enter(void)
{
	(void)pthread_mutex_lock(&gate_mu);
	while (gate_in >= ACCOUNT_HASH_PARALLEL)
		(void)pthread_cond_wait(&gate_cv, &gate_mu);
	gate_in++;
	if (gate_in > gate_peak)
		gate_peak = gate_in;
	(void)pthread_mutex_unlock(&gate_mu);
}

static void gate_leave(void)
{
	(void)pthread_mutex_lock(&gate_mu);
	gate_in--;
	(void)pthread_cond_signal(&gate_cv);
	(void)pthread_mutex_unlock(&gate_mu);
}

int account_hash_peak(void)
{
	(void)pthread_mutex_lock(&gate_mu);
	int p = gate_peak;
	(void)pthread_mutex_unlock(&gate_mu);
	return p;
}

int account_password_hash(const char *pw, char out[128])
{
	if (!pw || !password_len_ok(pw))
		return -EINVAL;
	gate_enter();
	int r = crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE);
	gate_leave();
	return r != 0 ? -ENOMEM : 0;
}

bool account_password_verify(const char *hash, const char *pw)
{
	size_t n = strnlen(pw, ACCOUNT_PASSWORD_MAX + 1);
	gate_enter();
	bool ok = crypto_pwhash_str_verify(hash, pw, n) == 0;
	gate_leave();
	return ok;
}

/* A hash of a password nobody knows, verified when the user name is unknown so that answer
 * takes as long as a wrong password. Made once, with the parameters of real hashes. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	char pw[ACCOUNT_SECRET_LEN + 1];
	uint8_t raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	gate_enter();
	if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = 0; /* verification then fails at once; still a refusal */
	gate_leave();
	sodium_memzero(pw, sizeof pw);
}

static void secret_new(char out[ACCOUNT_SECRET_LEN + 1])
{
	uint8_t raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, ACCOUNT_SECRET_LEN + 1, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

static void copy_text(char *dst, size_t size, const unsigned char *src)
{
	(void)snprintf(dst, size, "%s", src ? (const char *)src : "");
}

#define USER_COLS "u.id, u.name, u.display, u.role, u.lang, u.disabled, u.created, u.last_login"

/* Read the USER_COLS columns starting at column i. */
static void read_user(sqlite3_stmt *st, int i, struct account_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, i);
	copy_text(u->name, sizeof u->name, sqlite3_column_text(st, i + 1));
	copy_text(u->display, sizeof u->display, sqlite3_column_text(st, i + 2));
	if (account_role_parse((const char *)sqlite3_column_text(st, i + 3), &u->role) != 0)
		u->role = HTTP_READER;
	copy_text(u->lang, sizeof u->lang, sqlite3_column_text(st, i + 4));
	u->disabled = sqlite3_column_int(st, i + 5) != 0;
	u->created = sqlite3_column_int64(st, i + 6);
	u->last_login = sqlite3_column_int64(st, i + 7);
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Step a statement that returns no rows and finalize it: 0, -EEXIST on a constraint, -1. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	return (rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST : -1;
}

int account_user_add(sqlite3 *db, const char *name, const char *display, enum http_role role,
		     const char *lang, const char *password, int64_t now, int64_t *ret_id)
{
	char hash[crypto_pwhash_STRBYTES];
	if (!account_name_valid(name) || !display || !display_valid(display) || !lang ||
	    !lang_valid(lang) || role < HTTP_READER || role > HTTP_ADMIN)
		return -EINVAL;
	int r = account_password_hash(password, hash);
	if (r != 0)
		return r;
	sqlite3_stmt *st =
	    prep(db, "INSERT INTO users(name, display, role, lang, password, created)"
		     " VALUES(?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, display, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, account_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, lang, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now);
	r = run(st);
	if (r == 0 && ret_id)
		*ret_id = sqlite3_last_insert_rowid(db);
	return r;
}

/* The user and password hash by name: 0, 1 when none, -1. hash may be NULL. */
static int user_by_name(sqlite3 *db, const char *name, struct account_user *u,
			char hash[crypto_pwhash_STRBYTES])
{
	sqlite3_stmt *st = prep(db, "SELECT " USER_COLS ", u.password FROM users u WHERE name = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		read_user(st, 0, u);
		if (hash)
			copy_text(hash, crypto_pwhash_STRBYTES, sqlite3_column_text(st, 8));
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int account_user_get(sqlite3 *db, const char *name, struct account_user *ret)
{
	struct account_user u;
	int r = user_by_name(db, name, &u, NULL);
	if (r == 0)
		*ret = u;
	return r;
}

int account_user_list(sqlite3 *db, struct account_user **ret, size_t *ret_n)
{
	sqlite3_stmt *st = prep(db, "SELECT " USER_COLS " FROM users u ORDER BY name");
	if (!st)
		return -1;
	struct account_user *v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16, bytes;
			if (!__builtin_mul_overflow(nc, sizeof *v, &bytes)) {
				struct account_user *p = realloc(v, bytes);
				if (p) {
					v = p;
					cap = nc;
				}
			}
			if (n == cap) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		read_user(st, 0, &v[n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return rc == SQLITE_NOMEM ? -ENOMEM : -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int account_user_change(sqlite3 *db, const char *name, const struct account_change *ch)
{
	char hash[crypto_pwhash_STRBYTES] = "";
	if ((ch->display && !display_valid(ch->display)) || (ch->lang && !lang_valid(ch->lang)) ||
	    (ch->role != -1 && (ch->role < HTTP_READER || ch->role > HTTP_ADMIN)) ||
	    ch->disabled < -1 || ch->disabled > 1)
		return -EINVAL;
	if (ch->password) { /* slow: before the transaction */
		int r = account_password_hash(ch->password, hash);
		if (r != 0)
			return r;
	}
	if (db_exec(db, "BEGIN IMMEDIATE", NULL, 0) != 0)
		return -1;
	int ret = -1;
	struct account_user u;
	int r = user_by_name(db, name, &u, NULL);
	if (r != 0) {
		ret = r;
		goto out;
	}
	sqlite3_stmt *st =
	    prep(db, "UPDATE users SET display = coalesce(?1, display), lang = coalesce(?2, lang),"
		     " password = coalesce(?3, password), role = coalesce(?4, role),"
		     " disabled = coalesce(?5, disabled) WHERE id = ?6");
	if (!st)
		goto out;
	if (ch->display)
		sqlite3_bind_text(st, 1, ch->display, -1, SQLITE_TRANSIENT);
	if (ch->lang)
		sqlite3_bind_text(st, 2, ch->lang, -1, SQLITE_TRANSIENT);
	if (ch->password)
		sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
	if (ch->role != -1)
		sqlite3_bind_text(st, 4, account_role_name((enum http_role)ch->role), -1,
				  SQLITE_STATIC);
	if (ch->disabled != -1)
		sqlite3_bind_int(st, 5, ch->disabled);
	sqlite3_bind_int64(st, 6, u.id);
	if (run(st) != 0)
		goto out;
	/* an administrator may not take away the last active administrator (by disabling or by a
	 * lesser role): nobody could manage users through keikaid any more */
	if (u.role == HTTP_ADMIN && !u.disabled &&
	    ((ch->role != -1 && ch->role != HTTP_ADMIN) || ch->disabled == 1)) {
		st = prep(db, "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0");
		if (!st)
			goto out;
		int64_t left = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
		sqlite3_finalize(st);
		if (left < 0)
			goto out;
		if (left == 0) {
			ret = -EBUSY;
			goto out;
		}
	}
	/* a disabled user, or one whose password changed, is signed out everywhere */
	if (ch->disabled == 1 || ch->password) {
		st = prep(db, "DELETE FROM sessions WHERE user_id = ?");
		if (!st)
			goto out;
		sqlite3_bind_int64(st, 1, u.id);
		if (run(st) != 0)
			goto out;
	}
	if (ch->disabled == 1) {
		st = prep(db, "DELETE FROM user_tokens WHERE user_id = ?");
		if (!st)
			goto out;
		sqlite3_bind_int64(st, 1, u.id);
		if (run(st) != 0)
			goto out;
	}
	ret = 0;
out:
	sodium_memzero(hash, sizeof hash);
	if (ret == 0 && db_exec(db, "COMMIT", NULL, 0) != 0)
		ret = -1;
	if (ret != 0)
		(void)db_exec(db, "ROLLBACK", NULL, 0);
	return ret;
}

/* ---- throttling ------------------------------------------------------------------------- */

/* The throttle keys: "u:" and the name (at most ACCOUNT_NAME_MAX bytes of it), "a:" and the
 * client address. */
static void throttle_key(char *buf, size_t size, char kind, const char *v)
{
	(void)snprintf(buf, size, "%c:%.*s", kind, ACCOUNT_NAME_MAX, v ? v : "");
}

static int64_t backoff_of(const struct account_config *c, unsigned max, int64_t failures)
{
	if (failures < (int64_t)max)
		return 0;
	int64_t e = failures - (int64_t)max;
	int64_t d = e >= 30 ? (int64_t)c->backoff_max : (int64_t)c->backoff << e;
	return d > (int64_t)c->backoff_max ? (int64_t)c->backoff_max : d;
}

static int64_t key_wait(sqlite3 *db, const struct account_config *c, unsigned max, const char *key,
			int64_t now)
{
	sqlite3_stmt *st = prep(db, "SELECT failures, last FROM login_failures WHERE key = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	int64_t wait = 0;
	if (rc == SQLITE_ROW) {
		int64_t failures = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
		if (now - last < c->window) {
			int64_t until = last + backoff_of(c, max, failures);
			wait = until > now ? until - now : 0;
		}
	} else if (rc != SQLITE_DONE) {
		wait = -1;
	}
	sqlite3_finalize(st);
	return wait;
}

int64_t account_throttle_wait(sqlite3 *db, const struct account_config *c, const char *name,
			      const char *client, int64_t now)
{
	char k[ACCOUNT_NAME_MAX + 8];
	throttle_key(k, sizeof k, 'u', name);
	int64_t a = key_wait(db, c, c->max_failures, k, now);
	throttle_key(k, sizeof k, 'a', client);
	int64_t b = key_wait(db, c, c->max_failures_client, k, now);
	if (a < 0 || b < 0)
		return -1;
	return a > b ? a : b;
}

static int key_fail(sqlite3 *db, const struct account_config *c, const char *key, int64_t now)
{
	/* failures start again after a quiet window */
	sqlite3_stmt *st =
	    prep(db, "INSERT INTO login_failures(key, failures, last) VALUES(?1, 1, ?2)"
		     " ON CONFLICT(key) DO UPDATE SET failures = CASE"
		     " WHEN ?2 - last >= ?3 THEN 1 ELSE failures + 1 END, last = ?2");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, c->window);
	return run(st) == 0 ? 0 : -1;
}

int account_throttle_fail(sqlite3 *db, const struct account_config *c, const char *name,
			  const char *client, int64_t now)
{
	char k[ACCOUNT_NAME_MAX + 8];
	throttle_key(k, sizeof k, 'u', name);
	if (key_fail(db, c, k, now) != 0)
		return -1;
	throttle_key(k, sizeof k, 'a', client);
	if (key_fail(db, c, k, now) != 0)
		return -1;
	/* forget keys nobody has failed with for a window and the longest wait: bounded table */
	sqlite3_stmt *st = prep(db, "DELETE FROM login_failures WHERE last < ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now - c->window - (int64_t)c->backoff_max);
	return run(st) == 0 ? 0 : -1;
}

static int throttle_clear_name(sqlite3 *db, const char *name)
{
	char k[ACCOUNT_NAME_MAX + 8];
	throttle_key(k, sizeof k, 'u', name);
	sqlite3_stmt *st = prep(db, "DELETE FROM login_failures WHERE key = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
	return run(st) == 0 ? 0 : -1;
}

/* ---- sessions --------------------------------------------------------------------------- */

static int64_t session_expiry(const struct account_config *c, int64_t created, int64_t last_seen)
{
	int64_t a = created + c->lifetime, b = last_seen + c->idle;
	return a < b ? a : b;
}

int account_login(sqlite3 *db, const struct account_config *c, const char *name,
		  const char *password, const char *client, int64_t now,
		  struct account_session *ret, unsigned *ret_retry)
{
	(void)pthread_once(&dummy_once, dummy_make);
	if (!name)
		name = "";
	if (!password)
		password = "";
	int64_t wait = account_throttle_wait(db, c, name, client, now);
	if (wait < 0)
		return -1;
	if (wait > 0) {
		*ret_retry = wait > 86400 ? 86400u : (unsigned)wait;
		return ACCOUNT_LOGIN_THROTTLED;
	}
	struct account_user u;
	char hash[crypto_pwhash_STRBYTES];
	int found = account_name_valid(name) ? user_by_name(db, name, &u, hash) : 1;
	if (found < 0)
		return -1;
	/* the same work whether or not the user exists or is disabled */
	bool ok = account_password_verify(found == 0 ? hash : dummy_hash, password);
	sodium_memzero(hash, sizeof hash);
	if (!ok || found != 0 || u.disabled) {
		if (account_throttle_fail(db, c, name, client, now) != 0)
			return -1;
		return ACCOUNT_LOGIN_BAD;
	}
	struct account_session s = {.user = u};
	uint8_t h[TOKEN_HASH_LEN];
	secret_new(s.id);
	secret_new(s.csrf);
	token_hash(s.id, strlen(s.id), h);
	sqlite3_stmt *st =
	    prep(db, "INSERT INTO sessions(id_hash, user_id, csrf, created, last_seen)"
		     " VALUES(?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, u.id);
	sqlite3_bind_text(st, 3, s.csrf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	if (run(st) != 0)
		return -1;
	st = prep(db, "UPDATE users SET last_login = ? WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, u.id);
	/* sign-ins are rare: a good time to drop the sessions nobody came back to */
	if (run(st) != 0 || throttle_clear_name(db, name) != 0 ||
	    account_session_prune(db, c, now) < 0)
		return -1;
	s.user.last_login = now;
	s.expires = session_expiry(c, now, now);
	*ret = s;
	sodium_memzero(&s, sizeof s);
	return ACCOUNT_LOGIN_OK;
}

static bool cookie_shape(const char *cookie)
{
	return cookie && strnlen(cookie, ACCOUNT_SECRET_LEN + 1) == ACCOUNT_SECRET_LEN;
}

static int session_delete_hash(sqlite3 *db, const uint8_t h[TOKEN_HASH_LEN])
{
	sqlite3_stmt *st = prep(db, "DELETE FROM sessions WHERE id_hash = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, h, TOKEN_HASH_LEN, SQLITE_TRANSIENT);
	if (run(st) != 0)
		return -1;
	return sqlite3_changes(db) ? 0 : 1;
}

int account_session_lookup(sqlite3 *db, const struct account_config *c, const char *cookie,
			   int64_t now, struct account_session *ret)
{
	if (!cookie_shape(cookie))
		return 1;
	uint8_t h[TOKEN_HASH_LEN];
	token_hash(cookie, ACCOUNT_SECRET_LEN, h);
	sqlite3_stmt *st = prep(db, "SELECT s.csrf, s.created, s.last_seen, " USER_COLS
				    " FROM sessions s JOIN users u ON u.id = s.user_id"
				    " WHERE s.id_hash = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
	struct account_session s = {0};
	int rc = sqlite3_step(st);
	int64_t created = 0, last_seen = 0;
	if (rc == SQLITE_ROW) {
		copy_text(s.csrf, sizeof s.csrf, sqlite3_column_text(st, 0));
		created = sqlite3_column_int64(st, 1);
		last_seen = sqlite3_column_int64(st, 2);
		read_user(st, 3, &s.user);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW)
		return -1;
	if (s.user.disabled || now >= session_expiry(c, created, last_seen)) {
		(void)session_delete_hash(db, h);
		return 1;
	}
	if (now > last_seen) { /* at most one write a second per session */
		st = prep(db, "UPDATE sessions SET last_seen = ? WHERE id_hash = ?");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_blob(st, 2, h, sizeof h, SQLITE_TRANSIENT);
		if (run(st) != 0)
			return -1;
		last_seen = now;
	}
	s.expires = session_expiry(c, created, last_seen);
	*ret = s;
	return 0;
}

int account_session_end(sqlite3 *db, const char *cookie)
{
	if (!cookie_shape(cookie))
		return 1;
	uint8_t h[TOKEN_HASH_LEN];
	token_hash(cookie, ACCOUNT_SECRET_LEN, h);
	return session_delete_hash(db, h);
}

int account_session_prune(sqlite3 *db, const struct account_config *c, int64_t now)
{
	sqlite3_stmt *st =
	    prep(db, "DELETE FROM sessions WHERE created <= ?1 - ?2 OR last_seen <= ?1 - ?3");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, c->lifetime);
	sqlite3_bind_int64(st, 3, c->idle);
	if (run(st) != 0)
		return -1;
	return sqlite3_changes(db);
}

bool account_csrf_equal(const char *expected, const char *presented)
{
	if (!expected || !presented || strlen(expected) != ACCOUNT_SECRET_LEN ||
	    strnlen(presented, ACCOUNT_SECRET_LEN + 1) != ACCOUNT_SECRET_LEN)
		return false;
	return sodium_memcmp(expected, presented, ACCOUNT_SECRET_LEN) == 0;
}

/* ---- users' API tokens ------------------------------------------------------------------ */

int account_token_add(sqlite3 *db, int64_t user_id, const char *name, int64_t now, char *ret_token,
		      size_t size)
{
	if (!account_name_valid(name) || size < TOKEN_LEN + 1)
		return -EINVAL;
	char tok[TOKEN_LEN + 1];
	uint8_t h[TOKEN_HASH_LEN];
	token_new(tok, sizeof tok);
	token_hash(tok, strlen(tok), h);
	sqlite3_stmt *st = prep(db, "INSERT INTO user_tokens(user_id, name, token_hash, created)"
				    " VALUES(?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, h, sizeof h, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	int r = run(st);
	if (r == 0)
		memcpy(ret_token, tok, sizeof tok);
	sodium_memzero(tok, sizeof tok);
	return r;
}

int account_token_list(sqlite3 *db, int64_t user_id, struct account_token **ret, size_t *ret_n)
{
	sqlite3_stmt *st = prep(db, "SELECT name, created, last_used FROM user_tokens"
				    " WHERE user_id = ? ORDER BY name");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	struct account_token *v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8, bytes;
			if (!__builtin_mul_overflow(nc, sizeof *v, &bytes)) {
				struct account_token *p = realloc(v, bytes);
				if (p) {
					v = p;
					cap = nc;
				}
			}
			if (n == cap) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		copy_text(v[n].name, sizeof v[n].name, sqlite3_column_text(st, 0));
		v[n].created = sqlite3_column_int64(st, 1);
		v[n].last_used = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return rc == SQLITE_NOMEM ? -ENOMEM : -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int account_token_remove(sqlite3 *db, int64_t user_id, const char *name)
{
	sqlite3_stmt *st = prep(db, "DELETE FROM user_tokens WHERE user_id = ? AND name = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (run(st) != 0)
		return -1;
	return sqlite3_changes(db) ? 0 : 1;
}

int account_token_user(sqlite3 *db, const uint8_t hash[32], int64_t now, struct account_user *ret)
{
	sqlite3_stmt *st = prep(db, "SELECT t.id, t.last_used, " USER_COLS
				    " FROM user_tokens t JOIN users u ON u.id = t.user_id"
				    " WHERE t.token_hash = ? AND u.disabled = 0");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, hash, TOKEN_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t tid = 0, last = 0;
	struct account_user u;
	if (rc == SQLITE_ROW) {
		tid = sqlite3_column_int64(st, 0);
		last = sqlite3_column_int64(st, 1);
		read_user(st, 2, &u);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW)
		return -1;
	if (now - last >= 60) { /* last_used to the minute: no write per request */
		st = prep(db, "UPDATE user_tokens SET last_used = ? WHERE id = ?");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, tid);
		if (run(st) != 0)
			return -1;
	}
	*ret = u;
	return 0;
}
