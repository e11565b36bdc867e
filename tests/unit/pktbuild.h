/* pktbuild.h - build test frames byte by byte (tests only) */
#ifndef KEIKAI_TEST_PKTBUILD_H
#define KEIKAI_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pb {
	uint8_t b[2048];
	size_t n;
};

static inline void pb_u8(struct pb *p, unsigned v)
{
	p->b[p->n++] = (uint8_t)v;
}

static inline void pb_u16(struct pb *p, unsigned v)
{
	pb_u8(p, (v >> 8) & 0xff);
	pb_u8(p, v & 0xff);
}

static inline void pb_u32(struct pb *p, uint32_t v)
{
	pb_u16(p, v >> 16);
	pb_u16(p, v & 0xffff);
}

static inline void pb_bytes(struct pb *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static inline void pb_eth(struct pb *p, unsigned type)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	pb_bytes(p, mac, 12);
	pb_u16(p, type);
}

/* IPv4 header without options; total = header + payload length. */
static inline void pb_ipv4(struct pb *p, unsigned proto, uint32_t src, uint32_t dst,
			   unsigned payload, unsigned ttl, unsigned id, unsigned frag)
{
	pb_u8(p, 0x45);
	pb_u8(p, 0);
	pb_u16(p, 20 + payload);
	pb_u16(p, id);
	pb_u16(p, frag);
	pb_u8(p, ttl);
	pb_u8(p, proto);
	pb_u16(p, 0);
	pb_u32(p, src);
	pb_u32(p, dst);
}

static inline void pb_ipv6(struct pb *p, unsigned next, const uint8_t src[16],
			   const uint8_t dst[16], unsigned payload, unsigned hlim)
{
	pb_u32(p, 0x60000000u);
	pb_u16(p, payload);
	pb_u8(p, next);
	pb_u8(p, hlim);
	pb_bytes(p, src, 16);
	pb_bytes(p, dst, 16);
}

static inline void pb_tcp(struct pb *p, unsigned sport, unsigned dport, uint32_t seq,
			  unsigned flags, unsigned win)
{
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u32(p, seq);
	pb_u32(p, 0);
	pb_u8(p, 5 << 4);
	pb_u8(p, flags);
	pb_u16(p, win);
	pb_u16(p, 0);
	pb_u16(p, 0);
}

static inline void pb_udp(struct pb *p, unsigned sport, unsigned dport, unsigned payload)
{
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u16(p, 8 + payload);
	pb_u16(p, 0);
}

static inline void pb_icmp(struct pb *p, unsigned type, unsigned code)
{
	pb_u8(p, type);
	pb_u8(p, code);
	pb_u16(p, 0);
	pb_u32(p, 0);
}

#endif
