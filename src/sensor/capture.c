/* capture.c - pcap/pcapng files and live interfaces (see capture.h) */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture-file.h"
#include "decode.h"
#include "../lib/i18n.h"
#include "../lib/banned.h"

volatile sig_atomic_t capture_stop_requested;
volatile sig_atomic_t capture_reopen_requested;

struct capture {
	const struct sensor_config *cfg;
	pcap_t *pc;		 /* live handle */
	struct capture_file *cf; /* the file being read */
	size_t file_idx;	 /* next file to open */
	int dlt;
	unsigned last_drop, last_ifdrop;
	struct capture_stats st;
	struct sensor *sensor;
	int status;
};

static uint64_t now_usec(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static double mono_sec(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int apply_filter(pcap_t *pc, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (!filter)
		return 0;
	if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		(void)snprintf(err, errlen,
			       T("invalid filter '%s': %s", "フィルタ '%s' が不正です: %s"), filter,
			       pcap_geterr(pc));
		return -EINVAL;
	}
	int rc = pcap_setfilter(pc, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		(void)snprintf(err, errlen,
			       T("cannot set filter: %s", "フィルタを設定できません: %s"),
			       pcap_geterr(pc));
		return -EINVAL;
	}
	return 0;
}

/* Open file number idx; on failure print why and return -1 (the run goes on with the next). */
static int open_file(struct capture *c, size_t idx)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	char err[512];
	const char *path = c->cfg->files[idx];
	struct capture_file *cf = NULL;
	/* our own FILE with a 1 MiB buffer: for what libpcap reads record by record through
	 * stdio (pcapng, or with a filter), the default buffer costs a read system call every
	 * few packets */
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rbe");
	if (f) {
		if (f != stdin)
			(void)setvbuf(f, NULL, _IOFBF, 1u << 20);
		/* classic pcap records are walked in place, unless a BPF filter must see them */
		cf = capture_file_open(f, c->cfg->filter == NULL, ebuf);
	} else {
		(void)snprintf(ebuf, sizeof(ebuf), "%m");
	}
	if (!cf) {
		(void)fprintf(stderr,
			      T("keikai-sensor: cannot read '%s': %s\n",
				"keikai-sensor: '%s' を読めません: %s\n"),
			      path, ebuf);
		return -1;
	}
	pcap_t *pc = capture_file_pcap(cf);
	int dlt = pcap_datalink(pc);
	if (!decode_linktype_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		(void)fprintf(stderr,
			      T("keikai-sensor: '%s': unsupported link type %d (%s)\n",
				"keikai-sensor: '%s': 未対応のリンク種別 %d (%s) です\n"),
			      path, dlt, name ? name : "?");
		capture_file_free(cf);
		return -1;
	}
	if (apply_filter(pc, c->cfg->filter, err, sizeof(err)) < 0) {
		(void)fprintf(stderr, "keikai-sensor: '%s': %s\n", path, err);
		capture_file_free(cf);
		return -1;
	}
	c->cf = cf;
	c->dlt = dlt;
	return 0;
}

static int open_live(struct capture *c, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	const struct sensor_config *cfg = c->cfg;
	pcap_t *pc = pcap_create(cfg->interface, ebuf);
	int rc;

	if (!pc) {
		(void)snprintf(
		    err, errlen,
		    T("cannot open interface '%s': %s", "インタフェース '%s' を開けません: %s"),
		    cfg->interface, ebuf);
		return -ENODEV;
	}
	(void)pcap_set_snaplen(pc, (int)cfg->snaplen);
	(void)pcap_set_promisc(pc, 1);
	(void)pcap_set_timeout(pc, 200);
	(void)pcap_set_buffer_size(pc, (int)cfg->buffer_mib * 1024 * 1024); /* <= 2047 MiB */
	(void)pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(pc);
	if (rc < 0) {
		(void)snprintf(err, errlen,
			       T("cannot capture on '%s': %s", "'%s' でキャプチャできません: %s"),
			       cfg->interface, pcap_geterr(pc));
		pcap_close(pc);
		return -EPERM;
	}
	c->dlt = pcap_datalink(pc);
	if (!decode_linktype_supported(c->dlt)) {
		(void)snprintf(err, errlen,
			       T("interface '%s': unsupported link type %d",
				 "インタフェース '%s': 未対応のリンク種別 %d です"),
			       cfg->interface, c->dlt);
		pcap_close(pc);
		return -EINVAL;
	}
	if (apply_filter(pc, cfg->filter, err, errlen) < 0) {
		pcap_close(pc);
		return -EINVAL;
	}
	if (pcap_setnonblock(pc, 1, ebuf) < 0) {
		(void)snprintf(err, errlen, "%s", ebuf);
		pcap_close(pc);
		return -EIO;
	}
	c->pc = pc;
	return 0;
}

struct capture *capture_open(const struct sensor_config *cfg, char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c) {
		(void)snprintf(err, errlen, "%s", T("out of memory", "メモリが足りません"));
		return NULL;
	}
	c->cfg = cfg;
	if (cfg->interface) {
		if (open_live(c, err, errlen) < 0) {
			free(c);
			return NULL;
		}
		return c;
	}
	/* Files: open the first usable one now (before privileges are dropped); later files are
	 * opened as the run reaches them, so they must be readable by the unprivileged user. */
	while (c->file_idx < cfg->n_files) {
		if (open_file(c, c->file_idx++) == 0)
			return c;
		c->status = 2;
	}
	(void)snprintf(err, errlen, "%s",
		       T("no readable input file", "読める入力ファイルがありません"));
	free(c);
	return NULL;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	if (c->pc)
		pcap_close(c->pc);
	capture_file_free(c->cf);
	free(c);
}

