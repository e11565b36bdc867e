/* output.h - where interval records go: a JSON-lines file or stdout, a human summary, and the
 * server over HTTP(S) through an on-disk spool
 *
 * Outputs are a plug-in family: each fills a struct output_ops with designated initialisers and
 * is listed in output_table (output.c). The pipeline calls, in order: open once, write for every
 * closed interval, reopen on SIGHUP, close once at exit. All callbacks run on the pipeline
 * thread; an output that needs a thread of its own (HTTP delivery) owns and joins it.
 */
#ifndef KEIKAI_OUTPUT_H
#define KEIKAI_OUTPUT_H

#include <stddef.h>

#include "../obs/record.h"

struct sensor_config;

struct output;

struct output_ops {
	const char *name;
	/* Open with the sensor's config; store private state in *ret_state. Returns 0 or -errno;
	 * on failure the caller prints the error (output_error_text) and exits non-zero. */
	int (*open)(const struct sensor_config *cfg, void **ret_state);
	/* Take one record. json is the record's compact JSON (json_len bytes, NUL-terminated,
	 * no newline), owned by the caller and valid only during the call. Returns 0 or -errno.
	 * A return of 0 from the spool-backed HTTP output means the record is durable on disk. */
	int (*write)(void *state, const struct obs_record *rec, const char *json, size_t json_len);
	/* Reopen files after log rotation (SIGHUP). NULL when there is nothing to reopen. */
	int (*reopen)(void *state);
	/* Flush and release; for HTTP delivery this makes a last delivery attempt bounded by the
	 * configured drain time. NULL-safe on state. */
	void (*close)(void *state);
};

extern const struct output_ops output_jsonl_ops;   /* output-jsonl.c */
extern const struct output_ops output_summary_ops; /* output-summary.c */
extern const struct output_ops output_http_ops;	   /* output-http.c */

#endif
