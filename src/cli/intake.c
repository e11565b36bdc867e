/* intake.c - mails into the incident store from the command line (intake.h)
 *
 * `keikai intake mail` is the MTA pipe: postfix's pipe(8) (or any MTA) runs it once per mail and
 * reads the exit code the way sysexits.h defines it: 0 delivered, 75 deferred (the MTA keeps the
 * mail and tries again), 65 bounced with our one-line reason. Everything that is not the mail's
 * own fault (no database, a lock held too long, a full disk, a wrong option) is 75, so a mistake
 * on our side delays mail instead of losing it.
 *
 * `keikai import mail` takes a Maildir or an mbox in batches: each mail in its own savepoint (a
 * rejected one does not undo the others), a commit every --batch mails. The search index is
 * written after the mails, in large batches of its own (every IMPORT_INDEX_EVERY reports and at
 * the end; not at all with --no-index); `keikai reindex` runs that indexer alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../incident/intake.h"
#include "../incident/mbox.h"
#include "../incident/taxonomy.h"
#include "../lib/ckd.h"
#include "../lib/fileio.h"
#include "../lib/i18n.h"
#include "../server/server.h"
#include "intake.h"

#include "../lib/banned.h"

/* Options shared by both commands. */
struct mail_opts {
	const char *db, *config;
	size_t max_bytes;    /* 0 = the configuration's */
	unsigned busy_ms;    /* how long to wait for another writer's lock */
	unsigned long batch; /* import: mails per commit */
	bool no_index;	     /* import: leave the search index to keikaid or `keikai reindex` */
	bool full;	     /* reindex: the whole index again */
	/* --rsit CLASS/TYPE: the classification of the mailbox (e.g. a phishing-report address):
	 * incidents these mails open start with it */
	char rsit_class[40], rsit_type[48];
};

static const char *lang_code(void)
{
	return i18n_lang() == I18N_JA ? "ja" : "en";
}

/* Parse the options after the command words; 0, or -1 after printing why. */
static int parse_opts(int argc, char **argv, int first, struct mail_opts *o, int *ret_next)
{
	int i = first;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--no-index") == 0 || strcmp(a, "--full") == 0) {
			if (a[2] == 'n')
				o->no_index = true;
			else
				o->full = true;
			continue;
		}
		if (i + 1 >= argc)
			goto bad;
		const char *v = argv[++i];
		char *end;
		errno = 0;
		if (strcmp(a, "-d") == 0 || strcmp(a, "--db") == 0)
			o->db = v;
		else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			o->config = v;
		else if (strcmp(a, "--max-bytes") == 0) {
			unsigned long long x = strtoull(v, &end, 10);
			if (errno || *end || !*v || *v == '-' || x == 0 || x > ((size_t)1 << 30))
				goto bad;
			o->max_bytes = (size_t)x;
		} else if (strcmp(a, "--busy-timeout") == 0) {
			unsigned long x = strtoul(v, &end, 10);
			if (errno || *end || !*v || *v == '-' || x > 3600)
				goto bad;
			o->busy_ms = (unsigned)x * 1000u;
		} else if (strcmp(a, "--rsit") == 0) {
			const char *slash = strchr(v, '/');
			if (!slash || (size_t)(slash - v) >= sizeof o->rsit_class ||
			    strlen(slash + 1) >= sizeof o->rsit_type)
				goto bad;
			(void)snprintf(o->rsit_class, sizeof o->rsit_class, "%.*s",
				       (int)(slash - v), v);
			(void)snprintf(o->rsit_type, sizeof o->rsit_type, "%s", slash + 1);
			if (!tax_rsit_find(o->rsit_class, o->rsit_type))
				goto bad;
		} else if (strcmp(a, "--batch") == 0) {
			unsigned long x = strtoul(v, &end, 10);
			if (errno || *end || !*v || *v == '-' || x == 0 || x > 1000000)
				goto bad;
			o->batch = x;
		} else
			goto bad;
	}
	*ret_next = i;
	return 0;
bad:
	(void)fprintf(stderr, T("keikai: bad option %s\n", "keikai: オプション %s が不正です\n"),
		      argv[i < argc ? i : argc - 1]);
	return -1;
}

