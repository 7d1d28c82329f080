/*
 * api_journal.c - GET /api/v1/journal and /api/v1/journal/snapshot (api_journal.h).
 */
#include "http/api_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/log.h"
#include "base/rbuf.h"
#include "hdl/hdl.h"
#include "http/hauth.h"
#include "jrn.h"
#include "reg_follow.h"
#include "repl.h"
#include "store/store.h"
#include "write/writer.h"

#define JAPI_BYTES_MAX (16u << 20) /* an answer stops growing past this */
#define JAPI_POLL_US   5000        /* a caught-up request looks for new entries this often */
#define JAPI_FOLLOWERS 64          /* followers whose acknowledgements are coalesced */
#define JAPI_TOUCH_S   60 /* a caught-up follower's ack time is refreshed this often at most */

/* ---------------------------------------------------------------- acknowledgements */

struct ack {
	uint64_t seq;
	uint64_t at_s; /* when last marked for writing (reg_follow.h keeps the time) */
	bool dirty;
	char name[REG_FOLLOW_NAME_MAX + 1];
};

static struct {
	pthread_mutex_t mu;
	struct writer *wr;
	bool inflight;
	struct ack acks[JAPI_FOLLOWERS];
	size_t n;
	struct writer_job job;
} A = {.mu = PTHREAD_MUTEX_INITIALIZER};

void
http_journal_set_writer(struct writer *wr)
{
	pthread_mutex_lock(&A.mu);
	A.wr = wr;
	pthread_mutex_unlock(&A.mu);
}

/* On the writer thread: every acknowledgement not yet written. */
static int
ack_apply(void *arg, struct reg_wtxn *t)
{
	struct ack todo[JAPI_FOLLOWERS];
	size_t n = 0;
	uint64_t now_s = (uint64_t)time(NULL);
	int rc = IDR_OK;

	(void)arg;
	pthread_mutex_lock(&A.mu);
	for (size_t i = 0; i < A.n; i++) {
		if (A.acks[i].dirty) {
			todo[n++] = A.acks[i];
			A.acks[i].dirty = false;
		}
	}
	pthread_mutex_unlock(&A.mu);
	for (size_t i = 0; i < n && rc == IDR_OK; i++) {
		rc = reg_follow_ack(t, slice_cstr(todo[i].name), todo[i].seq, now_s);
	}
	return rc;
}

static void ack_submit_locked(struct mbox *mb);

static void
ack_done(void *arg, int rc, bool ran)
{
	struct mbox *mb = arg;

	if (rc != IDR_OK && ran) {
		log_warn("journal: acknowledgements not recorded: %s", idr_strerror(rc));
	}
	pthread_mutex_lock(&A.mu);
	A.inflight = false;
	for (size_t i = 0; ran && i < A.n; i++) {
		if (A.acks[i].dirty) {
			ack_submit_locked(mb);
			break;
		}
	}
	pthread_mutex_unlock(&A.mu);
}

static void
ack_submit_locked(struct mbox *mb)
{
	if (A.inflight || A.wr == NULL || mb == NULL) {
		return;
	}
	memset(&A.job, 0, sizeof(A.job));
	A.job.apply = ack_apply;
	A.job.done = ack_done;
	A.job.arg = mb;
	A.job.reply_to = mb;
	if (writer_submit(A.wr, &A.job) == IDR_OK) {
		A.inflight = true;
	}
}

/*
 * Record that follower holds everything up to seq (written later, coalesced). A follower
 * that is caught up asks with the same seq again and again: its time is written every
 * quarter of journal_follower_expire (reg_follow.h), 1 to JAPI_TOUCH_S seconds, so that it is
 * never taken for a silent one.
 */
static void
ack(struct http_req *q, const char *follower, uint64_t seq)
{
	uint64_t now_s = (uint64_t)time(NULL), expire = q->conf->journal_follower_expire;
	uint64_t touch = expire == 0 || expire / 4 > JAPI_TOUCH_S ? JAPI_TOUCH_S : expire / 4;
	size_t i;

	pthread_mutex_lock(&A.mu);
	for (i = 0; i < A.n && strcmp(A.acks[i].name, follower) != 0; i++) {
	}
	if (i == A.n && A.n < JAPI_FOLLOWERS && strlen(follower) <= REG_FOLLOW_NAME_MAX) {
		snprintf(A.acks[i].name, sizeof(A.acks[i].name), "%s", follower);
		A.acks[i].seq = 0;
		A.acks[i].at_s = 0;
		A.n++;
	}
	if (i < A.n && (seq > A.acks[i].seq || now_s >= A.acks[i].at_s + (touch > 0 ? touch : 1))) {
		A.acks[i].seq = seq > A.acks[i].seq ? seq : A.acks[i].seq;
		A.acks[i].at_s = now_s;
		A.acks[i].dirty = true;
		ack_submit_locked(rsv_worker_mbox(q->rw));
	}
	pthread_mutex_unlock(&A.mu);
}

