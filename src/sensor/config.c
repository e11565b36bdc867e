/* config.c - keikai-sensor configuration (see config.h; keys in docs/sensor-config.md) */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/i18n.h"
#include "../lib/banned.h"

/* Strings from files and flags are kept for the life of the process in one bounded pool. */
#define STR_POOL_MAX 256
static char *str_pool[STR_POOL_MAX];
static size_t str_pool_n;

static const char *keep(const char *v)
{
	if (str_pool_n >= STR_POOL_MAX)
		return NULL;
	char *d = strdup(v);
	if (d)
		str_pool[str_pool_n++] = d;
	return d;
}

void sensor_config_defaults(struct sensor_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	(void)snprintf(cfg->sensor_id, sizeof(cfg->sensor_id), "%s", "sensor");
	cfg->interval = 300;
	cfg->buffer_mib = 32;
	cfg->snaplen = 262144;
	cfg->retry_max_s = 300;
	cfg->drain_s = 10;
	cfg->scan_min_dsts = 25;
	cfg->scan_min_targets = 100;
	cfg->dos_min_packets = 25;
	cfg->dos_min_duration_s = 60;
	cfg->dos_min_rate = 30;
	cfg->dos_window_s = 60;
	cfg->dos_slide_s = 10;
	cfg->dos_timeout_s = 300;
	cfg->top_n = 10;
	cfg->max_sources = 1u << 20;
	cfg->max_pairs = 1u << 21;
	cfg->max_triples = 1u << 22;
	cfg->max_port_dsts = 1u << 20;
	cfg->max_victims = 1u << 16;
	cfg->max_scanners = 1u << 16;
}

static int parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *ret)
{
	char *end;
	unsigned long long x;

	if (!v || v[0] < '0' || v[0] > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -EINVAL;
	*ret = (uint32_t)x;
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "on") == 0) {
		*ret = true;
		return 0;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0 ||
	    strcmp(v, "off") == 0) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

/* "a, b c" → prefixes appended to cfg->dark */
static int parse_dark(struct sensor_config *cfg, const char *v)
{
	char item[128];
	const char *p = v;

	while (*p) {
		size_t n = 0;
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		while (p[n] && p[n] != ' ' && p[n] != ',' && p[n] != '\t')
			n++;
		if (n >= sizeof(item) || cfg->n_dark >= SENSOR_MAX_DARK)
			return -EINVAL;
		memcpy(item, p, n);
		item[n] = '\0';
		if (ip_prefix_parse(item, &cfg->dark[cfg->n_dark]) < 0)
			return -EINVAL;
		cfg->n_dark++;
		p += n;
	}
	return 0;
}

struct u32_key {
	const char *section, *name;
	size_t off;
	uint32_t lo, hi;
};

#define U32KEY(s, n, field, lo, hi)                                                                \
	{                                                                                          \
		(s), (n), offsetof(struct sensor_config, field), (lo), (hi)                        \
	}

static const struct u32_key u32_keys[] = {
    U32KEY("sensor", "interval", interval, 10, 3600),
    U32KEY("sensor", "top_sources", top_n, 0, 1000),
    U32KEY("capture", "buffer_mib", buffer_mib, 1, 2047),
    U32KEY("capture", "snaplen", snaplen, 64, 262144),
    U32KEY("output", "retry_max", retry_max_s, 1, 86400),
    U32KEY("output", "drain", drain_s, 0, 3600),
    U32KEY("scanner", "min_destinations", scan_min_dsts, 1, 1000000),
    U32KEY("scanner", "min_targets", scan_min_targets, 1, 1000000000),
    U32KEY("dos", "min_packets", dos_min_packets, 1, 1000000000),
    U32KEY("dos", "min_duration", dos_min_duration_s, 0, 86400),
    U32KEY("dos", "min_packets_per_window", dos_min_rate, 1, 1000000000),
    U32KEY("dos", "window", dos_window_s, 1, 3600),
    U32KEY("dos", "slide", dos_slide_s, 1, 3600),
    U32KEY("dos", "timeout", dos_timeout_s, 1, 86400),
    U32KEY("limits", "sources", max_sources, 1, 1u << 30),
    U32KEY("limits", "source_ports", max_pairs, 1, 1u << 30),
    U32KEY("limits", "source_port_destinations", max_triples, 1, 1u << 30),
    U32KEY("limits", "port_destinations", max_port_dsts, 1, 1u << 30),
    U32KEY("limits", "dos_vectors", max_victims, 1, 1u << 24),
    U32KEY("limits", "scanners", max_scanners, 0, 1u << 24),
};

struct str_key {
	const char *section, *name;
	size_t off;
};

#define STRKEY(s, n, field)                                                                        \
	{                                                                                          \
		(s), (n), offsetof(struct sensor_config, field)                                    \
	}

static const struct str_key str_keys[] = {
    STRKEY("capture", "interface", interface),
    STRKEY("capture", "filter", filter),
    STRKEY("capture", "user", user),
    STRKEY("output", "jsonl", jsonl_path),
    STRKEY("output", "url", url),
    STRKEY("output", "token_file", token_file),
    STRKEY("output", "spool", spool_dir),
    STRKEY("output", "ca_file", ca_file),
    STRKEY("sensor", "lang", lang),
};

