/* db.c - SQLite access shared by the domains' stores */
#include "db.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

/* vsnprintf: the message may be cut to errlen, which is fine for a message */
static void __attribute__((format(printf, 3, 4)))
errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is just above */
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void set_err(char *err, size_t errlen, const char *what, sqlite3 *db)
{
	errf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		errf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		set_err(err, errlen, "prepare", db);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int db_open(const char *path, sqlite3 **ret, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	*ret = NULL;
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				     SQLITE_OPEN_EXRESCODE,
				 NULL);
	if (rc != SQLITE_OK) {
		set_err(err, errlen, path, db);
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 10000);
	/* WAL: readers never block the writer. synchronous=FULL: a commit is on disk when it
	 * returns. Foreign keys are enforced. Temporary tables stay in memory. A database created
	 * here gets 16 KiB pages (set before WAL, which fixes the size; an existing database
	 * keeps its own): a report with its raw mail fits in one page instead of an overflow
	 * chain, the B-trees are shallower, and a commit writes fewer WAL frames (mail intake,
	 * 100,000 reports: about 15 % less CPU than with 4 KiB pages). */
	if (db_exec(db,
		    "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
		    "PRAGMA foreign_keys=ON;"
		    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
		    "PRAGMA wal_autocheckpoint=4000;",
		    err, errlen) != 0) {
		sqlite3_close(db);
		return -1;
	}
	*ret = db;
	return 0;
}

static int ensure_versions(sqlite3 *db, char *err, size_t errlen)
{
	return db_exec(db,
		       "CREATE TABLE IF NOT EXISTS schema_versions("
		       " domain TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID",
		       err, errlen);
}

int db_schema_version(sqlite3 *db, const char *domain)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_versions WHERE domain = ?", -1, &st,
			       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		/* no table yet: version 0 */
		return sqlite3_errcode(db) == SQLITE_ERROR ? 0 : -1;
	}
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	int v = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (rc != SQLITE_DONE)
		v = -1;
	sqlite3_finalize(st);
	return v;
}

int db_migrate(sqlite3 *db, const char *domain, const char *const *steps, int n, char *err,
	       size_t errlen)
{
	if (err && errlen)
		err[0] = 0;
	if (ensure_versions(db, err, errlen) != 0)
		return -1;
	int have = db_schema_version(db, domain);
	if (have < 0) {
		set_err(err, errlen, "schema version", db);
		return -1;
	}
	if (have > n) {
		errf(err, errlen,
		     "database schema of %s is version %d, newer than this "
		     "program's %d; use a newer keikai",
		     domain, have, n);
		return -1;
	}
	for (int v = have; v < n; v++) {
		if (db_exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
			return -1;
		sqlite3_stmt *st = NULL;
		int ok = db_exec(db, steps[v], err, errlen) == 0 &&
			 sqlite3_prepare_v2(
			     db,
			     "INSERT INTO schema_versions(domain, version) VALUES(?, ?)"
			     " ON CONFLICT(domain) DO UPDATE SET version = excluded.version",
			     -1, &st, NULL) == SQLITE_OK &&
			 sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC) == SQLITE_OK &&
			 sqlite3_bind_int(st, 2, v + 1) == SQLITE_OK &&
			 sqlite3_step(st) == SQLITE_DONE;
		if (!ok && err && errlen && !err[0])
			set_err(err, errlen, "schema version", db);
		sqlite3_finalize(st);
		if (!ok) {
			(void)db_exec(db, "ROLLBACK", NULL, 0);
			return -1;
		}
		if (db_exec(db, "COMMIT", err, errlen) != 0) {
			(void)db_exec(db, "ROLLBACK", NULL, 0);
			return -1;
		}
	}
	return 0;
}
