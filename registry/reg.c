/*
 * reg.c - the identifier registry: open/init, write transactions, records, reads, listing and
 * counters. Hosted prefixes are in pfx.c, the journal and the audit in jrn.c; reg_int.h holds
 * what the three share.
 *
 * Databases (store.h):
 *   meta      "schema" -> u32 REG_SCHEMA_VERSION; "node_prefix" -> its spelling; "jrn_head" ->
 *             u64 seq + 32-byte hash of the last journal entry (absent before the first entry
 *             = seq 0, all-zero hash); "created" -> u64 unix seconds. reg_open refuses a
 *             directory without "schema" (IDR_ENOTINIT) or with another version (IDR_ESCHEMA).
 *   handles   ident_fold(identifier) -> stored record (rec.h); the header seq is the journal
 *             entry that last wrote the record (known before writing: head + 1). LMDB keys
 *             hold at most STORE_KEY_MAX (511) bytes, identifiers up to 2048: a longer folded
 *             identifier is stored under its first 478 bytes | 0x00 | SHA-256 of all of it
 *             (reg_key; 0x00 never occurs in an identifier, and the head keeps the prefix so
 *             listing by prefix still works). Hosted prefixes are at most PFX_MAX_LEN
 *             bytes, so prefix and stats keys always fit.
 *   prefixes  ident_fold(prefix) -> prefix record (pfx.h).
 *   journal   u64 big-endian seq -> entry (jrn.h); one entry per change, full payloads.
 *   stats     ident_fold(prefix of the identifier) | 0x00 | u8 kind -> u64 big-endian count;
 *             a counter that drops to 0 is deleted, so reg_stats lists prefixes with records.
 *   templates ident_fold(prefix) | 0x00 | version -> stored metadata template (model/tmpl.h,
 *             reg_tmpl.c); journaled as JRN_OP_TEMPLATE with the prefix as identifier.
 *
 * Writes. Every change encodes the new record once, straight into the transaction's change
 * buffer (jrn_change_begin), BEFORE any store write: the values of an existing record borrow
 * store memory that the next write invalidates. A create is one store_put with
 * STORE_NOOVERWRITE; on an existing key the stored record comes back and is compared with
 * rec_same_content (timestamps ignored): identical is REG_UNCHANGED with nothing written,
 * different is IDR_ECONFLICT. Counter deltas collect in a hash map in the transaction and are
 * flushed, with meta "jrn_head", right before commit, so a batch of 10,000 creates writes each
 * counter once. Buffers live in the transaction: no allocation per record once they grew.
 *
 * Record rules (on top of reg.h):
 *  - create: the identifier's prefix (for a prefix handle 0.NA/<p>: <p>) must be hosted and
 *    enabled (IDR_EPFX_UNKNOWN / IDR_EPFX_DISABLED). Caller values need an index in
 *    1..2^31-1, unique (IDR_EREC_INDEX), a type of 1..1024 bytes of UTF-8 without control
 *    characters (IDR_EREC_TYPE), ttl_type 0 or 1 (IDR_EINVAL), at most 2048 values
 *    (IDR_EREC_TOOMANY). Value timestamps become now unless REG_KEEP_TIMESTAMPS.
 *  - kind: a record's kind is its index-10 value when that value has type ITEM_KIND (ASCII
 *    case-insensitive). An item (kind != NONE) gets that value if absent; present, it must
 *    name the same kind (IDR_EREC_KIND). reg_create with REC_KIND_NONE and an ITEM_KIND value
 *    creates an item of that kind. Removing an item's kind value is IDR_EREC_RESERVED;
 *    modifying it to another valid kind moves the record to that kind (header byte and
 *    counters); to anything else is IDR_EREC_KIND. Prefix handles are never items
 *    (IDR_EREC_RESERVED).
 *  - a created record without index 100 gets HS_ADMIN (index 100, perms 0x0FF3 = all but
 *    ADD_NA/DELETE_NA, VALUE_ADMIN_ALL for a prefix handle; admin 0.NA/<prefix> index 300).
 *  - add/modify/remove/delete keep the registered spelling; requests with a repeated index are
 *    IDR_EREC_INDEX; an empty request is IDR_EINVAL. The hosting rule applies to creates
 *    only: existing records stay changeable and deletable whatever their prefix's state (a
 *    prefix in state 2 待删除 is emptied by deletes).
 */
#include "reg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "base/rbuf.h"
#include "base/text.h"
#include "jrn.h"
#include "model/ident.h"
#include "model/rec.h"
#include "pfx.h"
#include "reg_int.h"
#include "store/store.h"

/* HS_ADMIN of an item: everything except creating/deleting prefixes (0x0FF3) */
#define ITEM_ADMIN_PERMS (VALUE_ADMIN_ALL & ~(VALUE_ADMIN_ADD_NA | VALUE_ADMIN_DELETE_NA))
#define ADMIN_KEY_INDEX  VALUE_INDEX_PUBKEY /* admins prove 0.NA/<prefix> index 300 */
#define ADMIN_TYPE       "HS_ADMIN"
/* change bytes: op + UTF8 identifier + UTF8 payload; the entry adds the rest and the key */
#define CHANGE_BUF_MAX ((size_t)1 + 4 + IDENT_HARD_MAX + 4 + JRN_MAX_PAYLOAD)
#define ENTRY_BUF_MAX  (JRN_KEY_LEN + JRN_FIXED_LEN + JRN_MAX_IDENTITY + CHANGE_BUF_MAX)
#define VALS_MIN_CAP   64
#define STATMAP_MIN    16

/* ---------------------------------------------------------------- small helpers */

uint64_t
reg_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		return 0;
	}
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint32_t
reg_now_s(void)
{
	return (uint32_t)(reg_now_ms() / 1000u);
}

static uint64_t
load_be64(const uint8_t *p)
{
	struct rbuf r;

	rbuf_init(&r, p, 8);
	return rbuf_u64(&r);
}

static void
store_be64(uint8_t *p, uint64_t v)
{
	struct wbuf w;

	wbuf_init(&w, p, 8);
	wbuf_u64(&w, v);
}

int
reg_wtxn_fail(struct reg_wtxn *w, int rc)
{
	if (rc != IDR_OK && w->failed == IDR_OK) {
		w->failed = rc;
		log_err("registry: write transaction failed, it will be rolled back: %s",
		        idr_strerror(rc));
	}
	return rc;
}

static int
text_check(struct slice s)
{
	bool ctrl = false;

	if (text_utf8_check(s.p, s.len, NULL, &ctrl) != IDR_OK) {
		return IDR_EUTF8;
	}
	return ctrl ? IDR_ECTRL : IDR_OK;
}

int
reg_key(struct slice folded, uint8_t *buf, struct slice *out)
{
	uint8_t h[CRYPTO_SHA256_LEN];
	int rc;

	if (folded.len <= STORE_KEY_MAX) {
		*out = folded;
		return IDR_OK;
	}
	rc = crypto_sha256(folded.p, folded.len, h);
	if (rc != IDR_OK) {
		return rc;
	}
	memmove(buf, folded.p, REG_KEY_HEAD);
	buf[REG_KEY_HEAD] = 0;
	memcpy(buf + REG_KEY_HEAD + 1, h, CRYPTO_SHA256_LEN);
	*out = slice_make(buf, STORE_KEY_MAX);
	return IDR_OK;
}

