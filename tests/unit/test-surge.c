/* test-surge.c - surge rules: quartiles, thresholds, minimums, missing days, new top ports
 *
 * Expected statistics are worked out by hand in the comments (type 7 quartiles: position
 * (n - 1) p from 0, linear between neighbours; population SD).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/obs/surge.h"

#define EPS 1e-9

static struct surge_params defaults(void)
{
	struct surge_params p;
	surge_params_default(&p);
	return p;
}

static void assert_close(double got, double want)
{
	if (!(fabs(got - want) <= EPS * (1 + fabs(want))))
		fail_msg("got %.12g, want %.12g", got, want);
}

static void assert_finite_stats(const struct surge_stats *s)
{
	assert_true(isfinite(s->value) && isfinite(s->median) && isfinite(s->iqr) &&
		    isfinite(s->mean) && isfinite(s->sd));
}

static struct surge_stats check(const double *h, size_t n, double x, const struct surge_params *p)
{
	struct surge_stats s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(surge_check(h, n, x, p, &s), 0);
	assert_finite_stats(&s);
	return s;
}

static void test_defaults(void **state)
{
	(void)state;
	struct surge_params p = defaults();
	assert_int_equal(p.history_days, 90);
	assert_int_equal(p.window_days, 28);
	assert_int_equal(p.min_history, 7);
	assert_int_equal(p.top_n, 10);
	assert_int_equal(p.new_top_window, 28);
	assert_int_equal(p.new_top_min, 7);
	assert_close(p.min_value, 10);
	assert_close(p.k_iqr, 2);
	assert_close(p.k_sd, 2);
}

/* 1..10: median 5.5; Q1 at 2.25 -> 3.25, Q3 at 6.75 -> 7.75, IQR 4.5; mean 5.5, variance
 * 38.5 - 30.25 = 8.25. Thresholds: (a) 5.5 + 9 = 14.5, (b) 5.5 + 2 sqrt(8.25) = 11.245. */
static void test_quartiles_by_hand(void **state)
{
	(void)state;
	const double h[] = {4, 9, 1, 7, 10, 3, 6, 2, 8, 5}; /* order does not matter */
	struct surge_params p = defaults();
	struct surge_stats s = check(h, 10, 15, &p);
	assert_close(s.median, 5.5);
	assert_close(s.iqr, 4.5);
	assert_close(s.mean, 5.5);
	assert_close(s.sd, sqrt(8.25));
	assert_int_equal(s.n_history, 10);
	assert_int_equal(s.n_window, 10);
	assert_close(s.value, 15);
	assert_true(s.fired);
	/* 14 passes (b) (> 11.245) but not (a) (<= 14.5): no surge */
	s = check(h, 10, 14, &p);
	assert_false(s.fired);
	/* 14.5 is not above 14.5 */
	s = check(h, 10, 14.5, &p);
	assert_false(s.fired);
	s = check(h, 10, 14.5000001, &p);
	assert_true(s.fired);

	/* odd count, 7 values 10..70: median 40 (position 3), Q1 at 1.5 -> 25, Q3 at 4.5 -> 55 */
	const double o[] = {10, 30, 20, 50, 40, 70, 60};
	s = check(o, 7, 0, &p);
	assert_close(s.median, 40);
	assert_close(s.iqr, 30);
	assert_close(s.mean, 40);
	assert_close(s.sd, 20); /* variance (900+400+100+0+100+400+900)/7 = 400 */
}

/* 26 days of 10 and two of 1000: median 10, IQR 0, so (a) is 10; but the mean is
 * 2260/28 = 80.714 and the SD sqrt(71521.43 - 6514.80) = 254.96, so (b) is 590.6. */
static void test_one_rule_is_not_enough(void **state)
{
	(void)state;
	double h[28];
	for (size_t i = 0; i < 28; i++)
		h[i] = 10;
	h[5] = h[17] = 1000;
	struct surge_params p = defaults();
	struct surge_stats s = check(h, 28, 100, &p);
	assert_close(s.median, 10);
	assert_close(s.iqr, 0);
	assert_close(s.mean, 2260.0 / 28);
	double var = (26 * 100.0 + 2 * 1e6) / 28 - (2260.0 / 28) * (2260.0 / 28);
	assert_close(s.sd, sqrt(var));
	assert_false(s.fired); /* above (a), below (b) */
	s = check(h, 28, 600, &p);
	assert_true(s.fired); /* above both */
}

