/*
 * http.c - the HTTP(S) front end: libevent's evhttp for the protocol, our own routing.
 *
 * Request path: evhttp parses the request (header and body caps from the configuration),
 * uri_parse splits the target, and one handler per route answers within one read transaction
 * (rsv_read_begin/end). JSON is written by vjson into a per-worker wbuf and copied into the
 * reply's evbuffer once; jansson is used only when `pretty` is asked.
 *
 * Decisions (ref/handle.md §7 leaves them open):
 *  - No authentication yet: every answer is public-only, whatever publicOnly says (the value
 *    is still checked to be a boolean).
 *  - Listing: page is 0-based (Handle.Net); without page/pageSize the first list_page_max
 *    handles are listed; a pageSize above list_page_max is refused with 400 (responseCode 4,
 *    the message names the limit) rather than silently clamped, so a client never mistakes a
 *    short page for the end of the list.
 *  - Malformed parameters (index=abc, pretty=maybe, a bad callback, too many filters) are
 *    RC_PROTOCOL_ERROR (4) -> 400; an unparseable request-target is 400 too (414 when too
 *    long), as JSON under /api and as an HTML page elsewhere.
 *  - Proxy: redirects only to http(s) URLs; a URL value with another scheme shows the page.
 *    HS_ALIAS and 10320/loc are not followed.
 *  - Methods: GET and HEAD; OPTIONS answers 204 with Allow (and the CORS preflight headers);
 *    anything else 405 with Allow.
 *
 * Connection caps: evhttp 2.1 accepts by itself and offers no hook between accept() and the
 * connection, so the caps are applied right after: the bufferevent callback (evhttp_set_bevcb)
 * notes each new bufferevent (holding a reference) and activates an event that runs before
 * the connection's first read; it finds the evhttp connection (the bufferevent's callback
 * argument, which evhttp sets to the connection), reads the peer address from the socket and
 * either counts it in connlim (released by the connection's close callback) or frees the
 * connection. The listening socket is wrapped in our own evconnlistener without
 * LEV_OPT_CLOSE_ON_FREE, so freeing the worker never closes the caller's socket.
 */
#include "http/http.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"
#include "hdl/hdl.h"
#include "http/html.h"
#include "http/uri.h"
#include "model/ident.h"
#include "net/connlim.h"
#include "net/tls.h"

#define HTTP_MAX_FILTER 2048 /* the configuration's max_filter_items upper bound */
#define HTTP_MAX_PARAMS (2 * HTTP_MAX_FILTER + 32)
#define HTTP_OUT_MAX    (64u << 20) /* largest answer body */
#define HTTP_OUT_KEEP   (1u << 20)  /* reply buffer capacity kept between requests */
#define HTTP_MSG_MAX    256
#define HTTP_PFX_SHOW   200 /* characters of a prefix quoted in a message */

#define CT_JSON    "application/json; charset=utf-8"
#define CT_JS      "application/javascript; charset=utf-8"
#define CT_TEXT    "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define ALLOW      "GET, HEAD, OPTIONS"
#define HTML_CSP                                                                                   \
	"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "     \
	"frame-ancestors 'none'"

#define PUT(w, lit) wbuf_bytes((w), (lit), sizeof(lit) - 1)

/* An accepted connection's bufferevent waiting for admission (we hold a reference). */
struct http_fresh {
	struct bufferevent *bev;
	bool refuse; /* a stand-in for a TLS bufferevent that could not be made */
};

/* One admitted connection: what its close callback releases. */
struct http_conn {
	struct http_worker *h;
	struct sockaddr_storage peer;
};

struct http_worker {
	struct event_base *base;
	struct rsv_worker *rw;
	struct tls_ctx *tls;
	struct connlim *limits;
	struct metrics *m; /* may be NULL (http_worker_set_process) */
	struct reg *reg;   /* may be NULL */
	enum metrics_proto proto;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *admit_ev;
	struct http_fresh *fresh; /* accepted, not yet admitted (one reference each) */
	size_t nfresh, fresh_cap;
	uint64_t applied[3]; /* header size, body size, idle time-out evhttp has (0: none yet) */
	struct wbuf out;     /* the answer body */
	struct wbuf aux;     /* pretty output, Location */
	char msg[HTTP_MSG_MAX];
	uint8_t scratch[URI_MAX_TARGET];
	struct uri_param params[HTTP_MAX_PARAMS];
	uint32_t indexes[HTTP_MAX_FILTER];
	struct slice types[HTTP_MAX_FILTER];
};

/* One request being answered. */
struct hreq {
	struct http_worker *h;
	struct evhttp_request *req;
	const struct conf *conf;
	struct uri_target t;
	uint64_t t0;
	const char *route; /* metrics label */
	bool head;
	bool api;
	bool pretty;
	struct slice callback;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- JSON pieces */

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
		PUT(w, ",\"message\":");
		vjson_write_str(w, message);
	}
	wbuf_u8(w, '}');
	return wbuf_error(w);
}

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

