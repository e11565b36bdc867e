/* mail-parse.c - how fast mail_parse() reads reports, against GMime building the same messages
 *
 * Usage: bench-mail-parse MAILDIR|MBOX [rounds]
 * Loads every mail of a Maildir (new/ and cur/) or an mbox into memory (tools/mail-gen.py writes
 * both), then times (a) the baseline: GMime constructs each message from memory and the walk
 * visits its parts, nothing else; (b) mail_parse(), all of it: the scanner, GMime for what it
 * declines; (c) mail_parse_path(MAIL_PATH_GMIME), the GMime path alone. Prints mails per CPU
 * second (getrusage, user + system: the machine may be shared) and per wall-clock second, MB
 * per CPU second, and the share of mails the scanner took. A third argument "baseline", "full"
 * or "gmime" runs only that one, for counting instructions (callgrind, perf stat).
 * Built on request: ninja -C build bench/bench-mail-parse
 */
#include <dirent.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "../src/incident/mail.h"

struct mail {
	char *p;
	size_t n;
};

static struct mail *mails;
static size_t nmails, capmails;

struct stamp {
	double cpu, wall;
};

static struct stamp now(void)
{
	struct rusage ru;
	struct timespec ts;
	(void)getrusage(RUSAGE_SELF, &ru);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	struct stamp s = {
	    .cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
	    .wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9,
	};
	return s;
}

static struct stamp since(struct stamp t0)
{
	struct stamp t = now();
	t.cpu -= t0.cpu;
	t.wall -= t0.wall;
	return t;
}

/* mail_parse_path() over the corpus `rounds` times; counts refusals and text bytes */
static struct stamp run(enum mail_path path, unsigned rounds, size_t *failed, size_t *text)
{
	struct stamp t0 = now();
	for (unsigned r = 0; r < rounds; r++)
		for (size_t i = 0; i < nmails; i++) {
			struct mail_msg m;
			if (mail_parse_path(path, mails[i].p, mails[i].n, NULL, &m, NULL, 0) != 0) {
				(*failed)++;
				continue;
			}
			*text += m.text_len;
			mail_msg_free(&m);
		}
	return since(t0);
}

static int add(const char *p, size_t n)
{
	if (nmails == capmails) {
		capmails = capmails ? capmails * 2 : 1024;
		struct mail *nm = realloc(mails, capmails * sizeof(*mails));
		if (!nm)
			return -1;
		mails = nm;
	}
	char *c = malloc(n ? n : 1);
	if (!c)
		return -1;
	memcpy(c, p, n);
	mails[nmails].p = c;
	mails[nmails++].n = n;
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, r;
	char *b = malloc(cap);
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb)
				free(b);
			b = nb;
		}
	}
	(void)fclose(f);
	*len = n;
	return b;
}

static int load_dir(const char *dir)
{
	static const char *const sub[] = {"new", "cur"};
	for (size_t s = 0; s < 2; s++) {
		char path[4096];
		(void)snprintf(path, sizeof(path), "%s/%s", dir, sub[s]);
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char fp[8192];
			(void)snprintf(fp, sizeof(fp), "%s/%s", path, e->d_name);
			size_t n;
			char *b = slurp(fp, &n);
			if (!b || add(b, n) != 0) {
				(void)closedir(d);
				free(b);
				return -1;
			}
			free(b);
		}
		(void)closedir(d);
	}
	return 0;
}

/* mboxrd: a message starts at a "From " line at the start of the file or after a line end */
static int load_mbox(const char *path)
{
	size_t n;
	char *b = slurp(path, &n);
	if (!b)
		return -1;
	size_t at = 0;
	while (at < n) {
		const char *nl = memchr(b + at, '\n', n - at);
		size_t start = nl ? (size_t)(nl - b) + 1 : n;
		const char *k = memmem(b + start, n - start, "\nFrom ", 6);
		size_t end = k ? (size_t)(k - b) + 1 : n;
		if (end > start && add(b + start, end - start) != 0) {
			free(b);
			return -1;
		}
		at = end;
	}
	free(b);
	return 0;
}

