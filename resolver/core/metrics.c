/*
 * metrics.c - per-worker counters and their Prometheus text rendering.
 *
 * Counters are _Atomic so the renderer may read them while workers count, but the owning worker
 * updates them with a relaxed load and a relaxed store (a plain add on every target we build
 * for: no locked instruction on the request path). Only the connection gauges, which several
 * threads change, use atomic read-modify-write.
 *
 * Label sets are bounded: opcodes and response codes the Handle tables know get their own
 * series, anything else is counted as "other"; HTTP statuses outside a fixed list are counted
 * by class ("4xx"); unknown HTTP routes become "other".
 */
#include "core/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdl/hdl.h"

/* opcodes with their own series (the table of ref/handle.md §2.3); the last slot is "other" */
static const uint32_t op_list[] = {
        HDL_OC_RESERVED,
        HDL_OC_RESOLUTION,
        HDL_OC_GET_SITEINFO,
        HDL_OC_CREATE_HANDLE,
        HDL_OC_DELETE_HANDLE,
        HDL_OC_ADD_VALUE,
        HDL_OC_REMOVE_VALUE,
        HDL_OC_MODIFY_VALUE,
        HDL_OC_LIST_HANDLES,
        HDL_OC_LIST_NA,
        HDL_OC_CHALLENGE_RESPONSE,
        HDL_OC_VERIFY_RESPONSE,
        HDL_OC_HOME_NA,
        HDL_OC_UNHOME_NA,
        HDL_OC_LIST_HOMED_NAS,
        HDL_OC_SESSION_SETUP,
        HDL_OC_SESSION_TERMINATE,
        HDL_OC_SESSION_EXCHANGEKEY,
        HDL_OC_GET_NEXT_TXN_ID,
        HDL_OC_RETRIEVE_TXN_LOG,
        HDL_OC_DUMP_HANDLES,
        HDL_OC_BACKUP_SERVER,
        HDL_OC_LOGIN,
        HDL_OC_LOGIN_ID_SYSTEM,
};
#define OP_KNOWN (sizeof(op_list) / sizeof(op_list[0]))
#define OP_SLOTS (OP_KNOWN + 1)

/* response codes with their own series (ref/handle.md §2.4); the last slot is "other" */
static const uint32_t rc_list[] = {
        HDL_RC_RESERVED,
        HDL_RC_SUCCESS,
        HDL_RC_ERROR,
        HDL_RC_SERVER_BUSY,
        HDL_RC_PROTOCOL_ERROR,
        HDL_RC_OPERATION_NOT_SUPPORTED,
        HDL_RC_RECURSION_LIMIT,
        HDL_RC_SERVER_BACKUP,
        HDL_RC_HANDLE_NOT_FOUND,
        HDL_RC_HANDLE_ALREADY_EXISTS,
        HDL_RC_INVALID_HANDLE,
        HDL_RC_VALUES_NOT_FOUND,
        HDL_RC_VALUE_ALREADY_EXISTS,
        HDL_RC_INVALID_VALUE,
        HDL_RC_OUT_OF_DATE_SITE_INFO,
        HDL_RC_SERVER_NOT_RESP,
        HDL_RC_SERVICE_REFERRAL,
        HDL_RC_PREFIX_REFERRAL,
        HDL_RC_INVALID_ADMIN,
        HDL_RC_INSUFFICIENT_PERMS,
        HDL_RC_AUTHENTICATION_NEEDED,
        HDL_RC_AUTHENTICATION_FAILED,
        HDL_RC_INVALID_CREDENTIAL,
        HDL_RC_AUTHEN_TIMEOUT,
        HDL_RC_AUTHEN_ERROR,
        HDL_RC_SESSION_TIMEOUT,
        HDL_RC_SESSION_FAILED,
        HDL_RC_INVALID_SESSION_KEY,
        HDL_RC_NEED_RSAKEY,
        HDL_RC_INVALID_SESSION_SETUP,
        HDL_RC_SESSION_REJECTED,
        HDL_RC_REQUEST_LIMIT_DAILY,
        HDL_RC_REGISTER_COUNT_LIMIT,
        HDL_RC_PREFIX_LIMIT,
};
#define RC_KNOWN (sizeof(rc_list) / sizeof(rc_list[0]))
#define RC_SLOTS (RC_KNOWN + 1)

