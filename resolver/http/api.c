/*
 * api.c - the REST API handlers (api.h).
 *
 * Decisions (ref/handle.md §7 leaves them open):
 *  - No authentication yet: every answer is public-only, whatever publicOnly says (the value
 *    is still checked to be a boolean).
 *  - Listing: page is 0-based (Handle.Net); without page/pageSize the first list_page_max
 *    handles are listed; a pageSize above list_page_max is refused with 400 (responseCode 4,
 *    the message names the limit) rather than silently clamped, so a client never mistakes a
 *    short page for the end of the list. When more handles follow, the answer carries "next":
 *    the last handle of the page, to pass as after= (cost independent of the depth).
 *  - A handle whose prefix this node does not host is resolved recursively (fed/rec.h) when
 *    a top level is configured, whatever the client asked: the API has no REC flag. A deferred
 *    answer is plain JSON (pretty and callback apply to answers given at once only).
 *  - Malformed parameters (index=abc, pretty=maybe, a bad callback, too many filters) are
 *    RC_PROTOCOL_ERROR (4) -> 400.
 */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "core/shard.h"
#include "hdl/hdl.h"
#include "http/recur.h"
#include "http/sfwd.h"

#define HTTP_PFX_SHOW 200 /* characters of a prefix quoted in a message */

static struct log_ratelimit decode_rl;

int
http_json_record(struct wbuf *w, struct slice handle, const struct rec_view *rec,
                 struct vjson_filter *f)
{
	struct rec_view v = *rec;
	int n;

	v.handle = handle;
	n = vjson_write_record(w, &v, vjson_filter_match, f);
	if (n < 0) {
		return n;
	}
	return n == 0 ? HDL_RC_VALUES_NOT_FOUND : HDL_RC_SUCCESS;
}

/* pretty and callback; on a bad value the 400 answer is sent and false returned. */
static bool
api_common(struct http_req *q, const char *key, struct slice value)
{
	const struct uri_param *cb = uri_param_get(&q->t, "callback");

	if (uri_param_bool(&q->t, "pretty", false, &q->pretty) != IDR_OK) {
		http_api_error(q, HDL_RC_PROTOCOL_ERROR, key, value,
		               "pretty must be true or false");
		return false;
	}
	if (cb != NULL && !uri_jsonp_valid(cb->value)) {
		http_api_error(q, HDL_RC_PROTOCOL_ERROR, key, value,
		               "callback must be a JavaScript name such as cb or app.cb");
		return false;
	}
	q->callback = cb != NULL ? cb->value : slice_make(NULL, 0);
	return true;
}

/* One index= or type= parameter into the filter; a message on error. */
static const char *
filter_add(struct http_req *q, const struct uri_param *p, struct vjson_filter *f, size_t cap)
{
	struct http_scratch *s = q->s;
	uint64_t v;

	if ((slice_eq(p->key, SLICE_LIT("index")) && f->nindexes >= cap) ||
	    (slice_eq(p->key, SLICE_LIT("type")) && f->ntypes >= cap)) {
		snprintf(s->msg, sizeof(s->msg), "at most %zu index and %zu type parameters", cap,
		         cap);
		return s->msg;
	}
	if (slice_eq(p->key, SLICE_LIT("index"))) {
		if (uri_param_u64(p, 0, UINT32_MAX, &v) != IDR_OK) {
			return "index must be a number from 0 to 4294967295";
		}
		s->indexes[f->nindexes++] = (uint32_t)v;
	} else if (slice_eq(p->key, SLICE_LIT("type"))) {
		if (p->value.len == 0 || p->value.len > VALUE_MAX_TYPE) {
			return "type must be 1 to 1024 bytes";
		}
		s->types[f->ntypes++] = p->value;
	}
	return NULL;
}

/* The index/type/publicOnly filter of a GET; a message on error. */
static const char *
api_filter(struct http_req *q, struct vjson_filter *f)
{
	size_t cap = (size_t)q->conf->max_filter_items, i;
	const char *bad;
	bool po;

	cap = cap < HTTP_MAX_FILTER ? cap : HTTP_MAX_FILTER;
	memset(f, 0, sizeof(*f));
	f->indexes = q->s->indexes;
	f->types = q->s->types;
	for (i = 0; i < q->t.nparams; i++) {
		bad = filter_add(q, &q->t.params[i], f, cap);
		if (bad != NULL) {
			return bad;
		}
	}
	if (uri_param_bool(&q->t, "publicOnly", true, &po) != IDR_OK) {
		return "publicOnly must be true or false";
	}
	/* no authentication yet: non-public values are never served (see the top comment) */
	f->public_only = true;
	return NULL;
}

