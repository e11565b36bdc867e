/* test-range.c - fiscal-year ranges, free ranges, listing and buckets
 *
 * Expected Unix times were computed independently with GNU date, e.g.
 * `date -u -d 2025-04-01T00:00:00+09:00 +%s`; the comment beside each gives the local time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/obs/range.h"

#define JST (9 * 3600)
#define EST (-5 * 3600)
#define DAY 86400
/* 2026-11-16 12:00 JST, a Monday in FY2026 Q3 */
#define NOW 1794798000

static struct range parse_ok(const char *name, const char *from, const char *to, int64_t now,
			     int32_t off)
{
	struct range r;
	const struct range_error *e = NULL;
	memset(&r, 0, sizeof(r));
	int rc = range_parse(name, from, to, now, off, &r, &e);
	if (rc != 0)
		fail_msg("range '%s' '%s' '%s' refused: %s", name ? name : "", from ? from : "",
			 to ? to : "", e ? e->message : "?");
	return r;
}

static const struct range_error *parse_bad(const char *name, const char *from, const char *to,
					   int64_t now, int32_t off)
{
	struct range r;
	const struct range_error *e = NULL;
	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(range_parse(name, from, to, now, off, &r, &e), -EINVAL);
	assert_non_null(e);
	assert_string_equal(e->code, "bad_range");
	assert_true(strlen(e->message) > 0);
	assert_true((unsigned char)e->message_ja[0] >= 0x80 || strlen(e->message_ja) > 0);
	assert_string_not_equal(e->message, e->message_ja);
	assert_int_equal(((unsigned char *)&r)[0], 0x5a); /* untouched */
	return e;
}

static void test_fiscal_year(void **state)
{
	(void)state;
	struct range r = parse_ok("fy2025", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 1743433200); /* 2025-04-01 00:00 JST */
	assert_int_equal(r.to, 1774969200);   /* 2026-04-01 00:00 JST */
	assert_int_equal(r.kind, RANGE_YEAR);
	assert_string_equal(r.id, "fy2025");
	assert_string_equal(range_kind_name(r.kind), "year");
	assert_string_equal(r.label_en, "FY2025 (Apr 2025–Mar 2026)");
	assert_string_equal(r.label_ja, "2025年度 (2025年4月〜2026年3月)");
	/* in UTC the year starts 9 hours later */
	r = parse_ok("FY2025", NULL, NULL, NOW, 0);
	assert_int_equal(r.from, 1743465600); /* 2025-04-01 00:00 UTC */
	assert_string_equal(r.id, "fy2025");
}

static void test_quarters(void **state)
{
	(void)state;
	struct range r = parse_ok("fy2025q1", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 1743433200); /* 2025-04-01 JST */
	assert_int_equal(r.to, 1751295600);   /* 2025-07-01 JST */
	assert_string_equal(r.label_en, "FY2025 Q1 (Apr–Jun 2025)");
	assert_string_equal(r.label_ja, "2025年度 第1四半期 (2025年4月〜6月)");
	r = parse_ok("fy2025q3", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 1759244400); /* 2025-10-01 JST */
	assert_int_equal(r.to, 1767193200);   /* 2026-01-01 JST */
	/* Q4 of FY2025 is January-March 2026 */
	r = parse_ok("fy2025Q4", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 1767193200); /* 2026-01-01 JST */
	assert_int_equal(r.to, 1774969200);   /* 2026-04-01 JST */
	assert_string_equal(r.id, "fy2025q4");
	assert_string_equal(r.label_en, "FY2025 Q4 (Jan–Mar 2026)");
	assert_string_equal(r.label_ja, "2025年度 第4四半期 (2026年1月〜3月)");
	r = parse_ok("fy2026q3", NULL, NULL, NOW, JST);
	assert_string_equal(r.label_en, "FY2026 Q3 (Oct–Dec 2026)");
	assert_string_equal(r.label_ja, "2026年度 第3四半期 (2026年10月〜12月)");
	assert_int_equal(r.kind, RANGE_QUARTER);
	/* the four quarters tile the year */
	struct range y = parse_ok("fy2030", NULL, NULL, NOW, EST);
	int64_t at = y.from;
	const char *const q[] = {"fy2030q1", "fy2030q2", "fy2030q3", "fy2030q4"};
	for (int i = 0; i < 4; i++) {
		r = parse_ok(q[i], NULL, NULL, NOW, EST);
		assert_int_equal(r.from, at);
		at = r.to;
	}
	assert_int_equal(at, y.to);
}

