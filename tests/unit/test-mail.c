/* test-mail.c - the mail parser on the fixtures of tests/data/mail and on bad input
 *
 * The fixtures are written by tools/mail-gen.py (tests/data/mail/SOURCES.md). Expected Unix
 * times were computed with GNU date, e.g. `date -u -d "Thu, 17 Jan 2019 18:21:00 +0900" +%s`;
 * decoded attachment sizes with `base64 -d | wc -c` over the part's lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/incident/mail.h"

static char *load(const char *name, size_t *len)
{
	const char *dir = getenv("KEIKAI_TESTDATA");
	char path[1024];
	(void)snprintf(path, sizeof(path), "%s/mail/%s", dir ? dir : "tests/data", name);
	FILE *f = fopen(path, "rbe");
	if (!f)
		fail_msg("cannot open '%s'", path);
	static char buf[1 << 20];
	*len = fread(buf, 1, sizeof(buf), f);
	(void)fclose(f);
	char *p = malloc(*len + 1);
	assert_non_null(p);
	memcpy(p, buf, *len);
	p[*len] = '\0';
	return p;
}

/* every string a parse returns is valid UTF-8 of its stated length, without NUL */
static void assert_all_utf8(const struct mail_msg *m)
{
	const char *hs[] = {m->from, m->from_addr, m->to, m->subject, m->message_id, m->date_hdr};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		assert_non_null(hs[i]);
		assert_true(g_utf8_validate(hs[i], -1, NULL));
	}
	assert_int_equal(strlen(m->text), m->text_len);
	assert_true(g_utf8_validate(m->text, (gssize)m->text_len, NULL));
	assert_int_equal(strlen(m->html), m->html_len);
	assert_true(g_utf8_validate(m->html, (gssize)m->html_len, NULL));
	for (size_t i = 0; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];
		assert_non_null(p->type);
		if (p->filename)
			assert_true(g_utf8_validate(p->filename, -1, NULL));
		if (p->text) {
			assert_int_equal(strlen(p->text), p->text_len);
			assert_true(g_utf8_validate(p->text, (gssize)p->text_len, NULL));
		}
	}
}

static void parse_fixture(const char *name, const struct mail_limits *lim, struct mail_msg *m)
{
	size_t len;
	char *raw = load(name, &len);
	char err[128] = "";
	int rc = mail_parse(raw, len, lim, m, err, sizeof(err));
	free(raw);
	if (rc != 0)
		fail_msg("'%s' refused: %d %s", name, rc, err);
	assert_all_utf8(m);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in:\n%s", needle, hay);
}

static void test_iso2022jp_thunderbird(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("jis-thunderbird.eml", NULL, &m);
	/* two encoded words, the second holding only the closing bracket */
	assert_string_equal(m.subject, "フィッシングサイトの報告（Apple ID）");
	assert_string_equal(m.from, "山田 太郎");
	assert_string_equal(m.from_addr, "t.yamada@example.co.jp");
	assert_string_equal(m.to, "info@jpcert.or.jp");
	assert_string_equal(m.date_hdr, "Thu, 17 Jan 2019 18:21:00 +0900");
	assert_int_equal(m.date, 1547716860);
	assert_string_equal(m.message_id, "d82c07cd.629f.e3c2094cac@example.co.jp");
	assert_has(m.text,
		   "本日、Apple IDを騙るフィッシングメールを受信しましたので報告いたします。\n");
	assert_has(m.text, "hxxps://applef6c49b3e31a0c6728957f[.]signin-app[.]xn--tckwe/");
	assert_int_equal(m.nparts, 1);
	assert_string_equal(m.parts[0].type, "text/plain");
	assert_false(m.parts[0].attachment);
	assert_int_equal(m.html_len, 0);
	assert_false(m.truncated);
	mail_msg_free(&m);
}

