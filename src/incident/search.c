/* search.c - report search: the trigram index for three characters or more, a bounded scan
 * of the newest reports for shorter queries
 *
 * The user's text is never FTS5 syntax: it becomes one quoted phrase (inner quotes doubled),
 * which the trigram tokenizer matches as a substring, case-insensitively for ASCII and for
 * Japanese as written. Newest first means highest report id first (the order of arrival).
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
	char *phrase = NULL;
	int r = 0, rc;
	if (utf8_chars(term) >= 3) {
		phrase = fts_phrase(term);
		if (!phrase) {
			r = INC_E_NOMEM;
			goto out;
		}
		rc = sqlite3_prepare_v2(s->db,
					"SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?1"
					" AND rowid < ?2 ORDER BY rowid DESC LIMIT ?3",
					-1, &st, NULL);
		if (rc == SQLITE_OK)
			sqlite3_bind_text(st, 1, phrase, -1, SQLITE_STATIC);
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
	free(term);
	return r;
}
