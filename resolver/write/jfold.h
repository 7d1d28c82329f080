/*
 * jfold.h - idrd's periodic journal fold: every interval, the retention rule (age, size) gives
 * a bound (fold_bound in jfold.c, where the followers' acknowledged minimum is to be applied)
 * and the fold runs as writer jobs of JRN_FOLD_BATCH entries each, one after the other, so
 * requests are never held behind more than one step (reg.h reg_journal_fold).
 *
 * Runs on one event loop (the daemon's main loop) through a mailbox on it; the fold steps run
 * on the writer thread. Thread-safety: everything from the loop's thread.
 */
#ifndef IDR_RESOLVER_WRITE_JFOLD_H
#define IDR_RESOLVER_WRITE_JFOLD_H

#include <event2/event.h>
#include <stdint.h>

#include "base/err.h"
#include "jrn.h"
#include "reg.h"
#include "write/writer.h"

struct jfold;

struct jfold_opts {
	uint64_t interval_ms;       /* between fold runs; 0 = never fold */
	struct jrn_retention keep;  /* the rule; before = UINT64_MAX */
	uint64_t follower_expire_s; /* a follower silent longer holds nothing back; 0 = never */
};

/** What the folder did so far (tests, logs). */
struct jfold_stats {
	uint64_t runs;   /* runs that found entries due */
	uint64_t steps;  /* fold steps committed */
	uint64_t folded; /* entries folded */
	uint64_t ckpt;   /* checkpoint seq after the last step */
};

/**
 * Create the folder on base (borrowed, as are reg and wr: they must outlive it) and arm its
 * timer. With interval_ms 0 or no retention rule it does nothing.
 * @return IDR_OK, IDR_ENOMEM or the mailbox's error.
 */
int jfold_new(struct jfold **out, struct event_base *base, struct reg *reg, struct writer *wr,
              const struct jfold_opts *o) IDR_MUSTCHECK;

/** Stats so far. */
void jfold_stats(const struct jfold *jf, struct jfold_stats *out);

/**
 * Free (accepts NULL). Call after writer_stop: a step still queued then is answered through
 * the mailbox, which this frees.
 */
void jfold_free(struct jfold *jf);

#endif /* IDR_RESOLVER_WRITE_JFOLD_H */
