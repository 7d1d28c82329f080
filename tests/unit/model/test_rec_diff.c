/*
 * test_rec_diff.c - differences between value lists (rec_diff): every kind of difference and
 * every field, index order, timestamps ignored, the cap, unsorted input; their message
 * (rec_diff_format: wording, the bound on items listed, "and K more", cutting to the buffer)
 * and quoting (rec_quote).
 */
#include "model/rec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/text.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct value
val(uint32_t index, const char *type, const char *data)
{
	struct value v;

	memset(&v, 0, sizeof(v));
	v.index = index;
	v.timestamp = 1700000000;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = 86400;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = slice_cstr(type);
	v.data = slice_cstr(data);
	return v;
}

/* The same lists give 0, timestamps aside; empty lists too. */
static void
test_rec_diff_same(void **state)
{
	struct value a[2] = {val(1, "URL", "https://x"), val(2000, "colour", "red")};
	struct value b[2] = {a[0], a[1]};
	struct rec_diff d[4];

	(void)state;
	b[0].timestamp = 5;
	b[1].timestamp = 0;
	assert_int_equal(rec_diff(a, 2, b, 2, d, ARRAY_LEN(d)), 0);
	assert_int_equal(rec_diff(NULL, 0, NULL, 0, d, ARRAY_LEN(d)), 0);
}

/* Every kind of difference and every field, in ascending index order. */
static void
test_rec_diff_kinds(void **state)
{
	static const uint8_t ref1[] = {0, 0, 0, 1, 'x', 0, 0, 0, 1};
	static const uint8_t ref2[] = {0, 0, 0, 1, 'y', 0, 0, 0, 1};
	struct value a[] = {val(1, "URL", "u"),           val(3, "only-a", "z"),
	                    val(10, "ITEM_KIND", "part"), val(2000, "colour", "red"),
	                    val(2001, "ttl", "t"),        val(2002, "perms", "p"),
	                    val(2003, "refs", "r"),       val(2004, "many", "m")};
	struct value b[] = {val(1, "URL", "u"),         val(10, "ITEM_KIND", "lot"),
	                    val(2000, "Colour", "red"), val(2001, "ttl", "t"),
	                    val(2002, "perms", "p"),    val(2003, "refs", "r"),
	                    val(2004, "many", "n"),     val(2005, "only-b", "w")};
	struct rec_diff d[16];

	(void)state;
	a[7].ttl = 60;
	b[3].ttl_type = VALUE_TTL_ABSOLUTE;
	b[4].perms = 0x0C;
	a[6].nrefs = b[5].nrefs = 1;
	a[6].refs = slice_make(ref1, sizeof(ref1));
	b[5].refs = slice_make(ref2, sizeof(ref2));
	b[6].perms = 0x0F;
	assert_int_equal(rec_diff(a, ARRAY_LEN(a), b, ARRAY_LEN(b), d, ARRAY_LEN(d)), 8);
	assert_int_equal(d[0].kind, REC_DIFF_ONLY_A);
	assert_int_equal(d[0].index, 3);
	assert_ptr_equal(d[0].a, &a[1]);
	assert_null(d[0].b);
	assert_int_equal(d[0].fields, 0);
	assert_int_equal(d[1].kind, REC_DIFF_CHANGED);
	assert_int_equal(d[1].index, 10);
	assert_int_equal(d[1].fields, REC_DIFF_DATA);
	assert_ptr_equal(d[1].a, &a[2]);
	assert_ptr_equal(d[1].b, &b[1]);
	assert_int_equal(d[2].index, 2000);
	assert_int_equal(d[2].fields, REC_DIFF_TYPE); /* types compare exactly, case included */
	assert_int_equal(d[3].index, 2001);
	assert_int_equal(d[3].fields, REC_DIFF_TTL);
	assert_int_equal(d[4].index, 2002);
	assert_int_equal(d[4].fields, REC_DIFF_PERMS);
	assert_int_equal(d[5].index, 2003);
	assert_int_equal(d[5].fields, REC_DIFF_REFS);
	assert_int_equal(d[6].index, 2004);
	assert_int_equal(d[6].fields, REC_DIFF_DATA | REC_DIFF_TTL | REC_DIFF_PERMS);
	assert_int_equal(d[7].kind, REC_DIFF_ONLY_B);
	assert_int_equal(d[7].index, 2005);
	assert_null(d[7].a);
	assert_ptr_equal(d[7].b, &b[7]);
	/* the other way round, the sides swap */
	assert_int_equal(rec_diff(b, ARRAY_LEN(b), a, ARRAY_LEN(a), d, ARRAY_LEN(d)), 8);
	assert_int_equal(d[0].kind, REC_DIFF_ONLY_B);
	assert_int_equal(d[7].kind, REC_DIFF_ONLY_A);
	/* one side empty: everything is on the other */
	assert_int_equal(rec_diff(a, ARRAY_LEN(a), NULL, 0, d, ARRAY_LEN(d)), 8);
	assert_int_equal(d[7].kind, REC_DIFF_ONLY_A);
	assert_int_equal(d[7].index, 2004);
}

