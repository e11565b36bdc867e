/* dos.c - backscatter DoS vectors (see dos.h) */
#include "dos.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ckd.h"
#include "../lib/hash.h"
#include "../lib/banned.h"

#define DOS_MAX_SLIDES 64
#define HLL_BITS       8
#define HLL_REGS       (1u << HLL_BITS)

struct dos_vector {
	struct ip_addr victim;
	uint8_t proto;
	uint8_t pad;
	uint16_t n_ports; /* distinct victim ports (exact up to OBS_DOS_PORTS) */
	uint16_t ports[OBS_DOS_PORTS];
	uint64_t port_bits[4]; /* 256-bit hashed port set beyond the listed ones */
	uint64_t packets;
	uint64_t packets_interval;
	uint64_t start_usec, last_usec;
	uint64_t cur_slide;  /* index of the newest slide bucket */
	uint32_t window_sum; /* packets in the current window */
	uint32_t peak;	     /* most packets in any window */
	uint32_t ring[DOS_MAX_SLIDES];
	uint8_t hll[HLL_REGS]; /* distinct dark destinations */
};

struct dos_table {
	struct dos_params p;
	struct obs_dos *ended; /* attacks that ended between interval closes (restarted vectors) */
	uint32_t n_ended;
	uint32_t nslides;
	struct dos_vector *vec; /* dense, n_vec used */
	uint32_t n_vec;
	uint32_t *index; /* open addressing: vec index + 1, 0 = empty */
	uint32_t index_mask;
	uint64_t overflow;
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t s = 16;
	while (s < n && s < (1u << 30))
		s <<= 1;
	return s;
}

size_t dos_table_memory_bound(const struct dos_params *p)
{
	size_t v = 0, i = 0, e = 0, sum = 0;
	uint32_t slots = pow2_at_least((uint64_t)p->max_vectors * 2);

	if (!ckd_size_mul(p->max_vectors, sizeof(struct dos_vector), &v) ||
	    !ckd_size_mul(slots, sizeof(uint32_t), &i) ||
	    !ckd_size_mul(p->max_vectors, sizeof(struct obs_dos), &e) ||
	    !ckd_size_add(v, i, &sum) || !ckd_size_add(sum, e, &sum))
		return SIZE_MAX;
	return sum + sizeof(struct dos_table);
}

struct dos_table *dos_table_new(const struct dos_params *p)
{
	struct dos_table *t;

	if (p->slide_s == 0 || p->window_s % p->slide_s != 0 ||
	    p->window_s / p->slide_s > DOS_MAX_SLIDES || p->window_s / p->slide_s == 0 ||
	    p->max_vectors == 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->p = *p;
	t->nslides = p->window_s / p->slide_s;
	uint32_t slots = pow2_at_least((uint64_t)p->max_vectors * 2);
	ALLOC_ARRAY(t->vec, p->max_vectors);
	ALLOC_ARRAY(t->index, slots);
	ALLOC_ARRAY(t->ended, p->max_vectors);
	if (!t->vec || !t->index || !t->ended) {
		dos_table_free(t);
		return NULL;
	}
	t->index_mask = slots - 1;
	return t;
}

void dos_table_free(struct dos_table *t)
{
	if (!t)
		return;
	free(t->vec);
	free(t->index);
	free(t->ended);
	free(t);
}

static uint64_t vector_hash(const struct ip_addr *a, uint8_t proto)
{
	uint64_t w0, w1;
	memcpy(&w0, a->a, 8);
	memcpy(&w1, a->a + 8, 8);
	return hash_u64(hash_u64(w0 ^ ((uint64_t)a->family << 56) ^ proto) ^ w1);
}

static void hll_add(uint8_t *regs, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - HLL_BITS));
	uint64_t rest = h << HLL_BITS;
	uint8_t rank = (uint8_t)(rest ? __builtin_clzll(rest) + 1 : 64 - HLL_BITS + 1);
	if (rank > regs[idx])
		regs[idx] = rank;
}

