/*
 * cmd_bench.c - `idr bench resolve`: a load generator for Handle servers over UDP and TCP.
 *
 * Every request is encoded once before the run (a stock client's RESOLUTION request, TCP ones
 * with KC); sending copies it and writes a request id. UDP uses one connected socket and
 * sendmmsg/recvmmsg in batches; the request id names an in-flight slot (low 16 bits) and that
 * slot's generation (15 bits above), so replies are matched by an array lookup and replies to
 * requests that already timed out are recognised as stale. TCP keeps one request in flight on
 * each of C keep-alive connections (epoll). Closed loop: a slot or connection sends its next
 * request as soon as the answer arrives. Open loop: request i is due at start + i/R and its
 * latency is measured from that due time, so a server falling behind is not hidden by the
 * generator waiting for it (coordinated omission). Latencies go into a log-linear histogram
 * of fixed size (128 sub-buckets per power of two: < 0.8 % error).
 */
#define _GNU_SOURCE /* sendmmsg, recvmmsg, ppoll, sched_setaffinity */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/rbuf.h"
#include "base/text.h"
#include "base/wbuf.h"
#include "client/hdlc.h"
#include "common/cli.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "idr/cmd.h"

#define BATCH          64    /* datagrams per sendmmsg / recvmmsg */
#define DGRAM_MAX      2048  /* receive buffer per datagram (Handle datagrams are <= 512) */
#define UDP_SLOTS_MAX  65536 /* the slot number is the low 16 bits of a request id */
#define UDP_OPEN_SLOTS 4096  /* in-flight cap of an open-loop UDP run by default */
#define TCP_CONNS_MAX  4096
#define TCP_OPEN_CONNS 64          /* connections of an open-loop TCP run by default */
#define SCAN_NS        10000000ull /* time-out scan period: 10 ms */
#define NS             1000000000ull
#define RC_SLOTS       16
#define SOCKBUF        (4 << 20)
#define LATE_NS        1000000ull /* a send this late shows the generator falling behind */
#define ID_MAX         512        /* longest identifier accepted (one request per datagram) */

#define HIST_SUB_BITS 7
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_TOP_EXP  32 /* values up to 2^(32+8) ns (~18 minutes) */
#define HIST_BUCKETS  ((size_t)(HIST_TOP_EXP + 2) * HIST_SUB)
#define HIST_VMAX     ((1ull << (HIST_TOP_EXP + HIST_SUB_BITS + 1)) - 1)

struct bench_args {
	const char *server;
	struct addr srv;
	bool tcp;
	const char *ids_file;
	const char *prefix;
	const char *stem;
	uint64_t width, start, count;
	uint64_t conc, rate;
	uint64_t duration_s, warmup_s, timeout_ms;
	uint64_t cpu;
	bool pin;
	bool json;
	bool certify; /* CT: ask for signed answers */
};

/* Pre-encoded requests, back to back; request i is buf[off[i] .. off[i+1]). */
struct reqset {
	struct wbuf w;
	uint32_t *off;
	size_t n;
	size_t maxlen;
};

/* Log-linear latency histogram (nanoseconds). */
struct hist {
	uint64_t c[HIST_BUCKETS];
	uint64_t n, max, sum;
};

struct rc_count {
	uint32_t rc;
	uint64_t n;
};

struct stats {
	uint64_t sent;      /* requests due in the measured window and sent */
	uint64_t answered;  /* of those, answered */
	uint64_t in_window; /* answers received inside the window (throughput) */
	uint64_t timeouts, stale, malformed, send_errors, reconnects;
	uint64_t max_lag;    /* open loop: longest delay of a send after its due time, ns */
	uint64_t late_sends; /* sends more than LATE_NS after their due time */
	struct rc_count rcs[RC_SLOTS];
	size_t nrcs;
	uint64_t rc_other;
	struct hist lat; /* from the due time (closed loop: the send time) */
	struct hist svc; /* from the send time: without the generator's own delays */
};