/* Only cap items are written, the count is of all of them. */
static void
test_rec_diff_cap(void **state)
{
	struct value a[] = {val(1, "a", "1"), val(2, "b", "2"), val(3, "c", "3")};
	struct value b[] = {val(1, "a", "x"), val(2, "b", "y"), val(3, "c", "z"), val(4, "d", "")};
	struct rec_diff d[3];

	(void)state;
	memset(d, 0xAB, sizeof(d));
	assert_int_equal(rec_diff(a, 3, b, 4, d, 2), 4);
	assert_int_equal(d[0].index, 1);
	assert_int_equal(d[1].index, 2);
	assert_int_equal(d[2].index, 0xABABABABu); /* untouched */
	assert_int_equal(rec_diff(a, 3, b, 4, NULL, 0), 4);
}

/* Lists not sorted by index, or with an index twice, are refused (nothing written). */
static void
test_rec_diff_unsorted(void **state)
{
	struct value s[] = {val(1, "a", "1"), val(2, "b", "2")};
	struct value u[] = {val(2, "b", "2"), val(1, "a", "1")};
	struct value dup[] = {val(1, "a", "1"), val(1, "b", "2")};
	struct rec_diff d[4];

	(void)state;
	memset(d, 0, sizeof(d));
	assert_int_equal(rec_diff(s, 2, u, 2, d, 4), IDR_EREC_INDEX);
	assert_int_equal(rec_diff(u, 2, s, 2, d, 4), IDR_EREC_INDEX);
	assert_int_equal(rec_diff(s, 2, dup, 2, d, 4), IDR_EREC_INDEX);
	assert_int_equal(d[0].index, 0);
}

/* Quoting: escapes, the character bound, binary and control characters, small buffers. */
static void
test_rec_quote(void **state)
{
	static const uint8_t bin[] = {0x00, 0xff, 0x10};
	char buf[256], small[16];

	(void)state;
	assert_string_equal(rec_quote(SLICE_LIT("red"), buf, sizeof(buf)), "\"red\"");
	assert_string_equal(rec_quote(SLICE_LIT(""), buf, sizeof(buf)), "\"\"");
	assert_string_equal(rec_quote(SLICE_LIT("a\"b\\c"), buf, sizeof(buf)), "\"a\\\"b\\\\c\"");
	assert_string_equal(rec_quote(slice_make(bin, sizeof(bin)), buf, sizeof(buf)), "<3 bytes>");
	assert_string_equal(rec_quote(SLICE_LIT("two\nlines"), buf, sizeof(buf)), "<9 bytes>");
	/* 40 characters exactly fit, the 41st is cut */
	assert_string_equal(
	        rec_quote(SLICE_LIT("0123456789012345678901234567890123456789"), buf, sizeof(buf)),
	        "\"0123456789012345678901234567890123456789\"");
	assert_string_equal(
	        rec_quote(SLICE_LIT("0123456789012345678901234567890123456789X"), buf, sizeof(buf)),
	        "\"0123456789012345678901234567890123456789...\"");
	/* characters, not bytes: 41 three-byte characters */
	rec_quote(
	        SLICE_LIT(
	                "铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝铝"
	                "铝铝铝铝"),
	        buf, sizeof(buf));
	assert_int_equal(strlen(buf), 1 + 40 * 3 + 3 + 1);
	/* a small buffer: cut whole characters, always terminated */
	assert_string_equal(rec_quote(SLICE_LIT("铝合金铝合金铝合金"), small, sizeof(small)),
	                    "\"铝合金...\"");
}

static void
format(const struct value *a, size_t na, const struct value *b, size_t nb, size_t max, char *buf,
       size_t cap)
{
	struct rec_diff d[16];
	int n = rec_diff(a, na, b, nb, d, ARRAY_LEN(d));

	assert_true(n >= 0);
	assert_true(rec_diff_format(d, (size_t)n < ARRAY_LEN(d) ? (size_t)n : ARRAY_LEN(d),
	                            (size_t)n, max, "here", "in the row", buf, cap) == strlen(buf));
}

