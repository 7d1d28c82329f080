/* req.c - answering an HTTP request: the helpers every handler shares (req.h). */
#include "http/req.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "hdl/hdl.h"
#include "http/html.h"
#include "model/vjson.h"

bool
http_deferrable(const struct http_req *q)
{
	return q->rconn != NULL && q->tx->ticket != NULL;
}

struct rsv_pending *
http_defer(struct http_req *q, rsv_cancel_fn cancel, void *arg)
{
	struct rsv_ctx ctx = {RSV_PROTO_HTTP, q->peer, q->rconn, 0};

	if (!http_deferrable(q)) {
		return NULL;
	}
	ctx.tag = q->tx->ticket(q);
	return ctx.tag != 0 ? rsv_defer(q->rw, &ctx, cancel, arg) : NULL;
}

void
http_header(struct http_req *q, const char *key, const char *value)
{
	q->tx->header(q, key, value);
}

void
http_reply(struct http_req *q, int status, const char *ctype, const struct slice *parts, size_t n)
{
	q->status = status;
	q->tx->reply(q, status, ctype, parts, n);
}

void
http_reply_stream(struct http_req *q, int status, const char *ctype, const struct http_stream *st)
{
	q->status = status;
	q->tx->stream(q, status, ctype, st);
}

void
http_reply_body(struct http_req *q, int status, const char *ctype, struct slice body)
{
	http_reply(q, status, ctype, &body, 1);
}

void
http_reply_text(struct http_req *q, int status, const char *text)
{
	http_reply_body(q, status, HTTP_CT_TEXT, slice_cstr(text));
}

int
http_status_of(uint32_t rc, bool resolution)
{
	switch (rc) {
	case HDL_RC_SUCCESS:
		return 200;
	case HDL_RC_SERVER_BUSY:
	case HDL_RC_SERVER_BACKUP:
		return 503;
	case HDL_RC_PROTOCOL_ERROR:
	case HDL_RC_INVALID_HANDLE:
	case HDL_RC_INVALID_VALUE:
	case HDL_RC_SERVER_NOT_RESP:
		return 400;
	case HDL_RC_OPERATION_NOT_SUPPORTED:
		return 501;
	case HDL_RC_HANDLE_NOT_FOUND:
		return 404;
	case HDL_RC_HANDLE_ALREADY_EXISTS:
	case HDL_RC_VALUE_ALREADY_EXISTS:
		return 409;
	case HDL_RC_VALUES_NOT_FOUND:
		return resolution ? 200 : 400;
	case HDL_RC_SERVICE_REFERRAL:
	case HDL_RC_PREFIX_REFERRAL:
		return 300;
	case HDL_RC_INVALID_ADMIN:
	case HDL_RC_INSUFFICIENT_PERMS:
	case HDL_RC_AUTHENTICATION_FAILED:
	case HDL_RC_INVALID_CREDENTIAL:
		return 403;
	case HDL_RC_AUTHENTICATION_NEEDED:
		return 401;
	default: /* 2, 6, 300, 405, 406, 500 and the codes the table gives no status */
		return 500;
	}
}

int
http_json_error(struct wbuf *w, uint32_t rc, const char *key, struct slice value,
                struct slice message)
{
	wbuf_printf(w, "{\"responseCode\":%u", (unsigned)rc);
	if (key != NULL) {
		wbuf_printf(w, ",\"%s\":", key);
		vjson_write_str(w, value);
	}
	if (message.len > 0) {
		wbuf_lit(w, ",\"message\":");
		vjson_write_str(w, message);
	}
	wbuf_u8(w, '}');
	return wbuf_error(w);
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	struct wbuf *w = data;

	wbuf_bytes(w, buf, size);
	return wbuf_error(w) != IDR_OK ? -1 : 0;
}

int
http_json_pretty(struct wbuf *out, struct slice json)
{
	json_error_t e;
	json_t *j;
	int rc;

	j = json_loadb((const char *)json.p, json.len, JSON_ALLOW_NUL, &e);
	if (j == NULL) {
		return IDR_EPROTO;
	}
	rc = json_dump_callback(j, dump_cb, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (wbuf_error(out) != IDR_OK) {
		return wbuf_error(out);
	}
	if (rc != 0) {
		return IDR_ENOMEM;
	}
	wbuf_u8(out, '\n');
	return wbuf_error(out);
}

void
http_reply_json(struct http_req *q, int status)
{
	struct http_scratch *s = q->s;
	struct slice parts[5];

	parts[0] = wbuf_slice(&s->out);
	if (wbuf_error(&s->out) != IDR_OK) {
		wbuf_reset(&s->out);
		(void)http_json_error(&s->out, HDL_RC_ERROR, NULL, slice_make(NULL, 0),
		                      SLICE_LIT("the answer is too large"));
		parts[0] = wbuf_slice(&s->out);
		status = 500;
	}
	if (q->pretty) {
		wbuf_reset(&s->aux);
		if (http_json_pretty(&s->aux, parts[0]) == IDR_OK) {
			parts[0] = wbuf_slice(&s->aux);
		}
	}
	if (q->conf->http_cors) {
		http_header(q, "Access-Control-Allow-Origin", "*");
	}
	if (q->callback.len == 0) {
		http_reply(q, status, HTTP_CT_JSON, parts, 1);
		return;
	}
	/* JSONP: the comment keeps the callback from being the first bytes of the answer */
	parts[2] = SLICE_LIT("(");
	parts[3] = parts[0];
	parts[4] = SLICE_LIT(");");
	parts[0] = SLICE_LIT("/**/");
	parts[1] = q->callback;
	http_header(q, "X-Content-Type-Options", "nosniff");
	http_reply(q, status, HTTP_CT_JS, parts, 5);
}

void
http_reply_html(struct http_req *q, int status)
{
	if (wbuf_error(&q->s->out) != IDR_OK) {
		http_reply_text(q, 500, "the page is too large\n");
		return;
	}
	http_header(q, "Content-Security-Policy", HTML_CSP);
	http_header(q, "X-Content-Type-Options", "nosniff");
	http_reply_body(q, status, HTML_CONTENT_TYPE, wbuf_slice(&q->s->out));
}

void
http_reply_error_page(struct http_req *q, int status, const char *title, struct slice handle,
                      struct slice message)
{
	wbuf_reset(&q->s->out);
	(void)html_error_page(&q->s->out, status, title, handle, message);
	http_reply_html(q, status);
}

void
http_api_error_at(struct http_req *q, int status, uint32_t rc, const char *key, struct slice value,
                  const char *msg)
{
	wbuf_reset(&q->s->out);
	(void)http_json_error(&q->s->out, rc, key, value, slice_cstr(msg));
	http_reply_json(q, status);
}

void
http_api_error(struct http_req *q, uint32_t rc, const char *key, struct slice value,
               const char *msg)
{
	http_api_error_at(q, http_status_of(rc, true), rc, key, value, msg);
}