static void test_constant_history(void **state)
{
	(void)state;
	double h[60];
	for (size_t i = 0; i < 60; i++)
		h[i] = 20;
	struct surge_params p = defaults();
	struct surge_stats s = check(h, 60, 21, &p);
	assert_close(s.iqr, 0);
	assert_close(s.sd, 0);
	assert_true(s.fired);
	assert_false(check(h, 60, 20, &p).fired);
	assert_false(check(h, 60, 19, &p).fired);
	/* tiny ports do not fire: a constant 3 jumping to 9 is below min_value 10 */
	for (size_t i = 0; i < 60; i++)
		h[i] = 3;
	assert_false(check(h, 60, 9, &p).fired);
	assert_true(check(h, 60, 10, &p).fired);
	p.min_value = 0;
	assert_true(check(h, 60, 4, &p).fired);
	/* a port never seen before (all zeros) that appears with 50 sources fires */
	for (size_t i = 0; i < 60; i++)
		h[i] = 0;
	p = defaults();
	assert_true(check(h, 60, 50, &p).fired);
}

static void test_short_history(void **state)
{
	(void)state;
	double h[7] = {5, 5, 5, 5, 5, 5, 5};
	struct surge_params p = defaults();
	assert_false(check(h, 6, 500, &p).fired);
	assert_true(check(h, 7, 500, &p).fired);
	assert_false(check(NULL, 0, 500, &p).fired);
	struct surge_stats s = check(NULL, 0, 500, &p);
	assert_int_equal(s.n_history, 0);
	assert_close(s.median, 0);
	p.min_history = 3;
	assert_true(check(h, 3, 500, &p).fired);
	/* min_history 0 still needs one day: no statistics of nothing */
	p.min_history = 0;
	assert_false(check(NULL, 0, 500, &p).fired);
}

/* A day without data (NaN) is left out; 0 is a day the port was quiet. */
static void test_missing_days(void **state)
{
	(void)state;
	double h[28];
	struct surge_params p = defaults();
	/* 20 days of 50, then 8 days no sensor reported: thresholds stay at 50 */
	for (size_t i = 0; i < 28; i++)
		h[i] = i < 20 ? 50 : (double)NAN;
	struct surge_stats s = check(h, 28, 60, &p);
	assert_int_equal(s.n_window, 20);
	assert_close(s.mean, 50);
	assert_close(s.sd, 0);
	assert_true(s.fired);
	/* the same 8 days as zeros (reported, port quiet): mean 1000/28, SD
	 * 50 sqrt(p(1-p)) with p = 20/28, threshold 80.9: 60 does not fire */
	for (size_t i = 20; i < 28; i++)
		h[i] = 0;
	s = check(h, 28, 60, &p);
	assert_int_equal(s.n_window, 28);
	assert_close(s.mean, 1000.0 / 28);
	assert_close(s.sd, 50 * sqrt((20.0 / 28) * (8.0 / 28)));
	assert_false(s.fired);
	/* mostly missing: only 6 days with data in the window */
	for (size_t i = 0; i < 28; i++)
		h[i] = i % 4 == 0 && i < 24 ? 30 : (double)NAN;
	s = check(h, 28, 300, &p);
	assert_int_equal(s.n_window, 6);
	assert_false(s.fired);
	/* infinities, negatives and absurd values are not data either */
	for (size_t i = 0; i < 28; i++)
		h[i] = i < 10 ? 30 : (i % 3 == 0 ? (double)INFINITY : (i % 3 == 1 ? -5 : 1e300));
	s = check(h, 28, 300, &p);
	assert_int_equal(s.n_window, 10);
	assert_close(s.mean, 30);
	assert_true(s.fired);
	/* and neither is the day's own value */
	s = check(h, 28, (double)NAN, &p);
	assert_false(s.fired);
	assert_close(s.value, 0);
	s = check(h, 28, (double)INFINITY, &p);
	assert_false(s.fired);
	s = check(h, 28, -(double)INFINITY, &p);
	assert_false(s.fired);
}