/* The message names each difference the way the brief of issue 8 shows. */
static void
test_rec_diff_format_wording(void **state)
{
	struct value a[] = {val(2, "colour", "red"), val(3, "size", "L"), val(4, "t", "x"),
	                    val(6, "perm", "p"), val(7, "both", "1")};
	struct value b[] = {val(2, "colour", "blue"), val(3, "Size", "L"), val(4, "t", "x"),
	                    val(5, "weight", "5kg"),  val(6, "perm", "p"), val(7, "both", "2")};
	char buf[1024];

	(void)state;
	b[2].ttl = 60;
	b[2].ttl_type = VALUE_TTL_ABSOLUTE;
	b[4].perms = 0x0C;
	b[5].ttl = 5;
	b[5].perms = 0x0F;
	format(a, 1, b, 1, 8, buf, sizeof(buf));
	assert_string_equal(buf, "value 2 (colour) is \"red\" here, \"blue\" in the row");
	format(a, 5, b, 6, 8, buf, sizeof(buf));
	assert_string_equal(buf, "value 2 (colour) is \"red\" here, \"blue\" in the row; "
	                         "value 3 has type \"size\" here, \"Size\" in the row; "
	                         "value 4 (t) has TTL 86400 here, until 60 in the row; "
	                         "value 5 (weight) only in the row; "
	                         "value 6 (perm) has permissions rwr- here, rw-- in the row; "
	                         "value 7 (both) is \"1\" here, \"2\" in the row (and its TTL, "
	                         "permissions)");
	format(b, 6, a, 5, 8, buf, sizeof(buf));
	assert_non_null(strstr(buf, "value 5 (weight) only here"));
}

/* References, and data that is not text. */
static void
test_rec_diff_format_refs_binary(void **state)
{
	static const uint8_t ref[] = {0, 0, 0, 1, 'x', 0, 0, 0, 1};
	static const uint8_t bin[] = {0x0f, 0xff, 0x00};
	struct value a[] = {val(100, "HS_ADMIN", ""), val(200, "r", "d")};
	struct value b[] = {val(100, "HS_ADMIN", ""), val(200, "r", "d")};
	char buf[512];

	(void)state;
	a[0].data = slice_make(bin, 2);
	b[0].data = slice_make(bin, 3);
	b[1].nrefs = 1;
	b[1].refs = slice_make(ref, sizeof(ref));
	format(a, 2, b, 2, 8, buf, sizeof(buf));
	assert_string_equal(buf, "value 100 (HS_ADMIN) is <2 bytes> here, <3 bytes> in the row; "
	                         "value 200 (r) has other references in the row");
}

/* At most max_listed items, then "and K more" (K counts beyond n as well). */
static void
test_rec_diff_format_bound(void **state)
{
	struct value a[] = {val(1, "a", "1"), val(2, "b", "2"), val(3, "c", "3"), val(4, "d", "4"),
	                    val(5, "e", "5")};
	struct rec_diff d[8];
	char buf[512];
	int n;

	(void)state;
	format(a, 5, NULL, 0, 2, buf, sizeof(buf));
	assert_string_equal(buf, "value 1 (a) only here; value 2 (b) only here; and 3 more");
	format(a, 5, NULL, 0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "and 5 more");
	format(a, 5, NULL, 0, 5, buf, sizeof(buf));
	assert_null(strstr(buf, "more"));
	/* only 2 of 5 in d[]: the rest is counted from total */
	n = rec_diff(a, 5, NULL, 0, d, 2);
	assert_int_equal(n, 5);
	rec_diff_format(d, 2, (size_t)n, 3, "here", "there", buf, sizeof(buf));
	assert_string_equal(buf, "value 1 (a) only here; value 2 (b) only here; and 3 more");
	/* nothing to say */
	rec_diff_format(d, 0, 0, 3, "here", "there", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/* Cut to the buffer with "...", never inside a UTF-8 character; every size from tiny up. */
static void
test_rec_diff_format_cut(void **state)
{
	struct value a[] = {val(2000, "材料", "铝合金铝合金铝合金铝合金"), val(2001, "b", "2")};
	struct value b[] = {val(2000, "材料", "不锈钢不锈钢不锈钢"), val(2001, "b", "3")};
	struct rec_diff d[4];
	char full[512], buf[512];
	size_t cap, len;
	int n = rec_diff(a, 2, b, 2, d, 4);

	(void)state;
	rec_diff_format(d, (size_t)n, (size_t)n, 8, "here", "in the row", full, sizeof(full));
	for (cap = 16; cap <= strlen(full) + 1; cap++) {
		memset(buf, 'Z', sizeof(buf));
		len = rec_diff_format(d, (size_t)n, (size_t)n, 8, "here", "in the row", buf, cap);
		assert_int_equal(len, strlen(buf));
		assert_true(len < cap);
		assert_int_equal(buf[cap], 'Z'); /* nothing written past cap */
		if (cap <= strlen(full)) {
			assert_string_equal(buf + len - 3, "...");
			assert_memory_equal(buf, full, len - 3);
		} else {
			assert_string_equal(buf, full);
		}
		/* never cut inside a character */
		assert_int_equal(text_utf8_check((const uint8_t *)buf, len, NULL, NULL), IDR_OK);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rec_diff_same),
	        cmocka_unit_test(test_rec_diff_kinds),
	        cmocka_unit_test(test_rec_diff_cap),
	        cmocka_unit_test(test_rec_diff_unsorted),
	        cmocka_unit_test(test_rec_quote),
	        cmocka_unit_test(test_rec_diff_format_wording),
	        cmocka_unit_test(test_rec_diff_format_refs_binary),
	        cmocka_unit_test(test_rec_diff_format_bound),
	        cmocka_unit_test(test_rec_diff_format_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
