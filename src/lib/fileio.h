/* fileio.h - small file helpers */
#ifndef KEIKAI_FILEIO_H
#define KEIKAI_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Read up to len bytes from fd into buf, retrying short reads and EINTR, stopping at end of
 * file. Returns the bytes read (less than len only at end of file), or -errno. */
ssize_t fileio_read_full(int fd, void *buf, size_t len);

#endif
