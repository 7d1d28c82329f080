/*
 * jrn.c - the registry journal: entry codec and hashes, appending inside a write transaction,
 * walking. Knows the store, not the registry: what a change is, and who poisons a failed
 * transaction, is decided by reg.c.
 */
#include "jrn.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/rbuf.h"
#include "model/ident.h"
#include "store/store.h"

static const char *const jop_names[] = {NULL,         "init",          "prefix",        "create",
                                        "add_values", "modify_values", "remove_values", "delete",
                                        "template",   "event",         "alias"};

const char *
jrn_op_name(int op)
{
	if (op < JRN_OP_INIT || op > JRN_OP_ALIAS) {
		return NULL;
	}
	return jop_names[op];
}

/* ---------------------------------------------------------------- codec */

void
jrn_key(uint64_t seq, uint8_t out[JRN_KEY_LEN])
{
	struct wbuf w;

	wbuf_init(&w, out, JRN_KEY_LEN);
	wbuf_u64(&w, seq);
}

size_t
jrn_change_begin(struct wbuf *w, int op, struct slice identifier)
{
	wbuf_reset(w);
	wbuf_u8(w, (uint8_t)op);
	wbuf_slice_str(w, identifier);
	wbuf_u32(w, 0);
	return wbuf_len(w);
}

struct slice
jrn_change_end(struct wbuf *w, size_t mark)
{
	size_t n = wbuf_len(w) - mark;

	if (wbuf_error(w) != IDR_OK || n > UINT32_MAX) {
		return slice_make(NULL, 0);
	}
	wbuf_patch_u32(w, mark - 4, (uint32_t)n);
	return slice_make(wbuf_data(w) + mark, n);
}

int
jrn_change_hash(struct wbuf *scratch, int op, struct slice identifier, struct slice payload,
                uint8_t out[JRN_HASH_LEN])
{
	size_t mark = jrn_change_begin(scratch, op, identifier);

	wbuf_bytes(scratch, payload.p, payload.len);
	(void)jrn_change_end(scratch, mark);
	if (wbuf_error(scratch) != IDR_OK) {
		return wbuf_error(scratch);
	}
	return crypto_sha256(wbuf_data(scratch), wbuf_len(scratch), out);
}

int
jrn_entry_hash(struct wbuf *scratch, uint64_t seq, struct slice value, uint8_t out[JRN_HASH_LEN])
{
	wbuf_reset(scratch);
	wbuf_u64(scratch, seq);
	wbuf_bytes(scratch, value.p, value.len);
	if (wbuf_error(scratch) != IDR_OK) {
		return wbuf_error(scratch);
	}
	return crypto_sha256(wbuf_data(scratch), wbuf_len(scratch), out);
}

void
jrn_entry_encode(struct wbuf *w, const struct jrn_entry *e)
{
	wbuf_u8(w, JRN_FORMAT);
	wbuf_u8(w, (uint8_t)e->op);
	wbuf_u16(w, 0);
	wbuf_u64(w, e->time_ms);
	wbuf_slice_str(w, e->identity);
	wbuf_slice_str(w, e->identifier);
	wbuf_slice_str(w, e->payload);
	wbuf_bytes(w, e->change_hash, JRN_HASH_LEN);
	wbuf_bytes(w, e->prev_hash, JRN_HASH_LEN);
}

/* Copy n bytes out of r (zeros after a short read; the error stays sticky in r). */
static void
read_copy(struct rbuf *r, uint8_t *out, size_t n)
{
	struct slice s = rbuf_bytes(r, n);

	if (s.p != NULL) {
		memcpy(out, s.p, n);
	} else {
		memset(out, 0, n);
	}
}