static void test_iso2022jp_windows_extensions(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("jis-outlook-nec.eml", NULL, &m);
	/* ISO-2022-JP with NEC row 13 (①, ㈱) and an NEC-selected IBM character (髙, row 92),
	 * written by nkf as Windows mailers write it; glibc's ISO-2022-JP refuses all three */
	assert_string_equal(m.subject, "①Apple IDの偽サイト（㈱髙橋商店より）");
	assert_string_equal(m.from, "髙橋 一郎");
	assert_int_equal(m.date, 1547106120);
	assert_has(m.text,
		   "㈱髙橋商店の髙橋です。\n"
		   "① 取引先を名乗るメールに、Apple IDを装ったサイトへのリンクがありました。\n");
	assert_has(m.text, "② リンク先：hxxps://apple-verifyorderid0039[.]serveusers[.]com/\n");
	assert_null(strstr(m.text, "\xef\xbf\xbd"));
	mail_msg_free(&m);
}

static void test_shift_jis_outlook(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("sjis-outlook.eml", NULL, &m);
	/* ① is CP932 (NEC row 13): a plain Shift_JIS decoder rejects it */
	assert_string_equal(m.subject, "【至急】①Amazonを装ったフィッシングメールについて");
	/* the From display name is raw 8-bit Shift_JIS */
	assert_string_equal(m.from, "佐藤 花子");
	assert_string_equal(m.from_addr, "h.sato@sample-shoji.co.jp");
	assert_int_equal(m.date, 1548982740);
	/* 0x8160 is U+FF5E FULLWIDTH TILDE in CP932 */
	assert_has(m.text, "受信者数は約10\xef\xbd\x9e"
			   "20名です。");
	assert_has(m.text, "① 受信日時：2019年02月01日 09:59\n② 件名");
	assert_has(m.text, "㈱サンプル商事 情報システム部");
	assert_has(m.text, "hxxps://www2[.]amazon[.]co[.]jp[.]4a5fae9d4bb89c5dcab5c0a603ed3b3c");
	assert_null(strchr(m.text, '\r')); /* CR LF read as line ends */
	mail_msg_free(&m);
}

static void test_euc_jp(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("eucjp-wanderlust.eml", NULL, &m);
	assert_string_equal(m.subject, "不審なサイトの報告 楽天カード"); /* raw 8-bit EUC-JP */
	assert_string_equal(m.from, "Ichiro Suzuki");
	assert_int_equal(m.date, 1553216100);
	assert_has(m.text,
		   "学内の利用者から、次のサイトへ誘導するメールが届いたとの連絡がありました。");
	assert_has(m.text, "hxxp://rakuten-card-infroms[.]com/");
	mail_msg_free(&m);
}

static void test_utf8_quoted_printable(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("utf8-qp-apple.eml", NULL, &m);
	assert_string_equal(m.subject, "Phishing report: 三菱UFJニコス のなりすましサイト");
	assert_string_equal(m.from, "Kenji Tanaka");
	assert_int_equal(m.date, 1559521200);
	/* soft line breaks joined: the URL comes out whole */
	assert_has(m.text, "リンク先は次のとおりです：\n"
			   "http://entry11-bk-mufg-ufj-nicos-group.ghpua.org/\n");
	assert_null(strstr(m.text, "=E3"));
	mail_msg_free(&m);
}

static void test_html_only_base64(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("html-only-base64.eml", NULL, &m);
	assert_string_equal(m.subject, "【重要】お客様のアカウントが停止されました");
	assert_string_equal(m.from, "三菱UFJニコス カスタマーサービス");
	assert_int_equal(m.date, 1559550840);
	assert_has(m.html, "<a href=\"http://38.143.68.21/fuu.php\">アカウントを確認する</a>");
	/* the readable text: tags and the style sheet gone, entities decoded */
	assert_has(m.text, "24時間以内に以下のリンクから本人確認を完了してください。\n");
	assert_has(m.text, "© 三菱UFJニコス & 関連会社");
	assert_null(strchr(m.text, '<'));
	assert_null(strstr(m.text, "font-size"));
	assert_int_equal(m.nparts, 1);
	assert_true(m.parts[0].html);
	mail_msg_free(&m);
}

