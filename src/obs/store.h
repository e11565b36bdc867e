/* store.h - the observation store: what keikaid keeps of interval records, and what it asks of it
 *
 * Callers (ingest, rollups, statistics, the CLI) use only these functions. The embedded backend
 * is SQLite (store-sqlite.c); a PostgreSQL or ClickHouse backend implements the same table of
 * operations (struct obs_store_ops) and is chosen by the URI given to obs_store_open(), without
 * any change to callers. docs/storage.md describes the tables and the rollups.
 *
 * Threads: one store handle per thread. Writes go through one writer at a time (keikaid's
 * writer thread); reads may run concurrently from other handles.
 */
#ifndef KEIKAI_OBS_STORE_H
#define KEIKAI_OBS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct obs_store;

#define OBS_NAME_MAX 128

/* Country and AS of one address, found by the caller (libloc) before the write. */
struct obs_geo {
	char cc[3];   /* ISO 3166 alpha-2, "" when unknown */
	uint32_t asn; /* 0 when unknown */
};

/* Geo tags for the addresses a record lists, one per entry of top, scanners and dos; any array
 * may be NULL (then nothing is known). */
struct obs_record_geo {
	const struct obs_geo *top, *scanners, *dos;
};

struct obs_sensor_ref {
	int64_t id;
	char name[OBS_SENSOR_ID_MAX];
	bool enabled;
};

struct obs_sensor_info {
	int64_t id;
	char name[OBS_SENSOR_ID_MAX];
	char org[OBS_NAME_MAX];
	char region[8];
	char location[OBS_NAME_MAX];
	char prefixes[512]; /* comma-separated */
	bool enabled;
	int64_t created;
	int64_t last_received;	      /* Unix seconds of the last stored record; 0 when none */
	int64_t last_start, last_end; /* the newest interval stored */
	uint64_t records_24h;	      /* records whose interval started in the last 24 h */
	uint64_t seconds_24h;	      /* seconds those records cover */
	uint64_t kernel_drops_24h, if_drops_24h;
	uint32_t interval; /* the newest record's interval length */
};

struct obs_org_info {
	int64_t id;
	char name[OBS_NAME_MAX];
	uint64_t sensors;
};

/* What a statistics query covers. sensor_id / org_id 0 = all; proto -1 = all. */
struct obs_filter {
	int64_t from, to; /* [from, to), Unix seconds */
	int64_t sensor_id, org_id;
	int proto;
	int64_t tz_offset; /* seconds east of UTC: day buckets are calendar days there */
};

struct obs_port_key {
	uint8_t proto;
	uint16_t port;
};

struct obs_port_rank {
	uint8_t proto;
	uint16_t port;
	uint64_t packets;
	uint64_t sources; /* sum over days of daily unique sources */
};

/* A bucketed series: for bucket i, t[i] its start, sensors[i] how many sensors reported in it,
 * and for each of n_cols columns the sum over sensors, v[col * n + i] (UINT64_MAX when no sensor
 * reported). */
struct obs_series {
	size_t n;
	int64_t *t;
	uint32_t *sensors;
	size_t n_cols;
	uint64_t *v;
};
void obs_series_done(struct obs_series *s);

struct obs_region_rank {
	char code[16]; /* country code, or "AS64500" */
	uint32_t asn;
	uint64_t packets, sources;
};

struct obs_scanner_row {
	char src[IP_ADDR_STRLEN];
	char cc[3];
	uint32_t asn;
	uint8_t proto;
	char ports[160]; /* JSON array text */
	uint64_t packets, destinations, targets, intervals, sensors;
	int64_t first_usec, last_usec;
	char tool[8];
};

struct obs_dos_row {
	char victim[IP_ADDR_STRLEN];
	char cc[3];
	uint32_t asn;
	uint8_t proto;
	char ports[96]; /* JSON array text */
	uint64_t packets, destinations, peak_per_min, sensors;
	int64_t start_usec, last_usec;
	bool ongoing;
};

struct obs_surge_row {
	int64_t day; /* bucket start */
	uint8_t proto;
	uint16_t port;
	char kind[12]; /* "sources" or "new_top10" */
	double value, median, iqr, mean, sd;
	unsigned rank;
};

enum obs_put_result { OBS_PUT_STORED = 0, OBS_PUT_DUPLICATE = 1, OBS_PUT_ERROR = -1 };

