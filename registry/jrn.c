/*
 * jrn.c - the registry journal: entry codec and hashes (jrn.h), appending inside a write
 * transaction, walking, and reg_audit_verify.
 *
 * The audit makes five passes over one read snapshot and reports the first problem it finds:
 *  1. chain: seqs 1, 2, 3 ... without gaps, each entry well formed (format, op, lengths),
 *     its change hash recomputed, its prev_hash equal to the hash of the entry before, and the
 *     last entry equal to meta "jrn_head" (seq and hash: a truncated tail is detected);
 *  2. records -> journal: every record in `handles` names (header seq) an entry that wrote
 *     this identifier (folded) with exactly the stored bytes as payload;
 *  3. journal -> records: no record is older than a later change or delete of its identifier
 *     (a record restored from an old copy still matches its old entry, pass 2 cannot see it);
 *  4. the number of records equals creates - deletes in the journal (a record removed behind
 *     the journal's back; bad_seq is 0 as no single entry is at fault);
 *  5. the `stats` counters equal the records counted per (prefix, kind) (bad_seq 0).
 * Record-level problems set bad_seq to the journal seq involved, as reg.h describes.
 */
#include "jrn.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/rbuf.h"
#include "model/ident.h"
#include "model/rec.h"
#include "reg_int.h"
#include "store/store.h"

#define SCRATCH_MAX                                                                                \
	((size_t)JRN_KEY_LEN + JRN_FIXED_LEN + JRN_MAX_IDENTITY + IDENT_HARD_MAX + JRN_MAX_PAYLOAD)
#define PRINT_MAX 120 /* bytes of an identifier quoted in an audit reason */

static const char *const jop_names[] = {NULL,         "init",          "prefix",        "create",
                                        "add_values", "modify_values", "remove_values", "delete"};

