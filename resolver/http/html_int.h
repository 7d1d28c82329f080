/*
 * html_int.h - the page shell shared by html.c and html_item.c (only inside resolver/http).
 * Writers append to a wbuf; errors are its sticky error.
 */
#ifndef IDR_RESOLVER_HTTP_HTML_INT_H
#define IDR_RESOLVER_HTTP_HTML_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "http/lang.h"

/** html_escape of a C string. */
void html_put_cstr(struct wbuf *w, const char *s);

/** From <!DOCTYPE html> to <body>: language, viewport, the title (escaped), the style. */
void html_page_head(struct wbuf *w, struct slice title, enum lang_id lang);

/** The form that resolves an identifier (GET /?hdl=...), in the page's language. */
void html_search_form(struct wbuf *w, enum lang_id lang);

/** A unix time in the page's zone, labelled: China Standard Time in zh, UTC in en. */
void html_put_time(struct wbuf *w, uint64_t t, enum lang_id lang);

/** The query of a link to a page here: ?noredirect, and &lang= if with_lang. */
void html_put_page_query(struct wbuf *w, enum lang_id lang, bool with_lang);

/** The word for a record kind (REC_KIND_*) in a language; "" for none or unknown. */
const char *html_kind_word(unsigned kind, enum lang_id lang);

struct html_item;

/** The lifecycle timeline of it (html_life.c); nothing without it->life or events. */
void html_life_timeline(struct wbuf *w, const struct html_item *it);

/** The component tree (back) or where-used (forward) of it; nothing if it has none. */
void html_life_tree(struct wbuf *w, const struct html_item *it, bool forward);

/** </body></html>. */
void html_page_tail(struct wbuf *w);

#endif /* IDR_RESOLVER_HTTP_HTML_INT_H */
