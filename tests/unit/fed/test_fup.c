/* test_fup.c - pieces of the upward link and of the top level's report store: the back-off
 * schedule (fed/fup.h), HS_SITE comparison ignoring the serial and serial replacement, and
 * the report store (fed/frdb.h): new, duplicate, conflicting and too old reports, history
 * bound, totals and state in the nodes JSON, persistence across a reopen, a damaged file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fed/frdb.h"
#include "fed/fup.h"
#include "fed/node.h"
#include "lib/tmpdir.h"
#include "model/value.h"

static void
test_fup_backoff(void **state)
{
	static const struct {
		unsigned n, cap, want;
	} t[] = {
	        {0, 300, 1},
	        {1, 300, 1},
	        {2, 300, 2},
	        {3, 300, 4},
	        {4, 300, 8},
	        {9, 300, 256},
	        {10, 300, 300},
	        {11, 300, 300},
	        {1000, 300, 300},
	        {1, 1, 1},
	        {5, 1, 1},
	        {21, 1u << 30, 1u << 20},
	        {200, 1u << 30, 1u << 20},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (fup_backoff(t[i].n, t[i].cap) != t[i].want) {
			fail_msg("fup_backoff(%u, %u) = %u, want %u", t[i].n, t[i].cap,
			         fup_backoff(t[i].n, t[i].cap), t[i].want);
		}
	}
}

static void
site(struct wbuf *w, const char *list, uint16_t serial)
{
	wbuf_reset(w);
	assert_int_equal(node_site_build(w, list, serial), IDR_OK);
}

static void
test_fup_site_compare(void **state)
{
	struct wbuf a, b, c;
	struct value_site *s = malloc(sizeof(*s));

	(void)state;
	assert_non_null(s);
	wbuf_init_heap(&a, 4096);
	wbuf_init_heap(&b, 4096);
	wbuf_init_heap(&c, 4096);
	site(&a, "127.0.0.1:2641", 1);
	site(&b, "127.0.0.1:2641", 7);
	assert_true(fup_site_same(wbuf_slice(&a), wbuf_slice(&b))); /* only the serial differs */
	site(&b, "127.0.0.1:2642", 1);
	assert_false(fup_site_same(wbuf_slice(&a), wbuf_slice(&b)));
	site(&b, "127.0.0.1:2641,127.0.0.2:2641", 1);
	assert_false(fup_site_same(wbuf_slice(&a), wbuf_slice(&b)));
	assert_false(fup_site_same(wbuf_slice(&a), SLICE_LIT("garbage")));
	assert_false(fup_site_same(SLICE_LIT(""), SLICE_LIT("")));
	/* the serial replaced, nothing else */
	assert_int_equal(fup_site_serial(&c, wbuf_slice(&a), 42), IDR_OK);
	assert_int_equal(value_site_decode(wbuf_slice(&c), s), IDR_OK);
	assert_int_equal(s->serial, 42);
	assert_true(fup_site_same(wbuf_slice(&a), wbuf_slice(&c)));
	wbuf_reset(&c);
	assert_int_equal(fup_site_serial(&c, SLICE_LIT("xx"), 1), IDR_EPROTO);
	assert_int_equal(c.len, 0);
	wbuf_deinit(&a);
	wbuf_deinit(&b);
	wbuf_deinit(&c);
	free(s);
}

/* ---------------------------------------------------------------- frdb */

struct fx {
	char dir[256];
	char path[300];
	char body[512];
	struct frep_count c[2];
	struct frep r;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_non_null(tmpdir_make(f->dir, sizeof(f->dir), "test_fup"));
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, FRDB_FILE);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* A report of node 88.118 for period p (interval 300) with c creates under 88.118.8. */
static struct slice
report(struct fx *f, const char *node, uint64_t p, uint64_t creates)
{
	struct wbuf w;

	memset(&f->r, 0, sizeof(f->r));
	f->c[0] = (struct frep_count){SLICE_LIT("88.118.8"), creates, 1, 0, 10};
	f->r.node = slice_cstr(node);
	f->r.period = p;
	f->r.interval = 300;
	f->r.from = p * 300;
	f->r.to = p * 300 + 300;
	f->r.uptime = 1000;
	f->r.store_bytes = 4096;
	f->r.journal_head = 7 + p;
	f->r.counts = f->c;
	f->r.ncounts = f->r.cap = 1;
	wbuf_init(&w, f->body, sizeof(f->body));
	assert_int_equal(frep_encode(&w, &f->r), IDR_OK);
	return wbuf_slice(&w);
}

static void
json_of(struct frdb *db, const char *node, uint64_t now, char *out, size_t cap)
{
	struct wbuf w;

	wbuf_init(&w, out, cap - 1);
	assert_int_equal(frdb_node_json(db, slice_cstr(node), now, &w), IDR_OK);
	out[w.len] = '\0';
}