static void test_alternative(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("alternative-gmail.eml", NULL, &m);
	assert_string_equal(m.subject, "SMSで届いた不審なURL");
	assert_string_equal(m.from, "伊藤花子");
	assert_string_equal(m.from_addr, "hanako.ito@gmail.com");
	assert_int_equal(m.date, 1561947360);
	/* text from the text/plain alternative only, HTML kept apart */
	assert_has(m.text, "三井住友カードの偽サイトと思われます。\nhttps://www.smbc-cardsp.jp\n");
	assert_null(strchr(m.text, '<'));
	assert_has(m.html, "<a href=\"https://www.smbc-cardsp.jp\">");
	assert_null(strstr(m.text + (strstr(m.text, "お疲れさまです") - m.text) + 1,
			   "お疲れさまです")); /* not twice */
	assert_int_equal(m.nparts, 2);
	assert_string_equal(m.parts[0].type, "text/plain");
	assert_string_equal(m.parts[1].type, "text/html");
	assert_true(m.parts[1].html);
	mail_msg_free(&m);
}

static void test_forwarded_rfc822(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("forwarded-rfc822.eml", NULL, &m);
	assert_string_equal(m.subject, "Fwd: 【重要】お支払い方法の確認");
	assert_string_equal(m.from, "セキュリティ運用センター");
	assert_int_equal(m.date, 1561949280);
	assert_has(m.text, "添付のメールの誘導先を確認してください。\n\n"
			   "-------- forwarded message --------\n"
			   "From: \"LINE\" <account-update@secure-mail-notice.com>\n");
	assert_has(m.text, "Subject: 【重要】お支払い方法の確認\n");
	assert_has(m.text,
		   "以下のURLからお支払い情報を更新してください。\nhttps://www.linefg.com/");
	assert_has(m.html, "<a href=\"https://www.linefg.com/\">");
	assert_int_equal(m.nparts, 4);
	assert_string_equal(m.parts[1].type, "message/rfc822");
	assert_string_equal(m.parts[1].filename, "LINEを装ったメール.eml");
	assert_true(m.parts[1].attachment);
	assert_int_equal(m.parts[1].depth, 0);
	assert_int_equal(m.parts[2].depth, 1);
	assert_int_equal(m.parts[3].depth, 1);
	assert_true(m.parts[3].html);
	assert_false(m.truncated);
	mail_msg_free(&m);
}

static void test_abuse_attachments(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("abuse-csv-attachments.eml", NULL, &m);
	assert_has(m.subject, "] Port scanning from your network");
	assert_string_equal(m.from_addr, "abuse@example-networks.net");
	assert_int_equal(m.date, 1569898860);
	assert_has(m.text, "serves a phishing page: hxxp://smcbcojp[.]com\n");
	assert_int_equal(m.nparts, 3);
	assert_string_equal(m.parts[1].type, "text/csv");
	assert_string_equal(m.parts[1].filename, "scan-sources-20191001.csv");
	assert_true(m.parts[1].attachment);
	assert_non_null(m.parts[1].text);
	const char *head = "timestamp_utc,src_ip,src_port,dst_port,proto,count\n";
	assert_true(strncmp(m.parts[1].text, head, strlen(head)) == 0); /* CR LF read as LF */
	/* the CSV's text is part of the text, under its separator */
	assert_has(m.text, "-------- attachment: scan-sources-20191001.csv (text/csv) --------\n"
			   "timestamp_utc,src_ip");
	assert_string_equal(m.parts[2].type, "application/gzip");
	assert_string_equal(m.parts[2].filename, "capture-excerpt.pcap.gz");
	assert_true(m.parts[2].attachment);
	assert_null(m.parts[2].text);
	assert_int_equal(m.parts[2].size, 623);
	mail_msg_free(&m);
}