static void test_zone_offsets(void **state)
{
	(void)state;
	/* FY2025 Q4 in three zones: the same calendar months, different instants */
	struct range r = parse_ok("fy2025q4", NULL, NULL, NOW, 0);
	assert_int_equal(r.from, 1767225600); /* 2026-01-01 00:00 UTC */
	assert_int_equal(r.to, 1775001600);   /* 2026-04-01 00:00 UTC */
	r = parse_ok("fy2025q4", NULL, NULL, NOW, EST);
	assert_int_equal(r.from, 1767243600); /* 2026-01-01 00:00 -05:00 */
	assert_int_equal(r.to, 1775019600);   /* 2026-04-01 00:00 -05:00 */
	/* 2026-03-31 15:00 UTC is already April 1 (FY2026 Q1) in Tokyo, still FY2025 Q4 in
	 * London and New York */
	const int64_t t = 1774969200;
	assert_string_equal(parse_ok(NULL, NULL, NULL, t, JST).id, "fy2026q1");
	assert_string_equal(parse_ok(NULL, NULL, NULL, t - 1, JST).id, "fy2025q4");
	assert_string_equal(parse_ok(NULL, NULL, NULL, t, 0).id, "fy2025q4");
	assert_string_equal(parse_ok(NULL, NULL, NULL, t, EST).id, "fy2025q4");
	int32_t off;
	assert_int_equal(range_parse_offset("+09:00", &off), 0);
	assert_int_equal(off, JST);
	assert_int_equal(range_parse_offset("-05:00", &off), 0);
	assert_int_equal(off, EST);
	assert_int_equal(range_parse_offset("+05:30", &off), 0);
	assert_int_equal(off, 5 * 3600 + 1800);
	assert_int_equal(range_parse_offset("Z", &off), 0);
	assert_int_equal(off, 0);
	off = 77;
	assert_int_equal(range_parse_offset("+9:00", &off), -EINVAL);
	assert_int_equal(range_parse_offset("+24:00", &off), -EINVAL);
	assert_int_equal(range_parse_offset("+09:60", &off), -EINVAL);
	assert_int_equal(range_parse_offset("09:00", &off), -EINVAL);
	assert_int_equal(range_parse_offset("+09:00x", &off), -EINVAL);
	assert_int_equal(range_parse_offset("", &off), -EINVAL);
	assert_int_equal(range_parse_offset(NULL, &off), -EINVAL);
	assert_int_equal(off, 77);
	char buf[8];
	assert_string_equal(range_format_offset(JST, buf, sizeof(buf)), "+09:00");
	assert_string_equal(range_format_offset(EST, buf, sizeof(buf)), "-05:00");
	assert_string_equal(range_format_offset(-(3 * 3600 + 1800), buf, sizeof(buf)), "-03:30");
}

static void test_current_quarter(void **state)
{
	(void)state;
	struct range r = parse_ok(NULL, NULL, NULL, NOW, JST);
	assert_string_equal(r.id, "fy2026q3");
	assert_int_equal(r.from, 1790780400); /* 2026-10-01 JST */
	assert_int_equal(r.to, 1798729200);   /* 2027-01-01 JST */
	/* empty strings are "not given" */
	r = parse_ok("", "", "", NOW, JST);
	assert_string_equal(r.id, "fy2026q3");
	/* the first second of a quarter, and the last one of the one before */
	assert_string_equal(parse_ok(NULL, NULL, NULL, 1790780400, JST).id, "fy2026q3");
	assert_string_equal(parse_ok(NULL, NULL, NULL, 1790780399, JST).id, "fy2026q2");
	assert_string_equal(parse_ok(NULL, NULL, NULL, 1782831600, JST).id, "fy2026q2");
	assert_string_equal(parse_ok(NULL, NULL, NULL, 1782831599, JST).id, "fy2026q1");
}

