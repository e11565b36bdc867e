/* test-ipaddr.c - address and prefix parsing, formatting, containment */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/lib/ipaddr.h"

static void test_parse_format(void **state)
{
	struct ip_addr a;
	char buf[IP_ADDR_STRLEN];
	(void)state;

	assert_int_equal(ip_addr_parse("203.0.113.7", &a), 0);
	assert_int_equal(a.family, 4);
	assert_int_equal(ip_addr_v4(&a), 0xcb007107u);
	assert_string_equal(ip_addr_format(&a, buf, sizeof(buf)), "203.0.113.7");
	assert_int_equal(ip_addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.family, 6);
	assert_string_equal(ip_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	assert_int_equal(ip_addr_parse("203.0.113.256", &a), -EINVAL);
	assert_int_equal(ip_addr_parse("", &a), -EINVAL);
	assert_int_equal(ip_addr_parse("1.2.3", &a), -EINVAL);
	struct ip_addr b, c;
	assert_int_equal(ip_addr_parse("10.0.0.1", &b), 0);
	assert_int_equal(ip_addr_parse("10.0.0.2", &c), 0);
	assert_true(ip_addr_cmp(&b, &c) < 0);
	assert_true(ip_addr_cmp(&c, &b) > 0);
	assert_int_equal(ip_addr_cmp(&b, &b), 0);
	assert_true(ip_addr_cmp(&c, &a) < 0); /* IPv4 before IPv6 */
}

static void test_prefix(void **state)
{
	struct ip_prefix p;
	struct ip_addr a;
	char buf[64];
	(void)state;

	assert_int_equal(ip_prefix_parse("203.0.113.77/24", &p), 0);
	assert_int_equal(p.len, 24);
	assert_string_equal(ip_prefix_format(&p, buf, sizeof(buf)), "203.0.113.0/24");
	ip_addr_set4(&a, 0xcb0071ffu);
	assert_true(ip_prefix_contains(&p, &a));
	ip_addr_set4(&a, 0xcb007200u);
	assert_false(ip_prefix_contains(&p, &a));
	assert_int_equal(ip_prefix_parse("10.0.0.0/33", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse("10.0.0.0/", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse("10.0.0.0/-1", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse("/8", &p), -EINVAL);
	assert_int_equal(ip_prefix_parse("2001:db8:dead::/48", &p), 0);
	assert_int_equal(ip_addr_parse("2001:db8:dead:1::5", &a), 0);
	assert_true(ip_prefix_contains(&p, &a));
	assert_int_equal(ip_addr_parse("2001:db8:beef::5", &a), 0);
	assert_false(ip_prefix_contains(&p, &a));
	/* a v4 address is never inside a v6 prefix */
	ip_addr_set4(&a, 0x20010db8u);
	assert_false(ip_prefix_contains(&p, &a));
	/* /0 contains everything of its family; odd lengths mask within a byte */
	assert_int_equal(ip_prefix_parse("0.0.0.0/0", &p), 0);
	assert_true(ip_prefix_contains(&p, &a));
	assert_int_equal(ip_prefix_parse("192.0.2.128/25", &p), 0);
	ip_addr_set4(&a, 0xc000027fu);
	assert_false(ip_prefix_contains(&p, &a));
	ip_addr_set4(&a, 0xc0000280u);
	assert_true(ip_prefix_contains(&p, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_format),
	    cmocka_unit_test(test_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
