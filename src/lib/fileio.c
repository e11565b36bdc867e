/* fileio.c - small file helpers (see fileio.h) */
#include "fileio.h"

#include <errno.h>
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
