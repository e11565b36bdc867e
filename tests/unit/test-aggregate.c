/* test-aggregate.c - per-port counts, scanners, top sources, bounded tables */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/sensor/aggregate.h"

#define T0 1298937600LL /* 2011-03-01T00:00:00Z */

static struct aggregate_params params(void)
{
	struct aggregate_params p = {
	    .scan_min_dsts = 25,
	    .scan_min_targets = 100,
	    .top_n = 3,
	    .max_sources = 1000,
	    .max_pairs = 1000,
	    .max_triples = 10000,
	    .max_port_dsts = 1000,
	    .max_scanners = 100,
	    .dos = {25, 60, 30, 60, 10, 300, 100},
	};
	return p;
}

static void feed_tcp(struct aggregate *a, uint32_t src, uint32_t dst, uint16_t dport, uint8_t flags,
		     uint64_t ts_usec)
{
	struct packet pkt;
	struct pkt_verdict v;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_usec = ts_usec;
	pkt.wire_len = 60;
	pkt.ipver = 4;
	pkt.ipproto = 6;
	pkt.l4 = L4_TCP;
	ip_addr_set4(&pkt.src, src);
	ip_addr_set4(&pkt.dst, dst);
	pkt.sport = 40000;
	pkt.dport = dport;
	pkt.tcp_flags = flags;
	pkt.ttl = 64;
	classify_packet(&pkt, &v);
	aggregate_packet(a, &pkt, &v);
}

static uint64_t usec(int64_t sec)
{
	return (uint64_t)sec * 1000000u;
}

/* A TCP SYN from IPv6 source F001:db8::S (F the first byte given) to 2001:db8:ffff::D, with the
 * tool marks given. */
static void feed6_from(struct aggregate *a, uint8_t first, uint32_t s, uint32_t d, uint16_t dport,
		       uint8_t tools, uint64_t ts_usec)
{
	struct packet pkt;
	struct pkt_verdict v;
	uint8_t b[16] = {first, 0x01, 0x0d, 0xb8};

	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_usec = ts_usec;
	pkt.wire_len = 74;
	pkt.ipver = 6;
	pkt.ipproto = 6;
	pkt.l4 = L4_TCP;
	b[12] = (uint8_t)(s >> 24);
	b[13] = (uint8_t)(s >> 16);
	b[14] = (uint8_t)(s >> 8);
	b[15] = (uint8_t)s;
	ip_addr_set6(&pkt.src, b);
	b[0] = 0x20;
	b[4] = b[5] = 0xff;
	b[12] = (uint8_t)(d >> 24);
	b[13] = (uint8_t)(d >> 16);
	b[14] = (uint8_t)(d >> 8);
	b[15] = (uint8_t)d;
	ip_addr_set6(&pkt.dst, b);
	pkt.sport = 40000;
	pkt.dport = dport;
	pkt.tcp_flags = 0x02;
	pkt.ttl = 64;
	classify_packet(&pkt, &v);
	v.tools = tools;
	aggregate_packet(a, &pkt, &v);
}

/* The same from 2001:db8::S. */
static void feed6(struct aggregate *a, uint32_t s, uint32_t d, uint16_t dport, uint8_t tools,
		  uint64_t ts_usec)
{
	feed6_from(a, 0x20, s, d, dport, tools, ts_usec);
}

static void addr_text(const struct ip_addr *ad, char *out, size_t n)
{
	assert_non_null(ip_addr_format(ad, out, n));
}

static const struct obs_port *find_port(const struct obs_record *r, unsigned proto, unsigned port)
{
	for (size_t i = 0; i < r->n_ports; i++)
		if (r->ports[i].proto == proto && r->ports[i].port == port)
			return &r->ports[i];
	return NULL;
}

