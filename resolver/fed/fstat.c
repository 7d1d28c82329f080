/* fstat.c - per-prefix resolution counters (fstat.h). */
#include "fed/fstat.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model/ident.h"
#include "pfx.h"

struct slot {
	uint64_t n;
	uint16_t len; /* 0: free */
	uint8_t name[PFX_MAX_LEN];
};

struct fstat_shard {
	pthread_mutex_t mu;
	size_t used;
	uint64_t overflow;
	struct slot slots[FSTAT_SLOTS];
};

struct fstat {
	unsigned n;
	struct fstat_shard *shards;
};

int
fstat_new(struct fstat **out, unsigned nshards)
{
	struct fstat *s;

	*out = NULL;
	if (nshards == 0) {
		return IDR_EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return IDR_ENOMEM;
	}
	s->shards = calloc(nshards, sizeof(*s->shards));
	if (s->shards == NULL) {
		free(s);
		return IDR_ENOMEM;
	}
	s->n = nshards;
	for (unsigned i = 0; i < nshards; i++) {
		pthread_mutex_init(&s->shards[i].mu, NULL);
	}
	*out = s;
	return IDR_OK;
}

void
fstat_free(struct fstat *s)
{
	if (s == NULL) {
		return;
	}
	for (unsigned i = 0; i < s->n; i++) {
		pthread_mutex_destroy(&s->shards[i].mu);
	}
	free(s->shards);
	free(s);
}

struct fstat_shard *
fstat_shard(struct fstat *s, unsigned i)
{
	return s != NULL && i < s->n ? &s->shards[i] : NULL;
}

/* FNV-1a of the folded name */
static uint32_t
hash(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h = (h ^ p[i]) * 16777619u;
	}
	return h;
}

void
fstat_count(struct fstat_shard *sh, struct slice prefix)
{
	uint8_t name[PFX_MAX_LEN];
	uint32_t h;

	if (sh == NULL || prefix.len == 0 || prefix.len > PFX_MAX_LEN) {
		return;
	}
	ident_fold(prefix.p, prefix.len, name);
	h = hash(name, prefix.len);
	pthread_mutex_lock(&sh->mu);
	for (size_t i = 0; i < FSTAT_SLOTS; i++) {
		struct slot *s = &sh->slots[(h + i) % FSTAT_SLOTS];

		if (s->len == prefix.len && memcmp(s->name, name, prefix.len) == 0) {
			s->n++;
			pthread_mutex_unlock(&sh->mu);
			return;
		}
		if (s->len == 0) {
			if (sh->used >= FSTAT_SLOTS * 3 / 4) {
				break; /* keep probes short: the rest goes to overflow */
			}
			memcpy(s->name, name, prefix.len);
			s->len = (uint16_t)prefix.len;
			s->n = 1;
			sh->used++;
			pthread_mutex_unlock(&sh->mu);
			return;
		}
	}
	sh->overflow++;
	pthread_mutex_unlock(&sh->mu);
}

uint64_t
fstat_take(struct fstat *s, fstat_fn cb, void *arg)
{
	uint64_t overflow = 0;

	for (unsigned i = 0; s != NULL && i < s->n; i++) {
		struct fstat_shard *sh = &s->shards[i];

		pthread_mutex_lock(&sh->mu);
		for (size_t j = 0; j < FSTAT_SLOTS; j++) {
			struct slot *sl = &sh->slots[j];

			if (sl->len > 0) {
				cb(arg, slice_make(sl->name, sl->len), sl->n);
				sl->len = 0;
				sl->n = 0;
			}
		}
		sh->used = 0;
		overflow += sh->overflow;
		sh->overflow = 0;
		pthread_mutex_unlock(&sh->mu);
	}
	return overflow;
}
