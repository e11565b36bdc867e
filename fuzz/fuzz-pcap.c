/* fuzz-pcap.c - a whole capture file (pcap or pcapng) through the sensor's file reader and
 * pipeline, as `keikai-sensor -r FILE` reads it; and, packet by packet, the reader against
 * libpcap's own: any difference in a packet, in the ending or in the error text aborts */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sensor/capture-file.h"
#include "../src/sensor/config.h"
#include "../src/sensor/decode.h"
#include "../src/sensor/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int emit(void *user, const struct obs_record *rec)
{
	(void)user;
	char *j = obs_record_to_json(rec, NULL);
	free(j);
	return 0;
}

/* The in-place reader and libpcap agree on every packet and on how the file ends. */
static void differential(const uint8_t *data, size_t size)
{
	char e1[PCAP_ERRBUF_SIZE] = "", e2[PCAP_ERRBUF_SIZE] = "";
	FILE *f1 = fmemopen((void *)(uintptr_t)data, size, "rb");
	FILE *f2 = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f1 || !f2) {
		if (f1)
			fclose(f1);
		if (f2)
			fclose(f2);
		return;
	}
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f1, PCAP_TSTAMP_PRECISION_MICRO, e1);
	struct capture_file *cf = capture_file_open(f2, true, e2);
	if (!pc)
		fclose(f1);
	if ((pc != NULL) != (cf != NULL))
		abort();
	for (int n = 0; pc && n < 100000; n++) {
		struct pcap_pkthdr *h1, *h2;
		const u_char *d1;
		const uint8_t *d2;
		int r1 = pcap_next_ex(pc, &h1, &d1);
		int r2 = capture_file_next(cf, &h2, &d2);
		if (r1 == PCAP_ERROR_BREAK)
			r1 = 0;
		if (r1 != r2)
			abort();
		if (r1 != 1) {
			if (r1 == PCAP_ERROR &&
			    strcmp(pcap_geterr(pc), capture_file_error(cf)) != 0)
				abort();
			break;
		}
		if (h1->ts.tv_sec != h2->ts.tv_sec || h1->ts.tv_usec != h2->ts.tv_usec ||
		    h1->caplen != h2->caplen || h1->len != h2->len ||
		    memcmp(d1, d2, h1->caplen) != 0)
			abort();
	}
	if (pc)
		pcap_close(pc);
	capture_file_free(cf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sensor_config cfg;
	static int init;
	char ebuf[PCAP_ERRBUF_SIZE];

	if (!init) {
		sensor_config_defaults(&cfg);
		cfg.interval = 10;
		cfg.max_sources = cfg.max_pairs = cfg.max_triples = cfg.max_port_dsts = 256;
		cfg.max_victims = 16;
		cfg.max_scanners = 16;
		init = 1;
	}
	differential(data, size);
	FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f)
		return 0;
	struct capture_file *cf = capture_file_open(f, true, ebuf); /* owns f */
	if (!cf)
		return 0;
	int dlt = pcap_datalink(capture_file_pcap(cf));
	struct sensor *s = sensor_new(&cfg, emit, NULL);
	if (s && decode_linktype_supported(dlt)) {
		struct pcap_pkthdr *h;
		const uint8_t *p;
		int n = 0;
		while (n++ < 10000 && capture_file_next(cf, &h, &p) == 1) {
			uint64_t ts = (uint64_t)(h->ts.tv_sec < 0 ? 0 : h->ts.tv_sec) * 1000000u +
				      (uint64_t)(h->ts.tv_usec < 0 ? 0 : h->ts.tv_usec);
			(void)sensor_frame(s, dlt, ts, p, h->caplen, h->len);
		}
		(void)sensor_finish(s, 0, false);
	}
	sensor_free(s);
	capture_file_free(cf);
	return 0;
}
