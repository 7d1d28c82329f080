/* hdlc.c - blocking Handle-protocol (UDP, TCP) and HTTP GET client with deadlines. */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#include "common/hdlc.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/num.h"

#define UDP_RECV_BUF  2048 /* a Handle datagram is at most 512 bytes */
#define HTTP_READ     16384
#define HTTP_LINE_MAX 1024 /* a chunk-size or trailer line */

const unsigned hdlc_udp_schedule[HDLC_UDP_TRIES] = {500, 1000, 1500};

const char *
hdlc_proto_name(enum hdlc_proto p)
{
	switch (p) {
	case HDLC_PROTO_AUTO:
		return "UDP, then TCP";
	case HDLC_PROTO_UDP:
		return "UDP";
	case HDLC_PROTO_TCP:
		return "TCP";
	}
	return "?";
}

/* ---- time and sockets ---- */

/* The negated errno of the call that just failed (never 0). */
static int
neg_errno(void)
{
	return errno != 0 ? -errno : IDR_EIO;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait until fd is ready for events or the deadline passes. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p;
	uint64_t t;
	int n;

	for (;;) {
		t = now_ms();
		if (t >= deadline) {
			return HDLC_ETIMEDOUT;
		}
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, (int)(deadline - t > 60000 ? 60000 : deadline - t));
		if (n > 0) {
			return IDR_OK; /* errors and hang-ups surface in the following call */
		}
		if (n < 0 && errno != EINTR) {
			return neg_errno();
		}
	}
}

static int
socket_for(const struct addr *a, int type, int *fd)
{
	*fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return *fd < 0 ? neg_errno() : IDR_OK;
}

/* Non-blocking connect bounded by the deadline. */
static int
tcp_connect(const struct addr *a, uint64_t deadline, int *out)
{
	int fd, rc, err = 0;
	socklen_t len = sizeof(err);

	*out = -1;
	rc = socket_for(a, SOCK_STREAM, &fd);
	if (rc != IDR_OK) {
		return rc;
	}
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		if (errno != EINPROGRESS) {
			rc = neg_errno();
			goto fail;
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc != IDR_OK) {
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
			rc = neg_errno();
			goto fail;
		}
		if (err != 0) {
			rc = -err;
			goto fail;
		}
	}
	*out = fd;
	return IDR_OK;
fail:
	close(fd);
	return rc != IDR_OK ? rc : IDR_EIO;
}

static int
write_all(int fd, const uint8_t *p, size_t len, uint64_t deadline)
{
	size_t done = 0;
	ssize_t n;
	int rc;

	while (done < len) {
		n = send(fd, p + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return neg_errno();
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return IDR_OK;
}

/* Read up to cap bytes once data is there. @return bytes (0 = end of stream) or error. */
static ssize_t
read_some(int fd, uint8_t *p, size_t cap, uint64_t deadline)
{
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(fd, p, cap, 0);
		if (n >= 0) {
			return n;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return neg_errno();
		}
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc != IDR_OK) {
			return rc;
		}
	}
}

/* Read exactly len bytes; the stream ending first is a protocol error. */
static int
read_exact(int fd, uint8_t *p, size_t len, uint64_t deadline)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read_some(fd, p + done, len - done, deadline);
		if (n < 0) {
			return (int)n;
		}
		if (n == 0) {
			return IDR_EPROTO;
		}
		done += (size_t)n;
	}
	return IDR_OK;
}

/* ---- replies, ids, requests ---- */

