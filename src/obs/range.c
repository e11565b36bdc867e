/* range.c - named time ranges (Japanese fiscal year) and day/hour buckets */
#include "range.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../lib/banned.h"

#define DAY	   86400
#define MAX_OFFSET (23 * 3600 + 59 * 60)
#define CLAMP_T	   ((int64_t)1 << 62)

static const struct range_error err_name = {
    "bad_range", "unknown range name: use fyYYYY, fyYYYYq1 to q4, last7d, last30d or last90d",
    "範囲の名前が正しくありません。fyYYYY、fyYYYYq1〜q4、last7d、last30d、last90d のいずれかを指定"
    "してください"};
static const struct range_error err_from = {
    "bad_range", "'from' is not a date (YYYY-MM-DD) or an RFC 3339 time",
    "from が日付 (YYYY-MM-DD) でも RFC 3339 の時刻でもありません"};
static const struct range_error err_to = {
    "bad_range", "'to' is not a date (YYYY-MM-DD) or an RFC 3339 time",
    "to が日付 (YYYY-MM-DD) でも RFC 3339 の時刻でもありません"};
static const struct range_error err_pair = {"bad_range", "'from' and 'to' must be given together",
					    "from と to は両方を指定してください"};
static const struct range_error err_both = {"bad_range",
					    "give either a range name or 'from' and 'to', not both",
					    "範囲の名前と from/to は同時に指定できません"};
static const struct range_error err_order = {"bad_range", "'from' must be before 'to'",
					     "from は to より前の時刻にしてください"};
static const struct range_error err_long = {"bad_range",
					    "a range may be at most 3 years (1096 days) long",
					    "範囲は最長 3 年 (1096 日) です"};
static const struct range_error err_years = {"bad_range",
					     "the range is outside the years the server handles",
					     "範囲がサーバーの扱える年の外にあります"};

/* snprintf into a fixed field. The fields are sized for years of at most 4 digits, which is
 * all the parser lets through; a longer text would be cut, never overflow. */
__attribute__((format(printf, 3, 4))) static int put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start just above */
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* floor(a / b) for b > 0 */
static int64_t fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, counted in 400-year cycles (146097
 * days each) of years that start on March 1, so that the leap day ends a year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	if (m <= 2)
		y--;
	int64_t cycle = fdiv(y, 400);
	int64_t yoc = y - cycle * 400;		   /* 0..399 */
	int64_t mar = (m + 9) % 12;		   /* March = 0 */
	int64_t doy = (153 * mar + 2) / 5 + d - 1; /* 0..365 */
	int64_t doc = yoc * 365 + yoc / 4 - yoc / 100 + doy;
	return cycle * 146097 + doc - 719468;
}

struct civil {
	int64_t y;
	int m, d, hh, mi, ss;
};

static void civil_from_days(int64_t days, struct civil *c)
{
	days += 719468;
	int64_t cycle = fdiv(days, 146097);
	int64_t doc = days - cycle * 146097;				     /* 0..146096 */
	int64_t yoc = (doc - doc / 1460 + doc / 36524 - doc / 146096) / 365; /* 0..399 */
	int64_t doy = doc - (365 * yoc + yoc / 4 - yoc / 100);		     /* 0..365 */
	int64_t mar = (5 * doy + 2) / 153;				     /* 0..11 */
	c->d = (int)(doy - (153 * mar + 2) / 5 + 1);
	c->m = (int)(mar < 10 ? mar + 3 : mar - 9);
	c->y = yoc + cycle * 400 + (c->m <= 2);
}

/* The zone's calendar date and time of t. */
static void civil_from_time(int64_t t, int32_t off, struct civil *c)
{
	int64_t local = t + off;
	int64_t days = fdiv(local, DAY);
	int64_t sec = local - days * DAY;
	civil_from_days(days, c);
	c->hh = (int)(sec / 3600);
	c->mi = (int)(sec / 60 % 60);
	c->ss = (int)(sec % 60);
}

