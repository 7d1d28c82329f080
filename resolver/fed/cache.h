/*
 * cache.h - the recursive resolver's answer cache: a bounded hash table with LRU eviction,
 * time-to-live and a serve-stale window. Sans-I/O: the caller passes the clock (unix seconds).
 *
 * An entry maps a key (the folded handle, e.g. "88.200.3/X" or "0.NA/88.200") to a response
 * code and bytes (for rc 1, the RESOLUTION body: handle + count + clumps). It is fresh until
 * put time + ttl, then stale for stale_max more seconds (fcache_get says so: serve it only
 * when upstream cannot be reached), then gone. The table holds at most max_entries entries
 * and max_bytes bytes of keys and data; past either, the least recently used entries go.
 *
 * One cache per worker thread: not thread-safe, no locks (see fed/rec.h for why per worker).
 * Entries are copied in; views returned by fcache_get borrow the entry until the next call
 * that changes the cache (fcache_put, fcache_get of another key may evict nothing, but a put
 * may).
 */
#ifndef IDR_RESOLVER_FED_CACHE_H
#define IDR_RESOLVER_FED_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

#define FCACHE_KEY_MAX 2048 /* longest key, bytes */

struct fcache;

struct fcache_opts {
	size_t max_entries; /* >= 1 */
	size_t max_bytes;   /* keys + data of all entries */
	uint32_t stale_max; /* seconds past expiry an entry is kept for serve-stale */
};

enum fcache_state {
	FCACHE_MISS = 0, /* no entry (or past its stale window: then removed) */
	FCACHE_FRESH,    /* within its TTL */
	FCACHE_STALE     /* expired, within the stale window */
};

/** An entry as fcache_get finds it; data borrows the cache (see the top comment). */
struct fcache_view {
	uint32_t rc;
	struct slice data;
	uint32_t expires; /* unix seconds */
};

/** Create a cache. @return IDR_OK, IDR_EINVAL (max_entries 0) or IDR_ENOMEM. */
int fcache_new(struct fcache **out, const struct fcache_opts *o) IDR_MUSTCHECK;

/** Free the cache and its entries (accepts NULL). */
void fcache_free(struct fcache *c);

/**
 * Look key up at time now. A fresh or stale entry becomes the most recently used; an entry
 * past its stale window is removed. @return the entry's state; out is filled unless MISS.
 */
enum fcache_state fcache_get(struct fcache *c, struct slice key, uint32_t now,
                             struct fcache_view *out);

/**
 * Store (or replace) key -> (rc, data) fresh for ttl seconds from now; ttl 0 removes the key.
 * Evicts least recently used entries until the bounds hold.
 * @return IDR_OK, IDR_ELIMIT (key over FCACHE_KEY_MAX, or the entry alone is over max_bytes:
 *         nothing stored, an older entry for key removed) or IDR_ENOMEM.
 */
int fcache_put(struct fcache *c, struct slice key, uint32_t rc, struct slice data, uint32_t ttl,
               uint32_t now) IDR_MUSTCHECK;

/** Entries held. */
size_t fcache_count(const struct fcache *c);

/** Bytes of keys and data held. */
size_t fcache_bytes(const struct fcache *c);

#endif /* IDR_RESOLVER_FED_CACHE_H */
