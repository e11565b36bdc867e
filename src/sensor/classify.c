/* classify.c - probe / backscatter / other, noise signs, tool fingerprints */
#include "classify.h"

#include <string.h>

#include "../lib/banned.h"

static const char *const class_names[CLASS_MAX] = {"probe", "backscatter", "other"};

static const char *const noise_names[NOISE_MAX_BIT] = {
    "odd_tcp_flags", "ttl_ge_200",   "src_0_or_255",   "src_eq_dst",  "port_0",
    "fragment",	     "reserved_bit", "unroutable_src", "other_proto",
};

static const char *const tool_names[FP_MAX_BIT] = {"zmap", "masscan", "mirai"};

const char *classify_class_name(enum pkt_class c)
{
	return (unsigned)c < CLASS_MAX ? class_names[c] : "unknown";
}

const char *classify_noise_name(unsigned bit)
{
	return bit < NOISE_MAX_BIT ? noise_names[bit] : "unknown";
}

const char *classify_tool_name(unsigned bit)
{
	return bit < FP_MAX_BIT ? tool_names[bit] : "unknown";
}

/* Flag combinations a normal stack sends (corsaro3's list): SYN, ACK, RST, FIN, SYN-FIN is
 * not one of them in practice but corsaro keeps it; we follow the RFC-normal set. ECE/CWR and
 * PSH/URG are ignored except that a packet with URG and no ACK is odd. */
static int tcp_flags_odd(uint8_t f)
{
	uint8_t core = f & (TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK);

	if ((f & TCP_URG) && !(f & TCP_ACK))
		return 1;
	if ((f & TCP_PSH) && !(f & TCP_ACK))
		return 1;
	switch (core) {
	case TCP_SYN:
	case TCP_SYN | TCP_ACK:
	case TCP_ACK:
	case TCP_RST:
	case TCP_RST | TCP_ACK:
	case TCP_FIN | TCP_ACK:
		return 0;
	default:
		return 1;
	}
}

/* Special-purpose IPv4 source ranges (RFC 6890) that cannot be a real sender on the Internet. */
static int v4_unroutable(uint32_t a)
{
	static const struct {
		uint32_t net, mask;
	} r[] = {
	    {0x00000000, 0xff000000}, /* 0/8 */
	    {0x0a000000, 0xff000000}, /* 10/8 */
	    {0x64400000, 0xffc00000}, /* 100.64/10 */
	    {0x7f000000, 0xff000000}, /* 127/8 */
	    {0xa9fe0000, 0xffff0000}, /* 169.254/16 */
	    {0xac100000, 0xfff00000}, /* 172.16/12 */
	    {0xc0000000, 0xffffff00}, /* 192.0.0/24 */
	    {0xc0000200, 0xffffff00}, /* 192.0.2/24 */
	    {0xc0a80000, 0xffff0000}, /* 192.168/16 */
	    {0xc6120000, 0xfffe0000}, /* 198.18/15 */
	    {0xc6336400, 0xffffff00}, /* 198.51.100/24 */
	    {0xcb007100, 0xffffff00}, /* 203.0.113/24 */
	    {0xe0000000, 0xe0000000}, /* 224/3: multicast and reserved */
	};
	/* most sources are ordinary: only these first octets can start a special range */
	uint8_t o = (uint8_t)(a >> 24);
	if (o != 0 && o != 10 && o != 100 && o != 127 && o != 169 && o != 172 && o != 192 &&
	    o != 198 && o != 203 && o < 224)
		return 0;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if ((a & r[i].mask) == r[i].net)
			return 1;
	return 0;
}

static int v6_unroutable(const uint8_t *a)
{
	static const uint8_t zero[16];

	if (memcmp(a, zero, 15) == 0) /* :: and ::1 */
		return 1;
	if (a[0] == 0xff) /* multicast */
		return 1;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
		return 1;
	if ((a[0] & 0xfe) == 0xfc) /* fc00::/7 unique local */
		return 1;
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) /* 2001:db8::/32 */
		return 1;
	return 0;
}

static enum pkt_class classify_icmp4(uint8_t type)
{
	switch (type) {
	case 0:
	case 3:
	case 4:
	case 5:
	case 11:
	case 12:
	case 14:
	case 16:
	case 18:
		return CLASS_BACKSCATTER;
	case 8:
	case 10:
	case 13:
	case 15:
	case 17:
		return CLASS_PROBE;
	default:
		return CLASS_OTHER;
	}
}

