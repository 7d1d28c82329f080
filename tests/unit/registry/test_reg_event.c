/*
 * test_reg_event.c - lifecycle events and the link graph (reg.h reg_event_add, reg_events,
 * reg_trace) on the in-memory and the LMDB store: idempotent capture, journal entries and a
 * passing audit, timelines in time order with ranges and limits, back and forward traces of a
 * small supply chain (transformations and an aggregation packed then unpacked), cycles, the
 * depth and node caps, and every refused key.
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
#include "lib/reg_fix.h"
#include "reg.h"

static int
setup_mem(void **state)
{
	return reg_fix_setup(state, false, "test_reg_event", NULL);
}

static int
setup_lmdb(void **state)
{
	return reg_fix_setup(state, true, "test_reg_event", NULL);
}

/* An event id made from a small number (the model computes real CBV hashes). */
static void
mkid(uint8_t id[REG_EVENT_ID_LEN], unsigned n)
{
	memset(id, 0, REG_EVENT_ID_LEN);
	id[0] = (uint8_t)(n >> 8);
	id[1] = (uint8_t)n;
}

/* Add one event with subjects and links; @return the outcome. */
static enum reg_outcome
add(struct reg_fix *f, unsigned n, int64_t t, const char *const *subjects, size_t ns,
    const struct reg_event_link *links, size_t nl)
{
	struct slice subj[8];
	struct reg_event_put e;
	struct reg_wtxn *w;
	enum reg_outcome oc;
	char doc[64];

	assert_true(ns <= 8);
	for (size_t i = 0; i < ns; i++) {
		subj[i] = slice_cstr(subjects[i]);
	}
	memset(&e, 0, sizeof(e));
	mkid(e.id, n);
	e.time_ms = t;
	e.tz_min = 480;
	snprintf(doc, sizeof(doc), "{\"event\":%u}", n);
	e.doc = slice_cstr(doc);
	e.subjects = subj;
	e.nsubjects = ns;
	e.links = links;
	e.nlinks = nl;
	assert_int_equal(reg_write_begin(f->reg, "300:88.118.8/ADMIN", &w), IDR_OK);
	assert_int_equal(reg_event_add(w, &e, &oc), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	return oc;
}

static uint64_t
journal(struct reg_fix *f)
{
	struct reg_rtxn *t;
	uint64_t seq;

	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_changes(t, &seq), IDR_OK);
	reg_read_end(t);
	return seq;
}

#define L(k, a, from, to)                                                                          \
	{                                                                                          \
		(k), (a), SLICE_LIT(from), SLICE_LIT(to)                                           \
	}

/*
 * The chain: lot L1 (foundry) -> part P1 (machined, t=20); P1 -> WIP W1 (t=30); W1 + part P2
 * -> product X (assembled, t=40); X packed into box B (t=50), unpacked (t=70).
 */
