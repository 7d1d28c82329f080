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
#include "life/capture.h"
#include "life/event.h"
#include "model/tmpl.h"
#include "model/value.h"
#include "reg.h"

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

/*
 * The HTML check: every '<' opens (or closes) an element our pages use, no attribute is an
 * event handler, and every '&' starts an entity. A value that escaped html_escape would
 * show up as an element, an attribute or a bare '&'.
 */
/* Is the element named at name (up to a blank or '>') one our pages use? */
static bool
tag_known(const char *name)
{
	static const char tags[] = "|!DOCTYPE|html|head|meta|title|style|body|p|h1|h2|dl|div|dt|"
	                           "dd|a|span|strong|details|summary|table|thead|tbody|tr|th|td|"
	                           "time|form|label|input|button|br|code|ol|ul|li|";
	char want[24];
	size_t n = strcspn(name, " >");

	if (n == 0 || n + 3 > sizeof(want) || (name[n] != ' ' && name[n] != '>')) {
		return false;
	}
	want[0] = '|';
	memcpy(want + 1, name, n);
	want[n + 1] = '|';
	want[n + 2] = '\0';
	return strstr(tags, want) != NULL;
}

/* No attribute between q and end starts with "on" (an event handler). */
static void
assert_no_handler(const char *q, const char *end)
{
	for (; q + 2 < end; q++) {
		bool on = (q[1] == 'o' || q[1] == 'O') && (q[2] == 'n' || q[2] == 'N');

		assert_false(q[0] == ' ' && on);
	}
}

static void
assert_markup_ours(const char *page)
{
	const char *q, *end;

	for (q = strchr(page, '<'); q != NULL; q = strchr(q + 1, '<')) {
		if (!tag_known(q[1] == '/' ? q + 2 : q + 1)) {
			fail_msg("unexpected markup at '%.40s'", q);
		}
		end = strchr(q, '>');
		assert_non_null(end);
		assert_no_handler(q, end);
	}
	for (q = strchr(page, '&'); q != NULL; q = strchr(q + 1, '&')) {
		if (strncmp(q, "&amp;", 5) != 0 && strncmp(q, "&lt;", 4) != 0 &&
		    strncmp(q, "&gt;", 4) != 0 && strncmp(q, "&quot;", 6) != 0 &&
		    strncmp(q, "&#39;", 5) != 0 && strncmp(q, "&middot;", 8) != 0) {
			fail_msg("bare '&' at '%.40s'", q);
		}
	}
	/* style blocks hold no '<' of their own: the scan above covers them */
}

static const char tmpl_json[] =
        "{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"C\","
        "\"industrySpecific\":\"34\",\"industryTrade\":\"341\",\"industrySubclass\":\"3411\","
        "\"type\":1,\"description\":\"gearbox parts\",\"items\":["
        "{\"name\":\"名称\",\"idType\":\"title\",\"idIndex\":2000,\"metadata\":{}},"
        "{\"name\":\"重量\",\"idType\":\"weight\",\"idIndex\":2001,"
        "\"metadata\":{\"type\":\"number\"}},"
        "{\"name\":\"上级部件\",\"idType\":\"parent\",\"idIndex\":2002,\"metadata\":{}},"
        "{\"name\":\"材料<b>\",\"idType\":\"material\",\"idIndex\":2003,\"metadata\":{}}]}";

static struct tmpl *
test_tmpl(void)
{
	struct tmpl *t = NULL;
	char err[256];

	if (tmpl_from_json(&t, tmpl_json, sizeof(tmpl_json) - 1, err, sizeof(err)) != IDR_OK) {
		fail_msg("template: %s", err);
	}
	return t;
}

/* Identifiers under 88.118.8 are hosted "here". */
static bool
hosted_8(void *arg, struct slice h)
{
	(void)arg;
	return h.len > 9 && memcmp(h.p, "88.118.8/", 9) == 0;
}

/* An item with a template, an owner, attributes, related identifiers and protocol values. */
static void
build_item(struct page *p, struct html_item *it, uint8_t *admin, size_t admin_cap)
{
	struct value_admin a = {VALUE_ADMIN_ALL, SLICE_LIT("0.NA/88.118.8"), 300};
	struct value v[12];
	struct wbuf aw;

	wbuf_init(&aw, admin, admin_cap);
	value_admin_encode(&aw, &a);
	v[0] = val(1, "URL", "https://example.com/p/1?a=1&b=2", 31, VALUE_PERM_DEFAULT);
	v[1] = val(2, "HS_ALIAS", "88.118.8/ALIAS-1", 16, VALUE_PERM_DEFAULT);
	v[2] = val(3, "URL.alt", "javascript:alert(1)", 19, VALUE_PERM_DEFAULT);
	v[3] = val(4, "secret", "TOP-SECRET-DATA", 15, VALUE_PERM_ADMIN_READ);
	v[4] = val(REC_KIND_INDEX, REC_KIND_TYPE, "part", 4, VALUE_PERM_DEFAULT);
	v[5] = val(100, "HS_ADMIN", aw.p, aw.len, VALUE_PERM_DEFAULT);
	v[6] = val(TMPL_INDEX_VERSION, TMPL_TYPE_VERSION, "1.0", 3, VALUE_PERM_DEFAULT);
	v[7] = val(2000, "title", "齿轮箱壳体", 15, VALUE_PERM_DEFAULT);
	v[8] = val(2001, "weight", "12.5", 4, VALUE_PERM_DEFAULT);
	v[9] = val(2002, "parent", "88.118.8/M-00001", 16, VALUE_PERM_DEFAULT);
	v[10] = val(2003, "material", "QT500-7 <i>球墨铸铁</i>", 27, VALUE_PERM_DEFAULT);
	v[11] = val(2010, "supplier", "99.1/X-1", 8, VALUE_PERM_DEFAULT);
	v[11].timestamp = 1700003600;
	build(p, REC_KIND_PART, "88.118.8/P-1", v, 12);
	memset(it, 0, sizeof(*it));
	it->handle = SLICE_LIT("88.118.8/P-1");
	it->rec = &p->view;
	it->prefix = SLICE_LIT("88.118.8");
	it->owner = SLICE_LIT("苏州精工机械制造有限公司");
	it->hosted = hosted_8;
	it->public_only = true;
}

