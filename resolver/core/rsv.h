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
 * Requests come with a context (struct rsv_ctx: transport, peer address, the connection). A
 * handler answers at once, or defers: the request becomes a struct rsv_pending that completes
 * later on the same worker's event loop (a write waiting for its durable commit, a query sent
 * upstream), and its answer is handed to the connection's done callback. Closing a connection
 * cancels its pending requests. Pending requests are bounded per worker (max_pending) and per
 * connection (max_pending_per_conn); past either, the answer is 3 RC_SERVER_BUSY.
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
#include "core/mbox.h"
#include "core/metrics.h"
#include "core/shard.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "reg.h"

struct rsv;
struct rsv_worker;
struct writer;
struct sess_table;
struct rsv_conn;
struct rsv_req;
struct rsv_pending;
struct quota;

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
 * space, metrics shard id and, with an event base, a mailbox (mbox.h) on which pending requests
 * complete. Use each worker from one thread at a time. (The in-memory store is
 * single-threaded: with it, create and free workers from one thread.)
 * @param base  the worker thread's event base (borrowed), or NULL: then no request can be
 *              deferred (handlers that would defer answer RC_SERVER_BUSY).
 * @return IDR_OK, IDR_EINVAL (id has no metrics shard), IDR_ENOMEM or a reg_read_begin error.
 */
int rsv_worker_new(struct rsv *r, unsigned id, struct event_base *base,
                   struct rsv_worker **out) IDR_MUSTCHECK;
/**
 * Free a worker (accepts NULL). Free its connections first and stop every producer that
 * could still complete one of its pending requests (the writer thread); pending requests left
 * are dropped unanswered, messages left in its mailbox are released.
 */
void rsv_worker_free(struct rsv_worker *w);

/** The worker's mailbox, NULL without an event base: post completions from other threads. */
struct mbox *rsv_worker_mbox(struct rsv_worker *w);

/** The worker's event base (NULL if none): producers arm their timers on it. */
struct event_base *rsv_worker_base(struct rsv_worker *w);

/** Pending requests of this worker (cancelled ones not yet released included). */
size_t rsv_worker_pending(const struct rsv_worker *w);

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
	RSV_REPLY = 0,  /* send the bytes in out (one envelope+message unit) */
	RSV_DROP = 1,   /* send nothing (unparseable, a response, or error replies rate-limited) */
	RSV_CLOSE = 2,  /* send out if not empty, then close the stream (protocol error on TCP) */
	RSV_PENDING = 3 /* nothing yet: the answer comes through the connection's done callback */
};

/** The answer of a pending request, delivered on the worker's loop. */
struct rsv_done {
	uint64_t tag;            /* rsv_ctx.tag of the request */
	const struct addr *peer; /* its source address (NULL if the front end gave none) */
	enum rsv_action action;  /* RSV_REPLY, RSV_DROP or RSV_CLOSE */
	struct slice answer;     /* one unit, or empty; valid during the call */
	int status;              /* 0: answer is a Handle message; else the HTTP status of a JSON
	                            answer (rsv_pending_finish) */
	const char *location;    /* a Location for that JSON answer (rsv_pending_finish_at), or
	                            NULL; valid during the call */
	const char *ctype;       /* the answer's Content-Type when not JSON (rsv_pending_finish_ct),
	                            or NULL; static storage */
};

typedef void (*rsv_done_fn)(void *arg, const struct rsv_done *d);

/**
 * A connection (or, for UDP, the front end of one worker) as the dispatcher sees it: where the
 * answers of its pending requests go, and the state later issues keep per connection
 * (session, authenticated identity). Freeing it cancels its pending requests: done is never
 * called for them afterwards.
 * @param done  called on the worker's loop with each deferred answer (not for answers returned
 *              by rsv_handle itself).
 * @return IDR_OK or IDR_ENOMEM.
 */
int rsv_conn_new(struct rsv_worker *w, enum rsv_proto proto, rsv_done_fn done, void *arg,
                 struct rsv_conn **out) IDR_MUSTCHECK;
void rsv_conn_free(struct rsv_conn *c);

/** Requests of this connection still pending. */
size_t rsv_conn_pending(const struct rsv_conn *c);

/** Where a request comes from: filled by the front end for each request. */
struct rsv_ctx {
	enum rsv_proto proto;
	const struct addr *peer; /* source address (copied if the request is deferred), or NULL */
	struct rsv_conn *conn;   /* NULL: the request cannot be deferred */
	uint64_t tag;            /* the front end's cookie, handed back in struct rsv_done */
};

/**
 * Handle one request unit (envelope + message, reassembled if it came in fragments). The
 * answer (one unit; UDP front ends fragment it with hdl_udp_fragment) is appended to out.
 * @param now  unix seconds (for response expiration) — the caller's cached clock.
 * @return an enum rsv_action; RSV_PENDING leaves out as it was.
 */
