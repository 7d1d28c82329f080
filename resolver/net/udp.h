/*
 * udp.h - the Handle protocol over UDP (ref/handle.md §5; STYLE.md §7-§8).
 *
 * One struct udp_worker per worker thread serves that worker's UDP sockets (one SO_REUSEPORT
 * socket per udp_listen address) within the worker's event base. Datagrams are received in
 * batches (recvmmsg, conf udp_batch), each goes through hdl_udp_triage before anything else;
 * whole requests go straight to rsv_handle, fragments of multi-datagram requests to the
 * reassembly table; all answers of a batch, fragmented per §5 when longer than 492 message
 * bytes, leave in one sendmmsg. The batch buffers are allocated once: the whole-datagram path
 * allocates nothing. Sockets bound to a wildcard address answer from the address the request
 * was sent to (IP_PKTINFO / IPV6_PKTINFO). An answer is sent only if all its datagrams come to
 * at most udp_answer_max bytes (a larger one is left to TCP: stock clients ask there when UDP
 * stays silent) and its source's budget covers them (udp_source_rate, below), which bounds what
 * spoofed requests can make idrd send to one address. Drops are counted (metrics_drop): failed
 * triage or parsing as MALFORMED, multi-datagram requests given up as REASM, answers as TOOBIG
 * or BUDGET (and reported at info level at most once a minute per worker).
 *
 * The reassembly table (udp_reasm_table_*) is independent of sockets and clocks so it can be
 * tested alone: partly received messages keyed by (source address and port, request id),
 * expiring udp_reasm_timeout_ms after their first fragment, within a memory cap
 * (udp_reasm_memory) enforced by evicting the oldest entries.
 *
 * Thread-safety: a udp_worker and its table belong to one thread.
 */
#ifndef IDR_RESOLVER_NET_UDP_H
#define IDR_RESOLVER_NET_UDP_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/err.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "hdl/hdl_udp.h"

#define UDP_RX_MAX 2048 /* longest datagram accepted; a stock client sends at most 512 */

/* ---- reassembly table ---- */

struct udp_reasm_table;

/** Outcomes of udp_reasm_table_feed besides errors. */
enum udp_reasm_result {
	UDP_REASM_WAIT = 0, /* fragment stored (or a duplicate): more are needed */
	UDP_REASM_DONE = 1  /* the message is complete: *done holds it */
};

/**
 * Create an empty table.
 * @param max_memory  bytes all partly received messages may hold together (entries included).
 * @param timeout_ms  how long a message may take from its first to its last fragment.
 * @return IDR_OK or IDR_ENOMEM.
 */
int udp_reasm_table_new(struct udp_reasm_table **out, size_t max_memory,
                        uint64_t timeout_ms) IDR_MUSTCHECK;

/** Free the table and every partly received message (NULL is accepted). */
void udp_reasm_table_free(struct udp_reasm_table *t);

/** Change the caps (reload); a lower memory cap takes effect at the next new message. */
void udp_reasm_table_set_limits(struct udp_reasm_table *t, size_t max_memory, uint64_t timeout_ms);

/**
 * Add a fragment (a datagram hdl_udp_triage called HDL_UDP_FRAGMENT). Expired entries are
 * dropped first. A fragment of a new message creates an entry, evicting the oldest entries
 * while the memory cap would be exceeded.
 * @param src          the sender (AF_INET or AF_INET6; the port is part of the key).
 * @param env          the datagram's envelope (from hdl_udp_triage).
 * @param max_msg_len  cap on MessageLength (0 = protocol maximum).
 * @param now_ms       the caller's clock, milliseconds (any origin, never decreasing).
 * @param done         on UDP_REASM_DONE: the complete message, owned by the caller (parse it
 *                     with hdl_reasm_parse, free with hdl_reasm_free); else set to NULL.
 * @return UDP_REASM_WAIT, UDP_REASM_DONE, IDR_EPROTO (inconsistent with the message being
 *         assembled under that key: the datagram is ignored, the entry kept), IDR_ELIMIT
 *         (message over max_msg_len or larger than the whole memory cap: refused) or
 *         IDR_ENOMEM.
 */
int udp_reasm_table_feed(struct udp_reasm_table *t, const struct sockaddr *src,
                         const struct hdl_envelope *env, const uint8_t *dgram, size_t len,
                         size_t max_msg_len, uint64_t now_ms, struct hdl_reasm **done);

/** Drop every entry whose first fragment came timeout_ms or more before now_ms.
 *  @return the number dropped. */
size_t udp_reasm_table_expire(struct udp_reasm_table *t, uint64_t now_ms);

/** Entries (partly received messages) held now. */
size_t udp_reasm_table_count(const struct udp_reasm_table *t);

/** Bytes held now (counted against the memory cap). */
size_t udp_reasm_table_memory(const struct udp_reasm_table *t);

