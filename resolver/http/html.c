/*
 * html.c - escaping, the page shell every page shares (head with the style sheet, search
 * form, tail), the error and home pages. The item pages are in html_item.c. The markup is
 * fixed text; everything variable goes through html_escape (or is a number we format).
 */
#include "http/html.h"
#include "http/html_int.h"

#include <stdio.h>
#include <string.h>

#include "base/text.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Mobile first: one column, large tap targets; wider screens only get a wider column. */
static const char style[] =
        "<style>"
        "body{font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans "
        "CJK SC','Segoe UI',sans-serif;margin:0 auto;padding:1em;max-width:52em;"
        "line-height:1.5;color:#1d1d1f;background:#fff;overflow-wrap:anywhere}"
        "h1{font-size:1.5em;margin:.3em 0;word-break:break-word}"
        "h2{font-size:1.1em;margin:1.4em 0 .4em;padding-bottom:.2em;border-bottom:2px solid "
        "#0b5394}"
        "a{color:#0b5394}"
        ".kind{display:inline-block;font-size:1.1em;font-weight:700;padding:.2em .7em;"
        "border-radius:.3em;background:#0b5394;color:#fff;margin:.2em 0}"
        ".id{font-family:ui-monospace,Menlo,Consolas,monospace;color:#444;margin:.2em 0}"
        ".facts,.attrs{margin:.6em 0}"
        ".facts div,.attrs div{display:flex;flex-wrap:wrap;padding:.45em 0;border-bottom:1px "
        "solid #e5e5e5}"
        "dt{color:#666;min-width:7em;flex:0 0 34%;padding-right:.6em;box-sizing:border-box}"
        "dd{margin:0;flex:1 1 60%;white-space:pre-wrap;word-break:break-word}"
        "@media(max-width:30em){dt{flex-basis:100%;font-size:.9em}dd{flex-basis:100%}}"
        "details{margin:1.4em 0;border:1px solid #ddd;border-radius:.3em;padding:.3em .6em}"
        "summary{cursor:pointer;padding:.3em 0;color:#444}"
        "table{border-collapse:collapse;width:100%;margin:.8em 0;font-size:.92em}"
        "th,td{border-bottom:1px solid #ddd;padding:.45em .4em;text-align:left;"
        "vertical-align:top}"
        "td.d{white-space:pre-wrap;word-break:break-word}"
        ".bin,.note{color:#666;font-style:italic}"
        ".tl{list-style:none;margin:.6em 0;padding:0}"
        ".tl li{border-left:3px solid #0b5394;margin:0 0 .8em .3em;padding:.1em 0 .1em .8em}"
        ".ev{margin:0;font-weight:700}.disp{font-weight:400;color:#444}"
        ".when{margin:.15em 0;color:#444;font-size:.92em}.tl .facts{margin:.2em 0}"
        ".tree,.tree ul{list-style:none;margin:0;padding-left:1.1em}.tree{padding-left:0}"
        ".tree li{border-left:1px solid #ccc;padding:.3em 0 .1em .6em;word-break:break-word}"
        ".k,.rel{color:#666;font-size:.9em}"
        ".foot{margin-top:1.6em;color:#666;font-size:.9em}"
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

void
html_put_cstr(struct wbuf *w, const char *s)
{
	html_escape(w, slice_cstr(s));
}

void
html_page_head(struct wbuf *w, struct slice title, enum lang_id lang)
{
	wbuf_lit(w, "<!DOCTYPE html>\n<html lang=\"");
	html_put_cstr(w, lang_tag(lang));
	wbuf_lit(w, "\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	            "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	html_escape(w, title);
	wbuf_lit(w, "</title>");
	wbuf_bytes(w, style, sizeof(style) - 1);
	wbuf_lit(w, "</head><body>\n");
}

void
html_search_form(struct wbuf *w, enum lang_id lang)
{
	if (lang == LANG_ZH) {
		wbuf_lit(w,
		         "<form action=\"/\" method=\"get\"><label for=\"hdl\">标识</label>"
		         "<input type=\"text\" id=\"hdl\" name=\"hdl\" "
		         "placeholder=\"88.118.8/P-000001\" autocapitalize=\"off\" "
		         "autocorrect=\"off\" spellcheck=\"false\" required>"
		         "<label><input type=\"checkbox\" name=\"noredirect\"> 显示标识值，不跳转"
		         "</label><br><button type=\"submit\">解析</button></form>\n");
		return;
	}
	wbuf_lit(w,
	         "<form action=\"/\" method=\"get\"><label for=\"hdl\">Identifier</label>"
	         "<input type=\"text\" id=\"hdl\" name=\"hdl\" placeholder=\"88.118.8/P-000001\" "
	         "autocapitalize=\"off\" autocorrect=\"off\" spellcheck=\"false\" required>"
	         "<label><input type=\"checkbox\" name=\"noredirect\"> show the values, do not "
	         "redirect</label><br><button type=\"submit\">Resolve</button></form>\n");
}

void
html_page_tail(struct wbuf *w)
{
	wbuf_lit(w, "</body></html>\n");
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
	html_page_head(w, slice_cstr(head), LANG_EN);
	wbuf_lit(w, "<h1>");
	html_put_cstr(w, head);
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
	html_search_form(w, LANG_EN);
	html_page_tail(w);
	return wbuf_error(w);
}

int
html_home_page(struct wbuf *w)
{
	html_page_head(w, SLICE_LIT("Identifier resolution"), LANG_EN);
	wbuf_lit(w, "<h1>Identifier resolution</h1>\n<p>Resolve an industrial internet identifier "
	            "(Handle) served by this node: the record's web address, or its values.</p>\n");
	html_search_form(w, LANG_EN);
	wbuf_lit(w, "<p class=\"note\">JSON: <code>/api/handles/{identifier}</code> &middot; "
	            "listing: <code>/api/handles?prefix={prefix}</code></p>\n");
	html_page_tail(w);
	return wbuf_error(w);
}
