/*
 * test_ent.c - the enterprise fields of an application (model/ent.h): the unified social
 * credit code (valid codes, every single-character change of each, every wrong length,
 * characters outside the set, lower case) and GB/T 4754 industry codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "base/err.h"
#include "model/ent.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char uscc_set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* real codes: the example of GB 32100-2015 and published company codes */
static const char *const valid[] = {
        "91350100M000100Y43", "91440300708461136T", "91110000802100433B",
        "914403001922038216", "12100000400012036Q", /* a public institution (category 1, type 2) */
};

static void
test_ent_uscc_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(valid); i++) {
		assert_int_equal(ent_uscc_check(slice_cstr(valid[i])), IDR_OK);
		assert_int_equal(ent_uscc_check_char(valid[i]), valid[i][17]);
	}
}

/* Any one character replaced by any other character of the set, or by one outside it, is
 * refused: a check character over weights prime to 31 catches every single substitution. */
static void
test_ent_uscc_every_change(void **state)
{
	static const char outside[] = "IOSVZabmy-* \x80";
	char code[ENT_USCC_LEN + 1];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(valid); i++) {
		for (size_t pos = 0; pos < ENT_USCC_LEN; pos++) {
			for (size_t k = 0; k < sizeof(uscc_set) - 1; k++) {
				int rc;

				if (uscc_set[k] == valid[i][pos]) {
					continue;
				}
				memcpy(code, valid[i], sizeof(code));
				code[pos] = uscc_set[k];
				rc = ent_uscc_check(slice_make(code, ENT_USCC_LEN));
				if (pos >= 2 && pos < 8 && (code[pos] < '0' || code[pos] > '9')) {
					assert_int_equal(rc, IDR_EPFX_USCC_CHAR);
				} else {
					assert_int_equal(rc, IDR_EPFX_USCC_CHECK);
				}
			}
			for (size_t k = 0; k < sizeof(outside) - 1; k++) {
				memcpy(code, valid[i], sizeof(code));
				code[pos] = outside[k];
				assert_int_equal(ent_uscc_check(slice_make(code, ENT_USCC_LEN)),
				                 IDR_EPFX_USCC_CHAR);
			}
		}
	}
}

static void
test_ent_uscc_length(void **state)
{
	char code[2 * ENT_USCC_LEN];

	(void)state;
	for (size_t n = 0; n < sizeof(code); n++) {
		if (n == ENT_USCC_LEN) {
			continue;
		}
		memset(code, '1', sizeof(code));
		memcpy(code, valid[0], n < ENT_USCC_LEN ? n : ENT_USCC_LEN);
		assert_int_equal(ent_uscc_check(slice_make(code, n)), IDR_EPFX_USCC_LEN);
	}
	/* a NUL inside is a character outside the set, not the end */
	memcpy(code, valid[0], ENT_USCC_LEN);
	code[5] = '\0';
	assert_int_equal(ent_uscc_check(slice_make(code, ENT_USCC_LEN)), IDR_EPFX_USCC_CHAR);
	assert_int_equal(ent_uscc_check_char("9135010\x01M000100Y4"), '\0');
}

static void
test_ent_industry(void **state)
{
	static const struct {
		const char *code;
		int rc;
	} cases[] = {
	        {"A", IDR_OK},
	        {"T", IDR_OK},
	        {"C13", IDR_OK},
	        {"C131", IDR_OK},
	        {"C1311", IDR_OK},
	        {"13", IDR_OK},
	        {"1311", IDR_OK},
	        {"A01", IDR_OK},
	        {"A05", IDR_OK},
	        {"B06", IDR_OK},
	        {"K70", IDR_OK},
	        {"T97", IDR_OK},
	        {"I65", IDR_OK},
	        {"S96", IDR_OK},
	        {"97", IDR_OK},
	        {"", IDR_EPFX_INDUSTRY},
	        {"U", IDR_EPFX_INDUSTRY},
	        {"c13", IDR_EPFX_INDUSTRY},
	        {"C1", IDR_EPFX_INDUSTRY},
	        {"1", IDR_EPFX_INDUSTRY},
	        {"C13111", IDR_EPFX_INDUSTRY},
	        {"13111", IDR_EPFX_INDUSTRY},
	        {"00", IDR_EPFX_INDUSTRY},
	        {"98", IDR_EPFX_INDUSTRY},
	        {"A06", IDR_EPFX_INDUSTRY},
	        {"C12", IDR_EPFX_INDUSTRY},
	        {"C44", IDR_EPFX_INDUSTRY},
	        {"T96", IDR_EPFX_INDUSTRY},
	        {"CC13", IDR_EPFX_INDUSTRY},
	        {"C1A", IDR_EPFX_INDUSTRY},
	        {"C 13", IDR_EPFX_INDUSTRY},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = ent_industry_check(slice_cstr(cases[i].code));

		if (rc != cases[i].rc) {
			fail_msg("industry '%s': %d, want %d", cases[i].code, rc, cases[i].rc);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ent_uscc_valid),
	        cmocka_unit_test(test_ent_uscc_every_change),
	        cmocka_unit_test(test_ent_uscc_length),
	        cmocka_unit_test(test_ent_industry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
