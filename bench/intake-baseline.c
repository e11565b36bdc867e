/* intake-baseline.c - the floor under mail intake: GMime parsing alone, same mails, one core
 *
 *   bench-intake-baseline MAILDIR
 *
 * Reads every file of MAILDIR/new and MAILDIR/cur (as `keikai import mail` does), parses it
 * with GMime, walks its parts and decodes every text part to UTF-8, and nothing else: no
 * indicator extraction, no canonicalisation, no database. Prints "mails N seconds S rate R" so
 * bench/intake.sh can set keikai's end-to-end rate against it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/lib/fileio.h"

#include "../src/lib/banned.h"

static size_t text_bytes; /* decoded text, so the work cannot be optimised away */

static void on_part(GMimeObject *parent, GMimeObject *part, gpointer user)
{
	(void)parent;
	(void)user;
	if (GMIME_IS_TEXT_PART(part)) {
		char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
		if (t) {
			text_bytes += strlen(t);
			g_free(t);
		}
	}
}

static int parse_one(const char *buf, size_t len)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(buf, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	int ok = m != NULL;
	if (m) {
		const char *subj = g_mime_message_get_subject(m);
		text_bytes += subj ? strlen(subj) : 0;
		g_mime_message_foreach(m, on_part, NULL);
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
	return ok;
}

static double now(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		(void)fprintf(stderr, "usage: bench-intake-baseline MAILDIR\n");
		return 2;
	}
	g_mime_init();
	static const char *const sub[] = {"new", "cur"};
	unsigned long mails = 0, bad = 0;
	char *buf = NULL;
	size_t cap = 0;
	double t0 = now();
	for (size_t s = 0; s < 2; s++) {
		char path[4096];
		(void)snprintf(path, sizeof path, "%s/%s", argv[1], sub[s]);
		DIR *d = opendir(path);
		if (!d)
			continue;
		int dfd = dirfd(d);
		struct dirent *e;
		/* NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded */
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			int fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC);
			struct stat sb;
			if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
				if (fd >= 0)
					(void)close(fd);
				continue;
			}
			size_t size = (size_t)sb.st_size;
			if (size > cap) {
				char *nb = realloc(buf, size);
				if (!nb) {
					(void)close(fd);
					return 1;
				}
				buf = nb;
				cap = size;
			}
			ssize_t got = fileio_read_full(fd, buf, size);
			(void)close(fd);
			if (got < 0)
				continue;
			mails++;
			if (!parse_one(buf, (size_t)got))
				bad++;
		}
		(void)closedir(d);
	}
	double secs = now() - t0;
	(void)printf("mails %lu seconds %.3f rate %.0f unparsed %lu text_bytes %zu\n", mails, secs,
		     secs > 0 ? (double)mails / secs : 0.0, bad, text_bytes);
	free(buf);
	g_mime_shutdown();
	return 0;
}