static void
chain(struct reg_fix *f)
{
	static const struct reg_event_link l1[] = {
	        L(REG_LINK_TRANSFORMATION, REG_LINK_ADD, "88.118.8/P1", "88.118.9/L1")};
	static const struct reg_event_link l2[] = {
	        L(REG_LINK_TRANSFORMATION, REG_LINK_ADD, "88.118.8/W1", "88.118.8/P1")};
	static const struct reg_event_link l3[] = {
	        L(REG_LINK_TRANSFORMATION, REG_LINK_ADD, "88.118.8/X", "88.118.8/W1"),
	        L(REG_LINK_TRANSFORMATION, REG_LINK_ADD, "88.118.8/X", "88.118.9/P2")};
	static const struct reg_event_link l4[] = {
	        L(REG_LINK_AGGREGATION, REG_LINK_ADD, "88.118.8/B", "88.118.8/X")};
	static const struct reg_event_link l5[] = {
	        L(REG_LINK_AGGREGATION, REG_LINK_DELETE, "88.118.8/B", "88.118.8/X")};
	static const char *const s1[] = {"88.118.9/L1", "88.118.8/P1"};
	static const char *const s2[] = {"88.118.8/P1", "88.118.8/W1"};
	static const char *const s3[] = {"88.118.8/W1", "88.118.9/P2", "88.118.8/X"};
	static const char *const s4[] = {"88.118.8/B", "88.118.8/X"};
	static const char *const s6[] = {"88.118.8/X"};

	assert_int_equal(add(f, 1, 20, s1, 2, l1, 1), REG_CREATED);
	assert_int_equal(add(f, 2, 30, s2, 2, l2, 1), REG_CREATED);
	assert_int_equal(add(f, 3, 40, s3, 3, l3, 2), REG_CREATED);
	assert_int_equal(add(f, 4, 50, s4, 2, l4, 1), REG_CREATED);
	assert_int_equal(add(f, 6, 60, s6, 1, NULL, 0), REG_CREATED); /* shipping, no link */
	assert_int_equal(add(f, 5, 70, s4, 2, l5, 1), REG_CREATED);
}

struct seen {
	char names[32][64];
	unsigned depth[32];
	size_t n;
};

static int
collect(void *arg, const struct reg_trace_step *st)
{
	struct seen *s = arg;

	assert_true(s->n < 32);
	snprintf(s->names[s->n], sizeof(s->names[0]), "%.*s", (int)st->node.len,
	         (const char *)st->node.p);
	s->depth[s->n] = st->depth;
	s->n++;
	assert_true(st->depth == 0 ? st->event_id == NULL : st->event_id != NULL);
	return 0;
}

static bool
has(const struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->names[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static struct seen
trace(struct reg_fix *f, const char *root, enum reg_trace_dir dir, unsigned depth, size_t max,
      int64_t at, bool *truncated)
{
	struct reg_rtxn *t;
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(
	        reg_trace(t, slice_cstr(root), dir, depth, max, at, collect, &s, truncated),
	        IDR_OK);
	reg_read_end(t);
	return s;
}

static void
test_capture_idempotent(void **state)
{
	struct reg_fix *f = *state;
	static const char *const s[] = {"88.118.8/X"};
	uint64_t j0 = journal(f);
	uint8_t id[REG_EVENT_ID_LEN];
	struct reg_event_view ev;
	struct reg_rtxn *t;

	assert_int_equal(add(f, 9, 1000, s, 1, NULL, 0), REG_CREATED);
	assert_int_equal(journal(f), j0 + 1);
	assert_int_equal(add(f, 9, 1000, s, 1, NULL, 0), REG_UNCHANGED);
	assert_int_equal(journal(f), j0 + 1); /* nothing written the second time */
	mkid(id, 9);
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_event_get(t, id, &ev), IDR_OK);
	assert_int_equal(ev.time_ms, 1000);
	assert_int_equal(ev.tz_min, 480);
	assert_true(ev.record_ms > 0);
	assert_memory_equal(ev.id, id, REG_EVENT_ID_LEN);
	assert_int_equal(ev.doc.len, strlen("{\"event\":9}"));
	assert_memory_equal(ev.doc.p, "{\"event\":9}", ev.doc.len);
	mkid(id, 10);
	assert_int_equal(reg_event_get(t, id, &ev), IDR_ENOENT);
	reg_read_end(t);
	if (f->lmdb) {
		struct audit_report rep;

		memset(&rep, 0, sizeof(rep));
		assert_int_equal(audit_verify(f->reg, &rep), IDR_OK);
	}
}

struct tl {
	int64_t times[16];
	size_t n;
};

static int
timeline_cb(void *arg, const struct reg_event_view *ev)
{
	struct tl *tl = arg;

	assert_true(tl->n < 16);
	tl->times[tl->n++] = ev->time_ms;
	return 0;
}

static struct tl
timeline(struct reg_fix *f, const char *subject, int64_t from, int64_t to, size_t limit)
{
	struct reg_rtxn *t;
	struct tl tl;

	memset(&tl, 0, sizeof(tl));
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_events(t, slice_cstr(subject), from, to, limit, timeline_cb, &tl),
	                 IDR_OK);
	reg_read_end(t);
	return tl;
}

