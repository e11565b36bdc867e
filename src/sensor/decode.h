/* decode.h - packet decoders: link layer -> IP -> transport
 *
 * The decoders are pure functions over (pointer, length): they never read past the captured
 * bytes, never allocate and keep no state, so they are safe from any thread.
 */
#ifndef KEIKAI_DECODE_H
#define KEIKAI_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/cursor.h"
#include "packet.h"

/* Decode one captured frame of link type dlt (a pcap DLT_* value). Fills *ret (zeroed first,
 * ts_usec and wire_len are the caller's) and returns DECODE_OK or the reason it stopped. A
 * packet whose transport header is cut short still has its IP fields filled. */
enum decode_result decode_packet(int dlt, const uint8_t *data, size_t caplen, struct packet *ret);

/* Whether the sensor decodes this link type. */
int decode_linktype_supported(int dlt);

/* Stable lowercase name of a decode result, used as a JSON key. */
const char *decode_result_name(enum decode_result r);

/* Per-layer decoders, called by decode_packet(); each takes the cursor at its header. */
enum decode_result decode_ipv4(struct cursor c, struct packet *pkt);
enum decode_result decode_ipv6(struct cursor c, struct packet *pkt);
enum decode_result decode_ip(struct cursor c, struct packet *pkt);
/* Decode the transport header named by pkt->ipproto; sets pkt->l4. */
enum decode_result decode_transport(struct cursor c, struct packet *pkt);
enum decode_result decode_tcp(struct cursor c, struct packet *pkt);
enum decode_result decode_udp(struct cursor c, struct packet *pkt);
enum decode_result decode_icmp(struct cursor c, struct packet *pkt);
enum decode_result decode_icmp6(struct cursor c, struct packet *pkt);

#endif
