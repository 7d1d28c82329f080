/* idis.c - the handlers of the national-style API (idis.h). */
#include "http/idis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/b64.h"
#include "base/log.h"
#include "base/text.h"
#include "core/shard.h"
#include "hdl/hdl.h"
#include "http/idis_int.h"
#include "http/recur.h"
#include "http/sfwd.h"
#include "model/ident.h"
#include "model/rec.h"
#include "model/vjson.h"
#include "write/wop.h"
#include "write/writer.h"

#define MSG_OK       "success"
#define MSG_EXISTS   "标识已存在"
#define MSG_ABSENT   "标识不存在"
#define MSG_NOTFOUND "没有找到标识"
#define MSG_DENIED   "没有权限"
#define MSG_NOLOGIN  "没有登录，需要验证"
#define MSG_LOGIN    "用户名/密码错误！"
#define MSG_INTERNAL "系统内部错误"
#define MSG_DUP      "标识重复：同一批次中已出现"
#define MSG_HTTPS    "只接受HTTPS请求：写操作和登录须通过HTTPS (writes and login over HTTPS only)"
#define MSG_NOWRITE  "本节点不接受写入 (this node takes no writes)"
#define MSG_BUSY     "系统繁忙，请稍后重试 (busy)"
#define HTTP_NOLOGIN 401
#define HTTP_DENIED  403
#define JWT_PREFIX   "eyJ"

static uint64_t
now_s(void)
{
	return (uint64_t)time(NULL);
}

/* ---------------------------------------------------------------- answers */

static void
reply(struct http_req *q, int http, int status, const char *msg, struct slice data)
{
	wbuf_reset(&q->s->out);
	(void)idis_envelope(&q->s->out, status, msg, data);
	http_reply_json(q, http);
}

void
http_idis_error(struct http_req *q, int http_status, int status, const char *msg)
{
	reply(q, http_status, status, msg, slice_make(NULL, 0));
}

static int
http_of(int status)
{
	switch (status) {
	case IDIS_NOLOGIN:
		return HTTP_NOLOGIN;
	case IDIS_DENIED:
		return HTTP_DENIED;
	case IDIS_INTERNAL:
		return 500;
	default:
		return 200;
	}
}

static void
fail(struct http_req *q, int status, const char *msg)
{
	reply(q, http_of(status), status, msg, slice_make(NULL, 0));
}

/* ---------------------------------------------------------------- authentication */

/*
 * Who sent q: Bearer (or a bare token), or what hauth.h knows. On failure the answer is sent
 * and false returned; t stays open either way.
 */
static bool
authenticate(struct http_req *q, struct reg_rtxn *t, struct hauth *a)
{
	struct slice v = q->authorization;
	char msg[HTTP_MSG_MAX], text[HTTP_MSG_MAX + 64];
	enum hauth_result res;

	if (v.len > sizeof(JWT_PREFIX) - 1 &&
	    memcmp(v.p, JWT_PREFIX, sizeof(JWT_PREFIX) - 1) == 0) {
		res = hauth_bearer(q, v, t, a, msg, sizeof(msg));
	} else {
		res = http_authenticate(q, t, a, msg, sizeof(msg));
	}
	if (res == HAUTH_OK) {
		return true;
	}
	if (res == HAUTH_ERROR) {
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return false;
	}
	if (res == HAUTH_NONE) {
		fail(q, IDIS_NOLOGIN, MSG_NOLOGIN);
		return false;
	}
	log_notice("idis: %s refused: %s", q->raw_target, msg);
	snprintf(text, sizeof(text), MSG_NOLOGIN "：%s", msg);
	fail(q, IDIS_NOLOGIN, text);
	return false;
}

/* ---------------------------------------------------------------- login */

/* The identity's key value must match password; on failure the answer is sent. */
static bool
login_check(struct http_req *q, struct reg_rtxn *t, enum token_login form, const struct auth_id *id,
            struct slice pass, uint8_t fp[TOKEN_FP_LEN])
{
	char who[AUTH_ID_MAX];
	enum auth_key_kind kind;
	struct slice kv;
	int rc = auth_key_get(t, id, &kind, &kv);