static size_t walk(GMimeObject *o)
{
	size_t k = 1;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			k += walk(g_mime_multipart_get_part(mp, i));
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (m && g_mime_message_get_mime_part(m))
			k += walk(g_mime_message_get_mime_part(m));
	}
	return k;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
			"usage: bench-mail-parse MAILDIR|MBOX [rounds [baseline|full|gmime]]\n");
		return 2;
	}
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 3;
	const char *only = argc > 3 ? argv[3] : "";
	unsigned rb = !*only || strcmp(only, "baseline") == 0 ? rounds : 0;
	unsigned rf = !*only || strcmp(only, "full") == 0 ? rounds : 0;
	unsigned rg = !*only || strcmp(only, "gmime") == 0 ? rounds : 0;
	if (rounds == 0)
		return 2;
	struct stat st;
	if (stat(argv[1], &st) != 0 ||
	    (S_ISDIR(st.st_mode) ? load_dir(argv[1]) : load_mbox(argv[1])) != 0 || nmails == 0) {
		fprintf(stderr, "bench-mail-parse: no mail read from '%s'\n", argv[1]);
		return 1;
	}
	size_t bytes = 0;
	for (size_t i = 0; i < nmails; i++)
		bytes += mails[i].n;
	if (mail_init() != 0)
		return 1;

	/* the same parser options as mail.c */
	GMimeParserOptions *opt = g_mime_parser_options_new();
	static const char *fallback[] = {"UTF-8", "ISO-2022-JP", "EUC-JP", "CP932", NULL};
	g_mime_parser_options_set_fallback_charsets(opt, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(opt, GMIME_RFC_COMPLIANCE_LOOSE);

	size_t parts = 0;
	struct stamp t0 = now();
	for (unsigned r = 0; r < rb; r++)
		for (size_t i = 0; i < nmails; i++) {
			GMimeStream *s = g_mime_stream_mem_new_with_buffer(mails[i].p, mails[i].n);
			GMimeParser *p = g_mime_parser_new_with_stream(s);
			g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
			GMimeMessage *m = g_mime_parser_construct_message(p, opt);
			if (m) {
				if (g_mime_message_get_mime_part(m))
					parts += walk(g_mime_message_get_mime_part(m));
				g_object_unref(m);
			}
			g_object_unref(p);
			g_object_unref(s);
		}
	struct stamp t_base = since(t0);

	/* which mails the scanner takes (the rest go to GMime) */
	size_t fast = 0;
	for (size_t i = 0; i < nmails; i++) {
		struct mail_msg m;
		if (mail_parse_path(MAIL_PATH_FAST, mails[i].p, mails[i].n, NULL, &m, NULL, 0) ==
		    0) {
			fast++;
			mail_msg_free(&m);
		}
	}

	size_t failed = 0, text = 0, gfailed = 0, gtext = 0;
	struct stamp t_full = run(MAIL_PATH_AUTO, rf, &failed, &text);
	struct stamp t_gm = run(MAIL_PATH_GMIME, rg, &gfailed, &gtext);

	double n = (double)nmails * rounds, mb = (double)bytes * rounds / 1e6;
	printf("corpus: %zu mails, %.2f MB, %.0f bytes/mail on average; %u rounds\n", nmails,
	       (double)bytes / 1e6, (double)bytes / (double)nmails, rounds);
	printf("scanner took %zu of %zu mails (%.1f %%), GMime the rest\n", fast, nmails,
	       100.0 * (double)fast / (double)nmails);
	printf("%-32s %12s %12s %10s\n", "", "mails/CPU s", "mails/wall s", "MB/CPU s");
	if (rb)
		printf("%-32s %12.0f %12.0f %10.1f  (%zu parts)\n", "GMime parse + walk (baseline)",
		       n / t_base.cpu, n / t_base.wall, mb / t_base.cpu, parts / rounds);
	if (rf)
		printf("%-32s %12.0f %12.0f %10.1f  (%zu bytes of text)\n", "mail_parse (scanner)",
		       n / t_full.cpu, n / t_full.wall, mb / t_full.cpu, text / rounds);
	if (rg)
		printf("%-32s %12.0f %12.0f %10.1f  (%zu bytes of text)\n",
		       "mail_parse (GMime path)", n / t_gm.cpu, n / t_gm.wall, mb / t_gm.cpu,
		       gtext / rounds);
	if (rb && rf)
		printf("speed-up of mail_parse over the baseline (CPU time): %.2f; refused: %zu\n",
		       t_base.cpu / t_full.cpu, failed / rounds);
	if (rf && rg && text != gtext)
		printf("WARNING: the two paths gave different amounts of text\n");
	g_mime_parser_options_free(opt);
	for (size_t i = 0; i < nmails; i++)
		free(mails[i].p);
	free(mails);
	return failed || gfailed ? 1 : 0;
}
