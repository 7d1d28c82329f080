/* test_text.c - strict UTF-8: overlongs, surrogates, range, truncation; control characters. */
#include "base/text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct text_case {
	const char *s;
	size_t len; /* 0: strlen */
	size_t nchars;
	int rc;
	bool ctrl;
};

static void
run(const struct text_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)c[i].s;
		size_t len = c[i].len != 0 ? c[i].len : strlen(c[i].s);
		size_t nchars = 999;
		bool ctrl = !c[i].ctrl;
		int rc = text_utf8_check(p, len, &nchars, &ctrl);

		if (rc != c[i].rc) {
			print_error("case %zu: got %d\n", i, rc);
		}
		assert_int_equal(rc, c[i].rc);
		if (rc == IDR_OK) {
			assert_int_equal(nchars, c[i].nchars);
			assert_true(ctrl == c[i].ctrl);
			assert_true(text_is_clean(p, len) == !c[i].ctrl);
			assert_int_equal(text_utf8_check(p, len, NULL, NULL), IDR_OK);
		} else {
			assert_false(text_is_clean(p, len));
		}
	}
}

static void
test_text_valid(void **state)
{
	static const struct text_case cases[] = {
	        {"", 0, 0, IDR_OK, false},
	        {"abc", 0, 3, IDR_OK, false},
	        {"a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", 0, 4, IDR_OK, false}, /* aé中😀 */
	        {"\xc2\x80", 0, 1, IDR_OK, true},                               /* U+0080 (C1) */
	        {"\xdf\xbf", 0, 1, IDR_OK, false},                              /* U+07FF */
	        {"\xe0\xa0\x80", 0, 1, IDR_OK, false},     /* U+0800, smallest 3-byte */
	        {"\xed\x9f\xbf", 0, 1, IDR_OK, false},     /* U+D7FF, below surrogates */
	        {"\xee\x80\x80", 0, 1, IDR_OK, false},     /* U+E000, above surrogates */
	        {"\xef\xbf\xbf", 0, 1, IDR_OK, false},     /* U+FFFF */
	        {"\xf0\x90\x80\x80", 0, 1, IDR_OK, false}, /* U+10000, smallest 4-byte */
	        {"\xf4\x8f\xbf\xbf", 0, 1, IDR_OK, false}, /* U+10FFFF */
	};

	(void)state;
	run(cases, ARRAY_LEN(cases));
}

static void
test_text_invalid(void **state)
{
	static const struct text_case cases[] = {
	        {"\xc0\x80", 0, 0, IDR_EUTF8, false},                 /* overlong NUL */
	        {"\xc1\xbf", 0, 0, IDR_EUTF8, false},                 /* overlong 2-byte */
	        {"\xe0\x80\x80", 0, 0, IDR_EUTF8, false},             /* overlong 3-byte */
	        {"\xe0\x9f\xbf", 0, 0, IDR_EUTF8, false},             /* overlong U+07FF */
	        {"\xf0\x80\x80\x80", 0, 0, IDR_EUTF8, false},         /* overlong 4-byte */
	        {"\xf0\x8f\xbf\xbf", 0, 0, IDR_EUTF8, false},         /* overlong U+FFFF */
	        {"\xed\xa0\x80", 0, 0, IDR_EUTF8, false},             /* U+D800 */
	        {"\xed\xbf\xbf", 0, 0, IDR_EUTF8, false},             /* U+DFFF */
	        {"\xed\xa0\xbd\xed\xb8\x80", 0, 0, IDR_EUTF8, false}, /* CESU-8 pair */
	        {"\xf4\x90\x80\x80", 0, 0, IDR_EUTF8, false},         /* U+110000 */
	        {"\xf5\x80\x80\x80", 0, 0, IDR_EUTF8, false},
	        {"\xf8\x88\x80\x80\x80", 0, 0, IDR_EUTF8, false}, /* 5-byte form */
	        {"\xff", 0, 0, IDR_EUTF8, false},
	        {"\xfe", 0, 0, IDR_EUTF8, false},
	        {"\x80", 0, 0, IDR_EUTF8, false}, /* lone continuation */
	        {"a\xbf", 0, 0, IDR_EUTF8, false},
	        {"\xc3", 0, 0, IDR_EUTF8, false},         /* truncated 2-byte */
	        {"\xe4\xb8", 0, 0, IDR_EUTF8, false},     /* truncated 3-byte */
	        {"\xf0\x9f\x98", 0, 0, IDR_EUTF8, false}, /* truncated 4-byte */
	        {"\xc3(", 0, 0, IDR_EUTF8, false},        /* bad continuation */
	        {"\xe4\xb8(", 0, 0, IDR_EUTF8, false},
	        {"\xf0\x9f(\x80", 0, 0, IDR_EUTF8, false},
	};

	(void)state;
	run(cases, ARRAY_LEN(cases));
}

static void
test_text_control_chars(void **state)
{
	static const struct text_case cases[] = {
	        {"a\0b", 3, 3, IDR_OK, true}, /* NUL */
	        {"\x01", 0, 1, IDR_OK, true},         {"\t", 0, 1, IDR_OK, true},
	        {"\n", 0, 1, IDR_OK, true},           {"\x1f", 0, 1, IDR_OK, true},
	        {" ", 0, 1, IDR_OK, false},           {"~", 0, 1, IDR_OK, false},
	        {"\x7f", 0, 1, IDR_OK, true},         /* DEL */
	        {"\xc2\x80", 0, 1, IDR_OK, true},     /* C1 first */
	        {"\xc2\x85", 0, 1, IDR_OK, true},     /* NEL */
	        {"\xc2\x9f", 0, 1, IDR_OK, true},     /* C1 last */
	        {"\xc2\xa0", 0, 1, IDR_OK, false},    /* NBSP is not a control */
	        {"abc\xc2\x9f", 0, 4, IDR_OK, true},  /* found after the ASCII fast path */
	        {"\x01\xff", 0, 0, IDR_EUTF8, false}, /* invalid wins over control */
	};

	(void)state;
	run(cases, ARRAY_LEN(cases));
}

static void
test_text_suggest(void **state)
{
	static const char *const value_keys[] = {"index",     "type",        "data",       "ttl",
	                                         "timestamp", "permissions", "references", NULL};
	static const struct {
		const char *word, *want;
	} cases[] = {
	        {"refs", "references"}, /* an abbreviation */
	        {"perms", "permissions"},
	        {"idx", "index"},
	        {"Index", "index"}, /* case */
	        {"indx", "index"},  /* a letter missing */
	        {"tpye", "type"},   /* swapped neighbours */
	        {"timestmap", "timestamp"},
	        {"referances", "references"},
	        {"ttls", "ttl"},
	        {"time", "timestamp"},
	        {"handle", NULL}, /* nothing near */
	        {"x", NULL},
	        {"", NULL},
	        {"datum", NULL}, /* 2 edits from data: too far for 4 letters */
	        {"rf", NULL},    /* too short to abbreviate */
	};
	char longword[TEXT_SUGGEST_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = text_suggest(cases[i].word, value_keys);

		if (cases[i].want == NULL ? got != NULL
		                          : got == NULL || strcmp(got, cases[i].want) != 0) {
			fail_msg("'%s': got '%s', want '%s'", cases[i].word, got ? got : "(none)",
			         cases[i].want ? cases[i].want : "(none)");
		}
	}
	memset(longword, 'r', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	assert_null(text_suggest(longword, value_keys));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_text_valid),
	        cmocka_unit_test(test_text_invalid),
	        cmocka_unit_test(test_text_control_chars),
	        cmocka_unit_test(test_text_suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
