/* store.c - the incident store: schema, statements, transactions, audit and the handler
 * operations (update, merge, split), each in one transaction with its audit entry */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ckd.h"
#include "../lib/db.h"
#include "../lib/jsonw.h"
#include "contact.h"
#include "enrich.h"
#include "store-impl.h"
#include "taxonomy.h"

#include "../lib/banned.h"

/* Version 1. The search index is contentless (content=''): it keeps only the trigram index, not
 * a second copy of the texts, which halves its size and its write cost; hits are report ids, and
 * reports are never deleted, so the index never needs the old values back. It is written outside
 * the intake transactions by the indexer (search.c), which follows the reports up to
 * search_state.indexed, the highest report id it has indexed. */
static const char *const schema[] = {
    "CREATE TABLE incidents(id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE,"
    " title TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'open', category TEXT,"
    " rsit_class TEXT, rsit_type TEXT, tlp TEXT NOT NULL, owner_id INTEGER, owner TEXT,"
    " priority TEXT NOT NULL DEFAULT 'normal', due INTEGER, opened INTEGER NOT NULL,"
    " updated INTEGER NOT NULL, last_report INTEGER NOT NULL,"
    " merged_into INTEGER REFERENCES incidents(id));"
    "CREATE INDEX incidents_status ON incidents(status, id);"
    "CREATE TABLE reports(id INTEGER PRIMARY KEY, ack TEXT NOT NULL UNIQUE,"
    " channel TEXT NOT NULL, received INTEGER NOT NULL, sent INTEGER, reporter TEXT,"
    " reporter_email TEXT, subject TEXT, text TEXT, raw BLOB NOT NULL, raw_type TEXT NOT NULL,"
    " raw_sha256 BLOB NOT NULL UNIQUE, message_id TEXT,"
    " status TEXT NOT NULL DEFAULT 'new', tlp TEXT NOT NULL,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id), entered_by TEXT,"
    " entered_by_id INTEGER, client TEXT);"
    "CREATE INDEX reports_incident ON reports(incident_id, received);"
    "CREATE INDEX reports_received ON reports(received);"
    "CREATE TABLE attachments(id INTEGER PRIMARY KEY,"
    " report_id INTEGER NOT NULL REFERENCES reports(id), name TEXT, type TEXT,"
    " size INTEGER NOT NULL);"
    "CREATE INDEX attachments_report ON attachments(report_id);"
    "CREATE TABLE indicators(id INTEGER PRIMARY KEY,"
    " report_id INTEGER NOT NULL REFERENCES reports(id), type TEXT NOT NULL, raw TEXT NOT NULL,"
    " value TEXT NOT NULL, registrable TEXT);"
    "CREATE INDEX indicators_report ON indicators(report_id);"
    /* canonical indicator -> open incidents holding it: what linking looks up */
    "CREATE TABLE incident_links(value TEXT NOT NULL, type TEXT NOT NULL,"
    " incident_id INTEGER NOT NULL, PRIMARY KEY(value, type, incident_id)) WITHOUT ROWID;"
    "CREATE INDEX incident_links_incident ON incident_links(incident_id);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, user_id INTEGER,"
    " user_name TEXT, object TEXT NOT NULL, object_id INTEGER NOT NULL, action TEXT NOT NULL,"
    " changes TEXT);"
    "CREATE INDEX audit_object ON audit(object, object_id, id);"
    "CREATE TABLE incident_seq(kind TEXT NOT NULL, year INTEGER NOT NULL, next INTEGER NOT NULL,"
    " PRIMARY KEY(kind, year)) WITHOUT ROWID;"
    "CREATE VIRTUAL TABLE reports_fts USING fts5(subject, text, reporter, indicators,"
    " content='', tokenize='trigram');"
    "CREATE TABLE search_state(indexed INTEGER NOT NULL);"
    "INSERT INTO search_state(indexed) VALUES (0);",
    /* Version 2. No index on incident_links(incident_id): an incident's entries are found from
     * its reports' indicators instead (ST_LINKS_DROP, through reports_incident and
     * indicators_report to the primary key), so a merge or split drops an incident's entries
     * before it moves reports away. The index cost every new entry a second B-tree insert,
     * at a place in the tree chosen by incident, and it served only those rare handler
     * operations. */
    "DROP INDEX IF EXISTS incident_links_incident;",
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_DUP] = "SELECT id, ack, incident_id FROM reports WHERE raw_sha256 = ?1",
    [ST_SEQ_GET] = "SELECT next FROM incident_seq WHERE kind = ?1 AND year = ?2",
    [ST_SEQ_PUT] = "INSERT INTO incident_seq(kind, year, next) VALUES (?1, ?2, ?3)"
		   " ON CONFLICT(kind, year) DO UPDATE SET next = excluded.next",
    [ST_LINK_FIND] = "SELECT i.id, i.last_report FROM incident_links l"
		     " JOIN incidents i ON i.id = l.incident_id"
		     " WHERE l.value = ?1 AND l.type = ?2 AND i.status = 'open'",
    [ST_LINK_ADD] = "INSERT OR IGNORE INTO incident_links(value, type, incident_id)"
		    " VALUES (?1, ?2, ?3)",
    [ST_INC_NEW] = "INSERT INTO incidents(ref, title, category, rsit_class, rsit_type, tlp,"
		   " opened, updated, last_report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7)",
    [ST_INC_TOUCH] = "UPDATE incidents SET last_report = max(last_report, ?2), updated = ?3"
		     " WHERE id = ?1",
    [ST_REPORT_NEW] =
	"INSERT INTO reports(ack, channel, received, sent, reporter,"
	" reporter_email, subject, text, raw, raw_type, raw_sha256, message_id,"
	" tlp, incident_id, entered_by, entered_by_id, client)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?17, ?16)",
    [ST_ATT_NEW] = "INSERT INTO attachments(report_id, name, type, size) VALUES (?1, ?2, ?3, ?4)",
    [ST_IND_NEW] = "INSERT INTO indicators(report_id, type, raw, value, registrable)"
		   " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_AUDIT] = "INSERT INTO audit(at, user_id, user_name, object, object_id, action, changes)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT r",
    [ST_RELEASE] = "RELEASE r",
    [ST_ROLLBACK_TO] = "ROLLBACK TO r",
    [ST_LINKS_DROP] = "DELETE FROM incident_links WHERE incident_id = ?1 AND (value, type) IN"
		      " (SELECT n.value, n.type FROM reports r JOIN indicators n"
		      " ON n.report_id = r.id WHERE r.incident_id = ?1)",
    [ST_LINKS_REBUILD] = "INSERT OR IGNORE INTO incident_links(value, type, incident_id)"
			 " SELECT DISTINCT n.value, n.type, r.incident_id FROM reports r"
			 " JOIN indicators n ON n.report_id = r.id JOIN incidents i"
			 " ON i.id = r.incident_id WHERE r.incident_id = ?1 AND i.status = 'open'",
    [ST_QUEUE_HOST] = enrich_queue_sql,
};

