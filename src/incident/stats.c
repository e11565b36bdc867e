/* stats.c - quarter statistics: reports and incidents per category and month
 *
 * A Japanese fiscal quarter: FY Y Q1 is April-June of Y, Q4 January-March of Y+1. A report
 * counts in the month it was received; an incident (with at least one report; merged ones have
 * none) in the month of its first report, under the incident's category ("other" when unset).
 * Months are those of the store's zone. The quarter is compared with the previous quarter and
 * with the same quarter a year earlier.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-impl.h"
#include "taxonomy.h"

#include "../lib/banned.h"

int inc_quarter_parse(const char *s, int *ret_fy, int *ret_q)
{
	if (!s)
		return INC_E_BAD;
	if ((s[0] == 'f' || s[0] == 'F') && (s[1] == 'y' || s[1] == 'Y'))
		s += 2;
	if (strlen(s) != 6)
		return INC_E_BAD;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return INC_E_BAD;
	if ((s[4] != 'q' && s[4] != 'Q') || s[5] < '1' || s[5] > '4')
		return INC_E_BAD;
	int fy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (fy < 1971 || fy > 9990)
		return INC_E_BAD;
	*ret_fy = fy;
	*ret_q = s[5] - '0';
	return 0;
}

bool inc_pct_change(uint64_t cur, uint64_t prev, int *ret)
{
	if (prev == 0)
		return false;
	/* round((cur - prev) * 100 / prev) half away from zero, in integers */
	bool neg = cur < prev;
	uint64_t d = neg ? prev - cur : cur - prev;
	uint64_t v = (d * 200 + prev) / (2 * prev);
	*ret = neg ? -(int)v : (int)v;
	return true;
}

static void period_init(struct inc_period *p, int fy, int q, int32_t tz)
{
	memset(p, 0, sizeof *p);
	p->fy = fy;
	p->q = q;
	int m = 4 + 3 * (q - 1), y = fy;
	if (m > 12) {
		m -= 12;
		y++;
	}
	for (int i = 0; i < 4; i++) {
		int mm = m + i, yy = y;
		if (mm > 12) {
			mm -= 12;
			yy++;
		}
		if (i < 3) {
			p->month[i] = mm;
			p->year[i] = yy;
		}
		p->month_from[i] = inc_month_start(yy, mm, tz);
	}
}

static size_t cat_index(const char *cat, size_t ncat, size_t other)
{
	if (cat)
		for (size_t i = 0; i < ncat; i++)
			if (strcmp(tax_categories[i].key, cat) == 0)
				return i;
	return other;
}

static int month_of(const struct inc_period *p, int64_t t)
{
	for (int i = 0; i < 3; i++)
		if (t >= p->month_from[i] && t < p->month_from[i + 1])
			return i;
	return -1;
}

static int period_count(struct inc_store *s, struct inc_period *p, size_t ncat, size_t other)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->db,
	    "SELECT r.received, i.category FROM reports r JOIN incidents i"
	    " ON i.id = r.incident_id WHERE r.received >= ?1 AND r.received < ?2",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inc_sqlite_err(rc);
	sqlite3_bind_int64(st, 1, p->month_from[0]);
	sqlite3_bind_int64(st, 2, p->month_from[3]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int m = month_of(p, sqlite3_column_int64(st, 0));
		size_t c = cat_index((const char *)sqlite3_column_text(st, 1), ncat, other);
		if (m < 0)
			continue;
		p->reports[c][m]++;
		p->reports_total[c]++;
		p->all_reports++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return inc_sqlite_err(rc);
	/* incidents: the first report of every incident with a report in the quarter */
	rc =
	    sqlite3_prepare_v2(s->db,
			       "SELECT min(r.received), i.category FROM reports r JOIN incidents i"
			       " ON i.id = r.incident_id WHERE r.incident_id IN (SELECT incident_id"
			       " FROM reports WHERE received >= ?1 AND received < ?2)"
			       " GROUP BY r.incident_id",
			       -1, &st, NULL);
	if (rc != SQLITE_OK)
		return inc_sqlite_err(rc);
	sqlite3_bind_int64(st, 1, p->month_from[0]);
	sqlite3_bind_int64(st, 2, p->month_from[3]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int m = month_of(p, sqlite3_column_int64(st, 0));
		size_t c = cat_index((const char *)sqlite3_column_text(st, 1), ncat, other);
		if (m < 0)
			continue;
		p->incidents[c][m]++;
		p->incidents_total[c]++;
		p->all_incidents++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : inc_sqlite_err(rc);
}

int inc_stats_quarter(struct inc_store *s, int fy, int q, struct inc_quarter_stats *ret)
{
	if (q < 1 || q > 4 || fy < 1971 || fy > 9990)
		return INC_E_BAD;
	size_t ncat = 0, other = 0;
	while (tax_categories[ncat].key && ncat < INC_STATS_CATS)
		ncat++;
	for (size_t i = 0; i < ncat; i++)
		if (strcmp(tax_categories[i].key, "other") == 0)
			other = i;
	struct inc_quarter_stats *o = calloc(1, sizeof *o);
	if (!o)
		return INC_E_NOMEM;
	o->ncat = ncat;
	int32_t tz = s->cfg.tz_offset;
	period_init(&o->cur, fy, q, tz);
	period_init(&o->prev, q == 1 ? fy - 1 : fy, q == 1 ? 4 : q - 1, tz);
	period_init(&o->year_ago, fy - 1, q, tz);
	int r = period_count(s, &o->cur, ncat, other);
	if (r == 0)
		r = period_count(s, &o->prev, ncat, other);
	if (r == 0)
		r = period_count(s, &o->year_ago, ncat, other);
	if (r == 0)
		*ret = *o;
	free(o);
	return r;
}
