/* test-record-parse.c - reading interval records back (obs_record_from_json)
 *
 * Round trips over real records (the sensor run over every capture in tests/data/pcaps and
 * over generated traffic, and the reviewed records in tests/golden/expected), then one test
 * per rejection rule: a valid record changed in one place must be refused with the stable
 * code, the member's path, and a zeroed record.
 */
#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/obs/record.h"

extern char **environ;

/* A small record that uses every part of the format: undecoded and overflow counts, IPv4 and
 * IPv6, scanners with and without a tool, an attack, top sources. */
static const char base[] =
    "{\"schema\":\"keikai.obs.interval/1\",\"sensor\":\"tokyo-1\","
    "\"start\":\"2011-03-01T00:00:00Z\",\"end\":\"2011-03-01T00:05:00Z\","
    "\"start_unix\":1298937600,\"interval\":300,\"partial\":false,"
    "\"capture\":{\"captured\":110,\"not_dark\":4,\"kernel_drops\":0,\"if_drops\":0,"
    "\"ts_backwards\":0,\"icmp_mismatch\":1,\"undecoded\":{\"truncated_tcp\":5,\"non_ip\":1},"
    "\"overflow\":{\"scanners\":2}},"
    "\"totals\":{\"packets\":100,\"bytes\":6400,\"ipv4\":90,\"ipv6\":10,\"by_proto\":{"
    "\"tcp\":{\"probe\":80,\"backscatter\":5,\"other\":0},"
    "\"udp\":{\"probe\":5,\"backscatter\":0,\"other\":0},"
    "\"icmp\":{\"probe\":0,\"backscatter\":0,\"other\":0},"
    "\"icmp6\":{\"probe\":10,\"backscatter\":0,\"other\":0},"
    "\"other\":{\"probe\":0,\"backscatter\":0,\"other\":0}}},"
    "\"noise\":{\"odd_tcp_flags\":0,\"ttl_ge_200\":3,\"src_0_or_255\":0,\"src_eq_dst\":0,"
    "\"port_0\":0,\"fragment\":0,\"reserved_bit\":0,\"unroutable_src\":0,\"other_proto\":0},"
    "\"tools\":{\"zmap\":40,\"masscan\":0,\"mirai\":0},"
    "\"ports\":[{\"proto\":\"tcp\",\"port\":23,\"packets\":80,\"sources\":7,\"destinations\":50},"
    "{\"proto\":\"icmp6\",\"port\":128,\"packets\":10,\"sources\":1,\"destinations\":10},"
    "{\"proto\":\"tcp\",\"port\":80,\"packets\":5,\"sources\":1,\"destinations\":1},"
    "{\"proto\":\"udp\",\"port\":53,\"packets\":5,\"sources\":2,\"destinations\":3}],"
    "\"scanners\":[{\"src\":\"45.0.0.1\",\"proto\":\"tcp\",\"ports\":[23],\"port_count\":1,"
    "\"packets\":40,\"destinations\":30,\"targets\":30,\"first\":\"2011-03-01T00:00:01.000001Z\","
    "\"last\":\"2011-03-01T00:04:59.999999Z\",\"tool\":\"zmap\"},"
    "{\"src\":\"2001:db8::1\",\"proto\":\"icmp6\",\"ports\":[],\"port_count\":0,\"packets\":10,"
    "\"destinations\":10,\"targets\":10,\"first\":\"2011-03-01T00:01:00.000000Z\","
    "\"last\":\"2011-03-01T00:02:00.500000Z\",\"tool\":null}],"
    "\"dos\":[{\"victim\":\"198.51.100.7\",\"proto\":\"tcp\",\"ports\":[80],\"port_count\":1,"
    "\"packets\":25,\"packets_interval\":5,\"destinations\":5,\"peak_per_min\":3,"
    "\"start\":\"2011-02-28T23:55:10.250000Z\",\"last\":\"2011-03-01T00:03:00.000000Z\","
    "\"ongoing\":true}],"
    "\"top_sources\":[{\"src\":\"45.0.0.1\",\"packets\":40},{\"src\":\"2001:db8::1\","
    "\"packets\":10}]}";

static bool is_zero(const struct obs_record *r)
{
	static const struct obs_record zero;
	return memcmp(r, &zero, sizeof(zero)) == 0;
}

