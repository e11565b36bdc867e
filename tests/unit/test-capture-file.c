/* test-capture-file.c - the in-place pcap reader hands out exactly what libpcap hands out
 *
 * Every comparison reads the same bytes twice, once with pcap_next_ex() and once with
 * capture_file_next(), and requires the same packets (timestamp, lengths, bytes) in the same
 * order and the same ending (end of file, or an error with the same message).
 */
#include <dirent.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/sensor/capture-file.h"

struct verdict {
	unsigned long packets;
	int end;	 /* 0 end of file, PCAP_ERROR error, 1 could not open */
	bool in_place;	 /* walked in place right after opening */
	bool handed_off; /* ... and no longer at the end */
};

/* Read data both ways; fail the test on the first difference. */
static struct verdict compare(const uint8_t *data, size_t n, const char *what)
{
	char e1[PCAP_ERRBUF_SIZE] = "", e2[PCAP_ERRBUF_SIZE] = "";
	struct verdict v = {0, 1, false, false};
	FILE *f1 = fmemopen((void *)(uintptr_t)data, n, "rb");
	FILE *f2 = fmemopen((void *)(uintptr_t)data, n, "rb");
	assert_non_null(f1);
	assert_non_null(f2);
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f1, PCAP_TSTAMP_PRECISION_MICRO, e1);
	struct capture_file *cf = capture_file_open(f2, true, e2);
	if (!pc || !cf) {
		if ((pc != NULL) != (cf != NULL) || strcmp(e1, e2) != 0)
			fail_msg("%s: open differs: libpcap '%s', reader '%s'", what, e1, e2);
		if (!pc)
			(void)fclose(f1);
		return v;
	}
	v.in_place = capture_file_in_place(cf);
	assert_int_equal(pcap_datalink(pc), pcap_datalink(capture_file_pcap(cf)));
	for (;;) {
		struct pcap_pkthdr *h1, *h2;
		const u_char *d1;
		const uint8_t *d2;
		int r1 = pcap_next_ex(pc, &h1, &d1);
		int r2 = capture_file_next(cf, &h2, &d2);
		if (r1 == PCAP_ERROR_BREAK)
			r1 = 0;
		if (r1 != r2)
			fail_msg("%s: packet %lu: libpcap says %d, reader %d (%s)", what, v.packets,
				 r1, r2, r2 < 0 ? capture_file_error(cf) : "");
		if (r1 != 1) {
			if (r1 == PCAP_ERROR &&
			    strcmp(pcap_geterr(pc), capture_file_error(cf)) != 0)
				fail_msg("%s: errors differ: '%s' / '%s'", what, pcap_geterr(pc),
					 capture_file_error(cf));
			v.end = r1;
			break;
		}
		if (h1->ts.tv_sec != h2->ts.tv_sec || h1->ts.tv_usec != h2->ts.tv_usec ||
		    h1->caplen != h2->caplen || h1->len != h2->len ||
		    memcmp(d1, d2, h1->caplen) != 0)
			fail_msg(
			    "%s: packet %lu differs: %lld.%06lld %u/%u against %lld.%06lld %u/%u",
			    what, v.packets, (long long)h1->ts.tv_sec, (long long)h1->ts.tv_usec,
			    h1->caplen, h1->len, (long long)h2->ts.tv_sec,
			    (long long)h2->ts.tv_usec, h2->caplen, h2->len);
		v.packets++;
	}
	v.handed_off = v.in_place && !capture_file_in_place(cf);
	pcap_close(pc);
	capture_file_free(cf);
	return v;
}

static uint8_t *slurp(const char *path, size_t *ret_n)
{
	FILE *f = fopen(path, "rbe");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long sz = ftell(f);
	assert_true(sz >= 0);
	rewind(f);
	uint8_t *b = malloc((size_t)sz + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
	(void)fclose(f);
	*ret_n = (size_t)sz;
	return b;
}

struct tally {
	unsigned files, in_place, packets;
};

static void compare_tree(const char *dir, struct tally *t)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			compare_tree(path, t);
			continue;
		}
		if (strstr(e->d_name, ".md"))
			continue;
		size_t n;
		uint8_t *b = slurp(path, &n);
		struct verdict v = compare(b, n, path);
		free(b);
		t->files++;
		t->packets += (unsigned)v.packets;
		t->in_place += v.in_place;
	}
	(void)closedir(d);
}

