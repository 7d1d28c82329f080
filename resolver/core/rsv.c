/*
 * rsv.c - request dispatch: Handle protocol requests in, answers out, no I/O.
 *
 * Decisions taken here (ref/handle.md §2-§6 and Handle.Net 9 HandleServer):
 *  - Read access. This node has no authentication yet (no sessions, no challenge/response), so
 *    every request is served as public-only: values without PUBLIC_READ are left out of every
 *    answer, with or without PO, and a request left with nothing gets 200 VALUES_NOT_FOUND.
 *    Handle.Net would answer a non-PO request for such values with a 402 challenge (401 when
 *    the value has no read bit at all); a stock client receiving 200 simply sees no values.
 *  - Response header, as Handle.Net's HandleServer.sendResponse: the SiteInfoSerialNumber is
 *    this node's HS_SITE serial (site_serial), and the AT flag is set on every answer when the
 *    site is primary (site_primary). The §8 vectors were produced by the bare encoder (serial
 *    0xffff, no AT): a configuration with site_serial 65535 and site_primary no reproduces them.
 *  - The handle in a RESOLUTION answer is the one the client sent (Java echoes req.handle), so
 *    a request that differs from the registered spelling only in case gets its own spelling
 *    back; when they are equal (the common case) the stored wire body is copied verbatim.
 *  - Expired requests (ExpirationTime in the past) are answered anyway, as Handle.Net does: the
 *    field protects signed messages from replay, and we neither sign nor verify yet.
 *  - AT (authoritative) needs nothing special: this node is the primary for what it hosts.
 *  - Opcode 0 is a protocol error (Handle.Net's TCP handler: "Unknown opCode"); admin,
 *    authentication, session, homing and replication opcodes and unknown ones get
 *    RC_OPERATION_NOT_SUPPORTED (5) with a message.
 *  - Protocol errors (4) are rate-limited per worker (error_rate per second); on TCP the
 *    stream is closed after the answer (RSV_CLOSE), as Handle.Net closes after every error.
 *
 * Configuration snapshots: struct rsv_snap holds a deep copy of the configuration and the
 * encoded HS_SITE; it never changes after publication. rsv_reload publishes a new one with the
 * next generation number and retires the old one. Each worker takes the current snapshot at
 * the start of a request and announces its generation; a retired snapshot is freed (by the
 * next rsv_reload, rsv_worker_free or rsv_free) once every worker announces a later one.
 * An idle worker therefore keeps the snapshots it may still use alive until its next request.
 */
#include "core/rsv.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "core/sess.h"
#include "core/shard.h"
#include "core/site.h"
#include "fed/backup.h"
#include "fed/fstat.h"
#include "fed/fup.h"
#include "fed/refer.h"
#include "fed/takeover.h"
#include "model/ident.h"

#define RSV_EXPIRY       43200 /* answers expire 12 h after they are made (Handle.Net) */
#define RSV_MSG_MAX      512
#define RSV_MAX_FILTER   2048 /* the configuration's max_filter_items upper bound */
#define RSV_SITE_MAX     ((size_t)256 * 1024)
#define RSV_SERVED_MAX   ((size_t)4 << 20) /* a prefix record served with this site */
#define RSV_MSG_PFX_SHOW 200               /* characters of a prefix quoted in a message */
#define RSV_ANCHORS      32                /* listing page ends remembered */
#define RSV_POUT_KEEP    ((size_t)1 << 20) /* deferred-answer buffer kept between answers */

struct rsv_snap {
	uint64_t gen;
	struct conf conf;   /* deep copy, immutable */
	struct wbuf site;   /* encoded HS_SITE data */
	struct shard shard; /* the site's servers and hash (site_servers) */
	struct rsv_snap *next;
};

/* A handler registered with rsv_set_op. */
struct rsv_op {
	uint32_t opcode;
	rsv_op_fn fn;
	void *arg;
};

/* Where a page of a listing ended (see rsv_list). changes == 0 marks an empty slot. */
struct rsv_anchor {
	uint64_t changes; /* reg_changes of the snapshot it was read in */
	uint64_t size;
	uint64_t page;
	size_t plen;
	uint8_t prefix[PFX_MAX_LEN]; /* folded */
	size_t klen;
	uint8_t key[STORE_KEY_MAX]; /* store key of the page's last record */
};

struct rsv {
	struct reg *reg;
	struct metrics *m;
	struct site_ports ports;
	struct rsv_op *ops; /* set before the workers start, read-only afterwards */
	size_t nops;
	struct writer *writer; /* set before the workers start (NULL: no writes) */
	struct quota *quota;   /* daily quotas and write rate limits (thread-safe) */
	rsv_sign_fn sign;      /* signs / encrypts answers (CT, ENC); NULL: neither */
	void *sign_arg;
	rsv_open_fn open; /* opens encrypted requests (NULL: they are dropped) */
	void *open_arg;
	struct sess_table *http_sessions; /* REST API sessions (Authorization: Handle) */
	struct rsv_fed fed;               /* set before the workers start */
	pthread_mutex_t alock;            /* anchors, anext */
	struct rsv_anchor anchors[RSV_ANCHORS];
	unsigned anext;
	_Atomic(struct rsv_snap *) cur;
	pthread_mutex_t lock; /* workers, retired, gen */
	struct rsv_worker *workers;
	struct rsv_snap *retired;
	uint64_t gen;
};

struct rsv_worker {
	struct rsv *r;
	struct rsv_worker *next;
	struct metrics_shard *ms;
	struct event_base *base;   /* NULL: nothing can be deferred */
	struct mbox *mbox;         /* completions posted by other threads */
	struct rsv_pending *pends; /* every pending request of this worker */
	size_t npending;
	struct wbuf pout;              /* answer of a completing pending request */
	struct wbuf served;            /* the last rsv_lookup's record with this site (add_site) */
	uint32_t now;                  /* the request's time (rsv_read_begin; the Handle path's) */
	uint8_t lkey[STORE_KEY_MAX];   /* listing: the key to resume after */
	uint8_t lnext[IDENT_HARD_MAX]; /* listing: the next token handed out */
	struct reg_rtxn *txn;
	struct frec *frec; /* recursive resolver (fed/rec.h), NULL: none */
	rsv_recurse_fn recurse;
	struct fstat_shard *fstat; /* resolutions per prefix (reports), NULL: not counted */
	struct rsv_snap *snap;
	_Atomic uint64_t gen; /* generation of snap, read by reclaim */
	uint64_t rx_ns;       /* receipt time set by the front end, 0 = none */
	uint32_t err_sec;     /* error-rate window (unix second) and answers in it */
	uint64_t err_count;
	char msg[RSV_MSG_MAX];
	uint8_t key[IDENT_HARD_MAX + sizeof(IDENT_ZERO_NA)];
	uint32_t indexes[RSV_MAX_FILTER];
	struct slice types[RSV_MAX_FILTER];
	struct slice clumps[HDL_MAX_VALUES];
	struct refer refer;    /* top-level role: the referral being answered */
	bool misrouted;        /* the last rsv_lookup: the handle belongs to another server */
	bool takeover;         /* the last rsv_lookup: answered from a backup copy (takeover) */
	struct reg_rtxn *btxn; /* read transaction on that copy, ended by rsv_read_end */
	struct reg *breg;      /* the copy btxn reads */
	char tnode[PFX_MAX_LEN + 1]; /* the node taken over (rsv_takeover_of) */
};

struct rsv_conn {
	struct rsv_worker *w;
	enum rsv_proto proto;
	rsv_done_fn done;
	void *arg;
	struct rsv_pending *pends; /* this connection's pending requests */
	size_t npending;
	char *identity; /* authenticated on this channel (IDIS login), NULL: none */
};

/* One request in flight (answered now, or being completed from a struct rsv_pending). */
struct rsv_req {
	struct rsv_worker *w;
	const struct hdl_msg *m;
	const struct rsv_ctx *ctx;
	enum rsv_proto proto;
	struct wbuf *out;
	size_t mark; /* out->len at entry */
	uint32_t now;
	uint32_t rc; /* response code answered */
	enum rsv_action action;
	struct hdl_resp_opts opts;
	uint64_t t0;     /* receipt time */
	bool completing; /* built by rsv_pending_complete: no second deferral */
	bool deferred;   /* rsv_req_defer succeeded */
};

/*
 * A deferred request: what its answer needs, copied out of the front end's buffers. Linked
 * into its worker (for teardown) and, until cancelled, into its connection.
 */
struct rsv_pending {
	struct rsv_worker *w;
	struct rsv_conn *conn; /* NULL once cancelled */
	struct rsv_pending *cprev, *cnext;
	struct rsv_pending *wprev, *wnext;
	rsv_cancel_fn cancel;
	void *cancel_arg;
	struct rsv_ctx ctx; /* peer points to .peer_copy when there is one */
	struct addr peer_copy;
	uint64_t t0;
	uint32_t now;
	struct hdl_resp_opts opts;
	struct hdl_msg msg; /* raw, body and cred point into bytes */
	uint8_t bytes[];
};

static struct log_ratelimit store_warn_rl;

/* ---------------------------------------------------------------- snapshots */

static int
copy_string(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL) {
		return IDR_ENOMEM;
	}
	return IDR_OK;
}

