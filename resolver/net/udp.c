/*
 * udp.c - the UDP front end of one worker: batched receive, triage, dispatch, batched send.
 *
 * All buffers (batch receive slots, addresses, control space, reply datagrams) are allocated
 * once per worker and shared by the worker's sockets: one callback runs at a time and every
 * batch is sent before the callback returns. The only allocation on the request path is the
 * reassembly of multi-datagram requests.
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg, struct in6_pktinfo */
#include "net/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"
#include "hdl/addr.h"
#include "net/net.h"

#define UDP_MAX_ROUNDS 4  /* full batches read per readiness event before yielding */
#define UDP_DROP_LOG_S 60 /* seconds between a worker's reports of answers not sent */
#define UDP_CTL_SPACE  CMSG_SPACE(sizeof(struct in6_pktinfo))
#define UDP_MAX_SOCKS  CFG_LIST_MAX

struct udp_sock {
	struct udp_worker *u;
	struct event *ev;
	int fd;
	bool pktinfo; /* bound to a wildcard address: answer from the request's destination */
};

struct udp_worker {
	struct event_base *base;
	struct rsv_worker *w;
	struct metrics_shard *ms;
	unsigned batch;
	struct udp_sock socks[UDP_MAX_SOCKS];
	size_t nsocks;
	struct udp_reasm_table *reasm;
	uint64_t reasm_dropped; /* table drops already counted in metrics */
	struct wbuf reply;      /* one answer unit, reused */
	struct udp_budget *budget;
	struct rsv_conn *rconn; /* where deferred answers (recursion) come back; tag = socket + 1 */
	uint64_t over_budget, too_big; /* answers not sent since the last report */
	uint32_t drop_report;          /* unix seconds of that report */

	/* receive side: batch slots */
	struct mmsghdr *rxm;
	struct iovec *rxiov;
	struct sockaddr_storage *rxaddr;
	uint8_t *rxbuf; /* batch * UDP_RX_MAX */
	uint8_t *rxctl; /* batch * UDP_CTL_SPACE */

	/* send side: datagrams queued for the next sendmmsg */
	unsigned txcap;
	unsigned ntx;
	struct mmsghdr *txm;
	struct iovec *txiov;
	uint8_t *txbuf; /* txcap * HDL_UDP_PACKET_MAX */
	uint8_t *txctl; /* txcap * UDP_CTL_SPACE */
};

/* Per-batch values read once from the configuration snapshot and the clocks. */
struct batch_ctx {
	uint32_t now;    /* unix seconds */
	uint64_t now_ms; /* CLOCK_MONOTONIC_COARSE */
	size_t max_msg;
	size_t answer_max;
	struct udp_budget_limits lim;
	uint64_t tag; /* the socket's index + 1: where a deferred answer goes */
};

static struct log_ratelimit send_rl;

static bool
alloc_buffers(struct udp_worker *u)
{
	size_t b = u->batch;

	u->txcap = u->batch * 2 < 64 ? 64 : u->batch * 2;
	u->rxm = calloc(b, sizeof(*u->rxm));
	u->rxiov = calloc(b, sizeof(*u->rxiov));
	u->rxaddr = calloc(b, sizeof(*u->rxaddr));
	u->rxbuf = malloc(b * UDP_RX_MAX);
	u->rxctl = calloc(b, UDP_CTL_SPACE);
	u->txm = calloc(u->txcap, sizeof(*u->txm));
	u->txiov = calloc(u->txcap, sizeof(*u->txiov));
	u->txbuf = malloc((size_t)u->txcap * HDL_UDP_PACKET_MAX);
	u->txctl = calloc(u->txcap, UDP_CTL_SPACE);
	return u->rxm != NULL && u->rxiov != NULL && u->rxaddr != NULL && u->rxbuf != NULL &&
	       u->rxctl != NULL && u->txm != NULL && u->txiov != NULL && u->txbuf != NULL &&
	       u->txctl != NULL;
}

/*
 * A deferred answer (a recursive resolution finished): sent at once with sendto from the socket
 * that took the request. The size cap applies; the per-source budget was charged nothing for
 * the request and is not charged here (the answer came from upstream work, not an echo).
 * On a wildcard-bound socket the kernel picks the source address.
 */
