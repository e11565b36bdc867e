/* gen-truth.h - the generator's own count of what it emitted: per-interval totals, per-port
 * sources and destinations, scanners, and backscatter attacks, written as JSON
 *
 * Deliberately independent of the sensor's code: the rules are restated here from the
 * specification (docs/keikai-gen.md, "Truth rules") and applied to the packet descriptions,
 * not to re-parsed bytes, so a decoder bug in the sensor cannot hide in both places.
 */
#ifndef KEIKAI_GEN_TRUTH_H
#define KEIKAI_GEN_TRUTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gen-packet.h"

enum truth_proto { TRUTH_TCP, TRUTH_UDP, TRUTH_ICMP, TRUTH_ICMP6, TRUTH_OTHER, TRUTH_PROTO_MAX };

enum truth_class { TRUTH_PROBE, TRUTH_BACKSCATTER, TRUTH_CLASS_OTHER, TRUTH_CLASS_MAX };

/* Scanner-tool fingerprints (IPv4 only). */
#define TRUTH_FP_ZMAP	 0x1u /* IP ID 54321 */
#define TRUTH_FP_MASSCAN 0x2u /* TCP, IP ID == (dst ^ dport ^ seq) & 0xffff */
#define TRUTH_FP_MIRAI	 0x4u /* TCP, seq == dst */

/* The rules, as docs/classification.md states them for the sensor:
 * - a scanner: a source whose probes in one interval reach >= TRUTH_SCAN_MIN distinct dark
 *   addresses on one (proto, port), or >= TRUTH_SCAN_MIN_TARGETS distinct (address, proto,
 *   port) targets; it is named after a tool when more than half of its packets in the interval
 *   carry that tool's fingerprint (checked in the order masscan, zmap, mirai);
 * - an attack: a (victim, proto) vector of backscatter with >= TRUTH_ATTACK_MIN_PACKETS packets,
 *   lasting >= TRUTH_ATTACK_MIN_US from first to last packet, whose peak reaches
 *   TRUTH_ATTACK_MIN_PEAK: the peak is the most packets in the current and the previous five
 *   10-s buckets (aligned to the epoch) after any packet. A gap of more than
 *   TRUTH_ATTACK_TIMEOUT_US ends a vector; the next packet starts a new one. */
#define TRUTH_SCAN_MIN		 25
#define TRUTH_SCAN_MIN_TARGETS	 100
#define TRUTH_ATTACK_MIN_PACKETS 25
#define TRUTH_ATTACK_MIN_US	 60000000ULL
#define TRUTH_ATTACK_BUCKET_US	 10000000ULL
#define TRUTH_ATTACK_BUCKETS	 6
#define TRUTH_ATTACK_MIN_PEAK	 30
#define TRUTH_ATTACK_TIMEOUT_US	 300000000ULL
#define TRUTH_SCANNER_PORTS_MAX	 16

/* Role flags for truth_add_role(). */
#define TRUTH_ROLE_NOT_SCANNER 0x1u /* listed in "not_scanners" of each interval it is in */
#define TRUTH_ROLE_NOT_ATTACK  0x2u /* listed in "not_attacks" */

struct truth_verdict {
	enum truth_proto proto;
	uint16_t port; /* TCP/UDP dst port; ICMP type; IP protocol for "other" */
	enum truth_class cls;
	uint8_t tools;	    /* TRUTH_FP_* */
	uint8_t has_victim; /* backscatter whose victim is known (ICMP errors: quote matches) */
	struct gen_addr victim;
};

struct truth_scanner {
	struct gen_addr src;
	enum truth_proto proto; /* of the first port that crossed the threshold (or of the
				 * probe that reached TRUTH_SCAN_MIN_TARGETS, if earlier) */
	uint16_t ports[TRUTH_SCANNER_PORTS_MAX]; /* in the order they crossed the threshold */
	size_t n_ports;
	uint8_t tool;	       /* one TRUTH_FP_* bit, or 0 */
	uint64_t packets;      /* all its packets in the interval, any class */
	uint64_t destinations; /* most distinct dark addresses on one crossing port */
	uint64_t targets;      /* distinct (address, proto, port) it probed */
};

struct truth_attack {
	struct gen_addr victim;
	enum truth_proto proto;
	uint64_t packets;
	uint64_t first_us, last_us;
	uint64_t peak; /* see the rules above */
	int is_attack;
};

struct truth_meta {
	const char *scenario;
	uint64_t start;	   /* --start */
	uint64_t duration; /* bench: --duration; 0 = not written */
	uint64_t seed;
	const char *dark;  /* IPv4 dark prefix, text */
	const char *dark6; /* IPv6 dark prefix, text */
	const char *linktype;
};

struct truth;

/* The class, protocol, port, fingerprints and victim of p under the truth rules. Pure. */
void truth_classify(const struct gen_pkt *p, struct truth_verdict *ret);

/* Name of a protocol as written in the JSON ("tcp", "udp", "icmp", "icmp6", "other"). */
const char *truth_proto_name(enum truth_proto proto);

/* A new, empty count. interval in seconds (> 0). keep_facts: remember every packet, needed for
 * ports, scanners and attacks; without it only totals are kept (constant memory). Returns NULL
 * when out of memory. Free with truth_free(). */
struct truth *truth_new(uint32_t interval, int keep_facts);

/* Free t and all it holds. NULL-safe. */
void truth_free(struct truth *t);

/* Count one emitted packet. Packets must come in non-decreasing time order.
 * Returns 0, or -ENOMEM (the count is then incomplete and must not be written). */
int truth_add(struct truth *t, const struct gen_pkt *p);

/* Give an address a role name (written under "roles") and TRUTH_ROLE_* flags. name must
 * outlive t. Returns 0 or -ENOMEM. */
int truth_add_role(struct truth *t, const char *name, const struct gen_addr *a, unsigned flags);

/* Record the number of distinct sources the caller knows it used (bench scenario). */
void truth_set_sources(struct truth *t, uint64_t sources);

/* Compute intervals, ports, scanners and attacks from the kept packets; call once after the
 * last truth_add(). Returns 0 or -ENOMEM. */
int truth_finish(struct truth *t);

/* Results, valid after truth_finish(). Indexes run from 0 in time order. */
size_t truth_n_intervals(const struct truth *t);
uint64_t truth_interval_start(const struct truth *t, size_t ival);
size_t truth_n_scanners(const struct truth *t, size_t ival);
const struct truth_scanner *truth_find_scanner(const struct truth *t, size_t ival,
					       const struct gen_addr *src);
/* Whether src sent anything in interval ival. */
int truth_src_seen(const struct truth *t, size_t ival, const struct gen_addr *src);
size_t truth_n_attacks(const struct truth *t);
const struct truth_attack *truth_find_victim(const struct truth *t, const struct gen_addr *victim);
uint64_t truth_packets(const struct truth *t);

/* Write the truth as one JSON document to f (see docs/keikai-gen.md). Returns 0, or -EIO when
 * writing failed. */
int truth_write_json(const struct truth *t, const struct truth_meta *m, FILE *f);

#endif
