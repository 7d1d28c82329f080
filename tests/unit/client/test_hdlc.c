/* test_hdlc.c - the Handle client (and the HTTP API path) against a fake server thread on
 * 127.0.0.1. */
#define _GNU_SOURCE /* SOCK_CLOEXEC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "client/hdlc.h"
#include "hdl/hdl.h"
#include "hdl/hdl_udp.h"
#include "model/value.h"

#include "lib/hdl_vectors.h"

#define EXPIRATION 0x5f5e1000u
#define BUF_MAX    (HDL_MAX_UNIT_LEN + 4096)
#define WAIT_MS    3000 /* the fake gives up waiting for the client after this (default) */

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= cap);
	assert_int_equal(crypto_unhex(hex, strlen(hex), out, n), IDR_OK);
	return n;
}

/* ======================================================================================== */
/* the fake server                                                                          */
/* ======================================================================================== */

struct fake;
typedef void (*fake_fn)(struct fake *f);

struct fake {
	int udp, tcp;
	struct addr addr; /* UDP and TCP listen on the same port */
	pthread_t th;
	fake_fn serve;
	/* what the scripts send and record */
	uint8_t canned[BUF_MAX];
	size_t canned_len;
	int wait_ms;    /* how long the fake waits for the client */
	int nreq;       /* requests the fake received */
	int fail;       /* the fake met something unexpected */
	bool tamper;    /* corrupt the request digest of the answer */
	size_t nvalues; /* values in a built answer (40 x 100 bytes: fragmented over UDP) */
	size_t piece;   /* write TCP answers in pieces of this many bytes (0: at once) */
};

static bool
wait_in(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, ms) == 1;
}

static ssize_t
udp_recv(struct fake *f, uint8_t *buf, size_t cap, struct sockaddr_storage *from,
         socklen_t *fromlen)
{
	*fromlen = sizeof(*from);
	if (!wait_in(f->udp, f->wait_ms)) {
		return -1;
	}
	return recvfrom(f->udp, buf, cap, 0, (struct sockaddr *)from, fromlen);
}

static void
udp_send(struct fake *f, const uint8_t *p, size_t len, const struct sockaddr_storage *to,
         socklen_t tolen)
{
	if (sendto(f->udp, p, len, 0, (const struct sockaddr *)to, tolen) != (ssize_t)len) {
		f->fail = 1;
	}
}

/* A RESOLUTION answer to a request unit, built by the codec (RD digest when asked):
 * URL + HS_ADMIN of §8, or nvalues values of 100 bytes. */
static int
build_answer(struct fake *f, const uint8_t *req, size_t len, struct wbuf *out)
{
	uint8_t data[100];
	struct slice clumps[64];
	struct hdl_resp_opts o = {EXPIRATION, 0xffff, 0};
	struct hdl_res_req rr;
	struct hdl_msg m;
	struct wbuf cw;
	struct rbuf r, body;
	uint8_t cbuf[64 * 200];
	size_t i, n = 0, off;
	int rc;

	rbuf_init(&r, req, len);
	if (hdl_msg_parse(&r, &m) != IDR_OK) {
		return IDR_EPROTO;
	}
	rbuf_init(&body, m.body.p, m.body.len);
	if (hdl_res_req_parse(&body, &rr, NULL, 0, NULL, 0) != IDR_OK) {
		return IDR_EPROTO;
	}
	wbuf_init(&cw, cbuf, sizeof(cbuf));
	memset(data, 'v', sizeof(data));
	for (i = 0; i < (f->nvalues != 0 ? f->nvalues : 2) && i < 64; i++, n++) {
		struct value v = {(uint32_t)i + 1,
		                  0x60000000,
		                  0,
		                  86400,
		                  0x0e,
		                  SLICE_LIT("ATTR"),
		                  slice_make(data, sizeof(data)),
		                  0,
		                  {NULL, 0}};

		if (f->nvalues == 0) {
			v.type = i == 0 ? SLICE_LIT("URL") : SLICE_LIT("EMAIL");
			v.data = i == 0 ? SLICE_LIT("https://example.com/a") : SLICE_LIT("a@b.c");
		}
		off = wbuf_len(&cw);
		value_encode(&cw, &v);
		clumps[n] = slice_make(wbuf_data(&cw) + off, wbuf_len(&cw) - off);
	}
	rc = hdl_resp_resolution(out, &m, rr.handle, clumps, n, &o);
	if (rc == IDR_OK && f->tamper) {
		/* body starts after envelope + header: hash type byte, then the digest */
		out->p[HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 1] ^= 0x01;
	}
	return rc;
}

