/* sfwd.c - HTTP requests forwarded between the servers of a sharded site (sfwd.h). */
#include "http/sfwd.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/num.h"
#include "base/wbuf.h"
#include "core/rsv.h"
#include "core/shard.h"
#include "hdl/hdl.h"

#define SFWD_HEAD_MAX  16384 /* status line and header fields of an answer */
#define SFWD_FIELD_MAX 8192  /* a header value passed on */

/* One forwarded request, from rsv_defer to rsv_pending_finish_full. */
struct sfwd_job {
	struct rsv_pending *p;
	struct bufferevent *bev;
	struct event_base *base;
	const struct shard *site;
	struct evbuffer *req; /* the request as sent, kept to send it to the next server */
	uint64_t rest;        /* servers still to ask (sfwd_fanout, sfwd_all) */
	uint64_t took;        /* sfwd_all: servers that took the change */
	bool all;             /* sfwd_all: every server, in order, while they answer 2xx */
	uint32_t server;
	sfwd_merge_fn merge; /* sfwd_collect: every server's answer, then merged */
	struct sfwd_answer got[SHARD_MAX_SERVERS];
	size_t ngot;
};

static int job_connect(struct sfwd_job *j);
static void job_fail(struct sfwd_job *j, const char *why);

bool
sfwd_elsewhere(const struct http_req *q, struct slice handle)
{
	const struct shard *s;
	uint32_t owner;

	if (q->rw == NULL || q->site_hop) {
		return false;
	}
	s = rsv_worker_shard(q->rw);
	if (s->nhttp == 0) {
		return false;
	}
	owner = shard_pick(s, handle);
	return owner != SHARD_EVERY && owner != s->self;
}

/* The Content-Type of an answer as static storage (rsv_pending_finish_full). */
static const char *
ctype_of(struct slice v)
{
	static const char *const known[] = {
	        HTTP_CT_JSON,
	        "text/html; charset=utf-8",
	        HTTP_CT_TEXT,
	        "image/svg+xml",
	        "application/ld+json; charset=utf-8",
	        "application/ld+json",
	        "text/vnd.graphviz; charset=utf-8",
	        "application/javascript; charset=utf-8",
	        "text/csv; charset=utf-8",
	        "image/png",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (slice_caseeq_cstr(v, known[i])) {
			return known[i];
		}
	}
	return "application/octet-stream";
}

static void
job_free(struct sfwd_job *j)
{
	if (j->bev != NULL) {
		bufferevent_free(j->bev);
	}
	if (j->req != NULL) {
		evbuffer_free(j->req);
	}
	for (size_t i = 0; i < j->ngot; i++) {
		free((void *)(uintptr_t)j->got[i].body.p);
	}
	free(j);
}

static void
job_fail(struct sfwd_job *j, const char *why)
{
	char msg[256];

	if (j->all) {
		(void)snprintf(msg, sizeof(msg),
		               "{\"responseCode\":2,\"message\":\"server %u of the site did not "
		               "answer (%s): the servers before it (mask 0x%llx) took the change; "
		               "send it again when server %u is back\"}",
		               (unsigned)j->server, why, (unsigned long long)j->took,
		               (unsigned)j->server);
	} else {
		(void)snprintf(msg, sizeof(msg),
		               "{\"responseCode\":2,\"message\":\"server %u of the site, which "
		               "holds this identifier, did not answer: %s\"}",
		               (unsigned)j->server, why);
	}
	log_notice("site forward to server %u: %s", (unsigned)j->server, why);
	rsv_pending_finish(j->p, 502, slice_cstr(msg));
	job_free(j);
}

/* ---------------------------------------------------------------- the answer */

/* The end of the head: the first CRLF CRLF in p (len bytes), or NULL. */
static const uint8_t *
head_end(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++) {
		if (p[i] == '\r' && memcmp(p + i, "\r\n\r\n", 4) == 0) {
			return p + i;
		}
	}
	return NULL;
}