/* The store named by -d or by the configuration's [store] path, with its incident settings. */
static struct inc_store *open_incident_store(const struct mail_opts *o, struct inc_config *ic)
{
	inc_config_default(ic);
	const char *path = o->db;
	static struct server_config sc;
	if (o->config) {
		if (server_config_load(&sc, o->config) != 0)
			return NULL;
		if (!path)
			path = sc.db;
		*ic = sc.incident;
		ic->resolve = sc.enrich_resolve;
	}
	if (!path)
		path = "keikai.db";
	if (o->max_bytes)
		ic->max_report_bytes = o->max_bytes;
	char err[512];
	struct inc_store *s = inc_store_open(path, ic, err, sizeof err);
	if (!s) {
		(void)fprintf(stderr,
			      T("keikai: database %s: %s\n", "keikai: データベース %s: %s\n"), path,
			      err);
		return NULL;
	}
	(void)sqlite3_busy_timeout(inc_store_db(s), (int)o->busy_ms);
	return s;
}

/* Read all of stdin, at most max bytes; *ret_toobig when there was more. NULL when out of
 * memory or on a read error. */
static char *read_stdin(size_t max, size_t *ret_len, bool *ret_toobig)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	*ret_toobig = false;
	while (buf) {
		if (len == cap) {
			if (cap > max) {
				*ret_toobig = true;
				break;
			}
			size_t ncap;
			char *nb;
			if (!ckd_size_mul(cap, 2, &ncap) || !(nb = realloc(buf, ncap))) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf && len > max)
		*ret_toobig = true;
	*ret_len = len;
	return buf;
}

/* Whether raw starts like a mail: an optional "From " envelope line, then a header field
 * ("Name: value", the name printable ASCII without ':'), and no NUL in the header section. */
static bool looks_like_mail(const char *raw, size_t len)
{
	size_t i = 0;
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *nl = memchr(raw, '\n', len);
		if (!nl)
			return false;
		i = (size_t)(nl - raw) + 1;
	}
	size_t name = 0;
	while (i + name < len && raw[i + name] > ' ' && raw[i + name] < 127 && raw[i + name] != ':')
		name++;
	if (name == 0 || i + name >= len || raw[i + name] != ':')
		return false;
	for (size_t j = i; j < len; j++) {
		if (raw[j] == 0)
			return false;
		if (raw[j] == '\n' && j + 1 < len &&
		    (raw[j + 1] == '\n' ||
		     (raw[j + 1] == '\r' && j + 2 < len && raw[j + 2] == '\n')))
			break; /* end of the header section */
	}
	return true;
}