/* UDP: answer the §8 request with the §8 response (request id patched to the request's). */
static void
serve_udp_canned(struct fake *f)
{
	struct sockaddr_storage from;
	uint8_t buf[2048];
	socklen_t fl;
	ssize_t n = udp_recv(f, buf, sizeof(buf), &from, &fl);

	if (n < 12) {
		f->fail = 1;
		return;
	}
	f->nreq++;
	memcpy(f->canned + 8, buf + 8, 4);
	udp_send(f, f->canned, f->canned_len, &from, fl);
}

/* UDP: an answer with another request id, a malformed one with ours, then the right one. */
static void
serve_udp_wrong_id(struct fake *f)
{
	struct sockaddr_storage from;
	uint8_t buf[2048], other[2048];
	socklen_t fl;
	ssize_t n = udp_recv(f, buf, sizeof(buf), &from, &fl);

	if (n < 12) {
		f->fail = 1;
		return;
	}
	f->nreq++;
	memcpy(f->canned + 8, buf + 8, 4);
	memcpy(other, f->canned, f->canned_len);
	other[11] ^= 0x5a;
	udp_send(f, other, f->canned_len, &from, fl);
	udp_send(f, f->canned, f->canned_len - 7, &from, fl); /* ours, truncated */
	udp_send(f, f->canned, 10, &from, fl);                /* shorter than an envelope */
	udp_send(f, f->canned, f->canned_len, &from, fl);
}

/* UDP: a built answer in fragments, out of order, one duplicated, one from another request. */
static void
serve_udp_fragments(struct fake *f)
{
	struct sockaddr_storage from;
	uint8_t buf[2048], dg[HDL_UDP_PACKET_MAX];
	struct wbuf ans, w;
	socklen_t fl;
	ssize_t n = udp_recv(f, buf, sizeof(buf), &from, &fl);
	int nfr, i;

	wbuf_init_heap(&ans, BUF_MAX);
	if (n < 0 || build_answer(f, buf, (size_t)n, &ans) != IDR_OK) {
		f->fail = 1;
		goto done;
	}
	f->nreq++;
	nfr = hdl_udp_fragment_count(wbuf_slice(&ans));
	for (i = nfr - 1; i >= 0; i--) {
		wbuf_init(&w, dg, sizeof(dg));
		if (hdl_udp_fragment(wbuf_slice(&ans), (size_t)i, &w) != IDR_OK) {
			f->fail = 1;
			goto done;
		}
		udp_send(f, dg, wbuf_len(&w), &from, fl);
		if (i == nfr - 1) {
			udp_send(f, dg, wbuf_len(&w), &from, fl); /* duplicate */
			dg[8] ^= 0x40;                            /* another request */
			udp_send(f, dg, wbuf_len(&w), &from, fl);
		}
	}
done:
	wbuf_deinit(&ans);
}

/* UDP: ignore the first send, answer the re-send. */
static void
serve_udp_second(struct fake *f)
{
	struct sockaddr_storage from;
	uint8_t buf[2048];
	struct wbuf ans;
	socklen_t fl;
	ssize_t n;

	wbuf_init_heap(&ans, BUF_MAX);
	while (f->nreq < 2 && (n = udp_recv(f, buf, sizeof(buf), &from, &fl)) > 0) {
		if (++f->nreq == 2 && build_answer(f, buf, (size_t)n, &ans) == IDR_OK) {
			udp_send(f, wbuf_data(&ans), wbuf_len(&ans), &from, fl);
		}
	}
	wbuf_deinit(&ans);
}

/* UDP: count requests, never answer. */
static void
serve_udp_silent(struct fake *f)
{
	struct sockaddr_storage from;
	uint8_t buf[2048];
	socklen_t fl;

	while (udp_recv(f, buf, sizeof(buf), &from, &fl) > 0) {
		f->nreq++;
	}
}

static int
tcp_accept(struct fake *f)
{
	if (!wait_in(f->tcp, f->wait_ms)) {
		return -1;
	}
	return accept(f->tcp, NULL, NULL);
}

