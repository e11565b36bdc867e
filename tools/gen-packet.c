/* gen-packet.c - lay out a synthetic packet: link header, IPv4/IPv6, TCP/UDP/ICMP/GRE
 *
 * RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 768 (UDP), RFC 792 (ICMP), RFC 4443
 * (ICMPv6), RFC 2784 (GRE), RFC 1071 (Internet checksum), RFC 1035 (DNS), RFC 5905 (NTP).
 *
 *   Ethernet:  dst(6) src(6) [TPID(2) TCI(2)]... type(2)
 *   SLL:       pkttype(2) hatype(2) halen(2) addr(8) protocol(2)                    = 16 bytes
 *   SLL2:      protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) = 20
 */
#include "gen-packet.h"

#include <errno.h>
#include <string.h>
#include <pcap/dlt.h>

#include "../src/lib/banned.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETH_MIN_FRAME  60 /* without the FCS */

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN  20
#define UDP_HLEN  8
#define ICMP_HLEN 8
#define GRE_HLEN  4

/* Locally administered MACs: the capture host, and the upstream router. */
static const uint8_t mac_sensor[6] = {0x02, 0x6b, 0x6b, 0x00, 0x00, 0x01};
static const uint8_t mac_router[6] = {0x02, 0x6b, 0x6b, 0x00, 0x00, 0xfe};

static const char *const link_names[GEN_LINK_MAX] = {
    [GEN_LINK_EN10MB] = "en10mb", [GEN_LINK_VLAN] = "vlan", [GEN_LINK_QINQ] = "qinq",
    [GEN_LINK_SLL] = "sll",	  [GEN_LINK_SLL2] = "sll2", [GEN_LINK_RAW] = "raw",
};

/* "isc.org" ANY IN: the classic amplification query. */
static const uint8_t dns_question[] = {3,   'i', 's',  'c',  3,	   'o', 'r',
				       'g', 0,	 0x00, 0xff, 0x00, 0x01};
static const char ssdp_msearch[] = "M-SEARCH * HTTP/1.1\r\n"
				   "HOST: 239.255.255.250:1900\r\n"
				   "MAN: \"ssdp:discover\"\r\n"
				   "MX: 1\r\n"
				   "ST: ssdp:all\r\n"
				   "\r\n";

#define DNS_HLEN 12
#define NTP_LEN	 48