static const int status_list[] = {200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 406,
                                  408, 409, 411, 413, 414, 415, 429, 431, 500, 501, 502, 503, 504};
#define STATUS_KNOWN   (sizeof(status_list) / sizeof(status_list[0]))
#define STATUS_CLASSES 5 /* 1xx .. 5xx for statuses not in the list */
#define STATUS_SLOTS   (STATUS_KNOWN + STATUS_CLASSES + 1)

static const char *const proto_names[METRICS_PROTO_COUNT] = {"udp", "tcp", "http", "https"};
static const char *const drop_names[METRICS_DROP_COUNT] = {"malformed", "ratelimit", "reasm",
                                                           "connlimit", "budget",    "toobig"};
static const char *const fed_names[METRICS_FED_COUNT] = {
        "upstream_udp", "upstream_tcp", "upstream_error", "cache_hit",
        "cache_miss",   "cache_stale",  "coalesced"};

/* finite histogram buckets: upper bound 2^i microseconds; one more slot counts the rest */
#define LAT_SLOTS (METRICS_LAT_BUCKETS + 1)

typedef _Atomic uint64_t counter;

struct metrics_shard {
	counter req[METRICS_PROTO_COUNT][OP_SLOTS][RC_SLOTS];
	/* [METRICS_PROTO_COUNT][nroutes + 1][STATUS_SLOTS]: the last route is "other" */
	counter *http;
	counter *http_lat;     /* [nroutes + 1][LAT_SLOTS] */
	counter *http_lat_sum; /* [nroutes + 1] nanoseconds */
	const struct metrics *m;
	counter lat[METRICS_PROTO_COUNT][LAT_SLOTS];
	counter lat_sum_ns[METRICS_PROTO_COUNT];
	counter drops[METRICS_DROP_COUNT];
	counter fed[METRICS_FED_COUNT];
} __attribute__((aligned(64)));

struct metrics {
	unsigned nshards;
	struct metrics_shard *shards;
	const char *const *routes; /* the HTTP route labels (borrowed) */
	size_t nroutes;
	counter *http_mem;
	_Atomic int64_t conns[METRICS_PROTO_COUNT];
};

/* Single-writer increment: relaxed load and store, no read-modify-write instruction. */
static inline void
bump(counter *c, uint64_t d)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
	                      memory_order_relaxed);
}

static inline uint64_t
peek(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The HTTP counter of (proto, route slot, status slot) in a shard. */
static inline counter *
http_counter(const struct metrics *m, const struct metrics_shard *s, size_t p, size_t r, size_t st)
{
	return &s->http[(p * (m->nroutes + 1) + r) * STATUS_SLOTS + st];
}

int
metrics_new(struct metrics **out, unsigned nshards, const char *const *routes, size_t nroutes)
{
	size_t per_status = (size_t)METRICS_PROTO_COUNT * (nroutes + 1) * STATUS_SLOTS;
	size_t per = per_status + (nroutes + 1) * (LAT_SLOTS + 1);
	struct metrics *m;
	void *mem = NULL;
	size_t size;
	unsigned i;

	*out = NULL;
	if (nshards == 0 || nshards > 4096 || nroutes > METRICS_MAX_ROUTES ||
	    (nroutes > 0 && routes == NULL)) {
		return IDR_EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return IDR_ENOMEM;
	}
	size = sizeof(struct metrics_shard) * nshards;
	m->http_mem = calloc(per * nshards, sizeof(counter));
	if (m->http_mem == NULL || posix_memalign(&mem, 64, size) != 0) {
		free(m->http_mem);
		free(m);
		return IDR_ENOMEM;
	}
	memset(mem, 0, size);
	m->shards = mem;
	m->nshards = nshards;
	m->routes = routes;
	m->nroutes = nroutes;
	for (i = 0; i < nshards; i++) {
		m->shards[i].http = m->http_mem + per * i;
		m->shards[i].http_lat = m->shards[i].http + per_status;
		m->shards[i].http_lat_sum = m->shards[i].http_lat + (nroutes + 1) * LAT_SLOTS;
		m->shards[i].m = m;
	}
	for (i = 0; i < METRICS_PROTO_COUNT; i++) {
		atomic_init(&m->conns[i], 0);
	}
	*out = m;
	return IDR_OK;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL) {
		return;
	}
	free(m->shards);
	free(m->http_mem);
	free(m);
}

