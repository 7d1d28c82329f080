/*
 * test_repl.c - journal shipping (repl.h) and follower acknowledgements (reg_follow.h): the
 * frame parser (valid frames, every truncation point, each length one past its limit); a
 * follower that applies a primary's whole journal (records, modify, delete, prefixes,
 * templates, aliases, events) ends with the same head, an intact audit and the same data; a
 * batch with a tampered entry, a broken chain or a gap is refused with nothing applied; a
 * batch sent again after a partial one resumes from the follower's head.
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
#include "life/capture.h"
#include "model/tmpl.h"
#include "reg.h"
#include "reg_follow.h"
#include "reg_int.h"
#include "repl.h"
#include "store/store.h"

#define ENT "88.118.8"

static const char agg[] =
        "{\"type\":\"AggregationEvent\",\"eventTime\":\"2024-03-01T10:00:00.000+08:00\","
        "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"ADD\",\"bizStep\":\"packing\","
        "\"parentID\":\"https://node.example/88.118.8/BOX-1\","
        "\"childEPCs\":[\"https://node.example/88.118.8/X-1\",\"https://node.example/88.118.8/"
        "X-2\"]}";

#define T10                                                                                        \
	"{\"prefix\":\"88.118.8\",\"version\":\"1.0\",\"industryCategory\":\"C\","                 \
	"\"industrySpecific\":\"34\",\"type\":1,\"items\":["                                       \
	"{\"name\":\"title\",\"idType\":\"title\",\"idIndex\":2000,\"required\":true,"             \
	"\"metadata\":{\"type\":\"string\",\"maxLength\":8}}]}"

struct fx {
	struct reg *primary;
	struct store *fstore;
	struct reg *follower;
};

/* ---------------------------------------------------------------- frames */

static size_t
frame(uint8_t *buf, uint64_t seq, uint32_t len, const char *value)
{
	struct wbuf w;

	wbuf_init(&w, buf, 64);
	wbuf_u64(&w, seq);
	wbuf_u32(&w, len);
	wbuf_bytes(&w, value, strlen(value));
	return wbuf_len(&w);
}

static void
test_repl_frame_valid(void **state)
{
	uint8_t buf[128];
	struct repl_frame f;
	struct rbuf r;
	size_t n;

	(void)state;
	n = frame(buf, 7, 3, "abc");
	n += frame(buf + n, 8, 1, "z");
	rbuf_init(&r, buf, n);
	assert_int_equal(repl_frame_next(&r, &f), IDR_OK);
	assert_int_equal(f.seq, 7);
	assert_int_equal(f.value.len, 3);
	assert_memory_equal(f.value.p, "abc", 3);
	assert_int_equal(repl_frame_next(&r, &f), IDR_OK);
	assert_int_equal(f.seq, 8);
	assert_int_equal(f.value.len, 1);
	assert_int_equal(rbuf_left(&r), 0);
	assert_int_equal(repl_frame_next(&r, &f), IDR_EAGAIN);
}

static void
test_repl_copy_open(void **state)
{
	const uint8_t body[10] = {0, 0, 0, 0, 0, 0, 1, 2, 0xaa, 0xbb};
	struct slice frames;
	uint64_t head = 0;

	(void)state;
	for (size_t cut = 0; cut < 8; cut++) {
		assert_int_equal(repl_copy_open(slice_make(body, cut), &head, &frames), IDR_EPROTO);
	}
	assert_int_equal(repl_copy_open(slice_make(body, 8), &head, &frames), IDR_OK);
	assert_int_equal(head, 0x102);
	assert_int_equal(frames.len, 0);
	assert_int_equal(repl_copy_open(slice_make(body, 10), &head, &frames), IDR_OK);
	assert_int_equal(frames.len, 2);
}

static void
test_repl_frame_truncations(void **state)
{
	uint8_t buf[64];
	struct repl_frame f;
	struct rbuf r;
	size_t n = frame(buf, 9, 5, "hello");

	(void)state;
	for (size_t cut = 0; cut < n; cut++) {
		rbuf_init(&r, buf, cut);
		assert_int_equal(repl_frame_next(&r, &f), IDR_EAGAIN);
		assert_int_equal(rbuf_offset(&r), 0); /* nothing consumed */
	}
	rbuf_init(&r, buf, n);
	assert_int_equal(repl_frame_next(&r, &f), IDR_OK);
}

