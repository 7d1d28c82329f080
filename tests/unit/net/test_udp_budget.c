/* test_udp_budget.c - the per-source UDP answer budget: token buckets per address group, refill,
 * IPv6 /64 grouping, a full table and eviction, threads sharing the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/sockaddr_util.h"
#include "net/udp.h"

#define STEPS_MAX 12

/* One answer: from src (IPv6 if it has a ':'), bytes long, at at_ms; expected verdict. */
struct step {
	const char *src;
	uint16_t port;
	size_t bytes;
	uint64_t at_ms;
	bool ok;
};

struct budget_case {
	const char *name;
	size_t entries;
	struct udp_budget_limits lim;
	struct step steps[STEPS_MAX];
	long count;     /* entries in use at the end; -1: not checked */
	long evictions; /* -1: not checked */
};

static const struct budget_case cases[] = {
        {"within budget",
         64,
         {1000, 3000},
         {{"192.0.2.1", 1, 1000, 0, true},
          {"192.0.2.1", 1, 1000, 0, true},
          {"192.0.2.1", 1, 1000, 0, true}},
         1,
         0},
        {"over budget: nothing charged, a smaller answer still fits",
         64,
         {1000, 3000},
         {{"192.0.2.1", 1, 2500, 0, true},
          {"192.0.2.1", 1, 501, 0, false},
          {"192.0.2.1", 1, 500, 0, true},
          {"192.0.2.1", 1, 1, 0, false},
          {"192.0.2.2", 1, 3001, 0, false}, /* more than a full bucket, ever */
          {"192.0.2.2", 1, 3000, 0, true}},
         2,
         0},
        {"refill over time, capped at the burst",
         64,
         {1000, 3000},
         {{"192.0.2.1", 1, 3000, 0, true},
          {"192.0.2.1", 1, 501, 500, false},
          {"192.0.2.1", 1, 500, 500, true},
          {"192.0.2.1", 1, 1, 500, false},
          {"192.0.2.1", 1, 1, 501, true},
          {"192.0.2.1", 1, 3000, 100000, true}, /* idle 99.5 s: a full bucket, no more */
          {"192.0.2.1", 1, 1, 100000, false}},
         1,
         0},
        {"a slow rate refills exactly, however often the source asks",
         64,
         {1, 512},
         {{"192.0.2.1", 1, 512, 0, true},
          {"192.0.2.1", 1, 1, 100, false},
          {"192.0.2.1", 1, 1, 400, false},
          {"192.0.2.1", 1, 1, 999, false},
          {"192.0.2.1", 1, 1, 1000, true},
          {"192.0.2.1", 1, 1, 1999, false},
          {"192.0.2.1", 1, 1, 2000, true}},
         1,
         0},
        {"a clock behind the last answer earns nothing",
         64,
         {1000, 3000},
         {{"192.0.2.1", 1, 3000, 1000, true},
          {"192.0.2.1", 1, 1, 500, false},
          {"192.0.2.1", 1, 1, 1001, true}},
         1,
         0},
        {"IPv6 grouped by /64",
         64,
         {1000, 3000},
         {{"2001:db8:1:2::1", 1, 3000, 0, true},
          {"2001:db8:1:2:ffff:ffff:ffff:ffff", 7, 1, 0, false},
          {"2001:db8:1:2:8000::", 9, 1, 0, false},
          {"2001:db8:1:3::1", 1, 3000, 0, true},
          {"2001:db8:1:1::1", 1, 1, 0, true}},
         3,
         0},
        {"IPv4: the address, whatever the port; IPv4-mapped IPv6 is the same source",
         64,
         {1000, 3000},
         {{"192.0.2.1", 1, 3000, 0, true},
          {"192.0.2.1", 2, 1, 0, false},
          {"::ffff:192.0.2.1", 3, 1, 0, false},
          {"192.0.2.2", 1, 1, 0, true},
          {"0.0.0.0", 0, 1, 0, true}}, /* 0.0.0.0 is 0 bits: not confused with a free entry */
         3,
         0},
        {"no budget: rate 0 lets everything through and records nothing",
         64,
         {0, 512},
         {{"192.0.2.1", 1, 100000, 0, true}, {"192.0.2.1", 1, 100000, 0, true}},
         0,
         0},
        {"a full table: the new source takes the entry with the most credit",
         4, /* one set */
         {1000, 3000},
         {{"192.0.2.1", 1, 3000, 0, true},  /* A: 0 left */
          {"192.0.2.2", 1, 2000, 0, true},  /* B: 1000 left */
          {"192.0.2.3", 1, 1000, 0, true},  /* C: 2000 left */
          {"192.0.2.4", 1, 1, 0, true},     /* D: 2999 left */
          {"192.0.2.5", 1, 1000, 0, true},  /* E evicts D */
          {"192.0.2.1", 1, 1, 0, false},    /* A is still limited */
          {"192.0.2.2", 1, 1001, 0, false}, /* so is B */
          {"192.0.2.2", 1, 1000, 0, true},
          {"192.0.2.3", 1, 2000, 0, true},  /* and C keeps its 2000 */
          {"192.0.2.4", 1, 3000, 0, true}}, /* D is new again: evicts E (2000 left) */
         4,
         2},
};

static struct sockaddr_storage
addr_of(const char *text, uint16_t port)
{
	return strchr(text, ':') != NULL ? addr6(text, port) : addr4(text, port);
}

