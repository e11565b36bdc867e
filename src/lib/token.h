/* token.h - bearer tokens: made from the system's random source, kept only as hashes
 *
 * A token is "kk_" and 43 base64url characters (256 random bits). The store keeps its BLAKE2b
 * hash, so a stolen database does not give working tokens; the token itself is shown once.
 * Tokens are looked up by hash, which is safe without a constant-time comparison because the
 * attacker does not control the hash.
 */
#ifndef KEIKAI_TOKEN_H
#define KEIKAI_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_LEN      46 /* "kk_" + 43 characters */
#define TOKEN_HASH_LEN 32 /* bytes */

/* Initialise libsodium; 0 or -1. Call once before threads start. */
int token_init(void);

/* Make a new token into buf (at least TOKEN_LEN + 1 bytes). */
void token_new(char *buf, size_t size);

/* Hash a presented token (any bytes, any length up to 4096). */
void token_hash(const char *tok, size_t len, uint8_t out[TOKEN_HASH_LEN]);

#endif
