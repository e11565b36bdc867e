/* ipaddr.c - IPv4/IPv6 addresses and prefixes */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

void ip_addr_set4(struct ip_addr *ret, uint32_t v4)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = 4;
	ret->a[0] = (uint8_t)(v4 >> 24);
	ret->a[1] = (uint8_t)(v4 >> 16);
	ret->a[2] = (uint8_t)(v4 >> 8);
	ret->a[3] = (uint8_t)v4;
}

void ip_addr_set6(struct ip_addr *ret, const uint8_t b[16])
{
	memset(ret, 0, sizeof(*ret));
	ret->family = 6;
	memcpy(ret->a, b, 16);
}

uint32_t ip_addr_v4(const struct ip_addr *a)
{
	if (a->family != 4)
		return 0;
	return (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 |
	       (uint32_t)a->a[3];
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, sizeof(a->a)) == 0;
}

int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

char *ip_addr_format(const struct ip_addr *a, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (a->family == 4)
		(void)inet_ntop(AF_INET, a->a, buf, (socklen_t)size);
	else if (a->family == 6)
		(void)inet_ntop(AF_INET6, a->a, buf, (socklen_t)size);
	return buf;
}

int ip_addr_parse(const char *s, struct ip_addr *ret)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		memset(ret, 0, sizeof(*ret));
		ret->family = 4;
		memcpy(ret->a, b, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		ip_addr_set6(ret, b);
		return 0;
	}
	return -EINVAL;
}

static void clear_host_bits(struct ip_addr *a, unsigned len)
{
	unsigned bits = a->family == 4 ? 32 : 128;

	for (unsigned i = len; i < bits; i++)
		a->a[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

int ip_prefix_parse(const char *s, struct ip_prefix *ret)
{
	char buf[IP_ADDR_STRLEN + 8];
	struct ip_prefix p;
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	char *end;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&p, 0, sizeof(p));
	if (ip_addr_parse(buf, &p.addr) < 0)
		return -EINVAL;
	len = p.addr.family == 4 ? 32 : 128;
	if (slash) {
		unsigned long max = len;
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || len > max)
			return -EINVAL;
	}
	p.len = (uint8_t)len;
	clear_host_bits(&p.addr, p.len);
	*ret = p;
	return 0;
}

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(p->addr.a, a->a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return (a->a[full] & mask) == p->addr.a[full];
}

char *ip_prefix_format(const struct ip_prefix *p, char *buf, size_t size)
{
	char a[IP_ADDR_STRLEN];

	(void)ip_addr_format(&p->addr, a, sizeof(a));
	(void)snprintf(buf, size, "%s/%u", a, (unsigned)p->len);
	return buf;
}