static void test_rfc2231_filename(void **state)
{
	(void)state;
	struct mail_msg m;
	parse_fixture("rfc2231-filename.eml", NULL, &m);
	assert_string_equal(m.subject, "被害報告書の送付");
	assert_string_equal(m.from, "木村 健");
	assert_int_equal(m.date, 1575255600);
	assert_has(m.text, "誘導先のURL：hxxp://nttdocomo-lu[.]com/");
	assert_int_equal(m.nparts, 2);
	/* filename*0*= / filename*1*= continuations, percent-encoded UTF-8 */
	assert_string_equal(m.parts[1].filename, "フィッシング被害報告書_20191202.pdf");
	assert_string_equal(m.parts[1].type, "application/pdf");
	assert_int_equal(m.parts[1].size, 358); /* the size= parameter the mail states */
	assert_null(m.parts[1].text);
	mail_msg_free(&m);
}

static void test_limit_text(void **state)
{
	(void)state;
	struct mail_limits lim = mail_limits_default;
	lim.max_text_bytes = 100;
	struct mail_msg m;
	parse_fixture("jis-thunderbird.eml", &lim, &m);
	assert_true(m.truncated);
	assert_true(m.text_len <= 100 && m.text_len > 80); /* cut at a character boundary */
	assert_true(m.parts[0].text_len <= 100);
	assert_string_equal(m.subject, "フィッシングサイトの報告（Apple ID）");
	mail_msg_free(&m);
}

static void test_limit_parts(void **state)
{
	(void)state;
	struct mail_limits lim = mail_limits_default;
	lim.max_parts = 1;
	struct mail_msg m;
	parse_fixture("abuse-csv-attachments.eml", &lim, &m);
	assert_true(m.truncated);
	assert_int_equal(m.nparts, 1);
	assert_null(strstr(m.text, "timestamp_utc"));
	mail_msg_free(&m);
}

static void test_limit_depth(void **state)
{
	(void)state;
	struct mail_limits lim = mail_limits_default;
	lim.max_depth = 0;
	struct mail_msg m;
	parse_fixture("forwarded-rfc822.eml", &lim, &m);
	assert_true(m.truncated);
	assert_int_equal(m.nparts, 2); /* the note and the message/rfc822 part, not its insides */
	assert_string_equal(m.parts[1].type, "message/rfc822");
	assert_null(strstr(m.text, "forwarded message"));
	assert_int_equal(m.html_len, 0);
	mail_msg_free(&m);
}

static char *big_header_mail(size_t lines, size_t *len)
{
	GString *s = g_string_new("Subject: first\nFrom: a@example.org\n");
	for (size_t i = 0; i < lines; i++)
		g_string_append_printf(s, "X-Filler-%zu: %s\n", i, "abcdefghijklmnopqrstuvwxyz");
	g_string_append(s, "To: late@example.org\n\nbody text\n");
	*len = s->len;
	return g_string_free(s, FALSE);
}

static void test_limit_header(void **state)
{
	(void)state;
	size_t len;
	char *raw = big_header_mail(200, &len);
	struct mail_limits lim = mail_limits_default;
	lim.max_header_bytes = 1024;
	struct mail_msg m;
	assert_int_equal(mail_parse(raw, len, &lim, &m, NULL, 0), 0);
	assert_true(m.truncated);
	assert_string_equal(m.subject, "first");
	assert_string_equal(m.to, ""); /* after the cut */
	assert_has(m.text, "body text");
	mail_msg_free(&m);
	/* the same mail under the default limits keeps everything */
	assert_int_equal(mail_parse(raw, len, NULL, &m, NULL, 0), 0);
	assert_false(m.truncated);
	assert_string_equal(m.to, "late@example.org");
	mail_msg_free(&m);
	g_free(raw);
}

/* A multipart without a boundary parameter cannot be split: its body is read as the plain text
 * it was meant to be (Shift_JIS here, from the multipart's charset), not dropped. */
