/* spool.h - on-disk spool of interval records awaiting delivery to the server
 *
 * One file per record in one directory:
 *
 *   <dir>/00000000001298637000-tokyo-1.json     record waiting for delivery
 *   <dir>/rejected/00000000001298637000-...json  refused by the server for good
 *   <dir>/.<name>.tmp                            being written; removed at the next open
 *
 * The name is the record's key: start (seconds since the epoch, 20 digits, zero-padded) and
 * the sensor id with every byte outside [A-Za-z0-9._-] replaced by '_'. Sorting names sorts by
 * start, so the oldest record comes first. A record is durable once spool_put() returns 0: it
 * was written to a temporary file, fsync'd, renamed into place and the directory fsync'd.
 *
 * The spool holds at most max_files records (rejected/ is bounded separately by the same
 * number). Past the cap spool_put() refuses new records with -ENOSPC; the caller counts them.
 * An exclusive flock on the directory keeps two processes from sharing one spool.
 *
 * Thread-safety: one struct spool may be used from two threads at once (the pipeline puts,
 * the delivery thread reads, removes and quarantines); the record count is kept under a lock.
 * Putting a record while another thread removes one with the same name may remove the new
 * copy; that is harmless because the server already holds that key.
 */
#ifndef KEIKAI_SPOOL_H
#define KEIKAI_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_MAX_FILES_DEFAULT 100000u
#define SPOOL_RECORD_MAX	((size_t)64 * 1024 * 1024) /* bytes in one record file */
#define SPOOL_SENSOR_MAX	63			   /* sensor id bytes kept in a name */
#define SPOOL_NAME_MAX		96			   /* 20 + 1 + 63 + 5 + NUL, rounded up */
#define SPOOL_REJECTED_DIR	"rejected"

struct spool;

/* The name of one spooled record, NUL-terminated. */
struct spool_name {
	char s[SPOOL_NAME_MAX];
};

/* Open the spool at dir, creating the directory (mode 0750, parent must exist) and its
 * rejected/ subdirectory if missing, locking it and removing temporary files a crash left
 * behind. max_files caps the records held (0 = SPOOL_MAX_FILES_DEFAULT). On success *ret_sp
 * is a new spool the caller frees with spool_free(). Returns 0, -EBUSY when another process
 * holds the spool, -ENOMEM, or the -errno of the failed mkdir/open/read of the directory. */
int spool_open(const char *dir, size_t max_files, struct spool **ret_sp);

/* Close the directory, drop the lock and free. NULL-safe. */
void spool_free(struct spool *sp);

/* Build the file name for (sensor_id, start_unix) into *ret. Returns 0, or -EINVAL for a
 * negative start. Pure; safe from any thread. */
int spool_name_for(const char *sensor_id, int64_t start_unix, struct spool_name *ret);

/* Store len bytes of data as the record (sensor_id, start_unix), replacing a record of the same
 * name. On return 0 the record survives a crash. Returns -ENOSPC when the spool holds max_files
 * records and this name is not one of them (or the disk is full), -EFBIG when len exceeds
 * SPOOL_RECORD_MAX, -EINVAL for a negative start, or the -errno of the failed write/fsync/rename;
 * nothing is left behind on failure. data is not retained. */
int spool_put(struct spool *sp, const char *sensor_id, int64_t start_unix, const void *data,
	      size_t len);

/* List the records waiting, oldest first. On success *ret_names is a malloc'd array of *ret_n
 * names (NULL when empty) the caller frees. Returns 0, -ENOMEM, or the -errno of reading the
 * directory; the outputs are untouched on failure. */
int spool_list(struct spool *sp, struct spool_name **ret_names, size_t *ret_n);

/* Read the record called name. On success *ret_data is a malloc'd buffer of *ret_len bytes plus
 * a NUL (not counted) the caller frees. Returns 0, -ENOENT when it is gone, -EFBIG when it is
 * larger than SPOOL_RECORD_MAX, -EINVAL for a name that is not a record name, -ENOMEM, or the
 * -errno of open/read. */
int spool_read(struct spool *sp, const char *name, char **ret_data, size_t *ret_len);

/* Remove the record called name (it was delivered). Returns 0 (also when it was already gone),
 * -EINVAL for a name that is not a record name, or the -errno of unlink. */
int spool_remove(struct spool *sp, const char *name);

/* Move the record called name to rejected/ (the server refused it for good), replacing a
 * rejected record of the same name. Returns 0 when moved, 1 when rejected/ already held
 * max_files records and the record was deleted instead, -ENOENT when it is gone, -EINVAL for a
 * name that is not a record name, or the -errno of rename/unlink. */
int spool_quarantine(struct spool *sp, const char *name);

/* Records waiting now (not counting rejected/). */
size_t spool_count(struct spool *sp);

#endif
