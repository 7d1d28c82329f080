/* idis_tmpl.c - metadata templates over the national-style API (idis_tmpl.h). */
#include "http/idis_tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "base/text.h"
#include "core/rsv.h"
#include "http/idis.h"
#include "http/idis_int.h"
#include "http/sfwd.h"
#include "model/ident.h"
#include "write/writer.h"

#define MSG_OK        "success"
#define MSG_INTERNAL  "系统内部错误"
#define MSG_HTTPS     "只接受HTTPS请求：模板接口须通过HTTPS (the template API is HTTPS only)"
#define MSG_NOWRITE   "本节点不接受写入 (this node takes no writes)"
#define MSG_BUSY      "系统繁忙，请稍后重试 (busy)"
#define MSG_DENIED    "没有权限"
#define MSG_MISSING   "缺少必要的请求参数: "
#define MSG_BADTYPE   "参数格式错误: "
#define MSG_BADPARAM  "参数错误: "
#define MSG_RULE      "非法操作，"
#define LIST_OUT_MAX  ((size_t)64 << 20) /* bytes of a list answer */
#define ANSWER_MAX    4096               /* bytes of a write's answer (message <= IDIS_MSG_MAX) */
#define AUTHORITY_MAX (TMPL_MAX_PREFIX + sizeof(IDENT_ZERO_NA) + 1)

#define say(msg, cap, ...) ((void)snprintf((msg), (cap), __VA_ARGS__))

/* ---------------------------------------------------------------- parsing (pure) */

static int
check_prefix(struct slice p, char *msg, size_t cap)
{
	int rc;

	if (p.len == 0) {
		say(msg, cap, MSG_MISSING "prefix");
		return IDR_EINVAL;
	}
	if (p.len > TMPL_MAX_PREFIX) {
		say(msg, cap, "参数过长: prefix 最多%d字节", TMPL_MAX_PREFIX);
		return IDR_EINVAL;
	}
	rc = text_is_clean(p.p, p.len) ? ident_prefix_check(p) : IDR_EID_PREFIXCHAR;
	if (rc != IDR_OK) {
		say(msg, cap, MSG_BADPARAM "prefix: %s", idr_strerror(rc));
		return IDR_EINVAL;
	}
	return IDR_OK;
}

static int
check_version(struct slice v, char *msg, size_t cap)
{
	if (v.len == 0) {
		say(msg, cap, MSG_MISSING "version");
		return IDR_EINVAL;
	}
	if (v.len > TMPL_MAX_VERSION) {
		say(msg, cap, "参数过长: version 最多%d字节", TMPL_MAX_VERSION);
		return IDR_EINVAL;
	}
	if (!text_is_clean(v.p, v.len)) {
		say(msg, cap,
		    MSG_BADPARAM "version: must be UTF-8 text without control characters");
		return IDR_EINVAL;
	}
	return IDR_OK;
}

