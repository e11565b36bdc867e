/* test-classify.c - classes, noise signs and tool marks
 *
 * The TCP flag cases come from real captures (ESnet curated-pcaps, tests/data/pcaps/esnet/
 * tcp-flags): one packet per flag combination, named by its flags (U A P R S F). The expected
 * class is worked out from the name, by the rule in docs/classification.md.
 */
#include <dirent.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../src/sensor/classify.h"
#include "../../src/sensor/decode.h"
#include "pktbuild.h"

static const char *datadir(void)
{
	const char *d = getenv("KEIKAI_TESTDATA");
	return d ? d : "tests/data";
}

static unsigned flags_from_name(const char *name)
{
	unsigned f = 0;
	const char *p = name + 8; /* "one_way_" */
	if (strncmp(p, "None", 4) == 0)
		return 0;
	for (; *p && *p != '.'; p++) {
		switch (*p) {
		case 'U':
			f |= TCP_URG;
			break;
		case 'A':
			f |= TCP_ACK;
			break;
		case 'P':
			f |= TCP_PSH;
			break;
		case 'R':
			f |= TCP_RST;
			break;
		case 'S':
			f |= TCP_SYN;
			break;
		case 'F':
			f |= TCP_FIN;
			break;
		default:
			fail_msg("unexpected flag letter in %s", name);
		}
	}
	return f;
}

static void test_tcp_flag_captures(void **state)
{
	char dir[1024], path[2048], ebuf[PCAP_ERRBUF_SIZE];
	int files = 0;
	(void)state;

	(void)snprintf(dir, sizeof(dir), "%s/pcaps/esnet/tcp-flags", datadir());
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "one_way_", 8) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		pcap_t *pc = pcap_open_offline(path, ebuf);
		assert_non_null(pc);
		struct pcap_pkthdr *h;
		const u_char *data;
		assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
		struct packet pkt = {.ts_usec = 1, .wire_len = h->len};
		assert_int_equal(decode_packet(pcap_datalink(pc), data, h->caplen, &pkt),
				 DECODE_OK);
		unsigned want = flags_from_name(e->d_name);
		assert_int_equal(pkt.tcp_flags & 0x3f, want);

		struct pkt_verdict v;
		classify_packet(&pkt, &v);
		enum pkt_class cls = CLASS_OTHER;
		if ((want & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) || (want & TCP_RST))
			cls = CLASS_BACKSCATTER;
		else if (want & TCP_SYN)
			cls = CLASS_PROBE;
		if (v.cls != cls)
			fail_msg("%s: class %s, want %s", e->d_name, classify_class_name(v.cls),
				 classify_class_name(cls));
		/* normal stacks send these; everything else is flagged */
		unsigned core = want & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);
		int normal =
		    !((want & TCP_URG) && !(want & TCP_ACK)) &&
		    !((want & TCP_PSH) && !(want & TCP_ACK)) &&
		    (core == TCP_SYN || core == (TCP_SYN | TCP_ACK) || core == TCP_ACK ||
		     core == TCP_RST || core == (TCP_RST | TCP_ACK) || core == (TCP_FIN | TCP_ACK));
		assert_int_equal(!(v.noise & NOISE_ODD_TCP_FLAGS), normal);
		pcap_close(pc);
		files++;
	}
	closedir(d);
	assert_true(files >= 60);
}

static struct pkt_verdict classify_raw(const struct pb *p)
{
	struct packet pkt = {.ts_usec = 1, .wire_len = (uint32_t)p->n};
	struct pkt_verdict v;
	assert_int_equal(decode_packet(12, p->b, p->n, &pkt), DECODE_OK);
	classify_packet(&pkt, &v);
	return v;
}

static void test_icmp_udp_classes(void **state)
{
	struct pb p;
	(void)state;
	static const struct {
		unsigned type;
		enum pkt_class cls;
	} icmp[] = {
	    {0, CLASS_BACKSCATTER},  {3, CLASS_BACKSCATTER},  {4, CLASS_BACKSCATTER},
	    {5, CLASS_BACKSCATTER},  {11, CLASS_BACKSCATTER}, {12, CLASS_BACKSCATTER},
	    {14, CLASS_BACKSCATTER}, {16, CLASS_BACKSCATTER}, {18, CLASS_BACKSCATTER},
	    {8, CLASS_PROBE},	     {13, CLASS_PROBE},	      {15, CLASS_PROBE},
	    {17, CLASS_PROBE},	     {10, CLASS_PROBE},	      {9, CLASS_OTHER},
	    {30, CLASS_OTHER},
	};
	for (size_t i = 0; i < sizeof(icmp) / sizeof(icmp[0]); i++) {
		memset(&p, 0, sizeof(p));
		pb_ipv4(&p, 1, 0x2d210101u, 0xcb007105u, 8, 64, 1, 0);
		pb_icmp(&p, icmp[i].type, 0);
		assert_int_equal(classify_raw(&p).cls, icmp[i].cls);
	}
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, 0x2d210101u, 0xcb007105u, 8, 64, 1, 0);
	pb_udp(&p, 53, 40000, 0);
	assert_int_equal(classify_raw(&p).cls, CLASS_BACKSCATTER);
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, 0x2d210101u, 0xcb007105u, 8, 64, 1, 0);
	pb_udp(&p, 40000, 53, 0);
	assert_int_equal(classify_raw(&p).cls, CLASS_PROBE);
}

