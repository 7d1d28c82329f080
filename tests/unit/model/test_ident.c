/* test_ident.c - identifier syntax: split, every rejection rule and its order, limits, folding. */
#include "model/ident.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct parse_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int rc;
};

static int
parse(const char *s, size_t len, const struct ident_opts *o, struct ident *out)
{
	return ident_parse(out, s, len != 0 ? len : strlen(s), o);
}

static void
run_cases(const struct parse_case *cases, size_t n, const struct ident_opts *o)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct ident id;
		int rc = parse(cases[i].in, cases[i].len, o, &id);

		if (rc != cases[i].rc) {
			print_error("case %zu (%s): got %d, want %d\n", i, cases[i].in, rc,
			            cases[i].rc);
		}
		assert_int_equal(rc, cases[i].rc);
	}
}

/* Heap string: head followed by n copies of unit (exact size, so ASan sees overreads). */
static char *
make_long(const char *head, const char *unit, size_t n, size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), i;
	char *s = malloc(hl + ul * n + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	for (i = 0; i < n; i++) {
		memcpy(s + hl + i * ul, unit, ul);
	}
	*len = hl + ul * n;
	s[*len] = '\0';
	return s;
}

static void
assert_slice_str(struct slice s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.p, want, s.len);
}

static void
test_ident_split(void **state)
{
	struct ident id;

	(void)state;
	assert_int_equal(parse("88.118.8/P-2024-000123", 0, NULL, &id), IDR_OK);
	assert_slice_str(id.full, "88.118.8/P-2024-000123");
	assert_slice_str(id.prefix, "88.118.8");
	assert_slice_str(id.suffix, "P-2024-000123");
	assert_int_equal(id.nchars, 22);
	assert_true(id.has_slash);
	assert_false(id.zero_na);

	/* split at the first '/': the suffix keeps the others */
	assert_int_equal(parse("88.1/a/b//c/", 0, NULL, &id), IDR_OK);
	assert_slice_str(id.prefix, "88.1");
	assert_slice_str(id.suffix, "a/b//c/");

	/* suffix may hold any clean UTF-8, including spaces and '.' */
	assert_int_equal(parse("88.1/零部件 A.b", 0, NULL, &id), IDR_OK);
	assert_slice_str(id.suffix, "零部件 A.b");
	assert_int_equal(id.nchars, 12);
}

static void
test_ident_empty_parts(void **state)
{
	static const struct parse_case cases[] = {
	        {"", 0, IDR_EID_EMPTY},        {"88.1/", 0, IDR_EID_NOSUFFIX},
	        {"/abc", 0, IDR_EID_NOPREFIX}, {"/", 0, IDR_EID_NOPREFIX},
	        {"//", 0, IDR_EID_NOPREFIX},   {"88.1", 0, IDR_EID_NOSLASH},
	        {"x", 0, IDR_EID_NOSLASH},
	};
	struct ident id;

	(void)state;
	run_cases(cases, ARRAY_LEN(cases), NULL);
	/* empty input, even with a NULL pointer */
	assert_int_equal(ident_parse(&id, NULL, 0, NULL), IDR_EID_EMPTY);
}

static void
test_ident_no_slash(void **state)
{
	struct ident_opts strict = {0, false}, lax = {0, true};
	struct ident id;

	(void)state;
	/* without allow_no_slash a bare name lacks the '/', and the message says so (not that
	 * the suffix after a '/' is empty) */
	assert_int_equal(parse("88.118", 0, &strict, &id), IDR_EID_NOSLASH);
	assert_int_equal(parse("88.118.8Q-NOSLASH", 0, &strict, &id), IDR_EID_NOSLASH);
	assert_non_null(
	        strstr(idr_strerror(IDR_EID_NOSLASH), "no '/' separating prefix and suffix"));
	assert_null(strstr(idr_strerror(IDR_EID_NOSLASH), "empty"));

	assert_int_equal(parse("88.118", 0, &lax, &id), IDR_OK);
	assert_false(id.has_slash);
	assert_slice_str(id.prefix, "88.118");
	assert_int_equal(id.suffix.len, 0);
	assert_false(id.zero_na);
	/* a bare 0.NA is a name, not a prefix handle with an empty suffix */
	assert_int_equal(parse("0.NA", 0, &lax, &id), IDR_OK);
	assert_false(id.zero_na);

	/* the prefix rules still apply to a bare name */
	assert_int_equal(parse("88..1", 0, &lax, &id), IDR_EID_SEGMENT);
	assert_int_equal(parse("88 1", 0, &lax, &id), IDR_EID_PREFIXCHAR);
	/* and the usual rules to names with a slash */
	assert_int_equal(parse("88.1/", 0, &lax, &id), IDR_EID_NOSUFFIX);
	assert_int_equal(parse("/x", 0, &lax, &id), IDR_EID_NOPREFIX);
}