struct list_walk {
	struct wbuf *w;
	uint64_t skip;
	uint64_t seen;
	uint64_t written;
};

static int
list_one(void *arg, struct slice key, const struct rec_view *rec)
{
	struct list_walk *l = arg;

	(void)key;
	if (l->seen++ < l->skip) {
		return 0;
	}
	if (l->written++ > 0) {
		wbuf_u8(l->w, ',');
	}
	vjson_write_str(l->w, rec->handle);
	return wbuf_error(l->w) != IDR_OK ? wbuf_error(l->w) : 0;
}

/* The prefix name of a listing parameter: "P" or "0.NA/P". */
static struct slice
list_prefix_name(struct slice p)
{
	static const char zna[] = IDENT_ZERO_NA "/";
	struct slice head = p;

	head.len = sizeof(zna) - 1;
	if (p.len > head.len && slice_caseeq(head, slice_make(zna, head.len))) {
		return slice_make(p.p + head.len, p.len - head.len);
	}
	return p;
}

/* Check the prefix of a listing; writes the error body and returns its code, or 0. */
static int
list_check(struct wbuf *w, struct reg_rtxn *t, struct slice prefix, struct slice name)
{
	char msg[HTTP_MSG_MAX];
	int rc = ident_prefix_check(name);

	if (rc != IDR_OK) {
		snprintf(msg, sizeof(msg), "invalid prefix: %s", idr_strerror(rc));
		rc = http_json_error(w, HDL_RC_INVALID_HANDLE, "prefix", prefix, slice_cstr(msg));
		return rc != IDR_OK ? rc : HDL_RC_INVALID_HANDLE;
	}
	rc = reg_prefix_check(t, name);
	if (rc == IDR_EPFX_UNKNOWN || rc == IDR_EPFX_DISABLED) {
		snprintf(msg, sizeof(msg), "prefix %.*s is not served here",
		         (int)(name.len < HTTP_PFX_SHOW ? name.len : HTTP_PFX_SHOW),
		         (const char *)name.p);
		rc = http_json_error(w, HDL_RC_SERVER_NOT_RESP, "prefix", prefix, slice_cstr(msg));
		return rc != IDR_OK ? rc : HDL_RC_SERVER_NOT_RESP;
	}
	return rc;
}