void inc_config_default(struct inc_config *c)
{
	*c = (struct inc_config){.link_window_days = 30,
				 .home_cc = "JP",
				 .max_report_bytes = 25u << 20,
				 .max_text_bytes = 1u << 20,
				 .max_indicators = 1000,
				 .mail_max_parts = 200,
				 .mail_max_depth = 8,
				 .default_tlp = "amber",
				 .tz_offset = 9 * 3600};
}

static const struct {
	int code;
	const char *key, *en, *ja;
} codes[] = {
    {INC_E_BAD, "bad_input", "The report is empty or cannot be read.",
     "報告が空か、読み取れません。"},
    {INC_E_TOOBIG, "too_large", "The report is too large.", "報告が大きすぎます。"},
    {INC_E_BUSY, "busy", "The store is busy; try again later.",
     "ストアが混み合っています。しばらくしてから再試行してください。"},
    {INC_E_NOTFOUND, "not_found", "There is no such report or incident.",
     "そのような報告またはインシデントはありません。"},
    {INC_E_FIELD, "bad_field", "A field has a value outside its vocabulary.",
     "項目の値が使える値ではありません。"},
    {INC_E_CONFLICT, "conflict", "This is not possible in the object's current state.",
     "現在の状態ではこの操作はできません。"},
    {INC_E_NOMEM, "no_memory", "Out of memory.", "メモリが足りません。"},
    {INC_E_DB, "internal", "The store failed; the server log has the reason.",
     "ストアの処理に失敗しました。理由はサーバのログにあります。"},
};

const char *inc_code(int code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code == code)
			return codes[i].key;
	return "internal";
}

const char *inc_strerror(int code, const char *lang)
{
	bool ja = lang && strcmp(lang, "ja") == 0;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code == code)
			return ja ? codes[i].ja : codes[i].en;
	return ja ? "不明なエラーです。" : "Unknown error.";
}

int inc_sqlite_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_PROTOCOL:
		return INC_E_BUSY;
	case SQLITE_NOMEM:
		return INC_E_NOMEM;
	default:
		return INC_E_DB;
	}
}

int inc_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : inc_sqlite_err(rc);
}

