/* keikai-gen.c - synthetic darknet traffic with known ground truth, for testing and benchmarking
 * keikai-sensor
 *
 * Writes a pcap file (libpcap's dump API only) and, optionally, a JSON file with the truth the
 * generator counted from the packets it emitted. Deterministic for a given --seed.
 * docs/keikai-gen.md describes the scenarios and the truth format.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keikai-config.h"
#include "gen-packet.h"
#include "gen-rand.h"
#include "gen-truth.h"

#include "../src/lib/ckd.h"
#include "../src/lib/banned.h"

#define DEFAULT_START	 1298937600ULL /* 2011-03-01T00:00:00Z */
#define DEFAULT_DARK	 "203.0.113.0/24"
#define DEFAULT_DARK6	 "2001:db8:dead::/48"
#define DEFAULT_INTERVAL 300
#define BENCH_PACKETS	 10000000ULL
#define BENCH_SOURCES	 1200000ULL
#define BENCH_DURATION	 3600ULL
#define STDIO_BUFFER	 (8u << 20)
#define SNAPLEN		 65535
#define US		 1000000ULL /* microseconds per second */
#define MS		 1000ULL    /* microseconds per millisecond */

enum scenario { SCEN_GROUNDTRUTH, SCEN_BENCH };

struct opts {
	const char *out;
	const char *truth;
	enum scenario scenario;
	uint64_t seed;
	uint64_t start;
	const char *dark_text;
	uint32_t dark;	   /* host order, host bits zero */
	unsigned dark_len; /* prefix length */
	const char *dark6_text;
	uint8_t dark6[16];
	unsigned dark6_len;
	uint32_t interval;
	enum gen_link link;
	uint64_t packets, sources, duration;
	int packets_set, sources_set, duration_set;
};

/* Where packets go: a pcap dumper on a large stdio buffer, and the truth count. */
struct writer {
	pcap_t *pd;
	pcap_dumper_t *dump;
	FILE *file;
	char *buf;
	enum gen_link link;
	struct truth *truth;
	uint64_t last_ts_us;
};

