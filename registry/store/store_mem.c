/*
 * store_mem.c - the in-memory store backend, for tests (Knot's trie beside db_lmdb).
 *
 * Each database is a sorted array of pointers to owned entries (key copy + value copy), found
 * by binary search and ordered like LMDB (memcmp, then the shorter key first). One write
 * transaction at a time: a second begin returns IDR_EBUSY. Every change appends to an undo log;
 * abort replays it backwards, commit frees what it replaced or removed.
 *
 * Read transactions may begin at any time, also while a write transaction is open, and then
 * see its uncommitted changes: there are no snapshots. Memory a reader might still point to
 * (replaced values, removed entries) is freed only once no read transaction holds a snapshot,
 * so slices stay valid until their transaction ends or is reset, as with LMDB; in a write
 * transaction they even survive later writes (LMDB promises less).
 *
 * Cursors follow LMDB's cursor rules exactly, including its edge cases: next/prev on an
 * unpositioned cursor act as first/last; after falling off an end the cursor stays on the
 * last (first) entry; a seek past the end leaves it just past the last entry; a cursor whose
 * entry is deleted moves to the entry that followed it, and the next "next" returns that one.
 * Inserts and deletes adjust every open cursor on the database, like LMDB's cursor tracking.
 *
 * Not thread-safe: one thread uses the store at a time.
 */
#include "store/store_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define MEM_MAX_READERS 126 /* LMDB's default */

struct mem_val {
	struct mem_val *next; /* on the free-later list */
	size_t len;
	uint8_t data[];
};

struct mem_ent {
	struct mem_ent *next; /* on the free-later list */
	struct mem_val *val;
	size_t klen;
	uint8_t key[];
};

struct mem_db {
	struct mem_ent **ents; /* sorted by key */
	size_t n;
	size_t cap;
};

enum mem_undo_kind { MEM_UNDO_INSERT, MEM_UNDO_REPLACE, MEM_UNDO_DELETE };

struct mem_undo {
	enum mem_undo_kind kind;
	enum store_db db;
	struct mem_ent *ent;
	struct mem_val *old; /* MEM_UNDO_REPLACE: the value before */
};

struct mem_cursor {
	struct mem_cursor *next;
	struct mem_cursor *prev;
	enum store_db db;
	size_t i;  /* position; may equal the entry count */
	bool init; /* positioned at all */
	bool eof;  /* fell off the end */
	bool del;  /* its entry was deleted; i is the entry that followed */
};

struct mem_store {
	struct mem_db dbs[STORE_DB_COUNT];
	struct mem_undo *undo;
	size_t nundo;
	size_t capundo;
	bool writer;
	unsigned readers; /* read transactions, also reset ones (LMDB reader slots) */
	unsigned active;  /* read transactions holding a snapshot */
	unsigned max_readers;
	unsigned readers_peak;
	uint64_t map_size;
	struct mem_cursor *cursors; /* every open cursor, of every transaction */
	struct mem_ent *dead_ents;  /* free once no reader is active */
	struct mem_val *dead_vals;
};

static int
key_cmp(const struct mem_ent *e, struct slice key)
{
	size_t n = e->klen < key.len ? e->klen : key.len;
	int c = memcmp(e->key, key.p, n);

	if (c != 0) {
		return c;
	}
	return e->klen < key.len ? -1 : (e->klen > key.len ? 1 : 0);
}

/* Index of the first entry >= key; *found says whether it equals key. */
static size_t
db_search(const struct mem_db *d, struct slice key, bool *found)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(d->ents[mid], key) < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = lo < d->n && key_cmp(d->ents[lo], key) == 0;
	return lo;
}

static struct slice
ent_key(const struct mem_ent *e)
{
	return slice_make(e->key, e->klen);
}

static struct slice
ent_val(const struct mem_ent *e)
{
	return slice_make(e->val->data, e->val->len);
}

