/* test-spool.c - the delivery spool on a real temporary directory */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/sensor/spool.h"
#include "../../src/lib/banned.h"

struct fixture {
	char root[64]; /* mkdtemp directory */
	char dir[96];  /* root/spool: does not exist before the test */
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	(void)snprintf(f->root, sizeof(f->root), "/tmp/keikai-spool-XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	(void)snprintf(f->dir, sizeof(f->dir), "%s/spool", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	(void)nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void path_in(const struct fixture *f, const char *rel, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s/%s", f->dir, rel);
}

static int file_exists(const struct fixture *f, const char *rel)
{
	char p[256];
	struct stat st;

	path_in(f, rel, p, sizeof(p));
	return stat(p, &st) == 0;
}

static void write_file(const struct fixture *f, const char *rel, const char *text)
{
	char p[256];
	int fd;

	path_in(f, rel, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void test_name(void **state)
{
	struct spool_name n;

	(void)state;
	assert_int_equal(spool_name_for("tokyo-1", 1298637000, &n), 0);
	assert_string_equal(n.s, "00000000001298637000-tokyo-1.json");
	assert_int_equal(spool_name_for("a/b c\n..", 0, &n), 0);
	assert_string_equal(n.s, "00000000000000000000-a_b_c_...json");
	assert_int_equal(spool_name_for("", 5, &n), 0);
	assert_string_equal(n.s, "00000000000000000005-_.json");
	assert_int_equal(spool_name_for("x", INT64_MAX, &n), 0);
	assert_string_equal(n.s, "09223372036854775807-x.json");
	assert_int_equal(spool_name_for("x", -1, &n), -EINVAL);
}

static void test_put_list_read_remove(void **state)
{
	struct fixture *f = *state;
	struct spool_name *names = NULL;
	struct spool *sp = NULL;
	struct stat st;
	char *data = NULL;
	size_t n = 0, len = 0;

	(void)umask(022);
	assert_int_equal(spool_open(f->dir, 0, &sp), 0);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750); /* not readable by others */
	assert_true(file_exists(f, SPOOL_REJECTED_DIR));

	assert_int_equal(spool_list(sp, &names, &n), 0);
	assert_int_equal(n, 0);
	assert_null(names);

	assert_int_equal(spool_put(sp, "s1", 600, "{\"a\":1}", 7), 0);
	assert_int_equal(spool_count(sp), 1);
	assert_true(file_exists(f, "00000000000000000600-s1.json"));

	assert_int_equal(spool_list(sp, &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0].s, "00000000000000000600-s1.json");

	assert_int_equal(spool_read(sp, names[0].s, &data, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "{\"a\":1}", 7);
	assert_int_equal(data[len], '\0');
	free(data);

	assert_int_equal(spool_remove(sp, names[0].s), 0);
	assert_int_equal(spool_count(sp), 0);
	assert_false(file_exists(f, "00000000000000000600-s1.json"));
	/* removing twice is not an error; reading a removed record is -ENOENT */
	assert_int_equal(spool_remove(sp, names[0].s), 0);
	assert_int_equal(spool_read(sp, names[0].s, &data, &len), -ENOENT);
	free(names);
	spool_free(sp);
}

static void test_order(void **state)
{
	struct fixture *f = *state;
	struct spool_name *names = NULL;
	struct spool *sp = NULL;
	size_t n = 0;

	assert_int_equal(spool_open(f->dir, 0, &sp), 0);
	/* 900 after 1000 as strings would sort wrongly without the zero padding */
	assert_int_equal(spool_put(sp, "b", 1000, "3", 1), 0);
	assert_int_equal(spool_put(sp, "b", 900, "2", 1), 0);
	assert_int_equal(spool_put(sp, "a", 10000000000, "4", 1), 0);
	assert_int_equal(spool_put(sp, "a", 900, "1", 1), 0);
	assert_int_equal(spool_list(sp, &names, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(names[0].s, "00000000000000000900-a.json");
	assert_string_equal(names[1].s, "00000000000000000900-b.json");
	assert_string_equal(names[2].s, "00000000000000001000-b.json");
	assert_string_equal(names[3].s, "00000000010000000000-a.json");
	free(names);
	spool_free(sp);
}

static void test_replace(void **state)
{
	struct fixture *f = *state;
	struct spool_name *names = NULL;
	struct spool *sp = NULL;
	char *data = NULL;
	size_t n = 0, len = 0;

	assert_int_equal(spool_open(f->dir, 0, &sp), 0);
	assert_int_equal(spool_put(sp, "s", 300, "first", 5), 0);
	assert_int_equal(spool_put(sp, "s", 300, "second!", 7), 0);
	assert_int_equal(spool_count(sp), 1);
	assert_int_equal(spool_list(sp, &names, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(spool_read(sp, names[0].s, &data, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "second!", 7);
	free(data);
	free(names);
	spool_free(sp);
}

static void test_reopen_keeps_records_and_cleans_tmp(void **state)
{
	struct fixture *f = *state;
	struct spool_name *names = NULL;
	struct spool *sp = NULL;
	size_t n = 0;

	assert_int_equal(spool_open(f->dir, 0, &sp), 0);
	assert_int_equal(spool_put(sp, "s", 300, "kept", 4), 0);
	spool_free(sp);
	sp = NULL;

	/* what a crash between open and rename leaves behind, plus files that are not ours */
	write_file(f, ".00000000000000000600-s.json.tmp", "half a rec");
	write_file(f, "rejected/.00000000000000000900-s.json.tmp", "half");
	write_file(f, "notes.txt", "operator's file");
	write_file(f, "123-s.json", "not a record name");

	assert_int_equal(spool_open(f->dir, 0, &sp), 0);
	assert_false(file_exists(f, ".00000000000000000600-s.json.tmp"));
	assert_false(file_exists(f, "rejected/.00000000000000000900-s.json.tmp"));
	assert_true(file_exists(f, "notes.txt"));
	assert_int_equal(spool_count(sp), 1);
	assert_int_equal(spool_list(sp, &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0].s, "00000000000000000300-s.json");
	free(names);
	spool_free(sp);
}

static void test_quarantine(void **state)
{
	struct fixture *f = *state;
	struct spool_name *names = NULL;
	struct spool *sp = NULL;
	size_t n = 0;

	assert_int_equal(spool_open(f->dir, 0, &sp), 0);
	assert_int_equal(spool_put(sp, "s", 300, "bad", 3), 0);
	assert_int_equal(spool_put(sp, "s", 600, "good", 4), 0);
	assert_int_equal(spool_quarantine(sp, "00000000000000000300-s.json"), 0);
	assert_int_equal(spool_count(sp), 1);
	assert_true(file_exists(f, "rejected/00000000000000000300-s.json"));
	assert_false(file_exists(f, "00000000000000000300-s.json"));
	assert_int_equal(spool_list(sp, &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0].s, "00000000000000000600-s.json");
	assert_int_equal(spool_quarantine(sp, "00000000000000000300-s.json"), -ENOENT);
	free(names);
	spool_free(sp);
}

static void test_cap(void **state)
{
	struct fixture *f = *state;
	struct spool *sp = NULL;

	assert_int_equal(spool_open(f->dir, 3, &sp), 0);
	assert_int_equal(spool_put(sp, "s", 1, "1", 1), 0);
	assert_int_equal(spool_put(sp, "s", 2, "2", 1), 0);
	assert_int_equal(spool_put(sp, "s", 3, "3", 1), 0);
	assert_int_equal(spool_put(sp, "s", 4, "4", 1), -ENOSPC);
	assert_false(file_exists(f, "00000000000000000004-s.json"));
	assert_int_equal(spool_count(sp), 3);
	/* replacing a record already held is allowed at the cap */
	assert_int_equal(spool_put(sp, "s", 2, "2b", 2), 0);
	assert_int_equal(spool_remove(sp, "00000000000000000001-s.json"), 0);
	assert_int_equal(spool_put(sp, "s", 4, "4", 1), 0);
	assert_int_equal(spool_count(sp), 3);
	spool_free(sp);

	/* the count survives a restart */
	assert_int_equal(spool_open(f->dir, 3, &sp), 0);
	assert_int_equal(spool_count(sp), 3);
	assert_int_equal(spool_put(sp, "s", 5, "5", 1), -ENOSPC);

	/* rejected/ is capped too: past it a quarantined record is deleted */
	assert_int_equal(spool_quarantine(sp, "00000000000000000002-s.json"), 0);
	assert_int_equal(spool_quarantine(sp, "00000000000000000003-s.json"), 0);
	assert_int_equal(spool_put(sp, "s", 5, "5", 1), 0);
	assert_int_equal(spool_quarantine(sp, "00000000000000000004-s.json"), 0);
	assert_int_equal(spool_quarantine(sp, "00000000000000000005-s.json"), 1);
	assert_false(file_exists(f, "00000000000000000005-s.json"));
	assert_false(file_exists(f, "rejected/00000000000000000005-s.json"));
	assert_int_equal(spool_count(sp), 0);
	spool_free(sp);
}

static void test_bad_names_and_sizes(void **state)
{
	struct fixture *f = *state;
	struct spool *sp = NULL;
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(spool_open(f->dir, 0, &sp), 0);
	assert_int_equal(spool_read(sp, "../../etc/passwd", &data, &len), -EINVAL);
	assert_int_equal(spool_remove(sp, "notes.txt"), -EINVAL);
	assert_int_equal(spool_quarantine(sp, "00000000000000000001-a/b.json"), -EINVAL);
	assert_int_equal(spool_put(sp, "s", -5, "x", 1), -EINVAL);
	assert_int_equal(spool_put(sp, "s", 5, "x", (size_t)SPOOL_RECORD_MAX + 1), -EFBIG);
	assert_int_equal(spool_count(sp), 0);
	spool_free(sp);
}

static void test_exclusive(void **state)
{
	struct fixture *f = *state;
	struct spool *a = NULL, *b = NULL;

	assert_int_equal(spool_open(f->dir, 0, &a), 0);
	assert_int_equal(spool_open(f->dir, 0, &b), -EBUSY);
	assert_null(b);
	spool_free(a);
	assert_int_equal(spool_open(f->dir, 0, &b), 0);
	spool_free(b);
	spool_free(NULL);
}

static void test_missing_parent(void **state)
{
	struct fixture *f = *state;
	struct spool *sp = NULL;
	char p[160];

	(void)snprintf(p, sizeof(p), "%s/no/such", f->root);
	assert_int_equal(spool_open(p, 0, &sp), -ENOENT);
	assert_null(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name),
	    cmocka_unit_test_setup_teardown(test_put_list_read_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_keeps_records_and_cleans_tmp, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_quarantine, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_names_and_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exclusive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_parent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
