/* incident.c - keikai's incident commands
 *
 *   keikai report add --channel fax|phone [--subject TEXT] [--reporter NAME]
 *                     [--email ADDR] [--tlp LABEL] [--by NAME] < text
 *   keikai stats incidents --quarter 2025Q3
 */
#include "incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../incident/intake.h"
#include "../incident/store.h"
#include "../incident/taxonomy.h"
#include "../lib/ckd.h"
#include "../lib/i18n.h"

#include "../lib/banned.h"

#define STDIN_MAX (25u << 20)

static void usage(void)
{
	(void)fprintf(
	    stderr, "%s",
	    T("Usage: keikai report add --channel fax|phone [--subject TEXT] [--reporter "
	      "NAME]\n"
	      "                         [--email ADDR] [--tlp LABEL] [--by NAME] < TEXT\n"
	      "       keikai stats incidents --quarter 2025Q3\n",
	      "使い方: keikai report add --channel fax|phone [--subject 件名] "
	      "[--reporter 報告者]\n"
	      "                          [--email アドレス] [--tlp ラベル] [--by 入力者] < "
	      "本文\n"
	      "        keikai stats incidents --quarter 2025Q3\n"));
}

/* All of standard input, NUL-terminated; NULL when empty, unreadable or over STDIN_MAX. */
static char *read_stdin(size_t *ret_len)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		if (len + 1 >= cap) {
			size_t nc;
			if (!ckd_size_mul(cap, 2, &nc) || nc > STDIN_MAX + 2) {
				free(buf);
				return NULL;
			}
			char *p = realloc(buf, nc);
			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap = nc;
		}
		size_t n = fread(buf + len, 1, cap - 1 - len, stdin);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(stdin) || len == 0 || len > STDIN_MAX) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	*ret_len = len;
	return buf;
}

int cli_report(const char *db, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "add") != 0) {
		usage();
		return 2;
	}
	struct inc_submission sub = {.raw_type = "text/plain"};
	for (int i = 2; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			usage();
			return 2;
		}
		if (strcmp(argv[i], "--channel") == 0)
			sub.channel = v;
		else if (strcmp(argv[i], "--subject") == 0)
			sub.subject = v;
		else if (strcmp(argv[i], "--reporter") == 0)
			sub.reporter = v;
		else if (strcmp(argv[i], "--email") == 0)
			sub.reporter_email = v;
		else if (strcmp(argv[i], "--tlp") == 0)
			sub.tlp = v;
		else if (strcmp(argv[i], "--by") == 0)
			sub.user_name = v;
		else {
			usage();
			return 2;
		}
	}
	if (!sub.channel ||
	    (strcmp(sub.channel, "fax") != 0 && strcmp(sub.channel, "phone") != 0)) {
		usage();
		return 2;
	}
	if (sub.tlp && !tax_tlp_canon(sub.tlp)) {
		(void)fprintf(
		    stderr,
		    T("keikai: unknown TLP label %s\n", "keikai: TLP ラベル %s は使えません\n"),
		    sub.tlp);
		return 2;
	}
	size_t len = 0;
	char *text = read_stdin(&len);
	if (!text) {
		(void)fprintf(stderr, T("keikai: the report's text is read from standard input "
					"(not empty, at most 25 MiB)\n",
					"keikai: 報告の本文は標準入力から読みます (空でなく 25 MiB "
					"以内)\n"));
		return 1;
	}
	sub.raw = text;
	sub.raw_len = len;
	sub.body = text;
	if (!sub.user_name) {
		const char *u = getenv("USER");
		sub.user_name = u && *u ? u : "cli";
	}
	char err[512];
	struct inc_store *s = inc_store_open(db, NULL, err, sizeof err);
	if (!s) {
		(void)fprintf(stderr, "keikai: %s: %s\n", db, err);
		free(text);
		return 1;
	}
	struct inc_receipt rc;
	int r = inc_store_begin(s);
	if (r == 0)
		r = inc_store_intake(s, &sub, &rc, err, sizeof err);
	if (r == 0)
		r = inc_store_commit(s);
	if (r != 0)
		(void)inc_store_rollback(s);
	inc_store_close(s);
	free(text);
	if (r != 0) {
		(void)fprintf(stderr, "keikai: %s\n",
			      inc_strerror(r, i18n_lang() == I18N_JA ? "ja" : "en"));
		return r == INC_E_BUSY ? 75 : 1;
	}
	if (rc.duplicate)
		(void)printf(T("%s (already stored)\n", "%s (登録済み)\n"), rc.ack);
	else
		(void)printf(T("%s incident %lld%s\n", "%s インシデント %lld%s\n"), rc.ack,
			     (long long)rc.incident_id,
			     rc.new_incident ? T(" (new)", " (新規)") : "");
	return 0;
}

