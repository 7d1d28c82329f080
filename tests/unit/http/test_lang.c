/* test_lang.c - the Accept-Language parser and the choice of the page language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/lang.h"

/* The parse as text: "tag:q tag:q", for comparing with a table. */
static const char *
parse_str(const char *in, size_t len, int *rc, size_t *bad)
{
	static char out[2048];
	struct lang_range r[LANG_MAX_RANGES];
	size_t n, i, off = 0;

	*rc = lang_accept_parse(slice_make(in, len), r, LANG_MAX_RANGES, &n, bad);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		assert_true((const char *)r[i].tag.p >= in &&
		            (const char *)r[i].tag.p + r[i].tag.len <= in + len);
		assert_true(r[i].q <= LANG_Q_MAX);
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%.*s:%u", i ? " " : "",
		                        (int)r[i].tag.len, (const char *)r[i].tag.p, r[i].q);
		assert_true(off < sizeof(out));
	}
	return out;
}

struct parse_case {
	const char *in;
	const char *want;
	size_t bad;
};

static void
test_lang_parse_table(void **state)
{
	static const struct parse_case cases[] = {
	        {"", "", 0},
	        {"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN:1000 zh:900 en:800", 0},
	        {"en-US,en;q=0.5", "en-US:1000 en:500", 0},
	        {"*", "*:1000", 0},
	        {"*;q=0.1", "*:100", 0},
	        {"en;q=1", "en:1000", 0},
	        {"en;q=1.", "en:1000", 0},
	        {"en;q=1.000", "en:1000", 0},
	        {"en;q=0", "en:0", 0},
	        {"en;q=0.", "en:0", 0},
	        {"en;q=0.123", "en:123", 0},
	        {"en;q=0.05", "en:50", 0},
	        {"en;Q=0.5", "en:500", 0},
	        {"en ; q=0.5", "en:500", 0},
	        {"en;\tq=0.5\t", "en:500", 0},
	        {" \ten\t ", "en:1000", 0},
	        {",,en,,", "en:1000", 0},
	        {"abcdefgh", "abcdefgh:1000", 0},
	        {"zh-Hant-TW", "zh-Hant-TW:1000", 0},
	        {"en-1abc", "en-1abc:1000", 0},
	        {"en-12345678", "en-12345678:1000", 0},
	        /* malformed elements are skipped, their neighbours kept */
	        {"en;q=1.001", "", 1},
	        {"en;q=0.1234", "", 1},
	        {"en;q=2", "", 1},
	        {"en;q=-1", "", 1},
	        {"en;q=", "", 1},
	        {"en;q", "", 1},
	        {"en;", "", 1},
	        {"en;q=0.5;x=1", "", 1},
	        {"en;x=1", "", 1},
	        {"en;q =0.5", "", 1},
	        {"en;q=.5", "", 1},
	        {"en;q=01", "", 1},
	        {"en_US", "", 1},
	        {"abcdefghi", "", 1},
	        {"en-abcdefghi", "", 1},
	        {"en-", "", 1},
	        {"-en", "", 1},
	        {"en--us", "", 1},
	        {"1en", "", 1},
	        {"**", "", 1},
	        {"*-x", "", 1},
	        {"e n", "", 1},
	        {";q=0.5", "", 1},
	        {"\"en\"", "", 1},
	        {"en,\xff,fr", "en:1000 fr:1000", 1},
	        {"zh\x01", "", 1},
	        {"en_US,en;q=0.1", "en:100", 1},
	};
	size_t i, bad;
	const char *got;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = parse_str(cases[i].in, strlen(cases[i].in), &rc, &bad);
		assert_int_equal(rc, IDR_OK);
		if (strcmp(got, cases[i].want) != 0 || bad != cases[i].bad) {
			fail_msg("case %zu '%s': got '%s' (%zu bad), want '%s' (%zu bad)", i,
			         cases[i].in, got, bad, cases[i].want, cases[i].bad);
		}
	}
}

/* Every truncation of a valid field parses; what comes before the cut is unchanged. */
static void
test_lang_parse_truncated(void **state)
{
	static const char full[] = "zh-CN,zh;q=0.9,en-US;q=0.8,en;q=0.7,*;q=0.1";
	static const char *const whole[] = {"zh-CN:1000", "zh:900", "en-US:800", "en:700", "*:100"};
	size_t len, bad, k, cut, off;
	const char *got;
	char want[256];
	int rc;

	(void)state;
	for (len = 0; len <= strlen(full); len++) {
		got = parse_str(full, len, &rc, &bad);
		assert_int_equal(rc, IDR_OK);
		/* the elements wholly before the cut */
		cut = 0;
		for (k = 0; k < len; k++) {
			cut += full[k] == ',';
		}
		want[0] = '\0';
		for (k = 0, off = 0; k < cut; k++) {
			off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s",
			                        k ? " " : "", whole[k]);
		}
		if (strncmp(got, want, strlen(want)) != 0) {
			fail_msg("cut at %zu: got '%s', want it to start with '%s'", len, got,
			         want);
		}
		assert_true(bad <= 1);
	}
}