/* The value of header field name in the head (h bytes, lines end CRLF), empty if none. */
static struct slice
head_field(struct slice h, const char *name)
{
	size_t nl = strlen(name), i = 0;

	while (i < h.len) {
		const uint8_t *e = memchr(h.p + i, '\n', h.len - i);
		size_t end = e != NULL ? (size_t)(e - h.p) : h.len, len = end - i;

		if (len > nl && h.p[i + nl] == ':' &&
		    slice_caseeq_cstr(slice_make(h.p + i, nl), name)) {
			size_t a = i + nl + 1, b = end;

			while (a < b && (h.p[a] == ' ' || h.p[a] == '\t')) {
				a++;
			}
			while (b > a && (h.p[b - 1] == '\r' || h.p[b - 1] == ' ')) {
				b--;
			}
			return slice_make(h.p + a, b - a);
		}
		i = end + 1;
	}
	return slice_make(NULL, 0);
}

int
sfwd_resp_parse(struct slice all, struct sfwd_resp *out, const char **why)
{
	const uint8_t *end = all.len > 0 ? head_end(all.p, all.len) : NULL;
	struct slice head, cl;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	if (end == NULL) {
		*why = "an answer without a complete head";
		return IDR_EPROTO;
	}
	if (all.len < 12 || memcmp(all.p, "HTTP/1.", 7) != 0 ||
	    (all.p[7] != '0' && all.p[7] != '1') || all.p[8] != ' ' || all.p[9] < '1' ||
	    all.p[9] > '5' || all.p[10] < '0' || all.p[10] > '9' || all.p[11] < '0' ||
	    all.p[11] > '9' || (all.len > 12 && all.p[12] != ' ' && all.p[12] != '\r')) {
		*why = "a malformed status line";
		return IDR_EPROTO;
	}
	out->status = (all.p[9] - '0') * 100 + (all.p[10] - '0') * 10 + (all.p[11] - '0');
	head = slice_make(all.p, (size_t)(end - all.p) + 2);
	out->body = slice_make(end + 4, all.len - (size_t)(end + 4 - all.p));
	cl = head_field(head, "Content-Length");
	if (cl.len > 0) {
		if (num_parse_u64_n((const char *)cl.p, cl.len, 0, UINT64_MAX, &n) != IDR_OK ||
		    n > out->body.len) {
			*why = "a truncated answer";
			return IDR_EPROTO;
		}
		out->body.len = (size_t)n;
	}
	out->ctype = head_field(head, "Content-Type");
	out->location = head_field(head, "Location");
	if (out->location.len > SFWD_LOC_MAX) {
		out->location = slice_make(NULL, 0);
	}
	return IDR_OK;
}

/* sfwd_collect: keep this server's answer; ask the next one, or merge them all. */
static void
collected(struct sfwd_job *j, int status, struct slice body)
{
	struct sfwd_answer *a = &j->got[j->ngot];
	uint8_t *copy = malloc(body.len + 1);
	struct wbuf out;
	int st;

	if (copy == NULL) {
		job_fail(j, "out of memory");
		return;
	}
	if (body.len > 0) {
		memcpy(copy, body.p, body.len);
	}
	copy[body.len] = '\0';
	a->server = j->server;
	a->status = status;
	a->body = slice_make(copy, body.len);
	j->ngot++;
	bufferevent_free(j->bev);
	j->bev = NULL;
	if (j->rest != 0) {
		if (job_connect(j) != IDR_OK) {
			job_fail(j, "connection failed");
		}
		return;
	}
	wbuf_init_heap(&out, 4096);
	st = j->merge(j->got, j->ngot, &out);
	if (wbuf_error(&out) != IDR_OK) {
		wbuf_reset(&out);
		wbuf_lit(&out, "{\"responseCode\":2,\"message\":\"out of memory\"}");
		st = 500;
	}
	rsv_pending_finish(j->p, st, wbuf_slice(&out));
	wbuf_deinit(&out);
	job_free(j);
}

