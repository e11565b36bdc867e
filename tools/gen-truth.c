/* gen-truth.c - count what the generator emitted and write the ground truth as JSON
 *
 * Every packet becomes a fact (time, addresses, verdict). At the end the facts are bucketed into
 * intervals aligned to multiples of the interval length since the epoch, and each question
 * (distinct sources per port, distinct destinations per scanner port, backscatter per victim)
 * is answered by sorting a copy of the facts and counting runs: slow but obviously right, and
 * the scenario is small. The bench scenario keeps totals only.
 */
#include "gen-truth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/lib/ckd.h"
#include "../src/lib/banned.h"

struct fact {
	uint64_t ts_us;
	struct gen_addr src, dst;
	struct truth_verdict v;
};

struct role {
	const char *name;
	struct gen_addr addr;
	unsigned flags;
};

struct port_row {
	enum truth_proto proto;
	uint16_t port;
	uint64_t packets, sources, destinations;
};

struct ival {
	uint64_t start;
	size_t lo, hi; /* its facts: facts[lo .. hi) */
	uint64_t by[TRUTH_PROTO_MAX][TRUTH_CLASS_MAX];
	uint64_t tools[3]; /* packets with each fingerprint: zmap, masscan, mirai */
	struct port_row *ports;
	size_t n_ports;
	struct truth_scanner *scanners;
	size_t n_scanners;
};

struct truth {
	uint32_t interval;
	int keep_facts;
	uint64_t packets;
	uint64_t sources;
	uint64_t first_us, last_us;
	uint64_t by[TRUTH_PROTO_MAX][TRUTH_CLASS_MAX];
	struct fact *facts;
	size_t n_facts, cap_facts;
	struct role *roles;
	size_t n_roles, cap_roles;
	struct ival *ivals;
	size_t n_ivals;
	struct truth_attack *attacks;
	size_t n_attacks;
	int finished;
};

static const char *const proto_names[TRUTH_PROTO_MAX] = {
    [TRUTH_TCP] = "tcp",     [TRUTH_UDP] = "udp",     [TRUTH_ICMP] = "icmp",
    [TRUTH_ICMP6] = "icmp6", [TRUTH_OTHER] = "other",
};

static const char *const class_names[TRUTH_CLASS_MAX] = {
    [TRUTH_PROBE] = "probe",
    [TRUTH_BACKSCATTER] = "backscatter",
    [TRUTH_CLASS_OTHER] = "other",
};

const char *truth_proto_name(enum truth_proto proto)
{
	if ((unsigned)proto >= TRUTH_PROTO_MAX)
		return "unknown";
	return proto_names[proto];
}

static uint32_t addr_v4(const struct gen_addr *a)
{
	return (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 |
	       (uint32_t)a->a[3];
}

static int addr_cmp(const struct gen_addr *x, const struct gen_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, sizeof(x->a));
}

static int addr_eq(const struct gen_addr *x, const struct gen_addr *y)
{
	return addr_cmp(x, y) == 0;
}

static uint8_t kind_ip_proto(const struct gen_pkt *p)
{
	switch (p->kind) {
	case GEN_TCP:
		return GEN_IPPROTO_TCP;
	case GEN_UDP:
		return GEN_IPPROTO_UDP;
	case GEN_ICMP:
	case GEN_ICMP_ERROR:
		return p->src.family == 6 ? GEN_IPPROTO_ICMPV6 : GEN_IPPROTO_ICMP;
	case GEN_GRE:
		return GEN_IPPROTO_GRE;
	case GEN_FRAG_REST:
		break;
	}
	return p->ip_proto;
}

static enum truth_class icmp4_class(uint8_t type)
{
	switch (type) {
	case 0:
	case 3:
	case 4:
	case 5:
	case 11:
	case 12:
	case 14:
	case 16:
	case 18:
		return TRUTH_BACKSCATTER;
	case 8:
	case 10:
	case 13:
	case 15:
	case 17:
		return TRUTH_PROBE;
	default:
		return TRUTH_CLASS_OTHER;
	}
}

