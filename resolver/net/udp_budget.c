/*
 * udp_budget.c - the per-source answer budget (udp.h): a fixed, set-associative table of token
 * buckets shared by the workers. A set is two cache lines: its spin lock, then the keys and
 * buckets of its UDP_BUDGET_WAYS entries, so a charge touches one set and never allocates.
 * Credit is kept in thousandths of a byte, so that refilling is elapsed_ms * rate exactly, with
 * no division and no rounding that a frequent sender could exploit or suffer from.
 */
#include "net/udp.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "base/crypto.h"
#include "net/net.h"

#define MILLI          1000u
#define ENTRIES_MAX    ((size_t)1 << 26)
#define ELAPSED_MAX_MS ((uint64_t)1 << 32) /* longer idle times refill no more than this */
#define SET_ALIGN      64

struct bset {
	atomic_uint lock;                 /* 0 free, 1 held */
	uint8_t family[UDP_BUDGET_WAYS];  /* 4, 6 as net_group; 0 = free entry */
	uint64_t net[UDP_BUDGET_WAYS];    /* net_group bits */
	uint64_t stamp[UDP_BUDGET_WAYS];  /* now_ms of the last refill */
	uint64_t credit[UDP_BUDGET_WAYS]; /* thousandths of a byte */
} __attribute__((aligned(SET_ALIGN)));

struct udp_budget {
	void *mem;         /* calloc'd: large tables get untouched zero pages until used */
	struct bset *sets; /* in mem, aligned to SET_ALIGN */
	size_t nsets;      /* power of two */
	uint64_t seed;
	_Atomic uint64_t evictions;
};

int
udp_budget_new(struct udp_budget **out, size_t entries)
{
	struct udp_budget *b;
	size_t nsets = 1;

	*out = NULL;
	if (entries == 0 || entries > ENTRIES_MAX) {
		return IDR_EINVAL;
	}
	while (nsets * UDP_BUDGET_WAYS < entries) {
		nsets *= 2;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		return IDR_ENOMEM;
	}
	b->mem = calloc(nsets + 1, sizeof(*b->sets));
	if (b->mem == NULL) {
		free(b);
		return IDR_ENOMEM;
	}
	b->sets = (struct bset *)((char *)b->mem +
	                          (SET_ALIGN - (uintptr_t)b->mem % SET_ALIGN) % SET_ALIGN);
	for (size_t i = 0; i < nsets; i++) {
		atomic_init(&b->sets[i].lock, 0);
	}
	b->nsets = nsets;
	if (crypto_random(&b->seed, sizeof(b->seed)) != IDR_OK) {
		b->seed = (uint64_t)(uintptr_t)b ^ 0x9e3779b97f4a7c15ULL;
	}
	atomic_init(&b->evictions, 0);
	*out = b;
	return IDR_OK;
}

void
udp_budget_free(struct udp_budget *b)
{
	if (b == NULL) {
		return;
	}
	free(b->mem);
	free(b);
}

size_t
udp_budget_capacity(const struct udp_budget *b)
{
	return b->nsets * UDP_BUDGET_WAYS;
}

uint64_t
udp_budget_evictions(const struct udp_budget *b)
{
	return atomic_load_explicit(&b->evictions, memory_order_relaxed);
}

static void
set_lock(struct bset *s)
{
	unsigned expect = 0;

	/* held for a few dozen instructions: spinning is cheaper than any sleeping lock */
	while (!atomic_compare_exchange_weak_explicit(&s->lock, &expect, 1, memory_order_acquire,
	                                              memory_order_relaxed)) {
		expect = 0;
	}
}

static void
set_unlock(struct bset *s)
{
	atomic_store_explicit(&s->lock, 0, memory_order_release);
}

size_t
udp_budget_count(struct udp_budget *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nsets; i++) {
		set_lock(&b->sets[i]);
		for (int w = 0; w < UDP_BUDGET_WAYS; w++) {
			n += b->sets[i].family[w] != 0;
		}
		set_unlock(&b->sets[i]);
	}
	return n;
}

/* Credit of entry w at now_ms (milli-bytes), not stored. */
static uint64_t
credit_at(const struct bset *s, int w, uint64_t now_ms, uint64_t rate, uint64_t full)
{
	uint64_t c = s->credit[w];
	uint64_t dt;

	if (now_ms > s->stamp[w]) {
		dt = now_ms - s->stamp[w];
		/* dt <= 2^32 and rate <= 2^30 (conf ranges): the product fits */
		c += (dt < ELAPSED_MAX_MS ? dt : ELAPSED_MAX_MS) * rate;
	}
	return c < full ? c : full;
}

/* The entry of g in s, or one for it: a free one, else the one with the most credit. */
static int
entry_for(struct udp_budget *b, struct bset *s, struct net_group g, uint64_t now_ms, uint64_t rate,
          uint64_t full)
{
	int pick = -1;
	uint64_t most = 0;

	for (int w = 0; w < UDP_BUDGET_WAYS; w++) {
		if (s->family[w] == g.family && s->net[w] == g.bits) {
			return w;
		}
	}
	for (int w = 0; w < UDP_BUDGET_WAYS; w++) {
		uint64_t c;

		if (s->family[w] == 0) {
			pick = w;
			break;
		}
		c = credit_at(s, w, now_ms, rate, full);
		if (pick < 0 || c > most) {
			pick = w;
			most = c;
		}
	}
	if (s->family[pick] != 0) {
		atomic_fetch_add_explicit(&b->evictions, 1, memory_order_relaxed);
	}
	s->family[pick] = g.family;
	s->net[pick] = g.bits;
	s->stamp[pick] = now_ms;
	s->credit[pick] = full;
	return pick;
}

bool
udp_budget_charge(struct udp_budget *b, const struct sockaddr *src, size_t bytes,
                  const struct udp_budget_limits *l, uint64_t now_ms)
{
	struct net_group g;
	struct bset *s;
	uint64_t full, rate, need, c;
	bool ok;
	int w;

	if (l->rate == 0) {
		return true;
	}
	if (bytes > UDP_BUDGET_BURST_MAX || bytes > l->burst) {
		return false; /* more than a full bucket: no need to look */
	}
	g = net_group_of(src);
	if (g.family == 0) {
		g.family = 0xff; /* any other family: one shared entry (0 marks free entries) */
	}
	full = (l->burst < UDP_BUDGET_BURST_MAX ? l->burst : UDP_BUDGET_BURST_MAX) * MILLI;
	rate = l->rate < UDP_BUDGET_RATE_MAX ? l->rate : UDP_BUDGET_RATE_MAX;
	need = (uint64_t)bytes * MILLI;
	s = &b->sets[net_group_hash(g, b->seed) & (b->nsets - 1)];
	set_lock(s);
	w = entry_for(b, s, g, now_ms, rate, full);
	c = credit_at(s, w, now_ms, rate, full);
	if (now_ms > s->stamp[w]) {
		s->stamp[w] = now_ms;
	}
	ok = c >= need;
	s->credit[w] = ok ? c - need : c;
	set_unlock(s);
	return ok;
}
