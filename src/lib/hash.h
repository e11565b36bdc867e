/* hash.h - keyed 64-bit hashing and bounded open-addressing tables
 *
 * Telescope traffic is attacker-controlled (sources are often spoofed), so every table hashes
 * with a per-process random key: a sender cannot precompute colliding keys.
 */
#ifndef KEIKAI_HASH_H
#define KEIKAI_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Fill the process-wide hash key from getrandom(); call once at start. Returns 0 or -errno.
 * Without a call the key is a fixed constant (deterministic tests). */
int hash_seed_random(void);
/* Set the key explicitly (tests, reproducible runs). */
void hash_seed_set(uint64_t k0, uint64_t k1);

extern uint64_t hash_key0, hash_key1;

/* Mix one 64-bit value with the process key (a strong finaliser, not a MAC). */
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= hash_key0;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	x ^= hash_key1;
	x *= 0x9e3779b97f4a7c15ULL;
	x ^= x >> 29;
	return x;
}

/* Hash an arbitrary byte string. */
uint64_t hash_bytes(const void *p, size_t len);

#endif
