/* test-account.c - users, passwords, sessions, CSRF, throttling and users' tokens on a real
 * SQLite file in a temporary directory, with the clock given by the test */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/lib/account.h"
#include "../../src/lib/auth.h"
#include "../../src/lib/db.h"
#include "../../src/lib/token.h"
#include "../../src/lib/banned.h"

struct fixture {
	char dir[64];
	char path[96];
	sqlite3 *db;
	struct account_config cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || token_init() != 0)
		return -1;
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/keikai-account-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/k.db", f->dir);
	if (db_open(f->path, &f->db, err, sizeof(err)) != 0 ||
	    account_migrate(f->db, err, sizeof(err)) != 0 ||
	    auth_migrate(f->db, err, sizeof(err)) != 0) {
		(void)fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	account_config_default(&f->cfg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	sqlite3_close(f->db);
	for (size_t i = 0; i < 3; i++) {
		static const char *const suffix[] = {"", "-wal", "-shm"};
		(void)snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		(void)unlink(p);
	}
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_password(void **state)
{
	(void)state;
	char h[128], h2[128];
	struct timespec t0;

	assert_int_equal(token_init(), 0);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(account_password_hash("correct horse", h), 0);
	(void)printf("# one argon2id hash: %.3f s\n", seconds_since(&t0));
	/* argon2id, interactive cost: 64 MiB, 2 passes */
	assert_non_null(strstr(h, "$argon2id$"));
	assert_non_null(strstr(h, "m=65536,t=2"));
	assert_true(account_password_verify(h, "correct horse"));
	assert_false(account_password_verify(h, "correct horsE"));
	assert_false(account_password_verify(h, "correct horse "));
	/* salted: the same password hashes differently */
	assert_int_equal(account_password_hash("correct horse", h2), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(account_password_hash("short", h), -EINVAL);
	char big[ACCOUNT_PASSWORD_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(account_password_hash(big, h), -EINVAL);
	big[ACCOUNT_PASSWORD_MAX] = 0;
	assert_int_equal(account_password_hash(big, h), 0);
}

/* Sign-ins at once: no more than ACCOUNT_HASH_PARALLEL argon2id hashes run together (each
 * holds 64 MiB), yet more than one does, and every answer is still right. */
struct verify_arg {
	const char *hash;
	const char *pw;
	pthread_barrier_t *go;
	bool ok;
};

static void *verify_thread(void *p)
{
	struct verify_arg *a = p;
	(void)pthread_barrier_wait(a->go);
	a->ok = account_password_verify(a->hash, a->pw);
	return NULL;
}

static void test_hash_gate(void **state)
{
	(void)state;
	enum { N = 3 * ACCOUNT_HASH_PARALLEL };
	char hash[128];
	assert_int_equal(account_password_hash("the-right-password", hash), 0);
	pthread_barrier_t go;
	assert_int_equal(pthread_barrier_init(&go, NULL, N), 0);
	pthread_t t[N];
	struct verify_arg a[N];
	for (int i = 0; i < N; i++) {
		a[i] = (struct verify_arg){hash, i % 2 ? "the-right-password" : "a-wrong-password",
					   &go, false};
		assert_int_equal(pthread_create(&t[i], NULL, verify_thread, &a[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(a[i].ok, i % 2 == 1);
	}
	(void)pthread_barrier_destroy(&go);
	int peak = account_hash_peak();
	assert_true(peak <= ACCOUNT_HASH_PARALLEL);
	assert_true(peak >= 2);
}

static void test_users(void **state)
{
	struct fixture *f = *state;
	int64_t id = 0;
	struct account_user u;

	assert_int_equal(
	    account_user_add(f->db, "alice", "Alice", HTTP_ADMIN, "ja", "password-one", 100, &id),
	    0);
	assert_true(id > 0);
	assert_int_equal(
	    account_user_add(f->db, "alice", "", HTTP_READER, "en", "password-two", 100, NULL),
	    -EEXIST);
	assert_int_equal(
	    account_user_add(f->db, "bad name", "", HTTP_READER, "en", "password-two", 100, NULL),
	    -EINVAL);
	assert_int_equal(
	    account_user_add(f->db, "bob", "", HTTP_READER, "fr", "password-two", 100, NULL),
	    -EINVAL);
	assert_int_equal(
	    account_user_add(f->db, "bob", "a\nb", HTTP_READER, "en", "password-two", 100, NULL),
	    -EINVAL);
	assert_int_equal(
	    account_user_add(f->db, "bob", "", HTTP_ANON, "en", "password-two", 100, NULL),
	    -EINVAL);
	assert_int_equal(
	    account_user_add(f->db, "bob", "", HTTP_HANDLER, "en", "password-two", 101, NULL), 0);
	assert_int_equal(account_user_get(f->db, "alice", &u), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.display, "Alice");
	assert_string_equal(u.lang, "ja");
	assert_int_equal(u.role, HTTP_ADMIN);
	assert_int_equal(u.created, 100);
	assert_int_equal(u.last_login, 0);
	assert_false(u.disabled);
	assert_int_equal(account_user_get(f->db, "carol", &u), 1);

	struct account_user *v;
	size_t n;
	assert_int_equal(account_user_list(f->db, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "alice");
	assert_string_equal(v[1].name, "bob");
	assert_int_equal(v[1].role, HTTP_HANDLER);
	free(v);

	enum http_role r;
	assert_int_equal(account_role_parse("analyst", &r), 0);
	assert_int_equal(r, HTTP_READER);
	assert_int_equal(account_role_parse("reader", &r), 0);
	assert_int_equal(r, HTTP_READER);
	assert_int_equal(account_role_parse("root", &r), -EINVAL);
	assert_string_equal(account_role_name(HTTP_HANDLER), "handler");

	/* alice is the only administrator: she can be neither disabled nor demoted, and the
	 * refused change leaves everything as it was; with a second one, she can */
	struct account_change off = {.role = -1, .disabled = 1};
	struct account_change demote = {.display = "Alice R.", .role = HTTP_READER, .disabled = -1};
	assert_int_equal(account_user_change(f->db, "alice", &off), -EBUSY);
	assert_int_equal(account_user_change(f->db, "alice", &demote), -EBUSY);
	assert_int_equal(account_user_get(f->db, "alice", &u), 0);
	assert_int_equal(u.role, HTTP_ADMIN);
	assert_false(u.disabled);
	assert_string_equal(u.display, "Alice");
	/* a change that keeps her an active administrator is fine */
	struct account_change rename = {.display = "Alice A.", .role = HTTP_ADMIN, .disabled = 0};
	assert_int_equal(account_user_change(f->db, "alice", &rename), 0);
	/* bob, a handler, may be disabled; a disabled administrator does not count */
	struct account_change up = {.role = HTTP_ADMIN, .disabled = -1};
	assert_int_equal(account_user_change(f->db, "bob", &up), 0);
	assert_int_equal(account_user_change(f->db, "bob", &off), 0);
	assert_int_equal(account_user_change(f->db, "alice", &off), -EBUSY);
	struct account_change on = {.role = -1, .disabled = 0};
	assert_int_equal(account_user_change(f->db, "bob", &on), 0);
	assert_int_equal(account_user_change(f->db, "alice", &demote), 0);
	assert_int_equal(account_user_get(f->db, "alice", &u), 0);
	assert_int_equal(u.role, HTTP_READER);
	assert_string_equal(u.display, "Alice R.");
	assert_int_equal(account_user_change(f->db, "bob", &off), -EBUSY);
}

static void test_login(void **state)
{
	struct fixture *f = *state;
	struct account_session s, s2;
	unsigned retry = 0;

	assert_int_equal(
	    account_user_add(f->db, "alice", "", HTTP_HANDLER, "en", "password-one", 100, NULL), 0);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "192.0.2.1", 1000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_int_equal(strlen(s.id), ACCOUNT_SECRET_LEN);
	assert_int_equal(strlen(s.csrf), ACCOUNT_SECRET_LEN);
	assert_string_not_equal(s.id, s.csrf);
	assert_string_equal(s.user.name, "alice");
	assert_int_equal(s.user.role, HTTP_HANDLER);
	assert_int_equal(s.expires, 1000 + f->cfg.idle);
	struct account_user u;
	assert_int_equal(account_user_get(f->db, "alice", &u), 0);
	assert_int_equal(u.last_login, 1000);

	/* two sign-ins, two sessions with their own secrets */
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "192.0.2.1", 1001, &s2, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_string_not_equal(s.id, s2.id);
	assert_string_not_equal(s.csrf, s2.csrf);

	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-two", "192.0.2.1", 1002, &s2, &retry),
	    ACCOUNT_LOGIN_BAD);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "nobody", "password-one", "192.0.2.1", 1002, &s2, &retry),
	    ACCOUNT_LOGIN_BAD);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "../x", "password-one", "192.0.2.1", 1002, &s2, &retry),
	    ACCOUNT_LOGIN_BAD);
	assert_int_equal(account_login(f->db, &f->cfg, NULL, NULL, "192.0.2.1", 1002, &s2, &retry),
			 ACCOUNT_LOGIN_BAD);

	/* disabled: the right password is refused like a wrong one, and sessions end */
	struct account_change ch = {.role = -1, .disabled = 1};
	assert_int_equal(account_user_change(f->db, "alice", &ch), 0);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 1003, &s2), 1);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "192.0.2.9", 1003, &s2, &retry),
	    ACCOUNT_LOGIN_BAD);
	ch.disabled = 0;
	assert_int_equal(account_user_change(f->db, "alice", &ch), 0);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "192.0.2.9", 1004, &s2, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_int_equal(account_user_change(f->db, "nobody", &ch), 1);
	ch.lang = "xx";
	assert_int_equal(account_user_change(f->db, "alice", &ch), -EINVAL);
}

