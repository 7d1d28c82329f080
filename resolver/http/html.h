/*
 * html.h - the human pages of the HTTP front end (ref/handle.md §7 proxy behaviour): the page
 * of a record (what a phone camera opens from a QR label), error pages and the home page with
 * a search form.
 *
 * Pages are complete UTF-8 HTML documents, readable on a phone (viewport meta, one column on
 * narrow screens), with inline CSS and no external resource, script or image. Every byte that
 * comes from outside (handles, types, data, messages) goes through html_escape, so hostile
 * input can neither close an element nor open one; invalid UTF-8 and control characters are
 * replaced, never copied.
 *
 * Writers append to a struct wbuf; errors are the wbuf's sticky error. Pure; thread-safe.
 */
#ifndef IDR_RESOLVER_HTTP_HTML_H
#define IDR_RESOLVER_HTTP_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "base/wbuf.h"
#include "model/rec.h"

/** The Content-Type of every page. */
#define HTML_CONTENT_TYPE "text/html; charset=utf-8"

/**
 * Append s escaped for HTML text and double- or single-quoted attribute values: & < > " '
 * become entities; each byte that does not start a valid UTF-8 sequence (overlong forms,
 * surrogates and code points above U+10FFFF included) and each control character other than
 * tab, LF and CR (C0, DEL, C1) becomes U+FFFD.
 * @return IDR_OK or the wbuf's sticky error.
 */
int html_escape(struct wbuf *w, struct slice s);

/**
 * True if a value's data is shown as text on the page: valid UTF-8 without control
 * characters other than tab, LF and CR. Other data is shown as a binary marker.
 */
bool html_is_text(struct slice data);

/**
 * The page of a record: the item kind prominently (Chinese label and kind name, from
 * rec->kind), the handle as requested, and a table with index, type, data and timestamp of
 * every value that passes (with public_only, values without PUBLIC_READ are left out and
 * their number is said). Data that is a http(s) URL in a URL or URL.* value becomes a link.
 * @param handle  the handle as requested (shown); rec borrows the store until the call ends.
 * @return IDR_OK, the wbuf's sticky error, or IDR_EPROTO/IDR_ELIMIT for a stored value that
 *         does not decode (the caller discards w).
 */
int html_record_page(struct wbuf *w, struct slice handle, const struct rec_view *rec,
                     bool public_only);

/**
 * An error page: "<status> <title>", the handle (may be empty) and a message (may be empty),
 * followed by the search form.
 * @param title  a static, trusted string such as "Not Found" (escaped anyway).
 */
int html_error_page(struct wbuf *w, int status, const char *title, struct slice handle,
                    struct slice message);

/** The home page: what the node is and a form that resolves a handle (GET /?hdl=...). */
int html_home_page(struct wbuf *w);

#endif /* IDR_RESOLVER_HTTP_HTML_H */