static void
test_frdb_put(void **state)
{
	struct fx *f = *state;
	struct frdb *db = NULL;
	enum frdb_outcome out;
	struct slice b;
	char js[1024];

	assert_int_equal(frdb_open(&db, f->path), IDR_OK);
	json_of(db, "88.118", 1000, js, sizeof(js));
	assert_string_equal(js, "\"state\":\"down\",\"heartbeat\":null,\"report\":null");
	b = report(f, "88.118", 10, 3);
	assert_int_equal(frdb_put(db, &f->r, b, 3300, &out), IDR_OK);
	assert_int_equal(out, FRDB_STORED);
	b = report(f, "88.118", 10, 3); /* the same again: a duplicate, nothing changes */
	assert_int_equal(frdb_put(db, &f->r, b, 3400, &out), IDR_OK);
	assert_int_equal(out, FRDB_DUPLICATE);
	b = report(f, "88.118", 10, 4); /* period 10 with other content: a replay */
	assert_int_equal(frdb_put(db, &f->r, b, 3400, &out), IDR_ECONFLICT);
	b = report(f, "88.118", 11, 2);
	assert_int_equal(frdb_put(db, &f->r, b, 3600, &out), IDR_OK);
	b = report(f, "88.118", 9, 1); /* a missed period caught up later */
	assert_int_equal(frdb_put(db, &f->r, b, 3610, &out), IDR_OK);
	json_of(db, "88.118", 3610, js, sizeof(js));
	assert_non_null(strstr(js, "\"state\":\"up\""));
	assert_non_null(strstr(js, "\"last_period\":11,\"periods\":3"));
	assert_non_null(strstr(js, "\"totals\":{\"reports\":3,\"creates\":6,\"updates\":3,"
	                           "\"deletes\":0,\"resolutions\":30}"));
	/* late after 2 intervals without a report, down after 5 */
	json_of(db, "88.118", 3610 + 2 * 300 + 1, js, sizeof(js));
	assert_non_null(strstr(js, "\"state\":\"late\""));
	json_of(db, "88.118", 3610 + 5 * 300 + 1, js, sizeof(js));
	assert_non_null(strstr(js, "\"state\":\"down\""));
	frdb_free(db);

	/* reopened: the same reports, replays still refused */
	assert_int_equal(frdb_open(&db, f->path), IDR_OK);
	json_of(db, "88.118", 3610, js, sizeof(js));
	assert_non_null(strstr(js, "\"reports\":3,\"creates\":6"));
	b = report(f, "88.118", 10, 4);
	assert_int_equal(frdb_put(db, &f->r, b, 3700, &out), IDR_ECONFLICT);
	b = report(f, "88.118", 11, 2);
	assert_int_equal(frdb_put(db, &f->r, b, 3700, &out), IDR_OK);
	assert_int_equal(out, FRDB_DUPLICATE);
	frdb_free(db);
}

static void
test_frdb_history_bound(void **state)
{
	struct fx *f = *state;
	struct frdb *db = NULL;
	enum frdb_outcome out;
	struct slice b;
	char js[1024], want[128];
	FILE *fp;
	long size1, size2;

	assert_int_equal(frdb_open(&db, f->path), IDR_OK);
	for (uint64_t p = 100; p < 100 + 5 * FRDB_HISTORY; p++) {
		b = report(f, "88.118", p, 1);
		assert_int_equal(frdb_put(db, &f->r, b, p * 300 + 300, &out), IDR_OK);
	}
	/* older than every report kept: refused */
	b = report(f, "88.118", 100, 1);
	assert_int_equal(frdb_put(db, &f->r, b, 1, &out), IDR_ESTATE);
	json_of(db, "88.118", 0, js, sizeof(js));
	snprintf(want, sizeof(want), "\"periods\":%d,", FRDB_HISTORY);
	assert_non_null(strstr(js, want));
	snprintf(want, sizeof(want), "\"reports\":%d,\"creates\":%d,", 5 * FRDB_HISTORY,
	         5 * FRDB_HISTORY);
	assert_non_null(strstr(js, want)); /* totals keep what left the history */
	frdb_free(db);
	/* the file stays bounded (compacted), and the totals survive a reopen */
	fp = fopen(f->path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size1 = ftell(fp);
	fclose(fp);
	assert_true(size1 < (long)(3 * FRDB_HISTORY + 64) * 300);
	assert_int_equal(frdb_open(&db, f->path), IDR_OK);
	json_of(db, "88.118", 0, js, sizeof(js));
	assert_non_null(strstr(js, want));
	frdb_free(db);
	/* a damaged tail: what came before is kept */
	fp = fopen(f->path, "ab");
	assert_non_null(fp);
	fputs("R 12 999999\nshort", fp);
	size2 = ftell(fp);
	fclose(fp);
	assert_true(size2 > size1);
	assert_int_equal(frdb_open(&db, f->path), IDR_OK);
	json_of(db, "88.118", 0, js, sizeof(js));
	assert_non_null(strstr(js, want));
	frdb_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fup_backoff),
	        cmocka_unit_test(test_fup_site_compare),
	        cmocka_unit_test_setup_teardown(test_frdb_put, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_frdb_history_bound, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