void
hdlc_reply_init(struct hdlc_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void
hdlc_reply_deinit(struct hdlc_reply *r)
{
	if (r == NULL) {
		return;
	}
	free(r->buf);
	hdl_reasm_free(r->reasm);
	hdlc_reply_init(r);
}

int
hdlc_request_id(uint32_t *out)
{
	uint32_t v = 0;

	do {
		if (crypto_random(&v, sizeof(v)) != IDR_OK) {
			return IDR_ECRYPTO;
		}
		v &= 0x7fffffffu;
	} while (v == 0);
	*out = v;
	return IDR_OK;
}

int
hdlc_resolution_encode(struct wbuf *w, const struct hdlc_query *q, uint32_t request_id,
                       uint32_t now)
{
	struct hdl_req_opts o;

	hdl_req_opts_init(&o, request_id, now + HDLC_EXPIRATION_SEC);
	o.flags = HDL_FLAG_REC | HDL_FLAG_CA;
	o.flags |= q->public_only ? HDL_FLAG_PO : 0;
	o.flags |= q->auth ? HDL_FLAG_AT : 0;
	o.flags |= q->digest ? HDL_FLAG_RD : 0;
	return hdl_req_resolution_encode(w, &o, q->handle, q->indexes, q->nindexes, q->types,
	                                 q->ntypes);
}

/* The envelope of an encoded unit, which must be followed by exactly MessageLength bytes. */
static int
unit_envelope(struct slice unit, struct hdl_envelope *env)
{
	struct rbuf r;

	rbuf_init(&r, unit.p, unit.len);
	if (hdl_envelope_parse(&r, env) != IDR_OK || rbuf_left(&r) != env->msg_len) {
		return IDR_EINVAL;
	}
	return IDR_OK;
}

/* ---- UDP ---- */

struct udp_wait {
	uint32_t request_id;
	struct hdl_reasm *reasm; /* fragments of the answer so far */
	int last_err;            /* why the last datagram with our id was refused */
};

static int
udp_send_unit(int fd, struct slice unit)
{
	uint8_t dgram[HDL_UDP_PACKET_MAX];
	struct wbuf w;
	int n = hdl_udp_fragment_count(unit), i, rc;

	if (n < 0) {
		return IDR_EINVAL;
	}
	for (i = 0; i < n; i++) {
		wbuf_init(&w, dgram, sizeof(dgram));
		rc = hdl_udp_fragment(unit, (size_t)i, &w);
		if (rc != IDR_OK) {
			return rc;
		}
		if (send(fd, dgram, wbuf_len(&w), 0) < 0) {
			return neg_errno();
		}
	}
	return IDR_OK;
}

/* A datagram holding a whole message: copy it and parse. */
static int
udp_take_whole(const uint8_t *dgram, size_t len, struct hdlc_reply *out)
{
	struct rbuf r;
	int rc;

	out->buf = malloc(len);
	if (out->buf == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(out->buf, dgram, len);
	rbuf_init(&r, out->buf, len);
	rc = hdl_msg_parse(&r, &out->msg);
	if (rc != IDR_OK) {
		free(out->buf);
		out->buf = NULL;
		return rc == IDR_EAGAIN ? IDR_EPROTO : rc;
	}
	out->datagrams = 1;
	return IDR_OK;
}

static int
udp_take_fragment(struct udp_wait *st, const struct hdl_envelope *env, const uint8_t *dgram,
                  size_t len, struct hdlc_reply *out)
{
	int rc;

	if (st->reasm == NULL) {
		rc = hdl_reasm_new(&st->reasm, env, 0);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	rc = hdl_reasm_feed(st->reasm, dgram, len);
	if (rc < 0) {
		return rc;
	}
	out->datagrams += (size_t)rc;
	if (!hdl_reasm_done(st->reasm)) {
		return 0;
	}
	rc = hdl_reasm_parse(st->reasm, &out->msg);
	if (rc != IDR_OK) {
		/* a complete but malformed message: start over with the next answer */
		hdl_reasm_free(st->reasm);
		st->reasm = NULL;
		out->datagrams = 0;
		return rc == IDR_EAGAIN ? IDR_EPROTO : rc;
	}
	out->reasm = st->reasm;
	st->reasm = NULL;
	return 1;
}

/* One received datagram. @return 1 (answer complete), 0 (keep waiting) or IDR_ENOMEM. */
static int
udp_accept(struct udp_wait *st, const uint8_t *dgram, size_t len, struct hdlc_reply *out)
{
	struct hdl_envelope env;
	struct rbuf r;
	int rc;

	rbuf_init(&r, dgram, len);
	if (hdl_envelope_parse(&r, &env) != IDR_OK || env.request_id != st->request_id) {
		return 0; /* not ours: ignored, as the Java resolver does */
	}
	rc = hdl_envelope_check(&env, 0);
	if (rc == IDR_OK && env.seq == 0 && rbuf_left(&r) == env.msg_len) {
		rc = udp_take_whole(dgram, len, out);
		if (rc == IDR_OK) {
			return 1;
		}
	} else if (rc == IDR_OK) {
		rc = udp_take_fragment(st, &env, dgram, len, out);
		if (rc >= 0) {
			return rc;
		}
	}
	if (rc == IDR_ENOMEM) {
		return rc;
	}
	st->last_err = rc;
	return 0;
}

/* Receive until the answer is complete or the deadline passes. */
static int
udp_wait_answer(int fd, struct udp_wait *st, uint64_t deadline, struct hdlc_reply *out)
{
	uint8_t buf[UDP_RECV_BUF];
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return neg_errno();
		}
		if (n < 0) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc != IDR_OK) {
				return rc;
			}
			continue;
		}
		if ((size_t)n > sizeof(buf)) {
			continue; /* far over any Handle datagram */
		}
		rc = udp_accept(st, buf, (size_t)n, out);
		if (rc != 0) {
			return rc > 0 ? IDR_OK : rc;
		}
	}
}

