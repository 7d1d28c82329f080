/*
 * api_scan.c - the scanner API (api_scan.h).
 */
#include "http/api_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"
#include "http/recur.h"
#include "http/sfwd.h"
#include "life/scanfind.h"

/* events=, pretty=; a message on error */
static const char *
params(struct http_req *q, uint64_t *events)
{
	const struct uri_param *ev = uri_param_get(&q->t, "events");

	*events = SCANFIND_EVENTS;
	if (ev != NULL && uri_param_u64(ev, 0, SCANFIND_EVENTS_MAX, events) != IDR_OK) {
		return "events must be a number from 0 to 50";
	}
	if (uri_param_bool(&q->t, "pretty", false, &q->pretty) != IDR_OK) {
		return "pretty must be true or false";
	}
	return NULL;
}

/* what the scanner sent: ?code= of a GET, the body of a POST; a message on error */
static const char *
code_of(struct http_req *q, struct slice *code)
{
	const struct uri_param *p = uri_param_get(&q->t, "code");

	if (q->method == HTTP_M_POST) {
		*code = q->body;
		return code->len == 0 ? "the body is empty: POST the bytes the scanner sent" : NULL;
	}
	if (p == NULL || p->value.len == 0) {
		return "the code parameter is required: /api/v1/scan?code=...";
	}
	*code = p->value;
	return NULL;
}

/* the code as shown in the answer: without the scanner's terminator */
static struct slice
shown(struct slice code)
{
	while (code.len > 0 && (code.p[code.len - 1] == '\r' || code.p[code.len - 1] == '\n')) {
		code.len--;
	}
	return code;
}

/* A scan whose handle's prefix this node does not host (http_recur's context). */
struct scan_recur {
	struct scanfind f;
	size_t events;
	size_t len;
	uint8_t code[]; /* the code as shown */
};

/* http_recur_fn: the scan's answer with the record from upstream (and any events here). */
static void
scan_render(void *ctx, struct rsv_worker *rw, struct slice handle, uint32_t code,
            const struct rec_view *rec, const char *msg, struct http_recur_out *out)
{
	struct scan_recur *sr = ctx;
	struct reg_rtxn *txn;
	int rc;

	if (rsv_read_begin(rw, &txn) != IDR_OK) {
		(void)http_json_error(out->w, HDL_RC_ERROR, NULL, slice_make(NULL, 0),
		                      SLICE_LIT("internal error"));
		out->status = 500;
		return;
	}
	if (code != HDL_RC_SUCCESS) {
		snprintf(sr->f.err, sizeof(sr->f.err), "%.255s: %.200s", sr->f.handle,
		         code == HDL_RC_HANDLE_NOT_FOUND ? "not registered at its node" : msg);
	}
	rc = scanfind_json(out->w, slice_make(sr->code, sr->len),
	                   code == HDL_RC_SUCCESS ? IDR_OK : IDR_ENOENT, &sr->f, sr->f.err, rec,
	                   true, txn, sr->events);
	rsv_read_end(rw);
	out->status = code == HDL_RC_SUCCESS ? 200 : http_status_of(code, true);
	if (rc != IDR_OK) {
		wbuf_reset(out->w);
		(void)http_json_error(out->w, HDL_RC_ERROR, "handle", handle,
		                      SLICE_LIT("the answer could not be written"));
		out->status = 500;
	}
}

/* Resolve the scan's handle upward (txn ended first). */
static void
scan_recurse(struct http_req *q, const struct scanfind *f, struct slice code, uint64_t events)
{
	struct scan_recur *sr = malloc(sizeof(*sr) + code.len);

	rsv_read_end(q->rw);
	if (sr == NULL) {
		http_api_error(q, HDL_RC_ERROR, NULL, slice_make(NULL, 0), "out of memory");
		return;
	}
	sr->f = *f;
	sr->events = (size_t)events;
	sr->len = code.len;
	memcpy(sr->code, code.p, code.len);
	http_recur(q, slice_cstr(sr->f.handle), scan_render, sr);
}

void
http_api_scan(struct http_req *q)
{
	static _Thread_local struct scanfind f;
	struct reg_rtxn *txn;
	struct rec_view rec;
	struct slice code = slice_make(NULL, 0);
	const char *bad, *msg;
	uint64_t events;
	uint32_t hc = HDL_RC_SUCCESS;
	int rc, status;

	q->callback = slice_make(NULL, 0);
	bad = params(q, &events);
	if (bad == NULL) {
		bad = code_of(q, &code);
	}
	if (bad != NULL) {
		http_api_error_at(q, 400, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0), bad);
		return;
	}
	if (rsv_read_begin(q->rw, &txn) != IDR_OK) {
		http_api_error(q, HDL_RC_ERROR, NULL, slice_make(NULL, 0), "internal error");
		return;
	}
	rc = scanfind_run(txn, code.p, code.len, NULL, &f);
	/* a sharded site (http/sfwd.h): the handle's server answers, with its aliases, record
	 * and events; a code whose alias is not here may be another server's */
	if ((rc == IDR_OK && sfwd_elsewhere(q, slice_cstr(f.handle))) || rc == IDR_ENOENT) {
		rsv_read_end(q->rw);
		if (rc == IDR_OK ? sfwd_route(q, slice_cstr(f.handle)) : sfwd_fanout(q)) {
			return;
		}
		if (rsv_read_begin(q->rw, &txn) != IDR_OK) {
			http_api_error(q, HDL_RC_ERROR, NULL, slice_make(NULL, 0),
			               "internal error");
			return;
		}
		rc = scanfind_run(txn, code.p, code.len, NULL, &f);
	}
	msg = f.err;
	status = rc == IDR_OK                           ? 200
	         : rc == IDR_ENOENT                     ? 404
	         : rc == IDR_EPROTO || rc == IDR_ELIMIT ? 400
	                                                : 500;
	if (rc == IDR_OK) {
		hc = rsv_lookup(q->rw, slice_cstr(f.handle), &rec);
		if (http_recur_wanted(q, hc)) {
			scan_recurse(q, &f, shown(code), events);
			return;
		}
		if (hc != HDL_RC_SUCCESS) {
			rc = IDR_ENOENT;
			status = http_status_of(hc, true);
			snprintf(f.err, sizeof(f.err), "%.255s: %.200s", f.handle,
			         hc == HDL_RC_HANDLE_NOT_FOUND ? "not registered here"
			                                       : rsv_worker_message(q->rw));
		}
	} else if (status == 500) {
		msg = "internal error";
	}
	wbuf_reset(&q->s->out);
	rc = scanfind_json(&q->s->out, shown(code), rc, &f, msg, &rec, true, txn, (size_t)events);
	rsv_read_end(q->rw);
	if (rc != IDR_OK) {
		wbuf_reset(&q->s->out);
		http_api_error(q, HDL_RC_ERROR, NULL, slice_make(NULL, 0),
		               rc == IDR_ETOOBIG ? "the answer is too large" : "internal error");
		return;
	}
	http_reply_json(q, status);
}
