/* test_gs1check.c - GS1 mod-10 check digits and ISO/IEC 7064 MOD 37,36 check characters. */
#include "model/gs1check.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

/* Published examples: GS1 General Specifications (SSCC 106141411234567897), Wikipedia's EAN-8,
 * UPC-A and EAN-13 examples, ref/traceability.md (6901234567892, SSCC 069012340000000016,
 * epc-tds 80614141123458). */
static const char *const valid10[] = {
        "106141411234567897", "96385074",       "036000291452",
        "4006381333931",      "6901234567892",  "06901234567892",
        "069012340000000016", "80614141123458", "00",
};

static void
test_gs1check_mod10_table(void **state)
{
	size_t i;
	char c;

	(void)state;
	for (i = 0; i < sizeof(valid10) / sizeof(valid10[0]); i++) {
		const char *s = valid10[i];
		size_t n = strlen(s);

		assert_int_equal(gs1check_mod10(s, n - 1, &c), IDR_OK);
		assert_int_equal(c, s[n - 1]);
		assert_true(gs1check_mod10_ok(s, n));
	}
	/* wrong check digits (ref §3.4: 06901234567893, SSCC ...17) */
	assert_false(gs1check_mod10_ok("06901234567893", 14));
	assert_false(gs1check_mod10_ok("069012340000000017", 18));
}

static void
test_gs1check_mod10_refuses(void **state)
{
	char c = 'x';

	(void)state;
	assert_int_equal(gs1check_mod10("", 0, &c), IDR_EPROTO);
	assert_int_equal(gs1check_mod10("12a4", 4, &c), IDR_EPROTO);
	assert_int_equal(gs1check_mod10("12 4", 4, &c), IDR_EPROTO);
	/* 17 digits is the longest body (SSCC), 18 is one past */
	assert_int_equal(gs1check_mod10("10614141123456789", 17, &c), IDR_OK);
	assert_int_equal(c, '7');
	assert_int_equal(gs1check_mod10("106141411234567890", 18, &c), IDR_EPROTO);
	assert_false(gs1check_mod10_ok("7", 1));
	assert_false(gs1check_mod10_ok("1061414112345678970", 19));
	assert_false(gs1check_mod10_ok("0690123456789X", 14));
}

/* Every single-digit change of a valid key is detected (the mod-10 scheme's guarantee). */
static void
test_gs1check_mod10_single_errors(void **state)
{
	char s[19];
	size_t i;
	int d;

	(void)state;
	memcpy(s, "106141411234567897", 19);
	for (i = 0; i < 18; i++) {
		char orig = s[i];

		for (d = 0; d < 10; d++) {
			s[i] = (char)('0' + d);
			assert_int_equal(gs1check_mod10_ok(s, 18), s[i] == orig);
		}
		s[i] = orig;
	}
}

static void
test_gs1check_mod37_36_table(void **state)
{
	char c;

	(void)state;
	/* python-stdnum's documented example (stdnum.iso7064.mod_37_36) */
	assert_int_equal(gs1check_mod37_36("A12425GABC1234002", 17, &c), IDR_OK);
	assert_int_equal(c, 'M');
	assert_true(gs1check_mod37_36_ok("A12425GABC1234002M", 18));
	assert_true(gs1check_mod37_36_ok("a12425gabc1234002m", 18)); /* case-insensitive */
	assert_false(gs1check_mod37_36_ok("A12425GABC1234002N", 18));
	assert_false(gs1check_mod37_36_ok("A12425GABC1234020M", 18)); /* transposition */
	/* idr gen --help example: P-202406-000001 -> I (separators are skipped by gen) */
	assert_int_equal(gs1check_mod37_36("P202406000001", 13, &c), IDR_OK);
	assert_int_equal(c, 'I');
}

static void
test_gs1check_mod37_36_refuses(void **state)
{
	char big[GS1CHECK_MAX_ALNUM + 2], c;

	(void)state;
	assert_int_equal(gs1check_mod37_36("", 0, &c), IDR_EPROTO);
	assert_int_equal(gs1check_mod37_36("AB-1", 4, &c), IDR_EPROTO);
	assert_int_equal(gs1check_mod37_36("AB\0001", 4, &c), IDR_EPROTO);
	memset(big, 'A', sizeof(big));
	assert_int_equal(gs1check_mod37_36(big, GS1CHECK_MAX_ALNUM, &c), IDR_OK);
	assert_int_equal(gs1check_mod37_36(big, GS1CHECK_MAX_ALNUM + 1, &c), IDR_EPROTO);
	assert_false(gs1check_mod37_36_ok("A", 1));
	assert_false(gs1check_mod37_36_ok("AB-", 3));
}

/* The hybrid system detects every single substitution and nearly every adjacent transposition
 * (ISO/IEC 7064 promises all of the first, not all of the second). */
static void
test_gs1check_mod37_36_property(void **state)
{
	static const char al[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char s[24];
	unsigned seed = 12345;
	int round, swaps = 0, caught = 0;

	(void)state;
	for (round = 0; round < 200; round++) {
		size_t n = 1 + (size_t)(round % 20), i;
		int d;

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = al[(seed >> 16) % 36];
		}
		assert_int_equal(gs1check_mod37_36(s, n, &s[n]), IDR_OK);
		assert_true(gs1check_mod37_36_ok(s, n + 1));
		for (i = 0; i <= n; i++) {
			char orig = s[i];

			for (d = 0; d < 36; d++) {
				s[i] = al[d];
				assert_int_equal(gs1check_mod37_36_ok(s, n + 1), s[i] == orig);
			}
			s[i] = orig;
		}
		for (i = 0; i + 1 <= n; i++) {
			char t = s[i];

			if (s[i] == s[i + 1]) {
				continue;
			}
			s[i] = s[i + 1];
			s[i + 1] = t;
			swaps++;
			caught += !gs1check_mod37_36_ok(s, n + 1);
			s[i + 1] = s[i];
			s[i] = t;
		}
	}
	assert_true(swaps > 1000);
	assert_true(caught * 100 >= swaps * 95);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_gs1check_mod10_table),
	        cmocka_unit_test(test_gs1check_mod10_refuses),
	        cmocka_unit_test(test_gs1check_mod10_single_errors),
	        cmocka_unit_test(test_gs1check_mod37_36_table),
	        cmocka_unit_test(test_gs1check_mod37_36_refuses),
	        cmocka_unit_test(test_gs1check_mod37_36_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