static enum truth_class icmp6_class(uint8_t type)
{
	if ((type >= 1 && type <= 4) || type == 129)
		return TRUTH_BACKSCATTER;
	if (type == 128)
		return TRUTH_PROBE;
	return TRUTH_CLASS_OTHER;
}

static int icmp_is_reply(int v6, uint8_t type)
{
	if (v6)
		return type == 129;
	return type == 0 || type == 14 || type == 16 || type == 18;
}

void truth_classify(const struct gen_pkt *p, struct truth_verdict *ret)
{
	struct truth_verdict v;
	const int v6 = p->src.family == 6;

	memset(&v, 0, sizeof(v));
	v.cls = TRUTH_CLASS_OTHER;
	v.proto = TRUTH_OTHER;

	if (!v6) {
		uint32_t dst = addr_v4(&p->dst);

		if (p->ip_id == 54321)
			v.tools |= TRUTH_FP_ZMAP;
		if (p->kind == GEN_TCP && p->frag_off == 0) {
			if (p->ip_id == ((dst ^ p->dport ^ p->seq) & 0xffff))
				v.tools |= TRUTH_FP_MASSCAN;
			if (p->seq == dst)
				v.tools |= TRUTH_FP_MIRAI;
		}
	}

	if (!v6 && (p->kind == GEN_FRAG_REST || p->frag_off > 0)) {
		/* A non-first fragment carries no port: it is counted under its protocol. */
		v.port = kind_ip_proto(p);
		*ret = v;
		return;
	}

	switch (p->kind) {
	case GEN_TCP:
		v.proto = TRUTH_TCP;
		v.port = p->dport;
		if (((p->tcp_flags & GEN_TCP_SYN) && (p->tcp_flags & GEN_TCP_ACK)) ||
		    (p->tcp_flags & GEN_TCP_RST))
			v.cls = TRUTH_BACKSCATTER;
		else if (p->tcp_flags & GEN_TCP_SYN)
			v.cls = TRUTH_PROBE;
		break;
	case GEN_UDP:
		v.proto = TRUTH_UDP;
		v.port = p->dport;
		v.cls = p->sport == 53 ? TRUTH_BACKSCATTER : TRUTH_PROBE;
		break;
	case GEN_ICMP:
	case GEN_ICMP_ERROR:
		v.proto = v6 ? TRUTH_ICMP6 : TRUTH_ICMP;
		v.port = p->icmp_type;
		v.cls = v6 ? icmp6_class(p->icmp_type) : icmp4_class(p->icmp_type);
		break;
	case GEN_GRE:
	case GEN_FRAG_REST:
		v.port = kind_ip_proto(p);
		break;
	}

	if (v.cls == TRUTH_BACKSCATTER) {
		if (p->kind == GEN_ICMP_ERROR) {
			/* The victim is whom the quoted packet was sent to; it counts only when
			 * the quote's source is the dark address the error came to. */
			v.victim = p->in_dst;
			v.has_victim = addr_eq(&p->in_src, &p->dst) ? 1 : 0;
		} else if (p->kind != GEN_ICMP || icmp_is_reply(v6, p->icmp_type)) {
			/* TCP and UDP replies, ICMP echo and other replies: the sender. An ICMP
			 * error without a quote names no victim. */
			v.victim = p->src;
			v.has_victim = 1;
		}
	}
	*ret = v;
}

struct truth *truth_new(uint32_t interval, int keep_facts)
{
	struct truth *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->interval = interval ? interval : 1;
	t->keep_facts = keep_facts;
	return t;
}

void truth_free(struct truth *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_ivals; i++) {
		free(t->ivals[i].ports);
		free(t->ivals[i].scanners);
	}
	free(t->ivals);
	free(t->attacks);
	free(t->facts);
	free(t->roles);
	free(t);
}

/* Make room for one more element in *arr (n used of *cap, elements of size sz). */
static int grow(void **arr, size_t n, size_t *cap, size_t sz)
{
	size_t new_cap, bytes;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap : 64;
	if (!ckd_size_mul(new_cap, 2, &new_cap) || !ckd_size_mul(new_cap, sz, &bytes))
		return -ENOMEM;
	p = realloc(*arr, bytes);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = new_cap;
	return 0;
}

