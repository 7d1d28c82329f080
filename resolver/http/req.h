/*
 * req.h - an HTTP request as the route handlers see it, independent of the transport that
 * parsed it: method, target (path, parameters), the route's capture, the worker's dispatcher
 * and buffers; and the ways to answer it (a status, headers, a body in parts), which the
 * transport (server.h) carries out through struct http_tx.
 *
 * Handlers reach the registry only through the dispatcher (core/rsv.h). Every handler answers
 * exactly once with http_reply (directly or through the helpers below).
 *
 * Thread-safety: a request belongs to the worker thread that received it. The buffers in it
 * are the worker's: valid until the answer is sent.
 */
#ifndef IDR_RESOLVER_HTTP_REQ_H
#define IDR_RESOLVER_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "core/conf.h"
#include "core/rsv.h"
#include "hdl/addr.h"
#include "http/uri.h"

#define HTTP_MSG_MAX    256
#define HTTP_MAX_FILTER 2048        /* the configuration's max_filter_items upper bound */
#define HTTP_OUT_MAX    (64u << 20) /* largest answer body */

#define HTTP_CT_JSON    "application/json; charset=utf-8"
#define HTTP_CT_JS      "application/javascript; charset=utf-8"
#define HTTP_CT_TEXT    "text/plain; charset=utf-8"
#define HTTP_CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

struct http_req;

/* request methods, as a set */
#define HTTP_M_GET     0x01u
#define HTTP_M_HEAD    0x02u
#define HTTP_M_POST    0x04u
#define HTTP_M_PUT     0x08u
#define HTTP_M_DELETE  0x10u
#define HTTP_M_OPTIONS 0x20u
#define HTTP_M_OTHER   0x40u /* PATCH, TRACE, CONNECT, extension methods */
#define HTTP_M_READ    (HTTP_M_GET | HTTP_M_HEAD)

/* route flags */
#define HTTP_R_API  0x1u /* errors as JSON bodies of the REST API, CORS on answers */
#define HTTP_R_HDL  0x2u /* only for Handle messages (Content-Type application/x-hdl-message) */
#define HTTP_R_IDIS 0x4u /* the national-style API: errors in its envelope (http/idis.h) */

#define HTTP_CT_HDL "application/x-hdl-message"

typedef void (*http_handler_fn)(struct http_req *q);

struct http_route {
	unsigned methods;
	const char *pattern;
	http_handler_fn handler;
	const char *label; /* metrics: idr_http_requests_total{route=...} */
	unsigned flags;
};

/** What matching a request found. */
struct http_match {
	const struct http_route *route; /* the row to run, NULL if none matched path and method */
	unsigned allow;       /* without a route: methods of the rows matching the path (0: no
	                         such path) */
	unsigned flags;       /* the route's flags; without one, those of the first row matching
	                         the path */
	struct slice capture; /* the {name} part of the path, if the pattern has one */
};

/**
 * A body made elsewhere (http_reply_stream), e.g. by a thread writing into a pipe: the
 * transport reads fd (which it makes non-blocking) only as fast as the client takes the
 * answer, so at most a few hundred KiB of it are in memory whatever its size.
 */
struct http_stream {
	int fd; /* the read end; the transport closes it */
	/** At the end of fd: whether the body is complete (false: the connection is cut
	 *  without the last chunk, so the client sees a truncated answer). Called once. */
	bool (*complete)(void *arg);
	/** The transport is done with arg (stream sent, failed or the client gone); called
	 *  once, after fd is closed. */
	void (*release)(void *arg);
	void *arg;
};

/** What the transport does for a handler. */
struct http_tx {
	/** Add a response header (copied). */
	void (*header)(struct http_req *q, const char *key, const char *value);
	/** Send the answer: status, Content-Type (NULL: none), the body as parts in order. For
	 *  HEAD the transport sends the headers (Content-Length of the body) and no body. */
	void (*reply)(struct http_req *q, int status, const char *ctype, const struct slice *parts,
	              size_t n);
	/** The tag under which a Handle message's deferred answer comes back to the transport
	 *  (rsv_ctx.tag with rconn): the transport answers it as application/x-hdl-message. */
	uint64_t (*ticket)(struct http_req *q);
	/** Send the answer's head now and its body from st (see http_reply_stream). */
	void (*stream)(struct http_req *q, int status, const char *ctype,
	               const struct http_stream *st);
};

