/* linkcache.c - the link lookups of one write transaction (see linkcache.h)
 *
 * Three fixed tables, each entry stamped with the generation it was written in, so that
 * clearing is one increment: values (open addressing on the hash of type and value, the text
 * in an arena), the incident lists of the values (nodes in one array, each list in ascending
 * id order), and incidents (open addressing on the id) with their last report time.
 */
#include "linkcache.h"

#include <stdlib.h>
#include <string.h>

#include "../lib/hash.h"

#include "../lib/banned.h"

#define LC_VAL_SLOTS (1u << 16) /* at most half used */
#define LC_INC_SLOTS (1u << 15)
#define LC_NODES     (1u << 18)
#define LC_ARENA     (4u << 20)
#define LC_NONE	     UINT32_MAX

struct lc_val {
	uint64_t h;
	uint32_t gen;
	uint32_t off, len; /* the value's text in the arena */
	uint32_t head;	   /* first node, LC_NONE when no open incident holds it */
	int type;
};

struct lc_node {
	int64_t incident;
	uint32_t next;
};

struct lc_inc {
	int64_t id;
	int64_t last;
	uint32_t gen;
};

struct link_cache {
	uint32_t gen;
	uint32_t nvals, nincs, nnodes, arena_len;
	struct lc_val vals[LC_VAL_SLOTS];
	struct lc_inc incs[LC_INC_SLOTS];
	struct lc_node nodes[LC_NODES];
	char arena[LC_ARENA];
};

struct link_cache *link_cache_new(void)
{
	struct link_cache *c = calloc(1, sizeof *c);
	if (c)
		c->gen = 1; /* calloc's zeros are generation 0: empty */
	return c;
}

void link_cache_free(struct link_cache *c)
{
	free(c);
}

void link_cache_clear(struct link_cache *c)
{
	if (!c)
		return;
	c->nvals = c->nincs = c->nnodes = c->arena_len = 0;
	if (++c->gen == 0) { /* after 2^32 clears: stamps could come round again */
		memset(c->vals, 0, sizeof c->vals);
		memset(c->incs, 0, sizeof c->incs);
		c->gen = 1;
	}
}

static uint64_t val_hash(int type, const char *value, size_t len)
{
	return hash_bytes(value, len) ^ hash_u64((uint64_t)(unsigned)type);
}

/* The slot of (type, value), or of the free slot where it would go. */
static uint32_t val_slot(const struct link_cache *c, int type, const char *value, size_t len,
			 uint64_t h)
{
	uint32_t i = (uint32_t)h & (LC_VAL_SLOTS - 1);
	for (;;) {
		const struct lc_val *v = &c->vals[i];
		if (v->gen != c->gen)
			return i;
		if (v->h == h && v->type == type && v->len == len &&
		    memcmp(c->arena + v->off, value, len) == 0)
			return i;
		i = (i + 1) & (LC_VAL_SLOTS - 1);
	}
}

bool link_cache_find(const struct link_cache *c, int type, const char *value, uint32_t *it)
{
	size_t len = strlen(value);
	uint32_t i = val_slot(c, type, value, len, val_hash(type, value, len));
	if (c->vals[i].gen != c->gen)
		return false;
	*it = c->vals[i].head;
	return true;
}

bool link_cache_next(const struct link_cache *c, uint32_t *it, int64_t *incident)
{
	if (*it == LC_NONE)
		return false;
	*incident = c->nodes[*it].incident;
	*it = c->nodes[*it].next;
	return true;
}

int64_t link_cache_fill(struct link_cache *c, int type, const char *value)
{
	size_t len = strlen(value);
	uint64_t h = val_hash(type, value, len);
	uint32_t i = val_slot(c, type, value, len, h);
	struct lc_val *v = &c->vals[i];
	if (v->gen == c->gen) { /* cached already: read again from the start */
		v->head = LC_NONE;
		return i;
	}
	if (c->nvals >= LC_VAL_SLOTS / 2 || len > LC_ARENA - c->arena_len) {
		link_cache_clear(c);
		return -1;
	}
	memcpy(c->arena + c->arena_len, value, len);
	*v = (struct lc_val){.h = h,
			     .gen = c->gen,
			     .off = c->arena_len,
			     .len = (uint32_t)len,
			     .head = LC_NONE,
			     .type = type};
	c->arena_len += (uint32_t)len;
	c->nvals++;
	return i;
}

/* The slot of incident id, or of the free slot where it would go. */
static uint32_t inc_slot(const struct link_cache *c, int64_t id)
{
	uint32_t i = (uint32_t)hash_u64((uint64_t)id) & (LC_INC_SLOTS - 1);
	while (c->incs[i].gen == c->gen && c->incs[i].id != id)
		i = (i + 1) & (LC_INC_SLOTS - 1);
	return i;
}

/* Record incident's last report time t (when set, it is kept: it is the newer one, because
 * intake reports every change). Returns 0, or -1 when full (cleared). */
static int inc_put(struct link_cache *c, int64_t id, int64_t t)
{
	struct lc_inc *e = &c->incs[inc_slot(c, id)];
	if (e->gen == c->gen)
		return 0;
	if (c->nincs >= LC_INC_SLOTS / 2) {
		link_cache_clear(c);
		return -1;
	}
	*e = (struct lc_inc){.id = id, .last = t, .gen = c->gen};
	c->nincs++;
	return 0;
}

/* Insert incident into the list of value slot vi, keeping ascending order and no repeats.
 * Returns 0, or -1 when full (cleared). */
static int list_add(struct link_cache *c, uint32_t vi, int64_t incident)
{
	uint32_t *at = &c->vals[vi].head;
	while (*at != LC_NONE && c->nodes[*at].incident < incident)
		at = &c->nodes[*at].next;
	if (*at != LC_NONE && c->nodes[*at].incident == incident)
		return 0;
	if (c->nnodes >= LC_NODES) {
		link_cache_clear(c);
		return -1;
	}
	uint32_t n = c->nnodes++;
	c->nodes[n] = (struct lc_node){.incident = incident, .next = *at};
	*at = n;
	return 0;
}

int link_cache_fill_add(struct link_cache *c, int64_t handle, int64_t incident, int64_t last_report)
{
	if (handle < 0 || handle >= (int64_t)LC_VAL_SLOTS || c->vals[handle].gen != c->gen)
		return -1;
	if (inc_put(c, incident, last_report) != 0)
		return -1;
	return list_add(c, (uint32_t)handle, incident);
}

bool link_cache_last(const struct link_cache *c, int64_t incident, int64_t *ret)
{
	const struct lc_inc *e = &c->incs[inc_slot(c, incident)];
	if (e->gen != c->gen)
		return false;
	*ret = e->last;
	return true;
}

void link_cache_opened(struct link_cache *c, int64_t incident, int64_t t)
{
	if (!c)
		return;
	const struct lc_inc *e = &c->incs[inc_slot(c, incident)];
	if (e->gen == c->gen) /* an id seen before as another incident: cannot be; start over */
		link_cache_clear(c);
	else
		(void)inc_put(c, incident, t);
}

void link_cache_touch(struct link_cache *c, int64_t incident, int64_t t)
{
	if (!c)
		return;
	struct lc_inc *e = &c->incs[inc_slot(c, incident)];
	if (e->gen == c->gen && t > e->last)
		e->last = t;
}

void link_cache_link(struct link_cache *c, int type, const char *value, int64_t incident)
{
	if (!c)
		return;
	size_t len = strlen(value);
	uint32_t i = val_slot(c, type, value, len, val_hash(type, value, len));
	if (c->vals[i].gen == c->gen)
		(void)list_add(c, i, incident);
}
