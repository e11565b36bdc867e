/* config.c - keikaid's configuration file (INI, docs/server-config.md) */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/i18n.h"
#include "../incident/taxonomy.h"
#include "../obs/range.h"
#include "server.h"

#include "../lib/banned.h"

struct ctx {
	struct server_config *c;
	char bad[256];
};

static bool parse_u(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!*v || *v == '-')
		return false;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end || x > max)
		return false;
	*out = x;
	return true;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "off"))
		*out = false;
	else
		return false;
	return true;
}

static bool copy(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);
	if (n >= size)
		return false;
	memcpy(dst, v, n + 1);
	return true;
}

static int cb(void *user, const char *sec, const char *key, const char *v)
{
	struct ctx *x = user;
	struct server_config *c = x->c;
	unsigned long long u;
	bool ok = true;
#define IS(s, k) (!strcmp(sec, s) && !strcmp(key, k))
	if (IS("server", "listen"))
		ok = copy(c->listen, sizeof c->listen, v);
	else if (IS("server", "threads"))
		ok = parse_u(v, 256, &u) && u >= 1 && ((c->threads = (unsigned)u), true);
	else if (IS("server", "max_connections"))
		ok = parse_u(v, 100000, &u) && u >= 1 && ((c->max_conns = (unsigned)u), true);
	else if (IS("server", "max_connections_per_ip"))
		ok = parse_u(v, 100000, &u) && ((c->per_ip = (unsigned)u), true);
	else if (IS("server", "cache_mib"))
		ok = parse_u(v, 65536, &u) && ((c->cache_bytes = (size_t)u << 20), true);
	else if (IS("server", "tls_cert"))
		ok = copy(c->tls_cert, sizeof c->tls_cert, v);
	else if (IS("server", "tls_key"))
		ok = copy(c->tls_key, sizeof c->tls_key, v);
	else if (IS("store", "path"))
		ok = copy(c->db, sizeof c->db, v);
	else if (IS("web", "root"))
		ok = copy(c->web_root, sizeof c->web_root, v);
	else if (IS("geo", "database"))
		ok = copy(c->geo_db, sizeof c->geo_db, v);
	else if (IS("intake", "maildir"))
		ok = copy(c->maildir, sizeof c->maildir, v);
	else if (IS("intake", "maildir_rescan_s"))
		ok = parse_u(v, 86400, &u) && u >= 1 && ((c->maildir_rescan_s = (unsigned)u), true);
	else if (IS("intake", "maildir_workers"))
		ok = parse_u(v, 16, &u) && u >= 1 && ((c->maildir_workers = (unsigned)u), true);
	else if (IS("enrich", "resolve"))
		ok = parse_bool(v, &c->enrich_resolve);
	else if (IS("enrich", "resolver"))
		ok = copy(c->enrich_resolver, sizeof c->enrich_resolver, v);
	else if (IS("stats", "timezone"))
		ok = range_parse_offset(v, &c->tz_offset) == 0;
	else if (IS("access", "public_stats"))
		ok = parse_bool(v, &c->public_stats);
	else if (IS("access", "public_events"))
		ok = parse_bool(v, &c->public_events);
	else if (IS("ingest", "max_body_mib"))
		ok = parse_u(v, 1024, &u) && u >= 1 && ((c->max_body = (size_t)u << 20), true);
	else if (IS("ingest", "rate"))
		ok = parse_u(v, 1000000, &u) && ((c->rate = (double)u), true);
	else if (IS("ingest", "burst"))
		ok = parse_u(v, 1000000, &u) && u >= 1 && ((c->burst = (double)u), true);
	else if (IS("ingest", "rollup_ms"))
		ok = parse_u(v, 600000, &u) && u >= 10 && ((c->rollup_ms = (unsigned)u), true);
	else if (IS("retention", "interval_days"))
		ok = parse_u(v, 100000, &u) && ((c->retention.interval_days = (unsigned)u), true);
	else if (IS("retention", "hour_days"))
		ok = parse_u(v, 100000, &u) && ((c->retention.hour_days = (unsigned)u), true);
	else if (IS("retention", "day_days"))
		ok = parse_u(v, 100000, &u) && ((c->retention.day_days = (unsigned)u), true);
	else if (IS("session", "idle"))
		ok = parse_u(v, 31536000, &u) && u >= 1 && ((c->accounts.idle = (int64_t)u), true);
	else if (IS("session", "lifetime"))
		ok = parse_u(v, 31536000, &u) && u >= 1 &&
		     ((c->accounts.lifetime = (int64_t)u), true);
	else if (IS("login", "max_failures"))
		ok = parse_u(v, 1000, &u) && u >= 1 &&
		     ((c->accounts.max_failures = (unsigned)u), true);
	else if (IS("login", "max_failures_client"))
		ok = parse_u(v, 100000, &u) && u >= 1 &&
		     ((c->accounts.max_failures_client = (unsigned)u), true);
	else if (IS("login", "window"))
		ok =
		    parse_u(v, 31536000, &u) && u >= 1 && ((c->accounts.window = (int64_t)u), true);
	else if (IS("login", "backoff"))
		ok = parse_u(v, 86400, &u) && u >= 1 && ((c->accounts.backoff = (unsigned)u), true);
	else if (IS("login", "backoff_max"))
		ok = parse_u(v, 86400, &u) && u >= 1 &&
		     ((c->accounts.backoff_max = (unsigned)u), true);
	else if (IS("incident", "link_window_days"))
		ok = parse_u(v, 3650, &u) && u >= 1 &&
		     ((c->incident.link_window_days = (unsigned)u), true);
	else if (IS("incident", "home_country"))
		ok = strlen(v) == 2 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z' &&
		     copy(c->incident.home_cc, sizeof c->incident.home_cc, v);
	else if (IS("incident", "default_tlp"))
		ok = tax_tlp_canon(v) && copy(c->incident.default_tlp,
					      sizeof c->incident.default_tlp, tax_tlp_canon(v));
	else if (IS("incident", "max_report_bytes"))
		ok = parse_u(v, 1u << 30, &u) && u >= 1024 &&
		     ((c->incident.max_report_bytes = (size_t)u), true);
	else if (IS("incident", "public_form_rate"))
		ok = parse_u(v, 1000000, &u) && ((c->form_rate = (double)u), true);
	else if (IS("incident", "public_form_burst"))
		ok = parse_u(v, 1000000, &u) && u >= 1 && ((c->form_burst = (double)u), true);
	else {
		(void)snprintf(x->bad, sizeof x->bad,
			       T("unknown key [%s] %s", "不明なキー [%s] %s"), sec, key);
		return 0;
	}
#undef IS
	if (!ok) {
		(void)snprintf(x->bad, sizeof x->bad,
			       T("bad value for [%s] %s: %s", "[%s] %s の値が不正です: %s"), sec,
			       key, v);
		return 0;
	}
	return 1;
}