	auth_id_format(id, who, sizeof(who));
	if (rc != IDR_OK && rc != IDR_ENOENT && rc != IDR_EINVAL) {
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return false;
	}
	if (rc != IDR_OK || kind != AUTH_KEY_SEC || !token_login_match(form, kv, pass, now_s())) {
		log_notice("idis: login of %s refused: %s", who,
		           rc != IDR_OK           ? "no key value"
		           : kind != AUTH_KEY_SEC ? "not a secret-key identity"
		                                  : "wrong password");
		fail(q, IDIS_FAIL, MSG_LOGIN);
		return false;
	}
	token_key_fp(kv, fp);
	return true;
}

static void
login(struct http_req *q, enum token_login form)
{
	char msg[HTTP_MSG_MAX], idbuf[AUTH_ID_MAX], who[AUTH_ID_MAX];
	uint8_t fp[TOKEN_FP_LEN];
	struct slice user, pass;
	struct reg_rtxn *t;
	struct auth_id id;
	struct wbuf w;
	json_t *doc;
	bool ok;

	if (!q->tls) {
		fail(q, IDIS_DENIED, MSG_HTTPS);
		return;
	}
	if (hauth_token_key() == NULL) {
		reply(q, 503, IDIS_INTERNAL, "tokens are not enabled on this node",
		      slice_make(NULL, 0));
		return;
	}
	if (idis_login_parse(q->body, &doc, &user, &pass, msg, sizeof(msg)) != IDR_OK) {
		json_decref(doc);
		reply(q, 400, IDIS_FAIL, msg, slice_make(NULL, 0));
		return;
	}
	if (idis_user_id(user, idbuf, sizeof(idbuf), &id) != IDR_OK) {
		json_decref(doc);
		fail(q, IDIS_FAIL, MSG_LOGIN);
		return;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		json_decref(doc);
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return;
	}
	ok = login_check(q, t, form, &id, pass, fp);
	rsv_read_end(q->rw);
	json_decref(doc);
	if (!ok) {
		return;
	}
	auth_id_format(&id, who, sizeof(who)); /* not into idbuf: id.handle points there */
	wbuf_init_heap(&w, 4096);
	wbuf_lit(&w, "{\"token\":\"");
	if (token_issue(hauth_token_key(), who, fp, now_s(), &w) != IDR_OK) {
		wbuf_deinit(&w);
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return;
	}
	wbuf_lit(&w, "\"}");
	log_info("idis: %s logged in", who);
	reply(q, 200, IDIS_OK, MSG_OK, wbuf_slice(&w));
	wbuf_deinit(&w);
}

void
http_idis_login(struct http_req *q)
{
	login(q, TOKEN_LOGIN_PLAIN);
}

void
http_idis_login_cipher(struct http_req *q)
{
	login(q, TOKEN_LOGIN_CIPHER);
}

/* ---------------------------------------------------------------- resolve */

static bool
hidden_type(struct slice type)
{
	return slice_caseeq(type, SLICE_LIT("HS_ADMIN")) ||
	       slice_caseeq(type, SLICE_LIT("HS_VLIST")) ||
	       slice_caseeq(type, SLICE_LIT("HS_SECKEY"));
}

static void
detail_value(struct wbuf *w, const struct value *v, bool *first)
{
	bool ctrl;
	size_t n;
	bool text = text_utf8_check(v->data.p, v->data.len, &n, &ctrl) == IDR_OK;

	wbuf_cstr(w, *first ? "{\"data\":{\"format\":" : ",{\"data\":{\"format\":");
	*first = false;
	wbuf_cstr(w, text ? "\"string\",\"value\":" : "\"base64\",\"value\":\"");
	if (text) {
		(void)vjson_write_str(w, v->data);
	} else {
		b64_encode(w, v->data);
		wbuf_u8(w, '"');
	}
	wbuf_lit(w, "},\"auth\":\"1\",\"index\":");
	wbuf_dec(w, v->index);
	wbuf_lit(w, ",\"type\":");
	(void)vjson_write_str(w, v->type);
	wbuf_u8(w, '}');
}

