/* jsonw.c - a fast JSON writer (see jsonw.h) */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ckd.h"
#include "banned.h"

void jsonw_init(struct jsonw *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
}

static bool reserve(struct jsonw *w, size_t n)
{
	size_t need;

	if (w->err)
		return false;
	if (!ckd_size_add(w->len, n + 1, &need) || need > w->max) {
		w->err = -E2BIG;
		return false;
	}
	if (need <= w->cap)
		return true;
	size_t cap = w->cap ? w->cap : 4096;
	while (cap < need)
		cap = cap > w->max / 2 ? w->max : cap * 2;
	char *nb = realloc(w->buf, cap);
	if (!nb) {
		w->err = -ENOMEM;
		return false;
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putc1(struct jsonw *w, char c)
{
	if (!reserve(w, 1))
		return;
	w->buf[w->len++] = c;
}

/* Separator before a value or key in the current container. */
static void sep(struct jsonw *w)
{
	if (w->key_pending) {
		w->key_pending = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth - 1])
			putc1(w, ',');
		w->first[w->depth - 1] = false;
	}
}

static void open_container(struct jsonw *w, char c)
{
	sep(w);
	if (w->depth >= JSONW_MAX_DEPTH) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	putc1(w, c);
	w->first[w->depth++] = true;
}

static void close_container(struct jsonw *w, char c)
{
	if (w->depth <= 0) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	w->depth--;
	putc1(w, c);
}

void jsonw_obj_begin(struct jsonw *w)
{
	open_container(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
	close_container(w, '}');
}

void jsonw_arr_begin(struct jsonw *w)
{
	open_container(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
	close_container(w, ']');
}

static void put_string(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	putc1(w, '"');
	for (const char *p = s;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, run, (size_t)(p - run));
		if (c == 0)
			break;
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			put(w, esc, 2);
		} else if (c == '\n') {
			put(w, "\\n", 2);
		} else if (c == '\t') {
			put(w, "\\t", 2);
		} else {
			put(w, esc, 6);
		}
		run = p + 1;
	}
	putc1(w, '"');
}

void jsonw_key(struct jsonw *w, const char *k)
{
	sep(w);
	put_string(w, k);
	putc1(w, ':');
	w->key_pending = true;
}

void jsonw_str(struct jsonw *w, const char *s)
{
	sep(w);
	put_string(w, s);
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	sep(w);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, tmp + i, sizeof(tmp) - i);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
	if (v < 0) {
		sep(w);
		putc1(w, '-');
		w->key_pending = true; /* the digits follow without a separator */
		jsonw_u64(w, (uint64_t)0 - (uint64_t)v);
		return;
	}
	jsonw_u64(w, (uint64_t)v);
}

void jsonw_double(struct jsonw *w, double v, int decimals)
{
	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	char tmp[400]; /* %f of the largest double is 309 digits */
	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
	if (n <= 0 || (size_t)n >= sizeof tmp) {
		jsonw_null(w);
		return;
	}
	size_t len = (size_t)n;
	if (memchr(tmp, '.', len)) { /* no trailing zeros, no bare point */
		while (tmp[len - 1] == '0')
			len--;
		if (tmp[len - 1] == '.')
			len--;
	}
	if (len == 2 && tmp[0] == '-' && tmp[1] == '0') { /* -0 */
		tmp[0] = '0';
		len = 1;
	}
	sep(w);
	put(w, tmp, len);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
	sep(w);
	put(w, "null", 4);
}

char *jsonw_finish(struct jsonw *w, size_t *ret_len, int *ret_err)
{
	if (!w->err && w->depth != 0)
		w->err = -EINVAL;
	if (!w->err && !reserve(w, 0))
		w->err = w->err ? w->err : -ENOMEM;
	if (w->err) {
		if (ret_err)
			*ret_err = w->err;
		free(w->buf);
		w->buf = NULL;
		return NULL;
	}
	w->buf[w->len] = '\0';
	if (ret_len)
		*ret_len = w->len;
	char *out = w->buf;
	w->buf = NULL;
	return out;
}
