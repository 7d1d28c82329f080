/*
 * api.h - the Handle.Net-style REST API (ref/handle.md §7; DESIGN.md §5):
 *   GET /api/handles/{handle}   index=, type= (repeatable), publicOnly, pretty, callback
 *   GET /api/handles?prefix=P   page=, pageSize= (pageSize=0: count only), after= (the next of
 *                               a previous page)
 *   any other /api/...          404 with a JSON body
 * JSON shapes and the mapping of Handle response codes to HTTP statuses exactly per §7/§2.4.
 * Handlers of the route table (route.h); the record and listing come from the dispatcher.
 */
#ifndef IDR_RESOLVER_HTTP_API_H
#define IDR_RESOLVER_HTTP_API_H

#include "base/slice.h"
#include "base/wbuf.h"
#include "http/req.h"
#include "model/rec.h"
#include "model/vjson.h"

void http_api_handle(struct http_req *q);
void http_api_list(struct http_req *q);
void http_api_none(struct http_req *q);

/**
 * The answer of GET /api/handles/{handle} for a record found: the values that pass f, with
 * "handle" = the handle as requested (rec->handle, the registered spelling, is not used).
 * @return the Handle response code written (1, or 200 with "values":[] when no value passes)
 *         or a negative code (the wbuf's error; IDR_EPROTO/IDR_ELIMIT for a stored value that
 *         does not decode); on error w holds a partial object the caller discards.
 */
int http_json_record(struct wbuf *w, struct slice handle, const struct rec_view *rec,
                     struct vjson_filter *f);

#endif /* IDR_RESOLVER_HTTP_API_H */
