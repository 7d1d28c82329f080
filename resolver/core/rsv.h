/*
 * rsv.h - request dispatch: the resolution logic shared by every front end (Handle over UDP
 * and TCP, the HTTP JSON API and proxy pages), with no sockets and no event loop.
 *
 * struct rsv is shared by all workers: the registry, the configuration snapshot (limits, the
 * encoded HS_SITE of this node) and the metrics. struct rsv_worker is per thread: a reusable
 * read transaction and scratch buffers. A request runs in one read transaction (renewed at
 * the start, reset at the end), so answers are consistent snapshots and LMDB reader slots are
 * never held between requests.
 *
 * Response codes follow ref/handle.md §2.4/§6.8: a handle whose prefix this node does not
 * host (or hosts but has not enabled) -> 301 RC_SERVER_NOT_RESP; syntax error -> 102
 * RC_INVALID_HANDLE; absent -> 100; present but no value left after filtering -> 200;
 * unknown opcodes -> 5 RC_OPERATION_NOT_SUPPORTED; malformed -> 4 RC_PROTOCOL_ERROR. Admin
 * operations answer 5 until the write-path milestone. A slash-less handle `X` means `0.NA/X`.
 */
#ifndef IDR_RESOLVER_CORE_RSV_H
#define IDR_RESOLVER_CORE_RSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "core/conf.h"
#include "core/metrics.h"
#include "hdl/hdl.h"
#include "reg.h"

struct rsv;
struct rsv_worker;

enum rsv_proto { RSV_PROTO_UDP = 0, RSV_PROTO_TCP = 1, RSV_PROTO_HTTP = 2, RSV_PROTO_COUNT };

/** Bound ports of the listeners, for HS_SITE interfaces (port 0 in the configuration replaced). */
struct rsv_ports {
	uint16_t udp, tcp, http, https; /* 0 = no such listener */
};

/**
 * Create the dispatcher. Borrows reg and m (they must outlive it); copies what it needs from
 * conf and builds this node's HS_SITE (servers = site_address or the first UDP/TCP listen
 * address; interfaces from the listeners; serial, description, primary flag; public key from
 * server_key). ports may be NULL (the ports of the configured listen addresses are used); m may
 * be NULL (nothing is counted).
 * @return IDR_OK, IDR_ECONFIG (bad site_address / server_key, logged), IDR_ENOMEM.
 */
int rsv_new(struct rsv **out, struct reg *reg, const struct conf *conf,
            const struct rsv_ports *ports, struct metrics *m) IDR_MUSTCHECK;

/** Free the dispatcher and every configuration snapshot (accepts NULL); free the workers first. */
void rsv_free(struct rsv *r);

/**
 * Apply a reloaded configuration (reloadable options only: limits, HS_SITE fields). Workers
 * pick the new snapshot up at their next request. Call from the main thread; safe while workers
 * run. conf is copied. The retired snapshot is freed once every worker has started a request
 * with a newer one (or when its worker is freed).
 * @return IDR_OK, IDR_ECONFIG (bad site_address / server_key, logged) or IDR_ENOMEM; on error
 *         the current snapshot stays.
 */
int rsv_reload(struct rsv *r, const struct conf *conf) IDR_MUSTCHECK;

/** The encoded HS_SITE data of this node (valid until the next reload). */
struct slice rsv_site(struct rsv *r);

/**
 * A worker (one per thread): a read transaction (begun here, reset between requests), scratch
 * space and metrics shard id. Use each worker from one thread at a time. (The in-memory store
 * is single-threaded: with it, create and free workers from one thread.)
 * @return IDR_OK, IDR_EINVAL (id has no metrics shard), IDR_ENOMEM or a reg_read_begin error.
 */
int rsv_worker_new(struct rsv *r, unsigned id, struct rsv_worker **out) IDR_MUSTCHECK;
/** Free a worker (accepts NULL). */
void rsv_worker_free(struct rsv_worker *w);