/* Grow an array so that one more element fits. */
static int
array_reserve(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap) {
		return IDR_OK;
	}
	ncap = *cap == 0 ? 16 : *cap * 2;
	if (ncap < *cap || ncap > SIZE_MAX / elem) {
		return IDR_ENOMEM;
	}
	p = realloc(*arr, ncap * elem);
	if (p == NULL) {
		return IDR_ENOMEM;
	}
	*arr = p;
	*cap = ncap;
	return IDR_OK;
}

static int
db_reserve(struct mem_db *d)
{
	void *arr = d->ents;
	int rc = array_reserve(&arr, &d->cap, d->n, sizeof(struct mem_ent *));

	d->ents = arr;
	return rc;
}

static int
undo_reserve(struct mem_store *ms)
{
	void *arr = ms->undo;
	int rc = array_reserve(&arr, &ms->capundo, ms->nundo, sizeof(ms->undo[0]));

	ms->undo = arr;
	return rc;
}

/* Only after undo_reserve(). */
static void
undo_push(struct mem_store *ms, enum mem_undo_kind kind, enum store_db db, struct mem_ent *e,
          struct mem_val *old)
{
	struct mem_undo *u = &ms->undo[ms->nundo++];

	u->kind = kind;
	u->db = db;
	u->ent = e;
	u->old = old;
}

static struct mem_val *
val_new(struct slice val)
{
	struct mem_val *v;

	if (val.len > SIZE_MAX - sizeof(*v)) {
		return NULL;
	}
	v = malloc(sizeof(*v) + val.len);
	if (v != NULL) {
		v->next = NULL;
		v->len = val.len;
		if (val.len > 0) {
			memcpy(v->data, val.p, val.len);
		}
	}
	return v;
}

static struct mem_ent *
ent_new(struct slice key, struct mem_val *v)
{
	struct mem_ent *e;

	if (key.len > SIZE_MAX - sizeof(*e)) {
		return NULL;
	}
	e = malloc(sizeof(*e) + key.len);
	if (e != NULL) {
		e->next = NULL;
		e->val = v;
		e->klen = key.len;
		memcpy(e->key, key.p, key.len);
	}
	return e;
}

/* Free now, or once no read transaction can point into the memory any more. */
static void
val_release(struct mem_store *ms, struct mem_val *v)
{
	if (ms->active > 0) {
		v->next = ms->dead_vals;
		ms->dead_vals = v;
	} else {
		free(v);
	}
}

static void
ent_release(struct mem_store *ms, struct mem_ent *e)
{
	val_release(ms, e->val);
	if (ms->active > 0) {
		e->next = ms->dead_ents;
		ms->dead_ents = e;
	} else {
		free(e);
	}
}

static void
dead_flush(struct mem_store *ms)
{
	while (ms->dead_vals != NULL) {
		struct mem_val *v = ms->dead_vals;

		ms->dead_vals = v->next;
		free(v);
	}
	while (ms->dead_ents != NULL) {
		struct mem_ent *e = ms->dead_ents;

		ms->dead_ents = e->next;
		free(e);
	}
}

/* Insert at i (capacity reserved); cursors at or after i move with their entries. */
static void
db_insert_at(struct mem_store *ms, enum store_db db, size_t i, struct mem_ent *e)
{
	struct mem_db *d = &ms->dbs[db];
	struct mem_cursor *c;

	memmove(&d->ents[i + 1], &d->ents[i], (d->n - i) * sizeof(struct mem_ent *));
	d->ents[i] = e;
	d->n++;
	for (c = ms->cursors; c != NULL; c = c->next) {
		if (c->db == db && c->init && c->i >= i) {
			c->i++;
		}
	}
}

/* Remove entry i; a cursor on it is marked deleted (and at the end if nothing follows). */
static void
db_remove_at(struct mem_store *ms, enum store_db db, size_t i)
{
	struct mem_db *d = &ms->dbs[db];
	struct mem_cursor *c;

	memmove(&d->ents[i], &d->ents[i + 1], (d->n - i - 1) * sizeof(struct mem_ent *));
	d->n--;
	for (c = ms->cursors; c != NULL; c = c->next) {
		if (c->db != db || !c->init) {
			continue;
		}
		if (c->i == i) {
			c->del = true;
		} else if (c->i > i) {
			c->i--;
		}
		if (c->i >= i && c->i >= d->n) {
			c->eof = true;
		}
	}
}

