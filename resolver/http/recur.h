/*
 * recur.h - HTTP reads of identifiers whose prefix this node does not host, resolved upward
 * (fed/rec.h) for every HTTP interface that reads one record: the REST API, the national API,
 * the scan API and the item pages. The HTTP interfaces have no REC flag, so they always
 * recurse when a top level is configured (a phone scanning another enterprise's code at this
 * node still gets its record).
 *
 * The answer comes at once from the recursion cache, or the request is deferred (rsv_defer)
 * until upstream answers. Either way the caller's render function writes the answer from
 * the record or the error, on the worker's thread.
 */
#ifndef IDR_RESOLVER_HTTP_RECUR_H
#define IDR_RESOLVER_HTTP_RECUR_H

#include <stdbool.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "http/req.h"
#include "model/rec.h"

#define HTTP_RECUR_LOC_MAX 4096 /* bytes of a Location of a recursive answer, NUL included */

/** What a render function answers. */
struct http_recur_out {
	struct wbuf *w;                    /* the body (empty when called) */
	int status;                        /* HTTP status (default 200) */
	const char *ctype;                 /* NULL: JSON; else a static Content-Type */
	char location[HTTP_RECUR_LOC_MAX]; /* a Location header, "" for none */
};

/**
 * Write the answer to a read of handle: code HDL_RC_SUCCESS with rec (the values upstream
 * sent; no kind, no local prefix data), or the error code and its text msg. Runs on the
 * worker's thread, during the request or later; it may open its own read transaction on rw.
 * @param ctx  the caller's context given to http_recur.
 */
typedef void (*http_recur_fn)(void *ctx, struct rsv_worker *rw, struct slice handle, uint32_t code,
                              const struct rec_view *rec, const char *msg,
                              struct http_recur_out *out);

/** True when a lookup that answered code should be resolved upward by this node. */
bool http_recur_wanted(const struct http_req *q, uint32_t code);

/**
 * Resolve handle upward and answer q with fn: at once from the recursion cache, or deferred
 * until upstream answers (then q->pending is set). Busy (503 JSON) when no more requests may
 * wait.
 * @param ctx  heap memory owned from now on, freed with free() after fn ran or when the
 *             request is cancelled (NULL ok); it must not point into q.
 */
void http_recur(struct http_req *q, struct slice handle, http_recur_fn fn, void *ctx);

/**
 * The record of an upstream RESOLUTION body: rec's values are the body's clumps (borrowed),
 * its kind that of the ITEM_KIND value if there is one.
 * @return IDR_OK or IDR_EPROTO (the body does not parse).
 */
int http_recur_record(struct slice body, struct rec_view *rec);

#endif /* IDR_RESOLVER_HTTP_RECUR_H */
