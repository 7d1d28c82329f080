/* test_fcache.c - the recursion cache: TTL, negative entries, serve-stale, LRU eviction, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fed/cache.h"

#define T0 1000000u

/* One step of a scenario: put (ttl > 0 or remove with 0) or get with the expected state. */
struct step {
	char op; /* 'p' put, 'g' get */
	const char *key;
	uint32_t rc;
	const char *data;
	uint32_t ttl;
	uint32_t at; /* seconds after T0 */
	enum fcache_state want;
};

struct scenario {
	const char *name;
	struct fcache_opts o;
	struct step steps[12];
	size_t want_count;
};

static const struct scenario scenarios[] = {
        {"fresh then expired then stale window over",
         {16, 4096, 10},
         {{'p', "H88.200.3/X", 1, "abc", 5, 0, 0},
          {'g', "H88.200.3/X", 1, "abc", 0, 4, FCACHE_FRESH},
          {'g', "H88.200.3/X", 1, "abc", 0, 5, FCACHE_STALE},
          {'g', "H88.200.3/X", 1, "abc", 0, 14, FCACHE_STALE},
          {'g', "H88.200.3/X", 0, NULL, 0, 15, FCACHE_MISS},
          {'g', "H88.200.3/X", 0, NULL, 0, 16, FCACHE_MISS}},
         0},
        {"negative answer with a short TTL",
         {16, 4096, 0},
         {{'p', "H88.200.3/NOPE", 100, "", 2, 0, 0},
          {'g', "H88.200.3/NOPE", 100, "", 0, 1, FCACHE_FRESH},
          {'g', "H88.200.3/NOPE", 0, NULL, 0, 2, FCACHE_MISS}},
         0},
        {"replace and remove with ttl 0",
         {16, 4096, 100},
         {{'p', "Ka", 1, "old", 50, 0, 0},
          {'p', "Ka", 1, "new!", 50, 1, 0},
          {'g', "Ka", 1, "new!", 0, 2, FCACHE_FRESH},
          {'p', "Ka", 0, "", 0, 3, 0},
          {'g', "Ka", 0, NULL, 0, 3, FCACHE_MISS}},
         0},
        {"count bound evicts the least recently used",
         {2, 4096, 0},
         {{'p', "Ka", 1, "1", 50, 0, 0},
          {'p', "Kb", 1, "2", 50, 0, 0},
          {'g', "Ka", 1, "1", 0, 1, FCACHE_FRESH}, /* a is now the most recent */
          {'p', "Kc", 1, "3", 50, 2, 0},           /* evicts b */
          {'g', "Kb", 0, NULL, 0, 3, FCACHE_MISS},
          {'g', "Ka", 1, "1", 0, 3, FCACHE_FRESH},
          {'g', "Kc", 1, "3", 0, 3, FCACHE_FRESH}},
         2},
        {"byte bound evicts until the new entry fits",
         {16, 10, 0},
         {{'p', "Ka", 1, "123", 50, 0, 0}, /* 5 bytes */
          {'p', "Kb", 1, "123", 50, 0, 0}, /* 10 bytes */
          {'p', "Kc", 1, "1", 50, 0, 0},   /* 3 bytes: a goes */
          {'g', "Ka", 0, NULL, 0, 1, FCACHE_MISS},
          {'g', "Kb", 1, "123", 0, 1, FCACHE_FRESH},
          {'g', "Kc", 1, "1", 0, 1, FCACHE_FRESH}},
         2},
};

static void
run(const struct scenario *sc)
{
	struct fcache *c = NULL;
	struct fcache_view v;

	assert_int_equal(fcache_new(&c, &sc->o), IDR_OK);
	for (size_t i = 0; i < sizeof(sc->steps) / sizeof(sc->steps[0]) && sc->steps[i].op; i++) {
		const struct step *s = &sc->steps[i];
		struct slice key = slice_cstr(s->key);

		if (s->op == 'p') {
			assert_int_equal(
			        fcache_put(c, key, s->rc, slice_cstr(s->data), s->ttl, T0 + s->at),
			        IDR_OK);
			continue;
		}
		memset(&v, 0, sizeof(v));
		if (fcache_get(c, key, T0 + s->at, &v) != s->want) {
			fail_msg("%s: step %zu (%s at +%u)", sc->name, i, s->key, s->at);
		}
		if (s->want != FCACHE_MISS) {
			assert_int_equal(v.rc, s->rc);
			assert_true(slice_eq(v.data, slice_cstr(s->data)));
		}
	}
	assert_int_equal(fcache_count(c), sc->want_count);
	fcache_free(c);
}

static void
test_cache_scenarios(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		run(&scenarios[i]);
	}
}

static void
test_cache_size_bound(void **state)
{
	struct fcache_opts o = {100, 1000, 0};
	struct fcache *c = NULL;
	char key[32];

	(void)state;
	assert_int_equal(fcache_new(&c, &o), IDR_OK);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(key, sizeof(key), "H88.200.3/%d", i);

		assert_int_equal(fcache_put(c, slice_make(key, (size_t)n), 1,
		                            SLICE_LIT("0123456789"), 60, T0),
		                 IDR_OK);
		assert_true(fcache_count(c) <= 100);
		assert_true(fcache_bytes(c) <= 1000);
	}
	assert_true(fcache_count(c) > 0);
	/* the newest stay */
	{
		struct fcache_view v;

		assert_int_equal(fcache_get(c, SLICE_LIT("H88.200.3/999"), T0, &v), FCACHE_FRESH);
		assert_int_equal(fcache_get(c, SLICE_LIT("H88.200.3/0"), T0, &v), FCACHE_MISS);
	}
	fcache_free(c);
}

static void
test_cache_limits(void **state)
{
	struct fcache_opts o = {4, 16, 0};
	static uint8_t big[FCACHE_KEY_MAX + 1];
	struct fcache *c = NULL;
	struct fcache_view v;

	(void)state;
	assert_int_equal(fcache_new(&c, &(struct fcache_opts){0, 16, 0}), IDR_EINVAL);
	assert_int_equal(fcache_new(&c, &o), IDR_OK);
	/* an entry over the byte bound is refused and removes the old one */
	assert_int_equal(fcache_put(c, SLICE_LIT("Ka"), 1, SLICE_LIT("x"), 10, T0), IDR_OK);
	assert_int_equal(fcache_put(c, SLICE_LIT("Ka"), 1, SLICE_LIT("0123456789abcdef"), 10, T0),
	                 IDR_ELIMIT);
	assert_int_equal(fcache_get(c, SLICE_LIT("Ka"), T0, &v), FCACHE_MISS);
	memset(big, 'A', sizeof(big));
	assert_int_equal(fcache_put(c, slice_make(big, sizeof(big)), 1, SLICE_LIT(""), 10, T0),
	                 IDR_ELIMIT);
	assert_int_equal(fcache_count(c), 0);
	assert_int_equal(fcache_bytes(c), 0);
	fcache_free(c);
	fcache_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cache_scenarios),
	        cmocka_unit_test(test_cache_size_bound),
	        cmocka_unit_test(test_cache_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
