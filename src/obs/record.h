/* record.h - the observation interval record, shared by keikai-sensor and keikaid
 *
 * One record per sensor and interval. Its JSON form (schema "keikai.obs.interval/1") is
 * documented in docs/interval-record.md; obs_record_to_json() is the only writer. The pair
 * (sensor, start) identifies a record: delivering it twice is harmless.
 */
#ifndef KEIKAI_OBS_RECORD_H
#define KEIKAI_OBS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/ipaddr.h"

#define OBS_SCHEMA	  "keikai.obs.interval/1"
#define OBS_SENSOR_ID_MAX 64 /* bytes, including the NUL */
#define OBS_NAMED_MAX	  32 /* counters in one named-counter list */
#define OBS_SCANNER_PORTS 16 /* ports listed per scanner (the count of all is kept) */
#define OBS_DOS_PORTS	  8  /* victim ports listed per attack */
/* Most bytes one record's JSON may take (obs_record_to_json fails past it). Every TCP and UDP
 * port listed takes about 10 MB; full scanner and attack lists can add as much again. */
#define OBS_JSON_MAX (64u << 20)

enum obs_proto { OBS_TCP = 0, OBS_UDP, OBS_ICMP, OBS_ICMP6, OBS_OTHER, OBS_PROTO_MAX };
enum obs_class { OBS_PROBE = 0, OBS_BACKSCATTER, OBS_CLASS_OTHER, OBS_CLASS_MAX };

/* A list of counters whose names come from the producer (decode reasons, noise signs, tools). */
struct obs_named {
	unsigned n;
	struct {
		const char *name; /* static storage */
		uint64_t value;
	} v[OBS_NAMED_MAX];
};

/* One destination port (for ICMP: the ICMP type). */
struct obs_port {
	uint8_t proto; /* enum obs_proto */
	uint16_t port;
	uint64_t packets;
	uint64_t sources;      /* distinct source addresses */
	uint64_t destinations; /* distinct dark addresses */
};

struct obs_scanner {
	struct ip_addr src;
	uint8_t proto;	  /* enum obs_proto of the first port that crossed the threshold */
	unsigned n_ports; /* ports on which it crossed the per-port threshold (listed up to 16);
			   * 0 for a source flagged only by its number of targets */
	uint16_t ports[OBS_SCANNER_PORTS];
	uint64_t packets;      /* all its packets in the interval */
	uint64_t destinations; /* most distinct dark addresses on one port */
	uint64_t targets;      /* distinct (dark address, port) pairs probed */
	uint64_t first_usec, last_usec;
	const char *tool; /* "zmap", "masscan", "mirai" or NULL */
};

struct obs_dos {
	struct ip_addr victim;
	uint8_t proto;		   /* enum obs_proto of the backscatter */
	uint64_t packets;	   /* since the attack began (cumulative) */
	uint64_t packets_interval; /* in this interval */
	uint64_t destinations;	   /* distinct dark addresses hit (bounded count, see docs) */
	unsigned n_ports;	   /* distinct victim ports (listed up to 8) */
	uint16_t ports[OBS_DOS_PORTS];
	uint64_t peak_per_min; /* most packets in any 60 s window */
	uint64_t start_usec, last_usec;
	bool ongoing; /* still open at the end of the interval */
};

struct obs_top_source {
	struct ip_addr src;
	uint64_t packets;
};

struct obs_record {
	char sensor[OBS_SENSOR_ID_MAX];
	int64_t start, end; /* seconds since the epoch, UTC; [start, end) */
	uint32_t interval;  /* configured length in seconds */
	bool partial;	    /* first or last interval of a run: shorter than configured */

	uint64_t packets, bytes, ipv4, ipv6;
	uint64_t by_proto_class[OBS_PROTO_MAX][OBS_CLASS_MAX];

	/* capture and decode */
	uint64_t captured;	   /* frames read from the capture */
	uint64_t not_dark;	   /* frames to addresses outside the dark prefixes */
	uint64_t kernel_drops;	   /* pcap_stats ps_drop during the interval */
	uint64_t if_drops;	   /* pcap_stats ps_ifdrop during the interval */
	uint64_t ts_backwards;	   /* frames whose time was before the interval (counted in it) */
	uint64_t icmp_mismatch;	   /* ICMP errors naming no victim: quoted source not the
				    * dark address, or too little quoted */
	struct obs_named decode;   /* frames not decoded, by reason */
	struct obs_named noise;	   /* packets per noise sign */
	struct obs_named tools;	   /* packets per tool fingerprint */
	struct obs_named overflow; /* inserts refused by full tables, by table */

	size_t n_ports;
	struct obs_port *ports; /* sorted by packets, descending */
	size_t n_scanners;
	struct obs_scanner *scanners;
	size_t n_dos;
	struct obs_dos *dos;
	size_t n_top;
	struct obs_top_source *top;
};

/* Add value to the counter called name (static storage), creating it; a no-op when the list
 * is full. */
void obs_named_add(struct obs_named *l, const char *name, uint64_t value);

/* Free the arrays a record owns and zero it. NULL-safe. */
void obs_record_done(struct obs_record *r);

/* Serialise to one line of compact JSON (no newline). Returns a malloc'd NUL-terminated string
 * the caller frees, length in *ret_len; NULL on out-of-memory. */
char *obs_record_to_json(const struct obs_record *r, size_t *ret_len);

/* Format microseconds since the epoch as "2011-02-25T12:34:56.123456Z" (usec) or
 * "2011-02-25T12:34:56Z" (whole seconds). buf needs 32 bytes. */
char *obs_format_time_usec(uint64_t usec, char *buf, size_t size);
char *obs_format_time(int64_t sec, char *buf, size_t size);

/* Limits of obs_record_from_json() beyond those of the format itself. */
#define OBS_PARSE_MAX_PORTS 200000 /* ports[] entries */
#define OBS_PARSE_MAX_LIST  100000 /* scanners[] and dos[] entries */
#define OBS_PARSE_MAX_DEPTH 32	   /* JSON nesting (a record needs 4) */

/* Why obs_record_from_json() refused a text. code is stable and machine-readable:
 * "bad_json" (not JSON, not an object, trailing data, duplicate member, too large or too
 * deep), "bad_record" (JSON, but not a valid record) or "no_memory" (the reader ran out of
 * memory; not the text's fault). The messages are one line each and name the member. */
struct obs_parse_error {
	char code[32];
	char member[96];      /* JSON-pointer-like path, e.g. "/ports/12/port"; "" if none */
	char message[256];    /* English */
	char message_ja[320]; /* Japanese */
};

/* Parse and validate one record (docs/interval-record.md, "Reading records") from
 * text[0..len). On success fill *out (the caller frees it with obs_record_done()) and return 0;
 * on failure return -1, leave *out zeroed and describe the first problem in *err. Never reads
 * past len; text need not be NUL-terminated. len is at most OBS_JSON_MAX. Named-counter names
 * point to static storage. Thread-safe (no shared state). */
int obs_record_from_json(const char *text, size_t len, struct obs_record *out,
			 struct obs_parse_error *err);

const char *obs_proto_name(unsigned proto);
const char *obs_class_name(unsigned cls);

#endif