int
http_json_list(struct wbuf *w, struct reg_rtxn *t, struct slice prefix, uint64_t page,
               uint64_t size)
{
	struct slice name = list_prefix_name(prefix);
	struct list_walk l = {w, 0, 0, 0};
	uint64_t total;
	int rc;

	rc = list_check(w, t, prefix, name);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_count(t, name, &total);
	if (rc != IDR_OK) {
		return rc;
	}
	if (size > 0 && page > (UINT64_MAX - size) / size) {
		return IDR_ELIMIT;
	}
	l.skip = page * size;
	PUT(w, "{\"responseCode\":1,\"prefix\":");
	vjson_write_str(w, prefix);
	wbuf_printf(w, ",\"totalCount\":\"%llu\",\"page\":%llu,\"pageSize\":%llu,\"handles\":[",
	            (unsigned long long)total, (unsigned long long)page, (unsigned long long)size);
	if (size > 0 && l.skip < total && l.skip + size <= SIZE_MAX) {
		rc = reg_list(t, name, slice_make(NULL, 0), REC_KIND_NONE, (size_t)(l.skip + size),
		              list_one, &l);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	PUT(w, "]}");
	return wbuf_error(w) != IDR_OK ? wbuf_error(w) : HDL_RC_SUCCESS;
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

/* ---------------------------------------------------------------- sending */

static void
add_header(struct evhttp_request *req, const char *key, const char *value)
{
	if (evhttp_add_header(evhttp_request_get_output_headers(req), key, value) != 0) {
		log_debug("http: header %s not added", key);
	}
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	default:
		return "other method";
	}
}

/* Finish a request: headers, the body parts in order (nothing for HEAD), metrics. */
static void
send_parts(struct hreq *q, int status, const char *ctype, const struct slice *parts, size_t n)
{
	struct evbuffer *b = evhttp_request_get_output_buffer(q->req);
	size_t i, total = 0;
	char len[24];
	bool ok = true;

	if (ctype != NULL) {
		add_header(q->req, "Content-Type", ctype);
	}
	for (i = 0; i < n; i++) {
		total += parts[i].len;
		if (!q->head && parts[i].len > 0) {
			ok = ok && evbuffer_add(b, parts[i].p, parts[i].len) == 0;
		}
	}
	if (q->head) {
		snprintf(len, sizeof(len), "%zu", total);
		add_header(q->req, "Content-Length", len);
	}
	if (!ok) {
		evbuffer_drain(b, evbuffer_get_length(b));
		status = 500;
	}
	evhttp_send_reply(q->req, status, NULL, NULL);
	metrics_http(rsv_worker_metrics(q->h->rw), q->h->proto, q->route, status,
	             mono_ns() - q->t0);
	if (log_enabled(LOG_DEBUG)) {
		log_debug("http: %s %.200s -> %d", method_name(evhttp_request_get_command(q->req)),
		          q->t.path.len > 0 ? evhttp_request_get_uri(q->req) : "(malformed)",
		          status);
	}
}

static void
send_body(struct hreq *q, int status, const char *ctype, struct slice body)
{
	send_parts(q, status, ctype, &body, 1);
}

static void
send_text(struct hreq *q, int status, const char *text)
{
	send_body(q, status, CT_TEXT, slice_cstr(text));
}

/* Release memory a huge answer made the reply buffers grow to. */
static void
trim_buffers(struct http_worker *h)
{
	if (h->out.cap > HTTP_OUT_KEEP) {
		wbuf_deinit(&h->out);
		wbuf_init_heap(&h->out, HTTP_OUT_MAX);
	}
	if (h->aux.cap > HTTP_OUT_KEEP) {
		wbuf_deinit(&h->aux);
		wbuf_init_heap(&h->aux, HTTP_OUT_MAX);
	}
}

/* Send h->out as the JSON answer: pretty and JSONP applied, CORS header per configuration. */
static void
send_json(struct hreq *q, int status)
{
	struct http_worker *h = q->h;
	struct slice parts[5];

	parts[0] = wbuf_slice(&h->out);
	if (wbuf_error(&h->out) != IDR_OK) {
		wbuf_reset(&h->out);
		(void)http_json_error(&h->out, HDL_RC_ERROR, NULL, slice_make(NULL, 0),
		                      SLICE_LIT("the answer is too large"));
		parts[0] = wbuf_slice(&h->out);
		status = 500;
	}
	if (q->pretty) {
		wbuf_reset(&h->aux);
		if (http_json_pretty(&h->aux, parts[0]) == IDR_OK) {
			parts[0] = wbuf_slice(&h->aux);
		}
	}
	if (q->conf->http_cors) {
		add_header(q->req, "Access-Control-Allow-Origin", "*");
	}
	if (q->callback.len == 0) {
		send_parts(q, status, CT_JSON, parts, 1);
		return;
	}
	/* JSONP: the comment keeps the callback from being the first bytes of the answer */
	parts[2] = SLICE_LIT("(");
	parts[3] = parts[0];
	parts[4] = SLICE_LIT(");");
	parts[0] = SLICE_LIT("/**/");
	parts[1] = q->callback;
	add_header(q->req, "X-Content-Type-Options", "nosniff");
	send_parts(q, status, CT_JS, parts, 5);
}

static void
send_html(struct hreq *q, int status)
{
	struct http_worker *h = q->h;

	if (wbuf_error(&h->out) != IDR_OK) {
		send_text(q, 500, "the page is too large\n");
		return;
	}
	add_header(q->req, "Content-Security-Policy", HTML_CSP);
	add_header(q->req, "X-Content-Type-Options", "nosniff");
	send_body(q, status, HTML_CONTENT_TYPE, wbuf_slice(&h->out));
}

static void
send_error_page(struct hreq *q, int status, const char *title, struct slice handle,
                struct slice message)
{
	wbuf_reset(&q->h->out);
	(void)html_error_page(&q->h->out, status, title, handle, message);
	send_html(q, status);
}

/* ---------------------------------------------------------------- REST API */

/* An error body; key/value name what the request was about ("handle" or "prefix"). */
static void
api_error_at(struct hreq *q, int status, uint32_t rc, const char *key, struct slice value,
             const char *msg)
{
	wbuf_reset(&q->h->out);
	(void)http_json_error(&q->h->out, rc, key, value, slice_cstr(msg));
	send_json(q, status);
}

/* Same with the status of rc from the table. */
static void
api_error(struct hreq *q, uint32_t rc, const char *key, struct slice value, const char *msg)
{
	api_error_at(q, http_status_of(rc, true), rc, key, value, msg);
}

/* pretty and callback; on a bad value the 400 answer is sent and false returned. */
static bool
api_common(struct hreq *q, const char *key, struct slice value)
{
	const struct uri_param *cb = uri_param_get(&q->t, "callback");

	if (uri_param_bool(&q->t, "pretty", false, &q->pretty) != IDR_OK) {
		api_error(q, HDL_RC_PROTOCOL_ERROR, key, value, "pretty must be true or false");
		return false;
	}
	if (cb != NULL && !uri_jsonp_valid(cb->value)) {
		api_error(q, HDL_RC_PROTOCOL_ERROR, key, value,
		          "callback must be a JavaScript name such as cb or app.cb");
		return false;
	}
	q->callback = cb != NULL ? cb->value : slice_make(NULL, 0);
	return true;
}

/* One index= or type= parameter into the filter; a message on error. */
static const char *
filter_add(struct hreq *q, const struct uri_param *p, struct vjson_filter *f, size_t cap)
{
	struct http_worker *h = q->h;
	uint64_t v;

	if ((slice_eq(p->key, SLICE_LIT("index")) && f->nindexes >= cap) ||
	    (slice_eq(p->key, SLICE_LIT("type")) && f->ntypes >= cap)) {
		snprintf(h->msg, sizeof(h->msg), "at most %zu index and %zu type parameters", cap,
		         cap);
		return h->msg;
	}
	if (slice_eq(p->key, SLICE_LIT("index"))) {
		if (uri_param_u64(p, 0, UINT32_MAX, &v) != IDR_OK) {
			return "index must be a number from 0 to 4294967295";
		}
		h->indexes[f->nindexes++] = (uint32_t)v;
	} else if (slice_eq(p->key, SLICE_LIT("type"))) {
		if (p->value.len == 0 || p->value.len > VALUE_MAX_TYPE) {
			return "type must be 1 to 1024 bytes";
		}
		h->types[f->ntypes++] = p->value;
	}
	return NULL;
}

/* The index/type/publicOnly filter of a GET; a message on error. */
static const char *
api_filter(struct hreq *q, struct vjson_filter *f)
{
	size_t cap = (size_t)q->conf->max_filter_items, i;
	const char *bad;
	bool po;

	cap = cap < HTTP_MAX_FILTER ? cap : HTTP_MAX_FILTER;
	memset(f, 0, sizeof(*f));
	f->indexes = q->h->indexes;
	f->types = q->h->types;
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

/* The message of a failed lookup: the dispatcher's own text, so that UDP, TCP and HTTP say the
 * same (none for 100, as Handle.Net). */
static struct slice
lookup_message(struct hreq *q)
{
	return slice_cstr(rsv_worker_message(q->h->rw));
}

static struct log_ratelimit decode_rl;

/* Turn a failed JSON writer into an RC_ERROR body. */
static uint32_t
write_failed(struct hreq *q, const char *key, struct slice value, int rc)
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
	wbuf_reset(&q->h->out);
	(void)http_json_error(&q->h->out, HDL_RC_ERROR, key, value, slice_cstr(msg));
	return HDL_RC_ERROR;
}

static void
api_handle(struct hreq *q)
{
	struct http_worker *h = q->h;
	struct slice handle = q->t.handle;
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
		api_error(q, HDL_RC_PROTOCOL_ERROR, "handle", handle, bad);
		return;
	}
	if (rsv_read_begin(h->rw, &txn) != IDR_OK) {
		api_error(q, HDL_RC_ERROR, "handle", handle, "internal error");
		return;
	}
	code = rsv_lookup(h->rw, handle, &rec);
	wbuf_reset(&h->out);
	if (code == HDL_RC_SUCCESS) {
		rc = http_json_record(&h->out, handle, &rec, &f);
		code = rc < 0 ? write_failed(q, "handle", handle, rc) : (uint32_t)rc;
	} else {
		(void)http_json_error(&h->out, code, "handle", handle, lookup_message(q));
	}
	rsv_read_end(h->rw);
	send_json(q, http_status_of(code, true));
}

