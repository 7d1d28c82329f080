/* api_prefix.c - enterprise onboarding over HTTPS (api_prefix.h). */
#include "http/api_prefix.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/log.h"
#include "core/auth.h"
#include "core/shard.h"
#include "hdl/hdl.h"
#include "http/api_write.h"
#include "http/hauth.h"
#include "http/sfwd.h"
#include "model/ent.h"
#include "model/vjson.h"
#include "write/writer.h"

#define ANONYMOUS   "anonymous"
#define SUFFIX_OK   "/approve"
#define SUFFIX_NO   "/reject"
#define ANSWER_BASE 512

/* ---------------------------------------------------------------- bodies */

/* A JSON object from body; msg on error. */
static json_t *
body_object(struct slice body, char *msg, size_t cap)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);

	if (j == NULL) {
		snprintf(msg, cap, "body is not JSON: %s (line %d)", jerr.text, jerr.line);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(msg, cap, "body must be a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}

/* One string member into a field of cap bytes; required: absent is an error. */
static int
member_str(json_t *j, const char *key, char *field, size_t cap, bool required, char *msg,
           size_t mcap)
{
	json_t *v = json_object_get(j, key);
	struct slice s;

	if (v == NULL) {
		if (!required) {
			return IDR_OK;
		}
		snprintf(msg, mcap, "member \"%s\" is missing", key);
		return IDR_EPROTO;
	}
	if (!json_is_string(v)) {
		snprintf(msg, mcap, "member \"%s\" must be a string", key);
		return IDR_EPROTO;
	}
	s = slice_make(json_string_value(v), json_string_length(v));
	if (memchr(s.p, '\0', s.len) != NULL) {
		snprintf(msg, mcap, "member \"%s\" contains a NUL character", key);
		return IDR_EPROTO;
	}
	if (required && s.len == 0) {
		snprintf(msg, mcap, "member \"%s\" is empty", key);
		return IDR_EPROTO;
	}
	if (pop_set(field, cap, s) != IDR_OK) {
		snprintf(msg, mcap, "member \"%s\" is longer than %zu bytes", key, cap - 1);
		return IDR_ELIMIT;
	}
	return IDR_OK;
}

/* Every member of j is one of keys (NULL-terminated); msg names the first that is not. */
static int
members_known(json_t *j, const char *const *keys, char *msg, size_t cap)
{
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v)
	{
		size_t i = 0;

		(void)v;
		while (keys[i] != NULL && strcmp(keys[i], key) != 0) {
			i++;
		}
		if (keys[i] == NULL) {
			snprintf(msg, cap, "unknown member \"%.64s\"", key);
			return IDR_EPROTO;
		}
	}
	return IDR_OK;
}

int
http_prefix_app_parse(struct slice body, struct pop *op, char *msg, size_t cap)
{
	static const char *const keys[] = {"prefix",   "owner",   "credit_code",
	                                   "industry", "contact", NULL};
	json_t *j = body_object(body, msg, cap);
	int rc;

	if (j == NULL) {
		return IDR_EPROTO;
	}
	rc = members_known(j, keys, msg, cap);
	if (rc == IDR_OK) {
		rc = member_str(j, "prefix", op->prefix, sizeof(op->prefix), true, msg, cap);
	}
	if (rc == IDR_OK) {
		rc = member_str(j, "owner", op->owner, sizeof(op->owner), true, msg, cap);
	}
	if (rc == IDR_OK) {
		rc = member_str(j, "credit_code", op->uscc, sizeof(op->uscc), true, msg, cap);
	}
	if (rc == IDR_OK) {
		rc = member_str(j, "industry", op->industry, sizeof(op->industry), true, msg, cap);
	}
	if (rc == IDR_OK) {
		rc = member_str(j, "contact", op->contact, sizeof(op->contact), true, msg, cap);
	}
	json_decref(j);
	if (rc == IDR_OK && (rc = ent_uscc_check(slice_cstr(op->uscc))) != IDR_OK) {
		snprintf(msg, cap, "credit_code: %s", idr_strerror(rc));
	}
	if (rc == IDR_OK && (rc = ent_industry_check(slice_cstr(op->industry))) != IDR_OK) {
		snprintf(msg, cap, "industry: %s", idr_strerror(rc));
	}
	return rc;
}

/* The public_key member {"format":"hex"|"base64","value":"..."} decoded into buf. */
static int
public_key(json_t *pk, uint8_t *buf, size_t cap, size_t *n, char *msg, size_t mcap)
{
	json_t *f = json_object_get(pk, "format"), *v = json_object_get(pk, "value");
	struct slice text;

	if (!json_is_object(pk) || json_object_size(pk) != 2 || !json_is_string(f) ||
	    !json_is_string(v)) {
		snprintf(msg, mcap,
		         "public_key must be {\"format\":\"hex\"|\"base64\",\"value\":...}");
		return IDR_EPROTO;
	}
	text = slice_make(json_string_value(v), json_string_length(v));
	if (strcmp(json_string_value(f), "hex") == 0) {
		if (text.len == 0 || text.len % 2 != 0 || text.len / 2 > cap ||
		    crypto_unhex((const char *)text.p, text.len, buf, text.len / 2) != IDR_OK) {
			snprintf(msg, mcap, "public_key: not hex, or longer than %zu bytes", cap);
			return IDR_EPROTO;
		}
		*n = text.len / 2;
		return IDR_OK;
	}
	if (strcmp(json_string_value(f), "base64") == 0) {
		if (text.len == 0 || b64_decoded_len(text) > cap ||
		    b64_decode(text, buf, cap, n) != IDR_OK || *n == 0) {
			snprintf(msg, mcap, "public_key: not base64, or longer than %zu bytes",
			         cap);
			return IDR_EPROTO;
		}
		return IDR_OK;
	}
	snprintf(msg, mcap, "public_key format must be hex or base64");
	return IDR_EPROTO;
}

int
http_prefix_decision_parse(struct slice body, struct pop *op, char *msg, size_t cap)
{
	static const char *const keys[] = {"reason", "public_key", NULL};
	uint8_t key[POP_KEY_MAX];
	size_t n = 0;
	json_t *j, *pk;
	int rc = IDR_OK;

	if (body.len > 0) {
		j = body_object(body, msg, cap);
		if (j == NULL) {
			return IDR_EPROTO;
		}
		rc = members_known(j, keys, msg, cap);
		if (rc == IDR_OK) {
			rc = member_str(j, "reason", op->reason, sizeof(op->reason), false, msg,
			                cap);
		}
		pk = json_object_get(j, "public_key");
		if (rc == IDR_OK && pk != NULL && op->kind != POP_APPROVE) {
			snprintf(msg, cap, "public_key is for approve");
			rc = IDR_EPROTO;
		}
		if (rc == IDR_OK && pk != NULL) {
			rc = public_key(pk, key, sizeof(key), &n, msg, cap);
		}
		json_decref(j);
	}
	if (rc == IDR_OK && op->kind == POP_APPROVE) {
		rc = pop_admin_key(op, slice_make(key, n));
		if (rc != IDR_OK) {
			snprintf(msg, cap, "administrator key: %s", idr_strerror(rc));
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- answers */

/* HTTP status and responseCode of a registry result. */
static int
status_of(int rc, uint32_t *code)
{
	switch (rc) {
	case IDR_OK:
		*code = HDL_RC_SUCCESS;
		return 200;
	case IDR_EPFX_UNKNOWN:
		*code = HDL_RC_HANDLE_NOT_FOUND;
		return 404;
	case IDR_EPFX_APPLIED:
	case IDR_EPFX_UNDECIDED:
	case IDR_EPFX_ADMINSLOT:
	case IDR_EPFX_NODE:
	case IDR_ECONFLICT:
		*code = HDL_RC_HANDLE_ALREADY_EXISTS;
		return 409;
	case IDR_EDENIED:
		*code = HDL_RC_INSUFFICIENT_PERMS;
		return 403;
	case IDR_EAGAIN:
		*code = HDL_RC_SERVER_BUSY;
		return 503;
	default:
		break;
	}
	if ((rc <= IDR_EID_EMPTY && rc >= IDR_EID_NOSLASH) ||
	    (rc <= IDR_EPFX_NOTBELOW && rc >= IDR_EPFX_INDUSTRY) || rc == IDR_EINVAL ||
	    rc == IDR_ELIMIT || rc == IDR_EUTF8 || rc == IDR_ECTRL || rc == IDR_EPROTO) {
		*code = HDL_RC_INVALID_VALUE;
		return 400;
	}
	*code = HDL_RC_ERROR;
	return 500;
}

static void
fail(struct http_req *q, int status, uint32_t code, struct slice prefix, const char *msg)
{
	http_api_error_at(q, status, code, "prefix", prefix, msg);
}

/* The success body of a finished operation. */
static void
answer_ok(struct wbuf *w, const struct pop *op)
{
	int state = op->kind == POP_APPLY     ? PFX_PENDING
	            : op->kind == POP_APPROVE ? PFX_ENABLED
	                                      : PFX_REJECTED;

	wbuf_cstr(w, "{\"responseCode\":1,\"prefix\":");
	vjson_write_str(w, slice_cstr(op->prefix));
	wbuf_printf(w, ",\"state\":%d,\"state_name\":\"%s\"", state, pfx_state_name(state));
	if (op->kind == POP_APPROVE) {
		char admin[sizeof(op->prefix) + 32];

		snprintf(admin, sizeof(admin), "%d:%s/%s", REG_ADMIN_KEY_INDEX, op->prefix,
		         REG_ADMIN_SUFFIX);
		wbuf_cstr(w, ",\"admin\":");
		vjson_write_str(w, slice_cstr(admin));
		if (op->secret[0] != '\0') {
			wbuf_printf(w, ",\"secret\":\"%s\"", op->secret);
		}
	}
	wbuf_cstr(w, "}");
}

/* The answer, once the writer committed (on the worker's loop). */
static void
on_done(void *arg, int rc, bool ran)
{
	struct pop *op = arg;
	uint32_t code;
	struct wbuf w;
	int status;

	if (!ran) {
		pop_free(op);
		return;
	}
	status = status_of(rc, &code);
	wbuf_init_heap(&w, ANSWER_BASE + 6 * sizeof(op->prefix));
	if (rc == IDR_OK) {
		answer_ok(&w, op);
		status = op->kind == POP_APPLY && op->outcome == REG_CREATED ? 201 : 200;
	} else {
		(void)http_json_error(&w, code, "prefix", slice_cstr(op->prefix),
		                      slice_cstr(idr_strerror(rc)));
	}
	if (wbuf_error(&w) != IDR_OK) {
		wbuf_reset(&w);
		wbuf_lit(&w, "{\"responseCode\":2,\"message\":\"out of memory\"}");
		status = 500;
	}
	log_info("http: prefix %s %s by %s: %s", op->prefix,
	         op->kind == POP_APPLY     ? "application"
	         : op->kind == POP_APPROVE ? "approval"
	                                   : "rejection",
	         op->identity, rc == IDR_OK ? "done" : idr_strerror(rc));
	rsv_pending_finish(op->owner_ctx, status, wbuf_slice(&w));
	wbuf_deinit(&w);
	pop_free(op);
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	(void)arg;
	(void)p;
}

/* Hand op to the writer (it is freed on every path); its answer comes in on_done. */
static void
submit(struct http_req *q, struct pop *op)
{
	struct slice name = slice_cstr(op->prefix);
	struct wbuf out;

	op->owner_ctx = http_defer(q, on_cancel, op);
	if (op->owner_ctx == NULL) {
		pop_free(op);
		fail(q, 503, HDL_RC_SERVER_BUSY, name, "too many requests in progress");
		return;
	}
	op->job.done = on_done;
	op->job.reply_to = rsv_worker_mbox(q->rw);
	if (writer_submit(rsv_writer(q->rw), &op->job) != IDR_OK) {
		wbuf_init_heap(&out, ANSWER_BASE + 6 * sizeof(op->prefix));
		(void)http_json_error(&out, HDL_RC_SERVER_BUSY, "prefix", name,
		                      SLICE_LIT("the writer is busy or stopping"));
		rsv_pending_finish(op->owner_ctx, 503, wbuf_slice(&out));
		wbuf_deinit(&out);
		pop_free(op);
		return;
	}
	q->pending = true;
}

/* ---------------------------------------------------------------- who is asking */

enum who { WHO_ANSWERED = -1, WHO_ANONYMOUS = 0, WHO_CLIENT = 1 };

/*
 * Authenticate q if it has credentials (required: it must). Without TLS credentials are not
 * looked at. On failure the answer is sent.
 */
static enum who
who(struct http_req *q, struct hauth *a, bool required, struct slice name)
{
	enum hauth_result res;
	struct reg_rtxn *t;
	char msg[HTTP_MSG_MAX];

	if (!q->tls || q->authorization.len == 0) {
		if (!required) {
			return WHO_ANONYMOUS;
		}
		http_header(q, "WWW-Authenticate", "Basic realm=\"handle\"");
		fail(q, 401, HDL_RC_AUTHENTICATION_NEEDED, name,
		     "authentication needed (a node administrator)");
		return WHO_ANSWERED;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		fail(q, 500, HDL_RC_ERROR, name, "internal error");
		return WHO_ANSWERED;
	}
	res = http_authenticate(q, t, a, msg, sizeof(msg));
	rsv_read_end(q->rw);
	if (res == HAUTH_OK) {
		return WHO_CLIENT;
	}
	if (res == HAUTH_NONE) {
		return WHO_ANONYMOUS;
	}
	log_notice("http: onboarding request for %.*s refused: %s", (int)name.len,
	           (const char *)name.p, msg);
	if (res == HAUTH_ERROR) {
		fail(q, 500, HDL_RC_ERROR, name, msg);
	} else {
		fail(q, res == HAUTH_BAD ? 400 : 403,
		     res == HAUTH_BAD ? HDL_RC_PROTOCOL_ERROR : HDL_RC_AUTHENTICATION_FAILED, name,
		     msg);
	}
	return WHO_ANSWERED;
}

bool
http_node_admin_at(struct http_req *q, struct hauth *a, const char *what, struct slice name)
{
	enum who w = who(q, a, true, name);

	if (w == WHO_ANSWERED) {
		return false;
	}
	if (w == WHO_ANONYMOUS) {
		http_header(q, "WWW-Authenticate", "Basic realm=\"handle\"");
		http_api_error_at(q, 401, HDL_RC_AUTHENTICATION_NEEDED, what, name,
		                  "authentication needed (a node administrator)");
		return false;
	}
	if (!a->node_admin) {
		log_notice("http: %s request for %.*s refused: %s is no node administrator", what,
		           (int)name.len, (const char *)name.p, a->text);
		http_api_error_at(q, 403, HDL_RC_INSUFFICIENT_PERMS, what, name,
		                  "only node administrators (server_admins) may do this");
		return false;
	}
	return true;
}

/* A node administrator over HTTPS, or the refusal is sent. */
static bool
node_admin(struct http_req *q, struct hauth *a, struct slice name)
{
	return http_node_admin_at(q, a, "prefix", name);
}

/* The checks every write makes first: HTTPS, a writer, the address's write rate. */
static bool
write_begin(struct http_req *q, struct slice name)
{
	if (!q->tls) {
		fail(q, 403, HDL_RC_INVALID_ADMIN, name, "writes are accepted over HTTPS only");
		return false;
	}
	if (rsv_writer(q->rw) == NULL) {
		fail(q, 503, HDL_RC_SERVER_BACKUP, name, "this node takes no writes");
		return false;
	}
	return http_write_rate_ok(q, name);
}

/* ---------------------------------------------------------------- handlers */

void
http_prefix_apply(struct http_req *q)
{
	struct slice none = SLICE_LIT("");
	char msg[HTTP_MSG_MAX];
	struct pop *op;
	struct hauth a;
	enum who w;
	int rc;

	if (sfwd_all(q)) {
		return; /* a site of several servers: to every one (http/sfwd.h) */
	}
	if (!write_begin(q, none)) {
		return;
	}
	w = who(q, &a, false, none);
	if (w == WHO_ANSWERED) {
		return;
	}
	if (pop_new(&op, POP_APPLY, w == WHO_CLIENT ? a.text : ANONYMOUS) != IDR_OK) {
		fail(q, 500, HDL_RC_ERROR, none, "out of memory");
		return;
	}
	rc = http_prefix_app_parse(q->body, op, msg, sizeof(msg));
	if (rc != IDR_OK) {
		fail(q, 400, HDL_RC_INVALID_VALUE, slice_cstr(op->prefix), msg);
		pop_free(op);
		return;
	}
	submit(q, op);
}

/* Visit state: the list's JSON. */
struct list_ctx {
	struct wbuf *w;
	int state; /* -1: all */
	size_t n;
};

static int
list_one(void *arg, const struct pfx_info *p)
{
	struct list_ctx *l = arg;

	if (l->state >= 0 && p->state != l->state) {
		return 0;
	}
	wbuf_cstr(l->w, l->n++ > 0 ? "," : "");
	return pfx_json(l->w, p) == IDR_OK ? 0 : 1;
}

void
http_prefix_list(struct http_req *q)
{
	const struct uri_param *sp = uri_param_get(&q->t, "state");
	struct list_ctx l = {&q->s->out, -1, 0};
	struct slice none = SLICE_LIT("");
	struct reg_rtxn *t;
	struct hauth a;
	char state[16];
	int rc;

	if (!q->tls) {
		fail(q, 403, HDL_RC_INVALID_ADMIN, none,
		     "the list of applications is served over HTTPS only");
		return;
	}
	if (sp != NULL && (pop_set(state, sizeof(state), sp->value) != IDR_OK ||
	                   pfx_state_parse(state, &l.state) != IDR_OK)) {
		fail(q, 400, HDL_RC_PROTOCOL_ERROR, none, idr_strerror(IDR_EPFX_STATE));
		return;
	}
	if (!node_admin(q, &a, none)) {
		return;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		fail(q, 500, HDL_RC_ERROR, none, "internal error");
		return;
	}
	wbuf_reset(&q->s->out);
	wbuf_cstr(&q->s->out, "{\"responseCode\":1,\"prefixes\":[");
	rc = reg_prefix_list(t, list_one, &l);
	rsv_read_end(q->rw);
	wbuf_cstr(&q->s->out, "]}");
	if (rc != IDR_OK) {
		fail(q, 500, HDL_RC_ERROR, none, idr_strerror(rc));
		return;
	}
	http_reply_json(q, 200);
}

/* GET /api/v1/prefixes/{prefix}: the public part, or everything for a node administrator. */
static void
item_get(struct http_req *q, struct slice name)
{
	struct reg_rtxn *t;
	struct pfx_info p;
	struct hauth a;
	enum who w = who(q, &a, false, name);
	int rc;

	if (w == WHO_ANSWERED) {
		return;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		fail(q, 500, HDL_RC_ERROR, name, "internal error");
		return;
	}
	rc = reg_prefix_get(t, name, &p);
	rc = rc == IDR_ENOENT ? IDR_EPFX_UNKNOWN : rc;
	if (rc == IDR_OK) {
		if (w != WHO_CLIENT || !a.node_admin) {
			struct pfx_info pub;

			memset(&pub, 0, sizeof(pub)); /* no application: pfx_json leaves it out */
			pub.name = p.name;
			pub.owner = p.owner;
			pub.state = p.state;
			pub.node = p.node;
			pub.created = p.created;
			pub.changed = p.changed;
			p = pub;
		}
		wbuf_reset(&q->s->out);
		wbuf_cstr(&q->s->out, "{\"responseCode\":1,\"prefix\":");
		rc = pfx_json(&q->s->out, &p);
		wbuf_cstr(&q->s->out, "}");
	}
	rsv_read_end(q->rw);
	if (rc != IDR_OK) {
		uint32_t code;
		int status = status_of(rc, &code);

		fail(q, status, code, name, idr_strerror(rc));
		return;
	}
	http_reply_json(q, 200);
}

/* POST /api/v1/prefixes/{prefix}/approve|reject. */
static void
item_decide(struct http_req *q, struct slice name, bool approve)
{
	char msg[HTTP_MSG_MAX];
	struct pop *op;
	struct hauth a;
	int rc;

	if (!write_begin(q, name) || !node_admin(q, &a, name)) {
		return;
	}
	if (pop_new(&op, approve ? POP_APPROVE : POP_REJECT, a.text) != IDR_OK) {
		fail(q, 500, HDL_RC_ERROR, name, "out of memory");
		return;
	}
	rc = pop_set(op->prefix, sizeof(op->prefix), name);
	if (rc != IDR_OK) {
		snprintf(msg, sizeof(msg), "prefix longer than %d bytes", PFX_MAX_LEN);
	} else {
		rc = http_prefix_decision_parse(q->body, op, msg, sizeof(msg));
	}
	if (rc == IDR_OK && op->secret[0] != '\0' && rsv_worker_shard(q->rw)->n > 1) {
		/* each server of a site would draw its own secret (http/sfwd.h sfwd_all) */
		snprintf(msg, sizeof(msg),
		         "on a site of several servers an approval names the administrator's "
		         "public_key: a secret drawn here would differ from the other servers'");
		rc = IDR_EINVAL;
	}
	if (rc != IDR_OK) {
		fail(q, rc == IDR_ECRYPTO ? 500 : 400,
		     rc == IDR_ECRYPTO ? HDL_RC_ERROR : HDL_RC_INVALID_VALUE, name, msg);
		pop_free(op);
		return;
	}
	submit(q, op);
}

void
http_prefix_item(struct http_req *q)
{
	struct slice cap = q->match.capture, name;

	if (slice_cut_suffix(cap, SUFFIX_OK, &name) || slice_cut_suffix(cap, SUFFIX_NO, &name)) {
		if (q->method != HTTP_M_POST) {
			http_header(q, "Allow", "POST, OPTIONS");
			fail(q, 405, HDL_RC_PROTOCOL_ERROR, name, "approve and reject are POST");
			return;
		}
		if (sfwd_all(q)) {
			return; /* a site of several servers: to every one (http/sfwd.h) */
		}
		item_decide(q, name, slice_cut_suffix(cap, SUFFIX_OK, &name));
		return;
	}
	if (q->method == HTTP_M_POST) {
		http_header(q, "Allow", "GET, HEAD, OPTIONS");
		fail(q, 405, HDL_RC_PROTOCOL_ERROR, cap,
		     "POST to /api/v1/prefixes/{prefix}/approve or /reject");
		return;
	}
	item_get(q, cap);
}
