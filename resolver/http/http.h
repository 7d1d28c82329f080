/*
 * http.h - the HTTP(S) front end on libevent's evhttp (ref/handle.md §7, DESIGN.md §5):
 *   GET /api/handles/{handle}     index=, type= (repeatable), publicOnly, pretty, callback
 *   GET /api/handles?prefix=P     page=, pageSize= (pageSize=0: count only)
 *   GET /{handle}                 302 to the first URL value; ?noredirect or no URL: an HTML
 *                                 page of the record (mobile-friendly, every value escaped)
 *   GET /healthz, GET /metrics    (Prometheus text format)
 * JSON shapes and the mapping of Handle response codes to HTTP statuses exactly per §7/§2.4.
 *
 * One struct http_worker per worker thread and listening socket: it serves connections
 * accepted on that socket within the worker's event base, answering from the worker's
 * struct rsv_worker (one read transaction per request). With a struct tls_ctx every
 * connection is wrapped in TLS (bufferevent_openssl). Caps from the configuration: header and
 * body sizes, idle time-out, connections in total and per client address.
 *
 * Thread-safety: a worker is used only by the thread running its event base; the JSON
 * helpers below are pure and thread-safe.
 */
#ifndef IDR_RESOLVER_HTTP_HTTP_H
#define IDR_RESOLVER_HTTP_HTTP_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "model/vjson.h"
#include "reg.h"

struct http_worker;
struct tls_ctx;
struct connlim;

/**
 * Serve HTTP on a bound, listening, non-blocking socket fd within base.
 * @param fd      the listening socket (borrowed: the caller closes it after http_worker_free).
 * @param tls     NULL for plain HTTP, else the server TLS context (borrowed).
 * @param limits  connection caps shared with the other front ends (borrowed; connlim.h).
 * @return IDR_OK, IDR_ENOMEM or IDR_EIO.
 */
int http_worker_new(struct http_worker **out, struct event_base *base, struct rsv_worker *w, int fd,
                    struct tls_ctx *tls, struct connlim *limits) IDR_MUSTCHECK;

/** Stop accepting; connections in flight are closed by freeing (call after the loop ends). */
void http_worker_free(struct http_worker *h);

/** Stop accepting new connections (graceful shutdown; in-flight requests finish). */
void http_worker_stop_accepting(struct http_worker *h);

/**
 * Give the worker the process-wide objects that rsv does not expose: m for the open
 * connection gauge (metrics_conn) and the /metrics page (metrics_render), reg for the store
 * figures on that page (reg_store_info). Both borrowed; they must outlive the worker. Call
 * right after http_worker_new. Without it connections are not counted in the gauge and
 * /metrics answers 503 (everything else works).
 */
void http_worker_set_process(struct http_worker *h, struct metrics *m, struct reg *reg);

/* ---- the pieces of the answers, shared with the unit tests (no sockets) ---- */

/**
 * HTTP status for a Handle response code, per the table of ref/handle.md §2.4
 * (BaseHandleRequestProcessingServlet.statusCodeFromResponse): 1 -> 200, 2 -> 500, 3 -> 503,
 * 4 -> 400, 5 -> 501, 6 -> 500, 7 -> 503, 100 -> 404, 101 -> 409, 102 -> 400, 200 -> 200 for
 * a resolution (resolution true) else 400, 201 -> 409, 202 -> 400, 300 -> 500, 301 -> 400,
 * 302/303 -> 300, 400/401/403/404 -> 403, 402 -> 401, 405/406/500 -> 500; codes the table
 * gives no status for -> 500.
 */
int http_status_of(uint32_t rc, bool resolution);

/**
 * {"responseCode":rc[,"<key>":"<value>"][,"message":"<message>"]}: the error body of the
 * REST API. key is "handle" (or "prefix" for listings) or NULL for none; the message is left
 * out when empty.
 * @return IDR_OK or the wbuf's sticky error.
 */
int http_json_error(struct wbuf *w, uint32_t rc, const char *key, struct slice value,
                    struct slice message);

/**
 * The answer of GET /api/handles/{handle} for a record found: the values that pass f, with
 * "handle" = the handle as requested (rec->handle, the registered spelling, is not used).
 * @return the Handle response code written (1, or 200 with "values":[] when no value passes)
 *         or a negative code (the wbuf's error; IDR_EPROTO/IDR_ELIMIT for a stored value that
 *         does not decode); on error w holds a partial object the caller discards.
 */
int http_json_record(struct wbuf *w, struct slice handle, const struct rec_view *rec,
                     struct vjson_filter *f);

/**
 * The answer of GET /api/handles?prefix=P&page=&pageSize= within read transaction t:
 * {"responseCode":1,"prefix":P,"totalCount":"N","page":page,"pageSize":size,"handles":[...]}
 * with the registered spellings of the records directly under P (not under sub-prefixes), in
 * key order, page * size skipped, at most size (0: none, the count only). P may be given as
 * "0.NA/P". A P that is not a prefix -> 102, a prefix not hosted or not enabled -> 301, both
 * written as error bodies.
 * @return the Handle response code written (1, 102, 301) or a negative code (store error or
 *         the wbuf's error; w holds a partial object).
 */
int http_json_list(struct wbuf *w, struct reg_rtxn *t, struct slice prefix, uint64_t page,
                   uint64_t size);

/**
 * Re-indent compact JSON (the `pretty` parameter) with jansson, keeping member order.
 * @return IDR_OK, IDR_EPROTO (json is not one JSON document), IDR_ENOMEM or the wbuf's error.
 */
int http_json_pretty(struct wbuf *out, struct slice json);

#endif /* IDR_RESOLVER_HTTP_HTTP_H */
