/* fuzz-record.c - the interval-record reader (obs_record_from_json) on arbitrary text
 *
 * Input: the text of one record. A text the reader accepts must also survive the writer:
 * written back and read again, it is accepted and written to the very same bytes. Anything
 * else aborts, so libFuzzer reports it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/obs/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_record r, r2;
	struct obs_parse_error e;
	size_t n1 = 0, n2 = 0;

	if (size > OBS_JSON_MAX)
		return 0;
	if (obs_record_from_json((const char *)data, size, &r, &e) != 0) {
		/* a refused text leaves a zeroed record and a code */
		if (r.ports || r.n_ports || e.code[0] == '\0')
			abort();
		return 0;
	}
	char *j1 = obs_record_to_json(&r, &n1);
	if (!j1)
		abort();
	if (obs_record_from_json(j1, n1, &r2, &e) != 0)
		abort();
	char *j2 = obs_record_to_json(&r2, &n2);
	if (!j2 || n1 != n2 || memcmp(j1, j2, n1) != 0)
		abort();
	free(j1);
	free(j2);
	obs_record_done(&r);
	obs_record_done(&r2);
	return 0;
}
