/* hash.c - keyed 64-bit hashing */
#include "hash.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "banned.h"

uint64_t hash_key0 = 0x243f6a8885a308d3ULL, hash_key1 = 0x13198a2e03707344ULL;

int hash_seed_random(void)
{
	uint64_t k[2];
	ssize_t n = getrandom(k, sizeof(k), 0);

	if (n != (ssize_t)sizeof(k))
		return n < 0 ? -errno : -EIO;
	hash_key0 = k[0];
	hash_key1 = k[1] | 1;
	return 0;
}

void hash_seed_set(uint64_t k0, uint64_t k1)
{
	hash_key0 = k0;
	hash_key1 = k1 | 1;
}

uint64_t hash_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = hash_u64(len);

	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = hash_u64(h ^ w);
		b += 8;
		len -= 8;
	}
	if (len > 0) {
		uint64_t w = 0;
		memcpy(&w, b, len);
		h = hash_u64(h ^ w ^ 0x8000000000000000ULL);
	}
	return h;
}
