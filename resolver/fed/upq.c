/* upq.c - asynchronous outbound Handle queries: UDP with re-sends, then TCP (upq.h). */
#include "fed/upq.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hdl/hdl_udp.h"

#define UPQ_RECV_BUF 2048

const unsigned upq_udp_schedule[UPQ_UDP_TRIES] = {500, 1000, 1500};

struct upq {
	struct event_base *base;
	struct upq_target t;
	struct metrics_shard *ms;
	upq_done_fn done;
	void *arg;
	uint64_t deadline;  /* CLOCK_MONOTONIC ms */
	struct hdl_msg req; /* parsed from unit */
	int fd;             /* UDP socket, -1 when none */
	struct event *uev;  /* UDP readable */
	struct event *timer;
	unsigned tries;
	int last_err; /* why the last answer with our id was refused */
	int tcp_err;  /* why TCP failed while UDP went on (0: it did not) */
	struct bufferevent *bev;
	size_t ulen;
	uint8_t *rbuf; /* a whole answer being parsed */
	uint8_t unit[];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
udp_close(struct upq *q)
{
	if (q->uev != NULL) {
		event_free(q->uev);
		q->uev = NULL;
	}
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
}

void
upq_cancel(struct upq *q)
{
	if (q == NULL) {
		return;
	}
	udp_close(q);
	if (q->timer != NULL) {
		event_free(q->timer);
	}
	if (q->bev != NULL) {
		bufferevent_free(q->bev);
	}
	free(q->rbuf);
	free(q);
}

static void
finish(struct upq *q, int err, const struct hdl_msg *resp, struct rbuf *rest)
{
	if (err != IDR_OK) {
		metrics_fed(q->ms, METRICS_FED_UPSTREAM_ERROR);
	}
	q->done(q->arg, err, resp, rest);
	upq_cancel(q);
}

/* Parse and check a whole answer unit held in q->rbuf. @return IDR_OK after finishing. */
static int
take_answer(struct upq *q, size_t len)
{
	struct hdl_msg m;
	struct rbuf r, rest;
	int rc;

	rbuf_init(&r, q->rbuf, len);
	rc = hdl_msg_parse(&r, &m);
	if (rc == IDR_OK && rbuf_left(&r) != 0) {
		rc = IDR_EPROTO;
	}
	if (rc == IDR_OK) {
		rc = hdl_resp_check(&m, &q->req, &rest);
	}
	if (rc != IDR_OK) {
		return rc == IDR_EAGAIN ? IDR_EPROTO : rc;
	}
	finish(q, IDR_OK, &m, &rest);
	return IDR_OK;
}

static int
arm_timer(struct upq *q, uint64_t ms)
{
	uint64_t t = now_ms(), left = q->deadline > t ? q->deadline - t : 0;
	struct timeval tv;

	ms = ms < left ? ms : left;
	tv.tv_sec = (time_t)(ms / 1000u);
	tv.tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
	return event_add(q->timer, &tv) == 0 ? IDR_OK : IDR_ENOMEM;
}

/* ---- TCP ---- */

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct upq *q = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t head[HDL_ENVELOPE_LEN];
	struct hdl_envelope env;
	struct rbuf r;
	size_t need;
	int rc;

	if (evbuffer_get_length(in) < HDL_ENVELOPE_LEN) {
		return;
	}
	(void)evbuffer_copyout(in, head, sizeof(head));
	rbuf_init(&r, head, sizeof(head));
	rc = hdl_envelope_parse(&r, &env);
	if (rc == IDR_OK) {
		rc = hdl_envelope_check(&env, 0);
	}
	if (rc == IDR_OK && env.request_id != q->req.env.request_id) {
		rc = IDR_EPROTO; /* on a stream, an answer to something else is a protocol error */
	}
	if (rc != IDR_OK) {
		finish(q, rc, NULL, NULL);
		return;
	}
	need = HDL_ENVELOPE_LEN + (size_t)env.msg_len;
	if (evbuffer_get_length(in) < need) {
		return;
	}
	q->rbuf = malloc(need);
	if (q->rbuf == NULL) {
		finish(q, IDR_ENOMEM, NULL, NULL);
		return;
	}
	(void)evbuffer_remove(in, q->rbuf, need);
	rc = take_answer(q, need);
	if (rc != IDR_OK) {
		finish(q, rc, NULL, NULL);
	}
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct upq *q = arg;
	int err = errno; /* libevent leaves the socket error in errno */

