/* ops.c - /healthz and /metrics (ops.h). */
#include "http/ops.h"

#include "fed/backup.h"
#include "fed/fup.h"
#include "fed/mirror.h"

void
http_ops_healthz(struct http_req *q)
{
	struct fup *up = rsv_worker_fed(q->rw)->up;

	if (rsv_health(q->rw) != IDR_OK) {
		http_reply_text(q, 503, "store unavailable\n");
		return;
	}
	if (fed_mirror_global() != NULL) { /* role mirror: how far behind the primary */
		wbuf_reset(&q->s->out);
		wbuf_lit(&q->s->out, "ok\n");
		fed_mirror_health(fed_mirror_global(), &q->s->out);
		http_reply_body(q, 200, HTTP_CT_TEXT, wbuf_slice(&q->s->out));
		return;
	}
	if (up == NULL) { /* a top level's backups, if any, a line each */
		wbuf_reset(&q->s->out);
		wbuf_lit(&q->s->out, "ok\n");
		fed_backup_health(&q->s->out);
		http_reply_body(q, 200, HTTP_CT_TEXT, wbuf_slice(&q->s->out));
		return;
	}
	/* with an upward link: still 200 (this node serves), the link's state beside it */
	wbuf_reset(&q->s->out);
	wbuf_cstr(&q->s->out, "{\"status\":\"ok\",");
	if (fup_health_json(up, &q->s->out) == IDR_OK) {
		wbuf_cstr(&q->s->out, "}");
	}
	http_reply_json(q, 200);
}

void
http_ops_metrics(struct http_req *q)
{
	int rc;

	wbuf_reset(&q->s->out);
	rc = rsv_metrics_page(q->rw, &q->s->out);
	if (rc == IDR_ESTATE) {
		http_reply_text(q, 503, "metrics are not available\n");
		return;
	}
	if (rc != IDR_OK) {
		http_reply_text(q, 500, "metrics too large\n");
		return;
	}
	if (fed_mirror_global() != NULL) {
		fed_mirror_metrics(fed_mirror_global(), &q->s->out);
	}
	fed_backup_metrics(&q->s->out);
	http_reply_body(q, 200, HTTP_CT_METRICS, wbuf_slice(&q->s->out));
}
