/*
 * html_life.c - the lifecycle sections of the item page (html.h html_item_page): the timeline
 * of the item's EPCIS events and its component and where-used trees, read from the registry
 * in the page's read transaction, in Chinese or English.
 *
 * Events are stored by capture (life/capture.h) as EPCIS 2.0 JSON-LD; each shown one is
 * parsed again with life_event_parse. Everything taken from an event or a key (words that are
 * not CBV 2.0, URIs, identifiers, names) goes through html_escape. A document that does not
 * parse is shown by its time alone. Store errors end a section early; the page stays whole.
 */
#include "http/html.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/rbuf.h"
#include "http/html_int.h"
#include "http/uri.h"
#include "life/capture.h"
#include "life/event.h"
#include "model/ident.h"
#include "model/value.h"
#include "reg.h"

#define LIFE_NAME_ZH "名称"

/* A CBV 2.0 word and its words in our languages. */
struct cbv {
	const char *word, *zh, *en;
};

static const struct cbv biz_steps[] = {
        {"accepting", "接收", "Accepted"},
        {"arriving", "到达", "Arrived"},
        {"assembling", "装配", "Assembled"},
        {"collecting", "收集", "Collected"},
        {"commissioning", "投产", "Commissioned"},
        {"consigning", "寄售", "Consigned"},
        {"creating_class_instance", "创建类实例", "Class instance created"},
        {"cycle_counting", "循环盘点", "Cycle counted"},
        {"decommissioning", "报废", "Decommissioned"},
        {"departing", "离开", "Departed"},
        {"destroying", "销毁", "Destroyed"},
        {"disassembling", "拆解", "Disassembled"},
        {"dispensing", "分装发放", "Dispensed"},
        {"encoding", "编码", "Encoded"},
        {"entering_exiting", "进出", "Entered or exited"},
        {"holding", "扣留", "Held"},
        {"inspecting", "检验", "Inspected"},
        {"installing", "安装", "Installed"},
        {"killing", "标签灭活", "Tag killed"},
        {"loading", "装载", "Loaded"},
        {"other", "其他", "Other"},
        {"packing", "装箱", "Packed"},
        {"picking", "拣货", "Picked"},
        {"receiving", "收货", "Received"},
        {"removing", "拆下", "Removed"},
        {"repackaging", "重新包装", "Repackaged"},
        {"repairing", "维修", "Repaired"},
        {"replacing", "更换", "Replaced"},
        {"reserving", "预留", "Reserved"},
        {"retail_selling", "零售", "Sold at retail"},
        {"sampling", "抽样", "Sampled"},
        {"sensor_reporting", "传感器上报", "Sensor reading"},
        {"shipping", "发货", "Shipped"},
        {"staging_outbound", "出库备货", "Staged for shipping"},
        {"stock_taking", "盘点", "Stock taken"},
        {"stocking", "上架", "Stocked"},
        {"storing", "入库存放", "Stored"},
        {"transporting", "运输", "Transported"},
        {"unloading", "卸货", "Unloaded"},
        {"unpacking", "拆箱", "Unpacked"},
        {"void_shipping", "撤销发货", "Shipment voided"},
};

static const struct cbv dispositions[] = {
        {"active", "在用", "Active"},
        {"available", "可用", "Available"},
        {"completeness_inferred", "推定完整", "Completeness inferred"},
        {"completeness_verified", "核实完整", "Completeness verified"},
        {"conformant", "合格", "Conformant"},
        {"container_closed", "容器已封闭", "Container closed"},
        {"container_open", "容器已打开", "Container open"},
        {"damaged", "损坏", "Damaged"},
        {"destroyed", "已销毁", "Destroyed"},
        {"dispensed", "已发放", "Dispensed"},
        {"disposed", "已处置", "Disposed"},
        {"encoded", "已编码", "Encoded"},
        {"expired", "已过期", "Expired"},
        {"in_progress", "进行中", "In progress"},
        {"in_transit", "在途", "In transit"},
        {"inactive", "停用", "Inactive"},
        {"mismatch_instance", "实例不符", "Instance mismatch"},
        {"mismatch_class", "类别不符", "Class mismatch"},
        {"mismatch_quantity", "数量不符", "Quantity mismatch"},
        {"needs_replacement", "需要更换", "Needs replacement"},
        {"no_pedigree_match", "谱系不符", "No pedigree match"},
        {"non_conformant", "不合格", "Non-conformant"},
        {"non_sellable_other", "不可销售", "Not sellable"},
        {"partially_dispensed", "部分发放", "Partially dispensed"},
        {"recalled", "已召回", "Recalled"},
        {"reserved", "已预留", "Reserved"},
        {"retail_sold", "已售出", "Sold"},
        {"returned", "已退回", "Returned"},
        {"sellable_accessible", "可销售（可取用）", "Sellable, accessible"},
        {"sellable_not_accessible", "可销售（不可取用）", "Sellable, not accessible"},
        {"stolen", "被盗", "Stolen"},
        {"unavailable", "不可用", "Unavailable"},
        {"unknown", "未知", "Unknown"},
};