/* Midnight in the zone at the start of y-m-d. */
static int64_t local_midnight(int64_t y, int m, int d, int32_t off)
{
	return days_from_civil(y, m, d) * DAY - off;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

static bool offset_ok(int32_t off)
{
	return off >= -MAX_OFFSET && off <= MAX_OFFSET;
}

/* now must leave room for a whole fiscal year name (1970-9998) around it */
static bool now_ok(int64_t now)
{
	return now >= days_from_civil(1971, 1, 1) * DAY && now < days_from_civil(9997, 1, 1) * DAY;
}

const char *range_kind_name(enum range_kind k)
{
	switch (k) {
	case RANGE_QUARTER:
		return "quarter";
	case RANGE_YEAR:
		return "year";
	case RANGE_LAST:
		return "last";
	case RANGE_CUSTOM:
		return "custom";
	}
	return "custom";
}

static void make_quarter(int64_t fy, int q, int32_t off, struct range *r)
{
	/* Q1 starts in April of fy, Q4 in January of fy + 1 */
	static const int first_month[4] = {4, 7, 10, 1};
	static const char *const months_en[4] = {"Apr–Jun", "Jul–Sep", "Oct–Dec", "Jan–Mar"};
	if (q < 1 || q > 4)
		q = 1; /* callers pass 1-4 */
	int m = first_month[q - 1];
	int64_t y = q == 4 ? fy + 1 : fy;
	memset(r, 0, sizeof(*r));
	r->kind = RANGE_QUARTER;
	r->from = local_midnight(y, m, 1, off);
	r->to = q == 3 ? local_midnight(y + 1, 1, 1, off) : local_midnight(y, m + 3, 1, off);
	(void)put(r->id, sizeof(r->id), "fy%04lldq%d", (long long)fy, q);
	(void)put(r->label_en, sizeof(r->label_en), "FY%04lld Q%d (%s %04lld)", (long long)fy, q,
		  months_en[q - 1], (long long)y);
	(void)put(r->label_ja, sizeof(r->label_ja), "%04lld年度 第%d四半期 (%04lld年%d月〜%d月)",
		  (long long)fy, q, (long long)y, m, m + 2);
}

static void make_year(int64_t fy, int32_t off, struct range *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = RANGE_YEAR;
	r->from = local_midnight(fy, 4, 1, off);
	r->to = local_midnight(fy + 1, 4, 1, off);
	(void)put(r->id, sizeof(r->id), "fy%04lld", (long long)fy);
	(void)put(r->label_en, sizeof(r->label_en), "FY%04lld (Apr %04lld–Mar %04lld)",
		  (long long)fy, (long long)fy, (long long)fy + 1);
	(void)put(r->label_ja, sizeof(r->label_ja), "%04lld年度 (%04lld年4月〜%04lld年3月)",
		  (long long)fy, (long long)fy, (long long)fy + 1);
}

static void make_last(int days, int64_t now, int32_t off, struct range *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = RANGE_LAST;
	int64_t today = range_day_floor(now, off);
	r->from = today - (int64_t)days * DAY;
	r->to = today + DAY;
	(void)put(r->id, sizeof(r->id), "last%dd", days);
	(void)put(r->label_en, sizeof(r->label_en), "Last %d days", days);
	(void)put(r->label_ja, sizeof(r->label_ja), "過去%d日間", days);
}

/* The fiscal year and quarter that hold t in the zone. */
static void fiscal_of(int64_t t, int32_t off, int64_t *fy, int *q)
{
	struct civil c;
	civil_from_time(t, off, &c);
	*fy = c.m >= 4 ? c.y : c.y - 1;
	*q = (c.m + 8) % 12 / 3 + 1; /* Apr-Jun 1, Jul-Sep 2, Oct-Dec 3, Jan-Mar 4 */
}

static void format_local(int64_t t, int32_t off, bool whole_days, bool ja, char *buf, size_t size)
{
	struct civil c;
	civil_from_time(t, off, &c);
	int n;
	if (ja)
		n = put(buf, size, "%04lld年%d月%d日", (long long)c.y, c.m, c.d);
	else
		n = put(buf, size, "%04lld-%02d-%02d", (long long)c.y, c.m, c.d);
	if (whole_days || n < 0 || (size_t)n >= size)
		return;
	if (c.ss)
		(void)put(buf + n, size - (size_t)n, " %02d:%02d:%02d", c.hh, c.mi, c.ss);
	else
		(void)put(buf + n, size - (size_t)n, " %02d:%02d", c.hh, c.mi);
}

static void make_custom(int64_t from, int64_t to, int32_t off, struct range *r)
{
	char a[48], b[48];
	/* whole days are shown as dates with the last day included; other ranges as times with
	 * the end excluded */
	bool whole = range_day_floor(from, off) == from && range_day_floor(to, off) == to;
	int64_t last = whole ? to - DAY : to;

	memset(r, 0, sizeof(*r));
	r->kind = RANGE_CUSTOM;
	r->from = from;
	r->to = to;
	(void)put(r->id, sizeof(r->id), "custom");
	format_local(from, off, whole, false, a, sizeof(a));
	format_local(last, off, whole, false, b, sizeof(b));
	(void)put(r->label_en, sizeof(r->label_en), "%s – %s", a, b);
	format_local(from, off, whole, true, a, sizeof(a));
	format_local(last, off, whole, true, b, sizeof(b));
	(void)put(r->label_ja, sizeof(r->label_ja), "%s〜%s", a, b);
}

/* n decimal digits at s; -1 when any is not a digit */
static int64_t digits(const char *s, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static char lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + ('a' - 'A'));
	return c;
}

