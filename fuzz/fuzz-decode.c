/* fuzz-decode.c - the packet decoders, classifier and aggregator on arbitrary frames
 *
 * Input: one byte choosing the link type, then the frame. Every frame also goes through the
 * classifier and the per-interval tables, so a decoder bug that yields odd fields is caught
 * where those fields are used as indexes.
 */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sensor/aggregate.h"
#include "../src/sensor/classify.h"
#include "../src/sensor/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, 276, 228, 229, DLT_NULL, 101};

static struct aggregate *agg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pkt;
	struct pkt_verdict v;

	if (size < 1)
		return 0;
	if (!agg) {
		struct aggregate_params p = {
		    .scan_min_dsts = 2,
		    .scan_min_targets = 3,
		    .top_n = 3,
		    .max_sources = 64,
		    .max_pairs = 64,
		    .max_triples = 64,
		    .max_port_dsts = 64,
		    .max_scanners = 8,
		    .dos = {2, 0, 1, 60, 10, 300, 8},
		};
		agg = aggregate_new(&p);
		if (!agg)
			abort();
		aggregate_begin(agg, 0, 300);
	}
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	/* an exact-size copy, so that any read past the frame is seen by ASan */
	uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, size - 1);
	pkt.ts_usec = (uint64_t)data[0] * 1000000u;
	pkt.wire_len = (uint32_t)size;
	if (decode_packet(dlt, frame, size - 1, &pkt) == DECODE_OK) {
		classify_packet(&pkt, &v);
		aggregate_packet(agg, &pkt, &v);
	}
	free(frame);
	static unsigned n;
	if (++n % 64 == 0) {
		struct obs_record r;
		if (aggregate_close(agg, 300, 0, &r) == 0) {
			char *j = obs_record_to_json(&r, NULL);
			free(j);
			obs_record_done(&r);
		}
		aggregate_begin(agg, 0, 300);
	}
	return 0;
}