/* The offset of needle in page (it must be there). */
static size_t
at(const char *page, const char *needle)
{
	const char *q = strstr(page, needle);

	if (q == NULL) {
		fail_msg("page lacks '%s'", needle);
	}
	return (size_t)(q - page);
}

static void
test_html_item_page_zh(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct tmpl *t = test_tmpl();
	struct html_item it;
	uint8_t admin[64];
	const char *page;
	size_t details;

	(void)state;
	assert_non_null(p);
	build_item(p, &it, admin, sizeof(admin));
	it.tmpl = t;
	it.lang = LANG_ZH;
	assert_int_equal(html_item_page(&p->out, &it), IDR_OK);
	page = page_text(p);
	assert_page_shell(page);
	assert_markup_ours(page);
	assert_has(page, "<html lang=\"zh-CN\">");
	/* kind and name first, then the identifier, the enterprise and its prefix */
	assert_has(page, "<p class=\"kind\">零部件</p>");
	assert_has(page, "<title>齿轮箱壳体</title>");
	assert_has(page, "<h1>齿轮箱壳体</h1>\n<p class=\"id\">88.118.8/P-1</p>");
	assert_has(page, "<dt>登记企业</dt><dd>苏州精工机械制造有限公司</dd>");
	assert_has(page, "<dt>标识前缀</dt><dd>88.118.8</dd>");
	assert_true(at(page, "class=\"kind\"") < at(page, "<h1>"));
	assert_true(at(page, "<h1>") < at(page, "登记企业"));
	/* the last change in China Standard Time, labelled */
	assert_has(page, "<dt>最近更新</dt><dd><time datetime=\"2023-11-14T23:13:20Z\">"
	                 "2023-11-15 07:13:20 北京时间</time>");
	/* attributes with the template's labels; the name is not repeated among them */
	assert_has(page, "<h2>主要属性</h2>");
	assert_has(page, "<dt>重量</dt><dd>12.5</dd>");
	assert_has(page, "<dt>材料&lt;b&gt;</dt><dd>QT500-7 &lt;i&gt;球墨铸铁&lt;/i&gt;</dd>");
	assert_lacks(page, "<dt>名称</dt>");
	/* an attribute outside the template is labelled with its type; a foreign handle is text */
	assert_has(page, "<dt>supplier</dt><dd>99.1/X-1</dd>");
	/* a hosted handle links to its page here, an http(s) URL links out */
	assert_has(page, "<dt>上级部件</dt><dd><a href=\"/88.118.8/M-00001?noredirect\">"
	                 "88.118.8/M-00001</a></dd>");
	assert_has(page, "<h2>相关标识</h2>");
	assert_has(page, "<dt>网址</dt><dd><a href=\"https://example.com/p/1?a=1&amp;b=2\" "
	                 "rel=\"nofollow noopener noreferrer\">");
	assert_has(page, "<dt>HS_ALIAS</dt><dd><a href=\"/88.118.8/ALIAS-1?noredirect\">");
	assert_lacks(page, "href=\"javascript");
	assert_lacks(page, "TOP-SECRET-DATA");
	/* raw values last, folded, times labelled */
	details = at(page, "<details><summary>Handle 原始值 (11 个)</summary>");
	assert_true(at(page, "<h2>相关标识</h2>") < details);
	assert_true(at(page, "HS_ADMIN") > details);
	assert_true(at(page, "ITEM_KIND") > details);
	assert_true(at(page, "javascript:alert(1)") > details);
	assert_has(page, "<th>时间（北京时间 UTC+08:00）</th>");
	assert_has(page, "管理员 0.NA/88.118.8，索引 300，权限 111111111111");
	assert_has(page, "另有 1 个值未公开，未显示。");
	assert_int_equal(count(page, "<tr><td"), 11);
	assert_int_equal(count(page, "<td"), count(page, "</td>"));
	assert_int_equal(count(page, "<div>"), count(page, "</div>"));
	assert_true(at(page, "</details>") < at(page, "class=\"foot\""));
	/* the JSON and the same page in English */
	assert_has(page, "<a href=\"/api/handles/88.118.8/P-1\">JSON</a>");
	assert_has(page, "<a href=\"/88.118.8/P-1?noredirect&amp;lang=en\" hreflang=\"en\" "
	                 "lang=\"en\">English</a>");
	tmpl_free(t);
	wbuf_deinit(&p->out);
	free(p);
}

static void
test_html_item_page_en(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct tmpl *t = test_tmpl();
	struct html_item it;
	uint8_t admin[64];
	const char *page;

	(void)state;
	assert_non_null(p);
	build_item(p, &it, admin, sizeof(admin));
	it.tmpl = t;
	it.lang = LANG_EN;
	it.lang_param = true;
	assert_int_equal(html_item_page(&p->out, &it), IDR_OK);
	page = page_text(p);
	assert_page_shell(page);
	assert_markup_ours(page);
	assert_has(page, "<html lang=\"en\">");
	assert_has(page, "<p class=\"kind\">Part</p>");
	assert_has(page, "<dt>Registered by</dt><dd>苏州精工机械制造有限公司</dd>");
	assert_has(page, "<dt>Last changed</dt><dd><time datetime=\"2023-11-14T23:13:20Z\">"
	                 "2023-11-14 23:13:20 UTC</time>");
	assert_has(page, "<h2>Key attributes</h2>");
	assert_has(page, "<dt>重量</dt><dd>12.5</dd>"); /* the template's names are its own */
	/* links to pages here keep the language chosen with ?lang= */
	assert_has(page, "<a href=\"/88.118.8/M-00001?noredirect&amp;lang=en\">");
	assert_has(page, "<h2>Related identifiers</h2>");
	assert_has(page, "<dt>Web page</dt>");
	assert_has(page, "<details><summary>Raw Handle values (11)</summary>");
	assert_has(page, "<th>Time (UTC)</th>");
	assert_has(page, "admin 0.NA/88.118.8 index 300, permissions 111111111111");
	assert_has(page, "1 value(s) not shown (not public).");
	assert_has(page, "lang=\"zh-CN\">中文</a>");
	tmpl_free(t);
	wbuf_deinit(&p->out);
	free(p);
}