static const char *data_dir(void)
{
	const char *d = getenv("KEIKAI_TESTDATA");
	return d ? d : "tests/data";
}

/* The real captures: 16 files, pcap and pcapng, Ethernet and others. */
static void test_real_captures(void **state)
{
	struct tally t = {0, 0, 0};
	char dir[1024];
	(void)state;

	(void)snprintf(dir, sizeof(dir), "%s/pcaps", data_dir());
	compare_tree(dir, &t);
	assert_true(t.files >= 16);
	assert_true(t.packets > 10000);
	/* the classic pcap files among them are walked in place, the pcapng ones are not */
	assert_true(t.in_place >= 10);
	assert_true(t.in_place < t.files);
}

/* The fuzz corpus of the pcap target: hundreds of small broken and odd files. */
static void test_fuzz_corpus(void **state)
{
	struct tally t = {0, 0, 0};
	char dir[1024];
	(void)state;

	(void)snprintf(dir, sizeof(dir), "%s/../../fuzz/corpus/pcap", data_dir());
	compare_tree(dir, &t);
	assert_true(t.files >= 100);
	assert_true(t.in_place > 0);
}

/* --- made-up files ------------------------------------------------------------------------ */

struct file {
	uint8_t *b;
	size_t n, cap;
	bool swap;
};

static void put32(struct file *f, uint32_t v)
{
	if (f->swap)
		v = __builtin_bswap32(v);
	if (f->n + 4 > f->cap) {
		f->cap = f->cap ? f->cap * 2 : 4096;
		f->b = realloc(f->b, f->cap);
		assert_non_null(f->b);
	}
	memcpy(f->b + f->n, &v, 4);
	f->n += 4;
}

static void put_bytes(struct file *f, size_t len, unsigned seed)
{
	while (f->n + len > f->cap) {
		f->cap = f->cap ? f->cap * 2 : 4096;
		f->b = realloc(f->b, f->cap);
		assert_non_null(f->b);
	}
	for (size_t i = 0; i < len; i++)
		f->b[f->n + i] = (uint8_t)(seed * 31u + i * 7u);
	f->n += len;
}

static void header(struct file *f, uint32_t magic, unsigned major, unsigned minor, uint32_t snaplen,
		   uint32_t linktype)
{
	put32(f, magic);
	/* two 16-bit fields, major first, each in the writer's byte order */
	put32(f, f->swap ? (uint32_t)major << 16 | minor : (uint32_t)minor << 16 | major);
	put32(f, 0);
	put32(f, 0);
	put32(f, snaplen);
	put32(f, linktype);
}

static void record(struct file *f, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
		   size_t body)
{
	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, len);
	put_bytes(f, body, sec ^ frac);
}

/* Many records of varied sizes over several blocks, in every byte order and precision. */
static void test_orders_and_precisions(void **state)
{
	static const uint32_t magics[2] = {0xa1b2c3d4u, 0xa1b23c4du};
	(void)state;

	for (int swap = 0; swap < 2; swap++) {
		for (int m = 0; m < 2; m++) {
			struct file f = {NULL, 0, 0, swap != 0};
			header(&f, magics[m], 2, 4, 65535, 1);
			unsigned long want = 0;
			for (uint32_t i = 0; f.n < 3 * CAPTURE_FILE_BUF; i++, want++) {
				uint32_t cap = (i * 7919u) % 1600u;
				/* negative and large seconds and fractions, too */
				uint32_t sec = i % 97 == 0 ? 0x80000000u + i : 1700000000u + i;
				uint32_t frac =
				    i % 89 == 0 ? 0xfffffc18u : (i * 104729u) % 1000000000u;
				record(&f, sec, frac, cap, cap + i % 3, cap);
			}
			struct verdict v = compare(f.b, f.n, "orders");
			assert_true(v.in_place);
			assert_false(v.handed_off);
			assert_int_equal(v.end, 0);
			assert_int_equal(v.packets, want);
			free(f.b);
		}
	}
}