static bool
read_n(int fd, uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if (!wait_in(fd, WAIT_MS) || (k = recv(fd, p, n, 0)) <= 0) {
			return false;
		}
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Read one request unit. @return its length or 0. */
static size_t
tcp_read_unit(int fd, uint8_t *buf, size_t cap)
{
	uint32_t len;

	if (!read_n(fd, buf, HDL_ENVELOPE_LEN)) {
		return 0;
	}
	len = (uint32_t)buf[16] << 24 | (uint32_t)buf[17] << 16 | (uint32_t)buf[18] << 8 | buf[19];
	if (len > cap - HDL_ENVELOPE_LEN || !read_n(fd, buf + HDL_ENVELOPE_LEN, len)) {
		return 0;
	}
	return HDL_ENVELOPE_LEN + len;
}

/* Write (in pieces if asked). @return false if the peer went away. */
static bool
tcp_write(struct fake *f, int fd, const uint8_t *p, size_t len)
{
	size_t step = f->piece != 0 ? f->piece : len, k;
	struct timespec ts = {0, 2000000};

	while (len > 0) {
		k = step < len ? step : len;
		if (send(fd, p, k, MSG_NOSIGNAL) != (ssize_t)k) {
			return false;
		}
		p += k;
		len -= k;
		if (len > 0 && f->piece != 0) {
			nanosleep(&ts, NULL);
		}
	}
	return true;
}

/* TCP: answer with canned bytes (request id patched unless the script changed it). */
static void
serve_tcp_canned(struct fake *f)
{
	uint8_t buf[4096];
	int fd = tcp_accept(f);
	size_t n;

	if (fd < 0) {
		f->fail = 1;
		return;
	}
	n = tcp_read_unit(fd, buf, sizeof(buf));
	if (n > 0) {
		f->nreq++;
		if (!f->tamper) {
			memcpy(f->canned + 8, buf + 8, 4);
		}
		f->fail |= !tcp_write(f, fd, f->canned, f->canned_len);
	}
	close(fd);
}

/* TCP: answer a request built by the codec. */
static void
serve_tcp_built(struct fake *f)
{
	uint8_t buf[4096];
	struct wbuf ans;
	int fd = tcp_accept(f);
	size_t n;

	wbuf_init_heap(&ans, BUF_MAX);
	n = fd < 0 ? 0 : tcp_read_unit(fd, buf, sizeof(buf));
	if (n > 0 && build_answer(f, buf, n, &ans) == IDR_OK) {
		f->nreq++;
		f->fail |= !tcp_write(f, fd, wbuf_data(&ans), wbuf_len(&ans));
	} else {
		f->fail = 1;
	}
	if (fd >= 0) {
		close(fd);
	}
	wbuf_deinit(&ans);
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;

	f->serve(f);
	return NULL;
}

/* Bind UDP and TCP to the same free port on 127.0.0.1. */
static bool
fake_bind(struct fake *f)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	f->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->udp >= 0 && f->tcp >= 0);
	assert_int_equal(setsockopt(f->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(bind(f->udp, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(f->udp, (struct sockaddr *)&a, &len), 0);
	if (bind(f->tcp, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(f->tcp, 8) != 0) {
		close(f->udp);
		close(f->tcp);
		return false;
	}
	memset(&f->addr, 0, sizeof(f->addr));
	memcpy(&f->addr.ss, &a, sizeof(a));
	f->addr.len = sizeof(a);
	return true;
}

static struct fake *
fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	int i;

	assert_non_null(f);
	f->wait_ms = WAIT_MS;
	for (i = 0; i < 50 && !fake_bind(f); i++) {
	}
	assert_true(i < 50);
	return f;
}

static void
fake_start(struct fake *f, fake_fn serve)
{
	f->serve = serve;
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

/* Wait for the script to end; check it met nothing unexpected. @return requests it saw. */
static int
fake_end(struct fake *f)
{
	int n;

	assert_int_equal(pthread_join(f->th, NULL), 0);
	n = f->nreq;
	close(f->udp);
	close(f->tcp);
	assert_int_equal(f->fail, 0);
	free(f);
	return n;
}

static void
fake_canned(struct fake *f, const char *hex)
{
	f->canned_len = unhex(hex, f->canned, sizeof(f->canned));
}

/* ======================================================================================== */
/* requests and reply checks (no sockets)                                                   */
/* ======================================================================================== */

static void
test_hdlc_resolution_encode(void **state)
{
	uint8_t want[256], buf[256];
	struct hdlc_query q;
	struct wbuf w;
	/* V1 of §8 but version 2.3 suggesting 2.11, as a stock client sends */
	size_t n = unhex("0203020b00000000010203040000000000000034" V1_MSG, want, sizeof(want));

	(void)state;
	memset(&q, 0, sizeof(q));
	q.handle = SLICE_LIT("88.100.1/abc");
	q.public_only = true;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(hdlc_resolution_encode(&w, &q, 0x01020304, EXPIRATION - 43200), IDR_OK);
	assert_int_equal(wbuf_len(&w), n);
	assert_memory_equal(buf, want, n);
	/* AT | RD without PO: flag word 0x98800000 */
	q.public_only = false;
	q.auth = q.digest = true;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(hdlc_resolution_encode(&w, &q, 7, EXPIRATION - 43200), IDR_OK);
	assert_memory_equal(buf + HDL_ENVELOPE_LEN + 8, "\x98\x80\x00\x00", 4);
	/* too long a handle */
	q.handle = slice_make(buf, HDL_MAX_HANDLE_LEN + 1);
	wbuf_init(&w, want, sizeof(want));
	assert_int_not_equal(hdlc_resolution_encode(&w, &q, 7, 0), IDR_OK);
}

static void
test_hdlc_request_id(void **state)
{
	uint32_t a, b;

	(void)state;
	assert_int_equal(hdlc_request_id(&a), IDR_OK);
	assert_int_equal(hdlc_request_id(&b), IDR_OK);
	assert_true(a != 0 && a <= 0x7fffffffu);
	assert_true(b != 0 && b <= 0x7fffffffu);
	assert_true(a != b);
}

/* A reply parsed from hex (owned by r). */
static void
reply_from_hex(struct hdlc_reply *r, const char *hex)
{
	struct rbuf in;
	size_t n = strlen(hex) / 2;

	hdlc_reply_init(r);
	r->buf = malloc(n);
	assert_non_null(r->buf);
	unhex(hex, r->buf, n);
	rbuf_init(&in, r->buf, n);
	assert_int_equal(hdl_msg_parse(&in, &r->msg), IDR_OK);
}

static void
test_hdlc_reply_check(void **state)
{
	uint8_t unit[512];
	struct hdl_value_list list;
	struct hdlc_reply r;
	struct rbuf rest;
	size_t n;

	(void)state;
	/* §8: the SHA-256 RD answer to the second request verifies */
	n = unhex(V2_ENV V2_MSG, unit, sizeof(unit));
	reply_from_hex(&r, RD_ENV RD_MSG);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_OK);
	assert_int_equal(hdl_res_resp_parse(&rest, &list), IDR_OK);
	assert_int_equal(list.count, 1);
	/* a changed request no longer matches the digest */
	unit[n - 5] ^= 1;
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_EPROTO);
	unit[n - 5] ^= 1;
	/* a corrupted digest */
	r.buf[HDL_ENVELOPE_LEN + HDL_HEADER_LEN + 5] ^= 0x80;
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_EPROTO);
	hdlc_reply_deinit(&r);
	/* RD asked for, answer without a digest (the first response vector, id 7 patched in) */
	reply_from_hex(&r, "0201020b0000000000000007000000000000009b" R1_MSG);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_EPROTO);
	hdlc_reply_deinit(&r);
	/* no RD: the §8 answer to the first request, and its not-found error */
	n = unhex(V1_ENV V1_MSG, unit, sizeof(unit));
	reply_from_hex(&r, R1_ENV R1_MSG);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_OK);
	hdlc_reply_deinit(&r);
	reply_from_hex(&r, E100_ENV E100_MSG);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_OK);
	assert_int_equal(r.msg.hdr.rc, HDL_RC_HANDLE_NOT_FOUND);
	/* another request id; a request instead of a response; a bad unit */
	unit[11] ^= 1;
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_EPROTO);
	hdlc_reply_deinit(&r);
	unit[11] ^= 1;
	reply_from_hex(&r, V1_ENV V1_MSG);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_EPROTO);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n - 1), &rest), IDR_EINVAL);
	hdlc_reply_deinit(&r);
}

