/*
 * rec.h - recursive resolution on a secondary node (ref/handle.md §6): a handle whose prefix
 * this node does not host is resolved through the top level and the server it points to.
 *
 * For P/S: the prefix record 0.NA/P is asked of the top level (`toplevel` in the
 * configuration); its HS_SITE values (HS_SITE.PREFIX in a 303 prefix referral) name the site,
 * HS_SERV values a handle whose HS_SITE values do (followed like a 302 service referral). A
 * top level that answers 100 or 301 for a derived prefix is asked for its parent (88.200.3 ->
 * 88.200), so a plain node holding 0.NA/88.200 can serve as top level. Within the site the
 * server is chosen by the Handle hash rule (the site's hash option, hdl_server_hash), and the
 * handle is asked of it (UDP, then TCP: fed/upq.h). 302 referrals from it are followed too.
 * Referrals are bounded (recursion_max_referrals), the whole resolution by
 * recursion_timeout_ms. With several `toplevel` addresses, the one that answered last is asked
 * first and the others in configuration order when it fails (each try gets an equal share of
 * the time left).
 *
 * Caching: answers per handle for the smallest TTL of their values (capped by
 * recursion_ttl_max), 100/200 answers for recursion_negative_ttl, prefix records likewise;
 * when upstream cannot be reached, an expired answer still in its stale window is served
 * (logged once per outage, counted as cache_stale). Concurrent lookups of one handle on a
 * worker share one upstream resolution. Upstream queries are public-only (PO), without REC.
 *
 * One struct frec per worker, on the worker's event base, with its own cache: no locks on the
 * request path, and coalescing needs no cross-thread hand-off (the waiters are the worker's
 * own pending requests). The price is that each worker resolves and caches a handle once.
 * Not thread-safe: use it from the worker's thread only.
 *
 * A sharded site (core/shard.h): a handle that belongs to another server of this server's own
 * site is asked of that server directly (no top level, no cache: the answer is as fresh as the
 * server holding it, so a write is seen at once through any server); the HTTP API of every
 * server thus answers for the whole site behind a load balancer. Without a top level such a
 * resolver only does that; any other foreign handle is answered 301.
 */
#ifndef IDR_RESOLVER_FED_REC_H
#define IDR_RESOLVER_FED_REC_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "core/shard.h"
#include "fed/upq.h"
#include "hdl/addr.h"
#include "model/value.h"

#define FREC_MAX_TOPLEVEL 8

struct frec;
struct frec_wait;

struct frec_opts {
	struct addr toplevel[FREC_MAX_TOPLEVEL];
	size_t ntop;
	unsigned timeout_ms;
	unsigned max_referrals;
	size_t cache_max;
	size_t cache_bytes;
	uint32_t ttl_max;
	uint32_t negative_ttl;
	uint32_t stale_max;
	struct metrics_shard *ms; /* may be NULL */
	struct shard site;        /* this server's site (site_servers): see below */
};

/**
 * Options from the configuration (toplevel, recursion_* and the site_* options).
 * @return IDR_OK, IDR_ENOENT (no toplevel and a site of one server: recursion off) or
 *         IDR_ECONFIG (bad address).
 */
int frec_opts_from_conf(struct frec_opts *o, const struct conf *c) IDR_MUSTCHECK;

/** The outcome of a resolution. body borrows the resolver: valid during the call only. */
struct frec_answer {
	uint32_t rc;       /* 1, or the error code to answer (100, 200, 2 upstream failure ...) */
	struct slice body; /* rc 1: the RESOLUTION body (handle + count + clumps) */
	const char *msg;   /* error text ("" for 100) */
	bool stale;        /* served past its TTL because upstream was unreachable */
};

typedef void (*frec_done_fn)(void *arg, const struct frec_answer *a);

/** Create a resolver on base (borrowed).
 *  @return IDR_OK, IDR_EINVAL (no toplevel and a site of one server), IDR_ENOMEM. */
int frec_new(struct frec **out, struct event_base *base, const struct frec_opts *o) IDR_MUSTCHECK;

/** Free the resolver: lookups in progress are dropped, their done never called. NULL ok. */
void frec_free(struct frec *f);

/**
 * A fresh cached answer for handle at now (counted as a cache hit).
 * @return IDR_OK (out filled, body valid until the next frec call) or IDR_ENOENT.
 */
int frec_cached(struct frec *f, struct slice handle, uint32_t now, struct frec_answer *out);

/**
 * Resolve handle upstream (joining a resolution of the same handle in progress). done is
 * called exactly once from the event loop, never from inside this call, unless the wait is
 * cancelled first.
 * @return IDR_OK (*out until done or frec_wait_cancel), IDR_EINVAL (handle longer than 2048
 *         bytes or empty) or IDR_ENOMEM.
 */
int frec_start(struct frec *f, struct slice handle, frec_done_fn done, void *arg,
               struct frec_wait **out) IDR_MUSTCHECK;

/** Stop waiting (done is not called); the resolution goes on for other waiters. NULL ok. */
void frec_wait_cancel(struct frec_wait *w);

/** The Handle path's recursion handler (rsv_recurse_fn): cached answer or deferred request. */
int frec_handle_req(struct frec *f, struct rsv_req *q, const struct hdl_res_req *rr);

/**
 * Where to send a query for handle within a site: the server chosen by the site's hash
 * option (hdl_server_hash over the list order) and its UDP/TCP query interfaces.
 * @return IDR_OK, IDR_ENOENT (no server, or it has no UDP/TCP query interface) or the
 *         hdl_server_hash error.
 */
int frec_site_target(const struct value_site *s, struct slice handle, struct upq_target *out);

/**
 * Seconds to cache a RESOLUTION body: the smallest TTL of its values at now (relative TTLs
 * as given, absolute ones minus now, negative as 0), at most ttl_max.
 */
uint32_t frec_body_ttl(struct slice body, uint32_t now, uint32_t ttl_max);

#endif /* IDR_RESOLVER_FED_REC_H */
