/*
 * html.h - the human pages of the HTTP front end (ref/handle.md §7 proxy behaviour): the page
 * of an item (what a phone camera opens from a QR label), error pages and the home page with
 * a search form.
 *
 * The item page and the page of an identifier not found come in Chinese or English
 * (http/lang.h); the error and home pages are English.
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
#include "http/lang.h"
#include "model/rec.h"
#include "model/tmpl.h"

/** The Content-Type of every page. */
#define HTML_CONTENT_TYPE "text/html; charset=utf-8"
/* the Content-Security-Policy of every page: no script, styles inline, forms to this site */
#define HTML_CSP                                                                                   \
	"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "     \
	"frame-ancestors 'none'"

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

/* The lifecycle sections of the item page (html_item_page): caps. */
#define HTML_EVENTS_SHOW  20    /* events on the timeline, newest first */
#define HTML_EVENTS_COUNT 10000 /* older events counted at most ("more than" beyond) */
#define HTML_TREE_DEPTH   4     /* levels of the component and where-used trees */
#define HTML_TREE_NODES   50    /* identifiers in each tree */

struct reg_rtxn;

/**
 * The words for a CBV 2.0 bizStep (disposition false) or disposition (true) in a language:
 * the bare word ("shipping": 发货 / Shipped) or its CBV URN or GS1 Web URI form. All 41
 * bizSteps and 33 dispositions of CBV 2.0 have both languages.
 * @return a static string, or NULL for a word that is not CBV 2.0 (shown as given).
 */
const char *html_cbv_word(const char *word, bool disposition, enum lang_id lang);

/** Is a handle hosted on this node (so its page is here)? The handle is the raw value data. */
typedef bool (*html_hosted_fn)(void *arg, struct slice handle);

/**
 * What the page of an item shows. Everything is borrowed for the call.
 *   handle       the identifier as requested (shown under the name, escaped)
 *   rec          the record (its values walked straight from the stored clumps)
 *   prefix       the prefix the item is registered under; owner its enterprise (empty: none)
 *   tmpl         the template version the record names at index 1001 (TEMPLATE), NULL if
 *                none or not found: attribute labels come from its item names
 *   hosted       links values whose data is a handle hosted here (NULL: no such links)
 *   public_only  leave out values without PUBLIC_READ (their number is said)
 *   lang         the page language; lang_param: chosen by ?lang=, so the page's links keep it
 *   life         the read transaction the lifecycle sections read (the item's events, its
 *                links, the records of linked identifiers); NULL: those sections are left out
 */
struct html_item {
	struct slice handle;
	const struct rec_view *rec;
	struct slice prefix;
	struct slice owner;
	const struct tmpl *tmpl;
	html_hosted_fn hosted;
	void *hosted_arg;
	bool public_only;
	enum lang_id lang;
	bool lang_param;
	struct reg_rtxn *life;
};

/**
 * The page of an item, for the person holding it: the kind (零部件 / Part, ...) and the
 * item's name on top (the value typed `name` or `名称`, or the one at the template's item
 * named 名称; else the handle is the heading), the handle, the enterprise that registered it
 * with its prefix, the time of the last change; its key attributes (values from index 2000
 * on, labelled with the template's item names where the template has the index and type,
 * else with the type); related identifiers (values below 2000 whose data is an http(s) URL
 * or a hosted handle) as links; with it->life: the lifecycle timeline (the latest
 * HTML_EVENTS_SHOW events, newest first: what happened in words, where, by whom when the event
 * names a source or destination party, when; how many more), the component tree (back trace:
 * what it is made of or contains) and where-used (forward trace: what it went into), each at
 * most HTML_TREE_DEPTH levels and HTML_TREE_NODES identifiers, saying when capped, hosted
 * identifiers linked with their kind and name; last, folded in a <details>, every shown value raw
 * (index, type, data, time). Attribute data that is a hosted handle links to its page on this node,
 * an http(s) URL links out. Times: China Standard Time (UTC+08:00) in zh, UTC in en, labelled.
 * @return IDR_OK, the wbuf's sticky error, or IDR_EPROTO/IDR_ELIMIT for a stored value that
 *         does not decode (the caller discards w).
 */
int html_item_page(struct wbuf *w, const struct html_item *it);

/**
 * Why a scanned identifier has no page: the Handle response code of the lookup and what
 * goes with it. prefix: the prefix not served (301); rule: the ident_parse error (102,
 * IDR_EID_*), detail: that rule as the resolver words it (English; shown on en pages).
 */
struct html_miss {
	uint32_t code; /* HDL_RC_HANDLE_NOT_FOUND, _SERVER_NOT_RESP, _INVALID_HANDLE; else: error */
	struct slice handle;
	struct slice prefix;
	int rule;
	struct slice detail;
	enum lang_id lang;
	bool lang_param;
};

/**
 * The page for an identifier that was scanned but has no item page, in the style and
 * language of the item pages: what was scanned and why it is not here. 100: no such item at
 * this node; 301: the prefix (named) is not served here; 102: not an identifier, naming the
 * rule; any other code: the node could not answer. Followed by the search form.
 * @return IDR_OK or the wbuf's sticky error.
 */
int html_miss_page(struct wbuf *w, const struct html_miss *m);

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
