/* keikai-history.c - months of interval-record history from simulated sensors, for the demo,
 * the server's tests and its benchmarks
 *
 * Fills struct obs_record and writes each with obs_record_to_json(), so every line is a valid
 * keikai.obs.interval/1 record by construction. The traffic follows a model (a skewed port mix,
 * daily, weekly and seasonal cycles, slow trends, sensors of different sizes, downtime) with
 * planted events, and --answers writes facts computed from the records as they were written.
 * Deterministic for a given --seed and range. docs/keikai-history.md describes the model.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keikai-config.h"
#include "gen-rand.h"
#include "history-sources.h"

#include "../src/obs/record.h"
#include "../src/lib/ckd.h"
#include "../src/lib/banned.h"

#define JST	      32400 /* +09:00, the server's default day boundary */
#define DAY	      86400
#define MAX_SENSORS   192 /* the documentation ranges split into blocks of 4 or more */
#define MAX_BENCH     65535
#define MAX_DAYS      3700 /* about ten years */
#define DOS_TIMEOUT   300  /* [dos] timeout of the sensor */
#define DOS_MIN_TOTAL 25   /* a sensor lists an attack that sends it at least this much */
#define POOL_SIZE     4096 /* persistent background sources */
#define MM_POOL	      64   /* spoofed surge sources */
#define MAX_TOP	      50
#define MAX_SCAN      16
#define SURGE_FACTOR  20.0
#define NEWPORT_BOOST 40.0
#define STDIO_BUFFER  (4u << 20)

/* ---- sensors ---- */

struct sensor {
	char name[OBS_SENSOR_ID_MAX];
	const char *org, *region, *location;
	struct ip_prefix v4, v6;
	int has_v4;
	uint64_t size; /* dark addresses that can receive: bounds destinations */
	double scale;  /* traffic relative to a /26 */
	int v6only;
};

static const struct {
	const char *city, *org, *region, *location;
	unsigned size;
	double busy; /* how exposed the network is, beyond its size */
} base_sensors[8] = {
    {"tokyo", "JPCERT-sample", "JP", "Tokyo", 128, 1.3},
    {"osaka", "JPCERT-sample", "JP", "Osaka", 64, 1.0},
    {"sapporo", "JPCERT-sample", "JP", "Sapporo", 32, 0.8},
    {"fukuoka", "JPCERT-sample", "JP", "Fukuoka", 32, 1.1},
    {"seoul", "KrCERT-sample", "KR", "Seoul", 128, 1.0},
    {"taipei", "TWCERT-sample", "TW", "Taipei", 64, 1.2},
    {"singapore", "SingCERT-sample", "SG", "Singapore", 128, 0.9},
    {"manila", "PHCERT-sample", "PH", "Manila", 64, 1.4},
};

/* The three IPv4 documentation /24s (RFC 5737), seen as one pool of 768 addresses. */
static const uint32_t doc_nets[3] = {0xc0000200u, 0xc6336400u, 0xcb007100u};

/* ---- the port model ---- */

struct port_def {
	uint8_t proto, cls;
	uint16_t port;
	double rate;   /* packets per hour at a /26-sized sensor of scale 1 */
	double sratio; /* distinct sources per packet */
	double trend;  /* growth per year (log scale) */
	const char *tool;
};

static const struct port_def port_defs[] = {
    {OBS_TCP, OBS_PROBE, 23, 1800, 0.35, -0.15, "mirai"},
    {OBS_TCP, OBS_PROBE, 445, 1300, 0.25, 0.0, "masscan"},
    {OBS_TCP, OBS_PROBE, 22, 900, 0.06, 0.10, NULL},
    {OBS_TCP, OBS_PROBE, 3389, 600, 0.10, 0.20, "masscan"},
    {OBS_TCP, OBS_PROBE, 80, 450, 0.20, 0.0, "zmap"},
    {OBS_TCP, OBS_PROBE, 8080, 380, 0.20, 0.05, "zmap"},
    {OBS_TCP, OBS_PROBE, 443, 320, 0.20, 0.05, "zmap"},
    {OBS_TCP, OBS_PROBE, 2323, 260, 0.40, -0.20, "mirai"},
    {OBS_TCP, OBS_PROBE, 1433, 220, 0.10, -0.05, "masscan"},
    {OBS_TCP, OBS_PROBE, 5555, 180, 0.30, -0.10, "mirai"},
    {OBS_TCP, OBS_PROBE, 6379, 160, 0.15, 0.20, NULL},
    {OBS_TCP, OBS_PROBE, 52869, 120, 0.40, -0.10, "mirai"},
    {OBS_TCP, OBS_PROBE, 81, 110, 0.30, 0.0, NULL},
    {OBS_TCP, OBS_PROBE, 8443, 100, 0.20, 0.10, "zmap"},
    {OBS_TCP, OBS_PROBE, 3306, 85, 0.15, 0.0, NULL},
    {OBS_TCP, OBS_PROBE, 25, 80, 0.25, -0.05, NULL},
    {OBS_TCP, OBS_PROBE, 21, 70, 0.25, -0.10, NULL},
    {OBS_TCP, OBS_PROBE, 5900, 60, 0.20, 0.0, NULL},
    {OBS_TCP, OBS_PROBE, 139, 50, 0.30, 0.0, NULL},
    {OBS_TCP, OBS_PROBE, 7547, 45, 0.40, -0.10, NULL},
    {OBS_TCP, OBS_PROBE, 9200, 35, 0.20, 0.10, NULL},
    {OBS_TCP, OBS_PROBE, 37215, 25, 0.40, 0.0, "mirai"},
    {OBS_UDP, OBS_PROBE, 5060, 200, 0.15, 0.05, NULL},
    {OBS_UDP, OBS_PROBE, 53, 140, 0.30, 0.0, NULL},
    {OBS_UDP, OBS_PROBE, 123, 110, 0.30, 0.0, NULL},
    {OBS_UDP, OBS_PROBE, 1900, 95, 0.40, -0.05, NULL},
    {OBS_UDP, OBS_PROBE, 161, 85, 0.30, 0.0, NULL},
    {OBS_UDP, OBS_PROBE, 137, 40, 0.40, 0.0, NULL},
    {OBS_UDP, OBS_PROBE, 11211, 25, 0.30, -0.10, NULL},
    {OBS_UDP, OBS_PROBE, 3702, 12, 0.40, 0.10, NULL},
    {OBS_ICMP, OBS_PROBE, 8, 380, 0.50, 0.0, NULL},
    {OBS_ICMP, OBS_BACKSCATTER, 0, 15, 0.60, 0.0, NULL},
    {OBS_ICMP, OBS_BACKSCATTER, 3, 20, 0.60, 0.0, NULL},
    {OBS_ICMP, OBS_BACKSCATTER, 11, 8, 0.70, 0.0, NULL},
    {OBS_ICMP6, OBS_PROBE, 128, 6, 0.50, 0.30, NULL},
    {OBS_OTHER, OBS_CLASS_OTHER, 47, 4, 0.30, 0.0, NULL},
};

#define N_PORT_DEFS (sizeof(port_defs) / sizeof(port_defs[0]))

/* Ports whose per-sensor daily averages --answers lists. */
static const struct {
	uint8_t proto;
	uint16_t port;
} check_ports[] = {{OBS_TCP, 23},    {OBS_TCP, 80}, {OBS_TCP, 443}, {OBS_TCP, 445},
		   {OBS_TCP, 37215}, {OBS_UDP, 53}, {OBS_ICMP, 8}};

#define N_CHECK_PORTS  (sizeof(check_ports) / sizeof(check_ports[0]))
#define MAX_CHECK_DAYS 8

/* ---- attacks seen through backscatter ---- */

struct attack {
	struct ip_addr victim;
	uint8_t proto;
	uint16_t vport;
	int64_t a, b; /* first and last packet, seconds */
	double k;     /* packets per dark address per minute */
	int planted;
};

/* ---- options and state ---- */

struct opts {
	unsigned sensors;
	const char *from, *to;
	uint32_t interval;
	unsigned ports;
	uint64_t seed;
	const char *out, *manifest, *answers;
	unsigned bench;
	int list_sources;
};

struct pentry {
	uint8_t proto;
	uint16_t port;
	uint64_t packets, sources, scan_dest;
	uint64_t cls[OBS_CLASS_MAX];
};

struct cand {
	struct ip_addr src;
	uint64_t packets;
};

struct check {
	int64_t day;
	uint64_t sum[N_CHECK_PORTS];
};