static void usage(FILE *f)
{
	(void)fputs("usage: keikai-gen --out FILE.pcap [options]\n"
		    "\n"
		    "Write synthetic darknet traffic with a known ground truth.\n"
		    "\n"
		    "  -o, --out FILE        pcap file to write (required)\n"
		    "  -t, --truth FILE      ground-truth JSON file to write\n"
		    "      --scenario NAME   groundtruth (default) or bench\n"
		    "      --seed N          PRNG seed (default 1)\n"
		    "      --start SECONDS   scenario start, UNIX seconds (default 1298937600)\n"
		    "      --dark PREFIX     IPv4 dark prefix (default " DEFAULT_DARK ")\n"
		    "      --dark6 PREFIX    IPv6 dark prefix (default " DEFAULT_DARK6 ")\n"
		    "      --interval SEC    truth interval length (default 300)\n"
		    "      --linktype NAME   en10mb (default), vlan, qinq, sll, sll2, raw\n"
		    "      --packets N       bench: packets (default 10000000)\n"
		    "      --sources N       bench: distinct IPv4 sources (default 1200000)\n"
		    "      --duration SEC    bench: capture length (default 3600)\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n",
		    f);
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || *s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Split "ADDR/LEN" into addr (copied into abuf) and len; a missing /LEN gives max_len. */
static int parse_prefix(const char *s, int family, void *ret_addr, unsigned *ret_len)
{
	char abuf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	const unsigned max_len = family == AF_INET6 ? 128 : 32;
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t len = max_len;

	if (alen == 0 || alen >= sizeof(abuf))
		return -EINVAL;
	memcpy(abuf, s, alen);
	abuf[alen] = '\0';
	if (slash && parse_u64(slash + 1, 0, max_len, &len) < 0)
		return -EINVAL;
	if (inet_pton(family, abuf, ret_addr) != 1)
		return -EINVAL;
	*ret_len = (unsigned)len;
	return 0;
}

static uint32_t mask4(unsigned len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static struct gen_addr addr4(uint32_t host_order)
{
	struct gen_addr a;

	memset(&a, 0, sizeof(a));
	a.family = 4;
	a.a[0] = (uint8_t)(host_order >> 24);
	a.a[1] = (uint8_t)(host_order >> 16);
	a.a[2] = (uint8_t)(host_order >> 8);
	a.a[3] = (uint8_t)host_order;
	return a;
}

static uint32_t addr4_value(const struct gen_addr *a)
{
	return (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 |
	       (uint32_t)a->a[3];
}

static int addr_same(const struct gen_addr *x, const struct gen_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

static int in_dark4(const struct opts *o, uint32_t a)
{
	return (a & mask4(o->dark_len)) == o->dark;
}

static int in_dark6(const struct opts *o, const uint8_t *a)
{
	unsigned full = o->dark6_len / 8, rest = o->dark6_len % 8;

	if (memcmp(a, o->dark6, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ o->dark6[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Special-purpose and non-unicast IPv4 space (RFC 6890 and the IANA registry), which the
 * generated senders avoid so that they look like ordinary Internet hosts. */
static int is_special4(uint32_t a)
{
	static const struct {
		uint32_t net;
		unsigned len;
	} special[] = {
	    {0x00000000, 8},  {0x0a000000, 8},	{0x64400000, 10}, {0x7f000000, 8},
	    {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
	    {0xc01fc400, 24}, {0xc034c100, 24}, {0xc0586300, 24}, {0xc0a80000, 16},
	    {0xc0af3000, 24}, {0xc6120000, 15}, {0xc6336400, 24}, {0xcb007100, 24},
	    {0xe0000000, 3},
	};

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if ((a & mask4(special[i].len)) == special[i].net)
			return 1;
	return 0;
}

/* A random address in the IPv4 dark prefix; in prefixes of 4 or more addresses, never the
 * first or last. */
static struct gen_addr dark4_random(struct gen_rand *r, const struct opts *o)
{
	uint64_t size = 1ULL << (32 - o->dark_len);
	uint64_t off = size >= 4 ? gen_rand_range(r, 1, size - 2) : gen_rand_below(r, size);

	return addr4(o->dark + (uint32_t)off);
}

static struct gen_addr dark6_random(struct gen_rand *r, const struct opts *o)
{
	struct gen_addr a;
	unsigned full = o->dark6_len / 8, rest = o->dark6_len % 8;

	memset(&a, 0, sizeof(a));
	a.family = 6;
	for (size_t i = 0; i < 16; i += 8) {
		uint64_t v = gen_rand_next(r);
		for (size_t k = 0; k < 8; k++)
			a.a[i + k] = (uint8_t)(v >> (8 * k));
	}
	memcpy(a.a, o->dark6, full);
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));
		a.a[full] = (uint8_t)((o->dark6[full] & m) | (a.a[full] & ~m));
	}
	return a;
}

/* n distinct random dark addresses (IPv4 or IPv6). The prefix must hold well over n. */
static void dark_pick(struct gen_rand *r, const struct opts *o, int v6, struct gen_addr *out,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int dup;
		do {
			out[i] = v6 ? dark6_random(r, o) : dark4_random(r, o);
			dup = 0;
			for (size_t k = 0; k < i && !dup; k++)
				dup = addr_same(&out[k], &out[i]);
		} while (dup);
	}
}

static uint16_t ephemeral_port(struct gen_rand *r)
{
	return (uint16_t)gen_rand_range(r, 32768, 60999);
}

/* Give an IPv4 packet an IP ID (and TCP sequence number) that carry no scanner fingerprint
 * by accident: ID not 54321, not masscan's dst ^ dport ^ seq, seq not the destination. */
static void fp_none(struct gen_rand *r, struct gen_pkt *p)
{
	uint32_t dst = addr4_value(&p->dst);

	if (p->src.family != 4)
		return;
	if (p->kind == GEN_TCP)
		while (p->seq == dst)
			p->seq = gen_rand_u32(r);
	for (;;) {
		uint16_t masscan =
		    (uint16_t)((dst ^ p->dport ^ (p->kind == GEN_TCP ? p->seq : 0)) & 0xffff);
		if (p->ip_id != 54321 && p->ip_id != masscan)
			break;
		p->ip_id = gen_rand_u16(r);
	}
}

/* A TCP segment from src to dst with random ID, sport and sequence number. */
static struct gen_pkt pkt_tcp(struct gen_rand *r, uint64_t ts_us, const struct gen_addr *src,
			      const struct gen_addr *dst, uint16_t dport, uint8_t flags,
			      uint8_t ttl)
{
	static const uint16_t windows[] = {1024, 5840, 14600, 29200, 64240, 65535};
	struct gen_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_us = ts_us;
	p.kind = GEN_TCP;
	p.src = *src;
	p.dst = *dst;
	p.ttl = ttl;
	p.ip_id = gen_rand_u16(r);
	p.sport = ephemeral_port(r);
	p.dport = dport;
	p.seq = gen_rand_u32(r);
	p.ack = (flags & GEN_TCP_ACK) ? gen_rand_u32(r) : 0;
	p.tcp_flags = flags;
	p.window = windows[gen_rand_below(r, sizeof(windows) / sizeof(windows[0]))];
	fp_none(r, &p);
	return p;
}

/* A UDP datagram; sport 0 picks a random high port. Well-known ports get a fitting payload. */
static struct gen_pkt pkt_udp(struct gen_rand *r, uint64_t ts_us, const struct gen_addr *src,
			      const struct gen_addr *dst, uint16_t sport, uint16_t dport,
			      uint8_t ttl)
{
	struct gen_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_us = ts_us;
	p.kind = GEN_UDP;
	p.src = *src;
	p.dst = *dst;
	p.ttl = ttl;
	p.ip_id = gen_rand_u16(r);
	/* 0: a source port from a range no common dissector claims, so that decoders pick the
	 * protocol by the destination port (or find none) instead of misreading the payload. */
	p.sport = sport ? sport : (uint16_t)gen_rand_range(r, 38000, 40999);
	p.dport = dport;
	p.icmp_id = gen_rand_u16(r); /* DNS transaction ID */
	switch (dport) {
	case 53:
	case 5353:
		p.payload = GEN_PAY_DNS_QUERY;
		break;
	case 123:
		p.payload = GEN_PAY_NTP;
		break;
	case 1900:
		p.payload = GEN_PAY_SSDP;
		break;
	default:
		p.payload = GEN_PAY_PATTERN;
		p.payload_len = 16;
		break;
	}
	if (sport == 53)
		p.payload = GEN_PAY_DNS_RESPONSE;
	fp_none(r, &p);
	return p;
}

static struct gen_pkt pkt_icmp(struct gen_rand *r, uint64_t ts_us, const struct gen_addr *src,
			       const struct gen_addr *dst, uint8_t type, uint8_t ttl)
{
	struct gen_pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_us = ts_us;
	p.kind = GEN_ICMP;
	p.src = *src;
	p.dst = *dst;
	p.ttl = ttl;
	p.ip_id = gen_rand_u16(r);
	p.icmp_type = type;
	p.icmp_id = gen_rand_u16(r);
	p.icmp_seq = (uint16_t)gen_rand_below(r, 64);
	p.payload = GEN_PAY_PATTERN;
	p.payload_len = 32;
	fp_none(r, &p);
	return p;
}

/* ---------------------------------------------------------------------------------------- */
/* Output */

static int writer_open(struct writer *w, const struct opts *o, struct truth *truth)
{
	memset(w, 0, sizeof(*w));
	w->link = o->link;
	w->truth = truth;
	w->pd = pcap_open_dead(gen_link_dlt(o->link), SNAPLEN);
	if (!w->pd) {
		(void)fputs("keikai-gen: cannot open a pcap handle\n", stderr);
		return -ENOMEM;
	}
	w->file = fopen(o->out, "wbe");
	if (!w->file) {
		int e = errno;
		(void)fprintf(stderr, "keikai-gen: cannot create \"%s\": %m\n", o->out);
		return -e;
	}
	w->buf = malloc(STDIO_BUFFER);
	if (w->buf)
		(void)setvbuf(w->file, w->buf, _IOFBF, STDIO_BUFFER);
	w->dump = pcap_dump_fopen(w->pd, w->file);
	if (!w->dump) {
		(void)fprintf(stderr, "keikai-gen: cannot write \"%s\": %s\n", o->out,
			      pcap_geterr(w->pd));
		return -EIO;
	}
	return 0;
}

static int writer_emit(struct writer *w, const struct gen_pkt *p)
{
	uint8_t frame[GEN_FRAME_MAX];
	struct pcap_pkthdr hdr;
	size_t len = gen_packet_build(p, w->link, frame, sizeof(frame));

	if (len == 0) {
		(void)fputs("keikai-gen: internal error: a packet could not be built\n", stderr);
		return -EINVAL;
	}
	if (p->ts_us < w->last_ts_us) {
		(void)fputs("keikai-gen: internal error: timestamps went backwards\n", stderr);
		return -EINVAL;
	}
	w->last_ts_us = p->ts_us;
	memset(&hdr, 0, sizeof(hdr));
	hdr.ts.tv_sec = (time_t)(p->ts_us / US);
	hdr.ts.tv_usec = (suseconds_t)(p->ts_us % US);
	hdr.caplen = (bpf_u_int32)len;
	hdr.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->dump, &hdr, frame);
	if (w->truth && truth_add(w->truth, p) < 0) {
		(void)fputs("keikai-gen: out of memory\n", stderr);
		return -ENOMEM;
	}
	return 0;
}

/* Flush and close; returns 0, or -EIO when any write failed. Safe on a half-opened writer. */
static int writer_close(struct writer *w, const char *path)
{
	int r = 0;

	if (w->dump) {
		if (pcap_dump_flush(w->dump) < 0 || ferror(pcap_dump_file(w->dump)))
			r = -EIO;
		pcap_dump_close(w->dump); /* closes w->file */
	} else if (w->file && fclose(w->file) != 0) {
		r = -EIO;
	}
	if (r < 0)
		(void)fprintf(stderr, "keikai-gen: write error on \"%s\"\n", path);
	free(w->buf);
	if (w->pd)
		pcap_close(w->pd);
	memset(w, 0, sizeof(*w));
	return r;
}

/* ---------------------------------------------------------------------------------------- */
/* Scenario "groundtruth" */

enum role_id {
	R_ZMAP,
	R_MASSCAN,
	R_MIRAI,
	R_UDP_SCAN,
	R_ICMP_SWEEP,
	R_SUB_THRESHOLD,
	R_SPLIT,
	R_VICTIM_A,
	R_VICTIM_B,
	R_ROUTER,
	R_VICTIM_C,
	R_VICTIM_D,
	R_VICTIM_E,
	R_VICTIM_F,
	R_TTL255,
	R_SRC_DOT0,
	R_SRC_DOT255,
	R_PORT0,
	R_FRAGMENTS,
	R_ODD_FLAGS,
	R_GRE,
	R_ECHO_REPLIER,
	R_V6_SCANNER,
	R_V6_PINGER,
	R_V6_REPLIER,
	R_MAX
};

static const struct role_def {
	const char *name;
	const char *addr;
	unsigned flags;
} role_defs[R_MAX] = {
    [R_ZMAP] = {"zmap_scanner", "45.83.64.11", 0},
    [R_MASSCAN] = {"masscan_scanner", "185.142.236.35", 0},
    [R_MIRAI] = {"mirai_scanner", "61.177.172.13", 0},
    [R_UDP_SCAN] = {"udp_scanner", "101.36.107.103", 0},
    [R_ICMP_SWEEP] = {"icmp_sweep", "89.248.165.52", 0},
    [R_SUB_THRESHOLD] = {"sub_threshold", "112.85.42.88", TRUTH_ROLE_NOT_SCANNER},
    [R_SPLIT] = {"split_across_intervals", "218.92.0.112", TRUTH_ROLE_NOT_SCANNER},
    [R_VICTIM_A] = {"victim_a_synack", "104.244.72.115", 0},
    [R_VICTIM_B] = {"victim_b_rst", "151.101.1.69", 0},
    [R_ROUTER] = {"router_r", "80.81.192.1", 0},
    [R_VICTIM_C] = {"victim_c_unreachable", "5.188.10.76", 0},
    [R_VICTIM_D] = {"victim_d_short_burst", "31.13.72.36", TRUTH_ROLE_NOT_ATTACK},
    [R_VICTIM_E] = {"victim_e_slow", "77.88.55.60", TRUTH_ROLE_NOT_ATTACK},
    [R_VICTIM_F] = {"victim_f_dns", "213.186.33.5", 0},
    [R_TTL255] = {"noise_ttl255", "193.32.162.40", 0},
    [R_SRC_DOT0] = {"noise_src_dot0", "91.92.93.0", 0},
    [R_SRC_DOT255] = {"noise_src_dot255", "91.92.94.255", 0},
    [R_PORT0] = {"noise_port0", "94.102.49.190", 0},
    [R_FRAGMENTS] = {"noise_fragments", "141.98.10.60", 0},
    [R_ODD_FLAGS] = {"noise_odd_tcp_flags", "162.216.149.20", 0},
    [R_GRE] = {"noise_gre", "167.94.138.35", 0},
    [R_ECHO_REPLIER] = {"icmp_echo_replier", "46.4.105.116", 0},
    [R_V6_SCANNER] = {"v6_scanner", "2a06:4883:1000::a1", 0},
    [R_V6_PINGER] = {"v6_pinger", "2a03:b0c0:3:d0::1f", 0},
    [R_V6_REPLIER] = {"v6_echo_replier", "2a01:4f8:c17:1::5", 0},
};

struct event {
	struct gen_pkt p;
	size_t order; /* creation order: ties in time keep it */
};

/* An open-addressing set of IPv4 addresses (0 is never stored). */
#define ADDRSET_SIZE 16384u

struct gt {
	struct gen_rand *rng;
	const struct opts *o;
	uint64_t t0; /* start, microseconds */
	struct gen_addr role[R_MAX];
	struct event *ev;
	size_t n_ev, cap_ev;
	uint32_t used[ADDRSET_SIZE]; /* addresses already given a role */
	size_t n_used;
};

static int addrset_add(struct gt *g, uint32_t a)
{
	uint32_t h = (a * 2654435761u) & (ADDRSET_SIZE - 1);

	while (g->used[h] != 0) {
		if (g->used[h] == a)
			return 0;
		h = (h + 1) & (ADDRSET_SIZE - 1);
	}
	if (g->n_used + 1 >= ADDRSET_SIZE / 2)
		return -ENOSPC;
	g->used[h] = a;
	g->n_used++;
	return 1;
}

/* A random IPv4 address that looks like an ordinary Internet host and was not used before. */
static struct gen_addr gt_fresh_source(struct gt *g)
{
	for (;;) {
		uint32_t a = gen_rand_u32(g->rng);
		uint8_t last = (uint8_t)a;

		int r;

		if (is_special4(a) || in_dark4(g->o, a) || last == 0 || last == 255)
			continue;
		r = addrset_add(g, a);
		assert(r >= 0); /* the scenario uses a few thousand addresses at most */
		if (r == 1)
			return addr4(a);
	}
}

static int gt_push(struct gt *g, const struct gen_pkt *p)
{
	size_t bytes, cap;

	if (g->n_ev == g->cap_ev) {
		cap = g->cap_ev ? g->cap_ev : 4096;
		if (!ckd_size_mul(cap, 2, &cap) || !ckd_size_mul(cap, sizeof(*g->ev), &bytes))
			return -ENOMEM;
		struct event *ev = realloc(g->ev, bytes);
		if (!ev)
			return -ENOMEM;
		g->ev = ev;
		g->cap_ev = cap;
	}
	g->ev[g->n_ev].p = *p;
	g->ev[g->n_ev].order = g->n_ev;
	g->n_ev++;
	return 0;
}

/* Time of an event, offset_us after --start. */
static uint64_t at(const struct gt *g, uint64_t offset_us)
{
	return g->t0 + offset_us;
}

#define PUSH(g, pkt)                                                                               \
	do {                                                                                       \
		struct gen_pkt push_pkt_ = (pkt);                                                  \
		if (gt_push((g), &push_pkt_) < 0)                                                  \
			return -ENOMEM;                                                            \
	} while (0)

/* ZMap: SYN to 23, IP ID 54321, 60 distinct dark addresses in 30 s of interval 1. */
static int gt_zmap(struct gt *g)
{
	struct gen_addr dst[60];

	dark_pick(g->rng, g->o, 0, dst, 60);
	for (uint64_t k = 0; k < 60; k++) {
		struct gen_pkt p = pkt_tcp(g->rng, at(g, 10 * US + k * 500 * MS), &g->role[R_ZMAP],
					   &dst[k], 23, GEN_TCP_SYN, 243);
		uint32_t d = addr4_value(&p.dst);

		p.window = 65535;
		p.ip_id = 54321;
		while (p.seq == d || ((d ^ p.dport ^ p.seq) & 0xffff) == 54321)
			p.seq = gen_rand_u32(g->rng);
		PUSH(g, p);
	}
	return 0;
}

/* Masscan: SYN to 445, ID = (dst ^ dport ^ seq) & 0xffff, window 1024, TTL 250. */
static int gt_masscan(struct gt *g)
{
	struct gen_addr dst[40];

	dark_pick(g->rng, g->o, 0, dst, 40);
	for (uint64_t k = 0; k < 40; k++) {
		struct gen_pkt p = pkt_tcp(g->rng, at(g, 20 * US + k * 250 * MS),
					   &g->role[R_MASSCAN], &dst[k], 445, GEN_TCP_SYN, 250);
		uint32_t d = addr4_value(&p.dst);

		p.window = 1024;
		p.sport = 61000;
		do {
			p.seq = gen_rand_u32(g->rng);
			p.ip_id = (uint16_t)((d ^ p.dport ^ p.seq) & 0xffff);
		} while (p.seq == d || p.ip_id == 54321);
		PUSH(g, p);
	}
	return 0;
}

/* Mirai: SYN to 23 and 2323 with seq == destination, 30 dark addresses each, interval 2. */
static int gt_mirai(struct gt *g)
{
	struct gen_addr d23[30], d2323[30];

	dark_pick(g->rng, g->o, 0, d23, 30);
	dark_pick(g->rng, g->o, 0, d2323, 30);
	for (uint64_t k = 0; k < 60; k++) {
		const struct gen_addr *dst = (k % 2) ? &d2323[k / 2] : &d23[k / 2];
		uint16_t port = (k % 2) ? 2323 : 23;
		struct gen_pkt p = pkt_tcp(g->rng, at(g, 420 * US + k * 500 * MS),
					   &g->role[R_MIRAI], dst, port, GEN_TCP_SYN, 52);

		p.seq = addr4_value(dst);
		/* With seq == dst, masscan's check reduces to ID == dport. */
		while (p.ip_id == 54321 || p.ip_id == port)
			p.ip_id = gen_rand_u16(g->rng);
		PUSH(g, p);
	}
	return 0;
}

/* A plain UDP scanner on 53413 (no tool fingerprint), 26 dark addresses, interval 1. */
static int gt_udp_scanner(struct gt *g)
{
	struct gen_addr dst[26];

	dark_pick(g->rng, g->o, 0, dst, 26);
	for (uint64_t k = 0; k < 26; k++)
		PUSH(g, pkt_udp(g->rng, at(g, 50 * US + k * 1300 * MS), &g->role[R_UDP_SCAN],
				&dst[k], 0, 53413, 47));
	return 0;
}

/* An ICMP echo sweep over 30 dark addresses, interval 2. */
static int gt_icmp_sweep(struct gt *g)
{
	struct gen_addr dst[30];

	dark_pick(g->rng, g->o, 0, dst, 30);
	for (uint64_t k = 0; k < 30; k++)
		PUSH(g, pkt_icmp(g->rng, at(g, 450 * US + k * US), &g->role[R_ICMP_SWEEP], &dst[k],
				 8, 55));
	return 0;
}

/* 40 SYNs to port 22 reaching 24 distinct dark addresses, one short of a scanner. */
static int gt_sub_threshold(struct gt *g)
{
	struct gen_addr dst[24];

	dark_pick(g->rng, g->o, 0, dst, 24);
	for (uint64_t k = 0; k < 40; k++)
		PUSH(g, pkt_tcp(g->rng, at(g, 60 * US + k * 2 * US), &g->role[R_SUB_THRESHOLD],
				&dst[k % 24], 22, GEN_TCP_SYN, 49));
	return 0;
}

/* 30 distinct dark addresses on port 80, 15 on either side of the first interval boundary. */
static int gt_split(struct gt *g)
{
	struct gen_addr dst[30];

	dark_pick(g->rng, g->o, 0, dst, 30);
	for (uint64_t k = 0; k < 15; k++) {
		PUSH(g, pkt_tcp(g->rng, at(g, 240 * US + k * 3500 * MS), &g->role[R_SPLIT], &dst[k],
				80, GEN_TCP_SYN, 113));
		PUSH(g, pkt_tcp(g->rng, at(g, 305 * US + k * 3500 * MS), &g->role[R_SPLIT],
				&dst[15 + k], 80, GEN_TCP_SYN, 113));
	}
	return 0;
}

/* Backscatter from victim TCP port vport: n packets of flags, one every step_us from t_us. */
static int gt_tcp_backscatter(struct gt *g, enum role_id who, uint16_t vport, uint8_t flags,
			      uint64_t t_us, uint64_t step_us, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		struct gen_addr dst = dark4_random(g->rng, g->o);
		struct gen_pkt p =
		    pkt_tcp(g->rng, at(g, t_us + k * step_us), &g->role[who], &dst, 0, flags, 57);

		p.sport = vport;
		p.dport = (uint16_t)gen_rand_range(g->rng, 1024, 65535);
		p.window = (flags & GEN_TCP_RST) ? 0 : 64240;
		fp_none(g->rng, &p);
		PUSH(g, p);
	}
	return 0;
}

/* Router R reports host-unreachable for SYNs "from" dark addresses to victim C port 80. */
static int gt_unreachable(struct gt *g)
{
	for (uint64_t k = 0; k < 100; k++) {
		struct gen_addr dst = dark4_random(g->rng, g->o);
		struct gen_pkt p =
		    pkt_icmp(g->rng, at(g, 610 * US + k * US), &g->role[R_ROUTER], &dst, 3, 245);

		p.kind = GEN_ICMP_ERROR;
		p.icmp_code = 1;
		p.in_src = dst;
		p.in_dst = g->role[R_VICTIM_C];
		p.in_sport = (uint16_t)gen_rand_range(g->rng, 1024, 65535);
		p.in_dport = 80;
		p.in_seq = gen_rand_u32(g->rng);
		PUSH(g, p);
	}
	return 0;
}

/* DNS responses from victim F (source port 53), 1 pps for 90 s. */
static int gt_dns_backscatter(struct gt *g)
{
	for (uint64_t k = 0; k < 90; k++) {
		struct gen_addr dst = dark4_random(g->rng, g->o);
		PUSH(g, pkt_udp(g->rng, at(g, 720 * US + k * US), &g->role[R_VICTIM_F], &dst, 53,
				(uint16_t)gen_rand_range(g->rng, 1024, 65535), 54));
	}
	return 0;
}

/* 2,000 SYNs to port 80 of dark addresses, each from a different random source. */
static int gt_flood(struct gt *g)
{
	for (uint64_t k = 0; k < 2000; k++) {
		struct gen_addr src = gt_fresh_source(g);
		struct gen_addr dst = dark4_random(g->rng, g->o);
		PUSH(g, pkt_tcp(g->rng, at(g, 630 * US + k * 20 * MS), &src, &dst, 80, GEN_TCP_SYN,
				(uint8_t)gen_rand_range(g->rng, 40, 120)));
	}
	return 0;
}

/* Odd packets that a sensor counts as noise. */
static int gt_noise(struct gt *g)
{
	struct gen_addr dst[3];
	struct gen_pkt p;

	dark_pick(g->rng, g->o, 0, dst, 3);
	for (uint64_t k = 0; k < 3; k++)
		PUSH(g, pkt_tcp(g->rng, at(g, (30 + k) * US), &g->role[R_TTL255], &dst[k], 8080,
				GEN_TCP_SYN, 255));

	PUSH(g, pkt_tcp(g->rng, at(g, 70 * US), &g->role[R_SRC_DOT0], &dst[0], 3389, GEN_TCP_SYN,
			108));
	PUSH(g, pkt_udp(g->rng, at(g, 71 * US), &g->role[R_SRC_DOT255], &dst[1], 0, 1900, 51));

	PUSH(g, pkt_tcp(g->rng, at(g, 120 * US), &g->role[R_PORT0], &dst[2], 0, GEN_TCP_SYN, 46));
	PUSH(g, pkt_udp(g->rng, at(g, 121 * US), &g->role[R_PORT0], &dst[2], 0, 0, 46));

	/* One UDP datagram of 56 bytes in two fragments: 32 bytes (UDP header + 24), then 24. */
	p = pkt_udp(g->rng, at(g, 150 * US), &g->role[R_FRAGMENTS], &dst[0], 0, 50123, 59);
	p.more_frags = 1;
	p.payload_len = 24;
	p.udp_len_total = 56;
	PUSH(g, p);
	p.ts_us = at(g, 150 * US + 1 * MS);
	p.kind = GEN_FRAG_REST;
	p.ip_proto = GEN_IPPROTO_UDP;
	p.more_frags = 0;
	p.frag_off = 4;
	p.payload_len = 24;
	PUSH(g, p);

	PUSH(g, pkt_tcp(g->rng, at(g, 160 * US), &g->role[R_ODD_FLAGS], &dst[0], 80,
			GEN_TCP_SYN | GEN_TCP_FIN, 241));
	PUSH(g, pkt_tcp(g->rng, at(g, 161 * US), &g->role[R_ODD_FLAGS], &dst[1], 443,
			GEN_TCP_FIN | GEN_TCP_PSH | GEN_TCP_URG, 241));
	PUSH(g, pkt_tcp(g->rng, at(g, 162 * US), &g->role[R_ODD_FLAGS], &dst[2], 22, 0, 241));

	p = pkt_icmp(g->rng, at(g, 170 * US), &g->role[R_GRE], &dst[0], 0, 60);
	p.kind = GEN_GRE;
	p.in_src = addr4(0xac100101); /* 172.16.1.1 -> 172.16.1.2 inside the tunnel */
	p.in_dst = addr4(0xac100102);
	p.in_sport = 40001;
	p.in_dport = 40002;
	PUSH(g, p);

	for (uint64_t k = 0; k < 5; k++) {
		struct gen_addr d = dark4_random(g->rng, g->o);
		PUSH(g,
		     pkt_icmp(g->rng, at(g, (180 + k) * US), &g->role[R_ECHO_REPLIER], &d, 0, 53));
	}
	return 0;
}

static int gt_ipv6(struct gt *g)
{
	struct gen_addr dst[30];

	dark_pick(g->rng, g->o, 1, dst, 30);
	for (uint64_t k = 0; k < 30; k++)
		PUSH(g, pkt_tcp(g->rng, at(g, 500 * US + k * 500 * MS), &g->role[R_V6_SCANNER],
				&dst[k], 22, GEN_TCP_SYN, 50));
	dark_pick(g->rng, g->o, 1, dst, 10);
	for (uint64_t k = 0; k < 10; k++)
		PUSH(g, pkt_icmp(g->rng, at(g, (820 + k) * US), &g->role[R_V6_PINGER], &dst[k], 128,
				 58));
	for (uint64_t k = 0; k < 3; k++) {
		struct gen_addr d = dark6_random(g->rng, g->o);
		PUSH(g,
		     pkt_icmp(g->rng, at(g, (830 + k) * US), &g->role[R_V6_REPLIER], &d, 129, 57));
	}
	return 0;
}

/* Background: 300 ordinary sources, each sending 1..8 probes at random times. */
static int gt_background(struct gt *g)
{
	static const uint16_t tcp_ports[] = {
	    23,	  22,	80,   443,   445,   3389,  8080, 5555, 1433,  3306,  6379, 8443, 81,
	    2323, 5900, 7547, 37215, 52869, 60001, 8888, 9200, 27017, 11211, 21,   25};
	static const uint16_t udp_ports[] = {53, 123, 1900, 5353, 27015, 37810, 49152};
	const size_t n_tcp = sizeof(tcp_ports) / sizeof(tcp_ports[0]);
	const size_t n_udp = sizeof(udp_ports) / sizeof(udp_ports[0]);

	for (int s = 0; s < 300; s++) {
		struct gen_addr src = gt_fresh_source(g);
		uint64_t n = gen_rand_range(g->rng, 1, 8);
		uint64_t kind = gen_rand_below(g->rng, 100);
		uint16_t port = kind < 75 ? tcp_ports[gen_rand_below(g->rng, n_tcp)]
					  : udp_ports[gen_rand_below(g->rng, n_udp)];
		uint8_t ttl = (uint8_t)gen_rand_range(g->rng, 30, 120);

		for (uint64_t k = 0; k < n; k++) {
			uint64_t t = gen_rand_below(g->rng, 900 * US);
			struct gen_addr dst = dark4_random(g->rng, g->o);

			if (kind < 75)
				PUSH(g,
				     pkt_tcp(g->rng, at(g, t), &src, &dst, port, GEN_TCP_SYN, ttl));
			else if (kind < 92)
				PUSH(g, pkt_udp(g->rng, at(g, t), &src, &dst, 0, port, ttl));
			else
				PUSH(g, pkt_icmp(g->rng, at(g, t), &src, &dst, 8, ttl));
		}
	}
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->p.ts_us != y->p.ts_us)
		return x->p.ts_us < y->p.ts_us ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Check that the counted truth shows the roles as designed. Meaningful only for the default
 * 300-s interval with --start on an interval boundary; returns the number of mismatches. */
static int gt_check_design(const struct gt *g, const struct truth *t)
{
	static const struct {
		size_t ival;
		size_t n_ports;
		enum role_id who;
		enum truth_proto proto;
		uint16_t ports[2];
		uint8_t tools;
	} scanners[] = {
	    {0, 1, R_ZMAP, TRUTH_TCP, {23, 0}, TRUTH_FP_ZMAP},
	    {0, 1, R_MASSCAN, TRUTH_TCP, {445, 0}, TRUTH_FP_MASSCAN},
	    {0, 1, R_UDP_SCAN, TRUTH_UDP, {53413, 0}, 0},
	    {1, 2, R_MIRAI, TRUTH_TCP, {23, 2323}, TRUTH_FP_MIRAI},
	    {1, 1, R_ICMP_SWEEP, TRUTH_ICMP, {8, 0}, 0},
	    {1, 1, R_V6_SCANNER, TRUTH_TCP, {22, 0}, 0},
	};
	static const size_t per_ival[3] = {3, 3, 0};
	static const enum role_id attacks[] = {R_VICTIM_A, R_VICTIM_B, R_VICTIM_C, R_VICTIM_F};
	static const enum role_id not_attacks[] = {R_VICTIM_D, R_VICTIM_E};
	int bad = 0;

	if (truth_n_intervals(t) != 3) {
		(void)fprintf(stderr, "keikai-gen: design: %zu intervals, expected 3\n",
			      truth_n_intervals(t));
		return 1;
	}
	for (size_t i = 0; i < 3; i++)
		if (truth_n_scanners(t, i) != per_ival[i]) {
			(void)fprintf(stderr, "keikai-gen: design: interval %zu has %zu scanners\n",
				      i, truth_n_scanners(t, i));
			bad++;
		}
	for (size_t i = 0; i < sizeof(scanners) / sizeof(scanners[0]); i++) {
		const struct truth_scanner *s =
		    truth_find_scanner(t, scanners[i].ival, &g->role[scanners[i].who]);
		if (!s || s->proto != scanners[i].proto || s->n_ports != scanners[i].n_ports ||
		    memcmp(s->ports, scanners[i].ports, s->n_ports * sizeof(uint16_t)) != 0 ||
		    s->tool != scanners[i].tools) {
			(void)fprintf(stderr,
				      "keikai-gen: design: %s is not the scanner it should be\n",
				      role_defs[scanners[i].who].name);
			bad++;
		}
	}
	if (!truth_src_seen(t, 0, &g->role[R_SUB_THRESHOLD]) ||
	    !truth_src_seen(t, 0, &g->role[R_SPLIT]) || !truth_src_seen(t, 1, &g->role[R_SPLIT])) {
		(void)fputs("keikai-gen: design: a near-miss source is missing\n", stderr);
		bad++;
	}
	if (truth_n_attacks(t) != sizeof(attacks) / sizeof(attacks[0])) {
		(void)fprintf(stderr, "keikai-gen: design: %zu attacks\n", truth_n_attacks(t));
		bad++;
	}
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct truth_attack *a = truth_find_victim(t, &g->role[attacks[i]]);
		if (!a || !a->is_attack) {
			(void)fprintf(stderr, "keikai-gen: design: %s is not an attack\n",
				      role_defs[attacks[i]].name);
			bad++;
		}
	}
	for (size_t i = 0; i < sizeof(not_attacks) / sizeof(not_attacks[0]); i++) {
		const struct truth_attack *a = truth_find_victim(t, &g->role[not_attacks[i]]);
		if (!a || a->is_attack || a->packets < TRUTH_ATTACK_MIN_PACKETS) {
			(void)fprintf(stderr,
				      "keikai-gen: design: %s is not the near miss it should be\n",
				      role_defs[not_attacks[i]].name);
			bad++;
		}
	}
	return bad;
}

static int scenario_groundtruth(const struct opts *o, struct gen_rand *rng, struct truth *truth)
{
	static int (*const parts[])(struct gt *) = {
	    gt_zmap,	   gt_masscan,	     gt_mirai,		 gt_udp_scanner,
	    gt_icmp_sweep, gt_sub_threshold, gt_split,		 gt_noise,
	    gt_ipv6,	   gt_unreachable,   gt_dns_backscatter, gt_flood,
	    gt_background,
	};
	struct writer w;
	struct gt *g;
	int r = -ENOMEM;

	if (o->dark_len > 24 || o->dark6_len > 120) {
		(void)fputs(
		    "keikai-gen: groundtruth needs a dark prefix of /24 or larger (IPv6 /120)\n",
		    stderr);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->rng = rng;
	g->o = o;
	g->t0 = o->start * US;

	for (int i = 0; i < R_MAX; i++) {
		const char *text = role_defs[i].addr;
		int v6 = strchr(text, ':') != NULL;

		g->role[i].family = v6 ? 6 : 4;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, text, g->role[i].a) != 1) {
			r = -EINVAL;
			goto out;
		}
		if ((!v6 && in_dark4(o, addr4_value(&g->role[i]))) ||
		    (v6 && in_dark6(o, g->role[i].a))) {
			(void)fprintf(stderr, "keikai-gen: the dark prefix holds a sender (%s)\n",
				      text);
			r = -EINVAL;
			goto out;
		}
		if (!v6)
			(void)addrset_add(g, addr4_value(&g->role[i]));
		if (truth_add_role(truth, role_defs[i].name, &g->role[i], role_defs[i].flags) < 0)
			goto out;
	}

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i](g) < 0)
			goto out;
	/* Victims A (SYN-ACK, 2 pps for 200 s over the first boundary), B (RST, 1 pps, 120 s),
	 * D (40 SYN-ACKs in 10 s) and E (a SYN-ACK every 5 s for 200 s). */
	if (gt_tcp_backscatter(g, R_VICTIM_A, 80, GEN_TCP_SYN | GEN_TCP_ACK, 200 * US, 500 * MS,
			       400) < 0 ||
	    gt_tcp_backscatter(g, R_VICTIM_B, 443, GEN_TCP_RST | GEN_TCP_ACK, 450 * US, US, 120) <
		0 ||
	    gt_tcp_backscatter(g, R_VICTIM_D, 80, GEN_TCP_SYN | GEN_TCP_ACK, 100 * US, 250 * MS,
			       40) < 0 ||
	    gt_tcp_backscatter(g, R_VICTIM_E, 80, GEN_TCP_SYN | GEN_TCP_ACK, 300 * US, 5 * US, 40) <
		0)
		goto out;

	qsort(g->ev, g->n_ev, sizeof(*g->ev), event_cmp);

	r = writer_open(&w, o, truth);
	for (size_t i = 0; r == 0 && i < g->n_ev; i++)
		r = writer_emit(&w, &g->ev[i].p);
	if (writer_close(&w, o->out) < 0 && r == 0)
		r = -EIO;
	if (r < 0)
		goto out;
	r = truth_finish(truth);
	if (r < 0) {
		(void)fputs("keikai-gen: out of memory\n", stderr);
		goto out;
	}
	if (o->interval == DEFAULT_INTERVAL && o->start % DEFAULT_INTERVAL == 0 &&
	    gt_check_design(g, truth) != 0) {
		(void)fputs("keikai-gen: internal error: the scenario does not match its design\n",
			    stderr);
		r = -EINVAL;
	}
