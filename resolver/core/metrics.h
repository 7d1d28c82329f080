/*
 * metrics.h - counters for /metrics (Prometheus text format 0.0.4).
 *
 * One struct metrics per daemon with one shard per worker thread, so the request path only
 * touches its own cache lines (plain increments on the owning thread, relaxed atomic loads by
 * the renderer). Gauges shared by threads (open connections) use atomics.
 * Counted: requests by protocol, opcode and response code; HTTP answers by status class and
 * route; request latency histogram (server time, log2 buckets from 1 us to ~4 s); dropped
 * requests and UDP answers by reason; open connections by protocol; store size (passed at render
 * time).
 */
#ifndef IDR_RESOLVER_CORE_METRICS_H
#define IDR_RESOLVER_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/wbuf.h"
#include "core/quota.h"
#include "reg.h"

#define METRICS_LAT_BUCKETS 23 /* le 1us, 2us, 4us, ... 2^22 us (~4.2 s), +Inf */

enum metrics_proto {
	METRICS_UDP = 0,
	METRICS_TCP = 1,
	METRICS_HTTP = 2,
	METRICS_HTTPS = 3,
	METRICS_PROTO_COUNT
};

enum metrics_drop {
	METRICS_DROP_MALFORMED = 0, /* failed triage or parsing */
	METRICS_DROP_RATELIMIT,     /* error answer suppressed by error_rate */
	METRICS_DROP_REASM,         /* reassembly timed out or over memory */
	METRICS_DROP_CONNLIMIT,     /* connection refused by a cap */
	METRICS_DROP_BUDGET,        /* UDP answer over its source's budget (udp_source_rate) */
	METRICS_DROP_TOOBIG,        /* UDP answer larger than udp_answer_max (TCP serves it) */
	METRICS_DROP_COUNT
};

/* recursive resolution (fed/rec.h) */
enum metrics_fed {
	METRICS_FED_UPSTREAM_UDP = 0, /* queries sent upstream over UDP */
	METRICS_FED_UPSTREAM_TCP,     /* queries sent upstream over TCP (fallback or large) */
	METRICS_FED_UPSTREAM_ERROR,   /* upstream queries that failed (time-out, refused, bad) */
	METRICS_FED_CACHE_HIT,        /* answered from the cache, fresh */
	METRICS_FED_CACHE_MISS,       /* not cached (or expired): resolved upstream */
	METRICS_FED_CACHE_STALE,      /* upstream unreachable: an expired answer was served */
	METRICS_FED_COALESCED,        /* joined a resolution already in progress */
	METRICS_FED_COUNT
};

struct metrics;
struct metrics_shard;

#define METRICS_MAX_ROUTES 64

/**
 * Counters for nshards worker threads. routes: the labels of the HTTP routes (the route
 * table's, borrowed: static storage); an HTTP request counted under another label goes to
 * "other". @return IDR_OK, IDR_EINVAL or IDR_ENOMEM.
 */
int metrics_new(struct metrics **out, unsigned nshards, const char *const *routes,
                size_t nroutes) IDR_MUSTCHECK;
void metrics_free(struct metrics *m);
struct metrics_shard *metrics_shard(struct metrics *m, unsigned i);

/** A Handle-protocol request answered (rc = the response code sent) in latency_ns. */
void metrics_request(struct metrics_shard *s, enum metrics_proto p, uint32_t opcode, uint32_t rc,
                     uint64_t latency_ns);

/**
 * An HTTP request answered with status on a route (one of the labels given to metrics_new);
 * any other route, or NULL, is counted as "other". Statuses
 * outside a fixed list of common ones are counted by class ("4xx").
 */
void metrics_http(struct metrics_shard *s, enum metrics_proto p, const char *route, int status,
                  uint64_t latency_ns);

void metrics_drop(struct metrics_shard *s, enum metrics_drop why);

/** Count one recursion event on the owning thread's shard (s may be NULL). */
void metrics_fed(struct metrics_shard *s, enum metrics_fed what);

/** Connection gauge (thread-safe). */
void metrics_conn(struct metrics *m, enum metrics_proto p, int delta);

/**
 * Render every metric in Prometheus text format, summing the shards.
 * @param info  store figures to export (may be NULL).
 */
void metrics_render(struct metrics *m, const struct reg_store_info *info, struct wbuf *out);

/**
 * Render the quota figures (core/quota.h): idr_quota_used{prefix,kind} and
 * idr_quota_limit{prefix,kind} of the prefixes counted today (the day as of now, unix
 * seconds), idr_quota_refused_total{reason} and idr_quota_untracked_total. q may be NULL
 * (nothing rendered).
 */
void metrics_render_quota(struct quota *q, uint64_t now, struct wbuf *out);

#endif /* IDR_RESOLVER_CORE_METRICS_H */