int server_config_load(struct server_config *c, const char *path)
{
	memset(c, 0, sizeof *c);
	(void)snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
	c->threads = 8;
	c->max_conns = 1024;
	c->per_ip = 0;
	c->cache_bytes = 64u << 20;
	(void)snprintf(c->db, sizeof c->db, "keikai.db");
	c->maildir_rescan_s = 60;
	c->maildir_workers = 4;
	c->tz_offset = 9 * 3600;
	inc_config_default(&c->incident);
	c->form_rate = 20;
	c->form_burst = 5;
	c->public_stats = true;
	c->public_events = false;
	c->max_body = 64u << 20;
	c->rate = 20;
	c->burst = 2000;
	c->rollup_ms = 1000;
	c->retention.interval_days = 35;
	c->retention.hour_days = 400;
	c->retention.day_days = 0;
	account_config_default(&c->accounts);
	if (!path)
		return 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		(void)fprintf(stderr,
			      T("keikaid: cannot open %s: %m\n", "keikaid: %s を開けません: %m\n"),
			      path);
		return -1;
	}
	struct ctx x = {.c = c};
	int line = ini_parse_file(f, cb, &x);
	(void)fclose(f);
	if (line != 0) {
		(void)fprintf(stderr, T("keikaid: %s line %d: %s\n", "keikaid: %s %d 行目: %s\n"),
			      path, line, x.bad[0] ? x.bad : T("syntax error", "構文エラー"));
		return -1;
	}
	return 0;
}
