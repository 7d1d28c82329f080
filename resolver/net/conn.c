/*
 * conn.c - Handle over TCP: accept, frame, dispatch, answer, keep-alive, time-outs.
 *
 * A connection is IDLE (nothing buffered, nothing to send, nothing pending: idle time-out),
 * BUSY (part of a request buffered, an answer being sent or a request pending in the
 * dispatcher: I/O time-out, restarted by each complete request and each deferred answer) or
 * CLOSING (reading stopped; closed once the answers still pending and queued are sent). One
 * timer per connection.
 *
 * Requests may be pipelined: each is handed to the dispatcher as it arrives; deferred answers
 * (rsv.h) are written when they complete, so answers may leave in another order than their
 * requests (clients match them by request id). A request without KC ends the stream: nothing
 * more is read, and the connection closes after its answer. End of input from the client may
 * be a half-close, so its pending answers are still sent; a reset or a write error closes the
 * connection and cancels them, and so does the I/O time-out.
 */
#include "net/conn.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "net/accept.h"
#include "net/net.h"

enum conn_state { CONN_IDLE, CONN_BUSY, CONN_CLOSING };

struct conn {
	struct conn_listener *l;
	struct conn *prev, *next;
	struct bufferevent *bev;
	struct event *timer;
	struct addr peer;
	struct rsv_conn *rc; /* the dispatcher's side: pending requests, their answers */
	enum conn_state state;
	bool paused; /* reading disabled while output drains */
	size_t hwm;  /* read high-water mark in force */
};

struct conn_listener {
	struct event_base *base;
	struct rsv_worker *w;
	struct metrics_shard *ms;
	struct metrics *m;
	struct connlim *limits;
	struct evconnlistener *ev;
	struct accept_gate *gate; /* pauses accepting when descriptors run out */
	struct conn *conns;       /* every open connection */
	size_t nconns;
	bool stopping;
	struct wbuf reply; /* one answer, reused by every connection */
};

static void process(struct conn *c);

/* Release a connection's resources (not its place in the listener's list). */
static void
conn_destroy(struct conn *c)
{
	struct conn_listener *l = c->l;

	rsv_conn_free(c->rc); /* cancels what is still pending */
	event_free(c->timer);
	bufferevent_free(c->bev);
	connlim_release(l->limits, (const struct sockaddr *)&c->peer.ss);
	metrics_conn(l->m, METRICS_TCP, -1);
	free(c);
}

