/* ingest.h - the single writer: group commits of interval records, and the rollups
 *
 * Request threads submit parsed records and wait; the writer thread takes every record waiting
 * (up to a batch), stores each inside its own savepoint (a record that fails leaves nothing),
 * commits once with synchronous=FULL, and only then wakes the submitters. Many sensors'
 * records thus share one disk flush, and an answer of 2xx always follows a durable commit.
 * Between batches the same thread rolls new records up into the hourly and daily tables.
 */
#ifndef KEIKAI_OBS_INGEST_H
#define KEIKAI_OBS_INGEST_H

#include <stdint.h>

#include "store.h"

struct obs_ingest;

struct obs_ingest_config {
	const char *store_uri;
	struct obs_retention retention;
	int64_t tz_offset;	 /* seconds east of UTC for day buckets */
	unsigned rollup_ms;	 /* how often to roll up while records arrive (default 1000) */
	unsigned batch_records;	 /* most records in one commit (default 256) */
	unsigned rollup_records; /* most records rolled up in one transaction (default 2000) */
};

struct obs_ingest *obs_ingest_start(const struct obs_ingest_config *cfg, char *err, size_t errlen);

/* Finish what was submitted, roll everything up, stop the thread and close. NULL-safe. */
void obs_ingest_stop(struct obs_ingest *in);

/* Store one record; blocks until it is committed (OBS_PUT_STORED), found to be a duplicate
 * (OBS_PUT_DUPLICATE), or failed (OBS_PUT_ERROR: nothing of it is stored). */
enum obs_put_result obs_ingest_submit(struct obs_ingest *in, int64_t sensor_id,
				      const struct obs_record *r, const struct obs_record_geo *geo,
				      int64_t received);

/* Roll up everything stored so far before returning. 0 or -1. */
int obs_ingest_flush(struct obs_ingest *in);

/* Changes whenever rolled-up data changes: answers cached under an older value are stale. */
uint64_t obs_ingest_generation(struct obs_ingest *in);

/* Counters for /api/v1/obs/status and tests. */
struct obs_ingest_stats {
	uint64_t stored, duplicates, failed, commits, rollups, rolled_records;
};
void obs_ingest_stats(struct obs_ingest *in, struct obs_ingest_stats *out);

#endif
