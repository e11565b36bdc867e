/* range.h - named time ranges (Japanese fiscal year) and day/hour buckets
 *
 * The rules are those of docs/api-obs.md, section "Ranges". All calendar arithmetic is done in
 * the server's zone, given as a fixed offset from UTC in seconds (+9 h, JST, by default; Japan
 * has no daylight saving time). A range is [from, to) in Unix seconds.
 *
 *   fy2025      2025-04-01 00:00 to 2026-04-01 00:00 in the zone
 *   fy2025q1    April-June 2025; q2 July-September, q3 October-December, q4 January-March 2026
 *   last7d      the 7 whole days before today, plus today: from the midnight 7 days before
 *               today's to the midnight that ends today (also last30d, last90d)
 *   from/to     dates (YYYY-MM-DD: midnight in the zone) or RFC 3339 times, to exclusive
 *   nothing     the current fiscal quarter
 *
 * Years are 0000-9999 in dates and times, 1970-9998 in fiscal year names; "now" must fall in
 * 1971-9997. A range may be at most RANGE_MAX_DAYS long. Names are accepted in either case and
 * given back in lower case. Every function here is pure and thread-safe.
 */
#ifndef KEIKAI_RANGE_H
#define KEIKAI_RANGE_H

#include <stddef.h>
#include <stdint.h>

#define RANGE_DEFAULT_OFFSET (9 * 3600)
/* Three years, one of them a leap year: three whole fiscal years always fit. */
#define RANGE_MAX_DAYS 1096
/* Longest accepted name, date or time string; longer input is rejected unread. */
#define RANGE_MAX_INPUT 64

enum range_kind { RANGE_QUARTER, RANGE_YEAR, RANGE_LAST, RANGE_CUSTOM };

struct range {
	int64_t from; /* Unix seconds, inclusive */
	int64_t to;   /* Unix seconds, exclusive */
	enum range_kind kind;
	char id[16];	    /* "fy2026q3", "fy2026", "last7d", or "custom" */
	char label_en[128]; /* "FY2026 Q3 (Oct–Dec 2026)" */
	char label_ja[128]; /* "2026年度 第3四半期 (2026年10月〜12月)" */
};

/* A refused range: code is stable ("bad_range") and is what clients translate; the messages
 * say which rule was broken. Static storage: never freed. */
struct range_error {
	const char *code;
	const char *message;
	const char *message_ja;
};

/* "quarter", "year", "last" or "custom", as the API writes it. */
const char *range_kind_name(enum range_kind k);

/* Resolve a range from the request's parameters: name ("fy2025q1", "last30d", ...), or from
 * and to; NULL or "" means not given. now is the current time, tz_off the zone's offset (at
 * most 23:59 either way). Returns 0 and fills *ret, or -EINVAL and points *ret_err at the
 * reason (ret untouched): unknown name, unparsable from/to, only one of from/to, a name and
 * from/to together, from >= to, longer than RANGE_MAX_DAYS, or years outside those above. */
int range_parse(const char *name, const char *from, const char *to, int64_t now, int32_t tz_off,
		struct range *ret, const struct range_error **ret_err);

/* Parse one date ("2026-01-01", midnight in the zone tz_off) or RFC 3339 time
 * ("2026-01-01T09:30:00Z", "...+09:00", a fraction of a second is dropped) into Unix seconds.
 * Returns 0 or -EINVAL (*ret untouched). */
int range_parse_time(const char *s, int32_t tz_off, int64_t *ret);

/* Parse a zone offset "+09:00", "-05:00", "Z" or "+00:00" into seconds east of UTC. Returns 0
 * or -EINVAL (*ret untouched). */
int range_parse_offset(const char *s, int32_t *ret);

/* Format an offset as "+09:00" into buf (at least 7 bytes); returns buf. */
char *range_format_offset(int32_t off, char *buf, size_t size);

/* Format t as "2026-09-30T15:00:00Z" into buf (at least 21 bytes); returns buf. */
char *range_format_utc(int64_t t, char *buf, size_t size);

/* The ranges a client's menu offers around now, newest first within each group: the current
 * fiscal quarter and the 7 before it, the current fiscal year and the 2 before it, then last7d,
 * last30d, last90d. */
#define RANGE_LIST_MAX 14
struct range_list {
	size_t n;
	char current_quarter[16]; /* "fy2026q3" */
	char current_year[16];	  /* "fy2026" */
	struct range r[RANGE_LIST_MAX];
};

/* Fill *ret for now in zone tz_off. Returns 0, or -EINVAL (ret untouched) when now or tz_off
 * is outside what range_parse accepts. */
int range_list_around(int64_t now, int32_t tz_off, struct range_list *ret);

/* Bucket sizes in seconds. An hour bucket starts on a whole hour of the zone (so on the half
 * hour in UTC for a +05:30 zone). */
enum range_bucket { RANGE_BUCKET_HOUR = 3600, RANGE_BUCKET_DAY = 86400 };

/* The start of the zone's calendar day that holds t: the Unix time of its midnight. t is
 * clamped to +-2^62 (far beyond any calendar year). */
int64_t range_day_floor(int64_t t, int32_t tz_off);

/* The start of the bucket of size b that holds t. */
int64_t range_bucket_floor(int64_t t, int32_t tz_off, enum range_bucket b);

/* Number of buckets of size b that [r->from, r->to) touches: from the bucket holding from to
 * the one holding to - 1. Returns 0 and sets *ret, or -EINVAL when from >= to. */
int range_bucket_count(const struct range *r, int32_t tz_off, enum range_bucket b, size_t *ret);

#endif