/** Per-worker memory the handlers use (the transport owns it). */
struct http_scratch {
	struct wbuf out; /* the answer body */
	struct wbuf aux; /* pretty output, Location */
	char msg[HTTP_MSG_MAX];
	uint32_t indexes[HTTP_MAX_FILTER];
	struct slice types[HTTP_MAX_FILTER];
};

struct http_req {
	const struct http_tx *tx;
	void *tx_arg;
	struct rsv_worker *rw;
	const struct conf *conf;
	struct http_scratch *s;
	unsigned method; /* one HTTP_M_* bit */
	struct uri_target t;
	struct http_match match;
	const char *raw_target;     /* as received, NUL-terminated */
	struct slice body;          /* the request body (decoded from chunks), empty if none */
	struct slice content_type;  /* empty if none */
	struct slice authorization; /* the Authorization field, empty if none */
	bool tls;                   /* came over TLS (writes need it) */
	const struct addr *peer;    /* the client (NULL in tests without sockets) */
	struct rsv_conn *rconn;     /* the connection as the dispatcher sees it (NULL: none) */
	bool hdl;                   /* a Handle message: POST of application/x-hdl-message */
	bool pending;               /* the handler left the answer to the dispatcher (ticket) */
	bool close;                 /* close the connection after the answer */
	bool head;
	bool api;  /* errors as JSON */
	bool idis; /* errors in the national API's envelope */
	bool pretty;
	struct slice callback;
	int status; /* the status sent (0 before) */
	/* the (first) Accept-Language field, empty if none: the language of the human pages */
	struct slice accept_language;
	/* the Host field (uri-host[:port], checked by the parser), empty if none: the node's name
	 * in identifiers the answer writes (https://<host>/<handle>) */
	struct slice host;
	/* forwarded by another server of the site (http/sfwd.h): answered here, whatever the
	 * hash says */
	bool site_hop;
};

/** Add a response header before http_reply. */
void http_header(struct http_req *q, const char *key, const char *value);

/** Answer (once): status, Content-Type, body parts. */
void http_reply(struct http_req *q, int status, const char *ctype, const struct slice *parts,
                size_t n);

/**
 * Answer (once) with a body read from st->fd until its end, sent chunked (the length is not
 * known in advance) as the client takes it; the connection closes after it. The transport
 * owns st->fd from the call on and calls st->release exactly once, also when it cannot
 * stream (answers in line before this one, no event loop: then it answers 503, or 500).
 * For HEAD, handlers answer without a stream.
 */
void http_reply_stream(struct http_req *q, int status, const char *ctype,
                       const struct http_stream *st);

/** One-part and text answers. */
void http_reply_body(struct http_req *q, int status, const char *ctype, struct slice body);
void http_reply_text(struct http_req *q, int status, const char *text);

/**
 * Answer with q->s->out as JSON: `pretty` and JSONP (q->callback) applied, CORS header per
 * configuration; an out buffer in error becomes a 500 RC_ERROR body.
 */
void http_reply_json(struct http_req *q, int status);

/** Answer with q->s->out as an HTML page (CSP and nosniff headers). */
void http_reply_html(struct http_req *q, int status);

/** An HTML error page (html.h) naming the handle and the problem. */
void http_reply_error_page(struct http_req *q, int status, const char *title, struct slice handle,
                           struct slice message);

/** True when q may wait for its answer: its transport hands out tickets (http_defer). */
bool http_deferrable(const struct http_req *q);

/**
 * Defer q's answer (rsv_defer with the transport's ticket, q->peer and q->rconn); complete it
 * with rsv_pending_finish*, and set q->pending once the handler returns without answering.
 * @return the pending request, or NULL when q cannot wait (not deferrable, no place in line,
 *         a bound reached): answer busy.
 */
struct rsv_pending *http_defer(struct http_req *q, rsv_cancel_fn cancel, void *arg);

/**
 * A REST error body {"responseCode":rc,"<key>":"<value>","message":"..."}: with the status of
 * rc (http_status_of), or an explicit status (_at).
 */
void http_api_error(struct http_req *q, uint32_t rc, const char *key, struct slice value,
                    const char *msg);
void http_api_error_at(struct http_req *q, int status, uint32_t rc, const char *key,
                       struct slice value, const char *msg);

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
 * Re-indent compact JSON (the `pretty` parameter) with jansson, keeping member order.
 * @return IDR_OK, IDR_EPROTO (json is not one JSON document), IDR_ENOMEM or the wbuf's error.
 */
int http_json_pretty(struct wbuf *out, struct slice json);

#endif /* IDR_RESOLVER_HTTP_REQ_H */