/* ======================================================================================== */
/* UDP                                                                                      */
/* ======================================================================================== */

static size_t
v1_unit(uint8_t *buf, size_t cap)
{
	return unhex(V1_ENV V1_MSG, buf, cap);
}

static void
test_hdlc_udp_answer(void **state)
{
	static const unsigned sched[] = {2000};
	struct fake *f = fake_new();
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));
	struct rbuf rest;

	(void)state;
	fake_canned(f, R1_ENV R1_MSG);
	fake_start(f, serve_udp_canned);
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_udp_exchange(&f->addr, slice_make(unit, n), sched, 1, &r), IDR_OK);
	fake_end(f);
	assert_int_equal(r.datagrams, 1);
	assert_int_equal(r.msg.env.request_id, 0x01020304);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_OK);
	assert_int_equal(r.msg.hdr.rc, HDL_RC_SUCCESS);
	hdlc_reply_deinit(&r);
}

static void
test_hdlc_udp_ignores_wrong_id(void **state)
{
	static const unsigned sched[] = {2000};
	struct fake *f = fake_new();
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));
	struct rbuf rest;

	(void)state;
	fake_canned(f, R1_ENV R1_MSG);
	fake_start(f, serve_udp_wrong_id);
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_udp_exchange(&f->addr, slice_make(unit, n), sched, 1, &r), IDR_OK);
	fake_end(f);
	assert_int_equal(r.msg.env.request_id, 0x01020304);
	assert_int_equal(r.msg.body.len, 0x7f);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_OK);
	hdlc_reply_deinit(&r);
}

