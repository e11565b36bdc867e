/* fileio.c - small file helpers (see fileio.h) */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "banned.h"

ssize_t fileio_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t k = read(fd, (char *)buf + got, len - got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int fileio_open_read(int dfd, const char *name, int extra)
{
#ifdef O_NOATIME
	int fd = openat(dfd, name, O_RDONLY | O_NOATIME | extra);
	if (fd >= 0 || errno != EPERM)
		return fd;
#endif
	return openat(dfd, name, O_RDONLY | extra);
}