/* The words of the lifecycle sections in one language. */
struct life_words {
	const char *timeline, *more_a, *more_b, *more_over_a, *more_over_b;
	const char *where, *then_at, *by, *into, *out_of, *assoc, *correction;
	const char *type[LIFE_TRANSACTION + 1];
	const char *back, *forward, *capped_a, *capped_b, *capped_c;
	const char *rel_back[REG_LINK_ASSOCIATION + 1], *rel_fwd[REG_LINK_ASSOCIATION + 1];
};

static const struct life_words lw_zh = {
        .timeline = "生命周期",
        .more_a = "另有 ",
        .more_b = " 条更早的记录未显示。",
        .more_over_a = "另有超过 ",
        .more_over_b = " 条更早的记录未显示。",
        .where = "地点",
        .then_at = "随后位于",
        .by = "经办方",
        .into = "装入",
        .out_of = "取出自",
        .assoc = "关联到",
        .correction = "此记录声明先前的记录有误。",
        .type = {"", "对象事件", "聚合事件", "转换事件", "关联事件", "交易事件"},
        .back = "组成部件",
        .forward = "去向（用于）",
        .capped_a = "仅显示 ",
        .capped_b = " 层以内的前 ",
        .capped_c = " 个标识，另有更多未显示。",
        .rel_back = {"", "内装", "原料", "关联"},
        .rel_fwd = {"", "装入", "用于", "关联"},
};

static const struct life_words lw_en = {
        .timeline = "Lifecycle",
        .more_a = "",
        .more_b = " earlier event(s) not shown.",
        .more_over_a = "More than ",
        .more_over_b = " earlier events not shown.",
        .where = "Where",
        .then_at = "Then at",
        .by = "By",
        .into = "Into",
        .out_of = "Taken out of",
        .assoc = "Associated with",
        .correction = "This record declares an earlier record wrong.",
        .type = {"", "Object event", "Aggregation event", "Transformation event",
                 "Association event", "Transaction event"},
        .back = "Made of",
        .forward = "Where used",
        .capped_a = "Showing ",
        .capped_b = " levels and the first ",
        .capped_c = " identifiers only; there is more.",
        .rel_back = {"", "contains", "made from", "associated"},
        .rel_fwd = {"", "packed into", "used in", "associated"},
};

/* What the sections share while they write. */
struct life_ctx {
	struct wbuf *w;
	const struct html_item *it;
	const struct life_words *t;
	struct slice self; /* the item's key */
	size_t shown;
};

static const char *
cbv_bare(const char *word, bool disposition)
{
	static const char *const forms[2][2] = {
	        {"urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"},
	        {"urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"}};

	for (size_t i = 0; i < 2; i++) {
		const char *f = forms[disposition ? 1 : 0][i];
		size_t n = strlen(f);

		if (strncmp(word, f, n) == 0) {
			return word + n;
		}
	}
	return word;
}

const char *
html_cbv_word(const char *word, bool disposition, enum lang_id lang)
{
	const struct cbv *v = disposition ? dispositions : biz_steps;
	size_t n = disposition ? sizeof(dispositions) / sizeof(dispositions[0])
	                       : sizeof(biz_steps) / sizeof(biz_steps[0]);

	if (word == NULL) {
		return NULL;
	}
	word = cbv_bare(word, disposition);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].word, word) == 0) {
			return lang == LANG_EN ? v[i].en : v[i].zh;
		}
	}
	return NULL;
}

/* A CBV word in the page's language, or the word as given. */
static void
put_cbv(struct wbuf *w, const char *word, bool disposition, enum lang_id lang)
{
	const char *t = html_cbv_word(word, disposition, lang);

	html_put_cstr(w, t != NULL ? t : word);
}

