/* test-decode.c - link, IP and transport decoders on built frames */
#include <pcap/dlt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../src/sensor/decode.h"
#include "pktbuild.h"

#define SRC 0x2d210101u /* 45.33.1.1 */
#define DST 0xcb007105u /* 203.0.113.5 */

/* Decode from an exact-size heap copy, so ASan sees any read past the frame. */
static enum decode_result dec(int dlt, const struct pb *p, size_t len, struct packet *pkt)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, p->b, len);
	pkt->ts_usec = 1;
	pkt->wire_len = (uint32_t)len;
	enum decode_result r = decode_packet(dlt, copy, len, pkt);
	free(copy);
	return r;
}

static void eth_syn(struct pb *p)
{
	memset(p, 0, sizeof(*p));
	pb_eth(p, 0x0800);
	pb_ipv4(p, 6, SRC, DST, 20, 64, 54321, 0x4000);
	pb_tcp(p, 40000, 23, 0xcb007105u, 0x02, 65535);
}

static void test_eth_tcp(void **state)
{
	struct pb p;
	struct packet pkt;
	(void)state;

	eth_syn(&p);
	assert_int_equal(dec(DLT_EN10MB, &p, p.n, &pkt), DECODE_OK);
	assert_int_equal(pkt.ipver, 4);
	assert_int_equal(pkt.l4, L4_TCP);
	assert_int_equal(ip_addr_v4(&pkt.src), SRC);
	assert_int_equal(ip_addr_v4(&pkt.dst), DST);
	assert_int_equal(pkt.sport, 40000);
	assert_int_equal(pkt.dport, 23);
	assert_int_equal(pkt.tcp_flags, 0x02);
	assert_int_equal(pkt.ip_id, 54321);
	assert_int_equal(pkt.ttl, 64);
	assert_int_equal(pkt.tcp_seq, 0xcb007105u);
	assert_false(pkt.fragment);
}

static void test_every_truncation(void **state)
{
	struct pb p;
	struct packet pkt;
	(void)state;

	eth_syn(&p);
	for (size_t len = 0; len < p.n; len++) {
		enum decode_result r = dec(DLT_EN10MB, &p, len, &pkt);
		if (len < 14)
			assert_int_equal(r, DECODE_TRUNC_LINK);
		else if (len < 34)
			assert_int_equal(r, DECODE_TRUNC_IP);
		else
			assert_int_equal(r, DECODE_TRUNC_TCP);
	}
}

static void test_vlan_qinq_sll(void **state)
{
	struct pb p;
	struct packet pkt;
	(void)state;

	/* 802.1ad outer + 802.1Q inner */
	memset(&p, 0, sizeof(p));
	pb_eth(&p, 0x88a8);
	pb_u16(&p, 100);
	pb_u16(&p, 0x8100);
	pb_u16(&p, 943);
	pb_u16(&p, 0x0800);
	pb_ipv4(&p, 17, SRC, DST, 8, 64, 1, 0);
	pb_udp(&p, 5000, 53413, 0);
	assert_int_equal(dec(DLT_EN10MB, &p, p.n, &pkt), DECODE_OK);
	assert_int_equal(pkt.vlan_tags, 2);
	assert_int_equal(pkt.l4, L4_UDP);
	assert_int_equal(pkt.dport, 53413);

	/* five tags: refused, not looped on */
	memset(&p, 0, sizeof(p));
	pb_eth(&p, 0x8100);
	for (int i = 0; i < 5; i++) {
		pb_u16(&p, 1);
		pb_u16(&p, 0x8100);
	}
	assert_int_equal(dec(DLT_EN10MB, &p, p.n, &pkt), DECODE_TOO_MANY_TAGS);

	/* Linux cooked v1 */
	memset(&p, 0, sizeof(p));
	pb_u16(&p, 0);
	pb_u16(&p, 1);
	pb_u16(&p, 6);
	pb_bytes(&p, "\1\2\3\4\5\6\0\0", 8);
	pb_u16(&p, 0x0800);
	pb_ipv4(&p, 6, SRC, DST, 20, 64, 1, 0);
	pb_tcp(&p, 1, 445, 0, 0x02, 1024);
	assert_int_equal(dec(DLT_LINUX_SLL, &p, p.n, &pkt), DECODE_OK);
	assert_int_equal(pkt.dport, 445);

	/* Linux cooked v2 */
	memset(&p, 0, sizeof(p));
	pb_u16(&p, 0x0800);
	pb_u16(&p, 0);
	pb_u32(&p, 2);
	pb_u16(&p, 1);
	pb_u8(&p, 0);
	pb_u8(&p, 6);
	pb_bytes(&p, "\1\2\3\4\5\6\0\0", 8);
	pb_ipv4(&p, 6, SRC, DST, 20, 64, 1, 0);
	pb_tcp(&p, 1, 3389, 0, 0x02, 1024);
	assert_int_equal(dec(276, &p, p.n, &pkt), DECODE_OK);
	assert_int_equal(pkt.dport, 3389);

	/* raw IP, both DLT numbers libpcap uses */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 1, SRC, DST, 8, 64, 1, 0);
	pb_icmp(&p, 8, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_OK);
	assert_int_equal(pkt.l4, L4_ICMP);
	assert_int_equal(pkt.icmp_type, 8);
	assert_int_equal(dec(101, &p, p.n, &pkt), DECODE_OK);

	/* ARP is not IP, and an unknown link type is said so */
	memset(&p, 0, sizeof(p));
	pb_eth(&p, 0x0806);
	pb_u32(&p, 0);
	assert_int_equal(dec(DLT_EN10MB, &p, p.n, &pkt), DECODE_NON_IP);
	assert_int_equal(dec(147, &p, p.n, &pkt), DECODE_UNKNOWN_LINKTYPE);
	assert_false(decode_linktype_supported(147));
}

