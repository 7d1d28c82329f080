/*
 * sfwd.h - HTTP requests forwarded between the servers of a sharded site (core/shard.h), so that
 * a load balancer may send any request to any server.
 *
 * A request about one identifier (a record, its IDIS form, its product page, a scan once
 * decoded, its events and trace, and writes) that another server of the site holds is sent
 * on, as it came (method, target, body, Host, Authorization, Accept-Language, Content-Type),
 * to that server's plain HTTP listener (site_http_servers) with the header SFWD_HOP_HEADER;
 * its answer (status, Content-Type, Location, body) goes back to the client. The
 * worker does not wait: the request is deferred (rsv_defer) and the exchange runs on the
 * worker's event loop, bounded by SFWD_TIMEOUT_MS and SFWD_BODY_MAX.
 *
 * Trust: a server takes SFWD_HOP_HEADER only from an address of site_http_servers (else the
 * header is ignored). A request that carries it is answered where it lands, never forwarded
 * again (no loops), and `tls` in it says the client's request came over TLS, so a write
 * forwarded from an HTTPS listener is taken as one. The servers of a site are one trust
 * domain, as their shared administrators (identity records on every server) and token.key
 * already make them.
 *
 * Listings that span the site go to every server and are merged (sfwd_collect); changes of
 * site-wide data go to every server in order (sfwd_all).
 *
 * Without site_http_servers nothing is forwarded: record reads go through the Handle
 * protocol (fed/rec.h) and writes are answered 421 (http/api_write.c).
 */
#ifndef IDR_RESOLVER_HTTP_SFWD_H
#define IDR_RESOLVER_HTTP_SFWD_H

#include <stdbool.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "http/req.h"

#define SFWD_HOP_HEADER "X-Idr-Site-Hop"
#define SFWD_TIMEOUT_MS 5000
#define SFWD_BODY_MAX   (16u << 20) /* cap on a forwarded answer */
#define SFWD_LOC_MAX    2048        /* a longer Location is dropped */

/** A forwarded request's answer (sfwd_resp_parse); the slices borrow the input. */
struct sfwd_resp {
	int status;            /* 100..599 */
	struct slice body;     /* what follows the head, cut to Content-Length when given */
	struct slice ctype;    /* Content-Type value, empty if none */
	struct slice location; /* Location value, empty if none or over SFWD_LOC_MAX */
};

/**
 * Parse a whole HTTP/1.0 or 1.1 answer as read until the server closed: status line, header
 * fields up to the empty line, body. The Content-Length, when given, must be a number no
 * larger than the bytes that follow (more are ignored); without one the body is the rest.
 * @param why  receives what is wrong (static text) on IDR_EPROTO.
 * @return IDR_OK or IDR_EPROTO.
 */
int sfwd_resp_parse(struct slice all, struct sfwd_resp *out, const char **why) IDR_MUSTCHECK;

/**
 * Forward q to the server of the site that holds handle, if that is another server, the site
 * names its HTTP listeners and q was not forwarded to this one already.
 * @return true if q is taken (forwarded: the answer follows; or answered 503 when it cannot
 *         be forwarded now), false if this server answers it.
 */
bool sfwd_route(struct http_req *q, struct slice handle);

/** One server's answer to a collected request (sfwd_collect). */
struct sfwd_answer {
	uint32_t server;
	int status;
	struct slice body; /* NUL-terminated */
};

/**
 * Merge every server's answer into out (JSON). @return the HTTP status of the merged answer.
 */
typedef int (*sfwd_merge_fn)(const struct sfwd_answer *v, size_t n, struct wbuf *out);

/**
 * A request whose answer spans the site (a listing): sent to every server, this one included
 * (through its own listener), one after the other; their answers are merged by merge.
 * @return as sfwd_route (false: a site of one server, no site_http_servers, or forwarded).
 */
bool sfwd_collect(struct http_req *q, sfwd_merge_fn merge);

/**
 * Ask the other servers of the site in turn (the first answer other than 404 is relayed; all
 * 404: the last one) when this server does not know which holds what q names, e.g. a scanned
 * GS1 code whose alias lives with its handle on another server. Not for a forwarded request.
 * @return as sfwd_route.
 */
bool sfwd_fanout(struct http_req *q);

/**
 * A change of site-wide data (prefix records and applications, templates: what `idr split`
 * gives every server) on a site of several servers: sent to every server of the site in
 * site_servers order, this one included (through its own listener), going on while each
 * answers 2xx; the last answer, or the first other one, is relayed. A server that refuses
 * the change first (a bad request) leaves it nowhere; one that fails after others took it is
 * named in the answer and logged (the change is sent again when it is back). Without
 * site_http_servers the change is refused (421) on a site of several servers.
 * @return as sfwd_route (false: a site of one server, or a request forwarded already).
 */
bool sfwd_all(struct http_req *q);

/** True if this server would forward a request about handle (sfwd_route's test alone). */
bool sfwd_elsewhere(const struct http_req *q, struct slice handle);

#endif /* IDR_RESOLVER_HTTP_SFWD_H */
