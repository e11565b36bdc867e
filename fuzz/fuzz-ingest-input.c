/* fuzz-ingest-input.c - the ingest load client's token file and record-key parsers
 * (bench/ingest-input.c) on arbitrary bytes */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../bench/ingest-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_tokens t;
	size_t line = 0, ports = 0;
	char sensor[INGEST_SENSOR_MAX];
	int64_t start = 0;

	if (ingest_tokens_parse((const char *)data, size, &t, &line) == 0) {
		/* every parsed entry must be found again by name */
		for (size_t i = 0; i < t.n; i++)
			if (ingest_tokens_find(&t, t.v[i].sensor) != t.v[i].token)
				__builtin_trap();
		ingest_tokens_done(&t);
	}
	if (ingest_record_key((const char *)data, size, sensor, &start, &ports) == 0 &&
	    (start < 0 || strlen(sensor) == 0 || strlen(sensor) >= INGEST_SENSOR_MAX))
		__builtin_trap();
	return 0;
}
