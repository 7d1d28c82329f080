/*
 * html_item.c - the page of an item and the page of an identifier not found (html.h), in
 * Chinese or English.
 *
 * The values are checked once (they all decode) and the name found before anything is
 * written; then the page is a list of sections, each walking the values itself. A section
 * with nothing to show writes nothing. Words of the page come from one table per language.
 */
#include "http/html.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/rbuf.h"
#include "base/text.h"
#include "hdl/hdl.h"
#include "http/html_int.h"
#include "http/uri.h"
#include "model/value.h"
#include "model/vjson.h"

#define ITEM_VLIST_SHOW 16              /* references of an HS_VLIST listed on the page */
#define ITEM_TIME_MAX   253402300799ull /* 9999-12-31T23:59:59Z: larger times are numbers */
#define ITEM_NAME_ZH    "名称"

/* The words of one language. */
struct words {
	const char *kind[REC_KIND_COUNT];
	const char *owner, *prefix, *changed, *attrs, *related, *raw, *raw_n;
	const char *th_index, *th_type, *th_data, *th_time;
	const char *bin_a, *bin_b;       /* [binary data, <n> bytes] */
	const char *hidden_a, *hidden_b; /* <n> values not shown */
	const char *none_public, *web;
	const char *admin, *admin_index, *admin_perms, *vlist_index;
	const char *tz;        /* the label after each time */
	long tz_offset;        /* seconds east of UTC */
	const char *switch_to; /* the other language's name */
	/* the page of an identifier not found */
	const char *scanned, *miss_title[4], *miss_100, *miss_301a, *miss_301b, *miss_102,
	        *miss_err;
};

static const struct words zh = {
        .kind = {"", "零部件", "在制品", "工序", "产品", "批次", "包装"},
        .owner = "登记企业",
        .prefix = "标识前缀",
        .changed = "最近更新",
        .attrs = "主要属性",
        .related = "相关标识",
        .raw = "Handle 原始值",
        .raw_n = " 个",
        .th_index = "索引",
        .th_type = "类型",
        .th_data = "数据",
        .th_time = "时间（北京时间 UTC+08:00）",
        .bin_a = "[二进制数据，",
        .bin_b = " 字节]",
        .hidden_a = "另有 ",
        .hidden_b = " 个值未公开，未显示。",
        .none_public = "此记录没有公开的值。",
        .web = "网址",
        .admin = "管理员 ",
        .admin_index = "，索引 ",
        .admin_perms = "，权限 ",
        .vlist_index = "，索引 ",
        .tz = " 北京时间",
        .tz_offset = 28800, /* 8 hours */
        .switch_to = "English",
        .scanned = "扫描内容",
        .miss_title = {"未找到该标识", "前缀不由本节点服务", "不是有效的标识", "暂时无法解析"},
        .miss_100 = "本节点没有登记此标识的对象。请核对标识是否完整、抄写是否正确，"
                    "或联系登记该标识的企业。",
        .miss_301a = "标识前缀 ",
        .miss_301b = " 不由本节点服务：此标识应由其他节点解析。",
        .miss_102 = "扫描的内容不是有效的标识：",
        .miss_err = "本节点暂时无法解析此标识，请稍后再试。",
};