struct metrics_shard *
metrics_shard(struct metrics *m, unsigned i)
{
	if (m == NULL || i >= m->nshards) {
		return NULL;
	}
	return &m->shards[i];
}

static size_t
op_slot(uint32_t opcode)
{
	size_t i;

	for (i = 0; i < OP_KNOWN; i++) {
		if (op_list[i] == opcode) {
			return i;
		}
	}
	return OP_KNOWN;
}

static size_t
rc_slot(uint32_t rc)
{
	size_t i;

	/* the common answers first: they are at the front of the table */
	for (i = 0; i < RC_KNOWN; i++) {
		if (rc_list[i] == rc) {
			return i;
		}
	}
	return RC_KNOWN;
}

static size_t
route_slot(const struct metrics *m, const char *route)
{
	size_t i;

	for (i = 0; route != NULL && i < m->nroutes; i++) {
		if (strcmp(m->routes[i], route) == 0) {
			return i;
		}
	}
	return m->nroutes;
}

static size_t
status_slot(int status)
{
	size_t i;

	for (i = 0; i < STATUS_KNOWN; i++) {
		if (status_list[i] == status) {
			return i;
		}
	}
	if (status >= 100 && status <= 599) {
		return STATUS_KNOWN + (size_t)(status / 100 - 1);
	}
	return STATUS_SLOTS - 1;
}

/* Smallest i with latency <= 2^i us; LAT_SLOTS - 1 when above the last finite bucket. */
static size_t
lat_slot(uint64_t ns)
{
	uint64_t us = ns / 1000 + (ns % 1000 != 0);
	size_t i;

	if (us <= 1) {
		return 0;
	}
	i = (size_t)(64 - __builtin_clzll(us - 1));
	return i < METRICS_LAT_BUCKETS ? i : LAT_SLOTS - 1;
}

static void
count_latency(struct metrics_shard *s, enum metrics_proto p, uint64_t latency_ns)
{
	bump(&s->lat[p][lat_slot(latency_ns)], 1);
	bump(&s->lat_sum_ns[p], latency_ns);
}

void
metrics_request(struct metrics_shard *s, enum metrics_proto p, uint32_t opcode, uint32_t rc,
                uint64_t latency_ns)
{
	if (s == NULL || (unsigned)p >= METRICS_PROTO_COUNT) {
		return;
	}
	bump(&s->req[p][op_slot(opcode)][rc_slot(rc)], 1);
	count_latency(s, p, latency_ns);
}

void
metrics_http(struct metrics_shard *s, enum metrics_proto p, const char *route, int status,
             uint64_t latency_ns)
{
	if (s == NULL || (unsigned)p >= METRICS_PROTO_COUNT) {
		return;
	}
	size_t r = route_slot(s->m, route);

	bump(http_counter(s->m, s, p, r, status_slot(status)), 1);
	bump(&s->http_lat[r * LAT_SLOTS + lat_slot(latency_ns)], 1);
	bump(&s->http_lat_sum[r], latency_ns);
	count_latency(s, p, latency_ns);
}

void
metrics_fed(struct metrics_shard *s, enum metrics_fed what)
{
	if (s == NULL || (unsigned)what >= METRICS_FED_COUNT) {
		return;
	}
	bump(&s->fed[what], 1);
}

void
metrics_drop(struct metrics_shard *s, enum metrics_drop why)
{
	if (s == NULL || (unsigned)why >= METRICS_DROP_COUNT) {
		return;
	}
	bump(&s->drops[why], 1);
}