/* Parse from an exact-size heap copy, so that ASan sees any read past len. */
static int parse(const char *text, size_t len, struct obs_record *r, struct obs_parse_error *e)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	int rc = obs_record_from_json(copy, len, r, e);
	free(copy);
	return rc;
}

/* Parse, write back, and require the very same bytes. */
static void assert_round_trip(const char *line, size_t len)
{
	struct obs_record r;
	struct obs_parse_error e;
	size_t olen = 0;

	if (parse(line, len, &r, &e) != 0)
		fail_msg("refused: %s (%s) in %.200s", e.message, e.code, line);
	char *out = obs_record_to_json(&r, &olen);
	assert_non_null(out);
	if (olen != len || memcmp(out, line, len) != 0)
		fail_msg("round trip differs:\n in  %.300s\n out %.300s", line, out);
	free(out);
	obs_record_done(&r);
}

static void test_base_round_trip(void **state)
{
	struct obs_record r;
	struct obs_parse_error e;
	(void)state;

	assert_round_trip(base, strlen(base));
	assert_int_equal(parse(base, strlen(base), &r, &e), 0);
	assert_string_equal(r.sensor, "tokyo-1");
	assert_int_equal(r.start, 1298937600);
	assert_int_equal(r.end, 1298937900);
	assert_int_equal(r.n_ports, 4);
	assert_int_equal(r.ports[1].proto, OBS_ICMP6);
	assert_int_equal(r.ports[1].port, 128);
	assert_int_equal(r.n_scanners, 2);
	assert_int_equal(r.scanners[1].src.family, 6);
	assert_null(r.scanners[1].tool);
	assert_string_equal(r.scanners[0].tool, "zmap");
	assert_int_equal(r.scanners[0].first_usec, 1298937601000001ULL);
	assert_int_equal(r.dos[0].start_usec, 1298937310250000ULL);
	assert_int_equal(r.decode.n, 2);
	assert_string_equal(r.decode.v[1].name, "non_ip");
	assert_int_equal(r.by_proto_class[OBS_ICMP6][OBS_PROBE], 10);
	assert_int_equal(r.n_top, 2);
	obs_record_done(&r);
}

/* ---- real records ---- */

static char *read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	*ret_len = n;
	return buf;
}

/* Round-trip every line of a JSON-lines file; returns how many. */
static unsigned round_trip_lines(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	unsigned n = 0;

	assert_non_null(buf);
	for (size_t i = 0; i < len;) {
		char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) : len;
		if (end > i) {
			assert_round_trip(buf + i, end - i);
			n++;
		}
		i = end + 1;
	}
	free(buf);
	return n;
}

/* Run a program to completion; its exit status, or -1. */
static int run(const char *const *args)
{
	char *argv[16] = {0};
	pid_t pid;
	int st = -1;
	size_t n = 0;

	for (; args[n] && n + 1 < sizeof(argv) / sizeof(argv[0]); n++) {
		argv[n] = strdup(args[n]);
		assert_non_null(argv[n]);
	}
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0 || waitpid(pid, &st, 0) < 0)
		st = -1;
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static unsigned sensor_round_trip(const char *sensor, const char *pcap)
{
	char out[] = "/tmp/test-record-parse-XXXXXX";
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	const char *argv[] = {sensor, "--hash-seed", "1",  "-s", "golden",
			      "-r",   pcap,	     "-o", out,	 NULL};
	if (run(argv) != 0)
		fail_msg("keikai-sensor failed on %s", pcap);
	unsigned n = round_trip_lines(out);
	unlink(out);
	return n;
}

static unsigned walk_pcaps(const char *sensor, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;
	char path[4096];

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			n += walk_pcaps(sensor, path);
		else if ((l > 5 && strcmp(e->d_name + l - 5, ".pcap") == 0) ||
			 (l > 7 && strcmp(e->d_name + l - 7, ".pcapng") == 0))
			n += sensor_round_trip(sensor, path);
	}
	closedir(d);
	return n;
}

/* What the sensor writes for every real capture reads back into the same bytes. */
static void test_round_trip_sensor_pcaps(void **state)
{
	const char *sensor = getenv("KEIKAI_SENSOR"), *data = getenv("KEIKAI_TESTDATA");
	char dir[4096];
	(void)state;

	if (!sensor || !data)
		skip();
	snprintf(dir, sizeof(dir), "%s/pcaps", data);
	unsigned n = walk_pcaps(sensor, dir);
	print_message("%u records from the captures round-tripped\n", n);
	assert_true(n >= 80); /* 83 records from the captures in the tree */
}