static int intake_mail(int argc, char **argv, const char *db_path)
{
	struct mail_opts o = {.db = NULL, .busy_ms = 10000};
	int next;
	if (parse_opts(argc, argv, 2, &o, &next) != 0 || next != argc)
		return CLI_EX_TEMPFAIL; /* a wrong master.cf line: keep the mail queued */
	if (!o.db && !o.config)
		o.db = db_path;
	struct inc_config ic;
	inc_config_default(&ic);
	size_t max = o.max_bytes ? o.max_bytes : ic.max_report_bytes;
	size_t len;
	bool toobig;
	char *raw = read_stdin(max, &len, &toobig);
	if (!raw) {
		(void)fprintf(stderr, T("keikai: cannot read the message: %m\n",
					"keikai: メッセージを読めません: %m\n"));
		return CLI_EX_TEMPFAIL;
	}
	/* permanent rejects first: they need no database */
	char why[160] = "";
	if (toobig)
		(void)snprintf(why, sizeof why,
			       T("message too big (over %zu bytes)",
				 "メッセージが大きすぎます (%zu バイト超)"),
			       max);
	else if (len == 0)
		(void)snprintf(why, sizeof why, "%s", T("empty message", "メッセージが空です"));
	else if (!looks_like_mail(raw, len))
		(void)snprintf(why, sizeof why, "%s",
			       T("not a mail (no header section)",
				 "メールではありません (ヘッダがありません)"));
	if (why[0]) {
		(void)fprintf(stderr, "keikai: %s\n", why);
		free(raw);
		return CLI_EX_DATAERR;
	}
	struct inc_store *s = open_incident_store(&o, &ic);
	if (!s) {
		free(raw);
		return CLI_EX_TEMPFAIL;
	}
	struct inc_submission sub = {.channel = "email",
				     .received = 0,
				     .raw = raw,
				     .raw_len = len,
				     .raw_type = "message/rfc822",
				     .rsit_class = o.rsit_class[0] ? o.rsit_class : NULL,
				     .rsit_type = o.rsit_type[0] ? o.rsit_type : NULL};
	struct inc_receipt r;
	char err[256] = "";
	int rc = inc_store_begin(s);
	if (rc == 0) {
		rc = inc_store_intake(s, &sub, &r, err, sizeof err);
		if (rc == 0)
			rc = inc_store_commit(s);
		if (rc != 0)
			(void)inc_store_rollback(s);
	}
	int ex = 0;
	if (rc == INC_E_BAD || rc == INC_E_TOOBIG) {
		(void)fprintf(stderr, "keikai: %s (%s)\n", inc_strerror(rc, lang_code()),
			      err[0] ? err : inc_code(rc));
		ex = CLI_EX_DATAERR;
	} else if (rc != 0) {
		(void)fprintf(stderr, "keikai: %s (%s)\n", inc_strerror(rc, lang_code()),
			      err[0] ? err : inc_store_errmsg(s));
		ex = CLI_EX_TEMPFAIL;
	}
	inc_store_close(s);
	free(raw);
	return ex;
}

int cli_intake(int argc, char **argv, const char *db_path)
{
	if (argc >= 2 && strcmp(argv[1], "mail") == 0)
		return intake_mail(argc, argv, db_path);
	(void)fprintf(stderr, "%s",
		      T("Usage: keikai intake mail [-d DB | -c keikaid.ini] [--max-bytes N] "
			"[--busy-timeout S] [--rsit CLASS/TYPE] < MESSAGE\n",
			"使い方: keikai intake mail [-d DB | -c keikaid.ini] [--max-bytes N] "
			"[--busy-timeout 秒] [--rsit 分類/種別] < メッセージ\n"));
	return 2;
}

/* ---- batch import ------------------------------------------------------------------------ */

/* Mails per commit unless --batch says otherwise. Each commit writes every page the batch
 * touched to the WAL, and the indexes with random keys (raw_sha256, the link index, reports by
 * incident) have new entries all over them: at 1,000 mails per commit 100,000 mails wrote
 * 629 MiB of WAL for a 287 MiB database, at 5,000 362 MiB (and 20 fsyncs instead of 100).
 * keikaid waits for the write lock while a batch is open, well under a second at this size. */
#define IMPORT_BATCH 5000

#define MAX_REASONS 16
/* reports stored between two runs of the indexer during an import: large batches write the
 * trigram index cheaply, and the tail a search scans meanwhile stays bounded by this */
#define IMPORT_INDEX_EVERY 20000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Index every report not indexed yet; prints how many and how fast. 0 or an INC_E_* code. */
static int index_all(struct inc_store *s, bool quiet, unsigned long long *ret_n, double *ret_s)
{
	double t0 = now_s();
	unsigned long long total = 0;
	int rc = 0;
	for (;;) {
		size_t n = 0;
		if ((rc = inc_index_run(s, 100000, &n)) != 0 || n == 0)
			break;
		total += n;
	}
	double t = now_s() - t0;
	if (!quiet && total)
		(void)fprintf(stderr,
			      T("search index: %llu reports in %.2f s\n",
				"検索索引: 報告 %llu 件を %.2f 秒で索引付けしました\n"),
			      total, t);
	if (ret_n)
		*ret_n += total;
	if (ret_s)
		*ret_s += t;
	return rc;
}

