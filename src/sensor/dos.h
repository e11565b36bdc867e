/* dos.h - randomly spoofed DoS attacks inferred from backscatter (Moore et al., TOCS 2006;
 * the rule CAIDA Corsaro's dos plugin applies)
 *
 * A vector is (victim address, protocol). It is an attack when it has at least min_packets
 * packets, lasts at least min_duration seconds and has at least min_rate packets in some
 * window-second window (windows slide by slide seconds). A vector idle for timeout seconds is
 * closed. Vectors live across interval boundaries; each interval reports every attack that was
 * active in it. The table is bounded: past max_vectors new victims are refused and counted.
 */
#ifndef KEIKAI_DOS_H
#define KEIKAI_DOS_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/ipaddr.h"
#include "../obs/record.h"

struct dos_params {
	uint32_t min_packets;	 /* 25 */
	uint32_t min_duration_s; /* 60 */
	uint32_t min_rate;	 /* 30 packets per window */
	uint32_t window_s;	 /* 60; a multiple of slide_s */
	uint32_t slide_s;	 /* 10 */
	uint32_t timeout_s;	 /* 300 */
	uint32_t max_vectors;
};

struct dos_table;

/* NULL on out-of-memory or bad params (window not a multiple of slide, or over 64 slides). */
struct dos_table *dos_table_new(const struct dos_params *p);
void dos_table_free(struct dos_table *t);

/* Account one backscatter packet from victim to dark address dst, victim port vport, at ts.
 * Returns 0, or -ENOSPC when the table is full (the packet is counted as overflow). */
int dos_table_add(struct dos_table *t, const struct ip_addr *victim, uint8_t proto,
		  const struct ip_addr *dst, uint16_t vport, uint64_t ts_usec);

/* At the end of an interval: report every attack active in it into a new array (*ret, *ret_n;
 * the caller frees *ret), close vectors idle for timeout at now_usec, and start the next
 * interval's per-interval counts. Returns 0 or -ENOMEM. */
int dos_table_close_interval(struct dos_table *t, uint64_t now_usec, int final,
			     struct obs_dos **ret, size_t *ret_n);

/* Packets refused because the table was full, since the last call (then reset). */
uint64_t dos_table_take_overflow(struct dos_table *t);

/* Bytes the table may use at most. */
size_t dos_table_memory_bound(const struct dos_params *p);

/* An attack that ends, and whose victim starts a new vector before the next interval close,
 * is reported at that close as ended (ongoing false), beside the new vector. */

#endif
