/*
 * html.c - human pages. The markup is fixed text; everything variable goes through
 * html_escape (or is a number we format). A record's values are walked once, straight from
 * the stored clumps.
 */
#include "http/html.h"

#include <stdio.h>
#include <string.h>

#include "base/rbuf.h"
#include "base/text.h"
#include "http/uri.h"
#include "model/value.h"
#include "model/vjson.h"

#define HTML_VLIST_SHOW 16 /* references of an HS_VLIST listed on the page */

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static const char style[] =
        "<style>"
        "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
        "padding:1em;max-width:52em;line-height:1.45;color:#1d1d1f;background:#fff}"
        "h1{font-size:1.15em;word-break:break-all;margin:.4em 0}"
        ".kind{display:inline-block;font-size:1.7em;font-weight:700;padding:.25em .7em;"
        "border-radius:.3em;background:#0b5394;color:#fff;margin:.2em 0}"
        ".kind small{font-size:.55em;font-weight:400;opacity:.85;margin-left:.4em}"
        "table{border-collapse:collapse;width:100%;margin:.8em 0}"
        "th,td{border-bottom:1px solid #ddd;padding:.45em .4em;text-align:left;"
        "vertical-align:top}"
        "td.d{white-space:pre-wrap;word-break:break-word}"
        ".bin,.note{color:#666;font-style:italic}"
        "form{margin:1em 0}input[type=text]{width:100%;box-sizing:border-box;padding:.6em;"
        "font-size:1em}button{margin-top:.5em;padding:.5em 1.2em;font-size:1em}"
        "@media(max-width:36em){thead{display:none}tr{display:block;border-bottom:2px solid "
        "#ccc;padding:.3em 0}td{display:block;border:0;padding:.15em 0}"
        "td:before{content:attr(data-l);display:inline-block;min-width:6em;color:#666}}"
        "</style>";

static bool
is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F);
}

int
html_escape(struct wbuf *w, struct slice s)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < s.len) {
		n = text_utf8_next(s.p + i, s.len - i, &cp);
		if (n == 0 || is_control(cp)) {
			wbuf_bytes(w, replacement, sizeof(replacement) - 1);
			i += n == 0 ? 1 : n;
			continue;
		}
		switch (cp) {
		case '&':
			wbuf_lit(w, "&amp;");
			break;
		case '<':
			wbuf_lit(w, "&lt;");
			break;
		case '>':
			wbuf_lit(w, "&gt;");
			break;
		case '"':
			wbuf_lit(w, "&quot;");
			break;
		case '\'':
			wbuf_lit(w, "&#39;");
			break;
		default:
			wbuf_bytes(w, s.p + i, n);
			break;
		}
		i += n;
	}
	return wbuf_error(w);
}

bool
html_is_text(struct slice data)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < data.len) {
		n = text_utf8_next(data.p + i, data.len - i, &cp);
		if (n == 0 || is_control(cp)) {
			return false;
		}
		i += n;
	}
	return true;
}

static void
put_cstr(struct wbuf *w, const char *s)
{
	html_escape(w, slice_cstr(s));
}

static void
put_u64(struct wbuf *w, uint64_t v)
{
	wbuf_printf(w, "%llu", (unsigned long long)v);
}

static void
page_head(struct wbuf *w, struct slice title)
{
	wbuf_lit(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	            "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	html_escape(w, title);
	wbuf_lit(w, "</title>");
	wbuf_bytes(w, style, sizeof(style) - 1);
	wbuf_lit(w, "</head><body>\n");
}

static void
search_form(struct wbuf *w)
{
	wbuf_lit(w,
	         "<form action=\"/\" method=\"get\"><label for=\"hdl\">Identifier</label>"
	         "<input type=\"text\" id=\"hdl\" name=\"hdl\" placeholder=\"88.118.8/P-000001\" "
	         "autocapitalize=\"off\" autocorrect=\"off\" spellcheck=\"false\" required>"
	         "<label><input type=\"checkbox\" name=\"noredirect\"> show the values, do not "
	         "redirect</label><br><button type=\"submit\">Resolve</button></form>\n");
}

static void
page_tail(struct wbuf *w)
{
	wbuf_lit(w, "</body></html>\n");
}

static bool
is_url_type(struct slice type)
{
	return value_type_match(type, SLICE_LIT("URL."));
}

static bool
has_prefix_ci(struct slice s, const char *lit)
{
	struct slice l = slice_cstr(lit);

	return s.len > l.len && slice_caseeq(slice_make(s.p, l.len), l);
}

static bool
is_web_url(struct slice data)
{
	return has_prefix_ci(data, "http://") || has_prefix_ci(data, "https://");
}

static void
put_admin(struct wbuf *w, const struct value_admin *a)
{
	int bit;

	wbuf_lit(w, "admin ");
	html_escape(w, a->handle);
	wbuf_printf(w, " index %u, permissions ", (unsigned)a->index);
	for (bit = 11; bit >= 0; bit--) {
		wbuf_u8(w, (a->perms >> bit) & 1 ? '1' : '0');
	}
}

static bool
put_vlist(struct wbuf *w, struct slice data)
{
	struct value_ref refs[HTML_VLIST_SHOW];
	size_t n, i;

	if (value_vlist_decode(data, refs, HTML_VLIST_SHOW, &n) != IDR_OK) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (i > 0) {
			wbuf_lit(w, "\n");
		}
		html_escape(w, refs[i].handle);
		wbuf_printf(w, " (index %u)", (unsigned)refs[i].index);
	}
	return true;
}

