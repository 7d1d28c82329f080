/*
 * fstat.h - resolutions per enterprise prefix, counted on the request path for the reports a
 * secondary node sends upward (fed/fup.h).
 *
 * One shard per worker thread: a small open-addressing table (prefix in upper-case form ->
 * count) behind the shard's own mutex, which only the federation thread contends for, once
 * per report period (fstat_take). A prefix that finds its shard full is counted as
 * "overflow" (shown in /metrics), not lost silently. Memory is bounded: FSTAT_SLOTS entries
 * per shard.
 *
 * Thread-safety: fstat_count from the shard's worker; fstat_take from any thread.
 */
#ifndef IDR_RESOLVER_FED_FSTAT_H
#define IDR_RESOLVER_FED_FSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

#define FSTAT_SLOTS 1024 /* distinct prefixes per shard and period */

struct fstat;
struct fstat_shard;

/** Counters for nshards workers. @return IDR_OK, IDR_EINVAL (0 shards) or IDR_ENOMEM. */
int fstat_new(struct fstat **out, unsigned nshards) IDR_MUSTCHECK;

/** Free (NULL accepted). */
void fstat_free(struct fstat *s);

/** Worker i's shard (NULL when s is NULL or i is out of range). */
struct fstat_shard *fstat_shard(struct fstat *s, unsigned i);

/** Count one resolution under prefix (folded here; NULL shard or an empty or over-long
 *  prefix: nothing counted). */
void fstat_count(struct fstat_shard *sh, struct slice prefix);

/** Called by fstat_take for each prefix (upper-case form, borrowed during the call). */
typedef void (*fstat_fn)(void *arg, struct slice prefix, uint64_t n);

/**
 * Hand every count of every shard to cb and reset them (shard by shard, each under its lock:
 * a resolution is counted in exactly one take). A prefix counted by several workers is
 * passed once per shard.
 * @return resolutions counted as overflow since the last take.
 */
uint64_t fstat_take(struct fstat *s, fstat_fn cb, void *arg);

#endif /* IDR_RESOLVER_FED_FSTAT_H */
