/* ingest.c - the single writer: group commits and rollups */
#include "ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/banned.h"

struct job {
	int64_t sensor_id, received;
	const struct obs_record *r;
	const struct obs_record_geo *geo;
	enum obs_put_result result;
	bool done;
	struct job *next;
};

struct obs_ingest {
	struct obs_ingest_config cfg;
	struct obs_store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* the writer: work arrived, flush asked, or stop */
	pthread_cond_t done; /* the submitters: a batch finished */
	struct job *head, *tail;
	bool stop;
	unsigned flush_wanted, flush_done;
	int flush_result;
	_Atomic uint64_t generation;
	struct obs_ingest_stats stats;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* Store the jobs of one batch in one transaction. */
static void write_batch(struct obs_ingest *in, struct job *batch)
{
	struct obs_store *s = in->store;
	bool ok = s->ops->begin(s) == 0;
	uint64_t stored = 0, dup = 0, failed = 0;
	for (struct job *j = batch; j; j = j->next) {
		if (!ok) {
			j->result = OBS_PUT_ERROR;
			continue;
		}
		j->result = s->ops->put(s, j->sensor_id, j->r, j->geo, j->received);
	}
	if (ok && s->ops->commit(s) != 0) {
		s->ops->rollback(s);
		ok = false;
	}
	for (struct job *j = batch; j; j = j->next) {
		if (!ok)
			j->result = OBS_PUT_ERROR;
		if (j->result == OBS_PUT_STORED)
			stored++;
		else if (j->result == OBS_PUT_DUPLICATE)
			dup++;
		else
			failed++;
	}
	if (!ok)
		(void)fprintf(stderr, "keikaid: commit failed: %s\n", s->ops->errmsg(s));
	pthread_mutex_lock(&in->mu);
	in->stats.stored += stored;
	in->stats.duplicates += dup;
	in->stats.failed += failed;
	in->stats.commits++;
	for (struct job *j = batch; j; j = j->next)
		j->done = true;
	pthread_cond_broadcast(&in->done);
	pthread_mutex_unlock(&in->mu);
}

/* Roll up until nothing is left (all = true) or one pass. Returns 1 when a pass was full (more
 * may be left), 0 when not, -1 on failure. */
static int rollup(struct obs_ingest *in, bool all)
{
	struct obs_store *s = in->store;
	for (;;) {
		struct obs_rollup_report rep;
		if (s->ops->rollup(s, in->cfg.tz_offset, &in->cfg.retention, now_s(),
				   in->cfg.rollup_records, &rep) != 0) {
			(void)fprintf(stderr, "keikaid: rollup failed: %s\n", s->ops->errmsg(s));
			return -1;
		}
		if (rep.records || rep.deleted)
			atomic_fetch_add(&in->generation, 1);
		pthread_mutex_lock(&in->mu);
		in->stats.rollups++;
		in->stats.rolled_records += rep.records;
		pthread_mutex_unlock(&in->mu);
		if (rep.records < in->cfg.rollup_records)
			return 0;
		if (!all)
			return 1;
	}
}

static void *writer(void *arg)
{
	struct obs_ingest *in = arg;
	int64_t last_rollup = now_ms();
	bool pending_rollup = true;
	pthread_mutex_lock(&in->mu);
	for (;;) {
		while (!in->head && !in->stop && in->flush_wanted == in->flush_done) {
			if (pending_rollup) {
				/* wait at most until the next rollup is due */
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				int64_t ns = ts.tv_nsec + (int64_t)in->cfg.rollup_ms * 1000000;
				ts.tv_sec += (time_t)(ns / 1000000000);
				ts.tv_nsec = (long)(ns % 1000000000);
				if (pthread_cond_timedwait(&in->wake, &in->mu, &ts) == ETIMEDOUT)
					break;
			} else {
				pthread_cond_wait(&in->wake, &in->mu);
			}
		}
		/* take a batch */
		struct job *batch = in->head, *last = NULL;
		unsigned n = 0;
		for (struct job *j = in->head; j && n < in->cfg.batch_records; j = j->next, n++)
			last = j;
		if (last) {
			in->head = last->next;
			if (!in->head)
				in->tail = NULL;
			last->next = NULL;
		} else {
			batch = NULL;
		}
		bool stop = in->stop && !in->head;
		unsigned want = in->flush_wanted;
		pthread_mutex_unlock(&in->mu);

		if (batch) {
			write_batch(in, batch);
			pending_rollup = true;
		}
		int fr = 0;
		bool flush = want != in->flush_done;
		if (flush || stop) {
			fr = rollup(in, true) < 0 ? -1 : 0;
			pending_rollup = false;
			last_rollup = now_ms();
		} else if (pending_rollup && now_ms() - last_rollup >= (int64_t)in->cfg.rollup_ms) {
			/* a full pass means more is left: keep rolling up between batches */
			pending_rollup = rollup(in, false) == 1;
			last_rollup = now_ms();
		}
		pthread_mutex_lock(&in->mu);
		if (flush) {
			in->flush_done = want;
			in->flush_result = fr;
			pthread_cond_broadcast(&in->done);
		}
		if (stop)
			break;
	}
	pthread_mutex_unlock(&in->mu);
	return NULL;
}

struct obs_ingest *obs_ingest_start(const struct obs_ingest_config *cfg, char *err, size_t errlen)
{
	struct obs_ingest *in = calloc(1, sizeof *in);
	if (!in) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->cfg = *cfg;
	if (!in->cfg.rollup_ms)
		in->cfg.rollup_ms = 1000;
	if (!in->cfg.batch_records)
		in->cfg.batch_records = 256;
	if (!in->cfg.rollup_records)
		in->cfg.rollup_records = 2000;
	in->store = obs_store_open(cfg->store_uri, err, errlen);
	if (!in->store) {
		free(in);
		return NULL;
	}
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->wake, NULL);
	pthread_cond_init(&in->done, NULL);
	atomic_init(&in->generation, 1);
	if (pthread_create(&in->thread, NULL, writer, in) != 0) {
		(void)snprintf(err, errlen, "cannot start the writer thread");
		obs_store_close(in->store);
		free(in);
		return NULL;
	}
	return in;
}

