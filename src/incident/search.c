/* search.c - report search and the indexer that keeps its index
 *
 * The trigram index (reports_fts) is not written by intake: the indexer follows the reports in
 * id order and records the highest id it has indexed in search_state.indexed (the watermark),
 * in the same transaction as the entries it writes, so a crash loses nothing and indexes
 * nothing twice. A search is complete at every moment: the index answers for the reports up to
 * the watermark, a substring scan for the ones above it (the tail, which keikaid's writer and
 * `keikai import mail` keep short); both in one statement, so both see one snapshot.
 *
 * The user's text is never FTS5 syntax: it becomes one quoted phrase (inner quotes doubled),
 * which the trigram tokenizer matches as a substring, case-insensitively for ASCII and for
 * Japanese as written; the tail scan matches the same way (LIKE folds ASCII case only). Queries of
 * one or two characters scan the newest reports. Newest first means highest report id first
 * (the order of arrival).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ckd.h"
#include "store-impl.h"

#include "../lib/banned.h"

#define QUERY_MAX 1024 /* bytes of a query */

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* "%q%" as a LIKE pattern with the escape character \: % _ and \ in q are escaped. */
static char *like_pattern(const char *q)
{
	size_t len = strlen(q), cap;
	if (!ckd_size_mul(len, 2, &cap) || !ckd_size_add(cap, 3, &cap))
		return NULL;
	char *p = malloc(cap);
	if (!p)
		return NULL;
	size_t o = 0;
	p[o++] = '%';
	for (size_t i = 0; i < len; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			p[o++] = '\\';
		p[o++] = q[i];
	}
	p[o++] = '%';
	p[o] = 0;
	return p;
}

/* "q" as one FTS5 phrase: "..." with each " doubled. */
static char *fts_phrase(const char *q)
{
	size_t len = strlen(q), cap;
	if (!ckd_size_mul(len, 2, &cap) || !ckd_size_add(cap, 3, &cap))
		return NULL;
	char *p = malloc(cap);
	if (!p)
		return NULL;
	size_t o = 0;
	p[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (q[i] == '"')
			p[o++] = '"';
		p[o++] = q[i];
	}
	p[o++] = '"';
	p[o] = 0;
	return p;
}

/* ---- the indexer -------------------------------------------------------------------------- */

static int run_sql(struct inc_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK
		   ? 0
		   : inc_sqlite_err(sqlite3_errcode(s->db));
}

/* One int64 from a statement with up to two int64 parameters; *ret untouched on no row. */
static int query_i64(struct inc_store *s, const char *sql, int64_t a, int64_t b, int64_t *ret)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inc_sqlite_err(rc);
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : inc_sqlite_err(rc);
}

int inc_index_pending(struct inc_store *s, int64_t *ret_n)
{
	*ret_n = 0;
	int64_t mark = 0, top = 0;
	int r = query_i64(s, "SELECT indexed FROM search_state", 0, 0, &mark);
	if (r == 0)
		r = query_i64(s, "SELECT max(id) FROM reports", 0, 0, &top);
	if (r == 0 && top > mark)
		r = query_i64(s, "SELECT count(*) FROM reports WHERE id > ?1", mark, 0, ret_n);
	return r;
}

int inc_index_run(struct inc_store *s, size_t max, size_t *ret_n)
{
	*ret_n = 0;
	if (max == 0 || max > INT32_MAX)
		max = INT32_MAX;
	/* a read first: nothing to do costs no write lock */
	int64_t mark = 0, top = 0;
	int r = query_i64(s, "SELECT indexed FROM search_state", 0, 0, &mark);
	if (r == 0)
		r = query_i64(s, "SELECT max(id) FROM reports", 0, 0, &top);
	if (r || top <= mark)
		return r;
	if ((r = inc_store_begin(s)) != 0)
		return r;
	/* again under the write lock: another indexer may have been first */
	int64_t hi = 0, n = 0;
	r = query_i64(s, "SELECT indexed FROM search_state", 0, 0, &mark);
	if (r == 0)
		r = query_i64(s,
			      "SELECT max(id) FROM (SELECT id FROM reports WHERE id > ?1"
			      " ORDER BY id LIMIT ?2)",
			      mark, (int64_t)max, &hi);
	if (r == 0 && hi > mark) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(
		    s->db,
		    "INSERT INTO reports_fts(rowid, subject, text, reporter, indicators)"
		    " SELECT r.id, r.subject, r.text, coalesce(r.reporter, '') || ' ' ||"
		    " coalesce(r.reporter_email, ''), (SELECT group_concat(n.value, char(10))"
		    " FROM indicators n WHERE n.report_id = r.id"
		    /* a value found as written in the text needs no entry of its own: every
		     * substring of it is one of the text */
		    " AND instr(coalesce(r.text, ''), n.value) = 0) FROM reports r"
		    " WHERE r.id > ?1 AND r.id <= ?2 ORDER BY r.id",
		    -1, &st, NULL);
		if (rc != SQLITE_OK) {
			r = inc_sqlite_err(rc);
		} else {
			sqlite3_bind_int64(st, 1, mark);
			sqlite3_bind_int64(st, 2, hi);
			r = inc_step_done(st);
			n = sqlite3_changes(s->db);
		}
		sqlite3_finalize(st);
		if (r == 0)
			r = query_i64(s, "UPDATE search_state SET indexed = ?1 RETURNING indexed",
				      hi, 0, &hi);
	}
	if (r == 0)
		r = inc_store_commit(s);
	if (r) {
		(void)inc_store_rollback(s);
		return r;
	}
	*ret_n = (size_t)n;
	return 0;
}

