/*
 * quota.c - daily per-prefix counters and per-address token buckets (quota.h).
 *
 * Prefixes live in an open-addressing table (linear probing, at most half full) that is wiped
 * at each local midnight, so a day's table never needs deletions. Client buckets live in sets
 * of QUOTA_WAYS entries chosen by a keyed hash of the address group; credit is kept in
 * thousandths of a write, so a refill is elapsed_ms * rate exactly.
 */
#include "core/quota.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "base/num.h"
#include "hdl/hdl.h"
#include "model/ident.h"
#include "net/net.h"

#define MILLI           1000u
#define PREFIXES_MAX    ((size_t)1 << 20)
#define CLIENTS_MAX     ((size_t)1 << 24)
#define ELAPSED_MAX_MS  ((uint64_t)1 << 32)
#define DAY_SECONDS_MAX 90000 /* a local day is 23, 24 or 25 hours */

struct qslot {
	uint16_t len; /* 0: free */
	uint8_t key[QUOTA_PREFIX_MAX];
	uint64_t requests, registrations;
};

struct qclient {
	struct net_group g; /* family 0: free */
	uint64_t stamp;     /* now_ms of the last refill */
	uint64_t credit;    /* thousandths of a write */
};

struct quota {
	pthread_mutex_t lock;
	struct quota_limits lim;
	struct qslot *slots;
	size_t cap, used, max; /* cap: power of two >= 2 * max */
	uint64_t day_start, day_end;
	struct qclient *clients;
	size_t nsets; /* power of two; QUOTA_WAYS entries each */
	uint64_t seed;
	struct quota_stats st;
};

static size_t
pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n) {
		p *= 2;
	}
	return p;
}

int
quota_new(struct quota **out, size_t prefixes, size_t clients, const struct quota_limits *l)
{
	struct quota *q;

	*out = NULL;
	if (prefixes == 0 || prefixes > PREFIXES_MAX || clients == 0 || clients > CLIENTS_MAX) {
		return IDR_EINVAL;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		return IDR_ENOMEM;
	}
	q->max = prefixes;
	q->cap = pow2_at_least(2 * prefixes);
	q->nsets = pow2_at_least((clients + QUOTA_WAYS - 1) / QUOTA_WAYS);
	q->slots = calloc(q->cap, sizeof(*q->slots));
	q->clients = calloc(q->nsets * QUOTA_WAYS, sizeof(*q->clients));
	if (q->slots == NULL || q->clients == NULL || pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q->slots);
		free(q->clients);
		free(q);
		return IDR_ENOMEM;
	}
	if (crypto_random(&q->seed, sizeof(q->seed)) != IDR_OK) {
		q->seed = (uint64_t)(uintptr_t)q ^ 0x9e3779b97f4a7c15ULL;
	}
	q->lim = *l;
	*out = q;
	return IDR_OK;
}

void
quota_free(struct quota *q)
{
	if (q == NULL) {
		return;
	}
	pthread_mutex_destroy(&q->lock);
	free(q->slots);
	free(q->clients);
	free(q);
}

void
quota_set_limits(struct quota *q, const struct quota_limits *l)
{
	pthread_mutex_lock(&q->lock);
	q->lim = *l;
	pthread_mutex_unlock(&q->lock);
}

int
quota_override_parse(const char *text, struct quota_override *out, const char **why)
{
	const char *p = text, *f[3];
	size_t flen[3], n = 0;
	char num[24];

	while (n < 3) {
		p += strspn(p, " \t");
		if (*p == '\0') {
			break;
		}
		f[n] = p;
		flen[n] = strcspn(p, " \t");
		p += flen[n++];
	}
	p += strspn(p, " \t");
	if (n != 3 || *p != '\0') {
		*why = "expected PREFIX REQUESTS REGISTRATIONS (per day, 0 = no limit)";
		return IDR_EINVAL;
	}
	if (flen[0] > QUOTA_PREFIX_MAX) {
		*why = "prefix longer than 255 bytes";
		return IDR_EINVAL;
	}
	memcpy(out->prefix, f[0], flen[0]);
	out->prefix[flen[0]] = '\0';
	for (size_t i = 1; i < 3; i++) {
		uint64_t *v = i == 1 ? &out->requests : &out->registrations;

		if (flen[i] >= sizeof(num)) {
			*why = "a number is too long";
			return IDR_EINVAL;
		}
		memcpy(num, f[i], flen[i]);
		num[flen[i]] = '\0';
		if (num_parse_u64(num, 0, UINT64_MAX / 2, v) != IDR_OK) {
			*why = "REQUESTS and REGISTRATIONS must be whole numbers (0 = no limit)";
			return IDR_EINVAL;
		}
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- days */

/* Local midnight at or before now, and the next one. */
static void
day_bounds(uint64_t now, uint64_t *start, uint64_t *end)
{
	time_t t = (time_t)now;
	struct tm tm;
	time_t s, e;

	if (localtime_r(&t, &tm) == NULL) {
		*start = now - now % 86400;
		*end = *start + 86400;
		return;
	}
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	s = mktime(&tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	e = mktime(&tm);
	if (s == (time_t)-1 || e == (time_t)-1 || (uint64_t)s > now || e <= s ||
	    e - s > DAY_SECONDS_MAX) {
		s = (time_t)(now - now % 86400); /* a broken time zone: UTC days */
		e = s + 86400;
	}
	*start = (uint64_t)s;
	*end = (uint64_t)e;
}

/* A new day (or a clock stepped back): forget every prefix. Under the lock. */
static void
roll(struct quota *q, uint64_t now)
{
	if (now >= q->day_start && now < q->day_end) {
		return;
	}
	memset(q->slots, 0, q->cap * sizeof(*q->slots));
	q->used = 0;
	day_bounds(now, &q->day_start, &q->day_end);
	q->st.day_start = q->day_start;
}

/* ---------------------------------------------------------------- prefixes */

static uint64_t
key_hash(const uint8_t *k, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ k[i]) * 0x100000001b3ULL;
	}
	return net_mix64(h);
}

/* Upper-case copy of prefix into key (the registry folds prefixes the same way). */
static size_t
fold(struct slice prefix, uint8_t key[QUOTA_PREFIX_MAX])
{
	size_t n = prefix.len < QUOTA_PREFIX_MAX ? prefix.len : QUOTA_PREFIX_MAX;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = prefix.p[i];

		key[i] = c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
	}
	return n;
}

