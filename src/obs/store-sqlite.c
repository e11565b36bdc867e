/* store-sqlite.c - the observation store on SQLite (the embedded default)
 *
 * Ingest writes each record as one row of obs_records (the idempotency key, UNIQUE(sensor_id,
 * start)) and its lists as rows keyed by the record's id; nothing else. Rollups run later, in
 * batches, from the records whose id is above a watermark kept in obs_state, in the same
 * transaction that moves the watermark: every record is rolled up exactly once, whenever it
 * arrives, so late and re-sent records (the latter refused as duplicates) keep the hourly and
 * daily sums exact. docs/storage.md describes the tables.
 */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/ckd.h"
#include "../lib/db.h"
#include "../lib/jsonw.h"
#include "portpack.h"
#include "surge.h"

#include "../lib/banned.h"

static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE obs_orgs(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE obs_sensors(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " org_id INTEGER NOT NULL REFERENCES obs_orgs(id), region TEXT NOT NULL DEFAULT '',"
    " location TEXT NOT NULL DEFAULT '', prefixes TEXT NOT NULL DEFAULT '',"
    " token_hash BLOB UNIQUE, enabled INTEGER NOT NULL DEFAULT 1, created INTEGER NOT NULL);"
    "CREATE TABLE obs_records(id INTEGER PRIMARY KEY,"
    " sensor_id INTEGER NOT NULL REFERENCES obs_sensors(id), start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, interval INTEGER NOT NULL, partial INTEGER NOT NULL,"
    " received INTEGER NOT NULL, packets INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    " ipv4 INTEGER NOT NULL, ipv6 INTEGER NOT NULL, tcp INTEGER NOT NULL, udp INTEGER NOT NULL,"
    " icmp INTEGER NOT NULL, icmp6 INTEGER NOT NULL, other INTEGER NOT NULL,"
    " probe INTEGER NOT NULL, backscatter INTEGER NOT NULL, captured INTEGER NOT NULL,"
    " not_dark INTEGER NOT NULL, kernel_drops INTEGER NOT NULL, if_drops INTEGER NOT NULL,"
    " ts_backwards INTEGER NOT NULL, icmp_mismatch INTEGER NOT NULL, by_proto TEXT NOT NULL,"
    " counters TEXT NOT NULL, ports BLOB NOT NULL, top BLOB NOT NULL,"
    " UNIQUE(sensor_id, start));"
    "CREATE INDEX obs_records_start ON obs_records(start);"
    "CREATE TABLE obs_scanners(rec INTEGER NOT NULL, idx INTEGER NOT NULL, src TEXT NOT NULL,"
    " cc TEXT NOT NULL, asn INTEGER NOT NULL, proto INTEGER NOT NULL, ports TEXT NOT NULL,"
    " port_count INTEGER NOT NULL, packets INTEGER NOT NULL, destinations INTEGER NOT NULL,"
    " targets INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, tool TEXT,"
    " PRIMARY KEY(rec, idx)) WITHOUT ROWID;"
    "CREATE TABLE obs_dos(rec INTEGER NOT NULL, idx INTEGER NOT NULL, victim TEXT NOT NULL,"
    " cc TEXT NOT NULL, asn INTEGER NOT NULL, proto INTEGER NOT NULL, ports TEXT NOT NULL,"
    " port_count INTEGER NOT NULL, packets INTEGER NOT NULL, packets_interval INTEGER NOT NULL,"
    " destinations INTEGER NOT NULL, peak INTEGER NOT NULL, start INTEGER NOT NULL,"
    " last INTEGER NOT NULL, ongoing INTEGER NOT NULL, PRIMARY KEY(rec, idx)) WITHOUT ROWID;"
    "CREATE TABLE obs_port_hour(sensor_id INTEGER NOT NULL, t INTEGER NOT NULL,"
    " proto INTEGER NOT NULL, port INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " sources INTEGER NOT NULL, destinations INTEGER NOT NULL,"
    " PRIMARY KEY(proto, port, t, sensor_id)) WITHOUT ROWID;"
    "CREATE TABLE obs_port_day(sensor_id INTEGER NOT NULL, t INTEGER NOT NULL,"
    " proto INTEGER NOT NULL, port INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " sources INTEGER NOT NULL, destinations INTEGER NOT NULL,"
    " PRIMARY KEY(sensor_id, t, proto, port)) WITHOUT ROWID;"
    "CREATE INDEX obs_port_day_t ON obs_port_day(t);"
    "CREATE TABLE obs_port_day_all(t INTEGER NOT NULL, proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL, packets INTEGER NOT NULL, sources INTEGER NOT NULL,"
    " sensors INTEGER NOT NULL, PRIMARY KEY(t, proto, port)) WITHOUT ROWID;"
    "CREATE INDEX obs_port_day_all_port ON obs_port_day_all(proto, port, t);"
    "CREATE TABLE obs_sensor_hour(sensor_id INTEGER NOT NULL, t INTEGER NOT NULL,"
    " records INTEGER NOT NULL, seconds INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " tcp INTEGER NOT NULL, udp INTEGER NOT NULL, icmp INTEGER NOT NULL, icmp6 INTEGER NOT NULL,"
    " other INTEGER NOT NULL, probe INTEGER NOT NULL, backscatter INTEGER NOT NULL,"
    " kernel_drops INTEGER NOT NULL, if_drops INTEGER NOT NULL,"
    " PRIMARY KEY(sensor_id, t)) WITHOUT ROWID;"
    "CREATE INDEX obs_sensor_hour_t ON obs_sensor_hour(t);"
    "CREATE TABLE obs_sensor_day(sensor_id INTEGER NOT NULL, t INTEGER NOT NULL,"
    " records INTEGER NOT NULL, seconds INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " tcp INTEGER NOT NULL, udp INTEGER NOT NULL, icmp INTEGER NOT NULL, icmp6 INTEGER NOT NULL,"
    " other INTEGER NOT NULL, probe INTEGER NOT NULL, backscatter INTEGER NOT NULL,"
    " kernel_drops INTEGER NOT NULL, if_drops INTEGER NOT NULL,"
    " PRIMARY KEY(sensor_id, t)) WITHOUT ROWID;"
    "CREATE INDEX obs_sensor_day_t ON obs_sensor_day(t);"
    "CREATE TABLE obs_src_day(sensor_id INTEGER NOT NULL, t INTEGER NOT NULL, cc TEXT NOT NULL,"
    " asn INTEGER NOT NULL, packets INTEGER NOT NULL, sources INTEGER NOT NULL,"
    " PRIMARY KEY(sensor_id, t, cc, asn)) WITHOUT ROWID;"
    "CREATE INDEX obs_src_day_t ON obs_src_day(t);"
    "CREATE TABLE obs_surges(t INTEGER NOT NULL, proto INTEGER NOT NULL, port INTEGER NOT NULL,"
    " kind TEXT NOT NULL, value REAL NOT NULL, median REAL NOT NULL, iqr REAL NOT NULL,"
    " mean REAL NOT NULL, sd REAL NOT NULL, rank INTEGER NOT NULL,"
    " PRIMARY KEY(t, proto, port, kind)) WITHOUT ROWID;"
    "CREATE TABLE obs_state(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO obs_state VALUES('rolled', 0), ('generation', 0), ('retention_at', 0);",
    /* 2: all-sensor monthly and daily tables, and a rank index, so that the top ports of a
     * quarter or a year read a few rows of each month instead of every port of every day;
     * filled from the daily tables already there */
    "CREATE INDEX obs_port_day_all_rank ON obs_port_day_all(t, packets DESC);"
    "CREATE TABLE obs_port_month_all(t INTEGER NOT NULL, proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL, packets INTEGER NOT NULL, sources INTEGER NOT NULL,"
    " PRIMARY KEY(t, proto, port)) WITHOUT ROWID;"
    "CREATE INDEX obs_port_month_all_port ON obs_port_month_all(proto, port, t);"
    "CREATE INDEX obs_port_month_all_rank ON obs_port_month_all(t, packets DESC);"
    "CREATE TABLE obs_src_day_all(t INTEGER NOT NULL, cc TEXT NOT NULL, asn INTEGER NOT NULL,"
    " packets INTEGER NOT NULL, sources INTEGER NOT NULL, PRIMARY KEY(t, cc, asn)) WITHOUT ROWID;"
    "CREATE TABLE obs_src_month_all(t INTEGER NOT NULL, cc TEXT NOT NULL, asn INTEGER NOT NULL,"
    " packets INTEGER NOT NULL, sources INTEGER NOT NULL, PRIMARY KEY(t, cc, asn)) WITHOUT ROWID;"
    "CREATE TEMP VIEW tz AS SELECT COALESCE((SELECT value FROM obs_state"
    " WHERE key = 'tz_offset'), 32400) AS off;"
    "INSERT INTO obs_port_month_all SELECT CAST(strftime('%s', t, 'unixepoch',"
    " printf('%+d seconds', (SELECT off FROM tz)), 'start of month',"
    " printf('%+d seconds', -(SELECT off FROM tz))) AS INTEGER) AS m, proto, port,"
    " SUM(packets), SUM(sources) FROM obs_port_day_all GROUP BY m, proto, port;"
    "INSERT INTO obs_src_day_all SELECT t, cc, asn, SUM(packets), SUM(sources)"
    " FROM obs_src_day GROUP BY t, cc, asn;"
    "INSERT INTO obs_src_month_all SELECT CAST(strftime('%s', t, 'unixepoch',"
    " printf('%+d seconds', (SELECT off FROM tz)), 'start of month',"
    " printf('%+d seconds', -(SELECT off FROM tz))) AS INTEGER) AS m, cc, asn,"
    " SUM(packets), SUM(sources) FROM obs_src_day_all GROUP BY m, cc, asn;"
    "DROP VIEW temp.tz;"
    "CREATE TABLE obs_day_all(t INTEGER PRIMARY KEY, sensors INTEGER NOT NULL,"
    " records INTEGER NOT NULL, seconds INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " tcp INTEGER NOT NULL, udp INTEGER NOT NULL, icmp INTEGER NOT NULL, icmp6 INTEGER NOT NULL,"
    " other INTEGER NOT NULL, probe INTEGER NOT NULL, backscatter INTEGER NOT NULL,"
    " kernel_drops INTEGER NOT NULL, if_drops INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO obs_day_all SELECT t, COUNT(*), SUM(records), SUM(seconds), SUM(packets),"
    " SUM(tcp), SUM(udp), SUM(icmp), SUM(icmp6), SUM(other), SUM(probe), SUM(backscatter),"
    " SUM(kernel_drops), SUM(if_drops) FROM obs_sensor_day GROUP BY t;",
};

enum { ST_PUT_RECORD, ST_PUT_SCANNER, ST_PUT_DOS, ST_BY_TOKEN, ST_MAX };

static const char *const stmt_sql[ST_MAX] = {
    [ST_PUT_RECORD] = "INSERT INTO obs_records(sensor_id, start, end, interval, partial, received,"
		      " packets, bytes, ipv4, ipv6, tcp, udp, icmp, icmp6, other, probe,"
		      " backscatter, captured, not_dark, kernel_drops, if_drops, ts_backwards,"
		      " icmp_mismatch, by_proto, counters, ports, top)"
		      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
		      " ON CONFLICT(sensor_id, start) DO NOTHING",
    [ST_PUT_SCANNER] = "INSERT INTO obs_scanners VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_PUT_DOS] = "INSERT INTO obs_dos VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_BY_TOKEN] = "SELECT id, name, enabled FROM obs_sensors WHERE token_hash = ?",
};

struct sqlite_store {
	struct obs_store base;
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	char err[512];
};