/* Likewise for generated traffic (IPv6, every scanner tool, attacks), in two link types. */
static void test_round_trip_sensor_generated(void **state)
{
	const char *sensor = getenv("KEIKAI_SENSOR"), *gen = getenv("KEIKAI_GEN");
	char pcap[] = "/tmp/test-record-parse-gen-XXXXXX";
	unsigned n = 0;
	(void)state;

	if (!sensor || !gen)
		skip();
	int fd = mkstemp(pcap);
	assert_true(fd >= 0);
	close(fd);
	const char *lts[] = {"en10mb", "sll2"};
	for (size_t i = 0; i < 2; i++) {
		const char *argv[] = {gen,	    "--scenario", "groundtruth", "--seed", "7",
				      "--linktype", lts[i],	  "--out",	 pcap,	   NULL};
		assert_int_equal(run(argv), 0);
		n += sensor_round_trip(sensor, pcap);
	}
	unlink(pcap);
	print_message("%u records from generated traffic round-tripped\n", n);
	assert_true(n >= 2);
}

/* The reviewed records (jq -S, so member order differs from the writer's): each reads back
 * into a record whose JSON is equal to it, and that JSON round-trips byte for byte. */
static void test_round_trip_golden_expected(void **state)
{
	const char *data = getenv("KEIKAI_TESTDATA");
	char dir[2048], path[4096];
	unsigned n = 0;
	(void)state;

	if (!data)
		skip();
	snprintf(dir, sizeof(dir), "%s/../golden/expected", data);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		size_t len, off = 0;
		char *buf = read_file(path, &len);
		assert_non_null(buf);
		while (off < len) {
			json_error_t je;
			json_t *want =
			    json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK, &je);
			if (!want)
				break;
			off += (size_t)je.position;
			char *text = json_dumps(want, JSON_COMPACT);
			assert_non_null(text);
			struct obs_record r;
			struct obs_parse_error e;
			if (parse(text, strlen(text), &r, &e) != 0)
				fail_msg("%s: refused: %s", de->d_name, e.message);
			size_t olen;
			char *out = obs_record_to_json(&r, &olen);
			assert_non_null(out);
			json_t *got = json_loads(out, 0, &je);
			assert_non_null(got);
			if (!json_equal(got, want))
				fail_msg("%s: record read back differs", de->d_name);
			assert_round_trip(out, olen);
			json_decref(got);
			json_decref(want);
			free(out);
			free(text);
			obs_record_done(&r);
			n++;
			while (off < len && (buf[off] == '\n' || buf[off] == ' '))
				off++;
		}
		free(buf);
	}
	closedir(d);
	print_message("%u reviewed records read back\n", n);
	assert_true(n >= 80);
}

/* ---- rejections ---- */

/* base with the first occurrence of from replaced by to */
static char *mutate(const char *from, const char *to)
{
	const char *at = strstr(base, from);
	if (!at)
		fail_msg("'%s' is not in the base record", from);
	size_t pre = (size_t)(at - base), fl = strlen(from), tl = strlen(to);
	size_t n = strlen(base) - fl + tl;
	char *s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, base, pre);
	memcpy(s + pre, to, tl);
	memcpy(s + pre + tl, at + fl, strlen(at + fl) + 1);
	return s;
}

static void check_refused(const char *name, const char *text, size_t len, const char *code,
			  const char *member)
{
	struct obs_record r;
	struct obs_parse_error e;

	memset(&r, 0x5a, sizeof(r)); /* must come back zeroed */
	if (parse(text, len, &r, &e) == 0)
		fail_msg("%s: accepted", name);
	if (!is_zero(&r))
		fail_msg("%s: record not zeroed", name);
	if (strcmp(e.code, code) != 0 || strcmp(e.member, member) != 0)
		fail_msg("%s: got %s %s (%s), want %s %s", name, e.code, e.member, e.message, code,
			 member);
	/* one line in each language, naming the member */
	assert_non_null(strstr(e.message, member[0] ? member : "record"));
	assert_null(strchr(e.message, '\n'));
	assert_null(strchr(e.message_ja, '\n'));
	bool non_ascii = false;
	for (const char *p = e.message_ja; *p; p++)
		non_ascii |= (unsigned char)*p >= 0x80;
	assert_true(non_ascii);
}

