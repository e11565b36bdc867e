/* decode-ipv6.c - IPv6 header and extension headers (RFC 8200)
 *
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                 Source Address (128 bits)                     |
 *   |              Destination Address (128 bits)                   |
 */
#include "decode.h"

#include "../lib/banned.h"

#define IP6_MAX_EXT 8

enum decode_result decode_ipv6(struct cursor c, struct packet *pkt)
{
	if (!cursor_has(&c, 40))
		return DECODE_TRUNC_IP;
	if (cursor_peek_u8(&c, 0) >> 4 != 6)
		return DECODE_BAD_IP_VERSION;
	uint16_t plen = cursor_peek_be16(&c, 4);
	uint8_t next = cursor_peek_u8(&c, 6);

	pkt->ipver = 6;
	pkt->ip_len = (uint16_t)(plen > 65535 - 40 ? 65535 : plen + 40);
	pkt->ttl = cursor_peek_u8(&c, 7);
	ip_addr_set6(&pkt->src, c.p + 8);
	ip_addr_set6(&pkt->dst, c.p + 24);
	(void)cursor_skip(&c, 40);
	if (c.len > plen)
		c.len = plen; /* a jumbogram (plen 0) is left at the captured length's 0 */

	for (int i = 0;; i++) {
		size_t elen;
		switch (next) {
		case 0:	 /* hop-by-hop options */
		case 43: /* routing */
		case 60: /* destination options */
			if (i >= IP6_MAX_EXT || !cursor_has(&c, 2))
				return DECODE_IP6_EXT_CHAIN;
			elen = ((size_t)cursor_peek_u8(&c, 1) + 1) * 8;
			break;
		case 51: /* authentication header: length in 4-byte units, minus 2 */
			if (i >= IP6_MAX_EXT || !cursor_has(&c, 2))
				return DECODE_IP6_EXT_CHAIN;
			elen = ((size_t)cursor_peek_u8(&c, 1) + 2) * 4;
			break;
		case 44: /* fragment */
			if (i >= IP6_MAX_EXT || !cursor_has(&c, 8))
				return DECODE_IP6_EXT_CHAIN;
			{
				uint16_t off = cursor_peek_be16(&c, 2);
				pkt->fragment = true;
				pkt->later_fragment = (off & 0xfff8) != 0;
				pkt->ip_id = (uint16_t)cursor_peek_be32(&c, 4);
			}
			elen = 8;
			break;
		default:
			pkt->ipproto = next;
			if (pkt->later_fragment) {
				pkt->l4 = L4_OTHER;
				return DECODE_OK;
			}
			return decode_transport(c, pkt);
		}
		if (!cursor_has(&c, elen))
			return DECODE_IP6_EXT_CHAIN;
		next = cursor_peek_u8(&c, 0);
		(void)cursor_skip(&c, elen);
	}
}
