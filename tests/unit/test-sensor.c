/* test-sensor.c - the pipeline gives the same records with and without its counting thread */
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/sensor/config.h"
#include "../../src/sensor/sensor.h"

struct out {
	char buf[1 << 20];
	size_t len;
	unsigned records;
};

static int emit(void *user, const struct obs_record *rec)
{
	struct out *o = user;
	size_t n = 0;
	char *j = obs_record_to_json(rec, &n);
	assert_non_null(j);
	assert_true(o->len + n + 1 < sizeof(o->buf));
	memcpy(o->buf + o->len, j, n);
	o->len += n;
	o->buf[o->len++] = '\n';
	o->records++;
	free(j);
	return 0;
}

static void run(const struct sensor_config *cfg, const char *path, int worker, struct out *o)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc =
	    pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	assert_non_null(pc);
	struct sensor *s = sensor_new(cfg, emit, o);
	assert_non_null(s);
	if (worker)
		assert_int_equal(sensor_start_worker(s), 0);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		(void)sensor_frame(s, pcap_datalink(pc), ts, data, h->caplen, h->len);
	}
	assert_int_equal(sensor_finish(s, 0, false), 0);
	struct sensor_totals t;
	sensor_totals(s, &t);
	assert_int_equal(t.records, o->records);
	sensor_free(s);
	pcap_close(pc);
}

static void test_same_records(void **state)
{
	static struct out one, two;
	struct sensor_config cfg;
	char path[1024];
	const char *d = getenv("KEIKAI_TESTDATA");
	(void)state;

	/* 896 packets over 818 s: four intervals with an attack spanning three of them */
	(void)snprintf(path, sizeof(path), "%s/pcaps/stopddos/%s", d ? d : "tests/data",
		       "amp.TCP.syn.optionallyACK.optionallysamePort.pcapng");
	sensor_config_defaults(&cfg);
	run(&cfg, path, 0, &one);
	run(&cfg, path, 1, &two);
	assert_int_equal(one.records, 4);
	assert_int_equal(one.len, two.len);
	assert_memory_equal(one.buf, two.buf, one.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