static void test_multipart_without_boundary(void **state)
{
	(void)state;
	static const char raw[] =
	    "From: a@example.jp\r\nSubject: no boundary\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; charset=Shift_JIS\r\n\r\n"
	    "\x83\x74\x83\x42\x83\x62\x83\x56\x83\x93\x83\x4f "
	    "hxxp://no-boundary[.]example/login\r\nsecond line\r\n";
	struct mail_msg m;
	assert_int_equal(mail_parse(raw, sizeof raw - 1, NULL, &m, NULL, 0), 0);
	assert_has(m.text, "フィッシング hxxp://no-boundary[.]example/login\nsecond line");
	assert_int_equal(m.nparts, 1);
	assert_string_equal(m.parts[0].type, "text/plain");
	assert_false(m.parts[0].attachment);
	mail_msg_free(&m);
	/* with a boundary that is never used, nothing changes: the body is its prologue */
	static const char used[] = "From: a@example.jp\r\nMIME-Version: 1.0\r\n"
				   "Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
				   "prologue only\r\n";
	assert_int_equal(mail_parse(used, sizeof used - 1, NULL, &m, NULL, 0), 0);
	assert_null(strstr(m.text, "prologue only"));
	mail_msg_free(&m);
}

static void test_limit_size(void **state)
{
	(void)state;
	size_t len;
	char *raw = load("abuse-csv-attachments.eml", &len);
	struct mail_limits lim = mail_limits_default;
	lim.max_size = len - 1;
	struct mail_msg m;
	char err[64];
	assert_int_equal(mail_parse(raw, len, &lim, &m, err, sizeof(err)), MAIL_E_TOOBIG);
	assert_null(m.text);
	lim.max_size = len;
	assert_int_equal(mail_parse(raw, len, &lim, &m, err, sizeof(err)), 0);
	mail_msg_free(&m);
	free(raw);
}

static void test_errors(void **state)
{
	(void)state;
	struct mail_msg m;
	char err[128];
	assert_int_equal(mail_parse("", 0, NULL, &m, err, sizeof(err)), MAIL_E_EMPTY);
	assert_int_equal(mail_parse(NULL, 0, NULL, &m, err, sizeof(err)), MAIL_E_EMPTY);
	assert_int_equal(mail_parse(" \r\n\r\n\t", 6, NULL, &m, err, sizeof(err)), MAIL_E_EMPTY);
	const char *prose = "Hello, this is not a mail.\nJust text: with a colon.\n";
	assert_int_equal(mail_parse(prose, strlen(prose), NULL, &m, err, sizeof(err)),
			 MAIL_E_NOTMAIL);
	assert_true(strlen(err) > 0);
	static const char bin[] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n', 0, 0, 0, 13};
	assert_int_equal(mail_parse(bin, sizeof(bin), NULL, &m, err, sizeof(err)), MAIL_E_NOTMAIL);
	assert_int_equal(mail_parse("\nSubject: x\n\nbody", 17, NULL, &m, err, sizeof(err)),
			 MAIL_E_NOTMAIL); /* the header block must come first */
	assert_int_equal(mail_parse("Subject: x\n", 11, NULL, NULL, err, sizeof(err)),
			 MAIL_E_INVAL);
	struct mail_limits lim = mail_limits_default;
	lim.max_parts = 0;
	assert_int_equal(mail_parse("Subject: x\n", 11, &lim, &m, err, sizeof(err)), MAIL_E_INVAL);
	/* a message of headers only is a message */
	assert_int_equal(mail_parse("Subject: x", 10, NULL, &m, err, sizeof(err)), 0);
	assert_string_equal(m.subject, "x");
	assert_int_equal(m.text_len, 0);
	mail_msg_free(&m);

	const int codes[] = {MAIL_E_EMPTY, MAIL_E_TOOBIG, MAIL_E_NOTMAIL,
			     MAIL_E_NOMEM, MAIL_E_PARSE,  MAIL_E_INVAL};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *en = mail_strerror(codes[i], I18N_EN);
		const char *ja = mail_strerror(codes[i], I18N_JA);
		assert_true(strlen(en) > 0 && strlen(ja) > 0);
		assert_string_not_equal(en, ja);
		assert_true(g_utf8_validate(ja, -1, NULL));
		assert_string_not_equal(mail_error_name(codes[i]), "unknown");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(en, mail_strerror(codes[j], I18N_EN));
	}
	assert_string_equal(mail_strerror(0, I18N_JA), "");
	assert_string_equal(mail_error_name(-99), "unknown");
	mail_msg_free(NULL);
}