/* data of a resolve answer. */
static void
detail_data(struct wbuf *w, const struct rec_view *rec)
{
	struct slice tver = slice_make(NULL, 0), prefix = rec->handle;
	const uint8_t *slash = memchr(rec->handle.p, '/', rec->handle.len);
	struct value v;
	struct rbuf r;
	bool first = true;

	if (slash != NULL) {
		prefix.len = (size_t)(slash - rec->handle.p);
	}
	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if (v.index == IDIS_TEMPLATE_INDEX && (v.perms & VALUE_PERM_PUBLIC_READ) != 0) {
			tver = v.data;
		}
	}
	wbuf_lit(w, "{\"code\":\"200\",\"prefix\":");
	(void)vjson_write_str(w, prefix);
	wbuf_lit(w, ",\"handle\":");
	(void)vjson_write_str(w, rec->handle);
	wbuf_lit(w, ",\"templateVersion\":");
	(void)vjson_write_str(w, tver);
	wbuf_lit(w, ",\"value\":[");
	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if ((v.perms & VALUE_PERM_PUBLIC_READ) != 0 && !hidden_type(v.type)) {
			detail_value(w, &v, &first);
		}
	}
	wbuf_lit(w, "]}");
}

/*
 * The answer to a read of one identifier into out: its data, or the failure of a lookup that
 * answered code (detail: the resolver's text; upstream: the code came from the top level or
 * another node). @return the HTTP status.
 */
static int
detail_write(struct wbuf *out, uint32_t code, const struct rec_view *rec, const char *detail,
             bool upstream)
{
	char msg[HTTP_MSG_MAX];
	struct wbuf w;
	int status;

	if (code == HDL_RC_SUCCESS) {
		wbuf_init_heap(&w, (size_t)64 << 20);
		detail_data(&w, rec);
		if (wbuf_error(&w) == IDR_OK) {
			(void)idis_envelope(out, IDIS_OK, MSG_OK, wbuf_slice(&w));
			wbuf_deinit(&w);
			return 200;
		}
		wbuf_deinit(&w);
		code = HDL_RC_ERROR;
		upstream = false;
	}
	status = code == HDL_RC_ERROR && !upstream ? IDIS_INTERNAL : IDIS_FAIL;
	if (code == HDL_RC_HANDLE_NOT_FOUND) {
		snprintf(msg, sizeof(msg), "%s", MSG_NOTFOUND);
	} else if (status == IDIS_INTERNAL) {
		snprintf(msg, sizeof(msg), "%s", MSG_INTERNAL);
	} else {
		snprintf(msg, sizeof(msg), "%s：%s",
		         upstream                        ? "上级节点解析失败"
		         : code == HDL_RC_INVALID_HANDLE ? "标识格式错误"
		                                         : "标识不在本节点",
		         detail);
	}
	(void)idis_envelope(out, status, msg, slice_make(NULL, 0));
	return http_of(status);
}

/* http_recur_fn: the answer to a read of an identifier of another node. */
static void
detail_render(void *ctx, struct rsv_worker *rw, struct slice handle, uint32_t code,
              const struct rec_view *rec, const char *msg, struct http_recur_out *out)
{
	struct rec_view r;

	(void)ctx;
	(void)rw;
	if (rec != NULL) {
		r = *rec;
		r.handle = handle;
		rec = &r;
	}
	out->status = detail_write(out->w, code, rec, msg, true);
}

/* The lookup's outcome as an answer (t open; the caller ends it). */
static void
detail_answer(struct http_req *q, struct slice h)
{
	struct rec_view rec;
	uint32_t code = rsv_lookup(q->rw, h, &rec);
	int status;

	if (http_recur_wanted(q, code)) {
		http_recur(q, h, detail_render, NULL);
		return;
	}
	wbuf_reset(&q->s->out);
	status = detail_write(&q->s->out, code, &rec, rsv_worker_message(q->rw), false);
	http_reply_json(q, status);
}

