/*
 * udp_reasm.c - the UDP reassembly table: partly received multi-datagram requests keyed by
 * (source address, source port, request id), in a chained hash table (keyed hash, random
 * seed) plus a list in arrival order, so that expiry and eviction take the oldest entry in
 * O(1). Entries are created in clock order, so the oldest is always at the head.
 */
#include "net/udp.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "net/net.h"

#define KEY_LEN          24
#define BUCKETS_MIN      16
#define BUCKETS_MAX      65536
#define BYTES_PER_BUCKET 2048

struct entry {
	struct entry *hnext;  /* hash chain */
	struct entry **hprev; /* the pointer that points at this entry */
	struct entry *older, *newer;
	uint64_t born_ms;
	size_t size;
	struct hdl_reasm *r;
	uint8_t key[KEY_LEN];
};

struct udp_reasm_table {
	struct entry **buckets;
	size_t nbuckets; /* power of two */
	struct entry *oldest, *newest;
	size_t count;
	size_t memory;
	size_t max_memory;
	uint64_t timeout_ms;
	uint64_t dropped;
	uint64_t seed;
};

static size_t
bucket_count(size_t max_memory)
{
	size_t n = BUCKETS_MIN;

	while (n < BUCKETS_MAX && n * BYTES_PER_BUCKET < max_memory) {
		n *= 2;
	}
	return n;
}

int
udp_reasm_table_new(struct udp_reasm_table **out, size_t max_memory, uint64_t timeout_ms)
{
	struct udp_reasm_table *t;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return IDR_ENOMEM;
	}
	t->nbuckets = bucket_count(max_memory);
	t->buckets = calloc(t->nbuckets, sizeof(struct entry *));
	if (t->buckets == NULL) {
		free(t);
		return IDR_ENOMEM;
	}
	if (crypto_random(&t->seed, sizeof(t->seed)) != IDR_OK) {
		t->seed = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ULL;
	}
	t->max_memory = max_memory;
	t->timeout_ms = timeout_ms;
	*out = t;
	return IDR_OK;
}

static void
unlink_entry(struct udp_reasm_table *t, struct entry *e)
{
	*e->hprev = e->hnext;
	if (e->hnext != NULL) {
		e->hnext->hprev = e->hprev;
	}
	/* the oldest entry has no older one, the newest no newer one */
	if (t->oldest == e) {
		t->oldest = e->newer;
	} else {
		e->older->newer = e->newer;
	}
	if (t->newest == e) {
		t->newest = e->older;
	} else {
		e->newer->older = e->older;
	}
	t->count--;
	t->memory -= e->size;
}

static void
free_entry(struct udp_reasm_table *t, struct entry *e)
{
	unlink_entry(t, e);
	hdl_reasm_free(e->r);
	free(e);
}

/* Free an entry whose message is given up (counted). */
static void
drop_entry(struct udp_reasm_table *t, struct entry *e)
{
	free_entry(t, e);
	t->dropped++;
}

void
udp_reasm_table_free(struct udp_reasm_table *t)
{
	if (t == NULL) {
		return;
	}
	for (struct entry *e = t->oldest, *next; e != NULL; e = next) {
		next = e->newer;
		hdl_reasm_free(e->r);
		free(e);
	}
	free(t->buckets);
	free(t);
}

void
udp_reasm_table_set_limits(struct udp_reasm_table *t, size_t max_memory, uint64_t timeout_ms)
{
	t->max_memory = max_memory;
	t->timeout_ms = timeout_ms;
}

static void
make_key(uint8_t key[KEY_LEN], const struct sockaddr *src, uint32_t request_id)
{
	memset(key, 0, KEY_LEN);
	key[0] = (uint8_t)src->sa_family;
	memcpy(key + 4, &request_id, 4);
	if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;

		memcpy(key + 2, &s6->sin6_port, 2);
		memcpy(key + 8, &s6->sin6_addr, 16);
	} else if (src->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;

		memcpy(key + 2, &s4->sin_port, 2);
		memcpy(key + 8, &s4->sin_addr, 4);
	}
}