struct mutation {
	const char *name, *from, *to, *code, *member;
};

static void run_mutations(const struct mutation *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *s = mutate(m[i].from, m[i].to);
		check_refused(m[i].name, s, strlen(s), m[i].code, m[i].member);
		free(s);
	}
}

#define RUN(table) run_mutations((table), sizeof(table) / sizeof((table)[0]))
#define SCHEMA	   "\"schema\":\"keikai.obs.interval/1\","

static void test_reject_top_level(void **state)
{
	static const struct mutation m[] = {
	    {"other version", "interval/1", "interval/2", "bad_record", "/schema"},
	    {"schema not a string", "\"keikai.obs.interval/1\"", "1", "bad_record", "/schema"},
	    {"schema missing", SCHEMA, "", "bad_record", "/schema"},
	    {"version checked before unknown members", "interval/1\",", "interval/2\",\"new\":1,",
	     "bad_record", "/schema"},
	    {"unknown member", SCHEMA, SCHEMA "\"extra\":{},", "bad_record", "/extra"},
	    {"sensor empty", "\"tokyo-1\"", "\"\"", "bad_record", "/sensor"},
	    {"sensor space", "\"tokyo-1\"", "\"tokyo 1\"", "bad_record", "/sensor"},
	    {"sensor 64 bytes", "\"tokyo-1\"",
	     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "bad_record",
	     "/sensor"},
	    {"sensor not a string", "\"tokyo-1\"", "7", "bad_record", "/sensor"},
	    {"start not start_unix", "\"2011-03-01T00:00:00Z\"", "\"2011-03-01T00:00:01Z\"",
	     "bad_record", "/start"},
	    {"start 30 February", "\"2011-03-01T00:00:00Z\"", "\"2011-02-30T00:00:00Z\"",
	     "bad_record", "/start"},
	    {"start with a space", "\"2011-03-01T00:00:00Z\"", "\"2011-03-01 00:00:00Z\"",
	     "bad_record", "/start"},
	    {"start with usec", "\"2011-03-01T00:00:00Z\"", "\"2011-03-01T00:00:00.000000Z\"",
	     "bad_record", "/start"},
	    {"start with an offset", "\"2011-03-01T00:00:00Z\"", "\"2011-03-01T00:00:00+00:00\"",
	     "bad_record", "/start"},
	    {"end 24:00", "\"2011-03-01T00:05:00Z\"", "\"2011-03-01T24:00:00Z\"", "bad_record",
	     "/end"},
	    {"end = start", "\"2011-03-01T00:05:00Z\"", "\"2011-03-01T00:00:00Z\"", "bad_record",
	     "/end"},
	    {"end before start", "\"2011-03-01T00:05:00Z\"", "\"2011-02-28T00:05:00Z\"",
	     "bad_record", "/end"},
	    {"end past interval", "\"2011-03-01T00:05:00Z\"", "\"2011-03-01T00:05:01Z\"",
	     "bad_record", "/end"},
	    {"interval shorter than end - start", "\"interval\":300", "\"interval\":299",
	     "bad_record", "/end"},
	    {"interval 9", "\"interval\":300", "\"interval\":9", "bad_record", "/interval"},
	    {"interval 3601", "\"interval\":300", "\"interval\":3601", "bad_record", "/interval"},
	    {"start_unix negative", "1298937600", "-1298937600", "bad_record", "/start_unix"},
	    {"start_unix past 9999", "1298937600", "253402300800", "bad_record", "/start_unix"},
	    {"partial not boolean", "\"partial\":false", "\"partial\":0", "bad_record", "/partial"},
	    {"capture not an object", "\"capture\":{", "\"capture\":[],\"x\":{", "bad_record",
	     "/capture"},
	    {"ports not an array", "\"ports\":[", "\"ports\":{},\"x\":[", "bad_record", "/ports"},
	    {"top_sources missing",
	     ",\"top_sources\":[{\"src\":\"45.0.0.1\",\"packets\":40},"
	     "{\"src\":\"2001:db8::1\",\"packets\":10}]",
	     "", "bad_record", "/top_sources"},
	};
	(void)state;
	RUN(m);
}

