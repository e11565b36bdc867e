/* test-linkcache.c - the link cache of intake (src/incident/linkcache.c): lists in ascending
 * order without repeats, last report times, clearing, and what happens when it is full */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../../src/incident/linkcache.h"

/* The incidents cached for (type, value) into out[], their number; -1 when not cached. */
static int list(struct link_cache *c, int type, const char *value, int64_t *out, int max)
{
	uint32_t it;
	int64_t id;
	int n = 0;
	if (!link_cache_find(c, type, value, &it))
		return -1;
	while (link_cache_next(c, &it, &id)) {
		assert_true(n < max);
		out[n++] = id;
	}
	return n;
}

static void fill_find_order(void **state)
{
	(void)state;
	struct link_cache *c = link_cache_new();
	assert_non_null(c);
	int64_t ids[8], last;
	assert_int_equal(list(c, 0, "http://a.example/", ids, 8), -1);

	int64_t h = link_cache_fill(c, 0, "http://a.example/");
	assert_true(h >= 0);
	assert_int_equal(link_cache_fill_add(c, h, 3, 100), 0);
	assert_int_equal(link_cache_fill_add(c, h, 9, 300), 0);
	assert_int_equal(list(c, 0, "http://a.example/", ids, 8), 2);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 9);
	/* the same text as another type is another value */
	assert_int_equal(list(c, 1, "http://a.example/", ids, 8), -1);
	/* a value no open incident holds is cached as such */
	assert_true(link_cache_fill(c, 1, "a.example") >= 0);
	assert_int_equal(list(c, 1, "a.example", ids, 8), 0);

	assert_true(link_cache_last(c, 3, &last));
	assert_int_equal(last, 100);
	assert_false(link_cache_last(c, 4, &last));

	/* links go in id order, once */
	link_cache_link(c, 0, "http://a.example/", 5);
	link_cache_link(c, 0, "http://a.example/", 5);
	link_cache_link(c, 0, "http://a.example/", 1);
	link_cache_link(c, 0, "http://a.example/", 12);
	link_cache_link(c, 0, "http://not-cached.example/", 12); /* ignored */
	assert_int_equal(list(c, 0, "http://a.example/", ids, 8), 5);
	const int64_t want[] = {1, 3, 5, 9, 12};
	for (int i = 0; i < 5; i++)
		assert_int_equal(ids[i], want[i]);
	assert_int_equal(list(c, 0, "http://not-cached.example/", ids, 8), -1);

	/* touched: the later time wins; an incident not cached stays unknown */
	link_cache_touch(c, 9, 250);
	link_cache_touch(c, 9, 400);
	assert_true(link_cache_last(c, 9, &last));
	assert_int_equal(last, 400);
	link_cache_touch(c, 77, 500);
	assert_false(link_cache_last(c, 77, &last));
	link_cache_opened(c, 12, 600);
	assert_true(link_cache_last(c, 12, &last));
	assert_int_equal(last, 600);

	link_cache_clear(c);
	assert_int_equal(list(c, 0, "http://a.example/", ids, 8), -1);
	assert_false(link_cache_last(c, 3, &last));
	/* and it fills again after a clear */
	h = link_cache_fill(c, 0, "http://a.example/");
	assert_true(h >= 0);
	assert_int_equal(link_cache_fill_add(c, h, 2, 10), 0);
	assert_int_equal(list(c, 0, "http://a.example/", ids, 8), 1);
	assert_int_equal(ids[0], 2);
	link_cache_free(c);
}

/* Filling a cached value again starts its list over (what the database says now). */
static void refill(void **state)
{
	(void)state;
	struct link_cache *c = link_cache_new();
	assert_non_null(c);
	int64_t ids[4];
	int64_t h = link_cache_fill(c, 2, "192.0.2.1");
	assert_int_equal(link_cache_fill_add(c, h, 7, 1), 0);
	h = link_cache_fill(c, 2, "192.0.2.1");
	assert_true(h >= 0);
	assert_int_equal(link_cache_fill_add(c, h, 8, 1), 0);
	assert_int_equal(list(c, 2, "192.0.2.1", ids, 4), 1);
	assert_int_equal(ids[0], 8);
	link_cache_free(c);
}

/* More values than it holds: a fill that does not fit clears the cache and says so; what is
 * cached is never wrong, and it goes on caching after. */
static void full(void **state)
{
	(void)state;
	struct link_cache *c = link_cache_new();
	assert_non_null(c);
	char v[64];
	int64_t ids[4];
	int refused = -1;
	for (int i = 0; i < 100000 && refused < 0; i++) {
		(void)snprintf(v, sizeof v, "host%d.example", i);
		int64_t h = link_cache_fill(c, 1, v);
		if (h < 0) {
			refused = i;
			break;
		}
		assert_int_equal(link_cache_fill_add(c, h, 1, 0), 0);
	}
	assert_true(refused > 1000); /* it held a good many first */
	assert_int_equal(list(c, 1, "host0.example", ids, 4), -1);
	(void)snprintf(v, sizeof v, "host%d.example", refused - 1);
	assert_int_equal(list(c, 1, v, ids, 4), -1);
	/* after the clear: cached again */
	(void)snprintf(v, sizeof v, "host%d.example", refused);
	int64_t h = link_cache_fill(c, 1, v);
	assert_true(h >= 0);
	assert_int_equal(link_cache_fill_add(c, h, 5, 5), 0);
	assert_int_equal(list(c, 1, v, ids, 4), 1);

	/* one value held by more incidents than there are pairs: the fill that overflows
	 * clears, and the handle is void after */
	link_cache_clear(c);
	h = link_cache_fill(c, 0, "http://popular.example/");
	int rc = 0;
	int64_t n = 0;
	for (; n < 1000000 && rc == 0; n++)
		rc = link_cache_fill_add(c, h, n + 1, 0);
	assert_int_equal(rc, -1);
	assert_true(n > 1000);
	assert_int_equal(list(c, 0, "http://popular.example/", ids, 4), -1);
	assert_int_equal(link_cache_fill_add(c, h, 1, 0), -1);
	link_cache_free(c);
}

/* NULL (no memory for a cache) is accepted where intake reports changes. */
static void null_cache(void **state)
{
	(void)state;
	link_cache_clear(NULL);
	link_cache_opened(NULL, 1, 1);
	link_cache_touch(NULL, 1, 1);
	link_cache_link(NULL, 0, "x", 1);
	link_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fill_find_order),
	    cmocka_unit_test(refill),
	    cmocka_unit_test(full),
	    cmocka_unit_test(null_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
