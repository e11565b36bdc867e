/* aggregate.h - per-interval statistics of classified packets
 *
 * For each interval: per (protocol, destination port) packets, distinct sources and distinct
 * dark destinations; per protocol and class totals; noise and tool counters; scanners (a
 * source reaching at least scan_min_dsts distinct dark addresses on one port within the
 * interval, probes only; or one probing at least scan_min_targets distinct (destination, port)
 * pairs, which catches a scan of many ports on few addresses); top sources; and, through dos.h,
 * backscatter attacks.
 *
 * Memory is bounded: every table has a fixed capacity chosen at creation, allocated once and
 * touched lazily; past it new keys are refused and counted in the record's overflow counters.
 * aggregate_memory_bound() says how many bytes at most. Not thread-safe: one pipeline thread.
 */
#ifndef KEIKAI_AGGREGATE_H
#define KEIKAI_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "../obs/record.h"
#include "classify.h"
#include "decode.h"
#include "dos.h"
#include "packet.h"

struct aggregate_params {
	uint32_t scan_min_dsts;	   /* 25 */
	uint32_t scan_min_targets; /* 100: distinct (destination, port) pairs, any ports */
	uint32_t top_n;		   /* 10 */
	uint32_t max_sources;
	uint32_t max_pairs;	/* (source, proto, port) */
	uint32_t max_triples;	/* (source, proto, port, destination), probes only */
	uint32_t max_port_dsts; /* (proto, port, destination) */
	uint32_t max_scanners;
	struct dos_params dos;
};

struct aggregate;

/* NULL on out-of-memory or bad parameters. */
struct aggregate *aggregate_new(const struct aggregate_params *p);
void aggregate_free(struct aggregate *a);

/* Start an interval [start, end) (seconds since the epoch). */
void aggregate_begin(struct aggregate *a, int64_t start, int64_t end);

/* Account one decoded, classified packet with its time and size. */
void aggregate_packet(struct aggregate *a, const struct packet *pkt, const struct pkt_verdict *v);

/* The table keys of one packet and their slot hashes. */
struct agg_keys {
	uint64_t skey, sh; /* source */
	uint64_t pk, ph;   /* (source, port) */
	uint64_t dk, dh;   /* (port, destination) */
	uint64_t tk;	   /* (source, port, destination), its own hash; probes only, else 0 */
};

/* What the tables need of one packet, made from the decoder's and classifier's output by
 * aggregate_pkt_make() (pure; any thread), keys and hashes included, so that the thread that
 * counts only probes the tables. Queued from one thread to the other for every packet, so it
 * holds only what every packet needs (80 bytes); the rest is in struct agg_extra. */
struct agg_pkt {
	struct agg_keys k;
	uint64_t ts_usec;
	uint32_t wire_len;
	uint32_t pidx; /* port cell: protocol base + port, ICMP type or IP protocol */
	uint16_t port; /* destination port, ICMP type, or IP protocol */
	uint16_t noise;
	uint8_t ipver, l4, cls, tools;
};

/* What only some packets need, kept apart so that the others never write or read it: the
 * IPv6 source's address (an IPv4 source's is in its key), and a backscatter packet's victim and
 * destination. The fields a packet does not need are left unwritten. */
struct agg_extra {
	struct ip_addr src6;   /* ipver 6 */
	struct ip_addr victim; /* cls CLASS_BACKSCATTER: who is attacked (see struct pkt_verdict) */
	struct ip_addr dst;    /* cls CLASS_BACKSCATTER */
	uint16_t victim_port;  /* cls CLASS_BACKSCATTER */
	uint8_t victim_ok;     /* cls CLASS_BACKSCATTER */
};

void aggregate_pkt_make(const struct packet *pkt, const struct pkt_verdict *v, struct agg_pkt *ret,
			struct agg_extra *ret_x);

/* Account n packets in order (pkts[i] with xs[i]); the same result as n calls of
 * aggregate_packet, faster. */
#define AGGREGATE_AHEAD 16 /* packets whose table slots are prefetched ahead */
void aggregate_packets(struct aggregate *a, const struct agg_pkt *pkts, const struct agg_extra *xs,
		       size_t n);

/* Count a frame that was not decoded, by reason; and one outside the dark prefixes. */
void aggregate_undecoded(struct aggregate *a, enum decode_result r);
void aggregate_not_dark(struct aggregate *a);

/* Count a frame whose timestamp is before the interval start (it is still accounted). */
void aggregate_ts_backwards(struct aggregate *a);

/* Add capture drop counters (differences since the last interval). */
void aggregate_drops(struct aggregate *a, uint64_t kernel, uint64_t ifdrop);

/* Close the interval: fill *ret (owned by the caller, free with obs_record_done) and reset the
 * per-interval tables. final: the run is ending (open DoS vectors are reported as they stand).
 * Returns 0 or -ENOMEM (then *ret is untouched and the interval is lost: counted by caller). */
int aggregate_close(struct aggregate *a, int64_t end, int final, struct obs_record *ret);

/* Upper bound on the bytes the aggregator allocates for these parameters. */
size_t aggregate_memory_bound(const struct aggregate_params *p);

#endif