static void
test_repl_frame_limits(void **state)
{
	uint8_t buf[64];
	struct repl_frame f;
	struct rbuf r;
	size_t n;

	(void)state;
	n = frame(buf, 1, 0, "");
	rbuf_init(&r, buf, n);
	assert_int_equal(repl_frame_next(&r, &f), IDR_ELIMIT);
	n = frame(buf, 1, (uint32_t)REPL_ENTRY_MAX + 1, "x");
	rbuf_init(&r, buf, n);
	assert_int_equal(repl_frame_next(&r, &f), IDR_ELIMIT);
	n = frame(buf, 1, UINT32_MAX, "x");
	rbuf_init(&r, buf, n);
	assert_int_equal(repl_frame_next(&r, &f), IDR_ELIMIT);
	n = frame(buf, 1, (uint32_t)REPL_ENTRY_MAX, "x"); /* at the limit: only short */
	rbuf_init(&r, buf, n);
	assert_int_equal(repl_frame_next(&r, &f), IDR_EAGAIN);
}

/* ---------------------------------------------------------------- registries */

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

/* A follower store: meta of a registry of node 88.118 and an empty journal. */
static int
setup(void **state)
{
	struct store_opts so = {.backend = STORE_BACKEND_MEMORY};
	struct reg_opts o = {.memory = true};
	struct fx *f = calloc(1, sizeof(*f));
	struct store_txn *t;
	uint8_t schema[4] = {0, 0, 0, REG_SCHEMA_VERSION};

	assert_non_null(f);
	assert_int_equal(reg_init(&f->primary, &o, "88.118", "test"), IDR_OK);
	assert_int_equal(store_open(&f->fstore, &so), IDR_OK);
	assert_int_equal(store_txn_begin(f->fstore, STORE_TXN_WRITE, &t), IDR_OK);
	assert_int_equal(store_put(t, STORE_DB_META, SLICE_LIT(REG_META_SCHEMA),
	                           slice_make(schema, 4), 0, NULL),
	                 IDR_OK);
	assert_int_equal(store_put(t, STORE_DB_META, SLICE_LIT(REG_META_NODE_PREFIX),
	                           SLICE_LIT("88.118"), 0, NULL),
	                 IDR_OK);
	assert_int_equal(store_txn_commit(t), IDR_OK);
	assert_int_equal(reg_open_store(&f->follower, f->fstore, &o), IDR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	reg_close(f->follower);
	store_close(f->fstore);
	reg_close(f->primary);
	free(f);
	return 0;
}

/* Every kind of change on the primary. */
static void
write_all(struct reg *r)
{
	struct value v[2] = {val(1, "URL", "https://a.example"), val(2, "EMAIL", "a@b.c")};
	struct value m = val(1, "URL", "https://b.example");
	char err[256];
	struct life_event ev;
	struct reg_wtxn *w;
	struct tmpl *t = NULL;
	char name[64];

	assert_int_equal(reg_write_begin(r, "300:88.118/ADMIN", &w), IDR_OK);
	assert_int_equal(reg_prefix_add(w, SLICE_LIT(ENT), SLICE_LIT("Acme"), 1, NULL), IDR_OK);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), ENT "/P-%d", i);
		assert_int_equal(reg_create(w, slice_cstr(name),
		                            i % 2 ? REC_KIND_PART : REC_KIND_NONE, v, 2, 0, NULL),
		                 IDR_OK);
	}
	assert_int_equal(reg_modify_values(w, SLICE_LIT(ENT "/P-1"), &m, 1), IDR_OK);
	assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/P-2")), IDR_OK);
	assert_int_equal(tmpl_from_json(&t, T10, strlen(T10), err, sizeof(err)), IDR_OK);
	assert_int_equal(reg_tmpl_create(w, t, NULL), IDR_OK);
	tmpl_free(t);
	assert_int_equal(
	        reg_alias_add(w, SLICE_LIT("oid:1.2.156.3001.1"), SLICE_LIT(ENT "/P-3"), NULL),
	        IDR_OK);
	assert_int_equal(
	        reg_alias_add(w, SLICE_LIT("oid:1.2.156.3001.2"), SLICE_LIT(ENT "/P-4"), NULL),
	        IDR_OK);
	assert_int_equal(reg_delete(w, SLICE_LIT(ENT "/P-4")), IDR_OK); /* drops its alias */
	assert_int_equal(life_event_parse(agg, strlen(agg), &ev, err, sizeof(err)), IDR_OK);
	assert_int_equal(life_capture(w, &ev, NULL, NULL, err, sizeof(err)), IDR_OK);
	life_event_deinit(&ev);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

