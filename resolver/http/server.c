/*
 * server.c - the HTTP(S) transport on libevent's evhttp: connections, caps, and the glue that
 * turns an evhttp request into a struct http_req for the route table (route.h, req.h).
 *
 * Request path: evhttp parses the request (header and body caps from the configuration),
 * uri_parse splits the target, http_route_match picks the row, and its handler answers
 * through the struct http_tx below (headers added to the evhttp request, the body copied into
 * its output buffer once).
 *
 * Methods: a path that matches a row with another method gets 405 with Allow (OPTIONS: 204
 * with Allow and the CORS preflight headers); a target uri_parse refuses gets 400 (414 when
 * too long), as JSON under /api and as an HTML page elsewhere.
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
#include "http/server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"
#include "hdl/hdl.h"
#include "http/html.h"
#include "http/req.h"
#include "http/route.h"
#include "http/uri.h"
#include "net/accept.h"
#include "net/connlim.h"
#include "net/tls.h"

#define HTTP_MAX_PARAMS (2 * HTTP_MAX_FILTER + 32)
#define HTTP_OUT_MAX    (64u << 20) /* largest answer body */
#define HTTP_OUT_KEEP   (1u << 20)  /* reply buffer capacity kept between requests */

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
	struct accept_gate *gate;
	enum metrics_proto proto;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evconnlistener *listener;
	struct event *admit_ev;
	struct http_fresh *fresh; /* accepted, not yet admitted (one reference each) */
	size_t nfresh, fresh_cap;
	uint64_t applied[3]; /* header size, body size, idle time-out evhttp has (0: none yet) */
	struct http_scratch s;
	uint8_t scratch[URI_MAX_TARGET];
	struct uri_param params[HTTP_MAX_PARAMS];
};

/* The request being answered, as the transport knows it. */
struct tx_req {
	struct http_worker *h;
	struct evhttp_request *req;
	uint64_t t0;
	const char *label; /* metrics label */
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- the transport of http_req */

static void
tx_header(struct http_req *q, const char *key, const char *value)
{
	struct tx_req *x = q->tx_arg;

	if (evhttp_add_header(evhttp_request_get_output_headers(x->req), key, value) != 0) {
		log_debug("http: header %s not added", key);
	}
}

static const char *
method_name(unsigned m)
{
	switch (m) {
	case HTTP_M_GET:
		return "GET";
	case HTTP_M_HEAD:
		return "HEAD";
	case HTTP_M_OPTIONS:
		return "OPTIONS";
	case HTTP_M_POST:
		return "POST";
	case HTTP_M_PUT:
		return "PUT";
	case HTTP_M_DELETE:
		return "DELETE";
	default:
		return "other method";
	}
}

/* Finish a request: headers, the body parts in order (nothing for HEAD), metrics. */
static void
tx_reply(struct http_req *q, int status, const char *ctype, const struct slice *parts, size_t n)
{
	struct tx_req *x = q->tx_arg;
	struct evbuffer *b = evhttp_request_get_output_buffer(x->req);
	size_t i, total = 0;
	char len[24];
	bool ok = true;

	if (ctype != NULL) {
		tx_header(q, "Content-Type", ctype);
	}
	for (i = 0; i < n; i++) {
		total += parts[i].len;
		if (!q->head && parts[i].len > 0) {
			ok = ok && evbuffer_add(b, parts[i].p, parts[i].len) == 0;
		}
	}
	if (q->head) {
		snprintf(len, sizeof(len), "%zu", total);
		tx_header(q, "Content-Length", len);
	}
	if (!ok) {
		evbuffer_drain(b, evbuffer_get_length(b));
		status = 500;
	}
	evhttp_send_reply(x->req, status, NULL, NULL);
	metrics_http(rsv_worker_metrics(x->h->rw), x->h->proto, x->label, status,
	             mono_ns() - x->t0);
	if (log_enabled(LOG_DEBUG)) {
		log_debug("http: %s %.200s -> %d", method_name(q->method),
		          q->t.path.len > 0 ? q->raw_target : "(malformed)", status);
	}
}

static const struct http_tx evhttp_tx = {tx_header, tx_reply};

/* Release memory a huge answer made the reply buffers grow to. */
static void
trim_buffers(struct http_worker *h)
{
	if (h->s.out.cap > HTTP_OUT_KEEP) {
		wbuf_deinit(&h->s.out);
		wbuf_init_heap(&h->s.out, HTTP_OUT_MAX);
	}
	if (h->s.aux.cap > HTTP_OUT_KEEP) {
		wbuf_deinit(&h->s.aux);
		wbuf_init_heap(&h->s.aux, HTTP_OUT_MAX);
	}
}

/* ---------------------------------------------------------------- dispatch */

/* A target uri_parse refused: 400 (414 when too long), JSON under /api, else a page. */
static void
bad_target(struct http_req *q, size_t len)
{
	int status = len > URI_MAX_TARGET ? 414 : 400;
	const char *why = q->t.why != NULL ? q->t.why : "malformed request-target";

	if (q->api) {
		http_api_error_at(q, status, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0), why);
		return;
	}
	http_reply_error_page(q, status, status == 414 ? "URI Too Long" : "Bad Request",
	                      slice_make(NULL, 0), slice_cstr(why));
}

