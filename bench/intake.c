/* intake.c - end-to-end intake rate of mail reports on one core
 *
 *   bench-intake DB PHISHURL-DIR [MAILS [GROUP]]
 *
 * Makes MAILS (50,000) distinct mails of three kinds - a Japanese UTF-8 mail with an encoded-word
 * sender and subject, a plain English one and a multipart/alternative with HTML - each naming a
 * real phishing URL of PHISHURL-DIR and its brand, then takes them in through
 * inc_store_intake() in group commits of GROUP (256) with synchronous=FULL, as keikaid's writer
 * does: parse, extract, canonicalise, link, insert, index, commit. Prints mails/s (wall and CPU)
 * and, for comparison, the rate of mail_parse() alone and of parsing plus extraction.
 * Built on request: ninja -C build bench/bench-intake
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../src/incident/extract.h"
#include "../src/incident/intake.h"
#include "../src/incident/mail.h"
#include "../src/incident/store.h"

#define MAX_URLS 20000

static char (*urls)[512];
static char (*brands)[128];
static size_t n_urls;

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void load(const char *dir)
{
	urls = calloc(MAX_URLS, sizeof *urls);
	brands = calloc(MAX_URLS, sizeof *brands);
	for (int m = 1; m <= 12 && n_urls < MAX_URLS; m++) {
		char path[1024];
		(void)snprintf(path, sizeof path, "%s/2019%02d.csv", dir, m);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		char line[2048];
		while (fgets(line, sizeof line, f) && n_urls < MAX_URLS) {
			char *a = strchr(line, ','), *b = a ? strrchr(line, ',') : NULL;
			if (!a || !b || a == b || strncmp(a + 1, "http", 4) != 0)
				continue;
			*b = 0;
			b[strcspn(b + 1, "\r\n") + 1] = 0;
			(void)snprintf(urls[n_urls], sizeof urls[0], "%s", a + 1);
			(void)snprintf(brands[n_urls], sizeof brands[0], "%s", b + 1);
			n_urls++;
		}
		fclose(f);
	}
	if (!n_urls) {
		(void)fprintf(stderr, "bench-intake: no URLs in %s\n", dir);
		exit(1);
	}
}

/* Mail i into out; returns its length. */
static size_t make_mail(char *out, size_t cap, size_t i)
{
	const char *url = urls[(i * 7919) % n_urls], *brand = brands[(i * 7919) % n_urls];
	int n;
	switch (i % 3) {
	case 0:
		n = snprintf(
		    out, cap,
		    "From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <user%zu@example.ne.jp>\r\n"
		    "To: report@keikai.example\r\n"
		    "Subject: =?UTF-8?B?44OV44Kj44OD44K344Oz44Kw44Gu5aCx5ZGK?=\r\n"
		    "Date: Mon, 02 Jun 2025 10:15:00 +0900\r\n"
		    "Message-ID: <%zu.bench@example.ne.jp>\r\n"
		    "MIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n\r\n"
		    "お世話になっております。\r\n%sを装ったフィッシングメールが届きました。\r\n"
		    "リンク先: %s\r\nご確認をお願いいたします。\r\n",
		    i, i, brand, url);
		break;
	case 1:
		n = snprintf(out, cap,
			     "From: John Smith <john%zu@example.com>\r\n"
			     "To: report@keikai.example\r\n"
			     "Subject: Phishing site impersonating %s\r\n"
			     "Date: Tue, 03 Jun 2025 09:00:00 +0000\r\n"
			     "Message-ID: <%zu.bench@example.com>\r\n"
			     "MIME-Version: 1.0\r\n"
			     "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
			     "Hello,\r\n\r\nplease take down %s - it asks for passwords.\r\n\r\n"
			     "Regards,\r\nJohn\r\n",
			     i, brand, i, url);
		break;
	default:
		n = snprintf(out, cap,
			     "From: SOC <soc%zu@example.co.jp>\r\n"
			     "To: report@keikai.example\r\n"
			     "Subject: [SOC-%zu] phishing\r\n"
			     "Date: Wed, 04 Jun 2025 12:00:00 +0900\r\n"
			     "Message-ID: <%zu.bench@example.co.jp>\r\n"
			     "MIME-Version: 1.0\r\n"
			     "Content-Type: multipart/alternative; boundary=\"b%zu\"\r\n\r\n"
			     "--b%zu\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
			     "Brand: %s\r\nURL: %s\r\n"
			     "--b%zu\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
			     "<p>Brand: %s</p><p><a href=\"%s\">site</a></p>\r\n--b%zu--\r\n",
			     i, i, i, i, i, brand, url, i, brand, url, i);
	}
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		(void)fprintf(stderr, "usage: bench-intake DB PHISHURL-DIR [MAILS [GROUP]]\n");
		return 2;
	}
	size_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 50000;
	size_t group = argc > 4 ? strtoul(argv[4], NULL, 10) : 256;
	load(argv[2]);
	char **mails = calloc(n, sizeof *mails);
	size_t *lens = calloc(n, sizeof *lens), bytes = 0;
	for (size_t i = 0; i < n; i++) {
		char buf[4096];
		lens[i] = make_mail(buf, sizeof buf, i);
		mails[i] = malloc(lens[i] + 1);
		memcpy(mails[i], buf, lens[i] + 1);
		bytes += lens[i];
	}
	if (mail_init() != 0)
		return 1;

	/* the stages alone */
	double c0 = cpu();
	for (size_t i = 0; i < n; i++) {
		struct mail_msg m;
		if (mail_parse(mails[i], lens[i], NULL, &m, NULL, 0) == 0)
			mail_msg_free(&m);
	}
	double parse = cpu() - c0;
	c0 = cpu();
	for (size_t i = 0; i < n; i++) {
		struct mail_msg m;
		if (mail_parse(mails[i], lens[i], NULL, &m, NULL, 0) != 0)
			continue;
		struct indicator_set set;
		indicator_set_init(&set, 0);
		(void)extract_text(&set, m.subject, strlen(m.subject));
		(void)extract_text(&set, m.text, m.text_len);
		if (m.html_len)
			(void)extract_html(&set, m.html, m.html_len);
		indicator_set_free(&set);
		mail_msg_free(&m);
	}
	double extract = cpu() - c0;

	char err[256];
	(void)unlink(argv[1]);
	struct inc_store *s = inc_store_open(argv[1], NULL, err, sizeof err);
	if (!s) {
		(void)fprintf(stderr, "bench-intake: %s\n", err);
		return 1;
	}
	double w0 = wall();
	c0 = cpu();
	size_t stored = 0, commits = 0;
	for (size_t i = 0; i < n;) {
		if (inc_store_begin(s) != 0)
			return 1;
		for (size_t k = 0; k < group && i < n; k++, i++) {
			struct inc_submission sub = {.channel = "email",
						     .received = 1748833200 + (int64_t)i,
						     .raw = mails[i],
						     .raw_len = lens[i],
						     .raw_type = "message/rfc822"};
			struct inc_receipt rc;
			if (inc_store_savepoint(s) != 0)
				return 1;
			if (inc_store_intake(s, &sub, &rc, err, sizeof err) == 0) {
				(void)inc_store_release(s);
				stored++;
			} else {
				(void)inc_store_rollback_to(s);
			}
		}
		if (inc_store_commit(s) != 0)
			return 1;
		commits++;
	}
	double w = wall() - w0, c = cpu() - c0;
	inc_store_close(s);
	(void)printf("%zu mails (%.1f MB), groups of %zu\n", n, (double)bytes / 1e6, group);
	(void)printf("mail_parse alone:            %8.0f mails/s (CPU)\n", (double)n / parse);
	(void)printf("mail_parse + extract:        %8.0f mails/s (CPU)\n", (double)n / extract);
	(void)printf(
	    "inc_store_intake end to end: %8.0f mails/s wall, %8.0f mails/s CPU, %zu stored, "
	    "%zu commits\n",
	    (double)n / w, (double)n / c, stored, commits);
	for (size_t i = 0; i < n; i++)
		free(mails[i]);
	free(mails);
	free(lens);
	return 0;
}