/* ---------------------------------------------------------------- counter deltas */

size_t
reg_stat_key(uint8_t *buf, struct slice folded_prefix, uint8_t kind)
{
	memcpy(buf, folded_prefix.p, folded_prefix.len);
	buf[folded_prefix.len] = 0;
	buf[folded_prefix.len + 1] = kind;
	return folded_prefix.len + 2;
}

static uint64_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h = (h ^ p[i]) * 1099511628211ULL;
	}
	return h;
}

static int
statmap_grow(struct reg_statmap *m)
{
	size_t ncap = m->cap != 0 ? m->cap * 2 : STATMAP_MIN, i;
	struct reg_statslot *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL) {
		return IDR_ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (m->slots[i].key == NULL) {
			continue;
		}
		j = m->slots[i].hash & (ncap - 1);
		while (ns[j].key != NULL) {
			j = (j + 1) & (ncap - 1);
		}
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return IDR_OK;
}

int
reg_statmap_add(struct reg_statmap *m, struct slice folded_prefix, uint8_t kind, int64_t delta)
{
	uint8_t key[REG_STAT_KEY_MAX];
	size_t len, i;
	uint64_t h;

	if (folded_prefix.len > IDENT_HARD_MAX) {
		return IDR_EID_HARDLIMIT;
	}
	if ((m->used + 1) * 2 > m->cap && statmap_grow(m) != IDR_OK) {
		return IDR_ENOMEM;
	}
	len = reg_stat_key(key, folded_prefix, kind);
	h = hash_bytes(key, len);
	for (i = h & (m->cap - 1); m->slots[i].key != NULL; i = (i + 1) & (m->cap - 1)) {
		struct reg_statslot *s = &m->slots[i];

		if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) {
			s->delta += delta;
			return IDR_OK;
		}
	}
	m->slots[i].key = malloc(len);
	if (m->slots[i].key == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(m->slots[i].key, key, len);
	m->slots[i].len = len;
	m->slots[i].hash = h;
	m->slots[i].delta = delta;
	m->used++;
	return IDR_OK;
}

void
reg_statmap_deinit(struct reg_statmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->slots[i].key);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* Apply one delta to the stored counter; a counter reaching 0 is deleted. */
static int
stat_apply(struct store_txn *t, struct slice key, int64_t delta)
{
	uint64_t cur = 0, down;
	uint8_t buf[8];
	struct slice v;
	int rc;

	rc = store_get(t, STORE_DB_STATS, key, &v);
	if (rc == IDR_OK && v.len == 8) {
		cur = load_be64(v.p);
	} else if (rc == IDR_OK) {
		log_warn("registry: malformed counter in stats (%zu bytes), recounting from 0",
		         v.len);
	} else if (rc != IDR_ENOENT) {
		return rc;
	}
	if (delta >= 0) {
		cur += (uint64_t)delta;
	} else {
		down = (uint64_t)0 - (uint64_t)delta;
		if (down > cur) {
			log_warn("registry: counter would drop below zero (%" PRIu64 " - %" PRIu64
			         "), kept at 0",
			         cur, down);
		}
		cur = down > cur ? 0 : cur - down;
	}
	if (cur == 0) {
		rc = store_del(t, STORE_DB_STATS, key);
		return rc == IDR_ENOENT ? IDR_OK : rc;
	}
	store_be64(buf, cur);
	return store_put(t, STORE_DB_STATS, key, slice_make(buf, 8), 0, NULL);
}