/* Without a template: attributes are labelled with their type; `name` gives the name. */
static void
test_html_item_page_no_template(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct html_item it;
	struct value v[4];
	const char *page;

	(void)state;
	assert_non_null(p);
	v[0] = val(TMPL_INDEX_VERSION, TMPL_TYPE_VERSION, "9.9", 3, VALUE_PERM_DEFAULT);
	v[1] = val(2000, "model", "PT-001", 6, VALUE_PERM_DEFAULT);
	v[2] = val(2001, "name", "轴承座", 9, VALUE_PERM_DEFAULT);
	v[3] = val(2002, "hardness", "3", 1, VALUE_PERM_DEFAULT);
	build(p, REC_KIND_WIP, "88.118.8/W-1", v, 4);
	memset(&it, 0, sizeof(it));
	it.handle = SLICE_LIT("88.118.8/w-1");
	it.rec = &p->view;
	it.public_only = true;
	assert_int_equal(html_item_page(&p->out, &it), IDR_OK);
	page = page_text(p);
	assert_page_shell(page);
	assert_markup_ours(page);
	assert_has(page, "<p class=\"kind\">在制品</p>");
	assert_has(page, "<h1>轴承座</h1>\n<p class=\"id\">88.118.8/w-1</p>");
	/* a type registrations commonly use gets its label; any other type shows as written */
	assert_has(page, "<dt>型号</dt><dd>PT-001</dd>");
	assert_lacks(page, "<dt>model</dt>");
	assert_has(page, "<dt>hardness</dt><dd>3</dd>");
	assert_lacks(page, "<dt>name</dt>");
	/* no owner known, no prefix, nothing related: those parts are left out */
	assert_lacks(page, "登记企业");
	assert_lacks(page, "标识前缀");
	assert_lacks(page, "相关标识");
	wbuf_deinit(&p->out);
	free(p);
}

/* A record with nothing public: the heading is the handle, the fold says so. */
static void
test_html_item_page_plain(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct html_item it;
	struct value v[1];
	const char *page;

	(void)state;
	assert_non_null(p);
	v[0] = val(1, "HS_SECKEY", "k", 1, VALUE_PERM_ADMIN_READ);
	build(p, REC_KIND_NONE, "0.NA/88.118.8", v, 1);
	memset(&it, 0, sizeof(it));
	it.handle = SLICE_LIT("0.NA/88.118.8");
	it.rec = &p->view;
	it.public_only = true;
	it.lang = LANG_EN;
	assert_int_equal(html_item_page(&p->out, &it), IDR_OK);
	page = page_text(p);
	assert_page_shell(page);
	assert_markup_ours(page);
	assert_lacks(page, "class=\"kind\"");
	assert_has(page, "<title>0.NA/88.118.8</title>");
	assert_has(page, "<h1>0.NA/88.118.8</h1>");
	assert_lacks(page, "class=\"id\"");
	assert_lacks(page, "<h2>");
	assert_has(page, "No value of this record is public.");
	assert_has(page, "1 value(s) not shown");
	assert_int_equal(count(page, "<tr><td"), 0);
	wbuf_deinit(&p->out);

	/* without public_only every value is shown */
	wbuf_init_heap(&p->out, 1 << 20);
	it.public_only = false;
	assert_int_equal(html_item_page(&p->out, &it), IDR_OK);
	page = page_text(p);
	assert_int_equal(count(page, "<tr><td"), 1);
	assert_lacks(page, "not shown");
	wbuf_deinit(&p->out);
	free(p);
}

#define EVIL     "<script>alert(\"x\")</script>'&"
#define EVIL_J   "<script>alert(\\\"x\\\")</script>'&" /* EVIL in a JSON string */
#define EVIL_ESC "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;"