static void print_pct(uint64_t cur, uint64_t prev)
{
	int p;
	if (inc_pct_change(cur, prev, &p))
		(void)printf(" %+4d%%", p);
	else
		(void)printf("    - ");
}

int cli_stats(const char *db, int argc, char **argv)
{
	int fy = 0, q = 0;
	if (argc != 4 || strcmp(argv[1], "incidents") != 0 || strcmp(argv[2], "--quarter") != 0 ||
	    inc_quarter_parse(argv[3], &fy, &q) != 0) {
		usage();
		return 2;
	}
	char err[512];
	struct inc_store *s = inc_store_open(db, NULL, err, sizeof err);
	if (!s) {
		(void)fprintf(stderr, "keikai: %s: %s\n", db, err);
		return 1;
	}
	struct inc_quarter_stats *st = malloc(sizeof *st);
	int r = st ? inc_stats_quarter(s, fy, q, st) : INC_E_NOMEM;
	inc_store_close(s);
	if (r != 0) {
		(void)fprintf(stderr, "keikai: %s\n",
			      inc_strerror(r, i18n_lang() == I18N_JA ? "ja" : "en"));
		free(st);
		return 1;
	}
	bool ja = i18n_lang() == I18N_JA;
	(void)printf(T("FY%d Q%d: reports / incidents per month; previous quarter (FY%d Q%d) "
		       "and a year earlier (FY%d Q%d)\n",
		       "%d年度 第%d四半期: 月別の報告件数 / インシデント件数、前四半期 (%d年度 "
		       "第%d四半期) と前年同期 (%d年度 第%d四半期)\n"),
		     fy, q, st->prev.fy, st->prev.q, st->year_ago.fy, st->year_ago.q);
	(void)printf("%-26s", T("category", "分類"));
	for (int m = 0; m < 3; m++)
		(void)printf("  %04d-%02d", st->cur.year[m], st->cur.month[m]);
	(void)printf("  %9s  %9s %6s %9s %6s\n", T("total", "合計"), T("prev", "前期"), "%",
		     T("year ago", "前年"), "%");
	for (size_t c = 0; c <= st->ncat; c++) {
		bool all = c == st->ncat;
		for (int kind = 0; kind < 2; kind++) {
			const char *name = all ? T("total", "合計")
					       : (ja ? tax_categories[c].ja : tax_categories[c].en);
			(void)printf("%-20s %-5s", kind ? "" : name,
				     kind ? T("inc", "件") : T("rep", "報告"));
			uint64_t tot = 0, prev = 0, ya = 0;
			for (int m = 0; m < 3; m++) {
				uint64_t v = 0;
				for (size_t k = 0; k < st->ncat; k++)
					if (all || k == c)
						v += kind ? st->cur.incidents[k][m]
							  : st->cur.reports[k][m];
				(void)printf("  %7llu", (unsigned long long)v);
			}
			if (all) {
				tot = kind ? st->cur.all_incidents : st->cur.all_reports;
				prev = kind ? st->prev.all_incidents : st->prev.all_reports;
				ya = kind ? st->year_ago.all_incidents : st->year_ago.all_reports;
			} else {
				tot = kind ? st->cur.incidents_total[c] : st->cur.reports_total[c];
				prev =
				    kind ? st->prev.incidents_total[c] : st->prev.reports_total[c];
				ya = kind ? st->year_ago.incidents_total[c]
					  : st->year_ago.reports_total[c];
			}
			(void)printf("  %9llu  %9llu", (unsigned long long)tot,
				     (unsigned long long)prev);
			print_pct(tot, prev);
			(void)printf(" %9llu", (unsigned long long)ya);
			print_pct(tot, ya);
			(void)printf("\n");
		}
	}
	free(st);
	return 0;
}