/* State shared by both engines. */
struct run {
	const struct bench_args *a;
	const struct reqset *rs;
	struct stats st;
	uint64_t t_start, t_measure, t_end;
	uint64_t interval, next_due; /* open loop, ns */
	uint64_t rng;
	uint64_t timeout_ns;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* The negated errno of the call that just failed (never 0). */
static int
neg_errno(void)
{
	return errno != 0 ? -errno : IDR_EIO;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* ---- histogram ---- */

static size_t
hist_index(uint64_t v)
{
	unsigned e;

	v = v > HIST_VMAX ? HIST_VMAX : v;
	if (v < 2 * (uint64_t)HIST_SUB) {
		return (size_t)v;
	}
	e = (unsigned)(63 - __builtin_clzll(v)) - HIST_SUB_BITS;
	return (size_t)e * HIST_SUB + (size_t)(v >> e);
}

/* Middle of the values bucket i holds. */
static uint64_t
hist_value(size_t i)
{
	uint64_t e, m;

	if (i < 2 * (size_t)HIST_SUB) {
		return i;
	}
	e = i / HIST_SUB - 1;
	m = i - e * HIST_SUB;
	return (m << e) + ((1ull << e) >> 1);
}

static void
hist_add(struct hist *h, uint64_t v)
{
	h->c[hist_index(v)]++;
	h->n++;
	h->sum += v;
	h->max = v > h->max ? v : h->max;
}

/* Value at quantile q (0..1): the bucket holding the ceil(q*n)-th smallest value. */
static uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t want, seen = 0;
	size_t i;

	if (h->n == 0) {
		return 0;
	}
	want = (uint64_t)(q * (double)h->n + 0.999999);
	want = want == 0 ? 1 : want;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->c[i];
		if (seen >= want) {
			uint64_t v = hist_value(i);

			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* ---- accounting ---- */

static bool
measured(const struct run *b, uint64_t t_sched)
{
	return t_sched >= b->t_measure && t_sched < b->t_end;
}

static void
count_rc(struct stats *st, uint32_t rc)
{
	size_t i;

	for (i = 0; i < st->nrcs; i++) {
		if (st->rcs[i].rc == rc) {
			st->rcs[i].n++;
			return;
		}
	}
	if (st->nrcs < RC_SLOTS) {
		st->rcs[st->nrcs].rc = rc;
		st->rcs[st->nrcs++].n = 1;
		return;
	}
	st->rc_other++;
}

/* An answer at t_done to a request due at t_sched and sent at t_sent. */
static void
record_answer(struct run *b, uint64_t t_sched, uint64_t t_sent, uint64_t t_done, uint32_t rc)
{
	if (t_done >= b->t_measure && t_done < b->t_end) {
		b->st.in_window++;
	}
	if (!measured(b, t_sched)) {
		return;
	}
	b->st.answered++;
	count_rc(&b->st, rc);
	hist_add(&b->st.lat, t_done > t_sched ? t_done - t_sched : 0);
	hist_add(&b->st.svc, t_done > t_sent ? t_done - t_sent : 0);
}

/* A request went out at now (open loop: it was due at t_sched; the lag is the generator's). */
static void
record_sent(struct run *b, uint64_t t_sched, uint64_t now)
{
	uint64_t lag = now > t_sched ? now - t_sched : 0;

	if (!measured(b, t_sched)) {
		return;
	}
	b->st.sent++;
	b->st.max_lag = lag > b->st.max_lag ? lag : b->st.max_lag;
	b->st.late_sends += lag > LATE_NS ? 1 : 0;
}

static void
record_timeout(struct run *b, uint64_t t_sched)
{
	if (measured(b, t_sched)) {
		b->st.timeouts++;
	}
}

/* Is a request due? Closed loop: always until the end; open loop: by the schedule. */
static bool
take_due(struct run *b, uint64_t now, uint64_t *t_sched)
{
	if (now >= b->t_end || interrupted) {
		return false;
	}
	if (b->interval == 0) {
		*t_sched = now;
		return true;
	}
	if (b->next_due > now) {
		return false;
	}
	*t_sched = b->next_due;
	b->next_due += b->interval;
	return true;
}

/* Index of the next identifier: uniformly random (xorshift64). */
static size_t
next_request(struct run *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return (size_t)(b->rng % b->rs->n);
}

static struct slice
request_bytes(const struct reqset *rs, size_t i)
{
	struct rbuf r;

	rbuf_init(&r, wbuf_data(&rs->w), wbuf_len(&rs->w));
	rbuf_skip(&r, rs->off[i]);
	return rbuf_bytes(&r, rs->off[i + 1] - rs->off[i]);
}

/* Copy request i into out and give it a request id. @return its length. */
static size_t
request_copy(const struct reqset *rs, size_t i, uint32_t id, uint8_t *out)
{
	struct slice s = request_bytes(rs, i);

	memcpy(out, s.p, s.len);
	out[8] = (uint8_t)(id >> 24); /* envelope: RequestId at offset 8 */
	out[9] = (uint8_t)(id >> 16);
	out[10] = (uint8_t)(id >> 8);
	out[11] = (uint8_t)id;
	return s.len;
}

/* ---- options ---- */

enum { OPT_UDP = 256, OPT_TCP, OPT_STEM, OPT_WIDTH, OPT_START, OPT_TIMEOUT, OPT_CERTIFY };

static int
parse_num(const struct cli_cmd *self, int c, const char *arg, struct bench_args *a)
{
	switch (c) {
	case 'n':
		return cli_parse_u64(self, "--count", arg, 1, 100000000, &a->count);
	case 'c':
		return cli_parse_u64(self, "--concurrency", arg, 1, UDP_SLOTS_MAX, &a->conc);
	case 'r':
		return cli_parse_u64(self, "--rate", arg, 1, 100000000, &a->rate);
	case 'd':
		return cli_parse_u64(self, "--duration", arg, 1, 86400, &a->duration_s);
	case 'w':
		return cli_parse_u64(self, "--warmup", arg, 0, 3600, &a->warmup_s);
	case 'C':
		a->pin = true;
		return cli_parse_u64(self, "--cpu", arg, 0, CPU_SETSIZE - 1, &a->cpu);
	case OPT_WIDTH:
		return cli_parse_u64(self, "--width", arg, 1, 20, &a->width);
	case OPT_START:
		return cli_parse_u64(self, "--start", arg, 0, UINT32_MAX, &a->start);
	case OPT_TIMEOUT:
		return cli_parse_u64(self, "--timeout-ms", arg, 1, 600000, &a->timeout_ms);
	default:
		return -1;
	}
}

static int
parse_opt(const struct cli_cmd *self, int c, const char *arg, struct bench_args *a)
{
	switch (c) {
	case 's':
		a->server = arg;
		return CLI_EXIT_OK;
	case OPT_UDP:
	case OPT_TCP:
		a->tcp = c == OPT_TCP;
		return CLI_EXIT_OK;
	case 'f':
		a->ids_file = arg;
		return CLI_EXIT_OK;
	case 'p':
		a->prefix = arg;
		return CLI_EXIT_OK;
	case OPT_STEM:
		a->stem = arg;
		return CLI_EXIT_OK;
	case 'j':
		a->json = true;
		return CLI_EXIT_OK;
	case OPT_CERTIFY:
		a->certify = true;
		return CLI_EXIT_OK;
	default:
		return parse_num(self, c, arg, a);
	}
}

static int
parse_check(const struct cli_cmd *self, struct bench_args *a)
{
	const char *why = "bad address";

	if (a->server == NULL) {
		return cli_usage_errorf(self, "--server HOST:PORT is required");
	}
	if (addr_parse(a->server, &a->srv, &why) != IDR_OK) {
		return cli_usage_errorf(self, "--server: %s: %s", a->server, why);
	}
	if ((a->ids_file == NULL) == (a->prefix == NULL)) {
		return cli_usage_errorf(self, "give either --ids FILE or --prefix P --count N");
	}
	if (a->prefix != NULL && a->count == 0) {
		return cli_usage_errorf(self, "--prefix needs --count N");
	}
	if (a->tcp && a->conc > TCP_CONNS_MAX) {
		return cli_usage_errorf(self, "--concurrency: at most %d TCP connections",
		                        TCP_CONNS_MAX);
	}
	if (a->conc == 0) {
		a->conc = a->rate == 0 ? 64 : a->tcp ? TCP_OPEN_CONNS : UDP_OPEN_SLOTS;
	}
	return CLI_EXIT_OK;
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct bench_args *a)
{
	static const struct option longopts[] = {
	        {"server", required_argument, NULL, 's'},
	        {"udp", no_argument, NULL, OPT_UDP},
	        {"tcp", no_argument, NULL, OPT_TCP},
	        {"ids", required_argument, NULL, 'f'},
	        {"prefix", required_argument, NULL, 'p'},
	        {"stem", required_argument, NULL, OPT_STEM},
	        {"width", required_argument, NULL, OPT_WIDTH},
	        {"start", required_argument, NULL, OPT_START},
	        {"count", required_argument, NULL, 'n'},
	        {"concurrency", required_argument, NULL, 'c'},
	        {"rate", required_argument, NULL, 'r'},
	        {"duration", required_argument, NULL, 'd'},
	        {"warmup", required_argument, NULL, 'w'},
	        {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	        {"certify", no_argument, NULL, OPT_CERTIFY},
	        {"cpu", required_argument, NULL, 'C'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			return -1;
		}
		if (c == '?' || c == ':') {
			return cli_bad_option(self, c, argv);
		}
		rc = parse_opt(self, c, optarg, a);
		if (rc != CLI_EXIT_OK) {
			return rc;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "resolve") != 0) {
		return cli_usage_errorf(self, "unknown benchmark (only 'resolve' exists)");
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, "unexpected argument '%s'", argv[optind + 1]);
	}
	return parse_check(self, a);
}

/* ---- requests ---- */

static void
reqset_deinit(struct reqset *rs)
{
	wbuf_deinit(&rs->w);
	free(rs->off);
	memset(rs, 0, sizeof(*rs));
}

/* Append the request for one identifier. */
static int
reqset_add(struct reqset *rs, const struct bench_args *a, const char *id)
{
	struct hdl_req_opts o;
	size_t len = strlen(id), before = wbuf_len(&rs->w);
	uint32_t *grown;
	int rc;

	if (len == 0 || len > ID_MAX || !text_is_clean((const uint8_t *)id, len)) {
		return IDR_EINVAL;
	}
	if (rs->off == NULL || (rs->n & (rs->n + 1)) == 0) { /* grow at 2^k - 1 entries */
		grown = realloc(rs->off, (rs->n + 1) * 2 * sizeof(*rs->off));
		if (grown == NULL) {
			return IDR_ENOMEM;
		}
		rs->off = grown;
	}
	hdl_req_opts_init(&o, 0, (uint32_t)time(NULL) + HDLC_EXPIRATION_SEC);
	o.flags |= (a->tcp ? HDL_FLAG_KC : 0) | (a->certify ? HDL_FLAG_CT : 0);
	rc = hdl_req_resolution_encode(&rs->w, &o, slice_cstr(id), NULL, 0, NULL, 0);
	if (rc != IDR_OK) {
		return rc;
	}
	if (wbuf_len(&rs->w) - before > HDL_UDP_PACKET_MAX) {
		return IDR_ELIMIT; /* one datagram per request */
	}
	rs->off[rs->n] = (uint32_t)before;
	rs->off[++rs->n] = (uint32_t)wbuf_len(&rs->w);
	rs->maxlen =
	        wbuf_len(&rs->w) - before > rs->maxlen ? wbuf_len(&rs->w) - before : rs->maxlen;
	return IDR_OK;
}

static int
reqset_from_file(const struct cli_cmd *self, struct reqset *rs, const struct bench_args *a)
{
	FILE *f = fopen(a->ids_file, "r");
	size_t cap = 0, lineno = 0;
	char *line = NULL;
	ssize_t n;
	int rc = IDR_OK;

	if (f == NULL) {
		cli_errorf(self->name, "%s: %s", a->ids_file, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	while (rc == IDR_OK && (a->count == 0 || rs->n < a->count) &&
	       (n = getline(&line, &cap, f)) > 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
			line[--n] = '\0';
		}
		if (n > 0) {
			rc = reqset_add(rs, a, line);
		}
	}
	free(line);
	fclose(f);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s:%zu: %s", a->ids_file, lineno,
		           rc == IDR_EINVAL ? "not an identifier (1-512 bytes of text)"
		                            : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	if (rs->n == 0) {
		cli_errorf(self->name, "%s: no identifiers", a->ids_file);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
reqset_generate(const struct cli_cmd *self, struct reqset *rs, const struct bench_args *a)
{
	char id[ID_MAX + 64];
	uint64_t i;
	int n, rc = IDR_OK;

	for (i = 0; i < a->count && rc == IDR_OK; i++) {
		n = snprintf(id, sizeof(id), "%s/%s%0*" PRIu64, a->prefix, a->stem, (int)a->width,
		             a->start + i);
		rc = n < 0 || (size_t)n >= sizeof(id) ? IDR_EINVAL : reqset_add(rs, a, id);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "identifier %s/%s%0*" PRIu64 ": %s", a->prefix, a->stem,
		           (int)a->width, a->start + i - 1,
		           rc == IDR_EINVAL ? "not an identifier" : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* ---- UDP engine ---- */

struct uslot {
	uint64_t t_sched;
	uint64_t t_sent;
	uint64_t seen; /* fragments 0..63 received */
	uint32_t id;
	uint32_t rc;
	uint16_t gen;
	uint16_t need; /* fragments of the answer, 0 until the first arrives */
	uint16_t got;
	bool busy;
};

struct udp {
	struct run *b;
	int fd;
	struct uslot *slots;
	uint32_t *free_ids; /* stack of free slot numbers */
	size_t nslots, nfree, busy;
	uint8_t (*sbuf)[HDL_UDP_PACKET_MAX];
	uint8_t (*rbuf)[DGRAM_MAX];
	struct iovec siov[BATCH], riov[BATCH];
	struct mmsghdr smsg[BATCH], rmsg[BATCH];
	uint64_t next_scan;
};

static int
udp_open(struct udp *u, struct run *b)
{
	int size = SOCKBUF;
	size_t i;

	memset(u, 0, sizeof(*u));
	u->b = b;
	u->fd = -1;
	u->nslots = b->a->conc;
	if (u->nslots == 0 || u->nslots > UDP_SLOTS_MAX) {
		return IDR_EINVAL;
	}
	u->slots = calloc(u->nslots, sizeof(*u->slots));
	u->free_ids = calloc(u->nslots, sizeof(*u->free_ids));
	u->sbuf = calloc(BATCH, sizeof(*u->sbuf));
	u->rbuf = calloc(BATCH, sizeof(*u->rbuf));
	u->fd = socket(b->a->srv.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->slots == NULL || u->free_ids == NULL || u->sbuf == NULL || u->rbuf == NULL) {
		return IDR_ENOMEM;
	}
	if (u->fd < 0 ||
	    connect(u->fd, (const struct sockaddr *)&b->a->srv.ss, b->a->srv.len) != 0) {
		return neg_errno();
	}
	(void)setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	for (i = 0; i < u->nslots; i++) {
		u->free_ids[i] = (uint32_t)(u->nslots - 1 - i);
	}
	u->nfree = u->nslots;
	for (i = 0; i < BATCH; i++) {
		u->riov[i].iov_base = u->rbuf[i];
		u->riov[i].iov_len = DGRAM_MAX;
		u->rmsg[i].msg_hdr.msg_iov = &u->riov[i];
		u->rmsg[i].msg_hdr.msg_iovlen = 1;
		u->siov[i].iov_base = u->sbuf[i];
		u->smsg[i].msg_hdr.msg_iov = &u->siov[i];
		u->smsg[i].msg_hdr.msg_iovlen = 1;
	}
	return IDR_OK;
}

static void
udp_close(struct udp *u)
{
	if (u->fd >= 0) {
		close(u->fd);
	}
	free(u->slots);
	free(u->free_ids);
	free(u->sbuf);
	free(u->rbuf);
}

static void
udp_release(struct udp *u, uint32_t slot)
{
	u->slots[slot].busy = false;
	u->free_ids[u->nfree++] = slot;
	u->busy--;
}

/* Fill a batch with due requests and send it. */
static void
udp_send_batch(struct udp *u, uint64_t now)
{
	struct run *b = u->b;
	uint32_t slot[BATCH];
	uint64_t t_sched;
	unsigned k = 0, i;
	int sent;

	while (k < BATCH && u->nfree > 0 && take_due(b, now, &t_sched)) {
		struct uslot *s;

		slot[k] = u->free_ids[--u->nfree];
		s = &u->slots[slot[k]];
		s->gen = (uint16_t)((s->gen + 1) & 0x7fff);
		s->id = ((uint32_t)s->gen << 16) | slot[k];
		s->t_sched = t_sched;
		s->t_sent = now;
		s->busy = true;
		s->need = s->got = 0;
		s->seen = 0;
		u->busy++;
		u->siov[k].iov_len = request_copy(b->rs, next_request(b), s->id, u->sbuf[k]);
		k++;
	}
	if (k == 0) {
		return;
	}
	sent = sendmmsg(u->fd, u->smsg, k, 0);
	sent = sent < 0 ? 0 : sent;
	for (i = 0; i < k; i++) {
		if (i < (unsigned)sent) {
			record_sent(b, u->slots[slot[i]].t_sched, now);
		} else {
			b->st.send_errors++;
			udp_release(u, slot[i]);
		}
	}
}

/* One received datagram: match it to its slot, count fragments, complete the request. */
static void
udp_take(struct udp *u, const uint8_t *p, size_t len, uint64_t now)
{
	struct run *b = u->b;
	uint32_t id, seq, mlen, slot;
	struct uslot *s;
	struct rbuf r;

	rbuf_init(&r, p, len);
	rbuf_skip(&r, 8);
	id = rbuf_u32(&r);
	seq = rbuf_u32(&r);
	mlen = rbuf_u32(&r);
	rbuf_skip(&r, 4);
	if (rbuf_error(&r) != IDR_OK || mlen < HDL_HEADER_LEN || mlen > HDL_MAX_MESSAGE_LEN) {
		b->st.malformed++;
		return;
	}
	slot = id & 0xffff;
	s = slot < u->nslots ? &u->slots[slot] : NULL;
	if (s == NULL || !s->busy || s->id != id) {
		b->st.stale++;
		return;
	}
	if (seq == 0) {
		s->rc = rbuf_u32(&r);
	}
	s->need = (uint16_t)((mlen + HDL_UDP_DATA_MAX - 1) / HDL_UDP_DATA_MAX);
	if (seq < 64 && (s->seen & (1ull << seq)) != 0) {
		return; /* duplicate fragment */
	}
	s->seen |= seq < 64 ? 1ull << seq : 0;
	if (++s->got < s->need) {
		return;
	}
	record_answer(b, s->t_sched, s->t_sent, now, s->rc);
	udp_release(u, slot);
}

static int
udp_receive(struct udp *u)
{
	int n, i;
	uint64_t now;

	n = recvmmsg(u->fd, u->rmsg, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
		               ? neg_errno()
		               : 0;
	}
	now = now_ns();
	for (i = 0; i < n; i++) {
		udp_take(u, u->rbuf[i], u->rmsg[i].msg_len, now);
	}
	return n;
}

static void
udp_scan_timeouts(struct udp *u, uint64_t now)
{
	size_t i;

	for (i = 0; i < u->nslots && u->busy > 0; i++) {
		if (u->slots[i].busy && now - u->slots[i].t_sched > u->b->timeout_ns) {
			record_timeout(u->b, u->slots[i].t_sched);
			udp_release(u, (uint32_t)i);
		}
	}
}

/* Sleep until a datagram arrives or the next thing is due. */
static void
udp_wait(struct udp *u, uint64_t now)
{
	struct run *b = u->b;
	uint64_t until = u->next_scan < b->t_end || now >= b->t_end ? u->next_scan : b->t_end;
	struct pollfd p = {u->fd, POLLIN, 0};
	struct timespec ts;

	if (b->interval != 0 && u->nfree > 0 && b->next_due < until) {
		until = b->next_due;
	}
	if (until <= now) {
		return;
	}
	ts.tv_sec = (time_t)((until - now) / NS);
	ts.tv_nsec = (long)((until - now) % NS);
	(void)ppoll(&p, 1, &ts, NULL);
}

static int
udp_loop(struct udp *u, uint64_t stop)
{
	uint64_t now;
	int n;

	for (;;) {
		now = now_ns();
		if (now >= stop || (now >= u->b->t_end && u->busy == 0) || interrupted) {
			return IDR_OK;
		}
		udp_send_batch(u, now);
		n = udp_receive(u);
		if (n < 0 && n != -ECONNREFUSED) {
			return n;
		}
		if (now >= u->next_scan) {
			udp_scan_timeouts(u, now);
			u->next_scan = now + SCAN_NS;
		}
		if (n == 0) {
			udp_wait(u, now);
		}
	}
}

static int
bench_udp(struct run *b)
{
	struct udp u;
	int rc = udp_open(&u, b);

	if (rc == IDR_OK) {
		rc = udp_loop(&u, b->t_end + b->timeout_ns); /* then drain what is in flight */
	}
	udp_close(&u);
	return rc;
}

/* ---- TCP engine ---- */

enum tstate { T_DOWN, T_CONNECTING, T_IDLE, T_BUSY };

struct tconn {
	int fd;
	enum tstate st;
	uint8_t *req;
	size_t reqlen, reqoff;
	struct wbuf in;
	uint32_t id;
	uint64_t t_sched;
	uint64_t t_sent;
	uint64_t retry_at; /* T_DOWN: when to connect again */
};

struct tcp {
	struct run *b;
	int ep;
	struct tconn *c;
	size_t n;
	uint32_t next_id;
	uint64_t next_scan;
};

static void
tcp_down(struct tcp *t, struct tconn *c, uint64_t retry_at)
{
	if (c->fd >= 0) {
		close(c->fd);
	}
	c->fd = -1;
	c->st = T_DOWN;
	c->retry_at = retry_at;
	wbuf_reset(&c->in);
	t->b->st.reconnects++;
}

static void
tcp_connect(struct tcp *t, struct tconn *c, uint64_t now)
{
	const struct addr *a = &t->b->a->srv;
	struct epoll_event ev;

	c->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->retry_at = now + SCAN_NS * 10;
		return;
	}
	if (connect(c->fd, (const struct sockaddr *)&a->ss, a->len) != 0 && errno != EINPROGRESS) {
		tcp_down(t, c, now + SCAN_NS * 10);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		tcp_down(t, c, now + SCAN_NS * 10);
		return;
	}
	c->st = T_CONNECTING;
}

static void
tcp_want_write(struct tcp *t, struct tconn *c, bool on)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
	ev.data.ptr = c;
	(void)epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write what is left of the request. */
static void
tcp_flush(struct tcp *t, struct tconn *c, uint64_t now)
{
	ssize_t n;

	while (c->reqoff < c->reqlen) {
		n = send(c->fd, c->req + c->reqoff, c->reqlen - c->reqoff, MSG_NOSIGNAL);
		if (n > 0) {
			c->reqoff += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			tcp_want_write(t, c, true);
			return;
		} else if (n < 0 && errno != EINTR) {
			t->b->st.send_errors++;
			tcp_down(t, c, now);
			return;
		}
	}
	tcp_want_write(t, c, false);
}

static void
tcp_send(struct tcp *t, struct tconn *c, uint64_t t_sched, uint64_t now)
{
	t->next_id = (t->next_id + 1) & 0x7fffffff;
	c->id = t->next_id == 0 ? ++t->next_id : t->next_id;
	c->reqlen = request_copy(t->b->rs, next_request(t->b), c->id, c->req);
	c->reqoff = 0;
	c->t_sched = t_sched;
	c->t_sent = now;
	c->st = T_BUSY;
	record_sent(t->b, t_sched, now);
	tcp_flush(t, c, now);
}

/* A complete answer unit in c->in? @return 1 handled, 0 need more, -1 broken. */
static int
tcp_answer(struct tcp *t, struct tconn *c, uint64_t now)
{
	struct rbuf r;
	uint32_t id, mlen, rc;

	if (wbuf_len(&c->in) < HDL_ENVELOPE_LEN) {
		return 0;
	}
	rbuf_init(&r, wbuf_data(&c->in), wbuf_len(&c->in));
	rbuf_skip(&r, 8);
	id = rbuf_u32(&r);
	rbuf_skip(&r, 4);
	mlen = rbuf_u32(&r);
	if (mlen < HDL_HEADER_LEN || mlen > HDL_MAX_MESSAGE_LEN || c->st != T_BUSY || id != c->id) {
		t->b->st.malformed++;
		return -1;
	}
	if (rbuf_left(&r) < mlen) {
		return 0;
	}
	if (rbuf_left(&r) > mlen) {
		t->b->st.malformed++; /* bytes beyond the answer: nothing else was asked */
		return -1;
	}
	rbuf_skip(&r, 4);
	rc = rbuf_u32(&r);
	record_answer(t->b, c->t_sched, c->t_sent, now, rc);
	wbuf_reset(&c->in);
	c->st = T_IDLE;
	return 1;
}

static void
tcp_readable(struct tcp *t, struct tconn *c, uint64_t now)
{
	uint8_t buf[16384];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			/* closed: by the server between answers (no keep-alive), or broken */
			t->b->st.send_errors += c->st == T_BUSY ? 1 : 0;
			tcp_down(t, c, now);
			return;
		}
		wbuf_bytes(&c->in, buf, (size_t)n);
		if (wbuf_error(&c->in) != IDR_OK || tcp_answer(t, c, now) < 0) {
			tcp_down(t, c, now);
			return;
		}
	}
}

static void
tcp_event(struct tcp *t, struct tconn *c, uint32_t events, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->st == T_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
			tcp_down(t, c, now + SCAN_NS * 10);
			return;
		}
		if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) {
			return;
		}
		c->st = T_IDLE;
		tcp_want_write(t, c, false);
		return;
	}
	if ((events & EPOLLOUT) != 0 && c->st == T_BUSY) {
		tcp_flush(t, c, now);
	}
	if (c->fd >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
		tcp_readable(t, c, now);
	}
}

/* Start requests on idle connections, reconnect the ones that are down, expire old ones. */
static void
tcp_service(struct tcp *t, uint64_t now)
{
	uint64_t t_sched;
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct tconn *c = &t->c[i];

		if (c->st == T_DOWN && now >= c->retry_at && now < t->b->t_end) {
			tcp_connect(t, c, now);
		}
		if (c->st == T_IDLE && take_due(t->b, now, &t_sched)) {
			tcp_send(t, c, t_sched, now);
		}
	}
	if (now < t->next_scan) {
		return;
	}
	t->next_scan = now + SCAN_NS;
	for (i = 0; i < t->n; i++) {
		if (t->c[i].st == T_BUSY && now - t->c[i].t_sched > t->b->timeout_ns) {
			record_timeout(t->b, t->c[i].t_sched);
			tcp_down(t, &t->c[i], now);
		}
	}
}

static size_t
tcp_busy(const struct tcp *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++) {
		n += t->c[i].st == T_BUSY ? 1 : 0;
	}
	return n;
}

