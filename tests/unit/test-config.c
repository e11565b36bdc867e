/* test-config.c - the sensor's INI file and flags */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "../../src/sensor/config.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	(void)snprintf(path, sizeof(path), "/tmp/keikai-test-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_load(void **state)
{
	struct sensor_config c;
	char err[256];
	(void)state;

	sensor_config_defaults(&c);
	assert_int_equal(c.interval, 300);
	assert_int_equal(c.scan_min_dsts, 25);
	char *p =
	    write_tmp("[sensor]\nid = tokyo-1\ninterval = 60\n"
		      "[capture]\ninterface = eth1\ndark = 203.0.113.0/24, 2001:db8:dead::/48\n"
		      "[scanner]\nmin_destinations = 50\n[output]\nsummary = yes\n");
	assert_int_equal(sensor_config_load(&c, p, err, sizeof(err)), 0);
	unlink(p);
	assert_string_equal(c.sensor_id, "tokyo-1");
	assert_int_equal(c.interval, 60);
	assert_string_equal(c.interface, "eth1");
	assert_int_equal(c.n_dark, 2);
	assert_int_equal(c.dark[0].len, 24);
	assert_int_equal(c.dark[1].addr.family, 6);
	assert_int_equal(c.scan_min_dsts, 50);
	assert_true(c.summary);
	assert_int_equal(sensor_config_check(&c, err, sizeof(err)), 0);
}

static void test_errors(void **state)
{
	struct sensor_config c;
	char err[256];
	(void)state;

	sensor_config_defaults(&c);
	char *p = write_tmp("[sensor]\ninterval = 5\n");
	assert_int_equal(sensor_config_load(&c, p, err, sizeof(err)), -EINVAL);
	unlink(p);
	assert_non_null(strstr(err, ":2:"));
	assert_non_null(strstr(err, "sensor.interval"));
	assert_int_equal(c.interval, 300); /* untouched */

	assert_int_equal(sensor_config_set(&c, "sensor", "colour", "blue", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown key sensor.colour"));
	assert_int_equal(sensor_config_set(&c, "sensor", "id", "a b", err, sizeof(err)), -EINVAL);
	assert_int_equal(sensor_config_set(&c, "sensor", "interval", "60s", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(sensor_config_set(&c, "sensor", "interval", "-1", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
	    sensor_config_set(&c, "sensor", "interval", "99999999999999999999", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(sensor_config_set(&c, "capture", "dark", "10.0.0.0/99", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(sensor_config_load(&c, "/nonexistent/keikai.ini", err, sizeof(err)),
			 -ENOENT);

	/* no input; url without spool */
	assert_int_equal(sensor_config_check(&c, err, sizeof(err)), -EINVAL);
	c.files[c.n_files++] = "x.pcap";
	assert_int_equal(sensor_config_check(&c, err, sizeof(err)), 0);
	assert_int_equal(
	    sensor_config_set(&c, "output", "url", "http://127.0.0.1:1", err, sizeof(err)), 0);
	assert_int_equal(sensor_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_int_equal(sensor_config_set(&c, "dos", "window", "65", err, sizeof(err)), 0);
	c.url = NULL;
	assert_int_equal(sensor_config_check(&c, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