/* page and pageSize of a listing; a message on error. */
static const char *
list_params(struct hreq *q, uint64_t *page, uint64_t *size)
{
	const struct uri_param *pg = uri_param_get(&q->t, "page");
	const struct uri_param *ps = uri_param_get(&q->t, "pageSize");
	uint64_t max = q->conf->list_page_max;

	*page = 0;
	*size = max;
	if (pg != NULL && uri_param_u64(pg, 0, UINT32_MAX, page) != IDR_OK) {
		return "page must be a number from 0 to 4294967295";
	}
	if (ps != NULL && uri_param_u64(ps, 0, UINT64_MAX, size) != IDR_OK) {
		return "pageSize must be a number";
	}
	if (*size > max) {
		snprintf(q->h->msg, sizeof(q->h->msg), "pageSize %llu is over the limit of %llu",
		         (unsigned long long)*size, (unsigned long long)max);
		return q->h->msg;
	}
	return NULL;
}

static void
api_list(struct hreq *q)
{
	const struct uri_param *pp = uri_param_get(&q->t, "prefix");
	struct slice prefix = pp != NULL ? pp->value : slice_make(NULL, 0);
	struct http_worker *h = q->h;
	struct reg_rtxn *txn;
	uint64_t page, size;
	const char *bad;
	uint32_t code;
	int rc;

	if (!api_common(q, "prefix", prefix)) {
		return;
	}
	bad = prefix.len == 0 ? "the prefix parameter is required" : list_params(q, &page, &size);
	if (bad != NULL) {
		api_error(q, HDL_RC_PROTOCOL_ERROR, pp != NULL ? "prefix" : NULL, prefix, bad);
		return;
	}
	if (rsv_read_begin(h->rw, &txn) != IDR_OK) {
		api_error(q, HDL_RC_ERROR, "prefix", prefix, "internal error");
		return;
	}
	wbuf_reset(&h->out);
	rc = http_json_list(&h->out, txn, prefix, page, size);
	code = rc < 0 ? write_failed(q, "prefix", prefix, rc) : (uint32_t)rc;
	rsv_read_end(h->rw);
	send_json(q, http_status_of(code, false));
}

