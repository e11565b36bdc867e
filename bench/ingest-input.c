/* ingest-input.c - the ingest load client's token file and record keys (ingest-input.h) */
#include "ingest-input.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lib/ckd.h"
#include "../src/lib/banned.h"

static int sensor_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int sensor_valid(const char *s, size_t len)
{
	if (len == 0 || len >= INGEST_SENSOR_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!sensor_char(s[i]))
			return 0;
	return 1;
}

static int cmp_token(const void *a, const void *b)
{
	return strcmp(((const struct ingest_token *)a)->sensor,
		      ((const struct ingest_token *)b)->sensor);
}

int ingest_tokens_parse(const char *buf, size_t len, struct ingest_tokens *ret, size_t *ret_line)
{
	struct ingest_tokens t = {0, NULL};
	size_t cap = 0, pos = 0, line = 0;
	int err = 0;

	while (pos < len) {
		const char *l = buf + pos, *nl = memchr(l, '\n', len - pos), *tab;
		size_t ll = nl ? (size_t)(nl - l) : len - pos, slen, tlen;
		struct ingest_token *e;

		pos += ll + (nl ? 1 : 0);
		line++;
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (ll == 0 || l[0] == '#')
			continue;
		tab = memchr(l, '\t', ll);
		if (!tab) {
			err = -EINVAL;
			goto out;
		}
		slen = (size_t)(tab - l);
		tlen = ll - slen - 1;
		if (!sensor_valid(l, slen) || tlen == 0 || tlen >= INGEST_TOKEN_MAX) {
			err = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < tlen; i++) {
			if (tab[1 + i] < 0x21 || tab[1 + i] > 0x7e) {
				err = -EINVAL;
				goto out;
			}
		}
		if (t.n == cap) {
			size_t ncap = cap ? cap * 2 : 64, bytes;
			struct ingest_token *v;
			if (!ckd_size_mul(ncap, sizeof(*v), &bytes)) {
				err = -ENOMEM;
				goto out;
			}
			v = realloc(t.v, bytes);
			if (!v) {
				err = -ENOMEM;
				goto out;
			}
			t.v = v;
			cap = ncap;
		}
		e = &t.v[t.n++];
		memcpy(e->sensor, l, slen);
		e->sensor[slen] = '\0';
		memcpy(e->token, tab + 1, tlen);
		e->token[tlen] = '\0';
	}
	if (t.n > 1)
		qsort(t.v, t.n, sizeof(*t.v), cmp_token);
	for (size_t i = 1; i < t.n; i++) {
		if (strcmp(t.v[i - 1].sensor, t.v[i].sensor) == 0) {
			line = 0; /* a duplicate: the line is no longer known after sorting */
			err = -EINVAL;
			goto out;
		}
	}
out:
	if (err < 0) {
		free(t.v);
		if (ret_line)
			*ret_line = line;
		return err;
	}
	*ret = t;
	return 0;
}

void ingest_tokens_done(struct ingest_tokens *t)
{
	if (!t)
		return;
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const char *ingest_tokens_find(const struct ingest_tokens *t, const char *sensor)
{
	struct ingest_token key;
	const struct ingest_token *e;
	size_t len = strlen(sensor);

	if (len >= sizeof(key.sensor) || t->n == 0)
		return NULL;
	memcpy(key.sensor, sensor, len + 1);
	e = bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_token);
	return e ? e->token : NULL;
}

int ingest_record_key(const char *buf, size_t len, char *ret_sensor, int64_t *ret_start,
		      size_t *ret_ports)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *s, *st, *p;
	const char *sv;
	size_t slen;
	int err = -EINVAL;

	if (!root)
		return -EINVAL;
	if (!json_is_object(root))
		goto out;
	s = json_object_get(root, "sensor");
	st = json_object_get(root, "start_unix");
	p = json_object_get(root, "ports");
	if (!json_is_string(s) || !json_is_integer(st) || json_integer_value(st) < 0 ||
	    (p && !json_is_array(p)))
		goto out;
	sv = json_string_value(s);
	slen = json_string_length(s);
	if (!sensor_valid(sv, slen) || strlen(sv) != slen)
		goto out;
	memcpy(ret_sensor, sv, slen + 1);
	*ret_start = (int64_t)json_integer_value(st);
	*ret_ports = p ? json_array_size(p) : 0;
	err = 0;
out:
	json_decref(root);
	return err;
}