static void test_reject_counters(void **state)
{
	static const struct mutation m[] = {
	    {"negative", "\"kernel_drops\":0", "\"kernel_drops\":-1", "bad_record",
	     "/capture/kernel_drops"},
	    {"negative zero", "\"kernel_drops\":0", "\"kernel_drops\":-0", "bad_record",
	     "/capture/kernel_drops"},
	    {"fraction", "\"kernel_drops\":0", "\"kernel_drops\":1.5", "bad_record",
	     "/capture/kernel_drops"},
	    {"integral fraction", "\"kernel_drops\":0", "\"kernel_drops\":0.0", "bad_record",
	     "/capture/kernel_drops"},
	    {"exponent", "\"kernel_drops\":0", "\"kernel_drops\":1e2", "bad_record",
	     "/capture/kernel_drops"},
	    {"string", "\"kernel_drops\":0", "\"kernel_drops\":\"0\"", "bad_record",
	     "/capture/kernel_drops"},
	    {"null", "\"kernel_drops\":0", "\"kernel_drops\":null", "bad_record",
	     "/capture/kernel_drops"},
	    {"2^64", "\"kernel_drops\":0", "\"kernel_drops\":18446744073709551616", "bad_record",
	     "/capture/kernel_drops"},
	    {"huge", "\"bytes\":6400", "\"bytes\":99999999999999999999999999999999999999999",
	     "bad_record", "/totals/bytes"},
	    {"captured identity", "\"captured\":110", "\"captured\":111", "bad_record",
	     "/capture/captured"},
	    {"captured identity overflow", "\"not_dark\":4", "\"not_dark\":18446744073709551615",
	     "bad_record", "/capture/captured"},
	    {"undecoded unknown name", "\"non_ip\":1", "\"not_ip\":1", "bad_record",
	     "/capture/undecoded/not_ip"},
	    {"undecoded negative", "\"non_ip\":1", "\"non_ip\":-1", "bad_record",
	     "/capture/undecoded/non_ip"},
	    {"overflow unknown name", "\"overflow\":{\"scanners\"", "\"overflow\":{\"tables\"",
	     "bad_record", "/capture/overflow/tables"},
	    {"noise name missing", ",\"other_proto\":0}", "}", "bad_record", "/noise/other_proto"},
	    {"noise unknown name", "\"port_0\"", "\"port_1\"", "bad_record", "/noise/port_1"},
	    {"tools unknown name", "\"mirai\":0", "\"mirai\":0,\"nmap\":0", "bad_record",
	     "/tools/nmap"},
	    {"tools name missing", ",\"masscan\":0", "", "bad_record", "/tools/masscan"},
	    {"capture member missing", "\"if_drops\":0,", "", "bad_record", "/capture/if_drops"},
	    {"by_proto sum", "\"probe\":80", "\"probe\":81", "bad_record", "/totals/by_proto"},
	    {"by_proto class missing", "\"other\":{\"probe\":0,\"backscatter\":0,\"other\":0}}",
	     "\"other\":{\"probe\":0,\"backscatter\":0}}", "bad_record",
	     "/totals/by_proto/other/other"},
	    {"by_proto protocol missing", "\"icmp\":{\"probe\":0,\"backscatter\":0,\"other\":0},",
	     "", "bad_record", "/totals/by_proto/icmp"},
	    {"by_proto unknown class", "\"backscatter\":5", "\"backscatter\":5,\"spoofed\":0",
	     "bad_record", "/totals/by_proto/tcp/spoofed"},
	    {"ipv4 + ipv6", "\"ipv4\":90", "\"ipv4\":91", "bad_record", "/totals/ipv6"},
	};
	(void)state;
	RUN(m);
}

