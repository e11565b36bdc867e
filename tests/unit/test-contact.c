/* test-contact.c - the contact registry, enrichment and candidate parties on a real SQLite file
 * and the installed libloc database
 *
 * Facts of the libloc database (checked with `location lookup ADDR`, database of 2022-10-29;
 * old, large allocations like those tests/unit/test-geo.c uses):
 *   133.1.1.1      133.1.0.0/16    JP  AS4730 Osaka University
 *   168.126.63.1   168.126.0.0/16  KR  AS4766 Korea Telecom
 *   8.8.8.8        8.8.8.0/24      US  AS15169 GOOGLE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/incident/contact.h"
#include "../../src/incident/enrich.h"
#include "../../src/lib/db.h"
#include "../../src/lib/geo.h"

/* the indicator fields are not const; the tests only read them */
#define S(x) ((char *)(uintptr_t)(x))

static struct geo *geo;
static sqlite3 *db;
static char path[256];
static const struct contact_actor who = {7, "hanako"};

static int setup(void **state)
{
	(void)state;
	char err[256];
	(void)snprintf(path, sizeof path, "%s/test-contact-XXXXXX", P_tmpdir);
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	(void)close(fd);
	if (db_open(path, &db, err, sizeof err) != 0 || contact_migrate(db, err, sizeof err) != 0) {
		(void)fprintf(stderr, "%s\n", err);
		return -1;
	}
	geo = geo_open(NULL, err, sizeof err);
	return geo ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	geo_close(geo);
	(void)unlink(path);
	char side[300];
	(void)snprintf(side, sizeof side, "%s-wal", path);
	(void)unlink(side);
	(void)snprintf(side, sizeof side, "%s-shm", path);
	(void)unlink(side);
	return 0;
}

/* each test starts from an empty registry */
static int empty(void **state)
{
	(void)state;
	char err[256];
	return db_exec(db, "DELETE FROM contact_org; DELETE FROM contact_audit;", err, sizeof err);
}

static int64_t add(const char *json)
{
	struct contact_org o;
	char field[32];
	int rc = contact_parse(json, strlen(json), false, &o, field, sizeof field);
	if (rc != 0) {
		(void)fprintf(stderr, "parse %s: %d at %s\n", json, rc, field);
		return rc;
	}
	rc = contact_create(db, &o, 1700000000, &who);
	int64_t id = o.id;
	contact_org_free(&o);
	return rc ? rc : id;
}

static int parse_err(const char *json, char *field)
{
	struct contact_org o;
	return contact_parse(json, strlen(json), false, &o, field, 32);
}

