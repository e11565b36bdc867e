/* decode-tcp.c - TCP header (RFC 9293)
 *
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 */
#include "decode.h"

#include "../lib/banned.h"

enum decode_result decode_tcp(struct cursor c, struct packet *pkt)
{
	if (!cursor_has(&c, 20))
		return DECODE_TRUNC_TCP;
	pkt->sport = cursor_peek_be16(&c, 0);
	pkt->dport = cursor_peek_be16(&c, 2);
	pkt->tcp_seq = cursor_peek_be32(&c, 4);
	pkt->tcp_doff = (uint8_t)(cursor_peek_u8(&c, 12) >> 4);
	pkt->tcp_flags = cursor_peek_u8(&c, 13);
	pkt->tcp_win = cursor_peek_be16(&c, 14);
	if (pkt->tcp_doff < 5)
		return DECODE_BAD_TCP_OFF;
	return DECODE_OK;
}