static int
copy_list(struct cfg_list *dst, const struct cfg_list *src)
{
	size_t j;

	for (j = 0; j < src->n; j++) {
		dst->v[j] = strdup(src->v[j]);
		if (dst->v[j] == NULL) {
			return IDR_ENOMEM;
		}
		dst->n = j + 1;
	}
	return IDR_OK;
}

/* Deep copy of a loaded configuration (strings and lists duplicated; free with conf_free). */
static int
conf_copy(struct conf *dst, const struct conf *src)
{
	const struct cfg_opt *t;
	size_t n, i;
	int rc = IDR_OK;

	t = conf_table(&n);
	*dst = *src;
	/* first forget every borrowed pointer, so a failure frees only our own copies */
	for (i = 0; i < n; i++) {
		if (t[i].type == CFG_STRING || t[i].type == CFG_ENUM) {
			*(char **)((char *)dst + t[i].offset) = NULL;
		} else if (t[i].type == CFG_LIST) {
			((struct cfg_list *)((char *)dst + t[i].offset))->n = 0;
		}
	}
	for (i = 0; i < n && rc == IDR_OK; i++) {
		const char *sf = (const char *)src + t[i].offset;
		char *df = (char *)dst + t[i].offset;

		if (t[i].type == CFG_STRING || t[i].type == CFG_ENUM) {
			rc = copy_string((char **)df, *(char *const *)sf);
		} else if (t[i].type == CFG_LIST) {
			rc = copy_list((struct cfg_list *)df, (const struct cfg_list *)sf);
		}
	}
	if (rc != IDR_OK) {
		conf_free(dst);
	}
	return rc;
}

static void
snap_free(struct rsv_snap *s)
{
	if (s == NULL) {
		return;
	}
	conf_free(&s->conf);
	wbuf_deinit(&s->site);
	free(s);
}

static int
snap_new(struct rsv_snap **out, const struct conf *c, const struct site_ports *ports, uint64_t gen)
{
	struct rsv_snap *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return IDR_ENOMEM;
	}
	s->gen = gen;
	wbuf_init_heap(&s->site, RSV_SITE_MAX);
	rc = conf_copy(&s->conf, c);
	if (rc != IDR_OK) {
		wbuf_deinit(&s->site);
		free(s);
		return rc;
	}
	rc = site_encode(&s->site, c, ports);
	if (rc == IDR_OK &&
	    (shard_init(&s->shard, &c->site_servers, c->site_server_index, c->site_hash_option,
	                NULL, 0, NULL, NULL) != IDR_OK ||
	     shard_http_init(&s->shard, &c->site_http_servers, NULL, 0, NULL, NULL) != IDR_OK)) {
		rc = IDR_ECONFIG; /* conf_load reported it */
	}
	if (rc != IDR_OK) {
		snap_free(s);
		return rc;
	}
	*out = s;
	return IDR_OK;
}

/* Free retired snapshots no worker can still use. Called with r->lock held. */
static void
reclaim(struct rsv *r)
{
	struct rsv_snap **pp = &r->retired, *s;
	struct rsv_worker *w;
	uint64_t min = UINT64_MAX, g;

	for (w = r->workers; w != NULL; w = w->next) {
		g = atomic_load_explicit(&w->gen, memory_order_acquire);
		min = g < min ? g : min;
	}
	while ((s = *pp) != NULL) {
		if (s->gen < min) {
			*pp = s->next;
			snap_free(s);
		} else {
			pp = &s->next;
		}
	}
}

/* Take the current snapshot for this request and announce its generation. */
static inline void
snap_pick(struct rsv_worker *w)
{
	struct rsv_snap *s = atomic_load_explicit(&w->r->cur, memory_order_acquire);

	if (s != w->snap) {
		w->snap = s;
		atomic_store_explicit(&w->gen, s->gen, memory_order_release);
	}
}

/* The quota counters, with the limits of conf (the limits struct is large: on the heap). */
static int
quota_start(struct rsv *r, const struct conf *conf)
{
	struct quota_limits *l = malloc(sizeof(*l));
	int rc;

	if (l == NULL) {
		return IDR_ENOMEM;
	}
	conf_quota_limits(conf, l);
	rc = quota_new(&r->quota, (size_t)conf->quota_table, (size_t)conf->write_clients, l);
	free(l);
	return rc;
}

int
rsv_new(struct rsv **out, struct reg *reg, const struct conf *conf, const struct rsv_ports *ports,
        struct metrics *m)
{
	struct rsv_snap *s;
	struct rsv *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return IDR_ENOMEM;
	}
	r->reg = reg;
	r->m = m;
	if (ports != NULL) {
		r->ports.udp = ports->udp;
		r->ports.tcp = ports->tcp;
		r->ports.http = ports->http;
		r->ports.https = ports->https;
	} else {
		site_ports_from_conf(conf, &r->ports);
	}
	rc = quota_start(r, conf);
	if (rc != IDR_OK) {
		free(r);
		return rc;
	}
	rc = snap_new(&s, conf, &r->ports, 1);
	if (rc != IDR_OK) {
		quota_free(r->quota);
		free(r);
		return rc;
	}
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		snap_free(s);
		quota_free(r->quota);
		free(r);
		return IDR_ENOMEM;
	}
	if (pthread_mutex_init(&r->alock, NULL) != 0) {
		pthread_mutex_destroy(&r->lock);
		snap_free(s);
		quota_free(r->quota);
		free(r);
		return IDR_ENOMEM;
	}
	if (sess_table_new(&r->http_sessions, RSV_HTTP_SESSIONS) != IDR_OK) {
		pthread_mutex_destroy(&r->alock);
		pthread_mutex_destroy(&r->lock);
		snap_free(s);
		quota_free(r->quota);
		free(r);
		return IDR_ENOMEM;
	}
	r->gen = 1;
	atomic_init(&r->cur, s);
	*out = r;
	return IDR_OK;
}

void
rsv_free(struct rsv *r)
{
	struct rsv_snap *s;

	if (r == NULL) {
		return;
	}
	while ((s = r->retired) != NULL) {
		r->retired = s->next;
		snap_free(s);
	}
	snap_free(atomic_load(&r->cur));
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->alock);
	quota_free(r->quota);
	sess_table_free(r->http_sessions);
	free(r->ops);
	free(r);
}

