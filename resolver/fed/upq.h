/*
 * upq.h - asynchronous outbound Handle queries on a worker's event loop (the daemon's
 * upstream client; resolver/client/hdlc.h is the blocking one of `idr`).
 *
 * A query sends one encoded request unit to one server and delivers the checked answer:
 * UDP first (fragmented when the request is longer than a datagram), re-sent after 500, 1000
 * and 1500 ms as the Java resolver does. After the first UDP silence the query also goes over
 * TCP, beside the re-sends, and the first whole answer wins: a server that drops UDP answers
 * larger than its limit (idrd's udp_answer_max) then answers in a round trip, not after
 * 3 s. TCP alone when UDP is refused, the server has no UDP interface, or the answer does not
 * fit one datagram (fragmented or truncated); a TCP failure while UDP goes on is reported only
 * if UDP fails too. The whole query is bounded by its time-out. Datagrams with another request id
 * are ignored; the answer is checked against the request by hdl_resp_check (request id, opcode,
 * response code, digest when RD was asked for).
 *
 * Thread-safety: a query belongs to the thread running its event base. Ownership: the unit is
 * copied; the answer handed to done borrows the query and lives during the call only.
 */
#ifndef IDR_RESOLVER_FED_UPQ_H
#define IDR_RESOLVER_FED_UPQ_H

#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>

#include "base/err.h"
#include "base/rbuf.h"
#include "base/slice.h"
#include "core/metrics.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"

#define UPQ_ETIMEDOUT (-ETIMEDOUT) /* no usable answer in time */
#define UPQ_UDP_TRIES 3

/** Milliseconds waited after each UDP send: 500, 1000, 1500. */
extern const unsigned upq_udp_schedule[UPQ_UDP_TRIES];

/** Where a query goes: the server's UDP and TCP query interfaces (either may be absent). */
struct upq_target {
	struct addr udp, tcp;
	bool has_udp, has_tcp;
};

struct upq;

/**
 * Called once with the outcome (unless the query was cancelled first); the query is freed
 * right after it returns.
 * @param err   IDR_OK, UPQ_ETIMEDOUT, a negated errno (-ECONNREFUSED, ...), IDR_EPROTO
 *              (malformed or mismatched answer), IDR_ELIMIT, IDR_ENOMEM.
 * @param resp  on IDR_OK the answer (its rc may be an error code), else NULL.
 * @param rest  on IDR_OK a reader over the answer's body after the digest, else NULL.
 */
typedef void (*upq_done_fn)(void *arg, int err, const struct hdl_msg *resp, struct rbuf *rest);

/**
 * Start a query.
 * @param unit        one request unit (envelope + message), copied.
 * @param timeout_ms  bound on the whole query (UDP tries and TCP).
 * @param ms          metrics shard counting upstream_udp / upstream_tcp / upstream_error (may be
 *                    NULL).
 * @return IDR_OK (*out is live until done runs or upq_cancel), IDR_EINVAL (unit malformed,
 *         no interface), IDR_ENOMEM.
 */
int upq_start(struct upq **out, struct event_base *base, const struct upq_target *t,
              struct slice unit, unsigned timeout_ms, struct metrics_shard *ms, upq_done_fn done,
              void *arg) IDR_MUSTCHECK;

/** Stop a query without calling done and free it (accepts NULL). */
void upq_cancel(struct upq *q);

#endif /* IDR_RESOLVER_FED_UPQ_H */
