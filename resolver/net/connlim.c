/*
 * connlim.c - connection caps: a mutex-protected open-addressing table (linear probing,
 * backward-shift deletion, so no tombstones) from client address group to open connections.
 * The hash is keyed with a random seed so that a client cannot pick addresses that collide.
 */
#include "net/connlim.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "net/net.h"

#define CONNLIM_INITIAL_CAP 64

struct slot {
	struct net_group key;
	uint32_t count; /* 0 = empty slot */
};

struct connlim {
	pthread_mutex_t mu;
	unsigned max_total;
	unsigned max_per_addr;
	unsigned total;
	struct slot *slots;
	size_t cap; /* power of two */
	size_t used;
	uint64_t seed;
};

static size_t
hash_group(const struct connlim *c, struct net_group g)
{
	return (size_t)net_group_hash(g, c->seed) & (c->cap - 1);
}

/* Index of g's slot, or of the empty slot where it would go. */
static size_t
find(const struct connlim *c, struct net_group g)
{
	size_t i = hash_group(c, g);

	while (c->slots[i].count != 0 && !net_group_eq(c->slots[i].key, g)) {
		i = (i + 1) & (c->cap - 1);
	}
	return i;
}

static bool
grow(struct connlim *c)
{
	struct slot *old = c->slots;
	size_t oldcap = c->cap;
	struct slot *n;

	if (oldcap > SIZE_MAX / 2 / sizeof(*n)) {
		return false;
	}
	n = calloc(oldcap * 2, sizeof(*n));
	if (n == NULL) {
		return false;
	}
	c->slots = n;
	c->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].count != 0) {
			c->slots[find(c, old[i].key)] = old[i];
		}
	}
	free(old);
	return true;
}

/* Backward-shift deletion: move later members of the probe run into the hole. */
static void
remove_at(struct connlim *c, size_t hole)
{
	size_t mask = c->cap - 1;
	size_t i = hole;

	for (;;) {
		size_t home;

		i = (i + 1) & mask;
		if (c->slots[i].count == 0) {
			break;
		}
		home = hash_group(c, c->slots[i].key);
		/* the entry at i may fill the hole if its home is not in (hole, i] cyclically */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			c->slots[hole] = c->slots[i];
			hole = i;
		}
	}
	c->slots[hole].count = 0;
	c->used--;
}

int
connlim_new(struct connlim **out, unsigned max_total, unsigned max_per_addr)
{
	struct connlim *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	c->cap = CONNLIM_INITIAL_CAP;
	c->slots = calloc(c->cap, sizeof(*c->slots));
	if (c->slots == NULL || pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->slots);
		free(c);
		return IDR_ENOMEM;
	}
	if (crypto_random(&c->seed, sizeof(c->seed)) != IDR_OK) {
		c->seed = (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15ULL;
	}
	c->max_total = max_total;
	c->max_per_addr = max_per_addr;
	*out = c;
	return IDR_OK;
}

void
connlim_free(struct connlim *c)
{
	if (c == NULL) {
		return;
	}
	pthread_mutex_destroy(&c->mu);
	free(c->slots);
	free(c);
}

void
connlim_set(struct connlim *c, unsigned max_total, unsigned max_per_addr)
{
	pthread_mutex_lock(&c->mu);
	c->max_total = max_total;
	c->max_per_addr = max_per_addr;
	pthread_mutex_unlock(&c->mu);
}

bool
connlim_acquire(struct connlim *c, const struct sockaddr *sa)
{
	struct net_group g = net_group_of(sa);
	bool ok = false;
	size_t i;

	pthread_mutex_lock(&c->mu);
	if (c->total >= c->max_total) {
		goto unlock;
	}
	i = find(c, g);
	if (c->slots[i].count == 0) {
		if (c->max_per_addr == 0) {
			goto unlock;
		}
		/* keep the load factor at most 1/2 so probe runs stay short */
		if ((c->used + 1) * 2 > c->cap) {
			if (!grow(c)) {
				goto unlock;
			}
			i = find(c, g);
		}
		c->slots[i].key = g;
		c->used++;
	} else if (c->slots[i].count >= c->max_per_addr) {
		goto unlock;
	}
	c->slots[i].count++;
	c->total++;
	ok = true;
unlock:
	pthread_mutex_unlock(&c->mu);
	return ok;
}

void
connlim_release(struct connlim *c, const struct sockaddr *sa)
{
	struct net_group g = net_group_of(sa);
	size_t i;

	pthread_mutex_lock(&c->mu);
	i = find(c, g);
	/* a release without its acquire is a caller bug; never underflow the counts */
	if (c->slots[i].count != 0) {
		c->total--;
		if (--c->slots[i].count == 0) {
			remove_at(c, i);
		}
	}
	pthread_mutex_unlock(&c->mu);
}

unsigned
connlim_total(struct connlim *c)
{
	unsigned n;

	pthread_mutex_lock(&c->mu);
	n = c->total;
	pthread_mutex_unlock(&c->mu);
	return n;
}
