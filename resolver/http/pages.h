/*
 * pages.h - the proxy behaviour and the human pages (DESIGN.md §5):
 *   GET /             the home page with a search form; ?hdl=X redirects to /X
 *   GET /{handle}     302 to the record's first URL value; ?noredirect, action=showvalues or no
 *                     URL: the page of the item (html_item_page: kind, name, enterprise, key
 *                     attributes, related identifiers, raw values folded); an identifier
 *                     without a record: a page saying why (html_miss_page). Both in Chinese
 *                     or English: ?lang=zh|en, else Accept-Language (http/lang.h), default
 *                     Chinese; answered with Vary: Accept-Language.
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