void
http_idis_detail(struct http_req *q)
{
	const struct uri_param *p = uri_param_get(&q->t, "handle");
	struct reg_rtxn *t;
	struct hauth a;
	size_t n = 0;
	bool ctrl;

	if (p == NULL || p->value.len == 0 || !p->has_value) {
		fail(q, IDIS_FAIL, "缺少必要的请求参数: handle");
		return;
	}
	if (text_utf8_check(p->value.p, p->value.len, &n, &ctrl) != IDR_OK || n > IDIS_HANDLE_MAX) {
		fail(q, IDIS_FAIL, "参数过长: handle 最多255个字符");
		return;
	}
	if (sfwd_route(q, p->value)) {
		return; /* another server of the site holds it (http/sfwd.h) */
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return;
	}
	/* a token is optional here; one that is sent must be valid */
	if (q->authorization.len == 0 || authenticate(q, t, &a)) {
		detail_answer(q, p->value);
	}
	rsv_read_end(q->rw);
}

/* ---------------------------------------------------------------- writes */

enum res {
	R_NONE = 0, /* submitted: the wop says */
	R_OK,
	R_EXISTS,
	R_ABSENT,
	R_DENIED,
	R_DUP,
	R_BAD, /* msg */
	R_INTERNAL
};

struct slot {
	struct wop *op; /* NULL: decided before the writer */
	enum res res;
	char *msg; /* R_BAD: owned, or NULL for the item's parse error */
};

/* One data request, single or batch; its writer job applies every accepted item. */
struct batch {
	struct writer_job job;
	struct rsv_pending *p;
	enum idis_op op;
	bool single;
	struct idis_items items;
	struct slot *slots;
	size_t nsub; /* items handed to the writer */
	char identity[AUTH_ID_MAX + 12];
	const struct shard *elsewhere; /* the site: items another server holds are refused */
};

static void
batch_free(struct batch *b)
{
	if (b == NULL) {
		return;
	}
	for (size_t i = 0; b->slots != NULL && i < b->items.n; i++) {
		wop_free(b->slots[i].op);
		free(b->slots[i].msg);
	}
	free(b->slots);
	idis_items_free(&b->items);
	free(b);
}

/* The writer job: every accepted item in the batch's transaction. */
static int
batch_apply(void *arg, struct reg_wtxn *t)
{
	struct batch *b = arg;

	for (size_t i = 0; i < b->items.n; i++) {
		struct wop *op = b->slots[i].op;

		if (op == NULL) {
			continue;
		}
		if (reg_write_status(t) != IDR_OK) {
			op->rc = reg_write_status(t);
			continue;
		}
		if (wop_apply(op, t) <= -1400 && op->rc > -1500) { /* a template rule: say which */
			const char *why = reg_write_detail(t);
			char m[IDIS_MSG_MAX];

			if (why != NULL && why[0] != '\0') {
				snprintf(m, sizeof(m), "非法操作，%s", why);
				b->slots[i].msg = strdup(m); /* NULL: the generic message */
			}
		}
	}
	return IDR_OK;
}

/* The outcome of a submitted item. */
static enum res
res_of(struct slot *s)
{
	int rc = s->op->rc;

	switch (rc) {
	case IDR_OK:
		return R_OK; /* created, updated or already there identically */
	case IDR_ECONFLICT:
		return R_EXISTS;
	case IDR_ENOENT:
		return R_ABSENT;
	case IDR_EDENIED:
		return R_DENIED;
	case IDR_EAGAIN:
	case IDR_ENOMEM:
	case IDR_ENOSPC:
	case IDR_EIO:
	case IDR_ESTORE:
		return R_INTERNAL;
	default:
		if (s->msg == NULL) {
			char m[IDIS_MSG_MAX];

			snprintf(m, sizeof(m), "非法操作，%s", idr_strerror(rc));
			s->msg = strdup(m);
		}
		return s->msg != NULL ? R_BAD : R_INTERNAL;
	}
}

static const char *
res_msg(const struct batch *b, size_t i, enum res r)
{
	switch (r) {
	case R_OK:
		return MSG_OK;
	case R_EXISTS:
		return MSG_EXISTS;
	case R_ABSENT:
		return b->single && b->op == IDIS_DELETE ? MSG_NOTFOUND : MSG_ABSENT;
	case R_DENIED:
		return MSG_DENIED;
	case R_DUP:
		return b->op == IDIS_CREATE   ? MSG_EXISTS
		       : b->op == IDIS_DELETE ? MSG_ABSENT
		                              : MSG_DUP;
	case R_BAD:
		return b->slots[i].msg != NULL ? b->slots[i].msg : b->items.v[i].err;
	default:
		return MSG_INTERNAL;
	}
}