struct ship {
	struct wbuf out;
	uint64_t to; /* last seq to ship (0: all) */
};

static int
ship_one(void *arg, const struct jrn_entry *e)
{
	struct ship *s = arg;
	uint8_t buf[1 << 16];
	struct wbuf v;

	if (s->to != 0 && e->seq > s->to) {
		return 1;
	}
	wbuf_init(&v, buf, sizeof(buf));
	jrn_entry_encode(&v, e);
	assert_int_equal(wbuf_error(&v), IDR_OK);
	repl_frame_put(&s->out, e->seq, wbuf_slice(&v));
	return 0;
}

/* The primary's journal from..to as frames into s (caller frees s->out). */
static void
ship(struct reg *r, uint64_t from, uint64_t to, struct ship *s)
{
	struct reg_rtxn *t;

	wbuf_init_heap(&s->out, 64u << 20);
	s->to = to;
	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_true(reg_journal_walk(t, from, ship_one, s) >= 0);
	reg_read_end(t);
	assert_int_equal(wbuf_error(&s->out), IDR_OK);
}

static void
assert_same_record(struct reg *a, struct reg *b, const char *id, bool present)
{
	struct reg_rtxn *ta, *tb;
	struct rec_view va, vb;

	assert_int_equal(reg_read_begin(a, &ta), IDR_OK);
	assert_int_equal(reg_read_begin(b, &tb), IDR_OK);
	assert_int_equal(reg_get(ta, slice_cstr(id), &va), present ? IDR_OK : IDR_ENOENT);
	assert_int_equal(reg_get(tb, slice_cstr(id), &vb), present ? IDR_OK : IDR_ENOENT);
	if (present) {
		assert_int_equal(va.body.len, vb.body.len);
		assert_memory_equal(va.body.p, vb.body.p, va.body.len);
	}
	reg_read_end(ta);
	reg_read_end(tb);
}

static void
assert_same_head(struct reg *a, struct reg *b)
{
	struct jrn_head ha, hb;

	assert_int_equal(repl_head(a, &ha), IDR_OK);
	assert_int_equal(repl_head(b, &hb), IDR_OK);
	assert_int_equal(ha.seq, hb.seq);
	assert_memory_equal(ha.hash, hb.hash, JRN_HASH_LEN);
}

static int
count_ev(void *arg, const struct reg_event_view *ev)
{
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static void
test_repl_converge(void **state)
{
	struct fx *f = *state;
	struct audit_report ar;
	struct repl_result res;
	struct reg_rtxn *t;
	struct slice h;
	struct ship s;
	uint64_t n = 0;
	int events = 0;

	write_all(f->primary);
	ship(f->primary, 1, 0, &s);
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_OK);
	wbuf_deinit(&s.out);
	assert_true(res.applied > 20);
	assert_same_head(f->primary, f->follower);
	assert_int_equal(audit_verify(f->follower, &ar), IDR_OK);
	assert_same_record(f->primary, f->follower, ENT "/P-1", true);
	assert_same_record(f->primary, f->follower, ENT "/P-2", false);
	assert_same_record(f->primary, f->follower, ENT "/P-19", true);
	assert_same_record(f->primary, f->follower, "0.NA/" ENT, true);
	assert_int_equal(reg_read_begin(f->follower, &t), IDR_OK);
	assert_int_equal(reg_alias_get(t, SLICE_LIT("oid:1.2.156.3001.1"), &h), IDR_OK);
	assert_int_equal(reg_alias_get(t, SLICE_LIT("oid:1.2.156.3001.2"), &h), IDR_ENOENT);
	assert_int_equal(reg_count(t, SLICE_LIT(ENT), &n), IDR_OK);
	assert_int_equal(n, 18);
	assert_int_equal(reg_events(t, SLICE_LIT("88.118.8/X-1"), INT64_MIN, INT64_MAX, 0, count_ev,
	                            &events),
	                 IDR_OK);
	assert_int_equal(events, 1);
	reg_read_end(t);
	/* nothing new: an empty batch and a batch of held entries change nothing */
	assert_int_equal(repl_apply_frames(f->follower, slice_make(NULL, 0), &res), IDR_OK);
	ship(f->primary, 1, 0, &s);
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_OK);
	assert_int_equal(res.applied, 0);
	wbuf_deinit(&s.out);
}