enum rsv_action rsv_handle(struct rsv_worker *w, const struct rsv_ctx *ctx, const uint8_t *unit,
                           size_t len, uint32_t now, struct wbuf *out);

/** Same for an already parsed message (the UDP reassembler's output). */
enum rsv_action rsv_handle_msg(struct rsv_worker *w, const struct rsv_ctx *ctx,
                               const struct hdl_msg *req, uint32_t now, struct wbuf *out);

/* ---- operation handlers ---- */

/**
 * Handler of one operation code. It answers through q (rsv_req_error, or hdl_resp_* into
 * rsv_req_out with rsv_req_opts, then rsv_req_set_rc), or defers q (rsv_req_defer).
 * @return IDR_OK, or an error that turns whatever was written into an RC_ERROR answer.
 */
typedef int (*rsv_op_fn)(void *arg, struct rsv_req *q);

/**
 * Serve opcode with fn (replacing the built-in answer: 5 RC_OPERATION_NOT_SUPPORTED for most).
 * Call before the workers start. @return IDR_OK, IDR_EINVAL (opcode 0) or IDR_ENOMEM.
 */
int rsv_set_op(struct rsv *r, uint32_t opcode, rsv_op_fn fn, void *arg) IDR_MUSTCHECK;

/** The request (slices valid until the handler returns, or the pending request ends). */
const struct hdl_msg *rsv_req_msg(const struct rsv_req *q);
const struct rsv_ctx *rsv_req_ctx(const struct rsv_req *q);
struct rsv_worker *rsv_req_worker(struct rsv_req *q);
/** Where the answer goes and the response options (serial, flags, expiration) to build it. */
struct wbuf *rsv_req_out(struct rsv_req *q);
const struct hdl_resp_opts *rsv_req_opts(const struct rsv_req *q);
/** The response code written into rsv_req_out (for metrics and logs). */
void rsv_req_set_rc(struct rsv_req *q, uint32_t rc);
/** Answer with an error code and a message (UTF-8, may be ""). @return as hdl_resp_error. */
int rsv_req_error(struct rsv_req *q, uint32_t rc, const char *msg) IDR_MUSTCHECK;

/**
 * Called when the connection of a pending request goes away: the producer should stop work it
 * can still stop and release p with rsv_pending_complete (now or later). May be NULL.
 */
typedef void (*rsv_cancel_fn)(void *arg, struct rsv_pending *p);

/**
 * Defer q: copies what the answer needs (message, context, options, receipt time); the handler
 * then returns IDR_OK without answering, and rsv_handle returns RSV_PENDING. From here on the
 * answer is the producer's: whatever completes p (a timer, a message in the worker's mailbox).
 * @return the pending request, or NULL when it cannot be deferred (no connection or event
 *         base, a bound reached: answer RC_SERVER_BUSY; out of memory).
 */
struct rsv_pending *rsv_req_defer(struct rsv_req *q, rsv_cancel_fn cancel, void *arg);

/** Answer q with 3 RC_SERVER_BUSY ("too many requests in progress"). */
int rsv_req_busy(struct rsv_req *q) IDR_MUSTCHECK;

/**
 * Defer a request that is not a Handle message (an HTTP JSON request waiting for the writer):
 * the same bounds and cancellation as rsv_req_defer. Complete it with rsv_pending_finish.
 * @return the pending request, or NULL (no connection or event base, a bound reached, out of
 *         memory): answer busy.
 */
struct rsv_pending *rsv_defer(struct rsv_worker *w, const struct rsv_ctx *ctx, rsv_cancel_fn cancel,
                              void *arg);

/**
 * Finish a request deferred with rsv_defer on its worker's thread: unless it was cancelled,
 * the connection's done callback gets body with d->status = status (an HTTP status; body is
 * the JSON answer). Then p is freed. Call exactly once.
 */
void rsv_pending_finish(struct rsv_pending *p, int status, struct slice body);

/**
 * rsv_pending_finish with a Location header for the answer (e.g. 202 Accepted naming the job
 * that was done); location NULL: none. The transport refuses a value with a line break.
 */
void rsv_pending_finish_at(struct rsv_pending *p, int status, struct slice body,
                           const char *location);

/**
 * rsv_pending_finish with another Content-Type than JSON (e.g. a binary journal copy);
 * ctype must be static storage.
 */
void rsv_pending_finish_ct(struct rsv_pending *p, int status, struct slice body, const char *ctype);

/**
 * rsv_pending_finish with both: a Location (NULL: none; copied) and a Content-Type (NULL:
 * JSON; static storage), e.g. an answer relayed from another server (http/sfwd.h).
 */
void rsv_pending_finish_full(struct rsv_pending *p, int status, struct slice body,
                             const char *location, const char *ctype);

