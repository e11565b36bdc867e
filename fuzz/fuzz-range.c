/* fuzz-range.c - the range parser on arbitrary names, dates, times and zone offsets
 *
 * Input: 8 bytes of "now", 2 bytes choosing the zone offset (in minutes), then up to three
 * NUL-separated strings: name, from, to. Every accepted range must satisfy from < to, be at
 * most RANGE_MAX_DAYS long, and have non-empty labels; the time parser and the offset parser
 * also get each string on its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/obs/range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 10)
		return 0;
	int64_t now;
	memcpy(&now, data, 8);
	/* most inputs get a clock the parser accepts, some an arbitrary one */
	if ((data[8] & 1) == 0)
		now = 31536000 + (int64_t)((uint64_t)now % 253000000000ull);
	int32_t off = ((int32_t)data[9] - 128) * 15 * 60 / 2;
	off += (int32_t)(data[8] >> 1) * 60;

	/* copy the rest so that every string is NUL-terminated inside the copy */
	size_t n = size - 10;
	char *buf = malloc(n + 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 10, n);
	buf[n] = '\0';
	const char *s[3] = {NULL, NULL, NULL};
	size_t at = 0;
	for (int i = 0; i < 3 && at <= n; i++) {
		s[i] = buf + at;
		at += strlen(buf + at) + 1;
	}

	struct range r;
	const struct range_error *e = NULL;
	if (range_parse(s[0], s[1], s[2], now, off, &r, &e) == 0) {
		if (r.from >= r.to || r.to - r.from > (int64_t)RANGE_MAX_DAYS * 86400 ||
		    !r.label_en[0] || !r.label_ja[0] || !r.id[0])
			abort();
		size_t nb;
		if (range_bucket_count(&r, off, RANGE_BUCKET_HOUR, &nb) != 0 ||
		    nb > (size_t)RANGE_MAX_DAYS * 24 + 48)
			abort();
	} else if (!e || strcmp(e->code, "bad_range") != 0) {
		abort();
	}
	struct range_list l;
	if (range_list_around(now, off, &l) == 0 && l.n != RANGE_LIST_MAX)
		abort();
	for (int i = 0; i < 3; i++) {
		int64_t t;
		int32_t o;
		char tb[32];
		if (s[i] && range_parse_time(s[i], off, &t) == 0)
			(void)range_format_utc(t, tb, sizeof(tb));
		if (s[i] && range_parse_offset(s[i], &o) == 0 && (o < -86400 || o > 86400))
			abort();
	}
	free(buf);
	return 0;
}
