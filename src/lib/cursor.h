/* cursor.h - bounds-checked reads from untrusted binary input (CERT ARR30-C)
 *
 * A cursor is a (pointer, remaining length) view. Every read checks the remaining length first
 * and fails without moving when the input is too short, so a parser never reads past its input.
 * Multi-byte reads are big-endian (network order).
 */
#ifndef KEIKAI_CURSOR_H
#define KEIKAI_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *p;
	size_t len;
};

static inline struct cursor cursor_make(const uint8_t *p, size_t len)
{
	struct cursor c = {p, len};
	return c;
}

static inline bool cursor_has(const struct cursor *c, size_t n)
{
	return c->len >= n;
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
	if (c->len < n)
		return false;
	c->p += n;
	c->len -= n;
	return true;
}

/* Big-endian loads at offset off; the caller has checked cursor_has(c, off + width). */
static inline uint8_t cursor_peek_u8(const struct cursor *c, size_t off)
{
	return c->p[off];
}

static inline uint16_t cursor_peek_be16(const struct cursor *c, size_t off)
{
	return (uint16_t)((unsigned)c->p[off] << 8 | (unsigned)c->p[off + 1]);
}

static inline uint32_t cursor_peek_be32(const struct cursor *c, size_t off)
{
	return (uint32_t)c->p[off] << 24 | (uint32_t)c->p[off + 1] << 16 |
	       (uint32_t)c->p[off + 2] << 8 | (uint32_t)c->p[off + 3];
}

static inline uint16_t cursor_peek_le16(const struct cursor *c, size_t off)
{
	return (uint16_t)((unsigned)c->p[off + 1] << 8 | (unsigned)c->p[off]);
}

static inline bool cursor_read_u8(struct cursor *c, uint8_t *ret)
{
	if (c->len < 1)
		return false;
	*ret = c->p[0];
	c->p += 1;
	c->len -= 1;
	return true;
}

static inline bool cursor_read_be16(struct cursor *c, uint16_t *ret)
{
	if (c->len < 2)
		return false;
	*ret = cursor_peek_be16(c, 0);
	c->p += 2;
	c->len -= 2;
	return true;
}

static inline bool cursor_read_be32(struct cursor *c, uint32_t *ret)
{
	if (c->len < 4)
		return false;
	*ret = cursor_peek_be32(c, 0);
	c->p += 4;
	c->len -= 4;
	return true;
}

#endif
