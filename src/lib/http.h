/* http.h - what a domain's API handler sees of a request, and what it answers
 *
 * keikaid's HTTP server (src/server/) implements these; the domains (src/obs/, ...) only use
 * them, so they never depend on the server or on libmicrohttpd. A handler runs on one of the
 * server's threads and may block (the ingest handler waits for its group commit).
 */
#ifndef KEIKAI_HTTP_H
#define KEIKAI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Who may do what: an analyst reads (HTTP_READER), an incident handler also writes reports and
 * incidents (HTTP_HANDLER), an administrator also manages users, sensors and tokens. */
enum http_role { HTTP_ANON = 0, HTTP_READER = 1, HTTP_HANDLER = 2, HTTP_ADMIN = 3 };

struct http_req {
	const char *method;
	const char *path;	 /* decoded path, without the query */
	const char *const *args; /* path segments matched by '*' in the route, NULL-terminated */
	const char *body;
	size_t body_len;
	enum http_role role;   /* from an API token or session; HTTP_ANON without one */
	const char *bearer;    /* the Authorization: Bearer value, or NULL */
	int64_t now;	       /* Unix seconds when the request arrived */
	int64_t user_id;       /* the signed-in user or the token's owner; 0 for none */
	const char *user_name; /* that user's login name, or the token's name; NULL for none */
	const char *client;    /* the peer's address as text ("127.0.0.1", "::1") */
	const char *session;   /* the kk_session cookie when it signed the caller in, or NULL */
	/* the server's accessors: a query argument (decoded) and a request header, or NULL */
	const char *(*query)(const struct http_req *rq, const char *key);
	const char *(*header)(const struct http_req *rq, const char *name);
	void *impl;
};

struct http_resp {
	unsigned status;
	char *body; /* malloc'd; the server frees it */
	size_t len;
	const char *type;	 /* content type (static); default application/json */
	unsigned retry_after;	 /* seconds, 0 = none */
	const char *disposition; /* Content-Disposition (static) or NULL */
	bool cacheable;		 /* the same request gives the same answer until data changes */
	char *set_cookie;	 /* a Set-Cookie value, malloc'd (the server frees it), or NULL */
};

typedef void (*http_handler)(void *ctx, const struct http_req *rq, struct http_resp *rs);

/* A route: method and a path pattern where "*" matches one segment ("/api/v1/x/ * /y"). */
struct http_route {
	const char *method;
	const char *pattern;
	http_handler fn;
	void *ctx;
	enum http_role need; /* least role allowed; HTTP_ANON for public routes */
};

/* Answer an error: status, stable code, and the message in both languages. */
void http_error(struct http_resp *rs, unsigned status, const char *code, const char *en,
		const char *ja);

/* Answer with a finished JSON text (ownership passes to rs). */
void http_json(struct http_resp *rs, unsigned status, char *text, size_t len);

#endif
