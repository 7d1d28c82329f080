/*
 * test_conn.c - Handle over TCP (net/conn.h) with requests the dispatcher defers: a deferred
 * answer reaches a keep-alive connection, a request without KC closes the connection after
 * its deferred answer, pipelined requests are answered as each completes, a client that
 * goes away (reset) cancels what it left pending, one that only stopped sending (half-close)
 * still gets its answer. Real sockets on 127.0.0.1, one event loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "net/accept.h"
#include "net/conn.h"
#include "net/connlim.h"
#include "net/net.h"
#include "reg.h"

#define DEFER_OP HDL_OC_DELETE_HANDLE /* deferred by the test's handler */
#define MAXJOBS  8

struct fix;

struct job {
	struct fix *f;
	struct rsv_pending *p;
	struct event *timer;
	bool cancelled;
};

struct fix {
	struct reg *reg;
	struct conf c;
	struct metrics *m;
	struct rsv *r;
	struct event_base *base;
	struct rsv_worker *w;
	struct connlim *lim;
	struct accept_gate *gate;
	struct conn_listener *l;
	int lfd;
	struct addr addr;
	struct job jobs[MAXJOBS];
	size_t njobs;
	int delay_ms; /* of the next deferred answer */
};

static int
answer_ok(void *arg, struct rsv_req *q)
{
	(void)arg;
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	return hdl_resp_generic(rsv_req_out(q), rsv_req_msg(q), rsv_req_opts(q));
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	rsv_pending_complete(j->p, answer_ok, NULL);
	j->p = NULL;
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	struct job *j = arg;

	j->cancelled = true;
	evtimer_del(j->timer);
	rsv_pending_complete(p, answer_ok, NULL);
	j->p = NULL;
}

static int
deferring_op(void *arg, struct rsv_req *q)
{
	struct fix *f = arg;
	struct job *j = &f->jobs[f->njobs];
	struct timeval tv = {0, f->delay_ms * 1000};

	assert_true(f->njobs < MAXJOBS);
	j->f = f;
	j->p = rsv_req_defer(q, on_cancel, j);
	if (j->p == NULL) {
		return rsv_req_busy(q);
	}
	f->njobs++;
	j->timer = evtimer_new(rsv_worker_base(rsv_req_worker(q)), on_timer, j);
	assert_non_null(j->timer);
	assert_int_equal(evtimer_add(j->timer, &tv), 0);
	return IDR_OK;
}

static int
setup(void **state)
{
	struct net_bind_opts bo = {SOCK_STREAM, false, 16, 0};
	struct reg_opts o;
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&f->reg, &o, "88.100", "test"), IDR_OK);
	assert_int_equal(conf_load(&f->c, NULL, NULL, NULL), IDR_OK);
	assert_int_equal(metrics_new(&f->m, 1, NULL, 0), IDR_OK);
	assert_int_equal(rsv_new(&f->r, f->reg, &f->c, NULL, f->m), IDR_OK);
	assert_int_equal(rsv_set_op(f->r, DEFER_OP, deferring_op, f), IDR_OK);
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(rsv_worker_new(f->r, 0, f->base, &f->w), IDR_OK);
	assert_int_equal(connlim_new(&f->lim, 100, 100), IDR_OK);
	assert_int_equal(accept_gate_new(&f->gate, f->base), IDR_OK);
	assert_int_equal(addr_parse("127.0.0.1:0", &f->addr, NULL), IDR_OK);
	assert_int_equal(net_bind(&f->addr, &bo, &f->lfd), IDR_OK);
	assert_int_equal(net_local_addr(f->lfd, &f->addr), IDR_OK);
	assert_int_equal(conn_listener_new(&f->l, f->base, f->w, f->lfd, f->lim, f->m, f->gate),
	                 IDR_OK);
	f->delay_ms = 5;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	conn_listener_free(f->l);
	for (size_t i = 0; i < f->njobs; i++) {
		event_free(f->jobs[i].timer);
	}
	accept_gate_free(f->gate);
	connlim_free(f->lim);
	rsv_worker_free(f->w);
	event_base_free(f->base);
	close(f->lfd);
	rsv_free(f->r);
	metrics_free(f->m);
	conf_free(&f->c);
	reg_close(f->reg);
	free(f);
	return 0;
}

static void
nap(void)
{
	struct timespec ts = {0, 1000000};

	nanosleep(&ts, NULL);
}

static int
client(struct fix *f)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)&f->addr.ss, f->addr.len), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void
send_req(int fd, uint32_t opcode, uint32_t id, bool keep)
{
	uint8_t buf[512];
	struct hdl_req_opts o;
	struct wbuf w;

	hdl_req_opts_init(&o, id, 2000000000u);
	o.flags |= keep ? HDL_FLAG_KC : 0;
	wbuf_init(&w, buf, sizeof(buf));
	if (opcode == HDL_OC_RESOLUTION) {
		assert_int_equal(hdl_req_resolution_encode(&w, &o, SLICE_LIT("88.100/none"), NULL,
		                                           0, NULL, 0),
		                 IDR_OK);
	} else {
		assert_int_equal(hdl_req_handle_encode(&w, &o, opcode, SLICE_LIT("88.100/x")),
		                 IDR_OK);
	}
	assert_int_equal(write(fd, buf, wbuf_len(&w)), (ssize_t)wbuf_len(&w));
}

