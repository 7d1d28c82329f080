/*
 * hdlc.h - a small blocking client of the Handle protocol (ref/handle.md §2, §5) and of the
 * HTTP JSON API paths (§7), for `idr resolve` and the tests.
 *
 * Handle protocol: requests are encoded by the codec (resolver/hdl.h); this module moves them.
 * UDP sends the request (fragmented when longer than one datagram), waits 500, 1000 and
 * 1500 ms between re-sends as the Java resolver does, ignores datagrams carrying another
 * request id (or not parsing as a message) and reassembles fragmented answers (hdl_reasm).
 * TCP writes the unit and reads one framed answer (envelope + MessageLength bytes); an answer
 * with another request id is a protocol error there, as in Java. A reply is checked against
 * its request by hdlc_reply_check: request id, opcode, a response code, and the request
 * digest when the request asked for one (RD).
 *
 * HTTP: only the path of a resolution query (hdlc_http_resolve_path); the request itself goes
 * through the HTTP(S) client client/httpc.h.
 *
 * Sockets are non-blocking and waited on with poll() against a deadline; every call is
 * bounded in time. Errors: IDR_OK, HDLC_ETIMEDOUT (no answer in time), negated errno of a
 * socket call (e.g. -ECONNREFUSED), IDR_EPROTO (malformed or mismatched answer), IDR_ELIMIT
 * (an answer over a size limit), IDR_ENOMEM, IDR_ECRYPTO (digest or random bytes). Reentrant:
 * no global state; objects are used by one thread at a time.
 */
#ifndef IDR_RESOLVER_CLIENT_HDLC_H
#define IDR_RESOLVER_CLIENT_HDLC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rbuf.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "hdl/hdl_udp.h"

#define HDLC_ETIMEDOUT      (-ETIMEDOUT)
#define HDLC_UDP_TRIES      3           /* sends of one UDP request (Java HandleResolver) */
#define HDLC_EXPIRATION_SEC (12 * 3600) /* request expiration: now + 12 h, as Java */

/** Milliseconds to wait after each UDP send: 500, 1000, 1500 (the Java resolver's schedule). */
extern const unsigned hdlc_udp_schedule[HDLC_UDP_TRIES];

/** Transports of hdlc_resolve. */
enum hdlc_proto {
	HDLC_PROTO_AUTO = 0, /* UDP, then TCP when UDP times out or is refused (Java's order) */
	HDLC_PROTO_UDP,
	HDLC_PROTO_TCP
};

/** Name of a transport: "UDP, then TCP" (auto), "UDP", "TCP". Static string. */
const char *hdlc_proto_name(enum hdlc_proto p);

/**
 * A received answer. msg's slices point into memory owned by this struct (buf, or reasm for
 * a fragmented UDP answer); they live until hdlc_reply_deinit.
 */
struct hdlc_reply {
	struct hdl_msg msg;
	uint8_t *buf;
	struct hdl_reasm *reasm;
	size_t datagrams; /* UDP datagrams the answer took (1 for TCP) */
};

/** Make r empty (nothing to free). */
void hdlc_reply_init(struct hdlc_reply *r);

/** Free what r owns and make it empty; accepts an empty or zeroed reply. */
void hdlc_reply_deinit(struct hdlc_reply *r);

/**
 * A fresh request id: 31 random bits (crypto_random), never 0, positive as a Java int.
 * @return IDR_OK or IDR_ECRYPTO.
 */
int hdlc_request_id(uint32_t *out) IDR_MUSTCHECK;

/** A resolution query. Arrays and strings are borrowed for the duration of a call. */
struct hdlc_query {
	struct slice handle;
	const uint32_t *indexes;
	size_t nindexes;
	const struct slice *types;
	size_t ntypes;
	bool auth;         /* AT: authoritative answer */
	bool public_only;  /* PO: public values only (stock clients set it) */
	bool digest;       /* RD: ask for and verify a digest of the request */
	bool no_recursion; /* clear REC (set by stock clients): the server must not recurse */
};

/**
 * Encode a RESOLUTION request as a stock client does (version 2.3 suggesting 2.11, REC|CA,
 * PO / AT / RD per q, site serial 0xffff, expiration now + 12 h).
 * @param now  unix seconds (the caller's clock, so tests are reproducible).
 * @return IDR_OK, IDR_ELIMIT (handle, type or message too long) or IDR_ETOOBIG (wbuf full).
 */
int hdlc_resolution_encode(struct wbuf *w, const struct hdlc_query *q, uint32_t request_id,
                           uint32_t now) IDR_MUSTCHECK;

/**
 * Send an encoded request unit (envelope + message) over UDP and wait for its answer.
 * @param sched   milliseconds to wait after each send (NULL: hdlc_udp_schedule).
 * @param ntries  number of sends (entries of sched; with NULL at most HDLC_UDP_TRIES).
 * @param out     empty reply; filled on IDR_OK (free with hdlc_reply_deinit), left empty on
 *                error.
 * @return IDR_OK, HDLC_ETIMEDOUT (nothing usable arrived; if only malformed answers with our
 *         request id arrived, the parse error instead), IDR_EINVAL (unit is not an envelope
 *         followed by MessageLength bytes, ntries 0), a negated errno (-ECONNREFUSED when
 *         the host says nobody listens) or IDR_ENOMEM.
 */
int hdlc_udp_exchange(const struct addr *srv, struct slice unit, const unsigned *sched,
                      size_t ntries, struct hdlc_reply *out) IDR_MUSTCHECK;

/** A TCP connection to a Handle server (keep-alive: several exchanges when the requests set
 *  KC and the server honours it). */