/* Hostile bytes in every field: all of them reach the page escaped, in both languages. */
static void
test_html_item_page_hostile(void **state)
{
	static const char evil_tmpl[] =
	        "{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"C\","
	        "\"type\":1,\"description\":\"" EVIL_J "\",\"items\":["
	        "{\"name\":\"" EVIL_J "\",\"idType\":\"evil\",\"idIndex\":2000,"
	        "\"metadata\":{}}]}";
	struct page *p = calloc(1, sizeof(*p));
	struct tmpl *t = NULL;
	struct html_item it;
	struct value v[8];
	const char *page;
	char err[256];
	int lang;

	(void)state;
	assert_non_null(p);
	if (tmpl_from_json(&t, evil_tmpl, sizeof(evil_tmpl) - 1, err, sizeof(err)) != IDR_OK) {
		fail_msg("template: %s", err);
	}
	v[0] = val(1, "URL", "https://x.example/\"><script>x</script>", 38, VALUE_PERM_DEFAULT);
	v[1] = val(2, EVIL, "88.118.8/" EVIL, 9 + sizeof(EVIL) - 1, VALUE_PERM_DEFAULT);
	v[2] = val(3, "URL", "http://a/\x01<b>", 13, VALUE_PERM_DEFAULT);
	v[3] = val(TMPL_INDEX_VERSION, TMPL_TYPE_VERSION, "1.0", 3, VALUE_PERM_DEFAULT);
	v[4] = val(2000, "evil", EVIL, sizeof(EVIL) - 1, VALUE_PERM_DEFAULT);
	v[5] = val(2001, "name", EVIL, sizeof(EVIL) - 1, VALUE_PERM_DEFAULT);
	v[6] = val(2002, EVIL, "88.118.8/" EVIL, 9 + sizeof(EVIL) - 1, VALUE_PERM_DEFAULT);
	v[7] = val(2003, "x", "a\xC0\x80<\xff", 5, VALUE_PERM_DEFAULT);
	build(p, REC_KIND_PRODUCT, "88.118.8/" EVIL, v, 8);
	for (lang = 0; lang < LANG_COUNT; lang++) {
		memset(&it, 0, sizeof(it));
		it.handle = SLICE_LIT("88.118.8/" EVIL);
		it.rec = &p->view;
		it.prefix = SLICE_LIT(EVIL);
		it.owner = SLICE_LIT(EVIL);
		it.tmpl = t;
		it.hosted = hosted_8;
		it.public_only = true;
		it.lang = (enum lang_id)lang;
		it.lang_param = true;
		wbuf_init_heap(&p->out, 1 << 20);
		assert_int_equal(html_item_page(&p->out, &it), IDR_OK);
		page = page_text(p);
		assert_page_shell(page);
		assert_markup_ours(page);
		assert_lacks(page, "<script");
		assert_lacks(page, "<b>");
		assert_has(page, "<title>" EVIL_ESC "</title>");                /* the name */
		assert_has(page, "<p class=\"id\">88.118.8/" EVIL_ESC "</p>");  /* the handle */
		assert_has(page, "<dd>" EVIL_ESC "</dd>");                      /* owner, prefix */
		assert_has(page, "<dt>" EVIL_ESC "</dt><dd>" EVIL_ESC "</dd>"); /* tmpl label */
		/* a hosted handle with hostile bytes: percent-encoded in the href, escaped text */
		assert_has(page,
		           "<a href=\"/88.118.8/%3Cscript%3Ealert%28%22x%22%29%3C/script%3E%27"
		           "%26?noredirect&amp;lang=");
		assert_has(page, "https://x.example/&quot;&gt;&lt;script&gt;x&lt;/script&gt;");
		assert_lacks(page, "href=\"http://a/");
		/* invalid UTF-8 is not text: a marker, never the bytes */
		assert_has(page,
		           lang == LANG_ZH ? "[二进制数据，5 字节]" : "[binary data, 5 bytes]");
		wbuf_deinit(&p->out);
	}
	tmpl_free(t);
	free(p);
}

static void
test_html_item_page_corrupt(void **state)
{
	static const uint8_t clump[] = {0, 0, 0, 1, 0, 0}; /* truncated value */
	struct html_item it;
	struct rec_view v;
	struct wbuf w;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.handle = SLICE_LIT("88.118.8/x");
	v.values = slice_make(clump, sizeof(clump));
	memset(&it, 0, sizeof(it));
	it.handle = v.handle;
	it.rec = &v;
	wbuf_init_heap(&w, 1 << 20);
	assert_int_not_equal(html_item_page(&w, &it), IDR_OK);
	assert_int_equal(w.len, 0); /* nothing written before the check */
	wbuf_deinit(&w);
}

/* The page of an identifier without a record, for each reason, in both languages. */
struct miss_case {
	uint32_t code;
	const char *handle;
	const char *prefix;
	int rule;
	enum lang_id lang;
	const char *want[3];
};

static void
test_html_miss_page(void **state)
{
	static const struct miss_case cases[] = {
	        {100,
	         "88.118.8/NOPE<b>",
	         "",
	         0,
	         LANG_ZH,
	         {"<title>未找到该标识</title>", "88.118.8/NOPE&lt;b&gt;", "本节点没有登记"}},
	        {100,
	         "88.118.8/NOPE<b>",
	         "",
	         0,
	         LANG_EN,
	         {"<h1>Identifier not found</h1>", "88.118.8/NOPE&lt;b&gt;",
	          "No item with this identifier is registered at this node."}},
	        {301,
	         "99.1/x",
	         "99.1",
	         0,
	         LANG_ZH,
	         {"<h1>前缀不由本节点服务</h1>", "标识前缀 <strong>99.1</strong> 不由本节点服务",
	          "<dd><span class=\"id\">99.1/x</span>"}},
	        {301,
	         "99.1<i>/x",
	         "99.1<i>",
	         0,
	         LANG_EN,
	         {"<h1>Prefix not served here</h1>",
	          "The prefix <strong>99.1&lt;i&gt;</strong> is "
	          "not served by this node",
	          "lang=\"zh-CN\">中文</a>"}},
	        {102,
	         "88.118.8",
	         "",
	         IDR_EID_NOSLASH,
	         LANG_ZH,
	         {"<h1>不是有效的标识</h1>", "扫描的内容不是有效的标识：缺少分隔前缀和后缀的“/”",
	          "<label for=\"hdl\">标识</label>"}},
	        {102,
	         "88.118.8",
	         "",
	         IDR_EID_NOSLASH,
	         LANG_EN,
	         {"<h1>Not an identifier</h1>",
	          "What was scanned is not an identifier: identifier has no &#39;/&#39;",
	          "<label for=\"hdl\">Identifier</label>"}},
	        {102, "", "", IDR_EID_EMPTY, LANG_ZH, {"标识为空", "<form", "</html>"}},
	        {2,
	         "88.118.8/x",
	         "",
	         0,
	         LANG_EN,
	         {"<h1>Cannot resolve now</h1>", "try again", "<form"}},
	        {2, "88.118.8/x", "", 0, LANG_ZH, {"<h1>暂时无法解析</h1>", "稍后再试", "<form"}},
	};
	const char *page;
	struct html_miss m;
	struct wbuf w;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.code = cases[i].code;
		m.handle = slice_cstr(cases[i].handle);
		m.prefix = slice_cstr(cases[i].prefix);
		m.rule = cases[i].rule;
		m.detail = slice_cstr(idr_strerror(cases[i].rule));
		m.lang = cases[i].lang;
		wbuf_init_heap(&w, 1 << 20);
		assert_int_equal(html_miss_page(&w, &m), IDR_OK);
		wbuf_terminate(&w);
		page = (const char *)w.p;
		assert_page_shell(page);
		assert_markup_ours(page);
		assert_has(page, cases[i].lang == LANG_ZH ? "<html lang=\"zh-CN\">"
		                                          : "<html lang=\"en\">");
		for (k = 0; k < 3; k++) {
			assert_has(page, cases[i].want[k]);
		}
		assert_lacks(page, "<b>");
		assert_lacks(page, "<i>");
		wbuf_deinit(&w);
	}
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
	assert_markup_ours(page);
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