static struct sqlite_store *S(struct obs_store *s)
{
	return (struct sqlite_store *)s;
}

static void seterr(struct sqlite_store *s, const char *what)
{
	(void)snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
}

static const char *st_errmsg(struct obs_store *s)
{
	return S(s)->err;
}

static void st_close(struct obs_store *base)
{
	struct sqlite_store *s = S(base);
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

static int st_begin(struct obs_store *base)
{
	struct sqlite_store *s = S(base);
	return db_exec(s->db, "BEGIN IMMEDIATE", s->err, sizeof s->err);
}

static int st_commit(struct obs_store *base)
{
	struct sqlite_store *s = S(base);
	return db_exec(s->db, "COMMIT", s->err, sizeof s->err);
}

static void st_rollback(struct obs_store *base)
{
	struct sqlite_store *s = S(base);
	if (!sqlite3_get_autocommit(s->db))
		(void)db_exec(s->db, "ROLLBACK", NULL, 0);
}

static sqlite3_stmt *stmt(struct sqlite_store *s, int which)
{
	sqlite3_stmt *st = s->st[which];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Bind an unsigned counter: SQLite integers are signed 64-bit; counts beyond 2^63 - 1 are
 * clamped (no real interval comes near). */
static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

static char *counters_json(const struct obs_record *r)
{
	struct jsonw w;
	jsonw_init(&w, 1u << 16);
	jsonw_obj_begin(&w);
	const struct {
		const char *key;
		const struct obs_named *l;
	} lists[] = {{"undecoded", &r->decode},
		     {"overflow", &r->overflow},
		     {"noise", &r->noise},
		     {"tools", &r->tools}};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		jsonw_key(&w, lists[i].key);
		jsonw_obj_begin(&w);
		for (unsigned j = 0; j < lists[i].l->n && j < OBS_NAMED_MAX; j++) {
			jsonw_key(&w, lists[i].l->v[j].name);
			jsonw_u64(&w, lists[i].l->v[j].value);
		}
		jsonw_obj_end(&w);
	}
	jsonw_obj_end(&w);
	size_t len;
	return jsonw_finish(&w, &len, NULL);
}

static void ports_json(const uint16_t *ports, unsigned n, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = 0;
	int k = snprintf(buf, size, "[");
	if (k < 0 || (size_t)k >= size)
		return;
	off = (size_t)k;
	for (unsigned i = 0; i < n; i++) {
		k = snprintf(buf + off, size - off, "%s%u", i ? "," : "", ports[i]);
		if (k < 0 || (size_t)k >= size - off)
			break;
		off += (size_t)k;
	}
	if (off + 2 <= size) {
		buf[off] = ']';
		buf[off + 1] = 0;
	} else {
		(void)snprintf(buf, size, "[]");
	}
}

static const struct obs_geo no_geo = {"", 0};

static enum obs_put_result st_put(struct obs_store *base, int64_t sensor_id,
				  const struct obs_record *r, const struct obs_record_geo *geo,
				  int64_t received)
{
	struct sqlite_store *s = S(base);
	uint64_t proto[OBS_PROTO_MAX] = {0}, cls[OBS_CLASS_MAX] = {0};
	char by_proto[OBS_PROTO_MAX * OBS_CLASS_MAX * 22 + 4];
	size_t off = 0;
	by_proto[off++] = '[';
	for (unsigned p = 0; p < OBS_PROTO_MAX; p++)
		for (unsigned c = 0; c < OBS_CLASS_MAX; c++) {
			proto[p] += r->by_proto_class[p][c];
			cls[c] += r->by_proto_class[p][c];
			int k = snprintf(by_proto + off, sizeof by_proto - off, "%s%llu",
					 p || c ? "," : "",
					 (unsigned long long)r->by_proto_class[p][c]);
			if (k > 0 && (size_t)k < sizeof by_proto - off)
				off += (size_t)k;
		}
	by_proto[off++] = ']';
	by_proto[off] = 0;
	char *counters = counters_json(r);
	if (!counters) {
		(void)snprintf(s->err, sizeof s->err, "out of memory");
		return OBS_PUT_ERROR;
	}

	sqlite3_stmt *st = stmt(s, ST_PUT_RECORD);
	int i = 1;
	sqlite3_bind_int64(st, i++, sensor_id);
	sqlite3_bind_int64(st, i++, r->start);
	sqlite3_bind_int64(st, i++, r->end);
	sqlite3_bind_int64(st, i++, r->interval);
	sqlite3_bind_int(st, i++, r->partial);
	sqlite3_bind_int64(st, i++, received);
	bind_u64(st, i++, r->packets);
	bind_u64(st, i++, r->bytes);
	bind_u64(st, i++, r->ipv4);
	bind_u64(st, i++, r->ipv6);
	for (unsigned p = 0; p < OBS_PROTO_MAX; p++)
		bind_u64(st, i++, proto[p]);
	bind_u64(st, i++, cls[OBS_PROBE]);
	bind_u64(st, i++, cls[OBS_BACKSCATTER]);
	bind_u64(st, i++, r->captured);
	bind_u64(st, i++, r->not_dark);
	bind_u64(st, i++, r->kernel_drops);
	bind_u64(st, i++, r->if_drops);
	bind_u64(st, i++, r->ts_backwards);
	bind_u64(st, i++, r->icmp_mismatch);
	sqlite3_bind_text(st, i++, by_proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, counters, -1, SQLITE_STATIC);
	size_t plen = 0;
	uint8_t *packed = portpack_encode(r->ports, r->n_ports, &plen);
	if (!packed) {
		free(counters);
		sqlite3_reset(st);
		(void)snprintf(s->err, sizeof s->err, "out of memory");
		return OBS_PUT_ERROR;
	}
	sqlite3_bind_blob64(st, i++, packed, plen, SQLITE_STATIC);
	size_t tlen = 0;
	char(*cc)[3] = calloc(r->n_top + 1, sizeof *cc);
	uint32_t *asn = calloc(r->n_top + 1, sizeof *asn);
	uint8_t *top = NULL;
	if (cc && asn) {
		for (size_t k = 0; k < r->n_top && geo && geo->top; k++) {
			memcpy(cc[k], geo->top[k].cc, 3);
			asn[k] = geo->top[k].asn;
		}
		top = portpack_sources(r->top, (const char(*)[3])cc, asn, r->n_top, &tlen);
	}
	free(cc);
	free(asn);
	if (!top) {
		free(counters);
		free(packed);
		sqlite3_reset(st);
		(void)snprintf(s->err, sizeof s->err, "out of memory");
		return OBS_PUT_ERROR;
	}
	sqlite3_bind_blob64(st, i++, top, tlen, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(counters);
	free(packed);
	free(top);
	if (rc != SQLITE_DONE) {
		seterr(s, "store record");
		return OBS_PUT_ERROR;
	}
	if (sqlite3_changes(s->db) == 0)
		return OBS_PUT_DUPLICATE;
	int64_t rec = sqlite3_last_insert_rowid(s->db);

	char addr[IP_ADDR_STRLEN], ports[160];
	st = s->st[ST_PUT_SCANNER];
	for (size_t k = 0; k < r->n_scanners; k++) {
		const struct obs_scanner *x = &r->scanners[k];
		const struct obs_geo *g = geo && geo->scanners ? &geo->scanners[k] : &no_geo;
		unsigned n = x->n_ports < OBS_SCANNER_PORTS ? x->n_ports : OBS_SCANNER_PORTS;
		ports_json(x->ports, n, ports, sizeof ports);
		ip_addr_format(&x->src, addr, sizeof addr);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_int64(st, 1, rec);
		sqlite3_bind_int64(st, 2, (int64_t)k);
		sqlite3_bind_text(st, 3, addr, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, g->cc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, g->asn);
		sqlite3_bind_int(st, 6, x->proto);
		sqlite3_bind_text(st, 7, ports, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, x->n_ports);
		bind_u64(st, 9, x->packets);
		bind_u64(st, 10, x->destinations);
		bind_u64(st, 11, x->targets);
		bind_u64(st, 12, x->first_usec);
		bind_u64(st, 13, x->last_usec);
		if (x->tool)
			sqlite3_bind_text(st, 14, x->tool, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			seterr(s, "store scanner");
			sqlite3_reset(st);
			return OBS_PUT_ERROR;
		}
	}
	sqlite3_reset(st);

	st = s->st[ST_PUT_DOS];
	for (size_t k = 0; k < r->n_dos; k++) {
		const struct obs_dos *x = &r->dos[k];
		const struct obs_geo *g = geo && geo->dos ? &geo->dos[k] : &no_geo;
		unsigned n = x->n_ports < OBS_DOS_PORTS ? x->n_ports : OBS_DOS_PORTS;
		ports_json(x->ports, n, ports, sizeof ports);
		ip_addr_format(&x->victim, addr, sizeof addr);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, rec);
		sqlite3_bind_int64(st, 2, (int64_t)k);
		sqlite3_bind_text(st, 3, addr, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, g->cc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, g->asn);
		sqlite3_bind_int(st, 6, x->proto);
		sqlite3_bind_text(st, 7, ports, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, x->n_ports);
		bind_u64(st, 9, x->packets);
		bind_u64(st, 10, x->packets_interval);
		bind_u64(st, 11, x->destinations);
		bind_u64(st, 12, x->peak_per_min);
		bind_u64(st, 13, x->start_usec);
		bind_u64(st, 14, x->last_usec);
		sqlite3_bind_int(st, 15, x->ongoing);
		if (sqlite3_step(st) != SQLITE_DONE) {
			seterr(s, "store attack");
			sqlite3_reset(st);
			return OBS_PUT_ERROR;
		}
	}
	sqlite3_reset(st);

	return OBS_PUT_STORED;
}

/* ---- rollups ---------------------------------------------------------------------------- */

static int state_get(struct sqlite_store *s, const char *key, int64_t *v)
{
	sqlite3_stmt *st =
	    db_prepare(s->db, "SELECT value FROM obs_state WHERE key = ?", s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		seterr(s, "state");
		return -1;
	}
	return 0;
}

static int state_set(struct sqlite_store *s, const char *key, int64_t v)
{
	sqlite3_stmt *st = db_prepare(s->db,
				      "INSERT INTO obs_state VALUES(?, ?) ON CONFLICT(key) DO "
				      "UPDATE SET value = excluded.value",
				      s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		seterr(s, "state");
		return -1;
	}
	return 0;
}

/* Run one statement with up to 4 integer parameters ?1..?4. */
static int exec_i(struct sqlite_store *s, const char *sql, int n, const int64_t *p)
{
	sqlite3_stmt *st = db_prepare(s->db, sql, s->err, sizeof s->err);
	if (!st)
		return -1;
	for (int i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, p[i]);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		seterr(s, "rollup");
		return -1;
	}
	return 0;
}

/* The day's top n ports by packets, as proto << 16 | port, into keys; returns how many. */
static size_t day_top(struct sqlite_store *s, int64_t t, unsigned n, uint32_t *keys)
{
	size_t k = 0;
	sqlite3_stmt *st = db_prepare(s->db,
				      "SELECT proto, port FROM obs_port_day_all WHERE t = ?"
				      " ORDER BY packets DESC, proto, port LIMIT ?",
				      s->err, sizeof s->err);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_int(st, 2, (int)n);
	while (k < n && sqlite3_step(st) == SQLITE_ROW)
		keys[k++] =
		    (uint32_t)sqlite3_column_int(st, 0) << 16 | (uint32_t)sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	return k;
}

