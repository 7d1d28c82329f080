/* native.c - Handle messages over HTTP (native.h). */
#include "http/native.h"

#include <time.h>

void
http_native(struct http_req *q)
{
	struct rsv_ctx ctx = {RSV_PROTO_HTTP, q->peer, q->rconn, 0};
	struct wbuf *out = &q->s->out;
	enum rsv_action act;

	if (http_deferrable(q)) {
		ctx.tag = q->tx->ticket(q);
	} else {
		ctx.conn = NULL; /* no way back for a deferred answer: the dispatcher answers now */
	}
	wbuf_reset(out);
	act = rsv_handle(q->rw, &ctx, q->body.p, q->body.len, (uint32_t)time(NULL), out);
	switch (act) {
	case RSV_PENDING:
		q->pending = true;
		return;
	case RSV_CLOSE:
		q->close = true;
		break;
	case RSV_REPLY:
	case RSV_DROP:
		break;
	}
	if (act == RSV_DROP || wbuf_len(out) == 0 || wbuf_error(out) != IDR_OK) {
		http_reply(q, 400, NULL, NULL, 0);
		return;
	}
	http_reply_body(q, 200, HTTP_CT_HDL, wbuf_slice(out));
}
