/* auth.c - API tokens */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db.h"

#include "banned.h"

static const char *const migrations[] = {
    "CREATE TABLE auth_tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK(role IN ('reader', 'admin')), token_hash BLOB NOT NULL UNIQUE,"
    " created INTEGER NOT NULL)",
    /* 2: the incident handler's role; SQLite changes a CHECK only by rebuilding the table */
    "CREATE TABLE auth_tokens_new(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK(role IN ('reader', 'handler', 'admin')),"
    " token_hash BLOB NOT NULL UNIQUE, created INTEGER NOT NULL);"
    "INSERT INTO auth_tokens_new(id, name, role, token_hash, created)"
    " SELECT id, name, role, token_hash, created FROM auth_tokens;"
    "DROP TABLE auth_tokens;"
    "ALTER TABLE auth_tokens_new RENAME TO auth_tokens",
};

int auth_migrate(sqlite3 *db, char *err, size_t errlen)
{
	return db_migrate(db, "auth", migrations, 2, err, errlen);
}

const char *auth_role_name(enum http_role r)
{
	switch (r) {
	case HTTP_READER:
		return "reader";
	case HTTP_HANDLER:
		return "handler";
	case HTTP_ADMIN:
		return "admin";
	case HTTP_ANON:
		break;
	}
	return "anonymous";
}

int auth_role_parse(const char *s, enum http_role *r)
{
	if (strcmp(s, "admin") == 0)
		*r = HTTP_ADMIN;
	else if (strcmp(s, "reader") == 0 || strcmp(s, "analyst") == 0)
		*r = HTTP_READER;
	else if (strcmp(s, "handler") == 0)
		*r = HTTP_HANDLER;
	else
		return -EINVAL;
	return 0;
}

int auth_token_add(sqlite3 *db, const char *name, enum http_role role, const uint8_t hash[32],
		   char *err, size_t errlen)
{
	sqlite3_stmt *st = db_prepare(db,
				      "INSERT INTO auth_tokens(name, role, token_hash, created)"
				      " VALUES(?, ?, ?, unixepoch())",
				      err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, auth_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	(void)snprintf(err, errlen, "%s", sqlite3_errmsg(db));
	return (rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST : -1;
}

int auth_token_remove(sqlite3 *db, const char *name, char *err, size_t errlen)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM auth_tokens WHERE name = ?", err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		(void)snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_changes(db) ? 0 : 1;
}

int auth_token_role(sqlite3 *db, const uint8_t hash[32], enum http_role *role, char *name,
		    size_t namecap)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT role, name FROM auth_tokens WHERE token_hash = ?", -1,
			       &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st), ret = 1;
	if (rc == SQLITE_ROW) {
		ret = auth_role_parse((const char *)sqlite3_column_text(st, 0), role) == 0 ? 0 : -1;
		const unsigned char *n = sqlite3_column_text(st, 1);
		if (name && namecap)
			(void)snprintf(name, namecap, "%s", n ? (const char *)n : "");
	} else if (rc != SQLITE_DONE) {
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}