int truth_add(struct truth *t, const struct gen_pkt *p)
{
	struct truth_verdict v;

	truth_classify(p, &v);
	if (t->packets == 0)
		t->first_us = p->ts_us;
	t->last_us = p->ts_us;
	t->packets++;
	t->by[v.proto][v.cls]++;
	if (!t->keep_facts)
		return 0;
	if (grow((void **)&t->facts, t->n_facts, &t->cap_facts, sizeof(*t->facts)) < 0)
		return -ENOMEM;
	t->facts[t->n_facts].ts_us = p->ts_us;
	t->facts[t->n_facts].src = p->src;
	t->facts[t->n_facts].dst = p->dst;
	t->facts[t->n_facts].v = v;
	t->n_facts++;
	return 0;
}

int truth_add_role(struct truth *t, const char *name, const struct gen_addr *a, unsigned flags)
{
	if (grow((void **)&t->roles, t->n_roles, &t->cap_roles, sizeof(*t->roles)) < 0)
		return -ENOMEM;
	t->roles[t->n_roles].name = name;
	t->roles[t->n_roles].addr = *a;
	t->roles[t->n_roles].flags = flags;
	t->n_roles++;
	return 0;
}

void truth_set_sources(struct truth *t, uint64_t sources)
{
	t->sources = sources;
}

/* Comparators for the copies of facts sorted in truth_finish(). */
static int cmp_u64(uint64_t x, uint64_t y)
{
	return x < y ? -1 : x > y;
}

static int cmp_proto_port(const struct fact *x, const struct fact *y)
{
	if (x->v.proto != y->v.proto)
		return x->v.proto < y->v.proto ? -1 : 1;
	return cmp_u64(x->v.port, y->v.port);
}

static int cmp_port_src(const void *a, const void *b)
{
	const struct fact *x = a, *y = b;
	int c = cmp_proto_port(x, y);
	return c ? c : addr_cmp(&x->src, &y->src);
}

static int cmp_port_dst(const void *a, const void *b)
{
	const struct fact *x = a, *y = b;
	int c = cmp_proto_port(x, y);
	return c ? c : addr_cmp(&x->dst, &y->dst);
}

static int cmp_src(const void *a, const void *b)
{
	const struct fact *x = a, *y = b;
	return addr_cmp(&x->src, &y->src);
}

static int cmp_src_port_dst(const void *a, const void *b)
{
	const struct fact *x = a, *y = b;
	int c = addr_cmp(&x->src, &y->src);

	if (c)
		return c;
	c = cmp_proto_port(x, y);
	if (c)
		return c;
	c = addr_cmp(&x->dst, &y->dst);
	return c ? c : cmp_u64(x->ts_us, y->ts_us);
}

static int cmp_victim_time(const void *a, const void *b)
{
	const struct fact *x = a, *y = b;
	int c = addr_cmp(&x->v.victim, &y->v.victim);

	if (c)
		return c;
	if (x->v.proto != y->v.proto)
		return x->v.proto < y->v.proto ? -1 : 1;
	return cmp_u64(x->ts_us, y->ts_us);
}

static int cmp_attack_time(const void *a, const void *b)
{
	const struct truth_attack *x = a, *y = b;
	int c = cmp_u64(x->first_us, y->first_us);
	return c ? c : addr_cmp(&x->victim, &y->victim);
}

/* Copy the facts of [lo, hi) that pass keep (all when NULL) into a new array. */
static struct fact *facts_copy(const struct truth *t, size_t lo, size_t hi,
			       int (*keep)(const struct fact *), size_t *ret_n)
{
	struct fact *out;
	size_t n = 0;

	out = calloc(hi > lo ? hi - lo : 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = lo; i < hi; i++)
		if (!keep || keep(&t->facts[i]))
			out[n++] = t->facts[i];
	*ret_n = n;
	return out;
}

static int is_probe(const struct fact *f)
{
	return f->v.cls == TRUTH_PROBE;
}

static int is_victim_backscatter(const struct fact *f)
{
	return f->v.cls == TRUTH_BACKSCATTER && f->v.has_victim;
}

