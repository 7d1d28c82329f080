/*
 * route.h - the HTTP route table: every route of the node in one place, one row each (method
 * set, path pattern, handler, metrics label, flags). Adding a route = one row here + one
 * handler.
 *
 * Patterns match the percent-decoded path, case-sensitively:
 *   "/healthz"              exactly that path;
 *   "/api/handles/{handle}" that prefix, then the rest of the path as the capture (at least
 *                           one byte; '/' included: handles contain slashes);
 *   "/api/..."              (a pattern ending in a star) that prefix, then anything, also nothing.
 * The first row whose pattern and method match wins (rows for other methods of the same path
 * may come before it). A path that rows match but none with the method is answered 405 with
 * Allow, the union of those rows' methods (OPTIONS gets 204 with the same Allow).
 *
 * Pure data and functions; thread-safe.
 */
#ifndef IDR_RESOLVER_HTTP_ROUTE_H
#define IDR_RESOLVER_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/slice.h"
#include "http/req.h"

/**
 * Match a decoded path and a method (one HTTP_M_* bit). hdl: the request is a Handle message
 * (POST of application/x-hdl-message): only HTTP_R_HDL rows match it, and those rows match
 * nothing else.
 */
void http_route_match(unsigned method, bool hdl, struct slice path, struct http_match *out);

/** The distinct metrics labels of the table, in table order (static storage). */
const char *const *http_route_labels(size_t *n);

/** "GET, HEAD, OPTIONS" for a method set (OPTIONS always included), into buf. */
const char *http_allow_text(unsigned methods, char *buf, size_t cap);

#endif /* IDR_RESOLVER_HTTP_ROUTE_H */