int
hdlc_udp_exchange(const struct addr *srv, struct slice unit, const unsigned *sched, size_t ntries,
                  struct hdlc_reply *out)
{
	struct hdl_envelope env;
	struct udp_wait st;
	size_t i;
	int fd = -1, rc;

	if (sched == NULL) {
		sched = hdlc_udp_schedule;
		ntries = ntries > HDLC_UDP_TRIES ? HDLC_UDP_TRIES : ntries;
	}
	if (ntries == 0 || unit_envelope(unit, &env) != IDR_OK) {
		return IDR_EINVAL;
	}
	memset(&st, 0, sizeof(st));
	st.request_id = env.request_id;
	rc = socket_for(srv, SOCK_DGRAM, &fd);
	if (rc != IDR_OK) {
		return rc;
	}
	if (connect(fd, (const struct sockaddr *)&srv->ss, srv->len) != 0) {
		rc = neg_errno();
		goto done;
	}
	rc = HDLC_ETIMEDOUT;
	for (i = 0; i < ntries && rc == HDLC_ETIMEDOUT; i++) {
		rc = udp_send_unit(fd, unit);
		if (rc == IDR_OK) {
			rc = udp_wait_answer(fd, &st, now_ms() + sched[i], out);
		}
	}
	if (rc == HDLC_ETIMEDOUT && st.last_err != IDR_OK) {
		rc = st.last_err;
	}
done:
	hdl_reasm_free(st.reasm);
	close(fd);
	if (rc != IDR_OK) {
		hdlc_reply_deinit(out);
	}
	return rc;
}

/* ---- TCP ---- */

struct hdlc_tcp {
	int fd;
};

int
hdlc_tcp_open(struct hdlc_tcp **out, const struct addr *srv, unsigned timeout_ms)
{
	struct hdlc_tcp *c;
	int rc;

	*out = NULL;
	c = malloc(sizeof(*c));
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	rc = tcp_connect(srv, now_ms() + timeout_ms, &c->fd);
	if (rc != IDR_OK) {
		free(c);
		return rc;
	}
	*out = c;
	return IDR_OK;
}

void
hdlc_tcp_close(struct hdlc_tcp *c)
{
	if (c != NULL) {
		if (c->fd >= 0) {
			close(c->fd);
		}
		free(c);
	}
}

