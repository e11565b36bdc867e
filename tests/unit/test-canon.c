/* test-canon.c - Safe Browsing URL canonicalisation, hosts, registrable domains, expressions
 *
 * The first table is the list of canonicalisation examples Google publishes with the Safe
 * Browsing v4 "URLs and Hashing" page (inputs and expected outputs as published). The others
 * follow from the rules in that page and RFC 5952, worked out by hand; IDN A-labels were
 * checked against the real JPCERT/CC phishing hosts in tests/data/phishurl/.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/incident/canon.h"

struct pair {
	const char *in, *want;
};

static void check_url(const char *in, const char *want)
{
	char out[4096], again[4096];
	struct canon_url p;
	int n = canon_url(in, strlen(in), out, sizeof(out), &p);
	if (n < 0)
		fail_msg("'%s' refused: %s", in, canon_strerror(n, "en"));
	if (strcmp(out, want) != 0)
		fail_msg("'%s' gave '%s', want '%s'", in, out, want);
	assert_int_equal((size_t)n, strlen(out));
	/* idempotent */
	int m = canon_url(out, (size_t)n, again, sizeof(again), NULL);
	assert_int_equal(m, n);
	assert_string_equal(again, out);
}

/* Google's published examples */
static const struct pair gsb[] = {
    {"http://host/%25%32%35", "http://host/%25"},
    {"http://host/%25%32%35%25%32%35", "http://host/%25%25"},
    {"http://host/%2525252525252525", "http://host/%25"},
    {"http://host/asdf%25%32%35asd", "http://host/asdf%25asd"},
    {"http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"},
    {"http://www.google.com/", "http://www.google.com/"},
    {"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79"
     "%2E%63%6F%6D/",
     "http://168.188.99.26/.secure/www.ebay.com/"},
    {"http://195.127.0.11/uploads/%20%20%20%20/.verify/"
     ".eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
     "http://195.127.0.11/uploads/%20%20%20%20/.verify/"
     ".eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/"},
    {"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55"
     "%252B",
     "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+"},
    {"http://3279880203/blah", "http://195.127.0.11/blah"},
    {"http://www.google.com/blah/..", "http://www.google.com/"},
    {"www.google.com/", "http://www.google.com/"},
    {"www.google.com", "http://www.google.com/"},
    {"http://www.evil.com/blah#frag", "http://www.evil.com/blah"},
    {"http://www.GOOgle.com/", "http://www.google.com/"},
    {"http://www.google.com.../", "http://www.google.com/"},
    {"http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"},
    {"http://www.google.com/q?", "http://www.google.com/q?"},
    {"http://www.google.com/q?r?", "http://www.google.com/q?r?"},
    {"http://www.google.com/q?r?s", "http://www.google.com/q?r?s"},
    {"http://evil.com/foo#bar#baz", "http://evil.com/foo"},
    {"http://evil.com/foo;", "http://evil.com/foo;"},
    {"http://evil.com/foo?bar;", "http://evil.com/foo?bar;"},
    {"http://\x01\x80.com/", "http://%01%80.com/"},
    {"http://notrailingslash.com", "http://notrailingslash.com/"},
    {"http://www.gotaport.com:1234/", "http://www.gotaport.com/"},
    {"  http://www.google.com/  ", "http://www.google.com/"},
    {"http:// leadingspace.com/", "http://%20leadingspace.com/"},
    {"http://%20leadingspace.com/", "http://%20leadingspace.com/"},
    {"%20leadingspace.com/", "http://%20leadingspace.com/"},
    {"https://www.securesite.com/", "https://www.securesite.com/"},
    {"http://host.com/ab%23cd", "http://host.com/ab%23cd"},
    {"http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"},
};

static void test_gsb_examples(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gsb) / sizeof(gsb[0]); i++)
		check_url(gsb[i].in, gsb[i].want);
}

