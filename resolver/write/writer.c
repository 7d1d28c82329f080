/*
 * writer.c - the writer thread (writer.h).
 *
 * Queue: a singly linked FIFO under one mutex; the thread sleeps on a condition variable while
 * it is empty. Each round takes up to batch_max jobs, applies them in one transaction, commits,
 * and posts each job to its mailbox (the job's own struct mbox_msg: posting cannot fail).
 */
#include "write/writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

struct writer {
	struct reg *reg;
	size_t queue_max;
	size_t batch_max;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t wake;
	struct writer_job *head, **tail;
	size_t queued;
	bool stopping;
	struct writer_stats stats;
};

static void
job_post(struct mbox_msg *m, bool run)
{
	struct writer_job *j = (struct writer_job *)((char *)m - offsetof(struct writer_job, msg));

	j->done(j->arg, j->rc, run);
}

/* Take up to batch_max jobs; waits while there are none. NULL once stopped and drained. */
static struct writer_job *
take(struct writer *wr)
{
	struct writer_job *first, *last = NULL, *j;
	size_t n = 0;

	pthread_mutex_lock(&wr->lock);
	while (wr->head == NULL && !wr->stopping) {
		pthread_cond_wait(&wr->wake, &wr->lock);
	}
	first = wr->head;
	for (j = first; j != NULL && n < wr->batch_max; j = j->next) {
		last = j;
		n++;
	}
	if (last != NULL) {
		wr->head = last->next;
		last->next = NULL;
	}
	if (wr->head == NULL) {
		wr->tail = &wr->head;
	}
	wr->queued -= n;
	if (n > wr->stats.max_batch) {
		wr->stats.max_batch = n;
	}
	pthread_mutex_unlock(&wr->lock);
	return first;
}

/* Apply a batch in one transaction and commit it. Sets every job's rc; returns the batch's. */
static int
apply_batch(struct writer *wr, struct writer_job *batch)
{
	struct reg_wtxn *t = NULL;
	struct writer_job *j;
	int rc, spoiled = IDR_OK;

	rc = reg_write_begin(wr->reg, NULL, &t);
	for (j = batch; j != NULL; j = j->next) {
		if (rc != IDR_OK) {
			j->rc = rc;
			continue;
		}
		j->rc = spoiled != IDR_OK ? spoiled : reg_write_identity(t, j->identity);
		if (j->rc == IDR_OK) {
			j->rc = j->apply(j->arg, t);
		}
		/* a store failure leaves the transaction abort-only (reg.h): the batch is lost */
		if (spoiled == IDR_OK) {
			spoiled = reg_write_status(t);
		}
	}
	if (rc == IDR_OK) {
		rc = spoiled == IDR_OK ? reg_write_commit(t) : spoiled;
		if (spoiled != IDR_OK) {
			reg_write_abort(t);
		}
	}
	for (j = batch; j != NULL && rc != IDR_OK; j = j->next) {
		j->rc = rc; /* nothing of this batch is on disk */
	}
	pthread_mutex_lock(&wr->lock);
	wr->stats.commits += rc == IDR_OK;
	wr->stats.failed += rc != IDR_OK;
	pthread_mutex_unlock(&wr->lock);
	return rc;
}

/*
 * A full map may only be ours: another process (`idr import --map-size`) can have recorded a
 * larger one. Then adopt it and apply the batch again, once.
 */
static void
apply_batch_grow(struct writer *wr, struct writer_job *batch)
{
	bool grown = false;
	int rc = apply_batch(wr, batch);

	if (rc == IDR_ENOSPC && reg_map_adopt(wr->reg, &grown) == IDR_OK && grown) {
		log_notice("writer: the map was grown by another process: writing the batch again");
		rc = apply_batch(wr, batch);
	}
	if (rc != IDR_OK) {
		log_err("writer: a batch of writes failed: %s", reg_write_strerror(rc));
	}
}

static void *
writer_main(void *arg)
{
	struct writer *wr = arg;
	struct writer_job *batch;

	while ((batch = take(wr)) != NULL) {
		size_t n = 0;

		apply_batch_grow(wr, batch);
		while (batch != NULL) {
			struct writer_job *next = batch->next;

			batch->next = NULL;
			batch->msg.fn = job_post;
			mbox_post(batch->reply_to, &batch->msg);
			batch = next;
			n++;
		}
		pthread_mutex_lock(&wr->lock);
		wr->stats.jobs += n;
		pthread_mutex_unlock(&wr->lock);
	}
	return NULL;
}

int
writer_new(struct writer **out, struct reg *reg, const struct writer_opts *o)
{
	struct writer *wr;

	*out = NULL;
	if (o->queue_max == 0) {
		return IDR_EINVAL;
	}
	if (reg_read_only(reg)) {
		return IDR_EACCES;
	}
	wr = calloc(1, sizeof(*wr));
	if (wr == NULL) {
		return IDR_ENOMEM;
	}
	wr->reg = reg;
	wr->queue_max = o->queue_max;
	wr->batch_max = o->batch_max != 0 ? o->batch_max : WRITER_BATCH_MAX;
	wr->tail = &wr->head;
	if (pthread_mutex_init(&wr->lock, NULL) != 0) {
		free(wr);
		return IDR_ENOMEM;
	}
	if (pthread_cond_init(&wr->wake, NULL) != 0) {
		pthread_mutex_destroy(&wr->lock);
		free(wr);
		return IDR_ENOMEM;
	}
	*out = wr;
	return IDR_OK;
}

int
writer_start(struct writer *wr)
{
	int e = pthread_create(&wr->thread, NULL, writer_main, wr);

	if (e != 0) {
		log_err("writer: cannot start thread: %s", strerror(e));
		return -e;
	}
	wr->started = true;
	return IDR_OK;
}

int
writer_submit(struct writer *wr, struct writer_job *job)
{
	int rc = IDR_OK;

	job->next = NULL;
	job->rc = IDR_OK;
	pthread_mutex_lock(&wr->lock);
	if (!wr->started || wr->stopping) {
		rc = IDR_ESTATE;
	} else if (wr->queued >= wr->queue_max) {
		rc = IDR_EAGAIN;
	} else {
		*wr->tail = job;
		wr->tail = &job->next;
		wr->queued++;
		pthread_cond_signal(&wr->wake);
	}
	pthread_mutex_unlock(&wr->lock);
	return rc;
}

void
writer_stop(struct writer *wr)
{
	if (wr == NULL) {
		return;
	}
	pthread_mutex_lock(&wr->lock);
	wr->stopping = true;
	pthread_cond_signal(&wr->wake);
	pthread_mutex_unlock(&wr->lock);
	if (wr->started) {
		pthread_join(wr->thread, NULL);
		wr->started = false;
	}
}

void
writer_free(struct writer *wr)
{
	if (wr == NULL) {
		return;
	}
	writer_stop(wr);
	pthread_cond_destroy(&wr->wake);
	pthread_mutex_destroy(&wr->lock);
	free(wr);
}

void
writer_stats(struct writer *wr, struct writer_stats *out)
{
	pthread_mutex_lock(&wr->lock);
	*out = wr->stats;
	out->queued = wr->queued;
	pthread_mutex_unlock(&wr->lock);
}