static void
conn_close(struct conn *c)
{
	struct conn_listener *l = c->l;

	if (l->conns == c) {
		l->conns = c->next;
	} else {
		c->prev->next = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	l->nconns--;
	conn_destroy(c);
}

static void
arm(struct conn *c, uint64_t seconds)
{
	struct timeval tv = {(time_t)seconds, 0};

	evtimer_add(c->timer, &tv);
}

/* Enter a state; the timer restarts when the state changes or restart is set. */
static void
set_state(struct conn *c, enum conn_state s, bool restart)
{
	const struct conf *cf = rsv_worker_conf(c->l->w);

	if (c->state == s && !restart) {
		return;
	}
	c->state = s;
	arm(c, s == CONN_IDLE ? cf->tcp_idle_timeout : cf->tcp_io_timeout);
}

/* Nothing left to send now or later. */
static bool
drained(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
	       rsv_conn_pending(c->rc) == 0;
}

static void
close_after_write(struct conn *c)
{
	bufferevent_disable(c->bev, EV_READ);
	if (drained(c)) {
		conn_close(c);
		return;
	}
	set_state(c, CONN_CLOSING, false);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (log_enabled(LOG_DEBUG)) {
		char peer[ADDR_STRLEN];

		if (addr_format((const struct sockaddr *)&c->peer.ss, peer, sizeof(peer)) !=
		    IDR_OK) {
			peer[0] = '\0';
		}
		log_debug("tcp %s: %s time-out, closing", peer,
		          c->state == CONN_IDLE ? "idle" : "I/O");
	}
	conn_close(c);
}

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Queue an answer. @return false if it cannot be sent (the stream is then closed). */
static bool
send_answer(struct conn *c, enum rsv_action act, struct slice answer)
{
	if (act == RSV_DROP || answer.len == 0) {
		return true;
	}
	return bufferevent_write(c->bev, answer.p, answer.len) == 0;
}

/* A deferred answer (rsv_done_fn); tag is the request's KC flag. */
static void
on_done(void *arg, const struct rsv_done *d)
{
	struct conn *c = arg;
	bool keep = d->tag != 0;

	if (!send_answer(c, d->action, d->answer) || d->action == RSV_CLOSE || !keep ||
	    c->l->stopping) {
		close_after_write(c);
		return;
	}
	if (c->state == CONN_CLOSING) {
		if (drained(c)) {
			conn_close(c);
		}
		return;
	}
	set_state(c, CONN_BUSY, true);
}

/* Answer one complete unit at the head of the input. @return true to keep reading. */
static bool
answer(struct conn *c, struct evbuffer *in, size_t unit)
{
	struct conn_listener *l = c->l;
	const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)unit);
	struct rsv_ctx ctx = {RSV_PROTO_TCP, &c->peer, c->rc, 0};
	struct timeval tv;
	enum rsv_action act;
	bool keep;

	if (p == NULL) {
		return false;
	}
	/* the envelope check guaranteed a whole header: OpFlag is at message offset 8 */
	keep = (load_be32(p + HDL_ENVELOPE_LEN + 8) & HDL_FLAG_KC) != 0;
	ctx.tag = keep;
	event_base_gettimeofday_cached(l->base, &tv);
	wbuf_reset(&l->reply);
	act = rsv_handle(l->w, &ctx, p, unit, (uint32_t)tv.tv_sec, &l->reply);
	evbuffer_drain(in, unit);
	if (wbuf_error(&l->reply) != IDR_OK) {
		return false; /* no answer could be built: do not leave the client waiting */
	}
	if (!send_answer(c, act, wbuf_slice(&l->reply))) {
		return false;
	}
	return (act == RSV_REPLY || act == RSV_PENDING) && keep && !l->stopping;
}

/* Check the envelope of the unit at the head of the input. @return the unit length or 0. */
static size_t
frame(struct conn *c, struct evbuffer *in)
{
	const struct conf *cf = rsv_worker_conf(c->l->w);
	uint8_t head[HDL_ENVELOPE_LEN];
	struct hdl_envelope env;
	struct rbuf r;
	size_t unit;

	if (evbuffer_copyout(in, head, sizeof(head)) != (ev_ssize_t)sizeof(head)) {
		return 0;
	}
	rbuf_init(&r, head, sizeof(head));
	if (hdl_envelope_parse(&r, &env) != IDR_OK) {
		metrics_drop(c->l->ms, METRICS_DROP_MALFORMED);
		return 0;
	}
	if (hdl_envelope_sealed(&env)) {
		env.flags &= (uint8_t)~HDL_ENV_EC; /* the dispatcher opens it */
	}
	if (hdl_envelope_check(&env, (size_t)cf->max_request_size) != IDR_OK) {
		metrics_drop(c->l->ms, METRICS_DROP_MALFORMED);
		return 0;
	}
	unit = HDL_ENVELOPE_LEN + (size_t)env.msg_len;
	if (unit > c->hwm) {
		/* max_request_size grew on reload: let the whole unit in */
		c->hwm = unit;
		bufferevent_setwatermark(c->bev, EV_READ, 0, c->hwm);
	}
	return unit;
}

/* Consume every complete request in the input, then settle the state and the timer. */
static void
process(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);

	for (;;) {
		size_t avail = evbuffer_get_length(in);
		size_t unit;

		if (avail < HDL_ENVELOPE_LEN) {
			break;
		}
		unit = frame(c, in);
		if (unit == 0) {
			/* the stream is unusable, but answers already queued still go out */
			evbuffer_drain(in, evbuffer_get_length(in));
			close_after_write(c);
			return;
		}
		if (avail < unit) {
			break;
		}
		if (!answer(c, in, unit)) {
			close_after_write(c);
			return;
		}
		set_state(c, CONN_BUSY, true); /* a complete request restarts the I/O clock */
		if (evbuffer_get_length(out) > CONN_OUTPUT_HIGH) {
			bufferevent_disable(c->bev, EV_READ);
			c->paused = true;
			return;
		}
	}
	if (evbuffer_get_length(in) == 0 && drained(c)) {
		if (c->l->stopping) {
			conn_close(c);
			return;
		}
		set_state(c, CONN_IDLE, false);
	} else {
		set_state(c, CONN_BUSY, false);
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == CONN_CLOSING) {
		if (drained(c)) {
			conn_close(c);
		}
		return;
	}
	if (c->paused) {
		c->paused = false;
		bufferevent_enable(c->bev, EV_READ);
	}
	process(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if ((what & BEV_EVENT_EOF) != 0 && c->state != CONN_CLOSING && !drained(c)) {
		/* the client finished sending: still deliver what is queued or pending */
		close_after_write(c);
		return;
	}
	conn_close(c);
}

