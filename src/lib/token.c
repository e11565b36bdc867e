/* token.c - bearer tokens */
#include "token.h"

#include <sodium.h>
#include <string.h>

#include "banned.h"

int token_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void token_new(char *buf, size_t size)
{
	uint8_t raw[32];
	char enc[64];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(enc, sizeof enc, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	if (size < TOKEN_LEN + 1) {
		if (size)
			buf[0] = 0;
		return;
	}
	memcpy(buf, "kk_", 3);
	memcpy(buf + 3, enc, 43);
	buf[TOKEN_LEN] = 0;
	sodium_memzero(enc, sizeof enc);
}

void token_hash(const char *tok, size_t len, uint8_t out[TOKEN_HASH_LEN])
{
	static const uint8_t key[] = "keikai token v1";
	crypto_generichash(out, TOKEN_HASH_LEN, (const uint8_t *)tok, len, key, sizeof key - 1);
}