int
idis_tmpl_key(struct slice prefix, struct slice version, struct idis_tmpl_req *r, char *msg,
              size_t cap)
{
	int rc = check_prefix(prefix, msg, cap);

	if (rc == IDR_OK) {
		rc = check_version(version, msg, cap);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	memcpy(r->prefix, prefix.p, prefix.len);
	r->prefix[prefix.len] = '\0';
	memcpy(r->version, version.p, version.len);
	r->version[version.len] = '\0';
	return IDR_OK;
}

/* A string member of the body ("" when absent or null: the key check says it is missing). */
static int
key_member(const json_t *o, const char *key, struct slice *out, char *msg, size_t cap)
{
	const json_t *s = json_object_get(o, key);

	*out = slice_make(NULL, 0);
	if (s == NULL || json_is_null(s)) {
		return IDR_OK;
	}
	if (!json_is_string(s)) {
		say(msg, cap, MSG_BADTYPE "%s 应为字符串", key);
		return IDR_EINVAL;
	}
	*out = slice_make(json_string_value(s), json_string_length(s));
	return IDR_OK;
}

static bool
has_enabled_item(const struct tmpl *t)
{
	for (size_t i = 0; i < t->nitems; i++) {
		if (t->items[i].enabled) {
			return true;
		}
	}
	return false;
}

/* The template of a create or update body (doc is an object whose key was checked). */
static int
parse_template(const json_t *doc, struct idis_tmpl_req *r, char *msg, size_t cap)
{
	char err[TMPL_ERR_LEN];
	int rc = tmpl_from_json_obj(&r->tmpl, doc, err, sizeof(err));

	if (rc == IDR_ENOMEM) {
		say(msg, cap, MSG_INTERNAL);
		return rc;
	}
	if (rc != IDR_OK) {
		say(msg, cap, MSG_BADPARAM "%s", err);
		return IDR_EINVAL;
	}
	if (r->op == IDIS_TMPL_UPDATE) {
		return IDR_OK; /* state changes go through publish and DELETE */
	}
	if (r->tmpl->state == TMPL_WITHDRAWN) {
		say(msg, cap, MSG_BADPARAM "templateState: a new version is draft or published");
		return IDR_EINVAL;
	}
	r->publish = r->tmpl->state == TMPL_PUBLISHED;
	/* what reg_tmpl_publish would refuse, refused before the create lands */
	if (r->publish && !has_enabled_item(r->tmpl)) {
		say(msg, cap,
		    MSG_RULE "template %s version %s has no enabled item: nothing to publish",
		    r->prefix, r->version);
		return IDR_EINVAL;
	}
	return IDR_OK;
}

int
idis_tmpl_parse(struct slice body, enum idis_tmpl_op op, struct slice qprefix,
                struct slice qversion, struct idis_tmpl_req *r, char *msg, size_t cap)
{
	struct slice prefix, version;
	json_error_t je;
	json_t *doc;
	int rc;

	memset(r, 0, sizeof(*r));
	r->op = op;
	msg[0] = '\0';
	if (body.len == 0 && (op == IDIS_TMPL_WITHDRAW || op == IDIS_TMPL_PUBLISH)) {
		return idis_tmpl_key(qprefix, qversion, r, msg, cap);
	}
	if (body.len > TMPL_MAX_JSON) {
		say(msg, cap, "请求体过大: 最多%u字节", TMPL_MAX_JSON);
		return IDR_EPROTO;
	}
	doc = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	                 &je);
	if (doc == NULL) {
		say(msg, cap, MSG_BADTYPE "请求体不是JSON: %s (第%d行第%d列)", je.text, je.line,
		    je.column);
		return IDR_EPROTO;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		say(msg, cap, MSG_BADTYPE "请求体应为对象");
		return IDR_EPROTO;
	}
	rc = key_member(doc, "prefix", &prefix, msg, cap);
	if (rc == IDR_OK) {
		rc = key_member(doc, "version", &version, msg, cap);
	}
	if (rc == IDR_OK) {
		rc = idis_tmpl_key(prefix, version, r, msg, cap);
	}
	if (rc == IDR_OK && (op == IDIS_TMPL_CREATE || op == IDIS_TMPL_UPDATE)) {
		rc = parse_template(doc, r, msg, cap);
	}
	json_decref(doc);
	if (rc != IDR_OK) {
		tmpl_free(r->tmpl);
		r->tmpl = NULL;
	}
	return rc;
}

void
idis_tmpl_req_deinit(struct idis_tmpl_req *r)
{
	if (r != NULL) {
		tmpl_free(r->tmpl);
		r->tmpl = NULL;
	}
}

int
idis_tmpl_message(int rc, const char *detail, char *msg, size_t cap)
{
	const char *d = detail != NULL && detail[0] != '\0' ? detail : idr_strerror(rc);

	switch (rc) {
	case IDR_OK:
		say(msg, cap, MSG_OK);
		return IDIS_OK;
	case IDR_ETMPL_UNKNOWN:
		say(msg, cap, "模板不存在：%s", d);
		return IDIS_FAIL;
	case IDR_ETMPL_PUBLISHED:
		say(msg, cap, "模板已发布，不能修改：%s", d);
		return IDIS_FAIL;
	case IDR_ECONFLICT:
		say(msg, cap, "模板已存在：%s", d);
		return IDIS_FAIL;
	case IDR_EPFX_UNKNOWN:
		say(msg, cap, "前缀不在本节点：%s", d);
		return IDIS_FAIL;
	case IDR_EDENIED:
		say(msg, cap, MSG_DENIED);
		return IDIS_DENIED;
	case IDR_EAGAIN:
	case IDR_ENOMEM:
	case IDR_ENOSPC:
	case IDR_EIO:
	case IDR_ESTORE:
		say(msg, cap, MSG_INTERNAL);
		return IDIS_INTERNAL;
	default:
		say(msg, cap, MSG_RULE "%s", d);
		return IDIS_FAIL;
	}
}

