/* spool.c - on-disk spool of interval records awaiting delivery (see spool.h)
 *
 * Durability follows the usual rename dance: write a temporary file in the same directory,
 * fsync it, rename it over the final name, fsync the directory. A crash at any point leaves
 * either the old state (and perhaps a temporary file, removed at the next open) or the new
 * record complete; never a half-written record under a final name.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/ckd.h"
#include "../lib/fileio.h"
#include "../lib/banned.h"

#define START_DIGITS	20
#define NAME_SUFFIX	".json"
#define NAME_SUFFIX_LEN (sizeof(NAME_SUFFIX) - 1)
#define TMP_SUFFIX	".tmp"
#define TMP_SUFFIX_LEN	(sizeof(TMP_SUFFIX) - 1)

struct spool {
	int dfd; /* the spool directory; holds the flock */
	int rfd; /* rejected/ */
	size_t max_files;
	pthread_mutex_t lock; /* guards count, rejected and the name-level check-then-act */
	size_t count;	      /* records in dfd */
	size_t rejected;      /* records in rfd */
};

static bool sensor_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* Whether name is "<20 digits>-<1..63 sensor chars>.json": the only names the spool reads,
 * removes or moves, so a caller's name can never reach outside the directory. */
static bool record_name_ok(const char *name)
{
	size_t len = strnlen(name, SPOOL_NAME_MAX);
	size_t id_len;

	if (len >= SPOOL_NAME_MAX || len < START_DIGITS + 1 + 1 + NAME_SUFFIX_LEN)
		return false;
	for (size_t i = 0; i < START_DIGITS; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	if (name[START_DIGITS] != '-')
		return false;
	if (memcmp(name + len - NAME_SUFFIX_LEN, NAME_SUFFIX, NAME_SUFFIX_LEN) != 0)
		return false;
	id_len = len - NAME_SUFFIX_LEN - START_DIGITS - 1;
	if (id_len > SPOOL_SENSOR_MAX)
		return false;
	for (size_t i = START_DIGITS + 1; i < len - NAME_SUFFIX_LEN; i++)
		if (!sensor_char_ok((unsigned char)name[i]))
			return false;
	return true;
}

/* A temporary file of ours: ".<anything>.tmp". */
static bool tmp_name_ok(const char *name)
{
	size_t len = strlen(name);

	return name[0] == '.' && len > 1 + TMP_SUFFIX_LEN &&
	       memcmp(name + len - TMP_SUFFIX_LEN, TMP_SUFFIX, TMP_SUFFIX_LEN) == 0;
}

int spool_name_for(const char *sensor_id, int64_t start_unix, struct spool_name *ret)
{
	struct spool_name n;
	size_t id_len = 0;
	int k;

	if (start_unix < 0)
		return -EINVAL;
	k = snprintf(n.s, sizeof(n.s), "%0*" PRIu64 "-", START_DIGITS, (uint64_t)start_unix);
	if (k != START_DIGITS + 1)
		return -EINVAL;
	for (const char *p = sensor_id ? sensor_id : ""; *p && id_len < SPOOL_SENSOR_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		n.s[START_DIGITS + 1 + id_len++] = (char)(sensor_char_ok(c) ? c : '_');
	}
	if (id_len == 0)
		n.s[START_DIGITS + 1 + id_len++] = '_';
	memcpy(n.s + START_DIGITS + 1 + id_len, NAME_SUFFIX, NAME_SUFFIX_LEN + 1);
	*ret = n;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct spool_name *x = a, *y = b;
	return strcmp(x->s, y->s);
}

/* Walk the directory dfd: count record names, collect them into *ret_names when asked, and
 * unlink our temporary files when clean_tmp. Returns 0 or -errno; outputs untouched on error. */
static int scan_dir(int dfd, bool clean_tmp, size_t *ret_count, struct spool_name **ret_names,
		    size_t *ret_n)
{
	struct spool_name *names = NULL;
	size_t n = 0, cap = 0, count = 0;
	bool cleaned = false;
	struct dirent *de;
	DIR *d = NULL;
	int fd, r = 0;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		(void)close(fd);
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno != 0) {
				r = -errno;
				goto out;
			}
			break;
		}
		if (clean_tmp && tmp_name_ok(de->d_name)) {
			if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT) {
				r = -errno;
				goto out;
			}
			cleaned = true;
			continue;
		}
		if (!record_name_ok(de->d_name))
			continue;
		count++;
		if (!ret_names)
			continue;
		if (n == cap) {
			size_t ncap = cap ? 0 : 64, bytes;
			struct spool_name *nn;
			if (cap && !ckd_size_mul(cap, 2, &ncap)) {
				r = -ENOMEM;
				goto out;
			}
			if (!ckd_size_mul(ncap, sizeof(*names), &bytes)) {
				r = -ENOMEM;
				goto out;
			}
			nn = realloc(names, bytes);
			if (!nn) {
				r = -ENOMEM;
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		/* record_name_ok() bounded the length below SPOOL_NAME_MAX */
		memcpy(names[n].s, de->d_name, strlen(de->d_name) + 1);
		n++;
	}
	if (cleaned && fsync(dfd) < 0) {
		r = -errno;
		goto out;
	}
	if (names && n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	if (ret_count)
		*ret_count = count;
	if (ret_names) {
		*ret_names = n ? names : NULL;
		*ret_n = n;
		if (n)
			names = NULL;
	}
out:
	free(names);
	if (d)
		(void)closedir(d);
	return r;
}

int spool_open(const char *dir, size_t max_files, struct spool **ret_sp)
{
	struct spool *sp;
	int r;

	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->dfd = -1;
	sp->rfd = -1;
	sp->max_files = max_files ? max_files : SPOOL_MAX_FILES_DEFAULT;
	r = -pthread_mutex_init(&sp->lock, NULL);
	if (r < 0) {
		free(sp);
		return r;
	}

	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	sp->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dfd < 0) {
		r = -errno;
		goto out;
	}
	if (flock(sp->dfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto out;
	}
	if (mkdirat(sp->dfd, SPOOL_REJECTED_DIR, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	sp->rfd =
	    openat(sp->dfd, SPOOL_REJECTED_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sp->rfd < 0) {
		r = -errno;
		goto out;
	}
	r = scan_dir(sp->dfd, true, &sp->count, NULL, NULL);
	if (r < 0)
		goto out;
	r = scan_dir(sp->rfd, true, &sp->rejected, NULL, NULL);
	if (r < 0)
		goto out;
	*ret_sp = sp;
	sp = NULL;
	r = 0;
out:
	spool_free(sp);
	return r;
}

void spool_free(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->rfd >= 0)
		(void)close(sp->rfd);
	if (sp->dfd >= 0)
		(void)close(sp->dfd); /* drops the flock */
	(void)pthread_mutex_destroy(&sp->lock);
	free(sp);
}

static bool exists_at(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int spool_put(struct spool *sp, const char *sensor_id, int64_t start_unix, const void *data,
	      size_t len)
{
	struct spool_name name;
	char tmp[SPOOL_NAME_MAX + 8];
	bool locked = false, existed, tmp_made = false;
	int fd = -1, r;

	if (len > SPOOL_RECORD_MAX)
		return -EFBIG;
	r = spool_name_for(sensor_id, start_unix, &name);
	if (r < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), ".%s" TMP_SUFFIX, name.s) >= (int)sizeof(tmp))
		return -EINVAL;

	/* Held across the write so the count and the "same name already there" check agree
	 * with a concurrent remove or quarantine. */
	(void)pthread_mutex_lock(&sp->lock);
	locked = true;
	existed = exists_at(sp->dfd, name.s);
	if (!existed && sp->count >= sp->max_files) {
		r = -ENOSPC;
		goto out;
	}
	fd = openat(sp->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	tmp_made = true;
	r = write_all(fd, data, len);
	if (r < 0)
		goto out;
	if (fsync(fd) < 0) {
		r = -errno;
		goto out;
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		r = -errno;
		goto out;
	}
	if (renameat(sp->dfd, tmp, sp->dfd, name.s) < 0) {
		r = -errno;
		goto out;
	}
	tmp_made = false;
	if (!existed)
		sp->count++;
	/* The rename is durable only once the directory is: without this a crash could bring
	 * back the old state after we told the caller the record was safe. */
	if (fsync(sp->dfd) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	if (tmp_made)
		(void)unlinkat(sp->dfd, tmp, 0);
	if (locked)
		(void)pthread_mutex_unlock(&sp->lock);
	return r;
}

int spool_list(struct spool *sp, struct spool_name **ret_names, size_t *ret_n)
{
	return scan_dir(sp->dfd, false, NULL, ret_names, ret_n);
}

int spool_read(struct spool *sp, const char *name, char **ret_data, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t size, got = 0;
	int fd, r;

	if (!record_name_ok(name))
		return -EINVAL;
	fd = openat(sp->dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > SPOOL_RECORD_MAX) {
		r = -EFBIG;
		goto out;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	/* Record files are never written after the rename, so st_size is their length; stop
	 * there even if something else appends. */
	{
		ssize_t k = fileio_read_full(fd, buf, size);
		if (k < 0) {
			r = (int)k;
			goto out;
		}
		got = (size_t)k;
	}
	buf[got] = '\0';
	*ret_data = buf;
	*ret_len = got;
	buf = NULL;
	r = 0;
out:
	free(buf);
	(void)close(fd);
	return r;
}

int spool_remove(struct spool *sp, const char *name)
{
	int r = 0;

	if (!record_name_ok(name))
		return -EINVAL;
	(void)pthread_mutex_lock(&sp->lock);
	/* No directory fsync: if a crash brings the file back, it is delivered again and the
	 * server answers 409. */
	if (unlinkat(sp->dfd, name, 0) < 0)
		r = errno == ENOENT ? 0 : -errno;
	else if (sp->count > 0)
		sp->count--;
	(void)pthread_mutex_unlock(&sp->lock);
	return r;
}

int spool_quarantine(struct spool *sp, const char *name)
{
	bool existed;
	int r = 0;

	if (!record_name_ok(name))
		return -EINVAL;
	(void)pthread_mutex_lock(&sp->lock);
	existed = exists_at(sp->rfd, name);
	if (!existed && sp->rejected >= sp->max_files) {
		if (unlinkat(sp->dfd, name, 0) < 0) {
			r = -errno;
			goto out;
		}
		if (sp->count > 0)
			sp->count--;
		r = 1;
		goto out;
	}
	if (renameat(sp->dfd, name, sp->rfd, name) < 0) {
		r = -errno;
		goto out;
	}
	if (sp->count > 0)
		sp->count--;
	if (!existed)
		sp->rejected++;
	/* Make the move durable in both directories; before this a crash may undo it, which
	 * only means the record is offered to the server once more. */
	if (fsync(sp->rfd) < 0 || fsync(sp->dfd) < 0) {
		r = -errno;
		goto out;
	}
out:
	(void)pthread_mutex_unlock(&sp->lock);
	return r;
}

size_t spool_count(struct spool *sp)
{
	size_t n;

	(void)pthread_mutex_lock(&sp->lock);
	n = sp->count;
	(void)pthread_mutex_unlock(&sp->lock);
	return n;
}