/* Only the last H days feed (a), only the last W days feed (b). */
static void test_windows(void **state)
{
	(void)state;
	double h[200];
	struct surge_params p = defaults();
	for (size_t i = 0; i < 200; i++)
		h[i] = i < 110 ? 5000 : (i < 172 ? 100 : 40);
	/* the last 90: 62 days of 100 and 28 of 40: median 100 (position 44.5 among 28 40s
	 * then 100s); the last 28 are all 40 */
	struct surge_stats s = check(h, 200, 150, &p);
	assert_int_equal(s.n_history, 90);
	assert_int_equal(s.n_window, 28);
	assert_close(s.median, 100);
	assert_close(s.iqr, 100 - 40); /* Q1 at 22.25 -> 40, Q3 at 66.75 -> 100 */
	assert_close(s.mean, 40);
	assert_close(s.sd, 0);
	assert_false(s.fired); /* 150 < 100 + 2 * 60 */
	assert_true(check(h, 200, 221, &p).fired);
	p.history_days = 28;
	s = check(h, 200, 41, &p);
	assert_close(s.median, 40);
	assert_true(s.fired);
}

/* 100,000 days of i % 1000: each of 0..999 100 times. Median at 49999.5 -> 499.5; Q1 at
 * 24999.75 -> 249.75; Q3 at 74999.25 -> 749.25. The last 28 are 972..999: mean 985.5,
 * variance (28^2 - 1) / 12. */
static void test_large(void **state)
{
	(void)state;
	const size_t n = 100000;
	double *h = malloc(n * sizeof(*h));
	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		h[i] = (double)(i % 1000);
	struct surge_params p = defaults();
	p.history_days = (unsigned)n;
	struct surge_stats s = check(h, n, 1999.5, &p);
	assert_int_equal(s.n_history, n);
	assert_close(s.median, 499.5);
	assert_close(s.iqr, 499.5);
	assert_close(s.mean, 985.5);
	assert_close(s.sd, sqrt((28.0 * 28 - 1) / 12));
	assert_true(s.fired);
	assert_false(check(h, n, 1498, &p).fired); /* 499.5 + 999 = 1498.5 */
	free(h);
}

