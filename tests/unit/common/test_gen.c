/* test_gen.c - idr gen's patterns, GTIN/SSCC construction, element strings, Digital Links. */
#include "common/gen.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"

struct expand_case {
	const char *pattern;
	uint64_t seq;
	const char *want; /* NULL: expand fails with rc */
	int rc;
};

static void
test_gen_pattern_expand_table(void **state)
{
	static const struct expand_case cases[] = {
	        {"{seq:6}", 1, "000001", 0},
	        {"P-{yyyy}{mm}-{seq:6}{check}", 1, "P-202406-000001I", 0},
	        {"L{yy}{mm}{dd}-{seq:3}", 42, "L240609-042", 0},
	        {"{seq:12}{mod10}", 12345, "0000000123457", 0},
	        {"69012345678{seq:1}{mod10}", 9, "6901234567892", 0},
	        {"A-{seq:2}", 99, "A-99", 0},
	        {"A-{seq:2}", 100, NULL, IDR_ELIMIT}, /* one past the width */
	        {"{seq:18}", 999999999999999999ull, "999999999999999999", 0},
	        {"P{seq:3}{mod10}", 7, NULL, IDR_EPROTO}, /* a letter before {mod10} */
	        {"-{check}", 1, NULL, IDR_EPROTO},        /* nothing to check */
	        {"{gtin}", 1, NULL, IDR_EPROTO},          /* no value in this row */
	        {"X{seq:1}", 0, "X0", 0},
	};
	struct gen_vars v = {0, {2024, 6, 9}, NULL, NULL, NULL};
	struct gen_pattern p;
	char out[GEN_MAX_OUT], err[GEN_ERR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct expand_case *c = &cases[i];
		int rc;

		assert_int_equal(
		        gen_pattern_parse(&p, c->pattern, GEN_ALLOW_GTIN, err, sizeof(err)),
		        IDR_OK);
		v.seq = c->seq;
		err[0] = '\0';
		rc = gen_pattern_expand(&p, &v, out, sizeof(out), err, sizeof(err));
		if (c->want != NULL) {
			assert_int_equal(rc, IDR_OK);
			assert_string_equal(out, c->want);
		} else {
			assert_int_equal(rc, c->rc);
			assert_true(err[0] != '\0');
		}
	}
}

static void
test_gen_pattern_parse_refuses(void **state)
{
	static const char *const bad[] = {
	        "",        "{seq}", "{seq:0}", "{seq:19}",  "{seq:x}", "{seq:123}", "{nope}",
	        "A{seq:3", "A}B",   "{}",      "{{seq:1}}", "{sscc}",  "{serial}",
	};
	struct gen_pattern p;
	char err[GEN_ERR_LEN], big[GEN_MAX_PATTERN + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(gen_pattern_parse(&p, bad[i], GEN_ALLOW_GTIN, err, sizeof(err)),
		                 IDR_EPROTO);
		assert_true(err[0] != '\0');
	}
	/* the length limit and one past it */
	memset(big, 'A', sizeof(big));
	big[GEN_MAX_PATTERN] = '\0';
	assert_int_equal(gen_pattern_parse(&p, big, 0, err, sizeof(err)), IDR_OK);
	big[GEN_MAX_PATTERN] = 'A';
	big[GEN_MAX_PATTERN + 1] = '\0';
	assert_int_equal(gen_pattern_parse(&p, big, 0, err, sizeof(err)), IDR_ELIMIT);
	/* GEN_MAX_PARTS parts and one more */
	memset(big, 0, sizeof(big));
	for (i = 0; i < GEN_MAX_PARTS; i++) {
		size_t n = strlen(big);

		snprintf(big + n, sizeof(big) - n, "%s", i % 2 ? "{dd}" : "x");
	}
	assert_int_equal(gen_pattern_parse(&p, big, 0, err, sizeof(err)), IDR_OK);
	snprintf(big + strlen(big), sizeof(big) - strlen(big), "{dd}");
	assert_int_equal(gen_pattern_parse(&p, big, 0, err, sizeof(err)), IDR_ELIMIT);
}