/* The name of a record: its first readable text value typed name or 名称. */
static bool
rec_name(const struct life_ctx *x, const struct rec_view *rec, struct slice *name)
{
	struct value v;
	struct rbuf r;

	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if ((x->it->public_only && (v.perms & VALUE_PERM_PUBLIC_READ) == 0) ||
		    v.data.len == 0 || !html_is_text(v.data)) {
			continue;
		}
		if (slice_caseeq_cstr(v.type, "name") ||
		    slice_eq(v.type, SLICE_LIT(LIFE_NAME_ZH))) {
			*name = v.data;
			return true;
		}
	}
	return false;
}

/*
 * A handle: hosted here, a link to its page (spelled as registered) with its kind and name;
 * else its text.
 */
static void
put_handle(const struct life_ctx *x, struct slice h)
{
	const struct html_item *it = x->it;
	struct wbuf *w = x->w;
	struct rec_view rec;
	struct slice name;
	bool found;

	if (it->hosted == NULL || memchr(h.p, '/', h.len) == NULL ||
	    !it->hosted(it->hosted_arg, h)) {
		html_escape(w, h);
		return;
	}
	found = reg_get(it->life, h, &rec) == IDR_OK;
	if (found) {
		h = rec.handle;
	}
	wbuf_lit(w, "<a href=\"/");
	uri_encode(w, h, true);
	html_put_page_query(w, it->lang, it->lang_param);
	wbuf_lit(w, "\">");
	html_escape(w, h);
	wbuf_lit(w, "</a>");
	if (!found) {
		return;
	}
	if (rec.kind != REC_KIND_NONE && rec.kind < REC_KIND_COUNT) {
		wbuf_lit(w, " <span class=\"k\">");
		html_put_cstr(w, html_kind_word(rec.kind, it->lang));
		wbuf_lit(w, "</span>");
	}
	if (rec_name(x, &rec, &name)) {
		wbuf_lit(w, " ");
		html_escape(w, name);
	}
}

/* An identifier URI of an event: a handle (https://<node>/<handle> or bare), else as given. */
static void
put_uri(const struct life_ctx *x, const char *uri)
{
	char h[IDENT_HARD_MAX + 1];
	int n = life_uri_handle(uri, h, sizeof(h));

	put_handle(x, n > 0 ? slice_make(h, (size_t)n) : slice_cstr(uri));
}