void obs_ingest_stop(struct obs_ingest *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->mu);
	in->stop = true;
	pthread_cond_signal(&in->wake);
	pthread_mutex_unlock(&in->mu);
	pthread_join(in->thread, NULL);
	obs_store_close(in->store);
	pthread_mutex_destroy(&in->mu);
	pthread_cond_destroy(&in->wake);
	pthread_cond_destroy(&in->done);
	free(in);
}

enum obs_put_result obs_ingest_submit(struct obs_ingest *in, int64_t sensor_id,
				      const struct obs_record *r, const struct obs_record_geo *geo,
				      int64_t received)
{
	struct job j = {.sensor_id = sensor_id, .received = received, .r = r, .geo = geo};
	pthread_mutex_lock(&in->mu);
	if (in->stop) {
		pthread_mutex_unlock(&in->mu);
		return OBS_PUT_ERROR;
	}
	if (in->tail)
		in->tail->next = &j;
	else
		in->head = &j;
	in->tail = &j;
	pthread_cond_signal(&in->wake);
	while (!j.done)
		pthread_cond_wait(&in->done, &in->mu);
	pthread_mutex_unlock(&in->mu);
	return j.result;
}

int obs_ingest_flush(struct obs_ingest *in)
{
	pthread_mutex_lock(&in->mu);
	unsigned want = ++in->flush_wanted;
	pthread_cond_signal(&in->wake);
	while ((int)(in->flush_done - want) < 0)
		pthread_cond_wait(&in->done, &in->mu);
	int r = in->flush_result;
	pthread_mutex_unlock(&in->mu);
	return r;
}

uint64_t obs_ingest_generation(struct obs_ingest *in)
{
	return atomic_load(&in->generation);
}

void obs_ingest_stats(struct obs_ingest *in, struct obs_ingest_stats *out)
{
	pthread_mutex_lock(&in->mu);
	*out = in->stats;
	pthread_mutex_unlock(&in->mu);
}