/* host forms: IPv4 encodings, IPv6, userinfo, port, dots, case */
static const struct pair hosts[] = {
    {"http://0x12.0x43.0x44.0x01/", "http://18.67.68.1/"},
    {"http://10.1/a", "http://10.0.0.1/a"},
    {"http://192.168.257/", "http://192.168.1.1/"},
    {"http://012.0.0.01/", "http://10.0.0.1/"},
    {"http://0xC0A80001/", "http://192.168.0.1/"},
    {"http://1.2.3.4.5/", "http://1.2.3.4.5/"},	  /* five parts: a name */
    {"http://256.1.1.1/", "http://256.1.1.1/"},	  /* out of range: a name */
    {"http://09.1.1.1/", "http://09.1.1.1/"},	  /* not octal: a name */
    {"http://4294967296/", "http://4294967296/"}, /* 2^32: a name */
    {"http://[2001:DB8:0:0:0:0:0:1]:8080/x", "http://[2001:db8::1]/x"},
    {"http://[2001:db8:0:1:1:1:1:1]/", "http://[2001:db8:0:1:1:1:1:1]/"},
    {"http://[2001:0:0:1:0:0:0:1]/", "http://[2001:0:0:1::1]/"},
    {"http://[2001:db8:0:0:1:0:0:1]/", "http://[2001:db8::1:0:0:1]/"},
    {"http://[0:0:0:0:0:0:0:0]/", "http://[::]/"},
    {"http://[::ffff:1.2.3.4]/", "http://1.2.3.4/"},
    {"http://[::FFFF:c000:0201]/", "http://192.0.2.1/"},
    {"http://[64:ff9b::1.2.3.4]/", "http://1.2.3.4/"},
    {"http://user:pass@Example.COM:8080/a", "http://example.com/a"},
    {"http://a@b@evil.example/", "http://evil.example/"},
    {"http://..www..example..com../", "http://www.example.com/"},
    {"HTTPS://EXAMPLE.com?x=1", "https://example.com/?x=1"},
    {"ftp://files.example.org/pub/", "ftp://files.example.org/pub/"},
    {"http://example.com:/", "http://example.com/"},
};

/* paths and queries */
static const struct pair paths[] = {
    {"http://example.com/a/b/../c/./d", "http://example.com/a/c/d"},
    {"http://example.com/foo/.././bar/./../foo.html", "http://example.com/foo.html"},
    {"http://example.com//a//b///c////", "http://example.com/a/b/c/"},
    {"http://example.com/../../x", "http://example.com/x"},
    {"http://example.com/a/.", "http://example.com/a/"},
    {"http://example.com/a/...", "http://example.com/a/..."},
    {"http://example.com/%2e%2E/x", "http://example.com/x"},
    {"http://example.com/a?b/../c//d", "http://example.com/a?b/../c//d"},
    {"http://example.com/%E3%83%86?%e3%83%86", "http://example.com/%E3%83%86?%E3%83%86"},
    {"http://example.com/\xe3\x83\x86 x", "http://example.com/%E3%83%86%20x"},
    {"http://example.com/a%00b", "http://example.com/a%00b"},
    {"http://example.com/a%3Fb?c", "http://example.com/a?b?c"},
};

/* IDN: names in Unicode (raw or percent-encoded) become A-labels */
static const struct pair idn[] = {
    {"http://例え.テスト/", "http://xn--r8jz45g.xn--zckzah/"},
    {"http://%E4%BE%8B%E3%81%88.%E3%83%86%E3%82%B9%E3%83%88/", "http://xn--r8jz45g.xn--zckzah/"},
    /* real hosts from tests/data/phishurl/201901.csv, written in Unicode */
    {"https://appleafe36c49b3e31a0c6728957fdf4.alogin.コム/",
     "https://appleafe36c49b3e31a0c6728957fdf4.alogin.xn--tckwe/"},
    {"https://アップルジャパンのログインID.trak-tare.org/",
     "https://xn--id-zb4axila5esc1e1f9bvhzd4a6fe.trak-tare.org/"},
    /* UTS #46 mapping: ideographic full stop and full-width letters */
    {"http://www.foo。bar.com/", "http://www.foo.bar.com/"},
    {"http://ＥＸＡＭＰＬＥ.com/", "http://example.com/"},
    /* already A-labels: unchanged apart from case */
    {"http://XN--R8JZ45G.xn--zckzah/", "http://xn--r8jz45g.xn--zckzah/"},
    /* not UTF-8, or refused by IDNA: kept and escaped */
    {"http://\xff\xfe.com/", "http://%FF%FE.com/"},
};