static void test_noise_and_tools(void **state)
{
	struct pb p;
	struct pkt_verdict v;
	(void)state;

	/* masscan: ip id = (dst ^ dport ^ seq) & 0xffff, TTL >= 200 */
	uint32_t dst = 0xcb007105u, seq = 0x9abcdef0u;
	unsigned id = (dst ^ 445u ^ seq) & 0xffff;
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 6, 0x2d210101u, dst, 20, 250, id, 0);
	pb_tcp(&p, 61000, 445, seq, 0x02, 1024);
	v = classify_raw(&p);
	assert_int_equal(v.cls, CLASS_PROBE);
	assert_true(v.tools & FP_MASSCAN);
	assert_false(v.tools & FP_ZMAP);
	assert_false(v.tools & FP_MIRAI);
	assert_true(v.noise & NOISE_TTL_GE_200);

	/* mirai: seq == destination address; zmap: ip id 54321 */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 6, 0x2d210101u, dst, 20, 64, 54321, 0);
	pb_tcp(&p, 61000, 23, dst, 0x02, 1024);
	v = classify_raw(&p);
	assert_true(v.tools & FP_MIRAI);
	assert_true(v.tools & FP_ZMAP);
	assert_false(v.noise & NOISE_TTL_GE_200);

	/* spoofing signs: source .255, source == destination, port 0, special-purpose source */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, 0x2d2101ffu, dst, 8, 64, 1, 0);
	pb_udp(&p, 0, 1, 0);
	v = classify_raw(&p);
	assert_true(v.noise & NOISE_SRC_0_255);
	assert_true(v.noise & NOISE_PORT_0);
	assert_false(v.noise & NOISE_UNROUTABLE_SRC);
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, dst, dst, 8, 64, 1, 0);
	pb_udp(&p, 1, 1, 0);
	v = classify_raw(&p);
	assert_true(v.noise & NOISE_SRC_EQ_DST);
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, 0xc0a80101u, dst, 8, 64, 1, 0);
	pb_udp(&p, 1, 1, 0);
	assert_true(classify_raw(&p).noise & NOISE_UNROUTABLE_SRC);

	/* GRE is another protocol; a later fragment is only a fragment */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 47, 0x2d210101u, dst, 4, 64, 1, 0);
	pb_u32(&p, 0);
	v = classify_raw(&p);
	assert_int_equal(v.cls, CLASS_OTHER);
	assert_true(v.noise & NOISE_OTHER_PROTO);
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 17, 0x2d210101u, dst, 8, 64, 1, 0x0010);
	pb_u32(&p, 0);
	pb_u32(&p, 0);
	v = classify_raw(&p);
	assert_true(v.noise & NOISE_FRAGMENT);
	assert_false(v.noise & NOISE_OTHER_PROTO);
}

static void test_icmp_error_victim(void **state)
{
	struct pb p;
	struct pkt_verdict v;
	uint32_t dark = 0xcb007105u, victim = 0x05060708u, router = 0x01020304u;
	(void)state;

	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 1, router, dark, 8 + 28, 250, 1, 0);
	pb_icmp(&p, 3, 1);
	pb_ipv4(&p, 6, dark, victim, 20, 64, 9, 0);
	pb_u16(&p, 31337);
	pb_u16(&p, 80);
	pb_u32(&p, 0);
	v = classify_raw(&p);
	assert_int_equal(v.cls, CLASS_BACKSCATTER);
	assert_true(v.victim_ok);
	assert_int_equal(ip_addr_v4(&v.victim), victim);
	assert_int_equal(v.victim_port, 80);

	/* quoted source is not the dark address: Corsaro's mismatch */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 1, router, dark, 8 + 28, 250, 1, 0);
	pb_icmp(&p, 11, 0);
	pb_ipv4(&p, 6, 0x0a0b0c0du, victim, 20, 64, 9, 0);
	pb_u32(&p, 0);
	pb_u32(&p, 0);
	v = classify_raw(&p);
	assert_false(v.victim_ok);

	/* an error quoting too little names no victim (its sender is a router) */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 1, router, dark, 8 + 10, 250, 1, 0);
	pb_icmp(&p, 3, 1);
	pb_u32(&p, 0x45000000u);
	pb_u32(&p, 0);
	pb_u16(&p, 0);
	v = classify_raw(&p);
	assert_int_equal(v.cls, CLASS_BACKSCATTER);
	assert_false(v.victim_ok);

	/* SYN-ACK backscatter: the victim is the sender, its port the source port */
	memset(&p, 0, sizeof(p));
	pb_ipv4(&p, 6, victim, dark, 20, 64, 1, 0);
	pb_tcp(&p, 443, 5555, 1, 0x12, 0);
	v = classify_raw(&p);
	assert_int_equal(v.cls, CLASS_BACKSCATTER);
	assert_int_equal(ip_addr_v4(&v.victim), victim);
	assert_int_equal(v.victim_port, 443);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcp_flag_captures),
	    cmocka_unit_test(test_icmp_udp_classes),
	    cmocka_unit_test(test_noise_and_tools),
	    cmocka_unit_test(test_icmp_error_victim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