/* The time of a failed sign-in for an unknown name is that of a wrong password. */
static void test_login_timing(void **state)
{
	struct fixture *f = *state;
	struct account_session s;
	unsigned retry;
	struct timespec t0;
	double unknown = 0, wrong = 0;

	f->cfg.max_failures = 100;
	f->cfg.max_failures_client = 100;
	assert_int_equal(
	    account_user_add(f->db, "alice", "", HTTP_READER, "en", "password-one", 100, NULL), 0);
	/* the dummy hash is made on first use: not part of the measurement */
	assert_int_equal(account_login(f->db, &f->cfg, "x", "password-one", "a", 999, &s, &retry),
			 ACCOUNT_LOGIN_BAD);
	for (int i = 0; i < 3; i++) {
		(void)clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(account_login(f->db, &f->cfg, "nobody", "password-one", "a",
					       1000 + i, &s, &retry),
				 ACCOUNT_LOGIN_BAD);
		unknown += seconds_since(&t0);
		(void)clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(account_login(f->db, &f->cfg, "alice", "password-two", "a",
					       1000 + i, &s, &retry),
				 ACCOUNT_LOGIN_BAD);
		wrong += seconds_since(&t0);
	}
	(void)printf("# three failed sign-ins: unknown user %.3f s, wrong password %.3f s\n",
		     unknown, wrong);
	assert_true(unknown > wrong * 0.5 && unknown < wrong * 2);
}

