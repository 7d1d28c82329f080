/*
 * test_pending.c - the dispatcher's pending contract (rsv.h): a handler defers a request and
 * completes it later on the worker's event loop (from a timer, or from another thread through
 * the worker's mailbox); cancellation when the connection goes away; the bounds per
 * connection and per worker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/mbox.h"
#include "core/metrics.h"
#include "core/rsv.h"
#include "hdl/hdl.h"
#include "lib/conf_text.h"
#include "reg.h"

#define NOW        1700000000u
#define TEST_OP    HDL_OC_DELETE_HANDLE /* an operation this node does not serve yet */
#define MAX_CONN   2
#define MAX_WORKER 3

/* What a done callback received. */
struct got {
	int calls;
	uint64_t tag;
	enum rsv_action action;
	struct hdl_msg m;
	uint8_t answer[1024];
	size_t len;
	bool had_peer;
};

/* The producer of one deferred request: a timer on the worker's loop. */
struct job {
	struct fix *f;
	struct rsv_pending *p;
	struct event *timer;
	int cancels;
	struct mbox_msg msg; /* for completions posted from another thread */
};

struct fix {
	struct reg *reg;
	struct conf c;
	struct metrics *m;
	struct rsv *r;
	struct event_base *base;
	struct rsv_worker *w;
	struct rsv_conn *conn;
	struct got got;
	struct job jobs[8];
	size_t njobs;
	bool via_thread; /* complete through the mailbox from another thread */
	struct wbuf out, req;
	int answered; /* answer callbacks run */
};

static void
record(void *arg, const struct rsv_done *d)
{
	struct got *g = arg;
	struct rbuf r;

	g->calls++;
	g->tag = d->tag;
	g->action = d->action;
	g->had_peer = d->peer != NULL;
	assert_true(d->answer.len <= sizeof(g->answer));
	memcpy(g->answer, d->answer.p, d->answer.len);
	g->len = d->answer.len;
	rbuf_init(&r, g->answer, g->len);
	assert_int_equal(hdl_msg_parse(&r, &g->m), IDR_OK);
}

/* The answer a producer builds when the work is done: success without a body. */
static int
answer_ok(void *arg, struct rsv_req *q)
{
	struct fix *f = arg;

	f->answered++;
	rsv_req_set_rc(q, HDL_RC_SUCCESS);
	return hdl_resp_generic(rsv_req_out(q), rsv_req_msg(q), rsv_req_opts(q));
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	rsv_pending_complete(j->p, answer_ok, j->f);
	j->p = NULL;
}

static void
on_cancel(void *arg, struct rsv_pending *p)
{
	struct job *j = arg;

	assert_ptr_equal(p, j->p);
	assert_true(rsv_pending_cancelled(p));
	j->cancels++;
	if (j->timer == NULL) {
		return; /* posted from another thread: released when its message runs */
	}
	/* a timer can be stopped: release the request now */
	evtimer_del(j->timer);
	rsv_pending_complete(p, answer_ok, j->f);
	j->p = NULL;
}

/* The mailbox message of a completion made on another thread. */
static void
on_posted(struct mbox_msg *m, bool run)
{
	struct job *j = (struct job *)((char *)m - offsetof(struct job, msg));

	if (run) {
		rsv_pending_complete(j->p, answer_ok, j->f);
		j->p = NULL;
	}
}

static void *
post_thread(void *arg)
{
	struct job *j = arg;

	j->msg.fn = on_posted;
	mbox_post(rsv_worker_mbox(j->f->w), &j->msg);
	return NULL;
}

