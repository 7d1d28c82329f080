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
