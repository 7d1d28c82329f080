/*
 * writer.h - the one writer of idrd: a thread that owns the only write handle of the store and
 * applies the work the workers queue for it.
 *
 * Workers never write. They submit a struct writer_job (what to apply inside a write
 * transaction, whom to tell, through which mailbox); the writer thread takes the jobs queued
 * so far (at most batch_max), applies them one after the other in ONE write transaction and
 * commits it. Only when the commit is durable does each job's done callback run, on the loop
 * of the mailbox it named: a request is acknowledged after its data is on disk, and a crash
 * before that loses nothing acknowledged. Group commit follows from the batching: under load
 * many jobs share one fsync.
 *
 * A job whose apply fails on a rule of the registry changed nothing (reg.h) and does not spoil
 * the batch: it gets its own error and the others commit. A store failure (map full, I/O)
 * spoils the transaction: every job of the batch then gets that error and nothing is written.
 *
 * The write transaction is held only while a batch is applied, never while idle, so the `idr`
 * command-line tool can write to the same data directory while idrd runs (LMDB's writer lock
 * serialises the two processes).
 *
 * Thread-safety: writer_submit from any thread; the rest from the thread that made the writer.
 */
#ifndef IDR_RESOLVER_WRITE_WRITER_H
#define IDR_RESOLVER_WRITE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/mbox.h"
#include "reg.h"

#define WRITER_BATCH_MAX 1024 /* jobs in one transaction, by default */

struct writer;

/**
 * A unit of work. The submitter fills apply, done, arg, identity and reply_to and keeps the
 * job alive until done ran (or its mailbox released the message: see mbox.h).
 */
struct writer_job {
	/** On the writer thread, inside the batch's write transaction. @return IDR_OK or an
	 *  error (a rule violation must leave t usable, as every reg.h operation does). */
	int (*apply)(void *arg, struct reg_wtxn *t);
	/** On the loop of reply_to once the batch committed (rc = apply's result) or failed (rc
	 *  = the store's error). With ran = false the mailbox was freed first: release only. */
	void (*done)(void *arg, int rc, bool ran);
	void *arg;
	const char *identity; /* recorded in the journal; NULL = REG_IDENTITY_LOCAL */
	struct mbox *reply_to;

	/* the writer's */
	int rc;
	struct writer_job *next;
	struct mbox_msg msg;
};

struct writer_opts {
	size_t queue_max; /* jobs waiting at most; past it writer_submit says IDR_EAGAIN */
	size_t batch_max; /* jobs per transaction; 0 = WRITER_BATCH_MAX */
};

/** What the writer did so far (for /metrics and tests). */
struct writer_stats {
	uint64_t commits; /* transactions committed */
	uint64_t jobs;    /* jobs done (any outcome) */
	uint64_t failed;  /* batches lost to a store failure */
	size_t queued;    /* jobs waiting now */
	size_t max_batch; /* largest batch so far */
};

/**
 * Create the writer over reg (borrowed; it must outlive the writer). No thread yet.
 * @return IDR_OK, IDR_EINVAL (queue_max 0), IDR_EACCES (reg opened read-only) or IDR_ENOMEM.
 */
int writer_new(struct writer **out, struct reg *reg, const struct writer_opts *o) IDR_MUSTCHECK;

/** Start the thread. @return IDR_OK or the pthread error (negated). */
int writer_start(struct writer *wr) IDR_MUSTCHECK;

/**
 * Queue a job (from any thread).
 * @return IDR_OK; IDR_EAGAIN (queue full: answer busy); IDR_ESTATE (not started or stopping).
 */
int writer_submit(struct writer *wr, struct writer_job *job) IDR_MUSTCHECK;

/**
 * Stop accepting jobs, apply and commit those queued, post their answers, end the thread.
 * Idempotent; a writer never started just refuses further jobs. Accepts NULL.
 */
void writer_stop(struct writer *wr);

/** Stop (if still running) and free. Accepts NULL. */
void writer_free(struct writer *wr);

/** A consistent copy of the counters (any thread). */
void writer_stats(struct writer *wr, struct writer_stats *out);

#endif /* IDR_RESOLVER_WRITE_WRITER_H */