static void test_reject_lists(void **state)
{
	static const struct mutation m[] = {
	    {"port proto", "\"proto\":\"udp\"", "\"proto\":\"sctp\"", "bad_record",
	     "/ports/3/proto"},
	    {"port proto case", "\"proto\":\"udp\"", "\"proto\":\"UDP\"", "bad_record",
	     "/ports/3/proto"},
	    {"port 65536", "\"port\":128", "\"port\":65536", "bad_record", "/ports/1/port"},
	    {"port packets 0", "\"packets\":80", "\"packets\":0", "bad_record", "/ports/0/packets"},
	    {"port unknown member", "\"destinations\":50", "\"destinations\":50,\"bytes\":1",
	     "bad_record", "/ports/0/bytes"},
	    {"port member missing", "\"sources\":7,", "", "bad_record", "/ports/0/sources"},
	    {"scanner src", "\"45.0.0.1\"", "\"45.0.0.256\"", "bad_record", "/scanners/0/src"},
	    {"scanner src with prefix", "\"45.0.0.1\"", "\"45.0.0.1/32\"", "bad_record",
	     "/scanners/0/src"},
	    {"scanner src not canonical", "\"2001:db8::1\"", "\"2001:0db8::1\"", "bad_record",
	     "/scanners/1/src"},
	    {"scanner src upper case", "\"2001:db8::1\"", "\"2001:DB8::1\"", "bad_record",
	     "/scanners/1/src"},
	    {"scanner 17 ports", "\"ports\":[23],\"port_count\":1",
	     "\"ports\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17],\"port_count\":17",
	     "bad_record", "/scanners/0/ports"},
	    {"scanner port 70000", "\"ports\":[23]", "\"ports\":[70000]", "bad_record",
	     "/scanners/0/ports/0"},
	    {"scanner port_count 2 with 1 listed", "\"port_count\":1", "\"port_count\":2",
	     "bad_record", "/scanners/0/port_count"},
	    {"scanner port_count 256", "\"port_count\":1", "\"port_count\":256", "bad_record",
	     "/scanners/0/port_count"},
	    {"scanner first without usec", "\"2011-03-01T00:00:01.000001Z\"",
	     "\"2011-03-01T00:00:01Z\"", "bad_record", "/scanners/0/first"},
	    {"scanner last with millis", "\"2011-03-01T00:04:59.999999Z\"",
	     "\"2011-03-01T00:04:59.999Z\"", "bad_record", "/scanners/0/last"},
	    {"scanner tool", "\"tool\":\"zmap\"", "\"tool\":\"nmap\"", "bad_record",
	     "/scanners/0/tool"},
	    {"scanner tool false", "\"tool\":null", "\"tool\":false", "bad_record",
	     "/scanners/1/tool"},
	    {"dos 9 ports", "\"ports\":[80],\"port_count\":1",
	     "\"ports\":[1,2,3,4,5,6,7,8,9],\"port_count\":9", "bad_record", "/dos/0/ports"},
	    {"dos port_count 265", "\"ports\":[80],\"port_count\":1",
	     "\"ports\":[1,2,3,4,5,6,7,8],\"port_count\":265", "bad_record", "/dos/0/port_count"},
	    {"dos port_count disagrees", "\"ports\":[80],\"port_count\":1",
	     "\"ports\":[80],\"port_count\":0", "bad_record", "/dos/0/port_count"},
	    {"dos ongoing", "\"ongoing\":true", "\"ongoing\":1", "bad_record", "/dos/0/ongoing"},
	    {"dos start", "\"2011-02-28T23:55:10.250000Z\"", "\"2011-02-29T23:55:10.250000Z\"",
	     "bad_record", "/dos/0/start"},
	    {"dos victim", "\"198.51.100.7\"", "\"host.example\"", "bad_record", "/dos/0/victim"},
	    {"top src", "{\"src\":\"45.0.0.1\",\"packets\":40}", "{\"src\":\"\",\"packets\":40}",
	     "bad_record", "/top_sources/0/src"},
	    {"top entry not an object", "{\"src\":\"45.0.0.1\",\"packets\":40}", "[]", "bad_record",
	     "/top_sources/0"},
	};
	(void)state;
	RUN(m);
}

