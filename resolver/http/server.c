/*
 * server.c - our HTTP/1.1 layer on libevent's event loop (server.h): connections, framing,
 * deadlines, TLS, pipelining, and the transport of struct http_req (req.h).
 *
 * I/O: one persistent read event per connection. A readable socket is read once into the
 * worker's 64 KiB buffer (or, while a request is incomplete, into the connection's own
 * buffer), the complete requests in it are parsed (parse.h) and answered, and each answer is
 * written at once with one writev (TLS: one SSL_write of the gathered bytes). Only when the
 * socket would block is the rest copied into the connection's output buffer and a write event
 * armed. A keep-alive request therefore costs one read and one writev (plus a share of
 * epoll_wait), and an idle connection holds no buffer at all.
 *
 * Pipelining: requests are answered in order. An answer that cannot go out yet (an earlier
 * request is still pending in the dispatcher: a Handle message over HTTP waiting for the
 * writer) waits in its slot; slots leave in order as soon as the head one is ready. At most
 * http_max_pipeline requests wait per connection; past that the connection is not read.
 *
 * Deadlines count from the start of what they bound, not from the last byte (one timer per
 * connection, re-armed on state changes only):
 *   - TLS handshake and request head: http_header_timeout from the first byte (for the first
 *     request: from the accept);
 *   - request body: http_header_timeout + received / http_body_min_rate from the end of the
 *     head, so a client must keep sending at the minimum rate;
 *   - idle keep-alive connection: http_idle_timeout from its last answer;
 *   - an answer the client does not read: http_header_timeout without progress.
 * A head that times out is answered 408 when nothing else is in flight; others just close.
 *
 * Errors of framing (parse.h) get their status (400, 413, 414, 417, 431, 501, 505) and the
 * connection closes. Handle-over-HTTP: a POST with Content-Type application/x-hdl-message on
 * any path is a Handle message for the dispatcher (the route table's "native" row); its answer
 * goes back as application/x-hdl-message, also when the dispatcher deferred it.
 */
#include "http/server.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "core/shard.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "http/api_journal.h"
#include "http/html.h"
#include "http/idis.h"
#include "http/parse.h"
#include "http/req.h"
#include "http/route.h"
#include "http/uri.h"
#include "net/accept.h"
#include "net/connlim.h"
#include "net/tls.h"

#define RBUF_SIZE       (64u * 1024)  /* the worker's read buffer */
#define IN_STEP         (16u * 1024)  /* a connection's input buffer grows by at least this */
#define OUT_HIGH        (256u * 1024) /* stop reading while this much output waits */
#define HTTP_OUT_KEEP   (1u << 20)    /* reply buffer capacity kept between requests */
#define HTTP_MAX_PARAMS (2 * HTTP_MAX_FILTER + 32)
#define MAX_FIELDS      128 /* header fields of a request (more: 431) */
#define MAX_IOV         16
#define HDR_MAX         (16u * 1024) /* response header bytes */
#define CT_HDL          "application/x-hdl-message"
#define STREAM_CHUNK    ((size_t)64 * 1024) /* a streamed body is read this much at a time */
#define CHUNK_HEAD      10                  /* "%08zx\r\n": a chunk's size line, fixed width */
#define STREAM_ROUNDS   16                  /* OUT_HIGH rounds of a stream per event at most */
#define LEN_CHUNKED     SIZE_MAX            /* make_head: Transfer-Encoding: chunked */

enum cstate {
	C_TLS,  /* TLS handshake */
	C_IDLE, /* waiting for a request; nothing buffered */
	C_HEAD, /* part of a request head buffered */
	C_BODY, /* a head parsed, its body arriving */
	C_BUSY  /* answers in flight (pending or waiting for the socket) */
};

/* One request's place in the order of answers. */
struct slot {
	struct slot *next;
	uint64_t id;
	bool ready;
	bool close; /* the connection closes after this answer */
	bool head;  /* HEAD: no body in the answer */
	unsigned minor;
	const char *label;
	uint64_t t0;
	uint8_t *bytes; /* the answer, when ready but not first in line */
	size_t len;
};

struct hconn {
	struct http_worker *h;
	struct hconn *prev, *next;
	int fd;
	bool closed; /* conn_close ran; the memory goes when the event that closed it ends */
	/* without a socket (http_worker_feed): reads come from mem_in, writes go to mem_out */
	struct wbuf *mem_out;
	const uint8_t *mem_in;
	size_t mem_len, mem_off, mem_step;
	struct addr peer;
	struct tls_conn *tls;
	struct event *rev, *wev, *timer;
	struct rsv_conn *rc;
	enum cstate state;
	uint64_t since_ms;  /* when the current state's deadline started */
	uint64_t body_got;  /* body bytes received so far (C_BODY) */
	bool counted;       /* in connlim and the gauge */
	bool reading;       /* rev is added */
	bool writing;       /* wev is added */
	bool closing;       /* no more requests: close once the output is out */
	bool sent_continue; /* 100 Continue sent for the request being read */
	bool in_process;    /* process() runs: answers completing now must not re-enter it */
	bool answered;      /* a request was answered in this round (the idle clock restarts) */
	bool in_chunked;    /* the chunked body of the request at the head of in is being decoded */
	struct http_chunk chunk;
	size_t chunk_raw; /* raw body bytes decoded so far (from the end of the head) */
	size_t chunk_out; /* payload bytes produced so far */
	uint8_t *in;      /* unconsumed input (heap), in_len bytes */
	size_t in_len, in_cap;
	uint8_t *out; /* output waiting for the socket: out[out_off..out_len) */
	size_t out_len, out_off, out_cap;
	struct slot *slots, **slots_tail;
	size_t nslots;
	uint64_t next_slot;
	struct hstream *stream; /* a body being streamed (http_reply_stream), NULL: none */
};

/* A streamed body: its source and the read event on it (armed while output is low). */
struct hstream {
	struct http_stream src;
	struct event *ev;
	bool armed;
	bool done; /* its end was read and the last chunk queued */
};

struct http_worker {
	struct event_base *base;
	struct rsv_worker *rw;
	struct tls_ctx *tls;
	struct connlim *limits;
	struct accept_gate *gate;
	enum metrics_proto proto;
	struct evconnlistener *listener;
	struct hconn *conns;
	size_t nconns;
	bool stopping;
	uint8_t rbuf[RBUF_SIZE];
	struct http_scratch s;
	struct wbuf hdrs;   /* headers a handler added to the answer being made */
	struct wbuf head;   /* the answer's status line and headers */
	struct wbuf gather; /* TLS: an answer gathered for one SSL_write */
	char date[40];      /* the Date header value, per second */
	time_t date_sec;
	uint8_t scratch[URI_MAX_TARGET];
	struct uri_param params[HTTP_MAX_PARAMS];
	struct http_field fields[MAX_FIELDS];
};