/* ---------------------------------------------------------------- answers */

static void
fail(struct http_req *q, int status, const char *msg)
{
	http_api_error_at(q, status, status == 401 ? HDL_RC_AUTHENTICATION_NEEDED : HDL_RC_ERROR,
	                  NULL, slice_make(NULL, 0), msg);
}

/* The identity of q if it may follow the journal (answers and returns false otherwise). */
static bool
follower_ok(struct http_req *q, struct hauth *a)
{
	struct reg_rtxn *t;
	enum hauth_result res;
	char msg[256];

	if (!q->tls) {
		fail(q, 403, "the journal is served over HTTPS only (its readers authenticate)");
		return false;
	}
	if (rsv_read_begin(q->rw, &t) != IDR_OK) {
		fail(q, 500, "store unavailable");
		return false;
	}
	res = http_authenticate(q, t, a, msg, sizeof(msg));
	rsv_read_end(q->rw);
	if (res == HAUTH_NONE) {
		http_header(q, "WWW-Authenticate", "Basic realm=\"handle\"");
		fail(q, 401, "authentication needed");
		return false;
	}
	if (res != HAUTH_OK) {
		log_notice("journal: a follower failed to authenticate: %s", msg);
		fail(q, res == HAUTH_ERROR ? 500 : 403, msg);
		return false;
	}
	if (a->node_admin) {
		return true;
	}
	for (size_t i = 0; i < q->conf->journal_followers.n; i++) {
		if (strcmp(q->conf->journal_followers.v[i], a->text) == 0) {
			return true;
		}
	}
	log_notice("journal: %s is not one of journal_followers", a->text);
	fail(q, 403, "not a journal follower of this node");
	return false;
}

struct build {
	struct wbuf *out;
	uint64_t max, n;
	uint8_t buf[REPL_FRAME_HEAD];
	struct wbuf val;
};

static int
build_one(void *arg, const struct jrn_entry *e)
{
	struct build *b = arg;

	if (b->n == b->max || wbuf_len(b->out) > JAPI_BYTES_MAX) {
		return 1;
	}
	wbuf_reset(&b->val);
	jrn_entry_encode(&b->val, e); /* the stored bytes: the encoding is canonical */
	if (wbuf_error(&b->val) != IDR_OK) {
		return wbuf_error(&b->val);
	}
	repl_frame_put(b->out, e->seq, wbuf_slice(&b->val));
	b->n++;
	return wbuf_error(b->out);
}

/*
 * The journal copy from `from` into out (reset first) from the worker's read transaction.
 * @return the HTTP status: 200, 409, 410 or 500; *head the node's head seq.
 */
static int
build(struct rsv_worker *rw, uint64_t from, uint64_t max, struct wbuf *out, uint64_t *head)
{
	struct build b = {.out = out, .max = max};
	struct reg_rtxn *t;
	struct rbuf first;
	int rc, status = 200;

	wbuf_reset(out);
	if (rsv_read_begin(rw, &t) != IDR_OK) {
		return 500;
	}
	rc = reg_changes(t, head);
	wbuf_u64(out, *head);
	if (rc != IDR_OK) {
		status = 500;
	} else if (from > *head + 1) {
		status = 409;
	} else if (from <= *head) {
		wbuf_init_heap(&b.val, REPL_ENTRY_MAX);
		rc = reg_journal_walk(t, from, build_one, &b);
		wbuf_deinit(&b.val);
		if (rc < 0) {
			status = 500;
		} else if (b.n == 0 || wbuf_len(out) < 8 + REPL_FRAME_HEAD) {
			status = 410; /* folded away */
		} else {
			rbuf_init(&first, wbuf_data(out) + 8, 8);
			if (rbuf_u64(&first) != from) {
				status = 410; /* the first entry is later than asked */
			}
		}
	}
	rsv_read_end(rw);
	return status;
}

static const char *
status_msg(int status)
{
	switch (status) {
	case 409:
		return "from is past this node's journal head + 1: a different history";
	case 410:
		return "from is no longer in the journal: start from /api/v1/journal/snapshot";
	default:
		return "journal unavailable";
	}
}

/* ---------------------------------------------------------------- long poll */

struct jwait {
	struct rsv_worker *rw;
	struct rsv_pending *p;
	struct event *tick;
	uint64_t from, max, deadline_ns;
};

static void
jwait_free(struct jwait *j)
{
	if (j->tick != NULL) {
		event_free(j->tick);
	}
	free(j);
}