/* Read one unit: the envelope, checked before the message is awaited, then the message. */
static int
tcp_read_unit(int fd, uint64_t deadline, struct hdlc_reply *out)
{
	uint8_t head[HDL_ENVELOPE_LEN];
	struct hdl_envelope env;
	struct rbuf r;
	int rc;

	rc = read_exact(fd, head, sizeof(head), deadline);
	if (rc != IDR_OK) {
		return rc;
	}
	rbuf_init(&r, head, sizeof(head));
	rc = hdl_envelope_parse(&r, &env);
	if (rc == IDR_OK) {
		rc = hdl_envelope_check(&env, 0);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	out->buf = malloc(sizeof(head) + env.msg_len);
	if (out->buf == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(out->buf, head, sizeof(head));
	rc = read_exact(fd, out->buf + sizeof(head), env.msg_len, deadline);
	if (rc != IDR_OK) {
		return rc;
	}
	rbuf_init(&r, out->buf, sizeof(head) + env.msg_len);
	rc = hdl_msg_parse(&r, &out->msg);
	out->datagrams = 1;
	return rc == IDR_EAGAIN ? IDR_EPROTO : rc;
}

int
hdlc_tcp_exchange(struct hdlc_tcp *c, struct slice unit, unsigned timeout_ms,
                  struct hdlc_reply *out)
{
	uint64_t deadline = now_ms() + timeout_ms;
	struct hdl_envelope env;
	int rc;

	if (unit_envelope(unit, &env) != IDR_OK) {
		return IDR_EINVAL;
	}
	rc = write_all(c->fd, unit.p, unit.len, deadline);
	if (rc == IDR_OK) {
		rc = tcp_read_unit(c->fd, deadline, out);
	}
	if (rc == IDR_OK && out->msg.env.request_id != env.request_id) {
		rc = IDR_EPROTO; /* Java: a security error on a stream */
	}
	if (rc != IDR_OK) {
		hdlc_reply_deinit(out);
	}
	return rc;
}

/* ---- checking and resolving ---- */

int
hdlc_reply_check(const struct hdlc_reply *r, struct slice unit, struct rbuf *rest)
{
	struct hdl_digest d;
	struct hdl_msg req;
	struct rbuf in;
	bool has_rd;
	int rc;

	rbuf_init(&in, unit.p, unit.len);
	if (hdl_msg_parse(&in, &req) != IDR_OK || rbuf_left(&in) != 0) {
		return IDR_EINVAL;
	}
	if (r->msg.env.request_id != req.env.request_id || r->msg.hdr.opcode != req.hdr.opcode ||
	    r->msg.hdr.rc == HDL_RC_RESERVED) {
		return IDR_EPROTO;
	}
	rc = hdl_resp_open(&r->msg, &d, &has_rd, rest);
	if (rc != IDR_OK) {
		return rc;
	}
	if ((req.hdr.flags & HDL_FLAG_RD) == 0) {
		return IDR_OK;
	}
	return has_rd ? hdl_rd_verify(&d, req.raw) : IDR_EPROTO;
}

/* UDP with the Java schedule, each wait cut to the time left before the deadline. */
static int
resolve_udp(const struct addr *srv, struct slice unit, uint64_t deadline, struct hdlc_reply *out)
{
	unsigned sched[HDLC_UDP_TRIES];
	uint64_t left, t = now_ms();
	size_t n;

	for (n = 0; n < HDLC_UDP_TRIES && t < deadline; n++) {
		left = deadline - t;
		sched[n] = left < hdlc_udp_schedule[n] ? (unsigned)left : hdlc_udp_schedule[n];
		t += sched[n];
	}
	if (n == 0) {
		return HDLC_ETIMEDOUT;
	}
	return hdlc_udp_exchange(srv, unit, sched, n, out);
}

static int
resolve_tcp(const struct addr *srv, struct slice unit, uint64_t deadline, struct hdlc_reply *out)
{
	struct hdlc_tcp *c = NULL;
	uint64_t t = now_ms();
	int rc;

	if (t >= deadline) {
		return HDLC_ETIMEDOUT;
	}
	rc = hdlc_tcp_open(&c, srv, (unsigned)(deadline - t));
	if (rc != IDR_OK) {
		return rc;
	}
	t = now_ms();
	rc = t >= deadline ? HDLC_ETIMEDOUT
	                   : hdlc_tcp_exchange(c, unit, (unsigned)(deadline - t), out);
	hdlc_tcp_close(c);
	return rc;
}

int
hdlc_resolve(const struct addr *srv, enum hdlc_proto proto, const struct hdlc_query *q,
             unsigned timeout_ms, struct hdlc_reply *out, enum hdlc_proto *used, struct rbuf *rest)
{
	uint64_t deadline = now_ms() + timeout_ms;
	enum hdlc_proto via = proto == HDLC_PROTO_TCP ? HDLC_PROTO_TCP : HDLC_PROTO_UDP;
	struct wbuf w;
	uint32_t id;
	int rc;

	rc = hdlc_request_id(&id);
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_init_heap(&w, HDL_MAX_UNIT_LEN);
	rc = hdlc_resolution_encode(&w, q, id, (uint32_t)time(NULL));
	if (rc == IDR_OK && via == HDLC_PROTO_UDP) {
		rc = resolve_udp(srv, wbuf_slice(&w), deadline, out);
		if (proto == HDLC_PROTO_AUTO && (rc == HDLC_ETIMEDOUT || rc == -ECONNREFUSED)) {
			via = HDLC_PROTO_TCP;
			rc = resolve_tcp(srv, wbuf_slice(&w), deadline, out);
		}
	} else if (rc == IDR_OK) {
		rc = resolve_tcp(srv, wbuf_slice(&w), deadline, out);
	}
	if (rc == IDR_OK) {
		rc = hdlc_reply_check(out, wbuf_slice(&w), rest);
		if (rc != IDR_OK) {
			hdlc_reply_deinit(out);
		}
	}
	wbuf_deinit(&w);
	if (rc == IDR_OK && used != NULL) {
		*used = via;
	}
	return rc;
}

/* ---- HTTP ---- */

/* Length of the CRLF-terminated line at r's position, at most max bytes (CRLF excluded).
 * @return IDR_OK, IDR_EAGAIN (no CRLF yet), IDR_ELIMIT (longer) or IDR_EPROTO (bare CR/LF). */
static int
line_len(const struct rbuf *r, size_t max, size_t *len)
{
	struct rbuf p = *r;
	size_t n = 0;
	uint8_t c;

	while (rbuf_left(&p) > 0) {
		c = rbuf_u8(&p);
		if (c == '\r') {
			if (rbuf_left(&p) == 0) {
				return IDR_EAGAIN;
			}
			if (rbuf_u8(&p) != '\n') {
				return IDR_EPROTO;
			}
			*len = n;
			return IDR_OK;
		}
		if (c == '\n' || c == '\0') {
			return IDR_EPROTO;
		}
		if (++n > max) {
			return IDR_ELIMIT;
		}
	}
	return IDR_EAGAIN;
}

/* Next line (CRLF consumed). */
static int
next_line(struct rbuf *r, size_t max, struct slice *line)
{
	size_t n = 0;
	int rc = line_len(r, max, &n);

	if (rc != IDR_OK) {
		return rc;
	}
	*line = rbuf_bytes(r, n);
	rbuf_skip(r, 2);
	return IDR_OK;
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* "HTTP/1.x NNN[ reason]" */
static int
status_parse(struct slice line, int *status)
{
	struct rbuf r;
	struct slice v;
	uint8_t d[3];
	int i;

	rbuf_init(&r, line.p, line.len);
	v = rbuf_bytes(&r, 7);
	if (rbuf_error(&r) != IDR_OK || memcmp(v.p, "HTTP/1.", 7) != 0 || !is_digit(rbuf_u8(&r)) ||
	    rbuf_u8(&r) != ' ') {
		return IDR_EPROTO;
	}
	for (i = 0; i < 3; i++) {
		d[i] = rbuf_u8(&r);
	}
	if (rbuf_error(&r) != IDR_OK || !is_digit(d[0]) || !is_digit(d[1]) || !is_digit(d[2]) ||
	    (rbuf_left(&r) > 0 && rbuf_u8(&r) != ' ')) {
		return IDR_EPROTO;
	}
	*status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	return *status >= 200 && *status <= 599 ? IDR_OK : IDR_EPROTO;
}

/* Trim spaces and tabs at both ends. */
static struct slice
ows_trim(struct slice s)
{
	struct rbuf r;
	size_t lead = 0, trail = 0;

	while (lead < s.len && (s.p[lead] == ' ' || s.p[lead] == '\t')) {
		lead++;
	}
	while (trail < s.len - lead &&
	       (s.p[s.len - 1 - trail] == ' ' || s.p[s.len - 1 - trail] == '\t')) {
		trail++;
	}
	rbuf_init(&r, s.p, s.len);
	rbuf_skip(&r, lead);
	return rbuf_bytes(&r, s.len - lead - trail);
}

static int
header_apply(struct slice line, struct hdlc_http_head *h)
{
	const uint8_t *colon = line.len > 0 ? memchr(line.p, ':', line.len) : NULL;
	struct slice name, value;
	struct rbuf r;
	uint64_t n;

	if (colon == NULL || colon == line.p || line.p[0] == ' ' || line.p[0] == '\t') {
		return IDR_EPROTO; /* no name, or an obsolete folded line */
	}
	rbuf_init(&r, line.p, line.len);
	name = rbuf_bytes(&r, (size_t)(colon - line.p));
	rbuf_skip(&r, 1);
	value = ows_trim(rbuf_bytes(&r, rbuf_left(&r)));
	if (memchr(name.p, ' ', name.len) != NULL || memchr(name.p, '\t', name.len) != NULL) {
		return IDR_EPROTO;
	}
	if (slice_caseeq_cstr(name, "Content-Length")) {
		if (value.len == 0 ||
		    num_parse_u64_n((const char *)value.p, value.len, 0, UINT64_MAX / 2, &n) !=
		            IDR_OK ||
		    (h->has_length && n != h->content_length)) {
			return IDR_EPROTO;
		}
		h->has_length = true;
		h->content_length = n;
	} else if (slice_caseeq_cstr(name, "Transfer-Encoding")) {
		if (!slice_caseeq_cstr(value, "chunked")) {
			return IDR_EPROTO; /* compressed or layered encodings are not supported */
		}
		h->chunked = true;
	}
	return IDR_OK;
}

int
hdlc_http_head_parse(struct slice in, struct hdlc_http_head *out)
{
	struct hdlc_http_head h;
	struct slice line;
	struct rbuf r;
	int rc;

	memset(&h, 0, sizeof(h));
	rbuf_init(&r, in.p, in.len > HDLC_HTTP_HEAD_MAX ? HDLC_HTTP_HEAD_MAX : in.len);
	rc = next_line(&r, HDLC_HTTP_HEAD_MAX, &line);
	if (rc == IDR_OK) {
		rc = status_parse(line, &h.status);
	}
	while (rc == IDR_OK) {
		rc = next_line(&r, HDLC_HTTP_HEAD_MAX, &line);
		if (rc != IDR_OK || line.len == 0) {
			break;
		}
		rc = header_apply(line, &h);
	}
	if (rc == IDR_EAGAIN && in.len >= HDLC_HTTP_HEAD_MAX) {
		rc = IDR_ELIMIT;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	h.head_len = rbuf_offset(&r);
	*out = h;
	return IDR_OK;
}

/* "hex[;ext]" with 1-8 hex digits; spaces or tabs may precede the extension. */
static int
chunk_size_parse(struct slice line, uint32_t *size)
{
	uint32_t v = 0;
	size_t i;
	int d;

	for (i = 0; i < line.len && i < 9; i++) {
		uint8_t c = line.p[i];

		if (c >= '0' && c <= '9') {
			d = c - '0';
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
			d = (c | 0x20) - 'a' + 10;
		} else {
			break;
		}
		v = (v << 4) | (uint32_t)d;
	}
	if (i == 0 || i > 8) {
		return IDR_EPROTO;
	}
	if (i < line.len && line.p[i] != ';' && line.p[i] != ' ' && line.p[i] != '\t') {
		return IDR_EPROTO;
	}
	*size = v;
	return IDR_OK;
}

/* Trailer lines up to the empty line. */
static int
trailers_skip(struct rbuf *r)
{
	struct slice line;
	int rc;

	do {
		rc = next_line(r, HTTP_LINE_MAX, &line);
	} while (rc == IDR_OK && line.len > 0);
	return rc == IDR_ELIMIT ? IDR_EPROTO : rc;
}

int
hdlc_http_dechunk(struct slice in, struct wbuf *out)
{
	struct slice line, data;
	uint8_t cr, lf;
	uint32_t size;
	struct rbuf r;
	int rc;

	rbuf_init(&r, in.p, in.len);
	for (;;) {
		rc = next_line(&r, HTTP_LINE_MAX, &line);
		if (rc == IDR_OK) {
			rc = chunk_size_parse(line, &size);
		}
		if (rc != IDR_OK) {
			return rc == IDR_ELIMIT ? IDR_EPROTO : rc;
		}
		if (size == 0) {
			return trailers_skip(&r);
		}
		if (rbuf_left(&r) < (size_t)size + 2) {
			return IDR_EAGAIN;
		}
		data = rbuf_bytes(&r, size);
		cr = rbuf_u8(&r);
		lf = rbuf_u8(&r);
		if (cr != '\r' || lf != '\n' || rbuf_error(&r) != IDR_OK) {
			return IDR_EPROTO;
		}
		wbuf_bytes(out, data.p, data.len);
		if (wbuf_error(out) != IDR_OK) {
			return wbuf_error(out);
		}
	}
}

static bool
unreserved(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

/* Percent-encode s, keeping unreserved characters (and '/' when keep_slash). */
static void
pct_encode(struct wbuf *w, struct slice s, bool keep_slash)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (unreserved(s.p[i]) || (keep_slash && s.p[i] == '/')) {
			wbuf_u8(w, s.p[i]);
		} else {
			wbuf_printf(w, "%%%02X", s.p[i]);
		}
	}
}

int
hdlc_http_resolve_path(struct wbuf *w, const struct hdlc_query *q)
{
	char sep = '?';
	size_t i;

	wbuf_cstr(w, "/api/handles/");
	pct_encode(w, q->handle, true);
	for (i = 0; i < q->ntypes; i++, sep = '&') {
		wbuf_printf(w, "%ctype=", sep);
		pct_encode(w, q->types[i], false);
	}
	for (i = 0; i < q->nindexes; i++, sep = '&') {
		wbuf_printf(w, "%cindex=%u", sep, (unsigned)q->indexes[i]);
	}
	if (!q->public_only) {
		wbuf_printf(w, "%cpublicOnly=false", sep);
		sep = '&';
	}
	if (q->auth) {
		wbuf_printf(w, "%cauth=true", sep);
	}
	return wbuf_error(w);
}

/* State of one HTTP response being read. */
struct http_read {
	struct wbuf raw; /* everything received */
	struct hdlc_http_head head;
	bool have_head;
	size_t max_body;
};

/* The body bytes received so far (after the head). */
static struct slice
http_body_bytes(const struct http_read *h)
{
	struct rbuf r;

	rbuf_init(&r, wbuf_data(&h->raw), wbuf_len(&h->raw));
	rbuf_skip(&r, h->head.head_len);
	return rbuf_bytes(&r, rbuf_left(&r));
}

/* Is the response complete? @return 1 (body appended to out), 0 (need more) or error. */
static int
http_try_finish(struct http_read *h, bool eof, struct wbuf *out)
{
	struct slice b;
	struct wbuf tmp;
	int rc;

	if (!h->have_head) {
		rc = hdlc_http_head_parse(wbuf_slice(&h->raw), &h->head);
		if (rc == IDR_EAGAIN) {
			return eof ? IDR_EPROTO : 0;
		}
		if (rc != IDR_OK) {
			return rc;
		}
		h->have_head = true;
	}
	b = http_body_bytes(h);
	if (h->head.chunked) {
		wbuf_init_heap(&tmp, h->max_body);
		rc = hdlc_http_dechunk(b, &tmp);
		if (rc == IDR_OK) {
			wbuf_bytes(out, wbuf_data(&tmp), wbuf_len(&tmp));
		}
		wbuf_deinit(&tmp);
		rc = rc == IDR_ETOOBIG ? IDR_ELIMIT : rc;
		if (rc == IDR_EAGAIN) {
			return eof ? IDR_EPROTO : 0;
		}
		return rc == IDR_OK ? (wbuf_error(out) != IDR_OK ? wbuf_error(out) : 1) : rc;
	}
	if (h->head.has_length || h->head.status == 204 || h->head.status == 304) {
		uint64_t want = h->head.has_length ? h->head.content_length : 0;

		if (want > h->max_body) {
			return IDR_ELIMIT;
		}
		if (b.len < want) {
			return eof ? IDR_EPROTO : 0;
		}
		b.len = (size_t)want;
	} else if (!eof) {
		return b.len > h->max_body ? IDR_ELIMIT
		                           : 0; /* the body runs to the end of stream */
	}
	wbuf_bytes(out, b.p, b.len);
	return wbuf_error(out) != IDR_OK ? wbuf_error(out) : 1;
}

static int
http_request_write(int fd, const struct addr *srv, const char *path, uint64_t deadline)
{
	char host[ADDR_STRLEN];
	struct wbuf w;
	int rc;

	rc = addr_format((const struct sockaddr *)&srv->ss, host, sizeof(host));
	if (rc != IDR_OK) {
		return rc;
	}
	wbuf_init_heap(&w, 2 * (size_t)HDLC_HTTP_HEAD_MAX);
	wbuf_printf(&w,
	            "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: idr\r\nAccept: application/json\r\n"
	            "Connection: close\r\n\r\n",
	            path, host);
	rc = wbuf_error(&w);
	if (rc == IDR_OK) {
		rc = write_all(fd, wbuf_data(&w), wbuf_len(&w), deadline);
	}
	wbuf_deinit(&w);
	return rc == IDR_ETOOBIG ? IDR_EINVAL : rc;
}

static int
http_read_response(int fd, struct http_read *h, uint64_t deadline, struct wbuf *body)
{
	uint8_t buf[HTTP_READ];
	ssize_t n;
	int rc;

	for (;;) {
		n = read_some(fd, buf, sizeof(buf), deadline);
		if (n < 0) {
			return (int)n;
		}
		wbuf_bytes(&h->raw, buf, (size_t)n);
		if (wbuf_error(&h->raw) != IDR_OK) {
			return wbuf_error(&h->raw) == IDR_ETOOBIG ? IDR_ELIMIT
			                                          : wbuf_error(&h->raw);
		}
		rc = http_try_finish(h, n == 0, body);
		if (rc != 0) {
			return rc > 0 ? IDR_OK : rc;
		}
	}
}

static bool
path_ok(const char *path)
{
	const char *p;

	if (path[0] != '/') {
		return false;
	}
	for (p = path; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f) {
			return false;
		}
	}
	return true;
}

int
hdlc_http_get(const struct addr *srv, const char *path, unsigned timeout_ms, size_t max_body,
              int *status, struct wbuf *body)
{
	uint64_t deadline = now_ms() + timeout_ms;
	struct http_read h;
	int fd = -1, rc;

	if (!path_ok(path)) {
		return IDR_EINVAL;
	}
	memset(&h, 0, sizeof(h));
	h.max_body = max_body == 0 ? HDLC_HTTP_BODY_MAX : max_body;
	/* raw bytes: the head, the body and chunk framing of up to 2x the body */
	wbuf_init_heap(&h.raw, HDLC_HTTP_HEAD_MAX + 2 * h.max_body + 2 * (size_t)HTTP_READ);
	rc = tcp_connect(srv, deadline, &fd);
	if (rc == IDR_OK) {
		rc = http_request_write(fd, srv, path, deadline);
	}
	if (rc == IDR_OK) {
		rc = http_read_response(fd, &h, deadline, body);
	}
	if (rc == IDR_OK) {
		*status = h.head.status;
	}
	if (fd >= 0) {
		close(fd);
	}
	wbuf_deinit(&h.raw);
	return rc;
}
