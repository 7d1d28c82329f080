/*
 * audit.c - audit_verify (the passes are described in audit.h). Reads the databases directly
 * within one read transaction of the registry.
 */
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/rbuf.h"
#include "jrn.h"
#include "model/ident.h"
#include "model/rec.h"
#include "reg_int.h"
#include "store/store.h"

#define SCRATCH_MAX                                                                                \
	((size_t)JRN_KEY_LEN + JRN_FIXED_LEN + JRN_MAX_IDENTITY + IDENT_HARD_MAX + JRN_MAX_PAYLOAD)
#define PRINT_MAX 120 /* bytes of an identifier quoted in an audit reason */

struct audit {
	struct audit_report *out;
	struct store_txn *t;
	struct wbuf scratch;
	uint64_t creates;
	uint64_t deletes;
	struct jrn_ckpt ckpt;
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
	return op >= JRN_OP_CREATE && op <= JRN_OP_REMOVE_VALUES;
}

/* One entry of pass 1; *hash is the running entry hash. */
static int
audit_entry(struct audit *a, struct slice k, struct slice v, uint64_t expect,
            uint8_t hash[JRN_HASH_LEN])
{
	struct jrn_entry e;
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
	if ((e.op == JRN_OP_DELETE) != (e.payload.len == 0)) {
		return AUDIT_FAIL(a, expect,
		                  "entry %" PRIu64 ": payload does not fit the operation", expect);
	}
	a->creates += e.op == JRN_OP_CREATE;
	a->deletes += e.op == JRN_OP_DELETE;
	return jrn_entry_hash(&a->scratch, e.seq, v, hash);
}

static int
audit_chain(struct audit *a)
{
	uint8_t hash[JRN_HASH_LEN];
	struct store_cursor *c;
	struct jrn_head head;
	struct slice k, v;
	uint64_t last;
	int rc;

	rc = jrn_head_load(a->t, &head);
	if (rc == IDR_EJOURNAL) {
		return AUDIT_FAIL(a, 0, "meta jrn_head is malformed");
	}
	if (rc == IDR_OK) {
		rc = jrn_ckpt_load(a->t, &a->ckpt);
		if (rc == IDR_EJOURNAL) {
			return AUDIT_FAIL(a, 0, "meta jrn_ckpt is malformed");
		}
	}
	if (rc == IDR_OK && a->ckpt.seq > head.seq) {
		return AUDIT_FAIL(a, a->ckpt.seq,
		                  "checkpoint %" PRIu64 " is past the recorded head %" PRIu64,
		                  a->ckpt.seq, head.seq);
	}
	/* the chain goes on from the checkpoint: its hash is the first kept entry's prev_hash */
	last = a->ckpt.seq;
	memcpy(hash, a->ckpt.hash, JRN_HASH_LEN);
	a->creates = a->ckpt.creates;
	a->deletes = a->ckpt.deletes;
	a->out->ckpt_seq = a->ckpt.seq;
	a->out->ckpt_fold_ms = a->ckpt.fold_ms;
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
		last++;
		a->out->entries++;
	}
	store_cursor_close(c);
	if (rc != IDR_ENOENT) {
		return rc;
	}
	if (last < head.seq) {
		return AUDIT_FAIL(a, last + 1,
		                  "entry %" PRIu64
		                  ": missing, the journal ends before its recorded "
		                  "head %" PRIu64 " (truncated)",
		                  last + 1, head.seq);
	}
	if (last > head.seq || memcmp(hash, head.hash, JRN_HASH_LEN) != 0) {
		return AUDIT_FAIL(a, last, "entry %" PRIu64 ": differs from the recorded head",
		                  last);
	}
	memcpy(a->out->head, hash, JRN_HASH_LEN);
	return IDR_OK;
}

/* Pass 2 for a record whose entry was folded: well formed, counted for passes 4 and 5. */
static int
audit_folded(struct audit *a, struct slice k, struct slice v)
{
	struct rec_view view;
	const uint8_t *slash;

	if (rec_view_parse(v, &view) != IDR_OK) {
		return AUDIT_FAIL(a, 0, "record %.*s: malformed", print_len(k), (const char *)k.p);
	}
	slash = memchr(k.p, '/', k.len);
	a->out->records++;
	a->out->unchecked++;
	return reg_statmap_add(&a->counts,
	                       slice_make(k.p, slash != NULL ? (size_t)(slash - k.p) : 0),
	                       view.kind, 1);
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
	struct jrn_entry e;
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
	if (seq <= a->ckpt.seq) {
		return audit_folded(a, k, v);
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
	rc = reg_key(slice_make(folded, e.identifier.len), folded, &skey);
	if (rc != IDR_OK) {
		return rc;
	}
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
audit_fresh(struct audit *a, const struct jrn_entry *e)
{
	uint8_t folded[IDENT_HARD_MAX];
	struct rec_view view;
	struct slice v, skey;
	int rc;

	if (!is_record_op(e->op) && e->op != JRN_OP_DELETE) {
		return IDR_OK;
	}
	ident_fold(e->identifier.p, e->identifier.len, folded);
	rc = reg_key(slice_make(folded, e->identifier.len), folded, &skey);
	if (rc != IDR_OK) {
		return rc;
	}
	rc = store_get(a->t, STORE_DB_HANDLES, skey, &v);
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
	                  jrn_op_name(e->op));
}

static int
audit_fresh_cb(void *arg, const struct jrn_entry *e)
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
audit_run(struct audit *a)
{
	int rc;

	rc = audit_chain(a);
	if (rc == IDR_OK) {
		rc = audit_records(a);
	}
	if (rc == IDR_OK) {
		rc = jrn_walk(a->t, a->ckpt.seq + 1, audit_fresh_cb, a);
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
audit_verify(struct reg *r, struct audit_report *out)
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
	rc = audit_run(&a);
	if (rc == IDR_EJOURNAL) {
		log_warn("registry: audit failed: %s", out->reason);
	}
	wbuf_deinit(&a.scratch);
	reg_statmap_deinit(&a.counts);
	reg_read_end(rt);
	return rc;
}
