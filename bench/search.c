/* search.c - report search latency on a million reports
 *
 *   bench-search DB PHISHURL-DIR [REPORTS [QUERIES]]
 *
 * Builds DB (once; kept for reruns) with REPORTS reports (1,000,000) through the real intake and
 * the indexer (every 100,000 reports, as `keikai import mail` runs it):
 * Japanese and English report texts from templates around the real phishing URLs of
 * PHISHURL-DIR (tests/data/phishurl, JPCERT/CC's list) and their brands, so that many reports
 * share a site and link into one incident, as in real life. Prints the intake rate. Then runs
 * QUERIES (2,000) searches of mixed kinds through inc_search() - common word, rare word,
 * Japanese, domain, URL fragment, no hit - a page of 50 each, and prints p50/p95/p99/max in ms,
 * over all and per kind; then the same queries again with TAIL (4,096) more reports taken in
 * but not indexed (the tail search scans; rolled back afterwards). SLOW_MS=N also prints each
 * query slower than N ms; QUERY=TEXT times that one query five times instead; PLAN=phrase or
 * PLAN=rare forces that way of asking the index (inc_search_set_plan). Built on request:
 * ninja -C build bench/bench-search
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/incident/intake.h"
#include "../src/incident/store.h"

#define MAX_URLS 20000

struct site {
	char url[512], brand[128], host[256];
};

static struct site *sites;
static size_t n_sites;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void load_sites(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		(void)fprintf(stderr, "bench-search: cannot open %s\n", dir);
		exit(1);
	}
	sites = calloc(MAX_URLS, sizeof *sites);
	struct dirent *e;
	while ((e = readdir(d)) && n_sites < MAX_URLS) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".csv") != 0)
			continue;
		char path[1024];
		(void)snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		char line[2048];
		while (fgets(line, sizeof line, f) && n_sites < MAX_URLS) {
			char *a = strchr(line, ','), *b = a ? strrchr(line, ',') : NULL;
			if (!a || !b || a == b || strncmp(a + 1, "http", 4) != 0)
				continue;
			*b = 0;
			char *nl = strpbrk(b + 1, "\r\n");
			if (nl)
				*nl = 0;
			struct site *s = &sites[n_sites];
			(void)snprintf(s->url, sizeof s->url, "%s", a + 1);
			(void)snprintf(s->brand, sizeof s->brand, "%s", b + 1);
			const char *h = strstr(s->url, "://");
			h = h ? h + 3 : s->url;
			size_t hl = strcspn(h, "/?:#");
			if (hl >= sizeof s->host)
				continue;
			memcpy(s->host, h, hl);
			s->host[hl] = 0;
			n_sites++;
		}
		fclose(f);
	}
	closedir(d);
	if (n_sites == 0) {
		(void)fprintf(stderr, "bench-search: no URLs in %s\n", dir);
		exit(1);
	}
}

/* One of six report texts (three Japanese, three English) about a brand's phishing site. */
static int fill(char *out, size_t cap, unsigned which, const char *brand, const char *url,
		size_t ref)
{
	switch (which) {
	case 0:
		return snprintf(out, cap,
				"%sを装ったフィッシングメールが届きました。本文のリンク先は %s "
				"です。確認をお願いします。受付 %zu",
				brand, url, ref);
	case 1:
		return snprintf(out, cap,
				"いつもお世話になっております。%sのアカウントが停止されたというSMS"
				"を受信しました。URL: %s 個人情報を入力させる偽サイトと思われます。"
				"(%zu)",
				brand, url, ref);
	case 2:
		return snprintf(out, cap,
				"%sのログイン画面に似せたサイト %s を発見しました。パスワードを入力"
				"しないよう注意喚起をお願いします。報告番号 %zu",
				brand, url, ref);
	case 3:
		return snprintf(out, cap,
				"Hello, we received a phishing e-mail impersonating %s. The link "
				"points to %s and asks for the password. Ref %zu",
				brand, url, ref);
	case 4:
		return snprintf(out, cap,
				"Dear CSIRT, please take down the fraudulent %s login page at %s - "
				"several customers entered their card numbers. Ticket %zu",
				brand, url, ref);
	default:
		return snprintf(out, cap,
				"FYI: SMS phishing campaign using the %s brand, landing page %s "
				"(seen today, ref %zu).",
				brand, url, ref);
	}
}