/* What the transport keeps for the request being answered (http_req.tx_arg). */
struct txreq {
	struct hconn *c;
	struct slot *slot; /* the slot of a request whose answer cannot go out at once */
	uint64_t t0;
	const char *label;
	unsigned minor;
	bool keep_alive;
};

static void conn_close(struct hconn *c);
static bool reap(struct hconn *c);
static void expire(struct hconn *c);
static void flush_slots(struct hconn *c);
static struct slot *slot_add(struct hconn *c, const struct txreq *x, bool head);
static void resume(struct hconn *c);
static void stream_pump(struct hconn *c);

/* An iovec over const bytes (writev and our copies never write through it). */
static struct iovec
iov_make(const void *p, size_t n)
{
	struct iovec v;

	memcpy(&v.iov_base, &p, sizeof(p));
	v.iov_len = n;
	return v;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t
now_ms(struct http_worker *h)
{
	struct timeval tv;

	event_base_gettimeofday_cached(h->base, &tv);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static const struct conf *
conf_of(const struct hconn *c)
{
	return rsv_worker_conf(c->h->rw);
}

/* ---------------------------------------------------------------- deadlines */

/* The deadline of the current state, in ms of the cached clock (0: none). */
static uint64_t
deadline_of(const struct hconn *c)
{
	const struct conf *cf = conf_of(c);
	uint64_t head = cf->http_header_timeout * 1000;

	switch (c->state) {
	case C_IDLE:
		return c->since_ms + cf->http_idle_timeout * 1000;
	case C_TLS:
	case C_HEAD:
		return c->since_ms + head;
	case C_BODY:
		return c->since_ms + head +
		       (cf->http_body_min_rate > 0 ? c->body_got * 1000 / cf->http_body_min_rate
		                                   : UINT64_MAX / 4);
	case C_BUSY:
		return c->since_ms +
		       (c->out_len > c->out_off ? head : cf->http_idle_timeout * 1000);
	}
	return 0;
}

static void
arm(struct hconn *c)
{
	if (c->timer == NULL) {
		return; /* no socket: no clock */
	}
	uint64_t d = deadline_of(c), now = now_ms(c->h);
	struct timeval tv = {0, 0};

	if (d > now) {
		tv.tv_sec = (time_t)((d - now) / 1000);
		tv.tv_usec = (suseconds_t)((d - now) % 1000) * 1000;
	}
	evtimer_add(c->timer, &tv);
}

/* Enter a state; its deadline starts now (unless keep and the state is unchanged). */
static void
set_state(struct hconn *c, enum cstate s)
{
	if (c->state == s) {
		return;
	}
	c->state = s;
	c->since_ms = now_ms(c->h);
	arm(c);
}

/* ---------------------------------------------------------------- output */

static bool
out_reserve(struct hconn *c, size_t more)
{
	size_t need, cap;
	uint8_t *p;

	if (c->out_off > 0 && c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	}
	need = c->out_len + more;
	if (need <= c->out_cap) {
		return true;
	}
	if (c->out_off > 0) { /* compact first */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		need = c->out_len + more;
		if (need <= c->out_cap) {
			return true;
		}
	}
	cap = c->out_cap > 0 ? c->out_cap : 4096;
	while (cap < need) {
		cap *= 2;
	}
	p = realloc(c->out, cap);
	if (p == NULL) {
		return false;
	}
	c->out = p;
	c->out_cap = cap;
	return true;
}

static bool
out_append(struct hconn *c, const struct iovec *iov, size_t n, size_t skip)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		p += skip;
		len -= skip;
		skip = 0;
		if (!out_reserve(c, len)) {
			return false;
		}
		memcpy(c->out + c->out_len, p, len);
		c->out_len += len;
	}
	return true;
}

/* Arm or disarm one of a connection's events; *armed follows (no system call when unchanged). */
static void
want(struct event *ev, bool *armed, bool on)
{
	if (ev == NULL || on == *armed) {
		return;
	}
	if (on) {
		event_add(ev, NULL);
	} else {
		event_del(ev);
	}
	*armed = on;
}

static void
want_write(struct hconn *c, bool on)
{
	want(c->wev, &c->writing, on);
}

static void
want_read(struct hconn *c, bool on)
{
	want(c->rev, &c->reading, on);
}

/*
 * Write to the socket. @return bytes written (>= 0; 0 when it would block), or a negative code
 * (the connection is broken). For TLS, *want says what a blocked write waits for.
 */
static ssize_t
sock_writev(struct hconn *c, const struct iovec *iov, int n, int *want)
{
	ssize_t w;

	*want = TLS_WANT_WRITE;
	if (c->mem_out != NULL) {
		size_t total = 0;

		for (int i = 0; i < n; i++) {
			wbuf_bytes(c->mem_out, iov[i].iov_base, iov[i].iov_len);
			total += iov[i].iov_len;
		}
		return wbuf_error(c->mem_out) != IDR_OK ? wbuf_error(c->mem_out) : (ssize_t)total;
	}
	if (c->tls == NULL) {
		w = writev(c->fd, iov, n);
		if (w < 0) {
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0
			                                                                 : -errno;
		}
		return w;
	}
	if (n == 1) {
		w = tls_conn_write(c->tls, iov[0].iov_base, iov[0].iov_len, want);
	} else {
		struct wbuf *g = &c->h->gather;

		wbuf_reset(g);
		for (int i = 0; i < n; i++) {
			wbuf_bytes(g, iov[i].iov_base, iov[i].iov_len);
		}
		if (wbuf_error(g) != IDR_OK) {
			return wbuf_error(g);
		}
		w = tls_conn_write(c->tls, wbuf_data(g), wbuf_len(g), want);
	}
	return w == IDR_EAGAIN ? 0 : w;
}

/* Try to send what waits in c->out. @return false if the connection was closed. */
static bool
drain(struct hconn *c)
{
	while (c->out_off < c->out_len) {
		struct iovec iov = {c->out + c->out_off, c->out_len - c->out_off};
		int want;
		ssize_t w = sock_writev(c, &iov, 1, &want);

		if (w < 0) {
			conn_close(c);
			return false;
		}
		if (w == 0) {
			/* TLS may need to read first (renegotiation is off: only a KeyUpdate) */
			want_write(c, true);
			return true;
		}
		c->out_off += (size_t)w;
		c->since_ms = now_ms(c->h); /* progress: the stall deadline restarts */
	}
	c->out_off = c->out_len = 0;
	want_write(c, false);
	if (c->out_cap > HTTP_OUT_KEEP) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	return true;
}

/*
 * Send bytes in order after what is already waiting: at once when nothing waits (the rest,
 * if the socket blocks, is kept). @return false if the connection was closed.
 */
