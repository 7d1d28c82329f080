/*
 * conn.h - the Handle protocol over TCP (ref/handle.md §5; STYLE.md §8).
 *
 * One struct conn_listener per worker thread and tcp_listen socket (SO_REUSEPORT) accepts
 * connections within the worker's event base, counted against the shared caps (connlim.h:
 * refused connections are closed at once and counted as METRICS_DROP_CONNLIMIT). Each
 * connection is a bufferevent. Framing: the 20-byte envelope is peeked with evbuffer_copyout and
 * checked (hdl_envelope_check against max_request_size) as soon as it arrives, before the body
 * is awaited; a bad envelope closes the connection. A complete unit goes to rsv_handle with
 * RSV_PROTO_TCP and the answer is queued. The connection then closes once the answer is sent,
 * unless the request carried KC (keep-alive): then the next request is read (pipelining is
 * allowed; reading pauses while much output is pending). RSV_CLOSE and RSV_DROP close too.
 *
 * Time-outs (conf, read at every state change so a reload applies): tcp_idle_timeout while
 * waiting for the first byte of a request, tcp_io_timeout from the first byte of a request until
 * it is complete and until its answer is sent. The read high-water mark is one unit of
 * max_request_size. Everything is non-blocking: a slow client holds only its own connection.
 *
 * Thread-safety: a listener and its connections belong to one worker thread.
 */
#ifndef IDR_RESOLVER_NET_CONN_H
#define IDR_RESOLVER_NET_CONN_H

#include <event2/event.h>
#include <stddef.h>

#include "base/err.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "net/connlim.h"

#define CONN_OUTPUT_HIGH ((size_t)256 * 1024) /* pause reading while more output is pending */

struct conn_listener;
struct accept_gate;

/**
 * Accept and serve Handle TCP connections on a bound, listening, non-blocking socket.
 * @param fd      the listening socket (borrowed: the caller closes it after conn_listener_free).
 * @param w       the worker's dispatcher (borrowed).
 * @param limits  connection caps shared with the other stream front ends (borrowed).
 * @param m       metrics for the open-connections gauge (borrowed).
 * @param gate    the worker's accept gate (borrowed; net/accept.h).
 * @return IDR_OK or IDR_ENOMEM.
 */
int conn_listener_new(struct conn_listener **out, struct event_base *base, struct rsv_worker *w,
                      int fd, struct connlim *limits, struct metrics *m,
                      struct accept_gate *gate) IDR_MUSTCHECK;

/**
 * Graceful stop: accept nothing more, close idle connections now, and close every other
 * connection as soon as its current answer is sent (keep-alive ends).
 */
void conn_listener_stop(struct conn_listener *l);

/** Connections still open. */
size_t conn_listener_open(const struct conn_listener *l);

/** Close every connection and free the listener (NULL is accepted). Worker thread only. */
void conn_listener_free(struct conn_listener *l);

#endif /* IDR_RESOLVER_NET_CONN_H */
