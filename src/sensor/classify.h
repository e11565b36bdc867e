/* classify.h - what a dark address's packet is: probe, backscatter or other; noise and spoofing
 * signs; scanner-tool fingerprints
 *
 * After CAIDA Corsaro's flowtuple classes and Moore et al. (TOCS 2006) for backscatter, the
 * corsaro3 spoofing filters for noise, and Merit darknet-events for tool fingerprints.
 * docs/classification.md states every rule with its source.
 */
#ifndef KEIKAI_CLASSIFY_H
#define KEIKAI_CLASSIFY_H

#include <stdint.h>

#include "packet.h"

enum pkt_class {
	CLASS_PROBE = 0,   /* TCP SYN w/o ACK, UDP, ICMP echo and other requests */
	CLASS_BACKSCATTER, /* TCP SYN-ACK or RST, ICMP errors and replies, UDP from port 53 */
	CLASS_OTHER,
	CLASS_MAX
};

/* Noise and spoofing signs; a packet may carry several. Names in classify_noise_name(). */
enum {
	NOISE_ODD_TCP_FLAGS = 1u << 0,	/* flag combination no normal stack sends */
	NOISE_TTL_GE_200 = 1u << 1,	/* TTL/hop limit >= 200 */
	NOISE_SRC_0_255 = 1u << 2,	/* IPv4 source ending .0 or .255 */
	NOISE_SRC_EQ_DST = 1u << 3,	/* source == destination */
	NOISE_PORT_0 = 1u << 4,		/* TCP/UDP source or destination port 0 */
	NOISE_FRAGMENT = 1u << 5,	/* an IP fragment */
	NOISE_RESERVED_BIT = 1u << 6,	/* IPv4 reserved flag bit set */
	NOISE_UNROUTABLE_SRC = 1u << 7, /* source in a special-purpose range (RFC 6890) */
	NOISE_OTHER_PROTO = 1u << 8,	/* IP protocol other than TCP/UDP/ICMP/ICMPv6 */
	NOISE_MAX_BIT = 9
};

/* Scanner tools recognised by their packets' fields. */
enum {
	FP_ZMAP = 1u << 0,    /* IPv4 ID 54321 */
	FP_MASSCAN = 1u << 1, /* IPv4 ID == (dst ^ dport ^ seq) & 0xffff (TCP) */
	FP_MIRAI = 1u << 2,   /* TCP seq == destination address */
	FP_MAX_BIT = 3
};

struct pkt_verdict {
	enum pkt_class cls;
	uint16_t noise; /* NOISE_* bits */
	uint8_t tools;	/* FP_* bits */
	/* For backscatter: who is under attack. For TCP/UDP and ICMP replies the outer source;
	 * for ICMP errors the destination of the quoted packet. victim_ok false when an ICMP
	 * error's quoted source is not the dark address it was sent to (Corsaro's "mismatch"),
	 * or when the error quotes too little to name anyone. */
	uint8_t victim_ok;
	struct ip_addr victim;
	uint16_t victim_port; /* the victim's port (TCP/UDP source port, or quoted dst port) */
};

/* Classify a decoded packet. Pure; thread-safe. */
void classify_packet(const struct packet *pkt, struct pkt_verdict *ret);

const char *classify_class_name(enum pkt_class c);
/* Name of noise bit number bit (0 .. NOISE_MAX_BIT-1). */
const char *classify_noise_name(unsigned bit);
/* Name of fingerprint bit number bit (0 .. FP_MAX_BIT-1). */
const char *classify_tool_name(unsigned bit);

#endif