static bool
send_iov(struct hconn *c, const struct iovec *iov, int n)
{
	size_t total = 0;
	ssize_t w = 0;
	int want;

	for (int i = 0; i < n; i++) {
		total += iov[i].iov_len;
	}
	if (c->out_len == c->out_off) {
		w = sock_writev(c, iov, n, &want);
		if (w < 0) {
			conn_close(c);
			return false;
		}
		if ((size_t)w == total) {
			return true;
		}
	}
	if (!out_append(c, iov, (size_t)n, (size_t)w)) {
		conn_close(c);
		return false;
	}
	c->since_ms = now_ms(c->h);
	return drain(c);
}

/* ---------------------------------------------------------------- answers */

static const char *
reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 300:
		return "Multiple Choices";
	case 302:
		return "Found";
	case 307:
		return "Temporary Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Status";
	}
}

static const char *
date_now(struct http_worker *h)
{
	struct timeval tv;
	struct tm tm;

	event_base_gettimeofday_cached(h->base, &tv);
	if (tv.tv_sec != h->date_sec && gmtime_r(&tv.tv_sec, &tm) != NULL) {
		strftime(h->date, sizeof(h->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		h->date_sec = tv.tv_sec;
	}
	return h->date;
}

/* The status line and headers of an answer into h->head. */
static void
make_head(struct http_worker *h, int status, const char *ctype, size_t length, bool close,
          unsigned minor)
{
	struct wbuf *w = &h->head;

	wbuf_reset(w);
	wbuf_lit(w, "HTTP/1.1 ");
	wbuf_dec(w, (unsigned)status);
	wbuf_u8(w, ' ');
	wbuf_cstr(w, reason(status));
	wbuf_lit(w, "\r\nDate: ");
	wbuf_cstr(w, date_now(h));
	wbuf_lit(w, "\r\nServer: idrd\r\n");
	if (ctype != NULL) {
		wbuf_lit(w, "Content-Type: ");
		wbuf_cstr(w, ctype);
		wbuf_lit(w, "\r\n");
	}
	if (length == LEN_CHUNKED) {
		wbuf_lit(w, "Transfer-Encoding: chunked\r\n");
	} else if (status != 204 && status >= 200) {
		wbuf_lit(w, "Content-Length: ");
		wbuf_dec(w, length);
		wbuf_lit(w, "\r\n");
	}
	if (close) {
		wbuf_lit(w, "Connection: close\r\n");
	} else if (minor == 0) {
		wbuf_lit(w, "Connection: keep-alive\r\n");
	}
	wbuf_bytes(w, wbuf_data(&h->hdrs), wbuf_len(&h->hdrs));
	wbuf_bytes(w, "\r\n", 2);
}

/* Count an answer in the metrics and the debug log. */
static void
account(struct http_worker *h, const char *label, int status, uint64_t t0)
{
	metrics_http(rsv_worker_metrics(h->rw), h->proto, label, status, mono_ns() - t0);
}

/*
 * An answer is complete: send it now if it is first in line, else keep it in its slot. Closes
 * the connection afterwards when asked.
 */
static void
deliver(struct hconn *c, struct slot *s, const struct iovec *iov, int n, bool close)
{
	if (s != NULL) {
		size_t total = 0;

		for (int i = 0; i < n; i++) {
			total += iov[i].iov_len;
		}
		s->bytes = malloc(total > 0 ? total : 1);
		if (s->bytes == NULL) {
			conn_close(c);
			return;
		}
		for (int i = 0; i < n; i++) {
			if (iov[i].iov_len > 0) { /* an empty body may have no buffer */
				memcpy(s->bytes + s->len, iov[i].iov_base, iov[i].iov_len);
				s->len += iov[i].iov_len;
			}
		}
		s->ready = true;
		s->close = s->close || close;
		flush_slots(c);
		return;
	}
	if (!send_iov(c, iov, n)) {
		return;
	}
	if (close) {
		c->closing = true;
		if (c->out_len == c->out_off) {
			conn_close(c);
		}
	}
}

/* http_tx.header */
static void
tx_header(struct http_req *q, const char *key, const char *value)
{
	struct http_worker *h = ((struct txreq *)q->tx_arg)->c->h;

	/* a value with a line break would forge headers: never sent */
	if (strpbrk(value, "\r\n") != NULL || strpbrk(key, "\r\n: ") != NULL) {
		log_warn("http: header %s not sent: a line break in it", key);
		return;
	}
	wbuf_cstr(&h->hdrs, key);
	wbuf_lit(&h->hdrs, ": ");
	wbuf_cstr(&h->hdrs, value);
	wbuf_lit(&h->hdrs, "\r\n");
}

/* http_tx.reply */
static void
tx_reply(struct http_req *q, int status, const char *ctype, const struct slice *parts, size_t n)
{
	struct txreq *x = q->tx_arg;
	struct hconn *c = x->c;
	struct http_worker *h = c->h;
	struct iovec iov[MAX_IOV];
	size_t total = 0;
	int niov = 1;
	bool close = !x->keep_alive || q->close || c->closing || h->stopping;

	for (size_t i = 0; i < n; i++) {
		total += parts[i].len;
	}
	make_head(h, status, ctype, total, close, x->minor);
	if (wbuf_error(&h->head) != IDR_OK || n + 1 > MAX_IOV) {
		wbuf_reset(&h->hdrs);
		make_head(h, 500, NULL, 0, true, x->minor);
		n = 0;
		close = true;
		status = 500;
	}
	iov[0] = iov_make(wbuf_data(&h->head), wbuf_len(&h->head));
	for (size_t i = 0; i < n && !q->head; i++) {
		if (parts[i].len > 0) {
			iov[niov++] = iov_make(parts[i].p, parts[i].len);
		}
	}
	wbuf_reset(&h->hdrs);
	account(h, x->label, status, x->t0);
	if (log_enabled(LOG_DEBUG)) {
		log_debug("http: %.200s -> %d", q->raw_target, status);
	}
	deliver(c, x->slot, iov, niov, close);
}

/* http_tx.ticket: the slot a deferred answer fills (on_hdl_done); made here if needed. */
static uint64_t
tx_ticket(struct http_req *q)
{
	struct txreq *x = q->tx_arg;

	if (x->slot == NULL) { /* a handler that will answer later needs its place in line */
		x->slot = slot_add(x->c, x, q->head);
	}
	return x->slot != NULL ? x->slot->id : 0;
}

/* ---------------------------------------------------------------- streamed bodies */

/* Give the source back (fd closed first, as http_stream.release says). */
static void
stream_free(struct hconn *c)
{
	struct hstream *s = c->stream;

	if (s == NULL) {
		return;
	}
	c->stream = NULL;
	if (s->ev != NULL) {
		event_free(s->ev);
	}
	close(s->src.fd);
	s->src.release(s->src.arg);
	free(s);
}

static void
on_stream_event(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;

	(void)fd;
	(void)what;
	stream_pump(c);
	reap(c);
}

/* Read one chunk of the source into c->out. @return 1 read, 0 would block, -1 end, -2 error */
static int
stream_read(struct hconn *c, struct hstream *s)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *line;
	ssize_t n;

	if (!out_reserve(c, CHUNK_HEAD + STREAM_CHUNK + 2)) {
		return -2;
	}
	do {
		n = read(s->src.fd, c->out + c->out_len + CHUNK_HEAD, STREAM_CHUNK);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -2;
	}
	if (n == 0) {
		return -1;
	}
	line = c->out + c->out_len; /* n <= STREAM_CHUNK: 8 hex digits are plenty */
	for (int i = 0; i < 8; i++) {
		line[i] = (uint8_t)hex[((size_t)n >> (4 * (7 - i))) & 0xfu];
	}
	line[8] = '\r';
	line[9] = '\n';
	memcpy(c->out + c->out_len + CHUNK_HEAD + (size_t)n, "\r\n", 2);
	c->out_len += CHUNK_HEAD + (size_t)n + 2;
	c->since_ms = now_ms(c->h); /* progress: the deadline restarts */
	return 1;
}

/* Arm or disarm the source's read event. */
static void
stream_want(struct hstream *s, bool on)
{
	if (on != s->armed) {
		if (on) {
			event_add(s->ev, NULL);
		} else {
			event_del(s->ev);
		}
		s->armed = on;
	}
}

/*
 * Move the source to the socket, reading only while less than OUT_HIGH waits: when the socket
 * blocks, the source's event is off until the write event drains the output, so a slow client
 * holds the producer back (its pipe fills, its writer blocks). At most STREAM_ROUNDS rounds
 * per call, so that one fast stream does not starve the worker's other connections.
 */
static void
stream_pump(struct hconn *c)
{
	struct hstream *s = c->stream;
	int r = 1;

	for (int round = 0; s != NULL && round < STREAM_ROUNDS; round++) {
		r = 1;
		while (!s->done && r == 1 && c->out_len - c->out_off < OUT_HIGH) {
			r = stream_read(c, s);
		}
		if (r == -2 || (!s->done && r == -1 && !s->src.complete(s->src.arg)) ||
		    (!s->done && r == -1 && !out_reserve(c, 5))) {
			conn_close(c); /* no last chunk: the client sees the body cut */
			return;
		}
		if (!s->done && r == -1) {
			memcpy(c->out + c->out_len, "0\r\n\r\n", 5);
			c->out_len += 5;
			s->done = true;
		}
		if (!drain(c)) {
			return;
		}
		if (s->done) {
			stream_want(s, false);
			if (c->out_len == c->out_off) {
				conn_close(c); /* a streamed answer always ends its connection */
			}
			return;
		}
		if (r == 0 || c->out_len != c->out_off) {
			/* the source is dry (wait for it) or the socket is full (the write event
			 * calls again once it drained) */
			stream_want(s, r == 0);
			return;
		}
	}
	if (s != NULL) {
		stream_want(s, true); /* more at the next turn of the loop */
	}
}

/* http_tx.stream */
static void
tx_stream(struct http_req *q, int status, const char *ctype, const struct http_stream *st)
{
	struct txreq *x = q->tx_arg;
	struct hconn *c = x->c;
	struct http_worker *h = c->h;
	struct hstream *s = NULL;
	struct slice busy = SLICE_LIT("cannot stream the answer now\n");
	struct iovec head;
	int fl = fcntl(st->fd, F_GETFL);

	/* only first in line (an answer before it would have to wait in memory), over a socket */
	if (x->slot == NULL && c->stream == NULL && c->mem_out == NULL && h->base != NULL &&
	    fl >= 0 && fcntl(st->fd, F_SETFL, fl | O_NONBLOCK) == 0) {
		s = calloc(1, sizeof(*s));
	}
	if (s != NULL) {
		s->ev = event_new(h->base, st->fd, EV_READ | EV_PERSIST, on_stream_event, c);
	}
	if (s == NULL || s->ev == NULL) {
		free(s);
		close(st->fd);
		st->release(st->arg);
		wbuf_reset(&h->hdrs);
		tx_reply(q, x->slot != NULL ? 503 : 500, HTTP_CT_TEXT, &busy, 1);
		return;
	}
	s->src = *st;
	c->stream = s;
	c->closing = true;
	make_head(h, status, ctype, LEN_CHUNKED, true, x->minor);
	wbuf_reset(&h->hdrs);
	account(h, x->label, status, x->t0);
	head = iov_make(wbuf_data(&h->head), wbuf_len(&h->head));
	if (wbuf_error(&h->head) != IDR_OK || !out_append(c, &head, 1, 0)) {
		conn_close(c);
		return;
	}
	/* the first chunk goes when the source has one (never from here: the caller may still
	 * use the worker's read buffer) */
	event_add(s->ev, NULL);
	s->armed = true;
}

static const struct http_tx our_tx = {tx_header, tx_reply, tx_ticket, tx_stream};

/* A slot at the end of the line. */
static struct slot *
slot_add(struct hconn *c, const struct txreq *x, bool head)
{
	struct slot *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		return NULL;
	}
	s->id = ++c->next_slot;
	s->head = head;
	s->minor = x->minor;
	s->label = x->label;
	s->t0 = x->t0;
	s->close = !x->keep_alive;
	*c->slots_tail = s;
	c->slots_tail = &s->next;
	c->nslots++;
	return s;
}

