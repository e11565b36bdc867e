/* decode-ipv4.c - IPv4 header (RFC 791)
 *
 *    0                   1                   2                   3
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 */
#include "decode.h"

#include "../lib/banned.h"

enum decode_result decode_ipv4(struct cursor c, struct packet *pkt)
{
	if (!cursor_has(&c, 20))
		return DECODE_TRUNC_IP;
	uint8_t vihl = cursor_peek_u8(&c, 0);
	if (vihl >> 4 != 4)
		return DECODE_BAD_IP_VERSION;
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20 || !cursor_has(&c, hlen))
		return DECODE_BAD_IP_HLEN;
	uint16_t total = cursor_peek_be16(&c, 2);
	uint16_t frag = cursor_peek_be16(&c, 6);

	pkt->ipver = 4;
	pkt->ip_len = total;
	pkt->ip_id = cursor_peek_be16(&c, 4);
	pkt->ttl = cursor_peek_u8(&c, 8);
	pkt->ipproto = cursor_peek_u8(&c, 9);
	ip_addr_set4(&pkt->src, cursor_peek_be32(&c, 12));
	ip_addr_set4(&pkt->dst, cursor_peek_be32(&c, 16));
	pkt->ip_reserved_bit = (frag & 0x8000) != 0;
	pkt->fragment = (frag & 0x3fff) != 0; /* MF or offset */
	pkt->later_fragment = (frag & 0x1fff) != 0;
	if (total < hlen)
		return DECODE_BAD_IP_LEN;

	/* Trust the shorter of capture and total length: Ethernet padding is not payload. */
	(void)cursor_skip(&c, hlen);
	size_t payload = (size_t)total - hlen;
	if (c.len > payload)
		c.len = payload;
	if (pkt->later_fragment) {
		pkt->l4 = L4_OTHER;
		return DECODE_OK;
	}
	return decode_transport(c, pkt);
}