void
metrics_conn(struct metrics *m, enum metrics_proto p, int delta)
{
	if (m == NULL || (unsigned)p >= METRICS_PROTO_COUNT) {
		return;
	}
	atomic_fetch_add_explicit(&m->conns[p], delta, memory_order_relaxed);
}

/* ---------------------------------------------------------------- rendering */

static void
family(struct wbuf *w, const char *name, const char *type, const char *help)
{
	wbuf_printf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t
sum_req(struct metrics *m, size_t p, size_t op, size_t rc)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < m->nshards; i++) {
		n += peek(&m->shards[i].req[p][op][rc]);
	}
	return n;
}

/* The non-zero series of one (proto, opcode) pair. */
static void
render_requests_op(struct metrics *m, struct wbuf *w, size_t p, size_t op)
{
	const char *opname = op < OP_KNOWN ? hdl_op_name(op_list[op]) : "other";
	size_t rc;
	uint64_t n;

	for (rc = 0; rc < RC_SLOTS; rc++) {
		n = sum_req(m, p, op, rc);
		if (n == 0) {
			continue;
		}
		wbuf_printf(w, "idr_requests_total{proto=\"%s\",opcode=\"%s\",", proto_names[p],
		            opname);
		if (rc < RC_KNOWN) {
			wbuf_printf(w, "rc=\"%u\"} %llu\n", (unsigned)rc_list[rc],
			            (unsigned long long)n);
		} else {
			wbuf_printf(w, "rc=\"other\"} %llu\n", (unsigned long long)n);
		}
	}
}

static void
render_requests(struct metrics *m, struct wbuf *w)
{
	size_t p, op;

	family(w, "idr_requests_total", "counter",
	       "Handle protocol requests answered, by transport, operation and response code.");
	for (p = 0; p < METRICS_PROTO_COUNT; p++) {
		for (op = 0; op < OP_SLOTS; op++) {
			render_requests_op(m, w, p, op);
		}
	}
}

static void
status_label(size_t slot, char *buf, size_t cap)
{
	if (slot < STATUS_KNOWN) {
		snprintf(buf, cap, "%d", status_list[slot]);
	} else if (slot < STATUS_KNOWN + STATUS_CLASSES) {
		snprintf(buf, cap, "%zuxx", slot - STATUS_KNOWN + 1);
	} else {
		snprintf(buf, cap, "other");
	}
}

/* The non-zero series of one (proto, route) pair. */
static void
render_http_route(struct metrics *m, struct wbuf *w, size_t p, size_t r)
{
	char code[16];
	uint64_t n;
	unsigned i;
	size_t s;

	for (s = 0; s < STATUS_SLOTS; s++) {
		for (n = 0, i = 0; i < m->nshards; i++) {
			n += peek(http_counter(m, &m->shards[i], p, r, s));
		}
		if (n == 0) {
			continue;
		}
		status_label(s, code, sizeof(code));
		wbuf_printf(w,
		            "idr_http_requests_total{proto=\"%s\",route=\"%s\",code=\"%s\"} %llu\n",
		            proto_names[p], r < m->nroutes ? m->routes[r] : "other", code,
		            (unsigned long long)n);
	}
}

static void
render_http(struct metrics *m, struct wbuf *w)
{
	size_t p, r;

	family(w, "idr_http_requests_total", "counter",
	       "HTTP requests answered, by transport, route and status.");
	for (p = 0; p < METRICS_PROTO_COUNT; p++) {
		for (r = 0; r <= m->nroutes; r++) {
			render_http_route(m, w, p, r);
		}
	}
}

