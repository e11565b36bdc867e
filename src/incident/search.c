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
#include <time.h>

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

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* q[0, len) with ASCII letters lowercased: the needle of kk_contains(). */
static char *ascii_folded(const char *q, size_t len)
{
	char *p = calloc(len + 1, 1); /* zeroed: gcc's analyzer then sees every byte written */
	if (!p)
		return NULL;
	for (size_t i = 0; i < len; i++)
		p[i] = (char)ascii_lower((unsigned char)q[i]);
	p[len] = 0;
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

/* ---- the tail scan's matcher ------------------------------------------------------------ */

/* Does hay[0, hn) contain needle[0, nn) (already ASCII-lowercase), folding ASCII case only, as
 * LIKE does? Candidates come from memchr on both cases of the needle's first byte. Valid UTF-8
 * is self-synchronising, so a byte match is a character match. */
static bool ci_contains(const unsigned char *hay, size_t hn, const unsigned char *needle, size_t nn)
{
	if (nn == 0)
		return true;
	if (hn < nn)
		return false;
	unsigned char lo = needle[0];
	unsigned char up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - ('a' - 'A')) : lo;
	size_t last = hn - nn; /* the last position a match can start */
	const unsigned char *p_lo = memchr(hay, lo, last + 1);
	const unsigned char *p_up = up == lo ? NULL : memchr(hay, up, last + 1);
	while (p_lo || p_up) {
		const unsigned char *c = !p_up || (p_lo && p_lo < p_up) ? p_lo : p_up;
		size_t i = 1;
		while (i < nn && ascii_lower(c[i]) == needle[i])
			i++;
		if (i == nn)
			return true;
		size_t next = (size_t)(c - hay) + 1;
		if (next > last)
			return false;
		if (c == p_lo)
			p_lo = memchr(hay + next, lo, last + 1 - next);
		else
			p_up = memchr(hay + next, up, last + 1 - next);
	}
	return false;
}

/* kk_contains(needle, text...): 1 when any non-NULL text contains needle, ASCII case folded
 * (needle given lowercase), else 0. The unindexed tail's scan: the same answers as
 * LIKE '%needle%' with the pattern characters escaped, several times faster. */
static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *needle = sqlite3_value_text(argv[0]);
	if (!needle) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	size_t nn = (size_t)sqlite3_value_bytes(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
			continue;
		const unsigned char *h = sqlite3_value_text(argv[i]);
		if (h && ci_contains(h, (size_t)sqlite3_value_bytes(argv[i]), needle, nn)) {
			sqlite3_result_int(ctx, 1);
			return;
		}
	}
	sqlite3_result_int(ctx, 0);
}

int inc_search_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "kk_contains", -1,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				       fn_contains, NULL, NULL);
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

/* ---- the plan for long ASCII queries ------------------------------------------------------ */

/* A phrase query makes FTS5 walk the position lists of all its trigrams. A host name or URL of
 * 40 characters is 38 trigrams, most of them among the commonest of a phishing-report
 * collection (".co", "com", "app", "acc"...), and when such a phrase has few hits FTS5 walks
 * nearly the whole of those lists: 100 to 400 ms for some hosts in a million reports. Such a
 * query instead asks FTS5 for the reports holding its three rarest trigrams (AND, no
 * positions), newest first, and checks each of them for the whole query as kk_contains()
 * does. Rarity is estimated from the newest TRI_SAMPLE indexed reports; a wrong estimate only
 * costs time, never a result: every report holding the query holds each of its trigrams. */
#define TRI_SAMPLE	 20000
#define TRI_MAX_AGE_USEC (600 * INT64_C(1000000))
#define TRI_SPACE	 (1u << 21) /* three 7-bit characters */
#define TRI_PICK	 3
#define TRI_LONG	 16 /* characters: a phrase this long is slow on common trigrams */

static int64_t mono_usec(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint32_t tri_key(const unsigned char *p)
{
	return (uint32_t)p[0] << 14 | (uint32_t)p[1] << 7 | p[2];
}

static void tri_add(uint16_t *count, const unsigned char *t, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if ((t[i] | t[i + 1] | t[i + 2]) & 0x80)
			continue;
		unsigned char w[3] = {ascii_lower(t[i]), ascii_lower(t[i + 1]),
				      ascii_lower(t[i + 2])};
		uint16_t *c = &count[tri_key(w)];
		if (*c < UINT16_MAX)
			(*c)++;
	}
}

/* (Re)take the sample when there is none or it is old. 0, or an INC_E_* error. */
static int tri_sample(struct inc_store *s)
{
	int64_t now = mono_usec();
	if (s->tri_count && now - s->tri_taken_usec < TRI_MAX_AGE_USEC)
		return 0;
	if (!s->tri_count) {
		s->tri_count = calloc(TRI_SPACE, sizeof *s->tri_count);
		if (!s->tri_count)
			return INC_E_NOMEM;
	}
	memset(s->tri_count, 0, TRI_SPACE * sizeof *s->tri_count);
	s->tri_docs = 0;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT subject, text, coalesce(reporter, '') || ' ' || coalesce(reporter_email, '')"
	    " FROM reports WHERE id <= (SELECT indexed FROM search_state) ORDER BY id DESC"
	    " LIMIT ?1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inc_sqlite_err(rc);
	sqlite3_bind_int(st, 1, TRI_SAMPLE);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < 3; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			if (t)
				tri_add(s->tri_count, t, (size_t)sqlite3_column_bytes(st, c));
		}
		s->tri_docs++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		s->tri_docs = 0;
		return inc_sqlite_err(rc);
	}
	s->tri_taken_usec = now;
	return 0;
}