static int ival_ports(const struct truth *t, struct ival *iv)
{
	struct fact *f;
	size_t n, rows = 0;
	int r = -ENOMEM;

	f = facts_copy(t, iv->lo, iv->hi, NULL, &n);
	if (!f)
		return -ENOMEM;
	iv->ports = calloc(n ? n : 1, sizeof(*iv->ports));
	if (!iv->ports)
		goto out;

	qsort(f, n, sizeof(*f), cmp_port_src);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || cmp_proto_port(&f[i - 1], &f[i]) != 0) {
			iv->ports[rows].proto = f[i].v.proto;
			iv->ports[rows].port = f[i].v.port;
			rows++;
		}
		iv->ports[rows - 1].packets++;
		if (i == 0 || cmp_port_src(&f[i - 1], &f[i]) != 0)
			iv->ports[rows - 1].sources++;
	}
	iv->n_ports = rows;

	/* Same (proto, port) order, so the rows line up. */
	qsort(f, n, sizeof(*f), cmp_port_dst);
	rows = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || cmp_proto_port(&f[i - 1], &f[i]) != 0)
			rows++;
		if (i == 0 || cmp_port_dst(&f[i - 1], &f[i]) != 0)
			iv->ports[rows - 1].destinations++;
	}
	r = 0;
out:
	free(f);
	return r;
}

/* When a threshold was crossed, and on what. */
struct crossing {
	uint64_t ts;
	enum truth_proto proto;
	uint16_t port;
	uint64_t destinations;
};

static int cmp_crossing(const void *a, const void *b)
{
	const struct crossing *x = a, *y = b;
	int c = cmp_u64(x->ts, y->ts);

	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return cmp_u64(x->port, y->port);
}

static int cmp_u64_ptr(const void *a, const void *b)
{
	return cmp_u64(*(const uint64_t *)a, *(const uint64_t *)b);
}

/* Packets and tool of src in the interval: all its packets, any class. */
static void scanner_packets(const struct truth *t, const struct ival *iv, struct truth_scanner *s)
{
	uint64_t zmap = 0, masscan = 0, mirai = 0;

	for (size_t i = iv->lo; i < iv->hi; i++) {
		const struct fact *f = &t->facts[i];
		if (!addr_eq(&f->src, &s->src))
			continue;
		s->packets++;
		zmap += (f->v.tools & TRUTH_FP_ZMAP) ? 1 : 0;
		masscan += (f->v.tools & TRUTH_FP_MASSCAN) ? 1 : 0;
		mirai += (f->v.tools & TRUTH_FP_MIRAI) ? 1 : 0;
	}
	if (2 * masscan > s->packets)
		s->tool = TRUTH_FP_MASSCAN;
	else if (2 * zmap > s->packets)
		s->tool = TRUTH_FP_ZMAP;
	else if (2 * mirai > s->packets)
		s->tool = TRUTH_FP_MIRAI;
}

/* One source's probes, f[0 .. n) sorted by (proto, port, dst, time): is it a scanner? The
 * scratch arrays hold n elements each. Returns 1 and fills *s when it is. */
static int scanner_check(const struct fact *f, size_t n, uint64_t *dtimes, struct crossing *cr,
			 struct crossing *targets, struct truth_scanner *s)
{
	size_t n_cr = 0, n_targets = 0, j = 0;
	uint64_t first_ts = UINT64_MAX;

	memset(s, 0, sizeof(*s));
	while (j < n) {
		size_t k = j, nd = 0;

		for (; k < n && cmp_proto_port(&f[j], &f[k]) == 0; k++) {
			if (k > j && addr_eq(&f[k - 1].dst, &f[k].dst))
				continue;
			/* A new destination; sorted by time within it, so this is its first. */
			dtimes[nd++] = f[k].ts_us;
			targets[n_targets].ts = f[k].ts_us;
			targets[n_targets].proto = f[k].v.proto;
			n_targets++;
		}
		if (nd >= TRUTH_SCAN_MIN) {
			qsort(dtimes, nd, sizeof(*dtimes), cmp_u64_ptr);
			cr[n_cr].ts = dtimes[TRUTH_SCAN_MIN - 1];
			cr[n_cr].proto = f[j].v.proto;
			cr[n_cr].port = f[j].v.port;
			cr[n_cr].destinations = nd;
			n_cr++;
		}
		j = k;
	}
	if (n_cr == 0 && n_targets < TRUTH_SCAN_MIN_TARGETS)
		return 0;