static void
on_deferred(void *arg, const struct rsv_done *d)
{
	struct udp_worker *u = arg;
	const struct conf *c = rsv_worker_conf(u->w);
	uint8_t dgram[HDL_UDP_PACKET_MAX];
	struct wbuf out;
	int n;

	if (d->action == RSV_DROP || d->peer == NULL || d->tag == 0 || d->tag > u->nsocks) {
		return;
	}
	n = hdl_udp_fragment_count(d->answer);
	if (n < 1) {
		return;
	}
	if (d->answer.len + (size_t)(n - 1) * HDL_ENVELOPE_LEN > c->udp_answer_max) {
		metrics_drop(u->ms, METRICS_DROP_TOOBIG); /* the client asks again over TCP */
		return;
	}
	for (int i = 0; i < n; i++) {
		wbuf_init(&out, dgram, sizeof(dgram));
		if (hdl_udp_fragment(d->answer, (size_t)i, &out) != IDR_OK ||
		    sendto(u->socks[d->tag - 1].fd, dgram, wbuf_len(&out), 0,
		           (const struct sockaddr *)&d->peer->ss, d->peer->len) < 0) {
			return;
		}
	}
}

int
udp_worker_new(struct udp_worker **out, struct event_base *base, struct rsv_worker *w,
               struct udp_budget *budget, unsigned batch)
{
	const struct conf *c = rsv_worker_conf(w);
	struct udp_worker *u;

	*out = NULL;
	if (batch == 0 || batch > 65536) {
		return IDR_EINVAL;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		return IDR_ENOMEM;
	}
	u->base = base;
	u->w = w;
	u->ms = rsv_worker_metrics(w);
	u->batch = batch;
	u->budget = budget;
	wbuf_init_heap(&u->reply, HDL_MAX_UNIT_LEN);
	if (!alloc_buffers(u) || udp_reasm_table_new(&u->reasm, c->udp_reasm_memory,
	                                             c->udp_reasm_timeout_ms) != IDR_OK) {
		udp_worker_free(u);
		return IDR_ENOMEM;
	}
	if (base != NULL && rsv_conn_new(w, RSV_PROTO_UDP, on_deferred, u, &u->rconn) != IDR_OK) {
		udp_worker_free(u);
		return IDR_ENOMEM;
	}
	for (unsigned i = 0; i < batch; i++) {
		u->rxiov[i].iov_base = u->rxbuf + (size_t)i * UDP_RX_MAX;
		u->rxiov[i].iov_len = UDP_RX_MAX;
		u->rxm[i].msg_hdr.msg_iov = &u->rxiov[i];
		u->rxm[i].msg_hdr.msg_iovlen = 1;
		u->rxm[i].msg_hdr.msg_name = &u->rxaddr[i];
	}
	for (unsigned i = 0; i < u->txcap; i++) {
		u->txiov[i].iov_base = u->txbuf + (size_t)i * HDL_UDP_PACKET_MAX;
		u->txm[i].msg_hdr.msg_iov = &u->txiov[i];
		u->txm[i].msg_hdr.msg_iovlen = 1;
	}
	*out = u;
	return IDR_OK;
}

void
udp_worker_stop(struct udp_worker *u)
{
	if (u == NULL) {
		return;
	}
	rsv_conn_free(u->rconn); /* cancels answers still pending */
	for (size_t i = 0; i < u->nsocks; i++) {
		event_del(u->socks[i].ev);
	}
}

void
udp_worker_free(struct udp_worker *u)
{
	if (u == NULL) {
		return;
	}
	for (size_t i = 0; i < u->nsocks; i++) {
		if (u->socks[i].ev != NULL) {
			event_free(u->socks[i].ev);
		}
	}
	udp_reasm_table_free(u->reasm);
	wbuf_deinit(&u->reply);
	free(u->rxm);
	free(u->rxiov);
	free(u->rxaddr);
	free(u->rxbuf);
	free(u->rxctl);
	free(u->txm);
	free(u->txiov);
	free(u->txbuf);
	free(u->txctl);
	free(u);
}

/* ---- sending ---- */