static void test_session_expiry(void **state)
{
	struct fixture *f = *state;
	struct account_session s, got;
	unsigned retry;

	f->cfg.idle = 100;
	f->cfg.lifetime = 250;
	assert_int_equal(
	    account_user_add(f->db, "alice", "", HTTP_READER, "en", "password-one", 100, NULL), 0);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "a", 1000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_int_equal(s.expires, 1100);
	/* each use moves the idle timeout, up to the lifetime */
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 1099, &got), 0);
	assert_string_equal(got.csrf, s.csrf);
	assert_string_equal(got.user.name, "alice");
	assert_int_equal(got.expires, 1199);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 1198, &got), 0);
	assert_int_equal(got.expires, 1250);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 1249, &got), 0);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 1250, &got), 1);
	/* gone for good: not even an earlier clock brings it back */
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 1200, &got), 1);

	/* idle timeout */
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "a", 2000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 2100, &got), 1);

	/* sign-out, malformed and unknown cookies */
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "a", 3000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	char other[ACCOUNT_SECRET_LEN + 1];
	memcpy(other, s.id, sizeof(other));
	other[0] = other[0] == 'A' ? 'B' : 'A';
	assert_int_equal(account_session_lookup(f->db, &f->cfg, other, 3001, &got), 1);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, "short", 3001, &got), 1);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, NULL, 3001, &got), 1);
	assert_int_equal(account_session_end(f->db, s.id), 0);
	assert_int_equal(account_session_end(f->db, s.id), 1);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 3001, &got), 1);

	/* a password change signs the user out; pruning removes what has expired */
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "a", 4000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	struct account_change ch = {.password = "password-new", .role = -1, .disabled = -1};
	assert_int_equal(account_user_change(f->db, "alice", &ch), 0);
	assert_int_equal(account_session_lookup(f->db, &f->cfg, s.id, 4001, &got), 1);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-new", "a", 5000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_int_equal(account_session_prune(f->db, &f->cfg, 5050), 0);
	assert_int_equal(account_session_prune(f->db, &f->cfg, 5100), 1);
	/* a sign-in drops sessions nobody came back to */
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-new", "a", 6000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-new", "a", 7000, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT COUNT(*) FROM sessions", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
}