/* The whole answer is in: status, head, body (Connection: close, so EOF ends it). */
static void
job_answer(struct sfwd_job *j)
{
	struct evbuffer *in = bufferevent_get_input(j->bev);
	size_t len = evbuffer_get_length(in);
	const uint8_t *all = evbuffer_pullup(in, -1);
	char location[SFWD_LOC_MAX + 1];
	struct sfwd_resp r;
	const char *why;
	int status;

	if (all == NULL || sfwd_resp_parse(slice_make(all, len), &r, &why) != IDR_OK) {
		job_fail(j, all == NULL ? "an empty answer" : why);
		return;
	}
	status = r.status;
	if (r.location.len > 0) {
		memcpy(location, r.location.p, r.location.len);
	}
	location[r.location.len] = '\0';
	if (j->merge != NULL) {
		collected(j, status, r.body);
		return;
	}
	if (j->all && status / 100 == 2) {
		j->took |= (uint64_t)1 << j->server;
	} else if (j->all && j->took != 0) {
		log_warn("site-wide change: server %u answered %d after servers 0x%llx took it",
		         (unsigned)j->server, status, (unsigned long long)j->took);
	}
	if (j->rest != 0 && ((j->all && status / 100 == 2) || (!j->all && status == 404))) {
		/* sfwd_all: on to the next server; sfwd_fanout: not there, ask the next one */
		bufferevent_free(j->bev);
		j->bev = NULL;
		if (job_connect(j) != IDR_OK) {
			job_fail(j, "connection failed");
		}
		return;
	}
	rsv_pending_finish_full(j->p, status, r.body, r.location.len > 0 ? location : NULL,
	                        ctype_of(r.ctype));
	job_free(j);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct sfwd_job *j = arg;

	if (evbuffer_get_length(bufferevent_get_input(bev)) > SFWD_BODY_MAX + SFWD_HEAD_MAX) {
		job_fail(j, "an answer over the size limit");
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct sfwd_job *j = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		return;
	}
	if (what & BEV_EVENT_EOF) {
		job_answer(j);
	} else if (what & BEV_EVENT_TIMEOUT) {
		job_fail(j, "timed out");
	} else {
		job_fail(j, "connection failed");
	}
}

/* The client went away: stop, and release p. */
static void
on_cancel(void *arg, struct rsv_pending *p)
{
	struct sfwd_job *j = arg;

	rsv_pending_finish(p, 0, slice_make(NULL, 0));
	job_free(j);
}

/* A header line "Name: value\r\n" if value is not empty and has no line break. */
static void
put_field(struct evbuffer *out, const char *name, struct slice v)
{
	if (v.len == 0 || v.len > SFWD_FIELD_MAX || memchr(v.p, '\r', v.len) != NULL ||
	    memchr(v.p, '\n', v.len) != NULL) {
		return;
	}
	evbuffer_add_printf(out, "%s: ", name);
	evbuffer_add(out, v.p, v.len);
	evbuffer_add(out, "\r\n", 2);
}

static const char *
method_name(unsigned m)
{
	switch (m) {
	case HTTP_M_GET:
		return "GET";
	case HTTP_M_HEAD:
		return "GET"; /* the body is dropped by our own transport */
	case HTTP_M_POST:
		return "POST";
	case HTTP_M_PUT:
		return "PUT";
	case HTTP_M_DELETE:
		return "DELETE";
	default:
		return NULL;
	}
}