/* ---------------------------------------------------------------- proxy pages */

static bool
web_url(struct slice data)
{
	size_t i;

	if (!(data.len > 7 && slice_caseeq(slice_make(data.p, 7), SLICE_LIT("http://"))) &&
	    !(data.len > 8 && slice_caseeq(slice_make(data.p, 8), SLICE_LIT("https://")))) {
		return false;
	}
	for (i = 0; i < data.len; i++) {
		if (data.p[i] < 0x20 || data.p[i] == 0x7f) {
			return false;
		}
	}
	return true;
}

/* The redirect target: the first public URL value, else the first URL.* sub-type. */
static bool
find_url(const struct rec_view *rec, struct slice *url)
{
	bool have_sub = false;
	struct slice sub = {NULL, 0};
	struct value v;
	struct rbuf r;

	rbuf_init(&r, rec->values.p, rec->values.len);
	while (rec_value_next(&r, &v) == IDR_OK) {
		if ((v.perms & VALUE_PERM_PUBLIC_READ) == 0 || !web_url(v.data)) {
			continue;
		}
		if (slice_caseeq_cstr(v.type, "URL")) {
			*url = v.data;
			return true;
		}
		if (!have_sub && v.type.len > 4 && value_type_match(v.type, SLICE_LIT("URL."))) {
			sub = v.data;
			have_sub = true;
		}
	}
	*url = sub;
	return have_sub;
}

/* Bytes a Location header cannot carry as they are (controls, space, non-ASCII) as %XX. */
static void
location_put(struct wbuf *w, struct slice s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (s.p[i] <= 0x20 || s.p[i] >= 0x7f) {
			wbuf_u8(w, '%');
			wbuf_u8(w, (uint8_t)hex[s.p[i] >> 4]);
			wbuf_u8(w, (uint8_t)hex[s.p[i] & 15]);
		} else {
			wbuf_u8(w, s.p[i]);
		}
	}
}

/* Set Location (copied by evhttp) for a record with a URL; false if it has none. */
static bool
set_redirect(struct hreq *q, const struct rec_view *rec)
{
	const struct uri_param *app = uri_param_get(&q->t, "urlappend");
	struct wbuf *w = &q->h->aux;
	struct slice url;

	if (!find_url(rec, &url)) {
		return false;
	}
	wbuf_reset(w);
	location_put(w, url);
	if (app != NULL && app->has_value) {
		location_put(w, app->value);
	}
	wbuf_terminate(w);
	if (wbuf_error(w) != IDR_OK) {
		return false;
	}
	return evhttp_add_header(evhttp_request_get_output_headers(q->req), "Location",
	                         (const char *)wbuf_data(w)) == 0;
}

static const char *
status_title(uint32_t code)
{
	switch (code) {
	case HDL_RC_HANDLE_NOT_FOUND:
		return "Handle Not Found";
	case HDL_RC_INVALID_HANDLE:
		return "Invalid Handle";
	case HDL_RC_SERVER_NOT_RESP:
		return "Prefix Not Found";
	default:
		return "Server Error";
	}
}

static void
proxy(struct hreq *q)
{
	const struct uri_param *act = uri_param_get(&q->t, "action");
	struct http_worker *h = q->h;
	struct slice handle = q->t.handle;
	struct reg_rtxn *txn;
	struct rec_view rec;
	bool noredirect;
	uint32_t code;
	int status;

	if (uri_param_bool(&q->t, "noredirect", false, &noredirect) != IDR_OK) {
		noredirect = true; /* ?noredirect=<anything but false> */
	}
	noredirect = noredirect || (act != NULL && slice_eq(act->value, SLICE_LIT("showvalues")));
	if (rsv_read_begin(h->rw, &txn) != IDR_OK) {
		send_error_page(q, 500, "Server Error", handle, SLICE_LIT("internal error"));
		return;
	}
	code = rsv_lookup(h->rw, handle, &rec);
	wbuf_reset(&h->out);
	if (code == HDL_RC_SUCCESS && !noredirect && set_redirect(q, &rec)) {
		rsv_read_end(h->rw);
		send_body(q, 302, NULL, slice_make(NULL, 0));
		return;
	}
	if (code == HDL_RC_SUCCESS) {
		status = html_record_page(&h->out, handle, &rec, true) == IDR_OK ? 200 : 500;
	} else {
		status = http_status_of(code, true);
		(void)html_error_page(&h->out, status, status_title(code), handle,
		                      lookup_message(q));
	}
	rsv_read_end(h->rw);
	if (status == 500 && code == HDL_RC_SUCCESS) {
		send_error_page(q, 500, "Server Error", handle,
		                SLICE_LIT("this record cannot be shown"));
		return;
	}
	send_html(q, status);
}