	s->src = f[0].src;
	s->targets = n_targets;
	qsort(cr, n_cr, sizeof(*cr), cmp_crossing);
	for (size_t i = 0; i < n_cr; i++) {
		if (s->n_ports < TRUTH_SCANNER_PORTS_MAX)
			s->ports[s->n_ports++] = cr[i].port;
		if (cr[i].destinations > s->destinations)
			s->destinations = cr[i].destinations;
	}
	if (n_cr > 0) {
		first_ts = cr[0].ts;
		s->proto = cr[0].proto;
	}
	if (n_targets >= TRUTH_SCAN_MIN_TARGETS) {
		qsort(targets, n_targets, sizeof(*targets), cmp_crossing);
		if (targets[TRUTH_SCAN_MIN_TARGETS - 1].ts < first_ts)
			s->proto = targets[TRUTH_SCAN_MIN_TARGETS - 1].proto;
	}
	return 1;
}

static int ival_scanners(const struct truth *t, struct ival *iv)
{
	struct crossing *cr = NULL, *targets = NULL;
	uint64_t *dtimes = NULL;
	struct fact *f;
	size_t n, i = 0;
	int r = -ENOMEM;

	f = facts_copy(t, iv->lo, iv->hi, is_probe, &n);
	if (!f)
		return -ENOMEM;
	iv->scanners = calloc(n ? n : 1, sizeof(*iv->scanners));
	dtimes = calloc(n ? n : 1, sizeof(*dtimes));
	cr = calloc(n ? n : 1, sizeof(*cr));
	targets = calloc(n ? n : 1, sizeof(*targets));
	if (!iv->scanners || !dtimes || !cr || !targets)
		goto out;
	qsort(f, n, sizeof(*f), cmp_src_port_dst);

	while (i < n) {
		size_t j = i;
		struct truth_scanner s;

		while (j < n && addr_eq(&f[j].src, &f[i].src))
			j++;
		if (scanner_check(f + i, j - i, dtimes, cr, targets, &s)) {
			scanner_packets(t, iv, &s);
			iv->scanners[iv->n_scanners++] = s;
		}
		i = j;
	}
	r = 0;
out:
	free(targets);
	free(cr);
	free(dtimes);
	free(f);
	return r;
}

static int find_attacks(struct truth *t)
{
	struct fact *f;
	size_t n, i = 0;

	f = facts_copy(t, 0, t->n_facts, is_victim_backscatter, &n);
	if (!f)
		return -ENOMEM;
	t->attacks = calloc(n ? n : 1, sizeof(*t->attacks));
	if (!t->attacks) {
		free(f);
		return -ENOMEM;
	}
	qsort(f, n, sizeof(*f), cmp_victim_time);

	while (i < n) {
		struct truth_attack a;
		size_t j = i, w = i;

		memset(&a, 0, sizeof(a));
		a.victim = f[i].v.victim;
		a.proto = f[i].v.proto;
		a.first_us = f[i].ts_us;
		while (j < n && addr_eq(&f[j].v.victim, &a.victim) && f[j].v.proto == a.proto &&
		       (j == i || f[j].ts_us - f[j - 1].ts_us <= TRUTH_ATTACK_TIMEOUT_US)) {
			uint64_t bucket = f[j].ts_us / TRUTH_ATTACK_BUCKET_US;

			/* f[w .. j]: the packets in this bucket and the previous ones of the window
			 */
			while (f[w].ts_us / TRUTH_ATTACK_BUCKET_US + (TRUTH_ATTACK_BUCKETS - 1) <
			       bucket)
				w++;
			if (j - w + 1 > a.peak)
				a.peak = j - w + 1;
			a.last_us = f[j].ts_us;
			a.packets++;
			j++;
		}
		a.is_attack = a.packets >= TRUTH_ATTACK_MIN_PACKETS &&
			      a.last_us - a.first_us >= TRUTH_ATTACK_MIN_US &&
			      a.peak >= TRUTH_ATTACK_MIN_PEAK;
		t->attacks[t->n_attacks++] = a;
		i = j;
	}
	qsort(t->attacks, t->n_attacks, sizeof(*t->attacks), cmp_attack_time);
	free(f);
	return 0;
}