static void test_hosts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		check_url(hosts[i].in, hosts[i].want);
}

static void test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		check_url(paths[i].in, paths[i].want);
}

static void test_idn(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(idn) / sizeof(idn[0]); i++)
		check_url(idn[i].in, idn[i].want);
}

static void test_parts(void **state)
{
	(void)state;
	char out[256];
	struct canon_url p;
	const char *in = "HTTPS://u@Shop.Example.co.jp:443/a/./b?x=1#top";
	int n = canon_url(in, strlen(in), out, sizeof(out), &p);
	assert_int_equal(n, (int)strlen("https://shop.example.co.jp/a/b?x=1"));
	assert_string_equal(out, "https://shop.example.co.jp/a/b?x=1");
	assert_memory_equal(out + p.scheme_off, "https", 5);
	assert_int_equal(p.scheme_len, 5);
	assert_int_equal(p.host_len, strlen("shop.example.co.jp"));
	assert_memory_equal(out + p.host_off, "shop.example.co.jp", p.host_len);
	assert_int_equal(p.path_len, 4);
	assert_memory_equal(out + p.path_off, "/a/b", 4);
	assert_true(p.has_query);
	assert_int_equal(p.query_len, 3);
	assert_memory_equal(out + p.query_off, "x=1", 3);
	assert_false(p.host_is_ip);

	n = canon_url("http://[::1]/", 13, out, sizeof(out), &p);
	assert_int_equal(n, 13);
	assert_true(p.host_is_ip);
	assert_memory_equal(out + p.host_off, "[::1]", p.host_len);
	assert_false(p.has_query);

	/* input need not be NUL-terminated: only len bytes are read */
	n = canon_url("http://a.example/xyz", 18, out, sizeof(out), NULL);
	assert_string_equal(out, "http://a.example/x");
	assert_int_equal(n, 18);
}

static void test_errors(void **state)
{
	(void)state;
	char out[64];
	static const struct {
		const char *in;
		int code;
	} bad[] = {
	    {"", CANON_E_EMPTY},
	    {" \t\r\n ", CANON_E_EMPTY},
	    {"#fragment", CANON_E_EMPTY},
	    {"http:///path", CANON_E_NOHOST},
	    {"http://.../", CANON_E_NOHOST},
	    {"http://user@/", CANON_E_NOHOST},
	    {"http://[::1/", CANON_E_BADHOST},
	    {"http://[zz::1]/", CANON_E_BADHOST},
	    {"http://[::1]x/", CANON_E_BADHOST},
	    {"http://a[b.com/", CANON_E_BADHOST},
	    {"http://host:80x/", CANON_E_BADPORT},
	    {"http://host:-1/", CANON_E_BADPORT},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		int rc = canon_url(bad[i].in, strlen(bad[i].in), out, sizeof(out), NULL);
		if (rc != bad[i].code)
			fail_msg("'%s' gave %d, want %d", bad[i].in, rc, bad[i].code);
		assert_string_equal(out, "");
	}
	assert_int_equal(canon_url(NULL, 0, out, sizeof(out), NULL), CANON_E_EMPTY);

	/* output buffer one byte short, then exactly right */
	const char *u = "http://example.com/";
	assert_int_equal(canon_url(u, strlen(u), out, strlen(u), NULL), CANON_E_NOSPACE);
	assert_string_equal(out, "");
	assert_int_equal(canon_url(u, strlen(u), out, strlen(u) + 1, NULL), (int)strlen(u));

	/* longer than CANON_MAX_INPUT; a host longer than CANON_MAX_HOST */
	size_t big = CANON_MAX_INPUT + 10;
	char *in = malloc(big + 1);
	assert_non_null(in);
	memcpy(in, "http://a.com/", 13);
	memset(in + 13, 'a', big - 13);
	in[big] = '\0';
	char *o2 = malloc(4 * big);
	assert_non_null(o2);
	assert_int_equal(canon_url(in, big, o2, 4 * big, NULL), CANON_E_TOOLONG);
	memset(in + 7, 'b', CANON_MAX_HOST + 1);
	memcpy(in + 7 + CANON_MAX_HOST + 1, "/", 2);
	assert_int_equal(canon_url(in, strlen(in), o2, 4 * big, NULL), CANON_E_TOOLONG);
	free(in);
	free(o2);

	/* every code has distinct English and Japanese text */
	for (int c = CANON_E_NODOMAIN; c <= CANON_E_EMPTY; c++) {
		const char *en = canon_strerror(c, "en"), *ja = canon_strerror(c, "ja");
		assert_true(strlen(en) > 0);
		assert_true((unsigned char)ja[0] >= 0x80 || (unsigned char)ja[1] >= 0x80 ||
			    strstr(ja, "URL"));
		assert_string_not_equal(en, ja);
		assert_string_not_equal(en, canon_strerror(0, "en"));
		assert_string_equal(en, canon_strerror(c, NULL));
	}
}