/* ---------------------------------------------------------------- lifecycle sections */

#define NODE "https://n.example/"

/* A registry in memory with the prefix 88.118.8 and a few named items. */
static struct reg *
life_reg(void)
{
	static const struct {
		const char *id, *name;
		enum rec_kind kind;
	} items[] = {
	        {"88.118.8/P-1", "齿轮箱", REC_KIND_PRODUCT},
	        {"88.118.8/W-1", "壳体 <b>毛坯</b>", REC_KIND_WIP},
	        {"88.118.8/S-TURN", "车削工位", REC_KIND_PROCESS},
	        {"88.118.8/T-1", "计时件", REC_KIND_PART},
	};
	struct reg_opts o;
	struct reg_wtxn *w;
	enum reg_outcome oc;
	struct reg *r;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&r, &o, "88.118", "test"), IDR_OK);
	assert_int_equal(reg_write_begin(r, "tester", &w), IDR_OK);
	assert_int_equal(
	        reg_prefix_add(w, SLICE_LIT("88.118.8"), SLICE_LIT("精工"), PFX_ENABLED, &oc),
	        IDR_OK);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		struct value v =
		        val(2000, "name", items[i].name, strlen(items[i].name), VALUE_PERM_DEFAULT);

		assert_int_equal(
		        reg_create(w, slice_cstr(items[i].id), items[i].kind, &v, 1, 0, NULL),
		        IDR_OK);
	}
	assert_int_equal(reg_write_commit(w), IDR_OK);
	return r;
}

/* Capture one EPCIS 2.0 event (JSON) as `idr event add` would. */
static void
capture(struct reg *r, const char *json)
{
	char err[LIFE_ERR_LEN];
	struct life_event e;
	struct reg_wtxn *w;

	if (life_event_parse(json, strlen(json), &e, err, sizeof(err)) != IDR_OK) {
		fail_msg("%s: %s", json, err);
	}
	assert_int_equal(reg_write_begin(r, "tester", &w), IDR_OK);
	if (life_capture(w, &e, NULL, NULL, err, sizeof(err)) != IDR_OK) {
		fail_msg("%s: %s", json, err);
	}
	assert_int_equal(reg_write_commit(w), IDR_OK);
	life_event_deinit(&e);
}

/* An ObjectEvent of one item at a time, with more members (",..." or ""). */
static void
capture_obj(struct reg *r, const char *id, const char *time, const char *step, const char *more)
{
	char json[2048];

	assert_true(snprintf(json, sizeof(json),
	                     "{\"type\":\"ObjectEvent\",\"eventTime\":\"%s\","
	                     "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\","
	                     "\"bizStep\":\"%s\",\"epcList\":[\"" NODE "%s\"]%s}",
	                     time, step, id, more) < (int)sizeof(json));
	capture(r, json);
}

/* The supply chain of P-1: H-1 -> W-1 (at S-TURN), W-1 + 88.118.9/SHAFT-1 -> P-1, packed,
 * shipped by ORG-1, checked by a step that is not CBV. */
static void
life_story(struct reg *r)
{
	capture(r, "{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-01-11T09:00:00+08:00\","
	           "\"eventTimeZoneOffset\":\"+08:00\",\"bizStep\":\"commissioning\","
	           "\"inputEPCList\":[\"" NODE "88.118.8/H-1\"],"
	           "\"outputEPCList\":[\"" NODE "88.118.8/W-1\"],"
	           "\"readPoint\":{\"id\":\"" NODE "88.118.8/S-TURN\"}}");
	capture(r, "{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-01-20T10:00:00+08:00\","
	           "\"eventTimeZoneOffset\":\"+08:00\",\"bizStep\":\"assembling\","
	           "\"inputEPCList\":[\"" NODE "88.118.8/W-1\",\"" NODE "88.118.9/SHAFT-1\"],"
	           "\"outputEPCList\":[\"" NODE "88.118.8/P-1\"],"
	           "\"readPoint\":{\"id\":\"" NODE "88.118.8/S-ASM\"}}");
	capture(r, "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-01-21T10:00:00+08:00\","
	           "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":\"packing\","
	           "\"parentID\":\"" NODE "88.118.8/PALLET-9\","
	           "\"childEPCs\":[\"" NODE "88.118.8/P-1\"]}");
	capture_obj(r, "88.118.8/P-1", "2024-01-22T10:00:00+08:00", "shipping",
	            ",\"disposition\":\"in_transit\","
	            "\"bizLocation\":{\"id\":\"urn:epc:id:sgln:0614141.00888.0\"},"
	            "\"sourceList\":[{\"type\":\"owning_party\",\"source\":\"" NODE
	            "88.118.8/ORG-1\"}]");
	capture_obj(r, "88.118.8/P-1", "2024-01-23T10:00:00+08:00",
	            "https://example.com/steps/x-ray", "");
}

/* The page of id (a record in r) in lang, with the lifecycle read from r. */
static const char *
life_page(struct page *p, struct reg *r, struct reg_rtxn **t, const char *id, enum lang_id lang)
{
	struct html_item it;

	memset(&it, 0, sizeof(it));
	assert_int_equal(reg_read_begin(r, t), IDR_OK);
	assert_int_equal(reg_get(*t, slice_cstr(id), &p->view), IDR_OK);
	it.handle = slice_cstr(id);
	it.rec = &p->view;
	it.hosted = hosted_8;
	it.public_only = true;
	it.lang = lang;
	it.life = *t;
	wbuf_init_heap(&p->out, 1 << 20);
	assert_int_equal(html_item_page(&p->out, &it), IDR_OK);
	return page_text(p);
}