static uint64_t count_sources(const struct truth *t)
{
	struct fact *f;
	size_t n;
	uint64_t distinct = 0;

	f = facts_copy(t, 0, t->n_facts, NULL, &n);
	if (!f)
		return 0;
	qsort(f, n, sizeof(*f), cmp_src);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !addr_eq(&f[i - 1].src, &f[i].src))
			distinct++;
	free(f);
	return distinct;
}

int truth_finish(struct truth *t)
{
	const uint64_t step = (uint64_t)t->interval * 1000000;
	size_t i = 0;
	int r;

	if (t->finished || !t->keep_facts)
		goto done;
	t->ivals = calloc(t->n_facts ? t->n_facts : 1, sizeof(*t->ivals));
	if (!t->ivals)
		return -ENOMEM;
	while (i < t->n_facts) {
		struct ival *iv = &t->ivals[t->n_ivals++];
		uint64_t bucket = t->facts[i].ts_us / step;

		iv->start = bucket * t->interval;
		iv->lo = i;
		while (i < t->n_facts && t->facts[i].ts_us / step == bucket) {
			const struct truth_verdict *v = &t->facts[i].v;

			iv->by[v->proto][v->cls]++;
			iv->tools[0] += (v->tools & TRUTH_FP_ZMAP) ? 1 : 0;
			iv->tools[1] += (v->tools & TRUTH_FP_MASSCAN) ? 1 : 0;
			iv->tools[2] += (v->tools & TRUTH_FP_MIRAI) ? 1 : 0;
			i++;
		}
		iv->hi = i;
		r = ival_ports(t, iv);
		if (r == 0)
			r = ival_scanners(t, iv);
		if (r < 0)
			return r;
	}
	r = find_attacks(t);
	if (r < 0)
		return r;
	t->sources = count_sources(t);
	if (t->sources == 0 && t->n_facts > 0)
		return -ENOMEM;
done:
	t->finished = 1;
	return 0;
}

size_t truth_n_intervals(const struct truth *t)
{
	return t->n_ivals;
}

uint64_t truth_interval_start(const struct truth *t, size_t ival)
{
	return ival < t->n_ivals ? t->ivals[ival].start : 0;
}

size_t truth_n_scanners(const struct truth *t, size_t ival)
{
	return ival < t->n_ivals ? t->ivals[ival].n_scanners : 0;
}

const struct truth_scanner *truth_find_scanner(const struct truth *t, size_t ival,
					       const struct gen_addr *src)
{
	if (ival >= t->n_ivals)
		return NULL;
	for (size_t i = 0; i < t->ivals[ival].n_scanners; i++) {
		const struct truth_scanner *s = &t->ivals[ival].scanners[i];
		if (addr_eq(&s->src, src))
			return s;
	}
	return NULL;
}

int truth_src_seen(const struct truth *t, size_t ival, const struct gen_addr *src)
{
	if (ival >= t->n_ivals)
		return 0;
	for (size_t i = t->ivals[ival].lo; i < t->ivals[ival].hi; i++)
		if (addr_eq(&t->facts[i].src, src))
			return 1;
	return 0;
}

size_t truth_n_attacks(const struct truth *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_attacks; i++)
		n += t->attacks[i].is_attack ? 1 : 0;
	return n;
}

const struct truth_attack *truth_find_victim(const struct truth *t, const struct gen_addr *victim)
{
	for (size_t i = 0; i < t->n_attacks; i++)
		if (addr_eq(&t->attacks[i].victim, victim))
			return &t->attacks[i];
	return NULL;
}

uint64_t truth_packets(const struct truth *t)
{
	return t->packets;
}

