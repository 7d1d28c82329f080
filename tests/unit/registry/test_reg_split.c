/*
 * test_reg_split.c - the lifecycle data of a store copied into one server's store of a split
 * site (reg.h reg_split_copy, reg_link_walk): aliases with their reverse entries and joins by
 * the handle they lead to, timeline entries by subject, link entries by the node they are
 * stored under, each event document once and only if a copied entry names it; every link
 * visited once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg.h"

#define ALIAS_A "(01)06901234567892(21)SN1"

struct take_set {
	const char *keys[4]; /* what the output takes, whatever the kind */
	unsigned asked[4];   /* calls per kind (index = enum reg_split_kind) */
};

static bool
take(void *arg, enum reg_split_kind kind, struct slice key)
{
	struct take_set *t = arg;

	t->asked[kind]++;
	for (size_t i = 0; i < 4 && t->keys[i] != NULL; i++) {
		if (slice_eq(key, slice_cstr(t->keys[i]))) {
			return true;
		}
	}
	return false;
}

static struct reg *
mem_reg(void)
{
	struct reg_opts o;
	struct reg *r;

	memset(&o, 0, sizeof(o));
	o.memory = true;
	assert_int_equal(reg_init(&r, &o, "88.118", "test"), IDR_OK);
	return r;
}