/*
 * The identifier typed into the search form: blanks around it and leading slashes go
 * ("//host" would make the Location leave this site).
 */
static struct slice
form_id(struct slice s)
{
	size_t a = 0, b = s.len;

	while (a < b && (s.p[a] == ' ' || s.p[a] == '/')) {
		a++;
	}
	while (b > a && s.p[b - 1] == ' ') {
		b--;
	}
	return a == b ? slice_make(NULL, 0) : slice_make(s.p + a, b - a);
}

/* GET / : the home page, or ?hdl=X -> 302 /X (the search form). */
static void
home(struct hreq *q)
{
	const struct uri_param *hdl = uri_param_get(&q->t, "hdl");
	struct slice id = hdl != NULL ? form_id(hdl->value) : slice_make(NULL, 0);
	struct wbuf *w = &q->h->aux;
	bool noredirect = false;

	if (id.len == 0) {
		wbuf_reset(&q->h->out);
		(void)html_home_page(&q->h->out);
		send_html(q, 200);
		return;
	}
	if (uri_param_bool(&q->t, "noredirect", false, &noredirect) != IDR_OK) {
		noredirect = true;
	}
	wbuf_reset(w);
	PUT(w, "/");
	(void)uri_encode(w, id, true);
	if (noredirect) {
		PUT(w, "?noredirect");
	}
	wbuf_terminate(w);
	if (wbuf_error(w) != IDR_OK) {
		send_text(q, 414, "identifier too long\n");
		return;
	}
	add_header(q->req, "Location", (const char *)wbuf_data(w));
	send_body(q, 302, NULL, slice_make(NULL, 0));
}

/* ---------------------------------------------------------------- operations */

static void
healthz(struct hreq *q)
{
	struct reg_rtxn *txn;

	if (rsv_read_begin(q->h->rw, &txn) != IDR_OK) {
		send_text(q, 503, "store unavailable\n");
		return;
	}
	rsv_read_end(q->h->rw);
	send_text(q, 200, "ok\n");
}

static void
metrics_page(struct hreq *q)
{
	struct http_worker *h = q->h;
	struct reg_store_info info;
	const struct reg_store_info *ip = NULL;

	if (h->m == NULL) {
		send_text(q, 503, "metrics are not available\n");
		return;
	}
	if (h->reg != NULL && reg_store_info(h->reg, &info) == IDR_OK) {
		ip = &info;
	}
	wbuf_reset(&h->out);
	metrics_render(h->m, ip, &h->out);
	if (wbuf_error(&h->out) != IDR_OK) {
		send_text(q, 500, "metrics too large\n");
		return;
	}
	send_body(q, 200, CT_METRICS, wbuf_slice(&h->out));
}

/* ---------------------------------------------------------------- dispatch */

static const char *
route_label(enum uri_route r)
{
	switch (r) {
	case URI_ROUTE_API_HANDLE:
	case URI_ROUTE_API_OTHER:
		return "api";
	case URI_ROUTE_API_LIST:
		return "list";
	case URI_ROUTE_HEALTHZ:
	case URI_ROUTE_METRICS:
		return "ops";
	default:
		return "proxy";
	}
}

static void
not_found(struct hreq *q)
{
	if (q->api) {
		api_error_at(q, 404, HDL_RC_ERROR, NULL, slice_make(NULL, 0),
		             "no such API resource");
		return;
	}
	send_text(q, 404, "not found\n");
}

static void
dispatch(struct hreq *q)
{
	switch (q->t.route) {
	case URI_ROUTE_HOME:
		home(q);
		break;
	case URI_ROUTE_API_HANDLE:
		api_handle(q);
		break;
	case URI_ROUTE_API_LIST:
		api_list(q);
		break;
	case URI_ROUTE_HEALTHZ:
		healthz(q);
		break;
	case URI_ROUTE_METRICS:
		metrics_page(q);
		break;
	case URI_ROUTE_PROXY:
		proxy(q);
		break;
	case URI_ROUTE_API_OTHER:
	case URI_ROUTE_RESERVED:
		not_found(q);
		break;
	}
}

/* A target uri_parse refused: 400 (414 when too long), JSON under /api, else a page. */
static void
bad_target(struct hreq *q, size_t len)
{
	int status = len > URI_MAX_TARGET ? 414 : 400;
	const char *why = q->t.why != NULL ? q->t.why : "malformed request-target";

	if (q->api) {
		wbuf_reset(&q->h->out);
		(void)http_json_error(&q->h->out, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0),
		                      slice_cstr(why));
		send_json(q, status);
		return;
	}
	send_error_page(q, status, status == 414 ? "URI Too Long" : "Bad Request",
	                slice_make(NULL, 0), slice_cstr(why));
}

