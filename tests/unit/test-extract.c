/* test-extract.c - indicators from report text and HTML
 *
 * Each test states the complete set of indicators a text must give (type and canonical
 * value), so a missing indicator and an extra one (a false positive) both fail. Hosts in the
 * reports are real JPCERT/CC phishing hosts (tests/data/phishurl/) or reserved example names.
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
#include "../../src/incident/extract.h"

struct want {
	enum ind_type type;
	const char *value;
	const char *registrable; /* NULL: must be NULL */
};

static const struct indicator *find(const struct indicator_set *s, enum ind_type type,
				    const char *value)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->items[i].type == type && strcmp(s->items[i].value, value) == 0)
			return &s->items[i];
	return NULL;
}

static void dump(const struct indicator_set *s)
{
	for (size_t i = 0; i < s->count; i++)
		print_message("  %s '%s' raw '%s' reg '%s'\n", ind_type_name(s->items[i].type),
			      s->items[i].value, s->items[i].raw,
			      s->items[i].registrable ? s->items[i].registrable : "(null)");
}

static void expect(const struct indicator_set *s, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct indicator *it = find(s, w[i].type, w[i].value);
		if (!it) {
			dump(s);
			fail_msg("missing %s '%s'", ind_type_name(w[i].type), w[i].value);
		}
		if (w[i].registrable)
			assert_string_equal(it->registrable ? it->registrable : "(null)",
					    w[i].registrable);
		else if (it->registrable)
			fail_msg("%s has registrable '%s'", it->value, it->registrable);
	}
	if (s->count != n) {
		dump(s);
		fail_msg("%zu indicators, want %zu", s->count, n);
	}
}