static void test_ports_and_scanner_threshold(void **state)
{
	struct aggregate_params p = params();
	struct aggregate *a = aggregate_new(&p);
	struct obs_record r;
	(void)state;

	assert_non_null(a);
	aggregate_begin(a, T0, T0 + 300);
	/* A: 25 distinct dark addresses on 23 (twice each) -> scanner */
	for (uint32_t i = 0; i < 25; i++) {
		feed_tcp(a, 0x2d000001u, 0xcb007100u + i, 23, 0x02, usec(T0 + 1));
		feed_tcp(a, 0x2d000001u, 0xcb007100u + i, 23, 0x02, usec(T0 + 2));
	}
	/* B: 24 distinct on 22 -> not a scanner */
	for (uint32_t i = 0; i < 24; i++)
		feed_tcp(a, 0x2d000002u, 0xcb007100u + i, 22, 0x02, usec(T0 + 3));
	/* C: 30 SYN-ACKs to 30 addresses: backscatter, never a scanner */
	for (uint32_t i = 0; i < 30; i++)
		feed_tcp(a, 0x2d000003u, 0xcb007100u + i, 22, 0x12, usec(T0 + 4));
	assert_int_equal(aggregate_close(a, T0 + 300, 0, &r), 0);

	assert_int_equal(r.packets, 50 + 24 + 30);
	assert_int_equal(r.by_proto_class[OBS_TCP][OBS_PROBE], 74);
	assert_int_equal(r.by_proto_class[OBS_TCP][OBS_BACKSCATTER], 30);
	const struct obs_port *p23 = find_port(&r, OBS_TCP, 23), *p22 = find_port(&r, OBS_TCP, 22);
	assert_non_null(p23);
	assert_non_null(p22);
	assert_int_equal(p23->packets, 50);
	assert_int_equal(p23->sources, 1);
	assert_int_equal(p23->destinations, 25);
	assert_int_equal(p22->packets, 54);
	assert_int_equal(p22->sources, 2);
	assert_int_equal(p22->destinations, 30);
	assert_int_equal(r.ports[0].port, 22); /* sorted by packets */
	assert_int_equal(r.n_scanners, 1);
	assert_int_equal(ip_addr_v4(&r.scanners[0].src), 0x2d000001u);
	assert_int_equal(r.scanners[0].n_ports, 1);
	assert_int_equal(r.scanners[0].ports[0], 23);
	assert_int_equal(r.scanners[0].packets, 50);
	assert_int_equal(r.scanners[0].destinations, 25);
	assert_int_equal(r.scanners[0].first_usec, usec(T0 + 1));
	assert_int_equal(r.scanners[0].last_usec, usec(T0 + 2));
	/* top sources: A 50, C 30, B 24 */
	assert_int_equal(r.n_top, 3);
	assert_int_equal(ip_addr_v4(&r.top[0].src), 0x2d000001u);
	assert_int_equal(r.top[1].packets, 30);
	assert_int_equal(r.top[2].packets, 24);
	obs_record_done(&r);

	/* the next interval starts from nothing: B's 24 + 24 more on the same port do not add up
	 * across intervals, and earlier counts are gone */
	aggregate_begin(a, T0 + 300, T0 + 600);
	for (uint32_t i = 0; i < 24; i++)
		feed_tcp(a, 0x2d000002u, 0xcb007100u + 24 + i, 22, 0x02, usec(T0 + 301));
	assert_int_equal(aggregate_close(a, T0 + 600, 0, &r), 0);
	assert_int_equal(r.packets, 24);
	assert_int_equal(r.n_scanners, 0);
	assert_int_equal(r.n_ports, 1);
	assert_int_equal(r.ports[0].sources, 1);
	obs_record_done(&r);
	aggregate_free(a);
}

static void test_many_ports_scanner(void **state)
{
	struct aggregate_params p = params();
	struct aggregate *a = aggregate_new(&p);
	struct obs_record r;
	(void)state;

	/* one address, 100 ports: a scan of ports rather than of addresses */
	aggregate_begin(a, T0, T0 + 300);
	for (uint16_t port = 1; port <= 100; port++)
		feed_tcp(a, 0x2d000009u, 0xcb007101u, port, 0x02, usec(T0 + 5));
	assert_int_equal(aggregate_close(a, T0 + 300, 0, &r), 0);
	assert_int_equal(r.n_scanners, 1);
	assert_int_equal(r.scanners[0].targets, 100);
	assert_int_equal(r.scanners[0].n_ports, 0);
	obs_record_done(&r);

	aggregate_begin(a, T0 + 300, T0 + 600);
	for (uint16_t port = 1; port <= 99; port++)
		feed_tcp(a, 0x2d000009u, 0xcb007101u, port, 0x02, usec(T0 + 305));
	assert_int_equal(aggregate_close(a, T0 + 600, 0, &r), 0);
	assert_int_equal(r.n_scanners, 0);
	obs_record_done(&r);
	aggregate_free(a);
}

static const char *named(const struct obs_named *l, const char *name, uint64_t *ret)
{
	for (unsigned i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0) {
			*ret = l->v[i].value;
			return name;
		}
	return NULL;
}