static void
test_gen_pattern_max_seq(void **state)
{
	struct gen_pattern p;
	char err[GEN_ERR_LEN];

	(void)state;
	assert_int_equal(gen_pattern_parse(&p, "{seq:4}-{seq:2}", 0, err, sizeof(err)), IDR_OK);
	assert_int_equal(p.seq_width, 2);
	assert_int_equal(gen_pattern_max_seq(&p), 99);
	assert_int_equal(gen_pattern_parse(&p, "{seq:18}", 0, err, sizeof(err)), IDR_OK);
	assert_true(gen_pattern_max_seq(&p) == 999999999999999999ull);
	assert_int_equal(gen_pattern_parse(&p, "FIXED", 0, err, sizeof(err)), IDR_OK);
	assert_true(gen_pattern_max_seq(&p) == UINT64_MAX);
}

static void
test_gen_expand_output_limit(void **state)
{
	struct gen_vars v = {1, {2024, 1, 1}, NULL, NULL, NULL};
	struct gen_pattern p;
	char out[8], err[GEN_ERR_LEN];

	(void)state;
	assert_int_equal(gen_pattern_parse(&p, "ABC{seq:4}", 0, err, sizeof(err)), IDR_OK);
	assert_int_equal(gen_pattern_expand(&p, &v, out, 8, err, sizeof(err)), IDR_OK);
	assert_string_equal(out, "ABC0001");
	assert_int_equal(gen_pattern_expand(&p, &v, out, 7, err, sizeof(err)), IDR_ETOOBIG);
}

static void
test_gen_date_parse(void **state)
{
	static const char *const bad[] = {"2024-13-01", "2024-00-10", "2023-02-29",
	                                  "2024-04-31", "24-01-01",   "2024-1-01",
	                                  "2024/01/01", "0000-01-01", "2024-01-011"};
	struct gen_date d;
	size_t i;

	(void)state;
	assert_int_equal(gen_date_parse("2024-02-29", &d), IDR_OK);
	assert_int_equal(d.year, 2024);
	assert_int_equal(d.month, 2);
	assert_int_equal(d.day, 29);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gen_date_parse(bad[i], &d), IDR_EPROTO);
	}
}

