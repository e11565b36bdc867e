/* fuzz-contact.c - the contact import line parser (contact_parse) on arbitrary bytes
 *
 * The first byte chooses a full record or a partial one (a PATCH body); the rest is the line.
 * Every accepted record must be in canonical form, and writing it out and parsing it again
 * must give the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/incident/contact.h"
#include "../src/lib/ipaddr.h"
#include "../src/lib/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *text_of(const struct contact_org *o)
{
	struct jsonw w;
	jsonw_init(&w, 64u << 20);
	contact_write_json(&w, o, false);
	return jsonw_finish(&w, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool partial = data[0] & 1;
	struct contact_org o;
	char field[64];
	int rc = contact_parse((const char *)data + 1, size - 1, partial, &o, field, sizeof field);
	if (rc != 0) {
		if (rc > 0 || !contact_error_code(rc) || !contact_strerror(rc, "ja"))
			abort();
		return 0;
	}
	if ((o.have & CF_NAME) && (!o.name[0] || strlen(o.name) > CONTACT_MAX_NAME))
		abort();
	for (size_t i = 0; i < o.n_networks; i++) {
		struct ip_prefix p;
		char back[IP_ADDR_STRLEN + 8];
		if (ip_prefix_parse(o.networks[i], &p) != 0 ||
		    strcmp(ip_prefix_format(&p, back, sizeof back), o.networks[i]) != 0)
			abort();
		if (i && strcmp(o.networks[i - 1], o.networks[i]) >= 0)
			abort(); /* sorted, no duplicates */
	}
	for (size_t i = 0; i < o.n_asns; i++)
		if (o.asns[i] == 0 || (i && o.asns[i - 1] >= o.asns[i]))
			abort();
	for (size_t i = 0; i < o.n_domains; i++)
		for (const char *p = o.domains[i]; *p; p++)
			if ((*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0x80)
				abort();
	if (!partial) {
		/* a full record round-trips through its JSON */
		char *a = text_of(&o);
		struct contact_org o2;
		if (!a || contact_parse(a, strlen(a), false, &o2, field, sizeof field) != 0)
			abort();
		char *b = text_of(&o2);
		if (!b || strcmp(a, b) != 0)
			abort();
		free(a);
		free(b);
		contact_org_free(&o2);
	}
	contact_org_free(&o);
	return 0;
}