static int insert_surge(struct sqlite_store *s, sqlite3_stmt *ins, int64_t t, uint32_t key,
			const char *kind, const struct surge_stats *ss, unsigned rank)
{
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, t);
	sqlite3_bind_int(ins, 2, (int)(key >> 16));
	sqlite3_bind_int(ins, 3, (int)(key & 0xffff));
	sqlite3_bind_text(ins, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_double(ins, 5, ss ? ss->value : 0);
	sqlite3_bind_double(ins, 6, ss ? ss->median : 0);
	sqlite3_bind_double(ins, 7, ss ? ss->iqr : 0);
	sqlite3_bind_double(ins, 8, ss ? ss->mean : 0);
	sqlite3_bind_double(ins, 9, ss ? ss->sd : 0);
	sqlite3_bind_int(ins, 10, (int)rank);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		seterr(s, "surge");
		return -1;
	}
	return 0;
}

#define TOP_MAX 10

static bool grow(void **arr, size_t *cap, size_t n, size_t elem);
static uint64_t col_u64(sqlite3_stmt *st, int i);
static int64_t floor_day(int64_t t, int64_t off);
static int64_t floor_month(int64_t t, int64_t off);

/* Recompute the surges of the days days[0..n) (ascending) from the daily rollups
 * (docs/events.md). A port's value on a day is its unique sources per reporting sensor. The
 * rows of the whole window, from the first day's history to the last day, are read once, port
 * by port, so the work grows with the rows, not with days times ports. */
static int surges_for_days(struct sqlite_store *s, const int64_t *days, size_t n)
{
	struct surge_params p;
	surge_params_default(&p);
	p.top_n = TOP_MAX;
	if (n == 0)
		return 0;
	unsigned H = p.history_days;
	int64_t first = days[0] - (int64_t)(H > p.new_top_window ? H : p.new_top_window) * 86400;
	int64_t last = days[n - 1];
	size_t span = (size_t)((last - first) / 86400) + 1;
	int ret = -1;
	double *per_day = calloc(span, sizeof *per_day), *h = calloc(span, sizeof *h);
	bool *want = calloc(span, sizeof *want);
	uint32_t(*top)[TOP_MAX] = calloc(span, sizeof *top);
	size_t *top_n = calloc(span, sizeof *top_n);
	const uint32_t **prevp = calloc(p.new_top_window, sizeof *prevp);
	sqlite3_stmt *del = NULL, *sens = NULL, *rows = NULL, *ins = NULL;
	if (!per_day || !h || !want || !top || !top_n || !prevp) {
		(void)snprintf(s->err, sizeof s->err, "surge: out of memory");
		goto out;
	}
	del = db_prepare(s->db, "DELETE FROM obs_surges WHERE t = ?", s->err, sizeof s->err);
	sens = db_prepare(
	    s->db, "SELECT t, COUNT(*) FROM obs_sensor_day WHERE t >= ? AND t <= ? GROUP BY t",
	    s->err, sizeof s->err);
	rows = db_prepare(s->db,
			  "SELECT proto, port, t, sources FROM obs_port_day_all"
			  " WHERE t >= ? AND t <= ? ORDER BY proto, port, t",
			  s->err, sizeof s->err);
	ins = db_prepare(s->db, "INSERT OR REPLACE INTO obs_surges VALUES(?,?,?,?,?,?,?,?,?,?)",
			 s->err, sizeof s->err);
	if (!del || !sens || !rows || !ins)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t d = (size_t)((days[i] - first) / 86400);
		want[d] = true;
		sqlite3_reset(del);
		sqlite3_bind_int64(del, 1, days[i]);
		if (sqlite3_step(del) != SQLITE_DONE) {
			seterr(s, "surge");
			goto out;
		}
	}
	sqlite3_bind_int64(sens, 1, first);
	sqlite3_bind_int64(sens, 2, last);
	int rc;
	while ((rc = sqlite3_step(sens)) == SQLITE_ROW) {
		int64_t d = (sqlite3_column_int64(sens, 0) - first) / 86400;
		if (d >= 0 && (size_t)d < span)
			per_day[d] = (double)sqlite3_column_int64(sens, 1);
	}
	if (rc != SQLITE_DONE) {
		seterr(s, "surge");
		goto out;
	}

	/* port by port: a dense series over the window, then the test for each wanted day */
	sqlite3_bind_int64(rows, 1, first);
	sqlite3_bind_int64(rows, 2, last);
	int cur = -1;
	rc = sqlite3_step(rows);
	for (;;) {
		int key = rc == SQLITE_ROW
			      ? sqlite3_column_int(rows, 0) << 16 | sqlite3_column_int(rows, 1)
			      : -2;
		if (key != cur && cur >= 0) {
			for (size_t d = H; d < span; d++) {
				if (!want[d] || per_day[d] <= 0 || !(h[d] >= p.min_value))
					continue;
				struct surge_stats ss;
				if (surge_check(h + d - H, H, h[d], &p, &ss) != 0)
					goto out;
				if (ss.fired && insert_surge(s, ins, first + (int64_t)d * 86400,
							     (uint32_t)cur, "sources", &ss, 0) != 0)
					goto out;
			}
		}
		if (rc != SQLITE_ROW)
			break;
		if (key != cur) {
			cur = key;
			for (size_t d = 0; d < span; d++)
				h[d] = per_day[d] > 0 ? 0.0 : (double)NAN;
		}
		int64_t d = (sqlite3_column_int64(rows, 2) - first) / 86400;
		if (d >= 0 && (size_t)d < span && per_day[d] > 0)
			h[d] = (double)sqlite3_column_int64(rows, 3) / per_day[d];
		rc = sqlite3_step(rows);
	}
	if (rc != SQLITE_DONE) {
		seterr(s, "surge");
		goto out;
	}

	/* a port newly in a day's top 10 */
	for (size_t d = 0; d < span; d++)
		top_n[d] = day_top(s, first + (int64_t)d * 86400, TOP_MAX, top[d]);
	for (size_t d = p.new_top_window; d < span; d++) {
		if (!want[d])
			continue;
		bool is_new[TOP_MAX];
		for (unsigned k = 0; k < p.new_top_window; k++)
			prevp[k] = top[d - p.new_top_window + k];
		int k = surge_new_top(top[d], top_n[d], prevp, top_n + d - p.new_top_window,
				      p.new_top_window, &p, is_new);
		if (k < 0)
			goto out;
		for (size_t i = 0; i < top_n[d]; i++)
			if (is_new[i] && insert_surge(s, ins, first + (int64_t)d * 86400, top[d][i],
						      "new_top10", NULL, (unsigned)i + 1) != 0)
				goto out;
	}
	ret = 0;
out:
	free(per_day);
	free(h);
	free(want);
	free(top);
	free(top_n);
	free(prevp);
	sqlite3_finalize(del);
	sqlite3_finalize(sens);
	sqlite3_finalize(rows);
	sqlite3_finalize(ins);
	return ret;
}

/* ---- the port rollups, in C ------------------------------------------------------------ */

/* One (sensor, bucket, protocol, port) and its sums. */
struct agg {
	int64_t sensor, t;
	uint32_t asn; /* source rollup: AS and country; 0 in the port rollups */
	uint16_t cc;
	uint16_t port;
	uint8_t proto;
	bool used;
	uint64_t packets, sources, destinations, sensors;
};

struct aggmap {
	struct agg *v;
	size_t cap, n; /* cap a power of two */
};

static uint64_t agg_hash(int64_t sensor, int64_t t, uint64_t k)
{
	uint64_t x = (uint64_t)sensor * 0x9e3779b97f4a7c15u ^ (uint64_t)t * 0xc2b2ae3d27d4eb4fu ^
		     k * 0x165667b19e3779f9u;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9u;
	return x ^ (x >> 29);
}

/* The key's third part: protocol and port, or country and AS. */
static uint64_t agg_k(const struct agg *e)
{
	return (uint64_t)e->proto << 16 | e->port | (uint64_t)e->cc << 24 | (uint64_t)e->asn << 40;
}

static bool agg_grow(struct aggmap *m)
{
	size_t nc = m->cap ? m->cap * 2 : 4096;
	struct agg *v = calloc(nc, sizeof *v);
	if (!v)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->v[i].used)
			continue;
		const struct agg *e = &m->v[i];
		size_t j = agg_hash(e->sensor, e->t, agg_k(e)) & (nc - 1);
		while (v[j].used)
			j = (j + 1) & (nc - 1);
		v[j] = *e;
	}
	free(m->v);
	m->v = v;
	m->cap = nc;
	return true;
}

/* The entry of the key, made when new; NULL on out-of-memory. */
static struct agg *agg_get2(struct aggmap *m, int64_t sensor, int64_t t, uint8_t proto,
			    uint16_t port, uint16_t cc, uint32_t asn)
{
	if ((m->n + 1) * 2 > m->cap && !agg_grow(m))
		return NULL;
	struct agg key = {
	    .sensor = sensor, .t = t, .asn = asn, .cc = cc, .port = port, .proto = proto};
	uint64_t k = agg_k(&key);
	size_t j = agg_hash(sensor, t, k) & (m->cap - 1);
	while (m->v[j].used) {
		struct agg *e = &m->v[j];
		if (e->sensor == sensor && e->t == t && agg_k(e) == k)
			return e;
		j = (j + 1) & (m->cap - 1);
	}
	struct agg *e = &m->v[j];
	*e = key;
	e->used = true;
	m->n++;
	return e;
}

static struct agg *agg_get(struct aggmap *m, int64_t sensor, int64_t t, uint8_t proto,
			   uint16_t port)
{
	return agg_get2(m, sensor, t, proto, port, 0, 0);
}

static int agg_cmp(const void *a, const void *b)
{
	const struct agg *x = a, *y = b;
	if (x->sensor != y->sensor)
		return x->sensor < y->sensor ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->cc != y->cc)
		return x->cc < y->cc ? -1 : 1;
	if (x->asn != y->asn)
		return x->asn < y->asn ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* Port first: the order of obs_port_hour's key. */
static int agg_cmp_port(const void *a, const void *b)
{
	const struct agg *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->sensor < y->sensor ? -1 : x->sensor > y->sensor;
}

/* The used entries, packed to the front and sorted in the order of the table they go to: the
 * writes then walk its B-tree forwards. */
static size_t agg_sorted(struct aggmap *m, int (*cmp)(const void *, const void *))
{
	size_t k = 0;
	if (!m->v)
		return 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].used)
			m->v[k++] = m->v[i];
	qsort(m->v, k, sizeof *m->v, cmp);
	return k;
}

/* Most ports one rollup pass aggregates in memory (about 56 bytes each, twice): records are
 * taken until this is reached, so a pass stays within about 300 MiB whatever the records. */
#define ROLLUP_PORTS_MAX (2u << 20)

/* Read records (wm, hi] up to the port budget into the hour and day maps; *last gets the last
 * record taken. */
