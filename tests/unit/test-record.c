/* test-record.c - the interval record's JSON form */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/obs/record.h"

static void test_json_fields(void **state)
{
	struct obs_record r;
	struct obs_port ports[2] = {{OBS_TCP, 23, 100, 7, 50}, {OBS_ICMP, 8, 3, 1, 3}};
	struct obs_scanner sc = {0};
	size_t len = 0;
	(void)state;

	memset(&r, 0, sizeof(r));
	memcpy(r.sensor, "tokyo-1", 8);
	r.start = 1298937600;
	r.end = 1298937900;
	r.interval = 300;
	r.packets = 103;
	r.by_proto_class[OBS_TCP][OBS_PROBE] = 100;
	r.ports = ports;
	r.n_ports = 2;
	ip_addr_set4(&sc.src, 0x2d000001u);
	sc.proto = OBS_TCP;
	sc.n_ports = 1;
	sc.ports[0] = 23;
	sc.first_usec = 1298937601000001ULL;
	sc.last_usec = 1298937899999999ULL;
	sc.tool = "zmap";
	r.scanners = &sc;
	r.n_scanners = 1;
	obs_named_add(&r.decode, "truncated_tcp", 2);
	obs_named_add(&r.decode, "truncated_tcp", 3);

	char *s = obs_record_to_json(&r, &len);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	assert_null(strchr(s, '\n'));
	json_error_t e;
	json_t *o = json_loads(s, 0, &e);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "schema")),
			    "keikai.obs.interval/1");
	assert_string_equal(json_string_value(json_object_get(o, "sensor")), "tokyo-1");
	assert_string_equal(json_string_value(json_object_get(o, "start")), "2011-03-01T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "end")), "2011-03-01T00:05:00Z");
	assert_int_equal(json_integer_value(json_object_get(o, "start_unix")), 1298937600);
	json_t *p0 = json_array_get(json_object_get(o, "ports"), 0);
	assert_string_equal(json_string_value(json_object_get(p0, "proto")), "tcp");
	assert_int_equal(json_integer_value(json_object_get(p0, "sources")), 7);
	json_t *s0 = json_array_get(json_object_get(o, "scanners"), 0);
	assert_string_equal(json_string_value(json_object_get(s0, "src")), "45.0.0.1");
	assert_string_equal(json_string_value(json_object_get(s0, "first")),
			    "2011-03-01T00:00:01.000001Z");
	assert_string_equal(json_string_value(json_object_get(s0, "tool")), "zmap");
	json_t *und = json_object_get(json_object_get(o, "capture"), "undecoded");
	assert_int_equal(json_integer_value(json_object_get(und, "truncated_tcp")), 5);
	json_t *bp = json_object_get(json_object_get(o, "totals"), "by_proto");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(bp, "tcp"), "probe")),
			 100);
	json_decref(o);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
