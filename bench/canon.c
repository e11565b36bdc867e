/* canon.c - how fast canon_url() canonicalises real phishing URLs
 *
 * Loads the URLs of the CSV files in tests/data/phishurl (6,447 JPCERT/CC phishing URLs) and
 * canonicalises all of them again and again for at least the given number of CPU seconds (2 by
 * default), then, as a baseline over the same URLs, copies each one while lower-casing it.
 * Prints URLs per second for both and their ratio. Single-threaded.
 * Built on request: ninja -C build bench/bench-canon
 * Run: build/bench/bench-canon tests/data/phishurl [seconds]
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/incident/canon.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine may be busy */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct url {
	const char *p;
	size_t len;
};

/* the URL field of one CSV line, unquoted in place */
static size_t csv_url(char *line, char **ret)
{
	char *p = strchr(line, ',');
	if (!p)
		return 0;
	p++;
	if (*p != '"') {
		char *e = strchr(p, ',');
		*ret = p;
		return e ? (size_t)(e - p) : 0;
	}
	char *r = p + 1, *w = p;
	while (*r && !(*r == '"' && r[1] != '"')) {
		*w++ = *r;
		r += *r == '"' ? 2 : 1;
	}
	*ret = p;
	return (size_t)(w - p);
}

static volatile size_t sink;

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/data/phishurl";
	double secs = argc > 2 ? strtod(argv[2], NULL) : 2.0;
	struct url *u = calloc(10000, sizeof(*u));
	size_t n = 0, bytes = 0;
	if (!u)
		return 1;
	for (int m = 1; m <= 12; m++) {
		char path[1024], line[16384];
		snprintf(path, sizeof(path), "%s/2019%02d.csv", dir, m);
		FILE *f = fopen(path, "re");
		if (!f) {
			fprintf(stderr, "bench-canon: cannot open '%s'\n", path);
			return 1;
		}
		bool header = true;
		while (fgets(line, sizeof(line), f) && n < 10000) {
			char *p;
			size_t l;
			if (header) {
				header = false;
				continue;
			}
			if ((l = csv_url(line, &p)) == 0)
				continue;
			char *c = malloc(l);
			if (!c)
				return 1;
			memcpy(c, p, l);
			u[n].p = c;
			u[n++].len = l;
			bytes += l;
		}
		fclose(f);
	}
	static char out[CANON_MAX_INPUT * 3];
	struct canon_url parts;
	size_t done = 0, errors = 0, outbytes = 0;
	double t0 = now(), t1;
	do {
		for (size_t i = 0; i < n; i++) {
			int r = canon_url(u[i].p, u[i].len, out, sizeof(out), &parts);
			if (r < 0)
				errors++;
			else
				outbytes += (size_t)r;
		}
		done += n;
		t1 = now();
	} while (t1 - t0 < secs);
	double canon_rate = (double)done / (t1 - t0);

	size_t bdone = 0;
	double b0 = now(), b1;
	do {
		for (size_t i = 0; i < n; i++) {
			const char *s = u[i].p;
			size_t l = u[i].len;
			for (size_t k = 0; k < l; k++) {
				char c = s[k];
				out[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
			}
			out[l] = '\0';
			sink += (size_t)out[l / 2];
		}
		bdone += n;
		b1 = now();
	} while (b1 - b0 < secs);
	double base_rate = (double)bdone / (b1 - b0);

	printf("urls: %zu (%.1f bytes on average), refused: %zu per pass\n", n,
	       (double)bytes / (double)n, errors * n / (done ? done : 1));
	printf("canon_url:        %10.0f URLs/s  (%.1f s CPU, %zu URLs, %.1f MB/s in)\n",
	       canon_rate, t1 - t0, done, canon_rate * (double)bytes / (double)n / 1e6);
	printf("copy + lowercase: %10.0f URLs/s  (%.1f s CPU)\n", base_rate, b1 - b0);
	printf("ratio: canon_url takes %.1f times as long as the copy\n", base_rate / canon_rate);
	sink += outbytes;
	for (size_t i = 0; i < n; i++)
		free((void *)(uintptr_t)u[i].p);
	free(u);
	return 0;
}
