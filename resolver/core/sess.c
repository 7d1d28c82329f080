/* sess.c - sessions and pending challenges shared by the workers (sess.h). */
#include "core/sess.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"

#define NBUCKETS 4096u /* power of two */
#define SWEEP_MS 1000u /* expired entries are swept at most this often (and when full) */

struct entry {
	struct entry *next;
	struct sess s;
	uint8_t *request;
	size_t request_len;
};

struct sess_table {
	pthread_mutex_t lock;
	size_t max, count;
	uint64_t swept_ms;
	struct entry *buckets[NBUCKETS];
};

uint64_t
sess_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
sess_table_new(struct sess_table **out, size_t max)
{
	struct sess_table *t;

	if (max == 0) {
		return IDR_EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return IDR_ENOMEM;
	}
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return IDR_ENOMEM;
	}
	t->max = max;
	*out = t;
	return IDR_OK;
}

/* Clear memory the compiler may not optimise away (keys, requests with credentials). */
static void
wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n-- > 0) {
		*v++ = 0;
	}
}

static void
entry_free(struct entry *e)
{
	if (e->request != NULL) {
		wipe(e->request, e->request_len);
		free(e->request);
	}
	wipe(&e->s, sizeof(e->s)); /* session keys */
	free(e);
}

void
sess_table_free(struct sess_table *t)
{
	if (t == NULL) {
		return;
	}
	for (size_t i = 0; i < NBUCKETS; i++) {
		while (t->buckets[i] != NULL) {
			struct entry *e = t->buckets[i];

			t->buckets[i] = e->next;
			entry_free(e);
		}
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static struct entry **
slot_of(struct sess_table *t, uint32_t id)
{
	struct entry **pp = &t->buckets[(id * 2654435761u) & (NBUCKETS - 1)];

	while (*pp != NULL && (*pp)->s.id != id) {
		pp = &(*pp)->next;
	}
	return pp;
}

static void
unlink_free(struct sess_table *t, struct entry **pp)
{
	struct entry *e = *pp;

	*pp = e->next;
	t->count--;
	entry_free(e);
}

/* Drop every expired entry. Called with the lock held. */
static void
sweep(struct sess_table *t, uint64_t now)
{
	t->swept_ms = now;
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct entry **pp = &t->buckets[i];

		while (*pp != NULL) {
			if ((*pp)->s.expires_ms <= now) {
				unlink_free(t, pp);
			} else {
				pp = &(*pp)->next;
			}
		}
	}
}

int
sess_create(struct sess_table *t, struct sess *s, struct slice request, uint64_t now_ms)
{
	struct entry *e;
	int rc = IDR_OK;

	if (request.len > SESS_REQUEST_MAX) {
		return IDR_ELIMIT;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return IDR_ENOMEM;
	}
	if (request.len > 0) {
		e->request = malloc(request.len);
		if (e->request == NULL) {
			free(e);
			return IDR_ENOMEM;
		}
		memcpy(e->request, request.p, request.len);
		e->request_len = request.len;
	}
	if (crypto_random(s->nonce, sizeof(s->nonce)) != IDR_OK) {
		entry_free(e);
		return IDR_ECRYPTO;
	}
	s->expires_ms = now_ms + s->idle_ms;
	pthread_mutex_lock(&t->lock);
	if (t->count >= t->max || now_ms - t->swept_ms >= SWEEP_MS) {
		sweep(t, now_ms);
	}
	if (t->count >= t->max) {
		rc = IDR_EAGAIN;
	}
	if (rc == IDR_OK && s->id != 0) { /* the caller's id: a newer challenge replaces one */
		struct entry **pp = slot_of(t, s->id);

		if (*pp != NULL) {
			unlink_free(t, pp);
		}
		e->s = *s;
		*slot_of(t, s->id) = e;
		t->count++;
		e = NULL;
	}
	while (rc == IDR_OK && e != NULL) {
		uint32_t id;

		if (crypto_random(&id, sizeof(id)) != IDR_OK) {
			rc = IDR_ECRYPTO;
			break;
		}
		id &= 0x7FFFFFFFu; /* Java reads the session id as a signed int: keep it positive */
		if (id != 0 && *slot_of(t, id) == NULL) {
			s->id = id;
			e->s = *s;
			*slot_of(t, id) = e;
			t->count++;
			e = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (e != NULL) {
		entry_free(e);
	}
	return rc;
}

/* The live entry id (dropping it if expired). Called with the lock held. */
static int
find(struct sess_table *t, uint32_t id, uint64_t now, struct entry ***out)
{
	struct entry **pp;

	if (id == 0) {
		return IDR_ENOENT;
	}
	pp = slot_of(t, id);
	if (*pp == NULL) {
		return IDR_ENOENT;
	}
	if ((*pp)->s.expires_ms <= now) {
		unlink_free(t, pp);
		return IDR_EEXPIRED;
	}
	*out = pp;
	return IDR_OK;
}

int
sess_get(struct sess_table *t, uint32_t id, uint64_t now_ms, struct sess *out)
{
	struct entry **pp;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = find(t, id, now_ms, &pp);
	if (rc == IDR_OK) {
		(*pp)->s.expires_ms = now_ms + (*pp)->s.idle_ms;
		*out = (*pp)->s;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int
sess_put(struct sess_table *t, const struct sess *s)
{
	struct entry **pp;
	int rc = IDR_ENOENT;

	pthread_mutex_lock(&t->lock);
	pp = slot_of(t, s->id);
	if (s->id != 0 && *pp != NULL) {
		(*pp)->s = *s;
		rc = IDR_OK;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int
sess_take(struct sess_table *t, uint32_t id, uint64_t now_ms, struct sess *out, uint8_t **request,
          size_t *request_len)
{
	struct entry **pp;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = find(t, id, now_ms, &pp);
	if (rc == IDR_OK) {
		struct entry *e = *pp;

		*out = e->s;
		*request = e->request;
		*request_len = e->request_len;
		e->request = NULL;
		unlink_free(t, pp);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void
sess_drop(struct sess_table *t, uint32_t id)
{
	struct entry **pp;

	pthread_mutex_lock(&t->lock);
	pp = slot_of(t, id);
	if (id != 0 && *pp != NULL) {
		unlink_free(t, pp);
	}
	pthread_mutex_unlock(&t->lock);
}

size_t
sess_count(struct sess_table *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
