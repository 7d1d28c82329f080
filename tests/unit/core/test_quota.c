/*
 * test_quota.c - daily quotas per prefix and the write rate per address (core/quota.h):
 * counting to the limits and refusing past them (nothing counted), per-prefix overrides, case
 * folding, refunds, the day rolling over at local midnight (TZ=UTC and TZ=Asia/Shanghai) and
 * back when the clock steps back, a full table, the token bucket (burst, refill, /64
 * grouping), the Handle codes of a refusal, override lines, and two threads counting at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/quota.h"
#include "hdl/hdl.h"
#include "lib/sockaddr_util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DAY          86400u
#define T0           (1700000000u - 1700000000u % DAY) /* a UTC midnight */

static void
use_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static struct quota *
make(uint64_t req, uint64_t reg, uint64_t rate, uint64_t burst, size_t prefixes)
{
	struct quota_limits l;
	struct quota *q;

	memset(&l, 0, sizeof(l));
	l.requests_per_day = req;
	l.registrations_per_day = reg;
	l.rate = rate;
	l.burst = burst;
	assert_int_equal(quota_new(&q, prefixes, 64, &l), IDR_OK);
	return q;
}

/* The counts of one prefix today (quota_visit). */
struct usage {
	const char *prefix;
	uint64_t requests, registrations;
	int seen;
};

static void
usage_cb(void *arg, const struct quota_usage *u)
{
	struct usage *x = arg;

	if (slice_eq(u->prefix, slice_cstr(x->prefix))) {
		x->requests = u->requests;
		x->registrations = u->registrations;
		x->seen++;
	}
}

static struct usage
usage_of(struct quota *q, const char *prefix, uint64_t now)
{
	struct usage x = {prefix, 0, 0, 0};

	quota_visit(q, now, usage_cb, &x);
	return x;
}

static void
test_quota_limits(void **state)
{
	struct quota *q = make(5, 2, 0, 1, 16);
	uint32_t ra = 0;
	struct usage u;

	(void)state;
	use_tz("UTC");
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), true, T0 + 10, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), true, T0 + 11, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), true, T0 + 12, &ra),
	                 QUOTA_REGISTRATIONS);
	assert_int_equal(ra, DAY - 12);
	/* refused: nothing counted; other requests still pass */
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, T0 + 13, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, T0 + 14, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, T0 + 15, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, T0 + 16, &ra), QUOTA_REQUESTS);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), true, T0 + 16, &ra), QUOTA_REQUESTS);
	u = usage_of(q, "88.118.8", T0 + 17);
	assert_int_equal(u.seen, 1);
	assert_int_equal(u.requests, 5);
	assert_int_equal(u.registrations, 2);
	/* another prefix has its own counters; case does not matter */
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.9"), true, T0 + 18, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.ab"), true, T0 + 18, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.AB"), true, T0 + 18, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.Ab"), true, T0 + 18, &ra),
	                 QUOTA_REGISTRATIONS);
	u = usage_of(q, "88.118.AB", T0 + 19);
	assert_int_equal(u.registrations, 2);
	/* a refund gives a registration back, never below zero */
	quota_refund(q, SLICE_LIT("88.118.ab"), T0 + 20);
	quota_refund(q, SLICE_LIT("88.118.9"), T0 + 20);
	quota_refund(q, SLICE_LIT("88.118.9"), T0 + 20);
	assert_int_equal(usage_of(q, "88.118.AB", T0 + 21).registrations, 1);
	assert_int_equal(usage_of(q, "88.118.9", T0 + 21).registrations, 0);
	quota_free(q);
}

