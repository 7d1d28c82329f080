/*
 * reg_follow.h - what each follower of this registry's journal (a mirror, the top level's
 * backup of this node) has acknowledged: the highest journal seq it holds durably. Journal
 * retention folds only entries every follower has (reg_follow_min).
 *
 * Stored in `meta` under "follow/" + the follower's identity (1..REG_FOLLOW_NAME_MAX bytes,
 * as authenticated by the journal API, e.g. "300:88.118/MIRROR") -> u64 big-endian seq. Not
 * journaled: acknowledgements are this node's bookkeeping, not registry data (a snapshot
 * carries them along; a follower clears them with reg_follow_clear after bootstrapping).
 *
 * Thread-safety: as the transactions passed in.
 */
#ifndef IDR_REGISTRY_REG_FOLLOW_H
#define IDR_REGISTRY_REG_FOLLOW_H

#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "reg.h"

#define REG_FOLLOW_PREFIX   "follow/"
#define REG_FOLLOW_NAME_MAX 256 /* bytes of a follower identity */

/**
 * Record that follower holds every entry up to seq (the journal request's `from` - 1). An
 * acknowledgement never goes backwards: a lower seq than the one stored is ignored (a
 * follower restarted from an older copy asks again, but retention already relied on more).
 * Bootstrapping from a snapshot is how such a follower catches up.
 * @return IDR_OK, IDR_EINVAL (empty name), IDR_ELIMIT (name too long) or a store error
 *         (w is then abort-only).
 */
int reg_follow_ack(struct reg_wtxn *w, struct slice follower, uint64_t seq) IDR_MUSTCHECK;

/** cb(arg, follower, acknowledged seq) per follower in name order; non-zero stops (returned). */
typedef int (*reg_follow_fn)(void *arg, struct slice follower, uint64_t seq);

/** Visit the followers. @return IDR_OK, cb's value or a store error. */
int reg_follow_list(struct reg_rtxn *t, reg_follow_fn cb, void *arg);

/**
 * The lowest seq acknowledged by any follower: entries up to it are held by all of them.
 * @return IDR_OK, IDR_ENOENT (no follower: nothing constrains retention) or a store error.
 */
int reg_follow_min(struct reg_rtxn *t, uint64_t *out) IDR_MUSTCHECK;

/** Forget every follower (a store copied from a primary). @return IDR_OK or a store error. */
int reg_follow_clear(struct reg_wtxn *w) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_REG_FOLLOW_H */