/* Apply s after tampering byte off of frame k's value (0: no tamper); expect refusal. */
static void
refused(struct fx *f, struct ship *s, size_t at)
{
	struct repl_result res;
	struct jrn_head before, after;

	assert_int_equal(repl_head(f->follower, &before), IDR_OK);
	s->out.p[at] ^= 0x01;
	assert_int_not_equal(repl_apply_frames(f->follower, wbuf_slice(&s->out), &res), IDR_OK);
	s->out.p[at] ^= 0x01;
	assert_int_equal(res.applied, 0);
	assert_true(res.why[0] != '\0');
	assert_int_equal(repl_head(f->follower, &after), IDR_OK);
	assert_int_equal(before.seq, after.seq);
	assert_memory_equal(before.hash, after.hash, JRN_HASH_LEN);
}

static void
test_repl_refused(void **state)
{
	struct fx *f = *state;
	struct audit_report ar;
	struct repl_result res;
	struct rbuf r;
	struct repl_frame fr;
	struct ship s;
	size_t second, len;

	write_all(f->primary);
	ship(f->primary, 1, 0, &s);
	/* offsets: the second frame's value */
	rbuf_init(&r, s.out.p, s.out.len);
	assert_int_equal(repl_frame_next(&r, &fr), IDR_OK);
	second = rbuf_offset(&r) + REPL_FRAME_HEAD;
	assert_int_equal(repl_frame_next(&r, &fr), IDR_OK);
	len = fr.value.len;
	refused(f, &s, second + 30);       /* in the change (identity/identifier/payload) */
	refused(f, &s, second + len - 1);  /* prev_hash: the chain */
	refused(f, &s, second + len - 40); /* change_hash */
	refused(f, &s, second - REPL_FRAME_HEAD + 7); /* seq: a gap */
	refused(f, &s, s.out.len - 40);               /* the last entry only: all or nothing */
	/* truncated body */
	s.out.len--;
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_EPROTO);
	assert_int_equal(res.applied, 0);
	s.out.len++;
	/* untouched it applies */
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_OK);
	assert_same_head(f->primary, f->follower);
	assert_int_equal(audit_verify(f->follower, &ar), IDR_OK);
	wbuf_deinit(&s.out);
}

static void
test_repl_resume(void **state)
{
	struct fx *f = *state;
	struct audit_report ar;
	struct repl_result res;
	struct jrn_head h;
	struct ship s;

	write_all(f->primary);
	ship(f->primary, 1, 10, &s);
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_OK);
	assert_int_equal(res.head, 10);
	wbuf_deinit(&s.out);
	/* the whole journal again (the follower crashed before sending its next from) */
	ship(f->primary, 1, 0, &s);
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_OK);
	wbuf_deinit(&s.out);
	assert_same_head(f->primary, f->follower);
	/* more writes, shipped from the follower's head + 1 */
	assert_int_equal(repl_head(f->follower, &h), IDR_OK);
	{
		struct value v = val(1, "URL", "https://c.example");
		struct reg_wtxn *w;

		assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
		assert_int_equal(
		        reg_create(w, SLICE_LIT(ENT "/NEW"), REC_KIND_NONE, &v, 1, 0, NULL),
		        IDR_OK);
		assert_int_equal(reg_write_commit(w), IDR_OK);
	}
	ship(f->primary, h.seq + 1, 0, &s);
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_OK);
	assert_int_equal(res.applied, 1);
	wbuf_deinit(&s.out);
	assert_same_head(f->primary, f->follower);
	assert_same_record(f->primary, f->follower, ENT "/NEW", true);
	assert_int_equal(audit_verify(f->follower, &ar), IDR_OK);
}