static void
slot_pop(struct hconn *c)
{
	struct slot *s = c->slots;

	c->slots = s->next;
	if (c->slots == NULL) {
		c->slots_tail = &c->slots;
	}
	c->nslots--;
	free(s->bytes);
	free(s);
}

/* Send the ready answers at the head of the line. */
static void
flush_slots(struct hconn *c)
{
	while (c->slots != NULL && c->slots->ready) {
		struct slot *s = c->slots;
		struct iovec iov = {s->bytes, s->len};
		bool close = s->close;

		if (!send_iov(c, &iov, 1)) {
			return;
		}
		slot_pop(c);
		if (close) {
			c->closing = true;
			while (c->slots != NULL) {
				slot_pop(c); /* nothing after it is sent */
			}
			if (c->out_len == c->out_off) {
				conn_close(c);
			}
			return;
		}
	}
	if (!c->in_process) {
		resume(c);
	}
}

/* The dispatcher's deferred answer to a Handle message over HTTP (rsv_done_fn). */
static void
on_hdl_done(void *arg, const struct rsv_done *d)
{
	struct hconn *c = arg;
	struct http_worker *h = c->h;
	struct slot *s;
	struct iovec iov[2];
	bool close;
	int status;

	for (s = c->slots; s != NULL && s->id != d->tag; s = s->next) {
	}
	if (s == NULL || s->ready) {
		return;
	}
	close = s->close || d->action == RSV_CLOSE || h->stopping;
	wbuf_reset(&h->hdrs);
	if (d->status != 0) { /* a JSON answer of a handler that waited (rsv_pending_finish) */
		status = d->status;
		if (conf_of(c)->http_cors) {
			wbuf_lit(&h->hdrs, "Access-Control-Allow-Origin: *\r\n");
		}
		if (d->ctype != NULL && strcmp(d->ctype, HTML_CONTENT_TYPE) == 0) {
			/* a page answered later (http/recur.h): the headers of http_reply_html */
			wbuf_lit(&h->hdrs, "Content-Security-Policy: " HTML_CSP "\r\n"
			                   "X-Content-Type-Options: nosniff\r\n"
			                   "Vary: Accept-Language\r\n");
		}
		if (d->location != NULL && strpbrk(d->location, "\r\n") == NULL) {
			wbuf_lit(&h->hdrs, "Location: ");
			wbuf_cstr(&h->hdrs, d->location);
			wbuf_lit(&h->hdrs, "\r\n");
		}
		make_head(h, status, d->ctype != NULL ? d->ctype : HTTP_CT_JSON, d->answer.len,
		          close, s->minor);
		iov[1] = iov_make(d->answer.p, !s->head ? d->answer.len : 0);
	} else {
		status = d->action == RSV_DROP || d->answer.len == 0 ? 400 : 200;
		make_head(h, status, status == 200 ? CT_HDL : NULL,
		          status == 200 ? d->answer.len : 0, close, s->minor);
		iov[1] = iov_make(d->answer.p, status == 200 && !s->head ? d->answer.len : 0);
	}
	iov[0] = iov_make(wbuf_data(&h->head), wbuf_len(&h->head));
	account(h, s->label, status, s->t0);
	deliver(c, s, iov, 2, close);
	reap(c);
}