static void
tcp_wait(struct tcp *t, uint64_t now)
{
	struct epoll_event ev[64];
	uint64_t until = t->next_scan;
	struct pollfd p = {t->ep, POLLIN, 0};
	struct timespec ts;
	int n, i;

	if (t->b->interval != 0 && t->b->next_due < until) {
		until = t->b->next_due;
	}
	if (until > now) {
		ts.tv_sec = (time_t)((until - now) / NS);
		ts.tv_nsec = (long)((until - now) % NS);
		(void)ppoll(&p, 1, &ts, NULL);
	}
	n = epoll_wait(t->ep, ev, 64, 0);
	now = now_ns();
	for (i = 0; i < n; i++) {
		tcp_event(t, ev[i].data.ptr, ev[i].events, now);
	}
}

static int
tcp_open_all(struct tcp *t, struct run *b)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->b = b;
	t->n = b->a->conc;
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	t->c = calloc(t->n, sizeof(*t->c));
	if (t->ep < 0 || t->c == NULL) {
		return t->c == NULL ? IDR_ENOMEM : neg_errno();
	}
	if (crypto_random(&t->next_id, sizeof(t->next_id)) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	for (i = 0; i < t->n; i++) {
		t->c[i].fd = -1;
		t->c[i].req = malloc(b->rs->maxlen);
		if (t->c[i].req == NULL) {
			return IDR_ENOMEM;
		}
		wbuf_init_heap(&t->c[i].in, HDL_MAX_UNIT_LEN);
		tcp_connect(t, &t->c[i], b->t_start);
	}
	return IDR_OK;
}