static void
test_ident_prefix_segments(void **state)
{
	static const struct parse_case cases[] = {
	        {"aB-_9.x-Y.0/y", 0, IDR_OK},
	        {"88/y", 0, IDR_OK},
	        {".88/x", 0, IDR_EID_SEGMENT},
	        {"88./x", 0, IDR_EID_SEGMENT},
	        {"88..1/x", 0, IDR_EID_SEGMENT},
	        {"./x", 0, IDR_EID_SEGMENT},
	        {"88 1/x", 0, IDR_EID_PREFIXCHAR},
	        {"88.1+/x", 0, IDR_EID_PREFIXCHAR},
	        {"88:1/x", 0, IDR_EID_PREFIXCHAR},
	        {"中.1/x", 0, IDR_EID_PREFIXCHAR},
	        {"88.1\\a/x", 0, IDR_EID_PREFIXCHAR},
	        /* first problem from the left wins */
	        {"8 8..1/x", 0, IDR_EID_PREFIXCHAR},
	        {"88..1 x/x", 0, IDR_EID_SEGMENT},
	};

	(void)state;
	run_cases(cases, ARRAY_LEN(cases), NULL);
}

static void
test_ident_case_folding(void **state)
{
	struct ident a, b;
	uint8_t fa[64], fb[64];
	uint8_t inplace[] = "88.abc/xY-\xc3\xa9z";

	(void)state;
	assert_int_equal(parse("88.ABC.def/Item-7", 0, NULL, &a), IDR_OK);
	assert_int_equal(parse("88.abc.DEF/item-7", 0, NULL, &b), IDR_OK);
	assert_false(slice_eq(a.full, b.full)); /* the spelling is preserved */
	ident_fold(a.full.p, a.full.len, fa);
	ident_fold(b.full.p, b.full.len, fb);
	assert_memory_equal(fa, fb, a.full.len);
	assert_memory_equal(fa, "88.ABC.DEF/ITEM-7", a.full.len);
	assert_true(slice_caseeq(a.prefix, b.prefix));

	/* in place; bytes >= 0x80 unchanged (é stays é, not É) */
	ident_fold(inplace, sizeof(inplace) - 1, inplace);
	assert_memory_equal(inplace, "88.ABC/XY-\xc3\xa9Z", sizeof(inplace) - 1);
	/* idempotent */
	ident_fold(inplace, sizeof(inplace) - 1, fa);
	assert_memory_equal(fa, inplace, sizeof(inplace) - 1);
	ident_fold(NULL, 0, fa); /* empty is fine */
}

static void
test_ident_bad_utf8(void **state)
{
	static const struct parse_case cases[] = {
	        {"88.1/\xff", 0, IDR_EID_UTF8},
	        {"88.1/a\x80", 0, IDR_EID_UTF8},                      /* lone continuation */
	        {"88.1/\xc0\xaf", 0, IDR_EID_UTF8},                   /* overlong '/' */
	        {"88.1/\xe0\x80\xaf", 0, IDR_EID_UTF8},               /* overlong, 3 bytes */
	        {"88.1/\xed\xa0\x80", 0, IDR_EID_UTF8},               /* surrogate D800 */
	        {"88.1/\xf4\x90\x80\x80", 0, IDR_EID_UTF8},           /* above U+10FFFF */
	        {"88.1/\xe4\xb8", 0, IDR_EID_UTF8},                   /* truncated */
	        {"88.1/\xe4\xb8x", 0, IDR_EID_UTF8},                  /* interrupted */
	        {"\xff/x", 0, IDR_EID_UTF8},                          /* in the prefix */
	        {"88.1/\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", 0, IDR_OK}, /* U+1F600, U+10FFFF */
	};

	(void)state;
	run_cases(cases, ARRAY_LEN(cases), NULL);
}