static void test_bad_params(void **state)
{
	(void)state;
	const double h[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct surge_stats s;
	memset(&s, 0x5a, sizeof(s));
	struct surge_params p = defaults();
	p.history_days = 0;
	assert_int_equal(surge_check(h, 8, 50, &p, &s), -EINVAL);
	p = defaults();
	p.window_days = SURGE_MAX_HISTORY + 1;
	assert_int_equal(surge_check(h, 8, 50, &p, &s), -EINVAL);
	p = defaults();
	p.k_iqr = -1;
	assert_int_equal(surge_check(h, 8, 50, &p, &s), -EINVAL);
	p = defaults();
	p.k_sd = (double)NAN;
	assert_int_equal(surge_check(h, 8, 50, &p, &s), -EINVAL);
	p = defaults();
	p.min_value = (double)INFINITY;
	assert_int_equal(surge_check(h, 8, 50, &p, &s), -EINVAL);
	p = defaults();
	assert_int_equal(surge_check(NULL, 8, 50, &p, &s), -EINVAL);
	assert_int_equal(((unsigned char *)&s)[0], 0x5a); /* untouched */
}

/* port keys: proto << 16 | port */
#define TCP(p) (6u << 16 | (p))

static void test_new_top(void **state)
{
	(void)state;
	uint32_t prev_days[40][10];
	const uint32_t *prev[40];
	size_t prev_n[40];
	/* every earlier day: tcp ports 1..10 */
	for (size_t d = 0; d < 40; d++) {
		for (uint32_t i = 0; i < 10; i++)
			prev_days[d][i] = TCP(i + 1);
		prev[d] = prev_days[d];
		prev_n[d] = 10;
	}
	uint32_t today[10];
	for (uint32_t i = 0; i < 10; i++)
		today[i] = TCP(i + 1);
	today[3] = TCP(8443);	  /* new at rank 4 */
	today[7] = 17u << 16 | 5; /* udp/5: same number as tcp/5, another port */
	bool isnew[10];
	struct surge_params p = defaults();
	assert_int_equal(surge_new_top(today, 10, prev, prev_n, 28, &p, isnew), 2);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(isnew[i], i == 3 || i == 7);

	/* seen 30 days ago only: outside the 28-day window, so new again */
	prev_days[2][9] = TCP(8443);
	assert_int_equal(surge_new_top(today, 10, prev, prev_n, 32, &p, isnew), 2);
	/* seen 28 days ago: inside */
	prev_days[4][9] = TCP(8443);
	assert_int_equal(surge_new_top(today, 10, prev, prev_n, 32, &p, isnew), 1);
	assert_false(isnew[3]);
	assert_true(isnew[7]);
	prev_days[2][9] = prev_days[4][9] = TCP(10);

	/* rank 11 of an earlier day is not "in the top 10" */
	uint32_t eleven[11];
	for (uint32_t i = 0; i < 10; i++)
		eleven[i] = TCP(i + 1);
	eleven[10] = TCP(8443);
	prev[27] = eleven;
	prev_n[27] = 11;
	assert_int_equal(surge_new_top(today, 10, prev, prev_n, 28, &p, isnew), 2);
	prev[27] = prev_days[27];
	prev_n[27] = 10;

	/* only today's first top_n count */
	uint32_t twelve[12];
	memcpy(twelve, today, sizeof(today));
	twelve[10] = TCP(9999);
	twelve[11] = TCP(9998);
	bool isnew12[12];
	assert_int_equal(surge_new_top(twelve, 12, prev, prev_n, 28, &p, isnew12), 2);
	assert_false(isnew12[10]);
	assert_false(isnew12[11]);

	/* a port listed twice is new once */
	today[5] = TCP(8443);
	assert_int_equal(surge_new_top(today, 10, prev, prev_n, 28, &p, isnew), 2);
	assert_true(isnew[3]);
	assert_false(isnew[5]);
}

static void test_new_top_history(void **state)
{
	(void)state;
	uint32_t day[3] = {TCP(1), TCP(2), TCP(3)};
	const uint32_t *prev[28];
	size_t prev_n[28];
	uint32_t today[3] = {TCP(1), TCP(4), TCP(3)};
	bool isnew[3];
	struct surge_params p = defaults();
	/* 6 days of lists: too little to call anything new */
	for (size_t d = 0; d < 6; d++) {
		prev[d] = day;
		prev_n[d] = 3;
	}
	assert_int_equal(surge_new_top(today, 3, prev, prev_n, 6, &p, isnew), 0);
	assert_false(isnew[1]);
	/* 7 days */
	prev[6] = day;
	prev_n[6] = 3;
	assert_int_equal(surge_new_top(today, 3, prev, prev_n, 7, &p, isnew), 1);
	assert_true(isnew[1]);
	/* 28 days of which only 6 have data */
	for (size_t d = 0; d < 28; d++) {
		prev[d] = d % 4 == 0 ? day : NULL;
		prev_n[d] = d % 4 == 0 ? 3 : 0;
	}
	assert_int_equal(surge_new_top(today, 3, prev, prev_n, 24, &p, isnew), 0);
	assert_int_equal(surge_new_top(today, 3, prev, prev_n, 28, &p, isnew), 1);
	/* bad arguments */
	p.top_n = 0;
	assert_int_equal(surge_new_top(today, 3, prev, prev_n, 28, &p, isnew), -EINVAL);
	p = defaults();
	p.new_top_window = 0;
	assert_int_equal(surge_new_top(today, 3, prev, prev_n, 28, &p, isnew), -EINVAL);
	p = defaults();
	prev_n[1] = 3; /* a count without its list */
	assert_int_equal(surge_new_top(today, 3, prev, prev_n, 28, &p, isnew), -EINVAL);
	/* nothing today: nothing new */
	prev_n[1] = 0;
	assert_int_equal(surge_new_top(NULL, 0, prev, prev_n, 28, &p, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_quartiles_by_hand),
	    cmocka_unit_test(test_one_rule_is_not_enough),
	    cmocka_unit_test(test_constant_history),
	    cmocka_unit_test(test_short_history),
	    cmocka_unit_test(test_missing_days),
	    cmocka_unit_test(test_windows),
	    cmocka_unit_test(test_large),
	    cmocka_unit_test(test_bad_params),
	    cmocka_unit_test(test_new_top),
	    cmocka_unit_test(test_new_top_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
