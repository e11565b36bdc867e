/* aggregate.c - per-interval statistics (see aggregate.h)
 *
 * Tables are open-addressing arrays with linear probing. They start small and double, up to the
 * configured limit, when three quarters full, so memory follows the traffic. In the source and
 * (source, port) tables a slot belongs to the current interval when its epoch equals the
 * aggregator's, so closing an interval only increments the epoch. The two key-only sets,
 * (source, port, destination) and (port, destination), use 8-byte slots and are cleared at the
 * close. IPv4 keys are stored exactly; IPv6 keys and the triples as keyed 64-bit fingerprints,
 * whose chance of a collision is below 1e-6 at full tables.
 */
#include "aggregate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../lib/ckd.h"
#include "../lib/hash.h"
#include "../lib/banned.h"

#define PORT_BASE_TCP	0u
#define PORT_BASE_UDP	65536u
#define PORT_BASE_ICMP	131072u
#define PORT_BASE_ICMP6 (131072u + 256u)
#define PORT_BASE_OTHER (131072u + 512u)
#define PORT_CELLS	(131072u + 768u)
#define V4_MARK		(1ULL << 63)

struct port_cell {
	uint64_t packets;
	uint32_t sources;
	uint32_t dsts;
};

struct kslot {
	uint64_t key;
	uint32_t epoch;
	uint32_t val;
};

struct kset {
	struct kslot *slots;
	uint32_t mask;
	uint32_t used, limit; /* entries in this interval; most allowed */
	uint32_t max_slots;   /* the table grows up to this */
	int hashed;	      /* slot index from hash_u64(key) (else the key is a hash) */
	uint64_t overflow;
};

struct kset8 {
	uint64_t *slots;
	uint32_t mask;
	uint32_t used, limit, max_slots;
	int hashed;
	uint64_t overflow;
};

/* A source: what every packet of it updates, two to a cache line (the table is probed at
 * random, and at a few hundred thousand sources per interval it is as large as the L3 cache).
 * The rest lives in a struct src_aux, made on the first need: an IPv6 address, tool counts,
 * the scanner entry. */
struct src_slot {
	uint64_t key;
	uint32_t epoch;
	uint32_t packets;
	uint32_t first_off, last_off; /* microseconds after the interval start */
	uint32_t targets;	      /* distinct (destination, port) pairs probed */
	uint32_t aux;		      /* its struct src_aux + 1, 0 = none yet */
};

struct src_aux {
	uint32_t fp[FP_MAX_BIT]; /* packets with each tool's mark */
	uint32_t scan_idx;	 /* scanner entry + 1, 0 = none */
	uint8_t addr[16];	 /* an IPv6 source's address (an IPv4 one is its key) */
	uint8_t scan_refused;	 /* a scanner the full scanner list could not take */
	uint8_t pad[3];
};

struct scan_ent {
	uint32_t src_slot;
	uint8_t proto;
	uint8_t n_ports;
	uint16_t ports[OBS_SCANNER_PORTS];
	uint32_t max_dsts;
};

struct aggregate {
	struct aggregate_params p;
	uint32_t epoch;
	int64_t start, end;
	uint64_t start_usec;

	struct port_cell *ports;
	struct kset pairs;
	struct kset8 triples, port_dsts;
	struct src_slot *src;
	uint32_t src_mask, src_used, src_limit, src_max_slots;
	struct src_aux *aux; /* aux_room() entries, of which n_aux are used in this interval */
	uint32_t n_aux;
	uint64_t src_overflow;
	struct scan_ent *scan;
	uint32_t n_scan;
	uint64_t scan_overflow;
	struct dos_table *dos;

	struct obs_record r; /* counters of the interval in progress */
	uint64_t undecoded[DECODE_RESULT_MAX];
	uint64_t noise[NOISE_MAX_BIT];
	uint64_t tools[FP_MAX_BIT];
};

_Static_assert(sizeof(struct src_slot) == 32, "two source slots to a cache line");
_Static_assert((int)L4_TCP == (int)OBS_TCP && (int)L4_OTHER == (int)OBS_OTHER,
	       "l4 and obs protocol numbers agree");

static uint32_t slots_for(uint32_t limit)
{
	/* load factor at most 3/4 */
	uint64_t want = (uint64_t)limit + limit / 3 + 1;
	uint32_t s = 64;
	while (s < want && s < (1u << 31))
		s <<= 1;
	return s;
}

/* Side entries needed for a source table of this many slots: as many as it holds sources, at
 * most three quarters of its slots (then it grows) and at most the limit. */
static uint32_t aux_room(const struct aggregate *a, uint32_t slots)
{
	uint32_t fit = slots - slots / 4;
	return fit < a->src_limit ? fit : a->src_limit;
}

/* Zeroed memory for a table, from its own mapping so that it can use transparent huge pages:
 * the tables are probed at random, and 4 KiB pages would cost a TLB miss on most probes. */