static void
tcp_close_all(struct tcp *t)
{
	size_t i;

	for (i = 0; t->c != NULL && i < t->n; i++) {
		if (t->c[i].fd >= 0) {
			close(t->c[i].fd);
		}
		free(t->c[i].req);
		wbuf_deinit(&t->c[i].in);
	}
	free(t->c);
	if (t->ep >= 0) {
		close(t->ep);
	}
}

static int
bench_tcp(struct run *b)
{
	uint64_t now, stop = b->t_end + b->timeout_ns;
	struct tcp t;
	int rc = tcp_open_all(&t, b);

	while (rc == IDR_OK) {
		now = now_ns();
		if (now >= stop || (now >= b->t_end && tcp_busy(&t) == 0) || interrupted) {
			break;
		}
		tcp_service(&t, now);
		tcp_wait(&t, now);
	}
	tcp_close_all(&t);
	return rc;
}

/* ---- report ---- */

static void
print_text(const struct run *b, const char *where)
{
	const struct bench_args *a = b->a;
	const struct stats *st = &b->st;
	const struct hist *h = &st->lat;
	size_t i;

	printf("idr bench resolve: %s %s, %s loop, ", a->tcp ? "TCP" : "UDP", where,
	       a->rate != 0 ? "open" : "closed");
	if (a->rate != 0) {
		printf("%" PRIu64 " requests/s (at most %" PRIu64 " in flight), ", a->rate,
		       a->conc);
	} else {
		printf("%" PRIu64 " in flight, ", a->conc);
	}
	printf("%zu ids, %" PRIu64 " s after %" PRIu64 " s warm-up\n", b->rs->n, a->duration_s,
	       a->warmup_s);
	printf("  requests    %" PRIu64 " sent, %" PRIu64 " answered, %" PRIu64
	       " timed out, %" PRIu64 " stale, %" PRIu64 " malformed, %" PRIu64 " send errors\n",
	       st->sent, st->answered, st->timeouts, st->stale, st->malformed, st->send_errors);
	printf("  throughput  %.0f answers/s\n", (double)st->in_window / (double)a->duration_s);
	printf("  latency     p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  mean %.3f ms\n",
	       (double)hist_quantile(h, 0.5) / 1e6, (double)hist_quantile(h, 0.99) / 1e6,
	       (double)hist_quantile(h, 0.999) / 1e6, (double)h->max / 1e6,
	       h->n > 0 ? (double)h->sum / (double)h->n / 1e6 : 0.0);
	if (a->rate != 0) {
		printf("  from send   p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n",
		       (double)hist_quantile(&st->svc, 0.5) / 1e6,
		       (double)hist_quantile(&st->svc, 0.99) / 1e6,
		       (double)hist_quantile(&st->svc, 0.999) / 1e6, (double)st->svc.max / 1e6);
		printf("  send lag    max %.3f ms, %" PRIu64
		       " requests sent over %.0f ms after their"
		       " due time\n",
		       (double)st->max_lag / 1e6, st->late_sends, (double)LATE_NS / 1e6);
	}
	if (a->tcp) {
		printf("  connections %" PRIu64 " closed and reopened\n", st->reconnects);
	}
	printf("  responses  ");
	for (i = 0; i < st->nrcs; i++) {
		const char *name = hdl_rc_name(st->rcs[i].rc);

		printf(" %" PRIu32 " %s: %" PRIu64 "%s", st->rcs[i].rc, name != NULL ? name : "?",
		       st->rcs[i].n, i + 1 < st->nrcs ? "," : "");
	}
	if (st->rc_other > 0) {
		printf(", other codes: %" PRIu64, st->rc_other);
	}
	putchar('\n');
}