	(void)bev;

	if ((what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) == 0) {
		return;
	}
	err = (what & BEV_EVENT_EOF) != 0 ? IDR_EPROTO /* closed before a whole answer */
	      : err > 0                   ? -err
	                                  : IDR_EIO;
	if (q->fd >= 0) { /* UDP goes on: its answer or its time-out decides */
		q->tcp_err = err;
		bufferevent_free(q->bev);
		q->bev = NULL;
		return;
	}
	finish(q, err, NULL, NULL);
}

/* Why the query failed when nothing is left to wait for. */
static int
failure(const struct upq *q, int why)
{
	return q->last_err != IDR_OK ? q->last_err : q->tcp_err != 0 ? q->tcp_err : why;
}

/*
 * Send the query over TCP, beside UDP if UDP is still open (the first whole answer wins).
 * @return false when TCP cannot be tried (no interface, failed before, out of time).
 */
static bool
tcp_start(struct upq *q)
{
	const struct sockaddr *sa = (const struct sockaddr *)&q->t.tcp.ss;

	if (q->bev != NULL) {
		return true;
	}
	if (!q->t.has_tcp || q->tcp_err != 0 || now_ms() >= q->deadline) {
		return false;
	}
	q->bev = bufferevent_socket_new(q->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (q->bev == NULL) {
		q->tcp_err = IDR_ENOMEM;
		return false;
	}
	bufferevent_setcb(q->bev, tcp_read, NULL, tcp_event, q);
	bufferevent_setwatermark(q->bev, EV_READ, 0, HDL_MAX_UNIT_LEN);
	metrics_fed(q->ms, METRICS_FED_UPSTREAM_TCP);
	if (bufferevent_enable(q->bev, EV_READ | EV_WRITE) != 0 ||
	    bufferevent_write(q->bev, q->unit, q->ulen) != 0 ||
	    bufferevent_socket_connect(q->bev, sa, (int)q->t.tcp.len) != 0) {
		bufferevent_free(q->bev);
		q->bev = NULL;
		q->tcp_err = IDR_EIO;
		return false;
	}
	return true;
}

/* Leave UDP for TCP (or give up when TCP cannot be tried either). */
static void
to_tcp(struct upq *q, int why)
{
	udp_close(q);
	if (!tcp_start(q)) {
		finish(q, failure(q, why), NULL, NULL);
		return;
	}
	if (arm_timer(q, UINT64_MAX) != IDR_OK) { /* until the deadline */
		finish(q, IDR_ENOMEM, NULL, NULL);
	}
}

/* ---- UDP ---- */

static int
udp_send(struct upq *q)
{
	uint8_t dgram[HDL_UDP_PACKET_MAX];
	struct slice unit = slice_make(q->unit, q->ulen);
	int n = hdl_udp_fragment_count(unit);
	struct wbuf w;

	for (int i = 0; i < n; i++) {
		wbuf_init(&w, dgram, sizeof(dgram));
		if (hdl_udp_fragment(unit, (size_t)i, &w) != IDR_OK) {
			return IDR_EINVAL;
		}
		if (send(q->fd, dgram, wbuf_len(&w), 0) < 0) {
			return -errno;
		}
	}
	q->tries++;
	metrics_fed(q->ms, METRICS_FED_UPSTREAM_UDP);
	return arm_timer(q, upq_udp_schedule[q->tries - 1]);
}

/* One datagram. @return 1 when the query finished or left for TCP, else 0. */
static int
udp_datagram(struct upq *q, const uint8_t *d, size_t len)
{
	struct hdl_envelope env;
	struct rbuf r;
	int rc;

	rbuf_init(&r, d, len);
	if (hdl_envelope_parse(&r, &env) != IDR_OK || env.request_id != q->req.env.request_id) {
		return 0; /* not ours: ignored, as the Java resolver does */
	}
	if (env.seq != 0 || rbuf_left(&r) != env.msg_len) {
		to_tcp(q, IDR_EPROTO); /* fragmented or truncated: ask again over TCP */
		return 1;
	}
	q->rbuf = malloc(len);
	if (q->rbuf == NULL) {
		finish(q, IDR_ENOMEM, NULL, NULL);
		return 1;
	}
	memcpy(q->rbuf, d, len);
	rc = take_answer(q, len);
	if (rc == IDR_OK) {
		return 1;
	}
	free(q->rbuf);
	q->rbuf = NULL;
	q->last_err = rc;
	return 0;
}

static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct upq *q = arg;
	uint8_t buf[UPQ_RECV_BUF];
	ssize_t n;

	(void)what;
	for (int i = 0; i < 16; i++) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				return;
			}
			to_tcp(q, -errno); /* e.g. ECONNREFUSED: nobody listens on UDP */
			return;
		}
		if (udp_datagram(q, buf, (size_t)n) != 0) {
			return;
		}
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct upq *q = arg;
	int rc;

	(void)fd;
	(void)what;
	if (now_ms() >= q->deadline || (q->fd < 0 && q->bev != NULL)) {
		finish(q, failure(q, UPQ_ETIMEDOUT), NULL, NULL);
		return;
	}
	if (q->fd >= 0 && q->tries < UPQ_UDP_TRIES) {
		/*
		 * UDP was silent once: ask over TCP too, beside the UDP re-sends. Silence is more
		 * often an answer too large for UDP (udp_answer_max) or UDP filtered than a lost
		 * datagram, and TCP then answers in a round trip instead of after every re-send.
		 */
		(void)tcp_start(q);
		rc = udp_send(q);
		if (rc != IDR_OK) {
			to_tcp(q, rc);
		}
		return;
	}
	to_tcp(q, UPQ_ETIMEDOUT);
}

