/*
 * test_reg_fold.c - journal retention (jrn.h "checkpoint and fold", reg.h reg_journal_*):
 * fold steps over a range, the retention bound rules, the chain and the audit after a fold,
 * tampering with the checkpoint or the first kept entry, and an interrupted fold. Every test
 * runs on the in-memory store and on LMDB in a mkdtemp directory (lib/reg_fix.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "base/wbuf.h"
#include "jrn.h"
#include "lib/reg_fix.h"
#include "model/value.h"
#include "reg.h"
#include "store/store.h"

#define ENT "88.118.8"

static int
setup_mem(void **state)
{
	return reg_fix_setup(state, false, "test_fold", NULL);
}

static int
setup_lmdb(void **state)
{
	return reg_fix_setup(state, true, "test_fold", NULL);
}

/* ---------------------------------------------------------------- helpers */

static struct value
val(uint32_t index, const char *type, const char *data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

/* Prefix ENT, items 1..n created, items 1..3 modified, item n deleted: one entry each. */
static void
history(struct reg_fix *f, int n)
{
	struct reg_wtxn *w = NULL;
	enum reg_outcome oc;
	char id[64], url[96];
	struct value v;

	assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT("Acme"), 1, &oc), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	for (int i = 1; i <= n; i++) {
		snprintf(id, sizeof(id), ENT "/I-%03d", i);
		snprintf(url, sizeof(url), "https://example.com/%d", i);
		v = val(1, "URL", url);
		assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
		assert_int_equal(reg_create(w, slice_cstr(id), REC_KIND_PART, &v, 1, 0, &oc),
		                 IDR_OK);
		assert_int_equal(reg_write_commit(w), IDR_OK);
	}
	for (int i = 1; i <= 3; i++) {
		snprintf(id, sizeof(id), ENT "/I-%03d", i);
		v = val(1, "URL", "https://example.com/changed");
		assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
		assert_int_equal(reg_modify_values(w, slice_cstr(id), &v, 1), IDR_OK);
		assert_int_equal(reg_write_commit(w), IDR_OK);
	}
	snprintf(id, sizeof(id), ENT "/I-%03d", n);
	assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
	assert_int_equal(reg_delete(w, slice_cstr(id)), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

static void
create_one(struct reg_fix *f, const char *id)
{
	struct value v = val(1, "URL", "https://example.com/new");
	struct reg_wtxn *w = NULL;
	enum reg_outcome oc;

	assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
	assert_int_equal(reg_create(w, slice_cstr(id), REC_KIND_PART, &v, 1, 0, &oc), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

static struct reg_journal_info
jinfo(struct reg_fix *f)
{
	struct reg_journal_info ji;
	struct reg_rtxn *t = NULL;

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_journal_info(t, &ji), IDR_OK);
	reg_read_end(t);
	return ji;
}

/* One committed fold step. */
static struct jrn_fold_result
fold_step(struct reg_fix *f, uint64_t before, size_t max)
{
	struct jrn_fold_result res;
	struct reg_wtxn *w = NULL;

	assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
	assert_int_equal(reg_journal_fold(w, before, max, &res), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	return res;
}

static void
audit_ok(struct reg_fix *f, struct audit_report *a)
{
	int rc = audit_verify(f->reg, a);

	if (rc != IDR_OK) {
		print_error("audit: %s (bad_seq %llu)\n", a->reason,
		            (unsigned long long)a->bad_seq);
	}
	assert_int_equal(rc, IDR_OK);
}

static void
expect_audit(struct reg_fix *f, uint64_t bad_seq, const char *reason_part)
{
	struct audit_report a;

	assert_int_equal(audit_verify(f->reg, &a), IDR_EJOURNAL);
	if (strstr(a.reason, reason_part) == NULL || a.bad_seq != bad_seq) {
		print_error("reason \"%s\", bad_seq %llu\n", a.reason,
		            (unsigned long long)a.bad_seq);
	}
	assert_int_equal(a.bad_seq, bad_seq);
	assert_non_null(strstr(a.reason, reason_part));
}

static struct slice
jkey(uint64_t seq, uint8_t buf[JRN_KEY_LEN])
{
	jrn_key(seq, buf);
	return slice_make(buf, JRN_KEY_LEN);
}

/* Flip one byte of a stored value behind the registry's back. */
static void
raw_flip(struct reg_fix *f, enum store_db db, struct slice key, size_t at)
{
	struct store_txn *t;
	struct slice v;
	uint8_t *copy;

	assert_int_equal(store_txn_begin(reg_store(f->reg), STORE_TXN_WRITE, &t), IDR_OK);
	assert_int_equal(store_get(t, db, key, &v), IDR_OK);
	assert_true(at < v.len);
	copy = malloc(v.len);
	assert_non_null(copy);
	memcpy(copy, v.p, v.len);
	copy[at] ^= 0x01;
	assert_int_equal(store_put(t, db, key, slice_make(copy, v.len), 0, NULL), IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	free(copy);
}

static void
raw_del(struct reg_fix *f, enum store_db db, struct slice key)
{
	struct store_txn *t;

	assert_int_equal(store_txn_begin(reg_store(f->reg), STORE_TXN_WRITE, &t), IDR_OK);
	assert_int_equal(store_del(t, db, key), IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
}

/* ---------------------------------------------------------------- fold of a range */

static void
test_fold_range(void **state)
{
	struct reg_fix *f = *state;
	struct jrn_fold_result res;
	struct reg_journal_info before, after;
	struct audit_report a0, a;
	uint64_t records0;

	history(f, 20);
	before = jinfo(f);
	audit_ok(f, &a0);
	records0 = a0.records;
	assert_int_equal(before.ckpt.seq, 0);
	assert_int_equal(before.entries, before.head_seq);

	/* steps of 4 entries below seq 11: 4, 4, 2 */
	res = fold_step(f, 11, 4);
	assert_int_equal(res.folded, 4);
	assert_true(res.more);
	assert_int_equal(res.ckpt.seq, 4);
	assert_true(res.bytes > 4 * JRN_FIXED_LEN);
	res = fold_step(f, 11, 4);
	assert_int_equal(res.ckpt.seq, 8);
	res = fold_step(f, 11, 4);
	assert_int_equal(res.folded, 2);
	assert_false(res.more);
	assert_int_equal(res.ckpt.seq, 10);
	assert_true(res.ckpt.fold_ms > 0);
	res = fold_step(f, 11, 4); /* nothing left below the bound */
	assert_int_equal(res.folded, 0);
	assert_false(res.more);

	after = jinfo(f);
	assert_int_equal(after.ckpt.seq, 10);
	assert_int_equal(after.head_seq, before.head_seq);
	assert_int_equal(after.entries, before.entries - 10);
	audit_ok(f, &a);
	assert_int_equal(a.ckpt_seq, 10);
	assert_int_equal(a.entries, before.entries - 10);
	assert_int_equal(a.records, records0);
	assert_true(a.unchecked > 0);
	assert_memory_equal(a.head, a0.head, sizeof(a.head));

	/* a bound past the head folds everything; later writes link to the checkpoint */
	res = fold_step(f, UINT64_MAX, 0);
	assert_int_equal(res.ckpt.seq, before.head_seq);
	assert_int_equal(jinfo(f).entries, 0);
	audit_ok(f, &a);
	assert_int_equal(a.entries, 0);
	create_one(f, ENT "/NEW");
	audit_ok(f, &a);
	assert_int_equal(a.entries, 1);
	assert_int_equal(a.records, records0 + 1);
}

/* ---------------------------------------------------------------- bound rules */

/* A bare journal in a fresh store: entries 1..n at time_ms = 1000 * seq, 100-byte payloads. */
static struct store *
bare_journal(struct reg_fix *f, int n)
{
	struct store_opts o = {STORE_BACKEND_MEMORY, NULL, 0, 0, false, false, true, false, false};
	struct jrn_head h = {0, {0}};
	struct store *s = NULL;
	struct store_txn *t;
	struct wbuf chg, scratch;
	uint8_t payload[100];
	size_t mark;

	(void)f;
	memset(payload, 'x', sizeof(payload));
	assert_int_equal(store_open(&s, &o), IDR_OK);
	wbuf_init_heap(&chg, 1 << 16);
	wbuf_init_heap(&scratch, 1 << 16);
	assert_int_equal(store_txn_begin(s, STORE_TXN_WRITE, &t), IDR_OK);
	for (int i = 1; i <= n; i++) {
		mark = jrn_change_begin(&chg, JRN_OP_CREATE, SLICE_LIT(ENT "/X"));
		wbuf_bytes(&chg, payload, sizeof(payload));
		assert_int_equal(jrn_change_end(&chg, mark).len, sizeof(payload));
		assert_int_equal(jrn_append(t, &h, SLICE_LIT("t"), (uint64_t)i * 1000,
		                            slice_make(wbuf_data(&chg), wbuf_len(&chg)), &scratch),
		                 IDR_OK);
	}
	assert_int_equal(jrn_head_store(t, &h), IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	wbuf_deinit(&chg);
	wbuf_deinit(&scratch);
	return s;
}

static uint64_t
bound_of(struct store *s, uint64_t before, uint64_t age_ms, uint64_t keep, uint64_t now_ms)
{
	struct jrn_retention r = {before, age_ms, keep};
	struct store_txn *t;
	uint64_t b = 12345;

	assert_int_equal(store_txn_begin(s, STORE_TXN_READ, &t), IDR_OK);
	assert_int_equal(jrn_bound(t, &r, now_ms, &b), IDR_OK);
	store_txn_abort(t);
	return b;
}

static void
test_fold_bound_rules(void **state)
{
	struct store *s = bare_journal(*state, 10);
	uint64_t entry; /* bytes of one entry: key + value */
	struct store_txn *t;
	struct slice v;
	uint8_t k[JRN_KEY_LEN];

	assert_int_equal(store_txn_begin(s, STORE_TXN_READ, &t), IDR_OK);
	assert_int_equal(store_get(t, STORE_DB_JOURNAL, jkey(1, k), &v), IDR_OK);
	entry = JRN_KEY_LEN + v.len;
	store_txn_abort(t);

	/* no rule: the caller's bound as is */
	assert_int_equal(bound_of(s, 7, 0, 0, 0), 7);
	assert_int_equal(bound_of(s, UINT64_MAX, 0, 0, 0), UINT64_MAX);
	/* age: entries at 1000..10000 ms; now 10500, age 5000 -> older than 5500: seqs 1..5 */
	assert_int_equal(bound_of(s, UINT64_MAX, 5000, 0, 10500), 6);
	assert_int_equal(bound_of(s, 4, 5000, 0, 10500), 4); /* the caller's bound is lower */
	assert_int_equal(bound_of(s, UINT64_MAX, 100000, 0, 10500), 1); /* nothing that old */
	assert_int_equal(bound_of(s, UINT64_MAX, 1, 0, 1000000), 11);   /* all of them */
	assert_int_equal(bound_of(s, UINT64_MAX, 5000, 0, 0), 1);       /* clock before them */
	/* size: keep the newest 3 entries exactly, or 3 and a bit -> still 3 */
	assert_int_equal(bound_of(s, UINT64_MAX, 0, 3 * entry, 0), 8);
	assert_int_equal(bound_of(s, UINT64_MAX, 0, 3 * entry + 1, 0), 8);
	assert_int_equal(bound_of(s, UINT64_MAX, 0, 3 * entry - 1, 0), 9);
	assert_int_equal(bound_of(s, UINT64_MAX, 0, 100 * entry, 0), 0); /* all fit */
	/* either rule makes an entry due: the larger bound wins, capped by before */
	assert_int_equal(bound_of(s, UINT64_MAX, 5000, 8 * entry, 10500), 6);
	assert_int_equal(bound_of(s, UINT64_MAX, 100000, 2 * entry, 10500), 9);
	assert_int_equal(bound_of(s, 5, 100000, 2 * entry, 10500), 5);
	store_close(s);
}

/* jrn_fold on a bare journal: the first kept entry links to the checkpoint hash. */
static void
test_fold_links_checkpoint(void **state)
{
	struct store *s = bare_journal(*state, 10);
	struct jrn_fold_result res;
	struct store_txn *t;
	struct jrn_entry e;
	struct wbuf scratch;
	struct slice v;
	uint8_t k[JRN_KEY_LEN];

	wbuf_init_heap(&scratch, 1 << 16);
	assert_int_equal(store_txn_begin(s, STORE_TXN_WRITE, &t), IDR_OK);
	assert_int_equal(jrn_fold(t, 7, 0, 42, &scratch, &res), IDR_OK);
	assert_int_equal(res.folded, 6);
	assert_int_equal(res.ckpt.creates, 6);
	assert_int_equal(res.ckpt.fold_ms, 42);
	assert_int_equal(store_get(t, STORE_DB_JOURNAL, jkey(6, k), &v), IDR_ENOENT);
	assert_int_equal(store_get(t, STORE_DB_JOURNAL, jkey(7, k), &v), IDR_OK);
	assert_int_equal(jrn_entry_decode(jkey(7, k), v, &e), IDR_OK);
	assert_memory_equal(e.prev_hash, res.ckpt.hash, JRN_HASH_LEN);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	wbuf_deinit(&scratch);
	store_close(s);
}

/* ---------------------------------------------------------------- tampering after a fold */

static void
test_fold_tamper_first_kept(void **state)
{
	struct reg_fix *f = *state;
	uint8_t k[JRN_KEY_LEN];
	struct store_txn *t;
	struct slice v;
	size_t len;

	history(f, 10);
	(void)fold_step(f, 9, 0);
	/* the prev_hash of entry 9 (the last 32 bytes) no longer names the checkpoint */
	assert_int_equal(store_txn_begin(reg_store(f->reg), STORE_TXN_READ, &t), IDR_OK);
	assert_int_equal(store_get(t, STORE_DB_JOURNAL, jkey(9, k), &v), IDR_OK);
	len = v.len;
	store_txn_abort(t);
	raw_flip(f, STORE_DB_JOURNAL, jkey(9, k), len - 1);
	expect_audit(f, 9, "entry 9: previous-entry hash mismatch");
}

static void
test_fold_tamper_first_kept_body(void **state)
{
	struct reg_fix *f = *state;
	uint8_t k[JRN_KEY_LEN];

	history(f, 10);
	(void)fold_step(f, 9, 0);
	raw_flip(f, STORE_DB_JOURNAL, jkey(9, k), 4); /* time_ms: entry 10 no longer links */
	expect_audit(f, 10, "entry 10: previous-entry hash mismatch");
}

static void
test_fold_tamper_checkpoint(void **state)
{
	struct reg_fix *f = *state;

	history(f, 10);
	(void)fold_step(f, 9, 0);
	raw_flip(f, STORE_DB_META, SLICE_LIT(JRN_META_CKPT), 1 + 8 + 5); /* its hash */
	expect_audit(f, 9, "entry 9: previous-entry hash mismatch");
}

static void
test_fold_tamper_checkpoint_seq(void **state)
{
	struct reg_fix *f = *state;

	history(f, 10);
	(void)fold_step(f, 9, 0);
	raw_flip(f, STORE_DB_META, SLICE_LIT(JRN_META_CKPT), 8); /* seq 8 -> 9 */
	expect_audit(f, 10, "entry 10: missing (next is 9)");
}

static void
test_fold_tamper_checkpoint_removed(void **state)
{
	struct reg_fix *f = *state;

	history(f, 10);
	(void)fold_step(f, 9, 0);
	raw_del(f, STORE_DB_META, SLICE_LIT(JRN_META_CKPT));
	expect_audit(f, 1, "entry 1: missing (next is 9)");
}

static void
test_fold_tamper_checkpoint_counts(void **state)
{
	struct reg_fix *f = *state;

	history(f, 10);
	(void)fold_step(f, 9, 0);
	raw_flip(f, STORE_DB_META, SLICE_LIT(JRN_META_CKPT), 1 + 8 + 32 + 8 + 7); /* creates */
	expect_audit(f, 0, "the journal implies");
}

static void
test_fold_tamper_folded_record_removed(void **state)
{
	struct reg_fix *f = *state;

	history(f, 10);
	(void)fold_step(f, UINT64_MAX, 0);
	raw_del(f, STORE_DB_HANDLES, SLICE_LIT("88.118.8/I-005"));
	expect_audit(f, 0, "the journal implies");
}

/* A broken chain stops the fold before anything is removed. */
static void
test_fold_refuses_broken_chain(void **state)
{
	struct reg_fix *f = *state;
	struct jrn_fold_result res;
	struct reg_wtxn *w = NULL;
	uint8_t k[JRN_KEY_LEN];

	history(f, 10);
	raw_flip(f, STORE_DB_JOURNAL, jkey(6, k), 4);
	assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
	assert_int_equal(reg_journal_fold(w, 10, 0, &res), IDR_EJOURNAL);
	assert_int_equal(res.folded, 0);
	assert_int_equal(reg_write_status(w), IDR_OK); /* still usable */
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(jinfo(f).ckpt.seq, 0);
	assert_int_equal(jinfo(f).entries, jinfo(f).head_seq);
	/* folding up to the broken link is fine */
	assert_int_equal(fold_step(f, 7, 0).ckpt.seq, 6);
}

/* ---------------------------------------------------------------- interrupted fold */

static void
test_fold_interrupted(void **state)
{
	struct reg_fix *f = *state;
	struct jrn_fold_result res;
	struct reg_wtxn *w = NULL;
	struct audit_report a;

	history(f, 20);
	res = fold_step(f, 20, 5); /* step 1 committed ... */
	assert_true(res.more);
	/* ... step 2 dies before its commit (a crash between batches loses just that step) */
	assert_int_equal(reg_write_begin(f->reg, "tester", &w), IDR_OK);
	assert_int_equal(reg_journal_fold(w, 20, 5, &res), IDR_OK);
	assert_int_equal(res.ckpt.seq, 10);
	reg_write_abort(w);
	assert_int_equal(jinfo(f).ckpt.seq, 5);
	audit_ok(f, &a);
	assert_int_equal(a.ckpt_seq, 5);
	/* and the fold goes on from there */
	do {
		res = fold_step(f, 20, 5);
	} while (res.more);
	assert_int_equal(res.ckpt.seq, 19);
	audit_ok(f, &a);
	assert_int_equal(a.ckpt_seq, 19);
}

#define BOTH(t)                                                                                    \
	{#t "/memory", t, setup_mem, reg_fix_teardown, NULL},                                      \
	{                                                                                          \
#t "/lmdb", t, setup_lmdb, reg_fix_teardown, NULL                                  \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_fold_range),
	        cmocka_unit_test_setup_teardown(test_fold_bound_rules, setup_mem, reg_fix_teardown),
	        cmocka_unit_test_setup_teardown(test_fold_links_checkpoint, setup_mem,
	                                        reg_fix_teardown),
	        BOTH(test_fold_tamper_first_kept),
	        BOTH(test_fold_tamper_first_kept_body),
	        BOTH(test_fold_tamper_checkpoint),
	        BOTH(test_fold_tamper_checkpoint_seq),
	        BOTH(test_fold_tamper_checkpoint_removed),
	        BOTH(test_fold_tamper_checkpoint_counts),
	        BOTH(test_fold_tamper_folded_record_removed),
	        BOTH(test_fold_refuses_broken_chain),
	        BOTH(test_fold_interrupted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
