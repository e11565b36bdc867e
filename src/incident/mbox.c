/* mbox.c - mbox splitting and mboxrd unquoting (mbox.h; RFC 4155 describes the format) */
#include <string.h>

#include "mbox.h"

#include "../lib/banned.h"

static int is_from_line(const char *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* The offset just after the line starting at i (past its '\n', or len). */
static size_t line_end(const char *buf, size_t len, size_t i)
{
	const char *nl = memchr(buf + i, '\n', len - i);
	return nl ? (size_t)(nl - buf) + 1 : len;
}

int mbox_next(const char *buf, size_t len, size_t *pos, size_t *ret_off, size_t *ret_len)
{
	size_t i = *pos;
	if (i >= len)
		return 0;
	if (!is_from_line(buf + i, len - i)) {
		/* only blank lines may come before the first "From " line */
		while (i < len && (buf[i] == '\n' || buf[i] == '\r'))
			i++;
		if (i >= len) {
			*pos = len;
			return 0;
		}
		if (!is_from_line(buf + i, len - i))
			return -1;
	}
	size_t start = line_end(buf, len, i), end = len;
	for (size_t j = start; j < len; j = line_end(buf, len, j))
		if (is_from_line(buf + j, len - j)) {
			end = j;
			break;
		}
	*pos = end;
	/* drop the separating empty line ("\n" or "\r\n") before the next "From " line */
	size_t e = end;
	if (e > start && e < len) {
		if (e - start >= 2 && buf[e - 1] == '\n' && buf[e - 2] == '\n')
			e--;
		else if (e - start >= 4 && memcmp(buf + e - 4, "\r\n\r\n", 4) == 0)
			e -= 2;
	}
	*ret_off = start;
	*ret_len = e - start;
	return 1;
}

size_t mbox_unquote(const char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (in + i)) + 1 : len - i;
		size_t k = 0;
		while (k < n && in[i + k] == '>')
			k++;
		size_t skip = (k > 0 && is_from_line(in + i + k, n - k)) ? 1 : 0;
		memcpy(out + o, in + i + skip, n - skip);
		o += n - skip;
		i += n;
	}
	return o;
}