/** Messages given up since creation: expired, evicted for memory, or refused (ELIMIT). */
uint64_t udp_reasm_table_dropped(const struct udp_reasm_table *t);

/* ---- per-source answer budget ---- */

/*
 * The bytes answered over UDP to each source, so that idrd cannot be used to flood an address
 * it receives spoofed requests "from". Sources are net_group address groups (IPv4 address,
 * IPv6 /64). Each has a token bucket: up to burst bytes of credit, earning rate bytes per
 * second; an answer goes out only if the credit covers all of its datagrams, and then spends
 * it. So in any t seconds a source is sent at most burst + rate * t bytes.
 *
 * The table is allocated once with a fixed number of entries, in sets of UDP_BUDGET_WAYS: a
 * source lives in the set its keyed hash picks. A new source in a full set takes the entry with
 * the most credit (a full bucket forgets nothing), so spoofed sources cannot exhaust memory, and
 * a flood of them displaces first one another, not the sources that are being limited.
 *
 * Thread-safety: one table serves every worker; each set has a spin lock held for a few
 * instructions (no system call).
 */
#define UDP_BUDGET_WAYS 4

struct udp_budget;

/** Bucket parameters, read from the configuration per batch (they may change on reload). */
struct udp_budget_limits {
	uint64_t rate;  /* bytes per second; 0 = no budget (every answer passes, nothing counted) */
	uint64_t burst; /* most credit a source holds, bytes (at most UDP_BUDGET_BURST_MAX) */
};

#define UDP_BUDGET_BURST_MAX ((uint64_t)1 << 30)
#define UDP_BUDGET_RATE_MAX  ((uint64_t)1 << 30)

/**
 * Create an empty table.
 * @param entries  sources tracked at once; rounded up to a power of two, at least
 *                 UDP_BUDGET_WAYS (about 32 bytes each).
 * @return IDR_OK, IDR_EINVAL (0 or too many entries) or IDR_ENOMEM.
 */
int udp_budget_new(struct udp_budget **out, size_t entries) IDR_MUSTCHECK;

/** Free the table (NULL is accepted); no thread may be using it. */
void udp_budget_free(struct udp_budget *b);

/**
 * Charge an answer to its destination: refill the source's credit for the time since its last
 * answer, then take bytes from it if it covers them.
 * @param src     the source of the request (AF_INET or AF_INET6; the port does not count).
 * @param bytes   all datagrams of the answer (UDP payload, envelopes included).
 * @param now_ms  the caller's clock, milliseconds (any origin shared by every caller, e.g.
 *                CLOCK_MONOTONIC_COARSE); a value older than the source's last answer earns
 *                nothing.
 * @return true if the answer may be sent (its bytes are charged), false if it is over the
 *         source's budget (nothing charged). Always true when l->rate is 0.
 */
bool udp_budget_charge(struct udp_budget *b, const struct sockaddr *src, size_t bytes,
                       const struct udp_budget_limits *l, uint64_t now_ms);

/** Entries the table holds (its capacity after rounding). */
size_t udp_budget_capacity(const struct udp_budget *b);

/** Entries in use now (takes every set's lock: for tests and diagnostics, not per answer). */
size_t udp_budget_count(struct udp_budget *b);

/** Sources dropped from a full set to make room for a new one, since creation. */
uint64_t udp_budget_evictions(const struct udp_budget *b);

/* ---- the UDP front end of one worker ---- */

struct udp_worker;

/**
 * Create the UDP front end of a worker thread. Borrows base, w and budget (they must outlive
 * it); the limits come from w's configuration snapshot at every batch.
 * @param budget  the per-source answer budget shared by the workers (NULL: none).
 * @param batch   datagrams per recvmmsg/sendmmsg (conf udp_batch, >= 1).
 * @return IDR_OK, IDR_EINVAL (batch 0) or IDR_ENOMEM.
 */
int udp_worker_new(struct udp_worker **out, struct event_base *base, struct rsv_worker *w,
                   struct udp_budget *budget, unsigned batch) IDR_MUSTCHECK;

/**
 * Serve a bound, non-blocking datagram socket (borrowed: the caller closes it after
 * udp_worker_free). A socket bound to a wildcard address gets packet-info options so that
 * answers leave from the address the request came to.
 * @return IDR_OK, IDR_ENOMEM, or a negated errno from getsockname/setsockopt.
 */
int udp_worker_add(struct udp_worker *u, int fd) IDR_MUSTCHECK;

/** Stop reading every socket (shutdown). Datagrams already answered have been sent. */
void udp_worker_stop(struct udp_worker *u);

/** Free (NULL is accepted); call from the worker's thread or after it ended. */
void udp_worker_free(struct udp_worker *u);

#endif /* IDR_RESOLVER_NET_UDP_H */
