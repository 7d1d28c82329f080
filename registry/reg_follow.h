/*
 * reg_follow.h - what each follower of this registry's journal (a mirror, the top level's
 * backup of this node) has acknowledged: the highest journal seq it holds durably, and when it
 * last acknowledged. Journal retention folds only entries every live follower has
 * (reg_follow_min); a follower silent for longer than the expiry (idrd's
 * journal_follower_expire) no longer holds retention back: once its entries are folded, it
 * gets 410 and starts again from a snapshot (fed/mirror.h).
 *
 * Stored in `meta` under "follow/" + the follower's identity (1..REG_FOLLOW_NAME_MAX bytes,
 * as authenticated by the journal API, e.g. "300:88.118/MIRROR") -> u64 big-endian seq, u64
 * big-endian unix seconds of the last acknowledgement (an 8-byte value, written before the
 * time was kept, reads as time 0: expired under any expiry). Not journaled: acknowledgements
 * are this node's bookkeeping, not registry data (a snapshot carries them along; a follower
 * clears them with reg_follow_clear after bootstrapping); reg_follow_forget is bookkeeping too
 * and is not journaled either.
 *
 * Thread-safety: as the transactions passed in.
 */
#ifndef IDR_REGISTRY_REG_FOLLOW_H
#define IDR_REGISTRY_REG_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "reg.h"

#define REG_FOLLOW_PREFIX   "follow/"
#define REG_FOLLOW_NAME_MAX 256 /* bytes of a follower identity */

/** One follower's acknowledgement. */
struct reg_follow_info {
	uint64_t seq;   /* every entry up to it is held by the follower */
	uint64_t ack_s; /* unix seconds of the last acknowledgement (0: unknown) */
};

/**
 * Record that follower holds every entry up to seq (the journal request's `from` - 1) as of
 * now_s (unix seconds). The seq never goes backwards: a lower seq than the one stored keeps
 * the stored one (a follower restarted from an older copy asks again, but retention already
 * relied on more) while the time is still refreshed (the follower is alive). Bootstrapping
 * from a snapshot is how such a follower catches up.
 * @return IDR_OK, IDR_EINVAL (empty name), IDR_ELIMIT (name too long) or a store error
 *         (w is then abort-only).
 */
int reg_follow_ack(struct reg_wtxn *w, struct slice follower, uint64_t seq,
                   uint64_t now_s) IDR_MUSTCHECK;

/**
 * cb(arg, follower, its acknowledgement) per follower in name order; non-zero stops
 * (returned). follower and fi are valid during the call only.
 */
typedef int (*reg_follow_fn)(void *arg, struct slice follower, const struct reg_follow_info *fi);

/** Visit the followers. @return IDR_OK, cb's value or a store error. */
int reg_follow_list(struct reg_rtxn *t, reg_follow_fn cb, void *arg);

/**
 * Whether fi's last acknowledgement is older than expire_s seconds at now_s (expire_s 0:
 * never). An acknowledgement "from the future" (clock stepped back) is not expired.
 */
bool reg_follow_expired(const struct reg_follow_info *fi, uint64_t now_s, uint64_t expire_s);

/**
 * The lowest seq acknowledged by any follower not expired at now_s (reg_follow_expired with
 * expire_s): entries up to it are held by all of them.
 * @return IDR_OK, IDR_ENOENT (no live follower: nothing constrains retention) or a store
 *         error.
 */
int reg_follow_min(struct reg_rtxn *t, uint64_t now_s, uint64_t expire_s,
                   uint64_t *out) IDR_MUSTCHECK;

/**
 * Forget one follower (`idr journal forget`): it no longer holds retention back; if it asks
 * again later it is recorded again from its next acknowledgement.
 * @return IDR_OK, IDR_ENOENT (no such follower; w stays usable), IDR_EINVAL, IDR_ELIMIT or a
 *         store error (w is then abort-only).
 */
int reg_follow_forget(struct reg_wtxn *w, struct slice follower) IDR_MUSTCHECK;

/** Forget every follower (a store copied from a primary). @return IDR_OK or a store error. */
int reg_follow_clear(struct reg_wtxn *w) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_REG_FOLLOW_H */
