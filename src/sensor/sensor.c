/* sensor.c - the packet pipeline and the interval clock (see sensor.h)
 *
 * Two stages. The reader stage (the capture's thread) decodes and classifies each frame into
 * an item. The counting stage runs the interval clock and the aggregator over the items. With
 * sensor_start_worker() the counting stage runs on a thread of its own: items travel in chunks
 * of ITEMS_PER_CHUNK through a bounded queue (QUEUE_CHUNKS chunks, so memory is fixed), and
 * control events (ticks, drops, reopen, finish) travel in the same queue, so every event is
 * seen in capture order. With a worker, closed intervals are handed to a third thread, the
 * emitter, which runs the emit callback (encoding and writing, a few MB per interval on a
 * busy telescope) and the reopen callback in order while the worker counts on; the worker
 * waits for the emitter before it builds the next record, so that at most one record exists,
 * as without it. Without a worker all of this runs on the caller's thread.
 */
#include "sensor.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "aggregate.h"
#if defined(__x86_64__) && !defined(KEIKAI_NO_STREAM)
#include <immintrin.h>
#define ITEM_STREAM 1
#endif
#include "classify.h"
#include "decode.h"
#include "../lib/ckd.h"
#include "../lib/banned.h"

enum item_kind {
	IT_PKT = 0,    /* a decoded packet to a dark address */
	IT_UNDECODED,  /* a frame not decoded; reason in .reason */
	IT_NOT_DARK,   /* a frame to an address outside the dark prefixes */
	IT_START_LIVE, /* live capture begins at .ts_usec */
	IT_TICK,       /* wall clock is .ts_usec */
	IT_DROPS,      /* capture drops: kernel .a, interface .b */
	IT_REOPEN,     /* reopen outputs (SIGHUP) */
	IT_FINISH,     /* end of input at .ts_usec; .a = live */
};

#define ITEMS_PER_CHUNK 512
#define QUEUE_CHUNKS	128
#define CHUNK_AHEAD	8 /* packets whose chunk lines process_chunk prefetches ahead */

/* Items as parallel arrays, so that a run of packets is handed to the tables in place and
 * each packet writes (and the worker reads) only its kind and its struct agg_pkt: item i is
 * kind[i], its time p[i].ts_usec, and for a packet p[i] and x[i] (see struct agg_extra); an
 * undecoded frame's reason is reason[i]. A control item ends its chunk (item_commit), so a
 * chunk holds at most one, the last, and its arguments are ctl_a and ctl_b. */
struct chunk {
	size_t n;
	size_t n_pkt;		 /* of the n items, packets (IT_PKT) */
	uint64_t ts_min, ts_max; /* the packets' earliest and latest times */
	uint64_t ctl_a, ctl_b;
	uint8_t kind[ITEMS_PER_CHUNK];
	uint8_t reason[ITEMS_PER_CHUNK];
	struct agg_pkt p[ITEMS_PER_CHUNK];
	struct agg_extra x[ITEMS_PER_CHUNK];
};

/* No items; the summary ready for the first packet. */
static void chunk_empty(struct chunk *c)
{
	c->n = 0;
	c->n_pkt = 0;
	c->ts_min = UINT64_MAX;
	c->ts_max = 0;
}

enum em_task { EM_IDLE = 0, EM_RECORD, EM_REOPEN, EM_QUIT };

struct sensor {
	const struct sensor_config *cfg;
	sensor_emit_fn emit;
	void *user;
	sensor_reopen_fn reopen;
	void *reopen_user;
	struct aggregate *agg;
	bool open;	    /* an interval is in progress */
	bool partial;	    /* the one in progress began mid-interval (live start) */
	int64_t start, end; /* of the interval in progress */
	uint64_t captured;  /* frames in the interval in progress */
	struct sensor_totals totals;
	int last_rc;
	struct chunk *local; /* where items collect when there is no worker */

	/* the worker and its queue; all below is guarded by mu except cur, which only the
	 * reader touches */
	bool threaded;
	bool emitting; /* the emitter below runs; false without a worker */
	pthread_t worker;
	pthread_mutex_t mu;
	pthread_cond_t cond_full, cond_free;
	struct chunk *chunks;
	struct chunk *free_list[QUEUE_CHUNKS];
	size_t n_free;
	struct chunk *queue[QUEUE_CHUNKS];
	size_t q_head, q_len;
	struct chunk *cur;

