/* account.h - people who sign in: users, passwords, sessions, CSRF, their API tokens, throttling
 *
 * Schema domain "account" (db_migrate). Passwords are kept as libsodium argon2id strings
 * (crypto_pwhash_str, OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE: 2 passes over 64 MiB, about
 * 0.1 s per hash on one core; docs/accounts.md). A session is a random 32-byte id sent as the
 * kk_session cookie and kept only as its keyed hash (token_hash), with a CSRF token, an idle
 * timeout and an absolute lifetime. Users' API tokens are token.h tokens kept as hashes too.
 * Failed sign-ins are counted per user name and per client address; after max_failures in a
 * window each further attempt waits exponentially longer.
 *
 * Every function takes the caller's connection (one per thread) and the time "now" in Unix
 * seconds, so tests can move the clock. Functions return 0 on success, 1 for "no such thing"
 * where stated, -errno or -1 (database) on failure. Thread-safe with one connection per thread.
 */
#ifndef KEIKAI_ACCOUNT_H
#define KEIKAI_ACCOUNT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define ACCOUNT_NAME_MAX      64   /* bytes of a user name: [A-Za-z0-9._-], starting alnum */
#define ACCOUNT_DISPLAY_MAX   128  /* bytes of a display name (UTF-8) */
#define ACCOUNT_PASSWORD_MIN  10   /* bytes */
#define ACCOUNT_PASSWORD_MAX  1024 /* bytes */
#define ACCOUNT_HASH_PARALLEL 4	   /* argon2id hashes at once (64 MiB each); more wait */
#define ACCOUNT_SECRET_LEN    43   /* a session id or CSRF token: 32 random bytes, base64url */

struct account_config {
	int64_t idle;		      /* a session ends after this many seconds unused */
	int64_t lifetime;	      /* and this many seconds after sign-in in any case */
	unsigned max_failures;	      /* failed sign-ins allowed in a window before waiting */
	unsigned max_failures_client; /* the same per client address (many people may share one) */
	int64_t window;		      /* seconds over which failures are counted */
	unsigned backoff;     /* the first wait, seconds; doubles with each further failure */
	unsigned backoff_max; /* the longest wait */
};

/* Defaults: idle 1800 s, lifetime 43200 s, 5 failures per name and 20 per client address in
 * 900 s, then waits from 1 s doubling up to 900 s. */
void account_config_default(struct account_config *c);

struct account_user {
	int64_t id;
	char name[ACCOUNT_NAME_MAX + 1];
	char display[ACCOUNT_DISPLAY_MAX + 1];
	enum http_role role; /* HTTP_READER (analyst), HTTP_HANDLER or HTTP_ADMIN */
	char lang[3];	     /* "en" or "ja" */
	bool disabled;
	int64_t created, last_login; /* last_login 0 = never */
};

/* Create or update the tables of the "account" schema. 0 or -1 with err. */
int account_migrate(sqlite3 *db, char *err, size_t errlen);

/* Role names of users: "analyst", "handler", "admin" ("reader" is accepted for analyst). */
const char *account_role_name(enum http_role r);
int account_role_parse(const char *s, enum http_role *ret);

/* Whether s is a valid user name (see ACCOUNT_NAME_MAX). */
bool account_name_valid(const char *s);

/* Hash a password into out (crypto_pwhash_STRBYTES = 128 bytes). 0, -EINVAL for a password
 * outside ACCOUNT_PASSWORD_MIN..MAX, -ENOMEM when the hash cannot get its memory. */
int account_password_hash(const char *pw, char out[128]);

/* Whether pw matches the stored hash; constant-time in pw. */
bool account_password_verify(const char *hash, const char *pw);
/* Both run at most ACCOUNT_HASH_PARALLEL at a time in the process (others wait); the most
 * that ever ran at once, for tests. */
int account_hash_peak(void);

/* Add a user: -EINVAL for a bad name, display, lang or password, -EEXIST when the name is
 * taken. The id in *ret_id when not NULL. */
int account_user_add(sqlite3 *db, const char *name, const char *display, enum http_role role,
		     const char *lang, const char *password, int64_t now, int64_t *ret_id);

