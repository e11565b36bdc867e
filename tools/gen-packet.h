/* gen-packet.h - describe one synthetic packet, and lay it out on the wire behind a link header
 *
 * The generator first fills a struct gen_pkt (what the packet is), then gen_packet_build()
 * writes the bytes: the same description feeds the ground-truth counting in gen-truth.c, so the
 * truth is derived from what was emitted, not from the bytes re-parsed.
 */
#ifndef KEIKAI_GEN_PACKET_H
#define KEIKAI_GEN_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* Largest frame gen_packet_build() writes (payloads are capped at GEN_PAYLOAD_MAX). */
#define GEN_FRAME_MAX	512
#define GEN_PAYLOAD_MAX 256

#define GEN_TCP_FIN 0x01
#define GEN_TCP_SYN 0x02
#define GEN_TCP_RST 0x04
#define GEN_TCP_PSH 0x08
#define GEN_TCP_ACK 0x10
#define GEN_TCP_URG 0x20

#define GEN_IPPROTO_ICMP   1
#define GEN_IPPROTO_TCP	   6
#define GEN_IPPROTO_UDP	   17
#define GEN_IPPROTO_GRE	   47
#define GEN_IPPROTO_ICMPV6 58

struct gen_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t a[16];	/* network byte order; an IPv4 address in a[0..3], the rest zero */
};

enum gen_kind {
	GEN_TCP,	/* 20-byte TCP header, no options, no payload */
	GEN_UDP,	/* UDP header + payload (an IPv4 first fragment when more_frags is set) */
	GEN_ICMP,	/* ICMP or ICMPv6 query/reply: 8-byte header + payload */
	GEN_ICMP_ERROR, /* ICMPv4 error quoting an IPv4 header + the first 8 bytes of TCP */
	GEN_GRE,	/* GRE (RFC 2784) carrying a small IPv4/UDP packet */
	GEN_FRAG_REST,	/* IPv4 fragment with offset > 0: payload bytes only, no L4 header */
};

enum gen_payload {
	GEN_PAY_PATTERN,      /* payload_len printable bytes */
	GEN_PAY_DNS_QUERY,    /* DNS query, one question "isc.org ANY" */
	GEN_PAY_DNS_RESPONSE, /* DNS response to that query, TC set, no answers */
	GEN_PAY_NTP,	      /* 48-byte NTPv4 client request */
	GEN_PAY_SSDP,	      /* SSDP M-SEARCH request */
};

struct gen_pkt {
	uint64_t ts_us; /* capture time, microseconds since the epoch */
	enum gen_kind kind;
	struct gen_addr src, dst;
	uint8_t ttl;	    /* TTL or hop limit */
	uint16_t ip_id;	    /* IPv4 identification */
	uint16_t frag_off;  /* IPv4 fragment offset in 8-byte units */
	uint8_t more_frags; /* IPv4 MF flag */
	uint8_t ip_proto;   /* GEN_FRAG_REST only: the IPv4 protocol field */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t tcp_flags; /* GEN_TCP_* */
	uint16_t window;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* queries; icmp_id is also the DNS transaction ID */
	enum gen_payload payload;
	uint16_t payload_len;	/* GEN_PAY_PATTERN: bytes carried in this packet */
	uint16_t udp_len_total; /* first fragment: UDP length of the whole datagram */
	/* GEN_ICMP_ERROR and GEN_GRE: the quoted or encapsulated packet */
	struct gen_addr in_src, in_dst;
	uint16_t in_sport, in_dport;
	uint32_t in_seq;
};

enum gen_link {
	GEN_LINK_EN10MB, /* Ethernet II */
	GEN_LINK_VLAN,	 /* Ethernet with one 802.1Q tag */
	GEN_LINK_QINQ,	 /* Ethernet with 802.1ad (0x88a8) outer and 802.1Q inner tag */
	GEN_LINK_SLL,	 /* Linux cooked capture v1, 16-byte header */
	GEN_LINK_SLL2,	 /* Linux cooked capture v2, 20-byte header */
	GEN_LINK_RAW,	 /* raw IPv4/IPv6, no link header */
	GEN_LINK_MAX
};

/* Look up a link type by its command-line name ("en10mb", "vlan", "qinq", "sll", "sll2",
 * "raw"). Returns 0 and sets *ret_link, or -EINVAL (ret_link untouched). */
int gen_link_from_name(const char *name, enum gen_link *ret_link);

/* The command-line name of a link type. */
const char *gen_link_name(enum gen_link link);

/* The libpcap DLT_* value to open the dump with. */
int gen_link_dlt(enum gen_link link);

/* The number of payload bytes the packet carries, from its payload kind and payload_len. */
size_t gen_packet_payload_len(const struct gen_pkt *p);

/* Write the frame for p into buf (cap bytes; GEN_FRAME_MAX always suffices). Every checksum
 * (IPv4 header, TCP, UDP, ICMP, ICMPv6, quoted and encapsulated headers) is computed; Ethernet
 * frames are zero-padded to the 60-byte minimum. Returns the frame length, or 0 when the frame
 * would not fit or p asks for something this builder does not make. Pure; thread-safe. */
size_t gen_packet_build(const struct gen_pkt *p, enum gen_link link, uint8_t *buf, size_t cap);

#endif