/* ---------------------------------------------------------------- requests */

/* A framing error, or a head that timed out: answer and close. */
static void
fail_request(struct hconn *c, int status, const char *why)
{
	struct http_worker *h = c->h;
	struct txreq x = {c, NULL, mono_ns(), "other", 1, false};
	struct http_req q;

	memset(&q, 0, sizeof(q));
	q.tx = &our_tx;
	q.tx_arg = &x;
	q.rw = h->rw;
	q.conf = conf_of(c);
	q.s = &h->s;
	q.raw_target = "(unparsed)";
	c->closing = true;
	if (c->slots != NULL) {
		x.slot = slot_add(c, &x, false);
		if (x.slot == NULL) {
			conn_close(c);
			return;
		}
	}
	wbuf_reset(&h->hdrs);
	http_reply_text(&q, status, why);
}

/* A target uri_parse refused: 400 (414 when too long), JSON under /api, else a page. */
static void
bad_target(struct http_req *q, size_t len)
{
	int status = len > URI_MAX_TARGET ? 414 : 400;
	const char *why = q->t.why != NULL ? q->t.why : "malformed request-target";

	if (q->idis) {
		http_idis_error(q, status, IDIS_FAIL, why);
		return;
	}
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
	if (q->api || q->idis) {
		char msg[96];

		snprintf(msg, sizeof(msg), "method not allowed: use %s", allow);
		if (q->idis) {
			http_idis_error(q, 405, IDIS_FAIL, msg);
			return;
		}
		http_api_error_at(q, 405, HDL_RC_OPERATION_NOT_SUPPORTED, NULL, slice_make(NULL, 0),
		                  msg);
		return;
	}
	http_reply_text(q, 405, "method not allowed\n");
}

static bool
is_hdl_message(struct slice ctype)
{
	struct slice t = ctype;
	size_t i = 0;

	while (i < t.len && t.p[i] != ';' && t.p[i] != ' ' && t.p[i] != '\t') {
		i++;
	}
	return slice_caseeq(slice_make(t.p, i), SLICE_LIT(CT_HDL));
}

/* The value of the first field named name (lower case), empty if none. */
static struct slice
field_value(const struct http_head *hd, const char *name)
{
	for (size_t i = 0; i < hd->nfields; i++) {
		if (slice_caseeq_cstr(hd->fields[i].name, name)) {
			return hd->fields[i].value;
		}
	}
	return slice_make(NULL, 0);
}

/* The header SFWD_HOP_HEADER, taken only from another server of the site (http/sfwd.h). */
static void
site_hop(struct http_req *q, struct slice v)
{
	if (v.len == 0 || q->rw == NULL || !shard_http_peer(rsv_worker_shard(q->rw), q->peer)) {
		return;
	}
	q->site_hop = true;
	if (slice_eq(v, SLICE_LIT("tls"))) {
		q->tls = true; /* the client's request reached the site over TLS */
	}
}

/* Run one complete request: its answer is sent, kept in its slot, or deferred. */
static void
dispatch(struct hconn *c, const struct http_head *hd, struct slice body)
{
	struct http_worker *h = c->h;
	struct txreq x = {c, NULL, mono_ns(), "other", hd->minor, hd->keep_alive};
	struct http_req q;
	char target[URI_MAX_TARGET + 1];
	int rc;

	memset(&q, 0, sizeof(q));
	q.tx = &our_tx;
	q.tx_arg = &x;
	q.rw = h->rw;
	q.conf = conf_of(c);
	q.s = &h->s;
	q.method = hd->method;
	q.head = hd->method == HTTP_M_HEAD;
	q.body = body;
	q.content_type = hd->content_type;
	q.authorization = field_value(hd, "authorization");
	q.accept_language = field_value(hd, "accept-language");
	q.host = hd->host;
	q.tls = c->tls != NULL;
	q.peer = &c->peer;
	q.rconn = c->rc;
	site_hop(&q, field_value(hd, "x-idr-site-hop"));
	q.hdl = hd->method == HTTP_M_POST && is_hdl_message(hd->content_type);
	memcpy(target, hd->target.p, hd->target.len < URI_MAX_TARGET ? hd->target.len : 0);
	target[hd->target.len < URI_MAX_TARGET ? hd->target.len : 0] = '\0';
	q.raw_target = target;
	wbuf_reset(&h->hdrs);
	rc = uri_parse(&q.t, (const char *)hd->target.p, hd->target.len, h->params, HTTP_MAX_PARAMS,
	               h->scratch, sizeof(h->scratch));
	if (rc == IDR_OK) {
		http_route_match(q.method, q.hdl, q.t.path, &q.match);
		q.api = (q.match.flags & HTTP_R_API) != 0;
		q.idis = (q.match.flags & HTTP_R_IDIS) != 0;
		x.label = q.match.route != NULL ? q.match.route->label : (q.api ? "api" : "proxy");
	} else {
		q.api = hd->target.len >= 4 && memcmp(hd->target.p, "/api", 4) == 0;
		x.label = q.api ? "api" : "proxy";
	}
	/* an answer that cannot go out now (a slot in line before it) waits in its own */
	if (c->slots != NULL || q.hdl) {
		x.slot = slot_add(c, &x, q.head);
		if (x.slot == NULL) {
			conn_close(c);
			return;
		}
	}
	if (rc != IDR_OK) {
		bad_target(&q, hd->target.len);
	} else if (q.match.route != NULL && !http_mirror_refer(&q)) {
		q.match.route->handler(&q);
	} else {
		other_method(&q);
	}
	if (x.slot != NULL && !q.pending && q.status == 0) { /* the slot may be gone: sent */
		/* a handler that neither answered nor deferred: never leave the client waiting */
		x.label = "other";
		http_reply_text(&q, 500, "no answer\n");
	}
	if (h->s.out.cap > HTTP_OUT_KEEP) {
		wbuf_deinit(&h->s.out);
		wbuf_init_heap(&h->s.out, HTTP_OUT_MAX);
	}
	if (h->s.aux.cap > HTTP_OUT_KEEP) {
		wbuf_deinit(&h->s.aux);
		wbuf_init_heap(&h->s.aux, HTTP_OUT_MAX);
	}
}