static void
test_quota_unlimited_and_overrides(void **state)
{
	struct quota_limits l;
	struct quota *q;
	uint32_t ra;

	(void)state;
	use_tz("UTC");
	memset(&l, 0, sizeof(l));
	l.requests_per_day = 0; /* no limit by default */
	l.registrations_per_day = 1;
	assert_int_equal(quota_override_parse("88.118.8\t3  0", &l.ov[0], &(const char *){0}),
	                 IDR_OK);
	l.nov = 1;
	assert_int_equal(quota_new(&q, 16, 64, &l), IDR_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), true, T0, &ra), QUOTA_OK);
	}
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, T0, &ra), QUOTA_REQUESTS);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.9"), false, T0, &ra), QUOTA_OK);
	}
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.9"), true, T0, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.9"), true, T0, &ra), QUOTA_REGISTRATIONS);
	/* a reload replaces the limits and keeps the counts */
	l.registrations_per_day = 2;
	quota_set_limits(q, &l);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.9"), true, T0, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.9"), true, T0, &ra), QUOTA_REGISTRATIONS);
	quota_free(q);
}

/* Counts end at local midnight, in the time zone of the process. */
static void
test_quota_rollover(void **state)
{
	static const struct {
		const char *tz;
		uint64_t midnight; /* a local midnight in that zone */
	} zones[] = {
	        {"UTC", T0},
	        {"Asia/Shanghai", T0 + DAY - 8 * 3600}, /* 16:00 UTC is midnight in China */
	};

	(void)state;
	for (size_t z = 0; z < ARRAY_LEN(zones); z++) {
		uint64_t m = zones[z].midnight;
		struct quota *q = make(2, 0, 0, 1, 16);
		uint32_t ra = 0;

		use_tz(zones[z].tz);
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, m - 2, &ra), QUOTA_OK);
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, m - 2, &ra), QUOTA_OK);
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, m - 1, &ra),
		                 QUOTA_REQUESTS);
		assert_int_equal(ra, 1); /* one second to midnight */
		/* the first second of the next day: counters start again */
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, m, &ra), QUOTA_OK);
		assert_int_equal(usage_of(q, "88.118.8", m).requests, 1);
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, m + DAY - 1, &ra),
		                 QUOTA_OK);
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, m + DAY - 1, &ra),
		                 QUOTA_REQUESTS);
		assert_int_equal(ra, 1);
		/* a clock stepped back into an earlier day resets too */
		assert_int_equal(quota_take(q, SLICE_LIT("88.118.8"), false, m - 5, &ra), QUOTA_OK);
		assert_int_equal(usage_of(q, "88.118.8", m - 5).requests, 1);
		/* and forward again: a new day */
		assert_int_equal(usage_of(q, "88.118.8", m + 3).requests, 0);
		quota_free(q);
	}
	use_tz("UTC");
}

static void
test_quota_full_table(void **state)
{
	struct quota *q = make(1, 0, 0, 1, 2);
	struct quota_stats st;
	uint32_t ra;

	(void)state;
	use_tz("UTC");
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.1"), false, T0, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.2"), false, T0, &ra), QUOTA_OK);
	/* the third prefix of the day is not counted (and so not limited) */
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.3"), false, T0, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.3"), false, T0, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.1"), false, T0, &ra), QUOTA_REQUESTS);
	quota_stats(q, &st);
	assert_int_equal(st.untracked, 2);
	assert_int_equal(st.refused[QUOTA_REQUESTS], 1);
	/* the next day has room again */
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.3"), false, T0 + DAY, &ra), QUOTA_OK);
	assert_int_equal(quota_take(q, SLICE_LIT("88.118.3"), false, T0 + DAY, &ra),
	                 QUOTA_REQUESTS);
	quota_free(q);
	assert_int_equal(quota_new(&q, 0, 64, &(struct quota_limits){0}), IDR_EINVAL);
	assert_null(q);
	assert_int_equal(quota_new(&q, 16, 0, &(struct quota_limits){0}), IDR_EINVAL);
	assert_int_equal(quota_new(&q, 16, ((size_t)1 << 24) + 1, &(struct quota_limits){0}),
	                 IDR_EINVAL);
	quota_free(NULL);
}