out:
	if (r == -ENOMEM)
		(void)fputs("keikai-gen: out of memory\n", stderr);
	free(g->ev);
	free(g);
	return r;
}

/* ---------------------------------------------------------------------------------------- */
/* Scenario "bench" */

/* Public unicast /8 blocks the bench sources are spread over. */
static const uint8_t bench_blocks[] = {
    1,	 2,   5,   14,	23,  27,  31,  36,  37,	 39,  41,  42,	43,  45,  46,  49,  58,	 59,  60,
    61,	 77,  78,  79,	80,  81,  82,  83,  84,	 85,  86,  87,	88,  89,  90,  91,  92,	 93,  94,
    95,	 101, 103, 106, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123,
    124, 125, 175, 176, 177, 178, 179, 180, 181, 182, 183, 185, 186, 187, 188, 189, 190, 193, 194,
    195, 197, 200, 201, 202, 210, 211, 212, 213, 217, 218, 219, 220, 221, 222, 223,
};

#define BENCH_PER_BLOCK (65536ULL * 254) /* hosts .1 .. .254 of every /24 */

enum bench_cat { CAT_TCP, CAT_UDP, CAT_ICMP, CAT_BACKSCATTER, CAT_NOISE };

struct bench {
	const struct opts *o;
	struct gen_rand *rng;
	uint8_t blocks[sizeof(bench_blocks)];
	size_t n_blocks;
	uint16_t mul, add;  /* the /24 shuffle inside a block */
	uint64_t n_sources; /* all sources: the first n_others scan, the last n_victims reply */
	uint64_t n_others, n_victims, n_heavy;
	uint64_t next_other, next_victim, heavy_seen;
};

