/*
 * pages.h - the proxy behaviour and the human pages (DESIGN.md §5):
 *   GET /             the home page with a search form; ?hdl=X redirects to /X
 *   GET /{handle}     302 to the record's first URL value; ?noredirect, action=showvalues or no
 *                     URL: an HTML page of the record (mobile-friendly, every value escaped)
 *   /favicon.ico, /robots.txt   404: never looked up as handles
 * Handlers of the route table (route.h).
 */
#ifndef IDR_RESOLVER_HTTP_PAGES_H
#define IDR_RESOLVER_HTTP_PAGES_H

#include "http/req.h"

void http_page_home(struct http_req *q);
void http_page_proxy(struct http_req *q);
void http_page_none(struct http_req *q);

#endif /* IDR_RESOLVER_HTTP_PAGES_H */