static void
life_done(struct page *p, struct reg *r, struct reg_rtxn *t)
{
	reg_read_end(t);
	wbuf_deinit(&p->out);
	reg_close(r);
	free(p);
}

static void
test_html_life_zh(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct reg *r = life_reg();
	struct reg_rtxn *t;
	const char *page;

	(void)state;
	assert_non_null(p);
	life_story(r);
	page = life_page(p, r, &t, "88.118.8/P-1", LANG_ZH);
	assert_page_shell(page);
	assert_markup_ours(page);
	/* the timeline: newest first, bizStep and disposition in words, a URI as given */
	assert_has(page, "<h2>生命周期</h2>\n<ol class=\"tl\">");
	assert_has(page, "<li><p class=\"ev\">https://example.com/steps/x-ray</p>");
	assert_has(page, "<p class=\"ev\">发货 <span class=\"disp\">在途</span></p>");
	assert_has(page, "<p class=\"ev\">装箱</p>");
	assert_has(page, "<p class=\"ev\">装配</p>");
	assert_true(at(page, "x-ray") < at(page, ">发货 "));
	assert_true(at(page, ">发货 ") < at(page, ">装箱<"));
	assert_true(at(page, ">装箱<") < at(page, ">装配<"));
	assert_int_equal(count(page, "<p class=\"ev\">"), 4);
	assert_lacks(page, "投产"); /* W-1's event is not P-1's */
	/* when, in China Standard Time; where; by whom; into what */
	assert_has(page, "<p class=\"when\"><time datetime=\"2024-01-22T02:00:00Z\">"
	                 "2024-01-22 10:00:00 北京时间</time></p>");
	assert_has(page, "<dt>地点</dt><dd><a href=\"/88.118.8/S-ASM?noredirect\">"
	                 "88.118.8/S-ASM</a></dd>");
	assert_has(page, "<dt>随后位于</dt><dd>urn:epc:id:sgln:0614141.00888.0</dd>");
	assert_has(page, "<dt>经办方</dt><dd><a href=\"/88.118.8/ORG-1?noredirect\">");
	assert_has(page, "<dt>装入</dt><dd><a href=\"/88.118.8/PALLET-9?noredirect\">");
	assert_lacks(page, "条更早的记录");
	/* the component tree: nested, hosted identifiers linked with kind and name */
	assert_has(page,
	           "<h2>组成部件</h2>\n<ul class=\"tree\">\n<li><span class=\"rel\">原料</span> "
	           "<a href=\"/88.118.8/W-1?noredirect\">88.118.8/W-1</a> "
	           "<span class=\"k\">在制品</span> 壳体 &lt;b&gt;毛坯&lt;/b&gt;<ul>\n"
	           "<li><span class=\"rel\">原料</span> "
	           "<a href=\"/88.118.8/H-1?noredirect\">88.118.8/H-1</a></li></ul></li>");
	assert_has(page, "<li><span class=\"rel\">原料</span> 88.118.9/SHAFT-1</li>");
	/* where it went: on the pallet */
	assert_has(page, "<h2>去向（用于）</h2>\n<ul class=\"tree\">\n<li><span class=\"rel\">装入"
	                 "</span> <a href=\"/88.118.8/PALLET-9?noredirect\">");
	assert_lacks(page, "仅显示");
	assert_int_equal(count(page, "<li>"), count(page, "</li>"));
	assert_int_equal(count(page, "<ul"), count(page, "</ul>"));
	assert_true(at(page, "<h2>生命周期</h2>") < at(page, "<h2>组成部件</h2>"));
	assert_true(at(page, "<h2>组成部件</h2>") < at(page, "<h2>去向（用于）</h2>"));
	assert_true(at(page, "<h2>去向（用于）</h2>") < at(page, "<details>"));
	life_done(p, r, t);
}

static void
test_html_life_en(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct reg *r = life_reg();
	struct reg_rtxn *t;
	const char *page;

	(void)state;
	assert_non_null(p);
	life_story(r);
	page = life_page(p, r, &t, "88.118.8/W-1", LANG_EN);
	assert_page_shell(page);
	assert_markup_ours(page);
	assert_has(page, "<h2>Lifecycle</h2>");
	assert_has(page, "<p class=\"ev\">Assembled</p>");
	assert_has(page, "<p class=\"ev\">Commissioned</p>");
	assert_has(page, "<time datetime=\"2024-01-11T01:00:00Z\">2024-01-11 01:00:00 UTC</time>");
	/* a hosted read point with its record's kind and name */
	assert_has(page, "<dt>Where</dt><dd><a href=\"/88.118.8/S-TURN?noredirect\">88.118.8/S-TURN"
	                 "</a> <span class=\"k\">Process step</span> 车削工位</dd>");
	assert_has(page, "<h2>Made of</h2>");
	assert_has(page,
	           "<span class=\"rel\">made from</span> <a href=\"/88.118.8/H-1?noredirect\">");
	/* where used: into P-1 (named), and with it onto the pallet */
	assert_has(page, "<h2>Where used</h2>\n<ul class=\"tree\">\n<li><span class=\"rel\">used in"
	                 "</span> <a href=\"/88.118.8/P-1?noredirect\">88.118.8/P-1</a> "
	                 "<span class=\"k\">Product</span> 齿轮箱<ul>\n<li><span class=\"rel\">"
	                 "packed into</span> <a href=\"/88.118.8/PALLET-9?noredirect\">");
	life_done(p, r, t);

	/* an item without events or links: none of the three sections */
	p = calloc(1, sizeof(*p));
	assert_non_null(p);
	r = life_reg();
	page = life_page(p, r, &t, "88.118.8/T-1", LANG_EN);
	assert_lacks(page, "Lifecycle");
	assert_lacks(page, "Made of");
	assert_lacks(page, "Where used");
	assert_lacks(page, "class=\"tl\"");
	life_done(p, r, t);
}