/* The slot of prefix, added if create and there is room; NULL otherwise. Under the lock. */
static struct qslot *
slot_find(struct quota *q, struct slice prefix, bool create)
{
	uint8_t key[QUOTA_PREFIX_MAX];
	size_t n = fold(prefix, key);
	size_t i = (size_t)key_hash(key, n, q->seed) & (q->cap - 1);

	if (n == 0) {
		return NULL;
	}
	for (;; i = (i + 1) & (q->cap - 1)) {
		struct qslot *s = &q->slots[i];

		if (s->len == n && memcmp(s->key, key, n) == 0) {
			return s;
		}
		if (s->len == 0) {
			if (!create || q->used == q->max) {
				return NULL;
			}
			s->len = (uint16_t)n;
			memcpy(s->key, key, n);
			q->used++;
			return s;
		}
	}
}

/* The limits of a prefix (its override, else the defaults). Under the lock. */
static void
limits_of(const struct quota *q, const uint8_t *key, size_t n, uint64_t *req, uint64_t *reg)
{
	*req = q->lim.requests_per_day;
	*reg = q->lim.registrations_per_day;
	for (size_t i = 0; i < q->lim.nov; i++) {
		const struct quota_override *o = &q->lim.ov[i];

		if (strlen(o->prefix) == n &&
		    slice_caseeq(slice_make(o->prefix, n), slice_make(key, n))) {
			*req = o->requests;
			*reg = o->registrations;
			return;
		}
	}
}

enum quota_verdict
quota_take(struct quota *q, struct slice prefix, bool registration, uint64_t now,
           uint32_t *retry_after)
{
	enum quota_verdict v = QUOTA_OK;
	uint64_t req, reg;
	struct qslot *s;

	pthread_mutex_lock(&q->lock);
	roll(q, now);
	s = slot_find(q, prefix, true);
	if (s == NULL) {
		q->st.untracked++;
		pthread_mutex_unlock(&q->lock);
		return QUOTA_OK;
	}
	limits_of(q, s->key, s->len, &req, &reg);
	if (req != 0 && s->requests >= req) {
		v = QUOTA_REQUESTS;
	} else if (registration && reg != 0 && s->registrations >= reg) {
		v = QUOTA_REGISTRATIONS;
	}
	if (v == QUOTA_OK) {
		s->requests++;
		s->registrations += registration ? 1 : 0;
	} else {
		q->st.refused[v]++;
		*retry_after = (uint32_t)(q->day_end - now);
	}
	pthread_mutex_unlock(&q->lock);
	return v;
}

void
quota_refund(struct quota *q, struct slice prefix, uint64_t now)
{
	struct qslot *s;

	pthread_mutex_lock(&q->lock);
	if (now >= q->day_start && now < q->day_end) {
		s = slot_find(q, prefix, false);
		if (s != NULL && s->registrations > 0) {
			s->registrations--;
		}
	}
	pthread_mutex_unlock(&q->lock);
}

/* ---------------------------------------------------------------- clients */