static void test_bounded_tables(void **state)
{
	struct aggregate_params p = params();
	struct obs_record r;
	uint64_t v = 0;
	(void)state;

	p.max_sources = 10;
	p.max_pairs = 10;
	p.max_port_dsts = 10;
	p.max_triples = 10;
	struct aggregate *a = aggregate_new(&p);
	assert_non_null(a);
	assert_true(aggregate_memory_bound(&p) < 8u * 1024 * 1024); /* fixed port arrays dominate */
	aggregate_begin(a, T0, T0 + 300);
	for (uint32_t i = 0; i < 1000; i++)
		feed_tcp(a, 0x2d000000u + i, 0xcb007100u + (i & 0xff), 80, 0x02, usec(T0 + 1));
	assert_int_equal(aggregate_close(a, T0 + 300, 0, &r), 0);
	/* every packet is counted; what did not fit is counted as overflow, not lost silently */
	assert_int_equal(r.packets, 1000);
	assert_int_equal(r.ports[0].packets, 1000);
	assert_int_equal(r.ports[0].sources, 10);
	assert_non_null(named(&r.overflow, "sources", &v));
	assert_int_equal(v, 990);
	assert_non_null(named(&r.overflow, "source_ports", &v));
	assert_int_equal(v, 990);
	assert_non_null(named(&r.overflow, "port_destinations", &v));
	obs_record_done(&r);

	/* the next interval has room again */
	aggregate_begin(a, T0 + 300, T0 + 600);
	for (uint32_t i = 0; i < 5; i++)
		feed_tcp(a, 0x2d000000u + i, 0xcb007100u, 80, 0x02, usec(T0 + 301));
	assert_int_equal(aggregate_close(a, T0 + 600, 0, &r), 0);
	assert_int_equal(r.ports[0].sources, 5);
	assert_null(named(&r.overflow, "sources", &v));
	obs_record_done(&r);
	aggregate_free(a);

	p.max_sources = 0;
	assert_null(aggregate_new(&p));
}

static void test_scanner_list_full(void **state)
{
	struct aggregate_params p = params();
	struct obs_record r;
	uint64_t v = 0;
	(void)state;

	p.max_scanners = 1;
	struct aggregate *a = aggregate_new(&p);
	assert_non_null(a);
	aggregate_begin(a, T0, T0 + 300);
	/* two sources scan 40 addresses each: one fits, the other is counted once, not per probe */
	for (uint32_t src = 0; src < 2; src++)
		for (uint32_t i = 0; i < 40; i++)
			feed_tcp(a, 0x2d000100u + src, 0xcb007100u + i, 23, 0x02, usec(T0 + 1));
	assert_int_equal(aggregate_close(a, T0 + 300, 0, &r), 0);
	assert_int_equal(r.n_scanners, 1);
	assert_non_null(named(&r.overflow, "scanners", &v));
	assert_int_equal(v, 1);
	obs_record_done(&r);
	aggregate_free(a);
}

/* IPv6 sources keep their address, tool marks name a scanner's tool, and both survive the
 * source table growing while a scanner is open, and the next interval. */
