/* config.h - keikai-sensor configuration: INI file (inih) and command-line flags
 *
 * Precedence: built-in defaults, then the file given with --config, then flags.
 * docs/sensor-config.md lists every key.
 */
#ifndef KEIKAI_SENSOR_CONFIG_H
#define KEIKAI_SENSOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/ipaddr.h"
#include "../obs/record.h"

#define SENSOR_MAX_DARK	 64
#define SENSOR_MAX_FILES 64

struct sensor_config {
	char sensor_id[OBS_SENSOR_ID_MAX]; /* [sensor] id */
	uint32_t interval;		   /* [sensor] interval, seconds (10..3600) */

	/* input */
	const char *interface;		     /* [capture] interface: live capture */
	const char *files[SENSOR_MAX_FILES]; /* -r FILE (repeatable): offline, in order */
	size_t n_files;
	const char *filter;			/* [capture] filter: BPF expression */
	uint32_t buffer_mib;			/* [capture] buffer_mib: kernel ring size */
	uint32_t snaplen;			/* [capture] snaplen */
	struct ip_prefix dark[SENSOR_MAX_DARK]; /* [capture] dark: prefixes watched; none = all */
	size_t n_dark;
	const char *user; /* [capture] user: drop privileges to this user */

	/* outputs */
	const char *jsonl_path; /* [output] jsonl: file, or "-" for stdout */
	bool summary;		/* [output] summary: human-readable lines on stdout */
	const char *url;	/* [output] url: server base URL */
	const char *token_file; /* [output] token_file: bearer token for the server */
	const char *spool_dir;	/* [output] spool: directory for undelivered records */
	const char *ca_file;	/* [output] ca_file: CA bundle for https */
	uint32_t retry_max_s;	/* [output] retry_max: longest backoff, seconds */
	uint32_t drain_s;	/* [output] drain: seconds to keep delivering at exit */

	/* detection */
	uint32_t scan_min_dsts;	     /* [scanner] min_destinations (25) */
	uint32_t scan_min_targets;   /* [scanner] min_targets (100) */
	uint32_t dos_min_packets;    /* [dos] min_packets (25) */
	uint32_t dos_min_duration_s; /* [dos] min_duration (60) */
	uint32_t dos_min_rate;	     /* [dos] min_packets_per_window (30) */
	uint32_t dos_window_s;	     /* [dos] window (60) */
	uint32_t dos_slide_s;	     /* [dos] slide (10) */
	uint32_t dos_timeout_s;	     /* [dos] timeout (300) */
	uint32_t top_n;		     /* [sensor] top_sources (10) */

	/* limits (memory bound: docs/sensor-memory.md) */
	uint32_t max_sources;	/* [limits] sources */
	uint32_t max_pairs;	/* [limits] source_ports */
	uint32_t max_triples;	/* [limits] source_port_destinations */
	uint32_t max_port_dsts; /* [limits] port_destinations */
	uint32_t max_victims;	/* [limits] dos_vectors */
	uint32_t max_scanners;	/* [limits] scanners */

	const char *lang; /* "en" or "ja" for human-readable text */
	bool stats;	  /* --stats: run totals on stderr at exit */
};

/* Fill *cfg with defaults. */
void sensor_config_defaults(struct sensor_config *cfg);

/* Read an INI file into *cfg (over what is there). Returns 0, or -errno for an unreadable file,
 * or -EINVAL for a bad key or value, with a message in err (size errlen). Strings point into
 * storage owned by the config module and live until the process exits. */
int sensor_config_load(struct sensor_config *cfg, const char *path, char *err, size_t errlen);

/* Set one key ("section.name") from a string, as the file would. Same returns as load. */
int sensor_config_set(struct sensor_config *cfg, const char *section, const char *name,
		      const char *value, char *err, size_t errlen);

/* Check the whole config for consistency (an input chosen, ranges). 0 or -EINVAL with err. */
int sensor_config_check(const struct sensor_config *cfg, char *err, size_t errlen);

#endif