/* Returns 0, -EINVAL for an unknown name, -ERANGE for a fiscal year outside 1970-9998. */
static int parse_name(const char *s, size_t n, int64_t now, int32_t off, struct range *ret)
{
	char b[RANGE_MAX_INPUT];
	for (size_t i = 0; i < n; i++)
		b[i] = lower(s[i]);

	static const int last[] = {7, 30, 90};
	for (size_t i = 0; i < 3; i++) {
		char want[16];
		int w = put(want, sizeof(want), "last%dd", last[i]);
		if (w > 0 && (size_t)w == n && memcmp(b, want, n) == 0) {
			make_last(last[i], now, off, ret);
			return 0;
		}
	}
	if (n < 3 || b[0] != 'f' || b[1] != 'y')
		return -EINVAL;
	size_t nd = 0;
	while (2 + nd < n && b[2 + nd] >= '0' && b[2 + nd] <= '9')
		nd++;
	if (nd == 0)
		return -EINVAL;
	int q = 0;
	size_t rest = n - 2 - nd;
	if (rest == 2 && b[2 + nd] == 'q' && b[3 + nd] >= '1' && b[3 + nd] <= '4')
		q = b[3 + nd] - '0';
	else if (rest != 0)
		return -EINVAL;
	if (nd != 4)
		return -ERANGE; /* a year of 5 or more digits, or fewer than 4 */
	int64_t fy = digits(b + 2, 4);
	if (fy < 1970 || fy > 9998)
		return -ERANGE;
	if (q)
		make_quarter(fy, q, off, ret);
	else
		make_year(fy, off, ret);
	return 0;
}

int range_parse_offset(const char *s, int32_t *ret)
{
	if (!s)
		return -EINVAL;
	size_t n = strnlen(s, 8);
	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*ret = 0;
		return 0;
	}
	if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return -EINVAL;
	int64_t hh = digits(s + 1, 2), mm = digits(s + 4, 2);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
		return -EINVAL;
	int32_t v = (int32_t)(hh * 3600 + mm * 60);
	*ret = s[0] == '-' ? -v : v;
	return 0;
}

char *range_format_offset(int32_t off, char *buf, size_t size)
{
	int32_t a = off < 0 ? -off : off;
	if (!offset_ok(off))
		a = 0;
	(void)put(buf, size, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	return buf;
}

char *range_format_utc(int64_t t, char *buf, size_t size)
{
	struct civil c;
	if (t < -CLAMP_T)
		t = -CLAMP_T;
	if (t > CLAMP_T)
		t = CLAMP_T;
	civil_from_time(t, 0, &c);
	(void)put(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)c.y, c.m, c.d, c.hh,
		  c.mi, c.ss);
	return buf;
}

int range_parse_time(const char *s, int32_t tz_off, int64_t *ret)
{
	if (!s || !offset_ok(tz_off))
		return -EINVAL;
	size_t n = strnlen(s, RANGE_MAX_INPUT + 1);
	if (n < 10 || n > RANGE_MAX_INPUT || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	int64_t y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, (int)mo))
		return -EINVAL;
	int64_t days = days_from_civil(y, (int)mo, (int)d);
	if (n == 10) {
		*ret = days * DAY - tz_off;
		return 0;
	}
	/* RFC 3339 date-time: T (or t, or a space, as its section 5.6 note allows), time, zone */
	if (n < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
	    s[16] != ':')
		return -EINVAL;
	int64_t hh = digits(s + 11, 2), mi = digits(s + 14, 2), ss = digits(s + 17, 2);
	if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60)
		return -EINVAL;
	size_t i = 19;
	if (s[i] == '.') {
		size_t f = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return -EINVAL;
	}
	int32_t zoff;
	if (range_parse_offset(s + i, &zoff) != 0)
		return -EINVAL;
	*ret = days * DAY + hh * 3600 + mi * 60 + ss - zoff;
	return 0;
}