static void test_last_days(void **state)
{
	(void)state;
	struct range r = parse_ok("last7d", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 1794150000); /* 2026-11-09 00:00 JST */
	assert_int_equal(r.to, 1794841200);   /* 2026-11-17 00:00 JST: today included */
	assert_int_equal(r.kind, RANGE_LAST);
	assert_string_equal(r.label_en, "Last 7 days");
	assert_string_equal(r.label_ja, "過去7日間");
	r = parse_ok("LAST30D", NULL, NULL, NOW, JST);
	assert_string_equal(r.id, "last30d");
	assert_int_equal(r.from, 1792162800); /* 2026-10-17 00:00 JST */
	assert_int_equal(r.to, 1794841200);
	r = parse_ok("last90d", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 1786978800); /* 2026-08-18 00:00 JST */
	/* at the first second of a day, today is that day */
	r = parse_ok("last7d", NULL, NULL, 1794754800, JST);
	assert_int_equal(r.to, 1794841200);
	r = parse_ok("last7d", NULL, NULL, 1794754799, JST);
	assert_int_equal(r.to, 1794754800);
	/* 18:30 on the 16th in India is already 22:00 in Tokyo, but 2026-11-16 in both */
	r = parse_ok("last7d", NULL, NULL, 1794834000, 5 * 3600 + 1800);
	assert_int_equal(r.to - r.from, 8 * DAY);
}

static void test_free_range(void **state)
{
	(void)state;
	/* dates are midnights in the zone; the label shows the last day included */
	struct range r = parse_ok(NULL, "2024-02-28", "2024-03-01", NOW, JST);
	assert_int_equal(r.from, 1709046000); /* 2024-02-28 JST */
	assert_int_equal(r.to, 1709218800);   /* 2024-03-01 JST */
	assert_int_equal(r.kind, RANGE_CUSTOM);
	assert_string_equal(r.id, "custom");
	assert_string_equal(r.label_en, "2024-02-28 – 2024-02-29");
	assert_string_equal(r.label_ja, "2024年2月28日〜2024年2月29日");
	/* the leap day itself, in three zones */
	r = parse_ok(NULL, "2024-02-29", "2024-03-01", NOW, JST);
	assert_int_equal(r.from, 1709132400);
	assert_int_equal(r.to - r.from, DAY);
	r = parse_ok(NULL, "2024-02-29", "2024-03-01", NOW, 0);
	assert_int_equal(r.from, 1709164800);
	r = parse_ok(NULL, "2024-02-29", "2024-03-01", NOW, EST);
	assert_int_equal(r.from, 1709182800);
	assert_int_equal(r.to, 1709269200);
	/* RFC 3339 times carry their own offset; the zone only shapes the label */
	r = parse_ok(NULL, "2026-01-01T09:30:00+09:00", "2026-01-01T09:30:00.999Z", NOW, JST);
	assert_int_equal(r.from, 1767227400);
	assert_int_equal(r.to, 1767259800);
	assert_string_equal(r.label_en, "2026-01-01 09:30 – 2026-01-01 18:30");
	assert_string_equal(r.label_ja, "2026年1月1日 09:30〜2026年1月1日 18:30");
	r = parse_ok(NULL, "2026-01-31T23:59:59-05:00", "2026-02-01", NOW, EST);
	assert_int_equal(r.from, 1769921999);
	assert_int_equal(r.to, 1769922000);
	assert_string_equal(r.label_en, "2026-01-31 23:59:59 – 2026-02-01 00:00");
	/* lower-case t and z, and a space for T */
	r = parse_ok(NULL, "2026-01-01t00:30:00z", "2026-01-01 01:00:00+00:00", NOW, JST);
	assert_int_equal(r.to - r.from, 1800);
	/* month ends */
	const char *const ends[] = {"2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30",
				    "2025-05-31", "2025-06-30", "2025-07-31", "2025-08-31",
				    "2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31",
				    "2000-02-29", "2024-02-29"};
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		int64_t t;
		assert_int_equal(range_parse_time(ends[i], 0, &t), 0);
		char buf[32], want[32];
		range_format_utc(t + DAY, buf, sizeof(buf));
		/* the day after a month's last day is the 1st */
		assert_string_equal(buf + 8, "01T00:00:00Z");
		range_format_utc(t, want, sizeof(want));
		assert_memory_equal(want, ends[i], 10);
	}
	int64_t t;
	assert_int_equal(range_parse_time("2000-02-29", 0, &t), 0);
	assert_int_equal(t, 951782400);
	assert_int_equal(range_parse_time("2100-03-01T00:00:00Z", 0, &t), 0);
	assert_int_equal(t, 4107542400);
}

