/* portpack.c - a record's port list packed into one database value */
#include "portpack.h"

#include <stdlib.h>

#include "../lib/ckd.h"

#include "../lib/banned.h"

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static bool get_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*off >= len)
			return false;
		uint8_t b = p[(*off)++];
		if (shift == 63 && b > 1)
			return false;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

uint8_t *portpack_encode(const struct obs_port *ports, size_t n, size_t *len)
{
	size_t cap;
	*len = 0;
	if (!ckd_size_mul(n, PORTPACK_MAX, &cap))
		return NULL;
	uint8_t *p = malloc(cap ? cap : 1);
	if (!p)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		p[o++] = ports[i].proto;
		p[o++] = (uint8_t)(ports[i].port & 0xff);
		p[o++] = (uint8_t)(ports[i].port >> 8);
		o += put_varint(p + o, ports[i].packets);
		o += put_varint(p + o, ports[i].sources);
		o += put_varint(p + o, ports[i].destinations);
	}
	*len = o;
	return p;
}

bool portpack_next(const uint8_t *p, size_t len, size_t *off, struct obs_port *out)
{
	if (*off + 3 > len)
		return false;
	out->proto = p[*off];
	out->port = (uint16_t)(p[*off + 1] | p[*off + 2] << 8);
	*off += 3;
	return out->proto < OBS_PROTO_MAX && get_varint(p, len, off, &out->packets) &&
	       get_varint(p, len, off, &out->sources) &&
	       get_varint(p, len, off, &out->destinations);
}