static void
put_fact_uri(const struct life_ctx *x, const char *label, const char *uri)
{
	wbuf_lit(x->w, "<div><dt>");
	html_put_cstr(x->w, label);
	wbuf_lit(x->w, "</dt><dd>");
	put_uri(x, uri);
	wbuf_lit(x->w, "</dd></div>");
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

/* The party of a sourceList / destinationList: its possessing, else owning party. */
static const char *
list_party(const struct life_event *e, const char *list, const char *member)
{
	static const char *const kinds[] = {"possessing_party", "owning_party"};
	json_t *l = e->ext != NULL ? json_object_get(e->ext, list) : NULL;
	size_t i;
	json_t *el;

	for (size_t k = 0; k < 2 && json_is_array(l); k++) {
		json_array_foreach(l, i, el)
		{
			const char *type = json_string_value(json_object_get(el, "type"));
			const char *who = json_string_value(json_object_get(el, member));

			if (type != NULL && who != NULL && who[0] != '\0' &&
			    ends_with(type, kinds[k])) {
				return who;
			}
		}
	}
	return NULL;
}

/*
 * By whom, as far as the event says: the party that receives for receiving steps (its
 * destination), else the party the goods come from (its source). The journal identity that
 * recorded the event is not part of the event and is not shown.
 */
static const char *
event_party(const struct life_event *e)
{
	const char *step = e->biz_step != NULL ? cbv_bare(e->biz_step, false) : "";
	bool arriving = strcmp(step, "receiving") == 0 || strcmp(step, "accepting") == 0 ||
	                strcmp(step, "arriving") == 0;
	const char *p = list_party(e, arriving ? "destinationList" : "sourceList",
	                           arriving ? "destination" : "source");

	return p != NULL ? p
	                 : list_party(e, arriving ? "sourceList" : "destinationList",
	                              arriving ? "source" : "destination");
}

/* The container or associate an event names, unless it is the item itself. */
static void
put_parent(const struct life_ctx *x, const struct life_event *e)
{
	char key[REG_EVENT_KEY_MAX + 1];
	int n;

	if (e->parent_id == NULL) {
		return;
	}
	n = life_capture_key(e->parent_id, key, sizeof(key));
	if (n > 0 && slice_eq(slice_make(key, (size_t)n), x->self)) {
		return;
	}
	put_fact_uri(x,
	             e->type == LIFE_ASSOCIATION       ? x->t->assoc
	             : e->action == LIFE_ACTION_DELETE ? x->t->out_of
	                                               : x->t->into,
	             e->parent_id);
}

static void
put_event_time(const struct life_ctx *x, int64_t ms)
{
	char iso[LIFE_TIME_LEN];
	struct life_time t = {ms, 0};

	wbuf_lit(x->w, "<p class=\"when\">");
	if (ms >= 0) {
		html_put_time(x->w, (uint64_t)(ms / 1000), x->it->lang);
	} else {
		life_time_format(t, true, iso);
		html_put_cstr(x->w, iso);
	}
	wbuf_lit(x->w, "</p>");
}

/* What happened: the bizStep in words (else the kind of event), the disposition after it. */
static void
put_what(const struct life_ctx *x, const struct life_event *e)
{
	wbuf_lit(x->w, "<p class=\"ev\">");
	if (e->biz_step != NULL) {
		put_cbv(x->w, e->biz_step, false, x->it->lang);
	} else if (e->type >= LIFE_OBJECT && e->type <= LIFE_TRANSACTION) {
		html_put_cstr(x->w, x->t->type[e->type]);
	}
	if (e->disposition != NULL) {
		wbuf_lit(x->w, " <span class=\"disp\">");
		put_cbv(x->w, e->disposition, true, x->it->lang);
		wbuf_lit(x->w, "</span>");
	}
	wbuf_lit(x->w, "</p>");
}

/* reg_event_fn: one event of the timeline (newest first). */
static int
put_event(void *arg, const struct reg_event_view *ev)
{
	struct life_ctx *x = arg;
	char err[LIFE_ERR_LEN];
	struct life_event e;
	const char *party;

	if (x->shown++ == 0) {
		wbuf_lit(x->w, "<h2>");
		html_put_cstr(x->w, x->t->timeline);
		wbuf_lit(x->w, "</h2>\n<ol class=\"tl\">");
	}
	if (life_event_parse(ev->doc.p, ev->doc.len, &e, err, sizeof(err)) != IDR_OK) {
		memset(&e, 0, sizeof(e)); /* not an EPCIS event: its time alone */
	}
	wbuf_lit(x->w, "\n<li>");
	put_what(x, &e);
	put_event_time(x, ev->time_ms);
	party = event_party(&e);
	if (e.read_point != NULL || e.biz_location != NULL || party != NULL ||
	    e.parent_id != NULL) {
		wbuf_lit(x->w, "<dl class=\"facts\">");
		if (e.read_point != NULL) {
			put_fact_uri(x, x->t->where, e.read_point);
		}
		if (e.biz_location != NULL) {
			put_fact_uri(x, x->t->then_at, e.biz_location);
		}
		if (party != NULL) {
			put_fact_uri(x, x->t->by, party);
		}
		put_parent(x, &e);
		wbuf_lit(x->w, "</dl>");
	}
	if (e.has_error_decl) {
		wbuf_lit(x->w, "<p class=\"note\">");
		html_put_cstr(x->w, x->t->correction);
		wbuf_lit(x->w, "</p>");
	}
	wbuf_lit(x->w, "</li>");
	life_event_deinit(&e);
	return 0;
}

/* The item's key as capture stores it (life_capture_key); false if it has none. */
static bool
self_key(const struct html_item *it, char *key, size_t cap, struct slice *out)
{
	char h[IDENT_HARD_MAX + 1];
	int n;

	if (it->life == NULL || it->handle.len == 0 || it->handle.len >= sizeof(h) ||
	    memchr(it->handle.p, 0, it->handle.len) != NULL) {
		return false;
	}
	memcpy(h, it->handle.p, it->handle.len);
	h[it->handle.len] = '\0';
	n = life_capture_key(h, key, cap);
	if (n <= 0) {
		return false;
	}
	*out = slice_make(key, (size_t)n);
	return true;
}

void
html_life_timeline(struct wbuf *w, const struct html_item *it)
{
	char key[REG_EVENT_KEY_MAX + 1];
	struct life_ctx x = {w, it, it->lang == LANG_EN ? &lw_en : &lw_zh, {NULL, 0}, 0};
	size_t more = 0;

	if (!self_key(it, key, sizeof(key), &x.self)) {
		return;
	}
	(void)reg_events_latest(it->life, x.self, HTML_EVENTS_SHOW, HTML_EVENTS_COUNT + 1,
	                        put_event, &x, &more);
	if (x.shown == 0) {
		return;
	}
	wbuf_lit(w, "</ol>\n");
	if (more > 0) {
		wbuf_lit(w, "<p class=\"note\">");
		html_put_cstr(w, more > HTML_EVENTS_COUNT ? x.t->more_over_a : x.t->more_a);
		wbuf_printf(w, "%zu", more > HTML_EVENTS_COUNT ? (size_t)HTML_EVENTS_COUNT : more);
		html_put_cstr(w, more > HTML_EVENTS_COUNT ? x.t->more_over_b : x.t->more_b);
		wbuf_lit(w, "</p>\n");
	}
}

/* ---------------------------------------------------------------- trees */

struct tnode {
	char key[REG_EVENT_KEY_MAX + 1];
	size_t len;
	size_t parent; /* index of the parent node; the root is node 0 */
	enum reg_link_kind kind;
};

struct tree {
	struct tnode n[HTML_TREE_NODES + 1]; /* the root and the nodes shown */
	size_t count;
	bool capped;
};

/* reg_trace_fn: keep the nodes within the caps; one beyond either cap ends the walk. */
static int
tree_add(void *arg, const struct reg_trace_step *st)
{
	struct tree *t = arg;
	struct tnode *nd;

	if (st->depth > HTML_TREE_DEPTH || t->count == HTML_TREE_NODES + 1 ||
	    st->node.len > REG_EVENT_KEY_MAX) {
		t->capped = true;
		return 1;
	}
	nd = &t->n[t->count];
	memcpy(nd->key, st->node.p, st->node.len);
	nd->len = st->node.len;
	nd->kind = st->kind;
	nd->parent = 0;
	for (size_t i = 0; i < t->count; i++) {
		if (t->n[i].len == st->parent.len &&
		    memcmp(t->n[i].key, st->parent.p, st->parent.len) == 0) {
			nd->parent = i;
			break;
		}
	}
	t->count++;
	return 0;
}

/* The children of node p as a nested list (breadth-first order puts them after p). */
static void
put_children(const struct life_ctx *x, const struct tree *t, size_t p, bool forward)
{
	bool open = false;

	for (size_t i = p + 1; i < t->count; i++) {
		const struct tnode *nd = &t->n[i];

		if (nd->parent != p) {
			continue;
		}
		if (!open) {
			if (p == 0) {
				wbuf_lit(x->w, "<ul class=\"tree\">");
			} else {
				wbuf_lit(x->w, "<ul>");
			}
			open = true;
		}
		wbuf_lit(x->w, "\n<li>");
		if (nd->kind >= REG_LINK_AGGREGATION && nd->kind <= REG_LINK_ASSOCIATION) {
			wbuf_lit(x->w, "<span class=\"rel\">");
			html_put_cstr(x->w,
			              forward ? x->t->rel_fwd[nd->kind] : x->t->rel_back[nd->kind]);
			wbuf_lit(x->w, "</span> ");
		}
		put_handle(x, slice_make(nd->key, nd->len));
		put_children(x, t, i, forward);
		wbuf_lit(x->w, "</li>");
	}
	if (open) {
		wbuf_lit(x->w, "</ul>");
	}
}

void
html_life_tree(struct wbuf *w, const struct html_item *it, bool forward)
{
	char key[REG_EVENT_KEY_MAX + 1];
	struct life_ctx x = {w, it, it->lang == LANG_EN ? &lw_en : &lw_zh, {NULL, 0}, 0};
	struct tree *t;
	bool truncated = false;
	int rc;

	if (!self_key(it, key, sizeof(key), &x.self) || (t = calloc(1, sizeof(*t))) == NULL) {
		return;
	}
	/* one level and one node past the caps: seeing either says there is more */
	rc = reg_trace(it->life, x.self, forward ? REG_TRACE_FORWARD : REG_TRACE_BACK,
	               HTML_TREE_DEPTH + 1, HTML_TREE_NODES + 2, INT64_MAX, tree_add, t,
	               &truncated);
	if ((rc == IDR_OK || rc == 1) && t->count > 1) {
		wbuf_lit(w, "<h2>");
		html_put_cstr(w, forward ? x.t->forward : x.t->back);
		wbuf_lit(w, "</h2>\n");
		put_children(&x, t, 0, forward);
		wbuf_lit(w, "\n");
		if (t->capped || truncated) {
			wbuf_lit(w, "<p class=\"note\">");
			html_put_cstr(w, x.t->capped_a);
			wbuf_printf(w, "%d", HTML_TREE_DEPTH);
			html_put_cstr(w, x.t->capped_b);
			wbuf_printf(w, "%d", HTML_TREE_NODES);
			html_put_cstr(w, x.t->capped_c);
			wbuf_lit(w, "</p>\n");
		}
	}
	free(t);
}
