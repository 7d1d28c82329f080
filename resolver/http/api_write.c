/* api_write.c - PUT and DELETE of /api/handles/{handle} (api_write.h). */
#include "http/api_write.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/log.h"
#include "core/auth.h"
#include "core/quota.h"
#include "core/shard.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "http/hauth.h"
#include "http/sfwd.h"
#include "model/ident.h"
#include "model/vjson.h"
#include "write/wop.h"
#include "write/writer.h"

#define UUID_LEN 36

/* What one write asks for, worked out before anything is submitted. */
struct wreq {
	enum wop_kind kind;
	bool overwrite;
	bool mint;
	bool various;      /* index=various */
	uint32_t *indexes; /* index=... (q->s->indexes) */
	size_t nindexes;
	struct vjson_values vals;        /* the body of a PUT */
	char handle[IDENT_HARD_MAX + 1]; /* the target (minted: with its new suffix) */
	size_t handle_len;
};

static void
fail(struct http_req *q, int status, uint32_t rc, struct slice handle, const char *msg)
{
	if (status == 0) {
		http_api_error(q, rc, "handle", handle, msg);
	} else {
		http_api_error_at(q, status, rc, "handle", handle, msg);
	}
}

/* 429 Too Many Requests with Retry-After (quota.h). */
static void
too_many(struct http_req *q, struct slice h, enum quota_verdict v, uint32_t retry)
{
	char secs[16];

	snprintf(secs, sizeof(secs), "%u", retry > 0 ? retry : 1);
	http_header(q, "Retry-After", secs);
	/* the body's responseCode is 3 (busy) as for any Handle.Net client; the message names
	 * the quota (603/604) */
	fail(q, 429, HDL_RC_SERVER_BUSY, h, quota_message(v));
}

bool
http_write_rate_ok(struct http_req *q, struct slice h)
{
	uint32_t retry = 1;
	enum quota_verdict v;

	if (q->peer == NULL) {
		return true; /* tests without sockets */
	}
	v = quota_rate_take(rsv_quota(q->rw), (const struct sockaddr *)&q->peer->ss,
	                    rsv_mono_ns() / 1000000u, &retry);
	if (v == QUOTA_OK) {
		return true;
	}
	log_notice("http: write to %.*s refused: %s", (int)h.len, (const char *)h.p,
	           quota_message(v));
	too_many(q, h, v, retry);
	return false;
}

/*
 * The daily quotas of the prefix op writes under (node administrators are not limited). A
 * registration counted is remembered in op, to be given back if nothing is created. On
 * refusal the answer is sent. @return true if op may go on.
 */
static bool
quota_ok(struct http_req *q, struct wop *op, const struct hauth *a)
{
	struct slice pfx = quota_prefix(op->handle);
	uint32_t retry = 1;
	enum quota_verdict v;

	if (a->node_admin) {
		return true;
	}
	v = quota_take(rsv_quota(q->rw), pfx, op->kind == WOP_CREATE, (uint64_t)time(NULL), &retry);
	if (v != QUOTA_OK) {
		log_notice("http: write to %.*s by %s refused: %s", (int)op->handle.len,
		           (const char *)op->handle.p, a->text, quota_message(v));
		too_many(q, op->handle, v, retry);
		return false;
	}
	if (op->kind == WOP_CREATE && pfx.len < sizeof(op->quota_prefix)) {
		op->quota = rsv_quota(q->rw);
		memcpy(op->quota_prefix, pfx.p, pfx.len);
		op->quota_prefix[pfx.len] = '\0';
	}
	return true;
}

/* Free a write that never reached the writer, giving its registration back. */
static void
unsubmitted(struct wop *op)
{
	if (op->quota != NULL) {
		quota_refund(op->quota, slice_cstr(op->quota_prefix), (uint64_t)time(NULL));
	}
	wop_free(op);
}

/* The answer, once the writer committed (writer_job.done, on the worker's loop). */
static void
on_done(void *arg, int rc, bool ran)
{
	struct wop *op = arg;
	struct rsv_pending *p = op->owner;
	uint32_t code = wop_hdl_rc(rc);
	struct wbuf w;
	int status;

	if (op->quota != NULL && (rc != IDR_OK || op->outcome != REG_CREATED)) {
		quota_refund(op->quota, slice_cstr(op->quota_prefix), (uint64_t)time(NULL));
	}
	if (!ran) {
		wop_free(op); /* the worker went away: its pending requests went with it */
		return;
	}
	if (code == HDL_RC_SUCCESS) {
		status = op->outcome == REG_CREATED ? 201 : 200;
	} else {
		status = http_status_of(code, false);
	}
	wbuf_init_heap(&w, 256 + 6 * op->handle.len);
	(void)http_json_error(&w, code, "handle", op->handle,
	                      slice_cstr(code == HDL_RC_SUCCESS ? "" : wop_message(op)));
	if (wbuf_error(&w) != IDR_OK) {
		wbuf_reset(&w);
		wbuf_lit(&w, "{\"responseCode\":2,\"message\":\"out of memory\"}");
		status = 500;
	}
	rsv_pending_finish(p, status, wbuf_slice(&w));
	wbuf_deinit(&w);
	wop_free(op);
}

