/* portpack.c - a record's port list packed into one database value */
#include "portpack.h"

#include <stdlib.h>
#include <string.h>

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

uint8_t *portpack_sources(const struct obs_top_source *top, const char (*cc)[3],
			  const uint32_t *asn, size_t n, size_t *len)
{
	size_t cap;
	*len = 0;
	if (!ckd_size_mul(n, 1 + 16 + 2 + 5 + 10, &cap))
		return NULL;
	uint8_t *p = malloc(cap ? cap : 1);
	if (!p)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ip_addr *a = &top[i].src;
		size_t alen = a->family == 6 ? 16 : 4;
		p[o++] = a->family == 6 ? 6 : 4;
		memcpy(p + o, a->a, alen);
		o += alen;
		p[o++] = cc && cc[i][0] ? (uint8_t)cc[i][0] : 0;
		p[o++] = cc && cc[i][0] ? (uint8_t)cc[i][1] : 0;
		o += put_varint(p + o, asn ? asn[i] : 0);
		o += put_varint(p + o, top[i].packets);
	}
	*len = o;
	return p;
}

bool portpack_next_source(const uint8_t *p, size_t len, size_t *off, struct portpack_source *out)
{
	if (*off >= len)
		return false;
	uint8_t fam = p[*off];
	size_t alen = fam == 6 ? 16 : fam == 4 ? 4 : 0;
	if (!alen || *off + 1 + alen + 2 > len)
		return false;
	memset(out, 0, sizeof *out);
	out->src.family = fam;
	memcpy(out->src.a, p + *off + 1, alen);
	*off += 1 + alen;
	if (p[*off]) {
		out->cc[0] = (char)p[*off];
		out->cc[1] = (char)p[*off + 1];
	}
	*off += 2;
	uint64_t asn;
	if (!get_varint(p, len, off, &asn) || asn > UINT32_MAX ||
	    !get_varint(p, len, off, &out->packets))
		return false;
	out->asn = (uint32_t)asn;
	return true;
}