static void
jwait_tick(evutil_socket_t fd, short what, void *arg)
{
	struct jwait *j = arg;
	struct timeval tv = {0, JAPI_POLL_US};
	struct wbuf out;
	uint64_t head = 0;
	int status;

	(void)fd;
	(void)what;
	wbuf_init_heap(&out, JAPI_BYTES_MAX + REPL_ENTRY_MAX + 64);
	status = build(j->rw, j->from, j->max, &out, &head);
	if (status == 200 && head < j->from && rsv_mono_ns() < j->deadline_ns &&
	    wbuf_error(&out) == IDR_OK) {
		wbuf_deinit(&out);
		event_add(j->tick, &tv);
		return;
	}
	if (wbuf_error(&out) != IDR_OK) {
		status = 500;
	}
	if (status == 200) {
		rsv_pending_finish_ct(j->p, 200, wbuf_slice(&out), REPL_CT);
	} else {
		char body[256];
		int n = snprintf(body, sizeof(body), "{\"responseCode\":2,\"message\":\"%s\"}",
		                 status_msg(status));

		rsv_pending_finish(j->p, status, slice_make(body, (size_t)n));
	}
	wbuf_deinit(&out);
	jwait_free(j);
}

static void
jwait_cancel(void *arg, struct rsv_pending *p)
{
	rsv_pending_finish(p, 0, slice_make(NULL, 0)); /* cancelled: only frees p */
	jwait_free(arg);
}

/* Caught up: wait for entries (answers q in every case). */
static void
wait_for(struct http_req *q, uint64_t from, uint64_t max)
{
	struct timeval tv = {0, JAPI_POLL_US};
	struct event_base *base = rsv_worker_base(q->rw);
	struct jwait *j = calloc(1, sizeof(*j));

	if (j != NULL && base != NULL && http_deferrable(q)) {
		j->tick = evtimer_new(base, jwait_tick, j);
	}
	if (j == NULL || j->tick == NULL) {
		goto busy;
	}
	j->rw = q->rw;
	j->from = from;
	j->max = max;
	j->deadline_ns = rsv_mono_ns() + q->conf->journal_wait_ms * 1000000u;
	j->p = http_defer(q, jwait_cancel, j);
	if (j->p == NULL) {
		goto busy;
	}
	event_add(j->tick, &tv);
	q->pending = true;
	return;
busy:
	if (j != NULL) {
		jwait_free(j);
	}
	http_api_error_at(q, 503, HDL_RC_SERVER_BUSY, NULL, slice_make(NULL, 0),
	                  "too many requests in progress");
}

void
http_api_journal(struct http_req *q)
{
	const struct uri_param *pf = uri_param_get(&q->t, "from");
	const struct uri_param *pm = uri_param_get(&q->t, "max");
	uint64_t from = 0, max = q->conf->journal_batch_max, head = 0;
	struct hauth a;
	int status;

	if (pf == NULL || uri_param_u64(pf, 1, UINT64_MAX - 1, &from) != IDR_OK ||
	    (pm != NULL && uri_param_u64(pm, 1, q->conf->journal_batch_max, &max) != IDR_OK)) {
		http_api_error_at(q, 400, HDL_RC_PROTOCOL_ERROR, NULL, slice_make(NULL, 0),
		                  "from must be a journal seq >= 1, max 1..journal_batch_max");
		return;
	}
	if (!follower_ok(q, &a)) {
		return;
	}
	status = build(q->rw, from, max, &q->s->out, &head);
	if (status == 200) {
		ack(q, a.text, from - 1); /* only what this node has: from <= head + 1 */
	}
	if (status == 200 && head < from && q->conf->journal_wait_ms > 0) {
		wait_for(q, from, max);
		return;
	}
	if (status != 200 || wbuf_error(&q->s->out) != IDR_OK) {
		fail(q, status == 200 ? 500 : status, status_msg(status));
		return;
	}
	http_reply_body(q, 200, REPL_CT, wbuf_slice(&q->s->out));
}

/* ---------------------------------------------------------------- snapshot */

#define JAPI_SNAPSHOTS 4 /* snapshots being made at once (each a thread and a read txn) */

/* One snapshot: shared by its copy thread and the HTTP transport, freed by the last. */
struct snap {
	pthread_t thread;
	struct store *store;
	int wfd;         /* the pipe's write end (the thread's) */
	atomic_int refs; /* 2: the thread, the transport */
	atomic_int rc;   /* the copy's result, IDR_EAGAIN until it ends */
	uint64_t t0_ms;
	char who[REG_FOLLOW_NAME_MAX + 1];
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned running; /* struct snap alive */
} S = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void
snap_release(void *arg)
{
	struct snap *j = arg;

	if (atomic_fetch_sub(&j->refs, 1) != 1) {
		return;
	}
	free(j);
	pthread_mutex_lock(&S.mu);
	S.running--;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
}