/* The handler of TEST_OP: defer, then complete from a timer 5 ms later (or another thread). */
static int
deferring_op(void *arg, struct rsv_req *q)
{
	struct fix *f = arg;
	struct job *j = &f->jobs[f->njobs];
	struct timeval tv = {0, 5000};

	assert_true(f->njobs < sizeof(f->jobs) / sizeof(f->jobs[0]));
	j->f = f;
	j->p = rsv_req_defer(q, on_cancel, j);
	if (j->p == NULL) {
		return rsv_req_busy(q);
	}
	f->njobs++;
	assert_int_equal(rsv_pending_msg(j->p)->env.request_id, rsv_req_msg(q)->env.request_id);
	if (f->via_thread) {
		pthread_t t;

		assert_int_equal(pthread_create(&t, NULL, post_thread, j), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
		return IDR_OK;
	}
	j->timer = evtimer_new(rsv_worker_base(rsv_req_worker(q)), on_timer, j);
	assert_non_null(j->timer);
	assert_int_equal(evtimer_add(j->timer, &tv), 0);
	return IDR_OK;
}

static int
setup(void **state)
{
	static const char text[] = "max_pending 3\nmax_pending_per_conn 2\n";
	struct reg_opts o;
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&f->reg, &o, "88.100", "test"), IDR_OK);
	conf_text_load(&f->c, text);
	assert_int_equal(f->c.max_pending, MAX_WORKER);
	assert_int_equal(metrics_new(&f->m, 1, NULL, 0), IDR_OK);
	assert_int_equal(rsv_new(&f->r, f->reg, &f->c, NULL, f->m), IDR_OK);
	assert_int_equal(rsv_set_op(f->r, TEST_OP, deferring_op, f), IDR_OK);
	assert_int_equal(rsv_set_op(f->r, HDL_OC_RESERVED, deferring_op, f), IDR_EINVAL);
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(rsv_worker_new(f->r, 0, f->base, &f->w), IDR_OK);
	assert_int_equal(rsv_conn_new(f->w, RSV_PROTO_TCP, record, &f->got, &f->conn), IDR_OK);
	wbuf_init_heap(&f->out, HDL_MAX_UNIT_LEN);
	wbuf_init_heap(&f->req, HDL_MAX_UNIT_LEN);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	rsv_conn_free(f->conn);
	for (size_t i = 0; i < f->njobs; i++) {
		if (f->jobs[i].timer != NULL) {
			event_free(f->jobs[i].timer);
		}
	}
	rsv_worker_free(f->w);
	event_base_free(f->base);
	rsv_free(f->r);
	metrics_free(f->m);
	reg_close(f->reg);
	conf_free(&f->c);
	wbuf_deinit(&f->out);
	wbuf_deinit(&f->req);
	free(f);
	return 0;
}

/* Send request id of TEST_OP on conn; returns the action, the answer (if any) in f->out. */
static enum rsv_action
ask(struct fix *f, struct rsv_conn *conn, uint32_t id, uint64_t tag)
{
	struct addr peer;
	struct rsv_ctx ctx = {RSV_PROTO_TCP, &peer, conn, tag};
	struct hdl_req_opts o;

	assert_int_equal(addr_parse("127.0.0.1:4000", &peer, NULL), IDR_OK);
	hdl_req_opts_init(&o, id, NOW + 600);
	wbuf_reset(&f->req);
	assert_int_equal(hdl_req_handle_encode(&f->req, &o, TEST_OP, SLICE_LIT("88.100/x")),
	                 IDR_OK);
	wbuf_reset(&f->out);
	return rsv_handle(f->w, &ctx, wbuf_data(&f->req), wbuf_len(&f->req), NOW, &f->out);
}

/* The response code of the answer rsv_handle wrote into f->out. */
static uint32_t
out_rc(struct fix *f)
{
	struct hdl_msg m;
	struct rbuf r;

	rbuf_init(&r, wbuf_data(&f->out), wbuf_len(&f->out));
	assert_int_equal(hdl_msg_parse(&r, &m), IDR_OK);
	return m.hdr.rc;
}

static void
run_until(struct fix *f, int calls)
{
	for (int i = 0; i < 100 && f->got.calls < calls; i++) {
		assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE), 0);
	}
	assert_int_equal(f->got.calls, calls);
}

static void
test_pending_completes_from_timer(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ask(f, f->conn, 77, 0xabc), RSV_PENDING);
	assert_int_equal(wbuf_len(&f->out), 0); /* nothing answered yet */
	assert_int_equal(rsv_conn_pending(f->conn), 1);
	assert_int_equal(rsv_worker_pending(f->w), 1);
	assert_int_equal(f->got.calls, 0);
	run_until(f, 1);
	assert_int_equal(f->answered, 1);
	assert_int_equal(f->got.tag, 0xabc);
	assert_int_equal(f->got.action, RSV_REPLY);
	assert_true(f->got.had_peer);
	assert_int_equal(f->got.m.env.request_id, 77);
	assert_int_equal(f->got.m.hdr.opcode, TEST_OP);
	assert_int_equal(f->got.m.hdr.rc, HDL_RC_SUCCESS);
	assert_int_equal(rsv_conn_pending(f->conn), 0);
	assert_int_equal(rsv_worker_pending(f->w), 0);
}