static void
print_json(const struct run *b, const char *where)
{
	const struct bench_args *a = b->a;
	const struct stats *st = &b->st;
	const struct hist *h = &st->lat;
	size_t i;

	printf("{\"transport\":\"%s\",\"server\":\"%s\",\"mode\":\"%s\",\"concurrency\":%" PRIu64
	       ",\"rate\":%" PRIu64 ",\"ids\":%zu,\"duration_s\":%" PRIu64 ",\"warmup_s\":%" PRIu64
	       ",",
	       a->tcp ? "tcp" : "udp", where, a->rate != 0 ? "open" : "closed", a->conc, a->rate,
	       b->rs->n, a->duration_s, a->warmup_s);
	printf("\"sent\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"timeouts\":%" PRIu64
	       ",\"stale\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"send_errors\":%" PRIu64
	       ",\"reconnects\":%" PRIu64 ",\"send_lag_max_us\":%.1f,\"late_sends\":%" PRIu64
	       ",\"throughput\":%.1f,",
	       st->sent, st->answered, st->timeouts, st->stale, st->malformed, st->send_errors,
	       st->reconnects, (double)st->max_lag / 1e3, st->late_sends,
	       (double)st->in_window / (double)a->duration_s);
	printf("\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f}"
	       ",",
	       (double)hist_quantile(h, 0.5) / 1e3, (double)hist_quantile(h, 0.99) / 1e3,
	       (double)hist_quantile(h, 0.999) / 1e3, (double)h->max / 1e3,
	       h->n > 0 ? (double)h->sum / (double)h->n / 1e3 : 0.0);
	printf("\"sent_latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},",
	       (double)hist_quantile(&st->svc, 0.5) / 1e3,
	       (double)hist_quantile(&st->svc, 0.99) / 1e3,
	       (double)hist_quantile(&st->svc, 0.999) / 1e3, (double)st->svc.max / 1e3);
	printf("\"responses\":{");
	for (i = 0; i < st->nrcs; i++) {
		printf("%s\"%" PRIu32 "\":%" PRIu64, i > 0 ? "," : "", st->rcs[i].rc, st->rcs[i].n);
	}
	printf("},\"responses_other\":%" PRIu64 "}\n", st->rc_other);
}