static void
test_hdlc_udp_fragmented(void **state)
{
	static const unsigned sched[] = {2000};
	struct fake *f = fake_new();
	struct hdl_value_list list;
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));
	struct rbuf rest, clumps;
	struct value v;
	struct slice c;
	uint32_t i;

	(void)state;
	f->nvalues = 40; /* 40 x (26 + 4 + 100) bytes: 11 datagrams */
	fake_start(f, serve_udp_fragments);
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_udp_exchange(&f->addr, slice_make(unit, n), sched, 1, &r), IDR_OK);
	fake_end(f);
	assert_true(r.datagrams > 10);
	assert_non_null(r.reasm);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_OK);
	assert_int_equal(hdl_res_resp_parse(&rest, &list), IDR_OK);
	assert_int_equal(list.count, 40);
	rbuf_init(&clumps, list.clumps.p, list.clumps.len);
	for (i = 1; i <= 40; i++) {
		assert_int_equal(hdl_clump_next(&clumps, &v, &c), IDR_OK);
		assert_int_equal(v.index, i);
		assert_int_equal(v.data.len, 100);
	}
	hdlc_reply_deinit(&r);
}

static void
test_hdlc_udp_resend(void **state)
{
	static const unsigned sched[] = {150, 2000};
	struct fake *f = fake_new();
	struct timespec t0, t1;
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));
	double ms;

	(void)state;
	fake_start(f, serve_udp_second);
	hdlc_reply_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(hdlc_udp_exchange(&f->addr, slice_make(unit, n), sched, 2, &r), IDR_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(fake_end(f), 2);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms >= 140.0); /* the re-send came after the first wait */
	assert_int_equal(r.msg.env.request_id, 0x01020304);
	hdlc_reply_deinit(&r);
}

static void
test_hdlc_udp_timeout(void **state)
{
	static const unsigned sched[] = {40, 40, 40};
	struct fake *f = fake_new();
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));

	(void)state;
	f->wait_ms = 300;
	fake_start(f, serve_udp_silent);
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_udp_exchange(&f->addr, slice_make(unit, n), sched, 3, &r),
	                 HDLC_ETIMEDOUT);
	assert_null(r.buf);
	/* the fake stops 300 ms after the last request */
	assert_int_equal(fake_end(f), 3);
}

static void
test_hdlc_udp_bad_unit(void **state)
{
	struct addr a;
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));

	(void)state;
	assert_int_equal(addr_parse("127.0.0.1:9", &a, NULL), IDR_OK);
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_udp_exchange(&a, slice_make(unit, n - 1), NULL, 3, &r), IDR_EINVAL);
	assert_int_equal(hdlc_udp_exchange(&a, slice_make(unit, n), NULL, 0, &r), IDR_EINVAL);
}

/* ======================================================================================== */
/* TCP                                                                                      */
/* ======================================================================================== */

static int
tcp_once(struct fake *f, const uint8_t *unit, size_t n, struct hdlc_reply *r)
{
	struct hdlc_tcp *c = NULL;
	int rc;

	assert_int_equal(hdlc_tcp_open(&c, &f->addr, 2000), IDR_OK);
	rc = hdlc_tcp_exchange(c, slice_make(unit, n), 2000, r);
	hdlc_tcp_close(c);
	return rc;
}

static void
test_hdlc_tcp_answer_in_pieces(void **state)
{
	struct fake *f = fake_new();
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));
	struct rbuf rest;

	(void)state;
	fake_canned(f, R1_ENV R1_MSG);
	f->piece = 7; /* the envelope and the message arrive split */
	fake_start(f, serve_tcp_canned);
	hdlc_reply_init(&r);
	assert_int_equal(tcp_once(f, unit, n, &r), IDR_OK);
	fake_end(f);
	assert_int_equal(hdlc_reply_check(&r, slice_make(unit, n), &rest), IDR_OK);
	assert_int_equal(r.msg.hdr.rc, HDL_RC_SUCCESS);
	hdlc_reply_deinit(&r);
}