static void
parse_limits(const struct hconn *c, struct http_parse_limits *lim)
{
	const struct conf *cf = conf_of(c);

	lim->max_head = (size_t)cf->http_max_header_size;
	/* a target that alone fills the head is "too long" (414), not a head too large (431) */
	lim->max_target = URI_MAX_TARGET < lim->max_head ? URI_MAX_TARGET : lim->max_head - 16;
	lim->max_headers = MAX_FIELDS;
	lim->max_body = cf->http_max_body_size;
}

/* Send "100 Continue" for the request being read (once). */
static bool
send_continue(struct hconn *c, const struct http_head *hd)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct iovec iov = iov_make(cont, sizeof(cont) - 1);

	if (c->sent_continue || hd->minor == 0 || c->slots != NULL) {
		return true;
	}
	c->sent_continue = true;
	return send_iov(c, &iov, 1);
}

/*
 * The body of the request whose head ends at buf + hlen, from the *len bytes at buf (a
 * chunked body is decoded in place, which shrinks *len by its framing).
 * @return 1 (complete: *body, *total = head + body bytes as they now stand), 0 (more
 *         needed), -1 (failed and answered).
 */
static int
take_body(struct hconn *c, uint8_t *buf, size_t *len, size_t hlen, const struct http_head *hd,
          const struct http_parse_limits *lim, struct slice *body, size_t *total)
{
	size_t have = *len - hlen, out;
	int status = 400, rc;

	if (hd->framing == HTTP_BODY_NONE) {
		*body = slice_make(NULL, 0);
		*total = hlen;
		return 1;
	}
	if (hd->framing == HTTP_BODY_LENGTH) {
		c->body_got = have;
		if (have < hd->content_length) {
			return 0;
		}
		*body = slice_make(buf + hlen, (size_t)hd->content_length);
		*total = hlen + (size_t)hd->content_length;
		return 1;
	}
	/* chunked: decoded in place as the raw bytes arrive; the payload stays behind the head */
	if (!c->in_chunked) {
		memset(&c->chunk, 0, sizeof(c->chunk));
		c->in_chunked = true;
		c->chunk_out = 0;
		c->chunk_raw = 0;
	}
	out = c->chunk_out;
	rc = http_chunk_decode(&c->chunk, lim, buf + hlen, &have, &out, &status);
	c->chunk_raw += (*len - hlen) - have; /* framing consumed */
	c->chunk_out = out;
	c->body_got = c->chunk_raw + out;
	*len = hlen + have;
	if (rc == IDR_EAGAIN) {
		return 0;
	}
	c->in_chunked = false;
	if (rc != IDR_OK) {
		fail_request(c, status,
		             status == 413 ? "request body too large\n"
		                           : "malformed chunked body\n");
		return -1;
	}
	*body = slice_make(buf + hlen, out);
	*total = hlen + out;
	return 1;
}

/*
 * Answer the complete requests in buf[0..*len). @return the bytes consumed; what is left,
 * buf[consumed..*len), is the start of a request not complete yet (or input not read because
 * of a limit). *len may shrink: a chunked body is decoded in place.
 */
static size_t
process(struct hconn *c, uint8_t *buf, size_t *lenp)
{
	size_t len = *lenp;
	const struct conf *cf = conf_of(c);
	struct http_parse_limits lim;
	size_t off = 0;

	parse_limits(c, &lim);
	c->in_process = true;
	while (off < len && !c->closing && c->nslots < cf->http_max_pipeline &&
	       c->out_len - c->out_off < OUT_HIGH) {
		struct http_head hd;
		struct slice body;
		size_t used = 0, total = 0, rest;
		int rc = http_parse_head(buf + off, len - off, &lim, &hd, c->h->fields, MAX_FIELDS,
		                         &used);

		if (rc == IDR_EAGAIN) {
			if (c->state != C_HEAD && c->state != C_BODY) {
				set_state(c, C_HEAD);
			}
			break;
		}
		if (rc != IDR_OK) {
			fail_request(c, hd.status, hd.why != NULL ? hd.why : "bad request");
			off = len;
			break;
		}
		rest = len - off;
		rc = take_body(c, buf + off, &rest, used, &hd, &lim, &body, &total);
		len = off + rest;
		if (rc < 0) {
			off = len;
			break;
		}
		if (rc == 0) {
			if (c->state != C_BODY) {
				set_state(c, C_BODY); /* its clock: from the end of the head */
			}
			if (hd.expect_continue && !send_continue(c, &hd)) {
				off = len; /* closed */
			}
			break;
		}
		c->sent_continue = false;
		dispatch(c, &hd, body);
		c->answered = true;
		if (c->closed) {
			off = len; /* closed while answering */
			break;
		}
		off += total;
	}
	c->in_process = false;
	*lenp = len;
	return off;
}

/* ---------------------------------------------------------------- connections */

/* The state after a round of reading or answering: idle, partial request, or busy. */
static void
settle(struct hconn *c)
{
	if (c->closed) {
		return;
	}
	if (c->answered && c->in_len > 0) {
		c->state = C_BUSY; /* a new request started after an answer: its clock starts now */
	}
	if (c->closing && c->out_len == c->out_off && c->slots == NULL && c->stream == NULL) {
		conn_close(c);
		return;
	}
	if (c->in_len > 0 && c->state != C_HEAD && c->state != C_BODY) {
		set_state(c, C_HEAD);
	} else if (c->in_len == 0 && c->slots == NULL && c->out_len == c->out_off && !c->closing) {
		if (c->state != C_IDLE || c->answered) {
			c->state = C_BUSY;
			set_state(c, C_IDLE); /* the idle clock starts at the last answer */
		}
		if (c->h->stopping) {
			conn_close(c);
			return;
		}
	} else if (c->in_len == 0 && c->state != C_BUSY) {
		set_state(c, C_BUSY);
	}
	c->answered = false;
	want_read(c, !c->closing && c->nslots < conf_of(c)->http_max_pipeline &&
	                     c->out_len - c->out_off < OUT_HIGH);
}

