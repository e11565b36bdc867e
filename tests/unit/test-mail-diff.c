/* test-mail-diff.c - the mail scanner against GMime: the same struct mail_msg, or a decline
 *
 * mail_parse() reads the common shapes with a scanner of its own and leaves the rest to GMime
 * (docs/intake.md "E-mail"). For every input here both paths run: the scanner either declines
 * or gives exactly what GMime gives, field by field. The inputs: the fixtures, a corpus that
 * tools/mail-gen.py writes at test time with several seeds, the fuzz corpus of fuzz-mail (each
 * file's first byte chooses the limits, as in fuzz/fuzz-mail.c), the fixtures under small
 * limits, and malformed messages that the scanner must leave to GMime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/incident/mail.h"

static char *slurp(const char *path, size_t *len)
{
	gchar *c = NULL;
	gsize n = 0;
	if (!g_file_get_contents(path, &c, &n, NULL))
		fail_msg("cannot read '%s'", path);
	*len = n;
	return c;
}

static const char *testdata(void)
{
	const char *d = getenv("KEIKAI_TESTDATA");
	return d ? d : "tests/data";
}

/* Both paths on one input. Returns 1 when the scanner took it, 0 when it declined. */
static int compare(const char *name, const char *raw, size_t len, const struct mail_limits *lim)
{
	struct mail_msg g, f;
	char eg[128] = "", ef[128] = "", why[128] = "";
	int rg = mail_parse_path(MAIL_PATH_GMIME, raw, len, lim, &g, eg, sizeof(eg));
	int rf = mail_parse_path(MAIL_PATH_FAST, raw, len, lim, &f, ef, sizeof(ef));
	if (rf == MAIL_DECLINED) {
		assert_null(f.text);
		assert_null(f.parts);
		mail_msg_free(&g);
		return 0;
	}
	if (rf != rg)
		fail_msg("%s: scanner %d (%s), GMime %d (%s)", name, rf, ef, rg, eg);
	int took = 1;
	if (rf == 0) {
		if (!mail_msg_same(&g, &f, why, sizeof(why)))
			fail_msg("%s: the scanner differs from GMime in %s", name, why);
		/* and mail_parse() itself gives the same */
		struct mail_msg a;
		assert_int_equal(mail_parse(raw, len, lim, &a, NULL, 0), 0);
		assert_true(mail_msg_same(&g, &a, NULL, 0));
		mail_msg_free(&a);
	} else {
		took = 0; /* refused before either path ran: not the scanner's */
	}
	mail_msg_free(&g);
	mail_msg_free(&f);
	return took;
}

static const char *const fixtures[] = {
    "jis-thunderbird.eml",   "jis-outlook-nec.eml",  "sjis-outlook.eml",
    "eucjp-wanderlust.eml",  "utf8-qp-apple.eml",    "html-only-base64.eml",
    "alternative-gmail.eml", "forwarded-rfc822.eml", "abuse-csv-attachments.eml",
    "rfc2231-filename.eml",
};
#define NFIX (sizeof(fixtures) / sizeof(fixtures[0]))

/* Every fixture shape is one the scanner reads, and reads as GMime does. */
static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFIX; i++) {
		char path[1024];
		(void)snprintf(path, sizeof(path), "%s/mail/%s", testdata(), fixtures[i]);
		size_t len;
		char *raw = slurp(path, &len);
		if (compare(fixtures[i], raw, len, NULL) != 1)
			fail_msg("%s: the scanner declined a fixture shape", fixtures[i]);
		g_free(raw);
	}
	printf("fixtures: %zu of %zu by the scanner\n", NFIX, NFIX);
}

/* The fixtures under limits small enough to cut every one of them somewhere. */
static void test_fixtures_small_limits(void **state)
{
	(void)state;
	static const struct mail_limits lims[] = {
	    {.max_size = 1 << 20,
	     .max_parts = 1,
	     .max_depth = 8,
	     .max_header_bytes = 4096,
	     .max_text_bytes = 1 << 20},
	    {.max_size = 1 << 20,
	     .max_parts = 8,
	     .max_depth = 0,
	     .max_header_bytes = 4096,
	     .max_text_bytes = 1 << 20},
	    {.max_size = 1 << 20,
	     .max_parts = 8,
	     .max_depth = 8,
	     .max_header_bytes = 24,
	     .max_text_bytes = 1 << 20},
	    {.max_size = 1 << 20,
	     .max_parts = 8,
	     .max_depth = 8,
	     .max_header_bytes = 4096,
	     .max_text_bytes = 40},
	};
	size_t took = 0, n = 0;
	for (size_t l = 0; l < sizeof(lims) / sizeof(lims[0]); l++)
		for (size_t i = 0; i < NFIX; i++) {
			char path[1024];
			(void)snprintf(path, sizeof(path), "%s/mail/%s", testdata(), fixtures[i]);
			size_t len;
			char *raw = slurp(path, &len);
			took += (size_t)compare(fixtures[i], raw, len, &lims[l]);
			n++;
			g_free(raw);
		}
	printf("fixtures under small limits: %zu of %zu by the scanner\n", took, n);
	assert_true(took >= n * 3 / 4);
}