static void
run_step(struct udp_budget *b, const struct budget_case *c, size_t j)
{
	const struct step *st = &c->steps[j];
	struct sockaddr_storage ss = addr_of(st->src, st->port);
	bool ok = udp_budget_charge(b, SA(ss), st->bytes, &c->lim, st->at_ms);

	if (ok != st->ok) {
		fail_msg("%s: step %zu (%s, %zu bytes at %llu ms): %s, expected %s", c->name, j + 1,
		         st->src, st->bytes, (unsigned long long)st->at_ms, ok ? "sent" : "dropped",
		         st->ok ? "sent" : "dropped");
	}
}

static void
test_udp_budget_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct budget_case *c = &cases[i];
		struct udp_budget *b;

		assert_int_equal(udp_budget_new(&b, c->entries), IDR_OK);
		for (size_t j = 0; j < STEPS_MAX && c->steps[j].src != NULL; j++) {
			run_step(b, c, j);
		}
		if (c->count >= 0) {
			assert_int_equal(udp_budget_count(b), (size_t)c->count);
		}
		if (c->evictions >= 0) {
			assert_int_equal(udp_budget_evictions(b), (uint64_t)c->evictions);
		}
		udp_budget_free(b);
	}
}

/* A flood of new (spoofed) sources through a full table displaces them, not the limited one. */
static void
test_udp_budget_flood_keeps_limited(void **state)
{
	const struct udp_budget_limits lim = {1000, 3000};
	struct sockaddr_storage victim = addr4("198.51.100.7", 2641);
	struct udp_budget *b;
	char text[32];

	(void)state;
	assert_int_equal(udp_budget_new(&b, 4), IDR_OK);
	assert_true(udp_budget_charge(b, SA(victim), 3000, &lim, 0));
	for (unsigned i = 0; i < 10000; i++) {
		struct sockaddr_storage ss;

		snprintf(text, sizeof(text), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
		ss = addr4(text, 1);
		assert_true(udp_budget_charge(b, SA(ss), 100, &lim, 0));
		assert_true(udp_budget_count(b) <= 4);
	}
	assert_false(udp_budget_charge(b, SA(victim), 1, &lim, 0));
	assert_int_equal(udp_budget_evictions(b), 10000 - 3);
	udp_budget_free(b);
}

static void
test_udp_budget_new(void **state)
{
	struct udp_budget *b = (struct udp_budget *)1;

	(void)state;
	assert_int_equal(udp_budget_new(&b, 0), IDR_EINVAL);
	assert_null(b);
	assert_int_equal(udp_budget_new(&b, (size_t)1 << 40), IDR_EINVAL);
	assert_int_equal(udp_budget_new(&b, 1), IDR_OK);
	assert_int_equal(udp_budget_capacity(b), UDP_BUDGET_WAYS);
	assert_int_equal(udp_budget_count(b), 0);
	udp_budget_free(b);
	assert_int_equal(udp_budget_new(&b, 65537), IDR_OK);
	assert_int_equal(udp_budget_capacity(b), 131072);
	udp_budget_free(b);
	udp_budget_free(NULL);
}

/* A burst lowered by a reload applies at once to credit earned under the old one. */
static void
test_udp_budget_reload(void **state)
{
	struct udp_budget_limits lim = {1000, 100000};
	struct sockaddr_storage a = addr4("192.0.2.1", 1);
	struct udp_budget *b;

	(void)state;
	assert_int_equal(udp_budget_new(&b, 64), IDR_OK);
	assert_true(udp_budget_charge(b, SA(a), 1, &lim, 0));
	lim.burst = 2000;
	assert_false(udp_budget_charge(b, SA(a), 2001, &lim, 0));
	assert_true(udp_budget_charge(b, SA(a), 2000, &lim, 0));
	assert_false(udp_budget_charge(b, SA(a), 1, &lim, 0));
	lim.rate = 0; /* budget off */
	assert_true(udp_budget_charge(b, SA(a), 5000, &lim, 0));
	udp_budget_free(b);
}

#define THREADS    4
#define PER_THREAD 20000

struct worker_arg {
	struct udp_budget *b;
	unsigned sent;
};

static void *
charge_many(void *p)
{
	const struct udp_budget_limits lim = {1, 100000};
	struct sockaddr_storage a = addr6("2001:db8::1", 1);
	struct worker_arg *w = p;

	for (unsigned i = 0; i < PER_THREAD; i++) {
		w->sent += udp_budget_charge(w->b, SA(a), 10, &lim, 5);
	}
	return NULL;
}

/* Workers charging one source at once spend exactly its credit, no more. */
static void
test_udp_budget_threads(void **state)
{
	struct worker_arg args[THREADS];
	pthread_t t[THREADS];
	unsigned total = 0;
	struct udp_budget *b;

	(void)state;
	assert_int_equal(udp_budget_new(&b, 1024), IDR_OK);
	for (int i = 0; i < THREADS; i++) {
		args[i].b = b;
		args[i].sent = 0;
		assert_int_equal(pthread_create(&t[i], NULL, charge_many, &args[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		total += args[i].sent;
	}
	assert_int_equal(total, 100000 / 10);
	assert_int_equal(udp_budget_count(b), 1);
	udp_budget_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_udp_budget_table),
	        cmocka_unit_test(test_udp_budget_flood_keeps_limited),
	        cmocka_unit_test(test_udp_budget_new),
	        cmocka_unit_test(test_udp_budget_reload),
	        cmocka_unit_test(test_udp_budget_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