/* ---------------------------------------------------------------- reads */

static struct slice
param(const struct http_req *q, const char *key)
{
	const struct uri_param *p = uri_param_get(&q->t, key);

	return p != NULL && p->has_value ? p->value : slice_make(NULL, 0);
}

/*
 * The start of every request: HTTPS, a read transaction, a token. false: the answer was sent
 * (and the transaction ended).
 */
static bool
begin(struct http_req *q, struct reg_rtxn **t, struct hauth *a)
{
	if (!q->tls) {
		idis_fail(q, IDIS_DENIED, MSG_HTTPS);
		return false;
	}
	if (rsv_read_begin(q->rw, t) != IDR_OK) {
		idis_fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return false;
	}
	if (!idis_authenticate(q, *t, a)) {
		rsv_read_end(q->rw);
		return false;
	}
	return true;
}

/* A failure as an answer: status and message of the code. */
static void
fail_rc(struct http_req *q, int rc, const char *detail)
{
	char msg[IDIS_MSG_MAX];
	int status = idis_tmpl_message(rc, detail, msg, sizeof(msg));

	idis_fail(q, status, msg);
}

void
http_idis_template_get(struct http_req *q)
{
	char msg[IDIS_MSG_MAX], detail[IDIS_MSG_MAX];
	struct idis_tmpl_req r;
	struct reg_rtxn *t;
	struct tmpl *tm = NULL;
	struct hauth a;
	struct wbuf w;
	int rc;

	if (!begin(q, &t, &a)) {
		return;
	}
	if (idis_tmpl_key(param(q, "prefix"), param(q, "version"), &r, msg, sizeof(msg)) !=
	    IDR_OK) {
		idis_fail(q, IDIS_FAIL, msg);
		rsv_read_end(q->rw);
		return;
	}
	rc = reg_tmpl_get(t, slice_cstr(r.prefix), slice_cstr(r.version), &tm);
	if (rc == IDR_OK) {
		wbuf_init_heap(&w, (size_t)TMPL_MAX_JSON * 2);
		rc = tmpl_write_json(&w, tm, TMPL_JSON_STATE);
		if (rc == IDR_OK) {
			idis_reply(q, 200, IDIS_OK, MSG_OK, wbuf_slice(&w));
		} else {
			idis_fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		}
		wbuf_deinit(&w);
	} else {
		say(detail, sizeof(detail), "template %.100s version %.100s does not exist",
		    r.prefix, r.version);
		fail_rc(q, rc, rc == IDR_ETMPL_UNKNOWN ? detail : NULL);
	}
	tmpl_free(tm);
	rsv_read_end(q->rw);
}

struct list_ctx {
	struct wbuf *w;
	size_t n;
};

static int
list_one(void *arg, const struct tmpl *t)
{
	struct list_ctx *c = arg;

	if (c->n++ > 0) {
		wbuf_u8(c->w, ',');
	}
	return tmpl_write_json(c->w, t, TMPL_JSON_STATE) != IDR_OK ? 1 : 0;
}

void
http_idis_template_list(struct http_req *q)
{
	char msg[IDIS_MSG_MAX];
	struct slice prefix = param(q, "prefix");
	struct reg_rtxn *t;
	struct hauth a;
	struct wbuf w;
	struct list_ctx c = {&w, 0};
	int rc;

	if (prefix.len > 0 && idis_takeover_refused(q, prefix)) {
		return; /* the node's templates are in its backup copy, not listed here */
	}
	if (!begin(q, &t, &a)) {
		return;
	}
	if (check_prefix(prefix, msg, sizeof(msg)) != IDR_OK) {
		idis_fail(q, IDIS_FAIL, msg);
		rsv_read_end(q->rw);
		return;
	}
	wbuf_init_heap(&w, LIST_OUT_MAX);
	wbuf_u8(&w, '[');
	rc = reg_tmpl_list(t, prefix, list_one, &c);
	wbuf_u8(&w, ']');
	if (rc == IDR_OK && wbuf_error(&w) == IDR_OK) {
		idis_reply(q, 200, IDIS_OK, MSG_OK, wbuf_slice(&w));
	} else {
		log_warn("idis: template list of %.*s failed: %s", (int)prefix.len,
		         (const char *)prefix.p,
		         idr_strerror(rc != IDR_OK && rc != 1 ? rc : wbuf_error(&w)));
		idis_fail(q, IDIS_INTERNAL, MSG_INTERNAL);
	}
	wbuf_deinit(&w);
	rsv_read_end(q->rw);
}