struct import {
	struct inc_store *s;
	const char *rsit_class, *rsit_type; /* --rsit, "" for none */
	unsigned long batch, in_batch;
	unsigned long long seen, stored, dups, rejected;
	struct {
		int code;
		char example[200];
		unsigned long long n;
	} reasons[MAX_REASONS];
	size_t n_reasons;
	bool tty;
	time_t last_progress;
	int failed; /* a failure stopped the import */
	/* the counters at the last commit: what a failed import leaves stored */
	unsigned long long c_seen, c_stored, c_dups, c_rejected;
	unsigned long long c_reason_n[MAX_REASONS];
	size_t c_n_reasons;
	/* safe: each mail in its own savepoint, for the rest of the batch (see import_one) */
	bool safe;
	bool no_index;
	unsigned long long unindexed; /* reports committed since the indexer last ran */
};

/* import_one: the batch must be rolled back and taken again mail by mail in savepoints */
#define IMPORT_REPLAY 1

static void progress(struct import *im, bool final)
{
	time_t now = time(NULL);
	if (!final && now == im->last_progress)
		return;
	im->last_progress = now;
	(void)fprintf(stderr,
		      T("%s%llu mails: %llu new, %llu duplicates, %llu rejected%s",
			"%sメール %llu 件: 新規 %llu、重複 %llu、却下 %llu%s"),
		      im->tty ? "\r" : "", im->seen, im->stored, im->dups, im->rejected,
		      im->tty && !final ? "" : "\n");
}

static int batch_commit(struct import *im)
{
	int rc = inc_store_commit(im->s);
	if (rc == 0 && !im->no_index &&
	    im->stored - im->c_stored + im->unindexed >= IMPORT_INDEX_EVERY) {
		im->unindexed = 0;
		rc = index_all(im->s, true, NULL, NULL);
	} else if (rc == 0) {
		im->unindexed += im->stored - im->c_stored;
	}
	if (rc == 0) {
		im->c_seen = im->seen;
		im->c_stored = im->stored;
		im->c_dups = im->dups;
		im->c_rejected = im->rejected;
		for (size_t k = 0; k < MAX_REASONS; k++)
			im->c_reason_n[k] = im->reasons[k].n;
		im->c_n_reasons = im->n_reasons;
		rc = inc_store_begin(im->s);
	}
	im->in_batch = 0;
	im->safe = false;
	return rc;
}

/* Undo the batch in progress and go back to the counters of the last commit; the caller takes
 * the batch's mails again, now each in its own savepoint. */
static int batch_replay(struct import *im)
{
	int rc = inc_store_rollback(im->s);
	if (rc == 0)
		rc = inc_store_begin(im->s);
	im->seen = im->c_seen;
	im->stored = im->c_stored;
	im->dups = im->c_dups;
	im->rejected = im->c_rejected;
	for (size_t k = 0; k < MAX_REASONS; k++)
		im->reasons[k].n = im->c_reason_n[k];
	im->n_reasons = im->c_n_reasons;
	im->in_batch = 0;
	im->safe = true;
	return rc;
}

/* Commit what a source (a Maildir folder, an mbox file) left in the batch, so a replay never
 * needs the mails of an earlier source. */
static int source_done(struct import *im)
{
	return im->in_batch ? batch_commit(im) : 0;
}

/* One mail. Mails go in without a savepoint of their own (each is a statement-journal write
 * per mail, and most mails are not rejected), and a reject is checked to have written
 * nothing (inc_store_intake refuses before writing in all but corner cases); if it did write,
 * IMPORT_REPLAY asks the caller to take the batch again with a savepoint per mail (im->safe).
 * Returns 0 (stored, duplicate or rejected), IMPORT_REPLAY, or a temporary failure's code (the
 * batch is rolled back by the caller). */