static void
test_gen_gtin(void **state)
{
	char out[15], err[GEN_ERR_LEN];

	(void)state;
	assert_int_equal(gen_gtin("6901234.56789", 0, out, err, sizeof(err)), IDR_OK);
	assert_string_equal(out, "06901234567892");
	assert_int_equal(gen_gtin("0614141.12345", 8, out, err, sizeof(err)), IDR_OK);
	assert_string_equal(out, "80614141123458"); /* epc-tds, ref §3.3 */
	assert_int_equal(gen_gtin("6901234567892", 0, out, err, sizeof(err)), IDR_OK);
	assert_string_equal(out, "06901234567892");
	assert_int_equal(gen_gtin("96385074", 0, out, err, sizeof(err)), IDR_OK);
	assert_string_equal(out, "00000096385074");
	/* refusals: wrong check digit, lengths, prefix sizes, letters, indicator */
	assert_int_equal(gen_gtin("6901234567893", 0, out, err, sizeof(err)), IDR_EPROTO);
	assert_non_null(strstr(err, "expected 2"));
	assert_int_equal(gen_gtin("690123456789", 0, out, err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_gtin("6901234.5678", 0, out, err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_gtin("6901234.567890", 0, out, err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_gtin("69012.3456789", 0, out, err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_gtin("6901234567890.", 0, out, err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_gtin("690123A.56789", 0, out, err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_gtin("6901234.56789", 10, out, err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_gtin("6901234567892", 1, out, err, sizeof(err)), IDR_EPROTO);
}

static void
test_gen_sscc(void **state)
{
	char out[19];

	(void)state;
	assert_int_equal(gen_sscc(1, "0614141", 123456789, out), IDR_OK);
	assert_string_equal(out, "106141411234567897"); /* GS1 General Specifications */
	assert_int_equal(gen_sscc(0, "69012340", 1, out), IDR_OK);
	assert_string_equal(out, "069012340000000016"); /* ref §3.4 with its right digit */
	assert_true(gen_sscc_max_ref(7) == 999999999ull);
	assert_true(gen_sscc_max_ref(12) == 9999ull);
	assert_true(gen_sscc_max_ref(5) == 0 && gen_sscc_max_ref(13) == 0);
	assert_int_equal(gen_sscc(0, "0614141", 999999999, out), IDR_OK);
	assert_int_equal(gen_sscc(0, "0614141", 1000000000, out), IDR_ELIMIT);
	assert_int_equal(gen_sscc(10, "0614141", 1, out), IDR_EPROTO);
	assert_int_equal(gen_sscc(0, "06141", 1, out), IDR_EPROTO);
	assert_int_equal(gen_sscc(0, "0614141234567", 1, out), IDR_EPROTO);
	assert_int_equal(gen_sscc(0, "061414X", 1, out), IDR_EPROTO);
}

static void
test_gen_cset82(void **state)
{
	char err[GEN_ERR_LEN];

	(void)state;
	assert_int_equal(gen_cset82_check("SN-0001/a_b.c!\"%&'*+,:;<=>?", err, sizeof(err)),
	                 IDR_EPROTO); /* 27 characters: too long */
	assert_int_equal(gen_cset82_check("SN-0001/a_b.c!%&'*+,", err, sizeof(err)), IDR_OK);
	assert_int_equal(gen_cset82_check("12345678901234567890", err, sizeof(err)), IDR_OK);
	assert_int_equal(gen_cset82_check("123456789012345678901", err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_cset82_check("", err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_cset82_check("SN 1", err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_cset82_check("SN#1", err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_cset82_check("SN(1)", err, sizeof(err)), IDR_EPROTO);
	assert_int_equal(gen_cset82_check("批次", err, sizeof(err)), IDR_EPROTO);
}

static void
test_gen_gs1_strings(void **state)
{
	const struct gen_ai ais[] = {{"01", "06901234567892"}, {"10", "L/7"}, {"21", "A&B"}};
	char out[128];

	(void)state;
	assert_int_equal(gen_gs1_hri(ais, 3, out, sizeof(out)), IDR_OK);
	assert_string_equal(out, "(01)06901234567892(10)L/7(21)A&B");
	assert_int_equal(gen_gs1_hri(ais, 3, out, 32), IDR_ETOOBIG);
	assert_int_equal(gen_gs1_hri(ais, 3, out, 33), IDR_OK);
	assert_int_equal(gen_gs1_dl("https://id.gs1.org/", ais, 3, out, sizeof(out)), IDR_OK);
	assert_string_equal(out, "https://id.gs1.org/01/06901234567892/10/L%2F7/21/A%26B");
	assert_int_equal(gen_gs1_dl("https://id.gs1.org", ais, 3, out, 20), IDR_ETOOBIG);
	assert_int_equal(gen_url_join("https://n.example/", "88.118.8/P 1/批", out, sizeof(out)),
	                 IDR_OK);
	assert_string_equal(out, "https://n.example/88.118.8/P%201/%E6%89%B9");
}

static void
test_gen_csv_field(void **state)
{
	char out[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(gen_csv_field("plain", out, sizeof(out), &len), IDR_OK);
	assert_int_equal(gen_csv_field("a,b", out, sizeof(out), &len), IDR_OK);
	assert_int_equal(gen_csv_field("say \"x\"", out, sizeof(out), &len), IDR_OK);
	assert_string_equal(out, "plain\"a,b\"\"say \"\"x\"\"\"");
	len = 0;
	assert_int_equal(gen_csv_field("abc", out, 4, &len), IDR_OK);
	len = 0;
	assert_int_equal(gen_csv_field("abcd", out, 4, &len), IDR_ETOOBIG);
	assert_int_equal(len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_gen_pattern_expand_table),
	        cmocka_unit_test(test_gen_pattern_parse_refuses),
	        cmocka_unit_test(test_gen_pattern_max_seq),
	        cmocka_unit_test(test_gen_expand_output_limit),
	        cmocka_unit_test(test_gen_date_parse),
	        cmocka_unit_test(test_gen_gtin),
	        cmocka_unit_test(test_gen_sscc),
	        cmocka_unit_test(test_gen_cset82),
	        cmocka_unit_test(test_gen_gs1_strings),
	        cmocka_unit_test(test_gen_csv_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