static int rollup_read(struct sqlite_store *s, int64_t wm, int64_t hi, int64_t off,
		       int64_t hour_cut, int64_t day_cut, struct aggmap *hour, struct aggmap *day,
		       struct aggmap *src, int64_t *last)
{
	sqlite3_stmt *st = db_prepare(s->db,
				      "SELECT id, sensor_id, start, ports, top FROM obs_records"
				      " WHERE id > ? AND id <= ? ORDER BY id",
				      s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, wm);
	sqlite3_bind_int64(st, 2, hi);
	*last = wm;
	size_t taken = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), sensor = sqlite3_column_int64(st, 1);
		int64_t start = sqlite3_column_int64(st, 2);
		const uint8_t *p = sqlite3_column_blob(st, 3);
		size_t len = (size_t)sqlite3_column_bytes(st, 3), o = 0;
		int64_t h = start - start % 3600, d = floor_day(start, off);
		struct obs_port x;
		while (p && portpack_next(p, len, &o, &x)) {
			struct agg *e;
			if (h >= hour_cut) {
				e = agg_get(hour, sensor, h, x.proto, x.port);
				if (!e)
					goto nomem;
				e->packets += x.packets;
				e->sources = x.sources > e->sources ? x.sources : e->sources;
				e->destinations = x.destinations > e->destinations
						      ? x.destinations
						      : e->destinations;
			}
			if (d >= day_cut) {
				e = agg_get(day, sensor, d, x.proto, x.port);
				if (!e)
					goto nomem;
				e->packets += x.packets;
				e->sources = x.sources > e->sources ? x.sources : e->sources;
				e->destinations = x.destinations > e->destinations
						      ? x.destinations
						      : e->destinations;
			}
			taken++;
		}
		p = sqlite3_column_blob(st, 4);
		len = (size_t)sqlite3_column_bytes(st, 4);
		o = 0;
		struct portpack_source ps;
		while (d >= day_cut && p && portpack_next_source(p, len, &o, &ps)) {
			uint16_t cc = (uint16_t)((uint8_t)ps.cc[0] << 8 | (uint8_t)ps.cc[1]);
			struct agg *e = agg_get2(src, sensor, d, 0, 0, cc, ps.asn);
			if (!e)
				goto nomem;
			e->packets += ps.packets;
			e->sources++;
			taken++;
		}
		*last = id;
		if (taken >= ROLLUP_PORTS_MAX)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		seterr(s, "rollup read");
		return -1;
	}
	if (rc ==
	    SQLITE_DONE) /* every id up to hi was read (ids of rolled-back inserts are gaps) */
		*last = hi;
	return 0;
nomem:
	sqlite3_finalize(st);
	(void)snprintf(s->err, sizeof s->err, "rollup: out of memory");
	return -1;
}

/* Write the maps: hourly and daily rows per sensor, and the all-sensor daily rows from the
 * differences each daily row makes (its packets, the growth of its source count, and one more
 * sensor when the row is new). Fills the touched days. */