/* Event members that try to leave their element come out as text. */
static void
test_html_life_hostile(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct slice subj = SLICE_LIT("88.118.8/P-1");
	struct reg *r = life_reg();
	struct reg_event_put e;
	struct reg_wtxn *w;
	struct reg_rtxn *t;
	const char *page;

	(void)state;
	assert_non_null(p);
	capture_obj(
	        r, "88.118.8/P-1", "2024-01-22T10:00:00+08:00", "https://x.example/s?a=1&b='x'",
	        ",\"disposition\":\"urn:x:'onmouseover='alert(1)\","
	        "\"readPoint\":{\"id\":\"https://x.example/a'b&c\"},"
	        "\"sourceList\":[{\"type\":\"possessing_party\",\"source\":\"urn:x:<b>&amp;\"}]");
	/* a stored document that is not an EPCIS event: its time alone */
	memset(&e, 0, sizeof(e));
	e.id[0] = 0xee;
	e.time_ms = 1704067200000; /* 2024-01-01T00:00:00Z */
	e.doc = SLICE_LIT("<script>alert(1)</script>");
	e.subjects = &subj;
	e.nsubjects = 1;
	assert_int_equal(reg_write_begin(r, "tester", &w), IDR_OK);
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	page = life_page(p, r, &t, "88.118.8/P-1", LANG_ZH);
	assert_page_shell(page);
	assert_markup_ours(page);
	assert_has(
	        page,
	        "<li><p class=\"ev\"></p><p class=\"when\"><time "
	        "datetime=\"2024-01-01T00:00:00Z\">2024-01-01 08:00:00 北京时间</time></p></li>");
	assert_lacks(page, "script");
	assert_has(page, "<p class=\"ev\">https://x.example/s?a=1&amp;b=&#39;x&#39; <span");
	assert_has(page, "<span class=\"disp\">urn:x:&#39;onmouseover=&#39;alert(1)</span>");
	assert_has(page, "<dt>地点</dt><dd>https://x.example/a&#39;b&amp;c</dd>");
	assert_has(page, "<dt>经办方</dt><dd>urn:x:&lt;b&gt;&amp;amp;</dd>");
	life_done(p, r, t);
}

/* At most HTML_EVENTS_SHOW events with the number of the others; trees capped in depth and
 * size, saying so. */
static void
test_html_life_caps(void **state)
{
	struct page *p = calloc(1, sizeof(*p));
	struct reg *r = life_reg();
	struct reg_rtxn *t;
	const char *page, *tl;
	char json[8192], time[32], id[64];
	size_t n;

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < HTML_EVENTS_SHOW + 5; i++) {
		snprintf(time, sizeof(time), "2024-03-%02dT08:00:00+08:00", i + 1);
		capture_obj(r, "88.118.8/T-1", time, "inspecting", "");
	}
	/* a chain T-1 <- C-1 <- ... <- C-6, and T-1 made from 60 parts at once */
	for (int i = 0; i < 6; i++) {
		char in[32], out[32];

		snprintf(out, sizeof(out), i == 0 ? "88.118.8/T-1" : "88.118.8/C-%d", i);
		snprintf(in, sizeof(in), "88.118.8/C-%d", i + 1);
		snprintf(
		        json, sizeof(json),
		        "{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-02-0%dT08:00:00Z\","
		        "\"eventTimeZoneOffset\":\"+00:00\",\"inputEPCList\":[\"" NODE "%s\"],"
		        "\"outputEPCList\":[\"" NODE "%s\"]}",
		        i + 1, in, out);
		capture(r, json);
	}
	n = (size_t)snprintf(
	        json, sizeof(json),
	        "{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-02-10T08:00:00Z\","
	        "\"eventTimeZoneOffset\":\"+00:00\",\"inputEPCList\":[");
	for (int i = 0; i < 60; i++) {
		snprintf(id, sizeof(id), "%s\"" NODE "88.118.8/Q-%02d\"", i > 0 ? "," : "", i);
		n += (size_t)snprintf(json + n, sizeof(json) - n, "%s", id);
	}
	snprintf(json + n, sizeof(json) - n, "],\"outputEPCList\":[\"" NODE "88.118.8/T-1\"]}");
	capture(r, json);

	page = life_page(p, r, &t, "88.118.8/T-1", LANG_ZH);
	assert_markup_ours(page);
	tl = strstr(page, "<ol class=\"tl\">");
	assert_non_null(tl);
	/* 25 inspections + 2 transformations: the 20 newest, the inspections of March first */
	assert_int_equal(count(page, "<p class=\"ev\">检验</p>"), HTML_EVENTS_SHOW);
	assert_has(page, "<li><p class=\"ev\">检验</p><p class=\"when\"><time "
	                 "datetime=\"2024-03-25T00:00:00Z\">");
	assert_lacks(page, "datetime=\"2024-03-05T00:00:00Z\"");
	assert_has(page, "<p class=\"note\">另有 7 条更早的记录未显示。</p>");
	/* the back tree: 50 identifiers, never deeper than 4 levels, and the note */
	assert_has(page, "<h2>组成部件</h2>");
	assert_int_equal(count(page, "<li><span class=\"rel\">"), HTML_TREE_NODES);
	assert_has(page, "<p class=\"note\">仅显示 4 层以内的前 50 个标识，另有更多未显示。</p>");
	life_done(p, r, t);

	/* the chain alone: C-1 .. C-4 shown, C-5 not, capped by depth */
	p = calloc(1, sizeof(*p));
	assert_non_null(p);
	r = life_reg();
	for (int i = 0; i < 6; i++) {
		char in[32], out[32];

		snprintf(out, sizeof(out), i == 0 ? "88.118.8/T-1" : "88.118.8/C-%d", i);
		snprintf(in, sizeof(in), "88.118.8/C-%d", i + 1);
		snprintf(
		        json, sizeof(json),
		        "{\"type\":\"TransformationEvent\",\"eventTime\":\"2024-02-0%dT08:00:00Z\","
		        "\"eventTimeZoneOffset\":\"+00:00\",\"inputEPCList\":[\"" NODE "%s\"],"
		        "\"outputEPCList\":[\"" NODE "%s\"]}",
		        i + 1, in, out);
		capture(r, json);
	}
	page = life_page(p, r, &t, "88.118.8/T-1", LANG_EN);
	assert_markup_ours(page);
	assert_has(page, ">88.118.8/C-4</a>");
	assert_lacks(page, ">88.118.8/C-5</a>");
	assert_int_equal(count(page, "<ul>"), 3); /* levels 2..4 nested under the tree's own */
	assert_has(page, "<p class=\"note\">Showing 4 levels and the first 50 identifiers only; "
	                 "there is more.</p>");
	assert_lacks(page, "earlier event(s)");
	life_done(p, r, t);
}