/* JSON writing. Every string written is ours (names, addresses, timestamps): none needs
 * escaping beyond what json_str() does. */
static void json_str(FILE *f, const char *s)
{
	(void)fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			(void)fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			(void)fputc(*s, f);
	}
	(void)fputc('"', f);
}

static void json_addr(FILE *f, const struct gen_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, buf, sizeof(buf)))
		buf[0] = '\0';
	json_str(f, buf);
}

/* A packet time as the interval record writes it: 2011-03-01T00:03:20.000000Z. */
static void json_iso(FILE *f, uint64_t ts_us)
{
	time_t secs = (time_t)(ts_us / 1000000);
	struct tm tm;
	char buf[80];

	if (!gmtime_r(&secs, &tm) ||
	    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     (unsigned)(ts_us % 1000000)) < 0)
		buf[0] = '\0';
	json_str(f, buf);
}

static void json_by_proto(FILE *f, const uint64_t by[TRUTH_PROTO_MAX][TRUTH_CLASS_MAX])
{
	(void)fputc('{', f);
	for (int p = 0; p < TRUTH_PROTO_MAX; p++) {
		(void)fprintf(f, "%s\"%s\":{", p ? "," : "", proto_names[p]);
		for (int c = 0; c < TRUTH_CLASS_MAX; c++)
			(void)fprintf(f, "%s\"%s\":%" PRIu64, c ? "," : "", class_names[c],
				      by[p][c]);
		(void)fputc('}', f);
	}
	(void)fputc('}', f);
}

static const char *tool_name(uint8_t tool)
{
	switch (tool) {
	case TRUTH_FP_ZMAP:
		return "zmap";
	case TRUTH_FP_MASSCAN:
		return "masscan";
	case TRUTH_FP_MIRAI:
		return "mirai";
	default:
		return NULL;
	}
}

static int scanner_of(const struct ival *iv, const struct gen_addr *src)
{
	for (size_t i = 0; i < iv->n_scanners; i++)
		if (addr_eq(&iv->scanners[i].src, src))
			return 1;
	return 0;
}

static void json_interval(const struct truth *t, const struct ival *iv, FILE *f)
{
	int first = 1;

	(void)fprintf(f, "{\"start\":%" PRIu64 ",\"packets\":%zu,\n   \"by_proto\":", iv->start,
		      iv->hi - iv->lo);
	json_by_proto(f, iv->by);
	(void)fprintf(f,
		      ",\n   \"tools\":{\"zmap\":%" PRIu64 ",\"masscan\":%" PRIu64
		      ",\"mirai\":%" PRIu64 "}",
		      iv->tools[0], iv->tools[1], iv->tools[2]);
	(void)fputs(",\n   \"ports\":[", f);
	for (size_t i = 0; i < iv->n_ports; i++) {
		const struct port_row *p = &iv->ports[i];
		(void)fprintf(f,
			      "%s\n    {\"proto\":\"%s\",\"port\":%u,\"packets\":%" PRIu64
			      ",\"sources\":%" PRIu64 ",\"destinations\":%" PRIu64 "}",
			      i ? "," : "", proto_names[p->proto], (unsigned)p->port, p->packets,
			      p->sources, p->destinations);
	}
	(void)fputs("],\n   \"scanners\":[", f);
	for (size_t i = 0; i < iv->n_scanners; i++) {
		const struct truth_scanner *s = &iv->scanners[i];
		const char *tool = tool_name(s->tool);

		(void)fprintf(f, "%s\n    {\"src\":", i ? "," : "");
		json_addr(f, &s->src);
		(void)fprintf(f, ",\"proto\":\"%s\",\"ports\":[", proto_names[s->proto]);
		for (size_t k = 0; k < s->n_ports; k++)
			(void)fprintf(f, "%s%u", k ? "," : "", (unsigned)s->ports[k]);
		(void)fputs("],\"tool\":", f);
		if (tool)
			json_str(f, tool);
		else
			(void)fputs("null", f);
		(void)fprintf(f,
			      ",\"packets\":%" PRIu64 ",\"destinations\":%" PRIu64
			      ",\"targets\":%" PRIu64 "}",
			      s->packets, s->destinations, s->targets);
	}
	(void)fputs("],\n   \"not_scanners\":[", f);
	for (size_t r = 0; r < t->n_roles; r++) {
		const struct role *ro = &t->roles[r];
		int seen = 0;

		if (!(ro->flags & TRUTH_ROLE_NOT_SCANNER) || scanner_of(iv, &ro->addr))
			continue;
		for (size_t i = iv->lo; i < iv->hi && !seen; i++)
			seen = addr_eq(&t->facts[i].src, &ro->addr);
		if (!seen)
			continue;
		(void)fputs(first ? "" : ",", f);
		json_addr(f, &ro->addr);
		first = 0;
	}
	(void)fputs("]}", f);
}