static void
flush(struct udp_worker *u, int fd)
{
	unsigned sent = 0;

	while (sent < u->ntx) {
		int n = sendmmsg(fd, u->txm + sent, u->ntx - sent, MSG_DONTWAIT);

		if (n > 0) {
			sent += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			/* the socket buffer is full: the rest is lost like any datagram */
			if (log_ratelimit_ok(&send_rl, 1, 60)) {
				log_warn("udp: send buffer full, %u answers dropped",
				         u->ntx - sent);
			}
			break;
		}
		/* the first message failed (e.g. an unroutable source): skip it */
		sent++;
	}
	u->ntx = 0;
}

/* Copy the request's destination (packet info) into a reply's control space. */
static void
set_source(struct udp_worker *u, unsigned rx, unsigned tx)
{
	struct msghdr *in = &u->rxm[rx].msg_hdr;
	struct msghdr *out = &u->txm[tx].msg_hdr;
	uint8_t *ctl = u->txctl + (size_t)tx * UDP_CTL_SPACE;
	struct cmsghdr *c;

	out->msg_control = NULL;
	out->msg_controllen = 0;
	for (c = CMSG_FIRSTHDR(in); c != NULL; c = CMSG_NXTHDR(in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			memset(ctl, 0, UDP_CTL_SPACE);
			out->msg_control = ctl;
			out->msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(out);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			return;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memset(ctl, 0, UDP_CTL_SPACE);
			out->msg_control = ctl;
			out->msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(CMSG_FIRSTHDR(out)), CMSG_DATA(c),
			       sizeof(struct in6_pktinfo));
			CMSG_FIRSTHDR(out)->cmsg_level = IPPROTO_IPV6;
			CMSG_FIRSTHDR(out)->cmsg_type = IPV6_PKTINFO;
			CMSG_FIRSTHDR(out)->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			return;
		}
	}
}

/* Queue the answer in u->reply for the sender of receive slot rx, fragmented per §5. */
static void
queue_reply(struct udp_worker *u, struct udp_sock *s, unsigned rx)
{
	struct slice unit = wbuf_slice(&u->reply);
	int n = hdl_udp_fragment_count(unit);

	for (int i = 0; i < n; i++) {
		struct mmsghdr *m;
		struct wbuf out;

		if (u->ntx == u->txcap) {
			flush(u, s->fd);
		}
		m = &u->txm[u->ntx];
		wbuf_init(&out, u->txiov[u->ntx].iov_base, HDL_UDP_PACKET_MAX);
		if (hdl_udp_fragment(unit, (size_t)i, &out) != IDR_OK) {
			return;
		}
		u->txiov[u->ntx].iov_len = wbuf_len(&out);
		m->msg_hdr.msg_name = &u->rxaddr[rx];
		m->msg_hdr.msg_namelen = u->rxm[rx].msg_hdr.msg_namelen;
		if (s->pktinfo) {
			set_source(u, rx, u->ntx);
		} else {
			/* the slot may last have served a wildcard socket */
			m->msg_hdr.msg_control = NULL;
			m->msg_hdr.msg_controllen = 0;
		}
		u->ntx++;
	}
}

/* The answer in u->reply for receive slot rx is not sent: count it, say so (rate-limited). */
static void
answer_dropped(struct udp_worker *u, unsigned rx, enum metrics_drop why, size_t bytes,
               const struct batch_ctx *b)
{
	char peer[ADDR_STRLEN];

	metrics_drop(u->ms, why);
	if (why == METRICS_DROP_BUDGET) {
		u->over_budget++;
	} else {
		u->too_big++;
	}
	if (log_enabled(LOG_DEBUG)) {
		if (addr_format((const struct sockaddr *)&u->rxaddr[rx], peer, sizeof(peer)) !=
		    IDR_OK) {
			snprintf(peer, sizeof(peer), "?");
		}
		log_debug("udp: answer of %zu bytes to %s not sent: %s", bytes, peer,
		          why == METRICS_DROP_BUDGET ? "over the source's budget (udp_source_rate)"
		                                     : "larger than udp_answer_max");
	}
	if (b->now - u->drop_report >= UDP_DROP_LOG_S) {
		log_info("udp: answers not sent: %llu over their source's budget "
		         "(udp_source_rate), %llu larger than udp_answer_max (left to TCP); "
		         "reported at most every %u s",
		         (unsigned long long)u->over_budget, (unsigned long long)u->too_big,
		         UDP_DROP_LOG_S);
		u->over_budget = 0;
		u->too_big = 0;
		u->drop_report = b->now;
	}
}

