/* fuzz-canon.c - URL and host canonicalisation on arbitrary bytes
 *
 * Invariants checked on every accepted input: the canonical URL is printable ASCII with no
 * space, canonicalising it again gives it back unchanged, the parts lie inside it and start
 * where they should, and its lookup expressions number at most CANON_MAX_EXPR, each printable.
 * The same bytes as a bare host: an accepted host is printable, canonical again unchanged, and
 * its registrable domain (if any) is a suffix of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/incident/canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[CANON_MAX_INPUT * 3 + 16], again[CANON_MAX_INPUT * 3 + 16];

static void printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			abort();
}

static int check_expr(const char *e, size_t len, void *ctx)
{
	int *count = ctx;
	if (strlen(e) != len || len == 0)
		abort();
	printable(e, len);
	if (++*count > CANON_MAX_EXPR)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct canon_url p, q;
	int n = canon_url(in, size, out, sizeof(out), &p);
	if (n >= 0) {
		size_t len = (size_t)n;
		if (strlen(out) != len)
			abort();
		printable(out, len);
		if (p.scheme_off != 0 || memcmp(out + p.scheme_len, "://", 3) != 0 ||
		    p.host_off != p.scheme_len + 3 || p.host_len == 0 ||
		    p.path_off != p.host_off + p.host_len || out[p.path_off] != '/')
			abort();
		if (p.has_query ? (out[p.query_off - 1] != '?' || p.query_off + p.query_len != len)
				: p.path_off + p.path_len != len)
			abort();
		int m = canon_url(out, len, again, sizeof(again), &q);
		if (m != n || memcmp(out, again, len) != 0 || memcmp(&p, &q, sizeof(p)) != 0)
			abort();
		int count = 0;
		int calls = canon_expressions(out, &p, check_expr, &count);
		if (calls != count)
			abort();
	} else if (out[0] != '\0' || canon_strerror(n, "ja") == canon_strerror(n, "en")) {
		abort();
	}

	char host[512], host2[512], reg[512];
	n = canon_host(in, size, host, sizeof(host));
	if (n >= 0) {
		printable(host, (size_t)n);
		if (canon_host(host, (size_t)n, host2, sizeof(host2)) != n ||
		    strcmp(host, host2) != 0)
			abort();
		int r = canon_registrable(host, reg, sizeof(reg));
		if (r > 0) {
			size_t hl = (size_t)n, rl = (size_t)r;
			if (rl > hl || strcmp(host + hl - rl, reg) != 0 ||
			    (rl < hl && host[hl - rl - 1] != '.'))
				abort();
		}
	}
	return 0;
}
