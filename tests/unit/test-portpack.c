/* test-portpack.c - packed port and source lists: round trips, and malformed input refused */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/obs/portpack.h"

static void test_ports_round_trip(void **state)
{
	(void)state;
	struct obs_port in[] = {
	    {OBS_TCP, 23, 1, 1, 1},
	    {OBS_UDP, 65535, UINT64_MAX, 127, 128},
	    {OBS_ICMP6, 0, 0, 0, 0},
	    {OBS_OTHER, 255, (uint64_t)1 << 63, 16383, 16384},
	};
	size_t len;
	uint8_t *p = portpack_encode(in, 4, &len);
	assert_non_null(p);
	/* 3 + 1+1+1, 3 + 10+1+2, 3 + 1+1+1, 3 + 10+2+3 */
	assert_int_equal(len, 6 + 16 + 6 + 18);
	size_t off = 0;
	struct obs_port out;
	for (size_t i = 0; i < 4; i++) {
		assert_true(portpack_next(p, len, &off, &out));
		assert_int_equal(out.proto, in[i].proto);
		assert_int_equal(out.port, in[i].port);
		assert_true(out.packets == in[i].packets);
		assert_true(out.sources == in[i].sources);
		assert_true(out.destinations == in[i].destinations);
	}
	assert_false(portpack_next(p, len, &off, &out));
	assert_int_equal(off, len);
	/* every truncation ends the list early without reading past it */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *q = malloc(cut ? cut : 1);
		assert_non_null(q);
		memcpy(q, p, cut);
		size_t o = 0, k = 0;
		while (portpack_next(q, cut, &o, &out))
			k++;
		assert_true(k < 4);
		assert_true(o <= cut);
		free(q);
	}
	free(p);
}

static void test_ports_malformed(void **state)
{
	(void)state;
	struct obs_port out;
	size_t off = 0;
	/* a protocol number beyond the known ones */
	const uint8_t bad_proto[] = {9, 23, 0, 1, 1, 1};
	assert_false(portpack_next(bad_proto, sizeof bad_proto, &off, &out));
	/* a varint longer than 64 bits */
	uint8_t long_varint[3 + 11 + 2];
	memset(long_varint, 0xff, sizeof long_varint);
	long_varint[0] = OBS_TCP;
	off = 0;
	assert_false(portpack_next(long_varint, sizeof long_varint, &off, &out));
	/* an empty list */
	size_t len;
	uint8_t *p = portpack_encode(NULL, 0, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	off = 0;
	assert_false(portpack_next(p, len, &off, &out));
	free(p);
}

static void test_sources_round_trip(void **state)
{
	(void)state;
	struct obs_top_source top[3];
	memset(top, 0, sizeof top);
	assert_int_equal(ip_addr_parse("203.0.113.7", &top[0].src), 0);
	top[0].packets = 5;
	assert_int_equal(ip_addr_parse("2001:db8::1", &top[1].src), 0);
	top[1].packets = 300;
	assert_int_equal(ip_addr_parse("8.8.8.8", &top[2].src), 0);
	top[2].packets = UINT64_MAX;
	const char cc[3][3] = {"JP", "", "US"};
	const uint32_t asn[3] = {2500, 0, 15169};
	size_t len;
	uint8_t *p = portpack_sources(top, cc, asn, 3, &len);
	assert_non_null(p);
	size_t off = 0;
	struct portpack_source s;
	for (size_t i = 0; i < 3; i++) {
		assert_true(portpack_next_source(p, len, &off, &s));
		assert_true(ip_addr_equal(&s.src, &top[i].src));
		assert_string_equal(s.cc, cc[i]);
		assert_int_equal(s.asn, asn[i]);
		assert_true(s.packets == top[i].packets);
	}
	assert_false(portpack_next_source(p, len, &off, &s));
	for (size_t cut = 0; cut < len; cut++) {
		size_t o = 0, k = 0;
		while (portpack_next_source(p, cut, &o, &s))
			k++;
		assert_true(k < 3);
	}
	const uint8_t bad_family[] = {5, 1, 2, 3, 4, 'J', 'P', 0, 1};
	off = 0;
	assert_false(portpack_next_source(bad_family, sizeof bad_family, &off, &s));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ports_round_trip),
	    cmocka_unit_test(test_ports_malformed),
	    cmocka_unit_test(test_sources_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
