/* test-geo.c - IP to country and AS against the installed libloc database
 *
 * The database is the real one from Debian's libloc-database package. It changes when the
 * package is updated, so the facts asserted here are chosen to be stable: large, old
 * allocations whose holder and country have not changed in decades (Google's 8.8.8.0/24 and
 * 2001:4860::/32, Osaka University's 133.1.0.0/16 and the University of Tokyo's 130.69.0.0/16
 * from the 1980s-90s Japanese academic networks, WIDE's 2001:200::/32, the first IPv6 block
 * given to Japan), and addresses that are reserved by RFC and can never be in it. Prefix
 * lengths and AS names are asserted only where they are part of the same stable fact.
 * Facts checked with `location lookup ADDR` (database of 2022-10-29).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libloc/country.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../src/lib/geo.h"

static struct geo *geo;

static int setup(void **state)
{
	char err[256];
	(void)state;
	geo = geo_open(NULL, err, sizeof(err));
	if (!geo) {
		fprintf(stderr, "geo_open: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	geo_close(geo);
	return 0;
}

static int lookup(const char *addr, struct geo_info *ret)
{
	struct ip_addr a;
	assert_int_equal(ip_addr_parse(addr, &a), 0);
	return geo_lookup(geo, &a, ret);
}

static void test_google_dns(void **state)
{
	struct geo_info gi;
	(void)state;
	assert_int_equal(lookup("8.8.8.8", &gi), 0);
	assert_string_equal(gi.country, "US");
	assert_int_equal(gi.asn, 15169);
	assert_string_equal(gi.as_name, "GOOGLE");
	assert_string_equal(gi.prefix, "8.8.8.0/24");
	assert_true(gi.anycast); /* the public resolver is announced from many places */
	assert_false(gi.anonymous_proxy);
	assert_false(gi.satellite);
}

static void test_japan_v4(void **state)
{
	struct geo_info gi;
	(void)state;
	assert_int_equal(lookup("133.1.1.1", &gi), 0);
	assert_string_equal(gi.country, "JP");
	assert_int_equal(gi.asn, 4730);
	assert_string_equal(gi.prefix, "133.1.0.0/16");
	assert_false(gi.anycast);
	/* a second, unrelated Japanese network: the result depends on the address */
	assert_int_equal(lookup("130.69.250.1", &gi), 0);
	assert_string_equal(gi.country, "JP");
	assert_int_equal(gi.asn, 2501);
}

static void test_ipv6(void **state)
{
	struct geo_info gi;
	(void)state;
	assert_int_equal(lookup("2001:200::1", &gi), 0);
	assert_string_equal(gi.country, "JP");
	assert_int_equal(gi.asn, 2500);
	assert_string_equal(gi.prefix, "2001:200::/32");
	assert_int_equal(lookup("2001:4860:4860::8888", &gi), 0);
	assert_string_equal(gi.country, "US");
	assert_int_equal(gi.asn, 15169);
	/* the IPv4-mapped form of 8.8.8.8 is the same network as 8.8.8.8 */
	assert_int_equal(lookup("::ffff:8.8.8.8", &gi), 0);
	assert_int_equal(gi.asn, 15169);
	assert_string_equal(gi.prefix, "8.8.8.0/24");
}

static void test_not_found(void **state)
{
	static const char *const bogons[] = {
	    "10.1.2.3",	       "192.168.1.1", "192.0.2.1", "127.0.0.1", "100.64.0.1", "2001:db8::1",
	    "fe80::1",	       "::1",	      "0.0.0.0",   "240.0.0.1", "fc00::1",    "ff02::1",
	    "2001:db8:ffff::1"};
	struct geo_info gi;
	(void)state;
	memset(&gi, 0x5a, sizeof(gi));
	/* 2001:db8::1 is in the list although the database's 2001:c00::/23 (APNIC) covers the
	 * documentation prefix: geo_lookup answers "not found" for 2001:db8::/32 itself */
	for (size_t i = 0; i < sizeof(bogons) / sizeof(bogons[0]); i++) {
		assert_int_equal(lookup(bogons[i], &gi), 1);
		/* untouched on "not found" */
		assert_int_equal((unsigned char)gi.country[0], 0x5a);
	}
}

static void test_bad_address(void **state)
{
	struct ip_addr a;
	struct geo_info gi;
	(void)state;
	memset(&a, 0, sizeof(a)); /* family 0: unset */
	assert_int_equal(geo_lookup(geo, &a, &gi), -EINVAL);
	a.family = 5;
	assert_int_equal(geo_lookup(geo, &a, &gi), -EINVAL);
}