static int rollup_write(struct sqlite_store *s, int64_t off, struct aggmap *hour,
			struct aggmap *day, struct aggmap *src, int64_t **days, size_t *n_days)
{
	int ret = -1;
	struct aggmap all = {0}, month = {0}, src_all = {0}, src_month = {0};
	sqlite3_stmt *up_h = NULL, *old_d = NULL, *up_d = NULL, *up_a = NULL, *up_s = NULL;
	sqlite3_stmt *up_m = NULL, *up_sa = NULL, *up_sm = NULL;
	size_t cap_days = 0;
	*days = NULL;
	*n_days = 0;
	up_h =
	    db_prepare(s->db,
		       "INSERT INTO obs_port_hour VALUES(?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
		       " packets = packets + excluded.packets,"
		       " sources = max(sources, excluded.sources),"
		       " destinations = max(destinations, excluded.destinations)",
		       s->err, sizeof s->err);
	old_d = db_prepare(s->db,
			   "SELECT sources FROM obs_port_day"
			   " WHERE sensor_id = ? AND t = ? AND proto = ? AND port = ?",
			   s->err, sizeof s->err);
	up_d = db_prepare(s->db,
			  "INSERT INTO obs_port_day VALUES(?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
			  " packets = packets + excluded.packets,"
			  " sources = max(sources, excluded.sources),"
			  " destinations = max(destinations, excluded.destinations)",
			  s->err, sizeof s->err);
	up_a =
	    db_prepare(s->db,
		       "INSERT INTO obs_port_day_all VALUES(?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
		       " packets = packets + excluded.packets,"
		       " sources = sources + excluded.sources,"
		       " sensors = sensors + excluded.sensors",
		       s->err, sizeof s->err);
	up_s = db_prepare(
	    s->db,
	    "INSERT INTO obs_src_day VALUES(?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
	    " packets = packets + excluded.packets, sources = sources + excluded.sources",
	    s->err, sizeof s->err);
	if (!up_h || !old_d || !up_d || !up_a || !up_s)
		goto out;
	size_t n = agg_sorted(hour, agg_cmp_port);
	for (size_t i = 0; i < n; i++) {
		const struct agg *e = &hour->v[i];
		sqlite3_reset(up_h);
		sqlite3_bind_int64(up_h, 1, e->sensor);
		sqlite3_bind_int64(up_h, 2, e->t);
		sqlite3_bind_int(up_h, 3, e->proto);
		sqlite3_bind_int(up_h, 4, e->port);
		bind_u64(up_h, 5, e->packets);
		bind_u64(up_h, 6, e->sources);
		bind_u64(up_h, 7, e->destinations);
		if (sqlite3_step(up_h) != SQLITE_DONE) {
			seterr(s, "hourly rollup");
			goto out;
		}
	}
	n = agg_sorted(day, agg_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct agg *e = &day->v[i];
		if (*n_days == 0 || (*days)[*n_days - 1] != e->t) {
			bool seen = false;
			for (size_t k = 0; k < *n_days && !seen; k++)
				seen = (*days)[k] == e->t;
			if (!seen) {
				if (!grow((void **)days, &cap_days, *n_days, sizeof **days))
					goto nomem;
				(*days)[(*n_days)++] = e->t;
			}
		}
		sqlite3_reset(old_d);
		sqlite3_bind_int64(old_d, 1, e->sensor);
		sqlite3_bind_int64(old_d, 2, e->t);
		sqlite3_bind_int(old_d, 3, e->proto);
		sqlite3_bind_int(old_d, 4, e->port);
		int rc = sqlite3_step(old_d);
		bool existed = rc == SQLITE_ROW;
		uint64_t old_src = existed ? col_u64(old_d, 0) : 0;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			seterr(s, "daily rollup");
			goto out;
		}
		sqlite3_reset(up_d);
		sqlite3_bind_int64(up_d, 1, e->sensor);
		sqlite3_bind_int64(up_d, 2, e->t);
		sqlite3_bind_int(up_d, 3, e->proto);
		sqlite3_bind_int(up_d, 4, e->port);
		bind_u64(up_d, 5, e->packets);
		bind_u64(up_d, 6, e->sources);
		bind_u64(up_d, 7, e->destinations);
		if (sqlite3_step(up_d) != SQLITE_DONE) {
			seterr(s, "daily rollup");
			goto out;
		}
		struct agg *a = agg_get(&all, 0, e->t, e->proto, e->port);
		if (!a)
			goto nomem;
		uint64_t dsrc = e->sources > old_src ? e->sources - old_src : 0;
		a->packets += e->packets;
		a->sources += dsrc;
		a->sensors += !existed;
		a = agg_get(&month, 0, floor_month(e->t, off), e->proto, e->port);
		if (!a)
			goto nomem;
		a->packets += e->packets;
		a->sources += dsrc;
	}
	n = agg_sorted(&all, agg_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct agg *e = &all.v[i];
		sqlite3_reset(up_a);
		sqlite3_bind_int64(up_a, 1, e->t);
		sqlite3_bind_int(up_a, 2, e->proto);
		sqlite3_bind_int(up_a, 3, e->port);
		bind_u64(up_a, 4, e->packets);
		bind_u64(up_a, 5, e->sources);
		bind_u64(up_a, 6, e->sensors);
		if (sqlite3_step(up_a) != SQLITE_DONE) {
			seterr(s, "all-sensor rollup");
			goto out;
		}
	}
	up_m = db_prepare(
	    s->db,
	    "INSERT INTO obs_port_month_all VALUES(?,?,?,?,?) ON CONFLICT DO UPDATE SET"
	    " packets = packets + excluded.packets, sources = sources + excluded.sources",
	    s->err, sizeof s->err);
	up_sa = db_prepare(
	    s->db,
	    "INSERT INTO obs_src_day_all VALUES(?,?,?,?,?) ON CONFLICT DO UPDATE SET"
	    " packets = packets + excluded.packets, sources = sources + excluded.sources",
	    s->err, sizeof s->err);
	up_sm = db_prepare(
	    s->db,
	    "INSERT INTO obs_src_month_all VALUES(?,?,?,?,?) ON CONFLICT DO UPDATE SET"
	    " packets = packets + excluded.packets, sources = sources + excluded.sources",
	    s->err, sizeof s->err);
	if (!up_m || !up_sa || !up_sm)
		goto out;
	n = agg_sorted(&month, agg_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct agg *e = &month.v[i];
		sqlite3_reset(up_m);
		sqlite3_bind_int64(up_m, 1, e->t);
		sqlite3_bind_int(up_m, 2, e->proto);
		sqlite3_bind_int(up_m, 3, e->port);
		bind_u64(up_m, 4, e->packets);
		bind_u64(up_m, 5, e->sources);
		if (sqlite3_step(up_m) != SQLITE_DONE) {
			seterr(s, "monthly rollup");
			goto out;
		}
	}
	n = agg_sorted(src, agg_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct agg *e = &src->v[i];
		struct agg *a = agg_get2(&src_all, 0, e->t, 0, 0, e->cc, e->asn);
		struct agg *b =
		    agg_get2(&src_month, 0, floor_month(e->t, off), 0, 0, e->cc, e->asn);
		if (!a || !b)
			goto nomem;
		a->packets += e->packets;
		a->sources += e->sources;
		b->packets += e->packets;
		b->sources += e->sources;
	}
	for (int which = 0; which < 2; which++) {
		struct aggmap *m = which ? &src_month : &src_all;
		sqlite3_stmt *up = which ? up_sm : up_sa;
		size_t k = agg_sorted(m, agg_cmp);
		for (size_t i = 0; i < k; i++) {
			const struct agg *e = &m->v[i];
			char cc[3] = {(char)(e->cc >> 8), (char)(e->cc & 0xff), 0};
			sqlite3_reset(up);
			sqlite3_bind_int64(up, 1, e->t);
			sqlite3_bind_text(up, 2, cc, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(up, 3, e->asn);
			bind_u64(up, 4, e->packets);
			bind_u64(up, 5, e->sources);
			if (sqlite3_step(up) != SQLITE_DONE) {
				seterr(s, "source rollup");
				goto out;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct agg *e = &src->v[i];
		char cc[3] = {(char)(e->cc >> 8), (char)(e->cc & 0xff), 0};
		sqlite3_reset(up_s);
		sqlite3_bind_int64(up_s, 1, e->sensor);
		sqlite3_bind_int64(up_s, 2, e->t);
		sqlite3_bind_text(up_s, 3, cc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up_s, 4, e->asn);
		bind_u64(up_s, 5, e->packets);
		bind_u64(up_s, 6, e->sources);
		if (sqlite3_step(up_s) != SQLITE_DONE) {
			seterr(s, "source rollup");
			goto out;
		}
	}
	ret = 0;
	goto out;
nomem:
	(void)snprintf(s->err, sizeof s->err, "rollup: out of memory");
out:
	sqlite3_finalize(up_s);
	sqlite3_finalize(up_m);
	sqlite3_finalize(up_sa);
	sqlite3_finalize(up_sm);
	free(month.v);
	free(src_all.v);
	free(src_month.v);
	free(all.v);
	sqlite3_finalize(up_h);
	sqlite3_finalize(old_d);
	sqlite3_finalize(up_d);
	sqlite3_finalize(up_a);
	return ret;
}

static int day_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int st_rollup(struct obs_store *base, int64_t off, const struct obs_retention *keep,
		     int64_t now, size_t max_records, struct obs_rollup_report *out)
{
	struct sqlite_store *s = S(base);
	memset(out, 0, sizeof *out);
	int64_t wm, hi = 0;
	struct aggmap hour = {0}, day = {0}, src = {0};
	int64_t *days = NULL;
	size_t n_days = 0;
	if (db_exec(s->db, "BEGIN IMMEDIATE", s->err, sizeof s->err) != 0)
		return -1;
	if (state_get(s, "rolled", &wm) != 0)
		goto fail;
	/* day buckets already made in one zone cannot be mixed with another's */
	{
		sqlite3_stmt *st =
		    db_prepare(s->db, "SELECT value FROM obs_state WHERE key = 'tz_offset'", s->err,
			       sizeof s->err);
		if (!st)
			goto fail;
		int rc = sqlite3_step(st);
		int64_t have = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE) {
			if (state_set(s, "tz_offset", off) != 0)
				goto fail;
		} else if (rc != SQLITE_ROW) {
			seterr(s, "state");
			goto fail;
		} else if (have != off) {
			(void)snprintf(s->err, sizeof s->err,
				       "the database's day buckets are in UTC%+lld:%02lld; "
				       "[stats] timezone must stay the same",
				       (long long)(have / 3600),
				       (long long)(llabs(have) % 3600 / 60));
			goto fail;
		}
	}
	{
		sqlite3_stmt *st =
		    db_prepare(s->db, "SELECT MAX(id) FROM obs_records", s->err, sizeof s->err);
		if (!st)
			goto fail;
		if (sqlite3_step(st) == SQLITE_ROW)
			hi = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (hi > wm + (int64_t)max_records)
		hi = wm + (int64_t)max_records;
	int64_t hour_cut = keep->hour_days ? now - (int64_t)keep->hour_days * 86400 : INT64_MIN;
	int64_t day_cut = keep->day_days ? now - (int64_t)keep->day_days * 86400 : INT64_MIN;
	if (hi > wm) {
		/* ports: aggregated here; the rest: in SQL over the same records */
		if (rollup_read(s, wm, hi, off, hour_cut, day_cut, &hour, &day, &src, &hi) != 0 ||
		    rollup_write(s, off, &hour, &day, &src, &days, &n_days) != 0)
			goto fail;
		int64_t p[] = {wm, hi, off};
		int64_t cuts[] = {hour_cut, day_cut};
		if (db_exec(s->db,
			    "CREATE TEMP TABLE IF NOT EXISTS nr(id INTEGER PRIMARY KEY,"
			    " sensor_id INTEGER, h INTEGER, d INTEGER); DELETE FROM temp.nr;",
			    s->err, sizeof s->err) != 0 ||
		    exec_i(s,
			   "INSERT INTO temp.nr SELECT id, sensor_id, start - start % 3600,"
			   " (start + ?3) - (start + ?3) % 86400 - ?3"
			   " FROM obs_records WHERE id > ?1 AND id <= ?2",
			   3, p) != 0)
			goto fail;
		static const char *const sensor_roll =
		    "INSERT INTO %s SELECT n.sensor_id, n.%c, COUNT(*), SUM(r.end - r.start),"
		    " SUM(r.packets), SUM(r.tcp), SUM(r.udp), SUM(r.icmp), SUM(r.icmp6),"
		    " SUM(r.other), SUM(r.probe), SUM(r.backscatter), SUM(r.kernel_drops),"
		    " SUM(r.if_drops) FROM temp.nr n JOIN obs_records r ON r.id = n.id"
		    " WHERE n.%c >= ?%d GROUP BY 1, 2 ON CONFLICT DO UPDATE SET"
		    " records = records + excluded.records, seconds = seconds + excluded.seconds,"
		    " packets = packets + excluded.packets, tcp = tcp + excluded.tcp,"
		    " udp = udp + excluded.udp, icmp = icmp + excluded.icmp,"
		    " icmp6 = icmp6 + excluded.icmp6, other = other + excluded.other,"
		    " probe = probe + excluded.probe,"
		    " backscatter = backscatter + excluded.backscatter,"
		    " kernel_drops = kernel_drops + excluded.kernel_drops,"
		    " if_drops = if_drops + excluded.if_drops";
		char sql[1200];
		(void)snprintf(sql, sizeof sql, sensor_roll, "obs_sensor_hour", 'h', 'h', 1);
		if (exec_i(s, sql, 2, cuts) != 0)
			goto fail;
		(void)snprintf(sql, sizeof sql, sensor_roll, "obs_sensor_day", 'd', 'd', 2);
		if (exec_i(s, sql, 2, cuts) != 0 ||
		    exec_i(s,
			   "INSERT OR REPLACE INTO obs_day_all SELECT t, COUNT(*), SUM(records),"
			   " SUM(seconds), SUM(packets), SUM(tcp), SUM(udp), SUM(icmp), SUM(icmp6),"
			   " SUM(other), SUM(probe), SUM(backscatter), SUM(kernel_drops),"
			   " SUM(if_drops) FROM obs_sensor_day"
			   " WHERE t IN (SELECT DISTINCT d FROM temp.nr WHERE d >= ?2) GROUP BY t",
			   2, cuts) != 0)
			goto fail;
		if (n_days)
			qsort(days, n_days, sizeof *days, day_cmp);
		if (surges_for_days(s, days, n_days) != 0)
			goto fail;
		out->days = n_days;
		out->records = (uint64_t)(hi - wm);
		int64_t gen;
		if (state_set(s, "rolled", hi) != 0 || state_get(s, "generation", &gen) != 0 ||
		    state_set(s, "generation", gen + 1) != 0)
			goto fail;
	}

	/* retention, at most once an hour */
	int64_t last_ret;
	if (state_get(s, "retention_at", &last_ret) != 0)
		goto fail;
	if (now - last_ret >= 3600) {
		int before = sqlite3_total_changes(s->db);
		int64_t icut[] = {keep->interval_days ? now - (int64_t)keep->interval_days * 86400
						      : INT64_MIN,
				  hour_cut, day_cut};
		/* the per-record lists go; the record rows stay: they are the keys that make a
		 * re-sent record a duplicate */
		if (exec_i(s,
			   "UPDATE obs_records SET ports = x'', top = x''"
			   " WHERE start < ?1 AND (length(ports) > 0 OR length(top) > 0)",
			   1, icut) != 0 ||
		    exec_i(s, "DELETE FROM obs_port_hour WHERE t < ?2", 2, icut) != 0 ||
		    exec_i(s, "DELETE FROM obs_sensor_hour WHERE t < ?2", 2, icut) != 0 ||
		    exec_i(s, "DELETE FROM obs_port_day WHERE t < ?3", 3, icut) != 0 ||
		    exec_i(s, "DELETE FROM obs_port_day_all WHERE t < ?3", 3, icut) != 0 ||
		    exec_i(s, "DELETE FROM obs_src_day WHERE t < ?3", 3, icut) != 0 ||
		    exec_i(s, "DELETE FROM obs_src_day_all WHERE t < ?3", 3, icut) != 0 ||
		    exec_i(s, "DELETE FROM obs_day_all WHERE t < ?3", 3, icut) != 0 ||
		    state_set(s, "retention_at", now) != 0)
			goto fail;
		out->deleted = (uint64_t)(sqlite3_total_changes(s->db) - before - 1);
	}
	if (db_exec(s->db, "COMMIT", s->err, sizeof s->err) != 0)
		goto fail;
	free(hour.v);
	free(day.v);
	free(src.v);
	free(days);
	return 0;
fail:
	free(hour.v);
	free(day.v);
	free(src.v);
	free(days);
	st_rollback(base);
	return -1;
}

/* ---- administration --------------------------------------------------------------------- */

static int step_done(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		seterr(s, what);
		sqlite3_finalize(st);
		return rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST : -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int st_org_add(struct obs_store *base, const char *name)
{
	struct sqlite_store *s = S(base);
	sqlite3_stmt *st =
	    db_prepare(s->db, "INSERT INTO obs_orgs(name, created) VALUES(?, unixepoch())", s->err,
		       sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return step_done(s, st, "add organisation");
}

static int st_sensor_add(struct obs_store *base, const char *name, const char *org,
			 const char *region, const char *location, const char *prefixes,
			 const uint8_t hash[32])
{
	struct sqlite_store *s = S(base);
	sqlite3_stmt *st = db_prepare(
	    s->db,
	    "INSERT INTO obs_sensors(name, org_id, region, location, prefixes, token_hash,"
	    " created) SELECT ?, id, ?, ?, ?, ?, unixepoch() FROM obs_orgs WHERE name = ?",
	    s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, region ? region : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, location ? location : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, prefixes ? prefixes : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 5, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, org, -1, SQLITE_TRANSIENT);
	int rc = step_done(s, st, "add sensor");
	if (rc == 0 && sqlite3_changes(s->db) == 0) {
		(void)snprintf(s->err, sizeof s->err, "no organisation named %s", org);
		return -ENOENT;
	}
	return rc;
}

static int st_sensor_set_token(struct obs_store *base, const char *name, const uint8_t hash[32])
{
	struct sqlite_store *s = S(base);
	sqlite3_stmt *st = db_prepare(s->db, "UPDATE obs_sensors SET token_hash = ? WHERE name = ?",
				      s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	int rc = step_done(s, st, "set token");
	if (rc == 0 && sqlite3_changes(s->db) == 0) {
		(void)snprintf(s->err, sizeof s->err, "no sensor named %s", name);
		return -ENOENT;
	}
	return rc;
}

static int st_sensor_enable(struct obs_store *base, const char *name, bool enabled)
{
	struct sqlite_store *s = S(base);
	sqlite3_stmt *st = db_prepare(s->db, "UPDATE obs_sensors SET enabled = ? WHERE name = ?",
				      s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, enabled);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	int rc = step_done(s, st, "enable sensor");
	if (rc == 0 && sqlite3_changes(s->db) == 0) {
		(void)snprintf(s->err, sizeof s->err, "no sensor named %s", name);
		return -ENOENT;
	}
	return rc;
}

static int st_sensor_by_token(struct obs_store *base, const uint8_t hash[32],
			      struct obs_sensor_ref *out)
{
	struct sqlite_store *s = S(base);
	sqlite3_stmt *st = stmt(s, ST_BY_TOKEN);
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		(void)snprintf(out->name, sizeof out->name, "%s",
			       (const char *)sqlite3_column_text(st, 1));
		out->enabled = sqlite3_column_int(st, 2) != 0;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		seterr(s, "token");
		ret = -1;
	}
	sqlite3_reset(st);
	return ret;
}

static int id_by_name(struct sqlite_store *s, const char *sql, const char *name, int64_t *id)
{
	sqlite3_stmt *st = db_prepare(s->db, sql, s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	int ret = 1;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		seterr(s, "lookup");
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

static int st_sensor_id(struct obs_store *base, const char *name, int64_t *id)
{
	return id_by_name(S(base), "SELECT id FROM obs_sensors WHERE name = ?", name, id);
}

static int st_org_id(struct obs_store *base, const char *name, int64_t *id)
{
	return id_by_name(S(base), "SELECT id FROM obs_orgs WHERE name = ?", name, id);
}

static void col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	(void)snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static uint64_t col_u64(sqlite3_stmt *st, int i)
{
	int64_t v = sqlite3_column_int64(st, i);
	return v < 0 ? 0 : (uint64_t)v;
}

/* Grow *arr (of elem-size entries) to hold at least n + 1; false on out-of-memory. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 64, bytes;
	if (!ckd_size_mul(nc, elem, &bytes))
		return false;
	void *p = realloc(*arr, bytes);
	if (!p)
		return false;
	*arr = p;
	*cap = nc;
	return true;
}

static int st_sensors(struct obs_store *base, int64_t now, struct obs_sensor_info **out,
		      size_t *n_out)
{
	struct sqlite_store *s = S(base);
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = db_prepare(
	    s->db,
	    "SELECT s.id, s.name, o.name, s.region, s.location, s.prefixes, s.enabled, s.created,"
	    " l.received, l.start, l.end, l.interval,"
	    " (SELECT COUNT(*) FROM obs_records r WHERE r.sensor_id = s.id AND r.start >= ?1),"
	    " (SELECT TOTAL(r.end - r.start) FROM obs_records r"
	    "   WHERE r.sensor_id = s.id AND r.start >= ?1),"
	    " (SELECT TOTAL(r.kernel_drops) FROM obs_records r"
	    "   WHERE r.sensor_id = s.id AND r.start >= ?1),"
	    " (SELECT TOTAL(r.if_drops) FROM obs_records r"
	    "   WHERE r.sensor_id = s.id AND r.start >= ?1)"
	    " FROM obs_sensors s JOIN obs_orgs o ON o.id = s.org_id"
	    " LEFT JOIN obs_records l ON l.id = (SELECT id FROM obs_records r"
	    "   WHERE r.sensor_id = s.id ORDER BY r.start DESC LIMIT 1)"
	    " ORDER BY s.name",
	    s->err, sizeof s->err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now - 86400);
	size_t cap = 0, n = 0;
	struct obs_sensor_info *v = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)&v, &cap, n, sizeof *v)) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct obs_sensor_info *x = &v[n++];
		memset(x, 0, sizeof *x);
		x->id = sqlite3_column_int64(st, 0);
		col_text(st, 1, x->name, sizeof x->name);
		col_text(st, 2, x->org, sizeof x->org);
		col_text(st, 3, x->region, sizeof x->region);
		col_text(st, 4, x->location, sizeof x->location);
		col_text(st, 5, x->prefixes, sizeof x->prefixes);
		x->enabled = sqlite3_column_int(st, 6) != 0;
		x->created = sqlite3_column_int64(st, 7);
		x->last_received = sqlite3_column_int64(st, 8);
		x->last_start = sqlite3_column_int64(st, 9);
		x->last_end = sqlite3_column_int64(st, 10);
		x->interval = (uint32_t)sqlite3_column_int(st, 11);
		x->records_24h = col_u64(st, 12);
		x->seconds_24h = (uint64_t)sqlite3_column_double(st, 13);
		x->kernel_drops_24h = (uint64_t)sqlite3_column_double(st, 14);
		x->if_drops_24h = (uint64_t)sqlite3_column_double(st, 15);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		(void)snprintf(s->err, sizeof s->err, "sensors: %s",
			       rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(s->db));
		return -1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int st_orgs(struct obs_store *base, struct obs_org_info **out, size_t *n_out)
{
	struct sqlite_store *s = S(base);
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st = db_prepare(s->db,
				      "SELECT o.id, o.name, (SELECT COUNT(*) FROM obs_sensors s"
				      " WHERE s.org_id = o.id) FROM obs_orgs o ORDER BY o.name",
				      s->err, sizeof s->err);
	if (!st)
		return -1;
	size_t cap = 0, n = 0;
	struct obs_org_info *v = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)&v, &cap, n, sizeof *v)) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct obs_org_info *x = &v[n++];
		x->id = sqlite3_column_int64(st, 0);
		col_text(st, 1, x->name, sizeof x->name);
		x->sensors = col_u64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		seterr(s, "organisations");
		return -1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* ---- statistics ------------------------------------------------------------------------- */

void obs_series_done(struct obs_series *x)
{
	if (!x)
		return;
	free(x->t);
	free(x->sensors);
	free(x->v);
	memset(x, 0, sizeof *x);
}

static int64_t floor_day(int64_t t, int64_t off)
{
	int64_t l = t + off, r = l % 86400;
	if (r < 0)
		r += 86400;
	return l - r - off;
}

/* The start of the zone's calendar month that holds t. */
static int64_t floor_month(int64_t t, int64_t off)
{
	time_t local = (time_t)(t + off);
	struct tm tm;
	if (!gmtime_r(&local, &tm))
		return floor_day(t, off);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)timegm(&tm) - off;
}

static int64_t floor_bucket(int64_t t, int64_t bucket, int64_t off)
{
	if (bucket == 86400)
		return floor_day(t, off);
	int64_t r = t % bucket;
	if (r < 0)
		r += bucket;
	return t - r;
}

/* Condition on a table with a sensor_id column: ?3 is the sensor, ?4 the organisation. */
static const char *sensor_cond(const struct obs_filter *f)
{
	if (f->sensor_id)
		return " AND sensor_id = ?3";
	if (f->org_id)
		return " AND sensor_id IN (SELECT id FROM obs_sensors WHERE org_id = ?4)";
	return "";
}

/* Prepare SQL built from fixed fragments (never from request data) and bind the filter:
 * ?1 from, ?2 to, ?3 sensor, ?4 organisation, ?5 protocol. */
static sqlite3_stmt *__attribute__((format(printf, 4, 5)))
prepare_f(struct sqlite_store *s, const struct obs_filter *f, int64_t from, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is just above */
	int k = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof sql) {
		(void)snprintf(s->err, sizeof s->err, "query too long");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		seterr(s, "query");
		sqlite3_finalize(st);
		return NULL;
	}
	/* binding a number the statement does not use is harmless (SQLITE_RANGE) */
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, f->to);
	sqlite3_bind_int64(st, 3, f->sensor_id);
	sqlite3_bind_int64(st, 4, f->org_id);
	sqlite3_bind_int(st, 5, f->proto);
	return st;
}

static int st_generation(struct obs_store *base, int64_t *gen)
{
	return state_get(S(base), "generation", gen);
}

static int64_t next_month(int64_t m, int64_t off)
{
	return floor_month(m + (int64_t)32 * 86400, off);
}

/* Split the days [start, to) into whole months [m1, m2) and the days before and after them
 * ([start, m1), [m2, to)). Without a whole month, m1 = m2 = to. */
static void split_months(int64_t start, int64_t to, int64_t off, int64_t *m1, int64_t *m2)
{
	int64_t m = floor_month(start, off);
	if (m < start)
		m = next_month(m, off);
	int64_t e = m;
	while (next_month(e, off) <= to)
		e = next_month(e, off);
	if (e == m)
		m = e = to;
	*m1 = m;
	*m2 = e;
}

#define TA_MAX_LISTS 256
#define TA_MAX_K     200

struct ta_list {
	sqlite3_stmt *st;
	uint64_t cur;
	bool done;
};

/* Packets and sources of one port over the range, from the monthly and daily tables. */
static int ta_total(struct sqlite_store *s, sqlite3_stmt *q, int64_t start, int64_t m1, int64_t m2,
		    int64_t to, uint32_t key, uint64_t *packets, uint64_t *sources)
{
	sqlite3_reset(q);
	sqlite3_bind_int(q, 1, (int)(key >> 16));
	sqlite3_bind_int(q, 2, (int)(key & 0xffff));
	sqlite3_bind_int64(q, 3, m1);
	sqlite3_bind_int64(q, 4, m2);
	sqlite3_bind_int64(q, 5, start);
	sqlite3_bind_int64(q, 6, to);
	if (sqlite3_step(q) != SQLITE_ROW) {
		seterr(s, "top ports");
		return -1;
	}
	*packets = col_u64(q, 0);
	*sources = col_u64(q, 1);
	return 0;
}

static int rank_cmp(const void *a, const void *b)
{
	const struct obs_port_rank *x = a, *y = b;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* The top k ports of all sensors over [start, to) by the threshold algorithm (Fagin, Lotem
 * and Naor): each month's and each edge day's ports are read in descending order of packets
 * (an index gives that order), every port met is totalled exactly over the whole range, and
 * the reading stops as soon as the k-th total is above the sum of the values the lists are at
 * — no port not yet met can reach it. On darknet traffic, where a few ports carry most
 * packets, that is after a few rows of each list instead of every row of the range.
 * Returns 1 when the range needs too many lists or k is too large (the caller sums instead). */
static int top_ports_ta(struct sqlite_store *s, const struct obs_filter *f, int64_t start, size_t k,
			struct obs_port_rank *top, size_t *n_top)
{
	int64_t off = f->tz_offset, m1, m2;
	split_months(start, f->to, off, &m1, &m2);
	struct ta_list lists[TA_MAX_LISTS];
	size_t nl = 0;
	int ret = -1;
	*n_top = 0;
	if (k == 0)
		return 0;
	if (k > TA_MAX_K)
		return 1;
	for (int64_t t = start; t < f->to;) {
		bool month = t >= m1 && t < m2; /* one list per whole month */
		if (nl == TA_MAX_LISTS) {
			ret = 1;
			goto out;
		}
		char sql[200];
		(void)snprintf(sql, sizeof sql,
			       "SELECT proto, port, packets FROM %s WHERE t = ?%s"
			       " ORDER BY packets DESC",
			       month ? "obs_port_month_all" : "obs_port_day_all",
			       f->proto >= 0 ? " AND proto = ?2" : "");
		lists[nl].st = db_prepare(s->db, sql, s->err, sizeof s->err);
		if (!lists[nl].st)
			goto out;
		sqlite3_bind_int64(lists[nl].st, 1, t);
		if (f->proto >= 0)
			sqlite3_bind_int(lists[nl].st, 2, f->proto);
		lists[nl].cur = 0;
		lists[nl].done = false;
		nl++;
		t = month ? next_month(t, off) : t + 86400;
	}
	sqlite3_stmt *q = db_prepare(
	    s->db,
	    "SELECT (SELECT TOTAL(packets) FROM obs_port_month_all WHERE proto = ?1 AND port = ?2"
	    "  AND t >= ?3 AND t < ?4) + (SELECT TOTAL(packets) FROM obs_port_day_all"
	    "  WHERE proto = ?1 AND port = ?2 AND ((t >= ?5 AND t < ?3) OR (t >= ?4 AND t < ?6))),"
	    " (SELECT TOTAL(sources) FROM obs_port_month_all WHERE proto = ?1 AND port = ?2"
	    "  AND t >= ?3 AND t < ?4) + (SELECT TOTAL(sources) FROM obs_port_day_all"
	    "  WHERE proto = ?1 AND port = ?2 AND ((t >= ?5 AND t < ?3) OR (t >= ?4 AND t < ?6)))",
	    s->err, sizeof s->err);
	if (!q)
		goto out;
	struct aggmap seen = {0}; /* the ports met so far */
	for (;;) {
		uint64_t thresh = 0;
		bool any = false;
		for (size_t i = 0; i < nl; i++) {
			if (lists[i].done)
				continue;
			int rc = sqlite3_step(lists[i].st);
			if (rc != SQLITE_ROW) {
				lists[i].done = true;
				lists[i].cur = 0;
				if (rc != SQLITE_DONE) {
					seterr(s, "top ports");
					goto fail;
				}
				continue;
			}
			any = true;
			uint32_t key = (uint32_t)sqlite3_column_int(lists[i].st, 0) << 16 |
				       (uint32_t)sqlite3_column_int(lists[i].st, 1);
			lists[i].cur = col_u64(lists[i].st, 2);
			thresh += lists[i].cur;
			struct agg *met =
			    agg_get(&seen, 0, 0, (uint8_t)(key >> 16), (uint16_t)(key & 0xffff));
			if (!met) {
				(void)snprintf(s->err, sizeof s->err, "top ports: out of memory");
				goto fail;
			}
			if (met->sensors) /* met before */
				continue;
			met->sensors = 1;
			struct obs_port_rank r = {.proto = (uint8_t)(key >> 16),
						  .port = (uint16_t)(key & 0xffff)};
			if (ta_total(s, q, start, m1, m2, f->to, key, &r.packets, &r.sources) != 0)
				goto fail;
			/* keep the best k, in order */
			if (*n_top < k || rank_cmp(&r, &top[*n_top - 1]) < 0) {
				size_t j = *n_top < k ? (*n_top)++ : k - 1;
				while (j > 0 && rank_cmp(&r, &top[j - 1]) < 0) {
					top[j] = top[j - 1];
					j--;
				}
				top[j] = r;
			}
		}
		if (!any)
			break;
		/* a port not met yet has at most thresh packets; ties are broken by protocol and
		 * port, so stop only when the k-th is strictly above */
		if (*n_top == k && top[k - 1].packets > thresh)
			break;
	}
	ret = 0;
fail:
	free(seen.v);
	sqlite3_finalize(q);
out:
	for (size_t i = 0; i < nl; i++)
		sqlite3_finalize(lists[i].st);
	return ret;
}

static int st_top_ports(struct obs_store *base, const struct obs_filter *f, size_t offset, size_t n,
			struct obs_port_rank **out, size_t *n_out, uint64_t *sensor_days,
			uint64_t *sensors)
{
	struct sqlite_store *s = S(base);
	*out = NULL;
	*n_out = 0;
	int64_t from = floor_day(f->from, f->tz_offset);
	bool all = !f->sensor_id && !f->org_id;
	if (all && n > 0) {
		size_t k = offset + n, got = 0;
		struct obs_port_rank *top = k <= TA_MAX_K ? calloc(k, sizeof *top) : NULL;
		int r = top ? top_ports_ta(s, f, from, k, top, &got) : 1;
		if (r < 0) {
			free(top);
			return -1;
		}
		if (r == 0) {
			size_t m = got > offset ? got - offset : 0;
			struct obs_port_rank *v = calloc(m + 1, sizeof *v);
			if (!v) {
				free(top);
				return -1;
			}
			if (m)
				memcpy(v, top + offset, m * sizeof *v);
			free(top);
			*out = v;
			*n_out = m;
			goto counts;
		}
		free(top);
	}
	sqlite3_stmt *st =
	    prepare_f(s, f, from,
		      "SELECT proto, port, SUM(packets) AS p, SUM(sources) FROM %s"
		      " WHERE t >= ?1 AND t < ?2%s%s GROUP BY proto, port"
		      " ORDER BY p DESC, proto, port LIMIT ?6 OFFSET ?7",
		      all ? "obs_port_day_all" : "obs_port_day", all ? "" : sensor_cond(f),
		      f->proto >= 0 ? " AND proto = ?5" : "");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 6, (int64_t)n);
	sqlite3_bind_int64(st, 7, (int64_t)offset);
	struct obs_port_rank *v = n ? calloc(n, sizeof *v) : NULL;
	if (n && !v) {
		sqlite3_finalize(st);
		return -1;
	}
	size_t k = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < n) {
		v[k].proto = (uint8_t)sqlite3_column_int(st, 0);
		v[k].port = (uint16_t)sqlite3_column_int(st, 1);
		v[k].packets = col_u64(st, 2);
		v[k].sources = col_u64(st, 3);
		k++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(v);
		seterr(s, "top ports");
		return -1;
	}
	*out = v;
	*n_out = k;
counts:
	st = prepare_f(
	    s, f, from,
	    "SELECT %s, (SELECT COUNT(*) FROM obs_sensors s WHERE EXISTS (SELECT 1"
	    " FROM obs_sensor_day d WHERE d.sensor_id = s.id AND d.t >= ?1 AND d.t < ?2)%s)",
	    all		   ? "(SELECT TOTAL(sensors) FROM obs_day_all WHERE t >= ?1 AND t < ?2)"
	    : f->sensor_id ? "(SELECT COUNT(*) FROM obs_sensor_day WHERE t >= ?1 AND t < ?2"
			     " AND sensor_id = ?3)"
			   : "(SELECT COUNT(*) FROM obs_sensor_day WHERE t >= ?1 AND t < ?2"
			     " AND sensor_id IN (SELECT id FROM obs_sensors WHERE org_id = ?4))",
	    f->sensor_id ? " AND s.id = ?3"
	    : f->org_id	 ? " AND s.org_id = ?4"
			 : "");
	if (!st) {
		free(*out);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	*sensor_days = *sensors = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*sensor_days = col_u64(st, 0);
		*sensors = col_u64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

static int series_init(struct obs_series *x, const struct obs_filter *f, int64_t bucket,
		       size_t cols)
{
	memset(x, 0, sizeof *x);
	int64_t first = floor_bucket(f->from, bucket, f->tz_offset);
	if (f->to <= first)
		return 0;
	size_t n = (size_t)((f->to - first + bucket - 1) / bucket), cells;
	if (n > 100000 || !ckd_size_mul(n, cols ? cols : 1, &cells))
		return -1;
	x->t = calloc(n, sizeof *x->t);
	x->sensors = calloc(n, sizeof *x->sensors);
	x->v = calloc(cells, sizeof *x->v);
	if (!x->t || !x->sensors || !x->v) {
		obs_series_done(x);
		return -1;
	}
	x->n = n;
	x->n_cols = cols;
	for (size_t i = 0; i < n; i++)
		x->t[i] = first + (int64_t)i * bucket;
	for (size_t i = 0; i < cells; i++)
		x->v[i] = UINT64_MAX;
	return 0;
}

static bool bucket_index(const struct obs_series *x, int64_t bucket, int64_t t, size_t *i)
{
	if (x->n == 0 || t < x->t[0])
		return false;
	int64_t k = (t - x->t[0]) / bucket;
	if ((uint64_t)k >= x->n)
		return false;
	*i = (size_t)k;
	return true;
}

/* Fill x->sensors from the sensor table of the bucket size, and mark reported buckets 0. */
static int series_sensors(struct sqlite_store *s, const struct obs_filter *f, int64_t bucket,
			  struct obs_series *x, struct obs_series *y)
{
	if (x->n == 0)
		return 0;
	bool all = bucket == 86400 && !f->sensor_id && !f->org_id;
	sqlite3_stmt *st =
	    all ? prepare_f(s, f, x->t[0],
			    "SELECT t, sensors FROM obs_day_all WHERE t >= ?1 AND t < ?2")
		: prepare_f(s, f, x->t[0],
			    "SELECT t, COUNT(*) FROM %s WHERE t >= ?1 AND t < ?2%s GROUP BY t",
			    bucket == 86400 ? "obs_sensor_day" : "obs_sensor_hour", sensor_cond(f));
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t i;
		if (!bucket_index(x, bucket, sqlite3_column_int64(st, 0), &i))
			continue;
		x->sensors[i] = (uint32_t)sqlite3_column_int(st, 1);
		for (size_t c = 0; c < x->n_cols; c++)
			x->v[c * x->n + i] = 0;
		if (y) {
			y->sensors[i] = x->sensors[i];
			for (size_t c = 0; c < y->n_cols; c++)
				y->v[c * y->n + i] = 0;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		seterr(s, "series");
		return -1;
	}
	return 0;
}

static int st_port_series(struct obs_store *base, const struct obs_filter *f, int64_t bucket,
			  const struct obs_port_key *ports, size_t n_ports, struct obs_series *pk,
			  struct obs_series *src)
{
	struct sqlite_store *s = S(base);
	if (series_init(pk, f, bucket, n_ports) != 0 || series_init(src, f, bucket, n_ports) != 0)
		goto fail;
	if (series_sensors(s, f, bucket, pk, src) != 0)
		goto fail;
	if (pk->n == 0)
		return 0;
	bool all = !f->sensor_id && !f->org_id && bucket == 86400;
	sqlite3_stmt *st =
	    prepare_f(s, f, pk->t[0],
		      "SELECT t, SUM(packets), SUM(sources) FROM %s"
		      " WHERE proto = ?8 AND port = ?9 AND t >= ?1 AND t < ?2%s GROUP BY t",
		      all		? "obs_port_day_all"
		      : bucket == 86400 ? "obs_port_day"
					: "obs_port_hour",
		      all ? "" : sensor_cond(f));
	if (!st)
		goto fail;
	for (size_t c = 0; c < n_ports; c++) {
		sqlite3_reset(st);
		sqlite3_bind_int(st, 8, ports[c].proto);
		sqlite3_bind_int(st, 9, ports[c].port);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			size_t i;
			if (!bucket_index(pk, bucket, sqlite3_column_int64(st, 0), &i))
				continue;
			pk->v[c * pk->n + i] = col_u64(st, 1);
			src->v[c * src->n + i] = col_u64(st, 2);
		}
		if (rc != SQLITE_DONE) {
			seterr(s, "port series");
			sqlite3_finalize(st);
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return 0;
fail:
	obs_series_done(pk);
	obs_series_done(src);
	return -1;
}

static int st_totals(struct obs_store *base, const struct obs_filter *f, int64_t bucket,
		     struct obs_series *x)
{
	struct sqlite_store *s = S(base);
	if (series_init(x, f, bucket, OBS_TOTAL_COLS) != 0)
		return -1;
	if (x->n == 0)
		return 0;
	bool all = bucket == 86400 && !f->sensor_id && !f->org_id;
	sqlite3_stmt *st =
	    all ? prepare_f(s, f, x->t[0],
			    "SELECT t, sensors, packets, tcp, udp, icmp, icmp6, other, probe,"
			    " backscatter FROM obs_day_all WHERE t >= ?1 AND t < ?2")
		: prepare_f(s, f, x->t[0],
			    "SELECT t, COUNT(*), SUM(packets), SUM(tcp), SUM(udp), SUM(icmp),"
			    " SUM(icmp6), SUM(other), SUM(probe), SUM(backscatter) FROM %s"
			    " WHERE t >= ?1 AND t < ?2%s GROUP BY t",
			    bucket == 86400 ? "obs_sensor_day" : "obs_sensor_hour", sensor_cond(f));
	if (!st) {
		obs_series_done(x);
		return -1;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t i;
		if (!bucket_index(x, bucket, sqlite3_column_int64(st, 0), &i))
			continue;
		x->sensors[i] = (uint32_t)sqlite3_column_int(st, 1);
		for (size_t c = 0; c < OBS_TOTAL_COLS; c++)
			x->v[c * x->n + i] = col_u64(st, (int)c + 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		seterr(s, "totals");
		obs_series_done(x);
		return -1;
	}
	return 0;
}

static int st_top_regions(struct obs_store *base, const struct obs_filter *f, bool by_as,
			  size_t offset, size_t n, struct obs_region_rank **out, size_t *n_out,
			  uint64_t *attributed, uint64_t *all)
{
	struct sqlite_store *s = S(base);
	*out = NULL;
	*n_out = 0;
	*attributed = *all = 0;
	int64_t from = floor_day(f->from, f->tz_offset), m1, m2;
	split_months(from, f->to, f->tz_offset, &m1, &m2);
	/* all sensors: whole months from the monthly table, the days around them from the daily
	 * one (?8, ?9 are the months' bounds); otherwise the per-sensor daily rows */
	char src[400];
	if (!f->sensor_id && !f->org_id)
		(void)snprintf(
		    src, sizeof src, "%s",
		    "(SELECT cc, asn, packets, sources FROM obs_src_month_all"
		    " WHERE t >= ?8 AND t < ?9 UNION ALL SELECT cc, asn, packets, sources"
		    " FROM obs_src_day_all WHERE (t >= ?1 AND t < ?8) OR (t >= ?9 AND t < ?2))");
	else
		(void)snprintf(src, sizeof src,
			       "(SELECT cc, asn, packets, sources FROM obs_src_day"
			       " WHERE t >= ?1 AND t < ?2%s)",
			       sensor_cond(f));
	const char *attr = by_as ? "asn <> 0" : "cc <> ''";
	sqlite3_stmt *st = prepare_f(s, f, from,
				     "SELECT %s, SUM(packets) AS p, SUM(sources) FROM %s WHERE %s"
				     " GROUP BY 1 ORDER BY p DESC, 1 LIMIT ?6 OFFSET ?7",
				     by_as ? "asn" : "cc", src, attr);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 6, (int64_t)n);
	sqlite3_bind_int64(st, 7, (int64_t)offset);
	sqlite3_bind_int64(st, 8, m1);
	sqlite3_bind_int64(st, 9, m2);
	struct obs_region_rank *v = n ? calloc(n, sizeof *v) : NULL;
	if (n && !v) {
		sqlite3_finalize(st);
		return -1;
	}
	size_t k = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < n) {
		if (by_as) {
			v[k].asn = (uint32_t)sqlite3_column_int64(st, 0);
			(void)snprintf(v[k].code, sizeof v[k].code, "AS%u", v[k].asn);
		} else {
			col_text(st, 0, v[k].code, sizeof v[k].code);
		}
		v[k].packets = col_u64(st, 1);
		v[k].sources = col_u64(st, 2);
		k++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(v);
		seterr(s, "regions");
		return -1;
	}
	st = prepare_f(s, f, from,
		       "SELECT (SELECT TOTAL(packets) FROM %s WHERE %s),"
		       " (SELECT TOTAL(packets) FROM %s WHERE t >= ?1 AND t < ?2%s)",
		       src, attr, !f->sensor_id && !f->org_id ? "obs_day_all" : "obs_sensor_day",
		       sensor_cond(f));
	if (!st) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(st, 8, m1);
	sqlite3_bind_int64(st, 9, m2);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*attributed = (uint64_t)sqlite3_column_double(st, 0);
		*all = (uint64_t)sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	*out = v;
	*n_out = k;
	return 0;
}

static int st_region_series(struct obs_store *base, const struct obs_filter *f, bool by_as,
			    int64_t bucket, const char *const *codes, size_t n_codes,
			    struct obs_series *x)
{
	struct sqlite_store *s = S(base);
	(void)bucket; /* regions are kept per day */
	if (series_init(x, f, 86400, n_codes) != 0)
		return -1;
	if (series_sensors(s, f, 86400, x, NULL) != 0)
		goto fail;
	if (x->n == 0)
		return 0;
	sqlite3_stmt *st = prepare_f(s, f, x->t[0],
				     "SELECT t, SUM(packets) FROM obs_src_day"
				     " WHERE %s = ?8 AND t >= ?1 AND t < ?2%s GROUP BY t",
				     by_as ? "asn" : "cc", sensor_cond(f));
	if (!st)
		goto fail;
	for (size_t c = 0; c < n_codes; c++) {
		sqlite3_reset(st);
		if (by_as) {
			const char *a = codes[c];
			if ((a[0] == 'A' || a[0] == 'a') && (a[1] == 'S' || a[1] == 's'))
				a += 2;
			sqlite3_bind_int64(st, 8, strtoll(a, NULL, 10));
		} else {
			sqlite3_bind_text(st, 8, codes[c], -1, SQLITE_TRANSIENT);
		}
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			size_t i;
			if (bucket_index(x, 86400, sqlite3_column_int64(st, 0), &i))
				x->v[c * x->n + i] = col_u64(st, 1);
		}
		if (rc != SQLITE_DONE) {
			seterr(s, "region series");
			sqlite3_finalize(st);
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return 0;
fail:
	obs_series_done(x);
	return -1;
}

static int st_scanners(struct obs_store *base, const struct obs_filter *f, const char *tool,
		       size_t limit, struct obs_scanner_row **out, size_t *n_out)
{
	struct sqlite_store *s = S(base);
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st =
	    prepare_f(s, f, f->from,
		      "SELECT x.src, x.cc, x.asn, x.proto, x.ports, SUM(x.packets) AS p,"
		      " MAX(x.destinations), MAX(x.targets), COUNT(*), COUNT(DISTINCT r.sensor_id),"
		      " MIN(x.first), MAX(x.last), MAX(x.tool)"
		      " FROM obs_records r JOIN obs_scanners x ON x.rec = r.id"
		      " WHERE r.start >= ?1 AND r.start < ?2%s%s"
		      " GROUP BY x.src ORDER BY p DESC, x.src LIMIT ?6",
		      sensor_cond(f), tool ? " AND x.tool = ?8" : "");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 6, (int64_t)limit);
	if (tool)
		sqlite3_bind_text(st, 8, tool, -1, SQLITE_TRANSIENT);
	struct obs_scanner_row *v = NULL;
	size_t cap = 0, n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)&v, &cap, n, sizeof *v)) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct obs_scanner_row *x = &v[n++];
		memset(x, 0, sizeof *x);
		col_text(st, 0, x->src, sizeof x->src);
		col_text(st, 1, x->cc, sizeof x->cc);
		x->asn = (uint32_t)sqlite3_column_int64(st, 2);
		x->proto = (uint8_t)sqlite3_column_int(st, 3);
		col_text(st, 4, x->ports, sizeof x->ports);
		x->packets = col_u64(st, 5);
		x->destinations = col_u64(st, 6);
		x->targets = col_u64(st, 7);
		x->intervals = col_u64(st, 8);
		x->sensors = col_u64(st, 9);
		x->first_usec = sqlite3_column_int64(st, 10);
		x->last_usec = sqlite3_column_int64(st, 11);
		col_text(st, 12, x->tool, sizeof x->tool);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		seterr(s, "scanners");
		return -1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int st_dos(struct obs_store *base, const struct obs_filter *f, size_t limit,
		  struct obs_dos_row **out, size_t *n_out)
{
	struct sqlite_store *s = S(base);
	*out = NULL;
	*n_out = 0;
	/* one attack as one sensor saw it is (sensor, victim, protocol, start); its latest record
	 * has the cumulative count. Attacks on one victim and protocol seen by several sensors are
	 * combined. */
	sqlite3_stmt *st = prepare_f(
	    s, f, f->from,
	    "WITH a AS (SELECT r.sensor_id AS sid, d.victim, d.proto, d.start,"
	    "  MAX(d.packets) AS p, MAX(d.destinations) AS dst, MAX(d.peak) AS pk,"
	    "  MAX(d.last) AS last, MIN(d.ongoing) AS ongoing, MAX(d.ports) AS ports,"
	    "  MAX(d.cc) AS cc, MAX(d.asn) AS asn"
	    "  FROM obs_records r JOIN obs_dos d ON d.rec = r.id"
	    "  WHERE r.start >= ?1 - 86400 AND r.start < ?2 AND d.last >= ?1 * 1000000"
	    "  AND d.start < ?2 * 1000000%s"
	    "  GROUP BY 1, 2, 3, 4)"
	    " SELECT victim, MAX(cc), MAX(asn), proto, MAX(ports), SUM(p) AS tp, MAX(dst),"
	    " MAX(pk), COUNT(DISTINCT sid), MIN(start), MAX(last), MAX(ongoing)"
	    " FROM a GROUP BY victim, proto ORDER BY tp DESC, victim LIMIT ?6",
	    sensor_cond(f));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 6, (int64_t)limit);
	struct obs_dos_row *v = NULL;
	size_t cap = 0, n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)&v, &cap, n, sizeof *v)) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct obs_dos_row *x = &v[n++];
		memset(x, 0, sizeof *x);
		col_text(st, 0, x->victim, sizeof x->victim);
		col_text(st, 1, x->cc, sizeof x->cc);
		x->asn = (uint32_t)sqlite3_column_int64(st, 2);
		x->proto = (uint8_t)sqlite3_column_int(st, 3);
		col_text(st, 4, x->ports, sizeof x->ports);
		x->packets = col_u64(st, 5);
		x->destinations = col_u64(st, 6);
		x->peak_per_min = col_u64(st, 7);
		x->sensors = col_u64(st, 8);
		x->start_usec = sqlite3_column_int64(st, 9);
		x->last_usec = sqlite3_column_int64(st, 10);
		x->ongoing = sqlite3_column_int(st, 11) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		seterr(s, "attacks");
		return -1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int st_surges(struct obs_store *base, const struct obs_filter *f, struct obs_surge_row **out,
		     size_t *n_out)
{
	struct sqlite_store *s = S(base);
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *st =
	    prepare_f(s, f, floor_day(f->from, f->tz_offset),
		      "SELECT t, proto, port, kind, value, median, iqr, mean, sd, rank"
		      " FROM obs_surges WHERE t >= ?1 AND t < ?2%s"
		      " ORDER BY t, kind DESC, value DESC, proto, port LIMIT 10000",
		      f->proto >= 0 ? " AND proto = ?5" : "");
	if (!st)
		return -1;
	struct obs_surge_row *v = NULL;
	size_t cap = 0, n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!grow((void **)&v, &cap, n, sizeof *v)) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct obs_surge_row *x = &v[n++];
		memset(x, 0, sizeof *x);
		x->day = sqlite3_column_int64(st, 0);
		x->proto = (uint8_t)sqlite3_column_int(st, 1);
		x->port = (uint16_t)sqlite3_column_int(st, 2);
		col_text(st, 3, x->kind, sizeof x->kind);
		x->value = sqlite3_column_double(st, 4);
		x->median = sqlite3_column_double(st, 5);
		x->iqr = sqlite3_column_double(st, 6);
		x->mean = sqlite3_column_double(st, 7);
		x->sd = sqlite3_column_double(st, 8);
		x->rank = (unsigned)sqlite3_column_int(st, 9);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		seterr(s, "surges");
		return -1;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static const struct obs_store_ops sqlite_ops = {
    .close = st_close,
    .errmsg = st_errmsg,
    .begin = st_begin,
    .commit = st_commit,
    .rollback = st_rollback,
    .put = st_put,
    .rollup = st_rollup,
    .org_add = st_org_add,
    .sensor_add = st_sensor_add,
    .sensor_set_token = st_sensor_set_token,
    .sensor_enable = st_sensor_enable,
    .sensor_by_token = st_sensor_by_token,
    .sensor_id = st_sensor_id,
    .org_id = st_org_id,
    .sensors = st_sensors,
    .orgs = st_orgs,
    .generation = st_generation,
    .top_ports = st_top_ports,
    .port_series = st_port_series,
    .totals = st_totals,
    .top_regions = st_top_regions,
    .region_series = st_region_series,
    .scanners = st_scanners,
    .dos = st_dos,
    .surges = st_surges,
};

struct obs_store *obs_store_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct sqlite_store *s = calloc(1, sizeof *s);
	if (!s) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &sqlite_ops;
	if (db_open(path, &s->db, err, errlen) != 0) {
		free(s);
		return NULL;
	}
	if (db_migrate(s->db, "obs", migrations, (int)(sizeof migrations / sizeof migrations[0]),
		       err, errlen) != 0)
		goto fail;
	for (int i = 0; i < ST_MAX; i++) {
		s->st[i] = db_prepare(s->db, stmt_sql[i], err, errlen);
		if (!s->st[i])
			goto fail;
	}
	return &s->base;
fail:
	st_close(&s->base);
	return NULL;
}

struct obs_store *obs_store_open(const char *uri, char *err, size_t errlen)
{
	if (strncmp(uri, "sqlite:", 7) == 0)
		return obs_store_sqlite_open(uri + 7, err, errlen);
	if (strstr(uri, "://")) {
		(void)snprintf(err, errlen, "unsupported store %s (this build has sqlite only)",
			       uri);
		return NULL;
	}
	return obs_store_sqlite_open(uri, err, errlen);
}