/* NULL and "" are "not given"; otherwise the length, or SIZE_MAX past RANGE_MAX_INPUT */
static size_t given(const char *s)
{
	if (!s)
		return 0;
	size_t n = strnlen(s, RANGE_MAX_INPUT + 1);
	return n > RANGE_MAX_INPUT ? SIZE_MAX : n;
}

int range_parse(const char *name, const char *from, const char *to, int64_t now, int32_t tz_off,
		struct range *ret, const struct range_error **ret_err)
{
	struct range r;
	const struct range_error *e = NULL;
	size_t nn = given(name), nf = given(from), nt = given(to);

	if (!offset_ok(tz_off) || !now_ok(now)) {
		e = &err_years;
		goto fail;
	}
	if (nn && (nf || nt)) {
		e = &err_both;
		goto fail;
	}
	if (nn == SIZE_MAX) {
		e = &err_name;
		goto fail;
	}
	if (nn) {
		int rc = parse_name(name, nn, now, tz_off, &r);
		if (rc < 0) {
			e = rc == -ERANGE ? &err_years : &err_name;
			goto fail;
		}
	} else if (nf || nt) {
		int64_t f, t;
		if (!nf || !nt) {
			e = &err_pair;
			goto fail;
		}
		if (range_parse_time(from, tz_off, &f) != 0) {
			e = &err_from;
			goto fail;
		}
		if (range_parse_time(to, tz_off, &t) != 0) {
			e = &err_to;
			goto fail;
		}
		if (f >= t) {
			e = &err_order;
			goto fail;
		}
		if (t - f > (int64_t)RANGE_MAX_DAYS * DAY) {
			e = &err_long;
			goto fail;
		}
		make_custom(f, t, tz_off, &r);
	} else {
		int64_t fy;
		int q;
		fiscal_of(now, tz_off, &fy, &q);
		make_quarter(fy, q, tz_off, &r);
	}
	*ret = r;
	return 0;
fail:
	if (ret_err)
		*ret_err = e;
	return -EINVAL;
}

int range_list_around(int64_t now, int32_t tz_off, struct range_list *ret)
{
	int64_t fy, y;
	int q;

	if (!offset_ok(tz_off) || !now_ok(now))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	fiscal_of(now, tz_off, &fy, &q);
	y = fy;
	for (int i = 0; i < 8; i++) {
		make_quarter(y, q, tz_off, &ret->r[ret->n++]);
		if (--q == 0) {
			q = 4;
			y--;
		}
	}
	for (int64_t i = 0; i < 3; i++)
		make_year(fy - i, tz_off, &ret->r[ret->n++]);
	make_last(7, now, tz_off, &ret->r[ret->n++]);
	make_last(30, now, tz_off, &ret->r[ret->n++]);
	make_last(90, now, tz_off, &ret->r[ret->n++]);
	(void)put(ret->current_quarter, sizeof(ret->current_quarter), "%s", ret->r[0].id);
	(void)put(ret->current_year, sizeof(ret->current_year), "%s", ret->r[8].id);
	return 0;
}

int64_t range_bucket_floor(int64_t t, int32_t tz_off, enum range_bucket b)
{
	int64_t len = b == RANGE_BUCKET_HOUR ? 3600 : DAY;
	if (!offset_ok(tz_off))
		tz_off = 0;
	if (t < -CLAMP_T)
		t = -CLAMP_T;
	if (t > CLAMP_T)
		t = CLAMP_T;
	return fdiv(t + tz_off, len) * len - tz_off;
}

int64_t range_day_floor(int64_t t, int32_t tz_off)
{
	return range_bucket_floor(t, tz_off, RANGE_BUCKET_DAY);
}

int range_bucket_count(const struct range *r, int32_t tz_off, enum range_bucket b, size_t *ret)
{
	int64_t len = b == RANGE_BUCKET_HOUR ? 3600 : DAY;
	if (r->from >= r->to || r->from < -CLAMP_T || r->to > CLAMP_T)
		return -EINVAL;
	int64_t first = range_bucket_floor(r->from, tz_off, b);
	int64_t last = range_bucket_floor(r->to - 1, tz_off, b);
	*ret = (size_t)((last - first) / len + 1);
	return 0;
}
