/* decode-ip.c - IP version and transport dispatch */
#include "decode.h"

#include "../lib/banned.h"

enum decode_result decode_ip(struct cursor c, struct packet *pkt)
{
	if (!cursor_has(&c, 1))
		return DECODE_TRUNC_IP;
	switch (cursor_peek_u8(&c, 0) >> 4) {
	case 4:
		return decode_ipv4(c, pkt);
	case 6:
		return decode_ipv6(c, pkt);
	default:
		return DECODE_BAD_IP_VERSION;
	}
}

enum decode_result decode_transport(struct cursor c, struct packet *pkt)
{
	switch (pkt->ipproto) {
	case 6:
		pkt->l4 = L4_TCP;
		return decode_tcp(c, pkt);
	case 17:
		pkt->l4 = L4_UDP;
		return decode_udp(c, pkt);
	case 1:
		pkt->l4 = L4_ICMP;
		return decode_icmp(c, pkt);
	case 58:
		pkt->l4 = L4_ICMP6;
		return decode_icmp6(c, pkt);
	default:
		pkt->l4 = L4_OTHER;
		return DECODE_OK;
	}
}