static void
test_ident_control_chars(void **state)
{
	static const struct parse_case cases[] = {
	        {"88.1/a\x01", 0, IDR_EID_CTRL},    {"88.1/a\tb", 0, IDR_EID_CTRL},
	        {"88.1/a\n", 0, IDR_EID_CTRL},      {"88.1/\x1f", 0, IDR_EID_CTRL},
	        {"88.1/\x7f", 0, IDR_EID_CTRL},     {"88.1/\xc2\x80", 0, IDR_EID_CTRL},
	        {"88.1/\xc2\x9f", 0, IDR_EID_CTRL}, {"88.1/a\0b", 8, IDR_EID_CTRL},
	        {"8\x01/x", 0, IDR_EID_CTRL}, /* reported before the prefix character rule */
	        {"88.1/\xc2\xa0", 0, IDR_OK}, /* U+00A0 is not a control character */
	};

	(void)state;
	run_cases(cases, ARRAY_LEN(cases), NULL);
}

static void
test_ident_char_limit_default(void **state)
{
	struct ident id;
	char *s;
	size_t len;

	(void)state;
	s = make_long("88.1/", "a", 250, &len); /* 255 characters */
	assert_int_equal(parse(s, len, NULL, &id), IDR_OK);
	assert_int_equal(id.nchars, 255);
	free(s);
	s = make_long("88.1/", "a", 251, &len);
	assert_int_equal(parse(s, len, NULL, &id), IDR_EID_TOOLONG);
	free(s);

	/* the limit counts characters, not bytes: 255 CJK characters are 755 bytes */
	s = make_long("88.1/", "中", 250, &len);
	assert_int_equal(len, 755);
	assert_int_equal(parse(s, len, NULL, &id), IDR_OK);
	assert_int_equal(id.nchars, 255);
	free(s);
	s = make_long("88.1/", "中", 251, &len);
	assert_int_equal(parse(s, len, NULL, &id), IDR_EID_TOOLONG);
	free(s);
	s = make_long("88.1/", "\xf0\x9f\x98\x80", 250, &len); /* 4-byte characters */
	assert_int_equal(parse(s, len, NULL, &id), IDR_OK);
	free(s);
	s = make_long("88.1/", "\xf0\x9f\x98\x80", 251, &len);
	assert_int_equal(parse(s, len, NULL, &id), IDR_EID_TOOLONG);
	free(s);
}

static void
test_ident_char_limit_configured(void **state)
{
	struct ident_opts ten = {10, false};
	static const struct parse_case cases[] = {
	        {"88.1/abcde", 0, IDR_OK},
	        {"88.1/abcdef", 0, IDR_EID_TOOLONG},
	        {"88.1/中中中中中", 0, IDR_OK}, /* 10 characters, 20 bytes */
	        {"88.1/中中中中中中", 0, IDR_EID_TOOLONG},
	        {"88.123456789/", 0, IDR_EID_TOOLONG}, /* length before the suffix rule */
	};
	struct ident_opts big = {1000, false};
	struct ident id;
	char *s;
	size_t len;

	(void)state;
	run_cases(cases, ARRAY_LEN(cases), &ten);
	s = make_long("88.1/", "a", 995, &len);
	assert_int_equal(parse(s, len, &big, &id), IDR_OK);
	free(s);
	s = make_long("88.1/", "a", 996, &len);
	assert_int_equal(parse(s, len, &big, &id), IDR_EID_TOOLONG);
	free(s);
}