/* The address of source index s: a bijection from [0, n_sources) onto hosts .1-.254 of the
 * /24s of the blocks, with consecutive indexes in different /8s and /24s. */
static struct gen_addr bench_source(const struct bench *b, uint64_t s)
{
	uint64_t block = s % b->n_blocks, within = s / b->n_blocks;
	uint16_t net24 = (uint16_t)(within / 254);
	uint32_t host = (uint32_t)(within % 254) + 1;
	uint16_t shuffled = (uint16_t)(net24 * b->mul + b->add);

	return addr4((uint32_t)b->blocks[block] << 24 | (uint32_t)shuffled << 8 | host);
}

/* Heavy scanner j sits at this index of the scanning sources. */
static uint64_t bench_heavy_index(const struct bench *b, uint64_t j)
{
	return (uint64_t)(((unsigned __int128)j * b->n_others) / b->n_heavy);
}

static uint16_t bench_tcp_port(struct gen_rand *r)
{
	uint64_t x = gen_rand_below(r, 100);

	if (x < 30)
		return 23;
	if (x < 45)
		return 445;
	if (x < 57)
		return 80;
	if (x < 67)
		return 22;
	if (x < 75)
		return 8080;
	if (x < 82)
		return 3389;
	if (x < 87)
		return 443;
	return (uint16_t)gen_rand_range(r, 1, 65535);
}