static void
test_pending_completes_from_thread(void **state)
{
	struct fix *f = *state;

	f->via_thread = true;
	assert_int_equal(ask(f, f->conn, 78, 5), RSV_PENDING);
	assert_int_equal(f->got.calls, 0); /* posted, not run: only the loop runs it */
	run_until(f, 1);
	assert_int_equal(f->got.m.env.request_id, 78);
	assert_int_equal(f->got.m.hdr.rc, HDL_RC_SUCCESS);
	assert_int_equal(rsv_worker_pending(f->w), 0);
}

static void
test_pending_cancelled_with_conn(void **state)
{
	struct fix *f = *state;
	struct rsv_conn *c2;

	assert_int_equal(rsv_conn_new(f->w, RSV_PROTO_TCP, record, &f->got, &c2), IDR_OK);
	assert_int_equal(ask(f, c2, 1, 0), RSV_PENDING);
	assert_int_equal(ask(f, c2, 2, 0), RSV_PENDING);
	assert_int_equal(rsv_worker_pending(f->w), 2);
	rsv_conn_free(c2); /* the connection went away */
	assert_int_equal(f->jobs[0].cancels, 1);
	assert_int_equal(f->jobs[1].cancels, 1);
	assert_int_equal(rsv_worker_pending(f->w), 0);
	assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(f->got.calls, 0); /* no answer for a cancelled request */
	assert_int_equal(f->answered, 0);  /* and none was built */
}

static void
test_pending_bounds(void **state)
{
	struct fix *f = *state;
	struct rsv_conn *c2;

	assert_int_equal(rsv_conn_new(f->w, RSV_PROTO_TCP, record, &f->got, &c2), IDR_OK);
	assert_int_equal(ask(f, f->conn, 1, 0), RSV_PENDING);
	assert_int_equal(ask(f, f->conn, 2, 0), RSV_PENDING);
	/* the connection's bound: answered at once, busy */
	assert_int_equal(ask(f, f->conn, 3, 0), RSV_REPLY);
	assert_int_equal(out_rc(f), HDL_RC_SERVER_BUSY);
	/* the worker's bound (3): one more on another connection, then busy */
	assert_int_equal(ask(f, c2, 4, 0), RSV_PENDING);
	assert_int_equal(ask(f, c2, 5, 0), RSV_REPLY);
	assert_int_equal(out_rc(f), HDL_RC_SERVER_BUSY);
	run_until(f, 3);
	assert_int_equal(rsv_worker_pending(f->w), 0);
	/* room again */
	assert_int_equal(ask(f, f->conn, 6, 0), RSV_PENDING);
	run_until(f, 4);
	rsv_conn_free(c2);
}

static void
test_pending_needs_a_connection(void **state)
{
	struct fix *f = *state;

	/* UDP-style request without a connection: cannot wait, answered busy */
	assert_int_equal(ask(f, NULL, 9, 0), RSV_REPLY);
	assert_int_equal(out_rc(f), HDL_RC_SERVER_BUSY);
	assert_int_equal(rsv_worker_pending(f->w), 0);
}

static void
test_pending_dropped_at_worker_free(void **state)
{
	struct fix *f = *state;

	/* left pending when the worker goes: freed without an answer (ASan checks the leak) */
	assert_int_equal(ask(f, f->conn, 10, 0), RSV_PENDING);
	f->via_thread = true;
	assert_int_equal(ask(f, f->conn, 11, 0), RSV_PENDING); /* its message waits in the box */
	rsv_conn_free(f->conn); /* cancels both; the timer one is released at once */
	f->conn = NULL;
	assert_int_equal(f->got.calls, 0);
	assert_int_equal(rsv_worker_pending(f->w), 1); /* the posted one is still held */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_pending_completes_from_timer, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pending_completes_from_thread, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_pending_cancelled_with_conn, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pending_bounds, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pending_needs_a_connection, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pending_dropped_at_worker_free, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
