/* fileio.h - small file helpers */
#ifndef KEIKAI_FILEIO_H
#define KEIKAI_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Read up to len bytes from fd into buf, retrying short reads and EINTR, stopping at end of
 * file. Returns the bytes read (less than len only at end of file), or -errno. */
ssize_t fileio_read_full(int fd, void *buf, size_t len);

/* openat(dfd, name, O_RDONLY | extra), asking the kernel not to update the file's access time
 * (O_NOATIME: an import reads every file once, and the update is a metadata write per file).
 * O_NOATIME is only allowed to the file's owner (or with CAP_FOWNER); on EPERM the file is
 * opened without it. Returns the descriptor, or -1 with errno set, as openat(). */
int fileio_open_read(int dfd, const char *name, int extra);

#endif
