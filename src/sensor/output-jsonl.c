/* output-jsonl.c - one record per line of JSON (JSON Lines) to a file or stdout
 *
 * Each record goes out as one writev() of the JSON and its newline on an O_APPEND descriptor,
 * so a reader (or a second writer) never sees half a line unless the disk fills up. SIGHUP
 * reopens the path so logrotate can move the file away.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config.h"
#include "output.h"
#include "../lib/banned.h"

struct jsonl_state {
	const char *path; /* cfg string, lives as long as the process */
	int fd;
	int is_stdout; /* "-": never opened, never closed by us */
};

static int jsonl_open_path(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	return fd < 0 ? -errno : fd;
}

static int jsonl_open(const struct sensor_config *cfg, void **ret_state)
{
	struct jsonl_state *s;
	int fd;

	if (!cfg->jsonl_path || !cfg->jsonl_path[0])
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->path = cfg->jsonl_path;
	if (strcmp(s->path, "-") == 0) {
		s->is_stdout = 1;
		s->fd = STDOUT_FILENO;
	} else {
		fd = jsonl_open_path(s->path);
		if (fd < 0) {
			free(s);
			return fd;
		}
		s->fd = fd;
	}
	*ret_state = s;
	return 0;
}

/* Write the line, resuming after EINTR and short writes (pipes, full disks, signals). */
static int jsonl_write(void *state, const struct obs_record *rec, const char *json, size_t json_len)
{
	struct jsonl_state *s = state;
	char nl = '\n';
	struct iovec iov[2] = {
	    {.iov_base = (void *)(uintptr_t)json, .iov_len = json_len},
	    {.iov_base = &nl, .iov_len = 1},
	};
	struct iovec *v = iov;
	int cnt = 2;

	(void)rec;
	while (cnt > 0) {
		ssize_t k = writev(s->fd, v, cnt);
		size_t done;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done = (size_t)k;
		while (cnt > 0 && done >= v->iov_len) {
			done -= v->iov_len;
			v++;
			cnt--;
		}
		if (cnt > 0) {
			v->iov_base = (char *)v->iov_base + done;
			v->iov_len -= done;
		}
	}
	return 0;
}

static void jsonl_sync(int fd)
{
	/* pipes and terminals cannot be synced; that is fine */
	(void)fdatasync(fd);
}

static int jsonl_reopen(void *state)
{
	struct jsonl_state *s = state;
	int fd;

	if (s->is_stdout)
		return 0;
	/* New file first: if it cannot be opened, keep writing to the old one. */
	fd = jsonl_open_path(s->path);
	if (fd < 0)
		return fd;
	jsonl_sync(s->fd);
	(void)close(s->fd);
	s->fd = fd;
	return 0;
}

static void jsonl_close(void *state)
{
	struct jsonl_state *s = state;

	if (!s)
		return;
	jsonl_sync(s->fd);
	if (!s->is_stdout)
		(void)close(s->fd);
	free(s);
}

const struct output_ops output_jsonl_ops = {
    .name = "jsonl",
    .open = jsonl_open,
    .write = jsonl_write,
    .reopen = jsonl_reopen,
    .close = jsonl_close,
};