static void test_reject_json(void **state)
{
	static const struct mutation m[] = {
	    {"duplicate member", "\"sensor\":\"tokyo-1\",",
	     "\"sensor\":\"tokyo-1\",\"sensor\":\"osaka-1\",", "bad_json", "/sensor"},
	    {"duplicate nested member", "\"if_drops\":0", "\"if_drops\":0,\"if_drops\":0",
	     "bad_json", "/capture/if_drops"},
	    {"duplicate named counter", "\"non_ip\":1", "\"non_ip\":1,\"non_ip\":1", "bad_json",
	     "/capture/undecoded/non_ip"},
	    {"trailing comma", "\"mirai\":0}", "\"mirai\":0,}", "bad_json", ""},
	    {"single quotes", "\"tokyo-1\"", "'tokyo-1'", "bad_json", ""},
	    {"leading zero", "\"bytes\":6400", "\"bytes\":06400", "bad_json", ""},
	    {"plus sign", "\"bytes\":6400", "\"bytes\":+6400", "bad_json", ""},
	    {"bare NaN", "\"bytes\":6400", "\"bytes\":NaN", "bad_json", ""},
	    {"comment", "\"bytes\":6400", "\"bytes\":6400/**/", "bad_json", ""},
	    {"escaped NUL in a value", "\"tokyo-1\"", "\"tokyo\\u0000-1\"", "bad_record",
	     "/sensor"},
	    {"escaped NUL in a name", "\"sensor\"", "\"sens\\u0000or\"", "bad_record", "/sens?or"},
	    {"lone high surrogate", "\"tokyo-1\"", "\"\\ud800\"", "bad_json", ""},
	    {"lone low surrogate", "\"tokyo-1\"", "\"\\udc00x\"", "bad_json", ""},
	    {"bad escape", "\"tokyo-1\"", "\"tokyo\\x1\"", "bad_json", ""},
	    {"invalid UTF-8", "\"tokyo-1\"", "\"tokyo\xc3\x28\"", "bad_json", ""},
	    {"overlong UTF-8", "\"tokyo-1\"", "\"tokyo\xc0\xaf\"", "bad_json", ""},
	    {"UTF-8 surrogate", "\"tokyo-1\"", "\"tokyo\xed\xa0\x80\"", "bad_json", ""},
	    {"UTF-8 above U+10FFFF", "\"tokyo-1\"", "\"tokyo\xf4\x90\x80\x80\"", "bad_json", ""},
	    {"UTF-8 cut", "\"tokyo-1\"", "\"tokyo\xe3\x81\"", "bad_json", ""},
	    {"valid UTF-8 still not a sensor id", "\"tokyo-1\"", "\"\xe6\x9d\xb1\xe4\xba\xac\"",
	     "bad_record", "/sensor"},
	    {"escaped valid pair still not a sensor id", "\"tokyo-1\"", "\"\\ud83d\\ude00\"",
	     "bad_record", "/sensor"},
	    {"control character", "\"tokyo-1\"", "\"tokyo\t1\"", "bad_json", ""},
	    {"trailing garbage", "\"packets\":10}]}", "\"packets\":10}]}x", "bad_json", ""},
	    {"two objects", "\"packets\":10}]}", "\"packets\":10}]}{}", "bad_json", ""},
	};
	(void)state;
	RUN(m);

	/* texts that are not one JSON object */
	static const char *const not_obj[] = {"",     " \n", "[]", "\"x\"",	    "1",
					      "null", "{",   "}",  "\xef\xbb\xbf{}"};
	for (size_t i = 0; i < sizeof(not_obj) / sizeof(not_obj[0]); i++)
		check_refused(not_obj[i], not_obj[i], strlen(not_obj[i]), "bad_json", "");
	/* a raw NUL byte inside a string, and a NUL after the object */
	char *s = mutate("tokyo-1", "tokyo-1");
	size_t len = strlen(s);
	char *at = strstr(s, "tokyo-1");
	at[5] = '\0';
	check_refused("raw NUL in a string", s, len, "bad_json", "");
	free(s);
	char *t = malloc(sizeof(base) + 1);
	assert_non_null(t);
	memcpy(t, base, sizeof(base)); /* with its NUL */
	check_refused("NUL after the object", t, sizeof(base), "bad_json", "");
	free(t);
	/* trailing white space (a JSON line with its newline) is fine */
	char *nl = mutate("\"packets\":10}]}", "\"packets\":10}]}\r\n");
	struct obs_record r;
	struct obs_parse_error e;
	assert_int_equal(parse(nl, strlen(nl), &r, &e), 0);
	obs_record_done(&r);
	free(nl);
}

/* Nesting far beyond any record, in a member and at the top, without recursion trouble. */
static void test_reject_deep_nesting(void **state)
{
	size_t depth = 100000;
	char *s = malloc(2 * depth + 64);
	(void)state;

	assert_non_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	check_refused("deep array", s, 2 * depth, "bad_json", "");
	size_t n = (size_t)snprintf(s, 64, "{\"schema\":");
	for (size_t i = 0; i < 40; i++)
		n += (size_t)snprintf(s + n, 16, "{\"a\":");
	n += (size_t)snprintf(s + n, 8, "1");
	for (size_t i = 0; i < 40; i++)
		s[n++] = '}';
	s[n++] = '}';
	check_refused("deep object", s, n, "bad_json", "");
	/* 32 levels is what the reader takes; a record needs 4 */
	char *ok = mutate("\"bytes\":6400", "\"bytes\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]"
					    "]]]]]]]]]]]]]]]]]");
	check_refused("nested but valid JSON", ok, strlen(ok), "bad_record", "/totals/bytes");
	free(ok);
	free(s);
}