/* Turn a failed JSON writer into an RC_ERROR body. */
static uint32_t
write_failed(struct http_req *q, const char *key, struct slice value, int rc)
{
	const char *msg = "the answer is too large";

	if (rc != IDR_ETOOBIG) {
		msg = "internal error";
		if (log_ratelimit_ok(&decode_rl, 5, 60)) {
			log_warn("http: answer for %.*s failed: %s",
			         (int)(value.len < HTTP_PFX_SHOW ? value.len : HTTP_PFX_SHOW),
			         (const char *)value.p, idr_strerror(rc));
		}
	}
	wbuf_reset(&q->s->out);
	(void)http_json_error(&q->s->out, HDL_RC_ERROR, key, value, slice_cstr(msg));
	return HDL_RC_ERROR;
}

/* ---- recursion ---- */

/* A filter copied out of the request for a deferred answer (http_recur's context). */
struct api_filter_copy {
	struct vjson_filter f;
	uint8_t bytes[]; /* type slices, indexes, type bytes */
};

/* http_recur_fn: the record or the error as JSON, with the request's filter. */
static void
api_render(void *ctx, struct rsv_worker *rw, struct slice handle, uint32_t code,
           const struct rec_view *rec, const char *msg, struct http_recur_out *out)
{
	struct api_filter_copy *fc = ctx;
	int rc;

	(void)rw;
	if (code == HDL_RC_SUCCESS) {
		rc = http_json_record(out->w, handle, rec, &fc->f);
		if (rc >= 0) {
			out->status = http_status_of((uint32_t)rc, true);
			return;
		}
		wbuf_reset(out->w);
		code = HDL_RC_ERROR;
		msg = "the upstream answer could not be read";
	}
	(void)http_json_error(out->w, code, "handle", handle, slice_cstr(msg));
	out->status = http_status_of(code, true);
}

/* Copy the filter (its indexes and types) into one allocation. */
static struct api_filter_copy *
filter_copy(const struct vjson_filter *f)
{
	size_t tbytes = 0, off;
	struct api_filter_copy *fc;
	uint32_t *idx;
	struct slice *types;

	for (size_t i = 0; i < f->ntypes; i++) {
		tbytes += f->types[i].len;
	}
	fc = calloc(1, sizeof(*fc) + f->ntypes * sizeof(struct slice) +
	                       f->nindexes * sizeof(uint32_t) + tbytes);
	if (fc == NULL) {
		return NULL;
	}
	types = (struct slice *)(void *)fc->bytes;
	idx = (uint32_t *)(void *)(fc->bytes + f->ntypes * sizeof(struct slice));
	off = f->ntypes * sizeof(struct slice) + f->nindexes * sizeof(uint32_t);
	if (f->nindexes > 0) {
		memcpy(idx, f->indexes, f->nindexes * sizeof(uint32_t));
	}
	for (size_t i = 0; i < f->ntypes; i++) {
		memcpy(fc->bytes + off, f->types[i].p, f->types[i].len);
		types[i] = slice_make(fc->bytes + off, f->types[i].len);
		off += f->types[i].len;
	}
	fc->f = *f;
	fc->f.indexes = idx;
	fc->f.types = types;
	return fc;
}

void
http_api_handle(struct http_req *q)
{
	struct slice handle = q->match.capture;
	struct vjson_filter f;
	struct reg_rtxn *txn;
	struct rec_view rec;
	const char *bad;
	uint32_t code;
	int rc;

	if (!api_common(q, "handle", handle)) {
		return;
	}
	bad = api_filter(q, &f);
	if (bad != NULL) {
		http_api_error(q, HDL_RC_PROTOCOL_ERROR, "handle", handle, bad);
		return;
	}
	if (sfwd_route(q, handle)) {
		return; /* another server of the site holds it (http/sfwd.h) */
	}
	if (rsv_read_begin(q->rw, &txn) != IDR_OK) {
		http_api_error(q, HDL_RC_ERROR, "handle", handle, "internal error");
		return;
	}
	code = rsv_lookup(q->rw, handle, &rec);
	if (http_recur_wanted(q, code)) {
		struct api_filter_copy *fc = filter_copy(&f);

		rsv_read_end(q->rw);
		if (fc == NULL) {
			http_api_error(q, HDL_RC_ERROR, "handle", handle, "out of memory");
			return;
		}
		http_recur(q, handle, api_render, fc);
		return;
	}
	wbuf_reset(&q->s->out);
	if (code == HDL_RC_SUCCESS) {
		rc = http_json_record(&q->s->out, handle, &rec, &f);
		code = rc < 0 ? write_failed(q, "handle", handle, rc) : (uint32_t)rc;
	} else {
		/* the dispatcher's own text, so that UDP, TCP and HTTP say the same */
		(void)http_json_error(&q->s->out, code, "handle", handle,
		                      slice_cstr(rsv_worker_message(q->rw)));
	}
	rsv_read_end(q->rw);
	http_reply_json(q, http_status_of(code, true));
}