/* ---- calendar ---------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void inc_civil(int64_t t, int32_t tz, int *ret_year, int *ret_month)
{
	int64_t z = t + tz;
	int64_t days = z >= 0 ? z / 86400 : -((-z + 86399) / 86400);
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	*ret_year = (int)(y + (m <= 2));
	*ret_month = (int)m;
}

int64_t inc_month_start(int year, int month, int32_t tz)
{
	return days_from_civil(year, month, 1) * 86400 - tz;
}

/* ---- open, close, transactions ------------------------------------------------------------ */

/* The link cache outlives a commit (the next transaction asks PRAGMA data_version whether
 * another connection wrote since), but not a rollback. */
static int links_on_commit(void *arg)
{
	struct inc_store *s = arg;
	s->links_dv_seen = false;
	return 0; /* the commit goes ahead */
}

static void links_on_rollback(void *arg)
{
	struct inc_store *s = arg;
	s->links_dv_seen = false;
	link_cache_clear(s->links);
}

struct inc_store *inc_store_open(const char *path, const struct inc_config *cfg, char *err,
				 size_t n)
{
	struct inc_store *s = calloc(1, sizeof *s);
	if (!s) {
		(void)snprintf(err, n, "out of memory");
		return NULL;
	}
	if (cfg)
		s->cfg = *cfg;
	else
		inc_config_default(&s->cfg);
	if (s->cfg.link_window_days == 0)
		s->cfg.link_window_days = 30;
	if (!tax_tlp_canon(s->cfg.default_tlp))
		(void)snprintf(s->cfg.default_tlp, sizeof s->cfg.default_tlp, "amber");
	if (db_open(path, &s->db, err, n) != 0)
		goto fail;
	if (inc_search_register(s->db) != SQLITE_OK) {
		(void)snprintf(err, n, "cannot register search functions");
		goto fail;
	}
	if (db_migrate(s->db, "incident", schema, (int)(sizeof schema / sizeof schema[0]), err,
		       n) != 0)
		goto fail;
	/* the resolver's queue, which the intake fills, is the contact registry's */
	if (contact_migrate(s->db, err, n) != 0)
		goto fail;
	for (int i = 0; i < ST_COUNT; i++) {
		s->st[i] = db_prepare(s->db, stmt_sql[i], err, n);
		if (!s->st[i])
			goto fail;
	}
	(void)sqlite3_commit_hook(s->db, links_on_commit, s);
	sqlite3_rollback_hook(s->db, links_on_rollback, s);
	return s;
fail:
	inc_store_close(s);
	return NULL;
}

void inc_store_close(struct inc_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_finalize(s->data_version);
	sqlite3_close(s->db);
	EVP_MD_CTX_free(s->sha_ctx);
	EVP_MD_free(s->sha256);
	free(s->tri_count);
	link_cache_free(s->links);
	free(s);
}

sqlite3 *inc_store_db(struct inc_store *s)
{
	return s->db;
}

const struct inc_config *inc_store_config(const struct inc_store *s)
{
	return &s->cfg;
}

const char *inc_store_errmsg(struct inc_store *s)
{
	return sqlite3_errmsg(s->db);
}

int inc_store_begin(struct inc_store *s)
{
	s->nseq = 0;
	s->links_dv_seen = false;
	return inc_step_done(s->st[ST_BEGIN]);
}

int inc_store_commit(struct inc_store *s)
{
	/* the sequences are no concern of the link cache: what they write does not clear it */
	bool links_current = s->links_changes == sqlite3_total_changes64(s->db);
	for (size_t i = 0; i < s->nseq; i++) {
		sqlite3_stmt *st = s->st[ST_SEQ_PUT];
		sqlite3_bind_text(st, 1, s->seq[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, s->seq[i].year);
		sqlite3_bind_int64(st, 3, s->seq[i].next);
		int r = inc_step_done(st);
		if (r)
			return r;
	}
	s->nseq = 0;
	if (links_current)
		s->links_changes = sqlite3_total_changes64(s->db);
	return inc_step_done(s->st[ST_COMMIT]);
}

int inc_store_rollback(struct inc_store *s)
{
	s->nseq = 0;
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return inc_step_done(s->st[ST_ROLLBACK]);
}

int inc_store_savepoint(struct inc_store *s)
{
	int r = inc_step_done(s->st[ST_SAVEPOINT]);
	if (r == 0) {
		memcpy(s->seq_sp, s->seq, sizeof s->seq);
		s->nseq_sp = s->nseq;
	}
	return r;
}

int inc_store_release(struct inc_store *s)
{
	return inc_step_done(s->st[ST_RELEASE]);
}

int inc_store_rollback_to(struct inc_store *s)
{
	link_cache_clear(s->links);
	int r = inc_step_done(s->st[ST_ROLLBACK_TO]);
	if (r == 0) {
		memcpy(s->seq, s->seq_sp, sizeof s->seq);
		s->nseq = s->nseq_sp;
	}
	return r ? r : inc_store_release(s);
}

int inc_seq_next(struct inc_store *s, const char *kind, int64_t t, int *ret_year, int64_t *ret_n)
{
	int year, month;
	inc_civil(t, s->cfg.tz_offset, &year, &month);
	struct inc_seq *q = NULL;
	for (size_t i = 0; i < s->nseq && !q; i++)
		if (s->seq[i].year == year && strcmp(s->seq[i].kind, kind) == 0)
			q = &s->seq[i];
	if (!q) {
		/* a full cache is written back early, inside the transaction */
		if (s->nseq == sizeof s->seq / sizeof s->seq[0]) {
			for (size_t i = 0; i < s->nseq; i++) {
				sqlite3_stmt *st = s->st[ST_SEQ_PUT];
				sqlite3_bind_text(st, 1, s->seq[i].kind, -1, SQLITE_STATIC);
				sqlite3_bind_int(st, 2, s->seq[i].year);
				sqlite3_bind_int64(st, 3, s->seq[i].next);
				int r = inc_step_done(st);
				if (r)
					return r;
			}
			s->nseq = 0;
		}
		sqlite3_stmt *st = s->st[ST_SEQ_GET];
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, year);
		int rc = sqlite3_step(st);
		int64_t next = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
		int r = inc_step_done(st);
		if (r)
			return r;
		q = &s->seq[s->nseq++];
		inc_copy(q->kind, sizeof q->kind, kind);
		q->year = year;
		q->next = next;
	}
	*ret_year = year;
	*ret_n = q->next++;
	return 0;
}