/* HyperLogLog estimate with the linear-counting correction for small sets (Flajolet et al.
 * 2007; Heule et al. 2013): about 5% error for tens to thousands of addresses, exact-ish for a
 * handful, in 256 bytes per vector. */
static uint64_t hll_estimate(const uint8_t *regs)
{
	double sum = 0.0;
	unsigned zeros = 0;
	const double m = HLL_REGS;

	for (unsigned i = 0; i < HLL_REGS; i++) {
		sum += ldexp(1.0, -(int)regs[i]);
		if (regs[i] == 0)
			zeros++;
	}
	double alpha = 0.7213 / (1.0 + 1.079 / m);
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / zeros);
	return (uint64_t)(e + 0.5);
}

static void vector_add_port(struct dos_vector *v, uint16_t port)
{
	for (unsigned i = 0; i < v->n_ports && i < OBS_DOS_PORTS; i++)
		if (v->ports[i] == port)
			return;
	if (v->n_ports < OBS_DOS_PORTS) {
		v->ports[v->n_ports++] = port;
		return;
	}
	uint32_t b = (uint32_t)(hash_u64(port) & 255);
	if (!(v->port_bits[b / 64] & (1ULL << (b % 64)))) {
		v->port_bits[b / 64] |= 1ULL << (b % 64);
		if (v->n_ports < UINT16_MAX)
			v->n_ports++;
	}
}

/* Move the sliding window forward to slide s, dropping buckets that leave it. */
static void vector_advance(struct dos_vector *v, uint64_t s, uint32_t nslides)
{
	if (s <= v->cur_slide)
		return;
	uint64_t steps = s - v->cur_slide;
	if (steps >= nslides) {
		memset(v->ring, 0, sizeof(v->ring));
		v->window_sum = 0;
	} else {
		for (uint64_t k = 1; k <= steps; k++) {
			uint32_t slot = (uint32_t)((v->cur_slide + k) % nslides);
			v->window_sum -= v->ring[slot];
			v->ring[slot] = 0;
		}
	}
	v->cur_slide = s;
}

static void vector_reset(struct dos_vector *v, const struct ip_addr *victim, uint8_t proto,
			 uint64_t ts, uint64_t slide)
{
	memset(v, 0, sizeof(*v));
	v->victim = *victim;
	v->proto = proto;
	v->start_usec = ts;
	v->last_usec = ts;
	v->cur_slide = slide;
}

static int vector_is_attack(const struct dos_table *t, const struct dos_vector *v)
{
	return v->packets >= t->p.min_packets &&
	       v->last_usec - v->start_usec >= (uint64_t)t->p.min_duration_s * 1000000u &&
	       v->peak >= t->p.min_rate;
}

static void vector_report(const struct dos_vector *v, int ongoing, struct obs_dos *d)
{
	memset(d, 0, sizeof(*d));
	d->victim = v->victim;
	d->proto = v->proto;
	d->packets = v->packets;
	d->packets_interval = v->packets_interval;
	d->destinations = hll_estimate(v->hll);
	d->n_ports = v->n_ports;
	memcpy(d->ports, v->ports, sizeof(d->ports));
	d->peak_per_min = v->peak;
	d->start_usec = v->start_usec;
	d->last_usec = v->last_usec;
	d->ongoing = ongoing != 0;
}

