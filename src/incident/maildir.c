/* maildir.c - Maildir intake for keikaid (maildir.h; Maildir: https://cr.yp.to/proto/maildir.html)
 *
 * One watcher thread owns the inotify descriptor and decides when to rescan; a few workers take
 * file names from a bounded queue, read the file, submit it through the writer and rename it
 * when the writer has answered. Several workers let one group commit carry several mails.
 * The queue may hold a name twice (an inotify event and a rescan); the second worker then finds
 * the file gone (ENOENT) or, if both read it, the writer calls the second a duplicate and its
 * rename finds nothing to move.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/fileio.h"
#include "intake.h"
#include "maildir.h"

#include "../lib/banned.h"

#define QUEUE_CAP   8192
#define MAX_WORKERS 16
#define RETRY_S	    2 /* a deferred file is tried again after this long */
#define NAME_CAP    256

struct maildir_watch {
	char *path;
	struct inc_writer *w;
	unsigned rescan_s, nworkers;
	size_t max_bytes;
	int dirfd, newfd, curfd, ino, stopfd;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *queue[QUEUE_CAP];
	size_t q_head, q_len;
	unsigned busy;	       /* workers holding a file */
	bool stop, overflowed; /* overflowed: names were dropped, rescan */
	int64_t retry_at;      /* a deferral happened: rescan at this time (0 = none) */
	struct maildir_stats st;

	pthread_t watcher, workers[MAX_WORKERS];
	unsigned started;
};

static int64_t now_s(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static bool name_ok(const char *n)
{
	size_t l = strlen(n);
	return l > 0 && l < NAME_CAP - 8 && n[0] != '.';
}

/* Queue a name (copied). Called with mu held. */
static void enqueue_locked(struct maildir_watch *m, const char *name)
{
	if (!name_ok(name))
		return;
	if (m->q_len == QUEUE_CAP) {
		m->overflowed = true;
		return;
	}
	char *c = strdup(name);
	if (!c) {
		m->overflowed = true;
		return;
	}
	m->queue[(m->q_head + m->q_len) % QUEUE_CAP] = c;
	m->q_len++;
	(void)pthread_cond_signal(&m->cv);
}

/* Queue every file of new/. Called with mu held and the queue empty, so names are not doubled
 * (workers may still hold up to nworkers of them: harmless, see the top of the file). */
static void scan_locked(struct maildir_watch *m)
{
	int fd = openat(m->newfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		m->retry_at = now_s() + RETRY_S;
		return;
	}
	m->overflowed = false;
	struct dirent *e;
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): this DIR is used by this thread only */
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		enqueue_locked(m, e->d_name);
	}
	(void)closedir(d);
	m->st.scans++;
}

