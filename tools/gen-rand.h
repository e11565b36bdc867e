/* gen-rand.h - the traffic generator's deterministic PRNG: splitmix64 to seed xoshiro256**
 *
 * One stream per generator run, so a given --seed always yields the same packets on every
 * platform. Not for anything security-related. Not thread-safe: one struct gen_rand per thread.
 */
#ifndef KEIKAI_GEN_RAND_H
#define KEIKAI_GEN_RAND_H

#include <stdint.h>

struct gen_rand {
	uint64_t s[4];
};

static inline uint64_t gen_rand_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seed the state from one 64-bit value; every seed (0 included) gives a non-zero state. */
static inline void gen_rand_seed(struct gen_rand *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = gen_rand_splitmix(&x);
}

static inline uint64_t gen_rand_rotl(uint64_t v, int k)
{
	return (v << k) | (v >> (64 - k));
}

static inline uint64_t gen_rand_next(struct gen_rand *r)
{
	uint64_t *s = r->s;
	uint64_t result = gen_rand_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rand_rotl(s[3], 45);
	return result;
}

static inline uint32_t gen_rand_u32(struct gen_rand *r)
{
	return (uint32_t)(gen_rand_next(r) >> 32);
}

static inline uint16_t gen_rand_u16(struct gen_rand *r)
{
	return (uint16_t)(gen_rand_next(r) >> 48);
}

/* Uniform in [0, n); n must be > 0. Lemire's multiply-and-reject, so no modulo bias. */
static inline uint64_t gen_rand_below(struct gen_rand *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)gen_rand_next(r) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = (0 - n) % n;
		while (low < threshold) {
			m = (unsigned __int128)gen_rand_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* Uniform in [lo, hi]; lo <= hi. */
static inline uint64_t gen_rand_range(struct gen_rand *r, uint64_t lo, uint64_t hi)
{
	return lo + gen_rand_below(r, hi - lo + 1);
}

/* Uniform double in [0, 1). */
static inline double gen_rand_unit(struct gen_rand *r)
{
	return (double)(gen_rand_next(r) >> 11) * 0x1.0p-53;
}

#endif