static void
test_hdlc_tcp_wrong_id(void **state)
{
	struct fake *f = fake_new();
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));

	(void)state;
	fake_canned(f, "0201020b0000000001020399000000000000009b" R1_MSG);
	f->tamper = true; /* keep the canned (wrong) request id */
	fake_start(f, serve_tcp_canned);
	hdlc_reply_init(&r);
	assert_int_equal(tcp_once(f, unit, n, &r), IDR_EPROTO);
	assert_null(r.buf);
	fake_end(f);
}

static void
test_hdlc_tcp_truncated_and_oversized(void **state)
{
	struct fake *f;
	struct hdlc_reply r;
	uint8_t unit[256];
	size_t n = v1_unit(unit, sizeof(unit));

	(void)state;
	/* closed in the middle of the message */
	f = fake_new();
	fake_canned(f, R1_ENV R1_MSG);
	f->canned_len -= 10;
	fake_start(f, serve_tcp_canned);
	hdlc_reply_init(&r);
	assert_int_equal(tcp_once(f, unit, n, &r), IDR_EPROTO);
	fake_end(f);
	/* MessageLength one past 262144 */
	f = fake_new();
	fake_canned(f, "0201020b0000000001020304000000000004000100000000");
	fake_start(f, serve_tcp_canned);
	assert_int_equal(tcp_once(f, unit, n, &r), IDR_ELIMIT);
	fake_end(f);
	/* MessageLength below a header */
	f = fake_new();
	fake_canned(f, "0201020b000000000102030400000000000000170000000000000000");
	fake_start(f, serve_tcp_canned);
	assert_int_equal(tcp_once(f, unit, n, &r), IDR_EPROTO);
	fake_end(f);
}

static void
test_hdlc_tcp_refused(void **state)
{
	struct fake *f = fake_new();
	struct addr a = f->addr;
	struct hdlc_tcp *c = NULL;

	(void)state;
	close(f->udp);
	close(f->tcp);
	free(f);
	assert_int_equal(hdlc_tcp_open(&c, &a, 1000), -ECONNREFUSED);
	assert_null(c);
}

/* ======================================================================================== */
/* resolve (encode, exchange, check)                                                        */
/* ======================================================================================== */

static void
query_abc(struct hdlc_query *q, bool digest)
{
	memset(q, 0, sizeof(*q));
	q->handle = SLICE_LIT("88.100.1/abc");
	q->public_only = true;
	q->digest = digest;
}

static void
test_hdlc_resolve_udp_digest(void **state)
{
	struct fake *f = fake_new();
	struct hdl_value_list list;
	struct hdlc_reply r;
	struct hdlc_query q;
	enum hdlc_proto used = HDLC_PROTO_AUTO;
	struct rbuf rest;

	(void)state;
	query_abc(&q, true);
	fake_start(f, serve_udp_second); /* answers the re-send: 0.5 s */
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_resolve(&f->addr, HDLC_PROTO_AUTO, &q, 5000, &r, &used, &rest),
	                 IDR_OK);
	fake_end(f);
	assert_int_equal(used, HDLC_PROTO_UDP);
	assert_true((r.msg.hdr.flags & HDL_FLAG_RD) != 0);
	assert_int_equal(hdl_res_resp_parse(&rest, &list), IDR_OK);
	assert_int_equal(list.count, 2);
	assert_true(slice_eq(list.handle, q.handle));
	hdlc_reply_deinit(&r);
}

static void
test_hdlc_resolve_bad_digest(void **state)
{
	struct fake *f = fake_new();
	struct hdlc_reply r;
	struct hdlc_query q;
	struct rbuf rest;

	(void)state;
	query_abc(&q, true);
	f->tamper = true;
	fake_start(f, serve_tcp_built);
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_resolve(&f->addr, HDLC_PROTO_TCP, &q, 5000, &r, NULL, &rest),
	                 IDR_EPROTO);
	assert_null(r.buf);
	fake_end(f);
}

static void
test_hdlc_resolve_falls_back_to_tcp(void **state)
{
	struct fake *f = fake_new();
	struct hdlc_reply r;
	struct hdlc_query q;
	enum hdlc_proto used = HDLC_PROTO_AUTO;
	struct rbuf rest;

	(void)state;
	query_abc(&q, false);
	close(f->udp); /* nobody listens on UDP: refused at once */
	fake_start(f, serve_tcp_built);
	hdlc_reply_init(&r);
	assert_int_equal(hdlc_resolve(&f->addr, HDLC_PROTO_AUTO, &q, 5000, &r, &used, &rest),
	                 IDR_OK);
	assert_int_equal(used, HDLC_PROTO_TCP);
	assert_int_equal(r.msg.hdr.rc, HDL_RC_SUCCESS);
	hdlc_reply_deinit(&r);
	assert_int_equal(pthread_join(f->th, NULL), 0);
	close(f->tcp);
	assert_int_equal(f->fail, 0);
	free(f);
}