static int
count_cb(void *arg, struct slice follower, const struct reg_follow_info *fi)
{
	(void)follower;
	(void)fi;
	(*(int *)arg)++;
	return 0;
}

/* The acknowledgement of one follower (seq and time), found by name. */
struct find {
	const char *name;
	struct reg_follow_info fi;
	bool found;
};

static int
find_cb(void *arg, struct slice follower, const struct reg_follow_info *fi)
{
	struct find *f = arg;

	if (slice_eq(follower, slice_cstr(f->name))) {
		f->fi = *fi;
		f->found = true;
	}
	return 0;
}

static struct find
follower_find(struct reg *r, const char *name)
{
	struct find f = {name, {0, 0}, false};
	struct reg_rtxn *t;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(reg_follow_list(t, find_cb, &f), IDR_OK);
	reg_read_end(t);
	return f;
}

static uint64_t
follower_min(struct reg *r, uint64_t now_s, uint64_t expire_s, int want)
{
	struct reg_rtxn *t;
	uint64_t min = 12345;

	assert_int_equal(reg_read_begin(r, &t), IDR_OK);
	assert_int_equal(reg_follow_min(t, now_s, expire_s, &min), want);
	reg_read_end(t);
	return min;
}

/* A follower silent for longer than the expiry no longer bounds the minimum. */
static void
test_repl_follow_expire(void **state)
{
	struct fx *f = *state;
	struct reg_follow_info fi = {10, 1000};
	struct reg_wtxn *w;
	struct find fd;

	assert_false(reg_follow_expired(&fi, 1000, 60));
	assert_false(reg_follow_expired(&fi, 1060, 60)); /* exactly the expiry: still live */
	assert_true(reg_follow_expired(&fi, 1061, 60));
	assert_false(reg_follow_expired(&fi, 999999, 0)); /* 0: never */
	assert_false(reg_follow_expired(&fi, 10, 60));    /* clock stepped back */

	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/OLD"), 5, 1000), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/NEW"), 40, 2000), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(follower_min(f->primary, 2000, 0, IDR_OK), 5);     /* never expire */
	assert_int_equal(follower_min(f->primary, 2000, 1000, IDR_OK), 5);  /* OLD at the edge */
	assert_int_equal(follower_min(f->primary, 2001, 1000, IDR_OK), 40); /* OLD expired */
	follower_min(f->primary, 3001, 1000, IDR_ENOENT);                   /* both expired */

	/* a lower seq keeps the seq but refreshes the time: the follower is alive */
	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/OLD"), 3, 2500), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	fd = follower_find(f->primary, "300:88.118/OLD");
	assert_true(fd.found);
	assert_int_equal(fd.fi.seq, 5);
	assert_int_equal(fd.fi.ack_s, 2500);
	assert_int_equal(follower_min(f->primary, 3001, 1000, IDR_OK), 5);
}

/* Forgetting one follower leaves the others; an unknown one is IDR_ENOENT, nothing changed. */
static void
test_repl_follow_forget(void **state)
{
	struct fx *f = *state;
	struct reg_wtxn *w;
	char longname[REG_FOLLOW_NAME_MAX + 2];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/M1"), 5, 100), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/M2"), 9, 100), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(follower_min(f->primary, 100, 0, IDR_OK), 5);

	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_forget(w, SLICE_LIT("300:88.118/NOPE")), IDR_ENOENT);
	assert_int_equal(reg_follow_forget(w, SLICE_LIT("")), IDR_EINVAL);
	assert_int_equal(reg_follow_forget(w, slice_cstr(longname)), IDR_ELIMIT);
	assert_int_equal(reg_follow_forget(w, SLICE_LIT("300:88.118/M1")), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK); /* the misses did not poison it */
	assert_false(follower_find(f->primary, "300:88.118/M1").found);
	assert_true(follower_find(f->primary, "300:88.118/M2").found);
	assert_int_equal(follower_min(f->primary, 100, 0, IDR_OK), 9);

	/* an aborted forget changes nothing */
	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_forget(w, SLICE_LIT("300:88.118/M2")), IDR_OK);
	reg_write_abort(w);
	assert_true(follower_find(f->primary, "300:88.118/M2").found);
}

