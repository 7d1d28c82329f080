/* recur.c - upward resolution of HTTP reads (recur.h). */
#include "http/recur.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fed/rec.h"
#include "hdl/hdl.h"
#include "http/html.h"

/* A deferred read: the render function, its context and the handle (copied). */
struct recur_wait {
	struct rsv_pending *p;
	struct frec_wait *w;
	struct rsv_worker *rw;
	http_recur_fn fn;
	void *ctx;
	size_t len;
	uint8_t handle[];
};

bool
http_recur_wanted(const struct http_req *q, uint32_t code)
{
	return code == HDL_RC_SERVER_NOT_RESP && rsv_worker_frec(q->rw) != NULL;
}

int
http_recur_record(struct slice body, struct rec_view *rec)
{
	struct hdl_value_list vl;
	enum rec_kind kind;
	struct value v;
	struct rbuf r;

	rbuf_init(&r, body.p, body.len);
	if (hdl_res_resp_parse(&r, &vl) != IDR_OK) {
		return IDR_EPROTO;
	}
	memset(rec, 0, sizeof(*rec));
	rec->values = vl.clumps;
	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if (slice_caseeq_cstr(v.type, REC_KIND_TYPE) &&
		    rec_kind_parse(v.data, &kind) == IDR_OK) {
			rec->kind = (uint8_t)kind;
			break;
		}
	}
	return IDR_OK;
}

/* fn on an upstream answer a, into out (its body in out->w). */
static void
render(http_recur_fn fn, void *ctx, struct rsv_worker *rw, struct slice handle,
       const struct frec_answer *a, struct http_recur_out *out)
{
	struct rec_view rec;

	out->status = 200;
	out->ctype = NULL;
	out->location[0] = '\0';
	if (a->rc != HDL_RC_SUCCESS) {
		fn(ctx, rw, handle, a->rc, NULL, a->msg, out);
	} else if (http_recur_record(a->body, &rec) != IDR_OK) {
		fn(ctx, rw, handle, HDL_RC_ERROR, NULL, "the upstream answer could not be read",
		   out);
	} else {
		fn(ctx, rw, handle, HDL_RC_SUCCESS, &rec, "", out);
	}
}

static void
wait_done(void *arg, const struct frec_answer *a)
{
	struct recur_wait *rw = arg;
	struct http_recur_out *out = malloc(sizeof(*out));
	struct wbuf w;

	wbuf_init_heap(&w, HTTP_OUT_MAX);
	if (out == NULL) {
		rsv_pending_finish(rw->p, 503,
		                   SLICE_LIT("{\"responseCode\":2,\"message\":\"out of "
		                             "memory\"}"));
	} else {
		out->w = &w;
		render(rw->fn, rw->ctx, rw->rw, slice_make(rw->handle, rw->len), a, out);
		if (wbuf_error(&w) != IDR_OK) {
			wbuf_reset(&w);
			wbuf_lit(&w, "{\"responseCode\":2,\"message\":\"out of memory\"}");
			rsv_pending_finish(rw->p, 500, wbuf_slice(&w));
		} else {
			rsv_pending_finish_full(rw->p, out->status, wbuf_slice(&w),
			                        out->location[0] != '\0' ? out->location : NULL,
			                        out->ctype);
		}
	}
	wbuf_deinit(&w);
	free(out);
	free(rw->ctx);
	free(rw);
}

static void
wait_cancel(void *arg, struct rsv_pending *p)
{
	struct recur_wait *rw = arg;

	frec_wait_cancel(rw->w);
	rsv_pending_finish(p, 0, slice_make(NULL, 0)); /* cancelled: only frees p */
	free(rw->ctx);
	free(rw);
}

/* The answer rendered at once (a cached upstream answer) into q. */
static void
reply_now(struct http_req *q, http_recur_fn fn, void *ctx, struct slice handle,
          const struct frec_answer *a)
{
	struct http_recur_out *out = malloc(sizeof(*out));

	if (out == NULL) {
		http_api_error(q, HDL_RC_ERROR, "handle", handle, "out of memory");
		return;
	}
	wbuf_reset(&q->s->out);
	out->w = &q->s->out;
	render(fn, ctx, q->rw, handle, a, out);
	if (out->location[0] != '\0') {
		http_header(q, "Location", out->location);
	}
	if (out->location[0] != '\0' && wbuf_len(&q->s->out) == 0) {
		http_reply(q, out->status, NULL, NULL, 0);
	} else if (out->ctype != NULL && strcmp(out->ctype, HTML_CONTENT_TYPE) == 0) {
		http_header(q, "Vary", "Accept-Language");
		http_reply_html(q, out->status);
	} else if (out->ctype != NULL) {
		http_reply_body(q, out->status, out->ctype, wbuf_slice(&q->s->out));
	} else {
		http_reply_json(q, out->status);
	}
	free(out);
}

/* No more requests may wait: 503 (handle may point into ctx, freed after the answer). */
static void
busy(struct http_req *q, struct slice handle, void *ctx)
{
	http_api_error(q, HDL_RC_SERVER_BUSY, "handle", handle, "too many requests in progress");
	free(ctx);
}

void
http_recur(struct http_req *q, struct slice handle, http_recur_fn fn, void *ctx)
{
	struct frec *fr = rsv_worker_frec(q->rw);
	struct frec_answer a;
	struct recur_wait *rw = NULL;

	if (frec_cached(fr, handle, (uint32_t)time(NULL), &a) == IDR_OK) {
		reply_now(q, fn, ctx, handle, &a); /* handle may point into ctx */
		free(ctx);
		return;
	}
	if (http_deferrable(q)) {
		rw = calloc(1, sizeof(*rw) + handle.len);
	}
	if (rw != NULL) {
		memcpy(rw->handle, handle.p, handle.len);
		rw->len = handle.len;
		rw->fn = fn;
		rw->ctx = ctx;
		rw->rw = q->rw;
	}
	if (rw == NULL ||
	    frec_start(fr, slice_make(rw->handle, rw->len), wait_done, rw, &rw->w) != IDR_OK) {
		free(rw);
		busy(q, handle, ctx);
		return;
	}
	rw->p = http_defer(q, wait_cancel, rw);
	if (rw->p == NULL) {
		frec_wait_cancel(rw->w);
		free(rw);
		busy(q, handle, ctx);
		return;
	}
	q->pending = true;
}
