/* test-mbox.c - splitting an mbox and removing mboxrd quoting (src/incident/mbox.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../src/incident/mbox.h"

/* Split buf into messages; each one unquoted into out[i] (NUL-terminated). */
static int split(const char *buf, char out[][256], size_t max)
{
	size_t pos = 0, off, len, n = 0;
	int r;
	while ((r = mbox_next(buf, strlen(buf), &pos, &off, &len)) == 1) {
		assert_true(n < max);
		assert_true(len < 256);
		size_t u = mbox_unquote(buf + off, len, out[n]);
		assert_true(u <= len);
		out[n][u] = 0;
		n++;
	}
	return r < 0 ? -1 : (int)n;
}

static void two_messages_and_quoting(void **state)
{
	(void)state;
	char m[4][256];
	const char *box = "From alice@example.jp Wed Nov 26 10:00:00 2025\n"
			  "Subject: one\n\n"
			  ">From the start of a line\n"
			  ">>From twice quoted\n"
			  "> From not quoted (a space after >)\n"
			  "\n"
			  "From bob@example.org Wed Nov 26 10:01:00 2025\n"
			  "Subject: two\n\nbody\n";
	assert_int_equal(split(box, m, 4), 2);
	assert_string_equal(m[0], "Subject: one\n\n"
				  "From the start of a line\n"
				  ">From twice quoted\n"
				  "> From not quoted (a space after >)\n");
	/* the separating empty line belongs to neither; the last message keeps its end */
	assert_string_equal(m[1], "Subject: two\n\nbody\n");
}

static void crlf_and_empty_message(void **state)
{
	(void)state;
	char m[4][256];
	const char *box = "From a Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n\r\nline\r\n\r\n"
			  "From b Mon Jan  1 00:00:00 2024\r\n"
			  "From c Mon Jan  1 00:00:00 2024\r\nSubject: z\r\n";
	assert_int_equal(split(box, m, 4), 3);
	assert_string_equal(m[0], "Subject: x\r\n\r\nline\r\n");
	assert_string_equal(m[1], ""); /* two From lines in a row: an empty message */
	assert_string_equal(m[2], "Subject: z\r\n");
}

static void not_an_mbox(void **state)
{
	(void)state;
	char m[2][256];
	assert_int_equal(split("Subject: a single mail\n\nbody\n", m, 2), -1);
	assert_int_equal(split("\n\n", m, 2), 0);
	assert_int_equal(split("", m, 2), 0);
	/* blank lines before the first From line are allowed */
	assert_int_equal(split("\n\nFrom x\nSubject: y\n", m, 2), 1);
	assert_string_equal(m[0], "Subject: y\n");
}

/* The envelope date of the first message of an mbox that starts with line. */
static long long first_time(const char *line)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%sSubject: x\n\nbody\n", line);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	size_t pos = 0, off, len;
	assert_int_equal(mbox_next(buf, strlen(buf), &pos, &off, &len), 1);
	return mbox_envelope_time(buf, off);
}

static void envelope_time(void **state)
{
	(void)state;
	/* with a zone the answer does not depend on the machine's; 2026-11-26 11:42:11 UTC is
	 * 1795693331 */
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 20:42:11 2026 +0900\n"),
			 1795693331LL);
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 20:42:11 +0900 2026\n"),
			 1795693331LL);
	assert_int_equal(first_time("From MAILER-DAEMON Thu Nov 26 06:42:11 2026 -0500\r\n"),
			 1795693331LL);
	/* without one: local time, here set to UTC and then to Japan */
	(void)setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 11:42:11 2026\n"), 1795693331LL);
	assert_int_equal(first_time("From a@example.jp  Thu Nov  5 01:02:03 2026\n"), 1793840523LL);
	(void)setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 20:42:11 2026\n"), 1795693331LL);
	/* no date that can be read */
	assert_int_equal(first_time("From a@example.jp\n"), -1);
	assert_int_equal(first_time("From a@example.jp Thu Foo 26 20:42:11 2026\n"), -1);
	assert_int_equal(first_time("From a@example.jp Thu Nov 32 20:42:11 2026\n"), -1);
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 24:42:11 2026\n"), -1);
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 20:42 2026\n"), -1);
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 20:42:11 1969\n"), -1);
	assert_int_equal(first_time("From a@example.jp Thu Nov 26 20:42:11 +2500 2026\n"), -1);
	/* the message must follow a "From " line */
	assert_int_equal(mbox_envelope_time("Subject: x\n", 11), -1);
	assert_int_equal(mbox_envelope_time("", 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(two_messages_and_quoting),
	    cmocka_unit_test(crlf_and_empty_message),
	    cmocka_unit_test(not_an_mbox),
	    cmocka_unit_test(envelope_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