static void
undo_rollback(struct mem_store *ms)
{
	while (ms->nundo > 0) {
		struct mem_undo *u = &ms->undo[--ms->nundo];
		struct mem_db *d = &ms->dbs[u->db];
		bool found;
		size_t i = db_search(d, ent_key(u->ent), &found);

		switch (u->kind) {
		case MEM_UNDO_INSERT:
			assert(found && d->ents[i] == u->ent);
			db_remove_at(ms, u->db, i);
			ent_release(ms, u->ent);
			break;
		case MEM_UNDO_REPLACE:
			val_release(ms, u->ent->val);
			u->ent->val = u->old;
			break;
		case MEM_UNDO_DELETE:
			/* the array held this entry before, so the capacity is there */
			assert(!found && d->n < d->cap);
			db_insert_at(ms, u->db, i, u->ent);
			break;
		}
	}
}

static void
undo_commit(struct mem_store *ms)
{
	size_t i;

	for (i = 0; i < ms->nundo; i++) {
		struct mem_undo *u = &ms->undo[i];

		if (u->kind == MEM_UNDO_REPLACE) {
			val_release(ms, u->old);
		} else if (u->kind == MEM_UNDO_DELETE) {
			ent_release(ms, u->ent);
		}
	}
	ms->nundo = 0;
}

static int
mem_open(struct store *s, const struct store_opts *o)
{
	struct mem_store *ms = calloc(1, sizeof(*ms));

	if (ms == NULL) {
		return IDR_ENOMEM;
	}
	ms->max_readers = o->max_readers > 0 ? o->max_readers : MEM_MAX_READERS;
	ms->map_size = o->map_size;
	s->be = ms;
	return IDR_OK;
}

static void
mem_close(struct store *s)
{
	struct mem_store *ms = s->be;
	size_t i, j;

	/* a write transaction left open (a contract violation) still frees what it holds */
	undo_rollback(ms);
	ms->active = 0;
	for (i = 0; i < STORE_DB_COUNT; i++) {
		for (j = 0; j < ms->dbs[i].n; j++) {
			free(ms->dbs[i].ents[j]->val);
			free(ms->dbs[i].ents[j]);
		}
		free(ms->dbs[i].ents);
	}
	dead_flush(ms);
	free(ms->undo);
	free(ms);
}

static int
mem_txn_begin(struct store_txn *t)
{
	struct mem_store *ms = t->s->be;

	if (t->write) {
		if (ms->writer) {
			return IDR_EBUSY;
		}
		ms->writer = true;
		return IDR_OK;
	}
	if (ms->readers >= ms->max_readers) {
		return IDR_EREADERS;
	}
	ms->readers++;
	ms->active++;
	if (ms->readers > ms->readers_peak) {
		ms->readers_peak = ms->readers;
	}
	return IDR_OK;
}

static void
reader_end(struct mem_store *ms)
{
	ms->active--;
	if (ms->active == 0) {
		dead_flush(ms);
	}
}

static void
mem_txn_abort(struct store_txn *t)
{
	struct mem_store *ms = t->s->be;

	if (t->write) {
		undo_rollback(ms);
		ms->writer = false;
		return;
	}
	if (!t->reset) {
		reader_end(ms);
	}
	ms->readers--;
}

static int
mem_txn_commit(struct store_txn *t)
{
	struct mem_store *ms = t->s->be;

	if (!t->write) {
		mem_txn_abort(t);
		return IDR_OK;
	}
	undo_commit(ms);
	ms->writer = false;
	return IDR_OK;
}

static void
mem_txn_reset(struct store_txn *t)
{
	reader_end(t->s->be);
}

static int
mem_txn_renew(struct store_txn *t)
{
	struct mem_store *ms = t->s->be;

	ms->active++;
	return IDR_OK;
}

static struct mem_db *
db_of(struct store_txn *t, enum store_db db)
{
	struct mem_store *ms = t->s->be;

	return &ms->dbs[db];
}