	/* the emitter (started with the worker): one task at a time, guarded by em_mu */
	pthread_t emitter;
	pthread_mutex_t em_mu;
	pthread_cond_t em_cond;
	enum em_task em_task;
	int em_last_rc;
	struct obs_record em_rec; /* EM_RECORD */
	uint64_t em_errors;	  /* emit errors; added to totals when the emitter is joined */
};

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
	/* tables, the queue between the threads (and the local chunk), one record's JSON text */
	return aggregate_memory_bound(&p) + sizeof(struct sensor) +
	       (QUEUE_CHUNKS + 1) * sizeof(struct chunk) + OBS_JSON_MAX;
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
	s->local = calloc(1, sizeof(*s->local));
	if (!s->agg || !s->local) {
		aggregate_free(s->agg);
		free(s->local);
		free(s);
		return NULL;
	}
	chunk_empty(s->local);
	return s;
}

void sensor_free(struct sensor *s)
{
	if (!s)
		return;
	if (s->threaded)
		(void)sensor_finish(s, 0, false);
	aggregate_free(s->agg);
	free(s->local);
	free(s);
}

static int64_t align_down(int64_t t, uint32_t len)
{
	return t - t % (int64_t)len;
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

/* --- the emitter ---------------------------------------------------------------------------- */

/* Wait until the emitter has finished its task. */
static void em_wait_idle(struct sensor *s)
{
	(void)pthread_mutex_lock(&s->em_mu);
	while (s->em_task != EM_IDLE)
		(void)pthread_cond_wait(&s->em_cond, &s->em_mu);
	(void)pthread_mutex_unlock(&s->em_mu);
}

/* Hand the emitter a task (and for EM_RECORD the record, which it then owns). */
static void em_post(struct sensor *s, enum em_task task, const struct obs_record *rec)
{
	(void)pthread_mutex_lock(&s->em_mu);
	while (s->em_task != EM_IDLE)
		(void)pthread_cond_wait(&s->em_cond, &s->em_mu);
	if (rec)
		s->em_rec = *rec;
	s->em_task = task;
	(void)pthread_cond_broadcast(&s->em_cond);
	(void)pthread_mutex_unlock(&s->em_mu);
}

static void *emitter_main(void *arg)
{
	struct sensor *s = arg;

	/* Encoding a record can wait; the two pipeline threads cannot, and on a machine with two
	 * cores the emitter would take its time from one of them. At the lowest priority it runs
	 * on what they leave (a reader waiting for the counter, the quiet of a live capture); it
	 * still gets its share when both are busy, so a record is not held up for long. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 19);

	for (;;) {
		(void)pthread_mutex_lock(&s->em_mu);
		while (s->em_task == EM_IDLE)
			(void)pthread_cond_wait(&s->em_cond, &s->em_mu);
		enum em_task task = s->em_task;
		(void)pthread_mutex_unlock(&s->em_mu);

		if (task == EM_QUIT)
			return NULL;
		if (task == EM_RECORD) {
			int rc = s->emit(s->user, &s->em_rec);
			obs_record_done(&s->em_rec);
			if (rc < 0) {
				s->em_errors++;
				s->em_last_rc = rc;
			}
		} else if (s->reopen) {
			s->reopen(s->reopen_user);
		}
		(void)pthread_mutex_lock(&s->em_mu);
		s->em_task = EM_IDLE;
		(void)pthread_cond_broadcast(&s->em_cond);
		(void)pthread_mutex_unlock(&s->em_mu);
	}
}

/* --- intervals ------------------------------------------------------------------------------ */

static int close_interval(struct sensor *s, int64_t end, bool partial, int final)
{
	struct obs_record rec;
	int rc;

	s->open = false;
	if (s->emitting)
		em_wait_idle(s); /* the previous record is gone before this one is built */
	if (aggregate_close(s->agg, end, final, &rec) < 0) {
		s->totals.emit_errors++;
		return -ENOMEM;
	}
	(void)snprintf(rec.sensor, sizeof(rec.sensor), "%s", s->cfg->sensor_id);
	rec.interval = s->cfg->interval;
	rec.partial = partial;
	rec.captured = s->captured;
	if (s->emitting) {
		em_post(s, EM_RECORD, &rec);
		s->totals.records++;
		return 0; /* an emit error is the emitter's to count (em_errors, em_last_rc) */
	}
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

/* --- the counting stage ------------------------------------------------------------------ */

static int core_frame(struct sensor *s, const struct chunk *c, size_t i)
{
	int64_t sec = (int64_t)(c->p[i].ts_usec / 1000000u);
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
	switch (c->kind[i]) {
	case IT_UNDECODED:
		aggregate_undecoded(s->agg, (enum decode_result)c->reason[i]);
		break;
	case IT_NOT_DARK:
		aggregate_not_dark(s->agg);
		break;
	default:
		/* the first packet of an interval; the rest come in runs (process_chunk) */
		if (sec < s->start)
			aggregate_ts_backwards(s->agg);
		s->totals.packets++;
		aggregate_packets(s->agg, &c->p[i], &c->x[i], 1);
		break;
	}
	return rc;
}

static void core_start_live(struct sensor *s, uint64_t now_usec)
{
	int64_t sec = (int64_t)(now_usec / 1000000u);
	int64_t st = align_down(sec, s->cfg->interval);
	begin(s, sec, st + s->cfg->interval, sec != st);
}

static int core_tick(struct sensor *s, uint64_t now_usec)
{
	int64_t sec = (int64_t)(now_usec / 1000000u);
	int rc = 0;

	if (!s->open) {
		core_start_live(s, now_usec);
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

static int core_finish(struct sensor *s, uint64_t now_usec, bool live)
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

static int core_item(struct sensor *s, const struct chunk *c, size_t i)
{
	uint64_t ts = c->p[i].ts_usec;

	switch (c->kind[i]) {
	case IT_PKT:
	case IT_UNDECODED:
	case IT_NOT_DARK:
		return core_frame(s, c, i);
	case IT_START_LIVE:
		core_start_live(s, ts);
		return 0;
	case IT_TICK:
		return core_tick(s, ts);
	case IT_DROPS:
		aggregate_drops(s->agg, c->ctl_a, c->ctl_b);
		return 0;
	case IT_REOPEN:
		if (s->emitting)
			em_post(s, EM_REOPEN, NULL); /* after the records before it */
		else if (s->reopen)
			s->reopen(s->reopen_user);
		return 0;
	case IT_FINISH:
		return core_finish(s, ts, c->ctl_a != 0);
	default:
		return 0;
	}
}

/* --- the queue between the stages --------------------------------------------------------- */

/* Run every item of a chunk through the counting stage and empty it. Returns the last emit
 * error (or 0); *ret_done is set when the chunk held the finish item. */
static int process_chunk(struct sensor *s, struct chunk *c, bool *ret_done)
{
	int last = 0;
	/* the common case, told by the reader's summary without reading the items: all packets,
	 * all inside the open interval, one run */
	bool one_run = c->n_pkt == c->n && s->open && (int64_t)(c->ts_max / 1000000u) < s->end &&
		       (int64_t)(c->ts_min / 1000000u) >= s->start;

	for (size_t i = 0; i < c->n;) {
		size_t j = one_run ? c->n : i;
		/* a run of packets inside the open interval goes to the tables in place */
		while (s->open && j < c->n && c->kind[j] == IT_PKT &&
		       (int64_t)(c->p[j].ts_usec / 1000000u) < s->end) {
			/* the reader's core wrote these lines: ask for them well ahead */
			__builtin_prefetch(&c->p[j + CHUNK_AHEAD < c->n ? j + CHUNK_AHEAD : j], 0);
			if ((int64_t)(c->p[j].ts_usec / 1000000u) < s->start)
				aggregate_ts_backwards(s->agg);
			j++;
		}
		if (j > i) {
			s->captured += j - i;
			s->totals.frames += j - i;
			s->totals.packets += j - i;
			aggregate_packets(s->agg, &c->p[i], &c->x[i], j - i);
			i = j;
			continue;
		}
		int rc = core_item(s, c, i);
		if (rc < 0)
			last = rc;
		if (c->kind[i] == IT_FINISH)
			*ret_done = true;
		i++;
	}
	chunk_empty(c);
	if (last < 0)
		s->last_rc = last;
	return last;
}

static void *worker_main(void *arg)
{
	struct sensor *s = arg;
	bool done = false;

	while (!done) {
		(void)pthread_mutex_lock(&s->mu);
		while (s->q_len == 0)
			(void)pthread_cond_wait(&s->cond_full, &s->mu);
		struct chunk *c = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % QUEUE_CHUNKS;
		s->q_len--;
		(void)pthread_mutex_unlock(&s->mu);

		(void)process_chunk(s, c, &done);
		(void)pthread_mutex_lock(&s->mu);
		s->free_list[s->n_free++] = c;
		(void)pthread_cond_signal(&s->cond_free);
		(void)pthread_mutex_unlock(&s->mu);
	}
	if (s->emitting) {
		em_post(s, EM_QUIT, NULL);
		(void)pthread_join(s->emitter, NULL);
	}
	return NULL;
}

/* Hand the reader's chunk to the worker. */
static void ship(struct sensor *s)
{
	if (!s->cur)
		return;
#ifdef ITEM_STREAM
	_mm_sfence(); /* the items' non-temporal stores are done before the chunk is handed on */
#endif
	(void)pthread_mutex_lock(&s->mu);
	s->queue[(s->q_head + s->q_len) % QUEUE_CHUNKS] = s->cur;
	s->q_len++;
	(void)pthread_cond_signal(&s->cond_full);
	(void)pthread_mutex_unlock(&s->mu);
	s->cur = NULL;
}

/* The chunk that takes the next item (at index ->n): the reader's (threaded) or the local
 * one. */
static struct chunk *item_chunk(struct sensor *s)
{
	if (!s->threaded)
		return s->local;
	if (!s->cur) {
		(void)pthread_mutex_lock(&s->mu);
		while (s->n_free == 0)
			(void)pthread_cond_wait(&s->cond_free, &s->mu);
		s->cur = s->free_list[--s->n_free];
		(void)pthread_mutex_unlock(&s->mu);
	}
	return s->cur;
}

/* Commit the item written at c->n (c from item_chunk). A full chunk, or one ending in a
 * control item, is queued for the worker, or without a worker counted at once (returning the
 * emit error, if any). */
static int item_commit(struct sensor *s, struct chunk *c)
{
	bool done = false;

	if (++c->n < ITEMS_PER_CHUNK && c->kind[c->n - 1] <= IT_NOT_DARK)
		return 0;
	if (s->threaded) {
		ship(s);
		return 0;
	}
	return process_chunk(s, c, &done);
}

int sensor_start_worker(struct sensor *s)
{
	int rc;

	bool done = false;

	if (s->threaded)
		return 0;
	(void)process_chunk(s, s->local, &done); /* what was fed before, first */
	ALLOC_ARRAY(s->chunks, QUEUE_CHUNKS);
	if (!s->chunks)
		return -ENOMEM;
	for (size_t i = 0; i < QUEUE_CHUNKS; i++) {
		chunk_empty(&s->chunks[i]);
		s->free_list[i] = &s->chunks[i];
	}
	s->n_free = QUEUE_CHUNKS;
	(void)pthread_mutex_init(&s->mu, NULL);
	(void)pthread_cond_init(&s->cond_full, NULL);
	(void)pthread_cond_init(&s->cond_free, NULL);
	/* the emitter is optional: without it the worker emits, as without a worker */
	(void)pthread_mutex_init(&s->em_mu, NULL);
	(void)pthread_cond_init(&s->em_cond, NULL);
	s->em_task = EM_IDLE;
	s->emitting = pthread_create(&s->emitter, NULL, emitter_main, s) == 0;
	rc = pthread_create(&s->worker, NULL, worker_main, s);
	if (rc != 0) {
		if (s->emitting) {
			em_post(s, EM_QUIT, NULL);
			(void)pthread_join(s->emitter, NULL);
			s->emitting = false;
		}
		(void)pthread_cond_destroy(&s->em_cond);
		(void)pthread_mutex_destroy(&s->em_mu);
		(void)pthread_cond_destroy(&s->cond_full);
		(void)pthread_cond_destroy(&s->cond_free);
		(void)pthread_mutex_destroy(&s->mu);
		free(s->chunks);
		s->chunks = NULL;
		return -rc;
	}
	s->threaded = true;
	return 0;
}

/* --- the reader stage --------------------------------------------------------------------- */

/* Write a packet's item into the queue. The lines of a chunk were last read by the counting
 * thread's core; ordinary stores would each wait to take a line back from it. Non-temporal
 * stores do not wait: they write the lines whole, past the caches, and the counting thread
 * reads them back in order (ship() fences them before the chunk is handed over). */
static inline void item_put(struct agg_pkt *dst, const struct agg_pkt *src)
{
#ifdef ITEM_STREAM
	_Static_assert(sizeof(struct agg_pkt) % 8 == 0, "an item is whole 8-byte words");
	long long w;
	for (size_t k = 0; k < sizeof(*src); k += 8) {
		memcpy(&w, (const char *)src + k, 8);
		_mm_stream_si64((long long *)((char *)dst + k), w);
	}
#else
	*dst = *src;
#endif
}

int sensor_frame(struct sensor *s, int dlt, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
		 uint32_t wire_len)
{
	struct chunk *c = item_chunk(s);
	size_t i = c->n;
	struct packet pkt;
	struct pkt_verdict v;

	pkt.ts_usec = ts_usec;
	pkt.wire_len = wire_len;
	enum decode_result r = decode_packet(dlt, data, caplen, &pkt);
	if (r != DECODE_OK) {
		c->kind[i] = IT_UNDECODED;
		c->reason[i] = (uint8_t)r;
		c->p[i].ts_usec = ts_usec;
	} else if (!is_dark(s->cfg, &pkt.dst)) {
		c->kind[i] = IT_NOT_DARK;
		c->p[i].ts_usec = ts_usec;
	} else {
		c->kind[i] = IT_PKT;
		c->n_pkt++;
		if (ts_usec < c->ts_min)
			c->ts_min = ts_usec;
		if (ts_usec > c->ts_max)
			c->ts_max = ts_usec;
		classify_packet(&pkt, &v);
		struct agg_pkt ap;
		aggregate_pkt_make(&pkt, &v, &ap, &c->x[i]);
		item_put(&c->p[i], &ap);
	}
	return item_commit(s, c);
}

static int control(struct sensor *s, enum item_kind kind, uint64_t ts, uint64_t a, uint64_t b)
{
	struct chunk *c = item_chunk(s);
	c->kind[c->n] = (uint8_t)kind;
	c->p[c->n].ts_usec = ts;
	c->ctl_a = a;
	c->ctl_b = b;
	return item_commit(s, c);
}

void sensor_start_live(struct sensor *s, uint64_t now_usec)
{
	(void)control(s, IT_START_LIVE, now_usec, 0, 0);
}

int sensor_tick(struct sensor *s, uint64_t now_usec)
{
	return control(s, IT_TICK, now_usec, 0, 0);
}

void sensor_drops(struct sensor *s, uint64_t kernel, uint64_t ifdrop)
{
	(void)control(s, IT_DROPS, 0, kernel, ifdrop);
}

void sensor_set_reopen(struct sensor *s, sensor_reopen_fn fn, void *user)
{
	s->reopen = fn;
	s->reopen_user = user;
}

void sensor_reopen(struct sensor *s)
{
	(void)control(s, IT_REOPEN, 0, 0, 0);
}

int sensor_finish(struct sensor *s, uint64_t now_usec, bool live)
{
	int rc = control(s, IT_FINISH, now_usec, live, 0);

	if (s->threaded) {
		(void)pthread_join(s->worker, NULL); /* it joined the emitter */
		s->threaded = false;
		if (s->emitting) {
			s->emitting = false;
			s->totals.emit_errors += s->em_errors;
			s->em_errors = 0;
			if (s->em_last_rc < 0)
				s->last_rc = s->em_last_rc;
			s->em_last_rc = 0;
		}
		(void)pthread_cond_destroy(&s->em_cond);
		(void)pthread_mutex_destroy(&s->em_mu);
		(void)pthread_cond_destroy(&s->cond_full);
		(void)pthread_cond_destroy(&s->cond_free);
		(void)pthread_mutex_destroy(&s->mu);
		free(s->chunks);
		s->chunks = NULL;
		rc = s->last_rc;
	}
	return rc;
}

void sensor_totals(const struct sensor *s, struct sensor_totals *ret)
{
	*ret = s->totals;
}