static int import_one(struct import *im, const char *raw, size_t len, int64_t received,
		      const char *label)
{
	struct inc_submission sub = {.channel = "email",
				     .received = received,
				     .raw = raw,
				     .raw_len = len,
				     .raw_type = "message/rfc822",
				     .rsit_class = im->rsit_class[0] ? im->rsit_class : NULL,
				     .rsit_type = im->rsit_type[0] ? im->rsit_type : NULL};
	struct inc_receipt r;
	char err[256] = "";
	im->seen++;
	sqlite3 *db = inc_store_db(im->s);
	int rc = im->safe ? inc_store_savepoint(im->s) : 0;
	if (rc != 0)
		return rc;
	int changes = sqlite3_total_changes(db);
	rc = inc_store_intake(im->s, &sub, &r, err, sizeof err);
	if (rc == 0) {
		rc = im->safe ? inc_store_release(im->s) : 0;
		if (rc != 0)
			return rc;
		if (r.duplicate)
			im->dups++;
		else
			im->stored++;
	} else {
		int rb = im->safe ? inc_store_rollback_to(im->s) : 0;
		if (rb != 0)
			return rb;
		if (rc != INC_E_BAD && rc != INC_E_TOOBIG)
			return rc;
		if (!im->safe && sqlite3_total_changes(db) != changes)
			return IMPORT_REPLAY;
		im->rejected++;
		(void)fprintf(stderr, "%skeikai: %s: %s (%s)\n", im->tty ? "\n" : "", label,
			      inc_strerror(rc, lang_code()), err[0] ? err : inc_code(rc));
		size_t k = 0;
		while (k < im->n_reasons && im->reasons[k].code != rc)
			k++;
		if (k == im->n_reasons && k < MAX_REASONS) {
			im->reasons[k].code = rc;
			(void)snprintf(im->reasons[k].example, sizeof im->reasons[k].example, "%s",
				       err);
			im->n_reasons++;
		}
		if (k < im->n_reasons)
			im->reasons[k].n++;
	}
	if (++im->in_batch >= im->batch) {
		rc = batch_commit(im);
		if (rc != 0)
			return rc;
		progress(im, false);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A source that cannot be read: say so; 1. */
static int source_error(const char *path, int e)
{
	errno = e;
	(void)fprintf(stderr, "keikai: %s: %m\n", path);
	return 1;
}

/* The mails of dir/sub (new or cur), sorted by name (delivery order for usual names). Returns
 * 0, 1 (the source could not be read; printed) or import_one's negative code. */
static int import_maildir_sub(struct import *im, const char *dir, const char *sub)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", dir, sub) >= (int)sizeof path)
		return source_error(dir, ENAMETOOLONG);
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : source_error(path, errno);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded program */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t ncap, bytes;
			char **nn;
			if (!ckd_size_mul(cap ? cap : 512, 2, &ncap) ||
			    !ckd_size_mul(ncap, sizeof *names, &bytes) ||
			    !(nn = realloc(names, bytes))) {
				rc = source_error(path, ENOMEM);
				break;
			}
			names = nn;
			cap = ncap;
		}
		char *name = strdup(e->d_name);
		if (!name) {
			rc = source_error(path, ENOMEM);
			break;
		}
		names[n++] = name;
	}
	(void)closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	int dfd = rc == 0 ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (rc == 0 && dfd < 0)
		rc = source_error(path, errno);
	char *buf = NULL;
	size_t bufcap = 0, batch_start = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (im->in_batch == 0)
			batch_start = i;
		int fd = fileio_open_read(dfd, names[i], O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		struct stat sb;
		if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			if (fd >= 0)
				(void)close(fd);
			continue;
		}
		size_t size = (size_t)sb.st_size;
		if (size > bufcap) {
			char *nb = realloc(buf, size);
			if (!nb) {
				(void)close(fd);
				rc = source_error(names[i], ENOMEM);
				break;
			}
			buf = nb;
			bufcap = size;
		}
		ssize_t got = fileio_read_full(fd, buf, size);
		(void)close(fd);
		if (got < 0)
			continue;
		char label[4200];
		(void)snprintf(label, sizeof label, "%s/%s", path, names[i]);
		rc = import_one(im, buf, (size_t)got, (int64_t)sb.st_mtim.tv_sec, label);
		if (rc == IMPORT_REPLAY && (rc = batch_replay(im)) == 0)
			i = batch_start - 1; /* the loop's i++ brings it back to batch_start */
	}
	if (rc == 0)
		rc = source_done(im);
	if (dfd >= 0)
		(void)close(dfd);
	free(buf);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int import_mbox(struct import *im, const char *path)
{
	int fd = fileio_open_read(AT_FDCWD, path, O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int e = errno;
		if (fd >= 0)
			(void)close(fd);
		return source_error(path, e);
	}
	size_t size = (size_t)sb.st_size;
	if (size == 0) {
		(void)close(fd);
		return 0;
	}
	char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	(void)close(fd);
	if (map == MAP_FAILED)
		return source_error(path, errno);
	(void)madvise(map, size, MADV_SEQUENTIAL);
	size_t pos = 0, off, len, n = 0, batch_pos = 0, batch_n = 0;
	char *buf = NULL;
	size_t bufcap = 0;
	int r = 0, rc = 0;
	for (;;) {
		if (im->in_batch == 0) {
			batch_pos = pos;
			batch_n = n;
		}
		if (rc != 0 || (r = mbox_next(map, size, &pos, &off, &len)) != 1)
			break;
		if (len > bufcap) {
			char *nb = realloc(buf, len);
			if (!nb) {
				rc = source_error(path, ENOMEM);
				break;
			}
			buf = nb;
			bufcap = len;
		}
		size_t ul = mbox_unquote(map + off, len, buf);
		char label[4200];
		(void)snprintf(label, sizeof label, "%s#%zu", path, ++n);
		/* the time on its "From " line is when it was delivered; without one, now */
		long long at = mbox_envelope_time(map, off);
		rc = import_one(im, buf, ul, at > 0 ? (int64_t)at : 0, label);
		if (rc == IMPORT_REPLAY && (rc = batch_replay(im)) == 0) {
			pos = batch_pos;
			n = batch_n;
		}
	}
	if (rc == 0 && r >= 0)
		rc = source_done(im);
	if (rc == 0 && r < 0) {
		(void)fprintf(
		    stderr,
		    T("keikai: %s: not an mbox (no \"From \" line first)\n",
		      "keikai: %s: mbox ではありません (先頭に \"From \" 行がありません)\n"),
		    path);
		rc = 1;
	}
	free(buf);
	(void)munmap(map, size);
	return rc;
}