/* Connect to the next server of j->rest and send the request. @return IDR_OK or IDR_EIO. */
static int
job_connect(struct sfwd_job *j)
{
	struct timeval tv = {SFWD_TIMEOUT_MS / 1000, (SFWD_TIMEOUT_MS % 1000) * 1000};
	const struct addr *a;

	if (j->rest == 0) {
		return IDR_EIO;
	}
	j->server = (uint32_t)__builtin_ctzll(j->rest);
	j->rest &= j->rest - 1;
	a = &j->site->http[j->server];
	j->bev = bufferevent_socket_new(j->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (j->bev == NULL) {
		return IDR_EIO;
	}
	bufferevent_setcb(j->bev, on_read, NULL, on_event, j);
	bufferevent_set_timeouts(j->bev, &tv, &tv);
	if (evbuffer_add(bufferevent_get_output(j->bev), evbuffer_pullup(j->req, -1),
	                 evbuffer_get_length(j->req)) != 0 ||
	    bufferevent_enable(j->bev, EV_READ | EV_WRITE) != 0 ||
	    bufferevent_socket_connect(j->bev, (const struct sockaddr *)&a->ss, (int)a->len) != 0) {
		bufferevent_free(j->bev);
		j->bev = NULL;
		return IDR_EIO;
	}
	return IDR_OK;
}

/* Forward q to the servers of mask in order (the first answer that is not a 404 wins). */
static bool
forward(struct http_req *q, uint64_t mask, struct slice handle, bool all, sfwd_merge_fn merge)
{
	struct sfwd_job *j;
	const char *m = method_name(q->method);

	if (m == NULL || strchr(q->raw_target, '\r') != NULL ||
	    strchr(q->raw_target, '\n') != NULL) {
		return false;
	}
	if (rsv_worker_base(q->rw) == NULL || !http_deferrable(q)) {
		return false; /* no event loop (tests): answered here as before */
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->req = evbuffer_new()) == NULL) {
		free(j);
		http_api_error_at(q, 503, HDL_RC_SERVER_BUSY, "handle", handle,
		                  "too many requests in progress");
		return true;
	}
	j->base = rsv_worker_base(q->rw);
	j->site = rsv_worker_shard(q->rw);
	j->rest = mask;
	j->all = all;
	j->merge = merge;
	evbuffer_add_printf(j->req, "%s %s HTTP/1.1\r\n", m, q->raw_target);
	put_field(j->req, "Host", q->host);
	put_field(j->req, "Authorization", q->authorization);
	put_field(j->req, "Accept-Language", q->accept_language);
	put_field(j->req, "Content-Type", q->content_type);
	evbuffer_add_printf(j->req, "%s: %s\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
	                    SFWD_HOP_HEADER, q->tls ? "tls" : "plain", q->body.len);
	if (q->body.len > 0) {
		evbuffer_add(j->req, q->body.p, q->body.len);
	}
	if (job_connect(j) != IDR_OK) {
		job_free(j);
		http_api_error_at(q, 502, HDL_RC_ERROR, "handle", handle,
		                  "the server of the site that holds it cannot be reached");
		return true;
	}
	j->p = http_defer(q, on_cancel, j);
	if (j->p == NULL) {
		job_free(j);
		http_api_error_at(q, 503, HDL_RC_SERVER_BUSY, "handle", handle,
		                  "too many requests in progress");
		return true;
	}
	q->pending = true;
	return true;
}

bool
sfwd_route(struct http_req *q, struct slice handle)
{
	if (!sfwd_elsewhere(q, handle)) {
		return false;
	}
	return forward(q, (uint64_t)1 << shard_pick(rsv_worker_shard(q->rw), handle), handle, false,
	               NULL);
}

bool
sfwd_fanout(struct http_req *q)
{
	const struct shard *s;
	uint64_t mask = 0;

	if (q->rw == NULL || q->site_hop) {
		return false;
	}
	s = rsv_worker_shard(q->rw);
	for (uint32_t i = 0; i < s->nhttp; i++) {
		mask |= i != s->self ? (uint64_t)1 << i : 0;
	}
	return mask != 0 && forward(q, mask, slice_make(NULL, 0), false, NULL);
}

bool
sfwd_collect(struct http_req *q, sfwd_merge_fn merge)
{
	const struct shard *s;
	uint64_t mask;

	if (q->rw == NULL || q->site_hop) {
		return false;
	}
	s = rsv_worker_shard(q->rw);
	if (s->nhttp <= 1) {
		return false;
	}
	mask = s->nhttp == 64 ? UINT64_MAX : ((uint64_t)1 << s->nhttp) - 1;
	return forward(q, mask, slice_make(NULL, 0), false, merge);
}

bool
sfwd_all(struct http_req *q)
{
	const struct shard *s;
	uint64_t mask;

	if (q->rw == NULL || q->site_hop) {
		return false;
	}
	s = rsv_worker_shard(q->rw);
	if (s->n <= 1) {
		return false;
	}
	if (s->nhttp == 0) {
		http_api_error_at(q, 421, HDL_RC_SERVER_NOT_RESP, NULL, slice_make(NULL, 0),
		                  "a site-wide change on a site of several servers needs "
		                  "site_http_servers, so that it reaches every server");
		return true;
	}
	mask = s->nhttp == 64 ? UINT64_MAX : ((uint64_t)1 << s->nhttp) - 1;
	return forward(q, mask, slice_make(NULL, 0), true, NULL);
}