static void
test_lang_parse_limits(void **state)
{
	char field[LANG_MAX_FIELD + 2];
	struct lang_range r[LANG_MAX_RANGES];
	size_t n, bad, i;

	(void)state;
	/* exactly LANG_MAX_FIELD bytes is read, one more is not */
	memset(field, ' ', sizeof(field));
	field[0] = 'e';
	field[1] = 'n';
	assert_int_equal(
	        lang_accept_parse(slice_make(field, LANG_MAX_FIELD), r, LANG_MAX_RANGES, &n, &bad),
	        IDR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(lang_accept_parse(slice_make(field, LANG_MAX_FIELD + 1), r,
	                                   LANG_MAX_RANGES, &n, &bad),
	                 IDR_ELIMIT);
	assert_int_equal(n, 0);
	assert_int_equal(lang_choose(slice_make(field, LANG_MAX_FIELD)), LANG_EN);
	assert_int_equal(lang_choose(slice_make(field, LANG_MAX_FIELD + 1)), LANG_ZH);

	/* cap ranges are kept, the one past it is refused */
	for (i = 0; i < 3 * (size_t)LANG_MAX_RANGES; i++) {
		field[i] = "fr,"[i % 3];
	}
	field[i] = 'e';
	field[i + 1] = 'n';
	assert_int_equal(lang_accept_parse(slice_make(field, 3 * LANG_MAX_RANGES - 1), r,
	                                   LANG_MAX_RANGES, &n, &bad),
	                 IDR_OK);
	assert_int_equal(n, LANG_MAX_RANGES);
	assert_int_equal(lang_accept_parse(slice_make(field, 3 * LANG_MAX_RANGES + 2), r,
	                                   LANG_MAX_RANGES, &n, &bad),
	                 IDR_ELIMIT);
	assert_int_equal(n, LANG_MAX_RANGES);
	assert_int_equal(lang_choose(slice_make(field, 3 * LANG_MAX_RANGES + 2)), LANG_ZH);
	/* a capacity of 0 keeps nothing */
	assert_int_equal(lang_accept_parse(SLICE_LIT("en"), r, 0, &n, &bad), IDR_ELIMIT);
	assert_int_equal(n, 0);
	assert_int_equal(lang_accept_parse(SLICE_LIT(""), r, 0, &n, &bad), IDR_OK);
}

struct choose_case {
	const char *in;
	enum lang_id want;
};

static void
test_lang_choose_table(void **state)
{
	static const struct choose_case cases[] = {
	        {"", LANG_ZH},
	        {"en", LANG_EN},
	        {"en-US,en;q=0.9", LANG_EN},
	        {"zh-CN,zh;q=0.9,en;q=0.8", LANG_ZH},
	        {"en-US,en;q=0.9,zh-CN;q=0.8", LANG_EN},
	        {"zh-CN;q=0.8,en;q=0.9", LANG_EN},
	        {"en;q=0.8,zh;q=0.8", LANG_ZH},
	        {"fr", LANG_ZH},
	        {"fr,en;q=0.5", LANG_EN},
	        {"de,zh;q=0", LANG_EN},
	        {"zh;q=0,en;q=0", LANG_ZH},
	        {"*", LANG_ZH},
	        {"*;q=0.5,en", LANG_EN},
	        {"en;q=0.5,*", LANG_ZH},
	        {"*;q=0,en", LANG_EN},
	        {"*;q=0,zh;q=0.1", LANG_ZH},
	        {"*;q=0", LANG_ZH},
	        {"zh-TW", LANG_ZH},
	        {"zh-Hant-HK,en;q=0.9", LANG_ZH},
	        {"ZH-cn", LANG_ZH},
	        {"EN-gb", LANG_EN},
	        {"english", LANG_ZH},
	        {"en_US", LANG_ZH},
	        {"en_US,en;q=0.1", LANG_EN},
	        {"zh;q=0.5,zh-CN;q=0.9,en;q=0.7", LANG_ZH},
	        {"zh;q=0.5,en;q=0.7", LANG_EN},
	        {"en;q=2,zh;q=0.1", LANG_ZH},
	        {"ja,ko;q=0.9,en;q=0.1", LANG_EN},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum lang_id got = lang_choose(slice_cstr(cases[i].in));

		if (got != cases[i].want) {
			fail_msg("case %zu '%s': got %s, want %s", i, cases[i].in, lang_code(got),
			         lang_code(cases[i].want));
		}
	}
}

static void
test_lang_of_tag(void **state)
{
	enum lang_id id = LANG_COUNT;

	(void)state;
	assert_int_equal(lang_of_tag(SLICE_LIT("zh"), &id), IDR_OK);
	assert_int_equal(id, LANG_ZH);
	assert_int_equal(lang_of_tag(SLICE_LIT("zh-CN"), &id), IDR_OK);
	assert_int_equal(id, LANG_ZH);
	assert_int_equal(lang_of_tag(SLICE_LIT("en"), &id), IDR_OK);
	assert_int_equal(id, LANG_EN);
	assert_int_equal(lang_of_tag(SLICE_LIT("EN-gb"), &id), IDR_OK);
	assert_int_equal(id, LANG_EN);
	assert_int_equal(lang_of_tag(SLICE_LIT("english"), &id), IDR_ENOENT);
	assert_int_equal(lang_of_tag(SLICE_LIT("zhx"), &id), IDR_ENOENT);
	assert_int_equal(lang_of_tag(SLICE_LIT("z"), &id), IDR_ENOENT);
	assert_int_equal(lang_of_tag(SLICE_LIT(""), &id), IDR_ENOENT);
	assert_int_equal(lang_of_tag(SLICE_LIT("*"), &id), IDR_ENOENT);
	assert_string_equal(lang_tag(LANG_ZH), "zh-CN");
	assert_string_equal(lang_tag(LANG_EN), "en");
	assert_string_equal(lang_code(LANG_ZH), "zh");
	assert_string_equal(lang_code(LANG_EN), "en");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lang_parse_table),
	        cmocka_unit_test(test_lang_parse_truncated),
	        cmocka_unit_test(test_lang_parse_limits),
	        cmocka_unit_test(test_lang_choose_table),
	        cmocka_unit_test(test_lang_of_tag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