/* A user by name: 0, 1 when there is none. */
int account_user_get(sqlite3 *db, const char *name, struct account_user *ret);

/* All users by name; *ret (malloc'd, the caller frees) and *ret_n. */
int account_user_list(sqlite3 *db, struct account_user **ret, size_t *ret_n);

/* Changes to a user; NULL / negative fields stay as they are. */
struct account_change {
	const char *display;
	const char *lang;
	const char *password;
	int role;     /* enum http_role, or -1 */
	int disabled; /* 0, 1, or -1 */
};

/* Apply changes in one transaction: 0, 1 when there is no such user, -EINVAL for a bad value,
 * -EBUSY (nothing changed) when the change would leave no active administrator: disabling the
 * last one or giving it a lesser role. Disabling ends the user's sessions and deletes the
 * user's API tokens. */
int account_user_change(sqlite3 *db, const char *name, const struct account_change *ch);

/* A new session, as sent to the browser. */
struct account_session {
	char id[ACCOUNT_SECRET_LEN + 1];   /* the cookie value; only its hash is stored */
	char csrf[ACCOUNT_SECRET_LEN + 1]; /* X-CSRF-Token must equal this */
	int64_t expires;		   /* when it ends unless used again */
	struct account_user user;
};

enum account_login_result {
	ACCOUNT_LOGIN_OK = 0,
	ACCOUNT_LOGIN_BAD = 1,	     /* unknown user, wrong password or disabled: one answer */
	ACCOUNT_LOGIN_THROTTLED = 2, /* too many failures: wait *ret_retry seconds */
};

/* Sign in: check the throttle for name and client, verify the password (against a dummy hash
 * for an unknown name, so that costs the same), count a failure or start a session. Returns an
 * account_login_result, or -1 on a database error. *ret is filled on ACCOUNT_LOGIN_OK;
 * *ret_retry on ACCOUNT_LOGIN_THROTTLED. A successful sign-in also deletes expired sessions. */
int account_login(sqlite3 *db, const struct account_config *c, const char *name,
		  const char *password, const char *client, int64_t now,
		  struct account_session *ret, unsigned *ret_retry);

/* The session of a cookie value: 0 with *ret filled (id empty: it is never stored) and
 * last_seen moved to now; 1 when unknown, expired or the user is disabled. */
int account_session_lookup(sqlite3 *db, const struct account_config *c, const char *cookie,
			   int64_t now, struct account_session *ret);

/* End the session of a cookie value: 0, 1 when there was none. */
int account_session_end(sqlite3 *db, const char *cookie);

/* Delete sessions past their idle timeout or lifetime; the number deleted or -1. */
int account_session_prune(sqlite3 *db, const struct account_config *c, int64_t now);

/* Whether a presented CSRF token equals the session's (constant-time; NULL never matches). */
bool account_csrf_equal(const char *expected, const char *presented);

/* Throttle: 0 when name and client may try now, else the seconds to wait. -1 on error. */
int64_t account_throttle_wait(sqlite3 *db, const struct account_config *c, const char *name,
			      const char *client, int64_t now);

/* Count a failed sign-in for name and for client. */
int account_throttle_fail(sqlite3 *db, const struct account_config *c, const char *name,
			  const char *client, int64_t now);

/* A user's API token; the token text is never stored or listed. */
struct account_token {
	char name[ACCOUNT_NAME_MAX + 1];
	int64_t created, last_used; /* last_used 0 = never */
};

/* Make a token for the user: its text (TOKEN_LEN + 1 bytes) into ret_token. -EINVAL for a bad
 * name, -EEXIST when the user has a token of that name. */
int account_token_add(sqlite3 *db, int64_t user_id, const char *name, int64_t now, char *ret_token,
		      size_t size);

/* The user's tokens by name; *ret malloc'd (the caller frees). */
int account_token_list(sqlite3 *db, int64_t user_id, struct account_token **ret, size_t *ret_n);

/* Delete the user's token by name: 0, 1 when there is none. */
int account_token_remove(sqlite3 *db, int64_t user_id, const char *name);

/* The enabled user owning a presented token's hash: 0 with *ret, 1 when none. */
int account_token_user(sqlite3 *db, const uint8_t hash[32], int64_t now, struct account_user *ret);

#endif