static void
test_ident_hard_limit(void **state)
{
	struct ident_opts max = {IDENT_HARD_MAX, false}, over = {100000, false};
	struct ident id;
	char *s;
	size_t len;

	(void)state;
	s = make_long("88.1/", "a", 2043, &len);
	assert_int_equal(len, 2048);
	assert_int_equal(parse(s, len, &max, &id), IDR_OK);
	assert_int_equal(parse(s, len, &over, &id), IDR_OK); /* max_chars is capped at 2048 */
	assert_int_equal(parse(s, len, NULL, &id), IDR_EID_TOOLONG);
	free(s);
	s = make_long("88.1/", "a", 2044, &len);
	assert_int_equal(parse(s, len, &max, &id), IDR_EID_HARDLIMIT);
	assert_int_equal(parse(s, len, &over, &id), IDR_EID_HARDLIMIT);
	assert_int_equal(parse(s, len, NULL, &id), IDR_EID_HARDLIMIT); /* before TOOLONG */
	free(s);

	/* bytes, not characters: 682 CJK characters = 2051 bytes is over the hard limit */
	s = make_long("88.1/", "中", 681, &len);
	assert_int_equal(len, 2048);
	assert_int_equal(parse(s, len, &max, &id), IDR_OK);
	free(s);
	s = make_long("88.1/", "中", 682, &len);
	assert_int_equal(parse(s, len, &max, &id), IDR_EID_HARDLIMIT);
	free(s);

	/* the hard limit is checked before UTF-8 */
	s = make_long("88.1/", "\xff", 2044, &len);
	assert_int_equal(parse(s, len, &max, &id), IDR_EID_HARDLIMIT);
	free(s);
}

static void
test_ident_rule_order(void **state)
{
	static const struct parse_case cases[] = {
	        {"\x01\xff", 0, IDR_EID_UTF8}, /* UTF-8 before control characters */
	        {"88.1/\x01\xff", 0, IDR_EID_UTF8},
	        {"\x01", 0, IDR_EID_CTRL},       /* control before missing '/' */
	        {"88..1", 0, IDR_EID_NOSLASH},   /* missing '/' before prefix rules */
	        {"/\x01", 0, IDR_EID_CTRL},      /* control before empty prefix */
	        {"8 8/", 0, IDR_EID_PREFIXCHAR}, /* prefix rules before empty suffix */
	        {"0.NA/", 0, IDR_EID_NOSUFFIX},  /* empty suffix before the 0.NA rule */
	};

	(void)state;
	run_cases(cases, ARRAY_LEN(cases), NULL);
}

static void
test_ident_zero_na_handles(void **state)
{
	static const struct parse_case cases[] = {
	        {"0.NA/88.118", 0, IDR_OK},
	        {"0.na/88.118.8", 0, IDR_OK},
	        {"0.NA/0.NA", 0, IDR_OK},
	        {"0.NA/88..1", 0, IDR_EID_SEGMENT},
	        {"0.NA/.88", 0, IDR_EID_SEGMENT},
	        {"0.NA/88 1", 0, IDR_EID_PREFIXCHAR},
	        {"0.NA/中", 0, IDR_EID_PREFIXCHAR},
	        {"0.NA/88.1/x", 0, IDR_EID_NOTPREFIX},
	        {"0.NAX/88 1", 0, IDR_OK}, /* not 0.NA: an ordinary suffix */
	        {"0.N/88 1", 0, IDR_OK},
	};
	struct ident id;

	(void)state;
	run_cases(cases, ARRAY_LEN(cases), NULL);
	assert_int_equal(parse("0.nA/88.118", 0, NULL, &id), IDR_OK);
	assert_true(id.zero_na);
	assert_slice_str(id.suffix, "88.118");
	assert_int_equal(parse("0.NAX/88", 0, NULL, &id), IDR_OK);
	assert_false(id.zero_na);
	assert_int_equal(parse("10.NA/88", 0, NULL, &id), IDR_OK);
	assert_false(id.zero_na);
}

static void
test_ident_out_untouched_on_error(void **state)
{
	struct ident id, before;

	(void)state;
	memset(&id, 0xA5, sizeof(id));
	before = id;
	assert_int_equal(parse("88.1/", 0, NULL, &id), IDR_EID_NOSUFFIX);
	assert_memory_equal(&id, &before, sizeof(id));
	assert_int_equal(parse("0.NA/a..b", 0, NULL, &id), IDR_EID_SEGMENT);
	assert_memory_equal(&id, &before, sizeof(id));
}