/* GET and HEAD go on; OPTIONS and other methods are answered here (false). */
static bool
method_ok(struct hreq *q)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(q->req);

	if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD) {
		return true;
	}
	add_header(q->req, "Allow", ALLOW);
	if (m == EVHTTP_REQ_OPTIONS) {
		if (q->conf->http_cors) {
			add_header(q->req, "Access-Control-Allow-Origin", "*");
			add_header(q->req, "Access-Control-Allow-Methods", ALLOW);
			add_header(q->req, "Access-Control-Allow-Headers",
			           "Authorization, Content-Type");
			add_header(q->req, "Access-Control-Max-Age", "86400");
		}
		send_parts(q, 204, NULL, NULL, 0);
		return false;
	}
	if (q->api) {
		api_error_at(q, 405, HDL_RC_OPERATION_NOT_SUPPORTED, NULL, slice_make(NULL, 0),
		             "method not allowed: use GET or HEAD");
		return false;
	}
	send_text(q, 405, "method not allowed\n");
	return false;
}

/*
 * Limits that may change on reload, given to evhttp (they apply to new connections). The
 * values are copied: a configuration snapshot may be freed once the worker moved on.
 */
static void
apply_conf(struct http_worker *h, const struct conf *c)
{
	if (h->applied[0] == c->http_max_header_size && h->applied[1] == c->http_max_body_size &&
	    h->applied[2] == c->http_idle_timeout) {
		return;
	}
	evhttp_set_max_headers_size(h->http, (ev_ssize_t)c->http_max_header_size);
	evhttp_set_max_body_size(h->http, (ev_ssize_t)c->http_max_body_size);
	evhttp_set_timeout(h->http, (int)c->http_idle_timeout);
	h->applied[0] = c->http_max_header_size;
	h->applied[1] = c->http_max_body_size;
	h->applied[2] = c->http_idle_timeout;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct http_worker *h = arg;
	const char *uri = evhttp_request_get_uri(req);
	size_t len = uri != NULL ? strlen(uri) : 0;
	uint64_t t0 = mono_ns();
	struct uri_target t;
	struct hreq q;
	int rc = IDR_EPROTO;

	/* parsed into a local first: q stays whole for what follows */
	memset(&t, 0, sizeof(t));
	if (uri != NULL) {
		rc = uri_parse(&t, uri, len, h->params, HTTP_MAX_PARAMS, h->scratch,
		               sizeof(h->scratch));
	}
	memset(&q, 0, sizeof(q));
	q.h = h;
	q.req = req;
	q.t = t;
	q.t0 = t0;
	q.conf = rsv_worker_conf(h->rw);
	apply_conf(h, q.conf);
	q.head = evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
	if (rc != IDR_OK) {
		q.api = len >= 4 && memcmp(uri, "/api", 4) == 0;
		q.route = q.api ? "api" : "proxy";
		bad_target(&q, len);
	} else {
		q.route = route_label(t.route);
		q.api = t.route == URI_ROUTE_API_HANDLE || t.route == URI_ROUTE_API_LIST ||
		        t.route == URI_ROUTE_API_OTHER;
		if (method_ok(&q)) {
			dispatch(&q);
		}
	}
	trim_buffers(h);
}

/* ---------------------------------------------------------------- connections */

static void
on_close(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn *c = arg;

	(void)evcon;
	connlim_release(c->h->limits, (const struct sockaddr *)&c->peer);
	metrics_conn(c->h->m, c->h->proto, -1);
	free(c);
}

/* Decide on one accepted connection (see the top comment). */
static void
admit_one(struct http_worker *h, const struct http_fresh *f)
{
	struct evhttp_connection *evcon;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	bufferevent_data_cb rcb = NULL;
	struct http_conn *c;
	void *arg = NULL;
	int fd;

	bufferevent_getcb(f->bev, &rcb, NULL, NULL, &arg);
	fd = bufferevent_getfd(f->bev);
	if (rcb == NULL || arg == NULL || fd < 0) {
		return; /* evhttp already freed it */
	}
	evcon = arg;
	memset(&ss, 0, sizeof(ss));
	if (f->refuse || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
		evhttp_connection_free(evcon);
		return;
	}
	if (!connlim_acquire(h->limits, (const struct sockaddr *)&ss)) {
		metrics_drop(rsv_worker_metrics(h->rw), METRICS_DROP_CONNLIMIT);
		evhttp_connection_free(evcon);
		return;
	}
	c = malloc(sizeof(*c));
	if (c == NULL) {
		connlim_release(h->limits, (const struct sockaddr *)&ss);
		evhttp_connection_free(evcon);
		return;
	}
	c->h = h;
	c->peer = ss;
	evhttp_connection_set_closecb(evcon, on_close, c);
	metrics_conn(h->m, h->proto, 1);
}