/* Drop an incident's link-index entries: those of its reports' indicators, which are all it
 * has as long as reports move between incidents only after this ran for the incident they
 * leave (merge, split). */
static int links_drop(struct inc_store *s, int64_t incident_id)
{
	sqlite3_bind_int64(s->st[ST_LINKS_DROP], 1, incident_id);
	return inc_step_done(s->st[ST_LINKS_DROP]);
}

int inc_links_rebuild(struct inc_store *s, int64_t incident_id)
{
	int r = links_drop(s, incident_id);
	if (r)
		return r;
	sqlite3_bind_int64(s->st[ST_LINKS_REBUILD], 1, incident_id);
	return inc_step_done(s->st[ST_LINKS_REBUILD]);
}

int inc_audit(struct inc_store *s, const struct inc_actor *who, int64_t at, const char *object,
	      int64_t object_id, const char *action, const char *changes)
{
	sqlite3_stmt *st = s->st[ST_AUDIT];
	sqlite3_bind_int64(st, 1, at);
	if (who && who->user_id)
		sqlite3_bind_int64(st, 2, who->user_id);
	if (who && who->user_name)
		sqlite3_bind_text(st, 3, who->user_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, object, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, object_id);
	sqlite3_bind_text(st, 6, action, -1, SQLITE_STATIC);
	if (changes)
		sqlite3_bind_text(st, 7, changes, -1, SQLITE_STATIC);
	return inc_step_done(st);
}

/* ---- handler operations ------------------------------------------------------------------- */

static void set_field(char *out, size_t n, const char *name)
{
	if (out && n)
		inc_copy(out, n, name);
}

/* A column's text (or NULL) copied into buf. */
static const char *col_text(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (!t)
		return NULL;
	inc_copy(buf, n, (const char *)t);
	return buf;
}

static void change_str(struct jsonw *w, const char *field, const char *old, const char *new)
{
	jsonw_key(w, field);
	jsonw_arr_begin(w);
	if (old)
		jsonw_str(w, old);
	else
		jsonw_null(w);
	if (new)
		jsonw_str(w, new);
	else
		jsonw_null(w);
	jsonw_arr_end(w);
}

static void change_i64(struct jsonw *w, const char *field, bool has_old, int64_t old, bool has_new,
		       int64_t new)
{
	jsonw_key(w, field);
	jsonw_arr_begin(w);
	if (has_old)
		jsonw_i64(w, old);
	else
		jsonw_null(w);
	if (has_new)
		jsonw_i64(w, new);
	else
		jsonw_null(w);
	jsonw_arr_end(w);
}

static bool same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Run a one-off statement with up to two int64 and three text parameters bound in order:
 * texts first (?1..), then ints. Used only by the rare handler operations. */
static int exec_bind(struct inc_store *s, const char *sql, const char *const *texts, size_t nt,
		     const int64_t *ints, size_t ni)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inc_sqlite_err(rc);
	int k = 1;
	for (size_t i = 0; i < nt; i++, k++)
		if (texts[i])
			sqlite3_bind_text(st, k, texts[i], -1, SQLITE_STATIC);
	for (size_t i = 0; i < ni; i++, k++)
		sqlite3_bind_int64(st, k, ints[i]);
	int r = inc_step_done(st);
	sqlite3_finalize(st);
	return r;
}