/**
 * Receipt time (CLOCK_MONOTONIC, nanoseconds) of the requests the front end passes next, e.g.
 * read once per recvmmsg batch: their latency is then measured from it, which includes their
 * wait in the batch, and rsv_handle reads the clock once (at the end) instead of twice. It
 * holds for the following rsv_handle / rsv_handle_msg calls until set again; 0 (the initial
 * value) makes each call measure from its own start. (Extension of the lead's contract.)
 */
void rsv_worker_rx_time(struct rsv_worker *w, uint64_t mono_ns);

/** CLOCK_MONOTONIC in nanoseconds (the clock rsv_worker_rx_time expects). */
uint64_t rsv_mono_ns(void);

/** What a front end should do after rsv_handle. */
enum rsv_action {
	RSV_REPLY = 0, /* send the bytes in out (one envelope+message unit) */
	RSV_DROP = 1,  /* send nothing (unparseable, a response, or error replies rate-limited) */
	RSV_CLOSE = 2  /* send out if not empty, then close the stream (protocol error on TCP) */
};

/**
 * Handle one request unit (envelope + message, reassembled if it came in fragments). The
 * answer (one unit; UDP front ends fragment it with hdl_udp_fragment) is appended to out.
 * @param now  unix seconds (for response expiration) — the caller's cached clock.
 * @return an enum rsv_action.
 */
enum rsv_action rsv_handle(struct rsv_worker *w, const uint8_t *unit, size_t len,
                           enum rsv_proto proto, uint32_t now, struct wbuf *out);

/** Same for an already parsed message (the UDP reassembler's output). */
enum rsv_action rsv_handle_msg(struct rsv_worker *w, const struct hdl_msg *req,
                               enum rsv_proto proto, uint32_t now, struct wbuf *out);

/* ---- shared by the HTTP front end ---- */

/** Index/type/public-only filter (ref/handle.md §3.1): empty lists match every value. */
struct rsv_filter {
	const uint32_t *indexes;
	size_t nindexes;
	const struct slice *types;
	size_t ntypes;
	bool public_only;
};

/**
 * True if v passes the filter (index listed OR type matches; PUBLIC_READ when public_only).
 * This node has no authentication yet: front ends set public_only (the Handle path serves only
 * PUBLIC_READ values whatever the PO flag says, see rsv.c).
 */
bool rsv_filter_match(const struct rsv_filter *f, const struct value *v);

/** Begin a request on this worker's read transaction (renew); pair with rsv_read_end. */
int rsv_read_begin(struct rsv_worker *w, struct reg_rtxn **txn) IDR_MUSTCHECK;
void rsv_read_end(struct rsv_worker *w);

/**
 * Resolve a handle inside rsv_read_begin/end: syntax (102), hosting (301), lookup (100).
 * @param rec  filled on HDL_RC_SUCCESS; borrows the transaction.
 * @return a Handle response code: HDL_RC_SUCCESS, HDL_RC_INVALID_HANDLE,
 *         HDL_RC_SERVER_NOT_RESP, HDL_RC_HANDLE_NOT_FOUND or HDL_RC_ERROR (store failure).
 */
uint32_t rsv_lookup(struct rsv_worker *w, struct slice handle, struct rec_view *rec);

/**
 * Text explaining the code of the last rsv_lookup on this worker: the identifier rule broken
 * (102), "prefix P is not served here" (301), "internal error" (2); "" for 1 and 100. Owned by
 * the worker, valid until its next request. (Extension of the lead's contract.)
 */
const char *rsv_worker_message(struct rsv_worker *w);

/** The worker's metrics shard (for front ends counting connections, drops, HTTP statuses). */
struct metrics_shard *rsv_worker_metrics(struct rsv_worker *w);

/** The current configuration snapshot (valid during one request). */
const struct conf *rsv_worker_conf(struct rsv_worker *w);

#endif /* IDR_RESOLVER_CORE_RSV_H */