/* The length message names the limit in force, not the default. */
static void
test_ident_strerror_names_the_limit(void **state)
{
	struct ident_opts five = {5, false}, huge = {IDENT_HARD_MAX + 1, false};
	char buf[IDENT_ERR_LEN];

	(void)state;
	assert_string_equal(ident_strerror(IDR_EID_TOOLONG, &five, buf, sizeof(buf)),
	                    "identifier is longer than the configured limit of 5 characters");
	assert_null(strstr(buf, "255"));
	assert_non_null(strstr(ident_strerror(IDR_EID_TOOLONG, NULL, buf, sizeof(buf)),
	                       "limit of 255 characters"));
	assert_non_null(strstr(ident_strerror(IDR_EID_TOOLONG, &huge, buf, sizeof(buf)),
	                       "limit of 2048 characters"));
	/* other codes: the usual message */
	assert_string_equal(ident_strerror(IDR_EID_SEGMENT, &five, buf, sizeof(buf)),
	                    idr_strerror(IDR_EID_SEGMENT));
	assert_string_equal(ident_strerror(IDR_EID_TOOLONG, &five, buf, 0),
	                    idr_strerror(IDR_EID_TOOLONG));
}

static void
test_ident_messages_name_the_rule(void **state)
{
	static const struct {
		int code;
		const char *word;
	} msgs[] = {
	        {IDR_EID_EMPTY, "empty"},        {IDR_EID_NOPREFIX, "prefix"},
	        {IDR_EID_NOSUFFIX, "suffix"},    {IDR_EID_SEGMENT, "segment"},
	        {IDR_EID_PREFIXCHAR, "letters"}, {IDR_EID_UTF8, "UTF-8"},
	        {IDR_EID_CTRL, "control"},       {IDR_EID_TOOLONG, "255"},
	        {IDR_EID_HARDLIMIT, "2048"},     {IDR_EID_NOTPREFIX, "prefix"},
	        {IDR_EID_NOSLASH, "'/'"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(msgs); i++) {
		assert_non_null(strstr(idr_strerror(msgs[i].code), msgs[i].word));
	}
}

static void
test_ident_prefix_check(void **state)
{
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(ident_prefix_check(SLICE_LIT("88.118.8")), IDR_OK);
	assert_int_equal(ident_prefix_check(SLICE_LIT("0.NA")), IDR_OK);
	assert_int_equal(ident_prefix_check(SLICE_LIT("")), IDR_EID_EMPTY);
	assert_int_equal(ident_prefix_check(SLICE_LIT("88/1")), IDR_EID_NOTPREFIX);
	assert_int_equal(ident_prefix_check(SLICE_LIT("0.NA/88")), IDR_EID_NOTPREFIX);
	assert_int_equal(ident_prefix_check(SLICE_LIT("88..1")), IDR_EID_SEGMENT);
	assert_int_equal(ident_prefix_check(SLICE_LIT("88.")), IDR_EID_SEGMENT);
	assert_int_equal(ident_prefix_check(SLICE_LIT("88.a b")), IDR_EID_PREFIXCHAR);
	assert_int_equal(ident_prefix_check(SLICE_LIT("88.\xc3\xa9")), IDR_EID_PREFIXCHAR);

	s = make_long("8", ".8", 1023, &len); /* 2047 bytes */
	assert_int_equal(ident_prefix_check(slice_make(s, len)), IDR_OK);
	free(s);
	s = make_long("88", ".8", 1023, &len); /* 2048 bytes */
	assert_int_equal(ident_prefix_check(slice_make(s, len)), IDR_OK);
	free(s);
	s = make_long("8", ".8", 1024, &len); /* 2049 bytes */
	assert_int_equal(ident_prefix_check(slice_make(s, len)), IDR_EID_HARDLIMIT);
	free(s);
}

static void
test_ident_prefix_parent(void **state)
{
	struct slice parent = {NULL, 0};

	(void)state;
	assert_true(ident_prefix_parent(SLICE_LIT("88.118.8"), &parent));
	assert_slice_str(parent, "88.118");
	assert_true(ident_prefix_parent(parent, &parent));
	assert_slice_str(parent, "88");
	assert_false(ident_prefix_parent(parent, &parent));
	assert_slice_str(parent, "88"); /* untouched */
	assert_false(ident_prefix_parent(SLICE_LIT(""), &parent));
	/* prefix handles: only the dots after the '/' count (ref/handle.md §8) */
	assert_true(ident_prefix_parent(SLICE_LIT("0.NA/88.100.1"), &parent));
	assert_slice_str(parent, "0.NA/88.100");
	assert_false(ident_prefix_parent(SLICE_LIT("0.NA/88"), &parent));
	assert_false(ident_prefix_parent(SLICE_LIT(".88"), &parent));
}

static void
test_ident_prefix_is_below(void **state)
{
	(void)state;
	assert_true(ident_prefix_is_below(SLICE_LIT("88.118.8"), SLICE_LIT("88.118")));
	assert_true(ident_prefix_is_below(SLICE_LIT("88.118.8.2"), SLICE_LIT("88.118")));
	assert_true(ident_prefix_is_below(SLICE_LIT("88.ABC.1"), SLICE_LIT("88.abc")));
	/* a segment boundary is required */
	assert_false(ident_prefix_is_below(SLICE_LIT("88.1180"), SLICE_LIT("88.118")));
	assert_false(ident_prefix_is_below(SLICE_LIT("88.1180.1"), SLICE_LIT("88.118")));
	/* strictly below */
	assert_false(ident_prefix_is_below(SLICE_LIT("88.118"), SLICE_LIT("88.118")));
	assert_false(ident_prefix_is_below(SLICE_LIT("88.118."), SLICE_LIT("88.118")));
	assert_false(ident_prefix_is_below(SLICE_LIT("88"), SLICE_LIT("88.118")));
	assert_false(ident_prefix_is_below(SLICE_LIT("89.118.8"), SLICE_LIT("88.118")));
	assert_false(ident_prefix_is_below(SLICE_LIT(".x"), SLICE_LIT("")));
}

static void
test_ident_zero_na(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(ident_zero_na(SLICE_LIT("88.118"), out, sizeof(out)), IDR_OK);
	assert_string_equal(out, "0.NA/88.118");
	assert_int_equal(ident_zero_na(SLICE_LIT("88.118"), out, 12), IDR_OK); /* exact fit */
	assert_string_equal(out, "0.NA/88.118");
	assert_int_equal(ident_zero_na(SLICE_LIT("88.118"), out, 11), IDR_ETOOBIG);
	assert_string_equal(out, "");
	assert_int_equal(ident_zero_na(SLICE_LIT("88"), out, 3), IDR_ETOOBIG);
	assert_int_equal(ident_zero_na(SLICE_LIT("88"), out, 0), IDR_ETOOBIG);
	assert_int_equal(ident_zero_na(SLICE_LIT(""), out, 6), IDR_OK);
	assert_string_equal(out, "0.NA/");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ident_split),
	        cmocka_unit_test(test_ident_empty_parts),
	        cmocka_unit_test(test_ident_no_slash),
	        cmocka_unit_test(test_ident_prefix_segments),
	        cmocka_unit_test(test_ident_case_folding),
	        cmocka_unit_test(test_ident_bad_utf8),
	        cmocka_unit_test(test_ident_control_chars),
	        cmocka_unit_test(test_ident_char_limit_default),
	        cmocka_unit_test(test_ident_char_limit_configured),
	        cmocka_unit_test(test_ident_hard_limit),
	        cmocka_unit_test(test_ident_rule_order),
	        cmocka_unit_test(test_ident_zero_na_handles),
	        cmocka_unit_test(test_ident_out_untouched_on_error),
	        cmocka_unit_test(test_ident_messages_name_the_rule),
	        cmocka_unit_test(test_ident_strerror_names_the_limit),
	        cmocka_unit_test(test_ident_prefix_check),
	        cmocka_unit_test(test_ident_prefix_parent),
	        cmocka_unit_test(test_ident_prefix_is_below),
	        cmocka_unit_test(test_ident_zero_na),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