/* The answer of a request whose items are all decided: envelope into w, HTTP status. */
static int
batch_answer(struct batch *b, struct wbuf *w)
{
	struct wbuf d;
	int http = 200;

	if (b->single) {
		enum res r = b->slots[0].op != NULL ? res_of(&b->slots[0]) : b->slots[0].res;
		int status = r == R_OK         ? IDIS_OK
		             : r == R_DENIED   ? IDIS_DENIED
		             : r == R_INTERNAL ? IDIS_INTERNAL
		                               : IDIS_FAIL;

		(void)idis_envelope(w, status, res_msg(b, 0, r),
		                    r == R_OK ? SLICE_LIT("true") : slice_make(NULL, 0));
		return http_of(status);
	}
	wbuf_init_heap(&d, (size_t)64 << 20);
	wbuf_u8(&d, '[');
	for (size_t i = 0; i < b->items.n; i++) {
		const struct idis_item *it = &b->items.v[i];
		enum res r = b->slots[i].op != NULL ? res_of(&b->slots[i]) : b->slots[i].res;

		wbuf_cstr(&d, i == 0 ? "{\"handle\":" : ",{\"handle\":");
		if (it->has_handle) {
			(void)vjson_write_str(&d, it->handle);
		} else {
			wbuf_lit(&d, "null");
		}
		if (b->op == IDIS_DELETE) {
			wbuf_cstr(&d, r == R_OK       ? ",\"code\":1"
			              : r == R_DENIED ? ",\"code\":-3"
			                              : ",\"code\":-2");
		}
		wbuf_lit(&d, ",\"msg\":");
		(void)vjson_write_str(&d, slice_cstr(res_msg(b, i, r)));
		wbuf_u8(&d, '}');
	}
	wbuf_u8(&d, ']');
	if (wbuf_error(&d) != IDR_OK) {
		(void)idis_envelope(w, IDIS_INTERNAL, MSG_INTERNAL, slice_make(NULL, 0));
		http = 500;
	} else {
		(void)idis_envelope(w, IDIS_OK, MSG_OK, wbuf_slice(&d));
	}
	wbuf_deinit(&d);
	return http;
}

/* The writer committed (or failed): answer on the worker's loop. */
static void
batch_done(void *arg, int rc, bool ran)
{
	struct batch *b = arg;
	struct wbuf w;
	int http;

	if (!ran) {
		batch_free(b);
		return;
	}
	wbuf_init_heap(&w, (size_t)64 << 20);
	if (rc != IDR_OK) {
		log_warn("idis: a write of %zu items failed: %s", b->nsub, reg_write_strerror(rc));
		http = rc == IDR_EAGAIN ? 503 : 500;
		(void)idis_envelope(&w, IDIS_INTERNAL, MSG_INTERNAL, slice_make(NULL, 0));
	} else {
		http = batch_answer(b, &w);
	}
	if (wbuf_error(&w) != IDR_OK) {
		wbuf_reset(&w);
		wbuf_lit(&w, "{\"message\":\"" MSG_INTERNAL "\",\"status\":-4,\"data\":null}");
		http = 500;
	}
	rsv_pending_finish(b->p, http, wbuf_slice(&w));
	wbuf_deinit(&w);
	batch_free(b);
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	(void)arg; /* the writer finishes the job; batch_done releases the request */
	(void)p;
}

/* ---- the handles seen in one batch (ASCII case folded, as lookups fold) */

struct seen {
	size_t *tab; /* item index + 1, 0 = free */
	size_t mask;
};

static uint64_t
fold_hash(struct slice s)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 1099511628211ULL;
	}
	return h;
}

/* true if an earlier item has the same handle; else it is recorded. */
static bool
seen_add(struct seen *s, const struct idis_items *items, size_t i)
{
	size_t at = (size_t)fold_hash(items->v[i].handle) & s->mask;

	while (s->tab[at] != 0) {
		if (slice_caseeq(items->v[s->tab[at] - 1].handle, items->v[i].handle)) {
			return true;
		}
		at = (at + 1) & s->mask;
	}
	s->tab[at] = i + 1;
	return false;
}

