/* packet.h - what the decoders learn about one packet
 *
 * decode_packet() fills a struct packet from the captured bytes; classify() then reads it. All
 * fields are host order. Nothing here points into the capture buffer, so a packet can outlive it.
 */
#ifndef KEIKAI_PACKET_H
#define KEIKAI_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/ipaddr.h"

/* Why a packet could not be decoded. Stable names appear in interval records (decode_reason_name).
 */
enum decode_result {
	DECODE_OK = 0,
	DECODE_NON_IP,		 /* ARP, LLDP, ...: not malformed, just not ours */
	DECODE_UNKNOWN_LINKTYPE, /* link type the sensor does not decode */
	DECODE_TRUNC_LINK,	 /* frame shorter than its link header */
	DECODE_TOO_MANY_TAGS,	 /* more 802.1Q/802.1ad tags than DECODE_MAX_VLAN_TAGS */
	DECODE_TRUNC_IP,	 /* shorter than the IP header */
	DECODE_BAD_IP_VERSION,	 /* version field not 4 (or 6 where 6 is expected) */
	DECODE_BAD_IP_HLEN,	 /* IPv4 IHL < 5 or beyond the capture */
	DECODE_BAD_IP_LEN,	 /* IP total/payload length smaller than the header */
	DECODE_IP6_EXT_CHAIN,	 /* IPv6 extension header chain truncated or too long */
	DECODE_TRUNC_TCP,	 /* shorter than the TCP header */
	DECODE_BAD_TCP_OFF,	 /* TCP data offset < 5 */
	DECODE_TRUNC_UDP,	 /* shorter than the UDP header */
	DECODE_TRUNC_ICMP,	 /* shorter than the ICMP header */
	DECODE_RESULT_MAX
};

#define DECODE_MAX_VLAN_TAGS 4

enum l4_proto {
	L4_TCP = 0,
	L4_UDP,
	L4_ICMP,  /* ICMP for IPv4 */
	L4_ICMP6, /* ICMPv6 */
	L4_OTHER, /* any other IP protocol, or a non-first fragment */
	L4_MAX
};

/* TCP flag bits as on the wire (byte 13), plus ECE/CWR. */
enum {
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
	TCP_URG = 0x20,
	TCP_ECE = 0x40,
	TCP_CWR = 0x80,
};

/* The header of the packet an ICMP error quotes (RFC 792, RFC 4443). */
struct inner_hdr {
	bool valid;	 /* a whole IP header was quoted (ports only if 4 more bytes were) */
	uint8_t ipproto; /* inner IP protocol number */
	struct ip_addr src;
	struct ip_addr dst;
	uint16_t sport; /* 0 unless TCP or UDP */
	uint16_t dport;
};

struct packet {
	uint64_t ts_usec;  /* capture time, microseconds since the epoch (UTC) */
	uint32_t wire_len; /* original length on the wire */
	uint8_t ipver;	   /* 4 or 6 */
	uint8_t ipproto;   /* IP protocol number (after IPv6 extension headers) */
	enum l4_proto l4;
	struct ip_addr src;
	struct ip_addr dst;
	uint16_t ip_len;      /* IPv4 total length, or IPv6 payload length + 40 */
	uint16_t ip_id;	      /* IPv4 identification (low 16 bits of the IPv6 fragment id) */
	uint8_t ttl;	      /* TTL or hop limit */
	bool fragment;	      /* any fragment (MF set or offset > 0, or an IPv6 fragment header) */
	bool later_fragment;  /* offset > 0: no transport header in this packet */
	bool ip_reserved_bit; /* IPv4 "evil" bit */
	uint8_t vlan_tags;    /* 802.1Q/802.1ad tags seen */
	/* transport; zero unless present */
	uint16_t sport; /* TCP/UDP source port */
	uint16_t dport; /* TCP/UDP destination port */
	uint8_t tcp_flags;
	uint8_t tcp_doff; /* TCP header length in 32-bit words */
	uint16_t tcp_win;
	uint32_t tcp_seq;
	uint8_t icmp_type;
	uint8_t icmp_code;
	struct inner_hdr inner; /* for ICMP errors */
};

#endif