/* ---------------------------------------------------------------- writes */

/* One template write: a writer job of its own. */
struct tjob {
	struct writer_job job;
	struct rsv_pending *p;
	struct idis_tmpl_req r;
	int rc; /* the operation's outcome (apply) */
	char detail[IDIS_MSG_MAX];
	char identity[AUTH_ID_MAX + 12];
};

static void
tjob_free(struct tjob *j)
{
	if (j != NULL) {
		idis_tmpl_req_deinit(&j->r);
		free(j);
	}
}

static const char *
op_name(enum idis_tmpl_op op)
{
	switch (op) {
	case IDIS_TMPL_CREATE:
		return "create";
	case IDIS_TMPL_UPDATE:
		return "update";
	case IDIS_TMPL_WITHDRAW:
		return "withdraw";
	default:
		return "publish";
	}
}

/* On the writer thread, in the batch's transaction (may run twice: see writer.c). */
static int
tjob_apply(void *arg, struct reg_wtxn *t)
{
	struct tjob *j = arg;
	struct slice p = slice_cstr(j->r.prefix), v = slice_cstr(j->r.version);
	int rc;

	j->detail[0] = '\0';
	switch (j->r.op) {
	case IDIS_TMPL_CREATE:
		rc = reg_tmpl_create(t, j->r.tmpl, NULL);
		if (rc == IDR_OK && j->r.publish) {
			rc = reg_tmpl_publish(t, p, v, NULL);
		}
		break;
	case IDIS_TMPL_UPDATE:
		rc = reg_tmpl_update(t, j->r.tmpl);
		break;
	case IDIS_TMPL_WITHDRAW:
		rc = reg_tmpl_withdraw(t, p, v, NULL);
		break;
	default:
		rc = reg_tmpl_publish(t, p, v, NULL);
		break;
	}
	if (rc == IDR_EPFX_UNKNOWN) {
		say(j->detail, sizeof(j->detail), "prefix %.200s is not hosted by this node",
		    j->r.prefix);
	} else if (rc != IDR_OK) {
		say(j->detail, sizeof(j->detail), "%s", reg_write_detail(t));
	}
	j->rc = rc;
	return reg_write_status(t); /* a rule broken is this job's answer, not the batch's */
}

/* The writer committed (or failed): answer on the worker's loop. */
static void
tjob_done(void *arg, int rc, bool ran)
{
	struct tjob *j = arg;
	char msg[IDIS_MSG_MAX];
	struct wbuf w;
	int status, http;

	if (!ran) {
		tjob_free(j);
		return;
	}
	if (rc != IDR_OK) {
		log_warn("idis: template %s of %s %s failed: %s", op_name(j->r.op), j->r.prefix,
		         j->r.version, reg_write_strerror(rc));
		status = IDIS_INTERNAL;
		http = rc == IDR_EAGAIN ? 503 : 500;
		say(msg, sizeof(msg), MSG_INTERNAL);
	} else {
		status = idis_tmpl_message(j->rc, j->detail, msg, sizeof(msg));
		http = idis_http_status(status);
		if (j->rc == IDR_OK) {
			log_info("idis: template %s %s: %s by %s", j->r.prefix, j->r.version,
			         op_name(j->r.op), j->identity);
		}
	}
	wbuf_init_heap(&w, ANSWER_MAX);
	(void)idis_envelope(&w, status, msg,
	                    status == IDIS_OK ? SLICE_LIT("true") : slice_make(NULL, 0));
	rsv_pending_finish(j->p, http, wbuf_slice(&w));
	wbuf_deinit(&w);
	tjob_free(j);
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	(void)arg; /* the writer finishes the job; tjob_done releases it */
	(void)p;
}

