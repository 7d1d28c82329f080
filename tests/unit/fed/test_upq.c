/* test_upq.c - the asynchronous upstream client against fake servers on the same event loop:
 * an answer with another request id is ignored, a truncated UDP answer moves to TCP, a closed
 * port fails at once, a silent server times out within the bound, a server silent on UDP is
 * asked over TCP beside it after the first re-send time, a mismatched digest fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fed/upq.h"

enum mode {
	M_ANSWER,    /* answer at once */
	M_WRONG_ID,  /* first a datagram with another request id, then the answer */
	M_TRUNCATE,  /* UDP: a datagram announcing more than it holds (TCP answers) */
	M_SILENT,    /* never answer */
	M_BAD_DIGEST /* answer with a digest of something else */
};

struct fake {
	struct event_base *base;
	enum mode mode;
	int udp, lis, conn;
	struct event *uev, *lev, *cev;
	struct addr addr; /* UDP and TCP on the same port */
	unsigned udp_seen, tcp_seen;
};

struct outcome {
	bool done;
	int err;
	uint32_t rc;
};

static void
answer(struct fake *f, const uint8_t *req, size_t len, struct wbuf *w)
{
	struct hdl_resp_opts o = {0x5f5e1000, 0xffff, 0};
	struct hdl_msg m;
	struct rbuf r;

	rbuf_init(&r, req, len);
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	if (f->mode == M_BAD_DIGEST) {
		m.raw = SLICE_LIT("something else entirely, not the request's header and body");
	}
	assert_int_equal(hdl_resp_error(w, &m, HDL_RC_HANDLE_NOT_FOUND, SLICE_LIT("no"), &o),
	                 IDR_OK);
	if (f->mode == M_WRONG_ID) {
		w->p[11] ^= 0x55; /* the request id's last byte */
	}
}

static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	uint8_t buf[2048], out[2048];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct wbuf w;
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);

	(void)what;
	if (n <= 0) {
		return;
	}
	f->udp_seen++;
	if (f->mode == M_SILENT) {
		return;
	}
	wbuf_init(&w, out, sizeof(out));
	answer(f, buf, (size_t)n, &w);
	if (f->mode == M_TRUNCATE) {
		w.len -= 4; /* MessageLength now says more than the datagram holds */
	}
	assert_true(sendto(fd, out, w.len, 0, (struct sockaddr *)&ss, sl) > 0);
	if (f->mode == M_WRONG_ID) {
		w.p[11] ^= 0x55;
		assert_true(sendto(fd, out, w.len, 0, (struct sockaddr *)&ss, sl) > 0);
	}
}

static void
on_conn(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	uint8_t buf[4096], out[2048];
	struct wbuf w;
	ssize_t n = read(fd, buf, sizeof(buf)); /* the request is small: one read */

	(void)what;
	if (n <= 0) {
		return;
	}
	f->tcp_seen++;
	wbuf_init(&w, out, sizeof(out));
	answer(f, buf, (size_t)n, &w);
	assert_int_equal(write(fd, out, w.len), (ssize_t)w.len);
}

static void
on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;

	(void)what;
	f->conn = accept(fd, NULL, NULL);
	assert_true(f->conn >= 0);
	f->cev = event_new(f->base, f->conn, EV_READ | EV_PERSIST, on_conn, f);
	assert_int_equal(event_add(f->cev, NULL), 0);
}

/*
 * UDP and TCP on one port number. The TCP socket is bound even without tcp (not listening:
 * a connection is refused), so no other process can take that port while the case runs; a
 * port whose TCP side is taken already is given up for another.
 */