struct hdlc_tcp;

/**
 * Connect, waiting at most timeout_ms.
 * @return IDR_OK (close with hdlc_tcp_close), HDLC_ETIMEDOUT, a negated errno or IDR_ENOMEM.
 */
int hdlc_tcp_open(struct hdlc_tcp **out, const struct addr *srv, unsigned timeout_ms) IDR_MUSTCHECK;

/** Close a connection (NULL accepted). */
void hdlc_tcp_close(struct hdlc_tcp *c);

/**
 * Write a request unit and read one answer unit, all within timeout_ms.
 * @param out  empty reply, filled on IDR_OK, left empty on error.
 * @return IDR_OK, HDLC_ETIMEDOUT, IDR_EPROTO (connection closed early, malformed answer, or an
 *         answer with another request id), IDR_ELIMIT (MessageLength over 262144), IDR_EINVAL
 *         (bad unit), a negated errno or IDR_ENOMEM. After an error the connection is unusable.
 */
int hdlc_tcp_exchange(struct hdlc_tcp *c, struct slice unit, unsigned timeout_ms,
                      struct hdlc_reply *out) IDR_MUSTCHECK;

/**
 * Read the next answer unit on a connection without sending anything: the messages after
 * the first of an answer sent as a stream (LIST_HANDLES, messages with CN set).
 * @param out  empty reply, filled on IDR_OK, left empty on error.
 * @return as hdlc_tcp_exchange (the request id is not checked here).
 */
int hdlc_tcp_read(struct hdlc_tcp *c, unsigned timeout_ms, struct hdlc_reply *out) IDR_MUSTCHECK;

/**
 * Check an answer against the request unit it answers: same request id and opcode, a
 * nonzero response code, and when the request set RD, a digest in the answer that matches the
 * request's header + body (in the algorithm of the answer's version). Then open the body.
 * @param rest  on IDR_OK, a reader over the body after the digest (for hdl_res_resp_parse,
 *              hdl_error_resp_parse, ...); borrows r.
 * @return IDR_OK, IDR_EPROTO (mismatch, missing or wrong digest), IDR_EINVAL (bad unit) or
 *         IDR_ECRYPTO.
 */
int hdlc_reply_check(const struct hdlc_reply *r, struct slice unit,
                     struct rbuf *rest) IDR_MUSTCHECK;

/**
 * Resolve: encode q with a fresh request id, exchange it over proto (AUTO: UDP with the Java
 * schedule cut to the time left, then TCP for the rest of the time if UDP timed out or was
 * refused) and check the answer (hdlc_reply_check).
 * @param timeout_ms  bound on the whole call.
 * @param used        receives the transport that answered (may be NULL).
 * @param rest        on IDR_OK, reader over the body after the digest (borrows out).
 * @return IDR_OK (the answer may still carry an error response code: read out->msg.hdr.rc)
 *         or an error of the functions above.
 */
int hdlc_resolve(const struct addr *srv, enum hdlc_proto proto, const struct hdlc_query *q,
                 unsigned timeout_ms, struct hdlc_reply *out, enum hdlc_proto *used,
                 struct rbuf *rest) IDR_MUSTCHECK;

/* ---- HTTP ---- */

/**
 * Append the API path of a resolution query: "/api/handles/" + the handle percent-encoded
 * (unreserved characters and '/' kept), then "?type=..&index=..", "publicOnly=false" when
 * q->public_only is false, "auth=true" when q->auth.
 * @return IDR_OK or the wbuf's error.
 */
int hdlc_http_resolve_path(struct wbuf *w, const struct hdlc_query *q) IDR_MUSTCHECK;

/* ---- site ---- */

/**
 * Pick the server of a site for handle as stock clients do (ref/handle.md §6.7): ask srv, any
 * server of the site, for its HS_SITE (GET_SITEINFO over TCP), choose the server by the site's
 * hash option (hdl_server_hash over the list order) and return its address with the port of
 * its UDP query interface (else its TCP one).
 * @param index     receives the chosen server's position (may be NULL).
 * @param nservers  receives the number of servers in the site (may be NULL).
 * @return IDR_OK, IDR_ENOENT (the chosen server has no UDP or TCP query interface), a
 *         transport error, IDR_EPROTO (no HS_SITE in the answer) or a hdl_server_hash error.
 */
int hdlc_site_pick(const struct addr *srv, struct slice handle, unsigned timeout_ms,
                   struct addr *out, uint32_t *index, uint32_t *nservers) IDR_MUSTCHECK;

/* ---- referrals ---- */

/**
 * Where a referral (302 RC_SERVICE_REFERRAL, 303 RC_PREFIX_REFERRAL) sends a query for handle,
 * as stock clients read it (ref/handle.md §6): the first HS_SITE, HS_SITE.PREFIX or HS_SITE.6
 * value of clumps (the referral's value list) that decodes, its server chosen by the site's
 * hash option, at the port of its UDP query interface (proto HDLC_PROTO_TCP: its TCP one),
 * else its other one. Without such a site, the first HS_SERV / HS_SERV.PREFIX value: *serv
 * gets its data (the service handle whose HS_SITE values name the site; borrows clumps).
 * @return IDR_OK (*out set), IDR_ENOENT (no usable site: *serv set, or empty when there is no
 *         service handle either), IDR_EPROTO (clumps do not parse), IDR_ENOMEM, or a
 *         hdl_server_hash error.
 */
int hdlc_referral_target(struct slice clumps, struct slice handle, enum hdlc_proto proto,
                         struct addr *out, struct slice *serv) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_CLIENT_HDLC_H */
