/* sensor.c - the packet pipeline and the interval clock (see sensor.h) */
#include "sensor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "classify.h"
#include "decode.h"
#include "../lib/banned.h"

struct sensor {
	const struct sensor_config *cfg;
	sensor_emit_fn emit;
	void *user;
	struct aggregate *agg;
	bool open;	    /* an interval is in progress */
	bool partial;	    /* the one in progress began mid-interval (live start) */
	int64_t start, end; /* of the interval in progress */
	uint64_t captured;  /* frames in the interval in progress */
	struct sensor_totals totals;
	size_t nb; /* decoded packets waiting in the batch */
	struct packet batch[AGGREGATE_BATCH];
	struct pkt_verdict verdicts[AGGREGATE_BATCH];
};

static void flush_batch(struct sensor *s)
{
	if (s->nb) {
		aggregate_packets(s->agg, s->batch, s->verdicts, s->nb);
		s->nb = 0;
	}
}

static void params_from_config(const struct sensor_config *cfg, struct aggregate_params *p)
{
	memset(p, 0, sizeof(*p));
	p->scan_min_dsts = cfg->scan_min_dsts;
	p->scan_min_targets = cfg->scan_min_targets;
	p->top_n = cfg->top_n;
	p->max_sources = cfg->max_sources;
	p->max_pairs = cfg->max_pairs;
	p->max_triples = cfg->max_triples;
	p->max_port_dsts = cfg->max_port_dsts;
	p->max_scanners = cfg->max_scanners;
	p->dos.min_packets = cfg->dos_min_packets;
	p->dos.min_duration_s = cfg->dos_min_duration_s;
	p->dos.min_rate = cfg->dos_min_rate;
	p->dos.window_s = cfg->dos_window_s;
	p->dos.slide_s = cfg->dos_slide_s;
	p->dos.timeout_s = cfg->dos_timeout_s;
	p->dos.max_vectors = cfg->max_victims;
}

size_t sensor_memory_bound(const struct sensor_config *cfg)
{
	struct aggregate_params p;
	params_from_config(cfg, &p);
	return aggregate_memory_bound(&p) + sizeof(struct sensor);
}

struct sensor *sensor_new(const struct sensor_config *cfg, sensor_emit_fn emit, void *user)
{
	struct aggregate_params p;
	struct sensor *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	params_from_config(cfg, &p);
	s->cfg = cfg;
	s->emit = emit;
	s->user = user;
	s->agg = aggregate_new(&p);
	if (!s->agg) {
		free(s);
		return NULL;
	}
	return s;
}

void sensor_free(struct sensor *s)
{
	if (!s)
		return;
	aggregate_free(s->agg);
	free(s);
}

static int64_t align_down(int64_t t, uint32_t len)
{
	int64_t r = t - t % (int64_t)len;
	return r;
}

static void begin(struct sensor *s, int64_t start, int64_t end, bool partial)
{
	s->open = true;
	s->partial = partial;
	s->start = start;
	s->end = end;
	s->captured = 0;
	aggregate_begin(s->agg, start, end);
}

static int close_interval(struct sensor *s, int64_t end, bool partial, int final)
{
	struct obs_record rec;
	int rc;

	flush_batch(s);
	s->open = false;
	if (aggregate_close(s->agg, end, final, &rec) < 0) {
		s->totals.emit_errors++;
		return -ENOMEM;
	}
	(void)snprintf(rec.sensor, sizeof(rec.sensor), "%s", s->cfg->sensor_id);
	rec.interval = s->cfg->interval;
	rec.partial = partial;
	rec.captured = s->captured;
	rc = s->emit(s->user, &rec);
	obs_record_done(&rec);
	s->totals.records++;
	if (rc < 0)
		s->totals.emit_errors++;
	return rc;
}

static bool is_dark(const struct sensor_config *cfg, const struct ip_addr *dst)
{
	if (cfg->n_dark == 0)
		return true;
	for (size_t i = 0; i < cfg->n_dark; i++)
		if (ip_prefix_contains(&cfg->dark[i], dst))
			return true;
	return false;
}

int sensor_frame(struct sensor *s, int dlt, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
		 uint32_t wire_len)
{
	int64_t sec = (int64_t)(ts_usec / 1000000u);
	int rc = 0;

	if (!s->open) {
		int64_t st = align_down(sec, s->cfg->interval);
		begin(s, st, st + s->cfg->interval, false);
	} else if (sec >= s->end) {
		rc = close_interval(s, s->end, s->partial, 0);
		int64_t st = align_down(sec, s->cfg->interval);
		begin(s, st, st + s->cfg->interval, false);
	}
	s->captured++;
	s->totals.frames++;

	/* only now: closing an interval above empties the batch */
	struct packet *pkt = &s->batch[s->nb];

	pkt->ts_usec = ts_usec;
	pkt->wire_len = wire_len;
	enum decode_result r = decode_packet(dlt, data, caplen, pkt);
	if (r != DECODE_OK) {
		aggregate_undecoded(s->agg, r);
		return rc;
	}
	if (!is_dark(s->cfg, &pkt->dst)) {
		aggregate_not_dark(s->agg);
		return rc;
	}
	if (sec < s->start)
		aggregate_ts_backwards(s->agg);
	classify_packet(pkt, &s->verdicts[s->nb]);
	s->totals.packets++;
	if (++s->nb == AGGREGATE_BATCH)
		flush_batch(s);
	return rc;
}

void sensor_start_live(struct sensor *s, uint64_t now_usec)
{
	int64_t sec = (int64_t)(now_usec / 1000000u);
	int64_t st = align_down(sec, s->cfg->interval);
	begin(s, sec, st + s->cfg->interval, sec != st);
}

int sensor_tick(struct sensor *s, uint64_t now_usec)
{
	int64_t sec = (int64_t)(now_usec / 1000000u);
	int rc = 0;

	if (!s->open) {
		sensor_start_live(s, now_usec);
		return 0;
	}
	while (sec >= s->end) {
		int64_t next = s->end;
		int e = close_interval(s, s->end, s->partial, 0);
		if (e < 0)
			rc = e;
		/* quiet intervals are still reported: the sensor was up and saw nothing */
		begin(s, next, next + s->cfg->interval, false);
	}
	return rc;
}

void sensor_drops(struct sensor *s, uint64_t kernel, uint64_t ifdrop)
{
	aggregate_drops(s->agg, kernel, ifdrop);
}

int sensor_finish(struct sensor *s, uint64_t now_usec, bool live)
{
	if (!s->open)
		return 0;
	if (live) {
		int64_t sec = (int64_t)(now_usec / 1000000u);
		int64_t end = sec < s->end ? sec : s->end;
		if (end <= s->start)
			end = s->start + 1;
		return close_interval(s, end, s->partial || end < s->end, 1);
	}
	return close_interval(s, s->end, s->partial, 1);
}

void sensor_totals(const struct sensor *s, struct sensor_totals *ret)
{
	*ret = s->totals;
}