static void test_bad_dates(void **state)
{
	(void)state;
	static const char *const bad[] = {"2025-02-29",
					  "2100-02-29",
					  "2025-04-31",
					  "2025-13-01",
					  "2025-00-10",
					  "2025-01-00",
					  "2025-1-01",
					  "25-01-01",
					  "2025/01/01",
					  "2025-01-01T",
					  "2025-01-01T24:00:00Z",
					  "2025-01-01T12:60:00Z",
					  "2025-01-01T12:00:61Z",
					  "2025-01-01T12:00:00",
					  "2025-01-01T12:00:00+0900",
					  "2025-01-01T12:00:00.Z",
					  "2025-01-01T12:00Z",
					  "2025-01-01T12:00:00+09:00 ",
					  " 2025-01-01",
					  "2025-01-01x",
					  "２０２５-01-01",
					  "-001-01-01",
					  "+2025-01-01",
					  "",
					  "fy2025"};
	int64_t t = 42;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (range_parse_time(bad[i], JST, &t) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(t, 42);
	assert_int_equal(range_parse_time(NULL, JST, &t), -EINVAL);
	assert_int_equal(range_parse_time("2025-01-01", 24 * 3600, &t), -EINVAL);
}

static void test_errors(void **state)
{
	(void)state;
	const struct range_error *unknown = parse_bad("fy2025q5", NULL, NULL, NOW, JST);
	static const char *const names[] = {
	    "fy",    "fy2025q", "fy2025q0", "fy2025q12", "fy2025x", "last8d",  "last7",
	    "lastd", "quarter", "fy20a5",   "fy-2025",	 "f",	    " fy2025", "fy2025 "};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_ptr_equal(parse_bad(names[i], NULL, NULL, NOW, JST), unknown);
	/* each rule has its own message */
	const struct range_error *years = parse_bad("fy99999999999", NULL, NULL, NOW, JST);
	assert_ptr_not_equal(years, unknown);
	assert_ptr_equal(parse_bad("fy1969", NULL, NULL, NOW, JST), years);
	assert_ptr_equal(parse_bad("fy9999", NULL, NULL, NOW, JST), years);
	assert_ptr_equal(parse_bad("fy925", NULL, NULL, NOW, JST), years);
	const struct range_error *both = parse_bad("fy2025", "2025-01-01", NULL, NOW, JST);
	const struct range_error *pair = parse_bad(NULL, "2025-01-01", NULL, NOW, JST);
	assert_ptr_equal(parse_bad(NULL, NULL, "2025-01-01", NOW, JST), pair);
	const struct range_error *from = parse_bad(NULL, "2025-02-30", "2025-03-01", NOW, JST);
	const struct range_error *to = parse_bad(NULL, "2025-02-01", "2025-02-30", NOW, JST);
	const struct range_error *order = parse_bad(NULL, "2025-03-01", "2025-03-01", NOW, JST);
	assert_ptr_equal(parse_bad(NULL, "2025-03-02", "2025-03-01", NOW, JST), order);
	/* exactly three fiscal years (one leap day) is allowed, a day more is not */
	parse_ok(NULL, "2023-04-01", "2026-04-01", NOW, JST);
	const struct range_error *lng = parse_bad(NULL, "2023-04-01", "2026-04-02", NOW, JST);
	assert_ptr_equal(parse_bad(NULL, "0001-01-01", "9999-12-31", NOW, JST), lng);
	const struct range_error *all[] = {unknown, years, both, pair, from, to, order, lng};
	for (size_t i = 0; i < 8; i++)
		for (size_t j = i + 1; j < 8; j++)
			assert_string_not_equal(all[i]->message, all[j]->message);
	/* input past the length limit is refused without being read to its end */
	char longname[256];
	memset(longname, '9', sizeof(longname) - 1);
	longname[0] = 'f';
	longname[1] = 'y';
	longname[sizeof(longname) - 1] = '\0';
	assert_ptr_equal(parse_bad(longname, NULL, NULL, NOW, JST), unknown);
	assert_ptr_equal(parse_bad(NULL, longname, "2025-01-01", NOW, JST), from);
	/* a clock or zone out of range is refused, not computed */
	assert_ptr_equal(parse_bad(NULL, NULL, NULL, INT64_MAX, JST), years);
	assert_ptr_equal(parse_bad("last7d", NULL, NULL, INT64_MIN, JST), years);
	assert_ptr_equal(parse_bad(NULL, NULL, NULL, NOW, 86400), years);
	/* the error pointer may be NULL */
	struct range r;
	assert_int_equal(range_parse("nope", NULL, NULL, NOW, JST, &r, NULL), -EINVAL);
}

static void test_after_2038(void **state)
{
	(void)state;
	/* 2^31 seconds is 2038-01-19 03:14:08 UTC: FY2037 Q4 */
	struct range r = parse_ok(NULL, NULL, NULL, 2147483648, JST);
	assert_string_equal(r.id, "fy2037q4");
	assert_int_equal(r.from, 2145884400); /* 2038-01-01 JST */
	assert_int_equal(r.to, 2153660400);   /* 2038-04-01 JST */
	r = parse_ok("fy2040q1", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 2216818800);
	assert_int_equal(r.to, 2224681200);
	r = parse_ok("fy9998", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 253346972400); /* 9998-04-01 JST */
	assert_int_equal(r.to, 253378508400);	/* 9999-04-01 JST */
	r = parse_ok("fy1970", NULL, NULL, NOW, JST);
	assert_int_equal(r.from, 7743600);
	int64_t t;
	assert_int_equal(range_parse_time("9999-12-31T23:59:59Z", 0, &t), 0);
	assert_int_equal(t, 253402300799);
	char buf[32];
	assert_string_equal(range_format_utc(t, buf, sizeof(buf)), "9999-12-31T23:59:59Z");
	assert_string_equal(range_format_utc(2147483648, buf, sizeof(buf)), "2038-01-19T03:14:08Z");
	assert_string_equal(range_format_utc(-1, buf, sizeof(buf)), "1969-12-31T23:59:59Z");
	r = parse_ok("last7d", NULL, NULL, 4107542400 + 3600, 0); /* 2100-03-01 01:00 UTC */
	assert_int_equal(r.to, 4107542400 + DAY);
	/* 2100 is not a leap year: 7 days before March 1 is February 22 */
	assert_string_equal(range_format_utc(r.from, buf, sizeof(buf)), "2100-02-22T00:00:00Z");
}

static void test_list(void **state)
{
	struct range_list l;
	(void)state;
	assert_int_equal(range_list_around(NOW, JST, &l), 0);
	assert_int_equal(l.n, 14);
	assert_string_equal(l.current_quarter, "fy2026q3");
	assert_string_equal(l.current_year, "fy2026");
	const char *const ids[] = {"fy2026q3", "fy2026q2", "fy2026q1", "fy2025q4", "fy2025q3",
				   "fy2025q2", "fy2025q1", "fy2024q4", "fy2026",   "fy2025",
				   "fy2024",   "last7d",   "last30d",  "last90d"};
	for (size_t i = 0; i < 14; i++) {
		assert_string_equal(l.r[i].id, ids[i]);
		/* the listed range is what its name resolves to */
		struct range r = parse_ok(ids[i], NULL, NULL, NOW, JST);
		assert_int_equal(r.from, l.r[i].from);
		assert_int_equal(r.to, l.r[i].to);
		assert_string_equal(r.label_ja, l.r[i].label_ja);
		/* quarters are contiguous, newest first */
		if (i > 0 && i < 8)
			assert_int_equal(l.r[i].to, l.r[i - 1].from);
	}
	assert_int_equal(l.r[0].from, 1790780400);
	char buf[32];
	assert_string_equal(range_format_utc(l.r[0].from, buf, sizeof(buf)),
			    "2026-09-30T15:00:00Z");
	/* in Q1 the previous quarters cross into the fiscal year before */
	assert_int_equal(range_list_around(1743433200, JST, &l), 0);
	assert_string_equal(l.r[0].id, "fy2025q1");
	assert_string_equal(l.r[1].id, "fy2024q4");
	assert_string_equal(l.r[7].id, "fy2023q2");
	assert_string_equal(l.r[10].id, "fy2023");
	assert_int_equal(range_list_around(INT64_MAX, JST, &l), -EINVAL);
}

static void test_buckets(void **state)
{
	(void)state;
	/* day floor in three zones, around the leap day */
	assert_int_equal(range_day_floor(1709132400, JST), 1709132400);
	assert_int_equal(range_day_floor(1709132400 + DAY - 1, JST), 1709132400);
	assert_int_equal(range_day_floor(1709132400 - 1, JST), 1709132400 - DAY);
	assert_int_equal(range_day_floor(1709164800 + 5, 0), 1709164800);
	assert_int_equal(range_day_floor(1709182800 + 5, EST), 1709182800);
	assert_int_equal(range_day_floor(1709182800 - 1, EST), 1709182800 - DAY);
	/* before 1970 the floor still goes down */
	assert_int_equal(range_day_floor(-1, 0), -DAY);
	assert_int_equal(range_day_floor(-DAY, 0), -DAY);
	/* extreme times are clamped, not overflowed */
	assert_true(range_day_floor(INT64_MAX, JST) > 0);
	assert_true(range_day_floor(INT64_MIN, EST) < 0);
	/* hours follow the zone: on the half hour in UTC for +05:30 */
	assert_int_equal(range_bucket_floor(1800 + 3599, 5 * 3600 + 1800, RANGE_BUCKET_HOUR), 1800);
	assert_int_equal(range_bucket_floor(7199, JST, RANGE_BUCKET_HOUR), 3600);

	size_t n = 0;
	struct range r = parse_ok("fy2026q3", NULL, NULL, NOW, JST);
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_DAY, &n), 0);
	assert_int_equal(n, 92); /* October 31 + November 30 + December 31 */
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_HOUR, &n), 0);
	assert_int_equal(n, 92 * 24);
	r = parse_ok("fy2023", NULL, NULL, NOW, JST); /* holds 2024-02-29 */
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_DAY, &n), 0);
	assert_int_equal(n, 366);
	r = parse_ok("fy2024", NULL, NULL, NOW, JST);
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_DAY, &n), 0);
	assert_int_equal(n, 365);
	r = parse_ok("last7d", NULL, NULL, NOW, JST);
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_DAY, &n), 0);
	assert_int_equal(n, 8);
	/* a range that does not start on a bucket boundary touches partial buckets at both ends */
	r = parse_ok(NULL, "2026-01-01T09:30:00+09:00", "2026-01-01T11:00:01+09:00", NOW, JST);
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_HOUR, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_DAY, &n), 0);
	assert_int_equal(n, 1);
	/* a JST day seen from a UTC server spans two days */
	r = parse_ok(NULL, "2024-02-29", "2024-03-01", NOW, JST);
	assert_int_equal(range_bucket_count(&r, 0, RANGE_BUCKET_DAY, &n), 0);
	assert_int_equal(n, 2);
	n = 7;
	r.to = r.from;
	assert_int_equal(range_bucket_count(&r, JST, RANGE_BUCKET_DAY, &n), -EINVAL);
	assert_int_equal(n, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fiscal_year),	 cmocka_unit_test(test_quarters),
	    cmocka_unit_test(test_zone_offsets), cmocka_unit_test(test_current_quarter),
	    cmocka_unit_test(test_last_days),	 cmocka_unit_test(test_free_range),
	    cmocka_unit_test(test_bad_dates),	 cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_after_2038),	 cmocka_unit_test(test_list),
	    cmocka_unit_test(test_buckets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