/**
 * Finishes an answer to a request with CT (certify) or ENC (encrypt) set: the unit at
 * out[mark..] (one finished message, CredentialLength 0) gets an HS_SIGNED credential and/or is
 * encrypted with the request's session key. Set before the workers start.
 * @return IDR_OK or an error (the answer then goes out as it is, logged).
 */
typedef int (*rsv_sign_fn)(void *arg, const struct hdl_msg *req, struct wbuf *out, size_t mark);
void rsv_set_signer(struct rsv *r, rsv_sign_fn fn, void *arg);

/**
 * Opens a request encrypted with a session key (hdl_envelope_sealed): the plaintext header +
 * body + credential appended to plain. @return IDR_OK or an error (answered 501).
 */
typedef int (*rsv_open_fn)(void *arg, const struct hdl_envelope *env, struct slice sealed,
                           struct wbuf *plain);
void rsv_set_opener(struct rsv *r, rsv_open_fn fn, void *arg);

/**
 * The identity authenticated on a connection (the IDIS login, op 2001: later admin requests on
 * the channel need no challenge). Copied; NULL clears. @return IDR_OK or IDR_ENOMEM.
 */
int rsv_conn_set_identity(struct rsv_conn *c, const char *identity) IDR_MUSTCHECK;
/** The connection's identity, or NULL (also for c NULL). */
const char *rsv_conn_identity(const struct rsv_conn *c);

/* ---- recursion (fed/rec.h) ---- */

struct frec;

/**
 * Resolves a RESOLUTION request for a prefix this node does not host, when it carries REC: the
 * handler answers (a cached answer) or defers q (rsv_req_defer) like any operation handler.
 * rr borrows the worker's scratch arrays: valid until the handler returns.
 */
typedef int (*rsv_recurse_fn)(struct frec *f, struct rsv_req *q, const struct hdl_res_req *rr);

/**
 * Give the worker its recursive resolver (one per worker, on its event base; borrowed, free it
 * after the worker's connections and before the worker). f NULL: no recursion (301).
 */
void rsv_worker_set_recursion(struct rsv_worker *w, struct frec *f, rsv_recurse_fn fn);

/** The worker's recursive resolver, or NULL (for the HTTP API, which recurses always). */
struct frec *rsv_worker_frec(const struct rsv_worker *w);

/** The request's clock (unix seconds, the caller's cached time). */
uint32_t rsv_req_now(const struct rsv_req *q);

/** The writer thread that applies writes (NULL: this node takes no writes). */
void rsv_set_writer(struct rsv *r, struct writer *wr);
struct writer *rsv_writer(const struct rsv_worker *w);

/**
 * The daily quotas and write rate limits of this node (made by rsv_new from the configuration's
 * quota_* and write_* options, their limits replaced by rsv_reload). Thread-safe.
 */
struct quota *rsv_quota(const struct rsv_worker *w);

#define RSV_HTTP_SESSIONS 65536 /* REST API sessions held at most */

/** The REST API's sessions (core/sess.h), shared by every worker. */
struct sess_table *rsv_http_sessions(const struct rsv_worker *w);

/** The registry (for front ends that authenticate requests in the worker's transaction). */
struct reg *rsv_reg(const struct rsv_worker *w);

/* ---- federation: upward registration, reports (fed/fup.h, fed/frdb.h, fed/fstat.h) ---- */

struct fup;
struct frdb;
struct fstat;

/** The federation objects a node has (each NULL when it has none). */
struct rsv_fed {
	struct fup *up;       /* secondary with a top level: upward registration and reports */
	struct frdb *reports; /* top level: the reports received from the nodes */
	struct fstat *stats;  /* resolutions per prefix, one shard per worker id */
};

/** Set before the workers are created (they take their fstat shard at rsv_worker_new). */
void rsv_set_fed(struct rsv *r, const struct rsv_fed *f);

/** The node's federation objects (never NULL; its members may be). */
const struct rsv_fed *rsv_worker_fed(const struct rsv_worker *w);

/** The deferred request's message (valid until rsv_pending_complete). */
const struct hdl_msg *rsv_pending_msg(const struct rsv_pending *p);

/** True once its connection went away (the answer would be thrown away). */
bool rsv_pending_cancelled(const struct rsv_pending *p);

/**
 * Finish a pending request on its worker's thread: unless it was cancelled, answer(arg, q) is
 * called to build the answer exactly as a handler would (it may not defer again), the answer
 * goes to the connection's done callback, and the request is counted in the metrics with its
 * whole latency. Then p is freed. Call exactly once per rsv_req_defer.
 */
