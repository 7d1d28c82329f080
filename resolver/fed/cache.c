/* cache.c - bounded LRU answer cache with TTL and a serve-stale window (cache.h). */
#include "fed/cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FCACHE_BUCKETS_MAX ((size_t)1 << 20)

struct fentry {
	struct fentry *hnext;       /* hash chain */
	struct fentry *prev, *next; /* LRU list: head = most recent */
	uint64_t hash;
	uint32_t rc;
	uint32_t expires;
	size_t klen, dlen;
	uint8_t bytes[]; /* key, then data */
};

struct fcache {
	struct fcache_opts o;
	struct fentry **buckets;
	size_t nbuckets; /* power of two */
	struct fentry *head, *tail;
	size_t count, bytes;
};

static uint64_t
hash_key(struct slice k)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < k.len; i++) {
		h = (h ^ k.p[i]) * 1099511628211ull;
	}
	return h;
}

int
fcache_new(struct fcache **out, const struct fcache_opts *o)
{
	struct fcache *c;
	size_t n = 16;

	*out = NULL;
	if (o->max_entries == 0) {
		return IDR_EINVAL;
	}
	while (n < o->max_entries && n < FCACHE_BUCKETS_MAX) {
		n <<= 1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	c->buckets = calloc(n, sizeof(struct fentry *));
	if (c->buckets == NULL) {
		free(c);
		return IDR_ENOMEM;
	}
	c->o = *o;
	c->nbuckets = n;
	*out = c;
	return IDR_OK;
}

void
fcache_free(struct fcache *c)
{
	struct fentry *e, *next;

	if (c == NULL) {
		return;
	}
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(c->buckets);
	free(c);
}

static void
lru_unlink(struct fcache *c, struct fentry *e)
{
	if (e->prev != NULL) {
		e->prev->next = e->next;
	} else {
		c->head = e->next;
	}
	if (e->next != NULL) {
		e->next->prev = e->prev;
	} else {
		c->tail = e->prev;
	}
	e->prev = e->next = NULL;
}

static void
lru_push(struct fcache *c, struct fentry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL) {
		c->head->prev = e;
	}
	c->head = e;
	if (c->tail == NULL) {
		c->tail = e;
	}
}

/* The chain link pointing at key's entry (or at the NULL ending the chain). */
static struct fentry **
find(struct fcache *c, struct slice key, uint64_t h)
{
	struct fentry **pp = &c->buckets[h & (c->nbuckets - 1)];

	while (*pp != NULL) {
		struct fentry *e = *pp;

		if (e->hash == h && e->klen == key.len && memcmp(e->bytes, key.p, key.len) == 0) {
			break;
		}
		pp = &e->hnext;
	}
	return pp;
}

static void
remove_entry(struct fcache *c, struct fentry *e)
{
	struct fentry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp != e) {
		pp = &(*pp)->hnext;
	}
	*pp = e->hnext;
	lru_unlink(c, e);
	c->count--;
	c->bytes -= e->klen + e->dlen;
	free(e);
}

/* Drop least recently used entries until one more of need bytes fits. */
static void
evict(struct fcache *c, size_t need)
{
	struct fentry *victim;

	while ((victim = c->tail) != NULL &&
	       (c->count >= c->o.max_entries || c->bytes + need > c->o.max_bytes)) {
		/* the analyzer does not see that unlinking the tail moves c->tail off it */
		remove_entry(c, victim); // NOLINT(clang-analyzer-unix.Malloc)
	}
}

enum fcache_state
fcache_get(struct fcache *c, struct slice key, uint32_t now, struct fcache_view *out)
{
	struct fentry *e = *find(c, key, hash_key(key));

	if (e == NULL) {
		return FCACHE_MISS;
	}
	if (now >= e->expires && (uint64_t)now - e->expires >= c->o.stale_max) {
		remove_entry(c, e);
		return FCACHE_MISS;
	}
	lru_unlink(c, e);
	lru_push(c, e);
	out->rc = e->rc;
	out->data = slice_make(e->bytes + e->klen, e->dlen);
	out->expires = e->expires;
	return now < e->expires ? FCACHE_FRESH : FCACHE_STALE;
}

int
fcache_put(struct fcache *c, struct slice key, uint32_t rc, struct slice data, uint32_t ttl,
           uint32_t now)
{
	uint64_t h = hash_key(key);
	struct fentry **pp = find(c, key, h), *e;
	uint64_t exp = (uint64_t)now + ttl;

	if (*pp != NULL) {
		remove_entry(c, *pp);
	}
	if (key.len > FCACHE_KEY_MAX || key.len + data.len > c->o.max_bytes) {
		return IDR_ELIMIT;
	}
	if (ttl == 0) {
		return IDR_OK;
	}
	evict(c, key.len + data.len);
	e = malloc(sizeof(*e) + key.len + data.len);
	if (e == NULL) {
		return IDR_ENOMEM;
	}
	e->hash = h;
	e->rc = rc;
	e->expires = exp > UINT32_MAX ? UINT32_MAX : (uint32_t)exp;
	e->klen = key.len;
	e->dlen = data.len;
	if (key.len > 0) {
		memcpy(e->bytes, key.p, key.len);
	}
	if (data.len > 0) {
		memcpy(e->bytes + key.len, data.p, data.len);
	}
	pp = &c->buckets[h & (c->nbuckets - 1)];
	e->hnext = *pp;
	*pp = e;
	lru_push(c, e);
	c->count++;
	c->bytes += key.len + data.len;
	return IDR_OK;
}

size_t
fcache_count(const struct fcache *c)
{
	return c->count;
}

size_t
fcache_bytes(const struct fcache *c)
{
	return c->bytes;
}