static void
test_hdlc_resolve_udp_only_times_out(void **state)
{
	struct fake *f = fake_new();
	struct hdlc_reply r;
	struct hdlc_query q;
	struct rbuf rest;

	(void)state;
	query_abc(&q, false);
	f->wait_ms = 300;
	fake_start(f, serve_udp_silent);
	hdlc_reply_init(&r);
	/* 300 ms: the first wait (500 ms) is cut to the time left */
	assert_int_equal(hdlc_resolve(&f->addr, HDLC_PROTO_UDP, &q, 300, &r, NULL, &rest),
	                 HDLC_ETIMEDOUT);
	fake_end(f);
}

/* ======================================================================================== */
/* HTTP                                                                                     */
/* ======================================================================================== */

static void
test_hdlc_http_path(void **state)
{
	static const uint32_t idx[] = {1, 100};
	struct slice types[] = {SLICE_LIT("URL"), SLICE_LIT("HS_ADMIN.")};
	struct hdlc_query q;
	struct wbuf w;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.handle = SLICE_LIT("88.100.1/a b?c&d%\xe4\xb8\xad");
	q.public_only = true;
	wbuf_init_heap(&w, 4096);
	assert_int_equal(hdlc_http_resolve_path(&w, &q), IDR_OK);
	wbuf_terminate(&w);
	assert_string_equal((const char *)wbuf_data(&w),
	                    "/api/handles/88.100.1/a%20b%3Fc%26d%25%E4%B8%AD");
	wbuf_reset(&w);
	q.handle = SLICE_LIT("x/y");
	q.types = types;
	q.ntypes = 2;
	q.indexes = idx;
	q.nindexes = 2;
	q.public_only = false;
	q.auth = true;
	assert_int_equal(hdlc_http_resolve_path(&w, &q), IDR_OK);
	wbuf_terminate(&w);
	assert_string_equal((const char *)wbuf_data(&w),
	                    "/api/handles/x/y?type=URL&type=HS_ADMIN.&index=1&index=100"
	                    "&publicOnly=false&auth=true");
	wbuf_deinit(&w);
}

/* ---- referrals ---- */

/* Append a value clump (index i, type, data) to w. */
static void
put_clump(struct wbuf *w, uint32_t i, const char *type, struct slice data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = i;
	v.ttl = 86400;
	v.perms = 0x0e;
	v.type = slice_cstr(type);
	v.data = data;
	value_encode(w, &v);
}

/* An HS_SITE of one IPv4 server 127.0.0.1 with UDP port udp and TCP port tcp (0: none). */
static void
put_site(struct wbuf *w, uint32_t i, const char *type, uint32_t udp, uint32_t tcp)
{
	static struct value_site site;
	struct value_site_server *sv = &site.servers[0];
	uint8_t buf[512];
	struct wbuf d;

	memset(&site, 0, sizeof(site));
	site.version = 1;
	site.proto_major = 2;
	site.proto_minor = 10;
	site.primary_mask = 0x80;
	site.nservers = 1;
	sv->id = 1;
	sv->addr[12] = 127;
	sv->addr[15] = 1;
	if (tcp != 0) {
		sv->ifaces[sv->nifaces++] = (struct value_site_iface){
		        VALUE_IFACE_QUERY | VALUE_IFACE_ADMIN, VALUE_PROTO_TCP, tcp};
	}
	if (udp != 0) {
		sv->ifaces[sv->nifaces++] =
		        (struct value_site_iface){VALUE_IFACE_QUERY, VALUE_PROTO_UDP, udp};
	}
	wbuf_init(&d, buf, sizeof(buf));
	value_site_encode(&d, &site);
	put_clump(w, i, type, wbuf_slice(&d));
}