static void test_bad_ip(void **state)
{
	struct pb p;
	struct packet pkt;
	(void)state;

	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 6, SRC, DST, 20, 64, 1, 0);
	pb_tcp(&p, 1, 2, 0, 2, 0);
	p.b[0] = 0x44; /* IHL 4 */
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_BAD_IP_HLEN);
	p.b[0] = 0x4f; /* IHL 15 = 60 bytes > 40 captured */
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_BAD_IP_HLEN);
	p.b[0] = 0x45;
	p.b[2] = 0;
	p.b[3] = 10; /* total length 10 < header */
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_BAD_IP_LEN);
	p.b[0] = 0x55;
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_BAD_IP_VERSION);

	/* TCP data offset below 5 */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 6, SRC, DST, 20, 64, 1, 0);
	pb_tcp(&p, 1, 2, 0, 2, 0);
	p.b[20 + 12] = 0x40;
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_BAD_TCP_OFF);

	/* the total length cuts the transport header: Ethernet padding is not read as TCP */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 6, SRC, DST, 10, 64, 1, 0);
	pb_tcp(&p, 1, 2, 0, 2, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_TRUNC_TCP);

	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, SRC, DST, 7, 64, 1, 0);
	pb_u32(&p, 0);
	pb_u16(&p, 0);
	pb_u8(&p, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_TRUNC_UDP);
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 1, SRC, DST, 4, 64, 1, 0);
	pb_u32(&p, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_TRUNC_ICMP);
}

static void test_fragments(void **state)
{
	struct pb p;
	struct packet pkt;
	(void)state;

	/* first fragment: MF set, offset 0, transport decoded */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, SRC, DST, 16, 64, 7, 0x2000);
	pb_udp(&p, 53, 1234, 8);
	pb_u32(&p, 0);
	pb_u32(&p, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_OK);
	assert_true(pkt.fragment);
	assert_false(pkt.later_fragment);
	assert_int_equal(pkt.l4, L4_UDP);
	assert_int_equal(pkt.sport, 53);

	/* later fragment: no transport header */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, SRC, DST, 8, 64, 7, 0x0002);
	pb_u32(&p, 0xffffffffu);
	pb_u32(&p, 0xffffffffu);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_OK);
	assert_true(pkt.fragment);
	assert_true(pkt.later_fragment);
	assert_int_equal(pkt.l4, L4_OTHER);
	assert_int_equal(pkt.ipproto, 17);
	assert_int_equal(pkt.dport, 0);
}

