/* session.h - keikaid's accounts API: sign-in, sessions, users, users' own API tokens
 *
 * The routes of docs/api-incident.md "Accounts and sessions", and the lookup that tells the
 * server who a request comes from (an API token, a user's token, or the kk_session cookie).
 * Each server thread uses its own database connection, opened on first use.
 */
#ifndef KEIKAI_SESSION_H
#define KEIKAI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/account.h"
#include "../lib/http.h"

struct session_api;

/* A new API over the database at db_path (already migrated); tls adds Secure to the cookie.
 * NULL when out of memory. The strings are copied. */
struct session_api *session_api_new(const char *db_path, const struct account_config *c, bool tls);
void session_api_free(struct session_api *a);

/* Copy up to max routes into out; returns how many. */
size_t session_api_routes(struct session_api *a, struct http_route *out, size_t max);

/* Who a request comes from. */
struct session_caller {
	enum http_role role;		      /* HTTP_ANON when nothing valid was presented */
	int64_t user_id;		      /* 0 for API tokens of auth.h and anonymous callers */
	char user_name[ACCOUNT_NAME_MAX + 1]; /* the user's, "token:NAME" for an API token of
					       * auth.h, "" for anonymous callers */
	bool by_cookie;			      /* signed in by the kk_session cookie */
	char csrf[ACCOUNT_SECRET_LEN + 1];    /* that session's CSRF token */
};

/* Resolve the caller from a bearer token (API tokens first, then users' tokens) or, without
 * one, the session cookie. 0 with *ret filled (role HTTP_ANON when neither was presented),
 * 1 when something was presented but is not valid (ret is anonymous), -1 on database errors.
 * Thread-safe. */
int session_api_caller(struct session_api *a, const char *bearer, const char *cookie, int64_t now,
		       struct session_caller *ret);

#endif
