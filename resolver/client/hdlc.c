/* hdlc.c - blocking Handle-protocol (UDP, TCP) client with deadlines; HTTP API paths. */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#include "client/hdlc.h"

#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "model/value.h"

#define UDP_RECV_BUF 2048 /* a Handle datagram is at most 512 bytes */

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
	o.flags = (q->no_recursion ? 0 : HDL_FLAG_REC) | HDL_FLAG_CA;
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

int
hdlc_tcp_read(struct hdlc_tcp *c, unsigned timeout_ms, struct hdlc_reply *out)
{
	int rc = tcp_read_unit(c->fd, now_ms() + timeout_ms, out);

	if (rc != IDR_OK) {
		hdlc_reply_deinit(out);
	}
	return rc;
}

/* ---- checking and resolving ---- */

int
hdlc_reply_check(const struct hdlc_reply *r, struct slice unit, struct rbuf *rest)
{
	struct hdl_msg req;
	struct rbuf in;

	rbuf_init(&in, unit.p, unit.len);
	if (hdl_msg_parse(&in, &req) != IDR_OK || rbuf_left(&in) != 0) {
		return IDR_EINVAL;
	}
	return hdl_resp_check(&r->msg, &req, rest);
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

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
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

/* ---------------------------------------------------------------- site */

#define HDLC_SITE_UNIT_MAX 512

/*
 * The address of server sv with the port of its UDP query interface, else its TCP one (tcp:
 * its TCP one, else its UDP one).
 */
static int
site_server_addr(const struct value_site_server *sv, bool tcp, struct addr *out)
{
	static const uint8_t v4[12] = {0};
	uint8_t first = tcp ? VALUE_PROTO_TCP : VALUE_PROTO_UDP;
	uint8_t second = tcp ? VALUE_PROTO_UDP : VALUE_PROTO_TCP;
	uint32_t port = 0;

	for (size_t i = 0; i < sv->nifaces; i++) {
		const struct value_site_iface *it = &sv->ifaces[i];

		if ((it->type & VALUE_IFACE_QUERY) == 0 || it->port == 0 || it->port > 65535) {
			continue;
		}
		if (it->proto == first || (it->proto == second && port == 0)) {
			port = it->port;
		}
	}
	if (port == 0) {
		return IDR_ENOENT;
	}
	memset(out, 0, sizeof(*out));
	if (memcmp(sv->addr, v4, sizeof(v4)) == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, sv->addr + 12, 4);
		out->len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, sv->addr, 16);
		out->len = sizeof(*sin6);
	}
	addr_set_port(out, (uint16_t)port);
	return IDR_OK;
}

/* Decode the GET_SITEINFO answer and pick the server for handle. */
static int
site_choose(const struct hdlc_reply *rep, struct slice unit, struct slice handle, struct addr *out,
            uint32_t *index, uint32_t *nservers)
{
	struct value_site *site;
	struct slice data;
	struct rbuf rest;
	int rc, idx;

	rc = hdlc_reply_check(rep, unit, &rest);
	if (rc != IDR_OK) {
		return rc;
	}
	if (rep->msg.hdr.rc != HDL_RC_SUCCESS) {
		return IDR_EPROTO;
	}
	site = malloc(sizeof(*site)); /* ~12 KiB */
	if (site == NULL) {
		return IDR_ENOMEM;
	}
	rc = IDR_EPROTO;
	if (hdl_siteinfo_resp_parse(&rest, &data) == IDR_OK &&
	    value_site_decode(data, site) == IDR_OK && site->nservers > 0) {
		idx = hdl_server_hash(handle, site->hash_option, (uint32_t)site->nservers);
		rc = idx < 0 ? idx : site_server_addr(&site->servers[idx], false, out);
		if (rc == IDR_OK && index != NULL) {
			*index = (uint32_t)idx;
		}
		if (rc == IDR_OK && nservers != NULL) {
			*nservers = (uint32_t)site->nservers;
		}
	}
	free(site);
	return rc;
}

int
hdlc_site_pick(const struct addr *srv, struct slice handle, unsigned timeout_ms, struct addr *out,
               uint32_t *index, uint32_t *nservers)
{
	struct hdl_req_opts ro;
	struct hdlc_reply rep;
	struct hdlc_tcp *t = NULL;
	uint8_t buf[HDLC_SITE_UNIT_MAX];
	struct wbuf w;
	uint32_t rid;
	int rc;

	hdlc_reply_init(&rep);
	wbuf_init(&w, buf, sizeof(buf));
	rc = hdlc_request_id(&rid);
	if (rc == IDR_OK) {
		hdl_req_opts_init(&ro, rid, (uint32_t)time(NULL) + HDLC_EXPIRATION_SEC);
		rc = hdl_req_handle_encode(&w, &ro, HDL_OC_GET_SITEINFO, SLICE_LIT("/"));
	}
	if (rc == IDR_OK) {
		rc = hdlc_tcp_open(&t, srv, timeout_ms);
	}
	if (rc == IDR_OK) {
		rc = hdlc_tcp_exchange(t, wbuf_slice(&w), timeout_ms, &rep);
	}
	if (rc == IDR_OK) {
		rc = site_choose(&rep, wbuf_slice(&w), handle, out, index, nservers);
	}
	hdlc_tcp_close(t);
	hdlc_reply_deinit(&rep);
	return rc;
}

/* ---------------------------------------------------------------- referrals */

static bool
type_eq(struct slice type, const char *name)
{
	size_t n = strlen(name);

	return type.len == n && strncasecmp((const char *)type.p, name, n) == 0;
}

int
hdlc_referral_target(struct slice clumps, struct slice handle, enum hdlc_proto proto,
                     struct addr *out, struct slice *serv)
{
	struct value_site *site;
	struct slice clump;
	struct value v;
	struct rbuf r;
	int rc = IDR_ENOENT, idx;

	serv->p = NULL;
	serv->len = 0;
	site = malloc(sizeof(*site)); /* ~12 KiB */
	if (site == NULL) {
		return IDR_ENOMEM;
	}
	rbuf_init(&r, clumps.p, clumps.len);
	while (rbuf_left(&r) > 0) {
		if (hdl_clump_next(&r, &v, &clump) != IDR_OK) {
			rc = IDR_EPROTO;
			break;
		}
		if (type_eq(v.type, "HS_SITE") || type_eq(v.type, "HS_SITE.PREFIX") ||
		    type_eq(v.type, "HS_SITE.6")) {
			if (value_site_decode(v.data, site) != IDR_OK || site->nservers == 0) {
				continue;
			}
			idx = hdl_server_hash(handle, site->hash_option, (uint32_t)site->nservers);
			rc = idx < 0 ? idx
			             : site_server_addr(&site->servers[idx],
			                                proto == HDLC_PROTO_TCP, out);
			if (rc == IDR_OK) {
				break;
			}
		} else if ((type_eq(v.type, "HS_SERV") || type_eq(v.type, "HS_SERV.PREFIX")) &&
		           serv->len == 0 && v.data.len > 0) {
			*serv = v.data;
		}
	}
	free(site);
	return rc;
}