int dos_table_add(struct dos_table *t, const struct ip_addr *victim, uint8_t proto,
		  const struct ip_addr *dst, uint16_t vport, uint64_t ts_usec)
{
	uint64_t h = vector_hash(victim, proto);
	uint32_t i = (uint32_t)h & t->index_mask;
	uint64_t slide = ts_usec / ((uint64_t)t->p.slide_s * 1000000u);
	struct dos_vector *v = NULL;

	for (;;) {
		uint32_t e = t->index[i];
		if (e == 0)
			break;
		struct dos_vector *c = &t->vec[e - 1];
		if (c->proto == proto && ip_addr_equal(&c->victim, victim)) {
			v = c;
			break;
		}
		i = (i + 1) & t->index_mask;
	}
	if (!v) {
		if (t->n_vec >= t->p.max_vectors) {
			t->overflow++;
			return -ENOSPC;
		}
		v = &t->vec[t->n_vec++];
		t->index[i] = t->n_vec;
		vector_reset(v, victim, proto, ts_usec, slide);
	} else if (ts_usec > v->last_usec &&
		   ts_usec - v->last_usec >= (uint64_t)t->p.timeout_s * 1000000u) {
		/* Idle past the timeout before an interval close noticed: the old vector
		 * ended. If it was an attack it is kept to be reported, as ended, at the next
		 * close (room for max_vectors of them, past that counted as overflow); then a
		 * new vector starts. */
		if (vector_is_attack(t, v)) {
			if (t->n_ended < t->p.max_vectors)
				vector_report(v, 0, &t->ended[t->n_ended++]);
			else
				t->overflow++;
		}
		vector_reset(v, victim, proto, ts_usec, slide);
	}

	vector_advance(v, slide, t->nslides);
	v->ring[v->cur_slide % t->nslides]++;
	v->window_sum++;
	if (v->window_sum > v->peak)
		v->peak = v->window_sum;
	v->packets++;
	v->packets_interval++;
	if (ts_usec > v->last_usec)
		v->last_usec = ts_usec;
	vector_add_port(v, vport);

	uint64_t w0, w1;
	memcpy(&w0, dst->a, 8);
	memcpy(&w1, dst->a + 8, 8);
	hll_add(v->hll, hash_u64(hash_u64(w0 ^ 0x5bd1e995u) ^ w1));
	return 0;
}

static void rebuild_index(struct dos_table *t)
{
	memset(t->index, 0, ((size_t)t->index_mask + 1) * sizeof(uint32_t));
	for (uint32_t k = 0; k < t->n_vec; k++) {
		uint32_t i =
		    (uint32_t)vector_hash(&t->vec[k].victim, t->vec[k].proto) & t->index_mask;
		while (t->index[i] != 0)
			i = (i + 1) & t->index_mask;
		t->index[i] = k + 1;
	}
}

int dos_table_close_interval(struct dos_table *t, uint64_t now_usec, int final,
			     struct obs_dos **ret, size_t *ret_n)
{
	struct obs_dos *out = NULL;
	size_t n = 0;
	uint32_t keep = 0;
	uint64_t timeout = (uint64_t)t->p.timeout_s * 1000000u;

	*ret = NULL;
	*ret_n = 0;
	if (t->n_vec == 0 && t->n_ended == 0)
		return 0;
	ALLOC_ARRAY(out, (size_t)t->n_vec + t->n_ended);
	if (!out)
		return -ENOMEM;
	memcpy(out, t->ended, t->n_ended * sizeof(*out));
	n = t->n_ended;
	t->n_ended = 0;
	for (uint32_t k = 0; k < t->n_vec; k++) {
		struct dos_vector *v = &t->vec[k];
		int expired = now_usec > v->last_usec && now_usec - v->last_usec >= timeout;
		if (vector_is_attack(t, v) && (v->packets_interval > 0 || expired || final))
			vector_report(v, !expired, &out[n++]);
		v->packets_interval = 0;
		if (!expired) {
			if (keep != k)
				t->vec[keep] = *v;
			keep++;
		}
	}
	if (keep != t->n_vec) {
		t->n_vec = keep;
		rebuild_index(t);
	}
	if (n == 0) {
		free(out);
		out = NULL;
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

uint64_t dos_table_take_overflow(struct dos_table *t)
{
	uint64_t o = t->overflow;
	t->overflow = 0;
	return o;
}
