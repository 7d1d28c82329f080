/*
 * pages.c - the proxy and the human pages (pages.h).
 *
 * Decisions: redirects go only to http(s) URLs; a URL value with another scheme shows the
 * page. HS_ALIAS and 10320/loc are not followed.
 */
#include "http/pages.h"

#include <stdlib.h>
#include <string.h>

#include "base/rbuf.h"
#include "hdl/hdl.h"
#include "http/html.h"
#include "http/recur.h"
#include "http/sfwd.h"
#include "model/ident.h"
#include "model/tmpl.h"
#include "model/value.h"
#include "reg.h"

static bool
web_url(struct slice data)
{
	size_t i;

	if (!(data.len > 7 && slice_caseeq(slice_make(data.p, 7), SLICE_LIT("http://"))) &&
	    !(data.len > 8 && slice_caseeq(slice_make(data.p, 8), SLICE_LIT("https://")))) {
		return false;
	}
	for (i = 0; i < data.len; i++) {
		if (data.p[i] < 0x20 || data.p[i] == 0x7f) {
			return false;
		}
	}
	return true;
}

/* The redirect target: the first public URL value, else the first URL.* sub-type. */
static bool
find_url(const struct rec_view *rec, struct slice *url)
{
	bool have_sub = false;
	struct slice sub = {NULL, 0};
	struct value v;
	struct rbuf r;

	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if ((v.perms & VALUE_PERM_PUBLIC_READ) == 0 || !web_url(v.data)) {
			continue;
		}
		if (slice_caseeq_cstr(v.type, "URL")) {
			*url = v.data;
			return true;
		}
		if (!have_sub && v.type.len > 4 && value_type_match(v.type, SLICE_LIT("URL."))) {
			sub = v.data;
			have_sub = true;
		}
	}
	*url = sub;
	return have_sub;
}

/* Bytes a Location header cannot carry as they are (controls, space, non-ASCII) as %XX. */
static void
location_put(struct wbuf *w, struct slice s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (s.p[i] <= 0x20 || s.p[i] >= 0x7f) {
			wbuf_u8(w, '%');
			wbuf_u8(w, (uint8_t)hex[s.p[i] >> 4]);
			wbuf_u8(w, (uint8_t)hex[s.p[i] & 15]);
		} else {
			wbuf_u8(w, s.p[i]);
		}
	}
}

/*
 * The Location for a record with a URL into w (NUL-terminated), with the ?urlappend= text
 * app (empty: none); false if the record has none or it does not fit.
 */
static bool
redirect_to(struct wbuf *w, const struct rec_view *rec, struct slice app)
{
	struct slice url;

	if (!find_url(rec, &url)) {
		return false;
	}
	wbuf_reset(w);
	location_put(w, url);
	location_put(w, app);
	wbuf_terminate(w);
	return wbuf_error(w) == IDR_OK;
}

/* ?urlappend= of q, or empty */
static struct slice
url_append(const struct http_req *q)
{
	const struct uri_param *app = uri_param_get(&q->t, "urlappend");

	return app != NULL && app->has_value ? app->value : slice_make(NULL, 0);
}

/* Set Location (copied by the transport) for a record with a URL; false if it has none. */
static bool
set_redirect(struct http_req *q, const struct rec_view *rec)
{
	if (!redirect_to(&q->s->aux, rec, url_append(q))) {
		return false;
	}
	http_header(q, "Location", (const char *)wbuf_data(&q->s->aux));
	return true;
}

/* The page language: ?lang=zh|en (also zh-CN, en-GB, ...), else Accept-Language. */
static enum lang_id
page_lang(const struct http_req *q, bool *param)
{
	const struct uri_param *p = uri_param_get(&q->t, "lang");
	enum lang_id id = LANG_ZH;

	*param = p != NULL && lang_of_tag(p->value, &id) == IDR_OK;
	return *param ? id : lang_choose(q->accept_language);
}

/* The prefix that must be hosted for an identifier: P for P/S and for 0.NA/P. */
static struct slice
served_prefix(const struct ident *id)
{
	return id->zero_na ? id->suffix : id->prefix;
}

/* html_hosted_fn: value data naming an identifier whose prefix this node serves. */
static bool
hosted(void *arg, struct slice data)
{
	struct ident_opts o = {0, false};
	struct ident id;

	return ident_parse(&id, data.p, data.len, &o) == IDR_OK &&
	       reg_prefix_check(arg, served_prefix(&id)) == IDR_OK;
}

