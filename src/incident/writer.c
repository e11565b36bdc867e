/* writer.c - keikaid's single writer for reports: group commits across request threads, and
 * the search indexer between them
 *
 * Request threads queue a submission and wait. The writer thread takes every submission
 * waiting (up to WRITER_BATCH), runs them (one that fails leaves nothing behind and does not
 * fail the others: see run_jobs), commits once with synchronous=FULL and only then wakes the
 * submitters, so an answer always follows a durable commit.
 *
 * The same thread keeps the search index (inc_index_run) in step, in transactions of its own:
 * whenever no submission waits, and after INDEX_EVERY reports stored even when submissions keep
 * coming, so the unindexed tail a search scans stays short under any load. When idle it also
 * looks every INDEX_POLL_S seconds for reports other processes stored (`keikai intake mail`).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intake.h"
#include "store-impl.h"

#include "../lib/banned.h"

#define WRITER_BATCH 512
#define INDEX_EVERY  2048 /* reports stored between indexer runs under constant load */
#define INDEX_CHUNK  4096 /* reports per indexer transaction */
#define INDEX_POLL_S 1

struct job {
	const struct inc_submission *sub;
	struct inc_receipt rc;
	int result;
	char err[256];
	bool done;
	struct job *next;
};

struct inc_writer {
	struct inc_store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	struct job *head, *tail;
	bool stop;
	struct inc_writer_stats stats;
	uint64_t since_index; /* reports stored since the indexer last ran */
};

/* Index what is not indexed yet, a chunk at a time while no submission waits (at least one
 * chunk). Called without the lock. A failure (busy: another process holds the write lock) is
 * left for the next round: search stays complete meanwhile. */
static void index_some(struct inc_writer *w)
{
	for (;;) {
		size_t n = 0;
		if (inc_index_run(w->store, INDEX_CHUNK, &n) != 0 || n < INDEX_CHUNK)
			break;
		pthread_mutex_lock(&w->mu);
		bool wait = w->head != NULL || w->stop;
		pthread_mutex_unlock(&w->mu);
		if (wait)
			break;
	}
	pthread_mutex_lock(&w->mu);
	w->since_index = 0;
	pthread_mutex_unlock(&w->mu);
}

/* Run the batch's submissions in the open transaction. Without savepoints (each costs a
 * statement journal per report: 10 to 20 % of the intake) a failed submission must have
 * written nothing, which inc_store_intake ensures in all but corner cases; when one did write
 * (or the transaction is gone), false: the caller rolls back and runs the batch again with a
 * savepoint per submission (safe). */
static bool run_jobs(struct inc_store *s, struct job *batch, bool safe)
{
	sqlite3 *db = inc_store_db(s);
	for (struct job *j = batch; j; j = j->next) {
		j->err[0] = 0;
		int sp = safe ? inc_store_savepoint(s) : 0;
		if (sp != 0) {
			j->result = sp;
			continue;
		}
		int changes = sqlite3_total_changes(db);
		j->result = inc_store_intake(s, j->sub, &j->rc, j->err, sizeof j->err);
		if (safe) {
			if (j->result != 0)
				(void)inc_store_rollback_to(s);
			else
				(void)inc_store_release(s);
		} else if (j->result != 0 &&
			   (sqlite3_total_changes(db) != changes || sqlite3_get_autocommit(db))) {
			return false;
		}
	}
	return true;
}

static void write_batch(struct inc_writer *w, struct job *batch)
{
	struct inc_store *s = w->store;
	int r = inc_store_begin(s);
	if (r == 0 && !run_jobs(s, batch, false)) {
		(void)inc_store_rollback(s);
		if ((r = inc_store_begin(s)) == 0)
			(void)run_jobs(s, batch, true);
	}
	if (r != 0)
		for (struct job *j = batch; j; j = j->next)
			j->result = r;
	if (r == 0 && (r = inc_store_commit(s)) != 0) {
		(void)snprintf(batch->err, sizeof batch->err, "commit: %s", inc_store_errmsg(s));
		(void)inc_store_rollback(s);
	}
	pthread_mutex_lock(&w->mu);
	w->stats.commits++;
	for (struct job *j = batch; j; j = j->next) {
		if (r != 0) {
			j->result = INC_E_BUSY;
			if (!j->err[0])
				(void)snprintf(j->err, sizeof j->err, "commit failed");
		}
		if (j->result != 0)
			w->stats.failed++;
		else if (j->rc.duplicate)
			w->stats.duplicates++;
		else {
			w->stats.stored++;
			w->since_index++;
		}
		j->done = true;
	}
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->mu);
}

static void *writer(void *arg)
{
	struct inc_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (!w->head && !w->stop) {
			/* idle: bring the index up to date, then wait for work or the next poll */
			pthread_mutex_unlock(&w->mu);
			index_some(w);
			pthread_mutex_lock(&w->mu);
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += INDEX_POLL_S;
			while (!w->head && !w->stop &&
			       pthread_cond_timedwait(&w->wake, &w->mu, &until) != ETIMEDOUT)
				;
		}
		if (!w->head && w->stop)
			break;
		if (!w->head)
			continue;
		struct job *batch = w->head, *last = batch;
		for (unsigned n = 1; n < WRITER_BATCH && last->next; n++)
			last = last->next;
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);
		write_batch(w, batch);
		pthread_mutex_lock(&w->mu);
		if (w->head && w->since_index >= INDEX_EVERY) {
			/* under constant load: one chunk between group commits */
			pthread_mutex_unlock(&w->mu);
			index_some(w);
			pthread_mutex_lock(&w->mu);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct inc_writer *inc_writer_open(const char *path, const struct inc_config *cfg, char *err,
				   size_t n)
{
	struct inc_writer *w = calloc(1, sizeof *w);
	if (!w) {
		(void)snprintf(err, n, "out of memory");
		return NULL;
	}
	w->store = inc_store_open(path, cfg, err, n);
	if (!w->store) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer, w) != 0) {
		(void)snprintf(err, n, "cannot start the report writer");
		inc_store_close(w->store);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->done);
		free(w);
		return NULL;
	}
	return w;
}

int inc_writer_submit(struct inc_writer *w, const struct inc_submission *sub,
		      struct inc_receipt *ret, char *err, size_t errlen)
{
	struct job j = {.sub = sub};
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		if (err && errlen)
			inc_copy(err, errlen, "stopping");
		return INC_E_BUSY;
	}
	if (w->tail)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	pthread_cond_signal(&w->wake);
	while (!j.done)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
	if (j.result == 0)
		*ret = j.rc;
	if (err && errlen)
		inc_copy(err, errlen, j.err);
	return j.result;
}

void inc_writer_stats(struct inc_writer *w, struct inc_writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}

void inc_writer_close(struct inc_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	inc_store_close(w->store);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	free(w);
}
