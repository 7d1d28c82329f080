/* api_nodes.c - the top level's onboarded nodes: GET /api/v1/nodes, and changes (api_nodes.h). */
#include "http/api_nodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/log.h"
#include "core/auth.h"
#include "core/rsv.h"
#include "fed/backup.h"
#include "fed/frdb.h"
#include "fed/node.h"
#include "fed/nodeop.h"
#include "hdl/hdl.h"
#include "http/api_prefix.h"
#include "model/vjson.h"
#include "write/writer.h"

struct nodes_ctx {
	struct wbuf *w;
	size_t n;
	struct frdb *reports; /* NULL: no report fields */
};

static int
one(void *arg, const struct node_info *n)
{
	struct nodes_ctx *c = arg;
	int rc;

	if (c->n++ > 0) {
		wbuf_cstr(c->w, ",");
	}
	rc = node_json(c->w, n);
	if ((rc == IDR_OK || rc == IDR_EPROTO) && c->reports != NULL && c->w->len > 0) {
		/* the report fields (fed/frdb.h) go inside the node's object */
		c->w->len--;
		wbuf_cstr(c->w, ",");
		(void)frdb_node_json(c->reports, n->prefix, (uint64_t)time(NULL), c->w);
		wbuf_cstr(c->w, "}");
	}
	/* the state of the top level's copy of the node (fed/backup.h), inside its object */
	if ((rc == IDR_OK || rc == IDR_EPROTO) && wbuf_len(c->w) > 0 &&
	    wbuf_data(c->w)[wbuf_len(c->w) - 1] == '}') {
		c->w->len--; /* reopen the object */
		wbuf_lit(c->w, ",\"backup\":");
		fed_backup_json(n->prefix, c->w);
		wbuf_lit(c->w, "}");
	}
	return rc == IDR_EPROTO ? IDR_OK : rc; /* a damaged HS_SITE is shown with its error */
}

void
http_api_nodes(struct http_req *q)
{
	struct nodes_ctx c = {&q->s->out, 0, rsv_worker_fed(q->rw)->reports};
	struct slice none = SLICE_LIT("");
	struct reg_rtxn *t;
	int rc;

	if (!conf_toplevel(rsv_worker_conf(q->rw))) {
		http_api_error_at(q, 404, HDL_RC_HANDLE_NOT_FOUND, "nodes", none,
		                  "this node is not a top level (role toplevel)");
		return;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		http_api_error_at(q, 500, HDL_RC_ERROR, "nodes", none, "internal error");
		return;
	}
	wbuf_reset(c.w);
	wbuf_cstr(c.w, "{\"responseCode\":1,\"nodes\":[");
	rc = node_list(t, one, &c);
	rsv_read_end(q->rw);
	wbuf_cstr(c.w, "]}");
	if (rc == IDR_OK) {
		rc = wbuf_error(c.w);
	}
	if (rc != IDR_OK) {
		http_api_error_at(q, 500, HDL_RC_ERROR, "nodes", none, idr_strerror(rc));
		return;
	}
	http_reply_json(q, 200);
}

/* ---------------------------------------------------------------- changes (POST) */

#define SUFFIX_TAKEOVER "/takeover"
#define SUFFIX_RELEASE  "/release"

/* A change on its way through the writer. */
struct njob {
	struct writer_job job;
	struct rsv_pending *p;
	char identity[AUTH_ID_MAX];
	struct nodeop op;
};

static void
fail(struct http_req *q, int status, uint32_t code, struct slice prefix, const char *msg)
{
	http_api_error_at(q, status, code, "node", prefix, msg);
}

static int
job_apply(void *arg, struct reg_wtxn *t)
{
	struct njob *j = arg;

	return nodeop_apply(&j->op, t);
}

/* {"responseCode":1|N,"node":PREFIX,"message":...} once the writer committed (or failed). */
static void
job_done(void *arg, int rc, bool ran)
{
	struct njob *j = arg;
	const char *msg;
	struct wbuf w;
	int status;

	if (!ran) {
		free(j);
		return;
	}
	msg = nodeop_message(&j->op, rc);
	status = nodeop_http_status(&j->op, rc);
	wbuf_init_heap(&w, 2 * NODEOP_MSG_MAX + 2 * PFX_MAX_LEN);
	if (rc == IDR_OK) {
		wbuf_cstr(&w, "{\"responseCode\":1,\"node\":");
		vjson_write_str(&w, slice_cstr(j->op.prefix));
		wbuf_cstr(&w, ",\"message\":");
		vjson_write_str(&w, slice_cstr(msg));
		wbuf_cstr(&w, "}");
	} else {
		(void)http_json_error(&w,
		                      status == 404   ? HDL_RC_HANDLE_NOT_FOUND
		                      : status == 400 ? HDL_RC_INVALID_VALUE
		                      : status == 409 ? HDL_RC_HANDLE_ALREADY_EXISTS
		                                      : HDL_RC_ERROR,
		                      "node", slice_cstr(j->op.prefix), slice_cstr(msg));
	}
	if (wbuf_error(&w) != IDR_OK) {
		wbuf_reset(&w);
		wbuf_lit(&w, "{\"responseCode\":2,\"message\":\"out of memory\"}");
		status = 500;
	}
	log_notice("http: node %s %s by %s: %s", j->op.prefix,
	           j->op.kind == NODEOP_ADD        ? "add"
	           : j->op.kind == NODEOP_TAKEOVER ? "takeover"
	                                           : "release",
	           j->identity, msg);
	if (rc == IDR_OK && j->op.kind == NODEOP_RELEASE) {
		fed_backup_kick(slice_cstr(j->op.prefix)); /* the node is back: catch up now */
	}
	rsv_pending_finish(j->p, status, wbuf_slice(&w));
	wbuf_deinit(&w);
	free(j);
}

