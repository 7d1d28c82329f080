/*
 * api_reports.h - POST /api/v1/reports on a top level (role toplevel): a secondary node's
 * signed report (fed/frep.h) is checked and stored (fed/frdb.h).
 *
 * The body is the report text; the Authorization field "IdrReport <hash> <hex signature>"
 * signs its exact bytes with the node key, verified with the HS_PUBKEY at index 300 of the
 * node's prefix record 0.NA/<node> (the key `idr node add` registered). Answers (JSON,
 * {"responseCode":..., "message":...}):
 *   200  {"responseCode":1,"node":"88.118","period":P,"stored":true} (or "duplicate":true for
 *        the same report sent again: the node may forget it)
 *   400  malformed report (the parser's message names the line), 401 no or bad signature,
 *   404  not a top level, or the node is not onboarded here, 409 the period is already stored
 *        with other content (or is older than every report kept), 500 store/file failure.
 * No TLS needed: the signature authenticates the body, and the report holds no secret.
 */
#ifndef IDR_RESOLVER_HTTP_API_REPORTS_H
#define IDR_RESOLVER_HTTP_API_REPORTS_H

#include "http/req.h"

/** POST /api/v1/reports. */
void http_api_reports(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_API_REPORTS_H */