static size_t compare_dir(const char *dir, bool limits_byte, size_t *total)
{
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open '%s'", dir);
	size_t took = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *path = g_build_filename(dir, e->d_name, NULL);
		size_t len;
		char *raw = slurp(path, &len);
		struct mail_limits lim = mail_limits_default;
		const char *msg = raw;
		if (limits_byte) {
			/* fuzz/fuzz-mail.c: the first byte chooses the limits */
			if (len < 1) {
				g_free(raw);
				g_free(path);
				continue;
			}
			unsigned char b = (unsigned char)raw[0];
			if (b & 1) {
				lim.max_parts = 1 + (b >> 1 & 7);
				lim.max_depth = b >> 4 & 3;
				lim.max_header_bytes = 64 + 64 * (size_t)(b >> 6);
				lim.max_text_bytes = 32 + 128 * (size_t)(b >> 5 & 1);
			}
			msg = raw + 1;
			len--;
		}
		took += (size_t)compare(path, msg, len, &lim);
		(*total)++;
		g_free(raw);
		g_free(path);
	}
	(void)closedir(d);
	return took;
}

/* Generated reports of every shape, three seeds, 1,000 each: almost all by the scanner. */
static void test_generated_corpus(void **state)
{
	(void)state;
	char *tmp = g_dir_make_tmp("keikai-mail-diff-XXXXXX", NULL);
	assert_non_null(tmp);
	char *gen = g_build_filename(testdata(), "..", "..", "tools", "mail-gen.py", NULL);
	size_t took = 0, total = 0;
	static const char *const seeds[] = {"1", "7", "2026"};
	for (size_t s = 0; s < 3; s++) {
		char *out = g_build_filename(tmp, seeds[s], NULL);
		const char *argv[] = {"python3", gen,	   "maildir", out, "-n",
				      "1000",	 "--seed", seeds[s],  NULL};
		gint status = 1;
		gboolean ok =
		    g_spawn_sync(NULL, (gchar **)(uintptr_t)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
				 NULL, NULL, NULL, &status, NULL);
		if (!ok || status != 0)
			fail_msg("tools/mail-gen.py failed for seed %s", seeds[s]);
		char *nw = g_build_filename(out, "new", NULL);
		took += compare_dir(nw, false, &total);
		g_free(nw);
		const char *rm[] = {"rm", "-rf", out, NULL};
		(void)g_spawn_sync(NULL, (gchar **)(uintptr_t)rm, NULL, G_SPAWN_SEARCH_PATH, NULL,
				   NULL, NULL, NULL, NULL, NULL);
		g_free(out);
	}
	const char *rmt[] = {"rm", "-rf", tmp, NULL};
	(void)g_spawn_sync(NULL, (gchar **)(uintptr_t)rmt, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
			   NULL, NULL, NULL, NULL);
	g_free(tmp);
	g_free(gen);
	printf("generated corpus: %zu of %zu by the scanner (%.1f %%)\n", took, total,
	       100.0 * (double)took / (double)total);
	assert_int_equal(total, 3000);
	assert_true(took * 100 >= total * 95);
}

/* Every input of the fuzz corpus: where the scanner reads it, it reads it as GMime does. */
static void test_fuzz_corpus(void **state)
{
	(void)state;
	char *dir = g_build_filename(testdata(), "..", "..", "fuzz", "corpus", "mail", NULL);
	size_t total = 0;
	size_t took = compare_dir(dir, true, &total);
	g_free(dir);
	printf("fuzz corpus: %zu of %zu by the scanner\n", took, total);
	assert_true(total > 100);
	assert_true(took > 0);
}