/* Take in report number `done` (of a store of n) in the caller's transaction. */
static void add_one(struct inc_store *s, size_t done)
{
	char text[2048], err[256];
	int64_t base = 1672498800; /* 2023-01-01 JST */
	/* popular sites get most reports: a skewed pick */
	uint64_t r = next();
	size_t i = (size_t)((r % n_sites) * ((r >> 32) % 1000) / 1000);
	const struct site *si = &sites[i];
	bool ja = (r >> 20) % 2;
	unsigned which = (unsigned)((r >> 24) % 3) + (ja ? 0 : 3);
	int len = fill(text, sizeof text, which, si->brand, si->url, done);
	if (len < 0 || (size_t)len + 64 >= sizeof text)
		return;
	if (done % 10000 == 7) { /* a rare word */
		char rare[48];
		int m = snprintf(rare, sizeof rare, " zebracorn-%zu", done / 10000);
		if (m > 0 && (size_t)m < sizeof rare)
			memcpy(text + len, rare, (size_t)m + 1);
	}
	struct inc_submission sub = {.channel = (r >> 40) % 4 ? "email" : "web",
				     .received = base + (int64_t)done * 60,
				     .raw = text,
				     .raw_len = strlen(text),
				     .raw_type = "text/plain",
				     .reporter = ja ? "山田 太郎" : "John Smith",
				     .reporter_email =
					 ja ? "taro@example.ne.jp" : "john@example.com",
				     .subject = ja ? "フィッシングの報告" : "Phishing report",
				     .body = text};
	struct inc_receipt rc;
	if (inc_store_intake(s, &sub, &rc, err, sizeof err) != 0) {
		(void)fprintf(stderr, "bench-search: intake: %s\n", err);
		exit(1);
	}
}

/* Index what is not indexed yet; the seconds it took. */
static double index_all(struct inc_store *s)
{
	double t0 = wall();
	size_t got;
	do {
		if (inc_index_run(s, 100000, &got) != 0) {
			(void)fprintf(stderr, "bench-search: indexer: %s\n", inc_store_errmsg(s));
			exit(1);
		}
	} while (got);
	return wall() - t0;
}

static void build(const char *path, size_t n)
{
	char err[256];
	struct inc_config cfg;
	inc_config_default(&cfg);
	struct inc_store *s = inc_store_open(path, &cfg, err, sizeof err);
	if (!s) {
		(void)fprintf(stderr, "bench-search: %s: %s\n", path, err);
		exit(1);
	}
	sqlite3_exec(inc_store_db(s), "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	int64_t have = 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(inc_store_db(s), "SELECT count(*) FROM reports", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		have = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((size_t)have >= n) {
		(void)printf("database %s: %lld reports (cached)\n", path, (long long)have);
		(void)index_all(s);
		inc_store_close(s);
		return;
	}
	double t0 = wall(), tix = 0;
	size_t done = (size_t)have;
	while (done < n) {
		if (inc_store_begin(s) != 0)
			exit(1);
		for (size_t k = 0; k < 5000 && done < n; k++, done++)
			add_one(s, done);
		if (inc_store_commit(s) != 0)
			exit(1);
		if (done % 100000 == 0) {
			/* the indexer in batches of 100,000, as `keikai import mail` runs it */
			tix += index_all(s);
			(void)fprintf(stderr, "  %zu reports, %.0f/s\n", done,
				      (double)(done - (size_t)have) / (wall() - t0));
		}
	}
	tix += index_all(s);
	double dt = wall() - t0;
	(void)printf("built %zu reports in %.1f s: %.0f reports/s through inc_store_intake and the"
		     " indexer (the indexer alone: %.1f s, %.0f reports/s)\n",
		     done - (size_t)have, dt, (double)(done - (size_t)have) / dt, tix,
		     (double)(done - (size_t)have) / tix);
	inc_store_close(s);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, size_t n)
{
	if (n == 0)
		return;
	qsort(v, n, sizeof *v, cmp_d);
	(void)printf("%-14s %6zu queries  p50 %7.2f  p95 %7.2f  p99 %7.2f  max %7.2f ms\n", name, n,
		     v[n / 2], v[n * 95 / 100], v[n * 99 / 100], v[n - 1]);
}

enum kind { K_COMMON, K_RARE, K_JA, K_DOMAIN, K_URLPART, K_NOHIT, K_COUNT };
static const char *const kind_name[] = {"common word", "rare word",    "Japanese",
					"domain",      "URL fragment", "no hit"};

/* nq queries of the six kinds on s (the same ones every time: a fixed seed), latencies
 * printed under the heading. */