/* Set up a connection; takes fd. @return false if that failed (fd closed, nothing counted). */
static bool
conn_open(struct conn_listener *l, evutil_socket_t fd, const struct addr *peer)
{
	const struct conf *cf = rsv_worker_conf(l->w);
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL) {
		close(fd);
		return false;
	}
	c->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return false;
	}
	c->timer = evtimer_new(l->base, on_timeout, c);
	if (c->timer == NULL || rsv_conn_new(l->w, RSV_PROTO_TCP, on_done, c, &c->rc) != IDR_OK) {
		if (c->timer != NULL) {
			event_free(c->timer);
		}
		bufferevent_free(c->bev); /* closes fd */
		free(c);
		return false;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->l = l;
	c->peer = *peer;
	c->hwm = HDL_ENVELOPE_LEN + (size_t)cf->max_request_size;
	c->state = CONN_BUSY; /* so that set_state below arms the idle timer */
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, c->hwm);
	c->next = l->conns;
	if (l->conns != NULL) {
		l->conns->prev = c;
	}
	l->conns = c;
	l->nconns++;
	metrics_conn(l->m, METRICS_TCP, 1);
	set_state(c, CONN_IDLE, false);
	if (bufferevent_enable(c->bev, EV_READ) != 0) {
		conn_close(c); /* releases the cap itself */
	}
	return true;
}

static void
on_accept(struct evconnlistener *ev, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	struct conn_listener *l = arg;
	struct addr peer;

	(void)ev;
	if (l->stopping || addr_from(&peer, sa, (socklen_t)len) != IDR_OK) {
		close(fd);
		return;
	}
	if (!connlim_acquire(l->limits, sa)) {
		metrics_drop(l->ms, METRICS_DROP_CONNLIMIT);
		close(fd);
		return;
	}
	if (!conn_open(l, fd, &peer)) {
		connlim_release(l->limits, sa);
	}
}

int
conn_listener_new(struct conn_listener **out, struct event_base *base, struct rsv_worker *w, int fd,
                  struct connlim *limits, struct metrics *m, struct accept_gate *gate)
{
	struct conn_listener *l;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		return IDR_ENOMEM;
	}
	l->base = base;
	l->w = w;
	l->ms = rsv_worker_metrics(w);
	l->m = m;
	l->limits = limits;
	wbuf_init_heap(&l->reply, HDL_MAX_UNIT_LEN);
	l->gate = gate;
	l->ev = evconnlistener_new(base, on_accept, l, LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (l->ev == NULL || accept_gate_add(gate, l->ev) != IDR_OK) {
		conn_listener_free(l);
		return IDR_ENOMEM;
	}
	*out = l;
	return IDR_OK;
}

void
conn_listener_stop(struct conn_listener *l)
{
	struct conn *c;
	struct conn *next;

	if (l == NULL) {
		return;
	}
	l->stopping = true;
	evconnlistener_disable(l->ev);
	for (c = l->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CONN_IDLE) {
			conn_close(c);
		}
	}
}

size_t
conn_listener_open(const struct conn_listener *l)
{
	return l != NULL ? l->nconns : 0;
}

void
conn_listener_free(struct conn_listener *l)
{
	if (l == NULL) {
		return;
	}
	for (struct conn *c = l->conns, *next; c != NULL; c = next) {
		next = c->next;
		conn_destroy(c);
	}
	l->conns = NULL;
	l->nconns = 0;
	if (l->ev != NULL) {
		accept_gate_remove(l->gate, l->ev);
		evconnlistener_free(l->ev);
	}
	wbuf_deinit(&l->reply);
	free(l);
}