static int
udp_open(struct upq *q)
{
	const struct sockaddr *sa = (const struct sockaddr *)&q->t.udp.ss;

	q->fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0) {
		return -errno;
	}
	if (connect(q->fd, sa, q->t.udp.len) != 0) {
		return -errno;
	}
	q->uev = event_new(q->base, q->fd, EV_READ | EV_PERSIST, udp_read, q);
	if (q->uev == NULL || event_add(q->uev, NULL) != 0) {
		return IDR_ENOMEM;
	}
	return udp_send(q);
}

int
upq_start(struct upq **out, struct event_base *base, const struct upq_target *t, struct slice unit,
          unsigned timeout_ms, struct metrics_shard *ms, upq_done_fn done, void *arg)
{
	struct upq *q;
	struct rbuf r;
	int rc;

	*out = NULL;
	if ((!t->has_udp && !t->has_tcp) || unit.len > HDL_MAX_UNIT_LEN) {
		return IDR_EINVAL;
	}
	q = calloc(1, sizeof(*q) + unit.len);
	if (q == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(q->unit, unit.p, unit.len);
	q->ulen = unit.len;
	q->fd = -1;
	rbuf_init(&r, q->unit, q->ulen);
	if (hdl_msg_parse(&r, &q->req) != IDR_OK || rbuf_left(&r) != 0) {
		free(q);
		return IDR_EINVAL;
	}
	q->base = base;
	q->t = *t;
	q->ms = ms;
	q->done = done;
	q->arg = arg;
	q->deadline = now_ms() + timeout_ms;
	q->timer = evtimer_new(base, on_timer, q);
	if (q->timer == NULL) {
		upq_cancel(q);
		return IDR_ENOMEM;
	}
	*out = q;
	rc = t->has_udp ? udp_open(q) : IDR_EINVAL;
	if (rc != IDR_OK) {
		/* no UDP (or it failed at once): TCP, reported through done from the loop */
		udp_close(q);
		q->tries = UPQ_UDP_TRIES;
		if (event_add(q->timer, &(struct timeval){0, 0}) != 0) {
			*out = NULL;
			upq_cancel(q);
			return IDR_ENOMEM;
		}
	}
	return IDR_OK;
}