void rsv_pending_complete(struct rsv_pending *p, rsv_op_fn answer, void *arg);

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
 * Resolve a handle inside rsv_read_begin/end: syntax (102), site hash (301 "Request was hashed
 * incorrectly", core/shard.h), hosting (301), lookup (100). On a top level, a handle of a node
 * taken over (fed/takeover.h) that is not held here is looked up in the backup copy of the
 * node (rsv_worker_takeover), in a read transaction that rsv_read_end ends. The prefix
 * record 0.NA/P of a prefix P hosted here that names no site (no HS_SITE* or HS_SERV* value)
 * is served with this node's published HS_SITE appended (index 1, or one past the highest;
 * public; timestamp: the request's time), as stock clients need it after a prefix
 * referral: every reader (Handle, REST API, national API, pages) gets the same values.
 * @param rec  filled on HDL_RC_SUCCESS; borrows the transaction, or (a prefix record with the
 *             site added) the worker, until its next rsv_lookup.
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

/** True if the last rsv_lookup on this worker answered 301 because the handle belongs to
 *  another server of this site (site_servers). */
bool rsv_worker_misrouted(const struct rsv_worker *w);

/**
 * True if the last rsv_lookup on this worker was answered from the top level's backup copy of
 * a node taken over (fed/takeover.h): its answer is final, no referral is added.
 */
bool rsv_worker_takeover(const struct rsv_worker *w);

/**
 * Top-level role: true if handle belongs to a node taken over (fed/takeover.h), whose name is
 * then written to node (cap bytes). Writes for it are refused (RC 7 SERVER_BACKUP, HTTP 503):
 * the top level serves the node's records read-only. Opens its own read transaction: call
 * outside rsv_read_begin/end.
 */
bool rsv_takeover_of(struct rsv_worker *w, struct slice handle, char *node, size_t cap);

/* Retry-After (seconds) of an HTTP 503 refusing a write for a node taken over: a takeover
 * lasts until an operator releases it, so clients come back in minutes, not at once. */
#define RSV_TAKEOVER_RETRY_AFTER "300"

/**
 * The refusal of a write for node (taken over, rsv_takeover_of) into buf: "node N is taken
 * over by the top level: its records are read-only until it is released". The same words on
 * every path (Handle RC 7, HTTP 503 on the REST, national and EPCIS APIs).
 */
void rsv_takeover_message(const char *node, char *buf, size_t cap);

/** This server's site (site_servers, core/shard.h) as of the current configuration; valid
 *  during the request. Writes check shard_mine before they are submitted. */
const struct shard *rsv_worker_shard(struct rsv_worker *w);

/** The worker's metrics shard (for front ends counting connections, drops, HTTP statuses). */
struct metrics_shard *rsv_worker_metrics(struct rsv_worker *w);

/** The current configuration snapshot (valid during one request). */
const struct conf *rsv_worker_conf(struct rsv_worker *w);

/** One page of a listing of the records directly under a prefix (not its sub-prefixes). */
struct rsv_list_req {
	struct slice prefix; /* "P" or "0.NA/P" */
	uint64_t page;       /* 0-based: page * size records are skipped (unless after is set) */
	uint64_t size;       /* records per page; 0: the count only */
	struct slice after;  /* resume after this handle (a previous page's next); empty: none */
};

struct rsv_list_info {
	uint64_t total;    /* records under the prefix */
	struct slice next; /* the last handle of the page when more follow (pass it as after),
	                      else empty; valid until the worker's next request */
};

/** Called with the registered spelling of each handle of the page, in key order. */
typedef int (*rsv_list_fn)(void *arg, struct slice handle);

/**
 * A page of a listing, in one read transaction, under the same hosting rule as a resolution:
 * a prefix that is not one -> 102, not hosted or not enabled -> 301 "prefix P is not served
 * here" (the message from rsv_worker_message, the same on every transport). The cost does not
 * grow with the depth of the page when the client pages with `after` or in order (the end of
 * each page served is remembered, by the registry's change number, so page n + 1 starts from
 * there); a first jump to page n walks n * size keys without reading their records.
 * @return a Handle response code: HDL_RC_SUCCESS, HDL_RC_INVALID_HANDLE,
 *         HDL_RC_SERVER_NOT_RESP or HDL_RC_ERROR (store failure; or cb's non-zero return).
 */
uint32_t rsv_list(struct rsv_worker *w, const struct rsv_list_req *lr, rsv_list_fn cb, void *arg,
                  struct rsv_list_info *info);

/** Store readable (a read transaction renews): IDR_OK, else the store's error. */
int rsv_health(struct rsv_worker *w) IDR_MUSTCHECK;

/** The metrics page (Prometheus text), with the store's figures. @return the wbuf's error. */
int rsv_metrics_page(struct rsv_worker *w, struct wbuf *out) IDR_MUSTCHECK;

/** Open connections gauge of a front end (thread-safe). */
void rsv_conn_gauge(struct rsv_worker *w, enum rsv_proto proto, bool tls, int delta);

#endif /* IDR_RESOLVER_CORE_RSV_H */