static int64_t count(const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

static void test_crud(void **state)
{
	(void)state;
	int64_t id = add("{\"name\":\"Example ISP\",\"type\":\"isp\",\"country\":\"jp\","
			 "\"abuse\":[\"abuse@EXAMPLE.co.jp\",\"abuse@example.co.jp\"],"
			 "\"networks\":[\"203.0.113.0/24\",\"2001:db8:10::/48\"],"
			 "\"asns\":[64500,\"AS64501\"],\"domains\":[\"Example.CO.JP\"],"
			 "\"note\":\"24h desk\\n\"}");
	assert_true(id > 0);
	struct contact_org o;
	assert_int_equal(contact_get(db, id, &o), 0);
	assert_string_equal(o.name, "Example ISP");
	assert_string_equal(o.country, "JP");
	assert_string_equal(o.lang, "ja"); /* the default for a Japanese organisation */
	assert_int_equal(o.n_abuse, 1);	   /* the two spellings are one address */
	assert_string_equal(o.abuse[0], "abuse@example.co.jp");
	assert_int_equal(o.n_networks, 2);
	assert_string_equal(o.networks[0], "2001:db8:10::/48");
	assert_string_equal(o.networks[1], "203.0.113.0/24");
	assert_int_equal(o.n_asns, 2);
	assert_int_equal(o.asns[1], 64501);
	assert_string_equal(o.domains[0], "example.co.jp");
	contact_org_free(&o);

	/* a second organisation may not take the name */
	assert_int_equal(add("{\"name\":\"Example ISP\",\"type\":\"csirt\"}"), CONTACT_E_EXISTS);

	/* update: only the named fields change, and the changes say old and new */
	struct contact_org p;
	const char *patch = "{\"lang\":\"en\",\"asns\":[64502]}";
	assert_int_equal(contact_parse(patch, strlen(patch), true, &p, NULL, 0), 0);
	char *changes = NULL;
	assert_int_equal(contact_update(db, id, &p, 1700000100, &who, &changes), 0);
	assert_string_equal(changes, "{\"lang\":[\"ja\",\"en\"],\"asns\":[[64500,64501],[64502]]}");
	free(changes);
	assert_int_equal(contact_get(db, id, &o), 0);
	assert_string_equal(o.lang, "en");
	assert_string_equal(o.name, "Example ISP");
	assert_int_equal(o.n_asns, 1);
	assert_int_equal(o.n_networks, 2);
	assert_int_equal(o.updated, 1700000100);
	contact_org_free(&o);
	/* the same patch again changes nothing and writes no audit row */
	int64_t audits = count("SELECT count(*) FROM contact_audit");
	assert_int_equal(contact_update(db, id, &p, 1700000200, &who, &changes), 0);
	assert_string_equal(changes, "{}");
	free(changes);
	contact_org_free(&p);
	assert_int_equal(count("SELECT count(*) FROM contact_audit"), audits);
	assert_int_equal(count("SELECT count(*) FROM contact_audit WHERE user_name = 'hanako' AND "
			       "action = 'update'"),
			 1);

	/* search by name part, AS, address and domain */
	int64_t ids[8];
	size_t n;
	assert_int_equal(contact_search(db, "ample I", ids, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(contact_search(db, "AS64502", ids, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(contact_search(db, "203.0.113.77", ids, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(contact_search(db, "www.example.co.jp", ids, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(contact_search(db, "198.51.100.1", ids, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(contact_search(db, "%", ids, 8, &n), 0); /* a literal percent sign */
	assert_int_equal(n, 0);

	assert_int_equal(contact_delete(db, id, 1700000300, &who), 0);
	assert_int_equal(contact_get(db, id, &o), CONTACT_E_NOTFOUND);
	assert_int_equal(contact_delete(db, id, 1700000300, &who), CONTACT_E_NOTFOUND);
	assert_int_equal(count("SELECT count(*) FROM contact_net"), 0);
	assert_int_equal(count("SELECT count(*) FROM contact_audit WHERE action = 'delete'"), 1);
}

static void test_validation(void **state)
{
	(void)state;
	char f[32];
	static const struct {
		const char *json;
		int code;
		const char *field;
	} bad[] = {
	    {"[]", CONTACT_E_JSON, ""},
	    {"{\"name\":\"x\"", CONTACT_E_JSON, ""},
	    {"{\"type\":\"isp\"}", CONTACT_E_NAME, "name"},
	    {"{\"name\":\"\",\"type\":\"isp\"}", CONTACT_E_NAME, "name"},
	    {"{\"name\":\"a\\u0007b\",\"type\":\"isp\"}", CONTACT_E_NAME, "name"},
	    /* jansson refuses NUL in strings: the whole text is bad */
	    {"{\"name\":\"a\\u0000b\",\"type\":\"isp\"}", CONTACT_E_JSON, ""},
	    {"{\"name\":\"a\\u202eb\",\"type\":\"isp\"}", CONTACT_E_NAME, "name"},
	    {"{\"name\":\"x\"}", CONTACT_E_TYPE, "type"},
	    {"{\"name\":\"x\",\"type\":\"bank\"}", CONTACT_E_TYPE, "type"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"country\":\"XX\"}", CONTACT_E_COUNTRY, "country"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"country\":\"JPN\"}", CONTACT_E_COUNTRY, "country"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"lang\":\"fr\"}", CONTACT_E_LANG, "lang"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"abuse\":[\"nobody\"]}", CONTACT_E_ABUSE, "abuse"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"abuse\":[\"a b@example.jp\"]}", CONTACT_E_ABUSE,
	     "abuse"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"abuse\":\"a@example.jp\"}", CONTACT_E_ABUSE,
	     "abuse"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"networks\":[\"203.0.113.5/24\"]}",
	     CONTACT_E_NETWORK, "networks"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"networks\":[\"203.0.113.0/33\"]}",
	     CONTACT_E_NETWORK, "networks"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"networks\":[\"203.0.113.0\"]}", CONTACT_E_NETWORK,
	     "networks"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"asns\":[0]}", CONTACT_E_ASN, "asns"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"asns\":[4294967295]}", CONTACT_E_ASN, "asns"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"asns\":[\"ASx\"]}", CONTACT_E_ASN, "asns"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"domains\":[\"co.jp\"]}", CONTACT_E_DOMAIN,
	     "domains"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"domains\":[\"kita.tokyo.jp\"]}", CONTACT_E_DOMAIN,
	     "domains"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"domains\":[\"192.0.2.1\"]}", CONTACT_E_DOMAIN,
	     "domains"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"domains\":[\"localhost\"]}", CONTACT_E_DOMAIN,
	     "domains"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"domains\":[\"a/b.example\"]}", CONTACT_E_DOMAIN,
	     "domains"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"pgp_key\":\"not a key\"}", CONTACT_E_PGP,
	     "pgp_key"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"note\":\"\\u0001\"}", CONTACT_E_NOTE, "note"},
	    {"{\"name\":\"x\",\"type\":\"isp\",\"phone\":\"1\"}", CONTACT_E_FIELD, "phone"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse_err(bad[i].json, f);
		if (rc != bad[i].code || strcmp(f, bad[i].field) != 0)
			(void)fprintf(stderr, "case %zu %s: %d %s\n", i, bad[i].json, rc, f);
		assert_int_equal(rc, bad[i].code);
		assert_string_equal(f, bad[i].field);
	}
	assert_string_equal(contact_error_code(CONTACT_E_NETWORK), "bad_network");
	assert_string_equal(contact_error_code(CONTACT_E_EXISTS), "exists");
	assert_non_null(strstr(contact_strerror(CONTACT_E_LANG, "ja"), "言語"));

	/* an armoured key block, and an IDN domain to its A-label form */
	int64_t id =
	    add("{\"name\":\"Key\",\"type\":\"vendor\",\"pgp_key\":\"-----BEGIN PGP PUBLIC "
		"KEY BLOCK-----\\n\\nmQENBF0=\\n=abcd\\n-----END PGP PUBLIC KEY "
		"BLOCK-----\\n\",\"domains\":[\"例え.jp\"]}");
	assert_true(id > 0);
	struct contact_org o;
	assert_int_equal(contact_get(db, id, &o), 0);
	assert_string_equal(o.domains[0], "xn--r8jz45g.jp");
	assert_string_equal(o.lang, "en");
	contact_org_free(&o);
	assert_int_equal(count("SELECT count(*) FROM contact_org"), 1);
}

static int cands(const struct indicator *ind, size_t ni, const struct enrich_addr *ad, size_t na,
		 struct contact_candidate *out, size_t *n)
{
	return contact_candidates(db, ind, ni, ad, na, "JP", out, 16, n);
}

static void test_network_most_specific(void **state)
{
	(void)state;
	int64_t big = add("{\"name\":\"Big\",\"type\":\"isp\",\"networks\":[\"203.0.0.0/16\"]}");
	int64_t small =
	    add("{\"name\":\"Small\",\"type\":\"hosting\",\"networks\":[\"203.0.113.0/24\"],"
		"\"abuse\":[\"abuse@small.example\"]}");
	int64_t v6 = add("{\"name\":\"Six\",\"type\":\"hosting\",\"networks\":[\"2001:db8::/32\","
			 "\"2001:db8:aa::/48\"]}");
	int64_t v6b =
	    add("{\"name\":\"SixBig\",\"type\":\"isp\",\"networks\":[\"2001:db8::/29\"]}");
	assert_true(big > 0 && small > 0 && v6 > 0 && v6b > 0);
	struct indicator ind[] = {{IND_IPV4, S("203[.]0.113.9"), S("203.0.113.9"), NULL}};
	struct contact_candidate c[16];
	size_t n;
	assert_int_equal(cands(ind, 1, NULL, 0, c, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].org_id, small);
	assert_string_equal(c[0].why, "network 203.0.113.0/24");
	assert_string_equal(c[0].reason, "network");
	assert_string_equal(c[0].detail, "203.0.113.0/24");
	assert_string_equal(c[0].abuse, "abuse@small.example");
	assert_int_equal(c[1].org_id, big);
	assert_string_equal(c[1].why, "network 203.0.0.0/16");
	/* outside both */
	struct indicator out4[] = {{IND_IPV4, S("203.1.0.1"), S("203.1.0.1"), NULL}};
	assert_int_equal(cands(out4, 1, NULL, 0, c, &n), 0);
	assert_int_equal(n, 0);

	/* IPv6, through a URL with a literal: the /48 first, then the /32, then the /29; one
	   entry for Six although two of its networks match */
	struct indicator u[] = {
	    {IND_URL, S("http://[2001:db8:aa::1]/x"), S("http://[2001:db8:aa::1]/x"), NULL}};
	assert_int_equal(cands(u, 1, NULL, 0, c, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].org_id, v6);
	assert_string_equal(c[0].why, "network 2001:db8:aa::/48");
	assert_int_equal(c[1].org_id, v6b);
	char ja[160];
	contact_reason_text(&c[0], "ja", ja, sizeof ja);
	assert_string_equal(ja, "ネットワーク 2001:db8:aa::/48");
}

static void test_asn_libloc(void **state)
{
	(void)state;
	struct enrich_addr e;
	assert_int_equal(enrich_ip(geo, "JP", "133.1.1.1", &e), 0);
	assert_int_equal(e.asn, 4730);
	assert_string_equal(e.cc, "JP");
	assert_string_equal(e.prefix, "133.1.0.0/16");
	assert_true(e.domestic);
	int64_t osaka = add("{\"name\":\"Osaka U\",\"type\":\"site_owner\",\"asns\":[4730]}");
	int64_t other = add("{\"name\":\"Other AS\",\"type\":\"isp\",\"asns\":[2501]}");
	assert_true(osaka > 0 && other > 0);
	struct contact_candidate c[16];
	size_t n;
	assert_int_equal(cands(NULL, 0, &e, 1, c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].org_id, osaka);
	assert_string_equal(c[0].why, "AS4730");
	assert_string_equal(c[0].reason, "asn");
	/* a network of the organisation outranks its AS for another party */
	int64_t net = add("{\"name\":\"Lab\",\"type\":\"site_owner\",\"networks\":[\"133.1.0.0/"
			  "20\"]}");
	assert_int_equal(cands(NULL, 0, &e, 1, c, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].org_id, net);
	assert_int_equal(c[1].org_id, osaka);
	/* bad input */
	assert_int_equal(enrich_ip(geo, "JP", "133.1.1", &e), -EINVAL);
	assert_int_equal(enrich_ip(geo, "JP", "192.0.2.1", &e), 1);
	assert_string_equal(e.ip, "192.0.2.1");
	assert_int_equal(e.asn, 0);
	/* the canonical text of an IPv6 address */
	assert_int_equal(enrich_ip(geo, "JP", "2001:0200:0000::1", &e), 0);
	assert_string_equal(e.ip, "2001:200::1");
	assert_string_equal(e.cc, "JP");
}

static void test_domain_suffix(void **state)
{
	(void)state;
	int64_t ex = add("{\"name\":\"Example\",\"type\":\"site_owner\",\"domains\":[\"example.co."
			 "jp\"]}");
	int64_t shop = add("{\"name\":\"Shop\",\"type\":\"hosting\",\"domains\":[\"shop.example.co."
			   "jp\"]}");
	assert_true(ex > 0 && shop > 0);
	struct contact_candidate c[16];
	size_t n;
	struct indicator www[] = {
	    {IND_DOMAIN, S("www.example.co.jp"), S("www.example.co.jp"), NULL}};
	assert_int_equal(cands(www, 1, NULL, 0, c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].org_id, ex);
	assert_string_equal(c[0].why, "domain example.co.jp");
	struct indicator bad[] = {
	    {IND_DOMAIN, S("badexample.co.jp"), S("badexample.co.jp"), NULL},
	    {IND_URL, S("http://www.badexample.co.jp/"), S("http://www.badexample.co.jp/"), NULL},
	    {IND_EMAIL, S("x@mail.badexample.co.jp"), S("x@mail.badexample.co.jp"), NULL}};
	assert_int_equal(cands(bad, 3, NULL, 0, c, &n), 0);
	assert_int_equal(n, 0);
	/* the longer domain is the more specific party; both are offered */
	struct indicator deep[] = {{IND_URL, S("hxxp://a.shop.example.co.jp/login"),
				    S("http://a.shop.example.co.jp/login"), NULL}};
	assert_int_equal(cands(deep, 1, NULL, 0, c, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].org_id, shop);
	assert_string_equal(c[0].why, "domain shop.example.co.jp");
	assert_int_equal(c[1].org_id, ex);
	/* the operator of a suffix of the list's private section answers for the names under it */
	int64_t dyn = add("{\"name\":\"Dyn\",\"type\":\"hosting\",\"domains\":[\"dynv6.net\"]}");
	assert_true(dyn > 0);
	struct indicator sub[] = {{IND_URL, S("http://victim.dynv6.net/login"),
				   S("http://victim.dynv6.net/login"), NULL}};
	assert_int_equal(cands(sub, 1, NULL, 0, c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].org_id, dyn);
	assert_string_equal(c[0].why, "domain dynv6.net");
	struct indicator mail[] = {{IND_EMAIL, S("x@example.co.jp"), S("x@example.co.jp"), NULL}};
	assert_int_equal(cands(mail, 1, NULL, 0, c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].org_id, ex);
}

static void test_national_csirt(void **state)
{
	(void)state;
	int64_t kr = add("{\"name\":\"KrCERT/CC\",\"type\":\"csirt\",\"country\":\"KR\","
			 "\"abuse\":[\"cert@krcert.example\"]}");
	int64_t jp = add("{\"name\":\"JP CSIRT\",\"type\":\"csirt\",\"country\":\"JP\"}");
	int64_t krisp = add("{\"name\":\"KR ISP\",\"type\":\"isp\",\"country\":\"KR\"}");
	assert_true(kr > 0 && jp > 0 && krisp > 0);
	struct enrich_addr e[2];
	assert_int_equal(enrich_ip(geo, "JP", "168.126.63.1", &e[0]), 0);
	assert_string_equal(e[0].cc, "KR");
	assert_int_equal(e[0].asn, 4766);
	assert_false(e[0].domestic);
	struct contact_candidate c[16];
	size_t n;
	assert_int_equal(cands(NULL, 0, e, 1, c, &n), 0);
	assert_int_equal(n, 1); /* only the csirt type of that country */
	assert_int_equal(c[0].org_id, kr);
	assert_string_equal(c[0].why, "national CSIRT (KR)");
	assert_string_equal(c[0].reason, "national_csirt");
	char ja[160];
	contact_reason_text(&c[0], "ja", ja, sizeof ja);
	assert_string_equal(ja, "国の CSIRT (KR)");
	/* a domestic address gets no national fallback */
	assert_int_equal(enrich_ip(geo, "JP", "133.1.1.1", &e[1]), 0);
	assert_int_equal(cands(NULL, 0, &e[1], 1, c, &n), 0);
	assert_int_equal(n, 0);
	/* with home KR the same address is domestic */
	assert_int_equal(enrich_ip(geo, "KR", "168.126.63.1", &e[0]), 0);
	assert_true(e[0].domestic);
	assert_int_equal(contact_candidates(db, NULL, 0, e, 1, "KR", c, 16, &n), 0);
	assert_int_equal(n, 0);
	/* max limits the answer */
	assert_int_equal(enrich_ip(geo, "JP", "168.126.63.1", &e[0]), 0);
	assert_int_equal(contact_candidates(db, NULL, 0, e, 1, "JP", c, 0, &n), 0);
	assert_int_equal(n, 0);
}

/* indicators as the extractor finds them in a report's text, defanged forms included */
static void test_from_report_text(void **state)
{
	(void)state;
	int64_t ex = add("{\"name\":\"Example\",\"type\":\"site_owner\",\"domains\":[\"example.co."
			 "jp\"]}");
	int64_t net = add("{\"name\":\"Net\",\"type\":\"hosting\",\"networks\":[\"198.51.100."
			  "0/24\"]}");
	assert_true(ex > 0 && net > 0);
	const char *text = "Phishing at hxxps://login[.]example[.]co[.]jp/account, "
			   "hosted on 198.51.100[.]7. Not related: badexample.co.jp";
	struct indicator_set set;
	indicator_set_init(&set, 0);
	assert_true(extract_text(&set, text, strlen(text)) >= 2);
	struct contact_candidate c[16];
	size_t n;
	assert_int_equal(cands(set.items, set.count, NULL, 0, c, &n), 0);
	indicator_set_free(&set);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].org_id, net); /* a network outranks a domain */
	assert_string_equal(c[0].why, "network 198.51.100.0/24");
	assert_int_equal(c[1].org_id, ex);
	assert_string_equal(c[1].why, "domain example.co.jp");
}

static void test_import_export(void **state)
{
	(void)state;
	const char *text = "# constituency\n"
			   "{\"name\":\"A\",\"type\":\"isp\",\"asns\":[64500]}\n"
			   "\n"
			   "{\"name\":\"B\",\"type\":\"csirt\",\"country\":\"KR\"}\n";
	size_t cr, up, line;
	char field[32];
	assert_int_equal(
	    contact_import(db, text, strlen(text), 1, &who, &cr, &up, &line, field, sizeof field),
	    0);
	assert_int_equal(cr, 2);
	assert_int_equal(up, 0);
	char *out;
	size_t len;
	assert_int_equal(contact_export(db, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	/* the export imports back as updates that change nothing */
	assert_int_equal(
	    contact_import(db, out, len, 2, &who, &cr, &up, &line, field, sizeof field), 0);
	assert_int_equal(cr, 0);
	assert_int_equal(up, 2);
	char *again;
	size_t len2;
	assert_int_equal(contact_export(db, &again, &len2), 0);
	assert_string_equal(out, again);
	free(out);
	free(again);
	/* a bad third line: nothing of the file is kept */
	const char *bad = "{\"name\":\"C\",\"type\":\"isp\"}\n"
			  "{\"name\":\"A\",\"type\":\"isp\",\"asns\":[1]}\n"
			  "{\"name\":\"D\",\"type\":\"isp\",\"networks\":[\"10.0.0.1/8\"]}\n";
	assert_int_equal(
	    contact_import(db, bad, strlen(bad), 3, &who, &cr, &up, &line, field, sizeof field),
	    CONTACT_E_NETWORK);
	assert_int_equal(line, 3);
	assert_string_equal(field, "networks");
	assert_int_equal(count("SELECT count(*) FROM contact_org"), 2);
	assert_int_equal(count("SELECT count(*) FROM contact_asn WHERE asn = 64500"), 1);
}

static void test_resolver_cache(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(
	    db_exec(db, "DELETE FROM resolve_queue; DELETE FROM dns_cache;", err, sizeof err), 0);
	struct enrich_addr e[4];
	size_t n = 9;
	assert_int_equal(enrich_host_cached(db, "www.example.jp", e, 4, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(enrich_queue_host(db, "www.example.jp"), 0);
	assert_int_equal(enrich_queue_host(db, "www.example.jp"), 0);
	assert_int_equal(enrich_queue_host(db, "192.0.2.1"), 0); /* addresses are not queued */
	assert_int_equal(count("SELECT count(*) FROM resolve_queue"), 1);
	/* a filled cache entry is read back with its enrichment */
	assert_int_equal(
	    db_exec(
		db,
		"INSERT INTO dns_cache VALUES('www.example.jp', '[{\"ip\":\"133.1.1.1\",\"asn\":"
		"4730,\"as_name\":\"x\",\"prefix\":\"133.1.0.0/16\",\"cc\":\"JP\",\"domestic\":"
		"true}]', 1, 9999999999, 'ok'); DELETE FROM resolve_queue;",
		err, sizeof err),
	    0);
	assert_int_equal(enrich_host_cached(db, "www.example.jp", e, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].ip, "133.1.1.1");
	assert_int_equal(e[0].asn, 4730);
	assert_true(e[0].domestic);
	/* a valid entry is not queued again */
	assert_int_equal(enrich_queue_host(db, "www.example.jp"), 0);
	assert_int_equal(count("SELECT count(*) FROM resolve_queue"), 0);
	/* the resolver's address: IPv4 or IPv6, port 53 unless given */
	static const struct {
		const char *in;
		int family;
		unsigned port;
		const char *addr;
	} good[] = {
	    {"127.0.0.1:5353", AF_INET, 5353, "127.0.0.1"},
	    {"127.0.0.1", AF_INET, 53, "127.0.0.1"},
	    {"[::1]:5353", AF_INET6, 5353, "::1"},
	    {"::1", AF_INET6, 53, "::1"},
	    {"[2001:db8::53]", AF_INET6, 53, "2001:db8::53"},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;
		char text[64];
		assert_int_equal(enrich_resolver_parse(good[i].in, &ss, &len), 0);
		assert_int_equal(ss.ss_family, good[i].family);
		if (good[i].family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)&ss;
			assert_int_equal(len, sizeof *s4);
			assert_int_equal(ntohs(s4->sin_port), good[i].port);
			assert_non_null(inet_ntop(AF_INET, &s4->sin_addr, text, sizeof text));
		} else {
			const struct sockaddr_in6 *s6 = (const void *)&ss;
			assert_int_equal(len, sizeof *s6);
			assert_int_equal(ntohs(s6->sin6_port), good[i].port);
			assert_non_null(inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof text));
		}
		assert_string_equal(text, good[i].addr);
	}
	static const char *const bad[] = {"127.0.0.1:0", "127.0.0.1:70000", "host:53", "[::1",
					  "[::1]x",	 "[127.0.0.1]:53",  "::1:53x", "",
					  "[::1]:"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;
		assert_int_equal(enrich_resolver_parse(bad[i], &ss, &len), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_crud, empty),
	    cmocka_unit_test_setup(test_validation, empty),
	    cmocka_unit_test_setup(test_network_most_specific, empty),
	    cmocka_unit_test_setup(test_asn_libloc, empty),
	    cmocka_unit_test_setup(test_domain_suffix, empty),
	    cmocka_unit_test_setup(test_national_csirt, empty),
	    cmocka_unit_test_setup(test_from_report_text, empty),
	    cmocka_unit_test_setup(test_import_export, empty),
	    cmocka_unit_test_setup(test_resolver_cache, empty),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