/* The bucket of g in its set: found, a free entry, or the one with the most credit. */
static struct qclient *
client_find(struct quota *q, struct net_group g, uint64_t now_ms, uint64_t full)
{
	size_t set = (size_t)net_group_hash(g, q->seed) & (q->nsets - 1);
	struct qclient *e = &q->clients[set * QUOTA_WAYS], *pick = NULL;
	uint64_t best = 0;

	for (size_t i = 0; i < QUOTA_WAYS; i++) {
		if (e[i].g.family != 0 && net_group_eq(e[i].g, g)) {
			return &e[i];
		}
	}
	for (size_t i = 0; i < QUOTA_WAYS; i++) {
		uint64_t credit;

		if (e[i].g.family == 0) {
			pick = &e[i];
			break;
		}
		credit = e[i].credit; /* not refilled: a bound is enough to choose */
		if (pick == NULL || credit > best) {
			pick = &e[i];
			best = credit;
		}
	}
	if (pick->g.family != 0) {
		q->st.evictions++;
	}
	pick->g = g;
	pick->stamp = now_ms;
	pick->credit = full;
	return pick;
}

enum quota_verdict
quota_rate_take(struct quota *q, const struct sockaddr *src, uint64_t now_ms, uint32_t *retry_after)
{
	struct net_group g = net_group_of(src);
	enum quota_verdict v = QUOTA_OK;
	uint64_t rate, full, elapsed;
	struct qclient *c;

	pthread_mutex_lock(&q->lock);
	rate = q->lim.rate < QUOTA_RATE_MAX ? q->lim.rate : QUOTA_RATE_MAX;
	full = (q->lim.burst < QUOTA_BURST_MAX ? q->lim.burst : QUOTA_BURST_MAX) * MILLI;
	full = full < MILLI ? MILLI : full;
	if (rate == 0) {
		pthread_mutex_unlock(&q->lock);
		return QUOTA_OK;
	}
	c = client_find(q, g, now_ms, full);
	elapsed = now_ms > c->stamp ? now_ms - c->stamp : 0;
	elapsed = elapsed < ELAPSED_MAX_MS ? elapsed : ELAPSED_MAX_MS;
	c->credit = c->credit + elapsed * rate < full ? c->credit + elapsed * rate : full;
	c->stamp = now_ms > c->stamp ? now_ms : c->stamp;
	if (c->credit >= MILLI) {
		c->credit -= MILLI;
	} else {
		/* milliseconds until one write's credit, rounded up to whole seconds */
		uint64_t ms = (MILLI - c->credit + rate - 1) / rate;

		*retry_after = (uint32_t)((ms + 999) / 1000);
		v = QUOTA_RATE;
		q->st.refused[QUOTA_RATE]++;
	}
	pthread_mutex_unlock(&q->lock);
	return v;
}

/* ---------------------------------------------------------------- answers and figures */

uint32_t
quota_hdl_rc(enum quota_verdict v, bool idis)
{
	switch (v) {
	case QUOTA_OK:
		return HDL_RC_SUCCESS;
	case QUOTA_REQUESTS:
		return idis ? HDL_RC_REQUEST_LIMIT_DAILY : HDL_RC_SERVER_BUSY;
	case QUOTA_REGISTRATIONS:
		return idis ? HDL_RC_REGISTER_COUNT_LIMIT : HDL_RC_SERVER_BUSY;
	default:
		return HDL_RC_SERVER_BUSY;
	}
}

const char *
quota_message(enum quota_verdict v)
{
	switch (v) {
	case QUOTA_REQUESTS:
		return "the daily request quota of this prefix is used up (603); try again "
		       "tomorrow";
	case QUOTA_REGISTRATIONS:
		return "the daily registration quota of this prefix is used up (604); try again "
		       "tomorrow";
	case QUOTA_RATE:
		return "too many writes from this address; slow down";
	default:
		return "";
	}
}

void
quota_visit(struct quota *q, uint64_t now, void (*cb)(void *arg, const struct quota_usage *u),
            void *arg)
{
	struct quota_usage u;

	pthread_mutex_lock(&q->lock);
	roll(q, now);
	for (size_t i = 0; i < q->cap; i++) {
		const struct qslot *s = &q->slots[i];

		if (s->len == 0) {
			continue;
		}
		u.prefix = slice_make(s->key, s->len);
		u.requests = s->requests;
		u.registrations = s->registrations;
		limits_of(q, s->key, s->len, &u.requests_limit, &u.registrations_limit);
		cb(arg, &u);
	}
	pthread_mutex_unlock(&q->lock);
}

void
quota_stats(struct quota *q, struct quota_stats *out)
{
	pthread_mutex_lock(&q->lock);
	*out = q->st;
	pthread_mutex_unlock(&q->lock);
}

struct slice
quota_prefix(struct slice handle)
{
	const uint8_t *slash = memchr(handle.p, '/', handle.len);
	struct slice pfx;

	if (slash == NULL) {
		return handle;
	}
	pfx = slice_make(handle.p, (size_t)(slash - handle.p));
	if (slice_caseeq(pfx, SLICE_LIT(IDENT_ZERO_NA))) {
		return quota_prefix(slice_make(slash + 1, handle.len - pfx.len - 1));
	}
	return pfx;
}