static void test_canon_host(void **state)
{
	(void)state;
	static const struct pair ok[] = {
	    {"WWW.Example.COM.", "www.example.com"},
	    {" example.com ", "example.com"},
	    {"[2001:DB8::0:1]", "2001:db8::1"},
	    {"2001:db8:0:0:0:0:0:1", "2001:db8::1"},
	    {"::ffff:192.0.2.7", "192.0.2.7"},
	    {"3279880203", "195.127.0.11"},
	    {"0x7f.1", "127.0.0.1"},
	    {"例え.テスト", "xn--r8jz45g.xn--zckzah"},
	    {"ｗｗｗ．ｅｘａｍｐｌｅ．ｊｐ", "www.example.jp"},
	    {"under_score.example.com", "under_score.example.com"},
	};
	char out[300], again[300];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int n = canon_host(ok[i].in, strlen(ok[i].in), out, sizeof(out));
		if (n < 0)
			fail_msg("'%s' refused: %s", ok[i].in, canon_strerror(n, "en"));
		assert_string_equal(out, ok[i].want);
		assert_int_equal(canon_host(out, (size_t)n, again, sizeof(again)), n);
		assert_string_equal(again, out);
	}
	static const char *const bad[] = {"bad host.com", "a/b.com",   "user@host.com", "host:80",
					  "[::1",	  "x\xff.com", "100%.com",	"zz::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(canon_host(bad[i], strlen(bad[i]), out, sizeof(out)),
				 CANON_E_BADHOST);
	assert_int_equal(canon_host("...", 3, out, sizeof(out)), CANON_E_NOHOST);
	assert_int_equal(canon_host("", 0, out, sizeof(out)), CANON_E_EMPTY);
	char longname[300];
	memset(longname, 'a', 260);
	longname[100] = '.';
	assert_int_equal(canon_host(longname, 260, out, sizeof(out)), CANON_E_BADHOST);

	assert_true(canon_host_is_ip("192.0.2.1"));
	assert_true(canon_host_is_ip("2001:db8::1"));
	assert_true(canon_host_is_ip("[2001:db8::1]"));
	assert_false(canon_host_is_ip("example.com"));
	assert_false(canon_host_is_ip("1.2.3"));
}