/* The template version a record names (index 1001 TEMPLATE, readable), or NULL. */
static struct tmpl *
record_tmpl(struct reg_rtxn *txn, struct slice prefix, const struct rec_view *rec, bool public_only)
{
	struct tmpl *t = NULL;
	struct value v;
	struct rbuf r;

	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rec_value_next(&r, &v) == IDR_OK && v.index <= TMPL_INDEX_VERSION) {
		if (v.index == TMPL_INDEX_VERSION && slice_caseeq_cstr(v.type, TMPL_TYPE_VERSION) &&
		    (!public_only || (v.perms & VALUE_PERM_PUBLIC_READ) != 0) &&
		    reg_tmpl_get(txn, prefix, v.data, &t) == IDR_OK) {
			return t;
		}
	}
	return NULL;
}

/* The page of a record found by rsv_lookup (inside the read transaction). */
static int
item_page(struct wbuf *out, struct reg_rtxn *txn, const struct rec_view *rec, struct html_item *it)
{
	struct ident_opts o = {0, true};
	struct pfx_info pfx;
	struct ident id;
	struct tmpl *t = NULL;
	int rc;

	it->rec = rec;
	it->hosted = hosted;
	it->hosted_arg = txn;
	it->public_only = true;
	it->life = txn;
	if (ident_parse(&id, it->handle.p, it->handle.len, &o) == IDR_OK) {
		it->prefix = served_prefix(&id);
		if (reg_prefix_get(txn, it->prefix, &pfx) == IDR_OK) {
			it->prefix = pfx.name;
			it->owner = pfx.owner;
		}
		t = record_tmpl(txn, it->prefix, rec, it->public_only);
	}
	it->tmpl = t;
	rc = html_item_page(out, it);
	tmpl_free(t);
	return rc;
}

/* The page of an identifier without one: what the lookup said, in the reader's words. */
static void
miss_page(struct http_req *q, uint32_t code, struct html_miss *m)
{
	struct ident_opts o = {(size_t)q->conf->max_id_chars, true};
	struct ident id;

	m->code = code;
	m->detail = slice_cstr(rsv_worker_message(q->rw));
	m->rule = ident_parse(&id, m->handle.p, m->handle.len, &o);
	if (m->rule == IDR_OK) {
		m->prefix = served_prefix(&id);
	}
	(void)html_miss_page(&q->s->out, m);
}

/* A page of an identifier of another node (http_recur's context). */
struct page_recur {
	bool noredirect;
	enum lang_id lang;
	bool lang_param;
	size_t applen;
	uint8_t app[]; /* ?urlappend= */
};

/* http_recur_fn: a redirect to the record's URL, its item page, or the page saying why not. */
static void
page_render(void *ctx, struct rsv_worker *rw, struct slice handle, uint32_t code,
            const struct rec_view *rec, const char *msg, struct http_recur_out *out)
{
	struct page_recur *pr = ctx;
	struct html_item it = {.handle = handle, .lang = pr->lang, .lang_param = pr->lang_param};
	struct html_miss m = {.handle = handle, .lang = pr->lang, .lang_param = pr->lang_param};
	struct ident_opts o = {0, true};
	struct reg_rtxn *txn;
	struct rec_view r;
	struct ident id;
	struct wbuf loc;

	out->ctype = HTML_CONTENT_TYPE;
	if (code == HDL_RC_SUCCESS && !pr->noredirect) {
		wbuf_init_heap(&loc, HTTP_RECUR_LOC_MAX - 1);
		if (redirect_to(&loc, rec, slice_make(pr->app, pr->applen))) {
			memcpy(out->location, wbuf_data(&loc), wbuf_len(&loc));
			out->location[wbuf_len(&loc)] = '\0';
			out->status = 302;
			out->ctype = NULL;
			wbuf_deinit(&loc);
			return;
		}
		wbuf_deinit(&loc);
	}
	if (code == HDL_RC_SUCCESS && rsv_read_begin(rw, &txn) == IDR_OK) {
		r = *rec;
		r.handle = handle;
		code = item_page(out->w, txn, &r, &it) == IDR_OK ? HDL_RC_SUCCESS : HDL_RC_ERROR;
		rsv_read_end(rw);
		if (code == HDL_RC_SUCCESS) {
			out->status = 200;
			return;
		}
		wbuf_reset(out->w);
		msg = "this record cannot be shown";
	} else if (code == HDL_RC_SUCCESS) {
		code = HDL_RC_ERROR;
		msg = "internal error";
	}
	m.code = code;
	m.detail = slice_cstr(msg);
	m.rule = ident_parse(&id, handle.p, handle.len, &o);
	if (m.rule == IDR_OK) {
		m.prefix = served_prefix(&id);
	}
	(void)html_miss_page(out->w, &m);
	out->status = http_status_of(code, true);
}