int gen_link_from_name(const char *name, enum gen_link *ret_link)
{
	for (int i = 0; i < GEN_LINK_MAX; i++) {
		if (strcmp(name, link_names[i]) == 0) {
			*ret_link = (enum gen_link)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *gen_link_name(enum gen_link link)
{
	if ((unsigned)link >= GEN_LINK_MAX)
		return "unknown";
	return link_names[link];
}

int gen_link_dlt(enum gen_link link)
{
	switch (link) {
	case GEN_LINK_SLL:
		return DLT_LINUX_SLL;
	case GEN_LINK_SLL2:
		return DLT_LINUX_SLL2;
	case GEN_LINK_RAW:
		return DLT_RAW;
	case GEN_LINK_EN10MB:
	case GEN_LINK_VLAN:
	case GEN_LINK_QINQ:
	case GEN_LINK_MAX:
		break;
	}
	return DLT_EN10MB;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* RFC 1071 one's-complement sum of n bytes, big-endian 16-bit words; an odd tail byte is padded.
 * Only the last chunk of a checksummed run may have odd length. */
static uint64_t csum_add(uint64_t sum, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += ((uint64_t)b[i] << 8) | b[i + 1];
	if (i < n)
		sum += (uint64_t)b[i] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sum of the IPv4 or IPv6 pseudo-header for an upper-layer length len. */
static uint64_t csum_pseudo(const struct gen_addr *src, const struct gen_addr *dst, uint8_t proto,
			    uint32_t len)
{
	uint64_t sum;

	if (src->family == 6) {
		sum = csum_add(0, src->a, 16);
		sum = csum_add(sum, dst->a, 16);
	} else {
		sum = csum_add(0, src->a, 4);
		sum = csum_add(sum, dst->a, 4);
	}
	return sum + proto + (len >> 16) + (len & 0xffff);
}

static uint8_t pattern_byte(size_t idx)
{
	return (uint8_t)('A' + idx % 26);
}

static void pattern_fill(uint8_t *b, size_t n, size_t first_idx)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pattern_byte(first_idx + i);
}

size_t gen_packet_payload_len(const struct gen_pkt *p)
{
	switch (p->payload) {
	case GEN_PAY_DNS_QUERY:
	case GEN_PAY_DNS_RESPONSE:
		return DNS_HLEN + sizeof(dns_question);
	case GEN_PAY_NTP:
		return NTP_LEN;
	case GEN_PAY_SSDP:
		return sizeof(ssdp_msearch) - 1;
	case GEN_PAY_PATTERN:
		break;
	}
	return p->payload_len > GEN_PAYLOAD_MAX ? GEN_PAYLOAD_MAX : p->payload_len;
}

/* Write the payload (gen_packet_payload_len(p) bytes) at b. */
static void payload_write(const struct gen_pkt *p, uint8_t *b)
{
	size_t n = gen_packet_payload_len(p);

	switch (p->payload) {
	case GEN_PAY_DNS_QUERY:
	case GEN_PAY_DNS_RESPONSE:
		memset(b, 0, DNS_HLEN);
		put16(b, p->icmp_id);
		put16(b + 2, p->payload == GEN_PAY_DNS_QUERY ? 0x0100 : 0x8380);
		put16(b + 4, 1); /* one question, no answers: a truncated reply */
		memcpy(b + DNS_HLEN, dns_question, sizeof(dns_question));
		return;
	case GEN_PAY_NTP:
		memset(b, 0, NTP_LEN);
		b[0] = 0x23; /* LI 0, version 4, mode 3 (client) */
		return;
	case GEN_PAY_SSDP:
		memcpy(b, ssdp_msearch, n);
		return;
	case GEN_PAY_PATTERN:
		break;
	}
	pattern_fill(b, n, 0);
}

static void ipv4_header(uint8_t *b, uint16_t total, uint16_t id, uint16_t frag, uint8_t ttl,
			uint8_t proto, const uint8_t *src, const uint8_t *dst)
{
	b[0] = 0x45;
	b[1] = 0;
	put16(b + 2, total);
	put16(b + 4, id);
	put16(b + 6, frag);
	b[8] = ttl;
	b[9] = proto;
	put16(b + 10, 0);
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	put16(b + 10, csum_fold(csum_add(0, b, IPV4_HLEN)));
}

static void udp_header(uint8_t *b, uint16_t sport, uint16_t dport, uint16_t len)
{
	put16(b, sport);
	put16(b + 2, dport);
	put16(b + 4, len);
	put16(b + 6, 0);
}

/* The UDP checksum field, which carries 0xffff for a computed zero (RFC 768). */
static uint16_t udp_csum(uint64_t sum)
{
	uint16_t c = csum_fold(sum);
	return c == 0 ? 0xffff : c;
}

/* Write the upper layer of p at b (cap bytes). Returns its length and sets *ret_proto, or
 * returns 0. */
static size_t l4_build(const struct gen_pkt *p, uint8_t *b, size_t cap, uint8_t *ret_proto)
{
	const int v6 = p->src.family == 6;
	size_t pay = gen_packet_payload_len(p);
	size_t len;

	switch (p->kind) {
	case GEN_TCP:
		if (cap < TCP_HLEN)
			return 0;
		put16(b, p->sport);
		put16(b + 2, p->dport);
		put32(b + 4, p->seq);
		put32(b + 8, p->ack);
		b[12] = (TCP_HLEN / 4) << 4;
		b[13] = p->tcp_flags;
		put16(b + 14, p->window);
		put16(b + 16, 0);
		put16(b + 18, 0);
		put16(b + 16,
		      csum_fold(csum_add(csum_pseudo(&p->src, &p->dst, GEN_IPPROTO_TCP, TCP_HLEN),
					 b, TCP_HLEN)));
		*ret_proto = GEN_IPPROTO_TCP;
		return TCP_HLEN;

	case GEN_UDP: {
		uint64_t sum;
		uint16_t ulen;

		len = UDP_HLEN + pay;
		if (cap < len)
			return 0;
		payload_write(p, b + UDP_HLEN);
		if (p->more_frags && !v6 && p->udp_len_total > len) {
			/* A first fragment: the length and checksum cover the whole datagram,
			 * whose data continue the same pattern. */
			uint8_t rest[GEN_FRAME_MAX];
			size_t total = p->udp_len_total;

			if (p->payload != GEN_PAY_PATTERN || total - UDP_HLEN > sizeof(rest))
				return 0;
			ulen = p->udp_len_total;
			udp_header(b, p->sport, p->dport, ulen);
			pattern_fill(rest, total - UDP_HLEN, 0);
			sum = csum_pseudo(&p->src, &p->dst, GEN_IPPROTO_UDP, ulen);
			sum = csum_add(sum, b, UDP_HLEN);
			sum = csum_add(sum, rest, total - UDP_HLEN);
		} else {
			ulen = (uint16_t)len;
			udp_header(b, p->sport, p->dport, ulen);
			sum = csum_pseudo(&p->src, &p->dst, GEN_IPPROTO_UDP, ulen);
			sum = csum_add(sum, b, len);
		}
		put16(b + 6, udp_csum(sum));
		*ret_proto = GEN_IPPROTO_UDP;
		return len;
	}

	case GEN_ICMP: {
		uint64_t sum = 0;

		len = ICMP_HLEN + pay;
		if (cap < len)
			return 0;
		b[0] = p->icmp_type;
		b[1] = p->icmp_code;
		put16(b + 2, 0);
		put16(b + 4, p->icmp_id);
		put16(b + 6, p->icmp_seq);
		payload_write(p, b + ICMP_HLEN);
		if (v6)
			sum = csum_pseudo(&p->src, &p->dst, GEN_IPPROTO_ICMPV6, (uint32_t)len);
		put16(b + 2, csum_fold(csum_add(sum, b, len)));
		*ret_proto = v6 ? GEN_IPPROTO_ICMPV6 : GEN_IPPROTO_ICMP;
		return len;
	}

	case GEN_ICMP_ERROR: {
		uint8_t *in = b + ICMP_HLEN;

		if (v6)
			return 0;
		len = ICMP_HLEN + IPV4_HLEN + 8;
		if (cap < len)
			return 0;
		b[0] = p->icmp_type;
		b[1] = p->icmp_code;
		memset(b + 2, 0, 6);
		/* The quoted packet: a 40-byte TCP SYN from the dark address to the victim, as the
		 * router saw it (TTL nearly spent). */
		ipv4_header(in, IPV4_HLEN + TCP_HLEN, (uint16_t)(p->in_seq >> 16), 0, 3,
			    GEN_IPPROTO_TCP, p->in_src.a, p->in_dst.a);
		put16(in + IPV4_HLEN, p->in_sport);
		put16(in + IPV4_HLEN + 2, p->in_dport);
		put32(in + IPV4_HLEN + 4, p->in_seq);
		put16(b + 2, csum_fold(csum_add(0, b, len)));
		*ret_proto = GEN_IPPROTO_ICMP;
		return len;
	}

	case GEN_GRE: {
		uint8_t *in = b + GRE_HLEN;
		uint8_t *udp = in + IPV4_HLEN;
		const size_t inner_pay = 8;
		uint64_t sum;

		if (v6)
			return 0;
		len = GRE_HLEN + IPV4_HLEN + UDP_HLEN + inner_pay;
		if (cap < len)
			return 0;
		put16(b, 0); /* no checksum, key or sequence number; version 0 */
		put16(b + 2, ETHERTYPE_IPV4);
		ipv4_header(in, (uint16_t)(IPV4_HLEN + UDP_HLEN + inner_pay), p->icmp_id, 0, 64,
			    GEN_IPPROTO_UDP, p->in_src.a, p->in_dst.a);
		udp_header(udp, p->in_sport, p->in_dport, (uint16_t)(UDP_HLEN + inner_pay));
		pattern_fill(udp + UDP_HLEN, inner_pay, 0);
		sum = csum_pseudo(&p->in_src, &p->in_dst, GEN_IPPROTO_UDP,
				  (uint32_t)(UDP_HLEN + inner_pay));
		put16(udp + 6, udp_csum(csum_add(sum, udp, UDP_HLEN + inner_pay)));
		*ret_proto = GEN_IPPROTO_GRE;
		return len;
	}

	case GEN_FRAG_REST:
		if (v6 || p->frag_off == 0 || p->payload != GEN_PAY_PATTERN || cap < pay)
			return 0;
		/* The data continue the datagram whose first fragment held the UDP header. */
		pattern_fill(b, pay, (size_t)p->frag_off * 8 - UDP_HLEN);
		*ret_proto = p->ip_proto;
		return pay;
	}
	return 0;
}

/* The length of the link header in front of the IP header. */
static size_t link_header_len(enum gen_link link)
{
	switch (link) {
	case GEN_LINK_VLAN:
		return 18;
	case GEN_LINK_QINQ:
		return 22;
	case GEN_LINK_SLL:
		return 16;
	case GEN_LINK_SLL2:
		return 20;
	case GEN_LINK_RAW:
		return 0;
	case GEN_LINK_EN10MB:
	case GEN_LINK_MAX:
		break;
	}
	return 14;
}

/* Write the link header for an L3 payload of ethertype type at b. */
static void link_header_write(enum gen_link link, uint8_t *b, uint16_t type)
{
	switch (link) {
	case GEN_LINK_EN10MB:
	case GEN_LINK_MAX:
		memcpy(b, mac_sensor, 6);
		memcpy(b + 6, mac_router, 6);
		put16(b + 12, type);
		return;
	case GEN_LINK_VLAN:
		memcpy(b, mac_sensor, 6);
		memcpy(b + 6, mac_router, 6);
		put16(b + 12, ETHERTYPE_VLAN);
		put16(b + 14, 100); /* PCP 0, DEI 0, VID 100 */
		put16(b + 16, type);
		return;
	case GEN_LINK_QINQ:
		memcpy(b, mac_sensor, 6);
		memcpy(b + 6, mac_router, 6);
		put16(b + 12, ETHERTYPE_QINQ);
		put16(b + 14, 200); /* service VID 200 */
		put16(b + 16, ETHERTYPE_VLAN);
		put16(b + 18, 100); /* customer VID 100 */
		put16(b + 20, type);
		return;
	case GEN_LINK_SLL:
		put16(b, 0);	 /* PACKET_HOST: sent to us */
		put16(b + 2, 1); /* ARPHRD_ETHER */
		put16(b + 4, 6);
		memcpy(b + 6, mac_router, 6);
		put16(b + 12, 0);
		put16(b + 14, type);
		return;
	case GEN_LINK_SLL2:
		put16(b, type);
		put16(b + 2, 0);
		put32(b + 4, 2); /* interface index */
		put16(b + 8, 1); /* ARPHRD_ETHER */
		b[10] = 0;	 /* PACKET_HOST */
		b[11] = 6;
		memcpy(b + 12, mac_router, 6);
		put16(b + 18, 0);
		return;
	case GEN_LINK_RAW:
		return;
	}
}

size_t gen_packet_build(const struct gen_pkt *p, enum gen_link link, uint8_t *buf, size_t cap)
{
	const size_t link_len = link_header_len(link);
	const int v6 = p->src.family == 6;
	const size_t l3_hlen = v6 ? IPV6_HLEN : IPV4_HLEN;
	uint8_t *l3 = buf + link_len;
	uint8_t proto = 0;
	size_t l4_len;
	size_t len;

	if (p->src.family != p->dst.family || cap < link_len + l3_hlen)
		return 0;
	l4_len = l4_build(p, l3 + l3_hlen, cap - link_len - l3_hlen, &proto);
	if (l4_len == 0 || l4_len > 0xffff - l3_hlen)
		return 0;

	if (v6) {
		l3[0] = 0x60;
		l3[1] = 0;
		put16(l3 + 2, 0);
		put16(l3 + 4, (uint16_t)l4_len);
		l3[6] = proto;
		l3[7] = p->ttl;
		memcpy(l3 + 8, p->src.a, 16);
		memcpy(l3 + 24, p->dst.a, 16);
	} else {
		uint16_t frag = (uint16_t)((p->more_frags ? 0x2000 : 0) | (p->frag_off & 0x1fff));
		ipv4_header(l3, (uint16_t)(IPV4_HLEN + l4_len), p->ip_id, frag, p->ttl, proto,
			    p->src.a, p->dst.a);
	}
	link_header_write(link, buf, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);

	len = link_len + l3_hlen + l4_len;
	if ((link == GEN_LINK_EN10MB || link == GEN_LINK_VLAN || link == GEN_LINK_QINQ) &&
	    len < ETH_MIN_FRAME && cap >= ETH_MIN_FRAME) {
		memset(buf + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	return len;
}
