/* test-dos.c - the backscatter attack rule (>= 25 packets, >= 60 s, >= 30 in a 60 s window
 * sliding by 10 s, closed after 300 s idle) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../src/sensor/dos.h"

#define T0   1298937600ULL
#define S(x) ((T0 + (x)) * 1000000ULL)

static const struct dos_params P = {25, 60, 30, 60, 10, 300, 8};

static void add(struct dos_table *t, uint32_t victim, uint32_t dst, uint16_t port, uint64_t ts)
{
	struct ip_addr v, d;
	ip_addr_set4(&v, victim);
	ip_addr_set4(&d, dst);
	assert_int_equal(dos_table_add(t, &v, 0, &d, port, ts), 0);
}

static void test_attack_and_non_attacks(void **state)
{
	struct dos_table *t = dos_table_new(&P);
	struct obs_dos *d;
	size_t n;
	(void)state;

	assert_non_null(t);
	/* A: 2 pps for 200 s -> attack */
	for (unsigned i = 0; i < 400; i++)
		add(t, 0x0a000001u, 0xcb007100u + (i % 200), 80, S(0) + i * 500000ULL);
	/* D: 40 packets in 10 s -> too short */
	for (unsigned i = 0; i < 40; i++)
		add(t, 0x0a000004u, 0xcb007100u + i, 80, S(10) + i * 250000ULL);
	/* E: one packet every 5 s for 200 s -> 40 packets but at most 12 per minute */
	for (unsigned i = 0; i < 40; i++)
		add(t, 0x0a000005u, 0xcb007100u + i, 80, S(5 * i));
	/* F: exactly 30 packets in one minute, spread over 60 s -> attack at the edge */
	for (unsigned i = 0; i < 30; i++)
		add(t, 0x0a000006u, 0xcb007100u + i, 53, S(100) + i * 2000000ULL);
	add(t, 0x0a000006u, 0xcb007100u, 53, S(161));

	assert_int_equal(dos_table_close_interval(t, S(300), 0, &d, &n), 0);
	assert_int_equal(n, 2);
	/* sorted by the caller; find them */
	const struct obs_dos *a = NULL, *f = NULL;
	for (size_t i = 0; i < n; i++) {
		if (ip_addr_v4(&d[i].victim) == 0x0a000001u)
			a = &d[i];
		if (ip_addr_v4(&d[i].victim) == 0x0a000006u)
			f = &d[i];
	}
	assert_non_null(a);
	assert_non_null(f);
	assert_int_equal(a->packets, 400);
	assert_int_equal(a->peak_per_min, 120);
	assert_true(a->ongoing);
	assert_int_equal(a->start_usec, S(0));
	assert_int_equal(a->n_ports, 1);
	assert_int_equal(a->ports[0], 80);
	/* 200 distinct dark addresses: the estimate is within 5% */
	assert_in_range(a->destinations, 190, 210);
	assert_int_equal(f->peak_per_min, 30);
	free(d);

	/* next interval: A is quiet; after 300 s idle it closes and is reported once more as
	 * ended, then never again */
	assert_int_equal(dos_table_close_interval(t, S(600), 0, &d, &n), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_false(d[i].ongoing);
		assert_int_equal(d[i].packets_interval, 0);
	}
	free(d);
	assert_int_equal(dos_table_close_interval(t, S(900), 0, &d, &n), 0);
	assert_int_equal(n, 0);
	assert_null(d);
	dos_table_free(t);
}

static void test_spans_intervals_and_bounded(void **state)
{
	struct dos_table *t = dos_table_new(&P);
	struct obs_dos *d;
	size_t n;
	struct ip_addr v, dst;
	(void)state;

	/* 1 pps from 250 s to 370 s: the attack crosses the boundary at 300 s */
	for (unsigned i = 0; i < 50; i++)
		add(t, 0x0a000002u, 0xcb007101u, 443, S(250 + i));
	assert_int_equal(dos_table_close_interval(t, S(300), 0, &d, &n), 0);
	assert_int_equal(n, 0); /* 50 s so far: not yet an attack */
	for (unsigned i = 50; i < 120; i++)
		add(t, 0x0a000002u, 0xcb007101u, 443, S(250 + i));
	assert_int_equal(dos_table_close_interval(t, S(600), 0, &d, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].packets, 120);
	assert_int_equal(d[0].packets_interval, 70);
	assert_int_equal(d[0].start_usec, S(250));
	assert_int_equal(d[0].destinations, 1);
	free(d);

	/* the table holds 8 vectors; a ninth victim is refused and counted */
	for (uint32_t k = 0; k < 7; k++)
		add(t, 0x0b000000u + k, 0xcb007101u, 1, S(700));
	ip_addr_set4(&v, 0x0c000000u);
	ip_addr_set4(&dst, 0xcb007101u);
	assert_int_equal(dos_table_add(t, &v, 0, &dst, 1, S(700)), -ENOSPC);
	assert_int_equal(dos_table_take_overflow(t), 1);
	assert_int_equal(dos_table_take_overflow(t), 0);
	dos_table_free(t);

	struct dos_params bad = P;
	bad.window_s = 65;
	assert_null(dos_table_new(&bad));
}

static void test_restart_before_close(void **state)
{
	/* an attack, 400 s of silence, then the victim again, all before one close (a long
	 * interval): the first attack is reported as ended, the second as ongoing */
	struct dos_table *t = dos_table_new(&P);
	struct obs_dos *d;
	size_t n;
	(void)state;

	for (unsigned i = 0; i < 100; i++)
		add(t, 0x0a000007u, 0xcb007100u + i, 80, S(i));
	for (unsigned i = 0; i < 100; i++)
		add(t, 0x0a000007u, 0xcb007100u + i, 80, S(500 + i));
	assert_int_equal(dos_table_close_interval(t, S(700), 0, &d, &n), 0);
	assert_int_equal(n, 2);
	assert_false(d[0].ongoing);
	assert_int_equal(d[0].packets, 100);
	assert_int_equal(d[0].start_usec, S(0));
	assert_int_equal(d[0].last_usec, S(99));
	assert_true(d[1].ongoing);
	assert_int_equal(d[1].start_usec, S(500));
	free(d);
	dos_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attack_and_non_attacks),
	    cmocka_unit_test(test_spans_intervals_and_bounded),
	    cmocka_unit_test(test_restart_before_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