/* Resolve handle upward for its page (txn ended first). */
static void
page_recurse(struct http_req *q, struct slice handle, bool noredirect)
{
	struct slice app = url_append(q);
	struct page_recur *pr = malloc(sizeof(*pr) + app.len);

	rsv_read_end(q->rw);
	if (pr == NULL) {
		http_reply_error_page(q, 500, "Server Error", handle, SLICE_LIT("out of memory"));
		return;
	}
	pr->noredirect = noredirect;
	pr->lang = page_lang(q, &pr->lang_param);
	pr->applen = app.len;
	if (app.len > 0) {
		memcpy(pr->app, app.p, app.len);
	}
	http_recur(q, handle, page_render, pr);
}

void
http_page_proxy(struct http_req *q)
{
	const struct uri_param *act = uri_param_get(&q->t, "action");
	struct slice handle = q->match.capture;
	struct html_item it = {.handle = handle};
	struct html_miss m = {.handle = handle};
	struct reg_rtxn *txn;
	struct rec_view rec;
	bool noredirect;
	uint32_t code;
	int status;

	if (uri_param_bool(&q->t, "noredirect", false, &noredirect) != IDR_OK) {
		noredirect = true; /* ?noredirect=<anything but false> */
	}
	noredirect = noredirect || (act != NULL && slice_eq(act->value, SLICE_LIT("showvalues")));
	if (sfwd_route(q, handle)) {
		return; /* another server of the site holds it (http/sfwd.h) */
	}
	if (rsv_read_begin(q->rw, &txn) != IDR_OK) {
		http_reply_error_page(q, 500, "Server Error", handle, SLICE_LIT("internal error"));
		return;
	}
	code = rsv_lookup(q->rw, handle, &rec);
	if (http_recur_wanted(q, code)) {
		page_recurse(q, handle, noredirect);
		return;
	}
	wbuf_reset(&q->s->out);
	if (code == HDL_RC_SUCCESS && !noredirect && set_redirect(q, &rec)) {
		rsv_read_end(q->rw);
		http_reply(q, 302, NULL, NULL, 0);
		return;
	}
	it.lang = m.lang = page_lang(q, &it.lang_param);
	m.lang_param = it.lang_param;
	if (code == HDL_RC_SUCCESS) {
		status = item_page(&q->s->out, txn, &rec, &it) == IDR_OK ? 200 : 500;
	} else {
		status = http_status_of(code, true);
		miss_page(q, code, &m);
	}
	rsv_read_end(q->rw);
	http_header(q, "Vary", "Accept-Language");
	if (status == 500 && code == HDL_RC_SUCCESS) {
		http_reply_error_page(q, 500, "Server Error", handle,
		                      SLICE_LIT("this record cannot be shown"));
		return;
	}
	http_reply_html(q, status);
}

/*
 * The identifier typed into the search form: blanks around it and leading slashes go
 * ("//host" would make the Location leave this site).
 */
static struct slice
form_id(struct slice s)
{
	size_t a = 0, b = s.len;

	while (a < b && (s.p[a] == ' ' || s.p[a] == '/')) {
		a++;
	}
	while (b > a && s.p[b - 1] == ' ') {
		b--;
	}
	return a == b ? slice_make(NULL, 0) : slice_make(s.p + a, b - a);
}

/* GET / : the home page, or ?hdl=X -> 302 /X (the search form). */
void
http_page_home(struct http_req *q)
{
	const struct uri_param *hdl = uri_param_get(&q->t, "hdl");
	struct slice id = hdl != NULL ? form_id(hdl->value) : slice_make(NULL, 0);
	struct wbuf *w = &q->s->aux;
	bool noredirect = false;

	if (id.len == 0) {
		wbuf_reset(&q->s->out);
		(void)html_home_page(&q->s->out);
		http_reply_html(q, 200);
		return;
	}
	if (uri_param_bool(&q->t, "noredirect", false, &noredirect) != IDR_OK) {
		noredirect = true;
	}
	wbuf_reset(w);
	wbuf_lit(w, "/");
	(void)uri_encode(w, id, true);
	if (noredirect) {
		wbuf_lit(w, "?noredirect");
	}
	wbuf_terminate(w);
	if (wbuf_error(w) != IDR_OK) {
		http_reply_text(q, 414, "identifier too long\n");
		return;
	}
	http_header(q, "Location", (const char *)wbuf_data(w));
	http_reply(q, 302, NULL, NULL, 0);
}

void
http_page_none(struct http_req *q)
{
	http_reply_text(q, 404, "not found\n");
}
