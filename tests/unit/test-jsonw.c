/* test-jsonw.c - the JSON writer: escaping, separators, nesting, the size cap */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/lib/jsonw.h"

static void test_document(void **state)
{
	struct jsonw w;
	size_t len = 0;
	(void)state;

	jsonw_init(&w, 1 << 20);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "s");
	jsonw_str(&w, "a\"b\\c\n\t\x01 東京");
	jsonw_key(&w, "n");
	jsonw_i64(&w, -42);
	jsonw_key(&w, "u");
	jsonw_u64(&w, UINT64_MAX);
	jsonw_key(&w, "a");
	jsonw_arr_begin(&w);
	jsonw_u64(&w, 0);
	jsonw_bool(&w, true);
	jsonw_null(&w);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_obj_begin(&w);
	jsonw_obj_end(&w);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	char *s = jsonw_finish(&w, &len, NULL);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	assert_string_equal(s, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001 東京\",\"n\":-42,"
			       "\"u\":18446744073709551615,\"a\":[0,true,null,[],{}]}");
	/* and a real parser agrees */
	json_error_t e;
	json_t *o = json_loads(s, JSON_DECODE_INT_AS_REAL, &e); /* u64 max is over int64 */
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "s")), "a\"b\\c\n\t\x01 東京");
	assert_true(json_number_value(json_object_get(o, "n")) == -42.0);
	json_decref(o);
	free(s);
}

static void test_errors(void **state)
{
	struct jsonw w;
	int err = 0;
	(void)state;

	/* over the cap: nothing returned, the error says why */
	jsonw_init(&w, 16);
	jsonw_arr_begin(&w);
	for (int i = 0; i < 100; i++)
		jsonw_u64(&w, 123456789);
	jsonw_arr_end(&w);
	assert_null(jsonw_finish(&w, NULL, &err));
	assert_int_equal(err, -E2BIG);

	/* unbalanced */
	jsonw_init(&w, 1024);
	jsonw_obj_begin(&w);
	assert_null(jsonw_finish(&w, NULL, &err));
	assert_int_equal(err, -EINVAL);
	jsonw_init(&w, 1024);
	jsonw_arr_end(&w);
	assert_null(jsonw_finish(&w, NULL, &err));
	assert_int_equal(err, -EINVAL);

	/* nesting deeper than the writer keeps */
	jsonw_init(&w, 1 << 16);
	for (int i = 0; i < JSONW_MAX_DEPTH + 1; i++)
		jsonw_arr_begin(&w);
	assert_null(jsonw_finish(&w, NULL, &err));
	assert_int_equal(err, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_document),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