static void read_stats(struct capture *c, struct sensor *s)
{
	struct pcap_stat ps;

	if (pcap_stats(c->pc, &ps) < 0)
		return;
	/* counters are 32-bit and may wrap: unsigned differences stay right across one wrap */
	unsigned d = ps.ps_drop - c->last_drop, i = ps.ps_ifdrop - c->last_ifdrop;
	c->last_drop = ps.ps_drop;
	c->last_ifdrop = ps.ps_ifdrop;
	c->st.kernel_drops += d;
	c->st.if_drops += i;
	sensor_drops(s, d, i);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	uint64_t ts = (uint64_t)(h->ts.tv_sec < 0 ? 0 : h->ts.tv_sec) * 1000000u +
		      (uint64_t)(h->ts.tv_usec < 0 ? 0 : h->ts.tv_usec);
	(void)sensor_frame(c->sensor, c->dlt, ts, bytes, h->caplen, h->len);
}

static void file_packet(struct capture *c, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
	uint64_t ts = (uint64_t)(h->ts.tv_sec < 0 ? 0 : h->ts.tv_sec) * 1000000u +
		      (uint64_t)(h->ts.tv_usec < 0 ? 0 : h->ts.tv_usec);
	(void)sensor_frame(c->sensor, c->dlt, ts, bytes, h->caplen, h->len);
}

static int run_files(struct capture *c, struct sensor *s)
{
	c->sensor = s;
	while (c->cf) {
		const char *path = c->cfg->files[c->file_idx - 1];
		struct pcap_pkthdr *h;
		const uint8_t *data;
		int rc = 1;
		/* signals are looked at between batches of packets */
		while (rc == 1) {
			for (unsigned n = 0; n < 4096; n++) {
				rc = capture_file_next(c->cf, &h, &data);
				if (rc != 1)
					break;
				file_packet(c, h, data);
			}
			if (capture_stop_requested)
				break;
			if (capture_reopen_requested) {
				capture_reopen_requested = 0;
				sensor_reopen(s);
			}
		}
		if (rc == PCAP_ERROR) {
			(void)fprintf(
			    stderr,
			    T("keikai-sensor: '%s': read error, rest of file skipped: %s\n",
			      "keikai-sensor: '%s': 読み込みエラー、残りを読み飛ばします: %s\n"),
			    path, capture_file_error(c->cf));
			c->st.read_errors++;
			c->status = 2;
		}
		capture_file_free(c->cf);
		c->cf = NULL;
		if (capture_stop_requested)
			break;
		while (c->file_idx < c->cfg->n_files) {
			if (open_file(c, c->file_idx++) == 0)
				break;
			c->status = 2;
		}
	}
	(void)sensor_finish(s, 0, false);
	return c->status;
}

static int run_live(struct capture *c, struct sensor *s)
{
	int fd = pcap_get_selectable_fd(c->pc);

	c->sensor = s;
	sensor_start_live(s, now_usec());
	while (!capture_stop_requested) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n = poll(&pfd, 1, 200);
		if (n < 0 && errno != EINTR) {
			(void)fprintf(stderr, "keikai-sensor: poll: %m\n");
			c->status = 2;
			break;
		}
		int rc = pcap_dispatch(c->pc, -1, on_packet, (u_char *)c);
		if (rc == PCAP_ERROR) {
			(void)fprintf(stderr,
				      T("keikai-sensor: capture error: %s\n",
					"keikai-sensor: キャプチャのエラー: %s\n"),
				      pcap_geterr(c->pc));
			c->status = 2;
			break;
		}
		if (capture_reopen_requested) {
			capture_reopen_requested = 0;
			sensor_reopen(s);
		}
		read_stats(c, s);
		(void)sensor_tick(s, now_usec());
	}
	/* Stopping: the kernel hands a ring block to us only when it is full or its timeout
	 * (200 ms) has passed, so packets that arrived just before the signal may still sit in
	 * one. Wait out the timeout once and take them, so that the last interval is whole. */
	for (int round = 0; round < 2 && c->status == 0; round++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		(void)poll(&pfd, 1, 250);
		if (pcap_dispatch(c->pc, -1, on_packet, (u_char *)c) == PCAP_ERROR)
			break;
	}
	read_stats(c, s);
	(void)sensor_finish(s, now_usec(), true);
	return c->status;
}

int capture_run(struct capture *c, struct sensor *s, capture_reopen_fn reopen, void *user)
{
	double t0 = mono_sec();

	sensor_set_reopen(s, reopen, user);
	/* reading and decoding on this thread, counting on another; one thread if that fails */
	(void)sensor_start_worker(s);
	int rc = c->cfg->interface ? run_live(c, s) : run_files(c, s);
	c->st.seconds = mono_sec() - t0;
	return rc;
}

void capture_stats(const struct capture *c, struct capture_stats *ret)
{
	*ret = c->st;
}
