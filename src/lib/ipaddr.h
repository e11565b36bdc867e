/* ipaddr.h - IPv4/IPv6 addresses and prefixes
 *
 * struct ip_addr holds either family in 16 bytes; an IPv4 address is stored in the first four
 * bytes with the rest zero, so two addresses compare equal with memcmp of the whole struct.
 */
#ifndef KEIKAI_IPADDR_H
#define KEIKAI_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

struct ip_addr {
	uint8_t family; /* 4 or 6; 0 = unset */
	uint8_t pad[3];
	uint8_t a[16];
};

struct ip_prefix {
	struct ip_addr addr; /* host bits cleared */
	uint8_t len;
};

/* Build an IPv4 address from a host-order 32-bit value. */
void ip_addr_set4(struct ip_addr *ret, uint32_t v4);
/* Build an IPv6 address from 16 network-order bytes. */
void ip_addr_set6(struct ip_addr *ret, const uint8_t b[16]);
/* The IPv4 address as a host-order value; 0 for IPv6. */
uint32_t ip_addr_v4(const struct ip_addr *a);
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Order: IPv4 before IPv6, then by address bytes. <0, 0 or >0 like memcmp. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);

/* Format into buf (at least IP_ADDR_STRLEN bytes); returns buf. */
char *ip_addr_format(const struct ip_addr *a, char *buf, size_t size);

/* Parse "192.0.2.1" or "2001:db8::1". Returns 0 or -EINVAL; *ret untouched on failure. */
int ip_addr_parse(const char *s, struct ip_addr *ret);

/* Parse "192.0.2.0/24" or "2001:db8::/32" (a bare address is a host prefix). Host bits are
 * cleared. Returns 0 or -EINVAL; *ret untouched on failure. */
int ip_prefix_parse(const char *s, struct ip_prefix *ret);

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);

/* Format "addr/len" into buf (at least IP_ADDR_STRLEN + 4 bytes); returns buf. */
char *ip_prefix_format(const struct ip_prefix *p, char *buf, size_t size);

#endif
