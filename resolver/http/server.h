/*
 * server.h - the HTTP(S) front end of one worker: listening socket, connections with their
 * caps, TLS, and the transport that hands each request to the route table (route.h) as a
 * struct http_req (req.h). The routes and their handlers are in api.h, pages.h and ops.h.
 *
 * One struct http_worker per worker thread and listening socket: it serves connections
 * accepted on that socket within the worker's event base, answering from the worker's
 * struct rsv_worker. With a struct tls_ctx every connection is wrapped in TLS. Caps from the
 * configuration: header and body sizes, idle time-out, connections in total and per client
 * address; out of descriptors, the worker's accept gate pauses it with the other listeners.
 *
 * Thread-safety: a worker is used only by the thread running its event base.
 */
#ifndef IDR_RESOLVER_HTTP_SERVER_H
#define IDR_RESOLVER_HTTP_SERVER_H

#include <event2/event.h>

#include "base/err.h"
#include "core/rsv.h"

struct http_worker;
struct tls_ctx;
struct connlim;
struct accept_gate;

/**
 * Serve HTTP on a bound, listening, non-blocking socket fd within base.
 * @param fd      the listening socket (borrowed: the caller closes it after http_worker_free);
 *                -1: none (tests and fuzzers feed connections with http_worker_feed).
 * @param tls     NULL for plain HTTP, else the server TLS context (borrowed).
 * @param limits  connection caps shared with the other front ends (borrowed; connlim.h).
 * @param gate    the worker's accept gate (borrowed; net/accept.h).
 * @return IDR_OK, IDR_ENOMEM or IDR_EIO.
 */
int http_worker_new(struct http_worker **out, struct event_base *base, struct rsv_worker *w, int fd,
                    struct tls_ctx *tls, struct connlim *limits,
                    struct accept_gate *gate) IDR_MUSTCHECK;

/** Stop accepting; connections in flight are closed by freeing (call after the loop ends). */
void http_worker_free(struct http_worker *h);

/**
 * Stop accepting new connections (graceful shutdown): idle connections close, the others
 * finish the requests they have (their answers say Connection: close) and close.
 */
void http_worker_stop_accepting(struct http_worker *h);

/** Connections open. */
size_t http_worker_open(const struct http_worker *h);

/**
 * Tests and fuzzers: run in[0..len) through a connection of h that has no socket, as reads of
 * at most step bytes followed by the end of the stream; everything the connection sends is
 * appended to out. No timer runs and answers the dispatcher defers are not awaited (a worker
 * without an event base defers nothing).
 * @return IDR_OK or IDR_ENOMEM.
 */
int http_worker_feed(struct http_worker *h, const uint8_t *in, size_t len, size_t step,
                     struct wbuf *out) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HTTP_SERVER_H */
