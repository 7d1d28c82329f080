/*
 * html_int.h - the page shell shared by html.c and html_item.c (only inside resolver/http).
 * Writers append to a wbuf; errors are its sticky error.
 */
#ifndef IDR_RESOLVER_HTTP_HTML_INT_H
#define IDR_RESOLVER_HTTP_HTML_INT_H

#include "base/slice.h"
#include "base/wbuf.h"
#include "http/lang.h"

/** html_escape of a C string. */
void html_put_cstr(struct wbuf *w, const char *s);

/** From <!DOCTYPE html> to <body>: language, viewport, the title (escaped), the style. */
void html_page_head(struct wbuf *w, struct slice title, enum lang_id lang);

/** The form that resolves an identifier (GET /?hdl=...), in the page's language. */
void html_search_form(struct wbuf *w, enum lang_id lang);

/** </body></html>. */
void html_page_tail(struct wbuf *w);

#endif /* IDR_RESOLVER_HTTP_HTML_INT_H */