int cli_import_mail(int argc, char **argv, const char *db_path)
{
	struct mail_opts o = {.db = NULL, .busy_ms = 10000, .batch = IMPORT_BATCH};
	int next;
	if (parse_opts(argc, argv, 2, &o, &next) != 0 || next >= argc) {
		(void)fprintf(
		    stderr, "%s",
		    T("Usage: keikai import mail [-d DB | -c keikaid.ini] [--batch N] [--no-index] "
		      "[--rsit CLASS/TYPE] MAILDIR|MBOX...\n",
		      "使い方: keikai import mail [-d DB | -c keikaid.ini] [--batch 件数] "
		      "[--no-index] [--rsit 分類/種別] Maildir|mbox...\n"));
		return 2;
	}
	if (!o.db && !o.config)
		o.db = db_path;
	struct inc_config ic;
	struct import im = {.batch = o.batch,
			    .tty = isatty(STDERR_FILENO) == 1,
			    .no_index = o.no_index,
			    .rsit_class = o.rsit_class,
			    .rsit_type = o.rsit_type};
	/* no allocation statistics: SQLite would take a global mutex for every allocation (half
	 * a million per 5,000 mails) to count what nothing here reads; refused (and harmless) if
	 * SQLite is already initialised */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	im.s = open_incident_store(&o, &ic);
	if (!im.s)
		return 1;
	/* One checkpoint at the end instead of one every few thousand pages: the pages the
	 * batches rewrite again and again (index interiors, the tables' last leaves) are copied
	 * into the database once; synchronous=FULL stays, every commit is durable in the WAL.
	 * For this connection only: no secure_delete (Debian's SQLite turns it on; the import
	 * deletes nothing, the space it frees when B-tree pages split or an incident's row is
	 * rewritten holds copies of what is stored anyway, and zeroing it was 1 % of the
	 * instructions), and no foreign-key checks (every id the intake writes is a row it has
	 * just read or inserted in the same transaction: each check was one more B-tree seek, 4.7
	 * per mail, 2 % of the instructions). */
	(void)sqlite3_exec(inc_store_db(im.s),
			   "PRAGMA wal_autocheckpoint=0; PRAGMA secure_delete=OFF;"
			   " PRAGMA foreign_keys=OFF",
			   NULL, NULL, NULL);
	int rc = inc_store_begin(im.s);
	for (int i = next; rc == 0 && i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) != 0) {
			(void)fprintf(stderr, "keikai: %s: %m\n", argv[i]);
			rc = 1;
			break;
		}
		if (S_ISDIR(sb.st_mode)) {
			rc = import_maildir_sub(&im, argv[i], "new");
			if (rc == 0)
				rc = import_maildir_sub(&im, argv[i], "cur");
		} else
			rc = import_mbox(&im, argv[i]);
	}
	if (rc == 0 && (rc = inc_store_commit(im.s)) == 0) {
		im.c_seen = im.seen;
		im.c_stored = im.stored;
		im.c_dups = im.dups;
		im.c_rejected = im.rejected;
	}
	if (rc != 0) {
		(void)inc_store_rollback(im.s);
		im.failed = 1;
		if (rc < 0)
			(void)fprintf(
			    stderr,
			    T("keikai: stopped: %s (%s); the last batch was rolled back, "
			      "run the import again to continue\n",
			      "keikai: 中断しました: %s (%s)。最後のバッチは取り消しました。"
			      "もう一度実行すると続きから取り込みます\n"),
			    inc_strerror(rc, lang_code()), inc_store_errmsg(im.s));
	}
	im.seen = im.c_seen;
	im.stored = im.c_stored;
	im.dups = im.c_dups;
	im.rejected = im.c_rejected;
	progress(&im, true);
	/* what was committed is indexed, even after a failure */
	if (!im.no_index && index_all(im.s, false, NULL, NULL) != 0) {
		(void)fprintf(
		    stderr,
		    T("keikai: the search index could not be brought up to date (%s); "
		      "search still finds the reports; run keikai reindex\n",
		      "keikai: 検索索引を更新できませんでした (%s)。検索では報告は見つかります。"
		      "keikai reindex を実行してください\n"),
		    inc_store_errmsg(im.s));
		im.failed = 1;
	}
	(void)sqlite3_exec(inc_store_db(im.s), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	(void)printf(T("imported %llu mails: %llu new reports, %llu duplicates, %llu rejected\n",
		       "メール %llu 件を取り込みました: 新規報告 %llu、重複 %llu、却下 %llu\n"),
		     im.seen, im.stored, im.dups, im.rejected);
	for (size_t k = 0; k < im.n_reasons; k++)
		(void)printf(T("  rejected, %s: %llu (e.g. %s)\n", "  却下 %s: %llu 件 (例: %s)\n"),
			     inc_strerror(im.reasons[k].code, lang_code()), im.reasons[k].n,
			     im.reasons[k].example[0] ? im.reasons[k].example : "-");
	inc_store_close(im.s);
	return im.failed ? 1 : 0;
}

