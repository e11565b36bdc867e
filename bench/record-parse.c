/* record-parse.c - how fast obs_record_from_json() reads a large record
 *
 * Builds a record like a large telescope's (30,000 ports, 1,000 scanners, 1,000 attacks, 1,000
 * top sources), writes it with obs_record_to_json(), then times reading it back, and, for
 * comparison, jansson building its tree of the same text (no validation). Prints MB/s.
 * Built on request: ninja -C build bench/bench-record-parse
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/obs/record.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine may be busy */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n_ports = argc > 1 ? strtoul(argv[1], NULL, 10) : 30000, n_list = 1000;
	unsigned rounds = 20;
	struct obs_record r;
	static const char *const noise[] = {"odd_tcp_flags", "ttl_ge_200",     "src_0_or_255",
					    "src_eq_dst",    "port_0",	       "fragment",
					    "reserved_bit",  "unroutable_src", "other_proto"};
	static const char *const tools[] = {"zmap", "masscan", "mirai"};

	memset(&r, 0, sizeof(r));
	snprintf(r.sensor, sizeof(r.sensor), "bench-1");
	r.start = 1298937600;
	r.end = r.start + 300;
	r.interval = 300;
	r.ports = calloc(n_ports, sizeof(*r.ports));
	r.scanners = calloc(n_list, sizeof(*r.scanners));
	r.dos = calloc(n_list, sizeof(*r.dos));
	r.top = calloc(n_list, sizeof(*r.top));
	if (!r.ports || !r.scanners || !r.dos || !r.top)
		return 1;
	for (size_t i = 0; i < n_ports; i++) {
		struct obs_port *p = &r.ports[i];
		p->proto = i < 65536 ? OBS_TCP : OBS_UDP;
		p->port = (uint16_t)(i % 65536);
		p->packets = 1 + (i * 7919) % 100000;
		p->sources = 1 + i % 977;
		p->destinations = 1 + i % 4093;
		r.packets += p->packets;
		r.by_proto_class[p->proto][OBS_PROBE] += p->packets;
	}
	r.ipv4 = r.packets;
	r.bytes = r.packets * 60;
	r.captured = r.packets;
	for (size_t i = 0; i < n_list; i++) {
		ip_addr_set4(&r.scanners[i].src, 0x2d000000u + (uint32_t)i);
		r.scanners[i].n_ports = 3;
		r.scanners[i].ports[0] = 23;
		r.scanners[i].ports[1] = 2323;
		r.scanners[i].ports[2] = 80;
		r.scanners[i].packets = 100000 + i;
		r.scanners[i].destinations = 4000;
		r.scanners[i].targets = 12000;
		r.scanners[i].first_usec = (uint64_t)r.start * 1000000u + i;
		r.scanners[i].last_usec = (uint64_t)r.end * 1000000u - 1 - i;
		r.scanners[i].tool = i % 2 ? "zmap" : NULL;
		ip_addr_set4(&r.dos[i].victim, 0xc6336400u + (uint32_t)i);
		r.dos[i].n_ports = 2;
		r.dos[i].ports[0] = 80;
		r.dos[i].ports[1] = 443;
		r.dos[i].packets = r.dos[i].packets_interval = 5000 + i;
		r.dos[i].destinations = 300;
		r.dos[i].peak_per_min = 900;
		r.dos[i].start_usec = r.scanners[i].first_usec;
		r.dos[i].last_usec = r.scanners[i].last_usec;
		r.dos[i].ongoing = true;
		r.top[i].src = r.scanners[i].src;
		r.top[i].packets = r.scanners[i].packets;
	}
	r.n_ports = n_ports;
	r.n_scanners = r.n_dos = r.n_top = n_list;
	for (size_t i = 0; i < 9; i++)
		obs_named_add(&r.noise, noise[i], i);
	for (size_t i = 0; i < 3; i++)
		obs_named_add(&r.tools, tools[i], i);

	size_t len;
	char *text = obs_record_to_json(&r, &len);
	obs_record_done(&r);
	if (!text)
		return 1;

	struct obs_record back;
	struct obs_parse_error e;
	double t0 = now();
	for (unsigned i = 0; i < rounds; i++) {
		if (obs_record_from_json(text, len, &back, &e) != 0) {
			fprintf(stderr, "refused: %s\n", e.message);
			return 1;
		}
		obs_record_done(&back);
	}
	double t_parse = (now() - t0) / rounds;

	t0 = now();
	for (unsigned i = 0; i < rounds; i++) {
		json_error_t je;
		json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		if (!j)
			return 1;
		json_decref(j);
	}
	double t_jansson = (now() - t0) / rounds;

	printf("record: %zu ports, %zu scanners, %zu attacks, %zu top sources, %.2f MB\n", n_ports,
	       n_list, n_list, n_list, (double)len / 1e6);
	printf("obs_record_from_json (parse + validate): %.2f ms, %.0f MB/s\n", t_parse * 1e3,
	       (double)len / 1e6 / t_parse);
	printf("jansson json_loadb (tree only):         %.2f ms, %.0f MB/s\n", t_jansson * 1e3,
	       (double)len / 1e6 / t_jansson);
	free(text);
	return 0;
}