static void
put_data(struct wbuf *w, const struct value *v)
{
	struct value_admin a;

	if (slice_caseeq_cstr(v->type, "HS_ADMIN") && value_admin_decode(v->data, &a) == IDR_OK) {
		put_admin(w, &a);
		return;
	}
	if (slice_caseeq_cstr(v->type, "HS_VLIST") && put_vlist(w, v->data)) {
		return;
	}
	if (!html_is_text(v->data)) {
		wbuf_printf(w, "<span class=\"bin\">[binary data, %zu bytes]</span>", v->data.len);
		return;
	}
	if (is_url_type(v->type) && is_web_url(v->data)) {
		wbuf_lit(w, "<a href=\"");
		html_escape(w, v->data);
		wbuf_lit(w, "\" rel=\"nofollow noopener noreferrer\">");
		html_escape(w, v->data);
		wbuf_lit(w, "</a>");
		return;
	}
	html_escape(w, v->data);
}

static void
put_value_row(struct wbuf *w, const struct value *v)
{
	char ts[VJSON_TIME_LEN];

	wbuf_lit(w, "<tr><td data-l=\"Index\">");
	put_u64(w, v->index);
	wbuf_lit(w, "</td><td data-l=\"Type\">");
	html_escape(w, v->type);
	wbuf_lit(w, "</td><td class=\"d\" data-l=\"Data\">");
	put_data(w, v);
	wbuf_lit(w, "</td><td data-l=\"Timestamp\">");
	if (v->timestamp != 0) {
		vjson_time_format(v->timestamp, ts);
		put_cstr(w, ts);
	}
	wbuf_lit(w, "</td></tr>\n");
}

static void
put_kind(struct wbuf *w, uint8_t kind)
{
	const char *label = rec_kind_label((enum rec_kind)kind);

	if (kind == REC_KIND_NONE || label == NULL) {
		return;
	}
	wbuf_lit(w, "<p class=\"kind\"><span lang=\"zh\">");
	put_cstr(w, label);
	wbuf_lit(w, "</span><small>");
	put_cstr(w, rec_kind_name((enum rec_kind)kind));
	wbuf_lit(w, "</small></p>\n");
}

/* The value rows; *hidden counts values left out by public_only. */
static int
put_values(struct wbuf *w, const struct rec_view *rec, bool public_only, size_t *shown,
           size_t *hidden)
{
	struct value v;
	struct rbuf r;
	int rc;

	*shown = *hidden = 0;
	rbuf_init(&r, rec->values.p, rec->values.len);
	while ((rc = rec_value_next(&r, &v)) == IDR_OK) {
		if (public_only && (v.perms & VALUE_PERM_PUBLIC_READ) == 0) {
			(*hidden)++;
			continue;
		}
		put_value_row(w, &v);
		(*shown)++;
	}
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
html_record_page(struct wbuf *w, struct slice handle, const struct rec_view *rec, bool public_only)
{
	size_t shown, hidden;
	int rc;

	page_head(w, handle);
	put_kind(w, rec->kind);
	wbuf_lit(w, "<h1>");
	html_escape(w, handle);
	wbuf_lit(w, "</h1>\n<table><thead><tr><th>Index</th><th>Type</th><th>Data</th>"
	            "<th>Timestamp</th></tr></thead><tbody>\n");
	rc = put_values(w, rec, public_only, &shown, &hidden);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_lit(w, "</tbody></table>\n");
	if (shown == 0) {
		wbuf_lit(w, "<p class=\"note\">No value of this record is public.</p>\n");
	}
	if (hidden > 0) {
		wbuf_printf(w, "<p class=\"note\">%zu value%s not shown (not public).</p>\n",
		            hidden, hidden == 1 ? "" : "s");
	}
	wbuf_lit(w, "<p><a href=\"/api/handles/");
	uri_encode(w, handle, true);
	wbuf_lit(w, "\">JSON</a></p>\n");
	page_tail(w);
	return wbuf_error(w);
}

int
html_error_page(struct wbuf *w, int status, const char *title, struct slice handle,
                struct slice message)
{
	char head[96];
	int n = snprintf(head, sizeof(head), "%d %s", status, title);

	if ((n < 0 || (size_t)n >= sizeof(head)) &&
	    snprintf(head, sizeof(head), "%d", status) < 0) {
		head[0] = '\0';
	}
	page_head(w, slice_cstr(head));
	wbuf_lit(w, "<h1>");
	put_cstr(w, head);
	wbuf_lit(w, "</h1>\n");
	if (handle.len > 0) {
		wbuf_lit(w, "<p><strong>");
		html_escape(w, handle);
		wbuf_lit(w, "</strong></p>\n");
	}
	if (message.len > 0) {
		wbuf_lit(w, "<p>");
		html_escape(w, message);
		wbuf_lit(w, "</p>\n");
	}
	search_form(w);
	page_tail(w);
	return wbuf_error(w);
}

int
html_home_page(struct wbuf *w)
{
	page_head(w, SLICE_LIT("Identifier resolution"));
	wbuf_lit(w, "<h1>Identifier resolution</h1>\n<p>Resolve an industrial internet identifier "
	            "(Handle) served by this node: the record's web address, or its values.</p>\n");
	search_form(w);
	wbuf_lit(w, "<p class=\"note\">JSON: <code>/api/handles/{identifier}</code> &middot; "
	            "listing: <code>/api/handles?prefix={prefix}</code></p>\n");
	page_tail(w);
	return wbuf_error(w);
}