static void json_attacks(const struct truth *t, FILE *f)
{
	int first = 1;

	(void)fputs(",\n \"attacks\":[", f);
	for (size_t i = 0; i < t->n_attacks; i++) {
		const struct truth_attack *a = &t->attacks[i];

		if (!a->is_attack)
			continue;
		(void)fprintf(f, "%s\n  {\"victim\":", first ? "" : ",");
		json_addr(f, &a->victim);
		(void)fprintf(f, ",\"proto\":\"%s\",\"packets\":%" PRIu64 ",\"start\":",
			      proto_names[a->proto], a->packets);
		json_iso(f, a->first_us);
		(void)fputs(",\"last\":", f);
		json_iso(f, a->last_us);
		(void)fprintf(f,
			      ",\"start_us\":%" PRIu64 ",\"last_us\":%" PRIu64
			      ",\"peak_per_min\":%" PRIu64 "}",
			      a->first_us, a->last_us, a->peak);
		first = 0;
	}
	(void)fputs("],\n \"not_attacks\":[", f);
	first = 1;
	for (size_t r = 0; r < t->n_roles; r++) {
		const struct role *ro = &t->roles[r];
		const struct truth_attack *a;

		if (!(ro->flags & TRUTH_ROLE_NOT_ATTACK))
			continue;
		a = truth_find_victim(t, &ro->addr);
		if (!a || a->is_attack)
			continue;
		(void)fputs(first ? "" : ",", f);
		json_addr(f, &ro->addr);
		first = 0;
	}
	(void)fputc(']', f);
}

int truth_write_json(const struct truth *t, const struct truth_meta *m, FILE *f)
{
	(void)fputs("{\"scenario\":", f);
	json_str(f, m->scenario);
	(void)fprintf(f, ",\"seed\":%" PRIu64 ",\"start\":%" PRIu64 ",\"interval\":%" PRIu32,
		      m->seed, m->start, t->interval);
	if (m->duration)
		(void)fprintf(f, ",\"duration\":%" PRIu64, m->duration);
	(void)fputs(",\"linktype\":", f);
	json_str(f, m->linktype);
	(void)fputs(",\"dark\":", f);
	json_str(f, m->dark);
	if (m->dark6) {
		(void)fputs(",\"dark6\":", f);
		json_str(f, m->dark6);
	}
	(void)fprintf(f, ",\n \"packets\":%" PRIu64 ",\"sources\":%" PRIu64, t->packets,
		      t->sources);
	if (t->packets) {
		(void)fputs(",\"first\":", f);
		json_iso(f, t->first_us);
		(void)fputs(",\"last\":", f);
		json_iso(f, t->last_us);
	}
	(void)fputs(",\n \"by_proto\":", f);
	json_by_proto(f, t->by);

	if (t->keep_facts) {
		(void)fputs(",\n \"roles\":{", f);
		for (size_t r = 0; r < t->n_roles; r++) {
			(void)fputs(r ? "," : "", f);
			json_str(f, t->roles[r].name);
			(void)fputc(':', f);
			json_addr(f, &t->roles[r].addr);
		}
		(void)fputs("},\n \"intervals\":[", f);
		for (size_t i = 0; i < t->n_ivals; i++) {
			(void)fputs(i ? ",\n  " : "\n  ", f);
			json_interval(t, &t->ivals[i], f);
		}
		(void)fputc(']', f);
		json_attacks(t, f);
	}
	(void)fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