static void test_ipv6(void **state)
{
	struct pb p;
	struct packet pkt;
	uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xde, 0xad, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
	(void)state;

	/* hop-by-hop (8 bytes) then fragment header (first fragment) then TCP */
	memset(&p, 0, sizeof(p));
	pb_eth(&p, 0x86dd);
	pb_ipv6(&p, 0, s6, d6, 8 + 8 + 20, 255);
	pb_u8(&p, 44);
	pb_u8(&p, 0);
	pb_u16(&p, 0);
	pb_u32(&p, 0);
	pb_u8(&p, 6);
	pb_u8(&p, 0);
	pb_u16(&p, 0x0001); /* offset 0, M set */
	pb_u32(&p, 0x12345678u);
	pb_tcp(&p, 1000, 22, 5, 0x02, 512);
	assert_int_equal(dec(DLT_EN10MB, &p, p.n, &pkt), DECODE_OK);
	assert_int_equal(pkt.ipver, 6);
	assert_int_equal(pkt.l4, L4_TCP);
	assert_int_equal(pkt.dport, 22);
	assert_true(pkt.fragment);
	assert_false(pkt.later_fragment);
	assert_int_equal(pkt.ttl, 255);
	for (size_t len = 14; len < p.n; len++)
		assert_int_not_equal(dec(DLT_EN10MB, &p, len, &pkt), DECODE_OK);

	/* an extension header claiming more bytes than there are */
	memset(&p, 0, sizeof(p));
	pb_ipv6(&p, 60, s6, d6, 8, 64);
	pb_u8(&p, 6);
	pb_u8(&p, 200);
	pb_u16(&p, 0);
	pb_u32(&p, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_IP6_EXT_CHAIN);

	/* a chain of nine destination-options headers is cut off */
	memset(&p, 0, sizeof(p));
	pb_ipv6(&p, 60, s6, d6, 9 * 8 + 8, 64);
	for (int i = 0; i < 9; i++) {
		pb_u8(&p, 60);
		pb_u8(&p, 0);
		pb_u16(&p, 0);
		pb_u32(&p, 0);
	}
	pb_udp(&p, 1, 2, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_IP6_EXT_CHAIN);

	/* ICMPv6 destination unreachable quoting an IPv6/UDP packet */
	memset(&p, 0, sizeof(p));
	pb_ipv6(&p, 58, s6, d6, 8 + 40 + 8, 64);
	pb_icmp(&p, 1, 4);
	pb_ipv6(&p, 17, d6, s6, 8, 64);
	pb_udp(&p, 4444, 161, 0);
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_OK);
	assert_int_equal(pkt.l4, L4_ICMP6);
	assert_true(pkt.inner.valid);
	assert_int_equal(pkt.inner.dport, 161);
	assert_memory_equal(pkt.inner.dst.a, s6, 16);
}

static void test_icmp_inner(void **state)
{
	struct pb p;
	struct packet pkt;
	(void)state;

	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 1, 0x01020304u, DST, 8 + 20 + 8, 250, 1, 0);
	pb_icmp(&p, 3, 1);
	pb_ipv4(&p, 6, DST, 0x05060708u, 20, 64, 9, 0);
	pb_tcp(&p, 31337, 80, 0, 0x02, 0);
	p.n -= 12; /* quote only 8 bytes of TCP, as RFC 792 routers do */
	assert_int_equal(dec(DLT_RAW, &p, p.n, &pkt), DECODE_OK);
	/* the outer total length says 56 bytes; 44 are captured: decoding stays inside them */
	assert_true(pkt.inner.valid);
	assert_int_equal(pkt.inner.ipproto, 6);
	assert_int_equal(ip_addr_v4(&pkt.inner.src), DST);
	assert_int_equal(ip_addr_v4(&pkt.inner.dst), 0x05060708u);
	assert_int_equal(pkt.inner.dport, 80);

	/* a quoted header cut short leaves inner invalid, the outer packet fine */
	assert_int_equal(dec(DLT_RAW, &p, 20 + 8 + 19, &pkt), DECODE_OK);
	assert_false(pkt.inner.valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eth_tcp),	  cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_vlan_qinq_sll), cmocka_unit_test(test_bad_ip),
	    cmocka_unit_test(test_fragments),	  cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_icmp_inner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
