/* test_html.c - HTML escaping with hostile input, and the structure of the human pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "http/html.h"
#include "model/value.h"

#define FFFD "\xEF\xBF\xBD"

static char *
escape(const char *in, size_t len)
{
	static char out[4096];
	struct wbuf w;

	wbuf_init(&w, out, sizeof(out) - 1);
	assert_int_equal(html_escape(&w, slice_make(in, len)), IDR_OK);
	out[w.len] = '\0';
	return out;
}

struct esc_case {
	const char *in;
	size_t len; /* 0: strlen */
	const char *want;
};

static void
test_html_escape_table(void **state)
{
	static const struct esc_case cases[] = {
	        {"plain text 123", 0, "plain text 123"},
	        {"<script>alert('x')</script>", 0,
	         "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
	        {"a&b\"c'd", 0, "a&amp;b&quot;c&#39;d"},
	        {"&amp;", 0, "&amp;amp;"},
	        {"\"><img src=x onerror=alert(1)>", 0,
	         "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
	        {"中文 零部件", 0, "中文 零部件"},
	        {"\xF0\x9F\x98\x80", 0, "\xF0\x9F\x98\x80"},
	        {"tab\tlf\ncr\r", 0, "tab\tlf\ncr\r"},
	        {"a\0b", 3, "a" FFFD "b"},
	        {"\x01\x1b[31m", 0, FFFD FFFD "[31m"},
	        {"\x7f", 0, FFFD},
	        {"\xC2\x85", 0, FFFD},       /* C1 control NEL */
	        {"\xC2\xA0", 0, "\xC2\xA0"}, /* NBSP is not a control */
	        {"\xff", 0, FFFD},
	        {"\xfe\xff", 0, FFFD FFFD},
	        {"\xC0\x80", 0, FFFD FFFD},                   /* overlong NUL */
	        {"\xC0\xBC", 0, FFFD FFFD},                   /* overlong '<' */
	        {"\xE0\x80\xBC", 0, FFFD FFFD FFFD},          /* overlong '<' */
	        {"\xED\xA0\x80", 0, FFFD FFFD FFFD},          /* surrogate */
	        {"\xF4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD}, /* > U+10FFFF */
	        {"\xE4\xB8", 0, FFFD FFFD},                   /* truncated */
	        {"\xE4\xB8<", 0, FFFD FFFD "&lt;"},
	        {"\x80<\x80", 0, FFFD "&lt;" FFFD},
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].in);
		if (strcmp(escape(cases[i].in, len), cases[i].want) != 0) {
			fail_msg("case %zu: got '%s', want '%s'", i, escape(cases[i].in, len),
			         cases[i].want);
		}
	}
}

/* Whatever the bytes, the output is inert: valid UTF-8, no markup character, no control. */
static void
test_html_escape_random(void **state)
{
	uint8_t in[64];
	unsigned seed = 12345;
	size_t i, k, n;
	const char *out;
	bool ctrl;

	(void)state;
	for (i = 0; i < 20000; i++) {
		n = i % sizeof(in);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = (uint8_t)(seed >> 16);
			if (k % 5 == 0) {
				in[k] = (uint8_t) "<>&\"'\xE4\xB8\xC2"[(seed >> 8) % 9];
			}
		}
		out = escape((const char *)in, n);
		assert_null(strpbrk(out, "<>\"'"));
		for (k = 0; out[k] != '\0'; k++) {
			if (out[k] == '&') {
				assert_true(strncmp(out + k, "&amp;", 5) == 0 ||
				            strncmp(out + k, "&lt;", 4) == 0 ||
				            strncmp(out + k, "&gt;", 4) == 0 ||
				            strncmp(out + k, "&quot;", 6) == 0 ||
				            strncmp(out + k, "&#39;", 5) == 0);
			}
		}
		ctrl = false;
		assert_int_equal(text_utf8_check((const uint8_t *)out, strlen(out), NULL, &ctrl),
		                 IDR_OK);
		for (k = 0; out[k] != '\0'; k++) {
			uint8_t c = (uint8_t)out[k];

			assert_true(c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
			assert_true(c != 0x7f);
		}
	}
}

static void
test_html_escape_no_room(void **state)
{
	char buf[8];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(html_escape(&w, SLICE_LIT("<<<")), IDR_ETOOBIG);
}

static void
test_html_is_text(void **state)
{
	(void)state;
	assert_true(html_is_text(SLICE_LIT("")));
	assert_true(html_is_text(SLICE_LIT("https://example.com/a b")));
	assert_true(html_is_text(SLICE_LIT("多行\n文本\t\r")));
	assert_false(html_is_text(slice_make("a\0b", 3)));
	assert_false(html_is_text(SLICE_LIT("\x1b")));
	assert_false(html_is_text(SLICE_LIT("\x7f")));
	assert_false(html_is_text(SLICE_LIT("\xC2\x9F")));
	assert_false(html_is_text(SLICE_LIT("\xFF\xFE")));
	assert_false(html_is_text(SLICE_LIT("\xE4\xB8")));
}

/* ---- pages ---- */

struct page {
	uint8_t rec[4096];
	struct rec_view view;
	struct wbuf out;
};

static struct value
val(uint32_t index, const char *type, const void *data, size_t len, uint8_t perms)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = 1700000000;
	v.ttl = 86400;
	v.perms = perms;
	v.type = slice_cstr(type);
	v.data = slice_make(data, len);
	return v;
}