struct hist {
	struct opts o;
	struct sensor *sensors;
	unsigned n;
	int64_t t0, t1;	       /* [t0, t1): the records' starts */
	int64_t day0, ndays;   /* JST day number of t0, days covered */
	struct ip_prefix *pfx; /* hist_prefixes, parsed */
	struct ip_addr pool[POOL_SIZE];
	struct ip_addr pool6[256];
	struct ip_addr mm_pool[MM_POOL];
	unsigned pool_weight_total;

	/* planted events; day numbers are JST days since the epoch, -1 when absent */
	int64_t surge_day, dos_day, newport_day, down_day;
	unsigned down_sensor;
	struct attack *attacks;
	size_t n_attacks, planted_attack;

	/* per-record scratch */
	uint32_t *slot; /* [OBS_PROTO_MAX * 65536]: index + 1 into ent, 0 = none */
	struct pentry *ent;
	size_t n_ent, cap_ent, ports_cap;
	struct cand cand[MAX_TOP * 4 + MAX_SCAN + 64];
	size_t n_cand;

	/* answers */
	uint64_t records;
	uint8_t *present; /* [ndays * n]: the sensor wrote a record that day */
	struct check checks[MAX_CHECK_DAYS];
	unsigned n_checks;
	uint64_t *fy_tot, *week_tot; /* [OBS_PROTO_MAX * 65536] */
	int64_t fy_day0, fy_day1, fy_year;
	uint64_t dos_total;
	uint8_t *dos_seen; /* [n] */
	uint64_t cc_pk[HIST_N_PREFIXES];
};

static void usage(FILE *f)
{
	(void)fputs(
	    "usage: keikai-history [options]\n"
	    "\n"
	    "Write interval-record history (keikai.obs.interval/1, one JSON line each) from\n"
	    "simulated sensors, with planted events and the facts a server must reproduce.\n"
	    "\n"
	    "      --sensors N       sensors to simulate, 1 to 192 (default 8)\n"
	    "      --from DATE       first day, YYYY-MM-DD in +09:00 (default: the start of the\n"
	    "                        fiscal year before the current one)\n"
	    "      --to DATE         last day, included (default: today, up to the current time)\n"
	    "      --interval SEC    record length, 10 to 3600 and dividing a day (default 3600)\n"
	    "      --ports N         typical ports per record, 1 to 5000 (default 40)\n"
	    "      --seed N          PRNG seed (default 1)\n"
	    "  -o, --out FILE        JSON-lines output (default: standard output)\n"
	    "      --manifest FILE   write the sensors as TSV: name org region location prefixes\n"
	    "      --answers FILE    write the facts computed from the records (JSON)\n"
	    "      --bench N         one interval from N sensors bench-00001... (ingest load)\n"
	    "      --list-sources    print the source prefixes by country (TSV) and exit\n"
	    "  -h, --help            show this help\n"
	    "  -V, --version         show the version\n",
	    f);
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*ret_d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	*ret_m = m;
	*ret_y = y + (m <= 2);
}

/* Parse YYYY-MM-DD (a real calendar date, years 1970 to 9999) into a day number. */
static int parse_date(const char *s, int64_t *ret_day)
{
	uint64_t y, m, d;
	char buf[5];
	static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	memcpy(buf, s, 4);
	buf[4] = '\0';
	if (parse_u64(buf, 1970, 9999, &y) < 0)
		return -EINVAL;
	memcpy(buf, s + 5, 2);
	buf[2] = '\0';
	if (parse_u64(buf, 1, 12, &m) < 0)
		return -EINVAL;
	memcpy(buf, s + 8, 2);
	buf[2] = '\0';
	if (parse_u64(buf, 1, mdays[m - 1], &d) < 0)
		return -EINVAL;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -EINVAL;
	*ret_day = days_from_civil((int64_t)y, (unsigned)m, (unsigned)d);
	return 0;
}

static char *format_day(int64_t day, char *buf, size_t size)
{
	int64_t y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	(void)snprintf(buf, size, "%04" PRId64 "-%02u-%02u", y, m, d);
	return buf;
}

static int64_t jst_day(int64_t t)
{
	int64_t x = t + JST;
	return (x >= 0 ? x : x - (DAY - 1)) / DAY;
}

static int64_t day_start(int64_t day)
{
	return day * DAY - JST;
}

/* ---- randomness ---- */

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ULL);
	return gen_rand_splitmix(&x);
}

static uint64_t mix3(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return mix(mix(mix(seed, a), b), c);
}

/* Integer from a non-negative real, rounding up with probability of the fraction. */
static uint64_t sround(struct gen_rand *r, double x)
{
	double f;

	if (!(x > 0.0))
		return 0;
	if (x > 1e15)
		x = 1e15;
	f = floor(x);
	return (uint64_t)f + (gen_rand_unit(r) < x - f ? 1u : 0u);
}

/* A factor around 1 with a spread of about +-sd (product of two uniforms, log-symmetric). */
static double jitter(struct gen_rand *r, double sd)
{
	double u = gen_rand_unit(r) + gen_rand_unit(r) - 1.0;
	return exp(u * sd);
}

static struct ip_addr prefix_random(struct gen_rand *r, const struct ip_prefix *p)
{
	struct ip_addr a = p->addr;

	if (a.family == 4) {
		unsigned host = 32u - p->len;
		uint32_t v = ip_addr_v4(&p->addr);
		uint64_t size = 1ULL << host;
		/* avoid the first and last address of the block, which look odd as sources */
		uint64_t off = size > 4 ? gen_rand_range(r, 1, size - 2) : 0;
		ip_addr_set4(&a, v + (uint32_t)off);
	} else {
		/* a host in one of the prefix's first 256 /64s, with a random interface id */
		uint64_t iid = gen_rand_next(r) | 1u;
		unsigned i;
		a.a[7] = (uint8_t)(a.a[7] | gen_rand_below(r, 256));
		for (i = 0; i < 8; i++)
			a.a[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
	}
	return a;
}

/* ---- setup ---- */

static int setup_sensors(struct hist *h)
{
	unsigned n = h->o.bench ? h->o.bench : h->o.sensors;
	uint64_t cursor = 0, each = 0;
	struct gen_rand r = {0}; /* seeded below; zeroed for the analyzer */

	h->n = n;
	if (!ALLOC_ARRAY(h->sensors, n))
		return -ENOMEM;
	gen_rand_seed(&r, mix(h->o.seed, 0x5e45));
	if (n > 8 && !h->o.bench) {
		each = 256;
		while (each > 4 && each * n > 768)
			each /= 2;
	}
	for (unsigned i = 0; i < n; i++) {
		struct sensor *s = &h->sensors[i];
		uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8};
		double busy;

		if (h->o.bench) {
			(void)snprintf(s->name, sizeof(s->name), "bench-%05u", i + 1);
			s->org = "Bench-sample";
			s->region = "JP";
			s->location = "Benchmark";
			s->v6only = 1;
			s->size = 256;
			b6[4] = 0xbe;
			b6[5] = 0xef;
			b6[6] = (uint8_t)((i + 1) >> 8);
			b6[7] = (uint8_t)(i + 1);
			ip_addr_set6(&s->v6.addr, b6);
			s->v6.len = 64;
			busy = 0.5 + gen_rand_unit(&r) * 1.5;
		} else {
			unsigned size = each ? (unsigned)each : base_sensors[i].size;
			uint32_t net;

			if (n <= 8)
				(void)snprintf(s->name, sizeof(s->name), "%s-1",
					       base_sensors[i].city);
			else
				(void)snprintf(s->name, sizeof(s->name), "%s-%u",
					       base_sensors[i % 8].city, i / 8 + 1);
			s->org = base_sensors[i % 8].org;
			s->region = base_sensors[i % 8].region;
			s->location = base_sensors[i % 8].location;
			cursor = (cursor + size - 1) / size * size;
			if (cursor + size > 768)
				return -ENOSPC;
			net = doc_nets[cursor / 256] + (uint32_t)(cursor % 256);
			cursor += size;
			ip_addr_set4(&s->v4.addr, net);
			s->v4.len = (uint8_t)(32 - __builtin_ctz(size));
			s->has_v4 = 1;
			s->size = size;
			b6[4] = (uint8_t)((i + 1) >> 8);
			b6[5] = (uint8_t)(i + 1);
			ip_addr_set6(&s->v6.addr, b6);
			s->v6.len = 48;
			busy = base_sensors[i % 8].busy * (0.85 + 0.3 * gen_rand_unit(&r));
		}
		s->scale = (double)s->size / 64.0 * busy;
	}
	return 0;
}