static int
mem_get(struct store_txn *t, enum store_db db, struct slice key, struct slice *val)
{
	const struct mem_db *d = db_of(t, db);
	bool found;
	size_t i = db_search(d, key, &found);

	if (!found) {
		return IDR_ENOENT;
	}
	*val = ent_val(d->ents[i]);
	return IDR_OK;
}

static int
mem_put(struct store_txn *t, enum store_db db, struct slice key, struct slice val, unsigned flags,
        struct slice *existing)
{
	struct mem_store *ms = t->s->be;
	struct mem_db *d = &ms->dbs[db];
	bool found, noover = (flags & STORE_NOOVERWRITE) != 0;
	size_t i = db_search(d, key, &found);
	struct mem_val *v;
	struct mem_ent *e;

	/* like MDB_APPEND: the key must sort after the last one */
	if (((flags & STORE_APPEND) != 0 && i < d->n) || (found && noover)) {
		if (found && noover && existing != NULL) {
			*existing = ent_val(d->ents[i]);
		}
		return IDR_EEXIST;
	}
	/* everything that can fail happens before the first change */
	if (undo_reserve(ms) != IDR_OK || (!found && db_reserve(d) != IDR_OK)) {
		return IDR_ENOMEM;
	}
	v = val_new(val);
	if (v == NULL) {
		return IDR_ENOMEM;
	}
	if (found) {
		e = d->ents[i];
		undo_push(ms, MEM_UNDO_REPLACE, db, e, e->val);
		e->val = v;
		return IDR_OK;
	}
	e = ent_new(key, v);
	if (e == NULL) {
		free(v);
		return IDR_ENOMEM;
	}
	db_insert_at(ms, db, i, e);
	undo_push(ms, MEM_UNDO_INSERT, db, e, NULL);
	return IDR_OK;
}

static int
mem_del(struct store_txn *t, enum store_db db, struct slice key)
{
	struct mem_store *ms = t->s->be;
	const struct mem_db *d = &ms->dbs[db];
	bool found;
	size_t i = db_search(d, key, &found);
	struct mem_ent *e;

	if (!found) {
		return IDR_ENOENT;
	}
	if (undo_reserve(ms) != IDR_OK) {
		return IDR_ENOMEM;
	}
	e = d->ents[i];
	db_remove_at(ms, db, i);
	undo_push(ms, MEM_UNDO_DELETE, db, e, NULL);
	return IDR_OK;
}

static int
mem_stat(struct store_txn *t, enum store_db db, struct store_db_stat *out)
{
	const struct mem_db *d = db_of(t, db);

	memset(out, 0, sizeof(*out));
	out->entries = d->n;
	for (size_t i = 0; i < d->n; i++) {
		out->bytes += d->ents[i]->klen + d->ents[i]->val->len;
	}
	return IDR_OK;
}

static int
mem_cursor_open(struct store_cursor *c)
{
	struct mem_store *ms = c->t->s->be;
	struct mem_cursor *mc = calloc(1, sizeof(*mc));

	if (mc == NULL) {
		return IDR_ENOMEM;
	}
	mc->db = c->db;
	mc->next = ms->cursors;
	if (ms->cursors != NULL) {
		ms->cursors->prev = mc;
	}
	ms->cursors = mc;
	c->be = mc;
	return IDR_OK;
}

static void
mem_cursor_close(struct store_cursor *c)
{
	struct mem_store *ms = c->t->s->be;
	struct mem_cursor *mc = c->be;

	if (mc->prev != NULL) {
		mc->prev->next = mc->next;
	} else {
		ms->cursors = mc->next;
	}
	if (mc->next != NULL) {
		mc->next->prev = mc->prev;
	}
	free(mc);
}

static int
cur_at(const struct mem_db *d, const struct mem_cursor *mc, struct slice *k, struct slice *v)
{
	*k = ent_key(d->ents[mc->i]);
	*v = ent_val(d->ents[mc->i]);
	return IDR_OK;
}