/* Write text to dir/name through a temporary name, so a reader never sees half of it. */
static int write_file_at(int dfd, const char *name, const char *text)
{
	char tmp[NAME_CAP + 64];
	if (snprintf(tmp, sizeof tmp, ".%s.tmp", name) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int rc = (w == (ssize_t)n && fsync(fd) == 0) ? 0 : -EIO;
	(void)close(fd);
	if (rc == 0 && renameat(dfd, tmp, dfd, name) != 0)
		rc = -errno;
	if (rc != 0)
		(void)unlinkat(dfd, tmp, 0);
	return rc;
}

/* Move new/name to .rejected/cur/name:2, with .rejected/name.reason saying why. */
static void reject(struct maildir_watch *m, const char *name, int code, const char *why)
{
	static const char *const sub[] = {"tmp", "new", "cur"};
	(void)mkdirat(m->dirfd, MAILDIR_REJECTED, 0750);
	int rfd = openat(m->dirfd, MAILDIR_REJECTED, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		goto defer;
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
		(void)mkdirat(rfd, sub[i], 0750);
	char reason[NAME_CAP + 16], target[NAME_CAP + 16];
	(void)snprintf(reason, sizeof reason, "%s.reason", name);
	(void)snprintf(target, sizeof target, "cur/%s:2,", name);
	char text[600];
	(void)snprintf(text, sizeof text, "%s: %s\n", inc_code(code), why && *why ? why : "-");
	if (write_file_at(rfd, reason, text) != 0 ||
	    (renameat(m->newfd, name, rfd, target) != 0 && errno != ENOENT)) {
		(void)close(rfd);
		goto defer;
	}
	(void)close(rfd);
	(void)pthread_mutex_lock(&m->mu);
	m->st.rejected++;
	(void)pthread_mutex_unlock(&m->mu);
	return;
defer:
	(void)pthread_mutex_lock(&m->mu);
	m->st.deferred++;
	m->retry_at = now_s() + RETRY_S;
	(void)pthread_mutex_unlock(&m->mu);
}

static void take(struct maildir_watch *m, const char *name)
{
	int fd = fileio_open_read(m->newfd, name, O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return; /* taken by another worker, or not ours to read */
	struct stat sb;
	char *buf = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0) {
		(void)close(fd);
		return;
	}
	size_t size = (size_t)sb.st_size;
	if (size > m->max_bytes) {
		(void)close(fd);
		reject(m, name, INC_E_TOOBIG, "message over the size limit");
		return;
	}
	buf = malloc(size ? size : 1);
	ssize_t got = buf ? fileio_read_full(fd, buf, size) : -ENOMEM;
	(void)close(fd);
	if (got != (ssize_t)size) { /* changing under us or out of memory: next pass */
		free(buf);
		(void)pthread_mutex_lock(&m->mu);
		m->st.deferred++;
		m->retry_at = now_s() + RETRY_S;
		(void)pthread_mutex_unlock(&m->mu);
		return;
	}
	struct inc_submission s = {.channel = "email",
				   .received = (int64_t)sb.st_mtim.tv_sec,
				   .raw = buf,
				   .raw_len = size,
				   .raw_type = "message/rfc822"};
	struct inc_receipt r;
	char err[256] = "";
	int rc = inc_writer_submit(m->w, &s, &r, err, sizeof err);
	free(buf);
	if (rc == 0) {
		char target[NAME_CAP + 16];
		if (strchr(name, ':'))
			(void)snprintf(target, sizeof target, "%s", name);
		else
			(void)snprintf(target, sizeof target, "%s:2,S", name);
		/* ENOENT: a second copy of the name was handled by another worker */
		(void)renameat(m->newfd, name, m->curfd, target);
		(void)pthread_mutex_lock(&m->mu);
		if (r.duplicate)
			m->st.duplicates++;
		else
			m->st.stored++;
		(void)pthread_mutex_unlock(&m->mu);
	} else if (rc == INC_E_BAD || rc == INC_E_TOOBIG) {
		reject(m, name, rc, err);
	} else { /* busy, out of memory, a database failure: keep it and try again */
		(void)pthread_mutex_lock(&m->mu);
		m->st.deferred++;
		m->retry_at = now_s() + RETRY_S;
		(void)pthread_mutex_unlock(&m->mu);
	}
}

static void *worker_main(void *arg)
{
	struct maildir_watch *m = arg;
	(void)pthread_mutex_lock(&m->mu);
	for (;;) {
		while (!m->stop && m->q_len == 0)
			(void)pthread_cond_wait(&m->cv, &m->mu);
		if (m->stop)
			break;
		char *name = m->queue[m->q_head];
		m->q_head = (m->q_head + 1) % QUEUE_CAP;
		m->q_len--;
		m->busy++;
		(void)pthread_mutex_unlock(&m->mu);
		take(m, name);
		free(name);
		(void)pthread_mutex_lock(&m->mu);
		m->busy--;
		if (m->q_len == 0 && m->busy == 0)
			(void)pthread_cond_broadcast(&m->cv);
	}
	(void)pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* Read the pending inotify events and queue their names. */
static void drain_events(struct maildir_watch *m)
{
	_Alignas(struct inotify_event) char buf[16384];
	for (;;) {
		ssize_t n = read(m->ino, buf, sizeof buf);
		if (n <= 0)
			return;
		(void)pthread_mutex_lock(&m->mu);
		for (size_t off = 0; off + sizeof(struct inotify_event) <= (size_t)n;) {
			const struct inotify_event *ev = (const void *)(buf + off);
			if (ev->mask & IN_Q_OVERFLOW)
				m->overflowed = true;
			else if (ev->len > 0 && !(ev->mask & IN_ISDIR))
				enqueue_locked(m, ev->name);
			off += sizeof(struct inotify_event) + ev->len;
		}
		(void)pthread_mutex_unlock(&m->mu);
	}
}

static void *watcher_main(void *arg)
{
	struct maildir_watch *m = arg;
	int64_t next_scan = 0; /* at start: now */
	for (;;) {
		int64_t now = now_s();
		int timeout_ms;
		(void)pthread_mutex_lock(&m->mu);
		bool due = now >= next_scan || m->overflowed || (m->retry_at && now >= m->retry_at);
		if (due && m->q_len == 0 && m->busy == 0) {
			scan_locked(m);
			if (m->retry_at && now >= m->retry_at)
				m->retry_at = 0;
			next_scan = now + m->rescan_s;
			due = false;
		}
		if (due) /* wait for the workers to drain the queue, then scan */
			timeout_ms = 100;
		else {
			int64_t until = next_scan;
			if (m->retry_at && m->retry_at < until)
				until = m->retry_at;
			timeout_ms = until > now ? (int)((until - now) * 1000) : 100;
		}
		(void)pthread_mutex_unlock(&m->mu);
		struct pollfd p[2] = {{.fd = m->ino, .events = POLLIN},
				      {.fd = m->stopfd, .events = POLLIN}};
		if (poll(p, 2, timeout_ms) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			drain_events(m);
	}
	return NULL;
}

static void close_fds(struct maildir_watch *m)
{
	int *fds[] = {&m->dirfd, &m->newfd, &m->curfd, &m->ino, &m->stopfd};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] >= 0) {
			(void)close(*fds[i]);
			*fds[i] = -1;
		}
}

struct maildir_watch *maildir_watch_start(const struct maildir_config *cfg, struct inc_writer *w,
					  char *err, size_t errlen)
{
	struct maildir_watch *m = calloc(1, sizeof *m);
	if (!m || !(m->path = strdup(cfg->path))) {
		free(m);
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->w = w;
	m->rescan_s = cfg->rescan_s ? cfg->rescan_s : 60;
	m->nworkers = cfg->workers ? cfg->workers : 4;
	if (m->nworkers > MAX_WORKERS)
		m->nworkers = MAX_WORKERS;
	m->max_bytes = cfg->max_bytes ? cfg->max_bytes : (size_t)25 << 20;
	m->dirfd = m->newfd = m->curfd = m->ino = m->stopfd = -1;
	(void)pthread_mutex_init(&m->mu, NULL);
	(void)pthread_cond_init(&m->cv, NULL);

	static const char *const sub[] = {"tmp", "new", "cur"};
	(void)mkdir(m->path, 0750);
	m->dirfd = open(m->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->dirfd < 0)
		goto fail;
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
		if (mkdirat(m->dirfd, sub[i], 0750) != 0 && errno != EEXIST)
			goto fail;
	m->newfd = openat(m->dirfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->curfd = openat(m->dirfd, "cur", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	m->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->newfd < 0 || m->curfd < 0 || m->ino < 0 || m->stopfd < 0)
		goto fail;
	char newpath[4096];
	if (snprintf(newpath, sizeof newpath, "%s/new", m->path) >= (int)sizeof newpath) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	/* the watch exists before the first scan, so a mail arriving in between is not missed */
	if (inotify_add_watch(m->ino, newpath, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		goto fail;
	for (; m->started < m->nworkers; m->started++)
		if (pthread_create(&m->workers[m->started], NULL, worker_main, m) != 0)
			break;
	if (m->started == 0 || pthread_create(&m->watcher, NULL, watcher_main, m) != 0) {
		errno = EAGAIN;
		goto fail_threads;
	}
	return m;
fail_threads:
	(void)pthread_mutex_lock(&m->mu);
	m->stop = true;
	(void)pthread_cond_broadcast(&m->cv);
	(void)pthread_mutex_unlock(&m->mu);
	for (unsigned i = 0; i < m->started; i++)
		(void)pthread_join(m->workers[i], NULL);
fail:
	(void)snprintf(err, errlen, "maildir \"%s\": %m", cfg->path);
	close_fds(m);
	(void)pthread_mutex_destroy(&m->mu);
	(void)pthread_cond_destroy(&m->cv);
	free(m->path);
	free(m);
	return NULL;
}

void maildir_watch_stop(struct maildir_watch *m)
{
	if (!m)
		return;
	uint64_t one = 1;
	(void)!write(m->stopfd, &one, sizeof one);
	(void)pthread_join(m->watcher, NULL);
	(void)pthread_mutex_lock(&m->mu);
	m->stop = true;
	(void)pthread_cond_broadcast(&m->cv);
	(void)pthread_mutex_unlock(&m->mu);
	for (unsigned i = 0; i < m->started; i++)
		(void)pthread_join(m->workers[i], NULL);
	for (; m->q_len; m->q_len--, m->q_head = (m->q_head + 1) % QUEUE_CAP)
		free(m->queue[m->q_head]);
	close_fds(m);
	(void)pthread_mutex_destroy(&m->mu);
	(void)pthread_cond_destroy(&m->cv);
	free(m->path);
	free(m);
}

void maildir_watch_stats(struct maildir_watch *m, struct maildir_stats *ret)
{
	(void)pthread_mutex_lock(&m->mu);
	*ret = m->st;
	(void)pthread_mutex_unlock(&m->mu);
}