/* Shapes the scanner must leave to GMime; mail_parse() still reads them. */
static void test_declines(void **state)
{
	(void)state;
	static const char *const odd[] = {
	    /* no closing delimiter */
	    "From: a@example.org\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
	    "Content-Type: text/plain\n\nhello\n",
	    /* a delimiter line that goes on */
	    "From: a@example.org\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n\nhi\n"
	    "--XXjunk\n\nthere\n--XX--\n",
	    /* no boundary parameter */
	    "From: a@example.org\nContent-Type: multipart/mixed\n\n--XX\n\nhi\n--XX--\n",
	    /* a transfer encoding the scanner does not decode */
	    "From: a@example.org\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n`\nend\n",
	    /* base64 not in whole groups */
	    "From: a@example.org\nContent-Transfer-Encoding: base64\n\naGVsbG8\n",
	    /* quoted-printable '=' that is neither escape nor soft break */
	    "From: a@example.org\nContent-Transfer-Encoding: quoted-printable\n\na=zz b\n",
	    /* a header line that is not a field */
	    "From: a@example.org\nthis is not a field\n\nbody\n",
	    /* Subject given twice */
	    "Subject: one\nSubject: two\n\nbody\n",
	    /* no empty line after the header block */
	    "Subject: x",
	    /* multipart/signed is GMime's */
	    "From: a@example.org\nContent-Type: multipart/signed; boundary=XX\n\n--XX\n\nhi\n"
	    "--XX--\n",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		size_t len = strlen(odd[i]);
		struct mail_msg m;
		int rc = mail_parse_path(MAIL_PATH_FAST, odd[i], len, NULL, &m, NULL, 0);
		if (rc != MAIL_DECLINED)
			fail_msg("odd message %zu: the scanner returned %d, not a decline", i, rc);
		assert_null(m.text);
		assert_int_equal(mail_parse(odd[i], len, NULL, &m, NULL, 0), 0);
		assert_non_null(m.text);
		mail_msg_free(&m);
	}
}

/* The scanner reads what it accepts as GMime does also in small hand-written cases: a CR LF
 * message, a part without header fields, nested multiparts, a forwarded message. */
static void test_small_shapes(void **state)
{
	(void)state;
	static const char *const ok[] = {
	    "From: =?UTF-8?B?5bGx55Sw?= <a@example.org>\r\nSubject: hi\r\n"
	    "Date: Mon, 4 Mar 2024 10:00:00 +0900\r\nMessage-ID: <x@y>\r\n\r\nline 1\r\nline 2\r\n",
	    "From: a@example.org\nContent-Type: multipart/mixed; boundary=\"o\"\n\npreamble\n--o\n"
	    "Content-Type: multipart/alternative; boundary=\"i\"\n\n--i\nContent-Type: text/plain;"
	    " charset=utf-8\n\nplain\n--i\nContent-Type: text/html\n\n<p>html</p>\n--i--\n--o\n"
	    "Content-Type: message/rfc822\n\nFrom: b@example.org\nSubject: inner\n\ninner body\n"
	    "--o--\nepilogue\n",
	    "From: a@example.org\nContent-Type: text/plain; charset=iso-2022-jp\n"
	    "Content-Transfer-Encoding: 7bit\n\n\x1b$B$3$s$K$A$O\x1b(B\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (compare("small shape", ok[i], strlen(ok[i]), NULL) != 1)
			fail_msg("small shape %zu declined", i);
}

/* Line ends around delimiters: GMime takes off the end of a part as many bytes as the line end
 * of the delimiter after it has, whatever they are. Each message here is either declined or
 * read as GMime reads it; the consistent ones are read by the scanner. */
static void test_line_ends(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		bool taken;
	} cases[] = {
	    {"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\n"
	     "Content-Type: text/plain\r\n\r\nhello\r\n-\n--BB--\r\n",
	     false},
	    {"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\n"
	     "Content-Type: text/plain\r\n\r\nhello\nworld\n--BB--\r\n",
	     false},
	    {"From: a@b.c\nContent-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\n"
	     "Content-Type: text/plain\n\nhello\r\n--BB--\n",
	     false},
	    {"From: a@b.c\nContent-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\n"
	     "Content-Type: text/plain\n\nhello\n--BB--\r\n",
	     false},
	    {"From: a@b.c\nContent-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\n"
	     "Content-Type: text/plain\n\nhello\n--BB--",
	     false},
	    {"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\n"
	     "Content-Type: text/plain\n\nhello\n--BB--\n",
	     true},
	    {"From: a@b.c\nContent-Type: multipart/mixed; boundary=\"o\"\n\n--o\n"
	     "Content-Type: multipart/alternative; boundary=\"i\"\n\n--i\n"
	     "Content-Type: text/plain\n\nx\n--i--\n--o--\n",
	     true},
	    {"From: a@b.c\nContent-Type: multipart/mixed; boundary=\"o\"\n\n--o\n"
	     "Content-Type: multipart/alternative; boundary=\"i\"\n\n--i\n"
	     "Content-Type: text/plain\n\nx\n--i--\r\n--o--\n",
	     false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int took = compare("line ends", cases[i].raw, strlen(cases[i].raw), NULL);
		if (took != (int)cases[i].taken)
			fail_msg("line-end case %zu: taken %d, expected %d", i, took,
				 (int)cases[i].taken);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),	     cmocka_unit_test(test_fixtures_small_limits),
	    cmocka_unit_test(test_declines),	     cmocka_unit_test(test_small_shapes),
	    cmocka_unit_test(test_line_ends),	     cmocka_unit_test(test_fuzz_corpus),
	    cmocka_unit_test(test_generated_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
