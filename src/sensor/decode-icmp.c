/* decode-icmp.c - ICMP (RFC 792) and ICMPv6 (RFC 4443), with the header an error quotes
 *
 *   |     Type      |     Code      |          Checksum             |
 *   |                 rest of header (4 bytes)                      |
 *   | errors: the offending packet's IP header + at least 8 bytes   |
 */
#include "decode.h"

#include "../lib/banned.h"

/* Parse the quoted IP header and the first 8 bytes after it. Best effort: on any shortfall
 * inner.valid stays false; the outer packet is still fine. */
static void decode_inner(struct cursor c, int want_ver, struct inner_hdr *in)
{
	size_t hlen;

	if (want_ver == 4) {
		if (!cursor_has(&c, 20) || cursor_peek_u8(&c, 0) >> 4 != 4)
			return;
		hlen = (size_t)(cursor_peek_u8(&c, 0) & 0x0f) * 4;
		if (hlen < 20 || !cursor_has(&c, hlen))
			return;
		in->ipproto = cursor_peek_u8(&c, 9);
		ip_addr_set4(&in->src, cursor_peek_be32(&c, 12));
		ip_addr_set4(&in->dst, cursor_peek_be32(&c, 16));
	} else {
		if (!cursor_has(&c, 40) || cursor_peek_u8(&c, 0) >> 4 != 6)
			return;
		hlen = 40;
		in->ipproto = cursor_peek_u8(&c, 6);
		ip_addr_set6(&in->src, c.p + 8);
		ip_addr_set6(&in->dst, c.p + 24);
	}
	in->valid = true;
	(void)cursor_skip(&c, hlen);
	if ((in->ipproto == 6 || in->ipproto == 17) && cursor_has(&c, 4)) {
		in->sport = cursor_peek_be16(&c, 0);
		in->dport = cursor_peek_be16(&c, 2);
	}
}

enum decode_result decode_icmp(struct cursor c, struct packet *pkt)
{
	if (!cursor_has(&c, 8))
		return DECODE_TRUNC_ICMP;
	pkt->icmp_type = cursor_peek_u8(&c, 0);
	pkt->icmp_code = cursor_peek_u8(&c, 1);
	switch (pkt->icmp_type) {
	case 3:	 /* destination unreachable */
	case 4:	 /* source quench */
	case 5:	 /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		(void)cursor_skip(&c, 8);
		decode_inner(c, 4, &pkt->inner);
		break;
	default:
		break;
	}
	return DECODE_OK;
}

enum decode_result decode_icmp6(struct cursor c, struct packet *pkt)
{
	if (!cursor_has(&c, 8))
		return DECODE_TRUNC_ICMP;
	pkt->icmp_type = cursor_peek_u8(&c, 0);
	pkt->icmp_code = cursor_peek_u8(&c, 1);
	if (pkt->icmp_type >= 1 && pkt->icmp_type <= 4) {
		(void)cursor_skip(&c, 8);
		decode_inner(c, 6, &pkt->inner);
	}
	return DECODE_OK;
}