static int finish_tx(struct inc_store *s, int r)
{
	if (r == 0)
		r = inc_store_commit(s);
	if (r != 0)
		(void)inc_store_rollback(s);
	return r;
}

static char *json_done(struct jsonw *w)
{
	size_t len;
	return jsonw_finish(w, &len, NULL);
}

int inc_report_update(struct inc_store *s, int64_t id, const char *status, const char *tlp,
		      const struct inc_actor *who, int64_t now, char *ret_field, size_t fieldlen)
{
	if (status && (strcmp(status, "new") != 0 && !tax_find(tax_report_status, status))) {
		set_field(ret_field, fieldlen, "status");
		return INC_E_FIELD;
	}
	const char *tlp_c = NULL;
	if (tlp && !(tlp_c = tax_tlp_canon(tlp))) {
		set_field(ret_field, fieldlen, "tlp");
		return INC_E_FIELD;
	}
	int r = inc_store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *st = NULL;
	char *changes = NULL;
	r = sqlite3_prepare_v2(s->db, "SELECT status, tlp FROM reports WHERE id = ?1", -1, &st,
			       NULL);
	if (r != SQLITE_OK) {
		r = inc_sqlite_err(r);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	char old_status[32] = "", old_tlp[32] = "";
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = INC_E_NOTFOUND;
		goto out;
	}
	(void)col_text(st, 0, old_status, sizeof old_status);
	(void)col_text(st, 1, old_tlp, sizeof old_tlp);
	struct jsonw w;
	jsonw_init(&w, 4096);
	jsonw_obj_begin(&w);
	bool any = false;
	if (status && strcmp(status, old_status) != 0) {
		change_str(&w, "status", old_status, status);
		any = true;
	} else {
		status = NULL;
	}
	if (tlp_c && strcmp(tlp_c, old_tlp) != 0) {
		change_str(&w, "tlp", old_tlp, tlp_c);
		any = true;
	} else {
		tlp_c = NULL;
	}
	jsonw_obj_end(&w);
	changes = json_done(&w);
	r = 0;
	if (!any)
		goto out;
	if (!changes) {
		r = INC_E_NOMEM;
		goto out;
	}
	const char *texts[] = {status, tlp_c};
	r = exec_bind(s,
		      "UPDATE reports SET status = coalesce(?1, status), tlp = coalesce(?2, tlp)"
		      " WHERE id = ?3",
		      texts, 2, &id, 1);
	if (r == 0)
		r = inc_audit(s, who, now, "report", id, "updated", changes);
out:
	sqlite3_finalize(st);
	free(changes);
	return finish_tx(s, r);
}

/* Look up a user by login name in the accounts table, when there is one. 0 and the id (0 when
 * the table does not exist: the name is kept as given), INC_E_FIELD when there is no such
 * user. */
