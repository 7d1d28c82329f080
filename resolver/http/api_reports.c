/* api_reports.c - POST /api/v1/reports (api_reports.h). */
#include "http/api_reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/rbuf.h"
#include "core/rsv.h"
#include "fed/frdb.h"
#include "fed/frep.h"
#include "fed/node.h"
#include "hdl/hdl.h"
#include "model/ident.h"

#define REPORTS_MSG_MAX 256

static void
refuse(struct http_req *q, int status, uint32_t rc, struct slice node, const char *msg)
{
	http_api_error_at(q, status, rc, node.len > 0 ? "node" : NULL, node, msg);
}

/*
 * The node key: the HS_PUBKEY at index 300 of 0.NA/<node> (copied into key).
 * @return IDR_OK, IDR_ENOENT (no such record or key), a store error or the key's decoding error.
 */
static int
node_key(struct http_req *q, struct slice node, struct crypto_key **key)
{
	char handle[PFX_MAX_LEN + sizeof("0.NA/")];
	struct reg_rtxn *t;
	struct rec_view rec;
	struct slice clump;
	struct value v;
	struct rbuf r;
	int rc = ident_zero_na(node, handle, sizeof(handle));

	if (rc != IDR_OK) {
		return IDR_ENOENT;
	}
	rc = rsv_read_begin(q->rw, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_get(t, slice_cstr(handle), &rec);
	if (rc == IDR_OK) {
		rc = IDR_ENOENT;
		rbuf_init(&r, rec.values.p, rec.values.len);
		while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
			if (v.index == NODE_KEY_INDEX && slice_caseeq_cstr(v.type, "HS_PUBKEY")) {
				rc = crypto_key_from_hs_pubkey(key, v.data.p, v.data.len);
				break;
			}
		}
	}
	rsv_read_end(q->rw);
	return rc;
}

/* Verify and store a parsed report. */
static void
accept_report(struct http_req *q, struct frdb *db, const struct frep *r)
{
	char id[PFX_MAX_LEN + sizeof("300:0.NA/")], msg[REPORTS_MSG_MAX];
	struct crypto_key *key = NULL;
	enum frdb_outcome out;
	int rc = node_key(q, r->node, &key);

	if (rc == IDR_ENOENT) {
		refuse(q, 404, HDL_RC_HANDLE_NOT_FOUND, r->node,
		       "not an onboarded node: no HS_PUBKEY at index 300 of its prefix record");
		return;
	}
	if (rc != IDR_OK) {
		refuse(q, 500, HDL_RC_ERROR, r->node, idr_strerror(rc));
		return;
	}
	snprintf(id, sizeof(id), "%d:0.NA/%.*s", NODE_KEY_INDEX, (int)r->node.len,
	         (const char *)r->node.p);
	rc = frep_verify(key, slice_cstr(id), q->body, q->authorization);
	crypto_key_free(key);
	if (rc != IDR_OK) {
		refuse(q, 401, HDL_RC_AUTHENTICATION_FAILED, r->node,
		       rc == IDR_EPROTO ? "Authorization: IdrReport <hash> <hex signature> expected"
		                        : "the signature does not verify with the node key");
		return;
	}
	rc = frdb_put(db, r, q->body, (uint64_t)time(NULL), &out);
	if (rc == IDR_ECONFLICT || rc == IDR_ESTATE) {
		snprintf(msg, sizeof(msg), "period %llu %s", (unsigned long long)r->period,
		         rc == IDR_ECONFLICT ? "is already stored with other content (a replay?)"
		                             : "is older than every report kept");
		refuse(q, 409, HDL_RC_HANDLE_ALREADY_EXISTS, r->node, msg);
		return;
	}
	if (rc != IDR_OK) {
		log_warn("report of %.*s not stored: %s", (int)r->node.len, (const char *)r->node.p,
		         idr_strerror(rc));
		refuse(q, 500, HDL_RC_ERROR, r->node, "the report could not be stored");
		return;
	}
	wbuf_reset(&q->s->out);
	wbuf_printf(&q->s->out,
	            "{\"responseCode\":1,\"node\":\"%.*s\",\"period\":%llu,\"%s\":true}",
	            (int)r->node.len, (const char *)r->node.p, (unsigned long long)r->period,
	            out == FRDB_STORED ? "stored" : "duplicate");
	http_reply_json(q, 200);
}

void
http_api_reports(struct http_req *q)
{
	struct frdb *db = rsv_worker_fed(q->rw)->reports;
	struct slice none = SLICE_LIT("");
	char why[REPORTS_MSG_MAX];
	struct frep r;
	int rc;

	if (!conf_toplevel(rsv_worker_conf(q->rw)) || db == NULL) {
		refuse(q, 404, HDL_RC_HANDLE_NOT_FOUND, none,
		       "this node is not a top level (role toplevel)");
		return;
	}
	if (!q->tls) {
		refuse(q, 403, HDL_RC_INVALID_ADMIN, none,
		       "reports are accepted over HTTPS only (they are authenticated)");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.cap = FREP_MAX_PREFIXES;
	r.counts = calloc(r.cap, sizeof(*r.counts));
	if (r.counts == NULL) {
		refuse(q, 500, HDL_RC_ERROR, none, "out of memory");
		return;
	}
	rc = frep_parse(q->body, &r, why, sizeof(why));
	if (rc != IDR_OK) {
		char msg[REPORTS_MSG_MAX + 32];

		snprintf(msg, sizeof(msg), "malformed report: %s", why);
		refuse(q, 400, HDL_RC_PROTOCOL_ERROR, none, msg);
	} else {
		accept_report(q, db, &r);
	}
	free(r.counts);
}