/* page, pageSize and after of a listing; a message on error. */
static const char *
list_params(struct http_req *q, struct rsv_list_req *lr)
{
	const struct uri_param *pg = uri_param_get(&q->t, "page");
	const struct uri_param *ps = uri_param_get(&q->t, "pageSize");
	const struct uri_param *af = uri_param_get(&q->t, "after");
	uint64_t max = q->conf->list_page_max;

	lr->page = 0;
	lr->size = max;
	if (pg != NULL && uri_param_u64(pg, 0, UINT32_MAX, &lr->page) != IDR_OK) {
		return "page must be a number from 0 to 4294967295";
	}
	if (ps != NULL && uri_param_u64(ps, 0, UINT64_MAX, &lr->size) != IDR_OK) {
		return "pageSize must be a number";
	}
	if (lr->size > max) {
		snprintf(q->s->msg, sizeof(q->s->msg), "pageSize %llu is over the limit of %llu",
		         (unsigned long long)lr->size, (unsigned long long)max);
		return q->s->msg;
	}
	if (af != NULL && pg != NULL) {
		return "after and page cannot be combined: after already says where the page "
		       "starts";
	}
	lr->after = af != NULL ? af->value : slice_make(NULL, 0);
	return NULL;
}

static int
list_one(void *arg, struct slice handle)
{
	struct wbuf *w = arg;

	if (wbuf_len(w) > 0 && wbuf_data(w)[wbuf_len(w) - 1] != '[') {
		wbuf_u8(w, ',');
	}
	vjson_write_str(w, handle);
	return wbuf_error(w) != IDR_OK ? wbuf_error(w) : 0;
}

/* ---- a listing across the servers of a site (http/sfwd.h sfwd_collect) */

/* Key order of handles: bytes with ASCII letters folded to upper case (ident_fold). */
static int
fold_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;

	for (;; x++, y++) {
		int cx = *x >= 'a' && *x <= 'z' ? *x - 32 : *x;
		int cy = *y >= 'a' && *y <= 'z' ? *y - 32 : *y;

		if (cx != cy || cx == 0) {
			return cx - cy;
		}
	}
}

/*
 * Every server's page after the same cursor, merged: the first pageSize handles of their union
 * in key order, the totals added, next set when more follow (on any server).
 */