/* Keep buf[0..len) as the connection's unconsumed input. */
static bool
keep_input(struct hconn *c, const uint8_t *buf, size_t len)
{
	if (len > c->in_cap) {
		size_t cap = len < IN_STEP ? IN_STEP : len;
		uint8_t *p = malloc(cap);

		if (p == NULL) {
			return false;
		}
		memcpy(p, buf, len);
		free(c->in);
		c->in = p;
		c->in_cap = cap;
	} else if (buf != c->in) {
		memmove(c->in, buf, len);
	}
	c->in_len = len;
	if (len == 0 && c->in_cap > IN_STEP) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
	return true;
}

/* Process what is in c->in (after answers freed room in the pipeline). */
static void
resume(struct hconn *c)
{
	size_t used;

	if (c->closed || c->in_process) {
		return;
	}
	if (c->in_len > 0 && !c->closing) {
		used = process(c, c->in, &c->in_len);
		if (c->closed) {
			return;
		}
		if (!keep_input(c, c->in + used, c->in_len - used)) {
			conn_close(c);
			return;
		}
	}
	settle(c);
}

/* Read once. @return bytes (> 0), 0 at the end of the stream, IDR_EAGAIN, or an error. */
static ssize_t
sock_read(struct hconn *c, uint8_t *buf, size_t cap, int *want)
{
	ssize_t n;

	*want = TLS_WANT_READ;
	if (c->mem_out != NULL) {
		size_t m = c->mem_len - c->mem_off;

		m = m < c->mem_step ? m : c->mem_step;
		m = m < cap ? m : cap;
		if (m == 0) {
			return 0; /* the end of the stream */
		}
		memcpy(buf, c->mem_in + c->mem_off, m);
		c->mem_off += m;
		return (ssize_t)m;
	}
	if (c->tls != NULL) {
		return tls_conn_read(c->tls, buf, cap, want);
	}
	n = read(c->fd, buf, cap);
	if (n < 0) {
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? IDR_EAGAIN
		                                                                 : -errno;
	}
	return n;
}

static void
on_readable(struct hconn *c)
{
	const struct conf *cf = conf_of(c);
	size_t limit = (size_t)cf->http_max_header_size + (size_t)cf->http_max_body_size + 4096;
	uint8_t *buf;
	size_t cap, used;
	ssize_t n;
	int want;

	do {
		if (c->in_len == 0) {
			buf = c->h->rbuf;
			cap = sizeof(c->h->rbuf);
		} else {
			/* a request spread over reads: go on in the connection's own buffer */
			if (c->in_len >= limit) {
				fail_request(c, 431, "request too large\n");
				return;
			}
			if (c->in_cap - c->in_len < IN_STEP / 2) {
				size_t ncap = c->in_cap * 2 < limit ? c->in_cap * 2 : limit;
				uint8_t *p = realloc(c->in, ncap);

				if (p == NULL) {
					conn_close(c);
					return;
				}
				c->in = p;
				c->in_cap = ncap;
			}
			buf = c->in;
			cap = c->in_cap;
		}
		n = sock_read(c, buf + (buf == c->in ? c->in_len : 0),
		              cap - (buf == c->in ? c->in_len : 0), &want);
		if (n == IDR_EAGAIN) {
			break;
		}
		if (n <= 0) {
			/* end of stream or an error: answers still owed are sent if possible */
			c->closing = true;
			if (n < 0 || (c->slots == NULL && c->out_len == c->out_off)) {
				conn_close(c);
				return;
			}
			want_read(c, false);
			return;
		}
		if (buf == c->in) {
			c->in_len += (size_t)n;
			if (c->state == C_HEAD &&
			    memchr(c->in + c->in_len - (size_t)n, '\n', (size_t)n) == NULL &&
			    c->in_len < (size_t)cf->http_max_header_size) {
				/* no line ended: parsing again would find what it found before
				 * (a client sending a byte at a time must not cost quadratic CPU)
				 */
				continue;
			}
			used = process(c, c->in, &c->in_len);
			if (c->closed) {
				return;
			}
			if (!keep_input(c, c->in + used, c->in_len - used)) {
				conn_close(c);
				return;
			}
		} else {
			size_t got = (size_t)n;

			used = process(c, buf, &got);
			if (c->closed) {
				return;
			}
			if (used < got && !keep_input(c, buf + used, got - used)) {
				conn_close(c);
				return;
			}
		}
	} while (c->tls != NULL && tls_conn_pending(c->tls) && !c->closing);
	settle(c);
}

static void
handshake(struct hconn *c)
{
	int want;
	int rc = tls_conn_handshake(c->tls, &want);

	if (rc == IDR_EAGAIN) {
		want_write(c, want == TLS_WANT_WRITE);
		return;
	}
	if (rc != IDR_OK) {
		conn_close(c);
		return;
	}
	want_write(c, false);
	c->state = C_HEAD; /* since_ms kept: the head is due within the time-out of the accept */
	on_readable(c);
}

static void
on_read_event(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == C_TLS) {
		handshake(c);
	} else {
		on_readable(c);
	}
	reap(c);
}

static void
on_write_event(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == C_TLS) {
		handshake(c);
	} else if (c->stream != NULL) {
		stream_pump(c); /* output went out: more of the body */
	} else if (drain(c) && c->out_len == c->out_off) {
		if (c->closing && c->slots == NULL) {
			conn_close(c);
		} else {
			resume(c);
		}
	}
	reap(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	uint64_t d = deadline_of(c);

	(void)fd;
	(void)what;
	if (d > now_ms(c->h)) {
		arm(c); /* a body deadline that moved with the bytes received */
		return;
	}
	expire(c);
	reap(c);
}

/* A deadline passed. */
static void
expire(struct hconn *c)
{
	if (log_enabled(LOG_DEBUG)) {
		char peer[ADDR_STRLEN];

		if (addr_format((const struct sockaddr *)&c->peer.ss, peer, sizeof(peer)) !=
		    IDR_OK) {
			peer[0] = '\0';
		}
		log_debug("http %s: deadline passed in state %d, closing", peer, (int)c->state);
	}
	if ((c->state == C_HEAD || c->state == C_BODY) && c->slots == NULL &&
	    c->out_len == c->out_off) {
		/* nothing else in flight: say why before closing (once the 408 is out) */
		c->in_len = 0;
		fail_request(c, 408, "request not received in time\n");
		if (!c->closed && c->out_len == c->out_off) {
			conn_close(c);
		}
		return;
	}
	conn_close(c);
}