/* A bad item: the rule it breaks. */
static int
bad(struct slot *s, int rc)
{
	char m[IDIS_MSG_MAX];

	snprintf(m, sizeof(m), "非法操作，%s", idr_strerror(rc));
	s->msg = strdup(m);
	s->res = s->msg != NULL ? R_BAD : R_INTERNAL;
	return IDR_OK;
}

/* Decide item i before the writer: a result, or a wop in its slot (authorized as on every
 * write path: wop_authorize). */
static int
admit_item(struct batch *b, struct reg_rtxn *t, const struct hauth *a, struct seen *seen, size_t i)
{
	static const enum wop_kind kinds[] = {WOP_CREATE, WOP_CREATE, WOP_SET, WOP_DELETE};
	const struct idis_item *it = &b->items.v[i];
	struct slot *s = &b->slots[i];
	int rc;

	if (it->err != NULL) {
		s->res = R_BAD;
		return IDR_OK;
	}
	if (seen != NULL && seen_add(seen, &b->items, i)) {
		s->res = R_DUP;
		return IDR_OK;
	}
	if (b->elsewhere != NULL && !shard_mine(b->elsewhere, it->handle)) {
		/* a batch is not split between the servers of a site (http/sfwd.h) */
		s->msg = strdup("非法操作，" SHARD_MSG_WRONG_SERVER
		                ": send this item to the server of the site that holds it");
		s->res = s->msg != NULL ? R_BAD : R_INTERNAL;
		return IDR_OK;
	}
	rc = wop_new(&s->op, kinds[b->op], it->handle, it->values, it->nvalues, NULL, 0,
	             b->identity);
	if (rc == IDR_EINVAL) {
		return bad(s, IDR_EID_HARDLIMIT);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	rc = wop_authorize(s->op, t, &a->id, a->node_admin, NULL);
	if (rc != IDR_OK) {
		wop_free(s->op);
		s->op = NULL;
	}
	switch (rc) {
	case IDR_OK:
		b->nsub++;
		return IDR_OK;
	case IDR_ENOENT:
		s->res = R_ABSENT;
		return IDR_OK;
	case IDR_EDENIED:
		s->res = R_DENIED;
		return IDR_OK;
	default:
		if (rc <= IDR_EID_EMPTY && rc >= IDR_EID_NOSLASH) {
			return bad(s, rc);
		}
		s->res = R_INTERNAL;
		return IDR_OK;
	}
}

/* Authorize every item in one read transaction. false: the answer was sent. */
static bool
admit(struct http_req *q, struct batch *b)
{
	struct reg_rtxn *t;
	struct hauth a;
	struct seen seen = {NULL, 0};
	int rc = IDR_OK;

	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return false;
	}
	if (!authenticate(q, t, &a)) {
		rsv_read_end(q->rw);
		return false;
	}
	snprintf(b->identity, sizeof(b->identity), "%s", a.text);
	b->job.identity = b->identity;
	if (!b->single) {
		size_t cap = 16;

		while (cap < 2 * b->items.n) {
			cap *= 2;
		}
		seen.tab = calloc(cap, sizeof(size_t));
		seen.mask = cap - 1;
		rc = seen.tab != NULL ? IDR_OK : IDR_ENOMEM;
	}
	for (size_t i = 0; rc == IDR_OK && i < b->items.n; i++) {
		rc = admit_item(b, t, &a, b->single ? NULL : &seen, i);
	}
	rsv_read_end(q->rw);
	free(seen.tab);
	if (rc != IDR_OK) {
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return false;
	}
	return true;
}

/* Hand the batch to the writer (its answer comes in batch_done), or answer now. */
static void
submit(struct http_req *q, struct batch *b)
{
	int http;

	if (b->nsub == 0) {
		wbuf_reset(&q->s->out);
		http = batch_answer(b, &q->s->out);
		http_reply_json(q, http);
		batch_free(b);
		return;
	}
	b->p = http_defer(q, on_cancel, b);
	if (b->p == NULL) {
		batch_free(b);
		reply(q, 503, IDIS_INTERNAL, MSG_BUSY, slice_make(NULL, 0));
		return;
	}
	b->job.apply = batch_apply;
	b->job.done = batch_done;
	b->job.arg = b;
	b->job.reply_to = rsv_worker_mbox(q->rw);
	if (writer_submit(rsv_writer(q->rw), &b->job) != IDR_OK) {
		struct wbuf w;

		wbuf_init_heap(&w, 256);
		(void)idis_envelope(&w, IDIS_INTERNAL, MSG_BUSY, slice_make(NULL, 0));
		rsv_pending_finish(b->p, 503, wbuf_slice(&w));
		wbuf_deinit(&w);
		batch_free(b);
		return;
	}
	q->pending = true;
}

