/* test_num.c - bounded decimal parsing: syntax, overflow, ranges, size suffixes. */
#include "base/num.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void
test_num_parse_valid(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(num_parse_u64("0", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 0);
	assert_int_equal(num_parse_u64("007", 0, 10, &v), IDR_OK);
	assert_true(v == 7);
	assert_int_equal(num_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(num_parse_u64("5", 5, 5, &v), IDR_OK); /* inclusive bounds */
	assert_true(v == 5);
	/* length-delimited: stops at len even without a NUL */
	assert_int_equal(num_parse_u64_n("123abc", 3, 0, 1000, &v), IDR_OK);
	assert_true(v == 123);
}

static void
test_num_parse_garbage(void **state)
{
	static const char *const bad[] = {"",    "-1", "+1",   " 1",
	                                  "1 ",  "1a", "0x10", "1.0",
	                                  "1e3", "١",  "12\n", "99999999999999999999x"};
	uint64_t v = 42;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(num_parse_u64(bad[i], 0, UINT64_MAX, &v), IDR_EINVAL);
	}
	assert_int_equal(num_parse_u64(NULL, 0, 10, &v), IDR_EINVAL);
	assert_int_equal(num_parse_u64_n("12", 0, 0, 10, &v), IDR_EINVAL);
	assert_int_equal(num_parse_u64_n("1\0002", 3, 0, 1000, &v), IDR_EINVAL);
	assert_true(v == 42); /* untouched on error */
}

static void
test_num_parse_range_overflow(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(num_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), IDR_ELIMIT);
	assert_int_equal(num_parse_u64("18446744073709551620", 0, UINT64_MAX, &v), IDR_ELIMIT);
	assert_int_equal(num_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), IDR_ELIMIT);
	assert_int_equal(num_parse_u64("11", 0, 10, &v), IDR_ELIMIT);
	assert_int_equal(num_parse_u64("4", 5, 10, &v), IDR_ELIMIT);
	assert_true(v == 42);
}

static void
test_num_parse_size(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(num_parse_size("0", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 0);
	assert_int_equal(num_parse_size("4096", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 4096);
	assert_int_equal(num_parse_size("1k", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 1024);
	assert_int_equal(num_parse_size("1K", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 1024);
	assert_int_equal(num_parse_size("64M", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 64ull << 20);
	assert_int_equal(num_parse_size("2g", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 2ull << 30);
	assert_int_equal(num_parse_size("3T", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == 3ull << 40);
	/* largest value a suffix allows, and one past it */
	assert_int_equal(num_parse_size("17179869183G", 0, UINT64_MAX, &v), IDR_OK);
	assert_true(v == (UINT64_MAX >> 30) << 30);
	assert_int_equal(num_parse_size("17179869184G", 0, UINT64_MAX, &v), IDR_ELIMIT);
	/* the range applies to the scaled value */
	assert_int_equal(num_parse_size("2M", 0, 1u << 20, &v), IDR_ELIMIT);
	assert_int_equal(num_parse_size("1M", 0, 1u << 20, &v), IDR_OK);
	assert_int_equal(num_parse_size("1k", 1025, UINT64_MAX, &v), IDR_ELIMIT);
	/* garbage */
	assert_int_equal(num_parse_size("", 0, UINT64_MAX, &v), IDR_EINVAL);
	assert_int_equal(num_parse_size("k", 0, UINT64_MAX, &v), IDR_EINVAL);
	assert_int_equal(num_parse_size("1.5M", 0, UINT64_MAX, &v), IDR_EINVAL);
	assert_int_equal(num_parse_size("16E", 0, UINT64_MAX, &v), IDR_EINVAL);
	assert_int_equal(num_parse_size("1MB", 0, UINT64_MAX, &v), IDR_EINVAL);
	assert_int_equal(num_parse_size("M1", 0, UINT64_MAX, &v), IDR_EINVAL);
	assert_int_equal(num_parse_size(NULL, 0, UINT64_MAX, &v), IDR_EINVAL);
}

/* Durations: every unit, the limits of each, and every malformed form. */
static void
test_num_parse_duration(void **state)
{
	static const struct {
		const char *in;
		uint64_t max;
		int rc;
		uint64_t want;
	} cases[] = {
	        {"0", UINT64_MAX, IDR_OK, 0},
	        {"45", UINT64_MAX, IDR_OK, 45},
	        {"45s", UINT64_MAX, IDR_OK, 45},
	        {"2m", UINT64_MAX, IDR_OK, 120},
	        {"3h", UINT64_MAX, IDR_OK, 10800},
	        {"30d", UINT64_MAX, IDR_OK, 2592000},
	        {"2w", UINT64_MAX, IDR_OK, 1209600},
	        {"18446744073709551615", UINT64_MAX, IDR_OK, UINT64_MAX},
	        {"18446744073709551615s", UINT64_MAX, IDR_OK, UINT64_MAX},
	        {"18446744073709551616", UINT64_MAX, IDR_ELIMIT, 0},
	        {"30500568904943w", UINT64_MAX, IDR_OK, 30500568904943ULL * 604800},
	        {"30500568904944w", UINT64_MAX, IDR_ELIMIT, 0},
	        {"213503982334601d", UINT64_MAX, IDR_OK, 213503982334601ULL * 86400},
	        {"213503982334602d", UINT64_MAX, IDR_ELIMIT, 0},
	        {"1h", 3600, IDR_OK, 3600},
	        {"1h", 3599, IDR_ELIMIT, 0},
	        {"61m", 3600, IDR_ELIMIT, 0},
	        {"", UINT64_MAX, IDR_EINVAL, 0},
	        {"d", UINT64_MAX, IDR_EINVAL, 0},
	        {"1D", UINT64_MAX, IDR_EINVAL, 0},
	        {"1dd", UINT64_MAX, IDR_EINVAL, 0},
	        {"1 d", UINT64_MAX, IDR_EINVAL, 0},
	        {"-1d", UINT64_MAX, IDR_EINVAL, 0},
	        {"1.5h", UINT64_MAX, IDR_EINVAL, 0},
	        {"d1", UINT64_MAX, IDR_EINVAL, 0},
	        {"1y", UINT64_MAX, IDR_EINVAL, 0},
	        {"1hm", UINT64_MAX, IDR_EINVAL, 0},
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		v = 7;
		assert_int_equal(num_parse_duration(cases[i].in, 0, cases[i].max, &v), cases[i].rc);
		assert_true(v == (cases[i].rc == IDR_OK ? cases[i].want : 7));
	}
	assert_int_equal(num_parse_duration("1m", 61, UINT64_MAX, &v), IDR_ELIMIT);
	assert_int_equal(num_parse_duration(NULL, 0, UINT64_MAX, &v), IDR_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_num_parse_valid),
	        cmocka_unit_test(test_num_parse_garbage),
	        cmocka_unit_test(test_num_parse_range_overflow),
	        cmocka_unit_test(test_num_parse_size),
	        cmocka_unit_test(test_num_parse_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
