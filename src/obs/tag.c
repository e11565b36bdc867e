/* tag.c - country and AS of a record's addresses */
#include "tag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/geo.h"

#include "../lib/banned.h"

static void tag(struct geo *g, const struct ip_addr *a, struct obs_geo *out)
{
	struct geo_info gi;
	memset(out, 0, sizeof *out);
	if (g && geo_lookup_brief(g, a, &gi) == 0) {
		memcpy(out->cc, gi.country, sizeof out->cc);
		out->asn = gi.asn;
	}
}

int obs_tag_record(struct geo *g, const struct obs_record *r, struct obs_record_geo *out)
{
	struct obs_geo *t = calloc(r->n_top + 1, sizeof *t);
	struct obs_geo *s = calloc(r->n_scanners + 1, sizeof *s);
	struct obs_geo *d = calloc(r->n_dos + 1, sizeof *d);
	if (!t || !s || !d) {
		free(t);
		free(s);
		free(d);
		memset(out, 0, sizeof *out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n_top; i++)
		tag(g, &r->top[i].src, &t[i]);
	for (size_t i = 0; i < r->n_scanners; i++)
		tag(g, &r->scanners[i].src, &s[i]);
	for (size_t i = 0; i < r->n_dos; i++)
		tag(g, &r->dos[i].victim, &d[i]);
	out->top = t;
	out->scanners = s;
	out->dos = d;
	return 0;
}

void obs_tag_free(struct obs_record_geo *t)
{
	free((void *)(uintptr_t)t->top);
	free((void *)(uintptr_t)t->scanners);
	free((void *)(uintptr_t)t->dos);
	memset(t, 0, sizeof *t);
}