/* A file cut at every length inside its last records: libpcap's "truncated" error, or a clean
 * end when the cut falls between records. */
static void test_truncated(void **state)
{
	struct file f = {NULL, 0, 0, false};
	(void)state;

	header(&f, 0xa1b2c3d4u, 2, 4, 262144, 1);
	/* enough records that the cut falls in the second block */
	while (f.n < CAPTURE_FILE_BUF + 4096)
		record(&f, 1700000000u, 5, 1500, 1500, 1500);
	size_t whole = f.n;
	record(&f, 1700000001u, 6, 60, 60, 60);
	unsigned errors = 0, clean = 0;
	for (size_t cut = whole - 20; cut <= f.n; cut++) {
		struct verdict v = compare(f.b, cut, "truncated");
		assert_true(v.in_place);
		if (v.end == PCAP_ERROR)
			errors++;
		else
			clean++;
	}
	assert_int_equal(clean, 2); /* cut just before the last record, and no cut */
	assert_int_equal(errors, 95);
	free(f.b);
}

/* Captured lengths libpcap does not take as they are: above the snapshot length (truncated to
 * it), above the largest it accepts (an error). The reader hands over to libpcap at that record
 * and the results stay the same. */
static void test_odd_lengths(void **state)
{
	(void)state;
	for (int k = 0; k < 3; k++) {
		struct file f = {NULL, 0, 0, false};
		header(&f, 0xa1b2c3d4u, 2, 4, 128, 1);
		for (uint32_t i = 0; i < 50; i++)
			record(&f, 1700000000u + i, i, 100, 100, 100);
		if (k == 0)
			record(&f, 1700000100u, 0, 300, 300, 300); /* > snaplen: cut to 128 */
		else if (k == 1)
			record(&f, 1700000100u, 0, 300000, 300000, 16); /* > 262144 */
		else
			record(&f, 1700000100u, 0, 300, 300, 16); /* > snaplen, cut short: last */
		for (uint32_t i = 0; k < 2 && i < 50; i++)
			record(&f, 1700000200u + i, i, 100, 100, 100);
		struct verdict v = compare(f.b, f.n, "odd lengths");
		assert_true(v.in_place);
		assert_true(v.handed_off);
		assert_int_equal(v.packets, k == 0 ? 101 : 50);
		assert_int_equal(v.end, k == 0 ? 0 : PCAP_ERROR);
		free(f.b);
	}
}

/* Files left to libpcap from the start: an older format version (whose lengths may be
 * swapped), link types with pseudo-headers libpcap rewrites; and two that are not: a Linux
 * cooked capture in this byte order, and a huge snapshot length. */
static void test_left_to_libpcap(void **state)
{
	(void)state;
	struct {
		unsigned minor;
		uint32_t snaplen, linktype;
		bool swap, in_place;
	} cases[] = {
	    {3, 1500, 1, false, false},	   /* version 2.3 */
	    {4, 1500, 189, false, false},  /* Linux USB */
	    {4, 1500, 113, true, false},   /* Linux cooked capture, other byte order */
	    {4, 1500, 113, false, true},   /* Linux cooked capture, this byte order */
	    {4, 0x7fffffff, 1, true, true} /* huge snapshot length */
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct file f = {NULL, 0, 0, cases[c].swap};
		header(&f, 0xa1b2c3d4u, 2, cases[c].minor, cases[c].snaplen, cases[c].linktype);
		for (uint32_t i = 0; i < 20; i++)
			record(&f, 1700000000u + i, i, 40 + i, 40 + 2 * i, 40 + i);
		/* past libpcap's largest captured length: an error, whatever the snapshot length */
		record(&f, 1700000100u, 0, 262145, 262145, 262145);
		struct verdict v = compare(f.b, f.n, "left to libpcap");
		if (v.in_place != cases[c].in_place)
			fail_msg("case %zu: in place %d", c, v.in_place);
		assert_int_equal(v.packets, 20);
		assert_int_equal(v.end, PCAP_ERROR);
		free(f.b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_captures),	  cmocka_unit_test(test_fuzz_corpus),
	    cmocka_unit_test(test_orders_and_precisions), cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_odd_lengths),		  cmocka_unit_test(test_left_to_libpcap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