static const struct words en = {
        .kind = {"", "Part", "Work in progress", "Process step", "Product", "Lot", "Package"},
        .owner = "Registered by",
        .prefix = "Prefix",
        .changed = "Last changed",
        .attrs = "Key attributes",
        .related = "Related identifiers",
        .raw = "Raw Handle values",
        .raw_n = "",
        .th_index = "Index",
        .th_type = "Type",
        .th_data = "Data",
        .th_time = "Time (UTC)",
        .bin_a = "[binary data, ",
        .bin_b = " bytes]",
        .hidden_a = "",
        .hidden_b = " value(s) not shown (not public).",
        .none_public = "No value of this record is public.",
        .web = "Web page",
        .admin = "admin ",
        .admin_index = " index ",
        .admin_perms = ", permissions ",
        .vlist_index = " index ",
        .tz = " UTC",
        .tz_offset = 0,
        .switch_to = "中文",
        .scanned = "Scanned",
        .miss_title = {"Identifier not found", "Prefix not served here", "Not an identifier",
                       "Cannot resolve now"},
        .miss_100 = "No item with this identifier is registered at this node. Check that the "
                    "identifier is complete and correctly copied, or ask the enterprise that "
                    "registered it.",
        .miss_301a = "The prefix ",
        .miss_301b = " is not served by this node: another node resolves this identifier.",
        .miss_102 = "What was scanned is not an identifier: ",
        .miss_err = "This node cannot look the identifier up right now; please try again later.",
};

/*
 * Labels of the attribute types registrations commonly use (the demo's, `idr gen`'s and the
 * sample CSV columns), for records without a template: a person on a shop floor reads 型号,
 * not `model`. Matched case-insensitively; any other type is shown as written.
 */
static const struct {
	const char *type, *zh, *en;
} known_attrs[] = {
        {"model", "型号", "Model"},
        {"spec", "规格", "Specification"},
        {"produced", "生产日期", "Produced"},
        {"batch", "批号", "Batch"},
        {"lot", "批次", "Lot"},
        {"material", "材料", "Material"},
        {"station", "工位", "Station"},
        {"operator", "操作人员", "Operator"},
        {"quantity", "数量", "Quantity"},
        {"parent", "所属", "Part of"},
        {"serial", "序列号", "Serial number"},
        {"gtin", "GTIN 商品条码", "GTIN"},
        {"gs1", "GS1 编码", "GS1 key"},
        {"manufacturer", "制造商", "Manufacturer"},
        {"weight", "重量", "Weight"},
        {"expiry", "有效期", "Expiry"},
};

/* The label of an attribute type in t's language, or NULL (shown as written). */
static const char *
attr_label(const struct words *t, struct slice type)
{
	for (size_t i = 0; i < sizeof(known_attrs) / sizeof(known_attrs[0]); i++) {
		if (slice_caseeq_cstr(type, known_attrs[i].type)) {
			return t == &zh ? known_attrs[i].zh : known_attrs[i].en;
		}
	}
	return NULL;
}

/* What the check of the values found; the sections read it. */
struct item_ctx {
	const struct html_item *it;
	const struct words *t;
	bool has_name;
	uint32_t name_index;
	struct slice name;
	size_t shown, hidden, nattrs, nrelated;
	uint64_t changed; /* latest timestamp of a shown value, 0 if none */
};

enum link { LINK_NONE, LINK_WEB, LINK_HANDLE };

static const struct words *
words_of(enum lang_id lang)
{
	return lang == LANG_EN ? &en : &zh;
}

static void
put_u64(struct wbuf *w, uint64_t v)
{
	wbuf_printf(w, "%llu", (unsigned long long)v);
}