static const struct ip_prefix *pick_prefix(struct hist *h, struct gen_rand *r, int v6)
{
	uint64_t total = 0, x;

	for (size_t i = 0; i < HIST_N_PREFIXES; i++)
		if ((h->pfx[i].addr.family == 6) == (v6 != 0))
			total += hist_prefixes[i].weight;
	x = gen_rand_below(r, total);
	for (size_t i = 0; i < HIST_N_PREFIXES; i++) {
		if ((h->pfx[i].addr.family == 6) != (v6 != 0))
			continue;
		if (x < hist_prefixes[i].weight)
			return &h->pfx[i];
		x -= hist_prefixes[i].weight;
	}
	return &h->pfx[0];
}

static int setup_sources(struct hist *h)
{
	struct gen_rand r = {0}; /* seeded below; zeroed for the analyzer */
	size_t n_mm = 0;
	const struct ip_prefix *mm[8];

	if (!ALLOC_ARRAY(h->pfx, HIST_N_PREFIXES))
		return -ENOMEM;
	for (size_t i = 0; i < HIST_N_PREFIXES; i++) {
		if (ip_prefix_parse(hist_prefixes[i].text, &h->pfx[i]) < 0)
			return -EINVAL;
		if (strcmp(hist_prefixes[i].cc, HIST_SURGE_CC) == 0 && h->pfx[i].addr.family == 4 &&
		    n_mm < 8)
			mm[n_mm++] = &h->pfx[i];
	}
	if (n_mm == 0)
		return -EINVAL;
	gen_rand_seed(&r, mix(h->o.seed, 0x5005));
	for (size_t i = 0; i < POOL_SIZE; i++)
		h->pool[i] = prefix_random(&r, pick_prefix(h, &r, 0));
	for (size_t i = 0; i < 256; i++)
		h->pool6[i] = prefix_random(&r, pick_prefix(h, &r, 1));
	for (size_t i = 0; i < MM_POOL; i++)
		h->mm_pool[i] = prefix_random(&r, mm[gen_rand_below(&r, n_mm)]);
	return 0;
}

/* A background source: a few addresses are heavy and come back often (index drawn with a
 * skew towards the start of the pool), the rest are rare. */
static struct ip_addr pool_source(struct hist *h, struct gen_rand *r, int v6)
{
	double u = gen_rand_unit(r);
	size_t n = v6 ? 256 : POOL_SIZE;
	size_t i = (size_t)((double)n * u * u * u);

	if (i >= n)
		i = n - 1;
	return v6 ? h->pool6[i] : h->pool[i];
}

static int in_days(int64_t day, int64_t first, int64_t count)
{
	return first >= 0 && day >= first && day < first + count;
}

static int event_day(const struct hist *h, int64_t day)
{
	return in_days(day, h->surge_day, 5) || in_days(day, h->dos_day, 1);
}

static void setup_events(struct hist *h)
{
	int64_t y, last = jst_day(h->t1 - 1);
	unsigned m, d;

	h->surge_day = h->dos_day = h->newport_day = h->down_day = -1;
	/* the seed report's February: the last February 20-24 that lies entirely in the range */
	civil_from_days(last, &y, &m, &d);
	for (; y >= 1970; y--) {
		int64_t s = days_from_civil(y, 2, 20);
		if (s < h->day0)
			break;
		if (s + 4 <= last) {
			h->surge_day = s;
			break;
		}
	}
	/* the backscatter DoS: the last February 26 whose 01:20 to 04:20 JST lies in the range */
	civil_from_days(last, &y, &m, &d);
	for (; y >= 1970; y--) {
		int64_t dd = days_from_civil(y, 2, 26);
		int64_t a = day_start(dd) + 80 * 60, b = a + 3 * 3600;
		if (a < h->t0)
			break;
		if (b + DOS_TIMEOUT + (int64_t)h->o.interval <= h->t1) {
			h->dos_day = dd;
			break;
		}
	}
	/* a new port in the top 10 for a week: from the first Monday on or after mid-range */
	if (h->ndays >= 21) {
		int64_t mid = h->day0 + h->ndays / 2;
		int64_t dow = ((mid + 4) % 7 + 7) % 7; /* 0 = Sunday; 1970-01-01 was a Thursday */
		mid += (8 - dow) % 7;
		if (mid + 7 <= last && !in_days(mid, h->surge_day - 7, 12))
			h->newport_day = mid;
		else if (mid - 28 >= h->day0)
			h->newport_day = mid - 28;
	}
	/* one planted whole day of downtime */
	if (h->ndays >= 12 && !h->o.bench) {
		h->down_day = h->day0 + 9;
		h->down_sensor = 2 % h->n;
		if (event_day(h, h->down_day))
			h->down_day = -1;
	}
}

static int add_attack(struct hist *h, const struct attack *a)
{
	if (h->n_attacks % 64 == 0) {
		size_t bytes;
		struct attack *p;
		if (!ckd_size_mul(h->n_attacks + 64, sizeof(*p), &bytes))
			return -ENOMEM;
		p = realloc(h->attacks, bytes);
		if (!p)
			return -ENOMEM;
		h->attacks = p;
	}
	h->attacks[h->n_attacks++] = *a;
	return 0;
}