int inc_index_reset(struct inc_store *s)
{
	int r = inc_store_begin(s);
	if (r == 0)
		r = run_sql(s, "INSERT INTO reports_fts(reports_fts) VALUES ('delete-all');"
			       "UPDATE search_state SET indexed = 0;");
	if (r == 0)
		r = inc_store_commit(s);
	if (r)
		(void)inc_store_rollback(s);
	return r;
}

/* ---- search ------------------------------------------------------------------------------- */

int inc_search(struct inc_store *s, const char *q, int64_t before, size_t max, int64_t *ids,
	       size_t *ret_n)
{
	if (!q)
		return INC_E_BAD;
	while (*q == ' ' || *q == '\t')
		q++;
	size_t len = strlen(q);
	while (len && (q[len - 1] == ' ' || q[len - 1] == '\t'))
		len--;
	if (len == 0 || len > QUERY_MAX)
		return INC_E_BAD;
	char *term = malloc(len + 1);
	if (!term)
		return INC_E_NOMEM;
	memcpy(term, q, len);
	term[len] = 0;
	if (before <= 0)
		before = INT64_MAX;
	sqlite3_stmt *st = NULL;
	char *phrase = NULL, *like = NULL;
	int r = 0, rc;
	if (utf8_chars(term) >= 3) {
		phrase = fts_phrase(term);
		like = like_pattern(term);
		if (!phrase || !like) {
			r = INC_E_NOMEM;
			goto out;
		}
		/* the tail above the watermark by a scan, then the index below it; every tail id
		 * is above every indexed one, so the two parts come newest first in order */
		rc = sqlite3_prepare_v2(
		    s->db,
		    "SELECT id FROM (SELECT r.id FROM reports r"
		    " WHERE r.id > (SELECT indexed FROM search_state) AND r.id < ?2"
		    " AND (r.subject LIKE ?4 ESCAPE '\\' OR r.text LIKE ?4 ESCAPE '\\'"
		    " OR (coalesce(r.reporter, '') || ' ' || coalesce(r.reporter_email, ''))"
		    " LIKE ?4 ESCAPE '\\' OR EXISTS (SELECT 1 FROM indicators n"
		    " WHERE n.report_id = r.id AND n.value LIKE ?4 ESCAPE '\\'))"
		    " ORDER BY r.id DESC LIMIT ?3)"
		    " UNION ALL SELECT id FROM (SELECT rowid AS id FROM reports_fts"
		    " WHERE reports_fts MATCH ?1 AND rowid < ?2"
		    " AND rowid <= (SELECT indexed FROM search_state) ORDER BY rowid DESC LIMIT "
		    "?3)",
		    -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, phrase, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, like, -1, SQLITE_STATIC);
		}
	} else {
		rc = sqlite3_prepare_v2(
		    s->db,
		    "SELECT id FROM (SELECT id, subject, text, reporter, reporter_email FROM "
		    "reports"
		    " WHERE id < ?2 ORDER BY id DESC LIMIT ?4)"
		    " WHERE instr(lower(coalesce(subject, '') || char(10) || coalesce(text, '') ||"
		    " char(10) || coalesce(reporter, '') || char(10) || coalesce(reporter_email, "
		    "'')),"
		    " lower(?1)) > 0 LIMIT ?3",
		    -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 4, INC_SEARCH_SCAN);
		}
	}
	if (rc != SQLITE_OK) {
		r = inc_sqlite_err(rc);
		goto out;
	}
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	size_t n = 0;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (n < max && rc != SQLITE_DONE) {
		r = inc_sqlite_err(rc);
		goto out;
	}
	*ret_n = n;
out:
	sqlite3_finalize(st);
	free(phrase);
	free(like);
	free(term);
	return r;
}