static void
test_timeline(void **state)
{
	struct reg_fix *f = *state;
	struct tl tl;

	chain(f);
	tl = timeline(f, "88.118.8/X", INT64_MIN, INT64_MAX, 0);
	assert_int_equal(tl.n, 4);
	assert_int_equal(tl.times[0], 40);
	assert_int_equal(tl.times[1], 50);
	assert_int_equal(tl.times[2], 60);
	assert_int_equal(tl.times[3], 70);
	tl = timeline(f, "88.118.8/X", 50, 70, 0); /* [50, 70) */
	assert_int_equal(tl.n, 2);
	assert_int_equal(tl.times[0], 50);
	tl = timeline(f, "88.118.8/X", INT64_MIN, INT64_MAX, 1);
	assert_int_equal(tl.n, 1);
	tl = timeline(f, "88.118.8/X1", INT64_MIN, INT64_MAX, 0); /* a longer key: not X's */
	assert_int_equal(tl.n, 0);
	tl = timeline(f, "88.118.8/", INT64_MIN, INT64_MAX, 0); /* a prefix of keys: nothing */
	assert_int_equal(tl.n, 0);
}

static struct tl
latest(struct reg_fix *f, const char *subject, size_t limit, size_t count_max, size_t *more)
{
	struct reg_rtxn *t;
	struct tl tl;

	memset(&tl, 0, sizeof(tl));
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(
	        reg_events_latest(t, slice_cstr(subject), limit, count_max, timeline_cb, &tl, more),
	        IDR_OK);
	reg_read_end(t);
	return tl;
}

/* Newest first, then the older ones counted up to a cap; neighbouring keys stay apart. */
static void
test_timeline_latest(void **state)
{
	static const char *const s7[] = {"88.118.8/X\x01"};
	static const char *const s8[] = {"88.118.8/Y"};
	struct reg_fix *f = *state;
	struct reg_rtxn *t;
	size_t more = 99;
	struct tl tl;

	chain(f);
	assert_int_equal(add(f, 7, 99, s7, 1, NULL, 0), REG_CREATED); /* sorts right after X */
	assert_int_equal(add(f, 8, 10, s8, 1, NULL, 0), REG_CREATED);
	tl = latest(f, "88.118.8/X", 10, 100, &more);
	assert_int_equal(tl.n, 4);
	assert_int_equal(tl.times[0], 70);
	assert_int_equal(tl.times[3], 40);
	assert_int_equal(more, 0);
	tl = latest(f, "88.118.8/X", 1, 100, &more);
	assert_int_equal(tl.n, 1);
	assert_int_equal(tl.times[0], 70);
	assert_int_equal(more, 3);
	tl = latest(f, "88.118.8/X", 2, 1, &more); /* counting stops at the cap */
	assert_int_equal(tl.n, 2);
	assert_int_equal(tl.times[1], 60);
	assert_int_equal(more, 1);
	tl = latest(f, "88.118.8/X", 0, 100, &more);
	assert_int_equal(tl.n, 0);
	assert_int_equal(more, 4);
	tl = latest(f, "88.118.8/Y", 5, 5, &more); /* the last subject in the index */
	assert_int_equal(tl.n, 1);
	assert_int_equal(tl.times[0], 10);
	tl = latest(f, "88.118.8/X1", 5, 5, &more);
	assert_int_equal(tl.n, 0);
	assert_int_equal(more, 0);
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_events_latest(t, SLICE_LIT(""), 1, 1, timeline_cb, &tl, &more),
	                 IDR_EINVAL);
	reg_read_end(t);
}