static void test_csrf(void **state)
{
	(void)state;
	const char *a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
	char b[ACCOUNT_SECRET_LEN + 2];

	assert_int_equal(strlen(a), ACCOUNT_SECRET_LEN);
	memcpy(b, a, ACCOUNT_SECRET_LEN + 1);
	assert_true(account_csrf_equal(a, b));
	b[ACCOUNT_SECRET_LEN - 1] = 'R';
	assert_false(account_csrf_equal(a, b));
	b[0] = 'x';
	b[ACCOUNT_SECRET_LEN - 1] = 'Q';
	assert_false(account_csrf_equal(a, b));
	assert_false(account_csrf_equal(a, "abc"));
	memcpy(b, a, ACCOUNT_SECRET_LEN);
	b[ACCOUNT_SECRET_LEN] = 'z';
	b[ACCOUNT_SECRET_LEN + 1] = 0;
	assert_false(account_csrf_equal(a, b)); /* a longer value with the right start */
	assert_false(account_csrf_equal(a, NULL));
	assert_false(account_csrf_equal(NULL, a));
	assert_false(account_csrf_equal("", ""));
}

static void test_throttle(void **state)
{
	struct fixture *f = *state;
	struct account_session s;
	unsigned retry = 0;

	f->cfg.max_failures = 3;
	f->cfg.max_failures_client = 5;
	f->cfg.backoff = 2;
	f->cfg.backoff_max = 16;
	f->cfg.window = 100;
	assert_int_equal(
	    account_user_add(f->db, "alice", "", HTTP_READER, "en", "password-one", 100, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(account_throttle_wait(f->db, &f->cfg, "alice", "c1", 1000), 0);
		assert_int_equal(account_throttle_fail(f->db, &f->cfg, "alice", "c1", 1000), 0);
	}
	/* three failures: wait 2 s, then 4, 8, 16, and no more than 16 */
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "alice", "c2", 1000), 2);
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "alice", "c2", 1001), 1);
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "alice", "c2", 1002), 0);
	/* while waiting even the right password is refused without being checked */
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "c2", 1001, &s, &retry),
	    ACCOUNT_LOGIN_THROTTLED);
	assert_int_equal(retry, 1);
	int64_t t = 1002, want[] = {4, 8, 16, 16};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(account_throttle_fail(f->db, &f->cfg, "alice", "c2", t), 0);
		assert_int_equal(account_throttle_wait(f->db, &f->cfg, "alice", "c3", t), want[i]);
		t += want[i];
	}
	/* another name from the first client is not held back by alice's count */
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "bob", "c1", 1000), 0);
	/* after the wait the right password works and clears the name's count */
	assert_int_equal(
	    account_login(f->db, &f->cfg, "alice", "password-one", "c9", t, &s, &retry),
	    ACCOUNT_LOGIN_OK);
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "alice", "c9", t), 0);
	assert_int_equal(account_throttle_fail(f->db, &f->cfg, "alice", "c9", t), 0);
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "alice", "c9", t), 0);

	/* a quiet window starts the count again */
	for (int i = 0; i < 3; i++)
		assert_int_equal(account_throttle_fail(f->db, &f->cfg, "carol", "c8", 5000), 0);
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "carol", "c7", 5000), 2);
	assert_int_equal(account_throttle_fail(f->db, &f->cfg, "carol", "c8", 5100), 0);
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "carol", "c7", 5100), 0);

	/* per client: five failures under different names hold that address back */
	for (int i = 0; i < 5; i++) {
		char name[16];
		(void)snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(account_throttle_fail(f->db, &f->cfg, name, "c5", 6000), 0);
	}
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "u9", "c5", 6000), 2);
	assert_int_equal(account_throttle_wait(f->db, &f->cfg, "u9", "c6", 6000), 0);
}