static bool
snap_complete(void *arg)
{
	struct snap *j = arg;
	int rc = atomic_load(&j->rc); /* the thread stored it before closing the pipe */

	if (rc != IDR_OK) {
		log_err("journal: snapshot for %s failed: %s", j->who, idr_strerror(rc));
	} else {
		log_info("journal: snapshot for %s sent", j->who);
	}
	return rc == IDR_OK;
}

static void *
snap_run(void *arg)
{
	struct snap *j = arg;
	int rc = store_copy_fd(j->store, j->wfd);

	atomic_store(&j->rc, rc);
	close(j->wfd); /* the reader sees the end after rc is set */
	if (rc != IDR_OK) {
		/* a client gone mid-way is EPIPE: the copy stops at its next write */
		log_notice("journal: snapshot copy for %s stopped: %s", j->who, idr_strerror(rc));
	}
	snap_release(j);
	return NULL;
}

void
http_journal_snapshots_wait(void)
{
	pthread_mutex_lock(&S.mu);
	while (S.running > 0) {
		pthread_cond_wait(&S.cv, &S.mu);
	}
	pthread_mutex_unlock(&S.mu);
}

/* A snapshot thread writing into a new pipe; *rfd its read end. @return the snap or NULL */
static struct snap *
snap_start(struct http_req *q, const char *who, int *rfd)
{
	struct snap *j = calloc(1, sizeof(*j));
	int p[2] = {-1, -1}, e;

	pthread_mutex_lock(&S.mu);
	if (j == NULL || S.running >= JAPI_SNAPSHOTS || pipe(p) != 0) {
		pthread_mutex_unlock(&S.mu);
		free(j);
		return NULL;
	}
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	S.running++;
	pthread_mutex_unlock(&S.mu);
	j->store = reg_store(rsv_reg(q->rw));
	j->wfd = p[1];
	atomic_init(&j->refs, 2);
	atomic_init(&j->rc, IDR_EAGAIN);
	snprintf(j->who, sizeof(j->who), "%.*s", (int)sizeof(j->who) - 1, who);
	e = pthread_create(&j->thread, NULL, snap_run, j);
	if (e == 0) {
		pthread_detach(j->thread); /* S.running tells http_journal_snapshots_wait */
		*rfd = p[0];
		return j;
	}
	close(p[0]);
	close(p[1]);
	atomic_store(&j->refs, 1);
	snap_release(j);
	return NULL;
}

void
http_api_journal_snapshot(struct http_req *q)
{
	struct http_stream st;
	struct snap *j;
	struct hauth a;
	int rfd = -1;

	if (!follower_ok(q, &a)) {
		return;
	}
	if (q->head) {
		http_reply_body(q, 200, "application/octet-stream", slice_make(NULL, 0));
		return;
	}
	j = snap_start(q, a.text, &rfd);
	if (j == NULL) {
		log_warn("journal: snapshot for %s refused: %u being made or no pipe/thread",
		         a.text, (unsigned)JAPI_SNAPSHOTS);
		http_api_error_at(q, 503, HDL_RC_SERVER_BUSY, NULL, slice_make(NULL, 0),
		                  "too many snapshots being made: try again later");
		return;
	}
	log_info("journal: snapshot for %s started", a.text);
	st.fd = rfd;
	st.complete = snap_complete;
	st.release = snap_release;
	st.arg = j;
	http_reply_stream(q, 200, "application/octet-stream", &st);
}

/* ---------------------------------------------------------------- mirror referrals */

/* route labels whose non-read methods are queries, not writes */
static const char *const queries[] = {"scan", "epcis", "epcis_trace", "sessions", "native"};

bool
http_mirror_refer(struct http_req *q)
{
	char loc[2048], msg[512];

	if (!conf_mirror(q->conf) || q->hdl || (q->method & (HTTP_M_READ | HTTP_M_OPTIONS)) != 0 ||
	    q->match.route == NULL) {
		return false;
	}
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		if (strcmp(q->match.route->label, queries[i]) == 0) {
			return false;
		}
	}
	if (snprintf(loc, sizeof(loc), "%s%s", q->conf->primary, q->raw_target) >=
	    (int)sizeof(loc)) {
		snprintf(loc, sizeof(loc), "%s/", q->conf->primary);
	}
	snprintf(msg, sizeof(msg), "this node is a read-only mirror: write to %.400s",
	         q->conf->primary);
	http_header(q, "Location", loc);
	http_api_error_at(q, 307, HDL_RC_SERVER_BACKUP, NULL, slice_make(NULL, 0), msg);
	return true;
}