/* A packet of heavy scanner j, whose fingerprint and port follow from j. */
static struct gen_pkt bench_heavy_packet(struct bench *b, uint64_t j, uint64_t ts,
					 const struct gen_addr *src)
{
	static const uint16_t zmap_ports[] = {23, 80, 8080, 22, 443, 3389, 5555, 6379};
	static const uint16_t masscan_ports[] = {445, 3389, 22, 80, 1433, 3306, 5900, 8443};
	struct gen_addr dst = dark4_random(b->rng, b->o);
	uint32_t d = addr4_value(&dst);
	struct gen_pkt p;

	switch (j % 3) {
	case 0:
		p = pkt_tcp(b->rng, ts, src, &dst, zmap_ports[(j / 3) % 8], GEN_TCP_SYN, 243);
		p.ip_id = 54321;
		p.window = 65535;
		while (p.seq == d || ((d ^ p.dport ^ p.seq) & 0xffff) == 54321)
			p.seq = gen_rand_u32(b->rng);
		break;
	case 1:
		p = pkt_tcp(b->rng, ts, src, &dst, masscan_ports[(j / 3) % 8], GEN_TCP_SYN, 250);
		p.window = 1024;
		p.sport = 61000;
		for (;;) {
			p.ip_id = (uint16_t)((d ^ p.dport ^ p.seq) & 0xffff);
			if (p.seq != d && p.ip_id != 54321)
				break;
			p.seq = gen_rand_u32(b->rng);
		}
		break;
	default: {
		uint16_t port = gen_rand_below(b->rng, 10) ? 23 : 2323;

		p = pkt_tcp(b->rng, ts, src, &dst, port, GEN_TCP_SYN, 52);
		p.seq = d;
		while (p.ip_id == 54321 || p.ip_id == port)
			p.ip_id = gen_rand_u16(b->rng);
		break;
	}
	}
	return p;
}