struct obs_rollup_report {
	uint64_t records; /* records rolled up */
	uint64_t days;	  /* day buckets recomputed */
	uint64_t deleted; /* rows removed by retention */
};

struct obs_retention {
	unsigned interval_days; /* per-interval port rows; 0 = keep for ever */
	unsigned hour_days;	/* hourly rollups */
	unsigned day_days;	/* daily rollups */
};

struct obs_store_ops {
	void (*close)(struct obs_store *s);
	const char *(*errmsg)(struct obs_store *s);
	/* writer */
	int (*begin)(struct obs_store *s);
	int (*commit)(struct obs_store *s);
	void (*rollback)(struct obs_store *s);
	enum obs_put_result (*put)(struct obs_store *s, int64_t sensor_id,
				   const struct obs_record *r, const struct obs_record_geo *geo,
				   int64_t received);
	int (*rollup)(struct obs_store *s, int64_t tz_offset, const struct obs_retention *ret,
		      int64_t now, size_t max_records, struct obs_rollup_report *out);
	/* administration */
	int (*org_add)(struct obs_store *s, const char *name);
	int (*sensor_add)(struct obs_store *s, const char *name, const char *org,
			  const char *region, const char *location, const char *prefixes,
			  const uint8_t token_hash[32]);
	int (*sensor_set_token)(struct obs_store *s, const char *name,
				const uint8_t token_hash[32]);
	int (*sensor_enable)(struct obs_store *s, const char *name, bool enabled);
	int (*sensor_by_token)(struct obs_store *s, const uint8_t token_hash[32],
			       struct obs_sensor_ref *out);
	int (*sensor_id)(struct obs_store *s, const char *name, int64_t *id);
	int (*org_id)(struct obs_store *s, const char *name, int64_t *id);
	int (*sensors)(struct obs_store *s, int64_t now, struct obs_sensor_info **out, size_t *n);
	int (*orgs)(struct obs_store *s, struct obs_org_info **out, size_t *n);
	/* statistics */
	int (*generation)(struct obs_store *s, int64_t *gen);
	int (*top_ports)(struct obs_store *s, const struct obs_filter *f, size_t offset, size_t n,
			 struct obs_port_rank **out, size_t *n_out, uint64_t *sensor_days,
			 uint64_t *sensors);
	int (*port_series)(struct obs_store *s, const struct obs_filter *f, int64_t bucket,
			   const struct obs_port_key *ports, size_t n_ports,
			   struct obs_series *packets, struct obs_series *sources);
	int (*totals)(struct obs_store *s, const struct obs_filter *f, int64_t bucket,
		      struct obs_series *out /* columns: OBS_TOTAL_* */);
	int (*top_regions)(struct obs_store *s, const struct obs_filter *f, bool by_as,
			   size_t offset, size_t n, struct obs_region_rank **out, size_t *n_out,
			   uint64_t *attributed, uint64_t *all);
	int (*region_series)(struct obs_store *s, const struct obs_filter *f, bool by_as,
			     int64_t bucket, const char *const *codes, size_t n_codes,
			     struct obs_series *out);
	int (*scanners)(struct obs_store *s, const struct obs_filter *f, const char *tool,
			size_t limit, struct obs_scanner_row **out, size_t *n);
	int (*dos)(struct obs_store *s, const struct obs_filter *f, size_t limit,
		   struct obs_dos_row **out, size_t *n);
	int (*surges)(struct obs_store *s, const struct obs_filter *f, struct obs_surge_row **out,
		      size_t *n);
};

enum {
	OBS_TOTAL_PACKETS = 0,
	OBS_TOTAL_TCP,
	OBS_TOTAL_UDP,
	OBS_TOTAL_ICMP,
	OBS_TOTAL_ICMP6,
	OBS_TOTAL_OTHER,
	OBS_TOTAL_PROBE,
	OBS_TOTAL_BACKSCATTER,
	OBS_TOTAL_COLS
};

struct obs_store {
	const struct obs_store_ops *ops;
};

/* Open the store named by uri: "sqlite:PATH" or a plain path (SQLite). Creates and migrates
 * the schema. Returns NULL with a message in err. */
struct obs_store *obs_store_open(const char *uri, char *err, size_t errlen);

static inline void obs_store_close(struct obs_store *s)
{
	if (s)
		s->ops->close(s);
}

/* The SQLite backend (store-sqlite.c). */
struct obs_store *obs_store_sqlite_open(const char *path, char *err, size_t errlen);

#endif
