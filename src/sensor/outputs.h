/* outputs.h - the set of outputs a sensor run writes to, opened from its config
 *
 * main opens every output the config enables (outputs_open), hands each closed interval to all
 * of them (outputs_write, which produces the JSON once), reopens files on SIGHUP
 * (outputs_reopen) and closes them at exit (outputs_close). Open and close run on the main
 * thread; write and reopen on the counting thread (sensor.c), never at the same time as each
 * other. output_table lists every output the sensor has.
 */
#ifndef KEIKAI_OUTPUTS_H
#define KEIKAI_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"

#define OUTPUTS_MAX 8

/* NULL-terminated list of every output: jsonl, summary, http. */
extern const struct output_ops *const output_table[];

/* Counters of the HTTP output since it was opened. */
struct output_http_stats {
	uint64_t spooled;    /* records made durable in the spool */
	uint64_t refused;    /* records the spool refused (full: -ENOSPC, or a write error) */
	uint64_t delivered;  /* records the server accepted (2xx) or already had (409) */
	uint64_t retried;    /* attempts that failed for now (network, 408, 429, 5xx) */
	uint64_t rejected;   /* records the server refused for good, moved to rejected/ */
	uint64_t unreadable; /* spool files that were not a record, moved to rejected/ */
	uint64_t pending;    /* records in the spool now */
	long last_status;    /* HTTP status of the last attempt; 0 = none or a network error */
};

struct outputs {
	size_t n;
	struct {
		const struct output_ops *ops;
		void *state;
	} v[OUTPUTS_MAX];
	void *http;	 /* state of the HTTP output while open, or NULL */
	int curl_global; /* curl_global_init() was called and needs its cleanup */
	int http_closed; /* http_final holds the counters at close, after the drain */
	struct output_http_stats http_final;
};

/* Open the outputs cfg enables, in this order: jsonl (cfg->jsonl_path), summary (cfg->summary),
 * http (cfg->url). Calls curl_global_init() when http is enabled, so call it before starting
 * any thread. On failure everything opened so far is closed, *ret is untouched and a message for a
 * person (current language, naming the output and its path or URL) is put in err (size
 * errlen). Returns 0 (also when no output is enabled), or the -errno of the failed open. */
int outputs_open(const struct sensor_config *cfg, struct outputs *ret, char *err, size_t errlen);

/* Hand one record to every open output, in order, serialising it to JSON once. A failing output
 * does not stop the others. Returns 0, or the first -errno with a message in err: -ENOMEM when
 * the JSON could not be built; -ENOSPC from http when the spool is full (the record still
 * reached the other outputs; the http counters count it as refused). */
int outputs_write(struct outputs *o, const struct obs_record *rec, char *err, size_t errlen);

/* Reopen every output that has files (SIGHUP, after log rotation). Returns 0 or the first
 * -errno with a message in err; an output that fails to reopen keeps its old file. */
int outputs_reopen(struct outputs *o, char *err, size_t errlen);

/* Close every output in reverse order (http drains for up to cfg->drain_s seconds), then
 * release curl. Afterwards *o holds nothing open but keeps the HTTP counters as they were at
 * close, for outputs_http_stats(). Safe on a zeroed struct and when called twice. */
void outputs_close(struct outputs *o);

/* Counters of the HTTP output: live while it is open, final (pending = records left in the
 * spool for the next run) once outputs_close() ran. Returns 0, or -ENOENT when no HTTP output
 * was opened; *ret untouched then. Call from the pipeline thread. */
int outputs_http_stats(const struct outputs *o, struct output_http_stats *ret);

/* output_http_ops.open with a message for a person in err (size errlen) naming what failed:
 * the URL, the token file, the spool directory or libcurl. Requires curl_global_init() done.
 * Returns 0 with *ret_state set, or -errno (-EINVAL for a URL that is not http(s):// or an
 * empty token; -EBUSY when another process uses the spool). */
int output_http_open(const struct sensor_config *cfg, void **ret_state, char *err, size_t errlen);

/* Counters of the HTTP output whose state is state (struct outputs.http). Returns 0, or
 * -ENOENT when state is NULL (http not enabled or already closed); *ret untouched then.
 * Thread-safe. */
int output_http_stats(void *state, struct output_http_stats *ret);

/* output_http_ops.close that also stores the final counters (after the drain) in *ret_final
 * when it is not NULL. NULL-safe on state (then *ret_final is untouched). */
void output_http_close(void *state, struct output_http_stats *ret_final);

#endif