static struct gen_pkt bench_victim_packet(struct bench *b, uint64_t v, uint64_t ts)
{
	struct gen_addr src = bench_source(b, b->n_others + v);
	struct gen_addr dst = dark4_random(b->rng, b->o);
	uint8_t flags = (v % 2) ? (GEN_TCP_RST | GEN_TCP_ACK) : (GEN_TCP_SYN | GEN_TCP_ACK);
	struct gen_pkt p = pkt_tcp(b->rng, ts, &src, &dst, 0, flags, 57);

	p.sport = (v % 4) < 2 ? 80 : 443;
	p.dport = (uint16_t)gen_rand_range(b->rng, 1024, 65535);
	fp_none(b->rng, &p);
	return p;
}

static struct gen_pkt bench_noise_packet(struct bench *b, uint64_t ts, const struct gen_addr *src)
{
	struct gen_addr dst = dark4_random(b->rng, b->o);
	struct gen_pkt p;

	switch (gen_rand_below(b->rng, 7)) {
	case 0:
		return pkt_tcp(b->rng, ts, src, &dst, bench_tcp_port(b->rng), GEN_TCP_SYN, 255);
	case 1:
		return pkt_tcp(b->rng, ts, src, &dst, 80, GEN_TCP_SYN | GEN_TCP_FIN, 241);
	case 2:
		return pkt_tcp(b->rng, ts, src, &dst, 443, GEN_TCP_FIN | GEN_TCP_PSH | GEN_TCP_URG,
			       241);
	case 3:
		return pkt_tcp(b->rng, ts, src, &dst, 0, GEN_TCP_SYN, 47);
	case 4:
		p = pkt_icmp(b->rng, ts, src, &dst, 0, 60);
		p.kind = GEN_GRE;
		p.in_src = addr4(0xac100101);
		p.in_dst = addr4(0xac100102);
		p.in_sport = 40001;
		p.in_dport = 40002;
		return p;
	case 5:
		p = pkt_udp(b->rng, ts, src, &dst, 0, 50123, 59);
		p.more_frags = 1;
		p.payload_len = 24;
		p.udp_len_total = 56;
		return p;
	default:
		p = pkt_udp(b->rng, ts, src, &dst, 0, 50123, 59);
		p.kind = GEN_FRAG_REST;
		p.ip_proto = GEN_IPPROTO_UDP;
		p.frag_off = 4;
		p.payload_len = 24;
		return p;
	}
}