/* Every CBV 2.0 bizStep and disposition has words in both languages. */
static void
test_html_cbv_words(void **state)
{
	static const char *const steps[] = {"accepting",
	                                    "arriving",
	                                    "assembling",
	                                    "collecting",
	                                    "commissioning",
	                                    "consigning",
	                                    "creating_class_instance",
	                                    "cycle_counting",
	                                    "decommissioning",
	                                    "departing",
	                                    "destroying",
	                                    "disassembling",
	                                    "dispensing",
	                                    "encoding",
	                                    "entering_exiting",
	                                    "holding",
	                                    "inspecting",
	                                    "installing",
	                                    "killing",
	                                    "loading",
	                                    "other",
	                                    "packing",
	                                    "picking",
	                                    "receiving",
	                                    "removing",
	                                    "repackaging",
	                                    "repairing",
	                                    "replacing",
	                                    "reserving",
	                                    "retail_selling",
	                                    "sampling",
	                                    "sensor_reporting",
	                                    "shipping",
	                                    "staging_outbound",
	                                    "stock_taking",
	                                    "stocking",
	                                    "storing",
	                                    "transporting",
	                                    "unloading",
	                                    "unpacking",
	                                    "void_shipping"};
	static const char *const disps[] = {"active",
	                                    "available",
	                                    "completeness_inferred",
	                                    "completeness_verified",
	                                    "conformant",
	                                    "container_closed",
	                                    "container_open",
	                                    "damaged",
	                                    "destroyed",
	                                    "dispensed",
	                                    "disposed",
	                                    "encoded",
	                                    "expired",
	                                    "in_progress",
	                                    "in_transit",
	                                    "inactive",
	                                    "mismatch_instance",
	                                    "mismatch_class",
	                                    "mismatch_quantity",
	                                    "needs_replacement",
	                                    "no_pedigree_match",
	                                    "non_conformant",
	                                    "non_sellable_other",
	                                    "partially_dispensed",
	                                    "recalled",
	                                    "reserved",
	                                    "retail_sold",
	                                    "returned",
	                                    "sellable_accessible",
	                                    "sellable_not_accessible",
	                                    "stolen",
	                                    "unavailable",
	                                    "unknown"};

	(void)state;
	assert_int_equal(sizeof(steps) / sizeof(steps[0]), 41);
	assert_int_equal(sizeof(disps) / sizeof(disps[0]), 33);
	for (int k = 0; k < 2; k++) {
		const char *const *v = k == 0 ? steps : disps;
		size_t n = k == 0 ? 41 : 33;

		for (size_t i = 0; i < n; i++) {
			const char *zh = html_cbv_word(v[i], k == 1, LANG_ZH);
			const char *en = html_cbv_word(v[i], k == 1, LANG_EN);

			assert_true(k == 0 ? life_cbv_biz_step(v[i]) : life_cbv_disposition(v[i]));
			if (zh == NULL || en == NULL || strcmp(zh, en) == 0 ||
			    text_utf8_check((const uint8_t *)zh, strlen(zh), NULL, NULL) !=
			            IDR_OK ||
			    (unsigned char)zh[0] < 0x80) {
				fail_msg("no words for %s", v[i]);
			}
			assert_true(en[0] >= 'A' && en[0] <= 'Z');
			/* a word of one list is not one of the other's (but the shared ones) */
		}
	}
	assert_string_equal(html_cbv_word("shipping", false, LANG_ZH), "发货");
	assert_string_equal(html_cbv_word("shipping", false, LANG_EN), "Shipped");
	assert_string_equal(html_cbv_word("in_transit", true, LANG_ZH), "在途");
	assert_string_equal(html_cbv_word("urn:epcglobal:cbv:bizstep:receiving", false, LANG_EN),
	                    "Received");
	assert_string_equal(html_cbv_word("https://ref.gs1.org/cbv/Disp-recalled", true, LANG_ZH),
	                    "已召回");
	assert_null(html_cbv_word("in_transit", false, LANG_ZH)); /* a disposition, not a step */
	assert_null(html_cbv_word("shipping", true, LANG_EN));
	assert_null(html_cbv_word("Shipping", false, LANG_EN));
	assert_null(html_cbv_word("https://example.com/steps/x-ray", false, LANG_EN));
	assert_null(html_cbv_word("", false, LANG_EN));
	assert_null(html_cbv_word(NULL, false, LANG_EN));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_html_escape_table),
	        cmocka_unit_test(test_html_escape_random),
	        cmocka_unit_test(test_html_escape_no_room),
	        cmocka_unit_test(test_html_is_text),
	        cmocka_unit_test(test_html_item_page_zh),
	        cmocka_unit_test(test_html_item_page_en),
	        cmocka_unit_test(test_html_item_page_no_template),
	        cmocka_unit_test(test_html_item_page_plain),
	        cmocka_unit_test(test_html_item_page_hostile),
	        cmocka_unit_test(test_html_item_page_corrupt),
	        cmocka_unit_test(test_html_miss_page),
	        cmocka_unit_test(test_html_error_page),
	        cmocka_unit_test(test_html_home_page),
	        cmocka_unit_test(test_html_life_zh),
	        cmocka_unit_test(test_html_life_en),
	        cmocka_unit_test(test_html_life_hostile),
	        cmocka_unit_test(test_html_life_caps),
	        cmocka_unit_test(test_html_cbv_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