/* May a write the prefix's templates: node administrator, or ADD_HANDLE on 0.NA/<prefix>. */
static int
may_write(struct reg_rtxn *t, const struct hauth *a, const char *prefix)
{
	char authority[AUTHORITY_MAX];

	if (a->node_admin) {
		return IDR_OK;
	}
	if (ident_zero_na(slice_cstr(prefix), authority, sizeof(authority)) != IDR_OK) {
		return IDR_EDENIED;
	}
	return auth_allowed(t, &a->id, slice_cstr(authority), VALUE_ADMIN_ADD_HANDLE);
}

/* Authenticate, parse, authorize in one read transaction. false: the answer was sent. */
static bool
admit(struct http_req *q, struct tjob *j)
{
	char msg[IDIS_MSG_MAX];
	struct reg_rtxn *t;
	struct hauth a;
	bool parsed;
	int rc;

	if (!begin(q, &t, &a)) {
		return false;
	}
	snprintf(j->identity, sizeof(j->identity), "%s", a.text);
	rc = idis_tmpl_parse(q->body, j->r.op, param(q, "prefix"), param(q, "version"), &j->r, msg,
	                     sizeof(msg));
	parsed = rc == IDR_OK;
	if (rc == IDR_OK) {
		rc = may_write(t, &a, j->r.prefix);
		if (rc == IDR_EDENIED) {
			log_notice("idis: %s may not %s templates of %s", a.text, op_name(j->r.op),
			           j->r.prefix);
		}
	}
	rsv_read_end(q->rw);
	/* the templates of a node taken over are read-only at the top level (fed/takeover.h) */
	if (parsed && idis_takeover_refused(q, slice_cstr(j->r.prefix))) {
		return false;
	}
	switch (rc) {
	case IDR_OK:
		return true;
	case IDR_EPROTO:
		idis_reply(q, 400, IDIS_FAIL, msg, slice_make(NULL, 0));
		return false;
	case IDR_EINVAL:
		idis_fail(q, IDIS_FAIL, msg);
		return false;
	case IDR_EDENIED:
		idis_fail(q, IDIS_DENIED, MSG_DENIED);
		return false;
	default:
		idis_fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return false;
	}
}

/* Hand the job to the writer (its answer comes in tjob_done), or answer busy now. */
static void
submit(struct http_req *q, struct tjob *j)
{
	struct wbuf w;

	j->p = http_defer(q, on_cancel, j);
	if (j->p == NULL) {
		tjob_free(j);
		idis_reply(q, 503, IDIS_INTERNAL, MSG_BUSY, slice_make(NULL, 0));
		return;
	}
	j->job.apply = tjob_apply;
	j->job.done = tjob_done;
	j->job.arg = j;
	j->job.identity = j->identity;
	j->job.reply_to = rsv_worker_mbox(q->rw);
	if (writer_submit(rsv_writer(q->rw), &j->job) != IDR_OK) {
		wbuf_init_heap(&w, ANSWER_MAX);
		(void)idis_envelope(&w, IDIS_INTERNAL, MSG_BUSY, slice_make(NULL, 0));
		rsv_pending_finish(j->p, 503, wbuf_slice(&w));
		wbuf_deinit(&w);
		tjob_free(j);
		return;
	}
	q->pending = true;
}

static void
template_write(struct http_req *q, enum idis_tmpl_op op)
{
	struct tjob *j;

	if (sfwd_all(q)) {
		return; /* a site of several servers: to every one (http/sfwd.h) */
	}
	if (!q->tls) {
		idis_fail(q, IDIS_DENIED, MSG_HTTPS);
		return;
	}
	if (rsv_writer(q->rw) == NULL) {
		idis_reply(q, 503, IDIS_INTERNAL, MSG_NOWRITE, slice_make(NULL, 0));
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		idis_fail(q, IDIS_INTERNAL, MSG_INTERNAL);
		return;
	}
	j->r.op = op;
	if (!admit(q, j)) {
		tjob_free(j);
		return;
	}
	submit(q, j);
}

void
http_idis_template_create(struct http_req *q)
{
	template_write(q, IDIS_TMPL_CREATE);
}

void
http_idis_template_update(struct http_req *q)
{
	template_write(q, IDIS_TMPL_UPDATE);
}

void
http_idis_template_delete(struct http_req *q)
{
	template_write(q, IDIS_TMPL_WITHDRAW);
}

void
http_idis_template_publish(struct http_req *q)
{
	template_write(q, IDIS_TMPL_PUBLISH);
}
