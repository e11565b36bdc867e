/* fuzz-extract.c - indicator extraction from arbitrary text and HTML
 *
 * The first byte chooses plain text (even) or HTML (odd) and, in its upper bits, how many
 * indicators the set may hold. Invariants: the set never exceeds its bound, (type, value) pairs
 * are unique, and every value is canonical: a URL canonicalises to itself, a host to itself,
 * a hash is lower-case hex of its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/incident/canon.h"
#include "../src/incident/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[CANON_MAX_INPUT * 3 + 16];

static void check(const struct indicator *it)
{
	size_t n = strlen(it->value);
	if (n == 0 || !it->raw)
		abort();
	for (size_t i = 0; i < n; i++)
		if (it->value[i] <= 0x20 || it->value[i] >= 0x7f)
			abort();
	switch (it->type) {
	case IND_URL:
		if (canon_url(it->value, n, out, sizeof(out), NULL) != (int)n ||
		    strcmp(out, it->value) != 0)
			abort();
		break;
	case IND_DOMAIN:
	case IND_IPV4:
	case IND_IPV6:
		if (canon_host(it->value, n, out, sizeof(out)) != (int)n ||
		    strcmp(out, it->value) != 0)
			abort();
		if ((it->type != IND_DOMAIN) != canon_host_is_ip(it->value))
			abort();
		break;
	case IND_EMAIL: {
		const char *at = strrchr(it->value, '@');
		if (!at || at == it->value)
			abort();
		break;
	}
	case IND_MD5:
	case IND_SHA1:
	case IND_SHA256:
		if (n != (it->type == IND_MD5	 ? 32u
			  : it->type == IND_SHA1 ? 40u
						 : 64u) ||
		    strspn(it->value, "0123456789abcdef") != n)
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct indicator_set set;
	size_t max = (size_t)(data[0] >> 1) + 1;
	indicator_set_init(&set, max);
	const char *text = (const char *)data + 1;
	int rc =
	    (data[0] & 1) ? extract_html(&set, text, size - 1) : extract_text(&set, text, size - 1);
	if (rc < 0 || (size_t)rc != set.count || set.count > max)
		abort();
	for (size_t i = 0; i < set.count; i++) {
		check(&set.items[i]);
		for (size_t j = 0; j < i; j++)
			if (set.items[i].type == set.items[j].type &&
			    strcmp(set.items[i].value, set.items[j].value) == 0)
				abort();
	}
	indicator_set_free(&set);
	return 0;
}