static void run(struct inc_store *s, size_t n, size_t nq, const char *heading)
{
	const char *sl = getenv("SLOW_MS");
	double slow_ms = sl ? strtod(sl, NULL) : 0;
	rng = 0x243f6a8885a308d3ull;
	(void)printf("%s\n", heading);
	static const char *const common[] = {"phishing", "password", "Amazon", "login", "Apple ID"};
	static const char *const ja[] = {"フィッシング", "三井住友",   "アカウント",
					 "偽サイト",	 "パスワード", "注意喚起"};
	double *all = calloc(nq, sizeof *all), *per[K_COUNT];
	size_t nper[K_COUNT] = {0};
	for (int k = 0; k < K_COUNT; k++)
		per[k] = calloc(nq, sizeof(double));
	size_t hits = 0;
	int64_t ids[50];
	for (size_t q = 0; q < nq; q++) {
		enum kind k = (enum kind)(q % K_COUNT);
		char buf[600];
		const struct site *si = &sites[next() % n_sites];
		switch (k) {
		case K_COMMON:
			(void)snprintf(buf, sizeof buf, "%s", common[next() % 5]);
			break;
		case K_RARE:
			(void)snprintf(buf, sizeof buf, "zebracorn-%llu",
				       (unsigned long long)(next() % (n / 10000 + 1)));
			break;
		case K_JA:
			(void)snprintf(buf, sizeof buf, "%s", ja[next() % 6]);
			break;
		case K_DOMAIN:
			(void)snprintf(buf, sizeof buf, "%s", si->host);
			break;
		case K_URLPART: {
			const char *p = strstr(si->url, "://");
			p = p ? p + 3 : si->url;
			size_t l = strlen(p), off = l > 12 ? next() % (l - 8) : 0;
			(void)snprintf(buf, sizeof buf, "%.*s", (int)(l - off < 12 ? l - off : 12),
				       p + off);
			break;
		}
		default:
			(void)snprintf(buf, sizeof buf, "nohit-%llx",
				       (unsigned long long)(next() & 0xffffffffffull));
		}
		size_t got = 0;
		double t = wall();
		int r = inc_search(s, buf, 0, 50, ids, &got);
		double ms = (wall() - t) * 1000.0;
		if (r != 0 && r != INC_E_BAD) {
			(void)fprintf(stderr, "bench-search: query %s failed: %d\n", buf, r);
			exit(1);
		}
		hits += got;
		if (slow_ms > 0 && ms >= slow_ms)
			(void)fprintf(stderr, "slow: %8.2f ms, %zu hits, %s: %s\n", ms, got,
				      kind_name[k], buf);
		all[q] = ms;
		per[k][nper[k]++] = ms;
	}
	(void)printf("%zu queries, %zu hits returned (pages of at most 50)\n", nq, hits);
	for (int k = 0; k < K_COUNT; k++)
		report(kind_name[k], per[k], nper[k]);
	report("all", all, nq);
	for (int k = 0; k < K_COUNT; k++)
		free(per[k]);
	free(all);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		(void)fprintf(stderr,
			      "usage: bench-search DB PHISHURL-DIR [REPORTS [QUERIES [TAIL]]]\n");
		return 2;
	}
	size_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000000;
	size_t nq = argc > 4 ? strtoul(argv[4], NULL, 10) : 2000;
	size_t tail = argc > 5 ? strtoul(argv[5], NULL, 10) : 4096;
	load_sites(argv[2]);
	build(argv[1], n);
	char err[256];
	struct inc_store *s = inc_store_open(argv[1], NULL, err, sizeof err);
	if (!s)
		return 1;
	const char *plan = getenv("PLAN");
	if (plan && strcmp(plan, "phrase") == 0)
		inc_search_set_plan(s, INC_PLAN_PHRASE);
	else if (plan && strcmp(plan, "rare") == 0)
		inc_search_set_plan(s, INC_PLAN_RARE);
	const char *one = getenv("QUERY");
	if (one) {
		/* one query, five times: its latency, the first time and warm */
		int64_t ids[50];
		for (int i = 0; i < 5; i++) {
			size_t got = 0;
			double t = wall();
			int r = inc_search(s, one, 0, 50, ids, &got);
			(void)printf("%s: %d, %zu hits, %.2f ms\n", one, r, got,
				     (wall() - t) * 1e3);
		}
		inc_store_close(s);
		return 0;
	}
	run(s, n, nq, "search, everything indexed:");
	if (tail) {
		/* an unindexed tail, in a transaction rolled back afterwards (the file is kept) */
		if (inc_store_begin(s) != 0)
			return 1;
		for (size_t i = 0; i < tail; i++)
			add_one(s, n + i);
		char h[96];
		(void)snprintf(h, sizeof h,
			       "search, with a tail of %zu reports not yet indexed:", tail);
		run(s, n, nq, h);
		(void)inc_store_rollback(s);
	}
	inc_store_close(s);
	return 0;
}