static void test_invalid_bytes(void **state)
{
	(void)state;
	/* bytes that no charset decodes: invalid UTF-8 in headers and body, a Shift_JIS body cut
	 * in the middle of a character, a charset iconv does not know */
	static const char utf[] =
	    "Subject: bad \xff\xfe bytes\nFrom: \xc0\xaf <x@example.org>\n"
	    "Content-Type: text/plain; charset=utf-8\n\nok \xed\xa0\x80 \xf8 end\n";
	struct mail_msg m;
	assert_int_equal(mail_parse(utf, sizeof(utf) - 1, NULL, &m, NULL, 0), 0);
	assert_all_utf8(&m);
	assert_has(m.subject, "\xef\xbf\xbd");
	assert_has(m.text, "ok \xef\xbf\xbd");
	assert_has(m.text, " end");
	mail_msg_free(&m);

	gsize n;
	gchar *sj = g_convert("報告です", -1, "CP932", "UTF-8", NULL, &n, NULL);
	assert_non_null(sj);
	GString *s = g_string_new("Subject: cut\nContent-Type: text/plain; charset=Shift_JIS\n\n");
	g_string_append_len(s, sj, (gssize)n - 1); /* the last character's lead byte only */
	assert_int_equal(mail_parse(s->str, s->len, NULL, &m, NULL, 0), 0);
	assert_all_utf8(&m);
	assert_has(m.text, "報告で\xef\xbf\xbd");
	mail_msg_free(&m);
	g_string_free(s, TRUE);
	g_free(sj);

	static const char unk[] = "Subject: x\nContent-Type: text/plain; charset=x-no-such-set\n\n"
				  "caf\xe9 ok\n";
	assert_int_equal(mail_parse(unk, sizeof(unk) - 1, NULL, &m, NULL, 0), 0);
	assert_all_utf8(&m);
	assert_has(m.text, "ok");
	mail_msg_free(&m);
}

static void test_unlabelled_japanese(void **state)
{
	(void)state;
	/* 8-bit Japanese bodies without a charset: each guessed from its bytes */
	const char *sets[] = {"EUC-JP", "CP932", "UTF-8"};
	for (size_t i = 0; i < 3; i++) {
		gsize n;
		gchar *b =
		    g_convert("不正なサイトを報告します。", -1, sets[i], "UTF-8", NULL, &n, NULL);
		assert_non_null(b);
		GString *s = g_string_new("Subject: guess\n\n");
		g_string_append_len(s, b, (gssize)n);
		struct mail_msg m;
		assert_int_equal(mail_parse(s->str, s->len, NULL, &m, NULL, 0), 0);
		assert_string_equal(m.text, "不正なサイトを報告します。");
		mail_msg_free(&m);
		g_string_free(s, TRUE);
		g_free(b);
	}
}