static void
build(struct page *p, enum rec_kind kind, const char *handle, const struct value *v, size_t n)
{
	struct wbuf w;

	wbuf_init(&w, p->rec, sizeof(p->rec));
	assert_int_equal(rec_encode(&w, kind, 1, slice_cstr(handle), v, n), IDR_OK);
	assert_int_equal(rec_view_parse(wbuf_slice(&w), &p->view), IDR_OK);
	wbuf_init_heap(&p->out, 1 << 20);
}

static const char *
page_text(struct page *p)
{
	wbuf_terminate(&p->out);
	assert_int_equal(wbuf_error(&p->out), IDR_OK);
	return (const char *)p->out.p;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay != NULL; hay = strstr(hay + 1, needle)) {
		n++;
	}
	return n;
}

static void
assert_has(const char *page, const char *needle)
{
	if (strstr(page, needle) == NULL) {
		fail_msg("page lacks '%s'", needle);
	}
}

static void
assert_lacks(const char *page, const char *needle)
{
	if (strstr(page, needle) != NULL) {
		fail_msg("page contains '%s'", needle);
	}
}

/* Common to every page: a complete UTF-8 document for phones with nothing loaded from away. */
static void
assert_page_shell(const char *page)
{
	assert_true(strncmp(page, "<!DOCTYPE html>", 15) == 0);
	assert_has(page, "<meta charset=\"utf-8\">");
	assert_has(page,
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	assert_has(page, "</html>");
	assert_int_equal(count(page, "<html"), 1);
	assert_int_equal(count(page, "<body>"), 1);
	assert_int_equal(count(page, "</body>"), 1);
	assert_lacks(page, "<script");
	assert_lacks(page, "<img");
	assert_lacks(page, "<link");
	assert_lacks(page, "<iframe");
	assert_lacks(page, "src=");
	assert_lacks(page, "@import");
	assert_lacks(page, "url(");
	assert_int_equal(text_utf8_check((const uint8_t *)page, strlen(page), NULL, NULL), IDR_OK);
}

static void
test_html_record_page(void **state)
{
	static const uint8_t bin[] = {0x00, 0x01, 0xff};
	uint8_t admin[64];
	struct value_admin a = {VALUE_ADMIN_ALL, SLICE_LIT("0.NA/88.118.8"), 300};
	struct value v[7];
	struct page *p = calloc(1, sizeof(*p));
	const char *page;
	struct wbuf aw;

	(void)state;
	assert_non_null(p);
	wbuf_init(&aw, admin, sizeof(admin));
	value_admin_encode(&aw, &a);
	v[0] = val(1, "URL", "https://example.com/p/1?a=1&b=2", 31, VALUE_PERM_DEFAULT);
	v[1] = val(2, "note", "<script>alert(\"x\")</script>", 27, VALUE_PERM_DEFAULT);
	v[2] = val(3, "blob", bin, sizeof(bin), VALUE_PERM_DEFAULT);
	v[3] = val(4, "secret", "TOP-SECRET-DATA", 15, VALUE_PERM_ADMIN_READ);
	v[4] = val(5, "URL.alt", "javascript:alert(1)", 19, VALUE_PERM_DEFAULT);
	v[5] = val(6, "bad<type>\"", "x\xC0\x80y", 4, VALUE_PERM_DEFAULT);
	v[6] = val(100, "HS_ADMIN", aw.p, aw.len, VALUE_PERM_DEFAULT);
	build(p, REC_KIND_PART, "88.118.8/P-1", v, 7);
	assert_int_equal(html_record_page(&p->out, SLICE_LIT("88.118.8/p-1<i>"), &p->view, true),
	                 IDR_OK);
	page = page_text(p);
	assert_page_shell(page);
	/* the kind, prominently: Chinese label and name */
	assert_has(page,
	           "<p class=\"kind\"><span lang=\"zh\">零部件</span><small>part</small></p>");
	/* the handle as requested, escaped, in the title and the heading */
	assert_has(page, "<title>88.118.8/p-1&lt;i&gt;</title>");
	assert_has(page, "<h1>88.118.8/p-1&lt;i&gt;</h1>");
	/* values: a link for the http(s) URL, text escaped, binary marked, secret left out */
	assert_has(page, "<a href=\"https://example.com/p/1?a=1&amp;b=2\" rel=\"nofollow noopener "
	                 "noreferrer\">https://example.com/p/1?a=1&amp;b=2</a>");
	assert_has(page, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	assert_has(page, "[binary data, 3 bytes]");
	assert_lacks(page, "TOP-SECRET-DATA");
	assert_lacks(page, "secret");
	assert_has(page, "1 value not shown (not public)");
	assert_has(page, "javascript:alert(1)");
	assert_lacks(page, "href=\"javascript");
	assert_has(page, "bad&lt;type&gt;&quot;");
	assert_has(page, "[binary data, 4 bytes]");
	assert_has(page, "admin 0.NA/88.118.8 index 300, permissions 111111111111");
	assert_has(page, "2023-11-14T22:13:20Z");
	/* one row per shown value, every cell closed */
	assert_int_equal(count(page, "<tr><td"), 6);
	assert_int_equal(count(page, "<td"), count(page, "</td>"));
	assert_int_equal(count(page, "<tr>"), count(page, "</tr>"));
	assert_has(page, "<a href=\"/api/handles/88.118.8/p-1%3Ci%3E\">JSON</a>");
	wbuf_deinit(&p->out);
	free(p);
}

static void
test_html_record_page_plain(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct value v[1];
	const char *page;

	(void)state;
	assert_non_null(p);
	v[0] = val(1, "HS_SECKEY", "k", 1, VALUE_PERM_ADMIN_READ);
	build(p, REC_KIND_NONE, "0.NA/88.118.8", v, 1);
	assert_int_equal(html_record_page(&p->out, SLICE_LIT("0.NA/88.118.8"), &p->view, true),
	                 IDR_OK);
	page = page_text(p);
	assert_page_shell(page);
	assert_lacks(page, "class=\"kind\"");
	assert_has(page, "No value of this record is public.");
	assert_has(page, "1 value not shown");
	assert_int_equal(count(page, "<tr><td"), 0);
	wbuf_deinit(&p->out);

	/* without public_only every value is shown */
	wbuf_init_heap(&p->out, 1 << 20);
	assert_int_equal(html_record_page(&p->out, SLICE_LIT("0.NA/88.118.8"), &p->view, false),
	                 IDR_OK);
	page = page_text(p);
	assert_int_equal(count(page, "<tr><td"), 1);
	assert_lacks(page, "not shown");
	wbuf_deinit(&p->out);
	free(p);
}

static void
test_html_record_page_corrupt(void **state)
{
	static const uint8_t clump[] = {0, 0, 0, 1, 0, 0}; /* truncated value */
	struct rec_view v;
	struct wbuf w;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.handle = SLICE_LIT("88.118.8/x");
	v.values = slice_make(clump, sizeof(clump));
	wbuf_init_heap(&w, 1 << 20);
	assert_int_not_equal(html_record_page(&w, v.handle, &v, true), IDR_OK);
	wbuf_deinit(&w);
}

static void
test_html_error_page(void **state)
{
	struct wbuf w;
	const char *page;

	(void)state;
	wbuf_init_heap(&w, 1 << 20);
	assert_int_equal(html_error_page(&w, 404, "Handle Not Found",
	                                 SLICE_LIT("88.1/<svg onload=x>"),
	                                 SLICE_LIT("it's \"gone\" & \xff")),
	                 IDR_OK);
	wbuf_terminate(&w);
	page = (const char *)w.p;
	assert_page_shell(page);
	assert_has(page, "<title>404 Handle Not Found</title>");
	assert_has(page, "<h1>404 Handle Not Found</h1>");
	assert_has(page, "88.1/&lt;svg onload=x&gt;");
	assert_has(page, "it&#39;s &quot;gone&quot; &amp; " FFFD);
	assert_has(page, "<form action=\"/\" method=\"get\">");
	wbuf_deinit(&w);

	/* no handle, no message: neither paragraph */
	wbuf_init_heap(&w, 1 << 20);
	assert_int_equal(
	        html_error_page(&w, 400, "Bad Request", slice_make(NULL, 0), slice_make(NULL, 0)),
	        IDR_OK);
	wbuf_terminate(&w);
	page = (const char *)w.p;
	assert_page_shell(page);
	assert_lacks(page, "<strong>");
	assert_int_equal(count(page, "<p>"), 0);
	wbuf_deinit(&w);
}

static void
test_html_home_page(void **state)
{
	struct wbuf w;
	const char *page;

	(void)state;
	wbuf_init_heap(&w, 1 << 20);
	assert_int_equal(html_home_page(&w), IDR_OK);
	wbuf_terminate(&w);
	page = (const char *)w.p;
	assert_page_shell(page);
	assert_has(page, "<form action=\"/\" method=\"get\">");
	assert_has(page, "name=\"hdl\"");
	assert_has(page, "name=\"noredirect\"");
	wbuf_deinit(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_html_escape_table),
	        cmocka_unit_test(test_html_escape_random),
	        cmocka_unit_test(test_html_escape_no_room),
	        cmocka_unit_test(test_html_is_text),
	        cmocka_unit_test(test_html_record_page),
	        cmocka_unit_test(test_html_record_page_plain),
	        cmocka_unit_test(test_html_record_page_corrupt),
	        cmocka_unit_test(test_html_error_page),
	        cmocka_unit_test(test_html_home_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