static int owner_lookup(struct inc_store *s, const char *name, int64_t *ret_id)
{
	sqlite3_stmt *st = NULL;
	*ret_id = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT id FROM users WHERE name = ?1", -1, &st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		return 0; /* no accounts table (yet) */
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int r = INC_E_FIELD;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

static bool status_move_ok(const char *from, const char *to)
{
	if (strcmp(to, "merged") == 0 || strcmp(from, "merged") == 0)
		return false;
	return tax_find(tax_incident_status, to) != NULL;
}

struct incident_row {
	char title[512], status[32], category[64], rsit_class[64], rsit_type[96], tlp[32],
	    owner[128], priority[32];
	bool has_category, has_class, has_type, has_owner, has_due;
	int64_t due;
};

static int incident_load(struct inc_store *s, int64_t id, struct incident_row *o)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    sqlite3_prepare_v2(s->db,
			       "SELECT title, status, category, rsit_class, rsit_type, tlp, owner,"
			       " priority, due FROM incidents WHERE id = ?1",
			       -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inc_sqlite_err(rc);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	int r = 0;
	if (rc == SQLITE_ROW) {
		memset(o, 0, sizeof *o);
		(void)col_text(st, 0, o->title, sizeof o->title);
		(void)col_text(st, 1, o->status, sizeof o->status);
		o->has_category = col_text(st, 2, o->category, sizeof o->category) != NULL;
		o->has_class = col_text(st, 3, o->rsit_class, sizeof o->rsit_class) != NULL;
		o->has_type = col_text(st, 4, o->rsit_type, sizeof o->rsit_type) != NULL;
		(void)col_text(st, 5, o->tlp, sizeof o->tlp);
		o->has_owner = col_text(st, 6, o->owner, sizeof o->owner) != NULL;
		(void)col_text(st, 7, o->priority, sizeof o->priority);
		o->has_due = sqlite3_column_type(st, 8) != SQLITE_NULL;
		o->due = sqlite3_column_int64(st, 8);
	} else {
		r = rc == SQLITE_DONE ? INC_E_NOTFOUND : inc_sqlite_err(rc);
	}
	sqlite3_finalize(st);
	return r;
}

#define OPT(has, buf) ((has) ? (buf) : NULL)

int inc_incident_update(struct inc_store *s, int64_t id, const struct inc_incident_patch *p,
			const struct inc_actor *who, int64_t now, char *ret_field, size_t fieldlen)
{
	/* validate what does not need the row */
	const char *tlp = NULL;
	if (p->tlp && !(tlp = tax_tlp_canon(p->tlp))) {
		set_field(ret_field, fieldlen, "tlp");
		return INC_E_FIELD;
	}
	if (p->priority && !tax_find(tax_priorities, p->priority)) {
		set_field(ret_field, fieldlen, "priority");
		return INC_E_FIELD;
	}
	if (p->category && !tax_find(tax_categories, p->category)) {
		set_field(ret_field, fieldlen, "category");
		return INC_E_FIELD;
	}
	if (p->status && !tax_find(tax_incident_status, p->status)) {
		set_field(ret_field, fieldlen, "status");
		return INC_E_FIELD;
	}
	if (p->title && (p->title[0] == 0 || strlen(p->title) > 500)) {
		set_field(ret_field, fieldlen, "title");
		return INC_E_FIELD;
	}
	if (p->set_due && p->due < 0) {
		set_field(ret_field, fieldlen, "due");
		return INC_E_FIELD;
	}
	int r = inc_store_begin(s);
	if (r)
		return r;
	char *changes = NULL;
	struct incident_row o;
	if ((r = incident_load(s, id, &o)) != 0)
		goto out;
	if (strcmp(o.status, "merged") == 0) {
		r = INC_E_CONFLICT;
		goto out;
	}
	/* RSIT: a pair, or a type alone with the incident's class, or a class alone that keeps
	 * the type only when the pair exists */
	const char *cls = p->rsit_class ? p->rsit_class : OPT(o.has_class, o.rsit_class);
	const char *typ = p->rsit_type ? p->rsit_type : OPT(o.has_type, o.rsit_type);
	const struct rsit_type *rt = NULL;
	if (p->rsit_class || p->rsit_type) {
		if (!cls || !tax_find(tax_rsit_classes, cls)) {
			set_field(ret_field, fieldlen, "rsit_class");
			r = INC_E_FIELD;
			goto out;
		}
		rt = typ ? tax_rsit_find(cls, typ) : NULL;
		if (!rt) {
			set_field(ret_field, fieldlen, "rsit_type");
			r = INC_E_FIELD;
			goto out;
		}
	}
	const char *category = p->category;
	if (!category && rt && p->rsit_type)
		category = rt->category;
	if (p->status && strcmp(p->status, o.status) != 0 && !status_move_ok(o.status, p->status)) {
		set_field(ret_field, fieldlen, "status");
		r = INC_E_FIELD;
		goto out;
	}
	int64_t owner_id = 0;
	if (p->owner && (r = owner_lookup(s, p->owner, &owner_id)) != 0) {
		set_field(ret_field, fieldlen, "owner");
		goto out;
	}

	struct jsonw w;
	jsonw_init(&w, 8192);
	jsonw_obj_begin(&w);
	bool status_changed = false;
	const char *n_title = NULL, *n_status = NULL, *n_cat = NULL, *n_cls = NULL, *n_typ = NULL,
		   *n_tlp = NULL, *n_owner = NULL, *n_prio = NULL;
	if (p->title && strcmp(p->title, o.title) != 0)
		change_str(&w, "title", o.title, n_title = p->title);
	if (p->status && strcmp(p->status, o.status) != 0) {
		change_str(&w, "status", o.status, n_status = p->status);
		status_changed = true;
	}
	if (category && !same(category, OPT(o.has_category, o.category)))
		change_str(&w, "category", OPT(o.has_category, o.category), n_cat = category);
	if (rt && !same(rt->class_key, OPT(o.has_class, o.rsit_class)))
		change_str(&w, "rsit_class", OPT(o.has_class, o.rsit_class), n_cls = rt->class_key);
	if (rt && !same(rt->type_key, OPT(o.has_type, o.rsit_type)))
		change_str(&w, "rsit_type", OPT(o.has_type, o.rsit_type), n_typ = rt->type_key);
	if (tlp && strcmp(tlp, o.tlp) != 0)
		change_str(&w, "tlp", o.tlp, n_tlp = tlp);
	if (p->owner && !same(p->owner, OPT(o.has_owner, o.owner)))
		change_str(&w, "owner", OPT(o.has_owner, o.owner), n_owner = p->owner);
	bool clear_owner = p->clear_owner && o.has_owner;
	if (clear_owner)
		change_str(&w, "owner", o.owner, NULL);
	if (p->priority && strcmp(p->priority, o.priority) != 0)
		change_str(&w, "priority", o.priority, n_prio = p->priority);
	bool due_changed = p->set_due && (p->due ? !o.has_due || o.due != p->due : o.has_due);
	if (due_changed)
		change_i64(&w, "due", o.has_due, o.due, p->due != 0, p->due);
	jsonw_obj_end(&w);
	changes = json_done(&w);
	if (!changes) {
		r = INC_E_NOMEM;
		goto out;
	}
	if (strcmp(changes, "{}") == 0) {
		r = 0;
		goto out;
	}
	const char *texts[] = {n_title, n_status, n_cat, n_cls, n_typ, n_tlp, n_owner, n_prio};
	int64_t ints[] = {owner_id, p->due, due_changed, clear_owner, now, id};
	r = exec_bind(
	    s,
	    "UPDATE incidents SET title = coalesce(?1, title), status = coalesce(?2, status),"
	    " category = coalesce(?3, category), rsit_class = coalesce(?4, rsit_class),"
	    " rsit_type = coalesce(?5, rsit_type), tlp = coalesce(?6, tlp),"
	    " owner = CASE WHEN ?12 THEN NULL ELSE coalesce(?7, owner) END,"
	    " owner_id = CASE WHEN ?12 THEN NULL WHEN ?7 IS NOT NULL THEN nullif(?9, 0)"
	    " ELSE owner_id END, priority = coalesce(?8, priority),"
	    " due = CASE WHEN ?11 THEN nullif(?10, 0) ELSE due END, updated = ?13"
	    " WHERE id = ?14",
	    texts, 8, ints, 6);
	if (r == 0 && status_changed)
		r = inc_links_rebuild(s, id);
	if (r == 0)
		r = inc_audit(s, who, now, "incident", id, "updated", changes);
out:
	free(changes);
	return finish_tx(s, r);
}

static int incident_status(struct inc_store *s, int64_t id, char *buf, size_t n)
{
	struct incident_row o;
	int r = incident_load(s, id, &o);
	if (r == 0)
		inc_copy(buf, n, o.status);
	return r;
}

int inc_incident_merge(struct inc_store *s, int64_t into, const int64_t *from, size_t n,
		       const struct inc_actor *who, int64_t now)
{
	if (n == 0)
		return INC_E_BAD;
	int r = inc_store_begin(s);
	if (r)
		return r;
	char st[32];
	if ((r = incident_status(s, into, st, sizeof st)) != 0)
		goto out;
	if (strcmp(st, "merged") == 0) {
		r = INC_E_CONFLICT;
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if (from[i] == into) {
			r = INC_E_CONFLICT;
			break;
		}
		if ((r = incident_status(s, from[i], st, sizeof st)) != 0)
			break;
		if (strcmp(st, "merged") == 0) {
			r = INC_E_CONFLICT;
			break;
		}
		int64_t a[] = {into, from[i]};
		r = links_drop(s, from[i]);
		if (r == 0)
			r = exec_bind(s,
				      "UPDATE reports SET incident_id = ?1 WHERE incident_id = ?2",
				      NULL, 0, a, 2);
		int64_t b[] = {into, now, from[i]};
		if (r == 0)
			r = exec_bind(s,
				      "UPDATE incidents SET status = 'merged', merged_into = ?1,"
				      " updated = ?2 WHERE id = ?3",
				      NULL, 0, b, 3);
		if (r == 0)
			r = inc_links_rebuild(s, from[i]);
		char ch[160];
		int k = snprintf(ch, sizeof ch,
				 "{\"status\":[\"%s\",\"merged\"],\"merged_into\":[null,%lld]}", st,
				 (long long)into);
		if (k < 0 || (size_t)k >= sizeof ch)
			r = INC_E_DB;
		if (r == 0)
			r = inc_audit(s, who, now, "incident", from[i], "merged", ch);
		k = snprintf(ch, sizeof ch, "{\"merged_from\":[null,%lld]}", (long long)from[i]);
		if (k < 0 || (size_t)k >= sizeof ch)
			r = INC_E_DB;
		if (r == 0)
			r = inc_audit(s, who, now, "incident", into, "merged", ch);
	}
	int64_t c[] = {now, into};
	if (r == 0)
		r = exec_bind(s,
			      "UPDATE incidents SET updated = ?1, last_report = coalesce((SELECT"
			      " max(received) FROM reports WHERE incident_id = ?2), last_report)"
			      " WHERE id = ?2",
			      NULL, 0, c, 2);
	if (r == 0)
		r = inc_links_rebuild(s, into);
out:
	return finish_tx(s, r);
}

int inc_incident_split(struct inc_store *s, int64_t id, const int64_t *reports, size_t n,
		       const struct inc_actor *who, int64_t now, int64_t *ret_id)
{
	if (n == 0)
		return INC_E_BAD;
	int r = inc_store_begin(s);
	if (r)
		return r;
	sqlite3_stmt *q = NULL;
	struct incident_row o;
	if ((r = incident_load(s, id, &o)) != 0)
		goto out;
	if (strcmp(o.status, "merged") == 0) {
		r = INC_E_CONFLICT;
		goto out;
	}
	/* every report must be the incident's, and some must stay */
	int rc = sqlite3_prepare_v2(
	    s->db, "SELECT count(*), sum(id = ?2) FROM reports WHERE incident_id = ?1", -1, &q,
	    NULL);
	if (rc != SQLITE_OK) {
		r = inc_sqlite_err(rc);
		goto out;
	}
	size_t moving = 0;
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup = dup || reports[j] == reports[i];
		if (dup)
			continue;
		sqlite3_bind_int64(q, 1, id);
		sqlite3_bind_int64(q, 2, reports[i]);
		if (sqlite3_step(q) != SQLITE_ROW) {
			r = INC_E_DB;
			goto out;
		}
		total = sqlite3_column_int64(q, 0);
		bool mine = sqlite3_column_int64(q, 1) > 0;
		sqlite3_reset(q);
		if (!mine) {
			r = INC_E_NOTFOUND;
			goto out;
		}
		moving++;
	}
	if ((int64_t)moving >= total) {
		r = INC_E_CONFLICT;
		goto out;
	}
	int year;
	int64_t seq;
	if ((r = inc_seq_next(s, "KK", now, &year, &seq)) != 0)
		goto out;
	char ref[48];
	int k = snprintf(ref, sizeof ref, "KK-%04d-%05lld", year, (long long)seq);
	if (k < 0 || (size_t)k >= sizeof ref) {
		r = INC_E_DB;
		goto out;
	}
	const char *texts[] = {ref,
			       o.title,
			       OPT(o.has_category, o.category),
			       OPT(o.has_class, o.rsit_class),
			       OPT(o.has_type, o.rsit_type),
			       o.tlp,
			       o.priority};
	int64_t ints[] = {now};
	r = exec_bind(s,
		      "INSERT INTO incidents(ref, title, category, rsit_class, rsit_type, tlp,"
		      " priority, opened, updated, last_report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		      " ?8, ?8, ?8)",
		      texts, 7, ints, 1);
	if (r)
		goto out;
	int64_t nid = sqlite3_last_insert_rowid(s->db);
	r = links_drop(s, id); /* while the moving reports still name it */
	for (size_t i = 0; i < n && r == 0; i++) {
		int64_t a[] = {nid, reports[i]};
		r = exec_bind(s, "UPDATE reports SET incident_id = ?1 WHERE id = ?2", NULL, 0, a,
			      2);
	}
	/* both incidents' times follow their reports; the new one opens with its first */
	int64_t c[] = {id, now, nid};
	if (r == 0)
		r = exec_bind(
		    s,
		    "UPDATE incidents SET updated = ?2, last_report = (SELECT max(received)"
		    " FROM reports WHERE incident_id = incidents.id) WHERE id IN (?1, ?3)",
		    NULL, 0, c, 3);
	if (r == 0)
		r = exec_bind(s,
			      "UPDATE incidents SET opened = (SELECT min(received) FROM reports"
			      " WHERE incident_id = incidents.id) WHERE id = ?3",
			      NULL, 0, c, 3);
	if (r == 0)
		r = inc_links_rebuild(s, id);
	if (r == 0)
		r = inc_links_rebuild(s, nid);
	if (r == 0) {
		struct jsonw w;
		jsonw_init(&w, 1 << 20);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "reports");
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < n; i++)
			jsonw_i64(&w, reports[i]);
		jsonw_arr_end(&w);
		jsonw_key(&w, "from");
		jsonw_i64(&w, id);
		jsonw_key(&w, "to");
		jsonw_i64(&w, nid);
		jsonw_obj_end(&w);
		char *ch = json_done(&w);
		r = ch ? inc_audit(s, who, now, "incident", id, "split", ch) : INC_E_NOMEM;
		if (r == 0)
			r = inc_audit(s, who, now, "incident", nid, "opened", ch);
		free(ch);
	}
	if (r == 0 && ret_id)
		*ret_id = nid;
out:
	sqlite3_finalize(q);
	return finish_tx(s, r);
}