/* ---- reindex ----------------------------------------------------------------------------- */

int cli_reindex(int argc, char **argv, const char *db_path)
{
	struct mail_opts o = {.db = NULL, .busy_ms = 10000};
	int next;
	if (parse_opts(argc, argv, 1, &o, &next) != 0 || next != argc) {
		(void)fprintf(stderr, "%s",
			      T("Usage: keikai reindex [-d DB | -c keikaid.ini] [--full]\n",
				"使い方: keikai reindex [-d DB | -c keikaid.ini] [--full]\n"));
		return 2;
	}
	if (!o.db && !o.config)
		o.db = db_path;
	struct inc_config ic;
	struct inc_store *s = open_incident_store(&o, &ic);
	if (!s)
		return 1;
	int rc = o.full ? inc_index_reset(s) : 0;
	unsigned long long n = 0;
	double secs = 0;
	if (rc == 0)
		rc = index_all(s, true, &n, &secs);
	if (rc != 0) {
		(void)fprintf(stderr, "keikai: %s (%s)\n", inc_strerror(rc, lang_code()),
			      inc_store_errmsg(s));
		inc_store_close(s);
		return 1;
	}
	(void)printf(
	    T("indexed %llu reports in %.2f s\n", "報告 %llu 件を %.2f 秒で索引付けしました\n"), n,
	    secs);
	inc_store_close(s);
	return 0;
}
