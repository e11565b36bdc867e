/* fuzz-mbox.c - the mbox splitter and mboxrd unquoting (src/incident/mbox.h) on arbitrary bytes
 *
 * Every message lies inside the input, after the previous one, and the reader always moves
 * forward; unquoting never grows a message and removes exactly one '>' per quoted line, so
 * quoting the result again gives back the input. Anything else aborts, so libFuzzer reports it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/incident/mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* mboxrd quoting: one more '>' on lines matching /^>*From / */
static size_t quote(const char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (in + i)) + 1 : len - i, k = 0;
		while (k < n && in[i + k] == '>')
			k++;
		if (n - k >= 5 && memcmp(in + i + k, "From ", 5) == 0)
			out[o++] = '>';
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t pos = 0, off, len, prev_end = 0, prev_pos = 0;
	int r;
	char *out = malloc(size + 1), *back = malloc(2 * size + 1);
	if (!out || !back)
		abort();
	while ((r = mbox_next(buf, size, &pos, &off, &len)) == 1) {
		if (off < prev_end || off > size || len > size - off || pos < off + len ||
		    pos > size)
			abort();
		if (prev_pos && pos <= prev_pos)
			abort();
		prev_end = off + len;
		prev_pos = pos;
		/* the envelope date: none (-1) or a time in the years 1970 to 9999 (a leap second
		 * at the end) give or take a zone of 14 hours; it reads only buf[0, off) */
		long long t = mbox_envelope_time(buf, off);
		if (t < -14 * 3600LL || t > 253402300800LL + 14 * 3600LL)
			abort();
		size_t n = mbox_unquote(buf + off, len, out);
		if (n > len)
			abort();
		/* a quoted line lost one '>' and quoting restores it; an unquoted "From " line
		 * cannot be inside a message (it would start the next one) */
		size_t q = quote(out, n, back);
		if (q != len || memcmp(back, buf + off, len) != 0)
			abort();
	}
	if (r != 0 && r != -1)
		abort();
	free(out);
	free(back);
	return 0;
}