int
rsv_reload(struct rsv *r, const struct conf *conf)
{
	struct rsv_snap *s, *old;
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = snap_new(&s, conf, &r->ports, r->gen + 1);
	if (rc == IDR_OK) {
		struct quota_limits *l = malloc(sizeof(*l));

		if (l != NULL) {
			conf_quota_limits(conf, l);
			quota_set_limits(r->quota, l);
			free(l);
		} else {
			log_warn("reload: out of memory: the quotas keep their limits");
		}
		r->gen++;
		old = atomic_exchange_explicit(&r->cur, s, memory_order_acq_rel);
		old->next = r->retired;
		r->retired = old;
		reclaim(r);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

struct slice
rsv_site(struct rsv *r)
{
	return wbuf_slice(&atomic_load_explicit(&r->cur, memory_order_acquire)->site);
}

int
rsv_worker_new(struct rsv *r, unsigned id, struct event_base *base, struct rsv_worker **out)
{
	struct rsv_worker *w;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return IDR_ENOMEM;
	}
	w->r = r;
	w->base = base;
	w->fstat = fstat_shard(r->fed.stats, id);
	wbuf_init_heap(&w->pout, HDL_MAX_UNIT_LEN);
	wbuf_init_heap(&w->served, RSV_SERVED_MAX);
	w->ms = metrics_shard(r->m, id);
	if (r->m != NULL && w->ms == NULL) {
		wbuf_deinit(&w->pout);
		wbuf_deinit(&w->served);
		free(w);
		return IDR_EINVAL; /* id beyond the metrics shards */
	}
	rc = base != NULL ? mbox_new(&w->mbox, base) : IDR_OK;
	if (rc == IDR_OK) {
		rc = reg_read_begin(r->reg, &w->txn);
	}
	if (rc != IDR_OK) {
		mbox_free(w->mbox);
		wbuf_deinit(&w->pout);
		wbuf_deinit(&w->served);
		free(w);
		return rc;
	}
	reg_read_reset(w->txn); /* renewed per request */
	pthread_mutex_lock(&r->lock);
	w->snap = atomic_load_explicit(&r->cur, memory_order_acquire);
	atomic_init(&w->gen, w->snap->gen);
	w->next = r->workers;
	r->workers = w;
	pthread_mutex_unlock(&r->lock);
	*out = w;
	return IDR_OK;
}

void
rsv_worker_free(struct rsv_worker *w)
{
	struct rsv_worker **pp;
	struct rsv *r;

	if (w == NULL) {
		return;
	}
	r = w->r;
	pthread_mutex_lock(&r->lock);
	for (pp = &r->workers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	reclaim(r);
	pthread_mutex_unlock(&r->lock);
	/* messages first: they may refer to pending requests, which go next */
	mbox_free(w->mbox);
	while (w->pends != NULL) {
		struct rsv_pending *p = w->pends;

		w->pends = p->wnext;
		free(p);
	}
	reg_read_end(w->btxn);
	reg_read_end(w->txn);
	wbuf_deinit(&w->pout);
	wbuf_deinit(&w->served);
	free(w);
}

struct mbox *
rsv_worker_mbox(struct rsv_worker *w)
{
	return w->mbox;
}

struct event_base *
rsv_worker_base(struct rsv_worker *w)
{
	return w->base;
}

size_t
rsv_worker_pending(const struct rsv_worker *w)
{
	return w->npending;
}

struct metrics_shard *
rsv_worker_metrics(struct rsv_worker *w)
{
	return w->ms;
}

const struct conf *
rsv_worker_conf(struct rsv_worker *w)
{
	snap_pick(w);
	return &w->snap->conf;
}

uint64_t
rsv_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no system call */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void
rsv_worker_rx_time(struct rsv_worker *w, uint64_t mono_ns)
{
	w->rx_ns = mono_ns;
}

/* Start of a request's latency: the front end's receipt time, else now. */
static inline uint64_t
start_ns(const struct rsv_worker *w)
{
	return w->rx_ns != 0 ? w->rx_ns : rsv_mono_ns();
}

/* ---------------------------------------------------------------- lookup */

static void set_msg(struct rsv_worker *w, const char *fmt, ...) IDR_PRINTF(2, 3);

static void
set_msg(struct rsv_worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* a message cut at RSV_MSG_MAX is still a valid message: truncation is acceptable */
	if (vsnprintf(w->msg, sizeof(w->msg), fmt, ap) < 0) {
		w->msg[0] = '\0';
	}
	va_end(ap);
}

static void
store_failure(struct rsv_worker *w, const char *what, int rc)
{
	set_msg(w, "internal error");
	if (log_ratelimit_ok(&store_warn_rl, 5, 60)) {
		log_warn("resolver: %s: %s", what, idr_strerror(rc));
	}
}

int
rsv_read_begin(struct rsv_worker *w, struct reg_rtxn **txn)
{
	int rc;

	snap_pick(w);
	w->now = (uint32_t)time(NULL);
	rc = reg_read_renew(w->txn);
	if (rc != IDR_OK) {
		return rc;
	}
	*txn = w->txn;
	return IDR_OK;
}

void
rsv_read_end(struct rsv_worker *w)
{
	reg_read_end(w->btxn);
	w->btxn = NULL;
	w->breg = NULL;
	reg_read_reset(w->txn);
}

bool
rsv_filter_match(const struct rsv_filter *f, const struct value *v)
{
	bool match = f->nindexes == 0 && f->ntypes == 0;
	size_t i;

	for (i = 0; !match && i < f->nindexes; i++) {
		match = f->indexes[i] == v->index;
	}
	for (i = 0; !match && i < f->ntypes; i++) {
		match = value_type_match(v->type, f->types[i]);
	}
	return match && (!f->public_only || (v->perms & VALUE_PERM_PUBLIC_READ) != 0);
}

/* The folded store key of a parsed identifier; a bare `X` is looked up as `0.NA/X`. */
static struct slice
lookup_key(struct rsv_worker *w, const struct ident *id)
{
	static const char zna[] = IDENT_ZERO_NA "/";
	size_t off = 0;

	if (!id->has_slash) {
		memcpy(w->key, zna, sizeof(zna) - 1);
		off = sizeof(zna) - 1;
	}
	ident_fold(id->full.p, id->full.len, w->key + off);
	return slice_make(w->key, off + id->full.len);
}

/* The hosting rule, the same for every transport and operation: 301 with its message. */
static uint32_t
served_code(struct rsv_worker *w, struct slice prefix)
{
	int rc = reg_prefix_check(w->txn, prefix);

	if (rc == IDR_EPFX_UNKNOWN || rc == IDR_EPFX_DISABLED) {
		set_msg(w, "prefix %.*s is not served here",
		        (int)(prefix.len < RSV_MSG_PFX_SHOW ? prefix.len : RSV_MSG_PFX_SHOW),
		        (const char *)prefix.p);
		return HDL_RC_SERVER_NOT_RESP;
	}
	if (rc != IDR_OK) {
		store_failure(w, "prefix lookup", rc);
		return HDL_RC_ERROR;
	}
	return HDL_RC_SUCCESS;
}

/*
 * Top-level role: the node taken over (fed/takeover.h) that holds prefix, i.e. prefix or its
 * nearest ancestor whose prefix record carries the takeover mark, into w->tnode.
 */
static bool
takeover_walk(struct rsv_worker *w, struct slice prefix)
{
	struct takeover_info ti;
	struct slice parent;

	if (!conf_toplevel(&w->snap->conf)) {
		return false;
	}
	for (;;) {
		if (takeover_get(w->txn, prefix, &ti) == IDR_OK && ti.active &&
		    prefix.len < sizeof(w->tnode)) {
			memcpy(w->tnode, prefix.p, prefix.len);
			w->tnode[prefix.len] = '\0';
			return true;
		}
		if (!ident_prefix_parent(prefix, &parent)) {
			return false;
		}
		prefix = parent;
	}
}

/*
 * The read transaction on the backup copy of the node taken over (w->tnode) in w->btxn, and
 * whether it serves prefix served. @return HDL_RC_SUCCESS, or the code to answer (w->msg).
 */
static uint32_t
backup_open(struct rsv_worker *w, struct slice served)
{
	struct reg *b = fed_backup_reg(slice_cstr(w->tnode));
	int rc;

	w->takeover = true;
	if (b == NULL) {
		set_msg(w,
		        "node %s is taken over by the top level, but its backup copy is not ready",
		        w->tnode);
		return HDL_RC_ERROR;
	}
	if (w->btxn != NULL && w->breg != b) {
		reg_read_end(w->btxn);
		w->btxn = NULL;
	}
	if (w->btxn == NULL) {
		if ((rc = reg_read_begin(b, &w->btxn)) != IDR_OK) {
			w->btxn = NULL;
			store_failure(w, "backup read transaction", rc);
			return HDL_RC_ERROR;
		}
		w->breg = b;
	}
	rc = reg_prefix_check(w->btxn, served);
	if (rc == IDR_EPFX_UNKNOWN || rc == IDR_EPFX_DISABLED) {
		set_msg(w, "prefix %.*s is not served by node %s (taken over by the top level)",
		        (int)(served.len < RSV_MSG_PFX_SHOW ? served.len : RSV_MSG_PFX_SHOW),
		        (const char *)served.p, w->tnode);
		return HDL_RC_SERVER_NOT_RESP;
	}
	if (rc != IDR_OK) {
		store_failure(w, "backup prefix check", rc);
		return HDL_RC_ERROR;
	}
	return HDL_RC_SUCCESS;
}

/* A resolution of id (prefix served) from the backup copy of the node taken over. */
static uint32_t
backup_lookup(struct rsv_worker *w, const struct ident *id, struct slice served,
              struct rec_view *rec)
{
	uint32_t code = backup_open(w, served);
	int rc;

	if (code != HDL_RC_SUCCESS) {
		return code;
	}
	rc = reg_get_folded(w->btxn, lookup_key(w, id), rec);
	if (rc == IDR_ENOENT) {
		w->msg[0] = '\0';
		return HDL_RC_HANDLE_NOT_FOUND;
	}
	if (rc != IDR_OK) {
		store_failure(w, "backup lookup", rc);
		return HDL_RC_ERROR;
	}
	w->msg[0] = '\0';
	return HDL_RC_SUCCESS;
}

bool
rsv_takeover_of(struct rsv_worker *w, struct slice handle, char *node, size_t cap)
{
	struct ident_opts o = {IDENT_HARD_MAX, true};
	struct reg_rtxn *t;
	struct ident id;
	bool found;

	if (!conf_toplevel(&w->snap->conf) ||
	    ident_parse(&id, handle.p, handle.len, &o) != IDR_OK ||
	    rsv_read_begin(w, &t) != IDR_OK) {
		return false;
	}
	found = takeover_walk(w, id.zero_na ? id.suffix : id.prefix);
	rsv_read_end(w);
	if (found) {
		snprintf(node, cap, "%s", w->tnode);
	}
	return found;
}

/*
 * The prefix this node hosts whose prefix record 0.NA/P is handle, or an empty slice: a
 * stored record 0.NA/P of a prefix P hosted (and enabled) here.
 */
static struct slice
hosted_prefix_record(struct reg_rtxn *txn, struct slice handle)
{
	struct slice p = {NULL, 0};

	if (handle.len > 5 && strncasecmp((const char *)handle.p, "0.NA/", 5) == 0) {
		p = slice_make(handle.p + 5, handle.len - 5);
		if (reg_prefix_check(txn, p) != IDR_OK) {
			p.len = 0;
		}
	}
	return p;
}

/* Is v a value that names where a prefix is served (HS_SITE*, HS_SERV*)? */
static bool
names_site(const struct value *v)
{
	static const char *const types[] = {"HS_SITE", "HS_SITE.PREFIX", "HS_SITE.6", "HS_SERV",
	                                    "HS_SERV.PREFIX"};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (v->type.len == strlen(types[i]) &&
		    strncasecmp((const char *)v->type.p, types[i], v->type.len) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * The HS_SITE a stock client needs in the prefix record of a prefix hosted here: asked for
 * 0.NA/P (after a prefix referral from the top level, ref/handle.md §6.4) it looks for HS_SITE
 * or HS_SERV there and fails with "service not found" without one. When the record has no
 * HS_SITE* / HS_SERV* value of its own, this node's published site is appended as a public
 * HS_SITE value (index 1, or one past the highest index when 1 is taken; timestamp: the
 * request's time, TTL one day), and rec is rewritten to point into w->served, so that
 * every transport (Handle, the REST API, the national API, the pages) serves the same values.
 * Not on the top level: its prefix records are the nodes' delegations, maintained by their
 * upward registration; except for a record it serves from the backup copy of a node taken
 * over (fed/takeover.h), whose derived prefixes it then serves itself: the site is the top
 * level's, checked as hosted in the copy (the node's store). A record the buffer cannot take
 * is left as stored.
 */
static void
add_site(struct rsv_worker *w, struct rec_view *rec)
{
	struct wbuf *out = &w->served;
	uint32_t index = 1, max = 0;
	struct slice clump;
	struct value v;
	struct rbuf r;
	size_t head;
	bool used1 = false;

	bool taken = w->takeover && w->btxn != NULL;

	if ((conf_toplevel(&w->snap->conf) && !taken) || wbuf_len(&w->snap->site) == 0 ||
	    rec->nvalues >= HDL_MAX_VALUES || rec->body.len < rec->values.len + 4 ||
	    hosted_prefix_record(taken ? w->btxn : w->txn, rec->handle).len == 0) {
		return;
	}
	rbuf_init(&r, rec->values.p, rec->values.len);
	while (hdl_clump_next(&r, &v, &clump) == IDR_OK) {
		if (names_site(&v)) {
			return;
		}
		used1 = used1 || v.index == 1;
		max = v.index > max ? v.index : max;
	}
	if (used1) {
		index = max + 1;
	}
	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = w->now;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = 86400;
	v.perms = VALUE_PERM_ADMIN_READ | VALUE_PERM_PUBLIC_READ;
	v.type = SLICE_LIT("HS_SITE");
	v.data = wbuf_slice(&w->snap->site);
	/* the body is the handle, the value count and the clumps (rec_view) */
	head = rec->body.len - rec->values.len - 4;
	wbuf_reset(out);
	wbuf_bytes(out, rec->body.p, head);
	wbuf_u32(out, rec->nvalues + 1);
	wbuf_bytes(out, rec->values.p, rec->values.len);
	value_encode(out, &v);
	if (wbuf_error(out) != IDR_OK) {
		return;
	}
	rec->body = wbuf_slice(out);
	rec->values = slice_make(rec->body.p + head + 4, rec->body.len - head - 4);
	rec->nvalues++;
}

void
rsv_takeover_message(const char *node, char *buf, size_t cap)
{
	snprintf(buf, cap,
	         "node %.100s is taken over by the top level: its records are read-only until it "
	         "is released",
	         node);
}

/* backup_lookup, and a derived prefix record of the node gets the top level's site */
static uint32_t
taken_lookup(struct rsv_worker *w, const struct ident *id, struct slice served,
             struct rec_view *rec)
{
	uint32_t code = backup_lookup(w, id, served, rec);

	if (code == HDL_RC_SUCCESS) {
		add_site(w, rec);
	}
	return code;
}

uint32_t
rsv_lookup(struct rsv_worker *w, struct slice handle, struct rec_view *rec)
{
	struct ident_opts o = {(size_t)w->snap->conf.max_id_chars, true};
	struct slice served, key;
	char eb[IDENT_ERR_LEN];
	struct ident id;
	uint32_t code;
	int rc;

	w->msg[0] = '\0';
	w->misrouted = false;
	w->takeover = false;
	rc = ident_parse(&id, handle.p, handle.len, &o);
	if (rc != IDR_OK) {
		set_msg(w, "%s", ident_strerror(rc, &o, eb, sizeof(eb)));
		return HDL_RC_INVALID_HANDLE;
	}
	/* checked before hosting, as the reference server does (errorIfNotHaveHandle) */
	if (!shard_mine(&w->snap->shard, handle)) {
		set_msg(w, "%s", SHARD_MSG_WRONG_SERVER);
		w->misrouted = true;
		return HDL_RC_SERVER_NOT_RESP;
	}
	/* the prefix that must be hosted: P for P/S and for 0.NA/P, X for a bare X */
	served = id.zero_na ? id.suffix : id.prefix;
	code = served_code(w, served);
	if (code == HDL_RC_SERVER_NOT_RESP && takeover_walk(w, served)) {
		return taken_lookup(w, &id, served, rec); /* a node taken over (fed/takeover.h) */
	}
	if (code != HDL_RC_SUCCESS) {
		return code;
	}
	key = lookup_key(w, &id);
	rc = reg_get_folded(w->txn, key, rec);
	if (rc == IDR_ENOENT && takeover_walk(w, served)) {
		return taken_lookup(w, &id, served, rec);
	}
	if (rc == IDR_OK || rc == IDR_ENOENT) {
		fstat_count(w->fstat, served); /* a resolution answered here (reports) */
	}
	if (rc == IDR_ENOENT) {
		return HDL_RC_HANDLE_NOT_FOUND;
	}
	if (rc != IDR_OK) {
		store_failure(w, "record lookup", rc);
		return HDL_RC_ERROR;
	}
	add_site(w, rec);
	return HDL_RC_SUCCESS;
}

const char *
rsv_worker_message(struct rsv_worker *w)
{
	return w->msg;
}

bool
rsv_worker_misrouted(const struct rsv_worker *w)
{
	return w->misrouted;
}

bool
rsv_worker_takeover(const struct rsv_worker *w)
{
	return w->takeover;
}

const struct shard *
rsv_worker_shard(struct rsv_worker *w)
{
	snap_pick(w);
	return &w->snap->shard;
}

/* ---------------------------------------------------------------- answers */

static enum metrics_proto
metrics_proto_of(enum rsv_proto p)
{
	switch (p) {
	case RSV_PROTO_TCP:
		return METRICS_TCP;
	case RSV_PROTO_HTTP:
		return METRICS_HTTP;
	default:
		return METRICS_UDP;
	}
}

static int
answer_error(struct rsv_req *q, uint32_t rc, const char *msg)
{
	q->rc = rc;
	return hdl_resp_error(q->out, q->m, rc, slice_cstr(msg), &q->opts);
}

/* A protocol error answer (4), within the per-worker error_rate; else nothing is sent. */
static int
answer_protocol(struct rsv_req *q, const char *msg)
{
	struct rsv_worker *w = q->w;
	uint64_t rate = w->snap->conf.error_rate;

	q->action = q->proto == RSV_PROTO_TCP ? RSV_CLOSE : RSV_REPLY;
	if (rate != 0) {
		if (q->now != w->err_sec) {
			w->err_sec = q->now;
			w->err_count = 0;
		}
		if (w->err_count >= rate) {
			q->action = q->proto == RSV_PROTO_TCP ? RSV_CLOSE : RSV_DROP;
			metrics_drop(w->ms, METRICS_DROP_RATELIMIT);
			return IDR_OK;
		}
		w->err_count++;
	}
	return answer_error(q, HDL_RC_PROTOCOL_ERROR, msg);
}

/* Unfiltered answer whose handle spelling differs from the stored one: request handle +
 * stored count and clumps. */
static int
answer_stored_as(struct rsv_req *q, struct slice handle, const struct rec_view *rec)
{
	struct hdl_build b;
	struct rbuf body;
	int rc;

	rbuf_init(&body, rec->body.p, rec->body.len);
	(void)rbuf_str(&body, HDL_MAX_HANDLE_LEN);
	if (rbuf_error(&body) != IDR_OK) {
		return rbuf_error(&body);
	}
	rc = hdl_resp_begin(&b, q->out, q->m, HDL_RC_SUCCESS, &q->opts);
	if (rc != IDR_OK) {
		return rc;
	}
	hdl_build_handle(&b, handle);
	hdl_build_bytes(&b, rbuf_bytes(&body, rbuf_left(&body)));
	return hdl_build_end(&b);
}

static int
answer_values(struct rsv_req *q, const struct hdl_res_req *rr, const struct rec_view *rec)
{
	struct rsv_filter f = {rr->indexes, rr->nindexes, rr->types, rr->ntypes, false};
	struct rsv_worker *w = q->w;
	size_t n = 0, hidden = 0;
	struct slice clump;
	struct value v;
	struct rbuf r;
	int rc;

	rbuf_init(&r, rec->values.p, rec->values.len);
	while ((rc = hdl_clump_next(&r, &v, &clump)) == IDR_OK && n < HDL_MAX_VALUES) {
		if (!rsv_filter_match(&f, &v)) {
			continue;
		}
		if ((v.perms & VALUE_PERM_PUBLIC_READ) == 0) {
			hidden++; /* no authentication yet: only public values are served */
			continue;
		}
		w->clumps[n++] = clump;
	}
	if (rc != IDR_ENOENT && rc != IDR_OK) {
		store_failure(w, "stored record does not decode", rc);
		return answer_error(q, HDL_RC_ERROR, w->msg);
	}
	if (n == 0) {
		return answer_error(q, HDL_RC_VALUES_NOT_FOUND, "");
	}
	q->rc = HDL_RC_SUCCESS;
	if (rr->nindexes == 0 && rr->ntypes == 0 && hidden == 0) {
		if (slice_eq(rr->handle, rec->handle)) {
			return hdl_resp_resolution_stored(q->out, q->m, rec->body, &q->opts);
		}
		return answer_stored_as(q, rr->handle, rec);
	}
	return hdl_resp_resolution(q->out, q->m, rr->handle, w->clumps, n, &q->opts);
}

/* Top-level role: a referral (fed/refer.h) for what this node does not hold, else code. */
static int
answer_referral(struct rsv_req *q, struct reg_rtxn *txn, struct slice handle, uint32_t code)
{
	struct rsv_worker *w = q->w;
	int rc = refer_find(txn, handle, (q->m->hdr.flags & HDL_FLAG_DNRF) != 0, &w->refer);

	if (rc != IDR_OK) { /* the handle parsed in rsv_lookup: a damaged record or the store */
		store_failure(w, "prefix referral", rc);
		return answer_error(q, HDL_RC_ERROR, w->msg);
	}
	if (w->refer.rc == 0) {
		return answer_error(q, code, w->msg);
	}
	q->rc = w->refer.rc;
	return hdl_resp_referral(q->out, q->m, w->refer.rc, slice_make(NULL, 0), w->refer.clumps,
	                         w->refer.n, &q->opts);
}

static int
do_resolution(struct rsv_req *q)
{
	struct rsv_worker *w = q->w;
	size_t cap = (size_t)w->snap->conf.max_filter_items;
	struct reg_rtxn *txn;
	struct hdl_res_req rr;
	struct rec_view rec;
	struct rbuf body;
	uint32_t code;
	int rc;

	cap = cap < RSV_MAX_FILTER ? cap : RSV_MAX_FILTER;
	rbuf_init(&body, q->m->body.p, q->m->body.len);
	rc = hdl_res_req_parse(&body, &rr, w->indexes, cap, w->types, cap);
	if (rc == IDR_ELIMIT) {
		set_msg(w,
		        "resolution request over a limit: handle 2048 bytes, type %u bytes, %zu "
		        "indexes or types",
		        (unsigned)HDL_MAX_TYPE_LEN, cap);
		return answer_protocol(q, w->msg);
	}
	if (rc != IDR_OK) {
		return answer_protocol(q, "malformed resolution request body");
	}
	rc = rsv_read_begin(w, &txn);
	if (rc != IDR_OK) {
		store_failure(w, "read transaction", rc);
		/* every reader slot taken (local tools, too many workers): busy, try again */
		return rc == IDR_EREADERS ? answer_error(q, HDL_RC_SERVER_BUSY, "server busy")
		                          : answer_error(q, HDL_RC_ERROR, w->msg);
	}
	w->now = q->now;
	code = rsv_lookup(w, rr.handle, &rec);
	if (w->misrouted) {
		/* another server of this site: 301 even with REC, as clients hashing expect */
		rc = answer_error(q, code, w->msg);
		rsv_read_end(w);
		return rc;
	}
	if (code == HDL_RC_SERVER_NOT_RESP && w->recurse != NULL &&
	    (q->m->hdr.flags & HDL_FLAG_REC) != 0) {
		rsv_read_end(w);
		return w->recurse(w->frec, q, &rr); /* a foreign prefix, recursion asked for */
	}
	if (code == HDL_RC_SUCCESS) {
		rc = answer_values(q, &rr, &rec); /* copies the stored bytes before the reset */
	} else if ((code == HDL_RC_SERVER_NOT_RESP || code == HDL_RC_HANDLE_NOT_FOUND) &&
	           conf_toplevel(&w->snap->conf) && !w->takeover) {
		rc = answer_referral(q, txn, rr.handle, code);
	} else {
		rc = answer_error(q, code, w->msg);
	}
	rsv_read_end(w);
	return rc;
}

static int
do_siteinfo(struct rsv_req *q)
{
	struct slice handle;
	struct rbuf body;

	/* the body names a handle (Java sends "/"); an empty body is tolerated */
	rbuf_init(&body, q->m->body.p, q->m->body.len);
	if (q->m->body.len > 0 && hdl_handle_req_parse(&body, &handle) != IDR_OK) {
		return answer_protocol(q, "malformed site information request body");
	}
	q->rc = HDL_RC_SUCCESS;
	return hdl_resp_siteinfo(q->out, q->m, wbuf_slice(&q->w->snap->site), &q->opts);
}

static const char *
unsupported_msg(uint32_t opcode)
{
	if ((opcode >= HDL_OC_CREATE_HANDLE && opcode <= HDL_OC_LIST_NA) ||
	    (opcode >= HDL_OC_HOME_NA && opcode <= HDL_OC_LIST_HOMED_NAS)) {
		return "admin operations are not enabled on this node yet";
	}
	if (opcode == HDL_OC_CHALLENGE_RESPONSE || opcode == HDL_OC_VERIFY_RESPONSE ||
	    opcode == HDL_OC_LOGIN || opcode == HDL_OC_LOGIN_ID_SYSTEM) {
		return "authentication is not enabled on this node yet";
	}
	if (opcode >= HDL_OC_SESSION_SETUP && opcode <= HDL_OC_SESSION_EXCHANGEKEY) {
		return "sessions are not supported by this node";
	}
	if (opcode >= HDL_OC_GET_NEXT_TXN_ID && opcode <= HDL_OC_BACKUP_SERVER) {
		return "replication is not supported by this node";
	}
	return "unknown operation code";
}

static int
dispatch(struct rsv_req *q)
{
	const struct hdl_header *h = &q->m->hdr;

	if (h->recursion > HDL_MAX_RECURSION) {
		set_msg(q->w, "recursion count %u is over the limit of %d", (unsigned)h->recursion,
		        HDL_MAX_RECURSION);
		return answer_error(q, HDL_RC_RECURSION_LIMIT, q->w->msg);
	}
	switch (h->opcode) {
	case HDL_OC_RESOLUTION:
		return do_resolution(q);
	case HDL_OC_GET_SITEINFO:
		return do_siteinfo(q);
	case HDL_OC_RESERVED:
		return answer_protocol(q, "operation code 0 is not a request");
	default:
		for (size_t i = 0; i < q->w->r->nops; i++) {
			const struct rsv_op *op = &q->w->r->ops[i];

			if (op->opcode == h->opcode) {
				return op->fn(op->arg, q);
			}
		}
		return answer_error(q, HDL_RC_OPERATION_NOT_SUPPORTED, unsupported_msg(h->opcode));
	}
}

/* Forget a partial answer: out back to its length at entry, error cleared. */
static void
out_rewind(struct rsv_req *q)
{
	q->out->len = q->mark;
	q->out->err = IDR_OK;
}

/* An answer that could not be encoded becomes RC_ERROR; if even that fails, nothing. */
static void
answer_failed(struct rsv_req *q, int err)
{
	out_rewind(q);
	if (err == IDR_ELIMIT || err == IDR_ETOOBIG) {
		set_msg(q->w, "the answer is larger than a Handle message may be");
	} else {
		store_failure(q->w, "encoding an answer", err);
	}
	if (answer_error(q, HDL_RC_ERROR, q->w->msg) != IDR_OK) {
		out_rewind(q);
		q->action = q->proto == RSV_PROTO_TCP ? RSV_CLOSE : RSV_DROP;
	}
}

/* Fill the fields every request has (its answer starts at out->len). */
static void
req_init(struct rsv_req *q, struct rsv_worker *w, const struct hdl_msg *m,
         const struct rsv_ctx *ctx, uint32_t now, struct wbuf *out, uint64_t t0)
{
	const struct conf *c = &w->snap->conf;

	memset(q, 0, sizeof(*q));
	q->w = w;
	q->m = m;
	q->ctx = ctx;
	q->proto = ctx->proto;
	q->out = out;
	q->mark = out->len;
	q->now = now;
	q->t0 = t0;
	q->action = RSV_REPLY;
	q->opts.expiration = now + RSV_EXPIRY;
	q->opts.site_serial = (uint16_t)c->site_serial;
	q->opts.add_flags = c->site_primary ? HDL_FLAG_AT : 0;
}

/* After a handler: a failed answer becomes RC_ERROR; an answer written is counted. */
static void
req_finish(struct rsv_req *q, int rc)
{
	if (rc != IDR_OK) {
		answer_failed(q, rc);
	}
	if (q->out->len > q->mark && (q->m->hdr.flags & (HDL_FLAG_CT | HDL_FLAG_ENC)) != 0 &&
	    q->w->r->sign != NULL) {
		rc = q->w->r->sign(q->w->r->sign_arg, q->m, q->out, q->mark);
		if (rc != IDR_OK) {
			log_warn("request id %u: answer not signed or encrypted: %s",
			         q->m->env.request_id, idr_strerror(rc));
		}
	}
	if (q->out->len > q->mark) {
		metrics_request(q->w->ms, metrics_proto_of(q->proto), q->m->hdr.opcode, q->rc,
		                rsv_mono_ns() - q->t0);
		if (log_enabled(LOG_DEBUG)) {
			log_debug("request id %u op %u answered rc %u (%zu bytes)",
			          q->m->env.request_id, (unsigned)q->m->hdr.opcode, (unsigned)q->rc,
			          q->out->len - q->mark);
		}
	}
}

static enum rsv_action
run(struct rsv_worker *w, const struct rsv_ctx *ctx, const struct hdl_msg *m, uint32_t now,
    struct wbuf *out, uint64_t t0, const char *malformed)
{
	struct rsv_req q;
	int rc;

	req_init(&q, w, m, ctx, now, out, t0);
	rc = malformed != NULL ? answer_protocol(&q, malformed) : dispatch(&q);
	if (q.deferred) {
		/* the producer answers; anything the handler wrote or returned after deferring is
		 * not an answer (rsv.h: a handler that deferred returns IDR_OK) */
		out_rewind(&q);
		return RSV_PENDING;
	}
	req_finish(&q, rc);
	return q.action;
}

/* A parsed message: answer it unless it is a response (answering those invites loops). */
static enum rsv_action
handle_parsed(struct rsv_worker *w, const struct rsv_ctx *ctx, const struct hdl_msg *req,
              uint32_t now, struct wbuf *out, uint64_t t0)
{
	if (req->hdr.rc != HDL_RC_RESERVED) {
		metrics_drop(w->ms, METRICS_DROP_MALFORMED);
		return ctx->proto == RSV_PROTO_TCP ? RSV_CLOSE : RSV_DROP;
	}
	return run(w, ctx, req, now, out, t0, NULL);
}

enum rsv_action
rsv_handle_msg(struct rsv_worker *w, const struct rsv_ctx *ctx, const struct hdl_msg *req,
               uint32_t now, struct wbuf *out)
{
	uint64_t t0 = start_ns(w);

	snap_pick(w);
	return handle_parsed(w, ctx, req, now, out, t0);
}

/*
 * The header of a message whose framing is wrong (BodyLength or CredentialLength do not fit,
 * or the unit is not exactly MessageLength long), read so the error answer can name the
 * request. raw covers the header and what arrived of the body.
 */
static bool
header_only(const struct hdl_envelope *env, struct slice msg, struct hdl_msg *m)
{
	struct rbuf r, all;
	size_t body;

	memset(m, 0, sizeof(*m));
	m->env = *env;
	rbuf_init(&r, msg.p, msg.len);
	m->hdr.opcode = rbuf_u32(&r);
	m->hdr.rc = rbuf_u32(&r);
	m->hdr.flags = rbuf_u32(&r);
	m->hdr.site_serial = rbuf_u16(&r);
	m->hdr.recursion = rbuf_u8(&r);
	rbuf_skip(&r, 1);
	m->hdr.expiration = rbuf_u32(&r);
	m->hdr.body_len = rbuf_u32(&r);
	if (rbuf_error(&r) != IDR_OK) {
		return false;
	}
	body = rbuf_left(&r) < m->hdr.body_len ? rbuf_left(&r) : m->hdr.body_len;
	rbuf_init(&all, msg.p, msg.len);
	m->raw = rbuf_bytes(&all, HDL_HEADER_LEN + body);
	return true;
}

/* What is wrong with a message header_only could read. */
static const char *
framing_error(const struct hdl_envelope *env, struct slice msg, const struct hdl_msg *m)
{
	if (msg.len < env->msg_len) {
		return "message is shorter than its MessageLength";
	}
	if (msg.len > env->msg_len) {
		return "bytes follow the message: MessageLength is too small";
	}
	if (m->hdr.body_len > msg.len - HDL_HEADER_LEN) {
		return "BodyLength runs past the end of the message";
	}
	return "CredentialLength does not match the rest of the message";
}

/*
 * A message encrypted with a session key: opened by the hook and handled as if it came in
 * clear; one that does not open is answered 501 RC_SESSION_FAILED (in clear, as Handle.Net).
 */
static enum rsv_action
handle_sealed(struct rsv_worker *w, const struct rsv_ctx *ctx, const struct hdl_envelope *sealed,
              struct slice msg, uint32_t now, struct wbuf *out, uint64_t t0)
{
	struct hdl_envelope env = *sealed;
	struct wbuf plain;
	struct hdl_msg m;
	enum rsv_action act;
	int rc;

	env.flags &= (uint8_t)~HDL_ENV_EC;
	if (msg.len != env.msg_len ||
	    hdl_envelope_check(&env, (size_t)w->snap->conf.max_request_size) != IDR_OK) {
		metrics_drop(w->ms, METRICS_DROP_MALFORMED);
		return ctx->proto == RSV_PROTO_TCP ? RSV_CLOSE : RSV_DROP;
	}
	wbuf_init_heap(&plain, HDL_MAX_MESSAGE_LEN);
	rc = w->r->open(w->r->open_arg, sealed, msg, &plain);
	if (rc == IDR_OK) {
		env.msg_len = (uint32_t)wbuf_len(&plain);
		rc = hdl_msg_parse_message(&env, wbuf_slice(&plain), &m);
	}
	if (rc == IDR_OK) {
		act = handle_parsed(w, ctx, &m, now, out, t0);
	} else {
		struct rsv_req q;

		memset(&m, 0, sizeof(m));
		m.env = env;
		m.hdr.site_serial = 0xffff;
		req_init(&q, w, &m, ctx, now, out, t0);
		req_finish(
		        &q,
		        answer_error(&q, HDL_RC_SESSION_FAILED,
		                     "the encrypted message does not open with the session's key"));
		act = q.action;
	}
	wbuf_deinit(&plain);
	return act;
}

enum rsv_action
rsv_handle(struct rsv_worker *w, const struct rsv_ctx *ctx, const uint8_t *unit, size_t len,
           uint32_t now, struct wbuf *out)
{
	enum rsv_action drop = ctx->proto == RSV_PROTO_TCP ? RSV_CLOSE : RSV_DROP;
	uint64_t t0 = start_ns(w);
	struct hdl_envelope env;
	struct hdl_msg m;
	struct slice msg;
	struct rbuf r;

	snap_pick(w);
	rbuf_init(&r, unit, len);
	if (hdl_envelope_parse(&r, &env) != IDR_OK) {
		metrics_drop(w->ms, METRICS_DROP_MALFORMED);
		return drop;
	}
	if (hdl_envelope_sealed(&env) && w->r->open != NULL) {
		return handle_sealed(w, ctx, &env, rbuf_bytes(&r, rbuf_left(&r)), now, out, t0);
	}
	if (hdl_envelope_check(&env, (size_t)w->snap->conf.max_request_size) != IDR_OK) {
		metrics_drop(w->ms, METRICS_DROP_MALFORMED);
		return drop;
	}
	msg = rbuf_bytes(&r, rbuf_left(&r));
	if (msg.len == env.msg_len && hdl_msg_parse_message(&env, msg, &m) == IDR_OK) {
		return handle_parsed(w, ctx, &m, now, out, t0);
	}
	if (!header_only(&env, msg, &m) || m.hdr.rc != HDL_RC_RESERVED) {
		metrics_drop(w->ms, METRICS_DROP_MALFORMED);
		return drop;
	}
	return run(w, ctx, &m, now, out, t0, framing_error(&env, msg, &m));
}

/* ---------------------------------------------------------------- handlers */

int
rsv_set_op(struct rsv *r, uint32_t opcode, rsv_op_fn fn, void *arg)
{
	struct rsv_op *ops;

	if (opcode == HDL_OC_RESERVED || fn == NULL) {
		return IDR_EINVAL;
	}
	for (size_t i = 0; i < r->nops; i++) {
		if (r->ops[i].opcode == opcode) {
			r->ops[i].fn = fn;
			r->ops[i].arg = arg;
			return IDR_OK;
		}
	}
	ops = realloc(r->ops, (r->nops + 1) * sizeof(*ops));
	if (ops == NULL) {
		return IDR_ENOMEM;
	}
	ops[r->nops].opcode = opcode;
	ops[r->nops].fn = fn;
	ops[r->nops].arg = arg;
	r->ops = ops;
	r->nops++;
	return IDR_OK;
}

const struct hdl_msg *
rsv_req_msg(const struct rsv_req *q)
{
	return q->m;
}

const struct rsv_ctx *
rsv_req_ctx(const struct rsv_req *q)
{
	return q->ctx;
}

struct rsv_worker *
rsv_req_worker(struct rsv_req *q)
{
	return q->w;
}

struct wbuf *
rsv_req_out(struct rsv_req *q)
{
	return q->out;
}

const struct hdl_resp_opts *
rsv_req_opts(const struct rsv_req *q)
{
	return &q->opts;
}

void
rsv_req_set_rc(struct rsv_req *q, uint32_t rc)
{
	q->rc = rc;
}

int
rsv_req_error(struct rsv_req *q, uint32_t rc, const char *msg)
{
	return answer_error(q, rc, msg);
}

int
rsv_req_busy(struct rsv_req *q)
{
	return answer_error(q, HDL_RC_SERVER_BUSY, "too many requests in progress");
}

/* ---------------------------------------------------------------- connections, deferral */

int
rsv_conn_new(struct rsv_worker *w, enum rsv_proto proto, rsv_done_fn done, void *arg,
             struct rsv_conn **out)
{
	struct rsv_conn *c = calloc(1, sizeof(*c));

	*out = c;
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	c->w = w;
	c->proto = proto;
	c->done = done;
	c->arg = arg;
	return IDR_OK;
}

static void
conn_unlink(struct rsv_pending *p)
{
	struct rsv_conn *c = p->conn;

	if (p->cprev != NULL) {
		p->cprev->cnext = p->cnext;
	} else {
		c->pends = p->cnext;
	}
	if (p->cnext != NULL) {
		p->cnext->cprev = p->cprev;
	}
	c->npending--;
	p->conn = NULL;
	p->cprev = p->cnext = NULL;
}

void
rsv_conn_free(struct rsv_conn *c)
{
	if (c == NULL) {
		return;
	}
	while (c->pends != NULL) {
		struct rsv_pending *p = c->pends;

		conn_unlink(p);
		if (p->cancel != NULL) {
			p->cancel(p->cancel_arg, p); /* may complete (free) p right away */
		}
	}
	free(c->identity);
	free(c);
}

size_t
rsv_conn_pending(const struct rsv_conn *c)
{
	return c->npending;
}

static void pending_free(struct rsv_pending *p);
static void pending_link(struct rsv_pending *p, struct rsv_worker *w, struct rsv_conn *c);

struct rsv_pending *
rsv_req_defer(struct rsv_req *q, rsv_cancel_fn cancel, void *arg)
{
	const struct conf *cf = &q->w->snap->conf;
	struct rsv_worker *w = q->w;
	struct rsv_conn *c = q->ctx->conn;
	const struct hdl_msg *m = q->m;
	struct rsv_pending *p;

	if (c == NULL || w->mbox == NULL || q->completing || q->deferred ||
	    w->npending >= cf->max_pending || c->npending >= cf->max_pending_per_conn) {
		return NULL;
	}
	p = calloc(1, sizeof(*p) + m->raw.len + m->cred.len);
	if (p == NULL) {
		return NULL;
	}
	p->w = w;
	p->cancel = cancel;
	p->cancel_arg = arg;
	p->ctx = *q->ctx;
	if (q->ctx->peer != NULL) {
		p->peer_copy = *q->ctx->peer;
		p->ctx.peer = &p->peer_copy;
	}
	p->t0 = q->t0;
	p->now = q->now;
	p->opts = q->opts;
	/* the answer needs the header, the body (request digest) and maybe the credential */
	p->msg = *m;
	memcpy(p->bytes, m->raw.p, m->raw.len);
	if (m->cred.len > 0) {
		memcpy(p->bytes + m->raw.len, m->cred.p, m->cred.len);
	}
	p->msg.raw = slice_make(p->bytes, m->raw.len);
	p->msg.body = slice_make(p->bytes + HDL_HEADER_LEN, m->body.len); /* raw = header + body */
	p->msg.cred = slice_make(p->bytes + m->raw.len, m->cred.len);
	pending_link(p, w, c);
	q->deferred = true;
	return p;
}

/* Link a new pending request into its connection and worker. */
static void
pending_link(struct rsv_pending *p, struct rsv_worker *w, struct rsv_conn *c)
{
	p->conn = c;
	p->cnext = c->pends;
	if (c->pends != NULL) {
		c->pends->cprev = p;
	}
	c->pends = p;
	c->npending++;
	p->wnext = w->pends;
	if (w->pends != NULL) {
		w->pends->wprev = p;
	}
	w->pends = p;
	w->npending++;
}

struct rsv_pending *
rsv_defer(struct rsv_worker *w, const struct rsv_ctx *ctx, rsv_cancel_fn cancel, void *arg)
{
	const struct conf *cf = &w->snap->conf;
	struct rsv_conn *c = ctx->conn;
	struct rsv_pending *p;

	if (c == NULL || w->mbox == NULL || w->npending >= cf->max_pending ||
	    c->npending >= cf->max_pending_per_conn) {
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return NULL;
	}
	p->w = w;
	p->cancel = cancel;
	p->cancel_arg = arg;
	p->ctx = *ctx;
	if (ctx->peer != NULL) {
		p->peer_copy = *ctx->peer;
		p->ctx.peer = &p->peer_copy;
	}
	p->t0 = rsv_mono_ns();
	pending_link(p, w, c);
	return p;
}

void
rsv_pending_finish(struct rsv_pending *p, int status, struct slice body)
{
	rsv_pending_finish_at(p, status, body, NULL);
}

static void
pending_finish(struct rsv_pending *p, int status, struct slice body, const char *location,
               const char *ctype)
{
	struct rsv_conn *c = p->conn;
	struct rsv_done d;
	struct addr peer;

	if (c == NULL) {
		pending_free(p);
		return;
	}
	d.tag = p->ctx.tag;
	d.peer = NULL;
	if (p->ctx.peer != NULL) {
		peer = *p->ctx.peer; /* p is freed before done runs */
		d.peer = &peer;
	}
	d.action = RSV_REPLY;
	d.answer = body;
	d.status = status;
	d.location = location;
	d.ctype = ctype;
	pending_free(p);
	c->done(c->arg, &d);
}

void
rsv_pending_finish_at(struct rsv_pending *p, int status, struct slice body, const char *location)
{
	pending_finish(p, status, body, location, NULL);
}

void
rsv_pending_finish_ct(struct rsv_pending *p, int status, struct slice body, const char *ctype)
{
	pending_finish(p, status, body, NULL, ctype);
}

void
rsv_pending_finish_full(struct rsv_pending *p, int status, struct slice body, const char *location,
                        const char *ctype)
{
	pending_finish(p, status, body, location, ctype);
}

const struct hdl_msg *
rsv_pending_msg(const struct rsv_pending *p)
{
	return &p->msg;
}

bool
rsv_pending_cancelled(const struct rsv_pending *p)
{
	return p->conn == NULL;
}

static void
pending_free(struct rsv_pending *p)
{
	struct rsv_worker *w = p->w;

	if (p->conn != NULL) {
		conn_unlink(p);
	}
	if (p->wprev != NULL) {
		p->wprev->wnext = p->wnext;
	} else {
		w->pends = p->wnext;
	}
	if (p->wnext != NULL) {
		p->wnext->wprev = p->wprev;
	}
	w->npending--;
	free(p);
}

void
rsv_pending_complete(struct rsv_pending *p, rsv_op_fn answer, void *arg)
{
	struct rsv_worker *w = p->w;
	struct rsv_conn *c = p->conn;
	struct rsv_done d;
	struct rsv_req q;
	struct addr peer;

	if (c == NULL) {
		pending_free(p); /* cancelled: nobody is waiting for the answer */
		return;
	}
	snap_pick(w);
	wbuf_reset(&w->pout);
	req_init(&q, w, &p->msg, &p->ctx, p->now, &w->pout, p->t0);
	q.opts = p->opts;
	q.completing = true;
	req_finish(&q, answer(arg, &q));
	d.tag = p->ctx.tag;
	d.peer = NULL;
	if (p->ctx.peer != NULL) {
		peer = *p->ctx.peer; /* p is freed before done runs */
		d.peer = &peer;
	}
	d.status = 0;
	d.location = NULL;
	d.ctype = NULL;
	d.action = q.action;
	d.answer = wbuf_slice(&w->pout);
	if (d.answer.len == 0 && d.action == RSV_REPLY) {
		d.action = RSV_DROP;
	}
	pending_free(p);
	c->done(c->arg, &d);
	if (w->pout.cap > RSV_POUT_KEEP) {
		wbuf_deinit(&w->pout); /* a huge answer: do not keep its memory */
		wbuf_init_heap(&w->pout, HDL_MAX_UNIT_LEN);
	}
}

/* ---------------------------------------------------------------- listing, operations */

/*
 * The end of the nearest page before lr->page remembered for this snapshot, prefix and page
 * size: its key goes to w->lkey. @return the page it ends + 1 (the first page after it), 0 if
 * none is known.
 */
static uint64_t
anchor_find(struct rsv_worker *w, uint64_t changes, struct slice folded,
            const struct rsv_list_req *lr, size_t *klen)
{
	struct rsv *r = w->r;
	uint64_t best = 0;

	pthread_mutex_lock(&r->alock);
	for (size_t i = 0; i < RSV_ANCHORS; i++) {
		const struct rsv_anchor *a = &r->anchors[i];

		if (a->changes == changes && a->size == lr->size && a->page < lr->page &&
		    a->page + 1 > best && slice_eq(slice_make(a->prefix, a->plen), folded)) {
			best = a->page + 1;
			memcpy(w->lkey, a->key, a->klen);
			*klen = a->klen;
		}
	}
	pthread_mutex_unlock(&r->alock);
	return best;
}

static void
anchor_store(struct rsv_worker *w, uint64_t changes, struct slice folded, uint64_t size,
             uint64_t page, struct slice key)
{
	struct rsv *r = w->r;
	struct rsv_anchor *a;

	if (changes == 0 || folded.len > sizeof(a->prefix) || key.len > sizeof(a->key)) {
		return;
	}
	pthread_mutex_lock(&r->alock);
	for (size_t i = 0; i < RSV_ANCHORS; i++) {
		a = &r->anchors[i];
		if (a->changes == changes && a->size == size && a->page == page &&
		    slice_eq(slice_make(a->prefix, a->plen), folded)) {
			pthread_mutex_unlock(&r->alock);
			return; /* known already */
		}
	}
	a = &r->anchors[r->anext++ % RSV_ANCHORS];
	a->changes = changes;
	a->size = size;
	a->page = page;
	memcpy(a->prefix, folded.p, folded.len);
	a->plen = folded.len;
	memcpy(a->key, key.p, key.len);
	a->klen = key.len;
	pthread_mutex_unlock(&r->alock);
}

struct list_walk {
	rsv_list_fn cb;
	void *arg;
	uint64_t size;
	uint64_t written;
	bool more;
	struct slice last_key;    /* borrows the transaction */
	struct slice last_handle; /* idem */
};

static int
list_one(void *arg, struct slice key, const struct rec_view *rec)
{
	struct list_walk *l = arg;
	int rc;

	if (l->written == l->size) {
		l->more = true; /* the one past the page: only says that more follow */
		return 1;
	}
	rc = l->cb(l->arg, rec->handle);
	if (rc != 0) {
		return rc;
	}
	l->written++;
	l->last_key = key;
	l->last_handle = rec->handle;
	return 0;
}

/* Where the page starts: w->lkey (length *klen) after which to list; false if past the end. */
static int
list_start(struct rsv_worker *w, struct reg_rtxn *t, const struct rsv_list_req *lr,
           struct slice name, uint64_t changes, size_t *klen, bool *past_end)
{
	uint8_t folded[PFX_MAX_LEN];
	uint64_t from, need, skipped;
	int rc;

	*klen = 0;
	*past_end = false;
	if (lr->after.len > 0) {
		if (lr->after.len > IDENT_HARD_MAX) {
			*past_end = true; /* no handle is that long */
			return IDR_OK;
		}
		ident_fold(lr->after.p, lr->after.len, w->lkey);
		*klen = lr->after.len;
		return IDR_OK;
	}
	if (lr->page == 0) {
		return IDR_OK;
	}
	ident_fold(name.p, name.len, folded);
	from = anchor_find(w, changes, slice_make(folded, name.len), lr, klen);
	need = (lr->page - from) * lr->size;
	if (need == 0) {
		return IDR_OK; /* the page before ended at w->lkey */
	}
	rc = reg_list_skip(t, name, slice_make(w->lkey, *klen), need, w->lkey, klen, &skipped);
	if (rc == IDR_OK && skipped < need) {
		*past_end = true;
	} else if (rc == IDR_OK && *klen > 0) {
		/* where the page before ends: asking for this page again costs one page */
		anchor_store(w, changes, slice_make(folded, name.len), lr->size, lr->page - 1,
		             slice_make(w->lkey, *klen));
	}
	return rc;
}

/*
 * The listing inside the read transaction; on the top level, a prefix of a node taken over
 * is listed from its backup copy (fed/takeover.h), as its records are resolved from it. The
 * page anchors of a copy are told apart by its change counter like those of the own store.
 */
static uint32_t
list_run(struct rsv_worker *w, const struct rsv_list_req *lr, struct slice name,
         struct list_walk *l, struct rsv_list_info *info)
{
	uint8_t folded[PFX_MAX_LEN];
	uint64_t changes = 0;
	bool past_end;
	size_t klen;
	uint32_t code = served_code(w, name);
	struct reg_rtxn *t = w->txn;
	int rc;

	w->takeover = false;
	if (code == HDL_RC_SERVER_NOT_RESP && takeover_walk(w, name)) {
		code = backup_open(w, name);
		t = w->btxn;
	}
	if (code != HDL_RC_SUCCESS) {
		return code;
	}
	rc = reg_count(t, name, &info->total);
	if (rc == IDR_OK && lr->size > 0 && lr->after.len == 0 && lr->page > 0) {
		rc = reg_changes(t, &changes);
	}
	if (rc == IDR_OK && lr->size > 0) {
		rc = list_start(w, t, lr, name, changes, &klen, &past_end);
	}
	if (rc == IDR_OK && lr->size > 0 && !past_end) {
		rc = reg_list(t, name, slice_make(w->lkey, klen), REC_KIND_NONE, 0, list_one, l);
		rc = rc == 1 ? IDR_OK : rc;
	}
	if (rc != IDR_OK) {
		store_failure(w, "listing", rc);
		return HDL_RC_ERROR;
	}
	if (l->more && l->last_handle.len <= sizeof(w->lnext)) {
		memcpy(w->lnext, l->last_handle.p, l->last_handle.len);
		info->next = slice_make(w->lnext, l->last_handle.len);
		if (lr->after.len == 0 && changes == 0) {
			rc = reg_changes(t, &changes);
		}
		ident_fold(name.p, name.len, folded);
		anchor_store(w, rc == IDR_OK ? changes : 0, slice_make(folded, name.len), lr->size,
		             lr->page, l->last_key);
	}
	return HDL_RC_SUCCESS;
}

uint32_t
rsv_list(struct rsv_worker *w, const struct rsv_list_req *lr, rsv_list_fn cb, void *arg,
         struct rsv_list_info *info)
{
	static const char zna[] = IDENT_ZERO_NA "/";
	struct list_walk l = {cb, arg, lr->size, 0, false, {NULL, 0}, {NULL, 0}};
	struct slice name = lr->prefix;
	struct reg_rtxn *t;
	uint32_t code;
	int rc;

	memset(info, 0, sizeof(*info));
	w->msg[0] = '\0';
	if (name.len > sizeof(zna) - 1 &&
	    slice_caseeq(slice_make(name.p, sizeof(zna) - 1), SLICE_LIT(zna))) {
		name = slice_make(name.p + sizeof(zna) - 1, name.len - (sizeof(zna) - 1));
	}
	rc = ident_prefix_check(name);
	if (rc != IDR_OK) {
		set_msg(w, "invalid prefix: %s", idr_strerror(rc));
		return HDL_RC_INVALID_HANDLE;
	}
	if (name.len > PFX_MAX_LEN) {
		set_msg(w, "prefix is longer than %d bytes", PFX_MAX_LEN);
		return HDL_RC_INVALID_HANDLE;
	}
	rc = rsv_read_begin(w, &t);
	if (rc != IDR_OK) {
		store_failure(w, "read transaction", rc);
		return rc == IDR_EREADERS ? HDL_RC_SERVER_BUSY : HDL_RC_ERROR;
	}
	code = list_run(w, lr, name, &l, info);
	rsv_read_end(w);
	return code;
}

int
rsv_health(struct rsv_worker *w)
{
	struct reg_rtxn *t;
	int rc = rsv_read_begin(w, &t);

	if (rc == IDR_OK) {
		rsv_read_end(w);
	}
	return rc;
}

int
rsv_metrics_page(struct rsv_worker *w, struct wbuf *out)
{
	struct reg_store_info info;

	if (w->r->m == NULL) {
		return IDR_ESTATE;
	}
	metrics_render(w->r->m, reg_store_info(w->r->reg, &info) == IDR_OK ? &info : NULL, out);
	metrics_render_quota(w->r->quota, (uint64_t)time(NULL), out);
	if (w->r->fed.up != NULL) {
		fup_metrics(w->r->fed.up, out);
	}
	return wbuf_error(out);
}

void
rsv_conn_gauge(struct rsv_worker *w, enum rsv_proto proto, bool tls, int delta)
{
	enum metrics_proto p = metrics_proto_of(proto);

	metrics_conn(w->r->m, p == METRICS_HTTP && tls ? METRICS_HTTPS : p, delta);
}

void
rsv_worker_set_recursion(struct rsv_worker *w, struct frec *f, rsv_recurse_fn fn)
{
	w->frec = f;
	w->recurse = f != NULL ? fn : NULL;
}

struct frec *
rsv_worker_frec(const struct rsv_worker *w)
{
	return w->frec;
}

uint32_t
rsv_req_now(const struct rsv_req *q)
{
	return q->now;
}

void
rsv_set_writer(struct rsv *r, struct writer *wr)
{
	r->writer = wr;
}

struct quota *
rsv_quota(const struct rsv_worker *w)
{
	return w->r->quota;
}

struct writer *
rsv_writer(const struct rsv_worker *w)
{
	return w->r->writer;
}

struct reg *
rsv_reg(const struct rsv_worker *w)
{
	return w->r->reg;
}

void
rsv_set_signer(struct rsv *r, rsv_sign_fn fn, void *arg)
{
	r->sign = fn;
	r->sign_arg = arg;
}

void
rsv_set_opener(struct rsv *r, rsv_open_fn fn, void *arg)
{
	r->open = fn;
	r->open_arg = arg;
}

int
rsv_conn_set_identity(struct rsv_conn *c, const char *identity)
{
	char *copy = identity != NULL ? strdup(identity) : NULL;

	if (identity != NULL && copy == NULL) {
		return IDR_ENOMEM;
	}
	free(c->identity);
	c->identity = copy;
	return IDR_OK;
}

const char *
rsv_conn_identity(const struct rsv_conn *c)
{
	return c != NULL ? c->identity : NULL;
}

struct sess_table *
rsv_http_sessions(const struct rsv_worker *w)
{
	return w->r->http_sessions;
}

void
rsv_set_fed(struct rsv *r, const struct rsv_fed *f)
{
	r->fed = *f;
}

const struct rsv_fed *
rsv_worker_fed(const struct rsv_worker *w)
{
	return &w->r->fed;
}
