/* auth.h - API tokens for people and programs that read or administer (not sensors)
 *
 * Tokens are made by `keikai token add NAME --role admin|handler|reader`; the table keeps their
 * hashes (token.h). Sensors have their own tokens in the observation store; people who sign in
 * have theirs in account.h.
 */
#ifndef KEIKAI_AUTH_H
#define KEIKAI_AUTH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Create or update the tables of the "auth" schema. 0 or -1 with err. */
int auth_migrate(sqlite3 *db, char *err, size_t errlen);

/* Add a token; -EEXIST when the name is taken, -1 on other errors. */
int auth_token_add(sqlite3 *db, const char *name, enum http_role role, const uint8_t hash[32],
		   char *err, size_t errlen);

/* Remove a token by name: 0, 1 when there is none, -1 on error. */
int auth_token_remove(sqlite3 *db, const char *name, char *err, size_t errlen);

/* The role of a presented token's hash: 0 with *role set (and, when name is not NULL, the
 * token's name in name[0, namecap), cut to fit), 1 when unknown, -1 on error. */
int auth_token_role(sqlite3 *db, const uint8_t hash[32], enum http_role *role, char *name,
		    size_t namecap);

/* Role names of API tokens: "reader" (the analyst; "analyst" is accepted too), "handler",
 * "admin". parse returns 0 or -EINVAL. */
const char *auth_role_name(enum http_role r);
int auth_role_parse(const char *s, enum http_role *r);

#endif