/* A time in the page's zone: "2023-11-15 06:13:20 北京时间" / "2023-11-14 22:13:20 UTC". */
static void
put_time(struct wbuf *w, uint64_t t, const struct words *tw)
{
	char iso[VJSON_TIME_LEN];
	time_t s;
	struct tm tm;

	s = (time_t)(t <= ITEM_TIME_MAX ? t : 0) + tw->tz_offset;
	if (t > ITEM_TIME_MAX || gmtime_r(&s, &tm) == NULL) {
		put_u64(w, t);
		return;
	}
	vjson_time_format(t, iso);
	wbuf_lit(w, "<time datetime=\"");
	html_put_cstr(w, iso);
	wbuf_printf(w, "\">%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	html_put_cstr(w, tw->tz);
	wbuf_lit(w, "</time>");
}

static bool
has_prefix_ci(struct slice s, const char *lit)
{
	struct slice l = slice_cstr(lit);

	return s.len > l.len && slice_caseeq(slice_make(s.p, l.len), l);
}

/* An http(s) URL without blanks or controls (it becomes an href). */
static bool
web_url(struct slice data)
{
	size_t i;

	if (!has_prefix_ci(data, "http://") && !has_prefix_ci(data, "https://")) {
		return false;
	}
	for (i = 0; i < data.len; i++) {
		if (data.p[i] <= 0x20 || data.p[i] == 0x7f) {
			return false;
		}
	}
	return true;
}

static enum link
link_of(const struct item_ctx *c, struct slice data)
{
	if (!html_is_text(data)) {
		return LINK_NONE;
	}
	if (web_url(data)) {
		return LINK_WEB;
	}
	if (c->it->hosted != NULL && memchr(data.p, '/', data.len) != NULL &&
	    c->it->hosted(c->it->hosted_arg, data)) {
		return LINK_HANDLE;
	}
	return LINK_NONE;
}

void
html_put_time(struct wbuf *w, uint64_t t, enum lang_id lang)
{
	put_time(w, t, words_of(lang));
}

const char *
html_kind_word(unsigned kind, enum lang_id lang)
{
	return kind < REC_KIND_COUNT ? words_of(lang)->kind[kind] : "";
}

void
html_put_page_query(struct wbuf *w, enum lang_id lang, bool with_lang)
{
	wbuf_lit(w, "?noredirect");
	if (with_lang) {
		wbuf_lit(w, "&amp;lang=");
		html_put_cstr(w, lang_code(lang));
	}
}

static void
put_linked(struct wbuf *w, const struct item_ctx *c, struct slice data)
{
	switch (link_of(c, data)) {
	case LINK_WEB:
		wbuf_lit(w, "<a href=\"");
		html_escape(w, data);
		wbuf_lit(w, "\" rel=\"nofollow noopener noreferrer\">");
		break;
	case LINK_HANDLE:
		wbuf_lit(w, "<a href=\"/");
		uri_encode(w, data, true);
		html_put_page_query(w, c->it->lang, c->it->lang_param);
		wbuf_lit(w, "\">");
		break;
	default:
		html_escape(w, data);
		return;
	}
	html_escape(w, data);
	wbuf_lit(w, "</a>");
}

static void
put_binary(struct wbuf *w, const struct item_ctx *c, size_t len)
{
	wbuf_lit(w, "<span class=\"bin\">");
	html_put_cstr(w, c->t->bin_a);
	put_u64(w, len);
	html_put_cstr(w, c->t->bin_b);
	wbuf_lit(w, "</span>");
}

/* Data shown to a reader: text (linked where it is a link) or a binary marker. */
static void
put_text_data(struct wbuf *w, const struct item_ctx *c, struct slice data)
{
	if (!html_is_text(data)) {
		put_binary(w, c, data.len);
		return;
	}
	put_linked(w, c, data);
}

/* The next value the page may show (public_only applied); false at the end. */
static bool
next_shown(struct rbuf *r, const struct item_ctx *c, struct value *v)
{
	while (rec_value_next(r, v) == IDR_OK) {
		if (!c->it->public_only || (v->perms & VALUE_PERM_PUBLIC_READ) != 0) {
			return true;
		}
	}
	return false;
}

static void
values_begin(struct rbuf *r, const struct item_ctx *c)
{
	rbuf_init(r, c->it->rec->values.p, c->it->rec->values.len);
}

/* The template's item for a value: the same index and the value's type as its key. */
static const struct tmpl_item *
item_of(const struct item_ctx *c, const struct value *v)
{
	const struct tmpl_item *ti;

	if (c->it->tmpl == NULL || v->index < TMPL_MIN_INDEX) {
		return NULL;
	}
	ti = tmpl_item_by_index(c->it->tmpl, v->index);
	return ti != NULL && slice_caseeq(v->type, slice_cstr(ti->key)) ? ti : NULL;
}

static bool
is_name_value(const struct item_ctx *c, const struct value *v)
{
	const struct tmpl_item *ti = item_of(c, v);

	if (v->data.len == 0 || !html_is_text(v->data)) {
		return false;
	}
	return slice_caseeq_cstr(v->type, "name") || slice_eq(v->type, SLICE_LIT(ITEM_NAME_ZH)) ||
	       (ti != NULL && strcmp(ti->name, ITEM_NAME_ZH) == 0);
}

/* HS_* types are the protocol's own (HS_ALIAS aside, which names another identifier). */
static bool
is_related(const struct item_ctx *c, const struct value *v)
{
	if (v->index >= TMPL_MIN_INDEX ||
	    (has_prefix_ci(v->type, "HS_") && !slice_caseeq_cstr(v->type, "HS_ALIAS"))) {
		return false;
	}
	return link_of(c, v->data) != LINK_NONE;
}

/* Walk every value once: all must decode; count what each section will show. */
static int
item_check(struct item_ctx *c)
{
	struct value v;
	struct rbuf r;
	int rc;

	values_begin(&r, c);
	while ((rc = rec_value_next(&r, &v)) == IDR_OK) {
		if (c->it->public_only && (v.perms & VALUE_PERM_PUBLIC_READ) == 0) {
			c->hidden++;
			continue;
		}
		c->shown++;
		c->changed = v.timestamp > c->changed ? v.timestamp : c->changed;
		if (!c->has_name && is_name_value(c, &v)) {
			c->has_name = true;
			c->name_index = v.index;
			c->name = v.data;
		} else if (v.index >= TMPL_MIN_INDEX) {
			c->nattrs++;
		} else if (is_related(c, &v)) {
			c->nrelated++;
		}
	}
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

static void
put_fact(struct wbuf *w, const char *label)
{
	wbuf_lit(w, "<div><dt>");
	html_put_cstr(w, label);
	wbuf_lit(w, "</dt><dd>");
}

/* Kind, name, identifier, the enterprise and the last change. */
static void
sec_title(struct wbuf *w, const struct item_ctx *c)
{
	const struct html_item *it = c->it;

	if (it->rec->kind != REC_KIND_NONE && it->rec->kind < REC_KIND_COUNT) {
		wbuf_lit(w, "<p class=\"kind\">");
		html_put_cstr(w, c->t->kind[it->rec->kind]);
		wbuf_lit(w, "</p>\n");
	}
	wbuf_lit(w, "<h1>");
	html_escape(w, c->has_name ? c->name : it->handle);
	wbuf_lit(w, "</h1>\n");
	if (c->has_name) {
		wbuf_lit(w, "<p class=\"id\">");
		html_escape(w, it->handle);
		wbuf_lit(w, "</p>\n");
	}
	if (it->owner.len == 0 && it->prefix.len == 0 && c->changed == 0) {
		return;
	}
	wbuf_lit(w, "<dl class=\"facts\">");
	if (it->owner.len > 0) {
		put_fact(w, c->t->owner);
		html_escape(w, it->owner);
		wbuf_lit(w, "</dd></div>");
	}
	if (it->prefix.len > 0) {
		put_fact(w, c->t->prefix);
		html_escape(w, it->prefix);
		wbuf_lit(w, "</dd></div>");
	}
	if (c->changed != 0) {
		put_fact(w, c->t->changed);
		put_time(w, c->changed, c->t);
		wbuf_lit(w, "</dd></div>");
	}
	wbuf_lit(w, "</dl>\n");
}

/*
 * Values from index 2000 on, labelled with the template's item names, else a known type's
 * label (known_attrs), else their type.
 */
static void
sec_attrs(struct wbuf *w, const struct item_ctx *c)
{
	const struct tmpl_item *ti;
	const char *label;
	struct value v;
	struct rbuf r;

	if (c->nattrs == 0) {
		return;
	}
	wbuf_lit(w, "<h2>");
	html_put_cstr(w, c->t->attrs);
	wbuf_lit(w, "</h2>\n<dl class=\"attrs\">");
	values_begin(&r, c);
	while (next_shown(&r, c, &v)) {
		if (v.index < TMPL_MIN_INDEX || (c->has_name && v.index == c->name_index)) {
			continue;
		}
		ti = item_of(c, &v);
		label = ti != NULL ? ti->name : attr_label(c->t, v.type);
		wbuf_lit(w, "\n<div><dt>");
		if (label != NULL) {
			html_put_cstr(w, label);
		} else {
			html_escape(w, v.type);
		}
		wbuf_lit(w, "</dt><dd>");
		put_text_data(w, c, v.data);
		wbuf_lit(w, "</dd></div>");
	}
	wbuf_lit(w, "</dl>\n");
}

/* Values below 2000 that point somewhere: a web page, another identifier hosted here. */
static void
sec_related(struct wbuf *w, const struct item_ctx *c)
{
	struct value v;
	struct rbuf r;

	if (c->nrelated == 0) {
		return;
	}
	wbuf_lit(w, "<h2>");
	html_put_cstr(w, c->t->related);
	wbuf_lit(w, "</h2>\n<dl class=\"attrs\">");
	values_begin(&r, c);
	while (next_shown(&r, c, &v)) {
		if (!is_related(c, &v)) {
			continue;
		}
		wbuf_lit(w, "\n<div><dt>");
		if (slice_caseeq_cstr(v.type, "URL")) {
			html_put_cstr(w, c->t->web);
		} else {
			html_escape(w, v.type);
		}
		wbuf_lit(w, "</dt><dd>");
		put_linked(w, c, v.data);
		wbuf_lit(w, "</dd></div>");
	}
	wbuf_lit(w, "</dl>\n");
}

static void
put_admin(struct wbuf *w, const struct item_ctx *c, const struct value_admin *a)
{
	int bit;

	html_put_cstr(w, c->t->admin);
	html_escape(w, a->handle);
	html_put_cstr(w, c->t->admin_index);
	put_u64(w, a->index);
	html_put_cstr(w, c->t->admin_perms);
	for (bit = 11; bit >= 0; bit--) {
		wbuf_u8(w, (a->perms >> bit) & 1 ? '1' : '0');
	}
}

static bool
put_vlist(struct wbuf *w, const struct item_ctx *c, struct slice data)
{
	struct value_ref refs[ITEM_VLIST_SHOW];
	size_t n, i;

	if (value_vlist_decode(data, refs, ITEM_VLIST_SHOW, &n) != IDR_OK) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (i > 0) {
			wbuf_lit(w, "\n");
		}
		html_escape(w, refs[i].handle);
		html_put_cstr(w, c->t->vlist_index);
		put_u64(w, refs[i].index);
	}
	return true;
}

static void
put_raw_row(struct wbuf *w, const struct item_ctx *c, const struct value *v)
{
	struct value_admin a;

	wbuf_lit(w, "<tr><td data-l=\"");
	html_put_cstr(w, c->t->th_index);
	wbuf_lit(w, "\">");
	put_u64(w, v->index);
	wbuf_lit(w, "</td><td data-l=\"");
	html_put_cstr(w, c->t->th_type);
	wbuf_lit(w, "\">");
	html_escape(w, v->type);
	wbuf_lit(w, "</td><td class=\"d\" data-l=\"");
	html_put_cstr(w, c->t->th_data);
	wbuf_lit(w, "\">");
	if (slice_caseeq_cstr(v->type, "HS_ADMIN") && value_admin_decode(v->data, &a) == IDR_OK) {
		put_admin(w, c, &a);
	} else if (!slice_caseeq_cstr(v->type, "HS_VLIST") || !put_vlist(w, c, v->data)) {
		put_text_data(w, c, v->data);
	}
	wbuf_lit(w, "</td><td data-l=\"");
	html_put_cstr(w, c->t->th_time);
	wbuf_lit(w, "\">");
	if (v->timestamp != 0) {
		put_time(w, v->timestamp, c->t);
	}
	wbuf_lit(w, "</td></tr>\n");
}

/* Every shown value as stored, folded away. */
static void
sec_raw(struct wbuf *w, const struct item_ctx *c)
{
	struct value v;
	struct rbuf r;

	wbuf_lit(w, "<details><summary>");
	html_put_cstr(w, c->t->raw);
	wbuf_lit(w, " (");
	put_u64(w, c->shown);
	html_put_cstr(w, c->t->raw_n);
	wbuf_lit(w, ")</summary>\n");
	if (c->shown > 0) {
		wbuf_lit(w, "<table><thead><tr><th>");
		html_put_cstr(w, c->t->th_index);
		wbuf_lit(w, "</th><th>");
		html_put_cstr(w, c->t->th_type);
		wbuf_lit(w, "</th><th>");
		html_put_cstr(w, c->t->th_data);
		wbuf_lit(w, "</th><th>");
		html_put_cstr(w, c->t->th_time);
		wbuf_lit(w, "</th></tr></thead><tbody>\n");
		values_begin(&r, c);
		while (next_shown(&r, c, &v)) {
			put_raw_row(w, c, &v);
		}
		wbuf_lit(w, "</tbody></table>\n");
	} else {
		wbuf_lit(w, "<p class=\"note\">");
		html_put_cstr(w, c->t->none_public);
		wbuf_lit(w, "</p>\n");
	}
	if (c->hidden > 0) {
		wbuf_lit(w, "<p class=\"note\">");
		html_put_cstr(w, c->t->hidden_a);
		put_u64(w, c->hidden);
		html_put_cstr(w, c->t->hidden_b);
		wbuf_lit(w, "</p>\n");
	}
	wbuf_lit(w, "</details>\n");
}

/* The same page in the other language; for an item, its JSON too. */
static void
put_foot(struct wbuf *w, const struct words *t, enum lang_id lang, struct slice handle, bool json)
{
	enum lang_id other = lang == LANG_EN ? LANG_ZH : LANG_EN;

	if (handle.len == 0) {
		return;
	}
	wbuf_lit(w, "<p class=\"foot\">");
	if (json) {
		wbuf_lit(w, "<a href=\"/api/handles/");
		uri_encode(w, handle, true);
		wbuf_lit(w, "\">JSON</a> &middot; ");
	}
	wbuf_lit(w, "<a href=\"/");
	uri_encode(w, handle, true);
	html_put_page_query(w, other, true);
	wbuf_lit(w, "\" hreflang=\"");
	html_put_cstr(w, lang_tag(other));
	wbuf_lit(w, "\" lang=\"");
	html_put_cstr(w, lang_tag(other));
	wbuf_lit(w, "\">");
	html_put_cstr(w, t->switch_to);
	wbuf_lit(w, "</a></p>\n");
}

typedef void (*item_section_fn)(struct wbuf *w, const struct item_ctx *c);

static void
sec_timeline(struct wbuf *w, const struct item_ctx *c)
{
	html_life_timeline(w, c->it);
}

static void
sec_back(struct wbuf *w, const struct item_ctx *c)
{
	html_life_tree(w, c->it, false);
}

static void
sec_forward(struct wbuf *w, const struct item_ctx *c)
{
	html_life_tree(w, c->it, true);
}

/*
 * The sections of the item page, in order. A new one is a function added here, with what it
 * needs added to struct html_item; it writes nothing when it has nothing to show.
 */
static const item_section_fn item_sections[] = {sec_title, sec_attrs,   sec_related, sec_timeline,
                                                sec_back,  sec_forward, sec_raw};

int
html_item_page(struct wbuf *w, const struct html_item *it)
{
	struct item_ctx c;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.it = it;
	c.t = words_of(it->lang);
	rc = item_check(&c);
	if (rc != IDR_OK) {
		return rc;
	}
	html_page_head(w, c.has_name ? c.name : it->handle, it->lang);
	for (i = 0; i < sizeof(item_sections) / sizeof(item_sections[0]); i++) {
		item_sections[i](w, &c);
	}
	put_foot(w, c.t, it->lang, it->handle, true);
	html_page_tail(w);
	return wbuf_error(w);
}

/* The identifier rules (ident.h) in Chinese; NULL: show the resolver's words. */
static const char *
rule_zh(int rule)
{
	switch (rule) {
	case IDR_EID_EMPTY:
		return "标识为空";
	case IDR_EID_NOPREFIX:
		return "缺少前缀（第一个“/”之前没有内容）";
	case IDR_EID_NOSUFFIX:
		return "缺少后缀（第一个“/”之后没有内容）";
	case IDR_EID_SEGMENT:
		return "前缀中有空的段（开头、结尾或连续的“.”）";
	case IDR_EID_PREFIXCHAR:
		return "前缀只能包含 ASCII 字母、数字、“-”、“_”和“.”";
	case IDR_EID_UTF8:
		return "不是有效的 UTF-8 文本";
	case IDR_EID_CTRL:
		return "含有控制字符";
	case IDR_EID_TOOLONG:
		return "超过本节点配置的长度上限";
	case IDR_EID_HARDLIMIT:
		return "超过 2048 字节（协议上限）";
	case IDR_EID_NOTPREFIX:
		return "应为前缀，却含有“/”";
	case IDR_EID_NOSLASH:
		return "缺少分隔前缀和后缀的“/”（例如 88.118.8/P-1）";
	default:
		return NULL;
	}
}

static void
put_miss_reason(struct wbuf *w, const struct html_miss *m, const struct words *t)
{
	const char *rule;

	wbuf_lit(w, "<p>");
	switch (m->code) {
	case HDL_RC_HANDLE_NOT_FOUND:
		html_put_cstr(w, t->miss_100);
		break;
	case HDL_RC_SERVER_NOT_RESP:
		html_put_cstr(w, t->miss_301a);
		wbuf_lit(w, "<strong>");
		html_escape(w, m->prefix);
		wbuf_lit(w, "</strong>");
		html_put_cstr(w, t->miss_301b);
		break;
	case HDL_RC_INVALID_HANDLE:
		rule = m->lang == LANG_ZH ? rule_zh(m->rule) : NULL;
		html_put_cstr(w, t->miss_102);
		if (rule != NULL) {
			html_put_cstr(w, rule);
		} else {
			html_escape(w, m->detail);
		}
		break;
	default:
		html_put_cstr(w, t->miss_err);
		break;
	}
	wbuf_lit(w, "</p>\n");
}

int
html_miss_page(struct wbuf *w, const struct html_miss *m)
{
	const struct words *t = words_of(m->lang);
	size_t k;

	switch (m->code) {
	case HDL_RC_HANDLE_NOT_FOUND:
		k = 0;
		break;
	case HDL_RC_SERVER_NOT_RESP:
		k = 1;
		break;
	case HDL_RC_INVALID_HANDLE:
		k = 2;
		break;
	default:
		k = 3;
		break;
	}
	html_page_head(w, slice_cstr(t->miss_title[k]), m->lang);
	wbuf_lit(w, "<h1>");
	html_put_cstr(w, t->miss_title[k]);
	wbuf_lit(w, "</h1>\n");
	if (m->handle.len > 0) {
		wbuf_lit(w, "<dl class=\"facts\">");
		put_fact(w, t->scanned);
		wbuf_lit(w, "<span class=\"id\">");
		html_escape(w, m->handle);
		wbuf_lit(w, "</span></dd></div></dl>\n");
	}
	put_miss_reason(w, m, t);
	html_search_form(w, m->lang);
	put_foot(w, t, m->lang, m->handle, false);
	html_page_tail(w);
	return wbuf_error(w);
}