/* ---- run ---- */

static int
pin_cpu(const struct cli_cmd *self, const struct bench_args *a)
{
	cpu_set_t set;

	if (!a->pin) {
		return CLI_EXIT_OK;
	}
	CPU_ZERO(&set);
	CPU_SET((int)a->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		cli_errorf(self->name, "--cpu %" PRIu64 ": %s", a->cpu, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
bench_run(const struct cli_cmd *self, const struct bench_args *a, const struct reqset *rs)
{
	char where[ADDR_STRLEN];
	struct sigaction sa;
	struct run *b;
	int rc;

	b = calloc(1, sizeof(*b)); /* the histogram is large */
	if (b == NULL) {
		cli_errorf(self->name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	b->a = a;
	b->rs = rs;
	b->rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL);
	b->timeout_ns = a->timeout_ms * 1000000ull;
	b->t_start = now_ns();
	b->t_measure = b->t_start + a->warmup_s * NS;
	b->t_end = b->t_measure + a->duration_s * NS;
	b->interval = a->rate != 0 ? NS / a->rate : 0;
	b->next_due = b->t_start;
	/* 1 ns timer slack: waits for the next due time end on time (default slack: 50 us) */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	rc = a->tcp ? bench_tcp(b) : bench_udp(b);
	if (addr_format((const struct sockaddr *)&a->srv.ss, where, sizeof(where)) != IDR_OK) {
		snprintf(where, sizeof(where), "?");
	}
	if (rc == IDR_OK) {
		(a->json ? print_json : print_text)(b, where);
		rc = b->st.answered > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		if (rc != CLI_EXIT_OK) {
			cli_errorf(self->name, "%s: no answers", where);
		}
	} else {
		cli_errorf(self->name, "%s: %s", where, idr_strerror(rc));
		rc = CLI_EXIT_FAIL;
	}
	free(b);
	return rc;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct bench_args a;
	struct reqset rs;
	int rc;

	memset(&a, 0, sizeof(a));
	a.stem = "B-";
	a.width = 7;
	a.start = 1;
	a.duration_s = 10;
	a.warmup_s = 1;
	a.timeout_ms = 1000;
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	memset(&rs, 0, sizeof(rs));
	wbuf_init_heap(&rs.w, UINT32_MAX);
	rc = a.ids_file != NULL ? reqset_from_file(self, &rs, &a) : reqset_generate(self, &rs, &a);
	if (rc == CLI_EXIT_OK) {
		rc = pin_cpu(self, &a);
	}
	if (rc == CLI_EXIT_OK) {
		rc = bench_run(self, &a, &rs);
	}
	reqset_deinit(&rs);
	return rc;
}

const struct cli_cmd cmd_bench = {
        "bench",
        "load generator: 'idr bench resolve' against a Handle server",
        "usage: idr bench resolve --server HOST:PORT [--udp|--tcp]\n"
        "                         (--ids FILE [--count N] | --prefix P --count N [--stem S]\n"
        "                          [--width W] [--start K])\n"
        "                         [--concurrency C | --rate R] [--duration S] [--warmup S]\n"
        "                         [--timeout-ms MS] [--cpu N] [--certify] [--json]\n"
        "\n"
        "Send RESOLUTION requests for many distinct identifiers (picked at random) to a Handle\n"
        "server and report throughput, latency percentiles and the count of each response\n"
        "code. Requests are encoded before the run; UDP uses one socket with sendmmsg and\n"
        "recvmmsg, TCP one keep-alive connection (KC) per request in flight. Replies are\n"
        "matched to requests by request id; answers in several UDP datagrams are counted\n"
        "when their last fragment arrives.\n"
        "\n"
        "Closed loop (default): C requests in flight, each answer starts the next request.\n"
        "Open loop (--rate R): request i is due i/R seconds after the start and its latency\n"
        "is measured from that due time, also when the generator had to hold it back\n"
        "because C requests were in flight (no coordinated omission); it also reports the\n"
        "latency from the actual send time and how late the generator sent (on a busy\n"
        "client core, to tell the generator's delays from the server's).\n"
        "\n"
        "Only requests due after the warm-up and before the end are counted; requests still\n"
        "in flight at the end are waited for up to the time-out. Exit status 1 when nothing\n"
        "was answered.\n"
        "\n"
        "options:\n"
        "  --server HOST:PORT   the server (required)\n"
        "  --udp, --tcp         transport (default UDP)\n"
        "  --ids FILE           identifiers, one per line (--count: use the first N)\n"
        "  --prefix P           generate identifiers P/<stem><counter>, the counter zero-padded\n"
        "                       to --width digits from --start: by default P/B-0000001 ...,\n"
        "                       the identifiers of tests/bench/import.sh\n"
        "  --count N            number of identifiers\n"
        "  --concurrency C      requests in flight (closed loop, default 64); with --rate, the\n"
        "                       cap on requests in flight (UDP, default 4096) or the number of\n"
        "                       connections (TCP, default 64)\n"
        "  --rate R             open loop at R requests per second\n"
        "  --duration S         measured seconds (default 10)\n"
        "  --warmup S           seconds before measuring (default 1)\n"
        "  --timeout-ms MS      a request unanswered after MS ms counts as timed out (1000)\n"
        "  --cpu N              run on CPU N only\n"
        "  --certify            set CT: the server signs every answer (HS_SIGNED), as a\n"
        "                       stock client's certified resolution asks (not verified here)\n"
        "  --json               one JSON object instead of the summary block\n",
        run,
};