static void
fake_start(struct fake *f, struct event_base *base, enum mode mode, bool tcp)
{
	struct sockaddr_in sin = {0};
	socklen_t sl = sizeof(sin);
	int tries = 0;

	memset(f, 0, sizeof(*f));
	f->base = base;
	f->mode = mode;
	f->conn = -1;
	for (;;) {
		f->udp = socket(AF_INET, SOCK_DGRAM, 0);
		f->lis = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(f->udp >= 0 && f->lis >= 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(sin);
		assert_int_equal(bind(f->udp, (struct sockaddr *)&sin, sizeof(sin)), 0);
		assert_int_equal(getsockname(f->udp, (struct sockaddr *)&sin, &sl), 0);
		if (bind(f->lis, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			break;
		}
		close(f->udp);
		close(f->lis);
		assert_true(++tries < 50);
	}
	assert_int_equal(addr_from(&f->addr, (struct sockaddr *)&sin, sl), IDR_OK);
	f->uev = event_new(base, f->udp, EV_READ | EV_PERSIST, on_udp, f);
	assert_int_equal(event_add(f->uev, NULL), 0);
	if (tcp) {
		assert_int_equal(listen(f->lis, 4), 0);
		f->lev = event_new(base, f->lis, EV_READ | EV_PERSIST, on_accept, f);
		assert_int_equal(event_add(f->lev, NULL), 0);
	}
}

static void
fake_stop(struct fake *f)
{
	if (f->cev != NULL) {
		event_free(f->cev);
		close(f->conn);
	}
	if (f->lev != NULL) {
		event_free(f->lev);
	}
	close(f->lis);
	event_free(f->uev);
	close(f->udp);
}

static void
on_done(void *arg, int err, const struct hdl_msg *resp, struct rbuf *rest)
{
	struct outcome *o = arg;

	o->done = true;
	o->err = err;
	o->rc = resp != NULL ? resp->hdr.rc : 0;
	assert_true((err == IDR_OK) == (resp != NULL && rest != NULL));
}

/* Run one query against a (possibly absent) server; returns its outcome and duration. */
static struct outcome
run(struct event_base *base, const struct upq_target *t, bool digest, unsigned timeout_ms,
    uint64_t *ms)
{
	uint8_t buf[512];
	struct hdl_req_opts ro;
	struct outcome o = {false, 1, 0};
	struct timespec a, b;
	struct upq *q = NULL;
	struct wbuf w;

	hdl_req_opts_init(&ro, 0x01020304, 0x5f5e1000);
	ro.flags |= digest ? HDL_FLAG_RD : 0;
	wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(
	        hdl_req_resolution_encode(&w, &ro, SLICE_LIT("88.200.3/X"), NULL, 0, NULL, 0),
	        IDR_OK);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(upq_start(&q, base, t, wbuf_slice(&w), timeout_ms, NULL, on_done, &o),
	                 IDR_OK);
	while (!o.done) {
		assert_true(event_base_loop(base, EVLOOP_ONCE) >= 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	*ms = (uint64_t)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
	return o;
}

static struct upq_target
target_of(const struct fake *f, bool udp, bool tcp)
{
	struct upq_target t = {f->addr, f->addr, udp, tcp};

	return t;
}

static void
test_upq_cases(void **state)
{
	static const struct {
		const char *name;
		enum mode mode;
		bool server_tcp, use_udp, use_tcp, digest;
		unsigned timeout_ms;
		int err;
		unsigned udp_seen_min, tcp_seen;
		uint64_t max_ms;
	} cases[] = {
	        {"answer over UDP", M_ANSWER, true, true, true, true, 2000, IDR_OK, 1, 0, 400},
	        {"another id ignored", M_WRONG_ID, false, true, false, false, 2000, IDR_OK, 1, 0,
	         400},
	        {"truncated: TCP", M_TRUNCATE, true, true, true, false, 2000, IDR_OK, 1, 1, 400},
	        {"TCP only", M_ANSWER, true, false, true, true, 2000, IDR_OK, 0, 1, 400},
	        {"silent: bounded", M_SILENT, false, true, false, false, 300, UPQ_ETIMEDOUT, 1, 0,
	         700},
	        {"silent, TCP refused after 3 UDP tries", M_SILENT, false, true, true, false, 4000,
	         -ECONNREFUSED, 3, 0, 3600},
	        {"silent UDP (an answer too large for it): TCP beside it after 500 ms", M_SILENT,
	         true, true, true, false, 4000, IDR_OK, 1, 1, 900},
	        {"digest of something else", M_BAD_DIGEST, false, true, false, true, 700,
	         IDR_EPROTO, 1, 0, 1200},
	};
	struct event_base *base = event_base_new();

	(void)state;
	assert_non_null(base);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f;
		struct upq_target t;
		struct outcome o;
		uint64_t ms;

		fake_start(&f, base, cases[i].mode, cases[i].server_tcp);
		t = target_of(&f, cases[i].use_udp, cases[i].use_tcp);
		o = run(base, &t, cases[i].digest, cases[i].timeout_ms, &ms);
		if (o.err != cases[i].err || f.udp_seen < cases[i].udp_seen_min ||
		    f.tcp_seen != cases[i].tcp_seen || ms > cases[i].max_ms) {
			fail_msg("%s: err %d (want %d), udp %u tcp %u, %llu ms", cases[i].name,
			         o.err, cases[i].err, f.udp_seen, f.tcp_seen,
			         (unsigned long long)ms);
		}
		if (o.err == IDR_OK) {
			assert_int_equal(o.rc, HDL_RC_HANDLE_NOT_FOUND);
		}
		fake_stop(&f);
	}
	event_base_free(base);
}

static void
test_upq_cancel_and_bad_input(void **state)
{
	struct event_base *base = event_base_new();
	struct upq_target none = {0};
	struct fake f;
	struct upq_target t;
	struct outcome o = {false, 1, 0};
	struct upq *q = NULL;

	(void)state;
	fake_start(&f, base, M_SILENT, false);
	t = target_of(&f, true, false);
	assert_int_equal(upq_start(&q, base, &none, SLICE_LIT("x"), 100, NULL, on_done, &o),
	                 IDR_EINVAL);
	assert_int_equal(
	        upq_start(&q, base, &t, SLICE_LIT("not a unit at all, no"), 100, NULL, on_done, &o),
	        IDR_EINVAL);
	assert_null(q);
	upq_cancel(NULL);
	fake_stop(&f);
	event_base_free(base);
	assert_false(o.done);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_upq_cases),
	        cmocka_unit_test(test_upq_cancel_and_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