static void
job_cancel(void *arg, struct rsv_pending *p)
{
	(void)arg;
	(void)p;
}

/* Hand j to the writer (freed on every path); the answer comes in job_done. */
static void
submit(struct http_req *q, struct njob *j)
{
	struct slice name = slice_cstr(j->op.prefix);
	struct wbuf out;

	j->p = http_defer(q, job_cancel, j);
	if (j->p == NULL) {
		free(j);
		fail(q, 503, HDL_RC_SERVER_BUSY, name, "too many requests in progress");
		return;
	}
	j->job.apply = job_apply;
	j->job.done = job_done;
	j->job.arg = j;
	j->job.identity = j->identity;
	j->job.reply_to = rsv_worker_mbox(q->rw);
	if (writer_submit(rsv_writer(q->rw), &j->job) != IDR_OK) {
		wbuf_init_heap(&out, 512 + PFX_MAX_LEN);
		(void)http_json_error(&out, HDL_RC_SERVER_BUSY, "node", name,
		                      SLICE_LIT("the writer is busy or stopping"));
		rsv_pending_finish(j->p, 503, wbuf_slice(&out));
		wbuf_deinit(&out);
		free(j);
		return;
	}
	q->pending = true;
}

/* The checks of every change: a top level, HTTPS, a writer, a node administrator. */
static bool
change_begin(struct http_req *q, struct hauth *a, struct slice name)
{
	if (!conf_toplevel(rsv_worker_conf(q->rw))) {
		fail(q, 404, HDL_RC_HANDLE_NOT_FOUND, name,
		     "this node is not a top level (role toplevel)");
		return false;
	}
	if (!q->tls) {
		fail(q, 403, HDL_RC_INVALID_ADMIN, name,
		     "changes to nodes are accepted over HTTPS only");
		return false;
	}
	if (rsv_writer(q->rw) == NULL) {
		fail(q, 503, HDL_RC_SERVER_BACKUP, name, "this node takes no writes");
		return false;
	}
	return http_node_admin_at(q, a, "node", name);
}