static void test_tokens(void **state)
{
	struct fixture *f = *state;
	int64_t alice, bob;
	char tok[TOKEN_LEN + 1], tok2[TOKEN_LEN + 1];
	uint8_t h[TOKEN_HASH_LEN];
	struct account_user u;

	assert_int_equal(
	    account_user_add(f->db, "alice", "", HTTP_HANDLER, "en", "password-one", 100, &alice),
	    0);
	assert_int_equal(
	    account_user_add(f->db, "bob", "", HTTP_READER, "en", "password-one", 100, &bob), 0);
	assert_int_equal(account_token_add(f->db, alice, "laptop", 200, tok, sizeof(tok)), 0);
	assert_int_equal(strlen(tok), TOKEN_LEN);
	assert_int_equal(account_token_add(f->db, alice, "laptop", 200, tok2, sizeof(tok2)),
			 -EEXIST);
	assert_int_equal(account_token_add(f->db, alice, "no name", 200, tok2, sizeof(tok2)),
			 -EINVAL);
	/* names are per user */
	assert_int_equal(account_token_add(f->db, bob, "laptop", 200, tok2, sizeof(tok2)), 0);
	assert_string_not_equal(tok, tok2);

	token_hash(tok, strlen(tok), h);
	assert_int_equal(account_token_user(f->db, h, 300, &u), 0);
	assert_int_equal(u.id, alice);
	assert_int_equal(u.role, HTTP_HANDLER);
	token_hash(tok2, strlen(tok2), h);
	assert_int_equal(account_token_user(f->db, h, 300, &u), 0);
	assert_int_equal(u.id, bob);
	token_hash("kk_nothing", 10, h);
	assert_int_equal(account_token_user(f->db, h, 300, &u), 1);

	struct account_token *v;
	size_t n;
	assert_int_equal(account_token_add(f->db, alice, "ci", 250, tok2, sizeof(tok2)), 0);
	assert_int_equal(account_token_list(f->db, alice, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "ci");
	assert_string_equal(v[1].name, "laptop");
	assert_int_equal(v[1].created, 200);
	assert_int_equal(v[1].last_used, 300);
	assert_int_equal(v[0].last_used, 0);
	free(v);

	/* the text is nowhere in the database */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db,
					    "SELECT COUNT(*) FROM user_tokens WHERE"
					    " instr(CAST(token_hash AS TEXT), ?) > 0 OR name = ?",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, tok2 + 3, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, tok2, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);

	assert_int_equal(account_token_remove(f->db, alice, "ci"), 0);
	assert_int_equal(account_token_remove(f->db, alice, "ci"), 1);
	assert_int_equal(account_token_remove(f->db, alice, "nothing"), 1);
	token_hash(tok2, strlen(tok2), h);
	assert_int_equal(account_token_user(f->db, h, 300, &u), 1);

	/* disabling deletes the user's tokens */
	struct account_change ch = {.role = -1, .disabled = 1};
	assert_int_equal(account_user_change(f->db, "alice", &ch), 0);
	token_hash(tok, strlen(tok), h);
	assert_int_equal(account_token_user(f->db, h, 400, &u), 1);
	assert_int_equal(account_token_list(f->db, alice, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
}

/* A database made before the handler role: its tokens survive and handler becomes possible. */
static void test_auth_migration(void **state)
{
	struct fixture *f = *state;
	static const char *const v1[] = {
	    "CREATE TABLE auth_tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	    " role TEXT NOT NULL CHECK(role IN ('reader', 'admin')), token_hash BLOB NOT NULL "
	    "UNIQUE, created INTEGER NOT NULL)",
	};
	char err[256], path[128];
	sqlite3 *db;
	uint8_t h1[TOKEN_HASH_LEN], h2[TOKEN_HASH_LEN];
	enum http_role role;

	(void)snprintf(path, sizeof(path), "%s/old.db", f->dir);
	assert_int_equal(db_open(path, &db, err, sizeof(err)), 0);
	assert_int_equal(db_migrate(db, "auth", v1, 1, err, sizeof(err)), 0);
	token_hash("kk_one", 6, h1);
	token_hash("kk_two", 6, h2);
	assert_int_equal(auth_token_add(db, "old", HTTP_READER, h1, err, sizeof(err)), 0);
	/* the old CHECK refuses the handler role */
	assert_int_not_equal(auth_token_add(db, "h", HTTP_HANDLER, h2, err, sizeof(err)), 0);

	assert_int_equal(auth_migrate(db, err, sizeof(err)), 0);
	assert_int_equal(db_schema_version(db, "auth"), 2);
	assert_int_equal(auth_token_role(db, h1, &role, NULL, 0), 0);
	assert_int_equal(role, HTTP_READER);
	assert_int_equal(auth_token_add(db, "h", HTTP_HANDLER, h2, err, sizeof(err)), 0);
	assert_int_equal(auth_token_role(db, h2, &role, NULL, 0), 0);
	assert_int_equal(role, HTTP_HANDLER);
	assert_int_equal(auth_token_add(db, "old", HTTP_ADMIN, h2, err, sizeof(err)), -EEXIST);
	/* migrating again changes nothing */
	assert_int_equal(auth_migrate(db, err, sizeof(err)), 0);
	assert_int_equal(auth_token_role(db, h1, &role, NULL, 0), 0);
	sqlite3_close(db);
	(void)snprintf(path, sizeof(path), "%s/old.db-wal", f->dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/old.db-shm", f->dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/old.db", f->dir);
	(void)unlink(path);

	assert_int_equal(auth_role_parse("analyst", &role), 0);
	assert_int_equal(role, HTTP_READER);
	assert_int_equal(auth_role_parse("handler", &role), 0);
	assert_int_equal(role, HTTP_HANDLER);
	assert_string_equal(auth_role_name(HTTP_HANDLER), "handler");
	assert_string_equal(auth_role_name(HTTP_READER), "reader");
	assert_int_equal(auth_role_parse("superuser", &role), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password),
	    cmocka_unit_test(test_csrf),
	    cmocka_unit_test(test_hash_gate),
	    cmocka_unit_test_setup_teardown(test_users, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_timing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auth_migration, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