/*
 * Whether the answer in u->reply may go to the sender of receive slot rx: it must fit in
 * udp_answer_max, and its source's budget must cover it (which is then charged). Both count
 * the bytes of all its datagrams, envelopes included.
 */
static bool
answer_allowed(struct udp_worker *u, unsigned rx, const struct batch_ctx *b)
{
	struct slice unit = wbuf_slice(&u->reply);
	int n = hdl_udp_fragment_count(unit);
	size_t bytes;

	if (n < 1) {
		return false; /* not a unit: queue_reply would send nothing either */
	}
	bytes = unit.len + (size_t)(n - 1) * HDL_ENVELOPE_LEN;
	if (bytes > b->answer_max) {
		answer_dropped(u, rx, METRICS_DROP_TOOBIG, bytes, b);
		return false;
	}
	if (u->budget != NULL &&
	    !udp_budget_charge(u->budget, (const struct sockaddr *)&u->rxaddr[rx], bytes, &b->lim,
	                       b->now_ms)) {
		answer_dropped(u, rx, METRICS_DROP_BUDGET, bytes, b);
		return false;
	}
	return true;
}

/* ---- receiving ---- */

static uint64_t
monotonic_ms(void)
{
	struct timespec ts;

	/* read from the vDSO, not a system call */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A fragment of a multi-datagram request: reassemble, and handle the message once complete. */
static enum rsv_action
handle_fragment(struct udp_worker *u, const struct sockaddr *src, const struct hdl_envelope *env,
                const uint8_t *p, size_t len, const struct batch_ctx *b)
{
	struct hdl_reasm *r;
	struct hdl_msg msg;
	enum rsv_action act = RSV_DROP;
	int rc;

	rc = udp_reasm_table_feed(u->reasm, src, env, p, len, b->max_msg, monotonic_ms(), &r);
	if (rc == IDR_EPROTO) {
		metrics_drop(u->ms, METRICS_DROP_MALFORMED);
	}
	if (rc != UDP_REASM_DONE) {
		return RSV_DROP;
	}
	if (hdl_reasm_parse(r, &msg) == IDR_OK) {
		struct addr peer;
		struct rsv_ctx ctx = {RSV_PROTO_UDP, NULL, u->rconn, b->tag};

		if (addr_from(&peer, src, sizeof(struct sockaddr_storage)) == IDR_OK) {
			ctx.peer = &peer;
		}
		act = rsv_handle_msg(u->w, &ctx, &msg, b->now, &u->reply);
	} else {
		metrics_drop(u->ms, METRICS_DROP_MALFORMED);
	}
	hdl_reasm_free(r);
	return act;
}

static bool
source_ok(const struct sockaddr_storage *ss, socklen_t len)
{
	if (ss->ss_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		return ((const struct sockaddr_in *)ss)->sin_port != 0;
	}
	if (ss->ss_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		return ((const struct sockaddr_in6 *)ss)->sin6_port != 0;
	}
	return false;
}

static void
handle_one(struct udp_worker *u, struct udp_sock *s, unsigned i, const struct batch_ctx *b)
{
	const struct msghdr *h = &u->rxm[i].msg_hdr;
	const uint8_t *p = u->rxiov[i].iov_base;
	size_t len = u->rxm[i].msg_len;
	struct hdl_envelope env;
	enum hdl_udp_verdict v;
	enum rsv_action act;

	if ((h->msg_flags & MSG_TRUNC) != 0 || !source_ok(&u->rxaddr[i], h->msg_namelen)) {
		metrics_drop(u->ms, METRICS_DROP_MALFORMED);
		return;
	}
	v = hdl_udp_triage(p, len, b->max_msg, &env);
	wbuf_reset(&u->reply);
	if (v == HDL_UDP_WHOLE) {
		/* a request that defers (recursion) is answered later by on_deferred */
		struct rsv_ctx ctx = {RSV_PROTO_UDP, NULL, u->rconn, b->tag};
		struct addr peer;

		if (addr_from(&peer, (const struct sockaddr *)&u->rxaddr[i], h->msg_namelen) ==
		    IDR_OK) {
			ctx.peer = &peer;
		}
		act = rsv_handle(u->w, &ctx, p, len, b->now, &u->reply);
	} else if (v == HDL_UDP_FRAGMENT) {
		act = handle_fragment(u, (const struct sockaddr *)&u->rxaddr[i], &env, p, len, b);
	} else {
		metrics_drop(u->ms, METRICS_DROP_MALFORMED);
		if (log_enabled(LOG_DEBUG)) {
			log_debug("udp: dropped datagram of %zu bytes: %s", len,
			          hdl_udp_verdict_name(v));
		}
		return;
	}
	if (act != RSV_DROP && wbuf_error(&u->reply) == IDR_OK && wbuf_len(&u->reply) > 0 &&
	    answer_allowed(u, i, b)) {
		queue_reply(u, s, i);
	}
}

static void
prepare_rx(struct udp_worker *u, bool pktinfo, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct msghdr *h = &u->rxm[i].msg_hdr;

		h->msg_namelen = sizeof(u->rxaddr[i]);
		h->msg_flags = 0;
		if (pktinfo) {
			h->msg_control = u->rxctl + (size_t)i * UDP_CTL_SPACE;
			h->msg_controllen = UDP_CTL_SPACE;
		} else {
			h->msg_control = NULL;
			h->msg_controllen = 0;
		}
	}
}

