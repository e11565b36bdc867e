/* decode-link.c - link layers: Ethernet (IEEE 802.3) with 802.1Q/802.1ad tags, Linux cooked
 * capture v1 and v2 (SLL, SLL2), BSD loopback, and raw IP
 *
 *   Ethernet:  dst(6) src(6) type(2)        802.1Q tag: TPID(2)=0x8100|0x88a8|0x9100 TCI(2)
 *   SLL:       pkttype(2) hatype(2) halen(2) addr(8) protocol(2)                 = 16 bytes
 *   SLL2:      protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) = 20
 */
#include "decode.h"

#include <pcap/dlt.h>
#include <string.h>

#include "../lib/banned.h"

#define ETHERTYPE_IPV4	   0x0800
#define ETHERTYPE_IPV6	   0x86dd
#define ETHERTYPE_VLAN	   0x8100
#define ETHERTYPE_QINQ	   0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static const char *const result_names[DECODE_RESULT_MAX] = {
    [DECODE_OK] = "ok",
    [DECODE_NON_IP] = "non_ip",
    [DECODE_UNKNOWN_LINKTYPE] = "unknown_linktype",
    [DECODE_TRUNC_LINK] = "truncated_link",
    [DECODE_TOO_MANY_TAGS] = "too_many_vlan_tags",
    [DECODE_TRUNC_IP] = "truncated_ip",
    [DECODE_BAD_IP_VERSION] = "bad_ip_version",
    [DECODE_BAD_IP_HLEN] = "bad_ip_header_length",
    [DECODE_BAD_IP_LEN] = "bad_ip_total_length",
    [DECODE_IP6_EXT_CHAIN] = "bad_ipv6_extension_chain",
    [DECODE_TRUNC_TCP] = "truncated_tcp",
    [DECODE_BAD_TCP_OFF] = "bad_tcp_data_offset",
    [DECODE_TRUNC_UDP] = "truncated_udp",
    [DECODE_TRUNC_ICMP] = "truncated_icmp",
};

const char *decode_result_name(enum decode_result r)
{
	if ((unsigned)r >= DECODE_RESULT_MAX)
		return "unknown";
	return result_names[r];
}

/* Raw IP: DLT_RAW is 12 or 14 depending on the platform that wrote the file, and the file
 * format's LINKTYPE_RAW is 101; libpcap usually maps them, but accept all three. */
static int is_raw_ip(int dlt)
{
	return dlt == DLT_RAW || dlt == 101 || dlt == 12 || dlt == 14;
}

int decode_linktype_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	default:
		return is_raw_ip(dlt);
	}
}

static enum decode_result decode_ethertype(uint16_t type, struct cursor c, struct packet *pkt)
{
	/* 802.1Q / 802.1ad stacks: at most DECODE_MAX_VLAN_TAGS, then give up. */
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
		if (pkt->vlan_tags >= DECODE_MAX_VLAN_TAGS)
			return DECODE_TOO_MANY_TAGS;
		if (!cursor_has(&c, 4))
			return DECODE_TRUNC_LINK;
		type = cursor_peek_be16(&c, 2);
		(void)cursor_skip(&c, 4);
		pkt->vlan_tags++;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(c, pkt);
	case ETHERTYPE_IPV6:
		return decode_ipv6(c, pkt);
	default:
		return DECODE_NON_IP;
	}
}

enum decode_result decode_packet(int dlt, const uint8_t *data, size_t caplen, struct packet *ret)
{
	struct cursor c = cursor_make(data, caplen);
	uint64_t ts = ret->ts_usec;
	uint32_t wire = ret->wire_len;

	/* Zeroed in two parts: one memset of the whole struct is compiled to "rep stos", whose
	 * start-up cost was most of this function's time; parts of at most 64 bytes become a few
	 * vector stores. */
	_Static_assert(sizeof(*ret) > 64 && sizeof(*ret) <= 192, "struct packet zeroed in parts");
	memset(ret, 0, 64);
	memset((unsigned char *)ret + 64, 0, sizeof(*ret) - 64);
	ret->ts_usec = ts;
	ret->wire_len = wire;
	ret->l4 = L4_OTHER;

	switch (dlt) {
	case DLT_EN10MB:
		if (!cursor_has(&c, 14))
			return DECODE_TRUNC_LINK;
		{
			uint16_t type = cursor_peek_be16(&c, 12);
			(void)cursor_skip(&c, 14);
			if (type <= 1500) /* 802.3 length field: LLC, not IP */
				return DECODE_NON_IP;
			return decode_ethertype(type, c, ret);
		}
	case DLT_LINUX_SLL:
		if (!cursor_has(&c, 16))
			return DECODE_TRUNC_LINK;
		{
			uint16_t type = cursor_peek_be16(&c, 14);
			(void)cursor_skip(&c, 16);
			return decode_ethertype(type, c, ret);
		}
	case DLT_LINUX_SLL2:
		if (!cursor_has(&c, 20))
			return DECODE_TRUNC_LINK;
		{
			uint16_t type = cursor_peek_be16(&c, 0);
			(void)cursor_skip(&c, 20);
			return decode_ethertype(type, c, ret);
		}
	case DLT_NULL:
	case DLT_LOOP:
		/* 4-byte address family, host order for DLT_NULL, network order for DLT_LOOP;
		 * the IP version nibble tells us all we need. */
		if (!cursor_has(&c, 4))
			return DECODE_TRUNC_LINK;
		(void)cursor_skip(&c, 4);
		return decode_ip(c, ret);
	case DLT_IPV4:
		return decode_ipv4(c, ret);
	case DLT_IPV6:
		return decode_ipv6(c, ret);
	default:
		if (is_raw_ip(dlt))
			return decode_ip(c, ret);
		return DECODE_UNKNOWN_LINKTYPE;
	}
}