/*
 * Run the loop until an answer unit arrives on fd (its request id and rc returned) or the
 * stream ends (false).
 */
static bool
read_answer(struct fix *f, int fd, uint32_t *id, uint32_t *rc)
{
	static uint8_t buf[8192];
	static size_t have;
	static int owner = -1;
	struct hdl_msg m;
	struct rbuf r;

	if (owner != fd) {
		have = 0;
		owner = fd;
	}
	for (int i = 0; i < 400; i++) {
		ssize_t n;

		rbuf_init(&r, buf, have);
		if (hdl_msg_parse(&r, &m) == IDR_OK) {
			size_t used = have - rbuf_left(&r);

			*id = m.env.request_id;
			*rc = m.hdr.rc;
			memmove(buf, buf + used, have - used);
			have -= used;
			return true;
		}
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n == 0) {
			return false;
		}
		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		assert_int_equal(errno, EAGAIN);
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		nap();
	}
	fail_msg("no answer");
	return false;
}

static void
test_conn_deferred_keepalive(void **state)
{
	struct fix *f = *state;
	int fd = client(f);
	uint32_t id, rc;

	send_req(fd, DEFER_OP, 11, true);
	assert_true(read_answer(f, fd, &id, &rc));
	assert_int_equal(id, 11);
	assert_int_equal(rc, HDL_RC_SUCCESS);
	/* the connection stays: an ordinary request after it */
	send_req(fd, HDL_OC_RESOLUTION, 12, true);
	assert_true(read_answer(f, fd, &id, &rc));
	assert_int_equal(id, 12);
	assert_int_equal(rc, HDL_RC_HANDLE_NOT_FOUND);
	assert_int_equal(conn_listener_open(f->l), 1);
	close(fd);
}

static void
test_conn_deferred_then_close(void **state)
{
	struct fix *f = *state;
	int fd = client(f);
	uint32_t id, rc;

	send_req(fd, DEFER_OP, 21, false); /* no KC: the answer is the last thing sent */
	assert_true(read_answer(f, fd, &id, &rc));
	assert_int_equal(id, 21);
	assert_false(read_answer(f, fd, &id, &rc)); /* then the stream ends */
	assert_int_equal(conn_listener_open(f->l), 0);
	close(fd);
}

static void
test_conn_pipelined_out_of_order(void **state)
{
	struct fix *f = *state;
	int fd = client(f);
	uint32_t id, rc;

	f->delay_ms = 50;
	send_req(fd, DEFER_OP, 31, true);          /* slow */
	send_req(fd, HDL_OC_RESOLUTION, 32, true); /* answered at once */
	assert_true(read_answer(f, fd, &id, &rc));
	assert_int_equal(id, 32);
	assert_true(read_answer(f, fd, &id, &rc));
	assert_int_equal(id, 31);
	assert_int_equal(rc, HDL_RC_SUCCESS);
	close(fd);
}

static void
test_conn_gone_cancels(void **state)
{
	struct fix *f = *state;
	int fd = client(f);

	f->delay_ms = 5000;
	send_req(fd, DEFER_OP, 41, true);
	for (int i = 0; i < 100 && f->njobs == 0; i++) {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		nap();
	}
	assert_int_equal(f->njobs, 1);
	assert_int_equal(rsv_worker_pending(f->w), 1);
	/* the client goes away (reset: a plain close could be a half-close, see below) */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){1, 0},
	                            sizeof(struct linger)),
	                 0);
	close(fd);
	for (int i = 0; i < 200 && !f->jobs[0].cancelled; i++) {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		nap();
	}
	assert_true(f->jobs[0].cancelled);
	assert_int_equal(rsv_worker_pending(f->w), 0);
	assert_int_equal(conn_listener_open(f->l), 0);
}

static void
test_conn_half_close_still_answered(void **state)
{
	struct fix *f = *state;
	int fd = client(f);
	uint32_t id, rc;

	send_req(fd, DEFER_OP, 51, true);
	assert_int_equal(shutdown(fd, SHUT_WR), 0); /* done sending, still reading */
	assert_true(read_answer(f, fd, &id, &rc));
	assert_int_equal(id, 51);
	assert_int_equal(rc, HDL_RC_SUCCESS);
	assert_false(read_answer(f, fd, &id, &rc)); /* then closed */
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_conn_deferred_keepalive, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_conn_deferred_then_close, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_conn_pipelined_out_of_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_conn_gone_cancels, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_conn_half_close_still_answered, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