static void
conn_close(struct hconn *c)
{
	struct http_worker *h = c->h;

	if (c->closed) {
		return;
	}
	rsv_conn_free(c->rc); /* cancels the Handle messages still pending */
	c->rc = NULL;
	stream_free(c); /* the producer sees its pipe closed */
	if (c->rev != NULL) {
		event_free(c->rev);
	}
	if (c->wev != NULL) {
		event_free(c->wev);
	}
	if (c->timer != NULL) {
		event_free(c->timer);
	}
	c->rev = c->wev = c->timer = NULL;
	tls_conn_free(c->tls);
	c->tls = NULL;
	if (c->mem_out == NULL) {
		close(c->fd);
	}
	c->closed = true;
	while (c->slots != NULL) {
		slot_pop(c);
	}
	if (c->counted) {
		connlim_release(h->limits, (const struct sockaddr *)&c->peer.ss);
		rsv_conn_gauge(h->rw, RSV_PROTO_HTTP, h->tls != NULL, -1);
	}
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		h->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	h->nconns--;
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	/* the memory goes at the end of the event that closed it (reap): callers up the stack
	 * still look at c->fd */
}

/* Free a closed connection; call only at the end of an event callback. @return true if so. */
static bool
reap(struct hconn *c)
{
	if (!c->closed) {
		return false;
	}
	free(c);
	return true;
}

int
http_worker_feed(struct http_worker *h, const uint8_t *in, size_t len, size_t step,
                 struct wbuf *out)
{
	struct hconn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		return IDR_ENOMEM;
	}
	c->h = h;
	c->fd = -1;
	c->mem_out = out;
	c->mem_in = in;
	c->mem_len = len;
	c->mem_step = step > 0 ? step : 1;
	c->slots_tail = &c->slots;
	c->next = h->conns;
	if (h->conns != NULL) {
		h->conns->prev = c;
	}
	h->conns = c;
	h->nconns++;
	if (rsv_conn_new(h->rw, RSV_PROTO_HTTP, on_hdl_done, c, &c->rc) != IDR_OK) {
		conn_close(c);
		reap(c);
		return IDR_ENOMEM;
	}
	c->state = C_HEAD;
	/* one read at a time, as a socket would give them, to the end of the stream */
	while (!c->closed) {
		size_t before = c->mem_off;

		on_readable(c);
		if (!c->closed && c->mem_off == before && c->mem_off == c->mem_len) {
			break; /* the end was seen and the connection waits for answers */
		}
	}
	conn_close(c);
	reap(c);
	return IDR_OK;
}

/* Set up an accepted connection; takes fd (closed on failure). */
static void
conn_open(struct http_worker *h, evutil_socket_t fd, const struct addr *peer)
{
	struct hconn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL) {
		close(fd);
		return;
	}
	c->h = h;
	c->fd = fd;
	c->peer = *peer;
	c->slots_tail = &c->slots;
	c->rev = event_new(h->base, fd, EV_READ | EV_PERSIST, on_read_event, c);
	c->wev = event_new(h->base, fd, EV_WRITE | EV_PERSIST, on_write_event, c);
	c->timer = evtimer_new(h->base, on_timer, c);
	c->next = h->conns;
	if (h->conns != NULL) {
		h->conns->prev = c;
	}
	h->conns = c;
	h->nconns++;
	c->counted = true;
	rsv_conn_gauge(h->rw, RSV_PROTO_HTTP, h->tls != NULL, 1);
	if (c->rev == NULL || c->wev == NULL || c->timer == NULL ||
	    rsv_conn_new(h->rw, RSV_PROTO_HTTP, on_hdl_done, c, &c->rc) != IDR_OK ||
	    (h->tls != NULL && tls_conn_new(h->tls, fd, &c->tls) != IDR_OK)) {
		conn_close(c);
		reap(c);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* the first request's head (after the TLS handshake) is due from the accept */
	c->state = C_BUSY;
	set_state(c, h->tls != NULL ? C_TLS : C_HEAD);
	want_read(c, true);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	struct http_worker *h = arg;
	struct addr peer;

	(void)l;
	if (h->stopping || addr_from(&peer, sa, (socklen_t)len) != IDR_OK) {
		close(fd);
		return;
	}
	if (!connlim_acquire(h->limits, sa)) {
		metrics_drop(rsv_worker_metrics(h->rw), METRICS_DROP_CONNLIMIT);
		close(fd);
		return;
	}
	conn_open(h, fd, &peer); /* releases the cap itself on failure */
}

/* ---------------------------------------------------------------- worker */

int
http_worker_new(struct http_worker **out, struct event_base *base, struct rsv_worker *w, int fd,
                struct tls_ctx *tls, struct connlim *limits, struct accept_gate *gate)
{
	struct http_worker *h;

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
	wbuf_init_heap(&h->hdrs, HDR_MAX);
	wbuf_init_heap(&h->head, HDR_MAX);
	wbuf_init_heap(&h->gather, HTTP_OUT_MAX + HDR_MAX);
	if (fd < 0) {
		*out = h; /* no listener: connections come through http_worker_feed */
		return IDR_OK;
	}
	/* no LEV_OPT_CLOSE_ON_FREE: the socket is the caller's */
	h->listener = evconnlistener_new(base, on_accept, h, LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (h->listener == NULL || accept_gate_add(gate, h->listener) != IDR_OK) {
		log_err("http: cannot listen on socket %d", fd);
		http_worker_free(h);
		return IDR_EIO;
	}
	*out = h;
	return IDR_OK;
}

void
http_worker_stop_accepting(struct http_worker *h)
{
	if (h == NULL || h->stopping) {
		return;
	}
	h->stopping = true;
	if (h->listener != NULL) {
		evconnlistener_disable(h->listener);
	}
	for (struct hconn *c = h->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (c->state == C_IDLE || c->state == C_TLS) {
			conn_close(c);
			reap(c);
		}
	}
}

size_t
http_worker_open(const struct http_worker *h)
{
	return h != NULL ? h->nconns : 0;
}

void
http_worker_free(struct http_worker *h)
{
	if (h == NULL) {
		return;
	}
	while (h->conns != NULL) {
		struct hconn *c = h->conns;

		conn_close(c);
		reap(c);
	}
	if (h->listener != NULL) {
		accept_gate_remove(h->gate, h->listener);
		evconnlistener_free(h->listener);
	}
	wbuf_deinit(&h->s.out);
	wbuf_deinit(&h->s.aux);
	wbuf_deinit(&h->hdrs);
	wbuf_deinit(&h->head);
	wbuf_deinit(&h->gather);
	free(h);
}