/* For a query (ASCII-lowercase, len bytes) of printable ASCII and at least 4 characters whose
 * rarest trigram is rare in the sample (occurring at most once per 200 sampled reports), or of
 * at least TRI_LONG characters with a rarest trigram not common (once per 20): the FTS5 query "t1"
 * AND "t2" AND "t3" of its rarest distinct trigrams, in out[0, cap). 1 when written, 0 when the
 * phrase plan is the better one, or an INC_E_* error. */
static int rare_plan(struct inc_store *s, const char *q, size_t len, char *out, size_t cap)
{
	if (len < 4 || s->plan == INC_PLAN_PHRASE)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (q[i] < 0x20 || q[i] > 0x7e)
			return 0;
	int r = tri_sample(s);
	if (r)
		return r;
	const unsigned char *u = (const unsigned char *)q;
	uint32_t pick[TRI_PICK];
	size_t at[TRI_PICK], n = 0;
	for (size_t k = 0; k < TRI_PICK; k++) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i + 3 <= len; i++) {
			uint32_t key = tri_key(u + i);
			bool taken = false;
			for (size_t j = 0; j < n; j++)
				taken |= pick[j] == key;
			if (!taken && (best == SIZE_MAX ||
				       s->tri_count[key] < s->tri_count[tri_key(u + best)]))
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		pick[n] = tri_key(u + best);
		at[n++] = best;
	}
	uint64_t rarest = s->tri_count[pick[0]];
	if (s->plan != INC_PLAN_RARE && rarest * 200 > s->tri_docs &&
	    (len < TRI_LONG || rarest * 20 > s->tri_docs))
		return 0;
	size_t o = 0;
	for (size_t k = 0; k < n; k++) {
		if (cap - o < 16)
			return 0;
		if (k) {
			memcpy(out + o, " AND ", 5);
			o += 5;
		}
		out[o++] = '"';
		for (size_t i = 0; i < 3; i++) {
			if (q[at[k] + i] == '"')
				out[o++] = '"';
			out[o++] = q[at[k] + i];
		}
		out[o++] = '"';
	}
	out[o] = 0;
	return 1;
}

void inc_search_set_plan(struct inc_store *s, enum inc_search_plan plan)
{
	s->plan = plan;
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
	char match[64];
	if (utf8_chars(term) >= 3) {
		phrase = fts_phrase(term);
		like = ascii_folded(term, len);
		if (!phrase || !like) {
			r = INC_E_NOMEM;
			goto out;
		}
		int plan = rare_plan(s, like, len, match, sizeof match);
		if (plan < 0) {
			r = plan;
			goto out;
		}
		/* report r holds the query ?4 (ASCII-folded) in a column the index covers */
#define HOLDS                                                                                      \
	"(kk_contains(?4, r.subject, r.text, coalesce(r.reporter, '') || ' ' ||"                   \
	" coalesce(r.reporter_email, '')) OR EXISTS (SELECT 1 FROM indicators n"                   \
	" WHERE n.report_id = r.id AND kk_contains(?4, n.value)))"
		/* the tail above the watermark by a scan, then the index below it; every tail id
		 * is above every indexed one, so the two parts come newest first in order */
#define TAIL_PART                                                                                  \
	"SELECT id FROM (SELECT r.id FROM reports r"                                               \
	" WHERE r.id > (SELECT indexed FROM search_state) AND r.id < ?2 AND " HOLDS                \
	" ORDER BY r.id DESC LIMIT ?3)"
		if (plan == 1)
			rc = sqlite3_prepare_v2(
			    s->db,
			    TAIL_PART " UNION ALL SELECT id FROM (SELECT reports_fts.rowid AS id"
				      " FROM reports_fts WHERE reports_fts MATCH ?1"
				      " AND reports_fts.rowid < ?2"
				      " AND reports_fts.rowid <= (SELECT indexed FROM search_state)"
				      " AND EXISTS (SELECT 1 FROM reports r WHERE r.id ="
				      " reports_fts.rowid AND " HOLDS ")"
				      " ORDER BY reports_fts.rowid DESC LIMIT ?3)",
			    -1, &st, NULL);
		else
			rc = sqlite3_prepare_v2(
			    s->db,
			    TAIL_PART
			    " UNION ALL SELECT id FROM (SELECT rowid AS id FROM reports_fts"
			    " WHERE reports_fts MATCH ?1 AND rowid < ?2"
			    " AND rowid <= (SELECT indexed FROM search_state)"
			    " ORDER BY rowid DESC LIMIT ?3)",
			    -1, &st, NULL);
#undef TAIL_PART
#undef HOLDS
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, plan == 1 ? match : phrase, -1, SQLITE_STATIC);
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