/* One histogram series: cumulative buckets (le 2^b us), +Inf, _sum and _count. */
static void
emit_hist(struct wbuf *w, const char *name, const char *label, const char *value,
          const uint64_t bucket[LAT_SLOTS], uint64_t sum_ns)
{
	uint64_t cum = 0, us;

	for (size_t b = 0; b < LAT_SLOTS; b++) {
		cum += bucket[b];
		if (b == LAT_SLOTS - 1) {
			break; /* the overflow slot only feeds +Inf */
		}
		us = 1ULL << b;
		wbuf_printf(w, "%s_bucket{%s=\"%s\",le=\"%llu.%06llu\"} %llu\n", name, label, value,
		            (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000),
		            (unsigned long long)cum);
	}
	/* +Inf and _count are the same total, so the histogram is consistent in one scrape */
	wbuf_printf(w, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", name, label, value,
	            (unsigned long long)cum);
	wbuf_printf(w, "%s_sum{%s=\"%s\"} %llu.%09llu\n", name, label, value,
	            (unsigned long long)(sum_ns / 1000000000ULL),
	            (unsigned long long)(sum_ns % 1000000000ULL));
	wbuf_printf(w, "%s_count{%s=\"%s\"} %llu\n", name, label, value, (unsigned long long)cum);
}

static void
render_histogram_proto(struct metrics *m, struct wbuf *w, size_t p)
{
	uint64_t bucket[LAT_SLOTS] = {0}, sum_ns = 0;

	for (unsigned i = 0; i < m->nshards; i++) {
		for (size_t b = 0; b < LAT_SLOTS; b++) {
			bucket[b] += peek(&m->shards[i].lat[p][b]);
		}
		sum_ns += peek(&m->shards[i].lat_sum_ns[p]);
	}
	emit_hist(w, "idr_request_duration_seconds", "proto", proto_names[p], bucket, sum_ns);
}

/* Per HTTP route: how long its answers took (the routes with answers only). */
static void
render_http_latency(struct metrics *m, struct wbuf *w)
{
	family(w, "idr_http_request_duration_seconds", "histogram",
	       "Time from an HTTP request's arrival to its answer, by route.");
	for (size_t r = 0; r <= m->nroutes; r++) {
		uint64_t bucket[LAT_SLOTS] = {0}, sum_ns = 0, n = 0;

		for (unsigned i = 0; i < m->nshards; i++) {
			for (size_t b = 0; b < LAT_SLOTS; b++) {
				bucket[b] += peek(&m->shards[i].http_lat[r * LAT_SLOTS + b]);
			}
			sum_ns += peek(&m->shards[i].http_lat_sum[r]);
		}
		for (size_t b = 0; b < LAT_SLOTS; b++) {
			n += bucket[b];
		}
		if (n > 0) {
			emit_hist(w, "idr_http_request_duration_seconds", "route",
			          r < m->nroutes ? m->routes[r] : "other", bucket, sum_ns);
		}
	}
}

static void
render_drops_conns(struct metrics *m, struct wbuf *w)
{
	uint64_t n;
	size_t d, p;
	unsigned i;

	family(w, "idr_dropped_total", "counter",
	       "Requests dropped without an answer (or UDP answers not sent), by reason.");
	for (d = 0; d < METRICS_DROP_COUNT; d++) {
		for (n = 0, i = 0; i < m->nshards; i++) {
			n += peek(&m->shards[i].drops[d]);
		}
		wbuf_printf(w, "idr_dropped_total{reason=\"%s\"} %llu\n", drop_names[d],
		            (unsigned long long)n);
	}
	family(w, "idr_recursion_total", "counter",
	       "Recursive resolution: upstream queries and errors, cache hits, misses, stale "
	       "answers served, lookups coalesced.");
	for (d = 0; d < METRICS_FED_COUNT; d++) {
		for (n = 0, i = 0; i < m->nshards; i++) {
			n += peek(&m->shards[i].fed[d]);
		}
		wbuf_printf(w, "idr_recursion_total{event=\"%s\"} %llu\n", fed_names[d],
		            (unsigned long long)n);
	}
	family(w, "idr_connections", "gauge", "Open connections, by transport.");
	for (p = 0; p < METRICS_PROTO_COUNT; p++) {
		int64_t c = atomic_load_explicit(&m->conns[p], memory_order_relaxed);

		wbuf_printf(w, "idr_connections{proto=\"%s\"} %lld\n", proto_names[p],
		            (long long)(c > 0 ? c : 0));
	}
}