static int setup_attacks(struct hist *h)
{
	struct gen_rand r = {0}; /* seeded below; zeroed for the analyzer */
	static const uint16_t tcp_ports[] = {80, 443, 22, 25, 3389, 8080};

	gen_rand_seed(&r, mix(h->o.seed, 0xd05));
	h->planted_attack = SIZE_MAX;
	for (int64_t day = h->day0 - 1; day < h->day0 + h->ndays; day++) {
		struct attack a;

		if (gen_rand_unit(&r) >= 0.45 || h->o.bench)
			continue;
		memset(&a, 0, sizeof(a));
		a.victim = prefix_random(&r, pick_prefix(h, &r, 0));
		if (gen_rand_unit(&r) < 0.75) {
			a.proto = OBS_TCP;
			a.vport = tcp_ports[gen_rand_below(&r, 6)];
		} else {
			a.proto = OBS_UDP;
			a.vport = 53;
		}
		a.a = day_start(day) + (int64_t)gen_rand_below(&r, DAY);
		a.b = a.a + 600 + (int64_t)gen_rand_below(&r, 4 * 3600);
		a.k = 0.02 + 0.3 * gen_rand_unit(&r) * gen_rand_unit(&r);
		a.planted = 0;
		if (add_attack(h, &a) < 0)
			return -ENOMEM;
	}
	if (h->dos_day >= 0) {
		struct attack a;
		memset(&a, 0, sizeof(a));
		(void)ip_addr_parse(HIST_VICTIM, &a.victim);
		a.proto = OBS_TCP;
		a.vport = 443;
		a.a = day_start(h->dos_day) + 80 * 60;
		a.b = a.a + 3 * 3600;
		a.k = 0.35;
		a.planted = 1;
		h->planted_attack = h->n_attacks;
		if (add_attack(h, &a) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Is sensor si down for the interval starting at t? */
static int is_down(const struct hist *h, unsigned si, int64_t t)
{
	int64_t day = jst_day(t);
	uint64_t x;
	unsigned hour, start, len;

	if (h->o.bench)
		return 0;
	if (day == h->down_day && si == h->down_sensor)
		return 1;
	if (event_day(h, day))
		return 0;
	x = mix3(h->o.seed, 0xd0, si, (uint64_t)day);
	if (x % 1000 < 5)
		return 1; /* a whole day */
	if ((x >> 10) % 100 < 3) {
		/* an outage of 1 to 8 hours */
		hour = (unsigned)((t + JST - day * DAY) / 3600);
		start = (unsigned)((x >> 20) % 24);
		len = 1 + (unsigned)((x >> 30) % 8);
		return hour >= start && hour < start + len;
	}
	return 0;
}

/* ---- one record ---- */

static struct pentry *port_get(struct hist *h, uint8_t proto, uint16_t port)
{
	uint32_t *slot = &h->slot[(size_t)proto * 65536 + port];

	if (*slot == 0) {
		struct pentry *e;
		if (h->n_ent == h->cap_ent) {
			size_t cap = h->cap_ent ? h->cap_ent * 2 : 1024, bytes;
			if (!ckd_size_mul(cap, sizeof(*e), &bytes))
				return NULL;
			e = realloc(h->ent, bytes);
			if (!e)
				return NULL;
			h->ent = e;
			h->cap_ent = cap;
		}
		e = &h->ent[h->n_ent++];
		memset(e, 0, sizeof(*e));
		e->proto = proto;
		e->port = port;
		*slot = (uint32_t)h->n_ent;
	}
	return &h->ent[*slot - 1];
}

static int port_add(struct hist *h, uint8_t proto, uint16_t port, uint8_t cls, uint64_t packets,
		    uint64_t sources)
{
	struct pentry *e;

	if (packets == 0)
		return 0;
	e = port_get(h, proto, port);
	if (!e)
		return -ENOMEM;
	if (sources > packets)
		sources = packets;
	if (sources == 0)
		sources = 1;
	e->packets += packets;
	e->sources += sources;
	e->cls[cls] += packets;
	return 0;
}

static void cand_add(struct hist *h, const struct ip_addr *src, uint64_t packets)
{
	if (packets == 0 || h->n_cand >= sizeof(h->cand) / sizeof(h->cand[0]))
		return;
	h->cand[h->n_cand].src = *src;
	h->cand[h->n_cand].packets = packets;
	h->n_cand++;
}

static int cand_has(const struct hist *h, const struct ip_addr *a)
{
	for (size_t i = 0; i < h->n_cand; i++)
		if (ip_addr_equal(&h->cand[i].src, a))
			return 1;
	return 0;
}

/* Distinct dark addresses that packets spread at random over size addresses reach. */
static uint64_t dest_est(uint64_t packets, uint64_t size)
{
	double d = (double)size * (1.0 - exp(-(double)packets / (double)size));
	uint64_t v = (uint64_t)llround(d);

	if (v < 1)
		v = 1;
	if (v > size)
		v = size;
	if (v > packets)
		v = packets;
	return v;
}

static uint8_t v6_proto(uint8_t proto, uint16_t *port)
{
	if (proto != OBS_ICMP)
		return proto;
	switch (*port) {
	case 8:
		*port = 128;
		break;
	case 0:
		*port = 129;
		break;
	case 11:
		*port = 3;
		break;
	default:
		*port = 1;
		break;
	}
	return OBS_ICMP6;
}

static int gen_ports(struct hist *h, const struct sensor *s, struct gen_rand *r, int64_t t,
		     int *ret_surge)
{
	int64_t day = jst_day(t);
	double hour = (double)(t + JST - day * DAY) / 3600.0;
	double years = (double)(day - 20089) / 365.25; /* from 2025-01-01 */
	double frac = (double)h->o.interval / 3600.0;
	int64_t dow = ((day + 4) % 7 + 7) % 7;
	double diurnal = 1.0 + 0.22 * sin(2.0 * M_PI * (hour - 15.0) / 24.0);
	double weekly = (dow == 0 || dow == 6) ? 0.93 : 1.0;
	double season = 1.0 + 0.12 * sin(2.0 * M_PI * (double)day / 365.25);
	int surge = in_days(day, h->surge_day, 5);
	int newport = in_days(day, h->newport_day, 7);
	unsigned target;

	*ret_surge = surge;
	for (size_t i = 0; i < N_PORT_DEFS; i++) {
		const struct port_def *d = &port_defs[i];
		double x = d->rate * s->scale * frac * diurnal * weekly * season *
			   exp(d->trend * years) * jitter(r, 0.35);
		double sr = d->sratio * jitter(r, 0.3);
		uint64_t p, src;
		uint8_t proto = d->proto;
		uint16_t port = d->port;

		if (s->v6only) {
			if (proto == OBS_ICMP6 || proto == OBS_OTHER)
				continue;
			proto = v6_proto(proto, &port);
		} else if (proto == OBS_ICMP6 && !s->has_v4) {
			continue;
		}
		if (newport && proto == OBS_TCP && port == 37215)
			x *= NEWPORT_BOOST;
		p = sround(r, x);
		src = sround(r, (double)p * sr);
		if (surge && proto == OBS_TCP && (port == 80 || port == 443)) {
			/* the seed report's surge: SYN probes from spoofed Myanmar space; each
			 * spoofed address sends one or two packets, so sources jump too */
			uint64_t extra =
			    sround(r, (double)p * (SURGE_FACTOR - 1.0) * jitter(r, 0.2));
			if (extra == 0)
				extra = 1;
			p += extra;
			src += sround(r, (double)extra * 0.6);
		}
		if (port_add(h, proto, port, d->cls, p, src) < 0)
			return -ENOMEM;
	}
	/* the long tail: one-off probes of random ports */
	target = (unsigned)sround(r, (double)h->o.ports * (0.75 + 0.5 * gen_rand_unit(r)));
	while (h->n_ent < target) {
		uint8_t proto = gen_rand_unit(r) < 0.8 ? OBS_TCP : OBS_UDP;
		uint16_t port = (uint16_t)gen_rand_range(r, 1, 65535);
		uint64_t p = 1 + gen_rand_below(r, 3);
		if (port_add(h, proto, port, OBS_PROBE, p, 1 + gen_rand_below(r, p)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int gen_dos(struct hist *h, unsigned si, const struct sensor *s, struct gen_rand *r,
		   int64_t t0, int64_t t1, struct obs_record *rec)
{
	for (size_t i = 0; i < h->n_attacks; i++) {
		const struct attack *a = &h->attacks[i];
		uint64_t x = mix3(h->o.seed, 0xa7, i, si);
		int64_t as = a->a + (int64_t)(x % 20);
		double rate = (double)s->size * a->k / 60.0; /* per second */
		uint64_t total, cum_end, cum_start, pi, nports;
		int64_t lo, hi, last = a->b;
		struct obs_dos *d;

		if (as >= t1 || t0 >= last + DOS_TIMEOUT || as >= a->b)
			continue;
		total = (uint64_t)(rate * (double)(a->b - as)) + 1;
		if (total < DOS_MIN_TOTAL)
			continue;
		hi = t1 < a->b ? t1 : a->b;
		lo = t0 > as ? t0 : as;
		/* packets up to time x: the first arrives at as, then one every 1/rate s */
		cum_end = (uint64_t)(rate * (double)(hi - as)) + 1;
		cum_start = lo >= hi  ? cum_end
			    : lo > as ? (uint64_t)(rate * (double)(lo - as)) + 1
				      : 0;
		pi = cum_end - cum_start;
		/* listed while it sends, and once more, ended, in the record after */
		if (cum_end == 0 || (pi == 0 && t1 < last + DOS_TIMEOUT))
			continue;
		if (rec->n_dos >= 8)
			break;
		d = &rec->dos[rec->n_dos++];
		memset(d, 0, sizeof(*d));
		d->victim = a->victim;
		d->proto = a->proto;
		d->n_ports = 1;
		d->ports[0] = a->vport;
		d->packets = cum_end;
		d->packets_interval = pi;
		d->destinations = dest_est(cum_end, s->size);
		d->peak_per_min = (uint64_t)ceil(rate * 60.0);
		if (d->peak_per_min > cum_end)
			d->peak_per_min = cum_end;
		d->start_usec = (uint64_t)as * 1000000u + (x >> 40) % 1000000u;
		d->last_usec = (uint64_t)hi * 1000000u - 1u - (x >> 20) % 500000u;
		if (d->last_usec < d->start_usec)
			d->last_usec = d->start_usec;
		d->ongoing = t1 < last + DOS_TIMEOUT;
		if (i == h->planted_attack) {
			h->dos_total += pi;
			h->dos_seen[si] = 1;
		}
		/* the backscatter reaches the random ports the attacker put in its spoofed SYNs */
		nports = pi < 12 + pi / 100 ? pi : 12 + pi / 100;
		if (nports > 80)
			nports = 80;
		for (uint64_t k = 0; k < nports; k++) {
			uint64_t share = pi / nports + (k < pi % nports ? 1 : 0);
			uint16_t port = (uint16_t)gen_rand_range(r, 1024, 65535);
			uint8_t proto = a->proto;
			if (s->v6only)
				proto = v6_proto(proto, &port);
			if (port_add(h, proto, port, OBS_BACKSCATTER, share, 1) < 0)
				return -ENOMEM;
		}
		cand_add(h, &a->victim, pi);
	}
	return 0;
}

static const struct port_def *pick_port(struct gen_rand *r, int v6only)
{
	double total = 0.0, x;

	for (size_t i = 0; i < N_PORT_DEFS; i++)
		if (port_defs[i].cls == OBS_PROBE && port_defs[i].proto != OBS_ICMP6)
			total += port_defs[i].rate;
	x = gen_rand_unit(r) * total;
	for (size_t i = 0; i < N_PORT_DEFS; i++) {
		if (port_defs[i].cls != OBS_PROBE || port_defs[i].proto == OBS_ICMP6)
			continue;
		if (x < port_defs[i].rate)
			return (v6only && port_defs[i].proto == OBS_ICMP) ? &port_defs[0]
									  : &port_defs[i];
		x -= port_defs[i].rate;
	}
	return &port_defs[0];
}

static int gen_scanners(struct hist *h, const struct sensor *s, struct gen_rand *r, int64_t t0,
			int surge, struct obs_record *rec, uint64_t tools[3])
{
	uint64_t n = gen_rand_below(r, 2 + s->size / 40 + (surge ? 2 : 0));
	uint64_t span = h->o.interval;

	for (uint64_t i = 0; i < n && rec->n_scanners < MAX_SCAN; i++) {
		const struct port_def *d = pick_port(r, s->v6only);
		struct obs_scanner *sc = &rec->scanners[rec->n_scanners];
		uint8_t proto = d->proto;
		uint16_t port = d->port;
		uint64_t first, dur;

		memset(sc, 0, sizeof(*sc));
		sc->src = pool_source(h, r, s->v6only);
		sc->tool = (d->tool && gen_rand_unit(r) < 0.6) ? d->tool : NULL;
		if (s->v6only)
			proto = v6_proto(proto, &port);
		sc->proto = proto;
		if (s->size >= 25) {
			/* crosses the per-port threshold on one port, masscan sometimes on more */
			static const uint16_t more[] = {445, 3389, 1433, 22, 80, 8080, 5900};
			unsigned np = 1;
			if (sc->tool && strcmp(sc->tool, "masscan") == 0 && proto == OBS_TCP)
				np += (unsigned)gen_rand_below(r, 3);
			for (unsigned k = 0; k < np; k++) {
				uint64_t dk = gen_rand_range(r, 25, s->size);
				uint64_t pk = dk + gen_rand_below(r, dk / 2 + 1);
				uint16_t pt = k == 0 ? port : more[gen_rand_below(r, 7)];
				struct pentry *e;
				int seen = 0;
				for (unsigned j = 0; j < sc->n_ports; j++)
					seen |= sc->ports[j] == pt;
				if (seen)
					continue;
				if (port_add(h, proto, pt, OBS_PROBE, pk, 1) < 0)
					return -ENOMEM;
				e = port_get(h, proto, pt);
				if (!e)
					return -ENOMEM;
				if (e->scan_dest < dk)
					e->scan_dest = dk;
				sc->ports[sc->n_ports++] = pt;
				sc->packets += pk;
				sc->targets += dk;
				if (sc->destinations < dk)
					sc->destinations = dk;
			}
		} else {
			/* a small sensor: listed for its number of targets, over several ports */
			uint64_t k = (100 + s->size - 1) / s->size + gen_rand_below(r, 3);
			if (proto != OBS_TCP && proto != OBS_UDP)
				proto = sc->proto = OBS_TCP;
			for (uint64_t j = 0; j < k; j++) {
				uint16_t pt = (uint16_t)(port + j);
				struct pentry *e;
				if (port_add(h, proto, pt, OBS_PROBE, s->size, 1) < 0)
					return -ENOMEM;
				e = port_get(h, proto, pt);
				if (!e)
					return -ENOMEM;
				e->scan_dest = s->size;
				sc->packets += s->size;
				sc->targets += s->size;
			}
			sc->destinations = s->size;
		}
		first = gen_rand_below(r, span * 3 / 4);
		dur = 1 + gen_rand_below(r, span - first - 1);
		sc->first_usec =
		    (uint64_t)t0 * 1000000u + first * 1000000u + gen_rand_below(r, 999999);
		sc->last_usec = sc->first_usec + dur * 1000000u - gen_rand_below(r, 999999);
		if (sc->tool)
			tools[strcmp(sc->tool, "zmap") == 0	 ? 0
			      : strcmp(sc->tool, "masscan") == 0 ? 1
								 : 2] += sc->packets;
		cand_add(h, &sc->src, sc->packets);
		rec->n_scanners++;
	}
	return 0;
}

static int cmp_port(const void *a, const void *b)
{
	const struct obs_port *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (int)x->port - (int)y->port;
}

static int cmp_cand_addr(const void *a, const void *b)
{
	return ip_addr_cmp(&((const struct cand *)a)->src, &((const struct cand *)b)->src);
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return ip_addr_cmp(&x->src, &y->src);
}

static int cmp_scanner(const void *a, const void *b)
{
	const struct obs_scanner *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return ip_addr_cmp(&x->src, &y->src);
}

static int cmp_dos(const void *a, const void *b)
{
	const struct obs_dos *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return ip_addr_cmp(&x->victim, &y->victim);
}

/* The top sources: scanners, attack victims, the surge's spoofed sources and background heavy
 * hitters, within what the record's packets allow. */
static void gen_top(struct hist *h, const struct sensor *s, struct gen_rand *r, int surge,
		    uint64_t used, struct obs_record *rec)
{
	size_t want = surge ? 30 + gen_rand_below(r, 21) : 10 + gen_rand_below(r, 16);
	uint64_t free_pk = rec->packets > used ? rec->packets - used : 0;
	uint64_t budget, mm_budget = 0;
	double wsum;
	size_t n, m;

	if (surge) {
		uint64_t surge_pk = 0;
		for (size_t i = 0; i < h->n_ent; i++)
			if (h->ent[i].proto == OBS_TCP &&
			    (h->ent[i].port == 80 || h->ent[i].port == 443))
				surge_pk += h->ent[i].packets;
		mm_budget = surge_pk * 35 / 100;
		if (mm_budget > free_pk / 2)
			mm_budget = free_pk / 2;
		free_pk -= mm_budget;
		n = 20 + gen_rand_below(r, 15);
		wsum = 0.0;
		for (size_t j = 0; j < n; j++)
			wsum += 1.0 / ((double)j + 2.0);
		for (size_t j = 0; j < n; j++) {
			uint64_t pk = (uint64_t)((double)mm_budget / ((double)j + 2.0) / wsum);
			cand_add(h, &h->mm_pool[gen_rand_below(r, MM_POOL)], pk);
		}
	}
	budget = (uint64_t)((double)free_pk * (0.15 + 0.2 * gen_rand_unit(r)));
	wsum = 0.0;
	for (size_t j = 0; j < want; j++)
		wsum += pow((double)j + 1.0, -1.1);
	if (budget < want)
		budget = free_pk < want ? free_pk : want;
	for (size_t j = 0; j < want; j++) {
		uint64_t pk = (uint64_t)((double)budget * pow((double)j + 1.0, -1.1) / wsum);
		struct ip_addr a = pool_source(h, r, s->v6only);
		/* a background source distinct from those already listed, so that the list is
		 * as long as wanted */
		for (unsigned tries = 0; tries < 16 && cand_has(h, &a); tries++)
			a = pool_source(h, r, s->v6only);
		cand_add(h, &a, pk ? pk : 1);
	}
	/* one address may have several roles: merge, then order */
	qsort(h->cand, h->n_cand, sizeof(h->cand[0]), cmp_cand_addr);
	m = 0;
	for (size_t i = 0; i < h->n_cand; i++) {
		if (m > 0 && ip_addr_equal(&h->cand[m - 1].src, &h->cand[i].src))
			h->cand[m - 1].packets += h->cand[i].packets;
		else
			h->cand[m++] = h->cand[i];
	}
	qsort(h->cand, m, sizeof(h->cand[0]), cmp_cand);
	if (m > want)
		m = want;
	if (m > MAX_TOP)
		m = MAX_TOP;
	for (size_t i = 0; i < m; i++) {
		rec->top[i].src = h->cand[i].src;
		rec->top[i].packets = h->cand[i].packets;
	}
	rec->n_top = m;
}

static const char *const noise_names[] = {"odd_tcp_flags", "ttl_ge_200",     "src_0_or_255",
					  "src_eq_dst",	   "port_0",	     "fragment",
					  "reserved_bit",  "unroutable_src", "other_proto"};

static int record_build(struct hist *h, unsigned si, int64_t t0, struct obs_record *rec)
{
	const struct sensor *s = &h->sensors[si];
	struct gen_rand r = {0}; /* seeded below; zeroed for the analyzer */
	uint64_t tools[3] = {0, 0, 0}, used = 0, mirai_bg = 0, tcp = 0;
	int surge, err;

	gen_rand_seed(&r, mix3(h->o.seed, si, (uint64_t)t0, 0x4ec));
	memcpy(rec->sensor, s->name, sizeof(rec->sensor));
	rec->start = t0;
	rec->end = t0 + h->o.interval;
	rec->interval = h->o.interval;
	h->n_ent = 0;
	h->n_cand = 0;

	err = gen_ports(h, s, &r, t0, &surge);
	if (err == 0)
		err = gen_dos(h, si, s, &r, t0, rec->end, rec);
	if (err == 0)
		err = gen_scanners(h, s, &r, t0, surge, rec, tools);
	if (err < 0)
		goto out;

	if (h->n_ent > h->ports_cap) {
		err = -E2BIG;
		goto out;
	}
	rec->n_ports = h->n_ent;
	for (size_t i = 0; i < h->n_ent; i++) {
		struct pentry *e = &h->ent[i];
		struct obs_port *p = &rec->ports[i];
		static const uint64_t bytes[OBS_PROTO_MAX] = {60, 96, 98, 118, 88};

		p->proto = e->proto;
		p->port = e->port;
		p->packets = e->packets;
		p->sources = e->sources > e->packets ? e->packets : e->sources;
		p->destinations = dest_est(e->packets, s->size);
		if (p->destinations < e->scan_dest)
			p->destinations = e->scan_dest;
		for (unsigned c = 0; c < OBS_CLASS_MAX; c++)
			rec->by_proto_class[e->proto][c] += e->cls[c];
		rec->packets += e->packets;
		rec->bytes += e->packets * bytes[e->proto];
		if (e->proto == OBS_ICMP6)
			rec->ipv6 += e->packets;
		if (e->proto == OBS_TCP) {
			tcp += e->packets;
			rec->bytes += e->packets / 4 * 6; /* some SYNs carry options */
		}
		if (e->proto == OBS_TCP && (e->port == 23 || e->port == 2323 || e->port == 37215))
			mirai_bg += e->cls[OBS_PROBE] * 2 / 5;
		h->slot[(size_t)e->proto * 65536 + e->port] = 0;
	}
	if (s->v6only)
		rec->ipv6 = rec->packets;
	rec->ipv4 = rec->packets - rec->ipv6;
	qsort(rec->ports, rec->n_ports, sizeof(rec->ports[0]), cmp_port);

	/* tool fingerprints: the listed scanners plus a share of the background */
	tools[0] += tcp / 25;
	tools[1] += tcp / 40;
	tools[2] += mirai_bg;
	for (unsigned i = 0; i < 3; i++)
		if (tools[i] > tcp)
			tools[i] = tcp;
	obs_named_add(&rec->tools, "zmap", tools[0]);
	obs_named_add(&rec->tools, "masscan", tools[1]);
	obs_named_add(&rec->tools, "mirai", tools[2]);
	for (size_t i = 0; i < sizeof(noise_names) / sizeof(noise_names[0]); i++) {
		uint64_t v = 0;
		switch (i) {
		case 0:
			v = gen_rand_below(&r, tcp / 300 + 1);
			break;
		case 1:
			v = tools[0] + tools[1] + rec->packets / 50;
			break;
		case 2:
			v = gen_rand_below(&r, rec->packets / 2000 + 1);
			break;
		case 7:
			v = gen_rand_below(&r, rec->packets / 500 + 1);
			break;
		case 8:
			v = rec->by_proto_class[OBS_OTHER][OBS_CLASS_OTHER];
			break;
		default:
			break;
		}
		if (v > rec->packets)
			v = rec->packets;
		obs_named_add(&rec->noise, noise_names[i], v);
	}

	/* capture accounting: captured = packets + not_dark + undecoded */
	rec->not_dark = gen_rand_below(&r, s->size / 8 + 2);
	if (gen_rand_unit(&r) < 0.3)
		obs_named_add(&rec->decode, "non_ip", 1 + gen_rand_below(&r, 6));
	if (gen_rand_unit(&r) < 0.01)
		obs_named_add(&rec->decode, "truncated_ip", 1);
	rec->captured = rec->packets + rec->not_dark;
	for (unsigned i = 0; i < rec->decode.n; i++)
		rec->captured += rec->decode.v[i].value;
	if (gen_rand_unit(&r) < 0.002) {
		rec->kernel_drops = 1 + gen_rand_below(&r, 500);
		rec->if_drops = gen_rand_below(&r, 3);
	}

	qsort(rec->scanners, rec->n_scanners, sizeof(rec->scanners[0]), cmp_scanner);
	qsort(rec->dos, rec->n_dos, sizeof(rec->dos[0]), cmp_dos);
	for (size_t i = 0; i < rec->n_scanners; i++)
		used += rec->scanners[i].packets;
	for (size_t i = 0; i < rec->n_dos; i++)
		used += rec->dos[i].packets_interval;
	gen_top(h, s, &r, surge, used, rec);
out:
	if (err < 0)
		for (size_t i = 0; i < h->n_ent; i++)
			h->slot[(size_t)h->ent[i].proto * 65536 + h->ent[i].port] = 0;
	return err;
}

/* ---- answers ---- */

static int cc_index(const char *cc)
{
	for (size_t i = 0; i < HIST_N_PREFIXES; i++)
		if (strcmp(hist_prefixes[i].cc, cc) == 0)
			return (int)i;
	return -1;
}

static void answers_add(struct hist *h, unsigned si, const struct obs_record *rec)
{
	int64_t day = jst_day(rec->start);
	int64_t di = day - h->day0;

	h->records++;
	if (di >= 0 && di < h->ndays)
		h->present[(size_t)di * h->n + si] = 1;
	for (unsigned c = 0; c < h->n_checks; c++) {
		if (h->checks[c].day != day)
			continue;
		for (size_t i = 0; i < rec->n_ports; i++)
			for (size_t k = 0; k < N_CHECK_PORTS; k++)
				if (rec->ports[i].proto == check_ports[k].proto &&
				    rec->ports[i].port == check_ports[k].port)
					h->checks[c].sum[k] += rec->ports[i].packets;
	}
	if (day >= h->fy_day0 && day < h->fy_day1)
		for (size_t i = 0; i < rec->n_ports; i++)
			h->fy_tot[(size_t)rec->ports[i].proto * 65536 + rec->ports[i].port] +=
			    rec->ports[i].packets;
	if (in_days(day, h->newport_day, 7))
		for (size_t i = 0; i < rec->n_ports; i++)
			h->week_tot[(size_t)rec->ports[i].proto * 65536 + rec->ports[i].port] +=
			    rec->ports[i].packets;
	if (in_days(day, h->surge_day, 7)) {
		for (size_t i = 0; i < rec->n_top; i++) {
			for (size_t p = 0; p < HIST_N_PREFIXES; p++) {
				if (ip_prefix_contains(&h->pfx[p], &rec->top[i].src)) {
					int c = cc_index(hist_prefixes[p].cc);
					if (c >= 0)
						h->cc_pk[c] += rec->top[i].packets;
					break;
				}
			}
		}
	}
}

static void setup_answers(struct hist *h)
{
	int64_t y;
	unsigned m, d;
	int64_t cand[MAX_CHECK_DAYS] = {h->day0,
					h->down_day,
					h->surge_day >= 0 ? h->surge_day + 2 : -1,
					h->dos_day,
					h->newport_day >= 0 ? h->newport_day + 3 : -1,
					h->day0 + h->ndays / 3,
					h->surge_day >= 0 ? h->surge_day - 7 : -1,
					h->day0 + h->ndays - 1};

	for (unsigned i = 0; i < MAX_CHECK_DAYS; i++) {
		int dup = 0;
		if (cand[i] < h->day0 || cand[i] >= h->day0 + h->ndays)
			continue;
		for (unsigned k = 0; k < h->n_checks; k++)
			dup |= h->checks[k].day == cand[i];
		if (!dup)
			h->checks[h->n_checks++].day = cand[i];
	}
	/* the fiscal year (April to March) that holds the first day */
	civil_from_days(h->day0, &y, &m, &d);
	h->fy_year = m >= 4 ? y : y - 1;
	h->fy_day0 = days_from_civil(h->fy_year, 4, 1);
	h->fy_day1 = days_from_civil(h->fy_year + 1, 4, 1);
}

static const char *pname(unsigned p)
{
	return obs_proto_name(p);
}

struct rank {
	unsigned proto, port;
	uint64_t packets;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (int)x->port - (int)y->port;
}

/* The n highest totals of tot[], into out (n entries); returns how many. */
static size_t top_ports(const uint64_t *tot, struct rank *out, size_t n)
{
	size_t k = 0;

	for (unsigned p = 0; p < OBS_PROTO_MAX; p++) {
		for (unsigned port = 0; port < 65536; port++) {
			struct rank c = {p, port, tot[(size_t)p * 65536 + port]};
			if (c.packets == 0)
				continue;
			if (k < n) {
				out[k++] = c;
				qsort(out, k, sizeof(*out), cmp_rank);
			} else if (cmp_rank(&c, &out[n - 1]) < 0) {
				out[n - 1] = c;
				qsort(out, n, sizeof(*out), cmp_rank);
			}
		}
	}
	return k;
}

static int write_answers(struct hist *h, const char *path)
{
	FILE *f = fopen(path, "we");
	char b1[64], b2[64], ts[40];
	uint64_t sensor_days = 0, missing = 0;
	struct rank top[10], wk[20];
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	(void)fprintf(f,
		      "{\"schema\":\"keikai.history.answers/1\",\"seed\":%" PRIu64
		      ",\"from\":\"%s\",\"to\":\"%s\",\"interval\":%" PRIu32
		      ",\"timezone\":\"+09:00\",\"sensors\":%u,\"records\":%" PRIu64 ",\n",
		      h->o.seed, format_day(h->day0, b1, sizeof(b1)),
		      format_day(jst_day(h->t1 - 1), b2, sizeof(b2)), h->o.interval, h->n,
		      h->records);
	(void)fprintf(f, "\"daily\":[");
	for (unsigned c = 0; c < h->n_checks; c++) {
		int64_t di = h->checks[c].day - h->day0;
		unsigned ns = 0;
		for (unsigned si = 0; si < h->n; si++)
			ns += h->present[(size_t)di * h->n + si];
		for (size_t k = 0; k < N_CHECK_PORTS; k++) {
			uint64_t sum = h->checks[c].sum[k];
			(void)fprintf(
			    f,
			    "%s\n {\"day\":\"%s\",\"t\":%" PRId64
			    ",\"proto\":\"%s\",\"port\":%u,\"sensors\":%u,\"packets\":%" PRIu64
			    ",\"per_sensor\":",
			    c + k == 0 ? "" : ",", format_day(h->checks[c].day, b1, sizeof(b1)),
			    day_start(h->checks[c].day), pname(check_ports[k].proto),
			    check_ports[k].port, ns, sum);
			if (ns)
				(void)fprintf(f, "%.17g}", (double)sum / (double)ns);
			else
				(void)fprintf(f, "null}");
		}
	}
	(void)fprintf(f, "],\n");

	for (int64_t di = 0; di < h->ndays; di++) {
		int64_t day = h->day0 + di;
		for (unsigned si = 0; si < h->n; si++) {
			if (day >= h->fy_day0 && day < h->fy_day1)
				sensor_days += h->present[(size_t)di * h->n + si];
			missing += !h->present[(size_t)di * h->n + si];
		}
	}
	n = top_ports(h->fy_tot, top, 10);
	(void)fprintf(f,
		      "\"fiscal_year\":{\"id\":\"fy%" PRId64 "\",\"from\":\"%s\",\"to\":\"%s\","
		      "\"complete\":%s,\"sensor_days\":%" PRIu64 ",\"top10\":[",
		      h->fy_year, format_day(h->fy_day0, b1, sizeof(b1)),
		      format_day(h->fy_day1, b2, sizeof(b2)),
		      h->day0 <= h->fy_day0 && h->day0 + h->ndays >= h->fy_day1 ? "true" : "false",
		      sensor_days);
	for (size_t i = 0; i < n; i++)
		(void)fprintf(f,
			      "%s\n {\"rank\":%zu,\"proto\":\"%s\",\"port\":%u,\"packets\":%" PRIu64
			      ",\"per_sensor_day\":%.17g}",
			      i ? "," : "", i + 1, pname(top[i].proto), top[i].port, top[i].packets,
			      sensor_days ? (double)top[i].packets / (double)sensor_days : 0.0);
	(void)fprintf(f, "]},\n");

	if (h->surge_day >= 0) {
		int best = -1;
		(void)fprintf(f, "\"surge\":{\"days\":[");
		for (int64_t i = 0; i < 5; i++)
			(void)fprintf(f, "%s\"%s\"", i ? "," : "",
				      format_day(h->surge_day + i, b1, sizeof(b1)));
		(void)fprintf(f,
			      "],\"ports\":[{\"proto\":\"tcp\",\"port\":80},{\"proto\":\"tcp\","
			      "\"port\":443}],\"factor\":%g,\"source_country\":\"%s\","
			      "\"week\":{\"from\":\"%s\",\"to\":\"%s\",\"countries\":[",
			      SURGE_FACTOR, HIST_SURGE_CC, format_day(h->surge_day, b1, sizeof(b1)),
			      format_day(h->surge_day + 7, b2, sizeof(b2)));
		for (size_t i = 0, first = 1; i < HIST_N_PREFIXES; i++) {
			if (h->cc_pk[i] == 0)
				continue;
			(void)fprintf(f, "%s{\"cc\":\"%s\",\"packets\":%" PRIu64 "}",
				      first ? "" : ",", hist_prefixes[i].cc, h->cc_pk[i]);
			first = 0;
			if (best < 0 || h->cc_pk[i] > h->cc_pk[best])
				best = (int)i;
		}
		(void)fprintf(f, "],\"top_country\":");
		if (best >= 0)
			(void)fprintf(f, "\"%s\"}},\n", hist_prefixes[best].cc);
		else
			(void)fprintf(f, "null}},\n");
	} else {
		(void)fprintf(f, "\"surge\":null,\n");
	}

	if (h->planted_attack != SIZE_MAX) {
		const struct attack *a = &h->attacks[h->planted_attack];
		unsigned ns = 0;
		for (unsigned si = 0; si < h->n; si++)
			ns += h->dos_seen[si];
		(void)fprintf(f, "\"dos\":{\"victim\":\"%s\",\"proto\":\"tcp\",\"port\":%u,",
			      HIST_VICTIM, a->vport);
		(void)fprintf(f, "\"start\":\"%s\",", obs_format_time(a->a, ts, sizeof(ts)));
		(void)fprintf(f, "\"end\":\"%s\",\"sensors\":%u,\"packets\":%" PRIu64 "},\n",
			      obs_format_time(a->b, ts, sizeof(ts)), ns, h->dos_total);
	} else {
		(void)fprintf(f, "\"dos\":null,\n");
	}

	if (h->newport_day >= 0) {
		size_t rank = 0;
		n = top_ports(h->week_tot, wk, 20);
		for (size_t i = 0; i < n; i++)
			if (wk[i].proto == OBS_TCP && wk[i].port == 37215)
				rank = i + 1;
		(void)fprintf(f,
			      "\"new_port\":{\"proto\":\"tcp\",\"port\":37215,\"from\":\"%s\","
			      "\"to\":\"%s\",\"rank\":%zu,\"packets\":%" PRIu64 "},\n",
			      format_day(h->newport_day, b1, sizeof(b1)),
			      format_day(h->newport_day + 7, b2, sizeof(b2)), rank,
			      h->week_tot[(size_t)OBS_TCP * 65536 + 37215]);
	} else {
		(void)fprintf(f, "\"new_port\":null,\n");
	}

	(void)fprintf(f, "\"downtime\":{\"missing_sensor_days\":%" PRIu64 ",\"planted\":", missing);
	if (h->down_day >= 0)
		(void)fprintf(f, "{\"sensor\":\"%s\",\"day\":\"%s\"}}}\n",
			      h->sensors[h->down_sensor].name,
			      format_day(h->down_day, b1, sizeof(b1)));
	else
		(void)fprintf(f, "null}}\n");
	if (ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

static int write_manifest(const struct hist *h, const char *path)
{
	FILE *f = fopen(path, "we");
	char b4[IP_ADDR_STRLEN + 4], b6[IP_ADDR_STRLEN + 4];
	int err = 0;

	if (!f)
		return -errno;
	for (unsigned i = 0; i < h->n; i++) {
		const struct sensor *s = &h->sensors[i];
		ip_prefix_format(&s->v6, b6, sizeof(b6));
		if (s->has_v4)
			(void)fprintf(f, "%s\t%s\t%s\t%s\t%s,%s\n", s->name, s->org, s->region,
				      s->location, ip_prefix_format(&s->v4, b4, sizeof(b4)), b6);
		else
			(void)fprintf(f, "%s\t%s\t%s\t%s\t%s\n", s->name, s->org, s->region,
				      s->location, b6);
	}
	if (ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

/* ---- main ---- */

static int run(struct hist *h, FILE *out)
{
	struct obs_record rec;
	struct obs_port *ports = NULL;
	struct obs_scanner *scanners = NULL;
	struct obs_dos *dos = NULL;
	struct obs_top_source *top = NULL;
	size_t ports_cap = 0;
	int err = 0;

	if (!ALLOC_ARRAY(scanners, MAX_SCAN) || !ALLOC_ARRAY(dos, 8) ||
	    !ALLOC_ARRAY(top, MAX_TOP)) {
		err = -ENOMEM;
		goto out;
	}
	for (int64_t t = h->t0; t < h->t1; t += h->o.interval) {
		for (unsigned si = 0; si < h->n; si++) {
			char *json;
			size_t len, need;

			if (is_down(h, si, t))
				continue;
			/* ports never exceed what the model adds: main list, tail, scanners
			 * (at most 27 ports each), backscatter (8 attacks x 80) */
			need = N_PORT_DEFS + h->o.ports * 2 + MAX_SCAN * 32 + 8 * 80;
			if (need > ports_cap) {
				free(ports);
				if (!ALLOC_ARRAY(ports, need)) {
					err = -ENOMEM;
					goto out;
				}
				ports_cap = need;
				h->ports_cap = need;
			}
			memset(&rec, 0, sizeof(rec));
			rec.ports = ports;
			rec.scanners = scanners;
			rec.dos = dos;
			rec.top = top;
			err = record_build(h, si, t, &rec);
			if (err < 0)
				goto out;
			answers_add(h, si, &rec);
			json = obs_record_to_json(&rec, &len);
			if (!json) {
				err = -ENOMEM;
				goto out;
			}
			if (fwrite(json, 1, len, out) != len || putc('\n', out) == EOF) {
				free(json);
				err = -EIO;
				goto out;
			}
			free(json);
		}
	}
out:
	free(ports);
	free(scanners);
	free(dos);
	free(top);
	return err;
}

static int list_sources(void)
{
	for (size_t i = 0; i < HIST_N_PREFIXES; i++)
		(void)printf("%s\t%s\n", hist_prefixes[i].cc, hist_prefixes[i].text);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"sensors", required_argument, NULL, 's'}, {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},      {"interval", required_argument, NULL, 'i'},
	    {"ports", required_argument, NULL, 'p'},   {"seed", required_argument, NULL, 'S'},
	    {"out", required_argument, NULL, 'o'},     {"manifest", required_argument, NULL, 'm'},
	    {"answers", required_argument, NULL, 'a'}, {"bench", required_argument, NULL, 'b'},
	    {"list-sources", no_argument, NULL, 'L'},  {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
	};
	struct hist *h = calloc(1, sizeof(*h));
	FILE *out = stdout;
	static char obuf[STDIO_BUFFER];
	int c, rc = 1, err, li = -1;
	uint64_t v;
	int64_t from_day, to_day, now = (int64_t)time(NULL);
	int to_default = 0;

	if (!h) {
		(void)fprintf(stderr, "keikai-history: out of memory\n");
		return 1;
	}
	h->o.sensors = 8;
	h->o.interval = 3600;
	h->o.ports = 40;
	h->o.seed = 1;
	while ((c = getopt_long(argc, argv, "o:hV", longopts, &li)) != -1) {
		switch (c) {
		case 's':
			if (parse_u64(optarg, 1, MAX_SENSORS, &v) < 0)
				goto bad_arg;
			h->o.sensors = (unsigned)v;
			break;
		case 'f':
			h->o.from = optarg;
			break;
		case 't':
			h->o.to = optarg;
			break;
		case 'i':
			if (parse_u64(optarg, 10, 3600, &v) < 0 || DAY % v != 0)
				goto bad_arg;
			h->o.interval = (uint32_t)v;
			break;
		case 'p':
			if (parse_u64(optarg, 1, 5000, &v) < 0)
				goto bad_arg;
			h->o.ports = (unsigned)v;
			break;
		case 'S':
			if (parse_u64(optarg, 0, UINT64_MAX, &v) < 0)
				goto bad_arg;
			h->o.seed = v;
			break;
		case 'o':
			h->o.out = optarg;
			break;
		case 'm':
			h->o.manifest = optarg;
			break;
		case 'a':
			h->o.answers = optarg;
			break;
		case 'b':
			if (parse_u64(optarg, 1, MAX_BENCH, &v) < 0)
				goto bad_arg;
			h->o.bench = (unsigned)v;
			break;
		case 'L':
			h->o.list_sources = 1;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		case 'V':
			(void)printf("keikai-history %s\n", KEIKAI_VERSION);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			rc = 2;
			goto out;
		}
	}
	if (optind != argc) {
		(void)fprintf(stderr, "keikai-history: unexpected argument '%s'\n", argv[optind]);
		rc = 2;
		goto out;
	}
	if (h->o.list_sources) {
		rc = list_sources();
		goto out;
	}

	/* the range, in days of the +09:00 zone */
	if (h->o.from) {
		if (parse_date(h->o.from, &from_day) < 0) {
			(void)fprintf(stderr,
				      "keikai-history: --from: bad date '%s' (YYYY-MM-DD)\n",
				      h->o.from);
			rc = 2;
			goto out;
		}
	} else {
		int64_t y;
		unsigned m, d;
		civil_from_days(jst_day(now), &y, &m, &d);
		from_day = days_from_civil(m >= 4 ? y - 1 : y - 2, 4, 1);
	}
	if (h->o.to) {
		if (parse_date(h->o.to, &to_day) < 0) {
			(void)fprintf(stderr, "keikai-history: --to: bad date '%s' (YYYY-MM-DD)\n",
				      h->o.to);
			rc = 2;
			goto out;
		}
	} else {
		to_day = jst_day(now);
		to_default = 1;
	}
	if (to_day < from_day || to_day - from_day >= MAX_DAYS) {
		(void)fprintf(stderr,
			      "keikai-history: --from must not be after --to, and the range "
			      "at most %d days\n",
			      MAX_DAYS);
		rc = 2;
		goto out;
	}
	h->t0 = day_start(from_day);
	h->t1 = day_start(to_day + 1);
	if (to_default && now / h->o.interval * h->o.interval < h->t1)
		h->t1 = now / h->o.interval * h->o.interval; /* only intervals that have ended */
	if (h->o.bench)
		h->t1 = h->t0 + h->o.interval;
	if (h->t1 <= h->t0)
		h->t1 = h->t0 + h->o.interval;
	h->day0 = from_day;
	h->ndays = jst_day(h->t1 - 1) - from_day + 1;

	err = setup_sensors(h);
	if (err == 0)
		err = setup_sources(h);
	if (err < 0) {
		(void)fprintf(stderr, "keikai-history: cannot set up the sensors: %s\n",
			      strerror(-err));
		goto out;
	}
	setup_events(h);
	setup_answers(h);
	if (setup_attacks(h) < 0 || !ALLOC_ARRAY(h->slot, (size_t)OBS_PROTO_MAX * 65536) ||
	    !ALLOC_ARRAY(h->fy_tot, (size_t)OBS_PROTO_MAX * 65536) ||
	    !ALLOC_ARRAY(h->week_tot, (size_t)OBS_PROTO_MAX * 65536) ||
	    !ALLOC_ARRAY(h->present, (size_t)h->ndays * h->n) || !ALLOC_ARRAY(h->dos_seen, h->n)) {
		(void)fprintf(stderr, "keikai-history: out of memory\n");
		goto out;
	}

	if (h->o.out && strcmp(h->o.out, "-") != 0) {
		out = fopen(h->o.out, "we");
		if (!out) {
			(void)fprintf(stderr, "keikai-history: cannot open '%s': %s\n", h->o.out,
				      strerror(errno));
			out = stdout;
			goto out;
		}
	}
	if (out != stdout)
		(void)setvbuf(out, obuf, _IOFBF, sizeof(obuf));
	err = run(h, out);
	if (fflush(out) != 0 && err == 0)
		err = -errno;
	if (err < 0) {
		(void)fprintf(stderr, "keikai-history: cannot write the records to '%s': %s\n",
			      h->o.out ? h->o.out : "-", strerror(-err));
		goto out;
	}
	if (h->o.manifest && (err = write_manifest(h, h->o.manifest)) < 0) {
		(void)fprintf(stderr, "keikai-history: cannot write '%s': %s\n", h->o.manifest,
			      strerror(-err));
		goto out;
	}
	if (h->o.answers && (err = write_answers(h, h->o.answers)) < 0) {
		(void)fprintf(stderr, "keikai-history: cannot write '%s': %s\n", h->o.answers,
			      strerror(-err));
		goto out;
	}
	rc = 0;
	goto out;
bad_arg:
	(void)fprintf(stderr, "keikai-history: bad value '%s' for --%s\n", optarg,
		      li >= 0 ? longopts[li].name : "?");
	rc = 2;
out:
	if (out != stdout && fclose(out) != 0 && rc == 0) {
		(void)fprintf(stderr, "keikai-history: cannot write '%s': %s\n", h->o.out,
			      strerror(errno));
		rc = 1;
	}
	free(h->sensors);
	free(h->pfx);
	free(h->attacks);
	free(h->slot);
	free(h->ent);
	free(h->fy_tot);
	free(h->week_tot);
	free(h->present);
	free(h->dos_seen);
	free(h);
	return rc;
}