static void
test_quota_rate(void **state)
{
	struct quota *q = make(0, 0, 2, 3, 16); /* 2 writes/s, 3 at once */
	struct sockaddr_storage a = addr4("192.0.2.1", 1000), b = addr4("192.0.2.2", 1000);
	struct sockaddr_storage a2 = addr4("192.0.2.1", 2000);
	struct sockaddr_storage v6 = addr6("2001:db8::1", 1), v6b = addr6("2001:db8::ffff", 2);
	uint32_t ra = 0;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(quota_rate_take(q, SA(a), 1000, &ra), QUOTA_OK);
	}
	assert_int_equal(quota_rate_take(q, SA(a2), 1000, &ra), QUOTA_RATE); /* port ignored */
	assert_int_equal(ra, 1);
	assert_int_equal(quota_rate_take(q, SA(b), 1000, &ra), QUOTA_OK); /* its own bucket */
	assert_int_equal(quota_rate_take(q, SA(a), 1499, &ra), QUOTA_RATE);
	assert_int_equal(quota_rate_take(q, SA(a), 1500, &ra), QUOTA_OK); /* 500 ms = 1 write */
	assert_int_equal(quota_rate_take(q, SA(a), 1500, &ra), QUOTA_RATE);
	assert_int_equal(quota_rate_take(q, SA(a), 1000000, &ra), QUOTA_OK); /* refilled to 3 */
	assert_int_equal(quota_rate_take(q, SA(a), 1000000, &ra), QUOTA_OK);
	assert_int_equal(quota_rate_take(q, SA(a), 1000000, &ra), QUOTA_OK);
	assert_int_equal(quota_rate_take(q, SA(a), 1000000, &ra), QUOTA_RATE);
	/* one IPv6 /64 shares a bucket */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(quota_rate_take(q, SA(v6), 5000, &ra), QUOTA_OK);
	}
	assert_int_equal(quota_rate_take(q, SA(v6b), 5000, &ra), QUOTA_RATE);
	quota_free(q);
	q = make(0, 0, 0, 1, 16); /* rate 0: no limit */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(quota_rate_take(q, SA(a), 0, &ra), QUOTA_OK);
	}
	quota_free(q);
}

/* Many addresses in a small table: bounded, and the limited ones stay limited. */
static void
test_quota_rate_eviction(void **state)
{
	struct quota_limits l;
	struct quota_stats st;
	struct quota *q;
	uint32_t ra;
	char ip[32];

	(void)state;
	memset(&l, 0, sizeof(l));
	l.rate = 1;
	l.burst = 1;
	assert_int_equal(quota_new(&q, 16, QUOTA_WAYS, &l), IDR_OK);
	for (int i = 0; i < 200; i++) {
		struct sockaddr_storage s;

		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		s = addr4(ip, 1);
		assert_int_equal(quota_rate_take(q, SA(s), 0, &ra), QUOTA_OK);
	}
	quota_stats(q, &st);
	assert_int_equal(st.evictions, 200 - QUOTA_WAYS);
	quota_free(q);
}

static void
test_quota_hdl_rc(void **state)
{
	(void)state;
	assert_int_equal(quota_hdl_rc(QUOTA_OK, true), HDL_RC_SUCCESS);
	assert_int_equal(quota_hdl_rc(QUOTA_REQUESTS, true), HDL_RC_REQUEST_LIMIT_DAILY);
	assert_int_equal(quota_hdl_rc(QUOTA_REGISTRATIONS, true), HDL_RC_REGISTER_COUNT_LIMIT);
	assert_int_equal(quota_hdl_rc(QUOTA_RATE, true), HDL_RC_SERVER_BUSY);
	assert_int_equal(quota_hdl_rc(QUOTA_REQUESTS, false), HDL_RC_SERVER_BUSY);
	assert_int_equal(quota_hdl_rc(QUOTA_REGISTRATIONS, false), HDL_RC_SERVER_BUSY);
	assert_non_null(strstr(quota_message(QUOTA_REQUESTS), "603"));
	assert_non_null(strstr(quota_message(QUOTA_REGISTRATIONS), "604"));
}