static struct entry **
bucket_of(const struct udp_reasm_table *t, const uint8_t key[KEY_LEN])
{
	uint64_t h = t->seed;

	for (size_t i = 0; i < KEY_LEN; i += 8) {
		uint64_t w;

		memcpy(&w, key + i, 8);
		h = net_mix64(h ^ w);
	}
	return &t->buckets[h & (t->nbuckets - 1)];
}

static struct entry *
lookup(const struct udp_reasm_table *t, const uint8_t key[KEY_LEN])
{
	struct entry *e = *bucket_of(t, key);

	while (e != NULL && memcmp(e->key, key, KEY_LEN) != 0) {
		e = e->hnext;
	}
	return e;
}

size_t
udp_reasm_table_expire(struct udp_reasm_table *t, uint64_t now_ms)
{
	size_t n = 0;

	while (t->oldest != NULL && now_ms >= t->oldest->born_ms &&
	       now_ms - t->oldest->born_ms >= t->timeout_ms) {
		drop_entry(t, t->oldest);
		n++;
	}
	return n;
}

/* Create an entry for a new message (after making room), linked as the newest. */
static int
insert(struct udp_reasm_table *t, const uint8_t key[KEY_LEN], const struct hdl_envelope *env,
       size_t max_msg_len, uint64_t now_ms, struct entry **out)
{
	struct entry **b;
	struct entry *e;
	int rc;

	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return IDR_ENOMEM;
	}
	rc = hdl_reasm_new(&e->r, env, max_msg_len);
	if (rc != IDR_OK) {
		free(e);
		return rc == IDR_ENOMEM ? IDR_ENOMEM : IDR_ELIMIT;
	}
	e->size = sizeof(*e) + hdl_reasm_size(e->r);
	if (e->size > t->max_memory) {
		hdl_reasm_free(e->r);
		free(e);
		return IDR_ELIMIT;
	}
	while (t->memory + e->size > t->max_memory) {
		drop_entry(t, t->oldest);
	}
	memcpy(e->key, key, KEY_LEN);
	e->born_ms = now_ms;
	b = bucket_of(t, key);
	e->hnext = *b;
	e->hprev = b;
	if (*b != NULL) {
		(*b)->hprev = &e->hnext;
	}
	*b = e;
	e->older = t->newest;
	if (t->newest != NULL) {
		t->newest->newer = e;
	} else {
		t->oldest = e;
	}
	t->newest = e;
	t->count++;
	t->memory += e->size;
	*out = e;
	return IDR_OK;
}

int
udp_reasm_table_feed(struct udp_reasm_table *t, const struct sockaddr *src,
                     const struct hdl_envelope *env, const uint8_t *dgram, size_t len,
                     size_t max_msg_len, uint64_t now_ms, struct hdl_reasm **done)
{
	uint8_t key[KEY_LEN];
	struct entry *e;
	bool created = false;
	int rc;

	*done = NULL;
	udp_reasm_table_expire(t, now_ms);
	make_key(key, src, env->request_id);
	e = lookup(t, key);
	if (e == NULL) {
		rc = insert(t, key, env, max_msg_len, now_ms, &e);
		if (rc != IDR_OK) {
			t->dropped++;
			return rc;
		}
		created = true;
	}
	rc = hdl_reasm_feed(e->r, dgram, len);
	if (rc < 0) {
		if (created) {
			free_entry(t, e); /* never keep a message that cannot be assembled */
		}
		return IDR_EPROTO;
	}
	if (!hdl_reasm_done(e->r)) {
		return UDP_REASM_WAIT;
	}
	unlink_entry(t, e);
	*done = e->r;
	free(e);
	return UDP_REASM_DONE;
}

size_t
udp_reasm_table_count(const struct udp_reasm_table *t)
{
	return t->count;
}

size_t
udp_reasm_table_memory(const struct udp_reasm_table *t)
{
	return t->memory;
}

uint64_t
udp_reasm_table_dropped(const struct udp_reasm_table *t)
{
	return t->dropped;
}
