/* test_slice.c - borrowed byte ranges: equality, ASCII case-insensitive equality, copies,
 * suffixes. */
#include "base/slice.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/err.h"

static void
test_slice_make_eq(void **state)
{
	struct slice a = SLICE_LIT("a\0b"), b = slice_make("a\0b", 3), e = slice_cstr(NULL);

	(void)state;
	assert_int_equal(a.len, 3); /* NUL bytes are content */
	assert_true(slice_eq(a, b));
	assert_false(slice_eq(a, slice_make("a\0c", 3)));
	assert_false(slice_eq(a, slice_make("a\0b", 2)));
	assert_int_equal(e.len, 0);
	assert_true(slice_eq(e, slice_make(NULL, 0)));
	assert_true(slice_eq(e, SLICE_LIT("")));
	assert_int_equal(slice_cstr("abc").len, 3);
}

static void
test_slice_caseeq(void **state)
{
	(void)state;
	assert_true(slice_caseeq(SLICE_LIT("HS_Admin-9"), SLICE_LIT("hs_aDMIN-9")));
	assert_true(slice_caseeq(SLICE_LIT(""), SLICE_LIT("")));
	assert_false(slice_caseeq(SLICE_LIT("abc"), SLICE_LIT("abcd")));
	/* only ASCII letters fold: '@'/'`', '['/'{' differ by 0x20 but are not letters */
	assert_false(slice_caseeq(SLICE_LIT("@"), SLICE_LIT("`")));
	assert_false(slice_caseeq(SLICE_LIT("["), SLICE_LIT("{")));
	assert_false(slice_caseeq(SLICE_LIT("\xc3\xa9"), SLICE_LIT("\xc3\x89"))); /* é, É */
	assert_true(slice_caseeq_cstr(SLICE_LIT("0.na"), "0.NA"));
	assert_false(slice_caseeq_cstr(SLICE_LIT("0.na\0"), "0.NA"));
}

static void
test_slice_to_cstr(void **state)
{
	char buf[4] = "xyz";
	char *d;

	(void)state;
	assert_int_equal(slice_to_cstr(SLICE_LIT("abc"), buf, 4), IDR_OK); /* exact fit */
	assert_string_equal(buf, "abc");
	assert_int_equal(slice_to_cstr(SLICE_LIT("abcd"), buf, 4), IDR_ETOOBIG);
	assert_string_equal(buf, ""); /* never a truncated copy */
	assert_int_equal(slice_to_cstr(SLICE_LIT(""), buf, 1), IDR_OK);
	assert_string_equal(buf, "");
	assert_int_equal(slice_to_cstr(SLICE_LIT(""), buf, 0), IDR_ETOOBIG);

	d = slice_strdup(SLICE_LIT("a\0b"));
	assert_non_null(d);
	assert_memory_equal(d, "a\0b", 4); /* NUL-terminated after the 3 bytes */
	free(d);
	d = slice_strdup(slice_make(NULL, 0));
	assert_non_null(d);
	assert_string_equal(d, "");
	free(d);
}

/* slice_cut_suffix: the head before a tail; not when the tail is all or missing */
static void
test_slice_cut_suffix(void **state)
{
	struct slice head = SLICE_LIT("unchanged");

	(void)state;
	assert_true(slice_cut_suffix(SLICE_LIT("88.118/takeover"), "/takeover", &head));
	assert_true(slice_eq(head, SLICE_LIT("88.118")));
	assert_false(slice_cut_suffix(SLICE_LIT("/takeover"), "/takeover", &head));
	assert_false(slice_cut_suffix(SLICE_LIT("88.118/takeovex"), "/takeover", &head));
	assert_false(slice_cut_suffix(SLICE_LIT("over"), "/takeover", &head));
	assert_true(slice_eq(head, SLICE_LIT("88.118")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_slice_make_eq),
	        cmocka_unit_test(test_slice_caseeq),
	        cmocka_unit_test(test_slice_to_cstr),
	        cmocka_unit_test(test_slice_cut_suffix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