static void
on_admit(evutil_socket_t fd, short what, void *arg)
{
	struct http_worker *h = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < h->nfresh; i++) {
		admit_one(h, &h->fresh[i]);
		bufferevent_decref(h->fresh[i].bev);
	}
	h->nfresh = 0;
}

/* Remember a new bufferevent for on_admit (which runs before its first read). */
static void
note_fresh(struct http_worker *h, struct bufferevent *bev, bool refuse)
{
	static struct log_ratelimit rl;
	struct http_fresh *f;
	size_t cap;

	if (h->nfresh == h->fresh_cap) {
		cap = h->fresh_cap * 2;
		f = realloc(h->fresh, cap * sizeof(*f));
		if (f == NULL) {
			if (log_ratelimit_ok(&rl, 1, 60)) {
				log_warn("http: out of memory: a connection is not counted");
			}
			return;
		}
		h->fresh = f;
		h->fresh_cap = cap;
	}
	bufferevent_incref(bev);
	h->fresh[h->nfresh].bev = bev;
	h->fresh[h->nfresh].refuse = refuse;
	h->nfresh++;
	event_active(h->admit_ev, EV_TIMEOUT, 0);
}

/* evhttp's bufferevent callback: a bufferevent without fd for a just accepted socket. */
static struct bufferevent *
make_bev(struct event_base *base, void *arg)
{
	struct http_worker *h = arg;
	struct bufferevent *bev = NULL;
	bool refuse = false;

	if (h->tls != NULL) {
		bev = tls_bufferevent_new(h->tls, base, -1);
		/* never plain HTTP on the HTTPS port: a stand-in that is closed unread */
		refuse = bev == NULL;
	}
	if (bev == NULL) {
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	if (bev != NULL) {
		note_fresh(h, bev, refuse);
	}
	return bev;
}

/* ---------------------------------------------------------------- worker */

#define HTTP_FRESH_INITIAL 64

static int
worker_listen(struct http_worker *h, int fd)
{
	struct evconnlistener *l;

	/* no LEV_OPT_CLOSE_ON_FREE: the socket is the caller's */
	l = evconnlistener_new(h->base, NULL, NULL, LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (l == NULL) {
		log_err("http: cannot listen on socket %d", fd);
		return IDR_EIO;
	}
	h->bound = evhttp_bind_listener(h->http, l);
	if (h->bound == NULL) {
		evconnlistener_free(l);
		log_err("http: cannot bind socket %d", fd);
		return IDR_EIO;
	}
	return IDR_OK;
}

static int
worker_setup(struct http_worker *h, int fd)
{
	h->fresh = calloc(HTTP_FRESH_INITIAL, sizeof(*h->fresh));
	h->fresh_cap = HTTP_FRESH_INITIAL;
	h->http = evhttp_new(h->base);
	h->admit_ev = event_new(h->base, -1, 0, on_admit, h);
	if (h->fresh == NULL || h->http == NULL || h->admit_ev == NULL) {
		return IDR_ENOMEM;
	}
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	                                            EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(h->http, HTML_CONTENT_TYPE);
	evhttp_set_gencb(h->http, on_request, h);
	evhttp_set_bevcb(h->http, make_bev, h);
	apply_conf(h, rsv_worker_conf(h->rw));
	return worker_listen(h, fd);
}

int
http_worker_new(struct http_worker **out, struct event_base *base, struct rsv_worker *w, int fd,
                struct tls_ctx *tls, struct connlim *limits)
{
	struct http_worker *h;
	int rc;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		return IDR_ENOMEM;
	}
	h->base = base;
	h->rw = w;
	h->tls = tls;
	h->limits = limits;
	h->proto = tls != NULL ? METRICS_HTTPS : METRICS_HTTP;
	wbuf_init_heap(&h->out, HTTP_OUT_MAX);
	wbuf_init_heap(&h->aux, HTTP_OUT_MAX);
	rc = worker_setup(h, fd);
	if (rc != IDR_OK) {
		http_worker_free(h);
		return rc;
	}
	*out = h;
	return IDR_OK;
}

void
http_worker_set_process(struct http_worker *h, struct metrics *m, struct reg *reg)
{
	h->m = m;
	h->reg = reg;
}

void
http_worker_stop_accepting(struct http_worker *h)
{
	if (h != NULL && h->bound != NULL) {
		evhttp_del_accept_socket(h->http, h->bound);
		h->bound = NULL;
	}
}

void
http_worker_free(struct http_worker *h)
{
	size_t i;

	if (h == NULL) {
		return;
	}
	for (i = 0; i < h->nfresh; i++) {
		bufferevent_decref(h->fresh[i].bev);
	}
	h->nfresh = 0;
	if (h->http != NULL) {
		evhttp_free(h->http); /* closes every connection: on_close releases each */
	}
	if (h->admit_ev != NULL) {
		event_free(h->admit_ev);
	}
	wbuf_deinit(&h->out);
	wbuf_deinit(&h->aux);
	free(h->fresh);
	free(h);
}