static void run_text(const char *text, const struct want *w, size_t n)
{
	struct indicator_set s;
	indicator_set_init(&s, 0);
	int rc = extract_text(&s, text, strlen(text));
	assert_int_equal(rc, (int)s.count);
	expect(&s, w, n);
	assert_false(s.overflow);
	indicator_set_free(&s);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_japanese_report(void **state)
{
	(void)state;
	const char *text =
	    "JPCERT/CC 御中\n\nお世話になっております。以下のフィッシングサイトを確認しました。\n"
	    "URL：hxxps://www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c[.]online/ap/"
	    "signin?openid=1\n"
	    "「http://tanhare22.sakura.ne.jp/erasingin/」に誘導されます。\n"
	    "送信元：support@amazon-verificationn[.]com（なりすまし）\n"
	    "サーバの IP アドレスは 3.112.229.159 です。\n"
	    "添付ファイル report.pdf（SHA-256: "
	    "9F86D081884C7D659A2FEAE0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08）をご確認ください。\n"
	    "2019/11/01 10:30 頃に確認しました。バージョン 1.2.3 のブラウザです。\n";
	static const struct want w[] = {
	    {IND_URL,
	     "https://www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c.online/ap/signin?openid=1",
	     "4a5fae9d4bb89c5dcab5c0a603ed3b3c.online"},
	    {IND_DOMAIN, "www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c.online",
	     "4a5fae9d4bb89c5dcab5c0a603ed3b3c.online"},
	    {IND_URL, "http://tanhare22.sakura.ne.jp/erasingin/", "sakura.ne.jp"},
	    {IND_DOMAIN, "tanhare22.sakura.ne.jp", "sakura.ne.jp"},
	    {IND_EMAIL, "support@amazon-verificationn.com", "amazon-verificationn.com"},
	    {IND_IPV4, "3.112.229.159", NULL},
	    {IND_SHA256, "9f86d081884c7d659a2feae0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", NULL},
	};
	run_text(text, w, N(w));

	/* the raw forms are what the reporter wrote */
	struct indicator_set s;
	indicator_set_init(&s, 0);
	assert_true(extract_text(&s, text, strlen(text)) > 0);
	const struct indicator *u = find(
	    &s, IND_URL,
	    "https://www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c.online/ap/signin?openid=1");
	assert_non_null(u);
	assert_string_equal(u->raw,
			    "hxxps://www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c[.]online/"
			    "ap/signin?openid=1");
	const struct indicator *d =
	    find(&s, IND_DOMAIN, "www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c.online");
	assert_non_null(d);
	assert_string_equal(d->raw, "www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c[.]online");
	const struct indicator *e = find(&s, IND_EMAIL, "support@amazon-verificationn.com");
	assert_non_null(e);
	assert_string_equal(e->raw, "support@amazon-verificationn[.]com");
	indicator_set_free(&s);
}

static void test_english_report(void **state)
{
	(void)state;
	const char *text =
	    "Hello,\n\nWe observed phishing at hxxp://login-paypa1[.]com/secure/update.php?id=42, "
	    "hosted on 203.0.113.7:8080.\n"
	    "Also see www.example-bank[.]co.uk/login. The kit dropped a file (MD5 "
	    "d41d8cd98f00b204e9800998ecf8427e,\nSHA1: da39a3ee5e6b4b0d3255bfef95601890afd80709).\n"
	    "Contact abuse[at]example[.]net or Admin@Host.Example.org.\n"
	    "IPv6: 2001:DB8:0:0:0:0:0:1 and fe80::1.\n"
	    "Version 2.4.1, released 2024-01-02 at 10:30:00. See README.md, setup.exe and "
	    "sample.zip.\n";
	static const struct want w[] = {
	    {IND_URL, "http://login-paypa1.com/secure/update.php?id=42", "login-paypa1.com"},
	    {IND_DOMAIN, "login-paypa1.com", "login-paypa1.com"},
	    {IND_IPV4, "203.0.113.7", NULL},
	    {IND_URL, "http://www.example-bank.co.uk/login", "example-bank.co.uk"},
	    {IND_DOMAIN, "www.example-bank.co.uk", "example-bank.co.uk"},
	    {IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", NULL},
	    {IND_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", NULL},
	    {IND_EMAIL, "abuse@example.net", "example.net"},
	    {IND_EMAIL, "admin@host.example.org", "example.org"},
	    {IND_IPV6, "2001:db8::1", NULL},
	    {IND_IPV6, "fe80::1", NULL},
	};
	run_text(text, w, N(w));
}

struct one {
	const char *text;
	enum ind_type type;
	const char *value;
};

/* each text gives this indicator (and, for URLs, the host; nothing else is checked here) */
static void run_each(const struct one *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct indicator_set s;
		indicator_set_init(&s, 0);
		int rc = extract_text(&s, o[i].text, strlen(o[i].text));
		assert_true(rc >= 0);
		if (!find(&s, o[i].type, o[i].value)) {
			dump(&s);
			fail_msg("'%s': no %s '%s'", o[i].text, ind_type_name(o[i].type),
				 o[i].value);
		}
		indicator_set_free(&s);
	}
}

static void test_defanged(void **state)
{
	(void)state;
	static const struct one o[] = {
	    {"hxxp://evil[.]example[.]com/a", IND_URL, "http://evil.example.com/a"},
	    {"h**ps://evil(.)example{.}com", IND_URL, "https://evil.example.com/"},
	    {"hXXps[:]//evil[dot]example(dot)com/x", IND_URL, "https://evil.example.com/x"},
	    {"hxxps[://]evil.example.com", IND_URL, "https://evil.example.com/"},
	    {"fxp://files.example.com/pub", IND_URL, "ftp://files.example.com/pub"},
	    {"www[.]evil[.]co[.]jp/path", IND_URL, "http://www.evil.co.jp/path"},
	    {"user[@]example[.]jp", IND_EMAIL, "user@example.jp"},
	    {"user[at]example[.]jp", IND_EMAIL, "user@example.jp"},
	    {"evil[.]example[.]jp", IND_DOMAIN, "evil.example.jp"},
	    {"192.168.0[.]1", IND_IPV4, "192.168.0.1"},
	    {"2001:db8::1[:]80", IND_IPV6, "2001:db8::1:80"},
	    {"hxxps://[2001:db8::5]/x", IND_IPV6, "2001:db8::5"},
	};
	run_each(o, N(o));
	/* "hxxp" inside a word is not a scheme */
	struct indicator_set s;
	indicator_set_init(&s, 0);
	const char *t = "ahxxp://x fxpath";
	assert_int_equal(extract_text(&s, t, strlen(t)), 0);
	indicator_set_free(&s);
}

static void test_punctuation(void **state)
{
	(void)state;
	static const struct one o[] = {
	    {"「https://example.co.jp/a」", IND_URL, "https://example.co.jp/a"},
	    {"（https://example.co.jp/a）", IND_URL, "https://example.co.jp/a"},
	    {"https://example.co.jp/a、次に", IND_URL, "https://example.co.jp/a"},
	    {"https://example.co.jp/a。", IND_URL, "https://example.co.jp/a"},
	    {"https://example.comです", IND_URL, "https://example.com/"},
	    {"(https://example.com/a_(b))", IND_URL, "https://example.com/a_(b)"},
	    {"(see https://example.com/a)", IND_URL, "https://example.com/a"},
	    {"<https://example.com/a>", IND_URL, "https://example.com/a"},
	    {"\"https://example.com/a\"", IND_URL, "https://example.com/a"},
	    {"go to https://example.com/a.", IND_URL, "https://example.com/a"},
	    {"https://example.com/a?x=1&y=2,", IND_URL, "https://example.com/a?x=1&y=2"},
	    {"http://例え.テスト/です", IND_URL, "http://xn--r8jz45g.xn--zckzah/"},
	    {"http://例え.テスト/です", IND_DOMAIN, "xn--r8jz45g.xn--zckzah"},
	    {"偽サイト https://appleafe36c49b3e31a0c6728957fdf4.alogin.コム/ に注意", IND_URL,
	     "https://appleafe36c49b3e31a0c6728957fdf4.alogin.xn--tckwe/"},
	    {"https://xn--id-zb4axila5esc1e1f9bvhzd4a6fe.trak-tare.org/を開くと", IND_DOMAIN,
	     "xn--id-zb4axila5esc1e1f9bvhzd4a6fe.trak-tare.org"},
	    {"IP:192.0.2.1,", IND_IPV4, "192.0.2.1"},
	    {"接続元192.0.2.2からの通信", IND_IPV4, "192.0.2.2"},
	    {"(192.168.001.010)", IND_IPV4, "192.168.1.10"},
	    {"[::ffff:192.0.2.3]", IND_IPV4, "192.0.2.3"},
	    {"https://192.0.2.4:8443/x", IND_IPV4, "192.0.2.4"},
	    {"mail <Taro.Yamada+jp@Example.CO.JP>", IND_EMAIL, "taro.yamada+jp@example.co.jp"},
	};
	run_each(o, N(o));
}

static void test_no_false_positives(void **state)
{
	(void)state;
	static const char *const texts[] = {
	    "report.pdf",
	    "1.2.3",
	    "10:30",
	    "10:30:00",
	    "2019/01/04 10:12:00",
	    "2019.01.04",
	    "v1.2.3.4",
	    "file.txt",
	    "archive.tar.gz",
	    "e.g. i.e. etc.",
	    "pi is 3.14159",
	    "README.md",
	    "main.py",
	    "install.sh",
	    "data.zip",
	    "00:11:22:33:44:55",
	    "1.2.3.4.5",
	    "Windows 10.0.19041.1",
	    "192.168.1.300",
	    "999.1.1.1",
	    "deadbeef",
	    "sha: 0123456789abcdef0123456789abcdef0",
	    "x_d41d8cd98f00b204e9800998ecf8427e",
	    "d41d8cd98f00b204e9800998ecf8427e.exe",
	    "ftp:// http://",
	    "http:///nohost",
	    "mailto:@example.com",
	    "a@b",
	    "user@localhost",
	    "C:\\Users\\taro\\evil.com",
	    "第3.1.2項",
	    "価格は1,200円",
	    "version 2.0",
	    "www.",
	    "www.invalid-tld.zzzz",
	    "::",
	    "::1x",
	};
	for (size_t i = 0; i < N(texts); i++) {
		struct indicator_set s;
		indicator_set_init(&s, 0);
		int rc = extract_text(&s, texts[i], strlen(texts[i]));
		if (rc != 0 || s.count != 0) {
			dump(&s);
			fail_msg("'%s' gave %zu indicators", texts[i], s.count);
		}
		indicator_set_free(&s);
	}
}

static void test_html(void **state)
{
	(void)state;
	const char *html =
	    "<html><head><style>.a{background:url(http://style.example.com/x.png)}</style>\n"
	    "<script>var u=\"http://script.example.com/\";</script></head>\n"
	    "<body><p>Phishing at <a href=\"https://login.example.co.jp/?a=1&amp;b=2\">this "
	    "page</a>.</p>\n"
	    "<img src='//cdn.example.net/i.png' alt=\"http://alt.example.com/\">\n"
	    "<p>Mail from attacker&#64;evil.example.org and &lt;hxxp://evil&#46;example&#x2E;com/"
	    "&gt;</p>\n"
	    "<!-- http://comment.example.com/ -->\n"
	    "<form action=http://post.example.com/collect></form></body></html>";
	static const struct want w[] = {
	    {IND_URL, "https://login.example.co.jp/?a=1&b=2", "example.co.jp"},
	    {IND_DOMAIN, "login.example.co.jp", "example.co.jp"},
	    {IND_DOMAIN, "cdn.example.net", "example.net"},
	    {IND_EMAIL, "attacker@evil.example.org", "example.org"},
	    {IND_URL, "http://evil.example.com/", "example.com"},
	    {IND_DOMAIN, "evil.example.com", "example.com"},
	    {IND_URL, "http://post.example.com/collect", "example.com"},
	    {IND_DOMAIN, "post.example.com", "example.com"},
	};
	struct indicator_set s;
	indicator_set_init(&s, 0);
	int rc = extract_html(&s, html, strlen(html));
	assert_int_equal(rc, (int)s.count);
	expect(&s, w, N(w));
	indicator_set_free(&s);

	/* unterminated markup and references are not errors */
	static const char *const odd[] = {"<a href=\"http://x.example.com/", "&#",    "&#x;",
					  "<script>http://s.example.com/",   "<!-- ", "&unknown; <",
					  "&#1114112; &#0; &#xD800;"};
	for (size_t i = 0; i < N(odd); i++) {
		indicator_set_init(&s, 0);
		assert_true(extract_html(&s, odd[i], strlen(odd[i])) >= 0);
		indicator_set_free(&s);
	}
	indicator_set_init(&s, 0);
	assert_int_equal(extract_html(&s, odd[0], strlen(odd[0])), 2);
	assert_non_null(find(&s, IND_URL, "http://x.example.com/"));
	indicator_set_free(&s);
}

static void test_set(void **state)
{
	(void)state;
	struct indicator_set s;
	/* duplicates in other spellings count once */
	const char *dup = "http://EVIL.example.com/a hxxp://evil[.]example[.]com/a "
			  "http://evil.example.com/a#frag 192.0.2.1 192.000.002.001";
	indicator_set_init(&s, 0);
	assert_int_equal(extract_text(&s, dup, strlen(dup)), 3);
	assert_int_equal(s.count, 3);
	assert_string_equal(s.items[0].raw, "http://EVIL.example.com/a");
	/* a second text adds only what is new */
	assert_int_equal(extract_text(&s, "evil.example.com other.example.com", 34), 1);
	indicator_set_free(&s);
	assert_int_equal(s.count, 0);
	indicator_set_free(&s); /* twice is fine */
	indicator_set_free(NULL);

	/* the bound */
	char text[512];
	size_t n = 0;
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "host%d.example.jp ", i);
	indicator_set_init(&s, 5);
	assert_int_equal(extract_text(&s, text, n), 5);
	assert_int_equal(s.count, 5);
	assert_true(s.overflow);
	assert_string_equal(s.items[4].value, "host4.example.jp");
	indicator_set_free(&s);
	indicator_set_init(&s, 0);
	assert_int_equal(s.max, EXTRACT_DEFAULT_MAX);
	assert_int_equal(extract_text(&s, text, n), 10);
	assert_false(s.overflow);
	assert_int_equal(indicator_set_add(&s, IND_MD5, NULL, 0, "x", NULL), 1);
	assert_string_equal(s.items[10].raw, "");
	assert_int_equal(indicator_set_add(&s, IND_SHA1, "y", 1, "x", NULL), 1);
	assert_int_equal(indicator_set_add(&s, IND_SHA1, "z", 1, "x", NULL), 0);
	indicator_set_free(&s);

	assert_int_equal(extract_text(&s, NULL, 0), 0);
	assert_int_equal(extract_html(&s, NULL, 0), 0);

	static const char *const names[] = {"url",   "domain", "ipv4", "ipv6",
					    "email", "md5",    "sha1", "sha256"};
	for (int t = IND_URL; t <= IND_SHA256; t++)
		assert_string_equal(ind_type_name((enum ind_type)t), names[t]);
	assert_string_equal(ind_type_name((enum ind_type)99), "unknown");
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

/* All 6,447 real phishing URLs, one per line as a feed would send them: each is found, as the
 * URL canon_url makes of it, and nothing is found that is not a URL or a host of one. */
static void test_real_feed(void **state)
{
	(void)state;
	const char *dir = getenv("KEIKAI_TESTDATA");
	assert_non_null(dir);
	size_t cap = 1 << 20, n = 0, lines = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (int m = 1; m <= 12; m++) {
		char path[512], line[8192];
		snprintf(path, sizeof(path), "%s/phishurl/2019%02d.csv", dir, m);
		FILE *f = fopen(path, "re");
		assert_non_null(f);
		bool header = true;
		while (fgets(line, sizeof(line), f)) {
			if (header) {
				header = false;
				continue;
			}
			char *u;
			size_t l = csv_url(line, &u);
			assert_true(n + l + 1 < cap);
			memcpy(text + n, u, l);
			n += l;
			text[n++] = '\n';
			lines++;
		}
		fclose(f);
	}
	struct indicator_set s, want;
	indicator_set_init(&s, 100000);
	indicator_set_init(&want, 100000);
	assert_true(extract_text(&s, text, n) > 0);
	/* the canonical URLs line by line, kept unique by a second set */
	char out[CANON_MAX_INPUT * 3];
	size_t cut = 0;
	for (size_t a = 0; a < n;) {
		const char *nl = memchr(text + a, '\n', n - a);
		size_t l = (size_t)(nl - (text + a));
		/* a space, quote, backquote, angle bracket or backslash ends a URL in text (docs/
		 * intake.md); a few listed URLs hold one */
		size_t ul = 0;
		while (ul < l && !strchr(" \"'`<>\\", text[a + ul]))
			ul++;
		cut += ul < l;
		assert_true(canon_url(text + a, ul, out, sizeof(out), NULL) > 0);
		assert_true(indicator_set_add(&want, IND_URL, text + a, ul, out, NULL) >= 0);
		a += l + 1;
	}
	size_t urls = 0;
	for (size_t i = 0; i < s.count; i++) {
		assert_true(s.items[i].type == IND_URL || s.items[i].type == IND_DOMAIN ||
			    s.items[i].type == IND_IPV4);
		urls += s.items[i].type == IND_URL;
	}
	for (size_t i = 0; i < want.count; i++)
		if (!find(&s, IND_URL, want.items[i].value))
			fail_msg("'%s' not found", want.items[i].raw);
	assert_int_equal(lines, 6447);
	assert_int_equal(urls, want.count);
	assert_int_equal(cut, 10); /* 9 with a space, 1 with a backquote */
	print_message("%zu lines (%zu cut short), %zu distinct URLs, %zu indicators\n", lines, cut,
		      urls, s.count);
	indicator_set_free(&want);
	indicator_set_free(&s);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_japanese_report),
	    cmocka_unit_test(test_english_report),
	    cmocka_unit_test(test_defanged),
	    cmocka_unit_test(test_punctuation),
	    cmocka_unit_test(test_no_false_positives),
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_real_feed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