static void test_open_errors(void **state)
{
	char err[256];
	char path[] = "/tmp/keikai-test-geo-XXXXXX";
	(void)state;

	assert_null(geo_open("/nonexistent/location.db", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/location.db"));
	/* a file that is not a database */
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char junk[] = "this is not a libloc database\n";
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	err[0] = '\0';
	assert_null(geo_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not a libloc database"));
	/* empty file */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	assert_null(geo_open(path, NULL, 0));
	unlink(path);
	geo_close(NULL);
}

static void test_country_names(void **state)
{
	(void)state;
	assert_string_equal(geo_country_name("JP", "en"), "Japan");
	assert_string_equal(geo_country_name("JP", "ja"), "日本");
	assert_string_equal(geo_country_name("mm", "ja"), "ミャンマー");
	assert_string_equal(geo_country_name("CN", "ja"), "中国");
	assert_string_equal(geo_country_name("US", "ja"), "アメリカ合衆国");
	assert_string_equal(geo_country_name("KR", "en"), "South Korea");
	assert_string_equal(geo_country_name("KR", "ja"), "韓国");
	assert_string_equal(geo_country_name("TW", "ja"), "台湾");
	assert_string_equal(geo_country_name("VN", "ja"), "ベトナム");
	assert_string_equal(geo_country_name("GB", "ja"), "イギリス");
	/* any language other than Japanese is English */
	assert_string_equal(geo_country_name("DE", "fr"), "Germany");
	assert_string_equal(geo_country_name("DE", NULL), "Germany");
	assert_null(geo_country_name("ZZ", "en"));
	assert_null(geo_country_name("J", "en"));
	assert_null(geo_country_name("JPN", "en"));
	assert_null(geo_country_name("", "en"));
	assert_null(geo_country_name("1P", "en"));
	assert_null(geo_country_name(NULL, "en"));
	assert_null(geo_country_code(geo_country_count()));
}

/* The table is sorted (the binary search needs it), every row has both names, and the
 * Japanese one is not the English one copied. */
static void test_country_table(void **state)
{
	(void)state;
	size_t n = geo_country_count();
	assert_true(n >= 250);
	for (size_t i = 0; i < n; i++) {
		const char *cc = geo_country_code(i);
		assert_non_null(cc);
		if (i > 0)
			assert_true(strcmp(geo_country_code(i - 1), cc) < 0);
		const char *en = geo_country_name(cc, "en"), *ja = geo_country_name(cc, "ja");
		assert_non_null(en);
		assert_non_null(ja);
		assert_true(strlen(en) > 0);
		assert_string_not_equal(en, ja);
		/* Japanese names are written in kana or kanji: their first byte is not ASCII */
		assert_true((unsigned char)ja[0] >= 0x80);
	}
}

/* Every country code the installed database knows has a row in the table. */
static void test_table_covers_database(void **state)
{
	struct loc_ctx *ctx = NULL;
	struct loc_database *db = NULL;
	struct loc_database_enumerator *en = NULL;
	struct loc_country *c = NULL;
	unsigned seen = 0;
	(void)state;

	assert_int_equal(loc_new(&ctx), 0);
	FILE *f = fopen(GEO_DEFAULT_DB, "rbe");
	assert_non_null(f);
	assert_int_equal(loc_database_new(ctx, &db, f), 0);
	fclose(f);
	assert_int_equal(loc_database_enumerator_new(&en, db, LOC_DB_ENUMERATE_COUNTRIES, 0), 0);
	while (loc_database_enumerator_next_country(en, &c) == 0 && c) {
		const char *cc = loc_country_get_code(c);
		if (!geo_country_name(cc, "ja"))
			fail_msg("no name for country code '%s' of the database", cc);
		seen++;
		loc_country_unref(c);
		c = NULL;
	}
	loc_database_enumerator_unref(en);
	loc_database_unref(db);
	loc_unref(ctx);
	assert_true(seen >= 200);
}

struct worker {
	const char *addr;
	uint32_t asn;
	unsigned ok;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct ip_addr a;
	struct geo_info gi;
	if (ip_addr_parse(w->addr, &a) != 0)
		return NULL;
	for (unsigned i = 0; i < 2000; i++)
		if (geo_lookup(geo, &a, &gi) == 0 && gi.asn == w->asn)
			w->ok++;
	return NULL;
}

/* One handle shared by four threads: every lookup answers its own address. */
static void test_threads(void **state)
{
	struct worker w[4] = {
	    {"8.8.8.8", 15169, 0},
	    {"133.1.1.1", 4730, 0},
	    {"2001:200::1", 2500, 0},
	    {"130.69.250.1", 2501, 0},
	};
	pthread_t t[4];
	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].ok, 2000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_google_dns),
	    cmocka_unit_test(test_japan_v4),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_bad_address),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_country_names),
	    cmocka_unit_test(test_country_table),
	    cmocka_unit_test(test_table_covers_database),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