static void *table_alloc(size_t n, size_t size)
{
	size_t bytes;
	if (!ckd_size_mul(n, size, &bytes))
		return NULL;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (bytes >= (2u << 20))
		(void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint; fine if refused */
	return p;
}

static void table_free(void *p, size_t n, size_t size)
{
	if (p)
		(void)munmap(p, n * size);
}

#define TABLE_MIN_SLOTS 4096u

static int kset_init(struct kset *s, uint32_t limit, int hashed)
{
	s->max_slots = slots_for(limit);
	uint32_t n = s->max_slots < TABLE_MIN_SLOTS ? s->max_slots : TABLE_MIN_SLOTS;
	s->slots = table_alloc(n, sizeof(struct kslot));
	if (!s->slots)
		return -ENOMEM;
	s->mask = n - 1;
	s->limit = limit;
	s->hashed = hashed;
	return 0;
}

static void kset_done(struct kset *s)
{
	table_free(s->slots, (size_t)s->mask + 1, sizeof(struct kslot));
	s->slots = NULL;
}

static inline uint32_t kset_index(const struct kset *s, uint64_t key)
{
	return (uint32_t)(s->hashed ? hash_u64(key) : key) & s->mask;
}

/* Double the table, keeping this interval's entries. On out-of-memory the table stays as it
 * is and its current size becomes its maximum: it fills to three quarters, then counts
 * overflow. */
static void kset_grow(struct kset *s, uint32_t epoch)
{
	uint32_t old_n = s->mask + 1, n = old_n * 2;
	struct kslot *old = s->slots, *nw = table_alloc(n, sizeof(*nw));

	if (!nw) {
		s->max_slots = old_n;
		return;
	}
	s->slots = nw;
	s->mask = n - 1;
	for (uint32_t i = 0; i < old_n; i++) {
		if (old[i].epoch != epoch)
			continue;
		uint32_t j = kset_index(s, old[i].key);
		while (nw[j].epoch == epoch)
			j = (j + 1) & s->mask;
		nw[j] = old[i];
	}
	table_free(old, old_n, sizeof(*old));
}

/* Find key (slot hash h) or insert it into the current epoch. NULL when full (counted). The
 * table may grow, which moves every slot: a pointer from an earlier call is then stale. */
static inline struct kslot *kset_get(struct kset *s, uint32_t epoch, uint64_t key, uint64_t h,
				     int *ret_new)
{
	uint32_t i = (uint32_t)h & s->mask;

	for (;;) {
		struct kslot *e = &s->slots[i];
		if (e->epoch != epoch) {
			if (s->used >= s->limit) {
				s->overflow++;
				return NULL;
			}
			if ((uint64_t)(s->used + 1) * 4 > (uint64_t)(s->mask + 1) * 3) {
				/* past the load factor: grow, or, when the table could not grow,
				 * refuse (never fill it, which would make probing endless) */
				if (s->mask + 1 >= s->max_slots) {
					s->overflow++;
					return NULL;
				}
				kset_grow(s, epoch);
				i = (uint32_t)h & s->mask;
				continue;
			}
			e->key = key;
			e->epoch = epoch;
			e->val = 0;
			s->used++;
			*ret_new = 1;
			return e;
		}
		if (e->key == key) {
			*ret_new = 0;
			return e;
		}
		i = (i + 1) & s->mask;
	}
}

/* A set of 64-bit keys in 8-byte slots (0 = empty), emptied by clearing at each interval close:
 * half the memory of a struct kslot table, which matters because these two sets are the
 * largest and are probed at random for nearly every packet. */

static inline uint64_t kset8_stored(uint64_t key)
{
	/* 0 marks an empty slot; the one key that would map onto it is folded onto its
	 * neighbour, a collision that cannot happen for exact keys (they never reach ~0) */
	return key == UINT64_MAX ? key : key + 1;
}

static int kset8_init(struct kset8 *s, uint32_t limit, int hashed)
{
	s->max_slots = slots_for(limit);
	uint32_t n = s->max_slots < TABLE_MIN_SLOTS ? s->max_slots : TABLE_MIN_SLOTS;
	s->slots = table_alloc(n, sizeof(uint64_t));
	if (!s->slots)
		return -ENOMEM;
	s->mask = n - 1;
	s->limit = limit;
	s->hashed = hashed;
	return 0;
}

static void kset8_done(struct kset8 *s)
{
	table_free(s->slots, (size_t)s->mask + 1, sizeof(uint64_t));
	s->slots = NULL;
}

static void kset8_clear(struct kset8 *s)
{
	if (s->used)
		memset(s->slots, 0, ((size_t)s->mask + 1) * sizeof(uint64_t));
	s->used = 0;
	s->overflow = 0;
}

static inline uint32_t kset8_index(const struct kset8 *s, uint64_t stored)
{
	uint64_t key = stored == UINT64_MAX ? stored : stored - 1;
	return (uint32_t)(s->hashed ? hash_u64(key) : key) & s->mask;
}

static void kset8_grow(struct kset8 *s)
{
	uint32_t old_n = s->mask + 1, n = old_n * 2;
	uint64_t *old = s->slots, *nw = table_alloc(n, sizeof(*nw));

	if (!nw) {
		s->max_slots = old_n;
		return;
	}
	s->slots = nw;
	s->mask = n - 1;
	for (uint32_t i = 0; i < old_n; i++) {
		if (!old[i])
			continue;
		uint32_t j = kset8_index(s, old[i]);
		while (nw[j])
			j = (j + 1) & s->mask;
		nw[j] = old[i];
	}
	table_free(old, old_n, sizeof(*old));
}

/* Insert key (slot hash h). Returns 1 when new, 0 when present, -1 when full (counted). */
static inline int kset8_add(struct kset8 *s, uint64_t key, uint64_t h)
{
	uint64_t k = kset8_stored(key);
	uint32_t i = (uint32_t)h & s->mask;

	for (;;) {
		uint64_t e = s->slots[i];
		if (e == 0) {
			if (s->used >= s->limit) {
				s->overflow++;
				return -1;
			}
			if ((uint64_t)(s->used + 1) * 4 > (uint64_t)(s->mask + 1) * 3) {
				if (s->mask + 1 >= s->max_slots) {
					s->overflow++;
					return -1;
				}
				kset8_grow(s);
				i = (uint32_t)h & s->mask;
				continue;
			}
			s->slots[i] = k;
			s->used++;
			return 1;
		}
		if (e == k)
			return 0;
		i = (i + 1) & s->mask;
	}
}

size_t aggregate_memory_bound(const struct aggregate_params *p)
{
	size_t total = sizeof(struct aggregate), x;
	const uint32_t lim[3] = {p->max_pairs, p->max_triples, p->max_port_dsts};
	const size_t slot_size[3] = {sizeof(struct kslot), sizeof(uint64_t), sizeof(uint64_t)};

	for (int k = 0; k < 3; k++) {
		if (!ckd_size_mul(slots_for(lim[k]), slot_size[k], &x) ||
		    !ckd_size_add(total, x, &total))
			return SIZE_MAX;
	}
	if (!ckd_size_mul(slots_for(p->max_sources), sizeof(struct src_slot), &x) ||
	    !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	if (!ckd_size_mul(p->max_sources, sizeof(struct src_aux), &x) ||
	    !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	if (!ckd_size_mul(p->max_scanners, sizeof(struct scan_ent), &x) ||
	    !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	if (!ckd_size_mul(PORT_CELLS, sizeof(struct port_cell), &x) ||
	    !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	if (!ckd_size_add(total, dos_table_memory_bound(&p->dos), &total))
		return SIZE_MAX;
	/* the record built at close: ports, scanners, attacks, top sources */
	if (!ckd_size_mul(PORT_CELLS, sizeof(struct obs_port), &x) ||
	    !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	/* the two index arrays that rank the ports (port_order) */
	if (!ckd_size_mul(PORT_CELLS, 2 * sizeof(uint32_t), &x) || !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	if (!ckd_size_mul(p->max_scanners, sizeof(struct obs_scanner), &x) ||
	    !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	/* at a close: every open vector plus as many that ended and restarted */
	if (!ckd_size_mul((size_t)p->dos.max_vectors * 2, sizeof(struct obs_dos), &x) ||
	    !ckd_size_add(total, x, &total))
		return SIZE_MAX;
	return total;
}

struct aggregate *aggregate_new(const struct aggregate_params *p)
{
	struct aggregate *a;

	if (p->max_sources == 0 || p->max_pairs == 0 || p->max_triples == 0 ||
	    p->max_port_dsts == 0 || p->scan_min_dsts == 0 || p->scan_min_targets == 0 ||
	    p->top_n > 1000 || p->max_sources > (1u << 30) || p->max_pairs > (1u << 30) ||
	    p->max_triples > (1u << 30) || p->max_port_dsts > (1u << 30))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->p = *p;
	a->epoch = 1;
	ALLOC_ARRAY(a->ports, PORT_CELLS);
	a->src_max_slots = slots_for(p->max_sources);
	uint32_t ns = a->src_max_slots < TABLE_MIN_SLOTS ? a->src_max_slots : TABLE_MIN_SLOTS;
	a->src = table_alloc(ns, sizeof(struct src_slot));
	a->src_mask = ns - 1;
	a->src_limit = p->max_sources;
	ALLOC_ARRAY(a->aux, aux_room(a, ns));
	if (p->max_scanners > 0)
		ALLOC_ARRAY(a->scan, p->max_scanners);
	a->dos = dos_table_new(&p->dos);
	if (!a->ports || !a->src || !a->aux || (p->max_scanners > 0 && !a->scan) || !a->dos ||
	    kset_init(&a->pairs, p->max_pairs, 1) < 0 ||
	    kset8_init(&a->triples, p->max_triples, 0) < 0 ||
	    kset8_init(&a->port_dsts, p->max_port_dsts, 1) < 0) {
		aggregate_free(a);
		return NULL;
	}
	return a;
}

void aggregate_free(struct aggregate *a)
{
	if (!a)
		return;
	free(a->ports);
	table_free(a->src, (size_t)a->src_mask + 1, sizeof(struct src_slot));
	free(a->aux);
	free(a->scan);
	kset_done(&a->pairs);
	kset8_done(&a->triples);
	kset8_done(&a->port_dsts);
	dos_table_free(a->dos);
	free(a);
}

void aggregate_begin(struct aggregate *a, int64_t start, int64_t end)
{
	a->start = start;
	a->end = end;
	a->start_usec = start > 0 ? (uint64_t)start * 1000000u : 0;
}

static inline uint64_t addr_words(const struct ip_addr *ad, uint64_t *w1)
{
	uint64_t w0;
	memcpy(&w0, ad->a, 8);
	memcpy(w1, ad->a + 8, 8);
	return w0;
}

/* Key for (address, port index): exact for IPv4, a fingerprint for IPv6. */
static inline uint64_t addr_port_key(const struct ip_addr *ad, uint32_t pidx)
{
	if (ad->family == 4)
		return V4_MARK | (uint64_t)pidx << 32 | ip_addr_v4(ad);
	uint64_t w1, w0 = addr_words(ad, &w1);
	/* the address's fingerprint first, then the port: (w0 ^ pidx) would make addresses and
	 * ports that differ by the same bits one key */
	return hash_u64(hash_u64(hash_u64(w0) ^ w1) ^ pidx) & ~V4_MARK;
}

static inline uint64_t source_key(const struct ip_addr *src)
{
	if (src->family == 4)
		return V4_MARK | ip_addr_v4(src);
	uint64_t w1, w0 = addr_words(src, &w1);
	return hash_u64(hash_u64(w0) ^ w1) & ~V4_MARK;
}

void aggregate_pkt_make(const struct packet *pkt, const struct pkt_verdict *v, struct agg_pkt *ret,
			struct agg_extra *ret_x)
{
	uint32_t pidx;
	uint16_t port;

	switch (pkt->l4) {
	case L4_TCP:
		port = pkt->dport;
		pidx = PORT_BASE_TCP + port;
		break;
	case L4_UDP:
		port = pkt->dport;
		pidx = PORT_BASE_UDP + port;
		break;
	case L4_ICMP:
		port = pkt->icmp_type;
		pidx = PORT_BASE_ICMP + port;
		break;
	case L4_ICMP6:
		port = pkt->icmp_type;
		pidx = PORT_BASE_ICMP6 + port;
		break;
	default:
		port = pkt->ipproto;
		pidx = PORT_BASE_OTHER + port;
		break;
	}
	/* everything is computed from *pkt, *v and locals, and *ret is only written: its lines
	 * are often still in the counting thread's cache, and a load from them that the store
	 * buffer cannot forward waits until they arrive */
	uint64_t skey = source_key(&pkt->src), pk = addr_port_key(&pkt->src, pidx);
	uint64_t dk = addr_port_key(&pkt->dst, pidx), tk = 0, ph = hash_u64(pk);
	if (v->cls == CLASS_PROBE) {
		/* each part goes through the keyed hash before the next is mixed in: combining
		 * the raw words (pk ^ w0) would make triples whose sources and destinations differ
		 * by the same bits one key, and count their destinations as one */
		uint64_t w1, w0 = addr_words(&pkt->dst, &w1);
		tk = hash_u64(hash_u64(ph ^ w0) ^ w1);
	}
	ret->k.skey = skey;
	ret->k.sh = hash_u64(skey);
	ret->k.pk = pk;
	ret->k.ph = ph;
	ret->k.dk = dk;
	ret->k.dh = hash_u64(dk);
	ret->k.tk = tk;
	ret->ts_usec = pkt->ts_usec;
	ret->wire_len = pkt->wire_len;
	ret->pidx = pidx;
	ret->port = port;
	ret->noise = v->noise;
	ret->ipver = pkt->ipver;
	ret->l4 = (uint8_t)pkt->l4;
	ret->cls = (uint8_t)v->cls;
	ret->tools = v->tools;
	if (pkt->src.family != 4)
		ret_x->src6 = pkt->src;
	if (v->cls == CLASS_BACKSCATTER) {
		ret_x->victim = v->victim;
		ret_x->dst = pkt->dst;
		ret_x->victim_port = v->victim_port;
		ret_x->victim_ok = v->victim_ok;
	}
}

/* The source's rarer fields, made zeroed on the first call in the interval. There is always
 * room: one per source, and a->aux grows with the source table to hold as many sources as the
 * table can (source_grow). */
static inline struct src_aux *source_aux(struct aggregate *a, struct src_slot *s)
{
	if (!s->aux) {
		struct src_aux *x = &a->aux[a->n_aux++];
		memset(x, 0, sizeof(*x));
		s->aux = a->n_aux;
	}
	return &a->aux[s->aux - 1];
}

static void source_grow(struct aggregate *a)
{
	uint32_t old_n = a->src_mask + 1, n = old_n * 2;
	struct src_slot *old = a->src, *nw = table_alloc(n, sizeof(*nw));
	uint32_t room = aux_room(a, n);
	struct src_aux *aux = nw ? realloc(a->aux, (size_t)room * sizeof(*aux)) : NULL;

	if (!aux) {
		table_free(nw, n, sizeof(*nw));
		a->src_max_slots = old_n;
		return;
	}
	a->aux = aux;
	a->src = nw;
	a->src_mask = n - 1;
	for (uint32_t i = 0; i < old_n; i++) {
		if (old[i].epoch != a->epoch)
			continue;
		uint32_t j = (uint32_t)hash_u64(old[i].key) & a->src_mask;
		while (nw[j].epoch == a->epoch)
			j = (j + 1) & a->src_mask;
		nw[j] = old[i];
		if (nw[j].aux && a->aux[nw[j].aux - 1].scan_idx)
			a->scan[a->aux[nw[j].aux - 1].scan_idx - 1].src_slot = j;
	}
	table_free(old, old_n, sizeof(*old));
}

/* Find or insert the source with key (hash h); an IPv6 source's address is x->src6. NULL when
 * full (counted). May grow the table. */
static inline struct src_slot *source_get(struct aggregate *a, const struct agg_extra *x,
					  uint64_t key, uint64_t h)
{
	uint32_t i = (uint32_t)h & a->src_mask;
	for (;;) {
		struct src_slot *s = &a->src[i];
		if (s->epoch != a->epoch) {
			if (a->src_used >= a->src_limit) {
				a->src_overflow++;
				return NULL;
			}
			if ((uint64_t)(a->src_used + 1) * 4 > (uint64_t)(a->src_mask + 1) * 3) {
				if (a->src_mask + 1 >= a->src_max_slots) {
					a->src_overflow++;
					return NULL;
				}
				source_grow(a);
				i = (uint32_t)h & a->src_mask;
				continue;
			}
			memset(s, 0, sizeof(*s));
			s->key = key;
			s->epoch = a->epoch;
			s->first_off = UINT32_MAX;
			a->src_used++;
			/* an IPv4 key holds the address; an IPv6 one is a fingerprint */
			if (!(key & V4_MARK))
				memcpy(source_aux(a, s)->addr, x->src6.a, 16);
			return s;
		}
		if (s->key == key)
			return s;
		i = (i + 1) & a->src_mask;
	}
}

static void scanner_note(struct aggregate *a, struct src_slot *s, uint8_t proto, uint16_t port,
			 uint32_t dsts, int crossed)
{
	struct scan_ent *e;
	uint32_t idx = s->aux ? a->aux[s->aux - 1].scan_idx : 0;

	if (idx == 0) {
		if (!crossed && s->targets < a->p.scan_min_targets)
			return;
		struct src_aux *x = source_aux(a, s);
		if (a->n_scan >= a->p.max_scanners) {
			/* count each refused source once, not each of its later probes */
			if (!x->scan_refused)
				a->scan_overflow++;
			x->scan_refused = 1;
			return;
		}
		e = &a->scan[a->n_scan++];
		memset(e, 0, sizeof(*e));
		e->src_slot = (uint32_t)(s - a->src);
		e->proto = proto;
		x->scan_idx = a->n_scan;
	} else {
		e = &a->scan[idx - 1];
	}
	if (crossed) {
		if (e->n_ports < OBS_SCANNER_PORTS)
			e->ports[e->n_ports] = port;
		if (e->n_ports < UINT8_MAX)
			e->n_ports++;
	}
	if (dsts > e->max_dsts)
		e->max_dsts = dsts;
}

/* Prefetch the slots of one packet, to be counted a few packets later. Always inlined: gcc
 * takes a call of it for one without effects, and drops it. */
static inline __attribute__((always_inline)) void
packet_prefetch(const struct aggregate *a, const struct agg_pkt *pkt, const struct agg_extra *x)
{
	const struct agg_keys *k = &pkt->k;
	/* the side data, where used, is on one or two lines that the reading thread wrote */
	if (pkt->cls == CLASS_BACKSCATTER || pkt->ipver != 4) {
		__builtin_prefetch(&x->src6, 0);
		__builtin_prefetch(&x->victim_ok, 0);
	}
	__builtin_prefetch(&a->ports[pkt->pidx], 1);
	__builtin_prefetch(&a->src[k->sh & a->src_mask], 1);
	__builtin_prefetch(&a->pairs.slots[k->ph & a->pairs.mask], 1);
	__builtin_prefetch(&a->port_dsts.slots[k->dh & a->port_dsts.mask], 1);
	if (pkt->cls == CLASS_PROBE)
		__builtin_prefetch(&a->triples.slots[k->tk & a->triples.mask], 1);
}

static void account_packet(struct aggregate *a, const struct agg_pkt *pkt,
			   const struct agg_extra *x)
{
	const struct agg_keys *k = &pkt->k;
	uint32_t pidx = pkt->pidx;
	struct port_cell *pc = &a->ports[pidx];
	struct obs_record *r = &a->r;
	int is_new = 0;

	r->packets++;
	r->bytes += pkt->wire_len;
	if (pkt->ipver == 4)
		r->ipv4++;
	else
		r->ipv6++;
	r->by_proto_class[pkt->l4][pkt->cls]++;
	for (unsigned b = pkt->noise; b; b &= b - 1)
		a->noise[__builtin_ctz(b)]++;
	for (unsigned b = pkt->tools; b; b &= b - 1)
		a->tools[__builtin_ctz(b)]++;
	pc->packets++;

	/* per source */
	struct src_slot *s = source_get(a, x, k->skey, k->sh);
	if (s) {
		uint64_t off = pkt->ts_usec > a->start_usec ? pkt->ts_usec - a->start_usec : 0;
		uint32_t o = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
		s->packets++;
		if (o < s->first_off)
			s->first_off = o;
		if (o > s->last_off)
			s->last_off = o;
		if (pkt->tools) {
			struct src_aux *sx = source_aux(a, s);
			for (unsigned b = pkt->tools; b; b &= b - 1)
				sx->fp[__builtin_ctz(b)]++;
		}
	}

	/* distinct sources per port */
	struct kslot *pair = kset_get(&a->pairs, a->epoch, k->pk, k->ph, &is_new);
	if (pair && is_new)
		pc->sources++;

	/* distinct destinations per port */
	if (kset8_add(&a->port_dsts, k->dk, k->dh) == 1)
		pc->dsts++;

	/* scanners: distinct destinations per (source, port), probes only */
	if (pkt->cls == CLASS_PROBE && pair) {
		if (kset8_add(&a->triples, k->tk, k->tk) == 1) {
			pair->val++;
			uint32_t idx = s && s->aux ? a->aux[s->aux - 1].scan_idx : 0;
			if (s && ++s->targets == a->p.scan_min_targets && idx == 0)
				scanner_note(a, s, pkt->l4, 0, pair->val, 0);
			else if (idx != 0 && pair->val < a->p.scan_min_dsts &&
				 pair->val > a->scan[idx - 1].max_dsts)
				a->scan[idx - 1].max_dsts = pair->val;
			if (s && pair->val >= a->p.scan_min_dsts) {
				scanner_note(a, s, pkt->l4, pkt->port, pair->val,
					     pair->val == a->p.scan_min_dsts);
			}
		}
	}

	/* backscatter attacks */
	if (pkt->cls == CLASS_BACKSCATTER) {
		if (!x->victim_ok)
			r->icmp_mismatch++;
		else
			(void)dos_table_add(a->dos, &x->victim, pkt->l4, &x->dst, x->victim_port,
					    pkt->ts_usec);
	}
}

void aggregate_packets(struct aggregate *a, const struct agg_pkt *pkts, const struct agg_extra *xs,
		       size_t n)
{
	size_t ahead = n < AGGREGATE_AHEAD ? n : AGGREGATE_AHEAD;

	/* a sliding window: the slots of packet i + AGGREGATE_AHEAD are prefetched just before
	 * packet i is counted, so that a steady number of memory loads is in flight while the
	 * packets are counted (the tables are too large for the caches) */
	for (size_t i = 0; i < ahead; i++)
		packet_prefetch(a, &pkts[i], &xs[i]);
	for (size_t i = 0; i < n; i++) {
		if (i + AGGREGATE_AHEAD < n)
			packet_prefetch(a, &pkts[i + AGGREGATE_AHEAD], &xs[i + AGGREGATE_AHEAD]);
		account_packet(a, &pkts[i], &xs[i]);
	}
}

void aggregate_packet(struct aggregate *a, const struct packet *pkt, const struct pkt_verdict *v)
{
	struct agg_pkt p;
	struct agg_extra x;
	aggregate_pkt_make(pkt, v, &p, &x);
	aggregate_packets(a, &p, &x, 1);
}

void aggregate_undecoded(struct aggregate *a, enum decode_result r)
{
	if ((unsigned)r < DECODE_RESULT_MAX)
		a->undecoded[r]++;
}

void aggregate_not_dark(struct aggregate *a)
{
	a->r.not_dark++;
}

void aggregate_ts_backwards(struct aggregate *a)
{
	a->r.ts_backwards++;
}

void aggregate_drops(struct aggregate *a, uint64_t kernel, uint64_t ifdrop)
{
	a->r.kernel_drops += kernel;
	a->r.if_drops += ifdrop;
}

static int port_cmp(const void *x, const void *y)
{
	const struct obs_port *p = x, *q = y;
	if (p->packets != q->packets)
		return p->packets < q->packets ? 1 : -1;
	if (p->proto != q->proto)
		return p->proto < q->proto ? -1 : 1;
	return p->port < q->port ? -1 : p->port > q->port;
}

/* Most packets first, then by address: a total order, so lists do not depend on table layout. */
static int rank_cmp(uint64_t pa, const struct ip_addr *a, uint64_t pb, const struct ip_addr *b)
{
	if (pa != pb)
		return pa < pb ? 1 : -1;
	return ip_addr_cmp(a, b);
}

static int top_cmp(const void *x, const void *y)
{
	const struct obs_top_source *p = x, *q = y;
	return rank_cmp(p->packets, &p->src, q->packets, &q->src);
}

static int scanner_cmp(const void *x, const void *y)
{
	const struct obs_scanner *p = x, *q = y;
	return rank_cmp(p->packets, &p->src, q->packets, &q->src);
}

static int dos_cmp(const void *x, const void *y)
{
	const struct obs_dos *p = x, *q = y;
	return rank_cmp(p->packets, &p->victim, q->packets, &q->victim);
}

static void slot_addr(const struct aggregate *a, const struct src_slot *s, struct ip_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (s->key & V4_MARK) {
		/* V4_MARK | host-order address */
		ret->family = 4;
		ret->a[0] = (uint8_t)(s->key >> 24);
		ret->a[1] = (uint8_t)(s->key >> 16);
		ret->a[2] = (uint8_t)(s->key >> 8);
		ret->a[3] = (uint8_t)s->key;
	} else {
		ret->family = 6;
		memcpy(ret->a, a->aux[s->aux - 1].addr, 16);
	}
}

/* Whether x ranks below y: fewer packets, or as many and a higher address. A total order, so
 * the top list does not depend on where the hash put each source. */
static int top_less(const struct obs_top_source *x, const struct obs_top_source *y)
{
	if (x->packets != y->packets)
		return x->packets < y->packets;
	return top_cmp(x, y) > 0;
}

/* Keep the top_n sources: a min-heap (lowest rank at the root) over the live slots. */
static int collect_top(struct aggregate *a, struct obs_record *r)
{
	uint32_t n = a->p.top_n, k = 0;
	struct obs_top_source *h;

	if (n == 0 || a->src_used == 0)
		return 0;
	ALLOC_ARRAY(h, n);
	if (!h)
		return -ENOMEM;
	for (uint32_t i = 0; i <= a->src_mask; i++) {
		const struct src_slot *s = &a->src[i];
		if (s->epoch != a->epoch)
			continue;
		if (k < n) {
			slot_addr(a, s, &h[k].src);
			h[k].packets = s->packets;
			/* sift up */
			for (uint32_t c = k++; c > 0;) {
				uint32_t par = (c - 1) / 2;
				if (!top_less(&h[c], &h[par]))
					break;
				struct obs_top_source t = h[par];
				h[par] = h[c];
				h[c] = t;
				c = par;
			}
		} else {
			struct obs_top_source cand;
			slot_addr(a, s, &cand.src);
			cand.packets = s->packets;
			if (!top_less(&h[0], &cand))
				continue;
			h[0] = cand;
			for (uint32_t c = 0;;) {
				uint32_t l = 2 * c + 1, m = c;
				if (l < n && top_less(&h[l], &h[m]))
					m = l;
				if (l + 1 < n && top_less(&h[l + 1], &h[m]))
					m = l + 1;
				if (m == c)
					break;
				struct obs_top_source t = h[m];
				h[m] = h[c];
				h[c] = t;
				c = m;
			}
		}
	}
	qsort(h, k, sizeof(*h), top_cmp);
	r->top = h;
	r->n_top = k;
	return 0;
}

static const char *scanner_tool(const struct aggregate *a, const struct src_slot *s)
{
	/* a tool is named when most of the source's packets carry its mark */
	static const unsigned order[] = {1, 0, 2}; /* masscan, zmap, mirai */
	if (!s->aux)
		return NULL;
	const struct src_aux *x = &a->aux[s->aux - 1];
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (x->fp[order[i]] * 2 > s->packets)
			return classify_tool_name(order[i]);
	return NULL;
}

static void port_row(const struct port_cell *cells, uint32_t i, struct obs_port *p)
{
	const struct port_cell *c = &cells[i];
	if (i < PORT_BASE_UDP) {
		p->proto = OBS_TCP;
		p->port = (uint16_t)i;
	} else if (i < PORT_BASE_ICMP) {
		p->proto = OBS_UDP;
		p->port = (uint16_t)(i - PORT_BASE_UDP);
	} else if (i < PORT_BASE_ICMP6) {
		p->proto = OBS_ICMP;
		p->port = (uint16_t)(i - PORT_BASE_ICMP);
	} else if (i < PORT_BASE_OTHER) {
		p->proto = OBS_ICMP6;
		p->port = (uint16_t)(i - PORT_BASE_ICMP6);
	} else {
		p->proto = OBS_OTHER;
		p->port = (uint16_t)(i - PORT_BASE_OTHER);
	}
	p->packets = c->packets;
	p->sources = c->sources;
	p->destinations = c->dsts;
}

/* The np cells with packets in port_cmp's order (most packets first, then by protocol and
 * port), as a new array of cell indexes; NULL on out-of-memory. Cell index order is protocol
 * and port order, so a stable sort by packets alone gives that order: a least significant
 * digit radix sort, a byte at a time, skipping the bytes that all counts share (the high ones). */
static uint32_t *port_order(const struct port_cell *cells, size_t np)
{
	uint32_t *order, *tmp;
	size_t k = 0, count[256];

	ALLOC_ARRAY(order, np);
	ALLOC_ARRAY(tmp, np);
	if (!order || !tmp) {
		free(order);
		free(tmp);
		return NULL;
	}
	for (uint32_t i = 0; i < PORT_CELLS; i++)
		if (cells[i].packets)
			order[k++] = i;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof(count));
		for (size_t j = 0; j < np; j++)
			count[255 - ((cells[order[j]].packets >> shift) & 255)]++;
		if (count[255 - ((cells[order[0]].packets >> shift) & 255)] == np)
			continue; /* every count has this byte: the order stands */
		size_t sum = 0;
		for (unsigned d = 0; d < 256; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t j = 0; j < np; j++)
			tmp[count[255 - ((cells[order[j]].packets >> shift) & 255)]++] = order[j];
		uint32_t *t = order;
		order = tmp;
		tmp = t;
	}
	free(tmp);
	return order;
}

int aggregate_close(struct aggregate *a, int64_t end, int final, struct obs_record *ret)
{
	struct obs_record *r = &a->r;
	size_t np = 0;

	r->start = a->start;
	r->end = end;

	for (uint32_t i = 0; i < PORT_CELLS; i++)
		if (a->ports[i].packets)
			np++;
	if (np) {
		ALLOC_ARRAY(r->ports, np);
		if (!r->ports)
			goto nomem;
		uint32_t *order = port_order(a->ports, np);
		if (order) {
			for (size_t k = 0; k < np; k++)
				port_row(a->ports, order[k], &r->ports[k]);
			free(order);
		} else {
			/* no room for the ranking: rows in cell order, then a comparison sort */
			size_t k = 0;
			for (uint32_t i = 0; i < PORT_CELLS; i++)
				if (a->ports[i].packets)
					port_row(a->ports, i, &r->ports[k++]);
			qsort(r->ports, np, sizeof(*r->ports), port_cmp);
		}
		r->n_ports = np;
	}

	if (a->n_scan) {
		ALLOC_ARRAY(r->scanners, a->n_scan);
		if (!r->scanners)
			goto nomem;
		for (uint32_t i = 0; i < a->n_scan; i++) {
			const struct scan_ent *e = &a->scan[i];
			const struct src_slot *s = &a->src[e->src_slot];
			struct obs_scanner *o = &r->scanners[i];
			slot_addr(a, s, &o->src);
			o->proto = e->proto;
			o->n_ports = e->n_ports;
			memcpy(o->ports, e->ports, sizeof(o->ports));
			o->packets = s->packets;
			o->destinations = e->max_dsts;
			o->targets = s->targets;
			o->first_usec = a->start_usec + s->first_off;
			o->last_usec = a->start_usec + s->last_off;
			o->tool = scanner_tool(a, s);
		}
		r->n_scanners = a->n_scan;
		qsort(r->scanners, r->n_scanners, sizeof(*r->scanners), scanner_cmp);
	}

	if (collect_top(a, r) < 0)
		goto nomem;
	if (dos_table_close_interval(a->dos, end > 0 ? (uint64_t)end * 1000000u : 0, final, &r->dos,
				     &r->n_dos) < 0)
		goto nomem;
	if (r->n_dos > 1)
		qsort(r->dos, r->n_dos, sizeof(*r->dos), dos_cmp);

	for (unsigned i = 1; i < DECODE_RESULT_MAX; i++)
		if (a->undecoded[i])
			obs_named_add(&r->decode, decode_result_name((enum decode_result)i),
				      a->undecoded[i]);
	for (unsigned i = 0; i < NOISE_MAX_BIT; i++)
		obs_named_add(&r->noise, classify_noise_name(i), a->noise[i]);
	for (unsigned i = 0; i < FP_MAX_BIT; i++)
		obs_named_add(&r->tools, classify_tool_name(i), a->tools[i]);
	{
		const struct {
			const char *name;
			uint64_t v;
		} of[] = {
		    {"sources", a->src_overflow},
		    {"source_ports", a->pairs.overflow},
		    {"source_port_destinations", a->triples.overflow},
		    {"port_destinations", a->port_dsts.overflow},
		    {"scanners", a->scan_overflow},
		    {"dos_vectors", dos_table_take_overflow(a->dos)},
		};
		for (size_t i = 0; i < sizeof(of) / sizeof(of[0]); i++)
			if (of[i].v)
				obs_named_add(&r->overflow, of[i].name, of[i].v);
	}

	*ret = *r;
	/* reset for the next interval */
	memset(r, 0, sizeof(*r));
	memset(a->undecoded, 0, sizeof(a->undecoded));
	memset(a->noise, 0, sizeof(a->noise));
	memset(a->tools, 0, sizeof(a->tools));
	memset(a->ports, 0, PORT_CELLS * sizeof(*a->ports));
	a->epoch++;
	a->src_used = 0;
	a->n_aux = 0;
	a->src_overflow = 0;
	a->pairs.used = 0;
	a->pairs.overflow = 0;
	kset8_clear(&a->triples);
	kset8_clear(&a->port_dsts);
	a->n_scan = 0;
	a->scan_overflow = 0;
	return 0;
nomem:
	free(r->ports);
	free(r->scanners);
	free(r->top);
	r->ports = NULL;
	r->scanners = NULL;
	r->top = NULL;
	r->n_ports = r->n_scanners = r->n_top = 0;
	return -ENOMEM;
}