static struct gen_pkt bench_tail_packet(struct bench *b, enum bench_cat cat, uint64_t ts,
					const struct gen_addr *src)
{
	static const uint16_t udp_ports[] = {53, 123, 1900, 5353, 27015, 53413, 37810, 49152};
	struct gen_addr dst = dark4_random(b->rng, b->o);
	uint8_t ttl = (uint8_t)gen_rand_range(b->rng, 30, 120);

	switch (cat) {
	case CAT_UDP:
		return pkt_udp(b->rng, ts, src, &dst, 0, udp_ports[gen_rand_below(b->rng, 8)], ttl);
	case CAT_ICMP:
		return pkt_icmp(b->rng, ts, src, &dst, 8, ttl);
	case CAT_NOISE:
		return bench_noise_packet(b, ts, src);
	case CAT_TCP:
	case CAT_BACKSCATTER:
		break;
	}
	return pkt_tcp(b->rng, ts, src, &dst, bench_tcp_port(b->rng), GEN_TCP_SYN, ttl);
}

static enum bench_cat bench_pick_cat(struct gen_rand *r)
{
	uint64_t x = gen_rand_below(r, 100);

	if (x < 70)
		return CAT_TCP;
	if (x < 85)
		return CAT_UDP;
	if (x < 90)
		return CAT_ICMP;
	if (x < 98)
		return CAT_BACKSCATTER;
	return CAT_NOISE;
}

/* The next packet of the bench scenario: packet i of n at time ts. Every source is used at
 * least once: a new source is taken with probability (sources left) / (packets left) of its
 * kind, and always once there are no more packets left than sources. */
static struct gen_pkt bench_next(struct bench *b, uint64_t i, uint64_t n, uint64_t ts)
{
	const uint64_t left = n - i;
	const uint64_t others_left = b->n_others - b->next_other;
	const uint64_t victims_left = b->n_victims - b->next_victim;
	enum bench_cat cat;
	uint64_t s = 0;

	if (others_left + victims_left >= left)
		cat = victims_left ? CAT_BACKSCATTER : CAT_TCP;
	else
		cat = bench_pick_cat(b->rng);

	if (cat == CAT_BACKSCATTER) {
		uint64_t v;

		if (victims_left &&
		    (b->next_victim == 0 || others_left + victims_left >= left ||
		     gen_rand_unit(b->rng) * (double)left * 0.08 < (double)victims_left))
			v = b->next_victim++;
		else
			v = gen_rand_below(b->rng, b->next_victim);
		return bench_victim_packet(b, v, ts);
	}

	if (others_left && (b->next_other == 0 || others_left + victims_left >= left ||
			    gen_rand_unit(b->rng) * (double)left * 0.92 < (double)others_left)) {
		s = b->next_other++;
		if (b->heavy_seen < b->n_heavy && s == bench_heavy_index(b, b->heavy_seen)) {
			struct gen_addr src = bench_source(b, s);
			return bench_heavy_packet(b, b->heavy_seen++, ts, &src);
		}
	} else if (cat == CAT_TCP && b->heavy_seen > 0 && gen_rand_below(b->rng, 4) != 0) {
		uint64_t j = gen_rand_below(b->rng, b->heavy_seen);
		struct gen_addr src = bench_source(b, bench_heavy_index(b, j));
		return bench_heavy_packet(b, j, ts, &src);
	} else {
		s = gen_rand_below(b->rng, b->next_other);
	}
	struct gen_addr src = bench_source(b, s);
	return bench_tail_packet(b, cat, ts, &src);
}

static int scenario_bench(const struct opts *o, struct gen_rand *rng, struct truth *truth)
{
	struct bench b;
	struct writer w;
	uint64_t span_us;
	int r;

	memset(&b, 0, sizeof(b));
	b.o = o;
	b.rng = rng;
	for (size_t i = 0; i < sizeof(bench_blocks); i++) {
		uint32_t lo = (uint32_t)bench_blocks[i] << 24, hi = lo | 0x00ffffff;
		uint32_t dark_hi = o->dark | ~mask4(o->dark_len);
		if (hi < o->dark || lo > dark_hi) /* skip blocks that overlap the dark prefix */
			b.blocks[b.n_blocks++] = bench_blocks[i];
	}
	b.mul = (uint16_t)(gen_rand_u16(rng) | 1);
	b.add = gen_rand_u16(rng);
	b.n_sources = o->sources;
	if (b.n_blocks == 0 || o->sources > b.n_blocks * BENCH_PER_BLOCK) {
		(void)fputs("keikai-gen: too many --sources for the address space used\n", stderr);
		return -EINVAL;
	}
	if (o->packets < o->sources) {
		(void)fputs("keikai-gen: --packets must be at least --sources\n", stderr);
		return -EINVAL;
	}
	b.n_victims = o->sources >= 20000 ? 200 : (o->sources + 99) / 100;
	b.n_others = o->sources - b.n_victims;
	b.n_heavy = o->sources >= 15000 ? 300 : o->sources / 50;
	span_us = o->duration * US;

	r = writer_open(&w, o, truth);
	for (uint64_t i = 0; r == 0 && i < o->packets; i++) {
		uint64_t ts =
		    o->start * US + (uint64_t)(((unsigned __int128)i * span_us) / o->packets);
		struct gen_pkt p = bench_next(&b, i, o->packets, ts);
		r = writer_emit(&w, &p);
	}
	if (writer_close(&w, o->out) < 0 && r == 0)
		r = -EIO;
	if (r < 0)
		return r;
	if (b.next_other != b.n_others || b.next_victim != b.n_victims) {
		(void)fputs("keikai-gen: internal error: not every source was used\n", stderr);
		return -EINVAL;
	}
	truth_set_sources(truth, b.next_other + b.next_victim);
	return truth_finish(truth);
}