static enum pkt_class classify_icmp6(uint8_t type)
{
	if (type >= 1 && type <= 4) /* errors */
		return CLASS_BACKSCATTER;
	if (type == 129) /* echo reply */
		return CLASS_BACKSCATTER;
	if (type == 128) /* echo request */
		return CLASS_PROBE;
	return CLASS_OTHER;
}

static int icmp_is_error(const struct packet *pkt)
{
	uint8_t t = pkt->icmp_type;
	if (pkt->l4 == L4_ICMP)
		return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
	return t >= 1 && t <= 4;
}

void classify_packet(const struct packet *pkt, struct pkt_verdict *ret)
{
	struct pkt_verdict v;

	memset(&v, 0, sizeof(v));
	v.cls = CLASS_OTHER;
	v.victim = pkt->src;
	v.victim_ok = 1;

	switch (pkt->l4) {
	case L4_TCP:
		if ((pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) ||
		    (pkt->tcp_flags & TCP_RST))
			v.cls = CLASS_BACKSCATTER;
		else if (pkt->tcp_flags & TCP_SYN)
			v.cls = CLASS_PROBE;
		v.victim_port = pkt->sport;
		if (tcp_flags_odd(pkt->tcp_flags))
			v.noise |= NOISE_ODD_TCP_FLAGS;
		if (pkt->sport == 0 || pkt->dport == 0)
			v.noise |= NOISE_PORT_0;
		if (pkt->ipver == 4) {
			uint32_t dst = ip_addr_v4(&pkt->dst);
			if (pkt->ip_id == 54321)
				v.tools |= FP_ZMAP;
			if (pkt->ip_id == ((dst ^ pkt->dport ^ pkt->tcp_seq) & 0xffff))
				v.tools |= FP_MASSCAN;
			if (pkt->tcp_seq == dst)
				v.tools |= FP_MIRAI;
		}
		break;
	case L4_UDP:
		v.cls = pkt->sport == 53 ? CLASS_BACKSCATTER : CLASS_PROBE;
		v.victim_port = pkt->sport;
		if (pkt->sport == 0 || pkt->dport == 0)
			v.noise |= NOISE_PORT_0;
		if (pkt->ipver == 4 && pkt->ip_id == 54321)
			v.tools |= FP_ZMAP;
		break;
	case L4_ICMP:
	case L4_ICMP6:
		v.cls = pkt->l4 == L4_ICMP ? classify_icmp4(pkt->icmp_type)
					   : classify_icmp6(pkt->icmp_type);
		if (pkt->ipver == 4 && pkt->ip_id == 54321)
			v.tools |= FP_ZMAP;
		if (v.cls == CLASS_BACKSCATTER && pkt->inner.valid) {
			/* The error quotes the packet the victim received: its destination is the
			 * victim, and its source must be the dark address the error came back to.
			 */
			v.victim = pkt->inner.dst;
			v.victim_port = pkt->inner.dport;
			v.victim_ok = ip_addr_equal(&pkt->inner.src, &pkt->dst);
		} else if (v.cls == CLASS_BACKSCATTER && icmp_is_error(pkt)) {
			/* an error without a usable quote names no victim: its sender is only
			 * the router that reported it */
			v.victim_ok = 0;
		}
		break;
	default:
		if (!pkt->later_fragment)
			v.noise |= NOISE_OTHER_PROTO;
		break;
	}

	if (pkt->ttl >= 200)
		v.noise |= NOISE_TTL_GE_200;
	if (pkt->fragment)
		v.noise |= NOISE_FRAGMENT;
	if (pkt->ip_reserved_bit)
		v.noise |= NOISE_RESERVED_BIT;
	if (ip_addr_equal(&pkt->src, &pkt->dst))
		v.noise |= NOISE_SRC_EQ_DST;
	if (pkt->ipver == 4) {
		uint32_t s = ip_addr_v4(&pkt->src);
		if ((s & 0xff) == 0 || (s & 0xff) == 0xff)
			v.noise |= NOISE_SRC_0_255;
		if (v4_unroutable(s))
			v.noise |= NOISE_UNROUTABLE_SRC;
	} else if (pkt->ipver == 6 && v6_unroutable(pkt->src.a)) {
		v.noise |= NOISE_UNROUTABLE_SRC;
	}
	*ret = v;
}
