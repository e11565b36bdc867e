/* decode-udp.c - UDP header (RFC 768)
 *
 *   |          Source Port          |       Destination Port        |
 *   |            Length             |           Checksum            |
 */
#include "decode.h"

#include "../lib/banned.h"

enum decode_result decode_udp(struct cursor c, struct packet *pkt)
{
	if (!cursor_has(&c, 8))
		return DECODE_TRUNC_UDP;
	pkt->sport = cursor_peek_be16(&c, 0);
	pkt->dport = cursor_peek_be16(&c, 2);
	return DECODE_OK;
}
