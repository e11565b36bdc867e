/* blast-pcap.h - the packet sender's capture loader: a classic pcap file in memory, walked into
 * a table of frames (bench/blast.c) */
#ifndef KEIKAI_BENCH_BLAST_PCAP_H
#define KEIKAI_BENCH_BLAST_PCAP_H

#include <stddef.h>
#include <stdint.h>

/* One frame of the file: a view into the caller's bytes. */
struct blast_frame {
	const uint8_t *data;
	uint32_t len;
};

struct blast_pcap {
	struct blast_frame *frames; /* n_frames views into the parsed bytes */
	size_t n_frames;
	uint64_t skipped; /* records too short for an Ethernet header or longer than max_frame */
};

/*
 * Walk the classic pcap file in bytes[0..len) (either byte order, micro- or nanosecond stamps;
 * link type Ethernet only) and fill *ret with a view of each frame at least an Ethernet header
 * long and at most max_frame bytes; other records are counted in ret->skipped. Every record
 * length is checked against the bytes left.
 *
 * Returns 0, or on failure (*ret untouched, a message naming the offset in err):
 *   -EINVAL            not a classic pcap file, or a record header or body is truncated or
 *                      longer than 262144 bytes (corrupt)
 *   -EPROTONOSUPPORT   a link type other than Ethernet
 *   -ENOENT            no record fits (all skipped, or none at all)
 *   -ENOMEM            out of memory
 * The frames point into bytes, which must outlive *ret; free the table with blast_pcap_done().
 */
int blast_pcap_parse(const uint8_t *bytes, size_t len, uint32_t max_frame, struct blast_pcap *ret,
		     char *err, size_t errlen);

/* Free the frame table of p (not the bytes it points into). NULL-safe. */
void blast_pcap_done(struct blast_pcap *p);

#endif
