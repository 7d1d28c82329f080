/* api_nodes.c - GET /api/v1/nodes (the top level's onboarded nodes). */
#include "http/api_nodes.h"

#include <time.h>

#include "core/rsv.h"
#include "fed/backup.h"
#include "fed/frdb.h"
#include "fed/node.h"
#include "hdl/hdl.h"

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