int
jrn_entry_decode(struct slice key, struct slice value, struct jrn_entry *out)
{
	struct jrn_entry e;
	struct rbuf r;
	uint16_t reserved;

	if (key.len != JRN_KEY_LEN) {
		return IDR_EPROTO;
	}
	rbuf_init(&r, key.p, key.len);
	e.seq = rbuf_u64(&r);
	rbuf_init(&r, value.p, value.len);
	if (rbuf_u8(&r) != JRN_FORMAT) {
		return rbuf_error(&r) != IDR_OK ? rbuf_error(&r) : IDR_ESCHEMA;
	}
	e.op = rbuf_u8(&r);
	reserved = rbuf_u16(&r);
	e.time_ms = rbuf_u64(&r);
	e.identity = rbuf_str(&r, JRN_MAX_IDENTITY);
	e.identifier = rbuf_str(&r, IDENT_HARD_MAX);
	e.payload = rbuf_str(&r, JRN_MAX_PAYLOAD);
	read_copy(&r, e.change_hash, JRN_HASH_LEN);
	read_copy(&r, e.prev_hash, JRN_HASH_LEN);
	if (rbuf_error(&r) != IDR_OK) {
		return rbuf_error(&r);
	}
	if (rbuf_left(&r) != 0 || reserved != 0 || jrn_op_name(e.op) == NULL) {
		return IDR_EPROTO;
	}
	*out = e;
	return IDR_OK;
}

/* ---------------------------------------------------------------- the journal database */