static void test_ipv6_sources_and_tools(void **state)
{
	struct aggregate_params p = params();
	p.max_sources = 20000;
	p.max_pairs = 20000;
	p.top_n = 2;
	struct aggregate *a = aggregate_new(&p);
	struct obs_record r;
	char t[64];
	(void)state;

	assert_non_null(a);
	aggregate_begin(a, T0, T0 + 300);
	/* 2001:db8::7 probes 30 addresses on 23, every packet with masscan's mark */
	for (uint32_t i = 0; i < 30; i++)
		feed6(a, 7, 100 + i, 23, FP_MASSCAN, usec(T0 + 1) + i);
	/* 2001:db8::8: 30 on 2323, zmap's mark on 14 of them (not most): no tool named */
	for (uint32_t i = 0; i < 30; i++)
		feed6(a, 8, 100 + i, 2323, i < 14 ? FP_ZMAP : 0, usec(T0 + 2));
	/* then 6,000 other sources, one packet each: the source table grows */
	for (uint32_t i = 0; i < 6000; i++)
		feed6(a, 1000 + i, 1, 80, 0, usec(T0 + 3));
	feed6(a, 7, 1, 23, FP_MASSCAN, usec(T0 + 4)); /* one more from the first */
	assert_int_equal(aggregate_close(a, T0 + 300, 0, &r), 0);

	assert_int_equal(r.n_scanners, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct obs_scanner *sc = &r.scanners[i];
		addr_text(&sc->src, t, sizeof t);
		if (sc->ports[0] == 23) {
			assert_string_equal(t, "2001:db8::7");
			assert_int_equal(sc->packets, 31);
			assert_non_null(sc->tool);
			assert_string_equal(sc->tool, "masscan");
			assert_int_equal(sc->first_usec, usec(T0 + 1));
			assert_int_equal(sc->last_usec, usec(T0 + 4));
		} else {
			assert_int_equal(sc->ports[0], 2323);
			assert_string_equal(t, "2001:db8::8");
			assert_null(sc->tool);
		}
	}
	assert_int_equal(r.n_top, 2);
	addr_text(&r.top[0].src, t, sizeof t);
	assert_string_equal(t, "2001:db8::7");
	assert_int_equal(r.top[0].packets, 31);
	addr_text(&r.top[1].src, t, sizeof t);
	assert_string_equal(t, "2001:db8::8");
	obs_record_done(&r);

	/* the next interval starts empty: other sources, their own addresses */
	aggregate_begin(a, T0 + 300, T0 + 600);
	feed6(a, 9, 1, 443, 0, usec(T0 + 301));
	feed6(a, 9, 2, 443, 0, usec(T0 + 302));
	feed6(a, 7, 1, 443, 0, usec(T0 + 303));
	assert_int_equal(aggregate_close(a, T0 + 600, 1, &r), 0);
	assert_int_equal(r.n_scanners, 0);
	assert_int_equal(r.n_top, 2);
	addr_text(&r.top[0].src, t, sizeof t);
	assert_string_equal(t, "2001:db8::9");
	assert_int_equal(r.top[0].packets, 2);
	addr_text(&r.top[1].src, t, sizeof t);
	assert_string_equal(t, "2001:db8::7");
	obs_record_done(&r);
	aggregate_free(a);

	/* as many IPv6 sources as the table takes, interval after interval: each interval
	 * starts its side entries over (an AddressSanitizer build sees any write past them) */
	p.max_sources = 4;
	a = aggregate_new(&p);
	assert_non_null(a);
	for (int64_t k = 0; k < 5; k++) {
		aggregate_begin(a, T0 + 300 * k, T0 + 300 * (k + 1));
		for (uint32_t i = 0; i < 6; i++)
			feed6(a, 50 + i, 1, 80, FP_MIRAI, usec(T0 + 300 * k + 1));
		assert_int_equal(aggregate_close(a, T0 + 300 * (k + 1), 0, &r), 0);
		assert_int_equal(r.n_top, 2);
		addr_text(&r.top[0].src, t, sizeof t);
		assert_string_equal(t, "2001:db8::32");
		obs_record_done(&r);
	}
	aggregate_free(a);
}

/* Keys that combined raw words before hashing made different triples, and different IPv6
 * (source, port) pairs, one key. Each case below was one key then. */
static void test_keys_do_not_merge(void **state)
{
	struct aggregate_params p = params();
	p.scan_min_dsts = 2;
	struct aggregate *a = aggregate_new(&p);
	struct obs_record r;
	(void)state;

	assert_non_null(a);
	aggregate_begin(a, T0, T0 + 300);
	/* 198.51.100.7 and 197.51.100.7 differ by 0x03000000, as do the byte-swapped 10.0.0.1
	 * and 10.0.0.2: each source probes two addresses on 23, so each is a scanner */
	feed_tcp(a, 0xc6336407u, 0x0a000005u, 23, 0x02, usec(T0 + 1));
	feed_tcp(a, 0xc6336407u, 0x0a000001u, 23, 0x02, usec(T0 + 2));
	feed_tcp(a, 0xc5336407u, 0x0a000006u, 23, 0x02, usec(T0 + 3));
	feed_tcp(a, 0xc5336407u, 0x0a000002u, 23, 0x02, usec(T0 + 4));
	/* 2001:db8::7 on 23 and 2101:db8::7 on 22: the first words of the addresses differ in
	 * the bit the ports differ in */
	feed6(a, 7, 1, 23, 0, usec(T0 + 5));
	feed6_from(a, 0x21, 7, 1, 22, 0, usec(T0 + 6));
	assert_int_equal(aggregate_close(a, T0 + 300, 0, &r), 0);
	assert_int_equal(r.n_scanners, 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(r.scanners[i].destinations, 2);
	const struct obs_port *pt = find_port(&r, OBS_TCP, 22);
	assert_non_null(pt);
	assert_int_equal(pt->sources, 1);
	obs_record_done(&r);
	aggregate_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ports_and_scanner_threshold),
	    cmocka_unit_test(test_many_ports_scanner),
	    cmocka_unit_test(test_bounded_tables),
	    cmocka_unit_test(test_scanner_list_full),
	    cmocka_unit_test(test_ipv6_sources_and_tools),
	    cmocka_unit_test(test_keys_do_not_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
