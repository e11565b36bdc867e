/* test-taxonomy.c - the RSIT table, the categories and TLP 2.0 labels */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/incident/taxonomy.h"

static size_t count(const struct tax_term *t)
{
	size_t n = 0;
	while (t[n].key)
		n++;
	return n;
}

static void rsit_is_version_1003(void **state)
{
	(void)state;
	assert_int_equal(count(tax_rsit_classes), 11);
	size_t n = 0;
	for (const struct rsit_type *t = tax_rsit_types; t->class_key; t++, n++) {
		/* every type's class and default category exist, and no pair appears twice */
		assert_non_null(tax_find(tax_rsit_classes, t->class_key));
		assert_non_null(tax_find(tax_categories, t->category));
		assert_ptr_equal(tax_rsit_find(t->class_key, t->type_key), t);
		assert_true(strlen(t->en) > 0 && strlen(t->ja) > 0);
	}
	assert_int_equal(n, 39);
}

static void seed_categories_map(void **state)
{
	(void)state;
	assert_string_equal(tax_rsit_find("fraud", "phishing")->category, "phishing");
	assert_string_equal(
	    tax_rsit_find("information-content-security", "unauthorised-information-modification")
		->category,
	    "defacement");
	assert_string_equal(tax_rsit_find("malicious-code", "malware-distribution")->category,
			    "malware_site");
	assert_string_equal(tax_rsit_find("information-gathering", "scanner")->category, "scan");
	assert_string_equal(tax_rsit_find("availability", "ddos")->category, "dos");
	assert_null(tax_rsit_find("fraud", "scanner"));
	assert_null(tax_rsit_find(NULL, "phishing"));
	assert_string_equal(tax_find(tax_categories, "phishing")->ja, "フィッシングサイト");
	assert_int_equal(count(tax_categories), 8);
}

static void tlp_labels(void **state)
{
	(void)state;
	assert_string_equal(tax_tlp_canon("TLP:AMBER+STRICT"), "amber+strict");
	assert_string_equal(tax_tlp_canon("tlp:clear"), "clear");
	assert_string_equal(tax_tlp_canon("WHITE"), "clear");
	assert_string_equal(tax_tlp_canon(" red "), "red");
	assert_null(tax_tlp_canon("amber+"));
	assert_null(tax_tlp_canon("purple"));
	assert_null(tax_tlp_canon(""));
	assert_true(tax_tlp_rank("clear") < tax_tlp_rank("green"));
	assert_true(tax_tlp_rank("amber") < tax_tlp_rank("TLP:AMBER+STRICT"));
	assert_true(tax_tlp_rank("amber+strict") < tax_tlp_rank("red"));
	assert_int_equal(tax_tlp_rank("blue"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rsit_is_version_1003),
	    cmocka_unit_test(seed_categories_map),
	    cmocka_unit_test(tlp_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