static void
test_trace_back_forward(void **state)
{
	struct reg_fix *f = *state;
	struct seen s;
	bool trunc;

	chain(f);
	s = trace(f, "88.118.8/X", REG_TRACE_BACK, 10, 100, INT64_MAX, &trunc);
	assert_false(trunc);
	assert_int_equal(s.n, 5); /* X, W1, P2, P1, L1 */
	assert_string_equal(s.names[0], "88.118.8/X");
	assert_true(has(&s, "88.118.8/W1") && has(&s, "88.118.9/P2") && has(&s, "88.118.8/P1") &&
	            has(&s, "88.118.9/L1"));
	assert_false(has(&s, "88.118.8/B"));
	/* forward from the lot: the box only while X was in it */
	s = trace(f, "88.118.9/L1", REG_TRACE_FORWARD, 10, 100, 60, &trunc);
	assert_int_equal(s.n, 5); /* L1, P1, W1, X, B */
	assert_true(has(&s, "88.118.8/B"));
	assert_int_equal(s.depth[4], 4);
	s = trace(f, "88.118.9/L1", REG_TRACE_FORWARD, 10, 100, INT64_MAX, &trunc);
	assert_int_equal(s.n, 4); /* unpacked at t=70 */
	assert_false(has(&s, "88.118.8/B"));
	s = trace(f, "88.118.9/L1", REG_TRACE_FORWARD, 10, 100, 35, &trunc);
	assert_int_equal(s.n, 3); /* at t=35 X was not assembled yet */
	assert_false(has(&s, "88.118.8/X"));
	s = trace(f, "88.118.8/B", REG_TRACE_BACK, 10, 100, 55, &trunc);
	assert_int_equal(s.n, 6); /* the box at t=55 holds X and all it is made of */
	/* caps */
	s = trace(f, "88.118.8/X", REG_TRACE_BACK, 1, 100, INT64_MAX, &trunc);
	assert_int_equal(s.n, 3);
	assert_false(trunc);
	s = trace(f, "88.118.8/X", REG_TRACE_BACK, 10, 2, INT64_MAX, &trunc);
	assert_int_equal(s.n, 2);
	assert_true(trunc);
	s = trace(f, "88.118.8/NONE", REG_TRACE_BACK, 10, 100, INT64_MAX, &trunc);
	assert_int_equal(s.n, 1); /* the root alone */
}

/*
 * reg_rtxn_reads counts what a trace costs: a seek per node expanded and a move per link entry
 * (the trace never scans). Back from X: 5 nodes, 4 edges -> 9 reads today; the bound leaves
 * room for a lookup or two per node (aliases) but not for a scan.
 */
static void
test_trace_reads(void **state)
{
	struct reg_fix *f = *state;
	struct reg_rtxn *t;
	struct seen s;
	uint64_t before;

	chain(f);
	memset(&s, 0, sizeof(s));
	assert_int_equal(reg_rtxn_reads(NULL), 0);
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_rtxn_reads(t), 0);
	assert_int_equal(reg_trace(t, SLICE_LIT("88.118.8/X"), REG_TRACE_BACK, 10, 100, INT64_MAX,
	                           collect, &s, NULL),
	                 IDR_OK);
	assert_int_equal(s.n, 5);
	assert_in_range(reg_rtxn_reads(t), 5 + 4, 3 * (5 + 4));
	/* the depth cap: the root's links only (a seek and 2 entries, then the end) */
	before = reg_rtxn_reads(t);
	memset(&s, 0, sizeof(s));
	assert_int_equal(reg_trace(t, SLICE_LIT("88.118.8/X"), REG_TRACE_BACK, 1, 100, INT64_MAX,
	                           collect, &s, NULL),
	                 IDR_OK);
	assert_int_equal(s.n, 3);
	assert_in_range(reg_rtxn_reads(t) - before, 3, 3 * 3);
	reg_read_end(t);
}

