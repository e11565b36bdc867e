/* mbox.c - mbox splitting and mboxrd unquoting (mbox.h; RFC 4155 describes the format) */
#include <string.h>
#include <time.h>

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

/* ---- the envelope date ------------------------------------------------------------------ */

/* A cursor over one line: p[0, n). */
struct cur {
	const char *p;
	size_t n;
};

static void skip_spaces(struct cur *c)
{
	while (c->n && (*c->p == ' ' || *c->p == '\t')) {
		c->p++;
		c->n--;
	}
}

/* The next word (up to a space) into w[0, cap) (truncated); its length. */
static size_t word(struct cur *c, char *w, size_t cap)
{
	skip_spaces(c);
	size_t k = 0;
	while (c->n && *c->p != ' ' && *c->p != '\t') {
		if (k + 1 < cap)
			w[k] = *c->p;
		k++;
		c->p++;
		c->n--;
	}
	w[k < cap ? k : cap - 1] = 0;
	return k;
}

/* Digits only, 1 to max of them: their value, or -1. */
static int number(const char *w, size_t max)
{
	size_t n = strlen(w);
	if (n == 0 || n > max)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v;
}

/* "+hhmm" or "-hhmm": 1 and the offset east of UTC in seconds; 0 when w is not a zone. */
static int zone(const char *w, long *ret)
{
	if (strlen(w) != 5 || (w[0] != '+' && w[0] != '-'))
		return 0;
	int hm = number(w + 1, 4);
	if (hm < 0 || hm / 100 > 14 || hm % 100 > 59)
		return 0;
	*ret = (w[0] == '-' ? -1L : 1L) * ((hm / 100) * 3600L + (hm % 100) * 60L);
	return 1;
}

long long mbox_envelope_time(const char *buf, size_t off)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (off < 6 || buf[off - 1] != '\n')
		return -1;
	size_t end = off - 1, start = end;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	if (end > start && buf[end - 1] == '\r')
		end--;
	struct cur c = {buf + start, end - start};
	if (!is_from_line(c.p, c.n))
		return -1;
	c.p += 5;
	c.n -= 5;
	char w[32];
	(void)word(&c, w, sizeof w);	/* the envelope sender */
	if (word(&c, w, sizeof w) != 3) /* the day of the week */
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (word(&c, w, sizeof w) != 3)
		return -1;
	const char *m = NULL;
	for (size_t i = 0; i < 12 && !m; i++)
		if (memcmp(months + 3 * i, w, 3) == 0)
			m = months + 3 * i;
	if (!m)
		return -1;
	tm.tm_mon = (int)((size_t)(m - months) / 3);
	(void)word(&c, w, sizeof w);
	int mday = number(w, 2);
	(void)word(&c, w, sizeof w);
	int hh = -1, mm = -1, ss = -1;
	if (strlen(w) == 8 && w[2] == ':' && w[5] == ':') {
		char part[3] = {0};
		memcpy(part, w, 2);
		hh = number(part, 2);
		memcpy(part, w + 3, 2);
		mm = number(part, 2);
		memcpy(part, w + 6, 2);
		ss = number(part, 2);
	}
	if (mday < 1 || mday > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return -1;
	long east = 0;
	int zoned = 0;
	(void)word(&c, w, sizeof w);
	if (zone(w, &east)) {
		zoned = 1;
		(void)word(&c, w, sizeof w);
	}
	int year = number(w, 4);
	if (year < 1970 || year > 9999)
		return -1;
	if (!zoned) {
		(void)word(&c, w, sizeof w);
		zoned = zone(w, &east);
	}
	tm.tm_year = year - 1900;
	tm.tm_mday = mday;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	time_t t;
	if (zoned) {
		t = timegm(&tm);
		if (t == (time_t)-1)
			return -1;
		return (long long)t - east;
	}
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t == (time_t)-1 ? -1 : (long long)t;
}