/* A string member of body (absent: NULL; not a string: *bad). */
static const char *
member(json_t *j, const char *key, bool *bad)
{
	json_t *v = json_object_get(j, key);

	if (v != NULL &&
	    (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

int
http_nodes_body_parse(struct slice body, enum nodeop_kind kind, struct slice prefix,
                      struct nodeop *op, char *msg, size_t cap)
{
	static const char *const add_keys[] = {"prefix", "public_key", "site", "owner", NULL};
	static const char *const tk_keys[] = {"site", NULL};
	const char *const *keys = kind == NODEOP_ADD ? add_keys : tk_keys;
	uint8_t key[NODEOP_KEY_MAX];
	const char *k, *site, *owner, *f, *v;
	json_t *doc, *val, *pk;
	json_error_t jerr;
	bool bad = false;
	size_t n = 0;
	int rc = IDR_OK;

	if (kind != NODEOP_ADD) {
		if (nodeop_init(op, kind, prefix, (uint32_t)time(NULL)) != IDR_OK) {
			snprintf(msg, cap, "%s", op->msg);
			return IDR_EINVAL;
		}
		if (body.len == 0) {
			return IDR_OK;
		}
		if (kind == NODEOP_RELEASE) {
			snprintf(msg, cap, "a release takes no body");
			return IDR_EPROTO;
		}
	} else {
		memset(op, 0, sizeof(*op));
	}
	if (body.len > NODES_BODY_MAX) {
		snprintf(msg, cap, "the body is longer than %d bytes", NODES_BODY_MAX);
		return IDR_ELIMIT;
	}
	doc = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		snprintf(msg, cap, "the body is not JSON: %.160s (at byte %d)", jerr.text,
		         jerr.position);
		return IDR_EPROTO;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		snprintf(msg, cap, "the body must be a JSON object");
		return IDR_EPROTO;
	}
	json_object_foreach(doc, k, val)
	{
		size_t i = 0;

		while (keys[i] != NULL && strcmp(keys[i], k) != 0) {
			i++;
		}
		if (keys[i] == NULL) {
			snprintf(msg, cap, "unknown member \"%.64s\"", k);
			json_decref(doc);
			return IDR_EPROTO;
		}
	}
	if (kind == NODEOP_ADD) {
		const char *p = member(doc, "prefix", &bad);

		if (p == NULL || bad) {
			snprintf(msg, cap, "member \"prefix\" (a string) is missing");
			json_decref(doc);
			return IDR_EPROTO;
		}
		if (nodeop_init(op, kind, slice_cstr(p), (uint32_t)time(NULL)) != IDR_OK) {
			snprintf(msg, cap, "prefix: %s", op->msg);
			json_decref(doc);
			return IDR_EINVAL;
		}
	}
	site = member(doc, "site", &bad);
	owner = member(doc, "owner", &bad);
	if (bad) {
		snprintf(msg, cap, "site and owner are strings without NUL characters");
		rc = IDR_EPROTO;
	} else if (site != NULL && nodeop_set_site(op, site) != IDR_OK) {
		snprintf(msg, cap, "%s", op->msg);
		rc = IDR_EINVAL;
	} else if (owner != NULL && nodeop_set_owner(op, slice_cstr(owner)) != IDR_OK) {
		snprintf(msg, cap, "%s", op->msg);
		rc = IDR_ELIMIT;
	}
	if (rc == IDR_OK && kind == NODEOP_ADD) {
		pk = json_object_get(doc, "public_key");
		f = json_string_value(json_object_get(pk, "format"));
		v = json_string_value(json_object_get(pk, "value"));
		if (!json_is_object(pk) || json_object_size(pk) != 2 || f == NULL || v == NULL) {
			snprintf(msg, cap,
			         "public_key must be {\"format\":\"base64\"|\"hex\","
			         "\"value\":...}");
			rc = IDR_EPROTO;
		} else if (strcmp(f, "base64") == 0
		                   ? (b64_decoded_len(slice_cstr(v)) > sizeof(key) ||
		                      b64_decode(slice_cstr(v), key, sizeof(key), &n) != IDR_OK)
		                   : (strcmp(f, "hex") != 0 || strlen(v) % 2 != 0 ||
		                      strlen(v) / 2 > sizeof(key) ||
		                      crypto_unhex(v, strlen(v), key, (n = strlen(v) / 2)) !=
		                              IDR_OK)) {
			snprintf(msg, cap, "public_key: not %s, or longer than %zu bytes",
			         strcmp(f, "hex") == 0 ? "hex" : "base64", sizeof(key));
			rc = IDR_EPROTO;
		} else if (nodeop_set_key(op, slice_make(key, n)) != IDR_OK) {
			snprintf(msg, cap, "public_key: %s", op->msg);
			rc = IDR_EINVAL;
		}
	}
	json_decref(doc);
	return rc;
}

/* A change of kind on node name (empty for an add: the body names it), from q's body. */
static void
change(struct http_req *q, enum nodeop_kind kind, struct slice name)
{
	char msg[NODEOP_MSG_MAX];
	const char *top;
	struct njob *j;
	struct hauth a;
	int rc;

	if (!change_begin(q, &a, name)) {
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		fail(q, 500, HDL_RC_ERROR, name, "out of memory");
		return;
	}
	snprintf(j->identity, sizeof(j->identity), "%s", a.text);
	rc = http_nodes_body_parse(q->body, kind, name, &j->op, msg, sizeof(msg));
	if (rc != IDR_OK) {
		fail(q, q->body.len > NODES_BODY_MAX ? 413 : 400, HDL_RC_INVALID_VALUE,
		     kind == NODEOP_ADD ? slice_cstr(j->op.prefix) : name, msg);
		free(j);
		return;
	}
	top = reg_node_prefix(rsv_reg(q->rw));
	snprintf(j->op.top, sizeof(j->op.top), "%s", top != NULL ? top : "");
	j->op.backup = fed_backup_reg(slice_cstr(j->op.prefix)) != NULL;
	submit(q, j);
}

void
http_api_nodes_add(struct http_req *q)
{
	change(q, NODEOP_ADD, SLICE_LIT(""));
}

void
http_api_nodes_item(struct http_req *q)
{
	struct slice cap = q->match.capture, name;

	if (slice_cut_suffix(cap, SUFFIX_TAKEOVER, &name)) {
		change(q, NODEOP_TAKEOVER, name);
	} else if (slice_cut_suffix(cap, SUFFIX_RELEASE, &name)) {
		change(q, NODEOP_RELEASE, name);
	} else {
		fail(q, 404, HDL_RC_HANDLE_NOT_FOUND, cap,
		     "POST /api/v1/nodes/{prefix}/takeover or /release");
	}
}
