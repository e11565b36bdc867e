/* sensor.h - the packet pipeline: decode -> classify -> aggregate, driven by packet time
 *
 * Interval boundaries are multiples of the interval length since the epoch. Packet timestamps
 * drive the clock (offline files are read as fast as possible, never paced); in live capture a
 * wall-clock tick also closes intervals in which nothing arrives. Each closed interval is handed
 * to the emit callback as a finished record.
 */
#ifndef KEIKAI_SENSOR_H
#define KEIKAI_SENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "../obs/record.h"
#include "config.h"

struct sensor;

/* Called with each closed interval; the record is owned by the pipeline and freed after the
 * call. Return 0, or a negative errno to have sensor_* report the failure. */
typedef int (*sensor_emit_fn)(void *user, const struct obs_record *rec);

/* Called when a reopen was requested (SIGHUP), on the thread that calls the emit callback,
 * after the records closed before the request. */
typedef void (*sensor_reopen_fn)(void *user);

struct sensor *sensor_new(const struct sensor_config *cfg, sensor_emit_fn emit, void *user);
void sensor_free(struct sensor *s);

/* Feed one captured frame (pcap DLT dlt). ts_usec: capture time. Returns 0, or (without a
 * worker) the emit callback's error when an interval closed and could not be written. */
int sensor_frame(struct sensor *s, int dlt, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
		 uint32_t wire_len);

/* Run the counting stage (interval clock, tables) on a thread of its own from now on, and the
 * emit and reopen callbacks on another, so that reading and decoding, counting, and writing
 * records overlap. Returns 0, or -errno (the sensor then keeps working on one thread; if only
 * the second thread cannot start, the counting thread calls the callbacks). sensor_finish()
 * joins the threads. */
int sensor_start_worker(struct sensor *s);

/* Ask for outputs to be reopened, in order with the packets before it. */
void sensor_set_reopen(struct sensor *s, sensor_reopen_fn fn, void *user);
void sensor_reopen(struct sensor *s);

/* Live capture: close intervals that ended by wall-clock time now_usec. */
int sensor_tick(struct sensor *s, uint64_t now_usec);

/* Add capture drop counters (deltas) to the interval in progress. */
void sensor_drops(struct sensor *s, uint64_t kernel, uint64_t ifdrop);

/* Live mode: the first interval starts at now and is partial; later ones are aligned. */
void sensor_start_live(struct sensor *s, uint64_t now_usec);

/* Close the interval in progress (end of input, or a signal in live mode: end = now); with a
 * worker, wait for it to finish everything queued. Returns 0 or the last emit error. */
int sensor_finish(struct sensor *s, uint64_t now_usec, bool live);

struct sensor_totals {
	uint64_t frames, packets, records, emit_errors;
};
void sensor_totals(const struct sensor *s, struct sensor_totals *ret);

/* Bytes the pipeline may allocate at most for this configuration. */
size_t sensor_memory_bound(const struct sensor_config *cfg);

#endif
