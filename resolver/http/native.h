/*
 * native.h - Handle-over-HTTP (ref/handle.md §5, "the HTTP interface"): a POST whose
 * Content-Type is application/x-hdl-message carries one Handle message (envelope + message)
 * for the dispatcher, on any path (stock clients post to /<handle>); the answer goes back as
 * application/x-hdl-message, byte for byte what UDP or TCP would carry. A message the
 * dispatcher defers is answered when it completes, in its place among the connection's
 * answers. A request the dispatcher does not answer (a response, a rate-limited error) gets
 * 400 with no message, so a client fails at once instead of waiting. A handler of the route
 * table.
 */
#ifndef IDR_RESOLVER_HTTP_NATIVE_H
#define IDR_RESOLVER_HTTP_NATIVE_H

#include "http/req.h"

void http_native(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_NATIVE_H */