/* ---------------------------------------------------------------------------------------- */

static int write_truth(const struct opts *o, const struct truth *truth)
{
	struct truth_meta m;
	FILE *f;
	int r;

	memset(&m, 0, sizeof(m));
	m.scenario = o->scenario == SCEN_BENCH ? "bench" : "groundtruth";
	m.start = o->start;
	m.duration = o->scenario == SCEN_BENCH ? o->duration : 0;
	m.seed = o->seed;
	m.dark = o->dark_text;
	m.dark6 = o->scenario == SCEN_BENCH ? NULL : o->dark6_text;
	m.linktype = gen_link_name(o->link);

	f = fopen(o->truth, "we");
	if (!f) {
		int e = errno;
		(void)fprintf(stderr, "keikai-gen: cannot create \"%s\": %m\n", o->truth);
		return -e;
	}
	r = truth_write_json(truth, &m, f);
	if (fclose(f) != 0)
		r = -EIO;
	if (r < 0)
		(void)fprintf(stderr, "keikai-gen: write error on \"%s\"\n", o->truth);
	return r;
}

enum {
	OPT_SCENARIO = 256,
	OPT_SEED,
	OPT_START,
	OPT_DARK,
	OPT_DARK6,
	OPT_INTERVAL,
	OPT_LINKTYPE,
	OPT_PACKETS,
	OPT_SOURCES,
	OPT_DURATION,
};

static const struct option long_opts[] = {
    {"out", required_argument, NULL, 'o'},
    {"truth", required_argument, NULL, 't'},
    {"scenario", required_argument, NULL, OPT_SCENARIO},
    {"seed", required_argument, NULL, OPT_SEED},
    {"start", required_argument, NULL, OPT_START},
    {"dark", required_argument, NULL, OPT_DARK},
    {"dark6", required_argument, NULL, OPT_DARK6},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"linktype", required_argument, NULL, OPT_LINKTYPE},
    {"packets", required_argument, NULL, OPT_PACKETS},
    {"sources", required_argument, NULL, OPT_SOURCES},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int bad_value(const char *opt, const char *value)
{
	(void)fprintf(stderr, "keikai-gen: invalid %s \"%s\"\n", opt, value);
	return 2;
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	uint8_t a4[4];
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->start = DEFAULT_START;
	o->dark_text = DEFAULT_DARK;
	o->dark6_text = DEFAULT_DARK6;
	o->interval = DEFAULT_INTERVAL;
	o->packets = BENCH_PACKETS;
	o->sources = BENCH_SOURCES;
	o->duration = BENCH_DURATION;

	/* NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded program */
	while ((c = getopt_long(argc, argv, "o:t:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 't':
			o->truth = optarg;
			break;
		case OPT_SCENARIO:
			if (strcmp(optarg, "groundtruth") == 0)
				o->scenario = SCEN_GROUNDTRUTH;
			else if (strcmp(optarg, "bench") == 0)
				o->scenario = SCEN_BENCH;
			else
				return bad_value("--scenario", optarg);
			break;
		case OPT_SEED:
			if (parse_u64(optarg, 0, UINT64_MAX, &o->seed) < 0)
				return bad_value("--seed", optarg);
			break;
		case OPT_START:
			/* Up to 2^40 s (year 36812): microsecond times stay far from overflow. */
			if (parse_u64(optarg, 0, 1ULL << 40, &o->start) < 0)
				return bad_value("--start", optarg);
			break;
		case OPT_DARK:
			o->dark_text = optarg;
			break;
		case OPT_DARK6:
			o->dark6_text = optarg;
			break;
		case OPT_INTERVAL:
			if (parse_u64(optarg, 1, 86400, &v) < 0)
				return bad_value("--interval", optarg);
			o->interval = (uint32_t)v;
			break;
		case OPT_LINKTYPE:
			if (gen_link_from_name(optarg, &o->link) < 0)
				return bad_value("--linktype", optarg);
			break;
		case OPT_PACKETS:
			if (parse_u64(optarg, 1, 1ULL << 40, &o->packets) < 0)
				return bad_value("--packets", optarg);
			o->packets_set = 1;
			break;
		case OPT_SOURCES:
			if (parse_u64(optarg, 2, 1ULL << 32, &o->sources) < 0)
				return bad_value("--sources", optarg);
			o->sources_set = 1;
			break;
		case OPT_DURATION:
			if (parse_u64(optarg, 1, 1ULL << 30, &o->duration) < 0)
				return bad_value("--duration", optarg);
			o->duration_set = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			(void)puts("keikai-gen " KEIKAI_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		(void)fprintf(stderr, "keikai-gen: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (!o->out) {
		(void)fputs("keikai-gen: --out is required\n", stderr);
		usage(stderr);
		return 2;
	}
	if (o->scenario == SCEN_GROUNDTRUTH &&
	    (o->packets_set || o->sources_set || o->duration_set)) {
		(void)fputs(
		    "keikai-gen: --packets, --sources and --duration apply to --scenario bench\n",
		    stderr);
		return 2;
	}
	if (parse_prefix(o->dark_text, AF_INET, a4, &o->dark_len) < 0 || o->dark_len > 30)
		return bad_value("--dark", o->dark_text);
	o->dark = ((uint32_t)a4[0] << 24 | (uint32_t)a4[1] << 16 | (uint32_t)a4[2] << 8 |
		   (uint32_t)a4[3]) &
		  mask4(o->dark_len);
	if (parse_prefix(o->dark6_text, AF_INET6, o->dark6, &o->dark6_len) < 0 ||
	    o->dark6_len > 124)
		return bad_value("--dark6", o->dark6_text);
	return -1;
}

int main(int argc, char **argv)
{
	struct gen_rand rng;
	struct opts o;
	struct truth *truth;
	int r;

	r = parse_args(argc, argv, &o);
	if (r >= 0)
		return r;

	gen_rand_seed(&rng, o.seed);
	truth = truth_new(o.interval, o.scenario == SCEN_GROUNDTRUTH);
	if (!truth) {
		(void)fputs("keikai-gen: out of memory\n", stderr);
		return 1;
	}
	if (o.scenario == SCEN_BENCH)
		r = scenario_bench(&o, &rng, truth);
	else
		r = scenario_groundtruth(&o, &rng, truth);
	if (r == 0 && o.truth)
		r = write_truth(&o, truth);
	if (r == 0)
		(void)fprintf(stderr, "keikai-gen: wrote %" PRIu64 " packets to \"%s\"\n",
			      truth_packets(truth), o.out);
	truth_free(truth);
	return r == 0 ? 0 : 1;
}