/* The path exists, not with this method: OPTIONS 204 (CORS preflight), else 405. */
static void
other_method(struct http_req *q)
{
	char allow[64];

	http_allow_text(q->match.allow, allow, sizeof(allow));
	http_header(q, "Allow", allow);
	if (q->method == HTTP_M_OPTIONS) {
		if (q->conf->http_cors) {
			http_header(q, "Access-Control-Allow-Origin", "*");
			http_header(q, "Access-Control-Allow-Methods", allow);
			http_header(q, "Access-Control-Allow-Headers",
			            "Authorization, Content-Type");
			http_header(q, "Access-Control-Max-Age", "86400");
		}
		http_reply(q, 204, NULL, NULL, 0);
		return;
	}
	if (q->api) {
		char msg[96];

		snprintf(msg, sizeof(msg), "method not allowed: use %s", allow);
		http_api_error_at(q, 405, HDL_RC_OPERATION_NOT_SUPPORTED, NULL, slice_make(NULL, 0),
		                  msg);
		return;
	}
	http_reply_text(q, 405, "method not allowed\n");
}

static unsigned
method_of(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return HTTP_M_GET;
	case EVHTTP_REQ_HEAD:
		return HTTP_M_HEAD;
	case EVHTTP_REQ_POST:
		return HTTP_M_POST;
	case EVHTTP_REQ_PUT:
		return HTTP_M_PUT;
	case EVHTTP_REQ_DELETE:
		return HTTP_M_DELETE;
	case EVHTTP_REQ_OPTIONS:
		return HTTP_M_OPTIONS;
	default:
		return HTTP_M_OTHER;
	}
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
	struct tx_req x = {h, req, mono_ns(), NULL};
	struct http_req q;
	int rc = IDR_EPROTO;

	memset(&q, 0, sizeof(q));
	q.tx = &evhttp_tx;
	q.tx_arg = &x;
	q.rw = h->rw;
	q.s = &h->s;
	q.conf = rsv_worker_conf(h->rw);
	q.raw_target = uri != NULL ? uri : "";
	q.method = method_of(evhttp_request_get_command(req));
	q.head = q.method == HTTP_M_HEAD;
	apply_conf(h, q.conf);
	if (uri != NULL) {
		rc = uri_parse(&q.t, uri, len, h->params, HTTP_MAX_PARAMS, h->scratch,
		               sizeof(h->scratch));
	}
	if (rc != IDR_OK) {
		q.api = len >= 4 && memcmp(uri, "/api", 4) == 0;
		x.label = q.api ? "api" : "proxy";
		bad_target(&q, len);
	} else {
		http_route_match(q.method, q.t.path, &q.match);
		q.api = (q.match.flags & HTTP_R_API) != 0;
		x.label = q.match.route != NULL ? q.match.route->label : (q.api ? "api" : "proxy");
		if (q.match.route != NULL) {
			q.match.route->handler(&q);
		} else {
			other_method(&q);
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
	rsv_conn_gauge(c->h->rw, RSV_PROTO_HTTP, c->h->tls != NULL, -1);
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
	rsv_conn_gauge(h->rw, RSV_PROTO_HTTP, h->tls != NULL, 1);
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
	/* evhttp sets no error callback: out of descriptors it would spin; the gate pauses it */
	h->listener = l;
	return accept_gate_add(h->gate, l);
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
                struct tls_ctx *tls, struct connlim *limits, struct accept_gate *gate)
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
	h->gate = gate;
	h->proto = tls != NULL ? METRICS_HTTPS : METRICS_HTTP;
	wbuf_init_heap(&h->s.out, HTTP_OUT_MAX);
	wbuf_init_heap(&h->s.aux, HTTP_OUT_MAX);
	rc = worker_setup(h, fd);
	if (rc != IDR_OK) {
		http_worker_free(h);
		return rc;
	}
	*out = h;
	return IDR_OK;
}

void
http_worker_stop_accepting(struct http_worker *h)
{
	if (h != NULL && h->bound != NULL) {
		accept_gate_remove(h->gate, h->listener);
		evhttp_del_accept_socket(h->http, h->bound); /* frees the listener */
		h->bound = NULL;
		h->listener = NULL;
	}
}

void
http_worker_free(struct http_worker *h)
{
	size_t i;

	if (h == NULL) {
		return;
	}
	if (h->listener != NULL) {
		accept_gate_remove(h->gate, h->listener);
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
	wbuf_deinit(&h->s.out);
	wbuf_deinit(&h->s.aux);
	free(h->fresh);
	free(h);
}
