/* bare-loop.c - the floor for reading a capture: libpcap's offline read loop and nothing else
 *
 * usage: bare-loop FILE
 *
 * Reads every packet with pcap_next_ex(), touching its caplen and first byte so the loop cannot
 * be optimised away, and prints "packets=N seconds=S" (wall clock of the loop alone). The
 * sensor benchmark reports the sensor's rate as a share of this one.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../src/lib/banned.h"

static double now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	volatile uint64_t sink = 0;
	uint64_t packets = 0;
	double t0, t1;
	pcap_t *p;
	int r;

	if (argc != 2) {
		(void)fputs("usage: bare-loop FILE\n", stderr);
		return 2;
	}
	errbuf[0] = '\0';
	p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		(void)fprintf(stderr, "bare-loop: cannot open \"%s\": %s\n", argv[1], errbuf);
		return 1;
	}
	t0 = now();
	while ((r = pcap_next_ex(p, &hdr, &data)) == 1) {
		sink += hdr->caplen + (hdr->caplen ? data[0] : 0u);
		packets++;
	}
	t1 = now();
	if (r == PCAP_ERROR) {
		(void)fprintf(stderr, "bare-loop: read error: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	(void)printf("packets=%llu seconds=%.3f sink=%llu\n", (unsigned long long)packets, t1 - t0,
		     (unsigned long long)sink);
	return 0;
}
