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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ports_and_scanner_threshold),
	    cmocka_unit_test(test_many_ports_scanner),
	    cmocka_unit_test(test_bounded_tables),
	    cmocka_unit_test(test_scanner_list_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