static void
test_repl_follow_acks(void **state)
{
	struct fx *f = *state;
	struct reg_wtxn *w;
	struct reg_rtxn *t;
	uint64_t min = 1;
	int n = 0;

	assert_int_equal(reg_read_begin(f->primary, &t), IDR_OK);
	assert_int_equal(reg_follow_min(t, 100, 0, &min), IDR_ENOENT);
	reg_read_end(t);
	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/M1"), 50, 100), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/M2"), 20, 100), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/M2"), 10, 100),
	                 IDR_OK); /* kept 20 */
	assert_int_equal(reg_follow_ack(w, SLICE_LIT(""), 10, 100), IDR_EINVAL);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(reg_read_begin(f->primary, &t), IDR_OK);
	assert_int_equal(reg_follow_min(t, 100, 0, &min), IDR_OK);
	assert_int_equal(min, 20);
	assert_int_equal(reg_follow_list(t, count_cb, &n), IDR_OK);
	assert_int_equal(n, 2);
	reg_read_end(t);
	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/M2"), 60, 100), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(reg_read_begin(f->primary, &t), IDR_OK);
	assert_int_equal(reg_follow_min(t, 100, 0, &min), IDR_OK);
	assert_int_equal(min, 50);
	reg_read_end(t);
	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_clear(w), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(reg_read_begin(f->primary, &t), IDR_OK);
	assert_int_equal(reg_follow_min(t, 100, 0, &min), IDR_ENOENT);
	reg_read_end(t);
}

/*
 * A follower behind the primary's checkpoint is replaced by the primary's content: same head,
 * same records, its own keys gone, the chain verifies from the checkpoint.
 */
static void
test_repl_replace(void **state)
{
	struct fx *f = *state;
	struct jrn_fold_result fr;
	struct audit_report ar;
	struct repl_result res;
	struct reg_wtxn *w;
	struct ship s;
	uint64_t copied = 0, min = 0;
	struct reg_rtxn *t;

	write_all(f->primary);
	ship(f->primary, 1, 5, &s);
	assert_int_equal(repl_apply_frames(f->follower, wbuf_slice(&s.out), &res), IDR_OK);
	wbuf_deinit(&s.out);
	assert_int_equal(reg_write_begin(f->follower, "local", &w), IDR_OK);
	assert_int_equal(reg_follow_ack(w, SLICE_LIT("300:88.118/DOWNSTREAM"), 3, 100), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(reg_write_begin(f->primary, "local", &w), IDR_OK);
	assert_int_equal(reg_journal_fold(w, 10, 1000, &fr), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(fr.ckpt.seq, 9);

	assert_int_equal(repl_replace(f->follower, f->primary, &copied), IDR_OK);
	assert_true(copied > 20);
	assert_same_head(f->primary, f->follower);
	assert_same_record(f->primary, f->follower, ENT "/P-19", true);
	assert_same_record(f->primary, f->follower, ENT "/P-2", false);
	assert_int_equal(audit_verify(f->follower, &ar), IDR_OK);
	assert_int_equal(ar.ckpt_seq, 9);
	assert_int_equal(reg_read_begin(f->follower, &t), IDR_OK);
	assert_int_equal(reg_follow_min(t, 100, 0, &min), IDR_ENOENT); /* its own keys went */
	reg_read_end(t);

	/* again (same content): idempotent */
	assert_int_equal(repl_replace(f->follower, f->primary, &copied), IDR_OK);
	assert_same_head(f->primary, f->follower);
	assert_int_equal(audit_verify(f->follower, &ar), IDR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_repl_frame_valid),
	        cmocka_unit_test(test_repl_frame_truncations),
	        cmocka_unit_test(test_repl_copy_open),
	        cmocka_unit_test(test_repl_frame_limits),
	        cmocka_unit_test_setup_teardown(test_repl_converge, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repl_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repl_resume, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repl_follow_acks, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repl_follow_expire, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repl_follow_forget, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repl_replace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