static int
stats_flush(struct reg_wtxn *w)
{
	size_t i;

	for (i = 0; i < w->stats.cap; i++) {
		const struct reg_statslot *s = &w->stats.slots[i];
		int rc;

		if (s->key == NULL || s->delta == 0) {
			continue;
		}
		rc = stat_apply(w->txn, slice_make(s->key, s->len), s->delta);
		if (rc != IDR_OK) {
			return reg_wtxn_fail(w, rc);
		}
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- open, init, close */

/* True if dir already holds an LMDB environment (its map size is then recorded in it). */
static bool
store_exists(const char *dir)
{
	char path[4096];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/data.mdb", dir);

	return n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0;
}

static int
open_store(const struct reg_opts *o, bool create, struct store **out)
{
	struct store_opts so;

	if (!o->memory && (o->data_dir == NULL || o->data_dir[0] == '\0')) {
		return IDR_EINVAL;
	}
	memset(&so, 0, sizeof(so));
	so.backend = o->memory ? STORE_BACKEND_MEMORY : STORE_BACKEND_LMDB;
	so.path = o->data_dir;
	so.map_size = o->map_size;
	if (so.map_size == 0 && create && !o->memory && !store_exists(o->data_dir)) {
		so.map_size = REG_DEFAULT_MAPSIZE; /* a new store; an existing one keeps its own */
	}
	so.max_readers = o->max_readers;
	so.read_only = o->read_only && !create;
	so.no_lock = so.read_only && o->no_lock;
	so.create = create;
	so.no_sync = o->no_sync;
	so.random = o->random;
	return store_open(out, &so);
}

static int
reg_new(struct store *s, bool own, const struct reg_opts *o, struct reg **out)
{
	struct reg *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		return IDR_ENOMEM;
	}
	r->store = s;
	r->own_store = own;
	r->read_only = o->read_only;
	r->id_opts.max_chars = o->max_id_chars;
	r->id_opts.allow_no_slash = false;
	*out = r;
	return IDR_OK;
}

/* Check the schema and load the node prefix. */
static int
meta_check(struct store_txn *t, struct reg *r)
{
	struct slice v;
	struct rbuf rb;
	int rc;

	rc = store_get(t, STORE_DB_META, SLICE_LIT(REG_META_SCHEMA), &v);
	if (rc == IDR_ENOENT) {
		return IDR_ENOTINIT;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	rbuf_init(&rb, v.p, v.len);
	if (v.len != 4 || rbuf_u32(&rb) != REG_SCHEMA_VERSION) {
		log_err("registry: data directory schema is not version %d", REG_SCHEMA_VERSION);
		return IDR_ESCHEMA;
	}
	rc = store_get(t, STORE_DB_META, SLICE_LIT(REG_META_NODE_PREFIX), &v);
	if (rc == IDR_ENOENT) {
		return IDR_ENOTINIT;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (ident_prefix_check(v) != IDR_OK) {
		log_err("registry: meta node_prefix is not a valid prefix");
		return IDR_ESCHEMA;
	}
	memcpy(r->node_prefix, v.p, v.len);
	r->node_prefix[v.len] = '\0';
	return IDR_OK;
}

static int
meta_load(struct reg *r)
{
	struct store_txn *t;
	int rc;

	rc = store_txn_begin(r->store, STORE_TXN_READ, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = meta_check(t, r);
	store_txn_abort(t);
	return rc;
}

int
reg_open_store(struct reg **out, struct store *s, const struct reg_opts *o)
{
	struct reg *r;
	int rc;

	*out = NULL;
	rc = reg_new(s, false, o, &r);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = meta_load(r);
	if (rc != IDR_OK) {
		reg_close(r);
		return rc;
	}
	*out = r;
	return IDR_OK;
}

int
reg_open(struct reg **out, const struct reg_opts *o)
{
	struct store *s;
	struct reg *r;
	int rc;

	*out = NULL;
	rc = open_store(o, false, &s);
	if (rc == IDR_ENOENT) {
		return IDR_ENOTINIT;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_new(s, true, o, &r);
	if (rc != IDR_OK) {
		store_close(s);
		return rc;
	}
	rc = meta_load(r);
	if (rc != IDR_OK) {
		reg_close(r);
		return rc;
	}
	*out = r;
	return IDR_OK;
}

static int
meta_write(struct reg_wtxn *w, struct slice node_prefix)
{
	uint8_t schema[4], created[8];
	struct wbuf b;
	int rc;

	wbuf_init(&b, schema, sizeof(schema));
	wbuf_u32(&b, REG_SCHEMA_VERSION);
	store_be64(created, reg_now_ms() / 1000u);
	rc = store_put(w->txn, STORE_DB_META, SLICE_LIT(REG_META_SCHEMA), slice_make(schema, 4), 0,
	               NULL);
	if (rc == IDR_OK) {
		rc = store_put(w->txn, STORE_DB_META, SLICE_LIT(REG_META_NODE_PREFIX), node_prefix,
		               0, NULL);
	}
	if (rc == IDR_OK) {
		rc = store_put(w->txn, STORE_DB_META, SLICE_LIT(REG_META_CREATED),
		               slice_make(created, 8), 0, NULL);
	}
	return reg_wtxn_fail(w, rc);
}

/* Record the map size asked for: the write also makes LMDB persist it for later openers. */
static int
meta_map_size(struct reg_wtxn *w, uint64_t map_size)
{
	uint8_t v[8];

	if (map_size == 0) {
		return IDR_OK;
	}
	store_be64(v, map_size);
	return reg_wtxn_fail(w, store_put(w->txn, STORE_DB_META, SLICE_LIT(REG_META_MAP_SIZE),
	                                  slice_make(v, 8), 0, NULL));
}

/* In one write transaction: already initialised (same node?) or initialise now. */
static int
init_store(struct reg *r, struct slice node_prefix, struct slice owner, uint64_t map_size)
{
	struct reg_wtxn *w;
	int rc;

	rc = reg_write_begin(r, REG_IDENTITY_LOCAL, &w);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = meta_check(w->txn, r);
	if (rc == IDR_OK) {
		bool same = slice_caseeq(slice_cstr(r->node_prefix), node_prefix);

		if (!same || map_size == 0) {
			reg_write_abort(w);
			return same ? IDR_OK : IDR_EPFX_DIFFNODE;
		}
		rc = meta_map_size(w, map_size);
		if (rc != IDR_OK) {
			reg_write_abort(w);
			return rc;
		}
		return reg_write_commit(w);
	}
	if (rc != IDR_ENOTINIT) {
		reg_write_abort(w);
		return rc;
	}
	rc = slice_to_cstr(node_prefix, r->node_prefix, sizeof(r->node_prefix));
	if (rc == IDR_OK) {
		rc = meta_write(w, node_prefix);
	}
	if (rc == IDR_OK) {
		rc = meta_map_size(w, map_size);
	}
	if (rc == IDR_OK) {
		rc = reg_prefix_host_node(w, node_prefix, owner);
	}
	if (rc != IDR_OK) {
		reg_write_abort(w);
		return rc;
	}
	return reg_write_commit(w);
}

int
reg_init(struct reg **out, const struct reg_opts *o, const char *node_prefix, const char *owner)
{
	struct slice pfx = slice_cstr(node_prefix), own = slice_cstr(owner);
	struct store *s;
	struct reg *r;
	int rc;

	*out = NULL;
	rc = ident_prefix_check(pfx);
	if (rc != IDR_OK) {
		return rc;
	}
	if (pfx.len > PFX_MAX_LEN || own.len > PFX_MAX_OWNER) {
		return IDR_ELIMIT;
	}
	rc = text_check(own);
	if (rc != IDR_OK) {
		return rc;
	}
	if (o->read_only) {
		return IDR_EACCES;
	}
	rc = open_store(o, true, &s);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_new(s, true, o, &r);
	if (rc != IDR_OK) {
		store_close(s);
		return rc;
	}
	rc = init_store(r, pfx, own, o->memory ? 0 : o->map_size);
	if (rc != IDR_OK) {
		reg_close(r);
		return rc;
	}
	*out = r;
	return IDR_OK;
}

void
reg_close(struct reg *r)
{
	if (r == NULL) {
		return;
	}
	if (r->own_store) {
		store_close(r->store);
	}
	free(r);
}

const char *
reg_node_prefix(const struct reg *r)
{
	return r->node_prefix;
}

const char *
reg_strerror(const struct reg *r, int rc, char *buf, size_t cap)
{
	if (rc == IDR_ENOSPC || rc == IDR_EIO) {
		return reg_write_strerror(rc); /* with what to do about it */
	}
	return ident_strerror(rc, r != NULL ? &r->id_opts : NULL, buf, cap);
}

struct store *
reg_store(struct reg *r)
{
	return r->store;
}

int
reg_sync(struct reg *r)
{
	return store_sync(r->store);
}

/* ---------------------------------------------------------------- write transactions */

static void
wtxn_free(struct reg_wtxn *w)
{
	store_txn_abort(w->txn);
	wbuf_deinit(&w->chg);
	wbuf_deinit(&w->jrn);
	reg_statmap_deinit(&w->stats);
	tmpl_free(w->tmpl_cache);
	free(w->vals);
	free(w->identity);
	free(w);
}

/* The journal identity rules; id becomes the checked slice. */
static int
identity_check(const char *identity, struct slice *id)
{
	*id = identity != NULL ? slice_cstr(identity) : SLICE_LIT(REG_IDENTITY_LOCAL);
	if (id->len == 0) {
		return IDR_EINVAL;
	}
	if (id->len > JRN_MAX_IDENTITY) {
		return IDR_ELIMIT;
	}
	return text_check(*id);
}

int
reg_write_identity(struct reg_wtxn *w, const char *identity)
{
	struct slice id;
	char *copy;
	int rc = identity_check(identity, &id);

	if (rc != IDR_OK) {
		return rc;
	}
	copy = slice_strdup(id);
	if (copy == NULL) {
		return IDR_ENOMEM;
	}
	free(w->identity);
	w->identity = copy;
	return IDR_OK;
}

int
reg_map_adopt(struct reg *r, bool *grown)
{
	return store_map_adopt(r->store, grown);
}

int
reg_write_status(const struct reg_wtxn *w)
{
	return w->failed;
}

bool
reg_read_only(const struct reg *r)
{
	return r->read_only;
}

int
reg_write_begin(struct reg *r, const char *identity, struct reg_wtxn **out)
{
	struct reg_wtxn *w;
	struct slice id;
	int rc;

	*out = NULL;
	if (r->read_only) {
		return IDR_EACCES;
	}
	rc = identity_check(identity, &id);
	if (rc != IDR_OK) {
		return rc;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return IDR_ENOMEM;
	}
	w->reg = r;
	wbuf_init_heap(&w->chg, CHANGE_BUF_MAX);
	wbuf_init_heap(&w->jrn, ENTRY_BUF_MAX);
	w->identity = slice_strdup(id);
	if (w->identity == NULL) {
		wtxn_free(w);
		return IDR_ENOMEM;
	}
	rc = store_txn_begin(r->store, STORE_TXN_WRITE, &w->txn);
	if (rc == IDR_OK) {
		rc = jrn_head_load(w->txn, &w->head);
	}
	if (rc != IDR_OK) {
		wtxn_free(w);
		return rc;
	}
	*out = w;
	return IDR_OK;
}

int
reg_jrn_append(struct reg_wtxn *w)
{
	int rc = wbuf_error(&w->chg);

	if (rc == IDR_OK) {
		rc = jrn_append(w->txn, &w->head, slice_cstr(w->identity), reg_now_ms(),
		                wbuf_slice(&w->chg), &w->jrn);
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	w->changes++;
	return IDR_OK;
}

int
reg_write_commit(struct reg_wtxn *w)
{
	int rc = w->failed;

	if (rc == IDR_OK) {
		rc = stats_flush(w);
	}
	if (rc == IDR_OK && w->changes > 0) {
		rc = reg_wtxn_fail(w, jrn_head_store(w->txn, &w->head));
	}
	if (rc == IDR_OK) {
		rc = store_txn_commit(w->txn);
		w->txn = NULL;
	}
	wtxn_free(w);
	return rc;
}

void
reg_write_abort(struct reg_wtxn *w)
{
	if (w != NULL) {
		wtxn_free(w);
	}
}

const char *
reg_write_strerror(int rc)
{
	switch (rc) {
	case IDR_ENOSPC:
		return "no space left: the store reached its map size (grow it with `idr init "
		       "--node-prefix PREFIX --map-size SIZE`, e.g. twice the map size `idr stats` "
		       "shows) or the disk is full (make room on the file system of the data "
		       "directory); the change was not written";
	case IDR_EIO:
		return "input/output error: the disk may be full or failing (check free space with "
		       "df and the kernel log); the change was not written";
	default:
		return idr_strerror(rc);
	}
}

size_t
reg_write_changes(const struct reg_wtxn *w)
{
	return w->changes;
}

/* ---------------------------------------------------------------- values */

static int
vals_reserve(struct reg_wtxn *w, size_t n)
{
	struct value *nv;
	size_t cap;

	if (n <= w->vcap) {
		return IDR_OK;
	}
	cap = n < VALS_MIN_CAP ? VALS_MIN_CAP : n;
	nv = realloc(w->vals, cap * sizeof(*nv));
	if (nv == NULL) {
		return IDR_ENOMEM;
	}
	w->vals = nv;
	w->vcap = cap;
	return IDR_OK;
}

/* Binary search in v[0..n) sorted by index. */
static struct value *
find_index(struct value *v, size_t n, uint32_t index)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].index == index) {
			return &v[mid];
		}
		if (v[mid].index < index) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

static int
value_check(const struct value *v)
{
	int rc;

	if (v->index == 0 || v->index > INT32_MAX) {
		return IDR_EREC_INDEX;
	}
	if (v->type.len == 0 || v->type.len > VALUE_MAX_TYPE) {
		return IDR_EREC_TYPE;
	}
	rc = text_check(v->type);
	if (rc != IDR_OK) {
		return IDR_EREC_TYPE;
	}
	if (v->ttl_type != VALUE_TTL_RELATIVE && v->ttl_type != VALUE_TTL_ABSOLUTE) {
		return IDR_EINVAL;
	}
	if (v->data.len > VALUE_MAX_ARRAY || v->nrefs > VALUE_MAX_REFS) {
		return IDR_ELIMIT;
	}
	return IDR_OK;
}

/*
 * Copy request values into w->vals[base..base+n), checked, stamped (unless keep) and sorted;
 * a repeated index is IDR_EREC_INDEX. w->vals must have room.
 */
static int
request_values(struct reg_wtxn *w, size_t base, const struct value *values, size_t n, bool keep)
{
	struct value *dst = w->vals + base;
	uint32_t now = reg_now_s();
	size_t i;

	for (i = 0; i < n; i++) {
		int rc = value_check(&values[i]);

		if (rc != IDR_OK) {
			return rc;
		}
		dst[i] = values[i];
		if (!keep) {
			dst[i].timestamp = now;
		}
	}
	rec_values_sort(dst, n);
	for (i = 1; i < n; i++) {
		if (dst[i].index == dst[i - 1].index) {
			return IDR_EREC_INDEX;
		}
	}
	return IDR_OK;
}

static bool
is_kind_value(const struct value *v)
{
	return v != NULL && slice_caseeq_cstr(v->type, REC_KIND_TYPE);
}

/*
 * Kind of a changed record (values sorted): its ITEM_KIND value at index 10; an item must keep
 * one (removed: IDR_EREC_RESERVED, another type: IDR_EREC_KIND).
 */
static int
values_kind(struct value *v, size_t n, bool zero_na, enum rec_kind old, enum rec_kind *out)
{
	struct value *kv = find_index(v, n, REC_KIND_INDEX);

	if (is_kind_value(kv)) {
		if (rec_kind_parse(kv->data, out) != IDR_OK) {
			return IDR_EREC_KIND;
		}
		return zero_na ? IDR_EREC_RESERVED : IDR_OK;
	}
	if (old != REC_KIND_NONE) {
		return kv != NULL ? IDR_EREC_KIND : IDR_EREC_RESERVED;
	}
	*out = REC_KIND_NONE;
	return IDR_OK;
}

/* Append an HS_ADMIN value naming 0.NA/<prefix> index 300 (data kept in w->admin). */
static int
admin_append(struct reg_wtxn *w, size_t *n, struct slice prefix, uint16_t perms, uint32_t now)
{
	char handle[IDENT_HARD_MAX + sizeof(IDENT_ZERO_NA) + 1];
	struct value_admin a;
	struct value *v = &w->vals[*n];
	struct wbuf wb;
	int rc;

	rc = ident_zero_na(prefix, handle, sizeof(handle));
	if (rc != IDR_OK) {
		return rc;
	}
	a.perms = perms;
	a.handle = slice_cstr(handle);
	a.index = ADMIN_KEY_INDEX;
	wbuf_init(&wb, w->admin, sizeof(w->admin));
	value_admin_encode(&wb, &a);
	if (wbuf_error(&wb) != IDR_OK) {
		return wbuf_error(&wb);
	}
	memset(v, 0, sizeof(*v));
	v->index = VALUE_INDEX_ADMIN;
	v->timestamp = now;
	v->ttl_type = VALUE_TTL_RELATIVE;
	v->ttl = VALUE_DEFAULT_TTL;
	v->perms = VALUE_PERM_DEFAULT;
	v->type = SLICE_LIT(ADMIN_TYPE);
	v->data = wbuf_slice(&wb);
	(*n)++;
	return IDR_OK;
}

/* Kind rules of a create (values sorted); may append the kind value. */
static int
create_kind(struct reg_wtxn *w, size_t *n, bool zero_na, enum rec_kind *kind, uint32_t now)
{
	struct value *kv = find_index(w->vals, *n, REC_KIND_INDEX), *v;
	enum rec_kind k;

	if (is_kind_value(kv)) {
		if (rec_kind_parse(kv->data, &k) != IDR_OK ||
		    (*kind != REC_KIND_NONE && k != *kind)) {
			return IDR_EREC_KIND;
		}
		*kind = k;
		return zero_na ? IDR_EREC_RESERVED : IDR_OK;
	}
	if (*kind == REC_KIND_NONE) {
		return IDR_OK;
	}
	if (kv != NULL) {
		return IDR_EREC_KIND; /* index 10 is the kind of an item */
	}
	v = &w->vals[(*n)++];
	memset(v, 0, sizeof(*v));
	v->index = REC_KIND_INDEX;
	v->timestamp = now;
	v->ttl_type = VALUE_TTL_RELATIVE;
	v->ttl = VALUE_DEFAULT_TTL;
	v->perms = VALUE_PERM_DEFAULT;
	v->type = SLICE_LIT(REC_KIND_TYPE);
	v->data = slice_cstr(rec_kind_name(*kind));
	return IDR_OK;
}

/* ---------------------------------------------------------------- record writes */

/* Encode the record as the payload of a change; nothing is written to the store. */
static int
change_record(struct reg_wtxn *w, int op, struct slice handle, enum rec_kind kind, size_t nv,
              struct slice *payload)
{
	size_t mark = jrn_change_begin(&w->chg, op, handle);
	int rc = rec_encode(&w->chg, kind, w->head.seq + 1, handle, w->vals, nv);

	*payload = jrn_change_end(&w->chg, mark);
	if (rc == IDR_OK) {
		rc = wbuf_error(&w->chg);
	}
	return rc;
}

static int
create_existing(struct slice existing, struct slice payload, enum reg_outcome *outcome)
{
	struct rec_view a, b;
	int rc;

	rc = rec_view_parse(existing, &a);
	if (rc != IDR_OK) {
		log_err("registry: stored record is malformed: %s", idr_strerror(rc));
		return rc;
	}
	rc = rec_view_parse(payload, &b);
	if (rc != IDR_OK) {
		return rc;
	}
	if (!rec_same_content(&a, &b)) {
		return IDR_ECONFLICT;
	}
	if (outcome != NULL) {
		*outcome = REG_UNCHANGED;
	}
	return IDR_OK;
}

/*
 * A create under a prefix that is not (or no longer) open for registration: an identical
 * record already there is still an idempotent success (re-running an import, restoring an
 * export); anything else fails with the prefix rule prc.
 */
static int
create_unchanged(struct reg_wtxn *w, struct slice handle, struct slice key, enum rec_kind kind,
                 size_t nv, int prc, enum reg_outcome *outcome)
{
	struct slice payload, existing;
	int rc;

	rc = store_get(w->txn, STORE_DB_HANDLES, key, &existing);
	if (rc != IDR_OK) {
		return rc == IDR_ENOENT ? prc : rc;
	}
	rc = change_record(w, JRN_OP_CREATE, handle, kind, nv, &payload);
	if (rc == IDR_OK) {
		rc = create_existing(existing, payload, outcome);
	}
	return rc == IDR_ECONFLICT ? prc : rc;
}

/* Store a new record from w->vals[0..nv): one put with STORE_NOOVERWRITE. */
static int
create_put(struct reg_wtxn *w, struct slice handle, struct slice key, size_t prefix_len,
           enum rec_kind kind, size_t nv, enum reg_outcome *outcome)
{
	struct slice payload, existing;
	int rc;

	rc = change_record(w, JRN_OP_CREATE, handle, kind, nv, &payload);
	if (rc != IDR_OK) {
		return rc;
	}
	/*
	 * Append first: identifiers registered in key order (an import, a serial counter) then
	 * fill their pages, where plain puts leave each split page part empty (~1/6 of the
	 * `handles` pages for 600-byte records). A key that does not sort last gives IDR_EEXIST
	 * with no existing value, and the ordinary put follows.
	 */
	rc = store_put(w->txn, STORE_DB_HANDLES, key, payload, STORE_NOOVERWRITE | STORE_APPEND,
	               &existing);
	if (rc == IDR_EEXIST && existing.p == NULL) {
		rc = store_put(w->txn, STORE_DB_HANDLES, key, payload, STORE_NOOVERWRITE,
		               &existing);
	}
	if (rc == IDR_EEXIST) {
		return create_existing(existing, payload, outcome);
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	rc = reg_jrn_append(w);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_statmap_add(&w->stats, slice_make(key.p, prefix_len), (uint8_t)kind, 1);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	if (outcome != NULL) {
		*outcome = REG_CREATED;
	}
	return IDR_OK;
}

/* Replace a record by w->vals[0..nv) and move its counter if the kind changed. */
static int
update_put(struct reg_wtxn *w, int op, struct slice handle, struct slice key, size_t prefix_len,
           enum rec_kind old, enum rec_kind kind, size_t nv)
{
	struct slice payload;
	int rc;

	rc = change_record(w, op, handle, kind, nv, &payload);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_put(w->txn, STORE_DB_HANDLES, key, payload, 0, NULL);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	rc = reg_jrn_append(w);
	if (rc != IDR_OK || old == kind) {
		return rc;
	}
	rc = reg_statmap_add(&w->stats, slice_make(key.p, prefix_len), (uint8_t)old, -1);
	if (rc == IDR_OK) {
		rc = reg_statmap_add(&w->stats, slice_make(key.p, prefix_len), (uint8_t)kind, 1);
	}
	return reg_wtxn_fail(w, rc);
}

static int
create_values(struct reg_wtxn *w, const struct ident *id, enum rec_kind *kind,
              const struct value *values, size_t n, unsigned flags, size_t *nv)
{
	struct slice served = id->zero_na ? id->suffix : id->prefix;
	uint32_t now = reg_now_s();
	int rc;

	if (n > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	rc = vals_reserve(w, n + 2);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = request_values(w, 0, values, n, (flags & REG_KEEP_TIMESTAMPS) != 0);
	if (rc != IDR_OK) {
		return rc;
	}
	*nv = n;
	rc = create_kind(w, nv, id->zero_na, kind, now);
	if (rc != IDR_OK) {
		return rc;
	}
	if (find_index(w->vals, n, VALUE_INDEX_ADMIN) == NULL) {
		rc = admin_append(w, nv, served, id->zero_na ? VALUE_ADMIN_ALL : ITEM_ADMIN_PERMS,
		                  now);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	if (*nv > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	if (*nv != n) {
		rec_values_sort(w->vals, *nv);
	}
	return IDR_OK;
}

static int
wtxn_usable(const struct reg_wtxn *w)
{
	return w->failed;
}

int
reg_create(struct reg_wtxn *w, struct slice id, enum rec_kind kind, const struct value *values,
           size_t n, unsigned flags, enum reg_outcome *outcome)
{
	uint8_t key[IDENT_HARD_MAX];
	struct ident ident;
	struct slice skey;
	size_t nv;
	int rc, prc;

	rc = wtxn_usable(w);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = ident_parse(&ident, id.p, id.len, &w->reg->id_opts);
	if (rc != IDR_OK) {
		return rc;
	}
	if ((unsigned)kind >= REC_KIND_COUNT) {
		return IDR_EREC_KIND;
	}
	if (ident.zero_na && kind != REC_KIND_NONE) {
		return IDR_EREC_RESERVED;
	}
	prc = reg_prefix_served(w, ident.zero_na ? ident.suffix : ident.prefix);
	rc = create_values(w, &ident, &kind, values, n, flags, &nv);
	if (rc != IDR_OK) {
		return prc != IDR_OK ? prc : rc;
	}
	ident_fold(ident.full.p, ident.full.len, key);
	rc = reg_key(slice_make(key, ident.full.len), key, &skey);
	if (rc != IDR_OK) {
		return rc;
	}
	if (prc != IDR_OK) {
		return create_unchanged(w, ident.full, skey, kind, nv, prc, outcome);
	}
	if (!ident.zero_na) {
		rc = reg_tmpl_check_create(w, ident.prefix, w->vals, nv);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	return create_put(w, ident.full, skey, ident.prefix.len, kind, nv, outcome);
}

int
reg_prefix_handle_create(struct reg_wtxn *w, struct slice prefix)
{
	char name[IDENT_HARD_MAX + sizeof(IDENT_ZERO_NA) + 1];
	uint8_t key[sizeof(name)];
	struct slice handle, skey;
	size_t nv = 0;
	int rc;

	rc = ident_zero_na(prefix, name, sizeof(name));
	if (rc != IDR_OK) {
		return rc;
	}
	handle = slice_cstr(name);
	if (handle.len > IDENT_HARD_MAX) {
		return IDR_EID_HARDLIMIT;
	}
	rc = vals_reserve(w, 1);
	if (rc == IDR_OK) {
		rc = admin_append(w, &nv, prefix, VALUE_ADMIN_ALL, reg_now_s());
	}
	if (rc != IDR_OK) {
		return rc;
	}
	ident_fold(handle.p, handle.len, key);
	rc = reg_key(slice_make(key, handle.len), key, &skey);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = create_put(w, handle, skey, sizeof(IDENT_ZERO_NA) - 1, REC_KIND_NONE, nv, NULL);
	/* a prefix handle already there (e.g. with more values) is kept as it is */
	return rc == IDR_ECONFLICT ? IDR_OK : rc;
}

/* The record being changed: parsed identifier, folded key, view, decoded values. */
struct target {
	struct ident id;
	uint8_t buf[IDENT_HARD_MAX];
	struct slice key; /* store key, in buf */
	struct rec_view view;
	size_t nv;
};

/* Look a record up and decode its values into w->vals[0..nv) leaving room for extra more. */
static int
target_load(struct reg_wtxn *w, struct slice id, size_t extra, struct target *t)
{
	struct slice stored;
	int rc;

	rc = wtxn_usable(w);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = ident_parse(&t->id, id.p, id.len, &w->reg->id_opts);
	if (rc != IDR_OK) {
		return rc;
	}
	if (extra == 0) {
		return IDR_EINVAL; /* an empty request */
	}
	if (extra > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	ident_fold(id.p, id.len, t->buf);
	rc = reg_key(slice_make(t->buf, id.len), t->buf, &t->key);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_get(w->txn, STORE_DB_HANDLES, t->key, &stored);
	if (rc == IDR_OK) {
		rc = rec_view_parse(stored, &t->view);
	}
	if (rc == IDR_OK) {
		rc = vals_reserve(w, (size_t)t->view.nvalues + extra);
	}
	if (rc == IDR_OK) {
		rc = rec_values(&t->view, w->vals, w->vcap, &t->nv);
	}
	return rc;
}

static int
target_store(struct reg_wtxn *w, struct target *t, int op, size_t nv)
{
	enum rec_kind old = (enum rec_kind)t->view.kind, kind = old;
	int rc;

	rc = values_kind(w->vals, nv, t->id.zero_na, old, &kind);
	if (rc != IDR_OK) {
		return rc;
	}
	return update_put(w, op, t->view.handle, t->key, t->id.prefix.len, old, kind, nv);
}

int
reg_add_values(struct reg_wtxn *w, struct slice id, const struct value *values, size_t n)
{
	struct target t;
	size_t i;
	int rc;

	rc = target_load(w, id, n, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = request_values(w, t.nv, values, n, false);
	if (rc != IDR_OK) {
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (find_index(w->vals, t.nv, w->vals[t.nv + i].index) != NULL) {
			return IDR_EEXIST;
		}
	}
	if (t.nv + n > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	rec_values_sort(w->vals, t.nv + n);
	return target_store(w, &t, JRN_OP_ADD_VALUES, t.nv + n);
}

int
reg_modify_values(struct reg_wtxn *w, struct slice id, const struct value *values, size_t n)
{
	struct target t;
	size_t i;
	int rc;

	rc = target_load(w, id, n, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = request_values(w, t.nv, values, n, false);
	if (rc != IDR_OK) {
		return rc;
	}
	for (i = 0; i < n; i++) {
		const struct value *nv = &w->vals[t.nv + i];
		struct value *old = find_index(w->vals, t.nv, nv->index);

		if (old == NULL) {
			return IDR_EREC_NOVALUE;
		}
		*old = *nv;
	}
	return target_store(w, &t, JRN_OP_MODIFY_VALUES, t.nv);
}

int
reg_set_values(struct reg_wtxn *w, struct slice id, const struct value *values, size_t n,
               enum reg_outcome *outcome)
{
	struct target t;
	size_t i, nv;
	bool added = false, changed = false;
	int rc;

	rc = target_load(w, id, n, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = request_values(w, t.nv, values, n, false);
	if (rc != IDR_OK) {
		return rc;
	}
	nv = t.nv;
	for (i = 0; i < n; i++) {
		const struct value *req = &w->vals[t.nv + i];
		struct value *old = find_index(w->vals, t.nv, req->index);

		if (old == NULL) {
			w->vals[nv++] =
			        *req; /* nv <= t.nv + i: never overwrites a request not yet read */
			added = true;
		} else if (!value_same_content(old, req)) {
			*old = *req;
			changed = true;
		}
	}
	if (outcome != NULL) {
		*outcome = added ? REG_CREATED : changed ? REG_UPDATED : REG_UNCHANGED;
	}
	if (!added && !changed) {
		return IDR_OK;
	}
	if (nv > VALUE_MAX_VALUES) {
		return IDR_EREC_TOOMANY;
	}
	rec_values_sort(w->vals, nv);
	return target_store(w, &t, added && !changed ? JRN_OP_ADD_VALUES : JRN_OP_MODIFY_VALUES,
	                    nv);
}

/* Mark the values to remove (sorted copies of their indexes in w->vals[nv..nv+n)). */
static int
remove_check(struct reg_wtxn *w, const struct target *t, const uint32_t *indexes, size_t n)
{
	struct value *req = w->vals + t->nv;
	size_t i;

	for (i = 0; i < n; i++) {
		struct value *v = find_index(w->vals, t->nv, indexes[i]);

		if (v == NULL) {
			return IDR_EREC_NOVALUE;
		}
		if (indexes[i] == REC_KIND_INDEX && t->view.kind != REC_KIND_NONE &&
		    is_kind_value(v)) {
			return IDR_EREC_RESERVED;
		}
		memset(&req[i], 0, sizeof(req[i]));
		req[i].index = indexes[i];
	}
	rec_values_sort(req, n);
	for (i = 1; i < n; i++) {
		if (req[i].index == req[i - 1].index) {
			return IDR_EREC_INDEX;
		}
	}
	return n == t->nv ? IDR_EREC_LASTVALUE : IDR_OK;
}

int
reg_remove_values(struct reg_wtxn *w, struct slice id, const uint32_t *indexes, size_t n)
{
	struct target t;
	size_t i, j = 0, out = 0;
	int rc;

	rc = target_load(w, id, n, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = remove_check(w, &t, indexes, n);
	if (rc != IDR_OK) {
		return rc;
	}
	/* both lists are sorted: keep what the removal list does not name */
	for (i = 0; i < t.nv; i++) {
		if (j < n && w->vals[t.nv + j].index == w->vals[i].index) {
			j++;
			continue;
		}
		w->vals[out++] = w->vals[i];
	}
	return target_store(w, &t, JRN_OP_REMOVE_VALUES, out);
}

int
reg_write_get(struct reg_wtxn *w, struct slice id, struct rec_view *out)
{
	uint8_t buf[IDENT_HARD_MAX];
	struct slice stored, key;
	struct ident ident;
	int rc;

	rc = wtxn_usable(w);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = ident_parse(&ident, id.p, id.len, &w->reg->id_opts);
	if (rc != IDR_OK) {
		return rc;
	}
	ident_fold(id.p, id.len, buf);
	rc = reg_key(slice_make(buf, id.len), buf, &key);
	if (rc == IDR_OK) {
		rc = store_get(w->txn, STORE_DB_HANDLES, key, &stored);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	return rec_view_parse(stored, out);
}

int
reg_delete(struct reg_wtxn *w, struct slice id)
{
	uint8_t buf[IDENT_HARD_MAX];
	struct slice stored, handle, key;
	struct ident ident;
	struct rec_view view;
	uint8_t kind;
	int rc;

	rc = wtxn_usable(w);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = ident_parse(&ident, id.p, id.len, &w->reg->id_opts);
	if (rc != IDR_OK) {
		return rc;
	}
	ident_fold(id.p, id.len, buf);
	rc = reg_key(slice_make(buf, id.len), buf, &key);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_get(w->txn, STORE_DB_HANDLES, key, &stored);
	if (rc != IDR_OK) {
		return rc;
	}
	/* a malformed record can still be deleted; its header byte names the counter */
	handle = rec_view_parse(stored, &view) == IDR_OK ? view.handle : ident.full;
	kind = stored.len > 1 && stored.p[1] < REC_KIND_COUNT ? stored.p[1] : REC_KIND_NONE;
	jrn_change_end(&w->chg, jrn_change_begin(&w->chg, JRN_OP_DELETE, handle));
	rc = wbuf_error(&w->chg);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_del(w->txn, STORE_DB_HANDLES, key);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	rc = reg_jrn_append(w);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = reg_statmap_add(&w->stats, slice_make(key.p, ident.prefix.len), kind, -1);
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	return reg_alias_drop_all(w, ident.full); /* no alias may point at a deleted record */
}

/* ---------------------------------------------------------------- reads */

int
reg_journal_walk(struct reg_rtxn *t, uint64_t from, jrn_fn cb, void *arg)
{
	return jrn_walk(t->txn, from, cb, arg);
}

int
reg_read_begin(struct reg *r, struct reg_rtxn **out)
{
	struct reg_rtxn *t;
	int rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return IDR_ENOMEM;
	}
	t->reg = r;
	rc = store_txn_begin(r->store, STORE_TXN_READ, &t->txn);
	if (rc != IDR_OK) {
		free(t);
		return rc;
	}
	*out = t;
	return IDR_OK;
}

uint64_t
reg_rtxn_reads(const struct reg_rtxn *t)
{
	return t != NULL ? store_txn_reads(t->txn) : 0;
}

void
reg_read_end(struct reg_rtxn *t)
{
	if (t == NULL) {
		return;
	}
	store_txn_abort(t->txn);
	free(t);
}

void
reg_read_reset(struct reg_rtxn *t)
{
	store_txn_reset(t->txn);
}

int
reg_read_renew(struct reg_rtxn *t)
{
	return store_txn_renew(t->txn);
}

int
reg_get_folded(struct reg_rtxn *t, struct slice key, struct rec_view *out)
{
	uint8_t buf[STORE_KEY_MAX];
	struct slice stored, skey;
	int rc = reg_key(key, buf, &skey);

	if (rc == IDR_OK) {
		rc = store_get(t->txn, STORE_DB_HANDLES, skey, &stored);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	return rec_view_open(stored, out);
}

int
reg_get(struct reg_rtxn *t, struct slice id, struct rec_view *out)
{
	uint8_t key[IDENT_HARD_MAX];
	struct ident ident;
	int rc;

	rc = ident_parse(&ident, id.p, id.len, &t->reg->id_opts);
	if (rc != IDR_OK) {
		return rc;
	}
	ident_fold(id.p, id.len, key);
	return reg_get_folded(t, slice_make(key, id.len), out);
}

/* LMDB's default order: bytes, then length. */
static int
key_cmp(struct slice a, struct slice b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n > 0 ? memcmp(a.p, b.p, n) : 0;

	if (c != 0) {
		return c;
	}
	return a.len < b.len ? -1 : a.len > b.len;
}

/* Position on the first key of the listing: after `after`, at or after `start`. */
static int
list_seek(struct store_cursor *c, struct slice start, struct slice after, struct slice *k,
          struct slice *v)
{
	int rc;

	if (after.len > 0 && key_cmp(after, start) >= 0) {
		rc = store_cursor_seek(c, after, k, v);
		if (rc == IDR_OK && key_cmp(*k, after) == 0) {
			rc = store_cursor_next(c, k, v);
		}
		return rc;
	}
	if (start.len == 0) {
		return store_cursor_first(c, k, v);
	}
	return store_cursor_seek(c, start, k, v);
}

struct list_ctx {
	struct slice start; /* folded prefix + '/' (empty: everything) */
	struct slice after;
	enum rec_kind kind;
	size_t limit;
	reg_record_fn cb;
	void *arg;
};

static int
list_walk(struct store_cursor *c, const struct list_ctx *l)
{
	struct slice k, v;
	struct rec_view view;
	size_t count = 0;
	int rc;

	for (rc = list_seek(c, l->start, l->after, &k, &v); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		if (k.len < l->start.len ||
		    (l->start.len > 0 && memcmp(k.p, l->start.p, l->start.len) != 0)) {
			break;
		}
		if (l->kind != REC_KIND_NONE && (v.len < 2 || v.p[1] != (uint8_t)l->kind)) {
			continue;
		}
		rc = rec_view_open(v, &view);
		if (rc != IDR_OK) {
			return rc;
		}
		rc = l->cb(l->arg, k, &view);
		if (rc != 0) {
			return rc;
		}
		if (l->limit != 0 && ++count == l->limit) {
			break;
		}
	}
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
reg_list(struct reg_rtxn *t, struct slice prefix, struct slice after, enum rec_kind kind,
         size_t limit, reg_record_fn cb, void *arg)
{
	uint8_t start[PFX_MAX_LEN + 1], abuf[STORE_KEY_MAX];
	struct store_cursor *c;
	struct list_ctx l;
	int rc;

	if ((unsigned)kind >= REC_KIND_COUNT) {
		return IDR_EREC_KIND;
	}
	memset(&l, 0, sizeof(l));
	if (prefix.len > 0) {
		rc = ident_prefix_check(prefix);
		if (rc != IDR_OK) {
			return rc;
		}
		if (prefix.len > PFX_MAX_LEN) {
			return IDR_OK; /* nothing can be hosted there */
		}
		ident_fold(prefix.p, prefix.len, start);
		start[prefix.len] = '/';
		l.start = slice_make(start, prefix.len + 1);
	}
	rc = reg_key(after, abuf, &l.after);
	if (rc != IDR_OK) {
		return rc;
	}
	l.kind = kind;
	l.limit = limit;
	l.cb = cb;
	l.arg = arg;
	rc = store_cursor_open(t->txn, STORE_DB_HANDLES, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = list_walk(c, &l);
	store_cursor_close(c);
	return rc;
}

int
reg_list_skip(struct reg_rtxn *t, struct slice prefix, struct slice after, uint64_t n,
              uint8_t last[STORE_KEY_MAX], size_t *last_len, uint64_t *skipped)
{
	uint8_t start[PFX_MAX_LEN + 1], abuf[STORE_KEY_MAX];
	struct store_cursor *c;
	struct slice k, v, s, a;
	int rc;

	*skipped = 0;
	*last_len = 0;
	rc = ident_prefix_check(prefix);
	if (rc != IDR_OK) {
		return rc;
	}
	if (prefix.len > PFX_MAX_LEN || n == 0) {
		return IDR_OK;
	}
	ident_fold(prefix.p, prefix.len, start);
	start[prefix.len] = '/';
	s = slice_make(start, prefix.len + 1);
	rc = reg_key(after, abuf, &a);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_cursor_open(t->txn, STORE_DB_HANDLES, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	/* keys only: no record is decoded on the way */
	for (rc = list_seek(c, s, a, &k, &v); rc == IDR_OK && *skipped < n;
	     rc = store_cursor_next(c, &k, &v)) {
		if (k.len < s.len || memcmp(k.p, s.p, s.len) != 0) {
			break;
		}
		memcpy(last, k.p, k.len);
		*last_len = k.len;
		(*skipped)++;
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
reg_changes(struct reg_rtxn *t, uint64_t *seq)
{
	struct jrn_head h;
	int rc = jrn_head_load(t->txn, &h);

	*seq = rc == IDR_OK ? h.seq : 0;
	return rc;
}

/* Split a stats key folded-prefix | 0x00 | kind. */
static bool
stat_key_parse(struct slice k, struct slice v, struct slice *prefix, uint8_t *kind, uint64_t *count)
{
	if (k.len < 3 || k.p[k.len - 2] != 0 || k.p[k.len - 1] >= REC_KIND_COUNT || v.len != 8) {
		return false;
	}
	*prefix = slice_make(k.p, k.len - 2);
	*kind = k.p[k.len - 1];
	*count = load_be64(v.p);
	return true;
}

int
reg_count(struct reg_rtxn *t, struct slice prefix, uint64_t *out)
{
	uint8_t start[REG_STAT_KEY_MAX];
	struct store_cursor *c;
	struct slice k, v, p;
	uint64_t sum = 0, n;
	uint8_t kind;
	int rc;

	rc = ident_prefix_check(prefix);
	if (rc != IDR_OK) {
		return rc;
	}
	*out = 0;
	if (prefix.len > PFX_MAX_LEN) {
		return IDR_OK; /* nothing can be hosted there */
	}
	ident_fold(prefix.p, prefix.len, start);
	start[prefix.len] = 0;
	rc = store_cursor_open(t->txn, STORE_DB_STATS, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_seek(c, slice_make(start, prefix.len + 1), &k, &v); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		if (k.len != prefix.len + 2 || memcmp(k.p, start, prefix.len + 1) != 0) {
			break;
		}
		if (!stat_key_parse(k, v, &p, &kind, &n)) {
			rc = IDR_EPROTO;
			break;
		}
		sum += n;
	}
	store_cursor_close(c);
	if (rc != IDR_OK && rc != IDR_ENOENT) {
		return rc;
	}
	*out = sum;
	return IDR_OK;
}

int
reg_stats(struct reg_rtxn *t, reg_stat_fn cb, void *arg)
{
	struct store_cursor *c;
	struct slice k, v, prefix;
	uint64_t count;
	uint8_t kind;
	int rc;

	rc = store_cursor_open(t->txn, STORE_DB_STATS, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		if (!stat_key_parse(k, v, &prefix, &kind, &count)) {
			rc = IDR_EPROTO;
			break;
		}
		rc = cb(arg, prefix, (enum rec_kind)kind, count);
		if (rc != 0) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
reg_store_info(struct reg *r, struct reg_store_info *out)
{
	struct store_info si;
	struct store_txn *t;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_info(r->store, &si);
	if (rc != IDR_OK) {
		return rc;
	}
	out->map_size = si.map_size;
	out->used_bytes = si.used_bytes;
	out->file_bytes = si.file_bytes;
	out->readers = si.readers;
	out->max_readers = si.max_readers;
	rc = store_txn_begin(r->store, STORE_TXN_READ, &t);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_count(t, STORE_DB_HANDLES, &out->records);
	if (rc == IDR_OK) {
		rc = store_count(t, STORE_DB_PREFIXES, &out->prefixes);
	}
	if (rc == IDR_OK) {
		rc = store_count(t, STORE_DB_JOURNAL, &out->journal_entries);
	}
	store_txn_abort(t);
	return rc;
}
