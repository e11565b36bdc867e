/* fuzz-report-json.c - the decoding of report submissions (POST /api/v1/reports and the
 * public form) on arbitrary bodies
 *
 * Input: one byte choosing the form (bit 0: public form), then the body. An accepted body must
 * have text (a body or a subject) within the size limit, a channel the route allows, and a TLP
 * label and RSIT pair that exist; a refused one names its field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/incident/api.h"
#include "../src/incident/taxonomy.h"

#define MAX_BODY 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool form = data[0] & 1;
	struct inc_report_body b;
	const char *field = NULL;
	int r = inc_report_body_parse((const char *)data + 1, size - 1, form, MAX_BODY, &b, &field);
	if (r == INC_E_FIELD) {
		if (!field || !*field)
			abort();
		return 0;
	}
	if (r != 0) {
		if (r != INC_E_BAD)
			abort();
		return 0;
	}
	if (!b.channel || !tax_find(tax_channels, b.channel))
		abort();
	if (form != (strcmp(b.channel, "web") == 0))
		abort();
	if (!b.body && !(b.subject && *b.subject))
		abort();
	if (b.body && (strlen(b.body) == 0 || strlen(b.body) > MAX_BODY))
		abort();
	if (b.tlp && !tax_tlp_canon(b.tlp))
		abort();
	if ((b.rsit_class || b.rsit_type) && !tax_rsit_find(b.rsit_class, b.rsit_type))
		abort();
	if (b.received < 0)
		abort();
	inc_report_body_done(&b);
	return 0;
}