const char *
reg_jop_name(int op)
{
	if (op < REG_JOP_INIT || op > REG_JOP_DELETE) {
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
	crypto_sha256(wbuf_data(scratch), wbuf_len(scratch), out);
	return IDR_OK;
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
	crypto_sha256(wbuf_data(scratch), wbuf_len(scratch), out);
	return IDR_OK;
}

void
jrn_entry_encode(struct wbuf *w, const struct reg_journal_entry *e)
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
jrn_entry_decode(struct slice key, struct slice value, struct reg_journal_entry *out)
{
	struct reg_journal_entry e;
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
	if (rbuf_left(&r) != 0 || reserved != 0 || reg_jop_name(e.op) == NULL) {
		return IDR_EPROTO;
	}
	*out = e;
	return IDR_OK;
}

/* ---------------------------------------------------------------- writing */

int
jrn_head_load(struct store_txn *t, uint64_t *seq, uint8_t hash[CRYPTO_SHA256_LEN])
{
	struct slice v;
	struct rbuf r;
	int rc;

	rc = store_get(t, STORE_DB_META, SLICE_LIT(REG_META_JRN_HEAD), &v);
	if (rc == IDR_ENOENT) {
		*seq = 0;
		memset(hash, 0, CRYPTO_SHA256_LEN);
		return IDR_OK;
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (v.len != REG_JRN_HEAD_LEN) {
		log_err("registry: meta jrn_head is malformed (%zu bytes)", v.len);
		return IDR_EJOURNAL;
	}
	rbuf_init(&r, v.p, v.len);
	*seq = rbuf_u64(&r);
	read_copy(&r, hash, CRYPTO_SHA256_LEN);
	return IDR_OK;
}

int
jrn_head_store(struct reg_wtxn *w)
{
	uint8_t buf[REG_JRN_HEAD_LEN];
	struct wbuf b;
	int rc;

	wbuf_init(&b, buf, sizeof(buf));
	wbuf_u64(&b, w->seq);
	wbuf_bytes(&b, w->head, CRYPTO_SHA256_LEN);
	rc = store_put(w->txn, STORE_DB_META, SLICE_LIT(REG_META_JRN_HEAD), wbuf_slice(&b), 0,
	               NULL);
	return reg_wtxn_fail(w, rc);
}

int
jrn_append(struct reg_wtxn *w)
{
	struct reg_journal_entry e;
	uint8_t key[JRN_KEY_LEN];
	struct rbuf r;
	int rc;

	/* split the change bytes (op | UTF8 identifier | UTF8 payload) back into fields */
	rbuf_init(&r, wbuf_data(&w->chg), wbuf_len(&w->chg));
	e.op = rbuf_u8(&r);
	e.identifier = rbuf_str(&r, IDENT_HARD_MAX);
	e.payload = rbuf_str(&r, JRN_MAX_PAYLOAD);
	if (wbuf_error(&w->chg) != IDR_OK || rbuf_error(&r) != IDR_OK || rbuf_left(&r) != 0) {
		return reg_wtxn_fail(w, wbuf_error(&w->chg) != IDR_OK ? wbuf_error(&w->chg)
		                                                      : IDR_EPROTO);
	}
	e.seq = w->seq + 1;
	e.time_ms = reg_now_ms();
	e.identity = slice_cstr(w->identity);
	crypto_sha256(wbuf_data(&w->chg), wbuf_len(&w->chg), e.change_hash);
	memcpy(e.prev_hash, w->head, JRN_HASH_LEN);
	/* key and value side by side: the entry hash is one SHA-256 over the whole buffer */
	jrn_key(e.seq, key);
	wbuf_reset(&w->jrn);
	wbuf_bytes(&w->jrn, key, JRN_KEY_LEN);
	jrn_entry_encode(&w->jrn, &e);
	rc = wbuf_error(&w->jrn);
	if (rc == IDR_OK) {
		rc = store_put(w->txn, STORE_DB_JOURNAL,
		               slice_make(wbuf_data(&w->jrn), JRN_KEY_LEN),
		               slice_make(wbuf_data(&w->jrn) + JRN_KEY_LEN,
		                          wbuf_len(&w->jrn) - JRN_KEY_LEN),
		               STORE_APPEND, NULL);
	}
	if (rc != IDR_OK) {
		return reg_wtxn_fail(w, rc);
	}
	crypto_sha256(wbuf_data(&w->jrn), wbuf_len(&w->jrn), w->head);
	w->seq = e.seq;
	w->changes++;
	return IDR_OK;
}

/* ---------------------------------------------------------------- walking */

int
reg_journal_walk(struct reg_rtxn *t, uint64_t from, reg_journal_fn cb, void *arg)
{
	uint8_t key[JRN_KEY_LEN];
	struct reg_journal_entry e;
	struct store_cursor *c;
	struct slice k, v;
	int rc;

	rc = store_cursor_open(t->txn, STORE_DB_JOURNAL, &c);
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

/* ---------------------------------------------------------------- audit */

struct audit {
	struct reg_audit *out;
	struct store_txn *t;
	struct wbuf scratch;
	uint64_t creates;
	uint64_t deletes;
	struct reg_statmap counts; /* records per (prefix, kind) minus the stats counters */
};

/* Record the first problem: bad_seq and the reason. @return IDR_EJOURNAL */
static int
audit_bad(struct audit *a, uint64_t seq)
{
	a->out->bad_seq = seq;
	return IDR_EJOURNAL;
}

/* The reason is formatted at the call site (printf-checked), truncated to fit. */
#define AUDIT_FAIL(a, seq, ...)                                                                    \
	(snprintf((a)->out->reason, sizeof((a)->out->reason), __VA_ARGS__), audit_bad((a), (seq)))

static int
print_len(struct slice s)
{
	return (int)(s.len < PRINT_MAX ? s.len : PRINT_MAX);
}

static bool
is_record_op(int op)
{
	return op >= REG_JOP_CREATE && op <= REG_JOP_REMOVE_VALUES;
}

/* One entry of pass 1; *hash is the running entry hash. */
static int
audit_entry(struct audit *a, struct slice k, struct slice v, uint64_t expect,
            uint8_t hash[JRN_HASH_LEN])
{
	struct reg_journal_entry e;
	uint8_t h[JRN_HASH_LEN];
	int rc;

	if (k.len != JRN_KEY_LEN) {
		return AUDIT_FAIL(a, expect, "entry %" PRIu64 ": malformed journal key", expect);
	}
	rc = jrn_entry_decode(k, v, &e);
	if (rc == IDR_OK && e.seq != expect) {
		return AUDIT_FAIL(a, expect, "entry %" PRIu64 ": missing (next is %" PRIu64 ")",
		                  expect, e.seq);
	}
	if (rc != IDR_OK) {
		return AUDIT_FAIL(a, expect, "entry %" PRIu64 ": malformed: %s", expect,
		                  idr_strerror(rc));
	}
	rc = jrn_change_hash(&a->scratch, e.op, e.identifier, e.payload, h);
	if (rc != IDR_OK) {
		return rc;
	}
	if (memcmp(h, e.change_hash, JRN_HASH_LEN) != 0) {
		return AUDIT_FAIL(a, expect, "entry %" PRIu64 ": change hash mismatch", expect);
	}
	if (memcmp(hash, e.prev_hash, JRN_HASH_LEN) != 0) {
		return AUDIT_FAIL(a, expect, "entry %" PRIu64 ": previous-entry hash mismatch",
		                  expect);
	}
	if ((e.op == REG_JOP_DELETE) != (e.payload.len == 0)) {
		return AUDIT_FAIL(a, expect,
		                  "entry %" PRIu64 ": payload does not fit the operation", expect);
	}
	a->creates += e.op == REG_JOP_CREATE;
	a->deletes += e.op == REG_JOP_DELETE;
	return jrn_entry_hash(&a->scratch, e.seq, v, hash);
}

static int
audit_chain(struct audit *a)
{
	uint8_t hash[JRN_HASH_LEN] = {0}, head[JRN_HASH_LEN];
	struct store_cursor *c;
	struct slice k, v;
	uint64_t last = 0, head_seq;
	int rc;

	rc = jrn_head_load(a->t, &head_seq, head);
	if (rc == IDR_EJOURNAL) {
		return AUDIT_FAIL(a, 0, "meta jrn_head is malformed");
	}
	if (rc == IDR_OK) {
		rc = store_cursor_open(a->t, STORE_DB_JOURNAL, &c);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		rc = audit_entry(a, k, v, last + 1, hash);
		if (rc != IDR_OK) {
			break;
		}
		a->out->entries = ++last;
	}
	store_cursor_close(c);
	if (rc != IDR_ENOENT) {
		return rc;
	}
	if (last < head_seq) {
		return AUDIT_FAIL(a, last + 1,
		                  "entry %" PRIu64
		                  ": missing, the journal ends before its recorded "
		                  "head %" PRIu64 " (truncated)",
		                  last + 1, head_seq);
	}
	if (last > head_seq || memcmp(hash, head, JRN_HASH_LEN) != 0) {
		return AUDIT_FAIL(a, last, "entry %" PRIu64 ": differs from the recorded head",
		                  last);
	}
	memcpy(a->out->head, hash, JRN_HASH_LEN);
	return IDR_OK;
}

/*
 * Pass 2 for one record: the entry its header names must have written exactly these bytes
 * under this key. The header seq is read before parsing, so any altered byte (also one that
 * breaks the framing) is reported against that entry.
 */
static int
audit_record(struct audit *a, struct slice k, struct slice v)
{
	uint8_t jkey[JRN_KEY_LEN], folded[IDENT_HARD_MAX];
	struct reg_journal_entry e;
	struct rec_view view;
	struct slice jv, skey;
	struct rbuf r;
	const uint8_t *slash;
	uint64_t seq;
	int rc;

	rbuf_init(&r, v.p, v.len);
	rbuf_skip(&r, 4);
	seq = rbuf_u64(&r);
	if (rbuf_error(&r) != IDR_OK) {
		return AUDIT_FAIL(a, 0, "record %.*s: malformed", print_len(k), (const char *)k.p);
	}
	jrn_key(seq, jkey);
	rc = store_get(a->t, STORE_DB_JOURNAL, slice_make(jkey, JRN_KEY_LEN), &jv);
	if (rc == IDR_ENOENT) {
		return AUDIT_FAIL(a, seq,
		                  "record %.*s: names journal entry %" PRIu64 ", which is missing",
		                  print_len(k), (const char *)k.p, seq);
	}
	if (rc == IDR_OK) {
		rc = jrn_entry_decode(slice_make(jkey, JRN_KEY_LEN), jv, &e);
	}
	if (rc != IDR_OK) {
		return rc;
	}
	ident_fold(e.identifier.p, e.identifier.len, folded);
	skey = reg_key(slice_make(folded, e.identifier.len), folded);
	if (!is_record_op(e.op) || !slice_eq(skey, k)) {
		return AUDIT_FAIL(a, seq,
		                  "record %.*s: journal entry %" PRIu64 " is not a change of it",
		                  print_len(k), (const char *)k.p, seq);
	}
	if (!slice_eq(e.payload, v) || rec_view_parse(v, &view) != IDR_OK) {
		return AUDIT_FAIL(a, seq, "record %.*s: differs from journal entry %" PRIu64,
		                  print_len(e.identifier), (const char *)e.identifier.p, seq);
	}
	slash = memchr(k.p, '/', k.len);
	rc = reg_statmap_add(&a->counts, slice_make(k.p, slash != NULL ? (size_t)(slash - k.p) : 0),
	                     view.kind, 1);
	a->out->records++;
	return rc;
}

static int
audit_records(struct audit *a)
{
	struct store_cursor *c;
	struct slice k, v;
	int rc;

	rc = store_cursor_open(a->t, STORE_DB_HANDLES, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		rc = audit_record(a, k, v);
		if (rc != IDR_OK) {
			break;
		}
	}
	store_cursor_close(c);
	return rc == IDR_ENOENT ? IDR_OK : rc;
}

/* Pass 3 for one entry: the record of its identifier must not predate it. */
static int
audit_fresh(struct audit *a, const struct reg_journal_entry *e)
{
	uint8_t folded[IDENT_HARD_MAX];
	struct rec_view view;
	struct slice v;
	int rc;

	if (!is_record_op(e->op) && e->op != REG_JOP_DELETE) {
		return IDR_OK;
	}
	ident_fold(e->identifier.p, e->identifier.len, folded);
	rc = store_get(a->t, STORE_DB_HANDLES,
	               reg_key(slice_make(folded, e->identifier.len), folded), &v);
	if (rc == IDR_ENOENT) {
		return IDR_OK; /* deleted later, or missing: pass 4 counts */
	}
	if (rc != IDR_OK) {
		return rc;
	}
	if (rec_view_parse(v, &view) == IDR_OK && view.seq >= e->seq) {
		return IDR_OK;
	}
	return AUDIT_FAIL(a, e->seq, "record %.*s: older than journal entry %" PRIu64 " (%s)",
	                  print_len(e->identifier), (const char *)e->identifier.p, e->seq,
	                  reg_jop_name(e->op));
}

static int
audit_fresh_cb(void *arg, const struct reg_journal_entry *e)
{
	return audit_fresh(arg, e);
}

/* Pass 5: every counter against the records counted in pass 2. */
static int
audit_stats(struct audit *a)
{
	struct store_cursor *c;
	struct slice k, v;
	size_t i;
	int rc;

	rc = store_cursor_open(a->t, STORE_DB_STATS, &c);
	if (rc != IDR_OK) {
		return rc;
	}
	for (rc = store_cursor_first(c, &k, &v); rc == IDR_OK; rc = store_cursor_next(c, &k, &v)) {
		struct rbuf r;

		rbuf_init(&r, v.p, v.len);
		if (k.len < 3 || k.p[k.len - 2] != 0 || v.len != 8) {
			rc = AUDIT_FAIL(a, 0, "stats: malformed counter");
			break;
		}
		rc = reg_statmap_add(&a->counts, slice_make(k.p, k.len - 2), k.p[k.len - 1],
		                     -(int64_t)rbuf_u64(&r));
		if (rc != IDR_OK) {
			break;
		}
	}
	store_cursor_close(c);
	if (rc != IDR_ENOENT) {
		return rc;
	}
	for (i = 0; i < a->counts.cap; i++) {
		const struct reg_statslot *s = &a->counts.slots[i];

		if (s->key != NULL && s->delta != 0) {
			return AUDIT_FAIL(a, 0, "stats %.*s kind %u: counter is off by %" PRId64,
			                  print_len(slice_make(s->key, s->len - 2)),
			                  (const char *)s->key, s->key[s->len - 1], -s->delta);
		}
	}
	return IDR_OK;
}

static int
audit_run(struct audit *a, struct reg_rtxn *rt)
{
	int rc;

	rc = audit_chain(a);
	if (rc == IDR_OK) {
		rc = audit_records(a);
	}
	if (rc == IDR_OK) {
		rc = reg_journal_walk(rt, 1, audit_fresh_cb, a);
	}
	if (rc == IDR_OK && a->out->records + a->deletes != a->creates) {
		rc = AUDIT_FAIL(a, 0,
		                "handles holds %" PRIu64 " records, the journal implies %" PRId64
		                " (%" PRIu64 " creates - %" PRIu64 " deletes)",
		                a->out->records, (int64_t)(a->creates - a->deletes), a->creates,
		                a->deletes);
	}
	if (rc == IDR_OK) {
		rc = audit_stats(a);
	}
	return rc;
}

int
reg_audit_verify(struct reg *r, struct reg_audit *out)
{
	struct reg_rtxn *rt;
	struct audit a;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	a.out = out;
	rc = reg_read_begin(r, &rt);
	if (rc != IDR_OK) {
		return rc;
	}
	a.t = rt->txn;
	wbuf_init_heap(&a.scratch, SCRATCH_MAX);
	rc = audit_run(&a, rt);
	if (rc == IDR_EJOURNAL) {
		log_warn("registry: audit failed: %s", out->reason);
	}
	wbuf_deinit(&a.scratch);
	reg_statmap_deinit(&a.counts);
	reg_read_end(rt);
	return rc;
}