static void
test_quota_override_parse(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *prefix;
		uint64_t req, reg;
	} cases[] = {
	        {"88.118.8 100 50", IDR_OK, "88.118.8", 100, 50},
	        {"  88.118.8\t0\t0  ", IDR_OK, "88.118.8", 0, 0},
	        {"", IDR_EINVAL, NULL, 0, 0},
	        {"88.118.8", IDR_EINVAL, NULL, 0, 0},
	        {"88.118.8 100", IDR_EINVAL, NULL, 0, 0},
	        {"88.118.8 100 50 7", IDR_EINVAL, NULL, 0, 0},
	        {"88.118.8 x 50", IDR_EINVAL, NULL, 0, 0},
	        {"88.118.8 -1 50", IDR_EINVAL, NULL, 0, 0},
	        {"88.118.8 1 99999999999999999999999", IDR_EINVAL, NULL, 0, 0},
	};
	struct quota_override o;
	const char *why;
	char longp[QUOTA_PREFIX_MAX + 16];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		why = NULL;
		assert_int_equal(quota_override_parse(cases[i].text, &o, &why), cases[i].rc);
		if (cases[i].rc == IDR_OK) {
			assert_string_equal(o.prefix, cases[i].prefix);
			assert_int_equal(o.requests, cases[i].req);
			assert_int_equal(o.registrations, cases[i].reg);
		} else {
			assert_non_null(why);
		}
	}
	memset(longp, 'a', QUOTA_PREFIX_MAX);
	snprintf(longp + QUOTA_PREFIX_MAX, sizeof(longp) - QUOTA_PREFIX_MAX, " 1 1");
	assert_int_equal(quota_override_parse(longp, &o, &why), IDR_OK);
	longp[QUOTA_PREFIX_MAX] = 'a';
	snprintf(longp + QUOTA_PREFIX_MAX + 1, sizeof(longp) - QUOTA_PREFIX_MAX - 1, " 1 1");
	assert_int_equal(quota_override_parse(longp, &o, &why), IDR_EINVAL);
}

/* Two threads take from the same prefixes: exactly the limit passes, none is lost. */
#define THREAD_TRIES 20000
#define LIMIT        15000

struct racer {
	struct quota *q;
	uint64_t passed, refused, regs;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	uint32_t ra;

	for (int i = 0; i < THREAD_TRIES; i++) {
		if (quota_take(r->q, SLICE_LIT("88.118.8"), i % 2 == 0, T0 + 5, &ra) == QUOTA_OK) {
			r->passed++;
			r->regs += i % 2 == 0;
		} else {
			r->refused++;
		}
	}
	return NULL;
}

static void
test_quota_threads(void **state)
{
	struct quota *q = make(LIMIT, 0, 0, 1, 16);
	struct racer r[2] = {{q, 0, 0, 0}, {q, 0, 0, 0}};
	pthread_t t[2];
	struct usage u;

	(void)state;
	use_tz("UTC");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	assert_int_equal(r[0].passed + r[1].passed, LIMIT);
	assert_int_equal(r[0].refused + r[1].refused, 2 * THREAD_TRIES - LIMIT);
	u = usage_of(q, "88.118.8", T0 + 6);
	assert_int_equal(u.requests, LIMIT);
	assert_int_equal(u.registrations, r[0].regs + r[1].regs);
	quota_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_quota_limits),
	        cmocka_unit_test(test_quota_unlimited_and_overrides),
	        cmocka_unit_test(test_quota_rollover),
	        cmocka_unit_test(test_quota_full_table),
	        cmocka_unit_test(test_quota_rate),
	        cmocka_unit_test(test_quota_rate_eviction),
	        cmocka_unit_test(test_quota_hdl_rc),
	        cmocka_unit_test(test_quota_override_parse),
	        cmocka_unit_test(test_quota_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