/* Every proper prefix of a real record is refused, and no byte past it is read. */
static void test_truncation(void **state)
{
	size_t len = strlen(base);
	(void)state;

	for (size_t i = 0; i < len; i++) {
		struct obs_record r;
		struct obs_parse_error e;
		memset(&r, 0x5a, sizeof(r));
		if (parse(base, i, &r, &e) == 0)
			fail_msg("prefix of %zu bytes accepted", i);
		assert_true(is_zero(&r));
		assert_string_equal(e.code, "bad_json");
	}
}

/* The whole unsigned 64-bit range, exactly. */
static void test_u64_max(void **state)
{
	char *s = mutate("\"sources\":7", "\"sources\":18446744073709551615");
	struct obs_record r;
	struct obs_parse_error e;
	(void)state;

	assert_int_equal(parse(s, strlen(s), &r, &e), 0);
	assert_true(r.ports[0].sources == UINT64_MAX);
	obs_record_done(&r);
	assert_round_trip(s, strlen(s));
	free(s);
}

/* Lists longer than the limits are refused where the limit is crossed. */
static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void check_list_limit(const char *list, const char *entry, const char *tail, size_t limit,
			     const char *member)
{
	char *buf = NULL, from[32];
	size_t len = 0, cap = 0;
	const char *at;

	snprintf(from, sizeof(from), "\"%s\":[", list);
	at = strstr(base, from);
	assert_non_null(at);
	append(&buf, &len, &cap, "");
	char *head = strndup(base, (size_t)(at - base) + strlen(from));
	assert_non_null(head);
	append(&buf, &len, &cap, head);
	free(head);
	for (size_t i = 0; i <= limit; i++) {
		if (i)
			append(&buf, &len, &cap, ",");
		append(&buf, &len, &cap, entry);
	}
	append(&buf, &len, &cap, strstr(at, tail));
	check_refused(list, buf, len, "bad_record", member);
	free(buf);
}

static void test_reject_list_limits(void **state)
{
	(void)state;
	check_list_limit("top_sources", "{\"src\":\"192.0.2.1\",\"packets\":1}", "]}", 1000,
			 "/top_sources/1000");
	check_list_limit("ports",
			 "{\"proto\":\"tcp\",\"port\":1,\"packets\":1,\"sources\":1,"
			 "\"destinations\":1}",
			 "],\"scanners\"", OBS_PARSE_MAX_PORTS, "/ports/200000");
	check_list_limit(
	    "dos",
	    "{\"victim\":\"192.0.2.1\",\"proto\":\"tcp\",\"ports\":[],\"port_count\":0,"
	    "\"packets\":1,\"packets_interval\":1,\"destinations\":1,\"peak_per_min\":1,"
	    "\"start\":\"2011-03-01T00:00:00.000000Z\","
	    "\"last\":\"2011-03-01T00:00:00.000000Z\",\"ongoing\":true}",
	    "],\"top_sources\"", OBS_PARSE_MAX_LIST, "/dos/100000");
}

static void test_reject_too_large(void **state)
{
	struct obs_record r;
	struct obs_parse_error e;
	(void)state;

	/* the length alone decides: the text is not read */
	assert_int_equal(obs_record_from_json(base, (size_t)OBS_JSON_MAX + 1, &r, &e), -1);
	assert_string_equal(e.code, "bad_json");
	assert_true(is_zero(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_round_trip),
	    cmocka_unit_test(test_round_trip_sensor_pcaps),
	    cmocka_unit_test(test_round_trip_sensor_generated),
	    cmocka_unit_test(test_round_trip_golden_expected),
	    cmocka_unit_test(test_reject_top_level),
	    cmocka_unit_test(test_reject_counters),
	    cmocka_unit_test(test_reject_lists),
	    cmocka_unit_test(test_reject_json),
	    cmocka_unit_test(test_reject_deep_nesting),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_u64_max),
	    cmocka_unit_test(test_reject_list_limits),
	    cmocka_unit_test(test_reject_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