static void
render_store(const struct reg_store_info *info, struct wbuf *w)
{
	family(w, "idr_store_bytes", "gauge",
	       "Store size: pages in use, data file size and configured map size, bytes.");
	wbuf_printf(w, "idr_store_bytes{kind=\"used\"} %llu\n",
	            (unsigned long long)info->used_bytes);
	wbuf_printf(w, "idr_store_bytes{kind=\"file\"} %llu\n",
	            (unsigned long long)info->file_bytes);
	wbuf_printf(w, "idr_store_bytes{kind=\"map\"} %llu\n", (unsigned long long)info->map_size);
	family(w, "idr_store_records", "gauge", "Identifier records in the store.");
	wbuf_printf(w, "idr_store_records %llu\n", (unsigned long long)info->records);
	family(w, "idr_store_readers", "gauge", "Store reader slots in use.");
	wbuf_printf(w, "idr_store_readers %u\n", info->readers);
}

void
metrics_render(struct metrics *m, const struct reg_store_info *info, struct wbuf *out)
{
	size_t p;

	render_requests(m, out);
	render_http(m, out);
	render_http_latency(m, out);
	family(out, "idr_request_duration_seconds", "histogram",
	       "Server-side time to answer a request, from receipt to encoded answer.");
	for (p = 0; p < METRICS_PROTO_COUNT; p++) {
		render_histogram_proto(m, out, p);
	}
	render_drops_conns(m, out);
	if (info != NULL) {
		render_store(info, out);
	}
}

/* One prefix's usage and limits (a quota_visit callback). */
static void
render_quota_prefix(void *arg, const struct quota_usage *u)
{
	struct wbuf *w = arg;
	char label[QUOTA_PREFIX_MAX + 1];
	size_t n = 0;

	/* prefixes are letters, digits, '.', '-', '_': anything else is left out of the label */
	for (size_t i = 0; i < u->prefix.len && n < QUOTA_PREFIX_MAX; i++) {
		uint8_t c = u->prefix.p[i];

		if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '.' || c == '-' || c == '_') {
			label[n++] = (char)c;
		}
	}
	label[n] = '\0';
	wbuf_printf(w, "idr_quota_used{prefix=\"%s\",kind=\"requests\"} %llu\n", label,
	            (unsigned long long)u->requests);
	wbuf_printf(w, "idr_quota_used{prefix=\"%s\",kind=\"registrations\"} %llu\n", label,
	            (unsigned long long)u->registrations);
	wbuf_printf(w, "idr_quota_limit{prefix=\"%s\",kind=\"requests\"} %llu\n", label,
	            (unsigned long long)u->requests_limit);
	wbuf_printf(w, "idr_quota_limit{prefix=\"%s\",kind=\"registrations\"} %llu\n", label,
	            (unsigned long long)u->registrations_limit);
}

void
metrics_render_quota(struct quota *q, uint64_t now, struct wbuf *out)
{
	static const char *const reasons[] = {"", "requests", "registrations", "rate"};
	struct quota_stats st;

	if (q == NULL) {
		return;
	}
	family(out, "idr_quota_used", "gauge",
	       "Write requests and registrations of each prefix today (local day).");
	quota_visit(q, now, render_quota_prefix, out);
	family(out, "idr_quota_limit", "gauge",
	       "Daily limits of the prefixes counted today (0 = no limit).");
	quota_stats(q, &st);
	family(out, "idr_quota_refused_total", "counter",
	       "Writes refused by a daily prefix quota or the per-address write rate.");
	for (size_t i = 1; i < 4; i++) {
		wbuf_printf(out, "idr_quota_refused_total{reason=\"%s\"} %llu\n", reasons[i],
		            (unsigned long long)st.refused[i]);
	}
	family(out, "idr_quota_untracked_total", "counter",
	       "Writes of prefixes not counted because the quota table was full (raise "
	       "quota_table).");
	wbuf_printf(out, "idr_quota_untracked_total %llu\n", (unsigned long long)st.untracked);
}