static void
test_hdlc_referral_target(void **state)
{
	struct {
		const char *what;
		int build; /* which value list */
		enum hdlc_proto proto;
		int rc;
		unsigned port;    /* expected port of *out (rc IDR_OK) */
		const char *serv; /* expected *serv (rc IDR_ENOENT) */
	} cases[] = {
	        {"HS_SITE.PREFIX, UDP preferred", 0, HDLC_PROTO_AUTO, IDR_OK, 2641, ""},
	        {"HS_SITE.PREFIX, TCP asked", 0, HDLC_PROTO_TCP, IDR_OK, 2642, ""},
	        {"HS_SITE.PREFIX, UDP asked", 0, HDLC_PROTO_UDP, IDR_OK, 2641, ""},
	        {"TCP only site, UDP asked", 1, HDLC_PROTO_UDP, IDR_OK, 2642, ""},
	        {"HS_SERV only", 2, HDLC_PROTO_AUTO, IDR_ENOENT, 0, "0.NA/88.118.SERV"},
	        {"bad site skipped, next site used", 3, HDLC_PROTO_AUTO, IDR_OK, 3000, ""},
	        {"HS_SERV before a site: the site wins", 4, HDLC_PROTO_AUTO, IDR_OK, 2641, ""},
	        {"nothing usable", 5, HDLC_PROTO_AUTO, IDR_ENOENT, 0, ""},
	        {"truncated clumps", 6, HDLC_PROTO_AUTO, IDR_EPROTO, 0, ""},
	};
	uint8_t buf[4096];
	struct wbuf w;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct addr out;
		struct slice serv;
		struct slice clumps;

		wbuf_init(&w, buf, sizeof(buf));
		switch (cases[c].build) {
		case 0:
			put_clump(&w, 100, "HS_ADMIN", SLICE_LIT("x"));
			put_site(&w, 1, "HS_SITE.PREFIX", 2641, 2642);
			break;
		case 1:
			put_site(&w, 1, "HS_SITE", 0, 2642);
			break;
		case 2:
			put_clump(&w, 2, "HS_SERV.PREFIX", SLICE_LIT("0.NA/88.118.SERV"));
			break;
		case 3:
			put_clump(&w, 1, "HS_SITE", SLICE_LIT("not a site"));
			put_site(&w, 2, "HS_SITE.6", 3000, 0);
			break;
		case 4:
			put_clump(&w, 2, "HS_SERV", SLICE_LIT("0.NA/X"));
			put_site(&w, 1, "HS_SITE", 2641, 2642);
			break;
		case 5:
			put_clump(&w, 1, "URL", SLICE_LIT("https://e.example"));
			put_site(&w, 2, "HS_SITE", 0, 0);
			break;
		default:
			put_site(&w, 1, "HS_SITE", 2641, 2642);
			break;
		}
		assert_int_equal(wbuf_error(&w), IDR_OK);
		clumps = wbuf_slice(&w);
		if (cases[c].build == 6) {
			clumps.len -= 3;
		}
		memset(&out, 0, sizeof(out));
		print_message("case %zu: %s\n", c, cases[c].what);
		assert_int_equal(hdlc_referral_target(clumps, SLICE_LIT("88.118.8/P-1"),
		                                      cases[c].proto, &out, &serv),
		                 cases[c].rc);
		if (cases[c].rc == IDR_OK) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)&out.ss;

			assert_int_equal(sin->sin_family, AF_INET);
			assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000001u);
			assert_int_equal(ntohs(sin->sin_port), cases[c].port);
		} else if (cases[c].rc == IDR_ENOENT) {
			assert_int_equal(serv.len, strlen(cases[c].serv));
			assert_memory_equal(serv.p, cases[c].serv, serv.len);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hdlc_resolution_encode),
	        cmocka_unit_test(test_hdlc_request_id),
	        cmocka_unit_test(test_hdlc_reply_check),
	        cmocka_unit_test(test_hdlc_udp_answer),
	        cmocka_unit_test(test_hdlc_udp_ignores_wrong_id),
	        cmocka_unit_test(test_hdlc_udp_fragmented),
	        cmocka_unit_test(test_hdlc_udp_resend),
	        cmocka_unit_test(test_hdlc_udp_timeout),
	        cmocka_unit_test(test_hdlc_udp_bad_unit),
	        cmocka_unit_test(test_hdlc_tcp_answer_in_pieces),
	        cmocka_unit_test(test_hdlc_tcp_wrong_id),
	        cmocka_unit_test(test_hdlc_tcp_truncated_and_oversized),
	        cmocka_unit_test(test_hdlc_tcp_refused),
	        cmocka_unit_test(test_hdlc_resolve_udp_digest),
	        cmocka_unit_test(test_hdlc_resolve_bad_digest),
	        cmocka_unit_test(test_hdlc_resolve_falls_back_to_tcp),
	        cmocka_unit_test(test_hdlc_resolve_udp_only_times_out),
	        cmocka_unit_test(test_hdlc_http_path),
	        cmocka_unit_test(test_hdlc_referral_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