/* Position at i (first/last/seek); an empty database leaves the cursor unpositioned. */
static int
cur_set(const struct mem_db *d, struct mem_cursor *mc, size_t i, struct slice *k, struct slice *v)
{
	if (d->n == 0) {
		mc->init = false;
		return IDR_ENOENT;
	}
	mc->init = true;
	mc->del = false;
	mc->i = i;
	mc->eof = i >= d->n;
	if (mc->eof) {
		mc->i = d->n;
		return IDR_ENOENT;
	}
	return cur_at(d, mc, k, v);
}

static int
cur_next(const struct mem_db *d, struct mem_cursor *mc, struct slice *k, struct slice *v)
{
	if (!mc->init) {
		return cur_set(d, mc, 0, k, v);
	}
	if (mc->eof) {
		if (mc->i + 1 >= d->n) {
			return IDR_ENOENT;
		}
		mc->eof = false; /* entries were added after the cursor */
	}
	if (mc->del) {
		/* the entry that followed the deleted one is already under the cursor */
		mc->del = false;
		if (mc->i < d->n) {
			return cur_at(d, mc, k, v);
		}
		mc->eof = true;
		return IDR_ENOENT;
	}
	if (mc->i + 1 >= d->n) {
		mc->eof = true;
		return IDR_ENOENT;
	}
	mc->i++;
	return cur_at(d, mc, k, v);
}

static int
cur_prev(const struct mem_db *d, struct mem_cursor *mc, struct slice *k, struct slice *v)
{
	if (!mc->init) {
		if (d->n == 0) {
			return IDR_ENOENT;
		}
		mc->init = true;
		mc->i = d->n;
	}
	mc->eof = false;
	mc->del = false;
	if (mc->i == 0) {
		return IDR_ENOENT;
	}
	if (mc->i > d->n) {
		mc->i = d->n;
	}
	mc->i--;
	return cur_at(d, mc, k, v);
}

static int
mem_cursor_move(struct store_cursor *c, enum store_cur_op op, struct slice key, struct slice *k,
                struct slice *v)
{
	const struct mem_db *d = db_of(c->t, c->db);
	struct mem_cursor *mc = c->be;
	bool found;

	switch (op) {
	case STORE_CUR_SEEK:
		return cur_set(d, mc, db_search(d, key, &found), k, v);
	case STORE_CUR_FIRST:
		return cur_set(d, mc, 0, k, v);
	case STORE_CUR_LAST:
		return cur_set(d, mc, d->n > 0 ? d->n - 1 : 0, k, v);
	case STORE_CUR_NEXT:
		return cur_next(d, mc, k, v);
	case STORE_CUR_PREV:
		return cur_prev(d, mc, k, v);
	}
	return IDR_EINVAL;
}

static int
mem_info(struct store *s, struct store_info *out)
{
	const struct mem_store *ms = s->be;
	uint64_t used = 0;
	size_t i, j;

	for (i = 0; i < STORE_DB_COUNT; i++) {
		for (j = 0; j < ms->dbs[i].n; j++) {
			used += ms->dbs[i].ents[j]->klen + ms->dbs[i].ents[j]->val->len;
		}
	}
	out->map_size = ms->map_size;
	out->used_bytes = used;
	out->file_bytes = 0;
	out->readers = ms->readers_peak;
	out->max_readers = ms->max_readers;
	return IDR_OK;
}

static int
mem_sync(struct store *s)
{
	(void)s;
	return IDR_OK;
}

const struct store_ops store_mem_ops = {
        .open = mem_open,
        .close = mem_close,
        .txn_begin = mem_txn_begin,
        .txn_commit = mem_txn_commit,
        .txn_abort = mem_txn_abort,
        .txn_reset = mem_txn_reset,
        .txn_renew = mem_txn_renew,
        .get = mem_get,
        .put = mem_put,
        .del = mem_del,
        .stat = mem_stat,
        .cursor_open = mem_cursor_open,
        .cursor_close = mem_cursor_close,
        .cursor_move = mem_cursor_move,
        .info = mem_info,
        .sync = mem_sync,
};
