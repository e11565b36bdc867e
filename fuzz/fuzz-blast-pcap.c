/* fuzz-blast-pcap.c - the live benchmark sender's pcap loader (bench/blast-pcap.c) on arbitrary
 * bytes */
#include <stddef.h>
#include <stdint.h>

#include "../bench/blast-pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blast_pcap p;
	char err[256];

	/* 1514: an Ethernet MTU; 64: most frames skipped */
	for (uint32_t max = 64; max <= 1514; max += 1450) {
		if (blast_pcap_parse(data, size, max, &p, err, sizeof(err)) != 0)
			continue;
		/* every frame must lie inside the input and within the bounds asked for */
		if (p.n_frames == 0)
			__builtin_trap();
		for (size_t i = 0; i < p.n_frames; i++) {
			const uint8_t *d = p.frames[i].data;
			if (d < data || p.frames[i].len < 14 || p.frames[i].len > max ||
			    (size_t)(d - data) > size ||
			    size - (size_t)(d - data) < p.frames[i].len)
				__builtin_trap();
			(void)*(volatile const uint8_t *)(d + p.frames[i].len - 1);
		}
		blast_pcap_done(&p);
	}
	return 0;
}
