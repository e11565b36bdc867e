/* db.h - SQLite access shared by the domains' stores
 *
 * A database is opened in WAL mode with synchronous=FULL, so a committed transaction survives a
 * crash of the process and of the machine: keikaid answers 2xx only after such a commit. Each
 * domain owns its tables and migrates them itself through db_migrate(), which records one schema
 * version per domain in the table schema_versions.
 */
#ifndef KEIKAI_DB_H
#define KEIKAI_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Open (creating) the database at path with keikai's settings. Returns 0, or -1 with a message
 * in err. */
int db_open(const char *path, sqlite3 **ret, char *err, size_t errlen);

/* Bring the domain's schema to version n: run steps[v] for every v from the stored version to
 * n - 1, each in its own transaction together with the version update. A database newer than
 * n is refused. Returns 0, or -1 with a message in err. */
int db_migrate(sqlite3 *db, const char *domain, const char *const *steps, int n, char *err,
	       size_t errlen);

/* The domain's stored schema version (0 when none); -1 on error. */
int db_schema_version(sqlite3 *db, const char *domain);

/* Execute SQL without results. Returns 0, or -1 with sqlite's message in err. */
int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

/* Prepare; returns the statement or NULL with the message in err. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, char *err, size_t errlen);

#endif