/* Nothing to stop: the writer finishes the job and on_done releases the pending request. */
static void
on_cancel(void *arg, struct rsv_pending *p)
{
	(void)arg;
	(void)p;
}

/* index=... parameters into w (q->s->indexes); a message on error. */
static const char *
index_params(struct http_req *q, struct wreq *w)
{
	w->indexes = q->s->indexes;
	for (size_t i = 0; i < q->t.nparams; i++) {
		const struct uri_param *p = &q->t.params[i];
		uint64_t v;

		if (!slice_caseeq_cstr(p->key, "index")) {
			continue;
		}
		if (slice_caseeq_cstr(p->value, "various")) {
			w->various = true;
			continue;
		}
		if (uri_param_u64(p, 1, INT32_MAX, &v) != IDR_OK) {
			return "index must be a value index (1..2147483647) or various";
		}
		if (w->nindexes == HTTP_MAX_FILTER) {
			return "too many index parameters";
		}
		w->indexes[w->nindexes++] = (uint32_t)v;
	}
	return w->various && w->nindexes > 0 ? "index=various cannot be mixed with indexes" : NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The body's indexes must be exactly the index= parameters (ref §7). */
static bool
indexes_match(struct wreq *w)
{
	uint32_t body[HTTP_MAX_FILTER];

	if (w->vals.n != w->nindexes || w->vals.n > HTTP_MAX_FILTER) {
		return false;
	}
	for (size_t i = 0; i < w->vals.n; i++) {
		body[i] = w->vals.v[i].index;
	}
	qsort(body, w->vals.n, sizeof(body[0]), cmp_u32);
	qsort(w->indexes, w->nindexes, sizeof(w->indexes[0]), cmp_u32);
	return memcmp(body, w->indexes, w->nindexes * sizeof(uint32_t)) == 0;
}

/* Random version-4 UUID text. */
static int
uuid(char out[UUID_LEN + 1])
{
	uint8_t b[16];
	char hex[33];

	if (crypto_random(b, sizeof(b)) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
	crypto_hex(b, sizeof(b), hex);
	snprintf(out, UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
	         hex + 20);
	return IDR_OK;
}

/* The body of a PUT: JSON values; a message on error (written into msg). */
static bool
put_body(struct http_req *q, struct wreq *w, char *msg, size_t cap)
{
	struct slice ct = q->content_type;
	json_error_t jerr;
	json_t *j;
	int rc;

	if (ct.len < 16 || !slice_caseeq(slice_make(ct.p, 16), SLICE_LIT("application/json"))) {
		snprintf(msg, cap, "Content-Type must be application/json");
		return false;
	}
	j = json_loadb((const char *)q->body.p, q->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(msg, cap, "body is not JSON: %s (line %d)", jerr.text, jerr.line);
		return false;
	}
	rc = vjson_parse_values_opt(j, VJSON_STRICT, &w->vals, msg, cap);
	json_decref(j);
	if (rc != IDR_OK) {
		return false;
	}
	if (w->vals.n == 0) {
		snprintf(msg, cap, "no values in the body");
		return false;
	}
	if (w->vals.has_handle && !w->mint &&
	    !slice_caseeq(w->vals.handle, slice_make(w->handle, w->handle_len))) {
		snprintf(msg, cap, "the body's handle differs from the handle of the URL");
		return false;
	}
	return true;
}

/* Hand the write to the writer; its answer comes in on_done. Takes op. */
static void
submit(struct http_req *q, struct wop *op)
{
	struct slice h = op->handle;
	int rc;

	if (!http_deferrable(q)) {
		fail(q, 503, HDL_RC_SERVER_BUSY, h, "cannot take writes on this connection now");
		unsubmitted(op);
		return;
	}
	op->owner = http_defer(q, on_cancel, op);
	if (op->owner == NULL) {
		fail(q, 503, HDL_RC_SERVER_BUSY, h, "too many requests in progress");
		unsubmitted(op);
		return;
	}
	op->job.done = on_done;
	op->job.reply_to = rsv_worker_mbox(q->rw);
	rc = writer_submit(rsv_writer(q->rw), &op->job);
	if (rc != IDR_OK) {
		struct wbuf out;

		wbuf_init_heap(&out, 256);
		(void)http_json_error(&out, HDL_RC_SERVER_BUSY, "handle", h,
		                      SLICE_LIT("the writer is busy or stopping"));
		rsv_pending_finish(op->owner, 503, wbuf_slice(&out));
		wbuf_deinit(&out);
		unsubmitted(op);
		return;
	}
	q->pending = true;
}

/* The answer to a request whose credentials did not authenticate. */
static void
auth_failed(struct http_req *q, enum hauth_result res, struct slice h, const char *msg)
{
	if (res == HAUTH_NONE) {
		if (hauth_challenge(q) != IDR_OK) {
			log_warn("http: no session for a Handle challenge (sessions exhausted?)");
		}
		http_header(q, "WWW-Authenticate", "Basic realm=\"handle\"");
		fail(q, 401, HDL_RC_AUTHENTICATION_NEEDED, h, "authentication needed");
	} else if (res == HAUTH_ERROR) {
		fail(q, 500, HDL_RC_ERROR, h, msg);
	} else {
		log_notice("http: write to %.*s refused: %s", (int)h.len, (const char *)h.p, msg);
		fail(q, res == HAUTH_BAD ? 400 : 403,
		     res == HAUTH_BAD ? HDL_RC_PROTOCOL_ERROR : HDL_RC_AUTHENTICATION_FAILED, h,
		     msg);
	}
}

/* Authenticate, authorize (one read transaction) and submit; every failure is answered. */
static void
run_write(struct http_req *q, struct wreq *w)
{
	struct slice h = slice_make(w->handle, w->handle_len);
	struct reg_rtxn *t;
	struct hauth a;
	enum hauth_result res;
	char msg[HTTP_MSG_MAX];
	struct wop *op;
	int rc;

	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		fail(q, 500, HDL_RC_ERROR, h, "internal error");
		return;
	}
	res = http_authenticate(q, t, &a, msg, sizeof(msg));
	if (res != HAUTH_OK) {
		rsv_read_end(q->rw);
		auth_failed(q, res, h, msg);
		return;
	}
	rc = wop_new(&op, w->kind, h, w->vals.v, w->vals.n, w->indexes,
	             w->kind == WOP_REMOVE ? w->nindexes : 0, a.text);
	if (rc == IDR_OK) {
		op->overwrite = w->overwrite;
		rc = wop_authorize(op, t, &a.id, a.node_admin, NULL);
		if (rc != IDR_OK) {
			wop_free(op);
		}
	}
	rsv_read_end(q->rw);
	if (rc == IDR_OK && !quota_ok(q, op, &a)) {
		wop_free(op);
		return;
	}
	if (rc == IDR_EDENIED) {
		log_notice("http: write to %.*s refused: %s is not an administrator of it",
		           (int)h.len, (const char *)h.p, a.text);
		snprintf(msg, sizeof(msg), "%.200s may not make this change (HS_ADMIN)", a.text);
		fail(q, 0, HDL_RC_INSUFFICIENT_PERMS, h, msg);
		return;
	}
	if (rc != IDR_OK) {
		fail(q, 0, wop_hdl_rc(rc), h, rc == IDR_ENOENT ? "" : idr_strerror(rc));
		return;
	}
	submit(q, op);
}

/* Common start of PUT and DELETE: transport, parameters, target. */
/*
 * A sharded site (core/shard.h): an identifier of another server is not written here (it
 * would be out of reach: resolution asks the server the hash picks). With site_http_servers
 * the request is forwarded to that server (http/sfwd.h: an integration behind a load
 * balancer cannot choose the server); without, 421 Misdirected Request with the reference
 * server's 301 and the server to send it to.
 */
static bool
mine(struct http_req *q, struct slice h)
{
	const struct shard *s = rsv_worker_shard(q->rw);
	uint32_t i = shard_pick(s, h);
	char where[ADDR_STRLEN], msg[160];

	if (i == SHARD_EVERY && s->n > 1 && sfwd_all(q)) {
		return false; /* a 0.NA/ record: to every server of the site (http/sfwd.h) */
	}
	if (i == SHARD_EVERY || i == s->self) {
		return true;
	}
	if (sfwd_route(q, h)) {
		return false; /* forwarded: the holding server answers */
	}
	if (addr_format((const struct sockaddr *)&s->servers[i].ss, where, sizeof(where)) !=
	    IDR_OK) {
		where[0] = '\0';
	}
	if (snprintf(msg, sizeof(msg), "%s: write it to server %u of the site (%s)",
	             SHARD_MSG_WRONG_SERVER, (unsigned)i, where) < 0) {
		msg[0] = '\0';
	}
	fail(q, 421, HDL_RC_SERVER_NOT_RESP, h, msg);
	return false;
}

/* mintNewSuffix: a fresh suffix, drawn again until this server of the site holds it. */
static bool
mint(struct http_req *q, struct wreq *w, struct slice h)
{
	const struct shard *s = rsv_worker_shard(q->rw);

	for (int tries = 0; tries < 64; tries++) {
		if (uuid(w->handle + h.len) != IDR_OK) {
			fail(q, 500, HDL_RC_ERROR, h, "no randomness");
			return false;
		}
		w->handle_len = h.len + UUID_LEN;
		if (shard_mine(s, slice_make(w->handle, w->handle_len))) {
			return true;
		}
	}
	return mine(q, slice_make(w->handle, w->handle_len)); /* 64 misses: 2^-64 odds at n=2 */
}

static bool
begin(struct http_req *q, struct wreq *w)
{
	struct slice h = q->match.capture;
	char node[PFX_MAX_LEN + 1], msg[200];
	const char *bad;

	memset(w, 0, sizeof(*w));
	if (!q->tls) {
		fail(q, 403, HDL_RC_INVALID_ADMIN, h, "writes are accepted over HTTPS only");
		return false;
	}
	if (rsv_writer(q->rw) == NULL) {
		fail(q, 503, HDL_RC_SERVER_BACKUP, h, "this node takes no writes");
		return false;
	}
	if (rsv_takeover_of(q->rw, h, node, sizeof(node))) {
		/* served read-only from the top level's backup copy (fed/takeover.h) */
		rsv_takeover_message(node, msg, sizeof(msg));
		http_header(q, "Retry-After", RSV_TAKEOVER_RETRY_AFTER);
		fail(q, 503, HDL_RC_SERVER_BACKUP, h, msg);
		return false;
	}
	if (!http_write_rate_ok(q, h)) {
		return false;
	}
	if (uri_param_bool(&q->t, "overwrite", true, &w->overwrite) != IDR_OK ||
	    uri_param_bool(&q->t, "mintNewSuffix", false, &w->mint) != IDR_OK) {
		fail(q, 0, HDL_RC_PROTOCOL_ERROR, h,
		     "overwrite and mintNewSuffix are true or false");
		return false;
	}
	bad = index_params(q, w);
	if (bad != NULL) {
		fail(q, 0, HDL_RC_PROTOCOL_ERROR, h, bad);
		return false;
	}
	if (h.len + (w->mint ? UUID_LEN : 0) > IDENT_HARD_MAX) {
		fail(q, 0, HDL_RC_INVALID_HANDLE, h, "handle too long");
		return false;
	}
	memcpy(w->handle, h.p, h.len);
	w->handle_len = h.len;
	if (w->mint) {
		return mint(q, w, h);
	}
	return mine(q, slice_make(w->handle, w->handle_len));
}

void
http_api_put(struct http_req *q)
{
	struct wreq w;
	char msg[HTTP_MSG_MAX];

	if (!begin(q, &w)) {
		return;
	}
	if (!put_body(q, &w, msg, sizeof(msg))) {
		fail(q, 0, HDL_RC_INVALID_VALUE, q->match.capture, msg);
		vjson_values_free(&w.vals);
		return;
	}
	if (w.nindexes == 0 && !w.various) {
		w.kind = WOP_CREATE;
	} else if (!w.various && !indexes_match(&w)) {
		fail(q, 0, HDL_RC_PROTOCOL_ERROR, q->match.capture,
		     "the body's value indexes must be those of the index parameters");
		vjson_values_free(&w.vals);
		return;
	} else {
		w.kind = w.overwrite ? WOP_SET : WOP_ADD;
	}
	run_write(q, &w);
	vjson_values_free(&w.vals);
}

void
http_api_delete(struct http_req *q)
{
	struct wreq w;

	if (!begin(q, &w)) {
		return;
	}
	if (w.various) {
		fail(q, 0, HDL_RC_PROTOCOL_ERROR, q->match.capture,
		     "DELETE takes the indexes to remove, not index=various");
		return;
	}
	w.kind = w.nindexes > 0 ? WOP_REMOVE : WOP_DELETE;
	run_write(q, &w);
}