/* Per-batch limits from the configuration snapshot (it may change on reload). */
static void
batch_begin(struct udp_worker *u, struct batch_ctx *b)
{
	const struct conf *c = rsv_worker_conf(u->w);
	struct timeval tv;
	uint64_t dropped;

	event_base_gettimeofday_cached(u->base, &tv);
	b->now = (uint32_t)tv.tv_sec;
	b->now_ms = monotonic_ms();
	b->max_msg = (size_t)c->max_request_size;
	b->answer_max = (size_t)c->udp_answer_max;
	b->lim.rate = c->udp_source_rate;
	b->lim.burst = c->udp_source_burst;
	udp_reasm_table_set_limits(u->reasm, (size_t)c->udp_reasm_memory, c->udp_reasm_timeout_ms);
	if (udp_reasm_table_count(u->reasm) > 0) {
		udp_reasm_table_expire(u->reasm, b->now_ms);
	}
	dropped = udp_reasm_table_dropped(u->reasm);
	for (; u->reasm_dropped < dropped; u->reasm_dropped++) {
		metrics_drop(u->ms, METRICS_DROP_REASM);
	}
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *s = arg;
	struct udp_worker *u = s->u;
	struct batch_ctx b;

	(void)what;
	for (int round = 0; round < UDP_MAX_ROUNDS; round++) {
		int n;

		prepare_rx(u, s->pktinfo, u->batch);
		n = recvmmsg(fd, u->rxm, u->batch, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			break;
		}
		batch_begin(u, &b);
		b.tag = (uint64_t)(s - u->socks) + 1;
		for (unsigned i = 0; i < (unsigned)n; i++) {
			handle_one(u, s, i, &b);
		}
		flush(u, fd);
		if ((unsigned)n < u->batch) {
			break;
		}
	}
}

static int
enable_pktinfo(int fd, int family)
{
	int one = 1;
	int rc;

	if (family == AF_INET6) {
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		rc = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	return rc == 0 ? IDR_OK : -errno;
}

int
udp_worker_add(struct udp_worker *u, int fd)
{
	struct udp_sock *s;
	struct addr local;
	int rc;

	if (u->nsocks == UDP_MAX_SOCKS) {
		return IDR_ENOMEM;
	}
	rc = net_local_addr(fd, &local);
	if (rc != IDR_OK) {
		return rc;
	}
	s = &u->socks[u->nsocks];
	s->u = u;
	s->fd = fd;
	s->pktinfo = addr_is_wildcard(&local);
	if (s->pktinfo) {
		rc = enable_pktinfo(fd, local.ss.ss_family);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	s->ev = event_new(u->base, fd, EV_READ | EV_PERSIST, on_readable, s);
	if (s->ev == NULL) {
		return IDR_ENOMEM;
	}
	if (event_add(s->ev, NULL) != 0) {
		event_free(s->ev);
		s->ev = NULL;
		return IDR_ENOMEM;
	}
	u->nsocks++;
	return IDR_OK;
}