int
jrn_head_load(struct store_txn *t, struct jrn_head *out)
{
	struct slice v;
	struct rbuf r;
	int rc;

	rc = store_get(t, STORE_DB_META, SLICE_LIT(JRN_META_HEAD), &v);
	if (rc == IDR_ENOENT) {
		memset(out, 0, sizeof(*out));
		return IDR_OK;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (v.len != JRN_HEAD_LEN) {
		log_err("registry: meta jrn_head is malformed (%zu bytes)", v.len);
		return IDR_EJOURNAL;
	}
	rbuf_init(&r, v.p, v.len);
	out->seq = rbuf_u64(&r);
	read_copy(&r, out->hash, JRN_HASH_LEN);
	return IDR_OK;
}

int
jrn_head_store(struct store_txn *t, const struct jrn_head *h)
{
	uint8_t buf[JRN_HEAD_LEN];
	struct wbuf b;

	wbuf_init(&b, buf, sizeof(buf));
	wbuf_u64(&b, h->seq);
	wbuf_bytes(&b, h->hash, JRN_HASH_LEN);
	return store_put(t, STORE_DB_META, SLICE_LIT(JRN_META_HEAD), wbuf_slice(&b), 0, NULL);
}

int
jrn_append(struct store_txn *t, struct jrn_head *h, struct slice identity, uint64_t time_ms,
           struct slice change, struct wbuf *scratch)
{
	uint8_t key[JRN_KEY_LEN], hash[JRN_HASH_LEN];
	struct jrn_entry e;
	struct rbuf r;
	int rc;

	/* split the change bytes (op | UTF8 identifier | UTF8 payload) back into fields */
	rbuf_init(&r, change.p, change.len);
	e.op = rbuf_u8(&r);
	e.identifier = rbuf_str(&r, IDENT_HARD_MAX);
	e.payload = rbuf_str(&r, JRN_MAX_PAYLOAD);
	if (rbuf_error(&r) != IDR_OK || rbuf_left(&r) != 0 || jrn_op_name(e.op) == NULL) {
		return IDR_EPROTO;
	}
	e.seq = h->seq + 1;
	e.time_ms = time_ms;
	e.identity = identity;
	rc = crypto_sha256(change.p, change.len, e.change_hash);
	if (rc != IDR_OK) {
		return rc;
	}
	memcpy(e.prev_hash, h->hash, JRN_HASH_LEN);
	/* key and value side by side: the entry hash is one SHA-256 over the whole buffer */
	jrn_key(e.seq, key);
	wbuf_reset(scratch);
	wbuf_bytes(scratch, key, JRN_KEY_LEN);
	jrn_entry_encode(scratch, &e);
	rc = wbuf_error(scratch);
	if (rc == IDR_OK) {
		rc = store_put(t, STORE_DB_JOURNAL, slice_make(wbuf_data(scratch), JRN_KEY_LEN),
		               slice_make(wbuf_data(scratch) + JRN_KEY_LEN,
		                          wbuf_len(scratch) - JRN_KEY_LEN),
		               STORE_APPEND, NULL);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	rc = crypto_sha256(wbuf_data(scratch), wbuf_len(scratch), hash);
	if (rc != IDR_OK) {
		return rc; /* the entry is written but the head is not: the caller aborts */
	}
	memcpy(h->hash, hash, JRN_HASH_LEN);
	h->seq = e.seq;
	return IDR_OK;
}

int
jrn_walk(struct store_txn *t, uint64_t from, jrn_fn cb, void *arg)
{
	uint8_t key[JRN_KEY_LEN];
	struct jrn_entry e;
	struct store_cursor *c;
	struct slice k, v;
	int rc;

	rc = store_cursor_open(t, STORE_DB_JOURNAL, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	jrn_key(from, key);
	for (rc = store_cursor_seek(c, slice_make(key, JRN_KEY_LEN), &k, &v); rc == IDR_OK;
	     rc = store_cursor_next(c, &k, &v)) {
		if (jrn_entry_decode(k, v, &e) != IDR_OK) {
			rc = IDR_EJOURNAL;
			break;
		}
		rc = cb(arg, &e);
		if (rc != 0) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

/* ---------------------------------------------------------------- checkpoint and fold */

int
jrn_ckpt_load(struct store_txn *t, struct jrn_ckpt *out)
{
	struct slice v;
	struct rbuf r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_get(t, STORE_DB_META, SLICE_LIT(JRN_META_CKPT), &v);
	if (rc == IDR_ENOENT) {
		return IDR_OK;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	rbuf_init(&r, v.p, v.len);
	if (v.len != JRN_CKPT_LEN || rbuf_u8(&r) != JRN_CKPT_FORMAT) {
		log_err("registry: meta jrn_ckpt is malformed (%zu bytes)", v.len);
		return IDR_EJOURNAL;
	}
	out->seq = rbuf_u64(&r);
	read_copy(&r, out->hash, JRN_HASH_LEN);
	out->fold_ms = rbuf_u64(&r);
	out->creates = rbuf_u64(&r);
	out->deletes = rbuf_u64(&r);
	return IDR_OK;
}

int
jrn_ckpt_store(struct store_txn *t, const struct jrn_ckpt *c)
{
	uint8_t buf[JRN_CKPT_LEN];
	struct wbuf b;

	wbuf_init(&b, buf, sizeof(buf));
	wbuf_u8(&b, JRN_CKPT_FORMAT);
	wbuf_u64(&b, c->seq);
	wbuf_bytes(&b, c->hash, JRN_HASH_LEN);
	wbuf_u64(&b, c->fold_ms);
	wbuf_u64(&b, c->creates);
	wbuf_u64(&b, c->deletes);
	return store_put(t, STORE_DB_META, SLICE_LIT(JRN_META_CKPT), wbuf_slice(&b), 0, NULL);
}

struct age_walk {
	uint64_t cutoff_ms;
	uint64_t before;
	uint64_t bound; /* first entry not due */
};

static int
age_cb(void *arg, const struct jrn_entry *e)
{
	struct age_walk *a = arg;

	if (e->time_ms >= a->cutoff_ms || e->seq >= a->before) {
		a->bound = e->seq;
		return 1;
	}
	return 0;
}

/* First seq after the newest keep_bytes bytes of entries (0: they all fit). */
static int
size_bound(struct store_txn *t, uint64_t keep_bytes, uint64_t *out)
{
	struct store_cursor *c;
	struct slice k, v;
	uint64_t sum = 0;
	struct rbuf r;
	int rc;

	*out = 0;
	rc = store_cursor_open(t, STORE_DB_JOURNAL, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_last(c, &k, &v); rc == IDR_OK; rc = store_cursor_prev(c, &k, &v)) {
		sum += k.len + v.len;
		if (sum > keep_bytes) {
			rbuf_init(&r, k.p, k.len);
			*out = rbuf_u64(&r) + 1;
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

int
jrn_bound(struct store_txn *t, const struct jrn_retention *r, uint64_t now_ms, uint64_t *out)
{
	struct age_walk a = {0, r->before, 0};
	struct jrn_head head;
	struct jrn_ckpt ck;
	uint64_t sb = 0;
	int rc;

	*out = r->before;
	if (r->age_ms == 0 && r->keep_bytes == 0) {
		return IDR_OK;
	}
	rc = jrn_head_load(t, &head);
	if (rc == IDR_OK) {
		rc = jrn_ckpt_load(t, &ck);
	}
	if (rc == IDR_OK && r->age_ms != 0) {
		a.cutoff_ms = now_ms > r->age_ms ? now_ms - r->age_ms : 0;
		a.bound = head.seq + 1; /* every entry is older unless one stops the walk */
		rc = jrn_walk(t, ck.seq + 1, age_cb, &a);
		rc = rc == 1 ? IDR_OK : rc;
	}
	if (rc == IDR_OK && r->keep_bytes != 0) {
		rc = size_bound(t, r->keep_bytes, &sb);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	sb = sb > a.bound ? sb : a.bound;
	*out = sb < r->before ? sb : r->before;
	return IDR_OK;
}

/* Check entry seq (value v) against the chain so far and advance ck over it. */
static int
fold_entry(struct jrn_ckpt *ck, uint64_t seq, struct slice key, struct slice v,
           struct wbuf *scratch)
{
	uint8_t h[JRN_HASH_LEN];
	struct jrn_entry e;
	int rc;

	if (jrn_entry_decode(key, v, &e) != IDR_OK) {
		log_err("registry: fold: journal entry %" PRIu64 " is malformed", seq);
		return IDR_EJOURNAL;
	}
	rc = jrn_change_hash(scratch, e.op, e.identifier, e.payload, h);
	if (rc != IDR_OK) {
		return rc;
	}
	if (memcmp(h, e.change_hash, JRN_HASH_LEN) != 0 ||
	    memcmp(ck->hash, e.prev_hash, JRN_HASH_LEN) != 0) {
		log_err("registry: fold: journal entry %" PRIu64 " breaks the chain", seq);
		return IDR_EJOURNAL;
	}
	rc = jrn_entry_hash(scratch, seq, v, ck->hash);
	if (rc != IDR_OK) {
		return rc;
	}
	ck->seq = seq;
	ck->creates += e.op == JRN_OP_CREATE;
	ck->deletes += e.op == JRN_OP_DELETE;
	return IDR_OK;
}

int
jrn_fold(struct store_txn *t, uint64_t before, size_t max, uint64_t now_ms, struct wbuf *scratch,
         struct jrn_fold_result *out)
{
	uint8_t key[JRN_KEY_LEN];
	struct jrn_head head;
	struct jrn_ckpt ck;
	struct slice v;
	uint64_t seq, first;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = jrn_head_load(t, &head);
	if (rc == IDR_OK) {
		rc = jrn_ckpt_load(t, &ck);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	out->ckpt = ck;
	if (ck.seq > head.seq) {
		log_err("registry: fold: checkpoint %" PRIu64 " is past the head %" PRIu64, ck.seq,
		        head.seq);
		return IDR_EJOURNAL;
	}
	max = max != 0 ? max : JRN_FOLD_BATCH;
	before = before <= head.seq ? before : head.seq + 1;
	/* check every entry of the step before removing any: a broken chain changes nothing */
	first = ck.seq + 1;
	for (seq = first; seq < before && seq - first < max; seq++) {
		jrn_key(seq, key);
		rc = store_get(t, STORE_DB_JOURNAL, slice_make(key, JRN_KEY_LEN), &v);
		if (rc == IDR_ENOENT) {
			log_err("registry: fold: journal entry %" PRIu64 " is missing", seq);
			return IDR_EJOURNAL;
		}
		if (rc == IDR_OK) {
			out->bytes += JRN_KEY_LEN + v.len;
			rc = fold_entry(&ck, seq, slice_make(key, JRN_KEY_LEN), v, scratch);
		}
		if (rc != IDR_OK) {
			out->bytes = 0;
			return rc;
		}
	}
	out->more = seq < before;
	for (seq = first; seq <= ck.seq; seq++) {
		jrn_key(seq, key);
		rc = store_del(t, STORE_DB_JOURNAL, slice_make(key, JRN_KEY_LEN));
		if (rc != IDR_OK) {
			return rc;
		}
		out->folded++;
	}
	if (out->folded > 0) {
		ck.fold_ms = now_ms;
		rc = jrn_ckpt_store(t, &ck);
	}
	out->ckpt = ck;
	return rc;
}