static void
data_request(struct http_req *q, enum idis_op op, bool batch)
{
	const struct uri_param *hp = uri_param_get(&q->t, "handle");
	char msg[IDIS_MSG_MAX];
	struct batch *b;
	int rc;

	if (!q->tls) {
		fail(q, IDIS_DENIED, MSG_HTTPS);
		return;
	}
	if (rsv_writer(q->rw) == NULL) {
		reply(q, 503, IDIS_INTERNAL, MSG_NOWRITE, slice_make(NULL, 0));
		return;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return;
	}
	b->op = op;
	b->single = !batch;
	rc = idis_items_parse(q->body, op, batch,
	                      hp != NULL && !batch ? hp->value : slice_make(NULL, 0), &b->items,
	                      msg, sizeof(msg));
	if (rc == IDR_OK) {
		b->slots = calloc(b->items.n > 0 ? b->items.n : 1, sizeof(struct slot));
		rc = b->slots != NULL ? IDR_OK : IDR_ENOMEM;
	}
	if (rc != IDR_OK) {
		batch_free(b);
		if (rc == IDR_ENOMEM) {
			fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		} else {
			reply(q, 400, IDIS_FAIL, msg, slice_make(NULL, 0));
		}
		return;
	}
	for (size_t i = 0; i < b->items.n; i++) {
		if (b->items.v[i].err == NULL && idis_takeover_refused(q, b->items.v[i].handle)) {
			batch_free(b);
			return;
		}
	}
	if (b->single && b->items.n == 1 && b->items.v[0].err == NULL &&
	    sfwd_route(q, b->items.v[0].handle)) {
		batch_free(b); /* another server of the site holds it (http/sfwd.h) */
		return;
	}
	b->elsewhere = rsv_worker_shard(q->rw);
	if (!admit(q, b)) {
		batch_free(b);
		return;
	}
	submit(q, b);
}

void
http_idis_create(struct http_req *q)
{
	data_request(q, IDIS_CREATE, false);
}

void
http_idis_update(struct http_req *q)
{
	data_request(q, IDIS_UPDATE, false);
}

void
http_idis_delete(struct http_req *q)
{
	data_request(q, IDIS_DELETE, false);
}

void
http_idis_batch_create(struct http_req *q)
{
	data_request(q, IDIS_CREATE, true);
}

void
http_idis_batch_update(struct http_req *q)
{
	data_request(q, IDIS_UPDATE, true);
}

void
http_idis_batch_delete(struct http_req *q)
{
	data_request(q, IDIS_DELETE, true);
}

/* ---------------------------------------------------------------- shared (idis_int.h) */

bool
idis_takeover_refused(struct http_req *q, struct slice handle)
{
	char node[PFX_MAX_LEN + 1], why[HTTP_MSG_MAX], msg[HTTP_MSG_MAX + 64];

	if (!rsv_takeover_of(q->rw, handle, node, sizeof(node))) {
		return false;
	}
	rsv_takeover_message(node, why, sizeof(why));
	snprintf(msg, sizeof(msg), "节点已由顶级节点接管，只读 (%s)", why);
	http_header(q, "Retry-After", RSV_TAKEOVER_RETRY_AFTER);
	reply(q, 503, IDIS_INTERNAL, msg, slice_make(NULL, 0));
	return true;
}

void
idis_reply(struct http_req *q, int http, int status, const char *msg, struct slice data)
{
	reply(q, http, status, msg, data);
}

void
idis_fail(struct http_req *q, int status, const char *msg)
{
	fail(q, status, msg);
}

int
idis_http_status(int status)
{
	return http_of(status);
}

bool
idis_authenticate(struct http_req *q, struct reg_rtxn *t, struct hauth *a)
{
	return authenticate(q, t, a);
}