static void test_registrable(void **state)
{
	(void)state;
	static const struct pair ok[] = {
	    {"www.example.co.jp", "example.co.jp"},
	    {"a.foo.kita.tokyo.jp", "foo.kita.tokyo.jp"}, /* kita.tokyo.jp is a suffix */
	    {"shop.example.tokyo.jp", "example.tokyo.jp"},
	    {"tanhare22.sakura.ne.jp", "sakura.ne.jp"},
	    {"www.jpcert.or.jp", "jpcert.or.jp"},
	    {"www.example.jp", "example.jp"},
	    {"a.b.example.com", "example.com"},
	    {"www.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c.online",
	     "4a5fae9d4bb89c5dcab5c0a603ed3b3c.online"},
	    {"secure2.recover.xn--tckwe", "recover.xn--tckwe"},
	    {"example.co.uk", "example.co.uk"},
	};
	char out[256];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int n = canon_registrable(ok[i].in, out, sizeof(out));
		if (n < 0)
			fail_msg("'%s' refused: %d", ok[i].in, n);
		assert_string_equal(out, ok[i].want);
		assert_int_equal(n, (int)strlen(ok[i].want));
	}
	static const char *const none[] = {
	    "co.jp",	     "kita.tokyo.jp", "tokyo.jp",   "jp",	 "192.0.2.1", "2001:db8::1",
	    "[2001:db8::1]", "file.txt",      "report.pdf", "localhost", ""};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		int n = canon_registrable(none[i], out, sizeof(out));
		if (n != CANON_E_NODOMAIN)
			fail_msg("'%s' gave %d ('%s')", none[i], n, out);
		assert_string_equal(out, "");
	}
	assert_int_equal(canon_registrable(NULL, out, sizeof(out)), CANON_E_NODOMAIN);
	assert_int_equal(canon_registrable("www.example.co.jp", out, 13), CANON_E_NOSPACE);
	assert_int_equal(canon_registrable("www.example.co.jp", out, 14), 13);
}

/* canon_registrable() keeps its last answers per thread: asked again, after other hosts took
 * the same slots, and for hosts too long for the cache, it still gives each host its own */
static void test_registrable_repeated(void **state)
{
	(void)state;
	char host[300], want[300], out[300];
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 700; i++) {
			/* x<i>.co.jp is registrable itself, a.x<i>.co.jp from its second label, and
			 * <i>.example.jp's 'example.jp' */
			switch ((i + round) % 3) {
			case 0:
				(void)snprintf(host, sizeof(host), "x%d.co.jp", i);
				(void)snprintf(want, sizeof(want), "x%d.co.jp", i);
				break;
			case 1:
				(void)snprintf(host, sizeof(host), "a.x%d.co.jp", i);
				(void)snprintf(want, sizeof(want), "x%d.co.jp", i);
				break;
			default:
				(void)snprintf(host, sizeof(host), "%d.example.jp", i);
				(void)snprintf(want, sizeof(want), "example.jp");
				break;
			}
			int n = canon_registrable(host, out, sizeof(out));
			if (n < 0)
				fail_msg("'%s' refused: %d", host, n);
			assert_string_equal(out, want);
			assert_int_equal(n, (int)strlen(want));
			assert_int_equal(canon_registrable("co.jp", out, sizeof(out)),
					 CANON_E_NODOMAIN);
			assert_string_equal(out, "");
		}
	}
	/* 200 bytes and more: past the cache's host length */
	char other[300];
	memset(host, 'a', 200);
	memcpy(host + 200, ".example.co.jp", sizeof(".example.co.jp"));
	memset(other, 'b', 200);
	memcpy(other + 200, ".example.jp", sizeof(".example.jp"));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(canon_registrable(host, out, sizeof(out)), 13);
		assert_string_equal(out, "example.co.jp");
		assert_int_equal(canon_registrable(other, out, sizeof(out)), 10);
		assert_string_equal(out, "example.jp");
		assert_int_equal(canon_registrable(host + 199, out, sizeof(out)), 13);
		assert_string_equal(out, "example.co.jp");
	}
}

/* expressions collected, sorted, joined with spaces */
struct exprs {
	char buf[4096];
	const char *item[64];
	size_t n;
	size_t used;
};