static int
list_merge(const struct sfwd_answer *v, size_t n, struct wbuf *w)
{
	json_t *docs[SHARD_MAX_SERVERS] = {NULL};
	const char **all = NULL, *prefix = "";
	size_t nall = 0, cap = 0, take, i;
	uint64_t total = 0, size = 0, page = 0;
	bool more = false;
	int status = 200;

	for (i = 0; status == 200 && i < n; i++) {
		json_t *hs, *tc;
		size_t k;

		if (v[i].status != 200) {
			wbuf_bytes(w, v[i].body.p, v[i].body.len);
			status = v[i].status;
			break;
		}
		docs[i] = json_loadb((const char *)v[i].body.p, v[i].body.len, 0, NULL);
		hs = json_object_get(docs[i], "handles");
		tc = json_object_get(docs[i], "totalCount");
		if (!json_is_array(hs) || !json_is_string(tc)) {
			status = 502;
			break;
		}
		total += strtoull(json_string_value(tc), NULL, 10);
		size = (uint64_t)json_integer_value(json_object_get(docs[i], "pageSize"));
		page = (uint64_t)json_integer_value(json_object_get(docs[i], "page"));
		if (json_is_string(json_object_get(docs[i], "prefix"))) {
			prefix = json_string_value(json_object_get(docs[i], "prefix"));
		}
		more = more || json_object_get(docs[i], "next") != NULL;
		if (nall + json_array_size(hs) > cap) {
			const char **na;

			cap = (nall + json_array_size(hs)) * 2 + 16;
			na = realloc(all, cap * sizeof(*all));
			if (na == NULL) {
				status = 500;
				break;
			}
			all = na;
		}
		for (k = 0; k < json_array_size(hs); k++) {
			if (json_is_string(json_array_get(hs, k))) {
				all[nall++] = json_string_value(json_array_get(hs, k));
			}
		}
	}
	if (status == 200) {
		qsort(all, nall, sizeof(*all), fold_cmp);
		take = nall < size ? nall : (size_t)size;
		more = more || nall > take;
		wbuf_lit(w, "{\"responseCode\":1,\"prefix\":");
		vjson_write_str(w, slice_cstr(prefix));
		wbuf_printf(w, ",\"totalCount\":\"%llu\",\"page\":%llu,\"pageSize\":%llu",
		            (unsigned long long)total, (unsigned long long)page,
		            (unsigned long long)size);
		if (more && take > 0) {
			wbuf_lit(w, ",\"next\":");
			vjson_write_str(w, slice_cstr(all[take - 1]));
		}
		wbuf_lit(w, ",\"handles\":[");
		for (i = 0; i < take; i++) {
			if (i > 0) {
				wbuf_u8(w, ',');
			}
			vjson_write_str(w, slice_cstr(all[i]));
		}
		wbuf_lit(w, "]}");
	} else if (status != 200 && wbuf_len(w) == 0) {
		wbuf_printf(w, "{\"responseCode\":2,\"message\":\"the servers of the site did "
		               "not give a listing that can be merged\"}");
	}
	free(all);
	for (i = 0; i < n; i++) {
		json_decref(docs[i]);
	}
	return status;
}

void
http_api_list(struct http_req *q)
{
	const struct uri_param *pp = uri_param_get(&q->t, "prefix");
	struct slice prefix = pp != NULL ? pp->value : slice_make(NULL, 0);
	struct wbuf *w = &q->s->out, *h = &q->s->aux;
	struct rsv_list_req lr;
	struct rsv_list_info info;
	const char *bad;
	uint32_t code;

	if (!api_common(q, "prefix", prefix)) {
		return;
	}
	memset(&lr, 0, sizeof(lr));
	bad = prefix.len == 0 ? "the prefix parameter is required" : list_params(q, &lr);
	if (bad != NULL) {
		http_api_error(q, HDL_RC_PROTOCOL_ERROR, pp != NULL ? "prefix" : NULL, prefix, bad);
		return;
	}
	if (!q->site_hop && rsv_worker_shard(q->rw)->nhttp > 1) {
		/* a sharded site: every server's share of the listing (http/sfwd.h) */
		if (lr.page > 0) {
			http_api_error(
			        q, HDL_RC_PROTOCOL_ERROR, "prefix", prefix,
			        "on a site of several servers a listing pages with after (the "
			        "next of the previous page), not page");
			return;
		}
		if (sfwd_collect(q, list_merge)) {
			return;
		}
	}
	lr.prefix = prefix;
	/* the handles go to aux first: the head needs the total the listing finds */
	wbuf_reset(h);
	wbuf_u8(h, '[');
	code = rsv_list(q->rw, &lr, list_one, h, &info);
	wbuf_reset(w);
	if (code == HDL_RC_SUCCESS && wbuf_error(h) != IDR_OK) {
		code = write_failed(q, "prefix", prefix, wbuf_error(h));
	} else if (code == HDL_RC_SUCCESS) {
		wbuf_lit(w, "{\"responseCode\":1,\"prefix\":");
		vjson_write_str(w, prefix);
		wbuf_printf(w, ",\"totalCount\":\"%llu\",\"page\":%llu,\"pageSize\":%llu",
		            (unsigned long long)info.total, (unsigned long long)lr.page,
		            (unsigned long long)lr.size);
		if (info.next.len > 0) {
			wbuf_lit(w, ",\"next\":");
			vjson_write_str(w, info.next);
		}
		wbuf_lit(w, ",\"handles\":");
		wbuf_bytes(w, wbuf_data(h), wbuf_len(h));
		wbuf_lit(w, "]}");
	} else {
		(void)http_json_error(w, code, "prefix", prefix,
		                      slice_cstr(rsv_worker_message(q->rw)));
	}
	http_reply_json(q, http_status_of(code, false));
}

void
http_api_none(struct http_req *q)
{
	http_api_error_at(q, 404, HDL_RC_ERROR, NULL, slice_make(NULL, 0), "no such API resource");
}