static void
test_trace_cycle(void **state)
{
	struct reg_fix *f = *state;
	static const struct reg_event_link ab[] = {
	        L(REG_LINK_TRANSFORMATION, REG_LINK_ADD, "88.118.8/A", "88.118.8/B")};
	static const struct reg_event_link ba[] = {
	        L(REG_LINK_TRANSFORMATION, REG_LINK_ADD, "88.118.8/B", "88.118.8/A")};
	static const char *const s[] = {"88.118.8/A", "88.118.8/B"};
	struct seen got;
	bool trunc;

	add(f, 1, 1, s, 2, ab, 1);
	add(f, 2, 2, s, 2, ba, 1);
	got = trace(f, "88.118.8/A", REG_TRACE_BACK, REG_TRACE_MAX_DEPTH, 100, INT64_MAX, &trunc);
	assert_int_equal(got.n, 2);
	got = trace(f, "88.118.8/A", REG_TRACE_FORWARD, REG_TRACE_MAX_DEPTH, 100, INT64_MAX,
	            &trunc);
	assert_int_equal(got.n, 2);
}

static void
test_refusals(void **state)
{
	struct reg_fix *f = *state;
	char big[REG_EVENT_KEY_MAX + 2];
	struct slice subj[1];
	struct reg_event_link l;
	struct reg_event_put e;
	struct reg_wtxn *w;
	struct reg_rtxn *t;
	uint64_t j0 = journal(f);

	memset(big, 'a', sizeof(big));
	memset(&e, 0, sizeof(e));
	mkid(e.id, 1);
	e.subjects = subj;
	assert_int_equal(reg_write_begin(f->reg, NULL, &w), IDR_OK);
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_EINVAL); /* no subject */
	e.nsubjects = 1;
	subj[0] = slice_make(big, REG_EVENT_KEY_MAX);
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_OK); /* at the limit */
	mkid(e.id, 2);
	subj[0] = slice_make(big, REG_EVENT_KEY_MAX + 1);
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_ELIMIT);
	subj[0] = slice_make(NULL, 0);
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_EINVAL);
	subj[0] = SLICE_LIT("a\0b");
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_EINVAL);
	subj[0] = SLICE_LIT("88.118.8/X");
	l.kind = REG_LINK_AGGREGATION;
	l.action = REG_LINK_ADD;
	l.from = SLICE_LIT("88.118.8/B");
	l.to = slice_make(big, REG_EVENT_KEY_MAX + 1);
	e.links = &l;
	e.nlinks = 1;
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_ELIMIT);
	l.to = SLICE_LIT("88.118.8/X");
	l.kind = 9;
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_EINVAL);
	l.kind = REG_LINK_AGGREGATION;
	l.action = 0;
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_EINVAL);
	e.nlinks = REG_EVENT_MAX_LINKS + 1;
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_ELIMIT);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(journal(f), j0 + 1); /* the one at the limit */
	assert_int_equal(reg_read_begin(f->reg, &t), IDR_OK);
	assert_int_equal(reg_trace(t, SLICE_LIT("x"), REG_TRACE_BACK, REG_TRACE_MAX_DEPTH + 1, 10,
	                           0, collect, NULL, NULL),
	                 IDR_EINVAL);
	assert_int_equal(reg_trace(t, SLICE_LIT("x"), REG_TRACE_BACK, 1, 0, 0, collect, NULL, NULL),
	                 IDR_EINVAL);
	reg_read_end(t);
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_setup_teardown(fn, setup_mem, reg_fix_teardown),                          \
	        cmocka_unit_test_setup_teardown(fn, setup_lmdb, reg_fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_capture_idempotent), BOTH(test_timeline),    BOTH(test_timeline_latest),
	        BOTH(test_trace_back_forward), BOTH(test_trace_cycle), BOTH(test_refusals),
	        BOTH(test_trace_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