static void test_deep_nesting(void **state)
{
	(void)state;
	/* multiparts nested far deeper than walked, and a message/rfc822 chain: no crash, the
	 * walk stops, the flag says so */
	GString *s = g_string_new("Subject: deep\nMIME-Version: 1.0\n");
	for (int i = 0; i < 200; i++)
		g_string_append_printf(
		    s, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	g_string_append(s, "Content-Type: text/plain\n\ninnermost\n");
	for (int i = 199; i >= 0; i--)
		g_string_append_printf(s, "--b%d--\n", i);
	struct mail_msg m;
	assert_int_equal(mail_parse(s->str, s->len, NULL, &m, NULL, 0), 0);
	assert_true(m.truncated);
	assert_null(strstr(m.text, "innermost"));
	mail_msg_free(&m);
	g_string_free(s, TRUE);

	s = g_string_new("");
	for (int i = 0; i < 20; i++)
		g_string_append_printf(s, "Subject: level %d\nContent-Type: message/rfc822\n\n", i);
	g_string_append(s, "Subject: bottom\n\nbottom text\n");
	assert_int_equal(mail_parse(s->str, s->len, NULL, &m, NULL, 0), 0);
	assert_true(m.truncated);
	assert_has(m.text, "Subject: level 8\n");
	assert_null(strstr(m.text, "Subject: level 9\n"));
	mail_msg_free(&m);
	g_string_free(s, TRUE);
}

static void test_mbox_envelope(void **state)
{
	(void)state;
	static const char mb[] = "From abuse@example.net Tue Oct  1 03:01:00 2019\n"
				 "Subject: from an mbox\n\nbody\n";
	struct mail_msg m;
	assert_int_equal(mail_parse(mb, sizeof(mb) - 1, NULL, &m, NULL, 0), 0);
	assert_string_equal(m.subject, "from an mbox");
	assert_string_equal(m.text, "body\n");
	mail_msg_free(&m);
}

/* parses in several threads at once give what one thread gives (each thread has its own
 * charset converters, closed when it ends) */
static const char *const fixtures[] = {"jis-thunderbird.eml",	    "jis-outlook-nec.eml",
				       "sjis-outlook.eml",	    "eucjp-wanderlust.eml",
				       "utf8-qp-apple.eml",	    "html-only-base64.eml",
				       "alternative-gmail.eml",	    "forwarded-rfc822.eml",
				       "abuse-csv-attachments.eml", "rfc2231-filename.eml"};
#define NFIX (sizeof(fixtures) / sizeof(fixtures[0]))

struct thread_job {
	char *raw[NFIX];
	size_t len[NFIX];
	char *want[NFIX]; /* subject, then text */
	int mismatches;
};

static void *parse_many(void *arg)
{
	struct thread_job *j = arg;
	for (int round = 0; round < 20; round++)
		for (size_t i = 0; i < NFIX; i++) {
			struct mail_msg m;
			if (mail_parse(j->raw[i], j->len[i], NULL, &m, NULL, 0) != 0) {
				__atomic_add_fetch(&j->mismatches, 1, __ATOMIC_RELAXED);
				continue;
			}
			char *got = g_strconcat(m.subject, "\n", m.text, NULL);
			if (strcmp(got, j->want[i]) != 0)
				__atomic_add_fetch(&j->mismatches, 1, __ATOMIC_RELAXED);
			g_free(got);
			mail_msg_free(&m);
		}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct thread_job j = {.mismatches = 0};
	for (size_t i = 0; i < NFIX; i++) {
		j.raw[i] = load(fixtures[i], &j.len[i]);
		struct mail_msg m;
		assert_int_equal(mail_parse(j.raw[i], j.len[i], NULL, &m, NULL, 0), 0);
		j.want[i] = g_strconcat(m.subject, "\n", m.text, NULL);
		mail_msg_free(&m);
	}
	pthread_t t[4];
	for (size_t k = 0; k < 4; k++)
		assert_int_equal(pthread_create(&t[k], NULL, parse_many, &j), 0);
	for (size_t k = 0; k < 4; k++)
		assert_int_equal(pthread_join(t[k], NULL), 0);
	assert_int_equal(j.mismatches, 0);
	for (size_t i = 0; i < NFIX; i++) {
		free(j.raw[i]);
		g_free(j.want[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iso2022jp_thunderbird),
	    cmocka_unit_test(test_iso2022jp_windows_extensions),
	    cmocka_unit_test(test_shift_jis_outlook),
	    cmocka_unit_test(test_euc_jp),
	    cmocka_unit_test(test_utf8_quoted_printable),
	    cmocka_unit_test(test_html_only_base64),
	    cmocka_unit_test(test_alternative),
	    cmocka_unit_test(test_forwarded_rfc822),
	    cmocka_unit_test(test_abuse_attachments),
	    cmocka_unit_test(test_rfc2231_filename),
	    cmocka_unit_test(test_limit_text),
	    cmocka_unit_test(test_limit_parts),
	    cmocka_unit_test(test_limit_depth),
	    cmocka_unit_test(test_limit_header),
	    cmocka_unit_test(test_multipart_without_boundary),
	    cmocka_unit_test(test_limit_size),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_invalid_bytes),
	    cmocka_unit_test(test_unlabelled_japanese),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_mbox_envelope),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
