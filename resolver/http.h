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
 */
#ifndef IDR_RESOLVER_HTTP_H
#define IDR_RESOLVER_HTTP_H

#include <event2/event.h>

#include "err.h"
#include "rsv.h"

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

#endif /* IDR_RESOLVER_HTTP_H */