int sensor_config_set(struct sensor_config *cfg, const char *section, const char *name,
		      const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(u32_keys) / sizeof(u32_keys[0]); i++) {
		const struct u32_key *k = &u32_keys[i];
		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		uint32_t v;
		if (parse_u32(value, k->lo, k->hi, &v) < 0) {
			(void)snprintf(err, errlen,
				       T("invalid value '%s' for %s.%s (%u..%u)",
					 "値 '%s' は %s.%s に使えません (%u..%u)"),
				       value, section, name, k->lo, k->hi);
			return -EINVAL;
		}
		memcpy((char *)cfg + k->off, &v, sizeof(v));
		return 0;
	}
	for (size_t i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		const struct str_key *k = &str_keys[i];
		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		const char *v = keep(value);
		if (!v) {
			(void)snprintf(
			    err, errlen,
			    T("out of memory for %s.%s", "%s.%s のためのメモリが足りません"),
			    section, name);
			return -ENOMEM;
		}
		memcpy((char *)cfg + k->off, &v, sizeof(v));
		return 0;
	}
	if (strcmp(section, "sensor") == 0 && strcmp(name, "id") == 0) {
		size_t n = strlen(value);
		if (n == 0 || n >= sizeof(cfg->sensor_id)) {
			(void)snprintf(err, errlen,
				       T("sensor.id must be 1..%zu bytes",
					 "sensor.id は 1..%zu バイトにしてください"),
				       sizeof(cfg->sensor_id) - 1);
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)value[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
				(void)snprintf(
				    err, errlen,
				    T("sensor.id '%s' may use only letters, digits, "
				      "'-', '_' and '.'",
				      "sensor.id '%s' には英字、数字、'-'、'_'、'.' だけが"
				      "使えます"),
				    value);
				return -EINVAL;
			}
		}
		memcpy(cfg->sensor_id, value, n + 1);
		return 0;
	}
	if (strcmp(section, "capture") == 0 && strcmp(name, "dark") == 0) {
		if (parse_dark(cfg, value) < 0) {
			(void)snprintf(err, errlen,
				       T("invalid dark prefix list '%s'",
					 "ダークプレフィックスの一覧 '%s' が不正です"),
				       value);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(section, "output") == 0 && strcmp(name, "summary") == 0) {
		if (parse_bool(value, &cfg->summary) < 0) {
			(void)snprintf(err, errlen,
				       T("invalid boolean '%s' for output.summary",
					 "output.summary の真偽値 '%s' が不正です"),
				       value);
			return -EINVAL;
		}
		return 0;
	}
	(void)snprintf(err, errlen, T("unknown key %s.%s", "未知のキー %s.%s です"), section, name);
	return -EINVAL;
}

struct load_ctx {
	struct sensor_config *cfg;
	char *err;
	size_t errlen;
	int rc;
};

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;
	if (c->rc < 0)
		return 0;
	c->rc = sensor_config_set(c->cfg, section, name, value, c->err, c->errlen);
	return c->rc == 0;
}

int sensor_config_load(struct sensor_config *cfg, const char *path, char *err, size_t errlen)
{
	struct load_ctx c = {cfg, err, errlen, 0};
	FILE *f = fopen(path, "re");
	int line;

	if (!f) {
		int e = errno;
		(void)snprintf(
		    err, errlen,
		    T("cannot open config '%s': %s", "設定ファイル '%s' を開けません: %s"), path,
		    e == ENOENT ? T("no such file", "ファイルがありません")
				: T("not readable", "読めません"));
		return -e;
	}
	line = ini_parse_file(f, ini_cb, &c);
	(void)fclose(f);
	if (line != 0) {
		if (c.rc < 0) {
			char inner[256];
			(void)snprintf(inner, sizeof(inner), "%s", err);
			(void)snprintf(err, errlen, "%s:%d: %s", path, line, inner);
		} else {
			(void)snprintf(err, errlen,
				       T("%s:%d: syntax error", "%s:%d: 構文エラーです"), path,
				       line);
		}
		return -EINVAL;
	}
	return 0;
}

int sensor_config_check(const struct sensor_config *cfg, char *err, size_t errlen)
{
	if (!cfg->interface && cfg->n_files == 0) {
		(void)snprintf(
		    err, errlen,
		    T("no input: give an interface (-i) or a file (-r)",
		      "入力がありません: インタフェース (-i) かファイル (-r) を指定してください"));
		return -EINVAL;
	}
	if (cfg->interface && cfg->n_files > 0) {
		(void)snprintf(err, errlen,
			       T("give either an interface or files, not both",
				 "インタフェースとファイルのどちらか一方だけを指定してください"));
		return -EINVAL;
	}
	if (cfg->dos_slide_s == 0 || cfg->dos_window_s % cfg->dos_slide_s != 0 ||
	    cfg->dos_window_s / cfg->dos_slide_s > 64) {
		(void)snprintf(err, errlen,
			       T("dos.window must be a multiple of dos.slide, at most 64 slides",
				 "dos.window は dos.slide の倍数 (64 倍まで) にしてください"));
		return -EINVAL;
	}
	if (cfg->url && !cfg->spool_dir) {
		(void)snprintf(err, errlen,
			       T("delivery to a server (url) needs a spool directory",
				 "サーバへの送信 (url) にはスプールディレクトリが必要です"));
		return -EINVAL;
	}
	if (cfg->url && !cfg->token_file) {
		(void)snprintf(err, errlen,
			       T("delivery to a server (url) needs a token_file",
				 "サーバへの送信 (url) には token_file が必要です"));
		return -EINVAL;
	}
	return 0;
}