static int collect(const char *e, size_t len, void *ctx)
{
	struct exprs *x = ctx;
	assert_true(x->used + len + 1 <= sizeof(x->buf));
	assert_true(x->n < 64);
	assert_int_equal(strlen(e), len);
	memcpy(x->buf + x->used, e, len + 1);
	x->item[x->n++] = x->buf + x->used;
	x->used += len + 1;
	return 0;
}

static void test_icann_suffix(void **state)
{
	(void)state;
	assert_true(canon_is_icann_suffix("jp"));
	assert_true(canon_is_icann_suffix("co.jp"));
	assert_true(canon_is_icann_suffix("kita.tokyo.jp"));
	/* private-section suffixes are operators' names, not ICANN suffixes */
	assert_false(canon_is_icann_suffix("dynv6.net"));
	assert_false(canon_is_icann_suffix("000webhostapp.com"));
	assert_false(canon_is_icann_suffix("example.co.jp"));
	assert_false(canon_is_icann_suffix(""));
	assert_false(canon_is_icann_suffix(NULL));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int stop_at_three(const char *e, size_t len, void *ctx)
{
	(void)e;
	(void)len;
	int *count = ctx;
	return ++*count == 3 ? 42 : 0;
}

static void check_expr(const char *url, const char *const *want, size_t nwant)
{
	char out[1024];
	struct canon_url p;
	struct exprs x;
	memset(&x, 0, sizeof(x));
	assert_true(canon_url(url, strlen(url), out, sizeof(out), &p) > 0);
	int n = canon_expressions(out, &p, collect, &x);
	assert_int_equal(n, (int)x.n);
	qsort(x.item, x.n, sizeof(x.item[0]), cmp_str);
	const char *w[64];
	assert_true(nwant <= 64);
	memcpy(w, want, nwant * sizeof(w[0]));
	qsort(w, nwant, sizeof(w[0]), cmp_str);
	for (size_t i = 0; i < x.n && i < nwant; i++)
		if (strcmp(x.item[i], w[i]) != 0)
			fail_msg("%s: expression %zu is '%s', want '%s'", url, i, x.item[i], w[i]);
	assert_int_equal(x.n, nwant);
}

static void test_expressions(void **state)
{
	(void)state;
	/* the examples of the "URLs and Hashing" page */
	static const char *const e1[] = {
	    "a.b.c/1/2.html?param=1", "a.b.c/1/2.html", "a.b.c/", "a.b.c/1/",
	    "b.c/1/2.html?param=1",   "b.c/1/2.html",	"b.c/",	  "b.c/1/"};
	check_expr("http://a.b.c/1/2.html?param=1", e1, 8);
	static const char *const e2[] = {"a.b.c.d.e.f.g/1.html", "a.b.c.d.e.f.g/",
					 "c.d.e.f.g/1.html",	 "c.d.e.f.g/",
					 "d.e.f.g/1.html",	 "d.e.f.g/",
					 "e.f.g/1.html",	 "e.f.g/",
					 "f.g/1.html",		 "f.g/"};
	check_expr("http://a.b.c.d.e.f.g/1.html", e2, 10);
	static const char *const e3[] = {"1.2.3.4/1/", "1.2.3.4/"};
	check_expr("http://1.2.3.4/1/", e3, 2);
	/* a .jp geographic name: the suffix rule counts labels, not the Public Suffix List */
	static const char *const e4[] = {"a.b.c.d.e.f.kita.tokyo.jp/", "e.f.kita.tokyo.jp/",
					 "f.kita.tokyo.jp/", "kita.tokyo.jp/", "tokyo.jp/"};
	check_expr("http://a.b.c.d.e.f.kita.tokyo.jp", e4, 5);
	static const char *const e5[] = {
	    "example.co.jp/login/?id=1", "example.co.jp/login/", "example.co.jp/",
	    "co.jp/login/?id=1",	 "co.jp/login/",	 "co.jp/"};
	check_expr("https://example.co.jp/login/?id=1", e5, 6);

	/* the most: 5 hosts x 6 paths */
	char out[256];
	struct canon_url p;
	struct exprs x;
	memset(&x, 0, sizeof(x));
	const char *big = "http://a.b.c.d.e.f.g/1/2/3/4/5.html?q=1";
	assert_true(canon_url(big, strlen(big), out, sizeof(out), &p) > 0);
	assert_int_equal(canon_expressions(out, &p, collect, &x), CANON_MAX_EXPR);
	qsort(x.item, x.n, sizeof(x.item[0]), cmp_str);
	for (size_t i = 1; i < x.n; i++)
		assert_string_not_equal(x.item[i - 1], x.item[i]);
	assert_string_equal(x.item[0], "a.b.c.d.e.f.g/");
	int count = 0;
	assert_int_equal(canon_expressions(out, &p, stop_at_three, &count), 42);
	assert_int_equal(count, 3);
}

/* The URL field (the second) of a line of a tests/data/phishurl CSV file, unquoted in place when
 * quoted ("" inside stands for "). Returns its length; *ret_url points into line. */
static size_t csv_url(char *line, char **ret_url)
{
	char *p = strchr(line, ',');
	assert_non_null(p);
	p++;
	if (*p != '"') {
		char *e = strchr(p, ',');
		assert_non_null(e);
		*ret_url = p;
		return (size_t)(e - p);
	}
	char *r = p + 1, *w = p;
	for (;;) {
		assert_true(*r != '\0');
		if (*r == '"' && r[1] == '"') {
			*w++ = '"';
			r += 2;
		} else if (*r == '"') {
			break;
		} else {
			*w++ = *r++;
		}
	}
	*ret_url = p;
	return (size_t)(w - p);
}

/* Every real phishing URL canonicalises, idempotently, into printable ASCII with a host that
 * has no upper case, and the URLs with punycode hosts keep them. */
static void test_real_urls(void **state)
{
	(void)state;
	const char *dir = getenv("KEIKAI_TESTDATA");
	assert_non_null(dir);
	size_t total = 0, puny = 0, ip = 0;
	for (int m = 1; m <= 12; m++) {
		char path[512], line[8192], out[CANON_MAX_INPUT * 3], again[CANON_MAX_INPUT * 3];
		snprintf(path, sizeof(path), "%s/phishurl/2019%02d.csv", dir, m);
		FILE *f = fopen(path, "re");
		if (!f)
			fail_msg("cannot open '%s'", path);
		bool header = true;
		while (fgets(line, sizeof(line), f)) {
			if (header) {
				header = false;
				continue;
			}
			char *u;
			size_t ul = csv_url(line, &u);
			struct canon_url p;
			int n = canon_url(u, ul, out, sizeof(out), &p);
			if (n < 0)
				fail_msg("'%.*s' refused: %s", (int)ul, u, canon_strerror(n, "en"));
			for (int i = 0; i < n; i++)
				assert_true(out[i] > 0x20 && out[i] < 0x7f);
			for (size_t i = 0; i < p.host_len; i++)
				assert_false(out[p.host_off + i] >= 'A' &&
					     out[p.host_off + i] <= 'Z');
			assert_int_equal(canon_url(out, (size_t)n, again, sizeof(again), NULL), n);
			assert_string_equal(again, out);
			assert_true(strncmp(out, "http://", 7) == 0 ||
				    strncmp(out, "https://", 8) == 0);
			if (memmem(out + p.host_off, p.host_len, "xn--", 4))
				puny++;
			ip += p.host_is_ip;
			total++;
		}
		fclose(f);
	}
	assert_int_equal(total, 6447);
	assert_int_equal(puny, 32); /* as SOURCES.md counts them */
	assert_true(ip > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gsb_examples),
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_idn),
	    cmocka_unit_test(test_parts),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_canon_host),
	    cmocka_unit_test(test_registrable),
	    cmocka_unit_test(test_registrable_repeated),
	    cmocka_unit_test(test_icann_suffix),
	    cmocka_unit_test(test_expressions),
	    cmocka_unit_test(test_real_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
