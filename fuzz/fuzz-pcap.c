/* fuzz-pcap.c - a whole capture file (pcap or pcapng) through libpcap's reader and the sensor
 * pipeline, as `keikai-sensor -r FILE` reads it */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f)
		return 0;
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!pc) {
		fclose(f);
		return 0;
	}
	int dlt = pcap_datalink(pc);
	struct sensor *s = sensor_new(&cfg, emit, NULL);
	if (s && decode_linktype_supported(dlt)) {
		struct pcap_pkthdr *h;
		const u_char *p;
		int n = 0;
		while (n++ < 10000 && pcap_next_ex(pc, &h, &p) == 1) {
			uint64_t ts = (uint64_t)(h->ts.tv_sec < 0 ? 0 : h->ts.tv_sec) * 1000000u +
				      (uint64_t)(h->ts.tv_usec < 0 ? 0 : h->ts.tv_usec);
			(void)sensor_frame(s, dlt, ts, p, h->caplen, h->len);
		}
		(void)sensor_finish(s, 0, false);
	}
	sensor_free(s);
	pcap_close(pc); /* closes f */
	return 0;
}