static void
add_event(struct reg *r, unsigned n, const char *const *subjects, size_t ns,
          const struct reg_event_link *links, size_t nl)
{
	struct slice subj[4];
	struct reg_event_put e;
	struct reg_wtxn *w;
	char doc[32];

	for (size_t i = 0; i < ns; i++) {
		subj[i] = slice_cstr(subjects[i]);
	}
	memset(&e, 0, sizeof(e));
	e.id[0] = (uint8_t)n;
	e.time_ms = 1000 * (int64_t)n;
	snprintf(doc, sizeof(doc), "{\"event\":%u}", n);
	e.doc = slice_cstr(doc);
	e.subjects = subj;
	e.nsubjects = ns;
	e.links = links;
	e.nlinks = nl;
	assert_int_equal(reg_write_begin(r, "local", &w), IDR_OK);
	assert_int_equal(reg_event_add(w, &e, NULL), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
}

/* Events of A (with its alias), of A and B (A made from B), of B (B made from C). */
static struct reg *
source(void)
{
	static const struct reg_event_link ab[] = {{REG_LINK_TRANSFORMATION, REG_LINK_ADD,
	                                            SLICE_LIT("88.118/A"), SLICE_LIT("88.118/B")}};
	static const struct reg_event_link bc[] = {{REG_LINK_TRANSFORMATION, REG_LINK_ADD,
	                                            SLICE_LIT("88.118/B"), SLICE_LIT("88.118/C")}};
	static const char *const s1[] = {"88.118/A"};
	static const char *const s2[] = {"88.118/A", "88.118/B"};
	static const char *const s3[] = {"88.118/B", "88.118/C"};
	struct value v;
	struct reg_wtxn *w;
	struct reg *r = mem_reg();

	memset(&v, 0, sizeof(v));
	v.index = 1;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = VALUE_DEFAULT_TTL;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = SLICE_LIT("URL");
	v.data = SLICE_LIT("https://x.cn");
	assert_int_equal(reg_write_begin(r, "local", &w), IDR_OK);
	assert_int_equal(reg_create(w, SLICE_LIT("88.118/A"), REC_KIND_PART, &v, 1, 0, NULL),
	                 IDR_OK);
	assert_int_equal(reg_alias_add(w, SLICE_LIT(ALIAS_A), SLICE_LIT("88.118/A"), NULL), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	add_event(r, 1, s1, 1, NULL, 0);
	add_event(r, 2, s2, 2, ab, 1);
	add_event(r, 3, s3, 2, bc, 1);
	return r;
}

static int
count_event(void *arg, const struct reg_event_view *ev)
{
	(void)ev;
	(*(unsigned *)arg)++;
	return 0;
}

static unsigned
timeline(struct reg_rtxn *t, const char *subject)
{
	unsigned n = 0;

	assert_int_equal(
	        reg_events(t, slice_cstr(subject), INT64_MIN, INT64_MAX, 0, count_event, &n),
	        IDR_OK);
	return n;
}

static int
count_step(void *arg, const struct reg_trace_step *st)
{
	(void)st;
	(*(unsigned *)arg)++;
	return 0;
}

/* An output taking A: A's alias, A's timeline (events 1, 2), A's link; not B's or C's. */
static void
test_reg_split_copy_one_server(void **state)
{
	struct reg *src = source(), *dst = mem_reg();
	struct take_set ts = {{"88.118/A", NULL}, {0}};
	struct reg_split_stats st;
	struct reg_rtxn *t;
	struct reg_wtxn *w;
	struct reg_event_view ev;
	struct slice h;
	uint8_t id[REG_EVENT_ID_LEN] = {0};
	unsigned steps = 0;

	(void)state;
	assert_int_equal(reg_read_begin(src, &t), IDR_OK);
	assert_int_equal(reg_write_begin(dst, "local", &w), IDR_OK);
	assert_int_equal(reg_split_copy(t, w, take, &ts, &st), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	reg_read_end(t);
	assert_int_equal(st.aliases, 1);
	assert_int_equal(st.timeline, 2); /* A in events 1 and 2 */
	assert_int_equal(st.links, 1);    /* A -B-> B, stored under A */
	assert_int_equal(st.events, 2);   /* 1 and 2; not 3 */
	assert_true(ts.asked[REG_SPLIT_TIMELINE] == 5 && ts.asked[REG_SPLIT_LINK] == 4);
	assert_true(ts.asked[REG_SPLIT_ALIAS] >= 2);

	assert_int_equal(reg_read_begin(dst, &t), IDR_OK);
	assert_int_equal(reg_alias_get(t, SLICE_LIT(ALIAS_A), &h), IDR_OK);
	assert_true(slice_eq(h, SLICE_LIT("88.118/A")));
	assert_int_equal(timeline(t, "88.118/A"), 2);
	assert_int_equal(timeline(t, "88.118/B"), 0);
	id[0] = 3;
	assert_int_equal(reg_event_get(t, id, &ev), IDR_ENOENT);
	id[0] = 2;
	assert_int_equal(reg_event_get(t, id, &ev), IDR_OK);
	assert_true(slice_eq(ev.doc, SLICE_LIT("{\"event\":2}")));
	assert_int_equal(ev.time_ms, 2000);
	/* the trace from A reaches B, not C (B's links are another output's) */
	assert_int_equal(reg_trace(t, SLICE_LIT("88.118/A"), REG_TRACE_BACK, 8, 100, INT64_MAX,
	                           count_step, &steps, NULL),
	                 IDR_OK);
	assert_int_equal(steps, 2);
	reg_read_end(t);
	reg_close(dst);
	reg_close(src);
}

/* An output taking B and C (their links in both directions): the whole trace from A is not
 * there, but from B it is; nothing of A's alias. An output taking nothing gets nothing. */
static void
test_reg_split_copy_other_server(void **state)
{
	struct reg *src = source(), *dst = mem_reg(), *none = mem_reg();
	struct take_set ts = {{"88.118/B", "88.118/C", NULL}, {0}};
	struct take_set empty = {{NULL}, {0}};
	struct reg_split_stats st;
	struct reg_rtxn *t;
	struct reg_wtxn *w;
	struct slice h;
	unsigned steps = 0;

	(void)state;
	assert_int_equal(reg_read_begin(src, &t), IDR_OK);
	assert_int_equal(reg_write_begin(dst, "local", &w), IDR_OK);
	assert_int_equal(reg_split_copy(t, w, take, &ts, &st), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_int_equal(st.aliases, 0);
	assert_int_equal(st.timeline, 3); /* B in 2 and 3, C in 3 */
	assert_int_equal(st.links, 3);    /* B->A (forward), B->C, C->B */
	assert_int_equal(st.events, 2);
	assert_int_equal(reg_write_begin(none, "local", &w), IDR_OK);
	assert_int_equal(reg_split_copy(t, w, take, &empty, &st), IDR_OK);
	assert_int_equal(reg_write_commit(w), IDR_OK);
	assert_true(st.aliases == 0 && st.timeline == 0 && st.links == 0 && st.events == 0);
	reg_read_end(t);

	assert_int_equal(reg_read_begin(dst, &t), IDR_OK);
	assert_int_equal(reg_alias_get(t, SLICE_LIT(ALIAS_A), &h), IDR_ENOENT);
	assert_int_equal(timeline(t, "88.118/B"), 2);
	assert_int_equal(reg_trace(t, SLICE_LIT("88.118/B"), REG_TRACE_BACK, 8, 100, INT64_MAX,
	                           count_step, &steps, NULL),
	                 IDR_OK);
	assert_int_equal(steps, 2); /* B, C */
	steps = 0;
	assert_int_equal(reg_trace(t, SLICE_LIT("88.118/B"), REG_TRACE_FORWARD, 8, 100, INT64_MAX,
	                           count_step, &steps, NULL),
	                 IDR_OK);
	assert_int_equal(steps, 2); /* B, A */
	reg_read_end(t);
	reg_close(none);
	reg_close(dst);
	reg_close(src);
}

struct walk {
	unsigned n;
	char seen[4][32];
};

static int
on_link(void *arg, struct slice from, struct slice to)
{
	struct walk *w = arg;

	assert_true(w->n < 4);
	snprintf(w->seen[w->n++], sizeof(w->seen[0]), "%.*s>%.*s", (int)from.len,
	         (const char *)from.p, (int)to.len, (const char *)to.p);
	return 0;
}

/* Every link once, from its "from" end; a non-zero callback stops the walk. */
static void
test_reg_link_walk(void **state)
{
	struct reg *src = source();
	struct reg_rtxn *t;
	struct walk w;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(reg_read_begin(src, &t), IDR_OK);
	assert_int_equal(reg_link_walk(t, on_link, &w), IDR_OK);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.seen[0], "88.118/A>88.118/B");
	assert_string_equal(w.seen[1], "88.118/B>88.118/C");
	reg_read_end(t);
	reg_close(src);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reg_split_copy_one_server),
	        cmocka_unit_test(test_reg_split_copy_other_server),
	        cmocka_unit_test(test_reg_link_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
